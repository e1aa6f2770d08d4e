"""Chapter 2: the engine behind every tensor operation.

A differentiable operation is a :class:`Function` with two static methods on
raw arrays, as in PyTorch:

- ``forward(ctx, *arrays, **params)`` computes the output and saves on
  ``ctx`` what the backward pass will need;
- ``backward(ctx, grad_out)`` returns the **vector-Jacobian product** for each
  input, ``grad_in = grad_out · ∂out/∂in``, or ``None`` where there is none.

``Function.apply`` runs ``forward`` and, when an input requires a gradient,
records a :class:`Context` on the output. :func:`backward` walks the recorded
graph in reverse topological order, passes every input gradient through
:func:`~minigrad.broadcast.unbroadcast`, accumulates, and frees the graph.
"""

import heapq
import sys

import numpy as np

from minigrad import backend
from minigrad.broadcast import unbroadcast
from minigrad.tensor import Tensor, _list_array


class _GradMode:
    enabled = True


def is_grad_enabled():
    """Whether operations are being recorded for backward."""
    return _GradMode.enabled


class no_grad:
    """Context manager (or decorator) under which nothing is recorded.

    Use it for evaluation and for parameter updates::

        with minigrad.no_grad():
            accuracy = (model(X).argmax(axis=1) == y).mean()
    """

    def __enter__(self):
        self._previous = _GradMode.enabled
        _GradMode.enabled = False
        return self

    def __exit__(self, *exc):
        _GradMode.enabled = self._previous
        return False

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)
        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        return wrapper


class enable_grad(no_grad):
    """Context manager (or decorator) under which operations are recorded again, even
    inside ``no_grad`` (checkpointing recomputes a segment this way during backward)."""

    def __enter__(self):
        self._previous = _GradMode.enabled
        _GradMode.enabled = True
        return self


class Context:
    """What one recorded operation keeps for its backward pass.

    ``inputs`` are the operation's arguments (tensors, or constants such as
    Python numbers); ``needs_input_grad[i]`` says whether input ``i`` wants a
    gradient, and ``parents`` lists those inputs (the graph's edges).
    Plain parameters (``axis``, ``keepdims`` …) become attributes.
    """

    def __init__(self, fn, inputs, needs_input_grad, parents=None):
        self.fn = fn
        self.inputs = inputs
        self.saved_tensors = ()
        self.needs_input_grad = needs_input_grad
        self.parents = parents if parents is not None else [
            x for x, needs in zip(inputs, needs_input_grad) if needs]
        self.freed = False

    def save_for_backward(self, *arrays):
        """Keep the arrays that ``backward`` will need (and nothing more)."""
        self.saved_tensors = arrays

    def release(self):
        """Drop the inputs and saved arrays: the graph below is freed."""
        self.inputs = self.parents = self.saved_tensors = ()
        self.freed = True


class Function:
    """Base class of differentiable operations; subclass and write both methods.

    Example (a learner's own op)::

        class Cube(minigrad.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, grad_out):
                (x,) = ctx.saved_tensors
                return grad_out * 3 * x ** 2

        y = Cube.apply(t)

    ``backward`` returns one gradient per input. An input whose
    ``ctx.needs_input_grad`` entry is false gets ``None``: operations with
    several inputs compute only the gradients that are needed.
    """

    broadcasts = False  # True for elementwise ops whose inputs broadcast (drawings show it)
    differentiable_twice = True  # its backward runs on tensors too (Chapter 8, create_graph)

    @staticmethod
    def forward(ctx, *arrays, **params):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad_out):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params):
        """Run ``forward`` on the inputs' arrays and record the operation if needed."""
        arrays, needs, parents = _arrays_of(cls, inputs)
        if parents and _GradMode.enabled:
            requires_grad, ctx = True, Context(cls, inputs, needs, parents)
        else:
            requires_grad, ctx = False, Context(cls, inputs, (False,) * len(needs), ())
        ctx.params, ctx.operands = params, arrays  # for a recorded backward (Chapter 8)
        try:
            data = cls.forward(ctx, *arrays, **params)
        except _BUILTIN_ERRORS as error:
            raise _naming_the_op(error, cls.op_name(), inputs)
        if type(data) is not np.ndarray and isinstance(data, np.generic):
            ctx.scalar_output = data  # what forward may have saved (Chapter 8 maps it back)
            data = np.asarray(data)  # NumPy reductions give scalars; a tensor holds arrays
        return Tensor._make(data, requires_grad, ctx if requires_grad else None)

    @classmethod
    def op_name(cls):
        return cls.__name__.lower()


