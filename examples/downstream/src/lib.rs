//! A stand-in for a crate that proposes learning-dynamics models and wants its claims checked by
//! `renorm` in its own test suite: each model here promises a velocity field `v(λ, t)` that
//! rigidity forces into the power law `c λ^b t^(b−2)`.

use renorm::Field;

/// A toy model: spectral velocity with amplitude `c` and exponent `b`, both exact (`"3/2"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// Amplitude `c > 0`.
    pub amplitude: String,
    /// Spectral exponent `b`.
    pub exponent: String,
}

impl Model {
    /// The model's velocity field, written the way this crate writes it (with its own variable
    /// names), as a `renorm` field ready to check.
    pub fn velocity(&self) -> Field {
        Field::velocity("c * x^b * s^(b - 2)")
            .spectral(["x"])
            .time("s")
            .param("c", self.amplitude.as_str())
            .param("b", self.exponent.as_str())
            .name(format!("model c={}, b={}", self.amplitude, self.exponent))
    }

    /// The same velocity with a learning-rate warm-up `s/(1 + s)` that introduces its own time
    /// scale, so it is no longer time-rescaling covariant.
    pub fn velocity_with_warmup(&self) -> Field {
        Field::velocity("c * x^b * s^(b - 2) * s/(1 + s)")
            .spectral(["x"])
            .time("s")
            .param("c", self.amplitude.as_str())
            .param("b", self.exponent.as_str())
    }
}
