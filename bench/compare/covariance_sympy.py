#!/usr/bin/env python3
"""Gallery covariance checks: `renorm check SPEC --format json` against SymPy (+ mpmath).

    covariance_sympy.py run SPEC.toml… [--reps 5] [--points 8] [--digits 50] > sympy.jsonl
    covariance_sympy.py table --sympy sympy.jsonl --renorm-dir DIR     # Markdown table

What is compared. For every spec of examples/couplings/, renorm decides (docs/theory.md §2.4–2.9)
continuous log-shift covariance H1 with its degree b, discrete (log-periodic) covariance, and
time-rescaling covariance H2 of the spec's weight w, then the verdict class of §2.7 and the forced
exponents (b, and b − w for time), each by the symbolic engine *and* a 50-digit numeric check at
8 random points. This script does the same mathematical work with SymPy, in process:

* H1: substitute λ_i → c λ_i in F, simplify R = F(cλ)/F(λ); H1 holds symbolically when R is
  free of every λ_i, and the degree is b = log(R)/log(c) (expand_log, simplify), which must be
  free of c (R a pure power of c);
* H2: substitute λ_i → κ λ_i and t → t/κ, simplify F(κλ, t/κ)/(κ^w F(λ, t)); H2 holds
  symbolically when it simplifies to 1;
* discrete covariance (only when H1 does not simplify): a period h = 2π/|ω| read off every
  sin/cos (π/|ω| for tan) whose argument is ω·ln λ + const after expand_log; it holds when
  F(e^h λ)/F(λ) simplifies free of λ and the shift by √2·h is refuted numerically;
* numeric cross-check with mpmath (through sympy.lambdify), at `--digits` + 20 working digits,
  `--points` points log-uniform in [1e-30, 1e30] (a third in [0.1, 10]; range parameters uniform
  in their range), as renorm samples: for H1 the cross product F(e^σλ)F(λ') − F(e^σλ')F(λ) at
  pairs of points sharing t (renorm's finite-shift form), for H2 F(κλ, t/κ) − κ^w F(λ, t), and
  the original formula against the forced form C t^(b−w) λ₁^b G(λ₂/λ₁, …);
* statuses as docs/theory.md §4.1: symbolic yes + numeric agreement → proved; only numeric
  agreement → confirmed; a point where the relative residual exceeds 10^-(digits-10) → refuted
  (engine_disagreement if SymPy had said yes); every point undefined (not real) → undetermined;
  the class by the rules of §2.7 (power_law, power_law_in_spectrum, log_periodic, not_power_law,
  undetermined). For several spectral variables the scaling function G(u) = F(1, u, …; 1)/F(1,…;1)
  is reported.

Simplifications (said in DRAFT-RESULTS.md): no outward-rounded enclosures (a "refuted" here is a
50-digit floating evaluation, not a certificate), no precision rule with hidden digits (§4.3), no
exact-rational grid path (§4.4), no rule engine or trail. SymPy runs with positive symbols
(spectral variables, time, range parameters are declared positive). The SymPy cache is cleared
before every repetition so repetitions are not served from it. `import sympy` is timed separately.
"""

import argparse
import json
import math
import random
import statistics
import time
import tomllib
from fractions import Fraction
from pathlib import Path

T_IMPORT0 = time.perf_counter()
import sympy  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402
from sympy.parsing.sympy_parser import (  # noqa: E402
    convert_xor, parse_expr, rationalize, standard_transformations)
import mpmath  # noqa: E402

T_IMPORT = time.perf_counter() - T_IMPORT0

WEIGHTS = {"velocity": 2, "coupling": 1, "log_velocity": 1, "energy": 0}
FUNCS = {"exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "sin": sympy.sin,
         "cos": sympy.cos, "tan": sympy.tan, "tanh": sympy.tanh, "cosh": sympy.cosh,
         "sinh": sympy.sinh, "abs": sympy.Abs, "pi": sympy.pi}
TRANSFORMS = standard_transformations + (convert_xor, rationalize)


def parse(text, symbols):
    local = dict(FUNCS)
    local.update(symbols)
    return parse_expr(text, local_dict=local, transformations=TRANSFORMS)


