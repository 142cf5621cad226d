//! Per-mode predictions for the model of docs/theory.md §3.1: the exact Gaussian process,
//! first-order perturbation theory in `U`, and the renormalized theory (discrete one-loop
//! decimation with `ℓ = Λ/k` matching).
//!
//! The derivations are ours and are checked step by step in `proofs/rg_gaussian_moments.toml`,
//! `proofs/rg_first_order.toml` and `proofs/rg_one_loop.toml`. In brief (`a = 1+α`,
//! `x = P/r`, `w_k = k^ω/λ_k`):
//!
//! * **GP with a kernel amplitude `A`** (mode action `A f²/(2λ) + (x/2)(f − y)²`):
//!   `σ² = λ/(A + xλ)`, `⟨f⟩ = μ = y xλ/(A + xλ)`, `⟨Δ⟩ = y A/(A + xλ)`. `A = 1` is §3.1's GP.
//! * **First order in `U`** (`⟨O⟩_U = ⟨O⟩_0 − U Cov_0(O, S_int/U)`, Stein's identity and the
//!   Gaussian moments): separable `δ⟨Δ_j⟩ = (U/N) σ_j² w_j μ_j (⟨Q⟩ + 2w_jσ_j²)`,
//!   `δVar_j = −(U/N) w_j σ_j⁴ (⟨Q⟩ + 2w_j m2_j)`; diagonal `δ⟨Δ_j⟩ = Uσ_j²(μ_j³ + 3μ_jσ_j²)/λ_j²`,
//!   `δVar_j = −3Uσ_j⁴(μ_j² + σ_j²)/λ_j²`. These are linear in `U` by construction.
//! * **One-loop decimation** (small-λ modes first, one mode at a time): integrating out mode `K`
//!   adds the tadpole `(U/N) w_K ⟨f_K²⟩` to the coefficient `C` of `w_k f_k²` on every remaining
//!   mode (at `ω = 0` this is exactly a kernel amplitude `A = 1 + C`), and the bubble
//!   `−(U²/2N) w_K² Var(f_K²)` to `U`. Mode `j` is matched when it reaches the cutoff
//!   (`ℓ = Λ/j`): it sees the renormalized amplitude plus, at first order in the *renormalized*
//!   coupling, the mean field of the modes that remain (`k ≤ j`, themselves renormalized). The
//!   prediction therefore agrees with first-order perturbation theory to `O(U)` and resums the
//!   decimated modes beyond it; at `U = 0` it is the exact GP, term by term.
//!
//! Values are MPFR floats at the caller's explicit precision. These are predictions to compare
//! with sampling, so the precision only has to be far below the sampling error; it is still
//! explicit so that `U = 0` reproduces the exact GP to every digit asked for.

use super::model::Model;
use crate::numeric::Precision;
use rug::ops::Pow;
use rug::{Float, Rational};
use serde::Serialize;

/// Mean discrepancy and variance of one mode.
#[derive(Debug, Clone, PartialEq)]
pub struct ModeValue {
    /// Mode index `k` (1-based).
    pub k: u64,
    /// `⟨Δ_k⟩`.
    pub mean_delta: Float,
    /// `⟨Δ_k²⟩_c`.
    pub variance: Float,
}

/// The state of the discrete one-loop flow when mode `k` reaches the cutoff (all modes above
/// `k` integrated out).
#[derive(Debug, Clone, PartialEq)]
pub struct FlowPoint {
    /// The mode at the cutoff.
    pub k: u64,
    /// `ℓ = Λ/k`.
    pub ell: Float,
    /// Accumulated tadpole coefficient `C`: each remaining mode's stiffness is `(1 + C λ_k w_k)/λ_k`.
    pub tadpole: Float,
    /// The renormalized separable coupling `U(ℓ)` (bare normalization `1/N`).
    pub coupling: Float,
}

/// Which prediction a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The exact Gaussian process (`U = 0`).
    Gp,
    /// First-order perturbation theory in `U`.
    FirstOrder,
    /// The renormalized theory with `ℓ = Λ/k` matching.
    Rg,
}

