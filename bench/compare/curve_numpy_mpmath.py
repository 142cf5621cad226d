#!/usr/bin/env python3
"""Learning curves: `renorm rg curve` against NumPy float64 and mpmath.

    curve_numpy_mpmath.py                     # Markdown tables (QUICK=1: fewer, cheaper rows)
    curve_numpy_mpmath.py side METHOD X DPS [--modes N] [--reps R]   # internal: one timed side

What is compared. The GP learning curve of docs/theory.md §3.4 at α = 1/5, β = 3/10:

    B(x) = Σ_k k^−(1+β) / (1 + x k^−(1+α))² ,   V(x) = Σ_k k^−(1+α) / (1 + x k^−(1+α)) ,

over all k ≥ 1 (or k ≤ N with --modes N).

* renorm: `renorm --engine off rg curve --alpha 1/5 --beta 3/10 --p-over-r X --digits D
  [--modes N] --format json`, whole process, median of several runs. It computes B, V, the loss,
  the log-log slopes x dB/dx, x dV/dx and the continuum constants, each as a certified enclosure
  (Euler–Maclaurin with a rigorous remainder bound, interval arithmetic), so it does more work
  than the two other sides, which compute B and V only.
* NumPy float64 (`numpy_sum`): a head summed directly for k < 10⁴ (vectorised), the tail
  ∫_M^∞ by composite Gauss–Legendre in s = ln k over 400 panels of width 1 plus the analytic
  remainder e^{(1−p)S}/(p−1), and the Euler–Maclaurin corrections f(M)/2 − f'(M)/12 — what a
  careful float64 implementation does. With --modes N: the direct vectorised sum.
* mpmath (gmpy2 backend), three ways:
  - `hurwitz`: the route of the project's independent reference (tests/fixtures/rg/
    mpmath_reference.py, re-implemented here): head Σ_{k<K} directly, K chosen so that
    x K^−(1+α) ≤ 1/10, and the tail as the convergent series Σ_n binom(m+n−1, n)(−x)^n
    ζ(p + (1+α)n, K) of Hurwitz zeta values, at mp.dps = D + 10 ("naive") and at 2D + 20;
  - `nsum`: mpmath.nsum over [1, ∞] with its default acceleration, and `nsum_em` with
    method='euler-maclaurin', at mp.dps = D + 10 (50 digits only);
  - with --modes N: the direct sum with mpmath.fsum at D + 10.
  Every mpmath side runs in its own process with a time limit (TIMEOUT, default 120 s; a side that
  exceeds it is reported as "> TIMEOUT").
* Correct digits: against renorm's certified enclosure at the same D (so at most "≥ D" can be
  said): −log10(|value − midpoint| / |midpoint|), or "≥ d" when the value lies inside the
  enclosure (d = renorm's digits_certified). The enclosure is the reference, not mpmath.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import loadavg, quick, renorm_timed  # noqa: E402

OUT = Path(os.environ.get("WORK", "target/bench-compare")) / "curve"
ALPHA, BETA = (1, 5), (3, 10)
TIMEOUT = float(os.environ.get("TIMEOUT", "120"))


# --- the sides ---------------------------------------------------------------------------------

def numpy_sum(p, a, m, x, modes=None, M=10000, panels=400, width=1.0, nodes=16):
    import numpy as np
    if modes is not None:
        k = np.arange(1, modes + 1, dtype=np.float64)
        return float(np.sum(k ** (-p) / (1 + x * k ** (-a)) ** m))
    k = np.arange(1, M, dtype=np.float64)
    head = np.sum(k ** (-p) / (1 + x * k ** (-a)) ** m)
    g, w = np.polynomial.legendre.leggauss(nodes)
    s0 = math.log(M)
    lo = s0 + width * np.arange(panels)
    s = (lo[:, None] + width * (g[None, :] + 1) / 2).ravel()
    ww = np.tile(w * width / 2, panels)
    integral = np.sum(ww * np.exp(s * (1 - p)) / (1 + x * np.exp(-a * s)) ** m)
    integral += math.exp((s0 + width * panels) * (1 - p)) / (p - 1)
    fM = M ** (-p) / (1 + x * M ** (-a)) ** m
    dfM = fM * (-p / M + m * a * x * M ** (-a - 1) / (1 + x * M ** (-a)))
    return float(head + integral + fM / 2 - dfM / 12)


def mp_hurwitz(p, a, m, x, ratio=0.1):
    import mpmath
    from mpmath import mpf
    K = int((x / ratio) ** (1 / a)) + 2
    head = mpmath.fsum(mpf(k) ** (-p) / (1 + x * mpf(k) ** (-a)) ** m for k in range(1, K))
    eps = mpf(10) ** (-(mpmath.mp.dps + 5))
    tail, n = mpf(0), 0
    while True:
        t = mpmath.binomial(m + n - 1, n) * (-x) ** n * mpmath.zeta(p + a * n, K)
        tail += t
        if abs(t) < eps * abs(head) and n > 5:
            break
        n += 1
    return head + tail


def side(method, xs, dps, modes, reps):
    """One timed side in this process; prints JSON {B, V, times}."""
    if method == "numpy":
        al, be = ALPHA[0] / ALPHA[1], BETA[0] / BETA[1]
        a, x = 1 + al, float(xs)
        f = lambda: (numpy_sum(1 + be, a, 2, x, modes), numpy_sum(a, a, 1, x, modes))
        to_s = repr
    else:
        import mpmath
        from mpmath import mp, mpf
        mp.dps = dps
        al, be = mpf(ALPHA[0]) / ALPHA[1], mpf(BETA[0]) / BETA[1]
        a, x = 1 + al, mpf(xs)
        to_s = lambda v: mpmath.nstr(v, dps + 5, min_fixed=-1, max_fixed=1)
        term = lambda p, m: (lambda k: k ** (-p) / (1 + x * k ** (-a)) ** m)
        if method == "hurwitz":
            f = lambda: (mp_hurwitz(1 + be, a, 2, x), mp_hurwitz(a, a, 1, x))
        elif method == "nsum":
            f = lambda: (mpmath.nsum(term(1 + be, 2), [1, mpmath.inf]), mpmath.nsum(term(a, 1), [1, mpmath.inf]))
        elif method == "nsum_em":
            f = lambda: (mpmath.nsum(term(1 + be, 2), [1, mpmath.inf], method="euler-maclaurin"),
                         mpmath.nsum(term(a, 1), [1, mpmath.inf], method="euler-maclaurin"))
        elif method == "direct":
            f = lambda: (mpmath.fsum(term(1 + be, 2)(mpf(k)) for k in range(1, modes + 1)),
                         mpmath.fsum(term(a, 1)(mpf(k)) for k in range(1, modes + 1)))
        else:
            raise SystemExit(f"unknown method {method}")
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        B, V = f()
        times.append(time.perf_counter() - t0)
        if times[-1] > 5:   # an expensive side: one timed run is enough
            break
    print(json.dumps({"B": to_s(B), "V": to_s(V), "times": times, "median": statistics.median(times)}))


def run_side(method, x, dps, modes=None, reps=3):
    cmd = [sys.executable, __file__, "side", method, x, str(dps), "--reps", str(reps)]
    if modes:
        cmd += ["--modes", str(modes)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"timeout": True}
    if p.returncode != 0:
        return {"error": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}"}
    return json.loads(p.stdout)


# --- renorm and the comparison -----------------------------------------------------------------

def renorm_curve(x, D, modes=None, reps=5):
    OUT.mkdir(parents=True, exist_ok=True)
    stem = f"x{x}_d{D}" + (f"_n{modes}" if modes else "")
    args = ["--engine", "off", "rg", "curve", "--alpha", "1/5", "--beta", "3/10", "--p-over-r", x,
            "--digits", D, "--format", "json"]
    if modes:
        args += ["--modes", modes]
    t = renorm_timed(args, reps=reps, warmup=0 if D >= 1000 else 1, stdout=OUT / f"{stem}.json", lock=False)
    return t, json.loads((OUT / f"{stem}.json").read_text())


def correct_digits(value, ref):
    """Digits of `value` (a string) against renorm's enclosure `ref` (value, enclosure, digits)."""
    import mpmath
    with mpmath.workdps(ref["digits_certified"] + 60):
        lo, hi = (mpmath.mpf(s) for s in ref["enclosure"])
        v = mpmath.mpf(value)
        if lo <= v <= hi:
            return f"≥ {ref['digits_certified']}"
        mid = (lo + hi) / 2
        return f"{float(-mpmath.log10(abs(v - mid) / abs(mid))):.1f}"


