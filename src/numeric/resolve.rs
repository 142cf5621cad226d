//! Precision that follows the input: how many digits a point needs so that every part of a formula
//! is seen.
//!
//! Agreement of two values to `d` digits says nothing about a summand that is `10⁻²⁰⁰` times the
//! others: `λ² + 10⁻²⁰⁰·λ` and `λ²` agree to 200 digits, yet only one of them is a power law. So
//! before a comparison at a point, a **magnitude pass** measures, for every node of the tree, its
//! *relative sensitivity* `s` — by how much a relative change `ε` of the node changes the whole
//! formula, relatively (`s·ε` to first order). The root has `s = 1`; along an edge from a node to
//! a child the sensitivity is multiplied by the child's condition number in that node:
//!
//! | node | condition number of a child |
//! |---|---|
//! | `a ± b` | `|a| / |a ± b|` (and `|b| / |a ± b|`) — the `1 + ε` case |
//! | `a·b`, `a/b`, `−a`, `abs a` | `1` |
//! | `x^n` (integer `n`) | `|n|` |
//! | `x^y` (real) | base `|y|`, exponent `|y·ln x|` |
//! | `exp x` | `|x|` |
//! | `log x` | `1 / |ln x|` |
//! | `sqrt x` | `1/2` |
//! | `sin x`, `cos x`, `tan x` | `|x cot x|`, `|x tan x|`, `≥ 2|x|` |
//! | `sinh x`, `cosh x`, `tanh x` | `≥ 1`, `|x tanh x|`, `2|x| / |sinh 2x|` |
//!
//! A node with sensitivity `s` is resolved to `d` digits when the formula is resolved to
//! `d + log10(1/s)` digits. Let `H = max(0, ⌈max over nodes of −log10 s⌉)` be the **hidden
//! digits** of a point. Seeing every summand is not yet enough: a summand of relative size
//! `ε = 10^−H` can mimic a change of exponent at first order — `λ(1 + ε ln λ)` and `λ^(1+ε)`
//! differ only by `ε² ln²λ / 2` — so a perturbation built to hide at first order shows at the
//! next one. Truncating the series of `λ^(1+ε)` after its `ε^n` term leaves a deviation of order
//! `ε^(n+1)`, while the smallest summand, `ε^n`, already sets `H = n·log10(1/ε)`; since
//! `n + 1 ≤ 2n`, comparing at `2H` extra digits sees it. The **extra digits** of a point are
//! therefore `2H`, and a comparison at that point must agree to `d + 2H` digits and be evaluated
//! at a precision above that. Every bound is taken on the safe side (the smallest condition
//! number an enclosure allows), so the estimate can ask for too many digits but not for too few.
//!
//! Nodes that are exactly zero (by their enclosure, or exactly by [`eval_exact`] when the
//! enclosure straddles zero) contribute nothing and are skipped with their subtree. A node whose
//! size cannot be separated from zero makes the pass retry at four times the precision, up to
//! the cap; at the cap the point is [`Resolution::BeyondCap`]: it must not count as agreement.
//!
//! At a flat point of `sin`/`cos` (where the first derivative vanishes, e.g. `sin(π/2)`) the
//! first-order condition number is zero although a change of `ε` still moves the value by about
//! `(x ε)²/2`: the second-order term is used there, which asks for about twice the digits.
//!
//! The pass needs orders of magnitude, not digits. It first runs at 256 bits; that answer is
//! taken when it is clean — every node exactly zero or separated from zero and known to 80 bits
//! (so the 64-bit sizes and ratios are the ones any higher precision gives), no flat point, no
//! evaluation error — and otherwise the pass runs again at the point's precision (the requested
//! digits plus 64 guard bits) and on up to the cap. Enclosures come from one ball evaluation
//! ([`eval_ball`](super::eval_ball)), or from intervals where a ball cannot settle a node.

use super::ball::{Ball, Midrad};
use super::exact::{Root, eval_exact, exact_integer};
use super::interval::{Enclose, down, up};
use super::walk::{Arithmetic, folded_literal, walk};
use super::{Assignment, EvalError, Interval, Precision};
use crate::expr::{BinOp, Expr, Func};
use rug::{Float, Integer, Rational};
use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::HashMap;

/// Precision of the sensitivity arithmetic itself: these are estimates of orders of magnitude
/// (with MPFR's wide exponent range), never certificates.
const ESTIMATE_BITS: u32 = 64;

/// Precision at which condition numbers' logarithms, sines and hyperbolic functions are tried
/// first (see `Walker::quick_then_full`).
const QUICK_BITS: u32 = 128;

