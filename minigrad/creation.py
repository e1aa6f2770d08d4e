"""Chapter 2: making tensors, from data, from a shape, or from random draws.

Each constructor takes ``device=`` (default: the default device, Chapter 6) and
``requires_grad=``. Random draws happen on the host, from minigrad's seeded
generator, so a seed gives the same numbers on every device.
"""

import numpy as np

from minigrad import backend
from minigrad.rng import default_rng
from minigrad.tensor import Tensor, _array


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


def tril(n, m=None, k=0, dtype=bool, device=None):
    """The lower triangle of an ``n`` by ``m`` matrix of ones (``j <= i + k``): as booleans,
    the causal mask of attention (position i sees positions up to i)."""
    return _made(lambda xp: xp.tri(n, m, k, dtype=dtype), False, device)


def arange(start, stop=None, step=1, dtype=None, requires_grad=False, device=None):
    """Evenly spaced values in ``[start, stop)``, like ``np.arange``."""
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is None and requires_grad:
        dtype = np.float64
    values = values.astype(_number_dtype(dtype, "arange")) if dtype is not None else values
    return _host(values, requires_grad, device)


def linspace(start, stop, num=50, dtype=np.float64, requires_grad=False, device=None):
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive.

    Computed in float64 and then cast, so an integer ``dtype`` truncates
    towards zero, as PyTorch does (NumPy 2 rounds down instead).
    """
    values = np.linspace(start, stop, num, dtype=np.float64)
    return _host(values.astype(_number_dtype(dtype, "linspace")), requires_grad, device)


def rand(*shape, dtype=np.float64, requires_grad=False, device=None):
    """Uniform samples in [0, 1), drawn from minigrad's seeded generator."""
    dtype = _float_dtype(dtype, "rand")
    return _host(default_rng().random(_shape(shape), dtype=dtype), requires_grad, device)


def randn(*shape, dtype=np.float64, requires_grad=False, device=None):
    """Standard normal samples, drawn from minigrad's seeded generator."""
    dtype = _float_dtype(dtype, "randn")
    return _host(default_rng().standard_normal(_shape(shape), dtype=dtype), requires_grad,
                 device)


def _number_dtype(dtype, op):
    """``dtype`` if it holds numbers (integers or floats), else a clear error."""
    dtype = np.dtype(dtype)
    if not (np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating)):
        raise TypeError(f"{op}: dtype must be an integer or floating-point type, got {dtype}")
    return dtype


def _float_dtype(dtype, op):
    """``dtype`` if it is float32 or float64 (what the generator draws), else a clear error."""
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: random draws are float32 or float64, got dtype {dtype}; "
                        f"draw floats and convert, e.g. {op}(...).numpy().astype(...)")
    return dtype
