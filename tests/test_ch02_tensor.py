"""Chapter 2: Tensor, the Function contract, vector-Jacobian products, grad."""

import gc
import tracemalloc

import numpy as np
import pytest

import minigrad as mg
from minigrad.backend import asnumpy as host
from minigrad import Function, Tensor

pytestmark = pytest.mark.ch02


# -- the Tensor itself -------------------------------------------------------------

def test_python_data_becomes_float64_and_arrays_keep_their_dtype():
    assert mg.tensor([1, 2, 3]).dtype == np.float64
    assert mg.tensor(2).dtype == np.float64
    assert mg.tensor([1, 2], dtype=np.int32).dtype == np.int32
    assert mg.tensor(np.arange(3, dtype=np.float32)).dtype == np.float32
    assert mg.tensor(np.arange(3)).dtype == np.int64


def test_tensor_copies_its_data():
    a = np.ones(3)
    t = mg.tensor(a)
    a[0] = 5
    assert t.data[0] == 1


def test_tensor_attributes_and_conversions():
    t = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert (t.shape, t.ndim, t.size, len(t)) == ((2, 3), 2, 6, 2)
    assert t.requires_grad and t.grad is None and t.is_leaf
    assert isinstance(t.numpy(), np.ndarray)
    assert mg.tensor([[7.0]]).item() == 7.0
    d = (t * 2).detach()
    assert not d.requires_grad and d.is_leaf
    with pytest.raises(ValueError, match="only one-element tensors"):
        t.item()


def test_repr_is_readable():
    assert repr(mg.tensor([1.0, 2.5], device="cpu")) == "tensor([1. , 2.5])"
    assert repr(mg.tensor([1.0], requires_grad=True, device="cpu")) == \
        "tensor([1.], requires_grad=True)"
    assert "grad_fn=Mul" in repr(mg.tensor([1.0], requires_grad=True) * 2)
    assert "dtype=float32" in repr(mg.tensor([1.0], dtype=np.float32))


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        mg.tensor(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match="int64"):
        mg.arange(3, dtype=np.int64).requires_grad_()


def test_constructors():
    mg.manual_seed(0)
    assert mg.zeros(2, 3).shape == (2, 3) and mg.zeros((2, 3)).data.sum() == 0
    assert mg.ones(4).data.sum() == 4
    assert mg.full((2, 2), 7.0).data.tolist() == [[7, 7], [7, 7]]
    base = mg.tensor([[1.0, 2.0]])
    assert mg.zeros_like(base).shape == mg.ones_like(base).shape == mg.full_like(base, 3).shape
    assert np.array_equal(mg.eye(3).numpy(), np.eye(3))
    assert mg.arange(5).data.tolist() == [0, 1, 2, 3, 4]
    assert mg.arange(1, 2, 0.5).data.tolist() == [1.0, 1.5]
    assert mg.linspace(0, 1, 3).data.tolist() == [0.0, 0.5, 1.0]
    assert mg.rand(2, 3).shape == (2, 3) and mg.randn(4, dtype=np.float32).dtype == np.float32
    for make in (mg.zeros, mg.ones, mg.rand, mg.randn):
        assert make(2, requires_grad=True).requires_grad
    assert mg.arange(3, requires_grad=True).dtype == np.float64


def test_manual_seed_reproduces_random_tensors():
    mg.manual_seed(42)
    a, b = mg.randn(3), mg.rand(3)
    mg.manual_seed(42)
    assert np.array_equal(a.numpy(), mg.randn(3).numpy()) and np.array_equal(b.numpy(), mg.rand(3).numpy())


def test_comparisons_give_boolean_tensors_without_grad():
    a = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (a > 1, a >= 2, a < 2, a <= 1, a == 2, a != 2):
        assert result.dtype == bool and not result.requires_grad
    assert (a > 1).data.tolist() == [False, True, True]
    assert (a == np.array([1.0, 0.0, 3.0])).data.tolist() == [True, False, True]


