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

use crate::rundata::{RunData, Spectrum, view};
use faer::Mat;
use nalgebra::{DMatrix, DVector};
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

/// One checkpoint, decomposed. The eigenvectors are not kept (they would make the analysis
/// `O(T · N²)` in memory); the analysis holds only the few it needs at a time.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Time.
    pub t: f64,
    /// Eigenvalues, ascending.
    pub lambda: Vec<f64>,
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
    /// Checkpoints where some mode changed shell between neighbours. Reported, not excluded: the
    /// balance differentiates energies over a fixed set of modes ([`ShellAnalysis::balance`]),
    /// and the closure is pointwise in time.
    pub crossings: Vec<usize>,
    /// Energies at every checkpoint (`T × shells`).
    pub energy_series: DMatrix<f64>,
    /// `φ₀ᵀ Ṁ φ₀` at the first checkpoint, with `Ṁ` the forward difference of `M` over one and
    /// over two checkpoints (as many as the run allows): entry `(j, k)` is `⟨φ_j, Ṁ φ_k⟩`.
    pub initial_rates: Vec<Mat<f64>>,
    /// `δ_M = max_i ‖M(t_i) − M(t_0)‖_F / ‖M(t_0)‖_F`.
    pub gram_drift: f64,
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

fn decompose(spectrum: &Spectrum, e: &DVector<f64>, t: f64, options: &ShellOptions) -> Snapshot {
    let lambda = spectrum.values.clone();
    let phi = &spectrum.vectors;
    let a: Vec<f64> = (0..lambda.len())
        .map(|k| phi.col_as_slice(k).iter().zip(e.iter()).map(|(p, x)| p * x).sum())
        .collect();
    let top = lambda.last().copied().unwrap_or(0.0).max(0.0);
    let shell = lambda
        .iter()
        .map(|&l| (l > options.floor * top && l > 0.0).then(|| (l.ln() / options.h).floor() as i64))
        .collect();
    Snapshot { t, lambda, a, shell }
}

/// `φᵀ Ṁ φ` (multithreaded): entry `(j, k)` is `⟨φ_j, Ṁ φ_k⟩`.
fn rotate(phi: &Mat<f64>, m_dot: &DMatrix<f64>) -> Mat<f64> {
    phi.transpose() * (view(m_dot) * phi)
}

