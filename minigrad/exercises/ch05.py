"""Checks for the exercises of Chapter 5: the learner writes ``Module``, ``Linear``, the
optimizers, the data loader and the training loop, and the chapter trains on them.

The references are minigrad's own classes where their signature is the exercise's
(``nn.Module``, ``nn.Linear``, ``optim.SGD``, ``optim.Adam``), so each solution lives in
one place; the data loader and the two loop functions are written here.
"""

import math

import numpy as np

from minigrad import backend
from minigrad.autograd import is_grad_enabled, no_grad
from minigrad.exercises.core import CheckFailed, exercise, expect, expect_array, expect_close
from minigrad.nn import Linear, Module, Parameter
from minigrad.optim import SGD, Adam
from minigrad.rng import manual_seed
from minigrad.tensor import Tensor

# -- reference solutions that the package does not already hold ---------------------


class DataLoader:
    """Mini-batches ``(x, y)`` of two arrays, as tensors; every sample once per epoch.

    With ``shuffle`` each epoch visits the samples in a new order, drawn from the
    loader's own generator ``np.random.default_rng(seed)``; the last batch may be smaller.
    """

    def __init__(self, X, y, batch_size, shuffle=False, seed=None):
        self.X, self.y, self.batch_size, self.shuffle = X, y, batch_size, shuffle
        self.rng = np.random.default_rng(seed)

    def __len__(self):
        return math.ceil(len(self.X) / self.batch_size)

    def __iter__(self):
        n = len(self.X)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, n, self.batch_size):
            index = order[start:start + self.batch_size]
            yield Tensor(self.X[index]), Tensor(self.y[index])


def train_epoch(model, loader, optimizer):
    """One pass over the loader in training mode: forward, cross-entropy, zero_grad,
    backward, step. Returns the mean batch loss as a Python float."""
    from minigrad.functional import cross_entropy

    model.train()
    total = 0.0
    for x, y in loader:
        loss = cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader)


def evaluate(model, X, y, batch_size=1000):
    """(mean loss per sample, accuracy) of the model on arrays X, y, in evaluation mode
    and without recording graphs, batch_size rows at a time."""
    from minigrad.functional import cross_entropy

    model.eval()
    loss_sum, correct = 0.0, 0
    with no_grad():
        for start in range(0, len(X), batch_size):
            xb, yb = X[start:start + batch_size], y[start:start + batch_size]
            logits = model(Tensor(xb))
            loss_sum += cross_entropy(logits, yb, reduction="sum").item()
            correct += int((logits.numpy().argmax(axis=1) == yb).sum())
    return loss_sum / len(X), correct / len(X)


# -- 5.1 Module ----------------------------------------------------------------------------


def _on_device_of(parameter, values):
    """Host values as an array on ``parameter``'s device, ready for ``parameter.data[...] =``."""
    return backend.to_device(np.asarray(values, dtype=parameter.dtype), parameter.device)


def _module_tree(cls):
    """A model built on the learner's Module class: parameters in attributes, lists, a
    dict and a tuple, nested two levels, one shared, and a plain tensor that is not one."""

    class Leaf(cls):
        def __init__(self, n):
            super().__init__()
            self.weight = Parameter(np.arange(1.0, n + 1))
            self.bias = Parameter(np.zeros(1))

        def forward(self, x):
            return x * 2 + 1

    class Block(cls):
        def __init__(self):
            super().__init__()
            self.layers = [Leaf(2), Leaf(3)]
            self.extra = {"gain": Parameter(np.ones(1))}
            self.pair = (Parameter(np.ones(2)),)

    class Model(cls):
        def __init__(self):
            super().__init__()
            self.blocks = [Block(), Block()]
            self.head = Leaf(4)
            self.shared = self.head.weight
            self.constant = Tensor(np.ones(3))  # a plain tensor is not learned

        def forward(self, x, scale=1.0):
            return self.head(x) * scale

    model = Model()
    modules = [model, model.head]
    params = [model.head.weight, model.head.bias]
    for block in model.blocks:
        modules += [block, *block.layers]
        params += [block.extra["gain"], block.pair[0]]
        params += [p for leaf in block.layers for p in (leaf.weight, leaf.bias)]
    return model, modules, params