def test_float32_stays_float32_with_python_numbers():
    x = mg.randn(3, dtype=np.float32, requires_grad=True)
    y = (x * 2.0 + 1).exp().sum()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32


def test_operators_accept_arrays_and_numbers_on_either_side():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    arr = np.array([3.0, 4.0])
    for out in (arr + a, a + arr, arr * a, arr - a, arr / a, 2 ** a, arr @ a):
        assert isinstance(out, Tensor) and out.requires_grad


# -- backward ----------------------------------------------------------------------

def test_backward_seeds_one_for_one_element_tensors():
    x = mg.tensor([2.0], requires_grad=True)
    (x * x).backward()
    assert x.grad.tolist() == [4.0]


def test_non_scalar_backward_needs_a_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*backward\(gradient\)"):
        (x * 2).backward()
    (x * 2).backward(np.array([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 20.0]
    with pytest.raises(ValueError, match="gradient has shape"):
        (x * 2).backward(np.ones(3))


def test_backward_through_a_tensor_without_grad_is_refused():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0]).sum().backward()


def test_gradients_accumulate_into_leaves_only():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.sum().backward()
    h2 = x * 3
    h2.sum().backward()
    assert x.grad.tolist() == [6.0, 6.0] and h.grad is None


def test_a_gradient_two_leaves_receive_is_not_shared():
    # Add's VJP hands the same array to both inputs: each leaf must get its own
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad, b.grad)
    (a * 2 + b).sum().backward()
    assert host(a.grad).tolist() == [3.0, 3.0] and host(b.grad).tolist() == [2.0, 2.0]


def test_the_callers_gradient_array_is_never_written_into():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    gradient = np.array([0.5, 0.25])
    x.backward(gradient)
    x.backward(gradient)
    assert gradient.tolist() == [0.5, 0.25] and host(x.grad).tolist() == [1.0, 0.5]


_handed_back = []


class _FreshGradient(Function):
    """A VJP that returns a fresh array and notes its id (not the array)."""

    @staticmethod
    def forward(ctx, a):
        return a * 2

    @staticmethod
    def backward(ctx, g):
        fresh = g * 2
        _handed_back.append(id(fresh))
        return fresh


def test_a_fresh_gradient_becomes_grad_without_a_copy_then_accumulates_in_place():
    x = mg.tensor([1.0, 2.0], requires_grad=True, device="cpu")
    _FreshGradient.apply(x).sum().backward()
    assert id(x.grad) == _handed_back[-1]  # kept, not copied
    first = x.grad
    _FreshGradient.apply(x).sum().backward()
    assert x.grad is first and host(x.grad).tolist() == [4.0, 4.0]


class _KeepsItsGradient(Function):
    """A VJP that returns an array it keeps on ctx: the engine must copy it."""

    @staticmethod
    def forward(ctx, a):
        ctx.kept = np.full(a.shape, 2.0)
        return a * 2

    @staticmethod
    def backward(ctx, g):
        ctx.kept *= 1  # still ours, and still 2
        return ctx.kept


def test_an_array_a_function_keeps_is_copied_into_grad():
    x = mg.tensor([1.0, 1.0], requires_grad=True)
    y = _KeepsItsGradient.apply(x)
    y.backward(np.ones(2), retain_graph=True)
    y.backward(np.ones(2))
    assert host(x.grad).tolist() == [4.0, 4.0]


def test_retain_grad_keeps_an_interior_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = (x * 3).retain_grad()
    (h * h).sum().backward()
    assert h.grad.tolist() == [6.0, 12.0]


def test_graph_is_freed_after_backward():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="already freed.*retain_graph=True"):
        y.backward()
    z = (x.exp() * x).sum()
    z.backward(retain_graph=True)
    z.backward()
    assert np.allclose(host(x.grad), 3 * (np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0]))))


def test_no_grad_records_nothing():
    x = mg.tensor([1.0], requires_grad=True)
    with mg.no_grad():
        y = x * 2
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled() and not y.requires_grad and y._ctx is None

    @mg.no_grad()
    def double(t):
        return t * 2
    assert not double(x).requires_grad


