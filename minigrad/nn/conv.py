"""Chapter 7: the layers of a convolutional network, as in ``torch.nn``.

``Conv2d``, ``MaxPool2d`` and ``AvgPool2d`` wrap the operations of
:mod:`minigrad.ops.conv` with PyTorch's arguments and default initialisation;
``BatchNorm2d`` normalises each channel over the batch and the pixels, with
running statistics for evaluation mode.
"""

import math

import numpy as np

from minigrad import ops
from minigrad.autograd import no_grad
from minigrad.nn import Buffer, Module, Parameter, init


class Conv2d(Module):
    """``y = conv2d(x, weight) + bias`` on images (N, C, H, W).

    ``weight`` has shape (out_channels, in_channels, kh, kw). PyTorch's default
    initialisation: weights and biases uniform in ±1/√fan_in, fan_in = C·kh·kw.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, bias=True, dtype=np.float32, device=None):
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = (kh, kw), stride, padding, dilation
        self.weight = Parameter(np.empty((out_channels, in_channels, kh, kw), dtype=dtype),
                                device=device)
        bound = 1 / math.sqrt(in_channels * kh * kw)
        init.uniform_(self.weight, -bound, bound)
        self.bias = None
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=dtype), device=device)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return ops.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")


class MaxPool2d(Module):
    """The largest value of each ``kernel_size`` patch (stride defaults to the kernel)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x):
        return ops.max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """The mean of each ``kernel_size`` patch (stride defaults to the kernel)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x):
        return ops.avg_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class BatchNorm2d(Module):
    """Normalise each channel: ``(x - mean) / sqrt(var + eps) * weight + bias``.

    In training the mean and the (biased) variance are the batch's, over N, H
    and W, and the running statistics move towards them by ``momentum`` (the
    running variance from the unbiased estimate, as PyTorch does); in
    evaluation mode the running statistics are used instead. Built from
    operations, so its gradient needs no rule of its own.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, dtype=np.float32, device=None):
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = Parameter(np.ones(num_features, dtype=dtype), device=device)
        self.bias = Parameter(np.zeros(num_features, dtype=dtype), device=device)
        self.running_mean = Buffer(np.zeros(num_features, dtype=dtype), device=device)
        self.running_var = Buffer(np.ones(num_features, dtype=dtype), device=device)

    def forward(self, x):
        if getattr(x, "ndim", 0) != 4 or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm2d({self.num_features}): expected images of shape "
                             f"(N, {self.num_features}, H, W), got shape {getattr(x, 'shape', ())}")
        channel = (1, -1, 1, 1)
        if self.training:
            mean = x.mean(axis=(0, 2, 3), keepdims=True)
            var = x.var(axis=(0, 2, 3), keepdims=True)
            count = x.size // self.num_features
            with no_grad():
                m = self.momentum
                self.running_mean.data[...] = ((1 - m) * self.running_mean.data
                                               + m * mean.data.reshape(-1))
                unbiased = var.data.reshape(-1) * (count / max(count - 1, 1))
                self.running_var.data[...] = (1 - m) * self.running_var.data + m * unbiased
        else:
            mean, var = self.running_mean.reshape(channel), self.running_var.reshape(channel)
        normalised = (x - mean) / (var + self.eps).sqrt()
        return normalised * self.weight.reshape(channel) + self.bias.reshape(channel)

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"
