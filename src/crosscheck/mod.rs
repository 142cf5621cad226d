//! The cross-check helper: an identity `lhs == rhs` decided by both engines.
//!
//! The symbolic engine tries to reduce `lhs − rhs` to 0. Independently, the numeric engine
//! evaluates the **original** input at random points: first an outward-rounded enclosure of the
//! residual (which can *certify* that it is nonzero), then MPFR values of both sides compared to
//! the requested number of digits. The two answers are combined into a docs/theory.md §4 status:
//!
//! | symbolic | numeric | status |
//! |---|---|---|
//! | reduced to 0 | agrees at every point | `proved` |
//! | reduced to 0 | certified nonzero somewhere | `engine_disagreement` |
//! | not reduced / failed | agrees at every point | `confirmed` |
//! | not reduced / failed | certified nonzero somewhere | `refuted` |
//! | anything | no usable point, or disagreement it cannot certify | `undetermined` |
//!
//! A symbolic "not zero" is never taken as a refutation on its own: the engine normalizes with
//! non-polynomial parts treated as opaque symbols, so true identities such as
//! `exp(a)·exp(b) = exp(a+b)` can fail to reduce. Only a certified numeric witness refutes.

use crate::expr::Expr;
use crate::numeric::{
    self, Assignment, Bound, EvalError, ExactDecision, Interval, PointSampler, Precision, Resolution,
    ScaleDomain, ValuePool, digits_of_agreement,
};
use crate::symbolic::{self, Assumptions, EngineMode, ZeroTest};
use rug::{Float, Rational};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Sub;

/// Where a variable is sampled from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// Positive reals: for equalities and derivatives sampled over `10^−30 … 10^30` with a third
    /// of the points in `[10^−1, 10^1]` ([`ScaleDomain::default`]); for integrals (whose
    /// quadrature error is an estimate) log-uniformly in `[10^−1, 10^1]`.
    Positive,
    /// Reals, sampled uniformly in `[-3, 3]`.
    Real,
    /// Integers, sampled uniformly in `[-6, 6]`.
    Integer,
    /// Positive reals, sampled log-uniformly in `[10^lo, 10^hi]`.
    PositiveRange {
        /// Lower decade.
        lo_exp10: i32,
        /// Upper decade.
        hi_exp10: i32,
    },
    /// Reals sampled uniformly in `[lo, hi]` (exact bounds).
    Interval {
        /// Lower bound.
        lo: String,
        /// Upper bound.
        hi: String,
    },
    /// A fixed exact value (a parameter held constant).
    Fixed(String),
}

/// What is compared with the right-hand side.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// `lhs == rhs`.
    Equal,
    /// `∂lhs/∂var == rhs` (the numeric side differentiates with dual numbers).
    Derivative(String),
    /// `∫_lower^upper lhs d(var) == rhs` (numeric quadrature; the engine does not integrate, so
    /// the best status is `confirmed`, and a disagreement is never certified).
    Integral {
        /// Integration variable.
        var: String,
        /// Lower limit.
        lower: Bound,
        /// Upper limit.
        upper: Bound,
    },
}

/// An identity over declared variables.
#[derive(Debug, Clone)]
pub struct Identity {
    /// What is compared (default: plain equality).
    pub claim: Claim,
    /// Left-hand side.
    pub lhs: Expr,
    /// Right-hand side.
    pub rhs: Expr,
    /// Domain of each variable; variables not listed use `default_domain`.
    pub domains: BTreeMap<String, Domain>,
    /// Domain for variables without an explicit entry.
    pub default_domain: Domain,
}

impl Identity {
    /// `lhs == rhs` with every variable positive.
    pub fn new(lhs: Expr, rhs: Expr) -> Identity {
        Identity {
            claim: Claim::Equal,
            lhs,
            rhs,
            domains: BTreeMap::new(),
            default_domain: Domain::Positive,
        }
    }

    /// Compares a derivative or an integral of `lhs` instead of `lhs` itself.
    pub fn with_claim(mut self, claim: Claim) -> Identity {
        self.claim = claim;
        self
    }

    /// The identity as a readable line.
    pub fn describe(&self) -> String {
        let bound = |b: &Bound| match b {
            Bound::Finite(q) => q.to_string(),
            Bound::Infinity => "inf".to_string(),
        };
        match &self.claim {
            Claim::Equal => format!("{} == {}", self.lhs, self.rhs),
            Claim::Derivative(v) => format!("d/d{v} ({}) == {}", self.lhs, self.rhs),
            Claim::Integral { var, lower, upper } => format!(
                "integral from {} to {} of ({}) d{var} == {}",
                bound(lower),
                bound(upper),
                self.lhs,
                self.rhs
            ),
        }
    }

    /// Sets the default domain.
    pub fn with_domain_for_all(mut self, domain: Domain) -> Identity {
        self.default_domain = domain;
        self
    }

    /// Sets the domain of one variable.
    pub fn with_domain(mut self, var: &str, domain: Domain) -> Identity {
        self.domains.insert(var.to_string(), domain);
        self
    }

    /// What the symbolic engine may assume: the variables whose domain is positive.
    pub fn assumptions(&self) -> Assumptions {
        let positive = self.variables().into_iter().filter(|v| {
            match self.domains.get(v).unwrap_or(&self.default_domain) {
                Domain::Positive | Domain::PositiveRange { .. } => true,
                Domain::Fixed(value) => parse_rational(value).is_some_and(|q| q > 0),
                Domain::Interval { lo, .. } => parse_rational(lo).is_some_and(|q| q > 0),
                Domain::Real | Domain::Integer => false,
            }
        });
        Assumptions::positive(positive)
    }

