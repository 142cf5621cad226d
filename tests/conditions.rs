//! The conditions pipeline end to end on runs the trainer produces and on files a foreign writer
//! (NumPy) produced. In-process: the symbolic engine is not involved here at all.

use renorm::conditions::{ConditionsSpec, evaluate};
use renorm::rundata::read_npz;
use renorm::shells::{ShellOptions, analyze};
use renorm::train::{Arch, TrainConfig, train};

fn small(arch: Arch, lr: f64, steps: usize) -> TrainConfig {
    TrainConfig {
        arch,
        depth: 3,
        width: 12,
        input_dim: 4,
        samples: 24,
        steps,
        learning_rate: lr,
        checkpoints: steps + 1,
        seed: 5,
        save_jacobian: false,
        lambda_dt_target: None,
    }
}

#[test]
fn lemma_1_holds_on_trainer_output_to_first_order_in_the_step() {
    // Gradient descent follows the flow ė = −M e up to O(η); halving η must halve the balance
    // residual, and the transfers must sum to zero to rounding at every checkpoint.
    let coarse = train(&small(Arch::Residual, 2e-3, 100), None).unwrap();
    let fine = train(&small(Arch::Residual, 1e-3, 200), None).unwrap();
    let b_coarse = analyze(&coarse, &ShellOptions::default()).balance(&coarse.times);
    let b_fine = analyze(&fine, &ShellOptions::default()).balance(&fine.times);
    assert!(b_fine.checkpoints_used > 100, "{b_fine:?}");
    assert!(b_fine.relative_residual < 0.05, "{b_fine:?}");
    let ratio = b_coarse.relative_residual / b_fine.relative_residual;
    assert!(
        (1.5..2.6).contains(&ratio),
        "residual ratio {ratio}: {b_coarse:?} {b_fine:?}"
    );
    assert!(b_fine.transfer_sum < 1e-10, "{b_fine:?}");
}

#[test]
fn every_rule_reports_numbers_and_failed_premises_are_not_established() {
    let run = train(&small(Arch::Plain, 2e-3, 120), None).unwrap();
    let r = evaluate(&run, "trained", &ConditionsSpec::default());
    for name in ["C1", "C2", "C3", "C4", "closure", "R", "PL_weak", "PL"] {
        let m = &r.rules[name];
        assert!(
            ["holds", "fails", "not established"].contains(&m.status.as_str()),
            "{name}: {m:?}"
        );
    }
    for name in ["C1", "C2", "C3", "C4"] {
        assert!(r.rules[name].value.is_some(), "{name} has no value");
    }
    // Conclusions are never "fails": the conditions are sufficient, not necessary.
    for name in ["R", "PL_weak", "PL"] {
        assert_ne!(r.rules[name].status, "fails", "{name}");
    }
    // Without a declared scale-free flow, PL cannot be established.
    assert_eq!(r.rules["PL"].status, "not established");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["schema"], "renorm.conditions/1");
    for field in ["status", "value", "interval", "threshold"] {
        assert!(json["rules"]["C4"].get(field).is_some(), "{field}");
    }
}

#[test]
fn numpy_written_runs_are_analysed() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/rundata/small_run.npz"
    );
    let run = read_npz(std::path::Path::new(path)).unwrap();
    let r = evaluate(&run, path, &ConditionsSpec::default());
    assert_eq!(r.checkpoints, 4);
    assert_eq!(r.samples, 6);
    assert!(r.rules["C1"].value.is_some(), "the fixture has layer norms");
}

// ---------------------------------------------------------------------------------------------
// C2 (docs/theory.md §2.8, size-aware) and the criteria that decide each rule, on synthetic runs whose
// numbers are worked out by hand below.

use nalgebra::{DMatrix, DVector};
use renorm::conditions::{CriterionStatus, report, text_report};
use renorm::report::Format;
use renorm::rundata::RunData;

