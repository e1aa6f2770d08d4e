"""Reliability: random compositions of operations, edge values, and deep graphs.

Hypothesis builds random graphs (random depth, broadcastable shapes and axes)
from the operation table below; every gradient is checked against float64
central differences and the dot-product test, and against PyTorch when it is
installed. The counts are printed at the end of the test run.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.backend import asnumpy as host
import minigrad.functional as F

pytestmark = pytest.mark.reliability

STATS = {"graphs": 0, "op_instances": 0}

# Unary steps keep values in a comfortable range (no kinks at 0 are hit by
# random normals), so that central differences are exact to ~1e-8.
UNARY = {
    "tanh": (lambda t: t.tanh(), lambda t: t.tanh()),
    "sigmoid": (lambda t: t.sigmoid(), lambda t: t.sigmoid()),
    "sin": (lambda t: t.sin(), lambda t: t.sin()),
    "exp_small": (lambda t: (t * 0.3).exp(), lambda t: (t * 0.3).exp()),
    "log_pos": (lambda t: (t * t + 1).log(), lambda t: (t * t + 1).log()),
    "square": (lambda t: t.square(), lambda t: t * t),
    "softplus_like": (lambda t: (t.exp() + 1).log(), lambda t: (t.exp() + 1).log()),
    "transpose": (lambda t: t.T, lambda t: t.permute(*reversed(range(t.ndim))) if t.ndim else t),
    "log_softmax": (lambda t: F.log_softmax(t, axis=-1) if t.ndim else t,
                    lambda t: t.log_softmax(dim=-1) if t.ndim else t),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
    "maximum": (lambda a, b: mg.maximum(a, b), lambda a, b: a.maximum(b)),
}


def _reduce(kind, axis, keepdims):
    def ours(t):
        return getattr(t, kind)(axis=axis, keepdims=keepdims)

    def theirs(t):
        dim = tuple(range(t.ndim)) if axis is None else axis
        name = {"sum": "sum", "mean": "mean", "max": "amax"}[kind]
        return getattr(t, name)(dim=dim, keepdim=keepdims)
    return ours, theirs


@st.composite
def programs(draw):
    """A random program: input shapes and a list of steps over a stack of values."""
    ndim = draw(st.integers(0, 3))
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim)))
    # a second input broadcastable to the first: drop leading axes, set some to 1
    drop = draw(st.integers(0, ndim))
    other = tuple(n if draw(st.booleans()) else 1 for n in shape[drop:])
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["unary", "binary", "binary", "reduce"]))
        if kind == "unary":
            steps.append(("unary", draw(st.sampled_from(sorted(UNARY)))))
        elif kind == "binary":
            steps.append(("binary", draw(st.sampled_from(sorted(BINARY)))))
        else:
            steps.append(("reduce", draw(st.sampled_from(["sum", "mean", "max"])),
                          draw(st.one_of(st.none(), st.integers(-3, 2))), draw(st.booleans())))
    return shape, other, steps


def _run(program, a, b, lib):
    """Apply the program's steps; `lib` 0 is minigrad, 1 is torch. Returns (value, ops)."""
    _, _, steps = program
    x, ops = a, 0
    for step in steps:
        if step[0] == "unary":
            x = UNARY[step[1]][lib](x)
        elif step[0] == "binary":
            try:
                np.broadcast_shapes(tuple(x.shape), tuple(b.shape))
            except ValueError:  # a reduction changed the shape: skip this step
                continue
            x = BINARY[step[1]][lib](x, b)
        else:
            _, kind, axis, keepdims = step
            if axis is not None and not -x.ndim <= axis < x.ndim:
                axis = None
            if axis is None and x.ndim == 0:
                continue
            x = _reduce(kind, axis, keepdims)[lib](x)
        ops += 1
    return x, ops


@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(), seed=st.integers(0, 2**16))
def test_random_graphs_match_central_differences(program, seed):
    shape, other, _ = program
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    b = rng.standard_normal(other)
    # max has a kink where two entries tie: random normals do not tie
    out, ops = _run(program, mg.tensor(a), mg.tensor(b), 0)
    # nested exps can overflow, or grow so large that central differences lose their
    # digits: their round-off is about 2e-16 |f| / eps (eps = 1e-6), so |f| < 1e4 keeps
    # it under gradcheck's atol of 1e-5 (at |f| = 8e5 it was 2e-4, and a correct
    # gradient, equal to PyTorch's, failed)
    assume(np.isfinite(out.numpy()).all() and np.abs(out.numpy()).max() < 1e4)
    assert mg.gradcheck(lambda x, y: _run(program, x, y, 0)[0], a, b, atol=1e-5, rtol=1e-4)
    STATS["graphs"] += 1
    STATS["op_instances"] += ops


@pytest.mark.torch
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs(), seed=st.integers(0, 2**16))
def test_random_graphs_match_pytorch(program, seed):
    torch = pytest.importorskip("torch")
    shape, other, _ = program
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(shape), rng.standard_normal(other)
    ours = [mg.tensor(a, requires_grad=True), mg.tensor(b, requires_grad=True)]
    theirs = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    out, ops = _run(program, *ours, 0)
    ref, _ = _run(program, *theirs, 1)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    v = rng.standard_normal(out.shape)
    out.backward(v)
    ref.backward(torch.tensor(v))
    for mine, t in zip(ours, theirs):
        expected = t.grad.numpy() if t.grad is not None else np.zeros(mine.shape)
        got = host(mine.grad) if mine.grad is not None else np.zeros(mine.shape)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    STATS["graphs"] += 1
    STATS["op_instances"] += ops


