"""Chapter 9: a small decoder-only transformer (GPT), and training it on characters.

A :class:`GPT` embeds each token and its position, runs :class:`Block` after block
(pre-norm: ``x + attention(norm(x))``, then ``x + mlp(norm(x))``, causal attention so that
position i sees positions ≤ i only), normalises, and maps each position to scores over
the vocabulary: the scores at position i predict token i + 1. :func:`generate` samples a
continuation one token at a time. :class:`CharacterCorpus` turns any text into training
sequences, and :func:`train_characters` trains a model on it with AdamW, a warm-up and
cosine schedule and gradient clipping.
"""

import numpy as np

from minigrad import functional as F
from minigrad import nn, optim
from minigrad.autograd import no_grad
from minigrad.backend import asnumpy, unwrap
from minigrad.rng import default_rng


class Block(nn.Module):
    """x + attention(layer_norm(x)), then x + MLP(layer_norm(x)) (GELU, 4× wider)."""

    def __init__(self, dim, heads, dtype=np.float32):
        self.ln1 = nn.LayerNorm(dim, dtype=dtype)
        self.attn = nn.MultiheadAttention(dim, heads, dtype=dtype)
        self.ln2 = nn.LayerNorm(dim, dtype=dtype)
        self.fc1 = nn.Linear(dim, 4 * dim, dtype=dtype)
        self.fc2 = nn.Linear(4 * dim, dim, dtype=dtype)

    def forward(self, x):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, is_causal=True, need_weights=False)[0]
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    """Token and position embeddings, ``layers`` blocks, a final norm and a linear head;
    inputs (N, T) of token indices, T ≤ ``block_size``; outputs (N, T, vocab) scores."""

    def __init__(self, vocab_size, block_size, dim=64, heads=4, layers=2, dtype=np.float32):
        self.block_size = block_size
        self.token = nn.Embedding(vocab_size, dim, dtype=dtype)
        self.position = nn.Embedding(block_size, dim, dtype=dtype)
        for table in (self.token, self.position):
            table.weight.data[...] *= 0.02  # small start, as GPT-2
        self.blocks = [Block(dim, heads, dtype) for _ in range(layers)]
        self.ln = nn.LayerNorm(dim, dtype=dtype)
        self.head = nn.Linear(dim, vocab_size, dtype=dtype)

    def forward(self, idx):
        idx = np.asarray(asnumpy(unwrap(idx)))
        length = idx.shape[1]
        if length > self.block_size:
            raise ValueError(f"GPT: sequences of {length} tokens, but the block size is "
                             f"{self.block_size}")
        x = self.token(idx) + self.position(np.arange(length))
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln(x))


def parameter_groups(model, weight_decay=0.1):
    """AdamW's groups, minGPT's choice: decay the weight matrices of the linear and
    attention layers, not the biases, the norms' scales or the embedding tables."""
    tables = {id(model.token.weight), id(model.position.weight)}
    params = list(model.parameters())
    decayed = [p for p in params if p.ndim >= 2 and id(p) not in tables]
    kept = [p for p in params if p.ndim < 2 or id(p) in tables]
    return [{"params": decayed, "weight_decay": weight_decay},
            {"params": kept, "weight_decay": 0.0}]


def sample_tokens(model, prompt, new_tokens, temperature=1.0, rng=None):
    """``prompt`` (a list of token indices) continued by ``new_tokens`` sampled tokens:
    each from softmax(last scores / temperature) over the last ``model.block_size`` tokens;
    ``temperature=0`` takes the most likely token. The model is called as it is."""
    rng = np.random.default_rng() if rng is None else rng
    tokens = list(prompt)
    for _ in range(new_tokens):
        context = np.array([tokens[-model.block_size:]])
        scores = asnumpy(unwrap(model(context)))[0, -1].astype(np.float64)
        if temperature == 0:
            tokens.append(int(scores.argmax()))
            continue
        z = scores / temperature
        p = np.exp(z - z.max())
        tokens.append(int(rng.choice(len(p), p=p / p.sum())))
    return tokens


def generate(model, prompt, new_tokens, temperature=1.0, rng=None):
    """:func:`sample_tokens` in evaluation mode without recording, drawing from minigrad's
    generator unless ``rng`` is given."""
    model.eval()
    with no_grad():
        tokens = sample_tokens(model, prompt, new_tokens, temperature,
                               default_rng() if rng is None else rng)
    model.train()
    return tokens


class CharacterCorpus:
    """A text as token indices, one per distinct character, and random windows of it."""

    def __init__(self, text):
        if len(text) < 2:
            raise ValueError("CharacterCorpus: the text needs at least two characters")
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}
        self.data = np.array([self.index[c] for c in text])

    @property
    def vocab_size(self):
        return len(self.chars)

    def encode(self, text):
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise ValueError(f"CharacterCorpus.encode: characters not in the corpus: {unknown}")
        return [self.index[c] for c in text]

    def decode(self, tokens):
        return "".join(self.chars[int(t)] for t in tokens)

    def batch(self, batch_size, length, rng):
        """Inputs (batch, length) and next-character targets: random windows of the text."""
        length = min(length, len(self.data) - 1)
        starts = rng.integers(0, len(self.data) - length, batch_size)
        rows = starts[:, None] + np.arange(length + 1)
        windows = self.data[rows]
        return windows[:, :-1], windows[:, 1:]


def train_characters(text, steps=300, block_size=32, batch_size=32, dim=64, heads=4,
                     layers=2, lr=3e-3, seed=0, log_every=0):
    """Train a :class:`GPT` on the characters of ``text``; return (model, corpus, losses)."""
    from minigrad.rng import manual_seed

    manual_seed(seed)
    rng = np.random.default_rng(seed)
    corpus = CharacterCorpus(text)
    block_size = min(block_size, len(corpus.data) - 1)
    model = GPT(corpus.vocab_size, block_size, dim, heads, layers)
    opt = optim.AdamW(parameter_groups(model), lr=lr)
    schedule = optim.LambdaLR(opt, optim.warmup_cosine(min(100, steps // 10), steps))
    losses = []
    for step in range(steps):
        x, y = corpus.batch(batch_size, block_size, rng)
        loss = F.cross_entropy(model(x).reshape(-1, corpus.vocab_size), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        schedule.step()
        losses.append(loss.item())
        if log_every and step % log_every == 0:
            print(f"step {step}: loss {losses[-1]:.3f}")
    return model, corpus, losses
