"""Chapter 9: the operations a transformer needs beyond the MLP.

- ``erf`` (a primitive, for the exact GELU) and ``gelu`` in PyTorch's two forms,
  ``x Φ(x)`` and its tanh approximation, a fused primitive with its composite;
- ``layer_norm``: normalise over the last axes, then scale and shift; a fused primitive
  with its derived backward, and the same function from primitives as its ``composite``
  (which a recorded backward differentiates, Chapter 8);
- ``masked_fill`` and ``std``, composites;
- ``scaled_dot_product_attention``: softmax(q kᵀ / √d + mask) v, one fused primitive
  (``Attention``, with its composite), or from primitives when the weights are wanted
  too, with dropout, or with a mask that learns.
"""

import math

import numpy as np

from minigrad import backend
from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.ops.reduce import normalize_axis
from minigrad.tensor import Tensor, _array, _as_tensor


class Erf(Function):
    """f = erf(a) = (2/√π) ∫₀ᵃ exp(-t²) dt;  ga = g · (2/√π) exp(-a²)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return backend.erf(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * (2 / math.sqrt(math.pi)) * get_array_module(a).exp(-(a * a))


def erf(a):
    """The error function, elementwise."""
    return Erf.apply(a)


_C = math.sqrt(2 / math.pi)  # the tanh approximation's constant


class GELU(Function):
    """f = x Φ(x), Φ the standard normal CDF;  gx = g (Φ(x) + x φ(x)).  With the tanh
    approximation f = ½ x (1 + t), t = tanh(c (x + 0.044715 x³)), c = √(2/π):
    gx = g (½ (1 + t) + ½ x (1 - t²) c (1 + 3 · 0.044715 x²)).  Fused: one node instead of
    about ten (its composite is what a recorded backward differentiates)."""

    # In place on fresh temporaries: a transformer's MLP applies it to its widest arrays,
    # and the plain expressions allocated a dozen of them (measured: the GPT step of the
    # benchmarks fell from 19 to 15 ms).

    @staticmethod
    def forward(ctx, x, approximate="none"):
        ctx.approximate = approximate
        if approximate == "tanh":
            u = x * x
            u *= x
            u *= 0.044715
            u += x
            u *= _C
            t = get_array_module(x).tanh(u)
            ctx.save_for_backward(x, t)
            out = t + 1
        else:
            ctx.save_for_backward(x)
            out = backend.erf(x * (1 / math.sqrt(2)))
            out += 1
        out *= x
        out *= 0.5
        return out

    @staticmethod
    def backward(ctx, g):
        x = ctx.saved_tensors[0]
        if ctx.approximate == "tanh":
            t = ctx.saved_tensors[1]
            slope = 1 - t * t  # ½ x (1 - t²) c (1 + 3·0.044715 x²) + ½ (1 + t)
            slope *= x
            slope *= 0.5 * _C
            widen = x * x
            widen *= 3 * 0.044715
            widen += 1
            slope *= widen
            half = t + 1
            half *= 0.5
            slope += half
        else:
            slope = get_array_module(x).exp(-0.5 * x * x)  # Φ(x) + x φ(x)
            slope *= x * (1 / math.sqrt(2 * math.pi))
            cdf = backend.erf(x * (1 / math.sqrt(2)))
            cdf += 1
            cdf *= 0.5
            slope += cdf
        slope *= g
        return slope

    @staticmethod
    def composite(x, approximate="none"):
        """The same function from primitives, for a recorded backward (Chapter 8)."""
        if approximate == "tanh":
            return 0.5 * x * (1 + (_C * (x + 0.044715 * x * x * x)).tanh())
        return 0.5 * x * (1 + erf(x * (1 / math.sqrt(2))))


def gelu(x, approximate="none"):
    """x Φ(x), Φ the standard normal CDF: ``0.5 x (1 + erf(x / √2))``; with
    ``approximate="tanh"``, ``0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`` (GPT-2's)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(x, approximate=approximate)


class LayerNorm(Function):
    """f = x̂ w + b with x̂ = (x - μ) / σ over the last axes (σ² the biased variance + eps);
    gx = (gx̂ - mean(gx̂) - x̂ mean(gx̂ x̂)) / σ with gx̂ = g w,  gw = g x̂,  gb = g
    (summed over the leading axes by the engine)."""

    @staticmethod
    def forward(ctx, x, weight, bias, n_axes=1, eps=1e-5):
        axes = tuple(range(x.ndim - n_axes, x.ndim))
        mu = x.mean(axis=axes, keepdims=True)
        centred = x - mu
        var = (centred * centred).mean(axis=axes, keepdims=True)
        rstd = 1 / get_array_module(x).sqrt(var + eps)
        xhat = centred * rstd
        ctx.save_for_backward(xhat, rstd, weight)
        ctx.axes = axes
        return xhat * weight + bias

    @staticmethod
    def backward(ctx, g):
        xhat, rstd, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        gx = None
        if need_x:
            gxhat = g * weight
            gx = rstd * (gxhat - gxhat.mean(axis=ctx.axes, keepdims=True)
                         - xhat * (gxhat * xhat).mean(axis=ctx.axes, keepdims=True))
        return gx, (g * xhat if need_w else None), (g if need_b else None)

    @staticmethod
    def composite(x, weight, bias, n_axes=1, eps=1e-5):
        """The same function from primitives, for a recorded backward (Chapter 8)."""
        axes = tuple(range(x.ndim - n_axes, x.ndim))
        centred = x - x.mean(axis=axes, keepdims=True)
        var = (centred * centred).mean(axis=axes, keepdims=True)
        return centred / (var + eps) ** 0.5 * weight + bias


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise ``x`` over its last ``len(normalized_shape)`` axes to mean 0 and variance
    1, then scale by ``weight`` and shift by ``bias`` (each of ``normalized_shape``)."""
    x = _as_tensor(x, "layer_norm")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if x.shape[x.ndim - len(shape):] != shape or len(shape) > x.ndim:
        raise ValueError(f"layer_norm: normalized_shape {shape} must be the last axes of "
                         f"the input's shape {x.shape}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(_array(p).shape) != shape:
            raise ValueError(f"layer_norm: {name} of shape {tuple(_array(p).shape)}, expected "
                             f"{shape}")
    return LayerNorm.apply(x, 1.0 if weight is None else weight, 0.0 if bias is None else bias,
                           n_axes=len(shape), eps=eps)


def std(a, axis=None, keepdims=False, ddof=0):
    """The standard deviation, √var (NumPy's ddof)."""
    from minigrad.ops.reduce import var
    return var(a, axis, keepdims, ddof) ** 0.5


def masked_fill(a, mask, value):
    """``a`` with ``value`` where ``mask`` is true (no gradient there)."""
    from minigrad.ops.select import where
    a = _as_tensor(a, "masked_fill")
    mask = _array(mask)
    return where(mask, _array(a).dtype.type(value), a)


class Attention(Function):
    """f = P v with P = softmax(S), S = q kᵀ·scale (+ mask);  gv = Pᵀ g,  gP = g vᵀ,
    gS = P ⊙ (gP - Σ_j gP ⊙ P),  gq = gS k·scale,  gk = gSᵀ q·scale.  Fused: one node
    (the composite below, from primitives, is what a recorded backward differentiates)."""

    @staticmethod
    def forward(ctx, q, k, v, mask=None, scale=1.0):
        xp = get_array_module(q)
        scores = (q @ k.swapaxes(-1, -2)) * scale
        if mask is not None:
            scores = xp.where(mask, scores, -xp.inf) if mask.dtype == bool else scores + mask
        with np.errstate(invalid="ignore"):  # a row with nothing to attend to: nan, as torch
            e = xp.exp(scores - scores.max(axis=-1, keepdims=True))
            p = e / e.sum(axis=-1, keepdims=True)
        ctx.save_for_backward(q, k, v, p)
        ctx.scale = scale
        return p @ v

    @staticmethod
    def backward(ctx, g):
        q, k, v, p = ctx.saved_tensors
        need_q, need_k, need_v = ctx.needs_input_grad
        gp = g @ v.swapaxes(-1, -2)
        gs = p * (gp - (gp * p).sum(axis=-1, keepdims=True))
        return ((gs @ k) * ctx.scale if need_q else None,
                (gs.swapaxes(-1, -2) @ q) * ctx.scale if need_k else None,
                p.swapaxes(-1, -2) @ g if need_v else None)

    @staticmethod
    def composite(q, k, v, mask=None, scale=1.0):
        """The same attention from primitives, for a recorded backward (Chapter 8)."""
        from minigrad.functional import softmax
        from minigrad.ops.select import where

        scores = (q @ k.swapaxes(-1, -2)) * scale
        if mask is not None:
            scores = where(mask, scores, _array(scores).dtype.type(-np.inf)) \
                if mask.dtype == bool else scores + mask
        return softmax(scores, axis=-1) @ v


def scaled_dot_product_attention(query, key, value, attn_mask=None, is_causal=False,
                                 scale=None, dropout_p=0.0, return_weights=False):
    """softmax(q kᵀ · scale + mask) v over the last two axes, PyTorch's function.

    ``query`` (..., L, E), ``key`` (..., S, E), ``value`` (..., S, Ev); ``scale`` defaults
    to 1/√E. ``attn_mask``: booleans (True: may attend) or numbers added to the scores;
    ``is_causal``: position i attends to positions ≤ i only. With ``return_weights``, the
    attention weights (..., L, S) come back too.
    """
    from minigrad.functional import softmax
    from minigrad.nn import Dropout
    from minigrad.ops.select import where

    q, k, v = (_as_tensor(t, "scaled_dot_product_attention") for t in (query, key, value))
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: query {q.shape}, key {k.shape} and "
                         f"value {v.shape} do not fit: query and key need the same last axis, "
                         "key and value the same number of positions")
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    learned_mask = isinstance(attn_mask, Tensor) and attn_mask.requires_grad
    if not dropout_p and not return_weights and not learned_mask:  # one fused operation
        mask = None if attn_mask is None else backend.to_device(_array(attn_mask), q.device)
        if is_causal:
            causal = get_array_module(_array(q)).tri(q.shape[-2], k.shape[-2], dtype=bool)
            if mask is None:
                mask = causal
            elif mask.dtype == bool:
                mask = mask & causal
            else:
                mask = get_array_module(mask).where(causal, mask, -np.inf)
        return Attention.apply(q, k, v, mask=mask, scale=scale)
    scores = (q @ k.swapaxes(-1, -2)) * scale
    length, source = scores.shape[-2], scores.shape[-1]
    minus_inf = _array(scores).dtype.type(-np.inf)
    if is_causal:
        causal = get_array_module(_array(scores)).tri(length, source, dtype=bool)
        scores = where(causal, scores, minus_inf)
    if attn_mask is not None:
        mask = _array(attn_mask)
        if mask.dtype == bool:
            scores = where(backend.to_device(mask, scores.device), scores, minus_inf)
        else:
            scores = scores + attn_mask
    weights = softmax(scores, axis=-1)
    if dropout_p:
        weights = Dropout(dropout_p)(weights)
    out = weights @ v
    return (out, weights) if return_weights else out
