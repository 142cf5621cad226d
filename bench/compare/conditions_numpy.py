#!/usr/bin/env python3
"""The NumPy side of the `renorm conditions` benchmark (bench/compare/run_conditions.sh).

    conditions_numpy.py generate N T OUT.npz   # a synthetic run in the documented layout
    conditions_numpy.py analyze RUN.npz        # per checkpoint eigh + shell energies
    conditions_numpy.py parts RUN.npz          # eigh alone, and the products φᵀ(Mφ), timed

`analyze` is the core of the conditions analysis as docs/theory.md §2.1–2.2 defines it, done
the way a NumPy script would: load the run, and for every checkpoint `numpy.linalg.eigh(M)`,
amplitudes `a = φᵀ e`, shells `α = ⌊ln λ / h⌋` for `λ > floor · λ_max` (h = 1, floor = 1e-10,
renorm's defaults) and energies `E_α = Σ_{k∈α} a_k²`. It prints one line of JSON with the
time spent and a checksum of the energies.
"""

import json
import sys
import time

import numpy as np


def generate(n, t, out):
    """Random SPD Gram matrices evolving smoothly: M(s) = J(s) J(s)ᵀ / n with
    J(s) = (G₀ + s G₁) diag(k^-0.75), a power-law-ish spectrum spread over many shells;
    residuals decaying in time. Exactly symmetric (each term is symmetrised)."""
    rng = np.random.default_rng(20261126 + n)
    scale = np.arange(1, n + 1, dtype=np.float64) ** -0.75
    j0 = rng.standard_normal((n, n)) * scale
    j1 = rng.standard_normal((n, n)) * scale
    sym = lambda a: 0.5 * (a + a.T)
    m00 = sym(j0 @ j0.T) / n
    m01 = sym(j0 @ j1.T + j1 @ j0.T) / n
    m11 = sym(j1 @ j1.T) / n
    times = np.linspace(0.0, 1.0, t)
    gram = np.empty((t, n, n))
    for i, s in enumerate(times * 0.2):
        gram[i] = m00 + s * m01 + (s * s) * m11
    e0 = rng.standard_normal(n)
    residual = np.stack([e0 * np.exp(-s) for s in times])
    np.savez(out, times=times, gram=gram, residual=residual)


def analyze(path, h=1.0, floor=1e-10):
    start = time.perf_counter()
    run = np.load(path)
    times, gram, residual = run["times"], run["gram"], run["residual"]
    checksum = 0.0
    shells_seen = set()
    for i in range(len(times)):
        lam, phi = np.linalg.eigh(gram[i])
        a = phi.T @ residual[i]
        keep = (lam > floor * max(lam[-1], 0.0)) & (lam > 0.0)
        alpha = np.floor(np.log(lam[keep]) / h).astype(np.int64)
        lo = alpha.min() if alpha.size else 0
        energy = np.bincount(alpha - lo, weights=a[keep] ** 2) if alpha.size else np.zeros(0)
        shells_seen.update(alpha.tolist())
        checksum += float(energy.sum())
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "checkpoints": len(times), "samples": gram.shape[1],
                      "shells": len(shells_seen), "energy_checksum": checksum}))


def parts(path):
    """The two pieces of renorm's per-checkpoint work that are N³, timed separately over every
    checkpoint (the run loaded first): eigh alone, and the products φᵀ (M φ) the Kato couplings
    need (which the `analyze` core above does not do)."""
    run = np.load(path)
    gram = run["gram"]
    start = time.perf_counter()
    vectors = [np.linalg.eigh(m)[1] for m in gram]
    eigh = time.perf_counter() - start
    start = time.perf_counter()
    checksum = 0.0
    for m, phi in zip(gram, vectors):
        checksum += float((phi.T @ (m @ phi))[0, 0])
    products = time.perf_counter() - start
    print(json.dumps({"eigh_seconds": eigh, "products_seconds": products, "checkpoints": len(gram),
                      "checksum": checksum}))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "generate":
        generate(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 3 and sys.argv[1] == "analyze":
        analyze(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "parts":
        parts(sys.argv[2])
    else:
        sys.exit(__doc__)
