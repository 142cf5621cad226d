//! Recursive-descent parser with explicit depth and size accounting.

use super::Limits;
use super::diagnostic::{ParseError, ParseErrorKind};
use super::lexer::{Token, TokenKind};
use crate::expr::{BinOp, Expr, Func};
use rug::Rational;
use rug::ops::Pow;
use std::ops::Range;

/// Largest exact constant (in bits) the parser will fold while checking exponent limits; a
/// constant beyond it could not be handed to any engine without exhausting memory.
const MAX_CONSTANT_BITS: u64 = 1 << 20;

pub(crate) struct Parser<'a> {
    source: &'a str,
    tokens: &'a [Token],
    pos: usize,
    depth: usize,
    nodes: usize,
    limits: &'a Limits,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(source: &'a str, tokens: &'a [Token], limits: &'a Limits) -> Self {
        Parser {
            source,
            tokens,
            pos: 0,
            depth: 0,
            nodes: 0,
            limits,
        }
    }

    pub(crate) fn parse(mut self) -> Result<Expr, ParseError> {
        if self.tokens.is_empty() {
            let end = self.source.len();
            return Err(ParseError::new(ParseErrorKind::Empty, end..end));
        }
        let e = self.expr()?;
        if let Some(tok) = self.peek() {
            let kind = match &tok.kind {
                TokenKind::RParen => ParseErrorKind::UnmatchedParen,
                TokenKind::Number(_) | TokenKind::Ident(_) | TokenKind::LParen => {
                    ParseErrorKind::MissingOperator
                }
                _ => ParseErrorKind::Unexpected {
                    found: describe(self.source, tok),
                    expected: "an operator or the end of the formula",
                },
            };
            return Err(ParseError::new(kind, tok.span.clone()));
        }
        Ok(e)
    }

    fn peek(&self) -> Option<&'a Token> {
        self.tokens.get(self.pos)
    }

    fn end_span(&self) -> Range<usize> {
        let end = self.source.len();
        end..end
    }

    fn node(&mut self, span: Range<usize>) -> Result<(), ParseError> {
        self.nodes += 1;
        if self.nodes > self.limits.max_nodes {
            return Err(ParseError::new(
                ParseErrorKind::TooManyNodes {
                    limit: self.limits.max_nodes,
                },
                span,
            ));
        }
        Ok(())
    }

    fn enter(&mut self, span: Range<usize>) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(ParseError::new(
                ParseErrorKind::TooDeep {
                    limit: self.limits.max_depth,
                },
                span,
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn current_span(&self) -> Range<usize> {
        self.peek().map_or_else(|| self.end_span(), |t| t.span.clone())
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        self.enter(self.current_span())?;
        let mut lhs = self.term()?;
        while let Some(tok) = self.peek() {
            let op = match tok.kind {
                TokenKind::Plus => BinOp::Add,
                TokenKind::Minus => BinOp::Sub,
                _ => break,
            };
            self.pos += 1;
            self.node(tok.span.clone())?;
            let rhs = self.term()?;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        self.leave();
        Ok(lhs)
    }

    fn term(&mut self) -> Result<Expr, ParseError> {
        let mut lhs = self.unary()?;
        while let Some(tok) = self.peek() {
            let op = match tok.kind {
                TokenKind::Star => BinOp::Mul,
                TokenKind::Slash => BinOp::Div,
                _ => break,
            };
            self.pos += 1;
            self.node(tok.span.clone())?;
            let rhs = self.unary()?;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        let span = self.current_span();
        match self.peek().map(|t| &t.kind) {
            Some(TokenKind::Minus) => {
                self.enter(span.clone())?;
                self.pos += 1;
                self.node(span)?;
                let inner = self.unary()?;
                self.leave();
                Ok(Expr::Neg(Box::new(inner)))
            }
            Some(TokenKind::Plus) => {
                // Unary plus is accepted and dropped: it carries no meaning.
                self.enter(span)?;
                self.pos += 1;
                let inner = self.unary()?;
                self.leave();
                Ok(inner)
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Expr, ParseError> {
        let base_start = self.current_span().start;
        let base = self.atom()?;
        if let Some(tok) = self.peek()
            && tok.kind == TokenKind::Caret
        {
            self.pos += 1;
            self.node(tok.span.clone())?;
            self.enter(tok.span.clone())?;
            let exponent_start = self.current_span().start;
            let exponent = self.unary()?;
            self.leave();
            let exponent_end = self.tokens[self.pos - 1].span.end;
            self.check_power(
                &base,
                &exponent,
                base_start..exponent_end,
                exponent_start..exponent_end,
            )?;
            return Ok(Expr::Bin(BinOp::Pow, Box::new(base), Box::new(exponent)));
        }
        Ok(base)
    }

    /// Refuses constant exponents and constant powers too large for any engine to handle.
    fn check_power(
        &self,
        base: &Expr,
        exponent: &Expr,
        whole: Range<usize>,
        exponent_span: Range<usize>,
    ) -> Result<(), ParseError> {
        let too_large = |span| {
            ParseError::new(
                ParseErrorKind::PowerTooLarge {
                    limit: self.limits.max_power,
                },
                span,
            )
        };
        let Some(value) = constant_value(exponent) else {
            return Ok(());
        };
        if value.clone().abs() > self.limits.max_power {
            return Err(too_large(exponent_span));
        }
        if let Some(b) = constant_value(base) {
            let bits = b.numer().significant_bits().max(b.denom().significant_bits()) as u64;
            let magnitude = value.abs().ceil().numer().to_u64().unwrap_or(u64::MAX);
            if bits.saturating_mul(magnitude) > MAX_CONSTANT_BITS {
                return Err(too_large(whole));
            }
        }
        Ok(())
    }

    fn atom(&mut self) -> Result<Expr, ParseError> {
        let Some(tok) = self.peek() else {
            return Err(ParseError::new(
                ParseErrorKind::UnexpectedEnd {
                    expected: "a number, a name or `(`",
                },
                self.end_span(),
            ));
        };
        self.node(tok.span.clone())?;
        match &tok.kind {
            TokenKind::Number(q) => {
                self.pos += 1;
                Ok(Expr::Num(q.clone()))
            }
            TokenKind::Ident(name) => {
                self.pos += 1;
                let is_call = matches!(self.peek().map(|t| &t.kind), Some(TokenKind::LParen));
                match (Func::from_name(name), is_call) {
                    (Some(f), true) => self.call(f, tok),
                    (Some(_), false) => Err(ParseError::new(
                        ParseErrorKind::FunctionWithoutArgument(name.clone()),
                        tok.span.clone(),
                    )),
                    (None, true) => Err(ParseError::new(
                        ParseErrorKind::UnknownFunction(name.clone()),
                        tok.span.clone(),
                    )),
                    (None, false) if name == "pi" => Ok(Expr::Pi),
                    (None, false) => Ok(Expr::Var(name.clone())),
                }
            }
            TokenKind::LParen => {
                self.pos += 1;
                let inner = self.expr()?;
                self.expect_close(tok)?;
                Ok(inner)
            }
            TokenKind::RParen => Err(ParseError::new(
                if self.depth <= 1 {
                    ParseErrorKind::UnmatchedParen
                } else {
                    ParseErrorKind::Unexpected {
                        found: "`)`".into(),
                        expected: "a number, a name or `(`",
                    }
                },
                tok.span.clone(),
            )),
            _ => Err(ParseError::new(
                ParseErrorKind::Unexpected {
                    found: describe(self.source, tok),
                    expected: "a number, a name or `(`",
                },
                tok.span.clone(),
            )),
        }
    }

    fn call(&mut self, f: Func, name_tok: &Token) -> Result<Expr, ParseError> {
        let open = &self.tokens[self.pos];
        self.pos += 1;
        if matches!(self.peek().map(|t| &t.kind), Some(TokenKind::RParen)) {
            return Err(ParseError::new(
                ParseErrorKind::WrongArity(f.name().to_string()),
                name_tok.span.start..self.current_span().end,
            ));
        }
        let arg = self.expr()?;
        if let Some(tok) = self.peek()
            && tok.kind == TokenKind::Comma
        {
            return Err(ParseError::new(
                ParseErrorKind::WrongArity(f.name().to_string()),
                tok.span.clone(),
            ));
        }
        self.expect_close(open)?;
        Ok(Expr::Call(f, Box::new(arg)))
    }

    fn expect_close(&mut self, open: &Token) -> Result<(), ParseError> {
        match self.peek() {
            Some(tok) if tok.kind == TokenKind::RParen => {
                self.pos += 1;
                Ok(())
            }
            Some(tok)
                if matches!(
                    tok.kind,
                    TokenKind::Number(_) | TokenKind::Ident(_) | TokenKind::LParen
                ) =>
            {
                Err(ParseError::new(ParseErrorKind::MissingOperator, tok.span.clone()))
            }
            Some(tok) => Err(ParseError::new(
                ParseErrorKind::Unexpected {
                    found: describe(self.source, tok),
                    expected: "`)`",
                },
                tok.span.clone(),
            )),
            None => Err(ParseError::new(ParseErrorKind::UnclosedParen, open.span.clone())),
        }
    }
}

fn describe(source: &str, tok: &Token) -> String {
    match &tok.kind {
        TokenKind::Number(_) => format!("number `{}`", &source[tok.span.clone()]),
        TokenKind::Ident(name) => format!("name `{name}`"),
        _ => format!("`{}`", &source[tok.span.clone()]),
    }
}

/// The exact value of a constant subtree built only from literals and rational operations, or
/// `None` if it has variables, transcendental parts, or would exceed [`MAX_CONSTANT_BITS`].
pub(crate) fn constant_value(e: &Expr) -> Option<Rational> {
    match e {
        Expr::Num(q) => Some(q.clone()),
        Expr::Neg(a) => constant_value(a).map(|q| -q),
        Expr::Bin(op, a, b) => {
            let (x, y) = (constant_value(a)?, constant_value(b)?);
            match op {
                BinOp::Add => Some(x + y),
                BinOp::Sub => Some(x - y),
                BinOp::Mul => Some(x * y),
                BinOp::Div => (y != 0).then(|| x / y),
                BinOp::Pow => {
                    if *y.denom() != 1 {
                        return None;
                    }
                    let n = y.numer().to_i64()?;
                    let bits = x.numer().significant_bits().max(x.denom().significant_bits()) as u64;
                    if bits.saturating_mul(n.unsigned_abs()) > MAX_CONSTANT_BITS {
                        return None;
                    }
                    let m = u32::try_from(n.unsigned_abs()).ok()?;
                    let p = Rational::from((x.numer().clone().pow(m), x.denom().clone().pow(m)));
                    if n >= 0 {
                        Some(p)
                    } else if p == 0 {
                        None
                    } else {
                        Some(p.recip())
                    }
                }
            }
        }
        Expr::Var(_) | Expr::Pi | Expr::Call(..) => None,
    }
}
