//! Tests of the plotting layer: SVG well-formedness, PDF structure, legends, colour bars and
//! non-finite data.

use super::*;

/// Minimal well-formedness: every tag closes in order, no raw `<` or `&` in text, no NaN or
/// infinity among the numbers.
pub(crate) fn well_formed(svg: &str) -> Result<(), String> {
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
    if !stack.is_empty() {
        return Err(format!("unclosed {stack:?}"));
    }
    for bad in ["NaN", "inf", "Infinity"] {
        if svg.contains(bad) {
            return Err(format!("{bad} in output"));
        }
    }
    Ok(())
}

/// Checks a PDF's skeleton: header, every xref offset at `N 0 obj`, startxref at `xref`, EOF.
pub(crate) fn pdf_structure(pdf: &str) -> Result<usize, String> {
    if !pdf.starts_with("%PDF-1.4\n") {
        return Err("header".into());
    }
    if !pdf.trim_end().ends_with("%%EOF") {
        return Err("no %%EOF".into());
    }
    let sx = pdf.rfind("startxref\n").ok_or("no startxref")?;
    let xref_at: usize = pdf[sx + 10..]
        .lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .ok_or("startxref value")?;
    if !pdf[xref_at..].starts_with("xref\n") {
        return Err(format!("startxref {xref_at} does not point at xref"));
    }
    let mut lines = pdf[xref_at..].lines().skip(1);
    let header = lines.next().ok_or("xref subsection")?;
    let count: usize = header
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or("xref count")?;
    let free = lines.next().ok_or("free entry")?;
    if free != "0000000000 65535 f " {
        return Err(format!("free entry {free:?}"));
    }
    for obj in 1..count {
        let entry = lines.next().ok_or("missing xref entry")?;
        if entry.len() != 19 || !entry.ends_with(" 00000 n ") {
            return Err(format!("entry {entry:?}"));
        }
        let off: usize = entry[..10].parse().map_err(|_| "offset")?;
        if !pdf[off..].starts_with(&format!("{obj} 0 obj\n")) {
            return Err(format!(
                "xref entry {obj} -> {:?}",
                &pdf[off..(off + 12).min(pdf.len())]
            ));
        }
    }
    // Every stream's /Length matches its data.
    let mut rest = pdf;
    while let Some(i) = rest.find("/Length ") {
        let after = &rest[i + 8..];
        let len: usize = after
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or("length")?;
        let s = after.find("stream\n").ok_or("stream")? + 7;
        if !after[s + len..].starts_with("\nendstream") {
            return Err("stream /Length".into());
        }
        rest = &after[s + len..];
    }
    if !pdf.is_ascii() {
        return Err("non-ASCII byte".into());
    }
    Ok(count)
}

fn two_series_panel() -> Panel {
    Panel::new("a<b & c", Axis::log("mode k"), Axis::log("⟨Δ_k⟩"))
        .with(Series::line(
            "RG prediction",
            Rgb::BLUE,
            vec![(1.0, 1.0), (10.0, 0.1), (100.0, 0.01)],
        ))
        .with(Series::scatter(
            "sampling",
            Rgb::RED,
            Marker::Circle,
            vec![(2.0, 0.5), (20.0, 0.05)],
            vec![0.1, 0.01],
        ))
}

#[test]
fn svg_is_well_formed_escaped_and_has_a_legend_with_every_label() {
    let fig = Figure::new("t & u", vec![two_series_panel(), two_series_panel()], 2);
    let svg = fig.to_svg();
    well_formed(&svg).expect("well-formed");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    // Clip ids carry a per-figure prefix (figures share one HTML page): two panels, two ids,
    // and a different figure gets different ones.
    let ids = |s: &str| -> Vec<String> {
        s.split("<clipPath id=\"")
            .skip(1)
            .map(|r| r[..r.find('"').unwrap_or(0)].to_string())
            .collect()
    };
    let mine = ids(&svg);
    assert_eq!(mine.len(), 2);
    assert!(mine[0] != mine[1] && mine[0].ends_with("-panel0"));
    let other = ids(&Figure::new("other", vec![two_series_panel()], 1).to_svg());
    assert!(!mine.contains(&other[0]));
    assert!(svg.contains("a&lt;b &amp; c") && svg.contains("t &amp; u"));
    assert!(svg.contains("font-family=\"Helvetica, Arial, sans-serif\""));
    assert_eq!(svg.matches("class=\"legend\"").count(), 2);
    assert!(svg.contains(">RG prediction</text>") && svg.contains(">sampling</text>"));
    // Axis labels with their subscript, decade tick labels with a raised exponent.
    assert!(svg.contains(">mode k</text>"));
    // 13 px label: subscript 0.7 × 13 = 9.1 px, 0.2 × 13 = 2.6 px down.
    assert!(
        svg.contains("⟨Δ<tspan dy=\"2.6\" font-size=\"9.1\">k</tspan>"),
        "{svg}"
    );
    assert!(svg.contains(">10<tspan dy=\"-4.18\" font-size=\"7.7\">−1</tspan>"));
    // Scatter points are markers, never a polyline: one path for the line, two circles.
    assert_eq!(svg.matches("<circle").count(), 2 * 2 + 2);
}

