"""Checks for the exercises of Chapter 7: the learner writes the convolution (im2col, its
forward and backward as a ``Function``) and max pooling, and LeNet-5 trains on them."""

import numpy as np

from minigrad import backend
from minigrad.autograd import Function
from minigrad.exercises.core import CheckFailed, exercise, expect, expect_array, expect_close
from minigrad.gradcheck import GradcheckError, gradcheck
from minigrad.ops import conv2d, max_pool2d
from minigrad.tensor import Tensor

# -- reference solutions --------------------------------------------------------


def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):
    """Positions of a kernel along one axis: ⌊(size + 2p - d(k - 1) - 1) / s⌋ + 1."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def im2col(x, kh, kw, stride=1):
    """Every kh x kw patch of images x (N, C, H, W) as a row: shape (N·Ho·Wo, C·kh·kw),
    rows in (n, i, j) order, columns in (c, p, q) order, like weight.reshape(O, -1)."""
    n, c, h, w = x.shape
    ho, wo = (h - kh) // stride + 1, (w - kw) // stride + 1
    windows = backend.sliding_windows(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * kh * kw)


def col2im(cols, x_shape, kh, kw, stride=1):
    """The adjoint of im2col: add every row's entries back to the pixels they came from."""
    n, c, h, w = x_shape
    ho, wo = (h - kh) // stride + 1, (w - kw) // stride + 1
    patches = cols.reshape(n, ho, wo, c, kh, kw).transpose(0, 3, 1, 2, 4, 5)
    grad = backend.get_array_module(cols).zeros(x_shape, dtype=cols.dtype)
    for p in range(kh):
        for q in range(kw):
            grad[:, :, p:p + stride * (ho - 1) + 1:stride,
                 q:q + stride * (wo - 1) + 1:stride] += patches[..., p, q]
    return grad


class Conv(Function):
    """f = conv(x, w) = im2col(x) @ w.reshape(O, -1).T, as (N, O, Ho, Wo);
    gw = gᵀ im2col(x),  gx = col2im(g w)."""

    @staticmethod
    def forward(ctx, x, w, stride=1):
        o, c, kh, kw = w.shape
        n, _, h, wd = x.shape
        ho, wo = (h - kh) // stride + 1, (wd - kw) // stride + 1
        cols = im2col(x, kh, kw, stride)
        ctx.save_for_backward(cols, w)
        ctx.x_shape, ctx.stride = x.shape, stride
        return (cols @ w.reshape(o, -1).T).reshape(n, ho, wo, o).transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, g):
        cols, w = ctx.saved_tensors
        o, _, kh, kw = w.shape
        g_rows = g.transpose(0, 2, 3, 1).reshape(-1, o)  # (N·Ho·Wo, O), rows as in cols
        gw = (g_rows.T @ cols).reshape(w.shape)
        if not ctx.needs_input_grad[0]:  # the images themselves: no gradient needed
            return None, gw
        gx = col2im(g_rows @ w.reshape(o, -1), ctx.x_shape, kh, kw, ctx.stride)
        return gx, gw