@exercise("5.1", "a Module that finds its parameters", Module, lambda: (),
          where="minigrad.nn.Module",
          hint="walk vars(self) with an explicit stack, going into lists, tuples, dicts and "
               "other Modules.")
def check_module(cls):
    model, modules, params = _module_tree(cls)
    out = model(np.ones(2), scale=3.0)
    expect_array(out, [9.0, 9.0], "model(x, scale=3.0), whose forward returns "
                 "head(x) * scale", hint="__call__(self, *args, **kwargs) returns "
                 "self.forward(*args, **kwargs).")
    expect(all(m.training is True for m in modules),
           "a new module should be in training mode: training = True (a class attribute "
           "or set in __init__).")
    got = model.parameters()
    expect(isinstance(got, list), f"parameters() should return a list, got {type(got).__name__}.")
    expect(all(isinstance(p, Parameter) for p in got),
           "parameters() returned something that is not a Parameter: a plain Tensor "
           "attribute (model.constant) is not learned. Return only Parameters.")
    expect(len(got) == len({id(p) for p in got}),
           "a parameter appears twice: model.shared is model.head.weight. An optimizer "
           "would then step it twice; remember what you have seen (by id) and list it once.")
    missing = len({id(p) for p in params} - {id(p) for p in got})
    expect(missing == 0,
           f"parameters() found {len(got)} of the model's {len(params)} parameters; "
           f"{missing} are missing.\nHint: look inside lists (model.blocks), tuples and "
           "dicts, and inside every Module you meet, at any depth.")
    model.eval()
    still_training = sum(m.training is not False for m in modules)
    expect(still_training == 0,
           f"after model.eval(), {still_training} of the {len(modules)} modules are still in "
           "training mode: set training on the module itself and every submodule, found by "
           "the same walk as the parameters (Dropout inside a list must switch off too).")
    model.train()
    expect(all(m.training is True for m in modules),
           "after model.train(), every module (submodules too) should be in training mode.")
    for p in params:
        p.grad = np.ones(p.shape)
    model.zero_grad()
    _expect_cleared(params)


def _expect_cleared(params):
    expect(all(p.grad is None or not np.any(p.grad) for p in params),
           "after zero_grad(), every parameter's grad should be None (or zero).")


# -- 5.2 Linear ----------------------------------------------------------------------------


@exercise("5.2", "a linear layer with Kaiming initialisation", Linear, lambda: (),
          where="minigrad.nn.Linear",
          hint="weight: Parameter of shape (out_features, in_features), uniform in ±sqrt(6 / "
               "in_features); forward: x @ self.weight.T + self.bias.")