    /// All free variables of both sides, sorted (an integration variable is bound, not free).
    pub fn variables(&self) -> Vec<String> {
        let mut vars = self.lhs.variables();
        vars.extend(self.rhs.variables());
        if let Claim::Integral { var, .. } = &self.claim {
            vars.remove(var);
        }
        vars.into_iter().collect()
    }
}

/// Knobs of a cross-check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Decimal digits that must agree at every point.
    pub digits: u32,
    /// Number of points at which both sides must be defined and agree.
    pub points: u32,
    /// Seed of the deterministic point sampler.
    pub seed: u64,
    /// Whether to ask the symbolic engine at all (off: the status can be at best `confirmed`).
    pub use_symbolic: bool,
    /// Most digits any point may be evaluated at (the precision rule's cap): a point whose
    /// summands need more is unresolved and never counts as agreement.
    pub max_digits: u32,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            digits: 50,
            points: 8,
            seed: 0x5eed_2e40_0000_0001,
            use_symbolic: true,
            max_digits: DEFAULT_MAX_DIGITS,
        }
    }
}

/// Default cap of the precision rule, in decimal digits per point.
pub const DEFAULT_MAX_DIGITS: u32 = 2000;

/// Largest precision cap (`max_digits`) a front end accepts (the command line's `--max-digits`,
/// the Python package's `max_digits`): a point at 10⁵ digits already costs seconds per evaluation.
pub const MAX_DIGITS_LIMIT: u32 = 100_000;

/// Most random points a front end accepts per numeric check: 125 times the default of 8, and at
/// thousands of digits already minutes of evaluation.
pub const MAX_POINTS: u32 = 1000;

/// Checks a front end's precision knobs — `1 ≤ digits ≤ MAX_DIGITS_LIMIT`,
/// `1 ≤ points ≤ MAX_POINTS`, `max_digits ≤ MAX_DIGITS_LIMIT` — and returns the precision cap
/// to use (at least `digits`). An error names the knob (`digits`, `points` or `max_digits`,
/// for the front end to spell as its option) and says what is wrong.
pub fn checked_knobs(
    digits: u32,
    points: u32,
    max_digits: u32,
) -> std::result::Result<u32, (&'static str, String)> {
    if !(1..=MAX_DIGITS_LIMIT).contains(&digits) {
        return Err((
            "digits",
            format!("must lie in 1..={MAX_DIGITS_LIMIT} (got {digits})"),
        ));
    }
    if !(1..=MAX_POINTS).contains(&points) {
        return Err(("points", format!("must lie in 1..={MAX_POINTS} (got {points})")));
    }
    if max_digits > MAX_DIGITS_LIMIT {
        return Err((
            "max_digits",
            format!("{max_digits} is above the limit {MAX_DIGITS_LIMIT}"),
        ));
    }
    Ok(max_digits.max(digits))
}

/// docs/theory.md §4 verdict vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Symbolic reduction to 0, and numeric evaluation agrees.
    Proved,
    /// Symbolic reduction inconclusive; numeric agreement at `K` points to `D` digits.
    Confirmed,
    /// A certified witness: an enclosure of the residual that excludes 0.
    Refuted,
    /// Neither; the evidence says what was tried.
    Undetermined,
    /// The symbolic engine says 0, the numeric path certifies otherwise.
    EngineDisagreement,
}

impl Status {
    /// `proved` or `confirmed`.
    pub fn holds(self) -> bool {
        matches!(self, Status::Proved | Status::Confirmed)
    }

    /// The spelling of docs/theory.md §4.1.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Proved => "proved",
            Status::Confirmed => "confirmed",
            Status::Refuted => "refuted",
            Status::Undetermined => "undetermined",
            Status::EngineDisagreement => "engine_disagreement",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the symbolic engine answered when asked whether a residual is identically zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SymbolicVerdict {
    /// It reduced the residual to 0 (a claim the numeric path must still confirm).
    Zero,
    /// Its normal form is not 0 (not a refutation: opaque parts may hide cancellations).
    Nonzero,
    /// The engine failed or could not be asked (the error says why).
    Failed,
    /// The engine was not consulted.
    Skipped,
}

impl SymbolicVerdict {
    /// The spelling used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SymbolicVerdict::Zero => "zero",
            SymbolicVerdict::Nonzero => "nonzero",
            SymbolicVerdict::Failed => "failed",
            SymbolicVerdict::Skipped => "skipped",
        }
    }
}

impl fmt::Display for SymbolicVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the symbolic engine said.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SymbolicEvidence {
    /// The engine's answer to "is the residual identically zero?".
    pub verdict: SymbolicVerdict,
    /// The engine's normal form of the residual when it did not reduce to 0.
    pub normal_form: Option<String>,
    /// Why the engine failed, if it did.
    pub error: Option<String>,
    /// What was asked and answered, in words, when the residual is not simply `lhs − rhs`
    /// (e.g. the Euler-operator residuals of the covariance checks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl SymbolicEvidence {
    /// Evidence with only a verdict.
    pub fn new(verdict: SymbolicVerdict) -> SymbolicEvidence {
        SymbolicEvidence {
            verdict,
            normal_form: None,
            error: None,
            note: None,
        }
    }

