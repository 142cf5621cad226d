//! Scaling intervals and relevance (docs/theory.md §3.3), decided in the shared rule engine.
//!
//! **What is measured** (ours). For each perturbation we follow the quantity that the flow
//! actually feeds into the mode at the cutoff `K = Λ/ℓ`, linearized at the GP fixed point (GP
//! moments at `A = 1` and the model's `x = P/r`, or `x = 0` for the unlearned limit):
//!
//! * separable `(U/4N)(Σ w_k f_k²)²`: the relative stiffness shift of mode `K` from the modes
//!   that remain, `g(K) = (U/N) λ_K w_K Σ_{k<K} w_k ⟨f_k²⟩` — at `x = 0`
//!   `g = (U/N) K^ω Σ_{k<K} k^ω`, whose continuum dimension is `−(1+2ω)` for `ω > −1`
//!   (`−ω` for `ω < −1`, where the sum converges, and `0` with a logarithm at `ω = −1`);
//! * diagonal `(U/4) Σ f_k⁴/λ_k²`: `g(K) = U (⟨f_K⟩² + 3σ_K²)/λ_K` (the first-order stiffness
//!   shift of the cutoff mode), `3U` at `x = 0`: dimension `0`;
//! * the Gaussian directions for reference: the ridge at the cutoff, `x λ_K` (dimension
//!   `1+α`), and the target factor `s(ℓ) = ℓ^{(β−1−α)/2}`.
//!
//! The **discrete local exponent** over one decimation step `K → K−1` is
//! `y_K = ln(g(K−1)/g(K)) / ln(K/(K−1))`, computed with exact discrete sums in outward-rounded
//! interval arithmetic; the **scaling interval** over `ℓ ∈ [ℓ₁, ℓ₂]` is the hull of the `y_K`
//! whose step lies in the window. Where `g` is constant *structurally* (the diagonal term at
//! `x = 0`, the target at `β = 1+α`) the exponent is exactly `0`, not an enclosure of width ε
//! around it, so the class can be `marginal`. Classification toward the IR (`ℓ` growing):
//! relevant if `inf I > 0`, irrelevant if `sup I < 0`, marginal if `I = {0}`, otherwise
//! undecided, reporting the crossover where `y` changes sign.

use super::model::{Interaction, Model};
use crate::error::Error;
use crate::numeric::{Interval, Precision, format};
use crate::rules::{Conclusion, Engine, Fact, Premise, Rule, Truth};
use rug::{Float, Rational};
use serde::Serialize;
use serde_json::json;

/// The class of a perturbation (docs/theory.md §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// `inf I > 0`: grows toward the IR.
    Relevant,
    /// `sup I < 0`: dies out toward the IR.
    Irrelevant,
    /// `I = {0}` exactly.
    Marginal,
    /// `I` straddles 0.
    Undecided,
}

/// One perturbation's analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Perturbation {
    /// Stable name, e.g. `separable(ω=0)`.
    pub name: String,
    /// The continuum scaling dimension (the `x → 0`, `Λ → ∞` exponent).
    pub continuum_dimension: String,
    /// Enclosure of the scaling interval `[inf y, sup y]` over the window, as decimal strings
    /// rounded outward (lower end toward −∞, upper toward +∞), so the strings still enclose it.
    pub interval: [String; 2],
    /// Set when the exponent is structurally constant: its exact value.
    pub exact: Option<String>,
    /// The class, as concluded by the rule engine.
    pub class: Class,
    /// `[ℓ_lo, ℓ_hi]` of the decimation step where `y` changes sign, if it does.
    pub crossover: Option<[f64; 2]>,
    /// Local exponents `(ℓ at the step, y_lo, y_hi)`, for plotting.
    pub profile: Vec<(f64, f64, f64)>,
}

