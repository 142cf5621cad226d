//! Integrating the flow with [`crate::numeric::ode`], the quantities the note derives from a
//! state, and the printed trajectory (JSON rows and CSV).

use rug::ops::Pow;
use rug::{Float, Rational};
use serde::{Deserialize, Serialize};

use super::FlowError;
use super::beta::{Coeffs, FlowParams, FlowState, Truncation, beta_core};
use crate::numeric::Precision;
use crate::numeric::ode::{IntegratorOptions, Method, SolverStats, integrate};

/// One point of a flow trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowPoint {
    /// `τ = ln ℓ`.
    pub tau: Float,
    /// The state at `τ`.
    pub state: FlowState,
}

/// An integrated RG trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// Parameters of the flow.
    pub params: FlowParams,
    /// Truncation of the beta functions.
    pub truncation: Truncation,
    /// Integrator settings used.
    pub options: IntegratorOptions,
    /// States at the requested output `τ`'s, in request order.
    pub outputs: Vec<FlowPoint>,
    /// States after every accepted step (including the initial point) if recorded.
    pub steps: Vec<FlowPoint>,
    /// Step counters and the largest local-error estimate.
    pub stats: SolverStats,
    /// Working precision.
    pub precision: Precision,
}

/// Integrates the flow from `initial` at `tau0` to each `τ` in `outputs`.
pub fn integrate_flow(
    params: &FlowParams,
    truncation: Truncation,
    initial: &FlowState,
    tau0: &Rational,
    outputs: &[Rational],
    opts: &IntegratorOptions,
) -> Result<Trajectory, FlowError> {
    params.validate()?;
    let coeffs = Coeffs::new(params, &Float::new(opts.precision().bits()));
    let rhs = |_tau: &Float, y: &[Float]| -> Vec<Float> {
        let prec = y[0].prec();
        let g = [y[0].clone(), y[1].clone(), y[2].clone(), y[3].clone()];
        match beta_core(&coeffs, truncation, &g) {
            Some(d) => d.to_vec(),
            // The pole reads as a non-finite stage, so the controller backs off or reports it.
            None => vec![Float::with_val(prec, rug::float::Special::Nan); 4],
        }
    };
    let sol = integrate(rhs, tau0, &initial.to_vec(), outputs, opts)?;
    let to_point = |(tau, y): (Float, Vec<Float>)| FlowPoint {
        tau,
        state: FlowState::from_slice(&y).unwrap_or_else(|| initial.clone()),
    };
    Ok(Trajectory {
        params: params.clone(),
        truncation,
        options: opts.clone(),
        outputs: sol.outputs.into_iter().map(to_point).collect(),
        steps: sol.steps.into_iter().map(to_point).collect(),
        stats: sol.stats,
        precision: sol.precision,
    })
}

// ---------------------------------------------------------------------------------------------
// Derived quantities and output
// ---------------------------------------------------------------------------------------------

/// Quantities the note defines from `(τ, state)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    /// Target factor `s(τ) = e^{τ(β−1−α)/2}` (tree-level value at every order in our scheme).
    pub s: Float,
    /// Field rescaling `z² = e^{τ(2+α)}/A`.
    pub z2: Float,
    /// Cutoff `K = N e^{−τ}`.
    pub cutoff: Float,
    /// The running coupling `U = ũ N A² / K^{1+2ω}` (inverting the definition of `ũ`).
    pub coupling: Float,
    /// `x = P/r = A K^a/ρ`, an exact invariant of the one-loop flow (a conservation check).
    pub p_over_r: Float,
}

/// The derived quantities at `(τ, state)`.
pub fn derived(params: &FlowParams, tau: &Float, state: &FlowState, prec: Precision) -> Derived {
    let prec = prec.bits();
    let f = |r: Rational| Float::with_val(prec, r);
    let beta_minus = Rational::from(&params.beta - &params.alpha) - 1u32;
    let s = Float::with_val(prec, tau * &f(beta_minus / 2u32)).exp();
    let two_plus_alpha = Rational::from(&params.alpha + 2u32);
    let z2 = Float::with_val(
        prec,
        Float::with_val(prec, tau * &f(two_plus_alpha)).exp() / &state.amp,
    );
    let cutoff = Float::with_val(prec, Float::with_val(prec, -tau).exp() * params.modes);
    let kc = Float::with_val(prec, (&cutoff).pow(&f(params.c())));
    let amp2 = Float::with_val(prec, state.amp.square_ref());
    let coupling = Float::with_val(prec, Float::with_val(prec, &state.u * &amp2) * params.modes) / kc;
    let ka = Float::with_val(prec, (&cutoff).pow(&f(params.a())));
    let p_over_r = Float::with_val(prec, Float::with_val(prec, &state.amp * &ka) / &state.rho);
    Derived {
        s,
        z2,
        cutoff,
        coupling,
        p_over_r,
    }
}

