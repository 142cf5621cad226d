"""The functions of the package: argument conversion and the typed results around the native
module. Every function runs the same library code as the matching command."""

from __future__ import annotations

import fractions
import io
import json
import numbers
import pathlib
import sys
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

from . import _renorm
from ._results import CheckResult, ConditionsResult, IdentityResult

Number = Union[str, int, fractions.Fraction]
ParamValue = Union[Number, Tuple[Number, Number]]

_notice_shown = False


def _engine_notice() -> None:
    """Prints the licence notice on standard error once per process, before the engine's first
    use (as the command line does on every run)."""
    global _notice_shown
    if _notice_shown or _renorm.engine() != "on":
        return
    _notice_shown = True
    notice = _renorm.license_notice()
    if notice:
        print(notice if notice.startswith("note:") else f"note: {notice}", file=sys.stderr)


def _exact(value: Any, where: str) -> str:
    """An exact number as the input language writes it. Floats are refused: ``0.1`` is not
    one tenth in binary, and an exact check must not start from a rounded number."""
    if isinstance(value, bool):
        raise _renorm.InvalidInputError(f"{where}: {value!r} is not a number")
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, fractions.Fraction):
        return f"{value.numerator}/{value.denominator}" if value.denominator != 1 else str(value.numerator)
    if isinstance(value, float):
        raise _renorm.InvalidInputError(
            f"{where}: {value!r} is a float; give an exact number as a string ('0.1', '1/10') "
            "or a fractions.Fraction"
        )
    raise _renorm.InvalidInputError(f"{where}: {value!r} is not an exact number")


def _params(params: Optional[Mapping[str, ParamValue]]) -> list:
    out = []
    for name, value in (params or {}).items():
        where = f"params[{name!r}]"
        if isinstance(value, tuple):
            if len(value) != 2:
                raise _renorm.InvalidInputError(f"{where}: a range is a pair (lo, hi), got {value!r}")
            out.append(f"{name}={_exact(value[0], where)}..{_exact(value[1], where)}")
        else:
            out.append(f"{name}={_exact(value, where)}")
    return out


def _spectral(spectral: Union[str, Iterable[str]]) -> list:
    return [spectral] if isinstance(spectral, str) else list(spectral)


def check(
    expr: str,
    spectral: Union[str, Sequence[str]] = (),
    time: Optional[str] = None,
    kind: Optional[str] = None,
    weight: Optional[Number] = None,
    params: Optional[Mapping[str, ParamValue]] = None,
    *,
    digits: int = 50,
    points: int = 8,
    scales: Tuple[int, int] = (-30, 30),
    max_digits: int = 2000,
) -> CheckResult:
    """Checks a field ``expr`` of the spectral variables ``spectral`` and the time ``time``
    (``renorm check --expr``): log-shift covariance (H1), time-rescaling covariance of weight
    ``w`` (H2, the weight from ``kind`` — ``velocity`` 2, ``coupling`` 1, ``energy`` 0,
    ``log_velocity`` — or an explicit ``weight``), and the verdict they force.

    ``params`` maps parameter names to exact values (``"3/2"``, ``2``, ``Fraction(3, 2)``) or to
    ranges ``(lo, hi)`` the check samples. ``digits`` must agree at each of ``points`` points;
    ``scales`` are the decimal exponents of the sampled scales; ``max_digits`` caps the working
    precision per point.

    Raises :class:`InvalidInputError` for a formula that does not parse or an inconsistent spec
    (the message points at the place).
    """
    _engine_notice()
    report = _renorm.check(
        expr,
        _spectral(spectral),
        time,
        kind,
        None if weight is None else _exact(weight, "weight"),
        _params(params),
        digits,
        points,
        tuple(scales),
        max_digits,
    )
    return CheckResult(report)


def check_spec(
    spec: Union[str, pathlib.Path],
    *,
    digits: int = 50,
    points: int = 8,
    scales: Tuple[int, int] = (-30, 30),
    max_digits: int = 2000,
) -> CheckResult:
    """Checks a spec (``renorm check SPEC.toml``): a path to a TOML file, or TOML text. Its
    ``[expect]`` claims are checked too (see ``result.failed_expectations``)."""
    _engine_notice()
    if isinstance(spec, pathlib.Path) or (isinstance(spec, str) and "\n" not in spec and spec.endswith(".toml")):
        path = pathlib.Path(spec)
        text, origin = path.read_text(encoding="utf-8"), str(path)
    else:
        text, origin = str(spec), "<spec>"
    return CheckResult(_renorm.check_spec(text, origin, digits, points, tuple(scales), max_digits))


def identity(
    lhs: str,
    rhs: str,
    *,
    digits: int = 50,
    points: int = 8,
    max_digits: int = 2000,
    real: bool = False,
) -> IdentityResult:
    """Decides ``lhs == rhs`` (``renorm identity``): the symbolic engine's normal form and an
    independent certified evaluation at ``points`` points to ``digits`` digits, over the
    positive reals (``real=True``: the whole real line). A false identity is a result
    (``status == Status.REFUTED`` with a witness), not an error."""
    _engine_notice()
    return IdentityResult(_renorm.identity(lhs, rhs, digits, points, max_digits, real))


def _npz_bytes(arrays: Mapping[str, Any]) -> bytes:
    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def conditions(
    times: Any,
    gram: Any,
    residual: Any,
    layer_jacobian_norms: Any = None,
    *,
    spec: Union[None, str, Mapping[str, Any]] = None,
    name: str = "<arrays>",
) -> ConditionsResult:
    """The GRSD sufficient conditions C1–C4, the closure, R, PL-weak and PL on a training run
    given as NumPy arrays (``renorm conditions``): ``times`` (T,), ``gram`` (T, N, N) — the
    Gram matrices ``M = J Jᵀ`` — and ``residual`` (T, N), optionally ``layer_jacobian_norms``
    (T, L) for C1. The arrays go through the same checks as a ``.npz`` file (shapes, finite
    values, symmetric positive semidefinite Gram matrices, increasing times) and any failure is
    an :class:`InvalidInputError` naming the array and index.

    ``spec`` overrides thresholds and the shell width: TOML text, or a mapping with the same
    fields (e.g. ``{"shells": {"h": 0.5}, "thresholds": {"rho_max": 0.3}}``). ``name`` names the
    run in the report and in errors.
    """
    import numpy as np

    arrays = {
        "times": np.asarray(times, dtype=np.float64),
        "gram": np.asarray(gram, dtype=np.float64),
        "residual": np.asarray(residual, dtype=np.float64),
    }
    if layer_jacobian_norms is not None:
        arrays["layer_jacobian_norms"] = np.asarray(layer_jacobian_norms, dtype=np.float64)
    npz = _npz_bytes(arrays)
    if spec is None:
        report = _renorm.conditions(npz, name)
    elif isinstance(spec, str):
        report = _renorm.conditions(npz, name, spec_toml=spec)
    else:
        report = _renorm.conditions(npz, name, spec_json=json.dumps(spec))
    return ConditionsResult(report)


def set_engine(mode: str) -> None:
    """``"on"``: use the symbolic engine (the default); ``"off"``: numeric evidence only, never
    taking the engine lock — as ``--engine`` on the command line."""
    _renorm.set_engine(mode)


def engine() -> str:
    """The engine mode in effect, ``"on"`` or ``"off"``."""
    return _renorm.engine()
