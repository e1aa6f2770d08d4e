"""Checks for the exercises of Chapter 4 (softmax, log-softmax and cross-entropy)."""

import numpy as np

from minigrad.exercises.core import CheckFailed, exercise, expect, expect_array, expect_close

# -- reference solutions --------------------------------------------------------


def logsumexp(x):
    """log(sum(exp(x))) along the last axis, stable for any x: m + log Σ exp(x - m)."""
    m = x.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True)))[..., 0]


def log_softmax(x):
    """x - logsumexp(x) along the last axis."""
    return x - logsumexp(x)[..., None]


def softmax_vjp(s, g):
    """The VJP of s = softmax(x) along the last axis: s * (g - Σ g s)."""
    return s * (g - (g * s).sum(axis=-1, keepdims=True))


def cross_entropy_grad(logits, y):
    """The gradient of the mean cross-entropy with respect to logits: (softmax - onehot) / N."""
    n = len(y)
    grad = np.exp(log_softmax(logits))
    grad[np.arange(n), y] -= 1
    return grad / n


def one_hot(y, num_classes):
    """An (N, num_classes) array with a 1 at each row's class index."""
    out = np.zeros((len(y), num_classes))
    out[np.arange(len(y)), y] = 1
    return out


def bce_with_logits(z, y):
    """Mean binary cross-entropy of logits z, stable: max(z, 0) - z y + log(1 + exp(-|z|))."""
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


# -- checks -----------------------------------------------------------------------

_rng = np.random.default_rng(4)
_EXTREME = np.array([[1000.0, 1000.0, -1000.0], [-1e4, -1e4, -1e4], [0.5, -2.0, 3.0]])


def _naive_logsumexp(x):
    return np.log(np.exp(x).sum(axis=-1))


@exercise("4.1", "a stable logsumexp", logsumexp, lambda: (np.zeros((2, 3)),))
def check_logsumexp(fn):
    x = _rng.standard_normal((4, 5))
    expect_array(fn(x), _naive_logsumexp(x), "logsumexp of ordinary values (shape (4, 5))",
                 hint="reduce over the last axis only; the result has shape (4,).")
    with np.errstate(all="ignore"):
        got = np.asarray(fn(_EXTREME), dtype=float)
    expect(np.isfinite(got).all(),
           f"logsumexp of rows with values ±1000 and -10000 gave {got}: something overflowed.\n"
           "Hint: subtract each row's maximum m before exp, and add m back after the log.")
    expect_array(got, logsumexp(_EXTREME), "logsumexp of extreme rows")


@exercise("4.2", "log-softmax", log_softmax, lambda: (np.zeros((2, 3)),))
def check_log_softmax(fn):
    x = _rng.standard_normal((3, 4))
    expect_array(fn(x), log_softmax(x), "log_softmax of a (3, 4) array",
                 hint="log softmax(x) = x - logsumexp(x), the logsumexp taken along the "
                      "last axis and broadcast back (keep its axis).")
    with np.errstate(all="ignore"):
        got = np.asarray(fn(_EXTREME), dtype=float)
    expect(np.isfinite(got).all(), f"log_softmax of extreme rows gave {got}.\n"
           "Hint: never compute log(exp(x) / sum): use x - logsumexp(x).")
    expect_array(got, log_softmax(_EXTREME), "log_softmax of extreme rows")


@exercise("4.3", "the VJP of softmax", softmax_vjp,
          lambda: (np.full((1, 3), 1 / 3), np.ones((1, 3))))
def check_softmax_vjp(fn):
    x = _rng.standard_normal((3, 4))
    s = np.exp(log_softmax(x))
    g = _rng.standard_normal((3, 4))
    expect_array(fn(s, g), softmax_vjp(s, g), "softmax_vjp(s, g) for (3, 4) arrays",
                 hint="J = diag(s) - s sᵀ for each row, so gᵀJ = s * (g - Σ_j g_j s_j); "
                      "the sum is per row (axis=-1, keepdims=True).")


@exercise("4.4", "the gradient of cross-entropy", cross_entropy_grad,
          lambda: (np.zeros((2, 3)), np.array([0, 1])))
def check_cross_entropy_grad(fn):
    logits = _rng.standard_normal((5, 3))
    y = np.array([0, 2, 1, 1, 0])
    expected = cross_entropy_grad(logits, y)
    got = fn(logits.copy(), y)
    got_array = np.asarray(got, dtype=float)
    if got_array.shape == expected.shape and np.allclose(got_array, expected * 5):
        raise CheckFailed("your gradient is 5 times too large: the loss is the *mean* over "
                          "the 5 rows, so divide by N.")
    expect_array(got, expected, "the gradient for 5 rows and 3 classes",
                 hint="softmax(logits) minus the one-hot targets, divided by N.")


@exercise("4.5", "one-hot encoding", one_hot, lambda: (np.array([0, 1]), 2))
def check_one_hot(fn):
    expect_array(fn(np.array([2, 0, 1, 2]), 3),
                 [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], "one_hot([2, 0, 1, 2], 3)",
                 hint="row i has a single 1, in column y[i].")
    expect_array(fn(np.array([1]), 4), [[0, 1, 0, 0]], "one_hot([1], 4)",
                 hint="the number of columns is num_classes, not max(y) + 1.")


@exercise("4.6", "stable binary cross-entropy with logits", bce_with_logits,
          lambda: (np.zeros(2), np.zeros(2)))
def check_bce_with_logits(fn):
    z = _rng.standard_normal(6)
    y = _rng.integers(0, 2, 6).astype(float)
    p = 1 / (1 + np.exp(-z))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    expect_close(fn(z, y), expected, "the loss for ordinary logits",
                 hint="-mean(y log σ(z) + (1 - y) log(1 - σ(z))).")
    with np.errstate(all="ignore"):
        got = fn(np.array([-1000.0, 1000.0]), np.array([1.0, 0.0]))
    expect_close(got, 1000.0, "the loss for logits ±1000 on the wrong side",
                 hint="rewrite it as max(z, 0) - z y + log(1 + exp(-|z|)): no exp of a large "
                      "positive number, no log of 0.")
