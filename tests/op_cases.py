"""One table of operation cases, shared by the tests of every chapter.

Each case names a minigrad function of tensors, the NumPy function it must
agree with, the input shapes to try, where its inputs may lie, (when it
exists) the same function in PyTorch, and the chapter that introduces it.
``tests/test_ops.py`` runs every case; every primitive must appear in one.
"""

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad.backend import asnumpy as host

# Broadcastable shape pairs: scalar, vectors, rows, columns, rank expansion.
SHAPE_PAIRS = [
    ((), ()), ((), (4,)), ((4,), ()), ((4,), (4,)), ((3, 4), (4,)), ((4,), (3, 4)),
    ((3, 4), (1, 4)), ((3, 4), (3, 1)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 4)),
    ((2, 3, 4), (2, 1, 4)), ((2, 1, 4), (3, 1)), ((3, 4), (2, 3, 4)), ((1,), (2, 3, 4)),
]
UNARY_SHAPES = [(), (4,), (3, 4), (2, 3, 4)]


def values(shape, domain, rng):
    """Float64 test inputs of ``shape`` inside ``domain``."""
    x = rng.standard_normal(shape)
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "away_from_zero":  # kinks (relu, abs) and poles (division) at 0
        return np.sign(x + (x == 0)) * (0.3 + np.abs(x))
    if domain == "unit":
        return rng.uniform(-0.9, 0.9, shape)
    if domain == "probability":
        return rng.uniform(0.1, 0.9, shape)
    return x


@dataclass
class OpCase:
    name: str
    fn: Callable                      # minigrad: tensors -> tensor
    ref: Callable                     # numpy: arrays -> array
    shapes: list                      # one tuple of input shapes per trial
    domains: tuple = ("real",)        # one per input
    torch: Optional[Callable] = None  # torch: tensors -> tensor
    chapter: str = "ch02"             # the pytest marker of the chapter that teaches it
    rtol: float = 1e-12               # forward agreement with NumPy (0: exactly equal)
    grad_rtol: float = 1e-10          # gradient agreement with PyTorch

    def inputs(self, shapes, seed=0):
        rng = np.random.default_rng(seed)
        domains = self.domains * len(shapes) if len(self.domains) == 1 else self.domains
        return [values(s, d, rng) for s, d in zip(shapes, domains)]


def _unary(name, fn, ref, torch=None, domain="real"):
    return OpCase(name, fn, ref, [(s,) for s in UNARY_SHAPES], (domain,), torch)


def _binary(name, fn, ref, torch=None, domains=("real", "real")):
    return OpCase(name, fn, ref, SHAPE_PAIRS, domains, torch)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


ELEMENTWISE = [
    _binary("add", lambda a, b: a + b, np.add, lambda a, b: a + b),
    _binary("sub", lambda a, b: a - b, np.subtract, lambda a, b: a - b),
    _binary("mul", lambda a, b: a * b, np.multiply, lambda a, b: a * b),
    _binary("div", lambda a, b: a / b, np.divide, lambda a, b: a / b,
            domains=("real", "away_from_zero")),
    _binary("pow", lambda a, b: a ** b, np.power, lambda a, b: a ** b,
            domains=("positive", "real")),
    _binary("maximum", mg.maximum, np.maximum, lambda a, b: a.maximum(b)),
    _binary("minimum", mg.minimum, np.minimum, lambda a, b: a.minimum(b)),
    _binary("where", lambda a, b: mg.where(a.data > 0, a, b), lambda a, b: np.where(a > 0, a, b),
            lambda a, b: a.where(a > 0, b)),
    _unary("neg", lambda a: -a, np.negative, lambda a: -a),
    _unary("exp", mg.exp, np.exp, lambda a: a.exp()),
    _unary("log", mg.log, np.log, lambda a: a.log(), domain="positive"),
    _unary("sqrt", mg.sqrt, np.sqrt, lambda a: a.sqrt(), domain="positive"),
    _unary("abs", mg.abs, np.abs, lambda a: a.abs(), domain="away_from_zero"),
    _unary("tanh", mg.tanh, np.tanh, lambda a: a.tanh()),
    _unary("sigmoid", mg.sigmoid, _sigmoid, lambda a: a.sigmoid()),
    _unary("relu", mg.relu, lambda a: np.maximum(a, 0), lambda a: a.relu(),
           domain="away_from_zero"),
    _unary("leaky_relu", lambda a: mg.leaky_relu(a, 0.1), lambda a: np.where(a > 0, a, 0.1 * a),
           None, domain="away_from_zero"),
    _unary("sin", mg.sin, np.sin, lambda a: a.sin()),
    _unary("cos", mg.cos, np.cos, lambda a: a.cos()),
    _unary("square", mg.square, np.square, lambda a: a * a),
    _unary("pow_number", lambda a: a ** 3, lambda a: a ** 3, lambda a: a ** 3),
    _unary("rpow", lambda a: 2.0 ** a, lambda a: 2.0 ** a, lambda a: 2.0 ** a),
    _unary("rsub", lambda a: 1.5 - a, lambda a: 1.5 - a, lambda a: 1.5 - a),
    _unary("rtruediv", lambda a: 1.5 / a, lambda a: 1.5 / a, lambda a: 1.5 / a,
           domain="away_from_zero"),
    _unary("clip", lambda a: mg.clip(a, -0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5),
           lambda a: a.clamp(-0.5, 0.5)),
]


