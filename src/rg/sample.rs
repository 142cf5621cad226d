//! Langevin sampling of the mode model (docs/theory.md §3.1, §3.6), to validate RG predictions.
//!
//! # Model
//!
//! Modes `k` (the vectors' positions; the `k = 1..N` of docs/theory.md §3.1) with kernel
//! eigenvalues `λ_k`, target coefficients `y_k` and `x = P/r`:
//!
//! ```text
//! S[f] = Σ_k [ f_k²/(2λ_k) + (x/2)(f_k − y_k)² ]
//!      + Σ_sep (U/(4N)) (Σ_k w_k f_k²)²          (Separable terms, each with its own Q = Σ_k w_k f_k²)
//!      + Σ_diag (U/4) Σ_k c_k f_k⁴               (Diagonal terms; the model uses c_k = 1/λ_k²)
//! ```
//!
//! [`sample`] estimates, per mode, the mean discrepancy `⟨Δ_k⟩` (`Δ = y − f`), the connected
//! variance `⟨Δ_k²⟩_c`, and the loss per sample `Σ_k ⟨Δ_k²⟩ = Σ_k (⟨Δ_k⟩² + ⟨Δ_k²⟩_c)`, each with a
//! blocked standard error, its integrated autocorrelation time and effective sample size, and a
//! flag when the run is too short for that error to be trusted.
//!
//! # Dynamics and integrator
//!
//! Langevin dynamics `df = −∇S dt + √(2 dt) ξ`. Write `∇S = A ∘ (f − m) + F(f)` with
//! `A_k = 1/λ_k + x`, `m_k = x y_k / A_k` (the GP posterior mean) and `F = ∇S_int`. One step is the
//! exponential (Ornstein–Uhlenbeck) integrator with the interaction force frozen at the start of
//! the step:
//!
//! ```text
//! f_k ← m_k + e_k (f_k − m_k) − ((1 − e_k)/A_k) F_k(f) + √((1 − e_k²)/A_k) ξ_k,   e_k = exp(−A_k dt)
//! F_k = Σ_sep (U/N) Q w_k f_k + Σ_diag U c_k f_k³
//! ```
//!
//! **Why not Euler–Maruyama.** At `U = 0` this update is the exact transition kernel of the OU
//! process, so the chain samples the GP posterior `N(m_k, 1/A_k)` exactly for every `dt`: the only
//! error left is statistical, which is what §3.6 requires ("must reduce exactly to §3.1 at
//! `U = 0`"). Euler–Maruyama `f ← f − A(f − m)dt + √(2dt) ξ` instead has stationary variance
//! `1/(A(1 − A dt/2))`, a relative bias of `A dt/2` that is largest for the stiff (small-`λ`)
//! modes. With 100 modes and `α = 0.2`, `A_100 = 251 + x`, so at the paper's `dt = 10⁻⁴` the bias
//! is ≈ 1.3% at `x = 4` and ≈ 6% at `x = 10³`, while at the paper's run length (`5·10⁷` steps) the
//! standard error of those variances is ≈ 0.1% (measured): the Euler bias would be 10–60 standard
//! errors and would be misread as an interaction effect. With `U > 0` the frozen interaction
//! force makes the scheme first order in `dt` for the interaction part only, which is why
//! [`SamplerConfig::dt`] is bounded by `max_k A_k dt ≤` [`MAX_STIFF_STEP`] when any coupling is
//! nonzero (see [`sample`]'s errors).
//!
//! All `(1 − e)` and `1 − e²` factors use `expm1` so soft modes (`A dt ≪ 1`) keep full precision.
//!
//! # Runs, chains, determinism
//!
//! Each chain starts at the GP mean `f = m` (deterministic, and the exact answer's centre at
//! `U = 0`), takes [`SamplerConfig::burn_in`] steps, then [`SamplerConfig::steps`] more with a
//! sample every [`SamplerConfig::thin`] steps (`⌊steps/thin⌋` samples; any trailing
//! `steps mod thin` steps would not be recorded, so they are not taken).
//!
//! Chain `c` draws its noise from `ChaCha8Rng::seed_from_u64(seed)` switched to stream `c`
//! (`set_stream(c)`): the same key with a different 64-bit nonce, so chains are independent,
//! reproducible streams. Chains are distributed over [`SamplerConfig::threads`] OS threads
//! (`std::thread::scope`, chain `c` on worker `c mod threads`) and combined in chain order, so
//! the result depends only on the system and on `(dt, steps, burn_in, thin, chains, seed, batches)`,
//! bit for bit, whatever `threads` and `progress` are.
//!
//! # Estimators (blocking)
//!
//! Each chain's `n_s = ⌊steps/thin⌋` samples are split into `F = batches · 2^L` consecutive *fine
//! blocks* (block `j` holds samples `⌊j n_s/F⌋ .. ⌊(j+1) n_s/F⌋`, so sizes differ by at most one;
//! `L ≤` [`MAX_REFINE`] is the largest with at least one sample per block and
//! `chains × F × modes ≤` [`FINE_SUMS_BUDGET`]). Per block only running sums are kept: `Σ d_k` and
//! `Σ d_k²` with `d_k = Δ_k − Δ̄_k^{GP} = m_k − f_k`, i.e. the discrepancy shifted by its exact GP
//! mean (a shift does not change any estimate; it avoids the cancellation of `⟨Δ²⟩ − ⟨Δ⟩²` when the
//! mean is large compared with the spread), and `Σ u` with `u = Σ_k Δ_k² − L_GP` the per-sample
//! loss shifted by the exact GP loss. Per chain (not per block) also `Σ d_k³`, `Σ d_k⁴` and `Σ u²`,
//! which give each observable's per-sample variance. Samples are never stored. With `n` samples in
//! total over all chains:
//!
//! * mean: `⟨Δ_k⟩ = Δ̄_k^{GP} + Σd_k/n` (pooled over all samples);
//! * variance: `⟨Δ_k²⟩_c = Σd_k²/n − (Σd_k/n)²` (pooled second moment minus squared pooled mean);
//! * loss: `Σ_k (⟨Δ_k⟩² + ⟨Δ_k²⟩_c)` from the pooled moments (= the pooled mean of `Σ_k Δ_k²`).
//!
//! Each estimate is (to `O(1/n)`) the sample mean of a per-sample observable `a_t`: `d_k`,
//! `(d_k − d̄_k)²` with the pooled `d̄_k`, and `u`. For a stationary chain
//! `Var(ā) = σ_a² · 2τ_int / n`, with `σ_a²` the per-sample variance and
//! `τ_int = ½ + Σ_{t≥1} ρ_a(t)` the integrated autocorrelation time in samples.
//!
//! **Standard error (blocking, Flyvbjerg–Petersen).** Adjacent fine blocks are merged 2 → 1
//! repeatedly (block sums are additive; merging blocks `2i, 2i+1` of `⌊j n_s/F⌋` edges gives exactly
//! the edges for `F/2`), giving levels of block length `b = n_s/F, 2n_s/F, …, n_s/batches`. At each
//! level `SE_b = sd(block means)/√M` over all `M = chains × blocks` blocks (`M − 1` sample standard
//! deviation). `SE_b` grows with `b` and reaches a plateau, the true SE, once `b ≫ τ_int`; the
//! reported SE is the one at the coarsest level, `b_c = ⌊n_s/batches⌋` (the largest `b`, so the
//! least biased; `chains × batches` blocks). The naive (independent-samples) error is known exactly
//! from the moment sums: `SE_1 = σ_a/√n` (for the variance `σ_a² = μ₄ − σ⁴`, from `Σd³, Σd⁴`). So
//!
//! ```text
//! τ_int = ½ (SE_{b_c} / SE_1)²,    ESS = n / (2 τ_int).
//! ```
//!
//! The loss's whole scan (`SE_b`, `τ_int` per level) is returned as [`SampleResult::loss_blocking`].
//!
//! **Why blocking and not Sokal's windowed autocorrelation sum.** Sokal's estimator needs the
//! autocorrelation function, i.e. stored samples (or `O(window)` lagged products per observable),
//! which is `modes × samples` memory for the paper's run. Blocking needs only additive block sums,
//! which the sampler already kept, is exact in the stationary limit, and its failure mode (blocks
//! too short) is itself detectable from the numbers (below).
//!
//! # "Run too short": the flag
//!
//! For an exponentially decaying autocorrelation, `SE_b² ≈ SE_∞² (1 − (τ/b)(1 − e^{−b/τ}))`: on a
//! run whose blocks are shorter than `τ` the blocked SE is far too small, *and* the `τ_int` computed
//! from it is capped near `b/2` (a block much shorter than `τ` is one correlated value). So the
//! estimate is trusted only when it is self-consistent. Each observable gets a [`Shortfall`] (the
//! first that applies) or none:
//!
//! 1. [`Shortfall::NoFluctuation`]: `SE_1 = 0` or `τ_int` not finite;
//! 2. [`Shortfall::BlocksTooShort`]: `b_c < ` [`MIN_BLOCK_TAUS`]` · τ_int` — the blocked SE is not on
//!    its plateau; with `b_c ≥ 10 τ_int` the SE is low by at most `≈ τ/(2b) ≤ 5%`, and an
//!    unresolved run (`τ_est → b/2`) cannot pass;
//! 3. [`Shortfall::FewEffectiveSamples`]: `ESS <` [`MIN_ESS`] — too few independent samples for
//!    the normal approximation behind "within 3 SE";
//! 4. [`Shortfall::BurnInTooShort`]: `burn_in < ` [`MIN_BURN_IN_TAUS`]` · τ · thin` steps, with `τ`
//!    the larger `τ_int` of the mode's two observables (for the loss, the largest of all): each
//!    chain starts at the GP mean, and after 5 relaxation times at most `e^{−5} ≈ 0.7%` of the
//!    initial offset is left, further diluted by the run.
//!
//! What no single run can detect is a relaxation slower than the whole run whose amplitude is too
//! small to move the block means; independent chains (`chains ≥ 2`) make that less likely, since
//! their blocks are independent whatever the correlation time.
//!
//! A mode is reliable when both its observables are; the run ([`RunVerdict`]) when every mode and
//! the loss are. On an unreliable run `τ_int` is itself underestimated, so
//! [`RunVerdict::min_steps`] and [`RunVerdict::min_burn_in`] are lower bounds: rerun with at least
//! that many steps (or a larger `dt`, which shortens `τ_int` in samples) and check again.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;

