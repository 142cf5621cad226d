//! `renorm report`: bundles the outputs of a run folder into one document with a table of
//! contents. Every JSON output `renorm` writes carries a `schema` field; the bundler reads each
//! `*.json` in the folder, re-renders the ones it knows through the shared report writer, and
//! lists the ones it does not, so nothing in the folder is silently left out.

use crate::check::{self, CheckReport};
use crate::crosscheck::{Outcome, Status};
use crate::error::{Error, Result};
use crate::proof::{self, FileResult};
use crate::report::{Document, Report, code, strong, text};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct DemoIdentity {
    expected: Status,
    why: String,
    outcome: Outcome,
}

#[derive(Deserialize)]
struct DemoData {
    #[serde(default)]
    identities: Vec<DemoIdentity>,
    #[serde(default)]
    gallery: Vec<CheckReport>,
    #[serde(default)]
    proofs: Vec<FileResult>,
    #[serde(default)]
    conditions: Option<crate::conditions::ConditionsReport>,
}

fn invalid(path: &Path, message: impl Into<String>) -> Error {
    Error::InvalidInput {
        location: path.display().to_string(),
        message: message.into(),
    }
}

/// The identities table of the demo, shared with the demo's own report.
pub fn identities_document(rows: &[(Status, String, Outcome)]) -> Document {
    let mut d = Document::new("Identities checked by both engines");
    d.table(
        &[
            "identity",
            "status",
            "expected",
            "numeric evidence",
            "why it is here",
        ],
        rows.iter()
            .map(|(expected, why, o)| {
                let numeric = match &o.numeric.witness {
                    Some(w) => w.summary(),
                    None => format!(
                        "{}/{} points, ≥{} digits",
                        o.numeric.points_agreeing,
                        o.numeric.points_requested,
                        o.numeric.digits_confirmed.unwrap_or(0)
                    ),
                };
                vec![
                    vec![code(o.identity.clone())],
                    vec![strong(o.status.as_str())],
                    vec![text(expected.as_str())],
                    vec![text(numeric)],
                    vec![text(why.clone())],
                ]
            })
            .collect(),
    );
    d
}

/// Bundles every recognised JSON output in `dir` into one report.
pub fn bundle(dir: &Path) -> Result<Report> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut doc = Document::new(format!("renorm run: {}", dir.display()));
    let mut contents = Vec::new();
    let mut skipped = Vec::new();
    for path in &files {
        let raw = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let value: serde_json::Value =
            serde_json::from_str(&raw).map_err(|e| invalid(path, format!("not JSON: {e}")))?;
        let schema = value
            .get("schema")
            .and_then(|s| s.as_str())
            .unwrap_or("")
            .to_string();
        let name = path
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned());
        let parse_err = |e: serde_json::Error| invalid(path, format!("does not match {schema}: {e}"));
        match schema.as_str() {
            check::SCHEMA => {
                let reports: Vec<CheckReport> = match value.get("reports") {
                    Some(list) => serde_json::from_value(list.clone()).map_err(parse_err)?,
                    None => vec![serde_json::from_value(value.clone()).map_err(parse_err)?],
                };
                contents.push(format!("{name}: {} checked field(s)", reports.len()));
                let mut section = Document::new(format!("Checks ({name})"));
                for r in &reports {
                    section.append(check::render::document(r), 1);
                }
                doc.append(section, 1);
            }
            proof::SCHEMA => {
                let proofs: Vec<FileResult> =
                    serde_json::from_value(value.get("proofs").cloned().unwrap_or_default())
                        .map_err(parse_err)?;
                contents.push(format!("{name}: {} proof(s)", proofs.len()));
                let mut section = proof::document(&proofs);
                section.title = format!("Proofs ({name})");
                doc.append(section, 1);
            }
            "renorm.demo/1" => {
                let demo: DemoData = serde_json::from_value(value).map_err(parse_err)?;
                contents.push(format!(
                    "{name}: demo with {} identities, {} gallery fields, {} proofs",
                    demo.identities.len(),
                    demo.gallery.len(),
                    demo.proofs.len()
                ));
                let rows: Vec<(Status, String, Outcome)> = demo
                    .identities
                    .into_iter()
                    .map(|i| (i.expected, i.why, i.outcome))
                    .collect();
                doc.append(identities_document(&rows), 1);
                if !demo.gallery.is_empty() {
                    let mut section = Document::new("Gallery");
                    for r in &demo.gallery {
                        section.append(check::render::document(r), 1);
                    }
                    doc.append(section, 1);
                }
                if let Some(c) = &demo.conditions {
                    doc.append(crate::conditions::document(c), 1);
                }
                if !demo.proofs.is_empty() {
                    let mut section = proof::document(&demo.proofs);
                    section.title = "Proofs".into();
                    doc.append(section, 1);
                }
            }
            crate::conditions::SCHEMA => {
                let c: crate::conditions::ConditionsReport =
                    serde_json::from_value(value).map_err(parse_err)?;
                contents.push(format!("{name}: conditions on {}", c.run));
                doc.append(crate::conditions::document(&c), 1);
            }
            _ => skipped.push(format!("{name} (schema `{schema}`)")),
        }
    }
    if contents.is_empty() {
        return Err(invalid(
            dir,
            "no renorm JSON outputs found (expected files with a `schema` field)",
        ));
    }
    let mut front = Document::new(doc.title.clone());
    front.paragraph(vec![text(format!(
        "Bundled from {} output file(s):",
        contents.len()
    ))]);
    front.blocks.push(crate::report::Block::List(
        contents.iter().map(|c| vec![text(c.clone())]).collect(),
    ));
    if !skipped.is_empty() {
        front.paragraph(vec![text(format!(
            "Not recognised and left out: {}.",
            skipped.join(", ")
        ))]);
    }
    front.blocks.extend(doc.blocks);
    Ok(Report {
        document: front,
        data: serde_json::json!({
            "schema": "renorm.bundle/1",
            "folder": dir.display().to_string(),
            "contents": contents,
            "skipped": skipped,
        }),
    })
}
