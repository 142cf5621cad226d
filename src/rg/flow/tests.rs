//! Tests of the flow layer. Every reference value is built from exact rationals or from closed
//! forms evaluated in MPFR at more bits than the code under test; none from `f64` literals.

use super::*;
use crate::numeric::Precision;
use rug::{Float, Integer, Rational};

fn pow2(prec: u32, e: i32) -> Float {
    Float::with_val(prec, Float::i_exp(1, e))
}

fn r(n: i64, d: u64) -> Rational {
    Rational::from((n, d))
}

fn params(alpha: Rational, beta: Rational, omega: Rational, modes: u64) -> FlowParams {
    FlowParams::new(alpha, beta, omega, modes).expect("valid parameters")
}

/// Significant decimal digits to which `x` agrees with the reference `want`
/// (`−log10 |x − want| / max(|want|, 1e-300-ish)`), capped at 1000 for exact agreement.
fn agree(x: &Float, want: &Float) -> f64 {
    let prec = want.prec().max(x.prec());
    let diff = Float::with_val(prec, x - want).abs();
    if diff.is_zero() {
        return 1000.0;
    }
    let scale = Float::with_val(prec, want.abs_ref()).max(&pow2(prec, -900));
    let rel = Float::with_val(prec, &diff / &scale);
    -rel.log10().to_f64()
}

fn exp_q(prec: u32, q: &Rational, tau: &Rational) -> Float {
    Float::with_val(prec, Rational::from(q * tau)).exp()
}

// -------------------------------------------------------------------------------------------
// Tableaux: exact order conditions over all rooted trees
// -------------------------------------------------------------------------------------------

/// Rooted trees up to `max_order` as multisets of child indices (non-decreasing), built by order.
fn rooted_trees(max_order: usize) -> Vec<(usize, Vec<usize>)> {
    let mut trees: Vec<(usize, Vec<usize>)> = vec![(1, vec![])];
    for n in 2..=max_order {
        let mut new = Vec::new();
        fn extend(
            trees: &[(usize, Vec<usize>)],
            start: usize,
            remaining: usize,
            current: &mut Vec<usize>,
            out: &mut Vec<Vec<usize>>,
        ) {
            if remaining == 0 {
                out.push(current.clone());
                return;
            }
            for i in start..trees.len() {
                if trees[i].0 <= remaining {
                    current.push(i);
                    extend(trees, i, remaining - trees[i].0, current, out);
                    current.pop();
                }
            }
        }
        let mut forests = Vec::new();
        extend(&trees, 0, n - 1, &mut Vec::new(), &mut forests);
        for f in forests {
            new.push((n, f));
        }
        trees.extend(new);
    }
    trees
}

/// Checks `b·Φ(t) = 1/γ(t)` for every rooted tree of order `≤ order`; returns the first order
/// at which a condition fails (or `order + 1` if none).
fn first_failing_order(t: &Tableau, b: &[Rational], order: usize) -> usize {
    let trees = rooted_trees(order + 1);
    let s = t.c.len();
    let a_full = |i: usize, j: usize| -> Rational { t.a[i].get(j).cloned().unwrap_or_default() };
    let mut phi: Vec<Vec<Rational>> = Vec::new();
    let mut gamma: Vec<Integer> = Vec::new();
    for (n, children) in &trees {
        let mut g = vec![Rational::from(1); s];
        let mut gm = Integer::from(*n as u64);
        for &ch in children {
            gm *= &gamma[ch];
            for (i, gi) in g.iter_mut().enumerate() {
                let mut acc = Rational::new();
                for (j, pj) in phi[ch].iter().enumerate() {
                    acc += Rational::from(&a_full(i, j) * pj);
                }
                *gi *= acc;
            }
        }
        phi.push(g);
        gamma.push(gm);
    }
    let mut worst = order + 1;
    for (k, (n, _)) in trees.iter().enumerate() {
        let lhs = b
            .iter()
            .zip(&phi[k])
            .fold(Rational::new(), |acc, (bi, p)| acc + Rational::from(bi * p));
        let rhs = Rational::from((Integer::from(1), gamma[k].clone()));
        if lhs != rhs {
            worst = worst.min(*n);
        }
    }
    worst
}

#[test]
fn rooted_tree_counts_match_oeis_a000081() {
    let trees = rooted_trees(9);
    let mut counts = [0usize; 10];
    for (n, _) in &trees {
        counts[*n] += 1;
    }
    assert_eq!(&counts[1..], &[1, 1, 2, 4, 9, 20, 48, 115, 286]);
}

#[test]
fn tableaux_satisfy_exact_order_conditions() {
    for method in [Method::DormandPrince54, Method::Fehlberg78] {
        let t = method.tableau();
        let s = t.c.len();
        assert_eq!(t.a.len(), s);
        for (i, row) in t.a.iter().enumerate() {
            assert_eq!(row.len(), i, "{method:?} row {i}");
            let sum = row.iter().fold(Rational::new(), |a, x| a + x);
            assert_eq!(sum, t.c[i], "{method:?}: row sum ≠ c_{i}");
        }
        let o = t.order as usize;
        let oe = t.embedded_order as usize;
        // Exactly the claimed orders: all conditions up to the order hold, some of the next fail.
        assert_eq!(
            first_failing_order(&t, &t.b, o),
            o + 1,
            "{method:?} propagated order"
        );
        assert_eq!(
            first_failing_order(&t, &t.b_embedded, oe),
            oe + 1,
            "{method:?} embedded order"
        );
    }
}

// -------------------------------------------------------------------------------------------
// Integrator against closed forms
// -------------------------------------------------------------------------------------------

fn flow_rhs(p: &FlowParams, tr: Truncation) -> impl FnMut(&Float, &[Float]) -> Vec<Float> + '_ {
    move |_t, y| {
        let g = [y[0].clone(), y[1].clone(), y[2].clone(), y[3].clone()];
        beta_generic(p, tr, &g).expect("off the pole").to_vec()
    }
}

