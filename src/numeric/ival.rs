//! Outward-rounded interval arithmetic on [`rug::Float`] endpoints.
//!
//! Every operation returns an interval that contains the exact result of the operation applied to
//! any pair of points of its operands: lower endpoints are rounded towards −∞ and upper endpoints
//! towards +∞, and MPFR rounds each elementary operation correctly in the requested direction, so a
//! single directed rounding per endpoint suffices. Only the operations the learning-curve sums need
//! are provided. Instead of panicking on degenerate input (a logarithm of a non-positive number, a
//! division by an interval containing zero) the result widens to an infinite or NaN endpoint; the
//! callers reject such enclosures by their width check, which NaN and ±∞ never pass.

use rug::float::{Constant, Round};
use rug::ops::AssignRound;
use rug::{Float, Rational};
use std::cmp::Ordering;

/// A closed interval `[lo, hi]` of real numbers with MPFR endpoints of a common precision.
#[derive(Clone, Debug)]
pub struct Ival {
    /// Lower endpoint (a rigorous lower bound).
    pub lo: Float,
    /// Upper endpoint (a rigorous upper bound).
    pub hi: Float,
}

fn rounded<T>(prec: u32, value: T, round: Round) -> Float
where
    Float: AssignRound<T, Round = Round, Ordering = Ordering>,
{
    Float::with_val_round(prec, value, round).0
}

fn down<T>(prec: u32, value: T) -> Float
where
    Float: AssignRound<T, Round = Round, Ordering = Ordering>,
{
    rounded(prec, value, Round::Down)
}

fn up<T>(prec: u32, value: T) -> Float
where
    Float: AssignRound<T, Round = Round, Ordering = Ordering>,
{
    rounded(prec, value, Round::Up)
}

/// The smaller of two floats; a NaN operand propagates so that broken enclosures stay visible.
fn fmin(a: Float, b: Float) -> Float {
    if a.is_nan() || b.is_nan() {
        return Float::with_val(a.prec(), rug::float::Special::Nan);
    }
    if b < a { b } else { a }
}

/// The larger of two floats; a NaN operand propagates.
fn fmax(a: Float, b: Float) -> Float {
    if a.is_nan() || b.is_nan() {
        return Float::with_val(a.prec(), rug::float::Special::Nan);
    }
    if b > a { b } else { a }
}

impl Ival {
    /// The degenerate interval `[v, v]` (exact).
    pub fn point(v: Float) -> Ival {
        Ival { lo: v.clone(), hi: v }
    }

    /// The tightest interval of precision `prec` around an exact rational.
    pub fn from_rational(r: &Rational, prec: u32) -> Ival {
        Ival {
            lo: down(prec, r),
            hi: up(prec, r),
        }
    }

    /// An integer; exact whenever it fits in `prec` bits (always for `prec ≥ 64`).
    pub fn from_u64(n: u64, prec: u32) -> Ival {
        Ival {
            lo: down(prec, n),
            hi: up(prec, n),
        }
    }

    /// A signed integer; exact whenever it fits in `prec` bits.
    pub fn from_i64(n: i64, prec: u32) -> Ival {
        Ival {
            lo: down(prec, n),
            hi: up(prec, n),
        }
    }

    /// An enclosure of π.
    pub fn pi(prec: u32) -> Ival {
        Ival {
            lo: down(prec, Constant::Pi),
            hi: up(prec, Constant::Pi),
        }
    }

    /// The precision of the endpoints (the precision new results are computed at).
    pub fn prec(&self) -> u32 {
        self.lo.prec().max(self.hi.prec())
    }

    /// True when both endpoints are finite numbers.
    pub fn is_finite(&self) -> bool {
        self.lo.is_finite() && self.hi.is_finite()
    }

    /// True when the whole interval is strictly positive.
    pub fn is_positive(&self) -> bool {
        self.lo.is_finite() && self.hi.is_finite() && self.lo.is_sign_positive() && !self.lo.is_zero()
    }

    /// Sum.
    pub fn add(&self, o: &Ival) -> Ival {
        let prec = self.prec().max(o.prec());
        Ival {
            lo: down(prec, &self.lo + &o.lo),
            hi: up(prec, &self.hi + &o.hi),
        }
    }

    /// Difference.
    pub fn sub(&self, o: &Ival) -> Ival {
        let prec = self.prec().max(o.prec());
        Ival {
            lo: down(prec, &self.lo - &o.hi),
            hi: up(prec, &self.hi - &o.lo),
        }
    }

    /// Negation (exact).
    pub fn neg(&self) -> Ival {
        Ival {
            lo: Float::with_val(self.hi.prec(), -&self.hi),
            hi: Float::with_val(self.lo.prec(), -&self.lo),
        }
    }

