//! Adaptive embedded Runge–Kutta integration of `y' = f(τ, y)` in MPFR.
//!
//! The module knows nothing about the system it integrates: the right-hand side is any
//! `FnMut(&Float, &[Float]) -> Vec<Float>`, the state a vector of MPFR floats, the independent
//! variable `τ` a real "time" (it may run backwards). It provides
//!
//! * two embedded pairs with exact rational Butcher tableaux ([`Method`], [`Tableau`]), so a pair
//!   means the same thing at every working precision;
//! * [`integrate`]: error-per-step control to a requested number of digits ([`IntegratorOptions`])
//!   with steps shortened to land exactly on each requested output, so outputs carry no
//!   interpolation error, and counters of the run ([`SolverStats`]);
//! * [`integrate_fixed`]: equal steps without control, to measure convergence orders.
//!
//! The working precision is derived from the requested digits through [`Precision`] alone.
//! The error estimates are estimates, not bounds: an integration is a numeric result, never a
//! certificate.

use std::cmp::Ordering;

use rug::ops::Pow;
use rug::{Float, Rational};
use serde::{Deserialize, Serialize};

use super::Precision;

/// Why an integration stopped. Values are decimal strings so the error stays `Eq` and printable
/// without carrying MPFR state.
/// without carrying MPFR state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntegrateError {
    /// The controller asked for a step below the resolution of `τ` at the working precision.
    #[error("step size underflow at tau = {tau} (step {step})")]
    StepSizeUnderflow {
        /// `τ` where the integration stalled.
        tau: String,
        /// The rejected step size.
        step: String,
    },
    /// The state or the right-hand side became NaN or infinite and no smaller step avoided it.
    #[error("non-finite value in component {component} at tau = {tau}")]
    NonFinite {
        /// `τ` of the last finite state.
        tau: String,
        /// Index of the offending component.
        component: usize,
    },
    /// The step budget (accepted plus rejected attempts) ran out.
    #[error("maximum number of steps ({steps}) reached at tau = {tau}")]
    MaxSteps {
        /// `τ` reached.
        tau: String,
        /// The budget.
        steps: u64,
    },
    /// Malformed request (empty or non-monotone outputs, dimension mismatch, zero steps).
    #[error("invalid integrator input: {0}")]
    InvalidInput(String),
}

// ---------------------------------------------------------------------------------------------
// Embedded Runge–Kutta pairs
// ---------------------------------------------------------------------------------------------

/// The embedded explicit Runge–Kutta pair used by the integrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Method {
    /// Dormand–Prince 5(4), 7 stages, first-same-as-last; propagates the order-5 solution.
    DormandPrince54,
    /// Fehlberg 7(8) (NASA TR R-287), 13 stages; propagates the order-8 solution. Its error
    /// estimate vanishes for pure quadratures `y' = f(τ)`, so it is meant for right-hand sides
    /// that depend on the state (use Dormand–Prince for a quadrature).
    Fehlberg78,
}

/// A Butcher tableau with exact rational coefficients, so the pair has the same meaning at any
/// working precision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tableau {
    /// Nodes `c_i`.
    pub c: Vec<Rational>,
    /// Strictly lower-triangular `a_ij` (row `i` has `i` entries).
    pub a: Vec<Vec<Rational>>,
    /// Weights of the propagated solution.
    pub b: Vec<Rational>,
    /// Weights of the embedded solution (only used in the error estimate).
    pub b_embedded: Vec<Rational>,
    /// Classical order of `b`.
    pub order: u32,
    /// Classical order of `b_embedded`.
    pub embedded_order: u32,
}

fn q(s: &str) -> Rational {
    // Only called on the literal Butcher tables below (checked by the exact order-condition tests); a
    // typo there is a programming error, not an input error.
    s.parse::<Rational>()
        .unwrap_or_else(|_| panic!("bad literal {s}")) // invariant: literal tables
}

fn qs(v: &[&str]) -> Vec<Rational> {
    v.iter().map(|s| q(s)).collect()
}