def load_spec(path):
    spec = tomllib.loads(Path(path).read_text())
    spectral = spec["spectral"]
    time_var = spec.get("time")
    syms = {v: sympy.Symbol(v, positive=True) for v in spectral + ([time_var] if time_var else [])}
    params, ranges = {}, {}
    for name, val in spec.get("params", {}).items():
        if isinstance(val, dict):
            lo, hi = (Fraction(s) for s in val["range"])
            syms[name] = sympy.Symbol(name, positive=True)
            ranges[name] = (lo, hi)
        else:
            params[name] = sympy.Rational(str(val))
    local = dict(syms)
    local.update(params)
    expr = parse(spec["expr"], local)
    weight = sympy.Rational(spec["weight"]) if "weight" in spec else sympy.Integer(WEIGHTS[spec["kind"]])
    return {"name": spec.get("name", Path(path).stem), "file": Path(path).name, "expr": expr,
            "lam": [syms[v] for v in spectral], "t": syms.get(time_var) if time_var else None,
            "ranges": {syms[k]: v for k, v in ranges.items()}, "w": weight, "syms": syms,
            "local": local}


def simp(e):
    e = sympy.powsimp(sympy.expand_log(e, force=True), force=True)
    return sympy.simplify(e)


def free_of(e, vs):
    return not (e.free_symbols & set(vs))


# --- the symbolic phase ------------------------------------------------------------------------

def symbolic(s):
    F, lams, t, w = s["expr"], s["lam"], s["t"], s["w"]
    c = sympy.Symbol("c_", positive=True)
    k = sympy.Symbol("k_", positive=True)
    out = {"h1": False, "b": None, "h2": False, "periods": [], "discrete": False, "real": True}
    if F.is_extended_real is False or F.has(sympy.I):
        out["real"] = False
    # H1: R = F(cλ)/F(λ) free of λ, and a pure power of c
    R = simp(F.subs({l: c * l for l in lams}, simultaneous=True) / F)
    if free_of(R, lams):
        b = simp(sympy.expand_log(sympy.log(R), force=True) / sympy.log(c))
        if c not in b.free_symbols:
            out["h1"], out["b"] = True, b
    # H2: F(κλ, t/κ)/(κ^w F) == 1
    sub = {l: k * l for l in lams}
    if t is not None:
        sub[t] = t / k
    R2 = simp(F.subs(sub, simultaneous=True) / (k ** w * F))
    out["h2"] = R2 == 1
    # discrete covariance: periods from periodic functions of ω ln λ
    if not out["h1"]:
        for node in sympy.preorder_traversal(F):
            if isinstance(node, (sympy.sin, sympy.cos, sympy.tan)):
                arg = sympy.expand(sympy.expand_log(node.args[0], force=True))
                for l in lams:
                    om = arg.coeff(sympy.log(l))
                    if om != 0 and free_of(sympy.simplify(arg - om * sympy.log(l)), lams) and free_of(om, lams):
                        per = (sympy.pi if isinstance(node, sympy.tan) else 2 * sympy.pi) / abs(om)
                        out["periods"].append(sympy.simplify(per))
        for h in out["periods"]:
            Rh = simp(F.subs({l: sympy.exp(h) * l for l in lams}, simultaneous=True) / F)
            if free_of(Rh, lams):
                out["discrete_h"] = h
                break
    return out


# --- the numeric phase (mpmath) ----------------------------------------------------------------

def rand_scale(rng):
    # log-uniform in [1e-30, 1e30], a third of the points in [1e-1, 1e1]; an exact rational
    e = rng.uniform(-1, 1) if rng.random() < 1 / 3 else rng.uniform(-30, 30)
    return Fraction(10) ** math.floor(e) * Fraction(round(10 ** (e - math.floor(e)) * 10 ** 10), 10 ** 10)


def mpf(q):
    return mpmath.mpf(q.numerator) / q.denominator


