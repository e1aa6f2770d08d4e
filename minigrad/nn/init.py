"""Chapter 5: weight initialisation, in place (as ``torch.nn.init``).

A layer's weights are drawn so that signals keep roughly the same variance
from layer to layer. With ``fan_in`` inputs and ``fan_out`` outputs:

- Glorot (Xavier): ``Var(w) = 2 / (fan_in + fan_out)``, for tanh or sigmoid;
- Kaiming (He): ``Var(w) = 2 / fan_in``, for ReLU, which zeroes half its inputs.

A uniform distribution on ``[-a, a]`` has variance ``a² / 3``. Every draw comes
from minigrad's seeded generator.
"""

import math

from minigrad import backend
from minigrad.rng import default_rng


def _fans(tensor):
    """(fan_in, fan_out) of a weight of shape (out_features, in_features) or, for a
    convolution, (out_channels, in_channels, kh, kw): each counts the kernel's pixels."""
    if tensor.ndim < 2:
        raise ValueError(f"init: fan in and fan out need a weight with at least 2 "
                         f"dimensions, got shape {tensor.shape}")
    pixels = math.prod(tensor.shape[2:])
    return tensor.shape[1] * pixels, tensor.shape[0] * pixels


def _fill(tensor, values):
    tensor.data[...] = backend.to_device(values.astype(tensor.dtype, copy=False), tensor.device)
    return tensor


def uniform_(tensor, a=0.0, b=1.0):
    """Fill with samples from U(a, b)."""
    return _fill(tensor, default_rng().uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0):
    """Fill with samples from N(mean, std²)."""
    return _fill(tensor, default_rng().normal(mean, std, tensor.shape))


def zeros_(tensor):
    tensor.data[...] = 0
    return tensor


def xavier_uniform_(tensor, gain=1.0):
    """Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def kaiming_uniform_(tensor, gain=math.sqrt(2.0)):
    """He: U(-a, a) with a = gain * sqrt(3 / fan_in); gain √2 suits ReLU."""
    fan_in, _ = _fans(tensor)
    bound = gain * math.sqrt(3.0 / fan_in)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, gain=math.sqrt(2.0)):
    """He: N(0, gain² / fan_in)."""
    fan_in, _ = _fans(tensor)
    return normal_(tensor, 0.0, gain / math.sqrt(fan_in))
