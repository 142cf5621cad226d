//! A testing kit for property-based test suites that use `renorm` (feature `testing`).
//!
//! * [`strategies`] — `proptest` strategies that generate fields **with known answers**:
//!   power laws of a given weight, weak power laws, scaling forms, log-periodic fields,
//!   two-power sums, Toeplitz couplings and power-law spectra. Each value is a [`KnownField`]
//!   whose expected verdict class, degree, weight and covariance follow from how it was built
//!   (docs/theory.md §2.4–2.7), never from running `renorm`.
//! * Assertion helpers — [`assert_power_law`], [`assert_not_power_law`], [`assert_class`],
//!   [`assert_known`], [`assert_identity_holds`], [`assert_identity_refuted`]. On failure they
//!   panic with the whole evidence: the verdict and its explanation, each check's status, and
//!   every certified witness (point and outward-rounded enclosure).
//!
//! ```rust
//! use proptest::prelude::*;
//! use renorm::testing::{self, strategies};
//!
//! proptest! {
//!     #![proptest_config(ProptestConfig::with_cases(2))]
//!     fn generated_power_laws_are_recognised(known in strategies::power_law(2)) {
//!         testing::assert_known(&known);
//!     }
//! }
//! # generated_power_laws_are_recognised();
//!
//! let field = renorm::Field::velocity("lam^(3/2)*t^(-1/2)").spectral(["lam"]).time("t");
//! testing::assert_power_law(&field, "3/2", 2);
//! testing::assert_identity_holds("cosh(x)^2 - sinh(x)^2", "1");
//! ```
//!
//! All checks of one test process share its single symbolic-engine thread, so tests running on
//! parallel threads are served one request at a time; without a Symbolica licence only one
//! process using the engine may run at a time (see the README).

pub mod strategies;

use crate::api::{Field, class_of};
use crate::check::{self, CheckReport, Knobs};
use crate::crosscheck::{Outcome, Status, parse_rational};
use std::fmt::Display;

pub use crate::check::{LogShiftKind, VerdictClass};
pub use rug::Rational;
pub use strategies::{Family, KnownField};

/// Verdict class of a field that Theorem 1 forces into `C λ^b t^(b−w)`.
pub const POWER_LAW: VerdictClass = VerdictClass::PowerLaw;
/// Verdict class of a field that is a power law in `λ` at each time only (H1 without H2).
pub const POWER_LAW_IN_SPECTRUM: VerdictClass = VerdictClass::PowerLawInSpectrum;
/// Verdict class of a field covariant only under discrete log-shifts.
pub const LOG_PERIODIC: VerdictClass = VerdictClass::LogPeriodic;
/// Verdict class of a field whose log-shift covariance is refuted by a certified witness.
pub const NOT_POWER_LAW: VerdictClass = VerdictClass::NotPowerLaw;
/// Verdict class when log-shift covariance could be neither established nor refuted.
pub const UNDETERMINED: VerdictClass = VerdictClass::Undetermined;

/// The knobs every helper of the kit checks with: the command-line defaults ([`Knobs::default`]).
pub fn knobs() -> Knobs {
    Knobs::default()
}

/// Checks `field` with [`knobs`], panicking (with the error) if the field itself is invalid.
fn run(field: &Field) -> CheckReport {
    match field.check_with(&knobs()) {
        Ok(report) => report,
        Err(e) => raise(format!(
            "renorm::testing: the field `{}` is not valid input:\n{e}",
            field.formula()
        )),
    }
}

/// The full evidence of a report as text: input as parsed, both checks with their statuses and
/// witnesses (points and enclosures), the verdict with its explanation, the confirmation.
pub fn evidence(report: &CheckReport) -> String {
    check::render(std::slice::from_ref(report), check::render::Format::Text)
        .unwrap_or_else(|e| format!("(the report could not be rendered: {e})"))
}

fn fail(report: &CheckReport, what: String) -> ! {
    raise(format!(
        "renorm::testing: {what}\nverdict: {} — {}\n{}",
        class_of(report),
        report.verdict.explanation,
        evidence(report)
    ))
}

/// How every helper of the kit reports a failed assertion: a panic, as `assert!` does.
fn raise(message: String) -> ! {
    panic!("{message}") // invariant: an assertion helper fails by panicking, like assert!
}

