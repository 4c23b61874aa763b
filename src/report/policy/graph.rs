//! A picture of the dependency graph for the report, in boxes for the data centers and
//! the rooms (zones, buildings) the services stand on; inside each box laid out by
//! layout-rs (a Rust implementation of Graphviz's layered layout) and written as SVG by
//! its backend, which escapes labels. Each service is an ellipse whose size grows with its users and whose
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
///
/// Services are drawn inside boxes for their data center and, below it, the room, zone or
/// building of their first replica: each box's services are laid out by layout-rs with the
/// dependencies among them, boxes are stacked (rooms) and set side by side in rows (data
/// centers), and dependencies that cross boxes are drawn as straight arrows on top.
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
    let style = Style {
        max_downtime,
        max_users,
    };

    // Data centers, in the order their first service appears; in each, its rooms.
    let mut dcs: Vec<(usize, Vec<RoomMembers>)> = Vec::new();
    for &i in &chosen {
        let (dc, room) = home(m, i);
        let d = match dcs.iter().position(|x| x.0 == dc) {
            Some(d) => d,
            None => {
                dcs.push((dc, Vec::new()));
                dcs.len() - 1
            }
        };
        let rooms = &mut dcs[d].1;
        match rooms.iter().position(|r| r.0 == room) {
            Some(r) => rooms[r].1.push(i),
            None => rooms.push((room, vec![i])),
        }
    }
    let in_chosen = {
        let mut v = vec![false; nodes.len()];
        for &i in &chosen {
            v[i] = true;
        }
        v
    };

    // Lay out every room, then place rooms in their data center and data centers in rows.
    let mut body = String::new();
    let mut boxes = String::new();
    let mut centers: Vec<Option<(Point, Point)>> = vec![None; nodes.len()];
    let (mut x, mut y, mut row_h, mut width) = (PAD, PAD, 0.0f64, 0.0f64);
    for (dc, rooms) in &dcs {
        let mut laid = Vec::new();
        for (room, members) in rooms {
            laid.push((*room, layout_room(m, nodes, members, &in_chosen, &style)?));
        }
        let inner_w = laid.iter().map(|(_, r)| r.width).fold(0.0, f64::max);
        let dc_w = inner_w + 2.0 * PAD;
        let dc_h = HEAD
            + laid
                .iter()
                .map(|(room, r)| r.height + if room.is_some() { HEAD + PAD } else { PAD })
                .sum::<f64>()
            + PAD;
        if x > PAD && x + dc_w > ROW_WIDTH {
            x = PAD;
            y += row_h + PAD;
            row_h = 0.0;
        }
        boxes.push_str(&site_box(
            x,
            y,
            dc_w,
            dc_h,
            &m.sites[*dc].name,
            0xf4f6f9,
            0x8a94a6,
        ));
        let mut ry = y + HEAD;
        for (room, r) in &laid {
            let (ox, oy) = match room {
                Some(site) => {
                    boxes.push_str(&site_box(
                        x + PAD / 2.0,
                        ry,
                        inner_w + PAD,
                        r.height + HEAD + PAD / 2.0,
                        &m.sites[*site].name,
                        0xffffff,
                        0xb8c0cc,
                    ));
                    (x + PAD, ry + HEAD)
                }
                None => (x + PAD, ry),
            };
            body.push_str(&format!(
                "<svg x=\"{ox:.1}\" y=\"{oy:.1}\"{}",
                &r.svg["<svg".len()..]
            ));
            for &(i, c, size) in &r.nodes {
                centers[i] = Some((Point::new(c.x + ox, c.y + oy), size));
            }
            ry += r.height + if room.is_some() { HEAD + PAD } else { PAD };
        }
        x += dc_w + PAD;
        width = width.max(x);
        row_h = row_h.max(dc_h);
    }
    let height = y + row_h + PAD;

    // Dependencies between boxes: straight arrows from border to border.
    let mut arrows = String::new();
    for &i in &chosen {
        let (home_i, from) = (home(m, i), centers[i]?);
        for d in &m.services[i].depends_on {
            let look = Look::of(d);
            for &x in d.on.services() {
                if !in_chosen[x] || home(m, x) == home_i {
                    continue;
                }
                let to = centers[x]?;
                arrows.push_str(&arrow(from, to, &look));
            }
        }
    }
    let svg = format!(
        "<svg width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" xmlns=\"http://www.w3.org/2000/svg\">\n<defs><marker id=\"dep-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333333\"/></marker></defs>\n{boxes}{body}{arrows}</svg>\n"
    );
    Some(Drawn {
        svg,
        shown: chosen.len(),
        max_downtime,
    })
}

