//! The covariance checks of docs/theory.md §2.4–2.6, each decided by both engines.
//!
//! * **Continuous log-shift covariance (H1)** — Euler's condition `Σ λ_i ∂F/∂λ_i = b F` with `b`
//!   free of every `λ_i`. The engine proposes `b = Σ λ_i ∂_i F / F`; the numeric path computes the
//!   Euler ratio of the *original* input with dual numbers at pairs of spectral points sharing
//!   `(t, params)`. A refutation is certified with finite shifts: an enclosure of
//!   `F(e^σ λ) F(λ') − F(e^σ λ') F(λ)` that excludes 0 (witness `(σ, λ, λ', t)`).
//! * **Discrete (log-periodic) covariance** — candidate periods `h` come from periodic functions
//!   whose argument is linear in `ln λ` (`sin(ω ln λ + φ)` has `h = 2π/ω`); each candidate is
//!   tested with finite shifts by `h`, and an irrational multiple `√2·h` must fail (certified)
//!   for the covariance to be called discrete-only.
//! * **Time-rescaling covariance (H2)** of weight `w` — `Σ λ_i ∂_i F − t ∂_t F = w F`, numerically
//!   by dual numbers (seeds `λ_i` and `−t`); refuted by an enclosure of
//!   `F(κ λ, t/κ) − κ^w F(λ, t)` that excludes 0 (witness `(κ, λ, t)`).

use super::spec::Spec;
pub use crate::crosscheck::Witness;
use crate::crosscheck::{self, NumericEvidence, Status, SymbolicEvidence, SymbolicVerdict, WitnessMethod};
use crate::expr::{Expr, Func};
use crate::numeric::{
    Assignment, PointSampler, Precision, Resolution, ScaleDomain, digits_of_agreement,
    digits_of_agreement_at_scale, eval_dual, eval_exact, eval_float, eval_interval, resolve_all,
};
use crate::symbolic::{self, Assumptions, ZeroTest};
use rug::ops::Pow;
use rug::{Float, Rational};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::{Add, Div, Mul, Sub};

/// Numeric knobs shared by the checks.
#[derive(Debug, Clone)]
pub struct Knobs {
    /// Digits that must agree, beyond what each point needs to resolve every summand (the
    /// precision rule of [`crate::numeric::resolve`]).
    pub digits: u32,
    /// Number of sample points (or point pairs).
    pub points: u32,
    /// Seed of the point sampler.
    pub seed: u64,
    /// Where spectral variables and time are sampled.
    pub scale: ScaleDomain,
    /// Most digits any point may be evaluated at; a point that needs more is unresolved and
    /// never counts as agreement.
    pub max_digits: u32,
}

impl Knobs {
    /// The options of an identity checked on behalf of a check (the forced-form confirmation,
    /// an `[expect]` degree): the same digits, points and cap, a seed of its own (`salt`).
    pub(crate) fn identity_options(&self, salt: u64) -> crosscheck::CheckOptions {
        crosscheck::CheckOptions {
            digits: self.digits,
            points: self.points,
            seed: self.seed ^ salt,
            use_symbolic: true,
            max_digits: self.max_digits,
        }
    }
}

/// Default cap on the digits of one point: a summand 10^−1900 of the others is still resolved
/// at 50 requested digits, and a point costs at most a few tens of milliseconds.
pub const DEFAULT_MAX_DIGITS: u32 = 2000;

impl Default for Knobs {
    /// The `renorm check` command-line defaults: 50 digits, 8 points, the CLI's fixed seed,
    /// scales over `10^−30 … 10^30`, at most 2000 digits per point.
    fn default() -> Self {
        Knobs {
            digits: 50,
            points: 8,
            seed: 0x5eed_2e40_0000_0001,
            scale: ScaleDomain::default(),
            max_digits: DEFAULT_MAX_DIGITS,
        }
    }
}

/// Evidence common to every check: the two witnesses' answers and the docs/theory.md §4 status
/// that [`crosscheck::combine_status`] derives from them (the same rule as for identities).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evidence {
    /// docs/theory.md §4 status.
    pub status: Status,
    /// What the symbolic engine said.
    pub symbolic: SymbolicEvidence,
    /// What the numeric path found (flattened into this object in JSON).
    #[serde(flatten)]
    pub numeric: NumericEvidence,
    /// The engine reduced the residual to 0 but the numeric path certified a nonzero value: the
    /// engine is wrong (docs/theory.md §4 `engine_disagreement`), and the status follows the
    /// certificate (`refuted`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub engine_disagreement: bool,
}

/// Result of the continuous log-shift check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogShift {
    /// Evidence.
    pub evidence: Evidence,
    /// The degree `b` as a formula (engine), when it is free of the spectral variables.
    pub degree: Option<String>,
    /// The degree as an exact rational, when it is a constant.
    pub degree_exact: Option<String>,
    /// The numeric degree at the first sampled point (decimal), and its nearest small rational.
    pub degree_numeric: Option<String>,
    /// Whether the degree depends on time.
    pub degree_depends_on_time: Option<bool>,
    #[serde(skip)]
    pub(crate) degree_expr: Option<Expr>,
}

