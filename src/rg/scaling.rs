//! The neural scaling law (Fig. 5 structure): loss per sample `⟨L⟩/P` against `P` at fixed
//! ridge `r` and cutoff `N`, for the GP and for the interacting model, discrete sums against
//! continuum forms.
//!
//! * GP, discrete: the certified sum over `k ≤ N` ([`curve`](super::curve)).
//! * GP, continuum: the integrals `∫_0^N dk` of the bias and variance summands (the continuum
//!   with the model's cutoff; without the cutoff they are `C_B x^{−β/(1+α)} + C_V x^{−α/(1+α)}`,
//!   docs/theory.md §3.4, which at `α = 0.2` and any feasible `N` misses a variance tail
//!   `≈ N^{−α}/α` of order one). Computed by double-exponential quadrature at 30 digits.
//! * Interacting, discrete: `Σ_k (⟨Δ_k⟩² + ⟨Δ_k²⟩_c)` from the renormalized theory
//!   ([`theory`](super::theory)); first order alongside.
//! * Interacting, continuum (ours): the GP continuum with the kernel amplitude `A` that the flow
//!   has reached at the learning scale `k* = x^{1/(1+α)}` (the mode with `xλ = 1`): bias
//!   integral at `x/A` plus variance integral at `x/A` divided by `A`, since `⟨Δ⟩` depends on `A` through `x/A` and the
//!   variance carries an extra `1/A` (`proofs/rg_one_loop.toml`).

use super::curve::learning_curve;
use super::model::Model;
use super::predict;
use super::theory::Spectrum;
use crate::error::{Error, Result};
use crate::numeric::Precision;
use rug::ops::Pow;
use rug::{Float, Rational};
use serde::Serialize;

/// One data size.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// `P`.
    pub samples: String,
    /// `x = P/r` as a float, for plotting.
    pub x: f64,
    /// Certified GP loss over `k ≤ N` (decimal string) and its enclosure width.
    pub gp_discrete: String,
    /// Width of the certified GP enclosure.
    pub gp_enclosure_width: f64,
    /// GP continuum loss with the cutoff, `∫_0^N`.
    pub gp_continuum: f64,
    /// Interacting loss, renormalized theory.
    pub rg_discrete: f64,
    /// Interacting loss, first order.
    pub first_order: f64,
    /// Interacting continuum loss (amplitude at the learning scale).
    pub rg_continuum: f64,
    /// The amplitude `A` used there.
    pub amplitude: f64,
    /// `(rg_discrete − gp_discrete)/gp_discrete`: the non-Gaussian correction.
    pub relative_correction: f64,
    /// The largest first-order correction relative to the GP over modes and quantities
    /// ([`validity`](super::validity)).
    pub first_order_shift: f64,
    /// Modes outside the perturbative regime at this `P` (shift above the threshold).
    pub beyond_threshold: Vec<u64>,
    /// Methods and modes with a negative predicted variance at this `P`.
    pub negative_variances: Vec<super::validity::NegativeVariance>,
}

/// `∫_0^N [k^{−(1+β)}/(1 + x k^{−a})² + k^{−a}/(1 + x k^{−a})/A] dk`: the continuum loss with the
/// cutoff, at effective `x` and amplitude `A` (`A = 1`: the GP).
fn continuum_loss(model: &Model, x: &Rational, amplitude: &Rational) -> Result<f64> {
    use crate::numeric::{Assignment, Bound, integrate};
    let a = model.kernel_exponent();
    let p = Rational::from(1) + &model.beta;
    let formula = format!("k^(-({p}))/(1 + x*k^(-({a})))^2 + k^(-({a}))/(1 + x*k^(-({a})))/A");
    let integrand = crate::input::parse(&formula)
        .map_err(|e| Error::internal(format!("continuum formula `{formula}`"), format!("{e:?}")))?;
    let mut at = Assignment::new();
    at.insert("x".into(), x.clone());
    at.insert("A".into(), amplitude.clone());
    let q = integrate(
        &integrand,
        "k",
        &Bound::Finite(Rational::new()),
        &Bound::Finite(Rational::from(model.modes)),
        &at,
        Precision::from_digits(30),
    )?;
    // The DE rule's error estimate must be far below the plotted accuracy; say so if it is not.
    if q.error_estimate.to_f64() > 1e-12 * q.value.to_f64().abs() {
        return Err(Error::numeric(
            format!("continuum integral at x = {x}"),
            format!("did not converge (error estimate {})", q.error_estimate),
        ));
    }
    Ok(q.value.to_f64())
}

