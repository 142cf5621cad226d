//! Citations of the project's theory document, `docs/theory.md`.
//!
//! Reports, rule texts, `--help`, the README, module docs and proof files cite the theory in one
//! format (documented at the top of `docs/theory.md`, "How to cite this document"):
//!
//! * `docs/theory.md §2.8` — a section; `§N.M` has the anchor `sN-M`, `§N` the anchor `sN`;
//! * `docs/theory.md §2.4–2.7` — a range (both ends are sections, each must exist);
//! * `docs/theory.md §2.4, §2.7` — a list;
//! * `docs/theory.md#c2` — a topic anchor, used where a section number would be too coarse.
//!
//! [`citations`] finds them in text, so that the HTML writer can turn each into a link and the
//! test suite can check that every cited anchor exists in the document; the two use the same
//! parser, so what is linked is exactly what is checked.

use std::ops::Range;

/// Path of the theory document, relative to the repository root. HTML reports link to
/// `THEORY_DOC#anchor` relative to where the report is opened (`renorm demo` writes a copy next
/// to its report, see [`THEORY_TEXT`]).
pub const THEORY_DOC: &str = "docs/theory.md";

/// The theory document itself, compiled in so that `renorm demo` can write it beside the report
/// its links point into.
pub const THEORY_TEXT: &str = include_str!("../../docs/theory.md");

/// One linkable piece of a citation: the byte range of the text to link and the anchor it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitedAnchor {
    /// Byte range in the scanned text: the whole `docs/theory.md §2.4` for the first section of a
    /// citation, the `2.7` after a range's dash, the `§2.7` of a list.
    pub span: Range<usize>,
    /// The anchor in `docs/theory.md`, e.g. `s2-8` or `c2`.
    pub anchor: String,
}

/// A citation found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// Byte offset of the `docs/theory.md` that starts it.
    pub start: usize,
    /// Its parts, in order; empty when the citation is malformed (the path and ` §` without a
    /// section number after them, or the path and `#` without an anchor).
    pub anchors: Vec<CitedAnchor>,
}

/// The anchor of a section number: `2.8` → `s2-8`, `4` → `s4`.
pub fn section_anchor(section: &str) -> String {
    format!("s{}", section.replace('.', "-"))
}

/// Length in bytes of a section number `N(.M)*` at the start of `s` (0 if there is none). A
/// trailing `.` that is not followed by a digit (the end of a sentence) is not part of it.
fn section_len(s: &str) -> usize {
    let b = s.as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut end = digits(0);
    if end == 0 {
        return 0;
    }
    while b.get(end) == Some(&b'.') {
        let more = digits(end + 1);
        if more == 0 {
            break;
        }
        end += 1 + more;
    }
    end
}

/// Every citation of `docs/theory.md` in `text`: each occurrence of the path followed by ` §` or
/// `#`. A bare mention of the file (followed by anything else) is not a citation.
pub fn citations(text: &str) -> Vec<Citation> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find(THEORY_DOC) {
        let start = from + found;
        let mut pos = start + THEORY_DOC.len();
        from = pos;
        let rest = &text[pos..];
        if let Some(after) = rest.strip_prefix('#') {
            let len = after
                .bytes()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                .count();
            let anchors = if len == 0 {
                Vec::new()
            } else {
                vec![CitedAnchor {
                    span: start..pos + 1 + len,
                    anchor: after[..len].to_string(),
                }]
            };
            out.push(Citation { start, anchors });
            continue;
        }
        let Some(after) = rest.strip_prefix(" §") else {
            continue;
        };
        pos += " §".len();
        let mut anchors = Vec::new();
        let len = section_len(after);
        if len > 0 {
            anchors.push(CitedAnchor {
                span: start..pos + len,
                anchor: section_anchor(&after[..len]),
            });
            pos += len;
            // Further sections: `–2.7` (a range's end) or `, §2.7` (a list).
            loop {
                let rest = &text[pos..];
                let (skip, linked_from) = if let Some(r) = rest.strip_prefix('–') {
                    (rest.len() - r.len(), rest.len() - r.len())
                } else if let Some(r) = rest.strip_prefix(", §") {
                    (rest.len() - r.len(), ", ".len())
                } else {
                    break;
                };
                let len = section_len(&rest[skip..]);
                if len == 0 {
                    break;
                }
                anchors.push(CitedAnchor {
                    span: pos + linked_from..pos + skip + len,
                    anchor: section_anchor(&rest[skip..skip + len]),
                });
                pos += skip + len;
            }
        }
        from = pos;
        out.push(Citation { start, anchors });
    }
    out
}

