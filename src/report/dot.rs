//! The dependency graph as Graphviz DOT.
//!
//! Sites are nested `subgraph cluster_*` blocks following the site tree; each service is
//! one node, drawn inside the cluster of its first replica site (DOT puts a node in one
//! cluster only), with its other replica sites listed in its label. Edges go from a
//! service to what it relies on: hard dependencies solid, partial ones dashed and labelled
//! with their share, recovery needs dotted. A dependency on alternatives (`AnyOf`) goes
//! to a small diamond labelled "any of" (or "2 of 3"), with a thin arrow from it to each
//! alternative. Everything is emitted in file order, so the same scenario always gives the
//! same bytes.

use crate::format::format_hours;
use crate::format::thousands;
use crate::model::{Model, SiteKind, Target};

pub fn render(m: &Model) -> String {
    let mut s = String::new();
    s.push_str("digraph blastradius {\n");
    s.push_str(&format!("  label={};\n", quote(&m.name)));
    s.push_str("  labelloc=t;\n  rankdir=LR;\n  compound=true;\n");
    s.push_str("  node [shape=box, style=rounded];\n");
    s.push_str(
        "  // Each service is drawn in the cluster of its FIRST replica site; the label lists the others.\n",
    );

    // Services by the site that holds their node, in file order.
    let mut hosted: Vec<Vec<usize>> = vec![Vec::new(); m.sites.len()];
    for (i, svc) in m.services.iter().enumerate() {
        if let Some(&first) = svc.replicas.first() {
            hosted[first].push(i);
        }
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); m.sites.len()];
    let mut roots = Vec::new();
    for (i, site) in m.sites.iter().enumerate() {
        match site.parent {
            Some(p) => children[p].push(i),
            None => roots.push(i),
        }
    }

    // Depth-first with an explicit stack: a site tree may be deeper than the call stack.
    enum Step {
        Open(usize, usize),
        Close(usize),
    }
    let mut stack: Vec<Step> = roots.iter().rev().map(|&r| Step::Open(r, 1)).collect();
    while let Some(step) = stack.pop() {
        match step {
            Step::Open(i, depth) => {
                let pad = indent(depth);
                let site = &m.sites[i];
                s.push_str(&format!("{pad}subgraph cluster_{i} {{\n"));
                s.push_str(&format!(
                    "{pad}  label={};\n",
                    quote(&format!("{}\n{}", site.name, kind_name(site.kind)))
                ));
                for &svc in &hosted[i] {
                    s.push_str(&format!("{pad}  {}\n", service_node(m, svc)));
                }
                stack.push(Step::Close(depth));
                for &c in children[i].iter().rev() {
                    stack.push(Step::Open(c, depth + 1));
                }
            }
            Step::Close(depth) => {
                s.push_str(&format!("{}}}\n", indent(depth)));
            }
        }
    }

    for (i, svc) in m.services.iter().enumerate() {
        for d in &svc.depends_on {
            let grace = if d.grace > 0.0 {
                Some(format!("after {}", format_hours(d.grace)))
            } else {
                None
            };
            let attrs = if d.is_hard() {
                match grace {
                    Some(g) => format!("style=solid, label={}", quote(&g)),
                    None => "style=solid".to_string(),
                }
            } else {
                let mut label = percent(d.share);
                if let Some(g) = grace {
                    label.push('\n');
                    label.push_str(&g);
                }
                format!("style=dashed, label={}", quote(&label))
            };
            match &d.on {
                Target::Service(x) => s.push_str(&format!("  s{i} -> s{x} [{attrs}];\n")),
                Target::AnyOf(a) => {
                    let label = if a.min == 1 {
                        "any of".to_string()
                    } else {
                        format!("{} of {}", a.min, a.of.len())
                    };
                    let g = a.group;
                    s.push_str(&format!(
                        "  a{g} [shape=diamond, style=solid, fontsize=9, margin=0.02, label={}];\n",
                        quote(&label)
                    ));
                    s.push_str(&format!("  s{i} -> a{g} [{attrs}];\n"));
                    for &x in &a.of {
                        s.push_str(&format!(
                            "  a{g} -> s{x} [style=solid, penwidth=0.6, arrowsize=0.6];\n"
                        ));
                    }
                }
            }
        }
        for &n in &svc.recovery_needs {
            s.push_str(&format!(
                "  s{i} -> s{n} [style=dotted, label=\"recovery\"];\n"
            ));
        }
    }
    s.push_str("}\n");
    s
}

