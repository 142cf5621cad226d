//! PDF backend: a minimal single-page vector PDF 1.4 writer for a laid-out [`Scene`].
//!
//! Paths, circles (four Bézier arcs), dashes, colours, clipping and text. Text uses two of the
//! base-14 fonts every PDF reader has, so nothing is embedded:
//! - Helvetica with `WinAnsiEncoding` for ASCII, Latin-1 and the WinAnsi punctuation;
//! - Symbol for Greek letters and mathematical signs (α β γ δ ε … ω, Γ Δ Θ Λ Ξ Π Σ Φ Ψ Ω, − ≤ ≥
//!   × ∞ ∈ → ≠ ± ≈ · ∂ ∑ √ ⇒ ⟨ ⟩ ′ …), see [`symbol_code`].
//!
//! Fallbacks, so a character is never written as bytes a reader would misdraw: a letter with a
//! tilde that WinAnsi lacks (`ũ`, `Ũ`, `ĩ`, `ẽ`, `ỹ`, `ṽ`, or any letter followed by U+0303) is
//! drawn as the base letter with the WinAnsi tilde accent centred over it; superscript and
//! subscript digits (`⁰…⁹`, `₀…₉`, `⁻`) become raised or lowered small digits; any other
//! character is drawn as `?`.
//!
//! The file is ASCII only (non-ASCII string bytes are octal escapes), so it fits in a `String`.
//! The canvas unit is one PostScript point.

use std::fmt::Write as _;

use super::Rgb;
use super::layout::{Anchor, Item, Scene, Stroke};
use super::text::{Run, Shift, char_width, run_rise, run_size};

/// Symbol-font code and advance width (1/1000 em) of `c`, for the characters the PDF backend
/// draws in Symbol.
pub fn symbol_code(c: char) -> Option<(u8, u16)> {
    Some(match c {
        'α' => (b'a', 631),
        'β' => (b'b', 549),
        'γ' => (b'g', 411),
        'δ' => (b'd', 494),
        'ε' | 'ϵ' => (b'e', 439),
        'ζ' => (b'z', 494),
        'η' => (b'h', 603),
        'θ' => (b'q', 521),
        'ι' => (b'i', 329),
        'κ' => (b'k', 549),
        'λ' => (b'l', 549),
        'μ' => (b'm', 576),
        'ν' => (b'n', 521),
        'ξ' => (b'x', 493),
        'ο' => (b'o', 549),
        'π' => (b'p', 549),
        'ρ' => (b'r', 549),
        'σ' => (b's', 603),
        'ς' => (b'V', 439),
        'τ' => (b't', 439),
        'υ' => (b'u', 576),
        'φ' | 'ϕ' => (b'f', 521),
        'χ' => (b'c', 549),
        'ψ' => (b'y', 686),
        'ω' => (b'w', 686),
        'Γ' => (b'G', 603),
        'Δ' => (b'D', 612),
        'Θ' => (b'Q', 741),
        'Λ' => (b'L', 686),
        'Ξ' => (b'X', 645),
        'Π' => (b'P', 768),
        'Σ' => (b'S', 592),
        'Φ' => (b'F', 763),
        'Ψ' => (b'Y', 795),
        'Ω' => (b'W', 768),
        '−' => (0x2D, 549),
        '≤' => (0xA3, 549),
        '≥' => (0xB3, 549),
        '∞' => (0xA5, 713),
        '∈' => (0xCE, 713),
        '→' => (0xAE, 987),
        '←' => (0xAC, 987),
        '↑' => (0xAD, 603),
        '↓' => (0xAF, 603),
        '⇒' => (0xDE, 987),
        '≠' => (0xB9, 549),
        '≈' => (0xBB, 549),
        '∼' => (0x7E, 549),
        '∂' => (0xB6, 494),
        '∑' => (0xE5, 713),
        '√' => (0xD6, 549),
        '⟨' | '〈' => (0xE1, 329),
        '⟩' | '〉' => (0xF1, 329),
        '′' => (0xA2, 247),
        '″' => (0xB2, 411),
        '∝' => (0xB5, 713),
        '⋅' => (0xD7, 250),
        '∇' => (0xD1, 713),
        '∫' => (0xF2, 274),
        '∏' => (0xD5, 823),
        '≡' => (0xBA, 549),
        '∅' => (0xC6, 823),
        _ => return None,
    })
}