def _reduction(name, fn, ref, torch_name=None):
    cases = []
    for axis in (None, 0, 1, -1, (0, 2)):
        for keepdims in (False, True):
            torch = None
            if torch_name:
                def torch(a, axis=axis, keepdims=keepdims):
                    dim = tuple(range(a.ndim)) if axis is None else axis
                    if torch_name == "var":
                        return a.var(dim=dim, keepdim=keepdims, unbiased=False)
                    return getattr(a, torch_name)(dim=dim, keepdim=keepdims)
            cases.append(OpCase(
                f"{name}-axis{axis}-keep{keepdims}",
                lambda a, axis=axis, keepdims=keepdims: fn(a, axis=axis, keepdims=keepdims),
                lambda a, axis=axis, keepdims=keepdims: ref(a, axis=axis, keepdims=keepdims),
                [((2, 3, 4),)], ("real",), torch))
    return cases


REDUCTIONS = (_reduction("sum", mg.sum, np.sum, "sum") + _reduction("mean", mg.mean, np.mean, "mean")
              + _reduction("var", mg.var, np.var, "var") + _reduction("max", mg.max, np.max, "amax")
              + _reduction("min", mg.min, np.min, "amin"))

MATMUL_SHAPES = [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 2)), ((3, 4), (4, 2)),
                 ((2, 3, 4), (4, 2)), ((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)),
                 ((4,), (2, 4, 3)), ((2, 3, 4), (4,))]
LINALG = [OpCase("matmul", lambda a, b: a @ b, np.matmul, MATMUL_SHAPES, ("real", "real"),
                 lambda a, b: a @ b)]

X234 = [((2, 3, 4),)]


def _scatter_reference(g):
    out = np.zeros((2, 5))
    np.add.at(out, (slice(None), np.array([0, 2, 2])), g)
    return out


def _torch_index(index):
    import torch

    return torch.tensor(index)


