//! `renorm check`: does the GRSD rigidity argument force a proposed field into a power law?
//!
//! The checks of [`covariance`] become facts (H1, H1-discrete, H2) in the domain-free
//! [`crate::rules`] engine; the rules below — Theorem 1, its weak form, and the non-power-law
//! rules of docs/theory.md §2.7 — turn them into a verdict with a derivation trail. A power-law
//! verdict is then confirmed by evaluating the user's original input against the forced form.

pub mod class;
pub mod covariance;
mod exact;
pub mod render;
pub mod spec;

pub use class::{LogShiftKind, VerdictClass};
pub use covariance::Knobs;
pub use render::render;
pub use spec::{InlineSpec, Spec};

use crate::crosscheck::{self, Domain, Identity, Status};
use crate::expr::Expr;
use crate::rules::{Conclusion, Conflict, Engine, Fact, Premise, Rule, Step, StopReason, Truth};
use crate::symbolic;
use covariance::{Discrete, Field, LogShift, TimeRescaling, Witness};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::ops::{Div, Mul, Sub};

/// JSON schema identifier of the check output (a batch of [`CheckReport`]s; see
/// [`crate::contract`]).
pub const SCHEMA: &str = crate::contract::CHECK;

/// The log-shift section of a report: continuous check, and the discrete one when it ran.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogShiftSection {
    /// Status of *continuous* log-shift covariance (H1).
    pub status: Status,
    /// Which covariance was established.
    pub kind: LogShiftKind,
    /// Degree formula `b` (continuous covariance).
    pub degree: Option<String>,
    /// Degree as an exact rational, when constant.
    pub degree_exact: Option<String>,
    /// Numeric degree at a sample point.
    pub degree_numeric: Option<String>,
    /// Period `h` of discrete covariance.
    pub period: Option<String>,
    /// Certified witness against continuous covariance `(σ, λ, λ', t)`.
    pub witness: Option<Witness>,
    /// Full continuous-check result.
    pub continuous: LogShift,
    /// Full discrete-check result, when it ran.
    pub discrete: Option<Discrete>,
}

/// The time-rescaling section of a report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TimeSection {
    /// Status of H2.
    pub status: Status,
    /// The weight `w`.
    pub weight: String,
    /// Certified witness `(κ, λ, t)` against H2.
    pub witness: Option<Witness>,
    /// Full result.
    pub detail: TimeRescaling,
}

/// Both checks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checks {
    /// Log-shift covariance.
    pub log_shift: LogShiftSection,
    /// Time-rescaling covariance.
    pub time_rescaling: TimeSection,
}

/// The verdict and, for power laws, the forced form.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    /// The class.
    pub class: VerdictClass,
    /// The forced form, e.g. `C*lam^b*t^(b - 2)`.
    pub forced_form: Option<String>,
    /// `b`.
    pub exponent_spectral: Option<String>,
    /// `b − w`.
    pub exponent_time: Option<String>,
    /// `C = F(1, …, 1; t = 1)`, or `F` at the reference point of [`Verdict::amplitude_reference`]
    /// when that vanishes.
    pub amplitude: Option<String>,
    /// Where `C` was taken when `F(1, …, 1; t = 1) = 0` (several spectral variables): e.g.
    /// `C = F(1, 2; t = 1) at u2 = mu/lam = 2`. Absent when `C = F(1, …, 1; t = 1)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amplitude_reference: Option<String>,
    /// `G(u_2, …) = F(1, u_2, …; 1) / C` with `u_i = λ_i/λ_1` (several spectral variables);
    /// `G = 1` at the reference point where `C` was taken.
    pub scaling_function: Option<String>,
    /// Why.
    pub explanation: String,
}

/// Numeric confirmation of the forced form against the original input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Confirmation {
    /// The identity `F == forced form` that was checked.
    pub identity: String,
    /// Its status.
    pub status: Status,
    /// Points that agreed.
    pub points: u32,
    /// Digits required at each point.
    pub digits: u32,
    /// Fewest digits seen.
    pub digits_confirmed: Option<u32>,
}

