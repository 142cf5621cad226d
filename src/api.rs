//! A small library API for calling `renorm` from code, typically from a test suite.
//!
//! * [`Field`] — a builder for the `renorm check` question "does rigidity force this field into
//!   a power law?", returning the typed [`CheckReport`]. Parse and validation errors come back
//!   as [`Error`] values, never as panics.
//! * [`identity`] / [`identity_with`] — the `renorm identity` question "is `lhs == rhs`?",
//!   decided by both engines and returned as a cross-check [`Outcome`].
//!
//! ```rust
//! # // Doctests run as parallel processes and only one process may use the unlicensed engine:
//! # // this is the one engine-using doctest of a default build (with `testing`, the kit's is).
//! # #[cfg(not(feature = "testing"))] {
//! use renorm::{Field, Knobs};
//!
//! let report = Field::velocity("c*lam^b*t^(b-2)")
//!     .spectral(["lam"])
//!     .time("t")
//!     .param("c", "3/2")
//!     .param_range("b", "1/2", "3")
//!     .check_with(&Knobs { digits: 30, points: 4, ..Knobs::default() })?;
//! // Theorem 1 applies: the forced form and its exponents are in the verdict.
//! assert!(report.checks.log_shift.status.holds() && report.checks.time_rescaling.status.holds());
//! assert_eq!(report.verdict.exponent_spectral.as_deref(), Some("b"));
//! assert!(report.confirmation.is_some_and(|c| c.status.holds()));
//!
//! // An identity, decided by both engines.
//! let outcome = renorm::identity("log(a*b)", "log(a) + log(b)")?;
//! assert!(outcome.status.holds());
//! # }
//! # Ok::<(), renorm::Error>(())
//! ```
//!
//! Every check runs on the process's one symbolic-engine thread (see [`crate::symbolic`]):
//! callers on many threads are served in turn, and only one process using the engine may run
//! at a time without a Symbolica licence.

use crate::check::spec::{InlineSpec, Spec};
use crate::check::{self, CheckReport, Knobs};
use crate::crosscheck::{self, CheckOptions, Identity, Outcome, parse_rational};
use crate::error::{Error, Result};
use crate::input;

/// A parameter of a [`Field`], as given to the builder (validated when the field is checked).
#[derive(Debug, Clone, PartialEq, Eq)]
enum ParamValue {
    Exact(String),
    Range(String, String),
}

/// A field to check, built step by step: the formula, its kind (or weight), its spectral and
/// time variables and its parameters.
///
/// Nothing is parsed until [`Field::spec`], [`Field::check`] or [`Field::check_with`]; every
/// problem is then reported as an [`Error`] naming the builder call it concerns.
///
/// ```rust
/// use renorm::Field;
///
/// // A coupling of two spectral variables; no time variable, so weight 1 needs degree 1.
/// let spec = Field::coupling("sqrt(lam*mu)*mu/(lam + mu)").spectral(["lam", "mu"]).spec()?;
/// assert_eq!(spec.weight, 1);
///
/// // A typo in the formula is an error value with the location of the problem.
/// let err = Field::velocity("lam^^2").spectral(["lam"]).spec().unwrap_err();
/// assert_eq!(err.kind(), renorm::ErrorKind::InvalidInput);
/// assert!(err.to_string().contains("Field expr"));
/// # Ok::<(), renorm::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    expr: String,
    kind: Option<&'static str>,
    weight: Option<String>,
    spectral: Vec<String>,
    time: Option<String>,
    params: Vec<(String, ParamValue)>,
    name: Option<String>,
}

/// Where builder errors point, in place of the command-line flags the shared spec code names.
const ORIGIN: &str = "Field";

impl Field {
    fn of(kind: Option<&'static str>, expr: impl Into<String>) -> Field {
        Field {
            expr: expr.into(),
            kind,
            weight: None,
            spectral: Vec::new(),
            time: None,
            params: Vec::new(),
            name: None,
        }
    }

    /// A field without a kind: give its time-rescaling weight with [`Field::weight`].
    pub fn new(expr: impl Into<String>) -> Field {
        Field::of(None, expr)
    }

    /// A spectral velocity `v = dλ/dt` (weight 2, docs/theory.md §2.6).
    pub fn velocity(expr: impl Into<String>) -> Field {
        Field::of(Some("velocity"), expr)
    }

