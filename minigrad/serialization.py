"""Chapter 5: saving and loading weights as NumPy ``.npz`` files."""

import numpy as np

from minigrad import backend


def save(obj, path):
    """Save a module's ``state_dict()`` (or any dict of arrays) to ``path`` (.npz)."""
    state = obj.state_dict() if hasattr(obj, "state_dict") else obj
    if not isinstance(state, dict):
        raise TypeError(f"save: expected a Module or a dict of arrays, got {type(obj).__name__}")
    arrays = {}
    for name, value in state.items():
        value = backend.asnumpy(backend.unwrap(value))
        if value.dtype == object:
            raise TypeError(f"save: '{name}' is not an array ({type(state[name]).__name__})")
        arrays[name] = value
    with open(path, "wb") as f:  # a file object: np.savez would otherwise append ".npz"
        np.savez(f, **arrays)


def load(path):
    """Load a dict of arrays saved by :func:`save` (pass it to ``load_state_dict``)."""
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}
