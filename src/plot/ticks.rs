//! Axis ticks: "nice" linear ticks at 1, 2 or 5 × 10^k steps with labels free of float noise,
//! and logarithmic ticks at decades labelled 10^k with unlabelled minor ticks at 2…9 × 10^k.

use super::text::{Rich, Shift};

/// One tick mark.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Position in data units (not its logarithm).
    pub value: f64,
    /// Label; empty for a minor tick.
    pub label: Rich,
    /// Major ticks are longer and labelled.
    pub major: bool,
}

/// A step of 1, 2 or 5 × 10^e, held exactly as mantissa and exponent so labels carry no
/// float noise.
#[derive(Debug, Clone, Copy)]
struct Step {
    mantissa: i64,
    exp: i32,
}

impl Step {
    fn value(self) -> f64 {
        self.mantissa as f64 * 10f64.powi(self.exp)
    }

    /// `k × step`, computed as an integer times a power of ten so `3 × 0.2` is `0.6`.
    fn times(self, k: i64) -> f64 {
        let m = k.saturating_mul(self.mantissa) as f64;
        if self.exp >= 0 {
            m * 10f64.powi(self.exp)
        } else {
            m / 10f64.powi(-self.exp)
        }
    }
}

fn nice_step(span: f64, target: usize) -> Option<Step> {
    let raw = span / target.max(1) as f64;
    if !(raw.is_finite() && raw > 0.0) {
        return None;
    }
    let exp = raw.log10().floor() as i32;
    let mag = 10f64.powi(exp);
    for m in [1, 2, 5] {
        if m as f64 * mag >= raw * (1.0 - 1e-9) {
            return Some(Step { mantissa: m, exp });
        }
    }
    Some(Step {
        mantissa: 1,
        exp: exp + 1,
    })
}

/// Decimal label of `k × step`, with a true minus sign and no float noise.
fn decimal_label(v: f64, step: Step) -> Rich {
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if v.abs() >= 1e5 || (step.exp <= -5 && v != 0.0) {
        // m × 10^e with as many mantissa digits as the step needs.
        let e = v.abs().log10().floor() as i32;
        let digits = (e - step.exp).max(0) as usize;
        let m = trim(format!("{:.*}", digits, v / 10f64.powi(e)));
        return Rich::plain(&format!("{}×10", minus(&m))).push(&minus(&e.to_string()), Shift::Super);
    }
    let decimals = if step.exp < 0 { (-step.exp) as usize } else { 0 };
    Rich::plain(&minus(&trim(format!("{v:.decimals$}"))))
}

/// `-0` → `0`, `-` → `−` (U+2212).
fn minus(s: &str) -> String {
    let zero = s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.');
    let s = if zero { s.trim_start_matches('-') } else { s };
    s.replace('-', "−")
}

/// Linear ticks in `[lo, hi]`, about `target` of them, at a 1/2/5 × 10^k step.
pub fn linear(lo: f64, hi: f64, target: usize) -> Vec<Tick> {
    linear_with(lo, hi, target, false)
}

/// Like [`linear`]; with `integer` the step is at least 1 (shell or mode indices).
pub fn linear_with(lo: f64, hi: f64, target: usize, integer: bool) -> Vec<Tick> {
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return Vec::new();
    }
    let Some(mut step) = nice_step(hi - lo, target) else {
        return Vec::new();
    };
    if integer && step.exp < 0 {
        step = Step { mantissa: 1, exp: 0 };
    }
    let sv = step.value();
    let eps = 1e-9 * sv;
    let first = ((lo - eps) / sv).ceil() as i64;
    let last = ((hi + eps) / sv).floor() as i64;
    if last < first || last - first > 1000 {
        return Vec::new();
    }
    (first..=last)
        .map(|k| {
            let value = step.times(k);
            Tick {
                value,
                label: decimal_label(value, step),
                major: true,
            }
        })
        .collect()
}

/// `10^k` as a label.
pub fn decade_label(k: i32) -> Rich {
    Rich::plain("10").push(&minus(&k.to_string()), Shift::Super)
}

