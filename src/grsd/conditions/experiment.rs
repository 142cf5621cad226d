//! The paper's LSI experiment (`renorm experiment lsi`): matched plain and residual networks
//! across depths and widths, with δ_LSI, the LSI exponent γ, the closure residual, the C1–C3
//! measurements and the Lemma 1 balance residual, per seed.
//!
//! The library trains and measures; it prints nothing. A front end supplies the trainer (so it
//! can announce each run and draw a progress bar) and formats the typed rows.
//!
//! # Shards
//!
//! The grid of runs (depth × width × arch × seed, in the order of [`LsiExperiment::configs`]) can
//! be split into `n` deterministic slices: shard `i/n` (`1 ≤ i ≤ n`) runs the grid points whose
//! index `k` has `k mod n = i − 1` (round robin, so every shard gets a mix of shallow and deep
//! nets). [`run_shard`] produces a [`ShardResult`] — the grid definition, the shard, and each of
//! its points with its measurements — written as JSON ([`SHARD_SCHEMA`]); [`merge_shards`]
//! checks that the shards share one grid and cover every point exactly once and assembles the
//! same [`LsiRow`]s (hence the same [`markdown_table`]) as the unsharded [`run_lsi`].
//!
//! Measurements are stored as decimal strings in Rust's shortest round-trip form (`1.25e-1`),
//! not as JSON numbers: `serde_json`'s default number parser may round a 17-digit number one ulp
//! away, and the merged table must be the unsharded one exactly.

use super::{ConditionsSpec, evaluate};
use crate::error::{Error, Result};
use crate::rundata::RunData;
use crate::train::{Arch, TrainConfig};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Schema identifier of a shard's partial result (`schemas/experiment.shard.schema.json`).
pub const SHARD_SCHEMA: &str = "renorm.experiment.shard/1";

/// What to run: every depth and width with both architectures, `seeds` seeds each.
#[derive(Debug, Clone, PartialEq)]
pub struct LsiExperiment {
    /// Hidden-layer counts.
    pub depths: Vec<usize>,
    /// Hidden widths.
    pub widths: Vec<usize>,
    /// Seeds per configuration (`0..seeds`).
    pub seeds: u64,
    /// Everything else of each run (steps, samples, input dimension, learning rate, checkpoints,
    /// spacing); its `arch`, `depth`, `width` and `seed` are replaced per grid point.
    pub base: TrainConfig,
}

impl Default for LsiExperiment {
    /// Depths 4, 8, 16, 32; width 64; three seeds; 2000 steps and otherwise
    /// [`TrainConfig::default`] (the command line's defaults).
    fn default() -> Self {
        LsiExperiment {
            depths: vec![4, 8, 16, 32],
            widths: vec![64],
            seeds: 3,
            base: TrainConfig {
                steps: 2000,
                ..TrainConfig::default()
            },
        }
    }
}

/// Most training runs one experiment grid may hold (depths × widths × 2 architectures × seeds).
pub const MAX_GRID_RUNS: u64 = 10_000;

impl LsiExperiment {
    /// Checks the grid before anything is trained: at most [`MAX_GRID_RUNS`] runs, and every
    /// (depth, width) a valid [`TrainConfig`] within the memory budget.
    ///
    /// Errors: [`Error::InvalidInput`] naming the option at fault.
    pub fn validate(&self) -> Result<()> {
        let runs = (self.depths.len() as u128) * (self.widths.len() as u128) * 2 * u128::from(self.seeds);
        if runs > u128::from(MAX_GRID_RUNS) {
            return Err(Error::invalid(
                "experiment grid",
                format!(
                    "{runs} runs (depths × widths × 2 × seeds) is more than the {MAX_GRID_RUNS} an experiment may hold"
                ),
            ));
        }
        for &depth in &self.depths {
            for &width in &self.widths {
                let config = TrainConfig {
                    depth,
                    width,
                    ..self.base.clone()
                };
                config
                    .validate()
                    .map_err(|e| Error::invalid("experiment grid", e.to_string()))?;
            }
        }
        Ok(())
    }

    /// The training runs in the order [`run_lsi`] performs them: depth by depth, width by width,
    /// plain before residual, seed by seed.
    pub fn configs(&self) -> Vec<TrainConfig> {
        let mut out = Vec::new();
        for &depth in &self.depths {
            for &width in &self.widths {
                for arch in [Arch::Plain, Arch::Residual] {
                    for seed in 0..self.seeds {
                        out.push(TrainConfig {
                            arch,
                            depth,
                            width,
                            seed,
                            ..self.base.clone()
                        });
                    }
                }
            }
        }
        out
    }

