"""PyTorch path: per-sample Jacobians and Gram matrices with ``torch.func``, and recorded runs.

``torch`` is imported when this module is, not when :mod:`renorm_export` is.

Conventions shared by every function here:

* The model maps a batch ``inputs`` of shape ``(B, ...)`` to outputs ``(B, ...)``. Each sample's
  output is flattened; with ``K`` output values per sample the run has ``N = B * K`` rows,
  sample-major (all outputs of sample 0, then sample 1, ...). A scalar-output model (shape
  ``(B,)`` or ``(B, 1)``) has ``N = B``.
* The parameters are a dict from name to tensor, by default the model's trainable parameters
  (``requires_grad``) in ``named_parameters()`` order; a Jacobian row is the concatenation of the
  flattened derivatives in that order, ``P`` entries in all. Everything else the model holds
  (buffers, frozen parameters) is passed unchanged.
* Differentiation runs in ``float64``: parameters, buffers and inputs are cast to ``float64``
  first, so the Jacobian is that of the model evaluated in double precision, not a float32
  Jacobian widened afterwards.
* Each sample is evaluated alone (a batch of one), so put the model in ``eval()`` mode if it has
  batch-dependent layers (batch norm in training mode, dropout).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from torch.func import functional_call, grad, jacrev, vmap

from .npz import PathLike, write_run

__all__ = ["Run", "default_params", "jacobian_from_model", "gram_from_model", "record_run"]

Params = Dict[str, torch.Tensor]


def default_params(model: torch.nn.Module) -> Params:
    """The trainable parameters of ``model`` (``requires_grad``), detached, by name.

    Args:
        model: any ``torch.nn.Module``.

    Returns:
        A dict name -> tensor in ``named_parameters()`` order, the order of Jacobian columns.
    """
    return {name: p.detach() for name, p in model.named_parameters() if p.requires_grad}


def _to64(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor`` detached, as ``float64`` if it is floating point (integer buffers stay)."""
    tensor = tensor.detach()
    return tensor.to(torch.float64) if tensor.is_floating_point() else tensor


def _prepare(
    model: torch.nn.Module, params: Optional[Mapping[str, torch.Tensor]]
) -> Tuple[Params, Params]:
    """The differentiated parameters and everything else the model holds, all in ``float64``."""
    chosen = default_params(model) if params is None else dict(params)
    if not chosen:
        raise ValueError("params: no parameters to differentiate (is every parameter frozen?)")
    known = dict(model.named_parameters())
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise ValueError(f"params: {unknown} are not parameters of the model")
    fixed: Params = {name: _to64(p) for name, p in known.items() if name not in chosen}
    fixed.update({name: _to64(b) for name, b in model.named_buffers()})
    return {name: _to64(p) for name, p in chosen.items()}, fixed


def _inputs64(inputs: Any) -> torch.Tensor:
    x = torch.as_tensor(inputs).detach()
    if x.ndim == 0:
        raise ValueError("inputs: expected a batch (B, ...), got a scalar")
    if x.shape[0] == 0:
        raise ValueError("inputs: the batch is empty; at least one sample is required")
    return x.to(torch.float64) if x.is_floating_point() else x


def _check_block(block_size: int) -> None:
    if isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
        raise ValueError(f"block_size: expected a positive integer, got {block_size!r}")


def _jacobian64(
    model: torch.nn.Module, params: Params, fixed: Params, x: torch.Tensor, block_size: int
) -> torch.Tensor:
    """Per-sample Jacobians ``(B * K, P)`` in ``float64``, computed ``block_size`` samples at a time."""

    def one_sample(p: Params, xi: torch.Tensor) -> torch.Tensor:
        out = functional_call(model, {**fixed, **p}, (xi.unsqueeze(0),))
        return out.reshape(-1)

    per_sample = vmap(jacrev(one_sample), in_dims=(None, 0))
    names = list(params)
    blocks: List[torch.Tensor] = []
    for start in range(0, x.shape[0], block_size):
        xb = x[start : start + block_size]
        jac = per_sample(params, xb)  # name -> (b, K, *shape of the parameter)
        b, k = jac[names[0]].shape[:2]
        rows = torch.cat([jac[name].reshape(b, k, -1) for name in names], dim=2)
        blocks.append(rows.reshape(b * k, -1))
    return torch.cat(blocks, dim=0)