/// Precision of the estimate pass tried before the pass at the point's precision (see
/// [`resolve`]): about 77 digits, enough to place every node's size to far better than the 64
/// bits the sensitivities are computed with, unless some node cancels to near zero — and then
/// the pass is not clean and the point's precision decides.
const ESTIMATE_PASS_BITS: u32 = 256;

/// An estimate pass is clean only if every node's enclosure is relatively narrower than
/// `2^−SETTLED_WIDTH_BITS` (or exactly zero): then the sizes and ratios the sensitivities are
/// computed from (at [`ESTIMATE_BITS`]) are the ones a higher precision would give, up to the
/// rounding of those 64-bit estimates. A cancellation that leaves a node known to fewer bits —
/// `(x + 10⁻¹⁵⁰) − x` at 256 bits, whose exact size 10⁻¹⁵⁰ is known but whose enclosure is not
/// — would make the estimate ask for other digits than the point's precision does.
const SETTLED_WIDTH_BITS: u32 = ESTIMATE_BITS + 16;

/// What a point needs so that every part of a formula is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Every node, and the first-order mimicry of its perturbation, is resolved to the
    /// requested digits if the formula is resolved to `requested + extra_digits` digits.
    Resolved {
        /// Digits beyond the requested ones: twice the hidden digits (module docs).
        extra_digits: u32,
    },
    /// Resolving some part needs more digits than the cap allows.
    BeyondCap {
        /// A lower bound of the total digits needed (requested + extra); at least the cap.
        needed_digits: u32,
        /// What could not be resolved, in words.
        part: String,
    },
}

impl Resolution {
    /// The extra digits, when resolved within the cap.
    pub fn extra_digits(&self) -> Option<u32> {
        match self {
            Resolution::Resolved { extra_digits } => Some(*extra_digits),
            Resolution::BeyondCap { .. } => None,
        }
    }

    /// The more demanding of two resolutions (a point is resolved only if every formula is).
    pub fn max(self, other: Resolution) -> Resolution {
        match (&self, &other) {
            (Resolution::BeyondCap { .. }, _) => self,
            (_, Resolution::BeyondCap { .. }) => other,
            (Resolution::Resolved { extra_digits: a }, Resolution::Resolved { extra_digits: b }) => {
                if a >= b { self } else { other }
            }
        }
    }
}

/// Extra digits needed at `at` so that every node of `e` is resolved to `digits` digits, with
/// at most `cap_digits` digits in total.
///
/// # Errors
///
/// The evaluation error of [`eval_interval`](super::eval_interval) when the formula is
/// undefined at the point (certainly, or not certifiably even at the cap).
pub fn resolve(e: &Expr, at: &Assignment, digits: u32, cap_digits: u32) -> Result<Resolution, EvalError> {
    resolve_enclosed(e, at, digits, cap_digits).map(|(resolution, _)| resolution)
}

/// What the first magnitude pass of one formula computed at [`first_pass_precision`]: a caller
/// comparing at that precision need not evaluate the formula again.
#[derive(Debug, Clone, PartialEq)]
pub struct Enclosed {
    /// A rigorous enclosure of the value (from a ball, or from intervals when a ball could not
    /// settle the formula: then exactly what [`eval_interval`](super::eval_interval) gives).
    pub enclosure: Interval,
    /// The value rounded to nearest, bit for bit what [`eval_float`](super::eval_float) gives at
    /// that precision: the ball's midpoint. `None` when the pass fell back to intervals.
    pub nearest: Option<Float>,
}

/// [`resolve`], plus what its pass at [`first_pass_precision`] computed for `e`, when that pass
/// decided the point (`None` when the 256-bit estimate pass did).
fn resolve_enclosed(
    e: &Expr,
    at: &Assignment,
    digits: u32,
    cap_digits: u32,
) -> Result<(Resolution, Option<Enclosed>), EvalError> {
    let cap_digits = cap_digits.max(digits);
    let first_bits = first_pass_precision(digits, cap_digits).bits();
    // Sizes and condition numbers are orders of magnitude: a clean pass at 256 bits (every node
    // separated from zero and known to 80 bits, no flat point of sin/cos, no error) decides
    // them without evaluating the formula at thousands of digits just to look at its shape.
    // The caller then evaluates once at the precision the answer asks for.
    if first_bits > ESTIMATE_PASS_BITS
        && let Ok(Pass {
            worst_log10,
            ambiguous: None,
            flat_point: false,
            sizes_settled: true,
            ..
        }) = sensitivities(e, at, ESTIMATE_PASS_BITS, digits)
    {
        return Ok((resolution_from(&worst_log10, digits, cap_digits), None));
    }
    resolve_at_point_precision(e, at, digits, cap_digits)
}

