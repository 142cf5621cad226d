//! LaTeX rendering: a complete document for plain `pdflatex` using only packages that ship with
//! TeX Live's `latex-base` (`fontenc` T1 with Latin Modern, `geometry`, `amsmath`, `amssymb`,
//! `graphicx`, `array`, `longtable`, `alltt`, `hyperref`). Formulas are set in math mode from the
//! expression tree; prose and code go through [`super::latex_text`], which maps every Unicode
//! symbol renorm writes and marks anything unknown visibly. Tables are `longtable`s whose
//! column widths follow their content, so they break across pages and fit the text width.
//!
//! The table of contents needs a second `pdflatex` pass (the first writes `report.toc`); the
//! document says so in its first line, and `latexmk -pdf` does it automatically.

use super::latex_text::{escape_caption, escape_code, escape_text, escape_verbatim};
use super::{Block, Document, Inline};

/// Longest line of a preformatted block at `\small` monospace on the text width; longer lines
/// are wrapped with a marked continuation instead of running into the margin.
const CODE_LINE_CHARS: usize = 92;

/// Display formulas longer than this (in printed characters) are set flush left as breakable
/// inline math rather than as an unbreakable centred display.
const LONG_FORMULA_CHARS: usize = 110;

/// Text width in points (A4 with 2.2 cm margins) and the average width of a `\small`
/// character, used to give every table column room for its longest word.
const TEXT_WIDTH_PT: f64 = 472.0;
const SMALL_CHAR_PT: f64 = 4.6;
/// Column padding (`\tabcolsep`, set to 3pt in tables) on both sides of every column.
const COLUMN_PAD_PT: f64 = 6.0;

const PREAMBLE: &str = "% Compile with `pdflatex report.tex` twice (the second pass fills in the table of\n\
% contents) or with `latexmk -pdf report.tex`. Figures are PDF files next to this file.\n\
\\documentclass[a4paper,10pt]{article}\n\
\\usepackage[T1]{fontenc}\n\
\\usepackage{lmodern}\n\
\\usepackage{textcomp}\n\
\\usepackage[a4paper,margin=2.2cm]{geometry}\n\
\\usepackage{amsmath}\n\
\\usepackage{amssymb}\n\
\\usepackage{graphicx}\n\
\\usepackage{array}\n\
\\usepackage{longtable}\n\
\\usepackage{alltt}\n\
\\usepackage[hidelinks]{hyperref}\n\
\\setlength{\\parindent}{0pt}\n\
\\setlength{\\parskip}{4pt}\n\
\\setlength{\\emergencystretch}{3em}\n\
\\newcommand{\\renormunknown}[1]{\\texttt{[U+#1]}}\n";

fn inline(i: &Inline) -> String {
    match i {
        Inline::Text(t) => escape_text(t),
        Inline::Code(c) => format!("\\texttt{{{}}}", escape_code(c)),
        Inline::Strong(s) => format!("\\textbf{{{}}}", escape_text(s)),
        Inline::Math(e) => format!("${}$", e.to_latex_inline()),
    }
}

fn inlines(v: &[Inline]) -> String {
    v.iter().map(inline).collect()
}

/// The characters an inline occupies when printed (for column widths).
fn printed(i: &Inline) -> String {
    match i {
        Inline::Text(t) | Inline::Code(t) | Inline::Strong(t) => t.clone(),
        Inline::Math(e) => e.to_string(),
    }
}

