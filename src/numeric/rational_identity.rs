//! Exact decisions for rational formulas: an identity `lhs == rhs` between rational functions
//! with rational coefficients is settled by exact evaluation on a finite grid of rationals.
//!
//! # When it applies
//!
//! A formula is *rational* when it is built from literals, variables, unary minus, `+ − × ÷`
//! and powers `a^k` whose exponent `k` contains no variable and is proved by
//! [`eval_exact`](super::eval_exact) to be an integer constant (`|k| ≤ 10 000`, the limit of the
//! exact evaluator). `pi`, every function call, and every real or variable exponent make a
//! formula non-rational, and [`decide`] answers [`ExactDecision::NotApplicable`].
//!
//! # The degree bound
//!
//! Every rational node `e` has a *formal* representation `e = N_e / D_e` with polynomials
//! `N_e`, `D_e` built by the rules (no cancellation is ever performed):
//!
//! | node | `N` | `D` |
//! |---|---|---|
//! | literal `q` | `q` | `1` |
//! | variable `x` | `x` | `1` |
//! | `−a` | `−N_a` | `D_a` |
//! | `a ± b` | `N_a D_b ± N_b D_a` | `D_a D_b` |
//! | `a · b` | `N_a N_b` | `D_a D_b` |
//! | `a / b` | `N_a D_b` | `D_a N_b` |
//! | `a^k`, `k ≥ 0` | `N_a^k` | `D_a^k` |
//! | `a^k`, `k < 0` | `D_a^{|k|}` | `N_a^{|k|}` |
//!
//! [`rational_degrees`] tracks, per variable, upper bounds on the degree of `N_e` and `D_e`
//! following exactly these rules (`a ± b`: `max(N_a + D_b, N_b + D_a)` and `D_a + D_b`; and so
//! on), in saturating arithmetic, refusing bounds above [`MAX_DEGREE`].
//!
//! # Why exact evaluation succeeding means every formal denominator is non-zero
//!
//! By induction over the tree: if [`eval_exact`](super::eval_exact) returns a value for `e` at a
//! point `p`, then `D_e(p) ≠ 0` and the value is `N_e(p) / D_e(p)`. Leaves have `D = 1`. For
//! `a / b` the evaluator requires the value of `b`, `N_b(p)/D_b(p)`, to be non-zero, hence
//! `N_b(p) ≠ 0`, and `D_a(p) ≠ 0` by induction, so `D_a(p) N_b(p) ≠ 0`. For `a^k` with `k < 0`
//! the evaluator refuses a zero base, so `N_a(p) ≠ 0`; with `k ≥ 0` the denominator `D_a^k` is
//! non-zero by induction (and `a^0 = 1 = N/D` with `N = D = 1` even for a zero base). Sums and
//! products only multiply non-zero denominators.
//!
//! # Why the grid is a proof
//!
//! Write `R = N_l D_r − N_r D_l`, a polynomial whose degree in each variable `x` is at most
//! `d_x = max(N_l,x + D_r,x, N_r,x + D_l,x)`. At a grid point where both sides evaluate exactly
//! and agree, `N_l/D_l = N_r/D_r` with non-zero denominators, so `R(p) = 0`. If `R` vanishes on
//! a product grid `S_1 × … × S_n` with `|S_x| = d_x + 1` distinct values per variable, then `R`
//! is the zero polynomial: by induction on `n`, write `R = Σ_j c_j(x_2, …, x_n) x_1^j` with
//! `j ≤ d_1`; for every fixed `(x_2, …, x_n)` in the smaller grid the one-variable polynomial in
//! `x_1` has `d_1 + 1` roots, so all its coefficients `c_j` vanish there, and by the induction
//! hypothesis every `c_j` is the zero polynomial. Hence `N_l D_r = N_r D_l` identically, and at
//! **every** point where both sides are defined (where `D_l, D_r ≠ 0`, by the argument above)
//! `lhs = rhs`. A grid point where the sides differ is an exact counterexample.
//!
//! Grid points where a side is undefined carry no information, so [`decide_over`] then tries a
//! different grid (a few times) before giving up with [`ExactDecision::NotApplicable`].

