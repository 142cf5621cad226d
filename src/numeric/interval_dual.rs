//! Outward-rounded forward-mode differentiation: certified enclosures of a value and of one
//! directional derivative.
//!
//! [`eval_dual`](super::eval_dual) gives a derivative accurate to a few ulps, which is enough to
//! *suspect* that a derivative identity (an Euler operator, a Callan–Symanzik-type relation) fails
//! at a point, but not to *certify* it. This module redoes the same forward pass with the interval
//! arithmetic of [`eval_interval`](super::eval_interval): every value and every derivative is an
//! [`Interval`] that provably contains the true real number, so "the derivative enclosure excludes
//! the predicted value" is a proof that the identity fails there.

use super::dual::why;
use super::exact::Root;
use super::interval::{Enclose, checked, divide};
use super::walk::{Arithmetic, active_seeds, varies, walk};
use super::{Assignment, EvalError, Interval, Precision};
use crate::expr::{Expr, Func};
use rug::{Float, Integer, Rational};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Certified enclosures of a value and of a directional derivative.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalDual {
    /// An enclosure of the value; endpoint-for-endpoint what
    /// [`eval_interval`](super::eval_interval) returns at the same precision.
    pub value: Interval,
    /// An enclosure of the directional derivative `Σ_v seed_v · ∂e/∂v` at the point.
    pub deriv: Interval,
}

/// Enclosures of the value of `e` at `at` and of its directional derivative `Σ_v seeds[v]·∂e/∂v`.
///
/// The differentiability rules are exactly those of [`eval_dual`](super::eval_dual), and the
/// enclosure rules (and their [`EvalError::NotCertified`] refusals) those of
/// [`eval_interval`](super::eval_interval):
///
/// * a subtree that mentions no variable with a non-zero seed is constant along the direction:
///   its derivative is exactly `[0, 0]` and no differentiability condition is imposed on it
///   (the decision is syntactic, as in `eval_dual`);
/// * a subtree that does vary is differentiated node by node with interval arithmetic:
///   sum, product and quotient rules (`(x/y)' = (x' − (x/y)·y')/y`), `exp' = exp`,
///   `log' = 1/x`, `sqrt' = 1/(2 sqrt x)`, `sin' = cos`, `cos' = −sin`, `tan' = 1 + tan²`,
///   `tanh' = 1 − tanh²`, `cosh' = sinh`, `sinh' = cosh`, `abs' = sign x`;
/// * `x^n` with `n` an exact integer (the exponent-subtree rule of [`crate::numeric`]) has
///   derivative `n·x^(n−1)·x'`, plus `x^n·ln x·n'` if the exponent subtree varies, which needs a
///   base certified positive; any other `x^y` has derivative `x^y·(y'·ln x + y·x'/x)` for a base
///   certified positive, and the constant-base case `0^y` (derivative `0`) needs the base to be
///   exactly `[0, 0]`.
///
/// A term whose derivative factor is exactly `[0, 0]` is dropped before multiplying (it is truly
/// zero), but a condition is never waived because a derivative *enclosure* happens to be zero:
/// a zero derivative at one point does not make a subtree constant nearby. For example
/// `((x − 1)^2)^(1/2) = |x − 1|` has base derivative exactly `0` at `x = 1` and is still not
/// differentiable there, which is why a varying zero base is refused rather than given slope `0`.
///
/// # Errors
///
/// [`EvalError::Undefined`] when the expression or its derivative certainly does not exist
/// (`abs`/`sqrt` at an argument that is exactly `0`, a varying base that is exactly `0` under a
/// non-integer power, a varying exponent over a base certainly `≤ 0`, and every case
/// `eval_interval` reports undefined); [`EvalError::NotCertified`] when an enclosure is too wide
/// to decide such a condition (an `abs` argument enclosure containing `0`, a `sqrt` argument not
/// certified positive, …); [`EvalError::Unbound`]; [`EvalError::Overflow`].
pub fn eval_interval_dual(
    e: &Expr,
    at: &Assignment,
    seeds: &BTreeMap<String, Rational>,
    prec: Precision,
) -> Result<IntervalDual, EvalError> {
    let active = active_seeds(seeds);
    walk(
        &IntervalForward {
            enclose: Enclose {
                at,
                bits: prec.bits(),
            },
            seeds,
            active,
        },
        e,
    )
}

/// Outward-rounded dual numbers along one direction: the number type of [`eval_interval_dual`].
struct IntervalForward<'a> {
    enclose: Enclose<'a>,
    seeds: &'a BTreeMap<String, Rational>,
    /// Variables with a non-zero seed.
    active: BTreeSet<&'a str>,
}

