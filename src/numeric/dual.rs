//! Forward-mode automatic differentiation along one direction.
//!
//! The covariance checks need Euler-type operators such as `Σ λ_i ∂F/∂λ_i` or `t ∂F/∂t` at many
//! points; both are a single directional derivative with seed `v ↦ v` on the relevant variables,
//! so one dual-number pass per point suffices and no symbolic derivative is ever formed.

use super::exact::Root;
use super::float::{apply, eval_float, integer_power, real_power, root_power};
use super::walk::{Arithmetic, active_seeds, varies, walk};
use super::{Assignment, EvalError, Precision, finite};
use crate::expr::{Expr, Func};
use rug::{Float, Integer, Rational};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// A value together with its directional derivative.
#[derive(Debug, Clone, PartialEq)]
pub struct Dual {
    /// The value; bit-for-bit what [`eval_float`] returns at the same precision.
    pub value: Float,
    /// The directional derivative `Σ_v seed_v · ∂e/∂v` at the point.
    pub deriv: Float,
}

/// Reasons specific to differentiation, shared with
/// [`eval_interval_dual`](super::eval_interval_dual) so that the same failure reads the same in
/// both evaluators.
pub(super) mod why {
    pub const ABS: &str = "abs is not differentiable at 0";
    pub const SQRT: &str = "sqrt is not differentiable at 0";
    pub const ZERO_BASE: &str = "a non-integer power is not differentiable at a zero base";
    pub const VARYING_EXPONENT: &str = "x^y with x <= 0 is not differentiable when the exponent varies (non-integer exponents are undefined nearby)";
}

/// The value of `e` at `at` and its directional derivative `Σ_v seeds[v]·∂e/∂v`.
///
/// Variables absent from `seeds` (or seeded with `0`) are held fixed. Every operation is rounded
/// to nearest at `prec` bits, exactly as in [`eval_float`], so `value` is identical to
/// `eval_float(e, at, prec)`.
///
/// A subtree that mentions no seeded variable is constant along the direction: its derivative is
/// exactly zero and no differentiability condition is imposed on it (so `sqrt(a)` at `a = 0` is
/// fine when only `t` is seeded). A subtree that does vary must be differentiable by the chain
/// rule at the point, otherwise [`EvalError::Undefined`]: `abs` or `sqrt` at `0`, a non-integer
/// power at a zero base, or `x^y` with `x ≤ 0` and a varying exponent `y` (even where `y` is an
/// integer at the point, non-integer values of `y` arbitrarily close make `x^y` undefined).
/// The chain rule is applied node by node, so a composite that is differentiable only by
/// cancellation (`abs(x)^2` at `x = 0`) is reported undefined too — conservative, never wrong.
///
/// # Errors
///
/// Those of [`eval_float`], plus the non-differentiable cases above.
pub fn eval_dual(
    e: &Expr,
    at: &Assignment,
    seeds: &BTreeMap<String, Rational>,
    prec: Precision,
) -> Result<Dual, EvalError> {
    let active = active_seeds(seeds);
    walk(
        &Forward {
            at,
            seeds,
            active,
            prec,
        },
        e,
    )
}

/// Round-to-nearest dual numbers along one direction: the number type of [`eval_dual`].
struct Forward<'a> {
    at: &'a Assignment,
    seeds: &'a BTreeMap<String, Rational>,
    /// Variables with a non-zero seed.
    active: BTreeSet<&'a str>,
    prec: Precision,
}

impl Forward<'_> {
    fn bits(&self) -> u32 {
        self.prec.bits()
    }

    fn zero(&self) -> Float {
        Float::new(self.bits())
    }

    fn constant(&self, value: Float) -> Dual {
        Dual {
            value,
            deriv: self.zero(),
        }
    }

    fn varies(&self, e: &Expr) -> bool {
        varies(e, &self.active)
    }

    /// `value·ln(x)·y'` (zero when `y' = 0`), for `x > 0`.
    fn log_term(&self, value: &Float, x: &Float, y_deriv: &Float) -> Float {
        let bits = self.bits();
        if y_deriv.is_zero() {
            return self.zero();
        }
        let ln = Float::with_val(bits, x.ln_ref());
        Float::with_val(bits, value * Float::with_val(bits, &ln * y_deriv))
    }
}

