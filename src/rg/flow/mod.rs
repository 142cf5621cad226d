//! One-loop continuum RG flow of the power-law GP with a quartic interaction
//! (docs/theory.md §3.2–3.3, module docs of [`crate::rg`]).
//!
//! State `g = (ũ, ρ, A, S²)`, RG time `τ = ln ℓ`, parameters `α, β, ω` (exact rationals) and the
//! cutoff `N = Λ`. With `a = 1 + α`, `c = 1 + 2ω` and
//!
//! ```text
//!     T = ρ/(1+ρ) + S²/(1+ρ)²
//!     B = ρ²/(1+ρ)² + 2S²ρ/(1+ρ)³ + 2T
//!     dA/dτ  = A ũ T
//!     dρ/dτ  = ρ (−a + ũ T)
//!     dũ/dτ  = −c ũ − ũ² B
//!     dS²/dτ = S² (β − α + ũ T)
//! ```
//!
//! `S²` is carried as a state variable, so the system is autonomous in `τ`: no function here takes
//! `τ` as an argument of the right-hand side. `A` never feeds back into the other three equations
//! (it is the redundant amplitude our scheme absorbs in `r` and `z`), which is why fixed points and
//! linearizations live in `(ũ, ρ)` or `(ũ, ρ, S²)`.
//!
//! Along any trajectory two combinations are exact invariants of the one-loop flow, which the
//! tests use as checks that do not need a closed form: `ρ e^{aτ}/A` (the bare `x = P/r` up to the
//! constant `N^a`) and `S² e^{−(β−α)τ}/A`.
//!
//! Everything that is verified is computed in MPFR (`rug::Float`) at an explicit precision, with
//! parameters as exact rationals; `f64` appears only as Newton starting guesses (from `nalgebra`)
//! and in the plotting path.
//!
//! The module is split by concept:
//!
//! | file | contents |
//! |---|---|
//! | `beta.rs` | parameters, state, the beta functions and their stability matrix ([`Scalar`]) |
//! | `trajectory.rs` | integrating the flow ([`integrate_flow`]), derived quantities, CSV/JSON rows |
//! | `nullclines.rs` | the nullclines of `ρ` and `ũ` |
//! | `fixed_points.rs` | Newton search for fixed points of the `S² = 0` plane; exact detection of the line of fixed points at `ω = −1/2` |
//! | `linearize.rs` | stability matrix at a fixed point or along a fixed line, certified eigenvalues and their relevance |
//!
//! The integrator itself is the domain-free [`crate::numeric::ode`]; characteristic polynomials
//! and certified root enclosures are [`crate::numeric::poly`]. Their items are re-exported here
//! under their historical paths.

mod beta;
mod fixed_points;
mod linearize;
mod nullclines;
mod trajectory;

pub use beta::{
    FlowParams, FlowState, Scalar, Truncation, beta_exact, beta_functions, beta_generic, slice_target2,
    stability_matrix, stability_matrix_generic,
};
pub use fixed_points::{
    FixedLine, FixedPoint, FixedPointSearch, FixedSet, LINE_BETA_DEGREE, find_fixed_points, find_fixed_set,
    fixed_line,
};
pub use linearize::{
    Direction, Eigen, LINE_SAMPLES, LineLinearization, Linearization, eigen_enclosures, linearize,
    linearize_line,
};
pub use nullclines::{r_nullcline, r_nullcline_at, u_nullcline, u_nullcline_at};
pub use trajectory::{
    CSV_HEADER, Derived, FlowPoint, Trajectory, TrajectoryRow, TrajectoryTable, derived, digits_string,
    integrate_flow,
};

pub use crate::numeric::ode::{
    IntegrateError, IntegratorOptions, Method, OdeSolution, SolverStats, Tableau, integrate, integrate_fixed,
};
pub use crate::numeric::poly::{Enclosure, characteristic_polynomial, rational_reconstruct};

/// Errors of the flow layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    /// Parameters outside the model's domain.
    #[error("invalid flow parameters: {0}")]
    InvalidParams(String),
    /// The beta functions are singular at `ρ = −1`.
    #[error("beta functions evaluated on the pole 1 + rho = 0")]
    Pole,
    /// The integrator failed.
    #[error(transparent)]
    Integrate(#[from] IntegrateError),
    /// A linear-algebra step had no solution (singular matrix, failed root refinement).
    #[error("linear algebra: {0}")]
    LinearAlgebra(String),
}

#[cfg(test)]
mod tests;
