//! The RG layer (docs/theory.md §3): a power-law Gaussian process with weak non-Gaussian
//! interactions, its exact learning curves, its one-loop renormalization-group flow, scaling
//! intervals and relevance, predictions at `U ≠ 0`, hyperparameter transfer, and validation by
//! Langevin sampling.
//!
//! | module | role |
//! |---|---|
//! | [`model`] | the model spec (TOML) |
//! | [`theory`] | per-mode GP, first-order and renormalized predictions; the discrete flow |
//!
//! ## The scheme, and what it does not do
//!
//! Small-λ modes are integrated out first; the tadpole of the separable quartic renormalizes the
//! kernel amplitude `A` (exactly so at `ω = 0`) and the bubble weakens `U`. The running couplings
//! are `ũ = U K^{1+2ω}/(N A²)`, `ρ = A K^{1+α}/x` (the ridge at the cutoff) and
//! `S² = A K^{α−β}` (the target's weight in the tadpole), with `K = Λ/ℓ`. Three facts proved in
//! `proofs/rg_one_loop.toml` shape what we claim:
//!
//! * The **mean** discrepancy depends on `A` only through `x/A`, so in the mean sector `A` is
//!   absorbed in the ridge and the target factor keeps its tree-level value
//!   `s(ℓ) = ℓ^{(β−1−α)/2}` — `s ≡ 1` at `β = 1+α` at every order *for the mean*. The variance
//!   keeps an overall `1/A` (carried by `z² = ℓ^{2+α}/A`); no choice of `z` removes `A` from
//!   both, so `A` is a genuine coupling.
//! * `(ũ, ρ) = (0, 0)` is a fixed point for every `S²`; the `S²` direction has eigenvalue `β − α`.
//! * The one-loop readout at the cutoff alone misses the mean field of the modes not yet
//!   integrated out — an `O(U)` error for high modes. Our prediction adds it at matching
//!   (see [`theory`]), so it agrees with first-order perturbation theory to `O(U)`.
//!
//! Everything here is *our* formalization (docs/theory.md §3.9); each
//! derivation step is checked in `proofs/rg_*.toml`.

pub mod classify;
pub mod curve;
pub mod curve_render;
pub mod demo;
pub mod exact;
pub mod experiments;
pub mod flow;
pub mod flow_plot;
pub mod model;
pub mod predict;
pub mod sample;
pub mod scaling;
pub mod theory;
pub mod transfer;
pub mod validity;

pub use model::{Interaction, Model};
