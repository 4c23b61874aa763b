//! The report's charts, drawn by plotters into SVG strings: per-service downtime with
//! percentile whiskers, the recovery curve with its band, the blast-radius histogram and
//! the design comparison. Text is written as SVG `<text>`, escaped by plotters; no font
//! files are read (plotters' built-in text metrics lay out the labels).

use plotters::prelude::*;

type Drawn = Result<(), Box<dyn std::error::Error>>;

const WIDTH: u32 = 860;
const FONT: &str = "sans-serif";
const BAR: RGBColor = RGBColor(70, 120, 180);
const BAND: RGBColor = RGBColor(70, 120, 180);
const HIST: RGBColor = RGBColor(214, 96, 77);
const GOOD: RGBColor = RGBColor(60, 150, 90);
const BAD: RGBColor = RGBColor(200, 70, 60);

/// One horizontal bar with a whisker: a service's downtime, a design's saving.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub mean: f64,
    pub low: f64,
    pub mid: f64,
    pub high: f64,
}

#[derive(Debug, Clone, Copy)]
pub struct CurvePoint {
    pub t: f64,
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

/// `text` cut to `max` characters, with "…" when cut.
pub fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Rough width in pixels of `text` at 13 px: wide (CJK) characters count double.
fn text_width(text: &str) -> u32 {
    text.chars()
        .map(|c| if (c as u32) >= 0x1100 { 15 } else { 8 })
        .sum()
}

/// An axis number: whole numbers without decimals, large ones grouped (1,200), very
/// large ones with an SI suffix (3.5G).
fn axis_number(x: f64) -> String {
    let a = x.abs();
    let trim = |s: String| s.trim_end_matches('0').trim_end_matches('.').to_string();
    if a >= 1e9 {
        format!("{}G", trim(format!("{:.3}", x / 1e9)))
    } else if a >= 1e6 {
        format!("{}M", trim(format!("{:.3}", x / 1e6)))
    } else if (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// Runs a drawing into an SVG string; a drawing that fails (it should not: the target is
/// memory) yields an empty picture rather than a panic.
fn svg(
    size: (u32, u32),
    draw: impl FnOnce(DrawingArea<SVGBackend, plotters::coord::Shift>) -> Drawn,
) -> String {
    let mut buf = String::new();
    let ok = {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        draw(root).is_ok()
    };
    if ok {
        buf
    } else {
        format!(
            "<svg width=\"{}\" height=\"{}\" xmlns=\"http://www.w3.org/2000/svg\"></svg>",
            size.0, size.1
        )
    }
}

/// Horizontal bars with whiskers, first bar at the top.
fn hbars(
    bars: &[Bar],
    marks: &[f64],
    x_desc: &str,
    x_range: (f64, f64),
    color: impl Fn(&Bar) -> RGBColor,
) -> String {
    // A segmented axis needs two categories at least; a single bar gets an empty row.
    let n = bars.len().max(2);
    let label_w = bars
        .iter()
        .map(|b| text_width(&b.label))
        .max()
        .unwrap_or(40)
        .clamp(40, 300)
        + 12;
    let height = 70 + 26 * n as u32;
    // Row r (from the bottom) holds bar n − 1 − r.
    let row = |i: usize| (n - 1 - i) as i32;
    svg((WIDTH, height), |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(label_w)
            .build_cartesian_2d(x_range.0..x_range.1, (0..n as i32 - 1).into_segmented())?;
        let label = |y: &SegmentValue<i32>| match y {
            SegmentValue::CenterOf(r) | SegmentValue::Exact(r) => {
                let i = n as i64 - 1 - *r as i64;
                bars.get(i.max(0) as usize)
                    .map(|b| b.label.clone())
                    .unwrap_or_default()
            }
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&label)
            .x_label_formatter(&|x| axis_number(*x))
            .x_desc(x_desc)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 15))
            .light_line_style(RGBColor(244, 244, 244))
            .max_light_lines(2)
            .draw()?;
        chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
            let mut r = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(row(i))),
                    (b.mean, SegmentValue::Exact(row(i) + 1)),
                ],
                color(b).mix(0.75).filled(),
            );
            r.set_margin(5, 5, 0, 0);
            r
        }))?;
        for (i, b) in bars.iter().enumerate() {
            let c = SegmentValue::CenterOf(row(i));
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(b.low, c.clone()), (b.high, c.clone())],
                BLACK.stroke_width(1),
            )))?;
            for x in [b.low, b.high] {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((x, c.clone()))
                        + PathElement::new(vec![(0, -6), (0, 6)], BLACK.stroke_width(1)),
                ))?;
            }
            chart.draw_series(std::iter::once(Circle::new((b.mid, c), 3, BLACK.filled())))?;
        }
        // Marks: one per bar (a real value to compare with), drawn as a red cross.
        for (i, &x) in marks.iter().enumerate().take(bars.len()) {
            let c = SegmentValue::CenterOf(row(i));
            chart.draw_series(std::iter::once(Cross::new((x, c), 7, BAD.stroke_width(3))))?;
        }
        if x_range.0 < 0.0 {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Last)],
                BLACK.stroke_width(1),
            )))?;
        }
        root.present()?;
        Ok(())
    })
}

