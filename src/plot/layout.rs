//! Layout: turns a [`Figure`] into drawing primitives on a canvas (units ≈ px or pt, y down).
//!
//! Margins come from the measured widths of tick labels and axis labels ([`super::text`]), so
//! nothing runs off the canvas; tick density follows the space available; a panel legend goes in
//! the plot corner that hides no data, or below the panel when every corner does.

use super::text::Rich;
use super::ticks::{self, Tick};
use super::{Arrow, ColourScale, Figure, Kind, Marker, Panel, Rgb, Scale, Series, viridis};

/// A stroke.
#[derive(Debug, Clone, PartialEq)]
pub struct Stroke {
    /// Colour.
    pub colour: Rgb,
    /// Width.
    pub width: f64,
    /// Dash array (empty: solid).
    pub dash: Vec<f64>,
}

impl Stroke {
    fn solid(colour: Rgb, width: f64) -> Stroke {
        Stroke {
            colour,
            width,
            dash: Vec::new(),
        }
    }
}

/// Horizontal anchoring of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// `x` is the left end.
    Start,
    /// `x` is the middle.
    Middle,
    /// `x` is the right end.
    End,
}

/// A drawing primitive.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Straight-segment subpaths, each closed if `closed`.
    Path {
        /// Subpaths of canvas points.
        subpaths: Vec<Vec<(f64, f64)>>,
        /// Close (and allow filling).
        closed: bool,
        /// Outline.
        stroke: Option<Stroke>,
        /// Fill.
        fill: Option<Rgb>,
        /// SVG class (may be empty).
        class: String,
    },
    /// A circle.
    Circle {
        /// Centre x.
        x: f64,
        /// Centre y.
        y: f64,
        /// Radius.
        r: f64,
        /// Fill.
        fill: Option<Rgb>,
        /// Outline.
        stroke: Option<Stroke>,
        /// SVG class (may be empty).
        class: String,
    },
    /// Text with its baseline at `y`.
    Text {
        /// Anchor point x.
        x: f64,
        /// Baseline y.
        y: f64,
        /// The text.
        text: Rich,
        /// Font size.
        size: f64,
        /// Horizontal anchoring.
        anchor: Anchor,
        /// Rotated 90° counter-clockwise about `(x, y)` (reads bottom to top).
        vertical: bool,
        /// Colour.
        colour: Rgb,
    },
    /// Following items up to the matching [`Item::EndClip`] are clipped to this rectangle.
    Clip {
        /// Identifier (unique in the scene).
        id: String,
        /// Left.
        x: f64,
        /// Top.
        y: f64,
        /// Width.
        w: f64,
        /// Height.
        h: f64,
    },
    /// Ends the innermost clip.
    EndClip,
}

/// A laid-out figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    /// Canvas width.
    pub width: f64,
    /// Canvas height.
    pub height: f64,
    /// Primitives in drawing order.
    pub items: Vec<Item>,
    /// Document title (plain).
    pub title: String,
}

const TICK_SIZE: f64 = 11.0;
const LABEL_SIZE: f64 = 13.0;
const TITLE_SIZE: f64 = 13.0;
const FIG_TITLE_SIZE: f64 = 15.0;
const LEGEND_SIZE: f64 = 11.0;
const NOTE_SIZE: f64 = 10.5;
const MAJOR_TICK: f64 = 5.0;
const MINOR_TICK: f64 = 3.0;
const LEGEND_ROW: f64 = 16.0;
const LEGEND_SAMPLE: f64 = 24.0;
const BAR_W: f64 = 14.0;
const MISSING: Rgb = Rgb(232, 232, 232);

fn text(x: f64, y: f64, s: Rich, size: f64, anchor: Anchor) -> Item {
    Item::Text {
        x,
        y,
        text: s,
        size,
        anchor,
        vertical: false,
        colour: Rgb::BLACK,
    }
}

fn rect(x: f64, y: f64, w: f64, h: f64, fill: Option<Rgb>, stroke: Option<Stroke>, class: &str) -> Item {
    Item::Path {
        subpaths: vec![vec![(x, y), (x + w, y), (x + w, y + h), (x, y + h)]],
        closed: true,
        stroke,
        fill,
        class: class.into(),
    }
}

fn line(a: (f64, f64), b: (f64, f64), stroke: Stroke) -> Item {
    Item::Path {
        subpaths: vec![vec![a, b]],
        closed: false,
        stroke: Some(stroke),
        fill: None,
        class: String::new(),
    }
}

