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

/// `where` substitutions that refer to one another double the formula at each step: 30 lines
/// would make 2³⁰ nodes (found by fuzzing: gigabytes before any check). Refused by size, at
/// once.
#[test]
fn substitutions_cannot_blow_a_formula_up() {
    let chain: Vec<String> = (0..30)
        .map(|i| format!("v{i:02} = \"v{:02}+v{:02}\"", i + 1, i + 1))
        .collect();
    let text = format!(
        "title = \"t\"\nstatement = \"s\"\n[variables]\nx = \"positive\"\n[[step]]\nclaim = \"v00 == x\"\njustification = \"normalize\"\nwhere = {{ {} }}\n",
        chain.join(", ")
    );
    let err = crate::proof::format::ProofFile::from_toml(&text, Path::new("blowup.toml")).unwrap_err();
    assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("larger than the limits"), "{err}");
    // A few honest substitutions stay fine.
    let text = text.replace(&chain.join(", "), "v00 = \"x+1\"");
    assert!(crate::proof::format::ProofFile::from_toml(&text, Path::new("ok.toml")).is_ok());
}

/// A scratch directory for proof files written by one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("renorm-proof-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn quick() -> Prover {
    Prover::new(ProveOptions {
        digits: 30,
        points: 4,
    })
}

const HEADER: &str = "title = \"t\"\nstatement = \"s\"\n[variables]\nU = \"positive\"\nmu = \"real\"\ns2 = \"positive\"\nlam = \"positive\"\n";

#[test]
fn a_refuted_step_must_state_its_difference() {
    let dir = scratch("no-difference");
    let file = dir.join("refuted.toml");
    // Without a difference: an input error at the step's line, saying what to add.
    std::fs::write(
        &file,
        format!(
            "{HEADER}[[step]]\nclaim = \"U*(mu^2 + 3*s2)/lam == 3*U*(mu^2 + s2)/lam\"\njustification = \"normalize\"\nexpect = \"refuted\"\n"
        ),
    )
    .unwrap();
    let err = quick().check_file(&file).unwrap_err();
    assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
    let m = err.to_string();
    assert!(
        m.contains("refuted.toml:8: step 1") && m.contains("add `difference"),
        "{m}"
    );
    // A difference on a step that must hold is an error too.
    std::fs::write(
        &file,
        format!("{HEADER}[[step]]\nclaim = \"U == U\"\njustification = \"normalize\"\ndifference = \"0\"\n"),
    )
    .unwrap();
    let m = quick().check_file(&file).unwrap_err().to_string();
    assert!(m.contains("step 1 (difference)"), "{m}");
    // By hand: U(μ² + 3s²)/λ − 3U(μ² + s²)/λ = −2Uμ²/λ. The right difference passes …
    let step = |claim: &str, difference: &str| {
        format!(
            "{HEADER}[[step]]\nclaim = \"{claim}\"\njustification = \"normalize\"\nexpect = \"refuted\"\ndifference = \"{difference}\"\n"
        )
    };
    let good = dir.join("good.toml");
    std::fs::write(
        &good,
        step("U*(mu^2 + 3*s2)/lam == 3*U*(mu^2 + s2)/lam", "-2*U*mu^2/lam"),
    )
    .unwrap();
    let r = quick().check_file(&good).unwrap();
    assert!(r.passed, "{:?}", r.first_failure);
    assert_eq!(r.steps[0].difference_status, Some(Status::Proved));
    // … a mutated claim (still false, but not the stated discrepancy) fails, and so does a
    // wrong difference for the right claim.
    for (name, claim, difference) in [
        (
            "mutated.toml",
            "U*(mu^2 + 3*s2)/lam == 4*U*(mu^2 + s2)/lam",
            "-2*U*mu^2/lam",
        ),
        (
            "wrong.toml",
            "U*(mu^2 + 3*s2)/lam == 3*U*(mu^2 + s2)/lam",
            "2*U*mu^2/lam",
        ),
    ] {
        let bad = dir.join(name);
        std::fs::write(&bad, step(claim, difference)).unwrap();
        let r = quick().check_file(&bad).unwrap();
        assert!(!r.passed, "{name} must fail");
        let m = r.first_failure.unwrap();
        assert!(m.contains("not by the stated difference"), "{m}");
        assert_eq!(r.steps[0].status, Status::Refuted);
        assert_eq!(r.steps[0].difference_status, Some(Status::Refuted));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The shipped non-examples hold; each mutation of one of their wrong formulas (still wrong, so
/// a bare `expect = "refuted"` would have accepted it) now makes the proof fail.
#[test]
fn mutated_non_examples_fail() {
    let shipped = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/proofs/non_examples.toml"));
    let text = std::fs::read_to_string(&shipped).unwrap();
    let dir = scratch("mutated");
    let original = dir.join("non_examples.toml");
    std::fs::write(&original, &text).unwrap();
    let r = quick().check_file(&original).unwrap();
    assert!(r.passed, "{:?}", r.first_failure);
    for (from, to) in [
        // (ii) H2: κ² → κ³ on the right-hand side.
        (
            "(kappa*lam)^(3/2) == kappa^2*(lam^(1/2) + lam^(3/2))",
            "(kappa*lam)^(3/2) == kappa^3*(lam^(1/2) + lam^(3/2))",
        ),
        // (ii) H1: b = 1/2 → b = 3/2.
        ("where = { b = \"1/2\" }", "where = { b = \"3/2\" }"),
    ] {
        assert_eq!(text.matches(from).count(), 1, "{from}");
        let mutated = dir.join("mutated.toml");
        std::fs::write(&mutated, text.replace(from, to)).unwrap();
        let r = quick().check_file(&mutated).unwrap();
        assert!(!r.passed, "the mutation {to} must fail");
        let m = r.first_failure.unwrap();
        assert!(m.contains("not by the stated difference"), "{m}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
