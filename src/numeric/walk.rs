//! The one tree walk shared by the MPFR evaluators.
//!
//! [`eval_float`](super::eval_float), [`eval_dual`](super::eval_dual),
//! [`eval_interval`](super::eval_interval) and [`eval_interval_dual`](super::eval_interval_dual)
//! differ only in their number type; the order in which subtrees are evaluated, the syntactic
//! integer-exponent rule for `x^y` (decided by [`exact_exponent`] on the exponent subtree, which
//! also finds the small-denominator exponents computed by roots) and
//! the final finiteness check at every node live here once. Each evaluator supplies an
//! [`Arithmetic`]: the number type's constants, `+ − × ÷`, powers and functions together with
//! their domain checks, which report [`EvalError`].

use super::exact::{ExactExponent, Root, exact_exponent};
use super::{Assignment, EvalError, lookup};
use crate::expr::{BinOp, Expr, Func};
use rug::{Integer, Rational};
use std::collections::{BTreeMap, BTreeSet};

/// The number type of one evaluator, with the evaluation context it needs (precision, seeds).
///
/// Every operation receives operands that already passed [`Arithmetic::finish`], and returns
/// either a value or the domain error of the shared rules in [`crate::numeric`].
pub(super) trait Arithmetic {
    /// The values the walk computes (a float, an interval, a value–derivative pair).
    type Num;

    /// The evaluation point.
    fn at(&self) -> &Assignment;

    /// A value for a whole subtree decided without walking it, if the number type has one.
    /// The dual evaluators use it for subtrees that do not vary along the direction: their
    /// derivative is exactly zero and no differentiability condition applies inside them.
    fn shortcut(&self, _e: &Expr) -> Option<Result<Self::Num, EvalError>> {
        None
    }

    /// A literal.
    fn rational(&self, q: &Rational) -> Self::Num;

    /// `π`.
    fn pi(&self) -> Self::Num;

    /// The variable `name`, whose value at the point is `value`.
    fn variable(&self, name: &str, value: &Rational) -> Self::Num;

    /// `−x` (exact in every number type).
    fn neg(&self, x: Self::Num) -> Self::Num;

    /// `x + y`.
    fn add(&self, x: &Self::Num, y: &Self::Num) -> Result<Self::Num, EvalError>;

    /// `x − y`.
    fn sub(&self, x: &Self::Num, y: &Self::Num) -> Result<Self::Num, EvalError>;

    /// `x · y`.
    fn mul(&self, x: &Self::Num, y: &Self::Num) -> Result<Self::Num, EvalError>;

    /// `x / y`, refusing a zero divisor.
    fn div(&self, x: &Self::Num, y: &Self::Num) -> Result<Self::Num, EvalError>;

    /// `x^n` where the exponent subtree `exponent` is exactly the integer `n` at the point.
    /// The subtree is passed so that a dual number type can differentiate through it.
    fn integer_power(&self, x: &Self::Num, n: &Integer, exponent: &Expr) -> Result<Self::Num, EvalError>;

    /// `x^y` for an exponent that is not a proven integer; `base` is the base subtree.
    fn real_power(&self, base: &Expr, x: &Self::Num, y: &Self::Num) -> Result<Self::Num, EvalError>;

    /// `x^y` where the exponent is exactly `root.p / root.q` at the point (`y` is its value in
    /// this number type): the same value and domain rules as [`Arithmetic::real_power`], computed
    /// from a `q`-th root and an integer power.
    fn root_power(
        &self,
        base: &Expr,
        x: &Self::Num,
        y: &Self::Num,
        root: &Root,
    ) -> Result<Self::Num, EvalError>;

    /// `f(x)`, with the function's domain check.
    fn call(&self, f: Func, x: &Self::Num) -> Result<Self::Num, EvalError>;

    /// The check applied to every node's result (no NaN or infinity escapes).
    fn finish(&self, x: Self::Num) -> Result<Self::Num, EvalError>;
}

