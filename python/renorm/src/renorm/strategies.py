"""Hypothesis strategies that generate fields whose verdict is known by construction — the
Python mirror of the Rust testing kit (``renorm::testing::strategies``).

Every expected value is a consequence of the family's closed form (docs/theory.md §2.4–2.7),
derived on paper, not by running renorm:

==================== ================================ ========== ======== ============= ========================
family               form                             H1         degree   H2 (weight w) class
==================== ================================ ========== ======== ============= ========================
power_law            c λ^b t^(b−w)                    continuous b        holds         power_law
weak_power_law       (a + t^m) λ^b, c λ^(b+1/(k+t))   continuous b / none refuted       power_law_in_spectrum
scaling_form         t^(−w) F(λt), F not a power      none       none     holds         not_power_law
log_periodic         λ^b (a + sin(2π ln λ / h))       discrete   none     refuted       log_periodic
two_power_sum        a λ^b + c λ^d, b ≠ d             none       none     refuted       not_power_law
toeplitz_coupling    λ^b g(λ/μ) T(t)                  continuous b        iff T=t^(b−1) power_law / …_in_spectrum
power_law_spectrum   λ_k = k^(−α), weight −α          continuous −α       holds         power_law
==================== ================================ ========== ======== ============= ========================

Exact numbers are small rationals (``fractions.Fraction``), so formulas stay readable in
failure messages and Hypothesis shrinks towards simple cases. Use them in a property test::

    from hypothesis import given, settings
    import renorm
    from renorm.strategies import known_field

    @settings(max_examples=20, deadline=None)
    @given(known_field())
    def test_renorm_finds_the_known_verdict(field):
        assert field.check().verdict_class == field.verdict_class

Needs the ``hypothesis`` package (``pip install renorm[hypothesis]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from fractions import Fraction
from typing import Dict, Optional, Tuple

from hypothesis import strategies as st

from ._results import CheckResult, VerdictClass


@dataclass(frozen=True)
class KnownField:
    """A generated field together with the answer :func:`renorm.check` must give for it."""

    #: The closed form it was built from (e.g. ``"power law"``).
    family: str
    #: The formula, in renorm's input language.
    expr: str
    #: Spectral variables.
    spectral: Tuple[str, ...]
    #: Time variable (``None``: the field does not depend on time).
    time: Optional[str]
    #: ``velocity``, ``coupling``, ``energy``, or ``None`` with an explicit ``weight``.
    kind: Optional[str]
    #: The time-rescaling weight ``w`` the field is checked at.
    weight: Fraction
    #: Exact parameter values.
    params: Dict[str, Fraction] = dataclass_field(default_factory=dict)
    #: Expected verdict class.
    verdict_class: VerdictClass = VerdictClass.UNDETERMINED
    #: Expected kind of log-shift covariance: ``continuous``, ``discrete`` or ``none``.
    log_shift: str = "none"
    #: Expected degree ``b`` when it is a constant (continuous covariance only).
    degree: Optional[Fraction] = None
    #: Whether the field is time-rescaling covariant of weight ``w`` (else H2 is refuted).
    time_covariant: bool = False
    #: The period ``h`` in ``ln λ`` of a log-periodic field.
    period: Optional[Fraction] = None

    def check(self, **options: object) -> CheckResult:
        """:func:`renorm.check` on this field (``options``: ``digits``, ``points``, …)."""
        from . import check

        return check(
            self.expr,
            spectral=list(self.spectral),
            time=self.time,
            kind=self.kind,
            weight=None if self.kind else self.weight,
            params=dict(self.params),
            **options,  # type: ignore[arg-type]
        )


def rationals(num: Tuple[int, int], den: Tuple[int, int]) -> st.SearchStrategy[Fraction]:
    """Exact rationals ``n/d`` with ``n`` in ``[num]`` and ``d`` in ``[den]`` (``d ≥ 1``)."""
    return st.builds(
        lambda n, d: Fraction(n, max(d, 1)),
        st.integers(num[0], num[1]),
        st.integers(max(den[0], 1), max(den[1], 1)),
    )


def positive_rationals() -> st.SearchStrategy[Fraction]:
    """Positive exact rationals in ``[1/6, 20]``, for amplitudes."""
    return rationals((1, 20), (1, 6))


def exponents() -> st.SearchStrategy[Fraction]:
    """Exponents: rationals in ``[−3, 3]`` with denominators up to 4."""
    return rationals((-12, 12), (1, 4))


def weights() -> st.SearchStrategy[Fraction]:
    """Weights: ``0``, ``1``, ``2`` (energy, coupling, velocity) or a rational in ``[−2, 2]``."""
    return st.one_of(
        st.integers(0, 2).map(Fraction),
        st.integers(0, 2).map(Fraction),
        st.integers(0, 2).map(Fraction),
        rationals((-4, 4), (1, 2)),
    )


def _lit(q: Fraction) -> str:
    """A rational as a parenthesised literal, safe to splice into a formula."""
    return f"({q})"


def _kind(w: Fraction) -> Optional[str]:
    return {Fraction(2): "velocity", Fraction(1): "coupling", Fraction(0): "energy"}.get(w)


def power_law(weight: Fraction = Fraction(2)) -> st.SearchStrategy[KnownField]:
    """``c λ^b t^(b−w)`` with random exact ``c > 0`` and ``b``: Theorem 1's form, so H1 (degree
    ``b``) and H2 hold and the class is ``power_law``."""
    w = Fraction(weight)
    return st.builds(
        lambda c, b: KnownField(
            family="power law",
            expr=f"c*lam^b*t^(b - {_lit(w)})",
            spectral=("lam",),
            time="t",
            kind=_kind(w),
            weight=w,
            params={"c": c, "b": b},
            verdict_class=VerdictClass.POWER_LAW,
            log_shift="continuous",
            degree=b,
            time_covariant=True,
        ),
        positive_rationals(),
        exponents(),
    )


def any_power_law() -> st.SearchStrategy[KnownField]:
    """:func:`power_law` at a random weight."""
    return weights().flatmap(power_law)


def weak_power_law() -> st.SearchStrategy[KnownField]:
    """Velocities that are power laws in ``λ`` at each time but not in time:
    ``(a + t^m) λ^b`` (``m ≠ 0``; the amplitude is not a power of ``t``) or
    ``c λ^(b + 1/(k + t))`` (a degree drifting in time). H1 holds, H2 is refuted:
    ``power_law_in_spectrum``."""
    drifting_amplitude = st.builds(
        lambda a, m, b: KnownField(
            family="weak power law",
            expr=f"({a} + t^({m}))*lam^{_lit(b)}",
            spectral=("lam",),
            time="t",
            kind="velocity",
            weight=Fraction(2),
            verdict_class=VerdictClass.POWER_LAW_IN_SPECTRUM,
            log_shift="continuous",
            degree=b,
        ),
        positive_rationals(),
        st.sampled_from([-2, -1, 1, 2]),
        exponents(),
    )
    drifting_degree = st.builds(
        lambda c, b, k: KnownField(
            family="weak power law",
            expr=f"{_lit(c)}*lam^({b} + 1/({k} + t))",
            spectral=("lam",),
            time="t",
            kind="velocity",
            weight=Fraction(2),
            verdict_class=VerdictClass.POWER_LAW_IN_SPECTRUM,
            log_shift="continuous",
        ),
        positive_rationals(),
        exponents(),
        st.integers(1, 3),
    )
    return st.one_of(drifting_amplitude, drifting_degree)


def scaling_form(weight: Fraction = Fraction(2)) -> st.SearchStrategy[KnownField]:
    """``t^(−w) F(λt)`` with ``F(x) = x^p/(a + x)`` or ``x^p e^(−a x)``: time-rescaling
    covariant of weight ``w`` by construction, but ``F`` is not a power, so H1 is refuted:
    ``not_power_law``."""
    w = Fraction(weight)
    x = "(lam*t)"

    def build(shape: int, a: Fraction, p: Fraction) -> KnownField:
        f = f"{x}^{_lit(p)}/({a} + {x})" if shape == 0 else f"{x}^{_lit(p)}*exp(-{_lit(a)}*{x})"
        return KnownField(
            family="scaling form",
            expr=f"t^(-{_lit(w)})*{f}",
            spectral=("lam",),
            time="t",
            kind=_kind(w),
            weight=w,
            verdict_class=VerdictClass.NOT_POWER_LAW,
            log_shift="none",
            time_covariant=True,
        )

    return st.builds(build, st.integers(0, 1), rationals((1, 8), (1, 2)), rationals((-4, 4), (1, 2)))


def log_periodic_with_period(h: Fraction) -> st.SearchStrategy[KnownField]:
    """``λ^b (a + sin(2π ln λ / h))`` with ``a ∈ {2, 3}`` and exact period ``h > 0``: discrete
    H1 with period ``h``, continuous H1 and H2 refuted: ``log_periodic``."""
    h = Fraction(h)
    return st.builds(
        lambda b, a: KnownField(
            family="log-periodic field",
            expr=f"lam^{_lit(b)} * ({a} + sin(2*pi*log(lam)/{_lit(h)}))",
            spectral=("lam",),
            time="t",
            kind="velocity",
            weight=Fraction(2),
            verdict_class=VerdictClass.LOG_PERIODIC,
            log_shift="discrete",
            period=h,
        ),
        exponents(),
        st.integers(2, 3),
    )


def log_periodic() -> st.SearchStrategy[KnownField]:
    """:func:`log_periodic_with_period` with periods ``n/d``, ``1 ≤ n ≤ 12``, ``2 ≤ d ≤ 4``."""
    return rationals((1, 12), (2, 4)).flatmap(log_periodic_with_period)


def two_power_sum() -> st.SearchStrategy[KnownField]:
    """``a λ^b + c λ^d`` with ``a, c > 0`` and ``b ≠ d``: the Euler ratio depends on ``λ`` (H1
    refuted) and H2 would need ``b = d = 2``: ``not_power_law``."""
    gap = st.one_of(rationals((-8, -1), (1, 4)), rationals((1, 8), (1, 4)))
    return st.builds(
        lambda a, b, c, g: KnownField(
            family="two-power sum",
            expr=f"{_lit(a)}*lam^{_lit(b)} + {_lit(c)}*lam^{_lit(b + g)}",
            spectral=("lam",),
            time="t",
            kind="velocity",
            weight=Fraction(2),
            verdict_class=VerdictClass.NOT_POWER_LAW,
            log_shift="none",
        ),
        positive_rationals(),
        exponents(),
        positive_rationals(),
        gap,
    )


def toeplitz_coupling() -> st.SearchStrategy[KnownField]:
    """Couplings ``λ^b g(λ/μ) T(t)`` with ``g(u)`` one of ``u/(a + u)``,
    ``exp(−ln(u)²/(2a²))``, ``1/(1 + a u²)``: degree ``b``; with ``T = t^(b−1)`` time-rescaling
    covariant of weight 1 (``power_law``), with ``T = 1 + t`` not (``power_law_in_spectrum``)."""
    u = "(lam/mu)"

    def build(b: Fraction, shape: int, a: Fraction, covariant: bool) -> KnownField:
        g = [f"{u}/({a} + {u})", f"exp(-log{u}^2/(2*{_lit(a)}^2))", f"1/(1 + {_lit(a)}*{u}^2)"][shape]
        time = f"t^({b} - 1)" if covariant else "(1 + t)"
        return KnownField(
            family="Toeplitz coupling",
            expr=f"lam^{_lit(b)}*{g}*{time}",
            spectral=("lam", "mu"),
            time="t",
            kind="coupling",
            weight=Fraction(1),
            verdict_class=VerdictClass.POWER_LAW if covariant else VerdictClass.POWER_LAW_IN_SPECTRUM,
            log_shift="continuous",
            degree=b,
            time_covariant=covariant,
        )

    return st.builds(build, exponents(), st.integers(0, 2), rationals((1, 8), (1, 4)), st.booleans())


def power_law_spectrum() -> st.SearchStrategy[KnownField]:
    """``λ_k = k^(−α)`` with exact ``α > 0`` as a field of the mode index ``k`` without time,
    checked at weight ``−α``: ``power_law`` with degree ``−α``."""
    return rationals((1, 12), (1, 4)).map(
        lambda alpha: KnownField(
            family="power-law spectrum",
            expr="k^(-alpha)",
            spectral=("k",),
            time=None,
            kind=None,
            weight=-alpha,
            params={"alpha": alpha},
            verdict_class=VerdictClass.POWER_LAW,
            log_shift="continuous",
            degree=-alpha,
            time_covariant=True,
        )
    )


def known_field() -> st.SearchStrategy[KnownField]:
    """Any of the families above, equally likely."""
    return st.one_of(
        power_law(Fraction(2)),
        weak_power_law(),
        scaling_form(Fraction(2)),
        log_periodic(),
        two_power_sum(),
        toeplitz_coupling(),
        power_law_spectrum(),
    )


__all__ = [
    "KnownField",
    "rationals",
    "positive_rationals",
    "exponents",
    "weights",
    "power_law",
    "any_power_law",
    "weak_power_law",
    "scaling_form",
    "log_periodic",
    "log_periodic_with_period",
    "two_power_sum",
    "toeplitz_coupling",
    "power_law_spectrum",
    "known_field",
]
