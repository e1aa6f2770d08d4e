"""Chapter 8: gradient checkpointing, memory traded for a second forward pass.

Backward needs what forward saved, so a deep network keeps every layer's activations
alive until its backward pass: memory grows with depth. ``checkpoint(fn, *args)``
runs a segment ``fn`` without recording anything inside it, keeps only its inputs, and
in backward runs ``fn`` again, recording, and backpropagates through that fresh graph.
Split n layers into √n checkpointed segments and the activations kept at once fall from
n layers' worth to about 2√n, for one extra forward pass (Chen et al., 2016).

The parameters that ``fn`` uses receive their gradients from the recomputation itself
(they are leaves of the fresh graph, as in PyTorch's reentrant checkpoint). Random draws
inside ``fn`` (dropout) are replayed exactly: the generator's state is kept with the
inputs.
"""

from minigrad import rng
from minigrad.autograd import Function, enable_grad, no_grad
from minigrad.tensor import Tensor


class Recompute(Function):
    """f = fn(*args);  the gradients come from running fn again in backward and
    backpropagating g through the graph that second run records."""

    @staticmethod
    def forward(ctx, *arrays, fn, n_args, randomness):
        ctx.segment, ctx.n_args, ctx.randomness = fn, n_args, randomness
        with no_grad():
            out = fn(*ctx.inputs[:n_args])
        if not isinstance(out, Tensor):
            raise TypeError(f"checkpoint: the segment must return one Tensor, got "
                            f"{type(out).__name__}")
        return out.data

    @staticmethod
    def backward(ctx, g):
        args = [Tensor._make(x.data, needs, None) if isinstance(x, Tensor) else x
                for x, needs in zip(ctx.inputs[:ctx.n_args], ctx.needs_input_grad)]
        with rng.replaying(ctx.randomness), enable_grad():
            out = ctx.segment(*args)
        if out.requires_grad:
            out.backward(Tensor._make(g))  # the parameters inside fn accumulate here
        grads = [x.grad if isinstance(x, Tensor) and x.requires_grad else None for x in args]
        return (*grads, *(None for _ in ctx.inputs[ctx.n_args:]))


def checkpoint(fn, *args):
    """``fn(*args)``, without keeping the activations inside ``fn``: they are recomputed
    in backward. ``fn`` returns one Tensor; if it is a Module (or has ``parameters()``),
    its parameters make the result require grad even when ``args`` do not."""
    if not callable(fn):
        raise TypeError(f"checkpoint: expected a function or a Module, got {type(fn).__name__}")
    params = list(fn.parameters()) if hasattr(fn, "parameters") else []
    return Recompute.apply(*args, *params, fn=fn, n_args=len(args), randomness=rng.state())
