"""Checks for the exercises of Chapter 9: the learner writes the causal mask, attention as
a Function with its backward, layer normalisation's backward, the embedding's scatter-add,
a transformer block and the sampling loop; the chapter's transformer runs on them."""

import math

import numpy as np

from minigrad import nn
from minigrad.autograd import Function
from minigrad.backend import asnumpy, get_array_module, unwrap
from minigrad.exercises.core import CheckFailed, exercise, expect, expect_array
from minigrad.functional import gelu, layer_norm, scaled_dot_product_attention
from minigrad.gpt import sample_tokens
from minigrad.gradcheck import GradcheckError, gradcheck
from minigrad.ops import transformer
from minigrad.tensor import Tensor

# -- reference solutions -----------------------------------------------------------------


def causal_mask(length):
    """(length, length) booleans, True where position i may look at position j (j <= i)."""
    return np.tril(np.ones((length, length), dtype=bool))


class Attention(Function):
    """f = P v with P = softmax(q kᵀ/√d (+ causal mask));  gv = Pᵀ g,  gP = g vᵀ,
    gS = P ⊙ (gP - Σ_j gP ⊙ P),  gq = gS k/√d,  gk = gSᵀ q/√d."""

    @staticmethod
    def forward(ctx, q, k, v, causal=False):  # the package's fused attention, causal or not
        xp = get_array_module(q)
        mask = xp.tri(q.shape[-2], k.shape[-2], dtype=bool) if causal else None
        return transformer.Attention.forward(ctx, q, k, v, mask=mask,
                                             scale=1 / math.sqrt(q.shape[-1]))

    backward = transformer.Attention.backward


