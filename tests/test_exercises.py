"""The exercise machinery: checks in both directions, and student notebooks."""

import inspect
import math
import re

import nbformat
import numpy as np
import pytest

import minigrad
from minigrad import Function, Tensor, Value
from minigrad.exercises import EXERCISES, check, lookup, use
from minigrad.exercises import notebooks
from minigrad.exercises.__main__ import main
from minigrad.exercises.core import ERROR, FAILED, NOT_IMPLEMENTED, PASSED

import learner_ch05
import learner_ch06
import learner_ch07
import learner_ch08
import learner_ch09

pytestmark = pytest.mark.course


@pytest.fixture(autouse=True)
def _host_default_device():
    """The exercises are NumPy code on the host, as learners run them, also when the
    suite runs with another default device (MINIGRAD_DEVICE=standin); Chapter 6's
    checks name their devices themselves."""
    from minigrad import backend

    previous = backend.default_device()
    backend.set_default_device("cpu")
    yield
    backend.set_default_device(previous)


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_every_reference_solution_passes(exercise_id):
    result = check(exercise_id, EXERCISES[exercise_id].reference)
    assert result.status == PASSED, repr(result)
    assert repr(result).startswith(f"✔ Exercise {exercise_id} (")


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_a_stub_is_reported_as_not_implemented(exercise_id):
    def stub(*args, **kwargs):
        raise NotImplementedError(f"Exercise {exercise_id}")

    reference = EXERCISES[exercise_id].reference
    if inspect.isclass(reference) and issubclass(reference, Function):  # a Function to write
        stub = type("Stub", (Function,), {"forward": staticmethod(stub),
                                          "backward": staticmethod(stub)})
    elif inspect.isclass(reference) and exercise_id.startswith("1."):  # Value, to complete
        stub = _StubValue
    elif inspect.isclass(reference):  # Chapter 5's classes: the stub's constructor raises
        stub = type("Stub", (), {"__init__": stub})
    result = check(exercise_id, stub)
    assert result.status == NOT_IMPLEMENTED
    assert ("Replace the `raise NotImplementedError" in repr(result)
            or "which is not implemented yet: write that one first" in repr(result))


def _not_yet(self, *args, **kwargs):
    raise NotImplementedError


class _StubValue:
    """A class as the student notebooks start it: the constructor is given, the rest raises."""

    def __init__(self, data=0.0, _children=(), _op="", label=""):
        self.data, self.grad, self._prev, self._op = data, 0.0, tuple(_children), _op
        self._backward = lambda: None

    for _name in ("__add__", "__mul__", "__radd__", "__rmul__", "__pow__", "__neg__", "__sub__",
                  "__rsub__", "__truediv__", "__rtruediv__", "tanh", "exp", "relu", "backward",
                  "__call__", "parameters", "zero_grad"):
        locals()[_name] = _not_yet


class _LearnerValue:
    """A right answer to Exercises 1.2-1.6, written the way the chapter teaches it."""

    def __init__(self, data, _children=(), _op=""):
        self.data, self.grad, self._prev, self._op = data, 0.0, tuple(_children), _op
        self._backward = lambda: None

    def _node(self, data, children, op, local):
        out = type(self)(data, children, op)

        def _backward():
            for child, derivative in zip(children, local(out)):
                child.grad += derivative * out.grad
        out._backward = _backward
        return out

    def _wrap(self, other):
        return other if isinstance(other, _LearnerValue) else type(self)(other)

    def __add__(self, other):
        other = self._wrap(other)
        return self._node(self.data + other.data, (self, other), "+", lambda out: (1.0, 1.0))

    def __mul__(self, other):
        other = self._wrap(other)
        return self._node(self.data * other.data, (self, other), "*",
                          lambda out: (other.data, self.data))

    def __pow__(self, n):
        return self._node(self.data ** n, (self,), f"**{n}",
                          lambda out: (n * self.data ** (n - 1),))

    def tanh(self):
        return self._node(math.tanh(self.data), (self,), "tanh", lambda out: (1 - out.data ** 2,))

    def exp(self):
        return self._node(math.exp(self.data), (self,), "exp", lambda out: (out.data,))

    def relu(self):
        return self._node(max(self.data, 0.0), (self,), "ReLU",
                          lambda out: (float(self.data > 0),))

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __truediv__(self, other):
        return self * other ** -1

    def __rtruediv__(self, other):
        return other * self ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def backward(self):
        from minigrad import topological_order
        self.grad = 1.0
        for node in reversed(topological_order(self)):
            node._backward()


