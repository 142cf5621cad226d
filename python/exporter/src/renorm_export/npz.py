"""The NumPy core: check a training run and write it in the `.npz` layout of `renorm conditions`.

The layout (README, "Training runs and the four conditions"; ``src/grsd/rundata/mod.rs``):

==========================  ===============  ===================================================
member                      shape            meaning
==========================  ===============  ===================================================
``times``                   ``(T,)``         checkpoint times, strictly increasing
                                             (gradient-flow time = step x learning rate)
``gram``                    ``(T, N, N)``    ``M(t_i) = J J^T``, symmetric positive semidefinite
``residual``                ``(T, N)``       ``e(t_i) = f(t_i) - y``
``layer_jacobian_norms``    ``(T, L)``       optional: operator norm of each layer's
                                             input-output Jacobian, non-negative
``jacobian``                ``(T, N, P)``    optional: per-sample parameter Jacobians
``meta``                    ``()``           optional, written by this package: a JSON object
                                             as text (``renorm`` ignores it)
==========================  ===============  ===================================================

Every array is written as ``float64`` (``<f8``), C order, with ``T, N, L, P >= 1``.

:func:`write_run` refuses, with a :class:`ValueError` naming the member (and the index where one
applies), everything ``renorm conditions`` would refuse: wrong shapes or dtypes, NaN or infinite
entries, times that do not strictly increase, Gram matrices that are not symmetric or not
positive semidefinite within the same tolerances as ``renorm`` (:data:`SYMMETRY_RTOL`,
:data:`PSD_RTOL`), negative layer norms. A file it writes is therefore one ``renorm`` accepts.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple, Union

import numpy as np

__all__ = [
    "SYMMETRY_RTOL",
    "PSD_RTOL",
    "MAX_EXACT_INTEGER",
    "check_run",
    "write_run",
]

#: Relative tolerance of the symmetry check, ``|M_ij - M_ji| <= SYMMETRY_RTOL * max|M|``;
#: the same as ``renorm``'s ``rundata::SYMMETRY_RTOL``.
SYMMETRY_RTOL = 1e-9

#: Relative tolerance of the positive-semidefiniteness check,
#: ``lambda_min >= -PSD_RTOL * max|lambda|``; the same as ``renorm``'s ``rundata::PSD_RTOL``.
PSD_RTOL = 1e-8

#: Largest integer magnitude converted to ``float64`` (2^53): every integer up to it is exact.
MAX_EXACT_INTEGER = 2**53

PathLike = Union[str, "os.PathLike[str]"]


def _as_float64(name: str, value: Any) -> np.ndarray:
    """``value`` as a C-ordered ``float64`` array, converted only where nothing is lost."""
    if value is None:
        raise ValueError(f"{name}: required array is missing (got None)")
    try:
        array = np.asarray(value)
    except Exception as exc:  # e.g. a tensor that still requires grad
        raise ValueError(f"{name}: cannot be converted to a NumPy array: {exc}") from exc
    kind = array.dtype.kind
    if kind == "f":
        if array.dtype.itemsize > 8:
            raise ValueError(
                f"{name}: dtype {array.dtype} is wider than float64; converting it would round "
                "(convert it yourself if that is intended)"
            )
        return np.ascontiguousarray(array, dtype=np.float64)
    if kind in "iu":
        if array.size:
            # Compare in Python integers: a uint64 or int64 beyond 2^53 would round as a float.
            flat = array.reshape(-1)
            big = np.flatnonzero(np.abs(flat.astype(object)) > MAX_EXACT_INTEGER)
            if big.size:
                index = _fmt_index(np.unravel_index(int(big[0]), array.shape))
                raise ValueError(
                    f"{name}{index}: integer {int(flat[big[0]])} is beyond +-2^53 and has no "
                    "exact float64 value"
                )
        return np.ascontiguousarray(array, dtype=np.float64)
    what = {
        "b": "boolean",
        "c": "complex",
        "O": "object",
        "U": "string",
        "S": "bytes",
        "V": "structured",
        "M": "datetime",
        "m": "timedelta",
    }.get(kind, "non-numeric")
    raise ValueError(
        f"{name}: dtype {array.dtype} ({what}) is not supported; expected real numbers (float64)"
    )


def _fmt_index(index: Tuple[Any, ...]) -> str:
    """``[3, 1, 2]`` for a NumPy index tuple (empty for a 0-d array)."""
    return "[" + ", ".join(str(int(i)) for i in index) + "]" if index else ""


def _fmt_shape(shape: Tuple[int, ...]) -> str:
    """A shape as NumPy prints it: ``(4,)``, ``(4, 6, 6)``."""
    return str(tuple(int(d) for d in shape))


def _check_ndim(name: str, array: np.ndarray, ndim: int, layout: str) -> None:
    if array.ndim != ndim:
        raise ValueError(
            f"{name}: has shape {_fmt_shape(array.shape)} ({array.ndim} axes), expected {layout}"
        )


def _check_finite(name: str, array: np.ndarray) -> None:
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        index = tuple(bad[0])
        x = array[index]
        what = "NaN" if np.isnan(x) else ("+inf" if x > 0 else "-inf")
        raise ValueError(f"{name}{_fmt_index(index)}: value is {what}")


def check_run(
    times: Any,
    gram: Any,
    residual: Any,
    layer_jacobian_norms: Any = None,
    jacobian: Any = None,
) -> Dict[str, np.ndarray]:
    """Check a run against the layout's rules and return its arrays as C-ordered ``float64``.

    Args:
        times: checkpoint times ``(T,)``, strictly increasing; integers (e.g. step counts) are
            accepted when exact (``|t| <= 2^53``).
        gram: Gram matrices ``(T, N, N)``, each symmetric positive semidefinite.
        residual: residuals ``f(x) - y`` at each checkpoint, ``(T, N)``.
        layer_jacobian_norms: optional ``(T, L)``, non-negative.
        jacobian: optional per-sample parameter Jacobians ``(T, N, P)``.

    Returns:
        A dict from member name to array, holding only the members that were given.

    Raises:
        ValueError: naming the member (and the index, where one applies) of the first problem:
            an unsupported dtype, a shape that does not fit the layout or the other members,
            an empty axis, a NaN or infinite entry, times that do not strictly increase, a Gram
            matrix that is not symmetric or not positive semidefinite, a negative layer norm.
    """
    arrays: Dict[str, np.ndarray] = {
        "times": _as_float64("times", times),
        "gram": _as_float64("gram", gram),
        "residual": _as_float64("residual", residual),
    }
    if layer_jacobian_norms is not None:
        arrays["layer_jacobian_norms"] = _as_float64("layer_jacobian_norms", layer_jacobian_norms)
    if jacobian is not None:
        arrays["jacobian"] = _as_float64("jacobian", jacobian)

    # Shapes: times fixes T, gram fixes N; everything else must agree with them.
    t_arr = arrays["times"]
    _check_ndim("times", t_arr, 1, "(T,)")
    t = t_arr.shape[0]
    if t == 0:
        raise ValueError("times: no checkpoints; at least one time is required")
    g = arrays["gram"]
    _check_ndim("gram", g, 3, "(T, N, N)")
    if g.shape[0] != t:
        raise ValueError(
            f"gram: holds {g.shape[0]} checkpoints, expected T = {t} (the length of `times`)"
        )
    n = g.shape[1]
    if n == 0:
        raise ValueError("gram: N = 0; at least one sample is required")
    if g.shape[2] != n:
        raise ValueError(f"gram: has shape {_fmt_shape(g.shape)}, expected (T, N, N) with square N x N matrices")
    r = arrays["residual"]
    _check_ndim("residual", r, 2, "(T, N)")
    if r.shape != (t, n):
        raise ValueError(
            f"residual: has shape {_fmt_shape(r.shape)}, expected {_fmt_shape((t, n))} "
            "(T from `times`, N from `gram`)"
        )
    if "layer_jacobian_norms" in arrays:
        norms = arrays["layer_jacobian_norms"]
        _check_ndim("layer_jacobian_norms", norms, 2, "(T, L)")
        if norms.shape[0] != t:
            raise ValueError(
                f"layer_jacobian_norms: holds {norms.shape[0]} checkpoints, expected T = {t}"
            )
        if norms.shape[1] == 0:
            raise ValueError("layer_jacobian_norms: L = 0; omit the array rather than store it empty")
    if "jacobian" in arrays:
        jac = arrays["jacobian"]
        _check_ndim("jacobian", jac, 3, "(T, N, P)")
        if jac.shape[:2] != (t, n):
            raise ValueError(
                f"jacobian: has shape {_fmt_shape(jac.shape)}, expected {_fmt_shape((t, n))} + (P,) "
                "(T from `times`, N from `gram`)"
            )
        if jac.shape[2] == 0:
            raise ValueError("jacobian: P = 0; omit the array rather than store it empty")

    for name, array in arrays.items():
        _check_finite(name, array)

    steps = np.diff(t_arr)
    if steps.size and not np.all(steps > 0):
        i = int(np.flatnonzero(~(steps > 0))[0]) + 1
        raise ValueError(
            f"times[{i}]: {float(t_arr[i])!r} does not exceed times[{i - 1}] = {float(t_arr[i - 1])!r}; "
            "times must strictly increase"
        )

    for k in range(t):
        m = g[k]
        scale = float(np.max(np.abs(m)))
        asym = np.abs(m - m.T)
        if float(np.max(asym)) > SYMMETRY_RTOL * scale:
            i, j = np.unravel_index(int(np.argmax(asym)), asym.shape)
            raise ValueError(
                f"gram[{k}, {i}, {j}]: {float(m[i, j])!r} differs from gram[{k}, {j}, {i}] = {float(m[j, i])!r} "
                f"by more than {SYMMETRY_RTOL} * max|M|; the matrix is not symmetric "
                "(symmetrize it as (M + M^T) / 2 if this is rounding)"
            )
    for k in range(t):
        eig = np.linalg.eigvalsh(g[k])
        floor = -PSD_RTOL * float(np.max(np.abs(eig)))
        if float(eig[0]) < floor:
            raise ValueError(
                f"gram[{k}]: smallest eigenvalue {float(eig[0])!r} is below -{PSD_RTOL} * max|lambda|; "
                "the matrix is not positive semidefinite (not a Gram matrix J J^T)"
            )

    if "layer_jacobian_norms" in arrays:
        norms = arrays["layer_jacobian_norms"]
        bad = np.argwhere(norms < 0)
        if bad.size:
            index = tuple(bad[0])
            raise ValueError(
                f"layer_jacobian_norms{_fmt_index(index)}: value {float(norms[index])!r} is negative; "
                "operator norms are non-negative"
            )
    return arrays


def _meta_array(meta: Optional[Mapping[str, Any]]) -> Optional[np.ndarray]:
    """``meta`` as a 0-d unicode array holding JSON text (readable without ``allow_pickle``)."""
    if meta is None:
        return None
    if not isinstance(meta, Mapping):
        raise ValueError(f"meta: expected a mapping (dict), got {type(meta).__name__}")
    try:
        text = json.dumps(dict(meta), sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"meta: not serializable as strict JSON: {exc}") from exc
    return np.array(text)


def _umask() -> int:
    """The process's umask, read without changing it (Linux), else set and restored at once."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def _refuse_non_regular(path: Path) -> None:
    """Raise if ``path`` exists and is not a regular file (a folder, a link, a FIFO, a device)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "a folder"
            if stat.S_ISDIR(st.st_mode)
            else "a symbolic link"
            if stat.S_ISLNK(st.st_mode)
            else "not a regular file"
        )
        raise FileExistsError(
            f"{path}: exists and is {kind}; refusing to replace it with the run "
            "(only a regular file is overwritten)"
        )


def write_run(
    path: PathLike,
    times: Any,
    gram: Any,
    residual: Any,
    layer_jacobian_norms: Any = None,
    jacobian: Any = None,
    meta: Optional[Mapping[str, Any]] = None,
    *,
    compressed: bool = False,
) -> Path:
    """Check a run with :func:`check_run` and write it to ``path`` as ``.npz``, atomically.

    The archive is written to a temporary file beside ``path``, flushed to disk and renamed over
    ``path`` with :func:`os.replace`, so a crash never leaves a half-written run. Missing parent
    folders are created. An existing regular file is replaced; anything else at ``path`` (a
    folder, a symbolic link, a FIFO) is refused. The name is used as given (NumPy's ``savez``
    would append ``.npz``; this does not).

    Args:
        path: destination file.
        times: checkpoint times ``(T,)``, strictly increasing.
        gram: Gram matrices ``M = J J^T``, ``(T, N, N)``.
        residual: residuals ``f(x) - y``, ``(T, N)``.
        layer_jacobian_norms: optional ``(T, L)``.
        jacobian: optional per-sample parameter Jacobians ``(T, N, P)``.
        meta: optional JSON-serializable mapping (e.g. learning rate, model, seed), stored as
            JSON text in the member ``meta``; ``renorm`` ignores it. Read it back with
            ``json.loads(str(numpy.load(path)["meta"]))``.
        compressed: write with ``numpy.savez_compressed`` instead of ``numpy.savez``.

    Returns:
        ``path`` as a :class:`pathlib.Path`.

    Raises:
        ValueError: the run or ``meta`` is invalid (message names the member, see
            :func:`check_run`); nothing is written.
        FileExistsError: ``path`` exists and is not a regular file; nothing is written.
        OSError: the file cannot be written; no temporary file is left behind.
    """
    arrays = check_run(times, gram, residual, layer_jacobian_norms, jacobian)
    meta_array = _meta_array(meta)
    if meta_array is not None:
        arrays["meta"] = meta_array

    target = Path(os.fspath(path))
    if target.name in ("", ".", ".."):
        raise ValueError(f"{target}: not a file path (no file name)")
    _refuse_non_regular(target)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)

    save = np.savez_compressed if compressed else np.savez
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        # mkstemp creates the file private (0600); give the run the mode any new file would get.
        os.chmod(tmp_name, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            save(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        # Checked again just before the rename: something may have appeared there meanwhile.
        _refuse_non_regular(target)
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    return target
