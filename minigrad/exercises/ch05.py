"""Checks for the exercises of Chapter 5 (modules, optimizers, training)."""

import math

import numpy as np

from minigrad.exercises.core import CheckFailed, exercise, expect, expect_array, expect_close
from minigrad.tensor import Tensor

# -- reference solutions --------------------------------------------------------


def init_linear(in_features, out_features, rng):
    """Kaiming-uniform weight (out, in) with bound sqrt(6 / in_features), and a zero bias."""
    bound = math.sqrt(6.0 / in_features)
    weight = rng.uniform(-bound, bound, (out_features, in_features))
    return weight, np.zeros(out_features)


def collect_parameters(obj):
    """Every Parameter inside obj: its attributes, lists, tuples and dicts, recursively, once each."""
    from minigrad.nn import Parameter

    found, seen = [], set()
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, Parameter):
            if id(item) not in seen:
                seen.add(id(item))
                found.append(item)
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif hasattr(item, "__dict__") and not isinstance(item, Tensor):
            stack.extend(reversed(list(vars(item).values())))
    return found


def sgd_momentum_step(p, grad, velocity, lr, momentum):
    """v ← momentum * v + grad;  p ← p - lr * v.  Returns the new (p, v)."""
    velocity = momentum * velocity + grad
    return p - lr * velocity, velocity