class Num:
    """mpmath evaluation of F at exact rational points, `digits` + 20 working digits."""

    def __init__(self, s, digits, seed):
        self.s, self.digits = s, digits
        self.vars = s["lam"] + ([s["t"]] if s["t"] is not None else []) + list(s["ranges"])
        self.f = sympy.lambdify(self.vars, s["expr"], modules="mpmath")
        self.rng = random.Random(seed)

    def point(self):
        p = {v: rand_scale(self.rng) for v in self.s["lam"]}
        if self.s["t"] is not None:
            p[self.s["t"]] = rand_scale(self.rng)
        for v, (lo, hi) in self.s["ranges"].items():
            p[v] = lo + (hi - lo) * Fraction(self.rng.randrange(10 ** 9), 10 ** 9)
        return p

    def ev(self, p, f=None):
        args = [mpf(p[v]) if isinstance(p[v], Fraction) else p[v] for v in self.vars]
        try:
            val = (f or self.f)(*args)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            return None
        if isinstance(val, mpmath.mpc):
            if val.imag != 0:
                return None
            val = val.real
        if not mpmath.isfinite(val):
            return None
        return val

    def agree(self, a, b):
        scale = max(abs(a), abs(b))
        if scale == 0:
            return True
        return abs(a - b) <= scale * mpmath.mpf(10) ** (-(self.digits))

    def refute(self, a, b):
        scale = max(abs(a), abs(b))
        return scale != 0 and abs(a - b) > scale * mpmath.mpf(10) ** (-(self.digits - 10))


def numeric_check(num, points, residual):
    """residual(p) -> (a, b) or None (undefined). Returns (agree, refuted, undefined) counts."""
    agree = refuted = undefined = 0
    for _ in range(points):
        p = num.point()
        with mpmath.workdps(num.digits + 20):
            pair = residual(p)
            if pair is None or pair[0] is None or pair[1] is None:
                undefined += 1
            elif num.agree(*pair):
                agree += 1
            elif num.refute(*pair):
                refuted += 1
            else:
                undefined += 1
    return agree, refuted, undefined


def status(sym_yes, counts, points):
    agree, refuted, undefined = counts
    if refuted:
        return "engine_disagreement" if sym_yes else "refuted"
    if agree == points:
        return "proved" if sym_yes else "confirmed"
    return "undetermined"


HOLDS = ("proved", "confirmed")


