"""Chapter 9: the transformer's layers against PyTorch with copied weights (float64),
and the causal mask: no gradient flows from a position to an earlier one."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F
from minigrad import nn
from minigrad.backend import asnumpy as host

pytestmark = pytest.mark.ch09
rng = np.random.default_rng(9)


def _mha_pair(embed_dim=8, num_heads=2, bias=True):
    torch = pytest.importorskip("torch")
    ours = nn.MultiheadAttention(embed_dim, num_heads, bias=bias, dtype=np.float64)
    theirs = torch.nn.MultiheadAttention(embed_dim, num_heads, bias=bias, batch_first=True,
                                         dtype=torch.float64)
    with torch.no_grad():
        theirs.in_proj_weight.copy_(torch.tensor(host(ours.in_proj_weight.data)))
        theirs.out_proj.weight.copy_(torch.tensor(host(ours.out_proj.weight.data)))
        if bias:
            b = rng.standard_normal(3 * embed_dim)
            ours.in_proj_bias.data[...] = mg.tensor(b).data
            theirs.in_proj_bias.copy_(torch.tensor(b))
            ob = rng.standard_normal(embed_dim)
            ours.out_proj.bias.data[...] = mg.tensor(ob).data
            theirs.out_proj.bias.copy_(torch.tensor(ob))
    return ours, theirs


@pytest.mark.torch
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("causal", [False, True])
def test_multihead_attention_matches_pytorch_outputs_weights_and_gradients(bias, causal):
    torch = pytest.importorskip("torch")
    ours, theirs = _mha_pair(bias=bias)
    x = rng.standard_normal((3, 5, 8))
    xs, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64) \
        if causal else None
    out, weights = ours(xs, xs, xs, is_causal=causal)
    ref, ref_weights = theirs(xt, xt, xt, attn_mask=mask, is_causal=causal)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weights.numpy(), ref_weights.detach().numpy(), atol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(host(xs.grad), xt.grad.numpy(), rtol=1e-9, atol=1e-11)
    pairs = [(ours.in_proj_weight, theirs.in_proj_weight),
             (ours.out_proj.weight, theirs.out_proj.weight)]
    if bias:
        pairs += [(ours.in_proj_bias, theirs.in_proj_bias),
                  (ours.out_proj.bias, theirs.out_proj.bias)]
    for mine, their in pairs:
        np.testing.assert_allclose(host(mine.grad), their.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.torch
def test_cross_attention_with_a_padding_mask_matches_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = _mha_pair(embed_dim=6, num_heads=3)
    q, kv = rng.standard_normal((2, 4, 6)), rng.standard_normal((2, 7, 6))
    keep = rng.random((4, 7)) > 0.3
    keep[:, 0] = True  # every query sees at least one key
    masked = ~keep  # the module's convention, PyTorch's: True = may not attend
    out, _ = ours(mg.tensor(q), mg.tensor(kv), mg.tensor(kv), attn_mask=masked)
    ref, _ = theirs(torch.tensor(q), torch.tensor(kv), torch.tensor(kv),
                    attn_mask=torch.tensor(masked))
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_the_causal_mask_sends_no_gradient_back_in_time():
    """Output position i depends on inputs 0..i only: the Jacobian of each output row
    with respect to later inputs is exactly zero, through every head and projection."""
    mg.manual_seed(0)
    attention = nn.MultiheadAttention(8, 2, dtype=np.float64)
    x = rng.standard_normal((1, 6, 8))
    for i in range(6):
        xs = mg.tensor(x, requires_grad=True)
        out, _ = attention(xs, xs, xs, is_causal=True, need_weights=False)
        out[0, i].sum().backward()
        grad = host(xs.grad)[0]
        assert np.all(grad[i + 1:] == 0), f"position {i} received gradient from the future"
        assert np.abs(grad[:i + 1]).sum() > 0


@pytest.mark.torch
def test_layer_norm_embedding_and_gelu_modules_match_pytorch():
    torch = pytest.importorskip("torch")
    norm = nn.LayerNorm(5, dtype=np.float64)
    norm.weight.data[...] = mg.tensor(rng.standard_normal(5)).data
    ref = torch.nn.LayerNorm(5, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(host(norm.weight.data)))
    x = rng.standard_normal((2, 3, 5))
    np.testing.assert_allclose(norm(mg.tensor(x)).numpy(),
                               ref(torch.tensor(x)).detach().numpy(), atol=1e-12)
    table = nn.Embedding(10, 4, dtype=np.float64)
    idx = np.array([[1, 9, 1], [0, 0, 3]])
    np.testing.assert_array_equal(table(idx).numpy(), host(table.weight.data)[idx])
    table(idx).sum().backward()
    counts = np.bincount(idx.ravel(), minlength=10)[:, None] * np.ones(4)
    np.testing.assert_array_equal(host(table.weight.grad), counts)  # repeated rows add up
    for approximate in ("none", "tanh"):
        np.testing.assert_allclose(nn.GELU(approximate)(mg.tensor(x)).numpy(),
                                   torch.nn.GELU(approximate)(torch.tensor(x)).numpy(),
                                   atol=1e-15)


def test_the_fused_layer_norm_agrees_with_its_composite():
    from minigrad.ops.transformer import LayerNorm

    x, w, b = rng.standard_normal((4, 6)), rng.standard_normal(6), rng.standard_normal(6)
    fused = [mg.tensor(a, requires_grad=True) for a in (x, w, b)]
    plain = [mg.tensor(a, requires_grad=True) for a in (x, w, b)]
    g = rng.standard_normal((4, 6))
    LayerNorm.apply(*fused).backward(g)
    out = LayerNorm.composite(*plain)
    out.backward(g)
    np.testing.assert_allclose(LayerNorm.apply(*fused).numpy(), out.numpy(), atol=1e-12)
    for a, c in zip(fused, plain):
        np.testing.assert_allclose(host(a.grad), host(c.grad), atol=1e-12)


@pytest.mark.parametrize("make, error, words", [
    (lambda: F.embedding(np.array([0, 5]), mg.ones(5, 2)), IndexError,
     r"embedding: index 5 is out of range for 5 embeddings"),
    (lambda: F.embedding(np.array([0.0, 1.0]), mg.ones(5, 2)), TypeError,
     r"embedding: indices must be integers"),
    (lambda: F.layer_norm(mg.ones(2, 3), 4), ValueError, r"layer_norm: normalized_shape \(4,\)"),
    (lambda: F.scaled_dot_product_attention(mg.ones(2, 3, 4), mg.ones(2, 5, 3), mg.ones(2, 5, 2)),
     ValueError, r"scaled_dot_product_attention: query \(2, 3, 4\), key \(2, 5, 3\)"),
    (lambda: nn.MultiheadAttention(10, 3), ValueError, r"embed_dim 10 must be divisible"),
    (lambda: F.gelu(mg.ones(2), approximate="fast"), ValueError, r"gelu: approximate must be"),
])
def test_bad_input_is_named(make, error, words):
    with pytest.raises(error, match=words):
        make()


@pytest.mark.torch
def test_adamw_with_parameter_groups_clipping_and_warmup_cosine_match_pytorch():
    """GPT-style training: no weight decay on biases and norms, gradients clipped to norm
    1, the learning rate warmed up then annealed; five steps equal PyTorch's."""
    torch = pytest.importorskip("torch")
    mg.manual_seed(0)
    ours = nn.Sequential(nn.Linear(4, 6, dtype=np.float64), nn.LayerNorm(6, dtype=np.float64),
                         nn.Linear(6, 3, dtype=np.float64))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.LayerNorm(6),
                                 torch.nn.Linear(6, 3)).double()
    with torch.no_grad():
        for mine, their in zip(ours.parameters(), theirs.parameters()):
            their.copy_(torch.tensor(host(mine.data)))

    def groups(params):
        params = list(params)
        return [{"params": [p for p in params if p.ndim >= 2], "weight_decay": 0.1},
                {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]

    opt = mg.optim.AdamW(groups(ours.parameters()), lr=0.05)
    topt = torch.optim.AdamW(groups(theirs.parameters()), lr=0.05)
    schedule = mg.optim.LambdaLR(opt, mg.optim.warmup_cosine(2, 5))
    tschedule = torch.optim.lr_scheduler.LambdaLR(topt, mg.optim.warmup_cosine(2, 5))
    x, y = rng.standard_normal((8, 4)) * 3, rng.integers(0, 3, 8)
    for _ in range(5):
        opt.zero_grad()
        topt.zero_grad()
        F.cross_entropy(ours(mg.tensor(x)), y).backward()
        torch.nn.functional.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y)).backward()
        norm = nn.utils.clip_grad_norm_(ours.parameters(), 1.0)
        tnorm = torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.0)
        assert norm == pytest.approx(float(tnorm), rel=1e-10)
        opt.step()
        topt.step()
        schedule.step()
        tschedule.step()
        assert [g["lr"] for g in opt.param_groups] == pytest.approx(
            [g["lr"] for g in topt.param_groups], rel=1e-12)
    for mine, their in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(host(mine.data), their.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_parameter_groups_are_checked():
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))
    with pytest.raises(ValueError, match="a parameter appears twice"):
        mg.optim.SGD([{"params": [a]}, {"params": [a, b]}], lr=0.1)
    with pytest.raises(ValueError, match=r"unknown setting\(s\) \['decay'\]"):
        mg.optim.AdamW([{"params": [a], "decay": 0.0}])
    with pytest.raises(ValueError, match="warmup_cosine: need 0 <= warmup_steps < total_steps"):
        mg.optim.warmup_cosine(10, 5)
