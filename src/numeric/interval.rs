//! Outward-rounded interval arithmetic and the rigorous evaluator built on it.
//!
//! [`Interval`] is the crate's one interval type: the expression evaluator
//! ([`eval_interval`], [`eval_interval_dual`](super::eval_interval_dual)) and the learning-curve
//! and classification code of `crate::rg` all compute with it, so the rounding rules that make a
//! result certified are written once, here.
//!
//! A "refuted" verdict rests on this module alone, so every rule here is chosen to be provably
//! enclosing rather than tight; where a rule cannot decide, it returns an error instead of a
//! guess. Each lower bound is computed with [`Round::Down`] and each upper bound with
//! [`Round::Up`] (MPFR rounds every elementary operation correctly in the requested direction),
//! so a single directed rounding per endpoint suffices and the true real value always lies in
//! `[lo, hi]`.
//!
//! The arithmetic methods ([`Interval::add`], [`Interval::mul`], [`Interval::ln`], …) never panic
//! and never refuse: on degenerate input (a logarithm of a non-positive number, a division by an
//! interval containing zero) the result widens to an infinite or NaN endpoint, which callers reject
//! by a finiteness or width check. The evaluator instead checks each domain condition first and
//! reports [`EvalError`]; the rule used at each node is documented on [`eval_interval`].

use super::exact::Root;
use super::float::{positive_root_power, trig_argument_within_reach};
use super::walk::{Arithmetic, walk};
use super::{Assignment, EvalError, Precision, reason};
use crate::expr::{Expr, Func};
use rug::float::{Constant, Round, Special};
use rug::ops::{AssignRound, Pow};
use rug::{Float, Integer, Rational};
use std::cmp::Ordering;

/// A closed interval `[lo, hi]` of reals with MPFR endpoints.
///
/// Results of [`eval_interval`] always have finite endpoints; results of the arithmetic methods
/// may have infinite or NaN endpoints on degenerate input (see the module documentation), which
/// [`Interval::is_finite`] detects.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    /// Lower bound (rounded down).
    pub lo: Float,
    /// Upper bound (rounded up).
    pub hi: Float,
}

/// `value` rounded to `bits` in the direction `round`.
pub(super) fn rounded<T>(bits: u32, value: T, round: Round) -> Float
where
    Float: AssignRound<T, Round = Round, Ordering = Ordering>,
{
    Float::with_val_round(bits, value, round).0
}

/// `value` rounded down (toward −∞) to `bits`.
pub(super) fn down<T>(bits: u32, value: T) -> Float
where
    Float: AssignRound<T, Round = Round, Ordering = Ordering>,
{
    rounded(bits, value, Round::Down)
}

/// `value` rounded up (toward +∞) to `bits`.
pub(super) fn up<T>(bits: u32, value: T) -> Float
where
    Float: AssignRound<T, Round = Round, Ordering = Ordering>,
{
    rounded(bits, value, Round::Up)
}

/// The smaller of two floats (the first on a tie); a NaN operand propagates so that a broken
/// enclosure stays visible instead of being hidden by a comparison that is false for NaN.
fn fmin(a: Float, b: Float) -> Float {
    if a.is_nan() || b.is_nan() {
        return Float::with_val(a.prec(), Special::Nan);
    }
    if b < a { b } else { a }
}

/// The larger of two floats (the first on a tie); a NaN operand propagates.
fn fmax(a: Float, b: Float) -> Float {
    if a.is_nan() || b.is_nan() {
        return Float::with_val(a.prec(), Special::Nan);
    }
    if b > a { b } else { a }
}

/// The smallest of `N ≥ 1` floats, NaN-propagating.
pub(super) fn min<const N: usize>(values: [Float; N]) -> Float {
    values
        .into_iter()
        .reduce(fmin)
        .unwrap_or_else(|| Float::with_val(Precision::MIN_BITS, Special::Nan))
}

/// The largest of `N ≥ 1` floats, NaN-propagating.
pub(super) fn max<const N: usize>(values: [Float; N]) -> Float {
    values
        .into_iter()
        .reduce(fmax)
        .unwrap_or_else(|| Float::with_val(Precision::MIN_BITS, Special::Nan))
}

impl Interval {
    /// The tightest interval at `prec` containing the exact rational `q`.
    ///
    /// Endpoints overflow to infinity only for rationals beyond MPFR's exponent range;
    /// [`eval_interval`] turns that into [`EvalError::Overflow`].
    pub fn point(q: &Rational, prec: Precision) -> Interval {
        Interval {
            lo: down(prec.bits(), q),
            hi: up(prec.bits(), q),
        }
    }

    /// The degenerate interval `[v, v]`, exact at the precision of `v`.
    pub fn exact(v: Float) -> Interval {
        Interval { lo: v.clone(), hi: v }
    }

    /// The tightest interval at `prec` around the integer `n` (exact whenever `n` fits in
    /// `prec` bits, always for 64 bits or more).
    pub fn from_u64(n: u64, prec: Precision) -> Interval {
        Interval {
            lo: down(prec.bits(), n),
            hi: up(prec.bits(), n),
        }
    }

    /// The tightest interval at `prec` around the signed integer `n`.
    pub fn from_i64(n: i64, prec: Precision) -> Interval {
        Interval {
            lo: down(prec.bits(), n),
            hi: up(prec.bits(), n),
        }
    }

    /// The tightest interval at `prec` containing π.
    pub fn pi(prec: Precision) -> Interval {
        Interval {
            lo: down(prec.bits(), Constant::Pi),
            hi: up(prec.bits(), Constant::Pi),
        }
    }

    /// The larger endpoint precision, in bits: the precision new results are computed at.
    fn bits(&self) -> u32 {
        self.lo.prec().max(self.hi.prec())
    }

    /// The precision of the endpoints (the larger of the two), at which the arithmetic methods
    /// compute their results.
    pub fn prec(&self) -> Precision {
        Precision::from_bits(self.bits())
    }

    /// Whether both endpoints are finite numbers.
    pub fn is_finite(&self) -> bool {
        self.lo.is_finite() && self.hi.is_finite()
    }

    /// Whether the interval is exactly `[0, 0]`.
    pub fn is_exact_zero(&self) -> bool {
        self.lo.is_zero() && self.hi.is_zero()
    }

    /// Whether `0 ∈ [lo, hi]`.
    pub fn contains_zero(&self) -> bool {
        self.lo.cmp0() != Some(Ordering::Greater) && self.hi.cmp0() != Some(Ordering::Less)
    }

    /// Whether `0 ∉ [lo, hi]`, i.e. the enclosed value certainly has a definite sign. (Both
    /// queries are `false`-safe for NaN endpoints, which [`eval_interval`] never produces.)
    pub fn excludes_zero(&self) -> bool {
        self.lo.cmp0() == Some(Ordering::Greater) || self.hi.cmp0() == Some(Ordering::Less)
    }

    /// Whether the enclosed value is certainly positive (`lo > 0`).
    pub fn is_positive(&self) -> bool {
        self.lo.cmp0() == Some(Ordering::Greater)
    }

    /// Whether the enclosed value is certainly negative (`hi < 0`).
    pub fn is_negative(&self) -> bool {
        self.hi.cmp0() == Some(Ordering::Less)
    }

    /// Whether `x ∈ [lo, hi]`.
    pub fn contains(&self, x: &Float) -> bool {
        self.lo <= *x && *x <= self.hi
    }

    /// Whether the exact rational `q` lies in `[lo, hi]`.
    pub fn contains_rational(&self, q: &Rational) -> bool {
        self.lo <= *q && self.hi >= *q
    }

    /// `hi − lo`, rounded up (an upper bound on the true width).
    pub fn width(&self) -> Float {
        up(self.bits(), &self.hi - &self.lo)
    }

