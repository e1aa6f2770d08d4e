"""Checks for the exercises of Chapter 1: the learner builds the scalar ``Value``.

Exercises 1.2, 1.3, 1.4 and 1.6 check the learner's ``Value`` class itself (any
class with micrograd's interface: ``Value(data, _children, _op)``, ``.data``,
``.grad``, ``._prev``, ``._backward()``); minigrad's own :class:`~minigrad.Value`
is the reference the notebook falls back to. A check that needs an earlier
exercise's piece (``backward`` needs ``+``, ``*`` and ``tanh``) says so when that
piece fails.
"""

import math

from minigrad.backend import unwrap
from minigrad.exercises.core import (NOT_IMPLEMENTED, CheckFailed, EarlierExerciseMissing, check,
                                     exercise, expect, expect_close)
from minigrad.scalar import MLP, Value, topological_order


# -- reference solutions (used by `use` while an exercise is unsolved) --------

def numerical_derivative(f, x, h=1e-6):
    """Central difference: f'(x) ≈ (f(x + h) - f(x - h)) / 2h."""
    return (f(x + h) - f(x - h)) / (2 * h)


def topological_sort(root):
    """Every node ``root`` depends on, each after its parents."""
    return topological_order(root)


def hinge_loss(scores, labels):
    """Mean of ``relu(1 - y * score)`` over the points; labels are ±1."""
    return sum((1 - y * s).relu() for s, y in zip(scores, labels)) * (1.0 / len(labels))


def train_step(model, X, y, lr):
    """One step of gradient descent on the hinge loss; returns the loss."""
    scores = [model([float(a), float(b)]) for a, b in X]
    loss = hinge_loss(scores, y)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss.data


# -- helpers ------------------------------------------------------------------

def _returns_node(out, cls, what):
    expect(isinstance(out, cls),
           f"{what} must return a new {cls.__name__} node, got {type(out).__name__} {out!r}.")


def _local_backward(out, upstream):
    """Run only ``out``'s own backward with ``out.grad = upstream``."""
    out.grad = upstream
    out._backward()


def _requires(cls, *exercise_ids):
    """Fail with a clear sentence if the learner's class fails an earlier exercise."""
    for exercise_id in exercise_ids:
        result = check(exercise_id, cls)
        if result.status == NOT_IMPLEMENTED:
            raise EarlierExerciseMissing(f"this exercise uses your Exercise {exercise_id}, "
                                         "which is not implemented yet: write that one first.")
        if not result.passed:
            raise CheckFailed(f"this exercise uses your Exercise {exercise_id}, which is "
                              f"{result.status}: fix that one first.")


def _ops_in(root):
    return {node._op for node in topological_order(root) if node._op}


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


@exercise("1.2", "the Value class: + and *", Value, lambda: (),
          where="minigrad.scalar.Value.__mul__",
          hint="out = Value(self.data * other.data, (self, other), '*'); its _backward adds "
               "each parent's local derivative times out.grad to the parent's grad (+=).")