def check_linear(cls):
    manual_seed(0)
    layer = cls(400, 300)
    weight, bias = getattr(layer, "weight", None), getattr(layer, "bias", None)
    expect(isinstance(weight, Parameter) and isinstance(bias, Parameter),
           "the layer needs self.weight and self.bias, both nn.Parameter (so parameters() "
           "finds them and they receive gradients).")
    expect(weight.shape == (300, 400),
           f"the weight should have shape (out_features, in_features) = (300, 400), got "
           f"{weight.shape}: PyTorch's convention, so that forward is x @ weight.T.")
    expect(weight.dtype == np.float32, f"the weight should be float32 (the default, as in "
           f"PyTorch), got {weight.dtype}.")
    expect_array(bias, np.zeros(300), "the bias", hint="biases start at zero.")
    bound = math.sqrt(6.0 / 400)
    largest = float(np.abs(weight.numpy()).max())
    expect(largest <= bound * (1 + 1e-6),
           f"weights reach {largest:.4f}, beyond the Kaiming bound sqrt(6 / in_features) = "
           f"{bound:.4f}.\nHint: a uniform draw on [-a, a] has variance a²/3; for variance "
           "2 / in_features, a = sqrt(6 / in_features).")
    expect(largest >= 0.97 * bound and abs(weight.numpy().std() - bound / math.sqrt(3))
           < 0.02 * bound / math.sqrt(3),
           f"the weights spread over ±{largest:.4f} with standard deviation "
           f"{weight.numpy().std():.4f}; Kaiming's uniform draw spreads over ±{bound:.4f} "
           f"with standard deviation {bound / math.sqrt(3):.4f}.\nHint: draw uniformly from "
           "[-sqrt(6 / in_features), +sqrt(6 / in_features)], not from ±sqrt(2 / in_features) "
           "(that is the variance, not the bound).")
    manual_seed(0)
    again = cls(400, 300)
    expect(np.array_equal(again.weight.numpy(), weight.numpy()),
           "two layers made after minigrad.manual_seed(0) have different weights.\nHint: draw "
           "from minigrad.rng.default_rng(), called each time you draw (manual_seed replaces "
           "the generator it returns), so runs repeat.")
    other = cls(400, 300)
    expect(not np.array_equal(other.weight.numpy(), weight.numpy()),
           "two layers made one after the other have the same weights: every layer would "
           "start identical.\nHint: draw from minigrad.rng.default_rng(), called when you "
           "draw, not from a generator you seeded yourself.")
    unbiased = cls(3, 2, bias=False)
    expect(getattr(unbiased, "bias", "missing") is None,
           "with bias=False the layer should have self.bias = None.")
    small = cls(3, 2)
    small.weight.data[...] = _on_device_of(small.weight, [[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]])
    small.bias.data[...] = _on_device_of(small.bias, [0.5, -0.5])
    x = np.arange(15.0, dtype=np.float32).reshape(5, 3)
    try:
        out = small(Tensor(x))
    except ValueError as error:
        raise CheckFailed(f"a (5, 3) input through Linear(3, 2) raised: {error}\nHint: the "
                          "weight is (out, in), so forward is x @ self.weight.T.") from None
    expect_array(out, x @ small.weight.numpy().T + [0.5, -0.5], "Linear(3, 2) of a (5, 3) "
                 "input", hint="x @ self.weight.T + self.bias.")
    out.sum().backward()
    expect(small.weight.grad is not None and small.bias.grad is not None,
           "after backward, the weight and the bias have no gradient: the forward pass did "
           "not use the Parameters themselves.\nHint: compute with self.weight, not "
           "self.weight.data (an array outside the graph).")
    expect_array(small.bias.grad, [5.0, 5.0], "the bias gradient of sum(Linear(x)) over 5 rows")
    expect({id(p) for p in small.parameters()} == {id(small.weight), id(small.bias)},
           "small.parameters() should hold the weight and the bias.")
    try:
        out = unbiased(Tensor(np.ones((4, 3), dtype=np.float32)))
    except TypeError as error:
        raise CheckFailed(f"a layer made with bias=False raised in forward: {error}\nHint: "
                          "add the bias only when self.bias is not None.") from None
    expect_array(out, np.ones((4, 3)) @ unbiased.weight.numpy().T,
                 "forward of a layer without bias")


# -- 5.3 and 5.4 optimizers ------------------------------------------------------------------

_GRADS = [
    (np.array([0.5, -1.0]), np.array([[0.2], [0.0], [-0.3]])),
    (np.array([-0.25, 0.5]), np.array([[1.0], [-2.0], [0.5]])),
    (np.array([1.0, 1.0]), np.array([[0.1], [0.1], [-0.4]])),
]


def _run_optimizer(make, lr_after_two=None):
    """Three steps on two parameters of different shapes (and a third that never has a
    gradient); returns the optimizer and the parameters' values after each step."""
    p1 = Parameter(np.array([1.0, -2.0]))
    p2 = Parameter(np.array([[0.5], [3.0], [-1.0]]))
    frozen = Parameter(np.array([7.0, 7.0]))
    optimizer = make([p1, p2, frozen])
    history = []
    for step, (g1, g2) in enumerate(_GRADS):
        if step == 2 and lr_after_two is not None:
            optimizer.lr = lr_after_two
        p1.grad, p2.grad = g1.copy(), g2.copy()
        try:
            optimizer.step()
        except TypeError as error:
            raise CheckFailed(f"step {step + 1} raised TypeError: {error}\nHint: a parameter "
                              "whose grad is None (it took no part in the loss) must be "
                              "skipped: `if p.grad is None: continue`.") from None
        except ValueError as error:
            raise CheckFailed(f"step {step + 1} raised ValueError: {error}\nHint: the "
                              "parameters have different shapes ((2,) and (3, 1)): keep one "
                              "state array per parameter, shaped like it.") from None
        history.append((p1.numpy().copy(), p2.numpy().copy(), frozen.numpy().copy()))
    return optimizer, history, (p1, p2, frozen)


