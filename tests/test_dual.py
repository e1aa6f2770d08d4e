"""Forward mode with dual numbers (Chapter 8, ahead of its chapter): derivatives of any
order by nesting, against closed forms, and the first one against the reverse mode of
Chapter 1."""

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.dual import Dual, cos, derivative, exp, log, primal, relu, sin, tanh

POINTS = [-1.3, -0.2, 0.0, 0.4, 2.1]


def _tanh_derivatives(x):
    t = math.tanh(x)
    return [t, 1 - t**2, -2 * t * (1 - t**2), (1 - t**2) * (6 * t**2 - 2),
            -8 * t * (1 - t**2) * (3 * t**2 - 2)]


@pytest.mark.parametrize("x", POINTS)
@pytest.mark.parametrize("order", [0, 1, 2, 3, 4])
def test_the_derivatives_of_tanh_up_to_the_fourth(x, order):
    assert derivative(tanh, order)(x) == pytest.approx(_tanh_derivatives(x)[order], abs=1e-12)


@pytest.mark.parametrize("x", POINTS)
@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_sin_cycles_and_exp_times_x_gains_one_x_per_derivative(x, order):
    expected_sin = [math.sin, math.cos, lambda v: -math.sin(v), lambda v: -math.cos(v)]
    assert derivative(sin, order)(x) == pytest.approx(expected_sin[order % 4](x), abs=1e-12)
    assert derivative(lambda v: exp(v) * v, order)(x) == pytest.approx(
        math.exp(x) * (x + order), rel=1e-12)


@pytest.mark.parametrize("x", [0.3, 1.7])
def test_forward_mode_agrees_with_the_reverse_mode_of_chapter_1(x):
    def f(v):
        return tanh(v * v + 2 * v) / (v + 3) - exp(-v) * cos(v) + log(v) ** 2 + relu(v - 1)

    def f_value(v):  # the same formula on Chapter 1's Value
        return ((v * v + 2 * v).tanh() / (v + 3) - (-v).exp() * v.cos() + v.log() ** 2
                + (v - 1).relu())

    node = mg.Value(x)
    f_value(node).backward()
    assert derivative(f)(x) == pytest.approx(node.grad, rel=1e-12)
    assert derivative(f, 0)(x) == pytest.approx(f_value(mg.Value(x)).data, rel=1e-12)


def test_a_dual_number_is_value_plus_tangent_epsilon():
    d = Dual(3.0, 1.0) * Dual(3.0, 1.0) - 2 * Dual(3.0, 1.0) + 1  # (x - 1)² at 3
    assert (d.value, d.tangent) == (4.0, 4.0)
    assert primal(Dual(Dual(2.0, 1.0), 1.0)) == 2.0
    assert (1 / Dual(2.0, 1.0)).tangent == pytest.approx(-0.25)
    assert derivative(lambda v: 5.0)(1.0) == 0.0  # a constant has no tangent


def test_bad_inputs_are_refused_with_a_sentence():
    with pytest.raises(TypeError, match="Dual: cannot combine a dual number with str"):
        Dual(1.0, 1.0) + "2"
    with pytest.raises(TypeError, match="the exponent must be a number"):
        Dual(1.0, 1.0) ** Dual(2.0, 0.0)
    with pytest.raises(ValueError, match="derivative: order must be an int >= 0"):
        derivative(sin, -1)
    assert np.isfinite(derivative(tanh, 4)(30.0))