/// Words of `s` wrapped to lines no wider than `width` at `size`.
fn wrap(s: &str, size: f64, width: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in s.split_whitespace() {
        let trial = if cur.is_empty() {
            w.to_string()
        } else {
            format!("{cur} {w}")
        };
        if !cur.is_empty() && Rich::plain(&trial).width(size) > width {
            lines.push(std::mem::replace(&mut cur, w.to_string()));
        } else {
            cur = trial;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Data → canvas transform of one axis.
#[derive(Debug, Clone, Copy)]
struct Map {
    log: bool,
    t0: f64,
    t1: f64,
    p0: f64,
    p1: f64,
}

impl Map {
    fn t(&self, v: f64) -> Option<f64> {
        if self.log {
            (v > 0.0 && v.is_finite()).then(|| v.log10())
        } else {
            v.is_finite().then_some(v)
        }
    }
    fn at(&self, v: f64) -> Option<f64> {
        self.t(v)
            .map(|t| self.p0 + (t - self.t0) / (self.t1 - self.t0) * (self.p1 - self.p0))
    }
}

/// The data range of an axis: the fixed one, or the data's with a 4 % margin.
fn axis_range(axis: &super::Axis, values: &[f64], pad: bool) -> (f64, f64) {
    let log = axis.scale == Scale::Log;
    if let Some((lo, hi)) = axis.range
        && lo.is_finite()
        && hi > lo
        && (!log || lo > 0.0)
    {
        return (lo, hi);
    }
    let ts: Vec<f64> = values
        .iter()
        .filter(|v| v.is_finite() && (!log || **v > 0.0))
        .map(|v| if log { v.log10() } else { *v })
        .collect();
    let (lo, hi) = ts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(*v), b.max(*v))
    });
    let (lo, hi) = if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi > lo {
        if pad {
            let s = hi - lo;
            (lo - 0.04 * s, hi + 0.04 * s)
        } else {
            (lo, hi)
        }
    } else if log {
        (lo - 0.5, hi + 0.5)
    } else {
        let d = if lo == 0.0 { 1.0 } else { 0.1 * lo.abs() };
        (lo - d, hi + d)
    };
    if log {
        (10f64.powf(lo), 10f64.powf(hi))
    } else {
        (lo, hi)
    }
}

/// Every data coordinate a panel shows, per axis, and whether to pad the fitted range.
fn panel_data(p: &Panel) -> (Vec<f64>, Vec<f64>, bool) {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    let mut pad = true;
    let ylog = p.y.scale == Scale::Log;
    for s in &p.series {
        match &s.kind {
            Kind::Line { .. } | Kind::Points { .. } => {
                for &(x, y) in &s.points {
                    if x.is_finite() && y.is_finite() {
                        xs.push(x);
                        ys.push(y);
                    }
                }
            }
            Kind::Scatter { errors, .. } => {
                for (i, &(x, y)) in s.points.iter().enumerate() {
                    if !(x.is_finite() && y.is_finite()) {
                        continue;
                    }
                    xs.push(x);
                    ys.push(y);
                    let e = errors.get(i).copied().unwrap_or(0.0);
                    if e.is_finite() && e > 0.0 {
                        ys.push(y + e);
                        if !ylog || y - e > 0.0 {
                            ys.push(y - e);
                        }
                    }
                }
            }
            Kind::Arrows { arrows, .. } => {
                for a in arrows {
                    xs.push(a.x);
                    ys.push(a.y);
                }
            }
            Kind::HeatMap {
                values, origin, cell, ..
            } => {
                pad = false;
                let cols = values.iter().map(Vec::len).max().unwrap_or(0) as f64;
                xs.extend([origin.0, origin.0 + cols * cell.0]);
                ys.extend([origin.1, origin.1 + values.len() as f64 * cell.1]);
            }
        }
    }
    if let Some(h) = p.hline {
        ys.push(h);
    }
    (xs, ys, pad)
}

fn axis_ticks(axis: &super::Axis, lo: f64, hi: f64, target: usize) -> Vec<Tick> {
    match axis.scale {
        Scale::Log => ticks::log10(lo, hi, target.max(2)),
        Scale::Linear => ticks::linear_with(lo, hi, target, axis.integer),
    }
}

/// x ticks whose labels do not collide in `width`: the densest of 7 down to 2 targets.
fn fitting_x_ticks(axis: &super::Axis, lo: f64, hi: f64, width: f64) -> Vec<Tick> {
    let map = Map {
        log: axis.scale == Scale::Log,
        t0: if axis.scale == Scale::Log { lo.log10() } else { lo },
        t1: if axis.scale == Scale::Log { hi.log10() } else { hi },
        p0: 0.0,
        p1: width,
    };
    let mut last = Vec::new();
    for target in (2..=7).rev() {
        let ts = axis_ticks(axis, lo, hi, target);
        let mut prev_end = f64::NEG_INFINITY;
        let mut ok = true;
        for t in ts.iter().filter(|t| t.major && !t.label.is_empty()) {
            let Some(x) = map.at(t.value) else { continue };
            let w = t.label.width(TICK_SIZE);
            if x - w / 2.0 < prev_end + 8.0 {
                ok = false;
                break;
            }
            prev_end = x + w / 2.0;
        }
        if ok {
            return ts;
        }
        last = ts;
    }
    last
}

/// A legend entry: label and how its sample is drawn.
#[derive(Debug, Clone)]
struct Entry {
    label: Rich,
    series: Series,
}

/// Whether a series draws anything inside the ranges (a legend lists only what is visible).
fn visible(s: &Series, (x0, x1): (f64, f64), (y0, y1): (f64, f64)) -> bool {
    match &s.kind {
        Kind::Arrows { arrows, .. } => !arrows.is_empty(),
        Kind::HeatMap { .. } => false,
        Kind::Line { .. } | Kind::Scatter { .. } | Kind::Points { .. } => s
            .points
            .iter()
            .any(|&(x, y)| x >= x0 && x <= x1 && y >= y0 && y <= y1),
    }
}

