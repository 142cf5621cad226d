//! Rich text for figures: runs of normal, superscript and subscript text, a small markup for
//! authored labels, and the font metric both backends lay text out with.
//!
//! The metric is Helvetica's (Adobe AFM widths, in 1/1000 em) for ASCII and the Latin-1 letters
//! the PDF backend writes in Helvetica, Symbol's for the Greek letters and mathematical signs the
//! PDF backend writes in Symbol, and a fixed 0.6 em for anything else. SVG viewers substitute
//! Arial or another sans-serif of nearly the same widths, so margins computed from this metric
//! keep labels on the canvas in both backends.

/// Vertical placement of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shift {
    /// On the baseline.
    Normal,
    /// Raised and smaller.
    Super,
    /// Lowered and smaller.
    Sub,
}

/// Size of a raised or lowered run relative to the text size.
pub const SCRIPT_SCALE: f64 = 0.7;
/// Raise of a superscript, in units of the text size.
pub const SUPER_RISE: f64 = 0.38;
/// Drop of a subscript, in units of the text size.
pub const SUB_DROP: f64 = 0.2;

/// A piece of text drawn with one placement.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The characters.
    pub text: String,
    /// Placement.
    pub shift: Shift,
}

/// Text made of runs, e.g. `10` followed by a superscript `−3`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rich(pub Vec<Run>);

impl Rich {
    /// Plain text, drawn exactly as given.
    pub fn plain(s: &str) -> Rich {
        Rich(vec![Run {
            text: s.into(),
            shift: Shift::Normal,
        }])
    }

    /// Authored label markup: `_x` / `^x` lower / raise the following run of letters and digits
    /// (`Δ_k` → Δ with subscript k, `K_αβ`), `_{…}` / `^{…}` the braced text. Anything else,
    /// including a `_` or `^` not followed by a letter, digit or `{`, is literal.
    pub fn markup(s: &str) -> Rich {
        let chars: Vec<char> = s.chars().collect();
        let mut runs = Vec::new();
        let mut cur = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let shift = match c {
                '_' => Shift::Sub,
                '^' => Shift::Super,
                _ => Shift::Normal,
            };
            let next = chars.get(i + 1).copied();
            if shift != Shift::Normal {
                let (body, end) = match next {
                    Some('{') => match chars[i + 2..].iter().position(|&c| c == '}') {
                        Some(p) => (chars[i + 2..i + 2 + p].iter().collect::<String>(), i + 3 + p),
                        None => (String::new(), i),
                    },
                    Some(n) if n.is_alphanumeric() => {
                        let len = chars[i + 1..].iter().take_while(|c| c.is_alphanumeric()).count();
                        (chars[i + 1..i + 1 + len].iter().collect(), i + 1 + len)
                    }
                    _ => (String::new(), i),
                };
                if end > i {
                    if !cur.is_empty() {
                        runs.push(Run {
                            text: std::mem::take(&mut cur),
                            shift: Shift::Normal,
                        });
                    }
                    runs.push(Run { text: body, shift });
                    i = end;
                    continue;
                }
            }
            cur.push(c);
            i += 1;
        }
        if !cur.is_empty() || runs.is_empty() {
            runs.push(Run {
                text: cur,
                shift: Shift::Normal,
            });
        }
        Rich(runs)
    }

    /// Appends a run.
    pub fn push(mut self, text: &str, shift: Shift) -> Rich {
        self.0.push(Run {
            text: text.into(),
            shift,
        });
        self
    }

    /// Whether there is nothing to draw.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|r| r.text.is_empty())
    }

    /// All characters, runs concatenated (for tests and accessibility text).
    pub fn flat(&self) -> String {
        self.0.iter().map(|r| r.text.as_str()).collect()
    }

    /// Advance width at font size `size`.
    pub fn width(&self, size: f64) -> f64 {
        self.0
            .iter()
            .map(|r| text_width(&r.text, run_size(size, r.shift)))
            .sum()
    }

    /// Height above the baseline (a superscript raises it).
    pub fn ascent(&self, size: f64) -> f64 {
        let sup = self.0.iter().any(|r| r.shift == Shift::Super);
        if sup {
            size * (0.72 + SUPER_RISE * 0.5)
        } else {
            size * 0.72
        }
    }
}

/// Font size of a run.
pub fn run_size(size: f64, shift: Shift) -> f64 {
    match shift {
        Shift::Normal => size,
        Shift::Super | Shift::Sub => size * SCRIPT_SCALE,
    }
}

/// Baseline offset of a run, upwards positive, in the canvas unit.
pub fn run_rise(size: f64, shift: Shift) -> f64 {
    match shift {
        Shift::Normal => 0.0,
        Shift::Super => size * SUPER_RISE,
        Shift::Sub => -size * SUB_DROP,
    }
}

/// Advance width of `s` at font size `size`.
pub fn text_width(s: &str, size: f64) -> f64 {
    s.chars().map(|c| char_width(c) as f64).sum::<f64>() * size / 1000.0
}

/// Advance width of one character in 1/1000 em (see the module documentation).
pub fn char_width(c: char) -> u16 {
    let code = c as u32;
    if (32..127).contains(&code) {
        return HELVETICA_ASCII[(code - 32) as usize];
    }
    if let Some(w) = crate::plot::pdf::symbol_code(c).map(|(_, w)| w) {
        return w;
    }
    match c {
        '\u{0303}' => 0,
        '²' | '³' | '¹' => 333,
        '·' => 278,
        '×' | '±' | '¬' => 584,
        '°' => 400,
        '–' => 556,
        '—' => 1000,
        '…' => 1000,
        '\u{A0}'..='\u{FF}' => 556,
        _ => 600,
    }
}

/// Helvetica advance widths (AFM, 1/1000 em) for the characters 32 (space) to 126 (`~`).
const HELVETICA_ASCII: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0..9
    278, 278, 584, 584, 584, 556, 1015, // :;<=>?@
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, // A..M
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // N..Z
    278, 278, 278, 469, 556, 333, // [\]^_`
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, // a..m
    556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // n..z
    334, 260, 334, 584, // {|}~
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_splits_scripts_and_leaves_the_rest_literal() {
        let r = Rich::markup("⟨Δ_k²⟩_c");
        assert_eq!(
            r.0,
            vec![
                Run {
                    text: "⟨Δ".into(),
                    shift: Shift::Normal
                },
                Run {
                    text: "k²".into(),
                    shift: Shift::Sub
                },
                Run {
                    text: "⟩".into(),
                    shift: Shift::Normal
                },
                Run {
                    text: "c".into(),
                    shift: Shift::Sub
                },
            ]
        );
        let r = Rich::markup("e^{(β−α)τ} a_ b^(");
        assert_eq!(
            r.0[1],
            Run {
                text: "(β−α)τ".into(),
                shift: Shift::Super
            }
        );
        assert_eq!(r.0[2].text, " a_ b^(");
        assert_eq!(Rich::markup("").flat(), "");
    }

    #[test]
    fn helvetica_widths() {
        // "10" = 2 × 556/1000 em; at 10 px that is 11.12 px.
        assert!((text_width("10", 10.0) - 11.12).abs() < 1e-9);
        // 'W' 944, 'i' 222.
        assert!((text_width("Wi", 1000.0) - 1166.0).abs() < 1e-9);
        assert_eq!(char_width('~'), 584);
        assert_eq!(char_width('A'), 667);
    }
}
