//! Exact per-mode moments of the mode model by quadrature: the independent reference that the
//! GP, first-order and renormalized predictions ([`theory`](super::theory)) are judged against.
//!
//! After completing the square, the action of docs/theory.md §3.1 is, per mode `k`,
//! `A_k (f_k − m_k)²/2` with `A_k = 1/λ_k + x`, `m_k = x y_k/A_k`, plus the interactions. Three
//! cases reduce the `N`-dimensional integral to one-dimensional ones (the derivation is checked in
//! `proofs/rg_exact_quadrature.toml`):
//!
//! * **No interaction**: the moments are the Gaussian ones, `⟨f_k⟩ = m_k`, `Var f_k = 1/A_k`
//!   (no quadrature).
//! * **One separable term** `(U/4N) Q²`, `Q = Σ_k w_k f_k²`, `U > 0`, no diagonal term — the
//!   Hubbard–Stratonovich transform. With `c = U/(4N)`,
//!   `exp(−c Q²) = π^{−1/2} ∫_ℝ exp(−t² + 2i√c t Q) dt`. For fixed `t` every mode is Gaussian
//!   with the complex precision `B_k(t) = A_k − 4i√c w_k t` (`Re B_k = A_k > 0`), so
//!   `∫ exp(−A(f−m)²/2 + 2i√c t w f²) df / ∫ exp(−A(f−m)²/2) df
//!   = (A/B)^{1/2} exp(−(A m²/2)(1 − A/B))`, with conditional moments `E_t[f] = A m/B` and
//!   `E_t[f²] = (A m/B)² + 1/B`. Hence, with the complex weight
//!   `W(t) = exp(−t² + Σ_k [½ ln(A_k/B_k) − (A_k m_k²/2)(1 − A_k/B_k)])`,
//!   `⟨g⟩ = ∫ W E_t[g] dt / ∫ W dt` for `g = f_k, f_k²`. `W(−t) = conj W(t)`, so every integral is
//!   `2 Re ∫_0^∞` (the imaginary parts cancel), and `|W(t)| ≤ e^{−t²}` because `|A/B| ≤ 1` and
//!   `Re(1 − A/B) = 1 − A²/|B|² ≥ 0`; `|E_t[f]| ≤ |m|`, `|E_t[f²]| ≤ m² + 1/A`.
//! * **Diagonal terms only** (or `N = 1` with any terms): the action is a sum of one-mode actions
//!   `A_k (f−m_k)²/2 + g_k f⁴/4` (`g_k = U_d/λ_k²`; for `N = 1` the separable term adds
//!   `U w_1²`), so each mode is a one-dimensional real integral.
//!
//! A separable term together with a diagonal term at `N > 1` has no such reduction and is
//! refused (no reference rather than a wrong one).
//!
//! **Quadrature.** Both integrands are analytic in a strip around the real line and decay like
//! a Gaussian, where the trapezoidal rule converges geometrically in `1/h`. The rule is run with
//! the step halved until two successive steps agree to `digits + 3` significant digits in every
//! moment (relative to the mode's scale `|⟨Δ⟩| + σ` for the mean, to the variance itself for the
//! variance); the reported value is the finer one. The HS integral runs along the horizontal
//! line through its saddle point `iτ₀` rather than the real line (Cauchy; the real line would
//! need to resolve a cancellation of order `e^{−U⟨Q⟩²/4N}`, hopeless at hundreds of modes), and
//! its truncation is bounded explicitly (`|W(s + iτ₀)| ≤ e^{τ₀² − s²}`); for the one-mode integrals the sum
//! runs outward from the Gaussian centre until the integrand, which is log-concave, has fallen
//! below `10^{−(digits+10)}` of its largest value. This is a converged computation, not a
//! certified enclosure: its digits are checked by refinement, which for an analytic integrand on
//! the trapezoidal rule is a reliable but not a rigorous test. It runs in MPFR at
//! `digits + 20` decimal digits, so rounding is far below the agreement asked for.

use super::model::Model;
use super::theory::{ModeValue, Spectrum};
use crate::error::{Error, Result};
use crate::numeric::Precision;
use rug::Float;

/// Which reduction produced the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// No interaction: the Gaussian moments in closed form.
    Gaussian,
    /// One separable term: the Hubbard–Stratonovich one-dimensional integral.
    HubbardStratonovich,
    /// Diagonal terms (or one mode): independent one-mode integrals.
    PerMode,
}

