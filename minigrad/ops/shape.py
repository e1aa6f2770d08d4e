"""Chapter 3: operations that move elements without changing them: reshape,
transpose, broadcast, indexing and concatenation, and the composites built
from them (``flatten``, ``squeeze``, ``stack``, ``split``, ``repeat``, ``tile`` …).

Each VJP is the operation's partner that moves the gradient back:

- reshape ↔ reshape to the input's shape;
- transpose ↔ transpose by the inverse permutation;
- broadcast ↔ sum over the broadcast axes (done by the engine, Chapter 3);
- gather (indexing) ↔ scatter-add: an element read twice gets both gradients;
- concatenate ↔ split.
"""

import itertools
import numbers

import numpy as np

from minigrad import backend
from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.ops.reduce import normalize_axis
from minigrad.tensor import Tensor, _as_tensor


class Reshape(Function):
    """f = a.reshape(shape);  ga = g.reshape(a.shape)."""

    @staticmethod
    def forward(ctx, a, shape=None):
        ctx.shape = a.shape
        try:
            return a.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {a.shape} "
                             f"({a.size} elements) into shape {tuple(shape)}") from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


def reshape(a, *shape):
    """``reshape(a, 2, 3)`` or ``reshape(a, (2, 3))``; one dimension may be -1."""
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return Reshape.apply(a, shape=tuple(int(n) for n in shape))


class Transpose(Function):
    """f = a.transpose(axes);  ga = g.transpose(inverse permutation of axes)."""

    @staticmethod
    def forward(ctx, a, axes=None):
        ndim = a.ndim
        if axes is None:
            axes = tuple(range(ndim - 1, -1, -1))
        else:
            axes = tuple(int(x) % ndim if ndim else int(x) for x in axes)
        if sorted(axes) != list(range(ndim)):
            raise ValueError(f"transpose: axes {tuple(axes)} are not a permutation of the "
                             f"{ndim} axes of a tensor of shape {a.shape}")
        ctx.axes = axes
        return a.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        inverse = [0] * len(ctx.axes)
        for position, axis in enumerate(ctx.axes):
            inverse[axis] = position
        return g.transpose(inverse)


def transpose(a, *axes):
    """Permute the axes (reverse them when none are given)."""
    axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
    return Transpose.apply(a, axes=tuple(axes) if axes else None)


class BroadcastTo(Function):
    """f = broadcast_to(a, shape);  ga = g summed back to a.shape (by the engine)."""

    @staticmethod
    def forward(ctx, a, shape=None):
        try:
            return get_array_module(a).broadcast_to(a, shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast a tensor of shape {a.shape} "
                             f"to shape {tuple(shape)}") from None

    @staticmethod
    def backward(ctx, g):
        return g


def broadcast_to(a, shape):
    """``a`` repeated along new or length-1 axes to ``shape``, as NumPy broadcasts."""
    return BroadcastTo.apply(a, shape=tuple(shape))


class GetItem(Function):
    """f = a[index];  ga = zeros with g scattered back, repeated indices adding up."""

    @staticmethod
    def forward(ctx, a, index=None):
        index = backend.index_for(a, index)
        ctx.shape, ctx.index = a.shape, index
        try:
            return a[index]
        except IndexError as error:
            raise IndexError(f"getitem: {error} (tensor of shape {a.shape})") from None

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # a recorded backward (Chapter 8): the scatter as an op
            return ScatterAdd.apply(g, shape=ctx.shape, index=ctx.index)
        return _scatter(g, ctx.shape, ctx.index)


def _scatter(g, shape, index):
    """Zeros of ``shape`` with ``g`` added at ``index`` (repeated indices add up)."""
    grad = get_array_module(g).zeros(shape, dtype=g.dtype)
    if _may_repeat(index):
        backend.scatter_add(grad, index, g)
    else:
        grad[index] = g
    return grad


class ScatterAdd(Function):
    """f = zeros(shape) with g added at index;  gg = gf[index].  GetItem's VJP as an
    operation, so that a recorded backward pass (Chapter 8) can differentiate it."""

    @staticmethod
    def forward(ctx, g, shape=None, index=None):
        ctx.index = index = backend.index_for(g, index)
        return _scatter(g, shape, index)

    @staticmethod
    def backward(ctx, gf):
        if isinstance(gf, Tensor):
            return GetItem.apply(gf, index=ctx.index)
        return gf[ctx.index]


def getitem(a, index):
    """``a[index]``: slices, integers, None, integer arrays and boolean masks."""
    return GetItem.apply(a, index=_array_index(index))


def _may_repeat(index):
    """True when ``a[index]`` may read an element twice (integer-array indexing)."""
    items = index if isinstance(index, tuple) else (index,)
    return any(hasattr(i, "dtype") and i.dtype != bool for i in items)


def _array_index(index):
    """Turn tensors and lists inside an index into arrays."""
    if isinstance(index, tuple):
        return tuple(_array_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


class Concatenate(Function):
    """f = concatenate([a, b], axis);  ga = g[:len(a)],  gb = g[len(a):] along axis (a split)."""

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        shapes = [getattr(a, "shape", ()) for a in arrays]
        try:
            out = get_array_module(*arrays).concatenate(arrays, axis=axis)
        except ValueError as error:
            raise ValueError(f"concatenate: {error}; shapes {shapes}, axis {axis}") from None
        ctx.axis = axis % out.ndim
        ctx.sizes = [s[ctx.axis] for s in shapes]
        return out

    @staticmethod
    def backward(ctx, g):
        edges = list(itertools.accumulate(ctx.sizes))[:-1]
        pieces = get_array_module(g).split(g, edges, axis=ctx.axis)
        return tuple(p if need else None for p, need in zip(pieces, ctx.needs_input_grad))


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concatenate: need at least one tensor")
    return Concatenate.apply(*tensors, axis=axis)


class Pad(Function):
    """f = a padded with a constant;  ga = the part of g where a sits (pad ↔ crop).  Ch. 7."""

    @staticmethod
    def forward(ctx, a, widths=(), value=0.0):
        ctx.inside = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, a.shape))
        return get_array_module(a).pad(a, widths, constant_values=value)

    @staticmethod
    def backward(ctx, g):
        return g[ctx.inside]


