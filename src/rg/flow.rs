//! One-loop continuum RG flow of the power-law GP with a quartic interaction (THEORY.md §3.2–3.3,
//! module docs of [`crate::rg`]).
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

use std::cmp::Ordering;

use nalgebra::DMatrix;
use rug::float::Round;
use rug::ops::Pow;
use rug::{Float, Integer, Rational};
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why an integration stopped. Values are decimal strings so the error stays `Eq` and printable
/// without carrying MPFR state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntegrateError {
    /// The controller asked for a step below the resolution of `τ` at the working precision.
    #[error("step size underflow at tau = {tau} (step {step})")]
    StepSizeUnderflow {
        /// `τ` where the integration stalled.
        tau: String,
        /// The rejected step size.
        step: String,
    },
    /// The state or the right-hand side became NaN or infinite and no smaller step avoided it.
    #[error("non-finite value in component {component} at tau = {tau}")]
    NonFinite {
        /// `τ` of the last finite state.
        tau: String,
        /// Index of the offending component.
        component: usize,
    },
    /// The step budget (accepted plus rejected attempts) ran out.
    #[error("maximum number of steps ({steps}) reached at tau = {tau}")]
    MaxSteps {
        /// `τ` reached.
        tau: String,
        /// The budget.
        steps: u64,
    },
    /// Malformed request (empty or non-monotone outputs, dimension mismatch, zero steps).
    #[error("invalid integrator input: {0}")]
    InvalidInput(String),
}

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

// ---------------------------------------------------------------------------------------------
// A field abstraction, so the beta functions and their derivatives are written once and
// evaluated exactly (Rational), in MPFR (Float) and cheaply for plots (f64).
// ---------------------------------------------------------------------------------------------

/// Minimal field operations shared by `Rational`, `Float` and `f64`.
///
/// The beta functions and the stability matrix are generic over this trait so the exact,
/// arbitrary-precision and plotting paths cannot drift apart.
pub trait Scalar: Clone {
    /// The rational constant `q` in the same arithmetic context as `self` (for `Float`: the
    /// precision of `self`).
    fn constant(&self, q: &Rational) -> Self;
    /// `self + o`.
    fn plus(&self, o: &Self) -> Self;
    /// `self − o`.
    fn minus(&self, o: &Self) -> Self;
    /// `self · o`.
    fn times(&self, o: &Self) -> Self;
    /// `self / o`; callers check [`Scalar::vanishes`] first because `Rational` panics on zero.
    fn over(&self, o: &Self) -> Self;
    /// Whether `self` is exactly zero.
    fn vanishes(&self) -> bool;
}

impl Scalar for Rational {
    fn constant(&self, q: &Rational) -> Self {
        q.clone()
    }
    fn plus(&self, o: &Self) -> Self {
        Rational::from(self + o)
    }
    fn minus(&self, o: &Self) -> Self {
        Rational::from(self - o)
    }
    fn times(&self, o: &Self) -> Self {
        Rational::from(self * o)
    }
    fn over(&self, o: &Self) -> Self {
        Rational::from(self / o)
    }
    fn vanishes(&self) -> bool {
        self.is_zero()
    }
}

impl Scalar for Float {
    fn constant(&self, q: &Rational) -> Self {
        Float::with_val(self.prec(), q)
    }
    fn plus(&self, o: &Self) -> Self {
        Float::with_val(self.prec().max(o.prec()), self + o)
    }
    fn minus(&self, o: &Self) -> Self {
        Float::with_val(self.prec().max(o.prec()), self - o)
    }
    fn times(&self, o: &Self) -> Self {
        Float::with_val(self.prec().max(o.prec()), self * o)
    }
    fn over(&self, o: &Self) -> Self {
        Float::with_val(self.prec().max(o.prec()), self / o)
    }
    fn vanishes(&self) -> bool {
        self.is_zero()
    }
}

impl Scalar for f64 {
    fn constant(&self, q: &Rational) -> Self {
        q.to_f64()
    }
    fn plus(&self, o: &Self) -> Self {
        self + o
    }
    fn minus(&self, o: &Self) -> Self {
        self - o
    }
    fn times(&self, o: &Self) -> Self {
        self * o
    }
    fn over(&self, o: &Self) -> Self {
        self / o
    }
    fn vanishes(&self) -> bool {
        *self == 0.0
    }
}

// ---------------------------------------------------------------------------------------------
// Parameters, state, beta functions
// ---------------------------------------------------------------------------------------------

/// Model parameters: spectral exponent `α`, target exponent `β`, interaction weight exponent `ω`
/// (all exact) and the number of modes `N = Λ` (the initial cutoff).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowParams {
    /// `α`: kernel eigenvalues `λ_k = k^{−(1+α)}`.
    pub alpha: Rational,
    /// `β`: target coefficients `y_k = k^{−(1+β)/2}`.
    pub beta: Rational,
    /// `ω`: separable interaction weights `w_k = k^ω/λ_k`.
    pub omega: Rational,
    /// `N = Λ`, the number of modes and the cutoff at `τ = 0`.
    pub modes: u64,
}

impl FlowParams {
    /// Validated parameters: `N ≥ 1` and `a = 1 + α > 0` (a decaying kernel spectrum).
    pub fn new(alpha: Rational, beta: Rational, omega: Rational, modes: u64) -> Result<Self, FlowError> {
        let p = FlowParams {
            alpha,
            beta,
            omega,
            modes,
        };
        p.validate()?;
        Ok(p)
    }

    /// The Figure 2 choice `α = 1/5`, `β = 1 + α = 6/5` (so `s ≡ 1`), `ω = 0`.
    pub fn figure2(modes: u64) -> Result<Self, FlowError> {
        FlowParams::new(
            Rational::from((1, 5)),
            Rational::from((6, 5)),
            Rational::new(),
            modes,
        )
    }

    /// Checks the domain restrictions of [`FlowParams::new`].
    pub fn validate(&self) -> Result<(), FlowError> {
        if self.modes == 0 {
            return Err(FlowError::InvalidParams("modes N must be at least 1".into()));
        }
        if self.a().cmp0() != Ordering::Greater {
            return Err(FlowError::InvalidParams(format!(
                "a = 1 + alpha must be positive (alpha = {})",
                self.alpha
            )));
        }
        Ok(())
    }

    /// `a = 1 + α`, the tree-level decay rate of `ρ`.
    pub fn a(&self) -> Rational {
        Rational::from(&self.alpha + 1u32)
    }

    /// `c = 1 + 2ω`, the tree-level decay rate of `ũ`.
    pub fn c(&self) -> Rational {
        Rational::from(&self.omega * 2u32) + 1u32
    }

    /// `β − α`, the tree-level growth rate of `S²`.
    pub fn target_exponent(&self) -> Rational {
        Rational::from(&self.beta - &self.alpha)
    }
}

/// Which terms of the beta functions are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Truncation {
    /// The full one-loop flow of the note.
    OneLoop,
    /// Only the scaling terms (`ũ`-loop terms off): `ρ ∝ e^{−aτ}`, `ũ ∝ e^{−cτ}`,
    /// `S² ∝ e^{(β−α)τ}`, `A` constant, whatever `ũ` is.
    TreeLevel,
}

/// The running couplings at one `τ`, all MPFR.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowState {
    /// `ũ = U K^{1+2ω}/(N A²)`: the quartic coupling in normalized fields.
    pub u: Float,
    /// `ρ = A K^a / x`: the ridge at the cutoff (`x = P/r`).
    pub rho: Float,
    /// `A`: the kernel-amplitude factor generated by the tadpole.
    pub amp: Float,
    /// `S² = A K^{α−β}`: the target weight at the cutoff.
    pub target2: Float,
}

impl FlowState {
    /// Number of components (`ũ, ρ, A, S²`).
    pub const DIM: usize = 4;

    /// A state from exact rationals at `prec` bits.
    pub fn from_rationals(
        u: &Rational,
        rho: &Rational,
        amp: &Rational,
        target2: &Rational,
        prec: u32,
    ) -> Self {
        FlowState {
            u: Float::with_val(prec, u),
            rho: Float::with_val(prec, rho),
            amp: Float::with_val(prec, amp),
            target2: Float::with_val(prec, target2),
        }
    }

    /// The dimensionless state at `τ = 0` (`K = N`, `A = 1`) of a model with bare coupling `U` and
    /// `x = P/r`: `ũ = U N^{2ω}`, `ρ = N^a/x`, `S² = N^{α−β}`.
    pub fn bare(
        params: &FlowParams,
        coupling: &Rational,
        p_over_r: &Rational,
        prec: u32,
    ) -> Result<Self, FlowError> {
        params.validate()?;
        if p_over_r.cmp0() != Ordering::Greater {
            return Err(FlowError::InvalidParams("P/r must be positive".into()));
        }
        let n = Float::with_val(prec, params.modes);
        let pow = |e: &Rational| Float::with_val(prec, (&n).pow(&Float::with_val(prec, e)));
        let two_omega = Rational::from(&params.omega * 2u32);
        Ok(FlowState {
            u: Float::with_val(prec, pow(&two_omega) * coupling),
            rho: Float::with_val(prec, pow(&params.a()) / p_over_r),
            amp: Float::with_val(prec, 1u32),
            target2: pow(&(-params.target_exponent())),
        })
    }

