//! Benchmarks for the conditions pipeline (run `cargo bench --bench conditions`):
//! the analysis of a 64-sample, 50-checkpoint run (target: under 2 s) and training at depth 32,
//! width 64 for 2000 steps (target: under a minute). Plain timing harness; medians printed.

use renorm::conditions::{ConditionsSpec, evaluate};
use renorm::train::{Arch, TrainConfig, train};
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let big = |arch| TrainConfig {
        arch,
        depth: 32,
        width: 64,
        samples: 64,
        steps: 2000,
        checkpoints: 50,
        ..TrainConfig::default()
    };
    for arch in [Arch::Plain, Arch::Residual] {
        let times: Vec<Duration> = (0..3)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(train(&big(arch), None).expect("training succeeds"));
                start.elapsed()
            })
            .collect();
        println!(
            "train {arch} depth 32 width 64, 2000 steps, 50 checkpoints: median {:.2?} (3 runs)",
            median(times)
        );
    }
    let run = train(&big(Arch::Residual), None).expect("training succeeds");
    let spec = ConditionsSpec::default();
    let times: Vec<Duration> = (0..7)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(evaluate(&run, "bench", &spec));
            start.elapsed()
        })
        .collect();
    println!(
        "conditions analysis, 64 samples x 50 checkpoints: median {:.2?} (7 runs)",
        median(times)
    );
}