impl Method {
    /// The exact Butcher tableau of the pair.
    pub fn tableau(self) -> Tableau {
        match self {
            Method::DormandPrince54 => Tableau {
                c: qs(&["0", "1/5", "3/10", "4/5", "8/9", "1", "1"]),
                a: vec![
                    vec![],
                    qs(&["1/5"]),
                    qs(&["3/40", "9/40"]),
                    qs(&["44/45", "-56/15", "32/9"]),
                    qs(&["19372/6561", "-25360/2187", "64448/6561", "-212/729"]),
                    qs(&["9017/3168", "-355/33", "46732/5247", "49/176", "-5103/18656"]),
                    qs(&["35/384", "0", "500/1113", "125/192", "-2187/6784", "11/84"]),
                ],
                b: qs(&["35/384", "0", "500/1113", "125/192", "-2187/6784", "11/84", "0"]),
                b_embedded: qs(&[
                    "5179/57600",
                    "0",
                    "7571/16695",
                    "393/640",
                    "-92097/339200",
                    "187/2100",
                    "1/40",
                ]),
                order: 5,
                embedded_order: 4,
            },
            Method::Fehlberg78 => Tableau {
                c: qs(&[
                    "0", "2/27", "1/9", "1/6", "5/12", "1/2", "5/6", "1/6", "2/3", "1/3", "1", "0", "1",
                ]),
                a: vec![
                    vec![],
                    qs(&["2/27"]),
                    qs(&["1/36", "1/12"]),
                    qs(&["1/24", "0", "1/8"]),
                    qs(&["5/12", "0", "-25/16", "25/16"]),
                    qs(&["1/20", "0", "0", "1/4", "1/5"]),
                    qs(&["-25/108", "0", "0", "125/108", "-65/27", "125/54"]),
                    qs(&["31/300", "0", "0", "0", "61/225", "-2/9", "13/900"]),
                    qs(&["2", "0", "0", "-53/6", "704/45", "-107/9", "67/90", "3"]),
                    qs(&[
                        "-91/108", "0", "0", "23/108", "-976/135", "311/54", "-19/60", "17/6", "-1/12",
                    ]),
                    qs(&[
                        "2383/4100",
                        "0",
                        "0",
                        "-341/164",
                        "4496/1025",
                        "-301/82",
                        "2133/4100",
                        "45/82",
                        "45/164",
                        "18/41",
                    ]),
                    qs(&[
                        "3/205", "0", "0", "0", "0", "-6/41", "-3/205", "-3/41", "3/41", "6/41", "0",
                    ]),
                    qs(&[
                        "-1777/4100",
                        "0",
                        "0",
                        "-341/164",
                        "4496/1025",
                        "-289/82",
                        "2193/4100",
                        "51/82",
                        "33/164",
                        "12/41",
                        "0",
                        "1",
                    ]),
                ],
                b: qs(&[
                    "0", "0", "0", "0", "0", "34/105", "9/35", "9/35", "9/280", "9/280", "0", "41/840",
                    "41/840",
                ]),
                b_embedded: qs(&[
                    "41/840", "0", "0", "0", "0", "34/105", "9/35", "9/35", "9/280", "9/280", "41/840", "0",
                    "0",
                ]),
                order: 8,
                embedded_order: 7,
            },
        }
    }
}

/// The tableau rounded once to the working precision, zero coefficients dropped.
struct Stepper {
    c: Vec<Float>,
    a: Vec<Vec<(usize, Float)>>,
    b: Vec<(usize, Float)>,
    e: Vec<(usize, Float)>,
    /// Last stage is `f(τ + h, y_new)`: reuse it as the next first stage.
    fsal: bool,
    /// Exponent of the step-size controller: `1/(min order + 1)`.
    exponent: Float,
    /// Working precision in bits.
    prec: u32,
}

impl Stepper {
    fn new(method: Method, precision: Precision) -> Stepper {
        let prec = precision.bits();
        let t = method.tableau();
        let s = t.c.len();
        let sparse = |v: &[Rational]| -> Vec<(usize, Float)> {
            v.iter()
                .enumerate()
                .filter(|(_, x)| !x.is_zero())
                .map(|(j, x)| (j, Float::with_val(prec, x)))
                .collect()
        };
        let e: Vec<Rational> =
            t.b.iter()
                .zip(&t.b_embedded)
                .map(|(x, y)| Rational::from(x - y))
                .collect();
        let last = &t.a[s - 1];
        let fsal = t.c[s - 1] == 1u32 && t.b[s - 1].is_zero() && last.iter().zip(&t.b).all(|(x, y)| x == y);
        let q = t.order.min(t.embedded_order) + 1;
        Stepper {
            c: t.c.iter().map(|x| Float::with_val(prec, x)).collect(),
            a: t.a.iter().map(|row| sparse(row)).collect(),
            b: sparse(&t.b),
            e: sparse(&e),
            fsal,
            exponent: Float::with_val(prec, Rational::from((1, q))),
            prec,
        }
    }

