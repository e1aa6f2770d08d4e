"""Plausible wrong answers to the exercises of Chapter 8, each with the words of the hint
its check must give."""

import math

import numpy as np

from minigrad import rng
from minigrad.autograd import Function, enable_grad, no_grad
from minigrad.exercises.ch08 import Dual, hvp, jacobian, newton_step, nth_derivative, tanh
from minigrad.tensor import Tensor


def _dual(half_product=False, no_radd=False, tanh_untimed=False, math_tanh=False,
          power_kept=False, cos_plus=False, no_rsub=False, exp_unchained=False,
          pow_untimed=False, math_exp=False, mutating_add=False, rsub_backwards=False):
    """The chapter's Dual with one slip."""

    class Wrong(Dual):
        @staticmethod
        def lift(other):
            return other if isinstance(other, Wrong) else Wrong(other, 0.0)

        def __add__(self, other):
            other = Wrong.lift(other)
            if mutating_add:
                self.value, self.tangent = self.value + other.value, self.tangent + other.tangent
                return self
            return Wrong(self.value + other.value, self.tangent + other.tangent)

        def __radd__(self, other):
            if no_radd:
                return NotImplemented
            return self + other

        def __neg__(self):
            return Wrong(-self.value, -self.tangent)

        def __sub__(self, other):
            return self + -Wrong.lift(other)

        def __rsub__(self, other):
            if no_rsub:
                return NotImplemented
            if rsub_backwards:
                return self - other
            return Wrong.lift(other) + -self

        def __mul__(self, other):
            other = Wrong.lift(other)
            tangent = self.value * other.tangent
            if not half_product:
                tangent = tangent + self.tangent * other.value
            return Wrong(self.value * other.value, tangent)

        __rmul__ = __mul__

        def __pow__(self, p):
            factor = self.value ** p if power_kept else self.value ** (p - 1)
            return Wrong(self.value ** p, p * factor * (1 if pow_untimed else self.tangent))

        def exp(self):
            e = math.exp(self.value) if math_exp else tanh.__globals__["exp"](self.value)
            return Wrong(e, e if exp_unchained else e * self.tangent)

        def sin(self):
            from minigrad.exercises.ch08 import cos, sin
            return Wrong(sin(self.value), cos(self.value) * self.tangent)

        def cos(self):
            from minigrad.exercises.ch08 import cos, sin
            sign = 1 if cos_plus else -1
            return Wrong(cos(self.value), sign * sin(self.value) * self.tangent)

        def tanh(self):
            t = math.tanh(self.value) if math_tanh else tanh(self.value)
            return Wrong(t, (1 - t * t) if tanh_untimed else (1 - t * t) * self.tangent)

    return Wrong


def _nth(off_by_one=False, constant_breaks=False):
    def nth(f, n):
        levels = n + 1 if off_by_one else n
        if levels == 0:
            return f
        inner = nth(f, levels - 1) if not off_by_one else nth_derivative(f, levels - 1)

        def d(x):
            out = inner(Dual(x, 1.0))
            return out.tangent if constant_breaks or isinstance(out, Dual) else 0.0
        return d
    return nth


def _softmax_jvp(diagonal=False, whole_sum=False, unshifted=False, in_place=False):
    def jvp(x, t):
        if in_place:
            x -= x.max(axis=-1, keepdims=True)
        e = np.exp(x if unshifted else x - x.max(axis=-1, keepdims=True))
        s = e / e.sum(axis=-1, keepdims=True)
        if diagonal:
            return s, s * t
        inner = (s * t).sum() if whole_sum else (s * t).sum(axis=-1, keepdims=True)
        return s, s * (t - inner)
    return jvp


def _hvp(keep_grad=False, no_create_graph=False, grad_times_v=False):
    def wrong(f, x, v):
        x = Tensor(x, requires_grad=True)
        f(x).backward(create_graph=not no_create_graph)
        g = x.grad
        if grad_times_v:
            return g.data * v
        if not keep_grad:
            x.grad = None
        (g * v).sum().backward()
        return x.grad
    return wrong


def _newton(uphill=False, multiply=False, in_place=False, as_list=False, own_hessian=False,
            invert=False, diagonal=False):
    def wrong(f, x, hvp_fn):
        x = np.asarray(x, dtype=np.float64)
        t = Tensor(x, requires_grad=True)
        f(t).backward()
        g = np.asarray(t.grad)
        if own_hessian:
            from minigrad.transforms import hessian
            H = np.asarray(hessian(f)(x))
        else:
            H = np.stack([np.asarray(hvp_fn(f, x, e)) for e in np.eye(x.size)], axis=1)
        if diagonal:
            H = np.diag(np.diag(H))
        d = H @ g if multiply else np.linalg.inv(H) @ g if invert else np.linalg.solve(H, g)
        if in_place:
            x -= d
            return x
        step = x + d if uphill else x - d
        return list(step) if as_list else step
    return wrong


