"""Checks for the exercises of Chapter 2 (Jacobians, VJPs and the Function contract)."""

import numpy as np

from minigrad.autograd import Function
from minigrad.exercises.core import CheckFailed, exercise, expect_array
from minigrad.gradcheck import GradcheckError, gradcheck
from minigrad.tensor import Tensor


# -- reference solutions --------------------------------------------------------

def tanh_jacobian(x):
    """The full Jacobian of elementwise tanh at the vector x: diag(1 - tanh(x)²)."""
    return np.diag(1 - np.tanh(x) ** 2)


def tanh_vjp(x, g):
    """vᵀJ for elementwise tanh, without building J: g * (1 - tanh(x)²)."""
    return g * (1 - np.tanh(x) ** 2)


def sum_vjp(x_shape, axis, g):
    """The VJP of x.sum(axis) (keepdims=False): g copied along the summed axis."""
    return np.broadcast_to(np.expand_dims(g, axis), x_shape).copy()


def max_vjp(x, axis, g):
    """The VJP of x.max(axis): g goes to the position of each maximum."""
    out = x.max(axis=axis, keepdims=True)
    mask = x == out
    return mask * np.expand_dims(g, axis) / mask.sum(axis=axis, keepdims=True)


def matmul_vjp(a, b, g):
    """The VJPs of a @ b for matrices: (g @ bᵀ, aᵀ @ g)."""
    return g @ b.T, a.T @ g


class Softplus(Function):
    """softplus(x) = log(1 + exp(x)); its derivative is sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.logaddexp(0, x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out / (1 + np.exp(-x))


# -- checks -----------------------------------------------------------------------

_rng = np.random.default_rng(2)


@exercise("2.1", "the Jacobian of tanh", tanh_jacobian, lambda: (np.zeros(3),),
          where="minigrad.ops.elementwise.Tanh",
          hint="an elementwise function has a diagonal Jacobian: 1 - tanh(x_i)² on the diagonal.")
def check_tanh_jacobian(fn):
    x = np.array([-1.0, 0.0, 0.5, 2.0])
    expect_array(fn(x), tanh_jacobian(x), "tanh_jacobian([-1, 0, 0.5, 2])",
                 hint="entry (i, j) is ∂tanh(x_i)/∂x_j: 1 - tanh(x_i)² on the diagonal, "
                      "0 elsewhere (each output depends only on its own input).")


@exercise("2.2", "the VJP of tanh", tanh_vjp, lambda: (np.zeros(3), np.ones(3)),
          where="minigrad.ops.elementwise.Tanh.backward",
          hint="the VJP of an elementwise function is g times the derivative, elementwise.")
def check_tanh_vjp(fn):
    x, g = _rng.standard_normal((2, 3)), _rng.standard_normal((2, 3))
    expect_array(fn(x, g), g * (1 - np.tanh(x) ** 2), "tanh_vjp(x, g) for x of shape (2, 3)",
                 hint="multiply g elementwise by the derivative 1 - tanh(x)²; it works for "
                      "any shape, no Jacobian needed.")


@exercise("2.3", "the VJP of sum along an axis", sum_vjp,
          lambda: ((2, 3), 0, np.ones(3)),
          where="minigrad.ops.reduce.Sum.backward",
          hint="every summed element gets g: put the summed axis back (np.expand_dims) and broadcast to x's shape.")
def check_sum_vjp(fn):
    for shape, axis in (((2, 3), 0), ((2, 3), 1), ((2, 3, 4), 1), ((4,), 0)):
        g = _rng.standard_normal(np.sum(np.zeros(shape), axis=axis).shape)
        expect_array(fn(shape, axis, g), sum_vjp(shape, axis, g),
                     f"sum_vjp for x of shape {shape}, axis={axis}",
                     hint="every element that was summed gets the same gradient: put the "
                          "summed axis back (np.expand_dims) and broadcast to x's shape.")


@exercise("2.4", "the VJP of max along an axis", max_vjp,
          lambda: (np.zeros((2, 3)), 0, np.ones(3)),
          where="minigrad.ops.reduce.Max.backward",
          hint="only the maxima receive g; tied maxima share it equally.")
def check_max_vjp(fn):
    for shape, axis in (((3, 4), 0), ((3, 4), 1), ((2, 3, 4), -1)):
        x = _rng.permutation(np.arange(np.prod(shape), dtype=float)).reshape(shape)  # no ties
        g = _rng.standard_normal(x.max(axis=axis).shape)
        expect_array(fn(x, axis, g), max_vjp(x, axis, g),
                     f"max_vjp for x of shape {shape}, axis={axis}",
                     hint="only the largest element of each slice affects the output: "
                          "compare x with x.max(axis, keepdims=True) to find it, and put g there.")
    x = np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0], [0.0, 5.0, 1.0]])
    g = np.array([6.0, 3.0, 1.0])
    expect_array(fn(x, 1, g), [[3, 0, 3], [1, 1, 1], [0, 1, 0]],
                 "max_vjp along axis 1 with ties (rows [3, 1, 3], [2, 2, 2], [0, 5, 1])",
                 hint="tied maxima share the gradient equally: divide g by the number of maxima "
                      "in each slice (mask.sum(axis, keepdims=True)).")


@exercise("2.5", "the VJPs of matmul", matmul_vjp,
          lambda: (np.ones((2, 3)), np.ones((3, 4)), np.ones((2, 4))),
          where="minigrad.ops.linalg.MatMul.backward",
          hint="ga = g @ bᵀ and gb = aᵀ @ g: the only products whose shapes fit.")
def check_matmul_vjp(fn):
    a, b = _rng.standard_normal((2, 3)), _rng.standard_normal((3, 4))
    g = _rng.standard_normal((2, 4))
    result = fn(a, b, g)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed("return a pair (ga, gb).")
    ga, gb = result
    hint = "match the shapes: ga must be (2, 3) like a, so g (2, 4) times bᵀ (4, 3)."
    expect_array(ga, g @ b.T, "ga for a (2, 3) @ b (3, 4)", hint=hint)
    expect_array(gb, a.T @ g, "gb for a (2, 3) @ b (3, 4)",
                 hint="gb must be (3, 4) like b: aᵀ (3, 2) times g (2, 4).")


@exercise("2.6", "a custom Function: softplus", Softplus, lambda: (),
          where="minigrad.ops.elementwise.Sigmoid",
          hint="forward saves what backward needs (ctx.save_for_backward); softplus' derivative is the sigmoid.")
def check_softplus(cls):
    x = np.array([-30.0, -1.0, 0.0, 2.0, 30.0])
    out = cls.apply(Tensor(x))
    expect_array(out, np.logaddexp(0, x), "Softplus.apply(x).data",
                 hint="softplus(x) = log(1 + exp(x)); np.logaddexp(0, x) computes it "
                      "without overflow.")
    try:
        gradcheck(cls.apply, np.array([-2.0, -0.5, 0.3, 1.7]))
    except GradcheckError as error:
        raise CheckFailed(f"{error}\nHint: d softplus/dx = sigmoid(x) = 1 / (1 + exp(-x)); "
                          "backward returns grad_out times that.") from None
