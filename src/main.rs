//! The `renorm` command-line tool. Exit codes, derived here (and only here) from
//! [`renorm::ErrorKind`]: 0 success, 1 a checked claim does not hold, 2 invalid input or usage
//! (including an unreadable input file), 3 an internal or numeric failure (including an
//! unwritable output).

mod cli;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use cli::io::{self as cli_io, note};
use cli::limits as cli_limits;
use cli::report_out;
use renorm::check::render::Format as RenderFormat;
use renorm::check::{self, InlineSpec, Spec};
use renorm::crosscheck::{self, CheckOptions, Domain, Identity};
use renorm::symbolic::{self, EngineMode};
use renorm::{Error, ErrorKind, Result, input};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "renorm",
    version,
    about = "Verify the conditions under which learning dynamics obey power laws",
    long_about = "renorm checks proposed spectral couplings and velocity fields for log-shift and \
time-rescaling covariance, derives the power law the GRSD rigidity theorem forces, and confirms \
every symbolic conclusion with arbitrary-precision numerics.\n\n\
Exit codes: 0 success; 1 a checked claim does not hold; 2 invalid input or usage (including an \
unreadable input file); 3 internal or numeric failure (including an unwritable output).\n\n\
Symbolica (the symbolic engine) runs restricted without a licence: non-commercial use and one \
Symbolica thread per user. Set SYMBOLICA_LICENSE to use a licence key.\n\n\
One renorm process per user uses the engine at a time: a second one (another terminal, make -j, a \
parallel test runner) waits for the first to finish, saying on stderr which process it waits for, \
for at most RENORM_ENGINE_WAIT seconds (default 600), then exits 3. The lock file is \
renorm-symbolica-<uid>.lock in RENORM_ENGINE_LOCK_DIR, else XDG_RUNTIME_DIR, else the temporary \
directory. --engine off (or RENORM_ENGINE=off) runs without the engine and without the lock: \
check and identity then rest on numeric evidence only (statuses at best `confirmed`, except exact \
grid proofs of rational formulas, which are `proved` without the engine), and prove \
and demo, which need the engine, exit 3.\n\n\
Conventions: an input file argument of `-` reads standard input (at most one per command), and \
`--output -` writes to standard output, never to a file named `-`; a command that writes a \
folder refuses `--output -`. Missing parent folders of an output are created. `--out` is \
accepted wherever `--output` is. --no-progress turns off progress bars; --quiet also hides \
informational lines on stderr (such as `wrote …`), never warnings, errors or the engine's \
notices (licence, waiting for the engine).\n\n\
Untrusted input: inputs must be regular files (or `-`) within size limits; an output never \
replaces an input of the same command, a folder, FIFO or device (a symbolic link is written \
through to its target); sizes are capped and memory estimated before allocating (README, \
\"Hostile input\"). --time-limit SECONDS stops any command cleanly (exit 3, nothing partial \
written); --memory-limit MIB sets the budget the estimates must fit (default 8192)."
)]
struct Cli {
    /// Use the symbolic engine (on), or run on numeric evidence only (off). Default: the
    /// RENORM_ENGINE environment variable, else on.
    #[arg(long, global = true, value_enum, display_order = 900)]
    engine: Option<EngineSwitch>,
    /// Print only the report, warnings and errors: no informational lines on stderr (such as
    /// `wrote …` or `training …`) and no progress bars. Warnings, errors and the symbolic
    /// engine's notices (licence, waiting for the engine) are still printed.
    #[arg(long, short = 'q', global = true, display_order = 901)]
    quiet: bool,
    /// Never draw a progress bar or spinner on stderr (bars are only drawn when stderr is a
    /// terminal anyway).
    #[arg(long, global = true, display_order = 902)]
    no_progress: bool,
    /// Stop after this many seconds (wall clock): the command exits 3, leaving every output
    /// either untouched or complete. Default: the RENORM_TIME_LIMIT environment variable, else
    /// no limit.
    #[arg(long, global = true, value_name = "SECONDS", display_order = 903)]
    time_limit: Option<String>,
    /// Memory a command may plan to use, in MiB: sizes are estimated before allocating and a
    /// larger estimate is refused (exit 2). Default: the RENORM_MEMORY_LIMIT environment
    /// variable, else 8192.
    #[arg(long, global = true, value_name = "MIB", display_order = 904)]
    memory_limit: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum EngineSwitch {
    On,
    Off,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Text,
    Md,
    Json,
    Tex,
    Html,
}

#[derive(Subcommand)]
enum Command {
    /// Run every capability on the built-in examples and write a report folder.
    Demo {
        /// Folder to write the reports into (created if missing; not `-`: a folder cannot be
        /// standard output).
        #[arg(long, visible_alias = "out", default_value = "renorm-demo")]
        output: PathBuf,
    },
    /// Check proposed fields for log-shift and time-rescaling covariance and the forced power law.
    ///
    /// Give spec files (TOML, see README), or one inline field with --expr. Exits 1 if a claim in
    /// a spec's [expect] table does not hold, naming the claim.
    Check {
        /// Spec files (`-`: read one spec from standard input).
        specs: Vec<PathBuf>,
        /// Inline formula (instead of spec files).
        #[arg(long, allow_hyphen_values = true, conflicts_with = "specs")]
        expr: Option<String>,
        /// Inline: spectral variables, comma-separated.
        #[arg(long, value_delimiter = ',', requires = "expr")]
        spectral: Vec<String>,
        /// Inline: time variable.
        #[arg(long, requires = "expr")]
        time: Option<String>,
        /// Inline: velocity (weight 2), coupling (1), log_velocity (1) or energy (0).
        #[arg(long, requires = "expr")]
        kind: Option<String>,
        /// Inline: explicit rational weight.
        #[arg(long, requires = "expr")]
        weight: Option<String>,
        /// Inline: parameter `name=value` (exact) or `name=lo..hi` (sampled); repeatable.
        #[arg(long = "param", requires = "expr")]
        params: Vec<String>,
        /// Digits that must agree in numeric confirmations.
        #[arg(long, default_value_t = 50)]
        digits: u32,
        /// Random points per numeric check.
        #[arg(long, default_value_t = 8)]
        points: u32,
        /// Decimal exponents `LO:HI` of the sampled scales (spectral variables and time); a
        /// spec's `scales` overrides it.
        #[arg(long, default_value = "-30:30", allow_hyphen_values = true)]
        scales: String,
        /// Most digits any sample point may be evaluated at (the precision rule's cap).
        #[arg(long, default_value_t = 2000)]
        max_digits: u32,
        /// Output format (text, md, json, tex, html).
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,
        /// Write the report to this file (atomically; missing folders are created) instead of
        /// standard output (`-`: standard output).
        #[arg(long, visible_alias = "out")]
        output: Option<PathBuf>,
    },
    /// Check derivations: every step of every proof file (and the files they cite).
    ///
    /// Prints a table per file; exits 1 naming `file:step` for the first failing step. With
    /// --format and no --output (or --output -), the report in that format goes to standard
    /// output instead, and the tables to stderr.
    Prove {
        /// Proof files or folders of them. `-` reads one proof file from standard input; the files
        /// it cites are then resolved relative to the current directory.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Digits that must agree at each point.
        #[arg(long, default_value_t = 40)]
        digits: u32,
        /// Random points per step.
        #[arg(long, default_value_t = 6)]
        points: u32,
        /// Report format (text, md, tex, json, html; text is Markdown). Default: the tables on
        /// standard output, and Markdown for --output.
        #[arg(long, value_enum)]
        format: Option<ReportFormat>,
        /// Write the report to this file (atomically; missing folders are created), `-`:
        /// standard output.
        #[arg(long, visible_alias = "out")]
        output: Option<PathBuf>,
    },
    /// Bundle the JSON outputs of a run folder into one report with a table of contents.
    Report {
        /// The run folder (e.g. the output of `renorm demo`, or a folder of `--output` files).
        dir: PathBuf,
        /// Format (md, tex, html, json).
        #[arg(long, value_enum, default_value = "html")]
        format: ReportFormat,
        /// Output file (default: DIR/bundle.<ext>; `-`: standard output).
        #[arg(long, visible_alias = "out")]
        output: Option<PathBuf>,
    },
    /// Train a small fully connected network and write its checkpoints as a run (.npz).
    Train {
        /// plain or residual.
        #[arg(long, default_value = "residual")]
        arch: String,
        /// Hidden layers.
        #[arg(long, default_value_t = 8)]
        depth: usize,
        /// Hidden width.
        #[arg(long, default_value_t = 32)]
        width: usize,
        /// Training samples N.
        #[arg(long, default_value_t = 64)]
        samples: usize,
        /// Input dimension.
        #[arg(long, default_value_t = 8)]
        input_dim: usize,
        /// Gradient-descent steps.
        #[arg(long, default_value_t = 2000)]
        steps: usize,
        /// Constant learning rate (small: gradient-flow regime).
        #[arg(long, default_value = "0.001")]
        lr: f64,
        /// Checkpoints (including step 0 and the last step).
        #[arg(long, default_value_t = 50)]
        checkpoints: usize,
        /// Random seed (runs are deterministic given the seed).
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Also store per-sample Jacobians (large).
        #[arg(long)]
        save_jacobian: bool,
        /// Space checkpoints adaptively so that λ_max·Δt stays at most this (λ_max: the top
        /// eigenvalue of the Gram matrix M, the fastest rate of ė = −M e in flow time t = step·η);
        /// --checkpoints is then the budget, spent densely where the dynamics is fastest and
        /// coarser late if it runs short. Without it checkpoints are evenly spaced. The achieved
        /// maximum is printed and stored in <output>.meta.json either way.
        #[arg(long, value_name = "X")]
        max_lambda_dt: Option<f64>,
        /// Output file (missing folders are created; `-`: the .npz bytes on standard output).
        /// The run metadata (config, λ_max per checkpoint, achieved λ_max·Δt) goes to
        /// <output>.meta.json next to it (not written with `-`).
        #[arg(long, visible_alias = "out", default_value = "run.npz")]
        output: PathBuf,
    },
    /// Evaluate the four sufficient conditions (C1–C4), R, PL-weak and PL on a run (.npz).
    Conditions {
        /// The run file (layout in the README). `-` reads it from standard input, into memory
        /// (at most 1 GiB).
        run: PathBuf,
        /// Conditions spec (TOML): shell width, thresholds, scale_free_flow (`-`: standard input).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,
        /// Write the report here (atomically; missing folders are created); SVG and PDF plots
        /// are written next to it. `-`: standard output, without the plots.
        #[arg(long, visible_alias = "out")]
        output: Option<PathBuf>,
    },
    /// The RG layer (docs/theory.md §3): learning curves, flows, relevance, predictions, sampling,
    /// transfer, scaling law.
    Rg {
        #[command(subcommand)]
        command: cli::rg::RgCommand,
    },
    /// Run a built-in experiment (`lsi`: plain vs residual networks across depths and widths), a
    /// slice of it (`--shard i/n`), or merge slices (`merge SHARD.json…`).
    Experiment {
        /// Experiment name (lsi), or `merge` to combine shard files.
        name: String,
        /// `merge` only: the shard files (`renorm.experiment.shard/1`) to combine. The grid comes
        /// from the shards; merge ignores the grid flags.
        files: Vec<PathBuf>,
        /// Depths, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "4,8,16,32")]
        depths: Vec<usize>,
        /// Seeds per configuration.
        #[arg(long, default_value_t = 3)]
        seeds: u64,
        /// Widths, comma-separated (`--width` is accepted too).
        #[arg(long, alias = "width", value_delimiter = ',', default_value = "64")]
        widths: Vec<usize>,
        /// Steps.
        #[arg(long, default_value_t = 2000)]
        steps: usize,
        /// Training samples N per run.
        #[arg(long, default_value_t = 64)]
        samples: usize,
        /// Input dimension.
        #[arg(long, default_value_t = 8)]
        input_dim: usize,
        /// Constant learning rate.
        #[arg(long, default_value = "0.001")]
        lr: f64,
        /// Checkpoints per run (the budget, with --max-lambda-dt).
        #[arg(long, default_value_t = 50)]
        checkpoints: usize,
        /// Adaptive checkpoint spacing with λ_max·Δt at most this (see `renorm train --help`).
        #[arg(long, value_name = "X")]
        max_lambda_dt: Option<f64>,
        /// Run only the i-th of n deterministic slices of the (depth, width, arch, seed) grid
        /// (grid point k belongs to shard k mod n + 1) and write a partial result
        /// (renorm.experiment.shard/1 JSON) to --output (standard output without it);
        /// `renorm experiment merge` combines the shards into the table.
        #[arg(long, value_name = "i/n")]
        shard: Option<String>,
        /// Also write the Markdown table to this file (missing folders are created; `-`: only
        /// standard output); with --shard, the shard's JSON.
        #[arg(long, visible_alias = "out")]
        output: Option<PathBuf>,
        /// Write the experiment's figure (`lsi_experiment.svg` and `.pdf`: every measurement
        /// against depth, each seed shown) into this folder (not with --shard: merge the shards).
        #[arg(long, value_name = "DIR")]
        figures: Option<PathBuf>,
    },
    /// Parse a formula and echo how it was read (plain text, LaTeX, variables).
    Parse {
        /// The formula, in the input language (see README).
        #[arg(required_unless_present = "file", allow_hyphen_values = true)]
        expr: Option<OsString>,
        /// Read the formula from a file instead (`-` for standard input).
        #[arg(long, conflicts_with = "expr")]
        file: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Write the result to this file (atomically; missing folders are created) instead of
        /// standard output (`-`: standard output).
        #[arg(long, visible_alias = "out")]
        output: Option<PathBuf>,
    },
    /// Check an identity `LHS == RHS` with both engines and report a docs/theory.md §4 status.
    Identity {
        /// Left-hand side.
        #[arg(allow_hyphen_values = true)]
        lhs: OsString,
        /// Right-hand side.
        #[arg(allow_hyphen_values = true)]
        rhs: OsString,
        /// Digits that must agree at each random point for `confirmed`/`proved`.
        #[arg(long, default_value_t = 50)]
        digits: u32,
        /// Number of random points.
        #[arg(long, default_value_t = 8)]
        points: u32,
        /// Most digits any sample point may be evaluated at (the precision rule's cap).
        #[arg(long, default_value_t = 2000)]
        max_digits: u32,
        /// Sample variables over all reals instead of positive reals.
        #[arg(long)]
        real: bool,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Exit with status 1 unless the identity is proved or confirmed.
        #[arg(long)]
        expect_holds: bool,
        /// Write the result to this file (atomically; missing folders are created) instead of
        /// standard output (`-`: standard output).
        #[arg(long, visible_alias = "out")]
        output: Option<PathBuf>,
    },
    /// Print a shell completion script to standard output, e.g.
    /// `renorm completions bash > ~/.local/share/bash-completion/completions/renorm`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to standard output, e.g. `renorm man > renorm.1; man ./renorm.1`.
    Man,
}

/// `--digits`, `--points` and `--max-digits` in their ranges ([`crosscheck::checked_knobs`]);
/// the precision rule's cap, at least `digits`.
fn checked_knobs(digits: u32, points: u32, max_digits: u32) -> Result<u32> {
    crosscheck::checked_knobs(digits, points, max_digits)
        .map_err(|(knob, why)| Error::Usage(format!("--{}: {why}", knob.replace('_', "-"))))
}

/// `LO:HI` decimal exponents, e.g. `-30:30`.
fn parse_scales(text: &str) -> Result<renorm::numeric::ScaleDomain> {
    let usage = || {
        Error::Usage(format!(
            "--scales `{text}`: write two decimal exponents LO:HI, e.g. -30:30"
        ))
    };
    let (lo, hi) = text.split_once(':').ok_or_else(usage)?;
    let lo: i32 = lo.trim().parse().map_err(|_| usage())?;
    let hi: i32 = hi.trim().parse().map_err(|_| usage())?;
    renorm::numeric::ScaleDomain::new(lo, hi).map_err(|why| Error::Usage(format!("--scales: {why}")))
}

fn main() -> ExitCode {
    // Standard output carries only the report: anything a library writes to fd 1 (the engine's
    // log lines, say) goes to stderr from here on, and the report goes to the sink. First thing,
    // before any thread or the engine exists.
    report_out::install();
    // Symbolica prints a banner on stdout unless told not to; machine-readable output must stay
    // clean. This runs before any other thread exists, which is what makes `set_var` sound.
    // The licence notice is printed on stderr instead, by the notice handler installed below.
    unsafe { std::env::set_var("SYMBOLICA_HIDE_BANNER", "1") };
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            print_clap(&e);
            return ExitCode::from(match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => 2,
            });
        }
    };
    cli_io::set_verbosity(cli.quiet, cli.no_progress);
    // One command per process: no input of it may be overwritten by one of its outputs.
    renorm::files::protect_inputs();
    // The library never prints; its notices (licence, waiting for the engine) go to stderr here,
    // even with --quiet: the licence notice is how an unlicensed user learns of Symbolica's
    // restrictions, and a wait for the engine should never look like a hang.
    symbolic::set_notice_handler(Box::new(|notice| eprintln!("{notice}")));
    let limits = cli_limits::apply(cli.time_limit.clone(), cli.memory_limit.clone());
    match limits
        .and_then(|()| set_engine(cli.engine))
        .and_then(|()| run(cli))
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(exit_code(e.kind()))
        }
    }
}