def test_memory_stays_flat_over_many_training_steps():
    rng = np.random.default_rng(0)
    X = mg.tensor(rng.standard_normal((64, 20)))
    W = mg.tensor(rng.standard_normal((20, 10)) * 0.1, requires_grad=True)

    def step():
        loss = ((X @ W).tanh() ** 2).mean()
        W.grad = None
        loss.backward()
        W.data -= 0.1 * W.grad
        return loss  # kept alive on purpose: its graph must still be freed

    for _ in range(50):
        step()
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    kept = [step() for _ in range(2000)]
    grown = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    assert len(kept) == 2000
    assert grown < 3_000_000, f"memory grew by {grown} bytes over 2000 steps"


def test_a_node_reused_many_times():
    x = mg.tensor([0.5, -1.0], requires_grad=True)
    total = x
    for _ in range(200):
        total = total + x * x
    total.sum().backward()
    assert np.allclose(host(x.grad), 1 + 200 * 2 * x.numpy())


def test_backward_runs_each_operation_once_after_every_use_of_its_output():
    """backward's order comes from creation numbers: an output is numbered after its
    inputs, so the latest waiting tensor has all of its gradient (even when a leaf is
    created after the interior tensors that it meets)."""
    calls = []

    class Tag(Function):
        @staticmethod
        def forward(ctx, a, name=""):
            ctx.name = name
            return a.copy()

        @staticmethod
        def backward(ctx, g):
            calls.append(ctx.name)
            return g

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    a = Tag.apply(x, name="a")
    b = Tag.apply(a * 2, name="b")
    late = mg.tensor([3.0, 4.0], requires_grad=True)
    c = Tag.apply(a * late, name="c")
    d = Tag.apply(b + c + a, name="d")
    (d * d).sum().backward()
    assert calls == ["d", "c", "b", "a"]
    dd = 2 * host(d.data)
    assert np.allclose(host(x.grad), dd * (3 + host(late.data)))
    assert np.allclose(host(late.grad), dd * host(a.data))


def test_backward_through_deep_copies_of_a_graph():
    """A copied tensor keeps its creation number; two of them waiting at once must not
    be compared as tensors (their elementwise < has no truth value)."""
    import copy

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y2 = copy.deepcopy(y)  # same number as y, its own graph
    (y * y2).sum().backward()
    assert y2._number == y._number
    assert np.allclose(host(x.grad), 3 * host(y2.data))  # y2 hangs from its own copy of x


def test_a_10000_op_chain():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    assert np.allclose(host(x.grad), 1.0001 ** 10_000)


def test_relu_of_infinities_and_nan_follows_max():
    x = mg.tensor([-np.inf, -1.0, 0.0, 2.0, np.inf, np.nan], requires_grad=True)
    y = mg.relu(x)
    out = host(y.data)
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.0, 2.0, np.inf, np.nan])
    assert not np.signbit(out[:3]).any()  # 0, not -0 (and not -inf * 0 = nan)
    y.backward(np.ones(6))
    np.testing.assert_array_equal(host(x.grad), [0, 0, 0, 1, 1, 0])


def test_relu_output_is_its_own_array_though_it_compares_with_shared_zeros():
    """ReLU takes max(a, zeros) against a cached array of zeros: every result must
    still be a fresh array, and a result of all zeros must not be the cache."""
    for shape in [(3, 4), (2, 3, 4), (5,), ()]:
        a = mg.tensor(-np.ones(shape, np.float32))
        first, second = mg.relu(a), mg.relu(a)
        first.data[...] = 7  # a learner may write into a result
        assert host(second.data).max(initial=0) == 0 and host(mg.relu(a).data).max(initial=0) == 0
        assert first.shape == shape and first.dtype == np.float32


