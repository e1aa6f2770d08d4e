"""Chapter 5: modules, optimizers, data loaders, MNIST and pictures."""

import gzip
import math
import os
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader, DatasetError, TensorDataset

pytestmark = pytest.mark.ch05

DATA = Path(os.environ.get("MINIGRAD_DATA", "."))  # set by conftest.py beside ../shared
needs_mnist = pytest.mark.skipif(not (DATA / "mnist").is_dir(),
                                 reason=f"no MNIST files in {DATA} (set MINIGRAD_DATA)")


class TwoLayers(nn.Module):
    def __init__(self):
        self.first = nn.Linear(3, 4, dtype=np.float64)
        self.blocks = [nn.Linear(4, 4, dtype=np.float64), nn.Tanh()]
        self.heads = {"out": nn.Linear(4, 2, bias=False, dtype=np.float64)}
        self.scale = nn.Parameter(np.ones(1))
        self.not_a_parameter = mg.ones(5)

    def forward(self, x):
        h = self.first(x).relu()
        for layer in self.blocks:
            h = layer(h)
        return self.heads["out"](h) * self.scale


# -- modules ------------------------------------------------------------------------------

def test_parameters_are_found_through_attributes_lists_and_dicts():
    model = TwoLayers()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["first.weight", "first.bias", "blocks.0.weight", "blocks.0.bias",
                     "heads.out.weight", "scale"]
    assert len(model.parameters()) == 6
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.parameters())


def test_shared_parameters_are_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(model.parameters()) == 2


def test_zero_grad_train_eval_and_call():
    model = TwoLayers()
    model(mg.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.eval()
    assert not model.training and not model.blocks[1].training
    model.train()
    assert all(m.training for m in model.modules())


def test_module_repr_reads_like_pytorch():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Dropout(0.1))
    assert repr(model) == ("Sequential(\n"
                           "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
                           "  (1): ReLU()\n"
                           "  (2): Dropout(p=0.1)\n)")


def test_linear_matches_its_formula_and_passes_gradcheck():
    layer = nn.Linear(3, 2, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((4, 3))
    expected = x @ layer.weight.numpy().T + layer.bias.numpy()
    np.testing.assert_allclose(layer(mg.tensor(x)).numpy(), expected)
    assert layer.weight.shape == (2, 3) and layer.weight.dtype == np.float64

    def f(x, w, b):
        layer.weight, layer.bias = w, b
        return layer(x)
    assert mg.gradcheck(f, x, layer.weight.data, layer.bias.data)


def test_initialisation_has_the_intended_scale():
    mg.manual_seed(0)
    w = nn.Linear(400, 300).weight.numpy()
    assert abs(w.std() - math.sqrt(2 / 400)) < 0.005            # Kaiming, gain √2
    x = nn.init.xavier_uniform_(mg.zeros(300, 400)).numpy()
    assert abs(x.std() - math.sqrt(2 / 700)) < 0.005            # Glorot
    assert abs(x.max() - math.sqrt(6 / 700)) < 0.01
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        nn.init.kaiming_uniform_(mg.zeros(3))


def test_linear_rejects_inputs_with_the_wrong_width():
    with pytest.raises(ValueError, match=r"Linear\(3, 2\): expected inputs with 3 features.*\(4, 5\)"):
        nn.Linear(3, 2)(mg.ones(4, 5))


def test_activations_flatten_softmax_identity():
    x = mg.tensor([[-1.0, 2.0]])
    assert nn.ReLU()(x).data.tolist() == [[0.0, 2.0]]
    assert nn.LeakyReLU(0.1)(x).data.tolist() == [[-0.1, 2.0]]
    assert np.allclose(nn.Tanh()(x).numpy(), np.tanh(x.numpy()))
    assert np.allclose(nn.Sigmoid()(x).numpy(), 1 / (1 + np.exp(-x.numpy())))
    assert np.allclose(nn.Softmax()(x).numpy().sum(), 1.0)
    assert nn.Flatten()(mg.ones(2, 3, 4)).shape == (2, 12)
    assert nn.Identity()(x) is x


def test_dropout_in_training_and_evaluation():
    mg.manual_seed(0)
    drop = nn.Dropout(0.25)
    x = mg.ones(200_000)
    out = drop(x).numpy()
    assert abs((out == 0).mean() - 0.25) < 0.01                 # drops a quarter
    assert set(np.unique(out)) == {0.0, 1 / 0.75}               # scales the rest
    assert abs(out.mean() - 1.0) < 0.01                         # expectation kept
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        nn.Dropout(1.0)


def test_state_dict_round_trip_through_a_file(tmp_path):
    mg.manual_seed(1)
    model = TwoLayers()
    path = tmp_path / "weights.npz"
    mg.save(model, path)
    mg.manual_seed(2)
    other = TwoLayers()
    x = mg.randn(2, 3)
    assert not np.allclose(model(x).numpy(), other(x).numpy())
    other.load_state_dict(mg.load(path))
    np.testing.assert_array_equal(model(x).numpy(), other(x).numpy())
    assert sorted(mg.load(path)) == sorted(model.state_dict())


def test_load_state_dict_names_missing_keys_and_wrong_shapes():
    model = TwoLayers()
    state = model.state_dict()
    del state["scale"]
    with pytest.raises(KeyError, match=r"missing keys \['scale'\]"):
        model.load_state_dict(state)
    state = model.state_dict()
    state["first.weight"] = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"'first.weight' has shape \(2, 2\).*\(4, 3\)"):
        model.load_state_dict(state)