/// What clap would print: help and version on the report sink (fd 1 now points at stderr),
/// usage errors on stderr; coloured when going to a terminal and `NO_COLOR` is unset.
fn print_clap(e: &clap::Error) {
    if e.use_stderr() {
        let _ = e.print();
        return;
    }
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let rendered = e.render();
    let text = if report_out::is_terminal() && !no_color {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    let _ = report_out::emit(&text);
}

/// The process exit code for an error of `kind` (the table in `--help`, the README and
/// `renorm::error`).
fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::ClaimDoesNotHold => 1,
        ErrorKind::InvalidInput => 2,
        ErrorKind::Internal => 3,
    }
}

/// Parses raw bytes so that invalid UTF-8 is reported at its byte offset, like any other
/// formula error, instead of being rejected wholesale by the argument parser.
fn parse_bytes(origin: &str, bytes: &[u8]) -> Result<renorm::expr::Expr> {
    input::parse_bytes(bytes, &input::Limits::default())
        .map_err(|e| Error::parse(origin, String::from_utf8_lossy(bytes), e))
}

fn os_bytes(s: &OsStr) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        s.as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        s.to_string_lossy().into_owned().into_bytes()
    }
}

/// A formula file (or standard input for `-`), bounded by the parser's input limit: a longer
/// one is reported as the parser would report it.
fn read_formula_file(path: &Path) -> Result<Vec<u8>> {
    let limit = input::Limits::default().max_bytes;
    match cli_io::read_bounded(path, limit as u64)? {
        cli_io::Bounded::Read(bytes) => Ok(bytes),
        cli_io::Bounded::TooLong { size } => Err(Error::parse(
            cli_io::input_name(path),
            "",
            input::ParseError {
                kind: input::ParseErrorKind::InputTooLong {
                    bytes: usize::try_from(size).unwrap_or(usize::MAX),
                    limit,
                },
                span: 0..0,
            },
        )),
    }
}