/// Evaluates `e` with the number type `a`: the single walk behind every MPFR evaluator.
///
/// The left operand is always evaluated before the right one, so that when both fail the
/// reported error is the same in every evaluator.
pub(super) fn walk<A: Arithmetic>(a: &A, e: &Expr) -> Result<A::Num, EvalError> {
    if let Some(done) = a.shortcut(e) {
        return done;
    }
    if let Some(q) = folded_literal(e) {
        return a.finish(a.rational(&q));
    }
    let value = match e {
        Expr::Num(q) => a.rational(q),
        Expr::Var(v) => a.variable(v, lookup(a.at(), v)?),
        Expr::Pi => a.pi(),
        Expr::Neg(x) => a.neg(walk(a, x)?),
        Expr::Bin(BinOp::Pow, base, exponent) => {
            let x = walk(a, base)?;
            power(a, base, &x, exponent)?
        }
        Expr::Bin(op, l, r) => {
            let x = walk(a, l)?;
            let y = walk(a, r)?;
            match op {
                BinOp::Add => a.add(&x, &y)?,
                BinOp::Sub => a.sub(&x, &y)?,
                BinOp::Mul => a.mul(&x, &y)?,
                BinOp::Div => a.div(&x, &y)?,
                // Handled by the arm above; repeated so the match needs no panic.
                BinOp::Pow => power(a, l, &x, r)?,
            }
        }
        Expr::Call(f, x) => a.call(*f, &walk(a, x)?)?,
    };
    a.finish(value)
}

/// `x^exponent` where `x` is the value of the subtree `base`: the exponent is classified by one
/// exact evaluation (integer, small-root rational, or real) and walked only when not an integer.
fn power<A: Arithmetic>(a: &A, base: &Expr, x: &A::Num, exponent: &Expr) -> Result<A::Num, EvalError> {
    match exact_exponent(exponent, a.at()) {
        Some(ExactExponent::Integer(n)) => a.integer_power(x, &n, exponent),
        Some(ExactExponent::Root(root)) => a.root_power(base, x, &walk(a, exponent)?, &root),
        None => a.real_power(base, x, &walk(a, exponent)?),
    }
}

/// A product or quotient of two literals (`3/2` in `λ^(3/2)`, `1/1000`), as the one rational it
/// is. The walk evaluates it as that literal: one correctly rounded conversion gives exactly the
/// value (or, for intervals, the bounds) that rounding the one product or quotient of two exact
/// operands gives — without a division at the working precision, which at thousands of digits
/// cost as much as the rest of a small formula. A quotient by zero is left to the walk (and
/// its error). [`walk`] records one value for such a node, not three; the magnitude pass
/// (`resolve`) counts it so.
pub(super) fn folded_literal(e: &Expr) -> Option<Rational> {
    // A literal or a negated one (`-1/2` parses as (−1)/2): negation is exact everywhere.
    fn number(e: &Expr) -> Option<Rational> {
        match e {
            Expr::Num(q) => Some(q.clone()),
            Expr::Neg(x) => match &**x {
                Expr::Num(q) => Some(Rational::from(-q)),
                _ => None,
            },
            _ => None,
        }
    }
    let Expr::Bin(op, l, r) = e else { return None };
    if !matches!(op, BinOp::Mul | BinOp::Div) {
        return None;
    }
    let (a, b) = (number(l)?, number(r)?);
    match op {
        BinOp::Mul => Some(a * b),
        _ if b.cmp0() != std::cmp::Ordering::Equal => Some(a / b),
        _ => None,
    }
}

/// The variables with a non-zero seed: the ones a directional derivative moves.
pub(super) fn active_seeds(seeds: &BTreeMap<String, Rational>) -> BTreeSet<&str> {
    seeds
        .iter()
        .filter(|(_, s)| s.cmp0() != std::cmp::Ordering::Equal)
        .map(|(v, _)| v.as_str())
        .collect()
}

/// Whether `e` mentions an active variable, i.e. may vary along the direction. The test is
/// syntactic on purpose, so that both dual evaluators decide constancy the same way.
pub(super) fn varies(e: &Expr, active: &BTreeSet<&str>) -> bool {
    let mut found = false;
    e.visit(&mut |node| {
        if let Expr::Var(v) = node {
            found |= active.contains(v.as_str());
        }
    });
    found
}
