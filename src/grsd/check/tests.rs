use super::*;
use crate::check::spec::InlineSpec;
use proptest::prelude::*;

fn knobs() -> Knobs {
    Knobs {
        digits: 30,
        points: 4,
        seed: 7,
        ..Knobs::default()
    }
}

fn inline(expr: &str, spectral: &[&str], time: Option<&str>, kind: &str, params: &[&str]) -> Spec {
    Spec::from_inline(&InlineSpec {
        expr: expr.into(),
        spectral: spectral.iter().map(|s| s.to_string()).collect(),
        time: time.map(String::from),
        kind: Some(kind.into()),
        weight: None,
        params: params.iter().map(|s| s.to_string()).collect(),
    })
    .unwrap_or_else(|e| panic!("{expr}: {e}"))
}

fn check(expr: &str, kind: &str) -> CheckReport {
    run(&inline(expr, &["lam"], Some("t"), kind, &[]), &knobs()).unwrap_or_else(|e| panic!("{expr}: {e}"))
}

#[test]
fn theorem_1_on_a_power_law() {
    let r = check("3*lam^(5/2)*t^(1/2)", "velocity");
    assert_eq!(r.verdict.class, VerdictClass::PowerLaw);
    assert_eq!(r.checks.log_shift.degree_exact.as_deref(), Some("5/2"));
    assert_eq!(r.verdict.exponent_time.as_deref(), Some("1/2"));
    assert_eq!(r.verdict.amplitude.as_deref(), Some("3"));
    assert!(r.confirmation.as_ref().unwrap().status.holds());
    assert_eq!(r.trail.len(), 1);
    assert_eq!(r.trail[0].rule, "theorem_1");
}

#[test]
fn wrong_time_exponent_is_the_weak_form() {
    let r = check("lam^2*t^(-1)", "velocity");
    assert_eq!(r.verdict.class, VerdictClass::PowerLawInSpectrum);
    assert_eq!(r.checks.time_rescaling.status, Status::Refuted);
    let w = r.checks.time_rescaling.witness.as_ref().unwrap();
    assert!(w.point.contains_key("kappa"));
}

#[test]
fn non_examples_are_not_power_laws() {
    assert_eq!(
        check("t^(-2)*(lam*t)/(1 + lam*t)", "velocity").verdict.class,
        VerdictClass::NotPowerLaw
    );
    assert_eq!(
        check("lam^(1/2) + lam^(3/2)", "velocity").verdict.class,
        VerdictClass::NotPowerLaw
    );
    assert_eq!(
        check("lam^2*exp(-lam*t)", "velocity").verdict.class,
        VerdictClass::NotPowerLaw
    );
}

#[test]
fn refutations_carry_certified_witnesses() {
    // Not rational (a square root): certified by an interval enclosure at σ = 1/2.
    let r = check("lam/(1 + sqrt(lam))", "coupling");
    let w = r.checks.log_shift.witness.as_ref().expect("a witness");
    assert!(w.point.contains_key("sigma") && w.point.contains_key("lam'"));
    let (lo, hi): (f64, f64) = (w.enclosure[0].parse().unwrap(), w.enclosure[1].parse().unwrap());
    assert!(lo.signum() == hi.signum() && lo.abs() > 0.0);
    // Rational: an exact cross product at a rational factor e^σ, recomputed here by hand.
    let r = check("lam/(1 + lam)", "coupling");
    let w = r.checks.log_shift.witness.as_ref().expect("a witness");
    assert_eq!(w.method, crate::crosscheck::WitnessMethod::Exact);
    let value = |key: &str| -> rug::Rational { w.point[key].parse().unwrap() };
    let (l, lp, k) = (value("lam"), value("lam'"), value("exp_sigma"));
    let f = |x: rug::Rational| x.clone() / (x + 1);
    let cross = f(k.clone() * &l) * f(lp.clone()) - f(k * &lp) * f(l);
    assert_ne!(cross, 0);
    assert_eq!(w.enclosure[0].parse::<rug::Rational>().unwrap(), cross);
}

