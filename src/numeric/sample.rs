//! Deterministic random evaluation points.
//!
//! Points must be exact rationals that print short (so a report can quote them and a reader can
//! re-run them) and must be reproducible from a seed. Hence values are drawn from GMP's Mersenne
//! Twister and rounded to a few significant decimal digits entirely in rug arithmetic; no `f64`
//! ever touches a value.

use super::Assignment;
use rug::float::Round;
use rug::ops::Pow;
use rug::rand::RandState;
use rug::{Float, Integer, Rational};
use std::cmp::Ordering;

/// Where a sampled coordinate lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SampleRange {
    /// `10^u` with `u` uniform in `[lo_exp10, hi_exp10]`: positive scales spanning decades
    /// (spectral variables, times).
    LogUniform {
        /// Decimal exponent of the smallest value.
        lo_exp10: i32,
        /// Decimal exponent of the largest value.
        hi_exp10: i32,
    },
    /// A positive scale for questions about all of `(0, ∞)`: with probability 1/3 a point near 1
    /// (log-uniform in `[10^−1, 10^1]`, where most formulas are written to be interesting) and
    /// otherwise log-uniform over `[10^lo_exp10, 10^hi_exp10]`, so that behaviour that only shows
    /// far from 1 (a saturation at `10^60`, an essential cut-off near 0) is sampled too. When
    /// the range does not contain `[10^−1, 10^1]` every point is drawn from the range.
    Scale {
        /// Decimal exponent of the smallest value.
        lo_exp10: i32,
        /// Decimal exponent of the largest value.
        hi_exp10: i32,
    },
    /// Uniform in `[lo, hi]`: signed parameters such as an exponent `σ ∈ [−2, 2]`.
    Uniform {
        /// Smallest value.
        lo: Rational,
        /// Largest value.
        hi: Rational,
    },
}

/// Where positive scales (spectral variables, time) are sampled: [`SampleRange::Scale`] over
/// `[10^lo_exp10, 10^hi_exp10]`, 12 significant digits per coordinate.
///
/// Scale invariance is a statement about all of `(0, ∞)`; the default `10^−30 … 10^30` sees
/// behaviour that a window around 1 hides (a saturation at `10^20`, a cut-off `exp(−c/λ)`,
/// a kink at `λ = 100`), and a third of the points stay near 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScaleDomain {
    /// Decimal exponent of the smallest value.
    pub lo_exp10: i32,
    /// Decimal exponent of the largest value.
    pub hi_exp10: i32,
}

impl Default for ScaleDomain {
    fn default() -> Self {
        ScaleDomain {
            lo_exp10: -30,
            hi_exp10: 30,
        }
    }
}

impl ScaleDomain {
    /// Largest `|decimal exponent|` a domain may use.
    pub const MAX_EXP10: i32 = 300;

    /// A domain `[10^lo, 10^hi]`, refusing an empty or oversized one.
    ///
    /// # Errors
    ///
    /// A message when `lo > hi` or an exponent exceeds ±[`ScaleDomain::MAX_EXP10`].
    pub fn new(lo_exp10: i32, hi_exp10: i32) -> Result<ScaleDomain, String> {
        if lo_exp10 > hi_exp10 {
            return Err(format!("empty scale range 10^{lo_exp10} … 10^{hi_exp10}"));
        }
        // `unsigned_abs`: `i32::MIN.abs()` overflows (wrapping to itself in release, passing the check).
        if lo_exp10.unsigned_abs() > Self::MAX_EXP10.unsigned_abs()
            || hi_exp10.unsigned_abs() > Self::MAX_EXP10.unsigned_abs()
        {
            return Err(format!(
                "scale exponents must lie within ±{}, got {lo_exp10}:{hi_exp10}",
                Self::MAX_EXP10
            ));
        }
        Ok(ScaleDomain { lo_exp10, hi_exp10 })
    }

    /// One coordinate.
    pub fn sample(&self, sampler: &mut PointSampler) -> Rational {
        sampler.scale(self.lo_exp10, self.hi_exp10, 12)
    }