def _variant(name, **methods):
    return type(name, (_LearnerValue,), methods)


def _mul_with_assignment(self, other):
    out = _LearnerValue.__mul__(self, other)
    other = self._wrap(other)

    def _backward():
        self.grad = other.data * out.grad  # `=` where `+=` is meant
        other.grad = self.data * out.grad
    out._backward = _backward
    return out


def _mul_without_chain_rule(self, other):
    out = _LearnerValue.__mul__(self, other)
    other = self._wrap(other)

    def _backward():
        self.grad += other.data
        other.grad += self.data
    out._backward = _backward
    return out


def _mul_swapped(self, other):
    other = self._wrap(other)
    return self._node(self.data * other.data, (self, other), "*",
                      lambda out: (self.data, other.data))


def _tanh_with_input_derivative(self):
    return self._node(math.tanh(self.data), (self,), "tanh", lambda out: (1 - self.data ** 2,))


def _backward_in_forward_order(self):
    from minigrad import topological_order
    self.grad = 1.0
    for node in topological_order(self):  # forgot reversed()
        node._backward()


def _backward_without_seed(self):
    from minigrad import topological_order
    for node in reversed(topological_order(self)):  # self.grad never set to 1
        node._backward()


class _MLPWithReluOnTop(minigrad.MLP):
    def __init__(self, nin, nouts):
        super().__init__(nin, nouts)
        for layer in self.layers:
            for neuron in layer.neurons:
                neuron.nonlin = True  # the output layer should stay linear


class _MLPWithoutBiases(minigrad.MLP):
    def parameters(self):
        return [w for layer in self.layers for n in layer.neurons for w in n.w]


