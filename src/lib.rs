//! # renorm
//!
//! `renorm` verifies the conditions under which learning dynamics obey power laws. It checks a
//! proposed spectral coupling or velocity field for log-shift covariance and time-rescaling
//! covariance, derives the power law the GRSD rigidity theorem then forces, and confirms every
//! symbolic conclusion on an independent arbitrary-precision numeric path.
//!
//! The mathematics is fixed in the project's `docs/theory.md`; the modules map onto it:
//!
//! | module | role |
//! |---|---|
//! | [`expr`] | the project's own expression tree |
//! | [`input`] | tokenizer, parser, limits and located diagnostics for formulas |
//! | [`symbolic`] | the symbolic engine (Symbolica), confined to one thread behind a channel |
//! | [`numeric`] | MPFR evaluation, exact rationals, dual numbers, interval enclosures |
//! | [`crosscheck`] | identities checked by both engines, with docs/theory.md §4 statuses |
//! | [`rules`] | a domain-free rule engine: facts, rules, fixpoint, derivation trail |
//! | [`grsd`] | the GRSD pipeline: [`check`] (covariance and the forced power law), [`train`], [`rundata`], [`shells`], [`conditions`] |
//! | [`proof`] | machine-checked derivations (`renorm prove`) |
//! | [`report`] | the one report writer: Markdown, LaTeX, HTML, JSON |
//! | [`contract`] | the JSON contract: `schema` identifiers of every JSON output |
//! | [`spec_values`] | exact numbers and located errors shared by the TOML spec formats |
//! | [`rg`] | the RG layer: learning curves, flows, relevance, predictions, sampling |
//! | [`app`] | whole-program workflows: the demo and the report bundle |
//! | [`api`] | the library entry points: the [`Field`] builder and [`identity`] |
//! | `testing` | (feature `testing`) strategies with known answers and assertion helpers for test suites |
//!
//! The symbolic and numeric modules never depend on each other: they are two independent
//! witnesses, and [`crosscheck`] is where their answers meet.
#![deny(missing_docs)]
#![deny(clippy::float_cmp)]
#![warn(rustdoc::broken_intra_doc_links)]

pub mod api;
pub mod app;
pub mod atomic_write;
pub mod budget;
pub mod contract;
pub mod crosscheck;
pub mod error;
pub mod expr;
pub mod files;
pub mod grsd;
pub mod input;
pub mod numeric;
pub mod plot;
pub mod proof;
pub mod report;
pub mod rg;
pub mod rules;
pub mod spec_values;
pub mod symbolic;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use api::{Field, identity, identity_with, parse_identity};
pub use app::{bundle, demo};
pub use check::{CheckReport, Knobs, VerdictClass};
pub use crosscheck::{CheckOptions, Outcome};
pub use error::{Error, ErrorKind, Result};
pub use grsd::{check, conditions, rundata, shells, train};
