//! MathML (presentation markup) rendering of the expression tree, for self-contained HTML
//! reports: browsers typeset it natively, with no scripts and no network access.

use super::print::{format_literal, precedence};
use super::{BinOp, Expr, Func};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn identifier(name: &str) -> String {
    const GREEK: [(&str, &str); 23] = [
        ("alpha", "α"),
        ("beta", "β"),
        ("gamma", "γ"),
        ("delta", "δ"),
        ("epsilon", "ε"),
        ("zeta", "ζ"),
        ("eta", "η"),
        ("theta", "θ"),
        ("kappa", "κ"),
        ("lambda", "λ"),
        ("lam", "λ"),
        ("mu", "μ"),
        ("nu", "ν"),
        ("xi", "ξ"),
        ("rho", "ρ"),
        ("sigma", "σ"),
        ("tau", "τ"),
        ("phi", "φ"),
        ("chi", "χ"),
        ("psi", "ψ"),
        ("omega", "ω"),
        ("Lambda", "Λ"),
        ("Delta", "Δ"),
    ];
    let (stem, sub) = match name.split_once('_') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => (a, Some(b)),
        _ => (name, None),
    };
    let shown = GREEK.iter().find(|(w, _)| *w == stem).map_or(stem, |(_, g)| g);
    let base = format!("<mi>{}</mi>", escape(shown));
    match sub {
        Some(s) => format!("<msub>{base}<mi>{}</mi></msub>", escape(s)),
        None => base,
    }
}

fn paren(inner: String) -> String {
    format!("<mrow><mo>(</mo>{inner}<mo>)</mo></mrow>")
}

fn wrap(e: &Expr, min_precedence: u8) -> String {
    let effective = match e {
        Expr::Bin(BinOp::Div, ..) => 4,
        _ => precedence(e),
    };
    if effective < min_precedence {
        paren(render(e))
    } else {
        render(e)
    }
}

fn render(e: &Expr) -> String {
    match e {
        Expr::Num(q) => {
            let s = format_literal(q);
            match s.split_once('e') {
                Some((m, x)) => {
                    format!("<mrow><mn>{m}</mn><mo>×</mo><msup><mn>10</mn><mn>{x}</mn></msup></mrow>")
                }
                None => format!("<mn>{s}</mn>"),
            }
        }
        Expr::Var(v) => identifier(v),
        Expr::Pi => "<mi>π</mi>".into(),
        Expr::Neg(a) => format!("<mrow><mo>−</mo>{}</mrow>", wrap(a, 3)),
        Expr::Call(Func::Sqrt, a) => format!("<msqrt>{}</msqrt>", render(a)),
        Expr::Call(Func::Abs, a) => format!("<mrow><mo>|</mo>{}<mo>|</mo></mrow>", render(a)),
        Expr::Call(f, a) => {
            let name = if *f == Func::Log { "ln" } else { f.name() };
            format!(
                "<mrow><mi>{name}</mi><mo>&#x2061;</mo>{}</mrow>",
                paren(render(a))
            )
        }
        Expr::Bin(BinOp::Add, a, b) => format!("<mrow>{}<mo>+</mo>{}</mrow>", wrap(a, 1), wrap(b, 2)),
        Expr::Bin(BinOp::Sub, a, b) => format!("<mrow>{}<mo>−</mo>{}</mrow>", wrap(a, 1), wrap(b, 2)),
        Expr::Bin(BinOp::Mul, a, b) => {
            // Juxtaposed factors get the thin space the LaTeX output has (`\,`): without it,
            // upright names run together (`c1*b1` would read as one name, "c1b1").
            let op = if matches!(**b, Expr::Num(_) | Expr::Neg(_)) {
                "<mo>·</mo>"
            } else {
                "<mo>&#x2062;</mo><mspace width=\"0.17em\"/>"
            };
            format!("<mrow>{}{op}{}</mrow>", wrap(a, 2), wrap(b, 3))
        }
        Expr::Bin(BinOp::Div, a, b) => format!("<mfrac>{}{}</mfrac>", render(a), render(b)),
        Expr::Bin(BinOp::Pow, a, b) => format!("<msup>{}{}</msup>", wrap(a, 5), render(b)),
    }
}

/// The expression as a MathML `<math>` element (`display="block"` when `block`).
pub fn to_mathml(e: &Expr, block: bool) -> String {
    let display = if block { " display=\"block\"" } else { "" };
    format!(
        "<math xmlns=\"http://www.w3.org/1998/Math/MathML\"{display}>{}</math>",
        render(e)
    )
}

#[cfg(test)]
mod tests {
    use crate::input::parse;

    #[test]
    fn renders_structure() {
        let m = super::to_mathml(&parse("c*lam^(3/2)/sqrt(t) - exp(-x)").unwrap(), true);
        assert!(m.starts_with("<math"));
        assert!(m.contains("<mi>λ</mi>"));
        assert!(m.contains("<mfrac>"));
        assert!(m.contains("<msqrt>"));
        assert!(m.contains("<mi>exp</mi>"));
        assert_eq!(m.matches("<mrow>").count(), m.matches("</mrow>").count());
    }
}
