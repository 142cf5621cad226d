//! The library's one error type, with structured variants, and its mapping to exit codes.

use crate::input::ParseError;
use crate::numeric::EvalError;
use crate::symbolic::EngineError;
use std::path::PathBuf;

/// Everything that can go wrong in `renorm`, as data a caller can inspect.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A formula could not be read. `origin` names where it came from (a file and field, or
    /// a command-line flag) and `source_text` is the formula, so the error can be rendered with
    /// a caret under the problem.
    #[error("{}", error.render(source_text, origin).trim_end())]
    Parse {
        /// Where the formula came from, e.g. `--expr` or `spec.toml: expr`.
        origin: String,
        /// The formula text as given.
        source_text: String,
        /// The parse error.
        error: ParseError,
    },
    /// A file or field of a structured input (spec, data or proof file) is invalid.
    #[error("{location}: {message}")]
    InvalidInput {
        /// File, field, line or array index the problem concerns.
        location: String,
        /// What is wrong and, where possible, how to fix it.
        message: String,
    },
    /// The command line is inconsistent (beyond what the argument parser catches).
    #[error("usage: {0}")]
    Usage(String),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A numeric evaluation failed where a value was required.
    #[error("numeric evaluation: {0}")]
    Eval(#[from] EvalError),
    /// The symbolic engine failed (not a verdict: the engine itself could not answer).
    #[error("symbolic engine: {0}")]
    Engine(#[from] EngineError),
    /// A defect inside `renorm` (an inconsistent rule set, an invariant that failed): never the
    /// user's fault, never a verdict.
    #[error("internal error: {0}")]
    Internal(String),
    /// A claim the user asked `renorm` to check does not hold.
    #[error("claim does not hold: {claim}: {detail}")]
    ClaimFailed {
        /// The claim, named as in the user's input (e.g. `expect.degree`).
        claim: String,
        /// What was found instead.
        detail: String,
    },
}

impl Error {
    /// The process exit code for this error: **1** a checked claim does not hold, **2** invalid
    /// input or usage, **3** an internal failure (engine crash, unwritable output).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::ClaimFailed { .. } => 1,
            Error::Parse { .. } | Error::InvalidInput { .. } | Error::Usage(_) | Error::Io { .. } => 2,
            Error::Eval(_) | Error::Engine(_) | Error::Internal(_) => 3,
        }
    }

    /// Wraps a parse error with the text and origin it needs for rendering.
    pub fn parse(origin: impl Into<String>, source_text: impl Into<String>, error: ParseError) -> Error {
        Error::Parse {
            origin: origin.into(),
            source_text: source_text.into(),
            error,
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result type used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
