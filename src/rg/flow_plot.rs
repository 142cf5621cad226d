//! The Figure-2-style flow field as a self-contained SVG (hand-written strings, no plotting
//! dependency; same approach as the project's `conditions/plots.rs`).
//!
//! One panel per `τ`: a grid of unit-length arrows along `(dũ/dτ, dρ/dτ)` on the documented slice
//! (`A = 1`, `S² = e^{(β−α)τ} N^{α−β}`), each coloured by `ln N(ũ, ρ)` with
//! `N = |(dũ/dτ, dρ/dτ)|` on a colour scale shared by all panels, the r-nullcline `ũ = a/T(ρ)`
//! dashed black, optionally the `ũ`-nullcline and an integrated trajectory.
//!
//! Plotting is presentation, so it evaluates the same generic beta functions in `f64`; the
//! verified numbers live in [`crate::rg::flow`].

use std::fmt::Write as _;

use rug::Rational;

use crate::numeric::Precision;
use crate::rg::flow::{
    FlowParams, Trajectory, Truncation, beta_generic, r_nullcline_at, slice_target2, u_nullcline_at,
};

/// Why a figure could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlotError {
    /// A configuration value is unusable (empty range, zero grid, no panels).
    #[error("invalid figure configuration: {0}")]
    Config(String),
    /// The flow parameters are invalid.
    #[error(transparent)]
    Flow(#[from] crate::rg::flow::FlowError),
}

/// Layout and content of the flow-field figure.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowFigure {
    /// One panel per `τ`, left to right.
    pub taus: Vec<Rational>,
    /// Visible `ũ` range (horizontal axis).
    pub u_range: (f64, f64),
    /// Visible `ρ` range (vertical axis).
    pub rho_range: (f64, f64),
    /// Arrows per panel along `ũ` and along `ρ`.
    pub grid: (usize, usize),
    /// Side of one square panel in pixels.
    pub panel_px: f64,
    /// Title (escaped on output).
    pub title: String,
    /// Beta functions drawn.
    pub truncation: Truncation,
    /// Sample points along each nullcline.
    pub nullcline_samples: usize,
    /// Also draw the `ũ ≠ 0` branch of the `ũ`-nullcline (grey dotted; at `ũ < 0` for `c > 0`,
    /// so visible only if `u_range` includes negative values).
    pub show_u_nullcline: bool,
}

impl Default for FlowFigure {
    /// `τ ∈ {0, 1, 2, 3}`, `ũ ∈ [0, 2.5]`, `ρ ∈ [0, 2]`: the r-nullcline `ũ = a/T ≥ a/(1+S²)`
    /// sits at `ũ = O(1)`, so a window reaching `ũ ≈ 2.5` shows it for every `N ≲ 10²`
    /// at these `τ`; the perturbative corner `ũ ≲ 0.2` is nearly tree-level and shows only the
    /// inflow toward the GP fixed point.
    fn default() -> Self {
        FlowFigure {
            taus: (0..4).map(Rational::from).collect(),
            u_range: (0.0, 2.5),
            rho_range: (0.0, 2.0),
            grid: (15, 15),
            panel_px: 230.0,
            title: "RG flow field of (ũ, ρ)".into(),
            truncation: Truncation::OneLoop,
            nullcline_samples: 400,
            show_u_nullcline: true,
        }
    }
}

/// One arrow of the field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldSample {
    /// `ũ` at the arrow's centre.
    pub u: f64,
    /// `ρ` at the arrow's centre.
    pub rho: f64,
    /// `dũ/dτ`.
    pub du: f64,
    /// `dρ/dτ`.
    pub drho: f64,
    /// `ln N`, `N = |(dũ/dτ, dρ/dτ)|` (`−∞` at a zero of the field).
    pub ln_norm: f64,
}

fn check_range(name: &str, (lo, hi): (f64, f64)) -> Result<(), PlotError> {
    if lo.is_finite() && hi.is_finite() && hi > lo {
        Ok(())
    } else {
        Err(PlotError::Config(format!(
            "{name} range must be finite with lo < hi, got [{lo}, {hi}]"
        )))
    }
}