/// Padding inside and between boxes, the height of a box's title, and the width past
/// which data centers start a new row.
const PAD: f64 = 12.0;
const HEAD: f64 = 24.0;
const ROW_WIDTH: f64 = 1600.0;

/// A room (or `None`: directly in its data center) and the services drawn in it.
type RoomMembers = (Option<usize>, Vec<usize>);

/// What decides how a service looks.
struct Style {
    max_downtime: f64,
    max_users: u64,
}

/// One room laid out: its SVG, size, and each service's centre and size in it.
struct Room {
    svg: String,
    width: f64,
    height: f64,
    nodes: Vec<(usize, Point, Point)>,
}

/// The data center a service is drawn in (the nearest site of kind `DataCenter` around
/// its first replica, or the outermost site) and the site below it, if any.
fn home(m: &Model, s: usize) -> (usize, Option<usize>) {
    let Some(&site) = m.services[s].replicas.first() else {
        return (0, None);
    };
    let mut dc = None;
    let mut top = site;
    let mut x = Some(site);
    while let Some(k) = x {
        if dc.is_none() && m.sites[k].kind == crate::model::SiteKind::DataCenter {
            dc = Some(k);
        }
        top = k;
        x = m.sites[k].parent;
    }
    let dc = dc.unwrap_or(top);
    (dc, (site != dc).then_some(site))
}

/// Lays out the services `members` of one room with layout-rs, with the dependencies
/// among them.
fn layout_room(
    m: &Model,
    nodes: &[NodeData],
    members: &[usize],
    in_chosen: &[bool],
    style: &Style,
) -> Option<Room> {
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut vg = VisualGraph::new(Orientation::LeftToRight);
        let mut handle = vec![None; nodes.len()];
        for &i in members {
            let n = &nodes[i];
            let label = wrap(&n.label, LINE, 3);
            let lines = label.lines().count().max(1) as f64;
            let chars = label.lines().map(|l| l.chars().count()).max().unwrap_or(1) as f64;
            // The text must fit in the rectangle inscribed in the ellipse (1/√2 of each axis).
            let min_w = (chars * FONT as f64 * 0.62 + 10.0) * 1.42;
            let min_h = (lines * FONT as f64 * 1.25 + 6.0) * 1.42;
            let grow = (n.users as f64 / style.max_users as f64).sqrt();
            let h = min_h.max(34.0 + 56.0 * grow);
            let w = min_w.max(h * 1.4);
            let look = StyleAttr::new(
                Color::new(0x444444ff),
                1,
                Some(Color::new(fill(n.downtime, style.max_downtime))),
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
        for &i in members {
            let from = handle[i].expect("members have handles");
            for d in &m.services[i].depends_on {
                let look = Look::of(d);
                for &x in d.on.services() {
                    if !in_chosen[x] {
                        continue;
                    }
                    if let Some(to) = handle[x] {
                        let a = match &look {
                            Look::Hard => edge(LineStyleKind::Normal, "", 0x333333ff),
                            Look::Partial(label) => edge(LineStyleKind::Dashed, label, 0x666666ff),
                            Look::Alternative(label) => {
                                edge(LineStyleKind::Dotted, label, 0x333333ff)
                            }
                        };
                        vg.add_edge(a, from, to);
                    }
                }
            }
        }
        let mut svg = SVGWriter::new();
        vg.do_it(false, false, false, &mut svg);
        let placed: Vec<(usize, Point, Point)> = members
            .iter()
            .map(|&i| {
                let p = vg.pos(handle[i].expect("members have handles"));
                (i, p.center(), p.size(false))
            })
            .collect();
        (svg.finalize(), placed)
    }));
    let (svg, placed) = built.ok()?;
    // The XML declaration has no place inside an HTML document; and the report's
    // sans-serif reads better than the library's fixed Times.
    let svg = match svg.find("<svg") {
        Some(k) => svg[k..].replace("font-family: Times, serif;", "font-family: sans-serif;"),
        None => return None,
    };
    let svg = sort_style_block(&svg);
    let dim = |name: &str| -> Option<f64> {
        let at = svg.find(&format!("{name}=\""))? + name.len() + 2;
        svg[at..at + svg[at..].find('"')?].parse().ok()
    };
    Some(Room {
        width: dim("width")?,
        height: dim("height")?,
        svg,
        nodes: placed,
    })
}

