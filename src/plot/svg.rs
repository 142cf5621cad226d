//! SVG backend: writes a laid-out [`Scene`] as a standalone SVG document.

use std::fmt::Write as _;

use super::Rgb;
use super::layout::{Anchor, Item, Scene, Stroke};
use super::text::{Shift, run_rise, run_size};

/// Escapes text for SVG character data and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML 1.0 forbids are dropped rather than written.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with two decimals, trailing zeros trimmed (callers never pass non-finite values;
/// a non-finite one is written as 0 so the document stays valid).
fn n(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn colour(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

fn stroke_attrs(s: &Option<Stroke>) -> String {
    match s {
        None => " stroke=\"none\"".into(),
        Some(s) => {
            let mut a = format!(" stroke=\"{}\" stroke-width=\"{}\"", colour(s.colour), n(s.width));
            if !s.dash.is_empty() {
                let d: Vec<String> = s.dash.iter().map(|v| n(*v)).collect();
                let _ = write!(a, " stroke-dasharray=\"{}\"", d.join(","));
            }
            a
        }
    }
}

fn class_attr(c: &str) -> String {
    if c.is_empty() {
        String::new()
    } else {
        format!(" class=\"{}\"", escape(c))
    }
}

/// A prefix for the element ids of one figure: several figures inlined in one HTML page must not
/// share clip-path ids (a `url(#id)` resolves to the first element of the page with that id).
/// FNV-1a of the scene, so the output stays deterministic; identical figures share ids, and
/// then also identical clip rectangles.
fn id_prefix(scene: &Scene) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("{:?}{}{}", scene.items, scene.width, scene.height).bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("f{:08x}-", h >> 32)
}

/// The scene as an SVG document.
pub fn render(scene: &Scene) -> String {
    let prefix = id_prefix(scene);
    let (w, h) = (n(scene.width), n(scene.height));
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\"><title>{}</title>",
        escape(&scene.title)
    );
    for item in &scene.items {
        match item {
            Item::Path {
                subpaths,
                closed,
                stroke,
                fill,
                class,
            } => {
                let mut d = String::new();
                for sp in subpaths {
                    for (i, (x, y)) in sp.iter().enumerate() {
                        let _ = write!(d, "{}{},{}", if i == 0 { "M" } else { "L" }, n(*x), n(*y));
                    }
                    if *closed {
                        d.push('Z');
                    }
                }
                let fill = fill.map_or("none".to_string(), colour);
                let _ = write!(
                    out,
                    "<path{} d=\"{d}\" fill=\"{fill}\"{}/>",
                    class_attr(class),
                    stroke_attrs(stroke)
                );
            }
            Item::Circle {
                x,
                y,
                r,
                fill,
                stroke,
                class,
            } => {
                let fill = fill.map_or("none".to_string(), colour);
                let _ = write!(
                    out,
                    "<circle{} cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{fill}\"{}/>",
                    class_attr(class),
                    n(*x),
                    n(*y),
                    n(*r),
                    stroke_attrs(stroke)
                );
            }
            Item::Text {
                x,
                y,
                text,
                size,
                anchor,
                vertical,
                colour: c,
            } => {
                let anchor = match anchor {
                    Anchor::Start => "start",
                    Anchor::Middle => "middle",
                    Anchor::End => "end",
                };
                let (px, py) = (n(*x), n(*y));
                let transform = if *vertical {
                    format!(" transform=\"rotate(-90 {px} {py})\"")
                } else {
                    String::new()
                };
                let fill = if *c == Rgb::BLACK {
                    String::new()
                } else {
                    format!(" fill=\"{}\"", colour(*c))
                };
                let _ = write!(
                    out,
                    "<text x=\"{px}\" y=\"{py}\" font-size=\"{}\" text-anchor=\"{anchor}\"{transform}{fill}>",
                    n(*size)
                );
                // Scripts shift with dy (relative), so the next run returns to the baseline.
                let mut rise = 0.0;
                for run in &text.0 {
                    if run.text.is_empty() {
                        continue;
                    }
                    let r = run_rise(*size, run.shift);
                    let dy = rise - r;
                    rise = r;
                    if run.shift == Shift::Normal && dy.abs() < 1e-9 {
                        out.push_str(&escape(&run.text));
                    } else {
                        let _ = write!(
                            out,
                            "<tspan dy=\"{}\" font-size=\"{}\">{}</tspan>",
                            n(dy),
                            n(run_size(*size, run.shift)),
                            escape(&run.text)
                        );
                    }
                }
                out.push_str("</text>");
            }
            Item::Clip { id, x, y, w, h } => {
                let id = escape(&format!("{prefix}{id}"));
                let _ = write!(
                    out,
                    "<defs><clipPath id=\"{id}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath></defs><g clip-path=\"url(#{id})\">",
                    n(*x),
                    n(*y),
                    n(*w),
                    n(*h)
                );
            }
            Item::EndClip => out.push_str("</g>"),
        }
    }
    out.push_str("</svg>\n");
    out
}
