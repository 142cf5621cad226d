//! Mid-radius ("ball") evaluation: one MPFR evaluation giving both the round-to-nearest value
//! and a rigorous enclosure.
//!
//! A [`Ball`] is a midpoint at the working precision and a radius, an upper bound of the
//! distance to the true value, kept at [`RADIUS_BITS`] with every radius operation rounded up.
//! The midpoint of every node is computed by exactly the MPFR calls of
//! [`eval_float`](super::eval_float) (the same functions of `float.rs`, rounded to nearest at
//! the same precision), so the midpoint of the whole formula *is* `eval_float`'s value, bit for
//! bit; the radius adds, per node, the propagated radii of the operands (a bound of the
//! derivative over the ball times the radius) and the node's own rounding error (half an ulp
//! for a correctly rounded MPFR operation, the bound of its rounding chain for a root power).
//!
//! Why: an interval needs two full-precision evaluations (a lower and an upper bound), and a
//! check also needs the value rounded to nearest to count agreeing digits — three evaluations
//! per point. A ball gives both from one, with the radius arithmetic at 64 bits costing little
//! beside a product at thousands of digits. This is how Arb evaluates.
//!
//! The ball evaluator is a fast path, not a second set of domain rules: whenever a ball cannot
//! settle a node (a divisor or a `log`/`sqrt`/power base whose ball reaches zero, a tangent near
//! a pole, a radius that overflows, or any domain error of the float path on the midpoints) it
//! returns an error, and its caller (the magnitude pass of `resolve`) then evaluates with
//! intervals, whose errors and domain decisions are the reference ones. So a ball never decides
//! by itself that a formula is undefined or not certified.

use super::exact::Root;
use super::float::{
    apply_rounded, integer_power_rounded, positive_root_power, real_power_rounded, root_power_work_bits,
};
use super::interval::{down, up};
use super::walk::Arithmetic;
use super::{Assignment, EvalError, Interval, Precision, finite};
use crate::expr::{Expr, Func};
use rug::float::{Constant, Round};
use rug::ops::Pow;
use rug::{Float, Integer, Rational};
use std::cmp::Ordering;

/// Precision of radii: they bound errors, and an error bound needs no more than a few correct
/// bits (Arb keeps 30); 64 keeps them tight after long chains of rounding up.
pub const RADIUS_BITS: u32 = 64;

/// A midpoint and a radius: the true value lies in `[mid − rad, mid + rad]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ball {
    /// The value rounded to nearest at the working precision (what `eval_float` gives).
    pub mid: Float,
    /// An upper bound of `|true value − mid|`, at [`RADIUS_BITS`], never negative.
    pub rad: Float,
}

impl Ball {
    /// The enclosure `[mid − rad, mid + rad]`, rounded outward to `bits`.
    pub fn to_interval(&self, bits: u32) -> Interval {
        if self.rad.is_zero() {
            return Interval {
                lo: Float::with_val(bits, &self.mid),
                hi: Float::with_val(bits, &self.mid),
            };
        }
        Interval {
            lo: down(bits, &self.mid - &self.rad),
            hi: up(bits, &self.mid + &self.rad),
        }
    }
}

fn zero_radius() -> Float {
    Float::new(RADIUS_BITS)
}

/// An upper bound of `|x|` at [`RADIUS_BITS`].
fn mag(x: &Float) -> Float {
    up(RADIUS_BITS, x.abs_ref())
}

/// A lower bound of `|x| − r` at [`RADIUS_BITS`] (negative when the ball reaches zero).
fn mig(x: &Float, r: &Float) -> Float {
    let abs = down(RADIUS_BITS, x.abs_ref());
    down(RADIUS_BITS, &abs - r)
}

fn sum_up(a: &Float, b: &Float) -> Float {
    up(RADIUS_BITS, a + b)
}

fn mul_up(a: &Float, b: &Float) -> Float {
    up(RADIUS_BITS, a * b)
}

fn div_up(a: &Float, b: &Float) -> Float {
    up(RADIUS_BITS, a / b)
}

fn uncertain(what: &str) -> EvalError {
    EvalError::not_certified(what)
}

