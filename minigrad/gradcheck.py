"""Checking gradients against numbers (all chapters).

Two tests, both in float64, with a random cotangent ``v`` of the output's shape:

1. **Central differences**, element by element: the VJP from ``backward``,
   ``(Jᵀv)[j]``, must match ``(<v, f(x + h e_j)> - <v, f(x - h e_j)>) / 2h``.
2. **The dot-product test**: for a random direction ``u``,
   ``<Jᵀv, u>`` (from backward) must match ``<v, J u>``, measured as a
   directional central difference. It checks all elements at once.
"""

import numpy as np

from minigrad import backend
from minigrad.autograd import no_grad
from minigrad.tensor import Tensor


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with the numerical one."""


def _differentiable(x):
    data = backend.asnumpy(x.data if isinstance(x, Tensor) else x)
    return data.dtype.kind == "f" or (not isinstance(x, (Tensor, np.ndarray)) and
                                      data.dtype.kind in "iu")


def _broadcasts(x_shape, out_shape):
    """Whether an input of ``x_shape`` broadcasts to ``out_shape`` (a pooled or reshaped
    input does not, so the note about summing over broadcast axes would mislead)."""
    try:
        return np.broadcast_shapes(tuple(x_shape), tuple(out_shape)) == tuple(out_shape)
    except ValueError:
        return False


def _likely_cause(got, expected, x_shape, out_shape):
    """A sentence guessing what went wrong, from how the two gradients differ."""
    if np.allclose(got, 0) and not np.allclose(expected, 0):
        return ("backward gave no gradient to this input: does it return one gradient "
                "per input, in the order of forward's arguments?")
    if np.allclose(got, -expected, rtol=1e-3, atol=1e-8):
        return "the gradient has the wrong sign."
    nonzero = np.abs(expected) > 1e-8
    if nonzero.any():
        ratios = got[nonzero] / expected[nonzero]
        ratio = float(np.median(ratios))
        if np.allclose(ratios, ratio, rtol=1e-3) and ratio > 0:
            broadcast = tuple(x_shape) != tuple(out_shape) and _broadcasts(x_shape, out_shape)
            note = (f" This input was broadcast from {tuple(x_shape)} to {tuple(out_shape)}: "
                    "its gradient must be *summed* over the broadcast dimensions.") if broadcast else ""
            if ratio < 1:
                return (f"the gradient is {1 / ratio:.3g} times too small: a contribution "
                        "was overwritten (`=` where `+=` was meant), or something was "
                        "averaged that should be summed." + note)
            return (f"the gradient is {ratio:.3g} times too large: a contribution was "
                    "counted twice, or something was summed that should be averaged." + note)
    return "compare the VJP in backward with the derivative of forward, term by term."


def gradcheck(f, *inputs, eps=1e-6, atol=1e-5, rtol=1e-4, seed=0, raise_exception=True):
    """Check ``f``'s gradients with central differences and the dot-product test.

    Args:
        f: a function of tensors returning a tensor.
        inputs: its arguments. Floating-point ones (and Python numbers/lists)
            are differentiated, in float64; integer arrays (indices) are passed
            unchanged.
        eps: the step of the central differences.
        atol, rtol: tolerances of the comparison.
        seed: seeds the random cotangent and direction.
        raise_exception: raise :class:`GradcheckError` on failure (else return False).

    The numbers are worked out on the host; ``f`` runs on the device of the
    first input tensor (or the default device).

    Returns:
        True when every gradient agrees.
    """
    rng = np.random.default_rng(seed)
    diff = [_differentiable(x) for x in inputs]
    base = [backend.asnumpy(backend.unwrap(x)).astype(np.float64) if d else x
            for x, d in zip(inputs, diff)]
    device = next((x.device for x in inputs if isinstance(x, Tensor)), None)

    def call(arrays, record):
        args = [Tensor(a, requires_grad=record, device=device) if d else a
                for a, d in zip(arrays, diff)]
        if record:
            return args, f(*args)
        with no_grad():
            return args, f(*args)

    args, out = call(base, record=True)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__}")
    v = rng.standard_normal(out.shape)
    if out.requires_grad:
        out.backward(v)
    analytic = [backend.asnumpy(a.grad) if a.grad is not None else np.zeros(a.shape)
                for a, d in zip(args, diff) if d]

    def scalar(arrays):
        return float(np.sum(v * call(arrays, record=False)[1].numpy()))

    def fail(message):
        if raise_exception:
            raise GradcheckError(message)
        return False

    k = 0
    for i, d in enumerate(diff):
        if not d:
            continue
        x = base[i]
        numeric = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            shifted = list(base)
            plus, minus = x.copy(), x.copy()
            plus[j] += eps
            minus[j] -= eps
            shifted[i] = plus
            f_plus = scalar(shifted)
            shifted[i] = minus
            numeric[j] = (f_plus - scalar(shifted)) / (2 * eps)
        got = analytic[k]
        k += 1
        close = np.isclose(got, numeric, atol=atol, rtol=rtol)
        if not close.all():
            j = tuple(int(n) for n in np.argwhere(~close)[0])
            return fail(
                f"gradcheck: the gradient of input {i} (shape {x.shape}) is wrong at element "
                f"{j}: expected {numeric[j]:.6g} (central differences), got {got[j]:.6g} "
                f"(backward); {int((~close).sum())} of {close.size} elements differ.\n"
                f"Likely cause: {_likely_cause(got, numeric, x.shape, out.shape)}")

    directions = [rng.standard_normal(np.shape(x)) if d else None for x, d in zip(base, diff)]
    plus = [x + eps * u if d else x for x, u, d in zip(base, directions, diff)]
    minus = [x - eps * u if d else x for x, u, d in zip(base, directions, diff)]
    measured = (scalar(plus) - scalar(minus)) / (2 * eps)
    predicted = float(sum(np.sum(g * u) for g, u in zip(analytic, [u for u in directions if u is not None])))
    if not np.isclose(predicted, measured, atol=atol * 10, rtol=rtol * 10):
        return fail(f"gradcheck: dot-product test failed: <Jᵀv, u> = {predicted:.6g} from "
                    f"backward, but <v, J u> = {measured:.6g} measured.")
    return True
