//! Round-to-nearest MPFR evaluation.

use super::exact::Root;
use super::walk::{Arithmetic, walk};
use super::{Assignment, EvalError, Precision, finite, reason};
use crate::expr::{Expr, Func};
use rug::float::{Constant, Round};
use rug::ops::Pow;
use rug::{Float, Integer, Rational};
use std::cmp::Ordering;

/// The value of `e` at `at`, every operation correctly rounded to nearest at `prec` bits.
///
/// Literals and point values enter through `Float::with_val(bits, &rational)`, so `0.1` is the
/// correctly rounded image of `1/10`, not of the `f64` nearest to it. Each operation rounds once,
/// so the result is accurate to a few ulps for well-conditioned expressions; use
/// [`eval_interval`](super::eval_interval) when a guarantee is needed.
///
/// # Errors
///
/// The domain rules of [`crate::numeric`]: [`EvalError::Undefined`], [`EvalError::Unbound`],
/// [`EvalError::Overflow`]. `tan` is additionally reported undefined when `cos` of its argument
/// is numerically indistinguishable from zero (`|cos x| ≤ 2^(−bits/2)·max(1, |x|)`), because a
/// float argument never lands exactly on the irrational pole and would otherwise return a huge
/// finite number. Division has no such margin: `1/sin(pi)` returns a huge finite number here,
/// and only [`eval_interval`](super::eval_interval) recognises it as uncertified.
pub fn eval_float(e: &Expr, at: &Assignment, prec: Precision) -> Result<Float, EvalError> {
    walk(
        &Nearest {
            at,
            bits: prec.bits(),
        },
        e,
    )
}

/// Round-to-nearest MPFR numbers at a fixed precision: the number type of [`eval_float`].
pub(super) struct Nearest<'a> {
    pub(super) at: &'a Assignment,
    pub(super) bits: u32,
}

impl Arithmetic for Nearest<'_> {
    type Num = Float;

    fn at(&self) -> &Assignment {
        self.at
    }

    fn rational(&self, q: &Rational) -> Float {
        Float::with_val(self.bits, q)
    }

    fn pi(&self) -> Float {
        Float::with_val(self.bits, Constant::Pi)
    }

    fn variable(&self, _name: &str, value: &Rational) -> Float {
        Float::with_val(self.bits, value)
    }

    fn neg(&self, x: Float) -> Float {
        -x
    }

    fn add(&self, x: &Float, y: &Float) -> Result<Float, EvalError> {
        Ok(Float::with_val(self.bits, x + y))
    }

    fn sub(&self, x: &Float, y: &Float) -> Result<Float, EvalError> {
        Ok(Float::with_val(self.bits, x - y))
    }

    fn mul(&self, x: &Float, y: &Float) -> Result<Float, EvalError> {
        Ok(Float::with_val(self.bits, x * y))
    }

    fn div(&self, x: &Float, y: &Float) -> Result<Float, EvalError> {
        if y.is_zero() {
            return Err(EvalError::undefined(reason::DIV_ZERO));
        }
        Ok(Float::with_val(self.bits, x / y))
    }

    fn integer_power(&self, x: &Float, n: &Integer, _exponent: &Expr) -> Result<Float, EvalError> {
        integer_power(x, n, self.bits)
    }

    fn real_power(&self, _base: &Expr, x: &Float, y: &Float) -> Result<Float, EvalError> {
        real_power(x, y, self.bits)
    }

    fn root_power(&self, _base: &Expr, x: &Float, _y: &Float, root: &Root) -> Result<Float, EvalError> {
        root_power(x, root, self.bits)
    }

    fn call(&self, f: Func, x: &Float) -> Result<Float, EvalError> {
        apply(f, x, self.bits)
    }

    fn finish(&self, x: Float) -> Result<Float, EvalError> {
        finite(x)
    }
}

