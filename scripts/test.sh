#!/usr/bin/env bash
# The whole test suite: a strict build of the book, then (in one pytest run)
# the unit tests, the course checks (student notebooks up to date, every
# exercise check in both directions) and nbval over every chapter notebook.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
VENV=${VENV:-.venv}
export MPLBACKEND=Agg

echo "== Building the book (strict: warnings are errors) =="
mkdir -p _build
"$VENV/bin/jupyter-book" build --all . -W --keep-going 2>&1 | tee _build/book.log

echo "== Unit tests, course checks and nbval over the chapter notebooks =="
"$VENV/bin/python" -m pytest tests notebooks/ch*.ipynb --nbval-lax --nbval-current-env "$@"
