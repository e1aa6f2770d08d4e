"""Command line for instructors and learners.

    python -m minigrad.exercises build [--check] [NOTEBOOK_DIR]
    python -m minigrad.exercises check NOTEBOOK.ipynb [...]
"""

import argparse
import sys

from minigrad.exercises import notebooks
from minigrad.exercises.core import PASSED


def _build(args):
    try:
        changed = notebooks.build(args.notebook_dir, check_only=args.check)
    except notebooks.ExerciseMarkupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check and changed:
        print("Notebooks are out of date; run `python -m minigrad.exercises build`:")
        for path in changed:
            print(f"  {path}")
        return 1
    for path in changed:
        print(f"wrote {path}")
    if not changed:
        print("notebooks are up to date")
    return 0


def _check(args):
    status = 0
    passed = total = 0
    for path in args.notebooks:
        report = notebooks.run(path)
        print(f"{path}:")
        for exercise_id, message in report.messages.items():
            print("  " + message.replace("\n", "\n    "))
        for index, error in report.unexpected_errors:
            print(f"  ✘ cell {index} raised {error}")
        if not report.checks:
            print("  (no exercise checks found)")
        if report.unexpected_errors or any(s != PASSED for s in report.checks.values()):
            status = 1
        total += len(report.checks)
        passed += sum(s == PASSED for s in report.checks.values())
    print(f"{passed} of {total} exercises passed.")
    return status


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m minigrad.exercises",
                                     description="Build student notebooks or check a notebook's exercises.")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="write notebooks/student/ from the reference notebooks")
    build.add_argument("notebook_dir", nargs="?", default="notebooks")
    build.add_argument("--check", action="store_true", help="only report out-of-date student notebooks")
    build.set_defaults(run=_build)
    check = commands.add_parser("check", help="run notebooks and print each exercise's check")
    check.add_argument("notebooks", nargs="+")
    check.set_defaults(run=_check)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