/// The full classification.
#[derive(Debug, Clone, Serialize)]
pub struct Classification {
    /// The window `[ℓ₁, ℓ₂]` actually covered (whole decimation steps).
    pub window: [f64; 2],
    /// `x = P/r` used for the GP moments (0: the unlearned limit).
    pub p_over_r: String,
    /// Per perturbation (and per eigen-direction of each fixed point).
    pub perturbations: Vec<Perturbation>,
    /// Fixed points of the continuum one-loop flow and their linearization.
    pub fixed_points: Vec<FixedPointReport>,
    /// The rule engine's trail: `rule: premises ⇒ conclusion`.
    pub trail: Vec<String>,
    /// Why the engine stopped.
    pub stop: String,
}

enum Source {
    Interval(Vec<(u64, Interval)>),
    Exact(Rational),
    /// An eigenvalue's real part, enclosed.
    Enclosed(Interval),
}

/// Whether a [`FixedPointReport`] is an isolated point or a line of fixed points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FixedKind {
    /// An isolated fixed point.
    Point,
    /// A line of fixed points (`ρ = 0, S² = 0, ũ ∈ ℝ` at `ω = −1/2`).
    Line,
}

/// What a line of fixed points is and why it is one.
#[derive(Debug, Clone, Serialize)]
pub struct FixedLineReport {
    /// The parametrisation, e.g. `ρ = 0, S² = 0, ũ ∈ ℝ`.
    pub parametrisation: String,
    /// The physical part, e.g. `ũ ≥ 0`.
    pub physical_part: String,
    /// The exact `ũ` at which every beta function vanished exactly (enough points to prove they
    /// vanish identically along the line: they are polynomials of degree ≤ 2 in `ũ` there).
    pub beta_zero_at: Vec<String>,
    /// The exact `ũ` at which the stability matrix was evaluated; its characteristic polynomial
    /// was the same at all of them (degree ≤ 6 in `ũ`), so the eigenvalues hold along the line.
    pub eigenvalues_same_at: Vec<String>,
    /// 1-based index into [`FixedPointReport::eigenvalues`] of the tangent direction (exactly 0,
    /// marginal because the line is fixed).
    pub tangent_direction: usize,
}

/// A fixed point, or a line of fixed points, of the continuum one-loop flow in `(ũ, ρ)` (the
/// `S² = 0` plane), with its linearization in `(ũ, ρ, S²)`.
///
/// JSON: `{"kind": "point" | "line", "point": [ũ, ρ], "exact", "physical", "line": null | {…},
/// "eigenvalues": [...]}`. For a line, `point` names the free coordinate (`["ũ", "0"]`),
/// `physical` says whether part of it is physical and `line` gives the details.
#[derive(Debug, Clone, Serialize)]
pub struct FixedPointReport {
    /// An isolated point or a line.
    pub kind: FixedKind,
    /// `(ũ*, ρ*)`, exact when the beta functions vanish exactly there; for a line `["ũ", ρ]`.
    pub point: [String; 2],
    /// Whether the point is exact (a line is always exact: it is proved fixed exactly).
    pub exact: bool,
    /// Whether it lies in the physical quadrant `ũ ≥ 0, ρ ≥ 0` (a negative quartic coupling or
    /// ridge has no normalizable measure); for a line, whether part of it does
    /// ([`FixedLineReport::physical_part`]).
    pub physical: bool,
    /// Set for a line of fixed points.
    pub line: Option<FixedLineReport>,
    /// Per eigen-direction: `(variables, eigenvalue enclosure as text)`; the class of each is in
    /// [`Classification::perturbations`] under `fixed point …` / `fixed line …`. Along a line the
    /// eigenvalues are the same at every point, so each direction has one class.
    pub eigenvalues: Vec<String>,
}

impl FixedPointReport {
    /// The reports as text lines, points and lines each numbered from 1 (matching the names of
    /// their directions in [`Classification::perturbations`]).
    pub fn describe_all(reports: &[FixedPointReport]) -> Vec<String> {
        let (mut points, mut lines) = (0, 0);
        reports
            .iter()
            .map(|r| {
                let n = match r.kind {
                    FixedKind::Point => {
                        points += 1;
                        points
                    }
                    FixedKind::Line => {
                        lines += 1;
                        lines
                    }
                };
                r.describe(n)
            })
            .collect()
    }