def check(s, points, digits, seed=20261127):
    sym = symbolic(s)
    t_sym = time.perf_counter()
    num = Num(s, digits, seed)
    lams, t, w = s["lam"], s["t"], s["w"]

    def h1_res(p):
        # F(e^σ λ) F(λ') − F(e^σ λ') F(λ), λ' another spectral point with the same t, params
        q = num.point()
        for v in p:
            if v not in lams:
                q[v] = p[v]
        sig = Fraction(num.rng.randrange(1, 10 ** 6), 10 ** 5)
        es = mpmath.exp(mpf(sig))
        vals = [num.ev({**p, **{l: mpf(p[l]) * es for l in lams}}), num.ev(q), num.ev({**q, **{l: mpf(q[l]) * es for l in lams}}), num.ev(p)]
        if any(v is None for v in vals):
            return None
        return vals[0] * vals[1], vals[2] * vals[3]

    def h2_res(p):
        kap = Fraction(num.rng.randrange(1, 10 ** 6), 10 ** 5)
        q = dict(p)
        for l in lams:
            q[l] = p[l] * kap
        if t is not None:
            q[t] = p[t] / kap
        a, b = num.ev(q), num.ev(p)
        if a is None or b is None:
            return None
        return a, mpf(kap) ** w * b

    h1c = numeric_check(num, points, h1_res)
    h1 = status(sym["h1"], h1c, points)
    if not sym["real"] and h1c[2] == points:
        h1 = "undetermined"
    h2c = numeric_check(num, points, h2_res)
    h2 = status(sym["h2"], h2c, points)
    if not sym["real"] and h2c[2] == points:
        h2 = "undetermined"

    discrete = False
    if h1 not in HOLDS and "discrete_h" in sym:
        h = sym["discrete_h"]

        def shift_res(fac):
            def r(p):
                q = num.point()
                for v in p:
                    if v not in lams:
                        q[v] = p[v]
                vals = [num.ev({**p, **{l: mpf(p[l]) * fac for l in lams}}), num.ev(q),
                        num.ev({**q, **{l: mpf(q[l]) * fac for l in lams}}), num.ev(p)]
                if any(v is None for v in vals):
                    return None
                return vals[0] * vals[1], vals[2] * vals[3]
            return r
        with mpmath.workdps(digits + 30):
            hval = sympy.lambdify([], h, modules="mpmath")()
            fh, fr = mpmath.exp(hval), mpmath.exp(mpmath.sqrt(2) * hval)
        ok = numeric_check(num, points, shift_res(fh))
        irr = numeric_check(num, points, shift_res(fr))
        discrete = ok[0] == points and irr[1] > 0

    if h1 in HOLDS and h2 in HOLDS:
        cls = "power_law"
    elif h1 in HOLDS:
        cls = "power_law_in_spectrum"
    elif h1 in ("refuted", "engine_disagreement") and discrete:
        cls = "log_periodic"
    elif h1 in ("refuted", "engine_disagreement"):
        cls = "not_power_law"
    else:
        cls = "undetermined"

    b = sym["b"] if h1 in HOLDS else None
    exp_t = sympy.simplify(b - w) if (cls == "power_law" and t is not None) else None
    G = None
    conf = None
    if cls == "power_law":
        one = {l: 1 for l in lams}
        if t is not None:
            one[t] = 1
        C = sympy.simplify(s["expr"].subs(one, simultaneous=True))
        if len(lams) > 1:
            us = [sympy.Symbol(f"u{i + 2}", positive=True) for i in range(len(lams) - 1)]
            sub = {lams[0]: 1, **{l: u for l, u in zip(lams[1:], us)}}
            if t is not None:
                sub[t] = 1
            G = sympy.simplify(s["expr"].subs(sub, simultaneous=True) / C)
            forced = C * lams[0] ** b * G.subs({u: l / lams[0] for u, l in zip(us, lams[1:])})
        else:
            forced = C * lams[0] ** b
        if t is not None:
            forced = forced * t ** (b - w)
        ff = sympy.lambdify(num.vars, forced, modules="mpmath")
        cc = numeric_check(num, points, lambda p: (num.ev(p), num.ev(p, ff)))
        conf = status(False, cc, points)
    t_num = time.perf_counter()
    return {"h1": h1, "h2": h2, "degree": None if b is None else str(b),
            "exponent_time": None if exp_t is None else str(exp_t), "class": cls,
            "scaling_function": None if G is None else str(G), "discrete": discrete,
            "period": str(sym["discrete_h"]) if discrete else None,
            "confirmation": conf, "t_sym_end": t_sym, "t_num_end": t_num}


def run(args):
    # one untimed warm-up check: SymPy and lambdify import parts of themselves lazily
    check(load_spec(args.specs[0]), args.points, args.digits)
    for path in args.specs:
        times_sym, times_tot = [], []
        res = None
        for rep in range(args.reps):
            clear_cache()
            t0 = time.perf_counter()
            s = load_spec(path)
            res = check(s, args.points, args.digits)
            t1 = time.perf_counter()
            times_sym.append(res.pop("t_sym_end") - t0)
            res.pop("t_num_end")
            times_tot.append(t1 - t0)
        res.update({"file": Path(path).name, "times_total": times_tot, "times_symbolic": times_sym,
                    "median_total": statistics.median(times_tot),
                    "median_symbolic": statistics.median(times_sym), "import_seconds": T_IMPORT})
        print(json.dumps(res), flush=True)


# --- the comparison table ----------------------------------------------------------------------

def same_expr(a, b, local):
    """Do two exponent / scaling-function strings denote the same expression?"""
    if a is None or b is None:
        return a is None and b is None
    try:
        ea = parse(a.split(" (with")[0], local)
        eb = parse(b.split(" (with")[0], local)
    except Exception:
        return False
    if sympy.simplify(ea - eb) == 0:
        return True
    # numeric fallback at a few positive points
    fs = sorted(ea.free_symbols | eb.free_symbols, key=str)
    fa, fb = sympy.lambdify(fs, ea, "mpmath"), sympy.lambdify(fs, eb, "mpmath")
    rng = random.Random(7)
    for _ in range(5):
        pt = [mpmath.mpf(rng.uniform(0.2, 5)) for _ in fs]
        try:
            if abs(fa(*pt) - fb(*pt)) > 1e-30 * (1 + abs(fa(*pt))):
                return False
        except Exception:
            return False
    return True


