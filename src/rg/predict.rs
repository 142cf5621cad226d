//! The per-mode prediction table (`renorm rg predict`) and its comparison with sampling.
//!
//! Columns: the exact GP, first-order perturbation theory and the renormalized theory
//! ([`theory`](super::theory)); when a sampling run is attached, each mode's sampled mean and
//! variance with blocked standard errors and their integrated autocorrelation times, and the
//! deviation of each prediction in units of the standard error. "Agrees" means within 3 standard
//! errors (the criterion), and only an estimate whose run was long enough for its error
//! (not flagged by [`sample`](super::sample), "Run too short") is compared at all: a flagged
//! estimate is counted as "too short", never as agreeing.

use super::exact::ExactMoments;
use super::model::Model;
use super::sample::{
    Autocorrelation, Diagonal, LangevinSystem, MIN_BLOCK_TAUS, MIN_BURN_IN_TAUS, MIN_ESS, RunVerdict,
    SampleResult, Separable,
};
use super::theory::{self, Method, ModeValue, Spectrum};
use super::validity::Validity;
use crate::numeric::Precision;
use rug::Float;
use serde::Serialize;

/// One mode's row.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Mode index.
    pub k: u64,
    /// `λ_k`.
    pub lambda: f64,
    /// Mean discrepancy per method: GP, first order, RG.
    pub mean: [f64; 3],
    /// Variance per method.
    pub variance: [f64; 3],
    /// Sampled `(mean, SE, variance, SE)`, when attached.
    pub sampled: Option<[f64; 4]>,
    /// The first-order correction relative to the GP value, `(⟨Δ⟩, Var)` (see
    /// [`validity`](super::validity)).
    pub first_order_shift: [f64; 2],
    /// Whether this mode is outside the perturbative regime (shift above
    /// [`PERTURBATIVE_SHIFT`](super::validity::PERTURBATIVE_SHIFT)).
    pub beyond_threshold: bool,
    /// The exact `(⟨Δ⟩, Var)` from quadrature, when computed.
    pub exact: Option<[f64; 2]>,
    /// Diagnostics (`τ_int`, ESS, the flag) of the sampled `(mean, variance)`, when attached.
    pub sampled_diagnostics: Option<[Autocorrelation; 2]>,
}

/// The full table.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// The model.
    pub model: Model,
    /// Per-mode rows.
    pub rows: Vec<Row>,
    /// Loss per sample per method (GP, first order, RG).
    pub loss: [f64; 3],
    /// Sampled loss per sample and its SE.
    pub sampled_loss: Option<[f64; 2]>,
    /// Diagnostics of the sampled loss, when attached.
    pub sampled_loss_diagnostics: Option<Autocorrelation>,
    /// Whether the attached run was long enough, and what to change when it was not.
    pub sampling_verdict: Option<RunVerdict>,
    /// Working precision of the predictions, in bits.
    pub precision_bits: u32,
    /// When to stop believing the predictions: first-order shifts, flags, exact comparison.
    pub validity: Validity,
    /// The exact loss per sample from quadrature, when computed.
    pub exact_loss: Option<f64>,
}

impl Table {
    /// The first prediction that is not a finite number, named as in the table, e.g.
    /// `⟨L⟩/P (first order)` or `Var (RG) at k = 3`.
    ///
    /// A NaN or an infinity is never a prediction: it means the model's inputs are outside what
    /// the `f64` columns can carry (e.g. `alpha = "1e1000"`), and printing it as a number would
    /// read as a result.
    pub fn first_non_finite(&self) -> Option<String> {
        const METHODS: [&str; 3] = ["GP", "first order", "RG"];
        for (method, value) in METHODS.iter().zip(&self.loss) {
            if !value.is_finite() {
                return Some(format!("⟨L⟩/P ({method}) = {value}"));
            }
        }
        for row in &self.rows {
            if !row.lambda.is_finite() {
                return Some(format!("λ at k = {} = {}", row.k, row.lambda));
            }
            for (method, (mean, variance)) in METHODS.iter().zip(row.mean.iter().zip(&row.variance)) {
                if !mean.is_finite() {
                    return Some(format!("⟨Δ⟩ ({method}) at k = {} = {mean}", row.k));
                }
                if !variance.is_finite() {
                    return Some(format!("Var ({method}) at k = {} = {variance}", row.k));
                }
            }
        }
        None
    }
}

