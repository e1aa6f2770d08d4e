"""Sphinx additions for the course website.

- Each chapter's Colab button opens the chapter's *student* notebook
  (``notebooks/student/<chapter>.ipynb``, exercises unsolved), not the reference
  notebook the page is rendered from.
- Each chapter's download menu also offers the student notebook.
- Exercise boxes (``:class: exercise``) get the course's colours.
"""

import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

STUDENT_DIR = "student"
STATIC = Path(__file__).parent / "static"


def student_notebook(srcdir, pagename):
    """The student notebook of the page ``pagename``, or None if it has none."""
    page = Path(srcdir, pagename + ".ipynb")
    student = page.parent / STUDENT_DIR / page.name
    return student if student.is_file() else None


def _buttons(context, label):
    for group in context.get("header_buttons", []):
        if group.get("label") == label:
            return group["buttons"]
    return None


def link_student_notebook(app, pagename, templatename, context, doctree):
    """Point the Colab button at the student notebook and offer it for download."""
    student = student_notebook(app.srcdir, pagename)
    if student is None:
        return
    relative = student.relative_to(app.srcdir).as_posix()
    for button in _buttons(context, "launch-buttons") or []:
        if button.get("text") == "Colab":
            reference = f"{pagename}.ipynb"
            if not button["url"].endswith(reference):
                raise ExtensionError(f"course_site: unexpected Colab link {button['url']!r} "
                                     f"on {pagename}; expected it to end with {reference!r}")
            button["url"] = button["url"][: -len(reference)] + relative
            button["tooltip"] = "Open the exercises in Colab"
    downloads = _buttons(context, "download-buttons")
    if downloads is not None:
        target = Path(app.outdir, "_sources", relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(student, target)
        downloads.insert(1, {
            "type": "link",
            "url": f"{context['pathto']('_sources', 1)}/{relative}",
            "text": "exercises .ipynb",
            "tooltip": "Download the student notebook (exercises unsolved)",
            "icon": "fas fa-pencil",
            "label": "download-student-notebook-button",
        })


def setup(app):
    app.connect("builder-inited", lambda app: app.config.html_static_path.append(str(STATIC)))
    app.add_css_file("course.css")
    # after sphinx-book-theme builds the header buttons (priority 501)
    app.connect("html-page-context", link_student_notebook, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