use super::{Assignment, eval_exact};
use crate::expr::{BinOp, Expr};
use rug::{Integer, Rational};
use std::collections::BTreeMap;

/// Largest per-variable degree bound that [`rational_degrees`] accepts.
pub const MAX_DEGREE: u64 = 1_000_000;

/// Largest `|k|` in `a^k` (the limit of the exact evaluator).
const MAX_EXPONENT: u64 = 10_000;

/// Number of different grids tried when a side is undefined at a grid point.
const GRID_ATTEMPTS: u32 = 4;

/// Per-variable upper bounds on the degrees of a formula's formal numerator and denominator
/// (built without cancellation: `a ± b` ↦ `(N_a D_b ± N_b D_a) / (D_a D_b)`, `a / b` ↦
/// `(N_a D_b) / (D_a N_b)`, and so on). Variables that do not occur are absent (degree 0).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RationalDegrees {
    /// Degree bound of the formal numerator, per variable.
    pub numerator: BTreeMap<String, u64>,
    /// Degree bound of the formal denominator, per variable.
    pub denominator: BTreeMap<String, u64>,
}

impl RationalDegrees {
    fn num(&self, v: &str) -> u64 {
        self.numerator.get(v).copied().unwrap_or(0)
    }

    fn den(&self, v: &str) -> u64 {
        self.denominator.get(v).copied().unwrap_or(0)
    }

    fn variables<'a>(&'a self, other: &'a RationalDegrees) -> std::collections::BTreeSet<&'a String> {
        self.numerator
            .keys()
            .chain(self.denominator.keys())
            .chain(other.numerator.keys())
            .chain(other.denominator.keys())
            .collect()
    }

    /// Builds bounds from per-variable `(numerator, denominator)` pairs, dropping zeros and
    /// refusing values above [`MAX_DEGREE`].
    fn from_pairs<'a>(
        pairs: impl Iterator<Item = (&'a String, u64, u64)>,
    ) -> Result<RationalDegrees, String> {
        let mut out = RationalDegrees::default();
        for (v, n, d) in pairs {
            if n > MAX_DEGREE || d > MAX_DEGREE {
                return Err(format!("the degree bound in `{v}` exceeds {MAX_DEGREE}"));
            }
            if n > 0 {
                out.numerator.insert(v.clone(), n);
            }
            if d > 0 {
                out.denominator.insert(v.clone(), d);
            }
        }
        Ok(out)
    }

    /// The bound of the residual numerator `N_l D_r − N_r D_l` in `v`.
    pub fn residual_degree(&self, rhs: &RationalDegrees, v: &str) -> u64 {
        self.num(v)
            .saturating_add(rhs.den(v))
            .max(rhs.num(v).saturating_add(self.den(v)))
    }
}

/// Degree bounds of `e` as a rational function, or why `e` is not rational (syntactically).
pub fn rational_degrees(e: &Expr) -> Result<RationalDegrees, String> {
    match e {
        Expr::Num(_) => Ok(RationalDegrees::default()),
        Expr::Var(v) => {
            let mut out = RationalDegrees::default();
            out.numerator.insert(v.clone(), 1);
            Ok(out)
        }
        Expr::Pi => Err("`pi` is not rational".into()),
        Expr::Call(f, _) => Err(format!("the function `{}` is not rational", f.name())),
        Expr::Neg(a) => rational_degrees(a),
        Expr::Bin(op, a, b) => {
            let da = rational_degrees(a)?;
            if *op == BinOp::Pow {
                let k = integer_exponent(b)?;
                let magnitude = k.unsigned_abs();
                let (n_src, d_src) = if k >= 0 {
                    (&da.numerator, &da.denominator)
                } else {
                    (&da.denominator, &da.numerator)
                };
                let vars: std::collections::BTreeSet<&String> = n_src.keys().chain(d_src.keys()).collect();
                return RationalDegrees::from_pairs(vars.into_iter().map(|v| {
                    let n = n_src.get(v).copied().unwrap_or(0).saturating_mul(magnitude);
                    let d = d_src.get(v).copied().unwrap_or(0).saturating_mul(magnitude);
                    (v, n, d)
                }));
            }
            let db = rational_degrees(b)?;
            let vars = da.variables(&db);
            RationalDegrees::from_pairs(vars.into_iter().map(|v| {
                let (na, dda, nb, ddb) = (da.num(v), da.den(v), db.num(v), db.den(v));
                let (n, d) = match op {
                    BinOp::Add | BinOp::Sub => (
                        na.saturating_add(ddb).max(nb.saturating_add(dda)),
                        dda.saturating_add(ddb),
                    ),
                    BinOp::Mul => (na.saturating_add(nb), dda.saturating_add(ddb)),
                    // `Pow` returned above; `Div` is the remaining case.
                    BinOp::Div | BinOp::Pow => (na.saturating_add(ddb), dda.saturating_add(nb)),
                };
                (v, n, d)
            }))
        }
    }
}

