"""Run every benchmark and write ``results.json`` and ``results.md`` beside this file.

    python benchmarks/run.py            # the full suite (a few minutes)
    python benchmarks/run.py --quick    # a smoke run with few repetitions
    python benchmarks/run.py --book     # also time a clean build of the book

Each figure is the median of several repetitions, with the min and max; ratios
compare implementations measured side by side, in alternating blocks, in the same
run (see ``ratio``). The baselines: the same training step written by hand in NumPy,
and micrograd (pinned in requirements.txt) for the Chapter 1 scalar engine. PyTorch
and JAX (the step compiled with ``jax.jit``, on the CPU) join when they are
installed; PyTorch is limited to the same number of threads as NumPy's BLAS.
"""

import argparse
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import minigrad as mg  # noqa: E402
import minigrad.functional as F  # noqa: E402
from minigrad import backend, nn, optim  # noqa: E402
from numpy_conv import NumpyLeNet, conv_backward, conv_forward  # noqa: E402
from numpy_mlp import NumpyMLP  # noqa: E402

try:
    import torch
except ImportError:
    torch = None
try:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)  # float64 rows compute in float64 in JAX too
except ImportError:
    jax = None

THREADS = int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1))


def timed(fn, repeats, warmup=3):
    """Median, min and max seconds of ``fn()`` over ``repeats`` calls."""
    return timed_together({"fn": fn}, repeats, warmup, rounds=1)["fn"]


# OpenBLAS's idle threads spin for about 2**28 cycles (~0.1 s) after a matrix product
# before they sleep, and PyTorch's OpenMP threads and XLA's thread pool spin too: a block
# that starts while another library's threads still spin loses its cores to them (seen
# here: PyTorch's MNIST step took 1.2 ms alone but 5 ms at random right after a NumPy
# block; minigrad's moons step measured 1.00x jax.jit's time straight after JAX's
# blocks, 0.93-0.95x with a pause). Implementations named here have threads of their
# own; all others run on NumPy's (minigrad, the NumPy baselines, pure Python).
OWN_THREADS = ("pytorch", "jax")
SETTLE_S = 0.2
# A training step's block lasts at least this long, in each of 20 rounds: on the shared
# reference VM the speed jumps between two levels (the moons step takes 100 or 150-200
# µs for seconds at a time), and blocks of ten calls, 1 ms for the moons, caught one
# implementation in one state and the next in the other.
STEP_BLOCK_S = 0.05


def _threads(name):
    """Whose threads an implementation runs on: its own, or NumPy's."""
    return name if name in OWN_THREADS else "numpy"


def running_order(names, rounds):
    """The order of the blocks in each round. Implementations on NumPy's threads run
    back to back (a pause of ``SETTLE_S`` between two of them would let the machine
    change speed between the blocks a ratio compares: minigrad / NumPy at MNIST batch
    128 measured 0.69-1.85 round by round that way, 1.02-1.06 back to back). Each round
    starts with the next group, and the members of a group take turns to go first, so
    that no implementation always follows the same other one."""
    groups = {}
    for name in names:
        groups.setdefault(_threads(name), []).append(name)
    groups = list(groups.values())
    order = []
    for r in range(rounds):
        shifted = groups[r % len(groups):] + groups[:r % len(groups)]
        order.append([name for group in shifted
                      for name in group[r % len(group):] + group[:r % len(group)]])
    return order