    /// The domain in words, for reports.
    pub fn describe(&self) -> String {
        let wider_than_near_one = self.lo_exp10 < -1 || self.hi_exp10 > 1;
        let near_one = if self.lo_exp10 <= -1 && self.hi_exp10 >= 1 && wider_than_near_one {
            ", a third of the points in [1e-1, 1e1]"
        } else {
            ""
        };
        format!(
            "log-uniform in [1e{}, 1e{}]{near_one}",
            self.lo_exp10, self.hi_exp10
        )
    }
}

/// A seeded generator of exact decimal sample points.
///
/// The sequence depends only on the seed and the sequence of calls (for a given GMP build), so a
/// run can be reproduced from the seed printed in its report. `Send`, so each worker thread can
/// own one.
#[derive(Debug, Clone)]
pub struct PointSampler {
    state: RandState<'static>,
}

/// Largest `|decimal exponent|` honoured; keeps `10^k` from exhausting memory on a bad config.
const MAX_EXP10: i32 = 4096;
/// Largest number of significant digits honoured.
const MAX_SIG_DIGITS: u32 = 60;
/// Random bits per uniform draw: far finer than any number of significant digits we keep.
const UNIT_BITS: u32 = 128;

impl PointSampler {
    /// A sampler whose whole sequence is determined by `seed`.
    pub fn new(seed: u64) -> PointSampler {
        let mut state = RandState::new_mersenne_twister();
        state.seed(&Integer::from(seed));
        PointSampler { state }
    }

    /// An exact decimal close to `10^u`, `u` uniform in `[lo_exp10, hi_exp10]`, rounded to
    /// `sig_digits` significant digits (clamped to `1..=60`) and clamped into
    /// `[10^lo_exp10, 10^hi_exp10]`. The bounds may be given in either order; exponents are
    /// clamped to `±4096`.
    pub fn log_uniform(&mut self, lo_exp10: i32, hi_exp10: i32, sig_digits: u32) -> Rational {
        let (lo, hi) = ordered(
            lo_exp10.clamp(-MAX_EXP10, MAX_EXP10),
            hi_exp10.clamp(-MAX_EXP10, MAX_EXP10),
        );
        let sig = sig_digits.clamp(1, MAX_SIG_DIGITS);
        let u = Rational::from(lo) + Rational::from(hi - lo) * self.unit();
        // 10^u = 10^(u−k)·10^k with u−k ∈ [sig−1, sig), so rounding 10^(u−k) to an integer keeps
        // exactly `sig` significant digits (sig+1 only when it rounds up to a power of ten).
        let floor_u = u.clone().floor().into_numer_denom().0.to_i32().unwrap_or(lo);
        let k = floor_u.saturating_sub(i32::try_from(sig - 1).unwrap_or(0));
        let bits = 64 + 4 * sig;
        let scaled = Float::with_val(bits, &u - Rational::from(k)).exp10();
        let mantissa = scaled
            .to_integer_round(Round::Nearest)
            .map_or_else(|| Integer::from(1), |(m, _)| m);
        let value = Rational::from(mantissa) * pow10(k);
        clamp(value, &pow10(lo), &pow10(hi))
    }

    /// An exact decimal uniform in `[lo, hi]` (either order), rounded to `sig_digits`
    /// significant digits of its own magnitude (clamped to `1..=60`) and clamped into the range.
    ///
    /// Rounding is relative to the drawn value, so values near zero keep their leading digits
    /// (`−0.00371` rather than `0.00`); exact zero is possible only if the range is `[0, 0]` or
    /// the draw lands on it.
    pub fn uniform(&mut self, lo: &Rational, hi: &Rational, sig_digits: u32) -> Rational {
        let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        let sig = sig_digits.clamp(1, MAX_SIG_DIGITS);
        let x = Rational::from(hi - lo) * self.unit() + lo;
        clamp(round_significant(&x, sig), lo, hi)
    }

