//! Arbitrary-precision numeric evaluation of [`Expr`](crate::expr::Expr) trees with MPFR (via
//! `rug`).
//!
//! The numeric engine is the independent second opinion next to the symbolic engine, so it reads
//! the user's tree directly and never relies on simplification. It offers four evaluators that
//! share one set of domain rules; the MPFR ones (and [`eval_interval_dual`] below) also share
//! one tree walk, each supplying only its number type's arithmetic and domain checks:
//!
//! * [`eval_exact`] — the exact rational value, when the expression is rational at the point;
//! * [`eval_float`] — a round-to-nearest MPFR value at a chosen [`Precision`];
//! * [`eval_dual`] — the value together with a directional derivative (forward-mode AD), used
//!   for Euler operators such as `Σ λ_i ∂F/∂λ_i` and `t ∂F/∂t`;
//! * [`eval_interval`] — an outward-rounded [`Interval`] guaranteed to contain the true real
//!   value; with [`eval_ball`], the only evaluators whose output may certify a "refuted" verdict.
//! * [`eval_ball`] — a [`Ball`]: `eval_float`'s value (bit for bit) with a rigorous radius, from
//!   one evaluation. It is the fast path of the magnitude pass and of a check's points; where a
//!   ball cannot settle a node (an argument ball touching a domain boundary) the interval
//!   evaluator decides.
//!
//! Two tools build on them: [`eval_interval_dual`] encloses a value *and* a directional derivative
//! with the same outward rounding ([`IntervalDual`]), so that a derivative identity can be
//! certified false at a point; and [`integrate`] computes a definite integral over `[a, b]` or
//! `[a, ∞)` by double-exponential (tanh-sinh / exp-sinh) quadrature on top of [`eval_float`],
//! returning a [`Quadrature`] whose error is an estimate, not a bound.
//!
//! Printed enclosures go through [`format`](mod@format), whose decimal strings are rounded
//! outward ([`Interval::to_decimal_pair`]), so that a printed interval still contains the value.
//!
//! Points are always exact rationals ([`Assignment`]), so that a point printed in a report can be
//! re-evaluated bit-for-bit; [`PointSampler`] generates such points deterministically.
//!
//! # Domain semantics
//!
//! All evaluators implement the same real-valued semantics:
//!
//! * `log(x)` requires `x > 0`; `sqrt(x)` requires `x ≥ 0`; `a/b` requires `b ≠ 0`;
//!   `tan(x)` requires `cos x ≠ 0`. Violations are [`EvalError::Undefined`].
//! * `x^y` is decided by the *exponent subtree*: if [`eval_exact`] proves that `y` is exactly
//!   an integer `n` at the point, `x^n` is an integer power and a negative base is allowed
//!   (`(-2)^3 = -8`); `0^0 = 1`; `0^n` with `n < 0` is undefined. Otherwise `y` is treated as a
//!   real exponent: `x > 0` gives `exp(y ln x)`, `x = 0` with `y > 0` gives `0`, and every other
//!   case is undefined. In particular real odd roots are **not** taken: `(-8)^(1/3)` is
//!   undefined, as it is for `exp((1/3) ln x)`. An exponent that is an integer only after
//!   transcendental cancellation (say `log(exp(2))`) is a real exponent under this rule; the rule
//!   is syntactic on purpose so that all evaluators agree without having to decide equalities.
//!   A real exponent that [`eval_exact`] proves to be `p/q` with a small root index (`3/2`,
//!   `-1/2`, `2/3`; `q ≤ 64`) has the same value and domain, but is computed as `(x^(1/q))^p`
//!   — a root and an integer power, not a logarithm and an exponential.
//!
//! # Cost
//!
//! At thousands of digits the cost of a point is the cost of its MPFR operations, and they
//! differ by orders of magnitude (at 5000 digits on the 2-core machine: a product ~7 µs, a
//! square root ~12 µs, a quotient ~40 µs, a logarithm ~1.5 ms, an exponential ~2.3 ms). So the
//! evaluators take the cheap route wherever it gives the same value: rational powers by roots
//! (above); a literal quotient such as the `3/2` of `λ^(3/2)` converted once, never divided at
//! the working precision; interval bounds from one end each where the operation is monotone
//! (quotients by sign, powers of a positive base); and the condition numbers of
//! [`resolve`] computed at 128 bits first, at full precision only when that is inconclusive.
//! Above all, a point of a check evaluates each side once, as a ball: the midpoint is the value
//! whose digits are compared and the radius encloses it, where an interval needs two
//! evaluations (its bounds) and the comparison a third (the value).
//! * A variable missing from the [`Assignment`] is [`EvalError::Unbound`].
//! * No NaN or infinity ever escapes: an MPFR overflow becomes [`EvalError::Overflow`]. (Exponent
//!   underflow, far beyond anything a physical formula produces, rounds towards zero as MPFR
//!   does; in [`eval_interval`] the directed rounding keeps that rigorous.)
//! * [`eval_interval`] reports [`EvalError::NotCertified`] when the enclosure is too wide to
//!   decide a domain condition (a divisor interval containing zero, a `log` argument interval
//!   reaching zero, …) and `Undefined` only when the violation is certain.