/// The numeric domain and precision of a check, stated in every report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sampling {
    /// Spectral variables and time, e.g. `log-uniform in [1e-30, 1e30], a third of the points
    /// in [1e-1, 1e1]`.
    pub scales: String,
    /// Decimal exponents of the smallest and largest sampled scale.
    pub scale_exponents: [i32; 2],
    /// How range parameters are sampled.
    pub parameters: String,
    /// Digits that must agree beyond what each point needs to resolve every summand.
    pub digits: u32,
    /// Most digits any point may be evaluated at.
    pub max_digits: u32,
    /// Sample points (pairs) per check.
    pub points: u32,
    /// Seed of the sampler.
    pub seed: u64,
}

impl Sampling {
    fn from_knobs(knobs: &Knobs) -> Sampling {
        Sampling {
            scales: knobs.scale.describe(),
            scale_exponents: [knobs.scale.lo_exp10, knobs.scale.hi_exp10],
            parameters: "uniform in their ranges".into(),
            digits: knobs.digits,
            max_digits: knobs.max_digits,
            points: knobs.points,
            seed: knobs.seed,
        }
    }

    /// One line for reports.
    pub fn summary(&self) -> String {
        format!(
            "scales {}; range parameters {}; {} points per check; {} digits beyond what each point needs to resolve every summand, at most {} digits per point",
            self.scales, self.parameters, self.points, self.digits, self.max_digits
        )
    }
}

/// One `[expect]` claim and whether it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExpectationResult {
    /// Claim name, e.g. `expect.degree`.
    pub claim: String,
    /// What the spec claims.
    pub expected: String,
    /// What was found.
    pub found: String,
    /// Whether the claim holds.
    pub holds: bool,
}

/// The complete result of checking one spec.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckReport {
    /// Spec name.
    pub name: String,
    /// Formula as written.
    pub source: String,
    /// Formula as parsed.
    pub parsed: String,
    /// LaTeX of the parsed formula.
    pub parsed_latex: String,
    /// Formula with exact parameters substituted.
    pub instantiated: String,
    /// Field kind.
    pub kind: Option<spec::FieldKind>,
    /// Spectral variables.
    pub spectral: Vec<String>,
    /// Time variable.
    pub time: Option<String>,
    /// Parameters (exact values or ranges).
    pub params: BTreeMap<String, String>,
    /// Where the numeric checks sampled and at what precision: the domain every `confirmed`
    /// is a statement about.
    pub sampling: Sampling,
    /// The checks.
    pub checks: Checks,
    /// The verdict.
    pub verdict: Verdict,
    /// Confirmation of the forced form.
    pub confirmation: Option<Confirmation>,
    /// Facts of the rule engine.
    pub facts: Vec<Fact<CheckValue>>,
    /// The derivation trail.
    pub trail: Vec<Step>,
    /// Why the rule engine stopped.
    pub stop_reason: StopReason,
    /// Conclusions of the rule engine that disagreed (empty unless `stop_reason` is `conflict`).
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    /// `[expect]` claims.
    pub expectations: Vec<ExpectationResult>,
    /// The symbolic engine's mode during the check (`off`: numeric evidence only, so no status
    /// is better than `confirmed`).
    #[serde(default)]
    pub engine: symbolic::EngineMode,
    /// Remarks that do not change the verdict but that a reader should see (e.g. a declared
    /// spectral variable the formula does not mention: degree 0 in it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl CheckReport {
    /// The first claim that does not hold, if any.
    pub fn failed_claim(&self) -> Option<&ExpectationResult> {
        self.expectations.iter().find(|e| !e.holds)
    }
}

fn truth(status: Status) -> Truth {
    match status {
        Status::Proved | Status::Confirmed => Truth::True,
        Status::Refuted => Truth::False,
        Status::Undetermined | Status::EngineDisagreement => Truth::Unknown,
    }
}

/// The payload of a fact in a check: measured values as data, or the verdict as its class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CheckValue {
    /// The verdict concluded by a rule.
    Verdict {
        /// The class.
        class: VerdictClass,
        /// Why, in words.
        explanation: String,
    },
    /// Values attached to a measured fact (degree, weight, period, …).
    Measured(serde_json::Value),
}

/// Name of the fact the verdict rules conclude.
const VERDICT: &str = "verdict";

