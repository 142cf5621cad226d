//! The library's one error type, with structured variants, and the coarse [`ErrorKind`] a
//! caller (the command-line tool, a test suite) decides on.
//!
//! # Kinds and exit codes
//!
//! Every [`Error`] has exactly one [`ErrorKind`] ([`Error::kind`]). The library never chooses
//! a process exit code; the `renorm` binary derives it from the kind alone:
//!
//! | exit code | kind | meaning |
//! |---|---|---|
//! | 0 | — | success |
//! | 1 | [`ErrorKind::ClaimDoesNotHold`] | a claim the user asked to check does not hold |
//! | 2 | [`ErrorKind::InvalidInput`] | invalid input or usage (the user must change something) |
//! | 3 | [`ErrorKind::Internal`] | an internal or numeric failure (the tool could not answer) |
//!
//! # Which variant
//!
//! * The user's input is wrong (a formula, a spec or model field, an option value, an input
//!   file that cannot be read): [`Error::Parse`], [`Error::InvalidInput`], [`Error::Usage`]
//!   (command line only, built by the binary), [`Error::Io`].
//! * The computation failed on valid input (an integral that did not converge, an enclosure
//!   that could not be certified, a diverged sampler or trainer, a non-finite result):
//!   [`Error::Numeric`]; failures of the numeric evaluator and the symbolic engine have their
//!   own variants ([`Error::Eval`], [`Error::Engine`]).
//! * The tool itself is broken or its environment refuses (a built-in example misbehaving, a
//!   result that cannot be serialised): [`Error::Internal`].
//! * I/O: failing to **read an input** is the user's problem ([`Error::Io`], exit 2: a wrong
//!   path or permissions on a file they named); failing to **write an output** (unwritable
//!   folder, full disk, closed standard output) is [`Error::Write`], exit 3: the input was
//!   fine and the answer exists, the tool could not deliver it.
//!
//! Library messages never name command-line flags: an option is named by its library field
//! (`digits`, `p_prime`, sampler `dt`); the binary may add its own flag hints.

use crate::input::ParseError;
use crate::numeric::EvalError;
use crate::symbolic::EngineError;
use std::path::PathBuf;

/// The coarse class of an [`Error`]: what a caller needs to decide how to react.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A claim the user asked `renorm` to check does not hold (exit code 1).
    ClaimDoesNotHold,
    /// The input or the command line is invalid; the user must change it (exit code 2).
    InvalidInput,
    /// An internal or numeric failure: the input was acceptable but no answer could be produced
    /// or delivered (exit code 3).
    Internal,
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ErrorKind::ClaimDoesNotHold => "claim does not hold",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Internal => "internal failure",
        })
    }
}

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
    /// A file, field or option of the input (spec, data, proof or model file; a value passed
    /// to a library function) is invalid.
    #[error("{location}: {message}")]
    InvalidInput {
        /// File, field, line or array index the problem concerns.
        location: String,
        /// What is wrong and, where possible, how to fix it.
        message: String,
    },
    /// The command line is inconsistent (beyond what the argument parser catches). Built by the
    /// binary only: the library does not know the command line.
    #[error("usage: {0}")]
    Usage(String),
    /// Reading an input file failed (missing, unreadable).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Writing an output (file, folder or standard output) failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or folder concerned (`<stdout>` for standard output).
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
    /// A computation failed on acceptable input: no convergence, no certified enclosure at the
    /// requested accuracy, a diverged integrator, sampler or trainer, a non-finite result.
    #[error("numeric failure: {context}: {message}")]
    Numeric {
        /// The computation that failed, e.g. `scaling law at P = 100`.
        context: String,
        /// What went wrong and, where possible, which setting to change.
        message: String,
    },
    /// The tool itself failed: a built-in example or formula misbehaved, a result could not be
    /// serialised, a rule set was inconsistent. Not the user's fault, never a verdict.
    #[error("internal error: {context}: {message}")]
    Internal {
        /// What was being done.
        context: String,
        /// What went wrong.
        message: String,
    },
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
    /// The coarse class of this error (see the [module docs](self) for the table of kinds and
    /// the exit codes the binary derives from them).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::ClaimFailed { .. } => ErrorKind::ClaimDoesNotHold,
            Error::Parse { .. } | Error::InvalidInput { .. } | Error::Usage(_) | Error::Io { .. } => {
                ErrorKind::InvalidInput
            }
            Error::Write { .. }
            | Error::Eval(_)
            | Error::Engine(_)
            | Error::Numeric { .. }
            | Error::Internal { .. } => ErrorKind::Internal,
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

    /// A failure to read the input file `path` (kind [`ErrorKind::InvalidInput`]).
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A failure to write the output `path` (kind [`ErrorKind::Internal`]).
    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Write {
            path: path.into(),
            source,
        }
    }

    /// An invalid input at `location`.
    pub fn invalid(location: impl Into<String>, message: impl Into<String>) -> Error {
        Error::InvalidInput {
            location: location.into(),
            message: message.into(),
        }
    }

    /// A numeric failure of `context`.
    pub fn numeric(context: impl Into<String>, message: impl std::fmt::Display) -> Error {
        Error::Numeric {
            context: context.into(),
            message: message.to_string(),
        }
    }

    /// An internal failure while doing `context`.
    pub fn internal(context: impl Into<String>, message: impl std::fmt::Display) -> Error {
        Error::Internal {
            context: context.into(),
            message: message.to_string(),
        }
    }

    /// A value that could not be serialised to JSON (an internal failure: every serialised type
    /// is the crate's own).
    pub fn serialize(what: impl std::fmt::Display, source: serde_json::Error) -> Error {
        Error::internal(format!("serialising {what}"), source)
    }

    /// Classifies a learning-curve failure of `context`: an argument outside the method's domain
    /// or one that would need unreasonable work is the caller's input; an accuracy that could
    /// not be certified is a numeric failure.
    pub fn from_curve(context: impl std::fmt::Display, e: crate::rg::curve::CurveError) -> Error {
        use crate::rg::curve::CurveError;
        match e {
            CurveError::OutOfDomain { .. } | CurveError::TooCostly { .. } => {
                Error::invalid(context.to_string(), e.to_string())
            }
            CurveError::Precision { .. } => Error::numeric(context.to_string(), e),
        }
    }

    /// Classifies an RG-flow failure of `context`: parameters outside the model's domain are the
    /// caller's input; a pole, a failed integration or a failed linear-algebra step is a numeric
    /// failure.
    pub fn from_flow(context: impl std::fmt::Display, e: crate::rg::flow::FlowError) -> Error {
        use crate::rg::flow::FlowError;
        match e {
            FlowError::InvalidParams(message) => Error::invalid(context.to_string(), message),
            other => Error::numeric(context.to_string(), other),
        }
    }
}

