//! `renorm rg …`: the command-line face of the RG layer (the work lives in `renorm::rg`).

use super::io::{self as cli_io, note};
use clap::{Args, Subcommand, ValueEnum};
use renorm::atomic_write::write_atomic;
use renorm::contract;
use renorm::numeric::{Precision, format};
use renorm::rg::model::parse_exact;
use renorm::rg::sample::{Progress, SamplerConfig};
use renorm::rg::{self, Model};
use renorm::{Error, Result};
use rug::Rational;
use std::cell::RefCell;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, ValueEnum)]
pub enum TableFormat {
    Md,
    Csv,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ValueFormat {
    Text,
    Json,
}

/// Langevin sampler settings (docs/theory.md §3.6; defaults: the paper's `δt`, thinning and
/// equilibration, `2 × 2.5·10⁷ = 5·10⁷` steps).
#[derive(Args, Clone)]
pub struct SamplerArgs {
    /// Time step δt (an exact decimal, e.g. 1e-4).
    #[arg(long, default_value = "1e-4")]
    dt: String,
    /// Steps per chain after equilibration (e.g. 2.5e7).
    #[arg(long, default_value = "2.5e7")]
    steps: String,
    /// Equilibration steps per chain.
    #[arg(long, default_value = "2e4")]
    burn_in: String,
    /// Record a sample every this many steps.
    #[arg(long, default_value_t = 10)]
    thin: u64,
    /// Independent chains.
    #[arg(long, default_value_t = 2)]
    chains: u32,
    /// OS threads (results do not depend on it).
    #[arg(long, default_value_t = 2)]
    threads: u32,
    /// Seed (chain c uses stream c of this seed).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Blocks per chain for the blocked standard errors (the coarsest blocking level; τ_int, the
    /// effective sample size and the "run too short" flag are computed there).
    #[arg(long, default_value_t = 50)]
    batches: u32,
}

/// Largest `rg flow --tau-max`: τ = ln ℓ = 100 puts the cutoff e¹⁰⁰ ≈ 10⁴³ modes out, far past
/// the largest model (10⁵ modes, τ ≈ 11.5), where the flow has long stopped moving.
const MAX_FLOW_TAU: u32 = 100;

/// Most output intervals of `rg flow --points` (rows of the trajectory).
const MAX_FLOW_POINTS: u32 = 100_000;

/// Most field-plot panels of `rg flow --panels`.
const MAX_FLOW_PANELS: usize = 16;

fn count(text: &str, flag: &str) -> Result<u64> {
    parse_exact(text)
        .filter(|q| *q.denom() == 1 && *q >= 0)
        .and_then(|q| q.numer().to_u64())
        .ok_or_else(|| {
            Error::Usage(format!(
                "{flag}: `{text}` is not a non-negative integer (e.g. 2.5e7)"
            ))
        })
}

/// The sampler's progress bar on stderr; cleared when dropped, so also when sampling fails.
struct SamplerBar(indicatif::ProgressBar);

impl Drop for SamplerBar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// A progress bar fed by the sampler's observer, when stderr is a terminal and neither
/// `--no-progress` nor `--quiet` is given.
fn sampler_bar() -> (Progress, Option<SamplerBar>) {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    if !cli_io::progress_wanted() {
        return (Progress::none(), None);
    }
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} steps ({per_sec:0}, ETA {eta})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(style);
    let feed = bar.clone();
    let progress = Progress::new(move |done, total| {
        // Each sampling run (transfer runs three) starts with `done = 0`: restart the clock.
        if done == 0 {
            feed.reset();
            feed.set_length(total);
        } else if done > feed.position() {
            // Worker threads report running totals, possibly slightly out of order.
            feed.set_position(done);
        }
    });
    (progress, Some(SamplerBar(bar)))
}

impl SamplerArgs {
    /// The sampler settings, and the progress bar (if any) to keep alive while sampling.
    fn config(&self) -> Result<(SamplerConfig, Option<SamplerBar>)> {
        let dt = parse_exact(&self.dt)
            .filter(|q| *q > 0)
            .ok_or_else(|| Error::Usage(format!("--dt: `{}` is not a positive number", self.dt)))?;
        let (progress, bar) = sampler_bar();
        let config = SamplerConfig {
            dt: dt.to_f64(),
            steps: count(&self.steps, "--steps")?,
            burn_in: count(&self.burn_in, "--burn-in")?,
            thin: self.thin,
            chains: self.chains,
            threads: self.threads,
            seed: self.seed,
            batches: self.batches,
            progress,
        };
        Ok((config, bar))
    }
}

