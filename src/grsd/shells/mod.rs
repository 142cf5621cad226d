//! Spectral shell dynamics of a training run (docs/theory.md §2.1–2.5).
//!
//! From checkpoints `(t_i, M(t_i), e(t_i))`: eigen-decomposition per checkpoint, amplitudes
//! `a_k = ⟨φ_k, e⟩`, logarithmic shells of width `h`, shell energies `E_α`, Kato couplings
//! `A_kj = ⟨φ_j, Ṁ φ_k⟩/(λ_k − λ_j)` from centred differences of `M` (near-degenerate pairs are
//! excluded and counted, never silently used), dissipation `D_α`, transfers `T_αβ`, the Lemma 1
//! balance residual, the closure fit `K` with its residual under coarse-graining, the LSI defect
//! with a bootstrap interval, and the drift `V_α` with the exponent `b = 1 + γ`.
//!
//! Everything here is measurement on `f64` data; the numbers it produces are evidence for the
//! rule engine, with their uncertainties, not symbolic conclusions.

mod closure;
mod lsi;

pub use closure::{Closure, coarse_grain, fit_closure};
pub use lsi::{LsiFit, bootstrap_lsi, drift, fit_lsi};

use crate::rundata::RunData;
use nalgebra::{DMatrix, DVector, SymmetricEigen};
use serde::{Deserialize, Serialize};

/// Analysis settings (the defaults of docs/theory.md §2.1–2.3; overridable in a conditions spec).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShellOptions {
    /// Shell width `h` in `ln λ`.
    pub h: f64,
    /// Eigenvalues below `floor · λ_max` are treated as zero modes and left out of every shell.
    pub floor: f64,
    /// Pairs with `|λ_k − λ_j| < degeneracy · max(λ_k, λ_j)` are near-degenerate: their Kato
    /// coupling is ill-conditioned and is excluded.
    pub degeneracy: f64,
}

impl Default for ShellOptions {
    fn default() -> Self {
        ShellOptions {
            h: 1.0,
            floor: 1e-10,
            degeneracy: 1e-3,
        }
    }
}

/// One checkpoint, decomposed.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Time.
    pub t: f64,
    /// Eigenvalues, ascending.
    pub lambda: Vec<f64>,
    /// Eigenvectors as columns, in the same order.
    pub phi: DMatrix<f64>,
    /// Amplitudes `a_k = ⟨φ_k, e⟩`.
    pub a: Vec<f64>,
    /// Shell of each mode (`None` for zero modes below the floor).
    pub shell: Vec<Option<i64>>,
}

/// Shell-level quantities at one (interior) checkpoint.
#[derive(Debug, Clone)]
pub struct ShellState {
    /// Checkpoint index.
    pub index: usize,
    /// Time.
    pub t: f64,
    /// Energies `E_α` (indexed by `α − α_min`).
    pub energy: Vec<f64>,
    /// Dissipation `D_α`.
    pub dissipation: Vec<f64>,
    /// Transfers `T_αβ` (row `α`, column `β`).
    pub transfer: DMatrix<f64>,
    /// Shell-aggregated `Σ |A_kj|` for `k ∈ α, j ∈ β`.
    pub coupling_abs: DMatrix<f64>,
    /// Number of mode pairs excluded as near-degenerate.
    pub degenerate_pairs: usize,
}

/// The decomposed run.
#[derive(Debug, Clone)]
pub struct ShellAnalysis {
    /// Options used.
    pub options: ShellOptions,
    /// Per checkpoint.
    pub snapshots: Vec<Snapshot>,
    /// Lowest shell index present.
    pub alpha_min: i64,
    /// Number of shells.
    pub shells: usize,
    /// Shell states at checkpoints where a centred difference exists.
    pub states: Vec<ShellState>,
    /// Checkpoints where some mode changed shell between neighbours (excluded from the balance).
    pub crossings: Vec<usize>,
    /// Energies at every checkpoint (`T × shells`).
    pub energy_series: DMatrix<f64>,
}

/// Lemma 1 on data: measured `dE/dt` against `−D + Σ T`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Balance {
    /// `‖Ė_fd − (−D + ΣT)‖ / ‖Ė_fd‖` over all usable checkpoints and shells.
    pub relative_residual: f64,
    /// `max |Σ_αβ T_αβ| / max |T_αβ|` (zero up to rounding: antisymmetry).
    pub transfer_sum: f64,
    /// Checkpoints used.
    pub checkpoints_used: usize,
}

fn decompose(m: &DMatrix<f64>, e: &DVector<f64>, t: f64, options: &ShellOptions) -> Snapshot {
    let eig = SymmetricEigen::new(m.clone());
    let mut order: Vec<usize> = (0..eig.eigenvalues.len()).collect();
    order.sort_by(|&i, &j| eig.eigenvalues[i].total_cmp(&eig.eigenvalues[j]));
    let lambda: Vec<f64> = order.iter().map(|&i| eig.eigenvalues[i]).collect();
    let phi = DMatrix::from_columns(
        &order
            .iter()
            .map(|&i| eig.eigenvectors.column(i).into_owned())
            .collect::<Vec<_>>(),
    );
    let a: Vec<f64> = (0..lambda.len()).map(|k| phi.column(k).dot(e)).collect();
    let top = lambda.last().copied().unwrap_or(0.0).max(0.0);
    let shell = lambda
        .iter()
        .map(|&l| (l > options.floor * top && l > 0.0).then(|| (l.ln() / options.h).floor() as i64))
        .collect();
    Snapshot {
        t,
        lambda,
        phi,
        a,
        shell,
    }
}

