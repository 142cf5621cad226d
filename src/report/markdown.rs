//! Markdown rendering (GitHub-flavoured: tables, `$$` display math).

use super::{Block, Document, Inline};

fn escape_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn inline(i: &Inline, in_table: bool) -> String {
    let raw = match i {
        Inline::Text(t) => t.clone(),
        Inline::Code(c) => format!("`{c}`"),
        Inline::Strong(s) => strong(s),
        Inline::Math(e) => format!("${}$", e.to_latex()),
    };
    if in_table { escape_cell(&raw) } else { raw }
}

/// CommonMark only sets `**…**` bold when no space follows the opening or precedes the
/// closing delimiter, so surrounding spaces go outside: `**Statement.** `.
fn strong(s: &str) -> String {
    let core = s.trim();
    if core.is_empty() {
        return s.to_string();
    }
    let lead = &s[..s.len() - s.trim_start().len()];
    let trail = &s[s.trim_end().len()..];
    format!("{lead}**{core}**{trail}")
}

fn inlines(v: &[Inline], in_table: bool) -> String {
    v.iter().map(|i| inline(i, in_table)).collect()
}

pub(super) fn render(doc: &Document) -> String {
    let mut s = format!("# {}\n\n", doc.title);
    let top: Vec<&str> = doc
        .headings()
        .into_iter()
        .filter(|(l, _)| *l == 1)
        .map(|(_, t)| t)
        .collect();
    if top.len() > 3 {
        s += "**Contents**\n\n";
        for t in top {
            s += &format!("- {t}\n");
        }
        s += "\n";
    }
    for b in &doc.blocks {
        match b {
            Block::Heading { level, text } => {
                s += &format!("{} {text}\n\n", "#".repeat(usize::from(*level) + 1));
            }
            Block::Paragraph(v) => s += &format!("{}\n\n", inlines(v, false)),
            Block::Formula { label, expr } => {
                let lhs = label.as_ref().map(|l| format!("{l} = ")).unwrap_or_default();
                s += &format!("$$ {lhs}{} $$\n\n(as typed: `{expr}`)\n\n", expr.to_latex());
            }
            Block::Table { header, rows } => {
                s += &format!(
                    "| {} |\n",
                    header
                        .iter()
                        .map(|h| escape_cell(h))
                        .collect::<Vec<_>>()
                        .join(" | ")
                );
                s += &format!("|{}\n", "---|".repeat(header.len()));
                for row in rows {
                    let cells: Vec<String> = row.iter().map(|c| inlines(c, true)).collect();
                    s += &format!("| {} |\n", cells.join(" | "));
                }
                s += "\n";
            }
            Block::List(items) => {
                for (n, item) in items.iter().enumerate() {
                    s += &format!("{}. {}\n", n + 1, inlines(item, false));
                }
                s += "\n";
            }
            Block::Figure { caption, file, .. } => match file {
                Some(f) => s += &format!("![{caption}]({f})\n\n"),
                None => s += &format!("*Figure: {caption} (in the HTML report).*\n\n"),
            },
            Block::Code(c) => s += &format!("```text\n{c}\n```\n\n"),
        }
    }
    s
}
