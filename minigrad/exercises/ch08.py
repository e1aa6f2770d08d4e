"""Checks for the exercises of Chapter 8: the learner writes forward mode with dual
numbers, a JVP rule, a Hessian-vector product through a recorded backward pass,
Newton's step, Jacobians in both modes, and gradient checkpointing."""

import math

import numpy as np

from minigrad import rng
from minigrad.autograd import Function, enable_grad, no_grad
from minigrad.backend import asnumpy, unwrap
from minigrad.dual import Dual
from minigrad.exercises.core import CheckFailed, exercise, expect, expect_array, expect_close
from minigrad.graph import topological_order
from minigrad.tensor import Tensor
from minigrad import transforms

# -- what the chapter gives the learner: functions for numbers and dual numbers ----------


def _elementary(name, scalar):
    def function(x):
        return getattr(x, name)() if hasattr(x, name) else scalar(x)
    function.__name__ = name
    return function


exp = _elementary("exp", math.exp)
sin = _elementary("sin", math.sin)
cos = _elementary("cos", math.cos)
tanh = _elementary("tanh", math.tanh)


# -- reference solutions --------------------------------------------------------------


# The reference for 8.1 is the package's own dual number, minigrad.dual.Dual.


def nth_derivative(f, n):
    """f's n-th derivative: f on n nested dual numbers, each seeded with tangent 1."""
    if n == 0:
        return f
    inner = nth_derivative(f, n - 1)

    def derivative(x):
        out = inner(Dual(x, 1.0))
        return out.tangent if isinstance(out, Dual) else 0.0
    return derivative