/// An ASCII rendering for PDF bookmarks, which cannot hold typeset symbols.
fn bookmark_text(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii() && !matches!(c, '\\' | '{' | '}' | '$' | '&' | '#' | '%' | '^' | '_' | '~'))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Fractions of the line width for each column: proportional to how much the column holds,
/// but never narrower than its longest unbreakable word, summing to what fits the page.
fn column_widths(header: &[String], rows: &[Vec<Vec<Inline>>]) -> Vec<f64> {
    let n = header.len().max(1);
    let mut longest_word = vec![1usize; n];
    // `bold` widens letters by about a sixth.
    let mut note_words = |j: usize, s: &str, bold: bool| {
        if j >= n {
            return;
        }
        // Words longer than the forced-break interval are broken by the escaper.
        let word = s
            .split(|c: char| c.is_whitespace() || matches!(c, '_' | '-' | '/' | ',' | '=' | '*' | '('))
            .map(|w| {
                let chars = w.chars().count().min(18);
                if bold { chars + chars / 6 + 1 } else { chars }
            })
            .max()
            .unwrap_or(0);
        longest_word[j] = longest_word[j].max(word);
    };
    for (j, h) in header.iter().enumerate() {
        note_words(j, h, true);
    }
    // How much a column holds: its mean cell length (a column of long formulas deserves more
    // room than one of short notes, whatever its single longest entry), at least its title.
    let mut amount: Vec<f64> = header.iter().map(|h| h.chars().count() as f64).collect();
    amount.resize(n, 1.0);
    let mut total_length = vec![0.0f64; n];
    for row in rows {
        for (j, cell) in row.iter().enumerate().take(n) {
            for part in cell {
                note_words(j, &printed(part), matches!(part, Inline::Strong(_)));
            }
            let length: usize = cell.iter().map(|p| printed(p).chars().count()).sum();
            // A single huge cell (a pasted log) should not starve every other column.
            total_length[j] += length.min(400) as f64;
        }
    }
    for (a, t) in amount.iter_mut().zip(&total_length) {
        *a = a.max(t / rows.len().max(1) as f64).max(1.0);
    }
    let available = 1.0 - (n as f64 * COLUMN_PAD_PT) / TEXT_WIDTH_PT - 0.01;
    let mut minimum: Vec<f64> = longest_word
        .iter()
        .map(|&w| (w + 1) as f64 * SMALL_CHAR_PT / TEXT_WIDTH_PT)
        .collect();
    // When even the longest words do not fit side by side, every column gives up the same
    // share (such words then break at their forced break points).
    let needed: f64 = minimum.iter().sum();
    if needed > available {
        minimum.iter_mut().for_each(|m| *m *= available / needed);
    }
    let total: f64 = amount.iter().sum();
    let mut width: Vec<f64> = amount.iter().map(|a| available * a / total).collect();
    // Raise columns below their minimum and take the room from the others in proportion.
    for _ in 0..4 {
        let short: f64 = width.iter().zip(&minimum).map(|(w, m)| (m - w).max(0.0)).sum();
        if short <= 1e-9 {
            break;
        }
        let spare: f64 = width.iter().zip(&minimum).map(|(w, m)| (w - m).max(0.0)).sum();
        let take = (short / spare).min(1.0);
        for (w, m) in width.iter_mut().zip(&minimum) {
            *w = if *w < *m { *m } else { *w - (*w - m) * take };
        }
    }
    width
}

fn table(header: &[String], rows: &[Vec<Vec<Inline>>]) -> String {
    let widths = column_widths(header, rows);
    let spec: String = widths
        .iter()
        .map(|w| format!(">{{\\raggedright\\arraybackslash}}p{{{w:.3}\\linewidth}}"))
        .collect();
    let head = header
        .iter()
        .map(|h| format!("\\textbf{{{}}}", escape_text(h)))
        .collect::<Vec<_>>()
        .join(" & ");
    // longtable breaks across pages and repeats the header on each.
    let mut s = format!(
        "\\begingroup\\small\\setlength{{\\tabcolsep}}{{3pt}}\n\\begin{{longtable}}{{@{{}}{spec}@{{}}}}\n\\hline\n{head} \\\\\n\\hline\n\\endhead\n\\hline\n\\endfoot\n"
    );
    for row in rows {
        s += &row.iter().map(|c| inlines(c)).collect::<Vec<_>>().join(" & ");
        s += " \\\\\n";
    }
    s += "\\end{longtable}\n\\endgroup\n";
    s
}

fn code_block(c: &str) -> String {
    let mut lines = Vec::new();
    for line in c.lines() {
        let chars: Vec<char> = line.chars().collect();
        if chars.len() <= CODE_LINE_CHARS {
            lines.push(escape_verbatim(line));
            continue;
        }
        for (k, piece) in chars.chunks(CODE_LINE_CHARS - 2).enumerate() {
            let piece: String = piece.iter().collect();
            // A continuation is indented and marked, so that wrapped output is not misread as
            // a new line of the original.
            let mark = if k == 0 {
                ""
            } else {
                "\\ensuremath{\\hookrightarrow} "
            };
            lines.push(format!("{mark}{}", escape_verbatim(&piece)));
        }
    }
    format!(
        "\\begingroup\\small\n\\begin{{alltt}}\n{}\n\\end{{alltt}}\n\\endgroup\n",
        lines.join("\n")
    )
}

