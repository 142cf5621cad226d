//! LaTeX rendering of the project's expression tree (for reports; math mode, no delimiters).
//!
//! The output uses only commands available with `amsmath`/`amssymb`, so a report compiles with a
//! plain `pdflatex` installation. Unicode Greek letters in variable names are mapped to commands
//! because `pdflatex` cannot typeset them directly.

use super::print::{format_literal, precedence};
use super::{BinOp, Expr, Func};

const GREEK: [(&str, char, &str); 24] = [
    ("alpha", 'α', "\\alpha"),
    ("beta", 'β', "\\beta"),
    ("gamma", 'γ', "\\gamma"),
    ("delta", 'δ', "\\delta"),
    ("epsilon", 'ε', "\\epsilon"),
    ("zeta", 'ζ', "\\zeta"),
    ("eta", 'η', "\\eta"),
    ("theta", 'θ', "\\theta"),
    ("kappa", 'κ', "\\kappa"),
    ("lambda", 'λ', "\\lambda"),
    ("lam", 'λ', "\\lambda"),
    ("mu", 'μ', "\\mu"),
    ("nu", 'ν', "\\nu"),
    ("xi", 'ξ', "\\xi"),
    ("rho", 'ρ', "\\rho"),
    ("sigma", 'σ', "\\sigma"),
    ("tau", 'τ', "\\tau"),
    ("phi", 'φ', "\\phi"),
    ("chi", 'χ', "\\chi"),
    ("psi", 'ψ', "\\psi"),
    ("omega", 'ω', "\\omega"),
    ("Lambda", 'Λ', "\\Lambda"),
    ("Delta", 'Δ', "\\Delta"),
    ("Sigma", 'Σ', "\\Sigma"),
];

/// Typesets a variable name: Greek names become letters, `x_1` becomes `x_{1}`, other
/// multi-letter names are set upright.
pub(crate) fn latex_name(name: &str) -> String {
    let (stem, subscript) = match name.split_once('_') {
        Some((stem, sub)) if !stem.is_empty() && !sub.is_empty() => (stem, Some(sub)),
        _ => (name, None),
    };
    let stem_tex = latex_stem(stem);
    match subscript {
        Some(sub) => format!("{stem_tex}_{{{}}}", latex_stem(sub)),
        None => stem_tex,
    }
}

fn latex_stem(stem: &str) -> String {
    if let Some((_, _, cmd)) = GREEK.iter().find(|(word, _, _)| *word == stem) {
        return format!("{cmd}{{}}");
    }
    let mapped: String = stem
        .chars()
        .map(|c| match GREEK.iter().find(|(_, ch, _)| *ch == c) {
            Some((_, _, cmd)) => format!("{cmd}{{}}"),
            None if c == '_' => "\\_".to_string(),
            None if c.is_ascii() => c.to_string(),
            // Anything else non-ASCII (a user's variable name) is mapped or visibly marked:
            // pdflatex cannot set raw UTF-8 in math mode.
            None => crate::report::latex_text::math_char(c),
        })
        .collect();
    if stem.chars().count() > 1 && stem.chars().all(|c| c.is_ascii_alphanumeric()) {
        format!("\\mathrm{{{mapped}}}")
    } else {
        mapped
    }
}

/// How a formula is set: displayed (fractions stacked, parentheses sized to their content) or
/// inline in running text and table cells, where TeX may only break a line after an operator
/// at the formula's outer level — so inline formulas use plain parentheses (which do not form
/// a group), a solidus for fractions with long parts, and break points between factors.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// A displayed formula.
    Display,
    /// An inline formula that must be able to wrap.
    Inline,
}

/// Parts of a fraction longer than this (in printed characters) make an inline fraction use a
/// solidus: a stacked fraction cannot break and shrinks its parts to script size.
const INLINE_FRACTION_PART: usize = 12;

pub(crate) fn render(e: &Expr) -> String {
    render_styled(e, Style::Display)
}

