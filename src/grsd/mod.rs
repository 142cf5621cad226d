//! The GRSD side: from a proposed field or a training run to the rigidity theorem's verdict.
//!
//! The pipeline, in the order data flows through it (docs/theory.md §2):
//!
//! | module | role |
//! |---|---|
//! | [`check`] | log-shift and time-rescaling covariance of a proposed field, and the power law the rigidity theorem forces |
//! | [`train`] | a small trainer with exact per-sample Jacobians, producing run data |
//! | [`rundata`] | the run-data format (`.npz`): reading, validating, writing |
//! | [`shells`] | logarithmic shells of the NTK spectrum: couplings, transfers, balance, closure, LSI |
//! | [`conditions`] | the sufficient conditions C1–C4 on run data, and the rules that combine them |
//!
//! Each module is also re-exported at the crate root (`renorm::check`, …), the paths the
//! examples and the README use.

pub mod check;
pub mod conditions;
pub mod rundata;
pub mod shells;
pub mod train;
