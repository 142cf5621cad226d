//! Exact rational evaluation.
//!
//! Besides giving exact values where they exist, this evaluator defines which exponents count as
//! integers for `x^y` in every other evaluator (see the module docs of [`crate::numeric`]).

use super::Assignment;
use crate::expr::{BinOp, Expr};
use rug::ops::Pow;
use rug::{Integer, Rational};

/// Largest `|n|` for which `x^n` is expanded exactly.
const MAX_EXACT_EXPONENT: u32 = 10_000;

/// Largest estimated size (numerator plus denominator bits) of an exact power. Beyond it the
/// exact value is useless for reporting and expensive to compute, so we decline.
const MAX_EXACT_POWER_BITS: u64 = 1 << 20;

/// The exact value of `e` at `at`, when the expression is rational there.
///
/// Handles literals, variables, `-`, `+`, `−`, `×`, `÷` and `x^n` where the exponent subtree
/// itself evaluates exactly to an integer with `|n| ≤ 10 000` (with `0^0 = 1`). Returns `None`
/// for `pi`, any function call, a non-integer exponent, division by zero, `0^n` with `n < 0`,
/// an unbound variable, or a power whose result would exceed about a million bits.
///
/// `None` means "not (cheaply) rational", never "undefined": use [`eval_float`](super::eval_float)
/// to learn why a point is undefined.
pub fn eval_exact(e: &Expr, at: &Assignment) -> Option<Rational> {
    match e {
        Expr::Num(q) => Some(q.clone()),
        Expr::Var(v) => at.get(v).cloned(),
        Expr::Pi | Expr::Call(..) => None,
        Expr::Neg(a) => Some(-eval_exact(a, at)?),
        Expr::Bin(op, a, b) => {
            let x = eval_exact(a, at)?;
            if *op == BinOp::Pow {
                let n = exact_integer(b, at)?;
                return exact_power(x, &n);
            }
            let y = eval_exact(b, at)?;
            match op {
                BinOp::Add => Some(x + y),
                BinOp::Sub => Some(x - y),
                BinOp::Mul => Some(x * y),
                BinOp::Div => (y.cmp0() != std::cmp::Ordering::Equal).then(|| x / y),
                BinOp::Pow => None,
            }
        }
    }
}

/// The exponent `e` as an exact integer, if [`eval_exact`] proves it is one. This is the single
/// place that decides "integer power" versus "real power" for all evaluators.
pub(crate) fn exact_integer(e: &Expr, at: &Assignment) -> Option<Integer> {
    let q = eval_exact(e, at)?;
    (*q.denom() == 1).then(|| q.into_numer_denom().0)
}

/// Largest root index `q` of an exponent `p/q` computed as a root (see [`ExactExponent::Root`]).
pub(crate) const MAX_ROOT_INDEX: u32 = 64;

/// Largest `|p|` of an exponent `p/q` computed as a root: the power costs `log2 |p|` squarings.
pub(crate) const MAX_ROOT_NUMERATOR_BITS: u32 = 20;

/// An exponent `p/q` in lowest terms with `2 ≤ q ≤` [`MAX_ROOT_INDEX`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Root {
    /// The numerator `p` (either sign, never zero).
    pub(crate) p: Integer,
    /// The root index `q`.
    pub(crate) q: u32,
}

/// An exponent [`eval_exact`] decides: an integer, or `p/q` with a small root index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExactExponent {
    /// `x^n`: an integer power (negative bases allowed).
    Integer(Integer),
    /// `x^(p/q)` with `2 ≤ q ≤` [`MAX_ROOT_INDEX`] (`3/2`, `-1/2`, `2/3`, …). The evaluators
    /// compute it as `(x^(1/q))^p`, a root and an integer power, instead of `exp(y·ln x)`: the
    /// same real number (and the same domain rules as any non-integer exponent), at a fraction
    /// of the cost at high precision.
    Root(Root),
}

/// The exponent `e` classified by one exact evaluation at `at`: an integer, a small-root
/// rational, or `None` (a real exponent).
pub(crate) fn exact_exponent(e: &Expr, at: &Assignment) -> Option<ExactExponent> {
    let y = eval_exact(e, at)?;
    if *y.denom() == 1 {
        return Some(ExactExponent::Integer(y.into_numer_denom().0));
    }
    let q = y.denom().to_u32()?;
    if q > MAX_ROOT_INDEX || y.numer().significant_bits() > MAX_ROOT_NUMERATOR_BITS {
        return None;
    }
    Some(ExactExponent::Root(Root {
        p: y.into_numer_denom().0,
        q,
    }))
}