/// `renorm conditions` on a run file, streamed one checkpoint at a time with a progress bar
/// (unless `--no-progress`/`--quiet` or stderr is not a terminal); standard input is held in
/// memory (it is bounded) and evaluated as before.
fn conditions_with_progress(
    run: &std::path::Path,
    spec: &renorm::conditions::ConditionsSpec,
) -> Result<renorm::conditions::ConditionsReport> {
    if cli_io::is_dash(run) {
        let data = cli_io::read_run(run)?;
        return Ok(renorm::conditions::evaluate(
            &data,
            &cli_io::input_name(run),
            spec,
        ));
    }
    let name = cli_io::input_name(run);
    if cli_io::progress_wanted() {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} checkpoints ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let mut tick = |done: usize, total: usize| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        };
        let result = renorm::conditions::evaluate_npz(run, &name, spec, &mut tick);
        bar.finish_and_clear();
        result
    } else {
        renorm::conditions::evaluate_npz(run, &name, spec, &mut |_, _| {})
    }
}

fn train_with_progress(
    config: &renorm::train::TrainConfig,
) -> Result<(renorm::rundata::RunData, renorm::train::TrainSummary)> {
    if cli_io::progress_wanted() {
        let bar = indicatif::ProgressBar::new(config.steps as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} steps ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let tick = |done: usize, _total: usize| bar.set_position(done as u64);
        let run = renorm::train::train_with_summary(config, Some(&tick));
        bar.finish_and_clear();
        run
    } else {
        renorm::train::train_with_summary(config, None)
    }
}

