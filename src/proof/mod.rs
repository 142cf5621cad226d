//! Machine-checked derivations: `renorm prove`.
//!
//! A proof file ([`format`]) states a result and lists numbered steps; each step is an identity
//! (or a derivative or integral identity) decided by the cross-check helper, so every step gets a
//! docs/theory.md §4 status. A step passes when it is `proved` — or `confirmed`, if and only if it
//! is explicitly justified as `numeric` (an integral is always numeric: the engine does not
//! integrate). A step may instead expect `refuted` (non-examples), which needs a certified
//! witness **and** a stated `difference` (the exact discrepancy) that itself holds, so that the
//! step pins down what it refutes rather than accepting any false formula. Citations must point to earlier steps or to other proof files, which are checked
//! too; cyclic citations between files are an error.

pub mod format;

use crate::crosscheck::{self, CheckOptions, Claim, Domain, Identity, Status};
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::report::{Document, Report, code, strong, text};
use format::{Citation, Justification, Operation, ProofFile, VarDomain};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Add;
use std::path::{Path, PathBuf};

/// JSON schema identifier of a prove run.
pub const SCHEMA: &str = "renorm.prove/1";

/// The result of one step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepResult {
    /// Step number.
    pub number: usize,
    /// Line in the file.
    pub line: usize,
    /// The claim as written.
    pub claim: String,
    /// What was checked, after substitutions.
    pub checked: String,
    /// Justification.
    pub justification: String,
    /// Citations, as written.
    pub cites: Vec<String>,
    /// Whether the step must be refuted.
    pub expect_refuted: bool,
    /// For a refuted step: the identity `lhs == rhs + difference` that was checked to hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difference: Option<String>,
    /// Status of the difference identity (it must hold for the step to pass).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difference_status: Option<Status>,
    /// docs/theory.md §4 status.
    pub status: Status,
    /// Whether the step passes.
    pub passed: bool,
    /// Why it failed, or the evidence in one line.
    pub message: String,
    /// Points and digits of the numeric evidence.
    pub points: u32,
    /// Digits required.
    pub digits: u32,
    /// Note from the file.
    pub note: Option<String>,
}

/// The result of one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileResult {
    /// The file.
    pub path: String,
    /// Title.
    pub title: String,
    /// Statement.
    pub statement: String,
    /// Reference.
    pub reference: Option<String>,
    /// Steps.
    pub steps: Vec<StepResult>,
    /// Whether every step passed and every cited file holds.
    pub passed: bool,
    /// `file:step: message` of the first failure.
    pub first_failure: Option<String>,
}

/// Knobs for checking.
#[derive(Debug, Clone)]
pub struct ProveOptions {
    /// Digits required at each point.
    pub digits: u32,
    /// Points per step.
    pub points: u32,
}

impl Default for ProveOptions {
    fn default() -> Self {
        ProveOptions {
            digits: 40,
            points: 6,
        }
    }
}

fn domain(d: &VarDomain) -> Domain {
    match d {
        VarDomain::Positive => Domain::Positive,
        VarDomain::Real => Domain::Real,
        VarDomain::Integer => Domain::Integer,
        VarDomain::Interval(lo, hi) => Domain::Interval {
            lo: lo.to_string(),
            hi: hi.to_string(),
        },
    }
}