impl Arithmetic for IntervalForward<'_> {
    type Num = IntervalDual;

    fn at(&self) -> &Assignment {
        self.enclose.at
    }

    fn shortcut(&self, e: &Expr) -> Option<Result<IntervalDual, EvalError>> {
        // A subtree without seeded variables is constant along the direction.
        (!self.varies(e)).then(|| walk(&self.enclose, e).map(|v| self.constant(v)))
    }

    // Leaves other than seeded variables never vary, so the shortcut returns them before these
    // two are reached; they agree with eval_interval all the same.
    fn rational(&self, q: &Rational) -> IntervalDual {
        self.constant(self.point(q))
    }

    fn pi(&self) -> IntervalDual {
        self.constant(self.enclose.pi())
    }

    fn variable(&self, name: &str, value: &Rational) -> IntervalDual {
        IntervalDual {
            value: self.point(value),
            deriv: self
                .seeds
                .get(name)
                .map_or_else(|| self.zero(), |s| self.point(s)),
        }
    }

    fn neg(&self, x: IntervalDual) -> IntervalDual {
        IntervalDual {
            value: x.value.neg(),
            deriv: x.deriv.neg(),
        }
    }

    fn add(&self, x: &IntervalDual, y: &IntervalDual) -> Result<IntervalDual, EvalError> {
        Ok(IntervalDual {
            value: x.value.add(&y.value),
            deriv: x.deriv.add(&y.deriv),
        })
    }

    fn sub(&self, x: &IntervalDual, y: &IntervalDual) -> Result<IntervalDual, EvalError> {
        Ok(IntervalDual {
            value: x.value.sub(&y.value),
            deriv: x.deriv.sub(&y.deriv),
        })
    }

    fn mul(&self, x: &IntervalDual, y: &IntervalDual) -> Result<IntervalDual, EvalError> {
        Ok(IntervalDual {
            value: x.value.mul(&y.value),
            deriv: x.deriv.mul(&y.value).add(&x.value.mul(&y.deriv)),
        })
    }

    fn div(&self, x: &IntervalDual, y: &IntervalDual) -> Result<IntervalDual, EvalError> {
        let value = divide(&x.value, &y.value)?;
        // (x/y)' = (x' − (x/y)·y') / y, as in eval_dual; every factor is an enclosure of the
        // corresponding true quantity, so the result encloses the true derivative.
        let numerator = x.deriv.sub(&value.mul(&y.deriv));
        Ok(IntervalDual {
            deriv: divide(&numerator, &y.value)?,
            value,
        })
    }

    fn integer_power(
        &self,
        x: &IntervalDual,
        n: &Integer,
        exponent: &Expr,
    ) -> Result<IntervalDual, EvalError> {
        let value = self.enclose.integer_power(&x.value, n)?;
        // n·x^(n−1)·x'; for n = 0 the power is the constant 1 even at x = 0.
        let mut deriv = if x.deriv.is_exact_zero() || n.cmp0() == Ordering::Equal {
            self.zero()
        } else {
            let lowered = self.enclose.integer_power(&x.value, &Integer::from(n - 1u32))?;
            let slope = self.point(&Rational::from(n)).mul(&lowered);
            slope.mul(&x.deriv)
        };
        if self.varies(exponent) {
            // Non-integer exponents arbitrarily close to n make x^y undefined for x ≤ 0.
            self.require_positive_base(&x.value, why::VARYING_EXPONENT)?;
            let y = walk(self, exponent)?;
            deriv = deriv.add(&self.log_term(&value, &x.value, &y.deriv)?);
        }
        Ok(IntervalDual { value, deriv })
    }

    fn real_power(&self, base: &Expr, x: &IntervalDual, y: &IntervalDual) -> Result<IntervalDual, EvalError> {
        let value = self.enclose.real_power(&x.value, &y.value)?;
        self.power_rule(base, x, y, value)
    }

    fn root_power(
        &self,
        base: &Expr,
        x: &IntervalDual,
        y: &IntervalDual,
        root: &Root,
    ) -> Result<IntervalDual, EvalError> {
        let value = self.enclose.root_power(&x.value, &y.value, root)?;
        self.power_rule(base, x, y, value)
    }

    fn call(&self, f: Func, x: &IntervalDual) -> Result<IntervalDual, EvalError> {
        self.chain(f, x)
    }

    fn finish(&self, x: IntervalDual) -> Result<IntervalDual, EvalError> {
        Ok(IntervalDual {
            value: checked(x.value)?,
            deriv: checked(x.deriv)?,
        })
    }
}

