"""Chapter 8: function transforms built on the engine, as JAX names them.

Reverse mode gives a **vector-Jacobian product** ``vᵀJ`` for a small constant multiple
of one forward pass, whatever the number of inputs: :func:`vjp`, and :func:`jacrev`,
one VJP per output. Forward mode gives a **Jacobian-vector product** ``J t``:
:func:`jvp`, :func:`linearize` (trace once, push many tangents), and :func:`jacfwd`,
one JVP per input. Second derivatives come from
differentiating a recorded backward pass (:mod:`minigrad.recording`): :func:`hvp`
(Hessian-vector product, ``H v``) and :func:`hessian`.

``jvp`` uses the transpose trick rather than a second set of rules: the map
``u ↦ Jᵀu`` computed by a recorded backward pass is linear in ``u``, so its own VJP
with ``t`` is ``(Jᵀ)ᵀ t = J t``. No JVP rule is written for any operation (every VJP
serves both modes); the price is a recorded backward pass, built once per point by
:func:`linearize`, and a backward pass through it per tangent, several times the cost
of the one forward pass that JVP rules would take. Scalar
forward mode with dual numbers, one pass, is :class:`minigrad.Dual`.
"""

import numpy as np

from minigrad import backend
from minigrad.autograd import _differentiable_leaf, enable_grad, grad
from minigrad.recording import gradients
from minigrad.tensor import Tensor


def _name(f):
    return getattr(f, "__name__", "f")


def _traced(f, primals, what):
    """Fresh leaves for the primals, and ``f`` of them, recorded."""
    leaves = [_differentiable_leaf(p) for p in primals]
    with enable_grad():
        out = f(*leaves)
    if not isinstance(out, Tensor):
        raise TypeError(f"{what}: {_name(f)} must return a Tensor, got {type(out).__name__}")
    return leaves, out


def vjp(f, *primals):
    """``(f(*primals), pullback)``: ``pullback(v)`` gives vᵀJ for each primal (J the
    Jacobian of f with respect to it), as arrays, and may be called many times.

    The primals are differentiated as fresh leaves, as in :func:`~minigrad.grad`.
    """
    leaves, out = _traced(f, primals, "vjp")

    def pullback(cotangent):
        for leaf in leaves:
            leaf.grad = None
        if out.requires_grad:
            out.backward(cotangent, retain_graph=True)
        return tuple(leaf.grad.copy() if leaf.grad is not None
                     else backend.get_array_module(leaf.data).zeros_like(leaf.data)
                     for leaf in leaves)

    return out.detach(), pullback


def linearize(f, *primals):
    """``(f(*primals), push)``: ``push(*tangents)`` gives the JVP ``Σᵢ Jᵢ tᵢ`` and may be
    called many times. The recorded backward ``u ↦ Jᵀu`` is built once; each push is
    one backward pass through it (see the module's docstring)."""
    leaves, out = _traced(f, primals, "linearize")
    xp = backend.get_array_module(out.data)
    u = Tensor(xp.zeros_like(out.data), requires_grad=True)  # any value: Jᵀu is linear in u
    pulled = gradients(out, leaves, cotangent=u, create_graph=True)

    def push(*tangents):
        if len(tangents) != len(leaves):
            raise ValueError(f"jvp: {len(leaves)} primal(s) but {len(tangents)} tangent(s)")
        terms = []
        for g, t, leaf in zip(pulled, tangents, leaves):
            t = backend.unwrap(t)
            if np.shape(t) != leaf.shape:
                raise ValueError(f"jvp: a tangent of shape {np.shape(t)} for a primal of "
                                 f"shape {leaf.shape}; each tangent has its primal's shape")
            t = backend.to_device(np.asarray(t) if isinstance(t, (list, float, int)) else t,
                                  leaf.device).astype(leaf.dtype, copy=False)
            terms.append((g * Tensor(t)).sum())
        with enable_grad():
            total = sum(terms[1:], terms[0]) if terms else None
        if total is None or not total.requires_grad:
            return xp.zeros_like(out.data)
        u.grad = None  # the ordinary (fast) backward pass through the recording
        total.backward(retain_graph=True)
        return u.grad if u.grad is not None else xp.zeros_like(out.data)

    return out.detach(), push


def jvp(f, primals, tangents):
    """``(f(*primals), J t)``: the Jacobian-vector product, ``Σᵢ Jᵢ tᵢ`` over the
    primals, by the transpose trick (see the module's docstring)."""
    out, push = linearize(f, *tuple(primals))
    return out, push(*tuple(tangents))


def _named(function, name):
    function.__name__ = name
    return function


def jacrev(f, argnums=0):
    """Turn ``f`` into a function returning its Jacobian with respect to argument
    ``argnums``, of shape ``f(x).shape + x.shape``, built in reverse mode: one VJP per
    output element, with the rows of the identity as cotangents (cheap when f has few
    outputs and many inputs)."""

    def build(*args):
        out, pullback = vjp(f, *args)
        xp = backend.get_array_module(out.data)
        x_shape = np.shape(backend.unwrap(args[argnums]))
        rows = [pullback(_basis(xp, out.data.size, k, out.dtype).reshape(out.shape))[argnums]
                for k in range(out.data.size)]
        if not rows:  # f returned an empty tensor
            return xp.zeros(out.shape + x_shape)
        return xp.stack(rows).reshape(out.shape + x_shape)

    return _named(build, f"jacrev({_name(f)})")


def jacfwd(f, argnums=0):
    """Turn ``f`` into a function returning its Jacobian with respect to argument
    ``argnums``, of shape ``f(x).shape + x.shape``, built in forward mode: one JVP per
    input element, with the columns of the identity as tangents (cheap when f has few
    inputs and many outputs)."""

    def build(*args):
        out, push = linearize(f, *args)  # traced once, pushed once per column
        x = _differentiable_leaf(args[argnums]).data
        xp = backend.get_array_module(x)
        zeros = [xp.zeros_like(_differentiable_leaf(a).data) for a in args]
        columns = []
        for k in range(x.size):
            tangents = list(zeros)
            tangents[argnums] = _basis(xp, x.size, k, x.dtype).reshape(x.shape)
            columns.append(push(*tangents))
        if not columns:
            return xp.zeros(out.shape + x.shape)
        return xp.stack(columns, axis=-1).reshape(out.shape + x.shape)

    return _named(build, f"jacfwd({_name(f)})")


def hvp(f, x, v):
    """The Hessian of the scalar function ``f`` at ``x`` times ``v``: the VJP of the
    gradient (the Hessian is symmetric), about the cost of two gradients."""
    _, pullback = vjp(grad(f), x)
    return pullback(v)[0]


def hessian(f, argnums=0):
    """Turn the scalar function ``f`` into a function returning its Hessian, of shape
    ``x.shape + x.shape``: the reverse-mode Jacobian of its gradient."""
    return _named(jacrev(grad(f, argnums), argnums), f"hessian({_name(f)})")


def _basis(xp, size, k, dtype):
    e = xp.zeros(size, dtype=dtype)
    e[k] = 1
    return e