/// Half an ulp of `value` at `bits` — the error of one rounding to nearest — or zero when MPFR
/// reported the result exact (`ternary` equal).
///
/// A result that underflowed to zero (`exp(−10^30)`) is within the smallest positive float of
/// the true value: MPFR rounds to zero only what lies below half of it. (A result rounded up to
/// the smallest positive float has no half-ulp bound; `half_ulp` then refuses.)
fn rounding_error(value: &Float, ternary: Ordering, bits: u32) -> Result<Float, EvalError> {
    if ternary == Ordering::Equal {
        return Ok(zero_radius());
    }
    if value.is_zero() {
        let smallest = Float::with_val(RADIUS_BITS, 1) << (rug::float::exp_min() - 1);
        if smallest.is_zero() {
            return Err(uncertain("a rounding error below the exponent range"));
        }
        return Ok(smallest);
    }
    half_ulp(value, bits)
}

/// `2^(e − bits − 1)` for `value = m·2^e`, `1/2 ≤ |m| < 1`: half an ulp at `bits`.
fn half_ulp(value: &Float, bits: u32) -> Result<Float, EvalError> {
    let Some(e) = value.get_exp() else {
        // A rounded result that is zero (an underflow) or not finite has no ulp to speak of.
        return Err(uncertain("a rounding error below the exponent range"));
    };
    let shift = i64::from(e) - i64::from(bits) - 1;
    let shift = i32::try_from(shift).map_err(|_| uncertain("a rounding error below the exponent range"))?;
    let h = Float::with_val(RADIUS_BITS, 1) << shift;
    if h.is_zero() || !h.is_finite() {
        return Err(uncertain("a rounding error below the exponent range"));
    }
    Ok(h)
}

/// An upper bound of `x^(p/q)` for `x > 0` given at [`RADIUS_BITS`]: the root-and-powering
/// chain rounded up at every step (a general `pow` at 64 bits goes through a logarithm and an
/// exponential, and cost more than the whole evaluation at a thousand digits).
fn root_power_up(x: &Float, root: &Root) -> Float {
    positive_root_power(x, root, RADIUS_BITS, Round::Up)
}

/// The value of `e` at `at` as a ball at `bits`: the midpoint is [`eval_float`](super::eval_float)'s
/// value at that precision, bit for bit, and the true value lies within the radius.
///
/// # Errors
///
/// The float path's domain errors on the midpoints, and [`EvalError::NotCertified`] wherever a
/// ball cannot settle a node (see the module documentation): then ask
/// [`eval_interval`](super::eval_interval).
pub fn eval_ball(e: &Expr, at: &Assignment, prec: Precision) -> Result<Ball, EvalError> {
    super::walk::walk(
        &Midrad {
            at,
            bits: prec.bits(),
        },
        e,
    )
}

/// The ball arithmetic at a fixed working precision: the number type of the fast magnitude pass.
pub(super) struct Midrad<'a> {
    pub(super) at: &'a Assignment,
    pub(super) bits: u32,
}

impl Midrad<'_> {
    fn exact_or_rounded(
        &self,
        (mid, ternary): (Float, Ordering),
        propagated: Float,
    ) -> Result<Ball, EvalError> {
        let err = rounding_error(&mid, ternary, self.bits)?;
        Ok(Ball {
            rad: sum_up(&propagated, &err),
            mid,
        })
    }

    fn converted(&self, q: &Rational) -> Ball {
        let (mid, ternary) = Float::with_val_round(self.bits, q, Round::Nearest);
        // A conversion of a finite rational cannot fail short of an exponent-range overflow,
        // which `finish` reports; half an ulp then covers any inexact conversion.
        let rad = rounding_error(&mid, ternary, self.bits)
            .unwrap_or_else(|_| Float::with_val(RADIUS_BITS, rug::float::Special::Infinity));
        Ball { mid, rad }
    }

    /// `x^(p/q)` for a ball strictly inside `(0, ∞)`.
    fn positive_root_power_ball(&self, x: &Ball, root: &Root) -> Result<Ball, EvalError> {
        let lo = mig(&x.mid, &x.rad);
        if x.mid.cmp0() != Some(Ordering::Greater) || lo.cmp0() != Some(Ordering::Greater) {
            return Err(uncertain("base ball of a root power reaches zero"));
        }
        let mid = finite(positive_root_power(&x.mid, root, self.bits, Round::Nearest))?;
        let err = root_power_error(&mid, root, self.bits)?;
        let propagated = if x.rad.is_zero() {
            zero_radius()
        } else {
            // |x^a − m^a| ≤ r·|a|·max over the ball of x^(a−1), at an end of the ball; a − 1 is
            // (p − q)/q, again a non-integer in lowest terms.
            let a = Rational::from((root.p.clone(), root.q));
            let below_one = Root {
                p: Integer::from(&root.p - root.q),
                q: root.q,
            };
            let end = if below_one.p.cmp0() == Ordering::Less {
                lo
            } else {
                up(RADIUS_BITS, &x.mid + &x.rad)
            };
            let slope = mul_up(
                &up(RADIUS_BITS, &Rational::from(a.abs_ref())),
                &root_power_up(&end, &below_one),
            );
            mul_up(&slope, &x.rad)
        };
        Ok(Ball {
            rad: sum_up(&propagated, &err),
            mid,
        })
    }
}