    /// A coupling rate `K` (weight 1).
    pub fn coupling(expr: impl Into<String>) -> Field {
        Field::of(Some("coupling"), expr)
    }

    /// A log-velocity `V = d ln λ / dt` (weight 1).
    pub fn log_velocity(expr: impl Into<String>) -> Field {
        Field::of(Some("log_velocity"), expr)
    }

    /// An energy, loss or dimensionless ratio (weight 0).
    pub fn energy(expr: impl Into<String>) -> Field {
        Field::of(Some("energy"), expr)
    }

    /// The spectral variables (they scale together; at least one).
    pub fn spectral<I, S>(mut self, vars: I) -> Field
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.spectral = vars.into_iter().map(Into::into).collect();
        self
    }

    /// The time variable.
    pub fn time(mut self, var: impl Into<String>) -> Field {
        self.time = Some(var.into());
        self
    }

    /// An exact parameter value (`"3/2"`, `"0.25"`, `"-2"`), substituted before checking.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Field {
        self.params.push((name.into(), ParamValue::Exact(value.into())));
        self
    }

    /// A parameter sampled from the exact range `[lo, hi]`; it stays symbolic, so degrees come
    /// out as formulas in it.
    pub fn param_range(
        mut self,
        name: impl Into<String>,
        lo: impl Into<String>,
        hi: impl Into<String>,
    ) -> Field {
        self.params
            .push((name.into(), ParamValue::Range(lo.into(), hi.into())));
        self
    }

    /// An explicit exact time-rescaling weight; it overrides the kind's weight.
    pub fn weight(mut self, weight: impl Into<String>) -> Field {
        self.weight = Some(weight.into());
        self
    }

    /// The name shown in reports (default: the formula).
    pub fn name(mut self, name: impl Into<String>) -> Field {
        self.name = Some(name.into());
        self
    }

    /// The formula as given.
    pub fn formula(&self) -> &str {
        &self.expr
    }

    /// The validated spec `renorm check` would run.
    ///
    /// # Errors
    ///
    /// [`Error::Parse`] for a formula that does not parse, [`Error::InvalidInput`] for an
    /// inexact or empty range parameter, a missing kind/weight, or an undeclared variable. A
    /// spectral variable missing from the formula is not an error (degree 0 in it): the report
    /// carries a warning.
    pub fn spec(&self) -> Result<Spec> {
        // Everything with a location of its own is checked here, so that errors name the
        // builder call rather than the command-line flags the shared inline-spec code names.
        input::parse(&self.expr).map_err(|e| Error::parse(format!("{ORIGIN} expr"), &self.expr, e))?;
        let exact = |text: &str, location: &str| {
            parse_rational(text).ok_or_else(|| Error::InvalidInput {
                location: location.to_string(),
                message: format!("`{text}` is not an exact number (write e.g. \"3/2\" or \"0.25\")"),
            })
        };
        let weight = match &self.weight {
            Some(w) => Some(exact(w, &format!("{ORIGIN} weight"))?.to_string()),
            None => None,
        };
        let mut params = Vec::new();
        for (name, value) in &self.params {
            let location = format!("{ORIGIN} param {name}");
            params.push(match value {
                ParamValue::Exact(v) => format!("{name}={}", exact(v, &location)?),
                ParamValue::Range(lo, hi) => {
                    let (lo, hi) = (exact(lo, &location)?, exact(hi, &location)?);
                    if lo >= hi {
                        return Err(Error::InvalidInput {
                            location,
                            message: format!(
                                "the range [{lo}, {hi}] is empty: lower bound must be below upper bound"
                            ),
                        });
                    }
                    format!("{name}={lo}..{hi}")
                }
            });
        }
        let inline = InlineSpec {
            expr: self.expr.clone(),
            spectral: self.spectral.clone(),
            time: self.time.clone(),
            kind: self.kind.map(String::from),
            weight,
            params,
        };
        let mut spec = Spec::from_inline(&inline).map_err(relocate)?;
        if let Some(name) = &self.name {
            spec.name = name.clone();
        }
        Ok(spec)
    }

    /// Checks the field with the command-line defaults ([`Knobs::default`]: 50 digits, 8 points).
    ///
    /// # Errors
    ///
    /// As [`Field::spec`]. A field that is *not* a power law is not an error: read
    /// `report.verdict`.
    pub fn check(&self) -> Result<CheckReport> {
        self.check_with(&Knobs::default())
    }

    /// Checks the field with explicit digits, points and seed.
    ///
    /// # Errors
    ///
    /// As [`Field::spec`], and [`Error::Usage`] when `knobs.digits` or `knobs.points` is 0.
    pub fn check_with(&self, knobs: &Knobs) -> Result<CheckReport> {
        if knobs.digits == 0 || knobs.points == 0 {
            return Err(Error::Usage("Knobs: digits and points must be positive".into()));
        }
        check::run(&self.spec()?, knobs)
    }
}

