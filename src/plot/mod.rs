//! The one plotting layer: a figure model (panels with axes, series, legends and a colour bar),
//! a layout that turns it into drawing primitives on a canvas, and two writers of those
//! primitives, SVG ([`svg`]) and a minimal vector PDF ([`pdf`]).
//!
//! Plot coordinates are `f64` on purpose: a figure is a picture of numbers whose verified values
//! live in the JSON/CSV next to it. Non-finite points (and non-positive ones on a log axis) are
//! skipped, never written.
//!
//! ```
//! use renorm::plot::{Axis, Figure, Panel, Rgb, Series};
//! let panel = Panel::new("", Axis::log("mode k"), Axis::log("⟨Δ_k⟩"))
//!     .with(Series::line("RG", Rgb::BLUE, vec![(1.0, 1.0), (10.0, 0.1)]));
//! let fig = Figure::new("example", vec![panel], 1);
//! assert!(fig.to_svg().starts_with("<svg") && fig.to_pdf().starts_with("%PDF-1.4"));
//! ```

pub mod layout;
pub mod pdf;
pub mod svg;
pub mod text;
pub mod ticks;

pub use text::Rich;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Black.
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    /// Mid grey.
    pub const GREY: Rgb = Rgb(0x66, 0x66, 0x66);
    /// The blue of the RG curves.
    pub const BLUE: Rgb = Rgb(0x1f, 0x5f, 0xbf);
    /// Red.
    pub const RED: Rgb = Rgb(0xd6, 0x27, 0x28);
    /// Orange.
    pub const ORANGE: Rgb = Rgb(0xf0, 0x8c, 0x00);
    /// Green.
    pub const GREEN: Rgb = Rgb(0x2c, 0xa0, 0x2c);
    /// White.
    pub const WHITE: Rgb = Rgb(255, 255, 255);

    /// From `0xRRGGBB`.
    pub const fn hex(v: u32) -> Rgb {
        Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
    }

    /// The `i`-th colour of a ten-colour qualitative palette (cycling).
    pub fn palette(i: usize) -> Rgb {
        const P: [u32; 10] = [
            0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22,
            0x17becf,
        ];
        Rgb::hex(P[i % P.len()])
    }
}

/// Viridis (nine stops of the published map, linear in between): perceptually ordered and
/// legible in greyscale. `t` is clamped to `[0, 1]`; a non-finite `t` maps to the low end.
pub fn viridis(t: f64) -> Rgb {
    const STOPS: [(f64, f64, f64); 9] = [
        (68.0, 1.0, 84.0),
        (71.0, 44.0, 122.0),
        (59.0, 81.0, 139.0),
        (44.0, 113.0, 142.0),
        (33.0, 144.0, 141.0),
        (39.0, 173.0, 129.0),
        (92.0, 200.0, 99.0),
        (170.0, 220.0, 50.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * (STOPS.len() - 1) as f64;
    let k = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - k as f64;
    let (a, b) = (STOPS[k], STOPS[k + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    Rgb(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Line dash pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dash {
    /// Solid.
    #[default]
    Solid,
    /// Long dashes.
    Dashed,
    /// Dots.
    Dotted,
}

impl Dash {
    /// Dash array in canvas units (empty for solid).
    pub fn pattern(self) -> &'static [f64] {
        match self {
            Dash::Solid => &[],
            Dash::Dashed => &[6.0, 4.0],
            Dash::Dotted => &[2.0, 3.0],
        }
    }
}

/// Marker shape of a scatter series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Marker {
    /// Filled circle.
    #[default]
    Circle,
    /// Filled square.
    Square,
    /// Filled upward triangle.
    Triangle,
    /// Filled diamond.
    Diamond,
}

/// Axis scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    /// Linear.
    #[default]
    Linear,
    /// Base-10 logarithmic; non-positive values are not drawn.
    Log,
}

/// One axis of a panel.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Axis {
    /// What the axis shows, in label markup ([`Rich::markup`]).
    pub label: String,
    /// Linear or logarithmic.
    pub scale: Scale,
    /// Fixed visible range; `None` fits the data with a small margin.
    pub range: Option<(f64, f64)>,
    /// Ticks only at whole numbers (indices).
    pub integer: bool,
}

impl Axis {
    /// A linear axis fitted to the data.
    pub fn linear(label: &str) -> Axis {
        Axis {
            label: label.into(),
            ..Axis::default()
        }
    }

    /// A base-10 logarithmic axis fitted to the data.
    pub fn log(label: &str) -> Axis {
        Axis {
            label: label.into(),
            scale: Scale::Log,
            ..Axis::default()
        }
    }

    /// With a fixed visible range.
    pub fn range(mut self, lo: f64, hi: f64) -> Axis {
        self.range = Some((lo, hi));
        self
    }

    /// With ticks only at whole numbers.
    pub fn integer(mut self) -> Axis {
        self.integer = true;
        self
    }
}

/// A colour scale: values `lo..hi` onto viridis, linearly or in `log10`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColourScale {
    /// Value at the low end.
    pub lo: f64,
    /// Value at the high end.
    pub hi: f64,
    /// Map `log10(value)` (values must be positive).
    pub log: bool,
}

impl ColourScale {
    /// Where `v` falls on the scale, in `[0, 1]` (`None` for a value that has no colour).
    pub fn position(&self, v: f64) -> Option<f64> {
        let (v, lo, hi) = if self.log {
            if !(v > 0.0 && self.lo > 0.0) {
                return None;
            }
            (v.log10(), self.lo.log10(), self.hi.log10())
        } else {
            (v, self.lo, self.hi)
        };
        if !v.is_finite() {
            return None;
        }
        Some(if hi > lo {
            ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
        } else {
            0.5
        })
    }

    /// Colour of `v`.
    pub fn colour(&self, v: f64) -> Option<Rgb> {
        self.position(v).map(viridis)
    }

    /// The scale spanning the finite (for `log`: positive) values of `values`; a single value
    /// gets a unit-wide (one-decade) scale around it.
    pub fn fit(values: impl IntoIterator<Item = f64>, log: bool) -> ColourScale {
        let (lo, hi) = values
            .into_iter()
            .filter(|v| v.is_finite() && (!log || *v > 0.0))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        let (lo, hi) = match (lo.is_finite(), hi > lo, log) {
            (false, _, false) => (0.0, 1.0),
            (false, _, true) => (1.0, 10.0),
            (true, true, _) => (lo, hi),
            (true, false, false) => (lo - 0.5, hi + 0.5),
            (true, false, true) => (lo / 10f64.sqrt(), hi * 10f64.sqrt()),
        };
        ColourScale { lo, hi, log }
    }
}

/// A colour bar beside the panels.
#[derive(Debug, Clone, PartialEq)]
pub struct ColourBar {
    /// What the colours mean, in label markup.
    pub label: String,
    /// The scale.
    pub scale: ColourScale,
}

/// One arrow of a vector field, drawn with a fixed on-screen length along `(dx, dy)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrow {
    /// Centre, data x.
    pub x: f64,
    /// Centre, data y.
    pub y: f64,
    /// Direction, data x component.
    pub dx: f64,
    /// Direction, data y component.
    pub dy: f64,
    /// Value that sets the colour.
    pub value: f64,
}