/// Agreement of one prediction with sampling.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    /// The method.
    pub method: Method,
    /// `mean` or `variance`.
    pub quantity: &'static str,
    /// Modes within 3 SE (of those compared).
    pub within_3se: usize,
    /// Modes compared: those whose sampled estimate is not flagged.
    pub modes: usize,
    /// Modes not compared because the run was too short for their sampled estimate.
    pub too_short: usize,
    /// Largest `|sampled − predicted|/SE` (NaN when no mode could be compared).
    pub max_z: f64,
    /// Mode at which it occurs.
    pub worst_mode: u64,
    /// `Σ z²/modes`: ≈ 1 when the prediction is right and the SEs are honest (NaN when no mode
    /// could be compared).
    pub mean_z2: f64,
}

fn f(x: &Float) -> f64 {
    x.to_f64()
}

/// Computes the three predictions for every mode, with their validity diagnostics.
pub fn table(model: &Model, prec: Precision) -> Table {
    table_with_exact(model, prec, None)
}

/// The predictions as `renorm rg predict` gives them: [`table_with_exact`] at `digits` working
/// digits, with the exact moments by quadrature when `exact` is set, refusing a table with a
/// value that is not a finite number. `origin` names the model in errors.
///
/// # Errors
///
/// Those of [`exact_moments`](super::exact::exact_moments), and [`crate::Error::Numeric`]
/// naming the first quantity that is not finite.
pub fn checked_table(model: &Model, digits: u32, exact: bool, origin: &str) -> crate::Result<Table> {
    let reference = if exact {
        // The reference only has to be far more accurate than the differences it judges.
        Some(super::exact::exact_moments(model, digits.min(30))?)
    } else {
        None
    };
    let table = table_with_exact(model, Precision::from_digits(digits), reference.as_ref());
    if let Some(quantity) = table.first_non_finite() {
        return Err(crate::Error::numeric(
            format!("rg predict {origin}"),
            format!(
                "{quantity} is not a finite number; the model's inputs are outside what the prediction can represent"
            ),
        ));
    }
    Ok(table)
}

/// [`table`], compared with an exact reference ([`exact`](super::exact)) when one is given.
pub fn table_with_exact(model: &Model, prec: Precision, exact: Option<&ExactMoments>) -> Table {
    let spectrum = Spectrum::new(model, prec);
    let gp = spectrum.gp();
    let fo = spectrum.first_order();
    let rg = spectrum.rg(&spectrum.flow());
    let mut validity = Validity::assess(&gp, &fo, &rg);
    if let Some(exact) = exact {
        validity.compare_exact(exact, &gp, &fo, &rg);
    }
    let rows = (0..gp.len())
        .map(|i| Row {
            k: i as u64 + 1,
            lambda: f(&spectrum.lambda[i]),
            mean: [f(&gp[i].mean_delta), f(&fo[i].mean_delta), f(&rg[i].mean_delta)],
            variance: [f(&gp[i].variance), f(&fo[i].variance), f(&rg[i].variance)],
            sampled: None,
            first_order_shift: validity.first_order_shift[i],
            beyond_threshold: validity.beyond_threshold.contains(&(i as u64 + 1)),
            exact: exact.map(|e| [f(&e.modes[i].mean_delta), f(&e.modes[i].variance)]),
            sampled_diagnostics: None,
        })
        .collect();
    let loss = |v: &[ModeValue]| f(&theory::loss(v, prec));
    Table {
        model: model.clone(),
        rows,
        loss: [loss(&gp), loss(&fo), loss(&rg)],
        sampled_loss: None,
        sampled_loss_diagnostics: None,
        sampling_verdict: None,
        precision_bits: prec.bits(),
        validity,
        exact_loss: exact.map(|e| f(&e.loss)),
    }
}

/// The sampler's view of a model (plain `f64`: sampling is statistical, not a verification path).
pub fn langevin_system(model: &Model) -> LangevinSystem {
    let spectrum = Spectrum::new(model, Precision::from_bits(64));
    let lambda: Vec<f64> = spectrum.lambda.iter().map(f).collect();
    let separable = match model.separable() {
        Some(_) => vec![Separable {
            coupling_over_n: f(&spectrum.separable_u) / model.modes as f64,
            weight: spectrum.weight.iter().map(f).collect(),
        }],
        None => Vec::new(),
    };
    let diagonal = if spectrum.diagonal_u.is_zero() {
        Vec::new()
    } else {
        vec![Diagonal {
            coupling: f(&spectrum.diagonal_u),
            weight: lambda.iter().map(|l| 1.0 / (l * l)).collect(),
        }]
    };
    LangevinSystem {
        target: spectrum.target.iter().map(f).collect(),
        p_over_r: f(&spectrum.x),
        lambda,
        separable,
        diagonal,
    }
}

