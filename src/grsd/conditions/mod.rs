//! `renorm conditions`: the four sufficient conditions of docs/theory.md §2.8 on a training run,
//! and the rules that combine them (R, PL-weak, PL) in the shared rule engine.
//!
//! Each condition is a measured fact with its value, an uncertainty interval and its threshold.
//! The conditions are *sufficient, not necessary*: a premise that fails makes a conclusion "not
//! established", never "false".

pub mod experiment;
pub mod experiment_plot;
mod plots;
#[cfg(test)]
mod stream_tests;

use crate::error::{Error, Result};
use crate::report::{Block, Document, Report, code, strong, text};
use crate::rules::{Conclusion, Engine, Fact, Premise, Rule, Step, StopReason, Truth};
use crate::rundata::{self, RunData, RunHeader};
use crate::shells::{self, ShellAnalysis, ShellOptions, ShellState};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::Path;

/// JSON schema identifier.
pub const SCHEMA: &str = "renorm.conditions/1";

/// Thresholds (docs/theory.md §2.8 defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// C1: bound on the gradient-propagation product.
    pub c_prop: f64,
    /// C1: largest allowed slope of `ln Π` against depth.
    pub c1_slope: f64,
    /// C2: largest allowed incoherence `η` at initialization.
    pub eta: f64,
    /// C3: largest allowed relative change `δ_M` of the Gram matrix.
    pub delta_m: f64,
    /// C3: largest allowed far/near ratio of shell-aggregated couplings.
    pub locality: f64,
    /// R: largest allowed closure residual `ρ`.
    pub rho_max: f64,
    /// C4: largest allowed LSI defect.
    pub delta_lsi: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            c_prop: 10.0,
            c1_slope: 0.05,
            eta: 0.3,
            delta_m: 0.5,
            locality: 0.5,
            rho_max: 0.2,
            delta_lsi: 0.1,
        }
    }
}

/// A conditions spec (`conditions.toml`): shell options, thresholds, and what is known about
/// the training dynamics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConditionsSpec {
    /// Shell analysis options.
    pub shells: ShellOptions,
    /// Thresholds.
    pub thresholds: Thresholds,
    /// Whether the run is scale-free gradient flow (constant step, no schedule, no weight decay):
    /// the premise H2 of the PL rule. Unknown unless declared.
    pub scale_free_flow: Option<bool>,
    /// Bootstrap resamples for the LSI interval.
    pub bootstrap: Option<usize>,
}

impl ConditionsSpec {
    /// Reads a spec; errors name the file and the field.
    pub fn from_toml(text: &str, origin: &str) -> Result<ConditionsSpec> {
        let spec: ConditionsSpec = toml::from_str(text).map_err(|e| Error::InvalidInput {
            location: match e.span() {
                Some(s) => format!(
                    "{origin}:{}",
                    text[..s.start.min(text.len())].matches('\n').count() + 1
                ),
                None => origin.to_string(),
            },
            message: e.message().trim().to_string(),
        })?;
        spec.validate(origin)?;
        Ok(spec)
    }

    /// The most shells one checkpoint's spectrum can span: admitted eigenvalues lie in
    /// `[floor · λ_max, λ_max]`, so `ln(1/floor)/h + 2`.
    fn shell_bound_f64(&self) -> f64 {
        (1.0 / self.shells.floor).ln() / self.shells.h + 2.0
    }

    /// [`shell_bound_f64`](Self::shell_bound_f64) as a count, for a validated spec.
    pub fn shell_bound(&self) -> usize {
        self.shell_bound_f64().ceil().min(MAX_SHELLS as f64) as usize
    }

    /// Checks every number of the spec: finite, in its range, and a shell width that does not
    /// ask for more than [`MAX_SHELLS`] shells over the spectrum the floor admits.
    ///
    /// Errors: [`Error::InvalidInput`] naming `origin` and the field.
    pub fn validate(&self, origin: &str) -> Result<()> {
        let field = |name: &str, message: String| Error::InvalidInput {
            location: format!("{origin}: {name}"),
            message,
        };
        let ShellOptions { h, floor, degeneracy } = self.shells;
        if !(h > 0.0 && h.is_finite()) {
            return Err(field(
                "shells.h",
                format!("the shell width must be positive and finite (got {h})"),
            ));
        }
        if !(floor > 0.0 && floor < 1.0) {
            return Err(field(
                "shells.floor",
                format!("must lie strictly between 0 and 1 (got {floor})"),
            ));
        }
        if !(0.0..1.0).contains(&degeneracy) {
            return Err(field(
                "shells.degeneracy",
                format!("must lie in [0, 1) (got {degeneracy})"),
            ));
        }
        let shells = self.shell_bound_f64();
        if shells > MAX_SHELLS as f64 {
            return Err(field(
                "shells.h",
                format!(
                    "a shell width of {h} over the ln(1/floor) = {:.1} range the floor admits gives {shells:.3e} shells, more than {MAX_SHELLS}: use a wider shell (h ≥ {:.2e}) or a higher floor",
                    (1.0 / floor).ln(),
                    (1.0 / floor).ln() / (MAX_SHELLS as f64 - 2.0)
                ),
            ));
        }
        let t = &self.thresholds;
        for (name, value) in [
            ("thresholds.c_prop", t.c_prop),
            ("thresholds.c1_slope", t.c1_slope),
            ("thresholds.eta", t.eta),
            ("thresholds.delta_m", t.delta_m),
            ("thresholds.locality", t.locality),
            ("thresholds.rho_max", t.rho_max),
            ("thresholds.delta_lsi", t.delta_lsi),
        ] {
            // A NaN threshold would make every comparison fail silently; an infinite one would
            // let any measured value pass.
            if !value.is_finite() {
                return Err(field(
                    name,
                    format!("a threshold must be a finite number (got {value})"),
                ));
            }
        }
        if let Some(b) = self.bootstrap
            && b > MAX_BOOTSTRAP
        {
            return Err(field(
                "bootstrap",
                format!("must be at most {MAX_BOOTSTRAP} resamples (got {b})"),
            ));
        }
        Ok(())
    }
}

