"""What write_run writes, read by the real `renorm conditions` (binary from $RENORM_BIN).

Skipped when RENORM_BIN is unset. The symbolic engine is used unless RENORM_ENGINE=off is set in
the environment (the binary reads that variable itself).
"""

import json
import subprocess

import numpy as np

from conftest import drifting_run
from renorm_export.npz import write_run


def conditions_json(renorm_bin, path):
    """Run `renorm conditions PATH --format json` and return the parsed report."""
    proc = subprocess.run(
        [str(renorm_bin), "conditions", str(path), "--format", "json", "--quiet"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return json.loads(proc.stdout)


def test_renorm_reads_what_write_run_writes(renorm_bin, tmp_path):
    run = drifting_run(t=4, n=6, p=10)
    path = write_run(tmp_path / "run.npz", **run, meta={"source": "test_renorm_cli"})
    report = conditions_json(renorm_bin, path)
    assert report["schema"] == "renorm.conditions/1"
    assert report["checkpoints"] == 4  # T
    assert report["samples"] == 6  # N


def test_renorm_reads_a_recorded_torch_run(renorm_bin, torch, tmp_path):
    from renorm_export.torch import record_run

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    x = torch.tensor(np.random.default_rng(1).standard_normal((10, 2)))
    y = torch.sin(x.sum(dim=1, keepdim=True))
    path = tmp_path / "torch_run.npz"
    record_run(model, None, x, y, steps=40, lr=0.05, checkpoints=[0, 10, 20, 40], path=path)
    report = conditions_json(renorm_bin, path)
    assert report["schema"] == "renorm.conditions/1"
    assert report["checkpoints"] == 4
    assert report["samples"] == 10


def test_renorm_reads_a_jax_gram(renorm_bin, jax, tmp_path):
    import jax.numpy as jnp

    from renorm_export.jax import gram_from_fn

    rng = np.random.default_rng(2)
    params = {"a": rng.standard_normal((2, 6)), "c": rng.standard_normal(6)}
    x = rng.standard_normal((8, 2))

    def apply_fn(p, batch):
        return jnp.tanh(batch @ p["a"]) @ p["c"]

    grams, residuals = [], []
    for scale in (1.0, 0.9, 0.8):  # three parameter states standing in for checkpoints
        state = {k: v * scale for k, v in params.items()}
        grams.append(gram_from_fn(apply_fn, state, x))
        residuals.append(np.asarray(apply_fn(state, x), dtype=np.float64))
    path = write_run(tmp_path / "jax_run.npz", [0.0, 1.0, 2.0], np.stack(grams), np.stack(residuals))
    report = conditions_json(renorm_bin, path)
    assert report["schema"] == "renorm.conditions/1"
    assert report["checkpoints"] == 3
    assert report["samples"] == 8
