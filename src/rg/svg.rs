//! Small self-contained SVG charts for the RG figures (no plotting dependency): panels of
//! lines and points with error bars on linear or logarithmic axes, laid out in a grid.
//!
//! Plot coordinates are `f64` on purpose: a figure is a picture of numbers whose verified
//! values live in the JSON/CSV next to it.

use std::fmt::Write;

/// How a series is drawn.
#[derive(Debug, Clone)]
pub enum Style {
    /// A polyline; `dash` is an SVG dash array (empty for solid).
    Line {
        /// CSS colour.
        color: String,
        /// SVG `stroke-dasharray`, or empty.
        dash: String,
    },
    /// Dots with optional error bars.
    Dots {
        /// CSS colour.
        color: String,
    },
}

/// One data series.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// `(x, y)` points; non-finite points (and non-positive ones on a log axis) are skipped.
    pub points: Vec<(f64, f64)>,
    /// Symmetric error bars (same length as `points`), or empty.
    pub errors: Vec<f64>,
    /// Drawing style.
    pub style: Style,
}

impl Series {
    /// A solid or dashed line.
    pub fn line(label: &str, color: &str, dash: &str, points: Vec<(f64, f64)>) -> Series {
        Series {
            label: label.into(),
            points,
            errors: Vec::new(),
            style: Style::Line {
                color: color.into(),
                dash: dash.into(),
            },
        }
    }

    /// Dots with error bars.
    pub fn dots(label: &str, color: &str, points: Vec<(f64, f64)>, errors: Vec<f64>) -> Series {
        Series {
            label: label.into(),
            points,
            errors,
            style: Style::Dots { color: color.into() },
        }
    }
}

/// One panel.
#[derive(Debug, Clone, Default)]
pub struct Panel {
    /// Panel title.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// The data.
    pub series: Vec<Series>,
    /// A horizontal reference line (e.g. `0` on a residual panel).
    pub hline: Option<f64>,
}

const PW: f64 = 430.0;
const PH: f64 = 300.0;
const ML: f64 = 62.0;
const MR: f64 = 12.0;
const MT: f64 = 26.0;
const MB: f64 = 44.0;

/// Escapes text for SVG/XML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn fmt_tick(v: f64, log: bool) -> String {
    if log {
        // Ticks sit at fractional decades; print the value they mark, not a rounded decade.
        let value = 10f64.powf(v);
        if (1e-2..1e4).contains(&value) {
            format!("{}", (value * 1000.0).round() / 1000.0)
        } else {
            format!("{value:.1e}")
        }
    } else if v.abs() >= 1e4 || (v.abs() < 1e-2 && v.abs() > 0.0) {
        format!("{v:.1e}")
    } else {
        format!("{}", (v * 1000.0).round() / 1000.0)
    }
}

