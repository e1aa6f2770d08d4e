"""The MLP training step written by hand in NumPy: the baseline minigrad is measured against.

Forward, softmax cross-entropy, backward and an SGD update, with every gradient
derived by hand. Weights follow PyTorch's layout (out_features, in_features).
"""

import numpy as np


class NumpyMLP:
    """A ReLU MLP with hand-written backward and SGD, on plain arrays."""

    def __init__(self, sizes, dtype, rng):
        self.weights = [(rng.standard_normal((n_out, n_in)) * np.sqrt(2 / n_in)).astype(dtype)
                        for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        self.biases = [np.zeros(n_out, dtype=dtype) for n_out in sizes[1:]]

    def step(self, X, y, lr):
        """One training step on a batch; returns the mean cross-entropy."""
        activations, pre = [X], []
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = activations[-1] @ W.T + b
            pre.append(z)
            activations.append(np.maximum(z, 0) if i < len(self.weights) - 1 else z)
        logits = activations[-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        n = len(y)
        loss = -logp[np.arange(n), y].mean()
        grad = np.exp(logp)
        grad[np.arange(n), y] -= 1
        grad /= n
        for i in reversed(range(len(self.weights))):
            W = self.weights[i]
            gW = grad.T @ activations[i]
            gb = grad.sum(axis=0)
            if i:
                grad = (grad @ W) * (pre[i - 1] > 0)
            W -= lr * gW
            self.biases[i] -= lr * gb
        return loss