impl Method {
    /// Human-readable name.
    pub fn name(self) -> &'static str {
        match self {
            Method::Gp => "GP",
            Method::FirstOrder => "first order",
            Method::Rg => "RG",
        }
    }
}

/// The model's numbers at a working precision.
pub struct Spectrum {
    prec: Precision,
    /// `x = P/r`.
    pub x: Float,
    /// `λ_k`, index `k − 1`.
    pub lambda: Vec<Float>,
    /// `y_k`.
    pub target: Vec<Float>,
    /// Separable weights `w_k = k^ω/λ_k` (empty without a separable term).
    pub weight: Vec<Float>,
    /// Separable coupling `U` (zero without a separable term).
    pub separable_u: Float,
    /// Summed diagonal coupling.
    pub diagonal_u: Float,
    /// `N`.
    pub modes: u64,
    /// `(−a, −(1+β)/2, ω + a)`: the exponents of `λ`, `y` and `w`, for off-lattice evaluation.
    exponents: [Float; 3],
}

/// `k^q` for a positive integer `k` and an exact rational `q`, at `prec`.
pub fn int_pow(k: u64, q: &Rational, prec: Precision) -> Float {
    let bits = prec.bits();
    Float::with_val(bits, k).pow(&Float::with_val(bits, q))
}

impl Spectrum {
    /// Evaluates `λ_k`, `y_k`, `w_k` and the couplings at `prec`.
    pub fn new(model: &Model, prec: Precision) -> Spectrum {
        let bits = prec.bits();
        let a = model.kernel_exponent();
        let half_target = -(Rational::from(1) + &model.beta) / Rational::from(2);
        let neg_a = -a.clone();
        let lambda: Vec<Float> = (1..=model.modes).map(|k| int_pow(k, &neg_a, prec)).collect();
        let target = (1..=model.modes)
            .map(|k| int_pow(k, &half_target, prec))
            .collect();
        let (separable_u, weight) = match model.separable() {
            Some((u, omega)) => {
                let w_exp = Rational::from(omega + &a);
                let w = (1..=model.modes).map(|k| int_pow(k, &w_exp, prec)).collect();
                (Float::with_val(bits, u), w)
            }
            None => (Float::new(bits), Vec::new()),
        };
        Spectrum {
            prec,
            x: Float::with_val(bits, &model.p_over_r()),
            lambda,
            target,
            weight,
            separable_u,
            diagonal_u: Float::with_val(bits, &model.diagonal_coupling()),
            modes: model.modes,
            exponents: [
                Float::with_val(bits, &neg_a),
                Float::with_val(bits, &half_target),
                Float::with_val(
                    bits,
                    &(model.separable().map_or(Rational::new(), |(_, o)| o.clone()) + &a),
                ),
            ],
        }
    }

    fn zero(&self) -> Float {
        Float::new(self.prec.bits())
    }

    /// Gaussian moments `(μ, σ²)` of mode `i` (0-based) with kernel amplitude `amp`.
    fn gaussian(&self, i: usize, amp: &Float) -> (Float, Float) {
        let xl = Float::with_val(self.prec.bits(), &self.x * &self.lambda[i]);
        let denom = Float::with_val(self.prec.bits(), amp + &xl);
        let sigma2 = Float::with_val(self.prec.bits(), &self.lambda[i] / &denom);
        let mu = Float::with_val(self.prec.bits(), &self.target[i] * &xl) / &denom;
        (mu, sigma2)
    }

    /// `λ_k w_k` (the separable tadpole enters mode `k`'s amplitude with this factor; `k^ω`).
    fn lambda_w(&self, i: usize) -> Float {
        Float::with_val(self.prec.bits(), &self.lambda[i] * &self.weight[i])
    }

    fn n_float(&self) -> Float {
        Float::with_val(self.prec.bits(), self.modes)
    }