# -- optimizers ---------------------------------------------------------------------------

def _quadratic_steps(make_optimizer, steps):
    """Minimise p²/2 from p = 1 (so grad = p); return p after each step."""
    p = nn.Parameter(np.array([1.0]))
    opt = make_optimizer([p])
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        (p * p / 2).sum().backward()
        opt.step()
        trajectory.append(p.numpy()[0])
    return trajectory


def test_optimizers_against_hand_computed_steps():
    assert _quadratic_steps(lambda ps: optim.SGD(ps, lr=0.1), 2) == pytest.approx([0.9, 0.81])
    # momentum 0.9: v1 = 1, p1 = 0.9; v2 = 0.9 + 0.9, p2 = 0.9 - 0.1 * 1.8
    assert _quadratic_steps(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), 2) == \
        pytest.approx([0.9, 0.72])
    # Nesterov: p1 = 1 - 0.1 (1 + 0.9); v2 = 0.9 + 0.81, p2 = 0.81 - 0.1 (0.81 + 0.9 v2)
    assert _quadratic_steps(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True), 2) == \
        pytest.approx([0.81, 0.81 - 0.1 * (0.81 + 0.9 * 1.71)])
    # Adam: the first step moves by lr (bias-corrected m / sqrt(s) = 1)
    m2, s2 = 0.9 * 0.1 + 0.1 * 0.9, 0.999 * 0.001 + 0.001 * 0.81
    adam2 = 0.9 - 0.1 * (m2 / (1 - 0.9**2)) / (math.sqrt(s2 / (1 - 0.999**2)) + 1e-8)
    assert _quadratic_steps(lambda ps: optim.Adam(ps, lr=0.1), 2) == pytest.approx([0.9, adam2])
    # AdamW decays p first: p1 = 1 * (1 - 0.1 * 0.5) - 0.1
    assert _quadratic_steps(lambda ps: optim.AdamW(ps, lr=0.1, weight_decay=0.5), 1) == \
        pytest.approx([0.85])
    # RMSprop: s1 = 0.01, p1 = 1 - 0.01 * 1 / 0.1
    assert _quadratic_steps(lambda ps: optim.RMSprop(ps, lr=0.01), 1) == pytest.approx([0.9])
    # L2 weight decay adds wd * p to the gradient
    assert _quadratic_steps(lambda ps: optim.SGD(ps, lr=0.1, weight_decay=1.0), 1) == \
        pytest.approx([0.8])


OPTIMIZERS = {
    "sgd": (lambda ps: optim.SGD(ps, lr=0.05), "SGD", dict(lr=0.05)),
    "momentum": (lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01), "SGD",
                 dict(lr=0.05, momentum=0.9, weight_decay=0.01)),
    "nesterov": (lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True), "SGD",
                 dict(lr=0.05, momentum=0.9, nesterov=True)),
    "adam": (lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.01), "Adam",
             dict(lr=0.01, weight_decay=0.01)),
    "adamw": (lambda ps: optim.AdamW(ps, lr=0.01), "AdamW", dict(lr=0.01)),
    "rmsprop": (lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5), "RMSprop",
                dict(lr=0.01, momentum=0.5)),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizers_match_pytorch_over_20_steps(name):
    torch = pytest.importorskip("torch")
    make, torch_name, kwargs = OPTIMIZERS[name]
    rng = np.random.default_rng(0)
    A, b = rng.standard_normal((6, 4)), rng.standard_normal(6)
    start = rng.standard_normal(4)
    ours = nn.Parameter(start.copy())
    theirs = torch.tensor(start.copy(), requires_grad=True)
    opt, ref = make([ours]), getattr(torch.optim, torch_name)([theirs], **kwargs)
    for _ in range(20):
        opt.zero_grad()
        ((mg.tensor(A) @ ours - b) ** 2).sum().backward()
        opt.step()
        ref.zero_grad()
        ((torch.tensor(A) @ theirs - torch.tensor(b)) ** 2).sum().backward()
        ref.step()
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-6, atol=1e-6)


