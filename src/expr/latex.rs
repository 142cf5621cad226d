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
            None => c.to_string(),
        })
        .collect();
    if stem.chars().count() > 1 && stem.chars().all(|c| c.is_ascii_alphanumeric()) {
        format!("\\mathrm{{{mapped}}}")
    } else {
        mapped
    }
}

pub(crate) fn render(e: &Expr) -> String {
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
        Expr::Neg(a) => format!("-{}", wrap(a, 3)),
        Expr::Call(Func::Sqrt, a) => format!("\\sqrt{{{}}}", render(a)),
        Expr::Call(Func::Abs, a) => format!("\\left|{}\\right|", render(a)),
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
                Func::Sqrt | Func::Abs => unreachable!("handled above"),
            };
            format!("{name}\\left({}\\right)", render(a))
        }
        Expr::Bin(BinOp::Add, a, b) => format!("{} + {}", wrap(a, 1), wrap(b, 2)),
        Expr::Bin(BinOp::Sub, a, b) => format!("{} - {}", wrap(a, 1), wrap(b, 2)),
        Expr::Bin(BinOp::Mul, a, b) => {
            // A visible dot only where juxtaposition would misread (a number after anything).
            let sep = if matches!(**b, Expr::Num(_)) || matches!(**b, Expr::Neg(_)) {
                " \\cdot "
            } else {
                " \\, "
            };
            format!("{}{sep}{}", wrap(a, 2), wrap(b, 3))
        }
        Expr::Bin(BinOp::Div, a, b) => format!("\\frac{{{}}}{{{}}}", render(a), render(b)),
        Expr::Bin(BinOp::Pow, a, b) => format!("{{{}}}^{{{}}}", wrap(a, 5), render(b)),
    }
}

fn wrap(e: &Expr, min_precedence: u8) -> String {
    // Fractions are visually atomic, so they need no parentheses as factors.
    let effective = match e {
        Expr::Bin(BinOp::Div, ..) => 4,
        _ => precedence(e),
    };
    if effective < min_precedence {
        format!("\\left({}\\right)", render(e))
    } else {
        render(e)
    }
}

/// Escapes prose for LaTeX text mode, mapping the Unicode symbols `renorm` uses in its messages
/// (Greek letters, ∂, Σ, ⇒, ≥, …) to commands so that plain `pdflatex` can typeset them.
pub(crate) fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            // Identifiers such as `power_law_in_spectrum` must be able to break in narrow cells.
            '_' => out.push_str("\\_\\allowbreak{}"),
            '{' | '}' | '$' | '&' | '#' | '%' => {
                out.push('\\');
                out.push(c);
            }
            '^' => out.push_str("\\^{}"),
            '~' => out.push_str("\\~{}"),
            '—' => out.push_str("---"),
            '–' => out.push_str("--"),
            '−' => out.push('-'),
            '…' => out.push_str("\\ldots{}"),
            '·' => out.push_str("$\\cdot$"),
            '∂' => out.push_str("$\\partial$"),
            '√' => out.push_str("$\\surd$"),
            '≥' => out.push_str("$\\geq$"),
            '≤' => out.push_str("$\\leq$"),
            '≈' => out.push_str("$\\approx$"),
            '∧' => out.push_str("$\\wedge$"),
            '⇒' => out.push_str("$\\Rightarrow$"),
            '→' => out.push_str("$\\to$"),
            '∈' => out.push_str("$\\in$"),
            '′' => out.push('\''),
            'Π' => out.push_str("$\\Pi$"),
            '‖' => out.push_str("$\\|$"),
            '₀' => out.push_str("$_0$"),
            '²' => out.push_str("$^2$"),
            '≠' => out.push_str("$\\neq$"),
            '×' => out.push_str("$\\times$"),
            'ᵀ' => out.push_str("$^T$"),
            _ if c.is_ascii() => out.push(c),
            _ => match GREEK.iter().find(|(_, ch, _)| *ch == c) {
                Some((_, _, cmd)) => out.push_str(&format!("${cmd}$")),
                None => out.push('?'),
            },
        }
    }
    out
}