impl Table {
    /// Attaches a sampling run (same model, same modes), with its diagnostics and verdict.
    pub fn attach(&mut self, run: &SampleResult) {
        for (row, est) in self.rows.iter_mut().zip(&run.modes) {
            row.sampled = Some([est.mean_delta, est.se_mean_delta, est.variance, est.se_variance]);
            row.sampled_diagnostics = Some([est.mean_autocorrelation, est.variance_autocorrelation]);
        }
        self.sampled_loss = Some([run.loss, run.se_loss]);
        self.sampled_loss_diagnostics = Some(run.loss_autocorrelation);
        self.sampling_verdict = Some(run.verdict.clone());
    }

    /// Agreement of each method with the attached sampling run (empty without one). A mode whose
    /// sampled estimate is flagged (run too short) is counted in [`Agreement::too_short`], never
    /// compared, so never "within 3 SE".
    pub fn agreement(&self) -> Vec<Agreement> {
        let mut out = Vec::new();
        for (m, method) in [Method::Gp, Method::FirstOrder, Method::Rg]
            .into_iter()
            .enumerate()
        {
            for (q, quantity) in ["mean", "variance"].into_iter().enumerate() {
                let mut too_short = 0;
                let zs: Vec<(u64, f64)> = self
                    .rows
                    .iter()
                    .filter_map(|r| {
                        let s = r.sampled?;
                        // Without diagnostics (a run attached by hand) nothing vouches for the SE.
                        if !r.sampled_diagnostics.is_some_and(|d| d[q].reliable) {
                            too_short += 1;
                            return None;
                        }
                        let (value, se, pred) = match q {
                            0 => (s[0], s[1], r.mean[m]),
                            _ => (s[2], s[3], r.variance[m]),
                        };
                        (se > 0.0).then(|| (r.k, (value - pred) / se))
                    })
                    .collect();
                if zs.is_empty() && too_short == 0 {
                    continue;
                }
                let (worst_mode, max_z) = if zs.is_empty() {
                    (0, f64::NAN)
                } else {
                    zs.iter().fold(
                        (0, 0.0f64),
                        |(k0, z0), &(k, z)| if z.abs() > z0 { (k, z.abs()) } else { (k0, z0) },
                    )
                };
                out.push(Agreement {
                    method,
                    quantity,
                    within_3se: zs.iter().filter(|(_, z)| z.abs() <= 3.0).count(),
                    modes: zs.len(),
                    too_short,
                    max_z,
                    worst_mode,
                    mean_z2: zs.iter().map(|(_, z)| z * z).sum::<f64>() / zs.len() as f64,
                });
            }
        }
        out
    }

    /// CSV: one row per mode. The sampled columns end with each estimate's `τ_int` (samples),
    /// ESS and whether its error can be trusted (`false`: the run was too short for it).
    pub fn csv(&self) -> String {
        let mut out = String::from(
            "k,lambda,mean_gp,mean_first_order,mean_rg,var_gp,var_first_order,var_rg,mean_sampled,se_mean,var_sampled,se_var,tau_mean,ess_mean,reliable_mean,tau_var,ess_var,reliable_var,first_order_shift_mean,first_order_shift_var,beyond_threshold,mean_exact,var_exact\n",
        );
        for r in &self.rows {
            let s = r.sampled.map_or(",,,".to_string(), |s| {
                format!("{:e},{:e},{:e},{:e}", s[0], s[1], s[2], s[3])
            });
            let d = r.sampled_diagnostics.map_or(",,,,,".to_string(), |d| {
                format!(
                    "{:e},{:e},{},{:e},{:e},{}",
                    d[0].tau_int, d[0].ess, d[0].reliable, d[1].tau_int, d[1].ess, d[1].reliable
                )
            });
            let e = r
                .exact
                .map_or(",".to_string(), |e| format!("{:e},{:e}", e[0], e[1]));
            out += &format!(
                "{},{:e},{:e},{:e},{:e},{:e},{:e},{:e},{s},{d},{:e},{:e},{},{e}\n",
                r.k,
                r.lambda,
                r.mean[0],
                r.mean[1],
                r.mean[2],
                r.variance[0],
                r.variance[1],
                r.variance[2],
                r.first_order_shift[0],
                r.first_order_shift[1],
                r.beyond_threshold
            );
        }
        out
    }

