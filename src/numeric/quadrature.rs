//! Double-exponential quadrature in MPFR.
//!
//! Dimensional-regularisation and Feynman-parameter formulas are checked against one-dimensional
//! integrals such as `∫_0^∞ u^(b−1)/(1+u)² du`, whose integrands have algebraic singularities at
//! an endpoint. Double-exponential (DE) substitutions turn such integrals into ones whose
//! integrand decays doubly exponentially in both directions, so the plain trapezoidal rule
//! converges exponentially in the number of nodes *despite* the endpoint singularity:
//!
//! * tanh-sinh for a finite `[a, b]`: `x = c + r·tanh(π/2·sinh t)` with `c = (a+b)/2`,
//!   `r = (b−a)/2`;
//! * exp-sinh for `[a, ∞)`: `x = a + exp(π/2·sinh t)`.
//!
//! The step is halved level by level, reusing all earlier nodes, until two successive levels
//! agree to the requested precision.

use super::{Assignment, EvalError, Precision, eval_float};
use crate::expr::Expr;
use rug::float::{Constant, Round};
use rug::{Float, Rational};
use std::cmp::Ordering;

/// One limit of integration.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    /// A finite limit, exact like every evaluation point.
    Finite(Rational),
    /// `+∞`; only allowed as the upper limit.
    Infinity,
}

/// The outcome of [`integrate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Quadrature {
    /// The approximate value of the integral, rounded to the requested precision.
    pub value: Float,
    /// `|S_last − S_previous|` between the last two step sizes or, if larger, the size `w·|f|`
    /// per unit of the DE variable `t` of the last term of a tail that had to be cut off while it
    /// still mattered (at `|t| = 10`, or at a node too close to an endpoint to resolve); plus the
    /// rounding of [`Quadrature::value`] to the requested precision. Rounded up. This is an
    /// **estimate**, not a bound: when the rule converged it is typically far larger than the
    /// true error (DE quadrature roughly squares its error at each halving), but an integrand
    /// whose tails were cut off, or whose level sums agree by accident, can be wrong by more.
    /// A value that did not converge (see [`Quadrature::levels`]) has a large estimate; callers
    /// must compare it against the accuracy they need.
    pub error_estimate: Float,
    /// Number of step sizes evaluated (`h = 1, 1/2, …, 2^(1−levels)`); at most 12.
    pub levels: u32,
    /// Number of integrand evaluations.
    pub evaluations: u64,
}

/// Number of step sizes tried before giving up on convergence.
const MAX_LEVELS: u32 = 12;

/// Evaluation budget across all levels. A smooth integrand converges at 200 bits after a few
/// thousand evaluations; the budget only stops divergent or non-smooth integrands from running
/// for minutes.
const MAX_EVALUATIONS: u64 = 1 << 17;

/// Extra bits carried in node weights, sums and integrand evaluations, so that rounding noise
/// stays below the convergence tolerance of the requested precision.
const GUARD_BITS: u32 = 32;

/// Largest `|t|` in the DE variable. At `t = 10` the tanh-sinh nodes lie within `2^(−50000)` of
/// an endpoint and the exp-sinh nodes exceed `e^17000`: every integrable algebraic singularity
/// that can be resolved at all has a negligible tail long before.
const T_MAX: u64 = 10;

/// A node close to a finite nonzero endpoint is evaluated with extra precision so that the
/// integrand sees its true distance from the endpoint; this caps that extra at this many times
/// the working precision, beyond which such nodes are skipped.
const MAX_EXTRA_FACTOR: u32 = 16;

/// Reason for refusing a lower limit of `+∞`.
const LOWER_INFINITE: &str = "the lower limit of an integral must be finite (write ∫_b^∞ f and negate it instead of ∫_∞^b f; (−∞, b] is not supported)";

