//! `renorm report`: bundles the outputs of a run folder into one document with a table of
//! contents. Every JSON output `renorm` writes carries a `schema` field (`renorm.<command>/<n>`,
//! [`crate::contract`]); the bundler reads each `*.json` in the folder, re-renders the ones it
//! knows through the shared report writer (the RG outputs as compact tables of their fields),
//! and lists the ones it does not, so nothing in the folder is silently left out. It reads the
//! earlier versions of a schema too (`renorm.check/1`, `renorm.demo/1`), so old folders bundle.

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
                let numeric = numeric_summary(o);
                vec![
                    crate::report::formula_inlines(&o.identity),
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

/// The numeric evidence of an identity in one cell: its witness, or how many points agreed.
fn numeric_summary(o: &Outcome) -> String {
    match &o.numeric.witness {
        Some(w) => w.summary(),
        None => format!(
            "{}/{} points, ≥{} digits",
            o.numeric.points_agreeing,
            o.numeric.points_requested,
            o.numeric.digits_confirmed.unwrap_or(0)
        ),
    }
}

/// One identity outcome (`renorm identity --format json`) as a one-row table.
fn identity_document(o: &Outcome, name: &str) -> Document {
    let mut d = Document::new(format!("Identity ({name})"));
    let numeric = numeric_summary(o);
    d.table(
        &["identity", "status", "symbolic", "numeric evidence"],
        vec![vec![
            crate::report::formula_inlines(&o.identity),
            vec![strong(o.status.as_str())],
            vec![text(o.symbolic.to_string())],
            vec![text(numeric)],
        ]],
    );
    d
}

/// Rows shown per table of a [`fields_document`]; the rest is counted, not shown.
const MAX_ROWS: usize = 40;

/// A scalar JSON value as table text; `None` for arrays and objects.
fn scalar_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => Some("null".into()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => None,
    }
}

/// The scalar leaves of `v` with dotted paths (`slope.loss.value`); arrays of scalars are joined,
/// arrays of objects are left to their own tables.
fn scalar_leaves(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    let path = |key: &str| {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match v {
        serde_json::Value::Object(map) => {
            for (k, x) in map {
                scalar_leaves(&path(k), x, out);
            }
        }
        serde_json::Value::Array(items) => {
            if let Some(texts) = items.iter().map(scalar_text).collect::<Option<Vec<_>>>() {
                out.push((prefix.to_string(), format!("[{}]", texts.join(", "))));
            }
        }
        scalar => out.extend(scalar_text(scalar).map(|t| (prefix.to_string(), t))),
    }
}

/// The arrays of objects in `v` (at any depth), with their dotted paths.
fn object_arrays<'a>(
    prefix: &str,
    v: &'a serde_json::Value,
    out: &mut Vec<(String, &'a [serde_json::Value])>,
) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, x) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                object_arrays(&path, x, out);
            }
        }
        serde_json::Value::Array(items) if items.iter().any(serde_json::Value::is_object) => {
            out.push((prefix.to_string(), items.as_slice()));
        }
        _ => {}
    }
}

/// A compact rendering of any `renorm` JSON output: a table of its scalar fields, then one table
/// per array of objects (rows, points, outputs, …) with a column per scalar field of the rows.
fn fields_document(title: &str, value: &serde_json::Value) -> Document {
    let mut d = Document::new(title);
    let mut leaves = Vec::new();
    if let serde_json::Value::Object(map) = value {
        for (k, x) in map {
            if k != "schema" {
                scalar_leaves(k, x, &mut leaves);
            }
        }
    }
    if !leaves.is_empty() {
        d.table(
            &["field", "value"],
            leaves
                .into_iter()
                .map(|(k, v)| vec![vec![code(k)], vec![text(v)]])
                .collect(),
        );
    }
    let mut arrays = Vec::new();
    object_arrays("", value, &mut arrays);
    for (path, items) in arrays {
        let rows: Vec<Vec<(String, String)>> = items
            .iter()
            .map(|item| {
                let mut cells = Vec::new();
                scalar_leaves("", item, &mut cells);
                cells
            })
            .collect();
        // Columns: every scalar field any row has, in first-seen order.
        let mut columns: Vec<String> = Vec::new();
        for row in &rows {
            for (k, _) in row {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
        if columns.is_empty() {
            continue;
        }
        d.heading(2, format!("{path} ({} entries)", items.len()));
        let header: Vec<&str> = columns.iter().map(String::as_str).collect();
        d.table(
            &header,
            rows.iter()
                .take(MAX_ROWS)
                .map(|row| {
                    columns
                        .iter()
                        .map(|c| {
                            let cell = row.iter().find(|(k, _)| k == c).map_or("", |(_, v)| v.as_str());
                            vec![text(cell)]
                        })
                        .collect()
                })
                .collect(),
        );
        if items.len() > MAX_ROWS {
            d.paragraph(vec![text(format!(
                "{} more entries in the JSON file.",
                items.len() - MAX_ROWS
            ))]);
        }
    }
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
        let raw = crate::files::read_text_input(path, crate::files::MAX_DOCUMENT_BYTES, "a JSON output")?;
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
        match crate::contract::command_of(&schema).unwrap_or("") {
            "check" => {
                // `renorm.check/1` wrote one report bare and several in a batch; `/2` always
                // batches.
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
            "prove" => {
                let proofs: Vec<FileResult> =
                    serde_json::from_value(value.get("proofs").cloned().unwrap_or_default())
                        .map_err(parse_err)?;
                contents.push(format!("{name}: {} proof(s)", proofs.len()));
                let mut section = proof::document(&proofs);
                section.title = format!("Proofs ({name})");
                doc.append(section, 1);
            }
            "demo" => {
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
            "conditions" => {
                let c: crate::conditions::ConditionsReport =
                    serde_json::from_value(value).map_err(parse_err)?;
                contents.push(format!("{name}: conditions on {}", c.run));
                doc.append(crate::conditions::document(&c), 1);
            }
            "identity" => {
                let o: Outcome = serde_json::from_value(value).map_err(parse_err)?;
                contents.push(format!("{name}: identity {} is {}", o.identity, o.status));
                doc.append(identity_document(&o, &name), 1);
            }
            "parse" => {
                contents.push(format!("{name}: a parsed formula"));
                doc.append(fields_document(&format!("Parsed formula ({name})"), &value), 1);
            }
            // An earlier bundle of this folder (the default output of `renorm report --format
            // json`): bundling it again would only repeat the other files.
            // It is not an input of this bundle, so it may be replaced by the new one.
            "report" | "bundle" => {
                crate::files::release_input(path);
                skipped.push(format!("{name} (an earlier bundle)"))
            }
            command if command.starts_with("rg.") => {
                let title = match command {
                    "rg.curve" => "RG learning curve (rg curve)",
                    "rg.predict" => "RG predictions (rg predict)",
                    "rg.sample" => "RG sampling against predictions (rg sample)",
                    "rg.flow.trajectory" => "RG flow trajectory (rg flow)",
                    "rg.flow.fixed_points" => "RG fixed points (rg flow)",
                    "rg.classify" => "RG relevance of perturbations (rg classify)",
                    "rg.scaling" => "RG scaling law (rg scaling)",
                    "rg.transfer" => "RG hyperparameter transfer (rg transfer)",
                    _ => "RG output",
                };
                contents.push(format!("{name}: {title}"));
                doc.append(fields_document(&format!("{title} ({name})"), &value), 1);
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
            "schema": crate::contract::REPORT,
            "folder": dir.display().to_string(),
            "contents": contents,
            "skipped": skipped,
        }),
    })
}
