//! A small, exact trainer for fully connected networks that records what the GRSD conditions need.
//!
//! `renorm train` uses it to produce a [`RunData`] from a model it trains itself (the second
//! input of docs/theory.md §2.8). Everything is plain `f64` linear algebra with nalgebra; no
//! automatic differentiation and no finite differences.
//!
//! # Model
//!
//! Input `x ∈ R^d`, width `n`, `L = depth` hidden layers, scalar output, NTK parametrization (every
//! parameter is drawn from `N(0, 1)`, the `1/sqrt(fan-in)` factors sit in the forward pass):
//!
//! ```text
//! h_0     = W_in x / sqrt(d)
//! z_l     = W_l h_l / sqrt(n) + b_l                       l = 0 … L−1
//! h_{l+1} = tanh(z_l)                                      (Arch::Plain)
//! h_{l+1} = h_l + tanh(z_l) / sqrt(L)                      (Arch::Residual)
//! f(x)    = w_out · h_L / sqrt(n)
//! ```
//!
//! The residual branch scale `1/sqrt(L)` keeps the forward variance and the layer Jacobians
//! `I + O(1/sqrt(L))` bounded as the depth grows; without it `h_L` grows like `sqrt(L)` and the
//! product of layer Jacobians can blow up, which would make deep residual nets fail condition C1 for
//! a reason that has nothing to do with the dynamics being studied.
//!
//! **All parameters are trained**: `W_in` (`n × d`), each `W_l` (`n × n`) and `b_l` (`n`), and `w_out`
//! (`n`), so `P = n·d + L·(n² + n) + n`. This is also the column order of the Jacobian `J`: `W_in`
//! column-major, then per layer `W_l` column-major followed by `b_l`, then `w_out`.
//!
//! # Data
//!
//! `N = samples` inputs `x_i ~ N(0, I_d)`, targets from a fixed random teacher
//! `y(x) = Σ_{m=1}^{32} c_m cos(ω_m·x + φ_m)` with `c_m ∝ m^{-1}` (normalized to `Σ c_m² = 2`),
//! `ω_m ~ N(0, I_d/d)`, `φ_m ~ U[0, 2π)`. No noise is added.
//!
//! # Training
//!
//! Loss `L(θ) = ½ Σ_i (f(x_i) − y_i)²`; full-batch gradient descent `θ ← θ − η ∇L(θ)` with a constant
//! step `η`, so `t = step · η` is gradient-flow time and `e(t) = f − y` follows `ė = −M e` up to
//! `O(η)` (docs/theory.md §2.1). The gradient is computed by backpropagation as `Jᵀ e`.
//!
//! # What is recorded
//!
//! At the checkpoint steps (see *Checkpoint spacing* below; by default `checkpoints` steps evenly
//! spaced from 0 to `steps` inclusive, rounded to integers):
//!
//! * `times`: `step · η`;
//! * `residual`: `e = f − y` at the current parameters;
//! * `gram`: `M = J Jᵀ` (`N × N`) from the exact per-sample Jacobians `J_i = ∂f(x_i)/∂θ`, assembled
//!   blockwise without forming `J`: blocked over parameters (one term per layer, inner dimension
//!   `n` instead of `P`) and over samples (tiles of 128 × 128, computed in parallel), so memory
//!   beyond the result is `O(L·n·N)` — the activations and adjoints — never `O(N·P)`. Exactly
//!   symmetric (mirrored tiles, symmetrized diagonal tiles);
//! * `layer_jacobian_norms` (`T × L`): for hidden layer `k`, `max_i ‖D_k(x_i)‖_op` with
//!   `D_k = ∂h_{k+1}/∂h_k` = `diag(tanh'(z_k)) W_k / sqrt(n)` (plain) or
//!   `I + diag(tanh'(z_k)) W_k / (sqrt(n) sqrt(L))` (residual). The **maximum** over samples is taken
//!   because C1 bounds gradient propagation in the worst case. The operator norm is the largest
//!   singular value, computed by a Lanczos iteration on `DᵀD` to ~1e-12 relative precision;
//! * `jacobian` (only if `save_jacobian`): `J` per checkpoint, `N × P`. This is large: for depth 32,
//!   width 64, `d = 8`, `N = 64` it is `P = 133 696` columns, 68 MB per checkpoint, 3.4 GB for 50
//!   checkpoints (all held in memory).
//!
//! # Output size
//!
//! The run is held in memory until it is written: `8·T·(N² + N)` bytes, plus `8·T·N·P` with
//! `save_jacobian` (and the `.npz` writer builds the archive in memory once more). [`TrainConfig::validate`]
//! refuses, before anything is trained, a config whose output at `T = checkpoints` would exceed
//! [`MAX_OUTPUT_BYTES`] (4 GiB): e.g. `N = 2048` allows at most 127 checkpoints, `N = 4096` 31.
//!
//! # Checkpoint spacing
//!
//! The residual obeys `ė = −M e` in gradient-flow time `t = step·η` (the loss is `½‖e‖²` with no
//! `1/N`, and the update is `η ∇L`), so the mode of `M` with eigenvalue `λ` relaxes at rate `λ` per
//! unit of `t` — `η·λ` per step — and the fastest mode at rate `λ_max = λ_max(M)`. Finite
//! differences between checkpoints `Δt` apart resolve that mode only if `λ_max·Δt` is small. Each
//! checkpoint records `λ_max(M(t_k))` (Lanczos, see `spectral.rs`), and the run's
//! [`TrainSummary`] reports `max_k Δt_k · max(λ_max(t_k), λ_max(t_{k+1}))`, the **achieved
//! `λ_max·Δt`**.
//!
//! With `lambda_dt_target = None` the `checkpoints` checkpoints are evenly spaced (as before).
//! With `Some(x)`, spacing is adaptive and `checkpoints` becomes the budget (the most that may be
//! written): after the checkpoint at step `s` with top eigenvalue `λ` (times its growth factor
//! over the previous interval, if it grew: the achieved value uses the larger end of each
//! interval), the next one is at
//!
//! ```text
//! s + max( max(1, ⌊x / (λ·η)⌋),  ⌈(steps − s) / (checkpoints left)⌉ )     (capped at steps)
//! ```
//!
//! i.e. as dense as the target asks, unless the remaining budget would then not reach the last
//! step; the second term never runs out of checkpoints, because it keeps
//! `(steps − s) / (checkpoints left)` non-increasing. With enough budget every interval meets the
//! target; with too little, the early intervals (where the fast modes still carry residual) meet
//! it and the late ones are coarser — the fast modes have decayed by `e^{−λ_max t}` by then. The
//! summary says which happened (the achieved maximum against the target). The step count `1`
//! floor means a target below `η·λ_max` cannot be met (one step is the finest resolution).
//!
//! # Determinism
//!
//! Everything is a function of the config: random numbers come from `ChaCha8Rng` seeded with `seed`,
//! one ChaCha stream per purpose (parameters, inputs, teacher), so e.g. changing the width does not
//! change the data. Work that runs in parallel (rayon: chunks of 256 samples in the forward and
//! backward passes, Gram tiles, per-layer gradients and layer norms) is split at fixed boundaries that do not depend on the number of threads, and each piece
//! is computed by one thread in a fixed order, so a run is bit-identical with any thread count
//! (`RAYON_NUM_THREADS`); the tests compare 1 and 2 threads.

