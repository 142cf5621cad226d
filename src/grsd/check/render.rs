//! Rendering check reports as text, Markdown, LaTeX or JSON. Every format is produced from the
//! same [`CheckReport`]; the derivation section is rendered from the rule engine's trail.

use super::CheckReport;
use super::covariance::{Evidence, Witness};
use crate::report::{Block, Document, Report, code, strong, text};
use crate::symbolic::EngineMode;

pub use crate::report::Format;

/// Renders a batch of reports: terminal text, or through the shared report writer. Fails only
/// if the reports cannot be serialised (an internal error).
pub fn render(reports: &[CheckReport], format: Format) -> crate::Result<String> {
    Ok(match format {
        Format::Text => reports.iter().map(terminal).collect::<Vec<_>>().join("\n"),
        _ => report(reports)?.render(format),
    })
}

/// The batch as a shared-writer [`Report`]: a document with one section per spec, and the JSON
/// data (`renorm.check/2`: `{"schema", "engine", "reports": […]}` whatever the number of specs,
/// so a consumer reads one shape).
///
/// Fails if the reports cannot be serialised (an internal error, never a silent `null`).
pub fn report(reports: &[CheckReport]) -> crate::Result<Report> {
    let data = serde_json::to_value(CheckBatch {
        schema: super::SCHEMA,
        engine: engine_of(reports),
        reports,
    })
    .map_err(|e| crate::Error::serialize("the check reports", e))?;
    let mut doc = Document::new("renorm check report");
    if engine_of(reports) == EngineMode::Off {
        doc.paragraph(vec![text(ENGINE_OFF)]);
    }
    for r in reports {
        doc.append(document(r), 1);
    }
    Ok(Report { document: doc, data })
}

/// Several reports in one JSON document (`json!` would panic instead of failing).
#[derive(serde::Serialize)]
struct CheckBatch<'a> {
    schema: &'a str,
    engine: EngineMode,
    reports: &'a [CheckReport],
}

/// What a report says when the symbolic engine was off.
const ENGINE_OFF: &str = "The symbolic engine was off: numeric evidence only, so no status is better than confirmed, except exact rational proofs (which need no engine).";

/// `off` if any report of the batch was produced without the engine.
fn engine_of(reports: &[CheckReport]) -> EngineMode {
    if reports.iter().any(|r| r.engine == EngineMode::Off) {
        EngineMode::Off
    } else {
        EngineMode::On
    }
}

fn evidence_line(ev: &Evidence) -> String {
    let mut s = format!(
        "{} — numeric: {}/{} points agree to {} digits",
        ev.status, ev.numeric.points_agreeing, ev.numeric.points_requested, ev.numeric.digits_required
    );
    if let Some(d) = ev.numeric.digits_confirmed {
        s += &format!(" (≥{d} seen)");
    }
    if ev.numeric.extra_digits_max > 0 {
        s += &format!(
            ", up to {} more to resolve every summand",
            ev.numeric.extra_digits_max
        );
    }
    if ev.numeric.points_undefined > 0 {
        s += &format!(", {} undefined", ev.numeric.points_undefined);
    }
    if ev.numeric.points_unresolved > 0 {
        s += &format!(
            ", {} unresolved within {} digits",
            ev.numeric.points_unresolved, ev.numeric.digits_cap
        );
    }
    if ev.engine_disagreement {
        s += "; engine_disagreement: the engine's zero is contradicted by the witness";
    }
    s
}

fn witness_line(w: &Witness) -> String {
    let point: Vec<String> = w.point.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(
        "witness ({}) at {}: [{}, {}] excludes 0",
        w.residual,
        point.join(", "),
        w.enclosure[0],
        w.enclosure[1]
    )
}