/// `S²` of the documented slice at `τ`, in `f64`.
fn slice_s2(params: &FlowParams, tau: &Rational) -> f64 {
    slice_target2(params, tau, Precision::from_bits(64)).to_f64()
}

/// The arrow grid of one panel (cell centres, row-major in `ρ` then `ũ`).
pub fn flow_field(
    params: &FlowParams,
    truncation: Truncation,
    tau: &Rational,
    u_range: (f64, f64),
    rho_range: (f64, f64),
    grid: (usize, usize),
) -> Result<Vec<FieldSample>, PlotError> {
    params.validate()?;
    check_range("u", u_range)?;
    check_range("rho", rho_range)?;
    if grid.0 == 0 || grid.1 == 0 {
        return Err(PlotError::Config(
            "grid must have at least one arrow per axis".into(),
        ));
    }
    let s2 = slice_s2(params, tau);
    let mut out = Vec::with_capacity(grid.0 * grid.1);
    for j in 0..grid.1 {
        let rho = rho_range.0 + (j as f64 + 0.5) / grid.1 as f64 * (rho_range.1 - rho_range.0);
        for i in 0..grid.0 {
            let u = u_range.0 + (i as f64 + 0.5) / grid.0 as f64 * (u_range.1 - u_range.0);
            // The pole ρ = −1 (only inside negative-ρ windows) has no arrow.
            let Some([du, drho, _, _]) = beta_generic(params, truncation, &[u, rho, 1.0, s2]) else {
                continue;
            };
            out.push(FieldSample {
                u,
                rho,
                du,
                drho,
                ln_norm: du.hypot(drho).ln(),
            });
        }
    }
    Ok(out)
}

/// The r-nullcline `ũ = a/T(ρ)` on the slice at `τ`, sampled at `samples` values of `ρ > 0` in
/// `rho_range`, as `(ũ, ρ)` pairs.
pub fn r_nullcline_points(
    params: &FlowParams,
    tau: &Rational,
    rho_range: (f64, f64),
    samples: usize,
) -> Vec<(f64, f64)> {
    let s2 = slice_s2(params, tau);
    sample_rho(rho_range, samples)
        .filter(|rho| *rho > 0.0)
        .filter_map(|rho| r_nullcline_at(params, &s2, &rho).map(|u| (u, rho)))
        .filter(|(u, _)| u.is_finite())
        .collect()
}

/// The `ũ ≠ 0` branch of the `ũ`-nullcline, `ũ = −c/B(ρ)`, on the slice at `τ`.
pub fn u_nullcline_points(
    params: &FlowParams,
    tau: &Rational,
    rho_range: (f64, f64),
    samples: usize,
) -> Vec<(f64, f64)> {
    let s2 = slice_s2(params, tau);
    sample_rho(rho_range, samples)
        .filter_map(|rho| u_nullcline_at(params, &s2, &rho).map(|u| (u, rho)))
        .filter(|(u, _)| u.is_finite())
        .collect()
}

fn sample_rho((lo, hi): (f64, f64), samples: usize) -> impl Iterator<Item = f64> {
    let n = samples.max(2);
    (0..n).map(move |k| lo + (hi - lo) * k as f64 / (n - 1) as f64)
}