/// Most shells a conditions spec may ask for (see [`ConditionsSpec::validate`]). Each
/// checkpoint keeps two shells × shells matrices (transfers and coupling magnitudes), so the
/// analysis holds `16 · T · shells²` bytes: 256 shells are 1 MiB per checkpoint. Real spectra
/// span a few dozen shells (25 at h = 1 and the default floor).
pub const MAX_SHELLS: usize = 256;

/// Most bootstrap resamples of the LSI interval.
pub const MAX_BOOTSTRAP: usize = 100_000;

/// One rule's measurement, as reported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measured {
    /// `holds`, `fails` or `not established`.
    pub status: String,
    /// The measured value (or `null`).
    pub value: Option<f64>,
    /// An uncertainty interval `[lo, hi]` (or `null`).
    pub interval: Option<[f64; 2]>,
    /// The threshold it is compared with.
    pub threshold: Option<f64>,
    /// Further numbers and the reason, in words.
    pub detail: String,
    /// Every criterion that entered the verdict, in the order of docs/theory.md §2.8 (empty for the
    /// derived rules R, PL-weak and PL, which the rule engine decides).
    #[serde(default)]
    pub criteria: Vec<Criterion>,
    /// What decided the verdict: the names of the decisive criteria, or for a derived rule the
    /// engine rule that concluded it. Empty only when nothing was decided.
    #[serde(default)]
    pub decided_by: Vec<String>,
    /// What the measurement left out, with counts and reasons (e.g. C2's shell pairs with fewer
    /// than [`C2_MIN_MODE_PAIRS`] mode pairs).
    #[serde(default)]
    pub excluded: Vec<Exclusion>,
}

/// The minimum number of mode pairs `N_αβ` a shell pair needs to enter C2's `η`
/// (docs/theory.md §2.8); smaller pairs are excluded and counted.
pub const C2_MIN_MODE_PAIRS: usize = 4;

/// The outcome of one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionStatus {
    /// The value satisfies the comparison.
    Passes,
    /// The value violates it (a non-finite value never satisfies it).
    Fails,
    /// The data did not allow the value to be measured.
    NotMeasured,
}

impl CriterionStatus {
    /// The status in words.
    pub fn as_str(self) -> &'static str {
        match self {
            CriterionStatus::Passes => "passes",
            CriterionStatus::Fails => "fails",
            CriterionStatus::NotMeasured => "not measured",
        }
    }
}

/// One criterion of a condition: a measured value compared with its threshold.
///
/// Every condition of docs/theory.md §2.8 is a conjunction of criteria; [`Measured::decided_by`]
/// names the ones that decided it: the failing ones when it fails, the unmeasured ones when it
/// is not established, and all of them when it holds (each was needed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    /// What is compared, in words with its symbol (e.g. `slope of ln Π vs depth`).
    pub name: String,
    /// The measured value (`null` when not measured).
    pub value: Option<f64>,
    /// The comparison the value must satisfy against the threshold (always `≤` here).
    pub comparison: String,
    /// The threshold.
    pub threshold: f64,
    /// Passes, fails or not measured.
    pub status: CriterionStatus,
    /// Whether this criterion decided the condition's verdict.
    pub decisive: bool,
}

impl Criterion {
    /// A criterion `value ≤ threshold`; `None` is "not measured", a non-finite value fails.
    fn at_most(name: impl Into<String>, value: Option<f64>, threshold: f64) -> Criterion {
        let status = match value {
            None => CriterionStatus::NotMeasured,
            Some(v) if v <= threshold => CriterionStatus::Passes,
            Some(_) => CriterionStatus::Fails,
        };
        Criterion {
            name: name.into(),
            value,
            comparison: "≤".into(),
            threshold,
            status,
            decisive: false,
        }
    }

    /// One line in words, e.g. `slope of ln Π vs depth = 0.4055 (needs ≤ 0.05): fails, decisive`.
    pub fn describe(&self) -> String {
        format!(
            "{} = {} (needs {} {}): {}{}",
            self.name,
            self.value.map_or("not measured".into(), num),
            self.comparison,
            self.threshold,
            self.status.as_str(),
            if self.decisive { ", decisive" } else { "" }
        )
    }
}

/// Something a measurement left out, counted, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    /// What was left out (e.g. `shell pairs`).
    pub what: String,
    /// How many.
    pub count: usize,
    /// Why.
    pub reason: String,
}

impl Exclusion {
    /// In words: `7 shell pairs: fewer than 4 mode pairs`.
    pub fn describe(&self) -> String {
        format!("{} {}: {}", self.count, self.what, self.reason)
    }
}

/// A number for a report line: four decimals in the ordinary range, scientific otherwise.
fn num(x: f64) -> String {
    if x == 0.0 || (1e-3..1e6).contains(&x.abs()) {
        format!("{x:.4}")
    } else {
        format!("{x:.3e}")
    }
}

/// Verdict of a conjunction of criteria, marking the decisive ones: any failure decides
/// "fails"; otherwise any unmeasured criterion leaves it "not established"; otherwise it holds
/// and every criterion was needed.
fn judge(criteria: &mut [Criterion]) -> (Truth, Vec<String>) {
    if criteria.is_empty() {
        return (Truth::Unknown, Vec::new());
    }
    let has = |s: CriterionStatus| criteria.iter().any(|c| c.status == s);
    // The status that decides, or `None` when the conjunction holds and every criterion did.
    let (truth, deciding) = if has(CriterionStatus::Fails) {
        (Truth::False, Some(CriterionStatus::Fails))
    } else if has(CriterionStatus::NotMeasured) {
        (Truth::Unknown, Some(CriterionStatus::NotMeasured))
    } else {
        (Truth::True, None)
    };
    let mut names = Vec::new();
    for c in criteria.iter_mut() {
        c.decisive = deciding.is_none_or(|d| c.status == d);
        if c.decisive {
            names.push(c.name.clone());
        }
    }
    (truth, names)
}

