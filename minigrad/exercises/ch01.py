"""Checks for the exercises of Chapter 1 (derivatives and the scalar Value)."""

import math

from minigrad.exercises.core import CheckFailed, exercise, expect, expect_close
from minigrad.scalar import MLP, Value, topological_order


# -- reference solutions (used by `use` while an exercise is unsolved) --------

def numerical_derivative(f, x, h=1e-6):
    """Central difference: f'(x) ≈ (f(x + h) - f(x - h)) / 2h."""
    return (f(x + h) - f(x - h)) / (2 * h)


def mul(a, b):
    """The product node ``a * b`` of two Values, with its backward."""
    return a * b


def tanh(x):
    """The node ``tanh(x)`` of a Value, with its backward."""
    return x.tanh()


def topological_sort(root):
    """Every node ``root`` depends on, each after its parents."""
    return topological_order(root)


def backward(root):
    """Seed ``root.grad = 1`` and apply the chain rule in reverse order."""
    root.backward()


def hinge_loss(scores, labels):
    """Mean of ``relu(1 - y * score)`` over the points; labels are ±1."""
    return sum((1 - y * s).relu() for s, y in zip(scores, labels)) * (1.0 / len(labels))


def train_step(model, X, y, lr):
    """One step of gradient descent on the hinge loss; returns the loss."""
    scores = [model([Value(float(a)), Value(float(b))]) for a, b in X]
    loss = hinge_loss(scores, y)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss.data


# -- helpers ------------------------------------------------------------------

def _returns_value(out, name):
    expect(isinstance(out, Value),
           f"{name} must return a new Value node, got {type(out).__name__} {out!r}.")


def _run_local_backward(out, upstream):
    """Run only ``out``'s own backward with ``out.grad = upstream``."""
    out.grad = upstream
    out._backward()


# -- checks -------------------------------------------------------------------

@exercise("1.1", "a numerical derivative", numerical_derivative,
          lambda: (math.sin, 1.0),
          where="minigrad.gradcheck.gradcheck",
          hint="the central difference (f(x + h) - f(x - h)) / 2h, with the h you are given.")
def check_numerical_derivative(fn):
    expect_close(fn(lambda x: x ** 3, 2.0), 12.0, "derivative of x³ at x = 2", tol=1e-4)
    expect_close(fn(math.sin, 1.0), math.cos(1.0), "derivative of sin at x = 1", tol=1e-5)
    expect_close(fn(lambda x: x ** 2, 3.0, 0.1), 6.0,
                 "derivative of x² at x = 3 with h = 0.1",
                 hint="the central difference (f(x+h) - f(x-h)) / 2h is exact for x²; "
                      "a forward difference (f(x+h) - f(x)) / h gives 6.1. "
                      "Also make sure you use the h you were given.")
    expect_close(fn(lambda x: x ** 3, 2.0, 0.1), 12.01, "derivative of x³ at x = 2 with h = 0.1",
                 hint="with h = 0.1 the central difference of x³ is 12.01, not the exact 12: "
                      "use the h you were given, not a fixed small step.", tol=1e-9)


@exercise("1.2", "multiplication as a Value operation", mul,
          lambda: (Value(2.0), Value(3.0)),
          where="minigrad.scalar.Value._mul_rule",
          hint="d(a·b)/da = b and d(a·b)/db = a: each parent's gradient grows (+=) by its local derivative times out.grad.")
def check_mul(fn):
    a, b = Value(2.0), Value(-3.0)
    out = fn(a, b)
    _returns_value(out, "mul(a, b)")
    expect_close(out.data, -6.0, "mul(Value(2), Value(-3)).data")
    expect(a in out._prev and b in out._prev,
           "the output must remember both inputs: pass (a, b) as its children, "
           "as in Value(a.data * b.data, (a, b), '*').")
    _run_local_backward(out, 1.0)
    expect_close(a.grad, -3.0, "a.grad after backward of a * b (a = 2, b = -3)",
                 hint="d(a·b)/da = b, so a.grad should grow by b.data * out.grad.")
    expect_close(b.grad, 2.0, "b.grad after backward of a * b (a = 2, b = -3)",
                 hint="d(a·b)/db = a, so b.grad should grow by a.data * out.grad.")
    a, b = Value(2.0), Value(-3.0)
    _run_local_backward(fn(a, b), 10.0)
    expect_close(a.grad, -30.0, "a.grad when the output's gradient is 10",
                 hint="the chain rule multiplies the local derivative by out.grad.")
    a = Value(3.0)
    _run_local_backward(fn(a, a), 1.0)
    expect_close(a.grad, 6.0, "a.grad for a * a (a = 3)",
                 hint="a appears twice, so both contributions must add up: "
                      "use `+=`, not `=`, when you write a gradient.")


@exercise("1.3", "tanh as a Value operation", tanh, lambda: (Value(0.5),),
          where="minigrad.scalar.Value._tanh_rule",
          hint="d tanh(x)/dx = 1 - tanh(x)², written with the output's data, times out.grad.")