    /// The grid definition as stored in a shard (what merging compares).
    pub fn grid(&self) -> Grid {
        Grid {
            depths: self.depths.clone(),
            widths: self.widths.clone(),
            archs: vec![Arch::Plain.name().into(), Arch::Residual.name().into()],
            seeds: self.seeds,
            steps: self.base.steps,
            samples: self.base.samples,
            input_dim: self.base.input_dim,
            learning_rate: exact(self.base.learning_rate),
            checkpoints: self.base.checkpoints,
            lambda_dt_target: self.base.lambda_dt_target.map(exact),
        }
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

/// The measurements of one architecture at one depth and width, over all seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct LsiRow {
    /// Plain or residual.
    pub arch: Arch,
    /// Hidden layers.
    pub depth: usize,
    /// Hidden width.
    pub width: usize,
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
    /// The verdicts, one entry per seed.
    pub verdicts: Vec<Verdicts>,
}

/// A rule's verdict on one run, as `renorm conditions` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The rule holds.
    Holds,
    /// The rule fails.
    Fails,
    /// Neither could be shown (a premise missing, or not measurable).
    NotEstablished,
}

impl Verdict {
    /// The verdict of a conditions report's status string (`holds`, `fails`,
    /// `not established`); `None` for anything else.
    fn of_status(status: &str) -> Option<Verdict> {
        match status {
            "holds" => Some(Verdict::Holds),
            "fails" => Some(Verdict::Fails),
            "not established" => Some(Verdict::NotEstablished),
            _ => None,
        }
    }
}

/// The verdicts of one run on the sufficient conditions and what they imply (docs/theory.md
/// §2.8): `None` where the report carries no verdict for the rule (e.g. a shard written before
/// verdicts were recorded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdicts {
    /// C1: gradient propagation.
    pub c1: Option<Verdict>,
    /// C2: incoherence.
    pub c2: Option<Verdict>,
    /// C3: slow Gram drift.
    pub c3: Option<Verdict>,
    /// C4: log-shift invariance.
    pub c4: Option<Verdict>,
    /// The closure `T ≈ K E`.
    pub closure: Option<Verdict>,
    /// R: renormalizable shell dynamics.
    pub r: Option<Verdict>,
    /// PL-weak: a power-law velocity field, weak form.
    pub pl_weak: Option<Verdict>,
    /// PL: the power law.
    pub pl: Option<Verdict>,
}

impl Verdicts {
    /// The rule names of the table columns, in order, with the field each reads.
    pub const RULES: [&'static str; 8] = ["C1", "C2", "C3", "C4", "closure", "R", "PL-weak", "PL"];

    /// The verdicts in the order of [`Verdicts::RULES`].
    pub fn in_order(&self) -> [Option<Verdict>; 8] {
        [
            self.c1,
            self.c2,
            self.c3,
            self.c4,
            self.closure,
            self.r,
            self.pl_weak,
            self.pl,
        ]
    }
}

/// The measurements of one training run (`None`: not measurable, or not finite).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunMeasurements {
    /// C4: δ_LSI.
    pub delta_lsi: Option<f64>,
    /// The LSI exponent γ.
    pub gamma: Option<f64>,
    /// The closure residual ρ.
    pub closure: Option<f64>,
    /// C1: Π.
    pub c1: Option<f64>,
    /// C2: η.
    pub c2: Option<f64>,
    /// C3: δ_M.
    pub c3: Option<f64>,
    /// The Lemma 1 balance residual.
    pub lemma1_residual: Option<f64>,
    /// The verdicts of C1–C4, the closure, R, PL-weak and PL.
    pub verdicts: Verdicts,
}

impl RunMeasurements {
    /// Evaluates `run` with the default conditions spec.
    pub fn of(run: &RunData) -> RunMeasurements {
        let r = evaluate(run, "experiment", &ConditionsSpec::default());
        let rule = |k: &str| r.rules.get(k).and_then(|m| m.value);
        let finite = |v: Option<f64>| v.filter(|x| x.is_finite());
        let verdict = |k: &str| r.rules.get(k).and_then(|m| Verdict::of_status(&m.status));
        RunMeasurements {
            delta_lsi: finite(rule("C4")),
            gamma: finite(r.lsi.as_ref().map(|f| f.gamma)),
            closure: finite(rule("closure")),
            c1: finite(rule("C1")),
            c2: finite(rule("C2")),
            c3: finite(rule("C3")),
            lemma1_residual: finite(Some(r.balance.relative_residual)),
            verdicts: Verdicts {
                c1: verdict("C1"),
                c2: verdict("C2"),
                c3: verdict("C3"),
                c4: verdict("C4"),
                closure: verdict("closure"),
                r: verdict("R"),
                pl_weak: verdict("PL_weak"),
                pl: verdict("PL"),
            },
        }
    }
}

