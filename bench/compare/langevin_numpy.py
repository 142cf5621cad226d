#!/usr/bin/env python3
"""Langevin sampling: `renorm rg sample` against a vectorised NumPy sampler of the same dynamics.

    langevin_numpy.py [--models examples/rg/u0_gp.toml,examples/rg/fig3_separable.toml] [--steps 4e6]
    langevin_numpy.py sample MODEL.toml --steps S [--chains C] …   # internal: the NumPy side, JSON

What is compared (docs/theory.md §3.1, §3.6). The model: modes k = 1…N, λ_k = k^−(1+α),
y_k = k^−(1+β)/2, x = P/r, action Σ_k [f_k²/(2λ_k) + (x/2)(f_k − y_k)²] + S_int with the separable
term (U/4N)(Σ_k w_k f_k²)², w_k = k^ω/λ_k (force (U/N) Q w_j f_j, Q = Σ w_k f_k²) and the
diagonal term (U/4) Σ f_k⁴/λ_k² (force U f_j³/λ_j²). The integrator is the one §3.6 specifies:
with A_k = 1/λ_k + x and m_k = x y_k/A_k, one step is the exact Ornstein–Uhlenbeck update with
the interaction force F frozen at the start of the step,
    m' = m − F(f)/A,   f ← m' + (f − m') e^{−A dt} + √((1 − e^{−2A dt})/A) ξ,
exact in distribution at U = 0. Chains start at the GP mean, run `--burn-in` steps (2·10⁴), then
`--steps`, recording every `--thin` (10) steps. Estimates per mode: ⟨Δ_k⟩ = y_k − ⟨f_k⟩ and the
connected variance; the loss per sample Σ_k Δ_k². Errors: blocked standard errors over
`--batches` (50) contiguous blocks per chain, pooled over chains (the coarsest level of renorm's
blocking; no Flyvbjerg–Petersen level scan, no τ_int / "too short" diagnostics).

* NumPy: float64, the state of all chains a (C, N) array; one Python-level iteration per step
  (vectorised over chains and modes), normal deviates drawn 1000 steps at a time with
  numpy.random.default_rng (PCG64). Two configurations: C = 2 (as renorm's default) and C = 64 with
  the same total number of recorded chain-steps (each chain then pays its own burn-in).
* renorm: `renorm --engine off rg sample MODEL --steps S --chains 2 --threads T --dt 1e-4
  --seed 1 --output DIR`, whole process (which also computes the GP, first-order and RG
  predictions and writes the table and figure), median of REPS runs, with T = 1 and T = 2.
* Time per chain-step = wall time / (chains × (steps + burn-in)), each chain-step updating all N
  modes. Agreement: per mode z = (a − b)/√(SE_a² + SE_b²) between the NumPy (C = 2) estimates and
  renorm's sampled ones, for the mean and the variance; |z| ≤ 3 is counted as agreement.
"""

import argparse
import json
import math
import os
import sys
import time
import tomllib
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import loadavg, quick, renorm_timed  # noqa: E402

OUT = Path(os.environ.get("WORK", "target/bench-compare")) / "langevin"


def frac(v):
    """An exact model number: an integer, a decimal, or a quotient of two such (`1000/3.98`)."""
    s = str(v).strip()
    if "/" in s:
        num, den = s.split("/", 1)
        return Fraction(num.strip()) / Fraction(den.strip())
    return Fraction(s)


def load_model(path):
    m = tomllib.loads(Path(path).read_text())
    x = frac(m["p_over_r"]) if "p_over_r" in m else frac(m["P"]) / frac(m["r"])
    inter = []
    for it in m.get("interaction", []):
        inter.append({"kind": it["kind"], "U": float(frac(it["U"])), "omega": float(frac(it.get("omega", "0")))})
    return {"alpha": float(frac(m["alpha"])), "beta": float(frac(m["beta"])), "N": int(m["modes"]),
            "x": float(x), "inter": inter, "title": m.get("title", Path(path).stem)}


