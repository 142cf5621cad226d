//! Hostile but legitimate inputs (issue "verdicts that survive adversarial input"): every field
//! here is a power law only up to a part that 50 digits near λ = 1 cannot see. The expected
//! answers are derived by hand in each comment, never read off the tool.

use renorm::check::{LogShiftKind, VerdictClass};
use renorm::crosscheck::Status;
use renorm::{CheckReport, Field};

/// Classes that claim a power law (in λ, or forced by both covariances) or a log-periodic law.
fn is_positive_claim(class: VerdictClass) -> bool {
    matches!(
        class,
        VerdictClass::PowerLaw | VerdictClass::PowerLawInSpectrum | VerdictClass::LogPeriodic
    )
}

fn check_velocity(expr: &str) -> CheckReport {
    match Field::velocity(expr).spectral(["lam"]).time("t").check() {
        Ok(report) => report,
        Err(e) => panic!("{expr}: {e}"),
    }
}

/// The field is not log-shift covariant: a certified witness, class `not_power_law`.
fn assert_refuted(expr: &str) {
    let r = check_velocity(expr);
    let ls = &r.checks.log_shift;
    assert!(
        !is_positive_claim(r.verdict.class),
        "{expr}: positive verdict {} ({})",
        r.verdict.class,
        r.verdict.explanation
    );
    assert_eq!(ls.status, Status::Refuted, "{expr}: H1 {}", ls.status);
    assert!(ls.witness.is_some(), "{expr}: refuted without a witness");
    assert_eq!(r.verdict.class, VerdictClass::NotPowerLaw, "{expr}");
    assert_eq!(ls.kind, LogShiftKind::None, "{expr}");
}

#[test]
fn a_tiny_summand_is_not_a_power_law() {
    // λ² + 10⁻²⁰⁰ λ: the Euler ratio λF'/F = 2 − 10⁻²⁰⁰/(λ + 10⁻²⁰⁰) varies with λ.
    assert_refuted("lam^2 + 1e-200*lam");
    // Written with a tiny *coefficient on the power law* instead: 10⁻²⁰⁰ λ² + λ³ mixes degrees 2
    // and 3 with the lower one hidden.
    assert_refuted("1e-200*lam^2 + lam^3");
}

#[test]
fn a_saturation_far_away_is_not_a_power_law() {
    // λ²/(1 + 10⁻⁶⁰ λ): Euler ratio 2 − 10⁻⁶⁰λ/(1 + 10⁻⁶⁰λ), which differs between two points by
    // about 10⁻⁶⁰·Δλ — invisible at 50 digits for λ ∈ [0.1, 10], plain at λ ~ 10²⁰.
    assert_refuted("lam^2/(1 + 1e-60*lam)");
}

#[test]
fn a_one_plus_epsilon_log_factor_is_not_a_power_law() {
    // λ(1 + ε ln λ) with ε = 10⁻²⁰⁰ agrees with λ^(1+ε) to first order in ε: the Euler ratio is
    // 1 + ε/(1 + ε ln λ), whose variation between two points is ε²Δ(ln λ)/(…) ≈ 10⁻⁴⁰⁰.
    assert_refuted("lam*(1 + 1e-200*log(lam))");
    // The series of λ^(1+ε) truncated after ε²: deviation ε³ ln³λ/6 ≈ 10⁻⁴⁵⁰ with ε = 10⁻¹⁵⁰.
    assert_refuted("lam*(1 + 1e-150*log(lam) + 1e-300*log(lam)^2/2)");
}

#[test]
fn one_plus_epsilon_hidden_in_functions() {
    // exp(10⁻¹⁰⁰ λ) = 1 + 10⁻¹⁰⁰ λ + …: Euler ratio 2 + 10⁻¹⁰⁰ λ varies.
    assert_refuted("lam^2*exp(1e-100*lam)");
    // cos(10⁻⁵⁰ λ) = 1 − 10⁻¹⁰⁰ λ²/2 + …: Euler ratio 2 − 10⁻¹⁰⁰ λ²·(…) varies.
    assert_refuted("lam^2*cos(1e-50*lam)");
}

#[test]
fn fields_that_are_power_laws_only_near_one() {
    // |λ − 100|·λ: degree 2 for λ ≫ 100, a kink at 100, degree ≈ 1 near 0 — on [0.1, 10] it is
    // 100λ − λ², not a power law either, but λ ≫ 100 is where a scale-wide sampler must look.
    assert_refuted("abs(lam - 100)*lam");
    // λ² exp(−1/λ): Euler ratio 2 + 1/λ, a power law only as λ → ∞.
    assert_refuted("lam^2*exp(-1/lam)");
    // A cut-off far below: λ² exp(−10⁻²⁰/λ) has Euler ratio 2 + 10⁻²⁰/λ, visible at λ ≪ 1.
    assert_refuted("lam^2*exp(-1e-20/lam)");
}