fn verdict_rule(
    name: &str,
    description: &str,
    premises: Vec<Premise>,
    class: VerdictClass,
    explanation: String,
) -> Rule<CheckValue> {
    Rule {
        name: name.into(),
        description: description.into(),
        premises,
        concludes: VERDICT.into(),
        conclude: Box::new(move |_| Conclusion {
            statement: format!("the field is classified `{class}`"),
            truth: Truth::True,
            status: class.as_str().into(),
            value: CheckValue::Verdict {
                class,
                explanation: explanation.clone(),
            },
        }),
    }
}

/// The domain rules of docs/theory.md §2.7 (the engine itself knows none of this).
fn rules(forced: &Option<String>, time_var: &Option<String>) -> Vec<Rule<CheckValue>> {
    let forced = forced.clone().unwrap_or_else(|| "C λ^b t^(b−w)".into());
    let t = time_var.clone().unwrap_or_else(|| "t".into());
    vec![
        verdict_rule(
            "theorem_1",
            "H1 ∧ H2 ⇒ v = C λ^b t^(b−w) (rigidity, docs/theory.md §2.7)",
            vec![Premise::holds("H1"), Premise::holds("H2")],
            VerdictClass::PowerLaw,
            format!("continuous log-shift covariance and time-rescaling covariance force {forced}"),
        ),
        verdict_rule(
            "weak_form",
            "H1 alone ⇒ v = c(t) λ^b(t) (power law in λ at each time)",
            vec![Premise::holds("H1"), Premise::not_established("H2")],
            VerdictClass::PowerLawInSpectrum,
            format!("log-shift covariant but not time-rescaling covariant: a power law in λ at each {t}, amplitude and exponent free in {t}"),
        ),
        verdict_rule(
            "log_periodic",
            "discrete H1 only ⇒ λ^b P(ln λ) with P periodic; no power law is forced",
            vec![Premise::fails("H1"), Premise::holds("H1_discrete")],
            VerdictClass::LogPeriodic,
            "covariant only under shifts by multiples of the period h: a log-periodic modulation, not a power law".into(),
        ),
        verdict_rule(
            "not_covariant",
            "H1 refuted and no discrete covariance ⇒ not a power law in λ",
            vec![Premise::fails("H1"), Premise::not_established("H1_discrete"), Premise::known("H2")],
            VerdictClass::NotPowerLaw,
            "a certified witness breaks log-shift covariance, which every power law in λ satisfies".into(),
        ),
        verdict_rule(
            "undetermined",
            "H1 neither established nor refuted ⇒ no conclusion",
            vec![Premise::unknown("H1")],
            VerdictClass::Undetermined,
            "log-shift covariance could be neither established nor refuted".into(),
        ),
    ]
}

/// The identity with every free (range) parameter sampled from its range.
fn over_params(mut identity: Identity, spec: &Spec) -> Identity {
    for (name, lo, hi) in spec.free_params() {
        identity = identity.with_domain(
            &name,
            Domain::Interval {
                lo: lo.to_string(),
                hi: hi.to_string(),
            },
        );
    }
    identity
}

fn describe_params(spec: &Spec) -> BTreeMap<String, String> {
    spec.params
        .iter()
        .map(|(k, p)| {
            let v = match p {
                spec::Param::Exact(q) => q.to_string(),
                spec::Param::Range(lo, hi) => format!("[{lo}, {hi}]"),
            };
            (k.clone(), v)
        })
        .collect()
}

/// The forced form of Theorem 1 built from the user's field: `λ₁^b t^(b−w) F(1, λ₂/λ₁, …; t=1)`
/// (for one spectral variable this is `C λ^b t^(b−w)` with `C = F(1; 1)`).
struct Forced {
    expr: Expr,
    display: String,
    amplitude: Expr,
    /// Where the amplitude was taken, when not at `u = 1` (see [`Verdict::amplitude_reference`]).
    amplitude_reference: Option<String>,
    scaling_function: Option<Expr>,
    exponent_time: Expr,
}

/// Ratios `u_i = λ_i/λ_1` tried, in this order, as the reference point of the amplitude when
/// `F(1, …, 1; t = 1) = 0` (fixed, so the report is reproducible).
const REFERENCE_RATIOS: [(i64, u64); 12] = [
    (2, 1),
    (3, 1),
    (1, 2),
    (5, 1),
    (1, 3),
    (7, 1),
    (2, 3),
    (3, 2),
    (11, 1),
    (1, 5),
    (13, 1),
    (5, 2),
];

