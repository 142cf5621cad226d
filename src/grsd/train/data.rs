//! The synthetic regression task: Gaussian inputs and a fixed random teacher with power-law mode
//! amplitudes.
//!
//! Inputs `x_i ~ N(0, I_d)`. Teacher
//!
//! ```text
//! y(x) = Σ_{m=1}^{M} c_m cos(ω_m · x + φ_m),   M = 32,
//! ω_m = g_m / sqrt(d),  g_m ~ N(0, I_d),   φ_m ~ U[0, 2π),   c_m = A · m^{-1},
//! ```
//!
//! with `A` chosen so that `Σ c_m² = 2`, which makes `Var y` of order one (each cosine of a random
//! phase has mean square ½). The `1/sqrt(d)` keeps `ω_m · x` of order one whatever `d`, so every mode
//! is smooth on the data and the power-law structure sits in the amplitudes alone. (How these modes
//! project onto the eigenvectors of `M` is not controlled: the teacher only guarantees a target with
//! a graded, scale-free spread of mode strengths rather than a single dominant mode.)

use nalgebra::{DMatrix, DVector};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

/// Number of teacher modes.
pub(crate) const TEACHER_MODES: usize = 32;

/// Inputs (`d × N`, samples as columns) and targets (length `N`).
#[derive(Debug, Clone)]
pub(crate) struct Dataset {
    /// Inputs, one sample per column.
    pub x: DMatrix<f64>,
    /// Teacher outputs.
    pub y: DVector<f64>,
}

/// The fixed random teacher.
#[derive(Debug, Clone)]
pub(crate) struct Teacher {
    /// Frequencies `ω_m`, one per column (`d × M`).
    omega: DMatrix<f64>,
    /// Phases `φ_m`.
    phase: Vec<f64>,
    /// Amplitudes `c_m ∝ m^{-1}`.
    amplitude: Vec<f64>,
}

impl Teacher {
    /// Draws a teacher on `R^d` from `rng`.
    pub fn draw(input_dim: usize, rng: &mut impl Rng) -> Teacher {
        let inv_sqrt_d = 1.0 / (input_dim as f64).sqrt();
        let mut omega = DMatrix::zeros(input_dim, TEACHER_MODES);
        let mut phase = Vec::with_capacity(TEACHER_MODES);
        for m in 0..TEACHER_MODES {
            for a in 0..input_dim {
                let g: f64 = StandardNormal.sample(rng);
                omega[(a, m)] = g * inv_sqrt_d;
            }
            phase.push(std::f64::consts::TAU * rng.random::<f64>());
        }
        let raw: Vec<f64> = (1..=TEACHER_MODES).map(|m| 1.0 / m as f64).collect();
        let norm = (2.0 / raw.iter().map(|c| c * c).sum::<f64>()).sqrt();
        let amplitude = raw.iter().map(|c| c * norm).collect();
        Teacher {
            omega,
            phase,
            amplitude,
        }
    }

    /// The teacher's output at each column of `x`.
    pub fn eval(&self, x: &DMatrix<f64>) -> DVector<f64> {
        // Entry (m, i) of ωᵀx (an M × N matrix) is ω_m · x_i.
        let proj = self.omega.tr_mul(x);
        DVector::from_fn(x.ncols(), |i, _| {
            (0..TEACHER_MODES)
                .map(|m| self.amplitude[m] * (proj[(m, i)] + self.phase[m]).cos())
                .sum()
        })
    }
}

impl Dataset {
    /// `samples` inputs from `input_rng`, labelled by a teacher drawn from `teacher_rng`.
    pub fn generate(
        input_dim: usize,
        samples: usize,
        input_rng: &mut impl Rng,
        teacher_rng: &mut impl Rng,
    ) -> Dataset {
        let x = DMatrix::from_fn(input_dim, samples, |_, _| StandardNormal.sample(input_rng));
        let y = Teacher::draw(input_dim, teacher_rng).eval(&x);
        Dataset { x, y }
    }
}