mod data;
mod model;
mod spectral;
#[cfg(test)]
mod tests;

use crate::error::Error;
use crate::rundata::RunData;
use data::Dataset;
use model::Model;
use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::fmt;
use std::str::FromStr;

/// ChaCha stream for the initial parameters (and the Lanczos start vector, drawn last).
const STREAM_PARAMS: u64 = 0;
/// ChaCha stream for the inputs `x_i`.
const STREAM_INPUTS: u64 = 1;
/// ChaCha stream for the teacher.
const STREAM_TEACHER: u64 = 2;

/// Hidden-layer architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Arch {
    /// `h_{l+1} = tanh(W_l h_l / sqrt(n) + b_l)`.
    #[default]
    Plain,
    /// `h_{l+1} = h_l + tanh(W_l h_l / sqrt(n) + b_l) / sqrt(L)`.
    Residual,
}

impl Arch {
    /// The lowercase name used on the command line and in reports (`plain`, `residual`).
    pub fn name(self) -> &'static str {
        match self {
            Arch::Plain => "plain",
            Arch::Residual => "residual",
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Arch {
    type Err = String;

    /// Parses `plain` or `residual` (case-insensitive).
    fn from_str(s: &str) -> Result<Arch, String> {
        match s.to_ascii_lowercase().as_str() {
            "plain" => Ok(Arch::Plain),
            "residual" => Ok(Arch::Residual),
            _ => Err(format!(
                "unknown architecture `{s}` (expected `plain` or `residual`)"
            )),
        }
    }
}

/// What to train and what to record. See the [module documentation](self) for the model.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Plain or residual hidden layers.
    pub arch: Arch,
    /// Number of hidden layers `L` (≥ 1).
    pub depth: usize,
    /// Hidden width `n` (≥ 1).
    pub width: usize,
    /// Input dimension `d` (≥ 1).
    pub input_dim: usize,
    /// Number of training samples `N` (≥ 2).
    pub samples: usize,
    /// Number of gradient-descent steps (≥ 1).
    pub steps: usize,
    /// Constant step size `η` (> 0, finite); checkpoint times are `step · η`.
    pub learning_rate: f64,
    /// Number of checkpoints `T`, `2 ≤ T ≤ steps + 1`; the first is step 0, the last is `steps`.
    /// With `lambda_dt_target` this is the budget: at most `T` are written.
    pub checkpoints: usize,
    /// Seed for parameters, inputs and teacher.
    pub seed: u64,
    /// Whether to keep the full per-sample Jacobian `J` (`N × P`) at each checkpoint (large).
    pub save_jacobian: bool,
    /// `None`: `checkpoints` evenly spaced checkpoints. `Some(x)` (`x > 0`): adaptive spacing
    /// aiming at `λ_max·Δt ≤ x`, with `checkpoints` as the budget (see the
    /// [module documentation](self#checkpoint-spacing)).
    pub lambda_dt_target: Option<f64>,
}

/// The largest run [`TrainConfig::validate`] accepts: `8·T·(N² + N)` bytes of Gram matrices and
/// residuals (plus `8·T·N·P` of Jacobians with `save_jacobian`) at `T = checkpoints`: 4 GiB.
///
/// The run is held in memory and serialized in memory before it is written, so the peak is about
/// twice this; the cap keeps that within a large workstation or a cluster node.
pub const MAX_OUTPUT_BYTES: u64 = 4 << 30;

/// Most hidden layers a run may have.
pub const MAX_DEPTH: usize = 10_000;
/// Largest hidden width.
pub const MAX_WIDTH: usize = 100_000;
/// Most training samples `N` (the Gram matrices are `N × N`).
pub const MAX_SAMPLES: usize = 100_000;
/// Largest input dimension.
pub const MAX_INPUT_DIM: usize = 1_000_000;
/// Most gradient-descent steps (10⁹ steps of even the smallest net take hours: a long run is
/// legal, and the binary's `--time-limit` bounds it).
pub const MAX_STEPS: usize = 1_000_000_000;

impl Default for TrainConfig {
    /// Depth 8, width 32, `d = 8`, 64 samples, 2000 steps at `η = 1e-3` (a small constant step:
    /// the gradient-flow regime), 50 evenly spaced checkpoints, seed 0, plain layers, no saved
    /// Jacobian.
    fn default() -> TrainConfig {
        TrainConfig {
            arch: Arch::Plain,
            depth: 8,
            width: 32,
            input_dim: 8,
            samples: 64,
            steps: 2000,
            learning_rate: 1e-3,
            checkpoints: 50,
            seed: 0,
            save_jacobian: false,
            lambda_dt_target: None,
        }
    }
}

/// Why a training run could not be carried out.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TrainError {
    /// A config field is out of range.
    #[error("train config `{field}`: {message}")]
    InvalidConfig {
        /// The [`TrainConfig`] field concerned.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The loss (or a recorded quantity) became non-finite: the step size is too large for this net.
    #[error(
        "training diverged at step {step}: the loss became {loss}; lower the learning rate (was {learning_rate})"
    )]
    Diverged {
        /// The step at which the non-finite value was first seen (parameters after `step` updates).
        step: usize,
        /// The loss at that step.
        loss: f64,
        /// The step size used.
        learning_rate: f64,
    },
}

