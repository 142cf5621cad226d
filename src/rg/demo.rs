//! The RG part of `renorm demo`: certified learning curves against independent references, the
//! three predictions against a short sampling run, relevance classes, and a flow — on the
//! built-in example models, so the demo runs from any directory.

use super::model::Model;
use crate::error::{Error, Result};
use crate::numeric::Precision;
use crate::report::{Block, Document, strong, text};
use rug::Rational;
use std::path::Path;

/// `examples/rg/fig3_separable.toml`, compiled in.
pub const FIG3_MODEL: &str = include_str!("../../examples/rg/fig3_separable.toml");
/// `examples/rg/fig2_flow.toml`, compiled in.
pub const FIG2_MODEL: &str = include_str!("../../examples/rg/fig2_flow.toml");

/// Independent references for `α = 1/5, β = 3/10`: the Hurwitz-zeta expansion at 400–500
/// working digits (`tests/fixtures/rg/mpmath_reference.py`), rounded to 30 significant digits;
/// and the earlier printed references of docs/theory.md §3.4, which agree with them only to
/// 20–25 digits.
const CURVE_REFERENCES: [(&str, &str, &str, &str); 4] = [
    (
        "1e2",
        "bias",
        "0.878095030330882424564137504924",
        "0.87809503033088242456412838",
    ),
    (
        "1e2",
        "variance",
        "2.42533571663194731299616423248",
        "2.42533571663194731299616436",
    ),
    (
        "1e3",
        "bias",
        "0.493792885139288898364200668142",
        "0.49379288513928889836361893",
    ),
    (
        "1e3",
        "variance",
        "1.65526476576216761653816409183",
        "1.65526476576216761653807911",
    ),
];

fn common_prefix_digits(a: &str, b: &str) -> usize {
    let sig = |s: &str| s.replace('.', "").trim_start_matches('0').to_string();
    sig(a)
        .chars()
        .zip(sig(b).chars())
        .take_while(|(x, y)| x == y)
        .count()
}

