//! When to stop believing a prediction: validity diagnostics for the per-mode predictions of
//! [`theory`](super::theory), shown on every prediction table (`rg predict`, `rg sample`), on
//! `rg transfer` and on `rg scaling`.
//!
//! * **First-order shift.** Per mode, the size of the first-order correction relative to the GP
//!   value, `|X₁ − X_GP|/|X_GP|` for `X = ⟨Δ⟩` and `X = ⟨Δ²⟩_c`. Both the first-order and the
//!   renormalized predictions are expansions in this quantity; where it exceeds
//!   [`PERTURBATIVE_SHIFT`] the mode is flagged: the perturbative regime is left, first order is
//!   no longer a prediction and the renormalized one an extrapolation.
//! * **Unphysical values.** A negative predicted variance is flagged with its method (first
//!   order does this at strong coupling: its variance shift is linear in `U` and unbounded).
//! * **Exact reference** (when computed, [`exact`](super::exact)): the relative error of each
//!   method against quadrature, per mode and at worst.
//!
//! **Why 20 %.** Measured against the exact quadrature on the separable quartic with `N = 16`,
//! `α = 0.2`, `β = 0.3`, `P/r = 3.98`, `ω = 0` (EXPERIMENTS.md, "Validity of the RG
//! predictions"): on every mode whose first-order shift stayed below 0.2 (at `U = 0.05` and
//! `U = 0.3`), the renormalized mean and variance were within 0.5 % of the exact ones; at shifts
//! of 0.24 and 0.81 (the cutoff mode at `U = 0.3` and `U = 1`) its variance was off by 3.2 % and
//! 15 %, far outside the sampling error of the paper's run length.

use super::exact::{ExactMoments, Route};
use super::theory::{Method, ModeValue};
use rug::Float;
use serde::Serialize;

/// The first-order shift `|X₁ − X_GP|/|X_GP|` above which a mode is flagged as outside the
/// perturbative regime (see the module docs for the measurement behind the value).
pub const PERTURBATIVE_SHIFT: f64 = 0.2;

/// Which per-mode quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// The mean discrepancy `⟨Δ_k⟩`.
    Mean,
    /// The connected variance `⟨Δ_k²⟩_c`.
    Variance,
}

impl Quantity {
    /// Name used in tables.
    pub fn name(self) -> &'static str {
        match self {
            Quantity::Mean => "⟨Δ⟩",
            Quantity::Variance => "Var",
        }
    }
}

/// A value at one mode.
#[derive(Debug, Clone, Serialize)]
pub struct AtMode {
    /// The value.
    pub value: f64,
    /// The quantity.
    pub quantity: Quantity,
    /// The mode.
    pub k: u64,
}

/// A negative predicted variance.
#[derive(Debug, Clone, Serialize)]
pub struct NegativeVariance {
    /// The method that predicted it.
    pub method: Method,
    /// The mode.
    pub k: u64,
    /// The predicted variance (`< 0`).
    pub value: f64,
}

/// One method's error against the exact reference.
#[derive(Debug, Clone, Serialize)]
pub struct MethodError {
    /// The method.
    pub method: Method,
    /// Largest `|X − X_exact|/|X_exact|` over modes and both quantities, where it occurs.
    pub worst: AtMode,
    /// Largest relative error of the mean discrepancy.
    pub mean: f64,
    /// Largest relative error of the variance.
    pub variance: f64,
}

/// The comparison with the exact quadrature reference.
#[derive(Debug, Clone, Serialize)]
pub struct ExactComparison {
    /// How the reference was computed.
    pub route: Route,
    /// Significant digits to which the reference converged (refinement agreement).
    pub digits: u32,
    /// Per method (GP, first order, RG).
    pub errors: Vec<MethodError>,
}

/// Validity diagnostics of one prediction table.
#[derive(Debug, Clone, Serialize)]
pub struct Validity {
    /// [`PERTURBATIVE_SHIFT`].
    pub threshold: f64,
    /// Per mode (index `k − 1`): the first-order shift of `(⟨Δ⟩, Var)`.
    pub first_order_shift: Vec<[f64; 2]>,
    /// The largest first-order shift and where.
    pub largest_shift: AtMode,
    /// Modes whose shift (either quantity) exceeds the threshold, ascending.
    pub beyond_threshold: Vec<u64>,
    /// Every negative predicted variance.
    pub negative_variances: Vec<NegativeVariance>,
    /// Against the exact reference, when one was computed.
    pub exact: Option<ExactComparison>,
}

