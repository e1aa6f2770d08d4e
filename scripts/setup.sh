#!/usr/bin/env bash
# Set up everything the course needs, once: Graphviz's `dot`, a virtual
# environment (.venv) with the pinned requirements, and minigrad itself.
# Re-running it is cheap: it reinstalls only when requirements.txt or
# pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "minigrad needs Python 3.10 or newer as '$PYTHON' (set PYTHON=/path/to/python3)." >&2
  exit 1
fi

missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
"$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} with apt-get ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Missing ${missing[*]}: install it with 'sudo apt-get install ${missing[*]}' (macOS: 'brew install graphviz'), then run this again." >&2
    exit 1
  fi
fi

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
stamp="$VENV/.minigrad-setup"
wanted=$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing the pinned requirements into $VENV ..."
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r requirements.txt
  "$VENV/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e . \
    || "$VENV/bin/python" -m pip install --quiet --no-deps -e .
  echo "$wanted" > "$stamp"
fi

# Kernels of this environment drop one log line: ipykernel warns on every start that
# it talks to Jupyter over local TCP without encryption (ten times per book build).
# IPython reads this file from the environment's etc/ipython; it touches nothing else.
mkdir -p "$VENV/etc/ipython"
cat > "$VENV/etc/ipython/ipython_kernel_config.py" <<'PY'
import logging


class _WithoutPlainTcpWarning(logging.Filter):
    def filter(self, record):
        return "running over TCP without encryption" not in record.getMessage()


logging.getLogger("IPKernelApp").addFilter(_WithoutPlainTcpWarning())
PY