    /// A Markdown summary: losses, agreement with sampling, and a table of selected modes. When
    /// the attached run is too short for some estimates, it says so first, with what to change.
    pub fn markdown(&self, every: usize) -> String {
        let mut out = format!(
            "Model: α = {}, β = {}, N = {}, P/r = {}, interactions: {}\n\n",
            self.model.alpha,
            self.model.beta,
            self.model.modes,
            self.model.p_over_r(),
            if self.model.interactions.is_empty() {
                "none (GP)".to_string()
            } else {
                self.model
                    .interactions
                    .iter()
                    .map(|t| format!("{} U = {}", t.label(), t.coupling()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        if let Some(advice) = self.sampling_verdict.as_ref().and_then(RunVerdict::advice) {
            out += &format!(
                "**Sampling run too short.** {advice}. Flagged estimates are marked \"too short\" and \
                 are not compared with the predictions.\n\n"
            );
        }
        out += "| loss per sample | GP | first order | RG | exact | sampled |\n|---|---|---|---|---|---|\n";
        out += &format!(
            "| ⟨L⟩/P | {:.6} | {:.6} | {:.6} | {} | {} |\n\n",
            self.loss[0],
            self.loss[1],
            self.loss[2],
            self.exact_loss.map_or("—".into(), |e| format!("{e:.6}")),
            self.sampled_loss.map_or("—".into(), |s| {
                format!(
                    "{:.6} ± {:.6}{}",
                    s[0],
                    s[1],
                    self.sampled_loss_diagnostics
                        .map_or(String::new(), |d| flag_note(&d))
                )
            })
        );
        out += &self.validity.markdown();
        let agreement = self.agreement();
        if !agreement.is_empty() {
            out += "| prediction | quantity | modes within 3 SE | too short to compare | max \\|z\\| (mode) | mean z² |\n|---|---|---|---|---|---|\n";
            for a in &agreement {
                let (max_z, mean_z2) = if a.modes == 0 {
                    ("—".to_string(), "—".to_string())
                } else {
                    (
                        format!("{:.2} ({})", a.max_z, a.worst_mode),
                        format!("{:.2}", a.mean_z2),
                    )
                };
                out += &format!(
                    "| {} | {} | {}/{} | {} | {max_z} | {mean_z2} |\n",
                    a.method.name(),
                    a.quantity,
                    a.within_3se,
                    a.modes,
                    a.too_short,
                );
            }
            out += "\n";
        }
        out += "| k | 1st-order shift | ⟨Δ⟩ GP | ⟨Δ⟩ 1st order | ⟨Δ⟩ RG | ⟨Δ⟩ exact | ⟨Δ⟩ sampled | Var GP | Var 1st order | Var RG | Var exact | Var sampled |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n";
        for r in self
            .rows
            .iter()
            .filter(|r| r.k == 1 || (r.k as usize).is_multiple_of(every.max(1)))
        {
            let note = |q: usize| r.sampled_diagnostics.map_or(String::new(), |d| flag_note(&d[q]));
            let (sm, sv) = r.sampled.map_or(("—".into(), "—".into()), |s| {
                (
                    format!("{:.5} ± {:.5}{}", s[0], s[1], note(0)),
                    format!("{:.5} ± {:.5}{}", s[2], s[3], note(1)),
                )
            });
            let shift = r.first_order_shift[0].max(r.first_order_shift[1]);
            let flag = if r.beyond_threshold { " ⚠" } else { "" };
            let (em, ev) = r.exact.map_or(("—".into(), "—".into()), |e| {
                (format!("{:.5}", e[0]), format!("{:.5}", e[1]))
            });
            let var = |v: f64| {
                if v > 0.0 {
                    format!("{v:.5}")
                } else {
                    format!("{v:.5} ⚠")
                }
            };
            out += &format!(
                "| {} | {:.1} %{flag} | {:.5} | {:.5} | {:.5} | {em} | {sm} | {} | {} | {} | {ev} | {sv} |\n",
                r.k,
                shift * 100.0,
                r.mean[0],
                r.mean[1],
                r.mean[2],
                var(r.variance[0]),
                var(r.variance[1]),
                var(r.variance[2])
            );
        }
        if self.sampled_loss_diagnostics.is_some() {
            out += &format!(
                "\nτ: integrated autocorrelation time of the estimate, in samples; \"too short\": the \
                 run was too short for its standard error (blocks under {MIN_BLOCK_TAUS} τ, under \
                 {MIN_ESS} effective samples, or burn-in under {MIN_BURN_IN_TAUS} τ), so it is not \
                 compared.\n"
            );
        }
        out
    }
}

/// ` (τ 12.3)`, or ` (τ 12.3, too short)` for a flagged estimate.
fn flag_note(d: &Autocorrelation) -> String {
    format!(
        " (τ {:.1}{})",
        d.tau_int,
        if d.reliable { "" } else { ", too short" }
    )
}

impl Table {
    /// A Fig.-3-style figure: mean discrepancy and variance per mode (sampling markers with SE,
    /// GP, first order, RG) with the residuals of sampling against RG and first order below.
    pub fn figure(&self, title: &str) -> crate::plot::Figure {
        use crate::plot::{Axis, Dash, Figure, Marker, Panel, Rgb, Series};
        let k = |r: &Row| r.k as f64;
        let mut panels = Vec::new();
        for (q, name) in [(0usize, "⟨Δ_k⟩"), (2, "⟨Δ_k²⟩_c")] {
            let m = if q == 0 { 0 } else { 1 };
            let pick = move |r: &Row, method: usize| {
                if m == 0 {
                    r.mean[method]
                } else {
                    r.variance[method]
                }
            };
            let curve = |method: usize| -> Vec<(f64, f64)> {
                self.rows.iter().map(|r| (k(r), pick(r, method))).collect()
            };
            let mut series = vec![
                Series::line("GP", Rgb::ORANGE, curve(0)),
                Series::dashed("first order", Rgb::BLACK, Dash::Dashed, curve(1)),
                Series::line("RG", Rgb::BLUE, curve(2)),
            ];
            let sampled: Vec<&Row> = self.rows.iter().filter(|r| r.sampled.is_some()).collect();
            if !sampled.is_empty() {
                series.push(Series::scatter(
                    "sampling (± SE)",
                    Rgb::RED,
                    Marker::Circle,
                    sampled
                        .iter()
                        .map(|r| (k(r), r.sampled.map_or(f64::NAN, |s| s[q])))
                        .collect(),
                    sampled
                        .iter()
                        .map(|r| r.sampled.map_or(0.0, |s| s[q + 1]))
                        .collect(),
                ));
            }
            let mut panel = Panel::new(
                &format!("{} per mode", if q == 0 { "mean" } else { "variance" }),
                Axis::log("mode k"),
                Axis::log(name),
            );
            panel.series = series;
            panels.push(panel);
            if !sampled.is_empty() {
                let resid = |method: usize| -> Vec<(f64, f64)> {
                    sampled
                        .iter()
                        .map(|r| (k(r), r.sampled.map_or(f64::NAN, |s| s[q]) - pick(r, method)))
                        .collect()
                };
                let errs: Vec<f64> = sampled
                    .iter()
                    .map(|r| r.sampled.map_or(0.0, |s| s[q + 1]))
                    .collect();
                let mut panel = Panel::new(
                    "sampling − prediction",
                    Axis::log("mode k"),
                    Axis::linear(&format!("difference in {name}")),
                );
                panel.series = vec![
                    Series::scatter(
                        "sampling − RG (± SE)",
                        Rgb::BLUE,
                        Marker::Circle,
                        resid(2),
                        errs.clone(),
                    ),
                    Series::scatter(
                        "sampling − first order",
                        Rgb::GREY,
                        Marker::Square,
                        resid(1),
                        Vec::new(),
                    ),
                    Series::scatter(
                        "sampling − GP",
                        Rgb::ORANGE,
                        Marker::Triangle,
                        resid(0),
                        Vec::new(),
                    ),
                ];
                panel.hline = Some(0.0);
                panels.push(panel);
            }
        }
        // Order as in the paper: a (mean) above its residual, b (variance) above its residual;
        // two columns: mean | variance.
        let ordered: Vec<Panel> = if panels.len() == 4 {
            vec![
                panels[0].clone(),
                panels[2].clone(),
                panels[1].clone(),
                panels[3].clone(),
            ]
        } else {
            panels
        };
        let mut fig = Figure::new(title, ordered, 2);
        fig.cell = (400.0, 310.0);
        fig
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rg::sample::{ModeEstimate, Shortfall};

    fn diag(reliable: bool) -> Autocorrelation {
        Autocorrelation {
            tau_int: if reliable { 2.0 } else { 40.0 },
            ess: 1e4,
            se_naive: 1e-3,
            reliable,
            shortfall: (!reliable).then_some(Shortfall::BlocksTooShort),
        }
    }

    /// A flagged estimate is never "within 3 SE", even when it sits on the prediction; it is
    /// counted as too short, and every output format says so.
    #[test]
    fn flagged_modes_are_not_compared() {
        let model = Model::from_toml(
            "alpha = \"1/5\"\nbeta = \"3/10\"\nmodes = 3\nP = 10\np_over_r = 4\n",
            "test.toml",
        )
        .expect("model");
        let mut t = table(&model, Precision::from_digits(20));
        let se = 0.01;
        // Mode 1: exactly the GP but flagged; mode 2: the GP, reliable; mode 3: 5 SE off, reliable.
        // Every variance is flagged.
        let modes = t
            .rows
            .iter()
            .zip([(0.0, false), (0.0, true), (5.0, true)])
            .map(|(r, (z, ok))| ModeEstimate {
                mean_delta: r.mean[0] + z * se,
                se_mean_delta: se,
                variance: r.variance[0],
                se_variance: se,
                mean_autocorrelation: diag(ok),
                variance_autocorrelation: diag(false),
                reliable: false,
            })
            .collect();
        let run = SampleResult {
            modes,
            loss: t.loss[0],
            se_loss: se,
            loss_autocorrelation: diag(false),
            loss_blocking: Vec::new(),
            verdict: RunVerdict {
                reliable: false,
                flagged_modes: 3,
                modes: 3,
                loss_reliable: false,
                max_tau_steps: 400.0,
                min_steps: 80_000,
                min_burn_in: 2_000,
                steps: 1_000,
                burn_in: 100,
            },
            samples_per_chain: 100,
            chains: 1,
            total_steps: 1_100,
            batches_total: 2,
        };
        t.attach(&run);
        let agreement = t.agreement();
        assert_eq!(agreement.len(), 6);
        for a in &agreement {
            if a.quantity == "mean" {
                assert_eq!((a.within_3se, a.modes, a.too_short), (1, 2, 1), "{a:?}");
                assert_eq!(a.worst_mode, 3);
                assert!((a.max_z - 5.0).abs() < 1e-9, "{a:?}");
            } else {
                assert_eq!((a.within_3se, a.modes, a.too_short), (0, 0, 3), "{a:?}");
                assert!(a.max_z.is_nan());
            }
        }
        let md = t.markdown(1);
        assert!(md.contains("**Sampling run too short.**"), "{md}");
        assert!(
            md.contains("80000 steps per chain (now 1000)") && md.contains("burn-in of at least 2000 steps"),
            "{md}"
        );
        assert!(md.contains("| GP | mean | 1/2 | 1 | 5.00 (3) |"), "{md}");
        assert!(md.contains("| GP | variance | 0/0 | 3 | — | — |"), "{md}");
        assert!(
            md.contains("(τ 40.0, too short)") && md.contains("(τ 2.0)"),
            "{md}"
        );
        let csv = t.csv();
        let header: Vec<&str> = csv.lines().next().unwrap_or("").split(',').collect();
        let first: Vec<&str> = csv.lines().nth(1).unwrap_or("").split(',').collect();
        assert_eq!(header.len(), first.len());
        assert_eq!(header[14], "reliable_mean");
        assert_eq!((first[14], first[17]), ("false", "false"));
        let json: serde_json::Value =
            serde_json::from_str(&serde_json::to_string(&t).expect("serialize")).expect("valid JSON");
        assert_eq!(json["rows"][1]["sampled_diagnostics"][0]["reliable"], true);
        assert_eq!(
            json["rows"][0]["sampled_diagnostics"][0]["shortfall"],
            "blocks_too_short"
        );
        assert_eq!(json["sampling_verdict"]["reliable"], false);
    }
}