pub(crate) fn render_styled(e: &Expr, style: Style) -> String {
    let open_close = |inner: String| match style {
        Style::Display => format!("\\left({inner}\\right)"),
        Style::Inline => format!("({inner})"),
    };
    match e {
        Expr::Num(q) => {
            let s = format_literal(q);
            match s.split_once('e') {
                Some((m, x)) => format!("{m} \\times 10^{{{x}}}"),
                None => s,
            }
        }
        Expr::Var(v) => latex_name(v),
        Expr::Pi => "\\pi{}".to_string(),
        Expr::Neg(a) => format!("-{}", wrap(a, 3, style)),
        Expr::Call(Func::Sqrt, a) => format!("\\sqrt{{{}}}", render_styled(a, style)),
        Expr::Call(Func::Abs, a) => match style {
            Style::Display => format!("\\left|{}\\right|", render_styled(a, style)),
            Style::Inline => format!("|{}|", render_styled(a, style)),
        },
        Expr::Call(f, a) => {
            let name = match f {
                Func::Exp => "\\exp",
                Func::Log => "\\ln",
                Func::Sin => "\\sin",
                Func::Cos => "\\cos",
                Func::Tan => "\\tan",
                Func::Tanh => "\\tanh",
                Func::Cosh => "\\cosh",
                Func::Sinh => "\\sinh",
                // invariant: the two arms above match `Expr::Call(Func::Sqrt | Func::Abs, _)` first.
                Func::Sqrt | Func::Abs => unreachable!("handled above"),
            };
            format!("{name}{}", open_close(render_styled(a, style)))
        }
        Expr::Bin(BinOp::Add, a, b) => {
            format!("{} + {}", wrap(a, 1, style), wrap(b, 2, style))
        }
        Expr::Bin(BinOp::Sub, a, b) => {
            format!("{} - {}", wrap(a, 1, style), wrap(b, 2, style))
        }
        Expr::Bin(BinOp::Mul, a, b) => {
            // A visible dot only where juxtaposition would misread (a number after anything).
            let sep = if matches!(**b, Expr::Num(_)) || matches!(**b, Expr::Neg(_)) {
                " \\cdot "
            } else if style == Style::Inline {
                " \\,\\allowbreak "
            } else {
                " \\, "
            };
            format!("{}{sep}{}", wrap(a, 2, style), wrap(b, 3, style))
        }
        Expr::Bin(BinOp::Div, a, b) => {
            let long = |x: &Expr| x.to_string().chars().count() > INLINE_FRACTION_PART;
            if style == Style::Inline && (long(a) || long(b)) {
                // a/b: the numerator needs parentheses below a product, the denominator
                // unless it is atomic (a/(b c) is not a/b·c).
                format!("{}/{}", wrap(a, 2, style), wrap(b, 4, style))
            } else {
                format!(
                    "\\frac{{{}}}{{{}}}",
                    render_styled(a, style),
                    render_styled(b, style)
                )
            }
        }
        Expr::Bin(BinOp::Pow, a, b) => {
            let base = wrap(a, 5, style);
            if style == Style::Inline && precedence(a) < 5 {
                // `(…)^{2}` puts the exponent on the closing parenthesis, as printed
                // mathematics does, and keeps the parenthesised sum breakable; braces would
                // make it one unbreakable group.
                format!("{base}^{{{}}}", render_styled(b, style))
            } else {
                format!("{{{base}}}^{{{}}}", render_styled(b, style))
            }
        }
    }
}

fn wrap(e: &Expr, min_precedence: u8, style: Style) -> String {
    // Stacked fractions are visually atomic, so they need no parentheses as factors; a
    // solidus fraction binds like a product.
    let effective = match e {
        Expr::Bin(BinOp::Div, a, b) => {
            let solidus = style == Style::Inline
                && (a.to_string().chars().count() > INLINE_FRACTION_PART
                    || b.to_string().chars().count() > INLINE_FRACTION_PART);
            if solidus { 2 } else { 4 }
        }
        _ => precedence(e),
    };
    if effective < min_precedence {
        match style {
            Style::Display => format!("\\left({}\\right)", render_styled(e, style)),
            Style::Inline => format!("({})", render_styled(e, style)),
        }
    } else {
        render_styled(e, style)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn inline_style_can_wrap() {
        let e = crate::input::parse("(lam + mu + kappa)^2/(1 + lam*mu*kappa*t) * x").unwrap();
        let display = e.to_latex();
        let inline = e.to_latex_inline();
        assert!(display.contains("\\frac") && display.contains("\\left("));
        // Long fraction parts use a solidus with the denominator parenthesised, sums keep
        // plain (breakable) parentheses, and factors get break points.
        assert!(
            !inline.contains("\\frac") && !inline.contains("\\left"),
            "{inline}"
        );
        assert!(inline.contains(")^{2}/(1 + "), "{inline}");
        assert!(inline.contains("\\allowbreak"), "{inline}");
        // Short fractions stay stacked.
        let short = crate::input::parse("1/(2*x)").unwrap().to_latex_inline();
        assert!(short.starts_with("\\frac{1}{2"), "{short}");
    }
}