/// The error of [`positive_root_power`] rounded to nearest at `bits`, whose result is `value`.
///
/// Correctly rounded cases (`p = 1`, `p/q = −1/2`): half an ulp. Otherwise the chain rounds to
/// nearest at `w` = [`root_power_work_bits`] bits, each step with relative error at most `2^−w`:
/// the root once, then at most `2·bitlen(p) − 1` squarings and products, every rounded value
/// entering the `|p|`-th power at most `|p|` times. So the power carries a relative error
/// `ε ≤ (1 + 2^−w)^K − 1 ≤ t(1 + 2t)` with `K = |p|·(2·bitlen(p) − 1)`, `t = K·2^−w ≤ 1/2`
/// (`e^t − 1 ≤ t·e^t`); its reciprocal (for `p < 0`) `ε/(1 − ε)`. The final rounding adds half
/// an ulp, and `|exact| ≤ 2|value|` absorbs the difference between the exact and rounded values.
fn root_power_error(value: &Float, root: &Root, bits: u32) -> Result<Float, EvalError> {
    let half = half_ulp(value, bits)?;
    let correctly_rounded = root.p == 1 || (root.p == -1 && root.q == 2);
    if correctly_rounded {
        return Ok(half);
    }
    let work = root_power_work_bits(root, bits);
    let magnitude = root.p.significant_bits();
    let steps = Integer::from(magnitude) * 2u32 - 1u32;
    let k = Integer::from(root.p.abs_ref()) * steps;
    let shift = i32::try_from(work).map_err(|_| uncertain("root power precision out of range"))?;
    let t = up(RADIUS_BITS, &k) >> shift;
    if t > 0.5 || t.is_zero() {
        return Err(uncertain("root power rounding bound out of range"));
    }
    let two_t = up(RADIUS_BITS, &t * 2u32);
    let mut eps = mul_up(&t, &up(RADIUS_BITS, &two_t + 1u32));
    if root.p.cmp0() == Ordering::Less {
        let one_minus = down(RADIUS_BITS, 1u32 - &eps);
        eps = div_up(&eps, &one_minus);
    }
    let relative = mul_up(&mul_up(&mag(value), &eps), &Float::with_val(RADIUS_BITS, 2));
    Ok(sum_up(&half, &relative))
}

