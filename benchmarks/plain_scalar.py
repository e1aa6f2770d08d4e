"""A straightforward scalar autodiff engine, written the obvious way.

The yardstick for Chapter 1's ``minigrad.Value``: no ``__slots__``, a set of
children, a recursive topological sort, one closure per node. The benchmark
checks that minigrad's engine is no slower than this.
"""

import math


class PlainValue:
    def __init__(self, data, children=()):
        self.data = data
        self.grad = 0.0
        self.children = set(children)
        self.backward_step = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, PlainValue) else PlainValue(other)
        out = PlainValue(self.data + other.data, (self, other))

        def step():
            self.grad += out.grad
            other.grad += out.grad
        out.backward_step = step
        return out

    def __mul__(self, other):
        other = other if isinstance(other, PlainValue) else PlainValue(other)
        out = PlainValue(self.data * other.data, (self, other))

        def step():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out.backward_step = step
        return out

    def relu(self):
        out = PlainValue(max(self.data, 0.0), (self,))

        def step():
            self.grad += (out.data > 0) * out.grad
        out.backward_step = step
        return out

    def tanh(self):
        out = PlainValue(math.tanh(self.data), (self,))

        def step():
            self.grad += (1 - out.data ** 2) * out.grad
        out.backward_step = step
        return out

    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for child in node.children:
                    visit(child)
                order.append(node)
        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node.backward_step()


class PlainNeuron:
    def __init__(self, weights, nonlin):
        self.w = [PlainValue(w) for w in weights]
        self.b = PlainValue(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]


class PlainMLP:
    """The same architecture as ``minigrad.MLP``, with weights given as nested lists."""

    def __init__(self, layer_weights):
        last = len(layer_weights) - 1
        self.layers = [[PlainNeuron(w, i != last) for w in layer] for i, layer in enumerate(layer_weights)]

    def __call__(self, x):
        for layer in self.layers:
            x = [neuron(x) for neuron in layer]
        return x[0] if len(x) == 1 else x

    def parameters(self):
        return [p for layer in self.layers for n in layer for p in n.parameters()]
