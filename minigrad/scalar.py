"""Chapter 1: reverse-mode automatic differentiation on scalars.

A :class:`Value` holds one number, the operation that produced it and its
parents. ``backward()`` visits the graph in reverse topological order and
applies the chain rule at every node:

    parent.grad += (d node / d parent) * node.grad

The API is compatible with Andrej Karpathy's micrograd, so the ``Neuron``,
``Layer`` and ``MLP`` classes at the bottom train exactly as his do.

One difference, for speed: micrograd gives each node a closure ``_backward``
that captures the node itself, so every graph is a reference cycle that only
CPython's cyclic garbage collector can free, and its full collections walk
every node again and again while a training step builds the next graph. Here
each primitive's rule is written once, right under the operation, as a
function of the output node (``out._prev`` are its parents): a node holds its
rule but the rule holds no node, nothing refers to itself, and a graph is freed
the moment it is dropped. With the collector on, as a learner runs it, a
training step of the moons MLP takes about a quarter of micrograd's time
(``benchmarks/``). ``node._backward()`` still works the micrograd way, and a
closure assigned to ``out._backward`` by hand (as the exercises do) is used.
"""

import math
import numbers
from functools import partial

from minigrad.graph import topological_order
from minigrad.rng import default_rng


def _no_backward():
    """The backward of a leaf: nothing to propagate."""


class Value:
    """A scalar node in a computational graph.

    Args:
        data: the number this node holds.
        _children: the nodes this one was computed from (its parents in the
            graph), kept as a tuple so drawings are deterministic.
        _op: a short label of the operation that produced the node.
        label: an optional name, shown by :func:`minigrad.draw_graph`.
        _rule: ``rule(out)`` adds ``out.grad`` times the local derivatives to
            the parents' gradients (``None`` for a leaf).
    """

    __slots__ = ("data", "grad", "_prev", "_op", "label", "_rule", "_closure")

    def __init__(self, data, _children=(), _op="", label="", _rule=None):
        if type(data) is not float and type(data) is not int:  # fast path first
            data = _as_number(data)
        self.data = data
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self.label = label
        self._rule = _rule
        self._closure = None

    @property
    def _backward(self):
        """This node's step of the chain rule, callable with no arguments as in
        micrograd: the closure assigned by hand, if any, else the op's rule."""
        if self._closure is not None:
            return self._closure
        rule = self._rule
        return _no_backward if rule is None else (lambda: rule(self))

    @_backward.setter
    def _backward(self, closure):
        self._closure = closure

    # -- primitives: each computes its output and, right below, its rule -------

    def __add__(self, other):
        other = _as_value(other, "+")
        return Value(self.data + other.data, (self, other), "+", _rule=Value._add_rule)

    @staticmethod
    def _add_rule(out):  # d(a + b)/da = d(a + b)/db = 1
        a, b = out._prev
        a.grad += out.grad
        b.grad += out.grad

    def __mul__(self, other):
        other = _as_value(other, "*")
        return Value(self.data * other.data, (self, other), "*", _rule=Value._mul_rule)

    @staticmethod
    def _mul_rule(out):  # d(a b)/da = b,  d(a b)/db = a
        a, b = out._prev
        a.grad += b.data * out.grad
        b.grad += a.data * out.grad

    def __pow__(self, exponent):
        if isinstance(exponent, Value):
            raise TypeError(
                "Value ** Value is not supported: the exponent must be a plain "
                "number (int or float). For a learned exponent b write "
                "(b * a.log()).exp(), which is a ** b for a > 0")
        if not isinstance(exponent, numbers.Real):
            raise TypeError(
                f"Value ** exponent needs an int or float exponent, "
                f"got {type(exponent).__name__} {exponent!r}")
        if self.data == 0 and exponent < 0:
            raise ZeroDivisionError(
                f"Value ** {exponent}: 0 cannot be raised to a negative power "
                "(did you divide by a Value that is 0?)")
        return Value(self.data ** exponent, (self,), f"**{exponent}",
                     _rule=partial(Value._pow_rule, exponent))

    @staticmethod
    def _pow_rule(exponent, out):  # d(a^n)/da = n a^(n-1)
        (a,) = out._prev
        a.grad += exponent * a.data ** (exponent - 1) * out.grad

    def exp(self):
        return Value(math.exp(self.data), (self,), "exp", _rule=Value._exp_rule)

    @staticmethod
    def _exp_rule(out):  # d exp(a)/da = exp(a), the output itself
        (a,) = out._prev
        a.grad += out.data * out.grad

    def log(self):
        if self.data <= 0:
            raise ValueError(
                f"log of a non-positive number ({self.data!r}): the natural "
                "logarithm is defined only for x > 0")
        return Value(math.log(self.data), (self,), "log", _rule=Value._log_rule)

    @staticmethod
    def _log_rule(out):  # d log(a)/da = 1/a
        (a,) = out._prev
        a.grad += out.grad / a.data

    def tanh(self):
        return Value(math.tanh(self.data), (self,), "tanh", _rule=Value._tanh_rule)

    @staticmethod
    def _tanh_rule(out):  # d tanh(a)/da = 1 - tanh(a)^2
        (a,) = out._prev
        a.grad += (1.0 - out.data * out.data) * out.grad

    def sigmoid(self):
        x = self.data
        # Two algebraically equal forms, each free of overflow on its side.
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return Value(s, (self,), "sigmoid", _rule=Value._sigmoid_rule)

    @staticmethod
    def _sigmoid_rule(out):  # d s(a)/da = s(a) (1 - s(a))
        (a,) = out._prev
        a.grad += out.data * (1.0 - out.data) * out.grad

    def relu(self):
        return Value(self.data if self.data > 0 else 0.0, (self,), "ReLU",
                     _rule=Value._relu_rule)

    @staticmethod
    def _relu_rule(out):  # 1 where a > 0, else 0
        (a,) = out._prev
        a.grad += (a.data > 0) * out.grad

    def sin(self):
        return Value(math.sin(self.data), (self,), "sin", _rule=Value._sin_rule)

    @staticmethod
    def _sin_rule(out):  # d sin(a)/da = cos(a)
        (a,) = out._prev
        a.grad += math.cos(a.data) * out.grad

    def cos(self):
        return Value(math.cos(self.data), (self,), "cos", _rule=Value._cos_rule)

    @staticmethod
    def _cos_rule(out):  # d cos(a)/da = -sin(a)
        (a,) = out._prev
        a.grad -= math.sin(a.data) * out.grad

    # -- composites: built from the primitives, they need no backward --------

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-_as_value(other, "-"))

    def __truediv__(self, other):
        return self * _as_value(other, "/") ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return _as_value(other, "-") - self

    def __rtruediv__(self, other):
        return _as_value(other, "/") / self

    # -- the backward pass ----------------------------------------------------

    def backward(self):
        """Fill ``.grad`` of every node that this one depends on.

        The root's gradient is seeded with 1 and every node's ``_backward`` runs
        after all the nodes that use it (reverse topological order). Leaves
        accumulate: a second call adds the same gradients again. Interior nodes
        are reset first, so nothing compounds through them.
        """
        order = topological_order(self)
        for node in order:
            if node._prev:
                node.grad = 0.0
        if self._prev:
            self.grad = 1.0
        else:
            self.grad += 1.0
        for node in reversed(order):
            if node._closure is not None:
                node._closure()
            elif node._rule is not None:
                node._rule(node)

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"


