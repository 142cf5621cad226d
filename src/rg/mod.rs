//! The RG layer (THEORY.md §3): a power-law Gaussian process with weak non-Gaussian
//! interactions, its exact learning curves, its one-loop renormalization-group flow, scaling
//! intervals and relevance, predictions at `U ≠ 0`, hyperparameter transfer, and validation by
//! Langevin sampling.
//!
//! | module | role |
//! |---|---|
//! | [`model`] | the model spec (TOML) |
//! | [`theory`] | per-mode GP, first-order and renormalized predictions; the discrete flow |
//!
//! Everything here is *our* formalization (THEORY.md marks §3.1–3.2 [ours, derive]); each
//! derivation step is checked in `proofs/rg_*.toml`.

pub mod model;
pub mod svg;
pub mod theory;
pub mod transfer;

pub use model::{Interaction, Model};
