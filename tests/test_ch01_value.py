"""Chapter 1: the scalar Value, its graph pictures, the moons and the scalar MLP."""

import math

import numpy as np
import pytest

import minigrad
from minigrad import MLP, Value, draw_graph, topological_order

pytestmark = pytest.mark.ch01

H = 1e-6


def central_difference(f, x, h=H):
    return (f(x + h) - f(x - h)) / (2 * h)


# One table drives the checks of every unary operation: name, how to apply it
# to a Value, the same function on floats, and points inside its domain.
UNARY = [
    ("neg", lambda v: -v, lambda x: -x, [-1.5, 0.0, 2.0]),
    ("exp", Value.exp, math.exp, [-2.0, 0.0, 1.3]),
    ("log", Value.log, math.log, [0.1, 1.0, 7.5]),
    ("tanh", Value.tanh, math.tanh, [-3.0, -0.2, 0.0, 0.9]),
    ("sigmoid", Value.sigmoid, lambda x: 1 / (1 + math.exp(-x)), [-4.0, 0.0, 2.5]),
    ("relu", Value.relu, lambda x: max(x, 0.0), [-2.0, -0.1, 0.3, 4.0]),
    ("sin", Value.sin, math.sin, [-1.0, 0.0, 2.0]),
    ("cos", Value.cos, math.cos, [-1.0, 0.0, 2.0]),
    ("square", lambda v: v**2, lambda x: x**2, [-1.5, 0.0, 3.0]),
    ("cube", lambda v: v**3, lambda x: x**3, [-1.5, 0.5, 2.0]),
    ("sqrt", lambda v: v**0.5, math.sqrt, [0.25, 4.0]),
    ("reciprocal", lambda v: v**-1, lambda x: 1 / x, [-2.0, 0.5, 3.0]),
    ("rsub", lambda v: 3 - v, lambda x: 3 - x, [-1.0, 2.0]),
    ("rtruediv", lambda v: 3 / v, lambda x: 3 / x, [-1.0, 2.0]),
    ("radd", lambda v: 2.5 + v, lambda x: 2.5 + x, [-1.0, 2.0]),
    ("rmul", lambda v: 2.5 * v, lambda x: 2.5 * x, [-1.0, 2.0]),
]


@pytest.mark.parametrize("name, op, ref, points", UNARY, ids=[u[0] for u in UNARY])
def test_unary_forward_and_gradient(name, op, ref, points):
    for x0 in points:
        x = Value(x0)
        out = op(x)
        out.backward()
        assert out.data == pytest.approx(ref(x0), rel=1e-12, abs=1e-12)
        assert x.grad == pytest.approx(central_difference(ref, x0), rel=1e-6, abs=1e-6), (name, x0)


BINARY = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("truediv", lambda a, b: a / b),
    ("mixed", lambda a, b: (a * b + a / b - b).tanh() * a),
]


