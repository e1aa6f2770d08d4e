"""Chapter 6: moving a tensor between devices, as an operation of the graph.

Moving is the identity on values, so its VJP is the identity too, applied on
the way back: the gradient returns to the device the input came from.
"""

from minigrad import backend
from minigrad.autograd import Function
from minigrad.tensor import Tensor


class ToDevice(Function):
    """f = a, moved to another device;  ga = g, moved back."""

    @staticmethod
    def forward(ctx, a, device="cpu"):
        ctx.source = backend.device_of(a)
        return backend.to_device(a, device)

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # a recorded backward (Chapter 8): the move as an op
            return ToDevice.apply(g, device=ctx.source)
        return backend.to_device(g, ctx.source)


def to_device(a, device):
    """``a`` on ``device``, differentiably (``Tensor.to`` calls this)."""
    return ToDevice.apply(a, device=backend.check_device(device))
