//! Benchmark: the per-point cost of one evaluation of both sides of an identity, in renorm's
//! number types — `eval_interval` (outward-rounded enclosures) and `eval_float` (round to
//! nearest) at `digits` plus 64 guard bits, at given exact points. This is the like-for-like
//! figure against one ball evaluation in Arb (bench/compare/arb_flint.py writes the cases and
//! compares); `renorm identity` per point does about one of each per side, plus the condition
//! numbers of its magnitude pass.
//!
//! ```text
//! cargo bench --bench evaluation -- CASES.json
//! cargo bench --bench evaluation -- --operations
//! ```
//!
//! `CASES.json`: `{"cases": [{"name", "lhs", "rhs", "digits", "points": [{"lam": "3/7", …}, …]}]}`.
//! Prints a JSON list of `{"name", "digits", "float", "interval", "dual", "interval_dual"}`
//! (seconds per point for both sides: the median of 3 repetitions of the loop over all points,
//! divided by the number of points; the dual types differentiate along the first variable).
//!
//! `--operations` prints a Markdown table of what single MPFR operations cost at 50, 1000, 5000
//! and 20000 digits (plus 64 guard bits) on full-length operands: where the time of an
//! evaluation goes.

use renorm::numeric::{
    Assignment, Precision, eval_ball, eval_dual, eval_float, eval_interval, eval_interval_dual,
};
use rug::{Float, Integer, Rational};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Instant;

const REPETITIONS: usize = 3;

fn main() {
    if std::env::args().any(|a| a == "--operations") {
        operations();
        return;
    }
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
        let ball = per_point(&|at| {
            let _ = std::hint::black_box((eval_ball(&lhs, at, prec), eval_ball(&rhs, at, prec)));
        });
        let first = lhs.variables().into_iter().chain(rhs.variables()).next();
        let seeds: BTreeMap<String, Rational> = first.into_iter().map(|v| (v, Rational::from(1))).collect();
        let dual = per_point(&|at| {
            let _ = std::hint::black_box((
                eval_dual(&lhs, at, &seeds, prec),
                eval_dual(&rhs, at, &seeds, prec),
            ));
        });
        let interval_dual = per_point(&|at| {
            let _ = std::hint::black_box((
                eval_interval_dual(&lhs, at, &seeds, prec),
                eval_interval_dual(&rhs, at, &seeds, prec),
            ));
        });
        out.push(json!({
            "name": case["name"],
            "digits": digits,
            "float": float,
            "interval": interval,
            "ball": ball,
            "dual": dual,
            "interval_dual": interval_dual,
        }));
    }
    println!("{}", Value::Array(out));
}

/// The median time of `f` over enough repetitions to take about 50 ms, in microseconds.
fn micros(f: &dyn Fn()) -> f64 {
    let start = Instant::now();
    f();
    let once = start.elapsed().as_secs_f64().max(1e-7);
    let reps = ((0.05 / once) as usize).clamp(3, 100_000);
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[reps / 2] * 1e6
}

fn operations() {
    let digits = [50u32, 1000, 5000, 20000];
    println!(
        "| operation | {} |",
        digits.map(|d| format!("{d} digits (µs)")).join(" | ")
    );
    println!("|---|{}", "---|".repeat(digits.len()));
    type Op = (&'static str, fn(&Float, &Float, u32) -> Float);
    let ops: [Op; 12] = [
        ("x + y", |x, y, b| Float::with_val(b, x + y)),
        ("x · y", |x, y, b| Float::with_val(b, x * y)),
        ("x / y", |x, y, b| Float::with_val(b, x / y)),
        ("sqrt x", |x, _, b| Float::with_val(b, x.sqrt_ref())),
        ("1/sqrt x", |x, _, b| Float::with_val(b, x.recip_sqrt_ref())),
        ("x^(1/3) (mpfr_rootn_ui)", |x, _, b| {
            Float::with_val(b, x.root_ref(3))
        }),
        ("x^3 (mpfr_pow_z)", |x, _, b| {
            Float::with_val(b, rug::ops::Pow::pow(x, &Integer::from(3)))
        }),
        ("x^1.5 (mpfr_pow: exp, log)", |x, _, b| {
            Float::with_val(b, rug::ops::Pow::pow(x, &Float::with_val(b, 1.5)))
        }),
        ("exp x", |x, _, b| Float::with_val(b, x.exp_ref())),
        ("log x", |x, _, b| Float::with_val(b, x.ln_ref())),
        ("sin x", |x, _, b| Float::with_val(b, x.sin_ref())),
        (
            "rational → float (mpfr_set_q, 10-digit numerator and denominator)",
            |_, _, b| Float::with_val(b, Rational::from((1_234_567_891i64, 987_654_321i64))),
        ),
    ];
    for (name, op) in ops {
        let cells: Vec<String> = digits
            .iter()
            .map(|&d| {
                let bits = Precision::from_digits(d).with_guard_bits(64).bits();
                // Full-length operands (every mantissa bit in use), in [1, 2).
                let x = Float::with_val(bits, Float::with_val(bits, 2).sqrt_ref());
                let y = Float::with_val(bits, Float::with_val(bits, 3).sqrt_ref());
                format!(
                    "{:.1}",
                    micros(&|| {
                        let _ = std::hint::black_box(op(&x, &y, bits));
                    })
                )
            })
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
}