#[test]
fn json_report_has_the_documented_fields() {
    let r = check("lam^2*t^0", "velocity");
    // One shape whatever the number of specs: the batch, with the report inside.
    let batch = render::report(std::slice::from_ref(&r)).unwrap().data;
    assert_eq!(batch["schema"], "renorm.check/2");
    assert_eq!(batch["reports"].as_array().map(Vec::len), Some(1), "{batch}");
    let v = batch["reports"][0].clone();
    assert!(v.get("schema").is_none(), "the schema is the batch's: {v}");
    for path in [
        "/parsed",
        "/checks/log_shift/status",
        "/checks/log_shift/kind",
        "/checks/log_shift/degree",
        "/checks/log_shift/period",
        "/checks/log_shift/witness",
        "/checks/time_rescaling/status",
        "/checks/time_rescaling/weight",
        "/checks/time_rescaling/witness",
        "/verdict/class",
        "/verdict/forced_form",
        "/verdict/exponent_spectral",
        "/verdict/exponent_time",
        "/verdict/amplitude",
        "/confirmation",
    ] {
        assert!(v.pointer(path).is_some(), "missing {path} in {v}");
    }
}

#[test]
fn every_format_renders() {
    let r = vec![check("lam^2*exp(-lam*t)", "velocity")];
    for f in [
        render::Format::Text,
        render::Format::Markdown,
        render::Format::Latex,
        render::Format::Json,
    ] {
        assert!(!render(&r, f).unwrap().is_empty());
    }
    let tex = render(&r, render::Format::Latex).unwrap();
    // The document opens with a comment saying how to compile it, then the class.
    assert!(tex.contains("\n\\documentclass") && tex.trim_end().ends_with("\\end{document}"));
    assert!(tex.is_ascii(), "pdflatex-safe output");
}

fn rat(p: i32, q: u32) -> String {
    rug::Rational::from((p, q)).to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    /// Random monomials c λ^p t^q are classified exactly: power_law iff q = p − w (here w = 2).
    #[test]
    fn monomials_are_classified_exactly(p in -6i32..7, q in -6i32..7, d in 1u32..4, c in 1u32..9) {
        let (p, q) = (rat(p, d), rat(q, d));
        let r = check(&format!("{c}*lam^({p})*t^({q})"), "velocity");
        let p_q: rug::Rational = p.parse().unwrap();
        let q_q: rug::Rational = q.parse().unwrap();
        let expected = if q_q == p_q.clone() - 2 { VerdictClass::PowerLaw } else { VerdictClass::PowerLawInSpectrum };
        prop_assert_eq!(r.verdict.class, expected);
        prop_assert_eq!(r.checks.log_shift.degree_exact.clone(), Some(p_q.to_string()));
    }

    /// Products of covariant fields have the summed degree.
    #[test]
    fn degrees_add_under_products(p1 in -5i32..6, p2 in -5i32..6, d in 1u32..4) {
        let (a, b) = (rat(p1, d), rat(p2, d));
        let f = format!("(lam^({a})*(2 + cos(t))) * (lam^({b})*mu^2/(lam^2 + mu^2))");
        let r = run(&inline(&f, &["lam", "mu"], Some("t"), "energy", &[]), &knobs()).unwrap();
        let sum = rug::Rational::from((p1 + p2, d));
        prop_assert_eq!(r.checks.log_shift.degree_exact.clone(), Some(sum.to_string()));
    }

    /// Log-periodic modulations are never called power laws.
    #[test]
    fn log_periodic_modulations_are_never_power_laws(p in -3i32..4, k in 1u32..4, a in 2u32..5) {
        let f = format!("lam^({p}) * ({a} + sin({k}*pi*log(lam)))");
        let r = check(&f, "velocity");
        prop_assert_ne!(r.verdict.class, VerdictClass::PowerLaw);
        prop_assert_eq!(r.checks.log_shift.status, Status::Refuted);
    }

    /// Rescaling the spectral variable by a constant changes neither verdict nor degree.
    #[test]
    fn rescaling_spectral_variables_changes_nothing(k in 1u32..50, which in 0usize..4) {
        let fields = ["lam^(3/2)*t^(-1/2)", "lam^2*exp(-lam*t)", "lam/(1 + lam)", "exp(-t)*lam^3"];
        let f = fields[which];
        let scaled = f.replace("lam", &format!("({k}/7*lam)"));
        let (a, b) = (check(f, "velocity"), check(&scaled, "velocity"));
        prop_assert_eq!(&a.verdict.class, &b.verdict.class);
        prop_assert_eq!(&a.checks.log_shift.degree_exact, &b.checks.log_shift.degree_exact);
    }
}

