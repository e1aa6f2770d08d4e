"""Chapter 4: softmax, log-softmax, logsumexp and the losses."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.backend import asnumpy as host
import minigrad.functional as F

pytestmark = pytest.mark.ch04

rng = np.random.default_rng(4)


def _logits(shape=(4, 5), seed=0):
    return np.random.default_rng(seed).standard_normal(shape) * 2


def _naive_log_softmax(x, axis):
    e = np.exp(x)
    return np.log(e / e.sum(axis=axis, keepdims=True))


# -- logsumexp, softmax, log_softmax ---------------------------------------------------------

@pytest.mark.parametrize("shape, axis", [((5,), -1), ((4, 5), -1), ((4, 5), 0),
                                         ((2, 3, 4), 1), ((2, 3, 4), (0, 2))])
def test_logsumexp_value_and_gradient(shape, axis):
    x = _logits(shape)
    for keepdims in (False, True):
        out = F.logsumexp(mg.tensor(x), axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(out.numpy(), np.log(np.exp(x).sum(axis=axis, keepdims=keepdims)))
        assert mg.gradcheck(lambda t: F.logsumexp(t, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, axis", [((5,), -1), ((4, 5), -1), ((4, 5), 0), ((2, 3, 4), 1)])
def test_softmax_and_log_softmax_value_and_gradient(fn, shape, axis):
    x = _logits(shape)
    expected = _naive_log_softmax(x, axis)
    expected = np.exp(expected) if fn is F.softmax else expected
    np.testing.assert_allclose(fn(mg.tensor(x), axis=axis).numpy(), expected, rtol=1e-12, atol=1e-14)
    assert mg.gradcheck(lambda t: fn(t, axis=axis), x)


@pytest.mark.parametrize("logits", [
    np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [1e4, 1e4, 1e4]]),
    np.array([[3.0, 3.0, 3.0, 3.0], [-800.0, -800.0, 0.0, 800.0]]),
], ids=["huge", "equal-rows"])
def test_stable_at_extreme_logits_forward_and_backward(logits):
    x = mg.tensor(logits, requires_grad=True)
    outputs = [F.softmax(x), F.log_softmax(x), F.logsumexp(x)]
    for out in outputs:
        assert np.isfinite(out.numpy()).all()
        (out * mg.tensor(rng.standard_normal(out.shape))).sum().backward()
        assert np.isfinite(x.grad).all()
    probs = F.softmax(mg.tensor(logits)).numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    equal_rows = np.all(logits == logits[:, :1], axis=1)
    assert np.allclose(probs[equal_rows], 1 / logits.shape[1])


def test_logsumexp_of_all_minus_infinity_is_minus_infinity():
    out = F.logsumexp(mg.tensor([[-np.inf, -np.inf], [0.0, -np.inf]]))
    assert out.data[0] == -np.inf and out.data[1] == 0.0


# -- cross-entropy -------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_indices_and_with_probabilities(reduction):
    logits = _logits((6, 4))
    y = np.array([0, 3, 1, 1, 2, 0])
    onehot = np.eye(4)[y]
    expected = -(onehot * _naive_log_softmax(logits, 1)).sum(axis=1)
    expected = {"mean": expected.mean(), "sum": expected.sum(), "none": expected}[reduction]
    for target in (y, onehot):
        out = F.cross_entropy(mg.tensor(logits), target, reduction=reduction)
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
        assert mg.gradcheck(lambda z: F.cross_entropy(z, target, reduction=reduction), logits)
    soft = rng.dirichlet(np.ones(4), size=6)
    assert mg.gradcheck(lambda z, t: F.cross_entropy(z, t, reduction=reduction), logits, soft)


def test_fused_cross_entropy_matches_the_composite():
    logits = _logits((8, 5), seed=3)
    y = np.random.default_rng(3).integers(0, 5, 8)
    fused_in = mg.tensor(logits, requires_grad=True)
    composite_in = mg.tensor(logits, requires_grad=True)
    fused = F.cross_entropy(fused_in, y)
    composite = -(F.one_hot(y, 5) * F.log_softmax(composite_in)).sum(axis=1).mean()
    fused.backward()
    composite.backward()
    np.testing.assert_allclose(fused.item(), composite.item(), rtol=1e-12)
    np.testing.assert_allclose(host(fused_in.grad), host(composite_in.grad), rtol=1e-10, atol=1e-14)
    softmax = np.exp(_naive_log_softmax(logits, 1))
    np.testing.assert_allclose(host(fused_in.grad), (softmax - np.eye(5)[y]) / 8, atol=1e-14)


def test_cross_entropy_gradient_matches_its_loss_for_targets_that_do_not_sum_to_one():
    z = mg.tensor(np.zeros((1, 2)), requires_grad=True)
    F.cross_entropy(z, [[1.0, 1.0]]).backward()
    np.testing.assert_allclose(host(z.grad), [[0.0, 0.0]], atol=1e-15)  # was [[-0.5, -0.5]]
    weights = np.random.default_rng(5).uniform(0, 3, (4, 3))  # rows summing to anything
    weights[1] = 0.0                                            # an all-zero row too
    logits = _logits((4, 3), seed=5)
    for reduction in ("mean", "sum", "none"):
        fused_in = mg.tensor(logits, requires_grad=True)
        composite_in = mg.tensor(logits, requires_grad=True)
        fused = F.cross_entropy(fused_in, weights, reduction=reduction)
        losses = -(mg.tensor(weights) * F.log_softmax(composite_in)).sum(axis=1)
        composite = {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]
        v = np.arange(1.0, 5.0) if reduction == "none" else None
        fused.backward(v)
        composite.backward(v)
        np.testing.assert_allclose(host(fused_in.grad), host(composite_in.grad), rtol=1e-10)
        assert mg.gradcheck(lambda z, t: F.cross_entropy(z, t, reduction=reduction),
                            logits, weights)
        assert mg.gradcheck(lambda z: -(mg.tensor(weights) * F.log_softmax(z)).sum(), logits)


def test_losses_over_an_empty_batch_are_nan_like_every_mean_of_nothing(warns_where_numpy_computes):
    scores = mg.zeros(0, 3, requires_grad=True)
    for loss in (lambda: F.cross_entropy(scores, np.zeros(0, dtype=int)),     # was 0.0
                 lambda: F.cross_entropy(scores, np.zeros((0, 3))),
                 lambda: F.nll_loss(scores, np.zeros(0, dtype=int)),
                 lambda: F.mse_loss(scores, np.zeros((0, 3))),
                 lambda: F.binary_cross_entropy_with_logits(scores, np.zeros((0, 3)))):
        with warns_where_numpy_computes():
            assert np.isnan(loss().item())
    assert F.cross_entropy(scores, np.zeros(0, dtype=int), reduction="sum").item() == 0.0
    with pytest.warns(RuntimeWarning):
        assert np.isnan(F.accuracy(np.zeros((0, 3)), np.zeros(0, dtype=int)))   # was 0.0


def test_cross_entropy_keeps_float32():
    z = mg.tensor(_logits((3, 4)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(z, np.array([0, 1, 2]))
    loss.backward()
    assert loss.dtype == np.float32 and z.grad.dtype == np.float32


def test_cross_entropy_is_finite_at_extreme_logits():
    z = mg.tensor([[1e4, -1e4], [-1e4, 1e4]], requires_grad=True)
    loss = F.cross_entropy(z, np.array([1, 1]))
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(1e4)
    assert np.isfinite(z.grad).all()


def test_nll_loss_of_log_softmax_is_cross_entropy():
    logits = _logits((5, 3))
    y = np.array([2, 0, 1, 1, 0])
    for reduction in ("mean", "sum", "none"):
        a = F.nll_loss(F.log_softmax(mg.tensor(logits)), y, reduction=reduction)
        b = F.cross_entropy(mg.tensor(logits), y, reduction=reduction)
        np.testing.assert_allclose(a.numpy(), b.numpy())
    assert mg.gradcheck(lambda z: F.nll_loss(F.log_softmax(z), y), logits)


# -- binary losses ------------------------------------------------------------------------

def test_binary_cross_entropy_value_gradient_and_clamping():
    p = rng.uniform(0.05, 0.95, 6)
    y = rng.integers(0, 2, 6)
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()
    assert F.binary_cross_entropy(mg.tensor(p), y).item() == pytest.approx(expected)
    assert mg.gradcheck(lambda q: F.binary_cross_entropy(q, y), p)
    assert mg.gradcheck(lambda q, t: F.binary_cross_entropy(q, t, "sum"), p, rng.uniform(0, 1, 6))
    edge = mg.tensor([0.0, 1.0], requires_grad=True)
    loss = F.binary_cross_entropy(edge, np.array([1.0, 0.0]), reduction="none")
    assert loss.data.tolist() == [100.0, 100.0]  # log clamped at -100, as in PyTorch
    loss.sum().backward()
    assert np.isfinite(edge.grad).all()


def test_binary_cross_entropy_with_logits_is_stable_and_right():
    z = np.array([-800.0, -3.0, 0.0, 0.5, 800.0])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    out = F.binary_cross_entropy_with_logits(mg.tensor(z), y, reduction="none")
    p = 1 / (1 + np.exp(-z[1:4]))
    np.testing.assert_allclose(out.numpy()[1:4], -(y[1:4] * np.log(p) + (1 - y[1:4]) * np.log(1 - p)))
    np.testing.assert_allclose(out.numpy()[[0, 4]], [800.0, 800.0])
    zt = mg.tensor(z, requires_grad=True)
    F.binary_cross_entropy_with_logits(zt, y, reduction="sum").backward()
    sig = np.array([0.0, 1 / (1 + np.exp(3)), 0.5, 1 / (1 + np.exp(-0.5)), 1.0])
    np.testing.assert_allclose(host(zt.grad), sig - y, atol=1e-15)  # exact at z = 0 too
    assert mg.gradcheck(lambda t: F.binary_cross_entropy_with_logits(t, y[1:4]), z[1:4])


def test_with_logits_matches_sigmoid_then_binary_cross_entropy():
    z = rng.standard_normal(7)
    y = rng.integers(0, 2, 7)
    a = F.binary_cross_entropy_with_logits(mg.tensor(z), y)
    b = F.binary_cross_entropy(mg.sigmoid(mg.tensor(z)), y)
    assert a.item() == pytest.approx(b.item(), rel=1e-12)


def test_mse_loss():
    a, b = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    assert F.mse_loss(mg.tensor(a), b).item() == pytest.approx(((a - b) ** 2).mean())
    assert F.mse_loss(mg.tensor(a), b, "sum").item() == pytest.approx(((a - b) ** 2).sum())
    assert mg.gradcheck(lambda p: F.mse_loss(p, b), a)


def test_one_hot_and_accuracy():
    assert F.one_hot(np.array([2, 0]), 3).data.tolist() == [[0, 0, 1], [1, 0, 0]]
    assert F.accuracy(np.array([[0.1, 2.0], [3.0, 0.0], [0.0, 1.0]]), np.array([1, 0, 0])) == 2 / 3
    assert F.accuracy(mg.tensor([0.9, 0.2, 0.6]), np.array([1, 0, 0])) == 2 / 3    # probabilities
    assert F.accuracy(mg.tensor([3.0, -1.0, 0.4]), np.array([1, 0, 0])) == 2 / 3   # logits


# -- PyTorch as a second oracle ------------------------------------------------------------------

@pytest.mark.torch
def test_agreement_with_pytorch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    logits = _logits((6, 4), seed=9)
    y = np.array([0, 3, 1, 1, 2, 0])
    soft = np.random.default_rng(9).dirichlet(np.ones(4), size=6)
    cases = [
        (lambda z: F.cross_entropy(z, y), lambda z: tf.cross_entropy(z, torch.tensor(y))),
        (lambda z: F.cross_entropy(z, soft, "sum"),
         lambda z: tf.cross_entropy(z, torch.tensor(soft), reduction="sum")),
        (lambda z: F.log_softmax(z, axis=0), lambda z: tf.log_softmax(z, dim=0)),
        (lambda z: F.softmax(z), lambda z: tf.softmax(z, dim=-1)),
        (lambda z: F.binary_cross_entropy(mg.sigmoid(z), (soft > 0.25).astype(float)),
         lambda z: tf.binary_cross_entropy(torch.sigmoid(z), torch.tensor((soft > 0.25) * 1.0))),
        (lambda z: F.binary_cross_entropy_with_logits(z, soft, "none"),
         lambda z: tf.binary_cross_entropy_with_logits(z, torch.tensor(soft), reduction="none")),
    ]
    for ours_fn, theirs_fn in cases:
        ours = mg.tensor(logits, requires_grad=True)
        theirs = torch.tensor(logits, requires_grad=True)
        a, b = ours_fn(ours), theirs_fn(theirs)
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
        v = np.random.default_rng(0).standard_normal(a.shape)
        a.backward(v)
        b.backward(torch.tensor(v))
        np.testing.assert_allclose(host(ours.grad), theirs.grad.numpy(), rtol=1e-9, atol=1e-12)


# -- bad input ------------------------------------------------------------------------------------

LOGITS = mg.tensor(np.zeros((3, 4)))


@pytest.mark.parametrize("make, error, words", [
    (lambda: F.cross_entropy(LOGITS, np.array([0, 1])), ValueError, r"3 rows of scores but 2 targets"),
    (lambda: F.cross_entropy(LOGITS, np.array([0, 1, 4])), IndexError, "class index 4 is out of range for 4"),
    (lambda: F.cross_entropy(LOGITS, np.array([0, -1, 2])), IndexError, "class index -1"),
    (lambda: F.cross_entropy(LOGITS, np.array([0.0, 1.0, 2.0])), TypeError, "must hold integer class indices"),
    (lambda: F.cross_entropy(LOGITS, np.zeros((3, 3))), ValueError, r"target of shape \(3, 3\) does not match"),
    (lambda: F.cross_entropy(mg.zeros(4), np.array([1])), ValueError, r"expected scores of shape \(N, C\)"),
    (lambda: F.cross_entropy(LOGITS, np.array([0, 1, 2]), reduction="avg"), ValueError, "reduction must be"),
    (lambda: F.binary_cross_entropy(mg.tensor([0.5, 1.5]), np.array([0, 1])), ValueError,
     "probabilities must lie in \\[0, 1\\].*binary_cross_entropy_with_logits"),
    (lambda: F.binary_cross_entropy(mg.tensor([0.5]), np.array([0, 1])), ValueError, "same shape"),
    (lambda: F.one_hot(np.array([0.0, 1.0]), 3), TypeError, "integers"),
    (lambda: F.one_hot(np.array([0, 3]), 3), IndexError, r"\[0, 2\]"),
    (lambda: F.accuracy(np.zeros((3, 2)), np.zeros(4)), ValueError, "3 predictions"),
])
def test_bad_input_gets_a_clear_error(make, error, words):
    with pytest.raises(error, match=words):
        make()


@pytest.mark.parametrize("classes", [1, 2, 10, 32, 33, 200])
def test_log_softmax_takes_the_short_and_the_long_path_alike(classes):
    from minigrad.functional import _stable_log_softmax

    z = np.random.default_rng(classes).standard_normal((7, classes)) * 50
    expected = z - z.max(axis=1, keepdims=True)
    expected -= np.log(np.exp(expected).sum(axis=1, keepdims=True))
    for scores in (z, np.asfortranarray(z)):  # the short path computes on a copy, in place
        before = scores.copy()
        assert np.allclose(_stable_log_softmax(scores), expected, rtol=1e-12, atol=1e-12)
        assert np.array_equal(scores, before)