/// Renames the command-line locations of the shared inline-spec validation to builder terms.
fn relocate(e: Error) -> Error {
    match e {
        Error::InvalidInput { location, message } => {
            let location = match location.strip_prefix("inline spec") {
                Some("") => format!("{ORIGIN} kind/weight"),
                Some(rest) => match rest.strip_prefix(": params") {
                    Some(name) => format!("{ORIGIN} param{name}"),
                    None => match rest {
                        ": kind" | ": weight" => format!("{ORIGIN} {}", &rest[2..]),
                        _ => format!("{ORIGIN}{rest}"),
                    },
                },
                None => location,
            };
            Error::InvalidInput { location, message }
        }
        other => other,
    }
}

/// The verdict class of a report.
#[cfg(any(test, feature = "testing"))]
pub(crate) fn class_of(report: &CheckReport) -> crate::check::VerdictClass {
    report.verdict.class
}

/// Parses `lhs == rhs` into an [`Identity`] with every variable sampled from the positive reals.
///
/// # Errors
///
/// [`Error::Parse`] naming the side that does not parse.
pub fn parse_identity(lhs: &str, rhs: &str) -> Result<Identity> {
    let lhs_expr = input::parse(lhs).map_err(|e| Error::parse("identity lhs", lhs, e))?;
    let rhs_expr = input::parse(rhs).map_err(|e| Error::parse("identity rhs", rhs, e))?;
    Ok(Identity::new(lhs_expr, rhs_expr))
}

/// Decides `lhs == rhs` over the positive reals with both engines, with the `renorm identity`
/// defaults ([`CheckOptions::default`]: 50 digits at 8 points).
///
/// The [module example](self) calls it. Without the symbolic engine ([`identity_with`] and
/// `use_symbolic: false`) the numeric path alone can confirm or refute:
///
/// ```rust
/// use renorm::CheckOptions;
/// use renorm::crosscheck::Status;
///
/// let numeric_only = CheckOptions { use_symbolic: false, ..CheckOptions::default() };
/// let holds = renorm::identity_with("log(a*b)", "log(a) + log(b)", &numeric_only)?;
/// assert_eq!(holds.status, Status::Confirmed);
///
/// let fails = renorm::identity_with("sqrt(a + b)", "sqrt(a) + sqrt(b)", &numeric_only)?;
/// assert_eq!(fails.status, Status::Refuted);
/// // A refutation carries its witness: the point (exact rationals) and the enclosure.
/// let witness = fails.numeric.witness.as_ref();
/// assert!(witness.is_some_and(|w| w.point.contains_key("a") && w.point.contains_key("b")));
/// # Ok::<(), renorm::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Parse`] when a side does not parse. A false identity is not an error: read
/// `outcome.status`.
pub fn identity(lhs: &str, rhs: &str) -> Result<Outcome> {
    identity_with(lhs, rhs, &CheckOptions::default())
}