    /// An upper bound of `|t|` over the interval.
    pub fn mag(&self) -> Float {
        let bits = self.bits();
        fmax(up(bits, self.lo.abs_ref()), up(bits, self.hi.abs_ref()))
    }

    /// A lower bound of `|t|` over the interval (zero when it contains zero).
    pub fn mig(&self) -> Float {
        let bits = self.bits();
        if self.lo.is_sign_positive() {
            self.lo.clone()
        } else if self.hi.is_sign_negative() {
            down(bits, self.hi.abs_ref())
        } else {
            Float::new(bits)
        }
    }

    /// `[lo − r, hi + r]` for a non-negative radius `r`.
    pub fn widen(&self, r: &Float) -> Interval {
        let bits = self.bits();
        Interval {
            lo: down(bits, &self.lo - r),
            hi: up(bits, &self.hi + r),
        }
    }

    /// Sum.
    pub fn add(&self, o: &Interval) -> Interval {
        let bits = self.bits().max(o.bits());
        Interval {
            lo: down(bits, &self.lo + &o.lo),
            hi: up(bits, &self.hi + &o.hi),
        }
    }

    /// Difference.
    pub fn sub(&self, o: &Interval) -> Interval {
        let bits = self.bits().max(o.bits());
        Interval {
            lo: down(bits, &self.lo - &o.hi),
            hi: up(bits, &self.hi - &o.lo),
        }
    }

    /// Negation (exact).
    pub fn neg(&self) -> Interval {
        Interval {
            lo: Float::with_val(self.hi.prec(), -&self.hi),
            hi: Float::with_val(self.lo.prec(), -&self.lo),
        }
    }

    /// Product. The endpoint pair is selected by the signs of the operands so that only two
    /// (when both straddle zero, four) MPFR multiplications are needed; since directed rounding
    /// is monotone this equals the minimum and maximum over the four rounded endpoint products.
    pub fn mul(&self, o: &Interval) -> Interval {
        let bits = self.bits().max(o.bits());
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
                let lo = fmin(down(bits, al * bh), down(bits, ah * bl));
                let hi = fmax(up(bits, al * bl), up(bits, ah * bh));
                return Interval { lo, hi };
            }
        };
        Interval {
            lo: down(bits, lo_pair.0 * lo_pair.1),
            hi: up(bits, hi_pair.0 * hi_pair.1),
        }
    }

    /// Product with an exact rational (rounded outward once before multiplying).
    pub fn mul_rational(&self, r: &Rational) -> Interval {
        self.mul(&Interval::point(r, self.prec()))
    }

    /// Reciprocal; an interval that is not certainly away from zero gives `[−∞, +∞]`.
    pub fn recip(&self) -> Interval {
        let bits = self.bits();
        // NaN endpoints compare false and so also take the infinite branch.
        if !self.excludes_zero() {
            return Interval {
                lo: Float::with_val(bits, Special::NegInfinity),
                hi: Float::with_val(bits, Special::Infinity),
            };
        }
        // 1/t is decreasing on each half-line, so the endpoints swap.
        Interval {
            lo: down(bits, self.hi.recip_ref()),
            hi: up(bits, self.lo.recip_ref()),
        }
    }

    /// Quotient `self / o`: when `o` certainly excludes zero, the two endpoint quotients that
    /// bound it (chosen by the signs, as for [`Interval::mul`]), each rounded once; otherwise
    /// `self · [−∞, +∞]` (infinite or NaN endpoints).
    pub fn div(&self, o: &Interval) -> Interval {
        if !o.excludes_zero() {
            return self.mul(&o.recip());
        }
        let bits = self.bits().max(o.bits());
        let (x, y) = (self, o);
        let nonnegative = |v: &Float| v.cmp0() != Some(Ordering::Less);
        // For y > 0, x/y increases in x and, in y, decreases where x ≥ 0 and increases where
        // x ≤ 0; for y < 0 the roles of the ends swap. Rounding is monotone, so the rounded
        // bounds equal the min and max of all four rounded corner quotients.
        let ((lo_num, lo_den), (hi_num, hi_den)) = if y.lo.cmp0() == Some(Ordering::Greater) {
            (
                (&x.lo, if nonnegative(&x.lo) { &y.hi } else { &y.lo }),
                (&x.hi, if nonnegative(&x.hi) { &y.lo } else { &y.hi }),
            )
        } else {
            (
                (&x.hi, if nonnegative(&x.hi) { &y.hi } else { &y.lo }),
                (&x.lo, if nonnegative(&x.lo) { &y.lo } else { &y.hi }),
            )
        };
        Interval {
            lo: down(bits, lo_num / lo_den),
            hi: up(bits, hi_num / hi_den),
        }
    }

    /// Division by a positive integer.
    pub fn div_u64(&self, n: u64) -> Interval {
        self.div(&Interval::from_u64(n, self.prec()))
    }

    /// `x^n` for an integer `n`, each endpoint power rounded once by MPFR.
    ///
    /// `x^n` is monotone on any interval not containing zero, so the endpoint powers bound it;
    /// for even `n > 0` over an interval straddling zero the minimum is `0`. For `n < 0` the
    /// caller must make sure `0 ∉ self` (the evaluator checks it); otherwise endpoints are
    /// infinite. `n = 0` gives `[1, 1]`.
    pub fn powi(&self, n: &Integer) -> Interval {
        let bits = self.bits();
        if n.cmp0() == Ordering::Equal {
            return Interval::from_u64(1, self.prec());
        }
        // On a positive base x^n is monotone (increasing for n > 0, decreasing for n < 0):
        // one end per bound, the same rounded bounds as taking both ends for each.
        if self.lo.cmp0() == Some(Ordering::Greater) {
            let (low_end, high_end) = if n.cmp0() == Ordering::Greater {
                (&self.lo, &self.hi)
            } else {
                (&self.hi, &self.lo)
            };
            return Interval {
                lo: down(bits, low_end.pow(n)),
                hi: up(bits, high_end.pow(n)),
            };
        }
        let lo = min([down(bits, (&self.lo).pow(n)), down(bits, (&self.hi).pow(n))]);
        let hi = max([up(bits, (&self.lo).pow(n)), up(bits, (&self.hi).pow(n))]);
        let straddles = self.lo.cmp0() == Some(Ordering::Less) && self.hi.cmp0() == Some(Ordering::Greater);
        if straddles && n.is_even() && n.cmp0() == Ordering::Greater {
            return Interval {
                lo: Float::new(bits),
                hi,
            };
        }
        Interval { lo, hi }
    }

    /// `exp` (increasing, so endpoint-wise).
    pub fn exp(&self) -> Interval {
        let bits = self.bits();
        Interval {
            lo: down(bits, self.lo.exp_ref()),
            hi: up(bits, self.hi.exp_ref()),
        }
    }

    /// Natural logarithm (increasing); a non-positive lower endpoint gives a lower bound of −∞
    /// (and a non-positive upper endpoint a NaN or −∞ upper bound).
    pub fn ln(&self) -> Interval {
        let bits = self.bits();
        let lo = if self.lo.is_sign_positive() && !self.lo.is_zero() {
            down(bits, self.lo.ln_ref())
        } else {
            Float::with_val(bits, Special::NegInfinity)
        };
        Interval {
            lo,
            hi: up(bits, self.hi.ln_ref()),
        }
    }

    /// `self^r` for a positive interval and a rational exponent, as `exp(r ln self)`.
    pub fn pow_rational(&self, r: &Rational) -> Interval {
        self.ln().mul_rational(r).exp()
    }

    /// Enclosure of `sin(π r)` for an exact rational `r`.
    ///
    /// The argument is reduced exactly in the rationals to `g ∈ [0, 1/2]` with
    /// `sin(π r) = ±sin(π g)`, so the only inexact steps are `π g` (outward) and `sin` on
    /// `[0, π/2]`, where it is increasing. The exactly-known values at `g = 0` and `g = 1/2` are
    /// returned exactly, which the continuum constants need (e.g. `sin(π/2)` for `α = 1`).
    pub fn sin_pi_rational(r: &Rational, prec: Precision) -> Interval {
        let bits = prec.bits();
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
            return Interval::exact(Float::new(bits));
        }
        let complement = Rational::from(1 - &red);
        let g = if complement < red { complement } else { red };
        let half = Rational::from((1, 2));
        let base = if g == half {
            Interval::exact(Float::with_val(bits, 1))
        } else {
            let t = Interval::pi(prec).mul_rational(&g);
            let lo_arg = if t.lo.is_sign_negative() {
                Float::new(bits)
            } else {
                t.lo.clone()
            };
            let half_pi_lo = down(bits, Interval::pi(prec).lo / 2u32);
            let lo = fmin(down(bits, lo_arg.sin_ref()), down(bits, t.hi.sin_ref()));
            // Past the (lower bound of the) maximum point, sin is only bounded by 1.
            let hi = if t.hi < half_pi_lo {
                up(bits, t.hi.sin_ref())
            } else {
                Float::with_val(bits, 1)
            };
            Interval { lo, hi }
        };
        if negative { base.neg() } else { base }
    }
}