def test_relu_keeps_its_inputs_memory_order():
    """A convolution's output is channels-last in memory; ReLU's result must be laid
    out alike (a C-ordered result made the next layers of LeNet 1.3 times slower)."""
    channels_last = np.random.default_rng(0).standard_normal((2, 5, 4, 3)).astype(np.float32)
    a = mg.tensor(channels_last).transpose(0, 3, 1, 2)  # (N, C, H, W), channels last
    out = mg.relu(a)
    assert out.data.strides == a.data.strides
    np.testing.assert_array_equal(host(out.data), np.maximum(host(a.data), 0))


def test_max_ties_share_the_gradient_equally():
    x = mg.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.5, 0.0, 0.5]]
    m = mg.tensor([2.0, 2.0], requires_grad=True)
    n = mg.tensor([2.0, 1.0], requires_grad=True)
    mg.maximum(m, n).sum().backward()
    assert m.grad.tolist() == [0.5, 1.0] and n.grad.tolist() == [0.5, 0.0]


def test_argmax_has_no_gradient():
    x = mg.tensor([[1.0, 5.0], [7.0, 2.0]], requires_grad=True)
    assert x.argmax(axis=1).data.tolist() == [1, 0] and not x.argmax().requires_grad
    assert mg.argmin(x).item() == 0


# -- the functional API ---------------------------------------------------------------

def test_grad_of_the_course_example():
    x = [1, 3, 4, 5, 6]
    b = [2, 4, 5, 8, 9]

    def s(x, b):
        return mg.sum(mg.square(x) * b + mg.square(x))

    assert s(x, b).item() == 729
    gx, gb = mg.grad(s, argnums=(0, 1))(x, b)
    assert gx.tolist() == [6, 30, 48, 90, 120] and gb.tolist() == [1, 9, 16, 25, 36]
    assert mg.grad(s)(x, b).tolist() == [6, 30, 48, 90, 120]
    value, g = mg.value_and_grad(s, argnums=1)(np.array(x), mg.tensor(b))
    assert value.item() == 729 and g.tolist() == [1, 9, 16, 25, 36]


def test_grad_errors_are_clear():
    with pytest.raises(TypeError, match="must return a one-element Tensor.*shape \\(2,\\)"):
        mg.grad(lambda x: x * 2)([1.0, 2.0])
    with pytest.raises(IndexError, match="argnums 3"):
        mg.grad(lambda x: x.sum(), argnums=3)([1.0])


def test_grad_works_inside_no_grad():
    with mg.no_grad():
        assert mg.grad(lambda x: (x * x).sum())([3.0]).tolist() == [6.0]


# -- extending: a learner's own Function ----------------------------------------------

class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * 3 * x ** 2


class CubeWithBug(Cube):
    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * x ** 2  # forgot the 3


class AddWithoutSecondGradient(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, np.zeros_like(g)


def test_a_custom_function_works_and_passes_gradcheck():
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    Cube.apply(x).sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]
    assert mg.gradcheck(Cube.apply, np.array([0.5, -1.5, 2.0]))


def test_gradcheck_explains_a_wrong_gradient():
    with pytest.raises(mg.GradcheckError, match=r"(?s)input 0.*element \(0,\).*3 times too small"):
        mg.gradcheck(CubeWithBug.apply, np.array([0.5, -1.5, 2.0]))
    with pytest.raises(mg.GradcheckError, match="(?s)input 1.*no gradient"):
        mg.gradcheck(AddWithoutSecondGradient.apply, np.ones(3), np.ones(3))
    assert mg.gradcheck(CubeWithBug.apply, np.ones(2), raise_exception=False) is False


def test_a_function_returning_too_few_gradients_is_named():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    x = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="bad.backward returned 1 gradient.*2 input"):
        Bad.apply(x, x).sum().backward()


def test_a_function_returning_a_tensor_from_backward_is_named():
    class Twice(Function):
        @staticmethod
        def forward(ctx, a):
            return 2 * a

        @staticmethod
        def backward(ctx, g):
            return mg.tensor(2 * g)

    x = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="twice.backward returned a Tensor.*return its .data"):
        Twice.apply(x).sum().backward()


