#!/usr/bin/env python3
"""Per-point evaluation cost at 50 / 1000 / 5000 / 20000 digits: renorm against Arb
(python-flint) and mpmath, on the gallery's formulas and the identities of issue 17.

    arb_flint.py [--digits 50,1000,5000,20000] [--only NAME]   # Markdown tables (QUICK=1: 50,1000,5000);
                                                               # --only: the cases whose name contains NAME
    arb_flint.py side CASES.json                      # internal: the Arb and mpmath sides

What is compared, per point, for an identity `LHS == RHS` at D digits:
* **renorm, verification** (`renorm --engine off identity LHS RHS --digits D --points P
  --max-digits max(2000, 2D + 1000) --format json`): the slope (t(P) − t(1))/(P − 1) of the
  fastest of REPS whole-process runs at P = 1 and P = 256 for D ≤ 1000, P = 32 above (start-up
  and parsing cancel; the status and digits are the 32-point run's). Per point renorm draws an
  exact rational point, runs its magnitude pass (a 256-bit ball evaluation of both sides plus
  condition numbers), evaluates both sides once as balls at D + 2H digits plus 64 guard bits
  (the midpoints are the values compared, the radii the enclosure), and compares
  (docs/theory.md §4).
* **renorm, one enclosure** (`cargo bench --bench evaluation -- …`, the library's
  `eval_interval` of both sides at D digits + 64 guard bits, and `eval_float` of both): what one
  evaluation costs in renorm's number types, the like-for-like figure against one Arb ball
  evaluation; and `eval_ball`, the one-pass mid-radius evaluation the verification uses.
* **Arb** (python-flint's `arb`, `ctx.dps = D + 19`, i.e. D digits plus about 64 guard bits):
  both sides evaluated as balls at the same 32 exact rational points (log-uniform in
  [1e-30, 1e30], a third in [0.1, 10], the distribution renorm samples from); median of 3
  repetitions of the 32-point loop, divided by 32. No comparison logic: the pure evaluation.
* **mpmath** (gmpy2 backend, `mp.dps = D + 19`): the same points, the same loop.

Integer literals become exact numbers of each library (`arb(3)/2` is the exact ball 1.5, Arb
then takes its own route for `x^1.5`). The python-flint loop pays Python's interpreter per
operation (about 0.1–0.3 µs); at 1000 digits and more that is noise against the arithmetic.
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
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import loadavg, quick, rand_scale, renorm_timed, variables  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(os.environ.get("WORK", "target/bench-compare")) / "arb"
GUARD_DIGITS = 19  # renorm's 64 guard bits

IDENTITIES = [
    ("sqrt form", "sqrt(lam^3/t)", "lam^(3/2)*t^(-1/2)"),
    ("exp/log form", "exp(log(lam)*3/2)", "lam^(3/2)"),
    ("rational-exponent power law", "(lam^2/t^4)^(1/3)", "lam^(2/3)*t^(-4/3)"),
    ("half-integer power", "(lam^2 + 1)^(3/2)", "(lam^2 + 1)*sqrt(lam^2 + 1)"),
    ("log form", "log(lam^3*t)", "3*log(lam) + log(t)"),
]


def gallery():
    """The gallery's coupling formulas (examples/couplings/*.toml), each as `F == F`, with the
    spec's parameters substituted (a range takes its midpoint)."""
    import tomllib
    out = []
    for f in sorted((ROOT / "examples/couplings").glob("*.toml")):
        spec = tomllib.loads(f.read_text())
        expr = spec.get("expr")
        if not expr:
            continue
        for name, value in (spec.get("params") or {}).items():
            if isinstance(value, dict):
                value = value["range"]
            if isinstance(value, list):
                value = (Fraction(str(value[0])) + Fraction(str(value[1]))) / 2
            q = Fraction(str(value))
            text = f"({q.numerator}/{q.denominator})" if q.denominator != 1 else f"({q.numerator})"
            expr = re.sub(rf"(?<![\w.]){re.escape(name)}(?![\w.])", text, expr)
        out.append((f"gallery {f.stem[:2]}", expr, expr))
    return out


def to_python(expr, wrap):
    expr = expr.replace("^", "**")
    return re.sub(r"(?<![\w.])(\d+)(?![\w.])", rf"{wrap}(\1)", expr)