/// Indentation for nesting `depth`, capped: a 100,000-level site tree would otherwise
/// write 10^10 spaces.
fn indent(depth: usize) -> String {
    const MAX_INDENT: usize = 32;
    "  ".repeat(depth.min(MAX_INDENT))
}

fn service_node(m: &Model, i: usize) -> String {
    let svc = &m.services[i];
    let mut label = svc.name.clone();
    if svc.name != svc.id {
        label.push_str(&format!("\n({})", svc.id));
    }
    label.push_str(&format!(
        "\n{} user{}",
        thousands(svc.users),
        if svc.users == 1 { "" } else { "s" }
    ));
    let sites: Vec<&str> = svc
        .replicas
        .iter()
        .map(|&r| m.sites[r].id.as_str())
        .collect();
    if sites.len() > 1 {
        label.push_str(&format!("\nalso in {}", sites[1..].join(", ")));
    }
    let tooltip = format!("{}: replicas in {}", svc.id, sites.join(", "));
    format!(
        "s{i} [label={}, tooltip={}];",
        quote(&label),
        quote(&tooltip)
    )
}

fn kind_name(k: SiteKind) -> &'static str {
    match k {
        SiteKind::Region => "region",
        SiteKind::DataCenter => "data center",
        SiteKind::Building => "building",
        SiteKind::Room => "room",
        SiteKind::Zone => "zone",
    }
}

/// `0.3` → `30%`, `0.125` → `12.5%`.
fn percent(share: f64) -> String {
    let p = format!("{:.1}", share * 100.0);
    format!("{}%", p.strip_suffix(".0").unwrap_or(&p))
}

/// A DOT double-quoted string. Inside one, DOT gives `\` a meaning of its own (`\n`, `\l`,
/// `\N`…), so a backslash is doubled, a quote escaped, a newline written as `\n`, and other
/// control characters (which DOT cannot show) replaced by a space.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Graphviz's `dot` program, if it is on `PATH`.
pub fn graphviz() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("dot"))
        .find(|p| p.is_file())
}

/// The dependency graph as SVG: laid out by Graphviz (`dot`, given as its path) from the
/// DOT text, with the site clusters; or by the report's built-in layout, which draws every
/// service and its dependencies inside boxes for its data center and room (layered by
/// layout-rs inside each box), but not recovery needs.
pub fn render_svg(m: &Model, graphviz: Option<&std::path::Path>) -> Result<String, crate::Error> {
    if let Some(program) = graphviz {
        return run_graphviz(program, &render(m));
    }
    let nodes: Vec<crate::report::policy::graph::NodeData> = m
        .services
        .iter()
        .map(|s| crate::report::policy::graph::NodeData {
            label: if s.name == s.id {
                s.id.clone()
            } else {
                format!("{} ({})", s.name, s.id)
            },
            users: s.users,
            downtime: 0.0,
            loss: 0.0,
        })
        .collect();
    let drawn = crate::report::policy::graph::draw(m, &nodes, usize::MAX).ok_or_else(|| {
        crate::Error::runtime("the built-in layout failed on this graph; try --layout graphviz")
    })?;
    Ok(drawn.svg)
}

fn run_graphviz(program: &std::path::Path, dot: &str) -> Result<String, crate::Error> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let fail =
        |e: String| crate::Error::runtime(format!("Graphviz ({}) failed: {e}", program.display()));
    let mut child = Command::new(program)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(e.to_string()))?;
    // Feed stdin from another thread so a large graph cannot deadlock on full pipes.
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = dot.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(fail(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| fail(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("a\"b"), r#""a\"b""#);
        assert_eq!(quote("a\\nb"), r#""a\\nb""#);
        assert_eq!(quote("a\nb\tc\u{7}d"), r#""a\nb c d""#);
        assert_eq!(quote("판교"), "\"판교\"");
    }

    #[test]
    fn percents() {
        assert_eq!(percent(0.3), "30%");
        assert_eq!(percent(0.125), "12.5%");
        assert_eq!(percent(1.0), "100%");
    }
}
