"""Reverse-mode Jacobians (Chapter 8, ahead of its chapter): ``vjp`` and ``jacrev``
against central differences and, when it is installed, PyTorch."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad.backend import asnumpy as host

rng = np.random.default_rng(8)
FUNCTIONS = {
    "tanh of a matrix product": (lambda x: (x @ mg.tensor(np.arange(6.0).reshape(3, 2) / 6)).tanh(),
                                 rng.standard_normal((4, 3))),
    "softmax of each row": (lambda x: F.softmax(x, axis=-1), rng.standard_normal((2, 3))),
    "a sum over one axis": (lambda x: (x * x).sum(axis=0), rng.standard_normal((2, 3))),
    "a scalar": (lambda x: (x.exp() * x).sum(), rng.standard_normal(4)),
}


def _central_differences(f, x, eps=1e-6):
    out = host(f(mg.tensor(x)).data)
    jac = np.zeros(out.shape + x.shape)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        jac[(...,) + i] = (host(f(mg.tensor(x + step)).data)
                           - host(f(mg.tensor(x - step)).data)) / (2 * eps)
    return jac


@pytest.mark.parametrize("name", FUNCTIONS)
def test_jacrev_matches_central_differences(name):
    f, x = FUNCTIONS[name]
    np.testing.assert_allclose(host(mg.jacrev(f)(x)), _central_differences(f, x),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_jacrev_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    f, x = FUNCTIONS[name]
    torch_f = {
        "tanh of a matrix product": lambda t: (t @ torch.arange(6.0, dtype=t.dtype).reshape(3, 2)
                                               / 6).tanh(),
        "softmax of each row": lambda t: torch.softmax(t, dim=-1),
        "a sum over one axis": lambda t: (t * t).sum(dim=0),
        "a scalar": lambda t: (t.exp() * t).sum(),
    }[name]
    expected = torch.autograd.functional.jacobian(torch_f, torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(host(mg.jacrev(f)(x)), expected, rtol=1e-10, atol=1e-12)


def test_a_pullback_is_linear_can_be_called_again_and_gives_every_input_its_gradient():
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    out, pullback = mg.vjp(lambda x, w: (x @ w).relu(), a, b)
    g = rng.standard_normal((2, 4))
    ga, gb = (host(t) for t in pullback(g))
    ga2, gb2 = (host(t) for t in pullback(2 * g))
    np.testing.assert_allclose(ga2, 2 * ga)
    np.testing.assert_allclose(gb2, 2 * gb)
    mask = (a @ b) > 0
    np.testing.assert_allclose(ga, (g * mask) @ b.T)
    np.testing.assert_allclose(gb, a.T @ (g * mask))
    np.testing.assert_allclose(host(out.data), np.maximum(a @ b, 0))
    assert not out.requires_grad


def test_jacrev_differentiates_the_argument_it_is_told():
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    jac = host(mg.jacrev(lambda x, y: x * y, argnums=1)(a, b))
    np.testing.assert_allclose(jac, np.diag(a))


def test_a_function_that_returns_no_tensor_is_refused():
    with pytest.raises(TypeError, match="vjp: .* must return a Tensor"):
        mg.vjp(lambda x: 3.0, np.ones(2))