def check_tanh(fn):
    for x0 in (-2.0, 0.0, 0.7):
        x = Value(x0)
        out = fn(x)
        _returns_value(out, "tanh(x)")
        expect_close(out.data, math.tanh(x0), f"tanh(Value({x0})).data")
        expect(x in out._prev, "the output must remember its input: pass (x,) as its children.")
        _run_local_backward(out, 2.0)
        expect_close(x.grad, 2.0 * (1 - math.tanh(x0) ** 2),
                     f"x.grad at x = {x0} when the output's gradient is 2",
                     hint="d tanh(x)/dx = 1 - tanh(x)², times out.grad (chain rule).")
    x = Value(0.3)
    x.grad = 1.0
    _run_local_backward(fn(x), 1.0)
    expect_close(x.grad, 1.0 + (1 - math.tanh(0.3) ** 2), "x.grad that already held 1",
                 hint="gradients accumulate: use `+=`, not `=`.")


def _check_order(order, root, expected_nodes):
    expect(isinstance(order, list), f"return a list of nodes, got {type(order).__name__}.")
    expect(len(order) == len(set(map(id, order))),
           "some node appears more than once: remember which nodes you have visited.")
    expect(set(map(id, order)) == set(map(id, expected_nodes)),
           f"expected the {len(expected_nodes)} nodes the root depends on (itself included), "
           f"got {len(order)}.")
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for parent in node._prev:
            expect(position[id(parent)] < position[id(node)],
                   f"{parent!r} must come before {node!r}, which is computed from it.")
    expect(order[-1] is root, "the root must come last.")


@exercise("1.4", "topological sort", topological_sort, lambda: (Value(1.0),),
          where="minigrad.graph.topological_order",
          hint="depth first with an explicit stack: a node is appended after all of its parents.")
def check_topological_sort(fn):
    leaf = Value(1.0)
    _check_order(fn(leaf), leaf, [leaf])
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c + a
    e = d.tanh()
    _check_order(fn(e), e, [a, b, c, d, e])
    a = Value(1.0)
    b = a + a
    c = b + b
    _check_order(fn(c), c, [a, b, c])
    a = Value(1.0)  # two paths of different lengths from a to the root
    b = a * 2.0
    c = b * 3.0
    d = c + a
    try:
        _check_order(fn(d), d, [a, b, c, d] + [p for n in (b, c) for p in n._prev if p not in (a, b)])
    except CheckFailed as failure:
        raise CheckFailed(f"{failure}\nThe graph: d = c + a with c = b * 3 and b = a * 2, so a "
                          "reaches d directly and through b and c. Visiting nodes level by level "
                          "(breadth first) and reversing does not order such a graph; append a "
                          "node only once all its parents are appended (depth first).") from None
    root, nodes = Value(1.0), []
    for _ in range(20_000):
        one = Value(1.0)
        nodes += [root, one]
        root = root + one
    try:
        order = fn(root)
    except RecursionError:
        raise CheckFailed("a chain of 20 000 operations exceeded Python's recursion limit: "
                          "visit nodes with an explicit stack instead of recursion.") from None
    _check_order(order, root, nodes + [root])


@exercise("1.5", "backward", backward, lambda: (Value(1.0) * 2,),
          where="minigrad.scalar.Value.backward",
          hint="seed root.grad = 1, then call each node's _backward in reverse topological order.")
def check_backward(fn):
    def graph():
        a, b = Value(2.0), Value(-1.5)
        c = a * b + a
        d = (c * c).tanh() + b
        return (a, b), d

    (a, b), out = graph()
    (ra, rb), rout = graph()
    rout.backward()
    fn(out)
    expect_close(out.grad, 1.0, "root.grad after backward",
                 hint="backward starts by setting the root's gradient to 1 (d root / d root).")
    expect_close(a.grad, ra.grad, "a.grad",
                 hint="call every node's _backward in *reverse* topological order, "
                      "so a node's gradient is complete before it is passed on.")
    expect_close(b.grad, rb.grad, "b.grad",
                 hint="call every node's _backward in *reverse* topological order.")
    a = Value(3.0)
    out = (a + a) * (a + a)
    fn(out)
    expect_close(a.grad, 24.0, "a.grad for (a + a) * (a + a) at a = 3",
                 hint="each node's _backward must run exactly once.")


@exercise("1.6", "one training step", train_step,
          lambda: (MLP(2, [2, 1]), [[0.0, 1.0]], [1], 0.1),
          where="minigrad.optim.SGD.step",
          hint="loss, zero_grad, backward, then p.data -= lr * p.grad for every parameter.")
def check_train_step(fn):
    def model_and_data():
        model = MLP(2, [4, 1])
        for i, p in enumerate(model.parameters()):  # fixed weights, no random draw
            p.data = math.sin(1.7 * i + 0.3)
        X = [[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8], [0.9, 0.9], [-1.2, -0.4], [0.1, 0.0]]
        y = [1, -1, 1, -1, -1, 1]
        return model, X, y

    model, X, y = model_and_data()
    ref_model, _, _ = model_and_data()
    for p in model.parameters():  # stale gradients that zero_grad must clear
        p.grad = 5.0
    loss = fn(model, X, y, 0.1)
    ref_loss = train_step(ref_model, X, y, 0.1)
    expect_close(getattr(loss, "data", loss), ref_loss, "the loss returned by train_step",
                 hint="the hinge loss is the mean of relu(1 - y * score) over the points, "
                      "computed before the update.")
    got = [p.data for p in model.parameters()]
    expected = [p.data for p in ref_model.parameters()]
    worst = max(range(len(got)), key=lambda i: abs(got[i] - expected[i]))
    expect_close(got[worst], expected[worst], f"parameter {worst} after one step",
                 hint="call model.zero_grad() before loss.backward() (old gradients "
                      "linger otherwise), and step *down* the gradient: "
                      "p.data -= lr * p.grad.")