def check_add_and_mul(cls):
    a, b = cls(2.0), cls(-3.0)
    for out, symbol, value in ((a + b, "+", -1.0), (a * b, "*", -6.0)):
        _returns_node(out, cls, f"Value(2) {symbol} Value(-3)")
        expect_close(out.data, value, f"(Value(2) {symbol} Value(-3)).data")
        expect(any(p is a for p in out._prev) and any(p is b for p in out._prev),
               f"the node of a {symbol} b must remember both inputs: pass (self, other) as its "
               "children.")
    a, b = cls(2.0), cls(-3.0)
    _local_backward(a + b, 10.0)
    if a.grad == 0 and b.grad == 0:
        raise CheckFailed("after the backward of a + b, a.grad and b.grad are still 0.\nHint: "
                          "did you attach the closure (out._backward = _backward) and return "
                          "out?")
    expect_close(a.grad, 10.0, "a.grad after the backward of a + b with out.grad = 10",
                 hint="+ passes out.grad on unchanged: d(a + b)/da = 1.")
    expect_close(b.grad, 10.0, "b.grad after the backward of a + b with out.grad = 10",
                 hint="+ passes out.grad on unchanged to *both* inputs.")
    a, b = cls(2.0), cls(-3.0)
    _local_backward(a * b, 10.0)
    if math.isclose(a.grad, 20.0):
        raise CheckFailed("a.grad after the backward of a * b (a = 2, b = -3, out.grad = 10): "
                          "expected -30, got 20.\nHint: the local derivatives are swapped: "
                          "d(a·b)/da = b, so a.grad grows by other.data * out.grad.")
    expect_close(a.grad, -30.0, "a.grad after the backward of a * b (a = 2, b = -3, out.grad = 10)",
                 hint="d(a·b)/da = b, times out.grad (the chain rule).")
    expect_close(b.grad, 20.0, "b.grad after the backward of a * b (a = 2, b = -3, out.grad = 10)",
                 hint="d(a·b)/db = a, times out.grad.")
    a, b = cls(2.0), cls(-3.0)
    a.grad, b.grad = 1.0, 1.0
    _local_backward(a * b, 10.0)
    expect_close(a.grad, -29.0, "a.grad after a * b when a.grad already held 1",
                 hint="gradients accumulate: use `+=`, not `=`, for both inputs.")
    expect_close(b.grad, 21.0, "b.grad after a * b when b.grad already held 1",
                 hint="gradients accumulate: use `+=`, not `=`, for both inputs.")
    a = cls(3.0)
    _local_backward(a * a, 1.0)
    expect_close(a.grad, 6.0, "a.grad for a * a (a = 3)",
                 hint="a appears twice, so both contributions must add up: use `+=`, not `=`.")
    a = cls(3.0)
    _local_backward(a + a, 1.0)
    expect_close(a.grad, 2.0, "a.grad for a + a", hint="use `+=`, not `=`.")
    a = cls(2.0)
    out = a * 3
    expect_close(out.data, 6.0, "(Value(2) * 3).data",
                 hint="a plain number must work too: wrap it, other = other if "
                      "isinstance(other, Value) else Value(other).")
    _local_backward(out, 1.0)
    expect_close(a.grad, 3.0, "a.grad for a * 3")
    expect_close((cls(2.0) + 1).data, 3.0, "(Value(2) + 1).data")


@exercise("1.3", "tanh, exp and relu", Value, lambda: (),
          where="minigrad.scalar.Value.tanh",
          hint="each method makes its output node with (self,) as children and a _backward "
               "that adds the local derivative times out.grad to self.grad.")
def check_tanh_exp_relu(cls):
    derivatives = {"tanh": lambda x: 1 - math.tanh(x) ** 2, "exp": math.exp,
                   "relu": lambda x: float(x > 0)}
    values = {"tanh": math.tanh, "exp": math.exp, "relu": lambda x: max(x, 0.0)}
    hints = {"tanh": "d tanh(x)/dx = 1 - tanh(x)², written with the *output* out.data, "
                     "not with the input.",
             "exp": "d exp(x)/dx = exp(x), which is out.data.",
             "relu": "the slope is 1 where x > 0 and 0 elsewhere."}
    for name in ("tanh", "exp", "relu"):
        expect(callable(getattr(cls, name, None)),
               f"Value has no method {name}: attach your function with Value.{name} = {name}.")
        for x0 in (-1.5, 0.0, 0.7):
            x = cls(x0)
            out = getattr(x, name)()
            _returns_node(out, cls, f"Value({x0}).{name}()")
            expect_close(out.data, values[name](x0), f"Value({x0}).{name}().data")
            expect(any(p is x for p in out._prev),
                   f"the node of x.{name}() must remember x: pass (self,) as its children.")
            _local_backward(out, 2.0)
            expect_close(x.grad, 2.0 * derivatives[name](x0),
                         f"x.grad for x.{name}() at x = {x0} with out.grad = 2",
                         hint=hints[name] + " Times out.grad (the chain rule).")
        x = cls(0.3)
        x.grad = 1.0
        _local_backward(getattr(x, name)(), 1.0)
        expect_close(x.grad, 1.0 + derivatives[name](0.3), f"x.grad after {name}, which held 1",
                     hint="gradients accumulate: use `+=`, not `=`.")


@exercise("1.4", "powers, and the operators built from primitives", Value, lambda: (),
          where="minigrad.scalar.Value.__pow__",
          hint="__pow__ is a primitive with its own _backward (n·x^(n-1)); -a is a * -1, "
               "a - b is a + (-b), a / b is a * b**-1, and 2 + a calls a.__radd__(2).")