#[test]
fn non_finite_points_are_skipped_not_written() {
    let p = Panel::new("", Axis::linear("x"), Axis::log("y"))
        .with(Series::line(
            "a",
            Rgb::BLUE,
            vec![
                (0.0, 1.0),
                (f64::NAN, 2.0),
                (1.0, f64::INFINITY),
                (2.0, 3.0),
                (3.0, -1.0),
                (4.0, 5.0),
            ],
        ))
        .with(Series::scatter(
            "b",
            Rgb::RED,
            Marker::Square,
            vec![(1.0, f64::NAN), (2.0, 2.0)],
            vec![f64::NAN, 1.0],
        ));
    let fig = Figure::new("", vec![p], 1);
    let svg = fig.to_svg();
    well_formed(&svg).expect("well-formed and no NaN/inf");
    // (0,1) alone, then (2,3), then (4,5) alone: only pieces of ≥ 2 points are drawn, so the
    // line has no drawable piece; the one finite scatter point is drawn.
    let scene = layout::layout(&fig);
    let line_pieces = scene
        .items
        .iter()
        .filter(|i| matches!(i, layout::Item::Path { stroke: Some(s), closed: false, .. } if s.colour == Rgb::BLUE && s.width > 1.5))
        .count();
    // The legend sample is the one blue line.
    assert_eq!(line_pieces, 1);
    let pdf = fig.to_pdf();
    pdf_structure(&pdf).expect("pdf");
    assert!(!pdf.contains("NaN") && !pdf.contains("inf"));
}

#[test]
fn heat_map_has_a_colour_bar_with_tick_labels() {
    let values = vec![
        vec![Some(1e-3), Some(1e-2), None],
        vec![Some(1e-1), Some(1.0), Some(0.5)],
    ];
    let scale = ColourScale::fit(values.iter().flatten().flatten().copied(), true);
    assert!((scale.lo - 1e-3).abs() < 1e-18 && (scale.hi - 1.0).abs() < 1e-15);
    let p = Panel::new(
        "coupling",
        Axis::linear("source shell β").integer(),
        Axis::linear("target shell α").integer(),
    )
    .with(Series::heat_map(values, (-0.5, -0.5), (1.0, 1.0), scale));
    let mut fig = Figure::new("heat", vec![p], 1);
    fig.colour_bar = Some(ColourBar {
        label: "K_αβ".into(),
        scale,
    });
    let svg = fig.to_svg();
    well_formed(&svg).expect("well-formed");
    assert!(svg.contains("class=\"colourbar\""));
    // Decade ticks 10^−3 … 10^0 on the bar (3 decades, all labelled).
    for k in ["−3", "−2", "−1", "0"] {
        assert!(
            svg.contains(&format!(">10<tspan dy=\"-4.18\" font-size=\"7.7\">{k}</tspan>")),
            "10^{k}"
        );
    }
    assert!(svg.contains(">K<tspan"));
    // 5 coloured cells and one missing cell in light grey.
    assert_eq!(svg.matches("fill=\"#e8e8e8\"").count(), 1);
    // Integer shell ticks: 0, 1, 2 on x; 0, 1 on y.
    assert!(svg.contains(">2</text>") && !svg.contains(">0.5</text>"));
}