def _compare_steps(got, want, hint):
    for step, (g, w) in enumerate(zip(got, want), start=1):
        if np.array_equal(g[0], [1.0, -2.0]) and step == 1:
            raise CheckFailed("after step() the parameters have not changed.\nHint: update "
                              "p.data in place (p.data -= ...); `p = p - ...` only rebinds "
                              "a local name.")
        expect_array(g[2], w[2], f"a parameter whose grad is None, after step {step}",
                     hint="skip parameters whose grad is None.")
        expect_array(g[0], w[0], f"the first parameter (shape (2,)) after step {step}", hint)
        expect_array(g[1], w[1], f"the second parameter (shape (3, 1)) after step {step}", hint)


@exercise("5.3", "an optimizer with state: SGD with momentum", SGD,
          lambda: (), where="minigrad.optim.SGD",
          hint="keep one velocity per parameter (a list, or a dict keyed by id(p)), zeros at "
               "first; v = momentum * v + grad, then p.data -= lr * v.")
def check_sgd(cls):
    _, got, _ = _run_optimizer(lambda ps: cls(ps, lr=0.1))
    _, want, _ = _run_optimizer(lambda ps: SGD(ps, lr=0.1))
    _compare_steps(got, want, "without momentum, a step is p.data -= lr * grad.")
    opt, got, params = _run_optimizer(lambda ps: cls(ps, lr=0.1, momentum=0.9),
                                      lr_after_two=0.05)
    _, want, _ = _run_optimizer(lambda ps: SGD(ps, lr=0.1, momentum=0.9), lr_after_two=0.05)
    _compare_steps(got[:1], want[:1], "the first step with momentum is a plain step: the "
                   "velocity starts at zero.")
    _compare_steps(got[:2], want[:2], "each parameter keeps its own velocity from one step "
                   "to the next: v = momentum * v + grad, then p.data -= lr * v.")
    _compare_steps(got, want, "read self.lr at every step: a learning-rate schedule changes "
                   "optimizer.lr between steps.")
    opt.zero_grad()
    _expect_cleared(params)


@exercise("5.4", "Adam, with bias correction", Adam, lambda: (),
          where="minigrad.optim.Adam",
          hint="per parameter m and s (zeros at first); one step counter t for the optimizer, "
               "incremented once per step(); m̂ = m / (1 - β₁ᵗ), ŝ = s / (1 - β₂ᵗ).")
def check_adam(cls):
    make = {"lr": 0.1, "betas": (0.8, 0.9), "eps": 0.05}  # large enough to matter
    opt, got, params = _run_optimizer(lambda ps: cls(ps, **make), lr_after_two=0.05)
    _, want, _ = _run_optimizer(lambda ps: Adam(ps, **make), lr_after_two=0.05)
    _compare_steps(got[:1], want[:1], "the first Adam step moves every parameter by about "
                   "lr (m̂ / √ŝ = ±1 when t = 1): m̂ = m / (1 - β₁ᵗ), ŝ = s / (1 - β₂ᵗ), "
                   "with t = 1 at the first step for every parameter (t counts calls of "
                   "step(), not once per parameter); s averages the squared gradient g², and "
                   "ε is added after the square root.")
    _compare_steps(got[:2], want[:2], "t counts calls of step(), once for all parameters "
                   "(not once per parameter), and m, s carry over between steps.")
    _compare_steps(got, want, "read self.lr at every step: a schedule changes optimizer.lr.")
    opt.zero_grad()
    _expect_cleared(params)


# -- 5.5 the data loader -----------------------------------------------------------------------

_N = 10
_X = np.stack([np.arange(_N), 10 * np.arange(_N)], axis=1).astype(np.float32)
_Y = np.arange(_N)


def _data():
    """Fresh copies of the check's arrays: a loader that shuffles them in place must not
    change what the next check sees."""
    return _X.copy(), _Y.copy()


