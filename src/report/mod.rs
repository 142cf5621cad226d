//! The one report writer: every command (`check`, `prove`, and the analyses to come) builds a
//! [`Document`] and this module renders it as Markdown, a complete LaTeX document (only
//! `amsmath`/`amssymb`/`graphicx`), or a self-contained HTML page (MathML formulas, inline SVG,
//! no scripts, no network access). JSON output is the command's own structured data, carried
//! next to the document in a [`Report`].

pub mod cite;
mod html;
mod latex;
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
            "\\begin{figure}[htbp]\\centering\\includegraphics[width=\\linewidth,height=0.45\\textheight,keepaspectratio]{rg_flow.pdf}\\caption{50\\% of K\\_"
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
        assert!(tex.starts_with("\\documentclass") && tex.contains("\\end{document}"));
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
        assert_eq!(json["schema"], "test/1");
    }
}
