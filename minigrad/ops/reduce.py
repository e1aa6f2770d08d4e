"""Chapter 2: reductions, from many elements to fewer: ``sum``, ``max``, ``min``
and the composites ``mean`` and ``var``.

A reduction's VJP sends the output gradient back along the reduced axes: to
every element for ``sum`` (its Jacobian is a row of ones), to the elements
that were picked for ``max`` and ``min``. ``keepdims`` only changes where the
gradient's axes of length 1 sit, so each backward first restores them.

Empty inputs follow NumPy: ``sum`` of nothing is 0, ``mean`` and ``var`` of
nothing are nan (with NumPy's RuntimeWarning), and ``max``/``min`` of nothing
are an error, since they have no value to give.
"""

import numbers

import numpy as np

from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.tensor import Tensor, _array, _as_tensor


def normalize_axis(axis, ndim, op):
    """``axis`` as a sorted tuple of non-negative ints, or a clear error naming ``op``."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    out = []
    for ax in axes:
        if not isinstance(ax, numbers.Integral) or not -ndim <= ax < ndim:
            raise np.exceptions.AxisError(
                f"{op}: axis {axis} is out of bounds for a tensor with {ndim} dimension(s)")
        out.append(int(ax) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(out))


def _kept_shape(shape, axes):
    """``shape`` with the reduced ``axes`` kept as length 1."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    """f = a.sum(axis);  ga = g broadcast back along the summed axes."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        axes = normalize_axis(axis, a.ndim, "sum")
        ctx.shape, ctx.kept = a.shape, _kept_shape(a.shape, axes)
        return a.sum(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        return get_array_module(g).broadcast_to(g.reshape(ctx.kept), ctx.shape)


def sum(a, axis=None, keepdims=False):
    """Sum along ``axis`` (all axes by default)."""
    return Sum.apply(a, axis=axis, keepdims=keepdims)


# max and min save the input and the kept-dims output, and recompute where the
# extremes were in backward: saving only the argmax would use less memory but
# could not split ties.

def _extreme(ctx, a, axis, keepdims, op):
    """Forward of max/min: ``a.max``/``a.min`` along ``axis``, saving what backward needs."""
    axes = normalize_axis(axis, a.ndim, op)
    if a.size == 0:
        raise ValueError(f"{op}: cannot reduce an empty tensor of shape {a.shape}")
    out = getattr(a, op)(axis=axes, keepdims=True)
    ctx.save_for_backward(a, out)
    ctx.axes = axes
    return out if keepdims else out.reshape([n for i, n in enumerate(a.shape) if i not in axes])


def _to_the_extremes(ctx, g):
    """Backward of max/min: ``g`` to the elements equal to the result, split
    equally among ties. A nan result came from the nan elements, so they get it."""
    a, out = ctx.saved_tensors
    xp = get_array_module(a)
    picked = (a == out) | (xp.isnan(a) & xp.isnan(out))
    return picked * (g.reshape(out.shape) / picked.sum(axis=ctx.axes, keepdims=True))


class Max(Function):
    """f = a.max(axis);  ga = g at the maxima, split equally among ties."""

    saves_constants = True  # the kept-dims result: compared with the input, never scaled

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        return _extreme(ctx, a, axis, keepdims, "max")

    @staticmethod
    def backward(ctx, g):
        return _to_the_extremes(ctx, g)


def max(a, axis=None, keepdims=False):
    """Largest value along ``axis``; ties share the gradient equally."""
    return Max.apply(a, axis=axis, keepdims=keepdims)


class Min(Function):
    """f = a.min(axis);  ga = g at the minima, split equally among ties."""

    saves_constants = True  # the kept-dims result: compared with the input, never scaled

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        return _extreme(ctx, a, axis, keepdims, "min")

    @staticmethod
    def backward(ctx, g):
        return _to_the_extremes(ctx, g)


def min(a, axis=None, keepdims=False):
    """Smallest value along ``axis``; ties share the gradient equally."""
    return Min.apply(a, axis=axis, keepdims=keepdims)


# -- composites: built from the primitives above, no backward of their own -------

def _count(a, axes):
    """How many elements each result of a reduction over ``axes`` gathers."""
    return int(np.prod([a.shape[i] for i in axes]))


def mean(a, axis=None, keepdims=False):
    """sum / count along ``axis``; the mean of nothing is nan, as in NumPy."""
    a = _as_tensor(a, "mean")
    axes = normalize_axis(axis, a.ndim, "mean")
    return a.sum(axes, keepdims) / _divisor(_count(a, axes))


def var(a, axis=None, keepdims=False, ddof=0):
    """Mean squared deviation from the mean, divided by count - ddof like NumPy
    (nan or inf, with NumPy's warning, when that is not positive)."""
    a = _as_tensor(a, "var")
    axes = normalize_axis(axis, a.ndim, "var")
    centred = a - mean(a, axes, keepdims=True)
    return (centred * centred).sum(axes, keepdims) / _divisor(_count(a, axes) - ddof)


def _divisor(count):
    """``count`` to divide by; below 1 it is 0.0, so that the quotient is nan or inf
    (IEEE, with NumPy's warning) rather than a ZeroDivisionError or a negative."""
    return count if count > 0 else 0.0


def argmax(a, axis=None, keepdims=False):
    """Index of the largest value (no gradient)."""
    return Tensor._wrap(_array(a).argmax(axis=axis, keepdims=keepdims))


def argmin(a, axis=None, keepdims=False):
    """Index of the smallest value (no gradient)."""
    return Tensor._wrap(_array(a).argmin(axis=axis, keepdims=keepdims))
