//! The validation experiments behind `renorm rg sample` (Fig. 3 structure) and
//! `renorm rg transfer --sample` (Fig. 4 structure): predictions against Langevin sampling.

use super::model::Model;
use super::predict::{self, Table};
use super::sample::{self, SampleError, SampleResult, SamplerConfig};
use super::theory::Spectrum;
use super::transfer::{self, Transfer};
use crate::error::{Error, Result};
use crate::numeric::Precision;
use rug::ops::Pow;
use rug::{Float, Rational};
use serde::Serialize;

/// Runs the sampler on a model, mapping its errors onto the crate's.
pub fn sample_model(model: &Model, config: &SamplerConfig) -> Result<SampleResult> {
    sample::sample(&predict::langevin_system(model), config).map_err(|e| match e {
        SampleError::InvalidConfig { field, message } => {
            Error::invalid(format!("sampler config `{field}`"), message)
        }
        SampleError::InvalidSystem { field, message } => Error::InvalidInput {
            location: format!("sampler system: {field}"),
            message,
        },
        SampleError::Diverged { chain, step } => Error::numeric(
            "sampling",
            format!(
                "chain {chain} diverged at step {step}: lower the sampler's dt (the interaction force is \
                 integrated explicitly)"
            ),
        ),
    })
}

/// Fig. 3: the prediction table with a sampling run attached.
pub fn predictions_vs_sampling(model: &Model, config: &SamplerConfig, prec: Precision) -> Result<Table> {
    let mut table = predict::table(model, prec);
    let run = sample_model(model, config)?;
    table.attach(&run);
    Ok(table)
}

/// One system of the transfer comparison, mapped onto system 1's axes.
#[derive(Debug, Clone, Serialize)]
pub struct MappedSystem {
    /// `system 1`, `system 2 (naive)` or `system 3 (transferred)`.
    pub name: String,
    /// The model sampled.
    pub model: Model,
    /// `(k on system 1's axis, rescaled ⟨Δ⟩, rescaled SE, system 1's RG prediction there)`.
    pub points: Vec<[f64; 4]>,
    /// Whether each point's sampled `⟨Δ⟩` has a trustworthy SE (parallel to `points`; `false`:
    /// the run was too short for it, see [`sample`](super::sample), "Run too short").
    pub reliable: Vec<bool>,
    /// Sampled loss per sample and its SE (unmapped).
    pub loss: [f64; 2],
    /// Points within 3 SE of system 1's RG prediction (flagged points are never counted).
    pub within_3se: usize,
    /// Points compared: those not flagged.
    pub compared: usize,
    /// Points not compared because the run was too short for them.
    pub too_short: usize,
    /// Largest `|z|` over the compared points (NaN when none).
    pub max_z: f64,
    /// `Σ z²/compared` (NaN when none).
    pub mean_z2: f64,
    /// What to change when this system's run was too short.
    pub advice: Option<String>,
}

/// Fig. 4: the transfer, and sampling of the three systems.
#[derive(Debug, Clone, Serialize)]
pub struct TransferValidation {
    /// `ℓ*`.
    pub ell_star: f64,
    /// Modes integrated out to reach `ℓ*`.
    pub modes_integrated: u64,
    /// `A*`.
    pub amplitude: f64,
    /// `U*` (bare normalization).
    pub coupling: f64,
    /// Systems 1, 2 (naive) and 3 (transferred).
    pub systems: Vec<MappedSystem>,
}