impl IntervalForward<'_> {
    fn bits(&self) -> u32 {
        self.enclose.bits
    }

    fn zero(&self) -> Interval {
        Interval {
            lo: Float::new(self.bits()),
            hi: Float::new(self.bits()),
        }
    }

    fn constant(&self, value: Interval) -> IntervalDual {
        IntervalDual {
            value,
            deriv: self.zero(),
        }
    }

    fn point(&self, q: &Rational) -> Interval {
        Interval::point(q, Precision::from_bits(self.bits()))
    }

    /// Whether `e` mentions a seeded variable (the same syntactic test as `eval_dual`).
    fn varies(&self, e: &Expr) -> bool {
        varies(e, &self.active)
    }

    /// Refuses a base enclosure not certainly positive: `Undefined` if it is certainly `≤ 0`,
    /// `NotCertified` otherwise.
    fn require_positive_base(&self, x: &Interval, why: &str) -> Result<(), EvalError> {
        if x.is_positive() {
            Ok(())
        } else if x.hi.cmp0() != Some(Ordering::Greater) {
            Err(EvalError::undefined(why))
        } else {
            Err(EvalError::not_certified(
                "base interval of a power with a varying exponent is not certified positive",
            ))
        }
    }

    /// `value·ln(x)·y'` (exactly zero when `y'` is exactly zero), for `x` certified positive.
    fn log_term(&self, value: &Interval, x: &Interval, y_deriv: &Interval) -> Result<Interval, EvalError> {
        if y_deriv.is_exact_zero() {
            return Ok(self.zero());
        }
        let ln = self.enclose.call(Func::Log, x)?;
        Ok(value.mul(&ln.mul(y_deriv)))
    }

    /// `f(x)` and the chain rule `f'(x)·x'`.
    fn chain(&self, f: Func, x: &IntervalDual) -> Result<IntervalDual, EvalError> {
        let value = self.enclose.call(f, &x.value)?;
        let one = self.point(&Rational::from(1));
        let slope = match f {
            Func::Exp => value.clone(),
            Func::Log => divide(&one, &x.value)?,
            Func::Sqrt => {
                if x.value.is_exact_zero() {
                    return Err(EvalError::undefined(why::SQRT));
                }
                if !x.value.is_positive() {
                    return Err(EvalError::not_certified(
                        "sqrt argument interval reaches zero, where sqrt is not differentiable",
                    ));
                }
                let twice = value.add(&value);
                divide(&one, &twice)?
            }
            Func::Sin => self.enclose.call(Func::Cos, &x.value)?,
            Func::Cos => self.enclose.call(Func::Sin, &x.value)?.neg(),
            Func::Tan => one.add(&self.square(&value)?),
            Func::Tanh => one.sub(&self.square(&value)?),
            Func::Cosh => self.enclose.call(Func::Sinh, &x.value)?,
            Func::Sinh => self.enclose.call(Func::Cosh, &x.value)?,
            Func::Abs => {
                if x.value.is_positive() {
                    one
                } else if x.value.is_negative() {
                    one.neg()
                } else if x.value.is_exact_zero() {
                    return Err(EvalError::undefined(why::ABS));
                } else {
                    return Err(EvalError::not_certified(
                        "abs argument interval contains zero, where abs is not differentiable",
                    ));
                }
            }
        };
        Ok(IntervalDual {
            deriv: slope.mul(&x.deriv),
            value,
        })
    }

    /// `v²` with the straddling-zero case handled (minimum `0`), via the integer-power rule.
    fn square(&self, v: &Interval) -> Result<Interval, EvalError> {
        self.enclose.integer_power(v, &Integer::from(2))
    }
}