impl From<TrainError> for Error {
    /// An invalid config is the user's input; a divergence is the computation failing on an
    /// accepted config (a numeric failure, whose message says which setting to lower).
    fn from(e: TrainError) -> Error {
        match e {
            TrainError::InvalidConfig { field, message } => Error::InvalidInput {
                location: format!("train config `{field}`"),
                message,
            },
            diverged @ TrainError::Diverged { .. } => Error::numeric("training", diverged),
        }
    }
}

impl TrainConfig {
    /// Checks every field's range, that the sizes fit in memory arithmetic and that the output at
    /// `T = checkpoints` stays within [`MAX_OUTPUT_BYTES`], with a message naming the field.
    pub fn validate(&self) -> Result<(), TrainError> {
        let invalid = |field, message: String| Err(TrainError::InvalidConfig { field, message });
        if self.depth < 1 {
            return invalid("depth", "must be at least 1".into());
        }
        if self.width < 1 {
            return invalid("width", "must be at least 1".into());
        }
        if self.input_dim < 1 {
            return invalid("input_dim", "must be at least 1".into());
        }
        if self.samples < 2 {
            return invalid("samples", format!("must be at least 2 (got {})", self.samples));
        }
        if self.steps < 1 {
            return invalid("steps", "must be at least 1".into());
        }
        if self.checkpoints < 2 || self.checkpoints > self.steps.saturating_add(1) {
            return invalid(
                "checkpoints",
                format!(
                    "must lie between 2 and steps + 1 = {} (got {})",
                    self.steps.saturating_add(1),
                    self.checkpoints
                ),
            );
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return invalid(
                "learning_rate",
                format!("must be positive and finite (got {})", self.learning_rate),
            );
        }
        if !(self.steps as f64 * self.learning_rate).is_finite() {
            return invalid("learning_rate", "steps × learning_rate overflows".into());
        }
        // Rust cannot even request allocations above isize::MAX bytes; reject such sizes here rather
        // than abort later. (Sizes that merely exceed the machine's memory are not detected.)
        let fits = |count: Option<usize>| {
            count
                .and_then(|c| c.checked_mul(std::mem::size_of::<f64>()))
                .is_some_and(|bytes| bytes <= isize::MAX as usize)
        };
        let p = self.parameter_count();
        if !fits(p) {
            return invalid("width", "the parameter count is too large to store".into());
        }
        let activations = self
            .depth
            .checked_mul(2)
            .and_then(|v| v.checked_add(1))
            .and_then(|v| v.checked_mul(self.width))
            .and_then(|v| v.checked_mul(self.samples));
        if !fits(activations) {
            return invalid("samples", "the activations are too large to store".into());
        }
        if !fits(
            self.samples
                .checked_mul(self.samples)
                .and_then(|v| v.checked_mul(self.checkpoints)),
        ) {
            return invalid("checkpoints", "the Gram matrices are too large to store".into());
        }
        if self.save_jacobian
            && !fits(
                p.and_then(|p| p.checked_mul(self.samples))
                    .and_then(|v| v.checked_mul(self.checkpoints)),
            )
        {
            return invalid("save_jacobian", "the Jacobians are too large to store".into());
        }
        if let Some(x) = self.lambda_dt_target
            && !(x.is_finite() && x > 0.0)
        {
            return invalid(
                "lambda_dt_target",
                format!("must be positive and finite (got {x})"),
            );
        }
        for (field, value, most) in [
            ("depth", self.depth, MAX_DEPTH),
            ("width", self.width, MAX_WIDTH),
            ("samples", self.samples, MAX_SAMPLES),
            ("input_dim", self.input_dim, MAX_INPUT_DIM),
            ("steps", self.steps, MAX_STEPS),
        ] {
            if value > most {
                return invalid(field, format!("must be at most {most} (got {value})"));
            }
        }
        let gib = |bytes: u128| bytes as f64 / f64::from(1u32 << 30);
        let cap = u128::from(MAX_OUTPUT_BYTES);
        let (n, t) = (self.samples as u128, self.checkpoints as u128);
        let base = 8 * t * (n * n + n);
        if base > cap {
            let most = cap / (8 * (n * n + n));
            return invalid(
                "checkpoints",
                format!(
                    "{} checkpoints of {} samples need {:.2} GiB of Gram matrices, above the {:.0} GiB cap \
                     (MAX_OUTPUT_BYTES); use at most {most} checkpoints (with --max-lambda-dt the \
                     budget is spent where the dynamics is fastest) or fewer samples",
                    self.checkpoints,
                    self.samples,
                    gib(base),
                    gib(cap)
                ),
            );
        }
        if self.save_jacobian {
            let jac = 8 * t * n * p.unwrap_or(usize::MAX) as u128;
            if base + jac > cap {
                return invalid(
                    "save_jacobian",
                    format!(
                        "the run with Jacobians needs {:.2} GiB, above the {:.0} GiB cap (MAX_OUTPUT_BYTES); \
                         drop --save-jacobian or use fewer checkpoints, samples or parameters",
                        gib(base + jac),
                        gib(cap)
                    ),
                );
            }
        }
        // After the output caps, which name the option to change more precisely.
        if let Err(why) = crate::budget::fits(self.working_bytes(), "training") {
            return invalid("samples", why);
        }
        Ok(())
    }