impl Arithmetic for Forward<'_> {
    type Num = Dual;

    fn at(&self) -> &Assignment {
        self.at
    }

    fn shortcut(&self, e: &Expr) -> Option<Result<Dual, EvalError>> {
        // A subtree without seeded variables is constant along the direction.
        (!self.varies(e)).then(|| eval_float(e, self.at, self.prec).map(|v| self.constant(v)))
    }

    // Leaves other than seeded variables never vary, so the shortcut returns them before these
    // two are reached; they agree with eval_float all the same.
    fn rational(&self, q: &Rational) -> Dual {
        self.constant(Float::with_val(self.bits(), q))
    }

    fn pi(&self) -> Dual {
        self.constant(Float::with_val(self.bits(), rug::float::Constant::Pi))
    }

    fn variable(&self, name: &str, value: &Rational) -> Dual {
        let bits = self.bits();
        Dual {
            value: Float::with_val(bits, value),
            deriv: self
                .seeds
                .get(name)
                .map_or_else(|| self.zero(), |s| Float::with_val(bits, s)),
        }
    }

    fn neg(&self, x: Dual) -> Dual {
        Dual {
            value: -x.value,
            deriv: -x.deriv,
        }
    }

    fn add(&self, x: &Dual, y: &Dual) -> Result<Dual, EvalError> {
        let bits = self.bits();
        Ok(Dual {
            value: Float::with_val(bits, &x.value + &y.value),
            deriv: Float::with_val(bits, &x.deriv + &y.deriv),
        })
    }

    fn sub(&self, x: &Dual, y: &Dual) -> Result<Dual, EvalError> {
        let bits = self.bits();
        Ok(Dual {
            value: Float::with_val(bits, &x.value - &y.value),
            deriv: Float::with_val(bits, &x.deriv - &y.deriv),
        })
    }

    fn mul(&self, x: &Dual, y: &Dual) -> Result<Dual, EvalError> {
        let bits = self.bits();
        let left = Float::with_val(bits, &x.deriv * &y.value);
        let right = Float::with_val(bits, &x.value * &y.deriv);
        Ok(Dual {
            value: Float::with_val(bits, &x.value * &y.value),
            deriv: left + right,
        })
    }

    fn div(&self, x: &Dual, y: &Dual) -> Result<Dual, EvalError> {
        let bits = self.bits();
        if y.value.is_zero() {
            return Err(EvalError::undefined(super::reason::DIV_ZERO));
        }
        let value = Float::with_val(bits, &x.value / &y.value);
        // (x/y)' = (x' − (x/y)·y') / y reuses the quotient instead of squaring y.
        let numerator = Float::with_val(bits, &x.deriv - Float::with_val(bits, &value * &y.deriv));
        Ok(Dual {
            deriv: Float::with_val(bits, &numerator / &y.value),
            value,
        })
    }

    fn integer_power(&self, x: &Dual, n: &Integer, exponent: &Expr) -> Result<Dual, EvalError> {
        let bits = self.bits();
        let value = integer_power(&x.value, n, bits)?;
        // n·x^(n−1)·x'; for n = 0 the power is the constant 1 even at x = 0.
        let mut deriv = if x.deriv.is_zero() || n.cmp0() == Ordering::Equal {
            self.zero()
        } else {
            let lowered = integer_power(&x.value, &Integer::from(n - 1u32), bits)?;
            Float::with_val(bits, &lowered * &x.deriv) * n
        };
        if self.varies(exponent) {
            if x.value.cmp0() != Some(Ordering::Greater) {
                return Err(EvalError::undefined(why::VARYING_EXPONENT));
            }
            let y = walk(self, exponent)?;
            deriv += self.log_term(&value, &x.value, &y.deriv);
        }
        Ok(Dual { value, deriv })
    }

    fn real_power(&self, base: &Expr, x: &Dual, y: &Dual) -> Result<Dual, EvalError> {
        let value = real_power(&x.value, &y.value, self.bits())?;
        self.power_rule(base, x, y, value)
    }

    fn root_power(&self, base: &Expr, x: &Dual, y: &Dual, root: &Root) -> Result<Dual, EvalError> {
        let value = root_power(&x.value, root, self.bits())?;
        self.power_rule(base, x, y, value)
    }

    fn call(&self, f: Func, x: &Dual) -> Result<Dual, EvalError> {
        let bits = self.bits();
        let value = apply(f, &x.value, bits)?;
        let slope = match f {
            Func::Exp => value.clone(),
            Func::Log => Float::with_val(bits, x.value.recip_ref()),
            Func::Sqrt if value.is_zero() => return Err(EvalError::undefined(why::SQRT)),
            Func::Sqrt => Float::with_val(bits, value.recip_ref()) >> 1u32,
            Func::Sin => Float::with_val(bits, x.value.cos_ref()),
            Func::Cos => -Float::with_val(bits, x.value.sin_ref()),
            Func::Tan => Float::with_val(bits, value.square_ref()) + 1u32,
            Func::Tanh => 1u32 - Float::with_val(bits, value.square_ref()),
            Func::Cosh => Float::with_val(bits, x.value.sinh_ref()),
            Func::Sinh => Float::with_val(bits, x.value.cosh_ref()),
            Func::Abs => match x.value.cmp0() {
                Some(Ordering::Greater) => Float::with_val(bits, 1u32),
                Some(Ordering::Less) => Float::with_val(bits, -1i32),
                _ => return Err(EvalError::undefined(why::ABS)),
            },
        };
        Ok(Dual {
            deriv: Float::with_val(bits, &slope * &x.deriv),
            value,
        })
    }

    fn finish(&self, x: Dual) -> Result<Dual, EvalError> {
        Ok(Dual {
            value: finite(x.value)?,
            deriv: finite(x.deriv)?,
        })
    }
}