/// A separable quartic `(U/(4N)) (Σ_k w_k f_k²)²`.
#[derive(Debug, Clone)]
pub struct Separable {
    /// `U/N`: the coupling with the `1/N` normalization already applied (must be finite, `≥ 0`).
    pub coupling_over_n: f64,
    /// `w_k`, one per mode (finite; the model's default is `w_k = 1/λ_k`, docs/theory.md §3.1).
    pub weight: Vec<f64>,
}

/// A diagonal quartic `(U/4) Σ_k c_k f_k⁴`.
#[derive(Debug, Clone)]
pub struct Diagonal {
    /// `U` (must be finite, `≥ 0`).
    pub coupling: f64,
    /// `c_k`, one per mode (finite, `≥ 0` so the action stays bounded below; the model of
    /// docs/theory.md §3.1 uses `1/λ_k²`).
    pub weight: Vec<f64>,
}

/// The action to sample: GP part plus any number of separable and diagonal quartics.
#[derive(Debug, Clone)]
pub struct LangevinSystem {
    /// Kernel eigenvalues `λ_k > 0`, one per mode.
    pub lambda: Vec<f64>,
    /// Target coefficients `y_k`, same length as `lambda`.
    pub target: Vec<f64>,
    /// `x = P/r ≥ 0`.
    pub p_over_r: f64,
    /// Separable quartic terms (may be empty).
    pub separable: Vec<Separable>,
    /// Diagonal quartic terms (may be empty).
    pub diagonal: Vec<Diagonal>,
}

impl LangevinSystem {
    /// The power-law GP of docs/theory.md §3.1 with `modes` modes: `λ_k = k^{−(1+α)}`,
    /// `y_k = k^{−(1+β)/2}` (`k = 1..modes`), no interaction.
    #[must_use]
    pub fn power_law(modes: usize, alpha: f64, beta: f64, p_over_r: f64) -> Self {
        let ks = (1..=modes).map(|k| k as f64);
        Self {
            lambda: ks.clone().map(|k| k.powf(-(1.0 + alpha))).collect(),
            target: ks.map(|k| k.powf(-(1.0 + beta) / 2.0)).collect(),
            p_over_r,
            separable: Vec::new(),
            diagonal: Vec::new(),
        }
    }

    /// Exact GP (`U = 0`) moments per mode: `(⟨Δ_k⟩, ⟨Δ_k²⟩_c) = (y_k/(1 + xλ_k), λ_k/(1 + xλ_k))`.
    #[must_use]
    pub fn gp_moments(&self) -> Vec<(f64, f64)> {
        self.lambda
            .iter()
            .zip(&self.target)
            .map(|(&l, &y)| {
                let d = 1.0 + self.p_over_r * l;
                (y / d, l / d)
            })
            .collect()
    }
}

/// Run-length and parallelism settings for [`sample`].
#[derive(Debug, Clone)]
pub struct SamplerConfig {
    /// Time step `dt > 0`.
    pub dt: f64,
    /// Steps per chain after burn-in.
    pub steps: u64,
    /// Equilibration steps per chain, not recorded.
    pub burn_in: u64,
    /// A sample every `thin ≥ 1` steps.
    pub thin: u64,
    /// Number of independent chains (`≥ 1`).
    pub chains: u32,
    /// OS threads to spread the chains over (`≥ 1`; does not affect the result).
    pub threads: u32,
    /// Master seed; chain `c` uses ChaCha8 stream `c` of this seed.
    pub seed: u64,
    /// Blocks per chain at the coarsest blocking level, the one the errors are reported at
    /// (`≥ 2`, and `≤ ⌊steps/thin⌋`; module docs, "Estimators").
    pub batches: u32,
    /// Where to report progress (by default nowhere; does not affect the result).
    pub progress: Progress,
}

/// A progress observer for [`sample`]: called with `(steps_done, steps_total)` over all chains,
/// every 100 000 steps of a chain and when a chain stops (after a first call with `done = 0`).
///
/// The sampler draws nothing itself; a front end turns the calls into a progress bar. Chains
/// run on several threads, so the callback must be `Send + Sync` and may be called concurrently;
/// `steps_done` is a running total, so calls can arrive slightly out of order. Cloning shares
/// the callback. The default observes nothing.
#[derive(Clone, Default)]
pub struct Progress(Option<Arc<dyn Fn(u64, u64) + Send + Sync>>);

impl Progress {
    /// No progress reporting.
    #[must_use]
    pub fn none() -> Self {
        Self(None)
    }

    /// Report progress to `callback(steps_done, steps_total)`.
    #[must_use]
    pub fn new(callback: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(callback)))
    }

    /// Whether a callback is attached.
    #[must_use]
    pub fn is_observed(&self) -> bool {
        self.0.is_some()
    }

    fn report(&self, done: u64, total: u64) {
        if let Some(callback) = &self.0 {
            callback(done, total);
        }
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_observed() {
            "Progress(observed)"
        } else {
            "Progress(none)"
        })
    }
}

impl SamplerConfig {
    /// The paper's run (docs/theory.md §3.6): `dt = 10⁻⁴`, `5·10⁷` steps, a sample every 10 steps,
    /// `2·10⁴` burn-in steps, in one chain with 50 batches, one thread, no progress reporting.
    #[must_use]
    pub fn paper(seed: u64) -> Self {
        Self {
            dt: 1e-4,
            steps: 50_000_000,
            burn_in: 20_000,
            thin: 10,
            chains: 1,
            threads: 1,
            seed,
            batches: 50,
            progress: Progress::none(),
        }
    }
}

/// Why an estimate's standard error cannot be trusted (see the module docs, "Run too short").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shortfall {
    /// The observable never fluctuated (zero naive error), so no `τ_int` can be estimated.
    NoFluctuation,
    /// The coarsest blocks are shorter than [`MIN_BLOCK_TAUS`]` × τ_int`: the blocked SE has not
    /// reached its plateau and is too small.
    BlocksTooShort,
    /// Fewer than [`MIN_ESS`] effective samples.
    FewEffectiveSamples,
    /// Burn-in shorter than [`MIN_BURN_IN_TAUS`]` × τ_int` (in steps): the start may still bias
    /// the estimate.
    BurnInTooShort,
}

/// Autocorrelation diagnostics of one estimate (module docs, "Estimators", "Run too short").
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Autocorrelation {
    /// Integrated autocorrelation time `τ_int`, in samples (`thin` steps each): `½ (SE/SE_naive)²`.
    pub tau_int: f64,
    /// Effective sample size `n / (2 τ_int)` over all chains.
    pub ess: f64,
    /// The naive standard error `σ/√n`, as if the samples were independent.
    pub se_naive: f64,
    /// Whether the standard error can be trusted (`shortfall` is none).
    pub reliable: bool,
    /// Why not, when it cannot.
    pub shortfall: Option<Shortfall>,
}

/// Estimates for one mode.
#[derive(Debug, Clone, Serialize)]
pub struct ModeEstimate {
    /// `⟨Δ_k⟩`, the mean discrepancy.
    pub mean_delta: f64,
    /// Blocked standard error of `mean_delta` (coarsest level).
    pub se_mean_delta: f64,
    /// `⟨Δ_k²⟩_c`, the connected variance of the discrepancy.
    pub variance: f64,
    /// Blocked standard error of `variance` (coarsest level).
    pub se_variance: f64,
    /// Diagnostics of `mean_delta`'s error.
    pub mean_autocorrelation: Autocorrelation,
    /// Diagnostics of `variance`'s error.
    pub variance_autocorrelation: Autocorrelation,
    /// Both estimates' errors can be trusted.
    pub reliable: bool,
}

/// One level of the loss's blocking scan.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BlockingLevel {
    /// Shortest block at this level, in samples.
    pub block_samples: u64,
    /// Blocks over all chains.
    pub blocks: u32,
    /// Blocked standard error at this level.
    pub se: f64,
    /// `½ (se/SE_naive)²`: rises with the block length until it plateaus at `τ_int`.
    pub tau_int: f64,
}

/// Whether the whole run is long enough, and what would make it so.
#[derive(Debug, Clone, Serialize)]
pub struct RunVerdict {
    /// Every mode and the loss are reliable.
    pub reliable: bool,
    /// Modes with at least one unreliable estimate.
    pub flagged_modes: usize,
    /// Modes in the run.
    pub modes: usize,
    /// The loss's error can be trusted.
    pub loss_reliable: bool,
    /// The largest `τ_int` over all estimates, in steps (`τ_int × thin`).
    pub max_tau_steps: f64,
    /// Steps per chain the flag criteria ask for at the current `τ_int` estimates (a lower bound
    /// when the run is too short, since `τ_int` is then underestimated).
    pub min_steps: u64,
    /// Burn-in steps the criteria ask for at the current `τ_int` estimates (a lower bound too).
    pub min_burn_in: u64,
    /// The run's steps per chain ([`SamplerConfig::steps`]).
    pub steps: u64,
    /// The run's burn-in ([`SamplerConfig::burn_in`]).
    pub burn_in: u64,
}

impl RunVerdict {
    /// What is flagged and what to change, when the run is too short (`None` when it is
    /// reliable), e.g. "3 of 100 modes have unreliable standard errors (τ_int up to 2300 steps);
    /// use at least 1150000 steps per chain (now 200000), or a larger dt (…)".
    #[must_use]
    pub fn advice(&self) -> Option<String> {
        if self.reliable {
            return None;
        }
        let mut parts = Vec::new();
        if self.min_steps > self.steps {
            parts.push(format!(
                "at least {} steps per chain (now {}), or a larger dt",
                self.min_steps, self.steps
            ));
        }
        if self.min_burn_in > self.burn_in {
            parts.push(format!(
                "a burn-in of at least {} steps (now {})",
                self.min_burn_in, self.burn_in
            ));
        }
        if parts.is_empty() {
            parts.push("more steps or more chains".to_string());
        }
        Some(format!(
            "{} of {} modes{} have unreliable standard errors (τ_int up to {:.0} steps); use {} \
             (a lower bound: τ_int is underestimated on a short run)",
            self.flagged_modes,
            self.modes,
            if self.loss_reliable { "" } else { " and the loss" },
            self.max_tau_steps,
            parts.join("; ")
        ))
    }
}

