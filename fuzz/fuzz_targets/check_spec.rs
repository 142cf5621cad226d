//! Untrusted `renorm check` specs (TOML) must load to a validated spec or a located error —
//! never a panic. A spec that loads must satisfy the loader's documented invariants, and a small
//! one is then checked numerically (engine off: no Symbolica call, so this target may run in
//! many processes): the check must finish with a report, never an error or a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use renorm::check::spec::{Param, Spec};
use renorm::check::{self, Knobs};
use renorm::numeric::ScaleDomain;
use renorm::symbolic::{EngineMode, set_engine_mode};

fuzz_target!(|data: &[u8]| {
    set_engine_mode(EngineMode::Off);
    renorm::budget::set_memory_budget(1 << 30);
    let Ok(text) = std::str::from_utf8(data) else { return };
    let spec = match Spec::from_toml(text, "fuzz.toml") {
        Ok(spec) => spec,
        Err(e) => {
            // Errors are values that name the file.
            assert!(e.to_string().contains("fuzz.toml"), "error without origin: {e}");
            return;
        }
    };
    // Invariants the loader promises.
    assert!(!spec.spectral.is_empty());
    for (name, p) in &spec.params {
        if let Param::Range(lo, hi) = p {
            assert!(lo < hi, "empty range accepted for {name}");
        }
    }
    let mut declared: Vec<&str> = spec.spectral.iter().map(String::as_str).collect();
    declared.extend(spec.time.as_deref());
    declared.extend(spec.params.keys().map(String::as_str));
    for v in spec.expr.variables() {
        assert!(declared.contains(&v.as_str()), "undeclared `{v}` accepted");
    }
    if let Some(s) = &spec.scales {
        assert!(s.lo_exp10 <= s.hi_exp10);
        assert!(
            s.lo_exp10.unsigned_abs() <= ScaleDomain::MAX_EXP10 as u32
                && s.hi_exp10.unsigned_abs() <= ScaleDomain::MAX_EXP10 as u32,
            "scale domain beyond ±{}: {:?}",
            ScaleDomain::MAX_EXP10,
            s
        );
    }
    let _ = spec.warnings();
    let inst = spec.instantiated();
    let _ = spec.free_params();
    // The numeric check is the expensive part: only small formulas, few points, few digits.
    if inst.node_count() <= 40 && inst.depth() <= 12 && spec.params.len() <= 4 {
        let knobs = Knobs { digits: 12, points: 2, seed: 7, max_digits: 200, ..Knobs::default() };
        match check::run(&spec, &knobs) {
            Ok(report) => {
                assert_eq!(report.engine, EngineMode::Off);
            }
            // `check::run` fails only on an internal error (docs): a finding.
            Err(e) => panic!("check::run failed on a valid spec: {e}"),
        }
    }
});
