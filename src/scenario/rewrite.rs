//! Rewriting scenario text in place, keeping everything else (comments, layout, order)
//! as written: `calibrate --write` sets the top-level `calibrated` map.

use std::collections::BTreeMap;

use super::locate::{skip_block_comment, skip_raw_string, skip_string};

/// A top-level map of the scenario, as written.
pub struct TopMap {
    /// The span of the map, from `{` to just after `}`.
    pub span: (usize, usize),
    /// The span of each entry's value, by key.
    pub entries: BTreeMap<String, (usize, usize)>,
}

/// The top-level map written as `field: { … }`, if the scenario has one.
pub fn top_map(text: &str, field: &str) -> Option<TopMap> {
    let b = text.as_bytes();
    let mut spans = BTreeMap::new();
    let mut open = None;
    let mut depth = 0usize;
    // Depth of the top-level `params` map's entries once found.
    let mut in_params: Option<usize> = None;
    // The key just read in the map, waiting for its value.
    let mut key: Option<String> = None;
    let mut value_start: Option<usize> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'"' => {
                let end = skip_string(b, i + 1);
                if in_params == Some(depth) && value_start.is_none() && key.is_none() {
                    key = Some(text[i + 1..end.saturating_sub(1)].to_string());
                } else if in_params == Some(depth) && key.is_some() && value_start.is_none() {
                    value_start = Some(i);
                }
                i = end;
                continue;
            }
            b'r' if b.get(i + 1).is_some_and(|&x| x == b'"' || x == b'#')
                && (i == 0 || !is_ident(b[i - 1])) =>
            {
                i = skip_raw_string(b, i + 1);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(b, i + 2);
                continue;
            }
            b'(' | b'[' | b'{' => {
                if in_params == Some(depth) && key.is_some() && value_start.is_none() {
                    value_start = Some(i);
                }
                depth += 1;
            }
            b')' | b']' | b'}' => {
                if in_params == Some(depth) {
                    // The map closes: the last entry may have no comma after it.
                    finish(&mut spans, &mut key, &mut value_start, text, i);
                    return open.map(|o| TopMap {
                        span: (o, i + 1),
                        entries: spans,
                    });
                }
                depth = depth.saturating_sub(1);
            }
            b',' if in_params == Some(depth) => {
                finish(&mut spans, &mut key, &mut value_start, text, i);
            }
            b':' if in_params == Some(depth) => {}
            _ if in_params == Some(depth)
                && key.is_some()
                && value_start.is_none()
                && !c.is_ascii_whitespace() =>
            {
                value_start = Some(i);
            }
            _ if depth == 1
                && in_params.is_none()
                && b[i..].starts_with(field.as_bytes())
                && (i == 0 || !is_ident(b[i - 1]))
                && !b.get(i + field.len()).is_some_and(|&x| is_ident(x)) =>
            {
                let rest = text[i + field.len()..].trim_start();
                if let Some(after) = rest.strip_prefix(':') {
                    let brace = after.trim_start();
                    if brace.starts_with('{') {
                        let at = text.len() - brace.len();
                        open = Some(at);
                        i = at + 1;
                        depth += 1;
                        in_params = Some(depth);
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn finish(
    spans: &mut BTreeMap<String, (usize, usize)>,
    key: &mut Option<String>,
    value_start: &mut Option<usize>,
    text: &str,
    end: usize,
) {
    if let (Some(k), Some(s)) = (key.take(), value_start.take()) {
        let v = text[s..end].trim_end();
        // A comment between the value and the comma stays where it is.
        let v = strip_trailing_comment(v);
        spans.insert(k, (s, s + v.len()));
    }
}

/// `value // note` or `value /* note */` → `value`.
fn strip_trailing_comment(v: &str) -> &str {
    let b = v.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => i = skip_string(b, i + 1),
            b'/' if b.get(i + 1) == Some(&b'/') || b.get(i + 1) == Some(&b'*') => {
                return v[..i].trim_end();
            }
            _ => i += 1,
        }
    }
    v
}

/// `text` with the top-level `calibrated` map set to `factors` (replacing the map when
/// the scenario has one, else written on its own line after the `params` map), everything
/// else as written.
pub fn set_calibrated(text: &str, factors: &BTreeMap<String, f64>) -> Result<String, String> {
    let entries: Vec<String> = factors
        .iter()
        .map(|(k, f)| format!("{k:?}: {}", factor_text(*f)))
        .collect();
    let map = format!("{{{}}}", entries.join(", "));
    if let Some(m) = top_map(text, "calibrated") {
        return Ok(format!("{}{map}{}", &text[..m.span.0], &text[m.span.1..]));
    }
    let params = top_map(text, "params")
        .ok_or_else(|| "the scenario has no `params` map to put `calibrated` after".to_string())?;
    let end = params.span.1;
    let rest = &text[end..];
    let (cut, comma) = match rest.trim_start().strip_prefix(',') {
        Some(after) => (text.len() - after.len(), ""),
        None => (end, ","),
    };
    // The indentation of the line the `params` map starts on.
    let line_start = text[..params.span.0].rfind('\n').map_or(0, |p| p + 1);
    let indent: String = text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    // After the rest of the `params` line, so a comment there stays with it.
    let eol = text[cut..].find('\n').map_or(text.len(), |p| cut + p);
    Ok(format!(
        "{}{comma}{}\n{indent}calibrated: {map}, // written by `blastradius calibrate --write`{}",
        &text[..cut],
        &text[cut..eol],
        &text[eol..]
    ))
}

/// A factor as written in `calibrated`: 6 significant digits, at least one decimal.
fn factor_text(f: f64) -> String {
    let digits = (5 - f.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{f:.digits$}");
    let s = s.trim_end_matches('0');
    if s.ends_with('.') {
        format!("{s}0")
    } else if s.contains('.') {
        s.to_string()
    } else {
        format!("{s}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"(
  name: "x", // params: {"no": "1h"}
  variants: [(name: "v", params: {"a": "9h"})],
  params: {
    "a": LogNormal(median: "3h", p95: "8h"), // restart
    "b" /* odd */ : "2h",
    "c": Empirical(["1h", "2h"])
  },
)"#;

    #[test]
    fn finds_only_the_top_level_map_and_keeps_comments() {
        let m = top_map(TEXT, "params").unwrap();
        let got: Vec<(&str, &str)> = m
            .entries
            .iter()
            .map(|(k, &(s, e))| (k.as_str(), &TEXT[s..e]))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a", r#"LogNormal(median: "3h", p95: "8h")"#),
                ("b", r#""2h""#),
                ("c", r#"Empirical(["1h", "2h"])"#),
            ]
        );
        assert!(TEXT[m.span.0..m.span.1].starts_with("{\n    \"a\""));
        assert!(TEXT[m.span.0..m.span.1].ends_with("])\n  }"));
        assert!(top_map(TEXT, "calibrated").is_none());
    }

    #[test]
    fn calibrated_goes_after_params_or_replaces_itself() {
        let text = "(\n  name: \"x\",\n  params: {\"a\": \"1h\"}, // note\n  sites: [],\n)";
        let f: BTreeMap<String, f64> = [("a".to_string(), 1.23456789)].into();
        let once = set_calibrated(text, &f).unwrap();
        assert_eq!(
            once,
            "(\n  name: \"x\",\n  params: {\"a\": \"1h\"}, // note\n  calibrated: {\"a\": 1.23457}, // written by `blastradius calibrate --write`\n  sites: [],\n)"
        );
        let f2: BTreeMap<String, f64> = [("a".to_string(), 0.5)].into();
        let twice = set_calibrated(&once, &f2).unwrap();
        assert!(twice.contains("calibrated: {\"a\": 0.5},"), "{twice}");
        assert_eq!(twice.matches("calibrated:").count(), 1);
        assert_eq!(factor_text(2.0), "2.0");
        assert_eq!(factor_text(123.456789), "123.457");
    }
}