/// Exact moments of every mode.
#[derive(Debug, Clone)]
pub struct ExactMoments {
    /// Per mode `⟨Δ_k⟩` and `⟨Δ_k²⟩_c`, index `k − 1`.
    pub modes: Vec<ModeValue>,
    /// `Σ_k (⟨Δ_k⟩² + ⟨Δ_k²⟩_c)`.
    pub loss: Float,
    /// The reduction used.
    pub route: Route,
    /// Significant digits on which the last two refinements agreed (at least the requested).
    pub digits: u32,
    /// Quadrature nodes of the finest rule (per integral; 0 for the Gaussian route).
    pub nodes: usize,
}

/// Largest number of modes for which a reference is computed: the HS route costs
/// `O(N × nodes)` complex operations in MPFR.
pub const MAX_MODES: u64 = 10_000;

/// Largest number of digits a reference may be asked for.
pub const MAX_DIGITS: u32 = 100;

/// Node-mode evaluations per HS rule (nodes × modes) above which the halving stops with an
/// error: each is a handful of complex MPFR operations (a logarithm among them).
const HS_WORK_LIMIT: u64 = 1 << 22;

/// Nodes on the half line at which the halving stops with an error (the strip of analyticity
/// has become too narrow for the coupling, e.g. a huge `U/N`).
const MAX_NODES: usize = 1 << 16;

/// A complex number as two MPFR floats (only what the HS weight needs: `+`, `×`, `÷`, `ln`,
/// `exp`); the crate does not enable rug's MPC binding for this one use.
#[derive(Clone)]
struct C {
    re: Float,
    im: Float,
}

impl C {
    fn real(re: Float) -> C {
        let im = Float::new(re.prec());
        C { re, im }
    }
    fn add(&self, o: &C) -> C {
        let p = self.re.prec();
        C {
            re: Float::with_val(p, &self.re + &o.re),
            im: Float::with_val(p, &self.im + &o.im),
        }
    }
    fn mul(&self, o: &C) -> C {
        let p = self.re.prec();
        C {
            re: Float::with_val(p, &self.re * &o.re) - Float::with_val(p, &self.im * &o.im),
            im: Float::with_val(p, &self.re * &o.im) + Float::with_val(p, &self.im * &o.re),
        }
    }
    fn scale(&self, s: &Float) -> C {
        let p = self.re.prec();
        C {
            re: Float::with_val(p, &self.re * s),
            im: Float::with_val(p, &self.im * s),
        }
    }
    /// `1/self`.
    fn recip(&self) -> C {
        let p = self.re.prec();
        let norm = Float::with_val(p, self.re.square_ref()) + Float::with_val(p, self.im.square_ref());
        C {
            re: Float::with_val(p, &self.re / &norm),
            im: -Float::with_val(p, &self.im / &norm),
        }
    }
    /// Principal logarithm (`self` never lies on the negative real axis here: `Re > 0`).
    fn ln(&self) -> C {
        let p = self.re.prec();
        let norm = Float::with_val(p, self.re.square_ref()) + Float::with_val(p, self.im.square_ref());
        C {
            re: norm.ln() / 2u32,
            im: Float::with_val(p, self.im.atan2_ref(&self.re)),
        }
    }
    fn exp(&self) -> C {
        let p = self.re.prec();
        let r = Float::with_val(p, self.re.exp_ref());
        let (sin, cos) = Float::with_val(p, &self.im).sin_cos(Float::new(p));
        C {
            re: Float::with_val(p, &r * &cos),
            im: Float::with_val(p, &r * &sin),
        }
    }
}

/// The moments a quadrature rule accumulates: `Σ w`, `Σ w E[f_k]`, `Σ w E[f_k²]`.
struct Sums {
    z: Float,
    first: Vec<Float>,
    second: Vec<Float>,
}