/// Output of [`sample`].
#[derive(Debug, Clone, Serialize)]
pub struct SampleResult {
    /// Per-mode estimates, in the order of [`LangevinSystem::lambda`].
    pub modes: Vec<ModeEstimate>,
    /// Loss per sample `Σ_k ⟨Δ_k²⟩ = Σ_k (⟨Δ_k⟩² + ⟨Δ_k²⟩_c)`.
    pub loss: f64,
    /// Blocked standard error of `loss` (coarsest level).
    pub se_loss: f64,
    /// Diagnostics of `loss`'s error.
    pub loss_autocorrelation: Autocorrelation,
    /// The loss's blocking scan, finest level first (the last is the one reported).
    pub loss_blocking: Vec<BlockingLevel>,
    /// Whether the run is long enough for its standard errors.
    pub verdict: RunVerdict,
    /// Recorded samples per chain, `⌊steps/thin⌋`.
    pub samples_per_chain: u64,
    /// Number of chains.
    pub chains: u32,
    /// Steps actually taken over all chains: `chains × (burn_in + samples_per_chain × thin)`.
    pub total_steps: u64,
    /// Number of blocks the reported errors are computed from, `chains × batches`.
    pub batches_total: u32,
}

/// Why [`sample`] refused or stopped.
#[derive(thiserror::Error, Debug)]
pub enum SampleError {
    /// A [`SamplerConfig`] field is out of range.
    #[error("invalid sampler config `{field}`: {message}")]
    InvalidConfig {
        /// The offending field.
        field: &'static str,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A [`LangevinSystem`] field is out of range (`field` includes indices, e.g. `lambda[3]`).
    #[error("invalid Langevin system `{field}`: {message}")]
    InvalidSystem {
        /// The offending field, with indices.
        field: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A chain's state became NaN or infinite (usually `dt` too large for the interaction).
    ///
    /// The state is checked every `thin` steps, so the blow-up happened within the last `thin`
    /// steps before `step`. With several diverging chains the lowest chain index is reported.
    #[error("chain {chain} diverged (non-finite state) by step {step}; reduce dt")]
    Diverged {
        /// The chain index.
        chain: u32,
        /// Steps taken by that chain (burn-in included) when the non-finite state was detected.
        step: u64,
    },
}

/// Largest `A_k dt` accepted when the system has an interaction. The interaction force is held
/// fixed over a step, so its error is first order; keeping the step within the fastest mode's
/// relaxation time `1/A_max` also bounds the typical interaction stiffness per step
/// (`~U/λ_k ≤ U A_k` for both normalizations of docs/theory.md §3.1) by `~U`, away from the
/// explicit-step instability.
pub const MAX_STIFF_STEP: f64 = 1.0;

/// Cap on `chains × batches × modes`: each is two `f64` running sums kept until the end
/// (2²⁶ ⇒ 1 GiB), and it keeps `chains × batches` within `u32`.
pub const MAX_STORED_SUMS: u64 = 1 << 26;

/// Most chains one run may have.
pub const MAX_CHAINS: u32 = 1024;

/// Most OS threads one run may use.
pub const MAX_THREADS: u32 = 1024;

/// Most steps (and burn-in steps) per chain: 4 000 times the default 2.5·10⁷. At ~10⁷ steps per
/// second per mode this is already days of sampling for a large model; the binary's
/// `--time-limit` bounds what a user is willing to wait.
pub const MAX_STEPS: u64 = 100_000_000_000;

/// The "blocks too short" criterion: the coarsest blocks must hold at least this many `τ_int`
/// (the blocked SE is then low by at most `≈ τ/(2b) = 5%`; module docs, "Run too short").
pub const MIN_BLOCK_TAUS: f64 = 10.0;

/// The "few effective samples" criterion: at least this many effective samples per estimate.
pub const MIN_ESS: f64 = 100.0;

/// The "burn-in too short" criterion: at least this many `τ_int` (in steps) of burn-in.
pub const MIN_BURN_IN_TAUS: f64 = 5.0;

/// At most `2^MAX_REFINE` fine blocks per reported block (the depth of the loss's blocking scan).
pub const MAX_REFINE: u32 = 4;

/// Cap on `chains × fine blocks × modes` when refining below `batches` (64 MiB of sums); the
/// refinement is a diagnostic, so it never takes the memory [`MAX_STORED_SUMS`] allows.
pub const FINE_SUMS_BUDGET: u64 = 1 << 22;

/// Steps between progress reports and cancellation checks: rare enough to cost nothing,
/// frequent enough (≈10 ms at 100 modes) for a live ETA.
const TICK_STEPS: u64 = 100_000;

/// Per-mode constants of the integrator, flat arrays so the step loop is a straight pass.
struct Kernel {
    /// `m_k`, the GP posterior mean.
    mean: Vec<f64>,
    /// `y_k − m_k`, the exact GP mean discrepancy (the shift of `d_k`).
    shift: Vec<f64>,
    /// `1/A_k`, the exact GP variance (with `shift`, the shift of the per-sample loss).
    gp_var: Vec<f64>,
    /// `e_k = exp(−A_k dt)`.
    decay: Vec<f64>,
    /// `(1 − e_k)/A_k`: the effective time step for the frozen interaction force.
    drift: Vec<f64>,
    /// `√((1 − e_k²)/A_k)`: the exact OU noise amplitude.
    noise: Vec<f64>,
    /// `Σ_diag U c_k`: all diagonal terms merged (they have the same form).
    quartic: Vec<f64>,
    /// `U/N` for each separable term.
    sep_coupling: Vec<f64>,
    /// Separable weights, term-major: `sep_weight[s·n + k] = w_{s,k}`.
    sep_weight: Vec<f64>,
}

impl Kernel {
    fn new(system: &LangevinSystem, dt: f64) -> Self {
        let n = system.lambda.len();
        let x = system.p_over_r;
        let mut kernel = Self {
            mean: Vec::with_capacity(n),
            shift: Vec::with_capacity(n),
            gp_var: Vec::with_capacity(n),
            decay: Vec::with_capacity(n),
            drift: Vec::with_capacity(n),
            noise: Vec::with_capacity(n),
            quartic: vec![0.0; n],
            sep_coupling: system.separable.iter().map(|s| s.coupling_over_n).collect(),
            sep_weight: system
                .separable
                .iter()
                .flat_map(|s| s.weight.iter().copied())
                .collect(),
        };
        for (&l, &y) in system.lambda.iter().zip(&system.target) {
            let a = 1.0 / l + x;
            let one_minus_e = -(-a * dt).exp_m1();
            let one_minus_e2 = -(-2.0 * a * dt).exp_m1();
            kernel.mean.push(x * y / a);
            kernel.shift.push(y - x * y / a);
            kernel.gp_var.push(1.0 / a);
            kernel.decay.push(1.0 - one_minus_e);
            kernel.drift.push(one_minus_e / a);
            kernel.noise.push((one_minus_e2 / a).sqrt());
        }
        for d in &system.diagonal {
            for (q, &c) in kernel.quartic.iter_mut().zip(&d.weight) {
                *q += d.coupling * c;
            }
        }
        kernel
    }

    fn modes(&self) -> usize {
        self.mean.len()
    }
}

/// One chain's mutable state.
struct Chain<'k> {
    kernel: &'k Kernel,
    f: Vec<f64>,
    /// `Q_s = Σ_k w_{s,k} f_k²` of the current state, maintained by the step itself.
    q: Vec<f64>,
    /// Scratch for `(U/N)_s Q_s` (general separable path only).
    a: Vec<f64>,
    /// This step's noise. Drawing all of it first keeps the ziggurat's branches out of the
    /// update loop, which then vectorizes (≈30% faster); the draw order is the same either way.
    xi: Vec<f64>,
    rng: ChaCha8Rng,
}

impl<'k> Chain<'k> {
    fn new(kernel: &'k Kernel, seed: u64, chain: u32) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // Same key, different nonce: independent streams without any ad-hoc seed mixing.
        rng.set_stream(u64::from(chain));
        let f = kernel.mean.clone();
        let n = f.len();
        let ns = kernel.sep_coupling.len();
        let q = (0..ns)
            .map(|s| weighted_square_sum(&kernel.sep_weight[s * n..(s + 1) * n], &f))
            .collect();
        Self {
            kernel,
            f,
            q,
            a: vec![0.0; ns],
            xi: vec![0.0; n],
            rng,
        }
    }

    /// Advance `steps` integrator steps, keeping `Q` in step with `f` (each step needs `Q` of
    /// the state it starts from, so it is computed once at the end of the previous step).
    fn advance(&mut self, steps: u64) {
        let k = self.kernel;
        let n = k.modes();
        match k.sep_coupling.len() {
            0 => {
                for _ in 0..steps {
                    self.draw_noise();
                    for (((((f, &m), &e), &h), (&s, &c)), &xi) in self
                        .f
                        .iter_mut()
                        .zip(&k.mean)
                        .zip(&k.decay)
                        .zip(&k.drift)
                        .zip(k.noise.iter().zip(&k.quartic))
                        .zip(&self.xi)
                    {
                        let v = *f;
                        // c = 0 without a diagonal term, so F = 0 exactly and U = 0 stays exact.
                        let force = c * v * v * v;
                        *f = m + e * (v - m) - h * force + s * xi;
                    }
                }
            }
            1 => {
                let g = k.sep_coupling[0];
                for _ in 0..steps {
                    let a = g * self.q[0];
                    self.draw_noise();
                    for ((((((f, &m), &e), &h), (&s, &c)), &w), &xi) in self
                        .f
                        .iter_mut()
                        .zip(&k.mean)
                        .zip(&k.decay)
                        .zip(&k.drift)
                        .zip(k.noise.iter().zip(&k.quartic))
                        .zip(&k.sep_weight)
                        .zip(&self.xi)
                    {
                        let v = *f;
                        let force = v * (a * w + c * v * v);
                        let new = m + e * (v - m) - h * force + s * xi;
                        *f = new;
                    }
                    self.q[0] = weighted_square_sum(&k.sep_weight, &self.f);
                }
            }
            ns => {
                for _ in 0..steps {
                    for ((a, q), &g) in self.a.iter_mut().zip(&mut self.q).zip(&k.sep_coupling) {
                        *a = g * *q;
                        *q = 0.0;
                    }
                    self.draw_noise();
                    for i in 0..n {
                        let xi = self.xi[i];
                        let v = self.f[i];
                        let mut lin = 0.0;
                        for s in 0..ns {
                            lin += self.a[s] * k.sep_weight[s * n + i];
                        }
                        let force = v * (lin + k.quartic[i] * v * v);
                        let new =
                            k.mean[i] + k.decay[i] * (v - k.mean[i]) - k.drift[i] * force + k.noise[i] * xi;
                        self.f[i] = new;
                        for s in 0..ns {
                            self.q[s] += k.sep_weight[s * n + i] * new * new;
                        }
                    }
                }
            }
        }
    }

