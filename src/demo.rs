//! `renorm demo`: runs the capabilities that exist on built-in examples and writes a report
//! folder (`report.md`, `report.json`, `report.tex`). Later capabilities add their sections here.

use crate::atomic_write::write_atomic;
use crate::crosscheck::{self, CheckOptions, Domain, Identity, Outcome, Status};
use crate::error::{Error, Result};
use crate::input;
use std::path::Path;

/// A built-in identity with the status it must receive and why it is in the demo.
struct Example {
    lhs: &'static str,
    rhs: &'static str,
    expected: Status,
    why: &'static str,
    real: bool,
}

const IDENTITIES: &[Example] = &[
    Example {
        lhs: "lam * (c*b*lam^(b-1)*t^(b-2))",
        rhs: "b * (c*lam^b*t^(b-2))",
        expected: Status::Proved,
        why: "Euler's condition for the forced power law c λ^b t^(b−2): λ∂v/∂λ = b v",
        real: false,
    },
    Example {
        lhs: "(x+1)^2",
        rhs: "x^2 + 2*x + 1",
        expected: Status::Proved,
        why: "a polynomial identity the engine reduces exactly",
        real: true,
    },
    Example {
        lhs: "sqrt(lam^3)",
        rhs: "lam*sqrt(lam)",
        expected: Status::Proved,
        why: "valid for positive λ (the default domain)",
        real: false,
    },
    Example {
        lhs: "cosh(x)^2 - sinh(x)^2",
        rhs: "1",
        expected: Status::Confirmed,
        why: "true, but not a rational identity in cosh and sinh: the engine cannot reduce it",
        real: true,
    },
    Example {
        lhs: "exp(log(a)*log(b))",
        rhs: "0",
        expected: Status::Refuted,
        why: "the pinned engine version mis-simplifies exp(log(a)·log(b)); the numeric path certifies it is positive",
        real: false,
    },
    Example {
        lhs: "(lam*mu)^b",
        rhs: "lam^b * mu^b",
        expected: Status::Confirmed,
        why: "true for positive bases, but the engine does not distribute a symbolic power over a product",
        real: false,
    },
    Example {
        lhs: "lam^2 * exp(-lam*t)",
        rhs: "lam^2 * exp(-lam)*exp(-t)",
        expected: Status::Refuted,
        why: "a plausible-looking but false rewrite",
        real: false,
    },
];

/// The gallery specs, compiled into the binary.
const GALLERY: &[(&str, &str)] = &[
    (
        "examples/couplings/01_power_law_rational.toml",
        include_str!("../examples/couplings/01_power_law_rational.toml"),
    ),
    (
        "examples/couplings/02_power_law_symbolic.toml",
        include_str!("../examples/couplings/02_power_law_symbolic.toml"),
    ),
    (
        "examples/couplings/03_linear_velocity.toml",
        include_str!("../examples/couplings/03_linear_velocity.toml"),
    ),
    (
        "examples/couplings/04_weak_form.toml",
        include_str!("../examples/couplings/04_weak_form.toml"),
    ),
    (
        "examples/couplings/05_weak_form_drifting_exponent.toml",
        include_str!("../examples/couplings/05_weak_form_drifting_exponent.toml"),
    ),
    (
        "examples/couplings/06_coupling_scaling_function.toml",
        include_str!("../examples/couplings/06_coupling_scaling_function.toml"),
    ),
    (
        "examples/couplings/07_coupling_gaussian_in_log_ratio.toml",
        include_str!("../examples/couplings/07_coupling_gaussian_in_log_ratio.toml"),
    ),
    (
        "examples/couplings/08_time_covariant_only.toml",
        include_str!("../examples/couplings/08_time_covariant_only.toml"),
    ),
    (
        "examples/couplings/09_two_power_sum.toml",
        include_str!("../examples/couplings/09_two_power_sum.toml"),
    ),
    (
        "examples/couplings/10_log_periodic.toml",
        include_str!("../examples/couplings/10_log_periodic.toml"),
    ),
    (
        "examples/couplings/11_lam2_exp.toml",
        include_str!("../examples/couplings/11_lam2_exp.toml"),
    ),
    (
        "examples/couplings/12_engine_trap.toml",
        include_str!("../examples/couplings/12_engine_trap.toml"),
    ),
    (
        "examples/couplings/13_sqrt_form.toml",
        include_str!("../examples/couplings/13_sqrt_form.toml"),
    ),
    (
        "examples/couplings/14_exp_log_form.toml",
        include_str!("../examples/couplings/14_exp_log_form.toml"),
    ),
    (
        "examples/couplings/15_energy.toml",
        include_str!("../examples/couplings/15_energy.toml"),
    ),
    (
        "examples/couplings/16_log_velocity.toml",
        include_str!("../examples/couplings/16_log_velocity.toml"),
    ),
    (
        "examples/couplings/17_saturating_coupling.toml",
        include_str!("../examples/couplings/17_saturating_coupling.toml"),
    ),
    (
        "examples/couplings/18_explicit_weight.toml",
        include_str!("../examples/couplings/18_explicit_weight.toml"),
    ),
    (
        "examples/couplings/19_nowhere_defined.toml",
        include_str!("../examples/couplings/19_nowhere_defined.toml"),
    ),
];