/// The complete result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConditionsReport {
    /// [`SCHEMA`].
    pub schema: String,
    /// The run file.
    pub run: String,
    /// Checkpoints, samples.
    pub checkpoints: usize,
    /// Samples `N`.
    pub samples: usize,
    /// Shells at width `h`.
    pub shells: usize,
    /// Spec used.
    pub spec: ConditionsSpec,
    /// Per rule: C1, C2, C3, C4, closure, R, PL-weak, PL.
    pub rules: std::collections::BTreeMap<String, Measured>,
    /// Lemma 1 on the data.
    pub balance: shells::Balance,
    /// Closure residual at `h`, `2h`, `4h`, …
    pub closure_residuals: Vec<(f64, f64)>,
    /// LSI fit: `γ`, defect, profile.
    pub lsi: Option<shells::LsiFit>,
    /// Drift per shell `V_α`.
    pub drift: Vec<f64>,
    /// Exponent `b = 1 + γ` implied by Proposition 1.
    pub exponent_b: Option<f64>,
    /// Mode pairs excluded as near-degenerate (summed over checkpoints).
    pub degenerate_pairs: usize,
    /// Checkpoints where some mode changed shell (reported; the balance uses fixed mode sets).
    pub crossings: Vec<usize>,
    /// Facts of the rule engine.
    pub facts: Vec<Fact>,
    /// Derivation trail.
    pub trail: Vec<Step>,
    /// Why the engine stopped.
    pub stop_reason: StopReason,
    /// Figures, written as `STEM.svg` and `STEM.pdf` next to a report.
    #[serde(skip)]
    pub plots: Vec<crate::plot::FigureFile>,
}

fn status_of(truth: Truth) -> &'static str {
    match truth {
        Truth::True => "holds",
        Truth::False => "fails",
        Truth::Unknown => "not established",
    }
}

/// C1 from per-layer Jacobian norms: `Π(L) = max over segments l < m ≤ L of Π ‖D_k‖` (the
/// product-of-norms bound), maximised over checkpoints; and the slope of `ln Π(L)` against `L`.
fn gradient_propagation(norms: &nalgebra::DMatrix<f64>) -> (f64, f64, [f64; 2]) {
    let layers = norms.ncols();
    let mut by_depth = vec![f64::NEG_INFINITY; layers];
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for row in norms.row_iter() {
        // Kadane on log-norms: the largest product over contiguous segments ending anywhere ≤ L.
        let (mut best, mut ending) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for (l, n) in row.iter().enumerate() {
            let x = n.max(f64::MIN_POSITIVE).ln();
            ending = if ending > 0.0 { ending + x } else { x };
            best = best.max(ending);
            by_depth[l] = by_depth[l].max(best);
        }
        lo = lo.min(best);
        hi = hi.max(best);
    }
    let pi = by_depth.last().copied().unwrap_or(0.0).exp();
    let slope = if layers >= 2 {
        let xs: Vec<f64> = (1..=layers).map(|l| l as f64).collect();
        let (mx, my) = (
            xs.iter().sum::<f64>() / layers as f64,
            by_depth.iter().sum::<f64>() / layers as f64,
        );
        let sxy: f64 = xs.iter().zip(&by_depth).map(|(x, y)| (x - mx) * (y - my)).sum();
        let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
        sxy / sxx
    } else {
        0.0
    };
    (pi, slope, [lo.exp(), hi.exp()])
}

/// C2's measurement at `t_0` (docs/theory.md §2.8): the statistic and what entered or was left out.
#[derive(Debug, Clone, PartialEq)]
struct Incoherence {
    /// `η = Σ N_αβ c_αβ / Σ N_αβ` over the qualifying shell pairs; `None` if none qualifies.
    eta: Option<f64>,
    /// Shell pairs that entered `η`.
    pairs_used: usize,
    /// Their mode pairs, `Σ N_αβ`.
    mode_pairs_used: usize,
    /// Shell pairs (both shells occupied at `t_0`) with `N_αβ <` [`C2_MIN_MODE_PAIRS`].
    small_pairs: usize,
    /// Shell pairs with enough mode pairs but every `x_kj = 0`: `z²` is `0/0`, no coherence
    /// can be measured.
    zero_pairs: usize,
    /// Near-degenerate mode pairs between different shells (Kato coupling ill-conditioned).
    degenerate_mode_pairs: usize,
}