    /// Fill `xi` with this step's standard normals, in mode order.
    #[inline]
    fn draw_noise(&mut self) {
        for x in &mut self.xi {
            *x = StandardNormal.sample(&mut self.rng);
        }
    }

    /// Whether every component of the state (and every `Q`) is finite.
    fn finite(&self) -> bool {
        // A sum is finite iff no term is NaN/inf (squares cannot cancel an infinity).
        let s: f64 = self.f.iter().map(|v| v * v).sum::<f64>() + self.q.iter().map(|v| v.abs()).sum::<f64>();
        s.is_finite()
    }
}

/// `Σ_k w_k f_k²` with four independent accumulators: a single running sum is a serial
/// dependency chain the compiler may not reorder, which would dominate the separable step.
#[inline]
fn weighted_square_sum(w: &[f64], f: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (wc, fc) = (w.chunks_exact(4), f.chunks_exact(4));
    let (wr, fr) = (wc.remainder(), fc.remainder());
    for (w4, f4) in wc.zip(fc) {
        for l in 0..4 {
            acc[l] += w4[l] * f4[l] * f4[l];
        }
    }
    let tail: f64 = wr.iter().zip(fr).map(|(w, v)| w * v * v).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Running sums of one chain (module docs, "Estimators"): per fine block, the sample count,
/// `Σd_k`, `Σd_k²` (block-major, block `j` at `[j·n, (j+1)·n)`) and `Σu`; per chain `Σd_k³`,
/// `Σd_k⁴` and `Σu²`.
struct ChainSums {
    counts: Vec<u64>,
    s1: Vec<f64>,
    s2: Vec<f64>,
    u1: Vec<f64>,
    s3: Vec<f64>,
    s4: Vec<f64>,
    u2: f64,
}

enum ChainOutcome {
    Done(ChainSums),
    Diverged(u64),
    /// Stopped early because a lower-indexed chain diverged (its result would be discarded).
    Cancelled,
}

/// Shared by the workers: the progress observer, the steps done over all chains, and the
/// lowest diverged chain index so far.
struct Shared<'p> {
    progress: &'p Progress,
    done: AtomicU64,
    total: u64,
    first_bad: AtomicU32,
}

impl Shared<'_> {
    fn advance(&self, steps: u64) {
        let done = self.done.fetch_add(steps, Ordering::Relaxed) + steps;
        self.progress.report(done, self.total);
    }
}

struct Ticker<'s, 'p> {
    shared: &'s Shared<'p>,
    pending: u64,
}

impl Ticker<'_, '_> {
    /// Record `steps` steps; every [`TICK_STEPS`] report them. Returns `false` when the
    /// chain should stop because a lower chain already diverged.
    fn tick(&mut self, steps: u64, chain: u32) -> bool {
        self.pending += steps;
        if self.pending >= TICK_STEPS {
            self.shared.advance(self.pending);
            self.pending = 0;
            return self.shared.first_bad.load(Ordering::Relaxed) >= chain;
        }
        true
    }

    fn flush(&mut self) {
        self.shared.advance(self.pending);
        self.pending = 0;
    }
}

fn run_chain(kernel: &Kernel, config: &SamplerConfig, chain: u32, shared: &Shared<'_>) -> ChainOutcome {
    let outcome = run_chain_inner(kernel, config, chain, shared);
    if let ChainOutcome::Diverged(_) = outcome {
        shared.first_bad.fetch_min(chain, Ordering::Relaxed);
    }
    outcome
}

fn run_chain_inner(kernel: &Kernel, config: &SamplerConfig, chain: u32, shared: &Shared<'_>) -> ChainOutcome {
    let n = kernel.modes();
    let mut state = Chain::new(kernel, config.seed, chain);
    let mut ticker = Ticker { shared, pending: 0 };
    let mut taken: u64 = 0;

    // Burn-in in chunks of `thin`, with the same divergence check cadence as production.
    let mut left = config.burn_in;
    while left > 0 {
        let chunk = left.min(config.thin);
        state.advance(chunk);
        taken += chunk;
        left -= chunk;
        if !state.finite() {
            ticker.flush();
            return ChainOutcome::Diverged(taken);
        }
        if !ticker.tick(chunk, chain) {
            ticker.flush();
            return ChainOutcome::Cancelled;
        }
    }

    let samples = config.steps / config.thin;
    let blocks = fine_blocks(config, n);
    let fine = blocks as usize;
    let mut sums = ChainSums {
        counts: Vec::with_capacity(fine),
        s1: vec![0.0; n * fine],
        s2: vec![0.0; n * fine],
        u1: vec![0.0; fine],
        s3: vec![0.0; n],
        s4: vec![0.0; n],
        u2: 0.0,
    };
    for j in 0..blocks {
        let start = batch_edge(j, samples, blocks);
        let end = batch_edge(j + 1, samples, blocks);
        sums.counts.push(end - start);
        let off = j as usize * n;
        let (s1, s2) = (&mut sums.s1[off..off + n], &mut sums.s2[off..off + n]);
        let (s3, s4) = (&mut sums.s3, &mut sums.s4);
        let mut u_block = 0.0;
        for _ in start..end {
            state.advance(config.thin);
            taken += config.thin;
            // u = Σ_k Δ_k² − L_GP, term by term: (s + d)² − s² − 1/A = (2s + d) d − 1/A.
            let mut u = 0.0;
            for ((((((a1, a2), a3), a4), &m), &f), (&sh, &v)) in s1
                .iter_mut()
                .zip(s2.iter_mut())
                .zip(s3.iter_mut())
                .zip(s4.iter_mut())
                .zip(&kernel.mean)
                .zip(&state.f)
                .zip(kernel.shift.iter().zip(&kernel.gp_var))
            {
                // d = Δ − Δ̄_GP = (y − f) − (y − m) = m − f.
                let d = m - f;
                let d2 = d * d;
                *a1 += d;
                *a2 += d2;
                *a3 += d2 * d;
                *a4 += d2 * d2;
                u += (2.0 * sh + d) * d - v;
            }
            // Finite iff every d is: an infinite d makes its term +inf (d² dominates).
            if !u.is_finite() || !state.q.iter().all(|q| q.is_finite()) {
                ticker.flush();
                return ChainOutcome::Diverged(taken);
            }
            u_block += u;
            sums.u2 += u * u;
            if !ticker.tick(config.thin, chain) {
                ticker.flush();
                return ChainOutcome::Cancelled;
            }
        }
        sums.u1[j as usize] = u_block;
    }
    ticker.flush();
    ChainOutcome::Done(sums)
}

/// Fine blocks per chain, `batches · 2^L` (module docs, "Estimators"): `L ≤` [`MAX_REFINE`] the
/// largest with at least one sample per block and `chains × blocks × modes ≤` [`FINE_SUMS_BUDGET`]
/// (never below `batches`, which [`validate_config`] bounds by [`MAX_STORED_SUMS`]).
fn fine_blocks(config: &SamplerConfig, modes: usize) -> u64 {
    let samples = config.steps / config.thin;
    let batches = u64::from(config.batches);
    let per_block = u64::from(config.chains).saturating_mul(modes as u64);
    let mut blocks = batches;
    for _ in 0..MAX_REFINE {
        let next = blocks * 2;
        if next > samples || next.saturating_mul(per_block) > FINE_SUMS_BUDGET {
            break;
        }
        blocks = next;
    }
    blocks
}

/// `⌊j · samples / batches⌋` without overflow.
fn batch_edge(j: u64, samples: u64, batches: u64) -> u64 {
    // The quotient is ≤ samples, so it fits in u64.
    u64::try_from(u128::from(j) * u128::from(samples) / u128::from(batches)).unwrap_or(samples)
}

fn sys_err(field: impl Into<String>, message: impl Into<String>) -> SampleError {
    SampleError::InvalidSystem {
        field: field.into(),
        message: message.into(),
    }
}

fn cfg_err(field: &'static str, message: impl Into<String>) -> SampleError {
    SampleError::InvalidConfig {
        field,
        message: message.into(),
    }
}

fn validate_system(system: &LangevinSystem) -> Result<(), SampleError> {
    let n = system.lambda.len();
    if n == 0 {
        return Err(sys_err("lambda", "need at least one mode"));
    }
    if system.target.len() != n {
        return Err(sys_err(
            "target",
            format!("length {} differs from lambda's {n}", system.target.len()),
        ));
    }
    if !(system.p_over_r.is_finite() && system.p_over_r >= 0.0) {
        return Err(sys_err(
            "p_over_r",
            format!("must be finite and ≥ 0, got {}", system.p_over_r),
        ));
    }
    for (k, (&l, &y)) in system.lambda.iter().zip(&system.target).enumerate() {
        if !(l.is_finite() && l > 0.0) {
            return Err(sys_err(
                format!("lambda[{k}]"),
                format!("must be finite and > 0, got {l}"),
            ));
        }
        if !(1.0 / l + system.p_over_r).is_finite() {
            return Err(sys_err(
                format!("lambda[{k}]"),
                format!("1/λ + x overflows for λ = {l}"),
            ));
        }
        if !y.is_finite() {
            return Err(sys_err(
                format!("target[{k}]"),
                format!("must be finite, got {y}"),
            ));
        }
    }
    for (i, s) in system.separable.iter().enumerate() {
        if !(s.coupling_over_n.is_finite() && s.coupling_over_n >= 0.0) {
            return Err(sys_err(
                format!("separable[{i}].coupling_over_n"),
                format!(
                    "must be finite and ≥ 0 (a negative quartic is unbounded below), got {}",
                    s.coupling_over_n
                ),
            ));
        }
        if s.weight.len() != n {
            return Err(sys_err(
                format!("separable[{i}].weight"),
                format!("length {} differs from lambda's {n}", s.weight.len()),
            ));
        }
        if let Some(k) = s.weight.iter().position(|w| !w.is_finite()) {
            return Err(sys_err(
                format!("separable[{i}].weight[{k}]"),
                format!("must be finite, got {}", s.weight[k]),
            ));
        }
    }
    for (i, d) in system.diagonal.iter().enumerate() {
        if !(d.coupling.is_finite() && d.coupling >= 0.0) {
            return Err(sys_err(
                format!("diagonal[{i}].coupling"),
                format!(
                    "must be finite and ≥ 0 (a negative quartic is unbounded below), got {}",
                    d.coupling
                ),
            ));
        }
        if d.weight.len() != n {
            return Err(sys_err(
                format!("diagonal[{i}].weight"),
                format!("length {} differs from lambda's {n}", d.weight.len()),
            ));
        }
        if let Some(k) = d.weight.iter().position(|c| !(c.is_finite() && *c >= 0.0)) {
            return Err(sys_err(
                format!("diagonal[{i}].weight[{k}]"),
                format!("must be finite and ≥ 0, got {}", d.weight[k]),
            ));
        }
    }
    Ok(())
}

