//! The closure fit of docs/theory.md §2.3: non-negative rates `K_αβ` with
//! `T_αβ ≈ K_αβ E_β − K_βα E_α`, fitted per unordered pair by non-negative least squares over a
//! window of checkpoints, its residual `ρ`, and coarse-graining `h → 2h`.

use super::ShellState;
use nalgebra::DMatrix;

/// A fitted closure.
#[derive(Debug, Clone)]
pub struct Closure {
    /// `K[(α, β)]`: rate at which energy hops from shell `β` into shell `α`.
    pub k: DMatrix<f64>,
    /// `ρ = ‖T − T_fit‖_F / ‖T‖_F` over the window.
    pub residual: f64,
    /// Number of shells.
    pub shells: usize,
}

/// Two-variable non-negative least squares `min ‖x₁ u − x₂ v − y‖²` over `x ≥ 0`, by checking
/// the unconstrained optimum and the boundary faces (exact for two variables).
fn nnls2(u: &[f64], v: &[f64], y: &[f64]) -> (f64, f64) {
    let dot = |p: &[f64], q: &[f64]| p.iter().zip(q).map(|(a, b)| a * b).sum::<f64>();
    // Columns c1 = u, c2 = −v.
    let (a11, a12, a22) = (dot(u, u), -dot(u, v), dot(v, v));
    let (b1, b2) = (dot(u, y), -dot(v, y));
    let cost = |x1: f64, x2: f64| {
        u.iter()
            .zip(v)
            .zip(y)
            .map(|((ui, vi), yi)| (x1 * ui - x2 * vi - yi).powi(2))
            .sum::<f64>()
    };
    let mut best = (0.0, 0.0);
    let mut best_cost = cost(0.0, 0.0);
    let det = a11 * a22 - a12 * a12;
    let mut consider = |x1: f64, x2: f64| {
        if x1 >= 0.0 && x2 >= 0.0 && x1.is_finite() && x2.is_finite() {
            let c = cost(x1, x2);
            if c < best_cost {
                best_cost = c;
                best = (x1, x2);
            }
        }
    };
    if det.abs() > f64::EPSILON * (a11 * a22).abs().max(f64::MIN_POSITIVE) {
        consider((b1 * a22 - b2 * a12) / det, (a11 * b2 - a12 * b1) / det);
    }
    if a11 > 0.0 {
        consider(b1 / a11, 0.0);
    }
    if a22 > 0.0 {
        consider(0.0, b2 / a22);
    }
    best
}

/// Fits the closure over the given states.
pub fn fit_closure(states: &[&ShellState]) -> Closure {
    let shells = states.first().map_or(0, |s| s.energy.len());
    let mut k = DMatrix::zeros(shells, shells);
    let (mut res, mut tot) = (0.0f64, 0.0f64);
    for al in 0..shells {
        for be in (al + 1)..shells {
            let u: Vec<f64> = states.iter().map(|s| s.energy[be]).collect();
            let v: Vec<f64> = states.iter().map(|s| s.energy[al]).collect();
            let y: Vec<f64> = states.iter().map(|s| s.transfer[(al, be)]).collect();
            let (k_ab, k_ba) = nnls2(&u, &v, &y);
            k[(al, be)] = k_ab;
            k[(be, al)] = k_ba;
            for s in states {
                let fit = k_ab * s.energy[be] - k_ba * s.energy[al];
                // Both orientations of the pair count, as in ‖T‖_F over the full matrix.
                res += 2.0 * (s.transfer[(al, be)] - fit).powi(2);
                tot += s.transfer[(al, be)].powi(2) + s.transfer[(be, al)].powi(2);
            }
        }
    }
    Closure {
        k,
        residual: if tot > 0.0 { (res / tot).sqrt() } else { 0.0 },
        shells,
    }
}

/// Merges shells `2γ, 2γ+1` (relative to the lowest shell): energies and dissipation add,
/// transfers between merged groups add, transfers inside a group vanish.
pub fn coarse_grain(states: &[ShellState]) -> Vec<ShellState> {
    states
        .iter()
        .map(|s| {
            let n = s.energy.len();
            let m = n.div_ceil(2);
            let mut energy = vec![0.0; m];
            let mut dissipation = vec![0.0; m];
            let mut transfer = DMatrix::zeros(m, m);
            let mut coupling_abs = DMatrix::zeros(m, m);
            for al in 0..n {
                energy[al / 2] += s.energy[al];
                dissipation[al / 2] += s.dissipation[al];
                for be in 0..n {
                    if al / 2 != be / 2 {
                        transfer[(al / 2, be / 2)] += s.transfer[(al, be)];
                        coupling_abs[(al / 2, be / 2)] += s.coupling_abs[(al, be)];
                    }
                }
            }
            ShellState {
                index: s.index,
                t: s.t,
                energy,
                dissipation,
                transfer,
                coupling_abs,
                degenerate_pairs: s.degenerate_pairs,
            }
        })
        .collect()
}