/// Per-service downtime: mean bar, median dot, p5–p95 whisker.
pub fn downtime(bars: &[Bar], x_desc: &str) -> String {
    let max = bars
        .iter()
        .map(|b| b.high.max(b.mean))
        .fold(0.0, f64::max)
        .max(1.0);
    hbars(bars, &[], x_desc, (0.0, max * 1.05), |_| BAR)
}

/// A replay against reality: per service, the simulated restoration (bar to the median,
/// dot, p5–p95 whisker) and the real time (`real[i]`, a red cross).
pub fn replay(bars: &[Bar], real: &[f64], x_desc: &str) -> String {
    let max = bars
        .iter()
        .map(|b| b.high.max(b.mean))
        .chain(real.iter().copied())
        .fold(0.0, f64::max)
        .max(1.0);
    hbars(bars, real, x_desc, (0.0, max * 1.05), |_| BAR)
}

/// User-hours saved by each design, with its 95% interval; green when the interval is
/// above zero, red when below.
pub fn designs(bars: &[Bar], x_desc: &str) -> String {
    let lo = bars.iter().map(|b| b.low.min(b.mean)).fold(0.0, f64::min);
    let hi = bars.iter().map(|b| b.high.max(b.mean)).fold(0.0, f64::max);
    let pad = (hi - lo).max(1.0) * 0.05;
    hbars(
        bars,
        &[],
        x_desc,
        (if lo < 0.0 { lo - pad } else { 0.0 }, hi + pad),
        |b| {
            if b.low > 0.0 {
                GOOD
            } else if b.high < 0.0 {
                BAD
            } else {
                RGBColor(150, 150, 150)
            }
        },
    )
}

/// The recovery curve: mean share available (line) and its p5–p95 band, in percent.
pub fn recovery(
    points: &[CurvePoint],
    x_desc: &str,
    y_desc: &str,
    mean_label: &str,
    band_label: &str,
) -> String {
    let horizon = points.last().map_or(1.0, |p| p.t).max(1e-9);
    let lowest = points.iter().map(|p| p.low.min(p.mean)).fold(1.0, f64::min) * 100.0;
    let y0 = (((lowest - 5.0) / 10.0).floor() * 10.0).clamp(0.0, 90.0);
    svg((WIDTH, 380), |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..horizon, y0..100.5f64)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 15))
            .light_line_style(RGBColor(244, 244, 244))
            .max_light_lines(2)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()?;
        let mut band: Vec<(f64, f64)> = points.iter().map(|p| (p.t, p.high * 100.0)).collect();
        band.extend(points.iter().rev().map(|p| (p.t, p.low * 100.0)));
        chart
            .draw_series(std::iter::once(Polygon::new(band, BAND.mix(0.22).filled())))?
            .label(band_label)
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 5), (x + 18, y + 5)], BAND.mix(0.22).filled())
            });
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.t, p.mean * 100.0)),
                BAND.stroke_width(2),
            ))?
            .label(mean_label)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BAND.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font((FONT, 15))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .draw()?;
        root.present()?;
        Ok(())
    })
}

/// Most bars a histogram draws; beyond, neighbouring counts share a bar.
const MAX_HIST_BARS: usize = 60;

/// Trials by number of services affected, as a share of trials.
pub fn radius(hist: &[u64], trials: u64, x_desc: &str, y_desc: &str) -> String {
    let last = hist.iter().rposition(|&c| c > 0).unwrap_or(0);
    let width = (last + 1).div_ceil(MAX_HIST_BARS).max(1);
    let total = trials.max(1) as f64;
    let bins: Vec<(usize, f64)> = (0..=last)
        .step_by(width)
        .map(|k| {
            let c: u64 = hist[k.min(hist.len())..(k + width).min(hist.len())]
                .iter()
                .sum();
            (k, 100.0 * c as f64 / total)
        })
        .collect();
    let ymax = bins.iter().map(|b| b.1).fold(0.0, f64::max).max(1.0) * 1.1;
    // A segmented axis needs two categories at least.
    let nb = bins.len().max(2) as i32;
    svg((WIDTH, 340), |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d((0..nb - 1).into_segmented(), 0f64..ymax)?;
        let label = |x: &SegmentValue<i32>| match x {
            SegmentValue::CenterOf(b) | SegmentValue::Exact(b) => {
                let k = *b as usize * width;
                if width == 1 {
                    k.to_string()
                } else {
                    format!("{k}–{}", k + width - 1)
                }
            }
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(bins.len().min(16))
            .x_label_formatter(&label)
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 15))
            .light_line_style(RGBColor(244, 244, 244))
            .max_light_lines(2)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()?;
        chart.draw_series(bins.iter().enumerate().map(|(b, &(_, pct))| {
            let mut r = Rectangle::new(
                [
                    (SegmentValue::Exact(b as i32), 0.0),
                    (SegmentValue::Exact(b as i32 + 1), pct),
                ],
                HIST.mix(0.85).filled(),
            );
            r.set_margin(0, 0, 3, 3);
            r
        }))?;
        root.present()?;
        Ok(())
    })
}

