"""Chapters 2–3: every differentiable operation on tensors.

The primitives below are :class:`~minigrad.autograd.Function` classes; each
docstring carries its vector-Jacobian product, with ``g`` the gradient of the
output. Everything else (``mean``, ``var``, ``min``, ``sqrt``, ``square``,
``flatten``, ``stack``, ``split``, ``repeat``, ``tile`` …) is composed from
them and needs no backward of its own. Broadcasting is handled once, by the
engine, which sums every input gradient back to its input's shape.

Primitives: Add Sub Mul Div Neg Pow Exp Log Abs Tanh Sigmoid ReLU LeakyReLU
Sin Cos Clip Maximum Minimum Where Sum Max Min MatMul Reshape Transpose
BroadcastTo GetItem Concatenate ToDevice.

One code path for every device (Chapter 6): an operation reaches NumPy's
functions only through ``xp = get_array_module(a)``, so the same class runs on
NumPy arrays and on CuPy arrays on a GPU.

Numerics, one policy everywhere: values outside an operation's domain follow
IEEE arithmetic exactly as NumPy does (``log(0) = -inf``, ``log(-1) = nan``,
``sqrt(-1) = nan``, ``exp(1000) = inf``), with NumPy's RuntimeWarning, never an
exception; gradients follow the same rules. Dtypes follow NumPy's promotion:
float32 with float64 gives float64, and a Python number takes the tensor's dtype.
"""

import builtins
import itertools
import numbers

import numpy as np

from minigrad import backend
from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.broadcast import unbroadcast
from minigrad.tensor import Tensor, _array, _raw

PRIMITIVES = ("Add", "Sub", "Mul", "Div", "Neg", "Pow", "Exp", "Log", "Abs", "Tanh",
              "Sigmoid", "ReLU", "LeakyReLU", "Sin", "Cos", "Clip", "Maximum", "Minimum",
              "Where", "Sum", "Max", "Min", "MatMul", "Reshape", "Transpose",
              "BroadcastTo", "GetItem", "Concatenate", "ToDevice")


# -- elementwise, two inputs (broadcasting) ------------------------------------

class Add(Function):
    """f = a + b;  ga = g,  gb = g."""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Function):
    """f = a - b;  ga = g,  gb = -g."""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """f = a * b;  ga = g * b,  gb = g * a."""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)


class Div(Function):
    """f = a / b;  ga = g / b,  gb = -g * a / b²."""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = g / b if need_a else None
        gb = -g * a / (b * b) if need_b else None
        return ga, gb


class Pow(Function):
    """f = a ** b;  ga = g * b * a ** (b - 1),  gb = g * f * log(a).

    ``b`` is usually a number (``x ** 2``); a tensor exponent gets a gradient
    too, defined where ``a > 0`` (it is 0 where ``a == 0``).
    """

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        out = a ** b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = g * b * a ** (b - 1) if need_a else None
        gb = None
        if need_b:
            xp = get_array_module(a, b)
            safe = xp.where(a > 0, a, 1)
            gb = g * out * xp.log(safe) * (a != 0)
        return ga, gb


class Maximum(Function):
    """f = max(a, b);  g goes to the larger input, split equally on ties."""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return get_array_module(a, b).maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        share = (a > b) + 0.5 * (a == b)
        return g * share, g * (1 - share)


class Minimum(Function):
    """f = min(a, b);  g goes to the smaller input, split equally on ties."""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return get_array_module(a, b).minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        share = (a < b) + 0.5 * (a == b)
        return g * share, g * (1 - share)


class Where(Function):
    """f = where(cond, a, b);  ga = g where cond,  gb = g elsewhere."""

    broadcasts = True

    @staticmethod
    def forward(ctx, cond, a, b):
        xp = get_array_module(cond, a, b)
        cond = xp.asarray(cond).astype(bool, copy=False)
        ctx.save_for_backward(cond)
        return xp.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        xp = get_array_module(g)
        zero = g.dtype.type(0)
        return None, xp.where(cond, g, zero), xp.where(cond, zero, g)


# -- elementwise, one input ------------------------------------------------------

class Neg(Function):
    """f = -a;  ga = -g."""

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Exp(Function):
    """f = exp(a);  ga = g * f."""

    @staticmethod
    def forward(ctx, a):
        out = get_array_module(a).exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Log(Function):
    """f = log(a);  ga = g / a.  (NumPy's rules: log(0) = -inf, log(a < 0) = nan.)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return get_array_module(a).log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / a


class Abs(Function):
    """f = abs(a);  ga = g * sign(a)  (0 at a = 0)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return get_array_module(a).abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * get_array_module(a).sign(a)


