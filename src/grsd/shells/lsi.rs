//! Log-shift invariance of the fitted couplings (docs/theory.md §2.4): fit
//! `ln K_αβ ≈ γ h α + κ(α − β)` by least squares over pairs with `K_αβ > 0`; the defect is
//! `δ_LSI = 1 − R²`, and a bootstrap over checkpoints gives 95% intervals for `γ` and `δ`.

use super::{ShellState, closure::fit_closure};
use nalgebra::{DMatrix, DVector};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The fit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LsiFit {
    /// Covariance exponent `γ` (0 for invariance).
    pub gamma: f64,
    /// `δ_LSI = 1 − R²`.
    pub defect: f64,
    /// Profile `κ(d)` per offset `d = α − β`.
    pub kappa: BTreeMap<i64, f64>,
    /// Number of pairs with `K > 0` used.
    pub pairs: usize,
}

/// Fits the LSI model to `K` (`alpha_min` makes `α` absolute). `None` with fewer than three
/// positive pairs or no variation in shell index (the fit would be meaningless).
pub fn fit_lsi(k: &DMatrix<f64>, h: f64, alpha_min: i64) -> Option<LsiFit> {
    let mut rows = Vec::new();
    for al in 0..k.nrows() {
        for be in 0..k.ncols() {
            if al != be && k[(al, be)] > 0.0 && k[(al, be)].is_finite() {
                rows.push((al as i64 + alpha_min, al as i64 - be as i64, k[(al, be)].ln()));
            }
        }
    }
    let offsets: Vec<i64> = {
        let mut d: Vec<i64> = rows.iter().map(|r| r.1).collect();
        d.sort_unstable();
        d.dedup();
        d
    };
    if rows.len() < offsets.len() + 2 {
        return None;
    }
    let cols = 1 + offsets.len();
    let mut x = DMatrix::zeros(rows.len(), cols);
    let mut y = DVector::zeros(rows.len());
    for (i, (al, d, lk)) in rows.iter().enumerate() {
        x[(i, 0)] = h * *al as f64;
        let j = offsets.iter().position(|o| o == d)?;
        x[(i, 1 + j)] = 1.0;
        y[i] = *lk;
    }
    let svd = x.clone().svd(true, true);
    let beta = svd.solve(&y, 1e-12).ok()?;
    let fitted = &x * &beta;
    let mean = y.mean();
    let ss_tot: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    let ss_res: f64 = y.iter().zip(fitted.iter()).map(|(a, b)| (a - b).powi(2)).sum();
    let defect = if ss_tot > 0.0 {
        (ss_res / ss_tot).clamp(0.0, 1.0)
    } else {
        0.0
    };
    Some(LsiFit {
        gamma: beta[0],
        defect,
        kappa: offsets
            .iter()
            .enumerate()
            .map(|(j, d)| (*d, beta[1 + j]))
            .collect(),
        pairs: rows.len(),
    })
}

/// Bootstrap over checkpoints: 95% intervals `([γ_lo, γ_hi], [δ_lo, δ_hi])` from `resamples`
/// refits of closure and LSI model on resampled windows (deterministic in `seed`).
pub fn bootstrap_lsi(
    states: &[&ShellState],
    h: f64,
    alpha_min: i64,
    resamples: usize,
    seed: u64,
) -> Option<([f64; 2], [f64; 2])> {
    if states.len() < 2 {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut gammas, mut defects) = (Vec::new(), Vec::new());
    for _ in 0..resamples {
        let sample: Vec<&ShellState> = (0..states.len())
            .map(|_| states[rng.random_range(0..states.len())])
            .collect();
        if let Some(fit) = fit_lsi(&fit_closure(&sample).k, h, alpha_min) {
            gammas.push(fit.gamma);
            defects.push(fit.defect);
        }
    }
    // No interval from no refits (`resamples = 0`, or every resample unfittable), nor from
    // fewer than half of them.
    if gammas.is_empty() || gammas.len() < resamples / 2 {
        return None;
    }
    let interval = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        [at(0.025), at(0.975)]
    };
    Some((interval(&mut gammas), interval(&mut defects)))
}

/// The drift per shell, `V_α = h Σ_β (β − α) K_βα`.
pub fn drift(k: &DMatrix<f64>, h: f64) -> Vec<f64> {
    (0..k.ncols())
        .map(|al| {
            (0..k.nrows())
                .filter(|&be| be != al)
                .map(|be| h * (be as f64 - al as f64) * k[(be, al)])
                .sum()
        })
        .collect()
}