/// The magnitude pass at [`first_pass_precision`], then at four times the precision while some
/// node cannot be separated from zero, up to the cap.
fn resolve_at_point_precision(
    e: &Expr,
    at: &Assignment,
    digits: u32,
    cap_digits: u32,
) -> Result<(Resolution, Option<Enclosed>), EvalError> {
    let cap_digits = cap_digits.max(digits);
    let cap_bits = Precision::from_digits(cap_digits).with_guard_bits(64).bits();
    let mut bits = first_pass_precision(digits, cap_digits).bits();
    let first_bits = bits;
    loop {
        let attempt = sensitivities(e, at, bits, digits);
        let at_cap = bits >= cap_bits;
        let first = bits == first_bits;
        match attempt {
            Ok(Pass {
                ambiguous: Some(part),
                root,
                ..
            }) => {
                if at_cap {
                    let resolution = Resolution::BeyondCap {
                        needed_digits: cap_digits.saturating_add(1),
                        part,
                    };
                    return Ok((resolution, first.then_some(root)));
                }
            }
            Ok(Pass {
                worst_log10,
                ambiguous: None,
                root,
                ..
            }) => {
                let resolution = resolution_from(&worst_log10, digits, cap_digits);
                return Ok((resolution, first.then_some(root)));
            }
            Err(EvalError::NotCertified { .. }) if !at_cap => {}
            Err(e) => return Err(e),
        }
        bits = bits.saturating_mul(4).min(cap_bits);
    }
}

/// [`resolve`] for several formulas at one point: the most demanding answer.
///
/// # Errors
///
/// The first evaluation error.
pub fn resolve_all(
    exprs: &[&Expr],
    at: &Assignment,
    digits: u32,
    cap_digits: u32,
) -> Result<Resolution, EvalError> {
    resolve_all_enclosed(exprs, at, digits, cap_digits).map(|(resolution, _)| resolution)
}

/// [`resolve_all`], plus, when every formula was decided by a pass at
/// [`first_pass_precision`]`(digits)`, what that pass computed for each (in the order given): an
/// enclosure, and usually the value rounded to nearest ([`Enclosed`]).
///
/// # Errors
///
/// The first evaluation error.
pub fn resolve_all_enclosed(
    exprs: &[&Expr],
    at: &Assignment,
    digits: u32,
    cap_digits: u32,
) -> Result<(Resolution, Option<Vec<Enclosed>>), EvalError> {
    let mut out = Resolution::Resolved { extra_digits: 0 };
    let mut roots = Some(Vec::with_capacity(exprs.len()));
    for e in exprs {
        let (resolution, root) = resolve_enclosed(e, at, digits, cap_digits)?;
        out = out.max(resolution);
        roots = roots.zip(root).map(|(mut all, r)| {
            all.push(r);
            all
        });
    }
    Ok((out, roots))
}

/// The precision of the first pass of [`resolve`] for `digits` requested digits (it may go on
/// at higher ones): the digits plus 64 guard bits, capped as `resolve` caps it.
pub fn first_pass_precision(digits: u32, cap_digits: u32) -> Precision {
    let cap_bits = Precision::from_digits(cap_digits.max(digits))
        .with_guard_bits(64)
        .bits();
    Precision::from_bits(
        Precision::from_digits(digits)
            .with_guard_bits(64)
            .bits()
            .min(cap_bits),
    )
}

/// The resolution a conclusive pass found: `2H` extra digits, unless that exceeds the cap.
fn resolution_from(worst_log10: &Float, digits: u32, cap_digits: u32) -> Resolution {
    let extra = extra_from(worst_log10).saturating_mul(2);
    let total = digits.saturating_add(extra);
    if total > cap_digits {
        Resolution::BeyondCap {
            needed_digits: total,
            part: "a part of the formula is smaller than the cap can resolve".into(),
        }
    } else {
        Resolution::Resolved { extra_digits: extra }
    }
}

fn extra_from(worst_log10: &Float) -> u32 {
    // Condition numbers down to 1/10 cost at most one digit, which the 64 guard bits of every
    // working precision (19 digits) absorb; below that every digit is asked for.
    if *worst_log10 <= 1 {
        return 0;
    }
    let ceiling = Float::with_val(ESTIMATE_BITS, worst_log10.ceil_ref());
    ceiling.to_u32_saturating().unwrap_or(u32::MAX)
}

