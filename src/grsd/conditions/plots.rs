//! Small self-contained SVG plots (no plotting dependency): the coupling heat map on a log
//! scale, the shell energies over time, and the LSI fit.

use crate::shells::{Closure, LsiFit, ShellAnalysis};

const W: f64 = 420.0;
const H: f64 = 300.0;
const PAD: f64 = 40.0;

fn frame(title: &str, body: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" \
         font-family=\"sans-serif\" font-size=\"11\"><rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>\
         <text x=\"{}\" y=\"16\" text-anchor=\"middle\" font-size=\"13\">{title}</text>{body}</svg>",
        W / 2.0
    )
}

fn heat_map(k: &nalgebra::DMatrix<f64>, alpha_min: i64) -> String {
    let n = k.nrows().max(1);
    let cell = (W - 2.0 * PAD).min(H - 2.0 * PAD) / n as f64;
    let logs: Vec<f64> = k.iter().filter(|v| **v > 0.0).map(|v| v.log10()).collect();
    let (lo, hi) = logs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(*v), b.max(*v))
    });
    let mut body = String::new();
    for a in 0..k.nrows() {
        for b in 0..k.ncols() {
            let v = k[(a, b)];
            let fill = if v > 0.0 && hi > lo {
                let x = (v.log10() - lo) / (hi - lo);
                format!(
                    "rgb({},{},{})",
                    (255.0 * x) as u8,
                    (80.0 + 100.0 * (1.0 - x)) as u8,
                    (255.0 * (1.0 - x)) as u8
                )
            } else if v > 0.0 {
                "rgb(255,80,0)".into()
            } else {
                "#eee".into()
            };
            body += &format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{cell:.1}\" height=\"{cell:.1}\" fill=\"{fill}\"/>",
                PAD + b as f64 * cell,
                PAD + a as f64 * cell
            );
        }
    }
    body += &format!(
        "<text x=\"{PAD}\" y=\"{:.1}\">β → (source shell, from {alpha_min})</text><text x=\"8\" y=\"{:.1}\" transform=\"rotate(-90 8 {:.1})\">α (target)</text>",
        PAD + n as f64 * cell + 14.0,
        PAD + 60.0,
        PAD + 60.0
    );
    if hi > lo {
        body += &format!(
            "<text x=\"{:.1}\" y=\"{:.1}\">log10 K ∈ [{lo:.2}, {hi:.2}] (blue → red)</text>",
            PAD,
            H - 6.0
        );
    }
    frame("coupling K_αβ (log scale)", &body)
}

fn line_chart(title: &str, series: &[Vec<(f64, f64)>], x_label: &str, y_label: &str) -> String {
    let pts: Vec<&(f64, f64)> = series
        .iter()
        .flatten()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    if pts.is_empty() {
        return frame(title, "<text x=\"40\" y=\"150\">no data</text>");
    }
    let (xmin, xmax) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
        (a.min(p.0), b.max(p.0))
    });
    let (ymin, ymax) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
        (a.min(p.1), b.max(p.1))
    });
    let sx = |x: f64| PAD + (x - xmin) / (xmax - xmin).max(f64::MIN_POSITIVE) * (W - 2.0 * PAD);
    let sy = |y: f64| H - PAD - (y - ymin) / (ymax - ymin).max(f64::MIN_POSITIVE) * (H - 2.0 * PAD);
    let colors = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    ];
    let mut body = format!(
        "<line x1=\"{PAD}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"black\"/><line x1=\"{PAD}\" y1=\"{PAD}\" x2=\"{PAD}\" y2=\"{:.1}\" stroke=\"black\"/>",
        H - PAD,
        W - PAD,
        H - PAD,
        H - PAD
    );
    for (i, s) in series.iter().enumerate() {
        let path: Vec<String> = s
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
            .collect();
        body += &format!(
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/>",
            colors[i % colors.len()],
            path.join(" ")
        );
    }
    body += &format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{x_label} [{xmin:.3e}, {xmax:.3e}]</text>\
         <text x=\"10\" y=\"{:.1}\" transform=\"rotate(-90 10 {:.1})\" text-anchor=\"middle\">{y_label} [{ymin:.3e}, {ymax:.3e}]</text>",
        W / 2.0,
        H - 10.0,
        H / 2.0,
        H / 2.0
    );
    frame(title, &body)
}

/// All plots: `(file name, caption, svg)`.
pub(super) fn all(
    analysis: &ShellAnalysis,
    closure: &Closure,
    lsi: Option<&LsiFit>,
    h: f64,
) -> Vec<(String, String, String)> {
    let mut out = vec![(
        "coupling_heatmap.svg".to_string(),
        "Fitted closure rates K_αβ (energy from shell β into α), log scale".to_string(),
        heat_map(&closure.k, analysis.alpha_min),
    )];
    let times: Vec<f64> = analysis.snapshots.iter().map(|s| s.t).collect();
    let series: Vec<Vec<(f64, f64)>> = (0..analysis.shells)
        .map(|a| {
            times
                .iter()
                .enumerate()
                .filter(|(i, _)| analysis.energy_series[(*i, a)] > 0.0)
                .map(|(i, t)| (*t, analysis.energy_series[(i, a)].log10()))
                .collect()
        })
        .collect();
    out.push((
        "shell_energies.svg".into(),
        "Shell energies E_α(t) (log10), one line per shell".into(),
        line_chart("shell energies E_α(t)", &series, "t", "log10 E"),
    ));
    if let Some(fit) = lsi {
        let mut measured = Vec::new();
        let mut predicted = Vec::new();
        for a in 0..closure.k.nrows() {
            for b in 0..closure.k.ncols() {
                let v = closure.k[(a, b)];
                if a != b && v > 0.0 {
                    let d = a as i64 - b as i64;
                    let alpha = a as i64 + analysis.alpha_min;
                    let model = fit.gamma * h * alpha as f64 + fit.kappa.get(&d).copied().unwrap_or(0.0);
                    measured.push((model, v.ln()));
                    predicted.push((model, model));
                }
            }
        }
        predicted.sort_by(|p, q| p.0.total_cmp(&q.0));
        out.push((
            "lsi_fit.svg".into(),
            format!(
                "LSI fit: ln K against γhα + κ(α−β); γ = {:.4}, δ_LSI = {:.4}",
                fit.gamma, fit.defect
            ),
            line_chart(
                "LSI fit (diagonal: exact log-shift invariance)",
                &[measured, predicted],
                "model",
                "ln K",
            ),
        ));
    }
    out
}
