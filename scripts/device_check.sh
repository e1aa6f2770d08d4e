#!/usr/bin/env bash
# What a session lent a GPU machine runs there, in one call (see README, "On a GPU"):
# the gpu-marked tests, the unit tests with CUDA as the default device, Chapter 6's
# notebook on the GPU, and benchmarks/gpu.py. Logs and the benchmark's results go to
# $OUT. MNIST comes from $MINIGRAD_DATA (carry a copy of ../shared/data/mnist in .data/);
# wheels in .whl/ (graphviz, micrograd: pure Python) are installed first when carried.
set -uo pipefail
OUT=${OUT:-/tmp/device_check}
mkdir -p "$OUT"
PY=${PY:-python3}
export PYTHONUNBUFFERED=1 MINIGRAD_DATA=${MINIGRAD_DATA:-$PWD/.data}
if ls .whl/*.whl >/dev/null 2>&1; then
  $PY -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
# Jupyter is not there: the notebook and website tests run in CI, not here.
NO_JUPYTER="--ignore=tests/test_course.py --ignore=tests/test_exercises.py --ignore=tests/test_website.py"
status=0
step() {  # step NAME SECONDS COMMAND...: run with a time limit, log to $OUT/NAME.log
  local name=$1 limit=$2; shift 2
  echo "== $name =="
  local start=$SECONDS
  timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  tail -n 8 "$OUT/$name.log"
  echo "== $name: exit $rc in $((SECONDS - start)) s =="
  [ $rc = 0 ] || status=1
}
nvidia-smi -L
$PY -c "import numpy, cupy; print('numpy', numpy.__version__, 'cupy', cupy.__version__)"
step gpu_tests 100 $PY -m pytest tests -m gpu -q -p no:cacheprovider -n 8 $NO_JUPYTER
step cuda_default 150 env MINIGRAD_DEVICE=cuda $PY -m pytest tests -q -p no:cacheprovider -n 8 \
  -m "not slow and not website" $NO_JUPYTER
step ch06_notebook 60 $PY scripts/run_cells.py notebooks/ch06_gpu.ipynb
step gpu_benchmark 120 $PY benchmarks/gpu.py --out "$OUT/gpu_results"
exit $status
