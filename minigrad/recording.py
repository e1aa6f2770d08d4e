"""Chapter 8: a backward pass that is itself recorded, for derivatives of derivatives.

``backward(create_graph=True)`` runs every operation's own VJP code (Chapters 2–4) on
**tensors** instead of arrays, so that each multiplication and sum inside a backward
pass is recorded like any other, and the gradient it returns can be differentiated
again: ``grad(grad(f))``, Hessian-vector products, the gradient of a gradient norm.
No VJP is written twice. Three things make that work:

- the VJP code asks ``get_array_module(x)`` for its functions (Chapter 6's ``xp``
  pattern); for a tensor it gets :data:`xp`, a namespace whose ``exp``, ``where`` …
  are minigrad's recorded operations, and whose ``isnan``, ``sign``, ``zeros_like`` … (no
  derivative) return plain arrays;
- what an operation saved for backward becomes a tensor of the graph again: a saved
  input is that input, the saved output is the output. Anything else it saved is a
  constant of the recorded backward (a mask, a slope), which is right only where it
  is locally constant; an operation that says so sets ``saves_constants = True``,
  and any other one that saved a floating-point intermediate (softmax
  probabilities, say) is refused with an error rather than differentiated wrongly;
- a fused operation whose saved intermediates depend on its inputs gives a
  ``composite``: the same function from primitives, which is differentiated instead.
"""

import numpy as np

from minigrad import backend
from minigrad.broadcast import unbroadcast
from minigrad.graph import topological_order
from minigrad.tensor import Tensor


# -- the namespace: recorded operations for tensors -----------------------------------

def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _module_of(*args):
    return backend.get_array_module(*(_data(a) for a in args))


def _has_tensor(args):
    return any(isinstance(a, Tensor) or isinstance(a, (list, tuple)) and _has_tensor(a)
               for a in args)


def _recorded(name, op=None):
    """``xp.name``: minigrad's operation (recorded) when a tensor is among the arguments,
    the array module's function otherwise (constants stay constants)."""
    def function(*args, **kwargs):
        if _has_tensor(args):
            return (op or getattr(_ops(), name))(*args, **kwargs)
        return getattr(_module_of(*args), name)(*args, **kwargs)
    function.__name__ = name
    return staticmethod(function)


class _Namespace:
    """``xp`` for tensors: recorded operations where a derivative exists, plain arrays
    (constants of the recorded backward) where none does."""

    __name__ = "minigrad.recording.xp"

    # operations with a derivative: minigrad's own, so that they are recorded
    exp, log, tanh, sin, cos, abs, sqrt = (_recorded(n) for n in
                                           ("exp", "log", "tanh", "sin", "cos", "abs", "sqrt"))
    maximum, minimum, clip, matmul = (_recorded(n) for n in ("maximum", "minimum", "clip",
                                                             "matmul"))
    broadcast_to, flip, concatenate, stack, split = (
        _recorded(n) for n in ("broadcast_to", "flip", "concatenate", "stack", "split"))
    log1p = _recorded("log1p", lambda x: _ops().log(1 + x))

    @staticmethod
    def where(cond, a, b):
        if not isinstance(a, Tensor) and not isinstance(b, Tensor):
            return _module_of(cond, a, b).where(_data(cond), a, b)
        return _ops().where(_data(cond), a, b)

    @staticmethod
    def ascontiguousarray(x):
        return x

    # no derivative (or a zero one): plain arrays, constants of the recorded backward
    @staticmethod
    def isnan(x): return _module_of(x).isnan(_data(x))
    @staticmethod
    def isfinite(x): return _module_of(x).isfinite(_data(x))
    @staticmethod
    def sign(x): return _module_of(x).sign(_data(x))
    @staticmethod
    def zeros_like(x, dtype=None): return _module_of(x).zeros_like(_data(x), dtype=dtype)
    @staticmethod
    def ones_like(x, dtype=None): return _module_of(x).ones_like(_data(x), dtype=dtype)

    def __getattr__(self, name):
        raise NotImplementedError(
            f"create_graph: the recorded backward pass asked for xp.{name}, which has no "
            "recorded version for tensors yet (minigrad.recording.xp); this operation "
            "cannot be differentiated twice")


def _ops():
    from minigrad import ops
    return ops


xp = _Namespace()
backend.use_recording_namespace(Tensor, xp)


# -- what backward saved, as tensors of the graph ---------------------------------------

class _Recorded:
    """A stand-in for a Context during a recorded backward: the same attributes, with
    saved arrays replaced by the graph's tensors."""

    def __init__(self, ctx, saved):
        self.__dict__.update(ctx.__dict__)
        self.saved_tensors = saved


def _recorded_context(ctx, node):
    """``ctx`` with each saved array that is an input's or the output's data replaced
    by that tensor; other floating-point saves are refused unless the op vouches for them."""
    tensors = {id(x.data): x for x in ctx.inputs if isinstance(x, Tensor)}
    tensors[id(node.data)] = node
    if hasattr(ctx, "scalar_output"):  # forward returned (and saved) a NumPy scalar
        tensors[id(ctx.scalar_output)] = node
    constants = {id(a) for x, a in zip(ctx.inputs, ctx.operands) if not isinstance(x, Tensor)}
    saved = []
    for array in ctx.saved_tensors:
        tensor = tensors.get(id(array))
        if tensor is None and id(array) not in constants and \
                not getattr(ctx.fn, "saves_constants", False) and \
                hasattr(array, "dtype") and np.issubdtype(array.dtype, np.floating):
            raise NotImplementedError(
                f"create_graph: {ctx.fn.op_name()} saved an intermediate result (an array "
                f"of shape {array.shape}) for its backward; differentiating its backward "
                "would treat it as a constant and be wrong. Give the Function a "
                "'composite' (the same function from primitives), or set "
                "saves_constants = True if what it saves is locally constant.")
        saved.append(array if tensor is None else tensor)
    return _Recorded(ctx, tuple(saved))


