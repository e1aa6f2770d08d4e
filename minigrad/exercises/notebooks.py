"""Student notebooks: generated from the reference notebooks, and checked.

A reference (solution) notebook marks each exercise's code cell with a first
line ``# Exercise 1.3: title`` and wraps the solution in nbgrader's markers::

    def tanh(x):
        \"\"\"The docstring stays.\"\"\"
        ### BEGIN SOLUTION
        ...
        ### END SOLUTION

The markdown cell just before it states the exercise, as a MyST admonition
the website renders as a box::

    :::{admonition} Exercise 1.3: title
    :class: exercise

    What to do.
    :::

On the website the solution cell is collapsed behind "Show the solution"
(``make student`` tags it ``hide-input``). The student version replaces each
marked region with ``raise NotImplementedError("Exercise 1.3: title")`` at the
same indentation, keeping signatures and docstrings, turns the book's MyST
markup (exercise boxes, glossary links) into plain Markdown for Jupyter and
Colab, and has no outputs.
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
PROMPT = re.compile(r"\A:::\{admonition\} Exercise (\d+\.\d+): (.+)\n:class: exercise\n\n(.*?)\n:::\s*\Z",
                    re.S)
GLOSSARY_LINK = re.compile(r"\{term\}`([^`<]+?)\s*(?:<[^`>]*>)?`")
SOLUTION_TAG = "hide-input"
SOLUTION_PROMPTS = {"code_prompt_show": "Show the solution", "code_prompt_hide": "Hide the solution"}


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


def plain_markdown(source):
    """The book's MyST markup as plain Markdown: an exercise box becomes a bold
    heading and its text, a glossary link ``{term}`text <target>``` its text."""
    source = PROMPT.sub(lambda m: f"**Exercise {m[1]}: {m[2]}**\n\n{m[3]}", source)
    return GLOSSARY_LINK.sub(r"\1", source)


def solution_cells(nb):
    """``(cell index, exercise id, title)`` of each exercise solution cell, in order."""
    found = []
    for index, cell in enumerate(nb.cells):
        first = cell.source.splitlines()[0] if cell.source else ""
        match = HEADER.match(first)
        if cell.cell_type == "code" and match and BEGIN in cell.source:
            found.append((index, *match.groups()))
    return found


def exercise_ids(nb):
    """The ids of the exercises whose solutions a notebook contains, in order."""
    return [exercise_id for _, exercise_id, _ in solution_cells(nb)]


def check_prompts(nb, name="notebook"):
    """Raise ExerciseMarkupError unless each solution cell follows its exercise box."""
    for index, exercise_id, title in solution_cells(nb):
        before = nb.cells[index - 1] if index else None
        match = PROMPT.match(before.source) if before and before.cell_type == "markdown" else None
        if not match or match.group(1, 2) != (exercise_id, title):
            raise ExerciseMarkupError(
                f"{name}, cell {index}: Exercise {exercise_id} needs, in the markdown cell just "
                f"before it, a box ':::{{admonition}} Exercise {exercise_id}: {title}' with "
                "':class: exercise', a blank line, the task, and ':::'")


def collapse_solutions(nb):
    """Tag every solution cell so that the website folds it behind "Show the solution".

    Returns:
        whether any cell's metadata changed.
    """
    changed = False
    for index, _, _ in solution_cells(nb):
        metadata = nb.cells[index].metadata
        tags = metadata.setdefault("tags", [])
        if SOLUTION_TAG not in tags:
            tags.append(SOLUTION_TAG)
            changed = True
        if metadata.get("mystnb") != SOLUTION_PROMPTS:
            metadata["mystnb"] = dict(SOLUTION_PROMPTS)
            changed = True
    return changed


def student_version(nb, name="notebook"):
    """A copy of the reference notebook ``nb`` with solutions removed, no outputs,
    and plain Markdown."""
    student = copy.deepcopy(nb)
    for index, cell in enumerate(student.cells):
        if cell.cell_type == "markdown":
            cell.source = plain_markdown(cell.source)
        if cell.cell_type != "code":
            continue
        cell.source = strip_solutions(cell.source, where=f"{name}, cell {index}")
        cell.metadata.pop("mystnb", None)
        if SOLUTION_TAG in cell.metadata.get("tags", []):
            cell.metadata["tags"].remove(SOLUTION_TAG)
            if not cell.metadata["tags"]:
                del cell.metadata["tags"]
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
    """Write (or, with ``check_only``, compare) every student notebook, and tag
    the reference notebooks' solution cells to be collapsed on the website.

    Returns:
        the notebooks that were written, or that are out of date.

    Raises:
        ExerciseMarkupError: an exercise without its box, or malformed markers.
    """
    import nbformat

    changed = []
    for path in reference_notebooks(notebook_dir):
        reference = nbformat.read(path, as_version=4)
        check_prompts(reference, name=path.name)
        if collapse_solutions(reference):
            changed.append(path)
            if not check_only:
                nbformat.write(reference, path)
        text = nbformat.writes(student_version(reference, name=path.name)) + "\n"
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
    return report(nb, path)


def report(nb, path):
    """The check reports and errors recorded in the outputs of an executed notebook."""
    result = NotebookReport(Path(path))
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        tagged = "raises-exception" in cell.metadata.get("tags", [])
        if errors and not tagged:
            result.unexpected_errors.append((index, f"{errors[0].ename}: {errors[0].evalue}"))
        if tagged and not errors:
            result.missing_errors.append(index)
        for output in cell.outputs:
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            for match in CHECK_REPORT.finditer(text):
                result.checks[match.group(1)] = match.group(2)
                result.messages[match.group(1)] = text.strip()
    return result


def executed_by_the_book(path, build_dir="_build", package_dir=None):
    """The copy of notebook ``path`` that the book build executed, if it is current.

    ``jupyter-book build`` leaves each executed notebook in
    ``<build_dir>/jupyter_execute/``. It is current when it is newer than the
    notebook and than every module of the package, and holds the same code
    cells; then a test can read its outputs instead of running the notebook a
    second time. Returns None otherwise.
    """
    import nbformat

    path = Path(path).resolve()
    root = Path(build_dir).resolve().parent
    copy = Path(build_dir, "jupyter_execute", path.relative_to(root)).resolve()
    if not copy.is_file():
        return None
    package_dir = Path(package_dir or Path(__file__).resolve().parent.parent)
    sources = [path, *package_dir.rglob("*.py")]
    if copy.stat().st_mtime < max(p.stat().st_mtime for p in sources):
        return None
    executed = nbformat.read(copy, as_version=4)
    original = nbformat.read(path, as_version=4)
    code = [[c.source for c in nb.cells if c.cell_type == "code"] for nb in (executed, original)]
    return executed if code[0] == code[1] else None