/// Groups per-run measurements (in the order of [`LsiExperiment::configs`]) into rows.
fn rows_from(configs: &[TrainConfig], measured: &[RunMeasurements]) -> Vec<LsiRow> {
    let mut rows: Vec<LsiRow> = Vec::new();
    for (config, m) in configs.iter().zip(measured) {
        let same =
            |row: &LsiRow| row.arch == config.arch && row.depth == config.depth && row.width == config.width;
        if !rows.last().is_some_and(same) {
            rows.push(LsiRow {
                arch: config.arch,
                depth: config.depth,
                width: config.width,
                delta_lsi: SeedValues::default(),
                gamma: SeedValues::default(),
                closure: SeedValues::default(),
                c1: SeedValues::default(),
                c2: SeedValues::default(),
                c3: SeedValues::default(),
                lemma1_residual: SeedValues::default(),
                verdicts: Vec::new(),
            });
        }
        let last = rows.len() - 1;
        let row = &mut rows[last];
        row.delta_lsi.push(m.delta_lsi);
        row.gamma.push(m.gamma);
        row.closure.push(m.closure);
        row.c1.push(m.c1);
        row.c2.push(m.c2);
        row.c3.push(m.c3);
        row.lemma1_residual.push(m.lemma1_residual);
        row.verdicts.push(m.verdicts);
    }
    rows
}

/// Runs the experiment with `train` producing each run (called in the order of
/// [`LsiExperiment::configs`]); each run is evaluated with the default conditions spec.
///
/// Errors: the first error `train` returns.
pub fn run_lsi(
    experiment: &LsiExperiment,
    mut train: impl FnMut(&TrainConfig) -> Result<RunData>,
) -> Result<Vec<LsiRow>> {
    experiment.validate()?;
    let configs = experiment.configs();
    let mut measured = Vec::with_capacity(configs.len());
    for config in &configs {
        measured.push(RunMeasurements::of(&train(config)?));
    }
    Ok(rows_from(&configs, &measured))
}

/// [`run_lsi`] with the library's trainer and no progress reporting.
pub fn lsi(experiment: &LsiExperiment) -> Result<Vec<LsiRow>> {
    run_lsi(experiment, |config| crate::train::train(config, None))
}

/// One cell of the LSI table: mean ± standard deviation over the seeds where the quantity was
/// measured, with the count when some seeds could not be measured.
fn seed_cell(values: &SeedValues) -> String {
    let (measured, seeds) = (values.measured(), values.seeds());
    match values.mean_sd() {
        None => format!("n/a (0/{seeds})"),
        Some((m, sd)) if measured == seeds => format!("{m:.3} ± {sd:.3}"),
        Some((m, sd)) => format!("{m:.3} ± {sd:.3} ({measured}/{seeds})"),
    }
}

/// The LSI experiment's rows as the Markdown table `renorm experiment` prints. A `width` column
/// appears only when the rows span more than one width (so single-width tables keep their
/// historical shape).
pub fn markdown_table(rows: &[LsiRow]) -> String {
    let several = rows
        .iter()
        .any(|r| rows.first().is_some_and(|f| f.width != r.width));
    let (width_head, width_rule) = if several { (" width |", "---|") } else { ("", "") };
    let mut table = format!(
        "| arch | depth |{width_head} δ_LSI | γ | closure ρ (max over h, 2h, 4h) | C1 Π | C2 η | C3 δ_M | Lemma 1 residual |\n|---|---|{width_rule}---|---|---|---|---|---|---|\n"
    );
    for r in rows {
        let cells = [
            &r.delta_lsi,
            &r.gamma,
            &r.closure,
            &r.c1,
            &r.c2,
            &r.c3,
            &r.lemma1_residual,
        ]
        .map(seed_cell);
        let width = if several {
            format!(" {} |", r.width)
        } else {
            String::new()
        };
        table += &format!("| {} | {} |{width} {} |\n", r.arch, r.depth, cells.join(" | "));
    }
    format!("{table}\n{}", verdict_table(rows, several))
}