impl Forward<'_> {
    /// The derivative of `x^y` whose value `value` (`x^y` at `x > 0`, or `0` at `x = 0, y > 0`)
    /// is already known: the shared tail of [`Arithmetic::real_power`] and
    /// [`Arithmetic::root_power`].
    fn power_rule(&self, base: &Expr, x: &Dual, y: &Dual, value: Float) -> Result<Dual, EvalError> {
        let bits = self.bits();
        if x.value.cmp0() != Some(Ordering::Greater) {
            // The power succeeded, so x = 0 and y > 0: the power stays 0 only while the base
            // stays exactly 0, i.e. when the base subtree is constant along the direction.
            return if self.varies(base) {
                Err(EvalError::undefined(why::ZERO_BASE))
            } else {
                Ok(self.constant(value))
            };
        }
        // (x^y)' = x^y·(y'·ln x + y·x'/x)
        let mut deriv = self.log_term(&value, &x.value, &y.deriv);
        if !x.deriv.is_zero() {
            let ratio = Float::with_val(bits, &x.deriv / &x.value);
            let factor = Float::with_val(bits, &y.value * &ratio);
            deriv += Float::with_val(bits, &value * &factor);
        }
        Ok(Dual { value, deriv })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::digits_of_agreement;
    use crate::numeric::testing::{point, undefined};
    use proptest::prelude::*;
    use rug::ops::Pow;
    use std::ops::{Add, Div, Mul, Neg};

    fn p() -> Precision {
        Precision::from_bits(256)
    }

    fn dual(e: &Expr, at: &Assignment, seeds: &[(&str, (i64, u64))]) -> Result<Dual, EvalError> {
        eval_dual(e, at, &point(seeds), p())
    }

    #[test]
    fn euler_operator_of_a_power_law() {
        // F = c·lam^(3/2)·t^(−1/2): lam ∂F/∂lam = (3/2)F and t ∂F/∂t = −(1/2)F.
        let three_halves = Expr::int(3).div(Expr::int(2));
        let minus_half = Expr::int(1).div(Expr::int(2)).neg();
        let f = Expr::var("c")
            .mul(Expr::var("lam").pow(three_halves))
            .mul(Expr::var("t").pow(minus_half));
        let at = point(&[("c", (7, 3)), ("lam", (5, 2)), ("t", (13, 10))]);
        let lam = dual(&f, &at, &[("lam", (5, 2))]).expect("defined");
        let expected = Float::with_val(256, &lam.value * 3u32) / 2u32;
        assert!(
            digits_of_agreement(&lam.deriv, &expected) >= 70,
            "{} vs {expected}",
            lam.deriv
        );
        let t = dual(&f, &at, &[("t", (13, 10))]).expect("defined");
        let expected = -Float::with_val(256, &t.value / 2u32);
        assert!(digits_of_agreement(&t.deriv, &expected) >= 70);
        // Value is exactly what eval_float gives.
        assert_eq!(
            lam.value.partial_cmp(&eval_float(&f, &at, p()).expect("defined")),
            Some(Ordering::Equal)
        );
    }

    #[test]
    fn elementary_derivatives() {
        let x = Expr::var("x");
        let at = point(&[("x", (1, 1))]);
        let seed = [("x", (1, 1))];
        let check = |e: Expr, expected: &str| {
            let d = dual(&e, &at, &seed).expect("defined");
            let expected = Float::with_val(256, Float::parse(expected).expect("parses"));
            assert!(
                digits_of_agreement(&d.deriv, &expected) >= 45,
                "{e}: {} vs {expected}",
                d.deriv
            );
        };
        check(
            x.clone().call(Func::Sin),
            "0.540302305868139717400936607442976603732310420617922",
        );
        check(
            x.clone().call(Func::Cos),
            "-0.841470984807896506652502321630298999622563060798371",
        );
        check(
            x.clone().call(Func::Exp),
            "2.71828182845904523536028747135266249775724709369995",
        );
        // tan' = 1/cos², tanh' = 1/cosh², from independently known cos 1 and cosh 1.
        let inverse_square = |s: &str| {
            let v = Float::with_val(256, Float::parse(s).expect("parses"));
            Float::with_val(256, v.square_ref())
                .recip()
                .to_string_radix(10, None)
        };
        check(
            x.clone().call(Func::Tan),
            &inverse_square("0.540302305868139717400936607442976603732310420617922227670"),
        );
        check(
            x.clone().call(Func::Tanh),
            &inverse_square("1.543080634815243778477905620757061682601529112365863704737"),
        );
        check(x.clone().call(Func::Log), "1");
        check(x.clone().call(Func::Sqrt), "0.5");
        check(x.clone().call(Func::Abs), "1");
        // d/dx x^x = x^x(ln x + 1) = 1 at x = 1.
        check(x.clone().pow(x.clone()), "1");
        // d/dx 2^x = 2^x ln 2 at x = 1, through the integer-exponent path with varying exponent.
        check(
            Expr::int(2).pow(x),
            "1.38629436111989061883446424291635313615100026872051",
        );
    }

    #[test]
    fn negative_base_integer_power() {
        let e = Expr::var("x").pow(Expr::int(3));
        let d = dual(&e, &point(&[("x", (-2, 1))]), &[("x", (1, 1))]).expect("defined");
        assert_eq!(d.value.to_integer(), Some(Integer::from(-8)));
        assert_eq!(d.deriv.to_integer(), Some(Integer::from(12)));
        // x^0 is the constant 1, also at x = 0.
        let e = Expr::var("x").pow(Expr::int(0));
        let d = dual(&e, &point(&[("x", (0, 1))]), &[("x", (1, 1))]).expect("defined");
        assert!(d.deriv.is_zero());
    }

    #[test]
    fn non_differentiable_points_are_errors() {
        let x = Expr::var("x");
        let zero = point(&[("x", (0, 1)), ("n", (2, 1))]);
        let seed = [("x", (1, 1))];
        assert!(undefined(dual(&x.clone().call(Func::Abs), &zero, &seed)));
        assert!(undefined(dual(&x.clone().call(Func::Sqrt), &zero, &seed)));
        let half = Expr::int(1).div(Expr::int(2));
        assert!(undefined(dual(&x.clone().pow(half.clone()), &zero, &seed)));
        assert!(undefined(dual(&x.clone().call(Func::Log), &zero, &seed)));
        // Varying exponent on a negative base, even at an integer exponent value.
        let at = point(&[("x", (-2, 1)), ("n", (2, 1))]);
        let e = x.clone().pow(Expr::var("n"));
        assert!(undefined(dual(&e, &at, &[("n", (1, 1))])));
        // …but fine when only the base moves.
        let d = dual(&e, &at, &[("x", (1, 1))]).expect("defined");
        assert_eq!(d.deriv.to_integer(), Some(Integer::from(-4)));
        // A constant subtree imposes no differentiability condition.
        let e = x.clone().call(Func::Sqrt).add(Expr::var("t"));
        let d = dual(
            &e,
            &point(&[("x", (0, 1)), ("t", (3, 1))]),
            &[("t", (1, 1)), ("x", (0, 1))],
        )
        .expect("defined");
        assert_eq!(d.deriv.to_integer(), Some(Integer::from(1)));
        // 0^y with a constant zero base and a varying exponent stays 0.
        let e = Expr::int(0).pow(half.add(Expr::var("t")));
        let d = dual(&e, &point(&[("t", (1, 3))]), &[("t", (1, 1))]).expect("defined");
        assert!(d.value.is_zero() && d.deriv.is_zero());
        assert_eq!(
            dual(&x, &Assignment::new(), &seed),
            Err(EvalError::Unbound("x".into()))
        );
    }

    /// A point `(a, b)` with `a, b ∈ [1/2, 5/2]` and small rational seeds.
    fn sample_point() -> impl Strategy<Value = ((u64, u64), (i64, i64))> {
        ((5u64..25, 5u64..25), (-5i64..6, -5i64..6))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(150))]

        /// The dual derivative agrees with a central difference (step 10^−40 at 900 bits, so
        /// truncation ~10^−80 and rounding ~10^−230 relative).
        #[test]
        fn derivative_matches_finite_difference(
            e in crate::expr::strategies::positive_expr(vec!["a", "b"], 3),
            ((a, b), (sa, sb)) in sample_point(),
        ) {
            let prec = Precision::from_bits(900);
            let at = point(&[("a", (a as i64, 10)), ("b", (b as i64, 10))]);
            let seeds: BTreeMap<String, Rational> =
                [("a", sa), ("b", sb)].into_iter().map(|(k, s)| (k.to_string(), Rational::from(s))).collect();
            let d = eval_dual(&e, &at, &seeds, prec);
            prop_assume!(d.is_ok());
            let d = d.unwrap_or_else(|_| Dual { value: Float::new(2), deriv: Float::new(2) });
            let limit = Float::with_val(64, 10u32).pow(30u32);
            prop_assume!(d.value.clone().abs() < limit && d.deriv.clone().abs() < limit);
            let h = Rational::from((1, 10u32)).pow(40u32);
            let shifted = |sign: i32| -> Assignment {
                at.iter().map(|(k, v)| {
                    let s = seeds.get(k).cloned().unwrap_or_default();
                    (k.clone(), v + Rational::from(&s * &h) * sign)
                }).collect()
            };
            let (plus, minus) = (eval_float(&e, &shifted(1), prec), eval_float(&e, &shifted(-1), prec));
            prop_assume!(plus.is_ok() && minus.is_ok());
            let (plus, minus) = (plus.unwrap_or_else(|_| Float::new(2)), minus.unwrap_or_else(|_| Float::new(2)));
            let fd = Float::with_val(900, &plus - &minus) / Float::with_val(900, Rational::from(&h * 2u32));
            let err = Float::with_val(900, &fd - &d.deriv).abs();
            let scale = d.value.clone().abs().max(&d.deriv.clone().abs()).max(&Float::with_val(900, 1u32));
            let tolerance = Float::with_val(900, &scale * Float::with_val(64, 10u32).pow(-30i32));
            prop_assert!(err <= tolerance, "{e}: dual {} vs fd {fd}", d.deriv);
        }

        /// The value part is bit-for-bit the float evaluator, wherever the dual pass succeeds.
        #[test]
        fn value_matches_eval_float(
            e in crate::expr::strategies::expr(vec!["a", "b"], 4),
            a in (-30i64..30, 1u64..8),
            b in (-30i64..30, 1u64..8),
        ) {
            let at = point(&[("a", a), ("b", b)]);
            let seeds = point(&[("a", (1, 1)), ("b", (-1, 3))]);
            if let Ok(d) = eval_dual(&e, &at, &seeds, p()) {
                let f = eval_float(&e, &at, p());
                prop_assert!(f.is_ok(), "{e}: dual ok but float {f:?}");
                let f = f.unwrap_or_else(|_| Float::new(2));
                prop_assert!(d.value.partial_cmp(&f) == Some(Ordering::Equal), "{e}: {} vs {f}", d.value);
                prop_assert!(d.deriv.is_finite());
            }
        }
    }
}