    /// Whether the engine reduced the residual to 0.
    pub fn says_zero(&self) -> bool {
        self.verdict == SymbolicVerdict::Zero
    }
}

impl fmt::Display for SymbolicEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(note) = &self.note {
            return f.write_str(note);
        }
        write!(f, "{}", self.verdict)?;
        if let Some(nf) = &self.normal_form {
            write!(f, " (normal form of the residual: {nf})")?;
        }
        if let Some(err) = &self.error {
            write!(f, " ({err})")?;
        }
        Ok(())
    }
}

/// How a witness was certified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WitnessMethod {
    /// Both sides evaluated in exact rational arithmetic.
    Exact,
    /// An outward-rounded interval enclosure of the residual.
    Interval,
    /// Outward-rounded interval dual numbers (value and derivative enclosed).
    IntervalDual,
}

impl fmt::Display for WitnessMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WitnessMethod::Exact => "exact",
            WitnessMethod::Interval => "interval",
            WitnessMethod::IntervalDual => "interval dual numbers",
        })
    }
}

/// A point where a residual is certified nonzero: the one witness type of every check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Witness {
    /// The point, as exact rationals.
    pub point: BTreeMap<String, String>,
    /// The residual that was enclosed, in words (e.g. `lhs − rhs`).
    pub residual: String,
    /// Enclosure `[lo, hi]` of the residual, printed with outward rounding; it excludes 0.
    pub enclosure: [String; 2],
    /// `lhs` at the point (decimal, working precision), for identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lhs: Option<String>,
    /// `rhs` at the point, for identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rhs: Option<String>,
    /// How it was certified.
    pub method: WitnessMethod,
}

impl Witness {
    /// A witness from an interval enclosure of `residual` (described in words) at `at`, printed
    /// to 12 significant digits with the lower end rounded down and the upper end rounded up.
    pub fn from_enclosure(
        at: &Assignment,
        residual: &str,
        lo: &Float,
        hi: &Float,
        method: WitnessMethod,
    ) -> Witness {
        Witness {
            point: point_strings(at),
            residual: residual.to_string(),
            enclosure: [
                numeric::format::decimal_down(lo, 12),
                numeric::format::decimal_up(hi, 12),
            ],
            lhs: None,
            rhs: None,
            method,
        }
    }

    /// The point as `a=…, b=…`.
    pub fn point_list(&self) -> String {
        self.point
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// One line for tables: the point, the enclosure of the residual and how it was obtained.
    pub fn summary(&self) -> String {
        format!(
            "witness {}: {} ∈ [{}, {}] ({})",
            self.point_list(),
            self.residual,
            self.enclosure[0],
            self.enclosure[1],
            self.method
        )
    }
}

/// What the numeric engine found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NumericEvidence {
    /// Points at which both sides were defined and agreed to the requested digits.
    pub points_agreeing: u32,
    /// Points requested.
    pub points_requested: u32,
    /// Points sampled but skipped because a side is undefined there.
    pub points_undefined: u32,
    /// Points where the sides differ but not certifiably (enclosure too wide).
    pub points_uncertified: u32,
    /// Points where resolving every summand needs more digits than the cap: never counted as
    /// agreement (the precision rule, README "Precision").
    #[serde(default)]
    pub points_unresolved: u32,
    /// Digits required, beyond what each point needs to resolve every summand.
    pub digits_required: u32,
    /// Fewest digits of agreement over agreeing points, beyond what each point needed to
    /// resolve every summand (capped at the working precision).
    pub digits_confirmed: Option<u32>,
    /// Most extra digits any evaluated point needed so that every summand was resolved.
    #[serde(default)]
    pub extra_digits_max: u32,
    /// Most digits any point may be evaluated at.
    #[serde(default)]
    pub digits_cap: u32,
    /// Highest working precision used, in bits.
    pub precision_bits: u32,
    /// A certified counterexample, if one was found.
    pub witness: Option<Witness>,
    /// Why points were undefined (first few reasons).
    pub undefined_reasons: Vec<String>,
    /// An exact proof on a grid of rational points, when the formulas are rational (then the
    /// status is `proved` on this evidence alone, engine or not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact: Option<ExactProof>,
}

impl NumericEvidence {
    /// Evidence before any point was sampled: `points` requested to `digits` digits (beyond
    /// each point's hidden digits), at most `digits_cap` digits per point, starting at
    /// `precision_bits`.
    pub fn new(points: u32, digits: u32, digits_cap: u32, precision_bits: u32) -> NumericEvidence {
        NumericEvidence {
            points_agreeing: 0,
            points_requested: points,
            points_undefined: 0,
            points_uncertified: 0,
            points_unresolved: 0,
            digits_required: digits,
            digits_confirmed: None,
            extra_digits_max: 0,
            digits_cap: digits_cap.max(digits),
            precision_bits,
            witness: None,
            undefined_reasons: Vec::new(),
            exact: None,
        }
    }
}

/// An exact proof that a rational residual vanishes identically: both sides were evaluated in
/// exact rational arithmetic on a product grid with `bound + 1` values per variable, which a
/// polynomial of that degree cannot vanish on unless it is zero (see
/// [`numeric::decide_over`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExactProof {
    /// Number of grid points, at every one of which both sides were defined and equal.
    pub points: u64,
    /// Per variable, the degree bound of the residual numerator.
    pub degree_bounds: BTreeMap<String, u64>,
    /// One line saying what was shown.
    pub description: String,
}

