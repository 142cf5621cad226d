"""The example scripts run and write a run in the layout (skipped without their framework)."""

import subprocess
import sys
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_torch_tiny_writes_a_run_and_prints_the_command(torch, tmp_path):
    output = tmp_path / "tiny.npz"
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "torch_tiny.py"), str(output)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"renorm conditions {output}"
    with np.load(output) as z:
        assert z["gram"].shape[1:] == (16, 16)
        assert z["residual"].shape[1] == 16
        assert z["times"][0] == 0.0
        # Training reduced the residual.
        assert np.linalg.norm(z["residual"][-1]) < np.linalg.norm(z["residual"][0])
