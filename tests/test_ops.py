"""Every operation of the op table (tests/op_cases.py), each marked with the
chapter that teaches it: forward values against NumPy, gradients against float64
central differences and the dot-product test, and against PyTorch when installed.
Also: every primitive of the package has a case here and a VJP in its docstring."""

import re

import numpy as np
import pytest

import minigrad as mg
from minigrad.graph import topological_order
from op_cases import ALL, assert_matches_pytorch, by_chapter

CASES = by_chapter(ALL)


@pytest.mark.parametrize("case, shapes", CASES)
def test_forward_matches_numpy(case, shapes):
    arrays = case.inputs(shapes)
    out = case.fn(*[mg.tensor(a) for a in arrays])
    expected = case.ref(*arrays)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=case.rtol, atol=case.rtol)


@pytest.mark.parametrize("case, shapes", CASES)
def test_gradient_matches_central_differences_and_dot_product_test(case, shapes):
    assert mg.gradcheck(case.fn, *case.inputs(shapes))


@pytest.mark.torch
@pytest.mark.parametrize("case, shapes", [p for p in CASES if p.values[0].torch])
def test_gradient_matches_pytorch(case, shapes):
    assert_matches_pytorch(case, shapes)


def _primitives():
    return [c for _, classes in mg.ops.primitives() for c in classes]


def _recorded(case, shapes):
    """The Function classes that the case's graph is made of."""
    inputs = [mg.tensor(a, requires_grad=True) for a in case.inputs(shapes)]
    out = case.fn(*inputs)
    return {node._ctx.fn for node in topological_order(out) if node._ctx is not None}


def test_every_primitive_has_a_case_in_the_op_table():
    covered = set()
    for case in ALL:
        for shapes in case.shapes:
            covered |= _recorded(case, shapes)
    missing = [c.__name__ for c in _primitives() if c not in covered]
    assert not missing, f"primitives without an op-table case in tests/op_cases.py: {missing}"


VJP_LINE = re.compile(r"^f\S* = .+;\s+g\w* = ", re.DOTALL)


@pytest.mark.parametrize("primitive", _primitives(), ids=lambda c: c.__name__)
def test_every_primitive_states_its_vjp_in_its_docstring(primitive):
    """The docstring opens with 'f = …;  ga = …', the line the VJP page shows."""
    summary = " ".join((primitive.__doc__ or "").split("\n\n")[0].split())
    assert VJP_LINE.match(summary), (
        f"{primitive.__name__}'s docstring must open with its VJP, e.g. "
        f"'f = a * b;  ga = g * b,  gb = g * a.', got: {summary!r}")


def test_the_package_names_no_retired_module():
    with pytest.raises(ImportError):
        __import__("minigrad.functions")