/// Whether a panel has anything to draw: a finite point (positive on a log axis), an arrow or a
/// heat-map cell.
fn drawable(p: &Panel) -> bool {
    let ok = |x: f64, y: f64| {
        x.is_finite()
            && y.is_finite()
            && (p.x.scale != Scale::Log || x > 0.0)
            && (p.y.scale != Scale::Log || y > 0.0)
    };
    p.series.iter().any(|s| match &s.kind {
        Kind::Arrows { arrows, .. } => !arrows.is_empty(),
        Kind::HeatMap { values, .. } => values.iter().any(|r| !r.is_empty()),
        _ => s.points.iter().any(|&(x, y)| ok(x, y)),
    })
}

/// The visible range of a panel's axes.
fn panel_ranges(p: &Panel) -> ((f64, f64), (f64, f64)) {
    let (xs, ys, pad) = panel_data(p);
    (axis_range(&p.x, &xs, pad), axis_range(&p.y, &ys, pad))
}

fn entries(p: &Panel) -> Vec<Entry> {
    let (xr, yr) = panel_ranges(p);
    p.series
        .iter()
        .filter(|s| !s.label.is_empty() && visible(s, xr, yr))
        .map(|s| Entry {
            label: Rich::markup(&s.label),
            series: s.clone(),
        })
        .collect()
}

fn entry_width(e: &Entry) -> f64 {
    LEGEND_SAMPLE + 6.0 + e.label.width(LEGEND_SIZE)
}

/// Draws a legend sample for `s` in the box starting at `(x, y)` (vertical centre `y`).
fn sample(items: &mut Vec<Item>, s: &Series, x: f64, y: f64) {
    let mid = x + LEGEND_SAMPLE / 2.0;
    match &s.kind {
        Kind::Line { dash, width } => items.push(line(
            (x, y),
            (x + LEGEND_SAMPLE, y),
            Stroke {
                colour: s.colour,
                width: *width,
                dash: dash.pattern().to_vec(),
            },
        )),
        Kind::Scatter { marker, errors } => {
            if errors.iter().any(|e| *e > 0.0) {
                items.push(line((mid, y - 5.0), (mid, y + 5.0), Stroke::solid(s.colour, 1.0)));
            }
            marker_item(items, *marker, mid, y, s.colour, "");
        }
        Kind::Points { .. } => marker_item(items, Marker::Circle, mid, y, s.colour, ""),
        // Arrows take their colours from the colour bar; the sample shows the middle one.
        Kind::Arrows { .. } => arrow_item(
            items,
            (x + 3.0, y),
            (1.0, 0.0),
            LEGEND_SAMPLE - 6.0,
            viridis(0.5),
            "",
        ),
        Kind::HeatMap { .. } => {}
    }
}

/// Legend box inside a panel at `(x, y)` (top-left), one entry per row.
fn draw_legend_box(items: &mut Vec<Item>, es: &[Entry], x: f64, y: f64, w: f64) {
    let h = es.len() as f64 * LEGEND_ROW + 6.0;
    items.push(rect(
        x,
        y,
        w,
        h,
        Some(Rgb::WHITE),
        Some(Stroke::solid(Rgb(0xbb, 0xbb, 0xbb), 0.8)),
        "legend",
    ));
    for (i, e) in es.iter().enumerate() {
        let cy = y + 3.0 + LEGEND_ROW * (i as f64 + 0.5);
        sample(items, &e.series, x + 6.0, cy);
        items.push(text(
            x + 6.0 + LEGEND_SAMPLE + 6.0,
            cy + 0.35 * LEGEND_SIZE,
            e.label.clone(),
            LEGEND_SIZE,
            Anchor::Start,
        ));
    }
}

/// Entries flowed left to right in rows no wider than `width`; returns rows of (entry, x offset).
fn flow_rows(es: &[Entry], width: f64) -> Vec<Vec<(usize, f64)>> {
    let mut rows: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut x = 0.0;
    for (i, e) in es.iter().enumerate() {
        let w = entry_width(e) + 16.0;
        if rows.is_empty() || (x + w > width && x > 0.0) {
            rows.push(Vec::new());
            x = 0.0;
        }
        if let Some(r) = rows.last_mut() {
            r.push((i, x));
        }
        x += w;
    }
    rows
}

fn row_width(es: &[Entry], row: &[(usize, f64)]) -> f64 {
    row.last().map_or(0.0, |&(i, x)| x + entry_width(&es[i]))
}

fn draw_flowed_legend(items: &mut Vec<Item>, es: &[Entry], rows: &[Vec<(usize, f64)>], cx: f64, top: f64) {
    for (r, row) in rows.iter().enumerate() {
        let x0 = cx - row_width(es, row) / 2.0;
        let cy = top + LEGEND_ROW * (r as f64 + 0.5);
        for &(i, dx) in row {
            sample(items, &es[i].series, x0 + dx, cy);
            items.push(text(
                x0 + dx + LEGEND_SAMPLE + 6.0,
                cy + 0.35 * LEGEND_SIZE,
                es[i].label.clone(),
                LEGEND_SIZE,
                Anchor::Start,
            ));
        }
    }
}