def jacobian_from_model(
    model: torch.nn.Module,
    params: Optional[Mapping[str, torch.Tensor]],
    inputs: Any,
    *,
    block_size: int = 64,
) -> np.ndarray:
    """Per-sample parameter Jacobians ``J`` of ``model`` at ``params``, as ``float64`` NumPy.

    Row ``n`` is ``d f_n / d theta`` for output ``n`` (sample-major, see the module docs),
    computed with ``torch.func.vmap(torch.func.jacrev(...))`` over ``block_size`` samples at a
    time, which bounds the memory of the autodiff intermediates to one block.

    Args:
        model: the network; called through ``torch.func.functional_call``.
        params: name -> tensor of the parameters to differentiate, or ``None`` for all trainable
            parameters of ``model``.
        inputs: a batch ``(B, ...)`` (tensor or array).
        block_size: samples per ``vmap`` call.

    Returns:
        ``J`` of shape ``(N, P)``, ``N = B * K``.

    Raises:
        ValueError: no parameters, unknown parameter names, an empty batch, a bad ``block_size``.
    """
    _check_block(block_size)
    p64, fixed = _prepare(model, params)
    # No torch.no_grad() here: the parameters are detached, so no graph outside the transform is
    # built anyway, and torch.func transforms are meant to run outside such contexts.
    jac = _jacobian64(model, p64, fixed, _inputs64(inputs), block_size)
    return jac.detach().cpu().numpy()


def gram_from_model(
    model: torch.nn.Module,
    params: Optional[Mapping[str, torch.Tensor]],
    inputs: Any,
    *,
    block_size: int = 64,
    return_jacobian: bool = False,
) -> Any:
    """The Gram matrix ``M = J J^T`` of the per-sample Jacobians, in ``float64``.

    ``J`` is built as in :func:`jacobian_from_model` (``block_size`` samples per ``vmap``
    call); ``M`` is then formed in ``float64`` and symmetrized, ``(M + M^T) / 2``, so it is
    symmetric bit for bit (a matrix product need not be).

    Args:
        model: the network.
        params: parameters to differentiate, or ``None`` for all trainable ones.
        inputs: a batch ``(B, ...)``.
        block_size: samples per ``vmap`` call.
        return_jacobian: also return ``J``.

    Returns:
        ``M`` as a NumPy ``(N, N)`` array, or ``(M, J)`` if ``return_jacobian``.
    """
    jac = jacobian_from_model(model, params, inputs, block_size=block_size)
    gram = jac @ jac.T
    gram = 0.5 * (gram + gram.T)
    return (gram, jac) if return_jacobian else gram