impl ExactProof {
    /// The proof record of a completed grid, with `what` naming the identity shown.
    pub fn from_grid(grid: &numeric::GridProof, what: &str) -> ExactProof {
        ExactProof {
            points: grid.points,
            degree_bounds: grid.degrees.clone(),
            description: format!("{what}: {}", grid.describe()),
        }
    }
}

/// Result of [`check`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    /// The identity as parsed, `lhs == rhs`.
    pub identity: String,
    /// The status.
    pub status: Status,
    /// Symbolic evidence.
    pub symbolic: SymbolicEvidence,
    /// Numeric evidence.
    pub numeric: NumericEvidence,
    /// One sentence saying why the status is what it is.
    pub explanation: String,
    /// Where each variable was sampled and at what precision: the domain a `confirmed` is a
    /// statement about.
    #[serde(default)]
    pub domain: String,
    /// The symbolic engine's mode during the check (`off`: numeric evidence only).
    #[serde(default)]
    pub engine: EngineMode,
}

impl Outcome {
    /// A human-readable multi-line summary.
    pub fn to_text(&self) -> String {
        let mut s = format!("identity: {}\nstatus:   {}\n", self.identity, self.status);
        if !self.domain.is_empty() {
            s += &format!("domain:   {}\n", self.domain);
        }
        if self.engine == EngineMode::Off {
            s += if self.numeric.exact.is_some() {
                "engine:   off (the exact rational proof below needs no engine)\n"
            } else {
                "engine:   off (numeric evidence only: at best `confirmed`)\n"
            };
        }
        s += &format!("symbolic: {}", self.symbolic.verdict);
        if let Some(nf) = &self.symbolic.normal_form {
            s += &format!(" (normal form of lhs - rhs: {nf})");
        }
        if let Some(err) = &self.symbolic.error {
            s += &format!(" ({err})");
        }
        s += "\n";
        let n = &self.numeric;
        s += &format!(
            "numeric:  {}/{} points agree to {} digits at {} bits",
            n.points_agreeing, n.points_requested, n.digits_required, n.precision_bits
        );
        if let Some(d) = n.digits_confirmed {
            s += &format!(" (at least {d} digits agreed)");
        }
        if n.extra_digits_max > 0 {
            s += &format!(
                " (plus up to {} digits to resolve every summand)",
                n.extra_digits_max
            );
        }
        if n.points_undefined > 0 {
            s += &format!("; {} points undefined", n.points_undefined);
        }
        if n.points_unresolved > 0 {
            s += &format!(
                "; {} points unresolved within {} digits",
                n.points_unresolved, n.digits_cap
            );
        }
        s += "\n";
        if let Some(x) = &n.exact {
            s += &format!("exact:    {}\n", x.description);
        }
        if let Some(w) = &n.witness {
            s += &format!(
                "witness:  at {}: lhs = {}, rhs = {}, lhs - rhs in [{}, {}] ({})\n",
                w.point_list(),
                w.lhs.as_deref().unwrap_or("?"),
                w.rhs.as_deref().unwrap_or("?"),
                w.enclosure[0],
                w.enclosure[1],
                w.method
            );
        }
        s += &format!("why:      {}\n", self.explanation);
        s
    }
}

/// Extra bits beyond the requested digits: absorbs the rounding of a few dozen operations
/// so that agreement to `digits` is not lost to the evaluation itself.
const GUARD_BITS: u32 = 64;

/// Maximum sampling attempts per requested point before giving up on undefined points.
const ATTEMPTS_PER_POINT: u32 = 8;

/// Decides `lhs == rhs` with both engines. Never panics on user input; engine failures are
/// recorded as evidence.
pub fn check(identity: &Identity, options: &CheckOptions) -> Outcome {
    let assumptions = identity.assumptions();
    let symbolic_residual = match &identity.claim {
        Claim::Equal => Some(Ok(identity.lhs.clone().sub(identity.rhs.clone()))),
        Claim::Derivative(v) => {
            Some(symbolic::derivative(&identity.lhs, v, &assumptions).map(|d| d.sub(identity.rhs.clone())))
        }
        Claim::Integral { .. } => None,
    };
    let engine = symbolic::engine_mode();
    let use_symbolic = options.use_symbolic && engine == EngineMode::On;
    let symbolic = if let (true, Some(residual)) = (use_symbolic, symbolic_residual) {
        match residual.and_then(|r| symbolic::is_zero(&r, &assumptions)) {
            Ok(ZeroTest::Zero) => SymbolicEvidence::new(SymbolicVerdict::Zero),
            Ok(ZeroTest::NonZero(normal)) => SymbolicEvidence {
                normal_form: Some(normal),
                ..SymbolicEvidence::new(SymbolicVerdict::Nonzero)
            },
            Err(e) => SymbolicEvidence {
                error: Some(e.to_string()),
                ..SymbolicEvidence::new(SymbolicVerdict::Failed)
            },
        }
    } else {
        SymbolicEvidence::new(SymbolicVerdict::Skipped)
    };
    let mut numeric = numeric_check(identity, options);
    let (status, explanation) = match exact_decision(identity) {
        Some(ExactDecision::Proved(grid)) => {
            numeric.exact = Some(ExactProof::from_grid(&grid, "lhs − rhs ≡ 0"));
            exact_proved(&numeric, &grid)
        }
        Some(ExactDecision::Refuted(counterexample)) => {
            // Any witness from the random points is certified too, but the grid's is exact
            // and at small rationals, so it is the one a reader can recompute by hand.
            numeric.witness = Some(exact_witness(&counterexample));
            combine(&symbolic, &numeric)
        }
        Some(ExactDecision::NotApplicable(_)) | None => combine(&symbolic, &numeric),
    };
    Outcome {
        identity: identity.describe(),
        status,
        symbolic,
        numeric,
        explanation,
        domain: describe_domain(identity, options),
        engine,
    }
}

