"""Chapter 8: derivatives of derivatives and forward mode on tensors. ``grad(grad(f))``
to the fourth order against closed forms; ``hvp`` and ``hessian`` against PyTorch's
``torch.autograd.functional`` on MLP losses; ``jvp`` against ``jacrev`` times the
tangent for every operation of the op table (its JVP column); ``jacfwd`` against
``jacrev``; ``backward(create_graph=True)``; and operations that cannot be
differentiated twice yet say so."""

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import nn
from minigrad.backend import asnumpy as host
from op_cases import ALL, by_chapter

POINTS = [-1.3, -0.2, 0.4, 2.1]


def _nth_grad(f, order):
    for _ in range(order):
        f = (lambda h: lambda x: mg.grad(lambda y: h(y).sum())(x))(f)
    return f


def _tanh_derivatives(x):
    t = math.tanh(x)
    return [t, 1 - t**2, -2 * t * (1 - t**2), (1 - t**2) * (6 * t**2 - 2),
            -8 * t * (1 - t**2) * (3 * t**2 - 2)]


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_grad_of_grad_gives_the_derivatives_of_tanh_sin_and_x_exp_x(order):
    x = np.array(POINTS)
    tanh_k = host(_nth_grad(mg.tanh, order)(x))
    np.testing.assert_allclose(tanh_k, [_tanh_derivatives(v)[order] for v in POINTS], rtol=1e-12,
                               atol=1e-12)
    sin_k = host(_nth_grad(mg.sin, order)(x))
    np.testing.assert_allclose(sin_k, [np.sin(v + order * np.pi / 2) for v in POINTS], atol=1e-12)
    xexp_k = host(_nth_grad(lambda v: v * mg.exp(v), order)(x))
    np.testing.assert_allclose(xexp_k, np.exp(x) * (x + order), rtol=1e-12)


def test_reverse_over_reverse_agrees_with_forward_mode_dual_numbers():
    from minigrad.dual import derivative, tanh

    for v in POINTS:
        assert float(_nth_grad(mg.tanh, 3)(v)) == pytest.approx(derivative(tanh, 3)(v), abs=1e-12)


def test_first_order_gradients_stay_arrays_and_nested_ones_record():
    g = mg.grad(lambda x: (x ** 3).sum())(np.array([1.0, 2.0]))
    assert not isinstance(g, mg.Tensor)
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    inner = mg.grad(lambda y: (y ** 3).sum())(x)      # x is being recorded: so is this
    assert isinstance(inner, mg.Tensor) and inner.requires_grad
    inner.sum().backward()
    np.testing.assert_allclose(host(x.grad), [6.0, 12.0])  # d/dx Σ 3x² = 6x


