"""Chapter 3: the gradient of broadcasting.

When NumPy broadcasts an input of shape ``(4,)`` against ``(3, 4)``, it uses
each input element three times. By the chain rule, each use contributes to
the element's gradient, so the vector-Jacobian product of broadcasting is a
**sum** over the broadcast dimensions: leading dimensions the input did not
have, and dimensions where it had size 1.
"""


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``, undoing NumPy broadcasting.

    ``grad`` has the broadcast (output) shape; the result has ``shape``.
    Example: ``(2, 3, 4) -> (3, 1)`` sums axis 0 (added) and axis 2 (size 1).
    """
    shape = tuple(shape)
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        raise ValueError(f"unbroadcast: gradient of shape {grad.shape} has fewer "
                         f"dimensions than the input shape {shape}")
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad
