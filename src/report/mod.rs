//! The one report writer: every command (`check`, `prove`, and the analyses to come) builds a
//! [`Document`] and this module renders it as Markdown, a complete LaTeX document (packages of
//! TeX Live's `latex-base` only; formulas in math mode, tables that fit the page), or a self-contained HTML page (MathML formulas, inline SVG,
//! no scripts, no network access). JSON output is the command's own structured data, carried
//! next to the document in a [`Report`].

pub mod cite;
mod html;
mod latex;
pub(crate) mod latex_text;
mod markdown;

use crate::atomic_write::write_atomic;
use crate::error::Result;
use crate::expr::Expr;
use std::path::Path;

/// Inline content.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// Monospace text (formulas as typed, file names).
    Code(String),
    /// Emphasised text.
    Strong(String),
    /// An inline formula.
    Math(Expr),
}

/// Block content.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading; level 1 is the document's top level below the title.
    Heading {
        /// 1, 2 or 3.
        level: u8,
        /// Heading text.
        text: String,
    },
    /// A paragraph.
    Paragraph(Vec<Inline>),
    /// A displayed formula, optionally `label = formula`.
    Formula {
        /// Left-hand label, e.g. `F`.
        label: Option<String>,
        /// The formula.
        expr: Expr,
    },
    /// A table with a header row.
    Table {
        /// Column titles.
        header: Vec<String>,
        /// Rows of cells.
        rows: Vec<Vec<Vec<Inline>>>,
    },
    /// A numbered list.
    List(Vec<Vec<Inline>>),
    /// A figure: SVG embedded in HTML, referenced by file name in Markdown, the PDF included in
    /// LaTeX (or noted, without a PDF).
    Figure {
        /// Caption.
        caption: String,
        /// The SVG source.
        svg: String,
        /// File name of the SVG next to the report, if written.
        file: Option<String>,
        /// File name of the PDF of the same figure next to the report, if written.
        pdf_file: Option<String>,
    },
    /// Preformatted text.
    Code(String),
}

/// A document: a title and blocks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// Title.
    pub title: String,
    /// Content.
    pub blocks: Vec<Block>,
}

/// Convenience constructors so report code reads like prose.
pub fn text(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

/// Inline code.
pub fn code(s: impl Into<String>) -> Inline {
    Inline::Code(s.into())
}

/// Strong text.
pub fn strong(s: impl Into<String>) -> Inline {
    Inline::Strong(s.into())
}

/// A piece of a figure caption: captions share the plot layer's label markup, where `K_αβ`
/// and `E_α(t)` mean subscripts and `x^{2}` a superscript.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CaptionPiece {
    /// Ordinary text.
    Plain(String),
    /// A subscript.
    Sub(String),
    /// A superscript.
    Sup(String),
}

/// Splits a caption at its `_`/`^` markup. A marker only counts between two non-space
/// characters (`a_b`, not `a _ b` or `snake_`); the script is a `{…}` group or a run of
/// letters and digits.
pub(crate) fn caption_pieces(s: &str) -> Vec<CaptionPiece> {
    let chars: Vec<char> = s.chars().collect();
    let mut pieces = Vec::new();
    let mut plain = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let marker = (c == '_' || c == '^')
            && i > 0
            && !chars[i - 1].is_whitespace()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric() || *n == '{');
        if !marker {
            plain.push(c);
            i += 1;
            continue;
        }
        let mut j = i + 1;
        let script: String = if chars[j] == '{' {
            let end = chars[j..].iter().position(|&x| x == '}').map(|p| j + p);
            match end {
                Some(end) => {
                    let t = chars[j + 1..end].iter().collect();
                    j = end + 1;
                    t
                }
                None => {
                    plain.push(c);
                    i += 1;
                    continue;
                }
            }
        } else {
            let start = j;
            while j < chars.len() && chars[j].is_alphanumeric() {
                j += 1;
            }
            chars[start..j].iter().collect()
        };
        if !plain.is_empty() {
            pieces.push(CaptionPiece::Plain(std::mem::take(&mut plain)));
        }
        pieces.push(if c == '_' {
            CaptionPiece::Sub(script)
        } else {
            CaptionPiece::Sup(script)
        });
        i = j;
    }
    if !plain.is_empty() {
        pieces.push(CaptionPiece::Plain(plain));
    }
    pieces
}

/// A formula written as text (`lhs == rhs` or a single expression) as inlines: each side that
/// the formula parser reads is set as mathematics (LaTeX math mode, MathML), anything it does
/// not read (`d/dx (…)`, `integral from 0 to inf of …`) stays as typed in monospace.
pub fn formula_inlines(source: &str) -> Vec<Inline> {
    match source.split_once(" == ") {
        Some((lhs, rhs)) if !rhs.contains(" == ") => {
            let mut v = formula_side(lhs.trim());
            v.push(Inline::Text(" = ".into()));
            v.extend(formula_side(rhs.trim()));
            v
        }
        _ => formula_side(source.trim()),
    }
}

/// One side of a claim: an expression, or the proof language's derivative `d/dx (E)` and
/// integral `integral from a to b of (E) dx` forms with their parts set as mathematics.
fn formula_side(s: &str) -> Vec<Inline> {
    let math = |t: &str| crate::input::parse(t.trim()).ok().map(Inline::Math);
    let parenthesised = |t: &str| {
        t.trim()
            .strip_prefix('(')
            .and_then(|t| t.strip_suffix(')'))
            .and_then(math)
    };
    let as_typed = || vec![Inline::Code(s.to_string())];
    if let Some(e) = math(s) {
        return vec![e];
    }
    if let Some(rest) = s.strip_prefix("d/d") {
        let Some((var, body)) = rest.split_once(' ') else {
            return as_typed();
        };
        return match (math(var), parenthesised(body)) {
            (Some(v), Some(b)) => vec![
                Inline::Text("d/d".into()),
                v,
                Inline::Text(" [".into()),
                b,
                Inline::Text("]".into()),
            ],
            _ => as_typed(),
        };
    }
    if let Some(rest) = s.strip_prefix("integral from ") {
        let parts = rest.split_once(" to ").and_then(|(a, rest)| {
            let (b, rest) = rest.split_once(" of ")?;
            let (body, var) = rest.rsplit_once(" d")?;
            // The proof language writes an infinite limit as `inf`.
            let limit = |t: &str| match t.trim() {
                "inf" => Some(Inline::Text("∞".into())),
                "-inf" => Some(Inline::Text("−∞".into())),
                t => math(t),
            };
            Some((limit(a)?, limit(b)?, parenthesised(body)?, math(var)?))
        });
        return match parts {
            Some((a, b, body, var)) => vec![
                Inline::Text("∫ from ".into()),
                a,
                Inline::Text(" to ".into()),
                b,
                Inline::Text(" of ".into()),
                body,
                Inline::Text(" d".into()),
                var,
            ],
            None => as_typed(),
        };
    }
    as_typed()
}

impl Document {
    /// An empty document.
    pub fn new(title: impl Into<String>) -> Document {
        Document {
            title: title.into(),
            blocks: Vec::new(),
        }
    }

    /// Appends a heading.
    pub fn heading(&mut self, level: u8, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Heading {
            level,
            text: text.into(),
        });
        self
    }

    /// Appends a paragraph.
    pub fn paragraph(&mut self, inlines: Vec<Inline>) -> &mut Self {
        self.blocks.push(Block::Paragraph(inlines));
        self
    }

    /// Appends a displayed formula.
    pub fn formula(&mut self, label: Option<&str>, expr: Expr) -> &mut Self {
        self.blocks.push(Block::Formula {
            label: label.map(String::from),
            expr,
        });
        self
    }

    /// Appends a table.
    pub fn table(&mut self, header: &[&str], rows: Vec<Vec<Vec<Inline>>>) -> &mut Self {
        self.blocks.push(Block::Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows,
        });
        self
    }

    /// Appends all blocks of another document (its title becomes a heading of `level`).
    pub fn append(&mut self, other: Document, level: u8) -> &mut Self {
        self.heading(level, other.title);
        for b in other.blocks {
            self.blocks.push(match b {
                Block::Heading { level: l, text } => Block::Heading {
                    level: (l + level).min(3),
                    text,
                },
                b => b,
            });
        }
        self
    }

    /// Headings in order, for tables of contents.
    pub fn headings(&self) -> Vec<(u8, &str)> {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level, text } => Some((*level, text.as_str())),
                _ => None,
            })
            .collect()
    }
}