def _recursive_sort(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for parent in node._prev:
                visit(parent)
            order.append(node)
    visit(root)
    return order


def _forward_order_backward(root):
    from minigrad import topological_order
    root.grad = 1.0
    for node in topological_order(root):  # forgot reversed()
        node._backward()


class _softplus_with_wrong_derivative(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.logaddexp(0, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * np.exp(x)


def _gather_with_assignment(x_shape, index, g):
    grad = np.zeros(x_shape)
    grad[index] += g
    return grad


def _uphill_step(model, X, y, lr):
    from minigrad.exercises.ch01 import hinge_loss
    loss = hinge_loss([model([Value(a), Value(b)]) for a, b in X], y)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data += lr * p.grad
    return loss.data


def _reversed_breadth_first(root):
    """Level by level from the root, reversed: plausible, and wrong for paths of
    different lengths."""
    order, seen, queue = [], {id(root)}, [root]
    while queue:
        node = queue.pop(0)
        order.append(node)
        for parent in node._prev:
            if id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)
    return order[::-1]


def _step_without_zero_grad(model, X, y, lr):
    from minigrad.exercises.ch01 import hinge_loss
    loss = hinge_loss([model([Value(a), Value(b)]) for a, b in X], y)
    loss.backward()  # stale gradients add up
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss.data


class _softplus_with_sigmoid_of_the_output(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.logaddexp(0, x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / (1 + np.exp(-out))  # sigmoid of softplus(x), not of x


def _repeat_vjp_taking_every_other(x_shape, repeats, axis, g):
    return g.take(np.arange(0, g.shape[axis], repeats), axis=axis)  # drops the copies


def _function(name, backward):
    """A Mul whose forward is right and whose backward is ``backward``."""
    from minigrad.exercises.ch02 import Mul

    return type(name, (Mul,), {"backward": staticmethod(backward)})


class _LearnerSum(Function):
    """Exercise 2.6 as the chapter asks for it: forward keeps the shape and the axis."""

    @staticmethod
    def forward(ctx, x, axis=0):
        ctx.shape, ctx.axis = x.shape, axis
        return x.sum(axis=axis)


def _sum_class(backward):
    return type("WrongSum", (_LearnerSum,), {"backward": staticmethod(backward)})


def _apply(record_always=False, pass_params=True, honest_needs=True):
    """An apply with one plausible mistake: recording when nothing needs a gradient,
    dropping the keyword parameters, or claiming every input needs a gradient."""
    from minigrad.autograd import Context

    def apply(fn, *inputs, **params):
        arrays = [x.data if isinstance(x, Tensor) else x for x in inputs]
        needs = tuple(isinstance(x, Tensor) and x.requires_grad for x in inputs)
        ctx = Context(fn, inputs, needs if honest_needs else (True,) * len(inputs))
        out = Tensor(fn.forward(ctx, *arrays, **(params if pass_params else {})))
        if record_always or not honest_needs or any(needs):
            out.requires_grad, out._ctx = True, ctx
        return out
    return apply


def _tensor_backward(root, assign=False, release=True, leaves=True, zip_parents=False):
    from minigrad import topological_order

    def parents(node):
        return node._ctx.parents if node._ctx is not None else ()

    grads = {id(root): np.ones_like(root.data)}
    for node in reversed(topological_order(root, parents=parents)):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        ctx = node._ctx
        if ctx is None:
            if leaves:
                node.grad = g if node.grad is None else node.grad + g
            continue
        input_grads = ctx.fn.backward(ctx, g)
        input_grads = input_grads if isinstance(input_grads, tuple) else (input_grads,)
        if zip_parents:  # wrong when an earlier input needs no gradient
            pairs = ((x, gx, True) for x, gx in zip(ctx.parents, input_grads))
        else:
            pairs = zip(ctx.inputs, input_grads, ctx.needs_input_grad)
        for x, gx, needed in pairs:
            if needed and gx is not None:
                grads[id(x)] = gx if assign or id(x) not in grads else grads[id(x)] + gx
        if release:
            ctx.release()


def _backward_with_assignment(root):
    _tensor_backward(root, assign=True)  # `=` where the contributions must add up


def _backward_without_release(root):
    _tensor_backward(root, release=False)


def _backward_forgetting_leaf_grads(root):
    _tensor_backward(root, leaves=False)


def _send_back(unbroadcast=True, add=True, needs=True):
    from minigrad.broadcast import unbroadcast as sum_back

    def send_back(ctx, grad, grads):
        input_grads = ctx.fn.backward(ctx, grad)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for x, g, needed in zip(ctx.inputs, input_grads, ctx.needs_input_grad):
            if g is None or (needs and not needed):
                continue
            g = sum_back(g, np.shape(getattr(x, "data", x))) if unbroadcast else g
            key = id(x)
            grads[key] = g if not add or key not in grads else grads[key] + g
    return send_back


def _ce_variant(scale=None, ignore_grad_out=False, naive=False):
    """A fused cross-entropy with one plausible mistake."""

    class CrossEntropy(Function):
        @staticmethod
        def forward(ctx, logits, y):
            if naive:
                with np.errstate(all="ignore"):
                    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
                    logp = np.log(p)
            else:
                logp = logits - logits.max(axis=1, keepdims=True)
                logp = logp - np.log(np.exp(logp).sum(axis=1, keepdims=True))
            ctx.save_for_backward(logp, y)
            return -logp[np.arange(len(y)), y].mean()

        @staticmethod
        def backward(ctx, g):
            logp, y = ctx.saved_tensors
            grad = np.exp(logp)
            grad[np.arange(len(y)), y] -= 1
            grad = grad * (scale if scale is not None else 1 / len(y))  # scale 1: no mean
            return (grad if ignore_grad_out else grad * g), None

    return CrossEntropy


def _bce_variant(literal=False, overflowing_sigmoid=False):
    """A fused binary cross-entropy with one plausible mistake."""

    class BCEWithLogits(Function):
        @staticmethod
        def forward(ctx, z, y):
            ctx.save_for_backward(z, y)
            if literal:
                p = 1 / (1 + np.exp(-z))
                return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
            return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))

        @staticmethod
        def backward(ctx, g):
            z, y = ctx.saved_tensors
            if overflowing_sigmoid:
                sigmoid = np.exp(z) / (1 + np.exp(z))
            else:
                sigmoid = 1 / (1 + np.exp(-z))
            return (sigmoid - y) * g / z.size, None

    return BCEWithLogits


WRONG = [
    ("1.1", lambda f, x, h=1e-6: (f(x + h) - f(x)) / h, "forward difference"),
    ("1.1", lambda f, x, h=1e-6: (f(x + 1e-6) - f(x - 1e-6)) / 2e-6, "use the h you were given"),
    ("1.2", _variant("AssignedGrad", __mul__=_mul_with_assignment), "use `+=`, not `=`"),
    ("1.2", _variant("NoChainRule", __mul__=_mul_without_chain_rule), "times out.grad"),
    ("1.2", _variant("Swapped", __mul__=_mul_swapped), "swapped"),
    ("1.2", _variant("Floats", __mul__=lambda self, other: self.data * other.data),
     "must return a new"),
    ("1.3", _variant("InputDerivative", tanh=_tanh_with_input_derivative), "*output*"),
    ("1.3", _variant("ExpSlopeOne", exp=lambda self: self._node(math.exp(self.data), (self,), "exp",
                                                                lambda out: (1.0,))),
     "which is out.data"),
    ("1.4", _variant("PowerSlope", __pow__=lambda self, n: self._node(
        self.data ** n, (self,), f"**{n}", lambda out: (n * self.data ** n,))), "n·x^(n-1)"),
    ("1.4", _variant("SubAdds", __sub__=lambda self, other: self + other), "build it from"),
    ("1.5", _recursive_sort, "recursion limit"),
    ("1.5", lambda root: [root], "expected the 5 nodes"),
    ("1.5", _reversed_breadth_first, "breadth first"),
    ("1.6", _variant("ForwardOrder", backward=_backward_in_forward_order), "reverse"),
    ("1.6", _variant("NoSeed", backward=_backward_without_seed), "root's gradient to 1"),
    ("1.7", _MLPWithReluOnTop, "except the last"),
    ("1.7", _MLPWithoutBiases, "one bias"),
    ("1.8", _uphill_step, "step *down* the gradient"),
    ("1.8", _step_without_zero_grad, "zero_grad"),
    ("2.1", lambda x: 1 - np.tanh(x) ** 2, "expected shape"),
    ("2.2", lambda x, g: g * (1 - x ** 2), "1 - tanh"),
    ("2.3", _function("MulSameInput", lambda ctx, g: (g * ctx.saved_tensors[0],
                                                      g * ctx.saved_tensors[1])), "*other*"),
    ("2.3", _function("MulAlwaysBoth", lambda ctx, g: (g * ctx.saved_tensors[1],
                                                       g * ctx.saved_tensors[0])),
     "return None for it"),
    ("2.4", _apply(record_always=True), "nothing is recorded"),
    ("2.4", _apply(pass_params=False), "keyword parameters"),
    ("2.4", _apply(honest_needs=False), "needs_input_grad"),
    ("2.5", _backward_with_assignment, "*sum* over its uses"),
    ("2.5", _backward_without_release, "free what each operation saved"),
    ("2.5", _backward_forgetting_leaf_grads, "a.grad is still None"),
    ("2.5", lambda root: _tensor_backward(root, zip_parents=True), "not with ctx.parents"),
    ("2.6", _sum_class(lambda ctx, g: np.broadcast_to(g, ctx.shape) if g.ndim == len(ctx.shape)
                       else np.ones(ctx.shape)), "put the summed axis back"),
    ("2.6", _sum_class(lambda ctx, g: np.broadcast_to(np.expand_dims(g, ctx.axis), ctx.shape)
                       / ctx.shape[ctx.axis]), "gets the same gradient"),
    ("2.7", lambda x, axis, g: (x == x.max(axis, keepdims=True)) * np.expand_dims(g, axis),
     "share the gradient equally"),
    ("2.8", lambda a, b, g: (a.T @ g, g @ b.T), "expected shape"),
    ("2.9", _softplus_with_sigmoid_of_the_output, "sigmoid"),
    ("3.1", lambda a, b: tuple(np.maximum(a[::-1], b[::-1])[::-1]) if len(a) == len(b) else a,
     "pad the shorter"),
    ("3.2", lambda g, shape: g.sum(axis=tuple(range(g.ndim - len(shape)))), "keepdims=True"),
    ("3.3", lambda a_shape, b_shape, g: (g.sum(), g.sum()), "summed back"),
    ("3.4", lambda x_shape, index, g: np.bincount(index, minlength=x_shape[0]).astype(float),
     "np.add.at"),
    ("3.5", lambda axes, g: g.T, "inverse"),
    ("3.6", _repeat_vjp_taking_every_other, "then sum over it"),
    ("3.7", _send_back(unbroadcast=False), "summed back to its"),
    ("3.7", _send_back(add=False), "add into grads"),
    ("3.7", _send_back(needs=False), "check ctx.needs_input_grad"),
    ("2.1", lambda x: np.diag(1 - np.tanh(x)), "1 - tanh(x_i)²"),
    ("2.2", lambda x, g: 1 - np.tanh(x) ** 2, "multiply g"),
    ("2.7", lambda x, axis, g: np.broadcast_to(np.expand_dims(g, axis), x.shape), "largest"),
    ("2.8", lambda a, b, g: (g @ b.T, g.T @ a), "gb"),
    ("2.9", _softplus_with_wrong_derivative, "sigmoid"),
    ("3.1", lambda a, b: tuple(max(m, n) for m, n in zip(a, b)), "pad the shorter"),
    ("3.2", lambda g, shape: g.sum(axis=0), "keepdims"),
    ("3.3", lambda a_shape, b_shape, g: (g, g), "summed back"),
    ("3.4", _gather_with_assignment, "np.add.at"),
    ("3.5", lambda axes, g: g.transpose(axes), "np.argsort"),
    ("3.6", lambda x_shape, repeats, axis, g: g[::repeats] if axis == 0 else g, "reshape g"),
    ("4.1", lambda x: np.log(np.exp(x).sum(axis=-1)), "subtract each row's maximum"),
    ("4.2", lambda x: np.log(np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)), "x - logsumexp"),
    ("4.3", lambda s, g: s * g, "diag(s) - s sᵀ"),
    ("4.1", lambda x: x.max() + np.log(np.exp(x - x.max()).sum(axis=-1)),  # one maximum
     "subtract each row's maximum"),
    ("4.2", lambda x: x - np.log(np.exp(x).sum(axis=-1, keepdims=True)), "x - logsumexp"),
    ("4.3", lambda s, g: s * (g - (g * s).sum()), "the sum is per row"),
    ("4.5", lambda y, c: np.eye(c)[y].T, "row i has a single 1"),
    ("4.4", _ce_variant(scale=1.0), "5 times too large"),
    ("4.4", _ce_variant(ignore_grad_out=True), "multiply by grad_out"),
    ("4.4", _ce_variant(naive=True), "something overflowed"),
    ("4.5", lambda y, c: np.eye(y.max() + 1)[y], "num_classes"),
    ("4.6", _bce_variant(literal=True), "no log of 0"),
    ("4.6", _bce_variant(overflowing_sigmoid=True), "never overflows"),
    *learner_ch05.WRONG,
    *learner_ch06.WRONG,
    *learner_ch07.WRONG,
    *learner_ch08.WRONG,
    *learner_ch09.WRONG,
]


@pytest.mark.parametrize("exercise_id, fn, hint", WRONG)
def test_a_typical_mistake_gets_its_hint(exercise_id, fn, hint):
    result = check(exercise_id, fn)
    assert result.status == FAILED, repr(result)
    assert hint in result.message


def test_wrong_signature_and_non_function():
    result = check("1.1", lambda f: f)
    assert (result.status == FAILED and "takes (f)" in result.message
            and "numerical_derivative(f, x, h=1e-06)" in result.message)
    result = check("1.2", lambda a, b: a)
    assert result.status == FAILED and "expected your class (like Value)" in result.message
    assert check("1.3", 42).status == FAILED


def test_an_exception_in_learner_code_is_reported_not_raised():
    def broken(f, x, h=1e-6):
        return f(x) / 0

    result = check("1.1", broken)
    assert result.status == ERROR
    assert "ZeroDivisionError" in result.message and "return f(x) / 0" in result.message


def test_unknown_exercise_lists_the_known_ones():
    with pytest.raises(KeyError, match="known exercises: 1.1, 1.2"):
        lookup("9.9")


def test_use_falls_back_to_the_reference(capsys):
    def stub(f, x, h=1e-6):
        raise NotImplementedError

    assert use("1.1", stub) is EXERCISES["1.1"].reference
    assert ("Your Exercise 1.1 is not implemented yet: running on minigrad's reference "
            "numerical_derivative" in capsys.readouterr().out)

    def numerical_derivative(f, x, h=1e-6):
        return (f(x + h) - f(x - h)) / (2 * h)

    assert use("1.1", numerical_derivative) is numerical_derivative
    assert "Running on your numerical_derivative (Exercise 1.1 passes)." in capsys.readouterr().out


def test_a_pass_says_where_the_packages_version_lives():
    result = check("1.5", EXERCISES["1.5"].reference)
    assert result.passed and "minigrad.graph.topological_order" in repr(result)


@pytest.mark.parametrize("exercise_id, broken, cause", [
    ("2.6", _sum_class(lambda ctx, g: np.broadcast_to(g, ctx.shape)), "keepdims=True"),
    ("1.1", lambda f, x, h=1e-6: None + h, "every path"),
    ("1.2", _variant("Unwrapped", __mul__=lambda self, other: self._node(
        self.data * other.data, (self, other), "*", lambda out: (other.data, self.data))),
     "wrap it first"),
])
def test_an_error_names_its_usual_cause_and_keeps_the_hint(exercise_id, broken, cause):
    result = check(exercise_id, broken)
    assert result.status == ERROR, repr(result)
    assert cause in result.message and "Hint:" in result.message


def test_the_check_command_counts_what_passed(tmp_path, capsys):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from minigrad.exercises import check\n"
        "def d(f, x, h=1e-6):\n    return (f(x + h) - f(x - h)) / (2 * h)\n"
        "check('1.1', d)"), nbformat.v4.new_code_cell("check('1.2', lambda a, b: a)")])
    nbformat.write(nb, tmp_path / "mine.ipynb")
    assert main(["check", str(tmp_path / "mine.ipynb")]) == 1
    assert "1 of 2 exercises passed." in capsys.readouterr().out


