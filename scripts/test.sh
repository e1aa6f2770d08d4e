#!/usr/bin/env bash
# The whole test suite: a strict build of the book (which executes every chapter
# notebook once and fails on any unexpected error), then (in one pytest run) the
# unit tests and the course checks (student notebooks up to date and run once,
# every exercise check in both directions; the reference notebooks' checks are
# read from the book's executed copies, so no chapter runs twice);
# then the unit tests again with the strict CPU stand-in as the default device,
# so that code which would break on a GPU breaks here (Chapter 6). The pytest
# run includes the reader's test of the website (tests/test_website.py), which
# drives headless Chromium: it is installed here when missing, and the test
# fails rather than skips without it. Screenshots: _build/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
if [ -z "${MINIGRAD_DATA:-}" ] && [ -d ../shared/data ]; then
  export MINIGRAD_DATA="$(cd ../shared/data && pwd)"
fi

if ! { command -v chromium || command -v chromium-browser; } >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing chromium and chromium-driver with apt-get (for the website test) ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "The website test needs headless Chromium: sudo apt-get install chromium chromium-driver" >&2
    exit 1
  fi
fi
export MINIGRAD_REQUIRE_BROWSER=1

echo "== Building the book (strict: warnings are errors) =="
bash scripts/book.sh

echo "== Unit tests, course checks and the reader's test of the website =="
"$VENV/bin/python" -m pytest tests "$@"

echo "== Unit tests again on the stand-in device (MINIGRAD_DEVICE=standin) =="
MINIGRAD_DEVICE=standin "$VENV/bin/python" -m pytest tests -m "not slow and not website" -q "$@"