/// Most sizes one scaling law is computed at (each is a certified learning curve and, with
/// couplings, a prediction table).
pub const MAX_POINTS: u32 = 200;

/// Loss against `P` for `points` log-spaced sizes in `[p_min, p_max]`.
pub fn scaling_law(
    model: &Model,
    p_min: &Rational,
    p_max: &Rational,
    points: u32,
    digits: u32,
) -> Result<Vec<Point>> {
    if *p_min <= 0 || p_max <= p_min || !(2..=MAX_POINTS).contains(&points) {
        return Err(Error::invalid(
            "scaling law: p_min, p_max, points",
            format!(
                "need 0 < P_min < P_max and 2 to {MAX_POINTS} points, got [{p_min}, {p_max}] with {points}"
            ),
        ));
    }
    let prec = Precision::from_digits(digits);
    let bits = prec.bits();
    let a = model.kernel_exponent();
    let inv_a = Float::with_val(bits, &a).recip();
    let ratio = Rational::from(p_max / p_min).to_f64();
    let mut out = Vec::new();
    for i in 0..points {
        // Log-spaced sizes, rounded to integers: P is a count.
        let p = (p_min.to_f64() * ratio.powf(i as f64 / (points - 1) as f64))
            .round()
            .max(1.0);
        let samples = Rational::from(p as u64);
        let m = Model {
            samples: samples.clone(),
            ..model.clone()
        };
        let x = m.p_over_r();
        let lc = learning_curve(&m.alpha, &m.beta, &x, Some(m.modes), digits)
            .map_err(|e| Error::from_curve(format_args!("scaling law at P = {samples}"), e))?;
        let gp_discrete = lc.loss.to_decimal(digits);
        let table = predict::table(&m, prec);
        let spectrum = Spectrum::new(&m, prec);
        let flow = spectrum.flow();
        let xf = Float::with_val(bits, &x);
        let k_star = xf.clone().pow(&inv_a).to_f64().round().clamp(1.0, m.modes as f64) as usize;
        let amplitude = Float::with_val(bits, &flow[k_star - 1].tadpole) + 1u32;
        let x_eff = Float::with_val(bits, &xf / &amplitude);
        let exact = |f: &Float| {
            f.to_rational().ok_or_else(|| {
                Error::numeric(format!("scaling law at P = {samples}"), "non-finite amplitude")
            })
        };
        let rg_continuum = continuum_loss(&m, &exact(&x_eff)?, &exact(&amplitude)?)?;
        let gp = lc.loss.mid().to_f64();
        out.push(Point {
            samples: samples.to_string(),
            x: xf.to_f64(),
            gp_discrete,
            gp_enclosure_width: lc.loss.width().to_f64(),
            gp_continuum: continuum_loss(&m, &x, &Rational::from(1))?,
            rg_discrete: table.loss[2],
            first_order: table.loss[1],
            rg_continuum,
            amplitude: amplitude.to_f64(),
            relative_correction: (table.loss[2] - gp) / gp,
            first_order_shift: table.validity.largest_shift.value,
            beyond_threshold: table.validity.beyond_threshold.clone(),
            negative_variances: table.validity.negative_variances.clone(),
        });
    }
    Ok(out)
}

