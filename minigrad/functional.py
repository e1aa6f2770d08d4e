"""Chapter 4: from scores to probabilities to a loss, without overflow.

Conventionally imported as ``F``::

    import minigrad.functional as F
    loss = F.cross_entropy(logits, labels)

Stability comes from one identity: for any constant ``m``,
``log Σ exp(x) = m + log Σ exp(x - m)``; with ``m = max(x)`` every exponent is
at most 0, so nothing overflows and the largest term is exactly 1.

Fused primitives (each checked against its composite in the tests):
``Linear`` (for ``nn.Linear``), ``LogSumExp``, ``CrossEntropy`` (VJP ``(softmax - target) / N``),
``BinaryCrossEntropy`` and ``BinaryCrossEntropyWithLogits`` (VJP
``sigmoid(z) - y``).
"""

import numpy as np

from minigrad import backend
from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.ops import avg_pool2d, conv2d, max_pool2d, mean, pad  # noqa: F401  (Ch. 7: F names)
from minigrad.ops import gelu, layer_norm, scaled_dot_product_attention  # noqa: F401  (Ch. 9)
from minigrad.ops.reduce import normalize_axis
from minigrad.tensor import Tensor, _array

REDUCTIONS = ("mean", "sum", "none")


_SHORT_ROW = 32


def _stable_log_softmax(x):
    """log softmax of each row of a 2-D array, by max subtraction.

    NumPy reduces a short last axis one row at a time (about 50 µs for the maxima of
    1024 × 10 scores). For short rows the work runs on a transposed copy instead,
    whose reductions go down contiguous memory (about 5 µs) and which, being a copy,
    is computed in place; the result is its transpose, a view of shape (N, C).
    """
    xp = get_array_module(x)
    if x.shape[1] > _SHORT_ROW:
        shifted = x - x.max(axis=1, keepdims=True)
        return shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
    columns = x.T.copy()  # (C, N), C-contiguous
    columns -= columns.max(axis=0)
    columns -= xp.log(xp.exp(columns).sum(axis=0))
    return columns.T


class LogSumExp(Function):
    """f = log Σ exp(x) along axis;  gx = g * softmax(x)."""

    @staticmethod
    def forward(ctx, x, axis=-1, keepdims=False):
        xp = get_array_module(x)
        axes = normalize_axis(axis, x.ndim, "logsumexp")
        m = x.max(axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # rows of -inf stay -inf, not nan
        with np.errstate(divide="ignore"):  # log(0) = -inf for rows of -inf
            out = m + xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True))
        ctx.save_for_backward(x, out)
        return out if keepdims else out.squeeze(axis=axes)

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        return g.reshape(out.shape) * get_array_module(x).exp(x - out)

    @staticmethod
    def composite(x, axis=-1, keepdims=False):
        """The same function from primitives, for a recorded backward (Chapter 8)."""
        axes = normalize_axis(axis, x.ndim, "logsumexp")
        m = x.max(axis=axes, keepdims=True).detach()  # any constant shift gives the same value
        m = Tensor._wrap(get_array_module(m.data).where(get_array_module(m.data).isfinite(m.data),
                                                        m.data, 0))
        out = m + ((x - m).exp().sum(axis=axes, keepdims=True)).log()
        return out if keepdims else out.reshape(
            tuple(n for i, n in enumerate(out.shape) if i not in axes))


def logsumexp(x, axis=-1, keepdims=False):
    """log(sum(exp(x))) along ``axis``, computed without overflow."""
    return LogSumExp.apply(x, axis=axis, keepdims=keepdims)


