"""JAX path: per-sample Jacobians and Gram matrices with ``jax.jacrev``, ``jax.vmap`` and
``jax.flatten_util.ravel_pytree``.

JAX is imported lazily, when a function here is first called, so this module imports (and its
docs render) without JAX installed.

Conventions (as in :mod:`renorm_export.torch`):

* ``apply_fn(params, batch)`` maps a batch ``(B, ...)`` to outputs ``(B, ...)`` (the signature
  of Flax's ``model.apply`` or of a plain function). Each sample's output is flattened; with
  ``K`` values per sample there are ``N = B * K`` rows, sample-major.
* ``params`` is any pytree of floating-point arrays. It is flattened with ``ravel_pytree``; the
  columns of ``J`` follow that order, ``P`` in all.
* Differentiation runs in ``float64``: the computation is traced with 64-bit types enabled and
  the parameters and floating-point inputs are cast to ``float64`` first (JAX defaults to 32 bit).
* Each sample is evaluated alone, as a batch of one.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, ContextManager

import numpy as np

__all__ = ["jacobian_from_fn", "gram_from_fn"]


def _import_jax() -> Any:
    try:
        import jax
    except ImportError as exc:  # the optional dependency is absent
        raise ImportError(
            "renorm_export.jax needs JAX: pip install 'jax[cpu]' (or 'renorm-export[jax]')"
        ) from exc
    return jax


def _x64(jax: Any) -> ContextManager[Any]:
    """A context in which JAX computes in 64 bit (a no-op if that is already the default)."""
    if getattr(jax.config, "jax_enable_x64", False):
        return contextlib.nullcontext()
    enable = getattr(jax, "enable_x64", None)
    if enable is None:
        try:
            from jax.experimental import enable_x64 as enable  # older JAX releases
        except ImportError:
            enable = None
    if enable is None:
        raise RuntimeError(
            "this JAX has no enable_x64 context; set JAX_ENABLE_X64=1 before importing JAX"
        )
    return enable(True)


def _check_block(block_size: int) -> None:
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
        raise ValueError(f"block_size: expected a positive integer, got {block_size!r}")


def jacobian_from_fn(
    apply_fn: Callable[[Any, Any], Any],
    params: Any,
    inputs: Any,
    *,
    block_size: int = 64,
) -> np.ndarray:
    """Per-sample parameter Jacobians ``J`` of ``apply_fn`` at ``params``, as ``float64`` NumPy.

    Row ``n`` is ``d f_n / d theta`` with ``theta = ravel_pytree(params)``, computed by
    ``jax.vmap(jax.jacrev(...))`` (jit-compiled) over ``block_size`` samples at a time, which
    bounds the memory of the autodiff intermediates to one block.

    Args:
        apply_fn: ``apply_fn(params, batch) -> outputs``.
        params: pytree of floating-point arrays.
        inputs: a batch ``(B, ...)``.
        block_size: samples per ``vmap`` call.

    Returns:
        ``J`` of shape ``(N, P)``, ``N = B * K``.

    Raises:
        ImportError: JAX is not installed.
        ValueError: a non-floating parameter leaf, no parameters, an empty batch, a bad
            ``block_size``.
    """
    _check_block(block_size)
    jax = _import_jax()
    import jax.numpy as jnp
    from jax.flatten_util import ravel_pytree

    with _x64(jax):
        leaves = jax.tree_util.tree_leaves(params)
        if not leaves:
            raise ValueError("params: the pytree holds no arrays to differentiate")
        for leaf in leaves:
            if not jnp.issubdtype(jnp.asarray(leaf).dtype, jnp.floating):
                raise ValueError(
                    f"params: leaf of dtype {jnp.asarray(leaf).dtype} is not floating point; "
                    "pass non-trainable values through apply_fn's closure instead"
                )
        params64 = jax.tree_util.tree_map(lambda a: jnp.asarray(a, dtype=jnp.float64), params)
        flat, unravel = ravel_pytree(params64)
        x = jnp.asarray(inputs)
        if x.ndim == 0 or x.shape[0] == 0:
            raise ValueError("inputs: expected a non-empty batch (B, ...)")
        if jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(jnp.float64)

        def one_sample(theta: Any, xi: Any) -> Any:
            return jnp.reshape(apply_fn(unravel(theta), xi[None]), (-1,))

        per_sample = jax.jit(jax.vmap(jax.jacrev(one_sample), in_axes=(None, 0)))
        blocks = []
        for start in range(0, x.shape[0], block_size):
            jac = per_sample(flat, x[start : start + block_size])  # (b, K, P)
            blocks.append(np.asarray(jac, dtype=np.float64).reshape(-1, flat.shape[0]))
    return np.concatenate(blocks, axis=0)


def gram_from_fn(
    apply_fn: Callable[[Any, Any], Any],
    params: Any,
    inputs: Any,
    *,
    block_size: int = 64,
    return_jacobian: bool = False,
) -> Any:
    """The Gram matrix ``M = J J^T`` of the per-sample Jacobians, in ``float64``.

    ``J`` is built as in :func:`jacobian_from_fn`; ``M`` is formed in ``float64`` NumPy and
    symmetrized, ``(M + M^T) / 2``, so it is symmetric bit for bit.

    Args:
        apply_fn: ``apply_fn(params, batch) -> outputs``.
        params: pytree of floating-point arrays.
        inputs: a batch ``(B, ...)``.
        block_size: samples per ``vmap`` call.
        return_jacobian: also return ``J``.

    Returns:
        ``M`` as a NumPy ``(N, N)`` array, or ``(M, J)`` if ``return_jacobian``.

    Raises:
        ImportError: JAX is not installed.
        ValueError: as :func:`jacobian_from_fn`.
    """
    jac = jacobian_from_fn(apply_fn, params, inputs, block_size=block_size)
    gram = jac @ jac.T
    gram = 0.5 * (gram + gram.T)
    return (gram, jac) if return_jacobian else gram
