"""Chapter 9: the operations a transformer needs beyond the MLP.

- ``erf`` (a primitive, for the exact GELU) and ``gelu`` in PyTorch's two forms,
  ``x Φ(x)`` and its tanh approximation, built from primitives;
- ``layer_norm``: normalise over the last axes, then scale and shift; a fused primitive
  with its derived backward, and the same function from primitives as its ``composite``
  (which a recorded backward differentiates, Chapter 8);
- ``masked_fill`` and ``std``, composites;
- ``scaled_dot_product_attention``: softmax(q kᵀ / √d + mask) v, from primitives.
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


def gelu(x, approximate="none"):
    """x Φ(x), Φ the standard normal CDF: ``0.5 x (1 + erf(x / √2))``; with
    ``approximate="tanh"``, ``0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`` (GPT-2's)."""
    x = _as_tensor(x, "gelu")
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1 + inner.tanh())
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return 0.5 * x * (1 + erf(x * (1 / math.sqrt(2))))


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