/// A run whose `M(t_0)` is diagonal with the eigenvalues `lambda` (ascending), residual all ones,
/// and `Ṁ` chosen so that the C2 terms are `x_kj = coupling(k, j)` for modes `k < j`: the
/// eigenvectors are `±e_k`, `a_k = ±1`, and `x_kj = A_kj a_k a_j = Ṁ_jk / (λ_k − λ_j)` (the signs
/// cancel), so `Ṁ_jk = x_kj (λ_k − λ_j)`. `M(t) = M(t_0) + ε t X` at `t = 0, 1, 2` (linear in `t`:
/// the one- and two-checkpoint forward differences agree).
fn synthetic_run(lambda: &[f64], coupling: impl Fn(usize, usize) -> f64) -> RunData {
    let n = lambda.len();
    let eps = 1e-3;
    let m0 = DMatrix::from_diagonal(&DVector::from_column_slice(lambda));
    let mut x = DMatrix::zeros(n, n);
    for k in 0..n {
        for j in k + 1..n {
            let v = coupling(k, j) * (lambda[k] - lambda[j]);
            x[(j, k)] = v;
            x[(k, j)] = v;
        }
    }
    let times = vec![0.0, 1.0, 2.0];
    RunData {
        gram: times.iter().map(|t| &m0 + &x * (eps * t)).collect(),
        residual: times.iter().map(|_| DVector::from_element(n, 1.0)).collect(),
        times,
        layer_jacobian_norms: None,
        jacobian: None,
    }
}

/// Shells of width h = 1 in ln λ: 0 = [1, e), 1 = [e, e²), 2 = [e², e³), 3 = [e³, e⁴), 4 = [e⁴, e⁵).
/// Modes 0–1 in shell 0, 2–3 in shell 1, 4–6 in shell 2, 7 in shell 3, 8 in shell 4.
const NINE_MODES: [f64; 9] = [1.2, 1.6, 3.0, 5.0, 8.0, 10.0, 15.0, 30.0, 60.0];

fn shell_of_nine(k: usize) -> usize {
    [0, 0, 1, 1, 2, 2, 2, 3, 4][k]
}

#[test]
fn c2_is_measured_where_the_old_statistic_was_identically_one() {
    // Shell pairs and N_αβ: (0,1) 4, (0,2) 6, (1,2) 6 qualify; (0,3) 2, (1,3) 2, (2,3) 3, (0,4) 2,
    // (1,4) 2, (2,4) 3, (3,4) 1 are excluded (7 pairs). The single mode pair of (3,4) made the old
    // statistic max |Σx|/(√N‖x‖) = |5|/(1·5) = 1 > 0.3: the old C2 could only fail here.
    let run = synthetic_run(&NINE_MODES, |k, j| match (k, j) {
        // (0,1): x = 2, 1, 1, −1 → Σx = 3, Σx² = 7, z² = 9/7, c = (9/7 − 1)/3 = 2/21.
        (0, 2) => 2.0,
        (0, 3) | (1, 2) => 1.0,
        (1, 3) => -1.0,
        // (0,2): alternating ±1 → Σx = 0, z² = 0, c = max(0, −1/5) = 0.
        (0, 4) | (0, 6) | (1, 5) => 1.0,
        (0, 5) | (1, 4) | (1, 6) => -1.0,
        // (1,2): five +1 and one −1 → Σx = 4, Σx² = 6, z² = 8/3, c = (8/3 − 1)/5 = 1/3.
        (3, 6) => -1.0,
        (2..=3, 4..=6) => 1.0,
        // Excluded pairs: (2,3) and (3,4) carry couplings that must not enter η.
        (4..=6, 7) => 1.0,
        (7, 8) => 5.0,
        _ => 0.0,
    });
    let r = evaluate(&run, "synthetic", &ConditionsSpec::default());
    let c2 = &r.rules["C2"];
    // η = (4·2/21 + 6·0 + 6·1/3) / (4 + 6 + 6) = (50/21)/16 = 25/168.
    let expected = 25.0 / 168.0;
    let eta = c2.value.expect("three shell pairs qualify");
    assert!(
        (eta - expected).abs() < 1e-9,
        "η = {eta}, expected 25/168 = {expected}"
    );
    assert_eq!(c2.status, "holds", "{c2:?}");
    let [lo, hi] = c2.interval.expect("two forward differences");
    assert!(
        (lo - expected).abs() < 1e-9 && (hi - expected).abs() < 1e-9,
        "{lo} {hi}"
    );
    assert_eq!(c2.excluded.len(), 1, "{:?}", c2.excluded);
    assert_eq!(c2.excluded[0].count, 7);
    assert_eq!(c2.excluded[0].what, "shell pairs");
    assert!(
        c2.excluded[0].reason.contains("fewer than 4 mode pairs"),
        "{:?}",
        c2.excluded
    );
    assert!(
        c2.detail.contains("over 3 shell pairs (16 mode pairs)"),
        "{}",
        c2.detail
    );
    assert_eq!(c2.decided_by, ["η (coherence fraction)"]);
    let text = text_report(&r);
    assert!(
        text.contains("excluded: 7 shell pairs: fewer than 4 mode pairs"),
        "{text}"
    );
    // The shell assignment the hand computation relies on.
    let shells: Vec<usize> = NINE_MODES.iter().map(|l| l.ln().floor() as usize).collect();
    assert_eq!(shells, (0..9).map(shell_of_nine).collect::<Vec<_>>());
}