    fn stages(&self) -> usize {
        self.c.len()
    }

    /// One trial step. Returns `Err(component)` if a stage or the result is not finite.
    fn step<F>(&self, rhs: &mut F, tau: &Float, y: &[Float], k0: &[Float], h: &Float) -> Result<Trial, usize>
    where
        F: FnMut(&Float, &[Float]) -> Vec<Float>,
    {
        let prec = self.prec;
        let n = y.len();
        let mut k: Vec<Vec<Float>> = Vec::with_capacity(self.stages());
        k.push(k0.to_vec());
        let mut evals = 0u64;
        let combine = |coeffs: &[(usize, Float)], k: &[Vec<Float>], i: usize| -> Float {
            let mut acc = Float::new(prec);
            for (j, cj) in coeffs {
                acc += cj * &k[*j][i];
            }
            acc
        };
        let mut y_last_stage: Option<Vec<Float>> = None;
        for s in 1..self.stages() {
            let mut ys = Vec::with_capacity(n);
            for (i, yi) in y.iter().enumerate() {
                let inc = combine(&self.a[s], &k, i);
                ys.push(Float::with_val(prec, yi + &Float::with_val(prec, &inc * h)));
            }
            let ts = Float::with_val(prec, tau + &Float::with_val(prec, &self.c[s] * h));
            let ks = rhs(&ts, &ys);
            evals += 1;
            if ks.len() != n {
                return Err(0);
            }
            if let Some(bad) = ks.iter().position(|x| !x.is_finite()) {
                return Err(bad);
            }
            if s == self.stages() - 1 && self.fsal {
                y_last_stage = Some(ys);
            }
            k.push(ks);
        }
        let y_new = match y_last_stage {
            Some(v) => v,
            None => y
                .iter()
                .enumerate()
                .map(|(i, yi)| {
                    Float::with_val(prec, yi + &Float::with_val(prec, &combine(&self.b, &k, i) * h))
                })
                .collect(),
        };
        if let Some(bad) = y_new.iter().position(|x| !x.is_finite()) {
            return Err(bad);
        }
        let err: Vec<Float> = (0..n)
            .map(|i| Float::with_val(prec, &combine(&self.e, &k, i) * h))
            .collect();
        let k_last = if self.fsal { k.pop() } else { None };
        Ok(Trial {
            y_new,
            err,
            k_last,
            evals,
        })
    }
}

struct Trial {
    y_new: Vec<Float>,
    err: Vec<Float>,
    k_last: Option<Vec<Float>>,
    evals: u64,
}

// ---------------------------------------------------------------------------------------------
// Adaptive integration
// ---------------------------------------------------------------------------------------------

/// Integrator settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegratorOptions {
    /// The embedded pair.
    pub method: Method,
    /// Requested correct significant digits of the outputs.
    pub digits: u32,
    /// Extra decimal digits of local tolerance beyond `digits`: the local error per step is held
    /// below `10^{−(digits + margin)}` (absolute plus relative) so that the accumulation over
    /// many steps still leaves `digits` correct digits for a well-conditioned system.
    pub tolerance_margin: u32,
    /// Guard bits added to the working precision so rounding over millions of steps stays far
    /// below the tolerance.
    pub guard_bits: u32,
    /// Budget of step attempts (accepted plus rejected).
    pub max_steps: u64,
    /// Keep every accepted step in the result (not only the requested outputs).
    pub record_steps: bool,
}

impl Default for IntegratorOptions {
    fn default() -> Self {
        IntegratorOptions {
            method: Method::DormandPrince54,
            digits: 20,
            tolerance_margin: 2,
            guard_bits: 64,
            max_steps: 10_000_000,
            record_steps: true,
        }
    }
}

impl IntegratorOptions {
    /// Default options with the given pair and digit count.
    pub fn new(method: Method, digits: u32) -> Self {
        IntegratorOptions {
            method,
            digits,
            ..IntegratorOptions::default()
        }
    }

    /// The working precision: [`Precision::from_digits`] of `digits + margin`, plus
    /// `guard_bits`, and never below 64 bits.
    pub fn precision(&self) -> Precision {
        let carried = Precision::from_digits(self.digits.saturating_add(self.tolerance_margin))
            .with_guard_bits(self.guard_bits);
        // At least the 64 bits of the smallest sensible working precision, so that a request for
        // a handful of digits still resolves τ and the step-size floor comfortably.
        Precision::from_bits(carried.bits().max(64))
    }