/// How often each verdict came out over a row's seeds: `holds/fails/not established`, or `n/a`
/// where no seed carries a verdict for the rule.
fn verdict_cell(verdicts: &[Verdicts], rule: usize) -> String {
    let count = |v: Verdict| {
        verdicts
            .iter()
            .filter(|vs| vs.in_order()[rule] == Some(v))
            .count()
    };
    let (h, f, n) = (
        count(Verdict::Holds),
        count(Verdict::Fails),
        count(Verdict::NotEstablished),
    );
    if h + f + n == 0 {
        "n/a".into()
    } else {
        format!("{h}/{f}/{n}")
    }
}

/// The verdict counts of every row (the second table of [`markdown_table`]).
fn verdict_table(rows: &[LsiRow], several_widths: bool) -> String {
    let (width_head, width_rule) = if several_widths {
        (" width |", "---|")
    } else {
        ("", "")
    };
    let heads: Vec<String> = Verdicts::RULES.iter().map(|r| format!(" {r} |")).collect();
    let mut table = format!(
        "Verdicts over the seeds, as holds/fails/not established:\n\n| arch | depth |{width_head}{}\n|---|---|{width_rule}{}\n",
        heads.concat(),
        "---|".repeat(Verdicts::RULES.len())
    );
    for r in rows {
        let width = if several_widths {
            format!(" {} |", r.width)
        } else {
            String::new()
        };
        let cells: Vec<String> = (0..Verdicts::RULES.len())
            .map(|k| verdict_cell(&r.verdicts, k))
            .collect();
        table += &format!("| {} | {} |{width} {} |\n", r.arch, r.depth, cells.join(" | "));
    }
    table
}

/// Shard `index` of `count` (`1 ≤ index ≤ count`), written `i/n` on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based shard number.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// Whether grid point `k` (0-based, in [`LsiExperiment::configs`] order) belongs to this
    /// shard: `k mod count = index − 1`.
    pub fn contains(self, k: usize) -> bool {
        k % self.count == self.index - 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `i/n` with `1 ≤ i ≤ n`.
    fn from_str(s: &str) -> std::result::Result<Shard, String> {
        let bad = || format!("--shard must be i/n with 1 ≤ i ≤ n (got `{s}`)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// The grid definition a shard was run on; shards merge only if theirs are equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    /// Hidden-layer counts.
    pub depths: Vec<usize>,
    /// Hidden widths.
    pub widths: Vec<usize>,
    /// Architectures, in grid order.
    pub archs: Vec<String>,
    /// Seeds per configuration.
    pub seeds: u64,
    /// Gradient-descent steps per run.
    pub steps: usize,
    /// Training samples per run.
    pub samples: usize,
    /// Input dimension.
    pub input_dim: usize,
    /// Learning rate (exact decimal string).
    pub learning_rate: String,
    /// Checkpoints per run (the budget, with a target).
    pub checkpoints: usize,
    /// The `λ_max·Δt` target (exact decimal string), if any.
    pub lambda_dt_target: Option<String>,
}

impl Grid {
    /// The `(arch, depth, width, seed)` of every grid point, in grid order.
    fn points(&self) -> Vec<(String, usize, usize, u64)> {
        let mut out = Vec::new();
        for &depth in &self.depths {
            for &width in &self.widths {
                for arch in &self.archs {
                    for seed in 0..self.seeds {
                        out.push((arch.clone(), depth, width, seed));
                    }
                }
            }
        }
        out
    }
}

/// One grid point of a shard and what was measured on it (values as exact decimal strings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardPoint {
    /// Index in the full grid (0-based).
    pub index: usize,
    /// `plain` or `residual`.
    pub arch: String,
    /// Hidden layers.
    pub depth: usize,
    /// Hidden width.
    pub width: usize,
    /// Seed.
    pub seed: u64,
    /// The run's measurements.
    pub measurements: ShardMeasurements,
}

/// [`RunMeasurements`] as stored: shortest round-trip decimal strings, `null` when unmeasured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardMeasurements {
    /// C4: δ_LSI.
    pub delta_lsi: Option<String>,
    /// The LSI exponent γ.
    pub gamma: Option<String>,
    /// The closure residual ρ.
    pub closure: Option<String>,
    /// C1: Π.
    pub c1: Option<String>,
    /// C2: η.
    pub c2: Option<String>,
    /// C3: δ_M.
    pub c3: Option<String>,
    /// The Lemma 1 balance residual.
    pub lemma1_residual: Option<String>,
    /// The verdicts (absent in shards written before they were recorded: all unknown).
    #[serde(default)]
    pub verdicts: Verdicts,
}

/// `x` in Rust's shortest round-trip exponent form (`0.125` → `1.25e-1`); `str::parse` gives back
/// the same bits.
fn exact(x: f64) -> String {
    format!("{x:e}")
}