    /// One line of text: the point or the line (numbered `number` within its kind, as in the
    /// perturbation names), and its eigenvalues.
    pub fn describe(&self, number: usize) -> String {
        match &self.line {
            Some(l) => format!(
                "fixed line {number}: {} (physical for {}), exact: eigenvalues {} (the same at every point of the line; direction {} is the tangent, marginal)",
                l.parametrisation,
                l.physical_part,
                self.eigenvalues.join("; "),
                l.tangent_direction
            ),
            None => format!(
                "fixed point {number} (ũ, ρ) = ({}, {}){}{}: eigenvalues {}",
                self.point[0],
                self.point[1],
                if self.exact { ", exact" } else { "" },
                if self.physical {
                    ""
                } else {
                    ", unphysical (ũ < 0 or ρ < 0)"
                },
                self.eigenvalues.join("; ")
            ),
        }
    }
}

/// An eigenvalue enclosure as text and as a rule-engine source.
fn eigen_source(enclosure: &super::flow::Enclosure, digits: u32, prec: Precision) -> (String, Source) {
    use super::flow::Enclosure;
    match enclosure {
        Enclosure::Exact(q) => (format!("exactly {q}"), Source::Exact(q.clone())),
        Enclosure::Interval { lo, hi } => (
            // Rounded outward, so the printed interval still encloses the eigenvalue.
            format!(
                "in [{}, {}]",
                format::rational_down(lo, digits),
                format::rational_up(hi, digits)
            ),
            Source::Enclosed(Interval {
                lo: Interval::point(lo, prec).lo,
                hi: Interval::point(hi, prec).hi,
            }),
        ),
        Enclosure::Disc { re, im, radius } => (
            format!(
                "in the disc |λ − ({} + {}i)| ≤ {}",
                re.to_f64(),
                im.to_f64(),
                radius.to_f64()
            ),
            Source::Enclosed(Interval {
                lo: Interval::point(&Rational::from(re - radius), prec).lo,
                hi: Interval::point(&Rational::from(re + radius), prec).hi,
            }),
        ),
    }
}

fn f(x: &Float) -> f64 {
    x.to_f64()
}

/// `y_K` enclosures for `g` sampled at consecutive `K` (ascending).
fn exponents(g: &[(u64, Interval)], prec: Precision) -> Vec<(u64, Interval)> {
    g.windows(2)
        .map(|w| {
            let (k_lo, g_lo) = (&w[0].0, &w[0].1);
            let (k_hi, g_hi) = (&w[1].0, &w[1].1);
            // The step from cutoff K = k_hi down to K − 1 = k_lo.
            let num = g_lo.div(g_hi).ln();
            let den = Interval::from_u64(*k_hi, prec)
                .div(&Interval::from_u64(*k_lo, prec))
                .ln();
            (*k_hi, num.div(&den))
        })
        .collect()
}

/// The fixed points of the model's continuum one-loop flow and their linearization.
pub fn fixed_points(model: &Model, digits: u32) -> crate::Result<Vec<FixedPointReport>> {
    fixed_point_sources(model, digits, &mut Vec::new())
}