fn relative(value: &Float, reference: &Float) -> f64 {
    let p = value.prec().max(reference.prec());
    (Float::with_val(p, value - reference) / reference).abs().to_f64()
}

impl Validity {
    /// Diagnostics of the three predictions (same modes, same order).
    pub fn assess(gp: &[ModeValue], first_order: &[ModeValue], rg: &[ModeValue]) -> Validity {
        let first_order_shift: Vec<[f64; 2]> = gp
            .iter()
            .zip(first_order)
            .map(|(g, f)| {
                [
                    relative(&f.mean_delta, &g.mean_delta),
                    relative(&f.variance, &g.variance),
                ]
            })
            .collect();
        let mut largest_shift = AtMode {
            value: 0.0,
            quantity: Quantity::Variance,
            k: 1,
        };
        let mut beyond_threshold = Vec::new();
        for (g, shift) in gp.iter().zip(&first_order_shift) {
            for (value, quantity) in [(shift[0], Quantity::Mean), (shift[1], Quantity::Variance)] {
                // NaN (a zero GP value) counts as beyond: nothing can be said there.
                if value.is_nan() || value > largest_shift.value {
                    largest_shift = AtMode {
                        value,
                        quantity,
                        k: g.k,
                    };
                }
            }
            if !(shift[0] <= PERTURBATIVE_SHIFT && shift[1] <= PERTURBATIVE_SHIFT) {
                beyond_threshold.push(g.k);
            }
        }
        let mut negative_variances = Vec::new();
        for (method, values) in [
            (Method::Gp, gp),
            (Method::FirstOrder, first_order),
            (Method::Rg, rg),
        ] {
            for v in values {
                if v.variance.cmp0() != Some(std::cmp::Ordering::Greater) {
                    negative_variances.push(NegativeVariance {
                        method,
                        k: v.k,
                        value: v.variance.to_f64(),
                    });
                }
            }
        }
        Validity {
            threshold: PERTURBATIVE_SHIFT,
            first_order_shift,
            largest_shift,
            beyond_threshold,
            negative_variances,
            exact: None,
        }
    }

    /// Adds the comparison of the three predictions with the exact reference.
    pub fn compare_exact(
        &mut self,
        exact: &ExactMoments,
        gp: &[ModeValue],
        first_order: &[ModeValue],
        rg: &[ModeValue],
    ) {
        let errors = [
            (Method::Gp, gp),
            (Method::FirstOrder, first_order),
            (Method::Rg, rg),
        ]
        .into_iter()
        .map(|(method, values)| {
            let mut worst = AtMode {
                value: 0.0,
                quantity: Quantity::Variance,
                k: 1,
            };
            let (mut mean, mut variance) = (0.0f64, 0.0f64);
            for (v, e) in values.iter().zip(&exact.modes) {
                let em = relative(&v.mean_delta, &e.mean_delta);
                let ev = relative(&v.variance, &e.variance);
                mean = mean.max(em);
                variance = variance.max(ev);
                for (value, quantity) in [(em, Quantity::Mean), (ev, Quantity::Variance)] {
                    if value.is_nan() || value > worst.value {
                        worst = AtMode {
                            value,
                            quantity,
                            k: v.k,
                        };
                    }
                }
            }
            MethodError {
                method,
                worst,
                mean,
                variance,
            }
        })
        .collect();
        self.exact = Some(ExactComparison {
            route: exact.route,
            digits: exact.digits,
            errors,
        });
    }

    /// Whether any mode left the perturbative regime or any variance is unphysical.
    pub fn has_warnings(&self) -> bool {
        !self.beyond_threshold.is_empty() || !self.negative_variances.is_empty()
    }

