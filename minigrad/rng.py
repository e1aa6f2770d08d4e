"""The package's one source of randomness (all chapters).

Every random draw in minigrad (weight initialisation, datasets, shuffling)
comes from :func:`default_rng`, so ``minigrad.manual_seed(n)`` makes a whole
notebook reproducible, the way ``torch.manual_seed`` does.
"""

import contextlib

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Reseed the generator behind every random draw in minigrad."""
    global _generator
    _generator = np.random.default_rng(seed)


def default_rng() -> np.random.Generator:
    """The generator that minigrad's random functions draw from."""
    return _generator


def state():
    """The generator's current state, to replay the same draws later (:func:`replaying`)."""
    return _generator.bit_generator.state


@contextlib.contextmanager
def replaying(saved_state):
    """Inside, minigrad draws from a generator in ``saved_state``; afterwards the package's
    generator is back where it was, as if nothing had been drawn."""
    global _generator
    previous = _generator
    _generator = np.random.default_rng()
    _generator.bit_generator.state = saved_state
    try:
        yield
    finally:
        _generator = previous