    /// The local tolerance `10^{−(digits + margin)}` at `prec`.
    pub fn tolerance(&self, prec: Precision) -> Float {
        let e = i32::try_from(self.digits.saturating_add(self.tolerance_margin)).unwrap_or(i32::MAX);
        Float::with_val(prec.bits(), 10u32).pow(-e)
    }
}

/// Counters and error bookkeeping of one integration.
#[derive(Debug, Clone, PartialEq)]
pub struct SolverStats {
    /// Accepted steps.
    pub accepted: u64,
    /// Rejected trial steps (error too large or non-finite stage).
    pub rejected: u64,
    /// Right-hand-side evaluations.
    pub rhs_evaluations: u64,
    /// Largest scaled error norm `max_i |err_i| / (tol (1 + |y_i|))` over accepted steps (≤ 1).
    pub max_scaled_error: Float,
    /// Largest unscaled local-error estimate `max_i |err_i|` over accepted steps.
    pub max_error_estimate: Float,
    /// Smallest accepted step `|h|` (steps shortened to land on an output excluded).
    pub min_step: Float,
    /// Largest accepted step `|h|`.
    pub max_step: Float,
}

/// Result of [`integrate`]: the state at each requested output and, optionally, at every step.
#[derive(Debug, Clone, PartialEq)]
pub struct OdeSolution {
    /// `(τ, y)` at each requested output, in request order.
    pub outputs: Vec<(Float, Vec<Float>)>,
    /// `(τ, y)` after every accepted step, starting with the initial point (empty unless
    /// `record_steps`).
    pub steps: Vec<(Float, Vec<Float>)>,
    /// Counters.
    pub stats: SolverStats,
    /// Working precision.
    pub precision: Precision,
}

/// `x` in scientific notation with 20 significant digits, for error messages.
fn dec(x: &Float) -> String {
    format!("{:.20e}", x)
}

fn pow2(prec: u32, e: i32) -> Float {
    Float::with_val(prec, Float::i_exp(1, e))
}

fn rational_f(prec: u32, num: i64, den: u64) -> Float {
    Float::with_val(prec, Rational::from((num, den)))
}