#[derive(Subcommand)]
pub enum RgCommand {
    /// Learning curve of the GP (docs/theory.md §3.4): bias, variance, loss per sample with
    /// certified enclosures, continuum values and log-log slopes.
    Curve {
        /// Spectral exponent α (exact, e.g. 1/5).
        #[arg(long)]
        alpha: String,
        /// Target exponent β (exact, e.g. 3/10).
        #[arg(long)]
        beta: String,
        /// x = P/r (exact, e.g. 1e3); up to 1e15.
        #[arg(long)]
        p_over_r: String,
        /// Sum only the modes k ≤ N (default: all modes).
        #[arg(long)]
        modes: Option<u64>,
        /// Significant digits.
        #[arg(long, default_value_t = 30)]
        digits: u32,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: ValueFormat,
        /// Write here (atomically; missing folders are created) instead of standard output
        /// (`-`: standard output).
        #[arg(long, visible_alias = "out")]
        output: Option<PathBuf>,
    },
    /// Per-mode predictions: exact GP, first order in U, renormalized theory (ℓ = Λ/k matching).
    Predict {
        /// Model spec (TOML; see README and examples/rg/; `-`: standard input).
        model: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "md")]
        format: TableFormat,
        /// Working precision of the predictions, in digits.
        #[arg(long, default_value_t = 30)]
        digits: u32,
        /// Also compute the exact moments by quadrature (no interaction, one separable term, or
        /// diagonal terms only; N ≤ 10 000) and each method's error against them.
        #[arg(long)]
        exact: bool,
        /// Write here (atomically; missing folders are created) instead of standard output
        /// (`-`: standard output).
        #[arg(long, visible_alias = "out")]
        output: Option<PathBuf>,
    },
    /// Langevin sampling of a model against the predictions (Fig. 3 structure): table and SVG.
    /// Each sampled estimate carries its integrated autocorrelation time τ_int and effective
    /// sample size; when the run is too short for an estimate's standard error it is flagged,
    /// not compared, and the output says which of --steps, --dt, --burn-in to raise.
    Sample {
        /// Model spec (TOML; `-`: standard input).
        model: PathBuf,
        #[command(flatten)]
        sampler: SamplerArgs,
        /// Folder for table.{md,csv,json} and figure.svg (created if missing; not `-`).
        #[arg(long, visible_alias = "out", default_value = "rg-sample")]
        output: PathBuf,
    },
    /// The continuum one-loop flow of (ũ, ρ, A, S²) from the model's bare couplings
    /// (docs/theory.md §3.2): trajectory (JSON, CSV), nullclines, fixed points, and a Fig.-2-style
    /// SVG flow field.
    Flow {
        /// Model spec (TOML; `-`: standard input); its separable term gives U and ω (none: U = 0,
        /// the GP).
        model: PathBuf,
        /// Integrate to this τ = ln ℓ (default ln N: the cutoff reaches the first mode).
        #[arg(long)]
        tau_max: Option<String>,
        /// Output intervals: the trajectory is written at τ = 0, T/n, 2T/n, …, T.
        #[arg(long, default_value_t = 40)]
        points: u32,
        /// Correct significant digits requested from the integrator (error control).
        #[arg(long, default_value_t = 20)]
        digits: u32,
        /// Switch off the loop terms (tree level).
        #[arg(long)]
        tree_level: bool,
        /// Field-plot panels at these τ (comma-separated exact numbers).
        #[arg(long, value_delimiter = ',', default_value = "0,1,2,3")]
        panels: Vec<String>,
        /// Visible ũ range of the field plot, as lo,hi.
        #[arg(long, value_delimiter = ',', default_value = "0,2.5")]
        u_range: Vec<f64>,
        /// Visible ρ range of the field plot, as lo,hi.
        #[arg(long, value_delimiter = ',', default_value = "0,2")]
        rho_range: Vec<f64>,
        /// Folder for trajectory.{json,csv} and flow.svg (created if missing; not `-`).
        #[arg(long, visible_alias = "out", default_value = "rg-flow")]
        output: PathBuf,
    },
    /// Scaling intervals and relevance of each perturbation (docs/theory.md §3.3), decided by the
    /// rule engine, with its derivation trail.
    Classify {
        /// Model spec (TOML; `-`: standard input).
        model: PathBuf,
        /// Window start ℓ₁ ≥ 1.
        #[arg(long, default_value = "1")]
        ell_min: String,
        /// Window end ℓ₂ (≤ N/3 keeps two modes below the cutoff).
        #[arg(long, default_value = "20")]
        ell_max: String,
        /// Linearize at x = 0 (every mode unlearned) instead of the model's P/r.
        #[arg(long)]
        unlearned: bool,
        /// Significant digits of the enclosures.
        #[arg(long, default_value_t = 20)]
        digits: u32,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: ValueFormat,
        /// Write here (atomically; missing folders are created) instead of standard output
        /// (`-`: standard output).
        #[arg(long, visible_alias = "out")]
        output: Option<PathBuf>,
    },
    /// The scaling law (Fig. 5 structure): ⟨L⟩/P against P at the model's r and N, U = 0 and the
    /// model's couplings, discrete sums against continuum forms.
    Scaling {
        /// Model spec (TOML; `-`: standard input); its P is replaced by the sweep.
        model: PathBuf,
        /// Smallest P.
        #[arg(long, default_value = "10")]
        p_min: String,
        /// Largest P.
        #[arg(long, default_value = "1e4")]
        p_max: String,
        /// Number of log-spaced sizes.
        #[arg(long, default_value_t = 10)]
        points: u32,
        /// Folder for scaling.{md,json} and figure.svg (created if missing; not `-`).
        #[arg(long, visible_alias = "out", default_value = "rg-scaling")]
        output: PathBuf,
    },
    /// Hyperparameter transfer (docs/theory.md §3.5): map (P, r, U) to (P′, r̃, Ũ) on the same
    /// trajectory; with --sample, validate by sampling (Fig. 4 structure).
    Transfer {
        /// Model spec of system 1 (TOML; `-`: standard input).
        model: PathBuf,
        /// The smaller data set size P′.
        #[arg(long)]
        p_prime: String,
        /// Sample systems 1, 2 (naive) and 3 (transferred) and compare.
        #[arg(long)]
        sample: bool,
        #[command(flatten)]
        sampler: SamplerArgs,
        /// Folder for the outputs (with --sample; created if missing; not `-`).
        #[arg(long, visible_alias = "out", default_value = "rg-transfer")]
        output: PathBuf,
    },
}