#[test]
fn tree_level_matches_closed_form_to_30_digits() {
    let p = params(r(1, 5), r(3, 10), r(1, 8), 1000);
    let outs: Vec<Rational> = (1..=5).map(Rational::from).collect();
    let (u0, rho0, s0) = (r(1, 20), r(7, 3), r(1, 10));
    let hp = 400;
    for (method, digits) in [(Method::Fehlberg78, 30u32), (Method::DormandPrince54, 20)] {
        let opts = IntegratorOptions::new(method, digits);
        let prec = opts.precision();
        for (tr, u_init) in [
            (Truncation::TreeLevel, u0.clone()),
            (Truncation::OneLoop, Rational::new()),
        ] {
            let init = FlowState::from_rationals(&u_init, &rho0, &Rational::from(1), &s0, prec);
            let traj = integrate_flow(&p, tr, &init, &Rational::new(), &outs, &opts).expect("integrates");
            let mut worst = f64::INFINITY;
            for (pt, tau) in traj.outputs.iter().zip(&outs) {
                let want_rho = Float::with_val(hp, exp_q(hp, &-p.a(), tau) * &rho0);
                let want_s2 = Float::with_val(hp, exp_q(hp, &p.target_exponent(), tau) * &s0);
                let want_u = Float::with_val(hp, exp_q(hp, &-p.c(), tau) * &u_init);
                worst = worst.min(agree(&pt.state.rho, &want_rho));
                worst = worst.min(agree(&pt.state.target2, &want_s2));
                if u_init.is_zero() {
                    assert!(pt.state.u.is_zero(), "ũ = 0 stays exactly 0");
                } else {
                    worst = worst.min(agree(&pt.state.u, &want_u));
                }
                assert!(pt.state.amp == 1u32, "A ≡ 1 exactly at tree level");
            }
            println!(
                "tree level {method:?} {tr:?}: {worst:.1} digits at τ ≤ 5 (asked {digits}), {} accepted / {} rejected steps, max local err {}",
                traj.stats.accepted,
                traj.stats.rejected,
                digits_string(&traj.stats.max_error_estimate, 3)
            );
            assert!(
                worst >= f64::from(digits),
                "{method:?} {tr:?}: only {worst} digits"
            );
        }
    }
}

/// On the invariant plane `ρ = 0` the one-loop flow is exactly solvable. With `v = ũS²`,
/// `d = β − α − c`: `v' = dv − v²`, so with `G(τ) = 1 + v₀(e^{dτ} − 1)/d` (`1 + v₀τ` if `d = 0`):
/// `S² = S₀² e^{(β−α)τ} G`, `ũ = ũ₀ e^{−cτ}/G²`, `A = A₀ G`.
fn rho_zero_closed_form(
    p: &FlowParams,
    u0: &Rational,
    s0: &Rational,
    tau: &Rational,
    prec: u32,
) -> [Float; 3] {
    let v0 = Rational::from(u0 * s0);
    let d = p.target_exponent() - p.c();
    let g = if d.is_zero() {
        Float::with_val(prec, Rational::from(&v0 * tau) + 1u32)
    } else {
        let e = Float::with_val(prec, exp_q(prec, &d, tau) - 1u32);
        Float::with_val(prec, e * Rational::from(&v0 / &d)) + 1u32
    };
    let s2 = Float::with_val(prec, exp_q(prec, &p.target_exponent(), tau) * s0) * &g;
    let g2 = Float::with_val(prec, g.square_ref());
    let u = Float::with_val(prec, exp_q(prec, &-p.c(), tau) * u0) / &g2;
    [u, s2, g]
}

#[test]
fn one_loop_on_rho_zero_plane_matches_logistic_closed_form() {
    let hp = 400;
    let cases = [
        // d = β − α − c = 1/10 − 5/4 ≠ 0
        (params(r(1, 5), r(3, 10), r(1, 8), 100), r(3, 10), r(2, 1)),
        // Figure 2 parameters: d = 0, G = 1 + v₀τ
        (FlowParams::figure2(100).expect("valid"), r(1, 2), r(3, 5)),
        // d = 5/2 > 0: G grows like e^{dτ}
        (params(r(1, 2), r(4, 1), r(0, 1), 10), r(1, 4), r(1, 3)),
        // negative coupling with d < 0: G stays above 1 − |v₀|/|d|
        (params(r(1, 5), r(3, 10), r(1, 8), 100), r(-1, 4), r(1, 2)),
    ];
    let outs: Vec<Rational> = vec![r(1, 2), r(1, 1), r(2, 1), r(3, 1)];
    for (p, u0, s0) in &cases {
        let opts = IntegratorOptions::new(Method::Fehlberg78, 30);
        let prec = opts.precision();
        let init = FlowState::from_rationals(u0, &Rational::new(), &Rational::from(1), s0, prec);
        let traj = integrate_flow(p, Truncation::OneLoop, &init, &Rational::new(), &outs, &opts)
            .expect("integrates");
        let mut worst = f64::INFINITY;
        for (pt, tau) in traj.outputs.iter().zip(&outs) {
            let [u, s2, a] = rho_zero_closed_form(p, u0, s0, tau, hp);
            assert!(pt.state.rho.is_zero());
            worst = worst
                .min(agree(&pt.state.u, &u))
                .min(agree(&pt.state.target2, &s2))
                .min(agree(&pt.state.amp, &a));
        }
        println!(
            "rho = 0 plane (alpha {}, beta {}, omega {}): {worst:.1} digits",
            p.alpha, p.beta, p.omega
        );
        assert!(worst >= 29.0, "only {worst} digits");
    }
}

#[test]
fn integrator_stalls_exactly_at_the_analytic_singularity() {
    // ρ = 0, ũ₀ = −1/4, S₀² = 1/3, α = 1/2, β = 4: v₀ = −1/12, d = 5/2, so G = 0 and ũ = ∞ at
    // τ* = ln(1 + d/|v₀|)/d = ln(31)/(5/2). The solver must stop there, not step across.
    let p = params(r(1, 2), r(4, 1), r(0, 1), 10);
    let opts = IntegratorOptions::new(Method::DormandPrince54, 10);
    let prec = opts.precision();
    let init = FlowState::from_rationals(&r(-1, 4), &Rational::new(), &Rational::from(1), &r(1, 3), prec);
    let err = integrate_flow(
        &p,
        Truncation::OneLoop,
        &init,
        &Rational::new(),
        &[r(3, 1)],
        &opts,
    )
    .expect_err("finite-time singularity");
    let FlowError::Integrate(IntegrateError::StepSizeUnderflow { tau, .. }) = err else {
        panic!("expected step-size underflow, got {err:?}")
    };
    let hp = 200;
    let stalled = Float::with_val(hp, Float::parse(&tau).expect("decimal"));
    let want = Float::with_val(hp, Float::with_val(hp, 31u32).ln() * r(2, 5));
    let digits = agree(&stalled, &want);
    println!(
        "singularity located to {digits:.1} digits (τ* = {})",
        digits_string(&want, 20)
    );
    // The blow-up time inherits the relative error of the state just before it (10 digits
    // asked), so it is located to about that accuracy and no better.
    assert!(digits >= 10.0, "{digits}");
}

