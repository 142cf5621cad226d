//! `proptest` strategies that generate fields whose verdict is known by construction.
//!
//! Every expected value below is a consequence of the family's closed form
//! (docs/theory.md §2.4–2.7), derived here on paper, not by running `renorm`:
//!
//! | family | form | H1 | degree | H2 (weight `w`) | class |
//! |---|---|---|---|---|---|
//! | [`power_law`] | `c λ^b t^(b−w)` | continuous | `b` | holds | `power_law` |
//! | [`weak_power_law`] | `(a + t^m) λ^b`, `c λ^(b + 1/(k+t))` | continuous | `b` / none | refuted | `power_law_in_spectrum` |
//! | [`scaling_form`] | `t^(−w) F(λt)`, `F` not a power | none | none | holds | `not_power_law` |
//! | [`log_periodic`] | `λ^b (a + sin(2π ln λ / h))` | discrete | none | refuted | `log_periodic` |
//! | [`two_power_sum`] | `a λ^b + c λ^d`, `b ≠ d` | none | none | refuted | `not_power_law` |
//! | [`toeplitz_coupling`] | `λ^b g(λ/μ) T(t)` | continuous | `b` | iff `T = t^(b−1)` | `power_law` / `power_law_in_spectrum` |
//! | [`power_law_spectrum`] | `λ_k = k^(−α)`, weight `−α` | continuous | `−α` | holds | `power_law` |
//!
//! Exact numbers are drawn as small rationals so that formulas stay readable in failure
//! messages and proptest shrinks towards simple cases.

use crate::api::Field;
use crate::check::{LogShiftKind, VerdictClass};
use proptest::prelude::*;
use rug::Rational;
use std::fmt;

use super::{LOG_PERIODIC, NOT_POWER_LAW, POWER_LAW, POWER_LAW_IN_SPECTRUM};

/// Which closed form a [`KnownField`] was built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// `c λ^b t^(b−w)`.
    PowerLaw,
    /// `c(t) λ^b(t)` with `c` or `b` genuinely time-dependent.
    WeakPowerLaw,
    /// `t^(−w) F(λt)` with `F` not a power.
    ScalingForm,
    /// `λ^b (a + sin(2π ln λ / h))`.
    LogPeriodic,
    /// `a λ^b + c λ^d` with `b ≠ d`.
    TwoPowerSum,
    /// `K(λ, μ, t) = λ^b g(λ/μ) T(t)`.
    ToeplitzCoupling,
    /// `λ_k = k^(−α)` as a field of the mode index `k`.
    PowerLawSpectrum,
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::PowerLaw => "power law",
            Family::WeakPowerLaw => "weak power law",
            Family::ScalingForm => "scaling form",
            Family::LogPeriodic => "log-periodic field",
            Family::TwoPowerSum => "two-power sum",
            Family::ToeplitzCoupling => "Toeplitz coupling",
            Family::PowerLawSpectrum => "power-law spectrum",
        })
    }
}

/// A generated field together with the answer `renorm check` must give for it.
#[derive(Debug, Clone)]
pub struct KnownField {
    /// The closed form it was built from.
    pub family: Family,
    /// The field, ready to check.
    pub field: Field,
    /// Expected verdict class.
    pub class: VerdictClass,
    /// Expected kind of log-shift covariance: continuous, discrete or none.
    pub log_shift: LogShiftKind,
    /// Expected degree `b` when it is a constant (continuous covariance only).
    pub degree: Option<Rational>,
    /// The time-rescaling weight `w` the field is checked at.
    pub weight: Rational,
    /// Whether the field is time-rescaling covariant of weight `w` (else H2 is refuted).
    pub time_covariant: bool,
    /// The period `h` in `ln λ` of a log-periodic field.
    pub period: Option<Rational>,
}

/// Exact rationals `n/d` with `n` in `num` and `d` in `den` (`den` must exclude 0).
pub fn rational(
    num: std::ops::RangeInclusive<i32>,
    den: std::ops::RangeInclusive<u32>,
) -> impl Strategy<Value = Rational> {
    (num, den).prop_map(|(n, d)| Rational::from((n, d.max(1))))
}

/// Positive exact rationals in `[1/6, 20]`, for amplitudes.
pub fn positive_rational() -> impl Strategy<Value = Rational> {
    rational(1..=20, 1..=6)
}

/// Exponents: rationals in `[−3, 3]` with denominators up to 4.
pub fn exponent() -> impl Strategy<Value = Rational> {
    rational(-12..=12, 1..=4)
}

/// Weights: `0`, `1`, `2` (energy, coupling, velocity) or a rational in `[−2, 2]`.
pub fn weight() -> impl Strategy<Value = Rational> {
    prop_oneof![
        3 => (0i32..=2).prop_map(Rational::from),
        1 => rational(-4..=4, 1..=2),
    ]
}

/// A rational as a parenthesised literal, safe to splice into a formula.
fn lit(q: &Rational) -> String {
    format!("({q})")
}