def _epoch(loader):
    """The batches of one epoch as (rows of X, labels), each a NumPy array."""
    batches = []
    for batch in loader:
        expect(isinstance(batch, tuple) and len(batch) == 2,
               "each batch should be a pair (x, y).")
        xb, yb = batch
        expect(isinstance(xb, Tensor) and isinstance(yb, Tensor),
               f"each batch should be a pair of Tensors, got {type(xb).__name__} and "
               f"{type(yb).__name__}.\nHint: Tensor(X[index]) (or minigrad.tensor).")
        batches.append((xb.numpy(), yb.numpy()))
    return batches


def _cover_once(batches, what):
    labels = np.concatenate([yb for _, yb in batches])
    for xb, yb in batches:
        expect(np.array_equal(xb[:, 0], yb),
               f"{what}: a batch's x rows do not belong to its labels (x rows of samples "
               f"{xb[:, 0].astype(int).tolist()}, labels {yb.tolist()}).\nHint: draw one "
               "permutation and index X and y with the same index.")
    expect(sorted(labels.tolist()) == list(range(_N)),
           f"{what}: the epoch served samples {labels.tolist()}; every one of the {_N} "
           "samples should come exactly once.\nHint: a permutation of range(n), cut into "
           "consecutive slices (no draws with replacement, no sample left out).")
    return labels


@exercise("5.5", "a data loader: every sample once per epoch", DataLoader,
          lambda: (), where="minigrad.data.DataLoader",
          hint="in __iter__: order = a permutation (or arange), then yield Tensor(X[i]), "
               "Tensor(y[i]) for consecutive slices i of order.")
def check_loader(cls):
    loader = cls(*_data(), batch_size=4)
    batches = _epoch(loader)
    sizes = [len(yb) for _, yb in batches]
    expect(sizes == [4, 4, 2],
           f"10 samples in batches of 4 should give batch sizes [4, 4, 2], got {sizes}.\n"
           "Hint: keep the last, smaller batch: range(0, n, batch_size) reaches every sample.")
    expect(len(loader) == 3, f"len(loader) should be the number of batches, 3, got "
           f"{len(loader)}.\nHint: math.ceil(n / batch_size).")
    expect(len(cls(*_data(), batch_size=5)) == 2, "10 samples in batches of 5 make 2 batches, "
           "but len(loader) says otherwise.\nHint: math.ceil(n / batch_size), not "
           "n // batch_size + 1.")
    labels = _cover_once(batches, "without shuffle")
    expect(labels.tolist() == list(range(_N)),
           "without shuffle, the samples should come in their order.")
    expect(batches[0][1].dtype.kind in "iu", "the labels should keep their integer dtype.")
    shuffled = cls(*_data(), batch_size=4, shuffle=True, seed=0)
    first = _cover_once(_epoch(shuffled), "with shuffle, epoch 1")
    second = _cover_once(_epoch(shuffled), "with shuffle, epoch 2")
    expect(first.tolist() != list(range(_N)), "with shuffle=True the first epoch came in "
           "the original order.\nHint: order = self.rng.permutation(n).")
    expect(first.tolist() != second.tolist(),
           "with shuffle=True two epochs came in the same order: make the generator once, "
           "in __init__ (np.random.default_rng(seed)), and draw a new permutation in each "
           "__iter__.")
    again = _cover_once(_epoch(cls(*_data(), batch_size=4, shuffle=True, seed=0)), "again")
    expect(again.tolist() == first.tolist(),
           "two loaders with seed=0 gave different orders: seed the loader's generator, "
           "np.random.default_rng(seed).")


# -- 5.6 and 5.7 the loop --------------------------------------------------------------------


class _ModeRecorder(Module):
    """Passes its input through and remembers the mode and whether graphs were recorded."""

    def __init__(self):
        self.seen = []

    def forward(self, x):
        self.seen.append((self.training, is_grad_enabled()))
        return x