fn marker_item(items: &mut Vec<Item>, m: Marker, x: f64, y: f64, c: Rgb, class: &str) {
    let r = 3.2;
    let poly = |pts: Vec<(f64, f64)>| Item::Path {
        subpaths: vec![pts],
        closed: true,
        stroke: None,
        fill: Some(c),
        class: class.into(),
    };
    items.push(match m {
        Marker::Circle => Item::Circle {
            x,
            y,
            r,
            fill: Some(c),
            stroke: None,
            class: class.into(),
        },
        Marker::Square => poly(vec![
            (x - r, y - r),
            (x + r, y - r),
            (x + r, y + r),
            (x - r, y + r),
        ]),
        Marker::Triangle => poly(vec![
            (x, y - 1.2 * r),
            (x + 1.1 * r, y + 0.8 * r),
            (x - 1.1 * r, y + 0.8 * r),
        ]),
        Marker::Diamond => poly(vec![(x, y - 1.3 * r), (x + r, y), (x, y + 1.3 * r), (x - r, y)]),
    });
}

/// An arrow from `from` along the unit vector `u` (canvas) of length `len`.
fn arrow_item(items: &mut Vec<Item>, from: (f64, f64), u: (f64, f64), len: f64, c: Rgb, class: &str) {
    let (ux, uy) = u;
    let (ax, ay) = from;
    let (bx, by) = (ax + ux * len, ay + uy * len);
    let head = 0.35 * len;
    let (co, si) = (0.906_307_787, 0.422_618_262); // cos, sin of 25°
    let h1 = (bx - head * (ux * co - uy * si), by - head * (uy * co + ux * si));
    let h2 = (bx - head * (ux * co + uy * si), by - head * (uy * co - ux * si));
    items.push(Item::Path {
        subpaths: vec![vec![(ax, ay), (bx, by)], vec![h1, (bx, by), h2]],
        closed: false,
        stroke: Some(Stroke::solid(c, 1.4)),
        fill: None,
        class: class.into(),
    });
}

