"""The benchmark suite runs and writes its tables (no timing is asserted here)."""

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.slow
def test_benchmark_suite_runs_and_reports(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import run

    results = run.main(["--quick", "--out", str(tmp_path)])
    written = json.loads((tmp_path / "results.json").read_text())
    assert written["timings"] and written == json.loads(json.dumps(results))
    names = [row["benchmark"] for row in written["timings"]]
    assert any("batch 128" in n for n in names) and any("100 000" in n for n in names)
    assert all(row["minigrad"]["min"] <= row["minigrad"]["median"] <= row["minigrad"]["max"]
               for row in written["timings"])
    assert "| benchmark |" in (tmp_path / "results.md").read_text()
    steps = [row for row in written["timings"] if "MLP" in row["benchmark"] and "numpy" in row]
    assert steps and all(run.ratio(row, "minigrad", "numpy") > 0 for row in steps)
    assert all(len(row["minigrad"]["rounds"]) == len(row["numpy"]["rounds"]) > 1 for row in steps)
    measured = {t["target"]: t["measured"] for t in written["targets"]}
    assert all(measured[name] is not None for name, *_, other, _ in run.TARGETS
               if other in (None, "numpy", "micrograd"))  # every target finds its row


def test_a_ratio_is_taken_block_by_block():
    """A slow spell that hits both implementations in one block moves neither ratio."""
    sys.path.insert(0, str(BENCHMARKS))
    import run

    row = {"minigrad": {"rounds": [2.0, 30.0, 3.0]}, "numpy": {"rounds": [1.0, 10.0, 3.0]}}
    assert run.ratio(row, "minigrad", "numpy") == 2.0  # per block 2, 3, 1; medians alone give 1
    assert run.ratio(row, "minigrad", "pytorch") is None


def test_committed_results_are_readable():
    results = json.loads((BENCHMARKS / "results.json").read_text())
    assert results["machine"] and results["timings"] and "memory" in results
    sys.path.insert(0, str(BENCHMARKS))
    import run

    # every target is shown, measured on the committed run (the Performance page reads it)
    assert [t["target"] for t in results["targets"]][:len(run.TARGETS)] == \
        [t[0] for t in run.TARGETS]
    assert all(t["measured"] is not None for t in results["targets"])


def test_a_target_is_met_within_its_limit_and_unknown_without_its_peer():
    sys.path.insert(0, str(BENCHMARKS))
    import run

    def step(name, minigrad, numpy):
        return {"benchmark": name, "dtype": "float32",
                "minigrad": {"rounds": minigrad, "median": 1.0},
                "numpy": {"rounds": numpy, "median": 1.0}}

    results = {"timings": [step("moons MLP 2-16-16-2, batch 200", [1.2, 1.4, 1.2], [1.0] * 3),
                           step("MNIST MLP 784-200-100-10, batch 128", [1.1] * 3, [1.0] * 3)]}
    found = {t["target"]: t for t in run.targets(results)}
    assert found["moons step: minigrad / NumPy"]["met"] is True  # 1.2 <= 1.3
    assert found["MNIST step, batch 128: minigrad / NumPy"]["met"] is False  # 1.1 > 1.08
    assert found["moons step: minigrad / JAX (jit)"]["measured"] is None  # no JAX in this run
    assert found["moons step: minigrad / JAX (jit)"]["met"] is None
    assert "| moons step: minigrad / NumPy | 1.20 | ≤ 1.3 | yes |" in \
        run.targets_markdown(run.targets(results))


def test_hand_written_numpy_step_matches_minigrad():
    """The baseline computes the same thing as minigrad, or the ratios would mean nothing."""
    import numpy as np

    sys.path.insert(0, str(BENCHMARKS))
    from numpy_mlp import NumpyMLP

    import minigrad as mg
    import minigrad.functional as F
    from minigrad import nn
    from minigrad.backend import asnumpy as host

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 5)), rng.integers(0, 3, 8)
    ref = NumpyMLP((5, 4, 3), np.float64, rng)
    model = nn.Sequential(nn.Linear(5, 4, dtype=np.float64), nn.ReLU(), nn.Linear(4, 3, dtype=np.float64))
    for layer, W in zip(model[::2], ref.weights):
        layer.weight.data[...] = mg.tensor(W).data
    loss = F.cross_entropy(model(mg.tensor(X)), y)
    loss.backward()
    expected = [W - 0.1 * host(layer.weight.grad) for layer, W in zip(model[::2], ref.weights)]
    assert ref.step(X, y, 0.1) == pytest.approx(loss.item())
    for W, want in zip(ref.weights, expected):
        np.testing.assert_allclose(W, want, rtol=1e-12)


