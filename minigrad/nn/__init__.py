"""Chapter 5: neural-network modules, as in ``torch.nn``.

A :class:`Module` owns :class:`Parameter` tensors and other modules, found by
looking through its attributes (and lists, tuples and dicts of them), so that
``model.parameters()`` hands an optimizer everything it must update.
A package rather than a module so that ``minigrad.nn.init`` reads as in PyTorch.
"""

import numpy as np

from minigrad import backend
from minigrad import functional as F
from minigrad import ops
from minigrad.nn import init
from minigrad.rng import default_rng
from minigrad.tensor import Tensor, _array

__all__ = ["Module", "Parameter", "Buffer", "Linear", "Sequential", "ReLU", "LeakyReLU",
           "Tanh", "Sigmoid", "Softmax", "Flatten", "Dropout", "Identity", "init",
           "Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm2d",
           "Embedding", "LayerNorm", "GELU", "MultiheadAttention"]


class Parameter(Tensor):
    """A tensor that a module learns: it requires grad, and ``parameters()`` finds it."""

    __slots__ = ()

    def __init__(self, data, requires_grad=True, dtype=None, device=None):
        super().__init__(data, requires_grad=requires_grad, dtype=dtype, device=device)

    def __repr__(self):
        return "Parameter(" + super().__repr__() + ")"


class Buffer(Tensor):
    """A tensor a module keeps but does not learn (BatchNorm's running statistics): saved
    by ``state_dict``, moved by ``to``, never handed to an optimizer."""

    __slots__ = ()

    def __init__(self, data, dtype=None, device=None):
        super().__init__(data, requires_grad=False, dtype=dtype, device=device)

    def __repr__(self):
        return "Buffer(" + super().__repr__() + ")"


