//! Benchmark: time to check each gallery spec at 50 digits (run `cargo bench --bench check`).
//!
//! A plain timing harness (no external framework): each spec is checked once to warm the engine
//! and caches, then `RUNS` times; the median and the spread are printed. The target is a median
//! under 50 ms per typical spec in release mode.

use renorm::check::{self, Knobs, Spec};
use std::time::{Duration, Instant};

const RUNS: usize = 15;

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/couplings");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("gallery folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let knobs = Knobs {
        digits: 50,
        points: 8,
        seed: 0x5eed_2e40_0000_0001,
        ..Knobs::default()
    };
    println!("{:<48} {:>12} {:>12} {:>12}", "spec", "median", "min", "max");
    let mut medians = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("readable spec");
        let spec = Spec::from_toml(&text, &path.display().to_string()).expect("valid spec");
        let _ = check::run(&spec, &knobs).expect("check runs");
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                let _ = std::hint::black_box(check::run(&spec, &knobs));
                start.elapsed()
            })
            .collect();
        times.sort();
        let median = times[RUNS / 2];
        medians.push(median);
        println!(
            "{:<48} {:>12.2?} {:>12.2?} {:>12.2?}",
            path.file_name().unwrap().to_string_lossy(),
            median,
            times[0],
            times[RUNS - 1]
        );
    }
    medians.sort();
    println!("median over specs: {:.2?}", medians[medians.len() / 2]);
}
