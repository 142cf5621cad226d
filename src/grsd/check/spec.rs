//! The `renorm check` spec format (TOML) and its validation.
//!
//! ```toml
//! name = "residual-like velocity"
//! kind = "velocity"            # velocity (weight 2) | coupling (1) | log_velocity (1) | energy (0)
//! # weight = "1/2"             # or an explicit rational weight
//! expr = "c * lam^b * t^(b-2)"
//! spectral = ["lam"]           # variables that scale together; one or more
//! time = "t"                   # optional
//! # scales = [-30, 30]         # decimal exponents of the sampled scales (default 10^-30 … 10^30)
//! [params]                     # exact values, or a range to sample
//! b = "3/2"
//! c = { range = ["1/10", "10"] }
//! [expect]                     # optional claims; `renorm check` exits 1 if one does not hold
//! log_shift = "continuous"     # continuous | discrete | none
//! degree = "3/2"
//! time_covariant = true
//! power_law = true
//! ```
//!
//! Exact values are written as strings (`"3/2"`, `"0.25"`) or TOML integers; TOML floats are
//! refused because a binary float cannot carry the exact value the user meant.

use super::class::{LogShiftKind, VerdictClass};
use crate::crosscheck::parse_rational;
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::input;
use crate::spec_values::{exact_value, invalid, line_col, syntax_error};
use rug::Rational;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The kind of field being checked; it fixes the time-rescaling weight (docs/theory.md §2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// `v = dλ/dt`, weight 2.
    Velocity,
    /// A coupling rate `K`, weight 1.
    Coupling,
    /// `V = d ln λ / dt`, weight 1.
    LogVelocity,
    /// Energy, loss or a dimensionless ratio, weight 0.
    Energy,
}

impl FieldKind {
    /// Parses the spec spelling.
    pub fn from_name(name: &str) -> Option<FieldKind> {
        match name {
            "velocity" => Some(FieldKind::Velocity),
            "coupling" => Some(FieldKind::Coupling),
            "log_velocity" => Some(FieldKind::LogVelocity),
            "energy" => Some(FieldKind::Energy),
            _ => None,
        }
    }

    /// The docs/theory.md §2.6 weight.
    pub fn weight(self) -> Rational {
        match self {
            FieldKind::Velocity => Rational::from(2),
            FieldKind::Coupling | FieldKind::LogVelocity => Rational::from(1),
            FieldKind::Energy => Rational::from(0),
        }
    }
}

/// A parameter: an exact value substituted before checking, or a range sampled numerically
/// (the parameter then stays symbolic, and degrees come out as formulas in it).
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// An exact value.
    Exact(Rational),
    /// A closed range `[lo, hi]` with `lo < hi`.
    Range(Rational, Rational),
}

/// Claims to check.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expect {
    /// `continuous`, `discrete` or `none`.
    pub log_shift: Option<LogShiftKind>,
    /// The degree `b`, as a formula (exact rational or in the parameters).
    pub degree: Option<(String, Expr)>,
    /// Whether the field is time-rescaling covariant of its weight.
    pub time_covariant: Option<bool>,
    /// Whether the verdict is `power_law`.
    pub power_law: Option<bool>,
    /// The verdict class.
    pub class: Option<VerdictClass>,
}

/// A validated spec.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Display name.
    pub name: String,
    /// Field kind, if given.
    pub kind: Option<FieldKind>,
    /// Time-rescaling weight.
    pub weight: Rational,
    /// The formula as written.
    pub source: String,
    /// The formula as parsed.
    pub expr: Expr,
    /// Spectral variables (scale together).
    pub spectral: Vec<String>,
    /// Time variable.
    pub time: Option<String>,
    /// Parameters.
    pub params: BTreeMap<String, Param>,
    /// Claims.
    pub expect: Expect,
    /// Where spectral variables and time are sampled, if the spec says (otherwise the knobs').
    pub scales: Option<crate::numeric::ScaleDomain>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    name: Option<String>,
    kind: Option<String>,
    weight: Option<toml::Value>,
    expr: toml::Spanned<String>,
    spectral: Vec<String>,
    time: Option<String>,
    #[serde(default)]
    params: BTreeMap<String, toml::Value>,
    #[serde(default)]
    expect: Option<RawExpect>,
    scales: Option<Vec<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    log_shift: Option<String>,
    degree: Option<toml::Value>,
    time_covariant: Option<bool>,
    power_law: Option<bool>,
    class: Option<String>,
}