/// The exponent of `a^k` as an integer constant, or why it is not one.
fn integer_exponent(k: &Expr) -> Result<i64, String> {
    if !k.variables().is_empty() {
        return Err(format!("the exponent `{k}` contains a variable"));
    }
    let q = eval_exact(k, &Assignment::new())
        .ok_or_else(|| format!("the exponent `{k}` is not an exact rational constant"))?;
    if *q.denom() != 1 {
        return Err(format!("the exponent `{k}` = {q} is not an integer"));
    }
    match q.numer().to_i64() {
        Some(n) if n.unsigned_abs() <= MAX_EXPONENT => Ok(n),
        _ => Err(format!("the exponent `{k}` exceeds {MAX_EXPONENT} in magnitude")),
    }
}

/// Which values a variable's grid may use (the variable's domain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValuePool {
    /// Positive rationals (small ones first: `1, 2, 1/2, 3, 1/3, 3/2, 2/3, …`).
    Positive,
    /// Positive integers.
    Integer,
    /// Rationals strictly between the two bounds (which must satisfy `lo < hi`).
    Interval(Rational, Rational),
}

/// A completed exact proof: the grid on which `lhs` and `rhs` agreed exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridProof {
    /// Per-variable degree bound `d_x` of the residual numerator (the grid has `d_x + 1`
    /// values of `x`).
    pub degrees: BTreeMap<String, u64>,
    /// Number of grid points (all of them evaluated, all equal).
    pub points: u64,
    /// The values of each variable on the grid.
    pub values: BTreeMap<String, Vec<Rational>>,
}

impl GridProof {
    /// One line: the grid size and the degree bounds.
    pub fn describe(&self) -> String {
        let bounds: Vec<String> = self.degrees.iter().map(|(v, d)| format!("{v}: {d}")).collect();
        format!(
            "both sides agree exactly on a grid of {} rational points; residual-numerator degree bound {}",
            self.points,
            if bounds.is_empty() {
                "0 (no variables)".to_string()
            } else {
                format!("({})", bounds.join(", "))
            }
        )
    }
}

/// An exact counterexample: a grid point where both sides are defined and differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counterexample {
    /// The point.
    pub point: Assignment,
    /// Exact value of the left-hand side there.
    pub lhs: Rational,
    /// Exact value of the right-hand side there.
    pub rhs: Rational,
}

/// The answer of [`decide`] / [`decide_over`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExactDecision {
    /// `lhs ≡ rhs` as rational functions, so equal wherever both are defined.
    Proved(GridProof),
    /// An exact point where both sides are defined and differ.
    Refuted(Counterexample),
    /// The exact path does not apply (the reason says why).
    NotApplicable(String),
}

/// Decides `lhs == rhs` exactly with every variable in `vars` ranging over the positive
/// rationals; see [`decide_over`].
pub fn decide(lhs: &Expr, rhs: &Expr, vars: &[String], max_points: u64) -> ExactDecision {
    let pools: BTreeMap<String, ValuePool> = vars.iter().map(|v| (v.clone(), ValuePool::Positive)).collect();
    decide_over(lhs, rhs, &pools, max_points)
}