/// Every anchor a document defines: explicit `<a id="…">` anchors (the only kind
/// `docs/theory.md` uses for its citable targets).
pub fn defined_anchors(doc: &str) -> Vec<String> {
    const OPEN: &str = "<a id=\"";
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(i) = rest.find(OPEN) {
        rest = &rest[i + OPEN.len()..];
        if let Some(end) = rest.find('"') {
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    out
}

/// Wraps every cited part of `escaped` (HTML-escaped text; a citation contains no character
/// that escaping changes) in a link to `THEORY_DOC#anchor`.
pub(super) fn link_html(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    let mut done = 0;
    for c in citations(escaped) {
        for a in c.anchors {
            out.push_str(&escaped[done..a.span.start]);
            out.push_str(&format!(
                "<a href=\"{THEORY_DOC}#{}\">{}</a>",
                a.anchor,
                &escaped[a.span.clone()]
            ));
            done = a.span.end;
        }
    }
    out.push_str(&escaped[done..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchors(text: &str) -> Vec<Vec<(&str, String)>> {
        citations(text)
            .into_iter()
            .map(|c| c.anchors.into_iter().map(|a| (&text[a.span], a.anchor)).collect())
            .collect()
    }

    fn owned(v: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        v.iter().map(|(s, a)| (*s, a.to_string())).collect()
    }

    #[test]
    fn sections_ranges_lists_and_topic_anchors() {
        assert_eq!(
            anchors("see docs/theory.md §2.8."),
            vec![owned(&[("docs/theory.md §2.8", "s2-8")])]
        );
        assert_eq!(
            anchors("(docs/theory.md §4)"),
            vec![owned(&[("docs/theory.md §4", "s4")])]
        );
        assert_eq!(
            anchors("docs/theory.md §2.4–2.7),"),
            vec![owned(&[("docs/theory.md §2.4", "s2-4"), ("2.7", "s2-7")])]
        );
        assert_eq!(
            anchors("docs/theory.md §2.4, §2.7 and docs/theory.md#c2"),
            vec![
                owned(&[("docs/theory.md §2.4", "s2-4"), ("§2.7", "s2-7")]),
                owned(&[("docs/theory.md#c2", "c2")])
            ]
        );
    }

    #[test]
    fn mentions_are_not_citations_and_malformed_ones_are_empty() {
        assert!(citations("the file `docs/theory.md` states it").is_empty());
        let bad = citations(&format!("{THEORY_DOC} §x and {THEORY_DOC}#"));
        assert_eq!(bad.len(), 2);
        assert!(bad.iter().all(|c| c.anchors.is_empty()));
    }

    #[test]
    fn html_links_each_part_and_keeps_the_rest() {
        assert_eq!(
            link_html("a (docs/theory.md §2.4–2.7) b"),
            "a (<a href=\"docs/theory.md#s2-4\">docs/theory.md §2.4</a>–\
             <a href=\"docs/theory.md#s2-7\">2.7</a>) b"
        );
        assert_eq!(link_html("no citation"), "no citation");
    }

    #[test]
    fn html_reports_link_citations_in_text_code_and_tables() {
        use crate::report::{Document, code, text, to_html};
        let mut d = Document::new("t");
        d.paragraph(vec![
            text("rule (docs/theory.md §2.8)"),
            code("docs/theory.md#c2"),
        ]);
        d.table(&["why"], vec![vec![vec![text("see docs/theory.md §4")]]]);
        let html = to_html(&d);
        for a in ["s2-8", "c2", "s4"] {
            assert!(
                html.contains(&format!("<a href=\"{THEORY_DOC}#{a}\">")),
                "{a}: {html}"
            );
        }
        // Markdown keeps the citation as written.
        let md = crate::report::to_markdown(&d);
        assert!(md.contains("rule (docs/theory.md §2.8)") && !md.contains("<a href"));
    }

    #[test]
    fn the_document_defines_its_section_anchors() {
        let defined = defined_anchors(THEORY_TEXT);
        for a in [
            "citing",
            "s1",
            "s2-8",
            "c2",
            "s3-6",
            "fixed-line",
            "s4-1",
            "theory-map",
        ] {
            assert!(defined.iter().any(|d| d == a), "anchor {a} missing");
        }
    }
}
