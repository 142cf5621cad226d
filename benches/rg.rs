//! Benchmarks for the RG layer (run `cargo bench --bench rg`): a certified learning-curve value
//! to 30 digits at P/r = 1e12 (target: under 50 ms) and the Langevin sampler at the paper's run
//! length, 5·10⁷ steps with 100 modes (target: under 3 minutes on 2 cores). Plain timing
//! harness; medians printed.

use renorm::rg::Model;
use renorm::rg::curve::learning_curve;
use renorm::rg::experiments::sample_model;
use renorm::rg::sample::SamplerConfig;
use rug::Rational;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let (alpha, beta) = (Rational::from((1, 5)), Rational::from((3, 10)));
    let x = Rational::from(rug::ops::Pow::pow(rug::Integer::from(10), 12u32));
    for (what, bias_only) in [
        ("bias B alone", true),
        ("whole curve (B, V, slopes, continuum)", false),
    ] {
        let times: Vec<Duration> = (0..21)
            .map(|_| {
                let start = Instant::now();
                if bias_only {
                    let a = Rational::from(1) + &alpha;
                    let p = Rational::from(1) + &beta;
                    std::hint::black_box(
                        renorm::rg::curve::power_sum(&p, &a, 2, &x, 1, None, 30).expect("in domain"),
                    );
                } else {
                    std::hint::black_box(learning_curve(&alpha, &beta, &x, None, 30).expect("in domain"));
                }
                start.elapsed()
            })
            .collect();
        println!(
            "learning curve, {what}, 30 digits at P/r = 1e12: median {:.2?} (21 runs)",
            median(times)
        );
    }

    let model = Model::from_toml(
        "alpha = \"1/5\"\nbeta = \"3/10\"\nmodes = 100\nP = 1000\nr = \"1000/3.98\"\n\
         [[interaction]]\nkind = \"separable\"\nU = \"0.05\"\n",
        "bench",
    )
    .expect("valid model");
    for (chains, threads) in [(1u32, 1u32), (2, 2)] {
        let config = SamplerConfig {
            steps: 50_000_000 / chains as u64,
            threads,
            chains,
            ..SamplerConfig::paper(1)
        };
        let start = Instant::now();
        let run = sample_model(&model, &config).expect("sampling succeeds");
        println!(
            "sampler, 5e7 steps × 100 modes as {chains} chain(s) on {threads} thread(s): {:.2?} (one run; loss {:.5} ± {:.5})",
            start.elapsed(),
            run.loss,
            run.se_loss
        );
    }
}