/// Integrates `y' = rhs(τ, y)` from `tau0` through every `τ` in `outputs` (monotone, all on one
/// side of `tau0`; backward integration is allowed) with an adaptive embedded Runge–Kutta pair
/// in MPFR.
///
/// Step control is error-per-step with `atol = rtol = 10^{−(digits+margin)}` in the max norm,
/// a safety factor `9/10` and step ratios in `[1/5, 5]`. Steps are shortened to land exactly on
/// each output, so outputs carry no interpolation error. A trial step that produces a non-finite
/// stage is rejected and retried ten times shorter; only if that shrinks the step below the
/// resolution of `τ` is [`IntegrateError::NonFinite`] returned.
pub fn integrate<F>(
    mut rhs: F,
    tau0: &Rational,
    y0: &[Float],
    outputs: &[Rational],
    opts: &IntegratorOptions,
) -> Result<OdeSolution, IntegrateError>
where
    F: FnMut(&Float, &[Float]) -> Vec<Float>,
{
    let precision = opts.precision();
    let prec = precision.bits();
    if outputs.is_empty() {
        return Err(IntegrateError::InvalidInput("no output times requested".into()));
    }
    if y0.is_empty() {
        return Err(IntegrateError::InvalidInput("empty state".into()));
    }
    let dir = match outputs
        .iter()
        .map(|o| Rational::from(o - tau0).cmp0())
        .find(|s| *s != Ordering::Equal)
    {
        Some(s) => s,
        None => Ordering::Greater,
    };
    let mut prev = tau0.clone();
    for (i, o) in outputs.iter().enumerate() {
        let s = Rational::from(o - &prev).cmp0();
        let ok = s == dir || (i == 0 && s == Ordering::Equal);
        if !ok {
            return Err(IntegrateError::InvalidInput(format!(
                "output times must be strictly monotone away from tau0; offending value {o}"
            )));
        }
        prev = o.clone();
    }
    let stepper = Stepper::new(opts.method, precision);
    let tol = opts.tolerance(precision);
    let mut tau = Float::with_val(prec, tau0);
    let mut y: Vec<Float> = y0.iter().map(|v| Float::with_val(prec, v)).collect();
    if let Some(bad) = y.iter().position(|v| !v.is_finite()) {
        return Err(IntegrateError::NonFinite {
            tau: dec(&tau),
            component: bad,
        });
    }
    let mut k0 = rhs(&tau, &y);
    let mut stats = SolverStats {
        accepted: 0,
        rejected: 0,
        rhs_evaluations: 1,
        max_scaled_error: Float::new(prec),
        max_error_estimate: Float::new(prec),
        min_step: Float::with_val(prec, rug::float::Special::Infinity),
        max_step: Float::new(prec),
    };
    if k0.len() != y.len() {
        return Err(IntegrateError::InvalidInput(
            "rhs returned a vector of the wrong length".into(),
        ));
    }
    if let Some(bad) = k0.iter().position(|v| !v.is_finite()) {
        return Err(IntegrateError::NonFinite {
            tau: dec(&tau),
            component: bad,
        });
    }
    let mut solution = OdeSolution {
        outputs: Vec::with_capacity(outputs.len()),
        steps: Vec::new(),
        stats: stats.clone(),
        precision,
    };
    if opts.record_steps {
        solution.steps.push((tau.clone(), y.clone()));
    }
    let sign = if dir == Ordering::Less { -1i32 } else { 1 };
    let first_span = Float::with_val(prec, Float::with_val(prec, &outputs[outputs.len() - 1]) - &tau).abs();
    let mut h_abs = initial_step(&mut rhs, &tau, &y, &k0, &tol, &stepper.exponent, sign, &mut stats);
    if h_abs > first_span && !first_span.is_zero() {
        h_abs = first_span;
    }
    let safety = rational_f(prec, 9, 10);
    let fac_min = rational_f(prec, 1, 5);
    let fac_max = Float::with_val(prec, 5u32);
    let land_slack = rational_f(prec, 65, 64);
    let mut attempts = 0u64;
    let mut last_nonfinite: Option<usize> = None;
    for target in outputs {
        let target_f = Float::with_val(prec, target);
        loop {
            let remaining = Float::with_val(prec, &target_f - &tau);
            if remaining.cmp0() != Some(dir) {
                break;
            }
            if attempts >= opts.max_steps {
                return Err(IntegrateError::MaxSteps {
                    tau: dec(&tau),
                    steps: opts.max_steps,
                });
            }
            attempts += 1;
            let rem_abs = Float::with_val(prec, remaining.abs_ref());
            let lands = Float::with_val(prec, &h_abs * &land_slack) >= rem_abs;
            let h_try_abs = if lands { rem_abs.clone() } else { h_abs.clone() };
            let floor = Float::with_val(prec, tau.abs_ref()).max(&Float::with_val(prec, 1u32))
                * pow2(prec, 8 - prec as i32);
            if !lands && h_try_abs <= floor {
                return Err(match last_nonfinite {
                    Some(component) => IntegrateError::NonFinite {
                        tau: dec(&tau),
                        component,
                    },
                    None => IntegrateError::StepSizeUnderflow {
                        tau: dec(&tau),
                        step: dec(&h_try_abs),
                    },
                });
            }
            let h = if sign < 0 {
                Float::with_val(prec, -&h_try_abs)
            } else {
                h_try_abs.clone()
            };
            let trial = stepper.step(&mut rhs, &tau, &y, &k0, &h);
            let trial = match trial {
                Ok(t) => t,
                Err(component) => {
                    stats.rhs_evaluations += stepper.stages() as u64 - 1;
                    stats.rejected += 1;
                    last_nonfinite = Some(component);
                    h_abs = Float::with_val(prec, &h_try_abs / 10u32);
                    continue;
                }
            };
            stats.rhs_evaluations += trial.evals;
            let mut err_norm = Float::new(prec);
            let mut err_abs = Float::new(prec);
            for (i, e) in trial.err.iter().enumerate() {
                let ea = Float::with_val(prec, e.abs_ref());
                let scale = Float::with_val(prec, y[i].abs_ref())
                    .max(&Float::with_val(prec, trial.y_new[i].abs_ref()))
                    + 1u32;
                let scaled = Float::with_val(prec, &ea / &Float::with_val(prec, &scale * &tol));
                if scaled > err_norm {
                    err_norm = scaled;
                }
                if ea > err_abs {
                    err_abs = ea;
                }
            }
            let fac = if err_norm.is_zero() {
                fac_max.clone()
            } else {
                let raw = Float::with_val(
                    prec,
                    &safety * &Float::with_val(prec, (&err_norm).pow(&stepper.exponent)).recip(),
                );
                raw.clamp(&fac_min, &fac_max)
            };
            if err_norm <= 1u32 {
                tau = if lands {
                    target_f.clone()
                } else {
                    Float::with_val(prec, &tau + &h)
                };
                y = trial.y_new;
                k0 = match trial.k_last {
                    Some(k) => k,
                    None => {
                        stats.rhs_evaluations += 1;
                        rhs(&tau, &y)
                    }
                };
                if let Some(bad) = k0.iter().position(|v| !v.is_finite()) {
                    return Err(IntegrateError::NonFinite {
                        tau: dec(&tau),
                        component: bad,
                    });
                }
                stats.accepted += 1;
                if err_norm > stats.max_scaled_error {
                    stats.max_scaled_error = err_norm;
                }
                if err_abs > stats.max_error_estimate {
                    stats.max_error_estimate = err_abs;
                }
                if !lands && h_try_abs < stats.min_step {
                    stats.min_step = h_try_abs.clone();
                }
                if h_try_abs > stats.max_step {
                    stats.max_step = h_try_abs.clone();
                }
                if opts.record_steps {
                    solution.steps.push((tau.clone(), y.clone()));
                }
                let grown = Float::with_val(prec, &h_try_abs * &fac);
                // A step shortened to hit an output says little about the natural step size;
                // keep the controller's unshortened proposal if it is larger.
                h_abs = if lands { grown.max(&h_abs) } else { grown };
                last_nonfinite = None;
            } else {
                stats.rejected += 1;
                h_abs = Float::with_val(prec, &h_try_abs * &fac.min(&Float::with_val(prec, 1u32)));
            }
        }
        solution.outputs.push((tau.clone(), y.clone()));
    }
    if stats.min_step.is_infinite() {
        stats.min_step = stats.max_step.clone();
    }
    solution.stats = stats;
    Ok(solution)
}