/// Issue 11, item 6: a field free of a declared spectral variable is covariant of degree 0 in
/// it. `2/t` by hand: Σλ∂F/∂λ = 0, so b = 0; −t ∂F/∂t = 2/t = 1·F, so H2 holds for weight 1
/// only. As a velocity (w = 2) it is the weak form (b = 0, H2 refuted); as a log-velocity
/// (w = 1) Theorem 1 forces C λ^0 t^(0−1) = C t^(−1) with C = F(t = 1) = 2.
#[test]
fn a_field_free_of_a_spectral_variable_has_degree_0_with_a_warning() {
    let r = check("2/t", "velocity");
    assert_eq!(r.verdict.class, VerdictClass::PowerLawInSpectrum);
    assert_eq!(r.checks.log_shift.degree_exact.as_deref(), Some("0"));
    assert_eq!(r.checks.time_rescaling.status, Status::Refuted);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0].contains("`lam` does not occur") && r.warnings[0].contains("degree 0"));

    let r = check("2/t", "log_velocity");
    assert_eq!(r.verdict.class, VerdictClass::PowerLaw);
    assert_eq!(r.checks.log_shift.degree_exact.as_deref(), Some("0"));
    assert_eq!(r.verdict.exponent_time.as_deref(), Some("-1"));
    assert_eq!(r.verdict.amplitude.as_deref(), Some("2"));
    // The forced form C t^(−1): no power of λ (b = 0), t to the power −1.
    let forced = crate::input::parse(r.verdict.forced_form.as_deref().unwrap()).unwrap();
    let mut at = crate::numeric::Assignment::new();
    at.insert("C".into(), rug::Rational::from(3));
    at.insert("t".into(), rug::Rational::from(5));
    assert_eq!(
        crate::numeric::eval_exact(&forced, &at),
        Some(rug::Rational::from((3, 5)))
    );
    assert!(!forced.mentions("lam"), "{forced}");
    assert!(r.confirmation.as_ref().unwrap().status.holds());

    // The warning reaches every format; JSON carries it as `warnings`, and omits the key when
    // there is nothing to warn about.
    let reports = vec![r];
    for f in [
        render::Format::Text,
        render::Format::Markdown,
        render::Format::Latex,
        render::Format::Html,
        render::Format::Json,
    ] {
        let out = render(&reports, f).unwrap();
        assert!(out.contains("does not occur in the formula"), "{f:?}: {out}");
    }
    let v = serde_json::to_value(&reports[0]).unwrap();
    assert_eq!(v["warnings"].as_array().map(Vec::len), Some(1), "{v}");
    let plain = serde_json::to_value(check("lam^2", "velocity")).unwrap();
    assert!(plain.get("warnings").is_none(), "{plain}");
}

/// `λ(2 + sin²(π ln λ / ln 2))`: sin² has half the period of sin, so the candidate from the sine,
/// 2π/(π/ln 2) = 2 ln 2, is not the smallest period; sin²(x + π/2) = cos² x ≠ sin² x, so ln 2 is.
#[test]
fn the_reported_period_is_the_smallest() {
    let r = check("lam*(2+sin(pi*log(lam)/log(2))^2)", "energy");
    assert_eq!(r.verdict.class, VerdictClass::LogPeriodic);
    let d = r
        .checks
        .log_shift
        .discrete
        .as_ref()
        .expect("the discrete check ran");
    let value = d.period_value.as_deref().expect("a period");
    let prec = 140; // > 40 digits
    let ln2 = rug::Float::with_val(prec, rug::float::Constant::Log2);
    let found = rug::Float::with_val(prec, rug::Float::parse(value).unwrap());
    let err = rug::Float::with_val(prec, &found - &ln2).abs();
    // period_value is printed to 20 significant digits.
    assert!(
        err < rug::Float::with_val(prec, 1e-18),
        "period {value} is not ln 2"
    );
    let note = d.evidence.symbolic.note.clone().unwrap_or_default();
    assert!(note.contains("m = 2..=6"), "{note}");
}

