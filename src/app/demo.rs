//! `renorm demo`: runs the capabilities that exist on built-in examples and writes a report
//! folder (`report.md`, `report.json`, `report.tex`, `report.html`). Later capabilities add their sections here.

use crate::crosscheck::{self, CheckOptions, Domain, Identity, Outcome, Status};
use crate::error::{Error, Result};
use crate::input;
use crate::report::{Document, Format, Report, strong, text};
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
        include_str!("../../examples/couplings/01_power_law_rational.toml"),
    ),
    (
        "examples/couplings/02_power_law_symbolic.toml",
        include_str!("../../examples/couplings/02_power_law_symbolic.toml"),
    ),
    (
        "examples/couplings/03_linear_velocity.toml",
        include_str!("../../examples/couplings/03_linear_velocity.toml"),
    ),
    (
        "examples/couplings/04_weak_form.toml",
        include_str!("../../examples/couplings/04_weak_form.toml"),
    ),
    (
        "examples/couplings/05_weak_form_drifting_exponent.toml",
        include_str!("../../examples/couplings/05_weak_form_drifting_exponent.toml"),
    ),
    (
        "examples/couplings/06_coupling_scaling_function.toml",
        include_str!("../../examples/couplings/06_coupling_scaling_function.toml"),
    ),
    (
        "examples/couplings/07_coupling_gaussian_in_log_ratio.toml",
        include_str!("../../examples/couplings/07_coupling_gaussian_in_log_ratio.toml"),
    ),
    (
        "examples/couplings/08_time_covariant_only.toml",
        include_str!("../../examples/couplings/08_time_covariant_only.toml"),
    ),
    (
        "examples/couplings/09_two_power_sum.toml",
        include_str!("../../examples/couplings/09_two_power_sum.toml"),
    ),
    (
        "examples/couplings/10_log_periodic.toml",
        include_str!("../../examples/couplings/10_log_periodic.toml"),
    ),
    (
        "examples/couplings/11_lam2_exp.toml",
        include_str!("../../examples/couplings/11_lam2_exp.toml"),
    ),
    (
        "examples/couplings/12_engine_trap.toml",
        include_str!("../../examples/couplings/12_engine_trap.toml"),
    ),
    (
        "examples/couplings/13_sqrt_form.toml",
        include_str!("../../examples/couplings/13_sqrt_form.toml"),
    ),
    (
        "examples/couplings/14_exp_log_form.toml",
        include_str!("../../examples/couplings/14_exp_log_form.toml"),
    ),
    (
        "examples/couplings/15_energy.toml",
        include_str!("../../examples/couplings/15_energy.toml"),
    ),
    (
        "examples/couplings/16_log_velocity.toml",
        include_str!("../../examples/couplings/16_log_velocity.toml"),
    ),
    (
        "examples/couplings/17_saturating_coupling.toml",
        include_str!("../../examples/couplings/17_saturating_coupling.toml"),
    ),
    (
        "examples/couplings/18_explicit_weight.toml",
        include_str!("../../examples/couplings/18_explicit_weight.toml"),
    ),
    (
        "examples/couplings/19_nowhere_defined.toml",
        include_str!("../../examples/couplings/19_nowhere_defined.toml"),
    ),
];

