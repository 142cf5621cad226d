//! The paper's LSI experiment (`renorm experiment lsi`): matched plain and residual networks
//! across depths, with δ_LSI, the LSI exponent γ, the closure residual, the C1–C3 measurements
//! and the Lemma 1 balance residual, per seed.
//!
//! The library trains and measures; it prints nothing. A front end supplies the trainer (so it
//! can announce each run and draw a progress bar) and formats the typed rows.

use super::{ConditionsSpec, evaluate};
use crate::error::Result;
use crate::rundata::RunData;
use crate::train::{Arch, TrainConfig};

/// What to run: every depth with both architectures, `seeds` seeds each.
#[derive(Debug, Clone, PartialEq)]
pub struct LsiExperiment {
    /// Hidden-layer counts.
    pub depths: Vec<usize>,
    /// Seeds per configuration (`0..seeds`).
    pub seeds: u64,
    /// Hidden width.
    pub width: usize,
    /// Gradient-descent steps per run.
    pub steps: usize,
}

impl Default for LsiExperiment {
    /// Depths 4, 8, 16, 32; three seeds; width 64; 2000 steps (the command line's defaults).
    fn default() -> Self {
        LsiExperiment {
            depths: vec![4, 8, 16, 32],
            seeds: 3,
            width: 64,
            steps: 2000,
        }
    }
}

impl LsiExperiment {
    /// The training runs in the order [`run_lsi`] performs them: depth by depth, plain before
    /// residual, seed by seed. Everything not set here is [`TrainConfig::default`].
    pub fn configs(&self) -> Vec<TrainConfig> {
        let mut out = Vec::new();
        for &depth in &self.depths {
            for arch in [Arch::Plain, Arch::Residual] {
                for seed in 0..self.seeds {
                    out.push(TrainConfig {
                        arch,
                        depth,
                        width: self.width,
                        steps: self.steps,
                        seed,
                        ..TrainConfig::default()
                    });
                }
            }
        }
        out
    }
}

/// One quantity over the seeds of a configuration: `None` where it could not be measured (too
/// few shells, no positive couplings, a non-finite value).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeedValues(pub Vec<Option<f64>>);

impl SeedValues {
    fn push(&mut self, value: Option<f64>) {
        self.0.push(value.filter(|x| x.is_finite()));
    }

    /// Number of seeds.
    pub fn seeds(&self) -> usize {
        self.0.len()
    }

    /// Number of seeds where the quantity was measured.
    pub fn measured(&self) -> usize {
        self.0.iter().flatten().count()
    }

    /// Mean and sample standard deviation over the measured seeds (`n − 1` in the denominator;
    /// `0` for a single seed), or `None` if no seed was measured. Unmeasured seeds are left out,
    /// never averaged in as zeros.
    pub fn mean_sd(&self) -> Option<(f64, f64)> {
        let values: Vec<f64> = self.0.iter().flatten().copied().collect();
        if values.is_empty() {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let ss: f64 = values.iter().map(|x| (x - mean).powi(2)).sum();
        let dof = (values.len().max(2) - 1) as f64;
        Some((mean, (ss / dof).sqrt()))
    }
}

/// The measurements of one architecture at one depth, over all seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct LsiRow {
    /// Plain or residual.
    pub arch: Arch,
    /// Hidden layers.
    pub depth: usize,
    /// C4: the LSI defect δ_LSI.
    pub delta_lsi: SeedValues,
    /// The fitted LSI covariance exponent γ.
    pub gamma: SeedValues,
    /// The closure residual ρ (max over h, 2h, 4h).
    pub closure: SeedValues,
    /// C1: the gradient-propagation product Π.
    pub c1: SeedValues,
    /// C2: the incoherence η.
    pub c2: SeedValues,
    /// C3: the relative Gram change δ_M.
    pub c3: SeedValues,
    /// The relative residual of the Lemma 1 balance.
    pub lemma1_residual: SeedValues,
}