    /// The documented slice of the `(ũ, ρ)` plane at `τ`: `A = 1`, `S² = e^{(β−α)τ} N^{α−β}`.
    pub fn on_slice(params: &FlowParams, tau: &Rational, u: &Float, rho: &Float, prec: u32) -> Self {
        FlowState {
            u: Float::with_val(prec, u),
            rho: Float::with_val(prec, rho),
            amp: Float::with_val(prec, 1u32),
            target2: slice_target2(params, tau, prec),
        }
    }

    /// Components in the order `(ũ, ρ, A, S²)`.
    pub fn to_vec(&self) -> Vec<Float> {
        vec![
            self.u.clone(),
            self.rho.clone(),
            self.amp.clone(),
            self.target2.clone(),
        ]
    }

    /// Inverse of [`FlowState::to_vec`]; `None` unless `v` has exactly four entries.
    pub fn from_slice(v: &[Float]) -> Option<Self> {
        match v {
            [u, rho, amp, target2] => Some(FlowState {
                u: u.clone(),
                rho: rho.clone(),
                amp: amp.clone(),
                target2: target2.clone(),
            }),
            _ => None,
        }
    }

    /// Whether every component is finite.
    pub fn is_finite(&self) -> bool {
        self.u.is_finite() && self.rho.is_finite() && self.amp.is_finite() && self.target2.is_finite()
    }
}

/// `S²` on the documented slice: `e^{(β−α)τ} N^{α−β}` (with `A = 1`).
pub fn slice_target2(params: &FlowParams, tau: &Rational, prec: u32) -> Float {
    let g = params.target_exponent();
    let growth = Float::with_val(prec, Rational::from(&g * tau)).exp();
    let n = Float::with_val(prec, params.modes);
    let cutoff_weight = Float::with_val(prec, (&n).pow(&Float::with_val(prec, -g)));
    Float::with_val(prec, growth * cutoff_weight)
}

/// The pieces `T`, `B` and their derivatives at one point; `None` on the pole `1 + ρ = 0`.
struct Pieces<S> {
    t: S,
    b: S,
    t_rho: S,
    t_s: S,
    b_rho: S,
    b_s: S,
}

/// The parameter-dependent constants lifted once into the arithmetic of `S`, so a right-hand
/// side called millions of times does not rebuild rationals on every call.
struct Coeffs<S> {
    a: S,
    c: S,
    gamma: S,
    zero: S,
    one: S,
    two: S,
}

impl<S: Scalar> Coeffs<S> {
    fn new(params: &FlowParams, sample: &S) -> Self {
        Coeffs {
            a: sample.constant(&params.a()),
            c: sample.constant(&params.c()),
            gamma: sample.constant(&params.target_exponent()),
            zero: sample.constant(&Rational::new()),
            one: sample.constant(&Rational::from(1)),
            two: sample.constant(&Rational::from(2)),
        }
    }
}

fn pieces<S: Scalar>(rho: &S, s2: &S) -> Option<Pieces<S>> {
    let one = rho.constant(&Rational::from(1));
    let two = rho.constant(&Rational::from(2));
    pieces_with(&one, &two, rho, s2)
}

fn pieces_with<S: Scalar>(one: &S, two: &S, rho: &S, s2: &S) -> Option<Pieces<S>> {
    let p = one.plus(rho);
    if p.vanishes() {
        return None;
    }
    let ip = one.over(&p);
    let ip2 = ip.times(&ip);
    let ip3 = ip2.times(&ip);
    let ip4 = ip2.times(&ip2);
    let t = rho.times(&ip).plus(&s2.times(&ip2));
    let b = rho
        .times(rho)
        .times(&ip2)
        .plus(&two.times(s2).times(rho).times(&ip3))
        .plus(&two.times(&t));
    // dT/dρ = (1+ρ)^{-2} − 2S²(1+ρ)^{-3};  dT/dS² = (1+ρ)^{-2}
    let t_rho = ip2.minus(&two.times(s2).times(&ip3));
    let t_s = ip2.clone();
    // d[ρ²/(1+ρ)²]/dρ = 2ρ/(1+ρ)³;  d[ρ/(1+ρ)³]/dρ = (1−2ρ)/(1+ρ)⁴
    let b_rho = two
        .times(rho)
        .times(&ip3)
        .plus(&two.times(s2).times(&one.minus(&two.times(rho))).times(&ip4))
        .plus(&two.times(&t_rho));
    let b_s = two.times(rho).times(&ip3).plus(&two.times(&ip2));
    Some(Pieces {
        t,
        b,
        t_rho,
        t_s,
        b_rho,
        b_s,
    })
}

/// The beta functions `(dũ, dρ, dA, dS²)/dτ` in any [`Scalar`]; `None` on the pole `ρ = −1`.
pub fn beta_generic<S: Scalar>(params: &FlowParams, truncation: Truncation, g: &[S; 4]) -> Option<[S; 4]> {
    beta_core(&Coeffs::new(params, &g[0]), truncation, g)
}

fn beta_core<S: Scalar>(k: &Coeffs<S>, truncation: Truncation, g: &[S; 4]) -> Option<[S; 4]> {
    let [u, rho, amp, s2] = g;
    let pc = pieces_with(&k.one, &k.two, rho, s2)?;
    let (lp, quad) = match truncation {
        Truncation::OneLoop => (u.times(&pc.t), u.times(u).times(&pc.b)),
        Truncation::TreeLevel => (k.zero.clone(), k.zero.clone()),
    };
    let du = k.zero.minus(&k.c.times(u)).minus(&quad);
    let drho = rho.times(&lp.minus(&k.a));
    let damp = amp.times(&lp);
    let ds2 = s2.times(&k.gamma.plus(&lp));
    Some([du, drho, damp, ds2])
}

/// The analytic stability matrix `M_ij = ∂β_i/∂g_j` in the order `(ũ, ρ, A, S²)`; `None` on the
/// pole.
pub fn stability_matrix_generic<S: Scalar>(
    params: &FlowParams,
    truncation: Truncation,
    g: &[S; 4],
) -> Option<[[S; 4]; 4]> {
    let [u, rho, amp, s2] = g;
    let k = |q: Rational| u.constant(&q);
    let (a, c, gamma) = (k(params.a()), k(params.c()), k(params.target_exponent()));
    let zero = k(Rational::new());
    let two = k(Rational::from(2));
    let pc = pieces(rho, s2)?;
    let one_loop = truncation == Truncation::OneLoop;
    // L = ũT and its gradient; the tree-level truncation drops L entirely.
    let (l, l_u, l_rho, l_s) = if one_loop {
        (u.times(&pc.t), pc.t.clone(), u.times(&pc.t_rho), u.times(&pc.t_s))
    } else {
        (zero.clone(), zero.clone(), zero.clone(), zero.clone())
    };
    let u2 = u.times(u);
    let row_u = if one_loop {
        [
            zero.minus(&c).minus(&two.times(u).times(&pc.b)),
            zero.minus(&u2.times(&pc.b_rho)),
            zero.clone(),
            zero.minus(&u2.times(&pc.b_s)),
        ]
    } else {
        [zero.minus(&c), zero.clone(), zero.clone(), zero.clone()]
    };
    let row_rho = [
        rho.times(&l_u),
        l.minus(&a).plus(&rho.times(&l_rho)),
        zero.clone(),
        rho.times(&l_s),
    ];
    let row_amp = [amp.times(&l_u), amp.times(&l_rho), l.clone(), amp.times(&l_s)];
    let row_s = [
        s2.times(&l_u),
        s2.times(&l_rho),
        zero.clone(),
        gamma.plus(&l).plus(&s2.times(&l_s)),
    ];
    Some([row_u, row_rho, row_amp, row_s])
}

/// The right-hand sides of the note at `state`, rounded to `prec` bits.
///
/// The flow is autonomous (see the module docs), so no `τ` is taken.
pub fn beta_functions(
    params: &FlowParams,
    truncation: Truncation,
    state: &FlowState,
    prec: u32,
) -> Result<FlowState, FlowError> {
    let g = [
        Float::with_val(prec, &state.u),
        Float::with_val(prec, &state.rho),
        Float::with_val(prec, &state.amp),
        Float::with_val(prec, &state.target2),
    ];
    let [du, drho, damp, ds2] = beta_generic(params, truncation, &g).ok_or(FlowError::Pole)?;
    Ok(FlowState {
        u: du,
        rho: drho,
        amp: damp,
        target2: ds2,
    })
}

/// The beta functions evaluated exactly at a rational point `(ũ, ρ, A, S²)`.
pub fn beta_exact(
    params: &FlowParams,
    truncation: Truncation,
    g: &[Rational; 4],
) -> Result<[Rational; 4], FlowError> {
    beta_generic(params, truncation, g).ok_or(FlowError::Pole)
}

