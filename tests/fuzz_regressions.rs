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

#[test]
fn check_spec_regressions_keep_the_scale_domain_bounded() {
    let found = regressions("check_spec");
    assert!(!found.is_empty());
    for (name, bytes) in found {
        let text = String::from_utf8(bytes).unwrap();
        // `scales = [-2147483648, 0]` once passed the ±300 check (`i32::MIN.abs()` wraps).
        match renorm::check::spec::Spec::from_toml(&text, &name) {
            Err(e) => assert!(e.to_string().contains(&name), "{name}: error without origin: {e}"),
            Ok(spec) => {
                if let Some(s) = &spec.scales {
                    let bound = renorm::numeric::ScaleDomain::MAX_EXP10.unsigned_abs();
                    assert!(
                        s.lo_exp10.unsigned_abs() <= bound && s.hi_exp10.unsigned_abs() <= bound,
                        "{name}: {s:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn evaluate_regressions_refuse_trig_of_arguments_beyond_the_precision() {
    use renorm::numeric::{Assignment, EvalError, Precision, eval_float, eval_interval};
    let found = regressions("evaluate");
    assert!(!found.is_empty());
    // The target's setting: its parse limits, variable i at (2i + 3)/5, 128 bits.
    let limits = renorm::input::Limits {
        max_nodes: 200,
        max_depth: 30,
        max_power: 50,
        ..renorm::input::Limits::default()
    };
    for (name, bytes) in found {
        let Ok(e) = renorm::input::parse_bytes(&bytes, &limits) else {
            continue;
        };
        let at: Assignment = e
            .variables()
            .into_iter()
            .enumerate()
            .map(|(i, v)| (v, rug::Rational::from((2 * i as i64 + 3, 5))))
            .collect();
        let prec = Precision::from_bits(128);
        // These once reduced arguments near 10^(10^8) modulo π (minutes, gigabytes): now the
        // cosine of such an argument is "not certified" on the float path and within [−1, 1]
        // on the interval path.
        let float = eval_float(&e, &at, prec);
        if let Ok(x) = &float {
            assert!(x.is_finite(), "{name}");
        }
        if let Ok(enclosure) = eval_interval(&e, &at, prec) {
            assert!(enclosure.lo <= enclosure.hi, "{name}");
        }
        if name == "evaluate-cos-huge-argument" {
            assert!(
                matches!(float, Err(EvalError::NotCertified { .. })),
                "{name}: {float:?}"
            );
        }
    }
}