/// C2: incoherence at initialization from the Kato couplings at `t_0` (forward difference of
/// `M` over `steps_ahead` checkpoints), docs/theory.md §2.8: for each unordered shell pair `α < β`
/// with `N_αβ ≥ 4` mode pairs, `x_kj = A_kj a_k a_j` (`k ∈ α`, `j ∈ β`),
/// `z² = (Σ x)² / Σ x²`, `c = max(0, (z² − 1)/(N − 1))`, and `η = Σ N c / Σ N`.
///
/// The orientation of a pair does not matter: `x_jk = −x_kj` (A is antisymmetric), so the
/// ordered pair `(β, α)` has the same `z²`. `None` if there is no forward difference.
fn incoherence(analysis: &ShellAnalysis, steps_ahead: usize) -> Option<Incoherence> {
    let s = analysis.snapshots.first()?;
    // (φ_j, Ṁ φ_k) = rotated[(j, k)], Ṁ the forward difference over `steps_ahead` checkpoints.
    let rotated = analysis.initial_rates.get(steps_ahead.checked_sub(1)?)?;
    let n = s.lambda.len();
    let shell_index = |k: usize| s.shell[k].map(|a| (a - analysis.alpha_min) as usize);
    let m = analysis.shells;
    let mut occupied = vec![false; m];
    for k in 0..n {
        if let Some(al) = shell_index(k) {
            occupied[al] = true;
        }
    }
    // Per unordered shell pair (α < β), indexed α·m + β: Σx, Σx², N.
    let (mut sum, mut sq, mut count) = (vec![0.0; m * m], vec![0.0; m * m], vec![0usize; m * m]);
    let mut degenerate_mode_pairs = 0;
    for k in 0..n {
        for j in 0..n {
            let (Some(al), Some(be)) = (shell_index(k), shell_index(j)) else {
                continue;
            };
            if al >= be {
                continue;
            }
            let gap = s.lambda[k] - s.lambda[j];
            if gap.abs() < analysis.options.degeneracy * s.lambda[k].abs().max(s.lambda[j].abs()) {
                degenerate_mode_pairs += 1;
                continue;
            }
            let term = rotated[(j, k)] / gap * s.a[k] * s.a[j];
            sum[al * m + be] += term;
            sq[al * m + be] += term * term;
            count[al * m + be] += 1;
        }
    }
    let mut out = Incoherence {
        eta: None,
        pairs_used: 0,
        mode_pairs_used: 0,
        small_pairs: 0,
        zero_pairs: 0,
        degenerate_mode_pairs,
    };
    let mut weighted = 0.0;
    for al in 0..m {
        for be in al + 1..m {
            if !(occupied[al] && occupied[be]) {
                continue;
            }
            let i = al * m + be;
            let big_n = count[i];
            if big_n < C2_MIN_MODE_PAIRS {
                out.small_pairs += 1;
            } else if sq[i] > 0.0 {
                let z2 = sum[i] * sum[i] / sq[i];
                let c = ((z2 - 1.0) / (big_n - 1) as f64).max(0.0);
                weighted += big_n as f64 * c;
                out.pairs_used += 1;
                out.mode_pairs_used += big_n;
            } else {
                out.zero_pairs += 1;
            }
        }
    }
    if out.mode_pairs_used > 0 {
        out.eta = Some(weighted / out.mode_pairs_used as f64);
    }
    Some(out)
}

fn locality(states: &[&ShellState]) -> Option<f64> {
    let (mut near, mut far, mut n_near, mut n_far) = (0.0, 0.0, 0usize, 0usize);
    for s in states {
        let m = s.coupling_abs.nrows();
        for a in 0..m {
            for b in 0..m {
                match a.abs_diff(b) {
                    0 => {}
                    1 => {
                        near += s.coupling_abs[(a, b)];
                        n_near += 1;
                    }
                    _ => {
                        far += s.coupling_abs[(a, b)];
                        n_far += 1;
                    }
                }
            }
        }
    }
    (n_near > 0 && n_far > 0 && near > 0.0).then(|| (far / n_far as f64) / (near / n_near as f64))
}

/// A condition from its criteria: the verdict and the decisive criteria come from [`judge`].
fn condition(
    value: Option<f64>,
    interval: Option<[f64; 2]>,
    threshold: f64,
    mut criteria: Vec<Criterion>,
    detail: String,
    excluded: Vec<Exclusion>,
) -> (Measured, Truth) {
    let (truth, decided_by) = judge(&mut criteria);
    (
        Measured {
            status: status_of(truth).into(),
            value,
            interval,
            threshold: Some(threshold),
            detail,
            criteria,
            decided_by,
            excluded,
        },
        truth,
    )
}

fn fact(name: &str, statement: &str, m: &Measured, truth: Truth) -> Fact {
    Fact::measured(
        name,
        statement,
        truth,
        m.status.clone(),
        json!({ "value": m.value, "interval": m.interval, "threshold": m.threshold }),
        json!({ "detail": m.detail }),
    )
}

fn conclude(truth: Truth, status: &'static str, statement: String) -> crate::rules::Conclude {
    Box::new(move |_| Conclusion {
        statement: statement.clone(),
        truth,
        status: status.into(),
        value: json!(null),
    })
}