def _arrays_of(fn, inputs):
    """The arrays an operation ``fn`` computes with, all on one device; for each
    input whether it wants a gradient; and the inputs that want one.

    Tensors give their data; numbers and arrays are constants; lists become
    arrays (a list holding tensors is refused: stack them instead).
    """
    arrays = []
    needs = []
    parents = []
    tensors = 0
    on_device = False
    for x in inputs:
        if isinstance(x, Tensor):
            arrays.append(x.data)
            needs.append(x.requires_grad)
            if x.requires_grad:
                parents.append(x)
            on_device = on_device or type(x.data) is not np.ndarray
            tensors += 1
            continue
        if isinstance(x, (int, float, np.ndarray, np.generic)):
            arrays.append(x)
        elif isinstance(x, (list, tuple)):
            arrays.append(_list_array(x, fn.op_name()))
        elif backend.is_device_array(x):
            arrays.append(x)
            on_device = True
        else:
            raise TypeError(f"{fn.op_name()}: cannot use {_describe(x)} as an input; "
                            "expected a Tensor, a NumPy array or a number")
        needs.append(False)
    if on_device or not tensors and backend.default_device() != "cpu":
        arrays = _on_one_device(fn.op_name(), inputs, arrays)
    return arrays, tuple(needs), parents


_BUILTIN_ERRORS = (ValueError, TypeError, IndexError)


def _naming_the_op(error, op, inputs):
    """``error`` with the operation and its inputs' shapes in the message
    (unchanged if the message names the operation already)."""
    if str(error).startswith(op + ":"):
        return error
    shapes = ", ".join(_describe(x) for x in inputs)
    named = type(error)(f"{op}: {error} (inputs: {shapes})")
    named.__suppress_context__ = True  # its message holds the original; one traceback is enough
    return named


def _describe(x):
    if isinstance(x, Tensor):
        return f"Tensor of shape {x.shape} ({x.dtype})"
    if isinstance(x, np.ndarray) or backend.is_device_array(x):
        return f"array of shape {x.shape} ({x.dtype})"
    return f"{type(x).__name__} {x!r}"


def _on_one_device(op, inputs, arrays):
    """The arrays of an operation on one device, or an error naming the devices.

    Tensors (and device arrays) must share a device. Host constants (numbers,
    NumPy arrays, lists) join it, as Python numbers join any tensor; with no
    tensor at all, they go to the default device.
    """
    devices = {}
    for x, a in zip(inputs, arrays):
        if isinstance(x, Tensor) or backend.is_device_array(a):
            devices.setdefault(backend.device_of(a), x)
    if len(devices) > 1:
        found = " and ".join(f"{_describe(x)} on {d}" for d, x in devices.items())
        target = next(d for d in devices if d != "cpu")
        raise RuntimeError(f"{op}: the inputs are on different devices: {found}. Move them "
                           f"to one device first, e.g. x.to('{target}').")
    device = next(iter(devices), None) or backend.default_device()
    return [backend.to_device(a, device) if isinstance(a, np.ndarray) else a for a in arrays]


