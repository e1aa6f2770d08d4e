"""Chapter 7: convolution and pooling layers, BatchNorm2d, buffers, and their errors.
(The operations themselves are in the op table: tests/test_ops.py, marker ch07.)"""

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import nn, optim
from minigrad.backend import asnumpy as host

pytestmark = pytest.mark.ch07

rng = np.random.default_rng(7)


def test_conv2d_layer_has_pytorchs_shapes_and_default_initialisation():
    mg.manual_seed(0)
    conv = nn.Conv2d(3, 6, 5, padding=2)
    assert conv.weight.shape == (6, 3, 5, 5) and conv.bias.shape == (6,)
    bound = 1 / np.sqrt(3 * 5 * 5)
    weights, biases = host(conv.weight.data), host(conv.bias.data)
    assert np.abs(weights).max() <= bound and np.abs(weights).max() > 0.9 * bound  # 450 draws
    assert np.abs(biases).max() <= bound
    out = conv(mg.randn(2, 3, 8, 8, dtype=np.float32))
    assert out.shape == (2, 6, 8, 8) and out.dtype == np.float32
    assert [name for name, _ in conv.named_parameters()] == ["weight", "bias"]
    assert nn.Conv2d(1, 2, (3, 1), bias=False).bias is None


def test_max_pooling_shares_the_gradient_among_tied_maxima():
    x = mg.tensor(np.array([[[[1.0, 3.0], [3.0, 2.0]]]]), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(host(x.grad), [[[[0, 0.5], [0.5, 0]]]])


def test_overlapping_windows_add_their_gradients():
    x = mg.tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    F.avg_pool2d(x, 3, stride=1).sum().backward()
    counts = np.array([[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]]) / 9
    np.testing.assert_allclose(host(x.grad)[0, 0], counts)


@pytest.mark.torch
def test_batchnorm2d_matches_pytorch_in_training_and_evaluation():
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((4, 3, 5, 5))
    ours, theirs = nn.BatchNorm2d(3, dtype=np.float64), torch.nn.BatchNorm2d(3, dtype=torch.float64)
    weight, bias = rng.standard_normal(3), rng.standard_normal(3)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(weight))
        theirs.bias.copy_(torch.tensor(bias))
    ours.weight.data[...], ours.bias.data[...] = mg.tensor(weight).data, mg.tensor(bias).data
    for _ in range(3):
        xs, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        v = rng.standard_normal(x.shape)
        out, ref = ours(xs), theirs(xt)
        out.backward(v)
        ref.backward(torch.tensor(v))
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), atol=1e-12)
        np.testing.assert_allclose(host(xs.grad), xt.grad.numpy(), atol=1e-12)
        np.testing.assert_allclose(host(ours.weight.grad), theirs.weight.grad.numpy(), atol=1e-12)
        ours.zero_grad()
        theirs.zero_grad()
    for name in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, name).numpy(), getattr(theirs, name).numpy(),
                                   atol=1e-12)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(mg.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               atol=1e-12)


def test_batchnorm2d_gradient_matches_central_differences():
    bn = nn.BatchNorm2d(2, dtype=np.float64)
    bn.weight.data[...] = mg.tensor([1.5, -0.5]).data
    x = rng.standard_normal((3, 2, 2, 3))
    assert mg.gradcheck(lambda t: bn(t), x)
    bn.eval()
    assert mg.gradcheck(lambda t: bn(t), x)


def test_running_statistics_are_buffers_saved_loaded_and_moved():
    bn = nn.BatchNorm2d(2)
    bn(mg.randn(4, 2, 3, 3, dtype=np.float32) * 3 + 1)
    state = bn.state_dict()
    assert sorted(state) == ["bias", "running_mean", "running_var", "weight"]
    assert [name for name, _ in bn.named_parameters()] == ["weight", "bias"]  # not learned
    fresh = nn.BatchNorm2d(2).load_state_dict(state)
    np.testing.assert_array_equal(fresh.running_var.numpy(), bn.running_var.numpy())
    model = nn.Sequential(nn.Conv2d(2, 2, 3), nn.BatchNorm2d(2))
    assert "1.running_mean" in model.state_dict()
    model.to("standin")
    assert model[1].running_mean.device == "standin"


def test_a_small_lenet_learns_on_random_images():
    mg.manual_seed(1)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(4, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.AvgPool2d(2),
                          nn.Flatten(), nn.Linear(8, 3))
    x = mg.randn(12, 1, 8, 8, dtype=np.float32)
    y = np.arange(12) % 3
    opt = optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(40):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0]


@pytest.mark.parametrize("make, error, words", [
    (lambda: F.conv2d(mg.ones(1, 3, 5, 5), mg.ones(2, 4, 3, 3)), ValueError,
     r"3 channels \(shape \(1, 3, 5, 5\)\) but the weight expects 4"),
    (lambda: F.conv2d(mg.ones(1, 5, 5, 3), mg.ones(2, 3, 3, 3)), ValueError, "looks like NHWC"),
    (lambda: F.conv2d(mg.ones(1, 1, 2, 2), mg.ones(1, 1, 3, 3)), ValueError,
     "kernel spans 3 pixels along H but the padded input has only 2"),
    (lambda: F.conv2d(mg.ones(1, 1, 5, 5), mg.ones(1, 1, 3, 3), stride=0), ValueError,
     "stride must be an int >= 1"),
    (lambda: F.conv2d(mg.ones(1, 5, 5), mg.ones(1, 1, 3, 3)), ValueError, r"x\[None\]"),
    (lambda: F.max_pool2d(mg.ones(1, 1, 4, 4), 2, padding=2), ValueError, "at most half"),
    (lambda: F.pad(mg.ones(2, 2), (1, -1)), ValueError, "non-negative"),
    (lambda: nn.BatchNorm2d(3)(mg.ones(2, 4, 2, 2)), ValueError, r"\(N, 3, H, W\)"),
])
def test_bad_input_gets_a_clear_error(make, error, words):
    with pytest.raises(error, match=words):
        make()
