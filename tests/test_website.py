"""The website as a reader meets it: headless Chromium over every page of the built book.

Needs the built site (``make book``; ``make test`` builds it first) and Debian's
``chromium`` and ``chromium-driver`` (``make test`` installs them when missing).
Without them these tests skip, unless ``MINIGRAD_REQUIRE_BROWSER=1`` (set by
``make test``) turns the skip into a failure. Screenshots of every chapter go to
``_build/screenshots/`` (kept by CI as artifacts).
"""

import base64
import functools
import http.server
import json
import os
import re
import shutil
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import nbformat
import pytest
import yaml

from minigrad.exercises import notebooks

pytestmark = [pytest.mark.course, pytest.mark.website]

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
WAIT_S = 15


def _missing(reason):
    if os.environ.get("MINIGRAD_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (MINIGRAD_REQUIRE_BROWSER=1, as in `make test`)")
    pytest.skip(reason)


def _pages():
    """Every page of the table of contents, as docnames, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries:
            pages.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc["parts"]:
        walk(part["chapters"])
    return pages


PAGES = _pages()
CHAPTERS = [page for page in PAGES if page.startswith("notebooks/")]


# -- the site, a server for it and a browser ------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base_url():
    if not (SITE / "index.html").exists():
        _missing(f"the website is not built ({SITE}); run `make book`")
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed (it is in requirements.txt)")

    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    if not chromium or not driver_path:
        _missing("headless Chromium is not installed: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,1600", "--hide-scrollbars"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _open(browser, base_url, page):
    """Load ``page`` (a docname or a path with a query) and wait until it has settled."""
    url = base_url + (page if "." in page.rsplit("/", 1)[-1] else page + ".html")
    browser.get(url)
    _wait(browser, "return document.readyState === 'complete'")
    _wait(browser, LOAD_IMAGES)  # images below the fold load lazily
    return url


def _wait(browser, script, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if browser.execute_script(script):
            return True
        time.sleep(0.1)
    return False


MATH_RENDERED = ("return [...document.querySelectorAll('article .math')]"
                 ".every(m => m.querySelector('mjx-container'))")
PROSE = """
const article = document.querySelector('article.bd-article').cloneNode(true);
article.querySelectorAll('pre, code, mjx-container, script, style, .cell_input, .cell_output')
    .forEach(e => e.remove());
return article.textContent;"""
RAW_TEX = re.compile(r"\\[()\[\]]|\$\$|\\[a-zA-Z]{2,}|\$[^$\s][^$]*\$")
CUT_OFF = """
const article = document.querySelector('article.bd-article');
const edge = article.getBoundingClientRect().right + 2;
const scrolls = e => {
  for (let p = e.parentElement; p && p !== article; p = p.parentElement) {
    if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return true;
  }
  return false;
};
const over = e => e.getBoundingClientRect().right > edge;
return [...article.querySelectorAll('table, img, p, li, mjx-container')]
    .filter(e => over(e) && (e.tagName === 'TABLE' || !scrolls(e)))  // only graphs may scroll
    .map(e => e.tagName + ': ' + (e.src || e.innerText.slice(0, 60)));"""
LOAD_IMAGES = "return [...document.images].every(img => { img.loading = 'eager'; return img.complete; })"
SHOWN_PICTURES = ("return [...document.querySelectorAll('.cell_output img')]"
                  ".filter(i => i.naturalWidth > 0).map(i => i.src)")
BROKEN_IMAGES = """
return [...document.images].filter(img => !img.complete || img.naturalWidth === 0)
    .map(img => (img.complete ? 'broken: ' : 'still loading: ') + img.src);