def log_softmax(x, axis=-1):
    """x - logsumexp(x): log-probabilities that never overflow or give log(0)."""
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``: probabilities, computed stably."""
    return log_softmax(x, axis).exp()


# -- the affine map of a linear layer (Chapter 5) ----------------------------------

class Linear(Function):
    """f = x @ Wᵀ + b, fused (one node instead of transpose, matmul and add);
    gx = g @ W,  gW = gᵀ @ x,  gb = g summed over the batch (x may have leading axes)."""

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        if x.shape[-1:] != weight.shape[1:]:
            raise ValueError(f"linear: inputs of shape {x.shape} do not fit a weight of shape "
                             f"{weight.shape}: the last dimension must be {weight.shape[1]}")
        ctx.save_for_backward(x, weight)
        if x.ndim > 2:  # one matrix product for all rows: NumPy would make one per matrix
            out = (x.reshape(-1, x.shape[-1]) @ weight.T).reshape(x.shape[:-1] + (-1,))
        else:
            out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        if g.ndim == 2:
            g2 = g
            gx = g @ weight if needs[0] else None
        else:  # rows of leading axes (or one row) are samples like any other
            g2, x = g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1])
            gx = (g2 @ weight).reshape(g.shape[:-1] + (-1,)) if needs[0] else None
        gw = g2.T @ x if needs[1] else None
        if len(needs) == 2:
            return gx, gw
        return gx, gw, (_column_sums(g2) if needs[2] else None)


def _column_sums(g):
    """Σ_i g_ij of a 2-D array ``g``, as ``ones(N) @ g`` (BLAS; see backend.constant_array)."""
    if isinstance(g, Tensor):  # a recorded backward (Chapter 8) sums as it records
        return g.sum(axis=0)
    return backend.constant_array(get_array_module(g), g.shape[0], g.dtype, 1) @ g


def linear(x, weight, bias=None):
    """``x @ weight.T + bias``, the map of ``nn.Linear`` (weight: (out, in))."""
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)


# -- losses for classes ------------------------------------------------------------

def _check_reduction(op, reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _class_targets(op, logits, target):
    """Validate ``target`` against ``logits`` (N, C); say whether it holds indices."""
    shape = _array(logits).shape
    if len(shape) != 2:
        raise ValueError(f"{op}: expected scores of shape (N, C), got shape {shape}")
    n, c = shape
    t = _array(target)
    if t.ndim == 1:
        if t.dtype.kind not in "iu":  # integers, signed or not
            raise TypeError(
                f"{op}: a target of shape {t.shape} must hold integer class indices, got "
                f"dtype {t.dtype}; for probabilities or one-hot targets pass shape ({n}, {c})")
        if len(t) != n:
            raise ValueError(f"{op}: {n} rows of scores but {len(t)} targets "
                             f"(scores {shape}, target {t.shape})")
        if t.size and _largest_unsigned(t) >= c:  # a negative index reads as a huge one
            bad = int(t[(t < 0) | (t >= c)][0])
            raise IndexError(f"{op}: class index {bad} is out of range for {c} classes "
                             f"(valid: 0 to {c - 1})")
        return True
    if t.shape != shape:
        raise ValueError(f"{op}: target of shape {t.shape} does not match scores of shape "
                         f"{shape}; pass class indices of shape ({n},) or probabilities of "
                         f"shape ({n}, {c})")
    return False


def _largest_unsigned(t):
    """The largest of the integers ``t`` read as unsigned: one reduction (instead of a
    minimum and a maximum) finds an index below 0 or at least C, since a negative
    integer's bits read as unsigned are at least 2**(bits - 1)."""
    return int(t.view(_UNSIGNED.get(t.dtype, t.dtype)).max())


_UNSIGNED = {np.dtype(f"i{size}"): np.dtype(f"u{size}") for size in (1, 2, 4, 8)}


def _reduce(losses, reduction, n):
    if reduction == "mean":  # the mean of no losses is nan, as minigrad.mean of nothing
        return losses.sum() / (n or 0.0)
    if reduction == "sum":
        return losses.sum()
    return losses


