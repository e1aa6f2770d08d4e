"""Chapter 2: ``Tensor``, a NumPy array that remembers how it was made.

A tensor holds ``data`` (an array), ``grad`` (an array of the same shape, or
``None``) and, when it was computed from tensors that require gradients, the
context of the operation that produced it. Its operators and methods are thin
sugar over the functions in :mod:`minigrad.functions`.
"""

import operator

import numpy as np

from minigrad import backend
from minigrad.rng import default_rng


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

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_retains_grad", "label",
                 "__weakref__")
    __array_priority__ = 1000  # `ndarray + Tensor` defers to Tensor.__radd__

    def __init__(self, data, requires_grad=False, dtype=None, device=None):
        if isinstance(data, Tensor):
            data = data.data
            device = device or backend.device_of(data)
        self.data = backend.as_array(data, dtype, device)
        if requires_grad:
            _float_dtype_required(self.data.dtype, "Tensor(requires_grad=True)")
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._ctx = None
        self._retains_grad = False
        self.label = ""

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
        return F.to_device(self, device)

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

    def backward(self, gradient=None, retain_graph=False):
        """Compute the gradient of this tensor with respect to every leaf.

        Args:
            gradient: ∂L/∂self, an array of this tensor's shape. May be left
                out only for a one-element tensor (then it is 1).
            retain_graph: keep the graph so that backward can run through it
                again.
        """
        from minigrad.autograd import backward

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
            gradient = backend.get_array_module(self.data).ones_like(self.data)
        else:
            gradient = backend.to_device(getattr(gradient, "data", gradient), self.device)
            gradient = gradient.astype(self.dtype, copy=False)
            if gradient.shape != self.shape:
                raise ValueError(f"backward: gradient has shape {gradient.shape} but the "
                                 f"tensor has shape {self.shape}")
        backward(self, gradient, retain_graph=retain_graph)

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
        return F.add(self, other)

    def __radd__(self, other):
        return F.add(other, self)

    def __sub__(self, other):
        return F.sub(self, other)

    def __rsub__(self, other):
        return F.sub(other, self)

    def __mul__(self, other):
        return F.mul(self, other)

    def __rmul__(self, other):
        return F.mul(other, self)

    def __truediv__(self, other):
        return F.div(self, other)

    def __rtruediv__(self, other):
        return F.div(other, self)

    def __pow__(self, exponent):
        return F.pow(self, exponent)

    def __rpow__(self, base):
        return F.pow(base, self)

    def __neg__(self):
        return F.neg(self)

    def __matmul__(self, other):
        return F.matmul(self, other)

    def __rmatmul__(self, other):
        return F.matmul(other, self)

    def __getitem__(self, index):
        return F.getitem(self, index)

    # Comparisons give boolean tensors that do not require grad.
    def _compare(self, other, op):
        other = _raw(other)
        if type(self.data) is not np.ndarray and isinstance(other, (np.ndarray, list, tuple)):
            other = backend.to_device(other, self.device)  # host constants join the device
        return Tensor._wrap(op(self.data, other))

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
        return out

    @staticmethod
    def _wrap(array):
        """A tensor around ``array`` (not copied, on its device), outside any graph."""
        if type(array) is not np.ndarray and not backend.is_device_array(array):
            array = np.asarray(array)
        return Tensor._make(array)

    # -- methods (all defined in minigrad.functions) --------------------------------

    def exp(self): return F.exp(self)
    def log(self): return F.log(self)
    def sqrt(self): return F.sqrt(self)
    def abs(self): return F.abs(self)
    def tanh(self): return F.tanh(self)
    def sigmoid(self): return F.sigmoid(self)
    def relu(self): return F.relu(self)
    def leaky_relu(self, negative_slope=0.01): return F.leaky_relu(self, negative_slope)
    def sin(self): return F.sin(self)
    def cos(self): return F.cos(self)
    def square(self): return F.square(self)
    def clip(self, min=None, max=None): return F.clip(self, min, max)
    def maximum(self, other): return F.maximum(self, other)
    def minimum(self, other): return F.minimum(self, other)
    def where(self, condition, other): return F.where(condition, self, other)

    def sum(self, axis=None, keepdims=False): return F.sum(self, axis, keepdims)
    def mean(self, axis=None, keepdims=False): return F.mean(self, axis, keepdims)
    def var(self, axis=None, keepdims=False, ddof=0): return F.var(self, axis, keepdims, ddof)
    def max(self, axis=None, keepdims=False): return F.max(self, axis, keepdims)
    def min(self, axis=None, keepdims=False): return F.min(self, axis, keepdims)
    def argmax(self, axis=None, keepdims=False): return F.argmax(self, axis, keepdims)
    def argmin(self, axis=None, keepdims=False): return F.argmin(self, axis, keepdims)

    def reshape(self, *shape): return F.reshape(self, *shape)
    def transpose(self, *axes): return F.transpose(self, *axes)
    def flatten(self, start_axis=0): return F.flatten(self, start_axis)
    def squeeze(self, axis=None): return F.squeeze(self, axis)
    def unsqueeze(self, axis): return F.unsqueeze(self, axis)
    def expand_dims(self, axis): return F.expand_dims(self, axis)
    def broadcast_to(self, shape): return F.broadcast_to(self, shape)
    def repeat(self, repeats, axis=None): return F.repeat(self, repeats, axis)
    def tile(self, reps): return F.tile(self, reps)
    def split(self, indices_or_sections, axis=0): return F.split(self, indices_or_sections, axis)

    @property
    def T(self):
        return F.transpose(self)


