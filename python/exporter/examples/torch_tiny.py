#!/usr/bin/env python3
"""Train a tiny tanh network by full-batch gradient descent and write the run for renorm.

    python examples/torch_tiny.py [OUTPUT.npz]     (default: torch_tiny_run.npz)

Then analyse it with the command this prints, e.g.

    renorm conditions torch_tiny_run.npz

The data are 16 points of a smooth 1-D target; the network is 1 -> 16 -> 1 with tanh, so
N = 16 samples and P = 49 parameters. Checkpoints are spaced geometrically in time, which suits
the log-scale analysis of `renorm conditions`.
"""

import shlex
import sys

import numpy as np
import torch

from renorm_export.torch import record_run


def main(argv):
    output = argv[1] if len(argv) > 1 else "torch_tiny_run.npz"
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    x = torch.linspace(-2.0, 2.0, 16, dtype=torch.float64).unsqueeze(1)
    y = torch.sin(2.0 * x) + 0.5 * x

    steps, lr = 2000, 0.01
    # Step 0, then geometrically spaced steps up to the last one (duplicates removed).
    checkpoints = sorted({0, *np.unique(np.geomspace(1, steps, 12).round().astype(int)).tolist()})
    run = record_run(
        model,
        None,  # half the summed squared error: the residual follows de/dt = -M e
        x,
        y,
        steps=steps,
        lr=lr,
        checkpoints=checkpoints,
        path=output,
        meta={"example": "torch_tiny", "model": "1-16-1 tanh", "seed": 0},
    )
    t, n = run.residual.shape
    print(f"wrote {output}: T = {t} checkpoints, N = {n} samples, "
          f"loss {run.losses[0]:.4g} -> {run.losses[-1]:.4g}", file=sys.stderr)
    print(f"renorm conditions {shlex.quote(output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