class CrossEntropy(Function):
    """f_i = -Σ_c t_ic log softmax(z)_ic;  gz = (softmax(z) Σ_c t_ic - t) g_i,
    gt = -log softmax(z) g_i.

    Softmax cross-entropy, fused; then the mean (g_i = g / N) or the sum over
    rows. Targets are rows of non-negative weights: for probabilities Σ_c t_ic
    = 1 and gz is the familiar softmax(z) - t, but the loss is defined (and
    its gradient right) for any weights. Class-index targets never build the
    one-hot matrix.
    """

    @staticmethod
    def forward(ctx, logits, target, reduction="mean", indices=True):
        logp = _stable_log_softmax(logits)
        n = logits.shape[0]
        rows = get_array_module(logits).arange(n) if indices else None
        losses = -logp[rows, target] if indices else -(target * logp).sum(axis=1)
        ctx.save_for_backward(logp, target)
        ctx.reduction, ctx.indices, ctx.rows = reduction, indices, rows
        return _reduce(losses, reduction, n)

    @staticmethod
    def backward(ctx, g):
        logp, target = ctx.saved_tensors
        n = logp.shape[0]
        scale = g / n if ctx.reduction == "mean" else g
        if ctx.reduction == "none":
            scale = g[:, None]
        grad = get_array_module(logp).exp(logp)  # softmax(z), a fresh array: scaled in place
        if ctx.indices:  # one-hot rows: Σ_c t_ic = 1
            grad[ctx.rows, target] -= 1
        else:
            grad *= target.sum(axis=1, keepdims=True)
            grad -= target
        g_target = None
        if not ctx.indices and ctx.needs_input_grad[1]:
            g_target = -logp * scale
        grad *= scale
        return grad, g_target

    @staticmethod
    def composite(logits, target, reduction="mean", indices=True):
        """The same loss from primitives, for a recorded backward (Chapter 8)."""
        logp = logits - LogSumExp.composite(logits, axis=1, keepdims=True)
        n = logits.shape[0]
        if indices:
            losses = -logp[get_array_module(_array(logits)).arange(n), target]
        else:
            losses = -(target * logp).sum(axis=1)
        return _reduce(losses, reduction, n)


def cross_entropy(logits, target, reduction="mean"):
    """Softmax cross-entropy between scores ``(N, C)`` and targets.

    Args:
        logits: unnormalised scores, shape ``(N, C)``.
        target: class indices (integers, shape ``(N,)``) or probabilities /
            one-hot rows (shape ``(N, C)``). Label smoothing is not an argument:
            it is the probability target ``(1 - ε) one_hot + ε / C``, which
            this function takes as it is (any non-negative weights work).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"`` (one loss per row).
    """
    _check_reduction("cross_entropy", reduction)
    indices = _class_targets("cross_entropy", logits, target)
    if indices:
        target = _array(target)
    return CrossEntropy.apply(logits, target, reduction=reduction, indices=indices)


def nll_loss(log_probs, target, reduction="mean"):
    """Negative log-likelihood of class indices, given log-probabilities ``(N, C)``."""
    _check_reduction("nll_loss", reduction)
    if not _class_targets("nll_loss", log_probs, target):
        raise TypeError("nll_loss: target must be class indices of shape (N,)")
    t = _array(target)
    losses = -log_probs[np.arange(len(t)), t]  # getitem moves host indices to the device
    return _reduce(losses, reduction, len(t))


class BinaryCrossEntropy(Function):
    """f = -(y log p + (1 - y) log(1 - p)), each log clamped at -100 (as PyTorch does);
    gp = g (p - y) / max(p (1 - p), 1e-12)."""

    @staticmethod
    def forward(ctx, p, y):
        xp = get_array_module(p)
        with np.errstate(divide="ignore"):
            log_p = xp.maximum(xp.log(p), -100)
            log_q = xp.maximum(xp.log1p(-p), -100)
        ctx.save_for_backward(p, y)
        return -(y * log_p + (1 - y) * log_q)

    @staticmethod
    def backward(ctx, g):
        p, y = ctx.saved_tensors
        xp = get_array_module(p)
        gp = g * (p - y) / xp.maximum(p * (1 - p), 1e-12)
        gy = None
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                gy = -g * (xp.maximum(xp.log(p), -100) - xp.maximum(xp.log1p(-p), -100))
        return gp, gy


def _same_shape(op, a, b):
    if _array(a).shape != _array(b).shape:
        raise ValueError(f"{op}: input of shape {_array(a).shape} and target of shape "
                         f"{_array(b).shape} must have the same shape")


def binary_cross_entropy(p, y, reduction="mean"):
    """Cross-entropy of probabilities ``p`` in [0, 1] against labels ``y`` in [0, 1]."""
    _check_reduction("binary_cross_entropy", reduction)
    _same_shape("binary_cross_entropy", p, y)
    data = _array(p)
    xp = get_array_module(data)
    if data.size and (xp.nanmin(data) < 0 or xp.nanmax(data) > 1 or xp.isnan(data).any()):
        raise ValueError(
            f"binary_cross_entropy: probabilities must lie in [0, 1], got values from "
            f"{float(xp.nanmin(data)):.4g} to {float(xp.nanmax(data)):.4g}. If these are "
            "scores (logits), use binary_cross_entropy_with_logits.")
    losses = BinaryCrossEntropy.apply(p, _float(y))
    return _reduce_elementwise(losses, reduction)


