"""Checks for the exercises of Chapter 2 (Jacobians, VJPs and the Function contract)."""

import numpy as np

from minigrad.autograd import Function
from minigrad.exercises.core import CheckFailed, exercise, expect, expect_array
from minigrad.gradcheck import GradcheckError, gradcheck
from minigrad.graph import topological_order
from minigrad.ops.arithmetic import Mul  # the reference solution of Exercise 2.3
from minigrad.ops.reduce import Sum  # the reference solution of Exercise 2.6
from minigrad.tensor import Tensor


# -- reference solutions --------------------------------------------------------

def tanh_jacobian(x):
    """The full Jacobian of elementwise tanh at the vector x: diag(1 - tanh(x)²)."""
    return np.diag(1 - np.tanh(x) ** 2)


def tanh_vjp(x, g):
    """vᵀJ for elementwise tanh, without building J: g * (1 - tanh(x)²)."""
    return g * (1 - np.tanh(x) ** 2)


def apply(fn, *inputs, **params):
    """Run ``fn.forward`` on the inputs' arrays and record the operation on the output
    when an input requires a gradient (minigrad's Function.apply, slimmed down)."""
    return fn.apply(*inputs, **params)


def backward(root):
    """Backpropagate from a one-element ``root`` into the leaves' ``.grad``."""
    root.backward()


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


@exercise("2.3", "the Function Mul", Mul, lambda: (),
          where="minigrad.ops.arithmetic.Mul",
          hint="forward saves a and b; backward returns (g * b, g * a), None for an input "
               "whose ctx.needs_input_grad is False.")
def check_mul(cls):
    a, b = _rng.standard_normal((2, 3)), _rng.standard_normal((2, 3))
    expect_array(cls.apply(Tensor(a), Tensor(b)), a * b, "Mul.apply(a, b).data")
    try:
        gradcheck(cls.apply, a, b)
    except GradcheckError as error:
        raise CheckFailed(f"{error}\nHint: ga = g * b and gb = g * a (each input's gradient "
                          "uses the *other* input).") from None
    x = Tensor(a, requires_grad=True)
    out = cls.apply(x, Tensor(b))  # b needs no gradient
    grads = cls.backward(out._ctx, np.ones_like(a))
    expect(isinstance(grads, tuple) and len(grads) == 2,
           "backward returns one gradient per input: a pair (ga, gb).")
    expect(grads[1] is None, "b does not require a gradient (ctx.needs_input_grad is "
                             "(True, False)): return None for it instead of computing it.")


def _parents(node):
    return node._ctx.parents if node._ctx is not None else ()


def _graph(apply_fn, make):
    """A small graph with a reused input: y = sum(a * b * a + exp(b)) (Exp is minigrad's)."""
    from minigrad.ops.elementwise import Exp

    a, b = make(np.array([1.0, -2.0, 0.5])), make(np.array([0.3, 1.5, -1.0]))
    ab = apply_fn(Mul, a, b)
    aba = apply_fn(Mul, ab, a)
    e = apply_fn(Exp, b)
    total = apply_fn(Sum, apply_fn(AddReturningBoth, aba, e), axis=0)
    return (a, b), total


