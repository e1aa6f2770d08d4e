"""Chapter 8: the backward pass recorded (``create_graph``), so that gradients can be
differentiated again. Every operation of the op table: the gradient of ⟨∇s, u⟩ (a
Hessian-vector product of s = ⟨f, w⟩) against float64 central differences of the
first-order gradient, and against PyTorch's double backward when installed."""

import numpy as np
import pytest

import minigrad as mg
from minigrad import recording
from minigrad.backend import asnumpy as host
from op_cases import ALL, by_chapter

CASES = by_chapter(ALL)


def _second(case, arrays, w, us):
    """∇ₓ ⟨∇ₓ ⟨f(x), w⟩, u⟩ for every input, with minigrad's recorded backward."""
    xs = [mg.tensor(a, requires_grad=True) for a in arrays]
    s = (case.fn(*xs) * w).sum()
    firsts = recording.gradients(s, xs, create_graph=True)
    inner = sum((g * u).sum() for g, u in zip(firsts, us))
    return [host(g.data) for g in recording.gradients(inner, xs)]


def _first_dotted(case, arrays, w, us):
    """⟨∇ₓ ⟨f(x), w⟩, u⟩ with the ordinary (first-order) backward."""
    xs = [mg.tensor(a, requires_grad=True) for a in arrays]
    (case.fn(*xs) * w).sum().backward()
    return sum(float((host(x.grad) * u).sum()) for x, u in zip(xs, us))


def _cotangents(case, arrays):
    rng = np.random.default_rng(7)
    out = case.fn(*[mg.tensor(a) for a in arrays])
    return rng.standard_normal(out.shape), [rng.standard_normal(np.shape(a)) for a in arrays]


@pytest.mark.parametrize("case, shapes", CASES)
def test_second_derivatives_match_central_differences(case, shapes):
    arrays = case.inputs(shapes)
    w, us = _cotangents(case, arrays)
    ours = _second(case, arrays, w, us)
    eps = 1e-5
    for i, a in enumerate(arrays):
        numeric = np.zeros(np.shape(a))
        for k in np.ndindex(np.shape(a)):
            up = [np.array(b, dtype=float) for b in arrays]
            down = [np.array(b, dtype=float) for b in arrays]
            up[i][k] += eps
            down[i][k] -= eps
            numeric[k] = (_first_dotted(case, up, w, us) - _first_dotted(case, down, w, us)) / (2 * eps)
        np.testing.assert_allclose(ours[i], numeric, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{case.name}: input {i}")


@pytest.mark.torch
@pytest.mark.parametrize("case, shapes", [p for p in CASES if p.values[0].torch])
def test_second_derivatives_match_pytorch(case, shapes):
    torch = pytest.importorskip("torch")
    arrays = case.inputs(shapes)
    w, us = _cotangents(case, arrays)
    ours = _second(case, arrays, w, us)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    s = (case.torch(*ts) * torch.tensor(w)).sum()
    firsts = torch.autograd.grad(s, ts, create_graph=True, allow_unused=True)
    inner = sum((g * torch.tensor(u)).sum() for g, u in zip(firsts, us) if g is not None)
    theirs = torch.autograd.grad(inner, ts, allow_unused=True) if inner.requires_grad else [None] * len(ts)
    for mine, t in zip(ours, theirs):
        expected = np.zeros_like(mine) if t is None else t.detach().numpy(force=True)
        np.testing.assert_allclose(mine, expected, rtol=1e-9, atol=1e-10, err_msg=case.name)