/// `x^n` for an exact integer `n` (negative bases allowed, `0^0 = 1`, `0^n` with `n < 0` undefined).
pub(crate) fn integer_power(x: &Float, n: &Integer, bits: u32) -> Result<Float, EvalError> {
    integer_power_rounded(x, n, bits).map(|(value, _)| value)
}

/// [`integer_power`] with MPFR's ternary value (how the correctly rounded result compares with
/// the exact one), which the ball evaluator turns into a rounding-error bound.
pub(crate) fn integer_power_rounded(
    x: &Float,
    n: &Integer,
    bits: u32,
) -> Result<(Float, Ordering), EvalError> {
    if x.is_zero() && n.cmp0() == Ordering::Less {
        return Err(EvalError::undefined(reason::ZERO_NEG_POW));
    }
    let (value, ternary) = Float::with_val_round(bits, x.pow(n), Round::Nearest);
    Ok((finite(value)?, ternary))
}

/// `x^y` for an exponent that is not a proven integer: `exp(y ln x)` for `x > 0`, `0` for
/// `x = 0, y > 0`, undefined otherwise.
pub(crate) fn real_power(x: &Float, y: &Float, bits: u32) -> Result<Float, EvalError> {
    real_power_rounded(x, y, bits).map(|(value, _)| value)
}

/// [`real_power`] with MPFR's ternary value (see [`integer_power_rounded`]).
pub(crate) fn real_power_rounded(x: &Float, y: &Float, bits: u32) -> Result<(Float, Ordering), EvalError> {
    match x.cmp0() {
        Some(Ordering::Greater) => {
            let (value, ternary) = Float::with_val_round(bits, x.pow(y), Round::Nearest);
            Ok((finite(value)?, ternary))
        }
        Some(Ordering::Equal) if y.cmp0() == Some(Ordering::Greater) => {
            Ok((Float::new(bits), Ordering::Equal))
        }
        Some(Ordering::Equal) => Err(EvalError::undefined(reason::ZERO_NONPOS_REAL_POW)),
        _ => Err(EvalError::undefined(reason::NEG_BASE)),
    }
}

/// `x^(p/q)` as `(x^(1/q))^p`, with the domain rules of [`real_power`], rounded to nearest
/// (within about an ulp: see [`positive_root_power`]) — an MPFR logarithm and exponential at
/// thousands of digits cost a hundred times more.
pub(crate) fn root_power(x: &Float, root: &Root, bits: u32) -> Result<Float, EvalError> {
    match x.cmp0() {
        Some(Ordering::Greater) => finite(positive_root_power(x, root, bits, Round::Nearest)),
        Some(Ordering::Equal) if root.p.cmp0() == Ordering::Greater => Ok(Float::new(bits)),
        Some(Ordering::Equal) => Err(EvalError::undefined(reason::ZERO_NONPOS_REAL_POW)),
        _ => Err(EvalError::undefined(reason::NEG_BASE)),
    }
}

/// The `q`-th root of `x ≥ 0`, correctly rounded toward `round` at `bits`: MPFR's square root
/// for `q = 2` (the same correctly rounded value, about three times faster than its general
/// root at a thousand digits), its `q`-th root otherwise.
fn root_rounded(x: &Float, q: u32, bits: u32, round: Round) -> Float {
    if q == 2 {
        Float::with_val_round(bits, x.sqrt_ref(), round).0
    } else {
        Float::with_val_round(bits, x.root_ref(q), round).0
    }
}

/// The precision of the root and the repeated squaring in [`positive_root_power`] when the
/// result is wanted at `bits` (the ball evaluator bounds the chain's rounding error from it).
pub(crate) fn root_power_work_bits(root: &Root, bits: u32) -> u32 {
    bits.saturating_add(root.p.significant_bits().saturating_mul(2))
        .saturating_add(8)
        .min(rug::float::prec_max())
}