/// Hairer–Wanner's starting-step heuristic (Solving ODEs I, §II.4), in MPFR.
#[allow(clippy::too_many_arguments)]
fn initial_step<F>(
    rhs: &mut F,
    tau: &Float,
    y: &[Float],
    f0: &[Float],
    tol: &Float,
    exponent: &Float,
    sign: i32,
    stats: &mut SolverStats,
) -> Float
where
    F: FnMut(&Float, &[Float]) -> Vec<Float>,
{
    let prec = tau.prec();
    let scale = |v: &Float| Float::with_val(prec, Float::with_val(prec, v.abs_ref()) + 1u32) * tol;
    let norm = |v: &[Float]| {
        v.iter()
            .zip(y)
            .map(|(x, yi)| Float::with_val(prec, Float::with_val(prec, x.abs_ref()) / scale(yi)))
            .fold(Float::new(prec), |m, x| m.max(&x))
    };
    let d0 = norm(y);
    let d1 = norm(f0);
    let small = rational_f(prec, 1, 100_000);
    let h0 = if d0 < small || d1 < small {
        rational_f(prec, 1, 1_000_000)
    } else {
        Float::with_val(prec, &d0 / &d1) / 100u32
    };
    let hs = if sign < 0 {
        Float::with_val(prec, -&h0)
    } else {
        h0.clone()
    };
    let y1: Vec<Float> = y
        .iter()
        .zip(f0)
        .map(|(yi, fi)| Float::with_val(prec, yi + &Float::with_val(prec, fi * &hs)))
        .collect();
    let f1 = rhs(&Float::with_val(prec, tau + &hs), &y1);
    stats.rhs_evaluations += 1;
    if f1.len() != y.len() || f1.iter().any(|v| !v.is_finite()) {
        return h0;
    }
    let diff: Vec<Float> = f1
        .iter()
        .zip(f0)
        .map(|(a, b)| Float::with_val(prec, a - b))
        .collect();
    let d2 = Float::with_val(prec, norm(&diff) / &h0);
    let m = d1.max(&d2);
    let h1 = if m <= Float::with_val(prec, Float::i_exp(1, -50)) {
        (Float::with_val(prec, &h0 / 1000u32)).max(&rational_f(prec, 1, 1_000_000))
    } else {
        Float::with_val(prec, Float::with_val(prec, &m * 100u32).recip().pow(exponent))
    };
    h1.min(&Float::with_val(prec, &h0 * 100u32))
}

