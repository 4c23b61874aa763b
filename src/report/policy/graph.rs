//! A picture of the dependency graph for the report, laid out by layout-rs (a Rust
//! implementation of Graphviz's layered layout) and written as SVG by its backend, which
//! escapes labels. Each service is an ellipse whose size grows with its users and whose
//! colour runs from white (never down) through yellow to red with its mean downtime.
//!
//! Only `depends_on` edges are drawn: recovery needs typically point from most services
//! to a few tools, and drawn they tangle the picture past reading (`blastradius graph`
//! writes them all as DOT). Left to right keeps long service names legible.

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use crate::model::Model;

/// Most services drawn; beyond, those with the most user-hours lost.
pub const MAX_NODES: usize = 60;
const FONT: usize = 14;
/// Characters per line of a node's label.
const LINE: usize = 18;

/// What the picture shows of each service, indexed like `Model::services`.
#[derive(Debug, Clone)]
pub struct NodeData {
    pub label: String,
    pub users: u64,
    /// Mean hours down per trial.
    pub downtime: f64,
    /// Mean user-hours lost per trial (decides which services are drawn when not all).
    pub loss: f64,
}

pub struct Drawn {
    pub svg: String,
    pub shown: usize,
    /// The downtime of the reddest colour.
    pub max_downtime: f64,
}

/// Lays out and draws the graph of `m`, at most `max_nodes` services. `None` if the
/// layout library fails on this graph.
pub fn draw(m: &Model, nodes: &[NodeData], max_nodes: usize) -> Option<Drawn> {
    let mut chosen: Vec<usize> = (0..nodes.len()).collect();
    if chosen.len() > max_nodes {
        chosen.sort_by(|&a, &b| {
            nodes[b]
                .loss
                .total_cmp(&nodes[a].loss)
                .then(nodes[b].downtime.total_cmp(&nodes[a].downtime))
                .then(a.cmp(&b))
        });
        chosen.truncate(max_nodes);
        chosen.sort_unstable();
    }
    let max_downtime = chosen
        .iter()
        .map(|&i| nodes[i].downtime)
        .fold(0.0, f64::max);
    let max_users = chosen
        .iter()
        .map(|&i| nodes[i].users)
        .max()
        .unwrap_or(0)
        .max(1);

    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut vg = VisualGraph::new(Orientation::LeftToRight);
        let mut handle = vec![None; nodes.len()];
        for &i in &chosen {
            let n = &nodes[i];
            let label = wrap(&n.label, LINE, 3);
            let lines = label.lines().count().max(1) as f64;
            let chars = label.lines().map(|l| l.chars().count()).max().unwrap_or(1) as f64;
            // The text must fit in the rectangle inscribed in the ellipse (1/√2 of each axis).
            let min_w = (chars * FONT as f64 * 0.62 + 10.0) * 1.42;
            let min_h = (lines * FONT as f64 * 1.25 + 6.0) * 1.42;
            let grow = (n.users as f64 / max_users as f64).sqrt();
            let h = min_h.max(34.0 + 56.0 * grow);
            let w = min_w.max(h * 1.4);
            let look = StyleAttr::new(
                Color::new(0x444444ff),
                1,
                Some(Color::new(fill(n.downtime, max_downtime))),
                0,
                FONT,
            );
            let e = Element::create(
                ShapeKind::Circle(label),
                look,
                Orientation::LeftToRight,
                Point::new(w, h),
            );
            handle[i] = Some(vg.add_node(e));
        }
        let edge = |style: LineStyleKind, text: &str, color: u32| {
            Arrow::new(
                LineEndKind::None,
                LineEndKind::Arrow,
                style,
                text,
                &StyleAttr::new(Color::new(color), 1, None, 0, FONT),
                &None,
                &None,
            )
        };
        for &i in &chosen {
            let svc = &m.services[i];
            let from = handle[i].expect("chosen nodes have handles");
            for d in &svc.depends_on {
                if let Some(to) = handle[d.on] {
                    let a = if d.is_hard() {
                        edge(LineStyleKind::Normal, "", 0x333333ff)
                    } else {
                        edge(
                            LineStyleKind::Dashed,
                            &format!("{:.0}%", d.share * 100.0),
                            0x666666ff,
                        )
                    };
                    vg.add_edge(a, from, to);
                }
            }
        }
        let mut svg = SVGWriter::new();
        vg.do_it(false, false, false, &mut svg);
        svg.finalize()
    }));
    let svg = built.ok()?;
    // The XML declaration has no place inside an HTML document; and the report's
    // sans-serif reads better than the library's fixed Times.
    let svg = match svg.find("<svg") {
        Some(k) => svg[k..].replace("font-family: Times, serif;", "font-family: sans-serif;"),
        None => return None,
    };
    let svg = sort_style_block(&svg);
    Some(Drawn {
        svg,
        shown: chosen.len(),
        max_downtime,
    })
}