/// A titled box for a site.
fn site_box(x: f64, y: f64, w: f64, h: f64, title: &str, fill: u32, stroke: u32) -> String {
    format!(
        "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"6\" fill=\"#{fill:06x}\" stroke=\"#{stroke:06x}\" stroke-width=\"1\"/>\n<text x=\"{:.1}\" y=\"{:.1}\" font-family=\"sans-serif\" font-size=\"13\" fill=\"#3a4150\">{}</text>\n",
        x + 8.0,
        y + 16.0,
        escape(title)
    )
}

/// An arrow from the border of one ellipse (centre, size) to the border of another.
/// How a dependency's arrows look: hard ones solid, partial ones dashed with their share,
/// alternatives (`AnyOf`) dotted to each of them, labelled "≥1/2" (at least 1 of 2 up;
/// symbols, so that the picture reads the same in every report language), with the share
/// too when partial.
enum Look {
    Hard,
    Partial(String),
    Alternative(String),
}

impl Look {
    fn of(d: &crate::model::Dependency) -> Look {
        let share = format!("{:.0}%", d.share * 100.0);
        match &d.on {
            crate::model::Target::AnyOf(a) => {
                let mut label = format!("≥{}/{}", a.min, a.of.len());
                if !d.is_hard() {
                    label.push(' ');
                    label.push_str(&share);
                }
                Look::Alternative(label)
            }
            _ if d.is_hard() => Look::Hard,
            _ => Look::Partial(share),
        }
    }
}

fn arrow(from: (Point, Point), to: (Point, Point), look: &Look) -> String {
    let (a, b) = (from.0, to.0);
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt();
    if len < 1.0 {
        return String::new();
    }
    // Where the line leaves an ellipse of semi-axes (rx, ry) centred on its end.
    let border = |size: Point| {
        let (rx, ry) = (size.x / 2.0, size.y / 2.0);
        let (ux, uy) = (dx / len, dy / len);
        1.0 / ((ux / rx).powi(2) + (uy / ry).powi(2)).sqrt()
    };
    let (s, e) = (border(from.1), len - border(to.1));
    if e <= s {
        return String::new();
    }
    let p = |t: f64| (a.x + dx * t / len, a.y + dy * t / len);
    let ((x1, y1), (x2, y2)) = (p(s), p(e));
    let text = |words: &str| {
        let (mx, my) = p((s + e) / 2.0);
        format!(
            "<text x=\"{mx:.1}\" y=\"{:.1}\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#555555\">{}</text>\n",
            my - 3.0,
            escape(words)
        )
    };
    let (dash, colour, label) = match look {
        Look::Hard => ("", "#333333", String::new()),
        Look::Partial(share) => (" stroke-dasharray=\"5,4\"", "#666666", text(share)),
        Look::Alternative(words) => (" stroke-dasharray=\"1,3\"", "#333333", text(words)),
    };
    format!(
        "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{colour}\" stroke-width=\"1\"{dash} marker-end=\"url(#dep-arrow)\"/>\n{label}"
    )
}

/// `&`, `<`, `>` and `"` as XML entities.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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