/// The ũ equation alone with `ρ, S²` frozen is Bernoulli: `ũ' = −cũ − Bũ²` ⇒
/// `ũ(τ) = c ũ₀ e^{−cτ} / (c + Bũ₀(1 − e^{−cτ}))`. `B` is recomputed here from its definition in
/// exact arithmetic, independently of `pieces`, so a wrong loop coefficient fails this test.
#[test]
fn frozen_coefficient_u_equation_matches_bernoulli_solution() {
    let p = params(r(1, 5), r(3, 10), r(1, 4), 50);
    let (rho, s2, u0) = (r(1, 2), r(3, 10), r(4, 5));
    let one = Rational::from(1);
    let op = Rational::from(&one + &rho);
    let t = Rational::from(&rho / &op) + (&s2 / Rational::from(&op * &op));
    let b = Rational::from(&rho * &rho) / Rational::from(&op * &op)
        + Rational::from(2u32) * &s2 * &rho / (Rational::from(&op * &op) * &op)
        + Rational::from(2u32) * &t;
    let c = p.c();
    let outs: Vec<Rational> = vec![r(1, 3), r(1, 1), r(5, 2)];
    let hp = 400;
    for (method, digits) in [(Method::Fehlberg78, 32u32), (Method::DormandPrince54, 25)] {
        let opts = IntegratorOptions::new(method, digits);
        let prec = opts.precision().bits();
        let frozen = [
            Float::with_val(prec, &rho),
            Float::with_val(prec, 1u32),
            Float::with_val(prec, &s2),
        ];
        let rhs = |_t: &Float, y: &[Float]| {
            let g = [
                y[0].clone(),
                frozen[0].clone(),
                frozen[1].clone(),
                frozen[2].clone(),
            ];
            vec![beta_generic(&p, Truncation::OneLoop, &g).expect("off pole")[0].clone()]
        };
        let sol = integrate(rhs, &Rational::new(), &[Float::with_val(prec, &u0)], &outs, &opts).expect("ok");
        let mut worst = f64::INFINITY;
        for ((_, y), tau) in sol.outputs.iter().zip(&outs) {
            let e = exp_q(hp, &-c.clone(), tau);
            let num = Float::with_val(hp, &e * Rational::from(&c * &u0));
            let one_minus = Float::with_val(hp, 1u32 - &e);
            let den = Float::with_val(hp, one_minus * Rational::from(&b * &u0)) + &c;
            worst = worst.min(agree(&y[0], &Float::with_val(hp, num / den)));
        }
        println!(
            "Bernoulli {method:?}: {worst:.1} digits (asked {digits}), {} steps",
            sol.stats.accepted
        );
        assert!(worst >= f64::from(digits), "{method:?}: {worst}");
    }
}

#[test]
fn one_loop_invariants_hold_along_generic_trajectory() {
    // ρ e^{aτ}/A and S² e^{−(β−α)τ}/A are constant for any ũ: checks the coupled system
    // where no closed form exists.
    let p = params(r(1, 5), r(3, 10), r(0, 1), 1000);
    let (u0, rho0, s0) = (r(1, 2), r(3, 2), r(1, 3));
    let opts = IntegratorOptions::new(Method::Fehlberg78, 30);
    let prec = opts.precision();
    let init = FlowState::from_rationals(&u0, &rho0, &Rational::from(1), &s0, prec);
    let outs: Vec<Rational> = (1..=4).map(Rational::from).collect();
    let traj = integrate_flow(&p, Truncation::OneLoop, &init, &Rational::new(), &outs, &opts).expect("ok");
    let hp = 400;
    let mut worst = f64::INFINITY;
    for (pt, tau) in traj.outputs.iter().zip(&outs) {
        let i1 = Float::with_val(hp, &pt.state.rho * &exp_q(hp, &p.a(), tau)) / &pt.state.amp;
        let i2 =
            Float::with_val(hp, &pt.state.target2 * &exp_q(hp, &-p.target_exponent(), tau)) / &pt.state.amp;
        worst = worst
            .min(agree(&i1, &Float::with_val(hp, &rho0)))
            .min(agree(&i2, &Float::with_val(hp, &s0)));
        assert!(pt.state.amp > 1u32, "the tadpole grows A for ũT > 0");
    }
    println!("invariants: {worst:.1} digits");
    assert!(worst >= 30.0, "{worst}");
}

#[test]
fn backward_integration_returns_to_the_start() {
    let p = FlowParams::figure2(10).expect("valid");
    let opts = IntegratorOptions::new(Method::Fehlberg78, 30);
    let prec = opts.precision();
    let init = FlowState::from_rationals(&r(1, 10), &r(1, 1), &Rational::from(1), &r(1, 10), prec);
    let fwd = integrate_flow(
        &p,
        Truncation::OneLoop,
        &init,
        &Rational::new(),
        &[r(3, 1)],
        &opts,
    )
    .expect("ok");
    let back = integrate_flow(
        &p,
        Truncation::OneLoop,
        &fwd.outputs[0].state,
        &r(3, 1),
        &[r(3, 2), r(0, 1)],
        &opts,
    )
    .expect("ok");
    assert!(back.outputs[1].tau.is_zero());
    let end = &back.outputs[1].state;
    let worst = [
        agree(&end.u, &init.u),
        agree(&end.rho, &init.rho),
        agree(&end.amp, &init.amp),
        agree(&end.target2, &init.target2),
    ]
    .into_iter()
    .fold(f64::INFINITY, f64::min);
    println!("forward/backward round trip: {worst:.1} digits");
    assert!(worst >= 28.0, "{worst}");
}