    /// One line per warning, for standard error and for the text reports.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.beyond_threshold.is_empty() {
            out.push(format!(
                "perturbative regime left at {} of {} modes ({}): the first-order correction exceeds \
                 {:.0} % of the GP value (largest {:.1} % for {} at k = {}); first order is not a \
                 prediction there and the RG value is an extrapolation",
                self.beyond_threshold.len(),
                self.first_order_shift.len(),
                mode_list(&self.beyond_threshold),
                self.threshold * 100.0,
                self.largest_shift.value * 100.0,
                self.largest_shift.quantity.name(),
                self.largest_shift.k,
            ));
        }
        for method in [Method::Gp, Method::FirstOrder, Method::Rg] {
            let ks: Vec<u64> = self
                .negative_variances
                .iter()
                .filter(|n| n.method == method)
                .map(|n| n.k)
                .collect();
            if !ks.is_empty() {
                out.push(format!(
                    "unphysical: the {} prediction has a negative (or zero) variance at {}",
                    method.name(),
                    mode_list(&ks)
                ));
            }
        }
        out
    }

    /// A Markdown section: the shift, the flags and the exact comparison.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "**Validity.** Largest first-order correction relative to the GP: {:.1} % ({} at k = {}); \
             threshold {:.0} %.\n",
            self.largest_shift.value * 100.0,
            self.largest_shift.quantity.name(),
            self.largest_shift.k,
            self.threshold * 100.0
        );
        let warnings = self.warnings();
        if warnings.is_empty() {
            out += "Every mode is within the perturbative regime; no variance is negative.\n";
        }
        for w in warnings {
            out += &format!("- ⚠ {w}\n");
        }
        if let Some(exact) = &self.exact {
            out += &format!(
                "\nAgainst the exact reference ({}, converged to {} digits):\n\n\
                 | prediction | max rel. error ⟨Δ⟩ | max rel. error Var | worst (mode) |\n|---|---|---|---|\n",
                match exact.route {
                    Route::Gaussian => "Gaussian closed form",
                    Route::HubbardStratonovich => "Hubbard–Stratonovich quadrature",
                    Route::PerMode => "one-mode quadratures",
                },
                exact.digits
            );
            for e in &exact.errors {
                out += &format!(
                    "| {} | {:.2e} | {:.2e} | {} ({}) |\n",
                    e.method.name(),
                    e.mean,
                    e.variance,
                    e.worst.quantity.name(),
                    e.worst.k
                );
            }
        }
        out + "\n"
    }
}

/// `k = 1, 3, 5–9` style list of modes.
pub(crate) fn mode_list(ks: &[u64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ks.len() {
        let mut j = i;
        while j + 1 < ks.len() && ks[j + 1] == ks[j] + 1 {
            j += 1;
        }
        parts.push(if j > i {
            format!("{}–{}", ks[i], ks[j])
        } else {
            ks[i].to_string()
        });
        i = j + 1;
    }
    format!("k = {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(k: u64, mean: f64, variance: f64) -> ModeValue {
        ModeValue {
            k,
            mean_delta: Float::with_val(64, mean),
            variance: Float::with_val(64, variance),
        }
    }

    #[test]
    fn shifts_beyond_the_threshold_and_negative_variances_are_flagged() {
        let gp = [mv(1, 1.0, 1.0), mv(2, 1.0, 1.0), mv(3, 1.0, 1.0), mv(4, 2.0, 1.0)];
        // Shifts: 0.1 (inside), 0.25 in the mean (beyond), 1.5 in the variance (beyond, and
        // negative), exactly 0.2 (inside: the threshold itself is allowed).
        let fo = [
            mv(1, 1.1, 0.95),
            mv(2, 1.25, 1.0),
            mv(3, 1.0, -0.5),
            mv(4, 2.4, 1.2),
        ];
        let v = Validity::assess(&gp, &fo, &gp);
        assert_eq!(v.beyond_threshold, vec![2, 3]);
        assert_eq!(v.largest_shift.k, 3);
        assert_eq!(v.largest_shift.quantity, Quantity::Variance);
        assert!((v.largest_shift.value - 1.5).abs() < 1e-12);
        assert_eq!(v.negative_variances.len(), 1);
        assert_eq!(v.negative_variances[0].method, Method::FirstOrder);
        assert_eq!(v.negative_variances[0].k, 3);
        let w = v.warnings().join("\n");
        assert!(
            w.contains("k = 2–3") && w.contains("first order") && w.contains("negative"),
            "{w}"
        );
    }

    #[test]
    fn a_zero_gp_value_is_never_read_as_inside_the_regime() {
        let v = Validity::assess(&[mv(1, 0.0, 1.0)], &[mv(1, 0.0, 1.0)], &[mv(1, 0.0, 1.0)]);
        // 0/0: no relative shift can be stated, so the mode is flagged rather than passed.
        assert_eq!(v.beyond_threshold, vec![1]);
    }

    #[test]
    fn mode_lists_collapse_runs() {
        assert_eq!(mode_list(&[1, 3, 4, 5, 9]), "k = 1, 3–5, 9");
        assert_eq!(mode_list(&[7]), "k = 7");
    }
}