fn rules() -> Vec<Rule> {
    let mut out = vec![
        Rule {
            name: "renormalizable_confirmed".into(),
            description: "C1 ∧ C2 ∧ C3 ⇒ R, confirmed by the closure test".into(),
            premises: vec![
                Premise::holds("C1"),
                Premise::holds("C2"),
                Premise::holds("C3"),
                Premise::holds("closure"),
            ],
            concludes: "R".into(),
            conclude: conclude(
                Truth::True,
                "holds",
                "renormalizable: C1–C3 hold and the closure fits".into(),
            ),
        },
        Rule {
            name: "renormalizable".into(),
            description: "C1 ∧ C2 ∧ C3 ⇒ R (closure not testable on these data)".into(),
            premises: vec![
                Premise::holds("C1"),
                Premise::holds("C2"),
                Premise::holds("C3"),
                Premise::unknown("closure"),
            ],
            concludes: "R".into(),
            conclude: conclude(
                Truth::True,
                "holds",
                "renormalizable by the sufficient conditions".into(),
            ),
        },
        Rule {
            name: "closure_contradicts".into(),
            description: "C1 ∧ C2 ∧ C3 but the closure test fails ⇒ R not established".into(),
            premises: vec![
                Premise::holds("C1"),
                Premise::holds("C2"),
                Premise::holds("C3"),
                Premise::fails("closure"),
            ],
            concludes: "R".into(),
            conclude: conclude(
                Truth::Unknown,
                "not established",
                "C1–C3 hold but the closure residual exceeds ρ_max".into(),
            ),
        },
    ];
    for c in ["C1", "C2", "C3"] {
        out.push(Rule {
            name: format!("{}_not_met", c.to_lowercase()),
            description: format!("{c} not established ⇒ R not established (sufficient, not necessary)"),
            premises: vec![Premise::not_established(c)],
            concludes: "R".into(),
            conclude: conclude(
                Truth::Unknown,
                "not established",
                format!("premise {c} is not established"),
            ),
        });
    }
    out.push(Rule {
        name: "proposition_1".into(),
        description: "R ∧ C4 ⇒ power-law velocity in λ, b = 1 + γ (PL-weak)".into(),
        premises: vec![Premise::holds("R"), Premise::holds("C4")],
        concludes: "PL_weak".into(),
        conclude: conclude(
            Truth::True,
            "holds",
            "power law in λ with exponent b = 1 + γ".into(),
        ),
    });
    for p in ["R", "C4"] {
        out.push(Rule {
            name: format!("pl_weak_without_{}", p.to_lowercase()),
            description: format!("{p} not established ⇒ PL-weak not established"),
            premises: vec![Premise::not_established(p)],
            concludes: "PL_weak".into(),
            conclude: conclude(
                Truth::Unknown,
                "not established",
                format!("premise {p} is not established"),
            ),
        });
    }
    out.push(Rule {
        name: "theorem_1".into(),
        description: "PL-weak ∧ scale-free gradient flow (H2) ⇒ v = C λ^b t^(b−2)".into(),
        premises: vec![Premise::holds("PL_weak"), Premise::holds("H2")],
        concludes: "PL".into(),
        conclude: conclude(Truth::True, "holds", "v = C λ^b t^(b−2) (Theorem 1)".into()),
    });
    for p in ["PL_weak", "H2"] {
        out.push(Rule {
            name: format!("pl_without_{}", p.to_lowercase()),
            description: format!("{p} not established ⇒ PL not established"),
            premises: vec![Premise::not_established(p)],
            concludes: "PL".into(),
            conclude: conclude(
                Truth::Unknown,
                "not established",
                format!("premise {p} is not established"),
            ),
        });
    }
    out
}

/// Runs every measurement and rule on a run held in memory.
pub fn evaluate(run: &RunData, origin: &str, spec: &ConditionsSpec) -> ConditionsReport {
    let analysis = shells::analyze(run, &spec.shells);
    let samples = run.residual.first().map_or(0, |r| r.len());
    evaluate_analysis(
        analysis,
        &run.times,
        run.layer_jacobian_norms.as_ref(),
        samples,
        origin,
        spec,
    )
}

