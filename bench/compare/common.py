"""Shared helpers of the bench/compare/*.py comparison scripts (see run_all.sh).

* `RENORM` (environment, default target/release/renorm) is the binary under test, `LOCK`
  (default /tmp/renorm-symbolica.lock) the lock file every run that may use the symbolic engine
  holds: `renorm_timed(..., lock=True)` runs `flock LOCK python timecmd.py … -- RENORM …`, so the
  whole batch of repetitions runs inside the lock and only the command is timed, never the wait.
* Runs with `--engine off` (rg curve, rg sample) need no lock; they are still timed the same way.
"""

import json
import math
import os
import re
import statistics
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
RENORM = os.environ.get("RENORM", "target/release/renorm")
LOCK = os.environ.get("LOCK", "/tmp/renorm-symbolica.lock")
os.environ.setdefault("SYMBOLICA_HIDE_BANNER", "1")


WAITS = {"discarded": 0, "kept": 0}


def renorm_timed(args, reps=5, warmup=1, stdout=None, lock=True, ok_codes="0", timeout=None):
    """Times `RENORM args…` (whole process, wall clock); returns timecmd.py's JSON dict
    (`timeout: true` when a run exceeded `timeout` seconds). Runs in which renorm reported waiting
    for another engine process are repeated by timecmd.py and counted in WAITS."""
    cmd = [sys.executable, str(HERE / "timecmd.py"), "--reps", str(reps), "--warmup", str(warmup),
           "--ok-codes", ok_codes]
    if timeout:
        cmd += ["--timeout", str(timeout)]
    if stdout:
        cmd += ["--stdout", str(stdout)]
    cmd += ["--", RENORM] + [str(a) for a in args]
    if lock:
        cmd = ["flock", LOCK] + cmd
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"renorm run failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    res = json.loads(p.stdout)
    WAITS["discarded"] += res.get("discarded_waits", 0)
    WAITS["kept"] += res.get("waits_in_times", 0)
    return res


def waits_note():
    return (f"Runs repeated because renorm waited for another process's symbolic engine: {WAITS['discarded']}; "
            f"timed runs that still included such a wait: {WAITS['kept']}.")


def loadavg():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def median(xs):
    return statistics.median(xs)


def fmt_ms(s, digits=1):
    return f"{s * 1e3:.{digits}f}"


def quick():
    return os.environ.get("QUICK", "0") not in ("", "0")


# Names in formulas that are functions or constants, not variables.
FUNCS = {"sqrt", "exp", "log", "sin", "cos", "tan", "tanh", "cosh", "sinh", "abs", "pi"}


def variables(*exprs):
    """The variables of renorm formulas, sorted."""
    names = set()
    for e in exprs:
        names |= set(re.findall(r"[A-Za-z_]\w*", e))
    return sorted(names - FUNCS)


def rand_scale(rng):
    """An exact rational from renorm's point distribution: log-uniform in [1e-30, 1e30], a third
    of the draws in [0.1, 10], ten significant digits."""
    e = rng.uniform(-1, 1) if rng.random() < 1 / 3 else rng.uniform(-30, 30)
    return Fraction(10) ** math.floor(e) * Fraction(round(10 ** (e - math.floor(e)) * 10 ** 10), 10 ** 10)
