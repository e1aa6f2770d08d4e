"""Chapter 6: a stand-in GPU that runs on the CPU, for testing the device code path.

A CuPy array lives in GPU memory, so NumPy cannot read it: ``np.asarray(x)``
raises, and an operation mixing it with a NumPy array fails (NumPy's own
functions, given only device data, hand the work to CuPy). Code that works on
NumPy arrays can therefore still break on a GPU, wherever it makes a host
array (``np.zeros``, ``np.asarray``) and mixes it with device data.

The device ``"standin"`` keeps its data in NumPy arrays wrapped in
:class:`StandInArray`, which refuses exactly what CuPy refuses. Everything a
test suite can run on it (``MINIGRAD_DEVICE=standin``) takes the same path it
would take on a GPU, so such a bug fails on a machine without one. It is no
faster than NumPy: it exists to be strict, not to be used.

Like CuPy, the :data:`module` accepts host data only in ``asarray``/``array``
(the host-to-device copy), gives host data back only through ``asnumpy`` or
``x.get()``, returns 0-d arrays (not NumPy scalars) from reductions, has a pointer
(not the values) as ``x.data``, and warns of nothing (no divide by zero).
"""

import contextlib
import warnings

import numpy as np

_REFUSAL = ("Implicit conversion to a NumPy array is not allowed for device ('standin') "
            "data. Use minigrad.backend.asnumpy(x), x.get() or Tensor.numpy() to copy it to "
            "the host.")


@contextlib.contextmanager
def _silent_like_cupy():
    """CuPy warns of nothing: no divide by zero, no overflow, no mean of an empty slice."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _unwrap(x, what):
    """The NumPy array inside ``x``; host arrays are refused, as CuPy refuses them."""
    if isinstance(x, StandInArray):
        return x._a
    if isinstance(x, np.ndarray):
        raise TypeError(f"{what}: got a NumPy (host) array of shape {x.shape} mixed with "
                        "device ('standin') data; move it to the device first")
    if isinstance(x, (tuple, list)):
        return type(x)(_unwrap(item, what) for item in x)
    return x


def _wrap(x):
    """Results as device arrays; reductions give 0-d arrays, as CuPy's do."""
    if isinstance(x, (np.ndarray, np.generic)):
        return StandInArray(np.asarray(x))
    if isinstance(x, (tuple, list)):
        return type(x)(_wrap(item) for item in x)
    return x


class _DevicePointer:
    """What a device array's ``data`` is: an address, useless as values."""

    def __repr__(self):
        return "<standin device pointer>"


class StandInArray:
    """An array 'in device memory': a NumPy array that NumPy may not convert."""

    __slots__ = ("_a",)

    def __init__(self, array):
        self._a = array

    def __array__(self, *args, **kwargs):
        raise TypeError(_REFUSAL)

    # Like CuPy, NumPy's functions given device data run on the device (NEP 13 and
    # 18), as long as no host array is mixed in.
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        what = f"numpy.{ufunc.__name__}"
        if "out" in kwargs:
            kwargs["out"] = _unwrap(kwargs["out"], what)
        with _silent_like_cupy():
            result = getattr(ufunc, method)(*_unwrap(inputs, what), **kwargs)
        return _wrap(result) if method != "at" else None

    def __array_function__(self, func, types, args, kwargs):
        what = f"numpy.{func.__name__}"
        with _silent_like_cupy():
            return _wrap(func(*_unwrap(args, what),
                              **{k: _unwrap(v, what) for k, v in kwargs.items()}))

    # -- facts -----------------------------------------------------------------------

    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    nbytes = property(lambda self: self._a.nbytes)
    T = property(lambda self: StandInArray(self._a.T))
    # CuPy's ``data`` is a pointer into device memory, not the values (NumPy's is a
    # memoryview, which NumPy would read back as the values).
    data = property(lambda self: _DevicePointer())

    def __len__(self):
        return len(self._a)

    def __repr__(self):
        return "standin_" + repr(self._a)

    def get(self):
        """A host copy (CuPy's name for it)."""
        return self._a.copy()

    def item(self):
        return self._a.item()

    def tolist(self):
        return self._a.tolist()

    def __bool__(self):
        return bool(self._a)

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __index__(self):
        return self._a.__index__()

    def __iter__(self):
        return (_wrap(row) for row in self._a)

    # -- indexing ----------------------------------------------------------------------

    def __getitem__(self, index):
        return _wrap(self._a[_unwrap(index, "indexing")])

    def __setitem__(self, index, value):
        if isinstance(value, (list, tuple)):  # CuPy makes a host array of a list, then refuses it
            value = np.asarray(value)
        self._a[_unwrap(index, "indexing")] = _unwrap(value, "assignment")

    # -- every other method: unwrap the arguments, wrap the result -----------------------

    def __getattr__(self, name):
        if name.startswith("__"):  # __array_interface__ and the like would leak the data
            raise AttributeError(f"'StandInArray' object has no attribute '{name}'")
        attribute = getattr(self._a, name)
        if not callable(attribute):
            return _wrap(attribute)

        def method(*args, **kwargs):
            with _silent_like_cupy():
                return _wrap(attribute(*_unwrap(args, name),
                                       **{k: _unwrap(v, name) for k, v in kwargs.items()}))
        return method