class LayerNormFunction(Function):
    """f = x̂ w + b over the last axis, x̂ = (x - μ)/σ;  gx = (gx̂ - mean(gx̂) - x̂ mean(gx̂ x̂))/σ
    with gx̂ = g w,  gw = Σ g x̂,  gb = Σ g (over the leading axes)."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps=1e-5):  # the package's, over the last axis
        return transformer.LayerNorm.forward(ctx, x, weight, bias, n_axes=1, eps=eps)

    backward = transformer.LayerNorm.backward  # gw and gb unsummed: the engine sums them


class EmbeddingFunction(Function):
    """f = weight[indices];  gweight = zeros with each row of g added to its index's row
    (np.add.at: a repeated index gets the sum)."""

    @staticmethod
    def forward(ctx, weight, indices):
        ctx.shape, ctx.indices = weight.shape, indices
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        grad = np.zeros(ctx.shape, dtype=g.dtype)
        np.add.at(grad, ctx.indices, g)
        return grad, None


class Block(nn.Module):
    """A pre-norm transformer block: x + attention(norm(x)), then x + MLP(norm(x))."""

    def __init__(self, dim, heads, attention=None, dtype=np.float64):  # as in the chapter
        self.heads, self.attention = heads, attention or Attention
        self.ln1, self.ln2 = nn.LayerNorm(dim, dtype=dtype), nn.LayerNorm(dim, dtype=dtype)
        self.qkv = nn.Linear(dim, 3 * dim, dtype=dtype)
        self.proj = nn.Linear(dim, dim, dtype=dtype)
        self.fc1 = nn.Linear(dim, 4 * dim, dtype=dtype)
        self.fc2 = nn.Linear(4 * dim, dim, dtype=dtype)

    def split_heads(self, t):
        """(N, T, E) → (N, heads, T, E/heads)."""
        n, length, dim = t.shape
        return t.reshape(n, length, self.heads, dim // self.heads).transpose(0, 2, 1, 3)

    def merge_heads(self, t):
        """(N, heads, T, E/heads) → (N, T, E)."""
        n, heads, length, d = t.shape
        return t.transpose(0, 2, 1, 3).reshape(n, length, heads * d)

    def forward(self, x):
        q, k, v = self.qkv(self.ln1(x)).split(3, axis=-1)
        a = self.attention.apply(self.split_heads(q), self.split_heads(k), self.split_heads(v),
                                 causal=True)
        x = x + self.proj(self.merge_heads(a))
        return x + self.fc2(gelu(self.fc1(self.ln2(x)), approximate="tanh"))


generate = sample_tokens  # the package's sampling loop, minigrad.gpt.generate without eval()


# -- checks --------------------------------------------------------------------------------

_rng = np.random.default_rng(9)


def _on_the_cpu(checker):
    """Run a check with the CPU as the default device (the chapter runs on NumPy)."""
    import functools

    from minigrad import backend

    @functools.wraps(checker)
    def run(fn):
        previous = backend.default_device()
        backend.set_default_device("cpu")
        try:
            return checker(fn)
        finally:
            backend.set_default_device(previous)
    return run


@exercise("9.1", "the causal mask", causal_mask, lambda: (3,),
          hint="np.tril(np.ones((length, length), dtype=bool)): row i is True up to column i.")
@_on_the_cpu
def check_causal_mask(fn):
    got = np.asarray(asnumpy(unwrap(fn(4))))
    want = causal_mask(4)
    expect(got.dtype == bool, f"return booleans (True: may attend), got dtype {got.dtype}.")
    expect(got.shape == (4, 4), f"causal_mask(4) should have shape (4, 4), got {got.shape}.")
    if np.array_equal(got, want.T):
        raise CheckFailed("your mask lets position i see the positions *after* it (the upper "
                          "triangle): row i (the query) must be True for columns j <= i.")
    if np.array_equal(got, np.tril(np.ones((4, 4), bool), -1)):
        raise CheckFailed("your mask hides the diagonal: a position may look at itself "
                          "(j <= i, not j < i); the first position would see nothing.")
    expect_array(got, want, "causal_mask(4)", hint="row i is True for columns 0 … i.")


def _attention_inputs(shape=(2, 3, 5, 4)):
    return [_rng.standard_normal(shape) for _ in range(3)]


@exercise("9.2", "attention and its backward", Attention, lambda: (),
          where="minigrad.ops.transformer.scaled_dot_product_attention",
          hint="forward: S = q kᵀ/√d, masked, P = softmax(S) by rows, out = P v; save q, k, v, "
               "P. backward: gv = Pᵀ g; gP = g vᵀ; gS = P ⊙ (gP - Σ_j gP ⊙ P); gq = gS k/√d; "
               "gk = gSᵀ q/√d.")
@_on_the_cpu
def check_attention(cls):
    q, k, v = _attention_inputs()
    tensors = [Tensor(a) for a in (q, k, v)]
    for causal in (False, True):
        got = cls.apply(*tensors, causal=causal)
        expect(all(np.array_equal(asnumpy(t.data), a) for t, a in zip(tensors, (q, k, v))),
               "attention changed its inputs q, k or v in place (q /= ... or q -= ...): the "
               "caller's tensors changed. Compute new arrays instead.")
        want = scaled_dot_product_attention(q, k, v, is_causal=causal).numpy()
        if not causal:
            got_array = asnumpy(unwrap(got))
            for scale, words in ((1.0, "not scaled"), (1 / q.shape[-1], "scaled by 1/d")):
                wrong = scaled_dot_product_attention(q, k, v, scale=scale).numpy()
                if np.allclose(got_array, wrong):
                    raise CheckFailed(f"the scores are {words}: divide q kᵀ by √d (d = the "
                                      "last axis of q), or the softmax saturates as d grows.")
        expect_array(got, want, f"attention of (2, 3, 5, 4) inputs, causal={causal}",
                     hint="softmax over the *last* axis (each query's row of scores), with "
                          "the causal mask applied before the softmax (scores of hidden "
                          "positions set to -inf).")
    big = [a * 30 for a in (q, k, v)]
    with np.errstate(all="ignore"):
        got = asnumpy(unwrap(cls.apply(*(Tensor(a) for a in big))))
    expect(np.all(np.isfinite(got)), "with large scores (inputs 30 times larger) the output "
           "has nan or inf: exp overflowed.\nHint: subtract each row's maximum before exp.")
    small = [a.astype(np.float32) for a in (q, k, v)]
    got = cls.apply(*(Tensor(a) for a in small))
    expect(got.dtype == np.float32, f"float32 inputs gave a {got.dtype} output: keep the "
           "inputs' dtype (a float64 constant, e.g. np.float64(...) or an np.ones mask of "
           "floats, promotes the whole model).")
    for causal in (False, True):
        try:
            gradcheck(lambda a, b, c: cls.apply(a, b, c, causal=causal), q, k, v)
        except GradcheckError as error:
            raise CheckFailed(f"causal={causal}: {error}\nHint: the softmax's VJP by rows: "
                              "gS = P ⊙ (gP - (gP ⊙ P).sum(axis=-1, keepdims=True)); gq and gk "
                              "both carry the 1/√d of the forward pass.") from None


@exercise("9.3", "layer normalisation's backward", LayerNormFunction, lambda: (),
          where="minigrad.ops.transformer.LayerNorm",
          hint="gx̂ = g w; gx = (gx̂ - mean(gx̂) - x̂ mean(gx̂ x̂)) / σ, means over the last axis; "
               "gw = Σ g x̂ and gb = Σ g over the leading axes.")
@_on_the_cpu
def check_layer_norm(cls):
    x = _rng.standard_normal((3, 4, 6)) * 3 + 1
    w, b = _rng.standard_normal(6), _rng.standard_normal(6)
    xs = Tensor(x)
    got = cls.apply(xs, Tensor(w), Tensor(b))
    expect(np.array_equal(asnumpy(xs.data), x), "layer norm changed its input x in place "
           "(x -= ...): compute new arrays instead.")
    expect_array(got, layer_norm(x, 6, w, b).numpy(), "layer_norm of a (3, 4, 6) input",
                 hint="normalise each row (the last axis) by its own mean and biased "
                      "variance: x̂ = (x - μ) / √(σ² + eps).")
    got = cls.apply(Tensor(x[:1, :1]), Tensor(w), Tensor(b), eps=1.0)
    expect_array(got, layer_norm(x[:1, :1], 6, w, b, eps=1.0).numpy(),
                 "layer_norm with eps=1.0",
                 hint="use the eps argument, inside the square root: √(σ² + eps).")
    try:
        gradcheck(lambda a, c, d: cls.apply(a, c, d), x, w, b)
    except GradcheckError as error:
        message = str(error)
        hint = ("μ and σ depend on every x of the row, so gx has two correction terms: "
                "(gx̂ - mean(gx̂) - x̂ mean(gx̂ x̂)) / σ with gx̂ = g w (not g alone).")
        if "input 1" in message or "input 2" in message:
            hint = "gw = Σ g x̂ and gb = Σ g, summed over every axis but the last."
        raise CheckFailed(f"{message}\nHint: {hint}") from None


@exercise("9.4", "the embedding's scatter-add", EmbeddingFunction, lambda: (),
          where="minigrad.functional.embedding",
          hint="forward: weight[indices]; backward: grad = zeros like weight, then "
               "np.add.at(grad, indices, g) (grad[indices] += g keeps only one of the repeated "
               "rows); return grad, None.")
@_on_the_cpu
def check_embedding(cls):
    weight = _rng.standard_normal((6, 3))
    indices = np.array([[1, 4, 1], [5, 1, 0]])
    w = Tensor(weight.copy(), requires_grad=True)
    out = cls.apply(w, indices)
    expect_array(out, weight[indices], "the rows picked by [[1, 4, 1], [5, 1, 0]]",
                 hint="weight[indices]: one row of the table per index, shape indices.shape + "
                      "(dim,).")
    g = _rng.standard_normal((2, 3, 3))
    try:
        out.backward(Tensor(g))
    except RuntimeError as error:
        if "gradient(s) for 2 input(s)" not in str(error):
            raise
        raise CheckFailed(f"{error}\nHint: return (grad, None): one entry per input of "
                          "forward, None for the indices, which have no gradient.") from None
    want = np.zeros_like(weight)
    np.add.at(want, indices, g)
    expect(np.array_equal(asnumpy(w.data), weight), "backward changed the table's weights: "
           "make the gradient a new array (np.zeros(ctx.shape)), never the weight itself.")
    got = np.asarray(asnumpy(unwrap(w.grad)))
    once = np.zeros_like(weight)
    once[indices] += g
    if np.allclose(got, once):
        raise CheckFailed("token 1 appears three times, but its row got only one of the three "
                          "gradients: grad[indices] += g writes each repeated row once.\n"
                          "Hint: np.add.at(grad, indices, g) adds them all.")
    expect_array(got, want, "the table's gradient (token 1 is used three times)",
                 hint="every use of a row adds its gradient into that row; unused rows get 0.")


def _block_pair(cls):
    from minigrad.rng import manual_seed

    manual_seed(3)
    reference = Block(8, 2)
    manual_seed(3)
    theirs = cls(8, 2)
    r = np.random.default_rng(4)
    for norm in ("ln1", "ln2"):  # different norms, so that using the wrong one shows
        for name in ("weight", "bias"):
            values = r.standard_normal(8)
            for block in (reference, theirs):
                getattr(getattr(block, norm), name).data[...] = values
    return reference, theirs


@exercise("9.5", "a transformer block", Block, lambda: (),
          hint="h = ln1(x); q, k, v = qkv(h).split(3, axis=-1); a = attention of the split "
               "heads, causal; x = x + proj(merge(a)); then x + fc2(gelu(fc1(ln2(x)))).")
@_on_the_cpu
def check_block(cls):
    reference, theirs = _block_pair(cls)
    x = _rng.standard_normal((2, 5, 8))
    got = theirs(Tensor(x))
    want = reference(Tensor(x)).numpy()
    got_array = np.asarray(asnumpy(unwrap(got)), dtype=np.float64)
    expect(got_array.shape == want.shape, f"the block should keep the shape (2, 5, 8), got "
           f"{got_array.shape}.")
    xs = Tensor(x, requires_grad=True)
    theirs(xs)[0, 1].sum().backward()
    leak = np.abs(asnumpy(xs.grad)[0, 2:]).max()
    if leak > 0:
        raise CheckFailed("position 1's output depends on positions 2 … 4: the block looks "
                          "into the future.\nHint: call the attention with causal=True, and "
                          "bring the heads back with merge_heads (a plain reshape of (N, heads, "
                          "T, E/heads) mixes positions).")
    exact = Block(8, 2)
    exact.__dict__.update(reference.__dict__)
    exact.forward = lambda x: _block_with_exact_gelu(reference, x)
    if np.allclose(got_array, exact(Tensor(x)).numpy(), atol=1e-12):
        raise CheckFailed("your block uses the exact GELU: the chapter's block uses its tanh "
                          "approximation, F.gelu(..., approximate=\"tanh\").")
    expect_array(got_array, want, "the block's output (same weights as the chapter's block)",
                 hint="pre-norm: normalise *before* attention and before the MLP, and add "
                      "each result to x (the residual), in that order.")


def _block_with_exact_gelu(block, x):
    q, k, v = block.qkv(block.ln1(x)).split(3, axis=-1)
    a = block.attention.apply(block.split_heads(q), block.split_heads(k),
                              block.split_heads(v), causal=True)
    x = x + block.proj(block.merge_heads(a))
    return x + block.fc2(gelu(block.fc1(block.ln2(x))))


class _ScriptedModel:
    """A stand-in for a GPT: at each position, scores that prefer (its token + 1) mod 5;
    it records the context lengths it was given."""

    block_size = 4

    def __init__(self):
        self.lengths = []

    def __call__(self, context):
        context = np.asarray(context)
        self.lengths.append(context.shape[1])
        scores = np.zeros((1, context.shape[1], 5))
        positions = np.arange(context.shape[1])
        scores[0, positions, (context[0] + 1) % 5] = 3.0  # each position predicts its + 1
        return Tensor(scores)


@exercise("9.6", "the sampling loop", generate,
          lambda: (_ScriptedModel(), [0], 2, 0.0, np.random.default_rng(0)),
          where="minigrad.gpt.generate",
          hint="repeat: context = the last block_size tokens; scores = model(context)[0, -1]; "
               "temperature 0: argmax; else p = softmax(scores / temperature), sample with "
               "rng.choice(len(p), p=p); append.")
@_on_the_cpu
def check_generate(fn):
    model = _ScriptedModel()
    prompt = [0, 1]
    got = fn(model, prompt, 6, 0.0, np.random.default_rng(0))
    expect(prompt == [0, 1], "generate changed the caller's prompt list: start from a copy, "
           "tokens = list(prompt).")
    expect(isinstance(got, list) and len(got) == 8, f"generate([0, 1], 6 new tokens) should "
           f"return the 8 tokens as a list, got {got!r}.")
    expect([int(t) for t in got] == [0, 1, 2, 3, 4, 0, 1, 2],
           f"with temperature 0 each new token is the most likely one: expected "
           f"[0, 1, 2, 3, 4, 0, 1, 2], got {got}.\nHint: the scores of the *last* position, "
           "model(context)[0, -1], predict the next token.")
    expect(max(model.lengths) <= model.block_size, f"the model was given a context of "
           f"{max(model.lengths)} tokens; its block size is {model.block_size}.\nHint: "
           "crop to the last block_size tokens: tokens[-model.block_size:].")
    expect(max(model.lengths) == model.block_size, f"the longest context was "
           f"{max(model.lengths)} tokens, one short of the block size {model.block_size}: "
           "give the model the last block_size tokens, tokens[-model.block_size:].")
    first = fn(_ScriptedModel(), [0], 30, 1.0, np.random.default_rng(5))
    again = fn(_ScriptedModel(), [0], 30, 1.0, np.random.default_rng(5))
    expect(first == again, "the same rng seed gave two different samples: draw with the rng "
           "you are given (rng.choice), not np.random.")
    other = fn(_ScriptedModel(), [0], 30, 1.0, np.random.default_rng(7))
    expect(first != other, "two different rngs gave the same samples: draw with the rng you "
           "are given, not a generator made inside generate.")
    steps = np.diff([int(t) for t in first]) % 5
    likely = np.mean(steps == 1)  # p(+1) = e³ / (e³ + 4) ≈ 0.83 at temperature 1
    expect(0.6 < likely < 0.98, f"at temperature 1 the likely token (p ≈ 0.83) came "
           f"{likely:.0%} of the time.\nHint: sample from softmax(scores / temperature), not "
           "from the scores themselves or always the argmax.")
    hot = fn(_ScriptedModel(), [0], 200, 50.0, np.random.default_rng(6))
    expect(np.mean(np.diff(hot) % 5 == 1) < 0.4, "at temperature 50 the samples should be "
           "nearly uniform.\nHint: divide the scores by the temperature before the softmax.")