impl From<RunMeasurements> for ShardMeasurements {
    fn from(m: RunMeasurements) -> ShardMeasurements {
        let s = |v: Option<f64>| v.map(exact);
        ShardMeasurements {
            delta_lsi: s(m.delta_lsi),
            gamma: s(m.gamma),
            closure: s(m.closure),
            c1: s(m.c1),
            c2: s(m.c2),
            c3: s(m.c3),
            lemma1_residual: s(m.lemma1_residual),
            verdicts: m.verdicts,
        }
    }
}

impl ShardMeasurements {
    /// The values, or a message naming the one that is not a finite decimal.
    fn parse(&self) -> std::result::Result<RunMeasurements, String> {
        let p = |name: &str, v: &Option<String>| -> std::result::Result<Option<f64>, String> {
            match v {
                None => Ok(None),
                Some(text) => match text.parse::<f64>() {
                    Ok(x) if x.is_finite() => Ok(Some(x)),
                    _ => Err(format!(
                        "measurement `{name}` is `{text}`, not a finite decimal number"
                    )),
                },
            }
        };
        Ok(RunMeasurements {
            delta_lsi: p("delta_lsi", &self.delta_lsi)?,
            gamma: p("gamma", &self.gamma)?,
            closure: p("closure", &self.closure)?,
            c1: p("c1", &self.c1)?,
            c2: p("c2", &self.c2)?,
            c3: p("c3", &self.c3)?,
            lemma1_residual: p("lemma1_residual", &self.lemma1_residual)?,
            verdicts: self.verdicts,
        })
    }
}

/// A shard's partial result: the JSON document [`SHARD_SCHEMA`] (without the `schema` field,
/// which [`ShardResult::to_json`] adds and [`ShardResult::from_json`] checks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardResult {
    /// The experiment (`lsi`).
    pub experiment: String,
    /// The full grid the shard is a slice of.
    pub grid: Grid,
    /// Which slice.
    pub shard: Shard,
    /// The slice's grid points, in grid order, with their measurements.
    pub points: Vec<ShardPoint>,
}

impl ShardResult {
    /// The document as pretty JSON with a final newline.
    pub fn to_json(&self) -> Result<String> {
        crate::contract::to_json(SHARD_SCHEMA, self)
    }

    /// Parses a shard document; `origin` names it in errors ([`Error::InvalidInput`]).
    pub fn from_json(text: &str, origin: &str) -> Result<ShardResult> {
        let mut value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| Error::invalid(origin, format!("not JSON: {e}")))?;
        let schema = value
            .as_object_mut()
            .and_then(|o| o.remove("schema"))
            .and_then(|s| s.as_str().map(str::to_owned))
            .unwrap_or_default();
        if schema != SHARD_SCHEMA {
            return Err(Error::invalid(
                origin,
                format!("not an experiment shard: `schema` is `{schema}`, expected `{SHARD_SCHEMA}`"),
            ));
        }
        // The rest must be exactly a ShardResult (unknown keys are refused).
        serde_json::from_value(value)
            .map_err(|e| Error::invalid(origin, format!("does not match {SHARD_SCHEMA}: {e}")))
    }
}

/// Runs the grid points of `shard` (see the [module documentation](self#shards)) with `train`,
/// in grid order.
///
/// Errors: the first error `train` returns.
pub fn run_shard(
    experiment: &LsiExperiment,
    shard: Shard,
    mut train: impl FnMut(&TrainConfig) -> Result<RunData>,
) -> Result<ShardResult> {
    experiment.validate()?;
    let mut points = Vec::new();
    for (index, config) in experiment.configs().into_iter().enumerate() {
        if !shard.contains(index) {
            continue;
        }
        let m = RunMeasurements::of(&train(&config)?);
        points.push(ShardPoint {
            index,
            arch: config.arch.name().to_string(),
            depth: config.depth,
            width: config.width,
            seed: config.seed,
            measurements: m.into(),
        });
    }
    Ok(ShardResult {
        experiment: "lsi".into(),
        grid: experiment.grid(),
        shard,
        points,
    })
}

