"""Shared helpers: optional frameworks and the renorm binary.

A framework that is absent (or installed but broken, e.g. a CUDA build of torch without its
CUDA libraries, which raises on import) makes its tests skip with the reason; the NumPy tests
always run.
"""

import importlib
import os
from pathlib import Path
from typing import Any, Dict

import numpy as np
import pytest


_IMPORT_FAILURES: Dict[str, str] = {}


def import_or_skip(name: str) -> Any:
    """Import module ``name`` or skip the calling test, saying why.

    The first failure is remembered: torch refuses a second import attempt with a different,
    less telling message.
    """
    if name in _IMPORT_FAILURES:
        pytest.skip(_IMPORT_FAILURES[name])
    try:
        return importlib.import_module(name)
    except Exception as exc:  # noqa: BLE001 - any failure to import means "not available here"
        _IMPORT_FAILURES[name] = f"{name} is not importable: {type(exc).__name__}: {str(exc)[:200]}"
        pytest.skip(_IMPORT_FAILURES[name])


@pytest.fixture
def torch() -> Any:
    """The torch module (skips the test if it cannot be imported)."""
    return import_or_skip("torch")


@pytest.fixture
def jax() -> Any:
    """The jax module (skips the test if it cannot be imported)."""
    return import_or_skip("jax")


@pytest.fixture
def renorm_bin() -> Path:
    """The renorm binary named by $RENORM_BIN (skips the test if it is unset)."""
    value = os.environ.get("RENORM_BIN")
    if not value:
        pytest.skip("RENORM_BIN is not set (path of a built renorm binary)")
    path = Path(value)
    if not path.is_file():
        pytest.fail(f"RENORM_BIN={value} is not a file")
    return path


def drifting_run(t: int = 4, n: int = 6, p: int = 10, seed: int = 7) -> dict:
    """A valid run built like tests/fixtures/rundata/make_fixture.py: J drifting, M = J J^T
    symmetrized, a decaying residual, positive layer norms."""
    rng = np.random.default_rng(seed)
    times = np.array([0.0, 0.1, 1.0, 10.0][:t]) if t <= 4 else np.linspace(0.0, 10.0, t)
    j0 = rng.standard_normal((n, p))
    drift = rng.standard_normal((n, p))
    jacobian = np.stack([j0 + 0.1 * np.log1p(s) * drift for s in times])
    gram = np.einsum("tnp,tmp->tnm", jacobian, jacobian)
    gram = 0.5 * (gram + np.transpose(gram, (0, 2, 1)))
    e0 = rng.standard_normal(n)
    residual = np.stack([e0 * np.exp(-0.5 * s) for s in times])
    norms = 1.0 + rng.random((t, 3))
    return dict(
        times=times,
        gram=gram,
        residual=residual,
        layer_jacobian_norms=norms,
        jacobian=jacobian,
    )
