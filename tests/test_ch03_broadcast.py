"""Chapter 3: broadcasting, unbroadcast, reshaping and indexing."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad import unbroadcast

pytestmark = pytest.mark.ch03


# -- unbroadcast ----------------------------------------------------------------------

@pytest.mark.parametrize("grad_shape, shape, axes", [
    ((3, 4), (3, 4), None),
    ((3, 4), (4,), (0,)),
    ((3, 4), (1, 4), (0,)),
    ((3, 4), (3, 1), (1,)),
    ((3, 4), (), (0, 1)),
    ((2, 3, 4), (3, 1), (0, 2)),
    ((2, 3, 4), (1, 1, 1), (0, 1, 2)),
    ((2, 3, 4), (2, 1, 4), (1,)),
])
def test_unbroadcast_sums_the_broadcast_axes(grad_shape, shape, axes):
    g = np.arange(np.prod(grad_shape), dtype=float).reshape(grad_shape)
    expected = g if axes is None else g.sum(axis=axes).reshape(shape)
    out = unbroadcast(g, shape)
    assert out.shape == shape
    np.testing.assert_array_equal(out, expected)


def test_unbroadcast_refuses_a_bigger_target():
    with pytest.raises(ValueError, match="fewer dimensions"):
        unbroadcast(np.ones(3), (2, 3))


@settings(max_examples=60, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                 max_side=3),
       op=st.sampled_from(["add", "sub", "mul", "div", "maximum"]),
       seed=st.integers(0, 2**16))
def test_random_broadcast_pairs_pass_gradcheck(shapes, op, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(s) for s in shapes.input_shapes)
    b = np.sign(b + (b == 0)) * (0.5 + np.abs(b))  # keep division away from 0
    fn = {"add": mg.add, "sub": mg.sub, "mul": mg.mul, "div": mg.div, "maximum": mg.maximum}[op]
    assert fn(mg.tensor(a), mg.tensor(b)).shape == shapes.result_shape
    assert mg.gradcheck(fn, a, b)


# -- regressions ------------------------------------------------------------------------

def test_a_bias_added_to_a_batch_gets_the_summed_gradient():
    x = mg.randn(5, 3)
    b = mg.zeros(3, requires_grad=True)
    (x + b).sum().backward()
    assert b.grad.tolist() == [5.0, 5.0, 5.0]


def test_rank_expanding_broadcast():
    a = mg.tensor(np.ones((3, 1)), requires_grad=True)
    b = mg.tensor(np.ones(4), requires_grad=True)
    (a * b * mg.ones(2, 3, 4)).sum().backward()
    assert a.grad.shape == (3, 1) and np.all(a.grad == 8)
    assert b.grad.shape == (4,) and np.all(b.grad == 6)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_mean_and_max_along_each_axis(axis):
    x = np.random.default_rng(axis + 5).standard_normal((2, 3, 4))
    assert mg.gradcheck(lambda t: t.mean(axis=axis), x)
    assert mg.gradcheck(lambda t: t.max(axis=axis, keepdims=True), x)


def test_repeated_index_gather_accumulates():
    x = mg.tensor([10.0, 20.0, 30.0], requires_grad=True)
    x[np.array([0, 2, 0, 0])].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_boolean_mask_and_tensor_index():
    x = mg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    x[x > 0].sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]
    y = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y[mg.tensor(np.array([2, 2]))].sum().backward()
    assert y.grad.tolist() == [0.0, 0.0, 2.0]


def test_split_parts_and_transpose_forms():
    x = mg.arange(12.0).reshape(3, 4)
    assert [p.shape for p in x.split([1, 3], axis=1)] == [(3, 1), (3, 2), (3, 1)]
    assert x.transpose().shape == x.transpose((1, 0)).shape == x.T.shape == (4, 3)
    assert mg.expand_dims(x, -1).shape == (3, 4, 1)


# -- bad input --------------------------------------------------------------------------

@pytest.mark.parametrize("make, error, words", [
    (lambda: mg.ones(2, 3).reshape(4, 2), ValueError,
     r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) into shape \(4, 2\)"),
    (lambda: mg.ones(2, 3).transpose(0, 0), ValueError, "transpose: axes"),
    (lambda: mg.ones(2, 3).broadcast_to((4, 3, 2)), ValueError, "broadcast_to: cannot broadcast"),
    (lambda: mg.ones(2, 3).squeeze(0), ValueError, "squeeze: axis 0 has length 2"),
    (lambda: mg.ones(2, 3).unsqueeze(5), np.exceptions.AxisError, "unsqueeze: axis 5"),
    (lambda: mg.ones(2, 3)[5], IndexError, r"getitem: .*shape \(2, 3\)"),
    (lambda: mg.concatenate([mg.ones(2, 3), mg.ones(3, 2)]), ValueError, "concatenate: "),
    (lambda: mg.stack([mg.ones(2), mg.ones(3)]), ValueError, "stack: all tensors need the same"),
    (lambda: mg.ones(5).split(2), ValueError, "split: axis 0 of length 5 cannot be split into 2"),
])
def test_bad_input_gets_a_clear_error(make, error, words):
    with pytest.raises(error, match=words):
        make()


# -- pictures ------------------------------------------------------------------------------

def test_draw_graph_shows_shapes_and_marks_unbroadcast_edges():
    x = mg.randn(5, 3)
    x.label = "x"
    b = mg.zeros(3, requires_grad=True)
    b.label = "b"
    y = (x + b).tanh().sum()
    y.backward(retain_graph=True)
    source = mg.draw_graph(y).source
    assert "b | shape (3,) | grad (3,)" in source
    assert "x | shape (5, 3)" in source
    assert 'label="sum to (3,)"' in source and "color=red" in source
    assert source.count("sum to") == 1  # only the broadcast input


def test_draw_graph_says_when_backward_freed_the_graph():
    x = mg.ones(2, requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    assert "backward(retain_graph=True)" in mg.draw_graph(y).source


def test_tensor_methods_for_two_input_elementwise_ops():
    a, b = mg.tensor([1.0, 5.0]), mg.tensor([3.0, 2.0])
    assert a.maximum(b).data.tolist() == [3.0, 5.0]
    assert a.minimum(b).data.tolist() == [1.0, 2.0]
    assert a.where(a > 2, b).data.tolist() == [3.0, 5.0]
