"""Chapter 6: devices. Every test runs on the CPU stand-in device (so CI, which has
no GPU, takes the device code path) and, marked ``gpu``, on a real CUDA GPU when
CuPy can use one."""

import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import backend, nn, optim
from minigrad.backend import asnumpy as host
from op_cases import ALL, expand

pytestmark = pytest.mark.ch06

CUDA = pytest.param("cuda", marks=[pytest.mark.gpu, pytest.mark.skipif(
    not backend.cuda_available(), reason=f"no GPU: {backend.cuda_problem()}")])
DEVICES = ["standin", CUDA]

CASES, IDS = expand(ALL)

# Loss functions and fused ops, with their non-differentiable arguments.
_Y = np.array([0, 2, 1, 1, 3, 0])
LOSS_CASES = {
    "cross_entropy_indices": (lambda z, d: F.cross_entropy(z, mg.tensor(_Y, device=d)), (6, 4)),
    "cross_entropy_sum": (lambda z, d: F.cross_entropy(z, mg.tensor(_Y, device=d),
                                                       reduction="sum"), (6, 4)),
    "cross_entropy_none": (lambda z, d: F.cross_entropy(z, mg.tensor(_Y, device=d),
                                                        reduction="none") * 1.5, (6, 4)),
    "cross_entropy_probs": (lambda z, d: F.cross_entropy(z, F.softmax(z.detach() * 0.5)),
                            (6, 4)),
    "nll_loss": (lambda z, d: F.nll_loss(F.log_softmax(z), mg.tensor(_Y, device=d)), (6, 4)),
    "logsumexp": (lambda z, d: F.logsumexp(z, axis=0), (6, 4)),
    "softmax": (lambda z, d: F.softmax(z) * mg.arange(4, device=d), (6, 4)),
    "bce": (lambda z, d: F.binary_cross_entropy(z.sigmoid(), mg.tensor(_Y % 2, device=d)), (6,)),
    "bce_logits": (lambda z, d: F.binary_cross_entropy_with_logits(
        z, mg.tensor(_Y % 2, device=d)), (6,)),
    "mse": (lambda z, d: F.mse_loss(z, mg.ones(6, device=d)), (6,)),
    "linear": (lambda z, d: F.linear(z, mg.ones((3, 4), device=d) * 0.5,
                                     mg.arange(3, dtype=np.float64, device=d)), (6, 4)),
}


def _vjp(fn, arrays, device, cotangent_seed=1):
    """fn's output and the gradient of <v, output> for each input, as host arrays."""
    inputs = [mg.tensor(a, requires_grad=True, device=device) for a in arrays]
    out = fn(*inputs)
    assert out.device == device, f"the result left {device} for {out.device}"
    v = np.random.default_rng(cotangent_seed).standard_normal(out.shape)
    out.backward(v)
    grads = [host(x.grad) if x.grad is not None else np.zeros(x.shape) for x in inputs]
    for x in inputs:
        if x.grad is not None:
            assert backend.device_of(x.grad) == device, "a gradient left the device"
    return out.numpy(), grads


def _assert_parity(fn, arrays, device):
    out_cpu, grads_cpu = _vjp(fn, arrays, "cpu")
    out_dev, grads_dev = _vjp(fn, arrays, device)
    np.testing.assert_allclose(out_dev, out_cpu, rtol=1e-10, atol=1e-12)
    for g_dev, g_cpu in zip(grads_dev, grads_cpu):
        np.testing.assert_allclose(g_dev, g_cpu, rtol=1e-9, atol=1e-12)


# -- every op and its gradient: the same numbers on every device ----------------------

@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("case, shapes", CASES, ids=IDS)
def test_every_op_and_its_gradient_agree_with_the_cpu(case, shapes, device):
    _assert_parity(case.fn, case.inputs(shapes), device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(LOSS_CASES))