/// Inline-form options (`renorm check --expr … --spectral …`).
#[derive(Debug, Clone, Default)]
pub struct InlineSpec {
    /// The formula.
    pub expr: String,
    /// Spectral variables.
    pub spectral: Vec<String>,
    /// Time variable.
    pub time: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Explicit weight.
    pub weight: Option<String>,
    /// `name=value` or `name=lo..hi` parameters.
    pub params: Vec<String>,
}

fn param(v: &toml::Value, location: &str) -> Result<Param> {
    if let toml::Value::Table(t) = v {
        let range = t
            .get("range")
            .ok_or_else(|| invalid(location, "a table parameter needs `range = [lo, hi]`"))?;
        if let Some(key) = t.keys().find(|k| k.as_str() != "range") {
            return Err(invalid(
                location,
                format!("unknown key `{key}` (only `range` is allowed)"),
            ));
        }
        let items = range
            .as_array()
            .filter(|a| a.len() == 2)
            .ok_or_else(|| invalid(format!("{location}.range"), "expected two bounds, [lo, hi]"))?;
        let lo = exact_value(&items[0], &format!("{location}.range[0]"))?;
        let hi = exact_value(&items[1], &format!("{location}.range[1]"))?;
        if lo >= hi {
            return Err(invalid(
                format!("{location}.range"),
                "lower bound must be below upper bound",
            ));
        }
        return Ok(Param::Range(lo, hi));
    }
    exact_value(v, location).map(Param::Exact)
}

fn weight_for(
    kind: Option<&str>,
    weight: Option<Rational>,
    location: &str,
) -> Result<(Option<FieldKind>, Rational)> {
    let kind = match kind {
        Some(k) => Some(FieldKind::from_name(k).ok_or_else(|| {
            invalid(
                format!("{location}: kind"),
                format!("unknown kind `{k}` (use velocity, coupling, log_velocity or energy)"),
            )
        })?),
        None => None,
    };
    let weight = match (weight, kind) {
        (Some(w), _) => w,
        (None, Some(k)) => k.weight(),
        (None, None) => {
            return Err(invalid(
                location,
                "give `kind` (velocity, coupling, log_velocity, energy) or `weight`",
            ));
        }
    };
    Ok((kind, weight))
}

impl Spec {
    /// Reads and validates a spec file. Errors name the file and the field (with line and
    /// column for TOML syntax errors and formula errors).
    pub fn from_toml(text: &str, origin: &str) -> Result<Spec> {
        let raw: RawSpec = toml::from_str(text).map_err(|e| syntax_error(text, origin, &e))?;
        let expr_span = raw.expr.span();
        let (line, col) = line_col(text, expr_span.start);
        let source = raw.expr.into_inner();
        let expr = input::parse(&source).map_err(|e| {
            Error::parse(
                format!("{origin}: expr (value at line {line}, column {col})"),
                &source,
                e,
            )
        })?;
        let weight = match &raw.weight {
            Some(v) => Some(exact_value(v, &format!("{origin}: weight"))?),
            None => None,
        };
        let (kind, weight) = weight_for(raw.kind.as_deref(), weight, origin)?;
        let mut params = BTreeMap::new();
        for (name, v) in &raw.params {
            params.insert(name.clone(), param(v, &format!("{origin}: params.{name}"))?);
        }
        let expect = match raw.expect {
            None => Expect::default(),
            Some(e) => {
                let log_shift = match &e.log_shift {
                    None => None,
                    Some(ls) => Some(
                        LogShiftKind::CLAIMABLE
                            .into_iter()
                            .find(|k| k.as_str() == ls)
                            .ok_or_else(|| {
                                invalid(
                                    format!("{origin}: expect.log_shift"),
                                    format!("`{ls}` is not one of continuous, discrete, none"),
                                )
                            })?,
                    ),
                };
                let class = match &e.class {
                    None => None,
                    Some(c) => Some(
                        c.parse::<VerdictClass>()
                            .map_err(|why| invalid(format!("{origin}: expect.class"), why))?,
                    ),
                };
                let degree = match &e.degree {
                    None => None,
                    Some(v) => {
                        let text = match v {
                            toml::Value::String(s) => s.clone(),
                            toml::Value::Integer(i) => i.to_string(),
                            _ => {
                                return Err(invalid(
                                    format!("{origin}: expect.degree"),
                                    "write the degree as a string, e.g. \"3/2\" or \"b\"",
                                ));
                            }
                        };
                        let parsed = input::parse(&text)
                            .map_err(|err| Error::parse(format!("{origin}: expect.degree"), &text, err))?;
                        Some((text, parsed))
                    }
                };
                Expect {
                    log_shift,
                    degree,
                    time_covariant: e.time_covariant,
                    power_law: e.power_law,
                    class,
                }
            }
        };
        let scales = match &raw.scales {
            None => None,
            Some(pair) => {
                let location = format!("{origin}: scales");
                let [lo, hi] = pair.as_slice() else {
                    return Err(invalid(location, "write two decimal exponents, e.g. [-30, 30]"));
                };
                let exponent =
                    |v: i64| i32::try_from(v).map_err(|_| invalid(&location, format!("{v} is out of range")));
                Some(
                    crate::numeric::ScaleDomain::new(exponent(*lo)?, exponent(*hi)?)
                        .map_err(|why| invalid(&location, why))?,
                )
            }
        };
        let spec = Spec {
            name: raw.name.unwrap_or_else(|| origin.to_string()),
            kind,
            weight,
            source,
            expr,
            spectral: raw.spectral,
            time: raw.time,
            params,
            expect,
            scales,
        };
        spec.validate(origin)?;
        Ok(spec)
    }

