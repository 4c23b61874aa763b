//! Rewriting values in scenario text in place, keeping everything else (comments,
//! layout, order) as written: `calibrate --write` replaces the fitted parameters' values.

use std::collections::BTreeMap;

use super::duration::parse_hours;
use super::locate::{skip_block_comment, skip_raw_string, skip_string};
use super::{DistSpec, TaggedDist};

/// The byte spans of the values of the top-level `params` map, by name.
pub fn param_spans(text: &str) -> BTreeMap<String, (usize, usize)> {
    let b = text.as_bytes();
    let mut spans = BTreeMap::new();
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
                    in_params = None;
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
                && b[i..].starts_with(b"params")
                && (i == 0 || !is_ident(b[i - 1]))
                && !b.get(i + 6).is_some_and(|&x| is_ident(x)) =>
            {
                let rest = text[i + 6..].trim_start();
                if let Some(after) = rest.strip_prefix(':') {
                    let brace = after.trim_start();
                    if brace.starts_with('{') {
                        let at = text.len() - brace.len();
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
    spans
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

/// `text` with the values of the top-level `params` named in `values` replaced by the
/// given RON text. Every name must be in the map.
pub fn replace_params(text: &str, values: &BTreeMap<String, String>) -> Result<String, String> {
    let spans = param_spans(text);
    let mut edits: Vec<(usize, usize, &str)> = Vec::new();
    for (name, v) in values {
        let &(s, e) = spans
            .get(name)
            .ok_or_else(|| format!("parameter \"{name}\" not found in the text of `params`"))?;
        edits.push((s, e, v));
    }
    edits.sort_by_key(|x| x.0);
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for (s, e, v) in edits {
        out.push_str(&text[at..s]);
        out.push_str(v);
        at = e;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// A duration in hours as a scenario writes it: `"12.3456h"`, to 4 decimals at most.
pub fn hours_text(h: f64) -> String {
    let s = format!("{h:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}h")
}

/// `spec` with every duration multiplied by `k` (its shape kept), as RON text; `None` for
/// a parameter of a parameter or an unreadable duration (the scenario validated, so
/// neither happens to a loaded file's `params`).
pub fn scaled_text(spec: &DistSpec, k: f64) -> Option<String> {
    let d = |t: &str| -> Option<String> {
        Some(format!("\"{}\"", hours_text(parse_hours(t).ok()? * k)))
    };
    Some(match spec {
        DistSpec::Fixed(t) => d(t)?,
        DistSpec::Tagged(t) => match t {
            TaggedDist::Exp { mean } => format!("Exp(mean: {})", d(mean)?),
            TaggedDist::Uniform { min, max } => {
                format!("Uniform(min: {}, max: {})", d(min)?, d(max)?)
            }
            TaggedDist::Triangular { min, mode, max } => format!(
                "Triangular(min: {}, mode: {}, max: {})",
                d(min)?,
                d(mode)?,
                d(max)?
            ),
            TaggedDist::LogNormal { median, p95 } => {
                format!("LogNormal(median: {}, p95: {})", d(median)?, d(p95)?)
            }
            TaggedDist::Weibull { shape, scale } => {
                format!("Weibull(shape: {shape}, scale: {})", d(scale)?)
            }
            TaggedDist::Empirical(v) => {
                let items: Option<Vec<String>> = v.iter().map(|x| d(x)).collect();
                format!("Empirical([{}])", items?.join(", "))
            }
            TaggedDist::Param(_) => return None,
        },
    })
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
        let spans = param_spans(TEXT);
        let got: Vec<(&str, &str)> = spans
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
        let mut values = BTreeMap::new();
        values.insert("b".to_string(), "\"4h\"".to_string());
        let out = replace_params(TEXT, &values).unwrap();
        assert!(out.contains(r#""b" /* odd */ : "4h","#), "{out}");
        assert!(out.contains(r#"params: {"a": "9h"}"#));
        assert!(replace_params(TEXT, &[("zz".to_string(), String::new())].into()).is_err());
    }

    #[test]
    fn scaling_keeps_the_shape() {
        let spec = DistSpec::Tagged(TaggedDist::LogNormal {
            median: "3h".into(),
            p95: "1d".into(),
        });
        assert_eq!(
            scaled_text(&spec, 0.5).unwrap(),
            r#"LogNormal(median: "1.5h", p95: "12h")"#
        );
        assert_eq!(hours_text(1.0 / 3.0), "0.3333h");
        assert_eq!(hours_text(0.0), "0h");
    }
}