impl Arithmetic for Midrad<'_> {
    type Num = Ball;

    fn at(&self) -> &Assignment {
        self.at
    }

    fn rational(&self, q: &Rational) -> Ball {
        self.converted(q)
    }

    fn pi(&self) -> Ball {
        let (mid, _) = Float::with_val_round(self.bits, Constant::Pi, Round::Nearest);
        // π is irrational: the correctly rounded value is never exact.
        let rad = half_ulp(&mid, self.bits)
            .unwrap_or_else(|_| Float::with_val(RADIUS_BITS, rug::float::Special::Infinity));
        Ball { mid, rad }
    }

    fn variable(&self, _name: &str, value: &Rational) -> Ball {
        self.converted(value)
    }

    fn neg(&self, x: Ball) -> Ball {
        Ball {
            mid: -x.mid,
            rad: x.rad,
        }
    }

    fn add(&self, x: &Ball, y: &Ball) -> Result<Ball, EvalError> {
        let rounded = Float::with_val_round(self.bits, &x.mid + &y.mid, Round::Nearest);
        self.exact_or_rounded(rounded, sum_up(&x.rad, &y.rad))
    }

    fn sub(&self, x: &Ball, y: &Ball) -> Result<Ball, EvalError> {
        let rounded = Float::with_val_round(self.bits, &x.mid - &y.mid, Round::Nearest);
        self.exact_or_rounded(rounded, sum_up(&x.rad, &y.rad))
    }

    fn mul(&self, x: &Ball, y: &Ball) -> Result<Ball, EvalError> {
        let rounded = Float::with_val_round(self.bits, &x.mid * &y.mid, Round::Nearest);
        // |xy − mx·my| ≤ |mx|·ry + |my|·rx + rx·ry.
        let propagated = if x.rad.is_zero() && y.rad.is_zero() {
            zero_radius()
        } else {
            let cross = sum_up(&mul_up(&mag(&x.mid), &y.rad), &mul_up(&mag(&y.mid), &x.rad));
            sum_up(&cross, &mul_up(&x.rad, &y.rad))
        };
        self.exact_or_rounded(rounded, propagated)
    }

    fn div(&self, x: &Ball, y: &Ball) -> Result<Ball, EvalError> {
        let below = mig(&y.mid, &y.rad);
        if y.mid.is_zero() || below.cmp0() != Some(Ordering::Greater) {
            return Err(uncertain("divisor ball contains zero"));
        }
        let (mid, ternary) = Float::with_val_round(self.bits, &x.mid / &y.mid, Round::Nearest);
        let err = rounding_error(&mid, ternary, self.bits)?;
        // |x/y − mx/my| ≤ (rx + |mx/my|·ry) / (|my| − ry), and |mx/my| ≤ |mid| + err.
        let propagated = if x.rad.is_zero() && y.rad.is_zero() {
            zero_radius()
        } else {
            let quotient = sum_up(&mag(&mid), &err);
            div_up(&sum_up(&x.rad, &mul_up(&quotient, &y.rad)), &below)
        };
        Ok(Ball {
            rad: sum_up(&propagated, &err),
            mid,
        })
    }

    fn integer_power(&self, x: &Ball, n: &Integer, _exponent: &Expr) -> Result<Ball, EvalError> {
        if n.cmp0() == Ordering::Equal {
            return Ok(Ball {
                mid: Float::with_val(self.bits, 1),
                rad: zero_radius(),
            });
        }
        let negative = n.cmp0() == Ordering::Less;
        let below = mig(&x.mid, &x.rad);
        if negative && below.cmp0() != Some(Ordering::Greater) {
            return Err(uncertain("base ball of a negative power contains zero"));
        }
        let rounded = integer_power_rounded(&x.mid, n, self.bits)?;
        // |x^n − m^n| ≤ r·|n|·max over the ball of |x|^(n−1): at the largest |x| for n ≥ 1, at
        // the smallest for n < 0.
        let propagated = if x.rad.is_zero() || *n == 1 {
            x.rad.clone()
        } else {
            let end = if negative {
                below
            } else {
                sum_up(&mag(&x.mid), &x.rad)
            };
            let n_minus_one = Integer::from(n - 1u32);
            let power = up(RADIUS_BITS, (&end).pow(&n_minus_one));
            mul_up(
                &mul_up(&up(RADIUS_BITS, &Integer::from(n.abs_ref())), &power),
                &x.rad,
            )
        };
        self.exact_or_rounded(rounded, propagated)
    }

    fn real_power(&self, _base: &Expr, x: &Ball, y: &Ball) -> Result<Ball, EvalError> {
        let x_lo = mig(&x.mid, &x.rad);
        if x.mid.cmp0() != Some(Ordering::Greater) || x_lo.cmp0() != Some(Ordering::Greater) {
            return Err(uncertain("base ball of a real power reaches zero"));
        }
        let rounded = real_power_rounded(&x.mid, &y.mid, self.bits)?;
        let propagated = if x.rad.is_zero() && y.rad.is_zero() {
            zero_radius()
        } else {
            // Mean value theorem on the box: |∂/∂x x^y| = |y|·x^y/x, |∂/∂y x^y| = x^y·|ln x|,
            // with x^y largest at a corner (monotone in each variable).
            // Only the corners that can be the largest are computed (x^y increases in x for
            // y ≥ 0, decreases for y ≤ 0; increases in y for x ≥ 1, decreases for x ≤ 1).
            let x_hi = up(RADIUS_BITS, &x.mid + &x.rad);
            let y_lo = down(RADIUS_BITS, &y.mid - &y.rad);
            let y_hi = up(RADIUS_BITS, &y.mid + &y.rad);
            let x_ends: &[&Float] = if y_lo.cmp0() != Some(Ordering::Less) {
                &[&x_hi]
            } else if y_hi.cmp0() != Some(Ordering::Greater) {
                &[&x_lo]
            } else {
                &[&x_lo, &x_hi]
            };
            let f_max = x_ends
                .iter()
                .flat_map(|b| {
                    let y_ends: &[&Float] = if **b >= 1 { &[&y_hi] } else { &[&y_lo] };
                    y_ends
                        .iter()
                        .map(|e| up(RADIUS_BITS, b.pow(*e)))
                        .collect::<Vec<_>>()
                })
                .fold(zero_radius(), |m, v| if v > m { v } else { m });
            let y_max = sum_up(&mag(&y.mid), &y.rad);
            // |ln| is largest at an end: ln rounded up above 1, −(ln rounded down) below.
            let ln_abs = |v: &Float| {
                if *v >= 1 {
                    up(RADIUS_BITS, v.ln_ref())
                } else {
                    -down(RADIUS_BITS, v.ln_ref())
                }
            };
            let (ln_lo, ln_hi) = (ln_abs(&x_lo), ln_abs(&x_hi));
            let ln_abs_max = if ln_hi > ln_lo { ln_hi } else { ln_lo };
            let via_base = div_up(&mul_up(&y_max, &x.rad), &x_lo);
            let via_exponent = mul_up(&ln_abs_max, &y.rad);
            mul_up(&f_max, &sum_up(&via_base, &via_exponent))
        };
        self.exact_or_rounded(rounded, propagated)
    }

    fn root_power(&self, _base: &Expr, x: &Ball, _y: &Ball, root: &Root) -> Result<Ball, EvalError> {
        self.positive_root_power_ball(x, root)
    }

    fn call(&self, f: Func, x: &Ball) -> Result<Ball, EvalError> {
        // The domain checks of the float path on the midpoint come first (`apply_rounded`); the
        // ball must then lie inside the domain too, or the interval path decides.
        let below = mig(&x.mid, &x.rad);
        let reaches_zero = below.cmp0() != Some(Ordering::Greater);
        match f {
            Func::Log if reaches_zero => return Err(uncertain("log argument ball reaches zero")),
            Func::Sqrt if reaches_zero && !(x.mid.is_zero() && x.rad.is_zero()) => {
                return Err(uncertain("sqrt argument ball reaches zero"));
            }
            _ => {}
        }
        let rounded = apply_rounded(f, &x.mid, self.bits)?;
        if x.rad.is_zero() {
            return self.exact_or_rounded(rounded, zero_radius());
        }
        let r = &x.rad;
        let top = sum_up(&mag(&x.mid), r);
        let propagated = match f {
            // |e^x − e^m| ≤ e^m·(e^r − 1), and e^m ≤ |mid| + its rounding error.
            Func::Exp => {
                let err = rounding_error(&rounded.0, rounded.1, self.bits)?;
                let exp_m = sum_up(&mag(&rounded.0), &err);
                mul_up(&exp_m, &up(RADIUS_BITS, r.exp_m1_ref()))
            }
            // |ln x − ln m| ≤ r / (m − r).
            Func::Log => div_up(r, &below),
            // |√x − √m| = |x − m|/(√x + √m) ≤ r/√(m − r).
            Func::Sqrt => div_up(r, &down(RADIUS_BITS, below.sqrt_ref())),
            // Lipschitz 1 (and the value is in [−1, 1] either way).
            Func::Sin | Func::Cos | Func::Tanh | Func::Abs => r.clone(),
            // |tan'| = 1/cos² ≥ … on the ball: |cos| ≥ |cos m| − r, |cos m| known to an ulp.
            Func::Tan => {
                let c = Float::with_val(RADIUS_BITS, x.mid.cos_ref());
                let c_low = down(
                    RADIUS_BITS,
                    &down(RADIUS_BITS, c.abs_ref()) - &half_ulp(&c, RADIUS_BITS - 1)?,
                );
                let cos_low = down(RADIUS_BITS, &c_low - r);
                if cos_low.cmp0() != Some(Ordering::Greater) {
                    return Err(uncertain("tan argument ball reaches a pole"));
                }
                div_up(r, &down(RADIUS_BITS, cos_low.square_ref()))
            }
            // |sinh'| = cosh ≤ cosh(|m| + r); |cosh'| = |sinh| ≤ sinh(|m| + r).
            Func::Sinh => mul_up(r, &up(RADIUS_BITS, top.cosh_ref())),
            Func::Cosh => mul_up(r, &up(RADIUS_BITS, top.sinh_ref())),
        };
        let propagated = match f {
            // A sine or cosine moves by at most 2 however wide the ball.
            Func::Sin | Func::Cos => {
                let two = Float::with_val(RADIUS_BITS, 2);
                if propagated > two { two } else { propagated }
            }
            _ => propagated,
        };
        self.exact_or_rounded(rounded, propagated)
    }

    fn finish(&self, x: Ball) -> Result<Ball, EvalError> {
        let mid = finite(x.mid)?;
        if !x.rad.is_finite() {
            return Err(uncertain("ball radius overflow"));
        }
        Ok(Ball { mid, rad: x.rad })
    }
}

#[cfg(test)]
mod tests;