/// The stability matrix `∂β_i/∂g_j` at `state` in MPFR, order `(ũ, ρ, A, S²)`.
pub fn stability_matrix(
    params: &FlowParams,
    truncation: Truncation,
    state: &FlowState,
    prec: u32,
) -> Result<[[Float; 4]; 4], FlowError> {
    let g = [
        Float::with_val(prec, &state.u),
        Float::with_val(prec, &state.rho),
        Float::with_val(prec, &state.amp),
        Float::with_val(prec, &state.target2),
    ];
    stability_matrix_generic(params, truncation, &g).ok_or(FlowError::Pole)
}

// ---------------------------------------------------------------------------------------------
// Embedded Runge–Kutta pairs
// ---------------------------------------------------------------------------------------------

/// The embedded explicit Runge–Kutta pair used by the integrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Method {
    /// Dormand–Prince 5(4), 7 stages, first-same-as-last; propagates the order-5 solution.
    DormandPrince54,
    /// Fehlberg 7(8) (NASA TR R-287), 13 stages; propagates the order-8 solution. Its error
    /// estimate vanishes for pure quadratures `y' = f(τ)`, which never occur here because the flow
    /// is autonomous and state-dependent.
    Fehlberg78,
}

/// A Butcher tableau with exact rational coefficients, so the pair has the same meaning at any
/// working precision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tableau {
    /// Nodes `c_i`.
    pub c: Vec<Rational>,
    /// Strictly lower-triangular `a_ij` (row `i` has `i` entries).
    pub a: Vec<Vec<Rational>>,
    /// Weights of the propagated solution.
    pub b: Vec<Rational>,
    /// Weights of the embedded solution (only used in the error estimate).
    pub b_embedded: Vec<Rational>,
    /// Classical order of `b`.
    pub order: u32,
    /// Classical order of `b_embedded`.
    pub embedded_order: u32,
}

fn q(s: &str) -> Rational {
    // Only called on the literal Butcher tables below (checked by the order-condition tests); a
    // typo there is a programming error, not an input error.
    s.parse::<Rational>()
        .unwrap_or_else(|_| panic!("bad literal {s}")) // invariant: literal tables
}

fn qs(v: &[&str]) -> Vec<Rational> {
    v.iter().map(|s| q(s)).collect()
}

impl Method {
    /// The exact Butcher tableau of the pair.
    pub fn tableau(self) -> Tableau {
        match self {
            Method::DormandPrince54 => Tableau {
                c: qs(&["0", "1/5", "3/10", "4/5", "8/9", "1", "1"]),
                a: vec![
                    vec![],
                    qs(&["1/5"]),
                    qs(&["3/40", "9/40"]),
                    qs(&["44/45", "-56/15", "32/9"]),
                    qs(&["19372/6561", "-25360/2187", "64448/6561", "-212/729"]),
                    qs(&["9017/3168", "-355/33", "46732/5247", "49/176", "-5103/18656"]),
                    qs(&["35/384", "0", "500/1113", "125/192", "-2187/6784", "11/84"]),
                ],
                b: qs(&["35/384", "0", "500/1113", "125/192", "-2187/6784", "11/84", "0"]),
                b_embedded: qs(&[
                    "5179/57600",
                    "0",
                    "7571/16695",
                    "393/640",
                    "-92097/339200",
                    "187/2100",
                    "1/40",
                ]),
                order: 5,
                embedded_order: 4,
            },
            Method::Fehlberg78 => Tableau {
                c: qs(&[
                    "0", "2/27", "1/9", "1/6", "5/12", "1/2", "5/6", "1/6", "2/3", "1/3", "1", "0", "1",
                ]),
                a: vec![
                    vec![],
                    qs(&["2/27"]),
                    qs(&["1/36", "1/12"]),
                    qs(&["1/24", "0", "1/8"]),
                    qs(&["5/12", "0", "-25/16", "25/16"]),
                    qs(&["1/20", "0", "0", "1/4", "1/5"]),
                    qs(&["-25/108", "0", "0", "125/108", "-65/27", "125/54"]),
                    qs(&["31/300", "0", "0", "0", "61/225", "-2/9", "13/900"]),
                    qs(&["2", "0", "0", "-53/6", "704/45", "-107/9", "67/90", "3"]),
                    qs(&[
                        "-91/108", "0", "0", "23/108", "-976/135", "311/54", "-19/60", "17/6", "-1/12",
                    ]),
                    qs(&[
                        "2383/4100",
                        "0",
                        "0",
                        "-341/164",
                        "4496/1025",
                        "-301/82",
                        "2133/4100",
                        "45/82",
                        "45/164",
                        "18/41",
                    ]),
                    qs(&[
                        "3/205", "0", "0", "0", "0", "-6/41", "-3/205", "-3/41", "3/41", "6/41", "0",
                    ]),
                    qs(&[
                        "-1777/4100",
                        "0",
                        "0",
                        "-341/164",
                        "4496/1025",
                        "-289/82",
                        "2193/4100",
                        "51/82",
                        "33/164",
                        "12/41",
                        "0",
                        "1",
                    ]),
                ],
                b: qs(&[
                    "0", "0", "0", "0", "0", "34/105", "9/35", "9/35", "9/280", "9/280", "0", "41/840",
                    "41/840",
                ]),
                b_embedded: qs(&[
                    "41/840", "0", "0", "0", "0", "34/105", "9/35", "9/35", "9/280", "9/280", "41/840", "0",
                    "0",
                ]),
                order: 8,
                embedded_order: 7,
            },
        }
    }
}

/// The tableau rounded once to the working precision, zero coefficients dropped.
struct Stepper {
    c: Vec<Float>,
    a: Vec<Vec<(usize, Float)>>,
    b: Vec<(usize, Float)>,
    e: Vec<(usize, Float)>,
    /// Last stage is `f(τ + h, y_new)`: reuse it as the next first stage.
    fsal: bool,
    /// Exponent of the step-size controller: `1/(min order + 1)`.
    exponent: Float,
    prec: u32,
}

impl Stepper {
    fn new(method: Method, prec: u32) -> Stepper {
        let t = method.tableau();
        let s = t.c.len();
        let sparse = |v: &[Rational]| -> Vec<(usize, Float)> {
            v.iter()
                .enumerate()
                .filter(|(_, x)| !x.is_zero())
                .map(|(j, x)| (j, Float::with_val(prec, x)))
                .collect()
        };
        let e: Vec<Rational> =
            t.b.iter()
                .zip(&t.b_embedded)
                .map(|(x, y)| Rational::from(x - y))
                .collect();
        let last = &t.a[s - 1];
        let fsal = t.c[s - 1] == 1u32 && t.b[s - 1].is_zero() && last.iter().zip(&t.b).all(|(x, y)| x == y);
        let q = t.order.min(t.embedded_order) + 1;
        Stepper {
            c: t.c.iter().map(|x| Float::with_val(prec, x)).collect(),
            a: t.a.iter().map(|row| sparse(row)).collect(),
            b: sparse(&t.b),
            e: sparse(&e),
            fsal,
            exponent: Float::with_val(prec, Rational::from((1, q))),
            prec,
        }
    }

    fn stages(&self) -> usize {
        self.c.len()
    }

    /// One trial step. Returns `Err(component)` if a stage or the result is not finite.
    fn step<F>(&self, rhs: &mut F, tau: &Float, y: &[Float], k0: &[Float], h: &Float) -> Result<Trial, usize>
    where
        F: FnMut(&Float, &[Float]) -> Vec<Float>,
    {
        let prec = self.prec;
        let n = y.len();
        let mut k: Vec<Vec<Float>> = Vec::with_capacity(self.stages());
        k.push(k0.to_vec());
        let mut evals = 0u64;
        let combine = |coeffs: &[(usize, Float)], k: &[Vec<Float>], i: usize| -> Float {
            let mut acc = Float::new(prec);
            for (j, cj) in coeffs {
                acc += cj * &k[*j][i];
            }
            acc
        };
        let mut y_last_stage: Option<Vec<Float>> = None;
        for s in 1..self.stages() {
            let mut ys = Vec::with_capacity(n);
            for (i, yi) in y.iter().enumerate() {
                let inc = combine(&self.a[s], &k, i);
                ys.push(Float::with_val(prec, yi + &Float::with_val(prec, &inc * h)));
            }
            let ts = Float::with_val(prec, tau + &Float::with_val(prec, &self.c[s] * h));
            let ks = rhs(&ts, &ys);
            evals += 1;
            if ks.len() != n {
                return Err(0);
            }
            if let Some(bad) = ks.iter().position(|x| !x.is_finite()) {
                return Err(bad);
            }
            if s == self.stages() - 1 && self.fsal {
                y_last_stage = Some(ys);
            }
            k.push(ks);
        }
        let y_new = match y_last_stage {
            Some(v) => v,
            None => y
                .iter()
                .enumerate()
                .map(|(i, yi)| {
                    Float::with_val(prec, yi + &Float::with_val(prec, &combine(&self.b, &k, i) * h))
                })
                .collect(),
        };
        if let Some(bad) = y_new.iter().position(|x| !x.is_finite()) {
            return Err(bad);
        }
        let err: Vec<Float> = (0..n)
            .map(|i| Float::with_val(prec, &combine(&self.e, &k, i) * h))
            .collect();
        let k_last = if self.fsal { k.pop() } else { None };
        Ok(Trial {
            y_new,
            err,
            k_last,
            evals,
        })
    }
}