def adam_step(p, grad, m, s, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step at step number t (from 1). Returns the new (p, m, s)."""
    m = beta1 * m + (1 - beta1) * grad
    s = beta2 * s + (1 - beta2) * grad ** 2
    m_hat = m / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    return p - lr * m_hat / (np.sqrt(s_hat) + eps), m, s


def train_epoch(model, loader, optimizer):
    """One pass over the loader: forward, cross-entropy, zero_grad, backward, step.
    Returns the mean of the batch losses."""
    from minigrad.functional import cross_entropy

    losses = []
    for x, y in loader:
        loss = cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


def accuracy(logits, y):
    """The fraction of rows whose largest logit is at the true class."""
    scores = logits.numpy() if isinstance(logits, Tensor) else np.asarray(logits)
    labels = y.numpy() if isinstance(y, Tensor) else np.asarray(y)
    return float((scores.argmax(axis=1) == labels).mean())


# -- checks -----------------------------------------------------------------------


@exercise("5.1", "initialising a linear layer", init_linear,
          lambda: (2, 3, np.random.default_rng(0)))
def check_init_linear(fn):
    result = fn(400, 300, np.random.default_rng(0))
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed("return a pair (weight, bias).")
    weight, bias = (np.asarray(getattr(a, "data", a)) for a in result)
    expect(weight.shape == (300, 400),
           f"the weight should have shape (out_features, in_features) = (300, 400), got "
           f"{weight.shape}: PyTorch's convention, so the forward pass is x @ weight.T.")
    expect_array(bias, np.zeros(300), "the bias", hint="biases start at zero.")
    bound = math.sqrt(6.0 / 400)
    expect(np.abs(weight).max() <= bound + 1e-12,
           f"weights up to {np.abs(weight).max():.4f} exceed the Kaiming bound "
           f"sqrt(6 / fan_in) = {bound:.4f}.")
    expect_close(weight.std(), bound / math.sqrt(3), "the standard deviation of the weights",
                 tol=0.05, hint="draw uniformly from [-sqrt(6 / in_features), +sqrt(6 / in_features)].")


def _nested_module():
    from minigrad import nn

    class Block(nn.Module):
        def __init__(self):
            self.linear = nn.Linear(2, 2)
            self.extra = {"gain": nn.Parameter(np.ones(1))}

    class Model(nn.Module):
        def __init__(self):
            self.blocks = [Block(), Block()]
            self.head = nn.Linear(2, 1)
            self.shared = self.head.weight
            self.data = Tensor(np.ones(3))  # a plain tensor is not a parameter

    model = Model()
    return model, model.parameters()


@exercise("5.2", "finding a module's parameters", collect_parameters, lambda: ([],))
def check_collect_parameters(fn):
    model, expected = _nested_module()
    got = fn(model)
    expect(isinstance(got, list), f"return a list, got {type(got).__name__}.")
    expect(all(type(p).__name__ == "Parameter" for p in got),
           "return only Parameters: a plain Tensor attribute is not learned.")
    expect(len(got) == len(set(map(id, got))),
           "a parameter appears twice: model.shared is model.head.weight, list it once.")
    expect({id(p) for p in got} == {id(p) for p in expected},
           f"expected the {len(expected)} parameters inside the model, got {len(got)}.\n"
           "Hint: look through every attribute (vars(obj)), and inside lists, tuples, dicts "
           "and modules, recursively (an explicit stack works well).")


@exercise("5.3", "an SGD step with momentum", sgd_momentum_step,
          lambda: (np.zeros(2), np.ones(2), np.zeros(2), 0.1, 0.9))
def check_sgd_momentum(fn):
    p, g, v = np.array([1.0, -2.0]), np.array([0.5, 0.5]), np.array([0.2, -0.1])
    result = fn(p.copy(), g.copy(), v.copy(), 0.1, 0.9)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise CheckFailed("return the pair (new_p, new_velocity).")
    new_p, new_v = result
    expect_array(new_v, 0.9 * v + g, "the new velocity",
                 hint="velocity = momentum * velocity + grad (the old velocity, decayed).")
    expect_array(new_p, p - 0.1 * (0.9 * v + g), "the new parameters",
                 hint="step with the *new* velocity: p - lr * velocity.")


@exercise("5.4", "an Adam step", adam_step,
          lambda: (np.zeros(2), np.ones(2), np.zeros(2), np.zeros(2), 1))
def check_adam(fn):
    p, g = np.array([1.0, -2.0, 0.5]), np.array([0.3, -0.1, 2.0])
    m, s = np.array([0.1, 0.0, -0.2]), np.array([0.01, 0.02, 0.0])
    for t in (1, 5):
        result = fn(p.copy(), g.copy(), m.copy(), s.copy(), t, 0.01)
        if not (isinstance(result, tuple) and len(result) == 3):
            raise CheckFailed("return the triple (new_p, new_m, new_s).")
        want = adam_step(p, g, m, s, t, 0.01)
        expect_array(result[1], want[1], f"m at step {t}", hint="m = β₁ m + (1 - β₁) g.")
        expect_array(result[2], want[2], f"s at step {t}", hint="s = β₂ s + (1 - β₂) g².")
        expect_array(result[0], want[0], f"the parameters at step {t}",
                     hint="divide m and s by (1 - β₁ᵗ) and (1 - β₂ᵗ) (bias correction), "
                          "then p - lr * m̂ / (√ŝ + ε).")


def _tiny_problem():
    from minigrad import nn, optim
    from minigrad.data import DataLoader, make_moons

    X, y = make_moons(64, noise=0.1, random_state=0)
    model = nn.Sequential(nn.Linear(2, 8, dtype=np.float64), nn.ReLU(),
                          nn.Linear(8, 2, dtype=np.float64))
    for i, p in enumerate(model.parameters()):  # fixed weights, no random draw
        p.data[...] = np.sin(np.arange(p.size) * 0.7 + i).reshape(p.shape) * 0.5
    for p in model.parameters():
        p.grad = p.data * 0 + 5.0  # stale gradients that zero_grad must clear
    return model, DataLoader((X, y), batch_size=16), optim.SGD(model.parameters(), lr=0.1)


@exercise("5.5", "a training epoch", train_epoch, lambda: _tiny_problem())
def check_train_epoch(fn):
    model, loader, opt = _tiny_problem()
    ref_model, ref_loader, ref_opt = _tiny_problem()
    loss = fn(model, loader, opt)
    ref_loss = train_epoch(ref_model, ref_loader, ref_opt)
    for p, q in zip(model.parameters(), ref_model.parameters()):
        expect_array(p, q.numpy(), "the parameters after one epoch",
                     hint="for every batch: optimizer.zero_grad(), loss.backward(), "
                          "optimizer.step(), in that order (without zero_grad, old "
                          "gradients add up).")
    expect_close(loss, ref_loss, "the mean loss over the epoch",
                 hint="average the batch losses (loss.item()), each computed before its step.")


@exercise("5.6", "accuracy", accuracy, lambda: (np.zeros((2, 3)), np.zeros(2, dtype=int)))
def check_accuracy(fn):
    logits = np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 0.0], [0.0, 0.0, 5.0], [1.0, 2.0, 0.0]])
    expect_close(fn(logits, np.array([1, 0, 1, 0])), 0.5, "accuracy on 4 rows, 2 correct",
                 hint="compare argmax along axis 1 with the labels, then take the mean.")
    expect_close(fn(Tensor(logits), Tensor(np.array([1, 0, 2, 1]))), 1.0,
                 "accuracy when logits and labels are Tensors",
                 hint="use .numpy() to get NumPy arrays out of tensors (on any device).")