/// The sampled domain of every variable and the precision, in words.
fn describe_domain(identity: &Identity, options: &CheckOptions) -> String {
    let mut by_domain: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for v in identity.variables() {
        let domain = identity.domains.get(&v).unwrap_or(&identity.default_domain);
        let text = match domain {
            Domain::Positive => match identity.claim {
                Claim::Integral { .. } => "log-uniform in [1e-1, 1e1]".to_string(),
                _ => ScaleDomain::default().describe(),
            },
            Domain::PositiveRange { lo_exp10, hi_exp10 } => {
                format!("log-uniform in [1e{lo_exp10}, 1e{hi_exp10}]")
            }
            Domain::Real => "uniform in [-3, 3]".into(),
            Domain::Integer => "integers in [-6, 6]".into(),
            Domain::Interval { lo, hi } => format!("uniform in [{lo}, {hi}]"),
            Domain::Fixed(value) => format!("fixed at {value}"),
        };
        by_domain.entry(text).or_default().push(v);
    }
    let mut parts: Vec<String> = by_domain
        .into_iter()
        .map(|(text, vars)| format!("{}: {text}", vars.join(", ")))
        .collect();
    parts.push(format!(
        "{} digits beyond what each point needs to resolve every summand, at most {} digits per point",
        options.digits,
        options.max_digits.max(options.digits)
    ));
    parts.join("; ")
}

/// Most grid points the exact path of an identity evaluates.
const MAX_EXACT_GRID_POINTS: u64 = 4096;

/// The exact rational decision of a plain equality, when every variable's domain gives it grid
/// values: positive and real variables take positive rationals, integer ones positive
/// integers, ranges take interior rationals, fixed values are substituted. `None` when a
/// domain cannot be used (an unparsable bound, an empty range) or the claim is not `==`.
fn exact_decision(identity: &Identity) -> Option<ExactDecision> {
    if identity.claim != Claim::Equal {
        return None;
    }
    let mut pools = BTreeMap::new();
    let mut fixed: BTreeMap<String, Rational> = BTreeMap::new();
    for v in identity.variables() {
        let pool = match identity.domains.get(&v).unwrap_or(&identity.default_domain) {
            Domain::Positive | Domain::Real => ValuePool::Positive,
            Domain::Integer => ValuePool::Integer,
            Domain::PositiveRange { lo_exp10, hi_exp10 } => {
                // Decades beyond ±1000 would make the grid values themselves huge.
                if lo_exp10.unsigned_abs().max(hi_exp10.unsigned_abs()) > 1000 {
                    return None;
                }
                let ten = |e: i32| {
                    let p = rug::ops::Pow::pow(rug::Integer::from(10), e.unsigned_abs());
                    if e < 0 {
                        Rational::from((rug::Integer::from(1), p))
                    } else {
                        Rational::from(p)
                    }
                };
                ValuePool::Interval(ten(*lo_exp10), ten(*hi_exp10))
            }
            Domain::Interval { lo, hi } => {
                let (lo, hi) = (parse_rational(lo)?, parse_rational(hi)?);
                if lo == hi {
                    fixed.insert(v, lo);
                    continue;
                }
                ValuePool::Interval(lo, hi)
            }
            Domain::Fixed(value) => {
                fixed.insert(v, parse_rational(value)?);
                continue;
            }
        };
        pools.insert(v, pool);
    }
    let substitute = |e: &Expr| e.map_vars(&mut |v| fixed.get(v).map(Expr::rational));
    let (lhs, rhs) = (substitute(&identity.lhs), substitute(&identity.rhs));
    Some(
        match numeric::decide_over(&lhs, &rhs, &pools, MAX_EXACT_GRID_POINTS) {
            // The witness names every variable of the identity, fixed ones included.
            ExactDecision::Refuted(mut c) => {
                c.point.extend(fixed);
                ExactDecision::Refuted(c)
            }
            other => other,
        },
    )
}

/// Status and explanation of an identity proved on an exact grid.
fn exact_proved(numeric: &NumericEvidence, grid: &numeric::GridProof) -> (Status, String) {
    if numeric.witness.is_some() {
        // Both are exact computations; they cannot both be right, so claim nothing.
        return (
            Status::Undetermined,
            "internal inconsistency: an exact grid proves lhs − rhs ≡ 0, yet a random point \
             certifies a difference"
                .into(),
        );
    }
    (
        Status::Proved,
        format!(
            "exact: lhs and rhs are rational, and {}; a residual numerator of those degrees \
             vanishing on that grid is identically zero, so lhs = rhs wherever both are defined",
            grid.describe()
        ),
    )
}

/// The witness of an exact counterexample.
fn exact_witness(c: &numeric::Counterexample) -> Witness {
    let point = point_strings(&c.point);
    let diff = Rational::from(&c.lhs - &c.rhs);
    Witness {
        point,
        residual: "lhs − rhs".into(),
        enclosure: [diff.to_string(), diff.to_string()],
        lhs: Some(c.lhs.to_string()),
        rhs: Some(c.rhs.to_string()),
        method: WitnessMethod::Exact,
    }
}