fn observed_orders(method: Method, ns: &[u64]) -> Vec<f64> {
    let p = params(r(1, 5), r(3, 10), r(0, 1), 100);
    let prec = 320;
    let y0: Vec<Float> = [r(3, 5), r(1, 2), r(1, 1), r(1, 4)]
        .iter()
        .map(|q| Float::with_val(prec, q))
        .collect();
    let t1 = Rational::from(1);
    let reference = integrate_fixed(
        flow_rhs(&p, Truncation::OneLoop),
        Method::Fehlberg78,
        &Rational::new(),
        &y0,
        &t1,
        4096,
        Precision::from_bits(prec),
    )
    .expect("ok");
    let errs: Vec<Float> = ns
        .iter()
        .map(|&n| {
            let y = integrate_fixed(
                flow_rhs(&p, Truncation::OneLoop),
                method,
                &Rational::new(),
                &y0,
                &t1,
                n,
                Precision::from_bits(prec),
            )
            .expect("ok");
            y.iter()
                .zip(&reference)
                .map(|(a, b)| Float::with_val(prec, a - b).abs())
                .fold(Float::new(prec), |m, x| m.max(&x))
        })
        .collect();
    errs.windows(2)
        .map(|w| Float::with_val(prec, &w[0] / &w[1]).log2().to_f64())
        .collect()
}

#[test]
fn convergence_orders_are_five_and_eight() {
    let dp = observed_orders(Method::DormandPrince54, &[16, 32, 64, 128]);
    let f78 = observed_orders(Method::Fehlberg78, &[8, 16, 32, 64]);
    println!("observed orders DP5(4): {dp:?}; RKF7(8): {f78:?}");
    let last_dp = dp[dp.len() - 1];
    let last_f = f78[f78.len() - 1];
    assert!((4.7..5.3).contains(&last_dp), "DP order {last_dp}");
    assert!((7.6..8.4).contains(&last_f), "RKF78 order {last_f}");
}

#[test]
fn adaptive_error_scales_with_requested_digits() {
    // Each extra requested digit must buy accuracy: the achieved digits track the request.
    let p = params(r(1, 5), r(3, 10), r(0, 1), 1000);
    for digits in [10u32, 15, 20] {
        let opts = IntegratorOptions::new(Method::DormandPrince54, digits);
        let prec = opts.precision();
        let init = FlowState::from_rationals(&r(1, 2), &Rational::new(), &Rational::from(1), &r(1, 3), prec);
        let traj = integrate_flow(
            &p,
            Truncation::OneLoop,
            &init,
            &Rational::new(),
            &[r(2, 1)],
            &opts,
        )
        .expect("ok");
        let [u, _, _] = rho_zero_closed_form(&p, &r(1, 2), &r(1, 3), &r(2, 1), 300);
        let got = agree(&traj.outputs[0].state.u, &u);
        println!(
            "DP5(4) asked {digits}: got {got:.1} digits in {} steps",
            traj.stats.accepted
        );
        assert!(
            got >= f64::from(digits) && got <= f64::from(digits) + 9.0,
            "{digits}: {got}"
        );
        assert!(traj.stats.max_scaled_error <= 1u32);
    }
}

// -------------------------------------------------------------------------------------------
// Integrator errors
// -------------------------------------------------------------------------------------------

#[test]
fn integrator_reports_structured_errors() {
    let prec = IntegratorOptions::new(Method::DormandPrince54, 8)
        .precision()
        .bits();
    let decay = |_t: &Float, y: &[Float]| vec![Float::with_val(y[0].prec(), -&y[0])];
    let y0 = [Float::with_val(prec, 1u32)];
    // Step budget.
    let mut opts = IntegratorOptions::new(Method::DormandPrince54, 8);
    opts.max_steps = 5;
    match integrate(decay, &Rational::new(), &y0, &[r(100, 1)], &opts) {
        Err(IntegrateError::MaxSteps { steps: 5, .. }) => {}
        other => panic!("expected MaxSteps, got {other:?}"),
    }
    // Finite-time blow-up y' = y² from y(0) = 1 (singular at τ = 1).
    let opts = IntegratorOptions::new(Method::DormandPrince54, 8);
    let square = |_t: &Float, y: &[Float]| vec![Float::with_val(y[0].prec(), y[0].square_ref())];
    match integrate(square, &Rational::new(), &y0, &[r(2, 1)], &opts) {
        Err(IntegrateError::StepSizeUnderflow { tau, .. }) => {
            let t: f64 = tau.parse().expect("decimal");
            assert!((t - 1.0).abs() < 1e-6, "stalled at {t}");
        }
        other => panic!("expected StepSizeUnderflow, got {other:?}"),
    }
    // A right-hand side that turns NaN past τ = 1/2.
    let half = Float::with_val(prec, r(1, 2));
    let poisoned = |t: &Float, y: &[Float]| {
        if *t > half {
            vec![Float::with_val(prec, rug::float::Special::Nan)]
        } else {
            vec![Float::with_val(y[0].prec(), -&y[0])]
        }
    };
    match integrate(poisoned, &Rational::new(), &y0, &[r(1, 1)], &opts) {
        Err(IntegrateError::NonFinite { component: 0, tau }) => {
            let t: f64 = tau.parse().expect("decimal");
            assert!((t - 0.5).abs() < 1e-6, "stopped at {t}");
        }
        other => panic!("expected NonFinite, got {other:?}"),
    }
    // Non-finite start and malformed outputs.
    let nan = [Float::with_val(prec, rug::float::Special::Nan)];
    assert!(matches!(
        integrate(decay, &Rational::new(), &nan, &[r(1, 1)], &opts),
        Err(IntegrateError::NonFinite { .. })
    ));
    assert!(matches!(
        integrate(decay, &Rational::new(), &y0, &[r(2, 1), r(1, 1)], &opts),
        Err(IntegrateError::InvalidInput(_))
    ));
    assert!(matches!(
        integrate(decay, &Rational::new(), &y0, &[], &opts),
        Err(IntegrateError::InvalidInput(_))
    ));
    // The flow started on its pole ρ = −1.
    let p = FlowParams::figure2(10).expect("valid");
    let init = FlowState::from_rationals(
        &r(1, 10),
        &r(-1, 1),
        &r(1, 1),
        &r(1, 10),
        Precision::from_bits(prec),
    );
    assert!(matches!(
        integrate_flow(
            &p,
            Truncation::OneLoop,
            &init,
            &Rational::new(),
            &[r(1, 1)],
            &opts
        ),
        Err(FlowError::Integrate(IntegrateError::NonFinite { .. }))
    ));
    assert!(matches!(
        beta_functions(&p, Truncation::OneLoop, &init, Precision::from_bits(prec)),
        Err(FlowError::Pole)
    ));
}