def check_power_and_composites(cls):
    _requires(cls, "1.2")
    x = cls(2.0)
    out = x ** 3
    _returns_node(out, cls, "Value(2) ** 3")
    expect_close(out.data, 8.0, "(Value(2) ** 3).data")
    _local_backward(out, 1.0)
    expect_close(x.grad, 12.0, "x.grad for x ** 3 at x = 2",
                 hint="d(x^n)/dx = n·x^(n-1), times out.grad.")
    x = cls(4.0)
    _local_backward(x ** -0.5, 1.0)
    expect_close(x.grad, -0.5 * 4.0 ** -1.5, "x.grad for x ** -0.5 at x = 4")
    cases = [("-a", lambda a, b: -a, -2.0, (-1.0, 0.0)),
             ("a - b", lambda a, b: a - b, 7.0, (1.0, -1.0)),
             ("a / b", lambda a, b: a / b, -0.4, (-0.2, -0.08)),
             ("2 + a", lambda a, b: 2 + a, 4.0, (1.0, 0.0)),
             ("3 * a", lambda a, b: 3 * a, 6.0, (3.0, 0.0)),
             ("1 - a", lambda a, b: 1 - a, -1.0, (-1.0, 0.0)),
             ("1 / b", lambda a, b: 1 / b, -0.2, (0.0, -0.04))]
    for text, make, value, (grad_a, grad_b) in cases:
        a, b = cls(2.0), cls(-5.0)
        out = make(a, b)
        _returns_node(out, cls, text)
        expect_close(out.data, value, f"({text}).data at a = 2, b = -5",
                     hint="build it from the primitives: -a is a * -1, a - b is a + (-b), "
                          "a / b is a * b**-1; reflected operators (2 + a) call __radd__.")
        one = cls(1.0)
        primitives = {(one + one)._op, (one * one)._op, (one ** -1)._op}
        expect(_ops_in(out) <= primitives,
               f"{text} should be built from your +, * and ** -1 (their nodes are labelled "
               f"{sorted(primitives)}; this one has {sorted(_ops_in(out))}), so that it needs "
               "no backward of its own.")
        for node in reversed(topological_order(out)):
            node.grad = 0.0
        out.grad = 1.0
        for node in reversed(topological_order(out)):
            node._backward()
        expect_close(a.grad, grad_a, f"d({text})/da at a = 2, b = -5")
        expect_close(b.grad, grad_b, f"d({text})/db at a = 2, b = -5")


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


