"""Chapter 6: devices, and the ``xp`` pattern that lets one code path run on all of them.

NumPy and CuPy share one interface: ``cupy.exp``, ``cupy.zeros``, ``a.sum(axis=0)``
do on a GPU what their NumPy namesakes do on the CPU. So an operation never
names NumPy directly on its inputs; it asks for their *array module*::

    xp = get_array_module(a)      # numpy, or cupy when a lives on a GPU
    out = xp.exp(a)

A tensor's device is where its array lives: ``"cpu"`` (a NumPy array),
``"cuda"`` (a CuPy array, on the GPU) or ``"standin"`` (a CPU stand-in that
refuses NumPy as CuPy does; see :mod:`minigrad.standin`). CuPy is imported
only when a GPU is first asked for, so nothing here needs it installed.

The default device is ``"cpu"``, or the ``MINIGRAD_DEVICE`` environment variable,
or whatever :func:`set_default_device` chose.
"""

import functools
import os

import numpy as np

from minigrad import standin

DEVICES = ("cpu", "cuda", "standin")

_cupy = None             # the cupy module, once imported and found working
_cuda_problem = None     # why cuda cannot be used, once known (a sentence)
_default_device = None   # None: not read from the environment yet


# -- CuPy, imported lazily ---------------------------------------------------------

def _find_cuda():
    """Import CuPy and check that it can use a GPU; remember the outcome."""
    global _cupy, _cuda_problem
    if _cupy is not None or _cuda_problem is not None:
        return
    try:
        import cupy
    except ImportError:
        _cuda_problem = ("CuPy is not installed: pip install 'minigrad[gpu]' (or the "
                         "cupy-cudaXXx wheel matching your CUDA version)")
        return
    except Exception as error:  # a broken CUDA library can fail the import itself
        _cuda_problem = f"CuPy could not be imported ({type(error).__name__}: {error})"
        return
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDARuntimeError without a driver, for one
        _cuda_problem = (f"CuPy is installed but found no usable CUDA driver "
                         f"({type(error).__name__}: {error})")
        return
    if count < 1:
        _cuda_problem = "CuPy is installed but sees no GPU (0 CUDA devices)"
        return
    _cupy = cupy


def cuda_available():
    """True when CuPy is installed and can use a GPU. Never raises."""
    _find_cuda()
    return _cupy is not None


def cuda_problem():
    """Why ``"cuda"`` cannot be used (one sentence), or ``None`` when it can."""
    _find_cuda()
    return _cuda_problem


# -- devices -------------------------------------------------------------------------

def check_device(device):
    """``device`` as one of :data:`DEVICES`, usable now; otherwise a clear error."""
    name = str(device).lower() if device is not None else default_device()
    if name.startswith("cuda:"):
        name = "cuda"  # one GPU: cuda:0 is cuda
    if name not in DEVICES:
        raise ValueError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
    if name == "cuda" and not cuda_available():
        raise RuntimeError(f"device 'cuda' is not available: {_cuda_problem}.")
    return name


def default_device():
    """The device new tensors go to when none is named."""
    global _default_device
    if _default_device is None:
        _default_device = "cpu"  # so that check_device below cannot recurse
        from_env = os.environ.get("MINIGRAD_DEVICE", "").strip()
        if from_env:
            try:
                _default_device = check_device(from_env)
            except (ValueError, RuntimeError) as error:
                raise RuntimeError(f"MINIGRAD_DEVICE={from_env}: {error}") from None
    return _default_device


def set_default_device(device):
    """Send new tensors (and new layers' parameters) to ``device`` from now on."""
    global _default_device
    _default_device = check_device(device)


def device_of(array):
    """The device an array lives on: ``"cpu"``, ``"cuda"`` or ``"standin"``."""
    if isinstance(array, standin.StandInArray):
        return "standin"
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return "cuda"
    return "cpu"


def module_for(device):
    """The array module of a (checked) device name."""
    if device == "cpu":
        return np
    if device == "standin":
        return standin.module
    check_device(device)
    return _cupy


def get_array_module(*arrays):
    """NumPy, or the device's module (CuPy on a GPU) if any argument lives on one; for
    tensors, the namespace of recorded operations (Chapter 8: a backward pass that
    runs on tensors is recorded, see :mod:`minigrad.recording`)."""
    module = np
    for a in arrays:
        if type(a) is np.ndarray:
            continue
        if isinstance(a, standin.StandInArray):
            module = standin.module
        elif _cupy is not None and isinstance(a, _cupy.ndarray):
            module = _cupy
        elif _recording is not None and isinstance(a, _recording[0]):
            return _recording[1]
    return module


_recording = None  # (Tensor, minigrad.recording.xp), set by minigrad.recording


def use_recording_namespace(tensor_type, namespace):
    """Let :func:`get_array_module` give ``namespace`` for instances of ``tensor_type``."""
    global _recording
    _recording = (tensor_type, namespace)


def is_device_array(x):
    """True for an array on a device other than the CPU."""
    return type(x) is not np.ndarray and device_of(x) != "cpu"


def unwrap(x):
    """The array inside a tensor (or the number inside a scalar ``Value``); an array or
    anything else unchanged.

    Not ``getattr(x, "data", x)``: NumPy and CuPy arrays have a ``data`` attribute too
    (a memoryview and a device pointer), which that would hand on instead of the array.
    """
    if type(x) is np.ndarray or is_device_array(x):
        return x
    return getattr(x, "data", x)