#[test]
fn outputs_include_start_and_all_accepted_steps_are_recorded() {
    let p = FlowParams::figure2(10).expect("valid");
    let opts = IntegratorOptions::new(Method::DormandPrince54, 12);
    let prec = opts.precision();
    let init = FlowState::from_rationals(&r(1, 10), &r(1, 1), &Rational::from(1), &r(1, 10), prec);
    let outs = [r(0, 1), r(1, 3), r(1, 1)];
    let traj = integrate_flow(&p, Truncation::OneLoop, &init, &Rational::new(), &outs, &opts).expect("ok");
    assert_eq!(traj.outputs.len(), 3);
    assert_eq!(traj.outputs[0].state, init);
    assert_eq!(traj.steps.len() as u64, traj.stats.accepted + 1);
    assert!(traj.steps.windows(2).all(|w| w[1].tau > w[0].tau));
    assert!(traj.outputs[1].tau == Float::with_val(prec.bits(), r(1, 3)));
    assert!(traj.stats.max_scaled_error <= 1u32 && traj.stats.max_error_estimate.is_finite());
}

// -------------------------------------------------------------------------------------------
// Beta functions, stability matrix
// -------------------------------------------------------------------------------------------

#[test]
fn beta_functions_agree_exactly_with_the_note() {
    // Written out once more from the note in exact arithmetic at a rational point.
    let p = params(r(1, 5), r(3, 10), r(1, 4), 100);
    let (u, rho, amp, s2) = (r(2, 7), r(3, 5), r(5, 4), r(1, 9));
    let op = Rational::from(&rho + 1u32);
    let t = Rational::from(&rho / &op) + (&s2 / Rational::from(&op * &op));
    let br = Rational::from(&rho * &rho) / Rational::from(&op * &op)
        + Rational::from(2u32) * &s2 * &rho / (Rational::from(&op * &op) * &op)
        + Rational::from(2u32) * &t;
    let ut = Rational::from(&u * &t);
    let want = [
        -Rational::from(&p.c() * &u) - Rational::from(&u * &u) * &br,
        (&rho * Rational::from(&ut - &p.a())),
        Rational::from(&amp * &ut),
        (&s2 * Rational::from(&p.target_exponent() + &ut)),
    ];
    let got = beta_exact(
        &p,
        Truncation::OneLoop,
        &[u.clone(), rho.clone(), amp.clone(), s2.clone()],
    )
    .expect("ok");
    assert_eq!(got, want);
    let tree = beta_exact(
        &p,
        Truncation::TreeLevel,
        &[u.clone(), rho.clone(), amp.clone(), s2.clone()],
    )
    .expect("ok");
    assert_eq!(
        tree,
        [
            -Rational::from(&p.c() * &u),
            -Rational::from(&p.a() * &rho),
            Rational::new(),
            Rational::from(&p.target_exponent() * &s2)
        ]
    );
    // The MPFR path is the same formula rounded.
    let prec = Precision::from_bits(300);
    let st = FlowState::from_rationals(&u, &rho, &amp, &s2, prec);
    let f = beta_functions(&p, Truncation::OneLoop, &st, prec).expect("ok");
    for (x, q) in f.to_vec().iter().zip(&want) {
        assert!(agree(x, &Float::with_val(prec.bits(), q)) > 85.0);
    }
}

#[test]
fn analytic_stability_matrix_matches_central_differences() {
    let p = params(r(1, 5), r(3, 10), r(1, 4), 100);
    let prec = 600;
    let point = [r(2, 7), r(3, 5), r(5, 4), r(1, 9)];
    let h = Rational::from((Integer::from(1), Integer::from(1) << 120u32));
    for tr in [Truncation::OneLoop, Truncation::TreeLevel] {
        let exact = stability_matrix_generic(&p, tr, &point).expect("ok");
        let g: [Float; 4] = point.clone().map(|q| Float::with_val(prec, q));
        let m = stability_matrix_generic(&p, tr, &g).expect("ok");
        for j in 0..4 {
            let mut plus = point.clone();
            let mut minus = point.clone();
            plus[j] += &h;
            minus[j] -= &h;
            let bp = beta_exact(&p, tr, &plus).expect("ok");
            let bm = beta_exact(&p, tr, &minus).expect("ok");
            for i in 0..4 {
                let fd = Rational::from(&bp[i] - &bm[i]) / Rational::from(&h * 2u32);
                let diff = Float::with_val(prec, Rational::from(&fd - &exact[i][j])).abs();
                // Central differences err by O(h²) = O(2^{-240}).
                assert!(
                    diff < pow2(prec, -200),
                    "{tr:?} ∂β_{i}/∂g_{j}: {}",
                    digits_string(&diff, 5)
                );
                assert!(
                    agree(&m[i][j], &Float::with_val(prec, &exact[i][j])) > 170.0 || exact[i][j].is_zero()
                );
            }
        }
    }
}

// -------------------------------------------------------------------------------------------
// Nullclines
// -------------------------------------------------------------------------------------------

#[test]
fn nullclines_zero_the_right_beta_function_exactly() {
    let p = FlowParams::figure2(10).expect("valid");
    let s2 = r(3, 7);
    for rho in [r(1, 10), r(1, 2), r(1, 1), r(5, 2)] {
        let ur = r_nullcline_at(&p, &s2, &rho).expect("T > 0");
        let b = beta_exact(
            &p,
            Truncation::OneLoop,
            &[ur.clone(), rho.clone(), r(1, 1), s2.clone()],
        )
        .expect("ok");
        assert!(b[1].is_zero(), "dρ/dτ on the r-nullcline");
        assert!(ur > 0u32);
        let uu = u_nullcline_at(&p, &s2, &rho).expect("B > 0");
        let b = beta_exact(
            &p,
            Truncation::OneLoop,
            &[uu.clone(), rho.clone(), r(1, 1), s2.clone()],
        )
        .expect("ok");
        assert!(b[0].is_zero(), "dũ/dτ on the ũ-nullcline");
        assert!(uu < 0u32, "the ũ ≠ 0 branch lies at negative ũ for c > 0");
    }
    // MPFR slice version at τ = 2: S² = e^{2}/10.
    let prec = 256;
    let precision = Precision::from_bits(prec);
    let tau = r(2, 1);
    let rho = Float::with_val(prec, r(3, 4));
    let u = r_nullcline(&p, &tau, &rho, precision).expect("ρ > 0");
    let st = FlowState::on_slice(&p, &tau, &u, &rho, precision);
    let want_s2 = Float::with_val(prec, exp_q(prec, &r(2, 1), &Rational::from(1)) / 10u32);
    assert!(agree(&st.target2, &want_s2) > 75.0);
    let b = beta_functions(&p, Truncation::OneLoop, &st, precision).expect("ok");
    assert!(Float::with_val(prec, b.rho.abs_ref()) < pow2(prec, -240));
    assert!(r_nullcline(&p, &tau, &Float::new(prec), precision).is_none());
}