"""


# -- links are checked against the files of the site ----------------------------------

class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        self.ids.update(value for name, value in attrs if name in ("id", "name") and value)


@functools.lru_cache(maxsize=None)
def _ids_in(path):
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


def _link_problem(href, base_url):
    """Why an internal link is broken, or None."""
    target, fragment = urldefrag(href)
    path = SITE / unquote(urlsplit(target).path[len(urlsplit(base_url).path):])
    if path.is_dir():
        path = path / "index.html"
    if not path.is_file():
        return f"{href}: no such file"
    if fragment and path.suffix == ".html" and unquote(fragment) not in _ids_in(path):
        return f"{href}: no element with id {fragment!r}"
    return None


# -- every page ----------------------------------------------------------------------

@pytest.mark.parametrize("page", PAGES)
def test_page_loads_with_its_images_links_and_no_errors(browser, base_url, page):
    _open(browser, base_url, page)
    article = browser.execute_script(
        "const a = document.querySelector('article.bd-article'); return a ? a.innerText : ''")
    assert len(article) > 300, f"{page}: the page has (almost) no content"
    heading = browser.execute_script("const h = document.querySelector('article h1'); return h && h.innerText")
    assert heading, f"{page}: no title"

    assert browser.execute_script(BROKEN_IMAGES) == [], f"{page}: broken images"

    hrefs = browser.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.href)")
    internal = {h for h in hrefs if h.startswith(base_url)}
    assert internal, f"{page}: no internal links at all (navigation missing?)"
    problems = sorted(filter(None, (_link_problem(h, base_url) for h in internal)))
    assert problems == [], f"{page}: broken internal links"

    shown_errors = browser.execute_script("""
        return [...document.querySelectorAll('.cell_output .output.traceback, .cell_output .output.stderr')]
            .filter(out => !out.closest('.tag_raises-exception'))
            .map(out => out.innerText.slice(0, 300));""")
    assert shown_errors == [], f"{page}: shows execution errors or warnings"

    assert _wait(browser, MATH_RENDERED), f"{page}: formulas are not typeset (is MathJax served?)"
    raw_tex = RAW_TEX.findall(browser.execute_script(PROSE))
    assert raw_tex == [], f"{page}: raw TeX in the text the reader sees"

    for machine_path in (str(ROOT), "/tmp/", "site-packages"):
        assert machine_path not in article, f"{page}: shows a path of the build machine"
    for traceback in browser.execute_script(
            "return [...document.querySelectorAll('.cell_output .output.traceback')].map(t => t.innerText)"):
        assert not re.search(r'Traceback|File "|Cell In\[', traceback), f"{page}: a whole traceback"
        assert re.match(r"\w+(Error|Exception|Report)\b", traceback), traceback
        assert len(traceback.strip().splitlines()) <= 3, f"{page}: a long error: {traceback}"

    assert browser.execute_script(CUT_OFF) == [], f"{page}: content runs off the right edge"
    footer = browser.execute_script(
        "return [...document.querySelectorAll('footer')].map(f => f.textContent).join(' ')")
    assert "minigrad 0." in footer and "MIT licence" in footer and "Last updated" in footer

    colab = browser.execute_script(
        "return document.querySelectorAll('a[href*=\"colab.research.google.com\"]').length")
    if page not in CHAPTERS:
        assert colab == 0, f"{page} cannot run in Colab but offers it"


def test_landing_page_shows_a_graph_a_decision_boundary_and_how_to_start(browser, base_url):
    _open(browser, base_url, "index.html")
    shown = browser.execute_script(SHOWN_PICTURES)
    assert sorted(_picture_kind(src) for src in shown) == ["figure", "graph"]
    text = browser.execute_script("return document.querySelector('article.bd-article').innerText")
    for needed in ("What you will build", "What you need to know", "Colab", "make test", "Exercise"):
        assert needed in text, f"the landing page does not mention {needed!r}"
    code_shown = browser.execute_script("return document.querySelectorAll('.cell_input').length")
    assert code_shown == 0, "the landing page shows the code behind its pictures"
    _full_page_screenshot(browser, SCREENSHOTS / "index.png")


# -- chapters ------------------------------------------------------------------------

def _chapter_source(page):
    return nbformat.read(ROOT / f"{page}.ipynb", as_version=4)


@pytest.mark.parametrize("page", CHAPTERS)
def test_chapter_shows_figures_graphs_and_folded_solutions(browser, base_url, page):
    _open(browser, base_url, page)
    nb = _chapter_source(page)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    shown = browser.execute_script(SHOWN_PICTURES)
    kinds = [_picture_kind(src) for src in shown]
    if re.search(r"\bplt\.|\bplot_\w+\(", code):
        assert "figure" in kinds, f"{page} plots, but the page shows no figure"
    if re.search(r"\bdraw_graph\(", code):
        assert "graph" in kinds, f"{page} draws graphs, but the page shows no graph"
        shrunk = browser.execute_script("""
            return [...document.querySelectorAll('.cell_output img[src$=".svg"]')]
                .filter(i => i.naturalWidth > 0 && i.width < 0.99 * i.naturalWidth)
                .map(i => i.src + ': ' + i.width + ' of ' + i.naturalWidth + ' px');""")
        assert shrunk == [], f"{page}: graphs drawn smaller than their natural size"

    exercises = [exercise_id for _, exercise_id, _ in notebooks.solution_cells(nb)]
    boxes = browser.execute_script(
        "return [...document.querySelectorAll('div.admonition.exercise .admonition-title')]"
        ".map(t => t.innerText)")
    assert [re.match(r"Exercise (\d+\.\d+)", b).group(1) for b in boxes] == exercises
    folded = browser.execute_script("""
        return [...document.querySelectorAll('.cell.tag_hide-input details')].map(d =>
            ({open: d.open, prompt: d.querySelector('summary').innerText,
              visible: d.querySelector('.cell_input').checkVisibility()}));""")
    assert len(folded) == len(exercises)
    for solution in folded:
        assert "Show the solution" in solution["prompt"]
        assert not solution["open"] and not solution["visible"], f"{page}: a solution is not folded"

    _full_page_screenshot(browser, SCREENSHOTS / f"{Path(page).name}.png")


def _picture_kind(src):
    """"graph" for a Graphviz drawing, "figure" for a Matplotlib one (or an
    animation embedded in the page), else "image"."""
    if src.startswith("data:image/"):
        return "figure"
    path = SITE / unquote(urlsplit(src).path.lstrip("/"))
    head = path.read_bytes()[:2000]
    if b"Generated by graphviz" in head:
        return "graph"
    if b"matplotlib" in head.lower() or path.suffix == ".png":
        return "figure"
    return "image"


def _full_page_screenshot(browser, path, max_height=30000):
    path.parent.mkdir(parents=True, exist_ok=True)
    height = min(browser.execute_script("return document.documentElement.scrollHeight"), max_height)
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": 1280, "height": height, "scale": 0.5}})
    path.write_bytes(base64.b64decode(shot["data"]))


@pytest.mark.parametrize("page", CHAPTERS)
def test_colab_opens_the_student_notebook_and_downloads_work(browser, base_url, page):
    _open(browser, base_url, page)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]["url"].removeprefix("https://github.com/")
    student = notebooks.student_path(Path(page + ".ipynb")).as_posix()
    assert (ROOT / student).is_file()
    colab = browser.execute_script(
        "return [...document.querySelectorAll('a[href*=\"colab.research.google.com\"]')].map(a => a.href)")
    expected = (f"https://colab.research.google.com/github/{repo}/blob/"
                f"{config['repository']['branch']}/{student}")
    assert colab and set(colab) == {expected}
    badge = browser.execute_script(
        "const a = document.querySelector('article p.colab-badge a'); return a && a.href")
    assert badge == expected, f"{page}: no 'Open in Colab' badge under the title"

    downloads = browser.execute_script("""
        return Object.fromEntries([...document.querySelectorAll('.dropdown-download-buttons a')]
            .map(a => [a.textContent.trim(), a.href]));""")
    for label, must_contain in ((".ipynb", "### BEGIN SOLUTION"), ("exercises .ipynb", "NotImplementedError")):
        assert label in downloads, f"{page}: no '{label}' download (have {sorted(downloads)})"
        assert _link_problem(downloads[label], base_url) is None
        path = SITE / unquote(urlsplit(downloads[label]).path.lstrip("/"))
        downloaded = json.loads(path.read_text(encoding="utf-8"))
        assert "cells" in downloaded, f"{label} of {page} is not a notebook"
        assert must_contain in path.read_text(encoding="utf-8")


# -- search ----------------------------------------------------------------------------

def test_search_finds_the_chapter_on_vector_jacobian_products(browser, base_url):
    _open(browser, base_url, "search.html?q=Jacobian")
    found = _wait(browser, "return document.querySelectorAll('#search-results li').length > 0")
    assert found, "the search page shows no results for 'Jacobian'"
    results = browser.execute_script(
        "return [...document.querySelectorAll('#search-results li a')].map(a => a.href)")
    assert any("notebooks/ch02_tensor.html" in r for r in results), results
