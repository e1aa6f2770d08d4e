"""Chapter 9: the layers of a transformer, as in ``torch.nn``.

``Embedding`` (a table of learned vectors, looked up by index), ``LayerNorm``, ``GELU``
and ``MultiheadAttention`` with PyTorch's parameter layout (``in_proj_weight`` holds
the query, key and value projections stacked, ``out_proj`` is a ``Linear``) and its
``batch_first=True`` convention, so that weights copy over one to one.
"""

import numpy as np

from minigrad import functional as F
from minigrad.nn import Linear, Module, Parameter, init
from minigrad.tensor import _array


class Embedding(Module):
    """``weight[indices]``: one learned vector of ``embedding_dim`` per index, starting
    standard normal as in PyTorch."""

    def __init__(self, num_embeddings, embedding_dim, dtype=np.float32, device=None):
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype),
                                device=device)
        init.normal_(self.weight)

    def forward(self, indices):
        return F.embedding(indices, self.weight)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"


class LayerNorm(Module):
    """Normalise over the last axes (``normalized_shape``), then a learned scale (ones)
    and shift (zeros)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, dtype=np.float32,
                 device=None):
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.weight = self.bias = None
        if elementwise_affine:
            self.weight = Parameter(np.ones(shape, dtype=dtype), device=device)
            self.bias = Parameter(np.zeros(shape, dtype=dtype), device=device)

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}"


class GELU(Module):
    """x Φ(x), or its tanh approximation with ``approximate="tanh"``."""

    def __init__(self, approximate="none"):
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)


class MultiheadAttention(Module):
    """Attention with ``num_heads`` heads of ``embed_dim // num_heads`` features each, on
    inputs (N, L, E) (PyTorch's ``batch_first=True``).

    Each head projects the query, key and value (rows of ``in_proj_weight``), attends with
    softmax(q kᵀ / √d) v, and the heads' outputs, side by side, go through ``out_proj``.
    ``forward`` returns ``(output, weights)``, the weights averaged over the heads (or one
    map per head with ``average_attn_weights=False``), or ``None`` with ``need_weights=False``.
    A boolean ``attn_mask`` follows this module's PyTorch convention, True where a query may
    **not** attend (the opposite of ``scaled_dot_product_attention``'s); a float mask is
    added to the scores.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, batch_first=True,
                 dtype=np.float32, device=None):
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} must be divisible by "
                             f"num_heads {num_heads}")
        if not batch_first:
            raise ValueError("MultiheadAttention: only batch_first=True (inputs (N, L, E))")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dtype=dtype),
                                        device=device)
        init.xavier_uniform_(self.in_proj_weight)
        self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype=dtype), device=device) \
            if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype, device=device)
        if bias:
            init.zeros_(self.out_proj.bias)

    def _heads(self, x):
        """(N, L, E) → (N, heads, L, E / heads)."""
        n, length, _ = x.shape
        return x.reshape(n, length, self.num_heads, -1).transpose(0, 2, 1, 3)

    def forward(self, query, key, value, attn_mask=None, need_weights=True, is_causal=False,
                average_attn_weights=True):
        e = self.embed_dim
        w = self.in_proj_weight
        b = self.in_proj_bias
        q = F.linear(query, w[:e], None if b is None else b[:e])
        k = F.linear(key, w[e:2 * e], None if b is None else b[e:2 * e])
        v = F.linear(value, w[2 * e:], None if b is None else b[2 * e:])
        if attn_mask is not None and _array(attn_mask).dtype == bool:
            attn_mask = ~_array(attn_mask)  # PyTorch's module: True = may not attend
        out, weights = F.scaled_dot_product_attention(
            self._heads(q), self._heads(k), self._heads(v), attn_mask=attn_mask,
            is_causal=is_causal, dropout_p=self.dropout if self.training else 0.0,
            return_weights=True)
        n, _, length, _ = out.shape
        out = self.out_proj(out.transpose(0, 2, 1, 3).reshape(n, length, e))
        if not need_weights:
            return out, None
        return out, (weights.mean(axis=1) if average_attn_weights else weights)

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
