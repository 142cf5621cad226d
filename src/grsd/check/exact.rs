//! Exact covariance decisions for rational fields (tried before the two-engine checks).
//!
//! When the instantiated field `F` is a rational function with rational coefficients of the
//! spectral variables, time and the free parameters (see [`crate::numeric::decide_over`]),
//! covariance under rational scale factors is an identity between rational functions, which an
//! exact grid decides outright:
//!
//! * **H1.** A rational `F` homogeneous in `λ` has an *integer* degree `b` (the difference of
//!   the degrees of homogeneous numerator and denominator), and then `F(2λ)/F(λ) = 2^b` at every
//!   point where `F ≠ 0`. So `b` is read off one exact ratio `r = F(2λ)/F(λ)`; if `r = 2^b`, the
//!   identity `F(κ λ_1, …, κ λ_n, t, p) ≡ κ^b F(λ, t, p)` in `(κ, λ, t, p)` is proved or refuted
//!   on an exact grid. A proof is H1 with the exact degree `b`. A refutation at a grid point
//!   `(κ₀, λ₀, …)`, or a ratio `r` that is not a power of 2, is turned into an exact witness of
//!   the usual shape `F(e^σ λ)·F(λ') − F(e^σ λ')·F(λ) ≠ 0` with the rational factor `e^σ = κ₀`
//!   (or `2`), found by trying a few `λ'` in the same context. Covariance would force that cross
//!   product to vanish for every `λ, λ'`, whatever the factor `A(σ)` in `F(e^σ λ) = A F(λ)`.
//! * **H2** of weight `w = p/q`: with `κ = m^q` (`m > 0` rational), `κ^w = m^p` is rational, so
//!   `F(m^q λ, t/m^q, p) ≡ m^p F(λ, t, p)` in `(m, λ, t, p)` is again a rational identity; a grid
//!   counterexample is directly a witness `(κ, λ, t)` of `F(κλ, t/κ) − κ^w F(λ, t) ≠ 0`.
//!
//! Anything else (a non-rational field, a grid too large, a point where `F` is undefined on
//! every grid tried, no witness found) returns `None`, and the two-engine checks run as before.
//! The engine is not consulted on these paths: an exact grid is a proof by itself.

use super::covariance::{Evidence, Field, Knobs, LogShift, TimeRescaling, Witness};
use crate::crosscheck::{
    ExactProof, NumericEvidence, Status, SymbolicEvidence, SymbolicVerdict, WitnessMethod,
};
use crate::expr::Expr;
use crate::numeric::{
    Assignment, ExactDecision, GridProof, Precision, ValuePool, decide_over, eval_exact, rational_degrees,
};
use rug::{Integer, Rational};
use std::collections::BTreeMap;
use std::ops::{Div, Mul};

/// Most grid points one exact covariance decision evaluates.
const MAX_GRID_POINTS: u64 = 4096;

/// Largest `|b|` (and weight numerator/denominator) used as an exponent of the scale factor.
const MAX_EXPONENT: u64 = 10_000;

/// Small positive rationals used for base points and for the `λ'` of a witness search.
const SMALL: [(u32, u32); 10] = [
    (1, 1),
    (2, 1),
    (1, 2),
    (3, 1),
    (1, 3),
    (3, 2),
    (2, 3),
    (5, 4),
    (7, 3),
    (4, 1),
];

fn small(i: usize) -> Rational {
    let (p, q) = SMALL[i % SMALL.len()];
    Rational::from((p, q))
}

/// The grid pools of the field's variables, when the field is rational over them.
fn pools(field: &Field) -> Option<BTreeMap<String, ValuePool>> {
    rational_degrees(&field.f).ok()?;
    let spec = field.spec;
    let mut pools = BTreeMap::new();
    for s in spec.spectral.iter().chain(spec.time.iter()) {
        pools.insert(s.clone(), ValuePool::Positive);
    }
    for (name, lo, hi) in spec.free_params() {
        if lo >= hi {
            return None;
        }
        pools.insert(name, ValuePool::Interval(lo, hi));
    }
    field
        .f
        .variables()
        .iter()
        .all(|v| pools.contains_key(v))
        .then_some(pools)
}

/// A name for the scale variable that clashes with none of the field's.
fn fresh(pools: &BTreeMap<String, ValuePool>, base: &str) -> String {
    let mut name = base.to_string();
    while pools.contains_key(&name) {
        name.push('\'');
    }
    name
}