/// layout-rs writes its font classes (`.a14 { ... }`) from a hash map, so their order in
/// the `<style>` block changes from run to run; sorting them makes the picture the same
/// bytes every time (the classes are independent, so their order means nothing).
fn sort_style_block(svg: &str) -> String {
    let (Some(a), Some(b)) = (svg.find("<style>"), svg.find("</style>")) else {
        return svg.to_string();
    };
    if b < a {
        return svg.to_string();
    }
    let inner = &svg[a + "<style>".len()..b];
    let mut lines: Vec<&str> = inner.lines().filter(|l| !l.trim().is_empty()).collect();
    lines.sort_unstable();
    format!("{}<style>\n{}\n{}", &svg[..a], lines.join("\n"), &svg[b..])
}

/// The fill colour (0xRRGGBBAA) of a service down `downtime` hours on average, on a
/// scale from pale yellow (just above zero) through orange to red (`max`); white if never
/// down.
pub fn fill(downtime: f64, max: f64) -> u32 {
    if downtime <= 0.0 || max <= 0.0 {
        return 0xffffffff;
    }
    const STOPS: [(f64, [f64; 3]); 3] = [
        (0.0, [255.0, 255.0, 178.0]),
        (0.5, [253.0, 141.0, 60.0]),
        (1.0, [227.0, 26.0, 28.0]),
    ];
    let t = (downtime / max).clamp(0.0, 1.0);
    let (a, b) = if t <= 0.5 {
        (STOPS[0], STOPS[1])
    } else {
        (STOPS[1], STOPS[2])
    };
    let u = (t - a.0) / (b.0 - a.0);
    let c: Vec<u32> = (0..3)
        .map(|k| (a.1[k] + (b.1[k] - a.1[k]) * u).round() as u32)
        .collect();
    (c[0] << 24) | (c[1] << 16) | (c[2] << 8) | 0xff
}

/// Breaks `text` at spaces into lines of at most `width` characters (a longer word is
/// cut), at most `max_lines` of them, the last ending in "…" when text was left out.
pub fn wrap(text: &str, width: usize, max_lines: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let mut word: String = word.to_string();
        while word.chars().count() > width {
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        let len = cur.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        let last = &mut lines[max_lines - 1];
        let keep: String = last.chars().take(width.saturating_sub(1)).collect();
        *last = format!("{keep}…");
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping() {
        assert_eq!(wrap("KakaoTalk messaging", 18, 3), "KakaoTalk\nmessaging");
        assert_eq!(wrap("a b c", 18, 3), "a b c");
        assert_eq!(wrap("abcdefghij", 4, 3), "abcd\nefgh\nij");
        assert_eq!(wrap("one two three four", 5, 2), "one\ntwo…");
    }

    #[test]
    fn colours() {
        assert_eq!(fill(0.0, 10.0), 0xffffffff);
        assert_eq!(fill(10.0, 10.0), 0xe31a1cff);
        assert_eq!(fill(5.0, 10.0), 0xfd8d3cff);
    }
}