def backward(root, grad_out, retain_graph=False):
    """Backpropagate ``grad_out`` from ``root`` to every leaf that requires grad.

    Leaves accumulate into ``.grad``; interior tensors keep a gradient only if
    ``retain_grad()`` was called on them. Unless ``retain_graph`` is true,
    each operation's saved arrays are released once used.

    The order is Chapter 2's reverse topological order, found without sorting the
    graph first: tensors are numbered as they are created, and an operation's output
    is created after its inputs, so of the tensors waiting for their turn the latest
    one has received every share of its gradient (whatever uses it is later still,
    and went first). ``waiting`` is a heap that pops the latest tensor first; a
    tensor used twice is pushed twice and passes its gradient on once. Leaves pass
    nothing on, so they simply wait until the end.
    """
    if root._ctx is None:  # a leaf: its gradient is the one given
        _accumulate(root, grad_out)
        return
    grads = {id(root): grad_out}
    waiting = [(-root._number, id(root), root)]  # the id settles ties of copied tensors
    leaves = []
    push, pop = heapq.heappush, heapq.heappop
    while waiting:
        node = pop(waiting)[2]
        grad = grads.pop(id(node), None)
        if grad is None:
            continue
        if node._retains_grad:
            _accumulate(node, grad)
        ctx = node._ctx
        if ctx.freed:
            raise RuntimeError(
                f"backward: the graph through '{ctx.fn.op_name()}' was already freed by an "
                "earlier backward(). Recompute the forward pass, or call "
                "backward(retain_graph=True) the first time if you need to go through it twice.")
        _send_back(ctx, grad, grads)
        for parent in ctx.parents:
            if parent._ctx is None:
                leaves.append(parent)
            else:
                push(waiting, (-parent._number, id(parent), parent))
        if not retain_graph:
            ctx.release()
    for leaf in leaves:
        grad = grads.pop(id(leaf), None)
        if grad is not None:  # None: a leaf used twice, already given its gradient
            _accumulate(leaf, grad)


def _send_back(ctx, grad, grads):
    """Run one operation's backward on ``grad`` and add each input's gradient
    (unbroadcast to the input's shape) into ``grads``, keyed by the input's id."""
    input_grads = ctx.fn.backward(ctx, grad)
    if type(input_grads) is not tuple:
        input_grads = (input_grads,)
    if len(input_grads) != len(ctx.inputs):
        raise RuntimeError(
            f"{ctx.fn.op_name()}.backward returned {len(input_grads)} gradient(s) for "
            f"{len(ctx.inputs)} input(s); return one per input (None where there is none)")
    for x, g, needs in zip(ctx.inputs, input_grads, ctx.needs_input_grad):
        if g is None or not needs:
            continue
        if isinstance(g, Tensor):
            raise TypeError(
                f"{ctx.fn.op_name()}.backward returned a Tensor; backward works on arrays "
                "and returns arrays (return its .data)")
        if g.shape != x.data.shape:
            returned = g.shape
            g = unbroadcast(g, x.data.shape)
            if g.shape != x.data.shape:
                raise RuntimeError(
                    f"{ctx.fn.op_name()}.backward returned a gradient of shape {returned} "
                    f"for an input of shape {x.data.shape}")
        key = id(x)
        previous = grads.get(key)
        grads[key] = g if previous is None else previous + g


def _accumulate(node, grad):
    """Add ``grad`` into ``node.grad``; the first gradient becomes ``node.grad``."""
    if node.grad is None:
        node.grad = _owned(grad, node.data.dtype)
    elif isinstance(node.grad, Tensor):  # left by backward(create_graph=True): add, recorded
        node.grad = node.grad + grad
    else:
        node.grad += grad


# -- the functional API ------------------------------------------------------------