class AddReturningBoth(Function):
    """a + b whose backward returns both gradients, needed or not (for the checks)."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


@exercise("2.4", "recording an operation: apply", apply, lambda: (Mul, Tensor(1.0), 2.0),
          where="minigrad.autograd.Function.apply",
          hint="unwrap each Tensor into its array, make a Context, run fn.forward(ctx, *arrays, "
               "**params), and wrap the result; record ctx on it only if an input requires grad.")
def check_apply(fn):
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    out = fn(Mul, x, 3.0)
    expect(isinstance(out, Tensor), f"apply must return a Tensor, got {type(out).__name__}.")
    expect_array(out, [3.0, 6.0], "apply(Mul, x, 3.0).data for x = [1, 2]",
                 hint="run fn.forward(ctx, *arrays) on the arrays: x.data for a Tensor, the "
                      "number itself for a constant.")
    ctx = getattr(out, "_ctx", None)
    expect(ctx is not None and ctx.fn is Mul,
           "the output must remember how it was made: out._ctx = the Context of Mul "
           "(out.requires_grad = True as well).")
    expect(out.requires_grad, "an output computed from a tensor that requires grad requires "
                              "grad too: set out.requires_grad = True.")
    expect(tuple(ctx.needs_input_grad) == (True, False),
           f"ctx.needs_input_grad should say which inputs want a gradient: (True, False) "
           f"here, got {tuple(ctx.needs_input_grad)}.")
    expect(any(p is x for p in ctx.parents), "ctx.parents must hold x, the input to "
                                             "backpropagate into.")
    plain = fn(Mul, Tensor(np.array([1.0, 2.0])), Tensor(np.array([3.0, 4.0])))
    expect(getattr(plain, "_ctx", None) is None and not plain.requires_grad,
           "when no input requires grad, nothing is recorded: leave out._ctx as None.")
    total = fn(Sum, Tensor(np.ones((2, 3)), requires_grad=True), axis=1)
    expect_array(total, [3.0, 3.0], "apply(Sum, x, axis=1).data for x = ones((2, 3))",
                 hint="pass the keyword parameters on: fn.forward(ctx, *arrays, **params).")
    (a, b), root = _graph(fn, lambda v: Tensor(v, requires_grad=True))
    root.backward()
    (ra, rb), reference = _graph(apply, lambda v: Tensor(v, requires_grad=True))
    reference.backward()
    expect_array(a.grad, ra.grad, "a.grad after backward through a graph your apply recorded",
                 hint="record ctx on the output (out._ctx = ctx) with its inputs, so backward "
                      "can follow it.")


@exercise("2.5", "the backward pass", backward, lambda: (Tensor(1.0, requires_grad=True) * 2,),
          where="minigrad.autograd.backward",
          hint="grads = {id(root): ones}; walk the nodes in reverse topological order; call "
               "ctx.fn.backward(ctx, g) and add each input's gradient into grads (+); leaves "
               "add it into .grad.")
def check_backward(fn):
    (a, b), root = _graph(apply, lambda v: Tensor(v, requires_grad=True))
    (ra, rb), reference = _graph(apply, lambda v: Tensor(v, requires_grad=True))
    reference.backward()
    ctxs = [node._ctx for node in topological_order(root, parents=_parents) if node._ctx]
    fn(root)
    expect(a.grad is not None, "a.grad is still None: leaves must receive their gradient "
                               "(a leaf is a tensor with no _ctx). If they do, check the "
                               "order: reverse topological order, the root first, and "
                               "ctx.release() only after ctx.fn.backward has run.")
    expect_array(a.grad, ra.grad, "a.grad, where a is used twice (y = sum(a·b·a + exp(b)))",
                 hint="a node's gradient is the *sum* over its uses: add into the dict of "
                      "gradients (grads[key] = grads[key] + g), and pass a node's gradient on "
                      "only once it is complete, in reverse topological order.")
    expect_array(b.grad, rb.grad, "b.grad",
                 hint="an operation with one input (Exp, Sum) may return a bare array, not a "
                      "tuple: make it (g,) before zipping it with ctx.inputs.")
    for first in (3.0, Tensor(np.array([3.0, 3.0]), device="cpu")):  # no gradient wanted
        x = Tensor(np.array([2.0, -1.0]), requires_grad=True, device="cpu")
        w = Tensor(np.array([0.5, 4.0]), requires_grad=True, device="cpu")
        fn(apply(Sum, apply(Mul, apply(Mul, first, x), w), axis=0))
        expect_array(x.grad, 3.0 * w.data, f"x.grad for sum({first!r} * x * w)",
                     hint="backward returns one gradient per entry of ctx.inputs (None for "
                          "those that need none): zip it with ctx.inputs and "
                          "ctx.needs_input_grad, not with ctx.parents.")
    expect(all(ctx.saved_tensors == () for ctx in ctxs),
           "backward should free what each operation saved (ctx.release()) once it has "
           "run, so memory does not grow from step to step.")
    x = Tensor(np.array([2.0]), requires_grad=True)
    x.grad = np.array([10.0])
    fn(apply(Mul, x, 3.0))
    expect_array(x.grad, [13.0], "x.grad that held 10 before the backward of 3·x",
                 hint="a leaf's gradient accumulates: x.grad = x.grad + g when it already "
                      "holds one.")
    chain = x = Tensor(np.array([1.0]), requires_grad=True)
    for _ in range(3000):
        chain = apply(Mul, chain, 1.0)
    fn(chain)
    expect_array(x.grad, [1.0], "x.grad at the start of a chain of 3000 operations",
                 hint="use a non-recursive topological order (minigrad.topological_order "
                      "takes parents=lambda n: n._ctx.parents if n._ctx else ()).")


@exercise("2.6", "the Function Sum, along an axis", Sum, lambda: (),
          where="minigrad.ops.reduce.Sum.backward",
          hint="every summed element gets g: put the summed axis back (np.expand_dims) and broadcast to x's shape.")
def check_sum(cls):
    for shape, axis in (((2, 3), 0), ((2, 3), 1), ((2, 3, 4), 1), ((4,), 0)):
        x = _rng.standard_normal(shape)
        expect_array(cls.apply(Tensor(x), axis=axis), x.sum(axis=axis),
                     f"Sum.apply(x, axis={axis}).data for x of shape {shape}")
        try:
            gradcheck(lambda t: cls.apply(t, axis=axis), x)
        except GradcheckError as error:
            raise CheckFailed(f"{error}\nHint: every element that was summed gets the same "
                              "gradient: put the summed axis back (np.expand_dims) and "
                              "broadcast to x's shape.") from None


@exercise("2.7", "the VJP of max along an axis", max_vjp,
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


@exercise("2.8", "the VJPs of matmul", matmul_vjp,
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


@exercise("2.9", "a custom Function: softplus", Softplus, lambda: (),
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
