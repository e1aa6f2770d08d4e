#!/usr/bin/env bash
# The whole test suite: a strict build of the book, then (in one pytest run)
# the unit tests, the course checks (student notebooks up to date, every
# exercise check in both directions) and nbval over every chapter notebook;
# then the unit tests again with the strict CPU stand-in as the default device,
# so that code which would break on a GPU breaks here (Chapter 6).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
if [ -z "${MINIGRAD_DATA:-}" ] && [ -d ../shared/data ]; then
  export MINIGRAD_DATA="$(cd ../shared/data && pwd)"
fi
export MPLBACKEND=Agg

echo "== Building the book (strict: warnings are errors) =="
bash scripts/book.sh

echo "== Unit tests, course checks and nbval over the chapter notebooks =="
"$VENV/bin/python" -m pytest tests notebooks/ch*.ipynb --nbval-lax --nbval-current-env "$@"

echo "== Unit tests again on the stand-in device (MINIGRAD_DEVICE=standin) =="
MINIGRAD_DEVICE=standin "$VENV/bin/python" -m pytest tests -m "not slow" -q "$@"