    /// One coordinate drawn from `range`.
    pub fn sample(&mut self, range: &SampleRange, sig_digits: u32) -> Rational {
        match range {
            SampleRange::LogUniform { lo_exp10, hi_exp10 } => {
                self.log_uniform(*lo_exp10, *hi_exp10, sig_digits)
            }
            SampleRange::Uniform { lo, hi } => self.uniform(lo, hi, sig_digits),
            SampleRange::Scale { lo_exp10, hi_exp10 } => self.scale(*lo_exp10, *hi_exp10, sig_digits),
        }
    }

    /// A draw from [`SampleRange::Scale`].
    pub fn scale(&mut self, lo_exp10: i32, hi_exp10: i32, sig_digits: u32) -> Rational {
        let (lo, hi) = ordered(lo_exp10, hi_exp10);
        let covers_one = lo <= -1 && hi >= 1;
        if covers_one && self.unit() * 3u32 < 1u32 {
            self.log_uniform(-1, 1, sig_digits)
        } else {
            self.log_uniform(lo, hi, sig_digits)
        }
    }

    /// A point giving every variable in `vars` an independent draw from `range`, in the order of
    /// `vars` (so the sequence is reproducible for a fixed variable list).
    pub fn assignment(&mut self, vars: &[String], range: &SampleRange, sig_digits: u32) -> Assignment {
        vars.iter()
            .map(|v| (v.clone(), self.sample(range, sig_digits)))
            .collect()
    }

    /// A uniform rational in `[0, 1)` with `UNIT_BITS` random bits.
    fn unit(&mut self) -> Rational {
        let numerator = Integer::from(Integer::random_bits(UNIT_BITS, &mut self.state));
        Rational::from((numerator, Integer::from(1) << UNIT_BITS))
    }
}

fn ordered(a: i32, b: i32) -> (i32, i32) {
    if a <= b { (a, b) } else { (b, a) }
}

/// `10^k` exactly; `|k| ≤ 4096` by construction of every caller.
fn pow10(k: i32) -> Rational {
    let magnitude = Rational::from(Integer::from(10u32).pow(k.unsigned_abs()));
    if k < 0 { magnitude.recip() } else { magnitude }
}

fn clamp(value: Rational, lo: &Rational, hi: &Rational) -> Rational {
    if value < *lo {
        lo.clone()
    } else if value > *hi {
        hi.clone()
    } else {
        value
    }
}