fn validate_config(system: &LangevinSystem, config: &SamplerConfig) -> Result<(), SampleError> {
    if !(config.dt.is_finite() && config.dt > 0.0) {
        return Err(cfg_err(
            "dt",
            format!("must be finite and > 0, got {}", config.dt),
        ));
    }
    if config.thin == 0 {
        return Err(cfg_err("thin", "must be ≥ 1"));
    }
    if !(1..=MAX_CHAINS).contains(&config.chains) {
        return Err(cfg_err(
            "chains",
            format!("must lie in 1..={MAX_CHAINS}, got {}", config.chains),
        ));
    }
    if !(1..=MAX_THREADS).contains(&config.threads) {
        return Err(cfg_err(
            "threads",
            format!("must lie in 1..={MAX_THREADS}, got {}", config.threads),
        ));
    }
    for (field, value) in [("steps", config.steps), ("burn_in", config.burn_in)] {
        if value > MAX_STEPS {
            return Err(cfg_err(
                field,
                format!("must be at most {MAX_STEPS:e} per chain, got {value}"),
            ));
        }
    }
    if config.batches < 2 {
        return Err(cfg_err(
            "batches",
            format!("must be ≥ 2 for a blocked error, got {}", config.batches),
        ));
    }
    let stored = u64::from(config.chains) * u64::from(config.batches) * system.lambda.len() as u64;
    if stored > MAX_STORED_SUMS {
        return Err(cfg_err(
            "batches",
            format!(
                "chains × batches × modes = {stored} per-batch sums exceeds {MAX_STORED_SUMS} \
                 (memory); a few hundred batches in total are plenty for an error estimate"
            ),
        ));
    }
    let samples = config.steps / config.thin;
    if samples < u64::from(config.batches) {
        return Err(cfg_err(
            "steps",
            format!(
                "⌊steps/thin⌋ = {samples} samples per chain is fewer than batches = {}",
                config.batches
            ),
        ));
    }
    let per_chain = samples
        .checked_mul(config.thin)
        .and_then(|s| s.checked_add(config.burn_in))
        .filter(|s| s.checked_mul(u64::from(config.chains)).is_some());
    if per_chain.is_none() {
        return Err(cfg_err("steps", "chains × (burn_in + steps) overflows u64"));
    }
    let a_max = system
        .lambda
        .iter()
        .map(|&l| 1.0 / l + system.p_over_r)
        .fold(0.0, f64::max);
    let interacting = system
        .separable
        .iter()
        .any(|s| s.coupling_over_n > 0.0 && s.weight.iter().any(|w| w.abs() > 0.0))
        || system
            .diagonal
            .iter()
            .any(|d| d.coupling > 0.0 && d.weight.iter().any(|c| *c > 0.0));
    let stiff = a_max * config.dt;
    if !stiff.is_finite() {
        return Err(cfg_err("dt", format!("max_k A_k dt = {stiff} is not finite")));
    }
    if interacting && stiff > MAX_STIFF_STEP {
        return Err(cfg_err(
            "dt",
            format!(
                "max_k A_k dt = {stiff:.3} > {MAX_STIFF_STEP}: with an interaction the step must \
                 resolve the fastest mode's relaxation time 1/A_max = {:.3e}",
                1.0 / a_max
            ),
        ));
    }
    Ok(())
}

