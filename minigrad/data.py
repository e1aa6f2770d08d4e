"""Datasets and loaders (Chapters 1 and 5).

- Toy problems made with NumPy alone: ``make_moons`` and ``make_circles``
  follow scikit-learn's semantics (same integer ``random_state``, same
  points), ``make_spirals`` draws interleaved spiral arms.
- ``TensorDataset`` and ``DataLoader`` serve mini-batches, as in PyTorch.
- ``load_mnist`` and ``load_fashion_mnist`` read the standard IDX files,
  checking their SHA-256, from a local folder, ``$MINIGRAD_DATA``, a user
  cache, or (downloading into the cache) public mirrors.
"""

import gzip
import hashlib
import numbers
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

from minigrad import backend
from minigrad.rng import default_rng
from minigrad.tensor import Tensor, _array


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
    n_outer, n_inner = _class_sizes(n_samples, "make_moons")
    if noise is not None and noise < 0:
        raise ValueError(f"make_moons: noise must be >= 0, got {noise}")
    t_outer = np.linspace(0, np.pi, n_outer)
    t_inner = np.linspace(0, np.pi, n_inner)
    X = np.vstack([
        np.append(np.cos(t_outer), 1 - np.cos(t_inner)),
        np.append(np.sin(t_outer), 1 - np.sin(t_inner) - 0.5),
    ]).T
    return _label_shuffle_noise(X, n_outer, n_inner, shuffle, noise, random_state)


def _class_sizes(n_samples, op):
    """(n_outer, n_inner) from a total (split in half, the odd one inner) or a pair."""
    if isinstance(n_samples, numbers.Integral):
        if n_samples < 0:
            raise ValueError(f"{op}: n_samples must be >= 0, got {n_samples}")
        return n_samples // 2, n_samples - n_samples // 2
    try:
        n_outer, n_inner = (int(n) for n in n_samples)
    except (TypeError, ValueError):
        raise ValueError(f"{op}: n_samples must be an int or a pair of ints "
                         f"(n_outer, n_inner), got {n_samples!r}") from None
    return n_outer, n_inner


def _label_shuffle_noise(X, n_outer, n_inner, shuffle, noise, random_state):
    """Label the first n_outer points 0 and the rest 1, then shuffle and add noise,
    drawing in scikit-learn's order so that the same seed gives the same points."""
    rs = _random_state(random_state)
    y = np.hstack([np.zeros(n_outer, dtype=np.int64), np.ones(n_inner, dtype=np.int64)])
    if shuffle:
        order = np.arange(len(y))
        rs.shuffle(order)
        X, y = X[order], y[order]
    if noise is not None:
        X += rs.normal(scale=noise, size=X.shape)
    return X, y


def make_circles(n_samples=100, *, shuffle=True, noise=None, random_state=None, factor=0.8):
    """A small circle inside a large one (class 1 inside), like scikit-learn's.

    Args:
        n_samples: total number of points, or a pair ``(n_outer, n_inner)``.
        factor: radius of the inner circle relative to the outer one, in (0, 1).
    """
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must be in (0, 1), got {factor}")
    n_outer, n_inner = _class_sizes(n_samples, "make_circles")
    t_outer = np.linspace(0, 2 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0, 2 * np.pi, n_inner, endpoint=False)
    X = np.vstack([
        np.append(np.cos(t_outer), factor * np.cos(t_inner)),
        np.append(np.sin(t_outer), factor * np.sin(t_inner)),
    ]).T
    return _label_shuffle_noise(X, n_outer, n_inner, shuffle, noise, random_state)


def make_spirals(n_samples=300, n_classes=3, *, noise=0.2, random_state=None):
    """``n_classes`` spiral arms winding out from the origin, one class per arm.

    Returns ``X`` of shape ``(n, 2)`` and labels ``y`` in ``0 .. n_classes - 1``
    (``n_samples`` rounded down to a multiple of ``n_classes``).
    """
    if n_classes < 1:
        raise ValueError(f"make_spirals: n_classes must be >= 1, got {n_classes}")
    rs = _random_state(random_state)
    per_class = n_samples // n_classes
    radius = np.tile(np.linspace(0.0, 1.0, per_class), n_classes)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), per_class)
    angle = y * (2 * np.pi / n_classes) + radius * 4.0 + rs.normal(scale=noise, size=len(y))
    X = np.c_[radius * np.sin(angle), radius * np.cos(angle)]
    return X, y


# -- datasets and loaders -----------------------------------------------------------------

class TensorDataset:
    """Arrays (or tensors) of equal length, indexed together: ``ds[i] == (X[i], y[i])``."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset: give at least one array")
        self.arrays = [_array(a) for a in arrays]
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) > 1:
            raise ValueError(f"TensorDataset: the arrays have different lengths {lengths}; "
                             "every array needs one entry per sample")

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[backend.index_for(a, index)] for a in self.arrays)


class DataLoader:
    """Mini-batches of a dataset, as tuples of tensors.

    Args:
        dataset: a :class:`TensorDataset`, any object with ``__len__`` and
            ``__getitem__`` returning tuples, or a pair of arrays ``(X, y)``.
        batch_size: samples per batch.
        shuffle: visit the samples in a new random order each epoch.
        drop_last: skip the last batch if it is smaller than ``batch_size``.
        seed: seeds the shuffling; ``None`` draws from minigrad's generator.
        device: where the batches go (Chapter 6); by default the default
            device. Keep the dataset on that device too (``TensorDataset`` of
            device tensors) to copy it once instead of every batch.

    Every sample appears exactly once per epoch.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None,
                 device=None):
        if isinstance(dataset, (tuple, list)):
            dataset = TensorDataset(*dataset)
        if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last = shuffle, drop_last
        self.rng = np.random.default_rng(seed) if seed is not None else None
        self.device = backend.check_device(device)

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            order = (self.rng or default_rng()).permutation(n)
        else:
            order = np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            index = order[start:start + self.batch_size]
            if isinstance(self.dataset, TensorDataset):
                columns = self.dataset[index]
            else:
                samples = [self.dataset[int(i)] for i in index]
                columns = [_stack([_array(s[k]) for s in samples]) for k in range(len(samples[0]))]
            yield tuple(Tensor._make(backend.to_device(c, self.device)) for c in columns)


