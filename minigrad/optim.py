"""Chapter 5: optimizers and learning-rate schedules, as in ``torch.optim``.

Every optimizer reads ``p.grad`` and updates ``p.data`` in place, outside the
graph. The update rules, with ``g`` the gradient and ``t`` the step number:

- SGD:      v ← μ v + g;  p ← p - η v  (Nesterov: p ← p - η (g + μ v))
- Adam:     m ← β₁ m + (1-β₁) g;  s ← β₂ s + (1-β₂) g²;
            p ← p - η m̂ / (√ŝ + ε), with m̂ = m / (1-β₁ᵗ), ŝ = s / (1-β₂ᵗ)
- AdamW:    Adam, with the weight decay applied to p directly: p ← p (1 - η λ)
- RMSprop:  s ← α s + (1-α) g²;  p ← p - η g / (√s + ε)

``weight_decay`` λ adds λ p to the gradient (L2), except in AdamW. Parameter groups
(dicts with ``"params"``) give some parameters other settings, as in PyTorch.
"""

import math

from minigrad import backend
from minigrad.tensor import Tensor


class Optimizer:
    """Holds the parameters in groups, each with its hyper-parameters, their
    per-parameter state, and the step count.

    ``params`` is an iterable of tensors, or of dicts ``{"params": [...], **overrides}``
    (PyTorch's parameter groups: ``{"params": biases, "weight_decay": 0.0}`` exempts the
    biases from weight decay); a group's own values override the optimizer's.
    """

    defaults = {}

    def __init__(self, params, **hyper):
        name = type(self).__name__
        groups = list(params)
        if groups and all(isinstance(g, dict) for g in groups):
            groups = [dict(g, params=list(g.get("params", ()))) for g in groups]
        else:
            groups = [{"params": groups}]
        self.params = [p for g in groups for p in g["params"]]
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
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError(f"{name}: a parameter appears twice (in two groups, or twice in "
                             "one): each must be updated once per step")
        self.param_groups = []
        for group in groups:
            settings = dict(self.defaults, **hyper)
            unknown = set(group) - set(settings) - {"params"}
            if unknown:
                raise ValueError(f"{name}: unknown setting(s) {sorted(unknown)} in a parameter "
                                 f"group; known: {sorted(settings)}")
            settings.update(group)
            for key, value in settings.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                    raise ValueError(f"{name}: {key} must be >= 0, got {value}")
            self.param_groups.append(settings)
        self.state = [dict() for _ in self.params]
        self.steps = 0

    @property
    def hyper(self):
        """The first group's hyper-parameters (all of them, without groups)."""
        return {k: v for k, v in self.param_groups[0].items() if k != "params"}

    @property
    def lr(self):
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value):
        """Set every group's learning rate (what the schedules below call)."""
        for group in self.param_groups:
            group["lr"] = value

    def zero_grad(self):
        """Forget every parameter's gradient (``grad = None``)."""
        for p in self.params:
            p.grad = None

    def step(self):
        """Update every parameter that has a gradient."""
        self.steps += 1
        states = iter(self.state)
        for group in self.param_groups:
            for p in group["params"]:
                state = next(states)
                if p.grad is not None:
                    if state:
                        _follow(state, p.data)
                    self._update(p.data, p.grad, state, group)

    def _update(self, data, grad, state, h):
        """One parameter's update, with ``h`` its group's hyper-parameters."""
        raise NotImplementedError

    def state_dict(self):
        """Hyper-parameters of each group, step count, and copies of the per-parameter state."""
        return {"groups": [{k: v for k, v in g.items() if k != "params"}
                           for g in self.param_groups],
                "steps": self.steps,
                "state": [{k: (v.copy() if hasattr(v, "shape") else v)
                           for k, v in s.items()} for s in self.state]}

    def load_state_dict(self, state_dict):
        if len(state_dict["state"]) != len(self.params) or \
                len(state_dict["groups"]) != len(self.param_groups):
            raise ValueError(f"{type(self).__name__}.load_state_dict: state for "
                             f"{len(state_dict['state'])} parameters in "
                             f"{len(state_dict['groups'])} group(s), but this optimizer has "
                             f"{len(self.params)} in {len(self.param_groups)}")
        for group, saved in zip(self.param_groups, state_dict["groups"]):
            group.update(saved)
        self.steps = state_dict["steps"]
        self.state = [dict(s) for s in state_dict["state"]]

    def __repr__(self):
        settings = ", ".join(f"{k}={v}" for k, v in self.hyper.items())
        groups = f", {len(self.param_groups)} groups" if len(self.param_groups) > 1 else ""
        return f"{type(self).__name__}({settings}{groups})"


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

    def _update(self, data, grad, state, h):
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

    def _update(self, data, grad, state, h):
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

    def _update(self, data, grad, state, h):
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


class LambdaLR:
    """Set each group's learning rate to its starting value times ``lr_lambda(step)``,
    for step = 0 at construction, then 1, 2, … at each call of ``step()``."""

    def __init__(self, optimizer, lr_lambda):
        self.optimizer, self.lr_lambda, self.epoch = optimizer, lr_lambda, 0
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self._apply()

    def _apply(self):
        factor = self.lr_lambda(self.epoch)
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = base * factor
        return self.optimizer.lr

    def step(self):
        self.epoch += 1
        return self._apply()


def warmup_cosine(warmup_steps, total_steps, min_factor=0.0):
    """The factor of a linear warm-up over ``warmup_steps`` (from 1/warmup to 1), then half
    a cosine down to ``min_factor`` at ``total_steps``: ``LambdaLR(opt, warmup_cosine(…))``."""
    if not 0 <= warmup_steps < total_steps:
        raise ValueError(f"warmup_cosine: need 0 <= warmup_steps < total_steps, got "
                         f"{warmup_steps} and {total_steps}")

    def factor(step):
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = min(1.0, (step - warmup_steps) / (total_steps - warmup_steps))
        return min_factor + (1 - min_factor) * (1 + math.cos(math.pi * progress)) / 2
    return factor
