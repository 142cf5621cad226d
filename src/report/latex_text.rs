//! Prose and code text for LaTeX: every character `renorm` writes is mapped to something plain
//! `pdflatex` (with `fontenc` T1, `amssymb`) typesets — Greek letters, operators, super- and
//! subscript digits, accents — and long unbreakable tokens get break points so that table
//! cells and paragraphs fit the page.
//!
//! A character with no mapping is never dropped or turned into `?`: it becomes
//! `\renormunknown{XXXX}` (its code point, defined in the report preamble to print `[U+XXXX]`),
//! which CI searches for, so a missing mapping is seen rather than silently mis-set.

/// Name of the preamble macro that marks an unmapped character.
pub(crate) const UNKNOWN_MACRO: &str = "\\renormunknown";

/// Tokens (runs without spaces) longer than this get a break opportunity every
/// [`BREAK_EVERY`] characters: long integers, interval endpoints, file paths.
const LONG_TOKEN: usize = 18;
const BREAK_EVERY: usize = 10;

/// Math-mode command for a symbol, without delimiters. Covers every non-ASCII symbol in
/// renorm's own messages; user-supplied names may contain anything else.
pub(crate) fn math_symbol(c: char) -> Option<&'static str> {
    Some(match c {
        'α' => "\\alpha",
        'β' => "\\beta",
        'γ' => "\\gamma",
        'δ' => "\\delta",
        'ε' => "\\varepsilon",
        'ζ' => "\\zeta",
        'η' => "\\eta",
        'θ' => "\\theta",
        'ι' => "\\iota",
        'κ' => "\\kappa",
        'λ' => "\\lambda",
        'μ' => "\\mu",
        'ν' => "\\nu",
        'ξ' => "\\xi",
        'π' => "\\pi",
        'ρ' => "\\rho",
        'σ' => "\\sigma",
        'τ' => "\\tau",
        'υ' => "\\upsilon",
        'φ' => "\\phi",
        'χ' => "\\chi",
        'ψ' => "\\psi",
        'ω' => "\\omega",
        'Γ' => "\\Gamma",
        'Δ' => "\\Delta",
        'Θ' => "\\Theta",
        'Λ' => "\\Lambda",
        'Ξ' => "\\Xi",
        'Π' => "\\Pi",
        'Σ' => "\\Sigma",
        'Φ' => "\\Phi",
        'Ψ' => "\\Psi",
        'Ω' => "\\Omega",
        '−' => "-",
        '·' => "\\cdot",
        '×' => "\\times",
        '÷' => "\\div",
        '±' => "\\pm",
        '≤' => "\\leq",
        '≥' => "\\geq",
        '≲' => "\\lesssim",
        '≳' => "\\gtrsim",
        '≪' => "\\ll",
        '≫' => "\\gg",
        '≈' => "\\approx",
        '≡' => "\\equiv",
        '≠' => "\\neq",
        '∝' => "\\propto",
        '∂' => "\\partial",
        '∇' => "\\nabla",
        '∫' => "\\int",
        '∑' => "\\sum",
        '∏' => "\\prod",
        '√' => "\\surd",
        '∞' => "\\infty",
        '∈' => "\\in",
        '∉' => "\\notin",
        '∌' => "\\not\\ni",
        '∩' => "\\cap",
        '∪' => "\\cup",
        '∧' => "\\wedge",
        '∨' => "\\vee",
        '∘' => "\\circ",
        '⊙' => "\\odot",
        '→' => "\\to",
        '←' => "\\leftarrow",
        '↦' => "\\mapsto",
        '⇒' => "\\Rightarrow",
        '⇔' => "\\Leftrightarrow",
        '⟨' => "\\langle",
        '⟩' => "\\rangle",
        '⌊' => "\\lfloor",
        '⌋' => "\\rfloor",
        '⌈' => "\\lceil",
        '⌉' => "\\rceil",
        '‖' => "\\|",
        '′' => "{}^{\\prime}",
        'ℓ' => "\\ell",
        'ℝ' => "\\mathbb{R}",
        'ℤ' => "\\mathbb{Z}",
        'ℕ' => "\\mathbb{N}",
        'ℚ' => "\\mathbb{Q}",
        'ℂ' => "\\mathbb{C}",
        '½' => "\\tfrac{1}{2}",
        _ => return None,
    })
}

