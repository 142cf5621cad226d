"""Typed results: thin views over the JSON documents the command line prints.

Every result keeps the native report it came from, so ``render``/``write`` produce exactly what
``renorm … --format F`` / ``--output FILE`` would, without running the computation again. The
``data`` attribute is the parsed JSON document (``result.data == json.loads(result.to_json())``),
for anything the typed attributes do not surface.
"""

from __future__ import annotations

import enum
import html
import json
import pathlib
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import _renorm

PathLike = Union[str, "pathlib.Path"]


class VerdictClass(str, enum.Enum):
    """The verdict of a field check (docs/theory.md §2.7): what the hypotheses force."""

    POWER_LAW = "power_law"
    POWER_LAW_IN_SPECTRUM = "power_law_in_spectrum"
    LOG_PERIODIC = "log_periodic"
    NOT_POWER_LAW = "not_power_law"
    UNDETERMINED = "undetermined"


class Status(str, enum.Enum):
    """The status of one claim (docs/theory.md §4.1)."""

    PROVED = "proved"
    CONFIRMED = "confirmed"
    REFUTED = "refuted"
    UNDETERMINED = "undetermined"
    ENGINE_DISAGREEMENT = "engine_disagreement"

    @property
    def holds(self) -> bool:
        """Proved or confirmed."""
        return self in (Status.PROVED, Status.CONFIRMED)


def _status(text: Optional[str]) -> Optional[Status]:
    if text is None:
        return None
    try:
        return Status(text)
    except ValueError:
        return Status.UNDETERMINED


class _Result:
    """What every result has: the JSON document, rendering and writing."""

    def __init__(self, report: "_renorm.Report") -> None:
        self._report = report
        #: The parsed JSON document, as ``renorm … --format json`` prints it.
        self.data: Dict[str, Any] = json.loads(report.json)

    def to_json(self) -> str:
        """The JSON document, byte for byte what the command prints with ``--format json``."""
        return self._report.json

    @property
    def formats(self) -> List[str]:
        """The formats :meth:`render` accepts for this result."""
        return list(self._report.formats)

    def render(self, format: str = "text") -> str:
        """The result in ``format`` (one of :attr:`formats`), as the command writes it."""
        return self._report.render(format)

    def write(self, path: PathLike, format: Optional[str] = None) -> List[pathlib.Path]:
        """Writes the result to ``path`` atomically, in ``format`` or the format its extension
        names (``.json .txt .md .html .tex .csv``); a conditions report also writes its figures
        next to it. Returns the files written."""
        return [pathlib.Path(p) for p in self._report.write(str(path), format)]

    def __str__(self) -> str:
        return self.render("text") if "text" in self.formats else self.render(self.formats[0])


@dataclass(frozen=True)
class Expectation:
    """One ``[expect]`` claim of a spec and whether it held."""

    claim: str
    expected: str
    found: str
    holds: bool


@dataclass(frozen=True)
class Verdict:
    """What the hypotheses force on a field."""

    verdict_class: VerdictClass
    explanation: str
    forced_form: Optional[str]
    exponent_spectral: Optional[str]
    exponent_time: Optional[str]
    amplitude: Optional[str]
    scaling_function: Optional[str]