    /// An estimate (from above) of the bytes training holds at once: parameters and their
    /// gradient, the forward and backward activations, the inputs, the Gram matrix with its
    /// tiles, and the run's arrays; `None` if it overflows.
    pub fn working_bytes(&self) -> Option<u128> {
        let (n, d, l, samples) = (
            self.width as u128,
            self.input_dim as u128,
            self.depth as u128,
            self.samples as u128,
        );
        let p = self.parameter_count()? as u128;
        let floats = 2 * p + 6 * (l + 1) * n * samples + samples * d + 4 * samples * samples;
        Some(8 * floats + u128::from(self.output_bytes()?))
    }

    /// Bytes of the run's arrays at the full `checkpoints` count (what [`MAX_OUTPUT_BYTES`]
    /// bounds), or `None` if the count overflows.
    pub fn output_bytes(&self) -> Option<u64> {
        let (n, t) = (self.samples as u128, self.checkpoints as u128);
        let mut bytes = 8 * t * (n * n + n);
        if self.save_jacobian {
            bytes += 8 * t * n * self.parameter_count()? as u128;
        }
        u64::try_from(bytes).ok()
    }

    /// The number of trained parameters `P = n·d + L·(n² + n) + n`, or `None` if it overflows.
    pub fn parameter_count(&self) -> Option<usize> {
        let (n, d, l) = (self.width, self.input_dim, self.depth);
        let per_layer = n.checked_mul(n)?.checked_add(n)?;
        n.checked_mul(d)?
            .checked_add(l.checked_mul(per_layer)?)?
            .checked_add(n)
    }
}