/// Markdown table.
pub fn markdown(model: &Model, points: &[Point]) -> String {
    let mut out = format!(
        "α = {}, β = {}, N = {}, r = {}, interactions: {}\n\n\
         | P | GP discrete (certified) | GP continuum | RG discrete | first order | RG continuum | A(k*) | (RG − GP)/GP | 1st-order shift |\n|---|---|---|---|---|---|---|---|---|\n",
        model.alpha,
        model.beta,
        model.modes,
        model.ridge,
        model
            .interactions
            .iter()
            .map(|t| format!("{} U = {}", t.label(), t.coupling()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for p in points {
        out += &format!(
            "| {} | {} | {:.8} | {:.8} | {:.8} | {:.8} | {:.6} | {:.3e} | {:.1} %{} |\n",
            p.samples,
            p.gp_discrete,
            p.gp_continuum,
            p.rg_discrete,
            p.first_order,
            p.rg_continuum,
            p.amplitude,
            p.relative_correction,
            p.first_order_shift * 100.0,
            if p.beyond_threshold.is_empty() && p.negative_variances.is_empty() {
                ""
            } else {
                " ⚠"
            }
        );
    }
    let warnings = warnings(points);
    if !warnings.is_empty() {
        out += "\n";
        for w in warnings {
            out += &format!("- ⚠ {w}\n");
        }
    }
    out
}

/// One line per size at which a prediction left the perturbative regime or became unphysical
/// (the threshold is [`PERTURBATIVE_SHIFT`](super::validity::PERTURBATIVE_SHIFT)).
pub fn warnings(points: &[Point]) -> Vec<String> {
    let mut out = Vec::new();
    for p in points {
        if !p.beyond_threshold.is_empty() {
            out.push(format!(
                "P = {}: the first-order correction exceeds {:.0} % of the GP value at {} (largest \
                 {:.1} %); the interacting columns are extrapolations there",
                p.samples,
                super::validity::PERTURBATIVE_SHIFT * 100.0,
                super::validity::mode_list(&p.beyond_threshold),
                p.first_order_shift * 100.0
            ));
        }
        if !p.negative_variances.is_empty() {
            let mut methods: Vec<&str> = p.negative_variances.iter().map(|n| n.method.name()).collect();
            methods.dedup();
            out.push(format!(
                "P = {}: negative predicted variances ({}) — unphysical",
                p.samples,
                methods.join(", ")
            ));
        }
    }
    out
}

/// A Fig.-5-style figure: loss per sample against `P`, and the relative non-Gaussian correction.
pub fn figure(title: &str, points: &[Point]) -> crate::plot::Figure {
    use crate::plot::{Axis, Dash, Figure, Panel, Rgb, Series};
    let p = |pt: &Point| pt.samples.parse::<f64>().unwrap_or(f64::NAN);
    let curve = |pick: &dyn Fn(&Point) -> f64| -> Vec<(f64, f64)> {
        points.iter().map(|pt| (p(pt), pick(pt))).collect()
    };
    let mut loss = Panel::new("loss per sample", Axis::log("samples P"), Axis::log("⟨L⟩/P"));
    loss.series = vec![
        Series::line(
            "U = 0, discrete",
            Rgb::BLUE,
            curve(&|pt| pt.gp_discrete.parse().unwrap_or(f64::NAN)),
        ),
        Series::dashed(
            "U = 0, continuum",
            Rgb::BLUE,
            Dash::Dashed,
            curve(&|pt| pt.gp_continuum),
        ),
        Series::line("U ≠ 0, discrete (RG)", Rgb::RED, curve(&|pt| pt.rg_discrete)),
        Series::dashed(
            "U ≠ 0, continuum",
            Rgb::RED,
            Dash::Dashed,
            curve(&|pt| pt.rg_continuum),
        ),
    ];
    let mut corr = Panel::new(
        "non-Gaussian correction",
        Axis::log("samples P"),
        Axis::log("|L_U − L_0|/L_0"),
    );
    corr.series = vec![Series::line(
        "|(L_U − L_0)/L_0| (RG)",
        Rgb::BLACK,
        curve(&|pt| pt.relative_correction.abs()),
    )];
    corr.legend = false;
    let mut fig = Figure::new(title, vec![loss, corr], 2);
    fig.cell = (400.0, 310.0);
    fig
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gp_certified_sum_and_the_per_mode_sum_agree_and_corrections_shrink() {
        let text = "alpha = \"1/5\"\nbeta = \"3/10\"\nmodes = 200\nP = 1\nr = 1\n[[interaction]]\nkind = \"separable\"\nU = \"1/20\"\n";
        let m = Model::from_toml(text, "t").unwrap();
        let pts = scaling_law(&m, &Rational::from(10), &Rational::from(10_000), 4, 20).unwrap();
        for pt in &pts {
            // Two independent routes to the GP loss over k ≤ N: the certified Euler–Maclaurin sum
            // and the per-mode MPFR sum of the prediction table.
            let mut gp_model = m.gaussian();
            gp_model.samples = Rational::from(pt.samples.parse::<u64>().unwrap());
            let direct = predict::table(&gp_model, Precision::from_digits(20)).loss[0];
            let certified: f64 = pt.gp_discrete.parse().unwrap();
            assert!(
                (direct - certified).abs() < 1e-12 * certified,
                "{direct} vs {certified}"
            );
        }
        let corr: Vec<f64> = pts.iter().map(|p| p.relative_correction.abs()).collect();
        assert!(corr.windows(2).all(|w| w[1] < w[0]), "{corr:?}");
    }
}