fn panel_svg(p: &Panel, ox: f64, oy: f64) -> String {
    let tx = |v: f64| if p.log_x { v.log10() } else { v };
    let ty = |v: f64| if p.log_y { v.log10() } else { v };
    let ok =
        |x: f64, y: f64| x.is_finite() && y.is_finite() && (!p.log_x || x > 0.0) && (!p.log_y || y > 0.0);
    let (mut x0, mut x1, mut y0, mut y1) =
        (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for s in &p.series {
        for (i, &(x, y)) in s.points.iter().enumerate() {
            if !ok(x, y) {
                continue;
            }
            let e = s.errors.get(i).copied().unwrap_or(0.0);
            x0 = x0.min(tx(x));
            x1 = x1.max(tx(x));
            for v in [y - e, y, y + e] {
                if ok(x, v) {
                    y0 = y0.min(ty(v));
                    y1 = y1.max(ty(v));
                }
            }
        }
    }
    if let Some(h) = p.hline.filter(|h| ok(1.0, *h)) {
        y0 = y0.min(ty(h));
        y1 = y1.max(ty(h));
    }
    if !(x0.is_finite() && y0.is_finite()) {
        return String::new();
    }
    let pad = |lo: f64, hi: f64| {
        let span = if hi > lo { hi - lo } else { 1.0 };
        (lo - 0.04 * span, hi + 0.04 * span)
    };
    let (x0, x1) = pad(x0, x1);
    let (y0, y1) = pad(y0, y1);
    let (w, h) = (PW - ML - MR, PH - MT - MB);
    let sx = |v: f64| ox + ML + (tx(v) - x0) / (x1 - x0) * w;
    let sy = |v: f64| oy + MT + (1.0 - (ty(v) - y0) / (y1 - y0)) * h;
    let mut out = String::new();
    let _ = write!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{w}\" height=\"{h}\" fill=\"none\" stroke=\"#444\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\">{}</text>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\
         <text transform=\"translate({},{}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        ox + ML,
        oy + MT,
        ox + ML + w / 2.0,
        oy + 16.0,
        escape(&p.title),
        ox + ML + w / 2.0,
        oy + PH - 8.0,
        escape(&p.x_label),
        ox + 14.0,
        oy + MT + h / 2.0,
        escape(&p.y_label)
    );
    for i in 0..=4 {
        let f = i as f64 / 4.0;
        let (vx, vy) = (x0 + f * (x1 - x0), y0 + f * (y1 - y0));
        let (px, py) = (ox + ML + f * w, oy + MT + (1.0 - f) * h);
        let _ = write!(
            out,
            "<text x=\"{px}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\">{}</text>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"10\">{}</text>",
            oy + MT + h + 14.0,
            fmt_tick(vx, p.log_x),
            ox + ML - 4.0,
            py + 3.0,
            fmt_tick(vy, p.log_y)
        );
    }
    if let Some(hv) = p.hline.filter(|hv| ok(1.0, *hv)) {
        let _ = write!(
            out,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#888\" stroke-dasharray=\"2,3\"/>",
            ox + ML,
            ox + ML + w,
            y = sy(hv)
        );
    }
    for (idx, s) in p.series.iter().enumerate() {
        let (color, legend_mark) = match &s.style {
            Style::Line { color, dash } => {
                let pts: Vec<String> = s
                    .points
                    .iter()
                    .filter(|(x, y)| ok(*x, *y))
                    .map(|&(x, y)| format!("{:.2},{:.2}", sx(x), sy(y)))
                    .collect();
                let _ = write!(
                    out,
                    "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\" stroke-dasharray=\"{dash}\" points=\"{}\"/>",
                    pts.join(" ")
                );
                (color.clone(), format!("stroke-dasharray=\"{dash}\""))
            }
            Style::Dots { color } => {
                for (i, &(x, y)) in s.points.iter().enumerate() {
                    if !ok(x, y) {
                        continue;
                    }
                    let e = s.errors.get(i).copied().unwrap_or(0.0);
                    if e > 0.0 && ok(x, y - e) {
                        let _ = write!(
                            out,
                            "<line x1=\"{px}\" x2=\"{px}\" y1=\"{}\" y2=\"{}\" stroke=\"{color}\"/>",
                            sy(y - e),
                            sy(y + e),
                            px = sx(x)
                        );
                    }
                    let _ = write!(
                        out,
                        "<circle cx=\"{:.2}\" cy=\"{:.2}\" r=\"2.2\" fill=\"{color}\"/>",
                        sx(x),
                        sy(y)
                    );
                }
                (color.clone(), String::new())
            }
        };
        let ly = oy + MT + 12.0 + 13.0 * idx as f64;
        let lx = ox + PW - MR - 150.0;
        let _ = write!(
            out,
            "<line x1=\"{lx}\" x2=\"{}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"2\" {legend_mark}/>\
             <text x=\"{}\" y=\"{}\" font-size=\"10\">{}</text>",
            lx + 16.0,
            lx + 20.0,
            ly + 3.0,
            escape(&s.label)
        );
    }
    out
}

/// A figure: `panels` laid out `columns` per row, with an overall title.
pub fn figure(title: &str, panels: &[Panel], columns: usize) -> String {
    let columns = columns.max(1);
    let rows = panels.len().div_ceil(columns).max(1);
    let (w, h) = (PW * columns as f64, PH * rows as f64 + 24.0);
    let mut body = String::new();
    for (i, p) in panels.iter().enumerate() {
        body.push_str(&panel_svg(
            p,
            PW * (i % columns) as f64,
            24.0 + PH * (i / columns) as f64,
        ));
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         font-family=\"sans-serif\" font-size=\"11\"><rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\
         <text x=\"{}\" y=\"17\" text-anchor=\"middle\" font-size=\"14\">{}</text>{body}</svg>\n",
        w / 2.0,
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_valid_looking_svg_and_escapes_text() {
        let p = Panel {
            title: "a<b".into(),
            log_x: true,
            log_y: true,
            series: vec![
                Series::line("line", "blue", "", vec![(1.0, 1.0), (10.0, 0.1), (0.0, 1.0)]),
                Series::dots("dots", "red", vec![(2.0, 0.5)], vec![0.1]),
            ],
            ..Panel::default()
        };
        let svg = figure("t & u", &[p.clone(), p], 2);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("a&lt;b") && svg.contains("t &amp; u"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }
}
