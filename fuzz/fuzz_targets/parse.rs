//! Arbitrary bytes must never panic the formula reader, and whatever parses must print to a
//! formula that parses back to the same tree.
#![no_main]
use libfuzzer_sys::fuzz_target;
use renorm::input::{Limits, parse, parse_bytes};

fuzz_target!(|data: &[u8]| {
    if let Ok(e) = parse_bytes(data, &Limits::default()) {
        let printed = e.to_string();
        let back = parse(&printed).expect("printed formula parses");
        assert_eq!(back, e, "round trip of {printed}");
    }
});
