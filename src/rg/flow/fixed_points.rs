//! Fixed points of the autonomous `S² = 0` system: grid-started Newton in MPFR with the analytic
//! Jacobian, snapped to exact rationals where the beta functions vanish exactly there, and the
//! one possible *line* of fixed points, detected exactly.
//!
//! # The fixed set of the `S² = 0` plane (why the line `ρ = 0` at `c = 0` is the only degeneracy)
//!
//! At `S² = 0`, `T = ρ/(1+ρ)` and `B = ρ²/(1+ρ)² + 2ρ/(1+ρ)`, and a fixed point solves
//! `ρ (ũT − a) = 0` and `ũ (c + ũB) = 0` (`a = 1 + α > 0`, `c = 1 + 2ω`).
//!
//! * `ρ = 0`: then `T = B = 0` and the second condition is `c ũ = 0`. For `c ≠ 0` this forces
//!   `ũ = 0` (the Gaussian point); for `c = 0` (`ω = −1/2`) **every** `(ũ, 0)` is fixed: the line
//!   `ρ = 0, S² = 0, ũ ∈ ℝ`.
//! * `ρ ≠ 0`: then `ũT = a ≠ 0`, so `ũ ≠ 0`, `T ≠ 0`, `ũ = a/T`, and `c + ũB = 0` becomes
//!   `cT + aB = 0`, i.e. `ρ [(c + 2a) + (c + 3a) ρ] / (1+ρ)² = 0`. The bracket is a polynomial
//!   of degree ≤ 1 in `ρ` that is not identically zero (its coefficients `c + 2a`, `c + 3a`
//!   cannot both vanish because `a ≠ 0`), so it has at most the one root
//!   `ρ* = −(c+2a)/(c+3a)`, with `ũ* = −a²/(c+2a)`: an isolated point.
//!
//! The tree-level truncation (`dũ = −cũ`, `dρ = −aρ`) has the same line at `c = 0` and only the
//! Gaussian point otherwise. Hence, for `a > 0`, the fixed set of the plane is finite unless
//! `c = 0`, and then it is the line `ρ = 0` plus isolated points.
//!
//! # Exact detection of the line
//!
//! [`fixed_line`] does not rely on the derivation above: it evaluates all four beta functions of
//! [`beta_generic`] exactly (rational arithmetic) on `(ũ, ρ, A, S²) = (ũ, 0, 1, 0)` at the
//! [`LINE_BETA_DEGREE`]` + 1` distinct points `ũ = 0, 1, 2`. Restricted to that line the beta
//! functions are polynomials in `ũ` of degree at most [`LINE_BETA_DEGREE`] `= 2` (by the form of
//! `beta_core`: `−cũ − ũ²B`, `ρ(ũT − a)`, `AũT`, `S²(β − α + ũT)` with `T`, `B` independent of
//! `ũ`), so vanishing at three points proves they vanish identically: the line is fixed, exactly,
//! not up to a tolerance. Newton starts that converge onto a detected line are absorbed into it
//! (counted in [`FixedLine::basin_starts`]) instead of being reported as separate points.

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

/// Degree in `ũ` of every beta function restricted to `(ũ, ρ, A, S²) = (ũ, 0, 1, 0)` (module
/// docs): [`fixed_line`] checks `LINE_BETA_DEGREE + 1` points.
pub const LINE_BETA_DEGREE: usize = 2;

/// A line of fixed points of the `S² = 0` plane: `ρ = rho`, `S² = 0`, `ũ` free (module docs:
/// it exists only at `c = 1 + 2ω = 0`, and then `rho = 0`).
#[derive(Debug, Clone, PartialEq)]
pub struct FixedLine {
    /// The fixed ridge coordinate of the line (`0`).
    pub rho: Rational,
    /// The distinct exact `ũ` at which every beta function was evaluated exactly and vanished
    /// (`LINE_BETA_DEGREE + 1` of them: enough to prove they vanish identically along the line).
    pub verified_at: Vec<Rational>,
    /// Number of grid Newton starts that converged onto the line (absorbed, not reported as
    /// points).
    pub basin_starts: usize,
}

impl FixedLine {
    /// The parametrisation as text, e.g. `ρ = 0, S² = 0, ũ ∈ ℝ`.
    pub fn parametrisation(&self) -> String {
        format!("ρ = {}, S² = 0, ũ ∈ ℝ", self.rho)
    }