def table(args):
    rows = [json.loads(line) for line in Path(args.sympy).read_text().splitlines() if line.strip()]
    rdir = Path(args.renorm_dir)
    print("| spec | renorm check (ms) | SymPy symbolic (ms) | SymPy + mpmath (ms) | ratio renorm/SymPy total | renorm class | SymPy class | same verdict? |")
    print("|---|---|---|---|---|---|---|---|")
    rts, sts, ratios, same_n, waits = [], [], [], 0, [0, 0]
    for r in rows:
        stem = Path(r["file"]).stem
        timing = json.loads((rdir / f"{stem}.time.json").read_text())
        waits[0] += timing.get("discarded_waits", 0)
        waits[1] += timing.get("waits_in_times", 0)
        rep = json.loads((rdir / f"{stem}.json").read_text())["reports"][0]
        v, ch = rep["verdict"], rep["checks"]
        spec = load_spec(Path(args.spec_dir) / r["file"]) if args.spec_dir else None
        local = dict(spec["local"]) if spec else {}
        for i in range(2, 6):
            local[f"u{i}"] = sympy.Symbol(f"u{i}", positive=True)
        diffs = []
        if v["class"] != r["class"]:
            diffs.append(f"class {v['class']} vs {r['class']}")
        deg = (ch.get("log_shift") or {}).get("degree") or v.get("exponent_spectral")
        if deg is not None and not same_expr(deg, r["degree"], local):
            diffs.append(f"b: {deg} vs {r['degree']}")
        per = (ch.get("log_shift") or {}).get("period")
        if per is not None and not same_expr(per, r.get("period"), local):
            diffs.append(f"period: {per} vs {r.get('period')}")
        if v.get("exponent_time") is not None and not same_expr(v["exponent_time"], r["exponent_time"], local):
            diffs.append(f"time exponent: {v['exponent_time']} vs {r['exponent_time']}")
        if v.get("scaling_function") is not None and not same_expr(v["scaling_function"], r["scaling_function"], local):
            diffs.append(f"G: renorm `{v['scaling_function']}` vs SymPy `{r['scaling_function']}`")
        lsk = ch["log_shift"]["status"] if ch.get("log_shift") else None
        trs = ch["time_rescaling"]["status"] if ch.get("time_rescaling") else None
        stat_note = f"H1 {lsk}/{r['h1']}, H2 {trs}/{r['h2']}"
        same = not diffs
        same_n += same
        rt, st, sy = timing["median"], r["median_total"], r["median_symbolic"]
        rts.append(rt)
        sts.append(st)
        ratios.append(rt / st)
        print(f"| {stem} | {rt * 1e3:.1f} | {sy * 1e3:.0f} | {st * 1e3:.0f} | {rt / st:.3f} | {v['class']} | {r['class']} | "
              f"{'yes' if same else 'NO: ' + '; '.join(diffs)} ({stat_note}) |")
    print()
    print(f"Medians over the {len(rows)} specs: renorm {statistics.median(rts) * 1e3:.1f} ms per spec (whole process), "
          f"SymPy + mpmath {statistics.median(sts) * 1e3:.0f} ms per spec (in process); median ratio renorm/SymPy "
          f"{statistics.median(ratios):.3f} (range {min(ratios):.3f}–{max(ratios):.3f}); totals {sum(rts):.2f} s vs {sum(sts):.2f} s. "
          f"Same verdict (class and every exponent / scaling function renorm reports): {same_n}/{len(rows)}. "
          f"`import sympy, mpmath` once: {rows[0]['import_seconds'] * 1e3:.0f} ms (not in the SymPy times). "
          f"Statuses in the last column are renorm/SymPy. renorm runs repeated because renorm waited for another "
          f"process's symbolic engine: {waits[0]} (timed runs still including a wait: {waits[1]}).")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("specs", nargs="+")
    r.add_argument("--reps", type=int, default=5)
    r.add_argument("--points", type=int, default=8)
    r.add_argument("--digits", type=int, default=50)
    t = sub.add_parser("table")
    t.add_argument("--sympy", required=True)
    t.add_argument("--renorm-dir", required=True)
    t.add_argument("--spec-dir", default="examples/couplings")
    a = ap.parse_args()
    run(a) if a.cmd == "run" else table(a)


if __name__ == "__main__":
    main()