/// Whether `e` is certainly not zero: exactly (rational), by an enclosure excluding 0, or —
/// for an amplitude that still depends on free parameters — unless the engine reduces it to 0.
fn certainly_nonzero(e: &Expr, spec: &Spec) -> bool {
    if !e.variables().is_empty() {
        let field = Field::new(spec);
        return !matches!(
            symbolic::is_zero(e, &field.assumptions),
            Ok(symbolic::ZeroTest::Zero)
        );
    }
    let none = crate::numeric::Assignment::new();
    if let Some(q) = crate::numeric::eval_exact(e, &none) {
        return q != 0;
    }
    crate::numeric::eval_interval(e, &none, crate::numeric::Precision::from_digits(50))
        .is_ok_and(|iv| iv.excludes_zero())
}

fn forced_form(spec: &Spec, f: &Expr, b: &Expr) -> Forced {
    let first = spec.spectral[0].clone();
    let w = Expr::rational(&spec.weight);
    let exponent_time = b.clone().sub(w);
    let at_unit = |e: &Expr, ratio_names: bool| {
        e.map_vars(&mut |v| {
            if v == first || spec.time.as_deref() == Some(v) {
                return Some(Expr::int(1));
            }
            spec.spectral.iter().position(|s| s == v).map(|i| {
                if ratio_names {
                    Expr::var(&format!("u{}", i + 1))
                } else {
                    Expr::var(v).div(Expr::var(&first))
                }
            })
        })
    };
    // F at λ_1 = 1, t = 1 and the ratios `u` (one per further spectral variable).
    let at_ratios = |ratios: &[rug::Rational]| {
        f.map_vars(&mut |v| {
            if v == first || spec.time.as_deref() == Some(v) {
                return Some(Expr::int(1));
            }
            spec.spectral
                .iter()
                .position(|s| s == v)
                .map(|i| Expr::rational(&ratios[i - 1])) // invariant: i ≥ 1, since i = 0 is `first`, handled above
        })
    };
    let others = spec.spectral.len() - 1;
    let unit = vec![rug::Rational::from(1); others];
    let mut amplitude = at_ratios(&unit);
    let mut amplitude_reference = None;
    let mut amplitude_nonzero = true;
    if others > 0 && !certainly_nonzero(&amplitude, spec) {
        // C = F(1, …, 1; 1) vanishes (or cannot be shown not to): normalise G at the first
        // point of a fixed list where F is certainly not zero. Each further variable gets its
        // own ratio, shifted along the list, so that a factor like (mu − nu) cannot vanish at
        // every point tried.
        let points = (0..REFERENCE_RATIOS.len()).map(|k| {
            (0..others)
                .map(|i| rug::Rational::from(REFERENCE_RATIOS[(k + i) % REFERENCE_RATIOS.len()]))
                .collect::<Vec<_>>()
        });
        let t_part = spec
            .time
            .as_ref()
            .map(|t| format!("; {t} = 1"))
            .unwrap_or_default();
        let unit_args = vec!["1"; others + 1].join(", ");
        for ratios in points {
            let candidate = at_ratios(&ratios);
            if certainly_nonzero(&candidate, spec) {
                let args: Vec<String> = std::iter::once("1".to_string())
                    .chain(ratios.iter().map(ToString::to_string))
                    .collect();
                let at: Vec<String> = ratios
                    .iter()
                    .enumerate()
                    .map(|(i, q)| format!("u{} = {}/{first} = {q}", i + 2, spec.spectral[i + 1]))
                    .collect();
                amplitude_reference = Some(format!(
                    "C = F({}{t_part}) at {}, because F({unit_args}{t_part}) = 0",
                    args.join(", "),
                    at.join(", ")
                ));
                amplitude = candidate;
                break;
            }
        }
        if amplitude_reference.is_none() {
            amplitude_nonzero = false;
            amplitude_reference = Some(format!(
                "F({unit_args}{t_part}) = 0 and F is not certainly nonzero at any of the {} reference points tried, so C = 0 and no scaling function is given",
                REFERENCE_RATIOS.len()
            ));
        }
    }
    let mut expr = at_unit(f, false).mul(Expr::var(&first).pow(b.clone()));
    // The displayed form drops `^1` and `x^0` factors; the checked form keeps them verbatim.
    let power = |base: &str, exponent: Expr| match crate::numeric::eval_exact(&exponent, &Default::default())
    {
        Some(q) if q == 1 => Some(Expr::var(base)),
        Some(q) if q == 0 => None,
        _ => Some(Expr::var(base).pow(exponent)),
    };
    let mut shown = Expr::var("C");
    if let Some(p) = power(&first, simplified_expr(b, spec)) {
        shown = shown.mul(p);
    }
    if let Some(t) = &spec.time {
        expr = expr.mul(Expr::var(t).pow(exponent_time.clone()));
        if let Some(p) = power(t, simplified_expr(&exponent_time, spec)) {
            shown = shown.mul(p);
        }
    }
    let mut display = shown.to_string();
    // G = F(1, u; 1)/C is undefined when C = 0.
    // Divided by C only when C is not exactly 1, so that a G the engine cannot be trusted to
    // simplify still prints without a `/(… 1 …)` tail.
    let scaling_function = (others > 0 && amplitude_nonzero).then(|| {
        let numerator = at_unit(f, true);
        match crate::numeric::eval_exact(
            &simplified_expr(&amplitude, spec),
            &crate::numeric::Assignment::new(),
        ) {
            Some(c) if c == 1 => numerator,
            _ => numerator.div(amplitude.clone()),
        }
    });
    if spec.spectral.len() > 1 {
        let args: Vec<String> = spec.spectral[1..]
            .iter()
            .map(|s| format!("{s}/{first}"))
            .collect();
        display += &format!("*G({})", args.join(", "));
    }
    Forced {
        expr,
        display,
        amplitude,
        amplitude_reference,
        scaling_function,
        exponent_time,
    }
}

