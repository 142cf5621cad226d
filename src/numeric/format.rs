//! Decimal output with a stated rounding direction, so that printed enclosures stay enclosures.
//!
//! A certified interval printed with round-to-nearest digits may no longer contain the value it
//! encloses: rounding moves the lower end up or the upper end down by up to half a unit in the
//! last place. Here every digit string is computed exactly in rational arithmetic from the
//! binary value and rounded in the requested direction, so as exact numbers
//! `decimal_down(x, d) ≤ x ≤ decimal_up(x, d)`, and [`Interval::to_decimal_pair`] prints the lower
//! end toward −∞ and the upper end toward +∞.
//!
//! The exponent is found exactly (a first guess from bit lengths, then corrected by exact
//! comparisons with powers of ten), so no `f64` enters the digits.

use super::Interval;
use rug::ops::Pow;
use rug::{Float, Integer, Rational};

/// How a value is rounded to its last printed digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// To nearest, ties away from zero (for reporting a value, never an enclosure end).
    Nearest,
    /// Toward −∞ (the lower end of an enclosure).
    Down,
    /// Toward +∞ (the upper end of an enclosure).
    Up,
}

/// `10^k` as an exact rational, for any sign of `k`.
fn pow10(k: i64) -> Rational {
    let p = Rational::from(Integer::from(10).pow(u32::try_from(k.unsigned_abs()).unwrap_or(u32::MAX)));
    if k >= 0 { p } else { p.recip() }
}

/// `⌊log10 m⌋` for a positive rational `m`, exactly.
fn decimal_exponent(m: &Rational) -> i64 {
    // log10 m lies within one of (bit-length difference)·log10 2; the loops make it exact.
    let bits = i64::from(m.numer().significant_bits()) - i64::from(m.denom().significant_bits());
    let mut e = bits * 30_103 / 100_000;
    while pow10(e) > *m {
        e -= 1;
    }
    while pow10(e + 1) <= *m {
        e += 1;
    }
    e
}

/// `q ≈ n · 10^(e − digits + 1)` with `n` the signed integer of `digits` significant digits
/// rounded as asked and `e = ⌊log10 |q|⌋`; `None` for zero. When rounding carries into a new
/// digit (`9.99…` up to `10.0…`), `|n| = 10^digits` has one digit more and `e` is unchanged.
pub fn round_to_digits(q: &Rational, digits: u32, rounding: Rounding) -> Option<(Integer, i64)> {
    if *q == 0 {
        return None;
    }
    let digits = digits.max(1);
    let e = decimal_exponent(&Rational::from(q.abs_ref()));
    let scaled = Rational::from(q * &pow10(i64::from(digits) - 1 - e));
    let n = match rounding {
        Rounding::Nearest => scaled.round(),
        Rounding::Down => scaled.floor(),
        Rounding::Up => scaled.ceil(),
    };
    Some((n.into_numer_denom().0, e))
}

/// `q` to `digits` significant digits rounded as asked, in scientific notation such as
/// `-1.2345e-7`; `"0"` for zero. A carry into a new digit prints one digit more (`1.000e1` for
/// `9.9999` rounded up to 3 digits), which keeps the value exact.
pub fn rational_scientific(q: &Rational, digits: u32, rounding: Rounding) -> String {
    let Some((n, e)) = round_to_digits(q, digits, rounding) else {
        return "0".into();
    };
    let mut text = n.to_string();
    let sign = if text.starts_with('-') {
        text.remove(0);
        "-"
    } else {
        ""
    };
    // The carry case has one digit more than asked for; its exponent is one higher.
    let extra = i64::try_from(text.len()).unwrap_or(i64::MAX) - i64::from(digits.max(1));
    let (head, tail) = text.split_at(1);
    format!("{sign}{head}.{tail}e{}", e + extra)
}

/// `x` rounded as asked; non-finite values print as MPFR does (`NaN`, `inf`, `-inf`).
fn float_scientific(x: &Float, digits: u32, rounding: Rounding) -> String {
    match x.to_rational() {
        Some(q) => rational_scientific(&q, digits, rounding),
        None => x.to_string(),
    }
}

/// `x` to `digits` significant digits rounded toward −∞, e.g. `3.1415e0` for π at 5 digits.
pub fn decimal_down(x: &Float, digits: u32) -> String {
    float_scientific(x, digits, Rounding::Down)
}

/// `x` to `digits` significant digits rounded toward +∞, e.g. `3.1416e0` for π at 5 digits.
pub fn decimal_up(x: &Float, digits: u32) -> String {
    float_scientific(x, digits, Rounding::Up)
}

/// The exact rational `q` to `digits` significant digits rounded toward −∞.
pub fn rational_down(q: &Rational, digits: u32) -> String {
    rational_scientific(q, digits, Rounding::Down)
}

/// The exact rational `q` to `digits` significant digits rounded toward +∞.
pub fn rational_up(q: &Rational, digits: u32) -> String {
    rational_scientific(q, digits, Rounding::Up)
}

