//! Untrusted RG model specs must parse to a validated model or a located error — never a panic;
//! a model that validates must give finite predictions for its first modes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use renorm::numeric::Precision;
use renorm::rg::Model;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(mut model) = Model::from_toml(text, "fuzz.toml") else { return };
    // Keep each run cheap: the per-mode analysis is O(N²).
    model.modes = model.modes.min(32);
    let table = renorm::rg::predict::table(&model, Precision::from_bits(64));
    assert_eq!(table.rows.len() as u64, model.modes);
});
