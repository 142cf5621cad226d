//! Untrusted proof files (TOML, `renorm prove`) must load to a parsed proof plus its structural
//! problems, or a located error — never a panic. Citations of other files are only parsed,
//! never followed (the loader does not touch the file system; `Prover` would).
//!
//! Invariants of a loaded proof: steps are numbered 1, 2, … in order; a step with
//! `expect = "refuted"` carries its difference and only such a step does; structural problems
//! name an existing step (or 0 for the file); a proof without steps reports that.
#![no_main]
use libfuzzer_sys::fuzz_target;
use renorm::proof::format::{Citation, ProofFile};
use renorm::symbolic::{EngineMode, set_engine_mode};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    set_engine_mode(EngineMode::Off);
    renorm::budget::set_memory_budget(1 << 30);
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (proof, problems) = match ProofFile::from_toml(text, Path::new("fuzz.toml")) {
        Ok(parsed) => parsed,
        Err(e) => {
            assert!(e.to_string().contains("fuzz.toml"), "error without origin: {e}");
            return;
        }
    };
    for (i, step) in proof.steps.iter().enumerate() {
        assert_eq!(step.number, i + 1);
        assert!(step.line >= 1);
        assert_eq!(step.expect_refuted, step.difference.is_some());
        for c in &step.cites {
            if let Citation::Step(n) = c {
                assert!(*n >= 1);
            }
        }
        let _ = step.justification.label();
        // Substituted sides print to formulas that parse back (the reports print them).
        for side in [&step.lhs, &step.rhs] {
            let printed = side.to_string();
            let back = renorm::input::parse(&printed);
            assert!(
                back.as_ref().is_ok_and(|b| b == side) || back.is_err(),
                "printed side {printed} parses to a different tree"
            );
        }
    }
    for p in &problems {
        assert!(p.step <= proof.steps.len(), "problem names step {} of {}", p.step, proof.steps.len());
    }
    if proof.steps.is_empty() {
        assert!(problems.iter().any(|p| p.step == 0));
    }
});