/// Samples system 1, the naive system 2 and the transferred system 3, and maps 2 and 3 onto
/// system 1's axes (`k = k′/ℓ*`, `Δ → ℓ*^{(1+β)/2} Δ`).
pub fn transfer_vs_sampling(
    model: &Model,
    p_prime: &Rational,
    config: &SamplerConfig,
    prec: Precision,
) -> Result<(Transfer, TransferValidation)> {
    let t = transfer::transfer(model, p_prime, prec)?;
    let bits = prec.bits();
    let s1 = Spectrum::new(model, prec);
    let flow = s1.flow();
    let half = (Rational::from(1) + &model.beta) / Rational::from(2);
    let scale = t.ell_star.clone().pow(Float::with_val(bits, &half)).to_f64();
    let ell = t.ell_star.to_f64();
    let mut systems = Vec::new();
    for (index, (name, m, mapped)) in [
        ("system 1", model, false),
        ("system 2 (naive)", &t.naive, true),
        ("system 3 (transferred)", &t.transferred, true),
    ]
    .into_iter()
    .enumerate()
    {
        // Independent noise per system: a shared seed would correlate their residuals.
        let seeded = SamplerConfig {
            seed: config.seed.wrapping_add(index as u64),
            ..config.clone()
        };
        let run = sample_model(m, &seeded)?;
        let mut points = Vec::new();
        let mut reliable = Vec::new();
        for (i, est) in run.modes.iter().enumerate() {
            let kp = (i + 1) as f64;
            let (k, value, se) = if mapped {
                (kp / ell, est.mean_delta * scale, est.se_mean_delta * scale)
            } else {
                (kp, est.mean_delta, est.se_mean_delta)
            };
            if k < 1.0 {
                // Below system 1's first mode there is nothing to compare with.
                continue;
            }
            let at = if mapped {
                Float::with_val(bits, (i + 1) as u64) / &t.ell_star
            } else {
                Float::with_val(bits, (i + 1) as u64)
            };
            let pred = s1.rg_mean_at(&flow, &at).to_f64();
            points.push([k, value, se, pred]);
            reliable.push(est.mean_autocorrelation.reliable);
        }
        // A flagged point's SE is too small to judge by: it is never compared.
        let zs: Vec<f64> = points
            .iter()
            .zip(&reliable)
            .filter(|(p, ok)| **ok && p[2] > 0.0)
            .map(|(p, _)| (p[1] - p[3]) / p[2])
            .collect();
        let too_short = reliable.iter().filter(|ok| !**ok).count();
        let max_z = if zs.is_empty() {
            f64::NAN
        } else {
            zs.iter().fold(0.0f64, |a, z| a.max(z.abs()))
        };
        systems.push(MappedSystem {
            name: name.into(),
            model: m.clone(),
            within_3se: zs.iter().filter(|z| z.abs() <= 3.0).count(),
            compared: zs.len(),
            too_short,
            max_z,
            mean_z2: zs.iter().map(|z| z * z).sum::<f64>() / zs.len() as f64,
            points,
            reliable,
            loss: [run.loss, run.se_loss],
            advice: run.verdict.advice(),
        });
    }
    let validation = TransferValidation {
        ell_star: ell,
        modes_integrated: t.modes_integrated,
        amplitude: t.amplitude.to_f64(),
        coupling: t.coupling.to_f64(),
        systems,
    };
    Ok((t, validation))
}

