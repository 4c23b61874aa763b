//! The report as Markdown, for pasting into documents: the same sections as the HTML,
//! with each figure linked as an SVG file in a directory beside the Markdown file.
//! Text from the scenario is escaped so that it shows as written and cannot become
//! markup (or raw HTML, which many Markdown renderers pass through).

use super::doc::{Block, Doc, Item, Table};
use crate::report::grid::md_escape;

pub fn render(d: &Doc, files_dir: &str) -> String {
    let mut o = format!(
        "# {}\n\n{}\n\n",
        md_escape(&d.title),
        md_escape(&d.subtitle)
    );
    for s in &d.sections {
        o.push_str(&format!("## {}\n\n", md_escape(&s.heading)));
        for b in &s.blocks {
            block(&mut o, b, files_dir);
        }
    }
    while o.ends_with("\n\n") {
        o.pop();
    }
    o
}

fn block(o: &mut String, b: &Block, files_dir: &str) {
    match b {
        Block::Heading(h) => o.push_str(&format!("### {}\n\n", md_escape(h))),
        Block::Para(p) => o.push_str(&format!("{}\n\n", md_escape(p))),
        Block::List(items) => {
            for it in items {
                o.push_str(&format!("- {}\n", item(it)));
            }
            o.push('\n');
        }
        Block::Table(t) => table(o, t),
        Block::Figure(f) => {
            o.push_str(&format!(
                "![{}]({}/{}.svg)\n\n*{}*\n\n",
                f.name,
                url_path(files_dir),
                f.name,
                md_escape(&f.caption)
            ));
        }
        Block::Pre(p) => {
            let fence = "`".repeat(longest_run(p, '`').max(2) + 1);
            o.push_str(&format!("{fence}text\n{p}\n{fence}\n\n"));
        }
    }
}

fn item(it: &Item) -> String {
    match &it.lead {
        Some(l) => format!("**{}** — {}", md_escape(l), md_escape(&it.text)),
        None => md_escape(&it.text),
    }
}

fn table(o: &mut String, t: &Table) {
    let cells = |r: &[String]| {
        r.iter()
            .map(|c| md_escape(c))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    o.push_str(&format!("| {} |\n|", cells(&t.header)));
    for k in 0..t.header.len() {
        o.push_str(if t.numeric.get(k).copied().unwrap_or(false) {
            "---:|"
        } else {
            "---|"
        });
    }
    o.push('\n');
    for r in &t.rows {
        o.push_str(&format!("| {} |\n", cells(r)));
    }
    o.push('\n');
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut cur) = (0, 0);
    for x in s.chars() {
        if x == c {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// A relative path as a Markdown link target: bytes outside `[A-Za-z0-9._~/-]`
/// percent-encoded.
fn url_path(p: &str) -> String {
    let mut out = String::new();
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"._~/-".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_backticks_and_paths_are_encoded() {
        assert_eq!(longest_run("a ```` b `", '`'), 4);
        assert_eq!(url_path("my report-files"), "my%20report-files");
    }
}