/// Sample `system` with Langevin dynamics and return per-mode discrepancy moments and the loss,
/// with blocked standard errors, `τ_int`, ESS and the "run too short" flags (see the
/// [module docs](self) for the integrator, the estimators and the criteria).
///
/// A run that is too short is not an error: it is reported in [`SampleResult::verdict`] and per
/// estimate, so callers can show the numbers together with the warning.
///
/// # Errors
///
/// * [`SampleError::InvalidSystem`]: empty or mismatched lengths, `λ_k ≤ 0`, non-finite values,
///   negative couplings or negative diagonal weights, `x < 0`.
/// * [`SampleError::InvalidConfig`]: `dt ≤ 0` or non-finite; `thin`, `chains`, `threads` zero;
///   `batches < 2`; `⌊steps/thin⌋ < batches`; `chains × batches × modes >` [`MAX_STORED_SUMS`];
///   step counts overflowing `u64`; and, when any coupling is nonzero, `max_k A_k dt >`
///   [`MAX_STIFF_STEP`].
/// * [`SampleError::Diverged`]: a chain's state became NaN/inf.
pub fn sample(system: &LangevinSystem, config: &SamplerConfig) -> Result<SampleResult, SampleError> {
    validate_system(system)?;
    validate_config(system, config)?;
    let kernel = Kernel::new(system, config.dt);
    let n = kernel.modes();
    let samples = config.steps / config.thin;
    let per_chain = config.burn_in + samples * config.thin;
    let total_steps = per_chain * u64::from(config.chains);

    let shared = Shared {
        progress: &config.progress,
        done: AtomicU64::new(0),
        total: total_steps,
        first_bad: AtomicU32::new(u32::MAX),
    };
    shared.progress.report(0, total_steps);

    let threads = config.threads.min(config.chains);
    let mut outcomes: Vec<Option<ChainOutcome>> = (0..config.chains).map(|_| None).collect();
    if threads == 1 {
        // No thread to spawn; same per-chain computation, so the same bits.
        for (c, slot) in outcomes.iter_mut().enumerate() {
            *slot = Some(run_chain(&kernel, config, c as u32, &shared));
        }
    } else {
        let (kernel, shared) = (&kernel, &shared);
        let per_worker: Vec<Vec<(u32, ChainOutcome)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    scope.spawn(move || {
                        (t..config.chains)
                            .step_by(threads as usize)
                            .map(|c| (c, run_chain(kernel, config, c, shared)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                // A worker only panics on a bug in this module; re-raise it rather than hide it.
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        });
        for (c, outcome) in per_worker.into_iter().flatten() {
            outcomes[c as usize] = Some(outcome);
        }
    }

    // Lowest diverged chain first: every chain below it ran to completion (a chain is only
    // cancelled by a lower diverged chain), so this choice does not depend on thread timing.
    let mut chains = Vec::with_capacity(outcomes.len());
    for (c, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            Some(ChainOutcome::Done(sums)) => chains.push(sums),
            Some(ChainOutcome::Diverged(step)) => {
                return Err(SampleError::Diverged {
                    chain: c as u32,
                    step,
                });
            }
            Some(ChainOutcome::Cancelled) | None => {
                // Unreachable: a cancelled chain has a lower diverged chain, returned above.
                return Err(SampleError::Diverged {
                    chain: shared.first_bad.load(Ordering::Relaxed),
                    step: 0,
                });
            }
        }
    }

    Ok(combine(&kernel, &chains, n, samples, config, total_steps))
}

/// Pooled estimates, blocked errors and their diagnostics from all chains' sums (in chain
/// order, so the result does not depend on the thread count).
fn combine(
    kernel: &Kernel,
    chains: &[ChainSums],
    n: usize,
    samples: u64,
    config: &SamplerConfig,
    total_steps: u64,
) -> SampleResult {
    let batches = config.batches as usize;
    // Every chain has the same fine blocks; `group` of them make one reported (coarsest) block.
    let fine = chains.first().map_or(batches, |c| c.counts.len());
    let group = (fine / batches).max(1);
    let total: u64 = chains.iter().flat_map(|c| &c.counts).sum();
    let total_f = total as f64;
    // Coarsest blocks, chain-major: (count, index of the first fine block, chain).
    let coarse: Vec<(f64, usize, &ChainSums)> = chains
        .iter()
        .flat_map(|c| {
            (0..batches).map(move |i| {
                let cnt: u64 = c.counts[i * group..(i + 1) * group].iter().sum();
                (cnt as f64, i * group, c)
            })
        })
        .collect();
    let shortest = chains
        .iter()
        .flat_map(|c| (0..batches).map(move |i| c.counts[i * group..(i + 1) * group].iter().sum::<u64>()))
        .min()
        .unwrap_or(0);
    let judge = Judge {
        block: shortest as f64,
        total: total_f,
        burn_in: config.burn_in as f64,
        thin: config.thin as f64,
    };

    let mut modes = Vec::with_capacity(n);
    let mut loss = 0.0;
    let mut stat_mean = vec![0.0; coarse.len()];
    let mut stat_var = vec![0.0; coarse.len()];
    for k in 0..n {
        let (mut t1, mut t2, mut t3, mut t4) = (0.0, 0.0, 0.0, 0.0);
        for c in chains {
            for j in 0..c.counts.len() {
                t1 += c.s1[j * n + k];
                t2 += c.s2[j * n + k];
            }
            t3 += c.s3[k];
            t4 += c.s4[k];
        }
        let dbar = t1 / total_f;
        let mean = kernel.shift[k] + dbar;
        let variance = t2 / total_f - dbar * dbar;
        loss += mean * mean + variance;
        for (b, &(cnt, first, c)) in coarse.iter().enumerate() {
            let (mut b1, mut b2) = (0.0, 0.0);
            for j in first..first + group {
                b1 += c.s1[j * n + k];
                b2 += c.s2[j * n + k];
            }
            stat_mean[b] = b1 / cnt;
            // Block mean of (d − d̄)² about the pooled d̄: a mean of one per-sample observable.
            stat_var[b] = (b2 - 2.0 * dbar * b1) / cnt + dbar * dbar;
        }
        let se_mean = standard_error(&stat_mean);
        let se_var = standard_error(&stat_var);
        // Per-sample variances: σ² of d, and μ₄ − σ⁴ of (d − d̄)² (central from raw moments).
        let sigma2 = variance.max(0.0);
        let mu4 =
            t4 / total_f - 4.0 * dbar * t3 / total_f + 6.0 * dbar * dbar * t2 / total_f - 3.0 * dbar.powi(4);
        let naive_mean = (sigma2 / total_f).sqrt();
        let naive_var = ((mu4 - sigma2 * sigma2).max(0.0) / total_f).sqrt();
        let tau_mean = tau_int(se_mean, naive_mean);
        let tau_var = tau_int(se_var, naive_var);
        let burn_tau = tau_mean.max(tau_var);
        let mean_ac = judge.assess(tau_mean, naive_mean, burn_tau);
        let var_ac = judge.assess(tau_var, naive_var, burn_tau);
        modes.push(ModeEstimate {
            mean_delta: mean,
            se_mean_delta: se_mean,
            variance,
            se_variance: se_var,
            mean_autocorrelation: mean_ac,
            variance_autocorrelation: var_ac,
            reliable: mean_ac.reliable && var_ac.reliable,
        });
    }

    // The loss: per-sample u = Σ_k Δ_k² − L_GP, blocked at every level from the finest up.
    let (u1, u2): (f64, f64) = chains
        .iter()
        .fold((0.0, 0.0), |(a, b), c| (a + c.u1.iter().sum::<f64>(), b + c.u2));
    let ubar = u1 / total_f;
    let naive_loss = ((u2 / total_f - ubar * ubar).max(0.0) / total_f).sqrt();
    let mut loss_blocking = Vec::new();
    let mut width = 1;
    while width <= group {
        let mut stats = Vec::new();
        let mut shortest = u64::MAX;
        for c in chains {
            for i in 0..fine / width {
                let cnt: u64 = c.counts[i * width..(i + 1) * width].iter().sum();
                let sum: f64 = c.u1[i * width..(i + 1) * width].iter().sum();
                shortest = shortest.min(cnt);
                stats.push(sum / cnt as f64);
            }
        }
        let se = standard_error(&stats);
        loss_blocking.push(BlockingLevel {
            block_samples: shortest,
            blocks: stats.len() as u32,
            se,
            tau_int: tau_int(se, naive_loss),
        });
        width *= 2;
    }
    // The loop ran at least once (width = 1 ≤ group), so `last` is the coarsest level.
    let reported = loss_blocking.last().map_or(f64::NAN, |l| l.se);
    let tau_loss = tau_int(reported, naive_loss);
    let tau_all = modes
        .iter()
        .flat_map(|m| [m.mean_autocorrelation.tau_int, m.variance_autocorrelation.tau_int])
        .chain([tau_loss])
        .fold(0.0, f64::max);
    let loss_ac = judge.assess(tau_loss, naive_loss, tau_all);

    let flagged_modes = modes.iter().filter(|m| !m.reliable).count();
    let verdict = RunVerdict {
        reliable: flagged_modes == 0 && loss_ac.reliable,
        flagged_modes,
        modes: n,
        loss_reliable: loss_ac.reliable,
        max_tau_steps: tau_all * judge.thin,
        min_steps: min_samples(tau_all, config).saturating_mul(config.thin),
        min_burn_in: ceil_u64(MIN_BURN_IN_TAUS * tau_all * judge.thin),
        steps: config.steps,
        burn_in: config.burn_in,
    };
    SampleResult {
        modes,
        loss,
        se_loss: reported,
        loss_autocorrelation: loss_ac,
        loss_blocking,
        verdict,
        samples_per_chain: samples,
        chains: config.chains,
        total_steps,
        batches_total: coarse.len() as u32,
    }
}

/// `½ (se/naive)²`: the integrated autocorrelation time implied by a blocked error (NaN when the
/// naive error is zero or either is not finite).
fn tau_int(se: f64, naive: f64) -> f64 {
    if naive > 0.0 && naive.is_finite() && se.is_finite() {
        0.5 * (se / naive) * (se / naive)
    } else {
        f64::NAN
    }
}

/// Samples per chain the block-length and ESS criteria ask for at `τ_int = tau` (samples).
fn min_samples(tau: f64, config: &SamplerConfig) -> u64 {
    let blocks = ceil_u64(MIN_BLOCK_TAUS * tau).saturating_mul(u64::from(config.batches));
    let ess = ceil_u64(2.0 * tau * MIN_ESS / f64::from(config.chains));
    blocks.max(ess)
}

/// `⌈x⌉` as a count (0 for NaN or negative, saturating at `u64::MAX`).
fn ceil_u64(x: f64) -> u64 {
    // `as` saturates and maps NaN to 0, which is what a count bound wants.
    x.ceil() as u64
}

/// The flag criteria of the module docs ("Run too short") for one run.
struct Judge {
    /// Shortest coarsest block, in samples.
    block: f64,
    /// Samples over all chains.
    total: f64,
    /// Burn-in steps.
    burn_in: f64,
    /// Steps per sample.
    thin: f64,
}

impl Judge {
    /// Diagnostics of an estimate with integrated autocorrelation time `tau` and naive error
    /// `naive`; `burn_tau` is the relaxation time the burn-in is compared with.
    fn assess(&self, tau: f64, naive: f64, burn_tau: f64) -> Autocorrelation {
        let ess = self.total / (2.0 * tau);
        let shortfall = if !(naive > 0.0 && tau.is_finite()) {
            Some(Shortfall::NoFluctuation)
        } else if self.block < MIN_BLOCK_TAUS * tau {
            Some(Shortfall::BlocksTooShort)
        } else if ess < MIN_ESS {
            Some(Shortfall::FewEffectiveSamples)
        } else if self.burn_in < MIN_BURN_IN_TAUS * burn_tau * self.thin {
            Some(Shortfall::BurnInTooShort)
        } else {
            None
        };
        Autocorrelation {
            tau_int: tau,
            ess,
            se_naive: naive,
            reliable: shortfall.is_none(),
            shortfall,
        }
    }
}

/// `sd(xs)/√len` with the `len − 1` sample standard deviation (two passes, for accuracy).
fn standard_error(xs: &[f64]) -> f64 {
    let len = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / len;
    let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
    (ss / (len - 1.0) / len).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dt: f64, steps: u64, chains: u32, threads: u32, seed: u64) -> SamplerConfig {
        SamplerConfig {
            dt,
            steps,
            burn_in: 2_000,
            thin: 10,
            chains,
            threads,
            seed,
            batches: 20,
            progress: Progress::none(),
        }
    }

    /// `|got − want| ≤ 4 SE`, with a message naming what failed.
    fn within(what: &str, got: f64, se: f64, want: f64) {
        assert!(se.is_finite() && se > 0.0, "{what}: bad SE {se}");
        assert!(
            (got - want).abs() <= 4.0 * se,
            "{what}: sampled {got} ± {se}, exact {want} ({:.1} SE)",
            (got - want) / se
        );
    }

    /// At U = 0 the integrator is exact, so even a coarse dt = 0.01 (A_max dt ≈ 0.6, where
    /// Euler–Maruyama would be biased by ~30% on the stiff modes) must reproduce the GP.
    #[test]
    fn gp_exact_at_u0() {
        let system = LangevinSystem::power_law(30, 0.2, 0.3, 4.0);
        let cfg = config(0.01, 200_000, 2, 2, 7);
        let res = sample(&system, &cfg).expect("sample");
        let exact = system.gp_moments();
        let mut exact_loss = 0.0;
        for (k, (m, (dm, dv))) in res.modes.iter().zip(exact).enumerate() {
            within(&format!("mean[{k}]"), m.mean_delta, m.se_mean_delta, dm);
            within(&format!("var[{k}]"), m.variance, m.se_variance, dv);
            exact_loss += dm * dm + dv;
        }
        within("loss", res.loss, res.se_loss, exact_loss);
        assert_eq!(res.samples_per_chain, 20_000);
        assert_eq!(res.batches_total, 40);
        assert_eq!(res.total_steps, 2 * 202_000);
    }

    fn bits(r: &SampleResult) -> Vec<u64> {
        let mut v: Vec<u64> = r
            .modes
            .iter()
            .flat_map(|m| [m.mean_delta, m.se_mean_delta, m.variance, m.se_variance])
            .map(f64::to_bits)
            .collect();
        v.extend(r.modes.iter().flat_map(|m| {
            [m.mean_autocorrelation, m.variance_autocorrelation]
                .into_iter()
                .flat_map(|a| {
                    [
                        a.tau_int.to_bits(),
                        a.ess.to_bits(),
                        a.se_naive.to_bits(),
                        u64::from(a.reliable),
                    ]
                })
        }));
        v.extend(
            r.loss_blocking
                .iter()
                .flat_map(|l| [l.se.to_bits(), l.tau_int.to_bits()]),
        );
        v.extend([
            r.loss.to_bits(),
            r.se_loss.to_bits(),
            r.loss_autocorrelation.tau_int.to_bits(),
            r.verdict.min_steps,
            r.verdict.min_burn_in,
            r.samples_per_chain,
            r.total_steps,
        ]);
        v
    }

    #[test]
    fn deterministic_across_threads() {
        let mut system = LangevinSystem::power_law(12, 0.2, 0.3, 10.0);
        let n = system.lambda.len();
        let w: Vec<f64> = system.lambda.iter().map(|l| 1.0 / l).collect();
        system.separable.push(Separable {
            coupling_over_n: 0.05 / n as f64,
            weight: w,
        });
        system.diagonal.push(Diagonal {
            coupling: 0.05,
            weight: system.lambda.iter().map(|l| 1.0 / (l * l)).collect(),
        });
        let one = sample(&system, &config(1e-3, 20_000, 3, 1, 99)).expect("threads = 1");
        let two = sample(&system, &config(1e-3, 20_000, 3, 2, 99)).expect("threads = 2");
        let three = sample(&system, &config(1e-3, 20_000, 3, 8, 99)).expect("threads = 8");
        assert_eq!(bits(&one), bits(&two));
        assert_eq!(bits(&one), bits(&three));
        let other = sample(&system, &config(1e-3, 20_000, 3, 2, 100)).expect("other seed");
        assert_ne!(bits(&one), bits(&other), "the seed must matter");
    }

    /// The observer sees every step exactly once, ends at the total, and never changes the bits.
    #[test]
    fn progress_is_observed_without_changing_the_result() {
        use std::sync::Mutex;
        let system = LangevinSystem::power_law(6, 0.2, 0.3, 10.0);
        // 2 chains × (2 000 burn-in + ⌊250 000/10⌋·10 steps), from the module docs' run length.
        let total = 2 * (2_000 + 250_000);
        for threads in [1, 2] {
            let quiet = sample(&system, &config(1e-3, 250_000, 2, threads, 5)).expect("quiet run");
            let calls = Arc::new(Mutex::new(Vec::new()));
            let seen = Arc::clone(&calls);
            let observed = SamplerConfig {
                progress: Progress::new(move |done, of| {
                    seen.lock().unwrap_or_else(|e| e.into_inner()).push((done, of));
                }),
                ..config(1e-3, 250_000, 2, threads, 5)
            };
            let loud = sample(&system, &observed).expect("observed run");
            assert_eq!(bits(&quiet), bits(&loud), "threads = {threads}");
            let calls = calls.lock().unwrap_or_else(|e| e.into_inner()).clone();
            assert_eq!(calls.first(), Some(&(0, total)), "threads = {threads}");
            assert!(calls.iter().all(|&(_, of)| of == total));
            // Reports are running totals, so the largest is the sum of all steps taken.
            assert_eq!(
                calls.iter().map(|c| c.0).max(),
                Some(total),
                "threads = {threads}"
            );
            // 2 chains × ⌊252 000/100 000⌋ ticks, plus one flush per chain and the initial call.
            assert_eq!(calls.len(), 1 + 2 * 2 + 2, "threads = {threads}");
        }
    }

    #[test]
    fn invalid_inputs_are_named() {
        let system = LangevinSystem::power_law(5, 0.2, 0.3, 4.0);
        let good = config(1e-3, 1_000, 1, 1, 0);
        let cfg_field = |c: SamplerConfig| match sample(&system, &c) {
            Err(SampleError::InvalidConfig { field, .. }) => field,
            other => panic!("expected InvalidConfig, got {other:?}"),
        };
        assert_eq!(
            cfg_field(SamplerConfig {
                dt: 0.0,
                ..good.clone()
            }),
            "dt"
        );
        assert_eq!(
            cfg_field(SamplerConfig {
                dt: f64::NAN,
                ..good.clone()
            }),
            "dt"
        );
        assert_eq!(
            cfg_field(SamplerConfig {
                thin: 0,
                ..good.clone()
            }),
            "thin"
        );
        assert_eq!(
            cfg_field(SamplerConfig {
                batches: 1,
                ..good.clone()
            }),
            "batches"
        );
        assert_eq!(
            cfg_field(SamplerConfig {
                chains: 0,
                ..good.clone()
            }),
            "chains"
        );
        assert_eq!(
            cfg_field(SamplerConfig {
                threads: 0,
                ..good.clone()
            }),
            "threads"
        );
        assert_eq!(
            cfg_field(SamplerConfig {
                steps: 19 * 10,
                batches: 20,
                ..good.clone()
            }),
            "steps"
        );
        assert_eq!(
            cfg_field(SamplerConfig {
                steps: u64::MAX,
                burn_in: u64::MAX,
                ..good.clone()
            }),
            "steps"
        );

        let sys_field = |s: LangevinSystem, c: &SamplerConfig| match sample(&s, c) {
            Err(SampleError::InvalidSystem { field, .. }) => field,
            other => panic!("expected InvalidSystem, got {other:?}"),
        };
        let mut s = system.clone();
        s.lambda[2] = -1.0;
        assert_eq!(sys_field(s, &good), "lambda[2]");
        let mut s = system.clone();
        s.target.pop();
        assert_eq!(sys_field(s, &good), "target");
        let mut s = system.clone();
        s.target[4] = f64::INFINITY;
        assert_eq!(sys_field(s, &good), "target[4]");
        let mut s = system.clone();
        s.p_over_r = -1.0;
        assert_eq!(sys_field(s, &good), "p_over_r");
        let mut s = system.clone();
        s.separable.push(Separable {
            coupling_over_n: 0.1,
            weight: vec![1.0; 4],
        });
        assert_eq!(sys_field(s, &good), "separable[0].weight");
        let mut s = system.clone();
        s.diagonal.push(Diagonal {
            coupling: -0.1,
            weight: vec![1.0; 5],
        });
        assert_eq!(sys_field(s, &good), "diagonal[0].coupling");
        let mut s = system.clone();
        s.diagonal.push(Diagonal {
            coupling: 0.1,
            weight: vec![1.0, 1.0, -1.0, 1.0, 1.0],
        });
        assert_eq!(sys_field(s, &good), "diagonal[0].weight[2]");
        assert_eq!(
            sys_field(
                LangevinSystem {
                    lambda: vec![],
                    target: vec![],
                    ..system.clone()
                },
                &good
            ),
            "lambda"
        );

        // dt bound applies only with an interaction: fine at U = 0, refused at U > 0.
        let coarse = SamplerConfig {
            dt: 0.5,
            ..good.clone()
        };
        assert!(sample(&system, &coarse).is_ok());
        let mut s = system.clone();
        s.diagonal.push(Diagonal {
            coupling: 0.1,
            weight: vec![1.0; 5],
        });
        assert!(matches!(
            sample(&s, &coarse),
            Err(SampleError::InvalidConfig { field: "dt", .. })
        ));
    }

    #[test]
    fn divergence_is_an_error_not_a_panic() {
        // A huge explicit quartic force with a step at the allowed edge blows up quickly.
        let system = LangevinSystem {
            lambda: vec![1.0],
            target: vec![1.0],
            p_over_r: 0.0,
            separable: vec![],
            diagonal: vec![Diagonal {
                coupling: 1e6,
                weight: vec![1.0],
            }],
        };
        let cfg = SamplerConfig {
            dt: 0.9,
            ..config(0.9, 10_000, 2, 2, 1)
        };
        match sample(&system, &cfg) {
            Err(SampleError::Diverged { chain: 0, step }) => {
                assert!(step > 0 && step <= 12_000, "step {step}")
            }
            other => panic!("expected Diverged on chain 0, got {other:?}"),
        }
    }

    /// Composite Simpson rule on `[lo, hi]` with `2·half` intervals.
    fn simpson(lo: f64, hi: f64, half: usize, g: impl Fn(f64) -> f64) -> f64 {
        let m = 2 * half;
        let h = (hi - lo) / m as f64;
        let mut s = g(lo) + g(hi);
        for i in 1..m {
            s += if i % 2 == 1 { 4.0 } else { 2.0 } * g(lo + i as f64 * h);
        }
        s * h / 3.0
    }

    /// One mode with the diagonal quartic (U = 0.5, c = 1/λ²) against the 1-D posterior by
    /// quadrature; the quartic shifts the moments by many SE, so the comparison has teeth.
    #[test]
    fn diagonal_quartic_one_mode_matches_quadrature() {
        let (l, y, x, u) = (0.5, 1.0, 2.0, 0.5);
        let action =
            |f: f64| f * f / (2.0 * l) + 0.5 * x * (f - y) * (f - y) + 0.25 * u * f.powi(4) / (l * l);
        let z = simpson(-8.0, 8.0, 20_000, |f| (-action(f)).exp());
        let m1 = simpson(-8.0, 8.0, 20_000, |f| f * (-action(f)).exp()) / z;
        let m2 = simpson(-8.0, 8.0, 20_000, |f| f * f * (-action(f)).exp()) / z;
        let (mean, var) = (y - m1, m2 - m1 * m1);

        let system = LangevinSystem {
            lambda: vec![l],
            target: vec![y],
            p_over_r: x,
            separable: vec![],
            diagonal: vec![Diagonal {
                coupling: u,
                weight: vec![1.0 / (l * l)],
            }],
        };
        let res = sample(&system, &config(1e-3, 4_000_000, 2, 2, 3)).expect("sample");
        let m = &res.modes[0];
        within("mean", m.mean_delta, m.se_mean_delta, mean);
        within("var", m.variance, m.se_variance, var);
        within("loss", res.loss, res.se_loss, mean * mean + var);
        let (gp_mean, gp_var) = system.gp_moments()[0];
        assert!(
            (gp_mean - mean).abs() > 10.0 * m.se_mean_delta,
            "quartic shift of the mean not resolved"
        );
        assert!(
            (gp_var - var).abs() > 10.0 * m.se_variance,
            "quartic shift of the variance not resolved"
        );
    }

    /// Two modes coupled by a separable quartic plus a diagonal one, against 2-D quadrature:
    /// checks the cross-mode force `(U/N) Q w_k f_k` and that terms add.
    #[test]
    fn separable_two_modes_matches_quadrature() {
        let (lam, y, x) = ([1.0, 0.5], [1.0, 0.7], 2.0);
        let w = [1.0 / lam[0], 1.0 / lam[1]];
        let (g, u_diag) = (0.5 / 2.0, 0.1);
        let c = [1.0 / (lam[0] * lam[0]), 1.0 / (lam[1] * lam[1])];
        let action = |f0: f64, f1: f64| {
            let q = w[0] * f0 * f0 + w[1] * f1 * f1;
            f0 * f0 / (2.0 * lam[0])
                + f1 * f1 / (2.0 * lam[1])
                + 0.5 * x * ((f0 - y[0]).powi(2) + (f1 - y[1]).powi(2))
                + 0.25 * g * q * q
                + 0.25 * u_diag * (c[0] * f0.powi(4) + c[1] * f1.powi(4))
        };
        let (lo, hi, half) = (-5.0, 5.0, 400);
        let moment = |p: &dyn Fn(f64, f64) -> f64| {
            simpson(lo, hi, half, |a| {
                simpson(lo, hi, half, |b| p(a, b) * (-action(a, b)).exp())
            })
        };
        let z = moment(&|_, _| 1.0);
        let f_mean = [moment(&|a, _| a) / z, moment(&|_, b| b) / z];
        let f_sq = [moment(&|a, _| a * a) / z, moment(&|_, b| b * b) / z];

        let system = LangevinSystem {
            lambda: lam.to_vec(),
            target: y.to_vec(),
            p_over_r: x,
            separable: vec![Separable {
                coupling_over_n: g,
                weight: w.to_vec(),
            }],
            diagonal: vec![Diagonal {
                coupling: u_diag,
                weight: c.to_vec(),
            }],
        };
        let res = sample(&system, &config(1e-3, 4_000_000, 2, 2, 11)).expect("sample");
        let mut loss = 0.0;
        for k in 0..2 {
            let (mean, var) = (y[k] - f_mean[k], f_sq[k] - f_mean[k] * f_mean[k]);
            let m = &res.modes[k];
            within(&format!("mean[{k}]"), m.mean_delta, m.se_mean_delta, mean);
            within(&format!("var[{k}]"), m.variance, m.se_variance, var);
            loss += mean * mean + var;
        }
        within("loss", res.loss, res.se_loss, loss);
    }

    #[test]
    fn general_separable_path_matches_single() {
        // Two separable terms with weights w and 0 must give the same chain as one term with w:
        // the general (ns ≥ 2) loop against the specialised one.
        let base = LangevinSystem::power_law(8, 0.2, 0.3, 10.0);
        let w: Vec<f64> = base.lambda.iter().map(|l| 1.0 / l).collect();
        let mut one = base.clone();
        one.separable.push(Separable {
            coupling_over_n: 0.1,
            weight: w.clone(),
        });
        let mut two = base.clone();
        two.separable.push(Separable {
            coupling_over_n: 0.1,
            weight: w,
        });
        two.separable.push(Separable {
            coupling_over_n: 0.3,
            weight: vec![0.0; 8],
        });
        let cfg = config(1e-3, 10_000, 1, 1, 5);
        let (a, b) = (sample(&one, &cfg).expect("one"), sample(&two, &cfg).expect("two"));
        for (p, q) in a.modes.iter().zip(&b.modes) {
            assert!((p.mean_delta - q.mean_delta).abs() <= 1e-12 && (p.variance - q.variance).abs() <= 1e-12);
        }
    }

    /// One mode, slow relative to a short run: `A = 1/λ + x = 0.5`, so at `dt = 0.01` and
    /// `thin = 10` consecutive samples have correlation `ρ = e^{−0.05}`.
    fn slow_mode(u: f64) -> LangevinSystem {
        let l = 4.0;
        LangevinSystem {
            lambda: vec![l],
            target: vec![1.0],
            p_over_r: 0.25,
            separable: vec![],
            diagonal: if u > 0.0 {
                vec![Diagonal {
                    coupling: u,
                    weight: vec![1.0 / (l * l)],
                }]
            } else {
                vec![]
            },
        }
    }

    /// Long enough for the slow mode: 4 chains × 5·10⁴ samples, 50 blocks of 10³ samples per chain
    /// (≈ 50 τ_int), burn-in 2·10³ steps (≈ 10 τ_int).
    fn long_run(seed: u64) -> SamplerConfig {
        SamplerConfig {
            batches: 50,
            ..config(0.01, 500_000, 4, 2, seed)
        }
    }

    /// `⟨Δ⟩` and `⟨Δ²⟩_c` of one mode with `S(f) = f²/(2λ) + (x/2)(f − y)² + (U/4) c f⁴` by composite
    /// Simpson quadrature on `[−30, 30]`, checked against the same rule with half the step.
    fn one_mode_quadrature(l: f64, y: f64, x: f64, u: f64, c: f64) -> (f64, f64) {
        let action = |f: f64| f * f / (2.0 * l) + 0.5 * x * (f - y) * (f - y) + 0.25 * u * c * f.powi(4);
        let moments = |half: usize| {
            let z = simpson(-30.0, 30.0, half, |f| (-action(f)).exp());
            let m1 = simpson(-30.0, 30.0, half, |f| f * (-action(f)).exp()) / z;
            let m2 = simpson(-30.0, 30.0, half, |f| (f - m1) * (f - m1) * (-action(f)).exp()) / z;
            (y - m1, m2)
        };
        let (fine, coarse) = (moments(40_000), moments(20_000));
        assert!(
            (fine.0 - coarse.0).abs() <= 1e-10 * fine.0.abs() && (fine.1 - coarse.1).abs() <= 1e-10 * fine.1,
            "quadrature not converged: {fine:?} vs {coarse:?}"
        );
        fine
    }

    /// At U = 0, `d = m − f` is an exact AR(1) sequence at the sampled times with
    /// `ρ = exp(−A·thin·dt)`, so `τ_int = ½(1 + ρ)/(1 − ρ)` for the mean and, since `(d − d̄)²` has
    /// autocorrelation `ρ²` for a Gaussian, the same with `ρ²` for the variance: the blocked
    /// estimates must match these closed forms within their statistical error (`M = 200` blocks:
    /// `SE²` is uncertain by `√(2/199) ≈ 10%`; the bias from blocks of `≈ 50 τ` is `≈ 2%`).
    #[test]
    fn tau_int_matches_the_ou_closed_form_at_u0() {
        let system = slow_mode(0.0);
        let cfg = long_run(21);
        let res = sample(&system, &cfg).expect("sample");
        let a = 1.0 / system.lambda[0] + system.p_over_r;
        let rho = (-a * cfg.thin as f64 * cfg.dt).exp();
        let tau = |r: f64| 0.5 * (1.0 + r) / (1.0 - r);
        let m = &res.modes[0];
        for (what, ac, want) in [
            ("mean", m.mean_autocorrelation, tau(rho)),
            ("variance", m.variance_autocorrelation, tau(rho * rho)),
        ] {
            assert!(ac.reliable, "{what}: {ac:?}");
            assert!(
                (ac.tau_int / want - 1.0).abs() <= 0.3,
                "{what}: τ_int {} vs the OU value {want}",
                ac.tau_int
            );
            let n = (res.samples_per_chain * u64::from(res.chains)) as f64;
            assert!((ac.ess - n / (2.0 * ac.tau_int)).abs() <= 1e-9 * ac.ess);
        }
        // The GP moments are exact here; the honest SEs must cover them.
        let (gm, gv) = system.gp_moments()[0];
        // The loss Δ² of a Gaussian Δ ~ N(μ, σ²): Cov(Δ₀², Δ_t²) = 2σ⁴ρ^{2t} + 4μ²σ²ρ^t, so
        // τ_int is the variance-weighted average of τ(ρ²) and τ(ρ).
        let (w2, w1) = (2.0 * gv * gv, 4.0 * gm * gm * gv);
        let want = (w2 * tau(rho * rho) + w1 * tau(rho)) / (w2 + w1);
        let got = res.loss_autocorrelation.tau_int;
        assert!((got / want - 1.0).abs() <= 0.3, "loss: τ_int {got} vs {want}");
        within("mean", m.mean_delta, m.se_mean_delta, gm);
        within("var", m.variance, m.se_variance, gv);
        within("loss", res.loss, res.se_loss, gm * gm + gv);
        assert!(res.verdict.reliable, "{:?}", res.verdict);
        assert_eq!(res.verdict.advice(), None);
        // The loss scan: finest level first, the reported one last, τ_int rising to the plateau.
        let scan = &res.loss_blocking;
        assert_eq!(scan.len(), 5, "{scan:?}");
        assert_eq!(scan.last().map(|l| l.se), Some(res.se_loss));
        assert_eq!(scan.last().map(|l| l.blocks), Some(res.batches_total));
        assert!(scan[0].tau_int < scan[4].tau_int, "{scan:?}");
    }

    /// The reviewer's failure: a short run of a slowly relaxing mode reports a tiny SE. It must be
    /// flagged (never "within 3 SE"); a long run of the same model must be unflagged and agree with
    /// an independent quadrature of the one-mode posterior within 4 SE.
    #[test]
    fn short_runs_are_flagged_and_long_runs_match_quadrature() {
        let u = 2.0;
        let system = slow_mode(u);
        let (mean, var) = one_mode_quadrature(4.0, 1.0, 0.25, u, 1.0 / 16.0);

        let short = SamplerConfig {
            burn_in: 200,
            ..config(0.01, 5_000, 2, 2, 4)
        };
        let res = sample(&system, &short).expect("short run");
        let m = &res.modes[0];
        assert!(!m.reliable, "{m:?}");
        assert!(
            !m.mean_autocorrelation.reliable && !m.variance_autocorrelation.reliable,
            "{m:?}"
        );
        assert_eq!(m.mean_autocorrelation.shortfall, Some(Shortfall::BlocksTooShort));
        assert!(!res.loss_autocorrelation.reliable);
        assert!(!res.verdict.reliable && res.verdict.flagged_modes == 1);
        assert!(res.verdict.min_steps > short.steps, "{:?}", res.verdict);
        let advice = res.verdict.advice().expect("advice for a short run");
        assert!(
            advice.contains("1 of 1 modes and the loss have unreliable")
                && advice.contains("steps per chain"),
            "{advice}"
        );

        let cfg = long_run(5);
        let res = sample(&system, &cfg).expect("long run");
        let m = &res.modes[0];
        assert!(m.reliable && res.verdict.reliable, "{m:?} {:?}", res.verdict);
        within("mean", m.mean_delta, m.se_mean_delta, mean);
        within("var", m.variance, m.se_variance, var);
        within("loss", res.loss, res.se_loss, mean * mean + var);
        let (gm, gv) = system.gp_moments()[0];
        assert!(
            (gv - var).abs() > 10.0 * m.se_variance && (gm - mean).abs() > 4.0 * m.se_mean_delta,
            "the quartic's shift is not resolved: GP ({gm}, {gv}), exact ({mean}, {var}), {m:?}"
        );
    }

    /// Burn-in shorter than the relaxation is flagged even when the blocks are long enough.
    #[test]
    fn short_burn_in_is_flagged() {
        let cfg = SamplerConfig {
            burn_in: 10,
            ..long_run(8)
        };
        let res = sample(&slow_mode(0.0), &cfg).expect("sample");
        let m = &res.modes[0];
        assert_eq!(
            m.mean_autocorrelation.shortfall,
            Some(Shortfall::BurnInTooShort),
            "{m:?}"
        );
        assert!(!res.verdict.reliable);
        assert!(res.verdict.min_burn_in > cfg.burn_in && res.verdict.min_steps <= cfg.steps);
        let advice = res.verdict.advice().expect("advice");
        assert!(
            advice.contains("burn-in") && !advice.contains("steps per chain"),
            "{advice}"
        );
    }
}