/// Reads a model spec from a file or, for `-`, standard input.
fn read_model(path: &Path) -> Result<Model> {
    let (text, name) = cli_io::read_document(path)?;
    Model::from_toml(&text, &name)
}

fn exact_flag(text: &str, flag: &str) -> Result<Rational> {
    parse_exact(text).ok_or_else(|| {
        Error::Usage(format!(
            "{flag}: `{text}` is not an exact number (e.g. 1/5, 0.3, 1e3)"
        ))
    })
}

/// Rejects digit counts that are zero or would make an `O(N²)` MPFR analysis run for hours.
fn check_digits(digits: u32, max: u32) -> Result<()> {
    if digits == 0 || digits > max {
        return Err(Error::Usage(format!(
            "--digits must be in 1..={max}, got {digits}"
        )));
    }
    Ok(())
}

/// Writes a report to `output`, or standard output for none or `-`.
fn emit(output: Option<&Path>, text: &str) -> Result<()> {
    cli_io::write_output(output, text.as_bytes())
}

/// `fixed_points.json` of `rg flow` (`renorm.rg.flow.fixed_points/1`).
#[derive(serde::Serialize)]
struct FixedPointsDoc<'a> {
    fixed_points: &'a [rg::classify::FixedPointReport],
}

/// `scaling.json` of `rg scaling` (`renorm.rg.scaling/1`).
#[derive(serde::Serialize)]
struct ScalingDoc<'a> {
    points: &'a [rg::scaling::Point],
}

/// The output of `rg transfer` (`renorm.rg.transfer/1`), with or without `--sample`.
#[derive(serde::Serialize)]
struct TransferDoc<'a> {
    ell_star: String,
    modes_integrated: u64,
    amplitude: String,
    coupling: String,
    transferred: &'a Model,
    naive: &'a Model,
    validity: TransferValidity<'a>,
    /// The sampled validation (`--sample`), else `null`.
    validation: Option<&'a rg::experiments::TransferValidation>,
}

/// The validity of the predictions for the system transferred from and the one transferred to.
#[derive(serde::Serialize)]
struct TransferValidity<'a> {
    system: &'a rg::validity::Validity,
    transferred: &'a rg::validity::Validity,
}

/// `value` as pretty JSON labelled with its `schema` (the JSON contract, `renorm::contract`).
fn json<T: serde::Serialize>(schema: &'static str, value: &T) -> Result<String> {
    contract::to_json(schema, value)
}

