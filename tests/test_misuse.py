"""Every case of the misuse catalogue gets its error type and a message that says why."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.backend import asnumpy as host
from misuse_cases import CATALOGUE

pytestmark = pytest.mark.misuse


def test_the_catalogue_is_large_and_covers_every_area():
    assert len(CATALOGUE) >= 30
    assert {c.area for c in CATALOGUE} >= {"shapes", "axes", "gradients", "losses", "modules",
                                           "optimizers", "data", "exercises"}


@pytest.mark.parametrize("case", CATALOGUE, ids=[c.what for c in CATALOGUE])
def test_misuse_gets_a_clear_error(case):
    with pytest.raises(case.error, match=f"(?s){case.words}") as info:
        case.run()
    message = str(info.value)
    assert len(message) > 25, "a message should explain, not just name"
    assert "Traceback" not in message


def test_modifying_saved_data_in_place_changes_backward_as_documented():
    """Documented hazard: operations save references to their inputs' arrays, not
    copies. Changing ``x.data`` in place between forward and backward changes the
    gradient (optimizers update parameters only after backward, so training is safe)."""
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.data[...] = mg.tensor([10.0, 20.0]).data  # on x's device, as x.data is
    y.backward()
    np.testing.assert_array_equal(host(x.grad), [20.0, 40.0])  # 2x at the *new* values