    /// Builds a spec from command-line options.
    pub fn from_inline(inline: &InlineSpec) -> Result<Spec> {
        let expr =
            input::parse(&inline.expr).map_err(|e| Error::parse("inline spec: expr", &inline.expr, e))?;
        let weight = match &inline.weight {
            Some(w) => Some(
                parse_rational(w)
                    .ok_or_else(|| invalid("inline spec: weight", format!("`{w}` is not exact")))?,
            ),
            None => None,
        };
        let (kind, weight) = weight_for(inline.kind.as_deref(), weight, "inline spec")?;
        let mut params = BTreeMap::new();
        for p in &inline.params {
            let (name, value) = p.split_once('=').ok_or_else(|| {
                invalid(
                    "inline spec: params",
                    format!("`{p}`: write name=value or name=lo..hi"),
                )
            })?;
            let location = format!("inline spec: params {name}");
            let value = match value.split_once("..") {
                Some((lo, hi)) => {
                    let lo = parse_rational(lo)
                        .ok_or_else(|| invalid(&location, format!("`{lo}` is not exact")))?;
                    let hi = parse_rational(hi)
                        .ok_or_else(|| invalid(&location, format!("`{hi}` is not exact")))?;
                    if lo >= hi {
                        return Err(invalid(&location, "lower bound must be below upper bound"));
                    }
                    Param::Range(lo, hi)
                }
                None => Param::Exact(
                    parse_rational(value)
                        .ok_or_else(|| invalid(&location, format!("`{value}` is not exact")))?,
                ),
            };
            params.insert(name.trim().to_string(), value);
        }
        let spec = Spec {
            name: inline.expr.clone(),
            kind,
            weight,
            source: inline.expr.clone(),
            expr,
            spectral: inline.spectral.clone(),
            time: inline.time.clone(),
            params,
            expect: Expect::default(),
            scales: None,
        };
        spec.validate("inline spec")?;
        Ok(spec)
    }

    fn validate(&self, origin: &str) -> Result<()> {
        if self.spectral.is_empty() {
            return Err(invalid(
                format!("{origin}: spectral"),
                "declare at least one spectral variable",
            ));
        }
        let mut declared: Vec<&str> = self.spectral.iter().map(String::as_str).collect();
        if let Some(t) = &self.time {
            declared.push(t);
        }
        declared.extend(self.params.keys().map(String::as_str));
        let mut seen = std::collections::BTreeSet::new();
        for d in &declared {
            if !seen.insert(*d) {
                return Err(invalid(
                    origin,
                    format!("`{d}` is declared twice (spectral, time and params must be distinct)"),
                ));
            }
        }
        for v in self.expr.variables() {
            if !declared.contains(&v.as_str()) {
                return Err(invalid(
                    format!("{origin}: expr"),
                    format!("`{v}` is not declared: list it in `spectral`, as `time`, or under [params]"),
                ));
            }
        }
        // A declared spectral variable missing from the formula is not an error: the field is
        // covariant of degree 0 in it (the log-velocity `2/t` is the textbook case). It is
        // reported by `warnings` instead, since it is often a typo.
        Ok(())
    }