/// One output row, every value a decimal string at the requested digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrajectoryRow {
    /// `τ`.
    pub tau: String,
    /// `ũ`.
    pub u: String,
    /// `ρ`.
    pub rho: String,
    /// `A`.
    pub amp: String,
    /// `S²`.
    pub target2: String,
    /// `s(τ)`.
    pub s: String,
    /// `z²`.
    pub z2: String,
    /// `K = N e^{−τ}`.
    pub cutoff: String,
    /// `U = ũ N A²/K^{1+2ω}`.
    pub coupling: String,
    /// `x = A K^a/ρ` (invariant).
    pub p_over_r: String,
}

/// A JSON-serializable trajectory: parameters, integrator facts and one row per output `τ`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrajectoryTable {
    /// `α` as an exact rational string.
    pub alpha: String,
    /// `β` as an exact rational string.
    pub beta: String,
    /// `ω` as an exact rational string.
    pub omega: String,
    /// `N`.
    pub modes: u64,
    /// Truncation used.
    pub truncation: Truncation,
    /// Pair used.
    pub method: Method,
    /// Digits of the strings below.
    pub digits: u32,
    /// Working precision in bits.
    pub precision_bits: u32,
    /// Accepted steps.
    pub accepted_steps: u64,
    /// Rejected steps.
    pub rejected_steps: u64,
    /// Largest local-error estimate over accepted steps.
    pub max_error_estimate: String,
    /// One row per requested output.
    pub rows: Vec<TrajectoryRow>,
}

/// Column names of [`Trajectory::to_csv`], in order.
pub const CSV_HEADER: &str = "tau,u,rho,amp,target2,s,z2,cutoff,coupling,p_over_r";

/// `x` in scientific notation with `digits` significant digits (rug's `std`-only
/// `to_string_radix` is unavailable with `default-features = false`; its `LowerExp` takes the
/// precision as the digit count).
pub fn digits_string(x: &Float, digits: u32) -> String {
    format!("{:.*e}", digits.max(1) as usize, x)
}

impl Trajectory {
    /// The output rows with values printed to `digits` significant digits.
    pub fn rows(&self, digits: u32) -> Vec<TrajectoryRow> {
        self.outputs
            .iter()
            .map(|p| {
                let d = derived(&self.params, &p.tau, &p.state, self.precision);
                let w = |x: &Float| digits_string(x, digits);
                TrajectoryRow {
                    tau: w(&p.tau),
                    u: w(&p.state.u),
                    rho: w(&p.state.rho),
                    amp: w(&p.state.amp),
                    target2: w(&p.state.target2),
                    s: w(&d.s),
                    z2: w(&d.z2),
                    cutoff: w(&d.cutoff),
                    coupling: w(&d.coupling),
                    p_over_r: w(&d.p_over_r),
                }
            })
            .collect()
    }

    /// The serializable table.
    pub fn table(&self, digits: u32) -> TrajectoryTable {
        TrajectoryTable {
            alpha: self.params.alpha.to_string(),
            beta: self.params.beta.to_string(),
            omega: self.params.omega.to_string(),
            modes: self.params.modes,
            truncation: self.truncation,
            method: self.options.method,
            digits,
            precision_bits: self.precision.bits(),
            accepted_steps: self.stats.accepted,
            rejected_steps: self.stats.rejected,
            max_error_estimate: digits_string(&self.stats.max_error_estimate, 6),
            rows: self.rows(digits),
        }
    }

    /// CSV: the [`CSV_HEADER`] line, then one row per output `τ`.
    pub fn to_csv(&self, digits: u32) -> String {
        let mut out = String::from(CSV_HEADER);
        out.push('\n');
        for r in self.rows(digits) {
            let cols = [
                &r.tau,
                &r.u,
                &r.rho,
                &r.amp,
                &r.target2,
                &r.s,
                &r.z2,
                &r.cutoff,
                &r.coupling,
                &r.p_over_r,
            ];
            out += &cols.map(|c| c.as_str()).join(",");
            out.push('\n');
        }
        out
    }
}