/// The exact moments of `model` to `digits` significant digits (see the module docs for the
/// cases covered).
///
/// # Errors
/// [`Error::invalid`] for a model outside the reductions (a separable and a diagonal term at
/// `N > 1`, a negative coupling, more than [`MAX_MODES`] modes, `digits` outside
/// `1..=`[`MAX_DIGITS`]); [`Error::numeric`] when the quadrature does not converge within its node
/// budget.
pub fn exact_moments(model: &Model, digits: u32) -> Result<ExactMoments> {
    if digits == 0 || digits > MAX_DIGITS {
        return Err(Error::invalid(
            "exact moments: digits",
            format!("need 1 ≤ digits ≤ {MAX_DIGITS}, got {digits}"),
        ));
    }
    if model.modes > MAX_MODES {
        return Err(Error::invalid(
            "exact moments: modes",
            format!(
                "a quadrature reference is computed for N ≤ {MAX_MODES} modes, got {}",
                model.modes
            ),
        ));
    }
    let prec = Precision::from_digits(digits + 20);
    let spectrum = Spectrum::new(model, prec);
    let separable = spectrum.separable_u.cmp0();
    let diagonal = spectrum.diagonal_u.cmp0();
    use std::cmp::Ordering::{Equal, Greater};
    for (sign, what) in [(separable, "separable"), (diagonal, "diagonal")] {
        if !matches!(sign, Some(Equal | Greater)) {
            return Err(Error::invalid(
                format!("exact moments: {what} U"),
                "a negative quartic coupling has no normalizable measure".to_string(),
            ));
        }
    }
    let prepared = Prepared::new(&spectrum, prec);
    let route = match (separable == Some(Greater), diagonal == Some(Greater)) {
        (false, false) => return Ok(prepared.gaussian(digits)),
        (true, false) if model.modes > 1 => Route::HubbardStratonovich,
        (true, true) if model.modes > 1 => {
            return Err(Error::invalid(
                "exact moments: interactions",
                "a separable and a diagonal term together have no one-dimensional reduction at \
                 N > 1; no exact reference is computed",
            ));
        }
        _ => Route::PerMode,
    };
    converge(&prepared, route, digits)
}

/// Runs the quadrature of `route`, halving the step until two successive rules agree; a
/// geometric rate makes the finer one far more accurate than the agreement shows.
fn converge(prepared: &Prepared, route: Route, digits: u32) -> Result<ExactMoments> {
    let sums_at = |h: &Float| match route {
        Route::HubbardStratonovich => prepared.hs_sums(h, digits),
        _ => prepared.per_mode_sums(h, digits),
    };
    let mut h = Float::with_val(prepared.prec, 0.5);
    let mut previous = prepared.moments(&sums_at(&h)?);
    loop {
        h /= 2u32;
        let current = prepared.moments(&sums_at(&h)?);
        if let Some(agreed) = agreement(&previous, &current, digits + 3) {
            let loss = super::theory::loss(&current, Precision::from_bits(prepared.prec));
            return Ok(ExactMoments {
                modes: current,
                loss,
                route,
                // Claim what was asked: the agreement shows at least that much, and the rounding
                // of the sums (at digits + 20) is what bounds any claim beyond it.
                digits: agreed.min(digits),
                nodes: prepared.nodes_used(&h, route, digits),
            });
        }
        previous = current;
    }
}

/// Significant digits on which two sets of moments agree, if at least `want`.
fn agreement(a: &[ModeValue], b: &[ModeValue], want: u32) -> Option<u32> {
    let mut worst = f64::INFINITY;
    for (x, y) in a.iter().zip(b) {
        let p = x.variance.prec();
        let scale_mean =
            Float::with_val(p, y.mean_delta.abs_ref()) + Float::with_val(p, y.variance.sqrt_ref());
        let pairs = [
            (&x.mean_delta, &y.mean_delta, scale_mean),
            (&x.variance, &y.variance, Float::with_val(p, y.variance.abs_ref())),
        ];
        for (u, v, scale) in pairs {
            let diff = Float::with_val(p, u - v).abs();
            if diff.is_zero() {
                continue;
            }
            // Digits agreed: −log10(|u − v|/scale); f64 suffices to count digits.
            let d = -(diff / scale).log10().to_f64();
            worst = worst.min(d);
        }
    }
    let worst = if worst.is_finite() {
        worst.floor().max(0.0) as u32
    } else {
        u32::MAX
    };
    (worst >= want).then_some(worst.min(MAX_DIGITS + 20))
}

/// The per-mode constants every route needs, at the working precision.
#[derive(Clone)]
struct Prepared {
    prec: u32,
    /// `A_k = 1/λ_k + x`.
    stiffness: Vec<Float>,
    /// `m_k = x y_k/A_k`.
    centre: Vec<Float>,
    target: Vec<Float>,
    /// Separable weights `w_k` (empty without the term).
    weight: Vec<Float>,
    /// `√(U/(4N))` of the separable term (zero without it).
    hs_scale: Float,
    /// `τ₀ ≥ 0`: the HS integral runs along `t = s + iτ₀` (see [`Prepared::saddle`]).
    shift: Float,
    /// Per mode, the quartic coefficient `g_k` of a one-mode action `… + g_k f⁴/4`.
    quartic: Vec<Float>,
}

