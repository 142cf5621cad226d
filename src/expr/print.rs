//! Plain-text printing in the input language, with the fewest parentheses that still parse back
//! to the identical tree.

use super::{BinOp, Expr};
use rug::ops::Pow;
use rug::{Integer, Rational};
use std::fmt;

/// Binding strength of a node when printed; higher binds tighter.
pub(crate) fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Bin(BinOp::Add | BinOp::Sub, ..) => 1,
        Expr::Bin(BinOp::Mul | BinOp::Div, ..) => 2,
        Expr::Neg(_) => 3,
        Expr::Bin(BinOp::Pow, ..) => 4,
        Expr::Num(_) | Expr::Var(_) | Expr::Pi | Expr::Call(..) => 5,
    }
}

fn child(f: &mut fmt::Formatter<'_>, e: &Expr, min_precedence: u8) -> fmt::Result {
    if precedence(e) < min_precedence {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Num(q) => f.write_str(&format_literal(q)),
            Expr::Var(v) => f.write_str(v),
            Expr::Pi => f.write_str("pi"),
            Expr::Neg(a) => {
                f.write_str("-")?;
                child(f, a, 3)
            }
            Expr::Call(g, a) => write!(f, "{}({a})", g.name()),
            Expr::Bin(op, a, b) => {
                // Left-associative operators accept an equal-precedence left operand but need
                // parentheses for an equal-precedence right operand; `^` is the mirror image.
                let (sym, left_min, right_min) = match op {
                    BinOp::Add => (" + ", 1, 2),
                    BinOp::Sub => (" - ", 1, 2),
                    BinOp::Mul => ("*", 2, 3),
                    BinOp::Div => ("/", 2, 3),
                    BinOp::Pow => ("^", 5, 3),
                };
                child(f, a, left_min)?;
                f.write_str(sym)?;
                child(f, b, right_min)
            }
        }
    }
}

/// Longest run of digits printed without scientific notation; beyond it `1e40` stays `1e40`.
const PLAIN_DIGIT_RUN: usize = 30;

/// Formats a non-negative literal so that the input language reads back the same exact value.
///
/// Literals from the parser always have a terminating decimal expansion; any other rational is
/// printed as a parenthesised quotient (which parses to a division node, not a literal).
pub fn format_literal(q: &Rational) -> String {
    let den = q.denom().clone();
    let (twos, fives) = (count_factor(&den, 2), count_factor(&den, 5));
    let mut rest = den.clone();
    rest >>= twos;
    for _ in 0..fives {
        rest /= 5u32;
    }
    if rest != 1 {
        return format!("({}/{})", q.numer(), q.denom());
    }
    let scale = twos.max(fives);
    let mantissa: Integer = q.numer().clone() * Integer::from(10u32).pow(scale) / den;
    let mut digits = mantissa.to_string();
    let mut exponent = -i64::from(scale);
    // Normalise trailing zeros into the exponent so that 1e40 does not print as forty digits.
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
        exponent += 1;
    }
    let n = digits.len() as i64;
    if exponent >= 0 {
        if (exponent as usize) <= PLAIN_DIGIT_RUN {
            return format!("{digits}{}", "0".repeat(exponent as usize));
        }
    } else if -exponent <= PLAIN_DIGIT_RUN as i64 {
        let point = n + exponent;
        return if point > 0 {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        } else {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        };
    }
    let sci_exponent = exponent + n - 1;
    let max = crate::input::Limits::default().max_scientific_exponent as i64;
    if sci_exponent.abs() <= max {
        return if n == 1 {
            format!("{digits}e{sci_exponent}")
        } else {
            format!("{}.{}e{sci_exponent}", &digits[..1], &digits[1..])
        };
    }
    // Beyond the exponents the reader accepts (`199e999` is 1.99·10¹⁰⁰¹): keep the exponent
    // in range and move the rest into the digits, so that the literal still reads back.
    if exponent > max {
        format!("{digits}{}e{max}", "0".repeat((exponent - max) as usize))
    } else if exponent >= -max {
        format!("{digits}e{exponent}")
    } else {
        let shift = (-max - exponent) as usize; // digits × 10^(−shift) × 10^(−max)
        let point = n - shift as i64;
        let mantissa = if point > 0 {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        } else {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        };
        format!("{mantissa}e-{max}")
    }
}

fn count_factor(n: &Integer, p: u32) -> u32 {
    let mut n = n.clone();
    let mut count = 0;
    while n != 0 && n.is_divisible_u(p) {
        n /= p;
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> String {
        format_literal(&s.parse::<Rational>().unwrap())
    }

    /// Values whose scientific exponent is beyond the reader's ±1000 (found by the fuzzer:
    /// `199e999` printed as `1.99e1001`, which does not read back).
    #[test]
    fn literals_beyond_the_exponent_limit_still_read_back() {
        for written in [
            "199e999",
            "1e1000",
            "123e1000",
            "1.5e-1000",
            "0.015e-1000",
            "25e-1000",
        ] {
            let parsed = crate::input::parse(written).unwrap();
            let printed = parsed.to_string();
            assert_eq!(
                crate::input::parse(&printed).unwrap(),
                parsed,
                "{written} printed as {printed}"
            );
        }
        assert_eq!(crate::input::parse("199e999").unwrap().to_string(), "199e999");
        assert_eq!(
            crate::input::parse("0.15e-1000").unwrap().to_string(),
            "0.15e-1000"
        );
        assert_eq!(crate::input::parse("123e1000").unwrap().to_string(), "123e1000");
        assert_eq!(crate::input::parse("100e1000").unwrap().to_string(), "100e1000");
    }

    #[test]
    fn literals_print_as_decimals() {
        assert_eq!(lit("3"), "3");
        assert_eq!(lit("0"), "0");
        assert_eq!(lit("1/10"), "0.1");
        assert_eq!(lit("5/2"), "2.5");
        assert_eq!(lit("1/1000"), "0.001");
        assert_eq!(lit("1/3"), "(1/3)");
        assert_eq!(lit("1000000000000000000000000000000000000000"), "1e39");
    }
}