pub(super) fn render(doc: &Document) -> String {
    let mut s = String::from(PREAMBLE);
    s += &format!(
        "\\title{{{}}}\n\\author{{written by renorm {}}}\n\\date{{}}\n\\begin{{document}}\n\\maketitle\n",
        escape_text(&doc.title),
        env!("CARGO_PKG_VERSION")
    );
    if doc.headings().len() > 3 {
        // Sections and subsections: the per-spec Steps/Derivation/Claims headings would
        // triple the contents' length without helping anyone find anything.
        s += "\\setcounter{tocdepth}{2}\n\\tableofcontents\n";
    }
    // Bundled documents may skip a level (a section holding subsubsections); LaTeX would number
    // those 4.0.1, so a heading is never more than one level below the one before it.
    let mut previous = 0u8;
    for b in &doc.blocks {
        match b {
            Block::Heading { level, text } => {
                let level = (*level).min(previous + 1).max(1);
                previous = level;
                let cmd = match level {
                    1 => "section",
                    2 => "subsection",
                    _ => "subsubsection",
                };
                s += &format!(
                    "\\{cmd}{{\\texorpdfstring{{{}}}{{{}}}}}\n",
                    escape_text(text),
                    bookmark_text(text)
                );
            }
            Block::Paragraph(v) => s += &format!("{}\n\n", inlines(v)),
            Block::Formula { label, expr } => {
                let lhs = label
                    .as_ref()
                    .map(|l| format!("{} = ", super::latex_text::math_text(l)))
                    .unwrap_or_default();
                if expr.to_string().chars().count() > LONG_FORMULA_CHARS {
                    // TeX breaks inline math after top-level operators; a display cannot break.
                    s += &format!(
                        "\\begin{{flushleft}}\n$\\displaystyle {lhs}{}$\n\\end{{flushleft}}\n",
                        expr.to_latex_inline()
                    );
                } else {
                    s += &format!(
                        "\\begin{{equation*}}\n{lhs}{}\n\\end{{equation*}}\n",
                        expr.to_latex()
                    );
                }
            }
            Block::Table { header, rows } => s += &table(header, rows),
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
                    "\\begin{{figure}}[htbp]\\centering\\includegraphics[width=\\linewidth,height=0.6\\textheight,keepaspectratio]{{{}}}\\caption{{{}}}\\end{{figure}}\n\n",
                    pdf,
                    escape_caption(caption)
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
            Block::Code(c) => s += &code_block(c),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{strong, text};

    #[test]
    fn column_widths_follow_content_and_fit_the_line() {
        let header: Vec<String> = ["step", "claim", "status"].map(String::from).to_vec();
        let rows: Vec<Vec<Vec<Inline>>> = (0..5)
            .map(|k| {
                vec![
                    vec![text(k.to_string())],
                    vec![text("a long claim about a formula ".repeat(4))],
                    vec![strong("undetermined")],
                ]
            })
            .collect();
        let w = column_widths(&header, &rows);
        let padding = 3.0 * COLUMN_PAD_PT / TEXT_WIDTH_PT;
        assert!(w.iter().sum::<f64>() + padding <= 1.0, "{w:?}");
        assert!(w[1] > w[0] && w[1] > w[2], "{w:?}");
        // The bold status word fits its column: 12 letters, bold, at a small font.
        assert!(w[2] * TEXT_WIDTH_PT >= 12.0 * SMALL_CHAR_PT, "{w:?}");
    }

    #[test]
    fn long_preformatted_lines_wrap_with_a_marker() {
        let line = "x".repeat(CODE_LINE_CHARS * 2);
        let block = code_block(&line);
        assert!(block.contains("\\hookrightarrow"));
        assert!(block.lines().all(|l| l.len() < CODE_LINE_CHARS + 40));
    }
}