/// The outcome of one magnitude pass at one precision.
struct Pass {
    /// `max(−log10 s)` over the nodes (0 for the root).
    worst_log10: Float,
    /// A node whose condition number could not be bounded away from zero at this precision.
    ambiguous: Option<String>,
    /// Whether a sine or cosine was judged at a flat point (its second-order condition), which
    /// a wider enclosure makes more likely: an estimate pass that saw one is not conclusive.
    flat_point: bool,
    /// Whether every node's size is settled as well as at any higher precision: each enclosure
    /// is exactly zero, or excludes zero and is relatively narrower than [`SETTLED_WIDTH_BITS`].
    sizes_settled: bool,
    /// The enclosure of the whole formula at this precision (and its value rounded to nearest
    /// when the pass ran on balls).
    root: Enclosed,
}

/// Every node's enclosure in the walk's post-order, and the root's: one ball walk (the
/// midpoints are the round-to-nearest values, so the root's is returned too), or, when a ball
/// cannot settle some node, the interval walk whose domain decisions and errors are the
/// reference ones.
fn recorded(e: &Expr, at: &Assignment, bits: u32) -> Result<(Vec<Interval>, Enclosed), EvalError> {
    let balls = Recording {
        inner: Midrad { at, bits },
        values: RefCell::new(Vec::new()),
    };
    if let Ok(root) = walk(&balls, e) {
        let values = balls.values.into_inner();
        let enclosure = root.to_interval(bits);
        return Ok((
            values,
            Enclosed {
                enclosure,
                nearest: Some(root.mid),
            },
        ));
    }
    let intervals = Recording {
        inner: Enclose { at, bits },
        values: RefCell::new(Vec::new()),
    };
    let enclosure = walk(&intervals, e)?;
    Ok((
        intervals.values.into_inner(),
        Enclosed {
            enclosure,
            nearest: None,
        },
    ))
}

/// Whether every enclosure is exactly zero, or excludes zero with relative width below
/// `2^−SETTLED_WIDTH_BITS`.
fn sizes_settled(values: &[Interval]) -> bool {
    values.iter().all(|iv| {
        if iv.is_exact_zero() {
            return true;
        }
        if iv.contains_zero() {
            return false;
        }
        let width = up(ESTIMATE_BITS, &iv.hi - &iv.lo);
        let size = down(ESTIMATE_BITS, iv.mig());
        let shift = i32::try_from(SETTLED_WIDTH_BITS).unwrap_or(i32::MAX);
        width <= (size >> shift)
    })
}

fn sensitivities(e: &Expr, at: &Assignment, bits: u32, digits: u32) -> Result<Pass, EvalError> {
    let (values, enclosed) = recorded(e, at, bits)?;
    let settled = sizes_settled(&values);
    let root = &enclosed.enclosure;
    let mut pass = Walker {
        at,
        shape: Shape::of(e, at),
        bits,
        digits,
        values: &values,
        worst: Float::with_val(ESTIMATE_BITS, 0),
        ambiguous: None,
        flat_point: Cell::new(false),
    };
    // A root that is zero has no relative scale; the evaluators decide what a zero value means.
    if !root.is_exact_zero() && !is_exactly_zero(e, root, at) {
        if root.contains_zero() {
            pass.ambiguous = Some(format!("the value of `{e}` could not be separated from zero"));
        } else {
            pass.visit(e, 0, Float::with_val(ESTIMATE_BITS, 0), false);
        }
    }
    Ok(Pass {
        worst_log10: pass.worst,
        ambiguous: pass.ambiguous,
        flat_point: pass.flat_point.get(),
        sizes_settled: settled,
        root: enclosed,
    })
}

/// A number type whose values are enclosures, or convert to one.
trait Encloses: Arithmetic {
    /// The enclosure `x` stands for, at the walk's precision.
    fn enclosure(&self, x: &Self::Num) -> Interval;
}

impl Encloses for Enclose<'_> {
    fn enclosure(&self, x: &Interval) -> Interval {
        x.clone()
    }
}

impl Encloses for Midrad<'_> {
    fn enclosure(&self, x: &Ball) -> Interval {
        x.to_interval(self.bits)
    }
}

/// An evaluator that also records every node's enclosure, in the walk's post-order.
struct Recording<A> {
    inner: A,
    values: RefCell<Vec<Interval>>,
}

impl<A: Encloses> Arithmetic for Recording<A> {
    type Num = A::Num;

    fn at(&self) -> &Assignment {
        self.inner.at()
    }

    fn rational(&self, q: &Rational) -> A::Num {
        self.inner.rational(q)
    }

