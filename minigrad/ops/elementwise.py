"""Chapter 2: functions of one input, applied to every element.

Each primitive is a :class:`~minigrad.autograd.Function` whose docstring
carries its vector-Jacobian product (``g`` is the gradient of the output); its
lowercase wrapper follows right under it. The Jacobian of an elementwise
function is diagonal, so every VJP is ``g`` times the derivative, elementwise;
where the derivative is cheaper from the output (``exp``, ``tanh``,
``sigmoid``), the forward saves the output.
"""

from minigrad.autograd import Function
from minigrad.backend import get_array_module, zeros_to_compare


class Exp(Function):
    """f = exp(a);  ga = g * f."""

    @staticmethod
    def forward(ctx, a):
        out = get_array_module(a).exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


def exp(a):
    """e to the power a."""
    return Exp.apply(a)


class Log(Function):
    """f = log(a);  ga = g / a.  (NumPy's rules: log(0) = -inf, log(a < 0) = nan.)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return get_array_module(a).log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / a


def log(a):
    """Natural logarithm; log(0) = -inf and log of a negative number is nan (NumPy's rule)."""
    return Log.apply(a)


class Abs(Function):
    """f = abs(a);  ga = g * sign(a)  (0 at a = 0)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return get_array_module(a).abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * get_array_module(a).sign(a)


def abs(a):
    """The absolute value, elementwise."""
    return Abs.apply(a)


class Tanh(Function):
    """f = tanh(a);  ga = g * (1 - f²)."""

    @staticmethod
    def forward(ctx, a):
        out = get_array_module(a).tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1 - out * out)


def tanh(a):
    """Hyperbolic tangent."""
    return Tanh.apply(a)


class Sigmoid(Function):
    """f = 1 / (1 + exp(-a));  ga = g * f * (1 - f).  Computed without overflow."""

    @staticmethod
    def forward(ctx, a):
        xp = get_array_module(a)
        e = xp.exp(-xp.abs(a))  # in (0, 1]: never overflows
        out = xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * (1 - out)


def sigmoid(a):
    """The logistic function 1 / (1 + exp(-a))."""
    return Sigmoid.apply(a)


class ReLU(Function):
    """f = max(a, 0);  ga = g where a > 0 (0 at a = 0)."""

    saves_constants = True  # the slope of each element, 0 or 1: constant away from 0

    @staticmethod
    def forward(ctx, a):
        slope = (a > 0).astype(a.dtype)  # in a's dtype, g * slope runs without a cast
        ctx.save_for_backward(slope)
        xp = get_array_module(a)
        # not a * slope: -inf * 0 is nan; zeros rather than 0: see backend.constant_array
        return xp.maximum(a, zeros_to_compare(xp, a))

    @staticmethod
    def backward(ctx, g):
        (slope,) = ctx.saved_tensors
        return g * slope


def relu(a):
    """max(a, 0), elementwise."""
    return ReLU.apply(a)


class LeakyReLU(Function):
    """f = a if a > 0 else slope * a;  ga = g where a > 0, else g * slope."""

    saves_constants = True  # the slope of each element: constant away from 0

    @staticmethod
    def forward(ctx, a, negative_slope=0.01):
        scale = get_array_module(a).where(a > 0, 1, negative_slope).astype(a.dtype, copy=False)
        ctx.save_for_backward(scale)
        return a * scale

    @staticmethod
    def backward(ctx, g):
        (scale,) = ctx.saved_tensors
        return g * scale


def leaky_relu(a, negative_slope=0.01):
    """a where a > 0, else negative_slope * a."""
    return LeakyReLU.apply(a, negative_slope=negative_slope)


class Sin(Function):
    """f = sin(a);  ga = g * cos(a)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return get_array_module(a).sin(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * get_array_module(a).cos(a)


def sin(a):
    """Sine (radians)."""
    return Sin.apply(a)


class Cos(Function):
    """f = cos(a);  ga = -g * sin(a)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return get_array_module(a).cos(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -g * get_array_module(a).sin(a)


def cos(a):
    """Cosine (radians)."""
    return Cos.apply(a)