/// `x^(p/q)` for `x > 0` (or `x = 0` with `p > 0`) at `bits`, rounded toward `round`.
///
/// * `p = 1`: the `q`-th root, correctly rounded;
/// * `p/q = −1/2`: the reciprocal square root, correctly rounded;
/// * otherwise the root and the `|p|`-th power by repeated squaring at
///   `bits + 2·bitlen(p) + 8` bits, every step rounded the same way (all values are positive, so
///   each step keeps a lower bound a lower bound), then the final rounding to `bits` — and for
///   `p < 0` the reciprocal of that power rounded the other way. Rounded to nearest, the chain's
///   relative error stays below `2^−(bits+4)`, so the result is within about an ulp.
///
/// With `Round::Down` (`Up`) the result is a lower (upper) bound of the exact value: the
/// interval evaluator's bounds.
pub(crate) fn positive_root_power(x: &Float, root: &Root, bits: u32, round: Round) -> Float {
    let away = match round {
        Round::Down => Round::Up,
        Round::Up => Round::Down,
        other => other,
    };
    if root.p == 1 {
        return root_rounded(x, root.q, bits, round);
    }
    if root.p == -1 && root.q == 2 {
        return Float::with_val_round(bits, x.recip_sqrt_ref(), round).0;
    }
    let negative = root.p.cmp0() == Ordering::Less;
    let inner = if negative { away } else { round };
    let magnitude = root.p.significant_bits();
    let work = root_power_work_bits(root, bits);
    let base = root_rounded(x, root.q, work, inner);
    // Left-to-right binary powering: |p| < 2^20 (`MAX_ROOT_NUMERATOR_BITS`), so at most 40
    // multiplications.
    let n = Integer::from(root.p.abs_ref());
    let mut acc = base.clone();
    for bit in (0..magnitude.saturating_sub(1)).rev() {
        acc = Float::with_val_round(work, acc.square_ref(), inner).0;
        if n.get_bit(bit) {
            acc = Float::with_val_round(work, &acc * &base, inner).0;
        }
    }
    if negative {
        Float::with_val_round(bits, acc.recip_ref(), round).0
    } else {
        Float::with_val_round(bits, &acc, round).0
    }
}

/// `f(x)` rounded to nearest, with the domain checks of [`crate::numeric`].
pub(crate) fn apply(f: Func, x: &Float, bits: u32) -> Result<Float, EvalError> {
    apply_rounded(f, x, bits).map(|(value, _)| value)
}

/// [`apply`] with MPFR's ternary value (see [`integer_power_rounded`]).
pub(crate) fn apply_rounded(f: Func, x: &Float, bits: u32) -> Result<(Float, Ordering), EvalError> {
    let near = Round::Nearest;
    let (value, ternary) = match f {
        Func::Exp => Float::with_val_round(bits, x.exp_ref(), near),
        Func::Log if x.cmp0() != Some(Ordering::Greater) => return Err(EvalError::undefined(reason::LOG)),
        Func::Log => Float::with_val_round(bits, x.ln_ref(), near),
        Func::Sqrt if x.cmp0() == Some(Ordering::Less) => return Err(EvalError::undefined(reason::SQRT)),
        Func::Sqrt => Float::with_val_round(bits, x.sqrt_ref(), near),
        Func::Sin | Func::Cos | Func::Tan if !trig_argument_within_reach(x, bits) => {
            return Err(EvalError::not_certified(reason::TRIG_HUGE));
        }
        Func::Sin => Float::with_val_round(bits, x.sin_ref(), near),
        Func::Cos => Float::with_val_round(bits, x.cos_ref(), near),
        Func::Tan => tan_checked_rounded(x, bits)?,
        Func::Tanh => Float::with_val_round(bits, x.tanh_ref(), near),
        Func::Cosh => Float::with_val_round(bits, x.cosh_ref(), near),
        Func::Sinh => Float::with_val_round(bits, x.sinh_ref(), near),
        Func::Abs => Float::with_val_round(bits, x.abs_ref(), near),
    };
    Ok((finite(value)?, ternary))
}