    fn pi(&self) -> A::Num {
        self.inner.pi()
    }

    fn variable(&self, name: &str, value: &Rational) -> A::Num {
        self.inner.variable(name, value)
    }

    fn neg(&self, x: A::Num) -> A::Num {
        self.inner.neg(x)
    }

    fn add(&self, x: &A::Num, y: &A::Num) -> Result<A::Num, EvalError> {
        self.inner.add(x, y)
    }

    fn sub(&self, x: &A::Num, y: &A::Num) -> Result<A::Num, EvalError> {
        self.inner.sub(x, y)
    }

    fn mul(&self, x: &A::Num, y: &A::Num) -> Result<A::Num, EvalError> {
        self.inner.mul(x, y)
    }

    fn div(&self, x: &A::Num, y: &A::Num) -> Result<A::Num, EvalError> {
        self.inner.div(x, y)
    }

    fn integer_power(&self, x: &A::Num, n: &Integer, exponent: &Expr) -> Result<A::Num, EvalError> {
        self.inner.integer_power(x, n, exponent)
    }

    fn real_power(&self, base: &Expr, x: &A::Num, y: &A::Num) -> Result<A::Num, EvalError> {
        self.inner.real_power(base, x, y)
    }

    fn root_power(&self, base: &Expr, x: &A::Num, y: &A::Num, root: &Root) -> Result<A::Num, EvalError> {
        self.inner.root_power(base, x, y, root)
    }

    fn call(&self, f: Func, x: &A::Num) -> Result<A::Num, EvalError> {
        self.inner.call(f, x)
    }

    fn finish(&self, x: A::Num) -> Result<A::Num, EvalError> {
        let x = self.inner.finish(x)?;
        self.values.borrow_mut().push(self.inner.enclosure(&x));
        Ok(x)
    }
}

/// Per node (keyed by address): how many values the walk records for its subtree (it skips the
/// exponent of an integer power), and whether it is a literal constant. Computed once per pass so
/// that a deep tree (a long sum is a chain) costs linear, not quadratic, time.
#[derive(Default)]
struct Shape {
    nodes: HashMap<usize, (usize, bool)>,
}

impl Shape {
    fn of(e: &Expr, at: &Assignment) -> Shape {
        let mut shape = Shape::default();
        shape.measure(e, at);
        shape
    }

    fn key(e: &Expr) -> usize {
        std::ptr::from_ref(e) as usize
    }

    fn measure(&mut self, e: &Expr, at: &Assignment) -> (usize, bool) {
        let measured = match e {
            // One value, as the walk evaluates it (see `folded_literal`).
            _ if folded_literal(e).is_some() => (1, true),
            Expr::Num(_) | Expr::Pi => (1, true),
            Expr::Var(_) => (1, false),
            Expr::Neg(x) => {
                let (len, literal) = self.measure(x, at);
                (1 + len, literal)
            }
            Expr::Call(_, x) => (1 + self.measure(x, at).0, false),
            Expr::Bin(BinOp::Pow, base, exponent) => {
                let (base_len, base_literal) = self.measure(base, at);
                let (exponent_len, exponent_literal) = match exact_integer(exponent, at) {
                    Some(_) => (0, is_literal(exponent)),
                    None => self.measure(exponent, at),
                };
                (1 + base_len + exponent_len, base_literal && exponent_literal)
            }
            Expr::Bin(op, l, r) => {
                let (l_len, l_literal) = self.measure(l, at);
                let (r_len, r_literal) = self.measure(r, at);
                let literal = !matches!(op, BinOp::Add | BinOp::Sub) && l_literal && r_literal;
                (1 + l_len + r_len, literal)
            }
        };
        self.nodes.insert(Self::key(e), measured);
        measured
    }

    fn len(&self, e: &Expr) -> usize {
        self.nodes.get(&Self::key(e)).map_or(1, |m| m.0)
    }

    fn literal(&self, e: &Expr) -> bool {
        self.nodes.get(&Self::key(e)).is_some_and(|m| m.1)
    }
}

/// Whether a node whose enclosure straddles zero is exactly zero.
fn is_exactly_zero(e: &Expr, iv: &Interval, at: &Assignment) -> bool {
    iv.contains_zero() && known_zero(e, at)
}