#[test]
fn disguised_power_laws_still_hold() {
    // (λ³ + λ)/(λ + 1/λ) = λ(λ² + 1)·λ/(λ² + 1) = λ² exactly: degree 2.
    let r = check_velocity("(lam^3 + lam)/(lam + 1/lam)");
    assert!(r.checks.log_shift.status.holds(), "{}", r.checks.log_shift.status);
    assert_eq!(r.checks.log_shift.degree_exact.as_deref(), Some("2"));
    // λ^(2 + 10⁻¹⁰⁰) is a power law of degree 2 + 10⁻¹⁰⁰ — not of degree 2.
    let r = check_velocity("lam^(2 + 1e-100)");
    assert!(r.checks.log_shift.status.holds());
    // 2 + 10⁻¹⁰⁰ = (2·10¹⁰⁰ + 1)/10¹⁰⁰, already in lowest terms.
    let expected = format!("2{}1/1{}", "0".repeat(99), "0".repeat(100));
    assert_eq!(
        r.checks.log_shift.degree_exact.as_deref(),
        Some(expected.as_str())
    );
}

#[test]
fn an_engine_zero_that_the_numerics_refute_is_refuted() {
    // exp(ln x · ln 2) = x^(ln 2); the pinned engine rewrites it to a logarithm, so it "proves"
    // exp(log(x)*log(2)) == log(x). At x = e the two sides are e^(ln 2) = 2 and 1.
    let o = renorm::identity("exp(log(x)*log(2))", "log(x)").expect("parses");
    assert!(
        matches!(o.status, Status::EngineDisagreement | Status::Refuted),
        "{}",
        o.status
    );
    assert!(o.numeric.witness.is_some());
    // A hidden engine bug behind a tiny coefficient: x + 10⁻²⁰⁰·x^(ln y) ≠ x.
    let o = renorm::identity("x + 1e-200*exp(log(x)*log(y))", "x").expect("parses");
    assert!(!o.status.holds(), "{}", o.status);
    assert!(o.numeric.witness.is_some());
}

#[test]
fn an_identity_with_a_summand_below_the_working_precision_is_refuted() {
    // exp(x) + 10⁻²⁰⁰ ≠ exp(x): the residual is exactly 10⁻²⁰⁰.
    let o = renorm::identity("exp(x) + 1e-200", "exp(x)").expect("parses");
    assert_eq!(o.status, Status::Refuted, "{}", o.explanation);
    // sin(x)² + cos(x)² + 10⁻³⁰⁰ x ≠ 1.
    let o = renorm::identity("sin(x)^2 + cos(x)^2 + 1e-300*x", "1").expect("parses");
    assert!(!o.status.holds(), "{}", o.status);
}

#[test]
fn beyond_the_cap_is_undetermined_not_confirmed() {
    // A summand 10⁻³⁰⁰⁰ of the rest needs ≥ 6000 extra digits, beyond the 2000-digit cap: no point
    // resolves, so the check must not claim anything. (`exp` keeps it off the exact path.)
    let r = check_velocity("lam^2 + 1e-1000*1e-1000*1e-1000*exp(lam)");
    assert!(!is_positive_claim(r.verdict.class), "{}", r.verdict.class);
    let ev = &r.checks.log_shift.continuous.evidence;
    assert!(ev.numeric.points_unresolved > 0, "{:?}", ev.numeric);
    assert_ne!(r.checks.log_shift.status, Status::Proved);
    assert_ne!(r.checks.log_shift.status, Status::Confirmed);
}

#[test]
fn rational_fields_are_decided_exactly_whatever_the_size_of_a_summand() {
    // λ² + 10⁻³⁰⁰⁰ λ is rational: exact arithmetic at rational points refutes homogeneity
    // without any precision question, F(2λ)/F(λ) = (4λ + 2ε)/(λ + ε) ≠ 2^b.
    let r = check_velocity("lam^2 + 1e-1000*1e-1000*1e-1000*lam");
    assert_eq!(r.checks.log_shift.status, Status::Refuted);
    let w = r.checks.log_shift.witness.as_ref().expect("a witness");
    assert_eq!(w.method, renorm::crosscheck::WitnessMethod::Exact);
    assert_eq!(r.verdict.class, VerdictClass::NotPowerLaw);
}

#[test]
fn every_report_states_its_domain() {
    let r = check_velocity("lam^2");
    assert_eq!(r.sampling.scale_exponents, [-30, 30]);
    assert!(r.sampling.scales.contains("1e-30") && r.sampling.scales.contains("1e30"));
    let json = serde_json::to_value(&r).expect("serializes");
    assert_eq!(json["sampling"]["max_digits"], 2000);
    // Identities say where each variable was sampled, too.
    let o = renorm::identity("log(a*b)", "log(a) + log(b)").expect("parses");
    assert!(
        o.domain.starts_with("a, b: log-uniform in [1e-30, 1e30]"),
        "{}",
        o.domain
    );
    assert!(o.to_text().contains("domain:   a, b:"), "{}", o.to_text());
}
