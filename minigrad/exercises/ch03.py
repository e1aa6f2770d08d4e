"""Checks for the exercises of Chapter 3 (broadcasting and shapes)."""

import numpy as np

from minigrad.broadcast import unbroadcast as _unbroadcast
from minigrad.exercises.core import CheckFailed, exercise, expect, expect_array


# -- reference solutions --------------------------------------------------------

def broadcast_shape(shape_a, shape_b):
    """The shape NumPy broadcasts two shapes to, or ValueError if they do not fit."""
    ndim = max(len(shape_a), len(shape_b))
    a = (1,) * (ndim - len(shape_a)) + tuple(shape_a)
    b = (1,) * (ndim - len(shape_b)) + tuple(shape_b)
    out = []
    for m, n in zip(a, b):
        if m != n and 1 not in (m, n):
            raise ValueError(f"shapes {shape_a} and {shape_b} do not broadcast")
        out.append(max(m, n))
    return tuple(out)


def unbroadcast(grad, shape):
    """Sum grad (of the broadcast shape) back down to shape."""
    return _unbroadcast(grad, shape)


def add_vjp(a_shape, b_shape, g):
    """The VJPs of a + b when a and b were broadcast: g summed back to each shape."""
    return _unbroadcast(g, a_shape), _unbroadcast(g, b_shape)


def gather_vjp(x_shape, index, g):
    """The VJP of x[index] for an integer array index (repeats allowed)."""
    grad = np.zeros(x_shape)
    np.add.at(grad, index, g)
    return grad


def transpose_vjp(axes, g):
    """The VJP of x.transpose(axes): g transposed back by the inverse permutation."""
    return g.transpose(np.argsort(axes))


def repeat_vjp(x_shape, repeats, axis, g):
    """The VJP of np.repeat(x, repeats, axis) for an int repeats: sum each group."""
    n = x_shape[axis]
    grouped = g.reshape(g.shape[:axis] + (n, repeats) + g.shape[axis + 1:])
    return grouped.sum(axis=axis + 1)


def send_back(ctx, grad, grads):
    """One operation's step of the backward pass, broadcasting-aware: run its VJP on
    ``grad``, sum each input's gradient back to the input's shape, and add it into
    ``grads`` (keyed by the input's id), for the inputs that need one."""
    input_grads = ctx.fn.backward(ctx, grad)
    if not isinstance(input_grads, tuple):
        input_grads = (input_grads,)
    for x, g, needed in zip(ctx.inputs, input_grads, ctx.needs_input_grad):
        if needed and g is not None:
            g = unbroadcast(g, x.data.shape)
            key = id(x)
            grads[key] = g if key not in grads else grads[key] + g


# -- checks -----------------------------------------------------------------------

_rng = np.random.default_rng(3)


@exercise("3.1", "the broadcast shape", broadcast_shape, lambda: ((3, 1), (4,)),
          where="minigrad.broadcast.unbroadcast",
          hint="align the shapes on the right; each pair of sizes must be equal or contain a 1.")
def check_broadcast_shape(fn):
    for a, b in [((3, 4), (4,)), ((3, 1), (1, 4)), ((), (2, 3)), ((2, 1, 4), (3, 1)),
                 ((5,), (5,)), ((1,), ())]:
        expected = np.broadcast_shapes(a, b)
        got = fn(a, b)
        expect(tuple(got) == expected,
               f"broadcast_shape({a}, {b}): expected {expected}, got {got}.\n"
               "Hint: align the shapes on the right, pad the shorter one with 1s on the "
               "left, and take the larger size where one of them is 1.")
    try:
        got = fn((3, 4), (3,))
    except ValueError:
        return
    raise CheckFailed(f"broadcast_shape((3, 4), (3,)) returned {got}, but 4 and 3 cannot "
                      "be broadcast: raise ValueError.")


@exercise("3.2", "unbroadcast", unbroadcast, lambda: (np.ones((2, 3)), (3,)),
          where="minigrad.broadcast.unbroadcast",
          hint="sum over the leading axes the input did not have, then over its size-1 axes with keepdims=True.")
def check_unbroadcast(fn):
    for grad_shape, shape in [((3, 4), (4,)), ((3, 4), (3, 1)), ((3, 4), ()),
                              ((2, 3, 4), (3, 1)), ((2, 3, 4), (2, 1, 4)), ((3, 4), (3, 4))]:
        g = _rng.standard_normal(grad_shape)
        expect_array(fn(g, shape), _unbroadcast(g, shape),
                     f"unbroadcast of a gradient of shape {grad_shape} to {shape}",
                     hint="sum over the leading axes that were added, then over the axes "
                          "where shape has a 1 (with keepdims=True).")


@exercise("3.3", "the VJP of a broadcast add", add_vjp,
          lambda: ((3,), (2, 3), np.ones((2, 3))),
          where="minigrad.ops.arithmetic.Add",
          hint="each input gets g summed back to its own shape (unbroadcast).")
def check_add_vjp(fn):
    for a_shape, b_shape in [((2, 3), (3,)), ((3, 1), (1, 4)), ((), (2, 2))]:
        g = _rng.standard_normal(np.broadcast_shapes(a_shape, b_shape))
        result = fn(a_shape, b_shape, g)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise CheckFailed("return a pair (ga, gb).")
        for got, shape, name in zip(result, (a_shape, b_shape), ("ga", "gb")):
            expect_array(got, _unbroadcast(g, shape), f"{name} for a {a_shape} + b {b_shape}",
                         hint="each input gets g, summed back to its own shape.")