/// Plot-area geometry of a panel.
#[derive(Debug, Clone, Copy)]
struct Area {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// Lays out one panel in the cell at `(ox, oy)` of size `(cw, ch)`; returns its plot area.
fn panel(
    items: &mut Vec<Item>,
    p: &Panel,
    idx: usize,
    (ox, oy, cw, ch): (f64, f64, f64, f64),
    own_legend: bool,
) -> Area {
    let (xs, ys, pad) = panel_data(p);
    let has_data = drawable(p);
    let (x0, x1) = axis_range(&p.x, &xs, pad);
    let (y0, y1) = axis_range(&p.y, &ys, pad);
    let x_label = Rich::markup(&p.x.label);
    let y_label = Rich::markup(&p.y.label);
    let title = Rich::markup(&p.title);

    // Vertical extent first: y tick density depends on the height only.
    let top = if title.is_empty() { 12.0 } else { 14.0 + TITLE_SIZE };
    let tick_h = TICK_SIZE * 1.25;
    let mut bottom =
        MAJOR_TICK + 3.0 + tick_h + 6.0 + if x_label.is_empty() { 0.0 } else { LABEL_SIZE + 6.0 };
    let approx_h = ch - top - bottom;
    let y_ticks = axis_ticks(&p.y, y0, y1, ((approx_h / 42.0).floor() as usize).clamp(2, 8));
    let y_tick_w = y_ticks
        .iter()
        .filter(|t| t.major)
        .map(|t| t.label.width(TICK_SIZE))
        .fold(0.0, f64::max);
    let left = 8.0 + if y_label.is_empty() { 0.0 } else { LABEL_SIZE + 6.0 } + y_tick_w + 4.0 + MAJOR_TICK;
    let right = 14.0;
    let mut area = Area {
        x: ox + left,
        y: oy + top,
        w: (cw - left - right).max(20.0),
        h: (ch - top - bottom).max(20.0),
    };
    let aspect_fix = |a: &mut Area| {
        if let Some(r) = p.aspect.filter(|r| r.is_finite() && *r > 0.0) {
            if a.h / a.w > r {
                a.h = a.w * r;
            } else {
                let w = a.h / r;
                a.x += (a.w - w) / 2.0;
                a.w = w;
            }
        }
    };
    aspect_fix(&mut area);
    let x_ticks = fitting_x_ticks(&p.x, x0, x1, area.w);
    // The last x tick label may stick out on the right by half its width.
    if let Some(t) = x_ticks.iter().rev().find(|t| t.major && !t.label.is_empty()) {
        let half = t.label.width(TICK_SIZE) / 2.0;
        let map = Map {
            log: p.x.scale == Scale::Log,
            t0: if p.x.scale == Scale::Log { x0.log10() } else { x0 },
            t1: if p.x.scale == Scale::Log { x1.log10() } else { x1 },
            p0: area.x,
            p1: area.x + area.w,
        };
        if let Some(px) = map.at(t.value) {
            let over = px + half - (ox + cw - 4.0);
            if over > 0.0 && p.aspect.is_none() {
                area.w -= over;
            }
        }
    }

    // Legend: a free corner, or below.
    let es = if own_legend && p.legend {
        entries(p)
    } else {
        Vec::new()
    };
    let box_w = es.iter().map(entry_width).fold(0.0, f64::max) + 12.0;
    let box_h = es.len() as f64 * LEGEND_ROW + 6.0;
    let mut corner: Option<(f64, f64)> = None;
    let mut below_rows = Vec::new();
    let mk_maps = |a: &Area| {
        let lx = p.x.scale == Scale::Log;
        let ly = p.y.scale == Scale::Log;
        (
            Map {
                log: lx,
                t0: if lx { x0.log10() } else { x0 },
                t1: if lx { x1.log10() } else { x1 },
                p0: a.x,
                p1: a.x + a.w,
            },
            Map {
                log: ly,
                t0: if ly { y0.log10() } else { y0 },
                t1: if ly { y1.log10() } else { y1 },
                p0: a.y + a.h,
                p1: a.y,
            },
        )
    };
    if !es.is_empty() {
        let (mx, my) = mk_maps(&area);
        let obstacles = obstacles(p, &mx, &my, &area);
        let inset = 6.0;
        let candidates = [
            (area.x + area.w - inset - box_w, area.y + inset),
            (area.x + inset, area.y + inset),
            (area.x + area.w - inset - box_w, area.y + area.h - inset - box_h),
            (area.x + inset, area.y + area.h - inset - box_h),
        ];
        let fits = box_w + 2.0 * inset <= area.w && box_h + 2.0 * inset <= area.h;
        if fits {
            corner = candidates.into_iter().find(|&(bx, by)| {
                !obstacles.iter().any(|&(x, y)| {
                    x >= bx - 3.0 && x <= bx + box_w + 3.0 && y >= by - 3.0 && y <= by + box_h + 3.0
                })
            });
        }
        if corner.is_none() {
            below_rows = flow_rows(&es, cw - 16.0);
            let extra = below_rows.len() as f64 * LEGEND_ROW + 4.0;
            bottom += extra;
            area.h = (ch - top - bottom).max(20.0);
            aspect_fix(&mut area);
        }
    }
    let (mx, my) = mk_maps(&area);

    // Data, clipped to the plot area.
    let clip_id = format!("panel{idx}");
    items.push(rect(area.x, area.y, area.w, area.h, Some(Rgb::WHITE), None, ""));
    items.push(Item::Clip {
        id: clip_id,
        x: area.x,
        y: area.y,
        w: area.w,
        h: area.h,
    });
    if let Some(hv) = p.hline
        && let Some(y) = my.at(hv)
    {
        items.push(line(
            (area.x, y),
            (area.x + area.w, y),
            Stroke {
                colour: Rgb(0x88, 0x88, 0x88),
                width: 1.0,
                dash: vec![2.0, 3.0],
            },
        ));
    }
    for s in &p.series {
        series(items, s, &mx, &my, &area);
    }
    items.push(Item::EndClip);
    if !has_data {
        items.push(text(
            area.x + area.w / 2.0,
            area.y + area.h / 2.0,
            Rich::plain(if p.y.scale == Scale::Log || p.x.scale == Scale::Log {
                "no data (nothing positive on the log axis)"
            } else {
                "no data"
            }),
            LABEL_SIZE,
            Anchor::Middle,
        ));
    }

    // Frame, ticks, labels.
    items.push(rect(
        area.x,
        area.y,
        area.w,
        area.h,
        None,
        Some(Stroke::solid(Rgb::BLACK, 1.0)),
        "frame",
    ));
    let base = area.y + area.h;
    for t in &x_ticks {
        let Some(x) = mx.at(t.value) else { continue };
        if x < area.x - 0.5 || x > area.x + area.w + 0.5 {
            continue;
        }
        let len = if t.major { MAJOR_TICK } else { MINOR_TICK };
        items.push(line((x, base), (x, base + len), Stroke::solid(Rgb::BLACK, 1.0)));
        if t.major && !t.label.is_empty() {
            items.push(text(
                x,
                base + MAJOR_TICK + 3.0 + 0.8 * TICK_SIZE + if t.label.0.len() > 1 { 2.0 } else { 0.0 },
                t.label.clone(),
                TICK_SIZE,
                Anchor::Middle,
            ));
        }
    }
    for t in &y_ticks {
        let Some(y) = my.at(t.value) else { continue };
        if y < area.y - 0.5 || y > area.y + area.h + 0.5 {
            continue;
        }
        let len = if t.major { MAJOR_TICK } else { MINOR_TICK };
        items.push(line(
            (area.x - len, y),
            (area.x, y),
            Stroke::solid(Rgb::BLACK, 1.0),
        ));
        if t.major && !t.label.is_empty() {
            items.push(text(
                area.x - MAJOR_TICK - 3.0,
                y + 0.36 * TICK_SIZE,
                t.label.clone(),
                TICK_SIZE,
                Anchor::End,
            ));
        }
    }
    let x_label_y = base + MAJOR_TICK + 3.0 + tick_h + 6.0 + 0.8 * LABEL_SIZE;
    if !x_label.is_empty() {
        items.push(text(
            area.x + area.w / 2.0,
            x_label_y,
            x_label,
            LABEL_SIZE,
            Anchor::Middle,
        ));
    }
    if !y_label.is_empty() {
        items.push(Item::Text {
            x: area.x - MAJOR_TICK - 4.0 - y_tick_w - 6.0 - 0.25 * LABEL_SIZE,
            y: area.y + area.h / 2.0,
            text: y_label,
            size: LABEL_SIZE,
            anchor: Anchor::Middle,
            vertical: true,
            colour: Rgb::BLACK,
        });
    }
    if !title.is_empty() {
        items.push(text(
            area.x + area.w / 2.0,
            area.y - 8.0,
            title,
            TITLE_SIZE,
            Anchor::Middle,
        ));
    }
    if let Some((bx, by)) = corner {
        draw_legend_box(items, &es, bx, by, box_w);
    } else if !below_rows.is_empty() {
        draw_flowed_legend(items, &es, &below_rows, ox + cw / 2.0, x_label_y + 6.0);
    }
    area
}

/// Canvas points a legend must not cover: data points and points along lines every ~4 units.
fn obstacles(p: &Panel, mx: &Map, my: &Map, a: &Area) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let inside = |x: f64, y: f64| x >= a.x && x <= a.x + a.w && y >= a.y && y <= a.y + a.h;
    for s in &p.series {
        match &s.kind {
            Kind::Line { .. } => {
                let pts: Vec<Option<(f64, f64)>> = s
                    .points
                    .iter()
                    .map(|&(x, y)| Some((mx.at(x)?, my.at(y)?)))
                    .collect();
                for w in pts.windows(2) {
                    if let [Some(p), Some(q)] = w {
                        let n = ((q.0 - p.0).hypot(q.1 - p.1) / 4.0).ceil().clamp(1.0, 500.0) as usize;
                        for k in 0..=n {
                            let f = k as f64 / n as f64;
                            out.push((p.0 + f * (q.0 - p.0), p.1 + f * (q.1 - p.1)));
                        }
                    }
                }
                out.extend(pts.into_iter().flatten());
            }
            Kind::Scatter { errors, .. } => {
                for (i, &(x, y)) in s.points.iter().enumerate() {
                    if let (Some(px), Some(py)) = (mx.at(x), my.at(y)) {
                        out.push((px, py));
                        let e = errors.get(i).copied().unwrap_or(0.0);
                        for v in [y - e, y + e] {
                            if let Some(q) = my.at(v) {
                                out.push((px, q));
                            }
                        }
                    }
                }
            }
            Kind::Points { .. } => {
                for &(x, y) in &s.points {
                    if let (Some(px), Some(py)) = (mx.at(x), my.at(y)) {
                        out.push((px, py));
                        out.push((px + 40.0, py - 6.0));
                    }
                }
            }
            Kind::Arrows { arrows, .. } => {
                out.extend(arrows.iter().filter_map(|a| Some((mx.at(a.x)?, my.at(a.y)?))));
            }
            Kind::HeatMap { .. } => {
                // Covers the whole plot area.
                out.push((a.x + a.w / 2.0, a.y + a.h / 2.0));
                for fx in [0.05, 0.95] {
                    for fy in [0.05, 0.95] {
                        out.push((a.x + fx * a.w, a.y + fy * a.h));
                    }
                }
            }
        }
    }
    out.retain(|&(x, y)| inside(x, y));
    out
}