    /// Mean discrepancy and variance from amplitudes for the mean and the variance.
    fn mode_value(&self, i: usize, amp_mean: &Float, amp_var: &Float) -> ModeValue {
        let xl = Float::with_val(self.prec.bits(), &self.x * &self.lambda[i]);
        let mean_delta = Float::with_val(self.prec.bits(), &self.target[i] * amp_mean)
            / Float::with_val(self.prec.bits(), amp_mean + &xl);
        let variance = Float::with_val(
            self.prec.bits(),
            &self.lambda[i] / Float::with_val(self.prec.bits(), amp_var + &xl),
        );
        ModeValue {
            k: i as u64 + 1,
            mean_delta,
            variance,
        }
    }

    /// The exact GP, every mode.
    pub fn gp(&self) -> Vec<ModeValue> {
        let one = Float::with_val(self.prec.bits(), 1);
        (0..self.lambda.len())
            .map(|i| self.mode_value(i, &one, &one))
            .collect()
    }

    /// First-order perturbation theory in every coupling (linear in `U`).
    pub fn first_order(&self) -> Vec<ModeValue> {
        let one = Float::with_val(self.prec.bits(), 1);
        let n = self.n_float();
        let moments: Vec<(Float, Float)> = (0..self.lambda.len()).map(|i| self.gaussian(i, &one)).collect();
        let q_mean = if self.weight.is_empty() {
            self.zero()
        } else {
            moments
                .iter()
                .zip(&self.weight)
                .fold(self.zero(), |acc, ((mu, s2), w)| {
                    acc + (Float::with_val(self.prec.bits(), mu.square_ref()) + s2) * w
                })
        };
        moments
            .iter()
            .enumerate()
            .map(|(i, (mu, s2))| {
                let gp = self.mode_value(i, &one, &one);
                let mut d_mean = self.zero();
                let mut d_var = self.zero();
                let s4 = Float::with_val(self.prec.bits(), s2.square_ref());
                let mu2 = Float::with_val(self.prec.bits(), mu.square_ref());
                if !self.weight.is_empty() {
                    let w = &self.weight[i];
                    let g = Float::with_val(self.prec.bits(), &self.separable_u / &n);
                    let ws2 = Float::with_val(self.prec.bits(), w * s2);
                    let m2 = Float::with_val(self.prec.bits(), &mu2 + s2);
                    let qm = Float::with_val(
                        self.prec.bits(),
                        &q_mean + Float::with_val(self.prec.bits(), &ws2 * 2u32),
                    );
                    let qv = Float::with_val(
                        self.prec.bits(),
                        &q_mean + Float::with_val(self.prec.bits(), w * &m2) * 2u32,
                    );
                    d_mean += Float::with_val(self.prec.bits(), &g * &ws2) * mu * &qm;
                    d_var -= Float::with_val(self.prec.bits(), &g * w) * &s4 * &qv;
                }
                if self.diagonal_u.cmp0() != Some(std::cmp::Ordering::Equal) {
                    let l2 = Float::with_val(self.prec.bits(), self.lambda[i].square_ref());
                    let cube = Float::with_val(
                        self.prec.bits(),
                        &mu2 + Float::with_val(self.prec.bits(), s2 * 3u32),
                    ) * mu;
                    d_mean += Float::with_val(self.prec.bits(), &self.diagonal_u * s2) * &cube / &l2;
                    d_var -= Float::with_val(self.prec.bits(), &self.diagonal_u * &s4)
                        * 3u32
                        * Float::with_val(self.prec.bits(), &mu2 + s2)
                        / &l2;
                }
                ModeValue {
                    k: gp.k,
                    mean_delta: gp.mean_delta + d_mean,
                    variance: gp.variance + d_var,
                }
            })
            .collect()
    }