/// The engine's normal form of `e` for display, once our numeric path has confirmed it equals
/// `e`; otherwise `e` itself. Exact constants are folded to a single rational so that `3/2 - 2`
/// reads `-1/2`.
///
/// Engines have bugs: Symbolica 3.0.0 rewrites `exp(-2*log(u)^2)` as `log(u^-1)^2`, which would
/// print a wrong scaling function beside a confirmed verdict. A printed form is therefore never
/// the engine's word alone.
fn simplified_expr(e: &Expr, spec: &Spec) -> Expr {
    if let Some(q) = crate::numeric::eval_exact(e, &crate::numeric::Assignment::new()) {
        return Expr::rational(&q);
    }
    let field = Field::new(spec);
    let Ok(normal) = symbolic::normalize(e, &field.assumptions) else {
        return e.clone();
    };
    if normal == *e {
        return normal;
    }
    let same = over_params(Identity::new(e.clone(), normal.clone()), spec);
    let numeric_only = crosscheck::CheckOptions {
        use_symbolic: false,
        digits: 30,
        points: 6,
        ..crosscheck::CheckOptions::default()
    };
    match crosscheck::check(&same, &numeric_only).status {
        Status::Confirmed | Status::Proved => normal,
        _ => e.clone(),
    }
}

fn simplified(e: &Expr, spec: &Spec) -> String {
    match crate::numeric::eval_exact(e, &crate::numeric::Assignment::new()) {
        Some(q) => q.to_string(),
        None => simplified_expr(e, spec).to_string(),
    }
}

