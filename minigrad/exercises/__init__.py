"""Exercises and self-checks (all chapters).

In a chapter notebook, after writing an exercise's function::

    from minigrad.exercises import check
    check("1.3", tanh)          # ✔ Exercise 1.3 (tanh as a Value operation): passed

``use("1.6", train_step)`` returns the learner's function once it passes, and
the reference solution until then, so later cells always run.
``python -m minigrad.exercises build`` writes the student notebooks.
"""

from minigrad.exercises import (  # noqa: F401  (importing a chapter registers its exercises)
    ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09)
from minigrad.exercises.core import EXERCISES, CheckResult, check, lookup, use

__all__ = ["EXERCISES", "CheckResult", "check", "lookup", "use"]