/// Decides `lhs == rhs` exactly, each variable drawing its grid values from its pool.
///
/// The grid has `d_x + 1` distinct values of each variable `x`, where `d_x` bounds the degree
/// in `x` of the residual numerator `N_l D_r − N_r D_l` ([`RationalDegrees`]). Exact evaluation
/// succeeding at a point implies that every formal denominator is non-zero there, so agreement
/// at every grid point makes the residual numerator vanish on the whole grid, hence vanish
/// identically (a polynomial of degree `≤ d_x` in each `x` that vanishes on such a product grid
/// is zero, by induction on the number of variables): then `lhs = rhs` wherever both are
/// defined, and the answer is [`ExactDecision::Proved`]. A grid point where both sides are
/// defined and differ is an exact counterexample.
///
/// Not applicable when a side is not rational, when a variable of the formula has no pool,
/// when the grid would have more than `max_points` points, when an interval pool is empty, or
/// when every one of a few grids contains a point where a side is undefined (or too large to
/// evaluate exactly). Variables with a pool that do not occur get a single value.
pub fn decide_over(
    lhs: &Expr,
    rhs: &Expr,
    pools: &BTreeMap<String, ValuePool>,
    max_points: u64,
) -> ExactDecision {
    let degrees = match (rational_degrees(lhs), rational_degrees(rhs)) {
        (Ok(l), Ok(r)) => (l, r),
        (Err(why), _) | (_, Err(why)) => return ExactDecision::NotApplicable(format!("not rational: {why}")),
    };
    let mut variables = lhs.variables();
    variables.extend(rhs.variables());
    if let Some(v) = variables.iter().find(|v| !pools.contains_key(*v)) {
        return ExactDecision::NotApplicable(format!("no exact grid values for `{v}`"));
    }
    for (v, pool) in pools {
        if let ValuePool::Interval(lo, hi) = pool
            && lo >= hi
        {
            return ExactDecision::NotApplicable(format!("the range of `{v}` is empty or a single point"));
        }
    }
    let bounds: BTreeMap<String, u64> = pools
        .keys()
        .map(|v| (v.clone(), degrees.0.residual_degree(&degrees.1, v)))
        .collect();
    let mut total: u64 = 1;
    for d in bounds.values() {
        total = total.saturating_mul(d.saturating_add(1));
    }
    if total > max_points {
        return ExactDecision::NotApplicable(format!(
            "the exact grid would need {} points (degree bounds {}), more than the limit of {max_points}",
            if total == u64::MAX {
                "too many".to_string()
            } else {
                total.to_string()
            },
            describe_bounds(&bounds)
        ));
    }
    let names: Vec<&String> = pools.keys().collect();
    let mut last_undefined = String::new();
    for attempt in 0..GRID_ATTEMPTS {
        let mut values: BTreeMap<String, Vec<Rational>> = BTreeMap::new();
        for (index, (v, pool)) in pools.iter().enumerate() {
            let count = usize::try_from(bounds[v].saturating_add(1)).unwrap_or(usize::MAX);
            values.insert(v.clone(), grid_values(pool, count, attempt, index, pools.len()));
        }
        match run_grid(lhs, rhs, &names, &values) {
            GridRun::AllEqual => {
                return ExactDecision::Proved(GridProof {
                    degrees: bounds,
                    points: total,
                    values,
                });
            }
            GridRun::Differs(c) => return ExactDecision::Refuted(c),
            GridRun::Undefined(at) => {
                last_undefined = at
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ");
            }
        }
    }
    ExactDecision::NotApplicable(format!(
        "in each of {GRID_ATTEMPTS} exact grids a side is undefined (or too large to evaluate \
         exactly) at some point (last: {last_undefined})"
    ))
}

fn describe_bounds(bounds: &BTreeMap<String, u64>) -> String {
    let parts: Vec<String> = bounds.iter().map(|(v, d)| format!("{v}: {d}")).collect();
    format!("({})", parts.join(", "))
}

