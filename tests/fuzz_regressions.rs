//! Every input the fuzzers found a crash with (`fuzz/regressions/<target>-<name>`) replayed
//! through the entry point its target fuzzes, with that target's assertion: these once
//! panicked, allocated without bound or failed a round trip, and must not again.

use std::path::Path;

fn regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut found: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&format!("{target}-")))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn parse_regressions_round_trip() {
    let found = regressions("parse");
    assert!(!found.is_empty());
    for (name, bytes) in found {
        if let Ok(e) = renorm::input::parse_bytes(&bytes, &renorm::input::Limits::default()) {
            let printed = e.to_string();
            let back = renorm::input::parse(&printed)
                .unwrap_or_else(|err| panic!("{name}: {printed} does not read back: {err}"));
            assert_eq!(back, e, "{name}: round trip of {printed}");
        }
    }
}

#[test]
fn conditions_spec_regressions_evaluate() {
    let run =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rundata/small_run.npz"))
            .unwrap();
    let found = regressions("conditions_spec");
    assert!(!found.is_empty());
    for (name, bytes) in found {
        let text = String::from_utf8(bytes).unwrap();
        if let Ok(spec) = renorm::conditions::ConditionsSpec::from_toml(&text, &name) {
            let report = renorm::conditions::evaluate_npz_bytes(&run, "small_run.npz", &spec, &mut |_, _| {});
            assert!(report.is_ok(), "{name}: {:?}", report.err());
        }
    }
}

#[test]
fn proof_regressions_load_within_limits() {
    let found = regressions("proof");
    assert!(!found.is_empty());
    for (name, bytes) in found {
        let text = String::from_utf8(bytes).unwrap();
        // It once built a formula of 2²⁹ nodes; now it is refused by size before building.
        match renorm::proof::format::ProofFile::from_toml(&text, Path::new(&name)) {
            Err(e) => assert!(e.to_string().contains("larger than the limits"), "{name}: {e}"),
            Ok((proof, _)) => {
                for step in &proof.steps {
                    assert!(
                        step.lhs.node_count() <= renorm::input::Limits::default().max_nodes,
                        "{name}"
                    );
                }
            }
        }
    }
}