/// A field of weight `w`: the named kind for 0, 1, 2, an explicit weight otherwise.
fn of_weight(expr: String, w: &Rational) -> Field {
    if *w == 2 {
        Field::velocity(expr)
    } else if *w == 1 {
        Field::coupling(expr)
    } else if *w == 0 {
        Field::energy(expr)
    } else {
        Field::new(expr).weight(w.to_string())
    }
}

/// `c λ^b t^(b−w)` with random exact `c > 0` and `b`, at the given weight: Theorem 1's form,
/// so H1 (degree `b`) and H2 both hold and the class is `power_law`.
pub fn power_law(weight: impl Into<Rational>) -> impl Strategy<Value = KnownField> {
    let w: Rational = weight.into();
    (positive_rational(), exponent()).prop_map(move |(c, b)| KnownField {
        family: Family::PowerLaw,
        field: of_weight(format!("c*lam^b*t^(b - {})", lit(&w)), &w)
            .spectral(["lam"])
            .time("t")
            .param("c", c.to_string())
            .param("b", b.to_string()),
        class: POWER_LAW,
        log_shift: LogShiftKind::Continuous,
        degree: Some(b),
        weight: w.clone(),
        time_covariant: true,
        period: None,
    })
}

/// [`power_law`] at a random [`weight`].
pub fn any_power_law() -> impl Strategy<Value = KnownField> {
    weight().prop_flat_map(power_law)
}

/// Velocities that are power laws in `λ` at each time but not in time: `(a + t^m) λ^b` (the
/// amplitude `a + t^m`, `a > 0`, `m ≠ 0`, is not a power of `t`, which H2 would force) or
/// `c λ^(b + 1/(k + t))` (a degree that drifts in time, which H2 forbids). H1 holds, H2 is
/// refuted: `power_law_in_spectrum`.
pub fn weak_power_law() -> impl Strategy<Value = KnownField> {
    let drifting_amplitude =
        (positive_rational(), prop_oneof![-2i32..=-1, 1i32..=2], exponent()).prop_map(|(a, m, b)| {
            KnownField {
                family: Family::WeakPowerLaw,
                field: Field::velocity(format!("({a} + t^({m}))*lam^{}", lit(&b)))
                    .spectral(["lam"])
                    .time("t"),
                class: POWER_LAW_IN_SPECTRUM,
                log_shift: LogShiftKind::Continuous,
                degree: Some(b),
                weight: Rational::from(2),
                time_covariant: false,
                period: None,
            }
        });
    let drifting_degree = (positive_rational(), exponent(), 1u32..=3).prop_map(|(c, b, k)| KnownField {
        family: Family::WeakPowerLaw,
        field: Field::velocity(format!("{}*lam^({b} + 1/({k} + t))", lit(&c)))
            .spectral(["lam"])
            .time("t"),
        class: POWER_LAW_IN_SPECTRUM,
        log_shift: LogShiftKind::Continuous,
        degree: None,
        weight: Rational::from(2),
        time_covariant: false,
        period: None,
    });
    prop_oneof![drifting_amplitude, drifting_degree]
}

/// `t^(−w) F(λt)` with `F(x) = x^p/(a + x)` or `x^p e^(−a x)`, `a > 0`: time-rescaling
/// covariant of weight `w` by construction, but `F` is not a power, so H1 is refuted —
/// renormalizable is not power law (docs/theory.md §2.7): `not_power_law`.
pub fn scaling_form(weight: impl Into<Rational>) -> impl Strategy<Value = KnownField> {
    let w: Rational = weight.into();
    (0u32..2, rational(1..=8, 1..=2), rational(-4..=4, 1..=2)).prop_map(move |(shape, a, p)| {
        let x = "(lam*t)";
        let f = match shape {
            0 => format!("{x}^{}/({a} + {x})", lit(&p)),
            _ => format!("{x}^{}*exp(-{}*{x})", lit(&p), lit(&a)),
        };
        KnownField {
            family: Family::ScalingForm,
            field: of_weight(format!("t^(-{})*{f}", lit(&w)), &w)
                .spectral(["lam"])
                .time("t"),
            class: NOT_POWER_LAW,
            log_shift: LogShiftKind::None,
            degree: None,
            weight: w.clone(),
            time_covariant: true,
            period: None,
        }
    })
}

/// `λ^b (a + sin(2π ln λ / h))` with `a ≥ 2` (so the field is positive) and exact period
/// `h`: covariant under shifts of `ln λ` by multiples of `h` only, so continuous H1 is
/// refuted, discrete H1 holds with period `h`, and no power law is forced: `log_periodic`.
/// As a velocity without time dependence, H2 (`F(κλ) = κ² F(λ)` for all κ) fails.
///
/// Periods are drawn from `n/d` with `1 ≤ n ≤ 12`, `2 ≤ d ≤ 4`, so they include divisors of
/// `1/2` (`1/4`, `1/2`), which once defeated a single-shift refutation.
/// [`log_periodic_with_period`] takes any period.
pub fn log_periodic() -> impl Strategy<Value = KnownField> {
    rational(1..=12, 2..=4).prop_flat_map(log_periodic_with_period)
}

