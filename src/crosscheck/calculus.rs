//! Point verdicts for derivative and integral claims.
//!
//! Derivatives: the numeric side differentiates the user's `lhs` with dual numbers (never with
//! the engine's derivative), and a disagreement is certified with interval dual numbers, which
//! enclose the true derivative rigorously. Integrals: double-exponential quadrature; its error
//! estimate is not a bound, so an integral claim can be `confirmed` but never `refuted`.

use super::{PointVerdict, Witness, WitnessMethod, decimal, describe_error};
use crate::crosscheck::Identity;
use crate::numeric::{self, Assignment, Bound, Precision, digits_of_agreement, digits_of_agreement_at_scale};
use rug::{Float, Rational};
use std::collections::BTreeMap;

pub(super) fn derivative_verdict(
    identity: &Identity,
    var: &str,
    at: &Assignment,
    working: Precision,
    digits: u32,
) -> PointVerdict {
    let seeds: BTreeMap<String, Rational> = [(var.to_string(), Rational::from(1))].into();
    let d = match numeric::eval_dual(&identity.lhs, at, &seeds, working) {
        Ok(d) => d,
        Err(e) => return PointVerdict::Undefined(describe_error(&e)),
    };
    let rhs = match numeric::eval_float(&identity.rhs, at, working) {
        Ok(r) => r,
        Err(e) => return PointVerdict::Undefined(describe_error(&e)),
    };
    for bits in [working.bits(), working.bits() * 2, working.bits() * 4] {
        let prec = Precision::from_bits(bits);
        if let (Ok(lhs), Ok(rhs_iv)) = (
            numeric::eval_interval_dual(&identity.lhs, at, &seeds, prec),
            numeric::eval_interval(&identity.rhs, at, prec),
        ) {
            let residual = lhs.deriv.sub(&rhs_iv);
            let separated = residual.excludes_zero();
            let (lo, hi) = (residual.lo, residual.hi);
            if separated {
                return PointVerdict::Witness(Witness {
                    lhs: Some(decimal(&d.deriv, 30)),
                    rhs: Some(decimal(&rhs, 30)),
                    ..Witness::from_enclosure(at, "∂lhs − rhs", &lo, &hi, WitnessMethod::IntervalDual)
                });
            }
            if bits == working.bits() {
                // Agreement is judged below; only disagreement needs the extra precision.
                let agreed = agreement(&d.deriv, &rhs, &d.value);
                if agreed >= digits {
                    return PointVerdict::Agree(agreed.min(working.digits()));
                }
            }
        }
    }
    let agreed = agreement(&d.deriv, &rhs, &d.value);
    if agreed >= digits {
        PointVerdict::Agree(agreed.min(working.digits()))
    } else {
        PointVerdict::Uncertified
    }
}

/// A derivative may vanish where the function does not; compare at the larger of the two
/// sides' magnitudes and the function's, so that `d/dx c = 0` agrees with `0`.
fn agreement(deriv: &Float, rhs: &Float, value: &Float) -> u32 {
    let mut scale = Float::with_val(deriv.prec(), deriv.abs_ref());
    for x in [rhs, value] {
        if x.cmp_abs(&scale) == Some(std::cmp::Ordering::Greater) {
            scale = Float::with_val(deriv.prec(), x.abs_ref());
        }
    }
    if scale.is_zero() {
        return digits_of_agreement(deriv, rhs);
    }
    digits_of_agreement_at_scale(deriv, rhs, &scale)
}

pub(super) fn integral_verdict(
    identity: &Identity,
    var: &str,
    lower: &Bound,
    upper: &Bound,
    at: &Assignment,
    working: Precision,
    digits: u32,
) -> PointVerdict {
    let q = match numeric::integrate(&identity.lhs, var, lower, upper, at, working) {
        Ok(q) => q,
        Err(e) => return PointVerdict::Undefined(describe_error(&e)),
    };
    let rhs = match numeric::eval_float(&identity.rhs, at, working) {
        Ok(r) => r,
        Err(e) => return PointVerdict::Undefined(describe_error(&e)),
    };
    // Digits beyond what the quadrature itself resolved are not evidence.
    let resolved = if q.error_estimate.is_zero() {
        working.digits()
    } else {
        digits_of_agreement_at_scale(
            &Float::with_val(working.bits(), &q.value + &q.error_estimate),
            &q.value,
            &Float::with_val(working.bits(), q.value.abs_ref()),
        )
    };
    let agreed = digits_of_agreement(&q.value, &rhs).min(resolved);
    if agreed >= digits {
        PointVerdict::Agree(agreed)
    } else {
        PointVerdict::Uncertified
    }
}