/// Runs every check on one spec.
///
/// Fails only if a check's evidence cannot be serialised (an internal error).
pub fn run(spec: &Spec, knobs: &Knobs) -> crate::Result<CheckReport> {
    let spec_knobs;
    let knobs = match spec.scales {
        Some(scale) => {
            spec_knobs = Knobs {
                scale,
                ..knobs.clone()
            };
            &spec_knobs
        }
        None => knobs,
    };
    let field = Field::new(spec);
    let h1 = covariance::log_shift(&field, knobs);
    let h2 = covariance::time_rescaling(&field, knobs);
    let discrete = (!h1.evidence.status.holds()).then(|| covariance::discrete(&field, knobs));

    let forced = h1.degree_expr.as_ref().map(|b| forced_form(spec, &field.f, b));
    let mut engine: Engine<CheckValue> = Engine::new();
    // H1_discrete is measured only when continuous covariance is not established.
    engine.declare("H1_discrete");
    engine.assert_fact(Fact::measured_with(
        "H1",
        "continuous log-shift covariance: Σ λ_i ∂F/∂λ_i = b F with b free of every λ_i",
        truth(h1.evidence.status),
        h1.evidence.status.as_str(),
        CheckValue::Measured(json!({ "degree": h1.degree, "degree_numeric": h1.degree_numeric })),
        &h1.evidence,
    )?);
    engine.assert_fact(Fact::measured_with(
        "H2",
        format!(
            "time-rescaling covariance of weight {}: Σ λ_i ∂F/∂λ_i − t ∂F/∂t = w F",
            spec.weight
        ),
        truth(h2.evidence.status),
        h2.evidence.status.as_str(),
        CheckValue::Measured(json!({ "weight": spec.weight.to_string() })),
        &h2.evidence,
    )?);
    if let Some(d) = &discrete {
        engine.assert_fact(Fact::measured_with(
            "H1_discrete",
            "discrete log-shift covariance: F(e^h λ) = A F(λ) for one period h",
            truth(d.evidence.status),
            d.evidence.status.as_str(),
            CheckValue::Measured(json!({ "period": d.period, "candidates": d.candidates })),
            &d.evidence,
        )?);
    }
    for rule in rules(&forced.as_ref().map(|f| f.display.clone()), &spec.time) {
        engine.add_rule(rule);
    }
    let (stop_reason, mut class, mut explanation) = match engine.run() {
        Ok(stop) => match engine.fact(VERDICT).map(|f| &f.value) {
            Some(CheckValue::Verdict { class, explanation }) => (stop, *class, explanation.clone()),
            _ => (stop, VerdictClass::Undetermined, "no rule applied".to_string()),
        },
        // A rule set that names an unknown fact is a defect of this module; it must not read
        // as a verdict about the user's field.
        Err(e) => (
            StopReason::Saturated,
            VerdictClass::Undetermined,
            format!("internal error in the verdict rules: {e}"),
        ),
    };
    let conflicts: Vec<Conflict> = engine.conflicts_about(VERDICT).into_iter().cloned().collect();
    if !conflicts.is_empty() {
        // Disagreeing rules mean the facts support two verdicts: report neither.
        class = VerdictClass::Undetermined;
        let list: Vec<String> = conflicts.iter().map(ToString::to_string).collect();
        explanation = format!("the verdict rules disagree: {}", list.join("; "));
    }
    if class == VerdictClass::NotPowerLaw && h2.evidence.status.holds() {
        explanation += "; the field is time-rescaling covariant, which alone allows any t^(−w) F(λt): renormalizable is not power law";
    }

    let is_power_law = class == VerdictClass::PowerLaw;
    let mut verdict = Verdict {
        class,
        forced_form: None,
        exponent_spectral: None,
        exponent_time: None,
        amplitude: None,
        amplitude_reference: None,
        scaling_function: None,
        explanation,
    };
    let mut confirmation = None;
    if let (true, Some(forced), Some(b)) = (is_power_law, &forced, &h1.degree_expr) {
        verdict.forced_form = Some(forced.display.clone());
        verdict.exponent_spectral = Some(b.to_string());
        verdict.exponent_time = spec
            .time
            .as_ref()
            .map(|_| simplified(&forced.exponent_time, spec));
        verdict.amplitude = Some(simplified(&forced.amplitude, spec));
        verdict.amplitude_reference = forced.amplitude_reference.clone();
        verdict.scaling_function = forced.scaling_function.as_ref().map(|g| {
            let legend: Vec<String> = spec.spectral[1..]
                .iter()
                .enumerate()
                .map(|(i, s)| format!("u{} = {s}/{}", i + 2, spec.spectral[0]))
                .collect();
            format!("{} (with {})", simplified(g, spec), legend.join(", "))
        });
        let identity = over_params(Identity::new(field.f.clone(), forced.expr.clone()), spec);
        let outcome = crosscheck::check(&identity, &knobs.identity_options(0x4));
        confirmation = Some(Confirmation {
            identity: outcome.identity.clone(),
            status: outcome.status,
            points: outcome.numeric.points_agreeing,
            digits: knobs.digits,
            digits_confirmed: outcome.numeric.digits_confirmed,
        });
    }

    let kind = if h1.evidence.status.holds() {
        LogShiftKind::Continuous
    } else if discrete.as_ref().is_some_and(|d| d.evidence.status.holds()) {
        LogShiftKind::Discrete
    } else if h1.evidence.status == Status::Refuted && !discrete.as_ref().is_some_and(|d| d.search_skipped) {
        LogShiftKind::None
    } else {
        LogShiftKind::Undetermined
    };
    let log_shift = LogShiftSection {
        status: h1.evidence.status,
        kind,
        degree: h1.degree.clone(),
        degree_exact: h1.degree_exact.clone(),
        degree_numeric: h1.degree_numeric.clone(),
        period: discrete.as_ref().and_then(|d| d.period.clone()),
        witness: h1.evidence.numeric.witness.clone(),
        continuous: h1.clone(),
        discrete,
    };
    let time_rescaling = TimeSection {
        status: h2.evidence.status,
        weight: h2.weight.clone(),
        witness: h2.evidence.numeric.witness.clone(),
        detail: h2,
    };
    let mut report = CheckReport {
        name: spec.name.clone(),
        source: spec.source.clone(),
        parsed: spec.expr.to_string(),
        parsed_latex: spec.expr.to_latex(),
        instantiated: field.f.to_string(),
        kind: spec.kind,
        spectral: spec.spectral.clone(),
        time: spec.time.clone(),
        params: describe_params(spec),
        sampling: Sampling::from_knobs(knobs),
        checks: Checks {
            log_shift,
            time_rescaling,
        },
        verdict,
        confirmation,
        facts: engine.facts().into_iter().cloned().collect(),
        trail: engine.trail().to_vec(),
        stop_reason,
        conflicts: engine.conflicts().to_vec(),
        expectations: Vec::new(),
        engine: symbolic::engine_mode(),
        warnings: spec.warnings(),
    };
    report.expectations = expectations(spec, &report, &h1, knobs);
    Ok(report)
}

