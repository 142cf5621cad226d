//! Untrusted `renorm conditions` specs (TOML: shell options, thresholds, `scale_free_flow`,
//! `bootstrap`) must load to a spec or a located error — never a panic. A spec that loads is
//! then evaluated on a small fixed run (`fuzz/data/small_run.npz`, T = 4, N = 6, a copy of
//! tests/fixtures/rundata/small_run.npz) through the streamed path the CLI uses
//! (`conditions::evaluate_npz_bytes`), and rendered: that must not panic or allocate beyond
//! the rss limit, whatever thresholds or shell width the spec declares. The library's memory
//! budget is set to 1 GiB (half the rss limit), so an rss crash means an estimate was wrong.
//!
//! The bootstrap count is capped at 64 before evaluating: a spec may ask for any number of
//! resamples, and the work (not memory) is linear in it by design.
#![no_main]
use libfuzzer_sys::fuzz_target;
use renorm::conditions::{self, ConditionsSpec};
use renorm::symbolic::{EngineMode, set_engine_mode};

const RUN: &[u8] = include_bytes!("../data/small_run.npz");

fuzz_target!(|data: &[u8]| {
    set_engine_mode(EngineMode::Off);
    renorm::budget::set_memory_budget(1 << 30);
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut spec = match ConditionsSpec::from_toml(text, "fuzz.toml") {
        Ok(spec) => spec,
        Err(e) => {
            assert!(e.to_string().contains("fuzz.toml"), "error without origin: {e}");
            return;
        }
    };
    assert!(spec.shells.h > 0.0 && spec.shells.h.is_finite());
    spec.bootstrap = spec.bootstrap.map(|b| b.min(64));
    let report = match conditions::evaluate_npz_bytes(RUN, "small_run.npz", &spec, &mut |_, _| {}) {
        Ok(report) => report,
        // A budget refusal is a located error, not a crash.
        Err(e) => {
            assert!(e.to_string().contains("small_run.npz"), "error without origin: {e}");
            return;
        }
    };
    assert_eq!(report.checkpoints, 4);
    assert_eq!(report.samples, 6);
    let _ = conditions::text_report(&report);
    let _ = conditions::document(&report);
});
