"""Chapter 5: optimizers and learning-rate schedules, as in ``torch.optim``.

Every optimizer reads ``p.grad`` and updates ``p.data`` in place, outside the
graph. The update rules, with ``g`` the gradient and ``t`` the step number:

- SGD:      v ← μ v + g;  p ← p - η v  (Nesterov: p ← p - η (g + μ v))
- Adam:     m ← β₁ m + (1-β₁) g;  s ← β₂ s + (1-β₂) g²;
            p ← p - η m̂ / (√ŝ + ε), with m̂ = m / (1-β₁ᵗ), ŝ = s / (1-β₂ᵗ)
- AdamW:    Adam, with the weight decay applied to p directly: p ← p (1 - η λ)
- RMSprop:  s ← α s + (1-α) g²;  p ← p - η g / (√s + ε)

``weight_decay`` λ adds λ p to the gradient (L2), except in AdamW.
"""

import math

from minigrad import backend
from minigrad.tensor import Tensor


class Optimizer:
    """Holds the parameters, their per-parameter state, and the learning rate."""

    defaults = {}

    def __init__(self, params, **hyper):
        self.params = list(params)
        name = type(self).__name__
        if not self.params:
            raise ValueError(f"{name}: got an empty parameter list; pass model.parameters() "
                             "of a model that has parameters")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}, not a Tensor; "
                                "pass model.parameters()")
            if not p.requires_grad:
                raise ValueError(f"{name}: parameter {i} (shape {p.shape}) does not require "
                                 "grad, so it can never be updated")
        for key, value in hyper.items():
            if isinstance(value, (int, float)) and value < 0:
                raise ValueError(f"{name}: {key} must be >= 0, got {value}")
        self.hyper = dict(self.defaults, **hyper)
        self.state = [dict() for _ in self.params]
        self.steps = 0

    @property
    def lr(self):
        return self.hyper["lr"]

    @lr.setter
    def lr(self, value):
        self.hyper["lr"] = value

    def zero_grad(self):
        """Forget every parameter's gradient (``grad = None``)."""
        for p in self.params:
            p.grad = None

    def step(self):
        """Update every parameter that has a gradient."""
        self.steps += 1
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                if state:
                    _follow(state, p.data)
                self._update(p.data, p.grad, state)

    def _update(self, data, grad, state):
        raise NotImplementedError

    def state_dict(self):
        """Hyper-parameters, step count, and copies of the per-parameter state."""
        return {"hyper": dict(self.hyper), "steps": self.steps,
                "state": [{k: (v.copy() if hasattr(v, "shape") else v)
                           for k, v in s.items()} for s in self.state]}

    def load_state_dict(self, state_dict):
        if len(state_dict["state"]) != len(self.params):
            raise ValueError(f"{type(self).__name__}.load_state_dict: state for "
                             f"{len(state_dict['state'])} parameters, but this optimizer "
                             f"has {len(self.params)}")
        self.hyper = dict(state_dict["hyper"])
        self.steps = state_dict["steps"]
        self.state = [dict(s) for s in state_dict["state"]]

    def __repr__(self):
        settings = ", ".join(f"{k}={v}" for k, v in self.hyper.items())
        return f"{type(self).__name__}({settings})"


def _follow(state, data):
    """Move a parameter's state arrays to the parameter's device if it has moved."""
    for key, value in state.items():
        if hasattr(value, "shape") and type(value) is not type(data):
            state[key] = backend.to_device(value, backend.device_of(data))


def _zeros_like(data):
    return backend.get_array_module(data).zeros_like(data)


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum."""

    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        if nesterov and momentum <= 0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0")
        super().__init__(params, lr=lr, momentum=momentum, nesterov=nesterov,
                         weight_decay=weight_decay)

    def _update(self, data, grad, state):
        h = self.hyper
        if h["weight_decay"]:
            grad = grad + h["weight_decay"] * data
        if h["momentum"]:
            velocity = state.get("velocity")
            if velocity is None:
                velocity = state["velocity"] = grad.copy()
            else:
                velocity *= h["momentum"]
                velocity += grad
            grad = grad + h["momentum"] * velocity if h["nesterov"] else velocity
        data -= h["lr"] * grad


class Adam(Optimizer):
    """Adam: momentum on the gradient, scaled by a running RMS of the gradient."""

    decoupled_weight_decay = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        if not all(0 <= b < 1 for b in betas):
            raise ValueError(f"{type(self).__name__}: betas must be in [0, 1), got {betas}")
        super().__init__(params, lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)

    def _update(self, data, grad, state):
        h = self.hyper
        lr, (beta1, beta2), wd = h["lr"], h["betas"], h["weight_decay"]
        if wd and self.decoupled_weight_decay:
            data *= 1 - lr * wd
        elif wd:
            grad = grad + wd * data
        if "m" not in state:
            state["m"], state["s"], state["t"] = _zeros_like(data), _zeros_like(data), 0
        m, s = state["m"], state["s"]
        state["t"] += 1
        m *= beta1
        m += (1 - beta1) * grad
        s *= beta2
        s += (1 - beta2) * grad * grad
        m_hat_scale = 1 / (1 - beta1 ** state["t"])
        s_hat_scale = 1 / (1 - beta2 ** state["t"])
        data -= (lr * m_hat_scale) * m / ((s * s_hat_scale) ** 0.5 + h["eps"])


class AdamW(Adam):
    """Adam with decoupled weight decay (the decay does not go through the RMS scaling)."""

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


class RMSprop(Optimizer):
    """Divide the gradient by a running RMS of recent gradients."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0):
        super().__init__(params, lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                         momentum=momentum)

    def _update(self, data, grad, state):
        h = self.hyper
        if h["weight_decay"]:
            grad = grad + h["weight_decay"] * data
        if "s" not in state:
            state["s"] = _zeros_like(data)
        s = state["s"]
        s *= h["alpha"]
        s += (1 - h["alpha"]) * grad * grad
        step = grad / (s ** 0.5 + h["eps"])
        if h["momentum"]:
            buf = state.setdefault("momentum_buffer", _zeros_like(data))
            buf *= h["momentum"]
            buf += step
            step = buf
        data -= h["lr"] * step


# -- learning-rate schedules -------------------------------------------------------------

class StepLR:
    """Multiply the learning rate by ``gamma`` every ``step_size`` calls of ``step()``."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        self.optimizer, self.step_size, self.gamma = optimizer, step_size, gamma
        self.base_lr, self.epoch = optimizer.lr, 0

    def step(self):
        self.epoch += 1
        self.optimizer.lr = self.base_lr * self.gamma ** (self.epoch // self.step_size)
        return self.optimizer.lr


class CosineAnnealingLR:
    """Lower the learning rate along half a cosine, from its start to ``eta_min`` in ``T_max`` steps."""

    def __init__(self, optimizer, T_max, eta_min=0.0):
        self.optimizer, self.T_max, self.eta_min = optimizer, T_max, eta_min
        self.base_lr, self.epoch = optimizer.lr, 0

    def step(self):
        self.epoch = min(self.epoch + 1, self.T_max)
        cosine = (1 + math.cos(math.pi * self.epoch / self.T_max)) / 2
        self.optimizer.lr = self.eta_min + (self.base_lr - self.eta_min) * cosine
        return self.optimizer.lr