/// Kato couplings `A_kj` from `Ṁ`, in the eigenbasis of `s`; near-degenerate pairs are zeroed
/// and counted.
fn kato(s: &Snapshot, m_dot: &DMatrix<f64>, options: &ShellOptions) -> (DMatrix<f64>, usize) {
    let n = s.lambda.len();
    let rotated = s.phi.transpose() * m_dot * &s.phi; // (φ_j, Ṁ φ_k) = rotated[(j, k)]
    let mut a = DMatrix::zeros(n, n);
    let mut degenerate = 0;
    for k in 0..n {
        for j in 0..n {
            if j == k || s.shell[k].is_none() || s.shell[j].is_none() {
                continue;
            }
            let gap = s.lambda[k] - s.lambda[j];
            if gap.abs() < options.degeneracy * s.lambda[k].abs().max(s.lambda[j].abs()) {
                if j > k {
                    degenerate += 1;
                }
                continue;
            }
            a[(k, j)] = rotated[(j, k)] / gap;
        }
    }
    (a, degenerate)
}

fn shell_state(
    s: &Snapshot,
    a_kato: &DMatrix<f64>,
    degenerate: usize,
    alpha_min: i64,
    shells: usize,
    index: usize,
) -> ShellState {
    let idx = |k: usize| s.shell[k].map(|al| (al - alpha_min) as usize);
    let mut energy = vec![0.0; shells];
    let mut dissipation = vec![0.0; shells];
    let mut transfer = DMatrix::zeros(shells, shells);
    let mut coupling_abs = DMatrix::zeros(shells, shells);
    let n = s.lambda.len();
    for k in 0..n {
        let Some(al) = idx(k) else { continue };
        energy[al] += s.a[k] * s.a[k];
        dissipation[al] += 2.0 * s.lambda[k] * s.a[k] * s.a[k];
        for j in 0..n {
            let Some(be) = idx(j) else { continue };
            if al != be {
                transfer[(al, be)] += 2.0 * a_kato[(k, j)] * s.a[k] * s.a[j];
                coupling_abs[(al, be)] += a_kato[(k, j)].abs();
            }
        }
    }
    ShellState {
        index,
        t: s.t,
        energy,
        dissipation,
        transfer,
        coupling_abs,
        degenerate_pairs: degenerate,
    }
}

/// Decomposes every checkpoint and computes shell states at interior checkpoints (centred
/// differences of `M`), plus at the first checkpoint with a forward difference (needed for the
/// incoherence condition at initialization).
pub fn analyze(run: &RunData, options: &ShellOptions) -> ShellAnalysis {
    let snapshots: Vec<Snapshot> = run
        .gram
        .iter()
        .zip(&run.residual)
        .zip(&run.times)
        .map(|((m, e), &t)| decompose(m, e, t, options))
        .collect();
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    for s in &snapshots {
        for al in s.shell.iter().flatten() {
            lo = lo.min(*al);
            hi = hi.max(*al);
        }
    }
    let (alpha_min, shells) = if lo > hi {
        (0, 0)
    } else {
        (lo, (hi - lo + 1) as usize)
    };
    let t_count = snapshots.len();
    let mut energy_series = DMatrix::zeros(t_count, shells);
    for (i, s) in snapshots.iter().enumerate() {
        for (k, al) in s.shell.iter().enumerate() {
            if let Some(al) = al {
                energy_series[(i, (al - alpha_min) as usize)] += s.a[k] * s.a[k];
            }
        }
    }
    let mut states = Vec::new();
    let mut crossings = Vec::new();
    for i in 0..t_count {
        if t_count < 2 || shells == 0 {
            break;
        }
        let (prev, next) = if i == 0 {
            (0, 1)
        } else if i + 1 < t_count {
            (i - 1, i + 1)
        } else {
            continue;
        };
        let dt = run.times[next] - run.times[prev];
        let m_dot = (&run.gram[next] - &run.gram[prev]) / dt;
        if i > 0
            && (snapshots[prev].shell != snapshots[i].shell || snapshots[next].shell != snapshots[i].shell)
        {
            crossings.push(i);
        }
        let (a_kato, degenerate) = kato(&snapshots[i], &m_dot, options);
        states.push(shell_state(
            &snapshots[i],
            &a_kato,
            degenerate,
            alpha_min,
            shells,
            i,
        ));
    }
    ShellAnalysis {
        options: options.clone(),
        snapshots,
        alpha_min,
        shells,
        states,
        crossings,
        energy_series,
    }
}

impl ShellAnalysis {
    /// Interior states (centred differences) without shell crossings around them.
    pub fn clean_states(&self) -> Vec<&ShellState> {
        self.states
            .iter()
            .filter(|s| s.index > 0 && !self.crossings.contains(&s.index))
            .collect()
    }

    /// Lemma 1 on the data.
    pub fn balance(&self, times: &[f64]) -> Balance {
        let (mut num, mut den) = (0.0f64, 0.0f64);
        let mut used = 0;
        let mut worst_sum = 0.0f64;
        let mut worst_t = 0.0f64;
        for st in self.clean_states() {
            let i = st.index;
            let dt = times[i + 1] - times[i - 1];
            for al in 0..self.shells {
                let measured = (self.energy_series[(i + 1, al)] - self.energy_series[(i - 1, al)]) / dt;
                let predicted = -st.dissipation[al] + st.transfer.row(al).sum();
                num += (measured - predicted).powi(2);
                den += measured.powi(2);
            }
            worst_sum = worst_sum.max(st.transfer.sum().abs());
            worst_t = worst_t.max(st.transfer.amax());
            used += 1;
        }
        Balance {
            relative_residual: if den > 0.0 { (num / den).sqrt() } else { f64::NAN },
            transfer_sum: if worst_t > 0.0 { worst_sum / worst_t } else { 0.0 },
            checkpoints_used: used,
        }
    }
}

#[cfg(test)]
mod tests;