/// A warning (printed even with --quiet) when adaptive spacing missed its λ_max·Δt target.
fn warn_lambda_dt(summary: &renorm::train::TrainSummary) {
    if let (Some(false), Some(target)) = (summary.target_met(), summary.lambda_dt_target) {
        eprintln!(
            "warning: λ_max·Δt reached {:.4}, above the target {target}: raise --checkpoints (the \
             budget) or, if one step is already too coarse (η·λ_max = {:.4}), lower --lr",
            summary.max_lambda_dt, summary.max_lambda_step
        );
    }
}

/// Applies `--engine`, else `RENORM_ENGINE` (`on`/`off`); any other value is a usage error.
fn set_engine(flag: Option<EngineSwitch>) -> Result<()> {
    let mode = match flag {
        Some(EngineSwitch::On) => EngineMode::On,
        Some(EngineSwitch::Off) => EngineMode::Off,
        None => match std::env::var_os(symbolic::MODE_ENV) {
            // An empty value (`RENORM_ENGINE= renorm …`) reads as unset.
            None => EngineMode::On,
            Some(v) if v.is_empty() => EngineMode::On,
            Some(v) => v
                .to_str()
                .ok_or_else(|| "not valid UTF-8".to_string())
                .and_then(|v| v.parse::<EngineMode>())
                .map_err(|e| Error::Usage(format!("{}: {e}", symbolic::MODE_ENV)))?,
        },
    };
    symbolic::set_engine_mode(mode);
    Ok(())
}