def cell(res, key, ref):
    if res.get("timeout"):
        return f"> {TIMEOUT:.0f} s", "—"
    if "error" in res:
        return "error", res["error"][:60]
    return f"{res['median'] * 1e3:.1f}", correct_digits(res[key], ref)


def row(label, x, D, modes, methods, reps_r):
    load = loadavg()
    t, doc = renorm_curve(x, D, modes, reps_r)
    cells = []
    for m, dps in methods:
        if dps is None:
            cells.append("not run")
            continue
        res = run_side(m, x, dps, modes, reps=3 if m != "numpy" else 7)
        tb, db = cell(res, "B", doc["bias"])
        tv, dv = cell(res, "V", doc["variance"])
        cells.append(f"{tb} ms; {db} / {dv}" if not res.get("timeout") else tb)
    cert = f"{doc['bias']['digits_certified']} / {doc['variance']['digits_certified']}"
    print(f"| {label} | {x} | {D} | {t['median'] * 1e3:.1f} ({t['min'] * 1e3:.0f}–{t['max'] * 1e3:.0f}) | {cert} | "
          + " | ".join(cells) + f" | {load} |", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", nargs="?", default="bench")
    ap.add_argument("method", nargs="?")
    ap.add_argument("x", nargs="?")
    ap.add_argument("dps", nargs="?", type=int)
    ap.add_argument("--modes", type=int)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    if a.mode == "side":
        return side(a.method, a.x, a.dps, a.modes, a.reps)
    q = quick()

    print("Infinite sums. Cells: median time (ms), then correct digits of B / V against renorm's certified "
          "enclosure at the same D. renorm's time is the whole process (min–max in parentheses); the "
          "others are in-process. The last column is the load average when the row started.")
    print()
    print("| sweep | P/r | D | renorm (ms) | renorm digits certified B / V | NumPy float64 | mpmath Hurwitz, dps D+10 | mpmath Hurwitz, dps 2D+20 | mpmath nsum (default) | mpmath nsum Euler–Maclaurin | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    digits = [50, 300] if q else [50, 300, 1000]
    for D in digits:
        reps = 3 if D >= 1000 else 5
        # 2D+20 at D = 1000 is not attempted: D+10 alone exceeds the time limit there;
        # QUICK=1 also drops the slow 2D+20 run at D = 300 and nsum with Euler–Maclaurin
        twice = 2 * D + 20 if (D == 50 or (D == 300 and not q)) else None
        methods = [("numpy", 0), ("hurwitz", D + 10), ("hurwitz", twice),
                   ("nsum", D + 10 if D == 50 else None), ("nsum_em", D + 10 if D == 50 and not q else None)]
        row("digits", "1e3", D, None, methods, reps)
    for x in (["1e2", "1e12"] if q else ["1e2", "1e4", "1e6", "1e12"]):
        hur = 60 if x != "1e12" else None   # head of (10x)^(1/1.2) ≈ 7·10¹⁰ terms at 1e12: not run
        row("P/r", x, 50, None, [("numpy", 0), ("hurwitz", hur), ("hurwitz", 120 if x == "1e2" else None),
                                 ("nsum", None), ("nsum_em", None)], 5)
    print()
    print("Finite sums (--modes N, P/r = 1e3). Cells as above; mpmath is the direct mpmath.fsum at D + 10.")
    print()
    print("| N | D | renorm (ms) | renorm digits certified B / V | NumPy float64 direct sum | mpmath direct sum | load |")
    print("|---|---|---|---|---|---|---|")
    for N in ([100, 10000] if q else [100, 10000, 100000]):
        for D in ([50] if q else [50, 300]):
            load = loadavg()
            t, doc = renorm_curve("1e3", D, N, 5)
            cells = []
            for m, dps in (("numpy", 0), ("direct", D + 10)):
                res = run_side(m, "1e3", dps, N, reps=3 if m != "numpy" else 7)
                tb, db = cell(res, "B", doc["bias"])
                tv, dv = cell(res, "V", doc["variance"])
                cells.append(f"{tb} ms; {db} / {dv}" if not res.get("timeout") else tb)
            cert = f"{doc['bias']['digits_certified']} / {doc['variance']['digits_certified']}"
            print(f"| {N} | {D} | {t['median'] * 1e3:.1f} ({t['min'] * 1e3:.0f}–{t['max'] * 1e3:.0f}) | {cert} | "
                  + " | ".join(cells) + f" | {load} |", flush=True)


if __name__ == "__main__":
    main()
