"""Chapter 8: forward mode with dual numbers.

A dual number ``a + b·ε``, with ``ε² = 0``, carries a value and a tangent together.
Taylor's expansion stops after one term, so ``f(a + b·ε) = f(a) + f'(a)·b·ε``: running
any formula on ``Dual(x, 1)`` computes ``f(x)`` and ``f'(x)`` in the same pass, forward,
with no graph and no backward. Each operation applies the chain rule in the direction
of evaluation::

    (a + bε) + (c + dε) = (a + c) + (b + d)ε
    (a + bε) · (c + dε) = ac + (ad + bc)ε
    g(a + bε)           = g(a) + g'(a)·b ε      (exp, log, sin, cos, tanh, relu, **)

The components may be duals themselves: nesting n levels (:func:`derivative`) gives the
n-th derivative.
"""

import math
import numbers


class Dual:
    """``value + tangent·ε`` with ``ε² = 0``."""

    __slots__ = ("value", "tangent")

    def __init__(self, value, tangent=0.0):
        self.value, self.tangent = value, tangent

    def __repr__(self):
        return f"Dual({self.value!r}, {self.tangent!r})"

    @staticmethod
    def _lift(other):
        if isinstance(other, Dual):
            return other
        if isinstance(other, numbers.Real):
            return Dual(other, 0.0)
        raise TypeError(f"Dual: cannot combine a dual number with {type(other).__name__} "
                        f"{other!r}; use numbers or Duals")

    def __add__(self, other):
        other = Dual._lift(other)
        return Dual(self.value + other.value, self.tangent + other.tangent)

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.value, -self.tangent)

    def __sub__(self, other):
        return self + (-Dual._lift(other))

    def __rsub__(self, other):
        return Dual._lift(other) + (-self)

    def __mul__(self, other):
        other = Dual._lift(other)
        return Dual(self.value * other.value,
                    self.value * other.tangent + self.tangent * other.value)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self * Dual._lift(other) ** -1

    def __rtruediv__(self, other):
        return Dual._lift(other) * self ** -1

    def __pow__(self, exponent):
        """(a + bε)^p = a^p + p·a^(p-1)·b ε, for a number p."""
        if not isinstance(exponent, numbers.Real):
            raise TypeError(f"Dual ** {type(exponent).__name__}: the exponent must be a number "
                            "(write exp(y * log(x)) for a dual exponent)")
        return Dual(self.value ** exponent,
                    exponent * self.value ** (exponent - 1) * self.tangent)

    def exp(self):
        e = exp(self.value)
        return Dual(e, e * self.tangent)

    def log(self):
        return Dual(log(self.value), self.tangent / self.value)

    def sin(self):
        return Dual(sin(self.value), cos(self.value) * self.tangent)

    def cos(self):
        return Dual(cos(self.value), -sin(self.value) * self.tangent)

    def tanh(self):
        t = tanh(self.value)
        return Dual(t, (1 - t * t) * self.tangent)

    def relu(self):
        return self if primal(self) > 0 else Dual(self.value * 0, self.tangent * 0)


def primal(x):
    """The plain number inside ``x``, however deeply nested."""
    while isinstance(x, Dual):
        x = x.value
    return x


def _elementary(name, scalar):
    def function(x):
        return getattr(x, name)() if isinstance(x, Dual) else scalar(x)
    function.__name__ = name
    function.__doc__ = f"{name}(x) for a number or a (nested) dual number."
    return function


exp = _elementary("exp", math.exp)
log = _elementary("log", math.log)
sin = _elementary("sin", math.sin)
cos = _elementary("cos", math.cos)
tanh = _elementary("tanh", math.tanh)
relu = _elementary("relu", lambda x: max(x, 0.0))


def derivative(f, order=1):
    """The ``order``-th derivative of a function of one number, in forward mode:
    ``f(Dual(x, 1)).tangent``, nested ``order`` times."""
    if not isinstance(order, numbers.Integral) or order < 0:
        raise ValueError(f"derivative: order must be an int >= 0, got {order!r}")
    if order == 0:
        return f
    inner = derivative(f, order - 1)

    def d(x):
        out = inner(Dual(x, 1.0))
        return out.tangent if isinstance(out, Dual) else 0.0  # f did not depend on x

    d.__name__ = f"derivative({getattr(f, '__name__', 'f')}, {order})"
    return d
