#!/usr/bin/env python3
"""Evaluation at 50 / 1000 / 5000 digits: `renorm identity LHS RHS` against mpmath.

    digits_mpmath.py [--digits 50,1000,5000] [--sizes 10,100,1000]   # Markdown tables
    digits_mpmath.py mp CASE.json                                     # internal: the mpmath side

What is compared.
* renorm, per point: `renorm --engine off identity LHS RHS --digits D --points P --max-digits
  max(2000, 2D + 1000) --format json`, whole process, REPS runs (7 at D ≤ 1000, 5 under QUICK=1,
  3 at D > 1000) at P = 1 and P = 32; the cost per point is the slope (t(32) − t(1))/31 of the
  *fastest* run of each (the machine is shared: noise only adds time, and at 50 digits the
  difference is a few ms), which removes start-up and parsing. The engine is off for the slope because the symbolic engine's work is per formula,
  not per point (and needs no lock then). Per point renorm draws an exact rational point
  (log-uniform in [1e-30, 1e30], a third in [0.1, 10]), runs its magnitude pass, evaluates both
  sides in MPFR at D + 2H digits (H the hidden digits of docs/theory.md §4.3) plus guard bits,
  and compares. The cap is raised so that no point is left unresolved at D = 5000 (the default
  cap is 2000).
* renorm, whole command: the same with the engine on and --points 32, inside the lock (median of
  REPS runs; a single run at D > 1000, killed after TIMEOUT = 120 s). Status, `digits_confirmed`
  (how many digits the two sides agreed to; at least D when all points agree) and
  `precision_bits` (the largest working precision used) come from this run.
* mpmath: both sides evaluated with `mp.dps = D + 10` at 32 exact rational points from the same
  distribution, and compared to D digits; the time per point is the median over 3 repetitions
  of the 32-point loop divided by 32. "Correct digits" compares each side against the same side
  evaluated at 2D + 40 digits (min over points and sides), so it is the accuracy mpmath actually
  delivered, not the agreement of the two sides. mpmath runs with the gmpy2 backend (its
  recommended setting) and, in a separate process, with its pure-Python backend
  (MPMATH_NOGMPY=1).
* Size families at 50 digits: the exponent grows, `(lam+1)^k` vs `exp(k*log(lam+1))`; the formula
  grows, `sqrt(lam+1)+…+sqrt(lam+k)` vs `(lam+1)^(1/2)+…+(lam+k)^(1/2)`, for k = 10, 100, 1000.

Caveat: renorm does more per point than mpmath here (interval magnitude pass, hidden-digit
precision rule, rational points, certification of any disagreement); the
mpmath side does no precision rule, so at points where a summand is 10^-30 of its sum it
compares fewer *relative* digits of that summand than renorm does.
"""

import argparse
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import loadavg, quick, rand_scale, renorm_timed, variables, waits_note  # noqa: E402

OUT = Path(os.environ.get("WORK", "target/bench-compare")) / "digits"
ENGINE_TIMEOUT = float(os.environ.get("TIMEOUT", "120"))

CASES = [
    ("sqrt form", "sqrt(lam^3/t)", "lam^(3/2)*t^(-1/2)"),
    ("exp/log form", "exp(log(lam)*3/2)", "lam^(3/2)"),
    ("rational-exponent power law", "(lam^2/t^4)^(1/3)", "lam^(2/3)*t^(-4/3)"),
    ("log form", "log(lam^3*t)", "3*log(lam) + log(t)"),
    ("rational function (exact path)", "(lam^2 - mu^2)/(lam - mu)", "lam + mu"),
]


def size_cases(ks):
    out = []
    for k in ks:
        out.append((f"(lam+1)^k, k={k}", f"(lam+1)^{k}", f"exp({k}*log(lam+1))"))
    for k in ks:
        out.append((f"sum of k sqrt, k={k}", "+".join(f"sqrt(lam+{j})" for j in range(1, k + 1)),
                    "+".join(f"(lam+{j})^(1/2)" for j in range(1, k + 1))))
    return out


# --- the mpmath side ---------------------------------------------------------------------------