/// `x` rounded (half away from zero) to `sig` significant decimal digits.
fn round_significant(x: &Rational, sig: u32) -> Rational {
    if x.cmp0() == Ordering::Equal {
        return Rational::new();
    }
    let magnitude = Rational::from(x.abs_ref());
    // e = ⌊log10 |x|⌋: a 64-bit estimate, then corrected exactly (at most a step or two).
    let estimate = Float::with_val(64, &magnitude).log10().floor();
    let mut e = estimate
        .to_i32_saturating()
        .unwrap_or(0)
        .clamp(-(4 * MAX_EXP10), 4 * MAX_EXP10);
    while e > -(4 * MAX_EXP10) && pow10(e) > magnitude {
        e -= 1;
    }
    while e < 4 * MAX_EXP10 && pow10(e + 1) <= magnitude {
        e += 1;
    }
    let k = e - i32::try_from(sig - 1).unwrap_or(0);
    let mantissa = (x / pow10(k)).round();
    mantissa * pow10(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Number of significant decimal digits of a terminating decimal.
    fn significant_digits(q: &Rational) -> usize {
        let mut scaled = Rational::from(q.abs_ref());
        while *scaled.denom() != 1 {
            scaled *= 10u32;
        }
        let digits = scaled.numer().to_string();
        digits.trim_end_matches('0').len()
    }

    #[test]
    fn scale_domain_refuses_extreme_exponents_including_i32_min() {
        // i32::MIN.abs() overflows; found by the check_spec fuzz target.
        assert!(ScaleDomain::new(i32::MIN, 0).is_err());
        assert!(ScaleDomain::new(0, i32::MAX).is_err());
        assert!(ScaleDomain::new(-301, 0).is_err());
        assert!(ScaleDomain::new(-300, 300).is_ok());
    }

    #[test]
    fn deterministic_per_seed() {
        let draw = |seed| {
            let mut s = PointSampler::new(seed);
            (0..20).map(|_| s.log_uniform(-3, 3, 4)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn log_uniform_is_in_range_with_requested_digits() {
        let mut s = PointSampler::new(1);
        let (lo, hi) = (pow10(-3), pow10(3));
        let mut below_one = 0;
        for _ in 0..2000 {
            let v = s.log_uniform(-3, 3, 4);
            assert!(v >= lo && v <= hi, "{v}");
            assert!(significant_digits(&v) <= 4, "{v}");
            if v < 1u32 {
                below_one += 1;
            }
        }
        // Half the decades lie below 1.
        assert!((800..1200).contains(&below_one), "{below_one}");
        // Degenerate and reversed ranges behave.
        assert_eq!(s.log_uniform(2, 2, 3), Rational::from(100));
        let v = s.log_uniform(1, -1, 2);
        assert!(v >= pow10(-1) && v <= pow10(1));
    }

    #[test]
    fn uniform_symmetric_range() {
        let mut s = PointSampler::new(3);
        let (lo, hi) = (Rational::from(-2), Rational::from(2));
        let mut negative = 0;
        for _ in 0..2000 {
            let v = s.uniform(&lo, &hi, 3);
            assert!(v >= lo && v <= hi, "{v}");
            assert!(significant_digits(&v) <= 3, "{v}");
            if v < 0 {
                negative += 1;
            }
        }
        assert!((800..1200).contains(&negative), "{negative}");
    }

    #[test]
    fn assignment_covers_all_variables() {
        let mut s = PointSampler::new(11);
        let vars = vec!["lam".to_string(), "t".to_string()];
        let p = s.assignment(
            &vars,
            &SampleRange::LogUniform {
                lo_exp10: -1,
                hi_exp10: 1,
            },
            3,
        );
        assert_eq!(p.keys().cloned().collect::<Vec<_>>(), vars);
        let p = s.assignment(
            &vars,
            &SampleRange::Uniform {
                lo: Rational::from(-1),
                hi: Rational::from(1),
            },
            3,
        );
        assert!(p.values().all(|v| *v >= -1 && *v <= 1));
    }

    #[test]
    fn rounding_helper() {
        assert_eq!(
            round_significant(&Rational::from((123_456, 1000)), 3),
            Rational::from((123, 1))
        );
        assert_eq!(
            round_significant(&Rational::from((-99_951, 100_000)), 3),
            Rational::from(-1)
        );
        assert_eq!(
            round_significant(&Rational::from((1, 3)), 2),
            Rational::from((33, 100))
        );
    }

    #[test]
    fn scale_draws_near_one_and_far_away() {
        let mut s = PointSampler::new(5);
        let (mut near, mut huge, mut tiny) = (0, 0, 0);
        for _ in 0..3000 {
            let v = s.scale(-30, 30, 6);
            assert!(v >= pow10(-30) && v <= pow10(30), "{v}");
            if v >= pow10(-1) && v <= pow10(1) {
                near += 1;
            } else if v > pow10(20) {
                huge += 1;
            } else if v < pow10(-20) {
                tiny += 1;
            }
        }
        // 1/3 near one plus the wide draws' own share of [−1, 1] (2/60 of 2/3): ≈ 1022 of 3000;
        // each of the outer third-decades gets 10/60 of 2/3: ≈ 333.
        assert!((900..1150).contains(&near), "{near}");
        assert!(
            (250..420).contains(&huge) && (250..420).contains(&tiny),
            "{huge} {tiny}"
        );
        // A range that excludes 1 is honoured.
        for _ in 0..100 {
            let v = s.scale(2, 5, 3);
            assert!(v >= pow10(2) && v <= pow10(5), "{v}");
        }
    }

    #[test]
    fn sampler_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<PointSampler>();
    }
}
