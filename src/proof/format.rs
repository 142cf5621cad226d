//! The proof-file format (TOML) and its validation.
//!
//! ```toml
//! title = "Theorem 1 — rigidity"
//! statement = "H1 and H2 force v = C λ^b t^(b−w)"
//! reference = "docs/theory.md §2.7"            # optional
//!
//! [variables]                              # every variable a step uses, with its domain
//! lam = "positive"                         # positive | real | integer
//! #   positive: 1e-30 … 1e30 log-uniform, a third near 1 (1e-1 … 1e1 for integrals); real: [-3, 3]; integer: [-6, 6]
//! b = { interval = ["1/10", "19/10"] }     # a real interval (exact bounds)
//!
//! [assumptions]                            # substitutions applied to every step
//! A21 = "-A12"
//!
//! [[step]]
//! claim = "lam * diff_v == b * v"          # an identity lhs == rhs
//! where = { v = "C*lam^b*t^(b-w)" }       # substitutions for this step only
//! differentiate = "lam"                    # optional: compare d(lhs)/d(lam) with rhs
//! integrate = { var = "u", from = "0", to = "inf" }   # optional: compare ∫ lhs du with rhs
//! justification = "normalize"              # substitute | differentiate | normalize |
//!                                          # by step N | by theorem | numeric
//! cites = [1, "other_proof.toml"]          # earlier steps and other proof files
//! expect = "holds"                         # or "refuted" for a claim that must fail
//! note = "why this step is here"
//! ```
//!
//! A step with `expect = "refuted"` must also say *what* it refutes, with
//! `difference = "<expr>"`: the exact discrepancy `lhs − rhs`. The step passes only if its claim
//! is refuted by a certified witness **and** `lhs − rhs == difference` holds (`proved`, or
//! `confirmed` numerically). Without the difference any false formula would pass, so a mutated
//! non-example could not be told from the intended one; a refuted step without it is an input
//! error. The `where` substitutions and the assumptions apply to the difference too. For
//! `differentiate` and `integrate` steps the difference refers to the compared quantity:
//! `d(lhs)/d(var) − rhs`, respectively `∫ lhs d(var) − rhs`.
//!
//! ```toml
//! [[step]]
//! claim = "U*(mu^2 + 3*s2)/lam == 3*U*(mu^2 + s2)/lam"
//! justification = "normalize"
//! expect = "refuted"
//! difference = "-2*U*mu^2/lam"             # lhs − rhs, checked to hold
//! ```

use crate::crosscheck::parse_rational;
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::input;
use crate::numeric::Bound;
use rug::Rational;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Domain of a declared variable.
#[derive(Debug, Clone, PartialEq)]
pub enum VarDomain {
    /// Positive reals.
    Positive,
    /// All reals.
    Real,
    /// Integers (sampled from small integers).
    Integer,
    /// A closed real interval.
    Interval(Rational, Rational),
}

/// What a step asks to compare.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// `lhs == rhs`.
    Identity,
    /// `d(lhs)/d(var) == rhs`.
    Differentiate(String),
    /// `∫_lower^upper lhs d(var) == rhs`.
    Integrate {
        /// Integration variable.
        var: String,
        /// Lower limit.
        lower: Bound,
        /// Upper limit.
        upper: Bound,
    },
}

/// How a step is justified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Justification {
    /// A substitution into earlier material.
    Substitute,
    /// A differentiation.
    Differentiate,
    /// Algebraic normalization.
    Normalize,
    /// Follows from an earlier step.
    ByStep(usize),
    /// Follows from a cited proof file.
    ByTheorem,
    /// Accepted on numeric evidence alone (needs `confirmed`).
    Numeric,
}

impl Justification {
    /// The spelling in proof files.
    pub fn label(&self) -> String {
        match self {
            Justification::Substitute => "substitute".into(),
            Justification::Differentiate => "differentiate".into(),
            Justification::Normalize => "normalize".into(),
            Justification::ByStep(n) => format!("by step {n}"),
            Justification::ByTheorem => "by theorem".into(),
            Justification::Numeric => "numeric".into(),
        }
    }
}

/// A citation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Citation {
    /// An earlier step of the same file.
    Step(usize),
    /// Another proof file (path relative to the citing file).
    File(PathBuf),
}