/// The `k`-th of `checkpoints` checkpoint steps, evenly spaced from 0 to `steps` inclusive
/// (`round(k · steps / (T − 1))`); strictly increasing in `k` because `steps ≥ T − 1`. Computed in
/// `u128` so that no product overflows.
fn checkpoint_step(k: usize, steps: usize, checkpoints: usize) -> usize {
    let intervals = (checkpoints - 1) as u128;
    ((k as u128 * steps as u128 + intervals / 2) / intervals) as usize
}

/// The rate the adaptive spacing plans the next interval with: `λ_max` now, times its growth
/// over the last interval if it grew (`λ_k · max(1, λ_k / λ_{k−1})`). The achieved value takes the
/// larger `λ_max` of an interval's two ends, so planning with the current value alone would
/// overshoot the target whenever `λ_max` rises; extrapolating the last growth keeps the slowly
/// drifting kernel (condition C3) within it.
fn planning_rate(previous: Option<f64>, current: f64) -> f64 {
    match previous {
        Some(p) if p > 0.0 && current > p => current * (current / p),
        _ => current,
    }
}

/// The step of the checkpoint after the `recorded`-th one (which was at `step`, with planning
/// rate `lambda_max`, see [`planning_rate`]), or `None` if that was the last.
fn next_checkpoint(config: &TrainConfig, recorded: usize, step: usize, lambda_max: f64) -> Option<usize> {
    if step >= config.steps || recorded >= config.checkpoints {
        return None;
    }
    match config.lambda_dt_target {
        None => Some(checkpoint_step(recorded, config.steps, config.checkpoints)),
        Some(target) => {
            let remaining = config.steps - step;
            let left = config.checkpoints - recorded;
            // Δt = target / λ_max in flow time, i.e. target / (λ_max η) steps; at least one step.
            // A zero or non-finite rate (a degenerate kernel) sets no limit.
            let dense = target / (lambda_max * config.learning_rate);
            let dense = if dense.is_finite() && dense < remaining as f64 {
                (dense.floor() as usize).max(1)
            } else {
                remaining
            };
            let budget = remaining.div_ceil(left);
            Some((step + dense.max(budget)).min(config.steps))
        }
    }
}