def softmax_jvp(x, t):
    """(softmax(x), J t) along the last axis: J t = s ⊙ (t - ⟨s, t⟩)."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    s = e / e.sum(axis=-1, keepdims=True)
    return s, s * (t - (s * t).sum(axis=-1, keepdims=True))


def hvp(f, x, v):
    """H v for the scalar function f at x: differentiate ⟨∇f(x), v⟩ once more."""
    x = Tensor(x, requires_grad=True)
    f(x).backward(create_graph=True)
    g = x.grad                      # a tensor that records
    x.grad = None
    (g * v).sum().backward()
    return x.grad


def newton_step(f, x, hvp):
    """x - H⁻¹ ∇f(x), with H built column by column from Hessian-vector products."""
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    t = Tensor(x, requires_grad=True)
    f(t).backward()
    g = asnumpy(t.grad)
    H = np.stack([asnumpy(unwrap(hvp(f, x, e))) for e in np.eye(n)], axis=1)
    return x - np.linalg.solve(H, g)


def jacobian(f, x, mode):
    """f's Jacobian at x, of shape (m, n): one JVP per column ("forward") or one VJP
    per row ("reverse")."""
    x = np.asarray(x, dtype=np.float64)
    if mode == "forward":
        columns = [asnumpy(transforms.jvp(f, (x,), (e,))[1]) for e in np.eye(x.size)]
        return np.stack(columns, axis=1)
    out, pullback = transforms.vjp(f, x)
    rows = [asnumpy(pullback(e)[0]) for e in np.eye(out.size)]
    return np.stack(rows, axis=0)


class Recompute(Function):
    """f = fn(x) run without recording; backward runs fn again, recording, and
    backpropagates g through that graph (the parameters get their gradients there)."""

    @staticmethod
    def forward(ctx, x, fn=None):
        ctx.segment, ctx.randomness = fn, rng.state()  # not ctx.fn: the engine's own
        with no_grad():
            return fn(Tensor(x)).data

    @staticmethod
    def backward(ctx, g):
        (x_in,) = ctx.inputs
        x = Tensor(x_in.data, requires_grad=True)
        with rng.replaying(ctx.randomness), enable_grad():
            out = ctx.segment(x)
        out.backward(g)
        return x.grad


# -- checks ----------------------------------------------------------------------------

_POINTS = [-1.3, 0.4, 2.1]


def _tanh_derivatives(x):
    t = math.tanh(x)
    return [t, 1 - t**2, -2 * t * (1 - t**2), (1 - t**2) * (6 * t**2 - 2)]


@exercise("8.1", "dual numbers", Dual, lambda: (),
          where="minigrad.dual.Dual",
          hint="(a + bε)(c + dε) = ac + (ad + bc)ε; g(a + bε) = g(a) + g'(a)·b ε, so each "
               "function multiplies its derivative by the tangent.")
def check_dual(cls):
    def d(f, x):
        try:
            out = f(cls(x, 1.0))
        except TypeError as error:
            raise CheckFailed(f"{error}\nHint: a number on the left (3 + x, 2 * x, 1 - x) "
                              "calls the dual's __radd__ / __rmul__ / __rsub__: define them "
                              "too.") from None
        expect(hasattr(out, "tangent"), f"f(Dual(x, 1)) should be a dual number, got "
               f"{type(out).__name__}.")
        return out.tangent

    for x in _POINTS:
        expect_close(d(lambda v: v + v + 3, x), 2.0, "the derivative of x + x + 3",
                     hint="add the values and add the tangents; a number is a dual with "
                          "tangent 0 (3 + x needs __radd__ too).")
        expect_close(d(lambda v: 3 + v * v, x), 2 * x, f"the derivative of 3 + x² at {x}",
                     hint="the product rule: the tangent of (a + bε)(c + dε) is ad + bc, "
                          "both terms.")
        expect_close(d(lambda v: 2 * v - v * 5, x), -3.0, "the derivative of 2x - 5x",
                     hint="__rmul__ for 2 * x, __sub__ as adding the negation.")
        expect_close(d(lambda v: v ** 3, x), 3 * x * x, f"the derivative of x³ at {x}",
                     hint="(a + bε)^p = a^p + p·a^(p-1)·b ε: the power drops by one.")
        expect_close(d(lambda v: v.exp(), x), math.exp(x), f"the derivative of exp at {x}")
        expect_close(d(lambda v: v.sin(), x), math.cos(x), f"the derivative of sin at {x}")
        expect_close(d(lambda v: v.cos(), x), -math.sin(x), f"the derivative of cos at {x}",
                     hint="cos' = -sin.")
        expect_close(d(lambda v: v.tanh(), x), 1 - math.tanh(x) ** 2,
                     f"the derivative of tanh at {x}",
                     hint="tanh' = 1 - tanh², computed from t = tanh(value), times the tangent.")
        expect_close(d(lambda v: (v * 2).tanh(), x), 2 * (1 - math.tanh(2 * x) ** 2),
                     f"the derivative of tanh(2x) at {x}",
                     hint="the chain rule: tanh's tangent is (1 - t²) times the incoming "
                          "tangent (2 here): every function multiplies by it.")
        expect_close(d(lambda v: (v * v).sin() * 3, x), 6 * x * math.cos(x * x),
                     f"the derivative of 3 sin(x²) at {x}",
                     hint="the chain rule: sin's tangent is cos(value) times the incoming "
                          "tangent, which is 2x here, not 1.")
        expect_close(d(lambda v: 1 - v, x), -1.0, f"the derivative of 1 - x at {x}",
                     hint="1 - x calls x.__rsub__(1), which is 1 + (-x), not x - 1.")
        for name, f, df in _CHAINED:
            expect_close(d(f, x), df(x), f"the derivative of {name} at {x}",
                         hint="the chain rule: every function (and ** p) multiplies its "
                              "derivative by the incoming tangent, which is 2 here, not 1.")
    for name, op in (("x + 1", lambda v: v + 1), ("1 + x", lambda v: 1 + v),
                     ("x * 3", lambda v: v * 3), ("x - 1", lambda v: v - 1),
                     ("-x", lambda v: -v), ("x ** 2", lambda v: v ** 2),
                     ("x.exp()", lambda v: v.exp()), ("x.tanh()", lambda v: v.tanh())):
        x = cls(2.0, 1.0)
        op(x)
        expect(x.value == 2.0 and x.tangent == 1.0,
               f"{name} changed x = Dual(2.0, 1.0) into Dual({x.value}, {x.tangent}): an "
               "operation changed its operand.\nHint: return a new Dual; never assign to "
               "self.value or self.tangent.")
    for name, f, second in _NESTED:
        try:
            nested = f(cls(cls(0.7, 1.0), cls(1.0, 0.0)))
        except NotImplementedError:
            raise
        except Exception as error:  # noqa: BLE001  (the learner's code: say what went wrong)
            hint = ("compute with the chapter's tanh(...), exp(...), sin(...), cos(...), "
                    "which accept numbers and duals alike, not math.tanh or math.exp.")
            if "unsupported operand" in str(error):
                hint = ("a number on the left of a dual (1 - t * t inside tanh): define "
                        "__rsub__ (and __radd__, __rmul__).")
            raise CheckFailed(f"{name} of a nested dual number (a dual whose parts are duals) "
                              f"raised {type(error).__name__}: {error}\nHint: {hint}") from None
        expect_close(nested.tangent.tangent, second(0.7),
                     f"the second derivative of {name} by nesting dual numbers",
                     hint="every function must work when value and tangent are themselves "
                          "duals: use the chapter's functions and plain arithmetic only.")


_CHAINED = [  # f(2x) and its derivative 2 f'(2x)
    ("exp(2x)", lambda v: (v * 2).exp(), lambda x: 2 * math.exp(2 * x)),
    ("sin(2x)", lambda v: (v * 2).sin(), lambda x: 2 * math.cos(2 * x)),
    ("cos(2x)", lambda v: (v * 2).cos(), lambda x: -2 * math.sin(2 * x)),
    ("(2x)³", lambda v: (v * 2) ** 3, lambda x: 24 * x * x),
]
_NESTED = [  # f and its second derivative
    ("tanh", lambda v: v.tanh(), lambda x: _tanh_derivatives(x)[2]),
    ("exp", lambda v: v.exp(), math.exp),
    ("sin", lambda v: v.sin(), lambda x: -math.sin(x)),
    ("cos", lambda v: v.cos(), lambda x: -math.cos(x)),
    ("x³", lambda v: v ** 3, lambda x: 6 * x),
]


@exercise("8.2", "the n-th derivative by nesting", nth_derivative, lambda: (tanh, 2),
          where="minigrad.dual.derivative",
          hint="derivative n of f = the tangent of (derivative n - 1 of f) at Dual(x, 1).")
def check_nth_derivative(fn):
    def number(got, what):
        expect(not hasattr(got, "tangent"), f"{what} returned a dual number, "
               f"{got!r}: keep only the tangent at every level, down to a plain number.")
        return got

    for n in range(4):
        for x in _POINTS:
            got = number(fn(tanh, n)(x), f"derivative {n} of tanh at {x}")
            expect_close(got, _tanh_derivatives(x)[n],
                         f"derivative {n} of tanh at {x}",
                         hint="n = 0 is f itself; each level calls the level below on "
                              "Dual(x, 1.0) and keeps the tangent, so n levels give the "
                              "n-th derivative (not n + 1, not n - 1).")
    for n in (1, 3):
        what = f"derivative {n} of x·eˣ at 0.5"
        expect_close(number(fn(lambda v: v * exp(v), n)(0.5), what), math.exp(0.5) * (0.5 + n),
                     what)
    try:
        got = fn(lambda v: 2.0, 2)(0.3)
    except AttributeError as error:
        raise CheckFailed(f"the second derivative of a constant function raised "
                          f"AttributeError: {error}\nHint: a function that ignores x returns "
                          "a number, not a dual: its derivative is 0.") from None
    expect_close(number(got, "the second derivative of a constant function"), 0.0,
                 "the second derivative of a constant function",
                 hint="a function that ignores x returns a number, not a dual: its "
                      "derivative is 0.")


@exercise("8.3", "the JVP of softmax", softmax_jvp,
          lambda: (np.zeros(3), np.ones(3)),
          hint="J = diag(s) - s sᵀ, so J t = s ⊙ t - s ⟨s, t⟩ = s ⊙ (t - ⟨s, t⟩), "
               "the inner product per row.")
def check_softmax_jvp(fn):
    from minigrad.functional import softmax

    r = np.random.default_rng(3)
    for shape in ((5,), (3, 4)):
        x, t = r.standard_normal(shape) * 2, r.standard_normal(shape)
        x_given, t_given = x.copy(), t.copy()
        result = fn(x_given, t_given)
        expect(np.array_equal(x_given, x) and np.array_equal(t_given, t),
               "softmax_jvp changed its input x or t in place; compute new arrays instead "
               "(x - x.max(...), not x -= ...).")
        expect(isinstance(result, tuple) and len(result) == 2, "return the pair (s, Jt).")
        s, jt = result
        expect(isinstance(s, np.ndarray) and isinstance(jt, np.ndarray),
               f"return NumPy arrays, got {type(s).__name__} and {type(jt).__name__}.")
        expect_array(s, softmax(Tensor(x)).numpy(), f"softmax of a {shape} input",
                     hint="exponentiate, divide by the row's sum (after subtracting each "
                          "row's maximum).")
        want = asnumpy(transforms.jvp(lambda a: softmax(a), (x,), (t,))[1])
        if np.allclose(jt, s * t):
            raise CheckFailed("J t = s ⊙ t keeps only the diagonal of the Jacobian: every "
                              "output depends on every input through the sum.\nHint: J = "
                              "diag(s) - s sᵀ, so subtract s ⟨s, t⟩.")
        expect_array(jt, want, f"J t of softmax for a {shape} input",
                     hint="s ⊙ (t - ⟨s, t⟩) with the inner product taken per row "
                          "(axis=-1, keepdims=True), not over the whole array.")
    with np.errstate(all="ignore"):
        s, jt = fn(np.array([1000.0, 0.0]), np.array([1.0, 0.0]))
    expect(np.all(np.isfinite(s)) and np.all(np.isfinite(jt)),
           f"softmax_jvp([1000, 0], [1, 0]) gave {s} and {jt}: exp(1000) overflowed.\nHint: "
           "subtract each row's maximum before exponentiating (softmax does not change).")


@exercise("8.5", "a Hessian-vector product through a recorded backward pass", hvp,
          lambda: (lambda x: (x * x).sum(), np.ones(2), np.ones(2)),
          where="minigrad.transforms.hvp",
          hint="x = Tensor(x, requires_grad=True); f(x).backward(create_graph=True); g = "
               "x.grad; x.grad = None; (g * v).sum().backward(); return x.grad.")
def check_hvp(fn):
    def rosenbrock(z):
        return (1 - z[0]) ** 2 + 100 * (z[1] - z[0] ** 2) ** 2

    x, v = np.array([-1.2, 1.0]), np.array([0.3, -2.0])
    H = np.array([[2 - 400 * (x[1] - 3 * x[0] ** 2), -400 * x[0]], [-400 * x[0], 200.0]])
    try:
        got = fn(rosenbrock, x.copy(), v)
    except AttributeError as error:
        if "backward" not in str(error):
            raise
        raise CheckFailed(f"{error}: after the first backward, x.grad was an array, which "
                          "cannot be differentiated.\nHint: call f(x).backward("
                          "create_graph=True): then x.grad is a tensor that records.") from None
    grad = np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2),
                     200 * (x[1] - x[0] ** 2)])
    got_array = np.asarray(asnumpy(unwrap(got)), dtype=np.float64)
    if got_array.shape == x.shape and np.allclose(got_array, H @ v + grad):
        raise CheckFailed("you returned ∇f + H v: the first backward left ∇f in x.grad and "
                          "the second one added H v to it.\nHint: set x.grad = None between "
                          "the two backward passes.")
    if got_array.shape == x.shape and np.allclose(got_array, grad * v):
        raise CheckFailed("you returned ∇f ⊙ v, the gradient times v: differentiate "
                          "⟨∇f, v⟩ once more to get H v.")
    expect_array(got, H @ v, "H v of Rosenbrock's function at (-1.2, 1)",
                 hint="H v = ∇⟨∇f(x), v⟩: backward with create_graph=True keeps ∇f as a "
                      "tensor that records, so (g * v).sum() can be differentiated.")
    r = np.random.default_rng(4)
    A = r.standard_normal((3, 3))
    A = A + A.T
    v3 = r.standard_normal(3)
    expect_array(fn(lambda z: (z * (z @ A)).sum() / 2 + z.tanh().sum(), np.zeros(3), v3),
                 A @ v3, "H v of ½ xᵀAx + Σ tanh(x) at 0 (H = A there)")


def _quadratic_bowl(z):
    return (z[0] - 1) ** 2 + 10 * (z[1] + 2) ** 2 + z[0] * z[1]


@exercise("8.6", "Newton's step", newton_step,
          lambda: (_quadratic_bowl, np.zeros(2), hvp),
          hint="g = ∇f(x); H[:, j] = hvp(f, x, e_j) for each basis vector e_j; solve H d = g "
               "(np.linalg.solve) and return x - d.")
def check_newton_step(fn):
    calls = []

    def counted_hvp(f, x, v):
        calls.append(1)
        return hvp(f, x, v)

    def refused_inv(*args, **kwargs):
        raise CheckFailed("newton_step called np.linalg.inv: solve H d = g with "
                          "np.linalg.solve(H, g) instead (cheaper, and accurate when H is "
                          "badly conditioned).")

    x0 = np.array([3.0, 1.0])
    given = x0.copy()
    inv, np.linalg.inv = np.linalg.inv, refused_inv
    try:
        got = fn(_quadratic_bowl, given, counted_hvp)
    finally:
        np.linalg.inv = inv
    expect(np.array_equal(given, x0), "newton_step changed its argument x in place (x -= "
           "...): the caller's point moved too. Return a new array: x - d.")
    expect(len(calls) == 2, f"newton_step called the hvp it was given {len(calls)} times for "
           "a function of 2 variables: build H from it, one column per basis vector.")
    expect(isinstance(got, np.ndarray), f"return a NumPy array, got {type(got).__name__} "
           "(the chapter subtracts and stacks the points).")
    H = np.array([[2.0, 1.0], [1.0, 20.0]])
    g = np.array([2 * (x0[0] - 1) + x0[1], 20 * (x0[1] + 2) + x0[0]])
    minimum = np.linalg.solve(H, np.array([2.0, -40.0]))
    got = got.astype(np.float64)
    if got.shape == (2,) and np.allclose(got, 2 * x0 - minimum):
        raise CheckFailed("the step went uphill: Newton's step is x - H⁻¹∇f, not x + H⁻¹∇f.")
    if got.shape == (2,) and np.allclose(got, x0 - H @ g):
        raise CheckFailed("you stepped by H ∇f: multiplying by H is not dividing by H.\n"
                          "Hint: d = np.linalg.solve(H, g).")
    expect_array(got, minimum, "one Newton step on a quadratic (it lands on the minimum)",
                 hint="H[:, j] = hvp(f, x, e_j) with e_j the j-th basis vector (a fresh one "
                      "for each column: np.eye(n)[j]); then d = np.linalg.solve(H, g).")

    def rosenbrock(z):
        return (1 - z[0]) ** 2 + 100 * (z[1] - z[0] ** 2) ** 2

    x = np.array([-1.2, 1.0])
    H = np.array([[2 - 400 * (x[1] - 3 * x[0] ** 2), -400 * x[0]], [-400 * x[0], 200.0]])
    g = np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])
    expect_array(fn(rosenbrock, x.copy(), hvp), x - np.linalg.solve(H, g),
                 "a Newton step on Rosenbrock's function from (-1.2, 1)",
                 hint="column j of H is hvp(f, x, e_j); stack them along axis 1.")


def _stretch(z):
    from minigrad.ops import concatenate, stack

    return concatenate([z * z, stack([z.sum(), (z[0] * z[-1]).sin()]), z.tanh()[:1]])


@exercise("8.4", "a Jacobian in forward and in reverse mode", jacobian,
          lambda: (_stretch, np.ones(2), "forward"),
          where="minigrad.transforms.jacfwd",
          hint='forward: column j = minigrad.jvp(f, (x,), (e_j,))[1]; reverse: row i = '
               'pullback(e_i)[0] with out, pullback = minigrad.vjp(f, x).')
def check_jacobian(fn):
    from minigrad.transforms import jacrev

    x = np.array([0.3, -1.1, 2.0])
    want = asnumpy(jacrev(_stretch)(x))
    for mode in ("forward", "reverse"):
        with _counting_transforms() as calls:
            got = fn(_stretch, x.copy(), mode)
        forward_calls = calls["jvp"] + calls["linearize"] + calls["jacfwd"]
        reverse_calls = calls["vjp"] + calls["jacrev"]
        if mode == "forward":
            expect(forward_calls and not reverse_calls,
                   'mode="forward" should build the Jacobian from JVPs (minigrad.jvp), one '
                   f"column per input; it called {dict(calls)}.")
        else:
            expect(reverse_calls and not forward_calls,
                   'mode="reverse" should build the Jacobian from VJPs (minigrad.vjp), one '
                   f"row per output; it called {dict(calls)}.")
        expect(isinstance(got, np.ndarray), f"return a NumPy array, got {type(got).__name__} "
               "(minigrad.backend.asnumpy turns a result into one).")
        got = got.astype(np.float64)
        if got.shape == want.T.shape and got.shape != want.shape:
            raise CheckFailed(f"the {mode}-mode Jacobian of f: R³ → R⁶ has shape {got.shape}; "
                              f"it should be (6, 3), one row per output.\nHint: JVPs are "
                              "columns (stack along axis 1), VJPs are rows (axis 0).")
        expect_array(got, want, f"the {mode}-mode Jacobian of f: R³ → R⁶",
                     hint="forward mode: one JVP with each basis vector of the *input* "
                          "space (3 of them); reverse mode: one VJP with each basis vector of "
                          "the *output* space (6 of them).")


class _counting_transforms:
    """Count the learner's calls of minigrad's transforms (looked up as minigrad.jvp …)."""

    NAMES = ("jvp", "vjp", "linearize", "jacfwd", "jacrev")

    def __enter__(self):
        import minigrad

        self.calls = {name: 0 for name in self.NAMES}
        self.saved = [(module, name, getattr(module, name))
                      for module in (minigrad, transforms) for name in self.NAMES]
        for module, name, original in self.saved:
            setattr(module, name, self._counted(name, original))
        return self.calls

    def _counted(self, name, original):
        def counted(*args, **kwargs):
            self.calls[name] += 1
            return original(*args, **kwargs)
        return counted

    def __exit__(self, *exc):
        for module, name, original in self.saved:
            setattr(module, name, original)
        return False


def _segment(x, w, dropout=True):
    from minigrad.nn import Dropout

    h = (x * w).tanh()
    return (Dropout(0.5)(h) if dropout else h) * 2


def _plain_and_checkpointed(cls, dropout, segments=1):
    """Gradients of Σ segment(x)² without and with the learner's checkpoint, the number
    of runs of the segment (and whether each recorded), and the generator's next draw."""
    from minigrad.autograd import is_grad_enabled
    from minigrad.rng import default_rng, manual_seed

    x0 = np.array([[0.5, -1.0, 2.0, 0.1], [1.5, 0.2, -0.3, 0.7]])
    results = []
    for checkpointed in (False, True):
        runs = []

        w = Tensor(np.linspace(-1.0, 1.0, 4), requires_grad=True)  # x's device: the default

        def segment(t):
            runs.append(is_grad_enabled())
            return _segment(t, w, dropout)

        manual_seed(1)
        x = Tensor(x0, requires_grad=True)
        out = x
        for _ in range(segments):
            out = cls.apply(out, fn=segment) if checkpointed else segment(out)
        (out ** 2).sum().backward()
        w_grad = None if w.grad is None else asnumpy(unwrap(w.grad)).copy()
        x_grad = None if x.grad is None else asnumpy(unwrap(x.grad))
        results.append((x_grad, w_grad, runs, default_rng().random()))
    return results