/// Kato couplings `A_kj = rotated[(j, k)] / (λ_k − λ_j)` in the eigenbasis of `s`;
/// near-degenerate pairs are zeroed and counted.
fn kato(s: &Snapshot, rotated: &Mat<f64>, options: &ShellOptions) -> (Mat<f64>, usize) {
    let n = s.lambda.len();
    let mut a = Mat::zeros(n, n);
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

/// The shell state of `s`, its shells indexed from `alpha_lo` (the lowest shell of `s`; the
/// analysis re-indexes it once the lowest shell of the run is known).
fn shell_state(
    s: &Snapshot,
    a_kato: &Mat<f64>,
    degenerate: usize,
    alpha_lo: i64,
    shells: usize,
    index: usize,
) -> ShellState {
    let idx = |k: usize| s.shell[k].map(|al| (al - alpha_lo) as usize);
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

/// A shell state computed with shells indexed from `lo`, placed among `shells` shells indexed
/// from `alpha_min ≤ lo` (the shells it does not occupy hold zeros).
fn reindex(local: ShellState, lo: i64, alpha_min: i64, shells: usize) -> ShellState {
    let offset = (lo - alpha_min) as usize;
    let m = local.energy.len();
    let mut energy = vec![0.0; shells];
    let mut dissipation = vec![0.0; shells];
    let mut transfer = DMatrix::zeros(shells, shells);
    let mut coupling_abs = DMatrix::zeros(shells, shells);
    for a in 0..m {
        energy[a + offset] = local.energy[a];
        dissipation[a + offset] = local.dissipation[a];
        for b in 0..m {
            transfer[(a + offset, b + offset)] = local.transfer[(a, b)];
            coupling_abs[(a + offset, b + offset)] = local.coupling_abs[(a, b)];
        }
    }
    ShellState {
        energy,
        dissipation,
        transfer,
        coupling_abs,
        ..local
    }
}

/// The lowest shell of `s` and the number of shells up to its highest (`(0, 0)` if none).
fn shell_range(s: &Snapshot) -> (i64, usize) {
    let lo = s.shell.iter().flatten().min();
    let hi = s.shell.iter().flatten().max();
    match (lo, hi) {
        (Some(&lo), Some(&hi)) => (lo, (hi - lo + 1) as usize),
        _ => (0, 0),
    }
}

/// A checkpoint's Gram matrix and eigenvectors, held while a centred difference needs them.
struct Held {
    gram: DMatrix<f64>,
    phi: Mat<f64>,
}

/// The shell analysis of a run fed one checkpoint at a time ([`Analyzer::push`]) and completed
/// by [`Analyzer::finish`]. It holds at most five `N × N` matrices besides the two initial rates
/// (the first checkpoint's Gram matrix and eigenvectors, the last two checkpoints'), so memory is
/// `O(N²)` whatever the number of checkpoints; per checkpoint it keeps `O(N)` numbers.
pub struct Analyzer {
    options: ShellOptions,
    snapshots: Vec<Snapshot>,
    times: Vec<f64>,
    /// `M(t_0)`, its Frobenius norm, and `φ(t_0)` until the initial rates are computed.
    first: Option<(DMatrix<f64>, f64, Option<Mat<f64>>)>,
    /// The last two checkpoints, oldest first.
    window: Vec<Held>,
    /// Shell states with their own lowest shell.
    states: Vec<(ShellState, i64)>,
    crossings: Vec<usize>,
    initial_rates: Vec<Mat<f64>>,
    gram_drift: f64,
}

impl Analyzer {
    /// An analysis with the given options, before any checkpoint.
    pub fn new(options: &ShellOptions) -> Analyzer {
        Analyzer {
            options: options.clone(),
            snapshots: Vec::new(),
            times: Vec::new(),
            first: None,
            window: Vec::new(),
            states: Vec::new(),
            crossings: Vec::new(),
            initial_rates: Vec::new(),
            gram_drift: 0.0,
        }
    }

    /// Adds the next checkpoint: time `t`, Gram matrix `gram`, residual `e`, and the
    /// eigendecomposition of the (symmetrised) `gram`. Checkpoints must come in order of time.
    pub fn push(&mut self, t: f64, gram: DMatrix<f64>, e: &DVector<f64>, spectrum: Spectrum) {
        let k = self.snapshots.len();
        let snapshot = decompose(&spectrum, e, t, &self.options);
        let phi = spectrum.vectors;
        self.times.push(t);

        // δ_M, including the first checkpoint's own (zero) term as the in-memory fold did.
        let (g0, base) = match &self.first {
            Some((g0, base, _)) => (g0, *base),
            None => (&gram, gram.norm()),
        };
        self.gram_drift = self.gram_drift.max((&gram - g0).norm() / base);

        if let Some((g0, _, phi0)) = &mut self.first
            && (k == 1 || k == 2)
            && let Some(p0) = phi0.as_ref()
        {
            let m_dot = (&gram - &*g0) / (t - self.times[0]);
            let rotated = rotate(p0, &m_dot);
            if k == 1 {
                // The first checkpoint's state: forward difference of M.
                let (a_kato, degenerate) = kato(&self.snapshots[0], &rotated, &self.options);
                let (lo, count) = shell_range(&self.snapshots[0]);
                self.states.push((
                    shell_state(&self.snapshots[0], &a_kato, degenerate, lo, count, 0),
                    lo,
                ));
            } else {
                *phi0 = None;
            }
            self.initial_rates.push(rotated);
        }

        if k >= 2 {
            // The state at i = k − 1: centred difference of M over (k − 2, k).
            let i = k - 1;
            if let [older, centre] = &self.window[..] {
                let dt = t - self.times[k - 2];
                let m_dot = (&gram - &older.gram) / dt;
                let s = &self.snapshots[i];
                if self.snapshots[i - 1].shell != s.shell || snapshot.shell != s.shell {
                    self.crossings.push(i);
                }
                let rotated = rotate(&centre.phi, &m_dot);
                let (a_kato, degenerate) = kato(s, &rotated, &self.options);
                let (lo, count) = shell_range(s);
                self.states
                    .push((shell_state(s, &a_kato, degenerate, lo, count, i), lo));
            }
        }

        if k == 0 {
            self.first = Some((gram.clone(), gram.norm(), Some(phi.clone())));
        }
        self.window.push(Held { gram, phi });
        if self.window.len() > 2 {
            self.window.remove(0);
        }
        self.snapshots.push(snapshot);
    }

    /// The size of the shell-energy table [`finish`](Self::finish) will build: checkpoints and
    /// shells spanned over all of them.
    pub fn table_size(&self) -> (usize, usize) {
        let shells = self.snapshots.iter().flat_map(|s| s.shell.iter().flatten());
        let (lo, hi) = shells.fold((i64::MAX, i64::MIN), |(lo, hi), &al| (lo.min(al), hi.max(al)));
        let span = if lo > hi {
            0
        } else {
            (hi as i128 - lo as i128 + 1) as usize
        };
        (self.snapshots.len(), span)
    }

    /// The completed analysis.
    pub fn finish(self) -> ShellAnalysis {
        let snapshots = self.snapshots;
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
        // Without any occupied shell there is nothing to analyse (no states, no crossings).
        let (states, crossings) = if shells == 0 {
            (Vec::new(), Vec::new())
        } else {
            (
                self.states
                    .into_iter()
                    .map(|(state, lo)| reindex(state, lo, alpha_min, shells))
                    .collect(),
                self.crossings,
            )
        };
        ShellAnalysis {
            options: self.options,
            snapshots,
            alpha_min,
            shells,
            states,
            crossings,
            energy_series,
            initial_rates: self.initial_rates,
            gram_drift: self.gram_drift,
        }
    }
}

/// Decomposes every checkpoint and computes shell states at interior checkpoints (centred
/// differences of `M`), plus at the first checkpoint with a forward difference (needed for the
/// incoherence condition at initialization). The same computation as feeding an [`Analyzer`]
/// from [`stream_npz`](crate::rundata::stream_npz).
/// Each Gram matrix is decomposed with [`Spectrum::of_or_fallback`], the decomposition a
/// validated run is known to admit.
pub fn analyze(run: &RunData, options: &ShellOptions) -> ShellAnalysis {
    let mut analyzer = Analyzer::new(options);
    for ((gram, e), &t) in run.gram.iter().zip(&run.residual).zip(&run.times) {
        analyzer.push(t, gram.clone(), e, Spectrum::of_or_fallback(gram));
    }
    analyzer.finish()
}

impl ShellAnalysis {
    /// The states at interior checkpoints (centred differences of `M`), the ones the closure, the
    /// LSI fit and the balance use.
    ///
    /// Checkpoints with shell crossings are included: the closure `T ≈ K E` compares `T` and `E`
    /// at the same instant, each with that instant's shells, and the balance differentiates over
    /// a fixed set of modes (see [`ShellAnalysis::balance`]). Excluding them instead would leave
    /// nothing at realistic sizes, where with thousands of modes some mode crosses a shell
    /// boundary between almost every pair of checkpoints.
    pub fn interior_states(&self) -> Vec<&ShellState> {
        self.states
            .iter()
            .filter(|s| s.index > 0 && s.index + 1 < self.snapshots.len())
            .collect()
    }

    /// `Σ_{k ∈ S_α(t_i)} a_k(t_j)²` for every shell `α`: the energy at checkpoint `j` of the modes
    /// that are in shell `α` at checkpoint `i` (modes identified by their rank in the ascending
    /// spectrum; `a_k²` does not depend on the eigenvector's sign).
    fn energy_with_shells_of(&self, i: usize, j: usize) -> Vec<f64> {
        let mut energy = vec![0.0; self.shells];
        let (members, amplitudes) = (&self.snapshots[i].shell, &self.snapshots[j].a);
        for (shell, a) in members.iter().zip(amplitudes) {
            if let Some(al) = shell {
                energy[(al - self.alpha_min) as usize] += a * a;
            }
        }
        energy
    }

    /// Lemma 1 on the data: at every interior checkpoint `t_i`, the centred difference of the
    /// shell energies against `−D_α + Σ_β T_αβ` at `t_i`.
    ///
    /// Lemma 1 holds exactly for any fixed set of modes (docs/theory.md §2.2: the intra-set
    /// couplings cancel by antisymmetry), so the difference is taken over the modes in shell `α`
    /// at `t_i` — `(Σ_{k∈S_α(t_i)} a_k(t_{i+1})² − Σ_{k∈S_α(t_i)} a_k(t_{i−1})²) / (t_{i+1} − t_{i−1})`
    /// — and a mode that crosses a shell boundary between the checkpoints does not show up as a
    /// jump of energy that no transfer explains.
    pub fn balance(&self, times: &[f64]) -> Balance {
        let (mut num, mut den) = (0.0f64, 0.0f64);
        let mut used = 0;
        let mut worst_sum = 0.0f64;
        let mut worst_t = 0.0f64;
        for st in self.interior_states() {
            let i = st.index;
            let dt = times[i + 1] - times[i - 1];
            let (after, before) = (
                self.energy_with_shells_of(i, i + 1),
                self.energy_with_shells_of(i, i - 1),
            );
            for al in 0..self.shells {
                let measured = (after[al] - before[al]) / dt;
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
