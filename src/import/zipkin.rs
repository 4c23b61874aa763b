//! Zipkin v2: the dependency links of `/api/v2/dependencies`, an array of
//! `{"parent", "child", "callCount", "errorCount"}` (`errorCount` is not used); or traces:
//! `/api/v2/traces`' array of traces, each an array of spans, or `/api/v2/trace/{id}`'s
//! one trace, read by [`super::traces`].
//!
//! Zipkin may share one span id between the client and the server side of a call (B3
//! single-span): a `SERVER` (or `CONSUMER`) span with the id of a `CLIENT` (or
//! `PRODUCER`) span is that span's child, and the children of a shared id hang below its
//! server side. A client span whose callee is not traced (a database, a queue) gives
//! that callee from its `remoteEndpoint`.

use std::collections::BTreeSet;

use serde_json::Value;

use super::traces::{self, Span};
use super::{links, TraceRead};
use crate::error::Error;

pub fn parse(file: &str, text: &str) -> Result<TraceRead, Error> {
    let v = super::json(file, text, "Zipkin JSON")?;
    let Some(items) = v.as_array() else {
        return Err(super::invalid(
            file,
            1,
            "expected Zipkin v2 dependencies: an array of {\"parent\", \"child\", \"callCount\"} (the /api/v2/dependencies answer), or traces: an array of traces, each an array of spans (the /api/v2/traces answer)",
        ));
    };
    let all: Vec<(String, &Vec<Value>)> = match items.first() {
        Some(Value::Array(_)) => items
            .iter()
            .enumerate()
            .map(|(i, t)| match t {
                Value::Array(spans) => Ok((format!("[{i}]"), spans)),
                _ => Err(super::invalid(
                    file,
                    0,
                    &format!("`[{i}]`: expected a trace, an array of spans"),
                )),
            })
            .collect::<Result<_, Error>>()?,
        Some(first) if first.get("traceId").is_some() => vec![(String::new(), items)],
        _ => {
            return Ok(TraceRead {
                edges: links(file, "", &v)?,
                ..Default::default()
            })
        }
    };
    let mut traces = Vec::with_capacity(all.len());
    for (at, spans) in all {
        traces.push(trace(file, &at, spans)?);
    }
    Ok(traces::read(&traces))
}

/// Whether a span of this kind is the caller's side of a call.
fn calls_out(kind: &str) -> bool {
    matches!(kind, "CLIENT" | "PRODUCER")
}

/// The spans of one trace (at `at` in the document).
fn trace(file: &str, at: &str, spans: &[Value]) -> Result<Vec<Span>, Error> {
    let str_of = |s: &Value, k: &str| s.get(k).and_then(Value::as_str).map(str::to_string);
    let kind = |s: &Value| str_of(s, "kind").unwrap_or_default();
    // Ids that have a caller side in this trace: their other side is a shared span's
    // server side.
    let outgoing: BTreeSet<String> = spans
        .iter()
        .filter(|s| calls_out(&kind(s)))
        .filter_map(|s| str_of(s, "id"))
        .collect();
    // Shared ids whose server side is in this trace.
    let served: BTreeSet<String> = spans
        .iter()
        .filter(|s| !calls_out(&kind(s)))
        .filter_map(|s| str_of(s, "id"))
        .filter(|id| outgoing.contains(id))
        .collect();
    let mut out = Vec::with_capacity(spans.len());
    for (k, s) in spans.iter().enumerate() {
        let bad = |what: &str| super::invalid(file, 0, &format!("`{at}[{k}]`: {what}"));
        let Some(id) = str_of(s, "id") else {
            return Err(bad("a span without an id"));
        };
        let Some(service) = s
            .get("localEndpoint")
            .and_then(|e| e.get("serviceName"))
            .and_then(Value::as_str)
            .filter(|n| !n.trim().is_empty())
        else {
            return Err(bad("a span without localEndpoint.serviceName"));
        };
        let kd = kind(s);
        let shared_server = !calls_out(&kd) && outgoing.contains(&id);
        // A parent id that is shared stands for its server side, where children start.
        let side = |p: String| {
            if served.contains(&p) {
                format!("{p}/server")
            } else {
                p
            }
        };
        let operation = str_of(s, "name").unwrap_or_default();
        let start = s.get("timestamp").and_then(Value::as_f64).unwrap_or(0.0);
        // A call to a service that is not traced itself (a database, a queue) is known
        // only as the caller's remote endpoint: it stands for the callee's side.
        let remote = s
            .get("remoteEndpoint")
            .and_then(|e| e.get("serviceName"))
            .and_then(Value::as_str)
            .filter(|n| calls_out(&kd) && !n.trim().is_empty() && !served.contains(&id));
        if let Some(r) = remote {
            out.push(Span {
                key: format!("{id}/remote"),
                parent: Some(id.clone()),
                service: r.to_string(),
                operation: operation.clone(),
                start,
                follows: kd == "PRODUCER",
            });
        }
        let (key, parent) = if shared_server {
            (format!("{id}/server"), Some(id))
        } else {
            (id, str_of(s, "parentId").map(side))
        };
        out.push(Span {
            key,
            parent,
            service: service.to_string(),
            operation,
            start,
            follows: kd == "CONSUMER",
        });
    }
    Ok(out)
}
