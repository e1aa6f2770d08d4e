"""Checks for the exercises of Chapter 6 (devices and the xp pattern)."""

import numpy as np

from minigrad import backend
from minigrad.exercises.core import CheckFailed, exercise, expect, expect_array, expect_close
from minigrad.tensor import Tensor

# -- reference solutions --------------------------------------------------------


def softplus(a):
    """log(1 + exp(a)) of an array on any device: max(a, 0) + log1p(exp(-|a|)), through xp."""
    xp = backend.get_array_module(a)
    return xp.maximum(a, 0) + xp.log1p(xp.exp(-xp.abs(a)))


def transfer_seconds(n_floats, gb_per_s=12.0, latency_us=10.0):
    """Time to copy n float32 numbers to a GPU: a fixed latency plus bytes / bandwidth."""
    return latency_us * 1e-6 + 4 * n_floats / (gb_per_s * 1e9)


def linear_intensity(batch, n_in, n_out):
    """Floating-point operations per byte moved by x @ Wᵀ in float32:
    2·B·in·out operations over 4·(B·in + in·out + B·out) bytes."""
    return 2 * batch * n_in * n_out / (4 * (batch * n_in + n_in * n_out + batch * n_out))


def host_accuracy(logits, y):
    """The fraction of rows whose argmax is y, for tensors or arrays on any device."""
    scores = logits.numpy() if isinstance(logits, Tensor) else backend.asnumpy(logits)
    labels = y.numpy() if isinstance(y, Tensor) else backend.asnumpy(y)
    return float((scores.argmax(axis=1) == labels).mean())


def to_device_all(model, X, y, device):
    """The model moved to device, and X and y as tensors there."""
    return model.to(device), Tensor(X, device=device), Tensor(y, device=device)


# -- checks -----------------------------------------------------------------------

_X = np.array([-40.0, -1.0, 0.0, 0.5, 40.0])


@exercise("6.1", "the xp pattern: softplus on any device", softplus, lambda: (np.zeros(3),))
def check_softplus(fn):
    expect_array(fn(_X), np.logaddexp(0, _X), "softplus of a NumPy array",
                 hint="max(a, 0) + log1p(exp(-|a|)) never overflows.")
    device_x = backend.to_device(_X, "standin")
    try:
        out = fn(device_x)
    except TypeError as error:
        raise CheckFailed(f"softplus of a device array raised TypeError: {error}\nHint: "
                          "take xp = backend.get_array_module(a) and call xp.exp, xp.log1p "
                          "… instead of converting the array with np.asarray.") from None
    expect(backend.device_of(out) == "standin",
           f"softplus of a device array returned data on {backend.device_of(out)}: it left "
           "the device.\nHint: compute with xp, the array module of a, not with np.")
    expect_array(backend.asnumpy(out), np.logaddexp(0, _X), "softplus of a device array")


@exercise("6.2", "the cost of a transfer", transfer_seconds, lambda: (1000,))
def check_transfer(fn):
    expect_close(fn(0), 10e-6, "transfer_seconds(0): nothing to copy, only the latency",
                 hint="latency_us is in microseconds: multiply by 1e-6.")
    expect_close(fn(10**6), 10e-6 + 4e6 / 12e9, "transfer_seconds(1_000_000)",
                 hint="each float32 takes 4 bytes; gb_per_s is 1e9 bytes per second.")
    expect_close(fn(10**6, gb_per_s=24.0, latency_us=5.0), 5e-6 + 4e6 / 24e9,
                 "transfer_seconds(1_000_000, gb_per_s=24, latency_us=5)")


@exercise("6.3", "arithmetic intensity of a linear layer", linear_intensity,
          lambda: (128, 784, 200))
def check_intensity(fn):
    expect_close(fn(1, 1, 1), 2 / 12, "linear_intensity(1, 1, 1)",
                 hint="2 operations (a multiply and an add) per term; count the bytes of x, "
                      "W and the output, 4 each.")
    expect_close(fn(128, 784, 200), linear_intensity(128, 784, 200),
                 "linear_intensity(128, 784, 200)")
    expect(fn(4096, 2048, 2048) > 50 * fn(1, 2048, 2048),
           "a large batch should do far more work per byte than a single row: the weights "
           "are read once for the whole batch.")


@exercise("6.4", "an accuracy that works on any device", host_accuracy,
          lambda: (np.zeros((2, 3)), np.zeros(2, dtype=int)))
def check_host_accuracy(fn):
    logits = np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 0.0], [0.0, 0.0, 5.0], [1.0, 2.0, 0.0]])
    y = np.array([1, 0, 1, 0])
    expect_close(fn(logits, y), 0.5, "accuracy of NumPy arrays, 2 of 4 right")
    try:
        got = fn(Tensor(logits, device="standin"), Tensor(y, device="standin"))
    except TypeError as error:
        raise CheckFailed(f"accuracy of device tensors raised TypeError: {error}\nHint: "
                          "Tensor.numpy() copies a tensor's data to the host from any "
                          "device; .data may live on the GPU.") from None
    expect_close(got, 0.5, "accuracy of device tensors")
    expect(isinstance(got, float), f"return a Python float, not {type(got).__name__}")


@exercise("6.5", "moving a model and its data", to_device_all,
          lambda: (None, np.zeros((1, 2)), np.zeros(1, dtype=int), "cpu"))
def check_to_device_all(fn):
    from minigrad import nn

    model = nn.Linear(2, 3)
    weight = model.weight
    X, y = np.ones((4, 2), dtype=np.float32), np.array([0, 1, 2, 0])
    moved, Xd, yd = fn(model, X, y, "standin")
    expect(moved is model and model.weight is weight,
           "return the same model, moved in place (model.to(device) returns it): an "
           "optimizer made earlier still holds its parameters.")
    expect(all(p.device == "standin" for p in model.parameters()),
           "some parameters are not on the device.\nHint: model.to(device).")
    expect(isinstance(Xd, Tensor) and Xd.device == "standin" and yd.device == "standin",
           "X and y should come back as tensors on the device.\nHint: "
           "minigrad.tensor(X, device=device).")
    expect(yd.dtype.kind == "i", f"y should keep its integer dtype, got {yd.dtype}")