@exercise("3.4", "the VJP of a gather with repeated indices", gather_vjp,
          lambda: ((3,), np.array([0, 0]), np.ones(2)),
          where="minigrad.ops.shape.GetItem.backward",
          hint="scatter g back with np.add.at so that repeated indices add up.")
def check_gather_vjp(fn):
    index = np.array([0, 2, 0, 0, 3])
    g = np.array([1.0, 10.0, 100.0, 1000.0, 5.0])
    expect_array(fn((4,), index, g), [1101.0, 0.0, 10.0, 5.0],
                 "gather_vjp((4,), [0, 2, 0, 0, 3], [1, 10, 100, 1000, 5])",
                 hint="x[0] was read three times, so its gradient is the sum of all three; "
                      "grad[index] += g keeps only one of them (use np.add.at).")
    rows = np.array([1, 1, 0])
    g2 = _rng.standard_normal((3, 4))
    expect_array(fn((2, 4), rows, g2), gather_vjp((2, 4), rows, g2),
                 "gather_vjp of rows [1, 1, 0] of a (2, 4) matrix")


@exercise("3.5", "the VJP of transpose", transpose_vjp,
          lambda: ((1, 0), np.ones((2, 3))),
          where="minigrad.ops.shape.Transpose.backward",
          hint="transpose g by the inverse permutation (np.argsort(axes)).")
def check_transpose_vjp(fn):
    for axes in [(1, 0), (2, 0, 1), (1, 2, 0), (0, 2, 1)]:
        x_shape = (2, 3, 4)[: len(axes)]
        g = _rng.standard_normal(np.empty(x_shape).transpose(axes).shape)
        expect_array(fn(axes, g), g.transpose(np.argsort(axes)),
                     f"transpose_vjp for axes {axes}",
                     hint="undo the permutation: the inverse of axes is np.argsort(axes) "
                          "(transposing by axes again is right only when it is its own inverse).")


@exercise("3.6", "the VJP of repeat", repeat_vjp,
          lambda: ((3,), 2, 0, np.ones(6)),
          where="minigrad.ops.shape.repeat",
          hint="each copy's gradient goes back to its source element: reshape g and sum the copies.")
def check_repeat_vjp(fn):
    for x_shape, repeats, axis in [((3,), 2, 0), ((2, 3), 3, 1), ((2, 3), 2, 0)]:
        x = np.zeros(x_shape)
        g = _rng.standard_normal(np.repeat(x, repeats, axis=axis).shape)
        expect_array(fn(x_shape, repeats, axis, g), repeat_vjp(x_shape, repeats, axis, g),
                     f"repeat_vjp for x of shape {x_shape}, repeats={repeats}, axis={axis}",
                     hint="each element was copied `repeats` times next to itself: reshape g "
                          "so the copies get an axis of their own, then sum over it.")


@exercise("3.7", "the engine's step, with broadcasting", send_back,
          lambda: (_Ctx(), np.ones(2), {}),
          where="minigrad.autograd._send_back",
          hint="run ctx.fn.backward(ctx, grad); for each input that needs a gradient, pass its "
               "gradient through unbroadcast(g, x.data.shape) and add it into grads[id(x)].")
def check_send_back(fn):
    from minigrad import Tensor
    from minigrad.exercises.ch02 import AddReturningBoth
    from minigrad.ops.arithmetic import Add
    from minigrad.ops.elementwise import Exp

    a = Tensor(_rng.standard_normal((3, 4)), requires_grad=True)
    b = Tensor(_rng.standard_normal(4), requires_grad=True)
    g = _rng.standard_normal((3, 4))
    grads = {}
    fn(Add.apply(a, b)._ctx, g, grads)
    expect(id(b) in grads, "the bias b needs a gradient: put it in grads[id(b)].")
    expect_array(grads[id(b)], g.sum(axis=0), "the gradient of b (shape (4,)) in a (3, 4) + b (4,)",
                 hint="b was broadcast over the rows, so its gradient is summed back to its "
                      "own shape: unbroadcast(g, x.data.shape) for every input.")
    expect_array(grads[id(a)], g, "the gradient of a in a (3, 4) + b (4,)")
    grads = {id(a): np.ones((3, 4))}
    fn(Add.apply(a, b)._ctx, g, grads)
    expect_array(grads[id(a)], g + 1, "grads[id(a)] that already held ones",
                 hint="a node used twice receives two contributions: add into grads "
                      "(grads[key] + g), do not overwrite.")
    grads = {}
    fn(AddReturningBoth.apply(a, np.ones(4))._ctx, g, grads)
    expect(set(grads) == {id(a)}, "only inputs that need a gradient go into grads (the "
                                  "constant array does not, even though this operation's "
                                  "backward returns a gradient for it): check "
                                  "ctx.needs_input_grad.")
    grads = {}
    x = Tensor(_rng.standard_normal((2, 3)), requires_grad=True)
    fn(Exp.apply(x)._ctx, np.ones((2, 3)), grads)
    expect_array(grads[id(x)], np.exp(x.data), "the gradient of exp(x)",
                 hint="an operation with one input may return a single array, not a tuple: "
                      "wrap it as (g,) before looping.")


class _Ctx:
    """Stands for a Context in the example call."""
    fn, inputs, needs_input_grad = None, (), ()