/// The WinAnsi byte of `c`, if Helvetica in `WinAnsiEncoding` has it.
fn winansi(c: char) -> Option<u8> {
    let u = c as u32;
    if (32..127).contains(&u) || (0xA0..=0xFF).contains(&u) {
        return Some(u as u8);
    }
    Some(match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    })
}

/// Base letter of a letter with a tilde that WinAnsi lacks.
fn tilde_base(c: char) -> Option<char> {
    Some(match c {
        'ũ' => 'u',
        'Ũ' => 'U',
        'ĩ' => 'i',
        'Ĩ' => 'I',
        'ẽ' => 'e',
        'Ẽ' => 'E',
        'ỹ' => 'y',
        'Ỹ' => 'Y',
        'ṽ' => 'v',
        'Ṽ' => 'V',
        _ => return None,
    })
}

const TILDE: u8 = 0x98;
const TILDE_WIDTH: u16 = 333;

/// A glyph: font (`false` Helvetica, `true` Symbol), byte, advance width, tilde above.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Glyph {
    symbol: bool,
    byte: u8,
    width: u16,
    tilde: bool,
}

fn helvetica(b: u8, c: char) -> Glyph {
    Glyph {
        symbol: false,
        byte: b,
        width: char_width(c),
        tilde: false,
    }
}

/// Glyphs of `s` with the documented fallbacks.
fn glyphs(s: &str) -> Vec<Glyph> {
    let mut out: Vec<Glyph> = Vec::new();
    for c in s.chars() {
        if c == '\u{0303}' {
            if let Some(g) = out.last_mut() {
                g.tilde = true;
            }
            continue;
        }
        // Latin-1 letters stay in Helvetica; Greek and maths go to Symbol; µ (micro) is Latin-1.
        if let Some(b) = winansi(c) {
            out.push(helvetica(b, c));
        } else if let Some((b, w)) = symbol_code(c) {
            out.push(Glyph {
                symbol: true,
                byte: b,
                width: w,
                tilde: false,
            });
        } else if let Some(base) = tilde_base(c) {
            out.push(Glyph {
                tilde: true,
                ..helvetica(base as u8, base)
            });
        } else {
            out.push(helvetica(b'?', '?'));
        }
    }
    out
}

/// Splits super/subscript digits out of normal runs into raised/lowered runs.
fn script_digits(runs: &[Run]) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut push = |c: char, shift: Shift| match out.last_mut() {
        Some(r) if r.shift == shift => r.text.push(c),
        _ => out.push(Run {
            text: c.to_string(),
            shift,
        }),
    };
    for r in runs {
        for c in r.text.chars() {
            let sup = "⁰¹²³⁴⁵⁶⁷⁸⁹".chars().position(|d| d == c);
            let sub = "₀₁₂₃₄₅₆₇₈₉".chars().position(|d| d == c);
            // ¹ ² ³ exist in WinAnsi; they stay as they are.
            match (r.shift, sup, sub, c) {
                (Shift::Normal, Some(d), _, _) if !matches!(c, '¹' | '²' | '³') => {
                    push(char::from(b'0' + d as u8), Shift::Super)
                }
                (Shift::Normal, _, Some(d), _) => push(char::from(b'0' + d as u8), Shift::Sub),
                (Shift::Normal, _, _, '⁻') => push('−', Shift::Super),
                (s, _, _, _) => push(c, s),
            }
        }
    }
    out
}

