//! Parameters, running couplings and the one-loop beta functions, written once over a
//! [`Scalar`] field so the exact, MPFR and plotting paths cannot drift apart.

use std::cmp::Ordering;

use rug::ops::Pow;
use rug::{Float, Rational};
use serde::{Deserialize, Serialize};

use super::FlowError;
use crate::numeric::Precision;

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
    /// The couplings `(ũ, ρ, A, S²)` rounded to `prec`, the order the beta functions take.
    pub fn couplings(&self, prec: Precision) -> [Float; 4] {
        let bits = prec.bits();
        [&self.u, &self.rho, &self.amp, &self.target2].map(|x| Float::with_val(bits, x))
    }

    /// Number of components (`ũ, ρ, A, S²`).
    pub const DIM: usize = 4;

    /// A state from exact rationals at `prec`.
    pub fn from_rationals(
        u: &Rational,
        rho: &Rational,
        amp: &Rational,
        target2: &Rational,
        prec: Precision,
    ) -> Self {
        let prec = prec.bits();
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
        prec: Precision,
    ) -> Result<Self, FlowError> {
        let prec = prec.bits();
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
    pub fn on_slice(params: &FlowParams, tau: &Rational, u: &Float, rho: &Float, prec: Precision) -> Self {
        let bits = prec.bits();
        FlowState {
            u: Float::with_val(bits, u),
            rho: Float::with_val(bits, rho),
            amp: Float::with_val(bits, 1u32),
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
pub fn slice_target2(params: &FlowParams, tau: &Rational, prec: Precision) -> Float {
    let prec = prec.bits();
    let g = params.target_exponent();
    let growth = Float::with_val(prec, Rational::from(&g * tau)).exp();
    let n = Float::with_val(prec, params.modes);
    let cutoff_weight = Float::with_val(prec, (&n).pow(&Float::with_val(prec, -g)));
    Float::with_val(prec, growth * cutoff_weight)
}

/// The pieces `T`, `B` and their derivatives at one point; `None` on the pole `1 + ρ = 0`.
pub(super) struct Pieces<S> {
    pub(super) t: S,
    pub(super) b: S,
    t_rho: S,
    t_s: S,
    b_rho: S,
    b_s: S,
}

/// The parameter-dependent constants lifted once into the arithmetic of `S`, so a right-hand
/// side called millions of times does not rebuild rationals on every call.
pub(super) struct Coeffs<S> {
    a: S,
    c: S,
    gamma: S,
    zero: S,
    one: S,
    two: S,
}

impl<S: Scalar> Coeffs<S> {
    pub(super) fn new(params: &FlowParams, sample: &S) -> Self {
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

pub(super) fn pieces<S: Scalar>(rho: &S, s2: &S) -> Option<Pieces<S>> {
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

pub(super) fn beta_core<S: Scalar>(k: &Coeffs<S>, truncation: Truncation, g: &[S; 4]) -> Option<[S; 4]> {
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

/// The right-hand sides of the note at `state`, rounded to `prec`.
///
/// The flow is autonomous (see the module docs), so no `τ` is taken.
pub fn beta_functions(
    params: &FlowParams,
    truncation: Truncation,
    state: &FlowState,
    prec: Precision,
) -> Result<FlowState, FlowError> {
    let g = state.couplings(prec);
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
    prec: Precision,
) -> Result<[[Float; 4]; 4], FlowError> {
    let g = state.couplings(prec);
    stability_matrix_generic(params, truncation, &g).ok_or(FlowError::Pole)
}