def test_optimizer_state_dict_and_schedules():
    p = nn.Parameter(np.ones(2))
    opt = optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    state = opt.state_dict()
    assert state["steps"] == 1 and state["groups"][0]["lr"] == 0.1 and "m" in state["state"][0]
    fresh = optim.Adam([p], lr=0.5)
    fresh.load_state_dict(state)
    assert fresh.lr == 0.1 and np.array_equal(fresh.state[0]["m"], opt.state[0]["m"])
    step = optim.StepLR(optim.SGD([p], lr=1.0), step_size=2, gamma=0.5)
    assert [step.step() for _ in range(4)] == [1.0, 0.5, 0.5, 0.25]
    cosine = optim.CosineAnnealingLR(optim.SGD([p], lr=1.0), T_max=4)
    assert [round(cosine.step(), 6) for _ in range(5)] == [0.853553, 0.5, 0.146447, 0.0, 0.0]


@pytest.mark.parametrize("make, error, words", [
    (lambda: optim.SGD([], lr=0.1), ValueError, "empty parameter list"),
    (lambda: optim.SGD([np.ones(2)], lr=0.1), TypeError, "parameter 0 is a ndarray"),
    (lambda: optim.Adam([mg.ones(2)]), ValueError, "does not require grad"),
    (lambda: optim.SGD([nn.Parameter(np.ones(1))], lr=-1), ValueError, "lr must be >= 0"),
    (lambda: optim.SGD([nn.Parameter(np.ones(1))], lr=0.1, nesterov=True), ValueError, "nesterov"),
])
def test_optimizers_refuse_bad_arguments(make, error, words):
    with pytest.raises(error, match=words):
        make()


# -- data ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_dataloader_visits_every_sample_once_per_epoch(shuffle, drop_last):
    X = np.arange(23, dtype=float).reshape(23, 1)
    y = np.arange(23)
    loader = DataLoader((X, y), batch_size=5, shuffle=shuffle, drop_last=drop_last, seed=3)
    assert len(loader) == (4 if drop_last else 5)
    for _ in range(2):
        seen = []
        for xb, yb in loader:
            assert isinstance(xb, mg.Tensor) and np.array_equal(xb.numpy()[:, 0], yb.numpy())
            assert len(yb) == 5 or not drop_last
            seen += yb.data.tolist()
        expected = list(range(20)) if drop_last and not shuffle else list(range(23))
        if drop_last and shuffle:
            assert len(seen) == 20 == len(set(seen))
        else:
            assert sorted(seen) == expected
        assert (seen != sorted(seen)) == shuffle


def test_dataloader_seed_and_generic_datasets():
    X = np.arange(10)
    first = [b[0].data.tolist() for b in DataLoader((X,), 4, shuffle=True, seed=1)]
    again = [b[0].data.tolist() for b in DataLoader((X,), 4, shuffle=True, seed=1)]
    assert first == again

    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i]), i * i

    batches = list(DataLoader(Squares(), batch_size=2))
    assert [b[1].data.tolist() for b in batches] == [[0, 1], [4, 9], [16]]