/// The library names options by their fields (`p_prime`, sampler `dt`); here they are flags.
/// `fields` maps a library location to the flags that set it.
fn flag_hint(e: Error, fields: &[(&str, &str)]) -> Error {
    match e {
        Error::InvalidInput { location, message } => match fields.iter().find(|(f, _)| *f == location) {
            Some((_, flags)) => Error::InvalidInput {
                location: (*flags).to_string(),
                message,
            },
            None => Error::InvalidInput { location, message },
        },
        other => other,
    }
}

/// Sampler settings named as flags; a diverged chain gets the flag to lower.
fn sampler_hint(e: Error) -> Error {
    match e {
        Error::InvalidInput { location, message } if location.starts_with("sampler config `") => {
            let field = location
                .trim_start_matches("sampler config `")
                .trim_end_matches('`');
            Error::Usage(format!("--{}: {message}", field.replace('_', "-")))
        }
        Error::Numeric { context, message } if context == "sampling" => Error::Numeric {
            context,
            message: format!("{message} (--dt)"),
        },
        other => other,
    }
}

thread_local! {
    /// The files of the output folder being produced, written together when the command has
    /// succeeded ([`run`]): a command that fails half-way (a bad plot option, a diverging
    /// integrator, the time limit) leaves the folder as it was, not holding some new files
    /// beside some old ones.
    static STAGED: RefCell<Vec<(PathBuf, Vec<u8>)>> = const { RefCell::new(Vec::new()) };
}

/// Stages `file` of the output folder `dir` (written, with missing folders created, when the
/// command succeeds).
fn write_in(dir: &Path, file: &str, text: &str) -> Result<()> {
    STAGED.with(|staged| {
        staged
            .borrow_mut()
            .push((dir.join(file), text.as_bytes().to_vec()))
    });
    Ok(())
}

/// Writes every staged file, each atomically, as one stretch that a time limit does not cut.
fn commit_staged() -> Result<()> {
    let files = STAGED.with(|staged| std::mem::take(&mut *staged.borrow_mut()));
    let _together = renorm::atomic_write::OutputPhase::begin();
    for (path, bytes) in files {
        write_atomic(&path, &bytes)?;
    }
    Ok(())
}

/// Writes `STEM.svg` and `STEM.pdf` of one figure into `dir`.
fn write_figure(dir: &Path, stem: &str, figure: &renorm::plot::Figure) -> Result<()> {
    write_in(dir, &format!("{stem}.svg"), &figure.to_svg())?;
    write_in(dir, &format!("{stem}.pdf"), &figure.to_pdf())
}

/// Significant digits of the default `τ_end` beyond the digits the flow is integrated to.
const TAU_END_EXTRA_DIGITS: u32 = 10;

/// The default end of `rg flow`: `ln N` (the cutoff reaches the first mode) rounded to nearest at
/// `K = digits + TAU_END_EXTRA_DIGITS` significant digits, as an exact rational, and `K`.
///
/// Why `K` digits are enough: `ln N` is computed in MPFR with 64 guard bits and rounded exactly
/// in rational arithmetic, so `|τ_end − ln N| ≤ ½·10^{1−K} ln N` (plus `2^{−prec} ln N` from MPFR,
/// far smaller). The flow at `τ_end` differs from the flow at `ln N` by
/// `|g(τ_end) − g(ln N)| ≲ |dg/dτ| |δτ|`, i.e. relatively by `|d ln g/dτ| |δτ|`, where
/// `d ln g/dτ ∈ {ũT − a, −c − ũB, ũT, β − α + ũT}` is of order one on the trajectories of
/// interest. With `ln N < 45` (`N < 2^64`) that is below `|d ln g/dτ| · 2.3·10^{−(digits+9)}`, so
/// far below the `10^{−digits}` the output claims unless the flow is about to blow up; the text
/// output prints the actual value at the end point ([`end_rate_note`]).
fn default_tau_end(modes: u64, digits: u32) -> (Rational, u32) {
    let sig = digits + TAU_END_EXTRA_DIGITS;
    let prec = Precision::from_digits(sig).with_guard_bits(64);
    let ln_n = rug::Float::with_val(prec.bits(), modes).ln();
    let tau = match ln_n
        .to_rational()
        .and_then(|q| format::round_to_digits(&q, sig, format::Rounding::Nearest))
    {
        // q ≈ n · 10^(e − sig + 1).
        Some((n, e)) => {
            let shift = e - i64::from(sig) + 1;
            let ten = rug::Integer::from(rug::Integer::u_pow_u(
                10,
                u32::try_from(shift.unsigned_abs()).unwrap_or(u32::MAX),
            ));
            if shift >= 0 {
                Rational::from(n * ten)
            } else {
                Rational::from((n, ten))
            }
        }
        // ln 1 = 0 (a single mode): τ_end = 0, which the caller rejects as an empty flow.
        None => Rational::new(),
    };
    (tau, sig)
}