_SHAPES = [
    OpCase("reshape", lambda a: a.reshape(4, -1), lambda a: a.reshape(4, -1), X234, ("real",),
           lambda a: a.reshape(4, -1)),
    OpCase("transpose", lambda a: a.transpose(2, 0, 1), lambda a: a.transpose(2, 0, 1), X234,
           ("real",), lambda a: a.permute(2, 0, 1)),
    OpCase("T", lambda a: a.T, lambda a: a.T, [((3, 4),)], ("real",), lambda a: a.T),
    OpCase("flatten", lambda a: a.flatten(1), lambda a: a.reshape(2, -1), X234, ("real",),
           lambda a: a.flatten(1)),
    OpCase("squeeze", lambda a: a.squeeze(), np.squeeze, [((1, 3, 1, 4),)], ("real",),
           lambda a: a.squeeze()),
    OpCase("unsqueeze", lambda a: a.unsqueeze(1), lambda a: np.expand_dims(a, 1), [((3, 4),)],
           ("real",), lambda a: a.unsqueeze(1)),
    OpCase("broadcast_to", lambda a: a.broadcast_to((2, 3, 4)),
           lambda a: np.broadcast_to(a, (2, 3, 4)), [((3, 1),), ((4,),), ((),)], ("real",),
           lambda a: a.broadcast_to((2, 3, 4))),
    OpCase("repeat", lambda a: a.repeat(2, axis=1), lambda a: np.repeat(a, 2, axis=1),
           [((3, 4),)], ("real",), lambda a: a.repeat_interleave(2, dim=1)),
    OpCase("repeat_flat", lambda a: a.repeat([1, 0, 2]), lambda a: np.repeat(a, [1, 0, 2]),
           [((3,),)], ("real",)),
    OpCase("tile", lambda a: a.tile((2, 1, 3)), lambda a: np.tile(a, (2, 1, 3)), [((3, 4),)],
           ("real",), lambda a: a.tile((2, 1, 3))),
    OpCase("concatenate", lambda a, b: mg.concatenate([a, b, a], axis=1),
           lambda a, b: np.concatenate([a, b, a], axis=1), [((2, 3), (2, 1))], ("real", "real"),
           None),
    OpCase("stack", lambda a, b: mg.stack([a, b], axis=-1), lambda a, b: np.stack([a, b], axis=-1),
           [((2, 3), (2, 3))], ("real", "real"), None),
    OpCase("split", lambda a: mg.stack(mg.split(a, 2, axis=1)[::-1]),
           lambda a: np.stack(np.split(a, 2, axis=1)[::-1]), [((3, 4),)], ("real",)),
    OpCase("getitem_slice", lambda a: a[1:, ::2], lambda a: a[1:, ::2], X234, ("real",),
           lambda a: a[1:, ::2]),
    OpCase("getitem_int", lambda a: a[1, :, -1], lambda a: a[1, :, -1], X234, ("real",),
           lambda a: a[1, :, -1]),
    OpCase("getitem_repeated", lambda a: a[[0, 2, 0, 0]], lambda a: a[[0, 2, 0, 0]],
           [((3, 4),)], ("real",), lambda a: a[[0, 2, 0, 0]]),
    OpCase("getitem_pairs", lambda a: a[[0, 1, 1], [2, 2, 2]], lambda a: a[[0, 1, 1], [2, 2, 2]],
           [((3, 4),)], ("real",), lambda a: a[[0, 1, 1], [2, 2, 2]]),
    OpCase("getitem_mask", lambda a: a[a.data > 0], lambda a: a[a > 0], X234, ("real",), None),
    OpCase("getitem_newaxis", lambda a: a[None, ..., 0], lambda a: a[None, ..., 0], X234,
           ("real",), lambda a: a[None, ..., 0]),
    # getitem's VJP as an operation (Chapter 8 differentiates backward passes)
    OpCase("scatter_add", lambda g: mg.ops.shape.ScatterAdd.apply(g, shape=(2, 5), index=(
               slice(None), np.array([0, 2, 2]))), _scatter_reference, [((2, 3),)], ("real",),
           lambda g: g.new_zeros((2, 5)).index_add(1, _torch_index([0, 2, 2]), g)),
]

# Moving elements: exact, so compared exactly.
SHAPES = [dataclasses.replace(c, chapter="ch03", rtol=0, grad_rtol=1e-12) for c in _SHAPES]


def _tF():
    import torch.nn.functional

    return torch.nn.functional


def _log_softmax(z, axis=-1):
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


_Y = np.array([0, 2, 1])  # class indices for three rows of scores
_BITS = np.array([[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 0.0]])


def _ce_indices(reduction):
    def torch(z):
        import torch

        return _tF().cross_entropy(z, torch.tensor(_Y), reduction=reduction)

    def ref(z):
        losses = -_log_softmax(z)[np.arange(3), _Y]
        return {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]

    return OpCase(f"cross_entropy_{reduction}", lambda z: F.cross_entropy(z, _Y, reduction),
                  ref, [((3, 4),)], ("real",), torch, "ch04")