const ENGINE_TRAP: &str = "exp(log(a)*log(b))";

const TRAP_EXAMPLE: Example = Example {
    lhs: ENGINE_TRAP,
    rhs: "(the engine's own simplification of it)",
    expected: Status::EngineDisagreement,
    why: "the engine's rewrite of exp(log(a)·log(b)) is wrong: symbolic says equal, numeric certifies not",
    real: false,
};

/// Runs the demo, writing reports into `out`. Returns a short summary for the terminal.
///
/// Fails (exit code 1) if any built-in example does not receive its expected status, because
/// then the tool itself is not working as documented.
pub fn run(out: &Path) -> Result<String> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let options = CheckOptions::default();
    let mut rows = Vec::new();
    let mut mismatches = Vec::new();
    for ex in IDENTITIES {
        let lhs = input::parse(ex.lhs).map_err(|e| Error::parse("built-in example", ex.lhs, e))?;
        let rhs = input::parse(ex.rhs).map_err(|e| Error::parse("built-in example", ex.rhs, e))?;
        let identity = Identity::new(lhs, rhs).with_domain_for_all(if ex.real {
            Domain::Real
        } else {
            Domain::Positive
        });
        let outcome = crosscheck::check(&identity, &options);
        if outcome.status != ex.expected {
            mismatches.push(format!(
                "{} == {}: expected {}, got {}",
                ex.lhs, ex.rhs, ex.expected, outcome.status
            ));
        }
        rows.push((ex, outcome));
    }

    // The engine's own rewrite of a formula it mishandles: the cross-check must flag the
    // disagreement rather than trust either side. Which wrong answer the engine gives depends
    // on its internal symbol order, so the right-hand side is taken from the engine itself.
    let trap = input::parse(ENGINE_TRAP).map_err(|e| Error::parse("built-in example", ENGINE_TRAP, e))?;
    let trap_identity = Identity::new(trap.clone(), trap.clone());
    let rewritten = crate::symbolic::normalize(&trap, &trap_identity.assumptions())?;
    let trap_outcome = crosscheck::check(&Identity::new(trap, rewritten), &options);
    if trap_outcome.status != Status::EngineDisagreement {
        mismatches.push(format!(
            "{}: expected engine_disagreement, got {}",
            trap_outcome.identity, trap_outcome.status
        ));
    }
    rows.push((&TRAP_EXAMPLE, trap_outcome));

    // The gallery of proposed fields (`examples/couplings/`, compiled in so the demo runs from
    // any directory), each with the verdict it claims.
    let knobs = crate::check::Knobs {
        digits: options.digits,
        points: options.points,
        seed: options.seed,
    };
    let mut gallery = Vec::new();
    for (file, text) in GALLERY {
        let spec = crate::check::Spec::from_toml(text, file)?;
        let report = crate::check::run(&spec, &knobs);
        if let Some(claim) = report.failed_claim() {
            mismatches.push(format!(
                "{file}: {} expected {}, found {}",
                claim.claim, claim.expected, claim.found
            ));
        }
        gallery.push(report);
    }

    let mut md = markdown(&rows, &options);
    md += "\n## Gallery: does the rigidity argument force a power law?\n\n";
    md +=
        "| spec | verdict | log-shift | degree | time-rescaling | forced form |\n|---|---|---|---|---|---|\n";
    for r in &gallery {
        md += &format!(
            "| {} | **{}** | {} ({}) | {} | {} | {} |\n",
            r.name,
            r.verdict.class,
            r.checks.log_shift.kind,
            r.checks.log_shift.status,
            r.checks.log_shift.degree.clone().unwrap_or_else(|| "—".into()),
            r.checks.time_rescaling.status,
            r.verdict
                .forced_form
                .clone()
                .map(|f| format!("`{f}`"))
                .unwrap_or_else(|| "—".into()),
        );
    }
    let detail = crate::check::render(&gallery, crate::check::render::Format::Markdown);
    md += "\n";
    md += detail.trim_start_matches("# renorm check report\n\n");
    write_atomic(
        &out.join("report.tex"),
        crate::check::render(&gallery, crate::check::render::Format::Latex).as_bytes(),
    )?;
    let json = serde_json::json!({
        "schema": "renorm.demo/1",
        "gallery": gallery,
        "identities": rows.iter().map(|(ex, o)| serde_json::json!({
            "expected": ex.expected,
            "why": ex.why,
            "outcome": o,
        })).collect::<Vec<_>>(),
    });
    write_atomic(&out.join("report.md"), md.as_bytes())?;
    let json_text = serde_json::to_string_pretty(&json).map_err(|e| Error::Usage(e.to_string()))?;
    write_atomic(&out.join("report.json"), json_text.as_bytes())?;

    let mut summary = String::from("renorm demo: identities checked by both engines\n");
    for (_, o) in &rows {
        summary += &format!("  {:<20} {}\n", o.status.as_str(), o.identity);
    }
    summary += "renorm demo: gallery of proposed fields (renorm check)\n";
    for r in &gallery {
        summary += &format!("  {:<22} {}\n", r.verdict.class, r.name);
    }
    summary += &format!(
        "reports: {}, {}, {}\n",
        out.join("report.md").display(),
        out.join("report.json").display(),
        out.join("report.tex").display()
    );
    if !mismatches.is_empty() {
        return Err(Error::ClaimFailed {
            claim: "built-in demo statuses".into(),
            detail: mismatches.join("; "),
        });
    }
    Ok(summary)
}