struct Trial {
    y_new: Vec<Float>,
    err: Vec<Float>,
    k_last: Option<Vec<Float>>,
    evals: u64,
}

// ---------------------------------------------------------------------------------------------
// Adaptive integration
// ---------------------------------------------------------------------------------------------

/// Integrator settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegratorOptions {
    /// The embedded pair.
    pub method: Method,
    /// Requested correct significant digits of the outputs.
    pub digits: u32,
    /// Extra decimal digits of local tolerance beyond `digits`: the local error per step is held
    /// below `10^{−(digits + margin)}` (absolute plus relative) so that the accumulation over
    /// many steps still leaves `digits` correct digits for a well-conditioned flow.
    pub tolerance_margin: u32,
    /// Guard bits added to the working precision so rounding over millions of steps stays far
    /// below the tolerance.
    pub guard_bits: u32,
    /// Budget of step attempts (accepted plus rejected).
    pub max_steps: u64,
    /// Keep every accepted step in the result (not only the requested outputs).
    pub record_steps: bool,
}

impl Default for IntegratorOptions {
    fn default() -> Self {
        IntegratorOptions {
            method: Method::DormandPrince54,
            digits: 20,
            tolerance_margin: 2,
            guard_bits: 64,
            max_steps: 10_000_000,
            record_steps: true,
        }
    }
}

impl IntegratorOptions {
    /// Default options with the given pair and digit count.
    pub fn new(method: Method, digits: u32) -> Self {
        IntegratorOptions {
            method,
            digits,
            ..IntegratorOptions::default()
        }
    }

    /// The working precision in bits: `⌊3.322 (digits + margin)⌋ + 1 + guard_bits`
    /// (`3.322 > log2 10`, in integer arithmetic so it is platform independent).
    pub fn precision(&self) -> u32 {
        let d = u64::from(self.digits) + u64::from(self.tolerance_margin);
        let bits = d * 3322 / 1000 + 1 + u64::from(self.guard_bits);
        u32::try_from(bits).unwrap_or(u32::MAX).clamp(64, 1_000_000)
    }

    /// The local tolerance `10^{−(digits + margin)}` at `prec` bits.
    pub fn tolerance(&self, prec: u32) -> Float {
        let e = i32::try_from(self.digits.saturating_add(self.tolerance_margin)).unwrap_or(i32::MAX);
        Float::with_val(prec, 10u32).pow(-e)
    }
}

/// Counters and error bookkeeping of one integration.
#[derive(Debug, Clone, PartialEq)]
pub struct SolverStats {
    /// Accepted steps.
    pub accepted: u64,
    /// Rejected trial steps (error too large or non-finite stage).
    pub rejected: u64,
    /// Right-hand-side evaluations.
    pub rhs_evaluations: u64,
    /// Largest scaled error norm `max_i |err_i| / (tol (1 + |y_i|))` over accepted steps (≤ 1).
    pub max_scaled_error: Float,
    /// Largest unscaled local-error estimate `max_i |err_i|` over accepted steps.
    pub max_error_estimate: Float,
    /// Smallest accepted step `|h|` (steps shortened to land on an output excluded).
    pub min_step: Float,
    /// Largest accepted step `|h|`.
    pub max_step: Float,
}

/// Result of [`integrate`]: the state at each requested output and, optionally, at every step.
#[derive(Debug, Clone, PartialEq)]
pub struct OdeSolution {
    /// `(τ, y)` at each requested output, in request order.
    pub outputs: Vec<(Float, Vec<Float>)>,
    /// `(τ, y)` after every accepted step, starting with the initial point (empty unless
    /// `record_steps`).
    pub steps: Vec<(Float, Vec<Float>)>,
    /// Counters.
    pub stats: SolverStats,
    /// Working precision in bits.
    pub precision: u32,
}

fn dec(x: &Float) -> String {
    digits_string(x, 20)
}

fn pow2(prec: u32, e: i32) -> Float {
    Float::with_val(prec, Float::i_exp(1, e))
}

fn rational_f(prec: u32, num: i64, den: u64) -> Float {
    Float::with_val(prec, Rational::from((num, den)))
}

/// Integrates `y' = rhs(τ, y)` from `tau0` through every `τ` in `outputs` (monotone, all on one
/// side of `tau0`; backward integration is allowed) with an adaptive embedded Runge–Kutta pair
/// in MPFR.
///
/// Step control is error-per-step with `atol = rtol = 10^{−(digits+margin)}` in the max norm,
/// a safety factor `9/10` and step ratios in `[1/5, 5]`. Steps are shortened to land exactly on
/// each output, so outputs carry no interpolation error. A trial step that produces a non-finite
/// stage is rejected and retried ten times shorter; only if that shrinks the step below the
/// resolution of `τ` is [`IntegrateError::NonFinite`] returned.
pub fn integrate<F>(
    mut rhs: F,
    tau0: &Rational,
    y0: &[Float],
    outputs: &[Rational],
    opts: &IntegratorOptions,
) -> Result<OdeSolution, IntegrateError>
where
    F: FnMut(&Float, &[Float]) -> Vec<Float>,
{
    let prec = opts.precision();
    if outputs.is_empty() {
        return Err(IntegrateError::InvalidInput("no output times requested".into()));
    }
    if y0.is_empty() {
        return Err(IntegrateError::InvalidInput("empty state".into()));
    }
    let dir = match outputs
        .iter()
        .map(|o| Rational::from(o - tau0).cmp0())
        .find(|s| *s != Ordering::Equal)
    {
        Some(s) => s,
        None => Ordering::Greater,
    };
    let mut prev = tau0.clone();
    for (i, o) in outputs.iter().enumerate() {
        let s = Rational::from(o - &prev).cmp0();
        let ok = s == dir || (i == 0 && s == Ordering::Equal);
        if !ok {
            return Err(IntegrateError::InvalidInput(format!(
                "output times must be strictly monotone away from tau0; offending value {o}"
            )));
        }
        prev = o.clone();
    }
    let stepper = Stepper::new(opts.method, prec);
    let tol = opts.tolerance(prec);
    let mut tau = Float::with_val(prec, tau0);
    let mut y: Vec<Float> = y0.iter().map(|v| Float::with_val(prec, v)).collect();
    if let Some(bad) = y.iter().position(|v| !v.is_finite()) {
        return Err(IntegrateError::NonFinite {
            tau: dec(&tau),
            component: bad,
        });
    }
    let mut k0 = rhs(&tau, &y);
    let mut stats = SolverStats {
        accepted: 0,
        rejected: 0,
        rhs_evaluations: 1,
        max_scaled_error: Float::new(prec),
        max_error_estimate: Float::new(prec),
        min_step: Float::with_val(prec, rug::float::Special::Infinity),
        max_step: Float::new(prec),
    };
    if k0.len() != y.len() {
        return Err(IntegrateError::InvalidInput(
            "rhs returned a vector of the wrong length".into(),
        ));
    }
    if let Some(bad) = k0.iter().position(|v| !v.is_finite()) {
        return Err(IntegrateError::NonFinite {
            tau: dec(&tau),
            component: bad,
        });
    }
    let mut solution = OdeSolution {
        outputs: Vec::with_capacity(outputs.len()),
        steps: Vec::new(),
        stats: stats.clone(),
        precision: prec,
    };
    if opts.record_steps {
        solution.steps.push((tau.clone(), y.clone()));
    }
    let sign = if dir == Ordering::Less { -1i32 } else { 1 };
    let first_span = Float::with_val(prec, Float::with_val(prec, &outputs[outputs.len() - 1]) - &tau).abs();
    let mut h_abs = initial_step(&mut rhs, &tau, &y, &k0, &tol, &stepper.exponent, sign, &mut stats);
    if h_abs > first_span && !first_span.is_zero() {
        h_abs = first_span;
    }
    let safety = rational_f(prec, 9, 10);
    let fac_min = rational_f(prec, 1, 5);
    let fac_max = Float::with_val(prec, 5u32);
    let land_slack = rational_f(prec, 65, 64);
    let mut attempts = 0u64;
    let mut last_nonfinite: Option<usize> = None;
    for target in outputs {
        let target_f = Float::with_val(prec, target);
        loop {
            let remaining = Float::with_val(prec, &target_f - &tau);
            if remaining.cmp0() != Some(dir) {
                break;
            }
            if attempts >= opts.max_steps {
                return Err(IntegrateError::MaxSteps {
                    tau: dec(&tau),
                    steps: opts.max_steps,
                });
            }
            attempts += 1;
            let rem_abs = Float::with_val(prec, remaining.abs_ref());
            let lands = Float::with_val(prec, &h_abs * &land_slack) >= rem_abs;
            let h_try_abs = if lands { rem_abs.clone() } else { h_abs.clone() };
            let floor = Float::with_val(prec, tau.abs_ref()).max(&Float::with_val(prec, 1u32))
                * pow2(prec, 8 - prec as i32);
            if !lands && h_try_abs <= floor {
                return Err(match last_nonfinite {
                    Some(component) => IntegrateError::NonFinite {
                        tau: dec(&tau),
                        component,
                    },
                    None => IntegrateError::StepSizeUnderflow {
                        tau: dec(&tau),
                        step: dec(&h_try_abs),
                    },
                });
            }
            let h = if sign < 0 {
                Float::with_val(prec, -&h_try_abs)
            } else {
                h_try_abs.clone()
            };
            let trial = stepper.step(&mut rhs, &tau, &y, &k0, &h);
            let trial = match trial {
                Ok(t) => t,
                Err(component) => {
                    stats.rhs_evaluations += stepper.stages() as u64 - 1;
                    stats.rejected += 1;
                    last_nonfinite = Some(component);
                    h_abs = Float::with_val(prec, &h_try_abs / 10u32);
                    continue;
                }
            };
            stats.rhs_evaluations += trial.evals;
            let mut err_norm = Float::new(prec);
            let mut err_abs = Float::new(prec);
            for (i, e) in trial.err.iter().enumerate() {
                let ea = Float::with_val(prec, e.abs_ref());
                let scale = Float::with_val(prec, y[i].abs_ref())
                    .max(&Float::with_val(prec, trial.y_new[i].abs_ref()))
                    + 1u32;
                let scaled = Float::with_val(prec, &ea / &Float::with_val(prec, &scale * &tol));
                if scaled > err_norm {
                    err_norm = scaled;
                }
                if ea > err_abs {
                    err_abs = ea;
                }
            }
            let fac = if err_norm.is_zero() {
                fac_max.clone()
            } else {
                let raw = Float::with_val(
                    prec,
                    &safety * &Float::with_val(prec, (&err_norm).pow(&stepper.exponent)).recip(),
                );
                raw.clamp(&fac_min, &fac_max)
            };
            if err_norm <= 1u32 {
                tau = if lands {
                    target_f.clone()
                } else {
                    Float::with_val(prec, &tau + &h)
                };
                y = trial.y_new;
                k0 = match trial.k_last {
                    Some(k) => k,
                    None => {
                        stats.rhs_evaluations += 1;
                        rhs(&tau, &y)
                    }
                };
                if let Some(bad) = k0.iter().position(|v| !v.is_finite()) {
                    return Err(IntegrateError::NonFinite {
                        tau: dec(&tau),
                        component: bad,
                    });
                }
                stats.accepted += 1;
                if err_norm > stats.max_scaled_error {
                    stats.max_scaled_error = err_norm;
                }
                if err_abs > stats.max_error_estimate {
                    stats.max_error_estimate = err_abs;
                }
                if !lands && h_try_abs < stats.min_step {
                    stats.min_step = h_try_abs.clone();
                }
                if h_try_abs > stats.max_step {
                    stats.max_step = h_try_abs.clone();
                }
                if opts.record_steps {
                    solution.steps.push((tau.clone(), y.clone()));
                }
                let grown = Float::with_val(prec, &h_try_abs * &fac);
                // A step shortened to hit an output says little about the natural step size;
                // keep the controller's unshortened proposal if it is larger.
                h_abs = if lands { grown.max(&h_abs) } else { grown };
                last_nonfinite = None;
            } else {
                stats.rejected += 1;
                h_abs = Float::with_val(prec, &h_try_abs * &fac.min(&Float::with_val(prec, 1u32)));
            }
        }
        solution.outputs.push((tau.clone(), y.clone()));
    }
    if stats.min_step.is_infinite() {
        stats.min_step = stats.max_step.clone();
    }
    solution.stats = stats;
    Ok(solution)
}

