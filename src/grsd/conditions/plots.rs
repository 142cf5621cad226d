//! The conditions figures, on the crate's one plotting layer ([`crate::plot`]): the coupling
//! heat map with a colour bar, the shell energies over time with a legend, and the LSI fit.

use crate::plot::{Axis, ColourBar, ColourScale, Dash, Figure, FigureFile, Marker, Panel, Rgb, Series};
use crate::shells::{Closure, LsiFit, ShellAnalysis};

/// An integer with a true minus sign.
fn minus(v: i64) -> String {
    v.to_string().replace('-', "−")
}

/// Four decimals with a true minus sign.
fn minus_f(v: f64) -> String {
    format!("{v:.4}").replace('-', "−")
}

fn heat_map(k: &nalgebra::DMatrix<f64>, alpha_min: i64) -> Figure {
    let values: Vec<Vec<Option<f64>>> = (0..k.nrows())
        .map(|a| {
            (0..k.ncols())
                .map(|b| Some(k[(a, b)]).filter(|v| *v > 0.0 && v.is_finite()))
                .collect()
        })
        .collect();
    let scale = ColourScale::fit(values.iter().flatten().flatten().copied(), true);
    let origin = alpha_min as f64 - 0.5;
    let panel = Panel::new(
        "K_αβ: energy from shell β into shell α",
        Axis::linear("source shell β").integer(),
        Axis::linear("target shell α").integer(),
    )
    .with(Series::heat_map(values, (origin, origin), (1.0, 1.0), scale));
    // Square cells, so the matrix reads as a matrix.
    let panel = Panel {
        aspect: Some(1.0),
        ..panel
    };
    let mut fig = Figure::new("Fitted closure rates", vec![panel], 1);
    fig.cell = (380.0, 340.0);
    fig.colour_bar = Some(ColourBar {
        label: "K_αβ".into(),
        scale,
    });
    fig.notes
        .push("Grey cells: no positive fitted rate (K ≤ 0 or not identified).".into());
    fig
}

fn shell_energies(analysis: &ShellAnalysis) -> Figure {
    let times: Vec<f64> = analysis.snapshots.iter().map(|s| s.t).collect();
    let mut panel = Panel::new("", Axis::linear("time t"), Axis::log("shell energy E_α(t)"));
    for a in 0..analysis.shells {
        let pts: Vec<(f64, f64)> = times
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < analysis.energy_series.nrows() && a < analysis.energy_series.ncols())
            .map(|(i, t)| (*t, analysis.energy_series[(i, a)]))
            .collect();
        // Ten colours, then the same colours dashed, so no two shells look alike.
        let dash = if (a / 10) % 2 == 0 {
            Dash::Solid
        } else {
            Dash::Dashed
        };
        panel.series.push(Series::dashed(
            &format!("shell {}", minus(a as i64 + analysis.alpha_min)),
            Rgb::palette(a),
            dash,
            pts,
        ));
    }
    let mut fig = Figure::new("Shell energies", vec![panel], 1);
    fig.cell = (480.0, 340.0);
    fig
}

fn lsi_fit(analysis: &ShellAnalysis, closure: &Closure, fit: &LsiFit, h: f64) -> Figure {
    let mut measured = Vec::new();
    for a in 0..closure.k.nrows() {
        for b in 0..closure.k.ncols() {
            let v = closure.k[(a, b)];
            if a != b && v > 0.0 {
                let d = a as i64 - b as i64;
                let alpha = a as i64 + analysis.alpha_min;
                let model = fit.gamma * h * alpha as f64 + fit.kappa.get(&d).copied().unwrap_or(0.0);
                measured.push((model, v.ln()));
            }
        }
    }
    let (lo, hi) = measured
        .iter()
        .flat_map(|(x, y)| [*x, *y])
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let diagonal = if lo.is_finite() && hi > lo {
        vec![(lo, lo), (hi, hi)]
    } else {
        Vec::new()
    };
    let panel = Panel::new(
        &format!("γ = {}, δ_{{LSI}} = {}", minus_f(fit.gamma), minus_f(fit.defect)),
        Axis::linear("model γhα + κ(α−β)"),
        Axis::linear("measured ln K_αβ"),
    )
    .with(Series::line(
        "exact log-shift invariance (y = x)",
        Rgb::GREY,
        diagonal,
    ))
    .with(Series::scatter(
        "fitted pairs (α, β)",
        Rgb::BLUE,
        Marker::Circle,
        measured,
        Vec::new(),
    ));
    let mut fig = Figure::new("LSI fit", vec![panel], 1);
    fig.cell = (440.0, 340.0);
    fig
}

/// All conditions figures.
pub(super) fn all(
    analysis: &ShellAnalysis,
    closure: &Closure,
    lsi: Option<&LsiFit>,
    h: f64,
) -> Vec<FigureFile> {
    let mut out = vec![
        FigureFile {
            stem: "coupling_heatmap".into(),
            caption: "Fitted closure rates K_αβ (energy from shell β into α), colour on a log scale".into(),
            figure: heat_map(&closure.k, analysis.alpha_min),
        },
        FigureFile {
            stem: "shell_energies".into(),
            caption: "Shell energies E_α(t) on a log scale, one line per shell".into(),
            figure: shell_energies(analysis),
        },
    ];
    if let Some(fit) = lsi {
        out.push(FigureFile {
            stem: "lsi_fit".into(),
            caption: format!(
                "LSI fit: ln K against γhα + κ(α−β); γ = {:.4}, δ_LSI = {:.4}",
                fit.gamma, fit.defect
            ),
            figure: lsi_fit(analysis, closure, fit, h),
        });
    }
    out
}
