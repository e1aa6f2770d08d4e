"""Student notebooks: generated from the reference notebooks, and checked.

A reference (solution) notebook marks each exercise's code cell with a first
line ``# Exercise 1.3: title`` and wraps the solution in nbgrader's markers::

    def tanh(x):
        \"\"\"The docstring stays.\"\"\"
        ### BEGIN SOLUTION
        ...
        ### END SOLUTION

The student version replaces each marked region with
``raise NotImplementedError("Exercise 1.3: title")`` at the same indentation,
keeping signatures and docstrings, and has no outputs.
"""

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HEADER = re.compile(r"^#\s*Exercise\s+(\d+\.\d+)\s*:\s*(.+?)\s*$")
CHECK_REPORT = re.compile(r"^\S+ Exercise (\d+\.\d+) \(.*\): (.+)$", re.M)
STUDENT_DIR = "student"


class ExerciseMarkupError(ValueError):
    """A reference notebook's exercise markers are malformed."""


def strip_solutions(source, where="cell"):
    """``source`` with every solution region replaced by a NotImplementedError stub.

    Raises:
        ExerciseMarkupError: markers without an ``# Exercise N.M: title`` first
            line, or a BEGIN without its END (or the reverse).
    """
    lines = source.splitlines()
    header = HEADER.match(lines[0]) if lines else None
    out, inside = [], False
    for number, line in enumerate(lines, 1):
        marker = line.strip()
        if marker == BEGIN:
            if inside or header is None:
                problem = ("nested BEGIN SOLUTION" if inside else
                           "a solution region needs '# Exercise N.M: title' as the cell's first line")
                raise ExerciseMarkupError(f"{where}, line {number}: {problem}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            exercise_id, title = header.groups()
            out.append(f'{indent}raise NotImplementedError("Exercise {exercise_id}: {title}")')
        elif marker == END:
            if not inside:
                raise ExerciseMarkupError(f"{where}, line {number}: END SOLUTION without BEGIN")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ExerciseMarkupError(f"{where}: BEGIN SOLUTION without END SOLUTION")
    return "\n".join(out)


def exercise_ids(nb):
    """The ids of the exercises whose solutions a notebook contains, in order."""
    ids = []
    for cell in nb.cells:
        first = cell.source.splitlines()[0] if cell.source else ""
        match = HEADER.match(first)
        if cell.cell_type == "code" and match and BEGIN in cell.source:
            ids.append(match.group(1))
    return ids


def student_version(nb, name="notebook"):
    """A copy of the reference notebook ``nb`` with solutions removed, no outputs."""
    student = copy.deepcopy(nb)
    for index, cell in enumerate(student.cells):
        if cell.cell_type != "code":
            continue
        cell.source = strip_solutions(cell.source, where=f"{name}, cell {index}")
        cell.outputs = []
        cell.execution_count = None
    return student


def student_path(reference_path):
    reference_path = Path(reference_path)
    return reference_path.parent / STUDENT_DIR / reference_path.name


def reference_notebooks(notebook_dir="notebooks"):
    """The chapter notebooks (``ch*.ipynb``) in ``notebook_dir``, sorted."""
    return sorted(Path(notebook_dir).glob("ch*.ipynb"))


def build(notebook_dir="notebooks", check_only=False):
    """Write (or, with ``check_only``, compare) every student notebook.

    Returns:
        the student notebooks that were written, or that are out of date.
    """
    import nbformat

    changed = []
    for path in reference_notebooks(notebook_dir):
        text = nbformat.writes(student_version(nbformat.read(path, as_version=4),
                                               name=path.name)) + "\n"
        target = student_path(path)
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        changed.append(target)
        if not check_only:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    return changed


@dataclass
class NotebookReport:
    """What happened when a notebook ran: each check's status, and any errors."""

    path: Path
    checks: dict = field(default_factory=dict)          # exercise id -> status
    messages: dict = field(default_factory=dict)        # exercise id -> report
    unexpected_errors: list = field(default_factory=list)  # (cell index, error)
    missing_errors: list = field(default_factory=list)     # tagged cells that ran fine


def run(path, timeout=600):
    """Execute a notebook on a fresh kernel and collect its check reports.

    Cells tagged ``raises-exception`` must raise; any other error is recorded
    in ``unexpected_errors``.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    report = NotebookReport(path)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        tagged = "raises-exception" in cell.metadata.get("tags", [])
        if errors and not tagged:
            report.unexpected_errors.append((index, f"{errors[0].ename}: {errors[0].evalue}"))
        if tagged and not errors:
            report.missing_errors.append(index)
        for output in cell.outputs:
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            for match in CHECK_REPORT.finditer(text):
                report.checks[match.group(1)] = match.group(2)
                report.messages[match.group(1)] = text.strip()
    return report
