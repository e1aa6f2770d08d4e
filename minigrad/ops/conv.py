"""Chapter 7: convolution and pooling on images (N, C, H, W).

A 2-D convolution slides a kernel ``w`` of shape (O, C, kh, kw) over the
(padded) input and takes a dot product at every position:

    f[n, o, i, j] = Σ_c Σ_p Σ_q x[n, c, i·s + p·d, j·s + q·d] · w[o, c, p, q]

(stride ``s``, dilation ``d``). Gathering every patch the kernel sees into
the columns of one matrix (*im2col*, here a strided view, so nothing is copied
until the product) turns the whole convolution into a single matrix product.
The VJP follows from the sum: ``gw`` is the same product with ``g`` in place of
``w``, and ``gx`` sends each patch's gradient back to the pixels it was read
from, adding where patches overlap (*col2im*, the scatter-add partner of the
gather). Pooling reduces each patch instead: ``max`` sends the gradient to the
pixel that won (ties share it, as for ``max``), ``avg`` spreads it evenly.
"""

import numbers

import numpy as np

from minigrad import backend
from minigrad.autograd import Function
from minigrad.backend import get_array_module
from minigrad.ops.shape import reshape


def _pair(value, name, op, minimum):
    """``value`` as a pair of ints (an int stands for both), each at least ``minimum``."""
    pair = (value, value) if isinstance(value, numbers.Integral) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, numbers.Integral) and v >= minimum for v in pair):
        raise ValueError(f"{op}: {name} must be an int >= {minimum} or a pair of them, "
                         f"got {value!r}")
    return tuple(int(v) for v in pair)


def _output_size(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _pad(x, padding, value=0):
    """``x`` (N, C, H, W) padded by ``padding`` = (ph, pw) on both sides of H and W."""
    ph, pw = padding
    if not ph and not pw:
        return x
    return get_array_module(x).pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)),
                                   constant_values=value)


