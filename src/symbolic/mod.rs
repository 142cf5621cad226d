//! The symbolic engine: Symbolica, confined to one thread per process and one process per user.
//!
//! Without a licence key Symbolica allows one Symbolica thread per user and aborts a second
//! one, so every call in this crate runs on a single dedicated engine thread that the public
//! functions here reach through a channel. They are safe to call from any number of threads at
//! once: requests queue and are answered in order. No Symbolica value ever leaves this module —
//! results come back as the project's [`Expr`] or as strings.
//!
//! The engine is a *witness*, not an oracle: computer-algebra systems have bugs (in the pinned
//! version `exp(log(a)*log(b))` simplifies to `0`), so callers cross-check every conclusion on
//! the independent numeric path (see [`crate::crosscheck`]).
//!
//! # One process at a time
//!
//! Before its first Symbolica call a process takes an exclusive lock on a per-user lock file
//! (`renorm-symbolica-<uid>.lock` in `$RENORM_ENGINE_LOCK_DIR`, else `$XDG_RUNTIME_DIR`, else
//! the temporary directory; see [`engine_lock_path`]) and holds it until it exits. A second
//! process — another terminal, `make -j`, a parallel test runner — therefore *waits* for the
//! first one to finish instead of being aborted by Symbolica; it says once, through the
//! [notice handler](set_notice_handler), which process it waits for. It waits at most
//! [`engine_wait`] (`RENORM_ENGINE_WAIT` seconds, default 600, or [`set_engine_wait`]); then
//! the request fails with [`EngineError::Busy`]. The wait happens before the engine thread
//! starts, so it never counts against the per-request [`engine_timeout`]. The lock only makes
//! processes take turns; it does not change what Symbolica allows.
//!
//! # Running without the engine
//!
//! [`set_engine_mode`]`(`[`EngineMode::Off`]`)` (or `RENORM_ENGINE=off` in the environment)
//! switches the engine off: no lock, no thread, no Symbolica call, and every function here
//! returns [`EngineError::Disabled`]. Callers then rely on numeric evidence alone, so no
//! conclusion can be better than `confirmed`.
//!
//! # Notices
//!
//! The library never prints. The licence notice and the "waiting for the engine" line go to the
//! handler installed with [`set_notice_handler`] (default: none, so they are dropped); the
//! `renorm` binary installs one that writes to standard error.
//!
//! Licensing: Symbolica is source-available; this project does not include or transfer any
//! runtime rights. Unlicensed use is restricted to non-commercial use and one Symbolica thread
//! per user. Licensed users set `SYMBOLICA_LICENSE` in the environment. When it is not set,
//! the one-line [`license_notice`] is sent to the notice handler when the engine starts.

mod convert;
mod engine;
mod lock;

use crate::expr::Expr;
pub use engine::{
    EngineError, EngineMode, MODE_ENV, engine_mode, engine_timeout, set_engine_mode, set_engine_timeout,
    start_engine,
};
pub use lock::{
    DEFAULT_WAIT, LOCK_DIR_ENV, WAIT_ENV, engine_lock_path, engine_lock_path_in, engine_wait, set_engine_wait,
};
use std::collections::BTreeSet;
use std::sync::{PoisonError, RwLock};

/// A receiver of the engine's one-line notices (licence notice, waiting for the engine lock).
pub type NoticeHandler = Box<dyn Fn(&str) + Send + Sync + 'static>;

static NOTICE_HANDLER: RwLock<Option<NoticeHandler>> = RwLock::new(None);

/// Installs the receiver of the engine's notices, replacing any previous one. Without a handler
/// notices are dropped. The handler runs on the thread that starts the engine, while the engine
/// is being started: it must not call the engine itself.
pub fn set_notice_handler(handler: NoticeHandler) {
    *NOTICE_HANDLER.write().unwrap_or_else(PoisonError::into_inner) = Some(handler);
}

/// Removes the notice handler: notices are dropped again.
pub fn clear_notice_handler() {
    *NOTICE_HANDLER.write().unwrap_or_else(PoisonError::into_inner) = None;
}

