"""Plausible wrong answers to the exercises of Chapter 6, each with the words of the hint
its check must give."""

import numpy as np

import minigrad
from minigrad import backend
from minigrad.exercises.ch06 import blocked_matmul, smoothed_targets


def _naive_softplus(a):
    xp = backend.get_array_module(a)
    return xp.log(1 + xp.exp(a))


def _smoothing_not_spread(y, num_classes, smoothing):
    xp = backend.get_array_module(y)
    targets = xp.full((len(y), num_classes), smoothing, dtype=np.float32)
    targets[xp.arange(len(y)), y] += 1 - smoothing
    return targets


def _host_targets(y, num_classes, smoothing):
    targets = np.full((len(y), num_classes), smoothing / num_classes, dtype=np.float32)
    targets[np.arange(len(y)), y] += 1 - smoothing
    return targets


def _blocked(assign=False, skip_edges=False, host=False):
    def multiply(a, b, tile):
        xp = np if host else backend.get_array_module(a, b)
        n, inner, m = a.shape[0], a.shape[1], b.shape[1]
        c = xp.zeros((n, m), dtype=np.result_type(a.dtype, b.dtype))
        stop = (lambda size: size - tile + 1) if skip_edges else (lambda size: size)
        for i in range(0, stop(n), tile):
            for j in range(0, stop(m), tile):
                for k in range(0, stop(inner), tile):
                    block = a[i:i + tile, k:k + tile] @ b[k:k + tile, j:j + tile]
                    if assign:
                        c[i:i + tile, j:j + tile] = block
                    else:
                        c[i:i + tile, j:j + tile] += block
        return c
    return multiply


def _left_on_the_host(model, X, y, device):
    return model, minigrad.tensor(X, device=device), minigrad.tensor(y, device=device)


def _float_labels(model, X, y, device):
    return (model.to(device), minigrad.tensor(X, device=device),
            minigrad.tensor(y.astype(np.float32), device=device))


WRONG = [
    ("6.1", lambda a: np.logaddexp(0, np.asarray(a)), "xp = backend.get_array_module"),
    ("6.1", _naive_softplus, "never overflows"),
    ("6.2", lambda n, gb_per_s=12.0, latency_us=10.0: latency_us + 4 * n / (gb_per_s * 1e9),
     "multiply by 1e-6"),
    ("6.2", lambda n, gb_per_s=12.0, latency_us=10.0: latency_us * 1e-6 + n / (gb_per_s * 1e9),
     "each float32 takes 4 bytes"),
    ("6.3", lambda b, i, o: b * i * o / (4 * (b * i + i * o + b * o)), "2 operations"),
    ("6.3", lambda b, i, o: 2 * b * i * o / (4 * i * o), "count the bytes of x, W and the output"),
    ("6.4", _host_targets, "xp = backend.get_array_module(y)"),
    ("6.4", _smoothing_not_spread, "spread over all of them"),
    ("6.4", lambda y, c, e: smoothed_targets(y, c, e).astype(np.float64), "float32"),
    ("6.5", _left_on_the_host, "some parameters are not on the device"),
    ("6.5", _float_labels, "integer dtype"),
    ("6.6", _blocked(assign=True), "+= ..., not ="),
    ("6.6", _blocked(skip_edges=True), "never computed"),
    ("6.6", _blocked(host=True), "not np.zeros"),
    ("6.6", lambda a, b, tile: blocked_matmul(a, b, tile).astype(np.float64), "float32"),
]