/// The `j`-th base point: small spectral values and time, parameters inside their ranges.
fn base_point(field: &Field, j: usize) -> Assignment {
    let mut at = Assignment::new();
    for (i, s) in field.spec.spectral.iter().enumerate() {
        at.insert(s.clone(), small(j + 2 * i));
    }
    if let Some(t) = &field.spec.time {
        at.insert(t.clone(), small(j + 5));
    }
    for (name, lo, hi) in field.spec.free_params() {
        let fraction = Rational::from(((j % 9) as u32 + 1, 10u32));
        let width = Rational::from(&hi - &lo);
        at.insert(name, &lo + Rational::from(&width * &fraction));
    }
    at
}

/// `at` with every spectral variable multiplied by `k`.
fn scaled(field: &Field, at: &Assignment, k: &Rational) -> Assignment {
    let mut out = at.clone();
    for s in &field.spec.spectral {
        if let Some(v) = out.get_mut(s) {
            *v *= k;
        }
    }
    out
}

/// `b` with `r = 2^b`, if `r` is an integer power of two of moderate size.
fn log2_exact(r: &Rational) -> Option<i64> {
    if r.cmp0() != std::cmp::Ordering::Greater {
        return None;
    }
    let (n, d) = (r.numer(), r.denom());
    let bits = |x: &Integer| i64::from(x.significant_bits()) - 1;
    let b = if *d == 1 && n.is_power_of_two() {
        bits(n)
    } else if *n == 1 && d.is_power_of_two() {
        -bits(d)
    } else {
        return None;
    };
    (b.unsigned_abs() <= MAX_EXPONENT).then_some(b)
}

/// Evidence of an exact decision; the engine was not consulted.
fn evidence(knobs: &Knobs, status: Status, note: String) -> Evidence {
    Evidence {
        status,
        engine_disagreement: false,
        symbolic: SymbolicEvidence {
            note: Some(note),
            ..SymbolicEvidence::new(SymbolicVerdict::Skipped)
        },
        numeric: NumericEvidence::new(
            knobs.points,
            knobs.digits,
            knobs.max_digits,
            Precision::from_digits(knobs.digits).with_guard_bits(64).bits(),
        ),
    }
}

fn proved(knobs: &Knobs, grid: &GridProof, what: &str) -> Evidence {
    let proof = ExactProof::from_grid(grid, what);
    let mut ev = evidence(
        knobs,
        Status::Proved,
        format!("not consulted (exact rational proof: {})", proof.description),
    );
    let points = u32::try_from(grid.points).unwrap_or(u32::MAX);
    ev.numeric.points_agreeing = points;
    ev.numeric.points_requested = points;
    ev.numeric.exact = Some(proof);
    ev
}

fn refuted(knobs: &Knobs, witness: Witness) -> Evidence {
    let mut ev = evidence(
        knobs,
        Status::Refuted,
        "not consulted (an exact rational counterexample needs no engine)".into(),
    );
    ev.numeric.witness = Some(witness);
    ev
}

/// Exact H1 decision; `None` to fall back to the two-engine check.
pub(crate) fn log_shift(field: &Field, knobs: &Knobs) -> Option<LogShift> {
    let pools = pools(field)?;
    if field.spec.spectral.is_empty() {
        return None;
    }
    let two = Rational::from(2);
    // A base point where F ≠ 0 and F(2λ) is defined gives the only possible degree.
    let (at, r) = (0..SMALL.len()).find_map(|j| {
        let at = base_point(field, j);
        let v = eval_exact(&field.f, &at).filter(|v| v.cmp0() != std::cmp::Ordering::Equal)?;
        let v2 = eval_exact(&field.f, &scaled(field, &at, &two))?;
        Some((at, v2 / v))
    })?;
    let Some(b) = log2_exact(&r) else {
        // Not a power of two: F is not homogeneous; find two points that show it.
        return cross_witness(field, &at, &two).map(|w| not_covariant(knobs, w));
    };
    let kappa = fresh(&pools, "kappa");
    let k = Expr::var(&kappa);
    let lhs = field.f.map_vars(&mut |v| {
        field
            .spec
            .spectral
            .iter()
            .any(|s| s == v)
            .then(|| k.clone().mul(Expr::var(v)))
    });
    let rhs = k.clone().pow(Expr::int(b)).mul(field.f.clone());
    let mut grid_pools = pools;
    grid_pools.insert(kappa.clone(), ValuePool::Positive);
    match decide_over(&lhs, &rhs, &grid_pools, MAX_GRID_POINTS) {
        ExactDecision::Proved(grid) => {
            let what = format!("F(κλ) − κ^{b} F(λ) ≡ 0");
            Some(LogShift {
                evidence: proved(knobs, &grid, &what),
                degree: Some(b.to_string()),
                degree_exact: Some(b.to_string()),
                degree_numeric: None,
                degree_depends_on_time: Some(false),
                degree_expr: Some(Expr::int(b)),
            })
        }
        ExactDecision::Refuted(c) => {
            let factor = c.point.get(&kappa)?.clone();
            let mut at = c.point;
            at.remove(&kappa);
            cross_witness(field, &at, &factor).map(|w| not_covariant(knobs, w))
        }
        ExactDecision::NotApplicable(_) => None,
    }
}