    /// The discrete one-loop flow: one point per mode, from `k = N` (nothing integrated) down
    /// to `k = 1`; index `k − 1`.
    pub fn flow(&self) -> Vec<FlowPoint> {
        let n = self.n_float();
        let mut tadpole = self.zero();
        let mut coupling = self.separable_u.clone();
        // Built from the cutoff down (the order of decimation), then reversed to index k − 1.
        let mut out = Vec::with_capacity(self.lambda.len());
        for i in (0..self.lambda.len()).rev() {
            out.push(FlowPoint {
                k: i as u64 + 1,
                ell: Float::with_val(self.prec.bits(), &n / (i as u64 + 1)),
                tadpole: tadpole.clone(),
                coupling: coupling.clone(),
            });
            if self.weight.is_empty() {
                continue;
            }
            let amp = Float::with_val(self.prec.bits(), &tadpole * self.lambda_w(i)) + 1u32;
            let (mu, s2) = self.gaussian(i, &amp);
            let w = &self.weight[i];
            let mu2 = Float::with_val(self.prec.bits(), mu.square_ref());
            let m2 = Float::with_val(self.prec.bits(), &mu2 + &s2);
            let var_f2 = Float::with_val(self.prec.bits(), s2.square_ref()) * 2u32
                + Float::with_val(self.prec.bits(), &mu2 * &s2) * 4u32;
            let g = Float::with_val(self.prec.bits(), &coupling / &n);
            tadpole += Float::with_val(self.prec.bits(), &g * w) * &m2;
            let bubble = Float::with_val(self.prec.bits(), coupling.square_ref())
                / Float::with_val(self.prec.bits(), &n * 2u32)
                * Float::with_val(self.prec.bits(), w.square_ref())
                * &var_f2;
            coupling -= bubble;
        }
        out.reverse();
        out
    }

    /// The renormalized theory's prediction for every mode (`ℓ = Λ/k` matching).
    pub fn rg(&self, flow: &[FlowPoint]) -> Vec<ModeValue> {
        (0..self.lambda.len())
            .map(|i| self.rg_mode(i, &flow[i]))
            .collect()
    }

    fn rg_mode(&self, i: usize, at: &FlowPoint) -> ModeValue {
        let n = self.n_float();
        let one = Float::with_val(self.prec.bits(), 1);
        let amp_of = |k: usize| -> Float {
            if self.weight.is_empty() {
                one.clone()
            } else {
                Float::with_val(self.prec.bits(), &at.tadpole * self.lambda_w(k)) + 1u32
            }
        };
        let amp = amp_of(i);
        let (mu, s2) = self.gaussian(i, &amp);
        let mu2 = Float::with_val(self.prec.bits(), mu.square_ref());
        let mut amp_mean = amp.clone();
        let mut amp_var = amp.clone();
        if !self.weight.is_empty() {
            let remaining = (0..=i).fold(self.zero(), |acc, k| {
                let (m, v) = self.gaussian(k, &amp_of(k));
                acc + (Float::with_val(self.prec.bits(), m.square_ref()) + &v) * &self.weight[k]
            });
            let w = &self.weight[i];
            let g = Float::with_val(self.prec.bits(), &at.coupling / &n) * self.lambda_w(i);
            let self_mean = Float::with_val(self.prec.bits(), w * &s2) * 2u32;
            let self_var = Float::with_val(
                self.prec.bits(),
                w * Float::with_val(self.prec.bits(), &mu2 + &s2),
            ) * 2u32;
            amp_mean += Float::with_val(
                self.prec.bits(),
                &g * Float::with_val(self.prec.bits(), &remaining + &self_mean),
            );
            amp_var += Float::with_val(
                self.prec.bits(),
                &g * Float::with_val(self.prec.bits(), &remaining + &self_var),
            );
        }
        if self.diagonal_u.cmp0() != Some(std::cmp::Ordering::Equal) {
            let l = &self.lambda[i];
            amp_mean += Float::with_val(
                self.prec.bits(),
                &self.diagonal_u
                    * Float::with_val(
                        self.prec.bits(),
                        &mu2 + Float::with_val(self.prec.bits(), &s2 * 3u32),
                    ),
            ) / l;
            amp_var += Float::with_val(self.prec.bits(), &self.diagonal_u * 3u32)
                * Float::with_val(self.prec.bits(), &mu2 + &s2)
                / l;
        }
        self.mode_value(i, &amp_mean, &amp_var)
    }
}