@exercise("8.7", "gradient checkpointing", Recompute, lambda: (),
          where="minigrad.checkpointing.Recompute",
          hint="forward: keep fn (as ctx.segment: ctx.fn is the engine's) and "
               "minigrad.rng.state(), run fn(Tensor(x)) under no_grad() and return its data; "
               "backward: make x a fresh leaf, run fn again under rng.replaying(state) and "
               "enable_grad(), out.backward(g), return x.grad.")
def check_recompute(cls):
    (want_x, want_w, _, want_draw), (got_x, got_w, runs, got_draw) = \
        _plain_and_checkpointed(cls, dropout=False)
    expect(len(runs) == 2, f"the segment ran {len(runs)} time(s) for one forward and one "
           "backward pass; checkpointing runs it twice: once in forward (keeping nothing) and "
           "again in backward.")
    expect(not runs[0], "forward ran the segment while recording: its activations were kept "
           "after all.\nHint: run it under minigrad.no_grad().")
    expect(got_x is not None, "the input got no gradient.\nHint: backward returns the grad "
           "of a fresh leaf made with requires_grad=True, one gradient for the one input.")
    if got_w is None:
        raise CheckFailed("the segment's weight got no gradient: backward must run fn again "
                          "*recording* (enable_grad()) and call out.backward(g), which fills "
                          "the gradients of the parameters inside fn.")
    if np.allclose(got_x, 2 * want_x):
        raise CheckFailed("the input's gradient is twice what it should be: backward ran "
                          "the segment on the input tensor itself, so out.backward(g) "
                          "already added the gradient into it, and the engine added what "
                          "backward returned on top.\nHint: recompute from a fresh leaf, "
                          "Tensor(x.data, requires_grad=True), and return its grad.")
    expect_array(got_x, want_x, "the input's gradient through the checkpoint (no dropout)",
                 hint="backward: out.backward(g) with the g it received (not ones), then "
                      "return the fresh leaf's grad.")
    expect_array(got_w, want_w, "the weight's gradient through the checkpoint (no dropout)")
    (want_x, want_w, _, want_draw), (got_x, got_w, _, got_draw) = \
        _plain_and_checkpointed(cls, dropout=True, segments=2)
    if not np.allclose(got_x, want_x):
        raise CheckFailed("with dropout in two segments, the input's gradient differs from "
                          "the one without checkpointing: a recomputation drew a new mask."
                          "\nHint: save minigrad.rng.state() in forward (ctx.randomness, say) "
                          "and recompute inside minigrad.rng.replaying(ctx.randomness).")
    expect_array(got_w, want_w, "the weight's gradient through the checkpoint, with dropout")
    expect(got_draw == want_draw, "after backward through two segments, minigrad's generator "
           "is not where a run without checkpointing leaves it: the next random draw differs.\nHint: replay with "
           "minigrad.rng.replaying(state), which puts the generator back afterwards, rather "
           "than setting its state.")