impl Prepared {
    fn new(s: &Spectrum, prec: Precision) -> Prepared {
        let p = prec.bits();
        let stiffness: Vec<Float> = s
            .lambda
            .iter()
            .map(|l| Float::with_val(p, l.recip_ref()) + &s.x)
            .collect();
        let centre = s
            .target
            .iter()
            .zip(&stiffness)
            .map(|(y, a)| Float::with_val(p, &s.x * y) / a)
            .collect();
        let n = Float::with_val(p, s.modes);
        let hs_scale = Float::with_val(p, &s.separable_u / (n.clone() * 4u32)).sqrt();
        let quartic = s
            .lambda
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut g = Float::with_val(p, &s.diagonal_u / Float::with_val(p, l.square_ref()));
                if s.modes == 1 && !s.weight.is_empty() {
                    // N = 1: (U/4)(w f²)² is a one-mode quartic with g = U w².
                    g += Float::with_val(p, &s.separable_u * Float::with_val(p, s.weight[i].square_ref()));
                }
                g
            })
            .collect();
        let mut prepared = Prepared {
            prec: p,
            stiffness,
            centre,
            target: s.target.clone(),
            weight: s.weight.clone(),
            hs_scale,
            shift: Float::new(p),
            quartic,
        };
        if !prepared.weight.is_empty() {
            prepared.shift = prepared.saddle();
        }
        prepared
    }

    /// `κ_k = 4√(U/4N) w_k`: mode `k`'s precision at `t` is `B_k = A_k − iκ_k t`.
    fn kappa(&self, k: usize) -> Float {
        Float::with_val(self.prec, &self.hs_scale * &self.weight[k]) * 4u32
    }

    /// The saddle point `iτ₀` of the HS weight on the imaginary axis.
    ///
    /// **Why the contour moves.** On the real line the weight carries the phase of the mean
    /// field, `W(t) ≈ e^{−t² + 2i√c t ⟨Q⟩}`, and `⟨Q⟩` grows like `N`: its integral is then a
    /// cancellation of size `e^{−c⟨Q⟩²}` among terms of size one, which no working precision of
    /// `digits + 20` resolves once `N` is in the hundreds (the refinement never agreed). The
    /// integrand is analytic for `Im t > −min_k A_k/κ_k` (the poles of `B_k^{−1/2}` lie on the
    /// negative imaginary axis) and decays along every horizontal line, so by Cauchy the integral
    /// is the same along `t = s + iτ₀` for any `τ₀ ≥ 0`; through the saddle the phase is
    /// stationary and nothing cancels. On that line `B_k = A_k + κ_kτ₀ − iκ_k s` still has
    /// `Re B_k ≥ A_k`, so `|A_k/B_k| ≤ 1` and `Re(1 − A_k/B_k) ≥ 0`, and `W(−s + iτ₀)` is the
    /// conjugate of `W(s + iτ₀)`: the half-line sum with real parts stays valid, and
    /// `|W(s + iτ₀)| ≤ e^{τ₀² − s²}`.
    ///
    /// `τ₀` solves `d/dτ ln W(iτ) = 0`, i.e. `2τ = Σ_k [κ_k/(2(A_k+κ_kτ)) + A_k²m_k²κ_k/(2(A_k+κ_kτ)²)]`;
    /// the right side decreases in `τ`, so bisection on `[0, τ_hi]` with `τ_hi` its value at
    /// `τ = 0`, halved, finds it. Any `τ₀ ≥ 0` gives the same integral, so `f64` is enough here.
    fn saddle(&self) -> Float {
        let terms: Vec<(f64, f64, f64)> = (0..self.stiffness.len())
            .map(|k| {
                (
                    self.stiffness[k].to_f64(),
                    self.kappa(k).to_f64(),
                    self.centre[k].to_f64(),
                )
            })
            .collect();
        let rhs = |tau: f64| -> f64 {
            terms
                .iter()
                .map(|&(a, kappa, m)| {
                    let b = a + kappa * tau;
                    kappa / (2.0 * b) + a * a * m * m * kappa / (2.0 * b * b)
                })
                .sum()
        };
        let (mut lo, mut hi) = (0.0f64, rhs(0.0) / 2.0);
        if !(hi.is_finite() && hi > 0.0) {
            return Float::new(self.prec);
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if 2.0 * mid < rhs(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Float::with_val(self.prec, 0.5 * (lo + hi))
    }

    /// `ln W(iτ₀)` (real on the imaginary axis).
    fn log_weight_at_saddle(&self) -> Float {
        let p = self.prec;
        let mut acc = Float::with_val(p, self.shift.square_ref());
        for k in 0..self.stiffness.len() {
            let a = &self.stiffness[k];
            let b = Float::with_val(p, &self.kappa(k) * &self.shift) + a;
            let ratio = Float::with_val(p, a / &b);
            acc += Float::with_val(p, ratio.ln_ref()) / 2u32;
            let am2 = Float::with_val(p, a * Float::with_val(p, self.centre[k].square_ref())) / 2u32;
            acc -= am2 * (Float::with_val(p, 1) - ratio);
        }
        acc
    }

    fn gaussian(&self, digits: u32) -> ExactMoments {
        let modes: Vec<ModeValue> = (0..self.stiffness.len())
            .map(|i| ModeValue {
                k: i as u64 + 1,
                mean_delta: Float::with_val(self.prec, &self.target[i] - &self.centre[i]),
                variance: Float::with_val(self.prec, self.stiffness[i].recip_ref()),
            })
            .collect();
        let loss = super::theory::loss(&modes, Precision::from_bits(self.prec));
        ExactMoments {
            modes,
            loss,
            route: Route::Gaussian,
            digits,
            nodes: 0,
        }
    }

    /// The half-length `L` of the HS contour: `|W(s + iτ₀)| ≤ e^{τ₀² − s²}` (see
    /// [`Prepared::saddle`]), so with `L² = τ₀² − ln W(iτ₀) + (digits + 10) ln 10` the weight beyond
    /// `|s| = L` is below `10^{−(digits+10)}` of its value at the saddle, and the conditional
    /// moments are bounded by the mode's scale (`|E_t f| ≤ |m|`, `|E_t f²| ≤ m² + 1/A`).
    fn hs_range(&self, digits: u32) -> Float {
        let p = self.prec;
        let ln10 = Float::with_val(p, 10).ln();
        let excess = Float::with_val(p, self.shift.square_ref()) - self.log_weight_at_saddle();
        let excess = if excess.is_sign_negative() {
            Float::new(p)
        } else {
            excess
        };
        (excess + ln10 * (digits + 10)).sqrt() + 1u32
    }

    fn nodes_used(&self, h: &Float, route: Route, digits: u32) -> usize {
        match route {
            Route::HubbardStratonovich => (Float::with_val(self.prec, self.hs_range(digits) / h))
                .ceil()
                .to_f64() as usize,
            _ => 0,
        }
    }

    /// Trapezoidal sums of the HS integrals with step `h` (the factor `h` cancels in the ratios).
    fn hs_sums(&self, h: &Float, digits: u32) -> Result<Sums> {
        let p = self.prec;
        let range = self.hs_range(digits);
        let nodes = Float::with_val(p, &range / h).ceil().to_f64();
        let n = self.stiffness.len();
        if nodes.is_nan() || nodes > MAX_NODES as f64 || nodes * n as f64 > HS_WORK_LIMIT as f64 {
            return Err(Error::numeric(
                "exact moments (Hubbard–Stratonovich)",
                format!(
                    "the quadrature needs more than {MAX_NODES} nodes, or more than {HS_WORK_LIMIT} \
                     node-mode evaluations, to converge; the coupling U/N or the number of modes is \
                     too large for this reference"
                ),
            ));
        }
        let mut sums = Sums {
            z: Float::new(p),
            first: vec![Float::new(p); n],
            second: vec![Float::new(p); n],
        };
        for j in 0..=(nodes as usize) {
            // t = s + iτ₀. The node s = 0 is counted once, every other node twice (its mirror
            // −s + iτ₀ carries the complex conjugate, and only real parts are kept).
            let s = Float::with_val(p, h * j as u32);
            let weight = if j == 0 { 1u32 } else { 2u32 };
            // −t² = τ₀² − s² − 2isτ₀.
            let mut log_w = C {
                re: Float::with_val(p, self.shift.square_ref()) - Float::with_val(p, s.square_ref()),
                im: -Float::with_val(p, &s * &self.shift) * 2u32,
            };
            let mut cond: Vec<(C, C)> = Vec::with_capacity(n);
            for k in 0..n {
                let a = &self.stiffness[k];
                let kappa = self.kappa(k);
                // B = A − iκt = A + κτ₀ − iκs.
                let b = C {
                    re: Float::with_val(p, &kappa * &self.shift) + a,
                    im: -Float::with_val(p, &kappa * &s),
                };
                let a_over_b = b.recip().scale(a);
                let one_minus = C::real(Float::with_val(p, 1)).add(&a_over_b.scale(&Float::with_val(p, -1)));
                let am2 = Float::with_val(p, a * Float::with_val(p, self.centre[k].square_ref())) / 2u32;
                log_w = log_w
                    .add(&a_over_b.ln().scale(&Float::with_val(p, 0.5)))
                    .add(&one_minus.scale(&(-am2)));
                let mean = a_over_b.scale(&self.centre[k]);
                let second = mean.mul(&mean).add(&b.recip());
                cond.push((mean, second));
            }
            let w = log_w.exp();
            sums.z += Float::with_val(p, &w.re * weight);
            for (k, (mean, second)) in cond.iter().enumerate() {
                sums.first[k] += w.mul(mean).re * weight;
                sums.second[k] += w.mul(second).re * weight;
            }
        }
        Ok(sums)
    }

    /// Trapezoidal sums of each one-mode integral with step `h σ_k`, `σ_k = A_k^{−1/2}`, outward
    /// from the centre `m_k` until the integrand falls below `10^{−(digits+10)}` of its maximum.
    fn per_mode_sums(&self, h: &Float, digits: u32) -> Result<Sums> {
        let p = self.prec;
        let n = self.stiffness.len();
        let mut sums = Sums {
            z: Float::new(p),
            first: vec![Float::new(p); n],
            second: vec![Float::new(p); n],
        };
        let cut = -Float::with_val(p, 10).ln() * (digits + 10);
        let mut per_mode = Vec::with_capacity(n);
        for k in 0..n {
            let sigma = Float::with_val(p, self.stiffness[k].recip_sqrt_ref());
            let step = Float::with_val(p, &sigma * h);
            // log of the integrand relative to the Gaussian part's peak: −A(f−m)²/2 − g f⁴/4.
            let log_weight = |f: &Float| -> Float {
                let d = Float::with_val(p, f - &self.centre[k]);
                let f2 = Float::with_val(p, f.square_ref());
                -(Float::with_val(p, &self.stiffness[k] * Float::with_val(p, d.square_ref())) / 2u32)
                    - Float::with_val(p, &self.quartic[k] * Float::with_val(p, f2.square_ref())) / 4u32
            };
            let mut values: Vec<(Float, Float)> = Vec::new();
            let mut peak = log_weight(&self.centre[k]);
            for direction in [1i32, -1] {
                let mut j: u64 = if direction == 1 { 0 } else { 1 };
                loop {
                    if values.len() > MAX_NODES {
                        return Err(Error::numeric(
                            "exact moments (one-mode quadrature)",
                            format!("more than {MAX_NODES} nodes for mode {}", k + 1),
                        ));
                    }
                    let offset = Float::with_val(p, &step * j) * direction;
                    let f = Float::with_val(p, &self.centre[k] + &offset);
                    let lw = log_weight(&f);
                    if lw > peak {
                        peak = lw.clone();
                    }
                    let small = Float::with_val(p, &lw - &peak) < cut;
                    // Log-concave: once below the cut past the centre, it only falls further.
                    values.push((f, lw));
                    if small {
                        break;
                    }
                    j += 1;
                }
            }
            per_mode.push((values, peak));
        }
        for (k, (values, peak)) in per_mode.into_iter().enumerate() {
            for (f, lw) in values {
                let w = Float::with_val(p, &lw - &peak).exp();
                sums.z += &w;
                let wf = Float::with_val(p, &w * &f);
                sums.second[k] += Float::with_val(p, &wf * &f);
                sums.first[k] += wf;
            }
            // Each mode's integrals have their own normalization; store them relative to it so
            // `moments` divides by the right one.
            let z = std::mem::replace(&mut sums.z, Float::new(p));
            sums.first[k] /= &z;
            sums.second[k] /= &z;
        }
        sums.z = Float::with_val(p, 1);
        Ok(sums)
    }

    /// Moments from the sums: `⟨Δ_k⟩ = y_k − ⟨f_k⟩`, `⟨Δ_k²⟩_c = ⟨f_k²⟩ − ⟨f_k⟩²`.
    fn moments(&self, sums: &Sums) -> Vec<ModeValue> {
        let p = self.prec;
        (0..self.stiffness.len())
            .map(|k| {
                let mean_f = Float::with_val(p, &sums.first[k] / &sums.z);
                let second = Float::with_val(p, &sums.second[k] / &sums.z);
                ModeValue {
                    k: k as u64 + 1,
                    mean_delta: Float::with_val(p, &self.target[k] - &mean_f),
                    variance: second - Float::with_val(p, mean_f.square_ref()),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(n: u64, x: &str, terms: &str) -> Model {
        let text =
            format!("alpha = \"1/5\"\nbeta = \"3/10\"\nmodes = {n}\nP = 1\np_over_r = \"{x}\"\n{terms}");
        Model::from_toml(&text, "test").unwrap()
    }

    fn separable(u: &str) -> String {
        format!("[[interaction]]\nkind = \"separable\"\nU = \"{u}\"\nomega = \"0\"\n")
    }

    fn diagonal(u: &str) -> String {
        format!("[[interaction]]\nkind = \"diagonal\"\nU = \"{u}\"\n")
    }

    fn rel(a: &Float, b: &Float) -> f64 {
        (Float::with_val(a.prec(), a - b) / b).abs().to_f64()
    }

    #[test]
    fn no_interaction_gives_the_closed_form_gaussian_moments() {
        // ⟨Δ⟩ = y/(1 + xλ), Var = λ/(1 + xλ), with λ = k^{−6/5}, y = k^{−13/20}, x = 4 (f64 is
        // plenty for a closed form checked to 1e−14).
        let e = exact_moments(&model(5, "4", ""), 30).unwrap();
        assert_eq!(e.route, Route::Gaussian);
        for (i, v) in e.modes.iter().enumerate() {
            let k = (i + 1) as f64;
            let (l, y) = (k.powf(-1.2), k.powf(-0.65));
            assert!((v.mean_delta.to_f64() - y / (1.0 + 4.0 * l)).abs() < 1e-14);
            assert!((v.variance.to_f64() - l / (1.0 + 4.0 * l)).abs() < 1e-14);
        }
    }

    #[test]
    fn hubbard_stratonovich_and_direct_quadrature_agree_on_one_mode() {
        // N = 1: the separable quartic is the one-mode quartic (U/4) w² f⁴, so the HS integral
        // (complex, over the auxiliary field) and the direct real integral over f are two
        // different integrals of the same quantity.
        for u in ["0.3", "5", "200"] {
            let m = model(1, "3", &separable(u));
            let prec = Precision::from_digits(50);
            let prepared = Prepared::new(&Spectrum::new(&m, prec), prec);
            let hs = converge(&prepared, Route::HubbardStratonovich, 30).unwrap();
            let direct = converge(&prepared, Route::PerMode, 30).unwrap();
            assert!(
                rel(&hs.modes[0].variance, &direct.modes[0].variance) < 1e-28,
                "U = {u}"
            );
            assert!(
                rel(&hs.modes[0].mean_delta, &direct.modes[0].mean_delta) < 1e-28,
                "U = {u}"
            );
            // And the public entry point picks the direct route for one mode.
            assert_eq!(exact_moments(&m, 30).unwrap().route, Route::PerMode);
        }
    }

    /// `⟨f_1⟩, ⟨f_1²⟩, ⟨f_2⟩, ⟨f_2²⟩` of a two-mode separable model by a plain 2-D trapezoidal rule
    /// on a box around the Gaussian centre (independent of the module: f64, no transform).
    fn brute_force_two_modes(x: f64, u: f64) -> [f64; 4] {
        let lambda = [1.0, 2f64.powf(-1.2)];
        let y = [1.0, 2f64.powf(-0.65)];
        let w = [1.0 / lambda[0], 1.0 / lambda[1]];
        let action = |f: [f64; 2]| {
            let q = w[0] * f[0] * f[0] + w[1] * f[1] * f[1];
            (0..2)
                .map(|k| f[k] * f[k] / (2.0 * lambda[k]) + x / 2.0 * (f[k] - y[k]).powi(2))
                .sum::<f64>()
                + u / 8.0 * q * q
        };
        let (n, half) = (1200, 6.0);
        let h = 2.0 * half / n as f64;
        let mut s = [0.0; 5];
        for i in 0..=n {
            for j in 0..=n {
                let f = [-half + i as f64 * h, -half + j as f64 * h];
                let wgt = (-action(f)).exp();
                s[0] += wgt;
                s[1] += wgt * f[0];
                s[2] += wgt * f[0] * f[0];
                s[3] += wgt * f[1];
                s[4] += wgt * f[1] * f[1];
            }
        }
        [s[1] / s[0], s[2] / s[0], s[3] / s[0], s[4] / s[0]]
    }

    #[test]
    fn two_mode_separable_matches_a_brute_force_two_dimensional_integral() {
        for (x, u) in [(3.0, 0.7), (1.0, 6.0)] {
            let m = model(2, &x.to_string(), &separable(&u.to_string()));
            let e = exact_moments(&m, 20).unwrap();
            assert_eq!(e.route, Route::HubbardStratonovich);
            let b = brute_force_two_modes(x, u);
            let y = [1.0, 2f64.powf(-0.65)];
            for k in 0..2 {
                let mean_delta = y[k] - b[2 * k];
                let var = b[2 * k + 1] - b[2 * k] * b[2 * k];
                assert!(
                    (e.modes[k].mean_delta.to_f64() - mean_delta).abs() < 1e-9,
                    "k={k} x={x} U={u}"
                );
                assert!(
                    (e.modes[k].variance.to_f64() - var).abs() < 1e-9,
                    "k={k} x={x} U={u}"
                );
            }
        }
    }

    #[test]
    fn the_slope_at_small_coupling_is_first_order_perturbation_theory() {
        // (exact(U) − GP)/U → the first-order coefficient as U → 0: the quadrature and the
        // first-order formulas of `theory` are independent derivations of the same number.
        let u = "1e-12";
        for terms in [separable(u), diagonal(u)] {
            let m = model(16, "3.98", &terms);
            let prec = Precision::from_digits(60);
            let s = Spectrum::new(&m, prec);
            let (gp, fo) = (s.gp(), s.first_order());
            let e = exact_moments(&m, 50).unwrap();
            for k in 0..16 {
                for (ex, g, f1) in [
                    (&e.modes[k].mean_delta, &gp[k].mean_delta, &fo[k].mean_delta),
                    (&e.modes[k].variance, &gp[k].variance, &fo[k].variance),
                ] {
                    let exact_shift = Float::with_val(200, ex - g);
                    let first_shift = Float::with_val(200, f1 - g);
                    assert!(!first_shift.is_zero());
                    assert!(rel(&exact_shift, &first_shift) < 1e-9, "{terms} k = {}", k + 1);
                }
            }
        }
    }

    #[test]
    fn the_contour_does_not_change_the_integral() {
        // Cauchy: any horizontal line Im t = τ₀ ≥ 0 gives the same moments. On the real line
        // (τ₀ = 0) the N = 16 model still converges (it is what the mpmath reference in
        // tests/fixtures/rg/hs_reference.py integrates); at N = 96 compare three shifted lines.
        for (n, shifts) in [(16u64, vec![0.0, 1.0]), (96, vec![0.5, 1.0, 1.5])] {
            let m = model(n, "3.98", &separable("1"));
            let prec = Precision::from_digits(50);
            let base = Prepared::new(&Spectrum::new(&m, prec), prec);
            assert!(base.shift > 0, "the saddle lies above the real axis");
            let runs: Vec<ExactMoments> = shifts
                .iter()
                .map(|&f| {
                    let mut p = base.clone();
                    p.shift = Float::with_val(p.prec, &base.shift * f);
                    converge(&p, Route::HubbardStratonovich, 25).unwrap()
                })
                .collect();
            for other in &runs[1..] {
                for (a, b) in runs[0].modes.iter().zip(&other.modes) {
                    assert!(rel(&a.variance, &b.variance) < 1e-23, "N = {n}, k = {}", a.k);
                    assert!(rel(&a.mean_delta, &b.mean_delta) < 1e-23, "N = {n}, k = {}", a.k);
                }
            }
        }
    }

    #[test]
    fn hundreds_of_modes_converge_through_the_saddle() {
        // On the real line this model needs to resolve a cancellation of e^{−c⟨Q⟩²} ≈ e^{−50}:
        // the refinement never agreed (and ran for minutes). Through the saddle it converges.
        let m = model(200, "3.98", &separable("1"));
        let e = exact_moments(&m, 30).unwrap();
        assert_eq!(e.digits, 30);
        assert!(e.modes.iter().all(|v| v.variance > 0));
    }

    #[test]
    fn models_without_a_reduction_are_refused() {
        let mixed = model(3, "2", &format!("{}{}", separable("0.1"), diagonal("0.1")));
        assert!(exact_moments(&mixed, 20).is_err());
        // One mode: mixed terms are a single quartic, so there is a reference.
        let one = model(1, "2", &format!("{}{}", separable("0.1"), diagonal("0.1")));
        assert_eq!(exact_moments(&one, 20).unwrap().route, Route::PerMode);
        assert!(exact_moments(&model(3, "2", &separable("0.1")), 0).is_err());
        assert!(exact_moments(&model(3, "2", &separable("0.1")), MAX_DIGITS + 1).is_err());
    }

    #[test]
    fn a_huge_coupling_ends_in_an_answer_or_an_error_never_a_hang() {
        let m = model(16, "3.98", &separable("1e12"));
        match exact_moments(&m, 20) {
            Ok(e) => assert!(e.modes.iter().all(|v| v.variance.is_finite() && v.variance > 0)),
            Err(e) => assert!(e.to_string().contains("nodes"), "{e}"),
        }
    }
}