/// How far above the working precision the binary exponent of a sin/cos/tan argument may lie.
///
/// MPFR reduces an argument modulo π with π to about `log2|x|` bits, so `cos(10^(10^8))` costs
/// seconds to minutes and gigabytes (found by fuzzing). An argument whose exponent exceeds the
/// precision has an ulp above 1, so unless it is exactly representable its phase is not known
/// at this precision anyway; the headroom keeps exact arguments such as `2^100` at 128 bits
/// evaluable. Beyond it the value is "not certified", and precision escalation may try again.
pub(crate) const TRIG_EXP_HEADROOM: i64 = 64;

/// Whether the argument `x` of sin/cos/tan is small enough to reduce modulo π at `bits`.
pub(crate) fn trig_argument_within_reach(x: &Float, bits: u32) -> bool {
    x.get_exp()
        .is_none_or(|e| i64::from(e) <= i64::from(bits) + TRIG_EXP_HEADROOM)
}

/// `tan x` with MPFR's ternary value, refusing arguments whose cosine is below the noise floor of the argument.
///
/// A float argument already carries a relative error of at least half an ulp, so once
/// `|cos x| ≤ 2^(−bits/2)·max(1, |x|)` a true pole (as in `tan(pi/2)`) cannot be told apart from a
/// nearby regular point. Half the precision is a deliberately generous margin: genuine regular
/// points that close to a pole need rationals with hundreds of digits.
pub(crate) fn tan_checked_rounded(x: &Float, bits: u32) -> Result<(Float, Ordering), EvalError> {
    let cos = Float::with_val(bits, x.cos_ref());
    if near_zero_relative_to(&cos, x, bits) {
        return Err(EvalError::undefined(reason::TAN_POLE));
    }
    Ok(Float::with_val_round(bits, x.tan_ref(), Round::Nearest))
}

