"""The catalogue of misuse cases: what a learner might get wrong, and what minigrad says.

Each case is run by ``tests/test_misuse.py`` (the error type and the words of
the message are checked) and shown, with the message minigrad really prints,
on the book's page "When something goes wrong" (``book/errors.ipynb``).
"""

import gzip
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

import minigrad as mg
import minigrad.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader, DatasetError, TensorDataset


@dataclass(frozen=True)
class Misuse:
    area: str
    what: str
    run: Callable
    error: type
    words: str  # a regular expression the message must match


class CheckReport(Exception):
    """Raised here only to show an exercise check's report like an error message."""


def _freed_twice():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _state_missing():
    model = nn.Sequential(nn.Linear(2, 2))
    state = model.state_dict()
    del state["0.bias"]
    model.load_state_dict(state)


def _state_shape():
    model = nn.Sequential(nn.Linear(2, 2))
    model.load_state_dict({"0.weight": np.zeros((3, 2)), "0.bias": np.zeros(2)})


X_LEAF = mg.tensor(1.0, requires_grad=True)


def _add_in_place_to_a_leaf():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    x += 1


def _corrupted_mnist():
    folder = Path(tempfile.mkdtemp())
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not MNIST")
    mg.data.fetch("mnist", "t10k-labels-idx1-ubyte.gz", data_dir=folder)


def _truncated_idx():
    path = Path(tempfile.mkdtemp()) / "labels.gz"
    with gzip.open(path, "wb") as f:
        f.write((2049).to_bytes(4, "big") + (60000).to_bytes(4, "big") + bytes(10))
    mg.data._read_idx(path, 2049, 1)


def _check_wrong_signature():
    from minigrad.exercises import check

    raise CheckReport(repr(check("1.1", lambda f: f)))


X3 = mg.ones(3)
LOGITS = mg.zeros(4, 3)