fn not_covariant(knobs: &Knobs, witness: Witness) -> LogShift {
    LogShift {
        evidence: refuted(knobs, witness),
        degree: None,
        degree_exact: None,
        degree_numeric: None,
        degree_depends_on_time: None,
        degree_expr: None,
    }
}

/// An exact witness `F(kλ)·F(λ') − F(kλ')·F(λ) ≠ 0` with `λ` (and the context) from `at`
/// and `λ'` from a short list of small rationals.
fn cross_witness(field: &Field, at: &Assignment, k: &Rational) -> Option<Witness> {
    let f = |p: &Assignment| eval_exact(&field.f, p);
    let (f_l, f_kl) = (f(at)?, f(&scaled(field, at, k))?);
    for j in 0..SMALL.len() {
        let mut other = at.clone();
        for (i, s) in field.spec.spectral.iter().enumerate() {
            other.insert(s.clone(), small(j + 3 * i + 1));
        }
        let (Some(f_o), Some(f_ko)) = (f(&other), f(&scaled(field, &other, k))) else {
            continue;
        };
        let cross = Rational::from(&f_kl * &f_o) - Rational::from(&f_ko * &f_l);
        if cross.cmp0() == std::cmp::Ordering::Equal {
            continue;
        }
        let mut point: BTreeMap<String, String> =
            at.iter().map(|(n, v)| (n.clone(), v.to_string())).collect();
        for s in &field.spec.spectral {
            if let Some(v) = other.get(s) {
                point.insert(format!("{s}'"), v.to_string());
            }
        }
        super::covariance::insert_coordinate(&mut point, "exp_sigma", k.to_string());
        return Some(Witness {
            point,
            residual: format!("F(e^σ λ)·F(λ') − F(e^σ λ')·F(λ), e^σ = {k}"),
            enclosure: [cross.to_string(), cross.to_string()],
            lhs: None,
            rhs: None,
            method: WitnessMethod::Exact,
        });
    }
    None
}