/// Superscript and subscript characters, as the math-mode text they raise or lower.
fn script(c: char) -> Option<(bool, &'static str)> {
    let sup = |s| Some((true, s));
    let sub = |s| Some((false, s));
    match c {
        '⁰' => sup("0"),
        '¹' => sup("1"),
        '²' => sup("2"),
        '³' => sup("3"),
        '⁴' => sup("4"),
        '⁵' => sup("5"),
        '⁶' => sup("6"),
        '⁷' => sup("7"),
        '⁸' => sup("8"),
        '⁹' => sup("9"),
        '⁻' => sup("-"),
        '⁺' => sup("+"),
        'ᵀ' => sup("\\mathsf{T}"),
        'ⁿ' => sup("n"),
        '₀' => sub("0"),
        '₁' => sub("1"),
        '₂' => sub("2"),
        '₃' => sub("3"),
        '₄' => sub("4"),
        '₅' => sub("5"),
        '₆' => sub("6"),
        '₇' => sub("7"),
        '₈' => sub("8"),
        '₉' => sub("9"),
        '₋' => sub("-"),
        '₊' => sub("+"),
        _ => None,
    }
}

/// Text-mode replacements (T1 encoding, `textcomp` symbols of the LaTeX kernel).
fn text_symbol(c: char) -> Option<&'static str> {
    Some(match c {
        '—' => "---",
        '–' => "--",
        '…' => "\\ldots{}",
        '§' => "\\S{}",
        '°' => "\\textdegree{}",
        '‘' => "`",
        '’' => "'",
        '“' => "``",
        '”' => "''",
        '\u{a0}' => "~",
        // A warning sign: bold exclamation in a box reads the same in print.
        '⚠' => "\\fbox{\\textbf{!}}",
        '✓' => "\\ensuremath{\\checkmark}",
        '✗' => "\\ensuremath{\\times}",
        _ => return None,
    })
}

/// Precomposed Latin letters with an accent: the text-mode accent command and the base letter.
fn precomposed(c: char) -> Option<(&'static str, char)> {
    Some(match c {
        'ã' => ("\\~", 'a'),
        'ẽ' => ("\\~", 'e'),
        'ĩ' => ("\\~", 'i'),
        'õ' => ("\\~", 'o'),
        'ũ' => ("\\~", 'u'),
        'ñ' => ("\\~", 'n'),
        'Ã' => ("\\~", 'A'),
        'Ũ' => ("\\~", 'U'),
        'Ñ' => ("\\~", 'N'),
        'ā' => ("\\=", 'a'),
        'ē' => ("\\=", 'e'),
        'ū' => ("\\=", 'u'),
        'ė' => ("\\.", 'e'),
        'Ė' => ("\\.", 'E'),
        'Ṁ' => ("\\.", 'M'),
        'ṁ' => ("\\.", 'm'),
        'é' => ("\\'", 'e'),
        'è' => ("\\`", 'e'),
        'ö' => ("\\\"", 'o'),
        'ü' => ("\\\"", 'u'),
        'ä' => ("\\\"", 'a'),
        _ => return None,
    })
}

/// A combining mark: its math accent command and its text accent command.
fn combining(c: char) -> Option<(&'static str, &'static str)> {
    Some(match c {
        '\u{0303}' => ("\\tilde", "\\~"),
        '\u{0304}' => ("\\bar", "\\="),
        '\u{0302}' => ("\\hat", "\\^"),
        '\u{0307}' => ("\\dot", "\\."),
        '\u{0308}' => ("\\ddot", "\\\""),
        _ => return None,
    })
}

fn unknown(c: char) -> String {
    format!("{UNKNOWN_MACRO}{{{:04X}}}", c as u32)
}

/// A single character in math mode (for variable names): ASCII as is, known symbols as
/// commands, anything else marked as unknown.
pub(crate) fn math_char(c: char) -> String {
    if c.is_ascii_alphanumeric() {
        return c.to_string();
    }
    if let Some(m) = math_symbol(c) {
        return format!("{m}{{}}");
    }
    if let Some((sup, s)) = script(c) {
        return format!("{}{{{s}}}", if sup { "^" } else { "_" });
    }
    if let Some((acc, base)) = precomposed(c) {
        let math_acc = match acc {
            "\\~" => "\\tilde",
            "\\=" => "\\bar",
            "\\." => "\\dot",
            _ => "\\acute",
        };
        return format!("{math_acc}{{{base}}}");
    }
    format!("\\text{{{}}}", unknown(c))
}