/// Fixed points (and the fixed line at `ω = −1/2`) of the one-loop flow with `ω` of the
/// separable term (0 without one), their eigenvalues (nalgebra, refined in exact/MPFR arithmetic,
/// certified enclosures) as sources. A line comes first and is one report, with one source per
/// direction; its tangent direction is exactly 0 (marginal).
fn fixed_point_sources(
    model: &Model,
    digits: u32,
    sources: &mut Vec<(String, String, Source)>,
) -> crate::Result<Vec<FixedPointReport>> {
    use super::flow::{self, FixedPointSearch, FlowParams, Truncation};
    let omega = model.separable().map_or(Rational::new(), |(_, o)| o.clone());
    let prec = Precision::from_digits(digits).with_guard_bits(64);
    let failed = |e: flow::FlowError| crate::Error::from_flow("flow linearization", e);
    let params =
        FlowParams::new(model.alpha.clone(), model.beta.clone(), omega, model.modes).map_err(failed)?;
    let set = flow::find_fixed_set(&params, Truncation::OneLoop, &FixedPointSearch::default(), prec)
        .map_err(failed)?;
    let mut out = Vec::new();
    for (i, line) in set.lines.iter().enumerate() {
        let lin = flow::linearize_line(&params, Truncation::OneLoop, line, true, prec).map_err(failed)?;
        let mut eigenvalues = Vec::new();
        for (j, eig) in lin.eigenvalues.iter().enumerate() {
            let name = format!(
                "fixed line {} ({}): direction {}{}",
                i + 1,
                line.parametrisation(),
                j + 1,
                if j == lin.tangent { " (tangent)" } else { "" }
            );
            let (text, source) = eigen_source(&eig.enclosure, digits, prec);
            eigenvalues.push(text);
            sources.push((name, "(eigenvalue)".into(), source));
        }
        let strings = |v: &[Rational]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        out.push(FixedPointReport {
            kind: FixedKind::Line,
            point: ["ũ".to_string(), line.rho.to_string()],
            exact: true,
            physical: line.is_partly_physical(),
            line: Some(FixedLineReport {
                parametrisation: line.parametrisation(),
                physical_part: line.physical_part().to_string(),
                beta_zero_at: strings(&line.verified_at),
                eigenvalues_same_at: strings(&lin.sampled_at),
                tangent_direction: lin.tangent + 1,
            }),
            eigenvalues,
        });
    }
    for (i, fp) in set.points.iter().enumerate() {
        let lin = flow::linearize(&params, Truncation::OneLoop, fp, true, prec).map_err(failed)?;
        let point = match &fp.exact {
            Some([u, r]) => [u.to_string(), r.to_string()],
            None => [
                fp.u.to_string_radix(10, Some(digits as usize)),
                fp.rho.to_string_radix(10, Some(digits as usize)),
            ],
        };
        let physical =
            fp.u.cmp0() != Some(std::cmp::Ordering::Less) && fp.rho.cmp0() != Some(std::cmp::Ordering::Less);
        let mut eigenvalues = Vec::new();
        for (j, eig) in lin.eigenvalues.iter().enumerate() {
            let name = format!(
                "fixed point {} (ũ, ρ) = ({}, {}){}: direction {}",
                i + 1,
                point[0],
                point[1],
                if physical { "" } else { " [unphysical]" },
                j + 1
            );
            let (text, source) = eigen_source(&eig.enclosure, digits, prec);
            eigenvalues.push(text);
            sources.push((name, "(eigenvalue)".into(), source));
        }
        out.push(FixedPointReport {
            kind: FixedKind::Point,
            point,
            exact: fp.exact.is_some(),
            physical,
            line: None,
            eigenvalues,
        });
    }
    Ok(out)
}

