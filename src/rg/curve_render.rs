//! How a learning curve (`renorm rg curve`, docs/theory.md §3.4) is written: the JSON document
//! (`renorm.rg.curve/1`, without its `schema` field) and the plain-text table, shared by the
//! command line and the Python package so both print the same digits.

use crate::rg::curve;
use rug::Rational;

/// `{value, enclosure: [lo, hi], digits_certified}`: endpoints `ENDPOINT_EXTRA_DIGITS` digits beyond
/// the value, rounded outward, so they provably bracket it; `digits_certified` is what those
/// printed strings certify, never more than the value shows ([`curve::PrintedEnclosure`]).
pub fn enclosure_json(e: &curve::Enclosure, digits: u32) -> serde_json::Value {
    let p = e.printed(digits);
    serde_json::json!({
        "value": p.value,
        "enclosure": [p.lo, p.hi],
        "digits_certified": p.digits_certified,
    })
}

/// [`enclosure_json`], or `null` for a quantity that is not defined.
pub fn optional_json(e: Option<&curve::Enclosure>, digits: u32) -> serde_json::Value {
    e.map_or(serde_json::Value::Null, |e| enclosure_json(e, digits))
}

/// The curve's JSON document (the `renorm.rg.curve/1` fields; the caller adds `schema`): inputs
/// as exact strings, every quantity as an [`enclosure_json`], continuum forms, and the method.
pub fn curve_json(
    lc: &curve::LearningCurve,
    alpha: &Rational,
    beta: &Rational,
    x: &Rational,
    modes: Option<u64>,
) -> serde_json::Value {
    let d = lc.digits;
    serde_json::json!({
        "alpha": alpha.to_string(),
        "beta": beta.to_string(),
        "p_over_r": x.to_string(),
        "modes": modes.map_or("all".to_string(), |n| n.to_string()),
        "digits": d,
        "bias": enclosure_json(&lc.bias, d),
        "variance": enclosure_json(&lc.variance, d),
        "loss": enclosure_json(&lc.loss, d),
        "slope": {
            "bias": enclosure_json(&lc.slope_bias, d),
            "variance": enclosure_json(&lc.slope_variance, d),
            "loss": enclosure_json(&lc.slope_loss, d),
        },
        // For β/(1+α) ≥ 2 the bias pieces are null and `bias_undefined` says why.
        "continuum": {
            "C_B": optional_json(lc.c_b.as_ref(), d),
            "C_V": enclosure_json(&lc.c_v, d),
            "exponent_bias": lc.exponent_bias.as_ref().map(ToString::to_string),
            "exponent_variance": lc.exponent_variance.to_string(),
            "bias": optional_json(lc.continuum_bias.as_ref(), d),
            "variance": enclosure_json(&lc.continuum_variance, d),
            "loss": optional_json(lc.continuum_loss.as_ref(), d),
            "bias_undefined": lc.c_b.is_none().then_some(curve::BIAS_CONTINUUM_UNDEFINED),
        },
        "method": {
            "head_terms": lc.terms_head,
            "euler_maclaurin_order": lc.em_order,
            "relative_remainder_bound": crate::numeric::format::decimal_up(&lc.remainder_bound, 3),
        },
    })
}

/// The curve as the plain-text table `renorm rg curve` prints.
pub fn curve_text(
    lc: &curve::LearningCurve,
    alpha: &Rational,
    beta: &Rational,
    x: &Rational,
    modes: Option<u64>,
) -> String {
    let d = lc.digits;
    let row = |name: &str, e: &curve::Enclosure| {
        let p = e.printed(d);
        format!(
            "{name:<18} {}   ({} digits certified)\n",
            p.value, p.digits_certified
        )
    };
    let missing = |name: &str| format!("{name:<18} {}\n", curve::BIAS_CONTINUUM_UNDEFINED);
    let mut out = format!(
        "learning curve  α = {alpha}, β = {beta}, P/r = {x}, modes: {}\n",
        modes.map_or("all".to_string(), |n| format!("k ≤ {n}"))
    );
    out += &row("bias B", &lc.bias);
    out += &row("variance V", &lc.variance);
    out += &row("loss ⟨L⟩/P", &lc.loss);
    out += &row("slope dlnB/dlnx", &lc.slope_bias);
    out += &row("slope dlnV/dlnx", &lc.slope_variance);
    out += &row("slope dlnL/dlnx", &lc.slope_loss);
    out += &match &lc.exponent_bias {
        Some(eb) => format!(
            "continuum          B ≈ C_B x^({eb}), V ≈ C_V x^({})\n",
            lc.exponent_variance
        ),
        None => format!(
            "continuum          V ≈ C_V x^({}); no continuum form of B\n",
            lc.exponent_variance
        ),
    };
    out += &lc
        .c_b
        .as_ref()
        .map_or_else(|| missing("  C_B"), |e| row("  C_B", e));
    out += &row("  C_V", &lc.c_v);
    out += &lc
        .continuum_bias
        .as_ref()
        .map_or_else(|| missing("  B continuum"), |e| row("  B continuum", e));
    out += &row("  V continuum", &lc.continuum_variance);
    out += &format!(
        "method: {} head terms, Euler–Maclaurin order {}, relative remainder bound {} (inside the enclosures)\n",
        lc.terms_head,
        lc.em_order,
        crate::numeric::format::decimal_up(&lc.remainder_bound, 3)
    );
    out
}
