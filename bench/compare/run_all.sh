#!/usr/bin/env bash
# Side-by-side benchmarks of renorm against SymPy, mpmath and NumPy; prints Markdown tables.
#
#     RENORM=/path/to/renorm bench/compare/run_all.sh        # ~14 minutes on the 2-core machine
#     QUICK=1 RENORM=/path/to/renorm bench/compare/run_all.sh  # ~1.5–2 minutes, fewer/cheaper rows
#     PARTS="covariance digits" RENORM=… bench/compare/run_all.sh
#
# Parts (each a Python script in this folder; its header says exactly what is compared and how):
#   covariance  renorm check on examples/couplings/*.toml vs SymPy (+ mpmath numeric check)  covariance_sympy.py
#   digits      renorm identity at 50/1000/5000 digits, per point, vs mpmath; size families digits_mpmath.py
#   curve       renorm rg curve vs NumPy float64 and mpmath (time and correct digits)         curve_numpy_mpmath.py
#   langevin    renorm rg sample vs a vectorised NumPy Langevin sampler                       langevin_numpy.py
#   arb         per-point evaluation vs Arb (python-flint) and mpmath, 50–20000 digits         arb_flint.py
#               (also `cargo bench --bench evaluation`; only with PARTS=arb or PARTS="… arb")
#
# RENORM: the binary under test (default target/release/renorm, built with cargo only when RENORM is
# not given). LOCK: the lock every renorm run that may use the symbolic engine holds (default
# /tmp/renorm-symbolica.lock); runs are timed inside it, so waiting for it is never timed. WORK:
# scratch folder (default target/bench-compare) with the venv (sympy, mpmath, numpy, gmpy2 — gmpy2
# is mpmath's recommended backend; the digits part also runs mpmath without it) and all outputs;
# the Markdown goes to standard output and to $WORK/results-<timestamp>.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=${WORK:-target/bench-compare}
LOCK=${LOCK:-/tmp/renorm-symbolica.lock}
QUICK=${QUICK:-0}
PARTS=${PARTS:-"covariance digits curve langevin"}
export SYMBOLICA_HIDE_BANNER=1 LOCK WORK QUICK
mkdir -p "$WORK"

if [ -n "${RENORM:-}" ]; then
    [ -x "$RENORM" ] || { echo "RENORM=$RENORM is not an executable" >&2; exit 2; }
else
    RENORM=target/release/renorm
    cargo build --release --quiet --bin renorm
fi
RENORM=$(readlink -f "$RENORM")
export RENORM

if [ ! -x "$WORK/venv/bin/python" ]; then
    python3 -m venv "$WORK/venv"
fi
"$WORK/venv/bin/python" -c 'import sympy, mpmath, numpy, gmpy2' 2>/dev/null \
    || "$WORK/venv/bin/pip" install --quiet sympy mpmath numpy gmpy2
case " $PARTS " in
*" arb "*)
    "$WORK/venv/bin/python" -c 'import flint' 2>/dev/null \
        || "$WORK/venv/bin/pip" install --quiet python-flint
    ;;
esac
PY="$WORK/venv/bin/python"
B=bench/compare
OUTFILE="$WORK/results-$(date +%Y%m%d-%H%M%S).md"

run() {
    echo "## Machine"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); QUICK=$QUICK"
    echo "- $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); kernel $(uname -r)"
    echo "- memory (free -g): $(free -g | awk '/^Mem:/ {print $2 " GB total, " $7 " GB available"}')"
    echo "- renorm: $("$RENORM" --version) ($RENORM)"
    echo "- $("$PY" -c 'import sys, sympy, mpmath, numpy, gmpy2, mpmath.libmp as l; print(f"Python {sys.version.split()[0]}, SymPy {sympy.__version__}, mpmath {mpmath.__version__} (backend {l.BACKEND}), NumPy {numpy.__version__}, gmpy2 {gmpy2.version()}")')"
    echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    for part in $PARTS; do
        case $part in
        covariance)
            echo "## 1. Gallery covariance checks: renorm check vs SymPy"
            echo
            echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
            echo
            local reps=7 sreps=5
            if [ "$QUICK" != 0 ]; then reps=5 sreps=3; fi
            mkdir -p "$WORK/check"
            for spec in examples/couplings/*.toml; do
                stem=$(basename "$spec" .toml)
                flock "$LOCK" "$PY" $B/timecmd.py --reps $reps --warmup 1 --ok-codes 0,1 \
                    --stdout "$WORK/check/$stem.json" -- "$RENORM" check "$spec" --format json \
                    > "$WORK/check/$stem.time.json"
            done
            "$PY" $B/covariance_sympy.py run examples/couplings/*.toml --reps $sreps > "$WORK/check/sympy.jsonl"
            "$PY" $B/covariance_sympy.py table --sympy "$WORK/check/sympy.jsonl" --renorm-dir "$WORK/check"
            echo
            startup=$("$PY" $B/timecmd.py --reps 11 -- "$RENORM" --version \
                | "$PY" -c 'import json, sys; print("%.1f" % (json.load(sys.stdin)["median"] * 1e3))')
            echo "Process start-up of renorm alone (\`renorm --version\`, median of 11): $startup ms."
            echo
            echo "renorm: median of $reps runs (after 1 warm-up) per spec, whole process, inside the lock. SymPy: median of $sreps in-process repetitions (cache cleared each time), after one warm-up check. Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
            echo
            ;;
        digits)
            echo "## 2. Evaluation at many digits: renorm identity vs mpmath"
            echo
            "$PY" $B/digits_mpmath.py
            ;;
        curve)
            echo "## 3. Learning curves: renorm rg curve vs NumPy float64 and mpmath"
            echo
            "$PY" $B/curve_numpy_mpmath.py
            echo
            ;;
        langevin)
            echo "## 4. Langevin sampling: renorm rg sample vs NumPy"
            echo
            "$PY" $B/langevin_numpy.py
            ;;
        arb)
            echo "## 5. Evaluation per point: renorm vs Arb (python-flint) and mpmath"
            echo
            "$PY" $B/arb_flint.py
            ;;
        *)
            echo "unknown part $part" >&2
            exit 2
            ;;
        esac
    done
    echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
}

START=$(date +%s)
run | tee "$OUTFILE"
echo
echo "wall time $(( $(date +%s) - START )) s; written to $OUTFILE"