/// Sends one notice to the installed handler, if any.
fn notice(message: &str) {
    if let Some(handler) = NOTICE_HANDLER
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
    {
        handler(message);
    }
}

/// Outcome of asking the engine whether an expression is identically zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZeroTest {
    /// The engine reduced the expression to 0.
    Zero,
    /// The engine's normal form is not 0 (printed). Not a proof of non-vanishing: non-polynomial
    /// parts are treated as independent symbols during normalization.
    NonZero(String),
}

/// The one-line notice about restricted-mode Symbolica, or `None` when a licence key is set.
pub fn license_notice() -> Option<&'static str> {
    if std::env::var_os("SYMBOLICA_LICENSE").is_some() {
        None
    } else {
        Some(
            "note: Symbolica (symbolic engine) runs unlicensed: non-commercial use only, one \
             Symbolica thread per user; set SYMBOLICA_LICENSE to use a licence key",
        )
    }
}

/// What the engine may assume about the variables of a request.
///
/// Only positivity is expressible; every other variable is a plain complex symbol to the
/// engine, so an assumption can only enable simplifications, never change a variable's meaning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assumptions {
    /// Variables known to be positive reals.
    pub positive: BTreeSet<String>,
}

impl Assumptions {
    /// No assumptions.
    pub fn none() -> Assumptions {
        Assumptions::default()
    }

    /// The given variables are positive.
    pub fn positive<I, S>(vars: I) -> Assumptions
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Assumptions {
            positive: vars.into_iter().map(Into::into).collect(),
        }
    }

    /// Every variable of `e` is positive.
    pub fn all_positive(e: &Expr) -> Assumptions {
        Assumptions {
            positive: e.variables(),
        }
    }
}

/// The most terms an expansion of a formula handed to the engine may have, by the bound of
/// [`expansion_terms`]. Measured on the 2-core machine (`renorm check` of
/// `(lam+1)^n*(lam+2)^n*t`): n = 100 (10⁴ terms) 0.16 s, n = 300 (9·10⁴) 1.5 s, n = 1000 (10⁶)
/// 31 s and 1.4 GB. Beyond the bound the engine is not asked (its work cannot be interrupted);
/// the verdict then rests on the numeric witness alone, as with the engine off.
pub const MAX_EXPANSION_TERMS: f64 = 1e5;

/// An upper bound on the number of term products a full expansion of `e` performs: sums add,
/// products multiply, an integer power `b^n` of a sum of `k` terms gives the multinomial count
/// `C(n + k − 1, k − 1)`; function arguments and non-integer powers count as their own
/// expansion. Computed in `f64` (a bound, never a verification quantity), `inf` when huge.
pub fn expansion_terms(e: &Expr) -> f64 {
    use crate::expr::BinOp;
    match e {
        Expr::Num(_) | Expr::Var(_) | Expr::Pi => 1.0,
        Expr::Neg(a) => expansion_terms(a),
        Expr::Call(_, a) => expansion_terms(a).max(1.0),
        Expr::Bin(BinOp::Add | BinOp::Sub, a, b) => expansion_terms(a) + expansion_terms(b),
        Expr::Bin(BinOp::Mul | BinOp::Div, a, b) => expansion_terms(a) * expansion_terms(b),
        Expr::Bin(BinOp::Pow, base, exponent) => {
            let k = expansion_terms(base);
            match crate::numeric::eval_exact(exponent, &Default::default()) {
                Some(n) if *n.denom() == 1 => {
                    let n = n.numer().to_f64().abs();
                    if k <= 1.0 {
                        1.0
                    } else {
                        // C(n + k − 1, k − 1) = exp(lnΓ(n + k) − lnΓ(n + 1) − lnΓ(k)).
                        (ln_gamma(n + k) - ln_gamma(n + 1.0) - ln_gamma(k)).exp().max(k)
                    }
                }
                _ => k * expansion_terms(exponent),
            }
        }
    }
}