def test_losses_and_fused_ops_agree_with_the_cpu(name, device):
    fn, shape = LOSS_CASES[name]
    x = np.random.default_rng(2).standard_normal(shape)
    out_cpu, (g_cpu,) = _vjp(lambda z: fn(z, "cpu"), [x], "cpu")
    out_dev, (g_dev,) = _vjp(lambda z: fn(z, device), [x], device)
    np.testing.assert_allclose(out_dev, out_cpu, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_dev, g_cpu, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
def test_gradcheck_runs_on_the_device(device):
    x = mg.randn(3, 4, device=device)
    assert mg.gradcheck(lambda t: (t.tanh() @ t.T).sum(axis=0).exp(), x)


# -- moving tensors ---------------------------------------------------------------------------

@pytest.mark.parametrize("device", DEVICES)
def test_tensors_move_and_gradients_flow_back_through_the_move(device):
    x = mg.tensor([1.0, -2.0, 3.0], requires_grad=True, device="cpu")
    y = x.to(device)
    assert (x.device, y.device) == ("cpu", device) and not y.is_leaf
    assert y.to(device) is y                       # already there: no copy
    z = (y * y).sum()
    z.backward()
    assert x.grad.tolist() == [2.0, -4.0, 6.0] and type(x.grad) is np.ndarray
    back = y.cpu()
    assert back.device == "cpu" and back.numpy().tolist() == [1.0, -2.0, 3.0]
    assert isinstance(y.numpy(), np.ndarray) and y.numpy().tolist() == [1.0, -2.0, 3.0]
    assert f"device='{device}'" in repr(y)


@pytest.mark.parametrize("device", DEVICES)
def test_constructors_take_a_device_and_random_draws_match_the_cpu(device):
    for make in (lambda d: mg.zeros(2, 3, device=d), lambda d: mg.ones((2,), device=d),
                 lambda d: mg.full((2, 2), 7.0, device=d), lambda d: mg.eye(3, device=d),
                 lambda d: mg.arange(5, device=d), lambda d: mg.linspace(0, 1, 4, device=d),
                 lambda d: mg.tensor([[1, 2]], device=d)):
        on_cpu, on_device = make("cpu"), make(device)
        assert on_device.device == device and on_device.dtype == on_cpu.dtype
        np.testing.assert_array_equal(on_device.numpy(), on_cpu.numpy())
    mg.manual_seed(3)
    a = mg.randn(4, device=device)
    mg.manual_seed(3)
    np.testing.assert_array_equal(a.numpy(), mg.randn(4).numpy())
    like = mg.zeros_like(a)
    assert like.device == device and mg.ones_like(a, device="cpu").device == "cpu"


def test_the_device_of_data_is_kept_and_can_be_overridden():
    t = mg.tensor([1.0, 2.0], device="standin")
    assert mg.tensor(t).device == "standin"               # a copy, on the same device
    assert mg.tensor(t, device="cpu").device == "cpu"
    assert mg.tensor(t.data).device == "standin"          # a device array stays
    assert mg.tensor([1.0]).device == backend.default_device()
    assert mg.tensor(mg.tensor([1.0], device="cpu")).device == "cpu"


# -- errors: mixed devices, unknown devices, no GPU -----------------------------------------------

def test_an_op_mixing_devices_names_both():
    a, b = mg.ones(3, device="cpu"), mg.ones(3, device="standin")
    with pytest.raises(RuntimeError) as error:
        a + b
    message = str(error.value)
    assert message.startswith("add:") and "on cpu" in message and "on standin" in message
    assert ".to('standin')" in message
    with pytest.raises(RuntimeError, match="matmul: .*different devices"):
        mg.ones((2, 3), device="cpu") @ mg.ones((3, 2), device="standin")


def test_host_constants_join_the_device_of_the_tensors():
    t = mg.tensor([1.0, 2.0], device="standin")
    out = t * np.array([3.0, 4.0]) + [1.0, 1.0] + 2
    assert out.device == "standin" and out.numpy().tolist() == [6.0, 11.0]
    assert (t == np.array([1.0, 0.0])).numpy().tolist() == [True, False]


def test_an_unknown_device_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="unknown device 'tpu'; choose one of cpu, cuda, standin"):
        mg.zeros(2, device="tpu")


def test_cuda_without_a_usable_gpu_fails_with_one_sentence_saying_why(monkeypatch):
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(backend, "_cuda_problem", "CuPy is not installed: pip install 'minigrad[gpu]'")
    assert backend.cuda_available() is False
    with pytest.raises(RuntimeError) as error:
        mg.ones(2).cuda()
    assert str(error.value) == ("device 'cuda' is not available: CuPy is not installed: "
                                "pip install 'minigrad[gpu]'.")