/// Hairer–Wanner's starting-step heuristic (Solving ODEs I, §II.4), in MPFR.
#[allow(clippy::too_many_arguments)]
fn initial_step<F>(
    rhs: &mut F,
    tau: &Float,
    y: &[Float],
    f0: &[Float],
    tol: &Float,
    exponent: &Float,
    sign: i32,
    stats: &mut SolverStats,
) -> Float
where
    F: FnMut(&Float, &[Float]) -> Vec<Float>,
{
    let prec = tau.prec();
    let scale = |v: &Float| Float::with_val(prec, Float::with_val(prec, v.abs_ref()) + 1u32) * tol;
    let norm = |v: &[Float]| {
        v.iter()
            .zip(y)
            .map(|(x, yi)| Float::with_val(prec, Float::with_val(prec, x.abs_ref()) / scale(yi)))
            .fold(Float::new(prec), |m, x| m.max(&x))
    };
    let d0 = norm(y);
    let d1 = norm(f0);
    let small = rational_f(prec, 1, 100_000);
    let h0 = if d0 < small || d1 < small {
        rational_f(prec, 1, 1_000_000)
    } else {
        Float::with_val(prec, &d0 / &d1) / 100u32
    };
    let hs = if sign < 0 {
        Float::with_val(prec, -&h0)
    } else {
        h0.clone()
    };
    let y1: Vec<Float> = y
        .iter()
        .zip(f0)
        .map(|(yi, fi)| Float::with_val(prec, yi + &Float::with_val(prec, fi * &hs)))
        .collect();
    let f1 = rhs(&Float::with_val(prec, tau + &hs), &y1);
    stats.rhs_evaluations += 1;
    if f1.len() != y.len() || f1.iter().any(|v| !v.is_finite()) {
        return h0;
    }
    let diff: Vec<Float> = f1
        .iter()
        .zip(f0)
        .map(|(a, b)| Float::with_val(prec, a - b))
        .collect();
    let d2 = Float::with_val(prec, norm(&diff) / &h0);
    let m = d1.max(&d2);
    let h1 = if m <= Float::with_val(prec, Float::i_exp(1, -50)) {
        (Float::with_val(prec, &h0 / 1000u32)).max(&rational_f(prec, 1, 1_000_000))
    } else {
        Float::with_val(prec, Float::with_val(prec, &m * 100u32).recip().pow(exponent))
    };
    h1.min(&Float::with_val(prec, &h0 * 100u32))
}

/// Integrates with `steps` equal steps of the pair's propagated solution (no error control);
/// used to measure the convergence order.
pub fn integrate_fixed<F>(
    mut rhs: F,
    method: Method,
    tau0: &Rational,
    y0: &[Float],
    tau1: &Rational,
    steps: u64,
    prec: u32,
) -> Result<Vec<Float>, IntegrateError>
where
    F: FnMut(&Float, &[Float]) -> Vec<Float>,
{
    if steps == 0 {
        return Err(IntegrateError::InvalidInput("zero steps".into()));
    }
    let stepper = Stepper::new(method, prec);
    let h_q = Rational::from(tau1 - tau0) / steps;
    let h = Float::with_val(prec, &h_q);
    let mut y: Vec<Float> = y0.iter().map(|v| Float::with_val(prec, v)).collect();
    for i in 0..steps {
        // τ_i from the exact rational, so no drift accumulates in the time variable.
        let tau = Float::with_val(prec, tau0 + Rational::from(&h_q * i));
        let k0 = rhs(&tau, &y);
        if let Some(bad) = k0.iter().position(|v| !v.is_finite()) {
            return Err(IntegrateError::NonFinite {
                tau: dec(&tau),
                component: bad,
            });
        }
        y = stepper
            .step(&mut rhs, &tau, &y, &k0, &h)
            .map_err(|component| IntegrateError::NonFinite {
                tau: dec(&tau),
                component,
            })?
            .y_new;
    }
    Ok(y)
}