mod ball;
mod dual;
mod exact;
mod float;
pub mod format;
mod interval;
mod interval_dual;
pub mod ode;
pub mod poly;
mod precision;
mod quadrature;
mod rational_identity;
mod resolve;
mod sample;
mod walk;

pub use ball::{Ball, RADIUS_BITS, eval_ball};
pub use dual::{Dual, eval_dual};
pub use exact::eval_exact;
pub use float::eval_float;
pub use interval::{Interval, eval_interval};
pub use interval_dual::{IntervalDual, eval_interval_dual};
pub use precision::Precision;
pub use quadrature::{Bound, Quadrature, integrate};
pub use rational_identity::{
    Counterexample, ExactDecision, GridProof, MAX_DEGREE, RationalDegrees, ValuePool, decide, decide_over,
    rational_degrees,
};
pub use resolve::{Enclosed, Resolution, first_pass_precision, resolve, resolve_all, resolve_all_enclosed};
pub use sample::{PointSampler, SampleRange, ScaleDomain};

use rug::{Float, Rational};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Values of the variables at one evaluation point. Points are always exact rationals.
pub type Assignment = BTreeMap<String, Rational>;

/// Why an expression could not be evaluated at a point.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// The expression has no real value at the point (e.g. `log` of a non-positive number).
    #[error("undefined: {reason}")]
    Undefined {
        /// Human-readable explanation, e.g. "log of a non-positive number".
        reason: String,
    },
    /// A variable has no value in the assignment.
    #[error("variable `{0}` has no value at this point")]
    Unbound(String),
    /// An intermediate result exceeded the floating-point exponent range.
    #[error("numeric overflow")]
    Overflow,
    /// Interval evaluation could not certify a domain condition (the true value may still exist).
    #[error("not certified: {reason}")]
    NotCertified {
        /// Human-readable explanation, e.g. "divisor interval contains zero".
        reason: String,
    },
}

impl EvalError {
    pub(crate) fn undefined(reason: &str) -> EvalError {
        EvalError::Undefined {
            reason: reason.to_string(),
        }
    }

    pub(crate) fn not_certified(reason: &str) -> EvalError {
        EvalError::NotCertified {
            reason: reason.to_string(),
        }
    }
}

/// Reasons shared by the evaluators, so that the same violation reads the same everywhere.
pub(crate) mod reason {
    pub const LOG: &str = "log of a non-positive number";
    pub const SQRT: &str = "square root of a negative number";
    pub const DIV_ZERO: &str = "division by zero";
    pub const ZERO_NEG_POW: &str = "zero raised to a negative power";
    pub const ZERO_NONPOS_REAL_POW: &str = "zero raised to a non-positive non-integer power";
    pub const NEG_BASE: &str = "negative base with non-integer exponent";
    pub const TAN_POLE: &str = "tan at a pole (cos of the argument is zero)";
    pub const TRIG_HUGE: &str = "sin/cos/tan argument too large to reduce modulo π at this precision";
    pub const NAN: &str = "result is not a number";
}

/// Looks a variable up, turning absence into [`EvalError::Unbound`].
pub(crate) fn lookup<'a>(at: &'a Assignment, name: &str) -> Result<&'a Rational, EvalError> {
    at.get(name).ok_or_else(|| EvalError::Unbound(name.to_string()))
}

/// Rejects non-finite MPFR results so that no NaN or infinity reaches a caller.
pub(crate) fn finite(x: Float) -> Result<Float, EvalError> {
    if x.is_finite() {
        Ok(x)
    } else if x.is_nan() {
        Err(EvalError::undefined(reason::NAN))
    } else {
        Err(EvalError::Overflow)
    }
}