/// The RG section, its terminal summary, its JSON data, and any built-in claim that failed.
pub fn section(out: &Path) -> Result<(Document, String, serde_json::Value, Vec<String>)> {
    let mut doc = Document::new("The RG layer (renorm rg)");
    let mut summary = String::from("renorm demo: RG layer (renorm rg)\n");
    let mut mismatches = Vec::new();
    let (alpha, beta) = (Rational::from((1, 5)), Rational::from((3, 10)));

    doc.heading(2, "Certified learning curves (rg curve)");
    let mut rows = Vec::new();
    let mut curve_data = Vec::new();
    for (x_text, which, independent, theory) in CURVE_REFERENCES {
        let x = super::model::parse_exact(x_text)
            .ok_or_else(|| Error::internal("built-in learning curve", format!("bad x `{x_text}`")))?;
        let lc = super::curve::learning_curve(&alpha, &beta, &x, None, 30)
            .map_err(|e| Error::internal("built-in learning curve", e))?;
        let enc = if which == "bias" { &lc.bias } else { &lc.variance };
        let value = enc.to_decimal(30);
        if value != independent {
            mismatches.push(format!(
                "rg curve x = {x_text} {which}: {value}, independent reference {independent}"
            ));
        }
        let agree = common_prefix_digits(&value, theory);
        summary += &format!(
            "  {which:<8} x = {x_text}: {value} ({} digits certified; earlier reference of \
             docs/theory.md §3.4 agrees to {agree})\n",
            enc.printed(30).digits_certified
        );
        rows.push(vec![
            vec![text(format!("{which}, x = {x_text}"))],
            vec![text(value.clone())],
            vec![text(enc.printed(30).digits_certified.to_string())],
            vec![text(if value == independent {
                "all 30 digits"
            } else {
                "DIFFERS"
            })],
            vec![text(format!("{agree} digits"))],
        ]);
        curve_data.push(serde_json::json!({"x": x_text, "which": which, "value": value, "independent": independent, "theory": theory, "theory_digits_agreeing": agree}));
    }
    doc.table(
        &[
            "quantity",
            "certified value (30 digits)",
            "digits certified",
            "independent reference",
            "earlier printed reference (docs/theory.md §3.4)",
        ],
        rows,
    );
    doc.paragraph(vec![text(
        "α = 1/5, β = 3/10. Independent references: the Hurwitz-zeta expansion at 400–500 working \
         digits (tests/fixtures/rg/mpmath_reference.py). The earlier printed references lose \
         their last digits — the failure mode docs/theory.md §3.4 warns about.",
    )]);

    let model = Model::from_toml(FIG3_MODEL, "examples/rg/fig3_separable.toml")?;
    doc.heading(2, "Predictions against sampling (rg predict, rg sample)");
    let config = super::sample::SamplerConfig {
        steps: 2_000_000,
        chains: 2,
        threads: 2,
        ..super::sample::SamplerConfig::paper(1)
    };
    let table = super::experiments::predictions_vs_sampling(&model, &config, Precision::from_digits(20))?;
    let fig3 = crate::plot::FigureFile {
        stem: "rg_fig3".into(),
        caption: "Mean discrepancy and variance per mode: sampling, GP, first order, RG.".into(),
        figure: table.figure(&model.title),
    };
    fig3.write(out)?;
    doc.paragraph(vec![text(format!(
        "{} — a short run (2 chains × 2·10⁶ steps, δt = 10⁻⁴); the full-length run is in \
         EXPERIMENTS.md. Loss per sample: GP {:.6}, first order {:.6}, RG {:.6}, sampled {}.",
        model.title,
        table.loss[0],
        table.loss[1],
        table.loss[2],
        table
            .sampled_loss
            .map_or("—".into(), |s| format!("{:.6} ± {:.6}", s[0], s[1]))
    ))]);
    let validity = &table.validity;
    let warnings = validity.warnings();
    doc.paragraph(vec![text(format!(
        "Validity: the largest first-order correction is {:.1} % of the GP value ({} at k = {}; \
         threshold {:.0} %). {}",
        validity.largest_shift.value * 100.0,
        validity.largest_shift.quantity.name(),
        validity.largest_shift.k,
        validity.threshold * 100.0,
        if warnings.is_empty() {
            "Every mode is inside the perturbative regime and no variance is negative.".to_string()
        } else {
            warnings.join("; ")
        }
    ))]);
    let agreement = table.agreement();
    doc.table(
        &[
            "prediction",
            "quantity",
            "modes within 3 SE",
            "too short to compare",
            "max |z|",
            "mean z²",
        ],
        agreement
            .iter()
            .map(|a| {
                // With no mode compared there is no z to show (the run was too short for all).
                let z = |v: f64| {
                    if a.modes == 0 {
                        "—".to_string()
                    } else {
                        format!("{v:.2}")
                    }
                };
                vec![
                    vec![text(a.method.name())],
                    vec![text(a.quantity)],
                    vec![text(format!("{}/{}", a.within_3se, a.modes))],
                    vec![text(a.too_short.to_string())],
                    vec![text(z(a.max_z))],
                    vec![text(z(a.mean_z2))],
                ]
            })
            .collect(),
    );
    doc.blocks.push(fig3.block());
    for a in &agreement {
        summary += &format!(
            "  {:<12} {:<8} {}/{} modes within 3 SE of sampling ({} too short to compare)\n",
            a.method.name(),
            a.quantity,
            a.within_3se,
            a.modes,
            a.too_short
        );
    }

    doc.heading(2, "Relevance (rg classify)");
    let classes = super::classify::classify(&model, &Rational::from(1), &Rational::from(20), true, 20)?;
    doc.table(
        &["perturbation", "continuum dimension", "scaling interval", "class"],
        classes
            .perturbations
            .iter()
            .map(|p| {
                vec![
                    vec![text(p.name.clone())],
                    vec![text(p.continuum_dimension.clone())],
                    vec![text(match &p.exact {
                        Some(q) => format!("exactly {q}"),
                        None => format!("[{}, {}]", p.interval[0], p.interval[1]),
                    })],
                    vec![strong(format!("{:?}", p.class).to_lowercase())],
                ]
            })
            .collect(),
    );
    doc.blocks.push(Block::Code(classes.trail.join("\n")));
    summary += &format!(
        "  classify: {} perturbations/directions classified, {} fixed points\n",
        classes.perturbations.len(),
        classes.fixed_points.len()
    );

    doc.heading(2, "Flow (rg flow)");
    let flow_model = Model::from_toml(FIG2_MODEL, "examples/rg/fig2_flow.toml")?;
    let (u, omega) = flow_model
        .separable()
        .map_or((Rational::new(), Rational::new()), |(u, o)| {
            (u.clone(), o.clone())
        });
    let failed = |e: super::flow::FlowError| Error::internal("built-in flow", e);
    let params = super::flow::FlowParams::new(
        flow_model.alpha.clone(),
        flow_model.beta.clone(),
        omega,
        flow_model.modes,
    )
    .map_err(failed)?;
    let opts = super::flow::IntegratorOptions::new(super::flow::Method::DormandPrince54, 12);
    let initial = super::flow::FlowState::bare(&params, &u, &flow_model.p_over_r(), opts.precision())
        .map_err(failed)?;
    let outputs: Vec<Rational> = (1..=3).map(Rational::from).collect();
    let traj = super::flow::integrate_flow(
        &params,
        super::flow::Truncation::OneLoop,
        &initial,
        &Rational::new(),
        &outputs,
        &opts,
    )
    .map_err(|e| Error::internal("built-in flow", e))?;
    let flow_fig = crate::plot::FigureFile {
        stem: "rg_flow".into(),
        caption: format!(
            "{}: normalized flow field, r-nullcline dashed, trajectory in red.",
            flow_model.title
        ),
        figure: super::flow_plot::flow_figure(&params, &super::flow_plot::FlowFigure::default(), Some(&traj))
            .map_err(|e| Error::internal("built-in flow plot", e))?,
    };
    flow_fig.write(out)?;
    doc.blocks.push(flow_fig.block());
    summary += &format!(
        "  flow: {} accepted steps to 12 digits; figures rg_fig3.{{svg,pdf}}, rg_flow.{{svg,pdf}}\n",
        traj.stats.accepted
    );

    // Through `to_value`, not `json!`, so a serialisation failure is an error, not a panic.
    let json =
        |what: &str, v: serde_json::Result<serde_json::Value>| v.map_err(|e| Error::serialize(what, e));
    let data = serde_json::json!({
        "curve": curve_data,
        "predictions": json("the built-in predictions", serde_json::to_value(&table))?,
        "classification": json("the built-in classification", serde_json::to_value(&classes))?,
        "flow": json("the built-in flow", serde_json::to_value(traj.table(12)))?,
    });
    Ok((doc, summary, data, mismatches))
}
