"""Sphinx additions for the course website.

- Each chapter's Colab button opens the chapter's *student* notebook
  (``notebooks/student/<chapter>.ipynb``, exercises unsolved), not the reference
  notebook the page is rendered from.
- Each chapter's download menu also offers the student notebook.
- Exercise boxes (``:class: exercise``) get the course's colours.
- A deliberate error shows as the text talks about it: its type and message,
  without the traceback's frames, paths and chained causes.
- MathJax is served from the site itself (the pinned ``django-static-mathjax``
  package holds MathJax 3), so formulas render offline too.
"""

import re
import shutil
from pathlib import Path

from docutils import nodes
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
    """Point the Colab button at the student notebook, show it as a badge under the
    title, and offer the notebook for download. Pages without a student notebook
    (the book's own pages) cannot run in Colab: they lose the launch button."""
    student = student_notebook(app.srcdir, pagename)
    if student is None:
        context["header_buttons"] = [group for group in context.get("header_buttons", [])
                                     if group.get("label") != "launch-buttons"]
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
            badge = (f'<p class="colab-badge"><a href="{button["url"]}" target="_blank" '
                     f'rel="noopener">Open the exercises in Colab</a></p>')
            context["body"] = context["body"].replace("</h1>", "</h1>\n" + badge, 1)
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


TRACEBACK_HEADER = re.compile(r"^(\w[\w.]*)\s+Traceback \(most recent call last\)", re.M)


def last_error(traceback):
    """The ``Type: message`` lines of the exception a traceback ends with."""
    headers = TRACEBACK_HEADER.findall(traceback)
    if not headers:
        return traceback
    name = headers[-1].rsplit(".", 1)[-1]
    lines = traceback.rstrip().splitlines()
    for start in range(len(lines) - 1, -1, -1):
        if lines[start] == name or lines[start].startswith(name + ":"):
            return "\n".join(lines[start:])
    return traceback


def shorten_tracebacks(app, doctree):
    """Replace each error output's traceback with the error it ends with."""
    for block in doctree.findall(nodes.literal_block):
        if "traceback" in block["classes"]:
            short = last_error(block.astext())
            block.children = [nodes.Text(short)]
            block.rawsource = short


MATHJAX = "mathjax/es5/tex-mml-chtml.js"  # under _static; MathJax finds its fonts beside it


def _mathjax_files():
    try:
        import mathjax  # the django-static-mathjax package: MathJax's files, no Django needed
    except ImportError as error:
        raise ExtensionError("course_site: MathJax is not installed; run `make setup` "
                             "(requirements.txt pins django-static-mathjax)") from error
    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def serve_mathjax_locally(app, config):
    """Load MathJax 3 from the site itself instead of a CDN (formulas render offline)."""
    _mathjax_files()  # fail early when it is missing
    config.mathjax_path = MATHJAX


def copy_mathjax(app, exception):
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir, "_static", MATHJAX).parent
        shutil.copytree(_mathjax_files(), target, dirs_exist_ok=True)


def setup(app):
    app.connect("config-inited", serve_mathjax_locally)
    app.connect("build-finished", copy_mathjax)
    app.connect("doctree-read", shorten_tracebacks)
    app.connect("builder-inited", lambda app: app.config.html_static_path.append(str(STATIC)))
    app.add_css_file("course.css")
    # after sphinx-book-theme builds the header buttons (priority 501)
    app.connect("html-page-context", link_student_notebook, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