# Losses and fused primitives (Chapters 4-5). Probability targets need not sum
# to 1: the loss -Σ t log softmax(z) is defined for any t, and so is its gradient.
LOSSES = [
    OpCase("logsumexp", lambda a: F.logsumexp(a, axis=-1),
           lambda a: np.log(np.exp(a).sum(axis=-1)), [((3, 4),), ((2, 3, 4),)], ("real",),
           lambda a: a.logsumexp(dim=-1), "ch04"),
    OpCase("logsumexp_axis0", lambda a: F.logsumexp(a, axis=0, keepdims=True),
           lambda a: np.log(np.exp(a).sum(axis=0, keepdims=True)), [((3, 4),)], ("real",),
           lambda a: a.logsumexp(dim=0, keepdim=True), "ch04"),
    OpCase("log_softmax", lambda a: F.log_softmax(a, axis=1), lambda a: _log_softmax(a, 1),
           [((3, 4),)], ("real",), lambda a: a.log_softmax(dim=1), "ch04"),
    OpCase("softmax", lambda a: F.softmax(a), lambda a: np.exp(_log_softmax(a)),
           [((3, 4),), ((2, 3, 4),)], ("real",), lambda a: a.softmax(dim=-1), "ch04"),
    _ce_indices("mean"), _ce_indices("sum"), _ce_indices("none"),
    OpCase("cross_entropy_probabilities", lambda z, t: F.cross_entropy(z, t),
           lambda z, t: -(t * _log_softmax(z)).sum(axis=1).mean(), [((3, 4), (3, 4))],
           ("real", "positive"), lambda z, t: _tF().cross_entropy(z, t), "ch04"),
    OpCase("cross_entropy_probabilities_sum", lambda z, t: F.cross_entropy(z, t, "sum"),
           lambda z, t: -(t * _log_softmax(z)).sum(), [((3, 4), (3, 4))],
           ("real", "positive"), lambda z, t: _tF().cross_entropy(z, t, reduction="sum"),
           "ch04"),
    OpCase("nll_loss", lambda z: F.nll_loss(F.log_softmax(z), _Y),
           lambda z: -_log_softmax(z)[np.arange(3), _Y].mean(), [((3, 4),)], ("real",),
           None, "ch04"),
    OpCase("binary_cross_entropy", F.binary_cross_entropy,
           lambda p, y: -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(),
           [((3, 4), (3, 4))], ("probability", "probability"),
           lambda p, y: _tF().binary_cross_entropy(p, y), "ch04"),
    OpCase("binary_cross_entropy_labels", lambda p: F.binary_cross_entropy(p, _BITS),
           lambda p: -(_BITS * np.log(p) + (1 - _BITS) * np.log(1 - p)).mean(),
           [((3, 4),)], ("probability",), None, "ch04"),
    OpCase("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits,
           lambda z, y: (np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))).mean(),
           [((3, 4), (3, 4))], ("real", "probability"),
           lambda z, y: _tF().binary_cross_entropy_with_logits(z, y), "ch04"),
    OpCase("mse_loss", F.mse_loss, lambda a, b: ((a - b) ** 2).mean(), [((3, 4), (3, 4))],
           ("real", "real"), lambda a, b: _tF().mse_loss(a, b), "ch04"),
    OpCase("linear", F.linear, lambda x, w, b: x @ w.T + b,
           [((5, 4), (3, 4), (3,)), ((2, 5, 4), (3, 4), (3,))], ("real", "real", "real"),
           lambda x, w, b: _tF().linear(x, w, b), "ch05"),
    OpCase("linear_no_bias", F.linear, lambda x, w: x @ w.T, [((5, 4), (3, 4))],
           ("real", "real"), lambda x, w: _tF().linear(x, w), "ch05"),
]

