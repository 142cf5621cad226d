//! The project's own derivations in `proofs/` must all hold (in-process; never via the binary).

use renorm::proof::{ProveOptions, Prover, collect_paths};
use std::path::PathBuf;

#[test]
fn every_project_proof_holds() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/proofs"));
    let files = collect_paths(&[dir]).unwrap();
    assert!(
        files.len() >= 9,
        "expected the project's proofs, found {}",
        files.len()
    );
    let mut prover = Prover::new(ProveOptions::default());
    let mut failures = Vec::new();
    for f in &files {
        let r = prover
            .check_file(f)
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        if !r.passed {
            failures.push(r.first_failure.unwrap_or_default());
        }
    }
    assert!(failures.is_empty(), "failing proofs:\n{}", failures.join("\n"));
}