impl Spectrum {
    /// The renormalized mean discrepancy at a real, possibly off-lattice, mode position `k ≥ 1`
    /// (used to compare a rescaled system with this one, §3.5): the flow state of the mode
    /// below `k`, the remaining modes `≤ ⌊k⌋`, and `λ(k)`, `y(k)`, `w(k)` at `k` itself.
    pub fn rg_mean_at(&self, flow: &[FlowPoint], k: &Float) -> Float {
        let p = self.prec.bits();
        let floor = k.to_f64().floor().clamp(1.0, self.modes as f64) as usize;
        let at = &flow[floor - 1];
        let kf = Float::with_val(p, k);
        let lam = kf.clone().pow(&self.exponents[0]);
        let y = kf.clone().pow(&self.exponents[1]);
        let xl = Float::with_val(p, &self.x * &lam);
        let mut amp = Float::with_val(p, 1);
        let mut base = amp.clone();
        if !self.weight.is_empty() {
            let w = kf.pow(&self.exponents[2]);
            let lw = Float::with_val(p, &lam * &w);
            amp += Float::with_val(p, &at.tadpole * &lw);
            base = amp.clone();
            let s2 = Float::with_val(p, &lam / Float::with_val(p, &amp + &xl));
            let remaining = (0..floor).fold(Float::new(p), |acc, j| {
                let a_j = Float::with_val(p, &at.tadpole * self.lambda_w(j)) + 1u32;
                let (m, v) = self.gaussian(j, &a_j);
                acc + (Float::with_val(p, m.square_ref()) + &v) * &self.weight[j]
            });
            let g = Float::with_val(p, &at.coupling / self.n_float()) * &lw;
            amp += g * (remaining + Float::with_val(p, &w * &s2) * 2u32);
        }
        if self.diagonal_u.cmp0() != Some(std::cmp::Ordering::Equal) {
            // As in the on-lattice prediction: the mode's own Gaussian moments are those of the
            // renormalized amplitude before the residual mean field is added.
            let s2 = Float::with_val(p, &lam / Float::with_val(p, &base + &xl));
            let mu = Float::with_val(p, &y * &xl) / Float::with_val(p, &base + &xl);
            amp += Float::with_val(
                p,
                &self.diagonal_u * (Float::with_val(p, mu.square_ref()) + s2 * 3u32),
            ) / &lam;
        }
        Float::with_val(p, &y * &amp) / Float::with_val(p, &amp + &xl)
    }
}

