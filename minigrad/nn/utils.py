"""Chapter 9: utilities for training, as in ``torch.nn.utils``."""

import math

from minigrad import backend


def clip_grad_norm_(parameters, max_norm, eps=1e-6):
    """Scale every gradient by ``max_norm / total`` when their joint 2-norm ``total``
    exceeds ``max_norm`` (in place); return ``total``, the norm before clipping."""
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    total = math.sqrt(sum(float((backend.get_array_module(g).asarray(g) ** 2).sum())
                          for g in grads))
    if total > max_norm:
        scale = max_norm / (total + eps)
        for g in grads:
            g *= scale
    return total
