//! The theory document `docs/theory.md` and the citations of it: no citation may dangle.
//!
//! Every report, rule text, `--help` string, module doc, proof file and example cites the
//! theory by section (`docs/theory.md §2.8`) or by topic anchor (`docs/theory.md#c2`). These tests scan the repository
//! for those citations and check each against the anchors the document defines, and check the
//! document's own structure (every numbered heading has its `sN-M` anchor, every internal link
//! resolves).

use renorm::report::cite::{citations, defined_anchors, section_anchor};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn theory() -> String {
    std::fs::read_to_string(root().join("docs").join("theory.md")).expect("docs/theory.md exists")
}

/// Text files under `dir` (recursively) with one of the extensions that can hold citations.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| ["rs", "toml", "md", "py"].contains(&x))
        {
            out.push(p);
        }
    }
}

/// Every file that may cite the theory, except the document itself.
fn citing_files() -> Vec<PathBuf> {
    let r = root();
    let mut files = vec![
        r.join("README.md"),
        r.join("EXPERIMENTS.md"),
        r.join("Cargo.toml"),
    ];
    for dir in ["src", "tests", "examples", "proofs", "benches", "docs"] {
        collect(&r.join(dir), &mut files);
    }
    files.retain(|p| !p.ends_with("docs/theory.md") && p.exists());
    files
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte].matches('\n').count() + 1
}

#[test]
fn citations_point_at_existing_anchors() {
    let defined = defined_anchors(&theory());
    let mut problems = Vec::new();
    let mut checked = 0usize;
    for path in citing_files() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let shown = path.strip_prefix(root()).unwrap_or(&path).display().to_string();
        for c in citations(&text) {
            if c.anchors.is_empty() {
                problems.push(format!(
                    "{shown}:{}: malformed citation (no section number or anchor)",
                    line_of(&text, c.start)
                ));
            }
            for a in c.anchors {
                checked += 1;
                if !defined.contains(&a.anchor) {
                    problems.push(format!(
                        "{shown}:{}: `{}` cites #{}, which docs/theory.md does not define",
                        line_of(&text, a.span.start),
                        &text[a.span.clone()],
                        a.anchor
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "dangling citations:\n{}",
        problems.join("\n")
    );
    // The scan found the citations it exists for (reports, help texts, proofs, module docs):
    // a broken walk or parser must not pass by finding nothing.
    assert!(checked >= 100, "only {checked} cited anchors found");
}

#[test]
fn no_citation_of_the_external_theory_file_is_left() {
    // Spelled in two pieces so that this file does not match itself.
    let old = concat!("THEORY", ".md");
    let old_short = concat!("THEORY", " §");
    let mut left = Vec::new();
    for path in citing_files() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            if line.contains(old) || line.contains(old_short) {
                left.push(format!("{}:{}: {line}", path.display(), n + 1));
            }
        }
    }
    assert!(
        left.is_empty(),
        "cite docs/theory.md instead (its §-numbers match the old ones, see its Appendix A):\n{}",
        left.join("\n")
    );
}

#[test]
fn every_numbered_heading_has_its_section_anchor_and_links_resolve() {
    let doc = theory();
    let defined = defined_anchors(&doc);
    let lines: Vec<&str> = doc.lines().collect();
    let mut numbered = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some(title) = line.strip_prefix("## ").or_else(|| line.strip_prefix("### ")) else {
            continue;
        };
        // `## 2. GRSD …` or `### 2.8 The four …`: the number is the first word, without a
        // trailing dot.
        let number = title.split(' ').next().unwrap_or("").trim_end_matches('.');
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            continue;
        }
        numbered += 1;
        let anchor = section_anchor(number);
        assert!(
            i > 0 && lines[i - 1].contains(&format!("<a id=\"{anchor}\"></a>")),
            "heading `{line}` is not directly preceded by <a id=\"{anchor}\"></a>"
        );
    }
    assert!(numbered >= 25, "only {numbered} numbered headings");
    // Internal links `](#anchor)` all resolve.
    for piece in doc.split("](#").skip(1) {
        let anchor = &piece[..piece.find(')').expect("a closed link")];
        assert!(defined.iter().any(|d| d == anchor), "link to undefined #{anchor}");
    }
    // No anchor is defined twice.
    let mut sorted = defined.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), defined.len(), "an anchor is defined twice");
}

#[test]
fn the_map_from_old_section_numbers_covers_every_old_section() {
    // The sections of the external formal model, listed independently of the document: 1, 2,
    // 2.1–2.8, 3, 3.1–3.6, 4. Each must appear in Appendix A and have its anchor here.
    let doc = theory();
    let map = &doc[doc.find("<a id=\"theory-map\"></a>").expect("Appendix A")..];
    let defined = defined_anchors(&doc);
    let mut old = vec!["1".to_string(), "2".into(), "3".into(), "4".into()];
    old.extend((1..=8).map(|m| format!("2.{m}")));
    old.extend((1..=6).map(|m| format!("3.{m}")));
    for s in old {
        assert!(map.contains(&format!("| §{s} |")), "Appendix A lacks §{s}");
        assert!(defined.contains(&section_anchor(&s)), "no anchor for §{s}");
    }
}
