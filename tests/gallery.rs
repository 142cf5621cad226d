//! Every spec in `examples/couplings/` must get the verdict its `[expect]` table claims.
//! Runs in-process (the engine lives on this process's engine thread), never via the binary.

use renorm::check::{self, Knobs, Spec, VerdictClass};

#[test]
fn gallery_expectations_hold() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/couplings");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 15,
        "the gallery needs at least 15 specs, found {}",
        paths.len()
    );
    let knobs = Knobs {
        digits: 50,
        points: 8,
        seed: 0x5eed_2e40_0000_0001,
        ..Knobs::default()
    };
    let mut classes = std::collections::BTreeSet::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let spec = Spec::from_toml(&text, &path.display().to_string()).unwrap();
        assert!(
            spec.expect.class.is_some() || spec.expect.power_law.is_some(),
            "{}: every gallery spec states its expected verdict",
            path.display()
        );
        let report = check::run(&spec, &knobs).unwrap();
        if let Some(claim) = report.failed_claim() {
            panic!(
                "{}: {} expected {}, found {}",
                path.display(),
                claim.claim,
                claim.expected,
                claim.found
            );
        }
        classes.insert(report.verdict.class);
    }
    for class in [
        VerdictClass::PowerLaw,
        VerdictClass::PowerLawInSpectrum,
        VerdictClass::LogPeriodic,
        VerdictClass::NotPowerLaw,
    ] {
        assert!(classes.contains(&class), "no gallery spec exercises {class}");
    }
}