class MaxPool(Function):
    """f = the max of each k x k block (stride k);  gx = g at each block's winners, shared
    equally among ties. Saves a boolean mask of the winners: 1 byte per input pixel."""

    @staticmethod
    def forward(ctx, x, k=2):
        n, c, h, w = x.shape
        blocks = x.reshape(n, c, h // k, k, w // k, k)
        out = blocks.max(axis=(3, 5))
        winners = blocks == out[:, :, :, None, :, None]
        ctx.save_for_backward(winners)
        return out

    @staticmethod
    def backward(ctx, g):
        (winners,) = ctx.saved_tensors
        n, c, rows, k, columns, _ = winners.shape
        shares = (winners / winners.sum(axis=(3, 5), keepdims=True)).astype(g.dtype)
        return (shares * g[:, :, :, None, :, None]).reshape(n, c, rows * k, columns * k)


def conv1x1(x, w):
    """A 1 x 1 convolution as one matrix product: (O, C) @ (C, H·W) for every image."""
    n, c, h, wd = x.shape
    o = w.shape[0]
    return (w.reshape(o, c) @ x.reshape(n, c, h * wd)).reshape(n, o, h, wd)


def conv_cost(in_channels, out_channels, kernel, out_size):
    """(parameters, floating-point operations of the forward pass) of a square conv layer
    with bias on one image: O·(C·k² + 1) and 2·C·k²·O·out_size²."""
    params = out_channels * (in_channels * kernel * kernel + 1)
    flops = 2 * in_channels * kernel * kernel * out_channels * out_size * out_size
    return params, flops


# -- checks -----------------------------------------------------------------------

_rng = np.random.default_rng(7)


@exercise("7.1", "the output size of a convolution", conv_output_size, lambda: (28, 5),
          where="minigrad.ops.conv._output_size",
          hint="(size + 2·padding - dilation·(kernel - 1) - 1) // stride + 1.")
def check_output_size(fn):
    expect(fn(28, 5) == 24, f"conv_output_size(28, 5) should be 24 (LeNet's first layer "
           f"without padding), got {fn(28, 5)}.\nHint: the kernel fits at positions 0 to "
           "size - kernel: that is size - kernel + 1 positions.")
    expect(fn(28, 5, padding=2) == 28, f"conv_output_size(28, 5, padding=2) should be 28, got "
           f"{fn(28, 5, padding=2)}.\nHint: padding adds p pixels on *both* sides: size + 2p.")
    got = fn(7, 3, stride=2)
    expect(got == 3, f"conv_output_size(7, 3, stride=2) should be 3 (positions 0, 2, 4), got "
           f"{got!r}.\nHint: divide by the stride with // and add 1 afterwards: the first "
           "position always fits.")
    expect(isinstance(got, int), f"return a Python int, got {type(got).__name__} {got!r} "
           "(// of ints gives an int; int(...) converts a NumPy integer).")
    for size, stride, want in ((8, 2, 3), (8, 3, 2)):
        got = fn(size, 3, stride=stride)
        expect(got == want, f"conv_output_size({size}, 3, stride={stride}) should be {want}, "
               f"got {got}: a last, incomplete step does not count (floor division with //, "
               "not rounding).")
    expect(fn(10, 3, dilation=2) == 6, f"conv_output_size(10, 3, dilation=2) should be 6, got "
           f"{fn(10, 3, dilation=2)}.\nHint: a dilated kernel spans d·(k - 1) + 1 pixels.")


@exercise("7.2", "im2col: patches as rows", im2col, lambda: (np.zeros((1, 1, 3, 3)), 2, 2),
          where="minigrad.ops.conv._patches",
          hint="windows = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, "
               "::stride]; move the channel axis next to the kernel axes, then reshape.")
def check_im2col(fn):
    x = np.arange(2 * 3 * 5 * 4, dtype=np.float64).reshape(2, 3, 5, 4)
    got = np.asarray(fn(x, 3, 2))
    want = im2col(x, 3, 2)
    expect(got.shape == want.shape,
           f"im2col of a (2, 3, 5, 4) batch with a 3 x 2 kernel should have shape "
           f"{want.shape} (one row per image and output position, one column per channel "
           f"and kernel entry), got {got.shape}.")
    if not np.array_equal(got, want):
        if np.array_equal(np.sort(got, axis=1), np.sort(want, axis=1)):
            raise CheckFailed("each row holds the right numbers in the wrong order: the "
                              "columns must go channel first, then kernel row, then kernel "
                              "column, as in weight.reshape(O, -1), so that im2col(x) @ "
                              "weight.reshape(O, -1).T is the convolution.\nHint: transpose "
                              "the windows to (N, Ho, Wo, C, kh, kw) before reshaping.")
        expect_array(got, want, "im2col of a (2, 3, 5, 4) batch with a 3 x 2 kernel",
                     hint="row r = (n, i, j) holds x[n, :, i:i+kh, j:j+kw], flattened.")
    got = np.asarray(fn(x, 2, 2, stride=2))
    expect_array(got, im2col(x, 2, 2, stride=2), "im2col with stride 2",
                 hint="keep every stride-th window along H and W: [:, :, ::stride, ::stride].")


def _conv_inputs():
    return _rng.standard_normal((2, 3, 6, 5)), _rng.standard_normal((4, 3, 3, 2))


@exercise("7.3", "the convolution as a Function, with its backward", Conv, lambda: (),
          where="minigrad.ops.conv.Conv2d",
          hint="forward: im2col(x) @ w.reshape(O, -1).T, reshaped to (N, Ho, Wo, O) and "
               "transposed to (N, O, Ho, Wo); backward: gw = g_rowsᵀ @ cols, gx = "
               "col2im(g_rows @ w.reshape(O, -1)).")
def check_conv(cls):
    x, w = _conv_inputs()
    for stride in (1, 2):
        out = cls.apply(Tensor(x, device="cpu"), Tensor(w, device="cpu"), stride=stride)
        expect_array(out, conv2d(x, w, stride=stride).numpy(),
                     f"the convolution of a (2, 3, 6, 5) batch with a (4, 3, 3, 2) kernel, "
                     f"stride {stride}",
                     hint="(N·Ho·Wo, O) rows reshape to (N, Ho, Wo, O); transpose(0, 3, 1, 2) "
                          "puts the channels second.")
    images = Tensor(x, device="cpu")  # like LeNet's input: no gradient needed
    weight = Tensor(w, requires_grad=True, device="cpu")
    g = _rng.standard_normal((2, 4, 4, 4))
    try:
        cls.apply(images, weight).backward(Tensor(g, device="cpu"))
    except RuntimeError as error:
        raise CheckFailed(f"backward for an input that needs no gradient failed: {error}\nHint: "
                          "return (None, gw): still one entry per input.") from None
    reference = Tensor(w, requires_grad=True, device="cpu")
    conv2d(Tensor(x, device="cpu"), reference).backward(Tensor(g, device="cpu"))
    expect_array(weight.grad, reference.grad,
                 "the weight's gradient when the input needs none",
                 hint="gw = g_rowsᵀ @ cols, with g laid out as rows by g.transpose(0, 2, 3, "
                      "1).reshape(-1, O), reshaped to w.shape; and when the input needs no "
                      "gradient (ctx.needs_input_grad[0] is the input's flag, [1] the "
                      "weight's) only gx is skipped.")
    for stride in (1, 2):
        try:
            gradcheck(lambda a, b: cls.apply(a, b, stride=stride) * 2.0, x, w)
        except GradcheckError as error:
            raise CheckFailed(
                f"with stride {stride}: {error}\nHint: the weight's gradient is g_rowsᵀ @ "
                "cols (summed over every image and position); the input's gradient adds each "
                "patch's gradient back to its pixels with += (patches overlap: a pixel "
                "belongs to up to kh·kw of them).") from None


@exercise("7.4", "max pooling, and where its gradient goes", MaxPool, lambda: (),
          where="minigrad.ops.conv.MaxPool2d",
          hint="view x as (N, C, H/k, k, W/k, k); the max over axes 3 and 5; save the mask of "
               "the winners; backward: g times the mask divided by the number of winners.")
def check_max_pool(cls):
    x = _rng.standard_normal((2, 3, 4, 6))
    out = cls.apply(Tensor(x, device="cpu"), k=2)
    expect_array(out, max_pool2d(x, 2).numpy(), "2 x 2 max pooling of a (2, 3, 4, 6) batch",
                 hint="reshape to (N, C, H/k, k, W/k, k) and take the max over axes (3, 5).")
    try:
        gradcheck(lambda a: cls.apply(a, k=2) * 3.0, x)
    except GradcheckError as error:
        raise CheckFailed(f"{error}\nHint: only the winner of each block receives its "
                          "gradient, g; the others get 0.") from None
    x3 = _rng.standard_normal((1, 2, 6, 3))
    try:
        pooled = cls.apply(Tensor(x3, device="cpu"), k=3)
    except ValueError as error:
        raise CheckFailed(f"3 x 3 pooling of a (1, 2, 6, 3) batch raised: {error}\nHint: use k "
                          "everywhere, not 2.") from None
    expect_array(pooled, max_pool2d(x3, 3).numpy(), "3 x 3 max pooling of a (1, 2, 6, 3) batch",
                 hint="use k everywhere, not 2.")
    try:
        gradcheck(lambda a: cls.apply(a, k=3), x3)
    except GradcheckError as error:
        raise CheckFailed(f"with k = 3: {error}\nHint: use k everywhere, not 2.") from None
    ties = np.array([[[[1.0, 1.0, 0.0, 2.0], [0.0, 0.5, 2.0, 2.0]]]])
    t = Tensor(ties, requires_grad=True, device="cpu")
    cls.apply(t, k=2).sum().backward()
    expect_array(t.grad, [[[[0.5, 0.5, 0, 1 / 3], [0, 0, 1 / 3, 1 / 3]]]],
                 "the gradient of the sum of pools with tied maxima",
                 hint="the chapter's rule, as for max: tied winners share the gradient "
                      "equally (two winners get g / 2 each), so the gradient still sums to g.")


@exercise("7.5", "a 1 x 1 convolution is a matrix product", conv1x1,
          lambda: (np.zeros((1, 2, 2, 2)), np.zeros((3, 2, 1, 1))),
          hint="w.reshape(O, C) @ x.reshape(N, C, H·W): the channels are what gets mixed, "
               "each pixel on its own.")
def check_conv1x1(fn):
    x, w = _rng.standard_normal((2, 3, 4, 5)), _rng.standard_normal((6, 3, 1, 1))
    got = fn(x, w)
    want = conv2d(x, w).numpy()
    expect(np.shape(backend.unwrap(got)) == want.shape,
           f"a 1 x 1 convolution of (2, 3, 4, 5) images with 6 filters should have shape "
           f"{want.shape}, got {np.shape(getattr(got, 'data', got))}.")
    expect_array(got, want, "a 1 x 1 convolution of (2, 3, 4, 5) images with 6 filters",
                 hint="mix the channels of each pixel: reshape x to (N, C, H·W) (not to "
                      "(N·H·W, C), which scrambles pixels and channels), multiply by "
                      "w.reshape(O, C) on the left (w is (O, C, 1, 1)), reshape back to "
                      "(N, O, H, W).")
    x1, w1 = _rng.standard_normal((2, 1, 3, 3)), _rng.standard_normal((4, 1, 1, 1))
    hint = "w.reshape(O, C), not w.squeeze(), which also drops C = 1."
    try:
        got = fn(x1, w1)
    except ValueError as error:
        raise CheckFailed(f"a 1 x 1 convolution of one-channel images raised: {error}\n"
                          f"Hint: {hint}") from None
    expect_array(got, conv2d(x1, w1).numpy(), "a 1 x 1 convolution of one-channel images",
                 hint=hint)


@exercise("7.6", "counting a layer's parameters and operations", conv_cost,
          lambda: (1, 6, 5, 28),
          hint="parameters: O·C·k² weights plus O biases; operations: a multiply and an add "
               "(2) for each of the C·k² terms of each of the O·out² outputs.")
def check_conv_cost(fn):
    result = fn(1, 6, 5, 28)
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           "return the pair (parameters, operations).")
    params, flops = result
    expect(params != 6 * 25, "LeNet's first layer has 6 filters of 5 x 5 weights *and* one "
           "bias per filter: 156 parameters, not 150.")
    expect_close(params, 156, "the parameters of a 1 → 6 channel, 5 x 5 conv layer")
    expect(flops != 25 * 6 * 28 * 28, "117 600 counts each multiply-add once; count the "
           "multiply and the add: 2 operations per term.")
    expect(flops != 2 * 25 * 6 * 32 * 32,
           "count one dot product per *output* position (out_size² of them), not per input "
           "pixel.")
    expect_close(flops, 235_200, "the operations of a 1 → 6 channel, 5 x 5 conv layer with "
                 "28 x 28 outputs", hint="the course counts 2 operations per term, C·k² terms "
                 "per output, and leaves out the bias addition.")
    expect_close(fn(6, 16, 5, 10)[1], 480_000, "the operations of LeNet's second conv layer "
                 "(6 → 16 channels, 5 x 5, 10 x 10 outputs)",
                 hint="2 · C · k² · O · out_size²: the input channels count too.")