class Module:
    """Base class of layers and models: write ``__init__`` and ``forward``."""

    training = True

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # -- finding parameters and submodules -----------------------------------------

    def _members(self):
        """(name, value) for every attribute, list item and dict entry, recursively."""
        stack = [(name, value) for name, value in reversed(vars(self).items())]
        while stack:
            name, value = stack.pop()
            if isinstance(value, (list, tuple)):
                stack.extend((f"{name}.{i}", v) for i, v in reversed(list(enumerate(value))))
            elif isinstance(value, dict):
                stack.extend((f"{name}.{k}", v) for k, v in reversed(list(value.items())))
            else:
                yield name, value

    def named_children(self):
        """The direct submodules, with their attribute paths."""
        return [(name, value) for name, value in self._members() if isinstance(value, Module)]

    def named_parameters(self, prefix=""):
        """``(name, parameter)`` pairs, depth first, each parameter once."""
        return self._named(Parameter, prefix)

    def named_buffers(self, prefix=""):
        """``(name, buffer)`` pairs: the tensors a module keeps but does not learn."""
        return self._named(Buffer, prefix)

    def _named(self, kind, prefix):
        seen = set()
        for name, value in self._named_members(kind, prefix):
            if id(value) not in seen:
                seen.add(id(value))
                yield name, value

    def _named_members(self, kind, prefix):
        for name, value in self._members():
            if isinstance(value, kind):
                yield prefix + name, value
            elif isinstance(value, Module):
                yield from value._named_members(kind, f"{prefix}{name}.")

    def parameters(self):
        """Every parameter of this module and its submodules, as a list."""
        return [p for _, p in self.named_parameters()]

    def modules(self):
        """This module and all the modules inside it."""
        found = [self]
        for _, child in self.named_children():
            found.extend(child.modules())
        return found

    # -- training bookkeeping ------------------------------------------------------------

    def zero_grad(self):
        """Forget the gradients of every parameter (set them to ``None``)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode=True):
        """Switch this module and its submodules to training (or evaluation) mode."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        """Switch to evaluation mode (e.g. Dropout does nothing)."""
        return self.train(False)

    # -- devices (Chapter 6) ------------------------------------------------------------------

    def to(self, device):
        """Move every parameter (and its gradient) to ``device``, in place; return self.

        The parameters stay the same objects, so an optimizer made before the
        move keeps updating them (its state follows them at its next step).
        """
        device = backend.check_device(device)
        for p in self.parameters():
            p.data = backend.to_device(p.data, device)
            if p.grad is not None:
                p.grad = backend.to_device(p.grad, device)
        for _, b in self.named_buffers():
            b.data = backend.to_device(b.data, device)
        return self

    def cuda(self):
        """``self.to("cuda")``."""
        return self.to("cuda")

    def cpu(self):
        """``self.to("cpu")``."""
        return self.to("cpu")

    @property
    def device(self):
        """The device of the parameters (``None`` for a module without any)."""
        devices = {p.device for p in self.parameters()}
        if len(devices) > 1:
            raise RuntimeError(f"{type(self).__name__}: parameters on several devices "
                               f"{sorted(devices)}; call .to(device)")
        return devices.pop() if devices else None

    # -- saving and loading -----------------------------------------------------------------

    def _state(self):
        return {**dict(self.named_parameters()), **dict(self.named_buffers())}

    def state_dict(self):
        """A dict from parameter (and buffer) names to copies of their arrays, on the host."""
        return {name: backend.asnumpy(t.data).copy() for name, t in self._state().items()}

    def load_state_dict(self, state):
        """Copy arrays into the parameters and buffers; every key must match, with its shape."""
        own = self._state()
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        if missing or unexpected:
            raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys "
                           f"{unexpected} (this {type(self).__name__} has {list(own)})")
        for name, p in own.items():
            value = backend.asnumpy(state[name])
            if value.shape != p.shape:
                raise ValueError(f"load_state_dict: '{name}' has shape {value.shape} in the "
                                 f"state dict but {p.shape} in the model")
        for name, p in own.items():
            p.data[...] = backend.to_device(backend.asnumpy(state[name]), p.device)
        return self

    # -- printing -----------------------------------------------------------------------------

    def extra_repr(self):
        return ""

    def __repr__(self):
        children = self.named_children()
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            lines.append("  (" + name + "): " + repr(child).replace("\n", "\n  "))
        return "\n".join(lines) + "\n)"


class Linear(Module):
    """``y = x @ weight.T + bias``, with ``weight`` of shape (out_features, in_features).

    Weights start Kaiming-uniform (suited to ReLU; re-initialise with
    ``minigrad.nn.init`` for tanh), biases at zero. ``dtype`` defaults to
    float32, as in PyTorch; ``device`` to the default device.
    """

    def __init__(self, in_features, out_features, bias=True, dtype=np.float32, device=None):
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype),
                                device=device)
        init.kaiming_uniform_(self.weight)
        self.bias = Parameter(np.zeros(out_features, dtype=dtype), device=device) \
            if bias else None

    def forward(self, x):
        try:
            return F.linear(x, self.weight, self.bias)
        except ValueError:
            shape = getattr(x, "shape", None) or np.shape(x)
            if shape[-1:] == (self.in_features,):
                raise
        raise ValueError(f"Linear({self.in_features}, {self.out_features}): expected inputs "
                         f"with {self.in_features} features in the last dimension, got "
                         f"shape {shape}")

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sequential(Module):
    """Modules applied one after the other."""

    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, index):
        return self.layers[index]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def named_children(self):
        return [(str(i), layer) for i, layer in enumerate(self.layers)]

    def _named_members(self, kind, prefix):
        for i, layer in enumerate(self.layers):
            yield from layer._named_members(kind, f"{prefix}{i}.")


class ReLU(Module):
    def forward(self, x):
        return ops.relu(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope

    def forward(self, x):
        return ops.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Tanh(Module):
    def forward(self, x):
        return ops.tanh(x)


class Sigmoid(Module):
    def forward(self, x):
        return ops.sigmoid(x)


class Softmax(Module):
    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        return F.softmax(x, self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"


class Flatten(Module):
    """Merge every axis from ``start_axis`` on (keeps the batch axis by default)."""

    def __init__(self, start_axis=1):
        self.start_axis = start_axis

    def forward(self, x):
        return ops.flatten(x, self.start_axis)


class Identity(Module):
    def forward(self, x):
        return x


class Dropout(Module):
    """In training, zero each input with probability ``p`` and scale the rest by
    ``1 / (1 - p)`` (so the expected value is unchanged); in eval mode, do nothing."""

    def __init__(self, p=0.5):
        if not 0 <= p < 1:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        data = _array(x)
        keep = default_rng().random(data.shape) >= self.p  # drawn on the host, seeded
        scale = (keep / (1 - self.p)).astype(data.dtype, copy=False)
        return x * backend.to_device(scale, backend.device_of(data))

    def extra_repr(self):
        return f"p={self.p}"


from minigrad.nn.conv import AvgPool2d, BatchNorm2d, Conv2d, MaxPool2d  # noqa: E402  (Chapter 7)
from minigrad.nn.attention import (  # noqa: E402  (Chapter 9)
    GELU, Embedding, LayerNorm, MultiheadAttention)
from minigrad.nn import utils  # noqa: E402,F401  (Chapter 9: nn.utils.clip_grad_norm_)
