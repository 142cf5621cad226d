//! The input language: tokenizer, parser, limits and located diagnostics.
//!
//! Grammar (standard precedence; `^` is right-associative and binds tighter than unary minus,
//! so `-x^2 = -(x^2)` and `x^-2 = x^(-2)`):
//!
//! ```text
//! expr    := term (("+" | "-") term)*
//! term    := unary (("*" | "/") unary)*
//! unary   := ("-" | "+") unary | power
//! power   := atom ("^" unary)?
//! atom    := number | "pi" | name | function "(" expr ")" | "(" expr ")"
//! number  := digits ("." digits)? (("e" | "E") ("+" | "-")? digits)?
//! name    := (letter | "_") (letter | digit | "_")*      -- Unicode letters allowed (λ)
//! ```
//!
//! `3/2` is the division of two literals, evaluated exactly. Functions come from a whitelist
//! ([`Func::ALL`]). The [`Limits`] are enforced here, before any other part of `renorm` sees the
//! input, so that neither engine can be driven into pathological work by a hostile formula.

mod diagnostic;
mod lexer;
mod parser;

pub use diagnostic::{ParseError, ParseErrorKind};
pub use lexer::{Token, TokenKind};

use crate::expr::{Expr, Func};

/// Resource limits on a formula, checked while parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Maximum input size in bytes.
    pub max_bytes: usize,
    /// Maximum number of nodes in the parsed tree.
    pub max_nodes: usize,
    /// Maximum nesting depth (parentheses, unary minus chains, exponent towers).
    pub max_depth: usize,
    /// Maximum number of characters in one numeric literal.
    pub max_literal_chars: usize,
    /// Maximum `|n|` for a scientific-notation exponent `1e±n` in a literal.
    pub max_scientific_exponent: u32,
    /// Maximum magnitude of a constant exponent in `a ^ c` (e.g. `x^5000` is refused), so the
    /// symbolic engine is never asked to expand an astronomically large power.
    pub max_power: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 64 * 1024,
            max_nodes: 10_000,
            max_depth: 200,
            max_literal_chars: 1_000,
            max_scientific_exponent: 1_000,
            max_power: 1_000,
        }
    }
}

/// Parses a formula with the default [`Limits`].
///
/// ```
/// use renorm::input::parse;
/// # fn main() -> Result<(), renorm::input::ParseError> {
/// let e = parse("c * lam^(3/2) * t^(-1/2)")?;
/// assert_eq!(e.to_string(), "c*lam^(3/2)*t^(-1/2)");
/// assert!(parse("lam^^2").is_err());
/// # Ok(())
/// # }
/// ```
pub fn parse(source: &str) -> Result<Expr, ParseError> {
    parse_with(source, &Limits::default())
}

/// Parses a formula with explicit limits.
pub fn parse_with(source: &str, limits: &Limits) -> Result<Expr, ParseError> {
    if source.len() > limits.max_bytes {
        return Err(ParseError::new(
            ParseErrorKind::InputTooLong {
                bytes: source.len(),
                limit: limits.max_bytes,
            },
            0..0,
        ));
    }
    let tokens = lexer::tokenize(source, limits)?;
    parser::Parser::new(source, &tokens, limits).parse()
}

/// Parses raw bytes, reporting invalid UTF-8 at its byte offset instead of guessing.
pub fn parse_bytes(bytes: &[u8], limits: &Limits) -> Result<Expr, ParseError> {
    if bytes.len() > limits.max_bytes {
        return Err(ParseError::new(
            ParseErrorKind::InputTooLong {
                bytes: bytes.len(),
                limit: limits.max_bytes,
            },
            0..0,
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => parse_with(s, limits),
        Err(e) => {
            let at = e.valid_up_to();
            Err(ParseError::new(ParseErrorKind::InvalidUtf8, at..at + 1))
        }
    }
}

/// The names of the whitelisted functions, for help texts and error messages.
pub fn function_names() -> Vec<&'static str> {
    Func::ALL.iter().map(|f| f.name()).collect()
}

#[cfg(test)]
mod tests;