/// Result of the discrete (log-periodic) check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Discrete {
    /// Evidence for covariance under shifts by `h`.
    pub evidence: Evidence,
    /// The period `h` (formula), if one was found.
    pub period: Option<String>,
    /// Decimal value of the period.
    pub period_value: Option<String>,
    /// Candidate periods that were tried.
    pub candidates: Vec<String>,
    /// Certified failure at the irrational multiple `√2·h` (what makes it discrete-only).
    pub irrational_shift_witness: Option<Witness>,
    /// The field has periodic functions of the spectral variables, but finding their periods
    /// needs the symbolic engine, which was off: that no period was found proves nothing.
    #[serde(skip)]
    pub(crate) search_skipped: bool,
}

/// Result of the time-rescaling check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TimeRescaling {
    /// Evidence.
    pub evidence: Evidence,
    /// The weight checked.
    pub weight: String,
}

/// Everything the checks need about the field.
pub(crate) struct Field<'a> {
    pub spec: &'a Spec,
    pub f: Expr,
    pub assumptions: Assumptions,
}

impl<'a> Field<'a> {
    pub(crate) fn new(spec: &'a Spec) -> Field<'a> {
        let f = spec.instantiated();
        let mut positive: Vec<String> = spec.spectral.clone();
        positive.extend(spec.time.clone());
        positive.extend(
            spec.free_params()
                .into_iter()
                .filter(|(_, lo, _)| *lo > 0)
                .map(|(n, _, _)| n),
        );
        Field {
            spec,
            f,
            assumptions: Assumptions::positive(positive),
        }
    }

    /// A context: time and free parameters, sampled.
    fn context(&self, sampler: &mut PointSampler, knobs: &Knobs) -> Assignment {
        let mut at = Assignment::new();
        if let Some(t) = &self.spec.time {
            at.insert(t.clone(), knobs.scale.sample(sampler));
        }
        for (name, lo, hi) in self.spec.free_params() {
            at.insert(name, sampler.uniform(&lo, &hi, 12));
        }
        at
    }

    fn spectral_point(&self, sampler: &mut PointSampler, knobs: &Knobs, suffix: &str, at: &mut Assignment) {
        for s in &self.spec.spectral {
            at.insert(format!("{s}{suffix}"), knobs.scale.sample(sampler));
        }
    }

    /// `F` with every spectral variable renamed with `suffix` and multiplied by `factor`.
    fn shifted(&self, suffix: &str, factor: Option<&Expr>) -> Expr {
        self.f.map_vars(&mut |v| {
            if self.spec.spectral.iter().any(|s| s == v) {
                let renamed = Expr::var(&format!("{v}{suffix}"));
                Some(match factor {
                    Some(k) => k.clone().mul(renamed),
                    None => renamed,
                })
            } else {
                None
            }
        })
    }

    fn euler_seeds(
        &self,
        at: &Assignment,
        suffix: &str,
        time_sign: Option<i32>,
    ) -> BTreeMap<String, Rational> {
        let mut seeds = BTreeMap::new();
        for s in &self.spec.spectral {
            let name = format!("{s}{suffix}");
            if let Some(v) = at.get(&name) {
                seeds.insert(name, v.clone());
            }
        }
        if let (Some(sign), Some(t)) = (time_sign, &self.spec.time)
            && let Some(v) = at.get(t)
        {
            seeds.insert(t.clone(), Rational::from(v * sign));
        }
        seeds
    }
}

/// The working precision of a point that needs `extra` digits beyond the requested ones.
fn prec(knobs: &Knobs, extra: u32) -> Precision {
    Precision::from_digits(knobs.digits.saturating_add(extra)).with_guard_bits(64)
}

/// The digits a comparison at a point needing `extra` digits must agree to.
fn required(knobs: &Knobs, extra: u32) -> u32 {
    knobs.digits.saturating_add(extra)
}

/// The precision rule at a point where `exprs` are compared, recorded in the evidence: `None`
/// when the point is undefined, else the extra digits and whether every summand resolved within
/// the cap (an unresolved point is still tried for a certificate at the cap, never for
/// agreement).
fn point_precision(
    ev: &mut Evidence,
    exprs: &[&Expr],
    at: &Assignment,
    knobs: &Knobs,
) -> Option<(u32, bool)> {
    match resolve_all(exprs, at, knobs.digits, knobs.max_digits) {
        Ok(Resolution::Resolved { extra_digits }) => {
            note_precision(ev, knobs, extra_digits);
            Some((extra_digits, true))
        }
        Ok(Resolution::BeyondCap { needed_digits, part }) => {
            note_unresolved(
                ev,
                format!(
                    "{part} (needs at least {needed_digits} digits, cap {})",
                    knobs.max_digits
                ),
            );
            Some((cap_extra(knobs), false))
        }
        Err(e) => {
            note_undefined(ev, e.to_string());
            None
        }
    }
}

/// Records a point the precision rule could not resolve.
fn note_unresolved(ev: &mut Evidence, why: String) {
    let n = &mut ev.numeric;
    n.points_unresolved += 1;
    if n.undefined_reasons.len() < 3 && !n.undefined_reasons.contains(&why) {
        n.undefined_reasons.push(why);
    }
}

/// Records an undefined point.
fn note_undefined(ev: &mut Evidence, why: String) {
    let n = &mut ev.numeric;
    n.points_undefined += 1;
    if n.undefined_reasons.len() < 3 && !n.undefined_reasons.contains(&why) {
        n.undefined_reasons.push(why);
    }
}

/// Records the precision a point was evaluated at.
fn note_precision(ev: &mut Evidence, knobs: &Knobs, extra: u32) {
    let n = &mut ev.numeric;
    n.extra_digits_max = n.extra_digits_max.max(extra);
    n.precision_bits = n.precision_bits.max(prec(knobs, extra).bits());
}

/// The extra digits of a point whose summands are beyond the cap: certification is still tried
/// at the cap (a certificate is a certificate), agreement is never claimed.
fn cap_extra(knobs: &Knobs) -> u32 {
    knobs.max_digits.saturating_sub(knobs.digits)
}

/// Adds a witness coordinate that is not a variable of the field (the shift `sigma`, the factor
/// `kappa`, …) under an ASCII key (the JSON contract), primed until it names no variable of
/// the point, so it never overwrites one.
pub(crate) fn insert_coordinate(point: &mut BTreeMap<String, String>, base: &str, value: String) {
    let mut key = base.to_string();
    while point.contains_key(&key) {
        key.push('\'');
    }
    point.insert(key, value);
}

fn point_strings(at: &Assignment) -> BTreeMap<String, String> {
    at.iter().map(|(k, v)| (k.clone(), v.to_string())).collect()
}

/// An enclosure of `residual` at `at` that excludes 0, tried at growing precision from that of a
/// point needing `extra` digits.
fn certify(residual: &Expr, at: &Assignment, knobs: &Knobs, extra: u32, describe: &str) -> Option<Witness> {
    let base = prec(knobs, extra).bits();
    for bits in [base, base * 2, base * 4] {
        if let Ok(iv) = eval_interval(residual, at, Precision::from_bits(bits))
            && iv.excludes_zero()
        {
            return Some(Witness::from_enclosure(
                at,
                describe,
                &iv.lo,
                &iv.hi,
                WitnessMethod::Interval,
            ));
        }
    }
    None
}

fn euler_ratio(field: &Field, at: &Assignment, suffix: &str, precision: Precision) -> Option<Float> {
    let expr = if suffix.is_empty() {
        field.f.clone()
    } else {
        field.shifted(suffix, None)
    };
    let d = eval_dual(&expr, at, &field.euler_seeds(at, suffix, None), precision).ok()?;
    if d.value.is_zero() {
        return None;
    }
    Some(d.deriv / d.value)
}

fn new_evidence(knobs: &Knobs, verdict: SymbolicVerdict, note: String) -> Evidence {
    Evidence {
        status: Status::Undetermined,
        engine_disagreement: false,
        symbolic: SymbolicEvidence {
            note: Some(note),
            ..SymbolicEvidence::new(verdict)
        },
        numeric: NumericEvidence::new(
            knobs.points,
            knobs.digits,
            knobs.max_digits,
            prec(knobs, 0).bits(),
        ),
    }
}

fn note_agreement(ev: &mut Evidence, digits: u32) {
    let n = &mut ev.numeric;
    n.points_agreeing += 1;
    n.digits_confirmed = Some(n.digits_confirmed.map_or(digits, |d| d.min(digits)));
}

/// Appends to the engine's note.
fn note(ev: &mut Evidence, text: &str) {
    ev.symbolic.note.get_or_insert_with(String::new).push_str(text);
}

/// The engine's verdict from a zero test (errors keep their message).
fn zero_verdict(test: &Result<ZeroTest, symbolic::EngineError>) -> SymbolicVerdict {
    match test {
        Ok(ZeroTest::Zero) => SymbolicVerdict::Zero,
        Ok(ZeroTest::NonZero(_)) => SymbolicVerdict::Nonzero,
        Err(e) => failure_verdict(e),
    }
}

/// An engine that is switched off was not consulted; any other error is a failure.
fn failure_verdict(e: &symbolic::EngineError) -> SymbolicVerdict {
    match e {
        symbolic::EngineError::Disabled => SymbolicVerdict::Skipped,
        _ => SymbolicVerdict::Failed,
    }
}

/// docs/theory.md §4 status from the evidence, by the rule shared with identities — except that a
/// certified witness decides a covariance check even against an engine that said zero: the
/// enclosure is a proof of failure by itself, so the status is `refuted` and the disagreement
/// is recorded next to it (never an `undetermined` verdict when a certificate exists).
fn combine(ev: &mut Evidence) {
    let status = crosscheck::combine_status(ev.symbolic.says_zero(), &ev.numeric);
    if status == Status::EngineDisagreement {
        ev.engine_disagreement = true;
        ev.status = Status::Refuted;
        note(
            ev,
            "; engine_disagreement: the engine's zero is contradicted by the certified witness",
        );
    } else {
        ev.status = status;
    }
}

/// How an engine error reads in the evidence: an engine switched off is a choice, not a failure.
fn engine_failure(e: &symbolic::EngineError) -> String {
    match e {
        symbolic::EngineError::Disabled => "skipped (symbolic engine off)".into(),
        e => format!("engine failed: {e}"),
    }
}

/// `Σ λ_i ∂F/∂λ_i` computed by the engine (with `time_sign`, also `± t ∂F/∂t`).
fn engine_euler(field: &Field, time_sign: Option<i64>) -> Result<Expr, symbolic::EngineError> {
    let mut total: Option<Expr> = None;
    let mut add = |term: Expr| {
        total = Some(match total.take() {
            None => term,
            Some(acc) => acc.add(term),
        });
    };
    for s in &field.spec.spectral {
        add(Expr::var(s).mul(symbolic::derivative(&field.f, s, &field.assumptions)?));
    }
    if let (Some(sign), Some(t)) = (time_sign, &field.spec.time) {
        add(Expr::int(sign)
            .mul(Expr::var(t))
            .mul(symbolic::derivative(&field.f, t, &field.assumptions)?));
    }
    Ok(total.unwrap_or_else(|| Expr::int(0)))
}

/// Digits of agreement of two degrees (dimensionless, typically of order one, possibly zero):
/// measured against `max(1, |a|, |b|)`.
fn degree_digits(a: &Float, b: &Float) -> u32 {
    let mut scale = Float::with_val(a.prec(), 1);
    for x in [a, b] {
        if x.cmp_abs(&scale) == Some(std::cmp::Ordering::Greater) {
            scale = Float::with_val(a.prec(), x.abs_ref());
        }
    }
    digits_of_agreement_at_scale(a, b, &scale)
}

fn nearest_small_rational(x: &Float, digits: u32) -> Option<Rational> {
    // Five digits of slack: the measured ratio carries the rounding of the dual evaluation.
    let exponent = -i32::try_from(digits.saturating_sub(5)).unwrap_or(i32::MAX);
    let tolerance = Float::with_val(x.prec(), 10).pow(exponent);
    for q in 1u32..=1000 {
        let scaled = Float::with_val(x.prec(), x * q);
        let p = scaled.to_integer()?;
        let candidate = Rational::from((p, q));
        let diff = Float::with_val(x.prec(), x - &candidate).abs();
        if diff < tolerance {
            return Some(candidate);
        }
    }
    None
}

/// Continuous log-shift covariance (H1).
pub(crate) fn log_shift(field: &Field, knobs: &Knobs) -> LogShift {
    if let Some(exact) = super::exact::log_shift(field, knobs) {
        return exact;
    }
    let spectral = &field.spec.spectral;
    // Symbolic proposal for the degree: b = (Σ λ ∂F/∂λ) / F, normalized.
    let mut symbolic_note;
    let mut sym_verdict = SymbolicVerdict::Failed;
    let mut degree_expr: Option<Expr> = None;
    let mut engine_operator: Option<Expr> = None;
    match engine_euler(field, None).and_then(|e| {
        let ratio = symbolic::normalize(&e.clone().div(field.f.clone()), &field.assumptions)?;
        Ok((e, ratio))
    }) {
        Ok((euler, ratio)) => {
            engine_operator = Some(euler.clone());
            if spectral.iter().any(|s| ratio.mentions(s)) {
                sym_verdict = SymbolicVerdict::Nonzero;
                symbolic_note = format!("Σλ∂F/∂λ / F = {ratio} depends on the spectral variables");
            } else {
                symbolic_note = format!("Σλ∂F/∂λ / F = {ratio}");
                let residual = euler.sub(ratio.clone().mul(field.f.clone()));
                let test = symbolic::is_zero(&residual, &field.assumptions);
                sym_verdict = zero_verdict(&test);
                match test {
                    Ok(ZeroTest::Zero) => symbolic_note += "; Σλ∂F/∂λ − b F reduces to 0",
                    Ok(ZeroTest::NonZero(nf)) => {
                        symbolic_note += &format!("; Σλ∂F/∂λ − b F normalizes to {nf}")
                    }
                    Err(e) => symbolic_note += &format!("; zero test failed: {e}"),
                }
                degree_expr = Some(ratio);
            }
        }
        Err(e) => symbolic_note = engine_failure(&e),
    }

    let mut ev = new_evidence(knobs, sym_verdict, symbolic_note.clone());
    let mut sampler = PointSampler::new(knobs.seed);
    // The first agreeing ratio and the digits its point required: a degree read off it must
    // match to those digits, not merely to the requested ones (λ^(2 + 10⁻¹⁰⁰) has degree
    // 2 + 10⁻¹⁰⁰, not 2).
    let mut first_ratio: Option<Float> = None;
    let mut first_need = knobs.digits;
    let mut ratio_varies_with_context = false;
    let sigma = Expr::rational(&Rational::from((1, 2)));
    let e_sigma = sigma.clone().call(Func::Exp);
    // Every factor of the shift residuals: the precision rule resolves each summand of F at both
    // points and at both shifted points.
    let cross_a = field.shifted("", Some(&e_sigma)).mul(field.shifted("'", None));
    let cross_b = field.shifted("'", Some(&e_sigma)).mul(field.shifted("", None));
    for _ in 0..knobs.points.saturating_mul(4).max(1) {
        if ev.numeric.points_agreeing >= knobs.points || ev.numeric.witness.is_some() {
            break;
        }
        let mut at = field.context(&mut sampler, knobs);
        field.spectral_point(&mut sampler, knobs, "", &mut at);
        field.spectral_point(&mut sampler, knobs, "'", &mut at);
        let Some((extra, resolved)) = point_precision(&mut ev, &[&cross_a, &cross_b], &at, knobs) else {
            continue;
        };
        let precision = prec(knobs, extra);
        let need = required(knobs, extra);
        if resolved {
            let (Some(ra), Some(rb)) = (
                euler_ratio(field, &at, "", precision),
                euler_ratio(field, &at, "'", precision),
            ) else {
                note_undefined(&mut ev, "F or its Euler ratio undefined at a sampled pair".into());
                continue;
            };
            let agree_pair = degree_digits(&ra, &rb);
            // The engine's degree, evaluated on our numeric path, must match the measured ratio.
            let agree_engine = match &degree_expr {
                Some(b) => match eval_float(b, &at, precision) {
                    Ok(bv) => degree_digits(&ra, &bv),
                    Err(_) => 0,
                },
                None => agree_pair,
            };
            if agree_pair >= need && agree_engine >= need {
                let agreed = agree_pair.min(agree_engine).min(precision.digits());
                note_agreement(&mut ev, agreed.saturating_sub(extra));
                if first_ratio
                    .as_ref()
                    .is_some_and(|r| degree_digits(r, &ra) < need.min(first_need))
                {
                    ratio_varies_with_context = true;
                }
                if first_ratio.is_none() {
                    first_ratio = Some(ra);
                    first_need = need;
                }
                continue;
            }
        }
        // Certify: either the ratio varies with λ (no degree at all) or the engine's b is wrong.
        // A log-periodic field is exactly invariant under shifts by multiples of its period, so
        // one shift can miss: the second shift, by ln(3/2), is incommensurate with the first
        // (ln(3/2)/(1/2) is irrational), so no period divides both.
        for (factor, power, key, value, shown) in [
            (e_sigma.clone(), None, "sigma", "1/2", "σ = 1/2"),
            (
                Expr::rational(&Rational::from((3, 2))),
                Some(Expr::rational(&Rational::from((3, 2)))),
                "exp_sigma",
                "3/2",
                "e^σ = 3/2",
            ),
        ] {
            if ev.numeric.witness.is_some() {
                break;
            }
            let cross = field
                .shifted("", Some(&factor))
                .mul(field.shifted("'", None))
                .sub(field.shifted("'", Some(&factor)).mul(field.shifted("", None)));
            let mut witness_at: BTreeMap<String, String> = point_strings(&at);
            insert_coordinate(&mut witness_at, key, value.into());
            ev.numeric.witness = certify(
                &cross,
                &at,
                knobs,
                extra,
                &format!("F(e^σ λ)·F(λ') − F(e^σ λ')·F(λ), {shown}"),
            )
            .map(|mut w| {
                w.point = witness_at.clone();
                w
            })
            .or_else(|| {
                let b = degree_expr.as_ref()?;
                let scale = match &power {
                    None => b.clone().mul(sigma.clone()).call(Func::Exp),
                    Some(k) => k.clone().pow(b.clone()),
                };
                let residual = field
                    .shifted("", Some(&factor))
                    .sub(scale.mul(field.shifted("", None)));
                certify(
                    &residual,
                    &at,
                    knobs,
                    extra,
                    &format!("F(e^σ λ) − e^(b σ) F(λ) with the engine's b, {shown}"),
                )
                .map(|mut w| {
                    w.point = witness_at.clone();
                    w
                })
            });
        }
        if resolved && ev.numeric.witness.is_none() {
            ev.numeric.points_uncertified += 1;
        }
    }
    // The engine may fail to cancel its ratio (e.g. with half-integer powers) even though the
    // numeric ratio is a constant. Recover the constant as a small rational from the numerics
    // and let the engine test that candidate directly.
    if degree_expr.is_none()
        && ev.numeric.witness.is_none()
        && ev.numeric.points_agreeing >= knobs.points
        && !ratio_varies_with_context
        && let Some(q) = first_ratio
            .as_ref()
            .and_then(|r| nearest_small_rational(r, first_need))
    {
        let candidate = Expr::rational(&q);
        note(&mut ev, &format!("; numeric ratio is the constant {q}"));
        if let Some(euler) = &engine_operator {
            let test = symbolic::is_zero(
                &euler.clone().sub(candidate.clone().mul(field.f.clone())),
                &field.assumptions,
            );
            ev.symbolic.verdict = zero_verdict(&test);
            match test {
                Ok(ZeroTest::Zero) => note(&mut ev, &format!("; Σλ∂F/∂λ − ({q}) F reduces to 0")),
                Ok(ZeroTest::NonZero(_)) => {
                    note(&mut ev, &format!("; the engine cannot reduce Σλ∂F/∂λ − ({q}) F"))
                }
                Err(e) => note(&mut ev, &format!("; zero test failed: {e}")),
            }
        }
        degree_expr = Some(candidate);
    }
    combine(&mut ev);

    let holds = ev.status.holds();
    let degree_exact = degree_expr
        .as_ref()
        .filter(|_| holds)
        .and_then(|b| eval_exact(b, &Assignment::new()));
    let degree_numeric = first_ratio.filter(|_| holds).map(|r| {
        let shown = r.to_string_radix(10, Some(20.min(knobs.digits as usize).max(2)));
        match nearest_small_rational(&r, first_need) {
            Some(q) => format!("{shown} (= {q} to {first_need} digits)"),
            None => shown,
        }
    });
    let degree_depends_on_time = degree_expr
        .as_ref()
        .filter(|_| holds)
        .map(|b| field.spec.time.as_ref().is_some_and(|t| b.mentions(t)));
    LogShift {
        evidence: ev,
        degree: degree_expr.as_ref().filter(|_| holds).map(|b| b.to_string()),
        degree_exact: degree_exact.map(|q| q.to_string()),
        degree_numeric,
        degree_depends_on_time,
        degree_expr: degree_expr.filter(|_| holds),
    }
}

/// Time-rescaling covariance (H2) of the spec's weight.
pub(crate) fn time_rescaling(field: &Field, knobs: &Knobs) -> TimeRescaling {
    if let Some(exact) = super::exact::time_rescaling(field, knobs) {
        return exact;
    }
    let w = field.spec.weight.clone();
    let w_expr = Expr::rational(&w);
    let (sym_verdict, symbolic_note) = match engine_euler(field, Some(-1)) {
        Ok(op) => {
            let residual = op.sub(w_expr.clone().mul(field.f.clone()));
            let test = symbolic::is_zero(&residual, &field.assumptions);
            let verdict = zero_verdict(&test);
            let note = match test {
                Ok(ZeroTest::Zero) => "Σλ∂F/∂λ − t∂F/∂t − w F reduces to 0".to_string(),
                Ok(ZeroTest::NonZero(nf)) => format!("Σλ∂F/∂λ − t∂F/∂t − w F normalizes to {nf}"),
                Err(e) => format!("zero test failed: {e}"),
            };
            (verdict, note)
        }
        Err(e) => (failure_verdict(&e), engine_failure(&e)),
    };
    let mut ev = new_evidence(knobs, sym_verdict, symbolic_note);
    let mut sampler = PointSampler::new(knobs.seed ^ 0x2);
    let rescaled: Vec<(Rational, Expr)> = [Rational::from(2), Rational::from((1, 2)), Rational::from((3, 2))]
        .into_iter()
        .map(|kappa| {
            let k = Expr::rational(&kappa);
            let scaled = field.f.map_vars(&mut |v| {
                if field.spec.spectral.iter().any(|s| s == v) {
                    Some(k.clone().mul(Expr::var(v)))
                } else if field.spec.time.as_deref() == Some(v) {
                    Some(Expr::var(v).div(k.clone()))
                } else {
                    None
                }
            });
            (kappa, scaled)
        })
        .collect();
    let mut resolved_exprs: Vec<&Expr> = vec![&field.f];
    resolved_exprs.extend(rescaled.iter().map(|(_, e)| e));
    for _ in 0..knobs.points.saturating_mul(4).max(1) {
        if ev.numeric.points_agreeing >= knobs.points || ev.numeric.witness.is_some() {
            break;
        }
        let mut at = field.context(&mut sampler, knobs);
        field.spectral_point(&mut sampler, knobs, "", &mut at);
        let Some((extra, resolved)) = point_precision(&mut ev, &resolved_exprs, &at, knobs) else {
            continue;
        };
        if resolved {
            let precision = prec(knobs, extra);
            let Ok(d) = eval_dual(&field.f, &at, &field.euler_seeds(&at, "", Some(-1)), precision) else {
                note_undefined(&mut ev, "F or its derivative undefined at a sampled point".into());
                continue;
            };
            let expected = Float::with_val(d.value.prec(), &d.value * &w);
            // Both sides scale like |F|·max(1, |w|); either may vanish exactly (weight 0).
            let mut scale = Float::with_val(d.value.prec(), d.value.abs_ref());
            if w.clone().abs() > 1 {
                scale *= Float::with_val(d.value.prec(), w.clone().abs());
            }
            let agreed = digits_of_agreement_at_scale(&d.deriv, &expected, &scale);
            if agreed >= required(knobs, extra) {
                note_agreement(&mut ev, agreed.min(precision.digits()).saturating_sub(extra));
                continue;
            }
        }
        for (kappa, scaled) in &rescaled {
            let k = Expr::rational(kappa);
            let residual = scaled.clone().sub(k.pow(w_expr.clone()).mul(field.f.clone()));
            if let Some(mut wit) = certify(&residual, &at, knobs, extra, "F(κλ, t/κ) − κ^w F(λ, t)") {
                insert_coordinate(&mut wit.point, "kappa", kappa.to_string());
                ev.numeric.witness = Some(wit);
                break;
            }
        }
        if resolved && ev.numeric.witness.is_none() {
            ev.numeric.points_uncertified += 1;
        }
    }
    combine(&mut ev);
    TimeRescaling {
        evidence: ev,
        weight: w.to_string(),
    }
}

/// Candidate angular frequencies `ω` (per unit `ln λ`) of periodic functions of the spectral
/// scale, with the period factor (2π for sin/cos, π for tan).
fn frequency_candidates(field: &Field, knobs: &Knobs) -> Vec<(Expr, Expr)> {
    let mut calls = Vec::new();
    field.f.visit(&mut |e| {
        if let Expr::Call(func @ (Func::Sin | Func::Cos | Func::Tan), arg) = e
            && field.spec.spectral.iter().any(|s| arg.mentions(s))
        {
            calls.push((*func, (**arg).clone()));
        }
    });
    let mut out = Vec::new();
    for (func, arg) in calls {
        // ω = Σ λ_i ∂(arg)/∂λ_i must be a constant for the argument to be linear in ln λ.
        let Ok(omega) = engine_euler(
            &Field {
                spec: field.spec,
                f: arg.clone(),
                assumptions: field.assumptions.clone(),
            },
            None,
        )
        .and_then(|e| symbolic::normalize(&e, &field.assumptions)) else {
            continue;
        };
        if !omega.variables().is_empty() {
            continue;
        }
        // The period is 2π/|ω|; fix the sign here so the engine can simplify the quotient.
        let omega = match eval_float(&omega, &Assignment::new(), prec(knobs, 0)) {
            Ok(v) if v.is_sign_negative() => -omega,
            Ok(v) if !v.is_zero() => omega,
            _ => continue,
        };
        let half_turns = if func == Func::Tan {
            Expr::Pi
        } else {
            Expr::int(2).mul(Expr::Pi)
        };
        out.push((omega, half_turns));
    }
    out
}

/// Discrete (log-periodic) covariance: only meaningful when H1 is not established.
pub(crate) fn discrete(field: &Field, knobs: &Knobs) -> Discrete {
    let mut candidates: Vec<Expr> = Vec::new();
    for (omega, turn) in frequency_candidates(field, knobs) {
        let h = turn.div(omega);
        let h = symbolic::normalize(&h, &Assumptions::none()).unwrap_or(h);
        if !candidates.contains(&h) {
            candidates.push(h);
        }
    }
    // Several frequencies: their periods must share a common multiple; try small multiples.
    let mut tried: Vec<Expr> = candidates.clone();
    if candidates.len() > 1 {
        for m in 2..=6 {
            for h in &candidates {
                tried.push(Expr::int(m).mul(h.clone()));
            }
        }
    }
    let mut result = Discrete {
        evidence: new_evidence(
            knobs,
            SymbolicVerdict::Skipped,
            "period candidates from periodic functions of ln λ".into(),
        ),
        period: None,
        period_value: None,
        candidates: candidates.iter().map(|c| c.to_string()).collect(),
        irrational_shift_witness: None,
        search_skipped: false,
    };
    if candidates.is_empty() {
        let mut periodic = false;
        field.f.visit(&mut |e| {
            periodic |= matches!(e, Expr::Call(Func::Sin | Func::Cos | Func::Tan, arg)
                if field.spec.spectral.iter().any(|s| arg.mentions(s)));
        });
        result.search_skipped = periodic && symbolic::engine_mode() == symbolic::EngineMode::Off;
        result.evidence.symbolic.note = Some(if result.search_skipped {
            "no candidate period: finding one needs the symbolic engine, which is off".into()
        } else {
            "no periodic function of ln λ found; no candidate period".into()
        });
        return result;
    }
    for h in tried {
        let ev = shift_covariance(field, knobs, &h);
        if ev.status.holds() {
            // A candidate from `sin(ω ln λ)` can be a multiple of the true period (`sin²` halves
            // it): report the smallest period found among the divisors of h.
            let (h, mut ev, divisors) = smallest_period(field, knobs, h, ev);
            note(&mut ev, &format!("; {divisors}"));
            // Discrete-only needs a certified failure at an irrational multiple of h.
            let irrational = Expr::int(2).call(Func::Sqrt).mul(h.clone());
            let irr = shift_covariance(field, knobs, &irrational);
            result.period_value = eval_float(&h, &Assignment::new(), Precision::from_digits(30))
                .ok()
                .map(|v| v.to_string_radix(10, Some(20)));
            result.period = Some(h.to_string());
            result.irrational_shift_witness = irr.numeric.witness;
            result.evidence = ev;
            return result;
        }
        if result.evidence.numeric.witness.is_none() {
            result.evidence = ev;
        }
    }
    result
}

/// Whether `F(e^h λ)·F(λ') = F(e^h λ')·F(λ)` (covariance under the single shift `h`).
fn shift_covariance(field: &Field, knobs: &Knobs, h: &Expr) -> Evidence {
    let factor = h.clone().call(Func::Exp);
    let cross_a = field.shifted("", Some(&factor)).mul(field.shifted("'", None));
    let cross_b = field.shifted("'", Some(&factor)).mul(field.shifted("", None));
    // Shifts by a transcendental h are beyond the engine; the status rests on numerics.
    let mut ev = new_evidence(
        knobs,
        SymbolicVerdict::Skipped,
        format!("numeric test of the shift h = {h}"),
    );
    let mut sampler = PointSampler::new(knobs.seed ^ 0x3);
    for _ in 0..knobs.points.saturating_mul(4).max(1) {
        if ev.numeric.points_agreeing >= knobs.points || ev.numeric.witness.is_some() {
            break;
        }
        let mut at = field.context(&mut sampler, knobs);
        field.spectral_point(&mut sampler, knobs, "", &mut at);
        field.spectral_point(&mut sampler, knobs, "'", &mut at);
        let Some((extra, resolved)) = point_precision(&mut ev, &[&cross_a, &cross_b], &at, knobs) else {
            continue;
        };
        if resolved {
            let precision = prec(knobs, extra);
            let (Ok(a), Ok(b)) = (
                eval_float(&cross_a, &at, precision),
                eval_float(&cross_b, &at, precision),
            ) else {
                note_undefined(&mut ev, "F undefined at a shifted point".into());
                continue;
            };
            let agreed = digits_of_agreement(&a, &b);
            if agreed >= required(knobs, extra) {
                note_agreement(&mut ev, agreed.min(precision.digits()).saturating_sub(extra));
                continue;
            }
        }
        ev.numeric.witness = certify(
            &cross_a.clone().sub(cross_b.clone()),
            &at,
            knobs,
            extra,
            &format!("F(e^h λ)·F(λ') − F(e^h λ')·F(λ), h = {h}"),
        );
        if resolved && ev.numeric.witness.is_none() {
            ev.numeric.points_uncertified += 1;
        }
    }
    combine(&mut ev);
    ev
}

/// Divisors tried below a period that holds: `h/m` for `m = 2..=6`.
const PERIOD_DIVISORS: std::ops::RangeInclusive<i64> = 2..=6;

/// Rounds of division in [`smallest_period`] (each divides the period by at least 2).
const MAX_PERIOD_ROUNDS: usize = 4;

/// The smallest period among the repeated divisors of a period `h` that holds (with evidence
/// `ev`): while some `h/m` (`m` in [`PERIOD_DIVISORS`]) is a period too, the largest such `m`
/// replaces `h` by `h/m` and the search goes on from there. Returns the period, its evidence and
/// a sentence saying which divisors were tried. A true period `h/N` is found when `N` has no
/// prime factor above 5.
fn smallest_period(field: &Field, knobs: &Knobs, h: Expr, ev: Evidence) -> (Expr, Evidence, String) {
    let (mut h, mut ev) = (h, ev);
    let mut tried: Vec<String> = Vec::new();
    let mut failed: Vec<Expr> = Vec::new();
    // A field covariant under every shift (continuous covariance H1 failed to establish) would
    // divide forever: a few rounds reach any period a formula plausibly has.
    for _ in 0..MAX_PERIOD_ROUNDS {
        let mut smaller: Option<(Expr, Evidence)> = None;
        for m in PERIOD_DIVISORS {
            let divided = h.clone().div(Expr::int(m));
            let divided = symbolic::normalize(&divided, &Assumptions::none()).unwrap_or(divided);
            // h/4 of one round is (h/2)/2 of the next: a shift that failed once is not retried.
            if failed.contains(&divided) {
                continue;
            }
            let candidate = shift_covariance(field, knobs, &divided);
            if !candidate.status.holds() {
                failed.push(divided.clone());
            }
            tried.push(format!("{divided} ({})", candidate.status));
            // The largest m that holds gives the smallest period of this round.
            if candidate.status.holds() {
                smaller = Some((divided, candidate));
            }
        }
        match smaller {
            Some((divided, candidate)) => (h, ev) = (divided, candidate),
            None => break,
        }
    }
    let sentence = format!(
        "smallest period: h/m for m = {}..={} tried, repeatedly from each period that held: {}; smallest that holds: {h}",
        PERIOD_DIVISORS.start(),
        PERIOD_DIVISORS.end(),
        tried.join(", ")
    );
    (h, ev, sentence)
}