/// An interval certainly containing the real value of `e` at `at`, with endpoints at `prec`.
///
/// Every lower bound is rounded down and every upper bound up; the rules per node (`[a, b]` is
/// the argument enclosure):
///
/// * literals, point values and `pi` — the two directed roundings of the exact value;
/// * `+ − ×` — endpoint formulas; `×` takes min/max over the four endpoint products;
/// * `÷` — four endpoint quotients; a divisor enclosure containing zero is
///   [`EvalError::NotCertified`] (or [`EvalError::Undefined`] if it is exactly `[0, 0]`);
/// * `exp log sqrt sinh tanh` — monotone increasing, applied to the endpoints; `log` needs
///   `a > 0`, `sqrt` needs `a ≥ 0`;
/// * `cosh` (even, minimum `1` at `0`) and `abs` — case analysis on the sign of the endpoints;
/// * `sin`, `cos`, `tan` — first try to **certify that no critical point lies in `[a, b]`**:
///   the critical points of `sin` and the poles of `tan` are `(k + 1/2)π`, those of `cos` are
///   `kπ`. We pick a candidate `k` from a rounded quotient and then *verify* with directed
///   rounding (using `[π⁻, π⁺]` from MPFR) that `(k + c)π < a` and `b < (k + 1 + c)π`. A wrong
///   guess of `k` can only make the check fail, never pass. Once certified, the function is
///   monotone on `[a, b]` and the two directed endpoint values bound it (`tan` is increasing).
///   Otherwise `sin`/`cos` fall back to the **mean-value rule**: with `m` the rounded midpoint and
///   `r ≥ max(b − m, m − a)` (rounded up), `|sin x − sin m| ≤ |x − m| ≤ r` because `|sin'| ≤ 1`,
///   so the range lies in `[sin m − r, sin m + r] ∩ [−1, 1]` (likewise for `cos`); and `tan` is
///   `NotCertified` ("may contain a pole");
/// * `x^n` with `n` an exact integer (decided by [`eval_exact`](super::eval_exact) on the exponent
///   subtree, as in every evaluator) — the endpoint powers bound the range because `x^n` is
///   monotone on any interval not containing zero, and for even `n > 0` straddling zero the
///   minimum is `0`; `n < 0` with a base enclosure containing zero is `NotCertified`;
/// * `x^y` otherwise — for a base enclosure with `a > 0`, `x^y` is monotone in `x` for fixed `y`
///   and monotone in `y` for fixed `x`, so its range over the box is attained at the four corners,
///   each evaluated with directed MPFR `pow`; a base enclosure `[0, b]` is handled the same way
///   when `y > 0` (`0^y = 0`); a base enclosure entirely below zero is `Undefined`, and one that
///   reaches below zero otherwise is `NotCertified`.
///
/// # Errors
///
/// [`EvalError::Undefined`] when the expression is certainly undefined at the point,
/// [`EvalError::NotCertified`] when an enclosure is too wide to decide a domain condition,
/// [`EvalError::Unbound`], and [`EvalError::Overflow`] for bounds beyond MPFR's exponent range.
pub fn eval_interval(e: &Expr, at: &Assignment, prec: Precision) -> Result<Interval, EvalError> {
    walk(
        &Enclose {
            at,
            bits: prec.bits(),
        },
        e,
    )
}

/// Outward-rounded intervals at a fixed precision: the number type of [`eval_interval`].
pub(super) struct Enclose<'a> {
    pub(super) at: &'a Assignment,
    pub(super) bits: u32,
}

impl Arithmetic for Enclose<'_> {
    type Num = Interval;

    fn at(&self) -> &Assignment {
        self.at
    }

    fn rational(&self, q: &Rational) -> Interval {
        Interval::point(q, self.prec())
    }

    fn pi(&self) -> Interval {
        Interval::pi(self.prec())
    }

    fn variable(&self, _name: &str, value: &Rational) -> Interval {
        Interval::point(value, self.prec())
    }

    fn neg(&self, x: Interval) -> Interval {
        x.neg()
    }

    fn add(&self, x: &Interval, y: &Interval) -> Result<Interval, EvalError> {
        Ok(x.add(y))
    }

    fn sub(&self, x: &Interval, y: &Interval) -> Result<Interval, EvalError> {
        Ok(x.sub(y))
    }

    fn mul(&self, x: &Interval, y: &Interval) -> Result<Interval, EvalError> {
        Ok(x.mul(y))
    }

    fn div(&self, x: &Interval, y: &Interval) -> Result<Interval, EvalError> {
        divide(x, y)
    }

    fn integer_power(&self, x: &Interval, n: &Integer, _exponent: &Expr) -> Result<Interval, EvalError> {
        Enclose::integer_power(self, x, n)
    }

    fn real_power(&self, _base: &Expr, x: &Interval, y: &Interval) -> Result<Interval, EvalError> {
        Enclose::real_power(self, x, y)
    }

    fn root_power(
        &self,
        _base: &Expr,
        x: &Interval,
        y: &Interval,
        root: &Root,
    ) -> Result<Interval, EvalError> {
        Enclose::root_power(self, x, y, root)
    }

    fn call(&self, f: Func, x: &Interval) -> Result<Interval, EvalError> {
        Enclose::call(self, f, x)
    }

    fn finish(&self, x: Interval) -> Result<Interval, EvalError> {
        checked(x)
    }
}