# --- the Arb and mpmath sides (run in a separate process) --------------------------------------

def side(case_file):
    import flint
    import mpmath
    from flint import arb, ctx
    spec = json.loads(Path(case_file).read_text())
    arb_ns = {"num": arb, "sqrt": lambda x: x.sqrt(), "exp": lambda x: x.exp(), "log": lambda x: x.log(),
              "sin": lambda x: x.sin(), "cos": lambda x: x.cos(), "tan": lambda x: x.tan(),
              "tanh": lambda x: x.tanh(), "cosh": lambda x: x.cosh(), "sinh": lambda x: x.sinh(),
              "abs": abs}
    mp_ns = {"num": mpmath.mpf, "sqrt": mpmath.sqrt, "exp": mpmath.exp, "log": mpmath.log,
             "sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan, "tanh": mpmath.tanh,
             "cosh": mpmath.cosh, "sinh": mpmath.sinh, "abs": abs}
    results = []
    for c in spec["cases"]:
        code = [compile(to_python(s, "num"), s, "eval") for s in (c["lhs"], c["rhs"])]
        pts = [{v: Fraction(q) for v, q in p.items()} for p in c["points"]]
        D = c["digits"]
        row = {"name": c["name"], "digits": D}

        ctx.dps = D + GUARD_DIGITS
        arb_ns["pi"] = arb.pi()
        arb_pts = [{v: arb(q.numerator) / q.denominator for v, q in p.items()} for p in pts]

        def arb_loop():
            out = []
            for p in arb_pts:
                env = dict(arb_ns)
                env.update(p)
                out.append((eval(code[0], env), eval(code[1], env)))
            return out

        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            vals = arb_loop()
            times.append(time.perf_counter() - t0)
        row["arb"] = statistics.median(times) / len(pts)
        # digits the balls certify (the smallest over points and sides)
        accurate = []
        for a, b in vals:
            for x in (a, b):
                if x.mid() != 0 and x.rad() != 0:
                    accurate.append(int(math.floor(-float((x.rad() / abs(x.mid())).log()) / math.log(10))))
        row["arb_digits"] = min(accurate) if accurate else None
        row["flint"] = flint.__version__

        with mpmath.workdps(D + GUARD_DIGITS):
            mp_ns["pi"] = mpmath.pi
            mp_pts = [{v: mpmath.mpf(q.numerator) / q.denominator for v, q in p.items()} for p in pts]
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                for p in mp_pts:
                    env = dict(mp_ns)
                    env.update(p)
                    eval(code[0], env), eval(code[1], env)
                times.append(time.perf_counter() - t0)
        row["mpmath"] = statistics.median(times) / len(pts)
        row["mpmath_backend"] = mpmath.libmp.BACKEND
        results.append(row)
    print(json.dumps(results))


# --- the renorm sides and the tables -----------------------------------------------------------

def renorm_verification(name, lhs, rhs, D, reps):
    OUT.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"\W+", "_", name) + f"_{D}"
    base = ["--engine", "off", "identity", lhs, rhs, "--digits", D, "--max-digits", max(2000, 2 * D + 1000),
            "--format", "json"]
    t1 = renorm_timed(base + ["--points", 1], reps=reps, lock=False, stdout=OUT / f"{stem}_p1.json", ok_codes="0,1")
    t32 = renorm_timed(base + ["--points", 32], reps=reps, lock=False, stdout=OUT / f"{stem}_p32.json",
                       ok_codes="0,1")
    # At D <= 1000 a point costs tens of microseconds, as much as the jitter of a whole process
    # over 32 points: the slope is taken over 256 points there (the status stays the 32-point one).
    many = 256 if D <= 1000 else 32
    t_many = t32 if many == 32 else renorm_timed(base + ["--points", many], reps=reps, lock=False,
                                                  stdout=OUT / f"{stem}_p{many}.json", ok_codes="0,1")
    res = json.loads((OUT / f"{stem}_p32.json").read_text())
    n = res["numeric"]
    return {"per_point": (t_many["min"] - t1["min"]) / (many - 1), "status": res["status"],
            "digits_confirmed": n["digits_confirmed"], "agree": n["points_agreeing"],
            "unresolved": n["points_unresolved"], "undefined": n["points_undefined"]}


