#!/usr/bin/env bash
# `renorm conditions` against NumPy's per-checkpoint eigh + shell energies, in one run, on the
# same synthetic .npz files (T = 50 checkpoints, N = 128 … 2048).
#
#     bench/compare/run_conditions.sh            # all sizes
#     SIZES="128 512" bench/compare/run_conditions.sh
#
# Needs python3 (with venv) and /usr/bin/time; builds renorm in release mode. The runs go to
# $WORK (default target/bench-conditions; N = 2048 takes 1.6 GB). Both sides use every core:
# NumPy through its BLAS/LAPACK threads, renorm through faer's rayon pool. Times are wall-clock
# seconds of the whole process (/usr/bin/time), peak RSS is its maximum resident set size.
# Each renorm run holds the shared Symbolica lock, like every run of the binary on this machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZES=${SIZES:-"128 256 512 1024 2048"}
T=${T:-50}
WORK=${WORK:-target/bench-conditions}
LOCK=${LOCK:-/tmp/renorm-symbolica.lock}
mkdir -p "$WORK"

if [ ! -x "$WORK/venv/bin/python" ]; then
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install --quiet numpy
fi
PY="$WORK/venv/bin/python"
cargo build --release --quiet --bin renorm --example eigh_timing
RENORM=target/release/renorm
PARTS=target/release/examples/eigh_timing

# measure [LOCK] CMD…: runs CMD under /usr/bin/time -v (inside the lock if one is given, so the
# wait for the lock is not timed); sets SECONDS_TAKEN and RSS_MB.
measure() {
    local log="$WORK/time.log"
    if [ "$1" = --lock ]; then
        shift
        flock "$LOCK" /usr/bin/time -v -o "$log" "$@" > "$WORK/out.txt"
    else
        /usr/bin/time -v -o "$log" "$@" > "$WORK/out.txt"
    fi
    SECONDS_TAKEN=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$log")
    RSS_MB=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$log")
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); numpy $("$PY" -c 'import numpy; print(numpy.__version__)')"
printf '| N | T | renorm (s) | NumPy (s) | ratio renorm/NumPy | renorm peak RSS (MB) | NumPy peak RSS (MB) |\n'
printf '|---|---|---|---|---|---|---|\n'
for N in $SIZES; do
    RUN="$WORK/run_N${N}_T${T}.npz"
    [ -f "$RUN" ] || "$PY" bench/compare/conditions_numpy.py generate "$N" "$T" "$RUN"
    measure --lock "$RENORM" conditions "$RUN" --format json --no-progress
    grep -q '"schema": *"renorm.conditions/1"' "$WORK/out.txt" || { echo "renorm failed on $RUN" >&2; exit 1; }
    R_S=$SECONDS_TAKEN R_MB=$RSS_MB
    measure "$PY" bench/compare/conditions_numpy.py analyze "$RUN"
    N_S=$SECONDS_TAKEN N_MB=$RSS_MB
    RATIO=$(awk -v a="$R_S" -v b="$N_S" 'BEGIN { printf "%.2f", a / b }')
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$N" "$T" "$R_S" "$N_S" "$RATIO" "$R_MB" "$N_MB"
done

# Where the time goes: the two N³ pieces of a checkpoint, timed inside each process on the run
# already in memory — the eigendecomposition alone (faer vs NumPy's LAPACK) and the products
# φᵀ(Mφ) of the Kato couplings (faer vs NumPy's BLAS), which the NumPy core above does not do.
echo
printf '| N | T | eigh: renorm (faer) (s) | eigh: NumPy (s) | ratio | φᵀ(Mφ): renorm (s) | φᵀ(Mφ): NumPy (s) | ratio |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for N in $SIZES; do
    RUN="$WORK/run_N${N}_T${T}.npz"
    R=$("$PARTS" "$RUN")
    P=$("$PY" bench/compare/conditions_numpy.py parts "$RUN")
    "$PY" - "$N" "$T" "$R" "$P" <<'PYEOF'
import json, sys
n, t, r, p = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
cell = lambda x: f"{x:.2f}"
print(f"| {n} | {t} | {cell(r['eigh_seconds'])} | {cell(p['eigh_seconds'])} | {r['eigh_seconds'] / p['eigh_seconds']:.2f} "
      f"| {cell(r['products_seconds'])} | {cell(p['products_seconds'])} | {r['products_seconds'] / p['products_seconds']:.2f} |")
PYEOF
done