impl Enclose<'_> {
    fn prec(&self) -> Precision {
        Precision::from_bits(self.bits)
    }

    /// `x^n` for an exact integer `n`.
    pub(super) fn integer_power(&self, x: &Interval, n: &Integer) -> Result<Interval, EvalError> {
        if n.cmp0() == Ordering::Less {
            if x.is_exact_zero() {
                return Err(EvalError::undefined(reason::ZERO_NEG_POW));
            }
            if x.contains_zero() {
                return Err(EvalError::not_certified(
                    "base interval of a negative power contains zero",
                ));
            }
        }
        Ok(x.powi(n))
    }

    /// `x^y` for an exponent `y = p/q` known exactly (`y` is its enclosure): the domain rules
    /// of [`Enclose::real_power`], and on a base `[a, b]` with `a ≥ 0` the monotone bounds
    /// `(a^(1/q))^p` and `(b^(1/q))^p` (swapped and inverted for `p < 0`), each step rounded
    /// outward — a root and an integer power per bound instead of four `exp(y·ln x)`.
    pub(super) fn root_power(&self, x: &Interval, y: &Interval, root: &Root) -> Result<Interval, EvalError> {
        real_power_domain(x, y)?;
        let bits = self.bits;
        // Increasing in the base for p > 0, decreasing for p < 0 (where the domain check left a
        // base certainly above zero); each bound rounded its own way.
        let bound = |v: &Float, round: Round| positive_root_power(v, root, bits, round);
        Ok(if root.p.cmp0() == Ordering::Greater {
            Interval {
                lo: bound(&x.lo, Round::Down),
                hi: bound(&x.hi, Round::Up),
            }
        } else {
            Interval {
                lo: bound(&x.hi, Round::Down),
                hi: bound(&x.lo, Round::Up),
            }
        })
    }

    /// `x^y` for an exponent that is not a proven integer.
    pub(super) fn real_power(&self, x: &Interval, y: &Interval) -> Result<Interval, EvalError> {
        let bits = self.bits;
        real_power_domain(x, y)?;
        // Now lo > 0, or lo = 0 with y > 0 where 0^y = 0: x^y is monotone in each argument on the
        // box, so the corners bound it.
        // Where x^y is monotone in one argument over the whole box, one corner per bound
        // suffices: the same rounded bounds as the four corners (rounding is monotone), at half
        // the cost — and a power is a logarithm and an exponential.
        let pow = |b: &Float, e: &Float, round: Round| rounded(bits, b.pow(e), round);
        let nonnegative = |v: &Float| v.cmp0() != Some(Ordering::Less);
        let nonpositive = |v: &Float| v.cmp0() != Some(Ordering::Greater);
        // a^y over the exponents: increasing where a ≥ 1, decreasing where a ≤ 1.
        let exponent_end = |a: &Float, lowest: bool| if (*a >= 1u32) == lowest { &y.lo } else { &y.hi };
        if nonnegative(&y.lo) || nonpositive(&y.hi) {
            // The exponent has one sign: x^y increases in x (y ≥ 0) or decreases (y ≤ 0) for
            // every y, so the lowest value lies at one end of x, then at one end of y.
            let (x_low, x_high) = if nonnegative(&y.lo) {
                (&x.lo, &x.hi)
            } else {
                (&x.hi, &x.lo)
            };
            return Ok(Interval {
                lo: pow(x_low, exponent_end(x_low, true), Round::Down),
                hi: pow(x_high, exponent_end(x_high, false), Round::Up),
            });
        }
        if x.lo >= 1u32 || x.hi <= 1u32 {
            // The base lies on one side of 1: x^y is monotone in y for every x, so the lowest
            // value lies at one end of y, then at the end of x its sign picks.
            let (y_low, y_high) = (exponent_end(&x.lo, true), exponent_end(&x.lo, false));
            let base_end = |e: &Float, lowest: bool| if nonnegative(e) == lowest { &x.lo } else { &x.hi };
            return Ok(Interval {
                lo: pow(base_end(y_low, true), y_low, Round::Down),
                hi: pow(base_end(y_high, false), y_high, Round::Up),
            });
        }
        let corners = |round: Round| -> [Float; 4] {
            let pow = |b: &Float, e: &Float| rounded(bits, b.pow(e), round);
            [
                pow(&x.lo, &y.lo),
                pow(&x.lo, &y.hi),
                pow(&x.hi, &y.lo),
                pow(&x.hi, &y.hi),
            ]
        };
        Ok(Interval {
            lo: min(corners(Round::Down)),
            hi: max(corners(Round::Up)),
        })
    }

    pub(super) fn call(&self, f: Func, x: &Interval) -> Result<Interval, EvalError> {
        let bits = self.bits;
        let increasing = |g: &dyn Fn(&Float, Round) -> Float| Interval {
            lo: g(&x.lo, Round::Down),
            hi: g(&x.hi, Round::Up),
        };
        Ok(match f {
            Func::Exp => x.exp(),
            Func::Sinh => increasing(&|v, r| rounded(bits, v.sinh_ref(), r)),
            Func::Tanh => increasing(&|v, r| rounded(bits, v.tanh_ref(), r)),
            Func::Log => {
                if x.hi.cmp0() != Some(Ordering::Greater) {
                    return Err(EvalError::undefined(reason::LOG));
                }
                if !x.is_positive() {
                    return Err(EvalError::not_certified("log argument interval reaches zero"));
                }
                x.ln()
            }
            Func::Sqrt => {
                if x.is_negative() {
                    return Err(EvalError::undefined(reason::SQRT));
                }
                if x.lo.cmp0() == Some(Ordering::Less) {
                    return Err(EvalError::not_certified(
                        "sqrt argument interval reaches below zero",
                    ));
                }
                increasing(&|v, r| rounded(bits, v.sqrt_ref(), r))
            }
            Func::Cosh => {
                let cosh = |v: &Float, r| rounded(bits, v.cosh_ref(), r);
                if x.lo.cmp0() != Some(Ordering::Less) {
                    Interval {
                        lo: cosh(&x.lo, Round::Down),
                        hi: cosh(&x.hi, Round::Up),
                    }
                } else if x.hi.cmp0() != Some(Ordering::Greater) {
                    Interval {
                        lo: cosh(&x.hi, Round::Down),
                        hi: cosh(&x.lo, Round::Up),
                    }
                } else {
                    let far = if x.lo.cmp_abs(&x.hi) == Some(Ordering::Greater) {
                        &x.lo
                    } else {
                        &x.hi
                    };
                    Interval {
                        lo: Float::with_val(bits, 1u32),
                        hi: cosh(far, Round::Up),
                    }
                }
            }
            Func::Abs => {
                if x.lo.cmp0() != Some(Ordering::Less) {
                    x.clone()
                } else if x.hi.cmp0() != Some(Ordering::Greater) {
                    Interval {
                        lo: Float::with_val(bits, -&x.hi),
                        hi: Float::with_val(bits, -&x.lo),
                    }
                } else {
                    let far = if x.lo.cmp_abs(&x.hi) == Some(Ordering::Greater) {
                        -x.lo.clone()
                    } else {
                        x.hi.clone()
                    };
                    Interval {
                        lo: Float::new(bits),
                        hi: far,
                    }
                }
            }
            // Too large to reduce modulo π at this precision (see `TRIG_EXP_HEADROOM`): sin and
            // cos are only bounded by 1, tan not at all.
            Func::Sin | Func::Cos
                if !(trig_argument_within_reach(&x.lo, bits) && trig_argument_within_reach(&x.hi, bits)) =>
            {
                Interval {
                    lo: Float::with_val(bits, -1i32),
                    hi: Float::with_val(bits, 1u32),
                }
            }
            Func::Tan
                if !(trig_argument_within_reach(&x.lo, bits) && trig_argument_within_reach(&x.hi, bits)) =>
            {
                return Err(EvalError::not_certified(reason::TRIG_HUGE));
            }
            Func::Sin => {
                let sin = |v: &Float, r| rounded(bits, v.sin_ref(), r);
                if self.avoids_pi_grid(x, &Rational::from((1, 2))) {
                    self.monotone(x, &sin)
                } else {
                    self.mean_value(x, &sin)
                }
            }
            Func::Cos => {
                let cos = |v: &Float, r| rounded(bits, v.cos_ref(), r);
                if self.avoids_pi_grid(x, &Rational::new()) {
                    self.monotone(x, &cos)
                } else {
                    self.mean_value(x, &cos)
                }
            }
            Func::Tan => {
                if !self.avoids_pi_grid(x, &Rational::from((1, 2))) {
                    return Err(EvalError::not_certified(
                        "tan argument interval may contain a pole",
                    ));
                }
                increasing(&|v, r| rounded(bits, v.tan_ref(), r))
            }
        })
    }

    /// Whether `[x.lo, x.hi]` certainly contains no point `(k + offset)·π`, `k` an integer.
    fn avoids_pi_grid(&self, x: &Interval, offset: &Rational) -> bool {
        let bits = self.bits;
        let pi_lo: Float = down(bits, Constant::Pi);
        let pi_hi: Float = up(bits, Constant::Pi);
        // Candidate k ≈ ⌊lo/π − offset⌋; it is only a guess, verified below.
        let guess = Float::with_val(bits, Float::with_val(bits, &x.lo / &pi_lo) - offset).floor();
        let Some(k) = guess.to_integer() else { return false };
        // (c·π)⁺ and (c·π)⁻ for a rational c of either sign.
        let grid_up = |c: &Rational| {
            if c.cmp0() == Ordering::Less {
                up(bits, &pi_lo * c)
            } else {
                up(bits, &pi_hi * c)
            }
        };
        let grid_down = |c: &Rational| {
            if c.cmp0() == Ordering::Less {
                down(bits, &pi_hi * c)
            } else {
                down(bits, &pi_lo * c)
            }
        };
        // Rounding in the guess can be off by one in either direction near a grid point.
        [Integer::from(&k - 1u32), k.clone(), k + 1u32]
            .into_iter()
            .any(|k| {
                let left = Rational::from(k) + offset;
                let right = Rational::from(&left + 1u32);
                grid_up(&left) < x.lo && x.hi < grid_down(&right)
            })
    }

    /// Enclosure of a function known to be monotone (either way) on `x`.
    fn monotone(&self, x: &Interval, g: &dyn Fn(&Float, Round) -> Float) -> Interval {
        Interval {
            lo: min([g(&x.lo, Round::Down), g(&x.hi, Round::Down)]),
            hi: max([g(&x.lo, Round::Up), g(&x.hi, Round::Up)]),
        }
    }

    /// Enclosure of `g` over `x` for a function with `|g'| ≤ 1` and range `[−1, 1]` (sin, cos),
    /// by the mean-value theorem around the rounded midpoint.
    fn mean_value(&self, x: &Interval, g: &dyn Fn(&Float, Round) -> Float) -> Interval {
        let bits = self.bits;
        let unit = Interval {
            lo: Float::with_val(bits, -1i32),
            hi: Float::with_val(bits, 1u32),
        };
        // The midpoint need not be exact: r is measured from whatever m turns out to be.
        let m = Float::with_val(bits, &x.lo + &x.hi) >> 1u32;
        if !m.is_finite() {
            return unit;
        }
        let r = up(bits, &x.hi - &m).max(&up(bits, &m - &x.lo));
        if r >= 2u32 {
            return unit;
        }
        let lo = down(bits, &g(&m, Round::Down) - &r);
        let hi = up(bits, &g(&m, Round::Up) + &r);
        Interval {
            lo: lo.max(&unit.lo),
            hi: hi.min(&unit.hi),
        }
    }
}