class CheckResult(_Result):
    """The check of one field (``renorm check``): the two covariance checks with their
    statuses and evidence, the verdict with its forced form, and the derivation trail."""

    def __init__(self, report: "_renorm.Report") -> None:
        super().__init__(report)
        reports = self.data["reports"]
        if len(reports) != 1:
            raise _renorm.InternalError(f"expected one field report, got {len(reports)}")
        r = reports[0]
        self._r = r
        self.name: str = r["name"]
        self.source: str = r["source"]
        self.kind: str = r["kind"]
        self.spectral: List[str] = list(r["spectral"])
        self.time: Optional[str] = r.get("time")
        v = r["verdict"]
        self.verdict = Verdict(
            verdict_class=VerdictClass(v["class"]),
            explanation=v.get("explanation", ""),
            forced_form=v.get("forced_form"),
            exponent_spectral=v.get("exponent_spectral"),
            exponent_time=v.get("exponent_time"),
            amplitude=v.get("amplitude"),
            scaling_function=v.get("scaling_function"),
        )
        checks = r["checks"]
        ls, tr = checks["log_shift"], checks["time_rescaling"]
        #: Kind of log-shift covariance found: ``continuous``, ``discrete`` or ``none``.
        self.log_shift: str = ls["kind"]
        #: The degree ``b`` when it is a constant (exact string), else ``None``.
        self.degree: Optional[str] = ls.get("degree")
        confirmation = r.get("confirmation") or {}
        #: Status of each claim: ``log_shift``, ``time_rescaling`` and (when the forced form was
        #: confirmed against the field) ``confirmation``.
        self.statuses: Dict[str, Optional[Status]] = {
            "log_shift": _status(ls.get("status")),
            "time_rescaling": _status(tr.get("status")),
            "confirmation": _status(confirmation.get("status")),
        }
        #: The first witness against a covariance (a point and the certified enclosure of the
        #: residual there), or ``None``.
        self.witness: Optional[Dict[str, Any]] = ls.get("witness") or tr.get("witness")
        #: The evidence of both checks (the JSON ``checks`` object).
        self.evidence: Dict[str, Any] = checks
        self.expectations: List[Expectation] = [
            Expectation(e["claim"], e["expected"], e["found"], bool(e["holds"])) for e in r.get("expectations", [])
        ]
        #: The rule engine's derivation trail.
        self.trail: List[Dict[str, Any]] = list(r.get("trail", []))

    @property
    def verdict_class(self) -> VerdictClass:
        """Shorthand for ``verdict.verdict_class``."""
        return self.verdict.verdict_class

    @property
    def time_covariant(self) -> Optional[bool]:
        """Whether time-rescaling covariance holds (``None`` when undetermined)."""
        s = self.statuses["time_rescaling"]
        if s is None or s in (Status.UNDETERMINED, Status.ENGINE_DISAGREEMENT):
            return None
        return s.holds

    @property
    def failed_expectations(self) -> List[Expectation]:
        """The ``[expect]`` claims that did not hold."""
        return [e for e in self.expectations if not e.holds]

    def __repr__(self) -> str:
        return f"<CheckResult {self.name!r}: {self.verdict_class.value}>"

    def _repr_html_(self) -> str:
        e = html.escape
        rows = [
            ("field", f"<code>{e(self.source)}</code> ({e(self.kind)})"),
            ("verdict", f"<b>{e(self.verdict_class.value)}</b> — {e(self.verdict.explanation)}"),
        ]
        if self.verdict.forced_form:
            rows.append(("forced form", f"<code>{e(self.verdict.forced_form)}</code>"))
        for name, status in self.statuses.items():
            if status is not None:
                rows.append((name.replace("_", " "), e(status.value)))
        if self.witness:
            point = ", ".join(f"{k} = {v}" for k, v in self.witness.get("point", {}).items())
            rows.append(("witness", e(point)))
        for x in self.failed_expectations:
            rows.append(("failed expectation", e(f"{x.claim}: expected {x.expected}, found {x.found}")))
        body = "".join(f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>{v}</td></tr>" for k, v in rows)
        return f"<table class='renorm-check'><caption>{e(self.name)}</caption>{body}</table>"


class IdentityResult(_Result):
    """An identity ``lhs == rhs`` decided by both engines (``renorm identity``)."""

    def __init__(self, report: "_renorm.Report") -> None:
        super().__init__(report)
        d = self.data
        self.identity: str = d["identity"]
        self.status: Status = _status(d["status"]) or Status.UNDETERMINED
        self.explanation: str = d.get("explanation", "")
        numeric = d.get("numeric") or {}
        #: Decimal digits confirmed at every point (``None`` when not confirmed).
        self.digits_confirmed: Optional[int] = numeric.get("digits_confirmed")
        #: A refuting point with the certified enclosure of ``lhs − rhs`` there, or ``None``.
        self.witness: Optional[Dict[str, Any]] = numeric.get("witness")

    @property
    def holds(self) -> bool:
        """Proved or confirmed."""
        return self.status.holds

    def __bool__(self) -> bool:
        return self.holds

    def __repr__(self) -> str:
        return f"<IdentityResult {self.identity!r}: {self.status.value}>"

    def _repr_html_(self) -> str:
        e = html.escape
        extra = ""
        if self.witness:
            lo, hi = self.witness.get("enclosure", ["?", "?"])
            extra = f"<br>witness {e(str(self.witness.get('point')))}: lhs − rhs ∈ [{e(lo)}, {e(hi)}]"
        return f"<div class='renorm-identity'><code>{e(self.identity)}</code>: <b>{e(self.status.value)}</b> — {e(self.explanation)}{extra}</div>"


@dataclass(frozen=True)
class Rule:
    """One condition or derived rule of a conditions report (docs/theory.md §2.8)."""

    name: str
    status: str
    value: Optional[float]
    interval: Optional[Tuple[float, float]]
    threshold: Optional[float]
    detail: str
    decided_by: Tuple[str, ...]

    @property
    def holds(self) -> bool:
        return self.status == "holds"


class ConditionsResult(_Result):
    """The four sufficient conditions and what they imply on a training run
    (``renorm conditions``)."""

    def __init__(self, report: "_renorm.Report") -> None:
        super().__init__(report)
        d = self.data
        self.checkpoints: int = d["checkpoints"]
        self.samples: int = d["samples"]
        self.shells: int = d["shells"]
        #: ``C1``–``C4``, ``closure``, ``R``, ``PL_weak``, ``PL``.
        self.rules: Dict[str, Rule] = {
            name: Rule(
                name=name,
                status=m["status"],
                value=m.get("value"),
                interval=tuple(m["interval"]) if m.get("interval") else None,
                threshold=m.get("threshold"),
                detail=m.get("detail", ""),
                decided_by=tuple(m.get("decided_by", [])),
            )
            for name, m in d["rules"].items()
        }
        #: Lemma 1 on the data: ``relative_residual``, ``transfer_sum``, ``checkpoints_used``.
        self.balance: Dict[str, Any] = d["balance"]
        #: The LSI fit (``gamma``, ``defect``, …) or ``None``.
        self.lsi: Optional[Dict[str, Any]] = d.get("lsi")
        #: Closure residual ``ρ`` at shell widths ``h, 2h, 4h, …`` as ``(width, ρ)`` pairs.
        self.closure_residuals: List[Tuple[float, float]] = [tuple(p) for p in d.get("closure_residuals", [])]

    def status(self, rule: str) -> str:
        """The status of ``rule`` (``holds``, ``fails`` or ``not established``)."""
        return self.rules[rule].status

    def __repr__(self) -> str:
        verdicts = ", ".join(f"{k} {v.status}" for k, v in self.rules.items())
        return f"<ConditionsResult N={self.samples} T={self.checkpoints}: {verdicts}>"

    def _repr_html_(self) -> str:
        e = html.escape

        def num(x: Optional[float]) -> str:
            return "—" if x is None else f"{x:.4g}"

        body = "".join(
            f"<tr><td>{e(r.name)}</td><td><b>{e(r.status)}</b></td><td>{num(r.value)}</td><td>{num(r.threshold)}</td><td style='text-align:left'>{e(r.detail)}</td></tr>"
            for r in self.rules.values()
        )
        return (
            f"<table class='renorm-conditions'><caption>N = {self.samples}, T = {self.checkpoints}, {self.shells} shells</caption>"
            f"<tr><th>rule</th><th>status</th><th>value</th><th>threshold</th><th>detail</th></tr>{body}</table>"
        )


@dataclass(frozen=True)
class Enclosure:
    """A certified value: the printed value and an interval that provably contains the exact
    quantity (endpoints rounded outward), with the digits that interval certifies."""

    value: str
    lo: str
    hi: str
    digits_certified: int

    def __float__(self) -> float:
        return float(self.value)


def _enclosure(d: Optional[Dict[str, Any]]) -> Optional[Enclosure]:
    if d is None:
        return None
    lo, hi = d["enclosure"]
    return Enclosure(d["value"], lo, hi, int(d["digits_certified"]))


class CurveResult(_Result):
    """A learning curve of the power-law GP (``renorm rg curve``, docs/theory.md §3.4)."""

    def __init__(self, report: "_renorm.Report") -> None:
        super().__init__(report)
        d = self.data
        self.bias = _enclosure(d["bias"])
        self.variance = _enclosure(d["variance"])
        self.loss = _enclosure(d["loss"])
        #: Log-log slopes ``bias``, ``variance``, ``loss``.
        self.slope: Dict[str, Optional[Enclosure]] = {k: _enclosure(v) for k, v in d["slope"].items()}
        #: Continuum forms (``C_B``, ``C_V``, exponents, …) as in the JSON.
        self.continuum: Dict[str, Any] = d["continuum"]

    def __repr__(self) -> str:
        return f"<CurveResult α={self.data['alpha']} β={self.data['beta']} P/r={self.data['p_over_r']}: loss {self.loss.value if self.loss else None}>"


class PredictResult(_Result):
    """Per-mode RG predictions (``renorm rg predict``)."""

    def __init__(self, report: "_renorm.Report") -> None:
        super().__init__(report)
        #: One mapping per mode, as in the JSON ``rows``.
        self.rows: Sequence[Dict[str, Any]] = self.data.get("rows", [])
        #: Validity diagnostics of the predictions (flags and warnings), as in the JSON.
        self.validity: Dict[str, Any] = self.data.get("validity", {})

    def __repr__(self) -> str:
        return f"<PredictResult: {len(self.rows)} modes>"

    def _repr_html_(self) -> str:
        # The Markdown table is what the command prints; a notebook shows it preformatted.
        return f"<pre>{html.escape(self.render('md'))}</pre>"