/// Escapes text for SVG character data and attribute values.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Approximate viridis (five stops, linear in between): perceptually ordered and legible in
/// greyscale, which a red–blue ramp is not.
fn colour(t: f64) -> String {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * (STOPS.len() - 1) as f64;
    let k = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - k as f64;
    let (a, b) = (STOPS[k], STOPS[k + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    format!("rgb({},{},{})", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Tick positions at 1, 2 or 5 times a power of ten, about `target` of them.
fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let span = hi - lo;
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

fn tick_label(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

const MARGIN_L: f64 = 56.0;
const MARGIN_T: f64 = 64.0;
const MARGIN_B: f64 = 70.0;
const GAP: f64 = 34.0;
const BAR_W: f64 = 16.0;
const BAR_PAD: f64 = 70.0;

/// The whole figure as an SVG document. `overlay` (if any) is drawn in every panel as the path of
/// its `(ũ, ρ)` projection, with a dot at the recorded state nearest to the panel's `τ`; its own
/// `A` and `S²` are those of the trajectory, not of the slice.
pub fn flow_figure_svg(
    params: &FlowParams,
    fig: &FlowFigure,
    overlay: Option<&Trajectory>,
) -> Result<String, PlotError> {
    params.validate()?;
    if fig.taus.is_empty() {
        return Err(PlotError::Config("at least one panel (tau) is required".into()));
    }
    if !(fig.panel_px.is_finite() && fig.panel_px >= 40.0) {
        return Err(PlotError::Config("panel_px must be at least 40".into()));
    }
    let fields: Vec<Vec<FieldSample>> = fig
        .taus
        .iter()
        .map(|tau| flow_field(params, fig.truncation, tau, fig.u_range, fig.rho_range, fig.grid))
        .collect::<Result<_, _>>()?;
    let (lo, hi) = fields
        .iter()
        .flatten()
        .map(|s| s.ln_norm)
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let (lo, hi) = if lo.is_finite() {
        if hi > lo { (lo, hi) } else { (lo - 0.5, hi + 0.5) }
    } else {
        (0.0, 1.0)
    };
    let pw = fig.panel_px;
    let n = fig.taus.len() as f64;
    let width = MARGIN_L + n * pw + (n - 1.0) * GAP + BAR_PAD + BAR_W + 50.0;
    let height = MARGIN_T + pw + MARGIN_B;
    let (u0, u1) = fig.u_range;
    let (r0, r1) = fig.rho_range;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"sans-serif\" font-size=\"11\">\
         <rect width=\"{width:.0}\" height=\"{height:.0}\" fill=\"white\"/>\
         <text x=\"{:.1}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">{}</text>",
        width / 2.0,
        escape(&fig.title)
    );
    let a_txt = params.a().to_string();
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"38\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
        width / 2.0,
        escape(&format!(
            "α = {}, β = {}, ω = {}, N = {}; slice A = 1, S² = e^((β−α)τ) N^(α−β)",
            params.alpha, params.beta, params.omega, params.modes
        ))
    );
    let overlay_pts: Vec<(f64, f64, f64)> = overlay
        .map(|t| {
            let pts = if t.steps.is_empty() { &t.outputs } else { &t.steps };
            pts.iter()
                .map(|p| (p.tau.to_f64(), p.state.u.to_f64(), p.state.rho.to_f64()))
                .filter(|(a, b, c)| a.is_finite() && b.is_finite() && c.is_finite())
                .collect()
        })
        .unwrap_or_default();
    let cell = (pw / fig.grid.0 as f64).min(pw / fig.grid.1 as f64);
    let len = 0.8 * cell;
    for (k, (tau, field)) in fig.taus.iter().zip(&fields).enumerate() {
        let x0 = MARGIN_L + k as f64 * (pw + GAP);
        let y0 = MARGIN_T;
        let sx = move |u: f64| x0 + (u - u0) / (u1 - u0) * pw;
        let sy = move |r: f64| y0 + pw - (r - r0) / (r1 - r0) * pw;
        let _ = write!(
            svg,
            "<defs><clipPath id=\"panel{k}\"><rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{pw:.1}\" height=\"{pw:.1}\"/></clipPath></defs>\
             <rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{pw:.1}\" height=\"{pw:.1}\" fill=\"#f8f8f8\" stroke=\"black\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\">τ = {}</text>",
            x0 + pw / 2.0,
            y0 - 7.0,
            escape(&tau.to_string())
        );
        for t in nice_ticks(u0, u1, 5) {
            let x = sx(t);
            let _ = write!(
                svg,
                "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"black\"/>\
                 <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                y0 + pw,
                y0 + pw + 4.0,
                y0 + pw + 16.0,
                tick_label(t)
            );
        }
        for t in nice_ticks(r0, r1, 5) {
            let y = sy(t);
            let _ = write!(
                svg,
                "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{x0:.1}\" y2=\"{y:.1}\" stroke=\"black\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                x0 - 4.0,
                x0 - 6.0,
                y + 4.0,
                tick_label(t)
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\">ũ</text>",
            x0 + pw / 2.0,
            y0 + pw + 32.0
        );
        if k == 0 {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 {:.1} {:.1})\">ρ</text>",
                x0 - 36.0,
                y0 + pw / 2.0,
                x0 - 36.0,
                y0 + pw / 2.0
            );
        }
        let _ = write!(svg, "<g clip-path=\"url(#panel{k})\">");
        for s in field {
            let (cx, cy) = (sx(s.u), sy(s.rho));
            // Direction in screen space, so arrows are unit length on screen whatever the
            // aspect ratio of the data window.
            let vx = s.du / (u1 - u0) * pw;
            let vy = -s.drho / (r1 - r0) * pw;
            let m = vx.hypot(vy);
            let col = colour((s.ln_norm - lo) / (hi - lo));
            if !(m.is_finite() && m > 0.0) {
                let _ = write!(
                    svg,
                    "<circle class=\"arrow\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"1.5\" fill=\"{col}\"/>"
                );
                continue;
            }
            let (ux, uy) = (vx / m, vy / m);
            let (ax, ay) = (cx - ux * len / 2.0, cy - uy * len / 2.0);
            let (bx, by) = (cx + ux * len / 2.0, cy + uy * len / 2.0);
            let head = 0.35 * len;
            let (c, s_) = (0.906_307_787, 0.422_618_262); // cos, sin of 25°
            let h1 = (bx - head * (ux * c - uy * s_), by - head * (uy * c + ux * s_));
            let h2 = (bx - head * (ux * c + uy * s_), by - head * (uy * c - ux * s_));
            let _ = write!(
                svg,
                "<path class=\"arrow\" d=\"M{ax:.1},{ay:.1}L{bx:.1},{by:.1}M{:.1},{:.1}L{bx:.1},{by:.1}L{:.1},{:.1}\" \
                 stroke=\"{col}\" stroke-width=\"1.4\" fill=\"none\"/>",
                h1.0, h1.1, h2.0, h2.1
            );
        }
        let pad_u = u1 - u0;
        let inside = |u: f64, r: f64| u >= u0 - pad_u && u <= u1 + pad_u && r.is_finite();
        let polylines = |pts: &[(f64, f64)]| -> Vec<String> {
            let mut out = Vec::new();
            let mut cur: Vec<String> = Vec::new();
            for &(u, r) in pts {
                if inside(u, r) {
                    cur.push(format!("{:.1},{:.1}", sx(u), sy(r)));
                } else if !cur.is_empty() {
                    out.push(cur.join(" "));
                    cur.clear();
                }
            }
            if cur.len() > 1 {
                out.push(cur.join(" "));
            }
            out.retain(|s| s.contains(' '));
            out
        };
        for line in polylines(&r_nullcline_points(
            params,
            tau,
            fig.rho_range,
            fig.nullcline_samples,
        )) {
            let _ = write!(
                svg,
                "<polyline class=\"r-nullcline\" points=\"{line}\" fill=\"none\" stroke=\"black\" stroke-width=\"1.6\" stroke-dasharray=\"6,4\"/>"
            );
        }
        if fig.show_u_nullcline {
            for line in polylines(&u_nullcline_points(
                params,
                tau,
                fig.rho_range,
                fig.nullcline_samples,
            )) {
                let _ = write!(
                    svg,
                    "<polyline class=\"u-nullcline\" points=\"{line}\" fill=\"none\" stroke=\"#666\" stroke-width=\"1.2\" stroke-dasharray=\"2,3\"/>"
                );
            }
        }
        if !overlay_pts.is_empty() {
            let path: Vec<(f64, f64)> = overlay_pts.iter().map(|(_, u, r)| (*u, *r)).collect();
            for line in polylines(&path) {
                let _ = write!(
                    svg,
                    "<polyline class=\"trajectory\" points=\"{line}\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.8\"/>"
                );
            }
            let t = tau.to_f64();
            let (t_first, t_last) = (overlay_pts[0].0, overlay_pts[overlay_pts.len() - 1].0);
            if t >= t_first.min(t_last)
                && t <= t_first.max(t_last)
                && let Some((_, u, r)) = overlay_pts
                    .iter()
                    .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
            {
                let _ = write!(
                    svg,
                    "<circle class=\"trajectory-now\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"#d62728\" stroke=\"white\"/>",
                    sx(*u),
                    sy(*r)
                );
            }
        }
        svg.push_str("</g>");
    }
    // Colour bar shared by all panels.
    let bx = MARGIN_L + n * pw + (n - 1.0) * GAP + BAR_PAD / 2.0;
    let slices = 64;
    let sh = pw / slices as f64;
    for k in 0..slices {
        let t = (k as f64 + 0.5) / slices as f64;
        let _ = write!(
            svg,
            "<rect x=\"{bx:.1}\" y=\"{:.2}\" width=\"{BAR_W}\" height=\"{:.2}\" fill=\"{}\"/>",
            MARGIN_T + pw - (k as f64 + 1.0) * sh,
            sh + 0.3,
            colour(t)
        );
    }
    let _ = write!(
        svg,
        "<rect class=\"colourbar\" x=\"{bx:.1}\" y=\"{MARGIN_T:.1}\" width=\"{BAR_W}\" height=\"{pw:.1}\" fill=\"none\" stroke=\"black\"/>"
    );
    for v in nice_ticks(lo, hi, 5) {
        let y = MARGIN_T + pw - (v - lo) / (hi - lo) * pw;
        let _ = write!(
            svg,
            "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"black\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            bx + BAR_W,
            bx + BAR_W + 4.0,
            bx + BAR_W + 6.0,
            y + 4.0,
            tick_label(v)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">ln N</text>",
        bx + BAR_W / 2.0,
        MARGIN_T - 6.0
    );
    let _ = write!(
        svg,
        "<text x=\"{MARGIN_L:.1}\" y=\"{:.1}\" font-size=\"10\">{}</text>",
        height - 10.0,
        escape(&format!(
            "arrows: direction of (dũ/dτ, dρ/dτ), colour ln N with N the vector norm; dashed: r-nullcline ũ = a/T(ρ), a = {a_txt}{}{}",
            if fig.show_u_nullcline {
                "; dotted: ũ-nullcline ũ = −c/B(ρ)"
            } else {
                ""
            },
            if overlay.is_some() {
                "; red: trajectory"
            } else {
                ""
            }
        ))
    );
    svg.push_str("</svg>");
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rg::flow::{FlowState, IntegratorOptions, Method, integrate_flow};
    use rug::Float;

    /// Minimal well-formedness: every tag closes in order, no raw `<` or `&` in text.
    fn well_formed(svg: &str) -> Result<(), String> {
        let mut stack: Vec<String> = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            let text = &rest[..start];
            if let Some(amp) = text.find('&') {
                let ent = &text[amp..];
                if !["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                    .iter()
                    .any(|e| ent.starts_with(e))
                {
                    return Err(format!("raw & in text: {ent:.20}"));
                }
            }
            let end = rest[start..].find('>').ok_or("unterminated tag")? + start;
            let tag = &rest[start + 1..end];
            if tag[1..].contains('<') {
                return Err(format!("< inside tag {tag:.40}"));
            }
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().ok_or("close without open")?;
                if open != name {
                    return Err(format!("</{name}> closes <{open}>"));
                }
            } else if !tag.ends_with('/') {
                let name = tag.split_whitespace().next().unwrap_or("").to_string();
                stack.push(name);
            }
            rest = &rest[end + 1..];
        }
        if stack.is_empty() {
            Ok(())
        } else {
            Err(format!("unclosed {stack:?}"))
        }
    }

    #[test]
    fn figure_has_all_parts_and_is_well_formed() {
        let p = FlowParams::figure2(10).expect("valid");
        let fig = FlowFigure {
            title: "Fig. 2 <script>alert('x')</script> & \"quotes\"".into(),
            ..FlowFigure::default()
        };
        let svg = flow_figure_svg(&p, &fig, None).expect("draws");
        well_formed(&svg).expect("well-formed");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("<script"));
        assert!(
            svg.contains("Fig. 2 &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;")
        );
        assert_eq!(svg.matches("class=\"arrow\"").count(), 4 * 15 * 15);
        for k in 0..4 {
            assert!(svg.contains(&format!("clipPath id=\"panel{k}\"")));
        }
        // The r-nullcline enters the default window in every panel for N = 10.
        assert!(svg.matches("class=\"r-nullcline\"").count() >= 4);
        assert!(svg.contains("stroke-dasharray=\"6,4\""));
        assert!(svg.contains("class=\"colourbar\"") && svg.contains("ln N"));
        assert!(svg.contains("τ = 3"));
    }

    #[test]
    fn overlay_and_configuration_errors() {
        let p = FlowParams::figure2(10).expect("valid");
        let opts = IntegratorOptions::new(Method::DormandPrince54, 12);
        let prec = opts.precision();
        let init = FlowState::from_rationals(
            &Rational::from((3, 2)),
            &Rational::from((3, 2)),
            &Rational::from(1),
            &Rational::from((1, 10)),
            prec,
        );
        let outs: Vec<Rational> = (1..=3).map(Rational::from).collect();
        let traj =
            integrate_flow(&p, Truncation::OneLoop, &init, &Rational::new(), &outs, &opts).expect("ok");
        let svg = flow_figure_svg(&p, &FlowFigure::default(), Some(&traj)).expect("draws");
        well_formed(&svg).expect("well-formed");
        assert_eq!(svg.matches("class=\"trajectory-now\"").count(), 4);
        let bad = FlowFigure {
            u_range: (1.0, 1.0),
            ..FlowFigure::default()
        };
        assert!(matches!(
            flow_figure_svg(&p, &bad, None),
            Err(PlotError::Config(_))
        ));
        let bad = FlowFigure {
            taus: vec![],
            ..FlowFigure::default()
        };
        assert!(matches!(
            flow_figure_svg(&p, &bad, None),
            Err(PlotError::Config(_))
        ));
        let bad = FlowFigure {
            grid: (0, 3),
            ..FlowFigure::default()
        };
        assert!(matches!(
            flow_figure_svg(&p, &bad, None),
            Err(PlotError::Config(_))
        ));
    }

    #[test]
    fn field_samples_match_the_mpfr_beta_functions() {
        let p = FlowParams::figure2(10).expect("valid");
        let tau = Rational::from(2);
        let field = flow_field(&p, Truncation::OneLoop, &tau, (0.0, 2.5), (0.0, 2.0), (5, 4)).expect("ok");
        assert_eq!(field.len(), 20);
        let prec = crate::numeric::Precision::from_bits(128);
        for s in &field {
            let st = FlowState::on_slice(
                &p,
                &tau,
                &Float::with_val(prec.bits(), s.u),
                &Float::with_val(prec.bits(), s.rho),
                prec,
            );
            let b = crate::rg::flow::beta_functions(&p, Truncation::OneLoop, &st, prec).expect("ok");
            let (du, dr) = (b.u.to_f64(), b.rho.to_f64());
            assert!((s.du - du).abs() <= 1e-12 * du.abs().max(1.0));
            assert!((s.drho - dr).abs() <= 1e-12 * dr.abs().max(1.0));
            assert!((s.ln_norm - du.hypot(dr).ln()).abs() <= 1e-12);
        }
        // Left of the r-nullcline ρ decays, right of it ρ grows.
        let s2 = slice_s2(&p, &tau);
        let rho = 1.0;
        let un = r_nullcline_at(&p, &s2, &rho).expect("T > 0");
        let below = beta_generic(&p, Truncation::OneLoop, &[0.9 * un, rho, 1.0, s2]).expect("ok");
        let above = beta_generic(&p, Truncation::OneLoop, &[1.1 * un, rho, 1.0, s2]).expect("ok");
        assert!(below[1] < 0.0 && above[1] > 0.0);
    }

    #[test]
    fn ticks_and_colours() {
        assert_eq!(nice_ticks(0.0, 2.0, 5), vec![0.0, 0.5, 1.0, 1.5, 2.0]);
        assert_eq!(tick_label(0.5), "0.5");
        assert_eq!(tick_label(2.0), "2");
        assert_eq!(colour(0.0), "rgb(68,1,84)");
        assert_eq!(colour(1.0), "rgb(253,231,37)");
        assert_eq!(colour(f64::NAN), "rgb(68,1,84)");
    }
}