/// `; at τ_end max |d ln g/dτ| · 10^(1−K) ln N/2 = …`: the relative change of the couplings that
/// the rounding of `τ_end` can cause, from the beta functions at the last output (MPFR; printed
/// to three digits, rounded up).
fn end_rate_note(
    params: &rg::flow::FlowParams,
    truncation: rg::flow::Truncation,
    traj: &rg::flow::Trajectory,
    sig: u32,
    modes: u64,
    prec: Precision,
) -> String {
    use rug::Float;
    let Some(last) = traj.outputs.last() else {
        return String::new();
    };
    let Ok(rates) = rg::flow::beta_functions(params, truncation, &last.state, prec) else {
        return String::new();
    };
    let bits = prec.bits();
    let mut worst = Float::new(bits);
    for (d, g) in rates.to_vec().iter().zip(last.state.to_vec().iter()) {
        if !g.is_zero() {
            let r = Float::with_val(bits, d / g).abs();
            if r > worst {
                worst = r;
            }
        }
    }
    let half_ulp = Float::with_val(bits, Float::with_val(bits, modes).ln() / 2u32)
        * Float::with_val(bits, Float::i_pow_u(10, sig - 1)).recip();
    let bound = Float::with_val(bits, &worst * &half_ulp);
    format!("; there max |d ln g/dτ|·|δτ| ≤ {}", format::decimal_up(&bound, 3))
}

pub fn run(command: RgCommand) -> Result<()> {
    let outcome = run_staged(command);
    match outcome {
        Ok(()) => commit_staged(),
        Err(e) => {
            STAGED.with(|staged| staged.borrow_mut().clear());
            Err(e)
        }
    }
}

