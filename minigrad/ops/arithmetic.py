"""Chapter 2: arithmetic, the operators ``+ - * / **`` and unary minus.

Each primitive is a :class:`~minigrad.autograd.Function` whose docstring
carries its vector-Jacobian product (``g`` is the gradient of the output); its
lowercase wrapper follows right under it. Inputs broadcast as in NumPy, and the
engine sums each gradient back to its input's shape (Chapter 3), so a VJP here
is written for equal shapes.
"""

import numpy as np

from minigrad.autograd import Function
from minigrad.backend import get_array_module


class Add(Function):
    """f = a + b;  ga = g,  gb = g."""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        return (g if need_a else None), (g if need_b else None)


def add(a, b):
    """a + b, with broadcasting."""
    return Add.apply(a, b)


class Sub(Function):
    """f = a - b;  ga = g,  gb = -g."""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        need_a, need_b = ctx.needs_input_grad
        return (g if need_a else None), (-g if need_b else None)


def sub(a, b):
    """a - b, with broadcasting."""
    return Sub.apply(a, b)


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


def mul(a, b):
    """a * b, with broadcasting."""
    return Mul.apply(a, b)


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
        return (g / b if need_a else None), (-g * a / (b * b) if need_b else None)


def div(a, b):
    """a / b, with broadcasting."""
    return Div.apply(a, b)


class Neg(Function):
    """f = -a;  ga = -g."""

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


def neg(a):
    """-a."""
    return Neg.apply(a)


class Pow(Function):
    """f = a ** b;  ga = g * b * a ** (b - 1),  gb = g * f * log(a).

    ``b`` is usually a number (``x ** 2``); a tensor exponent gets a gradient
    too. At the edges, one rule (PyTorch's), in IEEE arithmetic otherwise:

    - ``ga`` is 0 where ``b == 0``: ``a ** 0 = 1`` is constant, even at ``a = 0``;
    - ``gb`` is 0 where ``a == 0`` and ``b >= 0`` (``0 ** b`` is constant for
      ``b > 0``), ``-inf * g`` where ``a == 0`` and ``b < 0`` (``f = inf``), and
      nan where ``a < 0``, integer ``b`` too: ``log(a)`` is undefined there.
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
        xp = get_array_module(a, b)
        ga = gb = None
        if need_a:  # where b == 0 any finite power will do, since it is multiplied by 0
            ga = g * b * a ** (_where_zero(b, 1, b - 1, xp))
        if need_b:
            with np.errstate(divide="ignore", invalid="ignore"):  # log(0), log(a < 0): by rule
                gb = g * xp.where((a == 0) & (b >= 0), 0, out * xp.log(a))
        return ga, gb


def _where_zero(b, then, otherwise, xp):
    """``then`` where ``b == 0``, else ``otherwise`` (Python numbers stay numbers,
    so that a float32 base keeps its dtype)."""
    if isinstance(b, (int, float)):
        return then if b == 0 else otherwise
    return xp.where(b == 0, then, otherwise)


def pow(a, b):
    """a ** b: a number exponent, or a tensor of exponents."""
    return Pow.apply(a, b)


# -- composites: built from the primitives above, no backward of their own -------

def sqrt(a):
    """a ** 0.5."""
    return Pow.apply(a, 0.5)


def square(a):
    """a * a."""
    return Mul.apply(a, a)