impl IntervalForward<'_> {
    /// The derivative enclosure of `x^y` whose value enclosure `value` is already known: the
    /// shared tail of [`Arithmetic::real_power`] and [`Arithmetic::root_power`].
    fn power_rule(
        &self,
        base: &Expr,
        x: &IntervalDual,
        y: &IntervalDual,
        value: Interval,
    ) -> Result<IntervalDual, EvalError> {
        if !x.value.is_positive() {
            // The power succeeded, so the base enclosure is [0, b] with y certainly positive.
            // Only a base that is certainly the constant 0 keeps x^y ≡ 0 along the direction.
            if self.varies(base) {
                return Err(if x.value.is_exact_zero() {
                    EvalError::undefined(why::ZERO_BASE)
                } else {
                    EvalError::not_certified(
                        "base interval of a differentiated non-integer power reaches zero",
                    )
                });
            }
            if !x.value.is_exact_zero() {
                return Err(EvalError::not_certified(
                    "constant base of a varying power is not certified to be zero or positive",
                ));
            }
            return Ok(self.constant(value));
        }
        // (x^y)' = x^y·(y'·ln x + y·x'/x)
        let mut deriv = self.log_term(&value, &x.value, &y.deriv)?;
        if !x.deriv.is_exact_zero() {
            let ratio = divide(&x.deriv, &x.value)?;
            let factor = y.value.mul(&ratio);
            deriv = deriv.add(&value.mul(&factor));
        }
        Ok(IntervalDual { value, deriv })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::testing::{not_certified, point, reference, undefined};
    use crate::numeric::{Dual, eval_dual, eval_interval};
    use proptest::prelude::*;
    use std::ops::{Add, Div, Mul, Neg, Sub};

    fn p() -> Precision {
        Precision::from_bits(128)
    }

    fn idual(e: &Expr, at: &Assignment, seeds: &[(&str, (i64, u64))]) -> Result<IntervalDual, EvalError> {
        eval_interval_dual(e, at, &point(seeds), p())
    }

    #[test]
    fn cube_derivative_certifies_refutation() {
        // d/dx x^3 = 12 at x = 2: the enclosure contains 12 and certainly excludes 11.
        let e = Expr::var("x").pow(Expr::int(3));
        let d = idual(&e, &point(&[("x", (2, 1))]), &[("x", (1, 1))]).expect("defined");
        assert!(d.deriv.contains_rational(&Rational::from(12)));
        assert!(!d.deriv.contains_rational(&Rational::from(11)));
        assert!(d.value.contains_rational(&Rational::from(8)));
        // Negative base with an integer exponent: (−2)^3 has derivative 12 as well.
        let d = idual(&e, &point(&[("x", (-2, 1))]), &[("x", (1, 1))]).expect("defined");
        assert!(d.deriv.contains_rational(&Rational::from(12)));
        assert!(d.value.contains_rational(&Rational::from(-8)));
        // A seed scales the derivative; a missing seed means 0.
        let d = idual(&e, &point(&[("x", (2, 1))]), &[("x", (1, 3))]).expect("defined");
        assert!(d.deriv.contains_rational(&Rational::from(4)));
        let d = idual(&e, &point(&[("x", (2, 1))]), &[("y", (1, 1))]).expect("defined");
        assert!(d.deriv.lo.is_zero() && d.deriv.hi.is_zero());
    }

    #[test]
    fn elementary_derivatives_are_enclosed_tightly() {
        let x = Expr::var("x");
        let at = point(&[("x", (1, 1))]);
        let cos1 = "0.540302305868139717400936607442976603732310420617922227670097";
        let sin1 = "0.841470984807896506652502321630298999622563060798371065672751";
        let cosh1 = "1.543080634815243778477905620757061682601529112365863704737402";
        let sinh1 = "1.175201193643801456882381850595600815155717981334095870229565";
        let e1 = "2.718281828459045235360287471352662497757247093699959574966968";
        let inverse_square = |s: &str| Float::with_val(400, reference(s).square_ref()).recip();
        let cases = [
            (x.clone().call(Func::Sin), reference(cos1)),
            (x.clone().call(Func::Cos), -reference(sin1)),
            (x.clone().call(Func::Exp), reference(e1)),
            (x.clone().call(Func::Tan), inverse_square(cos1)),
            (x.clone().call(Func::Tanh), inverse_square(cosh1)),
            (x.clone().call(Func::Cosh), reference(sinh1)),
            (x.clone().call(Func::Sinh), reference(cosh1)),
            (x.clone().call(Func::Log), reference("1")),
            (x.clone().call(Func::Sqrt), reference("0.5")),
            (x.clone().call(Func::Abs), reference("1")),
            // d/dx |−x| = sign(x) = 1: the slope −1 of abs at −1 times the inner derivative −1.
            (x.clone().neg().call(Func::Abs), reference("1")),
            // d/dx x^x = x^x (ln x + 1) = 1 at x = 1.
            (x.clone().pow(x.clone()), reference("1")),
            // d/dx 2^x = 2 ln 2 at x = 1: integer exponent value, varying exponent.
            (
                Expr::int(2).pow(x.clone()),
                reference("1.386294361119890618834464242916353136151000268720510508241360"),
            ),
            // d/dx x^(1/2) = 1/2 at x = 1 through the real-power rule.
            (x.clone().pow(Expr::int(1).div(Expr::int(2))), reference("0.5")),
            // d/dx (1/x) = −1, quotient rule.
            (Expr::int(1).div(x.clone()), reference("-1")),
        ];
        for (e, expected) in cases {
            let d = idual(&e, &at, &[("x", (1, 1))]).expect("defined");
            assert!(
                d.deriv.contains(&expected),
                "{e}: {expected} not in [{}, {}]",
                d.deriv.lo,
                d.deriv.hi
            );
            let scale = expected.clone().abs().max(&Float::with_val(128, 1u32));
            let relative = Float::with_val(128, d.deriv.width() / scale);
            assert!(
                relative < Float::with_val(128, 1u32) >> 110u32,
                "{e}: width {}",
                d.deriv.width()
            );
        }
    }

    #[test]
    fn euler_operator_of_a_power_law_is_certified() {
        // F = lam^(3/2)·t^(−1/2): lam ∂F/∂lam = (3/2)F is enclosed, and the false claim
        // lam ∂F/∂lam = F is certainly refuted.
        let f = Expr::var("lam")
            .pow(Expr::int(3).div(Expr::int(2)))
            .mul(Expr::var("t").pow(Expr::int(1).div(Expr::int(2)).neg()));
        let at = point(&[("lam", (5, 2)), ("t", (13, 10))]);
        let d = idual(&f, &at, &[("lam", (5, 2))]).expect("defined");
        let high =
            eval_dual(&f, &at, &point(&[("lam", (5, 2))]), Precision::from_bits(512)).expect("defined");
        assert!(d.deriv.contains(&high.deriv) && d.value.contains(&high.value));
        let claimed = d.value.clone();
        let difference = d.deriv.sub(&claimed);
        assert!(difference.excludes_zero());
    }

    #[test]
    fn non_differentiable_points() {
        let x = Expr::var("x");
        let zero = point(&[("x", (0, 1))]);
        let seed = [("x", (1, 1))];
        assert!(undefined(idual(&x.clone().call(Func::Abs), &zero, &seed)));
        assert!(undefined(idual(&x.clone().call(Func::Sqrt), &zero, &seed)));
        let half = Expr::int(1).div(Expr::int(2));
        assert!(undefined(idual(&x.clone().pow(half.clone()), &zero, &seed)));
        assert!(undefined(idual(&x.clone().call(Func::Log), &zero, &seed)));
        assert!(undefined(idual(&Expr::int(1).div(x.clone()), &zero, &seed)));
        // An argument enclosure straddling zero cannot be decided: x·(pi − pi) is 0 but its
        // enclosure is a genuine interval around 0.
        let fuzzy = x.clone().mul(Expr::Pi.sub(Expr::Pi));
        let one = point(&[("x", (1, 1))]);
        assert!(not_certified(idual(&fuzzy.clone().call(Func::Abs), &one, &seed)));
        let nonnegative = x
            .clone()
            .sub(Expr::int(1))
            .add(Expr::Pi.sub(Expr::Pi).call(Func::Abs));
        assert!(not_certified(idual(&nonnegative.call(Func::Sqrt), &one, &seed)));
        // |x − 1| written as ((x − 1)^2)^(1/2): the base derivative is exactly 0 at x = 1, yet
        // the function is not differentiable there.
        let kink = x.clone().sub(Expr::int(1)).pow(Expr::int(2)).pow(half.clone());
        assert!(undefined(idual(&kink, &one, &seed)));
        // Varying exponent over a negative base, even at an integer exponent value…
        let e = x.clone().pow(Expr::var("n"));
        let at = point(&[("x", (-2, 1)), ("n", (2, 1))]);
        assert!(undefined(idual(&e, &at, &[("n", (1, 1))])));
        // …but the base alone may vary: d/dx x^2 = 2x = −4.
        let d = idual(&e, &at, &[("x", (1, 1))]).expect("defined");
        assert!(d.deriv.contains_rational(&Rational::from(-4)));
        // A constant subtree imposes no condition.
        let e = x.clone().call(Func::Sqrt).add(Expr::var("t"));
        let d = idual(
            &e,
            &point(&[("x", (0, 1)), ("t", (3, 1))]),
            &[("t", (1, 1)), ("x", (0, 1))],
        )
        .expect("defined");
        assert!(d.deriv.contains_rational(&Rational::from(1)));
        // 0^y with a constant zero base and a varying exponent stays 0.
        let e = Expr::int(0).pow(half.add(Expr::var("t")));
        let d = idual(&e, &point(&[("t", (1, 3))]), &[("t", (1, 1))]).expect("defined");
        assert!(d.value.is_exact_zero() && d.deriv.is_exact_zero());
        assert_eq!(
            idual(&x, &Assignment::new(), &seed),
            Err(EvalError::Unbound("x".into()))
        );
        // tan at a possible pole is refused as in eval_interval.
        let e = x.clone().mul(Expr::Pi).div(Expr::int(2)).call(Func::Tan);
        assert!(not_certified(idual(&e, &one, &seed)));
    }

    #[test]
    fn value_matches_eval_interval_on_a_mixed_tree() {
        let e = Expr::var("a")
            .call(Func::Log)
            .mul(Expr::var("b").call(Func::Sin))
            .div(Expr::var("a").add(Expr::var("b").call(Func::Cosh)))
            .pow(Expr::int(3));
        let at = point(&[("a", (7, 3)), ("b", (-1, 5))]);
        let d = idual(&e, &at, &[("a", (1, 1)), ("b", (2, 7))]).expect("defined");
        assert_eq!(Ok(d.value), eval_interval(&e, &at, p()));
    }

    fn small_point() -> impl Strategy<Value = ((i64, i64), (i64, i64))> {
        ((-40i64..40, -40i64..40), (-5i64..6, -5i64..6))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Wherever both succeed, the 128-bit enclosures contain the 512-bit dual numbers, the
        /// value part is eval_interval's, and a certain error is an error of eval_dual too.
        #[test]
        fn encloses_high_precision_dual(
            e in crate::expr::strategies::expr(vec!["a", "b"], 4),
            ((a, b), (sa, sb)) in small_point(),
        ) {
            let at = point(&[("a", (a, 7)), ("b", (b, 5))]);
            let seeds = point(&[("a", (sa, 1)), ("b", (sb, 3))]);
            let got = eval_interval_dual(&e, &at, &seeds, p());
            let high = eval_dual(&e, &at, &seeds, Precision::from_bits(512));
            match (&got, &high) {
                (Ok(v), Ok(d)) => {
                    prop_assert!(v.value.contains(&d.value), "{e}: value {} not in [{}, {}]", d.value, v.value.lo, v.value.hi);
                    prop_assert!(v.deriv.contains(&d.deriv), "{e}: deriv {} not in [{}, {}]", d.deriv, v.deriv.lo, v.deriv.hi);
                    prop_assert_eq!(Ok(v.value.clone()), eval_interval(&e, &at, p()));
                }
                (Err(EvalError::Undefined { reason }), Ok(d)) => {
                    prop_assert!(false, "{e}: interval dual undefined ({reason}) but dual {d:?}");
                }
                (Ok(v), Err(EvalError::Undefined { reason })) => {
                    prop_assert!(false, "{e}: dual undefined ({reason}) but interval dual {v:?}");
                }
                _ => {}
            }
        }

        /// On trees defined on the positive orthant the derivative is always certified, and
        /// tightly.
        #[test]
        fn positive_trees_certify_tightly(
            e in crate::expr::strategies::positive_expr(vec!["a", "b"], 3),
            a in 5u64..25,
            b in 5u64..25,
            (sa, sb) in (-5i64..6, -5i64..6),
        ) {
            let prec = Precision::from_bits(256);
            let at = point(&[("a", (a as i64, 10)), ("b", (b as i64, 10))]);
            let seeds = point(&[("a", (sa, 1)), ("b", (sb, 1))]);
            if let Ok(d) = eval_dual(&e, &at, &seeds, prec) {
                let v = eval_interval_dual(&e, &at, &seeds, prec);
                prop_assert!(v.is_ok(), "{e}: {v:?}");
                let v = v.unwrap_or_else(|_| IntervalDual { value: Interval::point(&Rational::new(), prec), deriv: Interval::point(&Rational::new(), prec) });
                let Dual { value, deriv } = d;
                let scale = deriv.abs().max(&value.abs()).max(&Float::with_val(256, 1u32));
                let relative = Float::with_val(256, v.deriv.width() / scale);
                prop_assert!(relative < Float::with_val(256, 1u32) >> 150u32, "{e}: [{}, {}]", v.deriv.lo, v.deriv.hi);
            }
        }
    }
}
