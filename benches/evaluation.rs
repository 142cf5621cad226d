//! Benchmark: the per-point cost of one evaluation of both sides of an identity, in renorm's
//! number types — `eval_interval` (outward-rounded enclosures) and `eval_float` (round to
//! nearest) at `digits` plus 64 guard bits, at given exact points. This is the like-for-like
//! figure against one ball evaluation in Arb (bench/compare/arb_flint.py writes the cases and
//! compares); `renorm identity` per point does about one of each per side, plus the condition
//! numbers of its magnitude pass.
//!
//! ```text
//! cargo bench --bench evaluation -- CASES.json
//! ```
//!
//! `CASES.json`: `{"cases": [{"name", "lhs", "rhs", "digits", "points": [{"lam": "3/7", …}, …]}]}`.
//! Prints a JSON list of `{"name", "digits", "interval", "float"}` (seconds per point: the median
//! of 3 repetitions of the loop over all points, divided by the number of points).

use renorm::numeric::{Assignment, Precision, eval_float, eval_interval};
use rug::Rational;
use serde_json::{Value, json};
use std::time::Instant;

const REPETITIONS: usize = 3;

fn main() {
    let Some(path) = std::env::args().skip(1).find(|a| !a.starts_with('-')) else {
        eprintln!("usage: cargo bench --bench evaluation -- CASES.json");
        return;
    };
    let text = std::fs::read_to_string(&path).expect("the cases file is readable");
    let cases: Value = serde_json::from_str(&text).expect("the cases file is JSON");
    let mut out = Vec::new();
    for case in cases["cases"].as_array().expect("a list of cases") {
        let lhs = renorm::input::parse(case["lhs"].as_str().expect("lhs")).expect("lhs parses");
        let rhs = renorm::input::parse(case["rhs"].as_str().expect("rhs")).expect("rhs parses");
        let digits = u32::try_from(case["digits"].as_u64().expect("digits")).expect("digits fit");
        let points: Vec<Assignment> = case["points"]
            .as_array()
            .expect("points")
            .iter()
            .map(|p| {
                p.as_object()
                    .expect("a point is an object")
                    .iter()
                    .map(|(k, v)| {
                        let q: Rational = v.as_str().expect("a rational").parse().expect("parses");
                        (k.clone(), q)
                    })
                    .collect()
            })
            .collect();
        let prec = Precision::from_digits(digits).with_guard_bits(64);
        let per_point = |f: &dyn Fn(&Assignment)| {
            let mut times: Vec<f64> = (0..REPETITIONS)
                .map(|_| {
                    let start = Instant::now();
                    for at in &points {
                        f(at);
                    }
                    start.elapsed().as_secs_f64() / points.len().max(1) as f64
                })
                .collect();
            times.sort_by(f64::total_cmp);
            times[REPETITIONS / 2]
        };
        let interval = per_point(&|at| {
            let _ = std::hint::black_box((eval_interval(&lhs, at, prec), eval_interval(&rhs, at, prec)));
        });
        let float = per_point(&|at| {
            let _ = std::hint::black_box((eval_float(&lhs, at, prec), eval_float(&rhs, at, prec)));
        });
        out.push(json!({
            "name": case["name"],
            "digits": digits,
            "interval": interval,
            "float": float,
        }));
    }
    println!("{}", Value::Array(out));
}
