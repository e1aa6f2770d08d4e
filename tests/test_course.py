"""The course as a learner meets it: notebooks run, checks answer, links agree."""

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from minigrad.exercises import notebooks
from minigrad.exercises.core import NOT_IMPLEMENTED, PASSED

pytestmark = pytest.mark.course

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = notebooks.reference_notebooks(ROOT / "notebooks")


def _config():
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def test_config_is_strict_and_complete():
    config = _config()
    assert config["only_build_toc_files"] is True
    assert config["execute"]["execute_notebooks"] in ("force", "auto")
    assert config["copyright"] and config["title"] and config["author"]
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert config["repository"]["url"].startswith("https://github.com/")


def test_the_footer_names_the_version_and_the_licence():
    version = re.search(r'^version = "(.+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    footer = _config()["html"]["extra_footer"]
    assert f"minigrad {version}" in footer and "MIT licence" in footer
    assert _config()["sphinx"]["config"]["html_last_updated_fmt"]


SHOWN_CODE_WIDTH = 80  # characters of code that fit the website's column without scrolling


def test_code_the_website_shows_fits_its_column():
    long_lines = []
    for path in [*CHAPTERS, *sorted((ROOT / "book").glob("*.ipynb"))]:
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            hidden = {"remove-input", "remove-cell"} & set(cell.metadata.get("tags", []))
            if cell.cell_type != "code" or hidden:
                continue
            long_lines += [f"{path.name}, cell {index}: {line}" for line in cell.source.splitlines()
                           if len(line) > SHOWN_CODE_WIDTH]
    assert long_lines == []


def test_every_chapter_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text()
    for path in CHAPTERS:
        assert f"notebooks/{path.stem}" in toc, path


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_setup_cell_installs_from_the_configured_repository(path):
    url = _config()["repository"]["url"]
    first_code = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert '"google.colab" in sys.modules' in first_code.source
    assert "remove-cell" in first_code.metadata.get("tags", []), "website readers need no set-up"
    assert re.search(rf'pip install .*minigrad @ git\+{re.escape(url)}"', first_code.source)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_reference_notebooks_have_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert all(not c.outputs for c in nb.cells if c.cell_type == "code")


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_reference_notebook_passes_every_check(path):
    """Read from the book build's executed copy when it is current (make test builds
    the book first), so that each chapter runs once per test run; else run it."""
    executed = notebooks.executed_by_the_book(path, ROOT / "_build")
    report = notebooks.report(executed, path) if executed else notebooks.run(path)
    expected = notebooks.exercise_ids(nbformat.read(path, as_version=4))
    assert not report.unexpected_errors
    assert not report.missing_errors, "cells tagged raises-exception did not raise"
    assert report.checks == {i: PASSED for i in expected}, report.messages


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_student_notebook_runs_with_every_exercise_unsolved(path):
    student = notebooks.student_path(path)
    report = notebooks.run(student)
    expected = notebooks.exercise_ids(nbformat.read(path, as_version=4))
    assert not report.unexpected_errors, "a later cell depends on an unsolved exercise"
    assert not report.missing_errors
    assert report.checks == {i: NOT_IMPLEMENTED for i in expected}, report.messages


def _glossary_terms():
    text = (ROOT / "book" / "glossary.md").read_text()
    block = text.split("```{glossary}", 1)[1].split("```", 1)[0]
    return {line.strip().lower() for line in block.splitlines() if line and not line[0].isspace()}


def test_every_glossary_term_is_linked_from_a_chapter():
    linked = set()
    for path in CHAPTERS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                linked |= {m.lower() for m in re.findall(r"\{term\}`(?:[^`<]*<)?([^`<>]+?)>?`",
                                                         cell.source)}
    terms = _glossary_terms()
    assert len(terms) >= 15
    assert terms - linked == set(), "glossary terms no chapter links to"


def test_the_book_builds_executed_copy_is_used_only_while_current(tmp_path):
    import os

    source = tmp_path / "notebooks" / "ch09_demo.ipynb"
    copy = tmp_path / "_build" / "jupyter_execute" / "notebooks" / "ch09_demo.ipynb"
    package = tmp_path / "pkg"
    for folder in (source.parent, copy.parent, package):
        folder.mkdir(parents=True)
    (package / "ops.py").write_text("x = 1\n")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    nbformat.write(nb, source)
    executed = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    executed.cells[0].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    nbformat.write(executed, copy)
    os.utime(source, (1, 1))
    os.utime(package / "ops.py", (1, 1))
    found = notebooks.executed_by_the_book(source, tmp_path / "_build", package)
    assert found is not None and found.cells[0].outputs[0].text == "1\n"
    os.utime(package / "ops.py", (2e9, 2e9))                      # the package changed since
    assert notebooks.executed_by_the_book(source, tmp_path / "_build", package) is None
    os.utime(package / "ops.py", (1, 1))
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(2)")]), copy)
    assert notebooks.executed_by_the_book(source, tmp_path / "_build", package) is None  # other code
    copy.unlink()
    assert notebooks.executed_by_the_book(source, tmp_path / "_build", package) is None