/// The docs/theory.md §4 status rule — the one place where the two witnesses' answers are combined.
/// A certified numeric witness decides against the identity (and against an engine that called
/// it zero); agreement at every requested point confirms it, and proves it only if the engine
/// also reduced it to zero; anything less is undetermined.
pub fn combine_status(engine_says_zero: bool, numeric: &NumericEvidence) -> Status {
    let all_agree = numeric.points_agreeing >= numeric.points_requested && numeric.points_requested > 0;
    match (numeric.witness.is_some(), all_agree, engine_says_zero) {
        (true, _, true) => Status::EngineDisagreement,
        (true, _, false) => Status::Refuted,
        (false, true, true) => Status::Proved,
        (false, true, false) => Status::Confirmed,
        (false, false, _) => Status::Undetermined,
    }
}

fn combine(symbolic: &SymbolicEvidence, numeric: &NumericEvidence) -> (Status, String) {
    let sym_zero = symbolic.says_zero();
    let digits = numeric.digits_required;
    let k = numeric.points_agreeing;
    let status = combine_status(sym_zero, numeric);
    if numeric.witness.is_some() {
        return if status == Status::EngineDisagreement {
            (
                Status::EngineDisagreement,
                "the symbolic engine reduced lhs - rhs to 0, but a certified enclosure of the \
                 residual excludes 0 at the witness point"
                    .into(),
            )
        } else {
            (
                Status::Refuted,
                "a certified enclosure of lhs - rhs excludes 0 at the witness point".into(),
            )
        };
    }
    if status.holds() {
        return if status == Status::Proved {
            (
                Status::Proved,
                format!(
                    "symbolic reduction to 0, and both sides agree to {digits} digits at {k} random points"
                ),
            )
        } else {
            (
                Status::Confirmed,
                format!(
                    "symbolic reduction inconclusive ({}); both sides agree to {digits} digits at {k} random points",
                    symbolic.verdict
                ),
            )
        };
    }
    let mut why = format!(
        "only {k} of {} points agreed to {digits} digits",
        numeric.points_requested
    );
    if numeric.points_undefined > 0 {
        why += &format!("; {} sampled points were undefined", numeric.points_undefined);
    }
    if numeric.points_uncertified > 0 {
        why += &format!(
            "; at {} points the sides differ but the enclosure could not certify it",
            numeric.points_uncertified
        );
    }
    if numeric.points_unresolved > 0 {
        why += &format!(
            "; {} points need more than {} digits to resolve every summand (never counted as agreement)",
            numeric.points_unresolved, numeric.digits_cap
        );
    }
    if sym_zero {
        why += "; the symbolic engine reduced lhs - rhs to 0, which alone is not trusted";
    }
    (Status::Undetermined, why)
}

fn sample_point(
    identity: &Identity,
    vars: &[String],
    sampler: &mut PointSampler,
) -> Result<Assignment, String> {
    let mut at = Assignment::new();
    for v in vars {
        let domain = identity.domains.get(v).unwrap_or(&identity.default_domain);
        let value = match domain {
            Domain::Positive => match identity.claim {
                Claim::Integral { .. } => sampler.log_uniform(-1, 1, 12),
                _ => ScaleDomain::default().sample(sampler),
            },
            Domain::PositiveRange { lo_exp10, hi_exp10 } => sampler.log_uniform(*lo_exp10, *hi_exp10, 12),
            Domain::Real => sampler.uniform(&Rational::from(-3), &Rational::from(3), 12),
            Domain::Integer => {
                let q = sampler.uniform(&Rational::from(-6), &Rational::from(7), 12);
                Rational::from(q.floor_ref())
            }
            Domain::Interval { lo, hi } => {
                let lo: Rational = parse_rational(lo).ok_or_else(|| format!("bad bound {lo}"))?;
                let hi: Rational = parse_rational(hi).ok_or_else(|| format!("bad bound {hi}"))?;
                sampler.uniform(&lo, &hi, 12)
            }
            Domain::Fixed(value) => parse_rational(value).ok_or_else(|| format!("bad value {value}"))?,
        };
        at.insert(v.clone(), value);
    }
    Ok(at)
}

/// Parses `3`, `-3/2` or a decimal like `0.25` exactly.
pub fn parse_rational(text: &str) -> Option<Rational> {
    let t = text.trim();
    if let Ok(q) = t.parse::<Rational>() {
        return Some(q);
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t),
    };
    let e = crate::input::parse(body).ok()?;
    let q = match e {
        Expr::Num(q) => q,
        _ => return None,
    };
    Some(if neg { -q } else { q })
}

pub(crate) fn describe_error(e: &EvalError) -> String {
    e.to_string()
}