/// Integrates with `steps` equal steps of the pair's propagated solution (no error control);
/// used to measure the convergence order.
pub fn integrate_fixed<F>(
    mut rhs: F,
    method: Method,
    tau0: &Rational,
    y0: &[Float],
    tau1: &Rational,
    steps: u64,
    prec: Precision,
) -> Result<Vec<Float>, IntegrateError>
where
    F: FnMut(&Float, &[Float]) -> Vec<Float>,
{
    if steps == 0 {
        return Err(IntegrateError::InvalidInput("zero steps".into()));
    }
    let stepper = Stepper::new(method, prec);
    let prec = prec.bits();
    let h_q = Rational::from(tau1 - tau0) / steps;
    let h = Float::with_val(prec, &h_q);
    let mut y: Vec<Float> = y0.iter().map(|v| Float::with_val(prec, v)).collect();
    for i in 0..steps {
        // τ_i from the exact rational, so no drift accumulates in the time variable.
        let tau = Float::with_val(prec, tau0 + Rational::from(&h_q * i));
        let k0 = rhs(&tau, &y);
        if let Some(bad) = k0.iter().position(|v| !v.is_finite()) {
            return Err(IntegrateError::NonFinite {
                tau: dec(&tau),
                component: bad,
            });
        }
        y = stepper
            .step(&mut rhs, &tau, &y, &k0, &h)
            .map_err(|component| IntegrateError::NonFinite {
                tau: dec(&tau),
                component,
            })?
            .y_new;
    }
    Ok(y)
}

#[cfg(test)]
mod tests {
    //! Closed-form checks of the integrator alone. References are evaluated in MPFR at 400 bits,
    //! far above the working precision of the code under test.

    use super::*;

    const HP: u32 = 400;

    fn r(n: i64, d: u64) -> Rational {
        Rational::from((n, d))
    }

    /// `|x − want| / max(|want|, 1)`, at `HP` bits.
    fn mixed_error(x: &Float, want: &Float) -> Float {
        let diff = Float::with_val(HP, x - want).abs();
        let scale = Float::with_val(HP, want.abs_ref()).max(&Float::with_val(HP, 1u32));
        Float::with_val(HP, diff / scale)
    }

    fn ten_to_minus(digits: u32) -> Float {
        Float::with_val(HP, 10u32).pow(-i32::try_from(digits).expect("small"))
    }

    /// Both pairs, each at a digit count (far beyond `f64`) it reaches in a moderate number of
    /// steps.
    const CASES: [(Method, u32); 2] = [(Method::Fehlberg78, 30), (Method::DormandPrince54, 15)];

    #[test]
    fn exponential_growth_reaches_e() {
        for (method, digits) in CASES {
            let opts = IntegratorOptions::new(method, digits);
            let prec = opts.precision().bits();
            let grow = |_t: &Float, y: &[Float]| vec![y[0].clone()];
            let sol = integrate(
                grow,
                &Rational::new(),
                &[Float::with_val(prec, 1u32)],
                &[r(1, 1)],
                &opts,
            )
            .expect("integrates");
            let (t, y) = &sol.outputs[0];
            assert!(*t == 1u32, "the output lands exactly on τ = 1");
            let e = Float::with_val(HP, 1u32).exp();
            let err = mixed_error(&y[0], &e);
            assert!(
                err <= ten_to_minus(digits),
                "{method:?}: error {err:.3e} above 1e-{digits}"
            );
            assert!(sol.stats.max_scaled_error <= 1u32);
            assert_eq!(sol.precision, opts.precision());
        }
    }

    #[test]
    fn gaussian_of_a_time_dependent_rhs() {
        // y' = −2τy, y(0) = 1 ⇒ y = exp(−τ²): exercises the τ passed to every stage.
        let outs = [r(1, 2), r(1, 1), r(2, 1), r(3, 1)];
        for (method, digits) in CASES {
            let opts = IntegratorOptions::new(method, digits);
            let prec = opts.precision().bits();
            let rhs = |t: &Float, y: &[Float]| {
                let ty = Float::with_val(prec, t * &y[0]);
                vec![Float::with_val(prec, ty * -2i32)]
            };
            let sol = integrate(
                rhs,
                &Rational::new(),
                &[Float::with_val(prec, 1u32)],
                &outs,
                &opts,
            )
            .expect("integrates");
            for ((t, y), want_t) in sol.outputs.iter().zip(&outs) {
                assert!(*t == *want_t);
                let want = Float::with_val(HP, -Rational::from(want_t * want_t)).exp();
                let err = mixed_error(&y[0], &want);
                assert!(
                    err <= ten_to_minus(digits),
                    "{method:?} at τ = {want_t}: error {err:.3e}"
                );
            }
        }
    }

