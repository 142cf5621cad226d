//! The checks every [`RunData`] must pass, each failure located at an array index.

use super::{PSD_RTOL, RunData, SYMMETRY_RTOL, Spectrum};
use crate::error::{Error, Result};
use nalgebra::DMatrix;
use std::num::FpCategory;

/// An [`Error::InvalidInput`] located at `origin: what` (just `origin` if `what` is empty).
pub(super) fn invalid(origin: &str, what: &str, message: impl Into<String>) -> Error {
    Error::InvalidInput {
        location: if what.is_empty() {
            origin.to_owned()
        } else {
            format!("{origin}: {what}")
        },
        message: message.into(),
    }
}

/// A shape as numpy prints it: `(4,)`, `(4, 6, 6)`.
pub(super) fn fmt_shape<D: std::fmt::Display>(shape: &[D]) -> String {
    match shape {
        [d] => format!("({d},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A value in full precision, switching to exponent notation where plain decimals get long.
fn fmt_value(x: f64) -> String {
    let a = x.abs();
    if x.classify() == FpCategory::Zero || (1e-4..1e6).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

fn nonfinite(x: f64) -> Option<&'static str> {
    match x.classify() {
        FpCategory::Nan => Some("NaN"),
        FpCategory::Infinite if x > 0.0 => Some("+inf"),
        FpCategory::Infinite => Some("-inf"),
        _ => None,
    }
}

/// Entries of `m` in row-major order with their `(row, column)`, matching the C order of the file.
fn row_major(m: &DMatrix<f64>) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
    (0..m.nrows()).flat_map(move |i| (0..m.ncols()).map(move |j| (i, j, m[(i, j)])))
}

impl RunData {
    /// Checks the run against the rules of the [module documentation](super): consistent
    /// shapes, finite values, strictly increasing times, symmetric positive semidefinite Gram
    /// matrices (tolerances [`SYMMETRY_RTOL`], [`PSD_RTOL`]) and non-negative layer norms.
    ///
    /// The first violation is returned as [`Error::InvalidInput`] located at `origin` and the
    /// array index, e.g. `run.npz: gram[3, 1, 2]`.
    pub fn validate(&self, origin: &str) -> Result<()> {
        self.check_shapes(origin)?;
        self.check_finite(origin)?;
        self.check_times(origin)?;
        for (t, m) in self.gram.iter().enumerate() {
            check_symmetric(origin, t, m)?;
        }
        for (t, m) in self.gram.iter().enumerate() {
            check_psd(origin, t, m.nrows(), &spectrum(origin, t, m)?.values)?;
        }
        self.check_norms(origin)?;
        Ok(())
    }

    /// Checks every array but `gram` (which a streamed reader checks checkpoint by checkpoint):
    /// finite values, strictly increasing times, non-negative layer norms.
    pub(super) fn validate_except_gram(&self, origin: &str) -> Result<()> {
        self.check_finite(origin)?;
        self.check_times(origin)?;
        self.check_norms(origin)
    }

    fn check_norms(&self, origin: &str) -> Result<()> {
        if let Some(norms) = &self.layer_jacobian_norms
            && let Some((t, k, x)) = row_major(norms).find(|&(_, _, x)| x < 0.0)
        {
            return Err(invalid(
                origin,
                &format!("layer_jacobian_norms[{t}, {k}]"),
                format!(
                    "value {} is negative; operator norms are non-negative",
                    fmt_value(x)
                ),
            ));
        }
        Ok(())
    }

    /// Checks the dimensions agree: `T ≥ 1` times, `T` Gram matrices `N × N` with `N ≥ 1`,
    /// `T` residuals of length `N`, norms `T × L` and Jacobians `N × P` with `L, P ≥ 1`.
    pub(super) fn check_shapes(&self, origin: &str) -> Result<()> {
        let t = self.times.len();
        if t == 0 {
            return Err(invalid(
                origin,
                "times",
                "no checkpoints: at least one time is required",
            ));
        }
        let count = |what: &str, len: usize| {
            if len == t {
                Ok(())
            } else {
                Err(invalid(
                    origin,
                    what,
                    format!("holds {len} checkpoints, expected T = {t} (the length of `times`)"),
                ))
            }
        };
        let dims = |what: String, m: &DMatrix<f64>, rows: usize, cols: usize, why: &str| {
            if m.shape() == (rows, cols) {
                Ok(())
            } else {
                Err(invalid(
                    origin,
                    &what,
                    format!(
                        "matrix is {} × {}, expected {rows} × {cols} ({why})",
                        m.nrows(),
                        m.ncols()
                    ),
                ))
            }
        };

        count("gram", self.gram.len())?;
        let n = self.gram.first().map_or(0, DMatrix::nrows);
        if n == 0 {
            return Err(invalid(
                origin,
                "gram[0]",
                "matrix is empty: N ≥ 1 samples are required",
            ));
        }
        for (i, m) in self.gram.iter().enumerate() {
            dims(format!("gram[{i}]"), m, n, n, "N × N, N from gram[0]")?;
        }

        count("residual", self.residual.len())?;
        for (i, r) in self.residual.iter().enumerate() {
            if r.len() != n {
                return Err(invalid(
                    origin,
                    &format!("residual[{i}]"),
                    format!("has length {}, expected N = {n} (from `gram`)", r.len()),
                ));
            }
        }

        if let Some(norms) = &self.layer_jacobian_norms {
            let l = norms.ncols().max(1);
            dims("layer_jacobian_norms".into(), norms, t, l, "T × L with L ≥ 1")?;
        }

        if let Some(jacobian) = &self.jacobian {
            count("jacobian", jacobian.len())?;
            let p = jacobian.first().map_or(1, DMatrix::ncols).max(1);
            for (i, m) in jacobian.iter().enumerate() {
                dims(format!("jacobian[{i}]"), m, n, p, "N × P, P ≥ 1 from jacobian[0]")?;
            }
        }
        Ok(())
    }

    pub(super) fn check_finite(&self, origin: &str) -> Result<()> {
        let bad = |what: String, x: f64| -> Result<()> {
            match nonfinite(x) {
                Some(kind) => Err(invalid(
                    origin,
                    &what,
                    format!("value is {kind}; every entry must be finite"),
                )),
                None => Ok(()),
            }
        };
        for (i, &x) in self.times.iter().enumerate() {
            bad(format!("times[{i}]"), x)?;
        }
        for (t, m) in self.gram.iter().enumerate() {
            check_gram_finite(origin, t, m)?;
        }
        for (t, r) in self.residual.iter().enumerate() {
            if let Some((i, &x)) = r.iter().enumerate().find(|(_, x)| !x.is_finite()) {
                bad(format!("residual[{t}, {i}]"), x)?;
            }
        }
        if let Some(norms) = &self.layer_jacobian_norms
            && let Some((t, k, x)) = row_major(norms).find(|&(_, _, x)| !x.is_finite())
        {
            bad(format!("layer_jacobian_norms[{t}, {k}]"), x)?;
        }
        for (t, m) in self.jacobian.iter().flatten().enumerate() {
            if let Some((i, p, x)) = row_major(m).find(|&(_, _, x)| !x.is_finite()) {
                bad(format!("jacobian[{t}, {i}, {p}]"), x)?;
            }
        }
        Ok(())
    }

    pub(super) fn check_times(&self, origin: &str) -> Result<()> {
        for (i, pair) in self.times.windows(2).enumerate() {
            let (before, after) = (pair[0], pair[1]);
            if after <= before {
                return Err(invalid(
                    origin,
                    &format!("times[{}]", i + 1),
                    format!(
                        "times must be strictly increasing, but times[{}] = {} follows times[{i}] = {}",
                        i + 1,
                        fmt_value(after),
                        fmt_value(before)
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Symmetry relative to the largest entry, so the check is independent of the data's scale.
pub(super) fn check_symmetric(origin: &str, t: usize, m: &DMatrix<f64>) -> Result<()> {
    let scale = m.amax();
    let worst = (0..m.nrows())
        .flat_map(|i| (i + 1..m.ncols()).map(move |j| (i, j)))
        .map(|(i, j)| (i, j, (m[(i, j)] - m[(j, i)]).abs()))
        .max_by(|a, b| a.2.total_cmp(&b.2));
    let tolerance = SYMMETRY_RTOL * scale;
    match worst {
        Some((i, j, diff)) if diff > tolerance => Err(invalid(
            origin,
            &format!("gram[{t}, {i}, {j}]"),
            format!(
                "gram[{t}] is not symmetric: M[{i}, {j}] = {} but M[{j}, {i}] = {}; the difference {} \
                 exceeds {SYMMETRY_RTOL:e} × max|M| = {} (worst pair of the {n} × {n} matrix)",
                fmt_value(m[(i, j)]),
                fmt_value(m[(j, i)]),
                fmt_value(diff),
                fmt_value(tolerance),
                n = m.nrows(),
            ),
        )),
        _ => Ok(()),
    }
}

/// Positive semidefiniteness up to rounding, relative to the spectral radius, from the
/// eigenvalues of the symmetrised `gram[t]` ([`Spectrum::of`]); `n` is its order.
pub(super) fn check_psd(origin: &str, t: usize, n: usize, eigenvalues: &[f64]) -> Result<()> {
    let lambda_min = eigenvalues.iter().copied().fold(f64::INFINITY, f64::min);
    let radius = eigenvalues.iter().map(|l| l.abs()).fold(0.0, f64::max);
    let tolerance = PSD_RTOL * radius;
    if lambda_min < -tolerance {
        return Err(invalid(
            origin,
            &format!("gram[{t}]"),
            format!(
                "gram[{t}] ({n} × {n}) is not positive semidefinite: smallest eigenvalue {} is below \
                 −{PSD_RTOL:e} × max|λ| = −{} (a Gram matrix J Jᵀ has no negative eigenvalues)",
                fmt_value(lambda_min),
                fmt_value(tolerance),
            ),
        ));
    }
    Ok(())
}

/// The eigendecomposition of the symmetrised `gram[t]`, its failure located at the checkpoint.
pub(super) fn spectrum(origin: &str, t: usize, m: &DMatrix<f64>) -> Result<Spectrum> {
    Spectrum::of(m).map_err(|why| {
        let n = m.nrows();
        invalid(
            origin,
            &format!("gram[{t}]"),
            format!(
                "the eigenvalues of gram[{t}] ({n} × {n}) did not converge; the matrix is ill-formed: {why}"
            ),
        )
    })
}

/// The first non-finite entry of `gram[t]` in the file's C order, located at its index.
pub(super) fn check_gram_finite(origin: &str, t: usize, m: &DMatrix<f64>) -> Result<()> {
    match row_major(m).find(|&(_, _, x)| !x.is_finite()) {
        Some((i, j, x)) => Err(invalid(
            origin,
            &format!("gram[{t}, {i}, {j}]"),
            format!(
                "value is {}; every entry must be finite",
                nonfinite(x).unwrap_or("not finite")
            ),
        )),
        None => Ok(()),
    }
}