def renorm_enclosures(cases):
    """`cargo bench --bench evaluation`: per-point eval_interval / eval_float of both sides."""
    OUT.mkdir(parents=True, exist_ok=True)
    f = OUT / "enclosure_cases.json"
    f.write_text(json.dumps({"cases": cases}))
    p = subprocess.run(["cargo", "bench", "--quiet", "--bench", "evaluation", "--", str(f)],
                       capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    return {(r["name"], r["digits"]): r for r in json.loads(p.stdout)}


def run_side(cases):
    OUT.mkdir(parents=True, exist_ok=True)
    f = OUT / "cases.json"
    f.write_text(json.dumps({"cases": cases}))
    p = subprocess.run([sys.executable, __file__, "side", str(f)], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    return {(r["name"], r["digits"]): r for r in json.loads(p.stdout)}


def us(seconds):
    return f"{seconds * 1e6:.0f}" if seconds >= 1e-4 else f"{seconds * 1e6:.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", nargs="?", default="bench")
    ap.add_argument("case_file", nargs="?")
    ap.add_argument("--digits", default="50,1000,5000" if quick() else "50,1000,5000,20000")
    ap.add_argument("--only", default="", help="only the cases whose name contains this")
    a = ap.parse_args()
    if a.mode == "side":
        return side(a.case_file)
    digits = [int(d) for d in a.digits.split(",")]
    ops = subprocess.run(["cargo", "bench", "--quiet", "--bench", "evaluation", "--", "--operations"],
                         capture_output=True, text=True, cwd=ROOT)
    if ops.returncode != 0:
        raise SystemExit(ops.stderr)
    print("What single MPFR operations cost (renorm's number types are built from them):")
    print()
    print(ops.stdout)
    cases = [c for c in IDENTITIES + gallery() if a.only in c[0]]
    rows, side_cases = [], []
    load_before = loadavg()
    for name, lhs, rhs in cases:
        for D in digits:
            reps = 5 if D <= 1000 else 3
            rows.append({"name": name, "lhs": lhs, "rhs": rhs, "digits": D,
                         "renorm": renorm_verification(name, lhs, rhs, D, reps)})
            rng = random.Random(20261127)
            vs = variables(lhs, rhs)
            points = [{v: str(rand_scale(rng)) for v in vs} for _ in range(32)]
            side_cases.append({"name": name, "lhs": lhs, "rhs": rhs, "digits": D, "points": points})
    enclosures = renorm_enclosures(side_cases)
    others = run_side(side_cases)
    print(f"Per point, µs (load average before: {load_before}, after: {loadavg()}); ratios against Arb.")
    print()
    print("| formulas | D | renorm verification (status, digits confirmed) | renorm verification µs | "
          "renorm one enclosure (both sides) µs | one ball µs | one float evaluation µs | one dual µs | "
          "one interval dual µs | Arb µs (certified digits) | mpmath µs | verification / Arb | ball / Arb | "
          "float / Arb |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        key = (r["name"], r["digits"])
        o, e, v = others[key], enclosures[key], r["renorm"]
        lhs = r["lhs"] if r["lhs"] == r["rhs"] else f"{r['lhs']}` vs `{r['rhs']}"
        print(f"| {r['name']}: `{lhs}` | {r['digits']} | {v['status']}, {v['digits_confirmed']} | "
              f"{us(v['per_point'])} | {us(e['interval'])} | {us(e['ball'])} | {us(e['float'])} | "
              f"{us(e['dual'])} | {us(e['interval_dual'])} | "
              f"{us(o['arb'])} ({o['arb_digits']}) | {us(o['mpmath'])} | "
              f"{v['per_point'] / o['arb']:.1f} | {e['ball'] / o['arb']:.1f} | {e['float'] / o['arb']:.1f} |")
    print()
    flint_version = next(iter(others.values()))["flint"]
    print(f"python-flint {flint_version}; mpmath backend {next(iter(others.values()))['mpmath_backend']}.")
    (OUT / "results.json").write_text(json.dumps({"rows": rows, "enclosures": list(enclosures.values()),
                                                  "others": list(others.values())}, default=str))


if __name__ == "__main__":
    main()
