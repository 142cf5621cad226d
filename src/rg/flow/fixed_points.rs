//! Fixed points of the autonomous `S² = 0` system: grid-started Newton in MPFR with the analytic
//! Jacobian, snapped to exact rationals where the beta functions vanish exactly there.

use std::cmp::Ordering;

use rug::{Float, Integer, Rational};

use super::FlowError;
use super::beta::{FlowParams, Scalar, Truncation, beta_generic, stability_matrix_generic};
use crate::numeric::Precision;
use crate::numeric::poly::rational_reconstruct;

/// Where and how to look for fixed points in the `(ũ, ρ)` plane at `S² = 0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedPointSearch {
    /// `ũ` range of the grid of Newton starts.
    pub u_range: (Rational, Rational),
    /// `ρ` range of the grid of Newton starts.
    pub rho_range: (Rational, Rational),
    /// Starts per axis (cell centres of a `grid × grid` lattice).
    pub grid: usize,
    /// Newton iteration cap per start.
    pub max_iterations: usize,
    /// Largest denominator tried when snapping a root to an exact rational.
    pub max_denominator: u64,
}

impl Default for FixedPointSearch {
    fn default() -> Self {
        FixedPointSearch {
            u_range: (Rational::from(-2), Rational::from(2)),
            rho_range: (Rational::from(-3), Rational::from(3)),
            grid: 12,
            max_iterations: 200,
            max_denominator: 1_000_000_000_000,
        }
    }
}

/// A fixed point `(ũ*, ρ*)` of the flow restricted to `S² = 0` (an invariant plane).
#[derive(Debug, Clone, PartialEq)]
pub struct FixedPoint {
    /// `ũ*`.
    pub u: Float,
    /// `ρ*`.
    pub rho: Float,
    /// `(ũ*, ρ*)` as exact rationals when a rational candidate makes both beta functions vanish
    /// exactly.
    pub exact: Option<[Rational; 2]>,
    /// `max(|β_ũ|, |β_ρ|)` at `(ũ*, ρ*)` in MPFR (zero when exact).
    pub residual: Float,
    /// Number of grid starts that converged here.
    pub basin_starts: usize,
}

pub(super) fn plane_state<S: Scalar>(u: &S, rho: &S) -> [S; 4] {
    let one = u.constant(&Rational::from(1));
    let zero = u.constant(&Rational::new());
    [u.clone(), rho.clone(), one, zero]
}

/// Fixed points of the `(ũ, ρ)` flow at `S² = 0` (and `A = 1`, which never feeds back): Newton
/// in MPFR with the analytic Jacobian from every start of a grid, deduplicated, snapped to exact
/// rationals where possible, sorted by `(ρ, ũ)`.
pub fn find_fixed_points(
    params: &FlowParams,
    truncation: Truncation,
    search: &FixedPointSearch,
    prec: Precision,
) -> Result<Vec<FixedPoint>, FlowError> {
    let prec = prec.bits();
    params.validate()?;
    if search.grid == 0 {
        return Err(FlowError::InvalidParams("grid must be at least 1".into()));
    }
    let f = |r: &Rational| Float::with_val(prec, r);
    let step_tol = pow2(prec, 8 - prec as i32);
    let same_tol = pow2(prec, -(prec as i32) / 2);
    let divergence = Float::with_val(prec, Float::i_pow_u(10, 12));
    let mut found: Vec<FixedPoint> = Vec::new();
    let axis = |(lo, hi): &(Rational, Rational), i: usize| -> Rational {
        let t = Rational::from((2 * i as u64 + 1, 2 * search.grid as u64));
        lo + Rational::from(hi - lo) * t
    };
    for i in 0..search.grid {
        for j in 0..search.grid {
            let mut u = f(&axis(&search.u_range, i));
            let mut rho = f(&axis(&search.rho_range, j));
            let mut converged = false;
            for _ in 0..search.max_iterations {
                let g = plane_state(&u, &rho);
                let (Some(b), Some(m)) = (
                    beta_generic(params, truncation, &g),
                    stability_matrix_generic(params, truncation, &g),
                ) else {
                    break;
                };
                let det =
                    Float::with_val(prec, &m[0][0] * &m[1][1]) - Float::with_val(prec, &m[0][1] * &m[1][0]);
                if det.is_zero() || !det.is_finite() {
                    break;
                }
                let du = (Float::with_val(prec, &m[1][1] * &b[0]) - Float::with_val(prec, &m[0][1] * &b[1]))
                    / &det;
                let dr = (Float::with_val(prec, &m[0][0] * &b[1]) - Float::with_val(prec, &m[1][0] * &b[0]))
                    / &det;
                u -= &du;
                rho -= &dr;
                if !u.is_finite()
                    || !rho.is_finite()
                    || Float::with_val(prec, u.abs_ref()) > divergence
                    || Float::with_val(prec, rho.abs_ref()) > divergence
                {
                    break;
                }
                let size = Float::with_val(prec, u.abs_ref())
                    .max(&Float::with_val(prec, rho.abs_ref()))
                    .max(&Float::with_val(prec, 1u32));
                let step = Float::with_val(prec, du.abs_ref()).max(&Float::with_val(prec, dr.abs_ref()));
                if step <= Float::with_val(prec, &size * &step_tol) {
                    converged = true;
                    break;
                }
            }
            if !converged {
                continue;
            }
            let g = plane_state(&u, &rho);
            let Some(b) = beta_generic(params, truncation, &g) else {
                continue;
            };
            let residual = Float::with_val(prec, b[0].abs_ref()).max(&Float::with_val(prec, b[1].abs_ref()));
            let size = Float::with_val(prec, u.abs_ref())
                .max(&Float::with_val(prec, rho.abs_ref()))
                .max(&Float::with_val(prec, 1u32));
            if let Some(fp) = found.iter_mut().find(|fp| {
                let d = Float::with_val(prec, Float::with_val(prec, &fp.u - &u).abs()).max(&Float::with_val(
                    prec,
                    Float::with_val(prec, &fp.rho - &rho).abs(),
                ));
                d <= Float::with_val(prec, &size * &same_tol)
            }) {
                fp.basin_starts += 1;
                continue;
            }
            let max_den = Integer::from(search.max_denominator);
            let snap_tol = Float::with_val(prec, &size * &pow2(prec, 16 - prec as i32));
            let exact = match (
                rational_reconstruct(&u, &max_den, &snap_tol),
                rational_reconstruct(&rho, &max_den, &snap_tol),
            ) {
                (Some(uq), Some(rq)) => {
                    let gq = plane_state(&uq, &rq);
                    match beta_generic(params, truncation, &gq) {
                        Some(bq) if bq[0].is_zero() && bq[1].is_zero() => Some([uq, rq]),
                        _ => None,
                    }
                }
                _ => None,
            };
            let (u, rho, residual) = match &exact {
                Some([uq, rq]) => (f(uq), f(rq), Float::new(prec)),
                None => (u, rho, residual),
            };
            found.push(FixedPoint {
                u,
                rho,
                exact,
                residual,
                basin_starts: 1,
            });
        }
    }
    found.sort_by(|x, y| {
        x.rho
            .partial_cmp(&y.rho)
            .unwrap_or(Ordering::Equal)
            .then(x.u.partial_cmp(&y.u).unwrap_or(Ordering::Equal))
    });
    Ok(found)
}

fn pow2(prec: u32, e: i32) -> Float {
    Float::with_val(prec, Float::i_exp(1, e))
}
