"""Datasets (Chapter 1 onwards): toy problems made with NumPy alone.

``make_moons`` follows scikit-learn's semantics and, given the same integer
``random_state``, returns the very same points.
"""

import numbers

import numpy as np

from minigrad.rng import default_rng


def _random_state(random_state):
    """A legacy ``RandomState``, as scikit-learn uses, seeded reproducibly.

    ``None`` draws a seed from minigrad's generator, so ``minigrad.manual_seed``
    makes the dataset reproducible too.
    """
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if random_state is None:
        return np.random.RandomState(default_rng().integers(2**32))
    if isinstance(random_state, numbers.Integral):
        return np.random.RandomState(int(random_state))
    raise TypeError(
        f"random_state must be None, an int or a numpy RandomState, "
        f"got {type(random_state).__name__}")


def make_moons(n_samples=100, *, shuffle=True, noise=None, random_state=None):
    """Two interleaving half circles, a classic non-linearly-separable problem.

    Args:
        n_samples: total number of points, or a pair ``(n_outer, n_inner)``.
        shuffle: shuffle the points (otherwise class 0 comes first).
        noise: standard deviation of Gaussian noise added to the points.
        random_state: an int for reproducible output, or ``None``.

    Returns:
        ``X`` of shape ``(n, 2)`` (float64) and ``y`` of shape ``(n,)`` with
        labels in {0, 1} (int64): 0 for the upper moon, 1 for the lower one.
    """
    if isinstance(n_samples, numbers.Integral):
        if n_samples < 0:
            raise ValueError(f"make_moons: n_samples must be >= 0, got {n_samples}")
        n_outer = n_samples // 2
        n_inner = n_samples - n_outer
    else:
        try:
            n_outer, n_inner = (int(n) for n in n_samples)
        except (TypeError, ValueError):
            raise ValueError(
                "make_moons: n_samples must be an int or a pair of ints "
                f"(n_outer, n_inner), got {n_samples!r}") from None
    if noise is not None and noise < 0:
        raise ValueError(f"make_moons: noise must be >= 0, got {noise}")
    rs = _random_state(random_state)

    t_outer = np.linspace(0, np.pi, n_outer)
    t_inner = np.linspace(0, np.pi, n_inner)
    X = np.vstack([
        np.append(np.cos(t_outer), 1 - np.cos(t_inner)),
        np.append(np.sin(t_outer), 1 - np.sin(t_inner) - 0.5),
    ]).T
    y = np.hstack([np.zeros(n_outer, dtype=np.int64),
                   np.ones(n_inner, dtype=np.int64)])
    if shuffle:
        order = np.arange(len(y))
        rs.shuffle(order)
        X, y = X[order], y[order]
    if noise is not None:
        X += rs.normal(scale=noise, size=X.shape)
    return X, y