/// The domain rules of a non-integer power `x^y` on enclosures: a base certainly negative is
/// undefined, one reaching below zero not certified; a base reaching zero needs an exponent
/// certainly positive (`0^y = 0`), and `0^y` with `y ≤ 0` is undefined.
fn real_power_domain(x: &Interval, y: &Interval) -> Result<(), EvalError> {
    if x.is_negative() {
        return Err(EvalError::undefined(reason::NEG_BASE));
    }
    if x.lo.cmp0() == Some(Ordering::Less) {
        return Err(EvalError::not_certified(
            "base interval of a non-integer power reaches below zero",
        ));
    }
    if x.lo.is_zero() && !y.is_positive() {
        if x.is_exact_zero() && y.hi.cmp0() != Some(Ordering::Greater) {
            return Err(EvalError::undefined(reason::ZERO_NONPOS_REAL_POW));
        }
        return Err(EvalError::not_certified(
            "zero base with an exponent not certainly positive",
        ));
    }
    Ok(())
}

/// `x / y` with the domain checks of the evaluator: a divisor that is exactly `[0, 0]` is
/// undefined, one that merely contains zero is not certified.
pub(super) fn divide(x: &Interval, y: &Interval) -> Result<Interval, EvalError> {
    if y.is_exact_zero() {
        return Err(EvalError::undefined(reason::DIV_ZERO));
    }
    if y.contains_zero() {
        return Err(EvalError::not_certified("divisor interval contains zero"));
    }
    Ok(x.div(y))
}