/// Runs every measurement and rule on the run at `path`, streamed one checkpoint at a time
/// ([`rundata::stream_npz`]): memory `O(N²)`, not `O(T · N²)`. `origin` names the run in the
/// report; `progress(done, total)` is called after each checkpoint.
///
/// The report equals that of [`evaluate`] on [`rundata::read_npz`]`(path)`. Errors: those of
/// [`rundata::stream_npz`] (the file cannot be read or is not a valid run).
pub fn evaluate_npz(
    path: &Path,
    origin: &str,
    spec: &ConditionsSpec,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ConditionsReport> {
    spec.validate(origin)?;
    let mut analyzer = shells::Analyzer::new(&spec.shells);
    let header = rundata::stream_npz(path, |h, c| {
        let index = c.index;
        if index == 0 {
            check_state_memory(spec, h.times.len(), origin)?;
        }
        analyzer.push(c.t, c.gram, c.residual, c.spectrum);
        progress(index + 1, h.times.len());
        Ok(())
    })?;
    check_shell_table(&analyzer, origin)?;
    Ok(evaluate_streamed(analyzer, &header, origin, spec))
}

/// [`evaluate_npz`] on the bytes of an `.npz` archive (`origin` also names it in errors).
pub fn evaluate_npz_bytes(
    bytes: &[u8],
    origin: &str,
    spec: &ConditionsSpec,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ConditionsReport> {
    spec.validate(origin)?;
    let mut analyzer = shells::Analyzer::new(&spec.shells);
    let header = rundata::stream_npz_bytes(bytes, origin, |h, c| {
        let index = c.index;
        if index == 0 {
            check_state_memory(spec, h.times.len(), origin)?;
        }
        analyzer.push(c.t, c.gram, c.residual, c.spectrum);
        progress(index + 1, h.times.len());
        Ok(())
    })?;
    check_shell_table(&analyzer, origin)?;
    Ok(evaluate_streamed(analyzer, &header, origin, spec))
}

/// Refuses, before the first checkpoint is analysed, a run whose per-checkpoint shell states
/// (two shells × shells matrices each, at most [`ConditionsSpec::shell_bound`] shells) would not
/// fit the memory budget.
fn check_state_memory(spec: &ConditionsSpec, checkpoints: usize, origin: &str) -> Result<()> {
    let shells = spec.shell_bound() as u128;
    crate::budget::fits(
        Some(16 * checkpoints as u128 * shells * shells),
        &format!("the shell states ({checkpoints} checkpoints, up to {shells} shells each)"),
    )
    .map_err(|why| Error::invalid(origin, why))
}

/// Refuses a run whose spectrum, over all its checkpoints, spans so many shells that the
/// table of shell energies (checkpoints × shells) would not fit the memory budget: eigenvalue
/// scales swinging over hundreds of decades between checkpoints.
fn check_shell_table(analyzer: &shells::Analyzer, origin: &str) -> Result<()> {
    let (checkpoints, shells) = analyzer.table_size();
    crate::budget::fits(
        Some(4 * 8 * checkpoints as u128 * shells as u128),
        &format!("the shell tables ({checkpoints} checkpoints × {shells} shells)"),
    )
    .map_err(|why| Error::invalid(origin, why))
}

fn evaluate_streamed(
    analyzer: shells::Analyzer,
    header: &RunHeader,
    origin: &str,
    spec: &ConditionsSpec,
) -> ConditionsReport {
    evaluate_analysis(
        analyzer.finish(),
        &header.times,
        header.layer_jacobian_norms.as_ref(),
        header.samples,
        origin,
        spec,
    )
}

/// The measurements and rules on a completed shell analysis.
fn evaluate_analysis(
    analysis: ShellAnalysis,
    times: &[f64],
    layer_jacobian_norms: Option<&nalgebra::DMatrix<f64>>,
    samples: usize,
    origin: &str,
    spec: &ConditionsSpec,
) -> ConditionsReport {
    let th = &spec.thresholds;
    let clean: Vec<&ShellState> = analysis.interior_states();
    let mut rules_out = std::collections::BTreeMap::new();
    let mut engine = Engine::new();

    // C1: Π ≤ C_prop and the slope of ln Π against depth ≤ c1_slope (docs/theory.md §2.8).
    let (c1, c1_truth) = match layer_jacobian_norms {
        Some(norms) if norms.ncols() > 0 => {
            let (pi, slope, interval) = gradient_propagation(norms);
            condition(
                Some(pi),
                Some(interval),
                th.c_prop,
                vec![
                    Criterion::at_most("Π (product-of-norms bound)", Some(pi), th.c_prop),
                    Criterion::at_most("slope of ln Π vs depth", Some(slope), th.c1_slope),
                ],
                format!(
                    "product-of-norms bound over {} layers (max over checkpoints); slope of ln Π vs depth = {slope:.4} (threshold {})",
                    norms.ncols(),
                    th.c1_slope
                ),
                Vec::new(),
            )
        }
        _ => condition(
            None,
            None,
            th.c_prop,
            vec![
                Criterion::at_most("Π (product-of-norms bound)", None, th.c_prop),
                Criterion::at_most("slope of ln Π vs depth", None, th.c1_slope),
            ],
            "the run has no layer_jacobian_norms".into(),
            Vec::new(),
        ),
    };
    engine.assert_fact(fact("C1", "bounded gradient propagation", &c1, c1_truth));
    rules_out.insert("C1".to_string(), c1);

    // C2: the size-aware coherence fraction η at t₀ (docs/theory.md §2.8).
    let inc1 = incoherence(&analysis, 1);
    let eta2 = incoherence(&analysis, 2).and_then(|i| i.eta);
    let (c2, c2_truth) = match inc1 {
        Some(inc) => {
            let mut excluded = vec![Exclusion {
                what: "shell pairs".into(),
                count: inc.small_pairs,
                reason: format!("fewer than {C2_MIN_MODE_PAIRS} mode pairs (N_αβ < {C2_MIN_MODE_PAIRS})"),
            }];
            if inc.zero_pairs > 0 {
                excluded.push(Exclusion {
                    what: "shell pairs".into(),
                    count: inc.zero_pairs,
                    reason: "every term x_kj = A_kj a_k a_j is zero (z² undefined)".into(),
                });
            }
            if inc.degenerate_mode_pairs > 0 {
                excluded.push(Exclusion {
                    what: "mode pairs".into(),
                    count: inc.degenerate_mode_pairs,
                    reason: "near-degenerate (Kato coupling ill-conditioned)".into(),
                });
            }
            let left_out = excluded
                .iter()
                .filter(|e| e.count > 0)
                .map(Exclusion::describe)
                .collect::<Vec<_>>();
            let left_out = if left_out.is_empty() {
                "none excluded".to_string()
            } else {
                format!("excluded {}", left_out.join("; "))
            };
            let detail = match inc.eta {
                Some(_) => format!(
                    "η = Σ N_αβ c_αβ / Σ N_αβ at t₀ over {} shell pairs ({} mode pairs), c_αβ = max(0, (z²−1)/(N_αβ−1)); {left_out}; the interval spans one- and two-checkpoint forward differences of M",
                    inc.pairs_used, inc.mode_pairs_used
                ),
                None => format!(
                    "not measured: no shell pair has at least {C2_MIN_MODE_PAIRS} mode pairs with a non-zero coupling at t₀; {left_out}"
                ),
            };
            let interval = inc.eta.zip(eta2).map(|(a, b)| [a.min(b), a.max(b)]);
            condition(
                inc.eta,
                interval,
                th.eta,
                vec![Criterion::at_most("η (coherence fraction)", inc.eta, th.eta)],
                detail,
                excluded,
            )
        }
        None => condition(
            None,
            None,
            th.eta,
            vec![Criterion::at_most("η (coherence fraction)", None, th.eta)],
            "needs two checkpoints".into(),
            Vec::new(),
        ),
    };
    engine.assert_fact(fact("C2", "weak incoherence at initialization", &c2, c2_truth));
    rules_out.insert("C2".to_string(), c2);

    // C3: δ_M ≤ delta_m and locality far/near ≤ locality.
    let delta_m = analysis.gram_drift;
    let local = locality(&clean);
    let (c3, c3_truth) = condition(
        Some(delta_m),
        None,
        th.delta_m,
        vec![
            Criterion::at_most("δ_M (relative Gram change)", Some(delta_m), th.delta_m),
            Criterion::at_most("locality far/near", local, th.locality),
        ],
        format!(
            "δ_M = max ‖M(t_i) − M(t_0)‖_F/‖M(t_0)‖_F; locality far/near = {} (threshold {})",
            local.map_or("n/a (fewer than three shells)".into(), |r| format!("{r:.4}")),
            th.locality
        ),
        Vec::new(),
    );
    engine.assert_fact(fact("C3", "controlled Jacobian evolution", &c3, c3_truth));
    rules_out.insert("C3".to_string(), c3);

    // Closure at h, 2h, 4h while at least four shells remain.
    let mut closure_residuals = Vec::new();
    let mut level: Vec<ShellState> = clean.iter().map(|s| (*s).clone()).collect();
    let mut width = spec.shells.h;
    while level.first().is_some_and(|s| s.energy.len() >= 4) {
        let refs: Vec<&ShellState> = level.iter().collect();
        closure_residuals.push((width, shells::fit_closure(&refs).residual));
        level = shells::coarse_grain(&level);
        width *= 2.0;
    }
    let worst = closure_residuals
        .iter()
        .map(|(_, r)| *r)
        .fold(f64::NEG_INFINITY, f64::max);
    let (closure, closure_truth) = if closure_residuals.is_empty() || clean.len() < 3 {
        condition(
            None,
            None,
            th.rho_max,
            vec![Criterion::at_most("ρ (closure residual)", None, th.rho_max)],
            "fewer than four shells or three clean checkpoints".into(),
            Vec::new(),
        )
    } else {
        condition(
            Some(worst),
            None,
            th.rho_max,
            closure_residuals
                .iter()
                .map(|(w, r)| Criterion::at_most(format!("ρ at width {w}"), Some(*r), th.rho_max))
                .collect(),
            format!(
                "ρ at widths {}",
                closure_residuals
                    .iter()
                    .map(|(w, r)| format!("{w}: {r:.4}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Vec::new(),
        )
    };
    engine.assert_fact(fact(
        "closure",
        "closure residual ρ ≤ ρ_max at h, 2h, 4h",
        &closure,
        closure_truth,
    ));
    rules_out.insert("closure".to_string(), closure);

    // C4
    let fitted = shells::fit_closure(&clean);
    let lsi = shells::fit_lsi(&fitted.k, spec.shells.h, analysis.alpha_min);
    let boot = shells::bootstrap_lsi(
        &clean,
        spec.shells.h,
        analysis.alpha_min,
        spec.bootstrap.unwrap_or(200),
        0x1517,
    );
    let (c4, c4_truth) = match &lsi {
        Some(fit) => condition(
            Some(fit.defect),
            boot.map(|(_, d)| d),
            th.delta_lsi,
            vec![Criterion::at_most(
                "δ_LSI (LSI defect)",
                Some(fit.defect),
                th.delta_lsi,
            )],
            format!(
                "δ_LSI = 1 − R² over {} pairs; γ = {:.4}{}",
                fit.pairs,
                fit.gamma,
                boot.map_or(String::new(), |(g, _)| format!(
                    " (95% bootstrap [{:.4}, {:.4}])",
                    g[0], g[1]
                ))
            ),
            Vec::new(),
        ),
        None => condition(
            None,
            None,
            th.delta_lsi,
            vec![Criterion::at_most("δ_LSI (LSI defect)", None, th.delta_lsi)],
            "too few positive couplings to fit".into(),
            Vec::new(),
        ),
    };
    engine.assert_fact(fact("C4", "log-shift invariance of the couplings", &c4, c4_truth));
    rules_out.insert("C4".to_string(), c4);

    let h2_truth = match spec.scale_free_flow {
        Some(true) => Truth::True,
        Some(false) => Truth::False,
        None => Truth::Unknown,
    };
    engine.assert_fact(Fact::measured(
        "H2",
        "scale-free gradient flow (time-rescaling covariance)",
        h2_truth,
        status_of(h2_truth),
        json!(null),
        json!({ "detail": "declared in the conditions spec (scale_free_flow)" }),
    ));
    for rule in rules() {
        engine.add_rule(rule);
    }
    // A malformed rule set is a defect of this module: every conclusion then stays "not
    // established", with the defect named in place of the statement.
    let (stop_reason, rule_error) = match engine.run() {
        Ok(stop) => (stop, None),
        Err(e) => (
            StopReason::Saturated,
            Some(format!("internal error in the condition rules: {e}")),
        ),
    };
    let exponent_b = lsi.as_ref().map(|f| 1.0 + f.gamma);
    for name in ["R", "PL_weak", "PL"] {
        let f = engine.fact(name);
        rules_out.insert(
            name.to_string(),
            Measured {
                status: f.map_or("not established".into(), |f| f.status.clone()),
                value: if name == "PL_weak" && f.is_some_and(|f| f.truth == Truth::True) {
                    exponent_b
                } else {
                    None
                },
                interval: None,
                threshold: None,
                detail: f.map_or_else(|| rule_error.clone().unwrap_or_default(), |f| f.statement.clone()),
                criteria: Vec::new(),
                // A derived rule is decided by the engine rule that concluded it.
                decided_by: engine
                    .trail()
                    .iter()
                    .filter(|st| st.concluded == name)
                    .map(|st| format!("rule {}", st.rule))
                    .collect(),
                excluded: Vec::new(),
            },
        );
    }
    let plots = plots::all(&analysis, &fitted, lsi.as_ref(), spec.shells.h);
    ConditionsReport {
        schema: SCHEMA.into(),
        run: origin.into(),
        checkpoints: times.len(),
        samples,
        shells: analysis.shells,
        spec: spec.clone(),
        rules: rules_out,
        balance: analysis.balance(times),
        closure_residuals,
        drift: shells::drift(&fitted.k, spec.shells.h),
        exponent_b,
        lsi,
        degenerate_pairs: analysis.states.iter().map(|s| s.degenerate_pairs).sum(),
        crossings: analysis.crossings.clone(),
        facts: engine.facts().into_iter().cloned().collect(),
        trail: engine.trail().to_vec(),
        stop_reason,
        plots,
    }
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or("—".into(), |x| format!("{x:.4}"))
}

/// Writes the report's figures (`STEM.svg`, `STEM.pdf`) into the folder of `report_path` (the
/// current folder for a bare file name), as `renorm conditions --output` does; returns the
/// files written.
///
/// # Errors
///
/// [`Error`] when a figure cannot be written.
pub fn write_figures_beside(r: &ConditionsReport, report_path: &Path) -> Result<Vec<std::path::PathBuf>> {
    let dir = report_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut written = Vec::new();
    for f in &r.plots {
        f.write(dir)?;
        written.push(dir.join(f.svg_name()));
        written.push(dir.join(f.pdf_name()));
    }
    Ok(written)
}

/// Terminal text.
pub fn text_report(r: &ConditionsReport) -> String {
    let mut s = format!(
        "run: {} ({} checkpoints, {} samples, {} shells)\n",
        r.run, r.checkpoints, r.samples, r.shells
    );
    for (name, m) in &r.rules {
        s += &format!(
            "{name:<9} {:<16} value {:<10} interval {:<22} threshold {:<8} {}\n",
            m.status,
            fmt_opt(m.value),
            m.interval
                .map_or("—".into(), |i| format!("[{:.4}, {:.4}]", i[0], i[1])),
            fmt_opt(m.threshold),
            m.detail
        );
        if !m.decided_by.is_empty() {
            s += &format!("{:<10}decided by: {}\n", "", m.decided_by.join("; "));
        }
        for c in &m.criteria {
            s += &format!("{:<10}criterion: {}\n", "", c.describe());
        }
        for e in m.excluded.iter().filter(|e| e.count > 0) {
            s += &format!("{:<10}excluded: {}\n", "", e.describe());
        }
    }
    s += &format!(
        "Lemma 1: relative balance residual {:.3e} over {} checkpoints; |Σ T|/max|T| = {:.1e}\n",
        r.balance.relative_residual, r.balance.checkpoints_used, r.balance.transfer_sum
    );
    s += &format!(
        "excluded: {} near-degenerate pairs; {} checkpoints with shell crossings (kept: the balance follows fixed mode sets)\n",
        r.degenerate_pairs,
        r.crossings.len()
    );
    for st in &r.trail {
        s += &format!("rule: {} ⇒ {}\n", st.rule, st.concluded);
    }
    s
}

/// The report through the shared writer: [`document`] and the JSON data (`renorm.conditions/1`).
///
/// Fails if the report cannot be serialised (an internal error, never a silent `null`).
pub fn report(r: &ConditionsReport) -> Result<Report> {
    let data = serde_json::to_value(r).map_err(|e| Error::serialize("the conditions report", e))?;
    Ok(Report {
        document: document(r),
        data,
    })
}

/// The human-readable document of a conditions report.
pub fn document(r: &ConditionsReport) -> Document {
    let mut d = Document::new(format!("renorm conditions: {}", r.run));
    d.paragraph(vec![text(format!(
        "{} checkpoints, {} samples, {} shells of width h = {}. Conditions are sufficient, not necessary: a premise that is not met makes a conclusion \"not established\", never false.",
        r.checkpoints, r.samples, r.shells, r.spec.shells.h
    ))]);
    d.table(
        &[
            "rule",
            "status",
            "decided by",
            "value",
            "interval",
            "threshold",
            "detail",
        ],
        r.rules
            .iter()
            .map(|(n, m)| {
                vec![
                    vec![code(n.clone())],
                    vec![strong(m.status.clone())],
                    vec![text(m.decided_by.join("; "))],
                    vec![text(fmt_opt(m.value))],
                    vec![text(
                        m.interval
                            .map_or("—".into(), |i| format!("[{:.4}, {:.4}]", i[0], i[1])),
                    )],
                    vec![text(fmt_opt(m.threshold))],
                    vec![text(m.detail.clone())],
                ]
            })
            .collect(),
    );
    d.heading(1, "Criteria");
    d.paragraph(vec![text(
        "Each condition is a conjunction of the criteria below; the decisive ones are those that fail when it fails, those not measured when it is not established, and all of them when it holds.",
    )]);
    d.table(
        &["rule", "criterion", "value", "needs", "result", "decisive"],
        r.rules
            .iter()
            .flat_map(|(n, m)| {
                m.criteria.iter().map(move |c| {
                    vec![
                        vec![code(n.clone())],
                        vec![text(c.name.clone())],
                        vec![text(c.value.map_or("—".into(), num))],
                        vec![text(format!("{} {}", c.comparison, c.threshold))],
                        vec![text(c.status.as_str())],
                        vec![if c.decisive { strong("decisive") } else { text("") }],
                    ]
                })
            })
            .collect(),
    );
    let exclusions: Vec<String> = r
        .rules
        .iter()
        .flat_map(|(n, m)| {
            m.excluded
                .iter()
                .filter(|e| e.count > 0)
                .map(move |e| format!("{n}: {}", e.describe()))
        })
        .collect();
    if !exclusions.is_empty() {
        d.paragraph(vec![text(format!(
            "Excluded from the measurements: {}.",
            exclusions.join("; ")
        ))]);
    }
    d.heading(1, "Derivation");
    d.blocks.push(Block::List(
        r.trail
            .iter()
            .map(|st| {
                let premises: Vec<String> =
                    st.premises.iter().map(|(n, _, s)| format!("{n} ({s})")).collect();
                vec![
                    code(st.rule.clone()),
                    text(format!(
                        " — {} — on {} ⇒ {}",
                        st.description,
                        premises.join(", "),
                        st.concluded
                    )),
                ]
            })
            .collect(),
    ));
    d.heading(1, "Shell dynamics");
    d.paragraph(vec![text(format!(
        "Lemma 1 on the data: relative balance residual {:.3e} over {} checkpoints; transfers sum to {:.1e} of their largest entry. Excluded: {} near-degenerate mode pairs. {} checkpoints have shell crossings; they are kept (the balance differentiates over the modes in each shell at the centre checkpoint).",
        r.balance.relative_residual, r.balance.checkpoints_used, r.balance.transfer_sum, r.degenerate_pairs, r.crossings.len()
    ))]);
    if let Some(b) = r.exponent_b {
        d.paragraph(vec![text(format!(
            "Proposition 1 exponent implied by the fit: b = 1 + γ = {b:.4}."
        ))]);
    }
    for f in &r.plots {
        d.blocks.push(f.block());
    }
    d
}