fn exact(value: &dyn Display, what: &str) -> Rational {
    let text = value.to_string();
    match parse_rational(&text) {
        Some(q) => q,
        None => raise(format!(
            "renorm::testing: expected {what} `{text}` is not an exact number"
        )),
    }
}

/// Whether the report's optional exact-rational string equals `expected`.
fn same_rational(found: Option<&str>, expected: &Rational) -> bool {
    found.and_then(parse_rational).is_some_and(|q| q == *expected)
}

/// Asserts that `field` is forced into the power law `C λ^b t^(b−w)`: the verdict is
/// `power_law`, the degree is exactly `b`, the field was checked at weight `w`, the time
/// exponent (when there is a time variable) is `b − w`, and the original formula agreed with
/// the forced form at every confirmation point. `b` and `w` are exact numbers: `2`, `"3/2"`,
/// `"-0.25"` or a [`Rational`]. Returns the report.
///
/// # Panics
///
/// When any of the above fails (the message carries the evidence), or when the field or an
/// expected value is invalid.
pub fn assert_power_law(field: &Field, b: impl Display, w: impl Display) -> CheckReport {
    let (b, w) = (exact(&b, "degree"), exact(&w, "weight"));
    let report = run(field);
    if class_of(&report) != POWER_LAW {
        fail(&report, format!("expected `{}` to be a power law", report.source));
    }
    if !same_rational(report.checks.log_shift.degree_exact.as_deref(), &b) {
        fail(
            &report,
            format!(
                "expected degree b = {b}, found {}",
                report.checks.log_shift.degree.as_deref().unwrap_or("none")
            ),
        );
    }
    if !same_rational(Some(&report.checks.time_rescaling.weight), &w) {
        fail(
            &report,
            format!(
                "expected weight w = {w}, the field was checked at weight {}",
                report.checks.time_rescaling.weight
            ),
        );
    }
    let time_exponent = Rational::from(&b - &w);
    if report.time.is_some() && !same_rational(report.verdict.exponent_time.as_deref(), &time_exponent) {
        fail(
            &report,
            format!(
                "expected time exponent b − w = {time_exponent}, found {}",
                report.verdict.exponent_time.as_deref().unwrap_or("none")
            ),
        );
    }
    if !report.confirmation.as_ref().is_some_and(|c| c.status.holds()) {
        fail(
            &report,
            "the forced form was not confirmed against the original formula".into(),
        );
    }
    report
}

/// Asserts that `field` is certified **not** to be forced into a power law: the verdict is
/// neither `power_law` nor `undetermined`, and a certified witness refutes log-shift or
/// time-rescaling covariance. Returns the report (its witnesses are in `report.checks`).
///
/// # Panics
///
/// When the verdict is `power_law` or `undetermined`, or no witness was found, or the field is
/// invalid.
pub fn assert_not_power_law(field: &Field) -> CheckReport {
    let report = run(field);
    let class = class_of(&report);
    if class == POWER_LAW || class == UNDETERMINED {
        fail(
            &report,
            format!("expected `{}` not to be a power law", report.source),
        );
    }
    let checks = &report.checks;
    if checks.log_shift.witness.is_none() && checks.time_rescaling.witness.is_none() {
        fail(
            &report,
            "no certified witness refutes log-shift or time-rescaling covariance".into(),
        );
    }
    report
}

/// Asserts the verdict class of `field` (one of [`POWER_LAW`], [`POWER_LAW_IN_SPECTRUM`],
/// [`LOG_PERIODIC`], [`NOT_POWER_LAW`], [`UNDETERMINED`]). Returns the report.
///
/// # Panics
///
/// When the class differs (the message carries the evidence) or the field is invalid.
pub fn assert_class(field: &Field, class: VerdictClass) -> CheckReport {
    let report = run(field);
    if class_of(&report) != class {
        fail(
            &report,
            format!("expected `{}` to be classified `{class}`", report.source),
        );
    }
    report
}