    /// Whether part of the line lies in the physical quadrant `ũ ≥ 0, ρ ≥ 0`.
    pub fn is_partly_physical(&self) -> bool {
        self.rho.cmp0() != Ordering::Less
    }

    /// The physical part of the line as text: `ũ ≥ 0` when the line lies at `ρ ≥ 0` (a negative
    /// quartic coupling has no normalizable measure), `none` otherwise.
    pub fn physical_part(&self) -> &'static str {
        if self.is_partly_physical() {
            "ũ ≥ 0"
        } else {
            "none"
        }
    }
}

/// The fixed set found in the `S² = 0` plane: isolated points and lines of fixed points.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedSet {
    /// Isolated fixed points, sorted by `(ρ, ũ)`; none of them lies on a line of `lines`.
    pub points: Vec<FixedPoint>,
    /// Lines of fixed points (at most one: `ρ = 0` at `c = 0`, module docs).
    pub lines: Vec<FixedLine>,
}

/// The line `ρ = 0, S² = 0` if it is a line of fixed points, decided exactly (module docs): every
/// beta function is evaluated in rational arithmetic at `ũ = 0, 1, …, LINE_BETA_DEGREE` and must
/// vanish at each.
pub fn fixed_line(params: &FlowParams, truncation: Truncation) -> Result<Option<FixedLine>, FlowError> {
    params.validate()?;
    let rho = Rational::new();
    let mut verified_at = Vec::with_capacity(LINE_BETA_DEGREE + 1);
    for k in 0..=LINE_BETA_DEGREE {
        let u = Rational::from(k as u64);
        let b = beta_generic(params, truncation, &plane_state(&u, &rho)).ok_or(FlowError::Pole)?;
        if b.iter().any(|x| !x.is_zero()) {
            return Ok(None);
        }
        verified_at.push(u);
    }
    Ok(Some(FixedLine {
        rho,
        verified_at,
        basin_starts: 0,
    }))
}

pub(super) fn plane_state<S: Scalar>(u: &S, rho: &S) -> [S; 4] {
    let one = u.constant(&Rational::from(1));
    let zero = u.constant(&Rational::new());
    [u.clone(), rho.clone(), one, zero]
}

/// The isolated fixed points of the `(ũ, ρ)` flow at `S² = 0`: [`find_fixed_set`]`.points`.
///
/// Where the plane holds a line of fixed points (`c = 0`), the points on it are not in this list;
/// use [`find_fixed_set`] to get the line too.
pub fn find_fixed_points(
    params: &FlowParams,
    truncation: Truncation,
    search: &FixedPointSearch,
    prec: Precision,
) -> Result<Vec<FixedPoint>, FlowError> {
    Ok(find_fixed_set(params, truncation, search, prec)?.points)
}

/// The fixed set of the `(ũ, ρ)` flow at `S² = 0` (and `A = 1`, which never feeds back): the
/// line `ρ = 0` when [`fixed_line`] proves it fixed, and the isolated points found by Newton in
/// MPFR with the analytic Jacobian from every start of a grid, deduplicated, snapped to exact
/// rationals where possible, sorted by `(ρ, ũ)`. A Newton root within the deduplication
/// tolerance of the line is counted as a start converging onto the line, not as a point (on the
/// line the Jacobian is singular, so Newton stops at arbitrary `ũ` there).
pub fn find_fixed_set(
    params: &FlowParams,
    truncation: Truncation,
    search: &FixedPointSearch,
    prec: Precision,
) -> Result<FixedSet, FlowError> {
    let prec = prec.bits();
    params.validate()?;
    let mut line = fixed_line(params, truncation)?;
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
            if let Some(l) = line.as_mut() {
                let off = Float::with_val(prec, Float::with_val(prec, &rho - &l.rho).abs());
                if off <= Float::with_val(prec, &size * &same_tol) {
                    l.basin_starts += 1;
                    continue;
                }
            }
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
    Ok(FixedSet {
        points: found,
        lines: line.into_iter().collect(),
    })
}

fn pow2(prec: u32, e: i32) -> Float {
    Float::with_val(prec, Float::i_exp(1, e))
}