/// What a run achieved besides its data: the top Gram eigenvalue at each checkpoint and how well
/// the checkpoints resolve it (see the [module documentation](self#checkpoint-spacing)).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSummary {
    /// `λ_max(M(t_k))` at each checkpoint (flow-time rate of the fastest mode).
    pub lambda_max: Vec<f64>,
    /// `max_k (t_{k+1} − t_k) · max(λ_max(t_k), λ_max(t_{k+1}))`: the achieved `λ_max·Δt`.
    pub max_lambda_dt: f64,
    /// The target the spacing aimed at (`None`: evenly spaced checkpoints).
    pub lambda_dt_target: Option<f64>,
    /// `η · max_k λ_max(t_k)`: the per-step rate of the fastest mode (gradient descent is stable
    /// only below 2 and follows the flow only well below 1).
    pub max_lambda_step: f64,
}

impl TrainSummary {
    /// The summary of a run with checkpoint `times` and top eigenvalues `lambda_max`.
    fn new(times: &[f64], lambda_max: Vec<f64>, config: &TrainConfig) -> TrainSummary {
        let max_lambda_dt = times
            .windows(2)
            .zip(lambda_max.windows(2))
            .map(|(t, l)| (t[1] - t[0]) * l[0].max(l[1]))
            .fold(0.0, f64::max);
        let max_lambda_step = config.learning_rate * lambda_max.iter().copied().fold(0.0, f64::max);
        TrainSummary {
            lambda_max,
            max_lambda_dt,
            lambda_dt_target: config.lambda_dt_target,
            max_lambda_step,
        }
    }

    /// Whether the achieved `λ_max·Δt` meets the target (`None` without a target).
    pub fn target_met(&self) -> Option<bool> {
        self.lambda_dt_target.map(|x| self.max_lambda_dt <= x)
    }

    /// One line for a run's stderr summary, e.g.
    /// `12 checkpoints; max λ_max·Δt = 0.098 (target 0.1, met); λ_max ≤ 86.1, η·λ_max ≤ 0.086`.
    pub fn line(&self) -> String {
        let target = match (self.lambda_dt_target, self.target_met()) {
            (Some(x), Some(true)) => format!(" (target {x}, met)"),
            (Some(x), _) => {
                format!(" (target {x}, NOT met: checkpoint budget too small or one step too coarse)")
            }
            (None, _) => " (evenly spaced; --max-lambda-dt sets a target)".to_string(),
        };
        let top = self.lambda_max.iter().copied().fold(0.0, f64::max);
        format!(
            "{} checkpoints; max λ_max·Δt = {:.4}{target}; λ_max ≤ {top:.4}, η·λ_max ≤ {:.4}",
            self.lambda_max.len(),
            self.max_lambda_dt,
            self.max_lambda_step
        )
    }
}

/// All checkpoint steps (tests only: the trainer computes them one at a time).
#[cfg(test)]
fn checkpoint_steps(steps: usize, checkpoints: usize) -> Vec<usize> {
    (0..checkpoints)
        .map(|k| checkpoint_step(k, steps, checkpoints))
        .collect()
}

/// The data set and the initial model for a (valid) config, each from its own ChaCha stream.
fn setup(config: &TrainConfig) -> (Dataset, Model) {
    let rng = |stream| {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        rng.set_stream(stream);
        rng
    };
    let data = Dataset::generate(
        config.input_dim,
        config.samples,
        &mut rng(STREAM_INPUTS),
        &mut rng(STREAM_TEACHER),
    );
    let model = Model::init(
        config.arch,
        config.depth,
        config.width,
        config.input_dim,
        &mut rng(STREAM_PARAMS),
    );
    (data, model)
}

/// Trains the configured network and returns the checkpoint data.
///
/// `progress`, if given, is called after every gradient step with `(steps_done, steps_total)`; the
/// trainer itself prints nothing. Fails with [`Error::InvalidInput`] on an invalid config and with
/// [`Error::Numeric`] when training diverges (the message names the step).
pub fn train(config: &TrainConfig, progress: Option<&dyn Fn(usize, usize)>) -> crate::error::Result<RunData> {
    Ok(run(config, progress)?.0)
}

