//! Conversion between the project's [`Expr`] and Symbolica atoms, and the operations that run
//! on the engine thread. Everything Symbolica-typed stays in this file.

use super::engine::EngineError;
use super::{Assumptions, ZeroTest};
use crate::expr::{BinOp, Expr, Func};
use rug::Rational;
use std::collections::{BTreeSet, HashMap};
use std::ops::{Add, Div, Mul, Neg, Sub};
use symbolica::prelude::*;
use symbolica::transcendental;

/// Engine-thread state: the mapping between user variable names and engine symbols.
#[derive(Default)]
pub(super) struct Context {
    to_engine: HashMap<(String, bool), Symbol>,
    from_engine: HashMap<Symbol, String>,
    /// Variables the current request declares positive.
    positive: BTreeSet<String>,
}

/// Whether a user name can be used verbatim as an engine symbol name. Names with `_` are
/// excluded because a trailing underscore makes a Symbolica wildcard; non-ASCII names are
/// excluded to stay within what the engine documents.
fn usable_verbatim(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric())
        && !name.starts_with("renorm")
}

impl Context {
    pub(super) fn set_assumptions(&mut self, assumptions: &Assumptions) {
        self.positive = assumptions.positive.clone();
    }

    /// The engine symbol for a user variable. Positive variables carry Symbolica's `Positive`
    /// attribute (so that e.g. `sqrt(x^2) = x` may simplify); a symbol's attributes are fixed
    /// at creation, so the same name used without the assumption gets a distinct symbol.
    fn symbol(&mut self, name: &str) -> Result<Symbol, EngineError> {
        let positive = self.positive.contains(name);
        let key = (name.to_string(), positive);
        if let Some(s) = self.to_engine.get(&key) {
            return Ok(*s);
        }
        let n = self.to_engine.len();
        let rejected = |e: String| EngineError::Rejected(e);
        let s = if positive {
            let engine_name = if usable_verbatim(name) {
                name.to_string()
            } else {
                format!("renormp{n}")
            };
            symbolica::try_symbol!(engine_name.as_str(); Positive).map_err(|e| rejected(e.to_string()))?
        } else {
            let engine_name = format!("renormr{n}");
            symbolica::try_symbol!(engine_name.as_str()).map_err(|e| rejected(e.to_string()))?
        };
        self.to_engine.insert(key, s);
        self.from_engine.insert(s, name.to_string());
        Ok(s)
    }

