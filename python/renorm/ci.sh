#!/usr/bin/env bash
# The Python package's CI (python/renorm): in a fresh virtual environment, the two commands of
# python/renorm/README.md — install the package (builds the native module in release mode with
# maturin, in the repository's target/ directory) and run its tests.
#
#   bash python/renorm/ci.sh [VENV]        VENV defaults to target/py-renorm-ci (repo root)
#
# Environment:
#   RENORM_BIN   renorm binary the tests compare against (default: target/debug/renorm if built;
#                without one the command-line comparisons are skipped, with the reason)
#   PYTHON       interpreter that creates the environment (default python3)
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
venv="${1:-target/py-renorm-ci}"
rm -rf "$venv"
"${PYTHON:-python3}" -m venv "$venv"
# shellcheck disable=SC1091
. "$venv/bin/activate"
python -m pip install --quiet --disable-pip-version-check --upgrade pip
if [ -z "${RENORM_BIN:-}" ] && [ -x target/debug/renorm ]; then
    export RENORM_BIN="$root/target/debug/renorm"
fi

echo "== python/renorm: pip install './python/renorm[test]'"
pip install --disable-pip-version-check './python/renorm[test]'
echo "== python/renorm: pytest python/renorm/tests"
pytest python/renorm/tests