def timed_together(fns, repeats, warmup=3, rounds=10, block_s=0.0):
    """Time several implementations in alternating blocks (``rounds`` blocks each, in
    ``running_order``), so that a slow spell of the machine hits them all alike while
    each block still runs warm (switching library at every call would make thread pools
    fight; a pause of ``SETTLE_S`` before a block whose threads differ from the last
    block's lets those go idle). A block makes ``repeats // rounds`` calls, and goes on
    until it has lasted ``block_s`` seconds: a block of ten 0.1 ms steps is over before
    a change in the machine's speed could even out. For each implementation: median,
    min and max seconds per call, and the median of each block (``rounds``), from
    which ``ratio`` works round by round."""
    times = {name: [] for name in fns}
    blocks = {name: [] for name in fns}
    calls = max(1, repeats // rounds)
    last_threads = None
    for names in running_order(list(fns), rounds):
        for name in names:
            fn, threads = fns[name], _threads(name)
            if last_threads not in (None, threads):
                time.sleep(SETTLE_S)
            last_threads = threads
            for _ in range(warmup):
                fn()
            block = []
            end = time.perf_counter() + block_s
            while len(block) < calls or time.perf_counter() < end:
                start = time.perf_counter()
                fn()
                block.append(time.perf_counter() - start)
            times[name] += block
            blocks[name].append(float(np.median(block)))
    return {name: {"median": float(np.median(t)), "min": float(min(t)), "max": float(max(t)),
                   "rounds": blocks[name]}
            for name, t in times.items()}


def ratio(row, a, b):
    """How many times longer ``a`` took than ``b``: the median, over the rounds, of
    the ratio of the two implementations' block medians in that round (a slow spell
    of the machine then moves both sides of a ratio, not one), or None."""
    if a not in row or b not in row:
        return None
    return float(np.median(np.divide(row[a]["rounds"], row[b]["rounds"])))


# -- training steps -------------------------------------------------------------------------

def _minigrad_sgd_step(model, X, y):
    """One step of cross-entropy and SGD (lr 0.01) of a minigrad model on (X, y)."""
    opt = optim.SGD(model.parameters(), lr=0.01)
    Xt = mg.tensor(X)

    def step():
        loss = F.cross_entropy(model(Xt), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def _torch_sgd_step(model, X, y):
    """The same step for a PyTorch model."""
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def step():
        loss = torch.nn.functional.cross_entropy(model(Xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def _minigrad_step(sizes, dtype, X, y, weights):
    layers = []
    for i, W in enumerate(weights):
        linear = nn.Linear(W.shape[1], W.shape[0], dtype=dtype)
        _assign(linear.weight, W)
        layers.append(linear)
        if i < len(weights) - 1:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    return _minigrad_sgd_step(model, X, y)


def _torch_step(sizes, dtype, X, y, weights):
    layers = []
    for i, W in enumerate(weights):
        linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=getattr(torch, np.dtype(dtype).name))
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.zero_()
        layers.append(linear)
        if i < len(weights) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    return _torch_sgd_step(model, X, y)


def _jax_step(sizes, dtype, X, y, weights):
    """The same step as one function compiled by ``jax.jit``: forward, loss, gradient
    and SGD update fused by XLA (the fastest a Python engine's step can hope to be)."""
    def loss(params, X, y):
        h = X
        for i, (W, b) in enumerate(params):
            h = h @ W.T + b
            if i < len(params) - 1:
                h = jax.nn.relu(h)
        return -jnp.mean(jax.nn.log_softmax(h)[jnp.arange(h.shape[0]), y])

    @jax.jit
    def update(params, X, y):
        grads = jax.grad(loss)(params, X, y)
        return [(W - 0.01 * gW, b - 0.01 * gb) for (W, b), (gW, gb) in zip(params, grads)]

    state = {"params": [(jnp.asarray(W), jnp.zeros(W.shape[0], dtype)) for W in weights]}
    Xj, yj = jnp.asarray(X), jnp.asarray(y)

    def step():
        state["params"] = jax.block_until_ready(update(state["params"], Xj, yj))
    return step


def training_steps(repeats, rounds, block_s=0.0):
    rows = []
    cases = [("MNIST MLP 784-200-100-10", (784, 200, 100, 10), b) for b in (32, 128, 1024)]
    cases.append(("moons MLP 2-16-16-2", (2, 16, 16, 2), 200))
    for name, sizes, batch in cases:
        for dtype in (np.float32, np.float64):
            rng = np.random.default_rng(0)
            X = rng.standard_normal((batch, sizes[0])).astype(dtype)
            y = rng.integers(0, sizes[-1], batch)
            reference = NumpyMLP(sizes, dtype, rng)
            weights = [W.copy() for W in reference.weights]
            fns = {"numpy": lambda: reference.step(X, y, 0.01),
                   "minigrad": _minigrad_step(sizes, dtype, X, y, weights)}
            if torch is not None:
                fns["pytorch"] = _torch_step(sizes, dtype, X, y, weights)
            if jax is not None:
                fns["jax"] = _jax_step(sizes, dtype, X, y, weights)
            rows.append({"benchmark": f"{name}, batch {batch}", "dtype": np.dtype(dtype).name,
                         **timed_together(fns, repeats, rounds=rounds, block_s=block_s)})
    return rows


# -- convolutions (Chapter 7) -------------------------------------------------------------------

LENET_SHAPES = [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120), (84,),
                (10, 84), (10,)]


def _lenet_params(rng):
    return [(rng.standard_normal(shape) * (0.1 if len(shape) > 1 else 0.01)).astype(np.float32)
            for shape in LENET_SHAPES]


def _assign(parameter, array):
    """Host values into a minigrad parameter, on its device."""
    parameter.data[...] = backend.to_device(array.astype(parameter.dtype), parameter.device)


def _copy_into(parameters, arrays, assign):
    for p, a in zip(parameters, arrays):
        assert tuple(p.shape) == a.shape, (p.shape, a.shape)
        assign(p, a)


def _minigrad_lenet(params, X, y):
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                          nn.Linear(84, 10))
    _copy_into(model.parameters(), params, _assign)
    step = _minigrad_sgd_step(model, X, y)
    step.model = model  # for the test that compares it with the NumPy baseline
    return step


def _torch_lenet(params, X, y):
    tnn = torch.nn
    model = tnn.Sequential(tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
                           tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(),
                           tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84), tnn.ReLU(),
                           tnn.Linear(84, 10))
    with torch.no_grad():
        _copy_into(list(model.parameters()), params, lambda p, a: p.copy_(torch.from_numpy(a)))
    return _torch_sgd_step(model, X, y)