def test_tensor_dataset_and_loader_refuse_bad_input():
    with pytest.raises(ValueError, match=r"different lengths \[3, 2\]"):
        TensorDataset(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        DataLoader((np.ones(3),), batch_size=0)


def test_circles_and_spirals():
    X, y = mg.data.make_circles(100, factor=0.5, random_state=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(r[y == 0], 1.0) and np.allclose(r[y == 1], 0.5)
    X, y = mg.data.make_spirals(300, n_classes=3, random_state=0)
    assert X.shape == (300, 2) and np.bincount(y).tolist() == [100, 100, 100]
    datasets = pytest.importorskip("sklearn.datasets")
    ours = mg.data.make_circles(50, noise=0.1, random_state=4)
    theirs = datasets.make_circles(50, noise=0.1, random_state=4)
    np.testing.assert_array_equal(ours[0], theirs[0])


# -- MNIST ----------------------------------------------------------------------------------------

@needs_mnist
def test_mnist_from_the_shared_files():
    X, y = mg.data.load_mnist("train", data_dir=DATA)
    assert X.shape == (60000, 28, 28) and X.dtype == np.float32
    assert 0.0 <= X.min() and X.max() == 1.0
    assert y.dtype == np.int64 and y[:5].tolist() == [5, 0, 4, 1, 9]
    Xt, yt = mg.data.load_mnist("test", data_dir=DATA, flatten=True)
    assert Xt.shape == (10000, 784) and np.bincount(yt).sum() == 10000


@needs_mnist
def test_fashion_mnist_and_the_environment_variable(monkeypatch):
    monkeypatch.setenv("MINIGRAD_DATA", str(DATA))
    X, y = mg.data.load_fashion_mnist("test")
    assert X.shape == (10000, 28, 28) and y[:3].tolist() == [9, 2, 1]


def _isolated(monkeypatch, tmp_path):
    monkeypatch.delenv("MINIGRAD_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_missing_files_name_every_folder_looked_in(monkeypatch, tmp_path):
    _isolated(monkeypatch, tmp_path)
    with pytest.raises(DatasetError) as info:
        mg.data.fetch("mnist", "t10k-labels-idx1-ubyte.gz", data_dir=tmp_path / "nowhere",
                      mirrors=[])
    message = str(info.value)
    assert str(tmp_path / "nowhere") in message and str(tmp_path / "cache" / "minigrad") in message
    assert "MINIGRAD_DATA" in message


@needs_mnist
def test_a_corrupted_file_fails_its_checksum(monkeypatch, tmp_path):
    _isolated(monkeypatch, tmp_path)
    good = (DATA / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes()
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(good[:-10])
    with pytest.raises(DatasetError, match="checksum mismatch.*delete it"):
        mg.data.fetch("mnist", "t10k-labels-idx1-ubyte.gz", data_dir=tmp_path)


@needs_mnist
def test_download_from_a_mirror_is_verified_and_cached(monkeypatch, tmp_path):
    _isolated(monkeypatch, tmp_path)
    name = "t10k-labels-idx1-ubyte.gz"
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / name).write_bytes(b"not the file")
    mirrors = [(tmp_path / "absent").as_uri() + "/", broken.as_uri() + "/",
               (DATA / "mnist").as_uri() + "/"]
    path = mg.data.fetch("mnist", name, mirrors=mirrors)
    assert path == tmp_path / "cache" / "minigrad" / "mnist" / name
    assert path.read_bytes() == (DATA / "mnist" / name).read_bytes()
    assert mg.data.fetch("mnist", name, mirrors=[]) == path  # served from the cache now


def test_truncated_and_wrong_idx_files_are_explained(tmp_path):
    truncated = tmp_path / "labels.gz"
    with gzip.open(truncated, "wb") as f:
        f.write((2049).to_bytes(4, "big") + (10).to_bytes(4, "big") + bytes(3))
    with pytest.raises(DatasetError, match="truncated.*promises"):
        mg.data._read_idx(truncated, 2049, 1)
    with pytest.raises(DatasetError, match="magic number 2049, expected 2051"):
        mg.data._read_idx(truncated, 2051, 3)


def test_split_must_be_train_or_test():
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        mg.data.load_mnist("validation")


# -- training -------------------------------------------------------------------------------------

def test_a_short_training_run_lowers_the_loss():
    mg.manual_seed(0)
    X, y = mg.data.make_moons(200, noise=0.1, random_state=0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(150):
        loss = F.cross_entropy(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]
    assert F.accuracy(model(X), y) == 1.0


# -- pictures ------------------------------------------------------------------------------------------

def test_pictures(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    mg.manual_seed(0)
    X, y = mg.data.make_spirals(60, 3, random_state=0)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    ax = mg.viz.plot_decision_boundary(model, X, y, resolution=20)
    assert len(ax.get_legend().get_texts()) == 3
    recorder = mg.viz.BoundaryRecorder(X, y, resolution=15)
    recorder.record(model, "start")
    recorder.record(model, "again")
    gif = recorder.save(tmp_path / "boundary.gif", fps=2)
    assert Path(gif).read_bytes()[:6] in (b"GIF89a", b"GIF87a")
    ax = mg.viz.plot_confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]))
    assert ax.images[0].get_array().tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    fig = mg.viz.plot_misclassified(np.zeros((4, 784)), np.array([0, 1, 2, 3]),
                                    np.array([0, 2, 2, 1]))
    assert "2 misclassified" in fig._suptitle.get_text()
    ax = mg.viz.plot_history({"SGD": [3, 2], "Adam": [3, 1]})
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["SGD", "Adam"]


def test_fused_linear_matches_the_composite_and_passes_gradcheck():
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2)
    np.testing.assert_allclose(F.linear(mg.tensor(x), w, b).numpy(), x @ w.T + b)
    assert mg.gradcheck(F.linear, x, w, b)
    assert mg.gradcheck(F.linear, rng.standard_normal((2, 4, 3)), w)  # leading axes, no bias
    assert mg.gradcheck(F.linear, rng.standard_normal((2, 2, 4, 3)), w, b)  # two of them
    assert mg.gradcheck(F.linear, rng.standard_normal(3), w, b)  # one sample, no batch axis
    x3 = rng.standard_normal((2, 4, 3))
    np.testing.assert_allclose(F.linear(mg.tensor(x3), w, b).numpy(), x3 @ w.T + b)
    with pytest.raises(ValueError, match=r"linear: inputs of shape \(4, 5\) do not fit"):
        F.linear(mg.ones(4, 5), mg.ones(2, 3))