enum GridRun {
    AllEqual,
    Differs(Counterexample),
    Undefined(Assignment),
}

/// Evaluates both sides at every point of the product grid (mixed-radix enumeration).
fn run_grid(lhs: &Expr, rhs: &Expr, names: &[&String], values: &BTreeMap<String, Vec<Rational>>) -> GridRun {
    let sizes: Vec<usize> = names.iter().map(|v| values.get(*v).map_or(0, Vec::len)).collect();
    if sizes.contains(&0) {
        return GridRun::Undefined(Assignment::new());
    }
    let mut index = vec![0usize; names.len()];
    loop {
        let at: Assignment = names
            .iter()
            .zip(&index)
            .map(|(v, &i)| ((*v).clone(), values[*v][i].clone()))
            .collect();
        match (eval_exact(lhs, &at), eval_exact(rhs, &at)) {
            (Some(l), Some(r)) => {
                if l != r {
                    return GridRun::Differs(Counterexample {
                        point: at,
                        lhs: l,
                        rhs: r,
                    });
                }
            }
            _ => return GridRun::Undefined(at),
        }
        // Next index, least significant first; done when every digit wrapped.
        let mut position = 0;
        loop {
            if position == index.len() {
                return GridRun::AllEqual;
            }
            index[position] += 1;
            if index[position] < sizes[position] {
                break;
            }
            index[position] = 0;
            position += 1;
        }
    }
}

/// `count` distinct values from `pool` for variable number `index` of `nvars`.
///
/// Attempt 0 gives every variable the same small values (readable witnesses). Later attempts
/// (after an undefined point) shift each variable by a different fraction, so that the value
/// sets of different variables are disjoint and poles such as `1/(x − y)` or `1/(x − 1)` are
/// avoided.
fn grid_values(pool: &ValuePool, count: usize, attempt: u32, index: usize, nvars: usize) -> Vec<Rational> {
    // Fractional offset (index+1)/(nvars+1+attempt) ∈ (0, 1): distinct per variable.
    let offset = |attempt: u32| {
        let den = u64::try_from(nvars)
            .unwrap_or(u64::MAX)
            .saturating_add(1 + u64::from(attempt));
        let num = u64::try_from(index).unwrap_or(u64::MAX).saturating_add(1);
        Rational::from((Integer::from(num), Integer::from(den)))
    };
    match pool {
        ValuePool::Positive if attempt == 0 => small_positive_rationals(count),
        ValuePool::Positive => {
            let f = offset(attempt);
            (1..=count).map(|j| Rational::from(j) + &f).collect()
        }
        ValuePool::Integer => {
            // Blocks of `count` consecutive integers, a different block per (attempt, index).
            let block = if attempt == 0 {
                0
            } else {
                (attempt as usize).saturating_mul(nvars).saturating_add(index)
            };
            let start = Integer::from(block) * Integer::from(count);
            (1..=count).map(|j| Rational::from(start.clone() + j)).collect()
        }
        ValuePool::Interval(lo, hi) => {
            let f = if attempt == 0 {
                Rational::from((1, 2))
            } else {
                offset(attempt)
            };
            let width = Rational::from(hi - lo);
            let n = Rational::from(count);
            (0..count)
                .map(|j| {
                    let t = (Rational::from(j) + &f) / &n;
                    lo + Rational::from(&width * &t)
                })
                .collect()
        }
    }
}