def sample(model, steps, chains, dt, burn_in, thin, batches, seed, chunk=1000):
    import numpy as np
    N = model["N"]
    k = np.arange(1, N + 1, dtype=np.float64)
    lam = k ** -(1 + model["alpha"])
    y = k ** (-(1 + model["beta"]) / 2)
    x = model["x"]
    A = 1 / lam + x
    m = x * y / A
    E = np.exp(-A * dt)
    Sd = np.sqrt(-np.expm1(-2 * A * dt) / A)
    one_m_E = -np.expm1(-A * dt)
    sep = [(it["U"] / N, k ** it["omega"] / lam) for it in model["inter"] if it["kind"] == "separable"]
    diag = [it["U"] / lam ** 2 for it in model["inter"] if it["kind"] == "diagonal"]
    free = not sep and not diag
    rng = np.random.default_rng(seed)
    f = np.tile(m, (chains, 1))
    n_samples = steps // thin
    block = n_samples // batches
    if block == 0:
        raise SystemExit("too few samples for the blocks")
    s1 = np.zeros((batches, chains, N))
    s2 = np.zeros((batches, chains, N))
    sl = np.zeros((batches, chains))
    mE = m * one_m_E

    def step_block(n, record):
        nonlocal f
        xi = rng.standard_normal((n, chains, N))
        xi *= Sd
        rec = []
        for i in range(n):
            if free:
                f = f * E
                f += mE
            else:
                force = np.zeros_like(f)
                for c, w in sep:
                    Q = np.einsum("ck,k->c", f * f, w)
                    force += c * Q[:, None] * w * f
                for g in diag:
                    force += g * f ** 3
                meff = m - force / A
                f = meff + (f - meff) * E
            f += xi[i]
            if record and (i + 1) % thin == 0:
                rec.append(f.copy())
        return rec

    t0 = time.perf_counter()
    done = 0
    while done < burn_in:
        n = min(chunk, burn_in - done)
        step_block(n, False)
        done += n
    t_burn = time.perf_counter()
    idx = 0
    done = 0
    while done < steps:
        n = min(chunk, steps - done)
        rec = step_block(n, True)
        done += n
        if rec:
            arr = np.asarray(rec)                      # (r, C, N)
            b = np.minimum(np.arange(idx, idx + len(arr)) // block, batches - 1)
            np.add.at(s1, b, arr)
            np.add.at(s2, b, arr * arr)
            np.add.at(sl, b, ((y - arr) ** 2).sum(-1))
            idx += len(arr)
    t1 = time.perf_counter()
    counts = np.bincount(np.minimum(np.arange(idx) // block, batches - 1), minlength=batches).astype(float)
    cnt = counts[:, None, None]
    tot = counts.sum() * chains
    mean_f = s1.sum((0, 1)) / tot
    var = s2.sum((0, 1)) / tot - mean_f ** 2
    bm = s1 / cnt                                      # block means of f
    bv = s2 / cnt - 2 * mean_f * bm + mean_f ** 2      # block means of (f − μ)²
    nb = batches * chains
    se_mean = bm.reshape(nb, N).std(0, ddof=1) / math.sqrt(nb)
    se_var = bv.reshape(nb, N).std(0, ddof=1) / math.sqrt(nb)
    bl = sl / counts[:, None]
    loss = sl.sum() / tot
    se_loss = bl.reshape(nb).std(ddof=1) / math.sqrt(nb)
    return {"mean": (y - mean_f).tolist(), "se_mean": se_mean.tolist(), "var": var.tolist(),
            "se_var": se_var.tolist(), "loss": float(loss), "se_loss": float(se_loss),
            "seconds": t1 - t0, "seconds_burn_in": t_burn - t0, "chains": chains, "steps": steps,
            "burn_in": burn_in, "chain_steps": chains * (steps + burn_in),
            "gp_mean": (y * (1 / lam) / A).tolist(), "gp_var": (1 / A).tolist()}


def z_stats(a, sa, b, sb):
    zs = [(p - q) / math.hypot(s, t) for p, s, q, t in zip(a, sa, b, sb) if math.hypot(s, t) > 0]
    within = sum(abs(z) <= 3 for z in zs)
    return within, len(zs), max(abs(z) for z in zs), sum(z * z for z in zs) / len(zs)


def bench(models, steps, reps):
    OUT.mkdir(parents=True, exist_ok=True)
    burn, dt = 20000, 1e-4
    print(f"Steps per chain {steps:.3g} (+ {burn} burn-in), dt = {dt}, thin 10, 50 blocks per chain, seed 1.")
    print()
    print("| model | sampler | chains | threads | wall time (s) | ns per chain-step | ratio to renorm, 2 threads | ratio to renorm, 1 thread | load |")
    print("|---|---|---|---|---|---|---|---|---|")
    agree_rows = []
    for mp in models:
        model = load_model(mp)
        stem = Path(mp).stem
        r = {}
        for threads in (2, 1):
            load = loadavg()
            d = OUT / f"{stem}_t{threads}"
            t = renorm_timed(["--engine", "off", "--no-progress", "-q", "rg", "sample", mp, "--steps", f"{steps:g}",
                              "--chains", 2, "--threads", threads, "--dt", "1e-4", "--seed", 1, "--output", d],
                             reps=reps, warmup=0, lock=False)
            r[threads] = (t, load)
        doc = json.loads((OUT / f"{stem}_t2" / "table.json").read_text())
        cs = 2 * (steps + burn)
        r2, r1 = r[2][0]["median"], r[1][0]["median"]
        for threads in (2, 1):
            t, load = r[threads]
            print(f"| {stem} | renorm | 2 | {threads} | {t['median']:.2f} ({t['min']:.2f}–{t['max']:.2f}) | "
                  f"{t['median'] / cs * 1e9:.0f} | {t['median'] / r2:.2f} | {t['median'] / r1:.2f} | {load} |")
        res = {}
        for chains in (2, 64):
            load = loadavg()
            per_chain = steps if chains == 2 else steps * 2 // chains
            out = sample(model, int(per_chain), chains, dt, burn, 10, 50, seed=1)
            res[chains] = out
            print(f"| {stem} | NumPy | {chains} | 1 | {out['seconds']:.2f} | {out['seconds'] / out['chain_steps'] * 1e9:.0f} | "
                  f"{out['seconds'] / r2:.2f} | {out['seconds'] / r1:.2f} | {load} |", flush=True)
        agree_rows.append((stem, doc, res))
    print()
    print("Agreement of the sampled estimates (NumPy with 2 chains against renorm, same model, steps, dt; "
          "z = difference / combined blocked SE). Reference rows compare each sampler with renorm's "
          "prediction (the exact GP at U = 0; the RG column of the table otherwise).")
    print()
    print("| model | comparison | quantity | modes with \\|z\\| ≤ 3 | max \\|z\\| | mean z² |")
    print("|---|---|---|---|---|---|")
    for stem, doc, res in agree_rows:
        rows = doc["rows"]
        rm = [row["sampled"][0] for row in rows]
        rs = [row["sampled"][1] for row in rows]
        rv = [row["sampled"][2] for row in rows]
        rvs = [row["sampled"][3] for row in rows]
        pred_m = [row["mean"][2] for row in rows]   # [GP, first order, RG]: the RG prediction
        pred_v = [row["variance"][2] for row in rows]
        zero = [0.0] * len(rows)
        for label, out in (("NumPy (2 chains) vs renorm", res[2]), ("NumPy (64 chains) vs renorm", res[64])):
            for q, a, sa, b, sb in (("mean ⟨Δ⟩", out["mean"], out["se_mean"], rm, rs),
                                    ("variance", out["var"], out["se_var"], rv, rvs)):
                w, n, mx, mz = z_stats(a, sa, b, sb)
                print(f"| {stem} | {label} | {q} | {w}/{n} | {mx:.2f} | {mz:.2f} |")
        for q, a, sa, b in (("mean ⟨Δ⟩", rm, rs, pred_m), ("variance", rv, rvs, pred_v)):
            w, n, mx, mz = z_stats(a, sa, b, zero)
            print(f"| {stem} | renorm vs prediction | {q} | {w}/{n} | {mx:.2f} | {mz:.2f} |")
        out = res[2]
        for q, a, sa, b in (("mean ⟨Δ⟩", out["mean"], out["se_mean"], pred_m), ("variance", out["var"], out["se_var"], pred_v)):
            w, n, mx, mz = z_stats(a, sa, b, zero)
            print(f"| {stem} | NumPy (2 chains) vs prediction | {q} | {w}/{n} | {mx:.2f} | {mz:.2f} |")
        sl, sle = doc["sampled_loss"]
        zl = (out["loss"] - sl) / math.hypot(out["se_loss"], sle)
        flagged = doc["sampling_verdict"]["flagged_modes"]
        print(f"| {stem} | loss per sample | renorm {sl:.4f} ± {sle:.4f}, NumPy {out['loss']:.4f} ± {out['se_loss']:.4f}, "
              f"prediction {doc['loss'][2]:.4f} | z = {zl:.2f} | renorm flags {flagged} modes \"too short\" | |")
    print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", nargs="?", default="bench")
    ap.add_argument("model", nargs="?")
    ap.add_argument("--models", default="examples/rg/u0_gp.toml,examples/rg/fig3_separable.toml")
    ap.add_argument("--steps", type=float, default=1e6 if quick() else 3e6)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--reps", type=int, default=1 if quick() else 3)
    a = ap.parse_args()
    if a.mode == "sample":
        print(json.dumps(sample(load_model(a.model), int(a.steps), a.chains, 1e-4, 20000, 10, 50, seed=1)))
        return
    bench(a.models.split(","), int(a.steps), a.reps)


if __name__ == "__main__":
    main()