/// `ln Γ(x)` for `x ≥ 1` by Stirling's series: ample for a size bound.
fn ln_gamma(x: f64) -> f64 {
    if x < 7.0 {
        // Shift up: Γ(x) = Γ(x + 7) / (x (x+1) … (x+6)).
        let shift: f64 = (0..7).map(|i| (x + f64::from(i)).ln()).sum();
        return ln_gamma(x + 7.0) - shift;
    }
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x.powi(3))
}

/// Refuses a formula whose expansion exceeds [`MAX_EXPANSION_TERMS`].
fn admit(e: &Expr) -> Result<(), EngineError> {
    let terms = expansion_terms(e);
    if terms > MAX_EXPANSION_TERMS {
        return Err(EngineError::Rejected(format!(
            "the formula's expansion has up to {terms:.1e} terms, above the engine's limit of {MAX_EXPANSION_TERMS:.0e}; the numeric witness decides alone"
        )));
    }
    Ok(())
}

/// Asks the engine whether `e` is identically zero: first by expansion, then by normalizing it
/// as a rational function (non-polynomial parts become independent symbols).
pub fn is_zero(e: &Expr, assumptions: &Assumptions) -> Result<ZeroTest, EngineError> {
    admit(e)?;
    let (e, a) = (e.clone(), assumptions.clone());
    engine::run(move |cx| {
        cx.set_assumptions(&a);
        cx.is_zero(&e)
    })
}

/// The engine's rational normal form of `e` (common denominator, cancelled), as an [`Expr`].
pub fn normalize(e: &Expr, assumptions: &Assumptions) -> Result<Expr, EngineError> {
    admit(e)?;
    let (e, a) = (e.clone(), assumptions.clone());
    engine::run(move |cx| {
        cx.set_assumptions(&a);
        cx.normalize(&e)
    })
}

/// The expansion of `e` (products and integer powers of sums multiplied out).
pub fn expand(e: &Expr, assumptions: &Assumptions) -> Result<Expr, EngineError> {
    admit(e)?;
    let (e, a) = (e.clone(), assumptions.clone());
    engine::run(move |cx| {
        cx.set_assumptions(&a);
        cx.expand(&e)
    })
}

/// `∂e/∂var`, as computed by the engine.
pub fn derivative(e: &Expr, var: &str, assumptions: &Assumptions) -> Result<Expr, EngineError> {
    admit(e)?;
    let (e, var, a) = (e.clone(), var.to_string(), assumptions.clone());
    engine::run(move |cx| {
        cx.set_assumptions(&a);
        cx.derivative(&e, &var)
    })
}

/// `e` with every occurrence of the variable `var` replaced by `with`, simplified by the engine.
pub fn substitute(e: &Expr, var: &str, with: &Expr, assumptions: &Assumptions) -> Result<Expr, EngineError> {
    let (e, var, with, a) = (e.clone(), var.to_string(), with.clone(), assumptions.clone());
    engine::run(move |cx| {
        cx.set_assumptions(&a);
        cx.substitute(&e, &var, &with)
    })
}

/// LaTeX of `e` after the engine's automatic simplification.
pub fn to_latex(e: &Expr, assumptions: &Assumptions) -> Result<String, EngineError> {
    let (e, a) = (e.clone(), assumptions.clone());
    engine::run(move |cx| {
        cx.set_assumptions(&a);
        cx.print(&e, true)
    })
}

/// Plain text of `e` after the engine's automatic simplification, with the user's names.
pub fn to_text(e: &Expr, assumptions: &Assumptions) -> Result<String, EngineError> {
    let (e, a) = (e.clone(), assumptions.clone());
    engine::run(move |cx| {
        cx.set_assumptions(&a);
        cx.print(&e, false)
    })
}

/// The Symbolica version the engine runs.
pub fn engine_version() -> Result<String, EngineError> {
    engine::run(|_| Ok(symbolica::license::LicenseManager::get_version().to_string()))
}

#[cfg(test)]
mod tests;