#[test]
fn c2_fails_on_coherent_couplings_and_counts_the_excluded_pairs() {
    // Shell 0: modes 0–3, shell 1: mode 4, shell 2: mode 5, shell 3: modes 6–9. Pairs and N_αβ:
    // (0,1) 4, (0,2) 4, (0,3) 16, (1,3) 4, (2,3) 4 qualify; (1,2) has N = 1 and is excluded.
    let lambda = [1.1, 1.3, 1.5, 1.7, 4.0, 12.0, 22.0, 28.0, 35.0, 45.0];
    let shells: Vec<i64> = lambda.iter().map(|l: &f64| l.ln().floor() as i64).collect();
    assert_eq!(shells, [0, 0, 0, 0, 1, 2, 3, 3, 3, 3]);
    // Every x_kj = 1: z² = N, c = (N − 1)/(N − 1) = 1 for every pair, so η = 1 > 0.3.
    let run = synthetic_run(&lambda, |_, _| 1.0);
    let r = evaluate(&run, "coherent", &ConditionsSpec::default());
    let c2 = &r.rules["C2"];
    let eta = c2.value.expect("five shell pairs qualify");
    assert!((eta - 1.0).abs() < 1e-9, "η = {eta}");
    assert_eq!(c2.status, "fails", "{c2:?}");
    assert_eq!(c2.excluded[0].count, 1, "{:?}", c2.excluded);
    assert!(
        c2.detail.contains("over 5 shell pairs (32 mode pairs)"),
        "{}",
        c2.detail
    );
    assert_eq!(c2.criteria.len(), 1);
    assert_eq!(c2.criteria[0].status, CriterionStatus::Fails);
    assert!(c2.criteria[0].decisive);
    // R is then not established by C2, and the report says which engine rule decided that.
    assert_eq!(r.rules["R"].status, "not established");
    assert!(!r.rules["R"].decided_by.is_empty(), "{:?}", r.rules["R"]);
}

#[test]
fn c2_is_not_measured_when_no_shell_pair_has_four_mode_pairs() {
    // One mode per shell (shells 0, 1, 2, 3): all 4·3/2 = 6 pairs have N = 1.
    let run = synthetic_run(&[1.5, 4.0, 12.0, 30.0], |_, _| 1.0);
    let r = evaluate(&run, "single modes", &ConditionsSpec::default());
    let c2 = &r.rules["C2"];
    assert_eq!(c2.status, "not established", "{c2:?}");
    assert_eq!(c2.value, None);
    assert_eq!(c2.excluded[0].count, 6, "{:?}", c2.excluded);
    assert_eq!(c2.criteria[0].status, CriterionStatus::NotMeasured);
    assert_eq!(c2.decided_by, ["η (coherence fraction)"]);
}

fn with_norms(row: &[f64]) -> RunData {
    let mut run = synthetic_run(&NINE_MODES, |_, _| 0.5);
    run.layer_jacobian_norms = Some(DMatrix::from_fn(run.times.len(), row.len(), |_, l| row[l]));
    run
}

