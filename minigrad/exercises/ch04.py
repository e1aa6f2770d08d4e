"""Checks for the exercises of Chapter 4 (softmax, log-softmax and cross-entropy)."""

import numpy as np

from minigrad.autograd import Function
from minigrad.exercises.core import CheckFailed, exercise, expect, expect_array, expect_close
from minigrad.functional import CrossEntropy  # the reference solution of Exercise 4.4
from minigrad.gradcheck import GradcheckError, gradcheck
from minigrad.tensor import Tensor

# -- reference solutions --------------------------------------------------------


def logsumexp(x):
    """log(sum(exp(x))) along the last axis, stable for any x: m + log Σ exp(x - m)."""
    m = x.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True)))[..., 0]


def log_softmax(x):
    """x - logsumexp(x) along the last axis."""
    return x - logsumexp(x)[..., None]


def softmax_vjp(s, g):
    """The VJP of s = softmax(x) along the last axis: s * (g - Σ g s)."""
    return s * (g - (g * s).sum(axis=-1, keepdims=True))


def one_hot(y, num_classes):
    """An (N, num_classes) array with a 1 at each row's class index."""
    out = np.zeros((len(y), num_classes))
    out[np.arange(len(y)), y] = 1
    return out


class BCEWithLogits(Function):
    """f = mean(max(z, 0) - z y + log(1 + exp(-|z|)));  gz = (sigmoid(z) - y) g / N."""

    @staticmethod
    def forward(ctx, z, y):
        ctx.save_for_backward(z, y)
        return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))

    @staticmethod
    def backward(ctx, grad_out):
        z, y = ctx.saved_tensors
        e = np.exp(-np.abs(z))  # in (0, 1]: the sigmoid without overflow
        sigmoid = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
        return (sigmoid - y) * grad_out / z.size, None


# -- checks -----------------------------------------------------------------------

_rng = np.random.default_rng(4)
_EXTREME = np.array([[1000.0, 1000.0, -1000.0], [-1e4, -1e4, -1e4], [0.5, -2.0, 3.0]])


def _naive_logsumexp(x):
    return np.log(np.exp(x).sum(axis=-1))


@exercise("4.1", "a stable logsumexp", logsumexp, lambda: (np.zeros((2, 3)),),
          where="minigrad.functional.logsumexp",
          hint="subtract each row's maximum m before exp, and add m back after the log.")
def check_logsumexp(fn):
    x = _rng.standard_normal((4, 5))
    expect_array(fn(x), _naive_logsumexp(x), "logsumexp of ordinary values (shape (4, 5))",
                 hint="reduce over the last axis only; the result has shape (4,).")
    with np.errstate(all="ignore"):
        got = np.asarray(fn(_EXTREME), dtype=float)
    expect(np.isfinite(got).all(),
           f"logsumexp of rows with values ±1000 and -10000 gave {got}: something overflowed.\n"
           "Hint: subtract each row's maximum m before exp, and add m back after the log.")
    expect_array(got, logsumexp(_EXTREME), "logsumexp of extreme rows")


@exercise("4.2", "log-softmax", log_softmax, lambda: (np.zeros((2, 3)),),
          where="minigrad.functional.log_softmax",
          hint="log softmax(x) = x - logsumexp(x), never log(exp(x) / sum).")
def check_log_softmax(fn):
    x = _rng.standard_normal((3, 4))
    expect_array(fn(x), log_softmax(x), "log_softmax of a (3, 4) array",
                 hint="log softmax(x) = x - logsumexp(x), the logsumexp taken along the "
                      "last axis and broadcast back (keep its axis).")
    with np.errstate(all="ignore"):
        got = np.asarray(fn(_EXTREME), dtype=float)
    expect(np.isfinite(got).all(), f"log_softmax of extreme rows gave {got}.\n"
           "Hint: never compute log(exp(x) / sum): use x - logsumexp(x).")
    expect_array(got, log_softmax(_EXTREME), "log_softmax of extreme rows")


@exercise("4.3", "the VJP of softmax", softmax_vjp,
          lambda: (np.full((1, 3), 1 / 3), np.ones((1, 3))),
          where="minigrad.functional.softmax",
          hint="gᵀJ = s * (g - Σ_j g_j s_j), per row.")
def check_softmax_vjp(fn):
    x = _rng.standard_normal((3, 4))
    s = np.exp(log_softmax(x))
    g = _rng.standard_normal((3, 4))
    expect_array(fn(s, g), softmax_vjp(s, g), "softmax_vjp(s, g) for (3, 4) arrays",
                 hint="J = diag(s) - s sᵀ for each row, so gᵀJ = s * (g - Σ_j g_j s_j); "
                      "the sum is per row (axis=-1, keepdims=True).")


def _softmax(z):
    return np.exp(log_softmax(z))


