//! Rendering check reports as text, Markdown, LaTeX or JSON. Every format is produced from the
//! same [`CheckReport`]; the derivation section is rendered from the rule engine's trail.

use super::CheckReport;
use super::covariance::{Evidence, Witness};
use crate::expr::latex::escape_text;

/// Output formats of `renorm check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Terminal text.
    Text,
    /// Markdown.
    Markdown,
    /// A complete LaTeX document (amsmath/amssymb only).
    Latex,
    /// JSON (`renorm.check/1`), one document holding every report.
    Json,
}

/// Renders a batch of reports.
pub fn render(reports: &[CheckReport], format: Format) -> String {
    match format {
        Format::Json => {
            let doc = if reports.len() == 1 {
                serde_json::to_value(&reports[0])
            } else {
                serde_json::to_value(serde_json::json!({ "schema": super::SCHEMA, "reports": reports }))
            };
            serde_json::to_string_pretty(&doc.unwrap_or_default()).unwrap_or_default() + "\n"
        }
        Format::Text => reports.iter().map(text).collect::<Vec<_>>().join("\n"),
        Format::Markdown => {
            let mut s = String::from("# renorm check report\n\n");
            for r in reports {
                s += &markdown(r);
            }
            s
        }
        Format::Latex => latex_document(reports),
    }
}

