//! Parse errors with byte spans, rendered the way compilers do: a location, the offending line
//! and a caret under the problem.

use std::fmt;
use std::ops::Range;

/// What went wrong while reading a formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The input is empty or only whitespace.
    Empty,
    /// The input is not valid UTF-8.
    InvalidUtf8,
    /// The input exceeds [`super::Limits::max_bytes`].
    InputTooLong {
        /// Size of the input.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// Nesting exceeds [`super::Limits::max_depth`].
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// The tree would exceed [`super::Limits::max_nodes`].
    TooManyNodes {
        /// The limit.
        limit: usize,
    },
    /// A numeric literal is longer than [`super::Limits::max_literal_chars`] or its
    /// scientific exponent is out of range.
    LiteralTooLarge {
        /// Why it was refused.
        detail: String,
    },
    /// A constant exponent exceeds [`super::Limits::max_power`].
    PowerTooLarge {
        /// The limit.
        limit: u32,
    },
    /// A character that is not part of the language.
    UnexpectedChar(char),
    /// A malformed numeric literal such as `1.` or `2e`.
    BadNumber,
    /// A token where something else was required.
    Unexpected {
        /// What was found (already quoted for display).
        found: String,
        /// What the parser needed.
        expected: &'static str,
    },
    /// The input ended too early.
    UnexpectedEnd {
        /// What the parser needed.
        expected: &'static str,
    },
    /// An opening parenthesis without its partner.
    UnclosedParen,
    /// A closing parenthesis without its partner.
    UnmatchedParen,
    /// A call to a function that is not whitelisted.
    UnknownFunction(String),
    /// A whitelisted function name used without an argument list.
    FunctionWithoutArgument(String),
    /// A function called with other than one argument.
    WrongArity(String),
    /// Two operands without an operator between them, e.g. `2x`.
    MissingOperator,
}

/// A parse error with the byte range it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What went wrong.
    pub kind: ParseErrorKind,
    /// Byte range in the source.
    pub span: Range<usize>,
}

impl ParseError {
    pub(crate) fn new(kind: ParseErrorKind, span: Range<usize>) -> ParseError {
        ParseError { kind, span }
    }

    /// Line and column (both 1-based; columns count characters) of the start of the span.
    pub fn line_col(&self, source: &str) -> (usize, usize) {
        let start = floor_char_boundary(source, self.span.start.min(source.len()));
        let before = &source[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = source[line_start..start].chars().count() + 1;
        (line, col)
    }

    /// Renders the error with its location, the source line and a caret, for a source called
    /// `origin` (a file name, or a description such as "--expr").
    pub fn render(&self, source: &str, origin: &str) -> String {
        let (line, col) = self.line_col(source);
        let mut out = format!("error: {self}\n --> {origin}:{line}:{col}\n");
        if let Some(text) = source
            .lines()
            .nth(line - 1)
            .or(if source.is_empty() { Some("") } else { None })
        {
            // Long lines are cut around the error so the caret stays on screen.
            let chars: Vec<char> = text.chars().collect();
            let window_start = (col - 1).saturating_sub(40);
            let window_end = (window_start + 100).min(chars.len());
            let shown: String = chars[window_start.min(chars.len())..window_end].iter().collect();
            let prefix = if window_start > 0 { "…" } else { "" };
            let width = {
                let start = floor_char_boundary(source, self.span.start.min(source.len()));
                let end = floor_char_boundary(source, self.span.end.min(source.len())).max(start);
                source[start..end]
                    .chars()
                    .take_while(|&c| c != '\n')
                    .count()
                    .max(1)
            };
            let gutter = " ".repeat(line.to_string().len());
            out.push_str(&format!("{gutter} |\n{line} | {prefix}{shown}\n{gutter} | "));
            out.push_str(&" ".repeat(col - 1 - window_start + prefix.chars().count()));
            out.push_str(&"^".repeat(width.min(100)));
            out.push('\n');
        }
        out
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ParseErrorKind::*;
        match &self.kind {
            Empty => write!(f, "empty formula"),
            InvalidUtf8 => write!(f, "input is not valid UTF-8 (byte {})", self.span.start),
            InputTooLong { bytes, limit } => {
                write!(f, "formula is {bytes} bytes; the limit is {limit} bytes")
            }
            TooDeep { limit } => write!(f, "formula nests deeper than the limit of {limit}"),
            TooManyNodes { limit } => write!(f, "formula has more than {limit} nodes"),
            LiteralTooLarge { detail } => write!(f, "numeric literal too large: {detail}"),
            PowerTooLarge { limit } => {
                write!(
                    f,
                    "constant exponent larger than the limit of {limit} in magnitude"
                )
            }
            UnexpectedChar(c) => write!(f, "unexpected character {c:?}"),
            BadNumber => write!(f, "malformed number"),
            Unexpected { found, expected } => write!(f, "expected {expected}, found {found}"),
            UnexpectedEnd { expected } => write!(f, "formula ends early: expected {expected}"),
            UnclosedParen => write!(f, "unclosed parenthesis"),
            UnmatchedParen => write!(f, "unmatched closing parenthesis"),
            UnknownFunction(name) => write!(
                f,
                "unknown function `{name}` (known: {})",
                super::function_names().join(", ")
            ),
            FunctionWithoutArgument(name) => {
                write!(
                    f,
                    "function `{name}` needs an argument in parentheses, e.g. `{name}(x)`"
                )
            }
            WrongArity(name) => write!(f, "function `{name}` takes exactly one argument"),
            MissingOperator => write!(f, "missing operator between two operands (write `2*x`, not `2x`)"),
        }
    }
}

impl std::error::Error for ParseError {}