def value_and_grad(f, argnums=0):
    """Turn ``f`` into a function returning ``(f(*args), gradients)``.

    ``f`` must return a one-element tensor. The arguments named by ``argnums``
    (an int or a tuple of ints) may be arrays, lists, numbers or tensors; each
    is differentiated as a fresh float64 leaf (a float32 tensor stays float32).
    Gradients are NumPy arrays: one array for an int ``argnums``, a tuple for
    a tuple. Inside another transform (``grad(grad(f))``, ``hessian``, ``hvp``) the
    arguments are tensors being recorded; then the backward pass is recorded too
    (Chapter 8) and the value and gradients are tensors that can be differentiated.
    """
    single = isinstance(argnums, int)
    positions = (argnums,) if single else tuple(argnums)

    def wrapped(*args, **kwargs):
        args = list(args)
        for i in positions:
            if not -len(args) <= i < len(args):
                raise IndexError(f"grad: argnums {argnums} asks for argument {i}, but "
                                 f"{getattr(f, '__name__', 'f')} got {len(args)} argument(s)")
        # Inside another transform (grad(grad(f)), hessian, hvp), the arguments are
        # tensors being recorded: differentiate through them and record this backward.
        nested = _GradMode.enabled and any(
            isinstance(args[i], Tensor) and args[i].requires_grad for i in positions)
        for i in positions:
            if not (nested and isinstance(args[i], Tensor) and args[i].requires_grad):
                args[i] = _differentiable_leaf(args[i])
        with enable_grad():  # the functional API records even inside no_grad
            out = f(*args, **kwargs)
        if not isinstance(out, Tensor) or out.data.size != 1:
            shape = getattr(out, "shape", None)
            raise TypeError(
                f"grad: {getattr(f, '__name__', 'f')} must return a one-element Tensor, got "
                f"{type(out).__name__}" + (f" of shape {shape}" if shape is not None else ""))
        if nested:
            from minigrad.recording import gradients
            grads = tuple(gradients(out, [args[i] for i in positions], create_graph=True))
            return out, grads[0] if single else grads
        if out.requires_grad:
            out.backward()
        grads = tuple(args[i].grad if args[i].grad is not None
                      else backend.get_array_module(args[i].data).zeros_like(args[i].data)
                      for i in positions)
        return out.detach(), grads[0] if single else grads

    wrapped.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return wrapped


def grad(f, argnums=0):
    """Turn ``f`` into a function returning the gradient of ``f`` (see value_and_grad)."""
    with_value = value_and_grad(f, argnums)

    def wrapped(*args, **kwargs):
        return with_value(*args, **kwargs)[1]

    wrapped.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return wrapped


def _differentiable_leaf(x):
    data = x.data if isinstance(x, Tensor) else backend.as_array(x)
    if not np.issubdtype(data.dtype, np.floating):
        data = data.astype(np.float64)
    return Tensor(data, requires_grad=True)


# -- an optimisation: a fresh gradient becomes .grad without a copy -----------------
# ``.grad`` must be an array that no one else holds, since the next backward adds
# into it in place. Copying every first gradient is always safe; skipping the copy
# when nothing but ``backward`` holds the array saves 5-10% of an MLP training step
# (benchmarks/). PyTorch does the same.

def _owned(grad, dtype):
    """``grad`` as an array that ``.grad`` may own: itself when it is fresh (no
    other reference, not a view, writeable, of the leaf's dtype), else a copy."""
    if (sys.getrefcount(grad) <= _ALONE and grad.dtype == dtype and grad.base is None
            and (grad.flags.writeable if type(grad) is np.ndarray
                 else backend.device_of(grad) == "cuda")):  # CuPy arrays are writeable
        return grad
    return grad.astype(dtype, copy=True)


def _references_when_alone():
    """What ``_owned`` counts for an array that only ``backward``'s local variable
    holds, measured through the same chain of calls (counts differ between Pythons)."""
    def accumulate(grad):  # stands for _accumulate
        return owned(grad)

    def owned(grad):  # stands for _owned
        return sys.getrefcount(grad)

    grads = {0: np.empty(1)}
    grad = grads.pop(0)
    return accumulate(grad)


_ALONE = _references_when_alone()