/// One point of an exceedance (F–N) curve: at least `x`, `f` times a year, with a 95%
/// band `low`–`high`.
#[derive(Debug, Clone, Copy)]
pub struct FnPoint {
    pub x: f64,
    pub f: f64,
    pub low: f64,
    pub high: f64,
}

/// A power of ten at or below `x` (`x > 0`).
fn decade_floor(x: f64) -> f64 {
    10f64.powf(x.log10().floor())
}

/// An exceedance (F–N) curve on log–log axes: the yearly frequency of incidents with at
/// least `x` (a step line, as the frequency only changes at observed values) and its 95%
/// band. Points with no frequency are left out (a log axis has no zero).
pub fn exceedance(points: &[FnPoint], x_desc: &str, y_desc: &str, band_label: &str) -> String {
    let pts: Vec<FnPoint> = points
        .iter()
        .copied()
        .filter(|p| p.f > 0.0 && p.x > 0.0)
        .collect();
    // Whole decades, with room above the highest frequency and a decade below the lowest.
    let (x0, x1) = match (pts.first(), pts.last()) {
        (Some(a), Some(b)) => (decade_floor(a.x), decade_floor(b.x * 1.3) * 10.0),
        _ => (1.0, 10.0),
    };
    let fmax = pts.iter().map(|p| p.high.max(p.f)).fold(0.0, f64::max);
    let fmin = pts.iter().map(|p| p.f).fold(f64::INFINITY, f64::min);
    let (y0, y1) = if pts.is_empty() {
        (1e-4, 1.0)
    } else {
        (decade_floor(fmin) / 10.0, decade_floor(fmax * 2.0) * 10.0)
    };
    // Steps: the frequency of "at least x" holds from one grid point to the next.
    let step = |v: &dyn Fn(&FnPoint) -> f64| -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        for (i, p) in pts.iter().enumerate() {
            let next = pts.get(i + 1).map_or(p.x * 1.25, |q| q.x);
            let y = v(p).max(y0);
            out.push((p.x, y));
            out.push((next, y));
        }
        out
    };
    svg((WIDTH, 400), |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 15))
            .light_line_style(RGBColor(236, 236, 236))
            .x_label_formatter(&|x| axis_number(*x))
            .y_label_formatter(&|y| {
                if *y >= 1.0 {
                    axis_number(*y)
                } else {
                    let s = format!("{y:.9}");
                    s.trim_end_matches('0').to_string()
                }
            })
            .draw()?;
        if !pts.is_empty() {
            let mut band = step(&|p| p.high);
            band.extend(step(&|p| p.low).into_iter().rev());
            chart
                .draw_series(std::iter::once(Polygon::new(band, BAND.mix(0.22).filled())))?
                .label(band_label)
                .legend(|(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 18, y + 5)], BAND.mix(0.22).filled())
                });
            // The curve drops to the axis past the largest value observed.
            let mut line = step(&|p| p.f);
            if let Some(&(x, _)) = line.last() {
                line.push((x, y0));
            }
            chart.draw_series(LineSeries::new(line, BAD.stroke_width(2)))?;
            chart.draw_series(pts.iter().map(|p| Circle::new((p.x, p.f), 3, BAD.filled())))?;
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .label_font((FONT, 15))
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .draw()?;
        }
        root.present()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_drawn() {
        let bars = [Bar {
            label: "<script>alert(1)</script>".into(),
            mean: 3.0,
            low: 1.0,
            mid: 2.5,
            high: 6.0,
        }];
        let s = downtime(&bars, "hours & more");
        assert!(!s.contains("<script>"), "{s}");
        assert!(s.contains("&lt;script&gt;"), "{s}");
        assert!(s.contains("<rect"));
        assert!(s.contains("hours &amp; more"));
    }
}
