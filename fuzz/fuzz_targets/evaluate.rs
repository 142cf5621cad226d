//! Parsed formulas must evaluate to a value or a domain error — never a panic, a non-finite
//! value, or an inverted enclosure. The symbolic engine is deliberately not fuzzed here:
//! unlicensed Symbolica allows one engine thread per user and fuzzers run many processes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use renorm::input::{Limits, parse_bytes};
use renorm::numeric::{Assignment, Precision, eval_float, eval_interval};
use rug::Rational;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_nodes: 200, max_depth: 30, max_power: 50, ..Limits::default() };
    let Ok(e) = parse_bytes(data, &limits) else { return };
    let at: Assignment = e
        .variables()
        .into_iter()
        .enumerate()
        .map(|(i, v)| (v, Rational::from((2 * i as i64 + 3, 5))))
        .collect();
    let prec = Precision::from_bits(128);
    if let (Ok(x), Ok(enclosure)) = (eval_float(&e, &at, prec), eval_interval(&e, &at, prec)) {
        assert!(x.is_finite());
        assert!(enclosure.lo <= enclosure.hi);
    }
});
