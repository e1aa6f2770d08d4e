"""The package's one source of randomness (all chapters).

Every random draw in minigrad (weight initialisation, datasets, shuffling)
comes from :func:`default_rng`, so ``minigrad.manual_seed(n)`` makes a whole
notebook reproducible, the way ``torch.manual_seed`` does.
"""

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Reseed the generator behind every random draw in minigrad."""
    global _generator
    _generator = np.random.default_rng(seed)


def default_rng() -> np.random.Generator:
    """The generator that minigrad's random functions draw from."""
    return _generator