# -- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("make, error, words", [
    (lambda: mg.ones(3) + mg.ones(4), ValueError, r"add: .*\(3,\).*\(4,\)"),
    (lambda: mg.ones(2, 3) * mg.ones(3, 2), ValueError, r"mul: .*\(2, 3\).*\(3, 2\)"),
    (lambda: mg.ones(2, 3) @ mg.ones(2, 3), ValueError, r"matmul: shapes \(2, 3\) and \(2, 3\)"),
    (lambda: mg.ones(3) @ mg.tensor(2.0), ValueError, "matmul: both operands"),
    (lambda: mg.ones(2, 3).sum(axis=2), np.exceptions.AxisError, "sum: axis 2 is out of bounds"),
    (lambda: mg.ones(2, 3).max(axis=(0, 0)), ValueError, "max: repeated axis"),
    (lambda: mg.ones(0).max(), ValueError, "max: cannot reduce an empty tensor"),
    (lambda: mg.ones(2, 3) + "a", TypeError, "add: cannot use str"),
    (lambda: mg.tensor("abc"), (TypeError, ValueError), "."),
])
def test_bad_input_gets_a_clear_error(make, error, words):
    with pytest.raises(error, match=words):
        make()


# -- regressions found by running other libraries' test suites --------------------

POW_BASES = [-2.0, -0.5, 0.0, 0.5, 2.0]
POW_EXPONENTS = [-1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0]


def _pow_grads(a, b):
    A, B = mg.tensor(a, requires_grad=True), mg.tensor(b, requires_grad=True)
    with np.errstate(all="ignore"):
        (A ** B).backward()
    return float(A.grad), float(B.grad)


def test_pow_gradients_at_the_edges_follow_the_documented_rule():
    """ga = 0 where b = 0; gb = 0 where a = 0 and b >= 0, -inf where a = 0 and b < 0,
    nan where a < 0 (integer b too); IEEE arithmetic elsewhere."""
    assert _pow_grads(0.0, 0.0)[0] == 0.0                   # x**0 at 0 (was nan)
    assert _pow_grads(0.0, -1.0)[1] == -np.inf              # 0**b, b < 0 (was nan)
    assert _pow_grads(0.0, 2.0)[1] == 0.0
    assert np.isnan(_pow_grads(-2.0, 2.0)[1])               # log(-2) undefined (was 0)
    assert np.isnan(_pow_grads(-2.0, 3.0)[1])
    assert _pow_grads(-2.0, 3.0)[0] == 12.0                 # the base's gradient is fine
    x = mg.tensor(0.0, requires_grad=True)
    (x ** 0).backward()                                     # a number exponent, too
    assert float(x.grad) == 0.0
    x32 = mg.tensor(np.float32(2.0), requires_grad=True)
    (x32 ** 0).backward()
    assert x32.grad.dtype == np.float32


@pytest.mark.torch
@pytest.mark.parametrize("a", POW_BASES)
@pytest.mark.parametrize("b", POW_EXPONENTS)
def test_pow_gradients_on_the_edge_grid_match_pytorch(a, b):
    torch = pytest.importorskip("torch")
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    (ta ** tb).backward()
    # to the last bit or so (a GPU's pow may round differently); inf and nan must match
    np.testing.assert_allclose(_pow_grads(a, b), (ta.grad.item(), tb.grad.item()), rtol=1e-15)


def test_a_list_of_tensors_is_refused_rather_than_cut_off_the_graph():
    x = mg.tensor(0.0, requires_grad=True)
    with pytest.raises(TypeError, match="mean: .*minigrad.stack"):
        mg.mean([x, x + 2])
    with pytest.raises(TypeError, match="drop them from the graph"):
        mg.tensor([[x], [x]])
    with pytest.raises(TypeError, match="add: .*list"):
        mg.add(mg.ones(2), [x, x])
    assert mg.grad(lambda x: mg.mean(mg.stack([x, x + 2])))(0.0) == 1.0
    # tensors outside the graph are plain numbers, as before
    assert mg.tensor([mg.tensor(1.0), 2.0]).data.tolist() == [1.0, 2.0]