    #[test]
    fn harmonic_oscillator_keeps_phase_over_a_period() {
        // x' = v, v' = −x from (1, 0): (cos τ, −sin τ), integrated to τ = 7 (past one period).
        let tau1 = r(7, 1);
        for (method, digits) in CASES {
            let opts = IntegratorOptions::new(method, digits);
            let prec = opts.precision().bits();
            let rhs = |_t: &Float, y: &[Float]| vec![y[1].clone(), Float::with_val(prec, -&y[0])];
            let y0 = [Float::with_val(prec, 1u32), Float::new(prec)];
            let sol = integrate(rhs, &Rational::new(), &y0, std::slice::from_ref(&tau1), &opts).expect("ok");
            let y = &sol.outputs[0].1;
            let t = Float::with_val(HP, &tau1);
            let (cos, sin) = (Float::with_val(HP, t.cos_ref()), Float::with_val(HP, t.sin_ref()));
            // The global error grows with the number of steps; one digit of the margin covers it.
            let allowed = ten_to_minus(digits - 1);
            let ex = mixed_error(&y[0], &cos);
            let ev = mixed_error(&y[1], &Float::with_val(HP, -sin));
            assert!(ex <= allowed && ev <= allowed, "{method:?}: {ex:.3e}, {ev:.3e}");
        }
    }

    #[test]
    fn backward_integration_and_fixed_steps_agree_with_closed_forms() {
        // y' = y from y(1) = e back to τ = 0: y = 1.
        let opts = IntegratorOptions::new(Method::Fehlberg78, 40);
        let prec = opts.precision();
        let e = Float::with_val(prec.bits(), 1u32).exp();
        let grow = |_t: &Float, y: &[Float]| vec![y[0].clone()];
        let sol = integrate(grow, &r(1, 1), &[e], &[r(1, 2), r(0, 1)], &opts).expect("ok");
        let half = Float::with_val(HP, r(1, 2)).exp();
        assert!(mixed_error(&sol.outputs[0].1[0], &half) <= ten_to_minus(40));
        assert!(mixed_error(&sol.outputs[1].1[0], &Float::with_val(HP, 1u32)) <= ten_to_minus(40));
        // 64 equal RKF7(8) steps on [0, 1]: local error O(h⁹), so e to about 8·log10(64) ≈ 14
        // digits; and the steps must not stop at the wrong end.
        let y = integrate_fixed(
            grow,
            Method::Fehlberg78,
            &Rational::new(),
            &[Float::with_val(prec.bits(), 1u32)],
            &r(1, 1),
            64,
            prec,
        )
        .expect("ok");
        let err = mixed_error(&y[0], &Float::with_val(HP, 1u32).exp());
        assert!(err <= ten_to_minus(12), "{err:.3e}");
        assert!(integrate_fixed(grow, Method::Fehlberg78, &Rational::new(), &y, &r(1, 1), 0, prec).is_err());
    }

    #[test]
    fn precision_and_tolerance_come_from_the_requested_digits() {
        // 50 + 2 digits: ⌊52·3322/1000⌋ + 1 = 173 bits, plus 64 guard bits.
        let opts = IntegratorOptions::new(Method::DormandPrince54, 50);
        assert_eq!(opts.precision(), Precision::from_bits(237));
        // Few digits and no guard bits: never below 64 bits.
        let tiny = IntegratorOptions {
            digits: 1,
            guard_bits: 0,
            ..IntegratorOptions::default()
        };
        assert_eq!(tiny.precision().bits(), 64);
        let tol = opts.tolerance(opts.precision());
        let want = Float::with_val(237, 10u32).pow(-52i32);
        assert!(tol == want);
    }

    #[test]
    fn statistics_count_what_happened() {
        let opts = IntegratorOptions::new(Method::DormandPrince54, 15);
        let prec = opts.precision().bits();
        let decay = |_t: &Float, y: &[Float]| vec![Float::with_val(prec, -&y[0])];
        let sol = integrate(
            decay,
            &Rational::new(),
            &[Float::with_val(prec, 1u32)],
            &[r(5, 1)],
            &opts,
        )
        .expect("ok");
        let s = &sol.stats;
        assert_eq!(sol.steps.len() as u64, s.accepted + 1);
        assert!(s.accepted > 0 && s.min_step <= s.max_step);
        // FSAL: six new evaluations per attempt, plus the first stage and the starting-step probe.
        assert_eq!(s.rhs_evaluations, 6 * (s.accepted + s.rejected) + 2);
        assert!(s.max_scaled_error <= 1u32 && s.max_error_estimate.is_finite());
    }
}