#[test]
fn pdf_is_structurally_valid_and_maps_greek_to_symbol() {
    let mut fig = Figure::new("Δ & ũ: (ρ) \\ test", vec![two_series_panel()], 1);
    fig.notes.push("α → β, ≤ 10⁻³, unmappable: 中".into());
    let pdf = fig.to_pdf();
    let count = pdf_structure(&pdf).expect("valid");
    assert_eq!(count, 8);
    assert!(pdf.contains("/BaseFont /Helvetica /Encoding /WinAnsiEncoding"));
    assert!(pdf.contains("/BaseFont /Symbol"));
    // α → Symbol 'a', → → Symbol 0xAE (octal 256), ≤ → 0xA3 (243); ⁻³ → raised "−3" (Symbol minus
    // then Helvetica 3); 中 → '?'.
    assert!(pdf.contains("/F2 10.5 Tf") && pdf.contains("(a)"));
    assert!(pdf.contains("(\\256)") && pdf.contains("(\\243)"));
    assert!(pdf.contains("(?)") || pdf.contains("?)"));
    // ũ: a 'u' and the WinAnsi tilde (0x98 = octal 230) drawn over it; parentheses escaped.
    assert!(pdf.contains("(\\230)"));
    assert!(pdf.contains("\\(") && pdf.contains("\\\\"));
    // Title in the info dictionary as UTF-16BE hex (Δ = 0394).
    assert!(pdf.contains("/Title <FEFF0394"));
}

#[test]
fn legend_avoids_data_or_moves_below() {
    // A line along the top edge from left to right: the top corners are taken, a bottom corner is
    // free.
    let top = Panel::new("", Axis::linear("x"), Axis::linear("y"))
        .with(Series::line("one", Rgb::BLUE, vec![(0.0, 1.0), (1.0, 1.0)]))
        .with(Series::line("two", Rgb::RED, vec![(0.0, 0.0), (0.05, 0.0)]));
    let scene = layout::layout(&Figure::new("", vec![top], 1));
    let legend_y = scene.items.iter().find_map(|i| match i {
        layout::Item::Path { class, subpaths, .. } if class == "legend" => Some(subpaths[0][0].1),
        _ => None,
    });
    let frame = scene.items.iter().find_map(|i| match i {
        layout::Item::Path { class, subpaths, .. } if class == "frame" => Some(subpaths[0].clone()),
        _ => None,
    });
    let (ly, fr) = (legend_y.expect("legend box"), frame.expect("frame"));
    assert!(ly > (fr[0].1 + fr[2].1) / 2.0, "legend in the lower half");
    // Data everywhere: no box inside, the labels go below the plot area.
    let pts: Vec<(f64, f64)> = (0..400).map(|i| ((i % 20) as f64, (i / 20) as f64)).collect();
    let full = Panel::new("", Axis::linear("x"), Axis::linear("y"))
        .with(Series::scatter(
            "grid",
            Rgb::BLUE,
            Marker::Circle,
            pts,
            Vec::new(),
        ))
        .with(Series::line("diag", Rgb::RED, vec![(0.0, 0.0), (19.0, 19.0)]));
    let scene = layout::layout(&Figure::new("", vec![full], 1));
    assert!(
        !scene
            .items
            .iter()
            .any(|i| matches!(i, layout::Item::Path { class, .. } if class == "legend"))
    );
    let fr = scene
        .items
        .iter()
        .find_map(|i| match i {
            layout::Item::Path { class, subpaths, .. } if class == "frame" => Some(subpaths[0].clone()),
            _ => None,
        })
        .expect("frame");
    let label_y = scene.items.iter().find_map(|i| match i {
        layout::Item::Text { text, y, .. } if text.flat() == "diag" => Some(*y),
        _ => None,
    });
    assert!(label_y.expect("legend label") > fr[2].1 + 20.0);
}

#[test]
fn every_label_stays_on_the_canvas() {
    let wide = Panel::new(
        "",
        Axis::linear("a very long axis label for x"),
        Axis::linear("y label"),
    )
    .with(Series::line(
        "v",
        Rgb::BLUE,
        vec![(-123456.0, -0.000123), (987654.0, 0.000456)],
    ));
    let fig = Figure::new("title", vec![wide.clone(), wide], 2);
    let scene = layout::layout(&fig);
    for item in &scene.items {
        if let layout::Item::Text {
            x,
            y,
            text,
            size,
            anchor,
            vertical,
            ..
        } = item
        {
            let w = text.width(*size);
            let (a, b) = match anchor {
                layout::Anchor::Start => (0.0, w),
                layout::Anchor::Middle => (-w / 2.0, w / 2.0),
                layout::Anchor::End => (-w, 0.0),
            };
            if *vertical {
                assert!(
                    y - b >= 0.0 && y - a <= scene.height && *x - size >= 0.0,
                    "{}",
                    text.flat()
                );
            } else {
                assert!(x + a >= 0.0 && x + b <= scene.width, "{} at {x}", text.flat());
                assert!(*y - size >= 0.0 && *y <= scene.height, "{}", text.flat());
            }
        }
    }
}
