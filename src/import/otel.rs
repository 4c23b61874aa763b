//! The OpenTelemetry collector's servicegraph connector, as Prometheus text exposition
//! (what the collector's `prometheus` exporter serves, or a Prometheus `/federate` dump):
//! the counter `traces_service_graph_request_total{client, server, connection_type}`,
//! summed over its other labels. An edge whose samples all have
//! `connection_type="messaging_system"` (a producer and its consumer) is marked as
//! messaging. The connector's stand-in for callers outside the traces (a `virtual_node`
//! edge from the client `user`) is left out.
//!
//! The exposition format is parsed by hand, only as far as samples and their labels: the
//! Rust crates for it either split label values on `,` and `=` without handling quoting
//! and escapes and drop malformed lines without a word (`prometheus-parse`), or are
//! LGPL-licensed (`openmetrics-parser`). Errors here name the line and column.

use std::collections::BTreeMap;

use super::CallEdge;
use crate::error::{Diagnostic, Error};

/// The counter read, with any namespace prefix the exporter adds (`otelcol_...`).
const METRIC: &str = "traces_service_graph_request_total";

pub fn parse(file: &str, text: &str) -> Result<Vec<CallEdge>, Error> {
    // (client, server) → (calls, every sample a messaging edge)
    let mut edges: BTreeMap<(String, String), (f64, bool)> = BTreeMap::new();
    let mut seen = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_start();
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let indent = raw.len() - line.len();
        let s = sample(line).map_err(|(at, msg)| {
            Error::invalid(vec![Diagnostic::at(file, i + 1, indent + at + 1, "", msg)])
        })?;
        if !s.name.ends_with(METRIC) {
            continue;
        }
        seen = true;
        let label = |k: &str| s.labels.iter().find(|(n, _)| n == k).map(|(_, v)| v);
        let (Some(client), Some(server)) = (label("client"), label("server")) else {
            return Err(Error::invalid(vec![Diagnostic::at(
                file,
                i + 1,
                indent + 1,
                "",
                format!("{} without a `client` and a `server` label", s.name),
            )]));
        };
        let kind = label("connection_type").map(String::as_str).unwrap_or("");
        if kind == "virtual_node" && client == "user" {
            continue;
        }
        if !(s.value.is_finite() && s.value >= 0.0) {
            return Err(Error::invalid(vec![Diagnostic::at(
                file,
                i + 1,
                indent + 1,
                "",
                format!("a request count must be a number ≥ 0, got {}", s.value),
            )]));
        }
        let e = edges
            .entry((client.clone(), server.clone()))
            .or_insert((0.0, true));
        e.0 += s.value;
        e.1 &= kind == "messaging_system";
    }
    if !seen && !text.trim().is_empty() {
        return Err(Error::invalid(vec![Diagnostic::at(
            file,
            0,
            0,
            "",
            format!("no `{METRIC}` samples: is this the servicegraph connector's output?"),
        )]));
    }
    Ok(super::call_edges(edges))
}

/// One sample line: `name{label="value",...} value [timestamp]`.
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

/// Parses a sample line; an error carries its 0-based byte column.
fn sample(line: &str) -> Result<Sample, (usize, String)> {
    let b = line.as_bytes();
    let mut i = 0;
    let name_char = |c: u8, first: bool| {
        c.is_ascii_alphabetic() || c == b'_' || c == b':' || (!first && c.is_ascii_digit())
    };
    while i < b.len() && name_char(b[i], i == 0) {
        i += 1;
    }
    if i == 0 {
        return Err((0, "expected a metric name".into()));
    }
    let name = line[..i].to_string();
    let mut labels = Vec::new();
    if b.get(i) == Some(&b'{') {
        i += 1;
        loop {
            while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
                i += 1;
            }
            if b.get(i) == Some(&b'}') {
                i += 1;
                break;
            }
            let start = i;
            while i < b.len() && name_char(b[i], i == start) && b[i] != b':' {
                i += 1;
            }
            if i == start {
                return Err((i, "expected a label name or `}`".into()));
            }
            let key = line[start..i].to_string();
            if b.get(i) != Some(&b'=') || b.get(i + 1) != Some(&b'"') {
                return Err((i, format!("expected `=\"` after the label `{key}`")));
            }
            i += 2;
            let mut value = String::new();
            loop {
                match b.get(i) {
                    None => return Err((i, "unterminated label value: expected `\"`".into())),
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') => {
                        match b.get(i + 1) {
                            Some(b'n') => value.push('\n'),
                            Some(b'\\') => value.push('\\'),
                            Some(b'"') => value.push('"'),
                            _ => return Err((i, "unknown escape in a label value".into())),
                        }
                        i += 2;
                    }
                    Some(_) => {
                        let c = line[i..].chars().next().expect("in bounds");
                        value.push(c);
                        i += c.len_utf8();
                    }
                }
            }
            labels.push((key, value));
            while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
                i += 1;
            }
            match b.get(i) {
                Some(b',') => i += 1,
                Some(b'}') => {}
                _ => return Err((i, "expected `,` or `}` after a label".into())),
            }
        }
    }
    let rest = &line[i..];
    if !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
        return Err((i, "expected a space and the sample's value".into()));
    }
    let mut words = rest.split_whitespace();
    let v = words.next().unwrap_or("");
    let value = match v {
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        _ => v
            .parse::<f64>()
            .map_err(|_| (i + 1, format!("expected a number, got `{v}`")))?,
    };
    if let Some(ts) = words.next() {
        if ts.parse::<i64>().is_err() {
            return Err((
                i + 1,
                format!("expected a timestamp in milliseconds, got `{ts}`"),
            ));
        }
    }
    if let Some(extra) = words.next() {
        return Err((i + 1, format!("unexpected `{extra}` after the sample")));
    }
    Ok(Sample {
        name,
        labels,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_with_escapes_and_timestamps() {
        let s = sample(r#"m{a="x,y=z",b="q\"\\\n"} 12.5 1700000000000"#).unwrap();
        assert_eq!(s.name, "m");
        assert_eq!(s.labels[0], ("a".into(), "x,y=z".into()));
        assert_eq!(s.labels[1], ("b".into(), "q\"\\\n".into()));
        assert_eq!(s.value, 12.5);
        assert_eq!(sample("up 1").unwrap().value, 1.0);
        assert!(sample(r#"m{a="x} 1"#).is_err());
        assert!(sample("m{a=x} 1").is_err());
        assert!(sample("m 1 2 3").is_err());
    }

    #[test]
    fn edges_are_summed_and_messaging_kept() {
        let text = r#"# TYPE traces_service_graph_request_total counter
traces_service_graph_request_total{client="a",server="b",connection_type="",job="x"} 3
traces_service_graph_request_total{client="a",server="b",connection_type="",job="y"} 4
traces_service_graph_request_total{client="a",server="q",connection_type="messaging_system"} 2
traces_service_graph_request_total{client="user",server="a",connection_type="virtual_node"} 9
traces_service_graph_request_failed_total{client="a",server="b"} 1
"#;
        let e = parse("f", text).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(
            (e[0].child.as_str(), e[0].calls, e[0].messaging),
            ("b", 7.0, false)
        );
        assert_eq!((e[1].child.as_str(), e[1].messaging), ("q", true));
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse(
            "f.prom",
            "# x\ntraces_service_graph_request_total{client=\"a\"} 1\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("f.prom:2:1"), "{err}");
        let err = parse("f.prom", "\nm{a=\"1\" 1\n").unwrap_err();
        assert!(err.to_string().contains("f.prom:2:"), "{err}");
    }
}
