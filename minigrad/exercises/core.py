"""The exercise registry and ``check``: plain-words feedback for learners.

Each chapter's module registers its exercises with :func:`exercise`. A checker
receives the learner's function and raises :class:`CheckFailed` with a message
(expected vs got, and a hint for the usual mistake) when something is wrong.
:func:`check` turns every outcome, including exceptions raised by the
learner's code, into a short report instead of a traceback.
"""

import inspect
import math
import os
import sys
import traceback
from dataclasses import dataclass
from typing import Callable

PASSED = "passed"
FAILED = "not right yet"
NOT_IMPLEMENTED = "not implemented yet"
ERROR = "raised an error"
STATUSES = (PASSED, FAILED, NOT_IMPLEMENTED, ERROR)

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_STDLIB_DIR = os.path.dirname(os.path.abspath(os.__file__))


class CheckFailed(AssertionError):
    """A learner's function gave a wrong answer; the message says how."""


class EarlierExerciseMissing(NotImplementedError):
    """The exercise uses an earlier one that is not implemented yet."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: its id ("1.3"), title, checker and reference solution.

    ``example_args`` is a call the learner's function must accept; it is used
    to report a wrong signature before running the checker. ``where`` names the
    package's own version (shown once the learner's passes); ``hint`` is the
    exercise's general hint, repeated when the learner's code raises.
    """

    id: str
    title: str
    checker: Callable
    reference: Callable
    example_args: Callable
    where: str = ""
    hint: str = ""


EXERCISES = {}


def exercise(exercise_id, title, reference, example_args, where="", hint=""):
    """Register the decorated checker for ``exercise_id``."""
    def register(checker):
        if exercise_id in EXERCISES:
            raise ValueError(f"exercise {exercise_id} is registered twice")
        EXERCISES[exercise_id] = Exercise(exercise_id, title, checker, reference,
                                          example_args, where, hint)
        return checker
    return register


@dataclass
class CheckResult:
    """The outcome of checking one exercise; its text is the report."""

    exercise: Exercise
    status: str
    message: str = ""

    @property
    def passed(self):
        return self.status == PASSED

    def __repr__(self):
        mark = {PASSED: "✔", FAILED: "✘", ERROR: "✘", NOT_IMPLEMENTED: "…"}[self.status]
        head = f"{mark} Exercise {self.exercise.id} ({self.exercise.title}): {self.status}"
        return head + ("\n" + self.message if self.message else "")

    __str__ = __repr__


# -- helpers for checkers -----------------------------------------------------

def expect(condition, message):
    """Fail the check with ``message`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailed(message)


def expect_close(got, expected, what, hint="", tol=1e-6):
    """Fail unless the number ``got`` is within ``tol`` (relative) of ``expected``."""
    try:
        got = float(got)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what}: expected a number, got {type(got).__name__} {got!r}") from None
    if not math.isclose(got, expected, rel_tol=tol, abs_tol=tol):
        message = f"{what}: expected {expected:.6g}, got {got:.6g}."
        raise CheckFailed(message + (f"\nHint: {hint}" if hint else ""))


def expect_array(got, expected, what, hint="", tol=1e-6):
    """Fail unless the array ``got`` has ``expected``'s shape and values."""
    import numpy as np

    from minigrad.backend import asnumpy, unwrap

    got_data = unwrap(got)  # a Tensor is fine too, on any device
    try:
        got_array = np.asarray(asnumpy(got_data), dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what}: expected an array, got {type(got).__name__}") from None
    expected = np.asarray(expected, dtype=np.float64)
    suffix = f"\nHint: {hint}" if hint else ""
    if got_array.shape != expected.shape:
        raise CheckFailed(f"{what}: expected shape {expected.shape}, got shape "
                          f"{got_array.shape}.{suffix}")
    close = np.isclose(got_array, expected, rtol=tol, atol=tol)
    if not close.all():
        i = tuple(int(n) for n in np.argwhere(~close)[0])
        raise CheckFailed(f"{what}: wrong value at index {i}: expected {expected[i]:.6g}, got "
                          f"{got_array[i]:.6g} ({int((~close).sum())} of {close.size} "
                          f"values differ).{suffix}")


# -- running a check ----------------------------------------------------------

def _signature_problem(fn, exercise):
    """A sentence saying why ``fn`` cannot be called like the exercise asks, or None."""
    if not callable(fn):
        return f"expected a function, got {type(fn).__name__} {fn!r}."
    if inspect.isclass(exercise.reference):
        from minigrad.autograd import Function

        if issubclass(exercise.reference, Function):
            if not (inspect.isclass(fn) and issubclass(fn, Function)):
                return f"expected a subclass of minigrad.Function, got {fn!r}."
        elif not inspect.isclass(fn):
            return (f"expected your class (like {exercise.reference.__name__}), got "
                    f"{type(fn).__name__} {fn!r}.")
        return None
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None  # builtins without a signature: let the checker try them
    args = exercise.example_args()
    wanted = exercise.reference
    try:
        signature.bind(*args)
    except TypeError:
        return (f"your function takes {signature} but this exercise calls it with "
                f"{len(args)} argument(s), like {wanted.__name__}"
                f"{inspect.signature(wanted)}.")
    return None