def to_python(expr):
    expr = expr.replace("^", "**")
    return re.sub(r"(?<![\w.])(\d+)(?![\w.])", r"mpf(\1)", expr)


def mp_side(case_file):
    import mpmath
    from mpmath import mpf
    spec = json.loads(Path(case_file).read_text())
    ns = {"mpf": mpf, "sqrt": mpmath.sqrt, "exp": mpmath.exp, "log": mpmath.log, "sin": mpmath.sin,
          "cos": mpmath.cos, "tan": mpmath.tan, "tanh": mpmath.tanh, "cosh": mpmath.cosh,
          "sinh": mpmath.sinh, "abs": abs, "pi": mpmath.pi}
    results = []
    for c in spec["cases"]:
        lhs, rhs = compile(to_python(c["lhs"]), "lhs", "eval"), compile(to_python(c["rhs"]), "rhs", "eval")
        vs = variables(c["lhs"], c["rhs"])
        rng = random.Random(20261127)
        pts = [{v: rand_scale(rng) for v in vs} for _ in range(c["points"])]
        D = c["digits"]

        def evaluate(dps):
            vals = []
            with mpmath.workdps(dps):
                for p in pts:
                    env = dict(ns)
                    env.update({v: mpf(q.numerator) / q.denominator for v, q in p.items()})
                    a, b = eval(lhs, env), eval(rhs, env)
                    vals.append((a, b, abs(a - b) <= max(abs(a), abs(b)) * mpf(10) ** (-D)))
            return vals

        times = []
        for _ in range(c["reps"]):
            t0 = time.perf_counter()
            vals = evaluate(D + 10)
            times.append(time.perf_counter() - t0)
        ref = evaluate(2 * D + 40) if c.get("reference", True) else []
        worst = None
        with mpmath.workdps(2 * D + 40):
            for (a, b, _), (ra, rb, _) in zip(vals, ref):
                for x, rx in ((a, ra), (b, rb)):
                    if rx == 0:
                        continue
                    err = abs(x - rx) / abs(rx)
                    d = 2 * D + 40 if err == 0 else int(math.floor(-float(mpmath.log10(err))))
                    worst = d if worst is None else min(worst, d)
        results.append({"name": c["name"], "digits": D, "per_point": statistics.median(times) / len(pts),
                        "agree": sum(v[2] for v in vals), "points": len(pts), "correct_digits": worst,
                        "backend": mpmath.libmp.BACKEND})
    print(json.dumps(results))