def _jacobian(transposed=False, forward_as_rows=False, swapped=False, tensor=False):
    def wrong(f, x, mode):
        if swapped:
            return jacobian(f, x, "reverse" if mode == "forward" else "forward")
        if tensor:
            return Tensor(jacobian(f, x, mode))
        J = jacobian(f, x, mode)
        if transposed:
            return J.T
        if forward_as_rows and mode == "forward":
            return jacobian(f, x, "forward").T.reshape(J.shape)
        return J
    return wrong


def _recompute(no_replay=False, same_input=False, no_leaf=False, keep_graph=False,
               recording_forward=False, rewind=False, ones=False):
    class Wrong(Function):
        @staticmethod
        def forward(ctx, x, fn=None):
            ctx.segment, ctx.randomness = fn, rng.state()
            if keep_graph:  # no recomputation: checkpointing defeated
                ctx.leaf = Tensor(x, requires_grad=True)
                ctx.out = fn(ctx.leaf)
                return ctx.out.data
            if recording_forward:
                return fn(Tensor(x)).data
            with no_grad():
                return fn(Tensor(x)).data

        @staticmethod
        def backward(ctx, g):
            if keep_graph:
                ctx.out.backward(g)
                return ctx.leaf.grad
            (x_in,) = ctx.inputs
            x = x_in if same_input else Tensor(x_in.data, requires_grad=not no_leaf)
            with enable_grad():
                if no_replay:
                    out = ctx.segment(x)
                elif rewind:
                    rng.default_rng().bit_generator.state = ctx.randomness  # rewinds for good
                    out = ctx.segment(x)
                else:
                    with rng.replaying(ctx.randomness):
                        out = ctx.segment(x)
            out.backward(np.ones_like(g) if ones else g)
            return x.grad
    return Wrong


WRONG = [
    ("8.1", _dual(half_product=True), "both terms"),
    ("8.1", _dual(no_radd=True), "__radd__"),
    ("8.1", _dual(tanh_untimed=True), "multiplies by it"),
    ("8.1", _dual(math_tanh=True), "not math.tanh or math.exp"),
    ("8.1", _dual(power_kept=True), "the power drops by one"),
    ("8.1", _dual(cos_plus=True), "cos' = -sin"),
    ("8.1", _dual(no_rsub=True), "__rsub__: define them"),
    ("8.1", _dual(rsub_backwards=True), "not x - 1"),
    ("8.1", _dual(exp_unchained=True), "which is 2 here"),
    ("8.1", _dual(pow_untimed=True), "which is 2 here"),
    ("8.1", _dual(math_exp=True), "not math.tanh or math.exp"),
    ("8.1", _dual(mutating_add=True), "changed its operand"),
    ("8.2", _nth(off_by_one=True), "not n + 1"),
    ("8.2", _nth(constant_breaks=True), "its derivative is 0"),
    ("8.3", _softmax_jvp(diagonal=True), "keeps only the diagonal"),
    ("8.3", _softmax_jvp(whole_sum=True), "per row"),
    ("8.3", _softmax_jvp(unshifted=True), "overflowed"),
    ("8.3", _softmax_jvp(in_place=True), "in place"),
    ("8.5", _hvp(keep_grad=True), "set x.grad = None"),
    ("8.5", _hvp(grad_times_v=True), "the gradient times v"),
    ("8.5", _hvp(no_create_graph=True), "create_graph=True"),
    ("8.6", _newton(uphill=True), "went uphill"),
    ("8.6", _newton(multiply=True), "not dividing by H"),
    ("8.6", _newton(in_place=True), "changed its argument x in place"),
    ("8.6", _newton(as_list=True), "return a NumPy array"),
    ("8.6", _newton(own_hessian=True), "build H from it"),
    ("8.6", _newton(invert=True), "np.linalg.solve(H, g) instead"),
    ("8.6", _newton(diagonal=True), "a fresh one for each column"),
    ("8.4", _jacobian(transposed=True), "one row per output"),
    ("8.4", _jacobian(forward_as_rows=True), "basis vector of the *input*"),
    ("8.4", _jacobian(swapped=True), "from JVPs (minigrad.jvp)"),
    ("8.4", _jacobian(tensor=True), "return a NumPy array"),
    ("8.7", _recompute(no_replay=True), "rng.replaying"),
    ("8.7", _recompute(same_input=True), "twice what it should be"),
    ("8.7", _recompute(no_leaf=True), "requires_grad=True"),
    ("8.7", _recompute(keep_graph=True), "runs it twice"),
    ("8.7", _recompute(recording_forward=True), "while recording"),
    ("8.7", _recompute(rewind=True), "rather than setting its state"),
    ("8.7", _recompute(ones=True), "with the g it received"),
]