def test_max_with_a_nan_sends_the_gradient_to_the_nan_only():
    x = mg.tensor([1.0, np.nan, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(host(x.grad), [0.0, 1.0, 0.0])  # as PyTorch
    rows = mg.tensor([[1.0, np.nan, np.nan], [4.0, 2.0, 4.0]], requires_grad=True)
    rows.min(axis=1).sum().backward()
    np.testing.assert_array_equal(host(rows.grad), [[0, 0.5, 0.5], [0, 1, 0]])


def test_maximum_and_minimum_with_a_nan_send_the_gradient_to_the_nan():
    a = mg.tensor([np.nan, 1.0, 2.0, np.nan], requires_grad=True)
    b = mg.tensor([1.0, np.nan, 2.0, np.nan], requires_grad=True)
    mg.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(host(a.grad), [1.0, 0.0, 0.5, 0.5])
    np.testing.assert_array_equal(host(b.grad), [0.0, 1.0, 0.5, 0.5])
    a.grad = b.grad = None
    mg.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(host(a.grad), [1.0, 0.0, 0.5, 0.5])


def test_reductions_of_nothing_follow_numpy(warns_where_numpy_computes):
    empty = mg.zeros(0, 3, requires_grad=True)
    assert empty.sum().item() == 0.0
    with warns_where_numpy_computes():
        assert np.isnan(empty.mean().item())
    with warns_where_numpy_computes():
        assert np.isnan(mg.var(empty, axis=0).numpy()).all()
    with pytest.raises(ValueError, match="max: cannot reduce an empty tensor"):
        empty.max()
    assert mg.mean(mg.ones(2, 0), axis=0).shape == (0,)        # nothing to average: no values
    with warns_where_numpy_computes():                          # one value, ddof=1: NumPy's inf/nan
        assert np.isnan(mg.var(mg.ones(1), ddof=1).item())


def test_in_place_arithmetic_refuses_tensors_that_require_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    for update in (lambda: x.__iadd__(1), lambda: x.__isub__(1), lambda: x.__imul__(2),
                   lambda: x.__itruediv__(2), lambda: x.__ipow__(2)):
        with pytest.raises(RuntimeError, match=r"requires grad.*x = x \S+ y.*no_grad"):
            update()
    h = x * 2
    with pytest.raises(RuntimeError, match="in-place"):
        h += 1
    with mg.no_grad():                      # what optimizers do: the same tensor, updated
        before = x
        x -= 0.5
    assert x is before and x.data.tolist() == [0.5, 1.5] and x.requires_grad
    t = mg.zeros(2)
    t += np.array([1.0, 2.0])               # plain tensors update in place
    assert t.data.tolist() == [1.0, 2.0]
    total = mg.zeros(())
    total += (x * 3).sum()                  # adding a graph in: a new tensor in the graph
    total.backward()
    assert x.grad.tolist() == [3.0, 3.0]
    with pytest.raises(TypeError, match=r"x \+= y: cannot update a tensor of shape \(3,\) \(int64\)"):
        i = mg.arange(3)
        i += 0.5


def test_linspace_truncates_to_integers_like_pytorch_and_refuses_booleans():
    values = mg.linspace(5, -5, 20, dtype=np.int32)
    assert values.dtype == np.int32
    np.testing.assert_array_equal(values.numpy(),
                                  np.trunc(np.linspace(5, -5, 20)).astype(np.int32))
    assert values.numpy()[10] == 0                           # NumPy 2's floor gives -1
    with pytest.raises(TypeError, match="linspace: dtype must be"):
        mg.linspace(0, 1, 3, dtype=bool)
    with pytest.raises(TypeError, match="arange: dtype must be"):
        mg.arange(3, dtype=bool)
    with pytest.raises(TypeError, match="rand: random draws are float32 or float64"):
        mg.rand(2, dtype=np.int32)
