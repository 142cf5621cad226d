"""Export training runs from PyTorch or JAX in the `.npz` layout that `renorm conditions` reads.

* :mod:`renorm_export.npz` -- :func:`write_run` / :func:`check_run`, NumPy only.
* :mod:`renorm_export.torch` -- per-sample Jacobians and Gram matrices with ``torch.func``, and
  :func:`~renorm_export.torch.record_run` (full-batch gradient descent with checkpoints).
* :mod:`renorm_export.jax` -- the same with ``jax.jacrev`` / ``jax.vmap``.

Importing this package imports NumPy only; the framework modules import their framework.
"""

from .npz import PSD_RTOL, SYMMETRY_RTOL, check_run, write_run

__all__ = ["PSD_RTOL", "SYMMETRY_RTOL", "check_run", "write_run", "__version__"]

__version__ = "0.1.0"