/// How an ASCII character is written in text mode.
fn ascii_text(c: char, out: &mut String) {
    match c {
        '\\' => out.push_str("\\textbackslash{}"),
        // Identifiers such as `power_law_in_spectrum` must be able to break in narrow cells.
        '_' => out.push_str("\\_\\allowbreak{}"),
        '{' | '}' | '$' | '&' | '#' | '%' => {
            out.push('\\');
            out.push(c);
        }
        '^' => out.push_str("\\textasciicircum{}"),
        '~' => out.push_str("\\textasciitilde{}"),
        '"' => out.push_str("\\textquotedbl{}"),
        // `--` and `<<` would become ligatures (an en dash, a guillemet) under T1.
        '-' => out.push_str("-{}"),
        '<' => out.push_str("\\textless{}"),
        '>' => out.push_str("\\textgreater{}"),
        '|' => out.push_str("\\textbar{}"),
        _ => out.push(c),
    }
}

/// Characters after which a line may break inside a long token (formulas as typed, paths,
/// interval lists): the break falls after the operator, as in printed mathematics.
fn break_after(c: char) -> bool {
    matches!(c, '/' | '*' | '=' | ',' | ';' | '+' | '(' | '[' | ':')
}

/// Where escaped text goes: each has its own special characters and break rules.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Running text.
    Prose,
    /// `\texttt{…}`: as prose, plus break points after operators.
    Code,
    /// Inside `alltt`: only `\`, `{` and `}` are special; lines never break.
    Verbatim,
}

/// Escapes prose for LaTeX text mode.
pub(crate) fn escape_text(s: &str) -> String {
    escape(s, Mode::Prose)
}

/// Escapes text shown in a monospace font (`\texttt{…}`): same mapping as prose, with break
/// points after operators so that long formulas as typed wrap instead of running off the page.
pub(crate) fn escape_code(s: &str) -> String {
    escape(s, Mode::Code)
}

/// Escapes one line for an `alltt` block (preformatted text keeps its spacing and line
/// structure; Unicode symbols are mapped as in prose).
pub(crate) fn escape_verbatim(s: &str) -> String {
    escape(s, Mode::Verbatim)
}

/// A figure caption: its `_`/`^` markup (shared with the plot layer) set as sub- and
/// superscripts, the rest as prose.
pub(crate) fn escape_caption(s: &str) -> String {
    use super::CaptionPiece;
    super::caption_pieces(s)
        .iter()
        .map(|p| match p {
            CaptionPiece::Plain(t) => escape_text(t),
            CaptionPiece::Sub(t) | CaptionPiece::Sup(t) => {
                let mark = if matches!(p, CaptionPiece::Sub(_)) {
                    "_"
                } else {
                    "^"
                };
                let body: String = t.chars().map(math_char).collect();
                format!("\\ensuremath{{{mark}{{{body}}}}}")
            }
        })
        .collect()
}

/// A short label (`F`, `v`, `G`) in math mode.
pub(crate) fn math_text(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => math_char(c),
        _ => format!("\text{{{}}}", escape_text(label)),
    }
}