/// A number with two decimals, trailing zeros trimmed (non-finite → 0, never written as NaN).
fn n(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn rgb(c: Rgb) -> String {
    let f = |v: u8| n(v as f64 / 255.0);
    format!("{} {} {}", f(c.0), f(c.1), f(c.2))
}

fn set_stroke(out: &mut String, s: &Stroke) {
    let dash: Vec<String> = s.dash.iter().map(|v| n(*v)).collect();
    let _ = writeln!(
        out,
        "{} RG {} w [{}] 0 d",
        rgb(s.colour),
        n(s.width),
        dash.join(" ")
    );
}

fn paint(closed: bool, stroke: &Option<Stroke>, fill: Option<Rgb>) -> &'static str {
    match (stroke.is_some(), fill.is_some() && closed) {
        (true, true) => "B",
        (true, false) => "S",
        (false, true) => "f",
        (false, false) => "n",
    }
}

/// PDF literal string bytes: `(`, `)`, `\` escaped, bytes outside ASCII as octal.
fn pdf_string(bytes: &[u8]) -> String {
    let mut s = String::from("(");
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                s.push('\\');
                s.push(b as char);
            }
            32..=126 => s.push(b as char),
            _ => {
                let _ = write!(s, "\\{b:03o}");
            }
        }
    }
    s.push(')');
    s
}

/// Text operators for one text item; `h` is the page height (PDF y is up).
#[allow(clippy::too_many_arguments)]
fn text_ops(
    out: &mut String,
    x: f64,
    y: f64,
    runs: &[Run],
    size: f64,
    anchor: Anchor,
    vertical: bool,
    colour: Rgb,
    h: f64,
) {
    let runs = script_digits(runs);
    let pieces: Vec<(Vec<Glyph>, f64, f64)> = runs
        .iter()
        .map(|r| (glyphs(&r.text), run_size(size, r.shift), run_rise(size, r.shift)))
        .collect();
    let total: f64 = pieces
        .iter()
        .map(|(g, sz, _)| g.iter().map(|g| g.width as f64).sum::<f64>() * sz / 1000.0)
        .sum();
    let start = match anchor {
        Anchor::Start => 0.0,
        Anchor::Middle => -total / 2.0,
        Anchor::End => -total,
    };
    // (ax, ay): advance direction; (nx, ny): "up" of the text, both in PDF space.
    let (ax, ay, nx, ny) = if vertical {
        (0.0, 1.0, -1.0, 0.0)
    } else {
        (1.0, 0.0, 0.0, 1.0)
    };
    let (px, py) = (x, h - y);
    let _ = writeln!(out, "{} rg", rgb(colour));
    out.push_str("BT\n");
    let mut adv = start;
    for (gs, sz, rise) in &pieces {
        // Consecutive glyphs of one font are one string.
        let mut i = 0;
        while i < gs.len() {
            let mut j = i;
            while j < gs.len() && gs[j].symbol == gs[i].symbol {
                j += 1;
            }
            let bytes: Vec<u8> = gs[i..j].iter().map(|g| g.byte).collect();
            let (tx, ty) = (px + ax * adv + nx * rise, py + ay * adv + ny * rise);
            let _ = writeln!(
                out,
                "/{} {} Tf {} {} {} {} {} {} Tm {} Tj",
                if gs[i].symbol { "F2" } else { "F1" },
                n(*sz),
                n(ax),
                n(ay),
                n(-ay),
                n(ax),
                n(tx),
                n(ty),
                pdf_string(&bytes)
            );
            for g in &gs[i..j] {
                let w = g.width as f64 * sz / 1000.0;
                if g.tilde {
                    let off = adv + (w - TILDE_WIDTH as f64 * sz / 1000.0) / 2.0;
                    // Capitals need the accent higher than lowercase letters.
                    let lift = if g.byte.is_ascii_uppercase() {
                        0.22 * sz
                    } else {
                        0.0
                    };
                    let _ = writeln!(
                        out,
                        "/F1 {} Tf {} {} {} {} {} {} Tm {} Tj",
                        n(*sz),
                        n(ax),
                        n(ay),
                        n(-ay),
                        n(ax),
                        n(px + ax * off + nx * (rise + lift)),
                        n(py + ay * off + ny * (rise + lift)),
                        pdf_string(&[TILDE])
                    );
                }
                adv += w;
            }
            i = j;
        }
    }
    out.push_str("ET\n");
}

