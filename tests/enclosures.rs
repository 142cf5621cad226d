//! Printed enclosures contain the true value.
//!
//! Every certified counterexample `renorm` prints is an interval `[lo, hi]` in decimal. Printing
//! rounds, so unless the lower end is rounded down and the upper end up, the printed interval can
//! miss the value it certifies. These tests parse the printed ends back as exact rationals and
//! check them against the residual recomputed here, independently of `renorm`'s evaluators:
//! straight from the witness point with MPFR at 2000 bits, far beyond the 12 printed digits.

use rug::float::Round;
use rug::ops::Pow;
use rug::{Float, Integer, Rational};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// The binary is run one process at a time (the symbolic engine allows one process per user).
static SERIAL: Mutex<()> = Mutex::new(());

const BITS: u32 = 2000;

fn renorm_json(args: &[&str]) -> Value {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let out = Command::new(env!("CARGO_BIN_EXE_renorm"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the renorm binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {stdout}"))
}

/// A decimal such as `-2.12811520026e-1` (or an exact `p/q`, as exact witnesses print) as the
/// exact rational it denotes.
fn exact_decimal(text: &str) -> Rational {
    if text.contains('/') {
        return text.parse().expect("an exact rational p/q");
    }
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().expect("integer exponent")),
        None => (text, 0),
    };
    let (negative, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    let all: Integer = format!("{int_part}{frac_part}").parse().expect("decimal digits");
    let scale = exponent - i32::try_from(frac_part.len()).expect("short fraction");
    let ten = Rational::from(10);
    let mut q = Rational::from(all);
    if scale >= 0 {
        q *= ten.pow(scale);
    } else {
        q /= ten.pow(-scale);
    }
    if negative { -q } else { q }
}

fn point_value(witness: &Value, name: &str) -> Rational {
    let text = witness["point"][name]
        .as_str()
        .unwrap_or_else(|| panic!("witness point has `{name}`: {witness}"));
    text.parse()
        .unwrap_or_else(|_| panic!("`{text}` is an exact rational"))
}

fn float(q: &Rational) -> Float {
    Float::with_val(BITS, q)
}

/// `[lo, hi]` as printed must contain `value`, whose own error at 2000 bits is ~10⁻⁶⁰⁰ relative:
/// compare against the value widened by that much so that only a real miss fails.
fn assert_contains(witness: &Value, value: &Float) {
    let lo = exact_decimal(witness["enclosure"][0].as_str().expect("lower end"));
    let hi = exact_decimal(witness["enclosure"][1].as_str().expect("upper end"));
    let slack = Float::with_val(BITS, value.abs_ref()) * Float::with_val(BITS, Float::i_exp(1, -1900));
    let below = Float::with_val_round(BITS, value - &slack, Round::Down).0;
    let above = Float::with_val_round(BITS, value + &slack, Round::Up).0;
    let below = below.to_rational().expect("finite");
    let above = above.to_rational().expect("finite");
    assert!(
        lo <= below,
        "printed lower end {lo} is above the value {value:.30e}: {witness}"
    );
    assert!(
        above <= hi,
        "printed upper end {hi} is below the value {value:.30e}: {witness}"
    );
    assert!(lo <= hi, "{witness}");
}

#[test]
fn identity_witness_encloses_the_residual() {
    // The pinned engine's known mis-simplification: the numeric path must refute it.
    let out = renorm_json(&["identity", "exp(log(a)*log(b))", "0", "--format", "json"]);
    assert_eq!(out["status"], "refuted", "{out}");
    let w = &out["numeric"]["witness"];
    let (a, b) = (float(&point_value(w, "a")), float(&point_value(w, "b")));
    let value = (a.ln() * b.ln()).exp();
    assert_contains(w, &value);
}

#[test]
fn identity_witness_encloses_a_tiny_residual() {
    // lhs − rhs = 10⁻⁴⁰·x: the printed ends must bracket a value far below the shown digits
    // of either side (exp keeps both sides irrational, so the interval path decides).
    let out = renorm_json(&["identity", "exp(x) + 10^(-40)*x", "exp(x)", "--format", "json"]);
    assert_eq!(out["status"], "refuted", "{out}");
    let w = &out["numeric"]["witness"];
    assert_eq!(w["method"], "interval", "{w}");
    let x = point_value(w, "x");
    let value = float(&(x / Rational::from(Integer::from(10).pow(40))));
    assert_contains(w, &value);
}

#[test]
fn covariance_witness_encloses_the_cross_ratio_residual() {
    // F = λ²(1 + √λ) is not log-shift covariant; the witness encloses
    // F(e^σ λ)·F(λ') − F(e^σ λ')·F(λ) at σ = 1/2. (A rational F is refuted exactly instead.)
    let out = renorm_json(&[
        "check",
        "--expr",
        "lam^2*(1 + sqrt(lam))",
        "--spectral",
        "lam",
        "--kind",
        "coupling",
        "--format",
        "json",
    ]);
    assert_eq!(out["schema"], "renorm.check/2", "{out}");
    let report = &out["reports"][0];
    assert_eq!(report["verdict"]["class"], "not_power_law", "{out}");
    let w = &report["checks"]["log_shift"]["witness"];
    assert!(
        w["residual"].as_str().is_some_and(|r| r.contains("σ = 1/2")),
        "witness names its residual: {w}"
    );
    let f = |x: &Float| Float::with_val(BITS, x * x) * (Float::with_val(BITS, 1) + x.clone().sqrt());
    let (l, lp) = (float(&point_value(w, "lam")), float(&point_value(w, "lam'")));
    let e = Float::with_val(BITS, Rational::from((1, 2))).exp();
    let value = f(&Float::with_val(BITS, &e * &l)) * f(&lp) - f(&Float::with_val(BITS, &e * &lp)) * f(&l);
    assert_contains(w, &value);
}
