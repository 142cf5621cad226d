//! Nullclines of the `(ũ, ρ)` flow: where `dρ/dτ` or `dũ/dτ` vanishes off the axes.

use std::cmp::Ordering;

use rug::{Float, Rational};

use super::beta::{FlowParams, Scalar, pieces, slice_target2};
use crate::numeric::Precision;

/// The r-nullcline `ũ = a/T(ρ)` at a given `S²` (`dρ/dτ = 0` with `ρ ≠ 0`); `None` where `T = 0`
/// or on the pole.
pub fn r_nullcline_at<S: Scalar>(params: &FlowParams, target2: &S, rho: &S) -> Option<S> {
    let pc = pieces(rho, target2)?;
    if pc.t.vanishes() {
        return None;
    }
    Some(rho.constant(&params.a()).over(&pc.t))
}

/// The ũ-nullcline branch `ũ = −c/B(ρ)` at a given `S²` (`dũ/dτ = 0` with `ũ ≠ 0`); `None`
/// where `B = 0` or on the pole. For `ρ, S² ≥ 0` and `c > 0` it lies at `ũ < 0`.
pub fn u_nullcline_at<S: Scalar>(params: &FlowParams, target2: &S, rho: &S) -> Option<S> {
    let pc = pieces(rho, target2)?;
    if pc.b.vanishes() {
        return None;
    }
    let zero = rho.constant(&Rational::new());
    Some(zero.minus(&rho.constant(&params.c())).over(&pc.b))
}

/// The r-nullcline on the documented slice at `τ` (`A = 1`, `S² = e^{(β−α)τ} N^{α−β}`), for
/// `ρ > 0`.
pub fn r_nullcline(params: &FlowParams, tau: &Rational, rho: &Float, prec: Precision) -> Option<Float> {
    if rho.cmp0() != Some(Ordering::Greater) {
        return None;
    }
    let s2 = slice_target2(params, tau, prec);
    r_nullcline_at(params, &s2, &Float::with_val(prec.bits(), rho))
}

/// The ũ-nullcline (`ũ ≠ 0` branch) on the documented slice at `τ`.
pub fn u_nullcline(params: &FlowParams, tau: &Rational, rho: &Float, prec: Precision) -> Option<Float> {
    let s2 = slice_target2(params, tau, prec);
    u_nullcline_at(params, &s2, &Float::with_val(prec.bits(), rho))
}