fn exact_power(base: Rational, n: &Integer) -> Option<Rational> {
    let magnitude = n.to_i64()?.unsigned_abs();
    if magnitude > u64::from(MAX_EXACT_EXPONENT) {
        return None;
    }
    let magnitude = u32::try_from(magnitude).ok()?;
    if magnitude == 0 {
        return Some(Rational::from(1));
    }
    if base.cmp0() == std::cmp::Ordering::Equal {
        return (n.cmp0() == std::cmp::Ordering::Greater).then(Rational::new);
    }
    let size = u64::from(base.numer().significant_bits()) + u64::from(base.denom().significant_bits());
    if size.saturating_mul(u64::from(magnitude)) > MAX_EXACT_POWER_BITS {
        return None;
    }
    let power = base.pow(magnitude);
    if n.cmp0() == std::cmp::Ordering::Less {
        Some(power.recip())
    } else {
        Some(power)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Func;
    use std::ops::{Add, Div, Sub};

    fn q(n: i64, d: u64) -> Expr {
        Expr::rational(&Rational::from((n, d)))
    }

    fn at(pairs: &[(&str, Rational)]) -> Assignment {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn rational_arithmetic_is_exact() {
        // (3/2)^2 - 9/4 = 0
        let e = q(3, 2).pow(Expr::int(2)).sub(q(9, 4));
        assert_eq!(eval_exact(&e, &Assignment::new()), Some(Rational::new()));
        // 0.1 + 0.2 = 3/10 exactly, unlike binary floating point.
        let e = q(1, 10).add(q(2, 10));
        assert_eq!(eval_exact(&e, &Assignment::new()), Some(Rational::from((3, 10))));
    }

    #[test]
    fn integer_powers() {
        let none = Assignment::new();
        assert_eq!(
            eval_exact(&Expr::int(-2).pow(Expr::int(3)), &none),
            Some(Rational::from(-8))
        );
        assert_eq!(
            eval_exact(&q(2, 3).pow(Expr::int(-2)), &none),
            Some(Rational::from((9, 4)))
        );
        assert_eq!(
            eval_exact(&Expr::int(0).pow(Expr::int(0)), &none),
            Some(Rational::from(1))
        );
        assert_eq!(
            eval_exact(&Expr::int(0).pow(Expr::int(3)), &none),
            Some(Rational::new())
        );
        assert_eq!(eval_exact(&Expr::int(0).pow(Expr::int(-1)), &none), None);
        // Exponent (4/2) is an integer even though it is written as a quotient.
        let e = Expr::int(3).pow(Expr::int(4).div(Expr::int(2)));
        assert_eq!(eval_exact(&e, &none), Some(Rational::from(9)));
        // An exponent given by a variable that happens to be an integer at the point.
        let e = Expr::var("x").pow(Expr::var("n"));
        let p = at(&[("x", Rational::from((1, 2))), ("n", Rational::from(-3))]);
        assert_eq!(eval_exact(&e, &p), Some(Rational::from(8)));
    }

    #[test]
    fn non_rational_or_undefined_is_none() {
        let none = Assignment::new();
        assert_eq!(eval_exact(&Expr::Pi, &none), None);
        assert_eq!(eval_exact(&Expr::int(1).call(Func::Exp), &none), None);
        assert_eq!(eval_exact(&Expr::int(4).pow(q(1, 2)), &none), None);
        assert_eq!(eval_exact(&Expr::int(1).div(Expr::int(0)), &none), None);
        assert_eq!(eval_exact(&Expr::var("x"), &none), None);
        assert_eq!(eval_exact(&Expr::int(-8).pow(q(1, 3)), &none), None);
    }

    #[test]
    fn size_guards() {
        let none = Assignment::new();
        assert_eq!(eval_exact(&Expr::int(2).pow(Expr::int(10_001)), &none), None);
        let big = Expr::int(2).pow(Expr::int(10_000));
        let value = eval_exact(&big, &none).expect("2^10000 is small enough");
        assert_eq!(value.numer().significant_bits(), 10_001);
        // (2^10000)^10000 would have 10^8 bits: declined, not computed.
        assert_eq!(eval_exact(&big.clone().pow(Expr::int(10_000)), &none), None);
        // A huge exponent literal must not be converted blindly.
        let huge = Expr::Num(Rational::from(Integer::from(10u32).pow(40u32)));
        assert_eq!(eval_exact(&Expr::int(1).pow(huge), &none), None);
    }
}