/// For commands that use the engine: when it is on, take it now (waiting for another process to
/// release it if need be), so that a busy engine fails the command before any output; when it
/// is off and `needed_by` names a command that cannot do without it, fail with exit code 3.
fn take_engine(needed_by: Option<&str>) -> Result<()> {
    match (symbolic::engine_mode(), needed_by) {
        (EngineMode::On, _) => Ok(symbolic::start_engine()?),
        (EngineMode::Off, None) => Ok(()),
        (EngineMode::Off, Some(command)) => {
            eprintln!("renorm {command} needs the symbolic engine; run it with --engine on");
            Err(Error::Engine(symbolic::EngineError::Disabled))
        }
    }
}

fn render_format(format: ReportFormat) -> RenderFormat {
    match format {
        ReportFormat::Text => RenderFormat::Text,
        ReportFormat::Md => RenderFormat::Markdown,
        ReportFormat::Json => RenderFormat::Json,
        ReportFormat::Tex => RenderFormat::Latex,
        ReportFormat::Html => RenderFormat::Html,
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Demo { output } => {
            cli_io::output_folder(&output)?;
            take_engine(Some("demo"))?;
            let summary = renorm::demo::run(&output)?;
            report_out::emit(&summary)
        }
        Command::Check {
            specs,
            expr,
            spectral,
            time,
            kind,
            weight,
            params,
            digits,
            points,
            scales,
            max_digits,
            format,
            output,
        } => {
            let max_digits = checked_knobs(digits, points, max_digits)?;
            let mut parsed = Vec::new();
            match expr {
                Some(expr) => parsed.push(Spec::from_inline(&InlineSpec {
                    expr,
                    spectral,
                    time,
                    kind,
                    weight,
                    params,
                })?),
                None => {
                    if specs.is_empty() {
                        return Err(Error::Usage("give spec files or --expr".into()));
                    }
                    cli_io::stdin_at_most_once(specs.iter().map(PathBuf::as_path))?;
                    for path in &specs {
                        let (text, name) = cli_io::read_document(path)?;
                        parsed.push(Spec::from_toml(&text, &name)?);
                    }
                }
            }
            take_engine(None)?;
            let knobs = check::Knobs {
                digits,
                points,
                seed: 0x5eed_2e40_0000_0001,
                scale: parse_scales(&scales)?,
                max_digits,
            };
            let reports = parsed
                .iter()
                .map(|s| check::run(s, &knobs))
                .collect::<Result<Vec<_>>>()?;
            let rendered = check::render(&reports, render_format(format))?;
            cli_io::write_output(output.as_deref(), rendered.as_bytes())?;
            if let Some((report, claim)) = reports.iter().find_map(|r| r.failed_claim().map(|c| (r, c))) {
                return Err(Error::ClaimFailed {
                    claim: format!("{}: {}", report.name, claim.claim),
                    detail: format!("expected {}, found {}", claim.expected, claim.found),
                });
            }
            Ok(())
        }
        Command::Prove {
            paths,
            digits,
            points,
            format,
            output,
        } => {
            checked_knobs(digits, points, digits)?;
            cli_io::stdin_at_most_once(paths.iter().map(PathBuf::as_path))?;
            let files = renorm::proof::collect_paths(&paths)?;
            if files.is_empty() {
                return Err(Error::Usage("no proof files found".into()));
            }
            // The report goes to --output, else to standard output when a --format was asked
            // for; the per-file tables go to standard output unless the report does.
            let report_format = match (&output, format) {
                (Some(_), f) => Some(f.unwrap_or(ReportFormat::Md)),
                (None, f) => f,
            };
            let report_on_stdout = report_format.is_some() && cli_io::to_stdout(output.as_deref());
            // Read standard input before taking the engine, so a usage problem costs no wait.
            let stdin_proof = if files.iter().any(|f| cli_io::is_dash(f)) {
                Some(cli_io::read_document(Path::new(cli_io::DASH))?.0)
            } else {
                None
            };
            take_engine(Some("prove"))?;
            let mut prover = renorm::proof::Prover::new(renorm::proof::ProveOptions { digits, points });
            let mut results = Vec::new();
            for f in &files {
                let r = match (&stdin_proof, cli_io::is_dash(f)) {
                    (Some(text), true) => prover.check_source(text, Path::new(cli_io::STDIN_NAME))?,
                    _ => prover.check_file(f)?,
                };
                let table = renorm::proof::table(&r);
                if report_on_stdout {
                    note(table.trim_end());
                } else {
                    report_out::emit(&table)?;
                }
                results.push(r);
            }
            if let Some(format) = report_format {
                let rendered = renorm::proof::report(&results)?.render(render_format(format));
                cli_io::write_output(output.as_deref(), rendered.as_bytes())?;
            }
            if let Some(failure) = results.iter().find_map(|r| r.first_failure.clone()) {
                return Err(Error::ClaimFailed {
                    claim: "proof".into(),
                    detail: failure,
                });
            }
            Ok(())
        }
        Command::Report { dir, format, output } => {
            let report = renorm::bundle::bundle(&dir)?;
            let format = render_format(format);
            if output.as_deref().is_some_and(cli_io::is_dash) {
                return report_out::emit(&report.render(format));
            }
            let path = output.unwrap_or_else(|| dir.join(format!("bundle.{}", format.extension())));
            report.write(&path, format)?;
            report_out::emit(&format!("{}\n", path.display()))
        }
        Command::Train {
            arch,
            depth,
            width,
            samples,
            input_dim,
            steps,
            lr,
            checkpoints,
            seed,
            save_jacobian,
            max_lambda_dt,
            output,
        } => {
            let config = renorm::train::TrainConfig {
                arch: arch
                    .parse()
                    .map_err(|_| Error::Usage(format!("--arch must be plain or residual, not `{arch}`")))?,
                depth,
                width,
                input_dim,
                samples,
                steps,
                learning_rate: lr,
                checkpoints,
                seed,
                save_jacobian,
                lambda_dt_target: max_lambda_dt,
            };
            let (run, summary) = train_with_progress(&config)?;
            note(format_args!("trained: {}", summary.line()));
            warn_lambda_dt(&summary);
            if cli_io::is_dash(&output) {
                return report_out::emit_bytes(&renorm::rundata::npz_bytes(&run, "<stdout>")?);
            }
            renorm::rundata::write_npz(&output, &run)?;
            let mut meta = output.clone().into_os_string();
            meta.push(".meta.json");
            renorm::atomic_write::write_atomic(
                Path::new(&meta),
                renorm::train::metadata_json(&config, &run, &summary)?.as_bytes(),
            )?;
            report_out::emit(&format!("{}\n", output.display()))
        }
        Command::Conditions {
            run,
            spec,
            format,
            output,
        } => {
            cli_io::stdin_at_most_once([run.as_path()].into_iter().chain(spec.as_deref()))?;
            let spec = match spec {
                Some(p) => {
                    let (text, name) = cli_io::read_document(&p)?;
                    renorm::conditions::ConditionsSpec::from_toml(&text, &name)?
                }
                None => renorm::conditions::ConditionsSpec::default(),
            };
            let result = conditions_with_progress(&run, &spec)?;
            let rendered = match format {
                ReportFormat::Text => renorm::conditions::text_report(&result),
                f => renorm::conditions::report(&result)?.render(render_format(f)),
            };
            match output.filter(|p| !cli_io::is_dash(p)) {
                Some(path) => {
                    renorm::atomic_write::write_atomic(&path, rendered.as_bytes())?;
                    renorm::conditions::write_figures_beside(&result, &path)?;
                }
                None => report_out::emit(&rendered)?,
            }
            Ok(())
        }
        Command::Rg { command } => cli::rg::run(command),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "renorm", &mut script);
            report_out::emit(&String::from_utf8_lossy(&script))
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut page)
                .map_err(|e| Error::write("<stdout>", e))?;
            report_out::emit(&String::from_utf8_lossy(&page))
        }
        Command::Experiment {
            name,
            files,
            depths,
            seeds,
            widths,
            steps,
            samples,
            input_dim,
            lr,
            checkpoints,
            max_lambda_dt,
            shard,
            output,
            figures,
        } => {
            use renorm::conditions::experiment as exp;
            if figures.as_deref().is_some_and(cli_io::is_dash) {
                return Err(Error::Usage("--figures names a folder; `-` is not one".into()));
            }
            let write_table = |rows: &[exp::LsiRow], output: Option<PathBuf>| -> Result<()> {
                let table = exp::markdown_table(rows);
                report_out::emit(&table)?;
                if let Some(dir) = &figures {
                    let figure = renorm::conditions::experiment_plot::figure(rows);
                    figure.write(dir)?;
                    note(format_args!("wrote {}", dir.join(figure.svg_name()).display()));
                }
                match output {
                    Some(path) if !cli_io::is_dash(&path) => {
                        renorm::atomic_write::write_atomic(&path, table.as_bytes())
                    }
                    // `-`: the table already went to standard output.
                    _ => Ok(()),
                }
            };
            if name == "merge" {
                if files.is_empty() {
                    return Err(Error::Usage("experiment merge needs shard files".into()));
                }
                if shard.is_some() {
                    return Err(Error::Usage("experiment merge takes no --shard".into()));
                }
                let mut shards = Vec::new();
                for path in &files {
                    let (text, origin) = cli_io::read_document(path)?;
                    shards.push((origin.clone(), exp::ShardResult::from_json(&text, &origin)?));
                }
                let rows = exp::merge_shards(&shards)?;
                return write_table(&rows, output);
            }
            if name != "lsi" {
                return Err(Error::Usage(format!(
                    "unknown experiment `{name}` (available: lsi, and merge to combine shards)"
                )));
            }
            if !files.is_empty() {
                return Err(Error::Usage(
                    "experiment lsi takes no file arguments (shard files go to `experiment merge`)".into(),
                ));
            }
            let experiment = exp::LsiExperiment {
                depths,
                widths,
                seeds,
                base: renorm::train::TrainConfig {
                    steps,
                    samples,
                    input_dim,
                    learning_rate: lr,
                    checkpoints,
                    lambda_dt_target: max_lambda_dt,
                    ..renorm::train::TrainConfig::default()
                },
            };
            let train = |config: &renorm::train::TrainConfig| {
                note(format_args!(
                    "training {} depth {} width {} seed {}",
                    config.arch, config.depth, config.width, config.seed
                ));
                let (run, summary) = train_with_progress(config)?;
                note(format_args!("  {}", summary.line()));
                warn_lambda_dt(&summary);
                Ok(run)
            };
            if let Some(shard) = shard {
                if figures.is_some() {
                    return Err(Error::Usage(
                        "--figures needs the whole grid: give it to `experiment merge`".into(),
                    ));
                }
                let shard: exp::Shard = shard.parse().map_err(Error::Usage)?;
                let result = exp::run_shard(&experiment, shard, train)?;
                let json = result.to_json()?;
                return match output {
                    Some(path) if !cli_io::is_dash(&path) => {
                        renorm::atomic_write::write_atomic(&path, json.as_bytes())?;
                        note(format_args!("wrote {}", path.display()));
                        Ok(())
                    }
                    _ => report_out::emit(&json),
                };
            }
            let rows = exp::run_lsi(&experiment, train)?;
            write_table(&rows, output)
        }
        Command::Parse {
            expr,
            file,
            format,
            output,
        } => {
            let e = match (expr, file) {
                (_, Some(path)) => parse_bytes(&path.display().to_string(), &read_formula_file(&path)?)?,
                (Some(expr), None) => parse_bytes("<EXPR>", &os_bytes(&expr))?,
                (None, None) => return Err(Error::Usage("give a formula or --file".into())),
            };
            let vars: Vec<String> = e.variables().into_iter().collect();
            let text = match format {
                Format::Text => format!(
                    "parsed:    {e}\nlatex:     {}\nvariables: {}\nnodes:     {}\n",
                    e.to_latex(),
                    vars.join(", "),
                    e.node_count()
                ),
                Format::Json => {
                    let doc = serde_json::json!({
                        "schema": renorm::contract::PARSE,
                        "parsed": e.to_string(),
                        "latex": e.to_latex(),
                        "variables": vars,
                        "nodes": e.node_count(),
                    });
                    serde_json::to_string_pretty(&doc).map_err(|e| Error::serialize("the parse result", e))?
                        + "\n"
                }
            };
            cli_io::write_output(output.as_deref(), text.as_bytes())
        }
        Command::Identity {
            lhs,
            rhs,
            digits,
            points,
            max_digits,
            real,
            format,
            expect_holds,
            output,
        } => {
            let max_digits = checked_knobs(digits, points, max_digits)?;
            let identity = Identity::new(
                parse_bytes("<LHS>", &os_bytes(&lhs))?,
                parse_bytes("<RHS>", &os_bytes(&rhs))?,
            )
            .with_domain_for_all(if real { Domain::Real } else { Domain::Positive });
            let options = CheckOptions {
                digits,
                points,
                max_digits,
                ..CheckOptions::default()
            };
            take_engine(None)?;
            let outcome = crosscheck::check(&identity, &options);
            let text = match format {
                Format::Text => outcome.to_text(),
                Format::Json => renorm::contract::to_json(renorm::contract::IDENTITY, &outcome)?,
            };
            cli_io::write_output(output.as_deref(), text.as_bytes())?;
            if expect_holds && !outcome.status.holds() {
                return Err(Error::ClaimFailed {
                    claim: outcome.identity.clone(),
                    detail: format!("status is {}", outcome.status),
                });
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented table: 1 claim, 2 input, 3 internal; 0 is success and never an error.
    #[test]
    fn each_kind_has_its_exit_code() {
        assert_eq!(exit_code(ErrorKind::ClaimDoesNotHold), 1);
        assert_eq!(exit_code(ErrorKind::InvalidInput), 2);
        assert_eq!(exit_code(ErrorKind::Internal), 3);
    }

    /// Whole errors through `kind`, as `main` maps them: output I/O is 3, input I/O is 2.
    #[test]
    fn errors_map_through_their_kind() {
        let denied = || std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let claim = Error::ClaimFailed {
            claim: "c".into(),
            detail: "d".into(),
        };
        assert_eq!(exit_code(claim.kind()), 1);
        assert_eq!(exit_code(Error::Usage("u".into()).kind()), 2);
        assert_eq!(exit_code(Error::io("in.toml", denied()).kind()), 2);
        assert_eq!(exit_code(Error::write("out.md", denied()).kind()), 3);
        assert_eq!(exit_code(Error::numeric("sampling", "diverged").kind()), 3);
    }

    #[test]
    fn help_documents_the_same_exit_codes() {
        use clap::CommandFactory;
        let help = Cli::command().render_long_help().to_string();
        for line in [
            "0 success",
            "1 a checked claim does not hold",
            "2 invalid input or usage",
            "3 internal or numeric failure",
        ] {
            assert!(help.contains(line), "{line:?} missing from --help: {help}");
        }
    }
}