@pytest.mark.parametrize("name, op", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("a0, b0", [(2.0, -3.0), (-0.5, 0.25), (1.5, 4.0)])
def test_binary_forward_and_gradient(name, op, a0, b0):
    a, b = Value(a0), Value(b0)
    out = op(a, b)
    out.backward()
    assert out.data == pytest.approx(op(a0, b0) if name != "mixed" else
                                     math.tanh(a0 * b0 + a0 / b0 - b0) * a0)

    def as_float(x, y):
        return op(Value(x), Value(y)).data

    assert a.grad == pytest.approx(central_difference(lambda t: as_float(t, b0), a0), rel=1e-6)
    assert b.grad == pytest.approx(central_difference(lambda t: as_float(a0, t), b0), rel=1e-6)


def test_sigmoid_is_stable_at_extremes():
    for x0, expected in [(800.0, 1.0), (-800.0, 0.0)]:
        x = Value(x0)
        s = x.sigmoid()
        s.backward()
        assert s.data == expected and x.grad == 0.0


def test_relu_gradient_at_zero_is_zero():
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0


# -- the classic regressions ---------------------------------------------------

def test_a_plus_a_counts_both_paths():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0 and b.grad == 2.0


def test_node_reused_many_times():
    a = Value(1.5)
    total = a
    for _ in range(99):
        total = total + a * a
    total.backward()
    assert a.grad == pytest.approx(1 + 99 * 2 * 1.5)


def test_backward_twice_doubles_leaf_gradients_only():
    a, b = Value(2.0), Value(-1.0)
    c = a * b
    d = (c + a).tanh() * c
    d.backward()
    first = (a.grad, b.grad, c.grad)
    d.backward()
    assert (a.grad, b.grad) == pytest.approx((2 * first[0], 2 * first[1]))
    assert c.grad == pytest.approx(first[2])  # interior: recomputed, not compounded


def test_backward_on_a_leaf_seeds_one():
    x = Value(5.0)
    x.backward()
    assert x.grad == 1.0


def test_deep_chain_of_100000_nodes():
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0
    assert len(topological_order(y)) == 200_001


def test_topological_order_puts_parents_first_and_root_last():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    order = topological_order(d)
    assert order[-1] is d and len(order) == len({id(n) for n in order}) == 4
    position = {id(n): i for i, n in enumerate(order)}
    assert all(position[id(p)] < position[id(n)] for n in order for p in n._prev)


def test_nodes_hash_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and len({a, b}) == 2


def test_micrograd_compatible_constructor_and_repr():
    a = Value(2.0, label="a")
    b = Value(3.0)
    c = Value(a.data * b.data, (a, b), "*")
    assert c._prev == (a, b) and c._op == "*" and a.label == "a"
    assert repr(c) == "Value(data=6.0, grad=0.0)"
    assert Value(2).data == 2 and isinstance(Value(np.float32(1.5)).data, float)


# -- bad input -----------------------------------------------------------------

@pytest.mark.parametrize("make, error, words", [
    (lambda: Value(2.0) ** Value(3.0), TypeError, "exponent must be a plain number"),
    (lambda: Value("a"), TypeError, "expects a real number"),
    (lambda: Value(Value(1.0)), TypeError, "got another Value"),
    (lambda: Value(1.0) + "a", TypeError, "combines only with numbers"),
    (lambda: "a" * Value(1.0), TypeError, "combines only with numbers"),
    (lambda: Value(1.0) ** "2", TypeError, "int or float exponent"),
    (lambda: Value(-2.0).log(), ValueError, "non-positive"),
    (lambda: Value(0.0).log(), ValueError, "non-positive"),
    (lambda: Value(1.0) / Value(0.0), ZeroDivisionError, "negative power"),
])
def test_bad_input_gets_a_clear_error(make, error, words):
    with pytest.raises(error, match=words):
        make()


# -- PyTorch as a second oracle ------------------------------------------------

@pytest.mark.torch
def test_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    values = [0.7, -1.3, 2.1]

    def f(x, y, z):  # the same methods exist on Values and on torch tensors
        return ((x * y + z).tanh() + (z / y).sigmoid() * x.exp() - (y - x).relu() ** 2
                + (z * z).log() * x.sin() - y.cos() / z)

    mine = [Value(v) for v in values]
    f(*mine).backward()
    theirs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    out = f(*theirs)
    out.backward()
    for m, t in zip(mine, theirs):
        assert m.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-12)


# -- the scalar MLP --------------------------------------------------------------

def test_mlp_shapes_parameters_and_zero_grad():
    minigrad.manual_seed(0)
    model = MLP(3, [4, 4, 1])
    assert len(model.parameters()) == (3 * 4 + 4) + (4 * 4 + 4) + (4 + 1)
    out = model([1.0, -2.0, 0.5])
    assert isinstance(out, Value)
    out.backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    assert repr(model) == ("MLP of [Layer(3 -> 4, ReLU), Layer(4 -> 4, ReLU), "
                           "Layer(4 -> 1, linear)]")


def test_manual_seed_makes_initialisation_reproducible():
    minigrad.manual_seed(7)
    first = [p.data for p in MLP(2, [3, 1]).parameters()]
    minigrad.manual_seed(7)
    again = [p.data for p in MLP(2, [3, 1]).parameters()]
    assert first == again


def test_training_on_moons_reduces_the_loss():
    from minigrad.exercises.ch01 import train_step

    minigrad.manual_seed(0)
    X, y = minigrad.data.make_moons(20, noise=0.1, random_state=0)
    labels = [2 * int(t) - 1 for t in y]
    model = MLP(2, [8, 1])
    losses = [train_step(model, X, labels, lr=0.5) for _ in range(15)]
    assert losses[-1] < 0.6 * losses[0]


# -- make_moons ------------------------------------------------------------------