# -- student notebook generation ---------------------------------------------------

def test_strip_solutions_keeps_signature_docstring_and_indentation():
    source = '''# Exercise 2.7: a thing
def thing(x):
    """Docstring stays."""
    y = 1
    ### BEGIN SOLUTION
    return x + y
    ### END SOLUTION'''
    assert notebooks.strip_solutions(source) == '''# Exercise 2.7: a thing
def thing(x):
    """Docstring stays."""
    y = 1
    raise NotImplementedError("Exercise 2.7: a thing")'''


@pytest.mark.parametrize("source, words", [
    ("def f():\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION", "first line"),
    ("# Exercise 1.1: x\n### BEGIN SOLUTION\npass", "without END"),
    ("# Exercise 1.1: x\n### END SOLUTION", "without BEGIN"),
    ("# Exercise 1.1: x\n### BEGIN SOLUTION\n### BEGIN SOLUTION", "nested"),
])
def test_malformed_markers_are_refused(source, words):
    with pytest.raises(notebooks.ExerciseMarkupError, match=words):
        notebooks.strip_solutions(source)


def test_student_notebooks_are_up_to_date():
    stale = notebooks.build("notebooks", check_only=True)
    assert not stale, f"run `make student` (python -m minigrad.exercises build): {stale}"