class Tanh(Function):
    """f = tanh(a);  ga = g * (1 - f²)."""

    @staticmethod
    def forward(ctx, a):
        out = get_array_module(a).tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1 - out * out)


class Sigmoid(Function):
    """f = 1 / (1 + exp(-a));  ga = g * f * (1 - f).  Computed without overflow."""

    @staticmethod
    def forward(ctx, a):
        xp = get_array_module(a)
        e = xp.exp(-xp.abs(a))  # in (0, 1]: never overflows
        out = xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * (1 - out)


class ReLU(Function):
    """f = max(a, 0);  ga = g where a > 0 (0 at a = 0)."""

    @staticmethod
    def forward(ctx, a):
        mask = a > 0
        ctx.save_for_backward(mask)
        return a * mask

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        return g * mask


class LeakyReLU(Function):
    """f = a if a > 0 else slope * a;  ga = g (or g * slope)."""

    @staticmethod
    def forward(ctx, a, negative_slope=0.01):
        scale = get_array_module(a).where(a > 0, 1, negative_slope).astype(a.dtype, copy=False)
        ctx.save_for_backward(scale)
        return a * scale

    @staticmethod
    def backward(ctx, g):
        (scale,) = ctx.saved_tensors
        return g * scale


class Sin(Function):
    """f = sin(a);  ga = g * cos(a)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return get_array_module(a).sin(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * get_array_module(a).cos(a)


class Cos(Function):
    """f = cos(a);  ga = -g * sin(a)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return get_array_module(a).cos(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -g * get_array_module(a).sin(a)


class Clip(Function):
    """f = min(max(a, lo), hi);  ga = g where lo <= a <= hi (ends included)."""

    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        xp = get_array_module(a)
        inside = xp.ones(a.shape, dtype=bool)
        if lo is not None:
            inside &= a >= lo
        if hi is not None:
            inside &= a <= hi
        ctx.save_for_backward(inside)
        return xp.clip(a, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (inside,) = ctx.saved_tensors
        return g * inside


# -- reductions ------------------------------------------------------------------

def _normalize_axis(axis, ndim, op):
    """``axis`` as a sorted tuple of non-negative ints, or a clear error."""
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


def _keepdims_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    """f = a.sum(axis);  ga = g broadcast back along the summed axes."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        axes = _normalize_axis(axis, a.ndim, "sum")
        ctx.shape, ctx.kept = a.shape, _keepdims_shape(a.shape, axes)
        return a.sum(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        return get_array_module(g).broadcast_to(g.reshape(ctx.kept), ctx.shape)


class Max(Function):
    """f = a.max(axis);  ga = g at the maxima, split equally among ties.

    Backward needs to know where the maxima were. This saves the input and the
    output and recomputes the mask; saving only the argmax would use less memory
    but could not split ties.
    """

    reduce = "max"  # the array method that reduces

    @classmethod
    def forward(cls, ctx, a, axis=None, keepdims=False):
        name = cls.op_name()
        axes = _normalize_axis(axis, a.ndim, name)
        if a.size == 0:
            raise ValueError(f"{name}: cannot reduce an empty tensor of shape {a.shape}")
        out = getattr(a, cls.reduce)(axis=axes, keepdims=True)
        ctx.save_for_backward(a, out)
        ctx.axes = axes
        return out if keepdims else out.reshape([n for i, n in enumerate(a.shape) if i not in axes])

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        mask = a == out
        return mask * (g.reshape(out.shape) / mask.sum(axis=ctx.axes, keepdims=True))


class Min(Max):
    """f = a.min(axis);  ga = g at the minima, split equally among ties."""

    reduce = "min"


# -- linear algebra --------------------------------------------------------------

class MatMul(Function):
    """f = a @ b;  ga = g @ bᵀ,  gb = aᵀ @ g  (1-D operands promoted, batches summed)."""

    @staticmethod
    def forward(ctx, a, b):
        if getattr(a, "ndim", 0) == 0 or getattr(b, "ndim", 0) == 0:
            raise ValueError(f"matmul: both operands need at least one dimension, got shapes "
                             f"{getattr(a, 'shape', ())} and {getattr(b, 'shape', ())}; use * to "
                             "scale by a number")
        k_a = a.shape[-1]
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if k_a != k_b:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not match: the last "
                             f"dimension of a ({k_a}) must equal the "
                             f"{'only' if b.ndim == 1 else 'second-to-last'} dimension of b ({k_b})")
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        if b.ndim == 1:  # restore the dimensions that 1-D operands dropped
            g = g[..., None]
        if a.ndim == 1:
            g = g[..., None, :]
        ga = gb = None
        if need_a:
            ga = g @ b2.swapaxes(-1, -2)
            ga = unbroadcast(ga, a2.shape).reshape(a.shape)
        if need_b:
            gb = a2.swapaxes(-1, -2) @ g
            gb = unbroadcast(gb, b2.shape).reshape(b.shape)
        return ga, gb


# -- shapes ---------------------------------------------------------------------

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


class Transpose(Function):
    """f = a.transpose(axes);  ga = g.transpose(inverse permutation)."""

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


def _may_repeat(index):
    """True when ``a[index]`` may read an element twice (integer-array indexing)."""
    items = index if isinstance(index, tuple) else (index,)
    return any(hasattr(i, "dtype") and i.dtype != bool for i in items)



def _array_index(index):
    """Turn tensors inside an index into arrays."""
    if isinstance(index, tuple):
        return tuple(_array_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


class GetItem(Function):
    """f = a[index];  ga = zeros with g scattered back, repeated indices adding up."""

    @staticmethod
    def forward(ctx, a, index=None):
        index = backend.index_for(a, index)
        ctx.shape, ctx.dtype, ctx.index = a.shape, a.dtype, index
        try:
            return a[index]
        except IndexError as error:
            raise IndexError(f"getitem: {error} (tensor of shape {a.shape})") from None

    @staticmethod
    def backward(ctx, g):
        grad = get_array_module(g).zeros(ctx.shape, dtype=g.dtype)
        if _may_repeat(ctx.index):
            backend.scatter_add(grad, ctx.index, g)  # repeated indices add up
        else:
            grad[ctx.index] = g
        return grad


class Concatenate(Function):
    """f = concatenate(arrays, axis);  each input gets its slice of g."""

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
        return tuple(get_array_module(g).split(g, edges, axis=ctx.axis))


class ToDevice(Function):
    """f = a, moved to another device;  ga = g, moved back."""

    @staticmethod
    def forward(ctx, a, device="cpu"):
        ctx.source = backend.device_of(a)
        return backend.to_device(a, device)

    @staticmethod
    def backward(ctx, g):
        return backend.to_device(g, ctx.source)


# -- the lowercase API: primitives ---------------------------------------------------

def add(a, b):
    """a + b, with broadcasting."""
    return Add.apply(a, b)


def sub(a, b):
    """a - b, with broadcasting."""
    return Sub.apply(a, b)


def mul(a, b):
    """a * b, with broadcasting."""
    return Mul.apply(a, b)


def div(a, b):
    """a / b, with broadcasting."""
    return Div.apply(a, b)


def pow(a, b):
    """a ** b: a number exponent, or a tensor of exponents."""
    return Pow.apply(a, b)


def neg(a):
    return Neg.apply(a)


def exp(a):
    return Exp.apply(a)


def log(a):
    """Natural logarithm; log(0) = -inf and log of a negative number is nan (NumPy's rule)."""
    return Log.apply(a)


def abs(a):
    return Abs.apply(a)


def tanh(a):
    return Tanh.apply(a)


def sigmoid(a):
    return Sigmoid.apply(a)


def relu(a):
    return ReLU.apply(a)


def leaky_relu(a, negative_slope=0.01):
    return LeakyReLU.apply(a, negative_slope=negative_slope)


def sin(a):
    return Sin.apply(a)


def cos(a):
    return Cos.apply(a)


def clip(a, min=None, max=None):
    """Limit the values to [min, max]; the gradient passes where a is inside (ends included)."""
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    return Clip.apply(a, lo=min, hi=max)


def maximum(a, b):
    """Elementwise maximum; on ties each input gets half of the gradient."""
    return Maximum.apply(a, b)


def minimum(a, b):
    """Elementwise minimum; on ties each input gets half of the gradient."""
    return Minimum.apply(a, b)


def where(cond, a, b):
    """a where cond is true, else b; cond (booleans) gets no gradient."""
    return Where.apply(_raw(cond), a, b)


def sum(a, axis=None, keepdims=False):
    return Sum.apply(a, axis=axis, keepdims=keepdims)


def max(a, axis=None, keepdims=False):
    """Largest value along ``axis``; ties share the gradient equally."""
    return Max.apply(a, axis=axis, keepdims=keepdims)


def min(a, axis=None, keepdims=False):
    """Smallest value along ``axis``; ties share the gradient equally."""
    return Min.apply(a, axis=axis, keepdims=keepdims)


def matmul(a, b):
    """Matrix product with NumPy's rules: 1-D operands, and batch broadcasting."""
    return MatMul.apply(a, b)


def reshape(a, *shape):
    """``reshape(a, 2, 3)`` or ``reshape(a, (2, 3))``; one dimension may be -1."""
    shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return Reshape.apply(a, shape=tuple(int(n) for n in shape))


def transpose(a, *axes):
    """Permute the axes (reverse them when none are given)."""
    axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
    return Transpose.apply(a, axes=tuple(axes) if axes else None)


def broadcast_to(a, shape):
    return BroadcastTo.apply(a, shape=tuple(shape))


def getitem(a, index):
    """``a[index]``: slices, integers, None, integer arrays and boolean masks."""
    return GetItem.apply(a, index=_array_index(index))


def to_device(a, device):
    """``a`` on ``device``, differentiably (``Tensor.to`` calls this)."""
    return ToDevice.apply(a, device=backend.check_device(device))


def concatenate(tensors, axis=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concatenate: need at least one tensor")
    return Concatenate.apply(*tensors, axis=axis)


# -- composites: built from the primitives, no backward needed -------------------------

def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def sqrt(a):
    """a ** 0.5."""
    return pow(a, 0.5)


def square(a):
    """a * a."""
    return mul(a, a)


def mean(a, axis=None, keepdims=False):
    """sum / count along ``axis``."""
    a = _as_tensor(a)
    axes = _normalize_axis(axis, a.ndim, "mean")
    count = int(np.prod([a.shape[i] for i in axes]))
    if count == 0:
        raise ValueError(f"mean: cannot average over an empty axis (shape {a.shape})")
    return sum(a, axes, keepdims) / count


def var(a, axis=None, keepdims=False, ddof=0):
    """Mean squared deviation from the mean (divided by count - ddof, like NumPy)."""
    a = _as_tensor(a)
    axes = _normalize_axis(axis, a.ndim, "var")
    count = int(np.prod([a.shape[i] for i in axes]))
    if count - ddof <= 0:
        raise ValueError(f"var: {count} values along axis {axis} with ddof={ddof}")
    centred = a - mean(a, axes, keepdims=True)
    return sum(centred * centred, axes, keepdims) / (count - ddof)


def argmax(a, axis=None, keepdims=False):
    """Index of the largest value (no gradient)."""
    return Tensor._wrap(_array(a).argmax(axis=axis, keepdims=keepdims))


def argmin(a, axis=None, keepdims=False):
    """Index of the smallest value (no gradient)."""
    return Tensor._wrap(_array(a).argmin(axis=axis, keepdims=keepdims))


def flatten(a, start_axis=0):
    """Merge the axes from ``start_axis`` on into one."""
    a = _as_tensor(a)
    start = _normalize_axis(start_axis, a.ndim, "flatten")[0] if a.ndim else 0
    return reshape(a, a.shape[:start] + (-1,))


def squeeze(a, axis=None):
    """Drop axes of length 1 (all of them, or the given ones)."""
    a = _as_tensor(a)
    axes = _normalize_axis(axis, a.ndim, "squeeze") if axis is not None else \
        tuple(i for i, n in enumerate(a.shape) if n == 1)
    for i in axes:
        if a.shape[i] != 1:
            raise ValueError(f"squeeze: axis {i} has length {a.shape[i]}, not 1 "
                             f"(tensor of shape {a.shape})")
    return reshape(a, tuple(n for i, n in enumerate(a.shape) if i not in axes))


def unsqueeze(a, axis):
    """Insert an axis of length 1 at position ``axis``."""
    a = _as_tensor(a)
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
    tensors = [_as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: need at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors need the same shape, got {sorted(shapes)}")
    return concatenate([unsqueeze(t, axis) for t in tensors], axis=axis)


def split(a, indices_or_sections, axis=0):
    """Split into equal sections, or at the given indices, like ``np.split``."""
    a = _as_tensor(a)
    ax = _normalize_axis(axis, a.ndim, "split")[0]
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
    a = _as_tensor(a)
    if axis is None:
        a, axis = reshape(a, -1), 0
    ax = _normalize_axis(axis, a.ndim, "repeat")[0]
    index = np.repeat(np.arange(a.shape[ax]), repeats)
    return getitem(a, (slice(None),) * ax + (index,))


def tile(a, reps):
    """Repeat the whole tensor ``reps`` times along each axis (like ``np.tile``)."""
    a = _as_tensor(a)
    reps = (reps,) if isinstance(reps, numbers.Integral) else tuple(reps)
    ndim = builtins.max(a.ndim, len(reps))
    reps = (1,) * (ndim - len(reps)) + reps
    shape = (1,) * (ndim - a.ndim) + a.shape
    interleaved = tuple(x for n in shape for x in (1, n))
    expanded = tuple(x for r, n in zip(reps, shape) for x in (r, n))
    tiled = broadcast_to(reshape(a, interleaved), expanded)
    return reshape(tiled, tuple(r * n for r, n in zip(reps, shape)))
