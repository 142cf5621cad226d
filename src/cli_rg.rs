//! `renorm rg …`: the command-line face of the RG layer (the work lives in `renorm::rg`).

use clap::{Args, Subcommand, ValueEnum};
use renorm::atomic_write::write_atomic;
use renorm::numeric::Precision;
use renorm::rg::model::parse_exact;
use renorm::rg::sample::SamplerConfig;
use renorm::rg::{self, Model};
use renorm::{Error, Result};
use rug::Rational;
use std::io::Write;
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

/// Langevin sampler settings (THEORY.md §3.6; defaults: the paper's `δt`, thinning and
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
    /// Batches per chain for batch-means standard errors.
    #[arg(long, default_value_t = 50)]
    batches: u32,
    /// Never draw a progress bar.
    #[arg(long)]
    no_progress: bool,
}

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

impl SamplerArgs {
    fn config(&self) -> Result<SamplerConfig> {
        use std::io::IsTerminal;
        let dt = parse_exact(&self.dt)
            .filter(|q| *q > 0)
            .ok_or_else(|| Error::Usage(format!("--dt: `{}` is not a positive number", self.dt)))?;
        Ok(SamplerConfig {
            dt: dt.to_f64(),
            steps: count(&self.steps, "--steps")?,
            burn_in: count(&self.burn_in, "--burn-in")?,
            thin: self.thin,
            chains: self.chains,
            threads: self.threads,
            seed: self.seed,
            batches: self.batches,
            progress: !self.no_progress && std::io::stderr().is_terminal(),
        })
    }
}

#[derive(Subcommand)]
pub enum RgCommand {
    /// Learning curve of the GP (THEORY.md §3.4): bias, variance, loss per sample with certified
    /// enclosures, continuum values and log-log slopes.
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
    },
    /// Per-mode predictions: exact GP, first order in U, renormalized theory (ℓ = Λ/k matching).
    Predict {
        /// Model spec (TOML; see README and examples/rg/).
        model: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "md")]
        format: TableFormat,
        /// Working precision of the predictions, in digits.
        #[arg(long, default_value_t = 30)]
        digits: u32,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Langevin sampling of a model against the predictions (Fig. 3 structure): table and SVG.
    Sample {
        /// Model spec (TOML).
        model: PathBuf,
        #[command(flatten)]
        sampler: SamplerArgs,
        /// Folder for table.{md,csv,json} and figure.svg.
        #[arg(long, default_value = "rg-sample")]
        out: PathBuf,
    },
    /// Hyperparameter transfer (THEORY.md §3.5): map (P, r, U) to (P′, r̃, Ũ) on the same
    /// trajectory; with --sample, validate by sampling (Fig. 4 structure).
    Transfer {
        /// Model spec of system 1 (TOML).
        model: PathBuf,
        /// The smaller data set size P′.
        #[arg(long)]
        p_prime: String,
        /// Sample systems 1, 2 (naive) and 3 (transferred) and compare.
        #[arg(long)]
        sample: bool,
        #[command(flatten)]
        sampler: SamplerArgs,
        /// Folder for the outputs (with --sample).
        #[arg(long, default_value = "rg-transfer")]
        out: PathBuf,
    },
}

fn read_model(path: &Path) -> Result<Model> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Model::from_toml(&text, &path.display().to_string())
}

fn exact_flag(text: &str, flag: &str) -> Result<Rational> {
    parse_exact(text).ok_or_else(|| {
        Error::Usage(format!(
            "{flag}: `{text}` is not an exact number (e.g. 1/5, 0.3, 1e3)"
        ))
    })
}

fn emit(output: Option<&Path>, text: &str) -> Result<()> {
    match output {
        Some(p) => write_atomic(p, text.as_bytes()),
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(|e| Error::io("<stdout>", e)),
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::Usage(format!("cannot serialize the result: {e}")))
}

fn write_in(dir: &Path, file: &str, text: &str) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    write_atomic(&dir.join(file), text.as_bytes())
}

pub fn run(command: RgCommand) -> Result<()> {
    match command {
        RgCommand::Curve { .. } => Err(Error::Usage("rg curve is not available yet".into())),
        RgCommand::Predict {
            model,
            format,
            digits,
            output,
        } => {
            let m = read_model(&model)?;
            let table = rg::predict::table(&m, Precision::from_digits(digits));
            let text = match format {
                TableFormat::Md => table.markdown(1),
                TableFormat::Csv => table.csv(),
                TableFormat::Json => json(&table)?,
            };
            emit(output.as_deref(), &text)
        }
        RgCommand::Sample { model, sampler, out } => {
            let m = read_model(&model)?;
            let table =
                rg::experiments::predictions_vs_sampling(&m, &sampler.config()?, Precision::from_digits(30))?;
            let md = table.markdown(5);
            write_in(&out, "table.md", &md)?;
            write_in(&out, "table.csv", &table.csv())?;
            write_in(&out, "table.json", &json(&table)?)?;
            let title = if m.title.is_empty() {
                "sampling vs predictions".to_string()
            } else {
                m.title.clone()
            };
            write_in(&out, "figure.svg", &table.figure(&title))?;
            emit(None, &md)?;
            eprintln!("wrote {}/table.{{md,csv,json}} and figure.svg", out.display());
            Ok(())
        }
        RgCommand::Transfer {
            model,
            p_prime,
            sample,
            sampler,
            out,
        } => {
            let m = read_model(&model)?;
            let p_prime = exact_flag(&p_prime, "--p-prime")?;
            let prec = Precision::from_digits(30);
            if !sample {
                let t = rg::transfer::transfer(&m, &p_prime, prec)?;
                let summary = serde_json::json!({
                    "ell_star": t.ell_star.to_string_radix(10, Some(20)),
                    "modes_integrated": t.modes_integrated,
                    "amplitude": t.amplitude.to_string_radix(10, Some(20)),
                    "coupling": t.coupling.to_string_radix(10, Some(20)),
                    "transferred": t.transferred,
                    "naive": t.naive,
                });
                return emit(None, &json(&summary)?);
            }
            let (_, validation) =
                rg::experiments::transfer_vs_sampling(&m, &p_prime, &sampler.config()?, prec)?;
            let md = validation.markdown();
            write_in(&out, "transfer.md", &md)?;
            write_in(&out, "transfer.json", &json(&validation)?)?;
            write_in(&out, "figure.svg", &validation.figure("hyperparameter transfer"))?;
            emit(None, &md)?;
            eprintln!("wrote {}/transfer.{{md,json}} and figure.svg", out.display());
            Ok(())
        }
    }
}
