"""Shared test set-up: where the datasets are, and a report of what the randomised tests checked."""

import contextlib
import os
from pathlib import Path

import pytest

# Notebooks (run by nbval and by the course tests) read MNIST from $MINIGRAD_DATA;
# beside a checkout with ../shared/data (as in CI) use it, as scripts/test.sh does,
# so that a plain `pytest` behaves like `make test`.
_SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if "MINIGRAD_DATA" not in os.environ and _SHARED_DATA.is_dir():
    os.environ["MINIGRAD_DATA"] = str(_SHARED_DATA)


def pytest_terminal_summary(terminalreporter):
    try:
        from test_reliability import STATS
    except ImportError:
        return
    if STATS["graphs"]:
        terminalreporter.write_line(
            f"reliability: {STATS['graphs']} random graphs checked "
            f"({STATS['op_instances']} operation instances) against central differences"
            " and PyTorch")


@pytest.fixture
def warns_where_numpy_computes():
    """``warns()`` expects NumPy's RuntimeWarning when the default device is the CPU, and
    nothing on a device: CuPy (and the stand-in that mimics it) warns of nothing."""
    from minigrad import backend

    def warns(match=None):
        if backend.default_device() == "cpu":
            return pytest.warns(RuntimeWarning, match=match)
        return contextlib.nullcontext()
    return warns