/// [`identity`] with explicit options (digits, points, seed, whether to ask the engine).
///
/// # Errors
///
/// As [`identity`], and [`Error::Usage`] when `options.digits` or `options.points` is 0.
pub fn identity_with(lhs: &str, rhs: &str, options: &CheckOptions) -> Result<Outcome> {
    if options.digits == 0 || options.points == 0 {
        return Err(Error::Usage(
            "CheckOptions: digits and points must be positive".into(),
        ));
    }
    Ok(crosscheck::check(&parse_identity(lhs, rhs)?, options))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crosscheck::Status;

    fn quick() -> Knobs {
        Knobs {
            digits: 30,
            points: 4,
            seed: 11,
            ..Knobs::default()
        }
    }

    #[test]
    fn builder_matches_the_inline_spec() {
        let built = Field::velocity("c*lam^b*t^(b-2)")
            .spectral(["lam"])
            .time("t")
            .param("c", "0.5")
            .param_range("b", "1/2", "3")
            .spec()
            .unwrap();
        let inline = Spec::from_inline(&InlineSpec {
            expr: "c*lam^b*t^(b-2)".into(),
            spectral: vec!["lam".into()],
            time: Some("t".into()),
            kind: Some("velocity".into()),
            weight: None,
            params: vec!["c=1/2".into(), "b=1/2..3".into()],
        })
        .unwrap();
        assert_eq!(built.expr, inline.expr);
        assert_eq!(built.params, inline.params);
        assert_eq!(built.weight, 2);
        assert_eq!(built.spectral, inline.spectral);
        assert_eq!(built.time, inline.time);
    }

    #[test]
    fn explicit_weight_overrides_the_kind() {
        let s = Field::velocity("lam")
            .spectral(["lam"])
            .weight("-1/3")
            .spec()
            .unwrap();
        assert_eq!(s.weight, rug::Rational::from((-1, 3)));
        let s = Field::new("lam").spectral(["lam"]).weight("0.25").spec().unwrap();
        assert_eq!(s.weight, rug::Rational::from((1, 4)));
    }

    #[test]
    fn errors_are_values_naming_the_builder_call() {
        let err = |f: Field| f.spec().unwrap_err().to_string();
        assert!(err(Field::velocity("lam^^2").spectral(["lam"])).contains("Field expr"));
        let e = err(Field::velocity("lam*x").spectral(["lam"]));
        assert!(
            e.starts_with("Field: expr") && e.contains("`x` is not declared"),
            "{e}"
        );
        let e = err(Field::velocity("lam^b").spectral(["lam"]).param("b", "1.5.2"));
        assert!(
            e.starts_with("Field param b") && e.contains("not an exact number"),
            "{e}"
        );
        let e = err(Field::velocity("lam^b")
            .spectral(["lam"])
            .param_range("b", "3", "1"));
        assert!(e.starts_with("Field param b") && e.contains("empty"), "{e}");
        let e = err(Field::new("lam").spectral(["lam"]));
        assert!(
            e.contains("Field kind/weight") && e.contains("give `kind`"),
            "{e}"
        );
        let e = err(Field::velocity("lam"));
        assert!(e.starts_with("Field: spectral"), "{e}");
        let e = err(Field::velocity("lam").spectral(["lam"]).weight("two"));
        assert!(e.starts_with("Field weight"), "{e}");
        let zero = Knobs { points: 0, ..quick() };
        assert!(matches!(
            Field::velocity("lam").spectral(["lam"]).check_with(&zero),
            Err(Error::Usage(_))
        ));
        assert!(matches!(identity("a +", "a"), Err(Error::Parse { .. })));
    }

    #[test]
    fn check_runs_the_same_pipeline_as_the_cli() {
        let r = Field::velocity("3*lam^(5/2)*t^(1/2)")
            .spectral(["lam"])
            .time("t")
            .name("monomial")
            .check_with(&quick())
            .unwrap();
        assert_eq!(r.name, "monomial");
        assert_eq!(class_of(&r), crate::check::VerdictClass::PowerLaw);
        assert_eq!(r.checks.log_shift.degree_exact.as_deref(), Some("5/2"));
        assert_eq!(r.verdict.exponent_time.as_deref(), Some("1/2"));
    }

    #[test]
    fn identity_entry_points() {
        // e^(a+b) = e^a e^b holds; a^2 = a fails at any positive a ≠ 1, certified exactly.
        let o = identity("exp(a + b)", "exp(a)*exp(b)").unwrap();
        assert!(o.status.holds(), "{}", o.to_text());
        let o = identity_with(
            "a^2",
            "a",
            &CheckOptions {
                points: 2,
                ..CheckOptions::default()
            },
        )
        .unwrap();
        assert_eq!(o.status, Status::Refuted);
    }
}