// ---------------------------------------------------------------------------------------------
// The flow as a trajectory
// ---------------------------------------------------------------------------------------------

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
    /// Working precision in bits.
    pub precision: u32,
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
    let coeffs = Coeffs::new(params, &Float::new(opts.precision()));
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
pub fn derived(params: &FlowParams, tau: &Float, state: &FlowState, prec: u32) -> Derived {
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
            precision_bits: self.precision,
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

// ---------------------------------------------------------------------------------------------
// Nullclines
// ---------------------------------------------------------------------------------------------

/// The r-nullcline `ũ = a/T(ρ)` at a given `S²` (`dρ/dτ = 0` with `ρ ≠ 0`); `None` where `T = 0`
/// or on the pole.
pub fn r_nullcline_at<S: Scalar>(params: &FlowParams, target2: &S, rho: &S) -> Option<S> {
    let pc = pieces(rho, target2)?;
    if pc.t.vanishes() {
        return None;
    }
    Some(rho.constant(&params.a()).over(&pc.t))
}

/// The ũ-nullcline branch `ũ = −c/B(ρ)` at a given `S²` (`dũ/dτ = 0` with `ũ ≠ 0`); `None`
/// where `B = 0` or on the pole. For `ρ, S² ≥ 0` and `c > 0` it lies at `ũ < 0`.
pub fn u_nullcline_at<S: Scalar>(params: &FlowParams, target2: &S, rho: &S) -> Option<S> {
    let pc = pieces(rho, target2)?;
    if pc.b.vanishes() {
        return None;
    }
    let zero = rho.constant(&Rational::new());
    Some(zero.minus(&rho.constant(&params.c())).over(&pc.b))
}

/// The r-nullcline on the documented slice at `τ` (`A = 1`, `S² = e^{(β−α)τ} N^{α−β}`), for
/// `ρ > 0`.
pub fn r_nullcline(params: &FlowParams, tau: &Rational, rho: &Float, prec: u32) -> Option<Float> {
    if rho.cmp0() != Some(Ordering::Greater) {
        return None;
    }
    let s2 = slice_target2(params, tau, prec);
    r_nullcline_at(params, &s2, &Float::with_val(prec, rho))
}

/// The ũ-nullcline (`ũ ≠ 0` branch) on the documented slice at `τ`.
pub fn u_nullcline(params: &FlowParams, tau: &Rational, rho: &Float, prec: u32) -> Option<Float> {
    let s2 = slice_target2(params, tau, prec);
    u_nullcline_at(params, &s2, &Float::with_val(prec, rho))
}

// ---------------------------------------------------------------------------------------------
// Fixed points of the autonomous S² = 0 system
// ---------------------------------------------------------------------------------------------

/// Where and how to look for fixed points in the `(ũ, ρ)` plane at `S² = 0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedPointSearch {
    /// `ũ` range of the grid of Newton starts.
    pub u_range: (Rational, Rational),
    /// `ρ` range of the grid of Newton starts.
    pub rho_range: (Rational, Rational),
    /// Starts per axis (cell centres of a `grid × grid` lattice).
    pub grid: usize,
    /// Newton iteration cap per start.
    pub max_iterations: usize,
    /// Largest denominator tried when snapping a root to an exact rational.
    pub max_denominator: u64,
}

impl Default for FixedPointSearch {
    fn default() -> Self {
        FixedPointSearch {
            u_range: (Rational::from(-2), Rational::from(2)),
            rho_range: (Rational::from(-3), Rational::from(3)),
            grid: 12,
            max_iterations: 200,
            max_denominator: 1_000_000_000_000,
        }
    }
}

/// A fixed point `(ũ*, ρ*)` of the flow restricted to `S² = 0` (an invariant plane).
#[derive(Debug, Clone, PartialEq)]
pub struct FixedPoint {
    /// `ũ*`.
    pub u: Float,
    /// `ρ*`.
    pub rho: Float,
    /// `(ũ*, ρ*)` as exact rationals when a rational candidate makes both beta functions vanish
    /// exactly.
    pub exact: Option<[Rational; 2]>,
    /// `max(|β_ũ|, |β_ρ|)` at `(ũ*, ρ*)` in MPFR (zero when exact).
    pub residual: Float,
    /// Number of grid starts that converged here.
    pub basin_starts: usize,
}

/// The exact rational closest (continued-fraction convergent) to `x` within `tol`, with
/// denominator at most `max_den`.
pub fn rational_reconstruct(x: &Float, max_den: &Integer, tol: &Float) -> Option<Rational> {
    let r = x.to_rational()?;
    let (mut h0, mut h1) = (Integer::from(0), Integer::from(1));
    let (mut k0, mut k1) = (Integer::from(1), Integer::from(0));
    let mut rem = r.clone();
    for _ in 0..512 {
        let a = rem.clone().floor().into_numer_denom().0;
        let h2 = Integer::from(&a * &h1) + &h0;
        let k2 = Integer::from(&a * &k1) + &k0;
        if &k2 > max_den {
            return None;
        }
        let cand = Rational::from((h2.clone(), k2.clone()));
        let dist = Float::with_val(x.prec(), Rational::from(&r - &cand)).abs();
        if dist <= *tol {
            return Some(cand);
        }
        let frac = Rational::from(&rem - &a);
        if frac.is_zero() {
            return None;
        }
        rem = frac.recip();
        (h0, h1, k0, k1) = (h1, h2, k1, k2);
    }
    None
}

fn plane_state<S: Scalar>(u: &S, rho: &S) -> [S; 4] {
    let one = u.constant(&Rational::from(1));
    let zero = u.constant(&Rational::new());
    [u.clone(), rho.clone(), one, zero]
}

/// Fixed points of the `(ũ, ρ)` flow at `S² = 0` (and `A = 1`, which never feeds back): Newton
/// in MPFR with the analytic Jacobian from every start of a grid, deduplicated, snapped to exact
/// rationals where possible, sorted by `(ρ, ũ)`.
pub fn find_fixed_points(
    params: &FlowParams,
    truncation: Truncation,
    search: &FixedPointSearch,
    prec: u32,
) -> Result<Vec<FixedPoint>, FlowError> {
    params.validate()?;
    if search.grid == 0 {
        return Err(FlowError::InvalidParams("grid must be at least 1".into()));
    }
    let f = |r: &Rational| Float::with_val(prec, r);
    let step_tol = pow2(prec, 8 - prec as i32);
    let same_tol = pow2(prec, -(prec as i32) / 2);
    let divergence = Float::with_val(prec, Float::i_pow_u(10, 12));
    let mut found: Vec<FixedPoint> = Vec::new();
    let axis = |(lo, hi): &(Rational, Rational), i: usize| -> Rational {
        let t = Rational::from((2 * i as u64 + 1, 2 * search.grid as u64));
        lo + Rational::from(hi - lo) * t
    };
    for i in 0..search.grid {
        for j in 0..search.grid {
            let mut u = f(&axis(&search.u_range, i));
            let mut rho = f(&axis(&search.rho_range, j));
            let mut converged = false;
            for _ in 0..search.max_iterations {
                let g = plane_state(&u, &rho);
                let (Some(b), Some(m)) = (
                    beta_generic(params, truncation, &g),
                    stability_matrix_generic(params, truncation, &g),
                ) else {
                    break;
                };
                let det =
                    Float::with_val(prec, &m[0][0] * &m[1][1]) - Float::with_val(prec, &m[0][1] * &m[1][0]);
                if det.is_zero() || !det.is_finite() {
                    break;
                }
                let du = (Float::with_val(prec, &m[1][1] * &b[0]) - Float::with_val(prec, &m[0][1] * &b[1]))
                    / &det;
                let dr = (Float::with_val(prec, &m[0][0] * &b[1]) - Float::with_val(prec, &m[1][0] * &b[0]))
                    / &det;
                u -= &du;
                rho -= &dr;
                if !u.is_finite()
                    || !rho.is_finite()
                    || Float::with_val(prec, u.abs_ref()) > divergence
                    || Float::with_val(prec, rho.abs_ref()) > divergence
                {
                    break;
                }
                let size = Float::with_val(prec, u.abs_ref())
                    .max(&Float::with_val(prec, rho.abs_ref()))
                    .max(&Float::with_val(prec, 1u32));
                let step = Float::with_val(prec, du.abs_ref()).max(&Float::with_val(prec, dr.abs_ref()));
                if step <= Float::with_val(prec, &size * &step_tol) {
                    converged = true;
                    break;
                }
            }
            if !converged {
                continue;
            }
            let g = plane_state(&u, &rho);
            let Some(b) = beta_generic(params, truncation, &g) else {
                continue;
            };
            let residual = Float::with_val(prec, b[0].abs_ref()).max(&Float::with_val(prec, b[1].abs_ref()));
            let size = Float::with_val(prec, u.abs_ref())
                .max(&Float::with_val(prec, rho.abs_ref()))
                .max(&Float::with_val(prec, 1u32));
            if let Some(fp) = found.iter_mut().find(|fp| {
                let d = Float::with_val(prec, Float::with_val(prec, &fp.u - &u).abs()).max(&Float::with_val(
                    prec,
                    Float::with_val(prec, &fp.rho - &rho).abs(),
                ));
                d <= Float::with_val(prec, &size * &same_tol)
            }) {
                fp.basin_starts += 1;
                continue;
            }
            let max_den = Integer::from(search.max_denominator);
            let snap_tol = Float::with_val(prec, &size * &pow2(prec, 16 - prec as i32));
            let exact = match (
                rational_reconstruct(&u, &max_den, &snap_tol),
                rational_reconstruct(&rho, &max_den, &snap_tol),
            ) {
                (Some(uq), Some(rq)) => {
                    let gq = plane_state(&uq, &rq);
                    match beta_generic(params, truncation, &gq) {
                        Some(bq) if bq[0].is_zero() && bq[1].is_zero() => Some([uq, rq]),
                        _ => None,
                    }
                }
                _ => None,
            };
            let (u, rho, residual) = match &exact {
                Some([uq, rq]) => (f(uq), f(rq), Float::new(prec)),
                None => (u, rho, residual),
            };
            found.push(FixedPoint {
                u,
                rho,
                exact,
                residual,
                basin_starts: 1,
            });
        }
    }
    found.sort_by(|x, y| {
        x.rho
            .partial_cmp(&y.rho)
            .unwrap_or(Ordering::Equal)
            .then(x.u.partial_cmp(&y.u).unwrap_or(Ordering::Equal))
    });
    Ok(found)
}