/// `Σ_k (⟨Δ_k⟩² + ⟨Δ_k²⟩_c)`: the loss per sample of a prediction.
pub fn loss(values: &[ModeValue], prec: Precision) -> Float {
    values.iter().fold(Float::new(prec.bits()), |acc, v| {
        acc + Float::with_val(prec.bits(), v.mean_delta.square_ref()) + &v.variance
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(n: u64, x: &str, terms: &str) -> Model {
        let text =
            format!("alpha = \"1/5\"\nbeta = \"3/10\"\nmodes = {n}\nP = 1\np_over_r = \"{x}\"\n{terms}");
        Model::from_toml(&text, "test").unwrap()
    }

    fn f(v: &Float) -> f64 {
        v.to_f64()
    }

    #[test]
    fn gp_matches_the_closed_form_and_every_prediction_reduces_to_it_at_u_zero() {
        let m = model(
            30,
            "3.98",
            "[[interaction]]\nkind = \"separable\"\nU = 0\n[[interaction]]\nkind = \"diagonal\"\nU = 0\n",
        );
        let s = Spectrum::new(&m, Precision::from_digits(40));
        let gp = s.gp();
        // Closed form r y/(r + Pλ) with P = 1, r = 1/3.98, at k = 7, by exact rationals then MPFR.
        let x = Rational::from((398, 100));
        let l7 = int_pow(7, &Rational::from((-6, 5)), Precision::from_bits(200));
        let y7 = int_pow(7, &Rational::from((-13, 20)), Precision::from_bits(200));
        let expect = Float::with_val(200, &y7 / (Float::with_val(200, &l7 * &x) + 1u32));
        assert!((Float::with_val(200, &gp[6].mean_delta - &expect)).abs() < 1e-38);
        let fo = s.first_order();
        let rg = s.rg(&s.flow());
        for i in 0..30 {
            assert_eq!(gp[i].mean_delta, fo[i].mean_delta);
            assert_eq!(gp[i].variance, fo[i].variance);
            assert_eq!(gp[i].mean_delta, rg[i].mean_delta);
            assert_eq!(gp[i].variance, rg[i].variance);
        }
    }

    /// Posterior moments `(⟨Δ⟩, Var Δ)` of a density `exp(−S(f))` on a grid (trapezoid on a
    /// rapidly decaying smooth integrand converges geometrically): an independent check of the
    /// perturbative formulas, which never integrate.
    fn moments_1d(s: impl Fn(f64) -> f64, y: f64, lo: f64, hi: f64) -> (f64, f64) {
        let n = 20_000;
        let h = (hi - lo) / n as f64;
        let (mut z, mut m1, mut m2) = (0.0, 0.0, 0.0);
        for i in 0..=n {
            let v = lo + h * i as f64;
            let wgt = (-s(v)).exp();
            z += wgt;
            m1 += wgt * v;
            m2 += wgt * v * v;
        }
        let mean = m1 / z;
        (y - mean, m2 / z - mean * mean)
    }

    #[test]
    fn first_order_diagonal_matches_the_u_derivative_of_the_exact_posterior() {
        let xr = 2.5;
        let m0 = model(1, "5/2", "");
        let (lam, y) = (1.0, 1.0);
        let exact = |u: f64| {
            moments_1d(
                |v| v * v / (2.0 * lam) + xr / 2.0 * (v - y) * (v - y) + u / 4.0 * v.powi(4) / (lam * lam),
                y,
                -8.0,
                8.0,
            )
        };
        let h = 1e-4;
        let (dp, vp) = exact(h);
        let (dm, vm) = exact(-h);
        let slope = ((dp - dm) / (2.0 * h), (vp - vm) / (2.0 * h));
        let mut with_u = m0.clone();
        with_u.interactions.push(crate::rg::Interaction::Diagonal {
            coupling: Rational::from(1),
        });
        let s = Spectrum::new(&with_u, Precision::from_digits(30));
        let gp = &s.gp()[0];
        let fo = &s.first_order()[0];
        let pred = (
            f(&fo.mean_delta) - f(&gp.mean_delta),
            f(&fo.variance) - f(&gp.variance),
        );
        assert!((pred.0 - slope.0).abs() < 1e-6, "{pred:?} vs {slope:?}");
        assert!((pred.1 - slope.1).abs() < 1e-6, "{pred:?} vs {slope:?}");
    }

    #[test]
    fn first_order_separable_matches_the_u_derivative_of_a_two_mode_posterior() {
        // Two modes, separable ω = 0: S_int = (U/8)(f1²/λ1 + f2²/λ2)²; moments by a 2-D grid.
        let m = model(2, "3", "[[interaction]]\nkind = \"separable\"\nU = 1\n");
        let s = Spectrum::new(&m, Precision::from_digits(30));
        let (l, y): (Vec<f64>, Vec<f64>) =
            (s.lambda.iter().map(f).collect(), s.target.iter().map(f).collect());
        let x = 3.0;
        let moments = |u: f64| {
            let n = 700;
            let (lo, hi) = (-6.0, 6.0);
            let h = (hi - lo) / n as f64;
            let mut acc = [0.0f64; 5];
            for i in 0..=n {
                let a = lo + h * i as f64;
                for j in 0..=n {
                    let b = lo + h * j as f64;
                    let q = a * a / l[0] + b * b / l[1];
                    let act = a * a / (2.0 * l[0])
                        + b * b / (2.0 * l[1])
                        + x / 2.0 * ((a - y[0]).powi(2) + (b - y[1]).powi(2))
                        + u / 8.0 * q * q;
                    let w = (-act).exp();
                    acc[0] += w;
                    acc[1] += w * a;
                    acc[2] += w * a * a;
                    acc[3] += w * b;
                    acc[4] += w * b * b;
                }
            }
            let (ma, mb) = (acc[1] / acc[0], acc[3] / acc[0]);
            [
                y[0] - ma,
                acc[2] / acc[0] - ma * ma,
                y[1] - mb,
                acc[4] / acc[0] - mb * mb,
            ]
        };
        let h = 1e-3;
        let (p, q) = (moments(h), moments(-h));
        let gp = s.gp();
        let fo = s.first_order();
        for mode in 0..2 {
            let d_mean = (p[2 * mode] - q[2 * mode]) / (2.0 * h);
            let d_var = (p[2 * mode + 1] - q[2 * mode + 1]) / (2.0 * h);
            let pm = f(&fo[mode].mean_delta) - f(&gp[mode].mean_delta);
            let pv = f(&fo[mode].variance) - f(&gp[mode].variance);
            assert!(
                (pm - d_mean).abs() < 1e-5 * (1.0 + d_mean.abs()),
                "mode {mode}: {pm} vs {d_mean}"
            );
            assert!(
                (pv - d_var).abs() < 1e-5 * (1.0 + d_var.abs()),
                "mode {mode}: {pv} vs {d_var}"
            );
        }
    }

    #[test]
    fn rg_and_first_order_differ_only_at_second_order() {
        let gap = |u: &str| {
            let m = model(
                40,
                "4",
                &format!("[[interaction]]\nkind = \"separable\"\nU = \"{u}\"\n"),
            );
            let s = Spectrum::new(&m, Precision::from_digits(30));
            let fo = s.first_order();
            let rg = s.rg(&s.flow());
            fo.iter()
                .zip(&rg)
                .map(|(a, b)| (f(&a.mean_delta) - f(&b.mean_delta)).abs())
                .fold(0.0, f64::max)
        };
        let (g1, g2) = (gap("1/100"), gap("1/200"));
        assert!(g1 > 0.0);
        let ratio = g1 / g2;
        assert!(
            (ratio - 4.0).abs() < 0.2,
            "halving U should quarter the gap, ratio {ratio}"
        );
    }

    #[test]
    fn the_flow_accumulates_the_tadpole_and_weakens_the_coupling() {
        let m = model(50, "4", "[[interaction]]\nkind = \"separable\"\nU = \"1/20\"\n");
        let s = Spectrum::new(&m, Precision::from_digits(30));
        let flow = s.flow();
        assert_eq!(flow[49].tadpole.cmp0(), Some(std::cmp::Ordering::Equal));
        for pair in flow.windows(2) {
            // Lower modes are reached later: more tadpole, weaker coupling.
            assert!(pair[0].tadpole > pair[1].tadpole);
            assert!(pair[0].coupling < pair[1].coupling);
        }
    }
}

#[cfg(test)]
mod off_lattice {
    use super::*;

    #[test]
    fn on_the_lattice_the_off_lattice_prediction_is_the_mode_prediction() {
        let text = "alpha = \"1/5\"\nbeta = \"3/10\"\nmodes = 30\nP = 1\np_over_r = 4\n[[interaction]]\nkind = \"separable\"\nU = \"1/20\"\n[[interaction]]\nkind = \"diagonal\"\nU = \"1/50\"\n";
        let m = Model::from_toml(text, "t").unwrap();
        let s = Spectrum::new(&m, Precision::from_digits(30));
        let flow = s.flow();
        let rg = s.rg(&flow);
        for k in [1u64, 2, 7, 30] {
            let at = s.rg_mean_at(&flow, &Float::with_val(100, k));
            let d = Float::with_val(100, &at - &rg[k as usize - 1].mean_delta).abs();
            assert!(d < 1e-25, "k = {k}: {at} vs {}", rg[k as usize - 1].mean_delta);
        }
    }
}