/// Asserts everything a [`KnownField`] knows about itself: verdict class, kind of log-shift
/// covariance, constant degree, period, weight, time-rescaling covariance, and for power laws the
/// confirmed forced form with time exponent `b − w`. Returns the report.
///
/// # Panics
///
/// On the first expectation that does not hold; the message names the family, the
/// expectation, and carries the evidence.
pub fn assert_known(known: &KnownField) -> CheckReport {
    if known.class == POWER_LAW
        && let Some(b) = &known.degree
    {
        return assert_power_law(&known.field, b, &known.weight);
    }
    let report = run(&known.field);
    let family = known.family;
    if class_of(&report) != known.class {
        fail(
            &report,
            format!(
                "{family}: expected `{}` to be classified `{}`",
                report.source, known.class
            ),
        );
    }
    if report.checks.log_shift.kind != known.log_shift {
        fail(
            &report,
            format!(
                "{family}: expected log-shift covariance `{}`, found `{}`",
                known.log_shift, report.checks.log_shift.kind
            ),
        );
    }
    if let Some(b) = &known.degree
        && !same_rational(report.checks.log_shift.degree_exact.as_deref(), b)
    {
        fail(
            &report,
            format!(
                "{family}: expected degree b = {b}, found {}",
                report.checks.log_shift.degree.as_deref().unwrap_or("none")
            ),
        );
    }
    if !same_rational(Some(&report.checks.time_rescaling.weight), &known.weight) {
        fail(
            &report,
            format!(
                "{family}: expected weight {}, checked at {}",
                known.weight, report.checks.time_rescaling.weight
            ),
        );
    }
    let h2 = report.checks.time_rescaling.status;
    let h2_as_expected = if known.time_covariant {
        h2.holds()
    } else {
        h2 == Status::Refuted
    };
    if !h2_as_expected {
        fail(
            &report,
            format!(
                "{family}: expected time-rescaling covariance to {}, found `{h2}`",
                if known.time_covariant {
                    "hold"
                } else {
                    "be refuted"
                }
            ),
        );
    }
    if let Some(h) = &known.period
        && !same_rational(report.checks.log_shift.period.as_deref(), h)
    {
        fail(
            &report,
            format!(
                "{family}: expected period h = {h}, found {}",
                report.checks.log_shift.period.as_deref().unwrap_or("none")
            ),
        );
    }
    if !known.time_covariant && report.checks.time_rescaling.witness.is_none() {
        fail(&report, format!("{family}: H2 refuted without a witness"));
    }
    if known.log_shift == LogShiftKind::None && report.checks.log_shift.witness.is_none() {
        fail(&report, format!("{family}: H1 refuted without a witness"));
    }
    report
}

fn decide(lhs: &str, rhs: &str) -> Outcome {
    match crate::api::identity(lhs, rhs) {
        Ok(outcome) => outcome,
        Err(e) => raise(format!(
            "renorm::testing: the identity `{lhs} == {rhs}` is not valid input:\n{e}"
        )),
    }
}

/// Asserts that `lhs == rhs` is `proved` or `confirmed` over the positive reals (both engines,
/// [`crate::CheckOptions::default`]). Returns the outcome.
///
/// # Panics
///
/// When it is not (the message carries the outcome, with the witness if there is one), or when
/// a side does not parse.
pub fn assert_identity_holds(lhs: &str, rhs: &str) -> Outcome {
    let outcome = decide(lhs, rhs);
    if !outcome.status.holds() {
        raise(format!(
            "renorm::testing: expected `{lhs} == {rhs}` to hold, it is {}\n{}",
            outcome.status,
            outcome.to_text()
        ));
    }
    outcome
}

/// Asserts that `lhs == rhs` is `refuted`: a certified witness point where an outward-rounded
/// enclosure of `lhs − rhs` excludes 0. Returns the outcome (the witness is in
/// `outcome.numeric.witness`).
///
/// # Panics
///
/// When it is not refuted, or when a side does not parse.
pub fn assert_identity_refuted(lhs: &str, rhs: &str) -> Outcome {
    let outcome = decide(lhs, rhs);
    if outcome.status != Status::Refuted {
        raise(format!(
            "renorm::testing: expected `{lhs} == {rhs}` to be refuted, it is {}\n{}",
            outcome.status,
            outcome.to_text()
        ));
    }
    outcome
}

#[cfg(test)]
mod tests;