class BinaryCrossEntropyWithLogits(Function):
    """f = max(z, 0) - z y + log(1 + exp(-abs(z)))  (stable);  gz = g (sigmoid(z) - y)."""

    @staticmethod
    def forward(ctx, z, y):
        xp = get_array_module(z)
        ctx.save_for_backward(z, y)
        return xp.maximum(z, 0) - z * y + xp.log1p(xp.exp(-xp.abs(z)))

    @staticmethod
    def backward(ctx, g):
        z, y = ctx.saved_tensors
        xp = get_array_module(z)
        e = xp.exp(-xp.abs(z))
        sig = xp.where(z >= 0, 1 / (1 + e), e / (1 + e))
        gy = -g * z if ctx.needs_input_grad[1] else None
        return g * (sig - y), gy


def binary_cross_entropy_with_logits(z, y, reduction="mean"):
    """Binary cross-entropy of scores ``z`` (before the sigmoid): stable for any z."""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    _same_shape("binary_cross_entropy_with_logits", z, y)
    losses = BinaryCrossEntropyWithLogits.apply(z, _float(y))
    return _reduce_elementwise(losses, reduction)


def mse_loss(pred, target, reduction="mean"):
    """Mean (or sum) of squared differences."""
    _check_reduction("mse_loss", reduction)
    _same_shape("mse_loss", pred, target)
    diff = pred - target
    return _reduce_elementwise(diff * diff, reduction)


def _float(y):
    """Labels as floats (integer label arrays are fine for the binary losses)."""
    if isinstance(y, Tensor):
        return y if np.issubdtype(y.dtype, np.floating) else Tensor._make(y.data.astype(np.float64))
    y = _array(y)
    return y if np.issubdtype(y.dtype, np.floating) else y.astype(np.float64)


def _reduce_elementwise(losses, reduction):
    if reduction == "mean":
        return mean(losses)
    if reduction == "sum":
        return losses.sum()
    return losses


# -- helpers -------------------------------------------------------------------------

def one_hot(y, num_classes):
    """Rows of zeros with a 1 at each class index: shape ``(N, num_classes)``."""
    y = _array(y)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"one_hot: class indices must be integers, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise IndexError(f"one_hot: class indices must lie in [0, {num_classes - 1}], got "
                         f"values from {int(y.min())} to {int(y.max())}")
    return Tensor._make(backend.on_default_device(get_array_module(y).eye(num_classes)[y]))


def accuracy(scores, y, threshold=None):
    """Fraction of correct predictions, as a float.

    ``scores`` of shape ``(N, C)`` (logits or probabilities) predict their argmax.
    Shape ``(N,)`` predicts class 1 where the value exceeds ``threshold``: give 0
    for logits and 0.5 for probabilities; left as ``None``, it is 0.5 when every
    value lies in [0, 1] and 0 otherwise.
    """
    s, y = _array(scores), _array(y)
    if s.ndim == 2:
        predicted = s.argmax(axis=1)
    elif s.ndim == 1:
        if threshold is None:
            threshold = 0.5 if s.size and s.min() >= 0 and s.max() <= 1 else 0.0
        predicted = (s > threshold).astype(np.int64)
    else:
        raise ValueError(f"accuracy: expected scores of shape (N, C) or (N,), got {s.shape}")
    if predicted.shape != y.shape:
        raise ValueError(f"accuracy: {len(predicted)} predictions but labels of shape {y.shape}")
    # compared on the host: predictions and labels may live on different devices
    predicted, y = backend.asnumpy(predicted), backend.asnumpy(y)
    return float((predicted == y).mean())  # of no predictions: nan, with NumPy's warning


def embedding(indices, weight):
    """Rows of ``weight`` (num_embeddings, dim) picked by integer ``indices`` of any shape:
    a gather, whose gradient adds each output row back into its row of ``weight``
    (repeated indices add up)."""
    data = _array(indices)
    if not np.issubdtype(data.dtype, np.integer):
        raise TypeError(f"embedding: indices must be integers, got dtype {data.dtype}")
    n = _array(weight).shape[0]
    if data.size:
        low, high = int(data.min()), int(data.max())
        if low < 0 or high >= n:
            raise IndexError(f"embedding: index {high if high >= n else low} is out of range "
                             f"for {n} embeddings (indices of shape {data.shape})")
    return weight[data]