fn numeric_check(identity: &Identity, options: &CheckOptions) -> NumericEvidence {
    let base = working_precision(options.digits, 0);
    let vars = identity.variables();
    let mut sampler = PointSampler::new(options.seed);
    let mut evidence = NumericEvidence::new(options.points, options.digits, options.max_digits, base.bits());
    let residual = identity.lhs.clone().sub(identity.rhs.clone());
    let max_attempts = options.points.saturating_mul(ATTEMPTS_PER_POINT).max(1);
    for _ in 0..max_attempts {
        if evidence.points_agreeing >= options.points {
            break;
        }
        let at = match sample_point(identity, &vars, &mut sampler) {
            Ok(at) => at,
            Err(reason) => {
                evidence.undefined_reasons.push(reason);
                break;
            }
        };
        let note_reason = |evidence: &mut NumericEvidence, reason: String| {
            if evidence.undefined_reasons.len() < 3 && !evidence.undefined_reasons.contains(&reason) {
                evidence.undefined_reasons.push(reason);
            }
        };
        // The precision rule: every summand of both sides resolved to the requested digits.
        // An integrand mentions its bound variable, which has no value at the point: for an
        // integral only the closed side is resolved (quadrature's error is an estimate anyway).
        let sides: Vec<&Expr> = match identity.claim {
            Claim::Integral { .. } => vec![&identity.rhs],
            _ => vec![&identity.lhs, &identity.rhs],
        };
        let (needs, sides_enclosed) =
            match numeric::resolve_all_enclosed(&sides, &at, options.digits, evidence.digits_cap) {
                Ok((resolution, enclosures)) => (Ok(resolution), enclosures),
                Err(e) => (Err(e), None),
            };
        let (extra, resolved) = match needs {
            Ok(Resolution::Resolved { extra_digits }) => (extra_digits, true),
            Ok(Resolution::BeyondCap { needed_digits, part }) => {
                evidence.points_unresolved += 1;
                let cap = evidence.digits_cap;
                note_reason(
                    &mut evidence,
                    format!("{part} (needs at least {needed_digits} digits, cap {cap})"),
                );
                (evidence.digits_cap.saturating_sub(options.digits), false)
            }
            Err(e) => {
                evidence.points_undefined += 1;
                note_reason(&mut evidence, describe_error(&e));
                continue;
            }
        };
        let working = working_precision(options.digits, extra);
        if resolved {
            evidence.extra_digits_max = evidence.extra_digits_max.max(extra);
            evidence.precision_bits = evidence.precision_bits.max(working.bits());
        }
        // The magnitude pass enclosed both sides and (on balls) rounded them to nearest; at
        // exactly the working precision (no extra digits, no escalation) that is the residual's
        // enclosure and the two values `eval_float` would give, bit for bit.
        let first_pass = match (&identity.claim, sides_enclosed) {
            (Claim::Equal, Some(sides))
                if numeric::first_pass_precision(options.digits, evidence.digits_cap).bits()
                    == working.bits() =>
            {
                FirstPass::from_sides(sides)
            }
            _ => None,
        };
        match point_verdict(
            identity,
            &residual,
            first_pass,
            &at,
            working,
            options.digits,
            extra,
        ) {
            PointVerdict::Agree(d) if resolved => {
                evidence.points_agreeing += 1;
                evidence.digits_confirmed = Some(evidence.digits_confirmed.map_or(d, |m| m.min(d)));
            }
            // Agreement at a point whose summands the cap cannot resolve proves nothing.
            PointVerdict::Agree(_) => {}
            PointVerdict::Witness(w) => {
                evidence.witness = Some(w);
                break;
            }
            PointVerdict::Undefined(reason) => {
                evidence.points_undefined += 1;
                note_reason(&mut evidence, reason);
            }
            PointVerdict::Uncertified => evidence.points_uncertified += 1,
        }
    }
    evidence
}

/// The precision of a point that needs `extra` digits beyond the requested `digits`.
fn working_precision(digits: u32, extra: u32) -> Precision {
    Precision::from_digits(digits.saturating_add(extra)).with_guard_bits(GUARD_BITS)
}

pub(crate) enum PointVerdict {
    Agree(u32),
    Witness(Witness),
    Undefined(String),
    Uncertified,
}

pub(crate) fn point_strings(at: &Assignment) -> BTreeMap<String, String> {
    at.iter().map(|(k, v)| (k.clone(), v.to_string())).collect()
}

pub(crate) fn decimal(x: &Float, digits: usize) -> String {
    x.to_string_radix(10, Some(digits.max(2)))
}

/// What the magnitude pass already computed for an `lhs == rhs` point at its working precision
/// (or one ball evaluation per side there): an enclosure of the residual and, from balls, the two
/// sides rounded to nearest — bit for bit what `eval_float` gives.
struct FirstPass {
    /// An enclosure of `lhs − rhs`.
    residual: Interval,
    /// Both sides rounded to nearest (what `eval_float` gives), when the pass ran on balls.
    sides: Option<(Float, Float)>,
    /// Whether a ball enclosed either side (the residual is then not `eval_interval`'s).
    from_balls: bool,
}

impl FirstPass {
    fn from_sides(sides: Vec<numeric::Enclosed>) -> Option<FirstPass> {
        let [lhs, rhs]: [numeric::Enclosed; 2] = sides.try_into().ok()?;
        Some(FirstPass {
            residual: lhs.enclosure.sub(&rhs.enclosure),
            from_balls: lhs.nearest.is_some() || rhs.nearest.is_some(),
            sides: lhs.nearest.zip(rhs.nearest),
        })
    }

    /// Both sides as balls at `working`, when balls settle them (otherwise the point is
    /// evaluated the interval way, whose errors are the reported ones).
    fn balls(identity: &Identity, at: &Assignment, working: Precision) -> Option<FirstPass> {
        let lhs = numeric::eval_ball(&identity.lhs, at, working).ok()?;
        let rhs = numeric::eval_ball(&identity.rhs, at, working).ok()?;
        let bits = working.bits();
        Some(FirstPass {
            residual: lhs.to_interval(bits).sub(&rhs.to_interval(bits)),
            sides: Some((lhs.mid, rhs.mid)),
            from_balls: true,
        })
    }
}

