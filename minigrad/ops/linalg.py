"""Chapter 2: the matrix product.

For ``f = a @ b`` with ``f_ij = Σ_k a_ik b_kj``, the chain rule gives
``ga_ik = Σ_j g_ij b_kj`` and ``gb_kj = Σ_i a_ik g_ij``: in matrix form
``ga = g @ bᵀ`` and ``gb = aᵀ @ g``, which is also the only way to combine
those shapes into the shapes of ``a`` and ``b``. NumPy's extras follow: a 1-D
operand is a row (left) or a column (right) whose added axis is dropped, and
leading batch axes broadcast, so their gradients are summed back.
"""

from minigrad.autograd import Function
from minigrad.broadcast import unbroadcast


class MatMul(Function):
    """f = a @ b;  ga = g @ bᵀ,  gb = aᵀ @ g  (1-D operands promoted, batches summed)."""

    @staticmethod
    def forward(ctx, a, b):
        if getattr(a, "ndim", 0) == 0 or getattr(b, "ndim", 0) == 0:
            raise ValueError(f"matmul: both operands need at least one dimension, got shapes "
                             f"{getattr(a, 'shape', ())} and {getattr(b, 'shape', ())}; use * to "
                             "scale by a number")
        k_a = a.shape[-1]
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if k_a != k_b:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not match: the last "
                             f"dimension of a ({k_a}) must equal the "
                             f"{'only' if b.ndim == 1 else 'second-to-last'} dimension of b ({k_b})")
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        if b.ndim == 1:  # restore the dimensions that 1-D operands dropped
            g = g[..., None]
        if a.ndim == 1:
            g = g[..., None, :]
        ga = gb = None
        if need_a:
            ga = unbroadcast(g @ b2.swapaxes(-1, -2), a2.shape).reshape(a.shape)
        if need_b:
            gb = unbroadcast(a2.swapaxes(-1, -2) @ g, b2.shape).reshape(b.shape)
        return ga, gb


def matmul(a, b):
    """Matrix product with NumPy's rules: 1-D operands, and batch broadcasting."""
    return MatMul.apply(a, b)
