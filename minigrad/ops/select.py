"""Chapters 2–3: operations that pick elements: ``maximum``, ``minimum``,
``where`` and ``clip``.

Each output element is a copy of one input element, so the gradient goes back
to the element that was picked and nowhere else. Where two inputs tie, the
choice is arbitrary; minigrad splits the gradient equally between them, the
rule ``max`` along an axis follows too (:mod:`minigrad.ops.reduce`). A nan
input wins: the output is nan because of it, so it gets the gradient.
"""

from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.tensor import _raw


def _pick(g, a_wins, a, b, ctx):
    """The gradients of two inputs of which one was picked: all of ``g`` to the
    winner, half to each on a tie. A nan wins (the output is nan because of it),
    so that a nan never sends its gradient to the other input."""
    xp = get_array_module(a, b)
    a_nan, b_nan = xp.isnan(a), xp.isnan(b)
    share = xp.where(a_nan | b_nan, a_nan * (1 - 0.5 * b_nan), a_wins + 0.5 * (a == b))
    need_a, need_b = ctx.needs_input_grad
    return (g * share if need_a else None), (g * (1 - share) if need_b else None)


class Maximum(Function):
    """f = max(a, b);  ga = g where a > b,  gb = g where b > a,  g / 2 each on ties."""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return get_array_module(a, b).maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _pick(g, a > b, a, b, ctx)


def maximum(a, b):
    """Elementwise maximum; on ties each input gets half of the gradient."""
    return Maximum.apply(a, b)


class Minimum(Function):
    """f = min(a, b);  ga = g where a < b,  gb = g where b < a,  g / 2 each on ties."""

    broadcasts = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return get_array_module(a, b).minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _pick(g, a < b, a, b, ctx)


def minimum(a, b):
    """Elementwise minimum; on ties each input gets half of the gradient."""
    return Minimum.apply(a, b)


class Where(Function):
    """f = where(cond, a, b);  ga = g where cond,  gb = g elsewhere  (cond: none)."""

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
        _, need_a, need_b = ctx.needs_input_grad
        xp = get_array_module(g)
        zero = g.dtype.type(0)
        return (None, xp.where(cond, g, zero) if need_a else None,
                xp.where(cond, zero, g) if need_b else None)


def where(cond, a, b):
    """a where cond is true, else b; cond (booleans) gets no gradient."""
    return Where.apply(_raw(cond), a, b)


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


def clip(a, min=None, max=None):
    """Limit the values to [min, max]; the gradient passes where a is inside (ends included)."""
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    return Clip.apply(a, lo=min, hi=max)