/// [`train`], also returning the [`TrainSummary`] (top eigenvalues, achieved `λ_max·Δt`).
pub fn train_with_summary(
    config: &TrainConfig,
    progress: Option<&dyn Fn(usize, usize)>,
) -> crate::error::Result<(RunData, TrainSummary)> {
    Ok(run(config, progress)?)
}

/// [`train_with_summary`] with the trainer's own error type.
fn run(
    config: &TrainConfig,
    progress: Option<&dyn Fn(usize, usize)>,
) -> Result<(RunData, TrainSummary), TrainError> {
    config.validate()?;
    let (data, mut model) = setup(config);
    let lr = config.learning_rate;
    let ones = DVector::from_element(config.samples, 1.0);

    // Nothing is preallocated by `checkpoints`: storage grows only as checkpoints are reached.
    let mut times = Vec::new();
    let mut gram = Vec::new();
    let mut residual = Vec::new();
    let mut norms: Vec<f64> = Vec::new();
    let mut jacobian = config.save_jacobian.then(Vec::new);
    let mut lambda_max = Vec::new();
    let mut next = Some(0);

    for step in 0..=config.steps {
        let fwd = model.forward(&data.x);
        let e = &fwd.out - &data.y;
        let loss = 0.5 * e.norm_squared();
        let diverged = |loss| TrainError::Diverged {
            step,
            loss,
            learning_rate: lr,
        };
        if !loss.is_finite() {
            return Err(diverged(loss));
        }
        if next == Some(step) {
            let unit = model.backward(&fwd, &ones);
            let m = model.gram(&data.x, &fwd, &unit);
            let layer_norms = model.layer_norms(&fwd);
            // Finite outputs with overflowing derivatives is still divergence, just seen elsewhere.
            if !(m.iter().all(|v| v.is_finite()) && layer_norms.iter().all(|v| v.is_finite())) {
                return Err(diverged(loss));
            }
            if let Some(js) = jacobian.as_mut() {
                js.push(model.jacobian(&data.x, &fwd, &unit));
            }
            let top = spectral::largest_eigenvalue(&m);
            norms.extend_from_slice(&layer_norms);
            times.push(step as f64 * lr);
            gram.push(m);
            residual.push(e.clone());
            let rate = planning_rate(lambda_max.last().copied(), top);
            lambda_max.push(top);
            next = next_checkpoint(config, times.len(), step, rate);
        }
        if step < config.steps {
            let adj = model.backward(&fwd, &e);
            let grad = model.gradient(&data.x, &fwd, &adj);
            model.params.axpy(-lr, &grad);
            if let Some(report) = progress {
                report(step + 1, config.steps);
            }
        }
    }
    let layer_jacobian_norms = Some(DMatrix::from_row_slice(times.len(), config.depth, &norms));
    let summary = TrainSummary::new(&times, lambda_max, config);
    let run = RunData {
        times,
        gram,
        residual,
        layer_jacobian_norms,
        jacobian,
    };
    Ok((run, summary))
}

/// Schema identifier of the run metadata `renorm train` writes next to the run
/// (`<output>.meta.json`, `schemas/train.meta.schema.json`).
pub const META_SCHEMA: &str = "renorm.train.meta/1";

/// The run metadata (config, checkpoint times, top eigenvalues, achieved `λ_max·Δt`) as the JSON
/// document [`META_SCHEMA`], pretty-printed with a final newline.
pub fn metadata_json(
    config: &TrainConfig,
    run: &RunData,
    summary: &TrainSummary,
) -> crate::error::Result<String> {
    let body = serde_json::json!({
        "config": {
            "arch": config.arch.name(),
            "depth": config.depth,
            "width": config.width,
            "input_dim": config.input_dim,
            "samples": config.samples,
            "steps": config.steps,
            "learning_rate": config.learning_rate,
            "checkpoints": config.checkpoints,
            "seed": config.seed,
            "save_jacobian": config.save_jacobian,
            "lambda_dt_target": config.lambda_dt_target,
        },
        "parameters": config.parameter_count(),
        "spacing": if config.lambda_dt_target.is_some() { "adaptive" } else { "even" },
        "checkpoints_written": run.times.len(),
        "times": run.times,
        "lambda_max": summary.lambda_max,
        "max_lambda_dt": summary.max_lambda_dt,
        "max_lambda_step": summary.max_lambda_step,
        "target_met": summary.target_met(),
    });
    crate::contract::to_json(META_SCHEMA, &body)
}