/// What a series draws.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A polyline through `points`, broken at skipped points.
    Line {
        /// Dash pattern.
        dash: Dash,
        /// Stroke width.
        width: f64,
    },
    /// Markers, never joined, with optional symmetric error bars (`errors`, same length as
    /// `points`, or empty).
    Scatter {
        /// Marker shape.
        marker: Marker,
        /// Error bar half-lengths.
        errors: Vec<f64>,
    },
    /// A vector field; `colour` of the series is ignored, each arrow is coloured on `scale`.
    Arrows {
        /// The arrows.
        arrows: Vec<Arrow>,
        /// Colour scale of the arrow values.
        scale: ColourScale,
        /// On-screen arrow length in canvas units.
        length: f64,
    },
    /// Marked points with a text annotation each (`notes[i]` beside `points[i]`).
    Points {
        /// Annotations.
        notes: Vec<String>,
    },
    /// A matrix of cells: `values[row][col]` covers the data rectangle
    /// `[x0 + col·dx, x0 + (col+1)·dx] × [y0 + row·dy, y0 + (row+1)·dy]`; `None` (or a value the
    /// scale cannot colour) is drawn light grey.
    HeatMap {
        /// Cell values, row-major; row 0 at the bottom.
        values: Vec<Vec<Option<f64>>>,
        /// Lower-left corner `(x0, y0)`.
        origin: (f64, f64),
        /// Cell size `(dx, dy)`.
        cell: (f64, f64),
        /// Colour scale.
        scale: ColourScale,
    },
}

/// One data series.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text in label markup; empty keeps the series out of the legend.
    pub label: String,
    /// Colour.
    pub colour: Rgb,
    /// `(x, y)` data points (unused by arrows and heat maps).
    pub points: Vec<(f64, f64)>,
    /// What is drawn.
    pub kind: Kind,
    /// A class name for the SVG elements of this series (for styling and tests); may be empty.
    pub class: String,
}

impl Series {
    /// A solid line.
    pub fn line(label: &str, colour: Rgb, points: Vec<(f64, f64)>) -> Series {
        Series {
            label: label.into(),
            colour,
            points,
            kind: Kind::Line {
                dash: Dash::Solid,
                width: 1.6,
            },
            class: String::new(),
        }
    }

    /// A dashed or dotted line.
    pub fn dashed(label: &str, colour: Rgb, dash: Dash, points: Vec<(f64, f64)>) -> Series {
        Series {
            kind: Kind::Line { dash, width: 1.6 },
            ..Series::line(label, colour, points)
        }
    }

    /// Markers with symmetric error bars (`errors` empty for none).
    pub fn scatter(
        label: &str,
        colour: Rgb,
        marker: Marker,
        points: Vec<(f64, f64)>,
        errors: Vec<f64>,
    ) -> Series {
        Series {
            label: label.into(),
            colour,
            points,
            kind: Kind::Scatter { marker, errors },
            class: String::new(),
        }
    }