impl TransferValidation {
    /// Markdown summary.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "ℓ* = {:.6}, modes integrated: {}, A* = {:.8}, U* = {:.8}\n\n\
             | system | P | r | U | points within 3 SE of system 1's RG prediction | too short to compare | max \\|z\\| | mean z² |\n|---|---|---|---|---|---|---|---|\n",
            self.ell_star, self.modes_integrated, self.amplitude, self.coupling
        );
        for s in &self.systems {
            let u = s
                .model
                .interactions
                .iter()
                .map(|t| format!("{} {:.6}", t.label(), t.coupling().to_f64()))
                .collect::<Vec<_>>()
                .join(", ");
            let (max_z, mean_z2) = if s.compared == 0 {
                ("—".to_string(), "—".to_string())
            } else {
                (format!("{:.2}", s.max_z), format!("{:.2}", s.mean_z2))
            };
            out += &format!(
                "| {} | {} | {:.6} | {} | {}/{} | {} | {max_z} | {mean_z2} |\n",
                s.name,
                s.model.samples,
                s.model.ridge.to_f64(),
                if u.is_empty() { "0".into() } else { u },
                s.within_3se,
                s.compared,
                s.too_short,
            );
        }
        for s in &self.systems {
            if let Some(advice) = &s.advice {
                out += &format!("\n**{}: sampling run too short.** {advice}.\n", s.name);
            }
        }
        out
    }

    /// A Fig.-4-style figure: rescaled profiles of the three systems against system 1's RG
    /// prediction, and their residuals.
    pub fn figure(&self, title: &str) -> crate::plot::Figure {
        use crate::plot::{Axis, Figure, Marker, Panel, Rgb, Series};
        let styles = [
            (Rgb::BLUE, Marker::Circle),
            (Rgb::GREEN, Marker::Square),
            (Rgb::RED, Marker::Triangle),
        ];
        let mut top = Panel::new(
            "rescaled ⟨Δ⟩ on system 1's modes",
            Axis::log("mode k (system 1)"),
            Axis::log("⟨Δ_k⟩"),
        );
        let mut bottom = Panel::new(
            "sampling − RG prediction (system 1)",
            Axis::log("mode k (system 1)"),
            Axis::linear("difference in ⟨Δ_k⟩"),
        );
        bottom.hline = Some(0.0);
        if let Some(first) = self.systems.first() {
            top.series.push(Series::line(
                "RG prediction, system 1",
                Rgb::BLACK,
                first.points.iter().map(|p| (p[0], p[3])).collect(),
            ));
        }
        for (i, s) in self.systems.iter().enumerate() {
            let (c, m) = styles[i % styles.len()];
            top.series.push(Series::scatter(
                &s.name,
                c,
                m,
                s.points.iter().map(|p| (p[0], p[1])).collect(),
                s.points.iter().map(|p| p[2]).collect(),
            ));
            bottom.series.push(Series::scatter(
                &s.name,
                c,
                m,
                s.points.iter().map(|p| (p[0], p[1] - p[3])).collect(),
                s.points.iter().map(|p| p[2]).collect(),
            ));
        }
        let mut fig = Figure::new(title, vec![top, bottom], 1);
        fig.cell = (520.0, 320.0);
        fig
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rg::sample::Progress;

    /// With no burn-in every estimate is flagged ("burn-in too short"): no point of any system may
    /// then count as agreeing with the RG prediction, whatever its z.
    #[test]
    fn transfer_never_claims_agreement_from_flagged_points() {
        let model = Model::from_toml(
            "alpha = \"1/5\"\nbeta = \"6/5\"\nmodes = 60\nP = 100\nr = 25\n[[interaction]]\nkind = \"separable\"\nU = \"1/20\"\n",
            "transfer.toml",
        )
        .expect("model");
        let config = SamplerConfig {
            dt: 1e-3,
            steps: 2_000,
            burn_in: 0,
            thin: 10,
            chains: 1,
            threads: 1,
            seed: 3,
            batches: 10,
            progress: Progress::none(),
        };
        let (_, v) = transfer_vs_sampling(&model, &Rational::from(50), &config, Precision::from_digits(20))
            .expect("transfer and sampling");
        assert_eq!(v.systems.len(), 3);
        for s in &v.systems {
            assert_eq!(s.reliable.len(), s.points.len(), "{}", s.name);
            assert!(
                !s.points.is_empty() && s.reliable.iter().all(|ok| !ok),
                "{}",
                s.name
            );
            assert_eq!(
                (s.within_3se, s.compared, s.too_short),
                (0, 0, s.points.len()),
                "{}",
                s.name
            );
            assert!(s.max_z.is_nan() && s.advice.is_some(), "{}", s.name);
        }
        let md = v.markdown();
        assert!(
            md.contains("| 0/0 | ") && md.contains("sampling run too short"),
            "{md}"
        );
    }
}