/// One step.
#[derive(Debug, Clone)]
pub struct Step {
    /// 1-based number.
    pub number: usize,
    /// Line of its `[[step]]` header in the file.
    pub line: usize,
    /// The claim as written.
    pub claim: String,
    /// Left-hand side (after assumptions and `where` substitutions).
    pub lhs: Expr,
    /// Right-hand side (after substitutions).
    pub rhs: Expr,
    /// What is compared.
    pub operation: Operation,
    /// Justification.
    pub justification: Justification,
    /// Citations.
    pub cites: Vec<Citation>,
    /// Whether the claim must hold or must be refuted.
    pub expect_refuted: bool,
    /// For a refuted step: the exact discrepancy (`lhs − rhs`, or the compared quantity minus
    /// `rhs` for derivative and integral steps), after substitutions; it must itself hold.
    pub difference: Option<Expr>,
    /// Free-text note.
    pub note: Option<String>,
}

/// A parsed and validated proof file.
#[derive(Debug, Clone)]
pub struct ProofFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Title.
    pub title: String,
    /// The statement proved.
    pub statement: String,
    /// Optional reference (e.g. `docs/theory.md §2.7`).
    pub reference: Option<String>,
    /// Declared variables.
    pub variables: BTreeMap<String, VarDomain>,
    /// Steps.
    pub steps: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProof {
    title: String,
    statement: String,
    reference: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, toml::Value>,
    #[serde(default)]
    assumptions: BTreeMap<String, String>,
    #[serde(default, rename = "step")]
    steps: Vec<toml::Spanned<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    claim: String,
    #[serde(default, rename = "where")]
    where_: BTreeMap<String, String>,
    differentiate: Option<String>,
    integrate: Option<RawIntegral>,
    justification: String,
    #[serde(default)]
    cites: Vec<toml::Value>,
    expect: Option<String>,
    difference: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIntegral {
    var: String,
    from: String,
    to: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn invalid(location: String, message: impl Into<String>) -> Error {
    Error::InvalidInput {
        location,
        message: message.into(),
    }
}

fn bound(text: &str, location: &str) -> Result<Bound> {
    match text.trim() {
        "inf" | "infinity" | "∞" => Ok(Bound::Infinity),
        t => parse_rational(t).map(Bound::Finite).ok_or_else(|| {
            invalid(
                location.to_string(),
                format!("`{t}` is not an exact number or `inf`"),
            )
        }),
    }
}

/// A structural problem at a step (undeclared variable, bad citation): the proof fails there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructuralError {
    /// Step number (0 for the file header).
    pub step: usize,
    /// What is wrong.
    pub message: String,
}

impl ProofFile {
    /// Reads a proof file. Syntax errors are [`Error`]s (exit 2); logical problems found while
    /// validating (undeclared variables, citations of later steps) are returned separately so
    /// the checker can report them as the failing step.
    pub fn from_toml(text: &str, path: &Path) -> Result<(ProofFile, Vec<StructuralError>)> {
        let origin = path.display().to_string();
        let raw: RawProof = toml::from_str(text).map_err(|e| {
            let location = match e.span() {
                Some(s) => format!("{origin}:{}", line_of(text, s.start)),
                None => origin.clone(),
            };
            invalid(location, e.message().trim().to_string())
        })?;
        let mut variables = BTreeMap::new();
        for (name, v) in &raw.variables {
            let location = format!("{origin}: variables.{name}");
            let domain = match v {
                toml::Value::String(s) => match s.as_str() {
                    "positive" => VarDomain::Positive,
                    "real" => VarDomain::Real,
                    "integer" => VarDomain::Integer,
                    other => {
                        return Err(invalid(
                            location,
                            format!(
                                "unknown domain `{other}` (positive, real, integer, or {{ interval = [lo, hi] }})"
                            ),
                        ));
                    }
                },
                toml::Value::Table(t) => {
                    let items = t
                        .get("interval")
                        .and_then(|i| i.as_array())
                        .filter(|a| a.len() == 2)
                        .ok_or_else(|| invalid(location.clone(), "expected { interval = [lo, hi] }"))?;
                    let get = |i: usize| {
                        items[i]
                            .as_str()
                            .and_then(parse_rational)
                            .or_else(|| items[i].as_integer().map(Rational::from))
                            .ok_or_else(|| {
                                invalid(
                                    location.clone(),
                                    "interval bounds must be exact (strings or integers)",
                                )
                            })
                    };
                    let (lo, hi) = (get(0)?, get(1)?);
                    if lo >= hi {
                        return Err(invalid(location, "lower bound must be below upper bound"));
                    }
                    VarDomain::Interval(lo, hi)
                }
                _ => {
                    return Err(invalid(
                        location,
                        "expected a domain name or { interval = [lo, hi] }",
                    ));
                }
            };
            variables.insert(name.clone(), domain);
        }
        let parse_formula =
            |text: &str, location: String| input::parse(text).map_err(|e| Error::parse(location, text, e));
        let mut assumptions = Vec::new();
        for (name, formula) in &raw.assumptions {
            assumptions.push((
                name.clone(),
                parse_formula(formula, format!("{origin}: assumptions.{name}"))?,
            ));
        }
        let mut steps = Vec::new();
        let mut problems = Vec::new();
        for (i, spanned) in raw.steps.iter().enumerate() {
            let number = i + 1;
            let line = line_of(text, spanned.span().start);
            let raw_step = spanned.get_ref();
            let location = format!("{origin}:{line}: step {number}");
            let (lhs_text, rhs_text) = raw_step
                .claim
                .split_once("==")
                .ok_or_else(|| invalid(location.clone(), "a claim is `lhs == rhs`"))?;
            let mut lhs = parse_formula(lhs_text.trim(), format!("{location} (claim, left side)"))?;
            let mut rhs = parse_formula(rhs_text.trim(), format!("{location} (claim, right side)"))?;
            // `where` substitutions first (they may mention assumed names), then assumptions.
            for (name, formula) in &raw_step.where_ {
                let with = parse_formula(formula, format!("{location} (where.{name})"))?;
                lhs = bounded_substitute(&lhs, name, &with, &location)?;
                rhs = bounded_substitute(&rhs, name, &with, &location)?;
            }
            for (name, with) in &assumptions {
                lhs = bounded_substitute(&lhs, name, with, &location)?;
                rhs = bounded_substitute(&rhs, name, with, &location)?;
            }
            let operation = match (&raw_step.differentiate, &raw_step.integrate) {
                (Some(_), Some(_)) => {
                    return Err(invalid(
                        location,
                        "a step cannot both differentiate and integrate",
                    ));
                }
                (Some(v), None) => Operation::Differentiate(v.clone()),
                (None, Some(int)) => Operation::Integrate {
                    var: int.var.clone(),
                    lower: bound(&int.from, &format!("{location} (integrate.from)"))?,
                    upper: bound(&int.to, &format!("{location} (integrate.to)"))?,
                },
                (None, None) => Operation::Identity,
            };
            let j = raw_step.justification.trim();
            let justification = match j {
                "substitute" => Justification::Substitute,
                "differentiate" => Justification::Differentiate,
                "normalize" => Justification::Normalize,
                "by theorem" => Justification::ByTheorem,
                "numeric" => Justification::Numeric,
                _ => match j
                    .strip_prefix("by step ")
                    .and_then(|n| n.trim().parse::<usize>().ok())
                {
                    Some(n) => Justification::ByStep(n),
                    None => {
                        return Err(invalid(
                            format!("{location} (justification)"),
                            format!(
                                "`{j}` is not one of substitute, differentiate, normalize, by step N, by theorem, numeric"
                            ),
                        ));
                    }
                },
            };
            let mut cites = Vec::new();
            for c in &raw_step.cites {
                cites.push(match c {
                    toml::Value::Integer(n) if *n > 0 => Citation::Step(*n as usize),
                    toml::Value::String(s) => Citation::File(PathBuf::from(s)),
                    other => {
                        return Err(invalid(
                            format!("{location} (cites)"),
                            format!("a citation is a step number or a proof file name, not {other}"),
                        ));
                    }
                });
            }
            if let Justification::ByStep(n) = justification
                && !cites.contains(&Citation::Step(n))
            {
                cites.push(Citation::Step(n));
            }
            let expect_refuted = match raw_step.expect.as_deref() {
                None | Some("holds") => false,
                Some("refuted") => true,
                Some(other) => {
                    return Err(invalid(
                        format!("{location} (expect)"),
                        format!("`{other}` is not `holds` or `refuted`"),
                    ));
                }
            };
            let difference = match (&raw_step.difference, expect_refuted) {
                (None, false) => None,
                (Some(_), false) => {
                    return Err(invalid(
                        format!("{location} (difference)"),
                        "`difference` pins down what a refuted step refutes; this step expects `holds` (add `expect = \"refuted\"` or drop the difference)",
                    ));
                }
                (None, true) => {
                    return Err(invalid(
                        format!("{location} (expect)"),
                        "a step with `expect = \"refuted\"` must say what it refutes: add `difference = \"<lhs - rhs>\"`, the exact discrepancy (for differentiate/integrate steps: the compared quantity minus rhs), which is checked to hold",
                    ));
                }
                (Some(text), true) => {
                    let mut d = parse_formula(text, format!("{location} (difference)"))?;
                    for (name, formula) in &raw_step.where_ {
                        let with = parse_formula(formula, format!("{location} (where.{name})"))?;
                        d = bounded_substitute(&d, name, &with, &location)?;
                    }
                    for (name, with) in &assumptions {
                        d = bounded_substitute(&d, name, with, &location)?;
                    }
                    Some(d)
                }
            };
            // Logical checks: these make the proof fail at this step rather than being input
            // errors, because the file is well-formed but the argument is not.
            for c in &cites {
                if let Citation::Step(n) = c
                    && *n >= number
                {
                    problems.push(StructuralError {
                        step: number,
                        message: format!("step {number} cites step {n}, which does not come before it"),
                    });
                }
            }
            if justification == Justification::ByTheorem
                && !cites.iter().any(|c| matches!(c, Citation::File(_)))
            {
                problems.push(StructuralError {
                    step: number,
                    message: format!("step {number} is justified `by theorem` but cites no proof file"),
                });
            }
            let mut bound_here: Vec<&str> = Vec::new();
            if let Operation::Integrate { var, .. } = &operation {
                bound_here.push(var);
            }
            let mut used = lhs.variables();
            used.extend(rhs.variables());
            if let Some(d) = &difference {
                used.extend(d.variables());
            }
            for v in used {
                if !variables.contains_key(&v) && !bound_here.contains(&v.as_str()) {
                    problems.push(StructuralError {
                        step: number,
                        message: format!("step {number} uses `{v}`, which is not declared under [variables]"),
                    });
                }
            }
            if let Operation::Differentiate(v) = &operation
                && !variables.contains_key(v)
            {
                problems.push(StructuralError {
                    step: number,
                    message: format!("step {number} differentiates by `{v}`, which is not declared"),
                });
            }
            steps.push(Step {
                number,
                line,
                claim: raw_step.claim.clone(),
                lhs,
                rhs,
                operation,
                justification,
                cites,
                expect_refuted,
                difference,
                note: raw_step.note.clone(),
            });
        }
        if steps.is_empty() {
            problems.push(StructuralError {
                step: 0,
                message: "the proof has no steps".into(),
            });
        }
        Ok((
            ProofFile {
                path: path.to_path_buf(),
                title: raw.title,
                statement: raw.statement,
                reference: raw.reference,
                variables,
                steps,
            },
            problems,
        ))
    }
}

/// `e` with `name` replaced by `with`, refused when the result would break the formula limits
/// (README, "Limits"): substitutions that refer to one another can double a formula at each
/// step (`v0 = "v1+v1"`, `v1 = "v2+v2"`, …), 2³⁰ nodes from a few lines.
fn bounded_substitute(e: &Expr, name: &str, with: &Expr, location: &str) -> Result<Expr> {
    let limits = input::Limits::default();
    e.substitute_within(name, with, limits.max_nodes, limits.max_depth).ok_or_else(|| {
        invalid(
            location.to_string(),
            format!(
                "substituting `{name}` makes the formula larger than the limits ({} nodes, nesting depth {})",
                limits.max_nodes, limits.max_depth
            ),
        )
    })
}