// ---------------------------------------------------------------------------------------------
// Linearization and certified eigenvalues
// ---------------------------------------------------------------------------------------------

/// Relevance of a direction toward the IR (`τ` growing), THEORY.md §3.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    /// The real part of the eigenvalue is certainly positive: perturbations grow.
    Relevant,
    /// The real part is certainly negative: perturbations die out.
    Irrelevant,
    /// The eigenvalue is exactly zero.
    Marginal,
    /// The enclosure of the real part contains zero but the eigenvalue is not exactly zero.
    Undecided,
}

/// A set certified to contain an eigenvalue of the (exact) stability matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enclosure {
    /// The eigenvalue is exactly this rational (the characteristic polynomial vanishes there).
    Exact(Rational),
    /// A real root lies in `[lo, hi]` (exact sign change of the characteristic polynomial).
    Interval {
        /// Lower endpoint.
        lo: Rational,
        /// Upper endpoint.
        hi: Rational,
    },
    /// A root lies in the closed disc of this centre and radius (`min(n|p/p'|, |p|^{1/n})` bound
    /// for a monic degree-`n` polynomial, evaluated exactly and rounded up).
    Disc {
        /// Real part of the centre.
        re: Rational,
        /// Imaginary part of the centre.
        im: Rational,
        /// Radius (an upper bound).
        radius: Rational,
    },
}

impl Enclosure {
    /// Centre and radius as a disc in the complex plane.
    fn disc(&self) -> (Rational, Rational, Rational) {
        match self {
            Enclosure::Exact(q) => (q.clone(), Rational::new(), Rational::new()),
            Enclosure::Interval { lo, hi } => (
                Rational::from(lo + hi) / 2u32,
                Rational::new(),
                Rational::from(hi - lo) / 2u32,
            ),
            Enclosure::Disc { re, im, radius } => (re.clone(), im.clone(), radius.clone()),
        }
    }

    /// Certified bounds `[lo, hi]` on the real part.
    pub fn real_bounds(&self) -> (Rational, Rational) {
        let (re, _, r) = self.disc();
        (Rational::from(&re - &r), Rational::from(&re + &r))
    }

    /// The width (diameter) of the enclosure.
    pub fn width(&self) -> Rational {
        self.disc().2 * 2u32
    }

    /// Classification by the sign of the real part.
    pub fn direction(&self) -> Direction {
        if let Enclosure::Exact(q) = self
            && q.is_zero()
        {
            return Direction::Marginal;
        }
        let (lo, hi) = self.real_bounds();
        if lo.cmp0() == Ordering::Greater {
            Direction::Relevant
        } else if hi.cmp0() == Ordering::Less {
            Direction::Irrelevant
        } else {
            Direction::Undecided
        }
    }
}

/// One eigenvalue of a stability matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Eigen {
    /// Refined real part.
    pub re: Float,
    /// Refined imaginary part (zero for real eigenvalues).
    pub im: Float,
    /// Certified enclosure.
    pub enclosure: Enclosure,
    /// Whether this enclosure is disjoint from all others (then, with `n` enclosures for `n`
    /// eigenvalues, each contains exactly one eigenvalue counted with multiplicity one).
    pub isolated: bool,
    /// Relevance toward the IR.
    pub direction: Direction,
    /// Unit right eigenvector in `f64` (real eigenvalues only), largest component positive.
    pub eigenvector: Option<Vec<f64>>,
}

/// The linearization of the flow at a fixed point.
#[derive(Debug, Clone, PartialEq)]
pub struct Linearization {
    /// Variable names, in matrix order.
    pub variables: Vec<&'static str>,
    /// The exact rational point where the matrix was evaluated.
    pub point: Vec<Rational>,
    /// Whether `point` is an exact fixed point (then every enclosure is rigorous for the true
    /// fixed point); otherwise it is the MPFR Newton root, read exactly, and the enclosures are
    /// rigorous for the matrix at that point, which differs from the true one by `O(2^{−prec})`.
    pub point_exact: bool,
    /// `M_ij = ∂β_i/∂g_j` evaluated exactly.
    pub matrix: Vec<Vec<Rational>>,
    /// Coefficients `p_0..p_n` of `det(μI − M) = Σ p_k μ^k` (monic).
    pub characteristic_polynomial: Vec<Rational>,
    /// Eigenvalues, in the order `nalgebra` produced their starting guesses.
    pub eigenvalues: Vec<Eigen>,
}

/// Linearizes the flow at `fp`. With `include_target` the transverse `S²` direction is added
/// (the system `(ũ, ρ, S²)`); otherwise the matrix is the `(ũ, ρ)` block. `A` is left out because
/// it never feeds back into the other couplings.
pub fn linearize(
    params: &FlowParams,
    truncation: Truncation,
    fp: &FixedPoint,
    include_target: bool,
    prec: u32,
) -> Result<Linearization, FlowError> {
    let (u, rho, point_exact) = match &fp.exact {
        Some([u, rho]) => (u.clone(), rho.clone(), true),
        None => (
            fp.u.to_rational()
                .ok_or(FlowError::LinearAlgebra("non-finite fixed point".into()))?,
            fp.rho
                .to_rational()
                .ok_or(FlowError::LinearAlgebra("non-finite fixed point".into()))?,
            false,
        ),
    };
    let g = plane_state(&u, &rho);
    let full = stability_matrix_generic(params, truncation, &g).ok_or(FlowError::Pole)?;
    let (idx, variables): (Vec<usize>, Vec<&'static str>) = if include_target {
        (vec![0, 1, 3], vec!["u", "rho", "target2"])
    } else {
        (vec![0, 1], vec!["u", "rho"])
    };
    let matrix: Vec<Vec<Rational>> = idx
        .iter()
        .map(|&i| idx.iter().map(|&j| full[i][j].clone()).collect())
        .collect();
    let mut point = vec![u, rho];
    if include_target {
        point.push(Rational::new());
    }
    let characteristic_polynomial = characteristic_polynomial(&matrix);
    let eigenvalues = eigen_enclosures(&matrix, prec)?;
    Ok(Linearization {
        variables,
        point,
        point_exact,
        matrix,
        characteristic_polynomial,
        eigenvalues,
    })
}

/// `det(μI − M)` by Faddeev–LeVerrier in exact arithmetic: coefficients `p_0..p_n`, `p_n = 1`.
pub fn characteristic_polynomial(m: &[Vec<Rational>]) -> Vec<Rational> {
    let n = m.len();
    let mut coeffs = vec![Rational::new(); n + 1];
    coeffs[n] = Rational::from(1);
    let mut mk: Vec<Vec<Rational>> = vec![vec![Rational::new(); n]; n];
    for k in 1..=n {
        // M_k = M·M_{k−1} + p_{n−k+1} I
        let mut next = vec![vec![Rational::new(); n]; n];
        for i in 0..n {
            for j in 0..n {
                let mut s = Rational::new();
                for l in 0..n {
                    s += Rational::from(&m[i][l] * &mk[l][j]);
                }
                if i == j {
                    s += &coeffs[n - k + 1];
                }
                next[i][j] = s;
            }
        }
        mk = next;
        let mut tr = Rational::new();
        for i in 0..n {
            for l in 0..n {
                tr += Rational::from(&m[i][l] * &mk[l][i]);
            }
        }
        coeffs[n - k] = -tr / Rational::from(k as u64);
    }
    coeffs
}

fn horner_q(p: &[Rational], x: &Rational) -> Rational {
    p.iter().rev().fold(Rational::new(), |acc, c| acc * x + c)
}

fn derivative_q(p: &[Rational]) -> Vec<Rational> {
    p.iter()
        .enumerate()
        .skip(1)
        .map(|(k, c)| Rational::from(c * k as u64))
        .collect()
}

fn horner_q_complex(p: &[Rational], re: &Rational, im: &Rational) -> (Rational, Rational) {
    p.iter()
        .rev()
        .fold((Rational::new(), Rational::new()), |(ar, ai), c| {
            let nr = Rational::from(&ar * re) - Rational::from(&ai * im) + c;
            let ni = Rational::from(&ar * im) + Rational::from(&ai * re);
            (nr, ni)
        })
}

fn horner_f(p: &[Float], x: &Float) -> Float {
    let prec = x.prec();
    p.iter()
        .rev()
        .fold(Float::new(prec), |acc, c| Float::with_val(prec, &acc * x) + c)
}

fn horner_f_complex(p: &[Float], re: &Float, im: &Float) -> (Float, Float) {
    let prec = re.prec();
    p.iter()
        .rev()
        .fold((Float::new(prec), Float::new(prec)), |(ar, ai), c| {
            let nr = Float::with_val(prec, &ar * re) - Float::with_val(prec, &ai * im) + c;
            let ni = Float::with_val(prec, &ar * im) + Float::with_val(prec, &ai * re);
            (nr, ni)
        })
}