/// Expands directories into the `*.toml` files they contain (sorted).
pub fn collect_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| Error::io(p, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

/// Checks proof files (and, transitively, the files they cite).
pub struct Prover {
    options: ProveOptions,
    results: BTreeMap<PathBuf, FileResult>,
    in_progress: Vec<PathBuf>,
    /// The folder of the file being checked at the top level: the proof tree its citations
    /// must stay inside.
    tree: Option<PathBuf>,
}

/// The longest chain of citations followed (file A cites B cites C …): far beyond any real
/// derivation, and short enough that a hostile chain of thousands of files cannot exhaust the
/// stack.
pub const MAX_CITATION_DEPTH: usize = 64;

impl Prover {
    /// A prover with the given options.
    pub fn new(options: ProveOptions) -> Prover {
        Prover {
            options,
            results: BTreeMap::new(),
            in_progress: Vec::new(),
            tree: None,
        }
    }

    /// Checks one file; cited files are checked first (once each).
    pub fn check_file(&mut self, path: &Path) -> Result<FileResult> {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if let Some(r) = self.results.get(&key) {
            return Ok(r.clone());
        }
        let text = crate::files::read_text_input(path, crate::files::MAX_DOCUMENT_BYTES, "a proof file")?;
        self.check_text(&text, path, key)
    }

    /// Checks a proof given as text (e.g. read from standard input), named `name` in messages.
    /// Its cited files are resolved relative to `name`'s folder: for a bare name such as
    /// `<stdin>`, the current directory.
    pub fn check_source(&mut self, text: &str, name: &Path) -> Result<FileResult> {
        self.check_text(text, name, name.to_path_buf())
    }

    fn check_text(&mut self, text: &str, path: &Path, key: PathBuf) -> Result<FileResult> {
        if self.in_progress.is_empty() {
            // A top-level file: its folder is the proof tree for the citations below it.
            let folder = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            self.tree = std::fs::canonicalize(folder).ok();
        }
        let (proof, problems) = format::ProofFile::from_toml(text, path)?;
        self.in_progress.push(key.clone());
        let result = self.check_proof(&proof, &problems);
        self.in_progress.pop();
        let result = result?;
        self.results.insert(key, result.clone());
        Ok(result)
    }

    /// Why a citation of `rel` (resolved to `target`) is not followed, if it is not: it leaves the
    /// proof tree (a proof may cite files in its own folder or below it, never `/etc/passwd` or
    /// `../../..`), or the chain of citations is already [`MAX_CITATION_DEPTH`] files deep.
    fn refuse_citation(&self, rel: &Path, target: &Path) -> Option<String> {
        if self.in_progress.len() >= MAX_CITATION_DEPTH {
            return Some(format!(
                "cites {}: the chain of citations is longer than {MAX_CITATION_DEPTH} files",
                rel.display()
            ));
        }
        let resolved = std::fs::canonicalize(target).ok()?; // a missing file is reported when read
        match &self.tree {
            Some(tree) if resolved.starts_with(tree) => None,
            Some(tree) => Some(format!(
                "cites {}: outside the proof tree {} (a proof may cite only files in its own folder or below it)",
                rel.display(),
                tree.display()
            )),
            None => Some(format!(
                "cites {}: the proof tree could not be determined",
                rel.display()
            )),
        }
    }

    fn check_proof(&mut self, proof: &ProofFile, problems: &[format::StructuralError]) -> Result<FileResult> {
        let origin = proof.path.display().to_string();
        let mut steps = Vec::new();
        let mut first_failure: Option<String> = None;
        let fail = |first: &mut Option<String>, step: usize, message: &str| {
            if first.is_none() {
                *first = Some(if step == 0 {
                    format!("{origin}: {message}")
                } else {
                    format!("{origin}:{step}: {message}")
                });
            }
        };
        if let Some(p) = problems.iter().find(|p| p.step == 0) {
            fail(&mut first_failure, 0, &p.message);
        }
        for step in &proof.steps {
            let structural: Vec<&format::StructuralError> =
                problems.iter().filter(|p| p.step == step.number).collect();
            let mut message = String::new();
            let mut passed = true;
            // Cited files must hold (and must not cite back into a file being checked).
            for c in &step.cites {
                if let Citation::File(rel) = c {
                    let target = proof.path.parent().unwrap_or(Path::new(".")).join(rel);
                    let key = std::fs::canonicalize(&target).unwrap_or_else(|_| target.clone());
                    if let Some(refusal) = self.refuse_citation(rel, &target) {
                        passed = false;
                        message = refusal;
                        continue;
                    }
                    if self.in_progress.contains(&key) {
                        let chain: Vec<String> = self
                            .in_progress
                            .iter()
                            .map(|p| {
                                p.file_name()
                                    .map_or(String::new(), |n| n.to_string_lossy().into_owned())
                            })
                            .collect();
                        passed = false;
                        message = format!(
                            "cyclic citation: {} → {}",
                            chain.join(" → "),
                            target
                                .file_name()
                                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
                        );
                        continue;
                    }
                    match self.check_file(&target) {
                        Ok(r) if r.passed => {}
                        Ok(r) => {
                            passed = false;
                            message = format!(
                                "cites {} which does not hold ({})",
                                rel.display(),
                                r.first_failure.unwrap_or_default()
                            );
                        }
                        Err(e) => {
                            passed = false;
                            message = format!("cites {}: {e}", rel.display());
                        }
                    }
                }
            }
            if let Some(p) = structural.first() {
                passed = false;
                message = p.message.clone();
            }
            // The claim compared as the step says (identity, derivative or integral); the
            // difference of a refuted step is compared the same way, against `rhs + difference`.
            let compared = |rhs: Expr| {
                let mut identity = Identity::new(step.lhs.clone(), rhs).with_claim(match &step.operation {
                    Operation::Identity => Claim::Equal,
                    Operation::Differentiate(v) => Claim::Derivative(v.clone()),
                    Operation::Integrate { var, lower, upper } => Claim::Integral {
                        var: var.clone(),
                        lower: lower.clone(),
                        upper: upper.clone(),
                    },
                });
                for (name, d) in &proof.variables {
                    identity = identity.with_domain(name, domain(d));
                }
                identity
            };
            let identity = compared(step.rhs.clone());
            let difference = step
                .difference
                .as_ref()
                .map(|d| compared(step.rhs.clone().add(d.clone())));
            let seed = 0x9e37_79b9_7f4a_7c15 ^ step.number as u64;
            let run = |identity: &Identity, seed: u64| {
                let outcome = crosscheck::check(
                    identity,
                    &CheckOptions {
                        digits: self.options.digits,
                        points: self.options.points,
                        seed,
                        use_symbolic: true,
                        ..CheckOptions::default()
                    },
                );
                let evidence = match &outcome.numeric.witness {
                    Some(w) => w.summary(),
                    None => format!(
                        "engine: {}; {}/{} points agree to {} digits",
                        outcome.symbolic.verdict,
                        outcome.numeric.points_agreeing,
                        outcome.numeric.points_requested,
                        outcome.numeric.digits_required
                    ),
                };
                (outcome.status, outcome.numeric.points_agreeing, evidence)
            };
            let mut difference_status = None;
            let (status, points, evidence) = if structural.is_empty() {
                let (status, points, mut evidence) = run(&identity, seed);
                // The difference is checked only when the claim is refuted as expected: it is
                // what makes that refutation the intended one.
                if let (Some(diff), Status::Refuted) = (&difference, status) {
                    let (d_status, _, d_evidence) = run(diff, seed ^ 0x5bd1_e995);
                    difference_status = Some(d_status);
                    evidence = format!("{evidence}; difference {d_status} ({d_evidence})");
                }
                (status, points, evidence)
            } else {
                (
                    Status::Undetermined,
                    0,
                    "not checked: the step is malformed".into(),
                )
            };
            if passed {
                let numeric_only = step.justification == Justification::Numeric;
                let difference_holds = difference_status.is_some_and(|s| s.holds());
                let ok = if step.expect_refuted {
                    status == Status::Refuted && difference_holds
                } else if numeric_only || matches!(step.operation, Operation::Integrate { .. }) {
                    status.holds()
                } else {
                    status == Status::Proved
                };
                if !ok {
                    passed = false;
                    message = if step.expect_refuted && status == Status::Refuted {
                        format!(
                            "refuted, but not by the stated difference: lhs − rhs == difference is {} ({evidence}); the formula refuted is not the one the step describes",
                            difference_status.map_or("unchecked", |s| s.as_str())
                        )
                    } else if step.expect_refuted {
                        format!("expected a certified refutation, got {status} ({evidence})")
                    } else if status == Status::Confirmed && !numeric_only {
                        format!(
                            "only confirmed numerically ({evidence}); the engine could not prove it — justify it as `numeric` to accept that"
                        )
                    } else {
                        format!("{status}: {evidence}")
                    };
                } else {
                    message = evidence;
                }
            }
            if !passed {
                fail(&mut first_failure, step.number, &message);
            }
            steps.push(StepResult {
                number: step.number,
                line: step.line,
                claim: step.claim.clone(),
                checked: identity.describe(),
                justification: step.justification.label(),
                cites: step
                    .cites
                    .iter()
                    .map(|c| match c {
                        Citation::Step(n) => format!("step {n}"),
                        Citation::File(f) => f.display().to_string(),
                    })
                    .collect(),
                expect_refuted: step.expect_refuted,
                difference: difference.as_ref().map(Identity::describe),
                difference_status,
                status,
                passed,
                message,
                points,
                digits: self.options.digits,
                note: step.note.clone(),
            });
        }
        Ok(FileResult {
            path: origin,
            title: proof.title.clone(),
            statement: proof.statement.clone(),
            reference: proof.reference.clone(),
            passed: first_failure.is_none(),
            first_failure,
            steps,
        })
    }
}

/// A terminal table for one file.
pub fn table(r: &FileResult) -> String {
    let mut s = format!("{} — {}\n", r.path, r.title);
    for st in &r.steps {
        s += &format!(
            "  {:>3}  {:<20} {:<14} {:<5} {}\n",
            st.number,
            st.status.as_str(),
            st.justification,
            if st.passed { "ok" } else { "FAIL" },
            st.claim
        );
        if let Some(d) = &st.difference {
            s += &format!(
                "       difference: {d} [{}]\n",
                st.difference_status.map_or("unchecked", |s| s.as_str())
            );
        }
        if !st.passed {
            s += &format!("       {}\n", st.message);
        }
    }
    s += &format!("  => {}\n", if r.passed { "holds" } else { "DOES NOT HOLD" });
    s
}

/// The report of a prove run: [`document`] and the JSON data (schema
/// [`SCHEMA`]). Fails if the results cannot be serialised (an internal error).
pub fn report(results: &[FileResult]) -> Result<Report> {
    #[derive(Serialize)]
    struct Data<'a> {
        schema: &'a str,
        proofs: &'a [FileResult],
    }
    let data = serde_json::to_value(Data {
        schema: SCHEMA,
        proofs: results,
    })
    .map_err(|e| Error::serialize("the proof results", e))?;
    Ok(Report {
        document: document(results),
        data,
    })
}

