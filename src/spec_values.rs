//! Shared pieces of the structured-input formats (check specs, RG models): exact numbers in
//! TOML values, and located errors.
//!
//! Every number a spec carries is exact: a TOML integer, or a string holding a rational, a
//! decimal, a scientific literal or a constant expression in the input language (`"3/2"`,
//! `"0.25"`, `"1e3"`, `"1000/3.98"`). TOML floats are refused because a binary float cannot
//! carry the value the user meant.

use crate::error::{Error, Result};
use crate::numeric::{Assignment, eval_exact};
use rug::Rational;

/// An [`Error::InvalidInput`] at `location`.
pub fn invalid(location: impl Into<String>, message: impl Into<String>) -> Error {
    Error::InvalidInput {
        location: location.into(),
        message: message.into(),
    }
}

/// Line and column (1-based) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// A TOML syntax error located as `origin:line:col`.
pub fn syntax_error(text: &str, origin: &str, e: &toml::de::Error) -> Error {
    let location = match e.span().map(|s| line_col(text, s.start)) {
        Some((l, c)) => format!("{origin}:{l}:{c}"),
        None => origin.to_string(),
    };
    invalid(location, e.message().trim().to_string())
}

/// Parses an exact constant: an integer, rational, decimal or scientific literal, or a constant
/// expression in the project's input language.
pub fn parse_exact(text: &str) -> Option<Rational> {
    let e = crate::input::parse(text.trim()).ok()?;
    eval_exact(&e, &Assignment::new())
}

/// An exact number from a TOML value; errors name `location`.
pub fn exact_value(v: &toml::Value, location: &str) -> Result<Rational> {
    match v {
        toml::Value::Integer(i) => Ok(Rational::from(*i)),
        toml::Value::String(s) => parse_exact(s).ok_or_else(|| {
            invalid(
                location,
                format!("`{s}` is not an exact number (write e.g. \"3/2\", \"0.25\" or \"1e3\")"),
            )
        }),
        toml::Value::Float(_) => Err(invalid(
            location,
            "TOML floats are not exact; write the value as a string, e.g. \"1.5\" or \"3/2\"",
        )),
        other => Err(invalid(
            location,
            format!("expected an exact number, found {}", other.type_str()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_values_and_their_errors() {
        let v = |s: &str| toml::Value::String(s.into());
        assert_eq!(
            exact_value(&v("1000/3.98"), "x").unwrap(),
            Rational::from((100_000, 398))
        );
        assert_eq!(exact_value(&v("-3/2"), "x").unwrap(), Rational::from((-3, 2)));
        assert_eq!(
            exact_value(&toml::Value::Integer(7), "x").unwrap(),
            Rational::from(7)
        );
        assert!(
            exact_value(&toml::Value::Float(0.5), "f")
                .unwrap_err()
                .to_string()
                .starts_with("f: TOML floats")
        );
        assert!(
            exact_value(&v("lam"), "y")
                .unwrap_err()
                .to_string()
                .contains("not an exact number")
        );
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