/// [`log_periodic`] with a given exact period `h > 0`.
pub fn log_periodic_with_period(h: Rational) -> impl Strategy<Value = KnownField> {
    (exponent(), 2u32..=3).prop_map(move |(b, a)| KnownField {
        family: Family::LogPeriodic,
        field: Field::velocity(format!(
            "lam^{} * ({a} + sin(2*pi*log(lam)/{}))",
            lit(&b),
            lit(&h)
        ))
        .spectral(["lam"])
        .time("t"),
        class: LOG_PERIODIC,
        log_shift: LogShiftKind::Discrete,
        degree: None,
        weight: Rational::from(2),
        time_covariant: false,
        period: Some(h.clone()),
    })
}

/// `a λ^b + c λ^d` with `a, c > 0` and `b ≠ d`: the Euler ratio `(ab λ^b + cd λ^d)/F` depends
/// on `λ`, so H1 is refuted, and `F(κλ) = κ² F(λ)` would need `b = d = 2`, so H2 is refuted
/// too: `not_power_law`.
pub fn two_power_sum() -> impl Strategy<Value = KnownField> {
    let gap = prop_oneof![rational(-8..=-1, 1..=4), rational(1..=8, 1..=4)];
    (positive_rational(), exponent(), positive_rational(), gap).prop_map(|(a, b, c, gap)| {
        let d = Rational::from(&b + &gap);
        KnownField {
            family: Family::TwoPowerSum,
            field: Field::velocity(format!(
                "{}*lam^{} + {}*lam^{}",
                lit(&a),
                lit(&b),
                lit(&c),
                lit(&d)
            ))
            .spectral(["lam"])
            .time("t"),
            class: NOT_POWER_LAW,
            log_shift: LogShiftKind::None,
            degree: None,
            weight: Rational::from(2),
            time_covariant: false,
            period: None,
        }
    })
}

/// Couplings `K(λ, μ, t) = λ^b g(λ/μ) T(t)`, log-shift invariant in the ratio (Toeplitz in the
/// shell index) with degree `b`. `g(u)` is `u/(a + u)`, `exp(−ln(u)²/(2a²))` or `1/(1 + a u²)`.
/// With `T = t^(b−1)` the coupling is time-rescaling covariant of weight 1 (`power_law`, with a
/// scaling function); with `T = 1 + t` it is not (`power_law_in_spectrum`).
pub fn toeplitz_coupling() -> impl Strategy<Value = KnownField> {
    (exponent(), 0u32..3, rational(1..=8, 1..=4), any::<bool>()).prop_map(|(b, shape, a, covariant)| {
        let u = "(lam/mu)";
        let g = match shape {
            0 => format!("{u}/({a} + {u})"),
            1 => format!("exp(-log{u}^2/(2*{}^2))", lit(&a)),
            _ => format!("1/(1 + {}*{u}^2)", lit(&a)),
        };
        let time = if covariant {
            format!("t^({b} - 1)")
        } else {
            "(1 + t)".to_string()
        };
        KnownField {
            family: Family::ToeplitzCoupling,
            field: Field::coupling(format!("lam^{}*{g}*{time}", lit(&b)))
                .spectral(["lam", "mu"])
                .time("t"),
            class: if covariant {
                POWER_LAW
            } else {
                POWER_LAW_IN_SPECTRUM
            },
            log_shift: LogShiftKind::Continuous,
            degree: Some(b),
            weight: Rational::from(1),
            time_covariant: covariant,
            period: None,
        }
    })
}

/// Power-law spectra `λ_k = k^(−α)` with exact `α > 0`, as a field of the mode index `k` with
/// no time variable, checked at weight `−α` (the weight that makes a time-independent field
/// of degree `−α` time-rescaling covariant): `power_law` with degree `−α`.
pub fn power_law_spectrum() -> impl Strategy<Value = KnownField> {
    rational(1..=12, 1..=4).prop_map(|alpha| {
        let degree = Rational::from(-&alpha);
        KnownField {
            family: Family::PowerLawSpectrum,
            field: Field::new("k^(-alpha)")
                .spectral(["k"])
                .param("alpha", alpha.to_string())
                .weight(degree.to_string())
                .name(format!("spectrum k^(-{alpha})")),
            class: POWER_LAW,
            log_shift: LogShiftKind::Continuous,
            degree: Some(degree.clone()),
            weight: degree,
            time_covariant: true,
            period: None,
        }
    })
}

/// Any of the families above, equally likely.
pub fn known_field() -> impl Strategy<Value = KnownField> {
    prop_oneof![
        power_law(2),
        weak_power_law(),
        scaling_form(2),
        log_periodic(),
        two_power_sum(),
        toeplitz_coupling(),
        power_law_spectrum(),
    ]
}