fn escape(s: &str, mode: Mode) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    // Characters since the last space or break opportunity: long runs get forced breaks.
    let mut run = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // A run of super- or subscripts is one raised or lowered group: 10⁻⁵ → 10^{-5}.
        if let Some((sup, _)) = script(c) {
            let mut group = String::new();
            while let Some((s2, t)) = chars.get(i).and_then(|&d| script(d)) {
                if s2 != sup {
                    break;
                }
                group.push_str(t);
                i += 1;
            }
            out.push_str(&format!(
                "\\ensuremath{{{}{{{group}}}}}",
                if sup { "^" } else { "_" }
            ));
            run += 1;
            continue;
        }
        // A base character followed by a combining accent: ũ written as u + U+0303.
        if let Some((math_acc, text_acc)) = chars.get(i + 1).and_then(|&d| combining(d)) {
            if c.is_ascii_alphabetic() {
                out.push_str(&format!("{text_acc}{{{c}}}"));
            } else if let Some(m) = math_symbol(c) {
                out.push_str(&format!("\\ensuremath{{{math_acc}{{{m}}}}}"));
            } else {
                out.push_str(&unknown(c));
            }
            i += 2;
            run += 1;
            continue;
        }
        if mode == Mode::Verbatim && c.is_ascii() {
            match c {
                '\\' => out.push_str("\\textbackslash{}"),
                '{' | '}' => {
                    out.push('\\');
                    out.push(c);
                }
                _ => out.push(c),
            }
            i += 1;
            continue;
        }
        if c == ' ' || c == '\n' {
            out.push(c);
            run = 0;
        } else if c.is_ascii() {
            ascii_text(c, &mut out);
            run += 1;
            let may_break = match mode {
                Mode::Code => break_after(c),
                // Formulas quoted in prose (`C*lam^2*t*G(mu/lam)`) break after their
                // operators; commas and parentheses in prose keep their usual rules.
                _ => matches!(c, '/' | '*' | '=' | '+'),
            };
            if may_break && i + 1 < chars.len() && chars[i + 1] != ' ' {
                out.push_str("\\allowbreak{}");
                run = 0;
            }
        } else if let Some(t) = text_symbol(c) {
            out.push_str(t);
            run += 1;
        } else if let Some((acc, base)) = precomposed(c) {
            out.push_str(&format!("{acc}{{{base}}}"));
            run += 1;
        } else if let Some(m) = math_symbol(c) {
            out.push_str(&format!("\\ensuremath{{{m}}}"));
            run += 1;
        } else if combining(c).is_some() {
            // A combining mark with nothing to combine with (at the start): shown as unknown.
            out.push_str(&unknown(c));
        } else {
            out.push_str(&unknown(c));
            run += 1;
        }
        if mode != Mode::Verbatim && run >= LONG_TOKEN && run % BREAK_EVERY == LONG_TOKEN % BREAK_EVERY {
            out.push_str("\\allowbreak{}");
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_symbol_renorm_writes_is_mapped() {
        // The non-ASCII characters found in renorm's own messages and reports (collected from
        // the sources with `grep -oP '[^\x00-\x7F]'`); none may fall back to the unknown marker.
        let used = "−²λτα·ũρβ≤Σ§≥∂⟩⟨×—…πΔωσκ–∞≈∫ℓ₀⁰≠‖μ→⁻εᵀ∈⇒δ±φ³√ηγ⁴⌋⌊′ΠΛζΓ≡∧¹½₁ℝ⁶⁵θ\
                    ⌉⌈∝₂⁷Ũ⚠∇ξ÷Ṁ≲∉↦←⁺⁹ψė⊙≫≪∘₄χνĖ≳∩∌⇔ℤ⁸Φā°";
        for c in used.chars() {
            let t = escape_text(&c.to_string());
            assert!(!t.contains(UNKNOWN_MACRO), "{c} (U+{:04X}) unmapped", c as u32);
            assert!(t.is_ascii(), "{c} mapped to non-ASCII {t}");
        }
        // Combining tilde and macron (as typed in some docs: u + U+0303).
        assert_eq!(escape_text("u\u{0303}"), "\\~{u}");
        assert_eq!(escape_text("ρ\u{0303}"), "\\ensuremath{\\tilde{\\rho}}");
    }

    #[test]
    fn unknown_characters_are_marked_not_dropped() {
        assert_eq!(escape_text("a☃b"), "a\\renormunknown{2603}b");
        assert!(!escape_text("a☃b").contains('?'));
        assert_eq!(math_char('☃'), "\\text{\\renormunknown{2603}}");
    }

    #[test]
    fn scripts_group_and_specials_escape() {
        assert_eq!(escape_text("10⁻⁵"), "10\\ensuremath{^{-5}}");
        assert_eq!(escape_text("x₀²"), "x\\ensuremath{_{0}}\\ensuremath{^{2}}");
        assert_eq!(escape_text("<a>"), "\\textless{}a\\textgreater{}");
        assert_eq!(escape_text("50% & $"), "50\\% \\& \\$");
        assert_eq!(escape_text("a--b"), "a-{}-{}b");
        assert_eq!(escape_text("§2.8"), "\\S{}2.8");
    }

    #[test]
    fn long_tokens_and_code_get_break_points() {
        let long = "168435556609000000000000000";
        let t = escape_text(long);
        assert!(t.contains("\\allowbreak{}"), "{t}");
        assert_eq!(t.replace("\\allowbreak{}", ""), long);
        let code = escape_code("lam*(c*b)");
        assert_eq!(code, "lam*\\allowbreak{}(\\allowbreak{}c*\\allowbreak{}b)");
        assert_eq!(escape_verbatim("a_{b}\\ %&"), "a_\\{b\\}\\textbackslash{} %&");
        // Short prose is left alone.
        assert_eq!(escape_text("a = b, c"), "a = b, c");
        assert_eq!(escape_text("x*y"), "x*\\allowbreak{}y");
    }
}
