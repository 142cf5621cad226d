//! `renorm conditions` streamed from the file equals the analysis of the run read whole.

use super::*;
use crate::train::{Arch, TrainConfig, train};
use std::path::PathBuf;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rundata");

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("renorm-conditions-stream-{}-{name}", std::process::id()))
}

/// Every reported number of both reports, compared bitwise through their JSON data (serde_json
/// compares `f64` exactly). Bitwise, not to a tolerance: both paths decompose the same matrices
/// with the same solver and run the same windowed analysis in the same order, so any
/// difference at all would be a defect (e.g. a checkpoint paired with the wrong neighbour).
#[track_caller]
fn assert_same(whole: &ConditionsReport, streamed: &ConditionsReport) {
    let (a, b) = (
        serde_json::to_value(whole).unwrap(),
        serde_json::to_value(streamed).unwrap(),
    );
    assert_eq!(a, b);
    assert_eq!(whole.plots, streamed.plots);
}

#[test]
fn streamed_conditions_equal_the_in_memory_analysis() {
    let config = TrainConfig {
        arch: Arch::Residual,
        depth: 3,
        width: 12,
        input_dim: 4,
        samples: 24,
        steps: 60,
        learning_rate: 0.05,
        checkpoints: 13,
        seed: 5,
        ..TrainConfig::default()
    };
    let run = train(&config, None).unwrap();
    let path = temp_path("trained.npz");
    rundata::write_npz(&path, &run).unwrap();
    let spec = ConditionsSpec {
        bootstrap: Some(40),
        ..ConditionsSpec::default()
    };
    let whole = evaluate(&rundata::read_npz(&path).unwrap(), "run", &spec);
    let mut ticks = Vec::new();
    let streamed = evaluate_npz(&path, "run", &spec, &mut |done, total| ticks.push((done, total))).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let from_bytes = evaluate_npz_bytes(&bytes, "run", &spec, &mut |_, _| {}).unwrap();
    std::fs::remove_file(&path).ok();
    // The run is not degenerate: shells, states and a closure test exist to compare.
    assert!(
        whole.shells >= 2 && whole.balance.checkpoints_used > 0,
        "{} shells, {} clean checkpoints",
        whole.shells,
        whole.balance.checkpoints_used
    );
    assert_same(&whole, &streamed);
    assert_same(&whole, &from_bytes);
    let t = run.times.len();
    assert_eq!(ticks, (1..=t).map(|d| (d, t)).collect::<Vec<_>>());
}

#[test]
fn streamed_conditions_equal_on_the_numpy_fixtures() {
    let spec = ConditionsSpec::default();
    for name in [
        "small_run.npz",
        "small_run_compressed.npz",
        "small_run_fortran.npz",
    ] {
        let path = std::path::Path::new(FIXTURES).join(name);
        let whole = evaluate(&rundata::read_npz(&path).unwrap(), name, &spec);
        let streamed = evaluate_npz(&path, name, &spec, &mut |_, _| {}).unwrap();
        assert_same(&whole, &streamed);
    }
}

#[test]
fn streamed_conditions_report_invalid_runs() {
    let path = std::path::Path::new(FIXTURES).join("bad_nan_gram.npz");
    let error = evaluate_npz(&path, "bad", &ConditionsSpec::default(), &mut |_, _| {}).unwrap_err();
    assert!(error.to_string().contains("gram["), "{error}");
}