/// One point of an identity at the working precision of a point needing `extra` digits beyond
/// `digits`: agreement must reach `digits + extra` digits and reports the digits beyond `extra`.
fn point_verdict(
    identity: &Identity,
    residual: &Expr,
    first_pass: Option<FirstPass>,
    at: &Assignment,
    working: Precision,
    digits: u32,
    extra: u32,
) -> PointVerdict {
    match &identity.claim {
        Claim::Equal => {}
        Claim::Derivative(var) => {
            return match calculus::derivative_verdict(
                identity,
                var,
                at,
                working,
                digits.saturating_add(extra),
            ) {
                PointVerdict::Agree(d) => PointVerdict::Agree(d.saturating_sub(extra)),
                other => other,
            };
        }
        Claim::Integral { var, lower, upper } => {
            return calculus::integral_verdict(identity, var, lower, upper, at, working, digits);
        }
    }
    // Exact arithmetic settles rational identities outright, without rounding questions.
    if let (Some(l), Some(r)) = (
        numeric::eval_exact(&identity.lhs, at),
        numeric::eval_exact(&identity.rhs, at),
    ) {
        if l == r {
            return PointVerdict::Agree(digits);
        }
        let diff = Rational::from(&l - &r);
        return PointVerdict::Witness(Witness {
            point: point_strings(at),
            residual: "lhs − rhs".into(),
            enclosure: [diff.to_string(), diff.to_string()],
            lhs: Some(l.to_string()),
            rhs: Some(r.to_string()),
            method: WitnessMethod::Exact,
        });
    }
    // Otherwise (extra digits, or the 256-bit estimate pass decided) both sides are evaluated at
    // the working precision, once each, as balls: the same two values and an enclosure of their
    // difference. Only now — an exact answer above needs neither.
    let (residual_enclosure, sides, enclosed_by_balls) =
        match first_pass.or_else(|| FirstPass::balls(identity, at, working)) {
            Some(pass) => (Some(pass.residual), pass.sides, pass.from_balls),
            None => (None, None, false),
        };
    let (lhs, rhs) = match sides {
        Some(both) => both,
        None => match (
            numeric::eval_float(&identity.lhs, at, working),
            numeric::eval_float(&identity.rhs, at, working),
        ) {
            (Ok(l), Ok(r)) => (l, r),
            (Err(e), _) | (_, Err(e)) => return PointVerdict::Undefined(describe_error(&e)),
        },
    };
    // A certified difference outranks agreement to the requested digits: `exp(x)` and
    // `exp(x) + 1e-60` agree to 50 digits, but they are not equal, and the enclosure at the
    // working precision (which carries guard bits) can prove it.
    let enclosure = match residual_enclosure {
        // Non-finite or NaN bounds are what `eval_interval` refuses (as an overflow or undefined).
        Some(d) => (d.lo.is_finite() && d.hi.is_finite()).then_some(d),
        None => numeric::eval_interval(residual, at, working).ok(),
    };
    if let Some(enclosure) = enclosure
        && enclosure.excludes_zero()
    {
        // A witness prints the interval enclosure of `lhs − rhs`, whichever way the pass ran
        // (the same numbers as ever), unless only the balls' enclosure excludes zero. Refuting
        // is rare, so the second evaluation costs nothing on true identities.
        let printed = if enclosed_by_balls {
            numeric::eval_interval(residual, at, working)
                .ok()
                .filter(Interval::excludes_zero)
                .unwrap_or(enclosure)
        } else {
            enclosure
        };
        return PointVerdict::Witness(witness(at, &lhs, &rhs, &printed, digits));
    }
    let agreed = digits_of_agreement(&lhs, &rhs);
    if agreed >= digits.saturating_add(extra) {
        return PointVerdict::Agree(agreed.min(working.digits()).saturating_sub(extra));
    }
    // The sides look different; only a certified enclosure may call it. Retry at higher
    // precision before giving up, since wide enclosures usually come from cancellation — first,
    // after balls, with intervals at the working precision: an interval keeps the side on which
    // a rounding fell (`cos(10⁻¹⁰⁰x) ≤ 1`), which a ball's symmetric radius gives up.
    let retries = if enclosed_by_balls {
        vec![working.bits(), working.bits() * 2, working.bits() * 4]
    } else {
        vec![working.bits() * 2, working.bits() * 4]
    };
    for bits in retries {
        if let Ok(enclosure) = numeric::eval_interval(residual, at, Precision::from_bits(bits))
            && enclosure.excludes_zero()
        {
            return PointVerdict::Witness(witness(at, &lhs, &rhs, &enclosure, digits));
        }
    }
    PointVerdict::Uncertified
}

fn witness(at: &Assignment, lhs: &Float, rhs: &Float, enclosure: &Interval, digits: u32) -> Witness {
    let shown = (digits as usize).min(30);
    Witness {
        lhs: Some(decimal(lhs, shown)),
        rhs: Some(decimal(rhs, shown)),
        ..Witness::from_enclosure(
            at,
            "lhs − rhs",
            &enclosure.lo,
            &enclosure.hi,
            WitnessMethod::Interval,
        )
    }
}

mod calculus;

#[cfg(test)]
mod tests;