PROMPT = ":::{admonition} Exercise 1.1: a numerical derivative\n:class: exercise\n\nUse the {term}`central difference <gradient>`.\n:::"
SOLUTION = ("# Exercise 1.1: a numerical derivative\n"
            "def numerical_derivative(f, x, h=1e-6):\n"
            "    ### BEGIN SOLUTION\n"
            "    return (f(x + h) - f(x - h)) / (2 * h)\n"
            "    ### END SOLUTION")


def test_plain_markdown_turns_boxes_and_glossary_links_into_markdown():
    assert notebooks.plain_markdown(PROMPT) == ("**Exercise 1.1: a numerical derivative**\n\n"
                                                "Use the central difference.")
    assert notebooks.plain_markdown("the {term}`VJP` and {term}`leaves <leaf>`") == "the VJP and leaves"
    assert notebooks.plain_markdown("no markup, `code` and $x$") == "no markup, `code` and $x$"


@pytest.mark.parametrize("cells, words", [
    ([nbformat.v4.new_code_cell(SOLUTION)], "needs, in the markdown cell just before it"),
    ([nbformat.v4.new_markdown_cell("**Exercise 1.1: a numerical derivative**"),
      nbformat.v4.new_code_cell(SOLUTION)], "':class: exercise'"),
    ([nbformat.v4.new_markdown_cell(PROMPT.replace("1.1", "1.2")),
      nbformat.v4.new_code_cell(SOLUTION)], "Exercise 1.1"),
])
def test_an_exercise_without_its_box_is_refused(cells, words):
    with pytest.raises(notebooks.ExerciseMarkupError, match=re.escape(words)):
        notebooks.check_prompts(nbformat.v4.new_notebook(cells=cells), name="ch09_demo.ipynb")


