//! The per-mode prediction table (`renorm rg predict`) and its comparison with sampling.
//!
//! Columns: the exact GP, first-order perturbation theory and the renormalized theory
//! ([`theory`](super::theory)); when a sampling run is attached, each mode's sampled mean and
//! variance with batch-means standard errors, and the deviation of each prediction in units of
//! the standard error. "Agrees" means within 3 standard errors (the criterion).

use super::exact::ExactMoments;
use super::model::Model;
use super::sample::{Diagonal, LangevinSystem, SampleResult, Separable};
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
    /// Modes within 3 SE.
    pub within_3se: usize,
    /// Modes compared.
    pub modes: usize,
    /// Largest `|sampled − predicted|/SE`.
    pub max_z: f64,
    /// Mode at which it occurs.
    pub worst_mode: u64,
    /// `Σ z²/modes`: ≈ 1 when the prediction is right and the SEs are honest.
    pub mean_z2: f64,
}

fn f(x: &Float) -> f64 {
    x.to_f64()
}

/// Computes the three predictions for every mode, with their validity diagnostics.
pub fn table(model: &Model, prec: Precision) -> Table {
    table_with_exact(model, prec, None)
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
        })
        .collect();
    let loss = |v: &[ModeValue]| f(&theory::loss(v, prec));
    Table {
        model: model.clone(),
        rows,
        loss: [loss(&gp), loss(&fo), loss(&rg)],
        sampled_loss: None,
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
    /// Attaches a sampling run (same model, same modes).
    pub fn attach(&mut self, run: &SampleResult) {
        for (row, est) in self.rows.iter_mut().zip(&run.modes) {
            row.sampled = Some([est.mean_delta, est.se_mean_delta, est.variance, est.se_variance]);
        }
        self.sampled_loss = Some([run.loss, run.se_loss]);
    }

    /// Agreement of each method with the attached sampling run (empty without one).
    pub fn agreement(&self) -> Vec<Agreement> {
        let mut out = Vec::new();
        for (m, method) in [Method::Gp, Method::FirstOrder, Method::Rg]
            .into_iter()
            .enumerate()
        {
            for quantity in ["mean", "variance"] {
                let zs: Vec<(u64, f64)> = self
                    .rows
                    .iter()
                    .filter_map(|r| {
                        let s = r.sampled?;
                        let (value, se, pred) = match quantity {
                            "mean" => (s[0], s[1], r.mean[m]),
                            _ => (s[2], s[3], r.variance[m]),
                        };
                        (se > 0.0).then(|| (r.k, (value - pred) / se))
                    })
                    .collect();
                if zs.is_empty() {
                    continue;
                }
                let (worst_mode, max_z) =
                    zs.iter().fold(
                        (0, 0.0f64),
                        |(k0, z0), &(k, z)| if z.abs() > z0 { (k, z.abs()) } else { (k0, z0) },
                    );
                out.push(Agreement {
                    method,
                    quantity,
                    within_3se: zs.iter().filter(|(_, z)| z.abs() <= 3.0).count(),
                    modes: zs.len(),
                    max_z,
                    worst_mode,
                    mean_z2: zs.iter().map(|(_, z)| z * z).sum::<f64>() / zs.len() as f64,
                });
            }
        }
        out
    }

    /// CSV: one row per mode.
    pub fn csv(&self) -> String {
        let mut out = String::from(
            "k,lambda,mean_gp,mean_first_order,mean_rg,var_gp,var_first_order,var_rg,mean_sampled,se_mean,var_sampled,se_var,first_order_shift_mean,first_order_shift_var,beyond_threshold,mean_exact,var_exact\n",
        );
        for r in &self.rows {
            let s = r.sampled.map_or(",,,".to_string(), |s| {
                format!("{:e},{:e},{:e},{:e}", s[0], s[1], s[2], s[3])
            });
            let e = r
                .exact
                .map_or(",".to_string(), |e| format!("{:e},{:e}", e[0], e[1]));
            out += &format!(
                "{},{:e},{:e},{:e},{:e},{:e},{:e},{:e},{s},{:e},{:e},{},{e}\n",
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

    /// A Markdown summary: losses, agreement with sampling, and a table of selected modes.
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
        out += "| loss per sample | GP | first order | RG | exact | sampled |\n|---|---|---|---|---|---|\n";
        out += &format!(
            "| ⟨L⟩/P | {:.6} | {:.6} | {:.6} | {} | {} |\n\n",
            self.loss[0],
            self.loss[1],
            self.loss[2],
            self.exact_loss.map_or("—".into(), |e| format!("{e:.6}")),
            self.sampled_loss
                .map_or("—".into(), |s| format!("{:.6} ± {:.6}", s[0], s[1]))
        );
        out += &self.validity.markdown();
        let agreement = self.agreement();
        if !agreement.is_empty() {
            out += "| prediction | quantity | modes within 3 SE | max \\|z\\| (mode) | mean z² |\n|---|---|---|---|---|\n";
            for a in &agreement {
                out += &format!(
                    "| {} | {} | {}/{} | {:.2} ({}) | {:.2} |\n",
                    a.method.name(),
                    a.quantity,
                    a.within_3se,
                    a.modes,
                    a.max_z,
                    a.worst_mode,
                    a.mean_z2
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
            let (sm, sv) = r.sampled.map_or(("—".into(), "—".into()), |s| {
                (
                    format!("{:.5} ± {:.5}", s[0], s[1]),
                    format!("{:.5} ± {:.5}", s[2], s[3]),
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
        out
    }
}

impl Table {
    /// A Fig.-3-style figure: mean discrepancy and variance per mode (sampling dots with SE,
    /// GP, first order, RG) with the residuals of sampling against RG and first order below.
    pub fn figure(&self, title: &str) -> String {
        use super::svg::{Panel, Series, figure};
        let k = |r: &Row| r.k as f64;
        let line = |label: &str, color: &str, dash: &str, pick: &dyn Fn(&Row) -> f64| {
            Series::line(
                label,
                color,
                dash,
                self.rows.iter().map(|r| (k(r), pick(r))).collect(),
            )
        };
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
            let mut series = vec![
                line("GP", "#f08c00", "", &|r| pick(r, 0)),
                line("first order", "black", "5,4", &|r| pick(r, 1)),
                line("RG", "#1f5fbf", "", &|r| pick(r, 2)),
            ];
            let sampled: Vec<&Row> = self.rows.iter().filter(|r| r.sampled.is_some()).collect();
            if !sampled.is_empty() {
                series.push(Series::dots(
                    "sampling",
                    "#d62728",
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
            panels.push(Panel {
                title: format!("{name} per mode"),
                x_label: "mode k".into(),
                y_label: name.into(),
                log_x: true,
                log_y: true,
                series,
                hline: None,
            });
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
                panels.push(Panel {
                    title: format!("sampling − prediction, {name}"),
                    x_label: "mode k".into(),
                    y_label: "difference".into(),
                    log_x: true,
                    log_y: false,
                    series: vec![
                        Series::dots("sampling − RG", "#1f5fbf", resid(2), errs.clone()),
                        Series::dots("sampling − first order", "#555", resid(1), Vec::new()),
                        Series::dots("sampling − GP", "#f08c00", resid(0), Vec::new()),
                    ],
                    hline: Some(0.0),
                });
            }
        }
        // Order as in the paper: a (mean) above its residual, b (variance) above its residual.
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
        figure(title, &ordered, 2)
    }
}
