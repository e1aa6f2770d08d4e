"""Chapter 2: ``Tensor``, a NumPy array that remembers how it was made.

A tensor holds ``data`` (an array), ``grad`` (an array of the same shape, or
``None``) and, when it was computed from tensors that require gradients, the
context of the operation that produced it. Its operators and methods are thin
sugar over the operations in :mod:`minigrad.ops`.
"""

import itertools
import operator

import numpy as np

from minigrad import backend


# Tensors are numbered as they are created. An operation's output is created after its
# inputs, so a larger number never feeds a smaller one: backward's order (autograd.py).
_numbers = itertools.count()


def _float_dtype_required(dtype, what):
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(
            f"{what}: only floating-point tensors can require gradients, but the data "
            f"has dtype {dtype}. Pass dtype=float (or float32), or use float data.")


class Tensor:
    """An n-dimensional array with automatic differentiation.

    Args:
        data: an array, a (nested) list, a number or a tensor. Python numbers
            and lists become float64 unless ``dtype`` says otherwise; NumPy
            arrays keep their dtype. The data is copied.
        requires_grad: record operations on this tensor so that
            ``backward()`` fills its ``.grad``. Floating-point data only.
        dtype: the NumPy dtype to store.
        device: ``"cpu"``, ``"cuda"`` or ``"standin"`` (Chapter 6); by default the
            device of ``data`` if it is a device array, else the default device.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_retains_grad", "label", "_number",
                 "__weakref__")
    __array_priority__ = 1000  # `ndarray + Tensor` defers to Tensor.__radd__

    def __init__(self, data, requires_grad=False, dtype=None, device=None):
        if isinstance(data, Tensor):
            data = data.data
            device = device or backend.device_of(data)
        elif isinstance(data, (list, tuple)):
            _refuse_graph_in(data, "tensor")
        self.data = backend.as_array(data, dtype, device)
        if requires_grad:
            _float_dtype_required(self.data.dtype, "Tensor(requires_grad=True)")
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._ctx = None
        self._retains_grad = False
        self.label = ""
        self._number = next(_numbers)

    # -- array facts -----------------------------------------------------------

    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        """Where the data lives: ``"cpu"``, ``"cuda"`` or ``"standin"``."""
        return backend.device_of(self.data)

    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded operation."""
        return self._ctx is None

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item(): only one-element tensors can be converted to a "
                             f"Python number, this one has shape {self.shape}")
        return self.data.item()

    def numpy(self):
        """The data as a NumPy array on the host (shared on the CPU, a copy from a GPU)."""
        return backend.asnumpy(self.data)

    def to(self, device):
        """This tensor on ``device``; itself if it is there already.

        The move is an operation like any other: gradients flow back through it
        to the original device.
        """
        device = backend.check_device(device)
        if backend.device_of(self.data) == device:
            return self
        return ops.to_device(self, device)

    def cuda(self):
        """``self.to("cuda")``."""
        return self.to("cuda")

    def cpu(self):
        """``self.to("cpu")``."""
        return self.to("cpu")

    def detach(self):
        """A tensor sharing this data, cut off from the graph."""
        return Tensor._make(self.data)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place (leaves only) and return self."""
        if requires_grad:
            _float_dtype_required(self.dtype, "requires_grad_()")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep ``.grad`` on this interior tensor during ``backward()``."""
        self._retains_grad = True
        return self

    def __repr__(self):
        body = np.array2string(self.numpy(), separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.data.dtype != np.float64:
            extras.append(f"dtype={self.data.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self._ctx is not None:
            extras.append(f"grad_fn={self._ctx.fn.__name__}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    def __bool__(self):
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    __hash__ = object.__hash__  # nodes are hashed by identity

    # -- backward ----------------------------------------------------------------

    def backward(self, gradient=None, retain_graph=False, create_graph=False):
        """Compute the gradient of this tensor with respect to every leaf.

        Args:
            gradient: ∂L/∂self, an array (or tensor) of this tensor's shape. May be
                left out only for a one-element tensor (then it is 1).
            retain_graph: keep the graph so that backward can run through it
                again.
            create_graph: record the backward pass itself (Chapter 8): each leaf's
                ``.grad`` is then a tensor that can be differentiated again, and
                the graph is kept.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad, so there is nothing to "
                "differentiate. Create its inputs with requires_grad=True (and do not "
                "compute it under no_grad()).")
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward: a gradient can be implied only for a one-element tensor, but "
                    f"this one has shape {self.shape}. Reduce it first (e.g. y.sum()), or pass "
                    f"y.backward(gradient) with an array of shape {self.shape}.")
            xp = backend.get_array_module(self.data)
            gradient = xp.ones(self.data.shape, self.data.dtype)  # ∂self/∂self
        elif create_graph and isinstance(gradient, Tensor):
            pass  # a cotangent that is itself differentiated (jvp's trick)
        else:
            gradient = backend.to_device(backend.unwrap(gradient), self.device)
            gradient = gradient.astype(self.dtype, copy=False)
            if gradient.shape != self.shape:
                raise ValueError(f"backward: gradient has shape {gradient.shape} but the "
                                 f"tensor has shape {self.shape}")
        if create_graph:
            from minigrad import recording
            recording.backward(self, gradient if isinstance(gradient, Tensor)
                               else Tensor._wrap(gradient))
            return
        autograd.backward(self, gradient, retain_graph=retain_graph)

    # -- what drawings and topological sorts read ----------------------------------

    @property
    def _prev(self):
        """The tensors this one was computed from."""
        if self._ctx is None:
            return ()
        return tuple(x for x in self._ctx.inputs if isinstance(x, Tensor))

    @property
    def _op(self):
        return self._ctx.fn.op_name() if self._ctx is not None else ""

    # -- operators ----------------------------------------------------------------

    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.sub(self, other)

    def __rsub__(self, other):
        return ops.sub(other, self)

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(other, self)

    def __truediv__(self, other):
        return ops.div(self, other)

    def __rtruediv__(self, other):
        return ops.div(other, self)

    def __pow__(self, exponent):
        return ops.pow(self, exponent)

    def __rpow__(self, base):
        return ops.pow(base, self)

    def __neg__(self):
        return ops.neg(self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __getitem__(self, index):
        return ops.getitem(self, index)

    # In-place arithmetic changes the array itself: the update of an optimizer or
    # a counter, which has no place in a graph. A tensor that requires grad refuses it.
    def __iadd__(self, other):
        return self._in_place(other, operator.iadd, ops.add, "+")

    def __isub__(self, other):
        return self._in_place(other, operator.isub, ops.sub, "-")

    def __imul__(self, other):
        return self._in_place(other, operator.imul, ops.mul, "*")

    def __itruediv__(self, other):
        return self._in_place(other, operator.itruediv, ops.div, "/")

    def __ipow__(self, other):
        return self._in_place(other, None, ops.pow, "**")

    def __imatmul__(self, other):
        return self._in_place(other, None, ops.matmul, "@")

    def _in_place(self, other, update, op, symbol):
        """``self <symbol>= other``: ``update`` changes ``self.data`` in place (with
        ``update`` None, or when ``other`` is in the graph, a new tensor ``op(self,
        other)`` is returned, as Python does for types without in-place operators)."""
        recording = is_grad_enabled()
        if recording and self.requires_grad:
            raise RuntimeError(
                f"x {symbol}= y: in-place arithmetic on a tensor that requires grad would "
                f"lose its gradient (x would stop being the tensor the loss depends on). "
                f"Write x = x {symbol} y to make a new tensor in the graph, or update x "
                "inside `with minigrad.no_grad():`, as optimizers do.")
        if update is None or recording and isinstance(other, Tensor) and other.requires_grad:
            return op(self, other)
        other = _raw(other)
        if type(self.data) is not np.ndarray and isinstance(other, (np.ndarray, list, tuple)):
            other = backend.to_device(other, self.device)  # host constants join the device
        try:
            update(self.data, other)
        except (TypeError, ValueError) as error:
            found = f"shape {np.shape(other)} ({getattr(other, 'dtype', type(other).__name__)})"
            kind = TypeError if isinstance(error, TypeError) else ValueError
            raise kind(
                f"x {symbol}= y: cannot update a tensor of shape {self.shape} ({self.dtype}) "
                f"in place with y of {found}: {error}") from None
        return self

    # Comparisons give boolean tensors that do not require grad.
    def _compare(self, other, op):
        other = _raw(other)
        if type(self.data) is not np.ndarray and isinstance(other, (np.ndarray, list, tuple)):
            other = backend.to_device(other, self.device)  # host constants join the device
        return Tensor._wrap(op(self.data, other))

    # Logic on boolean tensors (masks): no gradient either.
    def __and__(self, other):
        return self._compare(other, operator.and_)

    def __rand__(self, other):
        return self._compare(other, operator.and_)

    def __or__(self, other):
        return self._compare(other, operator.or_)

    def __ror__(self, other):
        return self._compare(other, operator.or_)

    def __xor__(self, other):
        return self._compare(other, operator.xor)

    def __invert__(self):
        return Tensor._wrap(~self.data)

    def __eq__(self, other):
        return self._compare(other, operator.eq)

    def __ne__(self, other):
        return self._compare(other, operator.ne)

    def __lt__(self, other):
        return self._compare(other, operator.lt)

    def __le__(self, other):
        return self._compare(other, operator.le)

    def __gt__(self, other):
        return self._compare(other, operator.gt)

    def __ge__(self, other):
        return self._compare(other, operator.ge)

    @staticmethod
    def _make(data, requires_grad=False, ctx=None):
        """A tensor around the array ``data`` (not copied, not checked): the fast
        path for results of operations, where ``ctx`` records how it was made."""
        out = Tensor.__new__(Tensor)
        out.data = data
        out.grad = None
        out.requires_grad = requires_grad
        out._ctx = ctx
        out._retains_grad = False
        out.label = ""
        out._number = next(_numbers)
        return out

    @staticmethod
    def _wrap(array):
        """A tensor around ``array`` (not copied, on its device), outside any graph."""
        if type(array) is not np.ndarray and not backend.is_device_array(array):
            array = np.asarray(array)
        return Tensor._make(array)

    # -- methods (all defined in minigrad.ops) -----------------------------------------

    def exp(self): return ops.exp(self)
    def log(self): return ops.log(self)
    def sqrt(self): return ops.sqrt(self)
    def abs(self): return ops.abs(self)
    def tanh(self): return ops.tanh(self)
    def sigmoid(self): return ops.sigmoid(self)
    def relu(self): return ops.relu(self)
    def leaky_relu(self, negative_slope=0.01): return ops.leaky_relu(self, negative_slope)
    def sin(self): return ops.sin(self)
    def cos(self): return ops.cos(self)
    def square(self): return ops.square(self)
    def clip(self, min=None, max=None): return ops.clip(self, min, max)
    def maximum(self, other): return ops.maximum(self, other)
    def minimum(self, other): return ops.minimum(self, other)
    def where(self, condition, other): return ops.where(condition, self, other)

    def sum(self, axis=None, keepdims=False): return ops.sum(self, axis, keepdims)
    def mean(self, axis=None, keepdims=False): return ops.mean(self, axis, keepdims)
    def var(self, axis=None, keepdims=False, ddof=0): return ops.var(self, axis, keepdims, ddof)
    def std(self, axis=None, keepdims=False, ddof=0): return ops.std(self, axis, keepdims, ddof)
    def masked_fill(self, mask, value): return ops.masked_fill(self, mask, value)
    def max(self, axis=None, keepdims=False): return ops.max(self, axis, keepdims)
    def min(self, axis=None, keepdims=False): return ops.min(self, axis, keepdims)
    def argmax(self, axis=None, keepdims=False): return ops.argmax(self, axis, keepdims)
    def argmin(self, axis=None, keepdims=False): return ops.argmin(self, axis, keepdims)

    def reshape(self, *shape): return ops.reshape(self, *shape)
    def transpose(self, *axes): return ops.transpose(self, *axes)
    def flatten(self, start_axis=0): return ops.flatten(self, start_axis)
    def squeeze(self, axis=None): return ops.squeeze(self, axis)
    def unsqueeze(self, axis): return ops.unsqueeze(self, axis)
    def expand_dims(self, axis): return ops.expand_dims(self, axis)
    def broadcast_to(self, shape): return ops.broadcast_to(self, shape)
    def repeat(self, repeats, axis=None): return ops.repeat(self, repeats, axis)
    def tile(self, reps): return ops.tile(self, reps)
    def split(self, indices_or_sections, axis=0): return ops.split(self, indices_or_sections, axis)

    def swapaxes(self, axis1, axis2):
        axes = list(range(self.ndim))
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        return ops.transpose(self, axes)

    @property
    def T(self):
        return ops.transpose(self)


def _raw(x):
    """The array inside a tensor; anything else unchanged."""
    return x.data if isinstance(x, Tensor) else x


def _array(x):
    """The array inside a tensor, or ``x`` as an array (device arrays stay where they are)."""
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, (list, tuple)):
        return _list_array(x, "minigrad")
    return x if backend.is_device_array(x) else np.asarray(x)


def _as_tensor(x, op):
    """``x`` itself if it is a tensor, else a new tensor of it (for ``op``'s error)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (list, tuple)):
        _refuse_graph_in(x, op)
    return Tensor(x)


def _list_array(data, op):
    """A (nested) list or tuple of numbers as a host array, for operation ``op``."""
    _refuse_graph_in(data, op)
    return np.asarray(data)


def _refuse_graph_in(data, op):
    """Refuse a list holding tensors that require grad: turning it into an array
    would silently cut them off the graph."""
    stack = [data]
    while stack:
        items = stack.pop()
        for item in items:
            if isinstance(item, Tensor):
                if item.requires_grad:
                    raise TypeError(
                        f"{op}: got a list holding tensors that require grad; making an "
                        "array of it would drop them from the graph. Join them with "
                        "minigrad.stack([...]) (or concatenate) first.")
            elif isinstance(item, (list, tuple)):
                stack.append(item)


from minigrad import autograd, ops  # noqa: E402  (both need Tensor defined first)
from minigrad.autograd import is_grad_enabled  # noqa: E402
