use super::*;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/proofs")).join(name)
}

fn failure(name: &str) -> String {
    let mut prover = Prover::new(ProveOptions {
        digits: 30,
        points: 4,
    });
    let r = prover.check_file(&fixture(name)).unwrap();
    assert!(!r.passed, "{name} must fail");
    r.first_failure.unwrap()
}

#[test]
fn broken_proofs_fail_with_the_right_message() {
    let m = failure("wrong_sign.toml");
    assert!(m.contains("wrong_sign.toml:1:") && m.contains("refuted"), "{m}");
    let m = failure("missing_factor.toml");
    assert!(
        m.contains("missing_factor.toml:1:") && m.contains("refuted"),
        "{m}"
    );
    let m = failure("cites_later_step.toml");
    assert!(
        m.contains(":1:") && m.contains("cites step 2, which does not come before it"),
        "{m}"
    );
    let m = failure("cycle_a.toml");
    assert!(
        m.contains("cyclic citation") && m.contains("cycle_a.toml") && m.contains("cycle_b.toml"),
        "{m}"
    );
    let m = failure("undeclared_variable.toml");
    assert!(m.contains("`mu`") && m.contains("not declared"), "{m}");
    let m = failure("numeric_not_marked.toml");
    assert!(
        m.contains("only confirmed numerically") && m.contains("numeric"),
        "{m}"
    );
}

#[test]
fn malformed_files_are_input_errors() {
    let dir = std::env::temp_dir().join(format!("renorm-proof-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "title = \"t\"\nstatement = \"s\"\n[[step]]\nclaim = \"x = x\"\njustification = \"normalize\"\n",
    )
    .unwrap();
    let err = Prover::new(ProveOptions::default()).check_file(&bad).unwrap_err();
    assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("bad.toml:3: step 1"), "{err}");
    std::fs::write(
        &bad,
        "title = \"t\"\nstatement = \"s\"\n[[step]]\nclaim = \"x == x\"\njustification = \"because\"\n",
    )
    .unwrap();
    let err = Prover::new(ProveOptions::default()).check_file(&bad).unwrap_err();
    assert!(err.to_string().contains("justification"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