def test_make_moons_shapes_labels_and_geometry():
    X, y = minigrad.data.make_moons(101, shuffle=False)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and set(y) == {0, 1}
    assert (y == 0).sum() == 50 and (y == 1).sum() == 51
    assert np.allclose(X[y == 0, 0] ** 2 + X[y == 0, 1] ** 2, 1.0)        # upper moon
    assert np.allclose((X[y == 1, 0] - 1) ** 2 + (X[y == 1, 1] - 0.5) ** 2, 1.0)


def test_make_moons_is_reproducible():
    a = minigrad.data.make_moons(30, noise=0.2, random_state=3)
    b = minigrad.data.make_moons(30, noise=0.2, random_state=3)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    minigrad.manual_seed(5)
    c = minigrad.data.make_moons(30, noise=0.2)
    minigrad.manual_seed(5)
    d = minigrad.data.make_moons(30, noise=0.2)
    assert np.array_equal(c[0], d[0])


def test_make_moons_matches_scikit_learn():
    datasets = pytest.importorskip("sklearn.datasets")
    for n in (1, 7, 100, (3, 5)):
        for noise in (None, 0.3):
            ours = minigrad.data.make_moons(n, noise=noise, random_state=11)
            theirs = datasets.make_moons(n, noise=noise, random_state=11)
            assert np.array_equal(ours[0], theirs[0]) and np.array_equal(ours[1], theirs[1])


@pytest.mark.parametrize("kwargs, words", [
    ({"n_samples": -1}, "n_samples must be >= 0"),
    ({"n_samples": "many"}, "int or a pair"),
    ({"noise": -0.1}, "noise must be >= 0"),
    ({"random_state": "seed"}, "random_state must be"),
])
def test_make_moons_bad_input(kwargs, words):
    with pytest.raises((ValueError, TypeError), match=words):
        minigrad.data.make_moons(**kwargs)


# -- pictures ----------------------------------------------------------------------

def test_draw_graph_shows_values_gradients_and_operations():
    graphviz = pytest.importorskip("graphviz")
    a = Value(2.0, label="a")
    b = a * Value(-3.0)
    b.label = "b"
    b.backward()
    graph = draw_graph(b)
    assert isinstance(graph, graphviz.Digraph)
    source = graph.source
    assert "a | data 2.0000 | grad -3.0000" in source
    assert "b | data -6.0000 | grad 1.0000" in source
    assert source.count("->") == 3  # a -> *, const -> *, * -> b
    svg = graph.pipe(format="svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_draw_graph_explains_a_missing_dot(monkeypatch):
    pytest.importorskip("graphviz")
    graph = draw_graph(Value(1.0) + 2)
    monkeypatch.setattr("minigrad.viz.shutil.which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        graph.pipe(format="svg")


def test_draw_graph_rejects_other_objects():
    with pytest.raises(TypeError, match="expects a minigrad Value"):
        draw_graph(3.0)


def test_plots(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    minigrad.manual_seed(0)
    X, y = minigrad.data.make_moons(20, noise=0.1, random_state=0)
    ax = minigrad.viz.plot_decision_boundary(MLP(2, [4, 1]), X, y, resolution=10)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    ax.figure.savefig(tmp_path / "boundary.png")
    ax = minigrad.viz.plot_history([3.0, 2.0, 1.0])
    assert list(ax.lines[0].get_ydata()) == [3.0, 2.0, 1.0]
    with pytest.raises(ValueError, match=r"X of shape \(n, 2\)"):
        minigrad.viz.plot_decision_boundary(MLP(2, [1]), X[:, :1], y)


def test_pictures_accept_a_value_class_written_elsewhere():
    """Chapter 1's learner writes their own Value: the drawings must take it (here
    micrograd's, which shares only data, grad, _prev and _op with minigrad's)."""
    import matplotlib

    matplotlib.use("Agg")
    from micrograd.engine import Value as TheirValue
    from micrograd.nn import MLP as TheirMLP

    a, b = TheirValue(2.0), TheirValue(-3.0)
    out = (a * b + a).relu()
    out.backward()
    source = draw_graph(out).source
    assert source.count("grad ") == 5 and "ReLU" in source
    X, y = minigrad.data.make_moons(20, noise=0.1, random_state=0)
    figure = minigrad.viz.plot_decision_boundary(TheirMLP(2, [4, 1]), X, y, resolution=10)
    assert figure is not None