pub(super) fn checked(iv: Interval) -> Result<Interval, EvalError> {
    if iv.lo.is_nan() || iv.hi.is_nan() {
        return Err(EvalError::undefined(reason::NAN));
    }
    if !iv.lo.is_finite() || !iv.hi.is_finite() {
        return Err(EvalError::Overflow);
    }
    Ok(iv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::testing::{not_certified, point, reference, undefined};
    use crate::numeric::{eval_exact, eval_float};
    use proptest::prelude::*;
    use std::ops::{Div, Mul, Neg, Sub};

    fn p() -> Precision {
        Precision::from_bits(128)
    }

    fn iv(e: &Expr) -> Result<Interval, EvalError> {
        eval_interval(e, &Assignment::new(), p())
    }

    fn make(lo: i64, hi: i64) -> Interval {
        Interval {
            lo: Float::with_val(128, lo),
            hi: Float::with_val(128, hi),
        }
    }

    fn enc_at(bits: u32) -> Enclose<'static> {
        static EMPTY: Assignment = Assignment::new();
        Enclose { at: &EMPTY, bits }
    }

    fn enc() -> Enclose<'static> {
        static EMPTY: Assignment = Assignment::new();
        Enclose {
            at: &EMPTY,
            bits: 128,
        }
    }

    #[test]
    fn arithmetic_encloses_exact_results() {
        let prec = Precision::from_bits(80);
        let a = Interval::point(&Rational::from((1, 3)), prec);
        let b = Interval::point(&Rational::from((-2, 7)), prec);
        let prod = a.mul(&b);
        assert!(prod.contains_rational(&Rational::from((-2, 21))));
        assert!(
            prod.lo < prod.hi,
            "1/3·(−2/7) is not a dyadic rational, so rounding must show"
        );
        assert!(a.div(&b).contains_rational(&Rational::from((-7, 6))));
        assert!(a.sub(&b).contains_rational(&Rational::from((13, 21))));
        assert!(a.add(&b).contains_rational(&Rational::from((1, 21))));
        assert!(b.neg().contains_rational(&Rational::from((2, 7))));
        let mixed = make(-1, 2);
        let m2 = mixed.mul(&mixed);
        assert_eq!(
            (m2.lo.to_integer(), m2.hi.to_integer()),
            (Some(Integer::from(-2)), Some(Integer::from(4)))
        );
        assert!(!mixed.recip().is_finite());
        assert!(!mixed.div(&mixed).is_finite());
        // The shared integer power is tight: MPFR rounds each endpoint power once.
        let cube = Interval::point(&Rational::from((1, 3)), prec).powi(&Integer::from(3));
        assert!(cube.contains_rational(&Rational::from((1, 27))));
        assert!(cube.width() < Float::with_val(80, 1u32) >> 80u32);
        let s = Interval::point(&Rational::from(3), prec).mig();
        assert_eq!(s.to_integer(), Some(Integer::from(3)));
        assert_eq!(mixed.mag().to_integer(), Some(Integer::from(2)));
        assert!(mixed.mig().is_zero());
    }

    #[test]
    fn transcendental_methods_and_sin_pi() {
        let prec = Precision::from_bits(120);
        let tiny = Float::with_val(120, 1u32) >> 112u32;
        let e = Interval::from_u64(1, prec).exp();
        assert!(e.contains(&reference(
            "2.71828182845904523536028747135266249775724709369995957"
        )));
        assert!(e.lo < e.hi && e.width() < tiny);
        let l = Interval::from_u64(10, prec).ln();
        assert!(l.contains(&reference(
            "2.30258509299404568401799145468436420760110148862877297"
        )));
        assert!(l.width() < tiny);
        let r = Interval::from_u64(2, prec).pow_rational(&Rational::from((1, 2)));
        assert!(r.contains(&reference(
            "1.41421356237309504880168872420969807856967187537694807"
        )));
        let half = Rational::from((1, 2));
        let s = Interval::sin_pi_rational(&Rational::from((1, 6)), prec);
        assert!(s.contains_rational(&half) && s.width() < tiny);
        let s = Interval::sin_pi_rational(&Rational::from((7, 6)), prec);
        assert!(s.contains_rational(&Rational::from((-1, 2))) && s.width() < tiny);
        let s = Interval::sin_pi_rational(&Rational::from((5, 2)), prec);
        assert!(s.lo >= 1 && s.hi <= 1);
        let s = Interval::sin_pi_rational(&Rational::from((-1, 3)), prec);
        // sin(−π/3)² = 3/4 exactly: the square of the enclosure contains 3/4.
        let sq = s.mul(&s);
        assert!(sq.contains_rational(&Rational::from((3, 4))) && s.hi < 0);
        let s = Interval::sin_pi_rational(&Rational::from(3), prec);
        assert!(s.is_exact_zero());
        let s = Interval::sin_pi_rational(&Rational::from((1, 7)), prec);
        assert!(s.contains(&reference(
            "0.433883739117558120475768332848358754609990727787459876"
        )));
    }

    #[test]
    fn encloses_known_constants_tightly() {
        let one = Expr::int(1);
        let cases = [
            (
                Expr::Pi,
                "3.14159265358979323846264338327950288419716939937510582",
            ),
            (
                one.clone().call(Func::Exp),
                "2.71828182845904523536028747135266249775724709369995957",
            ),
            (
                Expr::int(2).call(Func::Log),
                "0.693147180559945309417232121458176568075500134360255254",
            ),
            (
                Expr::int(2).call(Func::Sqrt),
                "1.41421356237309504880168872420969807856967187537694807",
            ),
            (
                one.clone().call(Func::Sin),
                "0.841470984807896506652502321630298999622563060798371065",
            ),
            (
                one.clone().call(Func::Cos),
                "0.540302305868139717400936607442976603732310420617922227",
            ),
            (
                one.clone().call(Func::Tan),
                "1.55740772465490223050697480745836017308725077238152003",
            ),
            (
                one.clone().call(Func::Cosh),
                "1.54308063481524377847790562075706168260152911236586370",
            ),
            (
                Expr::int(2).pow(Expr::int(1).div(Expr::int(2))),
                "1.41421356237309504880168872420969807856967187537694807",
            ),
            (
                Expr::int(1).div(Expr::int(3)),
                "0.333333333333333333333333333333333333333333333333333333",
            ),
        ];
        for (e, value) in cases {
            let got = iv(&e).expect("defined");
            assert!(got.contains(&reference(value)), "{e}: [{}, {}]", got.lo, got.hi);
            // Tight: a few ulps at 128 bits.
            assert!(
                got.width() < Float::with_val(128, 1u32) >> 120u32,
                "{e}: width {}",
                got.width()
            );
        }
    }

    #[test]
    fn exp_of_log_product() {
        // exp(log a · log b) at a = 2, b = 3.
        let e = Expr::var("a")
            .call(Func::Log)
            .mul(Expr::var("b").call(Func::Log))
            .call(Func::Exp);
        let at = point(&[("a", (2, 1)), ("b", (3, 1))]);
        let got = eval_interval(&e, &at, p()).expect("defined");
        let high = eval_float(&e, &at, Precision::from_bits(400)).expect("defined");
        let same = eval_float(&e, &at, p()).expect("defined");
        assert!(got.contains(&high) && got.contains(&same));
        assert!(got.excludes_zero() && got.is_positive() && !got.contains_zero());
    }

    #[test]
    fn exact_rationals_are_contained() {
        let e = Expr::int(3)
            .div(Expr::int(2))
            .pow(Expr::int(2))
            .sub(Expr::int(9).div(Expr::int(4)));
        let got = iv(&e).expect("defined");
        assert!(got.contains_zero() && got.contains_rational(&Rational::new()));
        // A dyadic point is exact, so a − a is exactly [0, 0]; 1/10 is not, so the enclosure of
        // a − a is a genuine (tiny) interval around 0.
        let e = Expr::var("a").sub(Expr::var("a"));
        let got = eval_interval(&e, &point(&[("a", (1, 4))]), p()).expect("defined");
        assert!(got.lo.is_zero() && got.hi.is_zero());
        let got = eval_interval(&e, &point(&[("a", (1, 10))]), p()).expect("defined");
        assert!(got.contains_zero() && got.lo.cmp0() == Some(Ordering::Less));
        assert!(not_certified(eval_interval(
            &Expr::int(1).div(e),
            &point(&[("a", (1, 10))]),
            p()
        )));
    }

    #[test]
    fn domain_errors() {
        assert!(undefined(iv(&Expr::int(1).div(Expr::int(0)))));
        assert!(not_certified(iv(&Expr::int(1).div(Expr::Pi.sub(Expr::Pi)))));
        assert!(undefined(iv(&Expr::int(0).call(Func::Log))));
        assert!(undefined(iv(&Expr::int(-1).call(Func::Log))));
        assert!(not_certified(iv(&Expr::Pi.sub(Expr::Pi).call(Func::Log))));
        assert!(undefined(iv(&Expr::int(-1).call(Func::Sqrt))));
        assert!(not_certified(iv(&Expr::Pi.sub(Expr::Pi).call(Func::Sqrt))));
        assert!(iv(&Expr::int(0).call(Func::Sqrt)).is_ok());
        assert!(not_certified(iv(&Expr::Pi.div(Expr::int(2)).call(Func::Tan))));
        let third = Expr::int(1).div(Expr::int(3));
        assert!(undefined(iv(&Expr::int(-8).pow(third.clone()))));
        assert!(undefined(iv(&Expr::int(0).pow(third.clone().neg()))));
        assert!(iv(&Expr::int(0).pow(third)).is_ok_and(|v| v.lo.is_zero() && v.hi.is_zero()));
        assert!(undefined(iv(&Expr::int(0).pow(Expr::int(-2)))));
        assert_eq!(iv(&Expr::var("x")), Err(EvalError::Unbound("x".into())));
        let big = Expr::Num(Rational::from(Integer::from(10u32).pow(20u32)));
        assert_eq!(iv(&big.call(Func::Exp)), Err(EvalError::Overflow));
    }

    #[test]
    fn integer_powers_of_intervals() {
        let minus_two_cubed = iv(&Expr::int(-2).pow(Expr::int(3))).expect("defined");
        assert_eq!(minus_two_cubed.lo.to_integer(), Some(Integer::from(-8)));
        assert_eq!(minus_two_cubed.hi.to_integer(), Some(Integer::from(-8)));
        let e = enc();
        let pow = |x: Interval, n: i32| e.integer_power(&x, &Integer::from(n));
        let bounds = |v: Interval| (v.lo.to_integer(), v.hi.to_integer());
        let i = |n: i32| Some(Integer::from(n));
        assert_eq!(pow(make(-1, 2), 2).map(bounds), Ok((i(0), i(4))));
        assert_eq!(pow(make(-3, 2), 2).map(bounds), Ok((i(0), i(9))));
        assert_eq!(pow(make(-1, 2), 3).map(bounds), Ok((i(-1), i(8))));
        assert_eq!(pow(make(-3, -2), 2).map(bounds), Ok((i(4), i(9))));
        assert_eq!(pow(make(-3, -2), 3).map(bounds), Ok((i(-27), i(-8))));
        assert_eq!(pow(make(-3, 2), 0).map(bounds), Ok((i(1), i(1))));
        assert!(not_certified(pow(make(-1, 2), -1)));
        let v = pow(make(-3, -2), -2).expect("defined");
        assert!(v.contains_rational(&Rational::from((1, 9))) && v.contains_rational(&Rational::from((1, 4))));
        assert!(v.lo <= Rational::from((1, 9)) && v.hi >= Rational::from((1, 4)));
        let v = pow(make(2, 4), -1).expect("defined");
        assert!(v.contains_rational(&Rational::from((1, 4))) && v.contains_rational(&Rational::from((1, 2))));
    }

    #[test]
    fn real_powers_use_corners() {
        let e = enc();
        let half_to_two = Interval {
            lo: Float::with_val(128, 0.5),
            hi: Float::with_val(128, 2u32),
        };
        // [1/4, 4]^[1/2, 2] spans [1/16, 16].
        let base = Interval {
            lo: Float::with_val(128, 0.25),
            hi: Float::with_val(128, 4u32),
        };
        let v = e.real_power(&base, &half_to_two).expect("defined");
        assert!(v.contains_rational(&Rational::from((1, 16))) && v.contains_rational(&Rational::from(16)));
        assert!(v.lo >= Rational::from((1, 17)) && v.hi <= 17u32);
        assert!(undefined(e.real_power(&make(-3, -1), &half_to_two)));
        assert!(not_certified(e.real_power(&make(-1, 1), &half_to_two)));
        let v = e
            .real_power(&make(0, 4), &half_to_two)
            .expect("zero base, positive exponent");
        assert!(v.lo.is_zero() && v.hi >= 16u32);
        assert!(not_certified(e.real_power(&make(0, 4), &make(-1, 1))));
    }

    #[test]
    fn root_powers_enclose_the_value_tightly_and_keep_the_domain_rules() {
        let e = enc();
        // [2, 2]^(3/2) = 2·sqrt 2 and [2, 3]^(-1/3) ⊂ [3^(-1/3), 2^(-1/3)], references from
        // mpmath at 40 digits.
        let cases = [
            (
                make(2, 2),
                (3i64, 2u32),
                "2.828427124746190097603377448419396157139",
                "2.828427124746190097603377448419396157139",
            ),
            (
                make(2, 3),
                (-1, 3),
                "0.6933612743506347048433522747859617954459",
                "0.7937005259840997373758528196361541301957",
            ),
        ];
        for (x, (num, q), lo, hi) in cases {
            let root = Root {
                p: Integer::from(num),
                q,
            };
            let y = Interval::point(&Rational::from((num, i64::from(q))), p());
            let v = e.root_power(&x, &y, &root).expect("defined");
            // Encloses both references (rounded at 40 digits) up to 1e-38, and is not wider
            // than the true range plus a few ulps.
            assert!(v.lo <= Float::with_val(128, &reference(lo) + 1e-38), "{v:?}");
            assert!(v.hi >= Float::with_val(128, &reference(hi) - 1e-38), "{v:?}");
            let true_width = Float::with_val(128, &reference(hi) - &reference(lo));
            assert!(Float::with_val(128, &v.hi - &v.lo) <= true_width + 1e-36, "{v:?}");
        }
        // Domain: as any non-integer power.
        let half = Root {
            p: Integer::from(1),
            q: 2,
        };
        let y = Interval::point(&Rational::from((1, 2)), p());
        assert!(undefined(e.root_power(&make(-3, -1), &y, &half)));
        assert!(not_certified(e.root_power(&make(-1, 1), &y, &half)));
        let zero = e.root_power(&make(0, 0), &y, &half).expect("0^(1/2) = 0");
        assert!(zero.is_exact_zero());
        let minus_half = Root {
            p: Integer::from(-1),
            q: 2,
        };
        let y = Interval::point(&Rational::from((-1, 2)), p());
        assert!(undefined(e.root_power(&make(0, 0), &y, &minus_half)));
        assert!(not_certified(e.root_power(&make(0, 1), &y, &minus_half)));
    }

    #[test]
    fn trig_of_an_argument_beyond_the_precision_is_bounded_by_one() {
        // [10^(10^8), 10^(10^8)·(1+ε)]: reducing it modulo π would take π to ~3·10^8 bits.
        let huge = iv(&Expr::int(10).pow(Expr::int(100_000_000))).expect("representable");
        let e = enc();
        for f in [Func::Sin, Func::Cos] {
            let v = e.call(f, &huge).expect("bounded");
            assert_eq!(
                (v.lo.to_integer(), v.hi.to_integer()),
                (Some(Integer::from(-1)), Some(Integer::from(1)))
            );
        }
        assert!(not_certified(e.call(Func::Tan, &huge)));
        // An exact argument within the headroom is still enclosed tightly: cos(2^100) from
        // mpmath at 60 digits.
        let v = iv(&Expr::int(2).pow(Expr::int(100)).call(Func::Cos)).expect("defined");
        let cos = reference("0.489178656974721449905789308751345884684142604645097747534458");
        for end in [&v.lo, &v.hi] {
            assert!(Float::with_val(256, end - &cos).abs() < 1e-35, "{v:?}");
        }
    }

    #[test]
    fn trig_on_wide_and_thin_intervals() {
        let e = enc();
        // sin over [0, 4] reaches 1 at π/2 and sin 4 ≈ −0.757 at the right end.
        let v = e.call(Func::Sin, &make(0, 4)).expect("defined");
        for k in 0..=400 {
            let x = Float::with_val(128, k) / 100u32;
            assert!(v.contains(&Float::with_val(128, x.sin_ref())));
        }
        assert!(v.lo >= -1i32 && v.hi <= 1u32);
        // cos over a period or more is exactly [−1, 1].
        let v = e.call(Func::Cos, &make(-10, 10)).expect("defined");
        assert_eq!(
            (v.lo.to_integer(), v.hi.to_integer()),
            (Some(Integer::from(-1)), Some(Integer::from(1)))
        );
        // tan across the pole at π/2 is refused; within a branch it is monotone.
        assert!(not_certified(e.call(Func::Tan, &make(1, 2))));
        let v = e.call(Func::Tan, &make(-1, 1)).expect("defined");
        assert!(
            v.contains(&reference("1.5574077246549022305"))
                && v.contains(&reference("-1.5574077246549022305"))
        );
        // cosh and abs across zero.
        let v = e.call(Func::Cosh, &make(-1, 2)).expect("defined");
        assert!(v.lo >= 1u32 && v.contains(&reference("3.76219569108363145956")));
        let v = e.call(Func::Abs, &make(-3, 2)).expect("defined");
        assert_eq!(
            (v.lo.to_integer(), v.hi.to_integer()),
            (Some(Integer::from(0)), Some(Integer::from(3)))
        );
    }

    fn rational_point() -> impl Strategy<Value = (i64, u64)> {
        (-40i64..40, 1u64..12)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Integer powers of a positive base take one end per bound and get exactly the bounds
        /// of both rounded ends.
        #[test]
        fn integer_power_of_a_positive_base_equals_both_ends(
            a in (1i64..5000, 1u64..100),
            widen in 0u32..4,
            n in -12i64..12,
        ) {
            prop_assume!(n != 0);
            let lo = Float::with_val(100, Rational::from(a));
            let hi = Float::with_val(100, &lo + widen);
            let x = Interval { lo, hi };
            let n = Integer::from(n);
            let v = x.powi(&n);
            let ends = |r: Round| -> [Float; 2] {
                [rounded(100, (&x.lo).pow(&n), r), rounded(100, (&x.hi).pow(&n), r)]
            };
            prop_assert_eq!(v.lo, min(ends(Round::Down)));
            prop_assert_eq!(v.hi, max(ends(Round::Up)));
        }

        /// The two-quotient division gives exactly the bounds of all four rounded corner
        /// quotients (the definition it replaced), for every sign pattern.
        #[test]
        fn division_by_signs_equals_the_four_corners(
            ends in prop::collection::vec((-50i64..50, 1u64..9), 4),
        ) {
            let f = |(n, d): (i64, u64)| Float::with_val(100, Rational::from((n, d)));
            let mut xs = [f(ends[0]), f(ends[1])];
            let mut ys = [f(ends[2]), f(ends[3])];
            xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
            ys.sort_by(|a, b| a.partial_cmp(b).unwrap());
            let (x, y) = (
                Interval { lo: xs[0].clone(), hi: xs[1].clone() },
                Interval { lo: ys[0].clone(), hi: ys[1].clone() },
            );
            prop_assume!(y.excludes_zero());
            let v = x.div(&y);
            let corners = |r: Round| -> [Float; 4] {
                [
                    rounded(100, &x.lo / &y.lo, r),
                    rounded(100, &x.lo / &y.hi, r),
                    rounded(100, &x.hi / &y.lo, r),
                    rounded(100, &x.hi / &y.hi, r),
                ]
            };
            prop_assert_eq!(v.lo, min(corners(Round::Down)));
            prop_assert_eq!(v.hi, max(corners(Round::Up)));
        }

        /// On any box the real power gets exactly the bounds of the four rounded corners, for
        /// bases on either side of 1 and exponents of either sign.
        #[test]
        fn real_power_equals_the_four_corners(
            x in ((1i64..400, 1u64..100), 0u32..4),
            y in ((-30i64..30, 1u64..8), 0u32..3),
        ) {
            let lo = Float::with_val(100, Rational::from(x.0));
            let x = Interval { hi: Float::with_val(100, &lo + x.1), lo };
            let ylo = Float::with_val(100, Rational::from(y.0));
            let y = Interval { hi: Float::with_val(100, &ylo + y.1), lo: ylo };
            let v = enc_at(100).real_power(&x, &y).expect("defined");
            let corners = |r: Round| -> [Float; 4] {
                [
                    rounded(100, (&x.lo).pow(&y.lo), r),
                    rounded(100, (&x.lo).pow(&y.hi), r),
                    rounded(100, (&x.hi).pow(&y.lo), r),
                    rounded(100, (&x.hi).pow(&y.hi), r),
                ]
            };
            prop_assert_eq!(v.lo, min(corners(Round::Down)));
            prop_assert_eq!(v.hi, max(corners(Round::Up)));
        }

        /// With an exact exponent the real power takes one end per bound, and gets exactly the
        /// bounds of the four rounded corners.
        #[test]
        fn real_power_with_an_exact_exponent_equals_the_four_corners(
            a in (1i64..5000, 1u64..100),
            widen in 0u32..4,
            y in (-30i64..30, 1u64..8),
        ) {
            let lo = Float::with_val(100, Rational::from(a));
            let hi = Float::with_val(100, &lo + widen);
            let y = Float::with_val(100, Rational::from(y));
            prop_assume!(!y.is_zero());
            let x = Interval { lo, hi };
            let yi = Interval { lo: y.clone(), hi: y.clone() };
            let v = enc_at(100).real_power(&x, &yi).expect("defined");
            let corners = |r: Round| -> [Float; 2] {
                [rounded(100, (&x.lo).pow(&y), r), rounded(100, (&x.hi).pow(&y), r)]
            };
            prop_assert_eq!(v.lo, min(corners(Round::Down)));
            prop_assert_eq!(v.hi, max(corners(Round::Up)));
        }

        /// The root-and-power enclosure of `[a, b]^(p/q)` contains MPFR's `pow` of both ends
        /// at four times the precision (an independent route, `exp(y·ln x)`), for either sign of
        /// `p`: every rounding went outward.
        #[test]
        fn root_power_encloses_pow_at_both_ends(
            a in (1i64..100_000, 1u64..1000),
            widen in 0u32..3,
            p_num in -40i64..40,
            q in 2u32..=9,
            bits in prop::sample::select(vec![64u32, 200, 1000]),
        ) {
            prop_assume!(p_num != 0);
            let lo = Float::with_val(bits, Rational::from(a));
            let hi = Float::with_val(bits, &lo + widen);
            let e = Enclose { at: &Assignment::new(), bits };
            let root = Root { p: Integer::from(p_num), q };
            let y = Interval::point(&Rational::from((p_num, i64::from(q))), Precision::from_bits(bits));
            let v = e.root_power(&Interval { lo: lo.clone(), hi: hi.clone() }, &y, &root).expect("defined");
            let wide = 4 * bits;
            let exponent = Float::with_val(wide, Rational::from((p_num, i64::from(q))));
            for end in [&lo, &hi] {
                let reference = Float::with_val(wide, Float::with_val(wide, end).pow(&exponent));
                prop_assert!(v.lo <= reference && reference <= v.hi, "{v:?} misses {reference}");
            }
        }


        /// The enclosure at 128 bits contains a 512-bit float wherever both are defined, and
        /// contains the exact value wherever there is one.
        #[test]
        fn encloses_high_precision_value(
            e in crate::expr::strategies::expr(vec!["a", "b"], 4),
            a in rational_point(),
            b in rational_point(),
        ) {
            let at = point(&[("a", a), ("b", b)]);
            if let Ok(v) = eval_interval(&e, &at, p()) {
                prop_assert!(v.lo <= v.hi);
                if let Ok(f) = eval_float(&e, &at, Precision::from_bits(512)) {
                    prop_assert!(v.contains(&f), "{e}: {f} not in [{}, {}]", v.lo, v.hi);
                }
                if let Some(q) = eval_exact(&e, &at) {
                    prop_assert!(v.contains_rational(&q), "{e}: {q} not in [{}, {}]", v.lo, v.hi);
                }
            }
            // Certain errors agree with the float evaluator.
            if let Err(EvalError::Undefined { .. }) = eval_interval(&e, &at, p()) {
                let f = eval_float(&e, &at, Precision::from_bits(512));
                prop_assert!(f.is_err(), "{e}: interval undefined but float {f:?}");
            }
        }

        /// On trees defined on the positive orthant the enclosure always exists and is narrow.
        #[test]
        fn positive_trees_certify_tightly(
            e in crate::expr::strategies::positive_expr(vec!["a", "b"], 3),
            a in 1u64..50,
            b in 1u64..50,
        ) {
            let at = point(&[("a", (a as i64, 10)), ("b", (b as i64, 10))]);
            let prec = Precision::from_bits(256);
            if eval_float(&e, &at, prec).is_ok() {
                let v = eval_interval(&e, &at, prec);
                prop_assert!(v.is_ok(), "{e}: {v:?}");
                let v = v.unwrap_or_else(|_| make(0, 0));
                prop_assert!(v.is_positive() || v.lo.is_zero(), "{e}: [{}, {}]", v.lo, v.hi);
                let scale = v.hi.clone().abs().max(&Float::with_val(256, 1u32));
                let relative = Float::with_val(256, v.width() / scale);
                // Ill-conditioned trees legitimately lose bits (cos(cosh(cosh(6))) takes the
                // cosine of a 10^87-sized argument); for them, more precision must restore a
                // narrow enclosure, which is what "certify tightly" means.
                if relative >= Float::with_val(256, 1u32) >> 100u32 {
                    let wide = eval_interval(&e, &at, Precision::from_bits(1024));
                    prop_assert!(wide.is_ok(), "{e}: {wide:?}");
                    let wide = wide.unwrap_or_else(|_| make(0, 0));
                    let scale = wide.hi.clone().abs().max(&Float::with_val(1024, 1u32));
                    let relative = Float::with_val(1024, wide.width() / scale);
                    prop_assert!(relative < Float::with_val(1024, 1u32) >> 100u32, "{e}: [{}, {}]", wide.lo, wide.hi);
                }
            }
        }
    }
}