/// Runs the experiment with `train` producing each run (called in the order of
/// [`LsiExperiment::configs`]); each run is evaluated with the default conditions spec.
///
/// Errors: the first error `train` returns.
pub fn run_lsi(
    experiment: &LsiExperiment,
    mut train: impl FnMut(&TrainConfig) -> Result<RunData>,
) -> Result<Vec<LsiRow>> {
    let spec = ConditionsSpec::default();
    let mut rows: Vec<LsiRow> = Vec::new();
    for config in experiment.configs() {
        let run = train(&config)?;
        let r = evaluate(&run, "experiment", &spec);
        let rule = |k: &str| r.rules.get(k).and_then(|m| m.value);
        let row = match rows.last_mut() {
            Some(row) if row.arch == config.arch && row.depth == config.depth => row,
            _ => {
                rows.push(LsiRow {
                    arch: config.arch,
                    depth: config.depth,
                    delta_lsi: SeedValues::default(),
                    gamma: SeedValues::default(),
                    closure: SeedValues::default(),
                    c1: SeedValues::default(),
                    c2: SeedValues::default(),
                    c3: SeedValues::default(),
                    lemma1_residual: SeedValues::default(),
                });
                let last = rows.len() - 1;
                &mut rows[last]
            }
        };
        row.delta_lsi.push(rule("C4"));
        row.gamma.push(r.lsi.as_ref().map(|f| f.gamma));
        row.closure.push(rule("closure"));
        row.c1.push(rule("C1"));
        row.c2.push(rule("C2"));
        row.c3.push(rule("C3"));
        row.lemma1_residual.push(Some(r.balance.relative_residual));
    }
    Ok(rows)
}

/// [`run_lsi`] with the library's trainer and no progress reporting.
pub fn lsi(experiment: &LsiExperiment) -> Result<Vec<LsiRow>> {
    run_lsi(experiment, |config| crate::train::train(config, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sd_skip_unmeasured_seeds() {
        // 1, 2, 3 (and one unmeasured): mean 2, sample variance ((1 + 0 + 1)/2) = 1.
        let v = SeedValues(vec![Some(1.0), None, Some(3.0), Some(2.0)]);
        assert_eq!((v.seeds(), v.measured()), (4, 3));
        assert_eq!(v.mean_sd(), Some((2.0, 1.0)));
        assert_eq!(SeedValues(vec![None, None]).mean_sd(), None);
        assert_eq!(SeedValues(vec![Some(5.0)]).mean_sd(), Some((5.0, 0.0)));
        let mut pushed = SeedValues::default();
        pushed.push(Some(f64::NAN));
        pushed.push(Some(f64::INFINITY));
        assert_eq!(pushed.measured(), 0, "non-finite values are not measurements");
    }

    #[test]
    fn runs_are_grouped_by_depth_and_architecture() {
        let experiment = LsiExperiment {
            depths: vec![1, 2],
            seeds: 2,
            width: 4,
            steps: 10,
        };
        let configs = experiment.configs();
        let order: Vec<(usize, Arch, u64)> = configs.iter().map(|c| (c.depth, c.arch, c.seed)).collect();
        assert_eq!(
            order,
            [
                (1, Arch::Plain, 0),
                (1, Arch::Plain, 1),
                (1, Arch::Residual, 0),
                (1, Arch::Residual, 1),
                (2, Arch::Plain, 0),
                (2, Arch::Plain, 1),
                (2, Arch::Residual, 0),
                (2, Arch::Residual, 1),
            ]
        );
        let mut trained = Vec::new();
        let rows = run_lsi(&experiment, |config| {
            trained.push((config.depth, config.arch, config.seed));
            crate::train::train(
                &TrainConfig {
                    samples: 8,
                    input_dim: 2,
                    checkpoints: 5,
                    ..config.clone()
                },
                None,
            )
        })
        .expect("tiny runs train");
        assert_eq!(trained, order, "the trainer is called in the documented order");
        let shape: Vec<(Arch, usize, usize)> = rows.iter().map(|r| (r.arch, r.depth, r.c1.seeds())).collect();
        assert_eq!(
            shape,
            [
                (Arch::Plain, 1, 2),
                (Arch::Residual, 1, 2),
                (Arch::Plain, 2, 2),
                (Arch::Residual, 2, 2)
            ]
        );
    }

    #[test]
    fn the_first_training_error_is_returned() {
        let experiment = LsiExperiment {
            depths: vec![1],
            seeds: 3,
            width: 4,
            steps: 10,
        };
        let mut calls = 0;
        let err = run_lsi(&experiment, |_| {
            calls += 1;
            Err(crate::Error::numeric("training", "diverged"))
        })
        .unwrap_err();
        assert_eq!(calls, 1);
        assert!(matches!(err, crate::Error::Numeric { .. }), "{err:?}");
    }
}
