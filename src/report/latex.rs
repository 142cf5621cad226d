//! LaTeX rendering: a complete document that compiles with plain `pdflatex` and only
//! `amsmath`, `amssymb` and `graphicx`. Prose goes through [`escape_text`], which maps the
//! Unicode symbols `renorm` uses to commands; anything else non-ASCII becomes `?` rather than
//! breaking the build.

use super::{Block, Document, Inline};
use crate::expr::latex::escape_text;

/// Rows per `tabular`, small enough that a chunk always fits on a page.
const TABLE_CHUNK_ROWS: usize = 10;

fn inline(i: &Inline) -> String {
    match i {
        Inline::Text(t) => escape_text(t),
        Inline::Code(c) => format!("\\texttt{{{}}}", escape_text(c)),
        Inline::Strong(s) => format!("\\textbf{{{}}}", escape_text(s)),
        Inline::Math(e) => format!("${}$", e.to_latex()),
    }
}

fn inlines(v: &[Inline]) -> String {
    v.iter().map(inline).collect()
}

pub(super) fn render(doc: &Document) -> String {
    let mut s = String::from(
        "\\documentclass[a4paper,10pt]{article}\n\\usepackage{amsmath}\n\\usepackage{amssymb}\n\
         \\usepackage{graphicx}\n\\setlength{\\parindent}{0pt}\n\\setlength{\\parskip}{4pt}\n",
    );
    s += &format!(
        "\\title{{{}}}\n\\date{{}}\n\\begin{{document}}\n\\maketitle\n",
        escape_text(&doc.title)
    );
    if doc.headings().len() > 3 {
        s += "\\tableofcontents\n";
    }
    for b in &doc.blocks {
        match b {
            Block::Heading { level, text } => {
                let cmd = match level {
                    1 => "section",
                    2 => "subsection",
                    _ => "subsubsection",
                };
                s += &format!("\\{cmd}{{{}}}\n", escape_text(text));
            }
            Block::Paragraph(v) => s += &format!("{}\n\n", inlines(v)),
            Block::Formula { label, expr } => {
                let lhs = label
                    .as_ref()
                    .map(|l| format!("{} = ", escape_text(l)))
                    .unwrap_or_default();
                s += &format!(
                    "\\begin{{equation*}}\n{lhs}{}\n\\end{{equation*}}\n",
                    expr.to_latex()
                );
            }
            Block::Table { header, rows } => {
                // Fixed-width paragraph columns wrap long evidence instead of running off the
                // page; `tabular` cannot break across pages, so long tables are split into
                // chunks (longtable is not among the packages a report may rely on).
                let width = format!("{:.3}", 0.95 / header.len().max(1) as f64);
                let spec: String = header
                    .iter()
                    .map(|_| format!("p{{{width}\\linewidth}}"))
                    .collect();
                let head = header
                    .iter()
                    .map(|h| format!("\\raggedright\\textbf{{{}}}", escape_text(h)))
                    .collect::<Vec<_>>()
                    .join(" & ");
                for chunk in rows.chunks(TABLE_CHUNK_ROWS) {
                    s += &format!(
                        "\\begin{{center}}\\small\n\\begin{{tabular}}{{{spec}}}\n\\hline\n{head} \\tabularnewline\n\\hline\n"
                    );
                    for row in chunk {
                        s += &row
                            .iter()
                            .map(|c| format!("\\raggedright {}", inlines(c)))
                            .collect::<Vec<_>>()
                            .join(" & ");
                        s += " \\tabularnewline\n";
                    }
                    s += "\\hline\n\\end{tabular}\n\\end{center}\n";
                }
            }
            Block::List(items) => {
                s += "\\begin{enumerate}\n";
                for item in items {
                    s += &format!("\\item {}\n", inlines(item));
                }
                s += "\\end{enumerate}\n";
            }
            Block::Figure {
                caption,
                pdf_file: Some(pdf),
                ..
            } if safe_file_name(pdf) => {
                // The file name goes in verbatim: \includegraphics reads it as a path, so TeX
                // escapes like `\_` would break it; only plain names qualify.
                s += &format!(
                    "\\begin{{figure}}[htbp]\\centering\\includegraphics[width=\\linewidth,height=0.45\\textheight,keepaspectratio]{{{}}}\\caption{{{}}}\\end{{figure}}\n\n",
                    pdf,
                    escape_text(caption)
                );
            }
            Block::Figure { caption, file, .. } => {
                let where_ = file
                    .as_ref()
                    .map(|f| format!(" (\\texttt{{{}}})", escape_text(f)))
                    .unwrap_or_default();
                s += &format!(
                    "\\paragraph{{Figure.}} {}{where_} --- see the HTML report for the graphic.\n\n",
                    escape_text(caption)
                );
            }
            Block::Code(c) => {
                s += "\\begin{verbatim}\n";
                // verbatim cannot contain its own end marker or non-ASCII under pdflatex.
                let safe: String = c
                    .replace("\\end{verbatim}", "\\end {verbatim}")
                    .chars()
                    .map(|ch| if ch.is_ascii() { ch } else { '?' })
                    .collect();
                s += &safe;
                s += "\n\\end{verbatim}\n";
            }
        }
    }
    s += "\\end{document}\n";
    s
}

/// A file name `\includegraphics` reads as is: ASCII letters, digits, `_`, `-`, one `.`
/// before the extension, not starting with `-`.
fn safe_file_name(f: &str) -> bool {
    !f.is_empty()
        && !f.starts_with(['-', '.'])
        && f.matches('.').count() == 1
        && f.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}
