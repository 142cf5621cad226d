//! The Figure-2-style flow field: the field, nullcline and trajectory computations, and the
//! figure built from them on the crate's one plotting layer ([`crate::plot`]).
//!
//! One panel per `τ`: a grid of unit-length arrows along `(dũ/dτ, dρ/dτ)` on the documented slice
//! (`A = 1`, `S² = e^{(β−α)τ} N^{α−β}`), each coloured by `ln N(ũ, ρ)` with
//! `N = |(dũ/dτ, dρ/dτ)|` on a colour scale shared by all panels, the r-nullcline `ũ = a/T(ρ)`
//! dashed black, optionally the `ũ`-nullcline and an integrated trajectory.
//!
//! Plotting is presentation, so it evaluates the same generic beta functions in `f64`; the
//! verified numbers live in [`crate::rg::flow`].

use rug::Rational;

use crate::numeric::Precision;
use crate::plot::{Arrow, Axis, ColourBar, ColourScale, Dash, Figure, Panel, Rgb, Series};
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

const MARGIN_X: f64 = 96.0;
const MARGIN_Y: f64 = 86.0;

/// The whole figure on the crate's plotting layer ([`crate::plot`]): one square panel per `τ`
/// (two per row from four panels on), a shared colour bar for `ln N`, a shared legend.
/// `overlay` (if any) is drawn in every panel as the path of its `(ũ, ρ)` projection, with a
/// marked, annotated point at the recorded state nearest to the panel's `τ`; its own `A` and
/// `S²` are those of the trajectory, not of the slice.
pub fn flow_figure(
    params: &FlowParams,
    fig: &FlowFigure,
    overlay: Option<&Trajectory>,
) -> Result<Figure, PlotError> {
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
    let scale = ColourScale::fit(fields.iter().flatten().map(|s| s.ln_norm), false);
    let overlay_pts: Vec<(f64, f64, f64)> = overlay
        .map(|t| {
            let pts = if t.steps.is_empty() { &t.outputs } else { &t.steps };
            pts.iter()
                .map(|p| (p.tau.to_f64(), p.state.u.to_f64(), p.state.rho.to_f64()))
                .filter(|(a, b, c)| a.is_finite() && b.is_finite() && c.is_finite())
                .collect()
        })
        .unwrap_or_default();
    let pw = fig.panel_px;
    let cell = (pw / fig.grid.0 as f64).min(pw / fig.grid.1 as f64);
    let a_txt = params.a().to_string();
    let mut panels = Vec::with_capacity(fig.taus.len());
    for (tau, field) in fig.taus.iter().zip(&fields) {
        let mut panel = Panel::new(
            &format!("τ = {tau}"),
            Axis::linear("ũ").range(fig.u_range.0, fig.u_range.1),
            Axis::linear("ρ").range(fig.rho_range.0, fig.rho_range.1),
        );
        panel.aspect = Some(1.0);
        let arrows = field
            .iter()
            .map(|s| Arrow {
                x: s.u,
                y: s.rho,
                dx: s.du,
                dy: s.drho,
                value: s.ln_norm,
            })
            .collect();
        panel.series.push(
            Series::arrows(
                "direction of (dũ/dτ, dρ/dτ), colour ln N",
                arrows,
                scale,
                0.8 * cell,
            )
            .class("arrow"),
        );
        panel.series.push(
            Series::dashed(
                &format!("r-nullcline ũ = a/T(ρ), a = {a_txt}"),
                Rgb::BLACK,
                Dash::Dashed,
                r_nullcline_points(params, tau, fig.rho_range, fig.nullcline_samples),
            )
            .class("r-nullcline"),
        );
        if fig.show_u_nullcline {
            panel.series.push(
                Series::dashed(
                    "ũ-nullcline ũ = −c/B(ρ)",
                    Rgb::GREY,
                    Dash::Dotted,
                    u_nullcline_points(params, tau, fig.rho_range, fig.nullcline_samples),
                )
                .width(1.2)
                .class("u-nullcline"),
            );
        }
        if !overlay_pts.is_empty() {
            panel.series.push(
                Series::line(
                    "trajectory",
                    Rgb::RED,
                    overlay_pts.iter().map(|(_, u, r)| (*u, *r)).collect(),
                )
                .width(1.8)
                .class("trajectory"),
            );
            let t = tau.to_f64();
            let (t_first, t_last) = (overlay_pts[0].0, overlay_pts[overlay_pts.len() - 1].0);
            if t >= t_first.min(t_last)
                && t <= t_first.max(t_last)
                && let Some((_, u, r)) = overlay_pts
                    .iter()
                    .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
            {
                panel.series.push(
                    Series::annotated(
                        "state at the panel's τ",
                        Rgb::RED,
                        vec![(*u, *r)],
                        vec![format!("τ = {tau}")],
                    )
                    .class("trajectory-now"),
                );
            }
        }
        panels.push(panel);
    }
    let n = fig.taus.len();
    let columns = if n <= 3 { n } else { 2 };
    let mut out = Figure::new(&fig.title, panels, columns);
    out.subtitle = format!(
        "α = {}, β = {}, ω = {}, N = {}; slice A = 1, S² = e^((β−α)τ) N^(α−β)",
        params.alpha, params.beta, params.omega, params.modes
    );
    out.cell = (pw + MARGIN_X, pw + MARGIN_Y);
    out.colour_bar = Some(ColourBar {
        label: "ln N,  N = |(dũ/dτ, dρ/dτ)|".into(),
        scale,
    });
    out.shared_legend = true;
    Ok(out)
}