def _patches(x, kernel, stride, dilation):
    """Every patch the kernel reads, as a view of shape (N, C, Ho, Wo, kh, kw)."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    windows = backend.sliding_windows(x, span, axis=(2, 3))
    return windows[:, :, ::sh, ::sw, ::dh, ::dw]


def _scatter_patches(grad_patches, shape, stride, dilation):
    """col2im: add each patch's gradient (N, C, Ho, Wo, kh, kw) back into an input of
    ``shape``, where the patches overlap too. One slice per kernel position, not a
    loop over pixels."""
    n, c, ho, wo, kh, kw = grad_patches.shape
    (sh, sw), (dh, dw) = stride, dilation
    grad = get_array_module(grad_patches).zeros(shape, dtype=grad_patches.dtype)
    for p in range(kh):
        for q in range(kw):
            grad[:, :, p * dh: p * dh + sh * (ho - 1) + 1: sh,
                 q * dw: q * dw + sw * (wo - 1) + 1: sw] += grad_patches[:, :, :, :, p, q]
    return grad


def _gathered_patches(x, kernel, stride, padding, dilation, value=0.0):
    """Every patch, (N, C, Ho, Wo, kh, kw), gathered from a tensor by primitives (pad, then
    one indexing), so that a recorded backward can differentiate it: the composites'
    im2col (the view of :func:`_patches` cannot record)."""
    from minigrad.ops.shape import pad

    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    x = pad(x, (pw, pw, ph, ph), value) if ph or pw else x
    ho = _output_size(x.shape[2], kh, sh, 0, dh)
    wo = _output_size(x.shape[3], kw, sw, 0, dw)
    rows = (np.arange(ho) * sh)[:, None] + np.arange(kh) * dh  # (Ho, kh)
    cols = (np.arange(wo) * sw)[:, None] + np.arange(kw) * dw  # (Wo, kw)
    return x[:, :, rows[:, None, :, None], cols[None, :, None, :]]


def _check_images(op, x):
    if getattr(x, "ndim", 0) != 4:
        raise ValueError(f"{op}: expected images of shape (N, C, H, W), got shape "
                         f"{getattr(x, 'shape', ())}; add the batch axis with x[None] for one image")


def _check_fits(op, x, kernel, padding, dilation):
    for size, k, p, d, axis in zip(x.shape[2:], kernel, padding, dilation, "HW"):
        if d * (k - 1) + 1 > size + 2 * p:
            raise ValueError(f"{op}: the kernel spans {d * (k - 1) + 1} pixels along {axis} "
                             f"but the padded input has only {size + 2 * p} (input shape "
                             f"{x.shape}, kernel {kernel}, padding {padding}, dilation {dilation})")


class Conv2d(Function):
    """f = conv2d(x, w);  gx = col2im(g · w),  gw = Σ_{n,i,j} g · patches(x).

    x: (N, C, H, W), w: (O, C, kh, kw), f: (N, O, Ho, Wo). Forward copies the
    patches once into the im2col matrix (N·Ho·Wo, C·kh·kw) and multiplies it by
    the flattened kernels; the matrix is kept for ``gw`` (kh·kw times the input's
    memory, traded for not gathering the patches again: measured, the LeNet step
    went from 1.46 to about 1.1 times a hand-written NumPy step). ``gx`` scatters
    the patches' gradients back with col2im.
    """

    @staticmethod
    def forward(ctx, x, w, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
        _check_images("conv2d", x)
        if getattr(w, "ndim", 0) != 4:
            raise ValueError(f"conv2d: expected a weight of shape (O, C, kh, kw), got shape "
                             f"{getattr(w, 'shape', ())}")
        if x.shape[1] != w.shape[1]:
            hint = (" The input looks like NHWC (channels last): minigrad, like PyTorch, wants "
                    "NCHW; use x.transpose(0, 3, 1, 2)." if x.shape[-1] == w.shape[1] else "")
            raise ValueError(f"conv2d: the input has {x.shape[1]} channels (shape {x.shape}) but "
                             f"the weight expects {w.shape[1]} (shape {w.shape}).{hint}")
        _check_fits("conv2d", x, w.shape[2:], padding, dilation)
        patches = _patches(_pad(x, padding), w.shape[2:], stride, dilation)
        n, c, ho, wo, kh, kw = patches.shape
        cols = patches.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * kh * kw)
        ctx.save_for_backward(cols, w)
        ctx.x_shape, ctx.stride, ctx.padding, ctx.dilation = x.shape, stride, padding, dilation
        out = cols @ w.reshape(w.shape[0], -1).T  # (N·Ho·Wo, O)
        return out.reshape(n, ho, wo, -1).transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, g):
        cols, w = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad
        o, c, kh, kw = w.shape
        n, _, ho, wo = g.shape
        g_rows = g.transpose(0, 2, 3, 1).reshape(n * ho * wo, o)
        gx = gw = None
        if need_w:
            gw = (g_rows.T @ cols).reshape(w.shape)
        if need_x:
            grad_patches = (g_rows @ w.reshape(o, -1)).reshape(n, ho, wo, c, kh, kw)
            (ph, pw), (h, wd) = ctx.padding, ctx.x_shape[2:]
            padded = _scatter_patches(grad_patches.transpose(0, 3, 1, 2, 4, 5),
                                      (n, c, h + 2 * ph, wd + 2 * pw), ctx.stride, ctx.dilation)
            gx = padded[:, :, ph: ph + h, pw: pw + wd]
        return gx, gw

    @staticmethod
    def composite(x, w, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
        """The same convolution from primitives (a gather, a matrix product), which a
        recorded backward differentiates (Chapter 8)."""
        patches = _gathered_patches(x, w.shape[2:], stride, padding, dilation)
        n, c, ho, wo, kh, kw = patches.shape
        cols = patches.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * kh * kw)
        out = cols @ w.reshape(w.shape[0], -1).T
        return out.reshape(n, ho, wo, -1).transpose(0, 3, 1, 2)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """2-D convolution of images ``x`` (N, C, H, W) with ``weight`` (O, C, kh, kw),
    plus ``bias`` (O,) for each output channel; PyTorch's arguments."""
    out = Conv2d.apply(x, weight, stride=_pair(stride, "stride", "conv2d", 1),
                       padding=_pair(padding, "padding", "conv2d", 0),
                       dilation=_pair(dilation, "dilation", "conv2d", 1))
    return out if bias is None else out + reshape(bias, (1, -1, 1, 1))