/// `∫ integrand d(var)` from `lower` to `upper`, with the other variables fixed at `at`.
///
/// The integrand is evaluated by [`eval_float`] at each node `x`, passed as an **exact**
/// rational under `var` in a copy of `at` (an existing value of `var` in `at` is ignored). The
/// weights, sums and evaluations carry 32 guard bits above `prec`; levels `h = 1, 1/2, 1/4, …`
/// are added until two successive level sums agree to `prec` bits relative to the running
/// integral of `|integrand|`, or the difference stops shrinking once it is below half the
/// precision (the rounding-noise floor of the integrand), or 12 levels / 131 072 evaluations are
/// spent. See [`Quadrature::error_estimate`] for how far to trust the result.
///
/// Limits:
///
/// * `[a, b]` with `a < b` uses tanh-sinh, `[a, ∞)` exp-sinh; `a > b` gives `−∫_b^a`, and
///   `a = b` gives `0` without evaluating anything.
/// * Integrable endpoint singularities (`x^(−1/2)`, `log x`, `u^(b−1)` with `b > 0`) are handled
///   by the substitution itself; the integrand is never evaluated at an endpoint. The distance
///   `d` of a node from its endpoint is computed directly (`2r/(1 + e^(2u))`, not `r − r·tanh u`),
///   and a node near a nonzero endpoint is evaluated with enough extra precision for `a + d` not
///   to round to `a`, so that expressions like `(1 − x)^(−1/2)` see the true `d`. Beyond 16 times
///   the working precision such nodes are skipped, which ends that tail.
/// * Each tail of the sum stops when two successive terms `w·|f|` are negligible at the working
///   precision against the running integral of `|f|`, or at `|t| = 10`. An integrand that is
///   not integrable shows up as non-convergence (a large error estimate), not as an error.
///
/// # Errors
///
/// Any error of [`eval_float`] at a node that is reached ([`EvalError::Undefined`] for an
/// integrand undefined inside the interval, [`EvalError::Unbound`], [`EvalError::Overflow`]) is
/// returned, never skipped. A lower limit of [`Bound::Infinity`] is [`EvalError::Undefined`].
pub fn integrate(
    integrand: &Expr,
    var: &str,
    lower: &Bound,
    upper: &Bound,
    at: &Assignment,
    prec: Precision,
) -> Result<Quadrature, EvalError> {
    let Bound::Finite(a) = lower else {
        return Err(EvalError::undefined(LOWER_INFINITE));
    };
    let (rule, negate) = match upper {
        Bound::Infinity => (Rule::HalfLine { a: a.clone() }, false),
        Bound::Finite(b) => match a.cmp(b) {
            Ordering::Equal => {
                return Ok(Quadrature {
                    value: Float::new(prec.bits()),
                    error_estimate: Float::new(prec.bits()),
                    levels: 0,
                    evaluations: 0,
                });
            }
            Ordering::Less => (Rule::finite(a, b), false),
            Ordering::Greater => (Rule::finite(b, a), true),
        },
    };
    let work = prec.with_guard_bits(GUARD_BITS).bits();
    let mut point = at.clone();
    point.insert(var.to_string(), a.clone());
    let mut result = Integrator {
        integrand,
        var,
        at: point,
        work,
        pi_half: Float::with_val(work, Constant::Pi) >> 1u32,
        rule,
        raw: Float::new(work),
        raw_abs: Float::new(work),
        truncation: Float::new(work),
        evaluations: 0,
    }
    .run(prec)?;
    if negate {
        result.value = -result.value;
    }
    Ok(result)
}

/// The DE substitution.
enum Rule {
    /// tanh-sinh on `[a, b]`, `a < b`, with `half = (b − a)/2`.
    Finite {
        a: Rational,
        b: Rational,
        half: Rational,
    },
    /// exp-sinh on `[a, ∞)`.
    HalfLine { a: Rational },
}

impl Rule {
    fn finite(a: &Rational, b: &Rational) -> Rule {
        Rule::Finite {
            a: a.clone(),
            b: b.clone(),
            half: Rational::from(b - a) / 2u32,
        }
    }
}

/// Which tail of the sum a node belongs to: towards the lower limit (`t < 0` for exp-sinh, the
/// `a + d` nodes for tanh-sinh) or towards the upper one.
#[derive(Clone, Copy)]
enum Side {
    Lower,
    Upper,
}