def _raw(x):
    """The array inside a tensor; anything else unchanged."""
    return x.data if isinstance(x, Tensor) else x


def _array(x):
    """The array inside a tensor, or ``x`` as an array (device arrays stay where they are)."""
    if isinstance(x, Tensor):
        return x.data
    return x if backend.is_device_array(x) else np.asarray(x)


# -- constructors ---------------------------------------------------------------
# Each takes ``device=`` (default: the default device). Random draws happen on the
# host, from minigrad's seeded generator, so a seed gives the same numbers on
# every device.

def tensor(data, requires_grad=False, dtype=None, device=None):
    """Make a :class:`Tensor` (the same as ``Tensor(...)``)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def _made(make, requires_grad, device, like=None):
    """A tensor of ``make(xp)``, built by the array module of ``device`` (or of ``like``)."""
    if device is None and like is not None:
        xp = backend.get_array_module(_array(like))
    else:
        xp = backend.module_for(backend.check_device(device))
    out = Tensor._make(make(xp))
    if requires_grad:
        out.requires_grad_()
    return out


def _host(array, requires_grad, device):
    """A tensor of a host array, moved to ``device``."""
    return _made(lambda xp: xp.asarray(array), requires_grad, device)


def _shape(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def zeros(*shape, dtype=np.float64, requires_grad=False, device=None):
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _made(lambda xp: xp.zeros(_shape(shape), dtype=dtype), requires_grad, device)


def ones(*shape, dtype=np.float64, requires_grad=False, device=None):
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return _made(lambda xp: xp.ones(_shape(shape), dtype=dtype), requires_grad, device)


def full(shape, fill_value, dtype=np.float64, requires_grad=False, device=None):
    """A tensor of ``shape`` filled with ``fill_value``."""
    return _made(lambda xp: xp.full(shape, fill_value, dtype=dtype), requires_grad, device)


def zeros_like(t, dtype=None, requires_grad=False, device=None):
    """Zeros of ``t``'s shape (and dtype and device, unless given)."""
    return _made(lambda xp: xp.zeros(_array(t).shape, dtype=dtype or _array(t).dtype),
                 requires_grad, device, like=t)


def ones_like(t, dtype=None, requires_grad=False, device=None):
    """Ones of ``t``'s shape (and dtype and device, unless given)."""
    return _made(lambda xp: xp.ones(_array(t).shape, dtype=dtype or _array(t).dtype),
                 requires_grad, device, like=t)


def full_like(t, fill_value, dtype=None, requires_grad=False, device=None):
    """``fill_value`` in ``t``'s shape (and dtype and device, unless given)."""
    return _made(lambda xp: xp.full(_array(t).shape, fill_value, dtype=dtype or _array(t).dtype),
                 requires_grad, device, like=t)


def eye(n, m=None, dtype=np.float64, requires_grad=False, device=None):
    """The identity matrix (``n`` by ``m``, default square)."""
    return _made(lambda xp: xp.eye(n, m, dtype=dtype), requires_grad, device)


def arange(start, stop=None, step=1, dtype=None, requires_grad=False, device=None):
    """Evenly spaced values in ``[start, stop)``, like ``np.arange``."""
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is None and requires_grad:
        dtype = np.float64
    values = values.astype(dtype) if dtype is not None else values
    return _host(values, requires_grad, device)


def linspace(start, stop, num=50, dtype=np.float64, requires_grad=False, device=None):
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive."""
    return _host(np.linspace(start, stop, num, dtype=dtype), requires_grad, device)


def rand(*shape, dtype=np.float64, requires_grad=False, device=None):
    """Uniform samples in [0, 1), drawn from minigrad's seeded generator."""
    return _host(default_rng().random(_shape(shape), dtype=dtype), requires_grad, device)


def randn(*shape, dtype=np.float64, requires_grad=False, device=None):
    """Standard normal samples, drawn from minigrad's seeded generator."""
    return _host(default_rng().standard_normal(_shape(shape), dtype=dtype), requires_grad,
                 device)


from minigrad import functions as F  # noqa: E402  (functions need Tensor defined first)