    /// Product. The endpoint pair is selected by the signs of the operands so that only two
    /// (rarely four) MPFR multiplications are needed.
    pub fn mul(&self, o: &Ival) -> Ival {
        let prec = self.prec().max(o.prec());
        let (al, ah, bl, bh) = (&self.lo, &self.hi, &o.lo, &o.hi);
        // Sign classes: +1 the interval is ≥ 0, −1 it is ≤ 0, 0 it straddles zero.
        let class = |l: &Float, h: &Float| {
            if l.is_sign_positive() || l.is_zero() {
                1
            } else if h.is_sign_negative() || h.is_zero() {
                -1
            } else {
                0
            }
        };
        let (lo_pair, hi_pair) = match (class(al, ah), class(bl, bh)) {
            (1, 1) => ((al, bl), (ah, bh)),
            (1, -1) => ((ah, bl), (al, bh)),
            (1, _) => ((ah, bl), (ah, bh)),
            (-1, 1) => ((al, bh), (ah, bl)),
            (-1, -1) => ((ah, bh), (al, bl)),
            (-1, _) => ((al, bh), (al, bl)),
            (_, 1) => ((al, bh), (ah, bh)),
            (_, -1) => ((ah, bl), (al, bl)),
            _ => {
                let lo = fmin(down(prec, al * bh), down(prec, ah * bl));
                let hi = fmax(up(prec, al * bl), up(prec, ah * bh));
                return Ival { lo, hi };
            }
        };
        Ival {
            lo: down(prec, lo_pair.0 * lo_pair.1),
            hi: up(prec, hi_pair.0 * hi_pair.1),
        }
    }

    /// Product with an exact rational (rounded outward once before multiplying).
    pub fn mul_rational(&self, r: &Rational) -> Ival {
        self.mul(&Ival::from_rational(r, self.prec()))
    }

    /// Reciprocal; an interval containing zero gives `[−∞, +∞]`.
    pub fn recip(&self) -> Ival {
        let prec = self.prec();
        // NaN endpoints compare false and so also take the infinite branch.
        let excludes_zero = self.lo > 0 || self.hi < 0;
        if !excludes_zero {
            return Ival {
                lo: Float::with_val(prec, rug::float::Special::NegInfinity),
                hi: Float::with_val(prec, rug::float::Special::Infinity),
            };
        }
        // 1/t is decreasing on each half-line, so the endpoints swap.
        Ival {
            lo: down(prec, self.hi.recip_ref()),
            hi: up(prec, self.lo.recip_ref()),
        }
    }

    /// Quotient `self / o`.
    pub fn div(&self, o: &Ival) -> Ival {
        if self.lo.is_sign_positive() && o.is_positive() {
            // Direct division of positive intervals: one rounding per endpoint instead of two.
            let prec = self.prec().max(o.prec());
            return Ival {
                lo: down(prec, &self.lo / &o.hi),
                hi: up(prec, &self.hi / &o.lo),
            };
        }
        self.mul(&o.recip())
    }

    /// Division by a positive integer.
    pub fn div_u64(&self, n: u64) -> Ival {
        self.div(&Ival::from_u64(n, self.prec()))
    }

    /// Non-negative integer power of an interval contained in `[0, ∞)`.
    pub fn pow_nonneg(&self, n: u32) -> Ival {
        let prec = self.prec();
        let mut lo = Float::with_val(prec, 1);
        let mut hi = Float::with_val(prec, 1);
        for _ in 0..n {
            lo = down(prec, &lo * &self.lo);
            hi = up(prec, &hi * &self.hi);
        }
        Ival { lo, hi }
    }

    /// `exp` (increasing, so endpoint-wise).
    pub fn exp(&self) -> Ival {
        let prec = self.prec();
        Ival {
            lo: down(prec, self.lo.exp_ref()),
            hi: up(prec, self.hi.exp_ref()),
        }
    }

    /// Natural logarithm (increasing); a non-positive lower endpoint gives a lower bound of −∞.
    pub fn ln(&self) -> Ival {
        let prec = self.prec();
        let lo = if self.lo.is_sign_positive() && !self.lo.is_zero() {
            down(prec, self.lo.ln_ref())
        } else {
            Float::with_val(prec, rug::float::Special::NegInfinity)
        };
        Ival {
            lo,
            hi: up(prec, self.hi.ln_ref()),
        }
    }

    /// `self^r` for a positive interval and a rational exponent, as `exp(r ln self)`.
    pub fn pow_rational(&self, r: &Rational) -> Ival {
        self.ln().mul_rational(r).exp()
    }

    /// `[lo − r, hi + r]` for a non-negative radius `r`.
    pub fn widen(&self, r: &Float) -> Ival {
        let prec = self.prec();
        Ival {
            lo: down(prec, &self.lo - r),
            hi: up(prec, &self.hi + r),
        }
    }

    /// An upper bound of `|t|` over the interval.
    pub fn mag(&self) -> Float {
        let prec = self.prec();
        fmax(up(prec, self.lo.abs_ref()), up(prec, self.hi.abs_ref()))
    }