def _input_gradients(ctx, node, grad, record=True):
    """One operation's VJP, recorded: the input gradients as tensors (or None)."""
    name = ctx.fn.op_name()
    if not ctx.fn.differentiable_twice:
        raise NotImplementedError(
            f"create_graph: {name} has no recorded backward yet (its backward is written "
            "for arrays only), so it can be differentiated once but not twice")
    composite = getattr(ctx.fn, "composite", None)
    if composite is not None:
        inputs = [x for x in ctx.inputs]
        with_grad = [x for x, needs in zip(inputs, ctx.needs_input_grad) if needs]
        from minigrad.autograd import enable_grad
        with enable_grad():  # the composite's graph is what gets differentiated
            out = composite(*inputs, **ctx.params)
        found = iter(gradients(out, with_grad, grad, create_graph=record))
        return tuple(next(found) if needs else None for needs in ctx.needs_input_grad)
    input_grads = ctx.fn.backward(_recorded_context(ctx, node), grad)
    input_grads = input_grads if type(input_grads) is tuple else (input_grads,)
    for g in input_grads:  # a VJP is linear in grad, a tensor here: so is its result
        if g is not None and not (isinstance(g, Tensor) and np.issubdtype(g.dtype, np.floating)):
            raise RuntimeError(
                f"create_graph: {name}.backward returned {type(g).__name__} "
                f"{getattr(g, 'dtype', '')} instead of a tensor that records: it left the "
                "graph (NumPy called on a tensor, or .data). Use get_array_module(g) for "
                "its functions, as Chapter 6 does.")
    return input_grads


# -- the recorded backward pass -----------------------------------------------------------

def _parents(node):
    ctx = node._ctx
    return ctx.parents if ctx is not None else ()


def _walk(root, grad_out, towards=None, record=True):
    """Backpropagate ``grad_out`` (a tensor) from ``root``; yields each node with its
    total gradient, as a tensor, once it is complete. With ``towards`` (tensors), only
    the paths that lead to them are followed; with ``record``, every step is recorded."""
    from minigrad.autograd import enable_grad, no_grad

    order = topological_order(root, parents=_parents)
    leads = None
    if towards is not None:  # parents come before children in the order
        leads = {id(x) for x in towards}
        for node in order:
            if any(id(p) in leads for p in _parents(node)):
                leads.add(id(node))
    grads = {id(root): grad_out}
    with enable_grad() if record else no_grad():
        for node in reversed(order):
            grad = grads.pop(id(node), None)
            if grad is None:
                continue
            if not isinstance(grad, Tensor):
                grad = Tensor._wrap(grad)
            yield node, grad
            ctx = node._ctx
            if ctx is None:
                continue
            if ctx.freed:
                raise RuntimeError(
                    f"backward: the graph through '{ctx.fn.op_name()}' was already freed by "
                    "an earlier backward(); call the first one with retain_graph=True")
            input_grads = _input_gradients(ctx, node, grad, record)
            for x, g, needs in zip(ctx.inputs, input_grads, ctx.needs_input_grad):
                if g is None or not needs or leads is not None and id(x) not in leads:
                    continue
                if g.shape != x.shape:
                    g = unbroadcast(g, x.shape)
                previous = grads.get(id(x))
                grads[id(x)] = g if previous is None else previous + g


def backward(root, grad_out):
    """``root.backward(grad_out, create_graph=True)``: each leaf's ``.grad`` becomes a
    tensor that records, and can be differentiated again."""
    for node, grad in _walk(root, grad_out):
        if node._ctx is None or node._retains_grad:
            node.grad = grad if node.grad is None else node.grad + grad


def gradients(output, inputs, cotangent=None, create_graph=False):
    """The gradients of ``output`` with respect to each of ``inputs`` (tensors of its
    graph, leaves or not), returned rather than added into ``.grad``: the VJP vᵀJ with
    v = ``cotangent`` (ones by default).

    With ``create_graph`` the results are tensors that record (differentiate them
    again); without, they are detached. An input that ``output`` does not depend on
    gets zeros.
    """
    if cotangent is None:
        cotangent = _module_of(output).ones_like(output.data)
    if not isinstance(cotangent, Tensor):
        cotangent = Tensor._wrap(backend.to_device(cotangent, output.device)
                                 .astype(output.dtype, copy=False))
    wanted = {id(x): i for i, x in enumerate(inputs)}
    found = [None] * len(inputs)
    if output.requires_grad:
        for node, grad in _walk(output, cotangent, towards=inputs, record=create_graph):
            if id(node) in wanted:
                found[wanted[id(node)]] = grad
    results = []
    for x, g in zip(inputs, found):
        if g is None:
            g = Tensor._wrap(_module_of(x).zeros_like(x.data))
        results.append(g if create_graph else g.detach())
    return results