@exercise("1.5", "topological sort", topological_sort, lambda: (Value(1.0),),
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


@exercise("1.6", "backward", Value, lambda: (),
          where="minigrad.scalar.Value.backward",
          hint="seed self.grad = 1, then call every node's _backward in reverse topological "
               "order (your topological_sort).")
def check_backward(cls):
    _requires(cls, "1.2", "1.3", "1.4")
    expect(callable(getattr(cls, "backward", None)),
           "Value has no method backward: attach your function with Value.backward = backward.")

    def graph(make):
        a, b = make(2.0), make(-1.5)
        c = a * b + a
        d = (c * c).tanh() + b
        return (a, b), d

    (a, b), out = graph(cls)
    (ra, rb), rout = graph(Value)
    rout.backward()
    out.backward()
    expect_close(out.grad, 1.0, "root.grad after backward",
                 hint="backward starts by setting the root's gradient to 1 (d root / d root).")
    expect_close(a.grad, ra.grad, "a.grad in a graph where a is used three times",
                 hint="call every node's _backward in *reverse* topological order, so that a "
                      "node's gradient is complete before it is passed on.")
    expect_close(b.grad, rb.grad, "b.grad",
                 hint="call every node's _backward in *reverse* topological order.")
    a = cls(3.0)
    out = (a + a) * (a + a)
    out.backward()
    expect_close(a.grad, 24.0, "a.grad for (a + a) * (a + a) at a = 3",
                 hint="each node's _backward must run exactly once.")
    x = cls(0.5)
    y = x
    for _ in range(3000):
        y = y * 1.0
    y.backward()
    expect_close(x.grad, 1.0, "x.grad at the start of a chain of 3000 products",
                 hint="deep graphs need your non-recursive topological_sort.")


def _fixed(model):
    """Give the model's parameters fixed values (no random draw), in order."""
    for i, p in enumerate(model.parameters()):
        p.data = math.sin(1.7 * i + 0.3)


def _expected_forward(weights, x, sizes):
    """The MLP's output by hand: parameters neuron by neuron (weights, then bias),
    ReLU on every layer but the last."""
    values = iter(weights)
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = layer == len(sizes) - 2
        out = []
        for _ in range(n_out):
            w = [next(values) for _ in range(n_in)]
            act = sum(wi * xi for wi, xi in zip(w, x)) + next(values)
            out.append(act if last else max(act, 0.0))
        x = out
    return x


@exercise("1.7", "a neural network from Values", MLP, lambda: (2, [3, 1]),
          where="minigrad.scalar.MLP",
          hint="a neuron is act = sum(w·x) + b, then relu unless it is in the last layer; "
               "a layer is a list of neurons; an MLP chains layers.")
def check_mlp(cls):
    for sizes in ((2, 3, 1), (3, 4, 4, 2)):
        model = cls(sizes[0], list(sizes[1:]))
        n_params = sum((i + 1) * o for i, o in zip(sizes[:-1], sizes[1:]))
        params = model.parameters()
        expect(len(params) == n_params,
               f"MLP({sizes[0]}, {list(sizes[1:])}) has {len(params)} parameters, expected "
               f"{n_params}: every neuron has one weight per input and one bias.")
        _fixed(model)
        x = [0.5, -1.0, 0.25][: sizes[0]]
        out = model(x)
        expected = _expected_forward([p.data for p in params], x, sizes)
        if sizes[-1] == 1 and isinstance(out, list):
            raise CheckFailed(f"MLP{sizes}(x) returned a list; with one output, a layer "
                              "returns that neuron's Value itself, not a list of one.")
        got = [out] if sizes[-1] == 1 else out
        expect(isinstance(got, list) and len(got) == sizes[-1],
               f"MLP(...)(x) with {sizes[-1]} output(s) should return "
               f"{'one Value' if sizes[-1] == 1 else f'a list of {sizes[-1]} Values'}.")
        for i, (node, value) in enumerate(zip(got, expected)):
            expect_close(node.data, value, f"output {i} of MLP{sizes} at x = {x}",
                         hint="ReLU after every layer except the last, whose neurons are "
                              "linear (nonlin=False); parameters() lists, neuron by neuron, "
                              "the weights and then the bias.")
        reference = MLP(sizes[0], list(sizes[1:]))
        _fixed(reference)
        reference_out = reference(x)
        (reference_out if sizes[-1] == 1 else reference_out[0]).backward()
        model.zero_grad()
        got[0].backward()
        for i, (mine, theirs) in enumerate(zip(params, reference.parameters())):
            expect_close(mine.grad, theirs.grad, f"the gradient of parameter {i} of MLP{sizes}",
                         hint="every weight must take part in the computation as a Value "
                              "(wi * xi, not wi.data * xi), or no gradient reaches it.")


@exercise("1.8", "one training step", train_step,
          lambda: (MLP(2, [2, 1]), [[0.0, 1.0]], [1], 0.1),
          where="minigrad.optim.SGD.step",
          hint="loss, zero_grad, backward, then p.data -= lr * p.grad for every parameter.")
def check_train_step(fn):
    def model_and_data():
        model = MLP(2, [4, 1])
        _fixed(model)
        X = [[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8], [0.9, 0.9], [-1.2, -0.4], [0.1, 0.0]]
        y = [1, -1, 1, -1, -1, 1]
        return model, X, y

    model, X, y = model_and_data()
    ref_model, _, _ = model_and_data()
    for p in model.parameters():  # stale gradients that zero_grad must clear
        p.grad = 5.0
    loss = fn(model, X, y, 0.1)
    expect(isinstance(loss, (int, float)),
           f"train_step should return the loss as a number, got {type(loss).__name__}: "
           "return loss.data.")
    ref_loss = train_step(ref_model, X, y, 0.1)
    expect_close(unwrap(loss), ref_loss, "the loss returned by train_step",
                 hint="the hinge loss is the mean of relu(1 - y * score) over the points, "
                      "computed before the update.")
    got = [p.data for p in model.parameters()]
    expected = [p.data for p in ref_model.parameters()]
    worst = max(range(len(got)), key=lambda i: abs(got[i] - expected[i]))
    expect_close(got[worst], expected[worst], f"parameter {worst} after one step",
                 hint="call model.zero_grad() before loss.backward() (old gradients "
                      "linger otherwise), and step *down* the gradient: "
                      "p.data -= lr * p.grad.")