def test_gpu_benchmark_runs_on_the_stand_in(tmp_path):
    """benchmarks/gpu.py takes the device code path end to end (no timing is checked)."""
    sys.path.insert(0, str(BENCHMARKS))
    import gpu

    assert gpu.main(["--device", "standin", "--quick", "--out", str(tmp_path / "r")]) == 0
    results = json.loads((tmp_path / "r.json").read_text())
    assert [(r["batch"], r["width"]) for r in results["rows"]] == [(32, 64), (256, 64)]
    assert all(r["cpu"][0] > 0 and r["standin"][0] > 0 for r in results["rows"])
    assert "| 32 | 64 |" in (tmp_path / "r.md").read_text()


def test_the_hand_written_numpy_lenet_takes_the_same_step_as_minigrad():
    """The LeNet baseline computes what minigrad computes (one SGD step moves every
    parameter alike), so the ratio compares like with like."""
    import numpy as np

    sys.path.insert(0, str(BENCHMARKS))
    import run
    from numpy_conv import NumpyLeNet

    rng = np.random.default_rng(1)
    params = [p.astype(np.float64) for p in run._lenet_params(rng)]
    X, y = rng.random((8, 1, 28, 28)), rng.integers(0, 10, 8)
    by_hand = NumpyLeNet(params)
    by_hand.step(X, y, 0.01)
    step = run._minigrad_lenet(params, X, y)  # a float32 model: compare the updates loosely
    step()
    for mine, theirs, start in zip(step.model.parameters(), by_hand.params, params):
        np.testing.assert_allclose(mine.numpy() - start, theirs - start, rtol=2e-3, atol=1e-6)


def test_the_pytorch_gpt_of_the_benchmark_computes_what_minigrads_does():
    """Same weights, same batch: the same loss and the same gradients (float32), so that
    the transformer row compares like with like."""
    torch = pytest.importorskip("torch")
    import numpy as np

    sys.path.insert(0, str(BENCHMARKS))
    import run

    import minigrad as mg
    import minigrad.functional as F
    from minigrad.backend import asnumpy as host
    from minigrad.gpt import GPT

    mg.manual_seed(0)
    ours = GPT(**run.GPT_SHAPE)
    theirs = run._torch_gpt(ours)
    rng = np.random.default_rng(0)
    X = rng.integers(0, 11, (4, 16))
    y = rng.integers(0, 11, X.shape)
    loss = F.cross_entropy(ours(X).reshape(-1, 11), y.reshape(-1))
    loss.backward()
    ref = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(X)).reshape(-1, 11),
                                            torch.from_numpy(y).reshape(-1))
    ref.backward()
    assert loss.item() == pytest.approx(ref.item(), rel=1e-5)
    grads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(host(p.grad), grads[name].grad.numpy(), rtol=2e-3, atol=2e-5,
                                   err_msg=name)


def test_a_block_goes_on_until_it_has_lasted_block_s():
    sys.path.insert(0, str(BENCHMARKS))
    import run

    calls = []
    timed = run.timed_together({"step": lambda: calls.append(1)}, repeats=4, warmup=0, rounds=2,
                               block_s=0.01)
    assert len(timed["step"]["rounds"]) == 2
    assert len(calls) > 100  # a call of under a microsecond, for 10 ms twice; not 2 x 2 calls


def test_implementations_on_numpys_threads_run_back_to_back_and_take_turns():
    """minigrad's block and NumPy's are neighbours in every round (no pause between
    them, in which the machine could change speed), and each goes first as often."""
    sys.path.insert(0, str(BENCHMARKS))
    import run

    order = run.running_order(["numpy", "minigrad", "pytorch", "jax"], rounds=4)
    for names in order:
        assert sorted(names) == ["jax", "minigrad", "numpy", "pytorch"]
        assert abs(names.index("numpy") - names.index("minigrad")) == 1
    assert [names[0] for names in order] == ["numpy", "pytorch", "jax", "minigrad"]
    firsts = [min(("numpy", "minigrad"), key=names.index) for names in order]
    assert firsts.count("numpy") == firsts.count("minigrad") == 2


def test_a_pause_comes_only_where_another_librarys_threads_may_still_spin(monkeypatch):
    sys.path.insert(0, str(BENCHMARKS))
    import run

    events = []
    monkeypatch.setattr(run.time, "sleep", lambda s: events.append("pause"))
    fns = {name: (lambda name=name: events.append(name))
           for name in ("numpy", "minigrad", "pytorch")}
    run.timed_together(fns, repeats=2, warmup=0, rounds=2)
    assert events == ["numpy", "minigrad", "pause", "pytorch",
                      "pytorch", "pause", "minigrad", "numpy"]