/// Number of significant decimal digits to which `a` and `b` agree, in the relative-error sense.
///
/// Precisely: with `cap` = [`Precision::digits`] of the larger of the two precisions,
///
/// * both exactly zero, or `a` and `b` identical → `cap`;
/// * either is NaN or infinite, or the signs differ (including exactly one of them being zero)
///   → `0`;
/// * otherwise `min(cap, max(0, ⌊−log10(|a − b| / max(|a|, |b|))⌋))`.
///
/// Because the measure is relative error, `9.995` and `10.0` agree to 3 digits although their
/// leading digits differ, while `1.0` and `1.9` agree to 0 digits. The computation is done in
/// MPFR at a few guard bits above the inputs' precision, so it never goes through `f64`.
pub fn digits_of_agreement(a: &Float, b: &Float) -> u32 {
    let input_bits = a.prec().max(b.prec());
    let cap = Precision::from_bits(input_bits).digits();
    if !a.is_finite() || !b.is_finite() {
        return 0;
    }
    match (a.cmp0(), b.cmp0()) {
        (Some(Ordering::Equal), Some(Ordering::Equal)) => return cap,
        (Some(sa), Some(sb)) if sa != sb => return 0,
        (Some(_), Some(_)) => {}
        _ => return 0,
    }
    let work = Precision::from_bits(input_bits.saturating_add(32)).bits();
    let diff = Float::with_val(work, a - b).abs();
    if diff.is_zero() {
        return cap;
    }
    let scale = if a.cmp_abs(b) == Some(Ordering::Less) {
        b.clone().abs()
    } else {
        a.clone().abs()
    };
    let digits = floor_neg_log10_ratio(&diff, &scale, work);
    if digits.cmp0() != Some(Ordering::Greater) {
        return 0;
    }
    digits.to_u32_saturating().map_or(0, |d| d.min(cap))
}

/// `⌊−log10(diff / scale)⌋` for positive `diff` and `scale`, where the ratio and the logarithm
/// are rounded to nearest at `work` bits — computed at 64 bits when that decides it.
///
/// The ratio rounded at `work` bits lies between its 64-bit roundings down and up (those are
/// representable at `work` bits and rounding is monotone), and likewise for the logarithm, so
/// when the floors of the two 64-bit bounds agree they are the floor of the `work`-bit
/// computation; only otherwise (`−log10` within about 10⁻¹⁸ of an integer) is it repeated at
/// `work` bits. A logarithm at thousands of digits cost more than the evaluation it judged.
fn floor_neg_log10_ratio(diff: &Float, scale: &Float, work: u32) -> Float {
    use rug::float::Round;
    const QUICK_BITS: u32 = 64;
    if work > QUICK_BITS {
        let (ratio_lo, _) = Float::with_val_round(QUICK_BITS, diff / scale, Round::Down);
        let (ratio_hi, _) = Float::with_val_round(QUICK_BITS, diff / scale, Round::Up);
        let (log_hi, _) = Float::with_val_round(QUICK_BITS, ratio_hi.log10_ref(), Round::Up);
        let (log_lo, _) = Float::with_val_round(QUICK_BITS, ratio_lo.log10_ref(), Round::Down);
        let (low, high) = ((-log_hi).floor(), (-log_lo).floor());
        if low.is_finite() && low == high {
            return low;
        }
    }
    let relative = Float::with_val(work, diff / scale);
    Float::with_val(work, -relative.log10()).floor()
}

/// Decimal digits to which `a` and `b` agree **measured against `scale`**:
/// `floor(−log10(|a − b| / scale))`, capped like [`digits_of_agreement`].
///
/// Use it where the natural size of the quantities is known and one of them may legitimately be
/// zero: an Euler operator `Σ λ ∂F/∂λ − b F` that vanishes is compared against `|F|`, not against
/// its own rounding noise. A non-positive or non-finite `scale` gives 0.
pub fn digits_of_agreement_at_scale(a: &Float, b: &Float, scale: &Float) -> u32 {
    let input_bits = a.prec().max(b.prec());
    let cap = Precision::from_bits(input_bits).digits();
    if !a.is_finite() || !b.is_finite() || !scale.is_finite() || scale.cmp0() != Some(Ordering::Greater) {
        return 0;
    }
    let work = Precision::from_bits(input_bits.saturating_add(32)).bits();
    let diff = Float::with_val(work, a - b).abs();
    if diff.is_zero() {
        return cap;
    }
    let digits = floor_neg_log10_ratio(&diff, scale, work);
    if digits.cmp0() != Some(Ordering::Greater) {
        return 0;
    }
    digits.to_u32_saturating().map_or(0, |d| d.min(cap))
}

