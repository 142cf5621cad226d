//! Self-contained HTML: one file with inline CSS, MathML formulas and inline SVG figures. No
//! scripts, fonts or images are fetched, so the page renders the same offline. Citations of the
//! theory document (e.g. `docs/theory.md §2.8`) become relative links (`docs/theory.md#s2-8`).

use super::{Block, Document, Inline};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Escaped text in which every citation of the theory document is a link (`super::cite`).
fn linked(s: &str) -> String {
    super::cite::link_html(&escape(s))
}

fn inline(i: &Inline) -> String {
    match i {
        Inline::Text(t) => linked(t),
        Inline::Code(c) => format!("<code>{}</code>", linked(c)),
        Inline::Strong(s) => format!("<strong>{}</strong>", linked(s)),
        Inline::Math(e) => e.to_mathml(false),
    }
}

fn inlines(v: &[Inline]) -> String {
    v.iter().map(inline).collect()
}

fn anchor(n: usize) -> String {
    format!("sec-{n}")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;\
line-height:1.45;color:#222}table{border-collapse:collapse;margin:1rem 0;width:100%}\
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}\
th{background:#f3f3f3}code{background:#f5f5f5;padding:0 .2rem}math[display=block]{margin:.8rem 0}\
figure{margin:1rem 0}figcaption{font-size:.9rem;color:#555}nav ol{columns:2}";

pub(super) fn render(doc: &Document) -> String {
    let mut body = String::new();
    let mut toc = String::new();
    let mut section = 0usize;
    for b in &doc.blocks {
        match b {
            Block::Heading { level, text } => {
                section += 1;
                let tag = format!("h{}", (level + 1).min(6));
                body += &format!("<{tag} id=\"{}\">{}</{tag}>\n", anchor(section), escape(text));
                if *level == 1 {
                    toc += &format!("<li><a href=\"#{}\">{}</a></li>", anchor(section), escape(text));
                }
            }
            Block::Paragraph(v) => body += &format!("<p>{}</p>\n", inlines(v)),
            Block::Formula { label, expr } => {
                let m = expr.to_mathml(true);
                body += &match label {
                    Some(l) => m.replacen(
                        "display=\"block\">",
                        &format!("display=\"block\"><mrow><mi>{}</mi><mo>=</mo></mrow>", escape(l)),
                        1,
                    ),
                    None => m,
                };
                body += "\n";
            }
            Block::Table { header, rows } => {
                body += "<table><thead><tr>";
                for h in header {
                    body += &format!("<th>{}</th>", linked(h));
                }
                body += "</tr></thead><tbody>\n";
                for row in rows {
                    body += "<tr>";
                    for c in row {
                        body += &format!("<td>{}</td>", inlines(c));
                    }
                    body += "</tr>\n";
                }
                body += "</tbody></table>\n";
            }
            Block::List(items) => {
                body += "<ol>";
                for item in items {
                    body += &format!("<li>{}</li>", inlines(item));
                }
                body += "</ol>\n";
            }
            Block::Figure { caption, svg, .. } => {
                let caption: String = super::caption_pieces(caption)
                    .iter()
                    .map(|p| match p {
                        super::CaptionPiece::Plain(t) => escape(t),
                        super::CaptionPiece::Sub(t) => format!("<sub>{}</sub>", escape(t)),
                        super::CaptionPiece::Sup(t) => format!("<sup>{}</sup>", escape(t)),
                    })
                    .collect();
                body += &format!("<figure>{svg}<figcaption>{caption}</figcaption></figure>\n");
            }
            Block::Code(c) => body += &format!("<pre>{}</pre>\n", escape(c)),
        }
    }
    let nav = if toc.is_empty() {
        String::new()
    } else {
        format!("<nav><h2>Contents</h2><ol>{toc}</ol></nav>\n")
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n{nav}{body}</body>\n</html>\n",
        title = escape(&doc.title)
    )
}