class MaxPool2d(Function):
    """f = max of each patch;  gx = g at the patch's maximum (ties share it), added up
    where patches overlap."""

    @staticmethod
    def composite(x, kernel=(2, 2), stride=(2, 2), padding=(0, 0)):
        """The same pooling from primitives, for a recorded backward (Chapter 8)."""
        return _gathered_patches(x, kernel, stride, padding, (1, 1), -np.inf).max(axis=(4, 5))

    @staticmethod
    def forward(ctx, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0)):
        _check_images("max_pool2d", x)
        _check_fits("max_pool2d", x, kernel, padding, (1, 1))
        for k, p in zip(kernel, padding):
            if p > k // 2:
                raise ValueError(f"max_pool2d: padding {padding} must be at most half the "
                                 f"kernel {kernel}")
        patches = _patches(_pad(x, padding, -np.inf), kernel, stride, (1, 1))
        out = patches.max(axis=(4, 5))
        ctx.save_for_backward(x, out)
        ctx.kernel, ctx.stride, ctx.padding = kernel, stride, padding
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        xp = get_array_module(x)
        patches = _patches(_pad(x, ctx.padding, -np.inf), ctx.kernel, ctx.stride, (1, 1))
        best = out[..., None, None]
        picked = (patches == best) | (xp.isnan(patches) & xp.isnan(best))
        shares = picked * (g / picked.sum(axis=(4, 5)))[..., None, None]
        (ph, pw), (n, c, h, w) = ctx.padding, x.shape
        padded = _scatter_patches(shares.astype(g.dtype, copy=False),
                                  (n, c, h + 2 * ph, w + 2 * pw), ctx.stride, (1, 1))
        return padded[:, :, ph: ph + h, pw: pw + w]


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """The largest value of each ``kernel_size`` patch; ``stride`` defaults to the kernel."""
    kernel = _pair(kernel_size, "kernel_size", "max_pool2d", 1)
    stride = kernel if stride is None else _pair(stride, "stride", "max_pool2d", 1)
    return MaxPool2d.apply(x, kernel=kernel, stride=stride,
                           padding=_pair(padding, "padding", "max_pool2d", 0))


class AvgPool2d(Function):
    """f = mean of each patch (padding counts as zeros);  gx = g / (kh kw) to every pixel
    of the patch, added up where patches overlap."""

    @staticmethod
    def composite(x, kernel=(2, 2), stride=(2, 2), padding=(0, 0)):
        """The same pooling from primitives, for a recorded backward (Chapter 8)."""
        return _gathered_patches(x, kernel, stride, padding, (1, 1)).mean(axis=(4, 5))

    @staticmethod
    def forward(ctx, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0)):
        _check_images("avg_pool2d", x)
        _check_fits("avg_pool2d", x, kernel, padding, (1, 1))
        patches = _patches(_pad(x, padding), kernel, stride, (1, 1))
        ctx.shape, ctx.kernel, ctx.stride, ctx.padding = x.shape, kernel, stride, padding
        return patches.mean(axis=(4, 5))

    @staticmethod
    def backward(ctx, g):
        xp = get_array_module(g)
        (kh, kw), (ph, pw), (n, c, h, w) = ctx.kernel, ctx.padding, ctx.shape
        spread = xp.broadcast_to((g / (kh * kw))[..., None, None], g.shape + (kh, kw))
        padded = _scatter_patches(spread, (n, c, h + 2 * ph, w + 2 * pw), ctx.stride, (1, 1))
        return padded[:, :, ph: ph + h, pw: pw + w]


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """The mean of each ``kernel_size`` patch; ``stride`` defaults to the kernel."""
    kernel = _pair(kernel_size, "kernel_size", "avg_pool2d", 1)
    stride = kernel if stride is None else _pair(stride, "stride", "avg_pool2d", 1)
    return AvgPool2d.apply(x, kernel=kernel, stride=stride,
                           padding=_pair(padding, "padding", "avg_pool2d", 0))