/// Output formats of the report writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Terminal text (Markdown without decoration is close enough for a terminal).
    Text,
    /// Markdown.
    Markdown,
    /// A complete LaTeX document.
    Latex,
    /// A self-contained HTML page.
    Html,
    /// The command's structured data.
    Json,
}

impl Format {
    /// Conventional file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Markdown => "md",
            Format::Latex => "tex",
            Format::Html => "html",
            Format::Json => "json",
        }
    }
}

/// A document together with the structured data it presents.
#[derive(Debug, Clone)]
pub struct Report {
    /// The human-readable document.
    pub document: Document,
    /// The machine-readable data (with its `schema` field).
    pub data: serde_json::Value,
}

impl Report {
    /// Renders in one format.
    pub fn render(&self, format: Format) -> String {
        match format {
            // `{:#}` is `to_string_pretty` without its `Result`: a `Value` always serialises.
            Format::Json => format!("{:#}\n", self.data),
            Format::Markdown | Format::Text => markdown::render(&self.document),
            Format::Latex => latex::render(&self.document),
            Format::Html => html::render(&self.document),
        }
    }

    /// Renders and writes atomically.
    pub fn write(&self, path: &Path, format: Format) -> Result<()> {
        write_atomic(path, self.render(format).as_bytes())
    }
}

/// Renders a document as Markdown.
pub fn to_markdown(doc: &Document) -> String {
    markdown::render(doc)
}

/// Renders a document as a complete LaTeX file.
pub fn to_latex(doc: &Document) -> String {
    latex::render(doc)
}