/// Draws one series (inside the panel's clip).
fn series(items: &mut Vec<Item>, s: &Series, mx: &Map, my: &Map, a: &Area) {
    // Points far outside the plot area break a line (the clip hides what is just outside).
    let near =
        |x: f64, y: f64| x >= a.x - a.w && x <= a.x + 2.0 * a.w && y >= a.y - a.h && y <= a.y + 2.0 * a.h;
    match &s.kind {
        Kind::Line { dash, width } => {
            let mut subpaths = Vec::new();
            let mut cur: Vec<(f64, f64)> = Vec::new();
            for &(x, y) in &s.points {
                match (mx.at(x), my.at(y)) {
                    (Some(px), Some(py)) if near(px, py) => cur.push((px, py)),
                    _ => {
                        if cur.len() > 1 {
                            subpaths.push(std::mem::take(&mut cur));
                        }
                        cur.clear();
                    }
                }
            }
            if cur.len() > 1 {
                subpaths.push(cur);
            }
            // One element per connected piece, so a class counts pieces.
            for sp in subpaths {
                items.push(Item::Path {
                    subpaths: vec![sp],
                    closed: false,
                    stroke: Some(Stroke {
                        colour: s.colour,
                        width: *width,
                        dash: dash.pattern().to_vec(),
                    }),
                    fill: None,
                    class: s.class.clone(),
                });
            }
        }
        Kind::Scatter { marker, errors } => {
            for (i, &(x, y)) in s.points.iter().enumerate() {
                let (Some(px), Some(py)) = (mx.at(x), my.at(y)) else {
                    continue;
                };
                let e = errors.get(i).copied().unwrap_or(0.0);
                if e.is_finite() && e > 0.0 {
                    // On a log axis a lower end at or below zero runs to the bottom edge.
                    let lo = my.at(y - e).unwrap_or(a.y + a.h + 1.0);
                    let hi = my.at(y + e).unwrap_or(a.y - 1.0);
                    let st = Stroke::solid(s.colour, 1.0);
                    items.push(Item::Path {
                        subpaths: vec![
                            vec![(px, lo), (px, hi)],
                            vec![(px - 2.5, lo), (px + 2.5, lo)],
                            vec![(px - 2.5, hi), (px + 2.5, hi)],
                        ],
                        closed: false,
                        stroke: Some(st),
                        fill: None,
                        class: String::new(),
                    });
                }
                marker_item(items, *marker, px, py, s.colour, &s.class);
            }
        }
        Kind::Points { notes } => {
            for (i, &(x, y)) in s.points.iter().enumerate() {
                let (Some(px), Some(py)) = (mx.at(x), my.at(y)) else {
                    continue;
                };
                items.push(Item::Circle {
                    x: px,
                    y: py,
                    r: 3.8,
                    fill: Some(s.colour),
                    stroke: Some(Stroke::solid(Rgb::WHITE, 1.0)),
                    class: s.class.clone(),
                });
                if let Some(n) = notes.get(i).filter(|n| !n.is_empty()) {
                    let label = Rich::markup(n);
                    // Left of the point when the note would leave the plot on the right.
                    let lw = label.width(10.0);
                    let right = px + 6.0 + lw <= a.x + a.w;
                    // A white patch keeps the note readable over arrows or lines.
                    let left_edge = if right { px + 4.0 } else { px - 8.0 - lw };
                    items.push(rect(
                        left_edge,
                        py - 14.0,
                        lw + 4.0,
                        12.0,
                        Some(Rgb::WHITE),
                        None,
                        "",
                    ));
                    items.push(Item::Text {
                        x: if right { px + 6.0 } else { px - 6.0 },
                        y: py - 5.0,
                        text: label,
                        size: 10.0,
                        anchor: if right { Anchor::Start } else { Anchor::End },
                        vertical: false,
                        colour: s.colour,
                    });
                }
            }
        }
        Kind::Arrows {
            arrows,
            scale,
            length,
        } => {
            for Arrow { x, y, dx, dy, value } in arrows.iter().copied() {
                let (Some(cx), Some(cy)) = (mx.at(x), my.at(y)) else {
                    continue;
                };
                // Direction in canvas space, so arrows have one length whatever the aspect.
                let vx = dx / (mx.t1 - mx.t0) * (mx.p1 - mx.p0);
                let vy = dy / (my.t1 - my.t0) * (my.p1 - my.p0);
                let m = vx.hypot(vy);
                let col = scale.colour(value).unwrap_or(viridis(0.0));
                if !(m.is_finite() && m > 0.0) {
                    items.push(Item::Circle {
                        x: cx,
                        y: cy,
                        r: 1.5,
                        fill: Some(col),
                        stroke: None,
                        class: s.class.clone(),
                    });
                    continue;
                }
                let u = (vx / m, vy / m);
                arrow_item(
                    items,
                    (cx - u.0 * length / 2.0, cy - u.1 * length / 2.0),
                    u,
                    *length,
                    col,
                    &s.class,
                );
            }
        }
        Kind::HeatMap {
            values,
            origin,
            cell,
            scale,
        } => {
            for (r, row) in values.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    let (xa, xb) = (origin.0 + c as f64 * cell.0, origin.0 + (c as f64 + 1.0) * cell.0);
                    let (ya, yb) = (origin.1 + r as f64 * cell.1, origin.1 + (r as f64 + 1.0) * cell.1);
                    let (Some(pa), Some(pb), Some(qa), Some(qb)) =
                        (mx.at(xa), mx.at(xb), my.at(ya), my.at(yb))
                    else {
                        continue;
                    };
                    let fill = v.and_then(|v| scale.colour(v)).unwrap_or(MISSING);
                    let (x, w) = (pa.min(pb), (pb - pa).abs());
                    let (y, h) = (qa.min(qb), (qb - qa).abs());
                    // A hair of overlap hides anti-aliasing seams between cells.
                    items.push(rect(x, y, w + 0.3, h + 0.3, Some(fill), None, &s.class));
                }
            }
        }
    }
}