# -- edge values: one documented policy (NumPy's IEEE rules, with its warnings) -------------

def test_log_and_sqrt_outside_their_domain_give_nan_and_inf_like_numpy():
    x = mg.tensor([0.0, -1.0, 4.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = mg.log(x)
        assert y.data[0] == -np.inf and np.isnan(y.data[1]) and y.data[2] == np.log(4)
        y.sum().backward()
        assert x.grad[0] == np.inf and x.grad[1] == -1.0
        s = mg.sqrt(mg.tensor([-1.0, 0.0, 4.0]))
    assert np.isnan(s.data[0]) and s.data[1] == 0 and s.data[2] == 2


def test_the_warning_is_numpys(warns_where_numpy_computes):
    with warns_where_numpy_computes(match="divide by zero"):
        mg.log(mg.tensor([0.0]))


def test_infinities_and_extreme_magnitudes():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert mg.exp(mg.tensor([1000.0])).data[0] == np.inf
    big = mg.tensor([1e300, -1e300, np.inf, -np.inf])
    assert mg.tanh(big).data.tolist() == [1.0, -1.0, 1.0, -1.0]
    assert mg.sigmoid(big).data.tolist() == [1.0, 0.0, 1.0, 0.0]
    tiny = mg.tensor([1e-300], requires_grad=True)
    (tiny * 1e300).sum().backward()
    assert tiny.grad[0] == 1e300


def test_empty_tensors():
    e = mg.tensor(np.zeros((0, 3)), requires_grad=True)
    s = e.sum()
    assert s.item() == 0.0
    s.backward()
    assert e.grad.shape == (0, 3)
    assert (e * 2).sum(axis=0).data.tolist() == [0.0, 0.0, 0.0]
    assert (mg.ones(2, 0) @ mg.ones(0, 3)).data.tolist() == [[0.0] * 3] * 2


def test_zero_dimensional_tensors():
    x = mg.tensor(3.0, requires_grad=True)
    y = (x * x).exp() / x
    y.backward()
    assert x.shape == () and y.shape == () and x.grad.shape == ()
    assert mg.gradcheck(lambda t: (t * t).sin() + t, np.array(0.7))


def test_non_contiguous_and_transposed_inputs():
    base = np.random.default_rng(0).standard_normal((6, 8))
    for view in (base.T, base[::2, ::3], base[:, 1:-1].T):
        assert not view.flags.c_contiguous
        assert mg.gradcheck(lambda t: (t @ t.T).tanh().sum(axis=0), view)


def test_float32_and_float64_mix_by_numpys_promotion_rule():
    a32 = mg.randn(3, dtype=np.float32, requires_grad=True)
    b64 = mg.randn(3, requires_grad=True)
    out = a32 * b64
    assert out.dtype == np.float64            # float32 with float64 -> float64
    assert (a32 * 2.0).dtype == np.float32    # a Python number takes the tensor's dtype
    out.sum().backward()
    assert a32.grad.dtype == np.float32 and b64.grad.dtype == np.float64  # each keeps its own


def test_deep_graphs_do_not_hit_the_recursion_limit():
    x = mg.Value(1.0)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0
    t = mg.tensor([1.0], requires_grad=True)
    u = t
    for _ in range(10_000):
        u = u.tanh() * 1.0 + 0.0
    u.sum().backward()
    assert np.isfinite(t.grad).all()


def test_graph_is_freed_when_the_loss_is_kept():
    import weakref

    x = mg.tensor(np.ones(1000), requires_grad=True)
    hidden = x * 2
    watcher = weakref.ref(hidden)
    loss = (hidden.tanh() ** 2).sum()
    del hidden
    assert watcher() is not None      # the graph holds it until backward
    loss.backward()
    assert watcher() is None          # freed, although `loss` is still alive
    assert loss.item() > 0


def test_a_wrongly_shaped_gradient_is_reported_with_the_shape_backward_returned():
    class Unshaped(mg.Function):
        @staticmethod
        def forward(ctx, a):
            return a.reshape(2, 3, 2, 2, 3, 2).max(axis=(3, 5))

        @staticmethod
        def backward(ctx, g):
            return np.ones((2, 3, 2, 2, 3, 2))  # forgot to reshape back to (2, 3, 4, 6)

    x = mg.tensor(np.zeros((2, 3, 4, 6)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2, 3, 2, 2, 3, 2\) for an input of shape "
                                           r"\(2, 3, 4, 6\)"):
        Unshaped.apply(x).sum().backward()


def test_gradcheck_speaks_of_broadcasting_only_when_the_input_was_broadcast():
    from minigrad.gradcheck import GradcheckError, gradcheck

    class DoubledPool(mg.Function):  # 2 x 2 average pooling, gradient twice too large
        @staticmethod
        def forward(ctx, a):
            return a.reshape(1, 2, 2, 2, 2).mean(axis=(2, 4))

        @staticmethod
        def backward(ctx, g):
            return np.repeat(np.repeat(g, 2, axis=1), 2, axis=2).reshape(1, 4, 4) / 2

    with pytest.raises(GradcheckError) as error:
        gradcheck(DoubledPool.apply, np.arange(16.0).reshape(1, 4, 4))
    assert "2 times too large" in str(error.value) and "broadcast" not in str(error.value)