/// Combines shards (each with the name it is reported under) into the rows of the full grid —
/// the rows [`run_lsi`] would have produced.
///
/// Refuses ([`Error::InvalidInput`], naming the shard): no shards, shards of different grids
/// or shard counts, the same shard twice, a grid point listed twice (overlap) or not at all
/// (missing; the message names the shard that should hold it), a point whose
/// `(arch, depth, width, seed)` is not the grid's at its index, or a measurement that is not a
/// finite decimal.
pub fn merge_shards(shards: &[(String, ShardResult)]) -> Result<Vec<LsiRow>> {
    let ((first_name, first), rest) = shards
        .split_first()
        .ok_or_else(|| Error::invalid("experiment merge", "no shard files given"))?;
    for (name, s) in shards {
        if s.experiment != "lsi" {
            return Err(Error::invalid(
                name.as_str(),
                format!("experiment `{}` cannot be merged (only `lsi`)", s.experiment),
            ));
        }
        if s.shard.index == 0 || s.shard.index > s.shard.count {
            return Err(Error::invalid(
                name.as_str(),
                format!("shard {} is not i/n with 1 ≤ i ≤ n", s.shard),
            ));
        }
    }
    for (name, s) in rest {
        if s.grid != first.grid {
            return Err(Error::invalid(
                name.as_str(),
                format!(
                    "its grid differs from the grid of {first_name}: {:?} vs {:?}",
                    s.grid, first.grid
                ),
            ));
        }
        if s.shard.count != first.shard.count {
            return Err(Error::invalid(
                name.as_str(),
                format!(
                    "shard {} does not split the grid like {first_name} (shard {})",
                    s.shard, first.shard
                ),
            ));
        }
    }
    // The architecture names must be ones the grid can hold (the rows carry an `Arch`).
    if let Some(bad) = first.grid.archs.iter().find(|a| a.parse::<Arch>().is_err()) {
        return Err(Error::invalid(
            format!("{first_name}: grid.archs"),
            format!("unknown architecture `{bad}` (expected `plain` or `residual`)"),
        ));
    }
    let grid = first.grid.points();
    let mut seen: Vec<Option<(&str, RunMeasurements)>> = vec![None; grid.len()];
    let mut shard_seen: Vec<Option<&str>> = vec![None; first.shard.count];
    for (name, s) in shards {
        if let Some(other) = shard_seen[s.shard.index - 1].replace(name.as_str()) {
            return Err(Error::invalid(
                name.as_str(),
                format!("shard {} is also given as {other} (overlapping shards)", s.shard),
            ));
        }
        for p in &s.points {
            let here = format!("{name}: points[{}]", p.index);
            let want = grid.get(p.index).ok_or_else(|| {
                Error::invalid(
                    here.as_str(),
                    format!("index {} is outside the grid of {} points", p.index, grid.len()),
                )
            })?;
            let got = (p.arch.clone(), p.depth, p.width, p.seed);
            if &got != want {
                return Err(Error::invalid(
                    here.as_str(),
                    format!("(arch, depth, width, seed) = {got:?}, but the grid has {want:?} at this index"),
                ));
            }
            if !s.shard.contains(p.index) {
                return Err(Error::invalid(
                    here.as_str(),
                    format!("grid point {} does not belong to shard {}", p.index, s.shard),
                ));
            }
            let m = p
                .measurements
                .parse()
                .map_err(|e| Error::invalid(here.as_str(), e))?;
            if let Some((other, _)) = seen[p.index].replace((name.as_str(), m)) {
                return Err(Error::invalid(
                    here.as_str(),
                    format!("grid point {} is also in {other} (overlapping shards)", p.index),
                ));
            }
        }
    }
    let missing: Vec<usize> = (0..grid.len()).filter(|&k| seen[k].is_none()).collect();
    if let Some(&k) = missing.first() {
        let shard = Shard {
            index: k % first.shard.count + 1,
            count: first.shard.count,
        };
        return Err(Error::invalid(
            "experiment merge",
            format!(
                "{} of {} grid points are missing, the first {k} = {:?} (it belongs to shard {shard})",
                missing.len(),
                grid.len(),
                grid[k]
            ),
        ));
    }
    let configs: Vec<TrainConfig> = grid
        .iter()
        .map(|(arch, depth, width, seed)| TrainConfig {
            arch: arch.parse().unwrap_or_default(), // invariant: every name was checked above
            depth: *depth,
            width: *width,
            seed: *seed,
            ..TrainConfig::default()
        })
        .collect();
    let measured: Vec<RunMeasurements> = seen.into_iter().flatten().map(|(_, m)| m).collect();
    Ok(rows_from(&configs, &measured))
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

    /// A grid of tiny runs (milliseconds each in a debug build).
    fn tiny(depths: Vec<usize>, widths: Vec<usize>, seeds: u64) -> LsiExperiment {
        LsiExperiment {
            depths,
            widths,
            seeds,
            base: TrainConfig {
                steps: 10,
                samples: 8,
                input_dim: 2,
                checkpoints: 5,
                ..TrainConfig::default()
            },
        }
    }

    #[test]
    fn runs_are_grouped_by_depth_and_architecture() {
        let experiment = tiny(vec![1, 2], vec![4], 2);
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
        assert!(
            configs
                .iter()
                .all(|c| c.width == 4 && c.samples == 8 && c.steps == 10)
        );
        let mut trained = Vec::new();
        let rows = run_lsi(&experiment, |config| {
            trained.push((config.depth, config.arch, config.seed));
            crate::train::train(config, None)
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
        // One width: the table keeps its historical columns.
        let table = markdown_table(&rows);
        assert!(table.starts_with("| arch | depth | δ_LSI |"), "{table}");
        let (measurements, verdicts) = table.split_once("\n\n").expect("two tables");
        assert_eq!(measurements.lines().count(), 2 + rows.len());
        let verdict_rows: Vec<&str> = verdicts.lines().filter(|l| l.starts_with("| ")).collect();
        assert_eq!(verdict_rows.len(), 1 + rows.len(), "{verdicts}");
        assert!(
            verdict_rows[0].starts_with("| arch | depth | C1 | C2 | C3 | C4 | closure | R | PL-weak | PL |"),
            "{verdicts}"
        );
        // Every run carries a verdict for every rule; each cell counts the two seeds.
        for (row, line) in rows.iter().zip(&verdict_rows[1..]) {
            assert!(
                row.verdicts
                    .iter()
                    .all(|v| v.in_order().iter().all(Option::is_some)),
                "{row:?}"
            );
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).skip(2).collect();
            for cell in cells {
                let total: usize = cell.split('/').map(|n| n.parse::<usize>().expect(cell)).sum();
                assert_eq!(total, 2, "{line}");
            }
        }
    }

    #[test]
    fn verdict_cells_count_each_outcome_over_the_seeds() {
        let v = |c1| Verdicts {
            c1,
            ..Verdicts::default()
        };
        let seeds = [
            v(Some(Verdict::Holds)),
            v(Some(Verdict::Fails)),
            v(Some(Verdict::Fails)),
            v(Some(Verdict::NotEstablished)),
            v(None),
        ];
        assert_eq!(verdict_cell(&seeds, 0), "1/2/1");
        assert_eq!(verdict_cell(&seeds, 1), "n/a", "no seed has a C2 verdict");
        assert_eq!(
            Verdict::of_status("not established"),
            Some(Verdict::NotEstablished)
        );
        assert_eq!(Verdict::of_status("holds?"), None);
    }

    #[test]
    fn widths_are_a_grid_axis_between_depth_and_architecture() {
        let experiment = tiny(vec![3], vec![4, 6], 1);
        let order: Vec<(usize, usize, Arch)> = experiment
            .configs()
            .iter()
            .map(|c| (c.depth, c.width, c.arch))
            .collect();
        assert_eq!(
            order,
            [
                (3, 4, Arch::Plain),
                (3, 4, Arch::Residual),
                (3, 6, Arch::Plain),
                (3, 6, Arch::Residual)
            ]
        );
        let rows = rows_from(&experiment.configs(), &[RunMeasurements::default(); 4]);
        let widths: Vec<usize> = rows.iter().map(|r| r.width).collect();
        assert_eq!(widths, [4, 4, 6, 6]);
        let table = markdown_table(&rows);
        assert!(table.starts_with("| arch | depth | width | δ_LSI |"), "{table}");
        assert!(table.contains("| residual | 3 | 6 | n/a (0/1) |"), "{table}");
    }

    #[test]
    fn shard_syntax_and_partition() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        assert_eq!(" 1 / 1 ".parse::<Shard>(), Ok(Shard { index: 1, count: 1 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "-1/2", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        // Every grid point lies in exactly one shard, and the slices differ in size by at most one.
        for count in 1..6 {
            let sizes: Vec<usize> = (1..=count)
                .map(|index| (0..23).filter(|&k| Shard { index, count }.contains(k)).count())
                .collect();
            assert_eq!(sizes.iter().sum::<usize>(), 23);
            assert!(
                sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1,
                "{sizes:?}"
            );
            for k in 0..23 {
                let owners = (1..=count)
                    .filter(|&index| Shard { index, count }.contains(k))
                    .count();
                assert_eq!(owners, 1);
            }
        }
    }

    #[test]
    fn measurements_round_trip_exactly_through_their_strings() {
        for x in [
            0.1,
            1.0 / 3.0,
            2.0_f64.sqrt() * 1e-300,
            -7.25e17,
            0.0,
            5e-324,
            f64::MAX,
        ] {
            assert_eq!(exact(x).parse::<f64>().unwrap().to_bits(), x.to_bits(), "{x}");
        }
    }

    /// The three shards of an 8-point grid, through their JSON, and the unsharded rows.
    fn sharded_and_whole() -> (Vec<(String, ShardResult)>, Vec<LsiRow>) {
        let experiment = tiny(vec![1, 2], vec![4, 5], 1);
        let train = |config: &TrainConfig| crate::train::train(config, None);
        let whole = run_lsi(&experiment, train).expect("tiny runs train");
        let shards = (1..=3)
            .map(|index| {
                let shard =
                    run_shard(&experiment, Shard { index, count: 3 }, train).expect("tiny runs train");
                let name = format!("shard-{index}.json");
                let json = shard.to_json().expect("serializes");
                (
                    name.clone(),
                    ShardResult::from_json(&json, &name).expect("reads back"),
                )
            })
            .collect();
        (shards, whole)
    }

    #[test]
    fn merged_shards_give_the_unsharded_table() {
        let (shards, whole) = sharded_and_whole();
        assert_eq!(
            shards.iter().map(|(_, s)| s.points.len()).collect::<Vec<_>>(),
            [3, 3, 2]
        );
        // Measured values exist (the comparison is not between empty rows).
        assert!(whole.iter().all(|r| r.c1.measured() == 1 && r.c3.measured() == 1));
        let lsi_measured = whole.iter().filter(|r| r.delta_lsi.measured() == 1).count();
        assert!(lsi_measured >= whole.len() / 2, "{whole:?}");
        // Any order of the shard files.
        let mut reversed = shards.clone();
        reversed.reverse();
        for order in [shards, reversed] {
            let merged = merge_shards(&order).expect("complete shards merge");
            assert_eq!(merged, whole, "bit-identical rows");
            assert_eq!(markdown_table(&merged), markdown_table(&whole));
        }
    }

    #[test]
    fn merge_refuses_missing_overlapping_and_mismatched_shards() {
        let (shards, _) = sharded_and_whole();
        let refuse = |input: Vec<(String, ShardResult)>, needle: &str| {
            let err = merge_shards(&input).expect_err(needle);
            assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
            assert_eq!(err.kind(), crate::ErrorKind::InvalidInput, "exit code 2");
            assert!(err.to_string().contains(needle), "`{needle}` not in: {err}");
        };
        refuse(vec![], "no shard files");
        refuse(shards[..2].to_vec(), "belongs to shard 3/3");
        refuse(
            vec![shards[0].clone(), shards[1].clone(), shards[0].clone()],
            "overlapping shards",
        );
        let mut other_grid = shards.clone();
        other_grid[1].1.grid.steps = 11;
        refuse(other_grid, "grid differs");
        let mut other_count = shards.clone();
        other_count[2].1.shard.count = 4;
        refuse(other_count, "does not split the grid");
        // A point copied into another shard: overlap at the point level is caught too.
        let mut copied = shards.clone();
        let stolen = copied[1].1.points[0].clone();
        copied[0].1.points.push(stolen);
        refuse(copied, "does not belong to shard 1/3");
        let mut relabelled = shards.clone();
        relabelled[0].1.points[0].seed = 9;
        refuse(relabelled, "but the grid has");
        let mut unknown_arch = shards.clone();
        for (_, s) in &mut unknown_arch {
            s.grid.archs[1] = "conv".into();
        }
        refuse(unknown_arch, "unknown architecture `conv`");
        let mut garbled = shards.clone();
        garbled[0].1.points[0].measurements.c1 = Some("NaN".into());
        refuse(garbled, "measurement `c1`");
        let err = ShardResult::from_json("{\"schema\": \"renorm.check/2\"}", "x.json").unwrap_err();
        assert!(err.to_string().contains("not an experiment shard"), "{err}");
        let mut extra: serde_json::Value = serde_json::from_str(&shards[0].1.to_json().unwrap()).unwrap();
        extra["points"][0]["note"] = serde_json::Value::from("x");
        let err = ShardResult::from_json(&extra.to_string(), "x.json").unwrap_err();
        assert!(err.to_string().contains("unknown field `note`"), "{err}");
        let err = ShardResult::from_json("[1", "x.json").unwrap_err();
        assert!(err.to_string().contains("not JSON"), "{err}");
    }

    #[test]
    fn the_first_training_error_is_returned() {
        let experiment = tiny(vec![1], vec![4], 3);
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