/// Exact zeros decided without rounding: rational subtrees by [`eval_exact`], and products and
/// quotients with such a factor (the walk already found every other factor defined and finite).
fn known_zero(e: &Expr, at: &Assignment) -> bool {
    if eval_exact(e, at).is_some_and(|q| q.cmp0() == Ordering::Equal) {
        return true;
    }
    match e {
        Expr::Neg(x) => known_zero(x, at),
        Expr::Bin(BinOp::Mul, l, r) => known_zero(l, at) || known_zero(r, at),
        Expr::Bin(BinOp::Div, l, _) => known_zero(l, at),
        _ => false,
    }
}

/// A constant written with literals only (`3/2`, `-1/2`, `pi`): exact, nothing to resolve.
fn is_literal(e: &Expr) -> bool {
    match e {
        Expr::Num(_) | Expr::Pi => true,
        Expr::Var(_) | Expr::Call(..) => false,
        Expr::Neg(x) => is_literal(x),
        Expr::Bin(BinOp::Add | BinOp::Sub, ..) => false,
        Expr::Bin(_, l, r) => is_literal(l) && is_literal(r),
    }
}

/// A lower bound of `|node|`, or why there is none.
enum Size {
    /// Exactly zero: the node and its subtree do not matter.
    Zero,
    /// At least this (positive).
    AtLeast(Float),
    /// The enclosure straddles zero and the node is not exactly zero.
    Unknown,
}

/// A condition number's lower bound, or what to do instead.
enum Condition {
    /// The child's subtree does not influence the node (it is multiplied by an exact zero).
    Irrelevant,
    /// At least `10^log10`.
    AtLeast(Float),
    /// Could not be bounded away from zero at this precision.
    Unknown,
}

struct Walker<'a> {
    at: &'a Assignment,
    shape: Shape,
    bits: u32,
    digits: u32,
    values: &'a [Interval],
    worst: Float,
    ambiguous: Option<String>,
    flat_point: Cell<bool>,
}

fn log10(x: &Float) -> Float {
    Float::with_val(ESTIMATE_BITS, x.log10_ref())
}

fn one() -> Condition {
    Condition::AtLeast(Float::with_val(ESTIMATE_BITS, 0))
}

fn ratio(num: &Float, den: &Float) -> Condition {
    if num.is_zero() {
        return Condition::Unknown;
    }
    if den.is_zero() || !den.is_finite() {
        return one();
    }
    Condition::AtLeast(Float::with_val(ESTIMATE_BITS, log10(num) - log10(den)))
}

