# %% [markdown]
# # renorm from a notebook
#
# A walk through the Python package, cell by cell (`# %%` cells run in Jupyter, VS Code or as a
# plain script: `python examples/notebook.py`). Each cell prints what a notebook would show.

# %%
from fractions import Fraction

import numpy as np

import renorm

# %% [markdown]
# ## 1. Is a proposed velocity field forced into a power law?
# GRSD's rigidity: log-shift covariance (H1) plus time-rescaling covariance of weight 2 (H2)
# force `v = C λ^b t^(b−2)`. A proposed field that has both:

# %%
v = renorm.check("c * lam^b * t^(b - 2)", spectral=["lam"], time="t", kind="velocity",
                 params={"c": "1/2", "b": Fraction(3, 2)})
print(v.verdict_class.value, "—", v.verdict.forced_form)
print({k: s.value for k, s in v.statuses.items() if s})

# %% [markdown]
# A field that is a power law in λ at each time, but whose amplitude is not a power of t, fails
# H2 — and renorm shows the point where it fails:

# %%
weak = renorm.check("(1 + t) * lam^2", spectral=["lam"], time="t", kind="velocity")
print(weak.verdict_class.value, "— witness:", weak.witness["point"] if weak.witness else None)

# %% [markdown]
# ## 2. An identity, decided twice (engine and certified arithmetic)

# %%
print(renorm.identity("exp(log(a) * b)", "a^b").status.value)
false = renorm.identity("sqrt(a + b)", "sqrt(a) + sqrt(b)")
print(false.status.value, "— lhs − rhs ∈", false.witness["enclosure"])

# %% [markdown]
# ## 3. The four conditions on a training run, straight from NumPy arrays
# A tiny exact gradient flow `ė = −M e` with a slowly rotating eigenbasis (no files written).

# %%
def flow(n=6, rate=0.5, steps=400, dt=1e-3, every=5):
    lam = np.array([8.0, 3.0, 1.5, 0.3, 0.1, 0.03])[:n]
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((n, n)))
    gen = q @ np.diag(np.ones(n - 1), 1) @ q.T
    gen = gen - gen.T                                  # antisymmetric: exp(t·gen) is a rotation
    w, u = np.linalg.eig(gen)
    rot = lambda t: (u @ np.diag(np.exp(rate * t * w)) @ np.linalg.inv(u)).real
    m_of = lambda t: rot(t) @ np.diag(lam) @ rot(t).T
    e, out = np.ones(n), ([], [], [])
    for s in range(steps + 1):
        t = s * dt
        if s % every == 0:
            for seq, x in zip(out, (t, m_of(t), e.copy())):
                seq.append(x)
        k1 = -m_of(t) @ e
        k2 = -m_of(t + dt / 2) @ (e + dt / 2 * k1)
        k3 = -m_of(t + dt / 2) @ (e + dt / 2 * k2)
        k4 = -m_of(t + dt) @ (e + dt * k3)
        e = e + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return tuple(np.array(x) for x in out)

times, gram, residual = flow()
cond = renorm.conditions(times, gram, residual)
print(f"N = {cond.samples}, T = {cond.checkpoints}, {cond.shells} shells")
print("Lemma 1 balance residual:", f"{cond.balance['relative_residual']:.2e}")
for name, rule in cond.rules.items():
    print(f"  {name:8} {rule.status}")

# %% [markdown]
# ## 4. A certified learning curve (docs/theory.md §3.4)

# %%
curve = renorm.rg.curve("1/5", "3/10", "1e3", digits=20)
print("loss per sample:", curve.loss.value, f"({curve.loss.digits_certified} digits certified)")

# %% [markdown]
# ## 5. Reports, as the command line writes them

# %%
import tempfile, pathlib
folder = pathlib.Path(tempfile.mkdtemp())
print([p.name for p in v.write(folder / "velocity.html")])
print([p.name for p in cond.write(folder / "conditions.md")])