/// Whether `|c| ≤ 2^(−bits/2)·max(1, |x|)`, decided on binary exponents.
fn near_zero_relative_to(c: &Float, x: &Float, bits: u32) -> bool {
    let Some(exp_c) = c.get_exp() else {
        return c.is_zero() || !c.is_finite();
    };
    let exp_x = x.get_exp().unwrap_or(0).max(1);
    i64::from(exp_c) <= i64::from(exp_x) - i64::from(bits / 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::digits_of_agreement;
    use proptest::prelude::*;
    use rug::Rational;
    use std::ops::{Div, Mul, Neg, Sub};

    fn p() -> Precision {
        Precision::from_digits(60)
    }

    fn reference(s: &str) -> Float {
        Float::with_val(p().bits(), Float::parse(s).expect("reference parses"))
    }

    fn eval(e: &Expr) -> Result<Float, EvalError> {
        eval_float(e, &Assignment::new(), p())
    }

    fn assert_digits(e: &Expr, expected: &str, digits: u32) {
        let got = eval(e).expect("defined");
        let agree = digits_of_agreement(&got, &reference(expected));
        assert!(
            agree >= digits,
            "{e} = {got}, expected {expected}: {agree} digits"
        );
    }

    /// `10^(10^8)`: an argument MPFR would reduce modulo π with π to ~3·10^8 bits (minutes,
    /// gigabytes; the fuzz find in fuzz/regressions/evaluate-*).
    fn huge() -> Expr {
        Expr::int(10).pow(Expr::int(100_000_000))
    }

    #[test]
    fn trig_of_an_argument_beyond_the_precision_is_not_certified() {
        for f in [Func::Sin, Func::Cos, Func::Tan] {
            assert!(
                matches!(eval(&huge().call(f)), Err(EvalError::NotCertified { .. })),
                "{f:?}"
            );
        }
        // exp and friends of the same argument are unaffected (they overflow or are exact).
        assert!(eval(&huge().call(Func::Abs)).is_ok());
    }

    #[test]
    fn trig_of_an_exact_large_argument_within_the_headroom_is_evaluated() {
        // 2^100 is exact at 60 digits (≈ 203 bits); references from mpmath at 60 digits.
        let x = || Expr::int(2).pow(Expr::int(100));
        assert_digits(
            &x().call(Func::Cos),
            "0.489178656974721449905789308751345884684142604645097747534458",
            50,
        );
        assert_digits(
            &x().call(Func::Sin),
            "-0.872183605418267309780719778213470559324313272728379408308328",
            50,
        );
    }

    #[test]
    fn known_constants() {
        let one = Expr::int(1);
        assert_digits(
            &one.clone().call(Func::Exp),
            "2.71828182845904523536028747135266249775724709369995",
            50,
        );
        assert_digits(
            &Expr::int(2).call(Func::Log),
            "0.693147180559945309417232121458176568075500134360255",
            50,
        );
        assert_digits(
            &Expr::Pi,
            "3.14159265358979323846264338327950288419716939937510",
            50,
        );
        assert_digits(
            &Expr::int(2).call(Func::Sqrt),
            "1.41421356237309504880168872420969807856967187537694",
            50,
        );
        assert_digits(
            &one.clone().call(Func::Sin),
            "0.841470984807896506652502321630298999622563060798371",
            50,
        );
        assert_digits(
            &one.clone().call(Func::Cos),
            "0.540302305868139717400936607442976603732310420617922",
            50,
        );
        assert_digits(
            &one.clone().call(Func::Tan),
            "1.55740772465490223050697480745836017308725077238152",
            50,
        );
        assert_digits(
            &one.clone().call(Func::Tanh),
            "0.761594155955764888119458282604793590412768597257936551596810500",
            50,
        );
        assert_digits(
            &one.clone().call(Func::Cosh),
            "1.54308063481524377847790562075706168260152911236586",
            50,
        );
        assert_digits(
            &one.call(Func::Sinh),
            "1.17520119364380145688238185059560081515571798133410",
            50,
        );
        // 2^(1/2) through the real-power path.
        let half = Expr::int(1).div(Expr::int(2));
        assert_digits(
            &Expr::int(2).pow(half),
            "1.41421356237309504880168872420969807856967187537694",
            50,
        );
    }

    #[test]
    fn literals_are_exact_rationals_not_doubles() {
        // 1/10 rounded once at 200 bits, not the double 0.1000000000000000055…
        let tenth = Expr::Num(Rational::from((1, 10)));
        let got = eval_float(&tenth, &Assignment::new(), Precision::from_bits(200)).expect("defined");
        let expected = Float::with_val(200, Float::parse("0.1").expect("parses"));
        assert_eq!(got.partial_cmp(&expected), Some(Ordering::Equal));
    }

    #[test]
    fn integer_and_real_powers() {
        let minus = |n: i64| Expr::int(n);
        let third = Expr::int(1).div(Expr::int(3));
        assert_eq!(
            eval(&minus(-2).pow(Expr::int(3))).map(|v| v.to_integer()),
            Ok(Some((-8).into()))
        );
        assert!(matches!(
            eval(&minus(-8).pow(third.clone())),
            Err(EvalError::Undefined { .. })
        ));
        assert!(eval(&Expr::int(0).pow(third.clone())).is_ok_and(|v| v.is_zero()));
        assert!(matches!(
            eval(&Expr::int(0).pow(third.neg())),
            Err(EvalError::Undefined { .. })
        ));
        assert!(matches!(
            eval(&Expr::int(0).pow(Expr::int(-1))),
            Err(EvalError::Undefined { .. })
        ));
        assert!(eval(&Expr::int(0).pow(Expr::int(0))).is_ok_and(|v| v.cmp0() == Some(Ordering::Greater)));
        // Huge exact exponents still work through MPFR's integer power.
        let huge = Expr::Num(Rational::from(Integer::from(10u32).pow(40u32)));
        assert!(eval(&Expr::int(-1).pow(huge.clone())).is_ok_and(|v| v.cmp0() == Some(Ordering::Greater)));
        assert_eq!(eval(&Expr::int(2).pow(huge)), Err(EvalError::Overflow));
    }

    #[test]
    fn domain_errors_not_nan() {
        let undefined = |e: Expr| matches!(eval(&e), Err(EvalError::Undefined { .. }));
        assert!(undefined(Expr::int(0).call(Func::Log)));
        assert!(undefined(Expr::int(-1).call(Func::Log)));
        assert!(undefined(Expr::int(-1).call(Func::Sqrt)));
        assert!(undefined(Expr::int(1).div(Expr::int(0))));
        assert!(undefined(Expr::int(1).div(Expr::Pi.sub(Expr::Pi))));
        assert!(undefined(Expr::Pi.div(Expr::int(2)).call(Func::Tan)));
        assert!(undefined(
            Expr::Pi.mul(Expr::int(3)).div(Expr::int(2)).neg().call(Func::Tan)
        ));
        assert!(eval(&Expr::int(0).call(Func::Sqrt)).is_ok_and(|v| v.is_zero()));
        assert_eq!(eval(&Expr::var("x")), Err(EvalError::Unbound("x".into())));
        let big = Expr::Num(Rational::from(Integer::from(10u32).pow(20u32)));
        assert_eq!(eval(&big.call(Func::Exp)), Err(EvalError::Overflow));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Wherever the exact evaluator has a value, the float evaluator agrees with it.
        #[test]
        fn float_agrees_with_exact(
            e in crate::expr::strategies::expr(vec!["a", "b"], 4),
            a in (-40i64..40, 1u64..12),
            b in (-40i64..40, 1u64..12),
        ) {
            let at: Assignment = [("a", a), ("b", b)]
                .into_iter()
                .map(|(k, (n, d))| (k.to_string(), Rational::from((n, d))))
                .collect();
            if let Some(q) = crate::numeric::eval_exact(&e, &at) {
                let prec = Precision::from_bits(512);
                let got = eval_float(&e, &at, prec);
                prop_assert!(got.is_ok(), "{e}: exact {q} but float {got:?}");
                let got = got.unwrap_or_else(|_| Float::new(2));
                // |float − q| ≤ 2^−300·max(1, |q|): rounding at 512 bits leaves ample slack for
                // the cancellation these small random trees can produce.
                let err = Float::with_val(600, &got - &q).abs();
                let scale = Float::with_val(600, q.clone().abs()).max(&Float::with_val(600, 1));
                let tolerance = scale >> 300u32;
                prop_assert!(err <= tolerance, "{e}: exact {q}, float {got}");
            }
        }

        /// `x^(p/q)` by a root and an integer power is within one ulp of `x^(p/q)` computed by
        /// MPFR's `pow` with the exponent at four times the precision (an independent route:
        /// `exp(y·ln x)` inside MPFR), for either sign of `p`.
        #[test]
        fn root_power_is_within_an_ulp_of_pow(
            x in (1i64..100_000, 1u64..1000, -60i32..60),
            p in -40i64..40,
            q in 2u32..=9,
            bits in prop::sample::select(vec![64u32, 200, 1000, 5000]),
        ) {
            prop_assume!(p != 0);
            let x = Float::with_val(bits, Rational::from((x.0, x.1))) << x.2;
            let root = Root { p: Integer::from(p), q };
            let got = root_power(&x, &root, bits).expect("defined for x > 0");
            let wide = 4 * bits;
            let y = Float::with_val(wide, Rational::from((p, u64::from(q))));
            let reference = Float::with_val(wide, Float::with_val(wide, &x).pow(&y));
            let err = Float::with_val(wide, &got - &reference).abs();
            // One ulp of the result at `bits`: 2^(exponent − bits).
            let ulp = Float::with_val(wide, 1) << (reference.get_exp().expect("finite") - bits as i32);
            prop_assert!(err <= ulp, "{x}^({p}/{q}) at {bits} bits: {got} vs {reference}");
        }

    }
}