fn terminal(r: &CheckReport) -> String {
    let mut s = format!("== {}\n", r.name);
    s += &format!("input:        {}\n", r.source);
    s += &format!("parsed:       {}\n", r.parsed);
    if r.engine == EngineMode::Off {
        s += "engine:       off (numeric evidence only: statuses at best `confirmed`, except where an exact rational grid decides)\n";
    }
    if r.instantiated != r.parsed {
        s += &format!("instantiated: {}\n", r.instantiated);
    }
    s += &format!("sampled:      {}\n", r.sampling.summary());
    for w in &r.warnings {
        s += &format!("warning:      {w}\n");
    }
    let ls = &r.checks.log_shift;
    s += &format!("H1 log-shift: {}\n", evidence_line(&ls.continuous.evidence));
    s += &format!("              engine: {}\n", ls.continuous.evidence.symbolic);
    if let Some(d) = &ls.degree {
        s += &format!("              degree b = {d}\n");
    }
    if let Some(w) = &ls.witness {
        s += &format!("              {}\n", witness_line(w));
    }
    if let Some(d) = &ls.discrete {
        s += &format!("discrete:     {}\n", evidence_line(&d.evidence));
        if let Some(p) = &d.period {
            s += &format!(
                "              period h = {p} ≈ {}\n",
                d.period_value.clone().unwrap_or_default()
            );
        }
        if let Some(w) = &d.irrational_shift_witness {
            s += &format!("              shift by √2·h fails: {}\n", witness_line(w));
        }
    }
    let tr = &r.checks.time_rescaling;
    s += &format!(
        "H2 time (w={}): {}\n",
        tr.weight,
        evidence_line(&tr.detail.evidence)
    );
    s += &format!("              engine: {}\n", tr.detail.evidence.symbolic);
    if let Some(w) = &tr.witness {
        s += &format!("              {}\n", witness_line(w));
    }
    s += &format!("verdict:      {}\n", r.verdict.class);
    if let Some(f) = &r.verdict.forced_form {
        s += &format!("forced form:  {f}\n");
        s += &format!(
            "              b = {}",
            r.verdict.exponent_spectral.clone().unwrap_or_default()
        );
        if let Some(et) = &r.verdict.exponent_time {
            s += &format!(", time exponent b − w = {et}");
        }
        s += &format!(", C = {}\n", r.verdict.amplitude.clone().unwrap_or_default());
        if let Some(at) = &r.verdict.amplitude_reference {
            s += &format!("              {at}\n");
        }
        if let Some(g) = &r.verdict.scaling_function {
            s += &format!("              G = {g}\n");
        }
    }
    s += &format!("why:          {}\n", r.verdict.explanation);
    if let Some(c) = &r.confirmation {
        s += &format!(
            "confirmation: {} — original input vs forced form at {} points to {} digits\n",
            c.status, c.points, c.digits
        );
    }
    for step in &r.trail {
        let premises: Vec<String> = step
            .premises
            .iter()
            .map(|(n, _, st)| format!("{n} ({st})"))
            .collect();
        s += &format!(
            "rule:         {} on {} ⇒ {}\n",
            step.rule,
            premises.join(", "),
            step.concluded
        );
    }
    for c in &r.conflicts {
        s += &format!("conflict:     {c}\n");
    }
    for e in &r.expectations {
        s += &format!(
            "expect:       {} = {} → {} [{}]\n",
            e.claim,
            e.expected,
            e.found,
            if e.holds { "holds" } else { "DOES NOT HOLD" }
        );
    }
    s
}

fn witness_cell(w: &Option<Witness>) -> String {
    w.as_ref().map(witness_line).unwrap_or_default()
}

