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