/// Logarithmic ticks in `[lo, hi]` (both positive): majors at the decades `10^k` inside, labelled
/// `10^k` (every second, third … decade when there are more than `max_labels`), minors at
/// `2…9 × 10^k`. A range spanning less than a decade gets nice linear ticks within it instead;
/// one holding a single decade gets labelled ticks at 1, 2 and 5 × 10^k.
pub fn log10(lo: f64, hi: f64, max_labels: usize) -> Vec<Tick> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return Vec::new();
    }
    let (a, b) = (lo.log10(), hi.log10());
    if b - a < 1.0 {
        // At least three labelled ticks inside the range, if a denser nice step gives them.
        let target = max_labels.clamp(3, 6);
        return (target..=target + 4)
            .map(|t| linear(lo, hi, t))
            .find(|ts| ts.len() >= 3)
            .unwrap_or_else(|| linear(lo, hi, target));
    }
    let tol = 1e-9;
    let k0 = (a - tol).ceil() as i32;
    let k1 = (b + tol).floor() as i32;
    let decades = (k1 - k0 + 1).max(0) as usize;
    let mut out = Vec::new();
    if decades < 2 {
        // Label 1, 2, 5 × 10^k so the axis has at least two numbers.
        for k in (a.floor() as i32)..=(b.ceil() as i32) {
            for m in [1i64, 2, 5] {
                let v = m as f64 * 10f64.powi(k);
                if v >= lo * (1.0 - tol) && v <= hi * (1.0 + tol) {
                    let label = if m == 1 {
                        decade_label(k)
                    } else {
                        decimal_label(v, Step { mantissa: m, exp: k })
                    };
                    out.push(Tick {
                        value: v,
                        label,
                        major: true,
                    });
                }
            }
        }
        return out;
    }
    let every = decades.div_ceil(max_labels.max(2)).max(1) as i32;
    for k in (a.floor() as i32)..=(b.ceil() as i32) {
        let d = 10f64.powi(k);
        if (k0..=k1).contains(&k) && (k - k0) % every == 0 {
            out.push(Tick {
                value: d,
                label: decade_label(k),
                major: true,
            });
        } else if d >= lo * (1.0 - tol) && d <= hi * (1.0 + tol) {
            out.push(Tick {
                value: d,
                label: Rich::default(),
                major: false,
            });
        }
        if decades <= 8 {
            for m in 2..=9 {
                let v = m as f64 * d;
                if v >= lo && v <= hi {
                    out.push(Tick {
                        value: v,
                        label: Rich::default(),
                        major: false,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn majors(t: &[Tick]) -> Vec<f64> {
        t.iter().filter(|t| t.major).map(|t| t.value).collect()
    }
    fn labels(t: &[Tick]) -> Vec<String> {
        t.iter().filter(|t| t.major).map(|t| t.label.flat()).collect()
    }

    #[test]
    fn linear_ticks_are_nice_and_noise_free() {
        // span 0.93 / 5 = 0.186 → step 0.2 → 0, 0.2, 0.4, 0.6, 0.8.
        let t = linear(0.0, 0.93, 5);
        assert_eq!(majors(&t), vec![0.0, 0.2, 0.4, 0.6, 0.8]);
        assert_eq!(labels(&t), vec!["0", "0.2", "0.4", "0.6", "0.8"]);
        // 0.1 + 0.2 style noise never reaches a label: step 0.1 from 0.3.
        let t = linear(0.25, 0.75, 5);
        assert_eq!(labels(&t), vec!["0.3", "0.4", "0.5", "0.6", "0.7"]);
        // Negative values use a minus sign, zero has none.
        let t = linear(-1.0, 1.0, 4);
        assert_eq!(labels(&t), vec!["−1", "−0.5", "0", "0.5", "1"]);
        // span 2.5/5 = 0.5 → step 0.5 (from the flow figure's ũ axis).
        assert_eq!(majors(&linear(0.0, 2.5, 5)), vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5]);
        // Integer axes never get fractional steps.
        assert_eq!(majors(&linear_with(-0.5, 2.5, 5, true)), vec![0.0, 1.0, 2.0]);
        // Large values: m×10^e.
        let t = linear(0.0, 3e5, 3);
        assert_eq!(labels(&t), vec!["0", "1×105", "2×105", "3×105"]);
        assert!(linear(1.0, 1.0, 5).is_empty() && linear(0.0, f64::NAN, 5).is_empty());
    }

    #[test]
    fn log_ticks_sit_on_decades() {
        // The example: [7.586, 316.2] → 10 and 100, minors 8, 9, 20…90, 200, 300.
        let t = log10(7.586, 316.2, 6);
        assert_eq!(majors(&t), vec![10.0, 100.0]);
        assert_eq!(labels(&t), vec!["101", "102"]);
        let ten = t.iter().find(|t| t.major).expect("a major tick");
        assert_eq!(ten.label.0[1].shift, Shift::Super);
        let minors: Vec<f64> = t.iter().filter(|t| !t.major).map(|t| t.value).collect();
        assert_eq!(minors.len(), 2 + 8 + 2);
        assert!(minors.iter().all(|v| *v >= 7.586 && *v <= 316.2));
        // Negative exponents.
        let t = log10(1e-4, 1.0, 6);
        assert_eq!(labels(&t), vec!["10−4", "10−3", "10−2", "10−1", "100"]);
        // Many decades: every second one labelled.
        // 13 decades, at most 6 labels: every ⌈13/6⌉ = 3rd decade from 10^−10.
        let t = log10(1e-10, 1e2, 6);
        assert_eq!(labels(&t), vec!["10−10", "10−7", "10−4", "10−1", "102"]);
        // Less than a decade: linear ticks inside (70/6 ≈ 11.7 → step 20).
        let t = log10(20.0, 90.0, 6);
        assert_eq!(majors(&t), vec![20.0, 40.0, 60.0, 80.0]);
        // [0.04, 0.24] with at most 3 labels: 0.2/3 → step 0.1 gives only 0.1, 0.2; target 4:
        // 0.2/4 = 0.05 → step 0.05 gives 0.05 … 0.2.
        let t = log10(0.04, 0.24, 3);
        assert_eq!(labels(&t), vec!["0.05", "0.1", "0.15", "0.2"]);
        // One decade tick only: 1, 2, 5 × 10^k.
        let t = log10(3.0, 60.0, 6);
        assert_eq!(majors(&t), vec![5.0, 10.0, 20.0, 50.0]);
        assert!(log10(0.0, 1.0, 6).is_empty());
    }
}