/// Result type used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn io_error() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied")
    }

    /// One value of every variant with the kind the module docs assign to it.
    #[test]
    fn every_variant_has_its_documented_kind() {
        let parse_error = crate::input::parse("(").unwrap_err();
        let cases = [
            (
                Error::ClaimFailed {
                    claim: "c".into(),
                    detail: "d".into(),
                },
                ErrorKind::ClaimDoesNotHold,
            ),
            (Error::parse("--expr", "(", parse_error), ErrorKind::InvalidInput),
            (Error::invalid("spec.toml: expr", "bad"), ErrorKind::InvalidInput),
            (Error::Usage("u".into()), ErrorKind::InvalidInput),
            (Error::io("in.toml", io_error()), ErrorKind::InvalidInput),
            (Error::write("out.md", io_error()), ErrorKind::Internal),
            (Error::numeric("integral", "no convergence"), ErrorKind::Internal),
            (Error::internal("demo", "bug"), ErrorKind::Internal),
            (Error::Eval(EvalError::undefined("log of 0")), ErrorKind::Internal),
        ];
        for (error, kind) in cases {
            assert_eq!(error.kind(), kind, "{error:?}");
        }
    }

    #[test]
    fn curve_and_flow_failures_are_classified() {
        use crate::rg::curve::CurveError;
        use crate::rg::flow::FlowError;
        let domain = CurveError::OutOfDomain {
            what: "alpha".into(),
            detail: "must be positive".into(),
        };
        assert_eq!(Error::from_curve("curve", domain).kind(), ErrorKind::InvalidInput);
        let costly = CurveError::TooCostly {
            detail: "1e9 terms".into(),
        };
        assert_eq!(Error::from_curve("curve", costly).kind(), ErrorKind::InvalidInput);
        let precision = CurveError::Precision {
            digits: 30,
            detail: "width 1e-3".into(),
        };
        let e = Error::from_curve("curve", precision);
        assert_eq!(e.kind(), ErrorKind::Internal);
        assert!(matches!(e, Error::Numeric { .. }), "{e:?}");
        assert_eq!(
            Error::from_flow("flow", FlowError::InvalidParams("N = 0".into())).kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            Error::from_flow("flow", FlowError::Pole).kind(),
            ErrorKind::Internal
        );
    }

    #[test]
    fn messages_name_the_context() {
        let e = Error::numeric("scaling law at P = 10", "did not converge");
        assert_eq!(
            e.to_string(),
            "numeric failure: scaling law at P = 10: did not converge"
        );
        let e = Error::write("out/report.md", io_error());
        assert!(e.to_string().starts_with("cannot write out/report.md"), "{e}");
    }
}