    /// Annotated points.
    pub fn annotated(label: &str, colour: Rgb, points: Vec<(f64, f64)>, notes: Vec<String>) -> Series {
        Series {
            label: label.into(),
            colour,
            points,
            kind: Kind::Points { notes },
            class: String::new(),
        }
    }

    /// A vector field.
    pub fn arrows(label: &str, arrows: Vec<Arrow>, scale: ColourScale, length: f64) -> Series {
        Series {
            label: label.into(),
            colour: Rgb::GREY,
            points: Vec::new(),
            kind: Kind::Arrows {
                arrows,
                scale,
                length,
            },
            class: String::new(),
        }
    }

    /// A heat map.
    pub fn heat_map(
        values: Vec<Vec<Option<f64>>>,
        origin: (f64, f64),
        cell: (f64, f64),
        scale: ColourScale,
    ) -> Series {
        Series {
            label: String::new(),
            colour: Rgb::BLACK,
            points: Vec::new(),
            kind: Kind::HeatMap {
                values,
                origin,
                cell,
                scale,
            },
            class: String::new(),
        }
    }

    /// With an SVG class name.
    pub fn class(mut self, class: &str) -> Series {
        self.class = class.into();
        self
    }

    /// With a stroke width (lines only).
    pub fn width(mut self, w: f64) -> Series {
        if let Kind::Line { width, .. } = &mut self.kind {
            *width = w;
        }
        self
    }
}

/// One panel: axes, data, an optional horizontal reference line, a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Title above the panel, in label markup ([`Rich::markup`]); may be empty.
    pub title: String,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// The data, drawn in order.
    pub series: Vec<Series>,
    /// A dotted grey horizontal reference line (e.g. `0` on a residual panel).
    pub hline: Option<f64>,
    /// Plot-area height over width, if it must be fixed (`1` for a square panel).
    pub aspect: Option<f64>,
    /// Draw a legend when at least one series is labelled.
    pub legend: bool,
}

impl Panel {
    /// A panel with a legend and no data yet.
    pub fn new(title: &str, x: Axis, y: Axis) -> Panel {
        Panel {
            title: title.into(),
            x,
            y,
            series: Vec::new(),
            hline: None,
            aspect: None,
            legend: true,
        }
    }

    /// With one more series.
    pub fn with(mut self, s: Series) -> Panel {
        self.series.push(s);
        self
    }
}

/// A figure: a grid of panels, a title, an optional shared colour bar and legend, notes below.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Title (plain text); may be empty.
    pub title: String,
    /// A second, smaller title line (plain text); may be empty.
    pub subtitle: String,
    /// Panels, row by row.
    pub panels: Vec<Panel>,
    /// Panels per row.
    pub columns: usize,
    /// Size of one grid cell (panel with its margins), canvas units.
    pub cell: (f64, f64),
    /// A colour bar right of the grid, as tall as the first row's plot areas.
    pub colour_bar: Option<ColourBar>,
    /// One legend below the grid for the labelled series of all panels (panel legends are then
    /// not drawn).
    pub shared_legend: bool,
    /// Lines of small text below everything (wrapped to the canvas width).
    pub notes: Vec<String>,
}

impl Figure {
    /// A figure with default cell size.
    pub fn new(title: &str, panels: Vec<Panel>, columns: usize) -> Figure {
        Figure {
            title: title.into(),
            subtitle: String::new(),
            panels,
            columns: columns.max(1),
            cell: (400.0, 300.0),
            colour_bar: None,
            shared_legend: false,
            notes: Vec::new(),
        }
    }

    /// The figure as an SVG document.
    pub fn to_svg(&self) -> String {
        svg::render(&layout::layout(self))
    }

    /// The figure as a single-page PDF 1.4 document (ASCII only, so it can be held in a `String`).
    pub fn to_pdf(&self) -> String {
        pdf::render(&layout::layout(self))
    }
}

/// A figure with the file stem it is written under and its caption in a report.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureFile {
    /// File stem: the figure goes to `STEM.svg` and `STEM.pdf`.
    pub stem: String,
    /// Caption in a report.
    pub caption: String,
    /// The figure.
    pub figure: Figure,
}

impl FigureFile {
    /// `STEM.svg`.
    pub fn svg_name(&self) -> String {
        format!("{}.svg", self.stem)
    }

    /// `STEM.pdf`.
    pub fn pdf_name(&self) -> String {
        format!("{}.pdf", self.stem)
    }

    /// Writes `STEM.svg` and `STEM.pdf` into `dir` (atomically, each).
    pub fn write(&self, dir: &std::path::Path) -> crate::error::Result<()> {
        crate::atomic_write::write_atomic(&dir.join(self.svg_name()), self.figure.to_svg().as_bytes())?;
        crate::atomic_write::write_atomic(&dir.join(self.pdf_name()), self.figure.to_pdf().as_bytes())
    }

    /// The report block showing this figure (SVG embedded, both files referenced).
    pub fn block(&self) -> crate::report::Block {
        crate::report::Block::Figure {
            caption: self.caption.clone(),
            svg: self.figure.to_svg(),
            file: Some(self.svg_name()),
            pdf_file: Some(self.pdf_name()),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
