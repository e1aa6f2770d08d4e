"""A learner's Chapter 5 pieces, correct by default, and the plausible mistakes that the
checks of Exercises 5.1-5.7 must reject (each built by switching one thing off)."""

import math

import numpy as np

import minigrad
import minigrad.functional as F
from minigrad import nn
from minigrad.exercises.ch05 import evaluate, train_epoch


def module_class(open_lists=True, once=True, only_parameters=True, deep_train=True):
    """A learner's Module whose parameter walk and train() can each be wrong one way."""

    class Module:
        def __init__(self):
            self.training = True

        def __call__(self, *args, **kwargs):
            return self.forward(*args, **kwargs)

        def _walk(self):
            stack, seen = [self], set()
            while stack:
                item = stack.pop()
                if once and id(item) in seen:
                    continue
                seen.add(id(item))
                yield item
                if isinstance(item, Module):
                    stack.extend(vars(item).values())
                elif open_lists and isinstance(item, (list, tuple)):
                    stack.extend(item)
                elif open_lists and isinstance(item, dict):
                    stack.extend(item.values())

        def parameters(self):
            kind = nn.Parameter if only_parameters else minigrad.Tensor
            return [item for item in self._walk() if isinstance(item, kind)]

        def train(self, mode=True):
            for item in (self._walk() if deep_train else [self]):
                if isinstance(item, Module):
                    item.training = mode
            return self

        def eval(self):
            return self.train(False)

        def zero_grad(self):
            for p in self.parameters():
                p.grad = None

    return Module


def linear_class(bound_factor=1.0, bound_of_variance=False, transpose=True, use_data=False,
                 generator=None, always_add_bias=False):
    """A learner's Linear on minigrad's Module, with one possible slip."""

    class Linear(nn.Module):
        def __init__(self, in_features, out_features, bias=True, dtype=np.float32):
            bound = math.sqrt((2 if bound_of_variance else 6) / in_features) * bound_factor
            rng = generator() if generator else minigrad.rng.default_rng()
            self.weight = nn.Parameter(rng.uniform(-bound, bound, (out_features, in_features)),
                                       dtype=dtype)
            self.bias = nn.Parameter(np.zeros(out_features), dtype=dtype) if bias else None

        def forward(self, x):
            w = self.weight.data if use_data else self.weight
            out = x @ (w.T if transpose else w)
            if always_add_bias:
                return out + self.bias
            return out if self.bias is None else out + self.bias

    return Linear


class _Optimizer:
    """The base the chapter gives: zero_grad forgets every parameter's gradient."""

    def zero_grad(self):
        for p in self.params:
            p.grad = None


def sgd_class(per_parameter=True, keep_velocity=True, in_place=True, skip_none=True):
    """A learner's SGD with momentum, with one possible slip."""

    class SGD(_Optimizer):
        def __init__(self, params, lr, momentum=0.0):
            self.params, self.lr, self.momentum = list(params), lr, momentum
            self.velocities = [np.zeros_like(p.data) for p in self.params]
            self.shared = 0.0

        def step(self):
            for i, p in enumerate(self.params):
                if p.grad is None and skip_none:
                    continue
                if not per_parameter:  # one velocity for all the parameters
                    self.shared = self.momentum * self.shared + p.grad
                    v = self.shared
                elif keep_velocity:
                    self.velocities[i] = self.momentum * self.velocities[i] + p.grad
                    v = self.velocities[i]
                else:
                    v = self.momentum * np.zeros_like(p.grad) + p.grad
                if in_place:
                    p.data -= self.lr * v
                else:
                    p = p - self.lr * v  # rebinds the loop variable only

    return SGD


def adam_class(bias_correction=True, count_per_parameter=False, eps_inside=False):
    """A learner's Adam, with one possible slip."""

    class Adam(_Optimizer):
        def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
            self.params, self.lr, (self.b1, self.b2), self.eps = list(params), lr, betas, eps
            self.m = [np.zeros_like(p.data) for p in self.params]
            self.s = [np.zeros_like(p.data) for p in self.params]
            self.t = 0

        def step(self):
            if not count_per_parameter:
                self.t += 1
            for i, p in enumerate(self.params):
                if p.grad is None:
                    continue
                if count_per_parameter:
                    self.t += 1
                self.m[i] = self.b1 * self.m[i] + (1 - self.b1) * p.grad
                self.s[i] = self.b2 * self.s[i] + (1 - self.b2) * p.grad ** 2
                m, s = self.m[i], self.s[i]
                if bias_correction:
                    m, s = m / (1 - self.b1 ** self.t), s / (1 - self.b2 ** self.t)
                scale = np.sqrt(s + self.eps) if eps_inside else np.sqrt(s) + self.eps
                p.data -= self.lr * m / scale

    return Adam


