"""Gradient checkpointing (Chapter 8): the same gradients as without it, less memory."""

import gc
import tracemalloc

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.backend import asnumpy as host


def _mlp(depth, width, dropout=0.0, seed=0):
    mg.manual_seed(seed)
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width, dtype=np.float64), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def _segments(model, size):
    layers = model.layers
    return [nn.Sequential(*layers[i:i + size]) for i in range(0, len(layers), size)]


def _grads(model, x, segment_size=None, seed=0):
    mg.manual_seed(seed)
    h = x
    for part in _segments(model, segment_size) if segment_size else [model]:
        h = mg.checkpoint(part, h) if segment_size else part(h)
    loss = (h * h).mean()
    for p in model.parameters():
        p.grad = None
    loss.backward()
    return loss.item(), [host(p.grad).copy() for p in model.parameters()]


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_checkpointed_gradients_equal_plain_ones(dropout):
    """Dropout inside a segment draws the same masks again when it is recomputed."""
    model = _mlp(6, 8, dropout)
    x = np.random.default_rng(1).standard_normal((5, 8))
    loss, plain = _grads(model, mg.tensor(x))
    loss_cp, checkpointed = _grads(model, mg.tensor(x), segment_size=4)
    assert loss_cp == pytest.approx(loss)
    for a, b in zip(plain, checkpointed):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)


def test_the_input_gradient_flows_through_a_checkpointed_function():
    x = mg.tensor(np.linspace(-1, 1, 6), requires_grad=True)
    mg.checkpoint(lambda t, s: (t.tanh() * s).sum(), x, 3.0).backward()
    np.testing.assert_allclose(host(x.grad), 3 * (1 - np.tanh(np.linspace(-1, 1, 6)) ** 2))
    assert mg.gradcheck(lambda t: mg.checkpoint(lambda u: (u.exp() * u).sum(), t),
                        np.linspace(-1, 1, 4))


def test_a_checkpoint_leaves_minigrads_generator_as_a_plain_run_would():
    model = _mlp(2, 4, dropout=0.5)
    mg.manual_seed(3)
    model(mg.ones(2, 4, dtype=np.float64))
    after_plain = mg.rng.default_rng().random()
    mg.manual_seed(3)
    mg.checkpoint(model, mg.ones(2, 4, dtype=np.float64)).sum().backward()
    assert mg.rng.default_rng().random() == after_plain


def test_checkpointing_a_deep_network_keeps_far_fewer_activations():
    """50 layers of width 64, batch 1024, in float64 (activations dominate, not weights):
    checkpointing every 7 layers (about √50) keeps the segments' inputs and one segment's
    activations at a time. On the CPU whatever the default device: tracemalloc sees host
    memory only."""
    model = _mlp(50, 64).to("cpu")
    x = mg.tensor(np.random.default_rng(0).standard_normal((1024, 64)), device="cpu")

    def peak(segment_size):
        gc.collect()
        tracemalloc.start()
        _grads(model, x, segment_size)
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return top

    plain, checkpointed = peak(None), peak(14)  # 14 modules = 7 Linear + ReLU pairs
    print(f"peak traced memory: {plain / 2**20:.1f} MiB plain, "
          f"{checkpointed / 2**20:.1f} MiB checkpointed")
    assert checkpointed < 0.4 * plain, (plain, checkpointed)


def test_a_segment_must_return_a_tensor_and_fn_must_be_callable():
    with pytest.raises(TypeError, match="checkpoint: the segment must return one Tensor"):
        mg.checkpoint(lambda t: t.numpy(), mg.ones(2, requires_grad=True))
    with pytest.raises(TypeError, match="checkpoint: expected a function or a Module"):
        mg.checkpoint(3, mg.ones(2))


def test_under_no_grad_a_checkpoint_only_runs_the_function():
    model = _mlp(2, 4)
    with mg.no_grad():
        out = mg.checkpoint(model, mg.ones(3, 4, dtype=np.float64))
    assert not out.requires_grad and out.shape == (3, 4)