def test_backward_with_create_graph_gives_a_grad_that_differentiates():
    """The gradient-norm penalty of WGAN-GP: ‖∇ₓ f‖² differentiated with respect to x."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a, w = rng.standard_normal((4, 3)), rng.standard_normal(3)
    x = mg.tensor(a, requires_grad=True)
    (mg.tanh(x @ w) ** 2).sum().backward(create_graph=True)
    gx = x.grad
    assert isinstance(gx, mg.Tensor) and gx.requires_grad
    x.grad = None
    (gx * gx).sum().backward()
    xt = torch.tensor(a, requires_grad=True)
    (gt,) = torch.autograd.grad((torch.tanh(xt @ torch.tensor(w)) ** 2).sum(), xt,
                                create_graph=True)
    (gt * gt).sum().backward()
    np.testing.assert_allclose(host(x.grad), xt.grad.numpy(), rtol=1e-10)


def _mlp_loss(activation):
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((6, 3)), np.array([0, 1, 2, 1, 0, 2])
    shapes = [(4, 3), (4,), (3, 4), (3,)]
    sizes = [math.prod(s) for s in shapes]

    def unpack(theta, lib):
        parts, start = [], 0
        for shape, n in zip(shapes, sizes):
            parts.append(theta[start:start + n].reshape(shape))
            start += n
        return parts

    def ours(theta):
        w1, b1, w2, b2 = unpack(theta, mg)
        h = getattr(mg, activation)(F.linear(mg.tensor(X), w1, b1))
        return F.cross_entropy(F.linear(h, w2, b2), y)

    def theirs(theta):
        import torch

        w1, b1, w2, b2 = unpack(theta, torch)
        h = getattr(torch, activation)(torch.nn.functional.linear(torch.tensor(X), w1, b1))
        return torch.nn.functional.cross_entropy(torch.nn.functional.linear(h, w2, b2),
                                                 torch.tensor(y))

    return ours, theirs, rng.standard_normal(sum(sizes)) * 0.7


@pytest.mark.torch
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_hessian_and_hvp_of_an_mlp_loss_match_pytorch(activation):
    torch = pytest.importorskip("torch")
    ours, theirs, theta = _mlp_loss(activation)
    v = np.random.default_rng(6).standard_normal(theta.shape)
    expected_h = torch.autograd.functional.hessian(theirs, torch.tensor(theta)).numpy()
    _, expected_hv = torch.autograd.functional.hvp(theirs, torch.tensor(theta), torch.tensor(v))
    H = host(mg.hessian(ours)(theta))
    np.testing.assert_allclose(H, expected_h, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    np.testing.assert_allclose(host(mg.hvp(ours, theta, v)), expected_hv.numpy(), rtol=1e-9,
                               atol=1e-12)


def test_hessian_of_rosenbrock_in_closed_form():
    def rosenbrock(z):
        return (1 - z[0]) ** 2 + 100 * (z[1] - z[0] ** 2) ** 2

    x, y = -1.2, 1.0
    expected = [[2 - 400 * (y - 3 * x**2), -400 * x], [-400 * x, 200]]
    np.testing.assert_allclose(host(mg.hessian(rosenbrock)(np.array([x, y]))), expected)


# -- forward mode: the op table's JVP column -------------------------------------------

@pytest.mark.parametrize("case, shapes", by_chapter(ALL))
def test_jvp_equals_jacrev_times_the_tangent(case, shapes):
    """Every operation of the op table: J t by the transpose trick equals the
    reverse-mode Jacobian (one VJP per output) times t, summed over the inputs."""
    arrays = case.inputs(shapes)
    rng = np.random.default_rng(11)
    tangents = [rng.standard_normal(np.shape(a)) for a in arrays]
    value, pushed = mg.jvp(case.fn, arrays, tangents)
    expected = sum(np.tensordot(host(mg.jacrev(case.fn, i)(*arrays)), t, axes=np.ndim(t))
                   for i, t in enumerate(tangents))
    np.testing.assert_allclose(host(value.data), host(case.fn(*[mg.tensor(a) for a in arrays]).data))
    np.testing.assert_allclose(host(pushed), expected, rtol=1e-10, atol=1e-12)


def test_jacfwd_equals_jacrev_and_each_wins_where_it_should():
    f = lambda x: mg.stack([x[0] * x[1], mg.sin(x[0]), x[1] ** 3, x.sum()])  # noqa: E731
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(host(mg.jacfwd(f)(x)), host(mg.jacrev(f)(x)), rtol=1e-12)
    assert mg.jacfwd(f)(x).shape == (4, 2)


def test_jvp_refuses_a_tangent_of_the_wrong_shape():
    with pytest.raises(ValueError, match="jvp: a tangent of shape \\(3,\\) for a primal of shape \\(2,\\)"):
        mg.jvp(mg.sin, (np.zeros(2),), (np.zeros(3),))


# -- what is not differentiable twice says so -------------------------------------------

def test_an_operation_without_a_recorded_backward_says_so():
    class ArraysOnly(mg.Function):
        differentiable_twice = False

        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 2 * a * g

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="arraysonly .* differentiated once but not twice"):
        ArraysOnly.apply(x).sum().backward(create_graph=True)


def test_a_learner_function_that_saves_an_intermediate_is_refused_not_wrong():
    class Softplus(mg.Function):
        @staticmethod
        def forward(ctx, a):
            e = np.exp(a)
            ctx.save_for_backward(e / (1 + e))   # the sigmoid: depends on a
            return np.log1p(e)

        @staticmethod
        def backward(ctx, g):
            (s,) = ctx.saved_tensors
            return g * s

    x = mg.tensor([0.5], requires_grad=True)
    with pytest.raises(NotImplementedError, match="softplus saved an intermediate .*composite"):
        mg.grad(lambda t: mg.grad(lambda u: Softplus.apply(u).sum())(t).sum())(x.data)


def test_a_backward_that_leaves_the_graph_is_refused_not_wrong():
    class Square(mg.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return 2 * host(a.data) * host(g.data)   # host arrays, not tensors

    with pytest.raises(RuntimeError, match="create_graph: square.backward returned ndarray"):
        mg.grad(lambda t: mg.grad(lambda u: Square.apply(u).sum())(t).sum())(np.ones(2))


def test_linearize_traces_once_and_pushes_many_tangents():
    calls = []

    def f(x):
        calls.append(1)
        return mg.stack([x[0] * x[1], mg.sin(x[0]), x[1] ** 3])

    x = np.array([0.5, 2.0])
    out, push = mg.linearize(f, x)
    jac = host(mg.jacrev(f)(x))
    for t in (np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.3, -2.0])):
        np.testing.assert_allclose(host(push(t)), jac @ t, rtol=1e-12)
    assert len(calls) == 2  # linearize once, jacrev once
    np.testing.assert_allclose(host(out.data), host(f(mg.tensor(x)).data))