// -------------------------------------------------------------------------------------------
// Fixed points and linearization
// -------------------------------------------------------------------------------------------

#[test]
fn fixed_points_are_the_gp_and_the_exact_nontrivial_point() {
    for omega in [r(0, 1), r(1, 4)] {
        let p = params(r(1, 5), r(6, 5), omega, 10);
        let prec = Precision::from_bits(256);
        let fps = find_fixed_points(&p, Truncation::OneLoop, &FixedPointSearch::default(), prec).expect("ok");
        let (a, c) = (p.a(), p.c());
        let two_a_c = Rational::from(&a * 2u32) + &c;
        let three_a_c = Rational::from(&a * 3u32) + &c;
        // ρ* = −(2a+c)/(3a+c), ũ* = −a²/(2a+c): the unique solution with ρ ≠ 0.
        let rho_star = -Rational::from(&two_a_c / &three_a_c);
        let u_star = -Rational::from(&a * &a) / &two_a_c;
        let want = [[u_star, rho_star], [Rational::new(), Rational::new()]];
        assert_eq!(fps.len(), 2, "{fps:?}");
        for (fp, w) in fps.iter().zip(&want) {
            assert_eq!(fp.exact.as_ref(), Some(w), "ω = {}", p.omega);
            assert!(fp.residual.is_zero());
        }
        println!(
            "ω = {}: fixed points {:?} (basin starts {:?})",
            p.omega,
            fps.iter().map(|f| f.exact.clone()).collect::<Vec<_>>(),
            fps.iter().map(|f| f.basin_starts).collect::<Vec<_>>()
        );
    }
}

#[test]
fn gp_fixed_point_has_exact_eigenvalues() {
    for omega in [r(0, 1), r(1, 4), r(-1, 10)] {
        let p = params(r(1, 5), r(6, 5), omega, 10);
        let prec = Precision::from_bits(256);
        // The GP as found by the grid Newton search, not constructed by hand.
        let fps = find_fixed_points(&p, Truncation::OneLoop, &FixedPointSearch::default(), prec).expect("ok");
        let gp = fps
            .iter()
            .find(|f| f.u.is_zero() && f.rho.is_zero())
            .expect("GP found")
            .clone();
        assert_eq!(gp.exact, Some([Rational::new(), Rational::new()]));
        let lin = linearize(&p, Truncation::OneLoop, &gp, false, prec).expect("ok");
        let mut got: Vec<Rational> = lin
            .eigenvalues
            .iter()
            .map(|e| match &e.enclosure {
                Enclosure::Exact(q) => q.clone(),
                other => panic!("GP eigenvalue not exact: {other:?}"),
            })
            .collect();
        got.sort();
        let mut want = vec![-p.c(), -p.a()];
        want.sort();
        assert_eq!(got, want);
        assert!(
            lin.eigenvalues
                .iter()
                .all(|e| e.direction == Direction::Irrelevant && e.isolated)
        );
        // With the target weight: the extra exponent β − α = 1 is relevant.
        let lin3 = linearize(&p, Truncation::OneLoop, &gp, true, prec).expect("ok");
        let relevant: Vec<_> = lin3
            .eigenvalues
            .iter()
            .filter(|e| e.direction == Direction::Relevant)
            .collect();
        assert_eq!(relevant.len(), 1);
        assert_eq!(relevant[0].enclosure, Enclosure::Exact(p.target_exponent()));
        let v = relevant[0].eigenvector.as_ref().expect("real");
        assert!(v[2] > 0.9, "relevant direction is S²-dominated: {v:?}");
    }
}

#[test]
fn nontrivial_fixed_point_eigenvalues_are_certified() {
    let p = FlowParams::figure2(10).expect("valid");
    let prec = Precision::from_bits(256);
    let fps = find_fixed_points(&p, Truncation::OneLoop, &FixedPointSearch::default(), prec).expect("ok");
    let fp = fps.iter().find(|f| f.rho < 0u32).expect("nontrivial point");
    let lin = linearize(&p, Truncation::OneLoop, fp, false, prec).expect("ok");
    assert!(lin.point_exact);
    // Independent check: eigenvalues of a 2×2 from tr and det, at 600 bits.
    let m = &lin.matrix;
    let tr = Rational::from(&m[0][0] + &m[1][1]);
    let det = Rational::from(&m[0][0] * &m[1][1]) - Rational::from(&m[0][1] * &m[1][0]);
    let disc = Rational::from(&tr * &tr) - Rational::from(&det * 4u32);
    assert!(disc > 0u32, "saddle with real eigenvalues");
    let hp = 600;
    let sq = Float::with_val(hp, &disc).sqrt();
    let roots = [
        Float::with_val(hp, &tr - &sq) / 2u32,
        Float::with_val(hp, &tr + &sq) / 2u32,
    ];
    let mut dirs = Vec::new();
    for e in &lin.eigenvalues {
        let Enclosure::Interval { lo, hi } = &e.enclosure else {
            panic!("irrational eigenvalue should get an interval: {:?}", e.enclosure)
        };
        let inside = roots
            .iter()
            .filter(|x| **x >= Float::with_val(hp, lo) && **x <= Float::with_val(hp, hi))
            .count();
        assert_eq!(inside, 1);
        let width = Float::with_val(hp, e.enclosure.width());
        assert!(
            width < pow2(hp, -230),
            "tight enclosure: {}",
            digits_string(&width, 3)
        );
        assert!(e.isolated);
        dirs.push(e.direction);
        println!(
            "nontrivial FP eigenvalue {} ± {}",
            digits_string(&e.re, 40),
            digits_string(&width, 2)
        );
    }
    dirs.sort_by_key(|d| *d as u8);
    assert_eq!(dirs, vec![Direction::Relevant, Direction::Irrelevant]);
}