def test_cuda_available_never_raises_whatever_cupy_does(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def broken_import(name, *args, **kwargs):
        if name == "cupy":
            raise OSError("libcudart.so.12: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(backend, "_cuda_problem", None)
    monkeypatch.setattr(builtins, "__import__", broken_import)
    assert backend.cuda_available() is False
    assert "libcudart" in backend.cuda_problem()


def test_importing_minigrad_does_not_import_cupy():
    code = "import sys, minigrad; print('cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_default_device_comes_from_the_environment():
    code = ("import minigrad as mg; from minigrad import nn; "
            "print(mg.ones(2).device, nn.Linear(2, 3).weight.device)")
    env = dict(os.environ, MINIGRAD_DEVICE="standin")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.split() == ["standin", "standin"]
    env["MINIGRAD_DEVICE"] = "quantum"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode != 0 and "MINIGRAD_DEVICE=quantum: unknown device" in out.stderr


# -- the stand-in is as strict as CuPy ------------------------------------------------------------

def test_the_stand_in_refuses_implicit_conversion_and_host_arrays():
    a = mg.ones(3, device="standin").data
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(a)
    with pytest.raises(TypeError, match="host"):
        a + np.ones(3)
    with pytest.raises(TypeError, match="host"):
        np.maximum(a, np.ones(3))
    assert type(np.exp(a)) is type(a)              # NumPy functions run on the device
    assert type(a.sum()) is type(a)                # reductions give 0-d device arrays
    assert host(a).tolist() == [1.0, 1.0, 1.0]


def test_an_op_that_calls_numpy_on_device_data_fails_on_the_stand_in():
    class HostZeros(mg.Function):                  # the classic GPU bug: np.zeros on the host
        @staticmethod
        def forward(ctx, a):
            return a + np.zeros(a.shape)

        @staticmethod
        def backward(ctx, g):
            return g

    assert HostZeros.apply(mg.ones(2, device="cpu")).numpy().tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="hostzeros: .*host"):
        HostZeros.apply(mg.ones(2, device="standin"))


# -- modules, optimizers and loaders on a device ------------------------------------------------

@pytest.mark.parametrize("device", DEVICES)
def test_module_to_moves_parameters_in_place(device):
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    params = model.parameters()
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    expected = model(x).numpy()
    assert model.to(device) is model and model.device == device
    assert model.parameters() == params            # the same Parameter objects
    assert all(p.device == device and p.is_leaf for p in params)
    np.testing.assert_allclose(model(mg.tensor(x, device=device)).numpy(), expected, rtol=1e-6)
    assert all(host(v).shape == p.shape for v, p in zip(model.state_dict().values(), params))
    assert model.cpu().device == "cpu"


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: optim.Adam(ps, lr=0.01),
                                  lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5)],
                         ids=["sgd-momentum", "adam", "rmsprop"])
def test_optimizers_train_on_the_device_like_on_the_cpu(make, device):
    def train(on):
        mg.manual_seed(1)
        model = nn.Sequential(nn.Linear(2, 8, dtype=np.float64), nn.Tanh(),
                              nn.Linear(8, 2, dtype=np.float64)).to(on)
        opt = make(model.parameters())
        X, y = mg.data.make_moons(32, noise=0.1, random_state=0)
        for xb, yb in mg.data.DataLoader((X, y), batch_size=8, device=on):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        for state in opt.state:                    # state lives where its parameter lives
            assert all(backend.device_of(v) == on for v in state.values() if hasattr(v, "shape"))
        return [p.numpy() for p in model.parameters()]

    for p_dev, p_cpu in zip(train(device), train("cpu")):
        np.testing.assert_allclose(p_dev, p_cpu, rtol=1e-9, atol=1e-12)


def test_optimizer_state_follows_a_model_moved_after_some_steps():
    model = nn.Linear(2, 1, dtype=np.float64)
    opt = optim.Adam(model.parameters(), lr=0.1)
    x = mg.tensor([[1.0, 2.0]])
    for step in range(2):
        if step == 1:
            model.to("standin")
            x = x.to("standin")
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
    assert all(backend.device_of(s["m"]) == "standin" for s in opt.state)


@pytest.mark.parametrize("device", DEVICES)
def test_data_loader_yields_batches_on_its_device(device):
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    batches = list(mg.data.DataLoader((X, y), batch_size=4, shuffle=True, seed=0, device=device))
    assert all(xb.device == yb.device == device for xb, yb in batches)
    on_device = mg.data.TensorDataset(mg.tensor(X, device=device), mg.tensor(y, device=device))
    again = list(mg.data.DataLoader(on_device, batch_size=4, shuffle=True, seed=0, device=device))
    for (a, _), (b, _) in zip(batches, again):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("device", DEVICES)
def test_checkpoints_save_host_arrays_and_load_onto_the_device(device, tmp_path):
    model = nn.Linear(3, 2).to(device)
    mg.save(model, tmp_path / "w.npz")
    other = nn.Linear(3, 2).to(device).load_state_dict(mg.load(tmp_path / "w.npz"))
    assert other.device == device
    np.testing.assert_array_equal(other.weight.numpy(), model.weight.numpy())


@pytest.mark.parametrize("device", DEVICES)
def test_metrics_and_pictures_accept_device_tensors(device, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    logits = mg.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, 1.0]], device=device)
    labels = mg.tensor(np.array([0, 1, 1]), device=device)
    assert F.accuracy(logits, labels) == pytest.approx(2 / 3)
    assert F.accuracy(logits, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert F.one_hot(labels, 2).device == device
    X, y = mg.data.make_moons(40, noise=0.1, random_state=0)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 2)).to(device)
    ax = mg.viz.plot_decision_boundary(model, mg.tensor(X, device=device), y, resolution=10)
    assert ax is not None