CATALOGUE = [
    # -- shapes in operations --------------------------------------------------------
    Misuse("shapes", "adding tensors whose shapes do not broadcast",
           lambda: mg.ones(3) + mg.ones(4), ValueError, r"add: .*\(3,\).*\(4,\)"),
    Misuse("shapes", "subtracting a (3, 2) from a (2, 3)",
           lambda: mg.ones(2, 3) - mg.ones(3, 2), ValueError, r"sub: .*\(2, 3\).*\(3, 2\)"),
    Misuse("shapes", "multiplying mismatched shapes",
           lambda: mg.ones(2, 3) * mg.ones(2, 2), ValueError, r"mul: .*\(2, 3\).*\(2, 2\)"),
    Misuse("shapes", "dividing mismatched shapes",
           lambda: mg.ones(5) / mg.ones(2), ValueError, r"div: .*\(5,\).*\(2,\)"),
    Misuse("shapes", "maximum of mismatched shapes",
           lambda: mg.maximum(mg.ones(2, 3), mg.ones(4)), ValueError, r"maximum: .*\(2, 3\).*\(4,\)"),
    Misuse("shapes", "where with branches that do not broadcast",
           lambda: mg.where(np.array([True, False]), mg.ones(2), mg.ones(3)), ValueError, "where: "),
    Misuse("shapes", "a matrix product whose inner sizes differ",
           lambda: mg.ones(2, 3) @ mg.ones(4, 2), ValueError,
           r"matmul: shapes \(2, 3\) and \(4, 2\) do not match"),
    Misuse("shapes", "a matrix product with a number",
           lambda: mg.ones(3) @ mg.tensor(2.0), ValueError, "use \\* to scale"),
    Misuse("shapes", "reshaping to a different number of elements",
           lambda: mg.ones(2, 3).reshape(4, 2), ValueError, r"\(6 elements\) into shape \(4, 2\)"),
    Misuse("shapes", "transpose axes that are not a permutation",
           lambda: mg.ones(2, 3).transpose(1, 1), ValueError, "not a permutation"),
    Misuse("shapes", "broadcasting to an incompatible shape",
           lambda: mg.ones(3).broadcast_to((3, 2)), ValueError, r"cannot broadcast .*\(3,\)"),
    Misuse("shapes", "squeezing an axis longer than 1",
           lambda: mg.ones(2, 3).squeeze(1), ValueError, "axis 1 has length 3"),
    Misuse("shapes", "indexing past the end",
           lambda: mg.ones(2, 3)[2], IndexError, r"getitem: .*shape \(2, 3\)"),
    Misuse("shapes", "concatenating tensors that differ off the joining axis",
           lambda: mg.concatenate([mg.ones(2, 3), mg.ones(2, 4)], axis=0), ValueError, "concatenate: "),
    Misuse("shapes", "stacking tensors of different shapes",
           lambda: mg.stack([mg.ones(2), mg.ones(3)]), ValueError, "same shape"),
    # -- axes ----------------------------------------------------------------------------
    Misuse("axes", "summing over an axis that does not exist",
           lambda: mg.ones(2, 3).sum(axis=2), np.exceptions.AxisError, "sum: axis 2 is out of bounds"),
    Misuse("axes", "averaging over an axis that does not exist",
           lambda: mg.ones(2, 3).mean(axis=-3), np.exceptions.AxisError, "mean: axis -3"),
    Misuse("axes", "naming an axis twice",
           lambda: mg.ones(2, 3).max(axis=(1, -1)), ValueError, "max: repeated axis"),
    Misuse("axes", "the maximum of an empty tensor",
           lambda: mg.ones(0).max(), ValueError, "cannot reduce an empty tensor"),
    Misuse("constructors", "evenly spaced booleans",
           lambda: mg.linspace(0, 1, 5, dtype=bool), TypeError,
           "linspace: dtype must be an integer or floating-point type, got bool"),
    Misuse("constructors", "random integers from randn",
           lambda: mg.randn(3, dtype=np.int64), TypeError, "randn: random draws are float32"),
    Misuse("convolutions", "images in NHWC (channels last) given to conv2d",
           lambda: F.conv2d(mg.ones(1, 5, 5, 3), mg.ones(2, 3, 3, 3)), ValueError,
           "looks like NHWC"),
    Misuse("convolutions", "a kernel larger than the padded input",
           lambda: F.conv2d(mg.ones(1, 1, 2, 2), mg.ones(1, 1, 3, 3)), ValueError,
           "kernel spans 3 pixels"),
    Misuse("convolutions", "a stride of zero",
           lambda: F.max_pool2d(mg.ones(1, 1, 4, 4), 2, stride=0), ValueError,
           "stride must be an int >= 1"),
    # -- gradients -------------------------------------------------------------------------
    Misuse("gradients", "backward() on a tensor with several elements",
           lambda: (mg.ones(3, requires_grad=True) * 2).backward(), RuntimeError,
           r"shape \(3,\).*backward\(gradient\)"),
    Misuse("gradients", "backward() through a tensor that does not require grad",
           lambda: mg.ones(3).sum().backward(), RuntimeError, "does not require grad"),
    Misuse("gradients", "backward() twice through the same graph",
           _freed_twice, RuntimeError, "already freed.*retain_graph=True"),
    Misuse("gradients", "asking an integer tensor for gradients",
           lambda: mg.tensor(np.arange(3), requires_grad=True), TypeError,
           "only floating-point tensors can require gradients.*int64"),
    Misuse("gradients", "grad() of a function that returns a vector",
           lambda: mg.grad(lambda x: x * 2)([1.0, 2.0]), TypeError, "one-element Tensor"),
    Misuse("gradients", "an operation given something that is not an array",
           lambda: mg.ones(2) + "1", TypeError, "add: cannot use str"),
    Misuse("gradients", "x += 1 on a tensor that requires grad",
           _add_in_place_to_a_leaf, RuntimeError, r"in-place.*requires grad.*x = x \+ y"),
    Misuse("gradients", "a reduction of a Python list of tensors",
           lambda: mg.mean([X_LEAF, X_LEAF + 2]), TypeError, "mean: .*list.*minigrad.stack"),
    Misuse("gradients", "a tensor made from a list of tensors that require grad",
           lambda: mg.tensor([X_LEAF, X_LEAF]), TypeError, "drop them from the graph"),
    Misuse("gradients", "a scalar Value raised to a Value",
           lambda: mg.Value(2.0) ** mg.Value(3.0), TypeError, "exponent must be a plain number"),
    Misuse("gradients", "a Value made from a string",
           lambda: mg.Value("3"), TypeError, "expects a real number"),
    # -- losses ------------------------------------------------------------------------------
    Misuse("losses", "float class labels given to cross_entropy",
           lambda: F.cross_entropy(LOGITS, np.array([0.0, 1.0, 2.0, 1.0])), TypeError,
           "must hold integer class indices"),
    Misuse("losses", "a class index out of range",
           lambda: F.cross_entropy(LOGITS, np.array([0, 1, 3, 1])), IndexError,
           "class index 3 is out of range for 3 classes"),
    Misuse("losses", "fewer labels than rows of scores",
           lambda: F.cross_entropy(LOGITS, np.array([0, 1, 2])), ValueError,
           "4 rows of scores but 3 targets"),
    Misuse("losses", "one-hot targets of the wrong width",
           lambda: F.cross_entropy(LOGITS, np.zeros((4, 4))), ValueError, r"\(4, 4\) does not match"),
    Misuse("losses", "logits given to binary_cross_entropy",
           lambda: F.binary_cross_entropy(mg.tensor([2.5, -1.0]), np.array([1, 0])), ValueError,
           "must lie in \\[0, 1\\].*with_logits"),
    Misuse("losses", "float labels given to one_hot",
           lambda: F.one_hot(np.array([1.0, 2.0]), 3), TypeError, "must be integers"),
    # -- modules and optimizers -------------------------------------------------------------------
    Misuse("modules", "a Linear layer fed the wrong number of features",
           lambda: nn.Linear(3, 2)(mg.ones(4, 5)), ValueError, "expected inputs with 3 features"),
    Misuse("modules", "a state dict with a missing key",
           _state_missing, KeyError, r"missing keys \['0.bias'\]"),
    Misuse("modules", "a state dict with a wrong shape",
           _state_shape, ValueError, r"'0.weight' has shape \(3, 2\) in the state dict but \(2, 2\)"),
    Misuse("modules", "Dropout with p = 1",
           lambda: nn.Dropout(1.0), ValueError, r"p must be in \[0, 1\)"),
    Misuse("optimizers", "an optimizer given no parameters",
           lambda: optim.Adam([]), ValueError, "empty parameter list"),
    Misuse("optimizers", "an optimizer given an array instead of a parameter",
           lambda: optim.SGD([np.ones(3)], lr=0.1), TypeError, "parameter 0 is a ndarray"),
    Misuse("optimizers", "an optimizer given a tensor that does not require grad",
           lambda: optim.SGD([mg.ones(3)], lr=0.1), ValueError, "does not require grad"),
    # -- data -----------------------------------------------------------------------------------------
    Misuse("data", "inputs and labels of different lengths",
           lambda: TensorDataset(np.ones((5, 2)), np.ones(4)), ValueError, r"different lengths \[5, 4\]"),
    Misuse("data", "a batch size of zero",
           lambda: DataLoader((np.ones(3),), batch_size=0), ValueError, "positive int"),
    Misuse("data", "a corrupted MNIST file",
           _corrupted_mnist, DatasetError, "checksum mismatch.*delete it"),
    Misuse("data", "a truncated IDX file",
           _truncated_idx, DatasetError, "truncated"),
    Misuse("data", "an MNIST split that does not exist",
           lambda: mg.data.load_mnist("valid"), ValueError, "split must be 'train' or 'test'"),
    # -- devices ----------------------------------------------------------------------------------------
    Misuse("devices", "an operation mixing a CPU tensor and a device tensor",
           lambda: mg.ones(3, device="cpu") + mg.ones(3, device="standin"), RuntimeError,
           r"add: the inputs are on different devices: .* on cpu and .* on standin"),
    Misuse("devices", "a device that does not exist",
           lambda: mg.zeros(2, device="gpu"), ValueError, "unknown device 'gpu'; choose one of"),
    Misuse("devices", "device data handed to NumPy directly",
           lambda: np.asarray(mg.ones(2, device="standin").data), TypeError,
           r"Implicit conversion to a NumPy array is not allowed.*\.numpy\(\)"),
    # -- exercises --------------------------------------------------------------------------------------
    Misuse("exercises", "an exercise check given a function with the wrong signature",
           _check_wrong_signature, CheckReport,
           r"takes \(f\).*numerical_derivative\(f, x, h=1e-06\)"),
]