/// [`flow_figure`] as an SVG document.
pub fn flow_figure_svg(
    params: &FlowParams,
    fig: &FlowFigure,
    overlay: Option<&Trajectory>,
) -> Result<String, PlotError> {
    Ok(flow_figure(params, fig, overlay)?.to_svg())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rg::flow::{FlowState, IntegratorOptions, Method, integrate_flow};
    use rug::Float;

    use crate::plot::tests::{pdf_structure, well_formed};

    #[test]
    fn figure_has_all_parts_and_is_well_formed() {
        let p = FlowParams::figure2(10).expect("valid");
        let fig = FlowFigure {
            title: "Fig. 2 <script>alert('x')</script> & \"quotes\"".into(),
            ..FlowFigure::default()
        };
        let svg = flow_figure_svg(&p, &fig, None).expect("draws");
        well_formed(&svg).expect("well-formed");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(!svg.contains("<script"));
        assert!(
            svg.contains("Fig. 2 &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;")
        );
        assert_eq!(svg.matches("class=\"arrow\"").count(), 4 * 15 * 15);
        for k in 0..4 {
            assert!(svg.contains(&format!("-panel{k}\"><rect")));
        }
        // The r-nullcline enters the default window in every panel for N = 10.
        assert!(svg.matches("class=\"r-nullcline\"").count() >= 4);
        assert!(svg.contains("stroke-dasharray=\"6,4\""));
        assert!(svg.contains("class=\"colourbar\"") && svg.contains("ln N"));
        assert!(svg.contains("τ = 3"));
        // Both axes labelled in every panel, one shared legend naming every drawn element.
        assert_eq!(svg.matches(">ũ</text>").count(), 4);
        assert_eq!(svg.matches(">ρ</text>").count(), 4);
        for label in [
            "direction of (dũ/dτ, dρ/dτ), colour ln N",
            "r-nullcline ũ = a/T(ρ)",
        ] {
            assert_eq!(svg.matches(label).count(), 1, "{label}");
        }
        // The ũ-nullcline is listed exactly when some panel shows a piece of it.
        let shown = fig.taus.iter().any(|tau| {
            u_nullcline_points(&p, tau, fig.rho_range, fig.nullcline_samples)
                .iter()
                .any(|(u, _)| *u >= fig.u_range.0 && *u <= fig.u_range.1)
        });
        assert_eq!(svg.matches("ũ-nullcline ũ = −c/B(ρ)").count(), usize::from(shown));
        let pdf = flow_figure(&p, &fig, None).expect("draws").to_pdf();
        pdf_structure(&pdf).expect("valid pdf");
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
        assert!(svg.contains(">trajectory</text>") && svg.contains(">τ = 2</text>"));
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
    fn colours_are_viridis() {
        assert_eq!(crate::plot::viridis(0.0), Rgb(68, 1, 84));
        assert_eq!(crate::plot::viridis(1.0), Rgb(253, 231, 37));
        assert_eq!(crate::plot::viridis(f64::NAN), Rgb(68, 1, 84));
    }
}