fn run_staged(command: RgCommand) -> Result<()> {
    match command {
        RgCommand::Curve {
            alpha,
            beta,
            p_over_r,
            modes,
            digits,
            format,
            output,
        } => {
            let alpha = exact_flag(&alpha, "--alpha")?;
            let beta = exact_flag(&beta, "--beta")?;
            let x = exact_flag(&p_over_r, "--p-over-r")?;
            if x > rg::curve::MAX_P_OVER_R {
                return Err(Error::Usage(format!(
                    "--p-over-r: {p_over_r} exceeds the supported 1e15"
                )));
            }
            let lc = rg::curve::learning_curve(&alpha, &beta, &x, modes, digits)
                .map_err(|e| Error::from_curve("rg curve", e))?;
            let text = match format {
                ValueFormat::Text => rg::curve_render::curve_text(&lc, &alpha, &beta, &x, modes),
                ValueFormat::Json => json(
                    contract::RG_CURVE,
                    &rg::curve_render::curve_json(&lc, &alpha, &beta, &x, modes),
                )?,
            };
            emit(output.as_deref(), &text)
        }
        RgCommand::Flow {
            model,
            tau_max,
            points,
            digits,
            tree_level,
            panels,
            u_range,
            rho_range,
            output,
        } => {
            use rg::flow::{self, FlowParams, FlowState, IntegratorOptions, Method, Truncation};
            let out = output;
            cli_io::output_folder(&out)?;
            check_digits(digits, 60)?;
            let m = read_model(&model)?;
            let (u, omega) = m
                .separable()
                .map_or((Rational::new(), Rational::new()), |(u, o)| {
                    (u.clone(), o.clone())
                });
            let failed = |e: flow::FlowError| Error::from_flow("rg flow", e);
            let params = FlowParams::new(m.alpha.clone(), m.beta.clone(), omega, m.modes).map_err(failed)?;
            // Eighth order for tight tolerances, where Dormand–Prince would need millions of steps.
            let method = if digits > 20 {
                Method::Fehlberg78
            } else {
                Method::DormandPrince54
            };
            let opts = IntegratorOptions::new(method, digits);
            let initial = FlowState::bare(&params, &u, &m.p_over_r(), opts.precision()).map_err(failed)?;
            let (tau_end, tau_note) = match tau_max {
                Some(t) => (exact_flag(&t, "--tau-max")?, None),
                None => {
                    let (tau, sig) = default_tau_end(m.modes, digits);
                    (tau, Some(sig))
                }
            };
            if tau_end <= 0 || tau_end > MAX_FLOW_TAU || !(1..=MAX_FLOW_POINTS).contains(&points) {
                return Err(Error::Usage(format!(
                    "--tau-max must lie in (0, {MAX_FLOW_TAU}] and --points in 1..={MAX_FLOW_POINTS}"
                )));
            }
            if panels.len() > MAX_FLOW_PANELS {
                return Err(Error::Usage(format!(
                    "--panels: at most {MAX_FLOW_PANELS} panels (got {})",
                    panels.len()
                )));
            }
            let outputs: Vec<Rational> = (0..=points)
                .map(|i| (&tau_end * Rational::from(i)) / Rational::from(points))
                .collect();
            let truncation = if tree_level {
                Truncation::TreeLevel
            } else {
                Truncation::OneLoop
            };
            let range = |v: &[f64], flag: &str| match v {
                [lo, hi] if lo < hi => Ok((*lo, *hi)),
                _ => Err(Error::Usage(format!("{flag}: give lo,hi with lo < hi"))),
            };
            // Every option is checked before the first file is written: a mistake in the
            // plot options must not leave a folder holding only the trajectory.
            let panel_taus: Vec<Rational> = panels
                .iter()
                .map(|t| {
                    exact_flag(t, "--panels").and_then(|tau| {
                        if !(Rational::new()..=Rational::from(MAX_FLOW_TAU)).contains(&tau) {
                            Err(Error::Usage(format!(
                                "--panels: τ = {t} is outside [0, {MAX_FLOW_TAU}]"
                            )))
                        } else {
                            Ok(tau)
                        }
                    })
                })
                .collect::<Result<_>>()?;
            let (u_window, rho_window) = (range(&u_range, "--u-range")?, range(&rho_range, "--rho-range")?);
            let traj = flow::integrate_flow(&params, truncation, &initial, &Rational::new(), &outputs, &opts)
                .map_err(failed)?;
            write_in(
                &out,
                "trajectory.json",
                &json(contract::RG_FLOW_TRAJECTORY, &traj.table(digits))?,
            )?;
            write_in(&out, "trajectory.csv", &traj.to_csv(digits))?;
            let figure = rg::flow_plot::FlowFigure {
                taus: panel_taus,
                u_range: u_window,
                rho_range: rho_window,
                title: if m.title.is_empty() {
                    "RG flow field of (ũ, ρ)".into()
                } else {
                    m.title.clone()
                },
                truncation,
                ..rg::flow_plot::FlowFigure::default()
            };
            let plot = rg::flow_plot::flow_figure(&params, &figure, Some(&traj)).map_err(|e| match e {
                rg::flow_plot::PlotError::Config(message) => Error::invalid("rg flow plot", message),
                rg::flow_plot::PlotError::Flow(e) => Error::from_flow("rg flow plot", e),
            })?;
            write_figure(&out, "flow", &plot)?;
            let mut nullclines = String::from("tau,nullcline,u,rho\n");
            for tau in &figure.taus {
                for (which, pts) in [
                    (
                        "r",
                        rg::flow_plot::r_nullcline_points(&params, tau, figure.rho_range, 200),
                    ),
                    (
                        "u",
                        rg::flow_plot::u_nullcline_points(&params, tau, figure.rho_range, 200),
                    ),
                ] {
                    for (u, rho) in pts {
                        nullclines += &format!("{tau},{which},{u:e},{rho:e}\n");
                    }
                }
            }
            write_in(&out, "nullclines.csv", &nullclines)?;
            let fixed = rg::classify::fixed_points(&m, digits)?;
            write_in(
                &out,
                "fixed_points.json",
                &json(
                    contract::RG_FLOW_FIXED_POINTS,
                    &FixedPointsDoc { fixed_points: &fixed },
                )?,
            )?;
            let table = traj.table(digits);
            let mut text = format!(
                "flow of (ũ, ρ, A, S²), α = {}, β = {}, ω = {}, N = {}, {}, {:?} to {digits} digits: {} accepted / {} rejected steps\n",
                m.alpha,
                m.beta,
                params.omega,
                m.modes,
                if tree_level { "tree level" } else { "one loop" },
                method,
                traj.stats.accepted,
                traj.stats.rejected
            );
            if let Some(sig) = tau_note {
                text += &format!(
                    "τ_end = ln N = ln {} rounded to {sig} significant digits (|τ_end − ln N| ≤ 10^(1−{sig}) ln N/2){}\n",
                    m.modes,
                    end_rate_note(&params, truncation, &traj, sig, m.modes, opts.precision())
                );
            }
            if let (Some(first), Some(last)) = (table.rows.first(), table.rows.last()) {
                text += &format!(
                    "τ = {}: ũ = {}, ρ = {}, A = {}, S² = {}\n",
                    first.tau, first.u, first.rho, first.amp, first.target2
                );
                text += &format!(
                    "τ = {}: ũ = {}, ρ = {}, A = {}, S² = {}\n",
                    last.tau, last.u, last.rho, last.amp, last.target2
                );
            }
            for line in rg::classify::FixedPointReport::describe_all(&fixed) {
                text += &line;
                text += "\n";
            }
            emit(None, &text)?;
            note(format_args!(
                "wrote {}/trajectory.{{json,csv}}, nullclines.csv, fixed_points.json and flow.{{svg,pdf}}",
                out.display()
            ));
            Ok(())
        }
        RgCommand::Classify {
            model,
            ell_min,
            ell_max,
            unlearned,
            digits,
            format,
            output,
        } => {
            check_digits(digits, 200)?;
            let m = read_model(&model)?;
            let c = rg::classify::classify(
                &m,
                &exact_flag(&ell_min, "--ell-min")?,
                &exact_flag(&ell_max, "--ell-max")?,
                unlearned,
                digits,
            )
            .map_err(|e| flag_hint(e, &[("window ell_min, ell_max", "--ell-min, --ell-max")]))?;
            let text = match format {
                ValueFormat::Json => json(contract::RG_CLASSIFY, &c)?,
                ValueFormat::Text => {
                    let mut out = format!(
                        "window ℓ ∈ [{:.4}, {:.4}] (whole decimation steps), P/r = {}\n",
                        c.window[0], c.window[1], c.p_over_r
                    );
                    for p in &c.perturbations {
                        out += &format!(
                            "{:<22} continuum {:<16} interval [{}, {}]{}  ⇒ {:?}{}\n",
                            p.name,
                            p.continuum_dimension,
                            p.interval[0],
                            p.interval[1],
                            p.exact
                                .as_ref()
                                .map_or(String::new(), |q| format!(" (exactly {q})")),
                            p.class,
                            p.crossover.map_or(String::new(), |c| format!(
                                ", sign change at ℓ ∈ [{:.3}, {:.3}]",
                                c[0], c[1]
                            ))
                        );
                    }
                    for line in rg::classify::FixedPointReport::describe_all(&c.fixed_points) {
                        out += &line;
                        out += "\n";
                    }
                    out += "derivation trail:\n";
                    for step in &c.trail {
                        out += &format!("  {step}\n");
                    }
                    out + &*format!("stop: {}\n", c.stop)
                }
            };
            emit(output.as_deref(), &text)
        }
        RgCommand::Scaling {
            model,
            p_min,
            p_max,
            points,
            output,
        } => {
            let out = output;
            cli_io::output_folder(&out)?;
            let m = read_model(&model)?;
            let pts = rg::scaling::scaling_law(
                &m,
                &exact_flag(&p_min, "--p-min")?,
                &exact_flag(&p_max, "--p-max")?,
                points,
                20,
            )
            .map_err(|e| {
                flag_hint(
                    e,
                    &[("scaling law: p_min, p_max, points", "--p-min, --p-max, --points")],
                )
            })?;
            for warning in rg::scaling::warnings(&pts) {
                eprintln!("renorm: warning: {warning}");
            }
            let md = rg::scaling::markdown(&m, &pts);
            write_in(&out, "scaling.md", &md)?;
            write_in(
                &out,
                "scaling.json",
                &json(contract::RG_SCALING, &ScalingDoc { points: &pts })?,
            )?;
            write_figure(&out, "figure", &rg::scaling::figure("neural scaling law", &pts))?;
            emit(None, &md)?;
            note(format_args!(
                "wrote {}/scaling.{{md,json}} and figure.{{svg,pdf}}",
                out.display()
            ));
            Ok(())
        }
        RgCommand::Predict {
            model,
            format,
            digits,
            exact,
            output,
        } => {
            check_digits(digits, 200)?;
            let m = read_model(&model)?;
            let table = rg::predict::checked_table(&m, digits, exact, &cli_io::input_name(&model))?;
            for warning in table.validity.warnings() {
                eprintln!("renorm: warning: {warning}");
            }
            let text = match format {
                TableFormat::Md => table.markdown(1),
                TableFormat::Csv => table.csv(),
                TableFormat::Json => json(contract::RG_PREDICT, &table)?,
            };
            emit(output.as_deref(), &text)
        }
        RgCommand::Sample {
            model,
            sampler,
            output,
        } => {
            let out = output;
            cli_io::output_folder(&out)?;
            let m = read_model(&model)?;
            let (config, bar) = sampler.config()?;
            let table = rg::experiments::predictions_vs_sampling(&m, &config, Precision::from_digits(30))
                .map_err(sampler_hint)?;
            drop(bar);
            let md = table.markdown(5);
            write_in(&out, "table.md", &md)?;
            write_in(&out, "table.csv", &table.csv())?;
            write_in(&out, "table.json", &json(contract::RG_SAMPLE, &table)?)?;
            let title = if m.title.is_empty() {
                "sampling vs predictions".to_string()
            } else {
                m.title.clone()
            };
            write_figure(&out, "figure", &table.figure(&title))?;
            emit(None, &md)?;
            note(format_args!(
                "wrote {}/table.{{md,csv,json}} and figure.{{svg,pdf}}",
                out.display()
            ));
            if let Some(advice) = table
                .sampling_verdict
                .as_ref()
                .and_then(rg::sample::RunVerdict::advice)
            {
                eprintln!("warning: sampling run too short: {advice} (--steps, --dt, --burn-in)");
            }
            Ok(())
        }
        RgCommand::Transfer {
            model,
            p_prime,
            sample,
            sampler,
            output,
        } => {
            let out = output;
            cli_io::output_folder(&out)?;
            let m = read_model(&model)?;
            let p_prime = exact_flag(&p_prime, "--p-prime")?;
            let prec = Precision::from_digits(30);
            let t = rg::transfer::transfer(&m, &p_prime, prec)
                .map_err(|e| flag_hint(e, &[("p_prime", "--p-prime")]))?;
            // Validity of the predictions for the system transferred from and the one transferred
            // to: the map is one-loop, so it inherits their perturbative regime.
            let source = rg::predict::table(&m, prec).validity;
            let target = rg::predict::table(&t.transferred, prec).validity;
            let mut validity_md = String::new();
            for (name, v) in [("system 1", &source), ("transferred system 3", &target)] {
                for warning in v.warnings() {
                    eprintln!("renorm: warning: {name}: {warning}");
                }
                validity_md += &format!("\n### Validity of {name}\n\n{}", v.markdown());
            }
            // One shape with or without sampling (`renorm.rg.transfer/1`): the map, the validity
            // of both systems, and the sampled validation or `null`.
            let summary = |validation| TransferDoc {
                ell_star: t.ell_star.to_string_radix(10, Some(20)),
                modes_integrated: t.modes_integrated,
                amplitude: t.amplitude.to_string_radix(10, Some(20)),
                coupling: t.coupling.to_string_radix(10, Some(20)),
                transferred: &t.transferred,
                naive: &t.naive,
                validity: TransferValidity {
                    system: &source,
                    transferred: &target,
                },
                validation,
            };
            if !sample {
                return emit(None, &json(contract::RG_TRANSFER, &summary(None))?);
            }
            let (config, bar) = sampler.config()?;
            let (_, validation) = rg::experiments::transfer_vs_sampling(&m, &p_prime, &config, prec)
                .map_err(|e| flag_hint(sampler_hint(e), &[("p_prime", "--p-prime")]))?;
            drop(bar);
            let md = format!("{}{validity_md}", validation.markdown());
            write_in(&out, "transfer.md", &md)?;
            write_in(
                &out,
                "transfer.json",
                &json(contract::RG_TRANSFER, &summary(Some(&validation)))?,
            )?;
            write_figure(&out, "figure", &validation.figure("hyperparameter transfer"))?;
            emit(None, &md)?;
            note(format_args!(
                "wrote {}/transfer.{{md,json}} and figure.{{svg,pdf}}",
                out.display()
            ));
            for s in &validation.systems {
                if let Some(advice) = &s.advice {
                    eprintln!(
                        "warning: {}: sampling run too short: {advice} (--steps, --dt, --burn-in)",
                        s.name
                    );
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_fields_become_flags() {
        let e = flag_hint(
            Error::invalid("p_prime", "must lie in (0, P)"),
            &[("p_prime", "--p-prime")],
        );
        assert_eq!(e.to_string(), "--p-prime: must lie in (0, P)");
        let other = flag_hint(
            Error::invalid("model: omega", "needs ω = 0"),
            &[("p_prime", "--p-prime")],
        );
        assert_eq!(other.to_string(), "model: omega: needs ω = 0");
        let e = sampler_hint(Error::invalid("sampler config `burn_in`", "too large"));
        assert!(matches!(e, Error::Usage(_)), "{e:?}");
        assert_eq!(e.to_string(), "usage: --burn-in: too large");
        let e = sampler_hint(Error::numeric("sampling", "chain 0 diverged"));
        assert_eq!(e.kind(), renorm::ErrorKind::Internal);
        assert!(e.to_string().ends_with("(--dt)"), "{e}");
    }
}