fn round_up(prec: u32, q: &Rational) -> Float {
    Float::with_val_round(prec, q, Round::Up).0
}

/// `min(n|p/p'|, |p|^{1/n})` at an exact complex point, rounded up; a root of the monic
/// degree-`n` polynomial `p` lies within this distance (`p'/p = Σ 1/(z−z_i)` and
/// `|p| = Π|z−z_i|`).
fn root_distance_bound(p: &[Rational], re: &Rational, im: &Rational, prec: u32) -> Rational {
    let n = (p.len() - 1) as u32;
    let (pr, pi) = horner_q_complex(p, re, im);
    let abs2 = Rational::from(&pr * &pr) + Rational::from(&pi * &pi);
    if abs2.is_zero() {
        return Rational::new();
    }
    let dp = derivative_q(p);
    let (dr, di) = horner_q_complex(&dp, re, im);
    let dabs2 = Rational::from(&dr * &dr) + Rational::from(&di * &di);
    let mut r_prod = round_up(prec, &abs2);
    r_prod.root_round(2 * n, Round::Up);
    let mut best = r_prod.to_rational().unwrap_or_else(|| Rational::from(u32::MAX));
    if !dabs2.is_zero() {
        let ratio = Rational::from(n * n) * abs2 / dabs2;
        let mut r_newton = round_up(prec, &ratio);
        r_newton.sqrt_round(Round::Up);
        if let Some(rq) = r_newton.to_rational()
            && rq < best
        {
            best = rq;
        }
    }
    best
}

/// Eigenvalues of an exact rational matrix: `nalgebra` (`f64`) guesses, Newton refinement on the
/// exact characteristic polynomial in MPFR, then a certified enclosure per eigenvalue (exact
/// rational, sign-change interval, or root-distance disc).
pub fn eigen_enclosures(m: &[Vec<Rational>], prec: u32) -> Result<Vec<Eigen>, FlowError> {
    let n = m.len();
    if n == 0 || m.iter().any(|r| r.len() != n) {
        return Err(FlowError::LinearAlgebra(
            "matrix must be square and non-empty".into(),
        ));
    }
    let poly = characteristic_polynomial(m);
    let poly_f: Vec<Float> = poly.iter().map(|c| Float::with_val(prec, c)).collect();
    let dpoly = derivative_q(&poly);
    let dpoly_f: Vec<Float> = dpoly.iter().map(|c| Float::with_val(prec, c)).collect();
    let mf = DMatrix::<f64>::from_fn(n, n, |i, j| m[i][j].to_f64());
    let guesses = mf.clone().complex_eigenvalues();
    let one = Float::with_val(prec, 1u32);
    let conv = pow2(prec, 4 - prec as i32);
    let exact_tol_rel = pow2(prec, 16 - prec as i32);
    let mut out: Vec<Eigen> = Vec::with_capacity(n);
    for g in guesses.iter() {
        let real = g.im.abs() <= 1e-7 * (1.0 + g.re.abs());
        if real {
            let mut mu = Float::with_val(prec, g.re);
            let mut last = Float::new(prec);
            for _ in 0..400 {
                let p = horner_f(&poly_f, &mu);
                let dp = horner_f(&dpoly_f, &mu);
                if p.is_zero() || dp.is_zero() || !dp.is_finite() {
                    last = Float::new(prec);
                    break;
                }
                let d = Float::with_val(prec, &p / &dp);
                mu -= &d;
                last = d.abs();
                if last <= Float::with_val(prec, Float::with_val(prec, mu.abs_ref()).max(&one) * &conv) {
                    break;
                }
            }
            let scale = Float::with_val(prec, mu.abs_ref()).max(&one);
            let enclosure = real_enclosure(&poly, &mu, &last, &scale, &exact_tol_rel, prec);
            let re = match &enclosure {
                Enclosure::Exact(q) => Float::with_val(prec, q),
                _ => mu,
            };
            let eigenvector = real_eigenvector(&mf, re.to_f64());
            let direction = enclosure.direction();
            out.push(Eigen {
                re,
                im: Float::new(prec),
                enclosure,
                isolated: true,
                direction,
                eigenvector,
            });
        } else {
            let mut zr = Float::with_val(prec, g.re);
            let mut zi = Float::with_val(prec, g.im);
            for _ in 0..400 {
                let (pr, pi) = horner_f_complex(&poly_f, &zr, &zi);
                let (dr, di) = horner_f_complex(&dpoly_f, &zr, &zi);
                let den = Float::with_val(prec, dr.square_ref()) + Float::with_val(prec, di.square_ref());
                if den.is_zero() || !den.is_finite() {
                    break;
                }
                // (pr + i pi)/(dr + i di)
                let qr = (Float::with_val(prec, &pr * &dr) + Float::with_val(prec, &pi * &di)) / &den;
                let qi = (Float::with_val(prec, &pi * &dr) - Float::with_val(prec, &pr * &di)) / &den;
                zr -= &qr;
                zi -= &qi;
                let step = Float::with_val(prec, qr.abs_ref()).max(&Float::with_val(prec, qi.abs_ref()));
                let size = Float::with_val(prec, zr.abs_ref())
                    .max(&Float::with_val(prec, zi.abs_ref()))
                    .max(&one);
                if step <= Float::with_val(prec, &size * &conv) {
                    break;
                }
            }
            let (re_q, im_q) = match (zr.to_rational(), zi.to_rational()) {
                (Some(a), Some(b)) => (a, b),
                _ => {
                    return Err(FlowError::LinearAlgebra(
                        "complex eigenvalue refinement diverged".into(),
                    ));
                }
            };
            let radius = root_distance_bound(&poly, &re_q, &im_q, prec);
            let enclosure = Enclosure::Disc {
                re: re_q,
                im: im_q,
                radius,
            };
            let direction = enclosure.direction();
            out.push(Eigen {
                re: zr,
                im: zi,
                enclosure,
                isolated: true,
                direction,
                eigenvector: None,
            });
        }
    }
    let discs: Vec<_> = out.iter().map(|e| e.enclosure.disc()).collect();
    for i in 0..out.len() {
        out[i].isolated = (0..out.len()).filter(|&j| j != i).all(|j| {
            let (ref ar, ref ai, ref rr) = discs[i];
            let (ref br, ref bi, ref rs) = discs[j];
            let dx = Rational::from(ar - br);
            let dy = Rational::from(ai - bi);
            let d2 = Rational::from(&dx * &dx) + Rational::from(&dy * &dy);
            let rsum = Rational::from(rr + rs);
            d2 > Rational::from(&rsum * &rsum)
        });
    }
    Ok(out)
}

/// Exact root (rational reconstruction checked by exact evaluation), else an exact sign-change
/// bracket widened from the last Newton step, else the root-distance disc.
fn real_enclosure(
    poly: &[Rational],
    mu: &Float,
    last_step: &Float,
    scale: &Float,
    rel: &Float,
    prec: u32,
) -> Enclosure {
    let tol = Float::with_val(prec, scale * rel);
    if let Some(cand) = rational_reconstruct(mu, &Integer::from(1_000_000u32), &tol)
        && horner_q(poly, &cand).is_zero()
    {
        return Enclosure::Exact(cand);
    }
    let Some(mq) = mu.to_rational() else {
        return Enclosure::Disc {
            re: Rational::new(),
            im: Rational::new(),
            radius: Rational::from(u32::MAX),
        };
    };
    let floor = Float::with_val(prec, scale * &pow2(prec, 8 - prec as i32));
    let start = Float::with_val(prec, last_step * 4u32).max(&floor);
    let mut delta = start.to_rational().unwrap_or_else(|| Rational::from(1));
    let sign_at = |x: &Rational| horner_q(poly, x).cmp0();
    if sign_at(&mq) == Ordering::Equal {
        return Enclosure::Exact(mq);
    }
    for _ in 0..64 {
        let lo = Rational::from(&mq - &delta);
        let hi = Rational::from(&mq + &delta);
        let (sl, sh) = (sign_at(&lo), sign_at(&hi));
        if sl == Ordering::Equal {
            return Enclosure::Exact(lo);
        }
        if sh == Ordering::Equal {
            return Enclosure::Exact(hi);
        }
        if sl != sh {
            return Enclosure::Interval { lo, hi };
        }
        delta *= 4u32;
    }
    Enclosure::Disc {
        radius: root_distance_bound(poly, &mq, &Rational::new(), prec),
        re: mq,
        im: Rational::new(),
    }
}

fn real_eigenvector(m: &DMatrix<f64>, mu: f64) -> Option<Vec<f64>> {
    let n = m.nrows();
    let shifted = m - DMatrix::<f64>::identity(n, n) * mu;
    let svd = shifted.svd(false, true);
    let v_t = svd.v_t?;
    let (k, _) = svd
        .singular_values
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))?;
    let mut v: Vec<f64> = v_t.row(k).iter().copied().collect();
    let (imax, _) = v
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
    if v[imax] < 0.0 {
        v.iter_mut().for_each(|x| *x = -*x);
    }
    Some(v)
}

#[cfg(test)]
mod tests;