def _stack(arrays):
    return backend.get_array_module(*arrays).stack(arrays)


# -- MNIST and Fashion-MNIST -----------------------------------------------------------------

MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
FASHION_MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}
# Tried in order; the original site (yann.lecun.com) now answers 403 to downloads.
MNIST_MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
]
FASHION_MNIST_MIRRORS = [
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
]
DATASETS = {
    "mnist": (MNIST_FILES, MNIST_MIRRORS),
    "fashion-mnist": (FASHION_MNIST_FILES, FASHION_MNIST_MIRRORS),
}
FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot"]


class DatasetError(RuntimeError):
    """A dataset could not be found, fetched or read; the message says why."""


def cache_dir():
    """Where downloads are kept: ``$XDG_CACHE_HOME/minigrad`` (default ``~/.cache/minigrad``)."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "minigrad"


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verified(path, expected):
    actual = sha256(path)
    if actual != expected:
        raise DatasetError(
            f"checksum mismatch for {path}: expected SHA-256 {expected}, got {actual}. "
            "The file is corrupted, truncated or a different version: delete it "
            "(it will be downloaded again) or replace it with the published file.")
    return path


def _candidate_dirs(name, data_dir):
    """Folders to look in, in order: data_dir, $MINIGRAD_DATA, the cache (and their `name/`)."""
    roots = [Path(d) for d in (data_dir, os.environ.get("MINIGRAD_DATA")) if d]
    dirs = []
    for root in roots:
        dirs += [root / name, root]
    return dirs + [cache_dir() / name]


def _download(url, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            shutil.copyfileobj(response, out)
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def fetch(name, filename, data_dir=None, mirrors=None):
    """The path of a verified dataset file, downloading it into the cache if needed."""
    files, default_mirrors = DATASETS[name]
    expected = files[filename]
    dirs = _candidate_dirs(name, data_dir)
    for directory in dirs:
        path = directory / filename
        if path.is_file():
            return _verified(path, expected)
    target = cache_dir() / name / filename
    errors = []
    for mirror in mirrors if mirrors is not None else default_mirrors:
        try:
            _download(mirror + filename, target)
        except OSError as error:  # URLError and HTTPError are OSErrors
            errors.append(f"{mirror}: {error}")
            continue
        try:
            return _verified(target, expected)
        except DatasetError as error:
            target.unlink()
            errors.append(f"{mirror}: {error}")
    looked = ", ".join(str(d) for d in dirs)
    tried = "; ".join(errors) or "no mirrors"
    raise DatasetError(
        f"{name}: {filename} was not found in {looked}, and downloading it failed ({tried}). "
        f"Put the four {name} .gz files in one of those folders, or set MINIGRAD_DATA to a "
        "folder that holds them.")


def _read_idx(path, magic, ndim):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    header = 4 + 4 * ndim
    found = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
    if found != magic:
        raise DatasetError(f"{path} is not an IDX file of the expected kind "
                           f"(magic number {found}, expected {magic})")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=header)
    if data.size != int(np.prod(shape)):
        raise DatasetError(f"{path} is truncated: its header promises {shape} values "
                           f"({int(np.prod(shape))} bytes), the file holds {data.size}")
    return data.reshape(shape)


def _load_idx_pair(name, split, data_dir, flatten):
    if split not in ("train", "test"):
        raise ValueError(f"load_{name.replace('-', '_')}: split must be 'train' or 'test', "
                         f"got {split!r}")
    prefix = "train" if split == "train" else "t10k"
    images = _read_idx(fetch(name, f"{prefix}-images-idx3-ubyte.gz", data_dir), 2051, 3)
    labels = _read_idx(fetch(name, f"{prefix}-labels-idx1-ubyte.gz", data_dir), 2049, 1)
    if len(images) != len(labels):
        raise DatasetError(f"{name} {split}: {len(images)} images but {len(labels)} labels")
    X = images.astype(np.float32) / 255.0
    return (X.reshape(len(X), -1) if flatten else X), labels.astype(np.int64)


def load_mnist(split="train", data_dir=None, flatten=False):
    """MNIST handwritten digits: ``(X, y)`` with ``X`` float32 in [0, 1].

    Args:
        split: ``"train"`` (60 000 images) or ``"test"`` (10 000).
        data_dir: a folder with the four ``.gz`` files (or a ``mnist/`` folder
            holding them); looked in first, then ``$MINIGRAD_DATA``, then the
            cache, before downloading.
        flatten: return images as rows of 784 values instead of 28 × 28.

    Returns:
        ``X`` of shape ``(n, 28, 28)`` (or ``(n, 784)``) and labels ``y`` (int64).
    """
    return _load_idx_pair("mnist", split, data_dir, flatten)


def load_fashion_mnist(split="train", data_dir=None, flatten=False):
    """Fashion-MNIST (Zalando's clothing images), exactly like :func:`load_mnist`;
    class names are in ``FASHION_MNIST_CLASSES``."""
    return _load_idx_pair("fashion-mnist", split, data_dir, flatten)