#[test]
fn c1_names_the_criterion_that_decided_it() {
    // Norms 1.5, 1.5, 1.5: Π(L) = 1.5^L, so Π = 3.375 ≤ 10 passes, but ln Π(L) = L ln 1.5 has slope
    // ln 1.5 ≈ 0.405 > 0.05: the depth slope alone decides "fails".
    let r = evaluate(&with_norms(&[1.5, 1.5, 1.5]), "slope", &ConditionsSpec::default());
    let c1 = &r.rules["C1"];
    assert_eq!(c1.status, "fails");
    assert!((c1.value.unwrap() - 3.375).abs() < 1e-12, "{c1:?}");
    assert_eq!(c1.decided_by, ["slope of ln Π vs depth"]);
    let [pi, slope] = [&c1.criteria[0], &c1.criteria[1]];
    assert_eq!(
        (pi.status, pi.decisive),
        (CriterionStatus::Passes, false),
        "{pi:?}"
    );
    assert_eq!(
        (slope.status, slope.decisive),
        (CriterionStatus::Fails, true),
        "{slope:?}"
    );
    assert!((slope.value.unwrap() - 1.5f64.ln()).abs() < 1e-12, "{slope:?}");
    assert_eq!(slope.threshold, 0.05);

    let text = text_report(&r);
    assert!(text.contains("decided by: slope of ln Π vs depth\n"), "{text}");
    assert!(
        text.contains("criterion: slope of ln Π vs depth = 0.4055 (needs ≤ 0.05): fails, decisive"),
        "{text}"
    );
    assert!(
        text.contains("criterion: Π (product-of-norms bound) = 3.3750 (needs ≤ 10): passes\n"),
        "{text}"
    );
    let rendered = report(&r).unwrap();
    // LaTeX spells Π as `\ensuremath{\Pi}`.
    for (format, name) in [
        (Format::Markdown, "slope of ln Π vs depth"),
        (Format::Html, "slope of ln Π vs depth"),
        (Format::Latex, "slope of ln \\ensuremath{\\Pi} vs depth"),
    ] {
        let doc = rendered.render(format);
        assert!(doc.contains(name), "{format:?}: {doc}");
        assert!(doc.contains("decisive"), "{format:?}");
    }
    let md = rendered.render(Format::Markdown);
    assert!(
        md.contains("| `C1` | slope of ln Π vs depth | 0.4055 | ≤ 0.05 | fails | **decisive** |"),
        "{md}"
    );
    assert!(
        md.contains("| `C1` | Π (product-of-norms bound) | 3.3750 | ≤ 10 | passes |  |"),
        "{md}"
    );
    assert!(
        md.contains("| `C1` | **fails** | slope of ln Π vs depth |"),
        "{md}"
    );
    let json: serde_json::Value = serde_json::from_str(&rendered.render(Format::Json)).unwrap();
    let c1 = &json["rules"]["C1"];
    assert_eq!(c1["decided_by"][0], "slope of ln Π vs depth", "{c1}");
    assert_eq!(c1["criteria"][1]["decisive"], true, "{c1}");
    assert_eq!(c1["criteria"][1]["status"], "fails", "{c1}");
    assert_eq!(c1["criteria"][1]["comparison"], "≤", "{c1}");
    assert_eq!(c1["criteria"][0]["decisive"], false, "{c1}");
}

#[test]
fn c1_decided_by_the_bound_and_held_by_both() {
    // 20, 1, 1: the best segment product is 20 at every depth: Π = 20 > 10, slope 0.
    let r = evaluate(
        &with_norms(&[20.0, 1.0, 1.0]),
        "bound",
        &ConditionsSpec::default(),
    );
    assert_eq!(r.rules["C1"].status, "fails");
    assert_eq!(r.rules["C1"].decided_by, ["Π (product-of-norms bound)"]);
    // 1, 1, 1: Π = 1, slope 0: both criteria hold and both were needed.
    let r = evaluate(&with_norms(&[1.0, 1.0, 1.0]), "ok", &ConditionsSpec::default());
    assert_eq!(r.rules["C1"].status, "holds");
    assert_eq!(
        r.rules["C1"].decided_by,
        ["Π (product-of-norms bound)", "slope of ln Π vs depth"]
    );
}

#[test]
fn every_condition_lists_its_criteria() {
    let run = train(&small(Arch::Residual, 2e-3, 60), None).unwrap();
    let r = evaluate(&run, "trained", &ConditionsSpec::default());
    for (name, count) in [("C1", 2), ("C2", 1), ("C3", 2), ("C4", 1)] {
        let m = &r.rules[name];
        assert_eq!(m.criteria.len(), count, "{name}: {m:?}");
        assert!(!m.decided_by.is_empty(), "{name}: {m:?}");
        let decisive: Vec<&str> = m
            .criteria
            .iter()
            .filter(|c| c.decisive)
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(decisive, m.decided_by, "{name}");
    }
}
