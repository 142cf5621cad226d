//! The figure of the LSI experiment (`renorm experiment … --figures DIR`): each measured quantity
//! against depth, one series per architecture and width, with every seed drawn so the spread is
//! visible (the table gives mean ± standard deviation; the figure shows what they summarise).

use super::experiment::{LsiRow, SeedValues};
use crate::plot::{Axis, Dash, Figure, FigureFile, Marker, Panel, Rgb, Series};
use crate::train::Arch;

/// One panel's quantity: title, axis label, how to read it from a row, log scale, and the
/// threshold of the default conditions spec (drawn as a reference line) if it has one.
struct Quantity {
    title: &'static str,
    axis: &'static str,
    values: fn(&LsiRow) -> &SeedValues,
    log: bool,
    threshold: Option<f64>,
}

const QUANTITIES: [Quantity; 6] = [
    Quantity {
        title: "C4: LSI defect δ_LSI (≤ 0.1 holds)",
        axis: "δ_LSI",
        values: |r| &r.delta_lsi,
        log: false,
        threshold: Some(0.1),
    },
    Quantity {
        title: "Closure residual ρ (≤ 0.2 holds)",
        axis: "ρ",
        values: |r| &r.closure,
        log: false,
        threshold: Some(0.2),
    },
    Quantity {
        title: "C1: gradient propagation Π (≤ 10 holds)",
        axis: "Π",
        values: |r| &r.c1,
        log: true,
        threshold: Some(10.0),
    },
    Quantity {
        title: "C2: incoherence η (≤ 0.3 holds)",
        axis: "η",
        values: |r| &r.c2,
        log: false,
        threshold: Some(0.3),
    },
    Quantity {
        title: "C3: Gram drift δ_M (≤ 0.5 holds)",
        axis: "δ_M",
        values: |r| &r.c3,
        log: false,
        threshold: Some(0.5),
    },
    Quantity {
        title: "Lemma 1 balance residual",
        axis: "relative residual",
        values: |r| &r.lemma1_residual,
        log: true,
        threshold: None,
    },
];

/// The series of one architecture and width on one quantity: the mean over the measured seeds
/// joined by a line, and each seed's value as a marker.
fn series(
    rows: &[&LsiRow],
    q: &Quantity,
    colour: Rgb,
    dash: Dash,
    marker: Marker,
    label: &str,
) -> [Series; 2] {
    let mut means = Vec::new();
    let mut seeds = Vec::new();
    for r in rows {
        let values = (q.values)(r);
        if let Some((mean, _)) = values.mean_sd() {
            means.push((r.depth as f64, mean));
        }
        seeds.extend(values.0.iter().flatten().map(|&v| (r.depth as f64, v)));
    }
    [
        Series::dashed(label, colour, dash, means),
        Series::scatter("", colour, marker, seeds, Vec::new()),
    ]
}

/// The experiment's figure, written as `lsi_experiment.svg` and `.pdf`: one panel per quantity
/// against depth; plain networks in warm colours with circles, residual in cool colours with
/// squares, a dashed line per extra width. Unmeasured seeds are simply absent.
pub fn figure(rows: &[LsiRow]) -> FigureFile {
    let mut widths: Vec<usize> = rows.iter().map(|r| r.width).collect();
    widths.sort_unstable();
    widths.dedup();
    let depths: Vec<f64> = rows.iter().map(|r| r.depth as f64).collect();
    let (lo, hi) = depths
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &d| {
            (a.min(d), b.max(d))
        });
    let pad = ((hi - lo) * 0.05).max(0.5);
    let panels = QUANTITIES
        .iter()
        .map(|q| {
            let x = Axis::linear("depth (hidden layers)").range(lo - pad, hi + pad);
            let y = if q.log {
                Axis::log(q.axis)
            } else {
                Axis::linear(q.axis)
            };
            let mut panel = Panel::new(q.title, x, y);
            panel.hline = q.threshold;
            for (arch, base, marker) in [
                (Arch::Plain, 1, Marker::Circle),
                (Arch::Residual, 0, Marker::Square),
            ] {
                for (k, &width) in widths.iter().enumerate() {
                    let mine: Vec<&LsiRow> = rows
                        .iter()
                        .filter(|r| r.arch == arch && r.width == width)
                        .collect();
                    let dash = if k == 0 { Dash::Solid } else { Dash::Dashed };
                    let label = format!("{arch}, width {width}");
                    let colour = Rgb::palette(base + 2 * k);
                    panel
                        .series
                        .extend(series(&mine, q, colour, dash, marker, &label));
                }
            }
            panel
        })
        .collect();
    let mut fig = Figure::new("Plain vs residual networks across depth", panels, 2);
    fig.shared_legend = true;
    fig.cell = (400.0, 280.0);
    fig.notes.push(
        "Lines join the means over the seeds where the quantity was measured; markers are the \
         individual seeds. Dotted lines: the default thresholds of renorm conditions."
            .into(),
    );
    FigureFile {
        stem: "lsi_experiment".into(),
        caption: "The LSI experiment: each condition's measurement against depth, plain and \
                  residual networks, every seed shown."
            .into(),
        figure: fig,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conditions::experiment::Verdicts;

    fn row(arch: Arch, depth: usize, width: usize, delta: Vec<Option<f64>>) -> LsiRow {
        LsiRow {
            arch,
            depth,
            width,
            delta_lsi: SeedValues(delta),
            gamma: SeedValues::default(),
            closure: SeedValues::default(),
            c1: SeedValues(vec![Some(6.0), Some(7.0)]),
            c2: SeedValues::default(),
            c3: SeedValues::default(),
            lemma1_residual: SeedValues::default(),
            verdicts: vec![Verdicts::default(); 2],
        }
    }

    #[test]
    fn every_measured_seed_is_a_marker_and_means_skip_unmeasured_seeds() {
        let rows = vec![
            row(Arch::Plain, 4, 16, vec![Some(0.2), Some(0.4)]),
            row(Arch::Residual, 4, 16, vec![Some(0.3), None]),
            row(Arch::Plain, 8, 16, vec![None, None]),
            row(Arch::Residual, 8, 16, vec![Some(0.1), Some(0.3)]),
        ];
        let fig = figure(&rows);
        assert_eq!(fig.figure.panels.len(), QUANTITIES.len());
        let delta = &fig.figure.panels[0];
        assert_eq!(delta.hline, Some(0.1));
        // plain: mean line, seed markers; residual: the same.
        assert_eq!(delta.series[0].points, vec![(4.0, (0.2 + 0.4) / 2.0)]);
        assert_eq!(delta.series[1].points, vec![(4.0, 0.2), (4.0, 0.4)]);
        assert_eq!(delta.series[2].points, vec![(4.0, 0.3), (8.0, (0.1 + 0.3) / 2.0)]);
        assert_eq!(delta.series[3].points, vec![(4.0, 0.3), (8.0, 0.1), (8.0, 0.3)]);
        assert_eq!(delta.series[0].label, "plain, width 16");
        assert!(
            delta.series[1].label.is_empty(),
            "seed markers stay out of the legend"
        );
        // The figure renders in both formats.
        assert!(fig.figure.to_svg().contains("<svg"));
        assert!(fig.figure.to_pdf().starts_with("%PDF-1.4"));
    }
}