def _half_squared_error(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((output - target) ** 2).sum()


@dataclass
class Run:
    """A recorded run: the arrays of the layout, plus the final parameters.

    Attributes:
        times: ``(T,)`` checkpoint times, step x learning rate.
        steps: ``(T,)`` the checkpoint step numbers.
        gram: ``(T, N, N)``.
        residual: ``(T, N)``, ``f(x) - y`` at each checkpoint.
        jacobian: ``(T, N, P)`` if recorded, else ``None``.
        params: the parameters (``float64``) after the last step.
        losses: the loss at every step ``0 .. steps`` (before each update, and after the last).
    """

    times: np.ndarray
    steps: np.ndarray
    gram: np.ndarray
    residual: np.ndarray
    jacobian: Optional[np.ndarray]
    params: Params = field(repr=False)
    losses: np.ndarray = field(repr=False)


def record_run(
    model: torch.nn.Module,
    loss_fn: Optional[Callable[[torch.Tensor, torch.Tensor], torch.Tensor]],
    inputs: Any,
    targets: Any,
    steps: int,
    lr: float,
    checkpoints: Sequence[int],
    *,
    params: Optional[Mapping[str, torch.Tensor]] = None,
    block_size: int = 64,
    record_jacobian: bool = False,
    path: Optional[PathLike] = None,
    meta: Optional[Mapping[str, Any]] = None,
) -> Run:
    """Train by full-batch gradient descent in ``float64`` and record the run at checkpoints.

    Starting from ``params`` (default: the model's trainable parameters), each step is
    ``theta <- theta - lr * grad loss_fn(f(inputs; theta), targets)``. At every checkpoint step
    ``s`` (after ``s`` updates) the time ``s * lr`` (gradient-flow time), the Gram matrix
    :func:`gram_from_model` and the residual ``f(inputs) - targets`` (flattened sample-major like
    the Jacobian rows) are recorded. The model object itself is not modified.

    With the default loss ``0.5 * sum((f - y)^2)`` and small ``lr`` the residual follows the
    gradient flow ``de/dt = -M e`` with ``M = J J^T``, the dynamics ``renorm conditions``
    analyses; a step count times ``lr`` is its time axis.

    Args:
        model: the network.
        loss_fn: ``loss_fn(outputs, targets) -> scalar``; ``None`` for half the summed squared
            error.
        inputs: ``(B, ...)``.
        targets: shaped like the model's outputs on ``inputs``.
        steps: number of gradient steps (``>= 0``).
        lr: learning rate (``> 0``).
        checkpoints: step numbers to record, strictly increasing, within ``0 .. steps``.
        params: starting parameters, or ``None`` for the model's trainable ones.
        block_size: samples per ``vmap`` call when forming Jacobians.
        record_jacobian: also record ``J`` at each checkpoint (``(T, N, P)``; can be large).
        path: if given, the run is written there with :func:`renorm_export.npz.write_run`.
        meta: extra JSON metadata for the file (``lr``, ``steps`` and ``checkpoints`` are added).

    Returns:
        The :class:`Run`.

    Raises:
        ValueError: bad ``steps``, ``lr`` or ``checkpoints``; targets not shaped like the
            outputs; a run that :func:`renorm_export.npz.write_run` refuses (e.g. diverged to
            NaN) when ``path`` is given.
    """
    try:
        steps = operator.index(steps)
    except TypeError:
        raise ValueError(f"steps: expected a non-negative integer, got {steps!r}") from None
    if steps < 0:
        raise ValueError(f"steps: expected a non-negative integer, got {steps!r}")
    try:
        lr = float(lr)
    except (TypeError, ValueError):
        raise ValueError(f"lr: expected a positive finite number, got {lr!r}") from None
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr: expected a positive finite number, got {lr!r}")
    try:
        marks = [operator.index(c) for c in checkpoints]
    except TypeError:
        raise ValueError(f"checkpoints: expected integer step numbers, got {checkpoints!r}") from None
    if not marks:
        raise ValueError("checkpoints: at least one checkpoint step is required")
    for i, c in enumerate(marks):
        if not 0 <= c <= steps:
            raise ValueError(f"checkpoints[{i}]: step {c} is outside 0 .. steps = {steps}")
        if i and c <= marks[i - 1]:
            raise ValueError(
                f"checkpoints[{i}]: step {c} does not exceed checkpoints[{i - 1}] = {marks[i - 1]}"
            )
    _check_block(block_size)
    loss_of = _half_squared_error if loss_fn is None else loss_fn

    theta, fixed = _prepare(model, params)
    x = _inputs64(inputs)
    y = _to64(torch.as_tensor(targets))

    def forward(p: Params) -> torch.Tensor:
        return functional_call(model, {**fixed, **p}, (x,))

    with torch.no_grad():
        out0 = forward(theta)
    if tuple(out0.shape) != tuple(y.shape):
        raise ValueError(
            f"targets: shape {tuple(y.shape)} differs from the outputs' {tuple(out0.shape)}"
        )

    def loss(p: Params) -> torch.Tensor:
        return loss_of(forward(p), y)

    loss_grad = grad(loss)
    times: List[float] = []
    grams: List[np.ndarray] = []
    residuals: List[np.ndarray] = []
    jacobians: List[np.ndarray] = []
    losses: List[float] = []
    upcoming = iter(marks)
    next_mark = next(upcoming)
    for step in range(steps + 1):
        with torch.no_grad():
            losses.append(float(loss(theta)))
        if step == next_mark:
            jac = _jacobian64(model, theta, fixed, x, block_size).detach().cpu().numpy()
            with torch.no_grad():
                residual = (forward(theta) - y).reshape(-1).cpu().numpy()
            gram = jac @ jac.T
            times.append(step * lr)
            grams.append(0.5 * (gram + gram.T))
            residuals.append(residual)
            if record_jacobian:
                jacobians.append(jac)
            next_mark = next(upcoming, -1)
        if step == steps:
            break
        g = loss_grad(theta)
        theta = {name: (value - lr * g[name]).detach() for name, value in theta.items()}

    run = Run(
        times=np.asarray(times, dtype=np.float64),
        steps=np.asarray(marks, dtype=np.int64),
        gram=np.stack(grams),
        residual=np.stack(residuals),
        jacobian=np.stack(jacobians) if record_jacobian else None,
        params=theta,
        losses=np.asarray(losses, dtype=np.float64),
    )
    if path is not None:
        info: Dict[str, Any] = {"lr": lr, "steps": steps, "checkpoints": marks}
        info.update(meta or {})
        write_run(path, run.times, run.gram, run.residual, jacobian=run.jacobian, meta=info)
    return run
