"""Chapters 2–9: every differentiable operation on tensors, by concept.

==================  =========  ==============================================
module              chapter    operations
==================  =========  ==============================================
``arithmetic``      2          add sub mul div neg pow; sqrt square
``elementwise``     2          exp log abs tanh sigmoid relu leaky_relu sin cos
``select``          2–3        maximum minimum where clip
``reduce``          2          sum max min; mean var argmax argmin
``linalg``          2          matmul
``shape``           3          reshape transpose broadcast_to getitem
                               concatenate pad flip; flatten squeeze
                               unsqueeze stack split repeat tile
``conv``            7          conv2d max_pool2d avg_pool2d
``device``          6          to_device
``transformer``     9          erf layer_norm; gelu std masked_fill
                               scaled_dot_product_attention
==================  =========  ==============================================

Each primitive is a :class:`~minigrad.autograd.Function` whose docstring
carries its vector-Jacobian product, with its lowercase wrapper right under
it; the composites after them are built from primitives and need no backward.
Adding a primitive: its class and wrapper in the module of its concept, the
``Tensor`` method, one row of the op table (``tests/op_cases.py``).

One code path for every device (Chapter 6): an operation reaches NumPy's
functions only through ``xp = get_array_module(a)``, so the same class runs on
NumPy arrays and on CuPy arrays on a GPU.

Numerics, one policy everywhere: values outside an operation's domain follow
IEEE arithmetic exactly as NumPy does (``log(0) = -inf``, ``log(-1) = nan``,
``sqrt(-1) = nan``, ``exp(1000) = inf``), with NumPy's RuntimeWarning, never an
exception; gradients follow the same rules. Reductions of nothing follow NumPy
too (see :mod:`minigrad.ops.reduce`). Dtypes follow NumPy's promotion: float32
with float64 gives float64, and a Python number takes the tensor's dtype.
"""

from minigrad.ops.arithmetic import add, div, mul, neg, pow, sqrt, square, sub
from minigrad.ops.device import to_device
from minigrad.ops.elementwise import abs, cos, exp, leaky_relu, log, relu, sigmoid, sin, tanh
from minigrad.ops.conv import avg_pool2d, conv2d, max_pool2d
from minigrad.ops.linalg import matmul
from minigrad.ops.reduce import argmax, argmin, max, mean, min, sum, var
from minigrad.ops.select import clip, maximum, minimum, where
from minigrad.ops.shape import (broadcast_to, concatenate, expand_dims, flatten, flip,
                                getitem, pad, repeat, reshape, split, squeeze, stack, tile,
                                transpose, unsqueeze)
from minigrad.ops.transformer import (erf, gelu, layer_norm, masked_fill,
                                      scaled_dot_product_attention, std)

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "sqrt", "square",
    "exp", "log", "abs", "tanh", "sigmoid", "relu", "leaky_relu", "sin", "cos",
    "maximum", "minimum", "where", "clip",
    "sum", "max", "min", "mean", "var", "argmax", "argmin",
    "matmul",
    "reshape", "transpose", "broadcast_to", "getitem", "concatenate", "flatten", "squeeze",
    "unsqueeze", "expand_dims", "stack", "split", "repeat", "tile", "pad", "flip",
    "conv2d", "max_pool2d", "avg_pool2d",
    "to_device",
    "erf", "gelu", "layer_norm", "std", "masked_fill", "scaled_dot_product_attention",
]


def primitives():
    """Every primitive of the package, as ``(module, classes)`` pairs in chapter
    order: the modules above, then the fused ones of :mod:`minigrad.functional`."""
    import inspect

    from minigrad import functional
    from minigrad.autograd import Function
    from minigrad.ops import (arithmetic, conv, device, elementwise, linalg, reduce, select, shape,
                              transformer)

    found = []
    for module in (arithmetic, elementwise, select, reduce, linalg, shape, functional, device,
                   conv, transformer):
        classes = [c for _, c in inspect.getmembers(module, inspect.isclass)
                   if issubclass(c, Function) and c is not Function
                   and c.__module__ == module.__name__]
        found.append((module, sorted(classes, key=lambda c: inspect.getsourcelines(c)[1])))
    return found