fn markdown(rows: &[(&Example, Outcome)], options: &CheckOptions) -> String {
    let mut s = String::from("# renorm demo report\n\n## Identities checked by both engines\n\n");
    s += &format!(
        "Each identity is reduced by the symbolic engine and, independently, evaluated at {} random \
         points to {} digits; a refutation needs an outward-rounded enclosure of the residual that \
         excludes 0 (THEORY.md §4).\n\n",
        options.points, options.digits
    );
    s += "| identity | status | symbolic | numeric | why it is here |\n|---|---|---|---|---|\n";
    for (ex, o) in rows {
        let numeric = match &o.numeric.witness {
            Some(w) => format!(
                "witness {}; lhs − rhs ∈ [{}, {}]",
                w.point
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                w.residual_enclosure[0],
                w.residual_enclosure[1]
            ),
            None => format!(
                "{}/{} points, ≥{} digits",
                o.numeric.points_agreeing,
                o.numeric.points_requested,
                o.numeric.digits_confirmed.unwrap_or(0)
            ),
        };
        s += &format!(
            "| `{}` | **{}** | {} | {} | {} |\n",
            o.identity, o.status, o.symbolic.verdict, numeric, ex.why
        );
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_compiled_in_gallery_matches_the_folder() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/couplings");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .map(|n| format!("examples/couplings/{n}"))
            .collect();
        on_disk.sort();
        let compiled: Vec<String> = super::GALLERY.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(compiled, on_disk, "update GALLERY in src/demo.rs");
    }
}