@exercise("4.4", "the fused softmax cross-entropy", CrossEntropy, lambda: (),
          where="minigrad.functional.CrossEntropy",
          hint="forward: the mean of -log_softmax(logits)[row, y]; backward: "
               "(softmax - onehot(y)) * grad_out / N for the logits, None for the labels.")
def check_cross_entropy(cls):
    logits = _rng.standard_normal((5, 3))
    y = np.array([0, 2, 1, 1, 0])
    expected = -log_softmax(logits)[np.arange(5), y].mean()
    out = cls.apply(Tensor(logits, requires_grad=True, device="cpu"), y)
    expect_close(out.item(), expected, "the mean cross-entropy of 5 rows and 3 classes",
                 hint="the loss of a row is -log softmax(z)[y], averaged over the rows.")
    z = Tensor(logits, requires_grad=True, device="cpu")
    cls.apply(z, y).backward()
    want = (_softmax(logits) - np.eye(3)[y]) / 5
    if np.allclose(z.grad, want * 5):
        raise CheckFailed("your gradient is 5 times too large: the loss is the *mean* over "
                          "the 5 rows, so divide by N.")
    expect_array(z.grad, want, "the gradient for 5 rows and 3 classes",
                 hint="softmax(logits) minus the one-hot targets, divided by N, times grad_out.")
    try:
        gradcheck(lambda t: cls.apply(t, y) * 3.0, logits)
    except GradcheckError as error:
        raise CheckFailed(f"{error}\nHint: multiply by grad_out, the gradient arriving from "
                          "above (3 here).") from None
    extreme = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    with np.errstate(all="ignore"):
        z = Tensor(extreme, requires_grad=True, device="cpu")
        loss = cls.apply(z, np.array([1, 0]))
        loss.backward()
    expect(np.isfinite(loss.item()) and np.isfinite(z.grad).all(),
           f"at logits ±1e4 the loss is {loss.item()} and the gradient {z.grad.tolist()}: "
           "something overflowed.\nHint: compute with log_softmax (the maximum subtracted), "
           "never with exp(logits) directly.")
    expect_close(loss.item(), (2e4 + np.log(3)) / 2, "the loss at logits ±1e4",
                 hint="row 1 is wrong by 2e4, row 2 is uniform (log 3).")
    grads = cls.backward(cls.apply(Tensor(logits, requires_grad=True, device="cpu"), y)._ctx,
                         np.float64(1.0))
    expect(isinstance(grads, tuple) and len(grads) == 2 and grads[1] is None,
           "backward returns one gradient per input: (the logits' gradient, None), since "
           "the integer labels have no gradient.")


@exercise("4.5", "one-hot encoding", one_hot, lambda: (np.array([0, 1]), 2),
          where="minigrad.functional.one_hot",
          hint="row i has a single 1, in column y[i]; num_classes columns.")
def check_one_hot(fn):
    expect_array(fn(np.array([2, 0, 1, 2]), 3),
                 [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], "one_hot([2, 0, 1, 2], 3)",
                 hint="row i has a single 1, in column y[i].")
    expect_array(fn(np.array([1]), 4), [[0, 1, 0, 0]], "one_hot([1], 4)",
                 hint="the number of columns is num_classes, not max(y) + 1.")


@exercise("4.6", "stable binary cross-entropy with logits", BCEWithLogits, lambda: (),
          where="minigrad.functional.BinaryCrossEntropyWithLogits",
          hint="forward: mean(max(z, 0) - z y + log(1 + exp(-|z|))); backward: "
               "(sigmoid(z) - y) * grad_out / N, with a sigmoid that never overflows.")
def check_bce_with_logits(cls):
    z = _rng.standard_normal(6)
    y = _rng.integers(0, 2, 6).astype(float)
    p = 1 / (1 + np.exp(-z))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    expect_close(cls.apply(Tensor(z, device="cpu"), y).item(), expected,
                 "the loss for ordinary logits",
                 hint="-mean(y log σ(z) + (1 - y) log(1 - σ(z))).")
    try:
        gradcheck(lambda t: cls.apply(t, y), z)
    except GradcheckError as error:
        raise CheckFailed(f"{error}\nHint: the gradient is (sigmoid(z) - y) / N, times "
                          "grad_out.") from None
    with np.errstate(all="ignore"):
        t = Tensor(np.array([-1000.0, 1000.0]), requires_grad=True, device="cpu")
        loss = cls.apply(t, np.array([1.0, 0.0]))
        loss.backward()
    expect_close(loss.item(), 1000.0, "the loss for logits ±1000 on the wrong side",
                 hint="rewrite it as max(z, 0) - z y + log(1 + exp(-|z|)): no exp of a large "
                      "positive number, no log of 0.")
    expect(np.isfinite(t.grad).all(), f"the gradient at logits ±1000 is {t.grad.tolist()}: "
           "compute the sigmoid from exp(-|z|), which never overflows.")
    expect_array(t.grad, [-0.5, 0.5], "the gradient at logits ±1000 on the wrong side")
