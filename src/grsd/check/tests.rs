use super::*;
use crate::check::spec::InlineSpec;
use proptest::prelude::*;

fn knobs() -> Knobs {
    Knobs {
        digits: 30,
        points: 4,
        seed: 7,
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
    assert!(w.point.contains_key("κ"));
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
    assert!(w.point.contains_key("σ") && w.point.contains_key("lam'"));
    let (lo, hi): (f64, f64) = (w.enclosure[0].parse().unwrap(), w.enclosure[1].parse().unwrap());
    assert!(lo.signum() == hi.signum() && lo.abs() > 0.0);
    // Rational: an exact cross product at a rational factor e^σ, recomputed here by hand.
    let r = check("lam/(1 + lam)", "coupling");
    let w = r.checks.log_shift.witness.as_ref().expect("a witness");
    assert_eq!(w.method, crate::crosscheck::WitnessMethod::Exact);
    let value = |key: &str| -> rug::Rational { w.point[key].parse().unwrap() };
    let (l, lp, k) = (value("lam"), value("lam'"), value("e^σ"));
    let f = |x: rug::Rational| x.clone() / (x + 1);
    let cross = f(k.clone() * &l) * f(lp.clone()) - f(k * &lp) * f(l);
    assert_ne!(cross, 0);
    assert_eq!(w.enclosure[0].parse::<rug::Rational>().unwrap(), cross);
}

#[test]
fn json_report_has_the_documented_fields() {
    let r = check("lam^2*t^0", "velocity");
    let v = serde_json::to_value(&r).unwrap();
    for path in [
        "/schema",
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
    assert_eq!(v["schema"], "renorm.check/1");
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
    assert!(tex.starts_with("\\documentclass") && tex.trim_end().ends_with("\\end{document}"));
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
