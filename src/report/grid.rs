//! A grid of display cells rendered as a terminal table or a Markdown table, shared by
//! the analyses' reports. Cells are already formatted text; CSV is written separately
//! from raw numbers.

pub struct Grid {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// Columns aligned right (numbers).
    pub right: Vec<usize>,
}

impl Grid {
    pub fn table(&self) -> String {
        let mut t = comfy_table::Table::new();
        t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
        t.set_header(self.header.clone());
        for r in &self.rows {
            t.add_row(r.clone());
        }
        for &i in &self.right {
            if let Some(col) = t.column_mut(i) {
                col.set_cell_alignment(comfy_table::CellAlignment::Right);
            }
        }
        format!("{t}\n")
    }

    pub fn markdown(&self) -> String {
        let mut out = format!("| {} |\n|", self.header.join(" | "));
        for i in 0..self.header.len() {
            out.push_str(if self.right.contains(&i) {
                "---:|"
            } else {
                "---|"
            });
        }
        out.push('\n');
        for r in &self.rows {
            let cells: Vec<String> = r.iter().map(|c| md_escape(c)).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out
    }
}

/// A heading and summary lines above a grid, then titled grids after it, as a terminal
/// text block.
pub fn text_block(
    heading: &str,
    lines: &[String],
    grid: &Grid,
    more: &[(String, Grid)],
    notes: &[String],
) -> String {
    let mut out = format!("{heading}\n");
    for l in lines {
        out.push_str(&format!("  {l}\n"));
    }
    out.push_str(&grid.table());
    for (title, g) in more {
        out.push_str(&format!("\n{title}\n"));
        out.push_str(&g.table());
    }
    for n in notes {
        out.push_str(&format!("{n}\n"));
    }
    out
}

/// The same as Markdown, each further grid under a heading of its own.
pub fn markdown_block(
    heading: &str,
    lines: &[String],
    grid: &Grid,
    more: &[(String, Grid)],
    notes: &[String],
) -> String {
    let mut out = format!("# {}\n\n", md_escape(heading));
    for l in lines {
        out.push_str(&format!("- {}\n", md_escape(l)));
    }
    if !lines.is_empty() {
        out.push('\n');
    }
    out.push_str(&grid.markdown());
    for (title, g) in more {
        out.push_str(&format!("\n## {}\n\n", md_escape(title)));
        out.push_str(&g.markdown());
    }
    if !notes.is_empty() {
        out.push('\n');
        for n in notes {
            out.push_str(&format!("{}\n\n", md_escape(n)));
        }
        out.pop();
    }
    out
}

/// CSV text from a header and records.
pub fn csv(header: &[&str], records: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).expect("in-memory write");
    for r in records {
        w.write_record(r).expect("in-memory write");
    }
    String::from_utf8(w.into_inner().expect("in-memory flush")).expect("utf-8 fields")
}

/// Pretty JSON with a final newline.
pub fn json<T: serde::Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("wire types serialise");
    s.push('\n');
    s
}

/// [`json`], streamed to `out`: the same bytes.
pub fn write_json<T: serde::Serialize>(out: &mut dyn std::io::Write, v: &T) -> std::io::Result<()> {
    // serde_json writes a few bytes at a time: into a buffer of a known type, so that
    // each write is a copy, not a call through `dyn Write`.
    use std::io::Write;
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut buffered, v)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

/// Escapes text from the scenario for a Markdown table cell or line.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(ch);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