/// Helpers shared by the evaluators' tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Assignment, EvalError};
    use rug::{Float, Rational};

    /// An assignment from `(name, (numerator, denominator))` pairs.
    pub fn point(pairs: &[(&str, (i64, u64))]) -> Assignment {
        pairs
            .iter()
            .map(|(k, q)| (k.to_string(), Rational::from(*q)))
            .collect()
    }

    /// A reference decimal (from an independent source) at 400 bits.
    pub fn reference(s: &str) -> Float {
        Float::with_val(400, Float::parse(s).expect("reference parses"))
    }

    /// Whether `r` is an [`EvalError::Undefined`].
    pub fn undefined<T: std::fmt::Debug>(r: Result<T, EvalError>) -> bool {
        matches!(r, Err(EvalError::Undefined { .. }))
    }

    /// Whether `r` is an [`EvalError::NotCertified`].
    pub fn not_certified<T: std::fmt::Debug>(r: Result<T, EvalError>) -> bool {
        matches!(r, Err(EvalError::NotCertified { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(bits: u32, s: &str) -> Float {
        Float::with_val(bits, Float::parse(s).expect("test literal parses"))
    }

    /// The definition the 64-bit shortcut must reproduce: ratio and logarithm at `work` bits.
    fn floor_at_work(diff: &Float, scale: &Float, work: u32) -> Float {
        let relative = Float::with_val(work, diff / scale);
        Float::with_val(work, -relative.log10()).floor()
    }

    proptest::proptest! {
        #[test]
        fn the_quick_digit_count_is_the_full_precision_one(
            mantissa in 1u64..u64::MAX,
            shift in 0u32..3000,
            scale in 1u64..1_000_000,
            bits in proptest::sample::select(vec![100u32, 700, 5000, 17000]),
        ) {
            let work = bits + 32;
            let diff = Float::with_val(work, mantissa) >> shift;
            let scale = Float::with_val(work, scale);
            proptest::prop_assert_eq!(floor_neg_log10_ratio(&diff, &scale, work), floor_at_work(&diff, &scale, work));
        }
    }

    #[test]
    fn the_digit_count_next_to_a_power_of_ten_takes_the_full_precision_path() {
        // diff/scale = 10^-k (1 ± 10^-30): −log10 lies within 10^-30 of the integer k, which
        // 64-bit bounds cannot place; the full-precision computation must decide.
        for k in [5u32, 50, 500] {
            for sign in [-1i32, 1] {
                let work = 4000;
                let tiny = Float::with_val(work, Float::u_pow_u(10, 30)).recip();
                let ratio = Float::with_val(work, Float::u_pow_u(10, k)).recip()
                    * (1 + Float::with_val(work, &tiny * sign));
                let scale = Float::with_val(work, 1);
                assert_eq!(
                    floor_neg_log10_ratio(&ratio, &scale, work),
                    floor_at_work(&ratio, &scale, work),
                    "k = {k}, {sign}"
                );
            }
        }
    }

    #[test]
    fn identical_and_zero_give_cap() {
        let cap = Precision::from_bits(200).digits();
        assert_eq!(digits_of_agreement(&f(200, "1.5"), &f(200, "1.5")), cap);
        assert_eq!(digits_of_agreement(&Float::new(200), &Float::new(200)), cap);
        assert_eq!(digits_of_agreement(&Float::new(200), &Float::new(100)), cap);
    }

    #[test]
    fn sign_or_zero_mismatch_gives_zero() {
        assert_eq!(digits_of_agreement(&f(100, "1"), &f(100, "-1")), 0);
        assert_eq!(digits_of_agreement(&f(100, "0"), &f(100, "1e-30")), 0);
        assert_eq!(digits_of_agreement(&f(100, "1.0"), &f(100, "1.9")), 0);
        let inf = Float::with_val(100, rug::float::Special::Infinity);
        assert_eq!(digits_of_agreement(&inf, &inf), 0);
        let nan = Float::with_val(100, rug::float::Special::Nan);
        assert_eq!(digits_of_agreement(&nan, &f(100, "1")), 0);
    }

    #[test]
    fn relative_error_digits() {
        assert_eq!(digits_of_agreement(&f(200, "1.0"), &f(200, "1.0000001")), 7);
        assert_eq!(digits_of_agreement(&f(200, "-3.14159"), &f(200, "-3.14160")), 5);
        assert_eq!(digits_of_agreement(&f(200, "9.995"), &f(200, "10.0")), 3);
        assert_eq!(digits_of_agreement(&f(200, "1e40"), &f(200, "1.001e40")), 3);
        // Never exceeds what the precision can represent.
        let cap = Precision::from_bits(60).digits();
        assert!(digits_of_agreement(&f(60, "1"), &f(60, "1.0000000000000000000000000001")) <= cap);
    }

    #[test]
    fn error_messages_are_readable() {
        assert_eq!(
            EvalError::undefined(reason::LOG).to_string(),
            "undefined: log of a non-positive number"
        );
        assert_eq!(
            EvalError::Unbound("x".into()).to_string(),
            "variable `x` has no value at this point"
        );
    }
}