def _operator(name, inplace=False):
    def op(self, *others):
        with _silent_like_cupy():
            result = getattr(self._a, name)(*(_unwrap(o, name) for o in others))
        if result is NotImplemented:
            return NotImplemented
        return self if inplace else _wrap(result)
    op.__name__ = name
    return op


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul",
              "and", "or", "xor", "lshift", "rshift"):
    setattr(StandInArray, f"__{_name}__", _operator(f"__{_name}__"))
    setattr(StandInArray, f"__r{_name}__", _operator(f"__r{_name}__"))
    setattr(StandInArray, f"__i{_name}__", _operator(f"__i{_name}__", inplace=True))
for _name in ("neg", "pos", "abs", "invert", "eq", "ne", "lt", "le", "gt", "ge"):
    setattr(StandInArray, f"__{_name}__", _operator(f"__{_name}__"))
StandInArray.__hash__ = None


def _host_values(x, dtype):
    """Host data as a NumPy array to copy in; like CuPy, a buffer such as a memoryview
    (a NumPy array's ``data``) is not an array of numbers."""
    if isinstance(x, (memoryview, _DevicePointer)):
        raise ValueError(f"Unsupported dtype object: cannot copy a {type(x).__name__} to the "
                         "device")
    return np.array(x, dtype=dtype)


class _Module:
    """The stand-in's array module: NumPy's functions, on device data only."""

    ndarray = StandInArray
    __name__ = "minigrad.standin.module"

    @staticmethod
    def asarray(x, dtype=None):
        """Host data to the device (the one way in), or a device array as it is."""
        if isinstance(x, StandInArray):
            return x if dtype is None or x.dtype == dtype else x.astype(dtype)
        return StandInArray(_host_values(x, dtype))

    @staticmethod
    def array(x, dtype=None, copy=True):
        if isinstance(x, StandInArray):
            return StandInArray(np.array(x._a, dtype=dtype, copy=copy))
        return StandInArray(_host_values(x, dtype))

    @staticmethod
    def asnumpy(x):
        """Device data to the host (a copy), the one way out."""
        return x.get() if isinstance(x, StandInArray) else np.asarray(x)

    @staticmethod
    def scatter_add(target, index, values):
        """``target[index] += values``, with repeated indices adding up (numpy.add.at)."""
        np.add.at(target._a, _unwrap(index, "scatter_add"), _unwrap(values, "scatter_add"))

    def __getattr__(self, name):
        attribute = getattr(np, name)
        if not callable(attribute) or isinstance(attribute, type):
            return attribute  # dtypes (np.float32), constants, exception classes

        def function(*args, **kwargs):
            with _silent_like_cupy():
                return _wrap(attribute(*_unwrap(args, name),
                                       **{k: _unwrap(v, name) for k, v in kwargs.items()}))
        function.__name__ = name
        return function


module = _Module()