    /// Remarks about a valid spec that do not stop the check: each declared spectral variable
    /// that does not occur in the formula (the field is then constant in it, degree 0).
    pub fn warnings(&self) -> Vec<String> {
        self.spectral
            .iter()
            .filter(|s| !self.expr.mentions(s))
            .map(|s| {
                format!(
                    "`{s}` does not occur in the formula: the field does not depend on it, so it is covariant of degree 0 in `{s}` (check the spelling if that is not what you meant)"
                )
            })
            .collect()
    }

    /// The formula with exact parameters substituted (range parameters stay symbolic).
    pub fn instantiated(&self) -> Expr {
        self.expr.map_vars(&mut |v| match self.params.get(v) {
            Some(Param::Exact(q)) => Some(Expr::rational(q)),
            _ => None,
        })
    }

    /// Parameters that stay symbolic (sampled from their ranges).
    pub fn free_params(&self) -> Vec<(String, Rational, Rational)> {
        self.params
            .iter()
            .filter_map(|(k, p)| match p {
                Param::Range(lo, hi) => Some((k.clone(), lo.clone(), hi.clone())),
                Param::Exact(_) => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "residual-like velocity"
kind = "velocity"
expr = "c * lam^b * t^(b-2)"
spectral = ["lam"]
time = "t"
[params]
b = "3/2"
c = { range = ["1/10", "10"] }
[expect]
log_shift = "continuous"
degree = "3/2"
time_covariant = true
power_law = true
"#;

    #[test]
    fn reads_the_documented_example() {
        let s = Spec::from_toml(GOOD, "good.toml").unwrap();
        assert_eq!(s.weight, 2);
        assert_eq!(s.params["b"], Param::Exact(Rational::from((3, 2))));
        assert_eq!(
            s.params["c"],
            Param::Range(Rational::from((1, 10)), Rational::from(10))
        );
        assert_eq!(s.instantiated().to_string(), "c*lam^(3/2)*t^(3/2 - 2)");
        assert_eq!(s.expect.power_law, Some(true));
    }

    fn err(text: &str) -> String {
        Spec::from_toml(text, "bad.toml").unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_place() {
        assert!(
            err("expr = \"lam\"\nspectral = [\"lam\"]\nkind = \"speed\"").contains("unknown kind `speed`")
        );
        let e = err("kind = \"energy\"\nspectral = [\"lam\"]\nexpr = \"lam^^2\"");
        assert!(e.contains("bad.toml: expr (value at line 3, column 8)"), "{e}");
        assert!(e.contains("1:5"), "{e}");
        let e = err("kind = \"energy\"\nspectral = [\"lam\"]\nexpr = \"lam*x\"");
        assert!(e.contains("`x` is not declared"), "{e}");
        let e = err("kind = \"energy\"\nspectral = [\"lam\"]\nexpr = \"lam^b\"\n[params]\nb = 1.5");
        assert!(e.contains("params.b") && e.contains("TOML floats"), "{e}");
        let e = err("kind = \"energy\"\nspectral = [\"lam\"]\nexpr = \"lam\"\nbogus = 1");
        assert!(e.contains("bad.toml:4:1") && e.contains("bogus"), "{e}");
        let e = err(
            "kind = \"energy\"\nspectral = [\"lam\"]\nexpr = \"lam\"\n[expect]\nlog_shift = \"sometimes\"",
        );
        assert!(e.contains("expect.log_shift"), "{e}");
        let e = err(
            "kind = \"energy\"\nexpr = \"lam\"\nspectral = [\"lam\"]\n[params]\nc = { range = [\"2\", \"1\"] }",
        );
        assert!(e.contains("params.c.range"), "{e}");
    }

    #[test]
    fn a_missing_spectral_variable_is_a_warning_not_an_error() {
        // Degree 0 in `mu`: accepted, with a warning that names it.
        let s = Spec::from_toml(
            "kind = \"energy\"\nspectral = [\"lam\", \"mu\"]\nexpr = \"lam\"",
            "ok.toml",
        )
        .unwrap();
        let w = s.warnings();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("`mu` does not occur") && w[0].contains("degree 0"),
            "{w:?}"
        );
        assert!(Spec::from_toml(GOOD, "good.toml").unwrap().warnings().is_empty());
    }

    #[test]
    fn inline_form() {
        let s = Spec::from_inline(&InlineSpec {
            expr: "k*lam^a/mu".into(),
            spectral: vec!["lam".into(), "mu".into()],
            time: None,
            kind: Some("coupling".into()),
            weight: None,
            params: vec!["a=2".into(), "k=1/2..3".into()],
        })
        .unwrap();
        assert_eq!(s.weight, 1);
        assert_eq!(s.free_params().len(), 1);
    }
}