fn evidence_line(ev: &Evidence) -> String {
    let mut s = format!(
        "{} — numeric: {}/{} points agree to {} digits",
        ev.status, ev.points_agreeing, ev.points_requested, ev.digits_required
    );
    if let Some(d) = ev.digits_confirmed {
        s += &format!(" (≥{d} seen)");
    }
    if ev.points_undefined > 0 {
        s += &format!(", {} undefined", ev.points_undefined);
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

fn text(r: &CheckReport) -> String {
    let mut s = format!("== {}\n", r.name);
    s += &format!("input:        {}\n", r.source);
    s += &format!("parsed:       {}\n", r.parsed);
    if r.instantiated != r.parsed {
        s += &format!("instantiated: {}\n", r.instantiated);
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

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

fn markdown(r: &CheckReport) -> String {
    let mut s = format!("## {}\n\n", r.name);
    s += &format!("Input as parsed: `{}`", r.parsed);
    if r.instantiated != r.parsed {
        s += &format!(" — with exact parameters: `{}`", r.instantiated);
    }
    s += "\n\n";
    s += &format!(
        "Spectral variables: {}; time: {}; parameters: {}.\n\n",
        r.spectral.join(", "),
        r.time.clone().unwrap_or_else(|| "none".into()),
        if r.params.is_empty() {
            "none".to_string()
        } else {
            r.params
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    s += "### Steps\n\n| step | status | evidence |\n|---|---|---|\n";
    let ls = &r.checks.log_shift;
    let mut h1 = format!(
        "engine: {}; numeric: {}/{} pairs agree to {} digits",
        md_escape(&ls.continuous.evidence.symbolic),
        ls.continuous.evidence.points_agreeing,
        ls.continuous.evidence.points_requested,
        ls.continuous.evidence.digits_required
    );
    if let Some(w) = &ls.witness {
        h1 += &format!("; {}", md_escape(&witness_line(w)));
    }
    s += &format!(
        "| H1: continuous log-shift covariance | **{}** | {} |\n",
        ls.status, h1
    );
    if let Some(d) = &ls.discrete {
        let mut ev = format!("candidates: {}", d.candidates.join(", "));
        if let Some(p) = &d.period {
            ev += &format!(
                "; period h = `{p}` ≈ {}",
                d.period_value.clone().unwrap_or_default()
            );
        }
        if let Some(w) = &d.irrational_shift_witness {
            ev += &format!("; shift by √2·h fails: {}", md_escape(&witness_line(w)));
        }
        s += &format!(
            "| discrete log-shift covariance | **{}** | {} |\n",
            d.evidence.status, ev
        );
    }
    let tr = &r.checks.time_rescaling;
    let mut h2 = format!(
        "engine: {}; numeric: {}/{} points agree to {} digits",
        md_escape(&tr.detail.evidence.symbolic),
        tr.detail.evidence.points_agreeing,
        tr.detail.evidence.points_requested,
        tr.detail.evidence.digits_required
    );
    if let Some(w) = &tr.witness {
        h2 += &format!("; {}", md_escape(&witness_line(w)));
    }
    s += &format!(
        "| H2: time-rescaling covariance, w = {} | **{}** | {} |\n",
        tr.weight, tr.status, h2
    );
    if let Some(c) = &r.confirmation {
        s += &format!(
            "| confirmation: `{}` | **{}** | {} points, {} digits |\n",
            md_escape(&c.identity),
            c.status,
            c.points,
            c.digits
        );
    }
    s += "\n### Derivation\n\n";
    for (i, step) in r.trail.iter().enumerate() {
        let premises: Vec<String> = step
            .premises
            .iter()
            .map(|(n, _, st)| format!("{n} ({st})"))
            .collect();
        s += &format!(
            "{}. Rule `{}` — {} — fired on {} and concluded `{}`.\n",
            i + 1,
            step.rule,
            step.description,
            premises.join(", "),
            step.concluded
        );
    }
    s += &format!(
        "\n**Verdict: `{}`.** {}\n\n",
        r.verdict.class, r.verdict.explanation
    );
    if let Some(f) = &r.verdict.forced_form {
        s += &format!(
            "Forced form: `{f}` with b = `{}`{}, C = `{}`.\n",
            r.verdict.exponent_spectral.clone().unwrap_or_default(),
            r.verdict
                .exponent_time
                .as_ref()
                .map(|e| format!(", time exponent `{e}`"))
                .unwrap_or_default(),
            r.verdict.amplitude.clone().unwrap_or_default()
        );
        if let Some(g) = &r.verdict.scaling_function {
            s += &format!("Scaling function: G = `{g}`.\n");
        }
        s += "\n";
    }
    if !r.expectations.is_empty() {
        s += "| claim | expected | found | holds |\n|---|---|---|---|\n";
        for e in &r.expectations {
            s += &format!(
                "| `{}` | {} | {} | {} |\n",
                e.claim,
                md_escape(&e.expected),
                md_escape(&e.found),
                if e.holds { "yes" } else { "**no**" }
            );
        }
        s += "\n";
    }
    s
}

fn latex_document(reports: &[CheckReport]) -> String {
    let mut s = String::from(
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{amssymb}\n\\usepackage{graphicx}\n\
         \\begin{document}\n\\section*{renorm check report}\n",
    );
    for r in reports {
        s += &format!("\\subsection*{{{}}}\n", escape_text(&r.name));
        s += &format!("Input as parsed:\n\\[ F = {} \\]\n", r.parsed_latex);
        s += "\\begin{enumerate}\n";
        let ls = &r.checks.log_shift;
        s += &format!(
            "\\item Continuous log-shift covariance (H1): \\textbf{{{}}}. {}\n",
            escape_text(ls.status.as_str()),
            escape_text(&evidence_line(&ls.continuous.evidence))
        );
        if let Some(d) = &ls.degree {
            s += &format!("Degree $b$: \\texttt{{{}}}.\n", escape_text(d));
        }
        if let Some(w) = &ls.witness {
            s += &format!("{}.\n", escape_text(&witness_line(w)));
        }
        if let Some(d) = &ls.discrete {
            s += &format!(
                "\\item Discrete log-shift covariance: \\textbf{{{}}}.",
                escape_text(d.evidence.status.as_str())
            );
            if let Some(p) = &d.period {
                s += &format!(" Period $h$: \\texttt{{{}}}.", escape_text(p));
            }
            s += "\n";
        }
        let tr = &r.checks.time_rescaling;
        s += &format!(
            "\\item Time-rescaling covariance (H2), weight ${}$: \\textbf{{{}}}. {}\n",
            escape_text(&tr.weight),
            escape_text(tr.status.as_str()),
            escape_text(&evidence_line(&tr.detail.evidence))
        );
        if let Some(w) = &tr.witness {
            s += &format!("{}.\n", escape_text(&witness_line(w)));
        }
        for step in &r.trail {
            s += &format!(
                "\\item Rule \\texttt{{{}}}: {}.\n",
                escape_text(&step.rule),
                escape_text(&step.description)
            );
        }
        s += "\\end{enumerate}\n";
        s += &format!(
            "\\paragraph{{Verdict: \\texttt{{{}}}.}} {}\n",
            escape_text(&r.verdict.class),
            escape_text(&r.verdict.explanation)
        );
        if let Some(f) = &r.verdict.forced_form {
            s += &format!("Forced form: \\texttt{{{}}}.\n", escape_text(f));
        }
        if let Some(c) = &r.confirmation {
            s += &format!(
                "Confirmation: \\textbf{{{}}} at {} points to {} digits.\n",
                escape_text(c.status.as_str()),
                c.points,
                c.digits
            );
        }
    }
    s += "\\end{document}\n";
    s
}