/// Exact H2 decision; `None` to fall back to the two-engine check.
pub(crate) fn time_rescaling(field: &Field, knobs: &Knobs) -> Option<TimeRescaling> {
    let pools = pools(field)?;
    let w = &field.spec.weight;
    let (p, q) = (w.numer().to_i64()?, w.denom().to_u32()?);
    if p.unsigned_abs() > MAX_EXPONENT || u64::from(q) > MAX_EXPONENT {
        return None;
    }
    // κ = m^q, so that κ^w = m^p is rational.
    let m_name = fresh(&pools, "m");
    let kappa = Expr::var(&m_name).pow(Expr::int(i64::from(q)));
    let lhs = field.f.map_vars(&mut |v| {
        if field.spec.spectral.iter().any(|s| s == v) {
            Some(kappa.clone().mul(Expr::var(v)))
        } else if field.spec.time.as_deref() == Some(v) {
            Some(Expr::var(v).div(kappa.clone()))
        } else {
            None
        }
    });
    let rhs = Expr::var(&m_name).pow(Expr::int(p)).mul(field.f.clone());
    let mut grid_pools = pools;
    grid_pools.insert(m_name.clone(), ValuePool::Positive);
    let evidence = match decide_over(&lhs, &rhs, &grid_pools, MAX_GRID_POINTS) {
        ExactDecision::Proved(grid) => proved(
            knobs,
            &grid,
            &if q == 1 {
                format!("F(κλ, t/κ) − κ^{w} F(λ, t) ≡ 0 (scale factor κ as `{m_name}` on the grid)")
            } else {
                format!("F(κλ, t/κ) − κ^({w}) F(λ, t) ≡ 0 with κ = {m_name}^{q}, so κ^({w}) = {m_name}^{p}")
            },
        ),
        ExactDecision::Refuted(c) => {
            let m = c.point.get(&m_name)?.clone();
            let kappa_value: Rational = rug::ops::Pow::pow(m, q);
            let mut point: BTreeMap<String, String> = c
                .point
                .iter()
                .filter(|(n, _)| **n != m_name)
                .map(|(n, v)| (n.clone(), v.to_string()))
                .collect();
            super::covariance::insert_coordinate(&mut point, "kappa", kappa_value.to_string());
            let diff = Rational::from(&c.lhs - &c.rhs);
            refuted(
                knobs,
                Witness {
                    point,
                    residual: "F(κλ, t/κ) − κ^w F(λ, t)".into(),
                    enclosure: [diff.to_string(), diff.to_string()],
                    lhs: None,
                    rhs: None,
                    method: WitnessMethod::Exact,
                },
            )
        }
        ExactDecision::NotApplicable(_) => return None,
    };
    Some(TimeRescaling {
        evidence,
        weight: w.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::spec::{InlineSpec, Spec};
    use crate::check::{VerdictClass, run};

    fn knobs() -> Knobs {
        Knobs {
            digits: 30,
            points: 4,
            seed: 7,
            ..Knobs::default()
        }
    }

    fn spec(expr: &str, spectral: &[&str], kind: &str) -> Spec {
        Spec::from_inline(&InlineSpec {
            expr: expr.into(),
            spectral: spectral.iter().map(|s| s.to_string()).collect(),
            time: Some("t".into()),
            kind: Some(kind.into()),
            weight: None,
            params: Vec::new(),
        })
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
    }

    fn q(text: &str) -> Rational {
        text.parse()
            .unwrap_or_else(|_| panic!("`{text}` is an exact rational"))
    }

    fn ten_to(n: u32) -> Rational {
        Rational::from(rug::ops::Pow::pow(Integer::from(10), n))
    }

    /// The exact degree of a rational field, proved on a grid (no engine involved).
    fn exact_degree(expr: &str, spectral: &[&str], kind: &str) -> LogShift {
        let spec = spec(expr, spectral, kind);
        let h1 =
            log_shift(&Field::new(&spec), &knobs()).unwrap_or_else(|| panic!("{expr}: exact path applies"));
        assert_eq!(h1.evidence.status, Status::Proved, "{expr}: {h1:?}");
        assert!(h1.evidence.numeric.exact.is_some(), "{expr}");
        assert_eq!(h1.evidence.symbolic.verdict, SymbolicVerdict::Skipped);
        h1
    }

    /// Checks an exact H1 witness against `f`, evaluated by hand in rationals.
    fn assert_cross_witness(w: &Witness, f: impl Fn(&Rational) -> Rational) {
        assert_eq!(w.method, WitnessMethod::Exact);
        let (l, lp, k) = (q(&w.point["lam"]), q(&w.point["lam'"]), q(&w.point["exp_sigma"]));
        let kl = Rational::from(&k * &l);
        let klp = Rational::from(&k * &lp);
        let expected = f(&kl) * f(&lp) - f(&klp) * f(&l);
        assert_ne!(expected, 0, "{w:?}");
        assert_eq!(q(&w.enclosure[0]), expected);
        assert_eq!(q(&w.enclosure[1]), expected);
    }

    #[test]
    fn monomial_degree_is_proved_exactly() {
        // λ² t⁻¹: F(κλ, t) = κ² F(λ, t); b = 2.
        let h1 = exact_degree("lam^2*t^-1", &["lam"], "velocity");
        assert_eq!(h1.degree_exact.as_deref(), Some("2"));
        assert_eq!(h1.degree_expr, Some(Expr::int(2)));
        // H2 of weight 2: F(κλ, t/κ) = κ³ F(λ, t), so the residual is (κ³ − κ²) λ²/t.
        let spec = spec("lam^2*t^-1", &["lam"], "velocity");
        let h2 = time_rescaling(&Field::new(&spec), &knobs()).expect("exact path applies");
        assert_eq!(h2.evidence.status, Status::Refuted);
        let w = h2.evidence.numeric.witness.as_ref().expect("a witness");
        assert_eq!(w.method, WitnessMethod::Exact);
        let (k, l, t) = (q(&w.point["kappa"]), q(&w.point["lam"]), q(&w.point["t"]));
        let k2 = Rational::from(&k * &k);
        let expected = (Rational::from(&k2 * &k) - k2) * Rational::from(&l * &l) / t;
        assert_ne!(expected, 0);
        assert_eq!(q(&w.enclosure[0]), expected);
        let report = run(&spec, &knobs()).expect("runs");
        assert_eq!(report.verdict.class, VerdictClass::PowerLawInSpectrum);
    }

    #[test]
    fn power_law_in_disguise_is_proved_exactly() {
        // (λ³ + λ)/(λ + 1/λ) = λ(λ² + 1)·λ/(λ² + 1) = λ².
        let h1 = exact_degree("(lam^3+lam)/(lam+1/lam)", &["lam"], "coupling");
        assert_eq!(h1.degree_exact.as_deref(), Some("2"));
    }

    #[test]
    fn homogeneous_couplings_of_two_variables_are_proved_exactly() {
        // λμ/(λ + μ) has degree 2 − 1 = 1; λ²μt/(λ + μ) has degree 3 − 1 = 2.
        let h1 = exact_degree("lam*mu/(lam + mu)", &["lam", "mu"], "coupling");
        assert_eq!(h1.degree_exact.as_deref(), Some("1"));
        let h1 = exact_degree("lam^2*mu*t/(lam + mu)", &["lam", "mu"], "energy");
        assert_eq!(h1.degree_exact.as_deref(), Some("2"));
        // ... while λ² + μ is not homogeneous: refuted with an exact cross product.
        let spec = spec("lam^2 + mu", &["lam", "mu"], "coupling");
        let h1 = log_shift(&Field::new(&spec), &knobs()).expect("exact path applies");
        assert_eq!(h1.evidence.status, Status::Refuted);
        let w = h1.evidence.numeric.witness.as_ref().expect("a witness");
        let (l, m, lp, mp, k) = (
            q(&w.point["lam"]),
            q(&w.point["mu"]),
            q(&w.point["lam'"]),
            q(&w.point["mu'"]),
            q(&w.point["exp_sigma"]),
        );
        let f = |a: &Rational, b: &Rational| Rational::from(a * a) + b;
        let expected = f(&Rational::from(&k * &l), &Rational::from(&k * &m)) * f(&lp, &mp)
            - f(&Rational::from(&k * &lp), &Rational::from(&k * &mp)) * f(&l, &m);
        assert_ne!(expected, 0);
        assert_eq!(q(&w.enclosure[0]), expected);
    }

    #[test]
    fn tiny_rational_perturbations_are_refuted_exactly() {
        // λ² + 10⁻²⁰⁰ λ: invisible at 50 digits, but not homogeneous.
        let spec_a = spec("lam^2 + 10^(-200)*lam", &["lam"], "coupling");
        let h1 = log_shift(&Field::new(&spec_a), &knobs()).expect("exact path applies");
        assert_eq!(h1.evidence.status, Status::Refuted);
        let eps = ten_to(200).recip();
        assert_cross_witness(h1.evidence.numeric.witness.as_ref().expect("a witness"), |x| {
            Rational::from(x * x) + Rational::from(&eps * x)
        });
        assert_eq!(
            run(&spec_a, &knobs()).expect("runs").verdict.class,
            VerdictClass::NotPowerLaw
        );
        // λ²/(1 + 10⁻⁶⁰ λ): saturates only near λ ≈ 10⁶⁰.
        let spec_b = spec("lam^2/(1 + 10^(-60)*lam)", &["lam"], "coupling");
        let h1 = log_shift(&Field::new(&spec_b), &knobs()).expect("exact path applies");
        assert_eq!(h1.evidence.status, Status::Refuted);
        let eps = ten_to(60).recip();
        assert_cross_witness(h1.evidence.numeric.witness.as_ref().expect("a witness"), |x| {
            Rational::from(x * x) / (Rational::from(1) + Rational::from(&eps * x))
        });
        assert_eq!(
            run(&spec_b, &knobs()).expect("runs").verdict.class,
            VerdictClass::NotPowerLaw
        );
    }

    #[test]
    fn non_rational_fields_fall_back() {
        for expr in [
            "lam^(1/2)*t",
            "lam^2*exp(-lam*t)",
            "lam^2*(2 + cos(pi*log(lam)))",
            "lam^t",
        ] {
            let spec = spec(expr, &["lam"], "velocity");
            let field = Field::new(&spec);
            assert!(log_shift(&field, &knobs()).is_none(), "{expr}");
            assert!(time_rescaling(&field, &knobs()).is_none(), "{expr}");
        }
    }

    #[test]
    fn time_rescaling_is_proved_exactly() {
        // 3λ/t (velocity, w = 2): F(κλ, t/κ) = 3κλ·κ/t = κ² F(λ, t).
        let spec = spec("3*lam/t", &["lam"], "velocity");
        let h2 = time_rescaling(&Field::new(&spec), &knobs()).expect("exact path applies");
        assert_eq!(h2.evidence.status, Status::Proved, "{h2:?}");
        assert!(h2.evidence.numeric.exact.is_some());
        let report = run(&spec, &knobs()).expect("runs");
        assert_eq!(report.verdict.class, VerdictClass::PowerLaw);
        assert_eq!(report.checks.log_shift.degree_exact.as_deref(), Some("1"));
    }
}