def run_mp(cases, nogmpy):
    OUT.mkdir(parents=True, exist_ok=True)
    f = OUT / ("cases_nogmpy.json" if nogmpy else "cases.json")
    f.write_text(json.dumps({"cases": cases}))
    env = dict(os.environ)
    if nogmpy:
        env["MPMATH_NOGMPY"] = "1"
    p = subprocess.run([sys.executable, __file__, "mp", str(f)], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    return {(r["name"], r["digits"]): r for r in json.loads(p.stdout)}


# --- the renorm side and the tables ------------------------------------------------------------

def renorm_side(name, lhs, rhs, D, reps):
    OUT.mkdir(parents=True, exist_ok=True)
    base = ["identity", lhs, rhs, "--digits", D, "--max-digits", max(2000, 2 * D + 1000), "--format", "json"]
    stem = re.sub(r"\W+", "_", name) + f"_{D}"
    # the numeric path alone: --engine off, no lock needed; the slope is the per-point cost
    t1 = renorm_timed(["--engine", "off"] + base + ["--points", 1], reps=reps, lock=False,
                      stdout=OUT / f"{stem}_off_p1.json", ok_codes="0,1")
    t32 = renorm_timed(["--engine", "off"] + base + ["--points", 32], reps=reps, lock=False,
                       stdout=OUT / f"{stem}_off_p32.json", ok_codes="0,1")
    # the whole command as users run it: engine on, inside the lock (one run at D > 1000)
    big = D > 1000
    on = renorm_timed(base + ["--points", 32], reps=1 if big else reps, warmup=0 if big else 1, lock=True,
                      stdout=OUT / f"{stem}_on_p32.json", ok_codes="0,1", timeout=ENGINE_TIMEOUT)
    res = json.loads((OUT / (f"{stem}_off_p32.json" if on.get("timeout") else f"{stem}_on_p32.json")).read_text())
    n = res["numeric"]
    return {"t1": t1["min"], "t32": t32["min"], "per_point": (t32["min"] - t1["min"]) / 31,
            "on": None if on.get("timeout") else on["median"], "on_runs": 0 if on.get("timeout") else len(on["times"]),
            "status": res["status"] + (" (engine off)" if on.get("timeout") else ""),
            "digits_confirmed": n["digits_confirmed"], "bits": n["precision_bits"],
            "unresolved": n["points_unresolved"], "agree": n["points_agreeing"]}


def table(rows, mp_g, mp_p, title):
    print(f"{title} (load average before: {rows[0]['load']}, after: {rows[-1]['load_after']})")
    print()
    print("| formulas | D | renorm status (engine on, 32 pts) | agree / digits confirmed / bits | renorm engine on, t(32 pts) (ms, median) | renorm engine off, t(1 pt), t(32 pts) (ms, fastest run) | renorm ms/point (engine-off slope) | mpmath+gmpy2 ms/point | ratio renorm/mpmath+gmpy2 | mpmath pure-Python ms/point | mpmath agree / correct digits |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        key = (r["name"], r["digits"])
        g, p = mp_g[key], mp_p.get(key)
        rr = r["renorm"]
        ratio = rr["per_point"] / g["per_point"] if g["per_point"] > 0 else float("nan")
        pp = f"{p['per_point'] * 1e3:.3f}" if p else "—"
        on = f"{rr['on'] * 1e3:.0f}" + (" (1 run)" if rr["on_runs"] == 1 else "") if rr["on"] is not None else f"> {ENGINE_TIMEOUT:.0f} s"
        print(f"| {r['name']}: `{short(r['lhs'])}` vs `{short(r['rhs'])}` | {r['digits']} | {rr['status']} | "
              f"{rr['agree']}/32, {rr['digits_confirmed']}, {rr['bits']} | {on} | {rr['t1'] * 1e3:.1f}, {rr['t32'] * 1e3:.1f} | "
              f"{rr['per_point'] * 1e3:.3f} | {g['per_point'] * 1e3:.3f} | {ratio:.2f} | {pp} | {g['agree']}/32, {g['correct_digits']} |")
    print()


def short(s, n=40):
    return s if len(s) <= n else s[:n - 12] + "…" + s[-10:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", nargs="?", default="bench")
    ap.add_argument("case_file", nargs="?")
    ap.add_argument("--digits", default="50,1000" if quick() else "50,1000,5000")
    ap.add_argument("--sizes", default="10,100" if quick() else "10,100,1000")
    a = ap.parse_args()
    if a.mode == "mp":
        return mp_side(a.case_file)
    digits = [int(d) for d in a.digits.split(",")]
    sizes = [int(k) for k in a.sizes.split(",")]
    reps_small = 5 if quick() else 7
    for tag, title, cases, ds in (("digits", "Per-point cost by digits", CASES, digits),
                                  ("sizes", "Per-point cost by formula size, 50 digits", size_cases(sizes), [50])):
        rows, mp_cases = [], []
        for name, lhs, rhs in cases:
            for D in ds:
                reps = reps_small if D <= 1000 else 3
                row = {"name": name, "lhs": lhs, "rhs": rhs, "digits": D, "load": loadavg()}
                row["renorm"] = renorm_side(name, lhs, rhs, D, reps)
                row["load_after"] = loadavg()
                rows.append(row)
                mp_cases.append({"name": name, "lhs": lhs, "rhs": rhs, "digits": D, "points": 32, "reps": 3})
        mp_g = run_mp(mp_cases, nogmpy=False)
        # the pure-Python backend only where it finishes in reasonable time
        mp_p = run_mp([dict(c, reference=False) for c in mp_cases], nogmpy=True)
        table(rows, mp_g, mp_p, title)
        (OUT / f"{tag}.json").write_text(json.dumps({"rows": rows, "mp_gmpy": list(mp_g.values()), "mp_python": list(mp_p.values())}, default=str))
    print(waits_note())
    print()


if __name__ == "__main__":
    main()