def test_build_cli_writes_and_checks(tmp_path, capsys):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(PROMPT),
                                         nbformat.v4.new_code_cell(SOLUTION)])
    nbformat.write(nb, tmp_path / "ch09_demo.ipynb")
    assert main(["build", "--check", str(tmp_path)]) == 1
    assert main(["build", str(tmp_path)]) == 0
    assert main(["build", "--check", str(tmp_path)]) == 0
    assert "up to date" in capsys.readouterr().out
    reference = nbformat.read(tmp_path / "ch09_demo.ipynb", as_version=4).cells[1]
    assert "hide-input" in reference.metadata.tags        # folded on the website
    assert reference.metadata.mystnb["code_prompt_show"] == "Show the solution"
    student = nbformat.read(tmp_path / "student" / "ch09_demo.ipynb", as_version=4)
    prompt, stub = student.cells
    assert prompt.source.startswith("**Exercise 1.1: a numerical derivative**")
    assert "{term}" not in prompt.source and ":::" not in prompt.source
    assert "NotImplementedError" in stub.source and "f(x + h)" not in stub.source
    assert "tags" not in stub.metadata and "mystnb" not in stub.metadata


def test_build_cli_reports_a_missing_box(tmp_path, capsys):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SOLUTION)])
    nbformat.write(nb, tmp_path / "ch09_demo.ipynb")
    assert main(["build", str(tmp_path)]) == 2
    assert "ch09_demo.ipynb, cell 0: Exercise 1.1 needs" in capsys.readouterr().err
    assert not (tmp_path / "student").exists()