def loader_class(drop_last=False, separate_orders=False, reseed_each_epoch=False,
                 with_replacement=False, length_plus_one=False):
    """A learner's data loader, with one possible slip."""

    class DataLoader:
        def __init__(self, X, y, batch_size, shuffle=False, seed=None):
            self.X, self.y, self.batch_size, self.shuffle = X, y, batch_size, shuffle
            self.seed = seed
            self.rng = np.random.default_rng(seed)

        def __len__(self):
            if length_plus_one:
                return len(self.X) // self.batch_size + 1
            return len(self.X) // self.batch_size if drop_last else \
                math.ceil(len(self.X) / self.batch_size)

        def __iter__(self):
            n = len(self.X)
            rng = np.random.default_rng(self.seed) if reseed_each_epoch else self.rng
            if not self.shuffle:
                order = other = np.arange(n)
            elif with_replacement:
                order = other = rng.integers(0, n, n)
            else:
                order = rng.permutation(n)
                other = rng.permutation(n) if separate_orders else order
            stop = n - n % self.batch_size if drop_last else n
            for start in range(0, stop, self.batch_size):
                part = slice(start, start + self.batch_size)
                yield minigrad.tensor(self.X[order[part]]), minigrad.tensor(self.y[other[part]])

    return DataLoader


def epoch_fn(zero_grad=True, set_train=True, as_tensor=False, last_only=False):
    """A learner's train_epoch, with one possible slip."""

    def epoch(model, loader, optimizer):
        if set_train:
            model.train()
        total, loss = 0.0, None
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            if zero_grad:
                optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total = total + (loss if as_tensor else loss.item())
        if last_only:
            return loss.item()
        return total / len(loader)

    return epoch


def evaluate_fn(set_eval=True, no_grad=True, mean_of_means=False, count=False,
                tensor_loss=False):
    """A learner's evaluate, with one possible slip."""

    def run(model, X, y, batch_size=1000):
        if set_eval:
            model.eval()
        losses, correct = [], 0
        context = minigrad.no_grad() if no_grad else _nothing()
        with context:
            for start in range(0, len(X), batch_size):
                xb, yb = X[start:start + batch_size], y[start:start + batch_size]
                logits = model(minigrad.tensor(xb))
                reduction = "mean" if mean_of_means else "sum"
                loss = F.cross_entropy(logits, yb, reduction=reduction)
                losses.append(loss if tensor_loss else loss.item())
                correct += int((logits.numpy().argmax(axis=1) == yb).sum())
        loss = np.mean(losses) if mean_of_means else sum(losses) / len(X)
        return (loss if tensor_loss else float(loss)), (correct if count else correct / len(X))

    return run


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


REFERENCES = {"5.6": train_epoch, "5.7": evaluate}

WRONG = [
    ("5.1", module_class(open_lists=False), "look inside lists"),
    ("5.1", module_class(once=False), "appears twice"),
    ("5.1", module_class(only_parameters=False), "Return only Parameters"),
    ("5.1", module_class(deep_train=False), "every submodule"),
    ("5.2", linear_class(bound_factor=2.0), "beyond the Kaiming bound"),
    ("5.2", linear_class(bound_factor=0.5), "sqrt(6 / in_features)"),
    ("5.2", linear_class(bound_of_variance=True), "that is the variance, not the bound"),
    ("5.2", linear_class(transpose=False), "x @ self.weight.T"),
    ("5.2", linear_class(use_data=True), "not self.weight.data"),
    ("5.2", linear_class(generator=np.random.default_rng), "minigrad.rng.default_rng()"),
    ("5.2", linear_class(generator=lambda: np.random.default_rng(0)), "every layer would start"),
    ("5.2", linear_class(always_add_bias=True), "only when self.bias is not None"),
    ("5.3", sgd_class(keep_velocity=False), "keeps its own velocity"),
    ("5.3", sgd_class(per_parameter=False), "keep one state array per parameter"),
    ("5.3", sgd_class(in_place=False), "p.data in place"),
    ("5.3", sgd_class(skip_none=False), "`if p.grad is None: continue`"),
    ("5.4", adam_class(bias_correction=False), "t = 1 at the first step"),
    ("5.4", adam_class(count_per_parameter=True), "not once per parameter"),
    ("5.4", adam_class(eps_inside=True), "ε is added after the square root"),
    ("5.5", loader_class(drop_last=True), "keep the last, smaller batch"),
    ("5.5", loader_class(separate_orders=True), "the same index"),
    ("5.5", loader_class(reseed_each_epoch=True), "make the generator once"),
    ("5.5", loader_class(with_replacement=True), "exactly once"),
    ("5.5", loader_class(length_plus_one=True), "not n // batch_size + 1"),
    ("5.6", epoch_fn(zero_grad=False), "old gradients add up"),
    ("5.6", epoch_fn(set_train=False), "model.train()"),
    ("5.6", epoch_fn(as_tensor=True), "keeps every batch's activations alive"),
    ("5.6", epoch_fn(last_only=True), "not only the last one"),
    ("5.7", evaluate_fn(set_eval=False), "model.eval()"),
    ("5.7", evaluate_fn(no_grad=False), "minigrad.no_grad()"),
    ("5.7", evaluate_fn(mean_of_means=True), "weighs its 8 samples double"),
    ("5.7", evaluate_fn(count=True), "count the right answers"),
    ("5.7", evaluate_fn(tensor_loss=True), "return Python floats"),
]