def _conv_reference(x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    """Convolution by its definition, one output pixel at a time (no im2col)."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    o, c, kh, kw = w.shape
    ho = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((x.shape[0], o, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * sh: i * sh + dh * (kh - 1) + 1: dh, j * sw: j * sw + dw * (kw - 1) + 1: dw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=((1, 2, 3), (1, 2, 3)))
    return out if b is None else out + b.reshape(1, -1, 1, 1)


def _pool_reference(x, k, s, p, reduce):
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)),
                constant_values=-np.inf if reduce is np.max else 0.0)
    ho, wo = (xp.shape[2] - k) // s + 1, (xp.shape[3] - k) // s + 1
    return np.array([[reduce(xp[:, :, i * s: i * s + k, j * s: j * s + k], axis=(2, 3))
                      for j in range(wo)] for i in range(ho)]).transpose(2, 3, 0, 1)


def _conv(name, x, w, bias=True, stride=1, padding=0, dilation=1):
    pair = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    args = dict(stride=pair(stride), padding=pair(padding), dilation=pair(dilation))
    shapes = [(x, w, (w[0],))] if bias else [(x, w)]
    return OpCase(name, lambda *t: F.conv2d(*t, stride=stride, padding=padding, dilation=dilation),
                  lambda *a: _conv_reference(*a, **args), shapes, ("real",),
                  lambda *t: _tF().conv2d(*t, stride=stride, padding=padding, dilation=dilation),
                  "ch07")


def _pool(name, fn, torch_name, reduce, k, s, p):
    return OpCase(name, lambda a: fn(a, k, s, p), lambda a: _pool_reference(a, k, s, p, reduce),
                  [((2, 3, 6, 5),)], ("real",),
                  lambda a: getattr(_tF(), torch_name)(a, k, s, p), "ch07")


# Convolutions (Chapter 7): shapes, strides, paddings and dilations, a 1x1 kernel, a
# kernel as large as the input, odd sizes, batch 1; pooling with and without overlap.
CONV = [
    _conv("conv2d", (2, 3, 6, 5), (4, 3, 3, 3)),
    _conv("conv2d_stride2_pad1", (1, 2, 7, 7), (3, 2, 3, 3), stride=2, padding=1),
    _conv("conv2d_dilation2", (2, 2, 9, 8), (2, 2, 3, 3), stride=(2, 1), padding=2, dilation=2),
    _conv("conv2d_1x1", (2, 3, 4, 4), (5, 3, 1, 1)),
    _conv("conv2d_kernel_as_large_as_input", (1, 2, 5, 5), (3, 2, 5, 5)),
    _conv("conv2d_odd_no_bias", (1, 1, 7, 4), (2, 1, 3, 2), bias=False, padding=(1, 0)),
    _pool("max_pool2d", F.max_pool2d, "max_pool2d", np.max, 2, 2, 0),
    _pool("max_pool2d_overlapping_padded", F.max_pool2d, "max_pool2d", np.max, 3, 1, 1),
    _pool("avg_pool2d", F.avg_pool2d, "avg_pool2d", np.mean, 2, 2, 0),
    _pool("avg_pool2d_overlapping_padded", F.avg_pool2d, "avg_pool2d", np.mean, 3, 2, 1),
    OpCase("pad", lambda a: F.pad(a, (1, 2, 0, 1)),
           lambda a: np.pad(a, ((0, 0), (0, 1), (1, 2))), [((2, 3, 4),)], ("real",),
           lambda a: _tF().pad(a, (1, 2, 0, 1)), "ch07"),
    OpCase("flip", lambda a: mg.flip(a, (0, 2)), lambda a: np.flip(a, (0, 2)), [((2, 3, 4),)],
           ("real",), lambda a: a.flip((0, 2)), "ch07"),
]

DEVICE = [OpCase("to_device", lambda a: mg.ops.to_device(a, a.device) * 2, lambda a: a * 2,
                 [((3, 4),)], ("real",), None, "ch06")]

# -- Chapter 9: the transformer's operations ---------------------------------------

_erf = np.vectorize(math.erf)


def _gelu_reference(x, approximate):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + _erf(x / np.sqrt(2)))


def _layer_norm_reference(x, w=1.0, b=0.0, n_axes=1, eps=1e-5):
    axes = tuple(range(x.ndim - n_axes, x.ndim))
    centred = x - x.mean(axis=axes, keepdims=True)
    return centred / np.sqrt((centred ** 2).mean(axis=axes, keepdims=True) + eps) * w + b


def _softmax_reference(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _attention_reference(q, k, v, mask=None, causal=False):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if causal:
        scores = np.where(np.tri(*scores.shape[-2:], dtype=bool), scores, -np.inf)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf) if mask.dtype == bool else scores + mask
    return _softmax_reference(scores) @ v


def _torch_sdpa(**kw):
    def attention(q, k, v):
        import torch

        extra = {key: torch.tensor(value) if isinstance(value, np.ndarray) else value
                 for key, value in kw.items()}
        return _tF().scaled_dot_product_attention(q, k, v, **extra)
    return attention


_KEEP = np.array([[True, False, True, True, False], [True, True, False, True, True],
                  [False, True, True, True, True]])
_BIAS = np.linspace(-1.0, 1.0, 15).reshape(3, 5)
_TOKENS = np.array([[0, 2], [2, 1], [3, 3]])
QKV = [((2, 3, 4), (2, 5, 4), (2, 5, 2))]

TRANSFORMER = [dataclasses.replace(c, chapter="ch09") for c in [
    _unary("erf", mg.erf, _erf, lambda a: a.erf()),
    _unary("gelu", F.gelu, lambda a: _gelu_reference(a, "none"), lambda a: _tF().gelu(a)),
    _unary("gelu_tanh", lambda a: F.gelu(a, approximate="tanh"),
           lambda a: _gelu_reference(a, "tanh"), lambda a: _tF().gelu(a, approximate="tanh")),
    OpCase("layer_norm", lambda x, w, b: F.layer_norm(x, 4, w, b), _layer_norm_reference,
           [((2, 3, 4), (4,), (4,)), ((5, 4), (4,), (4,))], ("real", "real", "real"),
           lambda x, w, b: _tF().layer_norm(x, (4,), w, b)),
    OpCase("layer_norm_plain", lambda x: F.layer_norm(x, (3, 4)),
           lambda x: _layer_norm_reference(x, n_axes=2), [((2, 3, 4),)], ("real",),
           lambda x: _tF().layer_norm(x, (3, 4))),
    OpCase("std", lambda a: a.std(), np.std, [((3, 4),)], ("real",), lambda a: a.std(correction=0)),
    OpCase("std_axis_ddof", lambda a: a.std(axis=1, ddof=1), lambda a: np.std(a, axis=1, ddof=1),
           [((3, 4),)], ("real",), lambda a: a.std(dim=1)),
    OpCase("masked_fill", lambda a: a.masked_fill(_KEEP, 0.5),
           lambda a: np.where(_KEEP, 0.5, a), [((3, 5),), ((2, 3, 5),)], ("real",),
           lambda a: a.masked_fill(_torch_bool(_KEEP), 0.5)),
    OpCase("sdpa", F.scaled_dot_product_attention, _attention_reference, QKV,
           ("real", "real", "real"), _torch_sdpa()),
    OpCase("sdpa_causal", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
           lambda q, k, v: _attention_reference(q, k, v, causal=True),
           [((2, 4, 3), (2, 4, 3), (2, 4, 2))], ("real", "real", "real"),
           _torch_sdpa(is_causal=True)),
    OpCase("sdpa_bool_mask", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, _KEEP),
           lambda q, k, v: _attention_reference(q, k, v, _KEEP), QKV, ("real", "real", "real"),
           _torch_sdpa(attn_mask=_KEEP)),
    OpCase("sdpa_float_mask", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, _BIAS),
           lambda q, k, v: _attention_reference(q, k, v, _BIAS), QKV, ("real", "real", "real"),
           _torch_sdpa(attn_mask=_BIAS)),
    OpCase("embedding", lambda w: F.embedding(_TOKENS, w), lambda w: w[_TOKENS], [((4, 3),)],
           ("real",), lambda w: _tF().embedding(_torch_long(_TOKENS), w)),
]]


def _torch_bool(mask):
    import torch

    return torch.tensor(mask)


def _torch_long(indices):
    import torch

    return torch.tensor(indices)


ALL = ELEMENTWISE + REDUCTIONS + LINALG + SHAPES + LOSSES + DEVICE + CONV + TRANSFORMER


def expand(cases):
    """(case, shapes) pairs for pytest's parametrize, with readable ids."""
    params, ids = [], []
    for case in cases:
        for shapes in case.shapes:
            params.append((case, shapes))
            ids.append(f"{case.name}-{'-'.join(str(s).replace(' ', '') for s in shapes)}")
    return params, ids


def by_chapter(cases):
    """Like :func:`expand`, as ``pytest.param``s carrying their chapter's marker,
    so that ``pytest -m ch03`` selects Chapter 3's operations."""
    params, ids = expand(cases)
    return [pytest.param(*p, id=i, marks=getattr(pytest.mark, p[0].chapter))
            for p, i in zip(params, ids)]


def assert_matches_pytorch(case, shapes):
    """Forward values and the VJP of a random cotangent agree with PyTorch's."""
    torch = pytest.importorskip("torch")
    arrays = case.inputs(shapes)
    ours = [mg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = case.fn(*ours), case.torch(*theirs)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    v = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(v)
    ref.backward(torch.tensor(v))
    for mine, t in zip(ours, theirs):
        np.testing.assert_allclose(host(mine.grad), t.grad.numpy(), rtol=case.grad_rtol,
                                   atol=1e-12)