    /// A lower bound of `|t|` over the interval (zero when it contains zero).
    pub fn mig(&self) -> Float {
        let prec = self.prec();
        if self.lo.is_sign_positive() {
            self.lo.clone()
        } else if self.hi.is_sign_negative() {
            down(prec, self.hi.abs_ref())
        } else {
            Float::new(prec)
        }
    }

    /// An upper bound of the width `hi − lo`.
    pub fn width(&self) -> Float {
        up(self.prec(), &self.hi - &self.lo)
    }
}

/// Enclosure of `sin(π r)` for an exact rational `r`.
///
/// The argument is reduced exactly in the rationals to `g ∈ [0, 1/2]` with
/// `sin(π r) = ±sin(π g)`, so the only inexact steps are `π g` (outward) and `sin` on
/// `[0, π/2]`, where it is increasing. The exactly-known values at `g = 0` and `g = 1/2` are
/// returned exactly, which the continuum constants need (e.g. `sin(π/2)` for `α = 1`).
pub fn sin_pi_rational(r: &Rational, prec: u32) -> Ival {
    let two = Rational::from(2);
    let turns = Rational::from(r / &two).floor();
    let whole = Rational::from(&turns * &two);
    let mut red = Rational::from(r - &whole);
    let mut negative = false;
    if red >= 1 {
        negative = true;
        red -= 1;
    }
    if red == 0 {
        return Ival::point(Float::new(prec));
    }
    let complement = Rational::from(1 - &red);
    let g = if complement < red { complement } else { red };
    let half = Rational::from((1, 2));
    let base = if g == half {
        Ival::point(Float::with_val(prec, 1))
    } else {
        let t = Ival::pi(prec).mul_rational(&g);
        let lo_arg = if t.lo.is_sign_negative() {
            Float::new(prec)
        } else {
            t.lo.clone()
        };
        let half_pi_lo = down(prec, Ival::pi(prec).lo / 2u32);
        let lo = fmin(down(prec, lo_arg.sin_ref()), down(prec, t.hi.sin_ref()));
        // Past the (lower bound of the) maximum point, sin is only bounded by 1.
        let hi = if t.hi < half_pi_lo {
            up(prec, t.hi.sin_ref())
        } else {
            Float::with_val(prec, 1)
        };
        Ival { lo, hi }
    };
    if negative { base.neg() } else { base }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(iv: &Ival, v: f64) -> bool {
        iv.lo <= v && iv.hi >= v
    }

    #[test]
    fn arithmetic_encloses_exact_results() {
        let prec = 80;
        let a = Ival::from_rational(&Rational::from((1, 3)), prec);
        let b = Ival::from_rational(&Rational::from((-2, 7)), prec);
        let prod = a.mul(&b);
        let exact = Rational::from((-2, 21));
        assert!(prod.lo <= exact && prod.hi >= exact);
        assert!(
            prod.lo < prod.hi,
            "1/3·(−2/7) is not a dyadic rational, so rounding must show"
        );
        let q = a.div(&b);
        let exact = Rational::from((-7, 6));
        assert!(q.lo <= exact && q.hi >= exact);
        let mixed = Ival {
            lo: Float::with_val(prec, -1),
            hi: Float::with_val(prec, 2),
        };
        let m2 = mixed.mul(&mixed);
        assert!(contains(&m2, -2.0) && contains(&m2, 4.0) && m2.lo >= -2.0 && m2.hi <= 4.0);
        assert!(!mixed.recip().is_finite());
    }

    #[test]
    fn transcendental_enclosures() {
        let prec = 120;
        let one = Ival::from_u64(1, prec);
        let e = one.exp();
        // f64 constants are themselves rounded, so compare them loosely and the widths tightly.
        assert!(e.lo < e.hi && e.width() < 1e-34 && (e.lo.to_f64() - std::f64::consts::E).abs() < 1e-15);
        let l = Ival::from_u64(10, prec).ln();
        assert!(l.width() < 1e-34 && (l.lo.to_f64() - std::f64::consts::LN_10).abs() < 1e-15);
        let s = sin_pi_rational(&Rational::from((1, 6)), prec);
        assert!(s.lo <= 0.5 && s.hi >= 0.5 && s.width() < 1e-30);
        let s = sin_pi_rational(&Rational::from((7, 6)), prec);
        assert!(s.lo <= -0.5 && s.hi >= -0.5 && s.width() < 1e-30);
        let s = sin_pi_rational(&Rational::from((5, 2)), prec);
        assert!(s.lo >= 1 && s.hi <= 1);
        let s = sin_pi_rational(&Rational::from((-1, 3)), prec);
        // sin(−π/3)² = 3/4 exactly: check the square of the enclosure contains 3/4.
        let sq = s.mul(&s);
        assert!(sq.lo <= Rational::from((3, 4)) && sq.hi >= Rational::from((3, 4)) && s.hi < 0);
        let s = sin_pi_rational(&Rational::from(3), prec);
        assert!(s.lo.is_zero() && s.hi.is_zero());
    }
}