# -- moving data ---------------------------------------------------------------------------

def asnumpy(array):
    """A NumPy array on the host: a copy for device data, ``array`` itself otherwise."""
    if type(array) is np.ndarray:
        return array
    if is_device_array(array):
        return get_array_module(array).asnumpy(array)
    return np.asarray(array)


def to_device(array, device):
    """``array`` on ``device`` (no copy when it is there already)."""
    device = check_device(device)
    if device_of(array) == device:
        return array if device != "cpu" else np.asarray(array)
    host = asnumpy(array)
    return host if device == "cpu" else module_for(device).asarray(host)


def on_default_device(array):
    """Device arrays as they are; host arrays moved to the default device."""
    if is_device_array(array):
        return array
    return to_device(array, default_device())


def as_array(data, dtype=None, device=None):
    """A new array holding ``data`` on ``device``.

    Without ``device``, device data stays on its device and anything else goes
    to the default device. Python numbers and lists become float64 unless
    ``dtype`` says otherwise; arrays keep their dtype.
    """
    if is_device_array(data):
        device = device_of(data) if device is None else check_device(device)
        if device_of(data) == device:
            return get_array_module(data).array(data, dtype=dtype)
        data = asnumpy(data)
    else:
        device = check_device(device)
    if dtype is None and not isinstance(data, (np.ndarray, np.generic)):
        dtype = np.float64
    host = np.array(data, dtype=dtype)
    if host.dtype == object:
        raise TypeError(f"Tensor: cannot make a tensor from {type(data).__name__} data")
    return host if device == "cpu" else module_for(device).asarray(host)


def index_for(array, index):
    """``index`` with its host (NumPy) arrays moved to where ``array`` lives."""
    if isinstance(index, tuple):
        return tuple(index_for(array, i) for i in index)
    if isinstance(index, np.ndarray) and type(array) is not np.ndarray:
        return to_device(index, device_of(array))
    return index


def sliding_windows(array, window, axis):
    """A view of every ``window``-shaped patch of ``array`` along ``axis`` (no copy):
    NumPy's ``sliding_window_view``, on whatever device the array lives."""
    xp = get_array_module(array)
    if xp is np or xp is standin.module:  # NumPy's function hands device data to the device
        return np.lib.stride_tricks.sliding_window_view(array, window, axis=axis)
    return xp.lib.stride_tricks.sliding_window_view(array, window, axis=axis)


def scatter_add(target, index, values):
    """``target[index] += values`` where repeated indices add up (``numpy.add.at``)."""
    xp = get_array_module(target)
    if xp is np:
        np.add.at(target, index, values)
    elif xp is standin.module:
        xp.scatter_add(target, index, values)
    elif hasattr(xp.add, "at"):  # CuPy 14 deprecates cupyx.scatter_add for this
        xp.add.at(target, index, values)
    else:
        import cupyx
        cupyx.scatter_add(target, index, values)


def erf(array):
    """The error function, elementwise, on the array's device (SciPy's or CuPy's; without
    SciPy, Python's math.erf element by element)."""
    if isinstance(array, standin.StandInArray):
        return standin.module.asarray(erf(array.get()))
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        import cupyx.scipy.special
        return cupyx.scipy.special.erf(array)
    try:
        from scipy.special import erf as scipy_erf
    except ImportError:
        import math
        return np.frompyfunc(math.erf, 1, 1)(array).astype(np.result_type(array, np.float32))
    return scipy_erf(array)


# -- an optimisation: constant arrays, made once ------------------------------------------
# Two operations run faster against an array of constants than against a number: the
# column sums of a (batch, features) gradient as ones(N) @ g (BLAS: about 1 µs for
# 200 × 16 in float32, where NumPy's sum over the first axis takes 5), and ReLU's
# max(a, zeros) (NumPy's vectorised loop: 3 µs for 128 × 200 against zeros of a's
# shape, 5 µs against a row of zeros broadcast, 10 µs against the number 0).

@functools.lru_cache(maxsize=64)
def constant_array(xp, shape, dtype, value):
    """An array of ``shape`` (a length, or a tuple) filled with ``value``, in module
    ``xp`` and ``dtype``; made once per arguments and shared (read-only on the host).
    Zeros come from ``xp.zeros``: on the host, the pages of a large one are then
    usually mapped to the system's shared zero page and, never written, take no memory."""
    array = xp.zeros(shape, dtype) if value == 0 else xp.full(shape, value, dtype)
    if xp is np:
        array.flags.writeable = False
    return array


def zeros_to_compare(xp, a):
    """Zeros to compare ``a`` with, elementwise (see constant_array): of ``a``'s shape
    for a C-contiguous host array, else a row that broadcasts. A row keeps the result
    in ``a``'s memory order (against C-ordered zeros, a convolution's output, channels
    last in memory, came out C-ordered, and LeNet's step took 1.3 times as long); on a
    device a broadcast costs nothing, and a full array would take memory."""
    if xp is np and a.flags.c_contiguous:
        return constant_array(np, a.shape, a.dtype, 0)
    return constant_array(xp, a.shape[-1:], a.dtype, 0)