/// Renders a document as a self-contained HTML page.
pub fn to_html(doc: &Document) -> String {
    html::render(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::parse;

    fn sample() -> Document {
        let mut d = Document::new("Sample & <report>");
        d.heading(1, "Section λ");
        d.paragraph(vec![
            text("Velocity "),
            Inline::Math(parse("c*lam^b").unwrap()),
            text(" with 50% | pipes"),
        ]);
        d.formula(Some("v"), parse("c*lam^(3/2)*t^(-1/2)").unwrap());
        d.table(&["a", "b"], vec![vec![vec![code("x|y")], vec![strong("proved")]]]);
        d.blocks.push(Block::List(vec![
            vec![text("first")],
            vec![text("second ⇒ third")],
        ]));
        d.blocks.push(Block::Figure {
            caption: "plot".into(),
            svg: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"></svg>".into(),
            file: Some("plot.svg".into()),
            pdf_file: None,
        });
        d
    }

    #[test]
    fn captions_split_at_their_script_markup() {
        use CaptionPiece::*;
        assert_eq!(
            caption_pieces("rates K_αβ (from β), E_α(t), x^{2}, power_law, a _ b"),
            vec![
                Plain("rates K".into()),
                Sub("αβ".into()),
                Plain(" (from β), E".into()),
                Sub("α".into()),
                Plain("(t), x".into()),
                Sup("2".into()),
                Plain(", power".into()),
                Sub("law".into()),
                Plain(", a _ b".into()),
            ]
        );
    }

    #[test]
    fn formulas_as_text_become_mathematics_where_they_parse() {
        let v = formula_inlines("(x + 1)^2 == x^2 + 2*x + 1");
        assert!(matches!(&v[..], [Inline::Math(_), Inline::Text(eq), Inline::Math(_)] if eq == " = "));
        // The proof language's derivative and integral forms: their parts are mathematics.
        let v = formula_inlines("d/dtheta (cos(theta)) == -sin(theta)");
        assert!(
            matches!(&v[..], [Inline::Text(d), Inline::Math(_), Inline::Text(_), Inline::Math(_), ..] if d == "d/d"),
            "{v:?}"
        );
        let v = formula_inlines("integral from 0 to inf of (u^(c - 1)/(1 + u)) du == pi/sin(pi*c)");
        assert_eq!(
            v.iter().filter(|i| matches!(i, Inline::Math(_))).count(),
            4,
            "{v:?}"
        );
        assert!(
            v.iter().any(|i| matches!(i, Inline::Text(t) if t == "∞")),
            "{v:?}"
        );
        // What the parser does not read stays as typed.
        let v = formula_inlines("d/dtheta cos(theta");
        assert!(
            matches!(&v[..], [Inline::Code(c)] if c == "d/dtheta cos(theta"),
            "{v:?}"
        );
        assert!(matches!(&formula_inlines("C*lam^b")[..], [Inline::Math(_)]));
    }

    #[test]
    fn a_figure_with_a_pdf_is_included_in_latex_and_embedded_in_html() {
        let mut d = Document::new("f");
        d.blocks.push(Block::Figure {
            caption: "50% of K_ab".into(),
            svg: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"></svg>".into(),
            file: Some("rg_flow.svg".into()),
            pdf_file: Some("rg_flow.pdf".into()),
        });
        let r = Report {
            document: d,
            data: serde_json::json!({"schema": "test/1"}),
        };
        let tex = r.render(Format::Latex);
        assert!(tex.contains(
            "\\begin{figure}[htbp]\\centering\\includegraphics[width=\\linewidth,height=0.6\\textheight,keepaspectratio]{rg_flow.pdf}\\caption{50\\% of K\\ensuremath{_{ab}}"
        ), "{tex}");
        assert!(tex.contains("\\end{figure}") && !tex.contains("see the HTML report"));
        assert!(r.render(Format::Markdown).contains("](rg_flow.svg)"));
        assert!(r.render(Format::Html).contains("<figure><svg"));
        // Without a PDF, LaTeX keeps the note.
        let mut d = Document::new("f");
        d.blocks.push(Block::Figure {
            caption: "c".into(),
            svg: String::new(),
            file: Some("x.svg".into()),
            pdf_file: None,
        });
        let tex = Report {
            document: d,
            data: serde_json::json!({}),
        }
        .render(Format::Latex);
        assert!(tex.contains("see the HTML report") && !tex.contains("includegraphics"));
    }

    #[test]
    fn every_format_renders_every_block() {
        let r = Report {
            document: sample(),
            data: serde_json::json!({"schema": "test/1"}),
        };
        let md = r.render(Format::Markdown);
        assert!(md.contains("x\\|y") && md.contains("$$") && md.contains("plot.svg"));
        let tex = r.render(Format::Latex);
        assert!(tex.contains("\n\\documentclass") && tex.ends_with("\\end{document}\n"));
        // Formulas are mathematics, not typewriter text; tables break across pages.
        assert!(tex.contains("\\begin{equation*}") && tex.contains("\\begin{longtable}"));
        assert!(tex.is_ascii(), "pdflatex needs ASCII or mapped symbols");
        assert!(tex.contains("50\\%") && tex.contains("\\&"));
        let html = r.render(Format::Html);
        assert!(html.contains("<math") && html.contains("<svg") && html.contains("&lt;report&gt;"));
        assert!(
            !html.contains("http://") || !html.contains("src=\"http"),
            "no network references"
        );
        assert!(!html.contains("<script"));
        let json: serde_json::Value = serde_json::from_str(&r.render(Format::Json)).unwrap();
        // CommonMark sets `**x** ` bold but not `**x **`.
        let mut d = Document::new("t");
        d.paragraph(vec![strong("Statement. "), text("holds")]);
        let md = Report {
            document: d,
            data: serde_json::json!({}),
        }
        .render(Format::Markdown);
        assert!(md.contains("**Statement.** holds"), "{md}");
        assert_eq!(json["schema"], "test/1");
    }
}