def convolutions(repeats, rounds):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 32, 32, 32)).astype(np.float32)
    w = (rng.standard_normal((64, 32, 3, 3)) * 0.05).astype(np.float32)
    b = np.zeros(64, np.float32)
    g = rng.standard_normal((32, 64, 32, 32)).astype(np.float32)

    def by_hand():
        out, cache = conv_forward(x, w, b, 1)
        conv_backward(g, w, cache)

    xm = mg.tensor(x, requires_grad=True)
    wm, bm, gm = mg.tensor(w, requires_grad=True), mg.tensor(b, requires_grad=True), mg.tensor(g)

    def with_minigrad():
        xm.grad = wm.grad = bm.grad = None
        F.conv2d(xm, wm, bm, padding=1).backward(gm)

    fns = {"numpy": by_hand, "minigrad": with_minigrad}
    if torch is not None:
        xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        gt = torch.from_numpy(g)

        def with_torch():
            xt.grad = wt.grad = bt.grad = None
            torch.nn.functional.conv2d(xt, wt, bt, padding=1).backward(gt)
        fns["pytorch"] = with_torch
    conv_reps = max(rounds, repeats // 4)
    rows = [{"benchmark": "conv layer 32→64 channels, 3×3, 32×32, batch 32, forward + backward",
             "dtype": "float32", **timed_together(fns, conv_reps, rounds=rounds)}]

    params = _lenet_params(rng)
    X = rng.random((64, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, 64)
    reference = NumpyLeNet(params)
    fns = {"numpy": lambda: reference.step(X, y, 0.01), "minigrad": _minigrad_lenet(params, X, y)}
    if torch is not None:
        fns["pytorch"] = _torch_lenet(params, X, y)
    rows.append({"benchmark": "LeNet-5 training step, batch 64", "dtype": "float32",
                 **timed_together(fns, conv_reps, rounds=rounds)})
    return rows


# -- a small transformer (Chapter 9) ------------------------------------------------------

GPT_SHAPE = dict(vocab_size=11, block_size=16, dim=64, heads=4, layers=2)


def _torch_gpt(ours):
    """PyTorch's copy of a minigrad.gpt.GPT: the same modules under the same names, the
    same weights."""
    tnn = torch.nn

    class Block(tnn.Module):
        def __init__(self, dim, heads):
            super().__init__()
            self.ln1, self.ln2 = tnn.LayerNorm(dim), tnn.LayerNorm(dim)
            self.attn = tnn.MultiheadAttention(dim, heads, batch_first=True)
            self.fc1, self.fc2 = tnn.Linear(dim, 4 * dim), tnn.Linear(4 * dim, dim)

        def forward(self, x):
            h = self.ln1(x)
            mask = tnn.Transformer.generate_square_subsequent_mask(x.shape[1])
            x = x + self.attn(h, h, h, attn_mask=mask, is_causal=True, need_weights=False)[0]
            return x + self.fc2(tnn.functional.gelu(self.fc1(self.ln2(x)), approximate="tanh"))

    class GPT(tnn.Module):
        def __init__(self, vocab_size, block_size, dim, heads, layers):
            super().__init__()
            self.token, self.position = tnn.Embedding(vocab_size, dim), tnn.Embedding(block_size, dim)
            self.blocks = tnn.ModuleList(Block(dim, heads) for _ in range(layers))
            self.ln, self.head = tnn.LayerNorm(dim), tnn.Linear(dim, vocab_size)

        def forward(self, idx):
            x = self.token(idx) + self.position(torch.arange(idx.shape[1]))
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln(x))

    model = GPT(**GPT_SHAPE)
    theirs = dict(model.named_parameters())
    with torch.no_grad():
        for name, p in ours.named_parameters():
            theirs[name].copy_(torch.from_numpy(p.numpy()))
    return model


def transformer(repeats, rounds):
    """A training step of Chapter 9's GPT (2 blocks, width 64, 4 heads) on 32 sequences
    of 16 tokens: forward, cross-entropy over every position, backward, SGD."""
    from minigrad.gpt import GPT

    rng = np.random.default_rng(0)
    mg.manual_seed(0)
    ours = GPT(**GPT_SHAPE)
    X = rng.integers(0, GPT_SHAPE["vocab_size"], (32, GPT_SHAPE["block_size"]))
    y = rng.integers(0, GPT_SHAPE["vocab_size"], X.shape)
    opt = optim.SGD(ours.parameters(), lr=0.01)

    def with_minigrad():
        loss = F.cross_entropy(ours(X).reshape(-1, GPT_SHAPE["vocab_size"]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()

    fns = {"minigrad": with_minigrad}
    if torch is not None:
        theirs = _torch_gpt(ours)
        topt = torch.optim.SGD(theirs.parameters(), lr=0.01)
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

        def with_torch():
            loss = torch.nn.functional.cross_entropy(
                theirs(Xt).reshape(-1, GPT_SHAPE["vocab_size"]), yt.reshape(-1))
            topt.zero_grad()
            loss.backward()
            topt.step()
        fns["pytorch"] = with_torch
    return [{"benchmark": "GPT 2 blocks × 64 wide, 4 heads, batch 32 × 16 tokens, training step",
             "dtype": "float32", **timed_together(fns, max(rounds, repeats // 2), rounds=rounds)}]


# -- the scalar engine ---------------------------------------------------------------------------

def scalar_engine(repeats, rounds):
    from micrograd.engine import Value as MicrogradValue
    from micrograd.nn import MLP as MicrogradMLP

    X, y = mg.data.make_moons(100, noise=0.1, random_state=1)
    labels = [2 * int(t) - 1 for t in y]
    mg.manual_seed(0)
    model = mg.MLP(2, [16, 16, 1])
    theirs = MicrogradMLP(2, [16, 16, 1])
    for mine, their in zip(model.parameters(), theirs.parameters()):
        their.data = mine.data

    def step(net, make):
        scores = [net([make(float(a)), make(float(b))]) for a, b in X]
        loss = sum(((1 + -yi * s).relu() for yi, s in zip(labels, scores)), make(0.0)) * (1 / len(labels))
        for p in net.parameters():
            p.grad = 0.0
        loss.backward()
        for p in net.parameters():
            p.data -= 0.01 * p.grad

    # the garbage collector stays on, as when a learner runs the chapter
    rows = [{"benchmark": "Chapter 1 scalar MLP 2-16-16-1, one step on 100 points",
             "dtype": "python float",
             **timed_together({"micrograd": lambda: step(theirs, MicrogradValue),
                               "minigrad": lambda: step(model, mg.Value)},
                              max(rounds, repeats // 5), warmup=1, rounds=rounds)}]

    chains = []

    def build():
        y = mg.Value(0.5)
        for _ in range(100_000):
            y = y * 1.0
        chains.append(y)

    def backward():
        chains.pop().backward()

    rows.append({"benchmark": "Value: build a chain of 100 000 products (200 001 nodes)",
                 "dtype": "python float", "minigrad": timed(build, 4, warmup=0)})
    rows.append({"benchmark": "Value: backward through that chain", "dtype": "python float",
                 "minigrad": timed(backward, 4, warmup=0)})
    return rows


# -- per-op overhead -------------------------------------------------------------------------------

def per_op(repeats, rounds):
    a = np.random.default_rng(0).standard_normal(16)
    t = mg.tensor(a, requires_grad=True)

    def with_minigrad():
        t.grad = None
        (t * t).sum().backward()

    def with_numpy():
        out = a * a
        out.sum()
        2 * a

    fns = {"numpy": with_numpy, "minigrad": with_minigrad}
    if torch is not None:
        tt = torch.tensor(a, requires_grad=True)

        def with_torch():
            tt.grad = None
            (tt * tt).sum().backward()
        fns["pytorch"] = with_torch
    return [{"benchmark": "one small op (x * x on 16 floats, sum), forward + backward",
             "dtype": "float64", **timed_together(fns, repeats * 20, rounds=rounds)}]


# -- memory ----------------------------------------------------------------------------------------------

def memory(steps):
    """Traced memory over ``steps`` MNIST training steps; flat once caches are warm."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((128, 784)).astype(np.float32)
    y = rng.integers(0, 10, 128)
    step = _minigrad_step((784, 200, 100, 10), np.float32, X, y,
                          [W.copy() for W in NumpyMLP((784, 200, 100, 10), np.float32, rng).weights])
    for _ in range(20):
        step()
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    checkpoints = []
    for i in range(steps):
        step()
        if (i + 1) % (steps // 4) == 0:
            checkpoints.append(tracemalloc.get_traced_memory()[0] - base)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {"steps": steps, "growth_bytes_at_quarters": checkpoints, "peak_bytes_above_start": peak,
            "growth_bytes_over_second_half": checkpoints[-1] - checkpoints[1]}


# -- the book --------------------------------------------------------------------------------------------

def book_build():
    root = HERE.parent
    shutil.rmtree(root / "_build", ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(["bash", "scripts/book.sh"], cwd=root, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


# -- reporting ----------------------------------------------------------------------------------------------

# The course's speed targets, training steps in float32 as the chapters train (issue #20
# set the moons, MNIST batch 128 and Chapter 1 ones): what is measured, the row of the
# timings (the start of its name, its dtype), the implementation minigrad is divided
# by (None: minigrad's own median, in seconds), and the limit.
TARGETS = [
    ("MNIST step, batch 128: minigrad / NumPy", "MNIST MLP 784-200-100-10, batch 128", "float32",
     "numpy", 1.08),
    ("MNIST step, batch 128: minigrad / PyTorch", "MNIST MLP 784-200-100-10, batch 128",
     "float32", "pytorch", 1.0),
    ("MNIST step, batch 1024: minigrad / NumPy", "MNIST MLP 784-200-100-10, batch 1024",
     "float32", "numpy", 1.05),
    ("MNIST step, batch 1024: minigrad / PyTorch", "MNIST MLP 784-200-100-10, batch 1024",
     "float32", "pytorch", 1.0),
    ("moons step: minigrad / NumPy", "moons MLP", "float32", "numpy", 1.3),
    ("moons step: minigrad / JAX (jit)", "moons MLP", "float32", "jax", 1.0),
    ("moons step: minigrad / PyTorch", "moons MLP", "float32", "pytorch", 0.5),
    ("LeNet-5 step, batch 64: minigrad / NumPy", "LeNet-5 training step", "float32", "numpy", 1.2),
    ("LeNet-5 step, batch 64: minigrad / PyTorch", "LeNet-5 training step", "float32", "pytorch",
     1.5),
    ("GPT step (Chapter 9): minigrad / PyTorch", "GPT 2 blocks", "float32", "pytorch", 1.5),
    ("Chapter 1 MLP step: minigrad / micrograd", "Chapter 1 scalar MLP", "python float",
     "micrograd", 0.5),
    ("100 000-node chain backward (seconds)", "Value: backward through", "python float", None, 1.0),
]
BOOK_TARGET_MINUTES = 5.0


def targets(results):
    """Each target with what this run measured (None where a peer is missing) and
    whether the measurement is within the limit."""
    rows = []
    for name, benchmark, dtype, other, limit in TARGETS:
        row = next((r for r in results["timings"]
                    if r["benchmark"].startswith(benchmark) and r["dtype"] == dtype), None)
        if row is None:
            measured = None
        elif other is None:
            measured = row["minigrad"]["median"]
        else:
            measured = ratio(row, "minigrad", other)
        rows.append({"target": name, "measured": measured, "limit": limit,
                     "met": None if measured is None else measured <= limit})
    if results.get("book_build_seconds") is not None:
        minutes = results["book_build_seconds"] / 60
        rows.append({"target": "whole book from clean (minutes)", "measured": minutes,
                     "limit": BOOK_TARGET_MINUTES, "met": minutes <= BOOK_TARGET_MINUTES})
    return rows


def targets_markdown(rows):
    lines = ["| target | measured | limit | met |", "|---|---|---|---|"]
    for t in rows:
        measured = "–" if t["measured"] is None else f"{t['measured']:.2f}"
        met = "–" if t["met"] is None else ("yes" if t["met"] else "**no**")
        lines.append(f"| {t['target']} | {measured} | ≤ {t['limit']:g} | {met} |")
    return "\n".join(lines)


BASELINES = {"numpy": "NumPy by hand", "micrograd": "micrograd"}
PEERS = {"pytorch": "PyTorch", "jax": "JAX (jit)"}


def markdown(results):
    head = ["benchmark", "dtype", "minigrad", "baseline", *PEERS.values(), "minigrad / baseline",
            *(f"minigrad / {name}" for name in PEERS.values())]
    lines = [f"# Benchmark results\n",
             f"Machine: {results['machine']}. Medians of repeated runs (min–max in brackets), "
             "in milliseconds. Implementations are timed in alternating blocks, round after round "
             "(minigrad's and the baseline's back to back, PyTorch's and JAX's after a pause); "
             "a ratio is the median over the rounds of the ratio of the two block medians of "
             "each round. The baseline is the same step written by hand in NumPy, or "
             "micrograd for the scalar engine.\n",
             "## Targets\n", targets_markdown(results["targets"]) + "\n",
             "## All timings\n",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def cell(row, key):
        if key not in row:
            return "–"
        t = row[key]
        return f"{t['median'] * 1e3:.3f} ({t['min'] * 1e3:.3f}–{t['max'] * 1e3:.3f})"

    def times(row, other):
        r = ratio(row, "minigrad", other)
        return f"{r:.2f}" if r else "–"

    for row in results["timings"]:
        baseline = next((key for key in BASELINES if key in row), None)
        name = row["benchmark"] + (" (vs micrograd)" if baseline == "micrograd" else "")
        cells = [name, row["dtype"], cell(row, "minigrad"), cell(row, baseline),
                 *(cell(row, key) for key in PEERS), times(row, baseline),
                 *(times(row, key) for key in PEERS)]
        lines.append("| " + " | ".join(cells) + " |")
    mem = results["memory"]
    lines += ["", f"Memory over {mem['steps']} MNIST training steps (tracemalloc, bytes above the "
              f"start, which already held one step's gradients): at each quarter "
              f"{mem['growth_bytes_at_quarters']}, peak {mem['peak_bytes_above_start']}; growth "
              f"over the second half: {mem['growth_bytes_over_second_half']} bytes."]
    if results.get("book_build_seconds") is not None:
        lines.append(f"\nBuilding the whole book from clean: {results['book_build_seconds']:.0f} s.")
    return "\n".join(lines) + "\n"


def cpu_name():
    """The processor's model name where Linux tells it, else the architecture."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} ({platform.machine()})"
    except OSError:
        pass
    return platform.processor() or platform.machine()


def write(results, folder):
    results["targets"] = targets(results)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (folder / "results.md").write_text(markdown(results))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repetitions (a smoke test)")
    parser.add_argument("--book", action="store_true", help="also time a clean book build")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for results.json/.md")
    args = parser.parse_args(argv)
    repeats, rounds = (6, 2) if args.quick else (100, 10)
    step_rounds, block_s = (rounds, 0.0) if args.quick else (20, STEP_BLOCK_S)
    if torch is not None:
        torch.set_num_threads(THREADS)
    results = {
        "machine": f"{cpu_name()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}, NumPy {np.__version__}"
                   + (f", PyTorch {torch.__version__} ({THREADS} threads)" if torch else ", no PyTorch")
                   + (f", JAX {jax.__version__} (CPU)" if jax else ", no JAX"),
        "timings": training_steps(repeats, step_rounds, block_s) + convolutions(repeats, rounds)
                   + transformer(repeats, rounds) + scalar_engine(repeats, rounds)
                   + per_op(repeats, rounds),
        "memory": memory(100 if args.quick else 2000),
        "book_build_seconds": None,
    }
    write(results, args.out)
    if args.book:  # after the timings are written: the Performance page reads them
        results["book_build_seconds"] = book_build()
        write(results, args.out)
    print(markdown(results))
    return results


if __name__ == "__main__":
    main()