def pad(a, widths, value=0.0):
    """Pad with ``value``, PyTorch's way: ``widths`` lists (before, after) pairs from the
    last axis backwards, so ``pad(x, (1, 1, 2, 2))`` pads W by 1 and H by 2 on each side."""
    a = _as_tensor(a, "pad")
    widths = tuple(int(w) for w in widths)
    if len(widths) % 2 or len(widths) // 2 > a.ndim or any(w < 0 for w in widths):
        raise ValueError(f"pad: widths {widths} must be non-negative (before, after) pairs, "
                         f"at most one per axis of a tensor of shape {a.shape}")
    pairs = [widths[i:i + 2] for i in range(0, len(widths), 2)][::-1]
    full = [(0, 0)] * (a.ndim - len(pairs)) + pairs
    return Pad.apply(a, widths=tuple(tuple(p) for p in full), value=value)


class Flip(Function):
    """f = a reversed along axes;  ga = g reversed along the same axes.  Ch. 7."""

    @staticmethod
    def forward(ctx, a, axes=()):
        ctx.axes = axes
        return get_array_module(a).flip(a, axis=axes)

    @staticmethod
    def backward(ctx, g):
        return get_array_module(g).flip(g, axis=ctx.axes)


def flip(a, axis=None):
    """Reverse the order of the elements along ``axis`` (all axes by default)."""
    a = _as_tensor(a, "flip")
    return Flip.apply(a, axes=normalize_axis(axis, a.ndim, "flip"))


# -- composites: built from the primitives above, no backward of their own -------

def flatten(a, start_axis=0):
    """Merge the axes from ``start_axis`` on into one."""
    a = _as_tensor(a, "flatten")
    start = normalize_axis(start_axis, a.ndim, "flatten")[0] if a.ndim else 0
    return reshape(a, a.shape[:start] + (-1,))


def squeeze(a, axis=None):
    """Drop axes of length 1 (all of them, or the given ones)."""
    a = _as_tensor(a, "squeeze")
    axes = normalize_axis(axis, a.ndim, "squeeze") if axis is not None else \
        tuple(i for i, n in enumerate(a.shape) if n == 1)
    for i in axes:
        if a.shape[i] != 1:
            raise ValueError(f"squeeze: axis {i} has length {a.shape[i]}, not 1 "
                             f"(tensor of shape {a.shape})")
    return reshape(a, tuple(n for i, n in enumerate(a.shape) if i not in axes))


def unsqueeze(a, axis):
    """Insert an axis of length 1 at position ``axis``."""
    a = _as_tensor(a, "unsqueeze")
    ndim = a.ndim + 1
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(f"unsqueeze: axis {axis} is out of bounds for the "
                                      f"result's {ndim} dimensions")
    shape = list(a.shape)
    shape.insert(axis % ndim, 1)
    return reshape(a, tuple(shape))


expand_dims = unsqueeze


def stack(tensors, axis=0):
    """Join tensors of one shape along a new axis."""
    tensors = [_as_tensor(t, "stack") for t in tensors]
    if not tensors:
        raise ValueError("stack: need at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors need the same shape, got {sorted(shapes)}")
    return concatenate([unsqueeze(t, axis) for t in tensors], axis=axis)


def split(a, indices_or_sections, axis=0):
    """Split into equal sections, or at the given indices, like ``np.split``."""
    a = _as_tensor(a, "split")
    ax = normalize_axis(axis, a.ndim, "split")[0]
    n = a.shape[ax]
    if isinstance(indices_or_sections, numbers.Integral):
        if indices_or_sections <= 0 or n % indices_or_sections:
            raise ValueError(f"split: axis {axis} of length {n} cannot be split into "
                             f"{indices_or_sections} equal sections")
        step = n // indices_or_sections
        edges = list(range(step, n, step))
    else:
        edges = list(indices_or_sections)
    bounds = zip([0] + edges, edges + [n])
    lead = (slice(None),) * ax
    return [getitem(a, lead + (slice(lo, hi),)) for lo, hi in bounds]


def repeat(a, repeats, axis=None):
    """Repeat each element ``repeats`` times along ``axis`` (like ``np.repeat``)."""
    a = _as_tensor(a, "repeat")
    if axis is None:
        a, axis = reshape(a, -1), 0
    ax = normalize_axis(axis, a.ndim, "repeat")[0]
    index = np.repeat(np.arange(a.shape[ax]), repeats)
    return getitem(a, (slice(None),) * ax + (index,))


def tile(a, reps):
    """Repeat the whole tensor ``reps`` times along each axis (like ``np.tile``)."""
    a = _as_tensor(a, "tile")
    reps = (reps,) if isinstance(reps, numbers.Integral) else tuple(reps)
    ndim = max(a.ndim, len(reps))
    reps = (1,) * (ndim - len(reps)) + reps
    shape = (1,) * (ndim - a.ndim) + a.shape
    interleaved = tuple(x for n in shape for x in (1, n))
    expanded = tuple(x for r, n in zip(reps, shape) for x in (r, n))
    tiled = broadcast_to(reshape(a, interleaved), expanded)
    return reshape(tiled, tuple(r * n for r, n in zip(reps, shape)))