#[test]
fn eigen_enclosures_handle_complex_irrational_and_repeated_roots() {
    let prec = Precision::from_bits(256);
    let hp = 600;
    // −1 ± i√6
    let m = vec![vec![r(-1, 1), r(-2, 1)], vec![r(3, 1), r(-1, 1)]];
    let e = eigen_enclosures(&m, prec).expect("ok");
    let sqrt6 = Float::with_val(hp, 6u32).sqrt();
    for ev in &e {
        let Enclosure::Disc { re, im, radius } = &ev.enclosure else {
            panic!("complex root needs a disc")
        };
        let dre = Float::with_val(hp, Rational::from(re + 1u32));
        let dim = Float::with_val(hp, im.clone().abs()) - &sqrt6;
        let dist = Float::with_val(hp, dre.hypot(&dim));
        assert!(dist <= Float::with_val(hp, radius), "true root outside disc");
        assert!(Float::with_val(hp, radius) < pow2(hp, -230));
        assert_eq!(ev.direction, Direction::Irrelevant);
        assert!(ev.isolated);
    }
    // ±√2: one relevant, one irrelevant.
    let m = vec![vec![r(0, 1), r(2, 1)], vec![r(1, 1), r(0, 1)]];
    let e = eigen_enclosures(&m, prec).expect("ok");
    let mut d: Vec<_> = e.iter().map(|x| x.direction as u8).collect();
    d.sort();
    assert_eq!(d, vec![Direction::Relevant as u8, Direction::Irrelevant as u8]);
    // Jordan block: exact double root 2, enclosures coincide so neither is isolated.
    let m = vec![vec![r(2, 1), r(1, 1)], vec![r(0, 1), r(2, 1)]];
    let e = eigen_enclosures(&m, prec).expect("ok");
    assert!(
        e.iter()
            .all(|x| x.enclosure == Enclosure::Exact(r(2, 1)) && !x.isolated)
    );
    // Exact zero eigenvalue is marginal.
    let m = vec![vec![r(0, 1), r(1, 1)], vec![r(0, 1), r(-3, 1)]];
    let e = eigen_enclosures(&m, prec).expect("ok");
    assert!(e.iter().any(|x| x.direction == Direction::Marginal));
}

// -------------------------------------------------------------------------------------------
// Output
// -------------------------------------------------------------------------------------------

#[test]
fn csv_and_table_round_trip_the_outputs() {
    let p = FlowParams::figure2(100).expect("valid");
    let opts = IntegratorOptions::new(Method::Fehlberg78, 25);
    let prec = opts.precision();
    let init = FlowState::bare(&p, &r(1, 20), &r(50, 1), prec).expect("ok");
    // Bare state: ρ = N^a/x, S² = N^{α−β} = 1/100 exactly for β = 1 + α.
    assert!(init.target2 == Float::with_val(prec.bits(), r(1, 100)));
    let outs = [r(0, 1), r(1, 1), r(2, 1), r(3, 1)];
    let traj = integrate_flow(&p, Truncation::OneLoop, &init, &Rational::new(), &outs, &opts).expect("ok");
    let csv = traj.to_csv(20);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], CSV_HEADER);
    assert_eq!(lines.len(), outs.len() + 1);
    for (line, pt) in lines[1..].iter().zip(&traj.outputs) {
        let cols: Vec<&str> = line.split(',').collect();
        assert_eq!(cols.len(), 10);
        let read = |s: &str| Float::with_val(prec.bits(), Float::parse(s).expect("decimal"));
        assert!(agree(&read(cols[1]), &pt.state.u) > 19.0);
        assert!(agree(&read(cols[2]), &pt.state.rho) > 19.0);
        // s ≡ 1 for β = 1 + α.
        assert!(agree(&read(cols[5]), &Float::with_val(prec.bits(), 1u32)) > 19.0);
        // x = P/r is invariant under the one-loop flow.
        assert!(
            agree(&read(cols[9]), &Float::with_val(prec.bits(), 50u32)) > 19.0,
            "{}",
            cols[9]
        );
    }
    // At τ = 0: U is recovered from ũ.
    let d0 = derived(&p, &traj.outputs[0].tau, &traj.outputs[0].state, prec);
    assert!(agree(&d0.coupling, &Float::with_val(prec.bits(), r(1, 20))) > 70.0);
    assert!(agree(&d0.cutoff, &Float::with_val(prec.bits(), 100u32)) > 70.0);
    let table = traj.table(12);
    assert_eq!(table.rows.len(), 4);
    assert_eq!(table.alpha, "1/5");
    assert_eq!(table.rows[1].tau, "1.00000000000e0");
    fn is_serde<T: serde::Serialize + for<'de> serde::Deserialize<'de>>(_: &T) {}
    is_serde(&table);
}

// -------------------------------------------------------------------------------------------
// The line of fixed points at ω = −1/2 (c = 0)
// -------------------------------------------------------------------------------------------

/// `det(μI − M)` of `μ (μ + a)(μ − γ)` expanded by hand: `μ³ + (a − γ)μ² − aγ μ`.
fn line_char_poly(a: &Rational, gamma: &Rational) -> Vec<Rational> {
    vec![
        Rational::new(),
        -Rational::from(a * gamma),
        Rational::from(a - gamma),
        Rational::from(1),
    ]
}

