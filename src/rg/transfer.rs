//! Hyperparameter transfer (docs/theory.md §3.5): map `(P, r, U)` to `(P′, r̃, Ũ)` on the same RG
//! trajectory.
//!
//! Our one-loop map (checked in `proofs/rg_transfer.toml`): flow system 1 by
//! `ℓ* = (P/P′)^{1/(1+α)}`, i.e. integrate out the modes `k > N/ℓ*` with the discrete flow of
//! [`theory`](super::theory), reaching the amplitude `A*` and coupling `U*`. Rescaling
//! `k′ = ℓ* k` then lands on a system with `P′` samples, ridge `r̃ = r A* (P′/P)²` (so that
//! `x̃ λ_{k′} = x λ_k / A*`: the mean-discrepancy profiles coincide after `Δ → ℓ*^{(1+β)/2} Δ`),
//! separable coupling `Ũ = U* ℓ*^{−(1+2ω)}/A*²` (equal tadpole strength per remaining mode,
//! fields normalized by `√A*`) and diagonal coupling `Ũ_d = U_d/A*²`. At `U = 0` the map is exact
//! for the GP; at `U ≠ 0` it is exact to one loop, and sampling (§3.6) says how well it holds.

use super::model::{Interaction, Model};
use super::theory::Spectrum;
use crate::error::{Error, Result};
use crate::numeric::Precision;
use rug::ops::Pow;
use rug::{Float, Rational};

/// The transfer of one system to a smaller data set.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// `ℓ* = (P/P′)^{1/(1+α)}`.
    pub ell_star: Float,
    /// Modes integrated out: `k > ⌊N/ℓ*⌋`.
    pub modes_integrated: u64,
    /// The kernel amplitude `A*` reached.
    pub amplitude: Float,
    /// The separable coupling `U*` reached (bare `1/N` normalization).
    pub coupling: Float,
    /// System 3: `P′`, `r̃`, `Ũ` on the trajectory of system 1.
    pub transferred: Model,
    /// System 2: the naive transfer `P′` with `r′ = P′ r/P` (same `P/r`) and unchanged `U`.
    pub naive: Model,
}

fn to_rational(x: &Float, location: &str) -> Result<Rational> {
    x.to_rational()
        .ok_or_else(|| Error::numeric(location, format!("the transferred value {x} is not finite")))
}

/// Maps `model` (system 1) to `P′ = p_prime` data points.
pub fn transfer(model: &Model, p_prime: &Rational, prec: Precision) -> Result<Transfer> {
    if *p_prime <= 0 || *p_prime >= model.samples {
        return Err(Error::invalid(
            "p_prime",
            format!(
                "must lie in (0, P) = (0, {}): the transfer flows the larger system toward the IR",
                model.samples
            ),
        ));
    }
    if let Some((_, omega)) = model.separable()
        && *omega != 0
    {
        return Err(Error::invalid(
            "model: omega",
            "transfer needs ω = 0: for ω ≠ 0 the tadpole is not a kernel amplitude, so no single \
             (r̃, Ũ) lies on the trajectory at one loop",
        ));
    }
    let bits = prec.bits();
    let a = model.kernel_exponent();
    let ratio = Float::with_val(bits, &Rational::from(&model.samples / p_prime));
    let ell_star = ratio.pow(Float::with_val(bits, &a).recip());
    let n = model.modes;
    let kept = (Float::with_val(bits, n) / &ell_star).floor().to_f64().max(1.0) as u64;
    let spectrum = Spectrum::new(model, prec);
    let flow = spectrum.flow();
    let at = &flow[kept as usize - 1];
    let amplitude = Float::with_val(bits, &at.tadpole) + 1u32;
    let coupling = at.coupling.clone();
    let pp = Rational::from(p_prime / &model.samples);
    // Exact product of rationals (A* is a binary float, hence an exact rational): at U = 0 the
    // transferred ridge is exactly r (P′/P)².
    let ridge = Rational::from(&model.ridge * &Rational::from(pp.square_ref()))
        * to_rational(&amplitude, "transfer: A*")?;
    let amp2 = Float::with_val(bits, amplitude.square_ref());
    let interactions = model
        .interactions
        .iter()
        .map(|t| {
            let u = match t {
                Interaction::Separable { .. } => Float::with_val(bits, &coupling) / &ell_star / &amp2,
                Interaction::Diagonal { coupling } => Float::with_val(bits, coupling) / &amp2,
            };
            Ok(t.with_coupling(to_rational(&u, "transfer: U")?))
        })
        .collect::<Result<Vec<_>>>()?;
    let transferred = Model {
        title: format!("{} — transferred to P′ = {p_prime}", model.title),
        samples: p_prime.clone(),
        ridge,
        interactions,
        ..model.clone()
    };
    let naive = Model {
        title: format!("{} — naive P′ = {p_prime}, same P/r", model.title),
        samples: p_prime.clone(),
        ridge: Rational::from(&model.ridge * &pp),
        ..model.clone()
    };
    Ok(Transfer {
        ell_star,
        modes_integrated: n - kept,
        amplitude,
        coupling,
        transferred,
        naive,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(u: &str) -> Model {
        let text = format!(
            "alpha = \"1/5\"\nbeta = \"3/10\"\nmodes = 100\nP = 1000\nr = \"1000/3.98\"\n[[interaction]]\nkind = \"separable\"\nU = \"{u}\"\n"
        );
        Model::from_toml(&text, "t").unwrap()
    }

    #[test]
    fn at_u_zero_the_rescaled_gp_profiles_coincide() {
        let m = model("0");
        let t = transfer(&m, &Rational::from(500), Precision::from_digits(30)).unwrap();
        assert_eq!(t.amplitude, 1);
        // r̃ = r/4 exactly at A* = 1, P′/P = 1/2.
        assert_eq!(t.transferred.ridge, Rational::from(&m.ridge / 4u32));
        let s1 = Spectrum::new(&m, Precision::from_digits(30));
        let s3 = Spectrum::new(&t.transferred, Precision::from_digits(30));
        let flow = s1.flow();
        let scale = t
            .ell_star
            .clone()
            .pow(Float::with_val(100, &Rational::from((13, 20))));
        for (i, v) in s3.gp().iter().enumerate().step_by(7) {
            let k = Float::with_val(100, i as u64 + 1) / &t.ell_star;
            if k < 1 {
                continue;
            }
            let want = s1.rg_mean_at(&flow, &k);
            let got = Float::with_val(100, &v.mean_delta * &scale);
            assert!(
                Float::with_val(100, &want - &got).abs() < 1e-25,
                "k′ = {}: {want} vs {got}",
                i + 1
            );
        }
    }

    #[test]
    fn at_u_nonzero_the_map_moves_r_and_u() {
        let m = model("1/20");
        let t = transfer(&m, &Rational::from(500), Precision::from_digits(30)).unwrap();
        assert!(t.amplitude > 1);
        assert!(t.transferred.ridge > Rational::from(&m.ridge / 4u32));
        assert_eq!(t.modes_integrated, 100 - 56);
        let u = t.transferred.separable().unwrap().0.clone();
        assert!(u > 0 && u < Rational::from((1, 20)));
        assert!(transfer(&m, &Rational::from(2000), Precision::from_digits(30)).is_err());
    }
}