/// Colour bar at `x`, spanning `[top, top + h]`; returns nothing, pushes items.
fn colour_bar(items: &mut Vec<Item>, bar: &super::ColourBar, x: f64, top: f64, h: f64) {
    let slices = 64;
    let sh = h / slices as f64;
    for k in 0..slices {
        let t = (k as f64 + 0.5) / slices as f64;
        items.push(rect(
            x,
            top + h - (k as f64 + 1.0) * sh,
            BAR_W,
            sh + 0.3,
            Some(viridis(t)),
            None,
            "",
        ));
    }
    items.push(rect(
        x,
        top,
        BAR_W,
        h,
        None,
        Some(Stroke::solid(Rgb::BLACK, 1.0)),
        "colourbar",
    ));
    let ts = bar_ticks(&bar.scale, h);
    let mut maxw: f64 = 0.0;
    for t in &ts {
        let Some(f) = bar.scale.position(t.value) else {
            continue;
        };
        let y = top + h - f * h;
        let len = if t.major { MAJOR_TICK } else { MINOR_TICK };
        items.push(line(
            (x + BAR_W, y),
            (x + BAR_W + len, y),
            Stroke::solid(Rgb::BLACK, 1.0),
        ));
        if t.major && !t.label.is_empty() {
            maxw = maxw.max(t.label.width(TICK_SIZE));
            items.push(text(
                x + BAR_W + MAJOR_TICK + 3.0,
                y + 0.36 * TICK_SIZE,
                t.label.clone(),
                TICK_SIZE,
                Anchor::Start,
            ));
        }
    }
    items.push(Item::Text {
        x: x + BAR_W + MAJOR_TICK + 3.0 + maxw + 8.0 + 0.8 * LABEL_SIZE,
        y: top + h / 2.0,
        text: Rich::markup(&bar.label),
        size: LABEL_SIZE,
        anchor: Anchor::Middle,
        vertical: true,
        colour: Rgb::BLACK,
    });
}