/// The content stream of a scene.
fn content(scene: &Scene) -> String {
    let h = scene.height;
    let mut out = String::from("0 J 1 j\n");
    for item in &scene.items {
        match item {
            Item::Path {
                subpaths,
                closed,
                stroke,
                fill,
                ..
            } => {
                if let Some(s) = stroke {
                    set_stroke(&mut out, s);
                }
                if let Some(f) = fill {
                    let _ = writeln!(out, "{} rg", rgb(*f));
                }
                for sp in subpaths {
                    for (i, (x, y)) in sp.iter().enumerate() {
                        let _ = write!(out, "{} {} {} ", n(*x), n(h - y), if i == 0 { "m" } else { "l" });
                    }
                    if *closed {
                        out.push_str("h ");
                    }
                }
                out.push_str(paint(*closed, stroke, *fill));
                out.push('\n');
            }
            Item::Circle {
                x,
                y,
                r,
                fill,
                stroke,
                ..
            } => {
                if let Some(s) = stroke {
                    set_stroke(&mut out, s);
                }
                if let Some(f) = fill {
                    let _ = writeln!(out, "{} rg", rgb(*f));
                }
                let (cx, cy) = (*x, h - y);
                let k = 0.552_284_75 * r;
                let _ = writeln!(
                    out,
                    "{} {} m {} {} {} {} {} {} c {} {} {} {} {} {} c {} {} {} {} {} {} c {} {} {} {} {} {} c h {}",
                    n(cx + r),
                    n(cy),
                    n(cx + r),
                    n(cy + k),
                    n(cx + k),
                    n(cy + r),
                    n(cx),
                    n(cy + r),
                    n(cx - k),
                    n(cy + r),
                    n(cx - r),
                    n(cy + k),
                    n(cx - r),
                    n(cy),
                    n(cx - r),
                    n(cy - k),
                    n(cx - k),
                    n(cy - r),
                    n(cx),
                    n(cy - r),
                    n(cx + k),
                    n(cy - r),
                    n(cx + r),
                    n(cy - k),
                    n(cx + r),
                    n(cy),
                    paint(true, stroke, *fill)
                );
            }
            Item::Text {
                x,
                y,
                text,
                size,
                anchor,
                vertical,
                colour,
            } => text_ops(&mut out, *x, *y, &text.0, *size, *anchor, *vertical, *colour, h),
            Item::Clip { x, y, w, h: ch, .. } => {
                let _ = writeln!(out, "q {} {} {} {} re W n", n(*x), n(h - y - ch), n(*w), n(*ch));
            }
            Item::EndClip => out.push_str("Q\n"),
        }
    }
    out
}

/// A PDF text string for the document information: UTF-16BE in hex, so any title stays ASCII.
fn info_string(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for u in s.encode_utf16() {
        let _ = write!(out, "{u:04X}");
    }
    out.push('>');
    out
}

/// The scene as a single-page PDF 1.4 document.
pub fn render(scene: &Scene) -> String {
    let stream = content(scene);
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>",
            n(scene.width),
            n(scene.height)
        ),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>".to_string(),
        format!("<< /Title {} /Producer (renorm) >>", info_string(&scene.title)),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        let _ = write!(out, "{} 0 obj\n{body}\nendobj\n", i + 1);
    }
    let xref = out.len();
    let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in offsets {
        let _ = writeln!(out, "{o:010} 00000 n ");
    }
    let _ = write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R /Info {} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1,
        objects.len()
    );
    out
}
