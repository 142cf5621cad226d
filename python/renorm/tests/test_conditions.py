"""renorm.conditions on NumPy arrays: Lemma 1 on an exact flow, the same report as the command
line on the same run, and located errors for arrays that are not a run."""

import json
import os

import numpy as np
import pytest

import renorm
from conftest import renorm_binary, run_cli


def rotation(n, theta):
    """Plane rotations by theta in successive coordinate pairs (p, p+1), applied to the rows."""
    r = np.eye(n)
    c, s = np.cos(theta), np.sin(theta)
    for p in range(n - 1):
        rp, rq = r[p].copy(), r[p + 1].copy()
        r[p], r[p + 1] = c * rp - s * rq, s * rp + c * rq
    return r


def exact_flow(rate, steps=2000, every=5, dt=1e-3):
    """ė = −M(t) e with M(t) = R(t) diag(λ) R(t)ᵀ, integrated with RK4 (docs/theory.md §2.1)."""
    lambdas = np.array([8.0, 3.0, 1.5, 0.3, 0.1, 0.03])  # away from shell boundaries ln λ ∈ ℤ
    n = len(lambdas)

    def m_of(t):
        r = rotation(n, rate * t)
        return r @ np.diag(lambdas) @ r.T

    e = np.ones(n)
    times, gram, residual = [], [], []
    for step in range(steps + 1):
        t = step * dt
        if step % every == 0:
            times.append(t)
            gram.append(m_of(t))
            residual.append(e.copy())
        f = lambda t, e: -(m_of(t) @ e)
        k1 = f(t, e)
        k2 = f(t + dt / 2, e + dt / 2 * k1)
        k3 = f(t + dt / 2, e + dt / 2 * k2)
        k4 = f(t + dt, e + dt * k3)
        e = e + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return np.array(times), np.array(gram), np.array(residual)


def test_lemma_1_closes_on_an_exact_flow():
    times, gram, residual = exact_flow(0.5)
    r = renorm.conditions(times, gram, residual)
    assert (r.checkpoints, r.samples) == (len(times), 6)
    assert r.shells >= 4
    # Centred differences over Δt = 0.005 leave an O(Δt²) error; the transfers are antisymmetric.
    assert r.balance["relative_residual"] < 1e-3, r.balance
    assert r.balance["transfer_sum"] < 1e-12
    assert set(r.rules) == {"C1", "C2", "C3", "C4", "closure", "R", "PL_weak", "PL"}
    # No layer norms: C1 cannot be measured, so neither can what rests on it.
    assert r.status("C1") == "not established"
    assert r.status("R") == "not established"
    assert "<table" in r._repr_html_()


def test_a_spec_as_a_mapping_or_toml_sets_thresholds():
    times, gram, residual = exact_flow(0.5, steps=400)
    as_dict = renorm.conditions(times, gram, residual, spec={"thresholds": {"rho_max": 0.35}})
    as_toml = renorm.conditions(times, gram, residual, spec="[thresholds]\nrho_max = 0.35\n")
    assert as_dict.rules["closure"].threshold == 0.35
    assert as_dict.data == as_toml.data
    with pytest.raises(renorm.InvalidInputError, match="spec"):
        renorm.conditions(times, gram, residual, spec={"thresholds": {"rho_mx": 1.0}})


def test_arrays_that_are_not_a_run_are_refused_with_their_location():
    times, gram, residual = exact_flow(0.5, steps=100)
    bad = gram.copy()
    bad[3, 1, 2] = np.nan
    with pytest.raises(renorm.InvalidInputError, match=r"gram\[3, 1, 2\]"):
        renorm.conditions(times, bad, residual)
    with pytest.raises(renorm.InvalidInputError, match="residual"):
        renorm.conditions(times, gram, residual[:, :5])
    with pytest.raises(renorm.InvalidInputError, match="times"):
        renorm.conditions(times[::-1].copy(), gram, residual)


def test_the_report_is_the_command_lines_on_the_same_run(tmp_path):
    if renorm_binary() is None:
        pytest.skip("no renorm binary to compare against (set RENORM_BIN or run cargo build)")
    times, gram, residual = exact_flow(3.0, steps=600)
    norms = np.abs(np.sin(np.outer(times + 1, [1.0, 2.0, 3.0]))) + 0.5
    path = tmp_path / "run.npz"
    np.savez(path, times=times, gram=gram, residual=residual, layer_jacobian_norms=norms)
    code, out, err = run_cli("--no-progress", "conditions", path, "--format", "json")
    assert code == 0, err
    cli = json.loads(out)
    py = renorm.conditions(times, gram, residual, norms, name=str(path))
    assert py.data == cli
    assert py.to_json() == out, "the same bytes as the command prints"
    written = py.write(tmp_path / "out" / "conditions.md")
    assert (tmp_path / "out" / "conditions.md").read_text() == py.render("md")
    assert any(p.suffix == ".svg" for p in written) and any(p.suffix == ".pdf" for p in written)
