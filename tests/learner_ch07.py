"""Plausible wrong answers to the exercises of Chapter 7, each with the words of the hint
its check must give."""

import numpy as np

from minigrad import backend
from minigrad.autograd import Function
from minigrad.exercises.ch07 import col2im, im2col


def _im2col_kernel_first(x, kh, kw, stride=1):
    n, c, h, w = x.shape
    windows = backend.sliding_windows(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    ho, wo = windows.shape[2:4]
    return windows.transpose(0, 2, 3, 4, 5, 1).reshape(n * ho * wo, c * kh * kw)


def _im2col_ignoring_stride(x, kh, kw, stride=1):
    return im2col(x, kh, kw)


def _conv(channels_last=False, assign=False, untransposed_g=False, skip_returns_one=False):
    """A learner's Conv Function, with one possible slip."""

    def scatter(cols, x_shape, kh, kw, stride):
        if not assign:
            return col2im(cols, x_shape, kh, kw, stride)
        n, c, h, w = x_shape
        ho, wo = (h - kh) // stride + 1, (w - kw) // stride + 1
        patches = cols.reshape(n, ho, wo, c, kh, kw).transpose(0, 3, 1, 2, 4, 5)
        grad = np.zeros(x_shape)
        for p in range(kh):
            for q in range(kw):
                grad[:, :, p:p + stride * (ho - 1) + 1:stride,
                     q:q + stride * (wo - 1) + 1:stride] = patches[..., p, q]
        return grad

    class Conv(Function):
        @staticmethod
        def forward(ctx, x, w, stride=1):
            o, c, kh, kw = w.shape
            n, _, h, wd = x.shape
            ho, wo = (h - kh) // stride + 1, (wd - kw) // stride + 1
            cols = im2col(x, kh, kw, stride)
            ctx.save_for_backward(cols, w)
            ctx.x_shape, ctx.stride = x.shape, stride
            rows = cols @ w.reshape(o, -1).T
            if channels_last:
                return rows.reshape(n, o, ho, wo)
            return rows.reshape(n, ho, wo, o).transpose(0, 3, 1, 2)

        @staticmethod
        def backward(ctx, g):
            cols, w = ctx.saved_tensors
            o, _, kh, kw = w.shape
            g_rows = g.reshape(-1, o) if untransposed_g else g.transpose(0, 2, 3, 1).reshape(-1, o)
            gw = (g_rows.T @ cols).reshape(w.shape)
            if skip_returns_one and not ctx.needs_input_grad[0]:
                return gw
            return scatter(g_rows @ w.reshape(o, -1), ctx.x_shape, kh, kw, ctx.stride), gw

    return Conv


def _pool(route_to_all=False, no_sharing=False, first_winner=False, fixed_k=None):
    """A learner's MaxPool Function, with one possible slip."""

    class MaxPool(Function):
        @staticmethod
        def forward(ctx, x, k=2):
            k = fixed_k or k
            n, c, h, w = x.shape
            blocks = x.reshape(n, c, h // k, k, w // k, k)
            out = blocks.max(axis=(3, 5))
            winners = blocks == out[:, :, :, None, :, None]
            if first_winner:  # np.argmax's choice: one winner per block
                flat = blocks.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // k, w // k, k * k)
                first = np.zeros_like(flat, dtype=bool)
                np.put_along_axis(first, flat.argmax(axis=-1)[..., None], True, axis=-1)
                winners = first.reshape(n, c, h // k, w // k, k, k).transpose(0, 1, 2, 4, 3, 5)
            ctx.save_for_backward(winners)
            return out

        @staticmethod
        def backward(ctx, g):
            (winners,) = ctx.saved_tensors
            n, c, rows, k, columns, _ = winners.shape
            if route_to_all:
                shares = np.ones(winners.shape)
            elif no_sharing:
                shares = winners.astype(float)
            else:
                shares = winners / winners.sum(axis=(3, 5), keepdims=True)
            return (shares * g[:, :, :, None, :, None]).reshape(n, c, rows * k, columns * k)

    return MaxPool


def _conv1x1_scrambled(x, w):
    n, c, h, wd = x.shape
    o = w.shape[0]
    return (x.reshape(n * h * wd, c) @ w.reshape(o, c).T).reshape(n, o, h, wd)


WRONG = [
    ("7.1", lambda size, kernel, stride=1, padding=0, dilation=1:
        (size + padding - dilation * (kernel - 1) - 1) // stride + 1, "both* sides"),
    ("7.1", lambda size, kernel, stride=1, padding=0, dilation=1:
        (size + 2 * padding - kernel) / stride + 1, "return a Python int"),
    ("7.1", lambda size, kernel, stride=1, padding=0, dilation=1:
        (size + 2 * padding - kernel) // stride + 1, "d·(k - 1) + 1"),
    ("7.1", lambda size, kernel, stride=1, padding=0, dilation=1:
        (size + 2 * padding - dilation * (kernel - 1)) // stride, "add 1 afterwards"),
    ("7.1", lambda size, kernel, stride=1, padding=0, dilation=1:
        round((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1, "not rounding"),
    ("7.2", _im2col_kernel_first, "wrong order"),
    ("7.2", _im2col_ignoring_stride, "every stride-th window"),
    ("7.3", _conv(channels_last=True), "transpose(0, 3, 1, 2)"),
    ("7.3", _conv(assign=True), "with +="),
    ("7.3", _conv(untransposed_g=True), "g_rowsᵀ @ cols"),
    ("7.3", _conv(skip_returns_one=True), "return (None, gw)"),
    ("7.4", _pool(route_to_all=True), "only the winner"),
    ("7.4", _pool(no_sharing=True), "share the gradient"),
    ("7.4", _pool(first_winner=True), "share the gradient"),
    ("7.4", _pool(fixed_k=2), "use k"),
    ("7.5", _conv1x1_scrambled, "scrambles pixels and channels"),
    ("7.5", lambda x, w: (w.squeeze() @ x.reshape(x.shape[0], x.shape[1], -1)).reshape(
        x.shape[0], w.shape[0], *x.shape[2:]), "not w.squeeze()"),
    ("7.5", lambda x, w: (w.reshape(w.shape[1], w.shape[0]).T @ x.reshape(
        x.shape[0], x.shape[1], -1)).reshape(x.shape[0], w.shape[0], *x.shape[2:]),
     "mix the channels"),
    ("7.6", lambda c, o, k, size: (o * c * k * k, 2 * c * k * k * o * size * size), "not 150"),
    ("7.6", lambda c, o, k, size: (o * (c * k * k + 1), c * k * k * o * size * size),
     "2 operations per term"),
    ("7.6", lambda c, o, k, size: (o * (c * k * k + 1), 2 * k * k * o * size * size),
     "the input channels count too"),
]