def _is_library(filename):
    path = os.path.abspath(filename)
    return (path.startswith(_PACKAGE_DIR) or "site-packages" in path
            or path.startswith(_STDLIB_DIR))


def _where_in_learner_code(exc):
    """'line N: `code`' for the innermost frame of the learner's own code, if any."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not _is_library(f.filename)]
    if not frames:
        return ""
    frame = frames[-1]
    code = f": `{frame.line.strip()}`" if frame.line else ""
    return f"\n  at line {frame.lineno} of your code{code}"


# Exceptions whose usual cause in a learner's code is known: (type, words in the
# message, what to look at).
USUAL_CAUSES = [
    (ValueError, "could not be broadcast",
     "the shapes do not line up. Usually a reduction dropped an axis: pass keepdims=True, "
     "or put the axis back with np.expand_dims(g, axis) (or g[:, None])."),
    (ValueError, "expected 1, got 0",
     "ctx.saved_tensors is empty: forward must keep what backward needs with "
     "ctx.save_for_backward(...)."),
    (TypeError, "'NoneType'",
     "something is None: does every path through your function end with `return`?"),
    (AttributeError, "object has no attribute 'data'",
     "a plain number reached code that expects a Value or a Tensor: wrap it first, "
     "e.g. other = other if isinstance(other, Value) else Value(other)."),
    (AttributeError, "'NoneType' object",
     "something is None: does every path through your function end with `return`?"),
]


def usual_cause(exc):
    """What usually causes ``exc`` in a learner's code, or ''."""
    for kind, words, cause in USUAL_CAUSES:
        if isinstance(exc, kind) and words in str(exc):
            return f"\nUsual cause: {cause}"
    return ""


def lookup(exercise_id):
    """The registered :class:`Exercise` with this id (e.g. ``"1.3"``)."""
    try:
        return EXERCISES[str(exercise_id)]
    except KeyError:
        known = ", ".join(sorted(EXERCISES, key=_id_key))
        raise KeyError(f"there is no exercise {exercise_id!r}; known exercises: {known}") from None


def _id_key(exercise_id):
    return tuple(int(part) for part in exercise_id.split("."))


def check(exercise_id, fn):
    """Check the learner's ``fn`` for an exercise and report in plain words.

    Returns a :class:`CheckResult`; shown in a notebook it reads like
    ``✔ Exercise 1.3 (tanh as a Value operation): passed``. Nothing the
    learner's code does (a wrong answer, an exception, a stub) escapes as a
    traceback.
    """
    ex = lookup(exercise_id)
    problem = _signature_problem(fn, ex)
    if problem:
        return CheckResult(ex, FAILED, problem)
    try:
        with _randomness_untouched():
            ex.checker(fn)
    except EarlierExerciseMissing as missing:
        return CheckResult(ex, NOT_IMPLEMENTED, str(missing))
    except NotImplementedError:
        return CheckResult(ex, NOT_IMPLEMENTED,
                           "Replace the `raise NotImplementedError(...)` line with "
                           "your code, run that cell, then run this check again.")
    except CheckFailed as failure:
        return CheckResult(ex, FAILED, str(failure))
    except RecursionError:
        return CheckResult(ex, ERROR, "RecursionError: your code recursed too deeply. "
                           "Deep graphs need a loop with an explicit stack, not recursion.")
    except Exception as exc:  # the learner's bug, reported rather than raised
        hint = f"\nHint: {ex.hint}" if ex.hint else ""
        return CheckResult(ex, ERROR, f"{type(exc).__name__}: {exc}{_where_in_learner_code(exc)}"
                                      f"{usual_cause(exc)}{hint}")
    where = f"minigrad's own version, to compare with yours: {ex.where}" if ex.where else ""
    return CheckResult(ex, PASSED, where)


def _randomness_untouched():
    """Run a check without moving minigrad's generator: the draws a notebook makes after
    ``check`` are the same whether or not the check seeds or draws (5.2 does both)."""
    from minigrad import rng

    return rng.replaying(rng.state())


def _name(fn):
    return getattr(fn, "__name__", type(fn).__name__)


def use(exercise_id, fn):
    """``fn`` if it passes its check, otherwise the reference solution.

    Lets the cells after an exercise run before the learner has solved it,
    and prints one line saying whose code runs from here on.
    """
    result = check(exercise_id, fn)
    if result.passed:
        print(f"Running on your {_name(fn)} (Exercise {exercise_id} passes).")
        return fn
    reference = lookup(exercise_id).reference
    state = result.status if result.status == ERROR else f"is {result.status}"
    why = result.message.splitlines()[0] if result.message else ""
    why = f" ({why})" if why.startswith("this exercise uses") else ""
    print(f"Your Exercise {exercise_id} {state}{why}: running on minigrad's reference "
          f"{_name(reference)} so that the rest of the notebook runs.", file=sys.stdout)
    return reference