    fn atom_of(&mut self, e: &Expr) -> Result<Atom, EngineError> {
        Ok(match e {
            Expr::Num(q) => rational_atom(q)?,
            Expr::Var(v) => Atom::var(self.symbol(v)?),
            Expr::Pi => Atom::var(Symbol::PI),
            Expr::Neg(a) => -self.atom_of(a)?,
            Expr::Bin(op, a, b) => {
                let (x, y) = (self.atom_of(a)?, self.atom_of(b)?);
                match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::Div => x / y,
                    BinOp::Pow => x.pow(&y),
                }
            }
            Expr::Call(f, a) => {
                let x = self.atom_of(a)?;
                match f {
                    Func::Exp => x.exp(),
                    Func::Log => x.log(),
                    Func::Sqrt => x.sqrt(),
                    Func::Sin => x.sin(),
                    Func::Cos => x.cos(),
                    Func::Tan => x.tan(),
                    Func::Tanh => x.tanh(),
                    Func::Cosh => x.cosh(),
                    Func::Sinh => x.sinh(),
                    Func::Abs => x.abs(),
                }
            }
        })
    }

    fn expr_of(&self, a: AtomView<'_>) -> Result<Expr, EngineError> {
        match a {
            AtomView::Num(_) => {
                let text = plain(a);
                let q: Rational = text
                    .parse()
                    .map_err(|_| EngineError::Unrepresentable(format!("coefficient {text}")))?;
                Ok(Expr::rational(&q))
            }
            AtomView::Var(v) => {
                let s = v.get_symbol();
                if s == Symbol::PI {
                    Ok(Expr::Pi)
                } else if s == Symbol::E {
                    Ok(Expr::int(1).call(Func::Exp))
                } else if let Some(name) = self.from_engine.get(&s) {
                    Ok(Expr::Var(name.clone()))
                } else {
                    Err(EngineError::Unrepresentable(format!("symbol {}", plain(a))))
                }
            }
            AtomView::Fun(f) => {
                let s = f.get_symbol();
                let func = [
                    (Symbol::EXP, Func::Exp),
                    (Symbol::LOG, Func::Log),
                    (Symbol::SQRT, Func::Sqrt),
                    (Symbol::SIN, Func::Sin),
                    (Symbol::COS, Func::Cos),
                    (Symbol::ABS, Func::Abs),
                    (transcendental::tan(), Func::Tan),
                    (transcendental::tanh(), Func::Tanh),
                    (transcendental::cosh(), Func::Cosh),
                    (transcendental::sinh(), Func::Sinh),
                ]
                .into_iter()
                .find(|(sym, _)| *sym == s)
                .map(|(_, func)| func);
                if f.get_nargs() != 1 {
                    return Err(EngineError::Unrepresentable(format!(
                        "function call {}",
                        plain(a)
                    )));
                }
                if let Some(func) = func {
                    return Ok(self.expr_of(f.get(0))?.call(func));
                }
                // Derivatives of our functions come back as reciprocal functions; rewrite them
                // into the whitelist rather than widening the input language.
                let reciprocal = [
                    (transcendental::sech(), Func::Cosh),
                    (transcendental::sec(), Func::Cos),
                    (transcendental::csch(), Func::Sinh),
                    (transcendental::csc(), Func::Sin),
                ]
                .into_iter()
                .find(|(sym, _)| *sym == s);
                if let Some((_, func)) = reciprocal {
                    return Ok(Expr::int(1).div(self.expr_of(f.get(0))?.call(func)));
                }
                let quotient = [
                    (transcendental::coth(), Func::Cosh, Func::Sinh),
                    (transcendental::cot(), Func::Cos, Func::Sin),
                ]
                .into_iter()
                .find(|(sym, _, _)| *sym == s);
                if let Some((_, top, bottom)) = quotient {
                    let arg = self.expr_of(f.get(0))?;
                    return Ok(arg.clone().call(top).div(arg.call(bottom)));
                }
                Err(EngineError::Unrepresentable(format!(
                    "function call {}",
                    plain(a)
                )))
            }
            AtomView::Pow(p) => {
                let (base, exp) = p.get_base_exp();
                let base = self.expr_of(base)?;
                let exp = self.expr_of(exp)?;
                Ok(base.pow(exp))
            }
            AtomView::Mul(m) => {
                // Split factors into numerator and denominator so `a*b^-1` reads `a/b`.
                let mut numerator: Vec<Expr> = Vec::new();
                let mut denominator: Vec<Expr> = Vec::new();
                let mut negative = false;
                for factor in m.iter() {
                    match factor {
                        AtomView::Num(_) => {
                            let text = plain(factor);
                            let q: Rational = text
                                .parse()
                                .map_err(|_| EngineError::Unrepresentable(format!("coefficient {text}")))?;
                            if q < 0 {
                                negative = !negative;
                            }
                            let q = q.abs();
                            if *q.numer() != 1 {
                                numerator.insert(0, Expr::Num(Rational::from(q.numer().clone())));
                            }
                            if *q.denom() != 1 {
                                denominator.insert(0, Expr::Num(Rational::from(q.denom().clone())));
                            }
                        }
                        AtomView::Pow(p) => {
                            let (base, exp) = p.get_base_exp();
                            match negative_exponent(exp) {
                                Some(positive) => {
                                    let base = self.expr_of(base)?;
                                    denominator.push(if positive == 1 {
                                        base
                                    } else {
                                        base.pow(Expr::rational(&positive))
                                    });
                                }
                                None => numerator.push(self.expr_of(factor)?),
                            }
                        }
                        _ => numerator.push(self.expr_of(factor)?),
                    }
                }
                let product = |v: Vec<Expr>| v.into_iter().reduce(Expr::mul);
                let top = product(numerator).unwrap_or_else(|| Expr::int(1));
                let e = match product(denominator) {
                    Some(bottom) => top.div(bottom),
                    None => top,
                };
                Ok(if negative { e.neg() } else { e })
            }
            AtomView::Add(s) => {
                let mut out: Option<Expr> = None;
                for term in s.iter() {
                    let t = self.expr_of(term)?;
                    out = Some(match (out, t) {
                        (None, t) => t,
                        (Some(acc), Expr::Neg(inner)) => acc.sub(*inner),
                        (Some(acc), t) => acc.add(t),
                    });
                }
                Ok(out.unwrap_or_else(|| Expr::int(0)))
            }
        }
    }

    pub(super) fn is_zero(&mut self, e: &Expr) -> Result<ZeroTest, EngineError> {
        let atom = self.atom_of(e)?;
        if atom.is_zero() {
            return Ok(ZeroTest::Zero);
        }
        let expanded = atom.expand();
        if expanded.is_zero() {
            return Ok(ZeroTest::Zero);
        }
        match atom.try_to_rational_polynomial::<_, _, u32>(&Q, &Z, None) {
            Ok(r) => {
                let normal = r.to_expression();
                if normal.is_zero() {
                    Ok(ZeroTest::Zero)
                } else {
                    Ok(ZeroTest::NonZero(self.render(normal.as_view())))
                }
            }
            Err(_) => Ok(ZeroTest::NonZero(self.render(expanded.as_view()))),
        }
    }

    pub(super) fn normalize(&mut self, e: &Expr) -> Result<Expr, EngineError> {
        let atom = self.atom_of(e)?;
        let normal = match atom.try_to_rational_polynomial::<_, _, u32>(&Q, &Z, None) {
            Ok(r) => r.to_expression(),
            Err(_) => atom.expand(),
        };
        self.expr_of(normal.as_view())
    }

    pub(super) fn expand(&mut self, e: &Expr) -> Result<Expr, EngineError> {
        let atom = self.atom_of(e)?;
        self.expr_of(atom.expand().as_view())
    }

    pub(super) fn derivative(&mut self, e: &Expr, var: &str) -> Result<Expr, EngineError> {
        let atom = self.atom_of(e)?;
        let s = self.symbol(var)?;
        self.expr_of(atom.derivative(s).as_view())
    }

    pub(super) fn substitute(&mut self, e: &Expr, var: &str, with: &Expr) -> Result<Expr, EngineError> {
        let atom = self.atom_of(e)?;
        let s = self.symbol(var)?;
        let replacement = self.atom_of(with)?;
        let out = atom.replace(Atom::var(s)).with(replacement);
        self.expr_of(out.as_view())
    }

    pub(super) fn print(&mut self, e: &Expr, latex: bool) -> Result<String, EngineError> {
        let atom = self.atom_of(e)?;
        if latex {
            // The project's LaTeX printer knows the user's names (`lam` → λ); the engine's own
            // printer is the fallback for results outside the input language.
            Ok(match self.expr_of(atom.as_view()) {
                Ok(e) => e.to_latex(),
                Err(_) => atom.printer(PrintOptions::latex()).to_string(),
            })
        } else {
            Ok(self.render(atom.as_view()))
        }
    }

    /// Plain text with the user's variable names, via the project's printer when the result is
    /// representable and the engine's own printer otherwise.
    fn render(&self, a: AtomView<'_>) -> String {
        match self.expr_of(a) {
            Ok(e) => e.to_string(),
            Err(_) => plain(a),
        }
    }
}

fn plain(a: AtomView<'_>) -> String {
    a.printer(PrintOptions::file_no_namespace()).to_string()
}

fn rational_atom(q: &Rational) -> Result<Atom, EngineError> {
    let text = q.to_string();
    symbolica::try_parse!(text.as_str()).map_err(|e| EngineError::Rejected(e.to_string()))
}

/// If `exp` is a negative rational `-q`, returns `q`.
fn negative_exponent(exp: AtomView<'_>) -> Option<Rational> {
    if let AtomView::Num(_) = exp {
        let q: Rational = plain(exp).parse().ok()?;
        if q < 0 {
            return Some(-q);
        }
    }
    None
}