/// The project's proof files, compiled into the binary.
const PROOFS: &[(&str, &str)] = &[
    (
        "gp_posterior.toml",
        include_str!("../../proofs/gp_posterior.toml"),
    ),
    (
        "kato_couplings.toml",
        include_str!("../../proofs/kato_couplings.toml"),
    ),
    (
        "learning_curve_constants.toml",
        include_str!("../../proofs/learning_curve_constants.toml"),
    ),
    (
        "lemma1_shell_balance.toml",
        include_str!("../../proofs/lemma1_shell_balance.toml"),
    ),
    (
        "non_examples.toml",
        include_str!("../../proofs/non_examples.toml"),
    ),
    (
        "proposition1_velocity.toml",
        include_str!("../../proofs/proposition1_velocity.toml"),
    ),
    (
        "rg_exact_quadrature.toml",
        include_str!("../../proofs/rg_exact_quadrature.toml"),
    ),
    (
        "rg_first_order.toml",
        include_str!("../../proofs/rg_first_order.toml"),
    ),
    (
        "rg_gaussian_moments.toml",
        include_str!("../../proofs/rg_gaussian_moments.toml"),
    ),
    ("rg_one_loop.toml", include_str!("../../proofs/rg_one_loop.toml")),
    ("rg_transfer.toml", include_str!("../../proofs/rg_transfer.toml")),
    (
        "theorem1_rigidity.toml",
        include_str!("../../proofs/theorem1_rigidity.toml"),
    ),
    (
        "theorem1_weak_form.toml",
        include_str!("../../proofs/theorem1_weak_form.toml"),
    ),
    ("tree_level.toml", include_str!("../../proofs/tree_level.toml")),
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
/// Fails with [`Error::Internal`] (exit code 3) if any built-in example does not receive its
/// expected status, because then the tool itself is not working as documented.
pub fn run(out: &Path) -> Result<String> {
    std::fs::create_dir_all(out).map_err(|e| Error::write(out, e))?;
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
        ..crate::check::Knobs::default()
    };
    let mut gallery = Vec::new();
    for (file, text) in GALLERY {
        let spec = crate::check::Spec::from_toml(text, file)?;
        let report = crate::check::run(&spec, &knobs)?;
        if let Some(claim) = report.failed_claim() {
            mismatches.push(format!(
                "{file}: {} expected {}, found {}",
                claim.claim, claim.expected, claim.found
            ));
        }
        gallery.push(report);
    }

    // The project's proofs (compiled in, written next to the report so that every step can be
    // re-run with `renorm prove <DIR>/proofs`).
    let proofs_dir = out.join("proofs");
    std::fs::create_dir_all(&proofs_dir).map_err(|e| Error::write(&proofs_dir, e))?;
    for (name, text) in PROOFS {
        crate::atomic_write::write_atomic(&proofs_dir.join(name), text.as_bytes())?;
    }
    let mut prover = crate::proof::Prover::new(crate::proof::ProveOptions::default());
    let mut proofs = Vec::new();
    for path in crate::proof::collect_paths(std::slice::from_ref(&proofs_dir))? {
        let r = prover.check_file(&path)?;
        if let Some(f) = &r.first_failure {
            mismatches.push(format!("proof does not hold: {f}"));
        }
        proofs.push(r);
    }

    // The theory document the report cites, beside it, so that the HTML report's relative
    // citation links resolve wherever the demo was written.
    let theory_path = out.join(crate::report::cite::THEORY_DOC);
    if let Some(dir) = theory_path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    }
    crate::atomic_write::write_atomic(&theory_path, crate::report::cite::THEORY_TEXT.as_bytes())?;

    let mut doc = Document::new("renorm demo report");
    doc.paragraph(vec![text(format!(
        "Identities are checked by both engines at {} random points to {} digits; a refutation \
         needs an outward-rounded enclosure of the residual that excludes 0 (docs/theory.md §4).",
        options.points, options.digits
    ))]);
    let identity_rows: Vec<(Status, String, Outcome)> = rows
        .iter()
        .map(|(ex, o)| (ex.expected, ex.why.to_string(), o.clone()))
        .collect();
    doc.append(crate::bundle::identities_document(&identity_rows), 1);
    doc.heading(1, "Gallery: does the rigidity argument force a power law?");
    doc.paragraph(vec![text(
        "Each spec in examples/couplings/ is checked for continuous and discrete log-shift \
         covariance and time-rescaling covariance; the verdict comes from the rule engine and a \
         power-law verdict is confirmed against the original formula.",
    )]);
    doc.table(
        &[
            "spec",
            "verdict",
            "log-shift",
            "degree",
            "time-rescaling",
            "forced form",
        ],
        gallery
            .iter()
            .map(|r| {
                vec![
                    vec![text(r.name.clone())],
                    vec![strong(r.verdict.class.to_string())],
                    vec![text(format!(
                        "{} ({})",
                        r.checks.log_shift.kind, r.checks.log_shift.status
                    ))],
                    vec![text(
                        r.checks.log_shift.degree.clone().unwrap_or_else(|| "—".into()),
                    )],
                    vec![text(r.checks.time_rescaling.status.as_str())],
                    r.verdict
                        .forced_form
                        .as_deref()
                        .map_or_else(|| vec![text("—")], crate::report::formula_inlines),
                ]
            })
            .collect(),
    );
    for r in &gallery {
        doc.append(crate::check::render::document(r), 2);
    }
    // A small training run, end to end: train, write the run, read it back, check the conditions.
    let run_config = crate::train::TrainConfig {
        arch: crate::train::Arch::Residual,
        depth: 3,
        width: 12,
        input_dim: 4,
        samples: 24,
        steps: 150,
        learning_rate: 2e-3,
        checkpoints: 51,
        seed: 1,
        save_jacobian: false,
        lambda_dt_target: None,
    };
    let run_path = out.join("demo_run.npz");
    crate::rundata::write_npz(&run_path, &crate::train::train(&run_config, None)?)?;
    let run = crate::rundata::read_npz(&run_path)?;
    let conditions = crate::conditions::evaluate(
        &run,
        "demo_run.npz",
        &crate::conditions::ConditionsSpec::default(),
    );
    for f in &conditions.plots {
        f.write(out)?;
    }
    let mut conditions_section = crate::conditions::document(&conditions);
    conditions_section.title = "Sufficient conditions on a small training run (renorm conditions)".into();
    doc.append(conditions_section, 1);

    let (rg_section, rg_summary, rg_data, rg_mismatches) = crate::rg::demo::section(out)?;
    mismatches.extend(rg_mismatches);
    doc.append(rg_section, 1);

    let mut proofs_section = crate::proof::document(&proofs);
    proofs_section.title = "Machine-checked derivations (proofs/)".into();
    doc.append(proofs_section, 1);
    // Through `to_value`, not `json!`, so a serialisation failure is an error, not a panic.
    let json =
        |what: &str, v: serde_json::Result<serde_json::Value>| v.map_err(|e| Error::serialize(what, e));
    let identities = rows
        .iter()
        .map(|(ex, o)| {
            Ok(serde_json::json!({
                "expected": json("an identity's expected status", serde_json::to_value(ex.expected))?,
                "why": ex.why,
                "outcome": json("an identity's outcome", serde_json::to_value(o))?,
            }))
        })
        .collect::<Result<Vec<_>>>()?;
    let report = Report {
        document: doc,
        data: serde_json::json!({
            "schema": crate::contract::DEMO,
            "gallery": json("the gallery reports", serde_json::to_value(&gallery))?,
            "proofs": json("the proof results", serde_json::to_value(&proofs))?,
            "conditions": json("the conditions report", serde_json::to_value(&conditions))?,
            "rg": rg_data,
            "identities": identities,
        }),
    };
    for format in [Format::Markdown, Format::Json, Format::Latex, Format::Html] {
        report.write(&out.join(format!("report.{}", format.extension())), format)?;
    }

    let mut summary = String::from("renorm demo: identities checked by both engines\n");
    for (_, o) in &rows {
        summary += &format!("  {:<20} {}\n", o.status.as_str(), o.identity);
    }
    summary += "renorm demo: gallery of proposed fields (renorm check)\n";
    for r in &gallery {
        summary += &format!("  {:<22} {}\n", r.verdict.class, r.name);
    }
    summary += "renorm demo: machine-checked derivations (renorm prove)\n";
    for r in &proofs {
        summary += &format!(
            "  {:<22} {} ({} steps)\n",
            if r.passed { "holds" } else { "DOES NOT HOLD" },
            r.title,
            r.steps.len()
        );
    }
    summary += "renorm demo: sufficient conditions on a small residual network (renorm conditions)\n";
    for (name, m) in &conditions.rules {
        summary += &format!("  {name:<9} {}\n", m.status);
    }
    summary += &rg_summary;
    summary += &format!("reports: {}/report.{{md,json,tex,html}}\n", out.display());
    if !mismatches.is_empty() {
        // The built-in examples are the tool's own: a wrong status means renorm is broken.
        return Err(Error::internal("built-in demo statuses", mismatches.join("; ")));
    }
    Ok(summary)
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
        assert_eq!(compiled, on_disk, "update GALLERY in src/app/demo.rs");
    }

    #[test]
    fn the_compiled_in_proofs_match_the_folder() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/proofs");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let compiled: Vec<String> = super::PROOFS.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(compiled, on_disk, "update PROOFS in src/app/demo.rs");
    }
}
