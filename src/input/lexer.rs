//! Tokenizer for the input language.

use super::Limits;
use super::diagnostic::{ParseError, ParseErrorKind};
use rug::ops::Pow;
use rug::{Integer, Rational};
use std::ops::Range;

/// The kind of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// A numeric literal with its exact value.
    Number(Rational),
    /// A name: variable, parameter, function or `pi`.
    Ident(String),
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `^`
    Caret,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,` (only ever an error: every function takes one argument)
    Comma,
}

/// A token and its byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// Where it is.
    pub span: Range<usize>,
}

fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_name_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

pub(crate) fn tokenize(source: &str, limits: &Limits) -> Result<Vec<Token>, ParseError> {
    let mut tokens = Vec::new();
    let mut chars = source.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let single = |kind| Some(kind);
        let kind = match c {
            '+' => single(TokenKind::Plus),
            '-' => single(TokenKind::Minus),
            '*' => single(TokenKind::Star),
            '/' => single(TokenKind::Slash),
            '^' => single(TokenKind::Caret),
            '(' => single(TokenKind::LParen),
            ')' => single(TokenKind::RParen),
            ',' => single(TokenKind::Comma),
            _ => None,
        };
        if let Some(kind) = kind {
            chars.next();
            if kind == TokenKind::Star && matches!(chars.peek(), Some((_, '*'))) {
                return Err(ParseError::new(
                    ParseErrorKind::Unexpected {
                        found: "`**`".into(),
                        expected: "an operand (powers are written `^`)",
                    },
                    start..start + 2,
                ));
            }
            tokens.push(Token {
                kind,
                span: start..start + 1,
            });
            continue;
        }
        if c.is_ascii_digit() || c == '.' {
            let end = scan_number_end(source, start);
            let text = &source[start..end];
            let value = parse_number(text, limits).map_err(|kind| ParseError::new(kind, start..end))?;
            while chars.peek().is_some_and(|&(i, _)| i < end) {
                chars.next();
            }
            tokens.push(Token {
                kind: TokenKind::Number(value),
                span: start..end,
            });
            continue;
        }
        if is_name_start(c) {
            let mut end = start;
            while let Some(&(i, ch)) = chars.peek() {
                if !is_name_continue(ch) {
                    break;
                }
                end = i + ch.len_utf8();
                chars.next();
            }
            tokens.push(Token {
                kind: TokenKind::Ident(source[start..end].to_string()),
                span: start..end,
            });
            continue;
        }
        return Err(ParseError::new(
            ParseErrorKind::UnexpectedChar(c),
            start..start + c.len_utf8(),
        ));
    }
    Ok(tokens)
}

/// Finds where a numeric literal starting at `start` ends: digits, an optional fraction and an
/// optional exponent (only when digits actually follow the `e`, so that `2e` reports well).
fn scan_number_end(source: &str, start: usize) -> usize {
    let bytes = source.as_bytes();
    let mut i = start;
    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
        i += 1;
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            j += 1;
        }
        if j < bytes.len() && bytes[j].is_ascii_digit() {
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            return j;
        }
        // `2e`, `2e+`: swallow the broken exponent so the error points at the whole literal.
        return j;
    }
    i
}

fn parse_number(text: &str, limits: &Limits) -> Result<Rational, ParseErrorKind> {
    if text.chars().count() > limits.max_literal_chars {
        return Err(ParseErrorKind::LiteralTooLarge {
            detail: format!("more than {} characters", limits.max_literal_chars),
        });
    }
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mantissa, None),
    };
    let digits_ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits_ok(int_part) || frac_part.is_some_and(|f| !digits_ok(f)) {
        return Err(ParseErrorKind::BadNumber);
    }
    let frac = frac_part.unwrap_or("");
    let all_digits = format!("{int_part}{frac}");
    let numerator: Integer = all_digits.parse().map_err(|_| ParseErrorKind::BadNumber)?;
    let mut scale: i64 = -(frac.len() as i64);
    if let Some(exp_text) = exponent {
        let body = exp_text.strip_prefix(['+', '-']).unwrap_or(exp_text);
        if !digits_ok(body) {
            return Err(ParseErrorKind::BadNumber);
        }
        let magnitude: u64 = body.parse().unwrap_or(u64::MAX);
        if magnitude > u64::from(limits.max_scientific_exponent) {
            return Err(ParseErrorKind::LiteralTooLarge {
                detail: format!("exponent {exp_text} exceeds ±{}", limits.max_scientific_exponent),
            });
        }
        let signed = magnitude as i64;
        scale += if exp_text.starts_with('-') {
            -signed
        } else {
            signed
        };
    }
    let ten = Integer::from(10u32);
    let value = if scale >= 0 {
        Rational::from(numerator * ten.pow(scale as u32))
    } else {
        Rational::from((numerator, ten.pow((-scale) as u32)))
    };
    Ok(value)
}
