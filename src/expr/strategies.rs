//! [`proptest`] strategies for expression trees (enabled by the `testing` feature, or its alias `proptest-support`), so
//! that property-test suites outside this crate can generate formulas `renorm` accepts.

use super::{BinOp, Expr, Func};
use proptest::prelude::*;
use rug::Rational;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// Non-negative literals: small integers and short terminating decimals.
pub fn literal() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (0u32..20).prop_map(|n| Expr::Num(Rational::from(n))),
        (1u32..1000, 1u32..4).prop_map(|(n, k)| Expr::Num(Rational::from((n, 10u32.pow(k))))),
    ]
}

/// Arbitrary trees over the given variable names, up to `depth` levels of nesting.
///
/// Every operator and whitelisted function can appear, so trees may be undefined at some points
/// (`log` of a negative, division by zero); consumers must treat such points as undefined.
pub fn expr(vars: Vec<&'static str>, depth: u32) -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        3 => proptest::sample::select(vars).prop_map(Expr::var),
        2 => literal(),
        1 => Just(Expr::Pi),
    ];
    leaf.prop_recursive(depth, 64, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(Expr::neg),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.add(b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.sub(b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.mul(b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.div(b)),
            (inner.clone(), -3i64..4).prop_map(|(a, n)| a.pow(Expr::int(n))),
            (inner.clone(), proptest::sample::select(Func::ALL.to_vec())).prop_map(|(a, f)| a.call(f)),
        ]
    })
}

/// Trees that are real-analytic and defined on the whole positive orthant of their variables:
/// sums, products and quotients by positive factors, positive powers, `exp`, `log` of positive
/// subtrees, `sqrt`, `cos`, `tanh`, `cosh` of logarithms. Useful where a property needs every point defined.
pub fn positive_expr(vars: Vec<&'static str>, depth: u32) -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        3 => proptest::sample::select(vars).prop_map(Expr::var),
        1 => (1u32..20).prop_map(|n| Expr::Num(Rational::from(n))),
        1 => (1u32..100).prop_map(|n| Expr::Num(Rational::from((n, 10u32)))),
    ];
    leaf.prop_recursive(depth, 48, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.add(b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.mul(b)),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| a.div(b)),
            (inner.clone(), -3i64..4).prop_map(|(a, n)| a.pow(Expr::int(n))),
            (inner.clone(), 1u32..5, 2u32..4).prop_map(|(a, p, q)| a.pow(Expr::Bin(
                BinOp::Div,
                Box::new(Expr::int(p.into())),
                Box::new(Expr::int(q.into()))
            ))),
            inner.clone().prop_map(|a| a.call(Func::Sqrt)),
            inner.clone().prop_map(|a| a.call(Func::Log).call(Func::Exp)),
            inner.clone().prop_map(|a| Expr::int(2).add(a.call(Func::Cos))),
            inner.clone().prop_map(|a| Expr::int(2).add(a.call(Func::Tanh))),
            // cosh of a logarithm: nested plain cosh grows like a tower of exponentials, and a
            // tree whose value is 10^600 is not a useful test of anything.
            inner
                .clone()
                .prop_map(|a| (Expr::int(1) + a).call(Func::Log).call(Func::Cosh)),
        ]
    })
}