/// The human-readable document of a prove run.
pub fn document(results: &[FileResult]) -> Document {
    let mut doc = Document::new("renorm prove report");
    doc.table(
        &["proof", "title", "steps", "result"],
        results
            .iter()
            .map(|r| {
                vec![
                    vec![code(r.path.clone())],
                    vec![text(r.title.clone())],
                    vec![text(r.steps.len().to_string())],
                    vec![if r.passed {
                        strong("holds")
                    } else {
                        strong("does not hold")
                    }],
                ]
            })
            .collect(),
    );
    for r in results {
        doc.heading(1, r.title.clone());
        doc.paragraph(vec![strong("Statement. "), text(r.statement.clone())]);
        let mut source = vec![text("File "), code(r.path.clone())];
        if let Some(reference) = &r.reference {
            source.push(text(format!("; see {reference}")));
        }
        source.push(text("."));
        doc.paragraph(source);
        doc.table(
            &[
                "step",
                "claim (as checked)",
                "justification",
                "status",
                "evidence",
            ],
            r.steps
                .iter()
                .map(|st| {
                    let mut claim = crate::report::formula_inlines(&st.checked);
                    if let Some(d) = &st.difference {
                        claim.push(text(" — pinned down by "));
                        claim.extend(crate::report::formula_inlines(d));
                    }
                    if let Some(n) = &st.note {
                        claim.push(text(format!(" — {n}")));
                    }
                    vec![
                        vec![text(st.number.to_string())],
                        claim,
                        vec![text(if st.cites.is_empty() {
                            st.justification.clone()
                        } else {
                            format!("{} (cites {})", st.justification, st.cites.join(", "))
                        })],
                        vec![strong(format!(
                            "{}{}",
                            st.status.as_str(),
                            if st.passed { "" } else { " — FAILS" }
                        ))],
                        vec![text(st.message.clone())],
                    ]
                })
                .collect(),
        );
        doc.paragraph(vec![if r.passed {
            strong("The proof holds.")
        } else {
            strong(format!(
                "The proof does not hold: {}.",
                r.first_failure.clone().unwrap_or_default()
            ))
        }]);
    }
    doc
}

#[cfg(test)]
mod tests;