fn bar_ticks(scale: &ColourScale, h: f64) -> Vec<Tick> {
    let target = ((h / 40.0).floor() as usize).clamp(2, 7);
    let ts = if scale.log {
        ticks::log10(scale.lo, scale.hi, target)
    } else {
        ticks::linear(scale.lo, scale.hi, target)
    };
    ts.into_iter()
        .filter(|t| {
            t.value >= scale.lo.min(scale.hi) - 1e-12 * scale.hi.abs()
                && t.value <= scale.hi.max(scale.lo) + 1e-12 * scale.hi.abs()
        })
        .collect()
}

fn bar_width(bar: &super::ColourBar, h: f64) -> f64 {
    let maxw = bar_ticks(&bar.scale, h)
        .iter()
        .filter(|t| t.major)
        .map(|t| t.label.width(TICK_SIZE))
        .fold(0.0, f64::max);
    12.0 + BAR_W + MAJOR_TICK + 3.0 + maxw + 8.0 + LABEL_SIZE + 8.0
}

/// Lays out a whole figure.
pub fn layout(fig: &Figure) -> Scene {
    let columns = fig.columns.max(1);
    let n = fig.panels.len().max(1);
    let rows = n.div_ceil(columns);
    let (cw, ch) = fig.cell;
    let grid_w = cw * columns.min(n) as f64;
    let bar_w = fig.colour_bar.as_ref().map_or(0.0, |b| bar_width(b, ch - 60.0));
    let width = grid_w + bar_w;
    let title = Rich::plain(&fig.title);
    let subtitle_lines = wrap(&fig.subtitle, 11.0, width - 20.0);
    let mut top = 6.0;
    if !title.is_empty() {
        top += FIG_TITLE_SIZE + 8.0;
    }
    top += subtitle_lines.len() as f64 * 15.0;
    let shared: Vec<Entry> = if fig.shared_legend {
        let mut seen = Vec::new();
        fig.panels
            .iter()
            .flat_map(entries)
            .filter(|e| {
                let l = e.label.flat();
                if seen.contains(&l) {
                    false
                } else {
                    seen.push(l);
                    true
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let legend_rows = flow_rows(&shared, width - 20.0);
    let legend_h = if shared.is_empty() {
        0.0
    } else {
        legend_rows.len() as f64 * LEGEND_ROW + 8.0
    };
    let notes: Vec<String> = fig
        .notes
        .iter()
        .flat_map(|n| wrap(n, NOTE_SIZE, width - 24.0))
        .collect();
    let notes_h = if notes.is_empty() {
        0.0
    } else {
        notes.len() as f64 * (NOTE_SIZE + 3.0) + 6.0
    };
    let height = top + rows as f64 * ch + legend_h + notes_h + 4.0;
    let mut items = vec![rect(0.0, 0.0, width, height, Some(Rgb::WHITE), None, "")];
    let mut y = 6.0;
    if !title.is_empty() {
        y += FIG_TITLE_SIZE;
        items.push(text(width / 2.0, y, title, FIG_TITLE_SIZE, Anchor::Middle));
        y += 8.0;
    }
    for l in &subtitle_lines {
        y += 13.0;
        items.push(text(width / 2.0, y, Rich::plain(l), 11.0, Anchor::Middle));
        y += 2.0;
    }
    let mut first_row: Option<(f64, f64)> = None;
    for (i, p) in fig.panels.iter().enumerate() {
        let (c, r) = (i % columns, i / columns);
        let a = panel(
            &mut items,
            p,
            i,
            (c as f64 * cw, top + r as f64 * ch, cw, ch),
            !fig.shared_legend,
        );
        if r == 0 {
            first_row = Some(match first_row {
                Some((t, b)) => (t.min(a.y), b.max(a.y + a.h)),
                None => (a.y, a.y + a.h),
            });
        }
    }
    if let Some(bar) = &fig.colour_bar {
        let (t, b) = first_row.unwrap_or((top + 20.0, top + ch - 50.0));
        colour_bar(&mut items, bar, grid_w + 12.0, t, b - t);
    }
    let mut y = top + rows as f64 * ch;
    if !shared.is_empty() {
        draw_flowed_legend(&mut items, &shared, &legend_rows, width / 2.0, y + 2.0);
        y += legend_h;
    }
    for l in &notes {
        y += NOTE_SIZE + 3.0;
        items.push(text(12.0, y, Rich::plain(l), NOTE_SIZE, Anchor::Start));
    }
    Scene {
        width,
        height,
        items,
        title: fig.title.clone(),
    }
}