/// Gallery spec 07, `sqrt(λμ)·exp(−ln(λ/μ)²/(2s²))` at s = 1/2: with u2 = μ/λ the field is
/// λ·sqrt(u2)·exp(−2 ln(u2)²), so C = 1 and G(u2) = sqrt(u2)·exp(−2 ln(u2)²) (by hand). The
/// engine's normal form of that G drops the exponential (Symbolica 3.0.0 turns
/// `exp(-2*log(u2)^2)` into `log(u2^-1)^2`); the printed G must still be the right function.
#[test]
fn the_printed_scaling_function_is_the_confirmed_one() {
    let spec_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/couplings/07_coupling_gaussian_in_log_ratio.toml"
    ))
    .unwrap();
    let r = run(&Spec::from_toml(&spec_text, "07.toml").unwrap(), &knobs()).unwrap();
    assert_eq!(r.verdict.class, VerdictClass::PowerLaw);
    assert_eq!(r.verdict.amplitude.as_deref(), Some("1"));
    let g = r.verdict.scaling_function.as_deref().expect("a scaling function");
    let g = crate::input::parse(g.split(" (with").next().unwrap()).unwrap();
    let by_hand = crate::input::parse("u2^(1/2)*exp(-2*log(u2)^2)").unwrap();
    let outcome = crate::crosscheck::check(
        &Identity::new(g.clone(), by_hand).with_domain_for_all(crate::crosscheck::Domain::Positive),
        &crate::crosscheck::CheckOptions {
            use_symbolic: false,
            ..crate::crosscheck::CheckOptions::default()
        },
    );
    assert_eq!(outcome.status, Status::Confirmed, "printed G = {g}");
}

/// `(λ − μ) λ t` as a coupling (w = 1): degree 2, time exponent 2 − 1 = 1, but
/// F(1, 1; t = 1) = 0. At the first reference ratio u2 = 2: C = (1 − 2)·1·1 = −1, and
/// G(u2) = F(1, u2; 1)/C = (1 − u2)/(−1) = u2 − 1 (G(5) = 4, G(1/3) = −2/3).
/// `(λ² − μ²)/t` with w = 3: C = F(1, 2; 1) = −3, G(u2) = (1 − u2²)/(−3) (G(5) = 8).
#[test]
fn a_vanishing_amplitude_is_taken_where_the_field_is_not_zero() {
    let g_at = |r: &CheckReport, u: rug::Rational| {
        let g = r.verdict.scaling_function.as_deref().expect("a scaling function");
        let g = g.split(" (with").next().unwrap();
        let mut at = crate::numeric::Assignment::new();
        at.insert("u2".into(), u);
        crate::numeric::eval_exact(&crate::input::parse(g).unwrap(), &at)
    };
    let r = run(
        &inline("(lam - mu)*lam*t", &["lam", "mu"], Some("t"), "coupling", &[]),
        &knobs(),
    )
    .unwrap();
    assert_eq!(r.verdict.class, VerdictClass::PowerLaw);
    assert_eq!(r.checks.log_shift.degree_exact.as_deref(), Some("2"));
    assert_eq!(r.verdict.exponent_time.as_deref(), Some("1"));
    assert_eq!(r.verdict.amplitude.as_deref(), Some("-1"));
    let at = r
        .verdict
        .amplitude_reference
        .as_deref()
        .expect("where C was taken");
    assert!(
        at.contains("C = F(1, 2; t = 1)") && at.contains("u2 = mu/lam = 2"),
        "{at}"
    );
    assert_eq!(g_at(&r, rug::Rational::from(5)), Some(rug::Rational::from(4)));
    assert_eq!(
        g_at(&r, rug::Rational::from((1, 3))),
        Some(rug::Rational::from((-2, 3)))
    );
    assert!(r.confirmation.as_ref().unwrap().status.holds());
    let text = render(std::slice::from_ref(&r), render::Format::Markdown).unwrap();
    assert!(text.contains("u2 = mu/lam = 2"), "{text}");

    let spec = Spec::from_inline(&InlineSpec {
        expr: "(lam^2-mu^2)/t".into(),
        spectral: vec!["lam".into(), "mu".into()],
        time: Some("t".into()),
        kind: None,
        weight: Some("3".into()),
        params: vec![],
    })
    .unwrap();
    let r = run(&spec, &knobs()).unwrap();
    assert_eq!(r.verdict.class, VerdictClass::PowerLaw);
    assert_eq!(r.verdict.exponent_time.as_deref(), Some("-1"));
    assert_eq!(r.verdict.amplitude.as_deref(), Some("-3"));
    assert_eq!(g_at(&r, rug::Rational::from(5)), Some(rug::Rational::from(8)));

    // A non-vanishing amplitude is still C = F(1, 1; t = 1), with no reference note.
    let r = run(
        &inline("(2*lam - mu)*lam*t", &["lam", "mu"], Some("t"), "coupling", &[]),
        &knobs(),
    )
    .unwrap();
    assert_eq!(r.verdict.amplitude.as_deref(), Some("1"));
    assert!(r.verdict.amplitude_reference.is_none());
}