/// The first `count` positive rationals ordered by height `max(p, q)`: `1, 2, 1/2, 3, 1/3,
/// 3/2, 2/3, 4, 1/4, 4/3, 3/4, …`.
fn small_positive_rationals(count: usize) -> Vec<Rational> {
    let mut out = Vec::with_capacity(count.min(1 << 20));
    let mut height: u64 = 1;
    while out.len() < count {
        if height == 1 {
            out.push(Rational::from(1));
        }
        for q in 1..height {
            if out.len() >= count {
                break;
            }
            if Integer::from(height).gcd(&Integer::from(q)) == 1 {
                out.push(Rational::from((height, q)));
                if out.len() < count {
                    out.push(Rational::from((q, height)));
                }
            }
        }
        height += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parse;
    use proptest::prelude::*;

    fn e(text: &str) -> Expr {
        parse(text).unwrap_or_else(|err| panic!("{text}: {err}"))
    }

    fn vars(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn q(text: &str) -> Rational {
        text.parse().unwrap_or_else(|_| panic!("{text} is a rational"))
    }

    #[test]
    fn degree_bounds_follow_the_formal_rules() {
        // (x^2 - 1)/(x - 1): N = (x^2 - 1)·1 has degree 2, D = 1·(x - 1) degree 1.
        let d = rational_degrees(&e("(x^2 - 1)/(x - 1)")).unwrap();
        assert_eq!(d.numerator.get("x"), Some(&2));
        assert_eq!(d.denominator.get("x"), Some(&1));
        // x^-3 / y: N = 1·1 (x^-3 has N = 1, D = x^3), so N has no x; D = x^3·y.
        let d = rational_degrees(&e("x^(-3)/y")).unwrap();
        assert_eq!(d.numerator.get("x"), None);
        assert_eq!(d.denominator.get("x"), Some(&3));
        assert_eq!(d.denominator.get("y"), Some(&1));
        // 1/x + 1/y: N = 1·y + 1·x (degree 1 in each), D = x·y.
        let d = rational_degrees(&e("1/x + 1/y")).unwrap();
        assert_eq!((d.numerator["x"], d.numerator["y"]), (1, 1));
        assert_eq!((d.denominator["x"], d.denominator["y"]), (1, 1));
    }

    #[test]
    fn non_rational_formulas_are_refused() {
        let huge_power = Expr::var("x").pow(Expr::int(1 << 20));
        let mut cases: Vec<Expr> = ["sqrt(x)", "log(x)", "pi*x", "x^(1/2)", "x^y", "2^x", "exp(1)*x"]
            .iter()
            .map(|t| e(t))
            .collect();
        cases.push(huge_power);
        for case in cases {
            assert!(rational_degrees(&case).is_err(), "{case}");
            assert!(
                matches!(
                    decide(&case, &e("x"), &vars(&["x", "y"]), 1000),
                    ExactDecision::NotApplicable(_)
                ),
                "{case}"
            );
        }
    }

    #[test]
    fn removable_singularity_is_proved() {
        // d_x = max(2 + 0, 1 + 1) = 2: three values; the first grid contains the pole x = 1.
        match decide(&e("(x^2-1)/(x-1)"), &e("x+1"), &vars(&["x"]), 1000) {
            ExactDecision::Proved(p) => {
                assert_eq!(p.degrees["x"], 2);
                assert_eq!(p.points, 3);
                assert!(!p.values["x"].contains(&Rational::from(1)));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn binomial_square_is_proved() {
        match decide(&e("(x+y)^2"), &e("x^2+2*x*y+y^2"), &vars(&["x", "y"]), 1000) {
            ExactDecision::Proved(p) => {
                assert_eq!((p.degrees["x"], p.degrees["y"]), (2, 2));
                assert_eq!(p.points, 9);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn binomial_cube_is_refuted_exactly() {
        // (x+y)^3 − x^3 − y^3 = 3xy(x+y) ≠ 0 at every positive point; the first grid point is
        // x = y = 1: lhs = 8, rhs = 2.
        match decide(&e("(x+y)^3"), &e("x^3+y^3"), &vars(&["x", "y"]), 1000) {
            ExactDecision::Refuted(c) => {
                assert_eq!(c.point["x"], 1);
                assert_eq!(c.point["y"], 1);
                assert_eq!(
                    (c.lhs.clone(), c.rhs.clone()),
                    (Rational::from(8), Rational::from(2))
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn poles_on_the_grid_move_the_grid() {
        // 1/(x-1) + 1/(x-2) == (2x-3)/((x-1)(x-2)), true; the first grid {1, 2, 1/2, …} hits
        // both poles.
        let lhs = e("1/(x-1) + 1/(x-2)");
        let rhs = e("(2*x-3)/((x-1)*(x-2))");
        assert!(matches!(
            decide(&lhs, &rhs, &vars(&["x"]), 1000),
            ExactDecision::Proved(_)
        ));
        // A diagonal pole: 1/(x-y) vs -1/(y-x); attempt 0 gives x and y the same values.
        let lhs = e("1/(x-y)");
        let rhs = e("-1/(y-x)");
        assert!(matches!(
            decide(&lhs, &rhs, &vars(&["x", "y"]), 1000),
            ExactDecision::Proved(_)
        ));
        // The same identity with a wrong sign: refuted at a point off the diagonal.
        match decide(&lhs, &e("1/(y-x)"), &vars(&["x", "y"]), 1000) {
            ExactDecision::Refuted(c) => {
                let (x, y) = (&c.point["x"], &c.point["y"]);
                assert_ne!(x, y);
                let expected = Rational::from(x - y).recip();
                assert_eq!(c.lhs, expected);
                assert_eq!(c.rhs, -expected.clone());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nowhere_defined_is_not_applicable() {
        assert!(matches!(
            decide(&e("1/(x-x)"), &e("1"), &vars(&["x"]), 1000),
            ExactDecision::NotApplicable(_)
        ));
    }

    #[test]
    fn large_grids_are_declined() {
        // x^1000 == x^1000 + 0: d_x = 1000, so 1001 points > 1000.
        match decide(&e("x^1000"), &e("x^1000 + 0"), &vars(&["x"]), 1000) {
            ExactDecision::NotApplicable(why) => assert!(why.contains("1001 points"), "{why}"),
            other => panic!("{other:?}"),
        }
        // Within the limit it is proved.
        assert!(matches!(
            decide(&e("x^1000"), &e("x^1000 + 0"), &vars(&["x"]), 1001),
            ExactDecision::Proved(_)
        ));
    }

    #[test]
    fn tiny_rational_perturbations_are_refuted() {
        // x + (x-1)(x-2)(x-3)·10^-200 equals x at 1, 2, 3 (and floats cannot see it anywhere);
        // d_x = 3 so the grid is {1, 2, 1/2, 3}; at x = 1/2 the perturbation is
        // (-1/2)(-3/2)(-5/2)·10^-200 = -15/8·10^-200, so lhs − rhs = 15/8·10^-200.
        let rhs = e("x + (x-1)*(x-2)*(x-3)*10^(-200)");
        match decide(&e("x"), &rhs, &vars(&["x"]), 1000) {
            ExactDecision::Refuted(c) => {
                assert_eq!(c.point["x"], q("1/2"));
                let ten = Rational::from(rug::ops::Pow::pow(rug::Integer::from(10), 200u32));
                assert_eq!(Rational::from(&c.lhs - &c.rhs), Rational::from((15, 8)) / ten);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unused_variables_get_one_value_and_unknown_variables_are_refused() {
        match decide(&e("2*x"), &e("x+x"), &vars(&["x", "z"]), 1000) {
            ExactDecision::Proved(p) => {
                assert_eq!(p.degrees["z"], 0);
                assert_eq!(p.values["z"].len(), 1);
                assert_eq!(p.points, 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decide(&e("x*w"), &e("w*x"), &vars(&["x"]), 1000),
            ExactDecision::NotApplicable(_)
        ));
    }

    #[test]
    fn pools_respect_domains() {
        let mut pools = BTreeMap::new();
        pools.insert("n".to_string(), ValuePool::Integer);
        pools.insert("s".to_string(), ValuePool::Interval(q("-1"), q("1/3")));
        // n·s vs s·n + s - s: proved; every grid value lies in its domain.
        match decide_over(&e("n*s"), &e("s*n + s - s"), &pools, 1000) {
            ExactDecision::Proved(p) => {
                assert!(p.values["n"].iter().all(|v| *v.denom() == 1));
                assert!(p.values["s"].iter().all(|v| *v > q("-1") && *v < q("1/3")));
            }
            other => panic!("{other:?}"),
        }
        pools.insert("s".to_string(), ValuePool::Interval(q("1"), q("1")));
        assert!(matches!(
            decide_over(&e("s"), &e("s"), &pools, 1000),
            ExactDecision::NotApplicable(_)
        ));
    }

    /// Random rational formulas in `x`, `y` (powers from −2 to 3).
    fn rational_expr() -> impl Strategy<Value = Expr> {
        let leaf = prop_oneof![
            (0i64..4).prop_map(Expr::int),
            Just(Expr::var("x")),
            Just(Expr::var("y"))
        ];
        leaf.prop_recursive(4, 24, 2, |inner| {
            let bin = |op: BinOp| {
                (inner.clone(), inner.clone()).prop_map(move |(a, b)| Expr::Bin(op, Box::new(a), Box::new(b)))
            };
            prop_oneof![
                bin(BinOp::Add),
                bin(BinOp::Sub),
                bin(BinOp::Mul),
                bin(BinOp::Div),
                (inner.clone(), -2i64..4).prop_map(|(a, k)| a.pow(Expr::int(k))),
            ]
        })
    }

    /// Points chosen independently of the grids, where a proof must hold too.
    fn off_grid_points() -> Vec<Assignment> {
        [("19/7", "23/11"), ("5/13", "31/7"), ("41/11", "3/13")]
            .iter()
            .map(|(x, y)| {
                [("x".to_string(), q(x)), ("y".to_string(), q(y))]
                    .into_iter()
                    .collect()
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

        /// A proof holds at independent points; a counterexample really separates the sides;
        /// `a·b == b·a` and `a + b == b + a` are never refuted.
        #[test]
        fn decisions_are_sound(a in rational_expr(), b in rational_expr()) {
            let xy = vars(&["x", "y"]);
            match decide(&a, &b, &xy, 4096) {
                ExactDecision::Proved(_) => {
                    for at in off_grid_points() {
                        if let (Some(l), Some(r)) = (eval_exact(&a, &at), eval_exact(&b, &at)) {
                            prop_assert_eq!(l, r, "proved {} == {} but they differ at {:?}", a, b, at);
                        }
                    }
                }
                ExactDecision::Refuted(c) => {
                    prop_assert_eq!(eval_exact(&a, &c.point), Some(c.lhs.clone()));
                    prop_assert_eq!(eval_exact(&b, &c.point), Some(c.rhs.clone()));
                    prop_assert_ne!(c.lhs, c.rhs);
                }
                ExactDecision::NotApplicable(_) => {}
            }
            let ab = Expr::Bin(BinOp::Mul, Box::new(a.clone()), Box::new(b.clone()));
            let ba = Expr::Bin(BinOp::Mul, Box::new(b.clone()), Box::new(a.clone()));
            prop_assert!(!matches!(decide(&ab, &ba, &xy, 4096), ExactDecision::Refuted(_)));
            // A perturbation that vanishes on the first values of the positive grid
            // (1, 2, 1/2, 3) makes a false identity; it may never be proved.
            let trap = parse("(x-1)*(x-2)*(2*x-1)*(y-1)*(y-2)*(y-3)").expect("parses");
            let perturbed = Expr::Bin(BinOp::Add, Box::new(a.clone()), Box::new(trap));
            prop_assert!(!matches!(decide(&a, &perturbed, &xy, 4096), ExactDecision::Proved(_)));
            let sum = Expr::Bin(BinOp::Add, Box::new(a.clone()), Box::new(b.clone()));
            let mus = Expr::Bin(BinOp::Add, Box::new(b), Box::new(a));
            prop_assert!(!matches!(decide(&sum, &mus, &xy, 4096), ExactDecision::Refuted(_)));
        }
    }

    #[test]
    fn small_rationals_are_distinct_and_in_height_order() {
        let v = small_positive_rationals(11);
        let expected: Vec<Rational> = [
            "1", "2", "1/2", "3", "1/3", "3/2", "2/3", "4", "1/4", "4/3", "3/4",
        ]
        .iter()
        .map(|s| q(s))
        .collect();
        assert_eq!(v, expected);
    }
}