/// One quadrature node.
struct Node {
    /// The exact abscissa.
    x: Rational,
    /// The DE weight `dx/dt` at the node (without the step `h`).
    weight: Float,
    /// The lower or upper limit the node belongs to (the nearer one for tanh-sinh).
    endpoint: Rational,
    /// The node's distance from `endpoint`, computed directly rather than as a difference.
    distance: Float,
}

struct Integrator<'a> {
    integrand: &'a Expr,
    var: &'a str,
    /// The caller's point with `var` overwritten at each node.
    at: Assignment,
    work: u32,
    pi_half: Float,
    rule: Rule,
    /// Σ w·f over all nodes so far; the level-ℓ estimate is `raw·2^(−ℓ)`.
    raw: Float,
    /// Σ w·|f|: the scale against which negligible terms and convergence are judged.
    raw_abs: Float,
    /// Largest `w·|f|` at which a tail of the latest level was cut off. It is deliberately not
    /// multiplied by the step `h`: it estimates the missing `∫_T^∞ w·|f| dt`, which for a
    /// tail that decays at least like `e^(−t)` is at most about `w·|f|` at `T`, and which does
    /// not shrink with `h`.
    truncation: Float,
    evaluations: u64,
}

impl Integrator<'_> {
    fn run(mut self, prec: Precision) -> Result<Quadrature, EvalError> {
        let bits = prec.bits();
        let mut previous: Option<Float> = None;
        let mut last_diff: Option<Float> = None;
        let mut levels = 0;
        let mut truncation = Float::new(self.work);
        for level in 0..MAX_LEVELS {
            if !self.level(level)? {
                break;
            }
            levels = level + 1;
            truncation = self.truncation.clone();
            let current = self.raw.clone() >> level;
            let Some(before) = previous.replace(current.clone()) else {
                continue;
            };
            let diff = Float::with_val_round(self.work, &current - &before, Round::Up)
                .0
                .abs();
            let scale = self.raw_abs.clone() >> level;
            let converged = diff <= Float::with_val(self.work, &scale >> bits);
            // Once the difference is below half the precision, DE quadrature should at least
            // square it each level; if it no longer even halves, it is rounding noise of the
            // integrand and further levels only cost time.
            let stalled = diff <= Float::with_val(self.work, &scale >> (bits / 2))
                && last_diff
                    .as_ref()
                    .is_some_and(|d| diff > Float::with_val(self.work, d >> 1u32));
            last_diff = Some(diff);
            if converged || stalled {
                break;
            }
        }
        let value = previous.unwrap_or_else(|| Float::new(self.work));
        // With a single level there is nothing to compare; the integral of |f| is the honest
        // "no information" estimate. (Unreachable with the constants above: level 0 needs at
        // most 21 evaluations.)
        let mut error = last_diff.unwrap_or_else(|| self.raw_abs.clone() >> levels.saturating_sub(1));
        error.max_mut(&truncation);
        let rounded = Float::with_val(bits, &value);
        // The rounding to the caller's precision is part of the error of what we return.
        error += Float::with_val_round(self.work, &rounded - &value, Round::Up)
            .0
            .abs();
        Ok(Quadrature {
            value: rounded,
            error_estimate: Float::with_val_round(bits, &error, Round::Up).0,
            levels,
            evaluations: self.evaluations,
        })
    }

    /// Adds the nodes of `level` (step `2^(−level)`): all of them at level 0, the odd multiples
    /// of the step afterwards. Returns `false` if the evaluation budget ran out, in which case
    /// the level is incomplete and must not be used.
    fn level(&mut self, level: u32) -> Result<bool, EvalError> {
        let (first, step) = if level == 0 {
            let center = self.center();
            if !self.add(&center)? {
                return Ok(false);
            }
            (1, 1)
        } else {
            (1, 2)
        };
        let last = T_MAX << level;
        self.truncation = Float::new(self.work);
        for side in [Side::Lower, Side::Upper] {
            let mut quiet = 0;
            let mut last_term = Float::new(self.work);
            let mut k = first;
            while k <= last {
                let t = Float::with_val(self.work, k) >> level;
                let Some(node) = self.node(side, &t) else { break };
                match self.sample(&node)? {
                    Sample::Budget => return Ok(false),
                    Sample::Skipped => break,
                    Sample::Term {
                        magnitude,
                        negligible,
                    } => {
                        last_term = magnitude;
                        quiet = if negligible { quiet + 1 } else { 0 };
                        // Two in a row, so that an isolated zero of f does not end the tail.
                        if quiet >= 2 {
                            break;
                        }
                    }
                }
                k += step;
            }
            if quiet < 2 {
                // The tail was cut (|t| = T_MAX, a skipped node, or the end of MPFR's range)
                // while its terms still mattered: the last term is the size of what is missing,
                // and it is invisible to the level-to-level difference.
                self.truncation.max_mut(&last_term);
            }
        }
        Ok(true)
    }

    /// Evaluates the centre node; `false` if the budget is exhausted.
    fn add(&mut self, node: &Node) -> Result<bool, EvalError> {
        Ok(!matches!(self.sample(node)?, Sample::Budget))
    }

    /// The node at `t = 0`.
    fn center(&self) -> Node {
        let work = self.work;
        match &self.rule {
            Rule::Finite { a, b, half } => Node {
                x: Rational::from(a + b) / 2u32,
                weight: Float::with_val(work, &self.pi_half * half),
                endpoint: a.clone(),
                distance: Float::with_val(work, half),
            },
            Rule::HalfLine { a } => Node {
                x: Rational::from(a + 1u32),
                weight: self.pi_half.clone(),
                endpoint: a.clone(),
                distance: Float::with_val(work, 1u32),
            },
        }
    }

    /// The node at parameter `t > 0` on `side`, or `None` once the substitution leaves MPFR's
    /// range (the tail is then certainly over).
    fn node(&self, side: Side, t: &Float) -> Option<Node> {
        let work = self.work;
        let cosh_t = Float::with_val(work, t.cosh_ref());
        match &self.rule {
            Rule::Finite { a, b, half } => {
                let u = Float::with_val(work, &self.pi_half * Float::with_val(work, t.sinh_ref()));
                // Distance to the endpoint, 2r/(1 + e^(2u)) = r(1 − tanh u) without cancellation.
                let twice_u = Float::with_val(work, &u << 1u32);
                let denominator = Float::with_val(work, twice_u.exp_ref()) + 1u32;
                let distance = Float::with_val(work, half) * 2u32 / &denominator;
                // dx/dt = r·(π/2)·cosh t / cosh²u.
                let cosh_u = Float::with_val(work, u.cosh_ref());
                let weight = Float::with_val(work, &self.pi_half * half) * &cosh_t
                    / Float::with_val(work, cosh_u.square_ref());
                let (endpoint, x) = match side {
                    Side::Lower => (a, Rational::from(a + &usable(&distance)?)),
                    Side::Upper => (b, Rational::from(b - &usable(&distance)?)),
                };
                positive(&weight)?;
                Some(Node {
                    x,
                    weight,
                    endpoint: endpoint.clone(),
                    distance,
                })
            }
            Rule::HalfLine { a } => {
                let s = match side {
                    Side::Lower => -t.clone(),
                    Side::Upper => t.clone(),
                };
                let sinh = Float::with_val(work, s.sinh_ref());
                let distance = Float::with_val(work, &self.pi_half * &sinh).exp();
                let x = Rational::from(a + &usable(&distance)?);
                // dx/dt = (π/2)·cosh t·exp(π/2 sinh t).
                let weight = Float::with_val(work, &self.pi_half * &cosh_t) * &distance;
                positive(&weight)?;
                Some(Node {
                    x,
                    weight,
                    endpoint: a.clone(),
                    distance,
                })
            }
        }
    }

    /// Evaluates the integrand at `node` and adds `w·f` to the sums.
    fn sample(&mut self, node: &Node) -> Result<Sample, EvalError> {
        if self.evaluations >= MAX_EVALUATIONS {
            return Ok(Sample::Budget);
        }
        let bits = self.node_bits(&node.endpoint, &node.distance);
        // A node indistinguishable from its endpoint would evaluate the integrand at the
        // (possibly singular) endpoint itself; the nodes further out in the tail are closer still.
        let here = Float::with_val(bits, &node.x);
        if here.partial_cmp(&Float::with_val(bits, &node.endpoint)) == Some(Ordering::Equal) {
            return Ok(Sample::Skipped);
        }
        if let Some(slot) = self.at.get_mut(self.var) {
            slot.clone_from(&node.x);
        }
        self.evaluations += 1;
        let f = eval_float(self.integrand, &self.at, Precision::from_bits(bits))?;
        let term = Float::with_val(self.work, &node.weight * &f);
        if !term.is_finite() {
            return Err(EvalError::Overflow);
        }
        let magnitude = Float::with_val(self.work, term.abs_ref());
        self.raw += &term;
        self.raw_abs += &magnitude;
        let negligible = magnitude <= Float::with_val(self.work, &self.raw_abs >> self.work);
        Ok(Sample::Term {
            magnitude,
            negligible,
        })
    }

    /// Working precision plus the binary orders of magnitude by which `endpoint` exceeds the
    /// node's `distance` from it, so that `endpoint ± distance` is represented to working
    /// precision relative to the distance. (This matters near a nonzero endpoint, and also for
    /// exp-sinh from a large `a`, whose nodes have offsets of order 1.) Capped at
    /// [`MAX_EXTRA_FACTOR`] times the working precision.
    fn node_bits(&self, endpoint: &Rational, distance: &Float) -> u32 {
        if endpoint.cmp0() == Ordering::Equal {
            return self.work;
        }
        let endpoint_exp = Float::with_val(64, endpoint).get_exp().unwrap_or(0);
        let distance_exp = distance.get_exp().unwrap_or(0);
        let gap = i64::from(endpoint_exp) - i64::from(distance_exp);
        let cap = i64::from(self.work.saturating_mul(MAX_EXTRA_FACTOR));
        let extra = u32::try_from((gap + 4).clamp(0, cap)).unwrap_or(0);
        Precision::from_bits(self.work.saturating_add(extra)).bits()
    }
}