#[test]
fn omega_minus_half_has_one_exact_fixed_line_and_one_isolated_point() {
    // (α, β): the shipped example (β − α = 1/10 > 0), one with β − α < 0 and one with β = α
    // (then the transverse S² eigenvalue is a second exact zero).
    for (alpha, beta) in [(r(1, 5), r(3, 10)), (r(1, 2), r(1, 4)), (r(1, 3), r(1, 3))] {
        let p = params(alpha, beta, r(-1, 2), 200);
        assert!(p.c().is_zero());
        let (a, gamma) = (p.a(), p.target_exponent());
        let prec = Precision::from_bits(200);
        let set = find_fixed_set(&p, Truncation::OneLoop, &FixedPointSearch::default(), prec).expect("ok");
        assert_eq!(set.lines.len(), 1, "{set:?}");
        let line = &set.lines[0];
        assert!(line.rho.is_zero());
        assert_eq!(line.parametrisation(), "ρ = 0, S² = 0, ũ ∈ ℝ");
        assert_eq!(line.physical_part(), "ũ ≥ 0");
        assert_eq!(line.verified_at.len(), LINE_BETA_DEGREE + 1);
        // Newton starts that ran onto the line were absorbed, not reported as points.
        assert!(line.basin_starts > 0, "{line:?}");
        // The only other fixed point (module docs, c = 0): ρ* = −2/3, ũ* = −a/2, exactly.
        assert_eq!(set.points.len(), 1, "{:?}", set.points);
        let want = [-Rational::from(&a / 2u32), r(-2, 3)];
        assert_eq!(set.points[0].exact.as_ref(), Some(&want));
        assert!(
            find_fixed_points(&p, Truncation::OneLoop, &FixedPointSearch::default(), prec)
                .expect("ok")
                .iter()
                .all(|fp| !fp.rho.is_zero())
        );

        // The stability matrix along the line, derived by hand from the beta functions at
        // ρ = S² = 0 (T = B = 0, ∂T/∂ρ = ∂T/∂S² = 1, ∂B/∂ρ = ∂B/∂S² = 2):
        // [[−c, −2ũ², −2ũ²], [0, −a, 0], [0, 0, β − α]] with c = 0.
        for u in [r(0, 1), r(7, 3), r(-5, 2), r(1000, 1)] {
            let m =
                stability_matrix_generic(&p, Truncation::OneLoop, &[u.clone(), r(0, 1), r(1, 1), r(0, 1)])
                    .expect("no pole");
            let u2 = Rational::from(&u * &u) * 2u32;
            assert_eq!(m[0][0], Rational::new());
            assert_eq!(m[0][1], -u2.clone());
            assert_eq!(m[0][3], -u2);
            assert_eq!(m[1], [r(0, 1), -a.clone(), r(0, 1), r(0, 1)]);
            assert_eq!(m[3], [r(0, 1), r(0, 1), r(0, 1), gamma.clone()]);
            // β vanishes at these points too, beyond the three the detector used.
            let b = beta_exact(&p, Truncation::OneLoop, &[u, r(0, 1), r(1, 1), r(0, 1)]).expect("ok");
            assert!(b.iter().all(Rational::is_zero));
        }

        let lin = linearize_line(&p, Truncation::OneLoop, line, true, prec).expect("ok");
        assert_eq!(lin.sampled_at.len(), LINE_SAMPLES);
        assert_eq!(lin.characteristic_polynomial, line_char_poly(&a, &gamma));
        let exact: Vec<Rational> = lin
            .eigenvalues
            .iter()
            .map(|e| match &e.enclosure {
                Enclosure::Exact(q) => q.clone(),
                other => panic!("line eigenvalue not exact: {other:?}"),
            })
            .collect();
        let mut got = exact.clone();
        got.sort();
        let mut want = vec![Rational::new(), -a.clone(), gamma.clone()];
        want.sort();
        assert_eq!(got, want);
        assert!(exact[lin.tangent].is_zero());
        assert_eq!(lin.eigenvalues[lin.tangent].direction, Direction::Marginal);
        assert_eq!(
            lin.eigenvalues[lin.tangent].eigenvector.as_deref(),
            Some(&[1.0, 0.0, 0.0][..])
        );
        for (e, q) in lin.eigenvalues.iter().zip(&exact) {
            let want = match q.cmp0() {
                std::cmp::Ordering::Greater => Direction::Relevant,
                std::cmp::Ordering::Less => Direction::Irrelevant,
                std::cmp::Ordering::Equal => Direction::Marginal,
            };
            assert_eq!(e.direction, want, "eigenvalue {q}");
        }
        // Without S²: the (ũ, ρ) block, μ(μ + a).
        let lin2 = linearize_line(&p, Truncation::OneLoop, line, false, prec).expect("ok");
        assert_eq!(lin2.characteristic_polynomial, vec![r(0, 1), a.clone(), r(1, 1)]);
        // Tree level has the same line (dũ = −cũ = 0, dρ = −aρ).
        assert!(fixed_line(&p, Truncation::TreeLevel).expect("ok").is_some());
    }
}

#[test]
fn away_from_omega_minus_half_fixed_points_are_isolated() {
    // c = 1 + 2ω ≠ 0: no line, and each fixed point has a nonsingular (ũ, ρ) Jacobian, which by
    // the inverse function theorem makes it isolated; the points are the closed forms of the
    // module docs: (0, 0) and ρ* = −(c+2a)/(c+3a), ũ* = −a²/(c+2a).
    for omega in [
        r(0, 1),
        r(1, 4),
        r(-1, 10),
        r(-3, 4),
        r(-1, 1),
        r(-1, 2) + r(1, 1000),
    ] {
        let p = params(r(1, 5), r(3, 10), omega, 50);
        let (a, c) = (p.a(), p.c());
        assert!(!c.is_zero());
        assert!(fixed_line(&p, Truncation::OneLoop).expect("ok").is_none());
        assert!(fixed_line(&p, Truncation::TreeLevel).expect("ok").is_none());
        let prec = Precision::from_bits(200);
        let set = find_fixed_set(&p, Truncation::OneLoop, &FixedPointSearch::default(), prec).expect("ok");
        assert!(set.lines.is_empty());
        let c2a = &c + Rational::from(&a * 2u32);
        let c3a = &c + Rational::from(&a * 3u32);
        let mut want = vec![
            [Rational::new(), Rational::new()],
            [-Rational::from(&a * &a) / &c2a, -Rational::from(&c2a / &c3a)],
        ];
        want.sort_by(|x, y| x[1].cmp(&y[1]));
        let got: Vec<[Rational; 2]> = set
            .points
            .iter()
            .map(|f| f.exact.clone().expect("exact"))
            .collect();
        assert_eq!(got, want, "ω = {}", p.omega);
        for [u, rho] in &got {
            let m = stability_matrix_generic(
                &p,
                Truncation::OneLoop,
                &[u.clone(), rho.clone(), r(1, 1), r(0, 1)],
            )
            .expect("no pole");
            let det = Rational::from(&m[0][0] * &m[1][1]) - Rational::from(&m[0][1] * &m[1][0]);
            assert!(!det.is_zero(), "singular Jacobian at ({u}, {rho})");
        }
        // The reduction c T + a B = ρ[(c + 2a) + (c + 3a)ρ]/(1+ρ)² at S² = 0, checked through the
        // code's beta functions: at ũ = a/T (so dρ/dτ = 0), dũ/dτ = −(a/T²)(cT + aB).
        for rho in [r(1, 3), r(5, 2), r(-1, 2)] {
            let t = &rho / (Rational::from(1) + &rho);
            let u = Rational::from(&a / &t);
            let b = beta_exact(&p, Truncation::OneLoop, &[u, rho.clone(), r(1, 1), r(0, 1)]).expect("ok");
            let one_p = Rational::from(1) + &rho;
            let reduced = (&rho * (Rational::from(&c3a * &rho) + &c2a)) / Rational::from(&one_p * &one_p);
            let want = -(&a / Rational::from(&t * &t)) * reduced;
            assert!(b[1].is_zero());
            assert_eq!(b[0], want, "ρ = {rho}");
        }
    }
}