def test_every_chapter_has_at_least_six_exercises():
    chapters = {}
    for path in notebooks.reference_notebooks("notebooks"):
        ids = notebooks.exercise_ids(nbformat.read(path, as_version=4))
        assert all(i in EXERCISES for i in ids), (path, ids)
        assert all(i.split(".")[0] == str(int(path.name[2:4])) for i in ids), (path, ids)
        chapters.setdefault(path.name[:4], []).extend(ids)
    assert chapters and all(len(ids) >= 6 for ids in chapters.values()), chapters


def _solution_lines(source):
    """The code lines (not blank, not comments) between the solution markers of a cell."""
    blocks = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, re.S)
    return [line for block in blocks for line in block.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_at_most_a_third_of_each_chapters_exercises_are_one_liners():
    one_liners, counts = {}, {}
    for path in notebooks.reference_notebooks("notebooks"):
        nb = nbformat.read(path, as_version=4)
        for index, exercise_id, _ in notebooks.solution_cells(nb):
            chapter = exercise_id.split(".")[0]
            counts[chapter] = counts.get(chapter, 0) + 1
            if len(_solution_lines(nb.cells[index].source)) <= 1:
                one_liners.setdefault(chapter, []).append(exercise_id)
    assert counts
    too_many = {c: ids for c, ids in one_liners.items() if 3 * len(ids) > counts[c]}
    assert too_many == {}, "more than a third of these chapters' exercises are one line"


def test_every_exercise_rejects_at_least_two_recorded_mistakes():
    from collections import Counter

    recorded = Counter(exercise_id for exercise_id, _, _ in WRONG)
    short = {i: recorded[i] for i in EXERCISES if recorded[i] < 2}
    assert short == {}, "record at least two plausible wrong solutions in WRONG"


def _resolve(dotted):
    import importlib

    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(dotted)


@pytest.mark.parametrize("exercise_id", sorted(EXERCISES))
def test_where_names_a_real_part_of_the_package(exercise_id):
    where = EXERCISES[exercise_id].where
    if exercise_id[0] in "123":
        assert where, f"Exercise {exercise_id} should say where minigrad's own version lives"
    if where:
        assert _resolve(where) is not None


def test_a_check_leaves_minigrads_generator_where_it_was():
    """Exercise 5.2's check seeds and draws; the learner's next draw must not change."""
    minigrad.manual_seed(0)
    expected = minigrad.rng.default_rng().random(3)
    minigrad.manual_seed(0)
    assert check("5.2", minigrad.nn.Linear).passed
    assert check("5.6", EXERCISES["5.6"].reference).passed
    np.testing.assert_array_equal(minigrad.rng.default_rng().random(3), expected)


def test_a_loader_that_shuffles_the_data_in_place_cannot_spoil_the_next_check():
    class InPlaceShuffler(learner_ch05.loader_class()):
        def __iter__(self):
            if self.shuffle:
                order = self.rng.permutation(len(self.X))
                self.X[:], self.y[:] = self.X[order], self.y[order]
            yield from super().__iter__()

    check("5.5", InPlaceShuffler)
    assert check("5.5", EXERCISES["5.5"].reference).passed