impl Walker<'_> {
    /// Visits `e`, whose recorded values start at `start`, with sensitivity `10^log_s`.
    fn visit(&mut self, e: &Expr, start: usize, log_s: Float, summand: bool) {
        if self.ambiguous.is_some() {
            return;
        }
        // A literal is one exact number with nothing inside to resolve, unless it is a summand:
        // the `3/2` of `λ^(3/2)` needs no digits near λ = 1, the `1e-100` of `λ^(2 + 1e-100)` does.
        let need = Float::with_val(ESTIMATE_BITS, -&log_s);
        if need > self.worst && (summand || !self.shape.literal(e)) {
            self.worst = need;
        }
        let node = self.value(start + self.shape.len(e) - 1);
        match e {
            // A folded literal has no recorded children (and nothing inside to resolve).
            _ if folded_literal(e).is_some() => {}
            Expr::Num(_) | Expr::Var(_) | Expr::Pi => {}
            Expr::Neg(x) => self.child(x, start, &log_s, one()),
            Expr::Call(f, x) => {
                let arg = self.value(start + self.shape.len(x) - 1);
                let condition = self.call_condition(*f, x, &arg, &node);
                self.child(x, start, &log_s, condition);
            }
            Expr::Bin(op, l, r) => {
                let left = self.value(start + self.shape.len(l) - 1);
                let r_start = start + self.shape.len(l);
                match op {
                    BinOp::Add | BinOp::Sub => {
                        let node_size = node.mag();
                        let cl = self.summand_condition(l, &left, &node_size);
                        self.summand(l, start, &log_s, cl);
                        let right = self.value(r_start + self.shape.len(r) - 1);
                        let cr = self.summand_condition(r, &right, &node_size);
                        self.summand(r, r_start, &log_s, cr);
                    }
                    BinOp::Mul | BinOp::Div => {
                        self.child(l, start, &log_s, one());
                        self.child(r, r_start, &log_s, one());
                    }
                    BinOp::Pow => match exact_integer(r, self.at) {
                        Some(n) if n == 0 => {}
                        Some(n) => {
                            let n = Float::with_val(ESTIMATE_BITS, n.clone().abs());
                            self.child(l, start, &log_s, Condition::AtLeast(log10(&n)));
                        }
                        None => {
                            let exponent = self.value(r_start + self.shape.len(r) - 1);
                            let (base_condition, exponent_condition) =
                                self.power_conditions(l, &left, r, &exponent);
                            self.child(l, start, &log_s, base_condition);
                            self.child(r, r_start, &log_s, exponent_condition);
                        }
                    },
                }
            }
        }
    }

    fn value(&self, index: usize) -> Interval {
        // The walk records exactly `Shape::len` values per subtree, so indices are in range;
        // a mismatch would be a defect here, and an exact zero then only skips work.
        self.values
            .get(index)
            .cloned()
            .unwrap_or_else(|| Interval::exact(Float::new(self.bits)))
    }

    fn child(&mut self, e: &Expr, start: usize, log_s: &Float, condition: Condition) {
        self.child_of(e, start, log_s, condition, false);
    }

    fn summand(&mut self, e: &Expr, start: usize, log_s: &Float, condition: Condition) {
        self.child_of(e, start, log_s, condition, true);
    }

    fn child_of(&mut self, e: &Expr, start: usize, log_s: &Float, condition: Condition, summand: bool) {
        match condition {
            Condition::Irrelevant => {}
            Condition::Unknown => {
                self.ambiguous = Some(format!("the influence of `{e}` could not be separated from zero"));
            }
            Condition::AtLeast(log_k) => {
                let iv = self.value(start + self.shape.len(e) - 1);
                if iv.is_exact_zero() || is_exactly_zero(e, &iv, self.at) {
                    return;
                }
                self.visit(e, start, Float::with_val(ESTIMATE_BITS, log_s + &log_k), summand);
            }
        }
    }

    fn size(&self, e: &Expr, iv: &Interval) -> Size {
        if iv.is_exact_zero() {
            return Size::Zero;
        }
        if iv.contains_zero() {
            if known_zero(e, self.at) {
                return Size::Zero;
            }
            return match eval_exact(e, self.at) {
                Some(q) if q.cmp0() == Ordering::Equal => Size::Zero,
                Some(q) => Size::AtLeast(Float::with_val(ESTIMATE_BITS, q.abs())),
                None => Size::Unknown,
            };
        }
        Size::AtLeast(iv.mig())
    }

    fn summand_condition(&self, e: &Expr, iv: &Interval, node_size: &Float) -> Condition {
        match self.size(e, iv) {
            Size::Zero => Condition::Irrelevant,
            Size::Unknown => Condition::Unknown,
            Size::AtLeast(m) => ratio(&m, node_size),
        }
    }

    fn power_conditions(
        &self,
        base: &Expr,
        x: &Interval,
        exponent: &Expr,
        y: &Interval,
    ) -> (Condition, Condition) {
        let base_condition = match self.size(exponent, y) {
            Size::Zero => Condition::Irrelevant,
            Size::Unknown => Condition::Unknown,
            Size::AtLeast(m) => Condition::AtLeast(log10(&m)),
        };
        // The exponent matters through y·ln x; at x = 1 exactly it does not matter at all.
        let exponent_condition = if eval_exact(base, self.at).is_some_and(|q| q == 1) {
            Condition::Irrelevant
        } else if x.lo.is_sign_negative() || x.lo.is_zero() {
            // 0^y = 0 (and negative bases are undefined for real exponents): the node is exactly
            // zero or the walk already failed, so nothing below it needs resolving.
            Condition::Irrelevant
        } else if self.shape.literal(exponent) {
            // A literal exponent (the `3/2` of `λ^(3/2)`) has nothing inside to resolve, so the
            // size of its condition number never matters, only whether it is unknown: that is
            // when `ln x` cannot be separated from zero, i.e. (MPFR rounds `ln` correctly, and
            // a coarse enclosure is only retried when it contains zero) exactly when the
            // enclosure of `x` contains 1. Deciding that without the logarithm saves one or two
            // of them per power node and point.
            match (self.size(exponent, y), x.lo <= 1 && x.hi >= 1) {
                (Size::Zero, _) => Condition::Irrelevant,
                (Size::Unknown, _) | (_, true) => Condition::Unknown,
                (Size::AtLeast(_), false) => one(),
            }
        } else {
            let ln = self
                .quick_then_full(x, |_, v| Ok(v.ln()))
                .unwrap_or_else(|_| x.ln());
            match (self.size(exponent, y), ln.contains_zero()) {
                (Size::Zero, _) => Condition::Irrelevant,
                (Size::Unknown, _) | (_, true) => Condition::Unknown,
                (Size::AtLeast(m), false) => {
                    let product = Float::with_val(ESTIMATE_BITS, &m * &ln.mig());
                    Condition::AtLeast(log10(&product))
                }
            }
        };
        (base_condition, exponent_condition)
    }

    /// `g` of the enclosure `x`, first with `x` rounded outward to [`QUICK_BITS`] and `g` at
    /// that precision: a condition number is an order of magnitude, and computing it at the
    /// point's full precision (a logarithm or sine at thousands of digits) cost more than the
    /// evaluation it was about. An answer that contains zero decides a branch (flat point,
    /// unknown size), so it is recomputed at the walk's precision before anyone relies on it.
    fn quick_then_full(
        &self,
        x: &Interval,
        g: impl Fn(&Enclose<'_>, &Interval) -> Result<Interval, EvalError>,
    ) -> Result<Interval, EvalError> {
        if self.bits > QUICK_BITS {
            let coarse = Interval {
                lo: down(QUICK_BITS, &x.lo),
                hi: up(QUICK_BITS, &x.hi),
            };
            let quick = Enclose {
                at: self.at,
                bits: QUICK_BITS,
            };
            if let Ok(v) = g(&quick, &coarse)
                && !v.contains_zero()
            {
                return Ok(v);
            }
        }
        let full = Enclose {
            at: self.at,
            bits: self.bits,
        };
        g(&full, x)
    }

    fn call_condition(&self, f: Func, x_expr: &Expr, x: &Interval, node: &Interval) -> Condition {
        let arg_size = || match self.size(x_expr, x) {
            Size::Zero => None,
            Size::AtLeast(m) => Some(m),
            Size::Unknown => Some(Float::new(ESTIMATE_BITS)),
        };
        let other = |g: Func| self.quick_then_full(x, |e, v| Arithmetic::call(e, g, v)).ok();
        match f {
            Func::Abs | Func::Sinh => one(),
            Func::Sqrt => Condition::AtLeast(log10(&Float::with_val(ESTIMATE_BITS, 0.5))),
            Func::Log => ratio(&Float::with_val(ESTIMATE_BITS, 1), &node.mag()),
            Func::Exp => match arg_size() {
                None => Condition::Irrelevant,
                Some(m) if m.is_zero() => Condition::Unknown,
                Some(m) => Condition::AtLeast(log10(&m)),
            },
            Func::Tan => match arg_size() {
                None => Condition::Irrelevant,
                Some(m) if m.is_zero() => Condition::Unknown,
                Some(m) => Condition::AtLeast(log10(&Float::with_val(ESTIMATE_BITS, &m * 2u32))),
            },
            Func::Cosh => match (arg_size(), other(Func::Tanh)) {
                (None, _) => Condition::Irrelevant,
                (Some(m), Some(t)) if !m.is_zero() && !t.mig().is_zero() => {
                    Condition::AtLeast(log10(&Float::with_val(ESTIMATE_BITS, &m * &t.mig())))
                }
                _ => Condition::Unknown,
            },
            Func::Tanh => {
                // 2|x|/sinh(2|x|) decreases in |x|: its value at the largest |x| bounds it below.
                let top = x.mag();
                if top.is_zero() {
                    return one();
                }
                let two_top = Interval::exact(Float::with_val(self.bits, &top * 2u32));
                match self.quick_then_full(&two_top, |e, v| Arithmetic::call(e, Func::Sinh, v)) {
                    Ok(s) => ratio(&Float::with_val(ESTIMATE_BITS, &top * 2u32), &s.mag()),
                    Err(_) => Condition::Unknown,
                }
            }
            Func::Sin | Func::Cos => {
                let partner = if f == Func::Sin { Func::Cos } else { Func::Sin };
                let Some(m) = arg_size() else {
                    // sin(0) = 0 makes the node zero (skipped); cos(0) = 1 does not vary.
                    return Condition::Irrelevant;
                };
                if m.is_zero() {
                    return Condition::Unknown;
                }
                let Some(p) = other(partner) else {
                    return Condition::Unknown;
                };
                if p.contains_zero() {
                    self.flat_point.set(true);
                    // A flat point: a relative change ε of x moves the value by about (x ε)²/2.
                    // With ε = 10^−digits that is a condition number of x²/2 · 10^−digits.
                    let second = Float::with_val(ESTIMATE_BITS, &m * &m) / 2u32;
                    return Condition::AtLeast(Float::with_val(ESTIMATE_BITS, log10(&second) - self.digits));
                }
                let product = Float::with_val(ESTIMATE_BITS, &m * &p.mig());
                ratio(&product, &node.mag())
            }
        }
    }
}

#[cfg(test)]
mod tests;