fn expectations(spec: &Spec, report: &CheckReport, h1: &LogShift, knobs: &Knobs) -> Vec<ExpectationResult> {
    let mut out = Vec::new();
    let e = &spec.expect;
    if let Some(ls) = &e.log_shift {
        let found = report.checks.log_shift.kind;
        out.push(ExpectationResult {
            claim: "expect.log_shift".into(),
            expected: ls.to_string(),
            holds: *ls == found,
            found: found.to_string(),
        });
    }
    if let Some((text, expected)) = &e.degree {
        let (found, holds) = match &h1.degree_expr {
            None => ("no degree established".to_string(), false),
            Some(b) => {
                let expected = expected.map_vars(&mut |v| match spec.params.get(v) {
                    Some(spec::Param::Exact(q)) => Some(Expr::rational(q)),
                    _ => None,
                });
                let identity = over_params(Identity::new(b.clone(), expected), spec);
                let outcome = crosscheck::check(&identity, &knobs.identity_options(0x5));
                (format!("{b} ({})", outcome.status), outcome.status.holds())
            }
        };
        out.push(ExpectationResult {
            claim: "expect.degree".into(),
            expected: text.clone(),
            found,
            holds,
        });
    }
    if let Some(tc) = e.time_covariant {
        let status = report.checks.time_rescaling.status;
        let holds = if tc {
            status.holds()
        } else {
            status == Status::Refuted
        };
        out.push(ExpectationResult {
            claim: "expect.time_covariant".into(),
            expected: tc.to_string(),
            found: status.to_string(),
            holds,
        });
    }
    if let Some(pl) = e.power_law {
        let is = report.verdict.class == VerdictClass::PowerLaw;
        let confirmed = report.confirmation.as_ref().is_none_or(|c| c.status.holds());
        out.push(ExpectationResult {
            claim: "expect.power_law".into(),
            expected: pl.to_string(),
            found: report.verdict.class.to_string(),
            holds: if pl { is && confirmed } else { !is },
        });
    }
    if let Some(c) = &e.class {
        out.push(ExpectationResult {
            claim: "expect.class".into(),
            expected: c.to_string(),
            found: report.verdict.class.to_string(),
            holds: *c == report.verdict.class,
        });
    }
    out
}

#[cfg(test)]
mod tests;