def _tiny_problem():
    """A two-layer model on 40 moons points, fixed weights, stale gradients, eval mode."""
    from minigrad import nn
    from minigrad.data import DataLoader as PackageLoader
    from minigrad.data import make_moons

    X, y = make_moons(40, noise=0.1, random_state=0)
    recorder = _ModeRecorder()
    model = nn.Sequential(nn.Linear(2, 8, dtype=np.float64), nn.ReLU(), recorder,
                          nn.Linear(8, 2, dtype=np.float64))
    for i, p in enumerate(model.parameters()):  # fixed weights, no random draw
        p.data[...] = _on_device_of(p, np.sin(np.arange(p.size) * 0.7 + i).reshape(p.shape) * 0.5)
    for p in model.parameters():
        p.grad = p.data * 0 + 5.0  # stale gradients that zero_grad must clear
    model.eval()  # as evaluate() leaves it
    loader = PackageLoader((X, y), batch_size=16)
    return model, recorder, loader, SGD(model.parameters(), lr=0.1), X, y


@exercise("5.6", "a training epoch", train_epoch, lambda: (None, [], None),
          hint="model.train(); then for every batch: loss = F.cross_entropy(model(x), y), "
               "optimizer.zero_grad(), loss.backward(), optimizer.step(); add up loss.item().")
def check_train_epoch(fn):
    model, recorder, loader, opt, _, _ = _tiny_problem()
    ref_model, _, ref_loader, ref_opt, _, _ = _tiny_problem()
    loss = fn(model, loader, opt)
    ref_loss = train_epoch(ref_model, ref_loader, ref_opt)
    expect(not isinstance(loss, Tensor),
           "train_epoch returned a Tensor. Adding up loss tensors builds one graph that "
           "keeps every batch's activations alive until the epoch ends (memory grows with "
           "the epoch).\nHint: add up loss.item(), a Python float.")
    expect(isinstance(loss, float), f"return the mean loss as a Python float, got "
           f"{type(loss).__name__}.")
    expect(bool(recorder.seen) and all(mode for mode, _ in recorder.seen),
           "the model ran in evaluation mode: it was left in eval mode by an evaluation, "
           "so Dropout would stay off.\nHint: call model.train() at the start of the epoch.")
    for p, q in zip(model.parameters(), ref_model.parameters()):
        expect_array(p, q.numpy(), "the parameters after one epoch",
                     hint="for every batch: optimizer.zero_grad(), loss.backward(), "
                          "optimizer.step(), in that order (without zero_grad, the old "
                          "gradients add up), with the batch's mean loss (F.cross_entropy's "
                          "default reduction).")
    expect_close(loss, ref_loss, "the mean loss over the epoch",
                 hint="average the batch losses (loss.item()) over all batches, each "
                      "computed before its step, not only the last one.")


@exercise("5.7", "evaluating on held-out data", evaluate,
          lambda: (None, np.zeros((1, 2)), np.zeros(1, dtype=int)),
          hint="model.eval(); with minigrad.no_grad(): for each slice of batch_size rows, add "
               "the summed loss (reduction='sum') and the number of right answers; divide "
               "both by len(X).")
def check_evaluate(fn):
    model, recorder, _, _, X, y = _tiny_problem()
    model.train()
    result = fn(model, X, y, batch_size=16)
    expect(isinstance(result, tuple) and len(result) == 2,
           "return the pair (mean loss, accuracy).")
    loss, acc = result
    expect(not isinstance(loss, Tensor) and not isinstance(acc, Tensor),
           "evaluate returned a Tensor: return Python floats (loss.item() of each batch, "
           "added up).")
    model.train()
    want_loss, want_acc = evaluate(model, X, y)
    expect(bool(recorder.seen) and not any(mode for mode, _ in recorder.seen[:3]),
           "the model ran in training mode: Dropout would drop units while you measure.\n"
           "Hint: call model.eval() first.")
    expect(not any(grad for _, grad in recorder.seen[:3]),
           "evaluation recorded a graph for backward that nobody will use (time and "
           "memory).\nHint: run the model inside `with minigrad.no_grad():`.")
    expect_close(acc, want_acc, "the accuracy on 40 points (batches of 16)",
                 hint="the fraction of rows whose largest logit is at y: count the right "
                      "answers over all batches and divide by len(X).")
    expect_close(loss, want_loss, "the mean loss per sample over 40 points in batches of "
                 "16, 16 and 8",
                 hint="the last batch is smaller: add each batch's summed loss "
                      "(F.cross_entropy(..., reduction='sum')) and divide by len(X); the "
                      "mean of the batch means weighs its 8 samples double.")