impl Interval {
    /// The endpoints to `digits` significant digits, rounded outward: the lower toward −∞ and
    /// the upper toward +∞, so the printed interval contains `[lo, hi]`.
    pub fn to_decimal_pair(&self, digits: u32) -> [String; 2] {
        [decimal_down(&self.lo, digits), decimal_up(&self.hi, digits)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Precision;
    use proptest::prelude::*;
    use rug::float::{Constant, Round};

    /// Parses `[-]d.ddd e[-]k` exactly, independently of the code under test.
    fn parse(s: &str) -> Rational {
        if s == "0" {
            return Rational::new();
        }
        let (mantissa, exponent) = s.split_once('e').expect("scientific notation");
        let negative = mantissa.starts_with('-');
        let mantissa = mantissa.trim_start_matches('-');
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let n: Integer = format!("{int}{frac}").parse().expect("digits");
        let k: i64 = exponent.parse().expect("exponent");
        let frac_len = i64::try_from(frac.len()).expect("short");
        let v = Rational::from(n) * pow10(k - frac_len);
        if negative { -v } else { v }
    }

    fn q(n: i64, d: i64) -> Rational {
        Rational::from((n, d))
    }

    #[test]
    fn known_strings() {
        assert_eq!(rational_down(&q(1, 3), 5), "3.3333e-1");
        assert_eq!(rational_up(&q(1, 3), 5), "3.3334e-1");
        assert_eq!(rational_down(&q(-1, 3), 5), "-3.3334e-1");
        assert_eq!(rational_up(&q(-1, 3), 5), "-3.3333e-1");
        assert_eq!(rational_down(&q(5, 2), 3), "2.50e0");
        assert_eq!(rational_up(&q(5, 2), 3), "2.50e0");
        // The carry prints one more digit rather than rounding twice.
        assert_eq!(rational_up(&q(99_999, 10_000), 3), "1.000e1");
        assert_eq!(rational_down(&q(99_999, 10_000), 3), "9.99e0");
        assert_eq!(rational_down(&q(-99_999, 10_000), 3), "-1.000e1");
        assert_eq!(rational_down(&Rational::new(), 3), "0");
        assert_eq!(rational_up(&q(1, 1_000_000_000), 2), "1.0e-9");
        assert_eq!(
            rational_scientific(&q(-12_345, 1000), 3, Rounding::Nearest),
            "-1.23e1"
        );
        assert_eq!(
            rational_scientific(&q(12_355, 1000), 4, Rounding::Nearest),
            "1.236e1"
        );
        let nan = Float::with_val(53, rug::float::Special::Nan);
        assert_eq!(decimal_down(&nan, 5), nan.to_string());
    }

    /// The printed pair of an enclosure at `bits` contains the same constant enclosed by MPFR
    /// directly at four times the precision.
    fn pair_contains(iv: &Interval, reference_lo: &Float, reference_hi: &Float, digits: u32) {
        let [lo, hi] = iv.to_decimal_pair(digits);
        let (lo_q, hi_q) = (parse(&lo), parse(&hi));
        assert!(
            lo_q <= *reference_lo && *reference_hi <= hi_q,
            "[{lo}, {hi}] does not contain [{reference_lo}, {reference_hi}]"
        );
        // And outside the binary endpoints themselves.
        assert!(lo_q <= iv.lo && iv.hi <= hi_q);
    }

    #[test]
    fn printed_enclosures_contain_independent_high_precision_values() {
        for bits in [24u32, 53, 113, 300] {
            let prec = Precision::from_bits(bits);
            let high = 4 * bits;
            let enclose = |f: &dyn Fn(Round) -> Float| (f(Round::Down), f(Round::Up));
            let (pi_lo, pi_hi) = enclose(&|r| Float::with_val_round(high, Constant::Pi, r).0);
            let (sqrt2_lo, sqrt2_hi) =
                enclose(&|r| Float::with_val_round(high, Float::with_val(high, 2u32).sqrt_ref(), r).0);
            let (ln2_lo, ln2_hi) = enclose(&|r| Float::with_val_round(high, Constant::Log2, r).0);
            let third = Float::with_val_round(high, &q(1, 3), Round::Down).0;
            let third_up = Float::with_val_round(high, &q(1, 3), Round::Up).0;
            let two = Interval::from_u64(2, prec);
            let cases = [
                (Interval::pi(prec), pi_lo, pi_hi),
                (two.pow_rational(&q(1, 2)), sqrt2_lo, sqrt2_hi),
                (two.ln(), ln2_lo, ln2_hi),
                (Interval::point(&q(1, 3), prec), third, third_up),
                (Interval::pi(prec).neg(), -pi_hi_of(high), -pi_lo_of(high)),
            ];
            for digits in [1u32, 2, 5, 15, Precision::from_bits(bits).digits().max(1)] {
                for (iv, lo, hi) in &cases {
                    pair_contains(iv, lo, hi, digits);
                }
            }
            // 1/3 itself, exactly, not just its high-precision enclosure.
            let [lo, hi] = Interval::point(&q(1, 3), prec).to_decimal_pair(10);
            assert!(parse(&lo) <= q(1, 3) && q(1, 3) <= parse(&hi));
        }
    }

    fn pi_lo_of(bits: u32) -> Float {
        Float::with_val_round(bits, Constant::Pi, Round::Down).0
    }

    fn pi_hi_of(bits: u32) -> Float {
        Float::with_val_round(bits, Constant::Pi, Round::Up).0
    }

    proptest! {
        /// For any rational, down ≤ q ≤ up, both within one unit of the last printed digit, and
        /// nearest within half a unit.
        #[test]
        fn directed_strings_bracket_the_value(n in -1_000_000_000i64..1_000_000_000, d in 1i64..1_000_000, k in -40i64..40, digits in 1u32..25) {
            let v = q(n, d) * pow10(k);
            let (lo, hi) = (parse(&rational_down(&v, digits)), parse(&rational_up(&v, digits)));
            prop_assert!(lo <= v && v <= hi);
            if v != 0 {
                let unit = pow10(decimal_exponent(&Rational::from(v.abs_ref())) - i64::from(digits) + 1);
                prop_assert!(Rational::from(&hi - &lo) <= unit);
                let near = parse(&rational_scientific(&v, digits, Rounding::Nearest));
                prop_assert!(Rational::from(&near - &v).abs() * 2u32 <= unit);
            }
        }
    }
}
