#!/usr/bin/env bash
# Tests of the Python exporter (python/exporter): a virtual environment with numpy, pytest and
# the package, then pytest, with the end-to-end test reading the written runs through the real
# `renorm conditions`.
#
#   bash python/exporter/ci.sh [VENV]        VENV defaults to target/py-exporter (repo root)
#
# Environment:
#   RENORM_BIN                 renorm binary for the end-to-end test (default target/debug/renorm;
#                              build it first)
#   RENORM_EXPORTER_TORCH=1    also install the CPU wheel of torch and run the PyTorch tests
#   RENORM_TORCH_INDEX_URL     where that wheel comes from
#                              (default https://download.pytorch.org/whl/cpu)
#   RENORM_EXPORTER_JAX=1      also install jax[cpu] (from PyPI) and run the JAX tests
#   PYTHON                     interpreter that creates the environment (default python3)
#
# Without torch or JAX their tests are skipped, with the reason, and the NumPy tests still run.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

venv="${1:-target/py-exporter}"
mkdir -p "$venv"
venv="$(cd "$venv" && pwd)"
bin="${RENORM_BIN:-target/debug/renorm}"
if [ ! -x "$bin" ]; then
    echo "python/exporter/ci.sh: renorm binary '$bin' not found; run cargo build first (or set RENORM_BIN)" >&2
    exit 1
fi
RENORM_BIN="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
export RENORM_BIN

[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
py="$venv/bin/python"
install() { "$py" -m pip install --quiet --disable-pip-version-check "$@"; }

echo "== python/exporter: install numpy, pytest and renorm-export into $venv"
install numpy pytest
install "$here"
if [ "${RENORM_EXPORTER_TORCH:-0}" = 1 ]; then
    index="${RENORM_TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}"
    echo "== python/exporter: install torch (CPU wheel from $index)"
    install torch --index-url "$index"
fi
if [ "${RENORM_EXPORTER_JAX:-0}" = 1 ]; then
    echo "== python/exporter: install jax[cpu]"
    install "jax[cpu]"
fi

echo "== python/exporter: pytest (RENORM_BIN=$RENORM_BIN)"
cd "$here"
"$py" -m pytest -q -rs -p no:cacheprovider tests