/// One spec's derivation as a document: input as parsed, each step with its status and
/// evidence, the rule trail, the conclusion and the claims.
pub fn document(r: &CheckReport) -> Document {
    let mut d = Document::new(r.name.clone());
    d.paragraph(vec![
        text("Input as typed: "),
        code(r.source.clone()),
        text(". Read as:"),
    ]);
    if let Ok(e) = crate::input::parse(&r.parsed) {
        d.formula(Some("F"), e);
    }
    if r.instantiated != r.parsed {
        d.paragraph(vec![text("With the exact parameters substituted: ")]);
        d.paragraph(crate::report::formula_inlines(&r.instantiated));
    }
    let params = if r.params.is_empty() {
        "none".to_string()
    } else {
        r.params
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    d.paragraph(vec![text(format!(
        "Spectral variables: {}; time: {}; parameters: {params}.",
        r.spectral.join(", "),
        r.time.clone().unwrap_or_else(|| "none".into())
    ))]);
    d.paragraph(vec![
        strong("Domain and precision."),
        text(format!(
            " {}. Every confirmed and proved status below is a statement about this domain \
             and precision (README, section What the verdicts guarantee).",
            r.sampling.summary()
        )),
    ]);
    for w in &r.warnings {
        d.paragraph(vec![strong("Warning: "), text(w.clone())]);
    }
    d.heading(1, "Steps");
    let ls = &r.checks.log_shift;
    let mut rows = vec![vec![
        vec![text("H1: continuous log-shift covariance")],
        vec![strong(ls.status.as_str())],
        vec![text(format!(
            "engine: {}; {}{}",
            ls.continuous.evidence.symbolic,
            evidence_line(&ls.continuous.evidence),
            ls.witness
                .as_ref()
                .map(|w| format!("; {}", witness_line(w)))
                .unwrap_or_default()
        ))],
    ]];
    if let Some(dc) = &ls.discrete {
        let mut ev = format!(
            "candidates: {}",
            if dc.candidates.is_empty() {
                "none".into()
            } else {
                dc.candidates.join(", ")
            }
        );
        if let Some(p) = &dc.period {
            ev += &format!(
                "; period h = {p} ≈ {}",
                dc.period_value.clone().unwrap_or_default()
            );
        }
        if let Some(w) = &dc.irrational_shift_witness {
            ev += &format!("; shift by √2·h fails: {}", witness_line(w));
        }
        rows.push(vec![
            vec![text("discrete log-shift covariance")],
            vec![strong(dc.evidence.status.as_str())],
            vec![text(ev)],
        ]);
    }
    let tr = &r.checks.time_rescaling;
    rows.push(vec![
        vec![text(format!("H2: time-rescaling covariance, w = {}", tr.weight))],
        vec![strong(tr.status.as_str())],
        vec![text(format!(
            "engine: {}; {}{}",
            tr.detail.evidence.symbolic,
            evidence_line(&tr.detail.evidence),
            if tr.witness.is_some() {
                format!("; {}", witness_cell(&tr.witness))
            } else {
                String::new()
            }
        ))],
    ]);
    if let Some(c) = &r.confirmation {
        rows.push(vec![
            std::iter::once(text("confirmation: "))
                .chain(crate::report::formula_inlines(&c.identity))
                .collect(),
            vec![strong(c.status.as_str())],
            vec![text(format!("{} points agree to {} digits", c.points, c.digits))],
        ]);
    }
    d.table(&["step", "status", "evidence"], rows);
    d.heading(1, "Derivation");
    d.blocks.push(Block::List(
        r.trail
            .iter()
            .map(|step| {
                let premises: Vec<String> = step
                    .premises
                    .iter()
                    .map(|(n, _, st)| format!("{n} ({st})"))
                    .collect();
                vec![
                    text("Rule "),
                    code(step.rule.clone()),
                    text(format!(
                        " — {} — fired on {} and concluded ",
                        step.description,
                        premises.join(", ")
                    )),
                    code(step.concluded.clone()),
                    text("."),
                ]
            })
            .collect(),
    ));
    for c in &r.conflicts {
        d.paragraph(vec![strong("Conflicting conclusions: "), text(c.to_string())]);
    }
    d.paragraph(vec![
        strong(format!("Verdict: {}.", r.verdict.class)),
        text(format!(" {}", r.verdict.explanation)),
    ]);
    if let Some(f) = &r.verdict.forced_form {
        match crate::input::parse(f) {
            Ok(e) => {
                d.paragraph(vec![text("Forced form:")]);
                d.formula(Some("F"), e);
            }
            Err(_) => {
                d.paragraph(vec![text("Forced form: "), code(f.clone())]);
            }
        }
        d.paragraph(vec![text(format!(
            "b = {}{}, C = {}.",
            r.verdict.exponent_spectral.clone().unwrap_or_default(),
            r.verdict
                .exponent_time
                .as_ref()
                .map(|e| format!(", time exponent b − w = {e}"))
                .unwrap_or_default(),
            r.verdict.amplitude.clone().unwrap_or_default()
        ))]);
        if let Some(at) = &r.verdict.amplitude_reference {
            d.paragraph(vec![text(format!("Amplitude: {at}."))]);
        }
        if let Some(g) = &r.verdict.scaling_function {
            let mut line = vec![text("Scaling function: ")];
            line.extend(crate::report::formula_inlines(g));
            line.push(text("."));
            d.paragraph(line);
        }
    }
    if !r.expectations.is_empty() {
        d.heading(1, "Claims");
        d.table(
            &["claim", "expected", "found", "holds"],
            r.expectations
                .iter()
                .map(|e| {
                    vec![
                        vec![code(e.claim.clone())],
                        vec![text(e.expected.clone())],
                        vec![text(e.found.clone())],
                        vec![if e.holds { text("yes") } else { strong("no") }],
                    ]
                })
                .collect(),
        );
    }
    d
}