/// The outcome of one node evaluation.
enum Sample {
    /// The term `w·f` was added.
    Term {
        /// `|w·f|`.
        magnitude: Float,
        /// Whether it is negligible against the running integral of `|f|`.
        negligible: bool,
    },
    /// The node rounds to its endpoint and was not evaluated.
    Skipped,
    /// The evaluation budget is exhausted.
    Budget,
}

/// The exact value of a node offset, or `None` if it left MPFR's range (zero or infinite).
fn usable(distance: &Float) -> Option<Rational> {
    if distance.is_zero() {
        return None;
    }
    distance.to_rational()
}

/// `Some(())` if a weight is still a positive finite number (it underflows to zero far out).
fn positive(weight: &Float) -> Option<()> {
    (weight.is_finite() && weight.cmp0() == Some(Ordering::Greater)).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Func;
    use crate::numeric::digits_of_agreement;
    use std::ops::{Add, Div, Mul, Neg, Sub};

    const BITS: u32 = 200;

    fn prec() -> Precision {
        Precision::from_bits(BITS)
    }

    fn q(n: i64, d: u64) -> Rational {
        Rational::from((n, d))
    }

    fn finite(n: i64, d: u64) -> Bound {
        Bound::Finite(q(n, d))
    }

    fn pi() -> Float {
        Float::with_val(BITS + 64, Constant::Pi)
    }

    fn run(e: &Expr, lower: &Bound, upper: &Bound) -> Quadrature {
        integrate(e, "x", lower, upper, &Assignment::new(), prec()).expect("integrable")
    }

    fn assert_digits(result: &Quadrature, expected: &Float, digits: u32) {
        let agree = digits_of_agreement(&result.value, expected);
        assert!(
            agree >= digits,
            "{} vs {expected}: {agree} digits ({result:?})",
            result.value
        );
        // The estimate is honest about these well-behaved integrals.
        let err = Float::with_val(BITS + 64, &result.value - expected).abs();
        let slack = Float::with_val(BITS + 64, &result.error_estimate * 1000u32)
            + (Float::with_val(BITS + 64, expected.abs_ref()) >> (BITS - 8));
        assert!(err <= slack, "error {err} vs estimate {}", result.error_estimate);
    }

    #[test]
    fn polynomial_on_unit_interval() {
        let e = Expr::var("x").pow(Expr::int(2));
        let r = run(&e, &finite(0, 1), &finite(1, 1));
        assert_digits(&r, &(Float::with_val(BITS, 1u32) / 3u32), 40);
        assert!(r.levels >= 2 && r.levels <= MAX_LEVELS);
        // Reversed limits flip the sign; equal limits give zero without evaluating.
        let r = run(&e, &finite(1, 1), &finite(0, 1));
        assert_digits(&r, &-(Float::with_val(BITS, 1u32) / 3u32), 40);
        let r = run(&e, &finite(1, 2), &finite(1, 2));
        assert!(r.value.is_zero() && r.evaluations == 0);
    }

    #[test]
    fn exponential_on_half_line() {
        let e = Expr::var("x").neg().call(Func::Exp);
        let r = run(&e, &finite(0, 1), &Bound::Infinity);
        assert_digits(&r, &Float::with_val(BITS, 1u32), 50);
        // ∫_1^∞ e^(−x) dx = 1/e: a nonzero finite lower limit.
        let r = run(&e, &finite(1, 1), &Bound::Infinity);
        assert_digits(&r, &Float::with_val(BITS, -1i32).exp(), 50);
        // ∫_A^∞ e^(A−x) dx = 1 with A = 10^40: the offsets of order 1 from A need more than the
        // working precision, which the per-node precision supplies.
        let big = Rational::from(rug::Integer::from(rug::Integer::u_pow_u(10, 40)));
        let e = Expr::rational(&big).sub(Expr::var("x")).call(Func::Exp);
        let r = run(&e, &Bound::Finite(big), &Bound::Infinity);
        assert_digits(&r, &Float::with_val(BITS, 1u32), 50);
    }

    /// `∫_0^∞ u^(b−1)/(1+u)² du = (1−b)π/sin(πb)`: the Beta integral B(b, 2 − b).
    #[test]
    fn beta_integrals() {
        let u = Expr::var("u");
        for b in [q(3, 10), q(7, 5)] {
            let integrand = u
                .clone()
                .pow(Expr::rational(&b).sub(Expr::int(1)))
                .div(Expr::int(1).add(u.clone()).pow(Expr::int(2)));
            let r = integrate(
                &integrand,
                "u",
                &finite(0, 1),
                &Bound::Infinity,
                &Assignment::new(),
                prec(),
            )
            .expect("integrable");
            let pi_b = Float::with_val(BITS + 64, &pi() * &b);
            let one_minus_b = 1 - b.clone();
            let expected = Float::with_val(BITS + 64, &pi() * &one_minus_b) / pi_b.sin();
            assert_digits(&r, &expected, 50);
        }
        // ∫_0^∞ u^(c−1)/(1+u) du = π/sin(πc) at c = 1/6, i.e. 2π.
        let c = q(1, 6);
        let integrand = u
            .clone()
            .pow(Expr::rational(&c).sub(Expr::int(1)))
            .div(Expr::int(1).add(u));
        let r = integrate(
            &integrand,
            "u",
            &finite(0, 1),
            &Bound::Infinity,
            &Assignment::new(),
            prec(),
        )
        .expect("integrable");
        assert_digits(&r, &(pi() * 2u32), 50);
    }

    #[test]
    fn endpoint_singularities() {
        let x = Expr::var("x");
        // ∫_0^1 log x = −1 and ∫_0^1 x^(−1/2) = 2: singular at the lower limit.
        let r = run(&x.clone().call(Func::Log), &finite(0, 1), &finite(1, 1));
        assert_digits(&r, &Float::with_val(BITS, -1i32), 50);
        let r = run(
            &Expr::int(1).div(x.clone().call(Func::Sqrt)),
            &finite(0, 1),
            &finite(1, 1),
        );
        assert_digits(&r, &Float::with_val(BITS, 2u32), 50);
        // Singular at a nonzero endpoint: needs the direct distance and the precision boost,
        // otherwise 1 − x cancels to 0 and the node would be undefined or lost.
        let upper = Expr::int(1).div(Expr::int(1).sub(x.clone()).call(Func::Sqrt));
        let r = run(&upper, &finite(0, 1), &finite(1, 1));
        assert_digits(&r, &Float::with_val(BITS, 2u32), 50);
        // ∫_1^2 (x−1)^(−3/4) dx = 4, and the same at a non-dyadic endpoint: ∫_{1/3}^{4/3} = 4.
        let e = x.clone().sub(Expr::int(1)).pow(Expr::rational(&q(-3, 4)));
        let r = run(&e, &finite(1, 1), &finite(2, 1));
        assert_digits(&r, &Float::with_val(BITS, 4u32), 40);
        let e = x.sub(Expr::rational(&q(1, 3))).pow(Expr::rational(&q(-3, 4)));
        let r = run(&e, &finite(1, 3), &finite(4, 3));
        assert_digits(&r, &Float::with_val(BITS, 4u32), 40);
    }

    #[test]
    fn other_variables_come_from_the_point() {
        // ∫_0^1 a·x dx = a/2 with a = 7/3; a stale value of x in the point is overridden.
        let e = Expr::var("a").mul(Expr::var("x"));
        let at: Assignment = [("a".to_string(), q(7, 3)), ("x".to_string(), q(100, 1))]
            .into_iter()
            .collect();
        let r = integrate(&e, "x", &finite(0, 1), &finite(1, 1), &at, prec()).expect("integrable");
        assert_digits(&r, &(Float::with_val(BITS, 7u32) / 6u32), 50);
        // A zero integral, ∫_{−3}^{3} sin x dx: convergence is judged against ∫|sin|, not against 0.
        let r = run(&Expr::var("x").call(Func::Sin), &finite(-3, 1), &finite(3, 1));
        assert!(r.value.clone().abs() < Float::with_val(BITS, 1u32) >> (BITS - 16));
    }

    #[test]
    fn errors_are_reported() {
        let x = Expr::var("x");
        assert!(matches!(
            integrate(
                &x,
                "x",
                &Bound::Infinity,
                &finite(0, 1),
                &Assignment::new(),
                prec()
            ),
            Err(EvalError::Undefined { .. })
        ));
        // log is undefined on the negative half of [−1, 1]: an interior node fails.
        assert!(matches!(
            integrate(
                &x.clone().call(Func::Log),
                "x",
                &finite(-1, 1),
                &finite(1, 1),
                &Assignment::new(),
                prec()
            ),
            Err(EvalError::Undefined { .. })
        ));
        assert_eq!(
            integrate(
                &Expr::var("y"),
                "x",
                &finite(0, 1),
                &finite(1, 1),
                &Assignment::new(),
                prec()
            ),
            Err(EvalError::Unbound("y".into()))
        );
    }

    #[test]
    fn divergent_integral_does_not_converge() {
        // ∫_0^1 dx/x diverges: no error, but a huge estimate, and the budget is respected.
        let r = run(&Expr::int(1).div(Expr::var("x")), &finite(0, 1), &finite(1, 1));
        assert!(r.error_estimate > 1u32, "{r:?}");
        assert!(r.evaluations <= MAX_EVALUATIONS);
        // ∫_0^∞ 1 dx: the estimate is as large as the (meaningless) value.
        let r = run(&Expr::int(1), &finite(0, 1), &Bound::Infinity);
        assert!(
            r.error_estimate >= Float::with_val(BITS, r.value.abs_ref()) >> 1u32,
            "{r:?}"
        );
        // ∫_0^1 x^(−999/1000) dx = 1000 needs a tail beyond |t| = 10: the cut is reported.
        let e = Expr::var("x").pow(Expr::rational(&q(-999, 1000)));
        let r = run(&e, &finite(0, 1), &finite(1, 1));
        assert!(r.error_estimate > Float::with_val(BITS, 1u32) >> 60u32, "{r:?}");
    }
}
