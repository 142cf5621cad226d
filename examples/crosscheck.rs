//! Decide identities with both engines from library code.
//!
//! Run with `cargo run --example crosscheck`. Prints one line per identity with its
//! docs/theory.md §4 status and the evidence behind it.

use renorm::crosscheck::{self, CheckOptions, Identity};
use renorm::input::parse;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cases = [
        // Euler's condition for v = c λ^b t^(b-2): λ ∂v/∂λ = b v.
        ("lam * (c*b*lam^(b-1)*t^(b-2))", "b * c*lam^b*t^(b-2)"),
        // True, but beyond rational normalization: numeric confirmation only.
        ("cosh(x)^2 - sinh(x)^2", "1"),
        // False: a certified witness.
        ("sqrt(lam + mu)", "sqrt(lam) + sqrt(mu)"),
    ];
    let options = CheckOptions {
        digits: 40,
        points: 6,
        ..CheckOptions::default()
    };
    for (lhs, rhs) in cases {
        let outcome = crosscheck::check(&Identity::new(parse(lhs)?, parse(rhs)?), &options);
        println!("{:<12} {}", outcome.status.as_str(), outcome.identity);
        if let Some(w) = &outcome.numeric.witness {
            println!(
                "             witness {:?}: lhs - rhs in [{}, {}]",
                w.point, w.enclosure[0], w.enclosure[1]
            );
        } else {
            println!(
                "             {}/{} points agree, at least {} digits",
                outcome.numeric.points_agreeing,
                outcome.numeric.points_requested,
                outcome.numeric.digits_confirmed.unwrap_or(0)
            );
        }
    }
    Ok(())
}
