"""The convolution benchmarks' baseline: a convolution layer and LeNet-5 written by hand in
NumPy (im2col from a strided view and one matrix product forward, col2im backward, as a
careful NumPy programmer would write them), no autograd."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_forward(x, w, b, padding):
    """Convolution of x (N, C, H, W) with w (O, C, k, k), stride 1; returns (out, cache)."""
    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, c, h, wd = x.shape
    o, _, k, _ = w.shape
    ho, wo = h - k + 1, wd - k + 1
    cols = sliding_window_view(x, (k, k), axis=(2, 3)).transpose(0, 2, 3, 1, 4, 5)
    cols = cols.reshape(n * ho * wo, c * k * k)
    out = cols @ w.reshape(o, -1).T + b
    return out.reshape(n, ho, wo, o).transpose(0, 3, 1, 2), (cols, x.shape, padding)


def conv_backward(g, w, cache, need_input=True):
    """(gx, gw, gb) of conv_forward, gx None unless need_input."""
    cols, padded_shape, padding = cache
    o, c, k, _ = w.shape
    g_rows = g.transpose(0, 2, 3, 1).reshape(-1, o)
    gw = (g_rows.T @ cols).reshape(w.shape)
    gb = g_rows.sum(axis=0)
    if not need_input:
        return None, gw, gb
    n, _, h, wd = padded_shape
    ho, wo = h - k + 1, wd - k + 1
    patches = (g_rows @ w.reshape(o, -1)).reshape(n, ho, wo, c, k, k).transpose(0, 3, 1, 2, 4, 5)
    gx = np.zeros(padded_shape, dtype=g.dtype)
    for p in range(k):
        for q in range(k):
            gx[:, :, p:p + ho, q:q + wo] += patches[..., p, q]
    if padding:
        gx = gx[:, :, padding:-padding, padding:-padding]
    return gx, gw, gb


def pool_forward(x):
    """2 x 2 max pooling, stride 2; ties share the gradient, as in minigrad."""
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = blocks.max(axis=(3, 5))
    winners = blocks == out[:, :, :, None, :, None]
    return out, winners


def pool_backward(g, winners):
    n, c, h2, _, w2, _ = winners.shape
    shares = (winners / winners.sum(axis=(3, 5), keepdims=True)).astype(g.dtype)
    return (shares * g[:, :, :, None, :, None]).reshape(n, c, 2 * h2, 2 * w2)


class NumpyLeNet:
    """LeNet-5 (conv 1→6 5x5 pad 2, pool, conv 6→16 5x5, pool, 400-120-84-10, ReLU),
    one SGD step of cross-entropy at a time."""

    def __init__(self, params):
        self.params = [p.copy() for p in params]  # w1, b1, w2, b2, W3, b3, W4, b4, W5, b5

    def step(self, X, y, lr):
        w1, b1, w2, b2, W3, b3, W4, b4, W5, b5 = self.params
        z1, c1 = conv_forward(X, w1, b1, 2)
        a1 = np.maximum(z1, 0)
        p1, m1 = pool_forward(a1)
        z2, c2 = conv_forward(p1, w2, b2, 0)
        a2 = np.maximum(z2, 0)
        p2, m2 = pool_forward(a2)
        f = p2.reshape(len(X), -1)
        h3 = np.maximum(f @ W3.T + b3, 0)
        h4 = np.maximum(h3 @ W4.T + b4, 0)
        z = h4 @ W5.T + b5
        e = np.exp(z - z.max(axis=1, keepdims=True))
        g = e / e.sum(axis=1, keepdims=True)
        g[np.arange(len(y)), y] -= 1
        g /= len(y)
        gW5, gb5 = g.T @ h4, g.sum(axis=0)
        g = (g @ W5) * (h4 > 0)
        gW4, gb4 = g.T @ h3, g.sum(axis=0)
        g = (g @ W4) * (h3 > 0)
        gW3, gb3 = g.T @ f, g.sum(axis=0)
        g = (g @ W3).reshape(p2.shape)
        g = pool_backward(g, m2) * (z2 > 0)
        g, gw2, gb2 = conv_backward(g, w2, c2)
        g = pool_backward(g, m1) * (z1 > 0)
        _, gw1, gb1 = conv_backward(g, w1, c1, need_input=False)
        for p, gp in zip(self.params, (gw1, gb1, gw2, gb2, gW3, gb3, gW4, gb4, gW5, gb5)):
            p -= lr * gp
