//! The report as one self-contained HTML file: inline CSS, inline SVG, no script and no
//! fetch of anything (a Content-Security-Policy says so to the browser). Every string of
//! the document is escaped here; figures are SVG already escaped by their drawing
//! library.

use super::doc::{Block, Doc, Item, Table};

const STYLE: &str = r#"
:root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #1d2330;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK KR",
  "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", "Nanum Gothic", sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 28px 64px; background: #fff; }
header { border-bottom: 3px solid #c0392b; margin-bottom: 12px; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.1em; line-height: 1.25; }
.subtitle { color: #5a6272; margin: 0 0 0.8em; }
nav { font-size: 0.92em; margin: 0.6em 0 1.4em; }
nav a { margin-right: 1em; color: #2b6cb0; text-decoration: none; }
h2 { font-size: 1.35em; margin: 1.8em 0 0.5em; padding-bottom: 0.2em; border-bottom: 1px solid #dde1e7; }
h3 { font-size: 1.08em; margin: 1.3em 0 0.4em; }
ul { padding-left: 1.3em; }
li { margin: 0.35em 0; }
#findings p:first-of-type { font-size: 1.08em; }
.table-wrap { overflow-x: auto; margin: 0.5em 0 1em; }
table { border-collapse: collapse; font-size: 0.88em; min-width: 60%; }
th, td { padding: 4px 9px; border-bottom: 1px solid #e4e7ec; text-align: left; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td { overflow-wrap: anywhere; }
figure { margin: 1.2em 0 1.8em; }
figure svg { max-width: 100%; height: auto; display: block; border: 1px solid #eceef2; }
figure .scroll { overflow: auto; max-height: 85vh; border: 1px solid #eceef2; }
figure .scroll svg { max-width: 100%; height: auto; border: 0; }
figcaption { font-size: 0.9em; color: #4a5263; margin-top: 0.4em; }
pre { background: #f4f5f7; border: 1px solid #e2e5ea; padding: 10px 12px; overflow-x: auto;
  font-size: 0.85em; white-space: pre-wrap; word-break: break-word; }
@media print { body { background: #fff; } main { padding: 0; } nav { display: none; } }
"#;

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

pub fn render(d: &Doc) -> String {
    let mut o = String::new();
    o.push_str("<!DOCTYPE html>\n");
    o.push_str(&format!("<html lang=\"{}\">\n<head>\n", d.lang));
    o.push_str("<meta charset=\"utf-8\">\n");
    o.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:\">\n",
    );
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    o.push_str(&format!(
        "<meta name=\"generator\" content=\"blastradius {}\">\n",
        env!("CARGO_PKG_VERSION")
    ));
    o.push_str(&format!("<title>{}</title>\n", escape(&d.title)));
    o.push_str(&format!(
        "<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
    ));
    o.push_str(&format!(
        "<header>\n<h1>{}</h1>\n<p class=\"subtitle\">{}</p>\n</header>\n",
        escape(&d.title),
        escape(&d.subtitle)
    ));
    o.push_str("<nav>");
    for s in &d.sections {
        o.push_str(&format!("<a href=\"#{}\">{}</a>", s.id, escape(&s.heading)));
    }
    o.push_str("</nav>\n");
    for s in &d.sections {
        o.push_str(&format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n",
            s.id,
            escape(&s.heading)
        ));
        for b in &s.blocks {
            block(&mut o, b);
        }
        o.push_str("</section>\n");
    }
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

fn block(o: &mut String, b: &Block) {
    match b {
        Block::Heading(h) => o.push_str(&format!("<h3>{}</h3>\n", escape(h))),
        Block::Para(p) => o.push_str(&format!("<p>{}</p>\n", escape(p))),
        Block::List(items) => {
            o.push_str("<ul>\n");
            for it in items {
                o.push_str(&format!("<li>{}</li>\n", item(it)));
            }
            o.push_str("</ul>\n");
        }
        Block::Table(t) => table(o, t),
        Block::Figure(f) => {
            o.push_str(&format!("<figure id=\"fig-{}\">\n", f.name));
            if f.natural_size {
                o.push_str("<div class=\"scroll\">");
            }
            o.push_str(&f.svg);
            if f.natural_size {
                o.push_str("</div>");
            }
            o.push_str(&format!(
                "\n<figcaption>{}</figcaption>\n</figure>\n",
                escape(&f.caption)
            ));
        }
        Block::Pre(p) => o.push_str(&format!("<pre>{}</pre>\n", escape(p))),
    }
}

fn item(it: &Item) -> String {
    match &it.lead {
        Some(l) => format!("<strong>{}</strong> — {}", escape(l), escape(&it.text)),
        None => escape(&it.text),
    }
}

fn table(o: &mut String, t: &Table) {
    let class = |k: usize| {
        if t.numeric.get(k).copied().unwrap_or(false) {
            " class=\"num\""
        } else {
            ""
        }
    };
    o.push_str("<div class=\"table-wrap\"><table>\n<thead><tr>");
    for (k, h) in t.header.iter().enumerate() {
        o.push_str(&format!("<th{}>{}</th>", class(k), escape(h)));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for r in &t.rows {
        o.push_str("<tr>");
        for (k, c) in r.iter().enumerate() {
            o.push_str(&format!("<td{}>{}</td>", class(k), escape(c)));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table></div>\n");
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping() {
        assert_eq!(
            super::escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
