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


def smoothed_targets(y, num_classes, smoothing):
    """Label-smoothed targets on y's device: (1 - ε) one_hot(y) + ε / C, float32.

    Every array is made through xp, the array module of y: np.zeros would live on the host.
    """
    xp = backend.get_array_module(y)
    targets = xp.full((len(y), num_classes), smoothing / num_classes, dtype=np.float32)
    targets[xp.arange(len(y)), y] += 1 - smoothing
    return targets


def to_device_all(model, X, y, device):
    """The model moved to device, and X and y as tensors there."""
    return model.to(device), Tensor(X, device=device), Tensor(y, device=device)


def blocked_matmul(a, b, tile):
    """a @ b computed tile by tile: C[I, J] = Σ_K A[I, K] @ B[K, J] over tile x tile blocks,
    on the device of a and b, in their dtype."""
    xp = backend.get_array_module(a, b)
    n, m = a.shape[0], b.shape[1]
    c = xp.zeros((n, m), dtype=xp.result_type(a, b))
    for i in range(0, n, tile):
        for j in range(0, m, tile):
            for k in range(0, a.shape[1], tile):
                c[i:i + tile, j:j + tile] += a[i:i + tile, k:k + tile] @ b[k:k + tile, j:j + tile]
    return c


# -- checks -----------------------------------------------------------------------

_X = np.array([-1000.0, -40.0, -1.0, 0.0, 0.5, 40.0, 1000.0])


@exercise("6.1", "the xp pattern: softplus on any device", softplus, lambda: (np.zeros(3),))
def check_softplus(fn):
    with np.errstate(over="ignore", invalid="ignore"):
        host = fn(_X)
    expect_array(host, np.logaddexp(0, _X), "softplus of a NumPy array, ±40 and ±1000 included",
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


def _on_device(fn, *arrays, what, hint):
    """fn(*arrays) with the arrays on the stand-in device, where a host array mixed in fails
    as it would on a GPU."""
    try:
        return fn(*(backend.to_device(a, "standin") for a in arrays))
    except TypeError as error:
        raise CheckFailed(f"{what} raised TypeError: {error}\nHint: {hint}") from None


@exercise("6.4", "label-smoothed targets made on the device", smoothed_targets,
          lambda: (np.array([0, 1]), 2, 0.1),
          hint="xp = backend.get_array_module(y); make the array with xp.full (or xp.zeros), "
               "then add 1 - smoothing at [xp.arange(len(y)), y].")
def check_smoothed_targets(fn):
    y = np.array([2, 0, 1, 2])
    want = smoothed_targets(y, 3, 0.3)
    got = np.asarray(backend.asnumpy(fn(y, 3, 0.3)), dtype=np.float64)
    expect(got.shape == (4, 3), f"expected shape (4, 3) (one row per label, num_classes "
           f"columns), got {got.shape}.")
    sums = got.sum(axis=1)
    expect(np.allclose(sums, 1), f"each row should be a probability distribution summing to "
           f"1, but the rows sum to {sums.round(4).tolist()}.\nHint: (1 - ε) on the true "
           "class plus ε / num_classes on every class: ε spread over all of them.")
    expect_array(got, want, "smoothed_targets([2, 0, 1, 2], 3, smoothing=0.3)",
                 hint="row i holds 0.1 everywhere and 0.8 in column y[i].")
    out = _on_device(lambda labels: fn(labels, 3, 0.3), y,
                     what="smoothed_targets of device labels",
                     hint="np.zeros, np.eye and np.arange make host arrays, which cannot mix "
                          "with device data. Make them with xp = backend.get_array_module(y).")
    expect(backend.device_of(out) == "standin",
           f"the targets of device labels came back on {backend.device_of(out)}: they should "
           "be made on the labels' device.\nHint: xp.full / xp.zeros, with xp the array "
           "module of y.")
    expect(out.dtype == np.float32, f"the targets should be float32, got {out.dtype}.")
    expect_array(backend.asnumpy(out), want, "the targets of device labels")


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


@exercise("6.6", "a blocked matrix multiply", blocked_matmul,
          lambda: (np.ones((2, 2)), np.ones((2, 2)), 1),
          hint="three loops over range(0, size, tile); C[i:i+t, j:j+t] += A[i:i+t, k:k+t] @ "
               "B[k:k+t, j:j+t], with C made by xp.zeros on the inputs' device.")
def check_blocked_matmul(fn):
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((7, 5)), rng.standard_normal((5, 6))
    got = np.asarray(fn(a, b, 3), dtype=np.float64)
    expect(got.shape == (7, 6), f"(7, 5) @ (5, 6) should have shape (7, 6), got {got.shape}.")
    edges_left = np.allclose(got[-1], 0) or np.allclose(got[:, -1], 0)
    expect_array(got, a @ b, "blocked_matmul of (7, 5) @ (5, 6) in 3 x 3 tiles",
                 hint="the last row or column was never computed: let the last tiles be "
                      "smaller. range(0, n, tile) reaches the edges; slicing clips them."
                 if edges_left else "add up the products over k (C[...] += ..., not =).")
    expect_array(fn(a, b, 7), a @ b, "blocked_matmul with one tile covering everything")
    expect_array(fn(a, b, 1), a @ b, "blocked_matmul in 1 x 1 tiles")
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    out = _on_device(lambda x, w: fn(x, w, 3), a32, b32, what="blocked_matmul of device arrays",
                     hint="the result array must be made on the device: xp.zeros with xp = "
                          "backend.get_array_module(a, b), not np.zeros.")
    expect(backend.device_of(out) == "standin",
           f"the product of device arrays came back on {backend.device_of(out)}.\nHint: "
           "make C with xp.zeros on the inputs' device.")
    expect(out.dtype == np.float32, f"float32 inputs should give a float32 product (the "
           f"dtype of xp.result_type(a, b)), got {out.dtype}.")
    expect_array(backend.asnumpy(out), a32 @ b32, "blocked_matmul of device arrays", tol=1e-5)