/// Runs the analysis over `ℓ ∈ [ell_min, ell_max]` at `digits` significant digits.
pub fn classify(
    model: &Model,
    ell_min: &Rational,
    ell_max: &Rational,
    unlearned: bool,
    digits: u32,
) -> crate::Result<Classification> {
    if *ell_min < 1 || ell_max <= ell_min {
        return Err(crate::Error::invalid(
            "window ell_min, ell_max",
            format!("the window needs 1 ≤ ℓ₁ < ℓ₂, got [{ell_min}, {ell_max}]"),
        ));
    }
    let n = model.modes;
    let k_max = Rational::from(n) / ell_min;
    let k_min = Rational::from(n) / ell_max;
    let k_hi = k_max.floor().numer().to_u64().unwrap_or(n).min(n);
    let k_lo = k_min.ceil().numer().to_u64().unwrap_or(1).max(3);
    if k_hi < k_lo + 1 {
        return Err(crate::Error::invalid(
            "window ell_min, ell_max",
            format!(
                "the window [{ell_min}, {ell_max}] holds no whole decimation step with at least two \
                 modes left below the cutoff (N = {n}); widen it or raise N"
            ),
        ));
    }
    let prec = Precision::from_digits(digits).with_guard_bits(32);
    let x = if unlearned {
        Rational::new()
    } else {
        model.p_over_r()
    };
    let xi = Interval::point(&x, prec);
    let a = model.kernel_exponent();
    let neg_a = -a.clone();
    let half = -(Rational::from(1) + &model.beta) / Rational::from(2);
    let pow = |k: u64, q: &Rational| Interval::from_u64(k, prec).pow_rational(q);
    // GP moments at A = 1: (⟨f⟩², σ²) of mode k.
    let moments = |k: u64| {
        let lam = pow(k, &neg_a);
        let y = pow(k, &half);
        let xl = xi.mul(&lam);
        let denom = Interval::from_u64(1, prec).add(&xl);
        let mu = y.mul(&xl).div(&denom);
        (mu.mul(&mu), lam.div(&denom), lam)
    };
    let mut sources: Vec<(String, String, Source)> = Vec::new();
    for term in &model.interactions {
        match term {
            Interaction::Separable { omega, .. } => {
                let continuum = if *omega > -1 {
                    format!("{}", -(Rational::from(1) + Rational::from(omega * 2u32)))
                } else if *omega < -1 {
                    format!("{}", -omega.clone())
                } else {
                    "0 (logarithmic)".to_string()
                };
                let w_exp = Rational::from(omega + &a);
                // Prefix sums Σ_{k<K} w_k ⟨f_k²⟩ for K up to k_hi, in one pass.
                let mut prefix = Interval::from_u64(0, prec);
                let mut g = Vec::new();
                for k in 1..=k_hi {
                    if k >= k_lo - 1 {
                        let (_, _, lam) = moments(k);
                        let lw = lam.mul(&pow(k, &w_exp));
                        g.push((k, lw.mul(&prefix)));
                    }
                    let (mu2, s2, _) = moments(k);
                    prefix = prefix.add(&pow(k, &w_exp).mul(&mu2.add(&s2)));
                }
                sources.push((term.label(), continuum, Source::Interval(g)));
            }
            Interaction::Diagonal { .. } => {
                let source = if unlearned {
                    Source::Exact(Rational::new())
                } else {
                    Source::Interval(
                        (k_lo - 1..=k_hi)
                            .map(|k| {
                                let (mu2, s2, lam) = moments(k);
                                (k, mu2.add(&s2.mul(&Interval::from_u64(3, prec))).div(&lam))
                            })
                            .collect(),
                    )
                };
                sources.push((term.label(), "0".into(), source));
            }
        }
    }
    sources.push(("ridge x·λ_K".into(), a.to_string(), Source::Exact(a.clone())));
    let s_dim = (model.beta.clone() - &a) / Rational::from(2);
    sources.push(("target s(ℓ)".into(), s_dim.to_string(), Source::Exact(s_dim)));

    let fixed_points = fixed_point_sources(model, digits, &mut sources)?;

    // Measured facts carry no class; the relevance rules conclude one.
    let mut engine: Engine<Option<Class>> = Engine::new();
    let mut pending = Vec::new();
    for (name, continuum, source) in sources {
        let (hull, exact, profile, crossover) = match source {
            Source::Exact(q) => {
                let iv = Interval::point(&q, prec);
                (iv, Some(q), Vec::new(), None)
            }
            Source::Enclosed(iv) => (iv, None, Vec::new(), None),
            Source::Interval(g) => {
                let ys = exponents(&g, prec);
                let mut lo = ys[0].1.lo.clone();
                let mut hi = ys[0].1.hi.clone();
                let mut crossover = None;
                let mut prev_sign = None;
                let mut profile = Vec::new();
                for (k, y) in &ys {
                    if y.lo < lo {
                        lo = y.lo.clone();
                    }
                    if y.hi > hi {
                        hi = y.hi.clone();
                    }
                    // Only finite enclosures decide a sign.
                    let sign = if y.is_finite() && y.is_positive() {
                        Some(1)
                    } else if y.hi.is_sign_negative() && !y.hi.is_zero() {
                        Some(-1)
                    } else {
                        None
                    };
                    let ell = (n as f64 / *k as f64, n as f64 / (*k - 1) as f64);
                    if let (Some(p), Some(s)) = (prev_sign, sign)
                        && p != s
                        && crossover.is_none()
                    {
                        crossover = Some([n as f64 / (*k + 1) as f64, ell.1]);
                    }
                    if sign.is_some() {
                        prev_sign = sign;
                    }
                    profile.push((ell.0, f(&y.lo), f(&y.hi)));
                }
                (Interval { lo, hi }, None, profile, crossover)
            }
        };
        let positive = hull.is_finite() && hull.is_positive();
        let negative = hull.hi.is_sign_negative() && !hull.hi.is_zero();
        let zero = exact.as_ref().is_some_and(|q| *q == 0);
        // Printed outward (lower end toward −∞, upper toward +∞): the strings still enclose I.
        let printed = hull.to_decimal_pair(digits);
        let evidence = json!({ "interval": printed.clone() });
        let truth = |b: bool| if b { Truth::True } else { Truth::False };
        for (suffix, value, statement) in [
            ("inf>0", positive, "inf I > 0 (certified)"),
            ("sup<0", negative, "sup I < 0 (certified)"),
            ("I={0}", zero, "the exponent is exactly 0"),
        ] {
            engine.assert_fact(Fact::measured(
                &format!("{name}: {suffix}"),
                format!("{name}: {statement}"),
                truth(value),
                if value { "proved" } else { "refuted" },
                None,
                evidence.clone(),
            ));
        }
        pending.push((name, continuum, printed, exact, profile, crossover));
    }
    for (name, _, _, _, _, _) in &pending {
        let fact = |s: &str| format!("{name}: {s}");
        let rule = |class: Class, premises: Vec<Premise>, description: String| {
            let label = serde_json::to_value(class)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            Rule {
                name: format!("{label}({name})"),
                description,
                premises,
                concludes: format!("{name}: class"),
                conclude: Box::new(move |_| Conclusion {
                    statement: format!("the perturbation is {label}"),
                    truth: Truth::True,
                    status: label.clone(),
                    value: Some(class),
                }),
            }
        };
        engine.add_rule(rule(
            Class::Relevant,
            vec![Premise::holds(&fact("inf>0"))],
            "inf I > 0 ⇒ relevant".into(),
        ));
        engine.add_rule(rule(
            Class::Irrelevant,
            vec![Premise::holds(&fact("sup<0"))],
            "sup I < 0 ⇒ irrelevant".into(),
        ));
        engine.add_rule(rule(
            Class::Marginal,
            vec![Premise::holds(&fact("I={0}"))],
            "I = {0} ⇒ marginal".into(),
        ));
        engine.add_rule(rule(
            Class::Undecided,
            vec![
                Premise::fails(&fact("inf>0")),
                Premise::fails(&fact("sup<0")),
                Premise::fails(&fact("I={0}")),
            ],
            "I straddles 0 ⇒ undecided (report the crossover)".into(),
        ));
    }
    let stop = engine.run().map_err(|e| Error::internal("relevance rules", e))?;
    let mut perturbations = Vec::new();
    for (name, continuum, interval, exact, profile, crossover) in pending {
        let concluded = format!("{name}: class");
        // Two rules classifying one perturbation differently would be a defect of the rules (the
        // certified facts are exclusive); never report either class then.
        let class = match engine.fact(&concluded).and_then(|f| f.value) {
            Some(c) if engine.conflicts_about(&concluded).is_empty() => c,
            _ => Class::Undecided,
        };
        perturbations.push(Perturbation {
            name,
            continuum_dimension: continuum,
            interval,
            exact: exact.map(|q| q.to_string()),
            class,
            crossover,
            profile,
        });
    }
    let trail = engine
        .trail()
        .iter()
        .map(|s| {
            let premises: Vec<String> = s
                .premises
                .iter()
                .map(|(n, t, _)| format!("{n} = {t:?}"))
                .collect();
            format!("{}: {} ⇒ {}", s.rule, premises.join(" ∧ "), s.concluded)
        })
        .collect();
    Ok(Classification {
        window: [n as f64 / k_hi as f64, n as f64 / (k_lo - 1) as f64],
        p_over_r: x.to_string(),
        perturbations,
        fixed_points,
        trail,
        stop: stop.describe().into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(beta: &str, terms: &str) -> Model {
        let text = format!("alpha = \"1/5\"\nbeta = \"{beta}\"\nmodes = 200\nP = 1\np_over_r = 4\n{terms}");
        Model::from_toml(&text, "t").unwrap()
    }

    fn run(m: &Model, unlearned: bool) -> Classification {
        classify(m, &Rational::from(1), &Rational::from(20), unlearned, 20).unwrap()
    }

    fn find<'a>(c: &'a Classification, prefix: &str) -> &'a Perturbation {
        c.perturbations
            .iter()
            .find(|p| p.name.starts_with(prefix))
            .unwrap()
    }

    fn bounds(p: &Perturbation) -> (f64, f64) {
        (p.interval[0].parse().unwrap(), p.interval[1].parse().unwrap())
    }

    #[test]
    fn unlearned_limit_reproduces_the_continuum_classes() {
        let terms = "[[interaction]]\nkind = \"separable\"\nU = \"1/20\"\n[[interaction]]\nkind = \"diagonal\"\nU = \"1/20\"\n";
        let c = run(&model("6/5", terms), true);
        let sep = find(&c, "separable");
        assert_eq!(sep.class, Class::Irrelevant);
        let (lo, hi) = bounds(sep);
        // Continuum −1; the discrete sum Σ_{k<K} 1 = K − 1 steepens it: y_K = ln((K−2)/(K−1))/ln(K/(K−1)) < −1.
        assert!(hi < -1.0 && lo > -1.2, "[{lo}, {hi}]");
        let diag = find(&c, "diagonal");
        assert_eq!(diag.class, Class::Marginal);
        assert_eq!(diag.exact.as_deref(), Some("0"));
        assert_eq!(find(&c, "ridge").class, Class::Relevant);
        // β = 1 + α: the target factor is exactly marginal.
        assert_eq!(find(&c, "target").class, Class::Marginal);
        assert!(c.trail.iter().any(|s| s.starts_with("marginal(diagonal)")));
        assert!(c.trail.iter().any(|s| s.starts_with("irrelevant(separable")));
    }

    #[test]
    fn discreteness_decides_a_continuum_marginal_coupling() {
        // ω = −1/2: continuum dimension 0, but Σ_{k<K} k^{−1/2} = 2√K + ζ(1/2) + … makes the
        // discrete exponent negative: the coupling is irrelevant, not marginal.
        let c = run(
            &model(
                "3/10",
                "[[interaction]]\nkind = \"separable\"\nU = 1\nomega = \"-1/2\"\n",
            ),
            true,
        );
        let sep = find(&c, "separable");
        assert_eq!(sep.continuum_dimension, "0");
        assert_eq!(sep.class, Class::Irrelevant);
        let (lo, hi) = bounds(sep);
        assert!(hi < 0.0 && lo > -1.0, "[{lo}, {hi}]");
        // ω = −2: the sum converges, g ~ K^ω: relevant with dimension 2.
        let c = run(
            &model(
                "3/10",
                "[[interaction]]\nkind = \"separable\"\nU = 1\nomega = -2\n",
            ),
            true,
        );
        let sep = find(&c, "separable");
        assert_eq!(sep.continuum_dimension, "2");
        assert_eq!(sep.class, Class::Relevant);
    }

    #[test]
    fn learning_moves_the_diagonal_off_marginality() {
        let c = run(
            &model("3/10", "[[interaction]]\nkind = \"diagonal\"\nU = 1\n"),
            false,
        );
        let diag = find(&c, "diagonal");
        assert_ne!(diag.class, Class::Marginal);
        assert!(diag.exact.is_none());
        assert_eq!(find(&c, "target").class, Class::Irrelevant);
    }

    /// `[-]d.ddde[-]k` as an exact rational (written here, independently of the printer).
    fn exact(s: &str) -> Rational {
        let (mantissa, exponent) = s.split_once('e').unwrap();
        let negative = mantissa.starts_with('-');
        let (int, frac) = mantissa.trim_start_matches('-').split_once('.').unwrap();
        let n: rug::Integer = format!("{int}{frac}").parse().unwrap();
        let k = exponent.parse::<i32>().unwrap() - i32::try_from(frac.len()).unwrap();
        let ten = Rational::from(rug::Integer::u_pow_u(10, k.unsigned_abs()));
        let v = if k >= 0 {
            Rational::from(n) * ten
        } else {
            Rational::from(n) / ten
        };
        if negative { -v } else { v }
    }

    #[test]
    fn printed_intervals_are_rounded_outward() {
        let m = model("3/10", "");
        let c = run(&m, true);
        // The ridge exponent is exactly 1 + α = 6/5, enclosed at binary precision; printed to
        // nearest both ends would read 1.2000…; printed outward they bracket 6/5 strictly.
        let ridge = find(&c, "ridge");
        let (lo, hi) = (exact(&ridge.interval[0]), exact(&ridge.interval[1]));
        let a = Rational::from((6, 5));
        assert!(lo < a && a < hi, "{:?}", ridge.interval);
        // The target exponent (β − 1 − α)/2 = −9/20: negative, still bracketed.
        let target = find(&c, "target");
        let (lo, hi) = (exact(&target.interval[0]), exact(&target.interval[1]));
        let t = Rational::from((-9, 20));
        assert!(lo < t && t < hi, "{:?}", target.interval);
    }

    #[test]
    fn omega_minus_half_reports_one_fixed_line_with_one_class_per_direction() {
        let m = model(
            "3/10",
            "[[interaction]]\nkind = \"separable\"\nU = \"1/20\"\nomega = \"-1/2\"\n",
        );
        let c = run(&m, true);
        let lines: Vec<_> = c
            .fixed_points
            .iter()
            .filter(|f| f.kind == FixedKind::Line)
            .collect();
        assert_eq!(lines.len(), 1);
        let line = lines[0];
        let detail = line.line.as_ref().unwrap();
        assert_eq!(detail.parametrisation, "ρ = 0, S² = 0, ũ ∈ ℝ");
        assert_eq!(detail.physical_part, "ũ ≥ 0");
        // Closed form (flow::fixed_points docs): eigenvalues 0 (tangent), −(1+α) = −6/5 and
        // β − α = 1/10 at every point of the line.
        let mut eig = line.eigenvalues.clone();
        eig.sort();
        assert_eq!(eig, ["exactly -6/5", "exactly 0", "exactly 1/10"]);
        assert_eq!(line.eigenvalues[detail.tangent_direction - 1], "exactly 0");
        // The only isolated point is (−a/2, −2/3) = (−3/5, −2/3), unphysical.
        let points: Vec<_> = c
            .fixed_points
            .iter()
            .filter(|f| f.kind == FixedKind::Point)
            .collect();
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].point, ["-3/5".to_string(), "-2/3".to_string()]);
        assert!(!points[0].physical);
        // One class per direction of the line, the tangent marginal.
        let classes: Vec<(&str, Class)> = c
            .perturbations
            .iter()
            .filter(|p| p.name.starts_with("fixed line"))
            .map(|p| (p.name.as_str(), p.class))
            .collect();
        assert_eq!(classes.len(), 3, "{classes:?}");
        for (j, (name, class)) in classes.into_iter().enumerate() {
            assert!(name.contains(&format!("direction {}", j + 1)), "{name}");
            let want = match line.eigenvalues[j].as_str() {
                "exactly 0" => Class::Marginal,
                "exactly -6/5" => Class::Irrelevant,
                _ => Class::Relevant,
            };
            assert_eq!(class, want, "{name}");
            assert_eq!(name.ends_with("(tangent)"), j + 1 == detail.tangent_direction);
        }
        assert!(!c.perturbations.iter().any(|p| p.class == Class::Undecided));
    }

    #[test]
    fn bad_windows_are_usage_errors() {
        let m = model("3/10", "");
        assert!(classify(&m, &Rational::from(5), &Rational::from(2), true, 20).is_err());
        assert!(classify(&m, &Rational::from(1), &Rational::from(1), true, 20).is_err());
        assert!(classify(&m, &Rational::from(150), &Rational::from(199), true, 20).is_err());
    }
}