def _as_number(data):
    """``data`` as a Python float, or a clear error for what is not a number."""
    if isinstance(data, Value):
        raise TypeError(
            "Value(data) expects a plain number, got another Value; "
            "use that Value directly instead of wrapping it again")
    if not isinstance(data, numbers.Real):
        raise TypeError(
            f"Value(data) expects a real number (int or float), "
            f"got {type(data).__name__} {data!r}")
    return float(data)


def _as_value(x, op):
    """Wrap a number as a leaf ``Value``; refuse anything else, naming ``op``."""
    if isinstance(x, Value):
        return x
    if type(x) is float or type(x) is int or isinstance(x, numbers.Real):
        return Value(x)
    raise TypeError(
        f"unsupported operand for Value {op} ...: a Value combines only with "
        f"numbers (int, float) and other Values, got {type(x).__name__} {x!r}")


# -- a tiny neural-network library on top of Value ----------------------------

class Module:
    """Anything with parameters: zero their gradients, list them."""

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self):
        return []


class Neuron(Module):
    """``act(w · x + b)`` with weights drawn uniformly from [-1, 1]."""

    def __init__(self, nin, nonlin=True):
        rng = default_rng()
        self.w = [Value(float(w)) for w in rng.uniform(-1, 1, nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]

    def __repr__(self):
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons that read the same inputs."""

    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self):
        first = self.neurons[0]
        kind = "ReLU" if first.nonlin else "linear"
        return f"Layer({len(first.w)} -> {len(self.neurons)}, {kind})"


class MLP(Module):
    """A multi-layer perceptron: ReLU layers, then a linear output layer.

    Args:
        nin: number of inputs.
        nouts: the width of every layer, the last one being the output.
    """

    def __init__(self, nin, nouts):
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1)
                       for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
