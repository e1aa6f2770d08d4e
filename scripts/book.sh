#!/usr/bin/env bash
# Build the course website into _build/html, strictly (warnings are errors).
# Chapter 5 reads MNIST from $MINIGRAD_DATA; next to a checkout that has
# ../shared/data (as in CI) that folder is used, otherwise the loader downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
VENV=${VENV:-.venv}
if [ -z "${MINIGRAD_DATA:-}" ] && [ -d ../shared/data ]; then
  export MINIGRAD_DATA="$(cd ../shared/data && pwd)"
fi
mkdir -p _build
"$VENV/bin/jupyter-book" build --all . -W --keep-going 2>&1 | tee _build/book.log