/// A trap: a power law `C λ^b t^(b−2)` plus a perturbation of relative size about `10^−k`
/// from the families that hide below a fixed working precision or outside a window around 1.
/// None of them is log-shift covariant (each breaks the Euler relation at some λ > 0), so no
/// verdict may be a positive claim.
fn trap(b: &str, family: usize, k: u32) -> String {
    let eps = format!("1e-{k}");
    let half = format!("1e-{}", k.div_ceil(2));
    let law = format!("lam^({b})*t^({b} - 2)");
    match family {
        // A summand of another degree.
        0 => format!("{law} + {eps}*lam^({b} + 1/2)*t^({b} - 2)"),
        // A 1 + ε ln λ factor: agrees with a power law to first order in ε.
        1 => format!("{law}*(1 + {eps}*log(lam))"),
        // A saturation at λ ≈ 10^k.
        2 => format!("{law}/(1 + {eps}*lam)"),
        // exp(ε λ) = 1 + ε λ + …
        3 => format!("{law}*exp({eps}*lam)"),
        // A kink far from 1, with a tiny weight.
        4 => format!("{law} + {eps}*abs(lam - 1000)*lam^({b})*t^({b} - 2)"),
        // cos(√ε λ) = 1 − ε λ²/2 + …
        5 => format!("{law}*cos({half}*lam)"),
        // An essential cut-off near 0: exp(−ε/λ).
        6 => format!("{law}*exp(-{eps}/lam)"),
        // A second-order truncation of λ^(b+ε): deviation of order ε³.
        _ => format!("{law}*(1 + {half}*log(lam) + {eps}*log(lam)^2/2)"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Issue 11: power law + ε·perturbation with tiny ε is never a positive claim.
    #[test]
    fn tiny_perturbations_of_power_laws_are_never_positive_claims(
        b_index in 0usize..5,
        family in 0usize..8,
        k in 20u32..400,
    ) {
        let b = ["1/2", "1", "3/2", "2", "-1/3"][b_index];
        let f = trap(b, family, k);
        let r = check(&f, "velocity");
        prop_assert!(
            !matches!(
                r.verdict.class,
                VerdictClass::PowerLaw | VerdictClass::PowerLawInSpectrum | VerdictClass::LogPeriodic
            ),
            "{}: {} ({})", f, r.verdict.class, r.verdict.explanation
        );
        prop_assert!(!r.checks.log_shift.status.holds(), "{}: H1 {}", f, r.checks.log_shift.status);
    }
}
