//! Jaeger: the dependency links of the query service's `/api/dependencies`
//! (`{"data": [{"parent", "child", "callCount"}]}`) and the form of the gRPC/HTTP API
//! (`{"dependencies": [...]}`, possibly inside `{"result": ...}`, with `callCount` as a
//! string, as protobuf's JSON mapping writes 64-bit numbers; a bare array is accepted
//! too); or traces, as `/api/traces` answers and the UI downloads them
//! (`{"data": [{"traceID", "spans": [...], "processes": {...}}]}`), read by
//! [`super::traces`].

use serde_json::Value;

use super::traces::{self, Span};
use super::{links, TraceRead};
use crate::error::Error;

pub fn parse(file: &str, text: &str) -> Result<TraceRead, Error> {
    let v = super::json(file, text, "Jaeger JSON")?;
    let (field, array) = if v.is_array() {
        ("", &v)
    } else if let Some(a) = v.get("data") {
        ("data", a)
    } else if let Some(a) = v.get("dependencies") {
        ("dependencies", a)
    } else if let Some(a) = v.get("result").and_then(|r| r.get("dependencies")) {
        ("result.dependencies", a)
    } else {
        return Err(super::invalid(
            file,
            0,
            "expected Jaeger dependencies: {\"data\": [{\"parent\", \"child\", \"callCount\"}]} (the /api/dependencies answer) or {\"dependencies\": [...]}, or traces: {\"data\": [{\"traceID\", \"spans\", \"processes\"}]} (the /api/traces answer)",
        ));
    };
    let is_traces = array
        .as_array()
        .and_then(|a| a.first())
        .is_some_and(|t| t.get("spans").is_some());
    if !is_traces {
        return Ok(TraceRead {
            edges: links(file, field, array)?,
            ..Default::default()
        });
    }
    let mut all = Vec::new();
    for (i, t) in array.as_array().into_iter().flatten().enumerate() {
        let at = if field.is_empty() {
            format!("[{i}]")
        } else {
            format!("{field}[{i}]")
        };
        all.push(trace(file, &at, t)?);
    }
    Ok(traces::read(&all))
}

/// The spans of one trace at `at` in the document.
fn trace(file: &str, at: &str, t: &Value) -> Result<Vec<Span>, Error> {
    let bad = |what: String| super::invalid(file, 0, &format!("`{at}`: {what}"));
    let Some(spans) = t.get("spans").and_then(Value::as_array) else {
        return Err(bad(
            "expected a trace: {\"traceID\", \"spans\": [...], \"processes\": {...}}".into(),
        ));
    };
    let processes = t.get("processes");
    let mut out = Vec::with_capacity(spans.len());
    for (k, s) in spans.iter().enumerate() {
        let str_of = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
        let Some(key) = str_of(s.get("spanID")) else {
            return Err(bad(format!("`spans[{k}]` has no spanID")));
        };
        // The service: the span's process inline, or the trace's process it names.
        let service = str_of(s.get("process").and_then(|p| p.get("serviceName"))).or_else(|| {
            let id = s.get("processID").and_then(Value::as_str)?;
            str_of(processes?.get(id)?.get("serviceName"))
        });
        let Some(service) = service.filter(|n| !n.trim().is_empty()) else {
            return Err(bad(format!(
                "`spans[{k}]` names no service (no process with a serviceName)"
            )));
        };
        // The parent: a CHILD_OF reference, else a FOLLOWS_FROM one (asynchronous).
        let refs: Vec<(&str, &str)> = s
            .get("references")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| {
                Some((
                    r.get("refType")
                        .and_then(Value::as_str)
                        .unwrap_or("CHILD_OF"),
                    r.get("spanID")?.as_str()?,
                ))
            })
            .collect();
        let parent = refs
            .iter()
            .find(|r| r.0 == "CHILD_OF")
            .or_else(|| refs.first())
            .copied();
        out.push(Span {
            key,
            parent: parent.map(|p| p.1.to_string()),
            service,
            operation: str_of(s.get("operationName")).unwrap_or_default(),
            start: s.get("startTime").and_then(Value::as_f64).unwrap_or(0.0),
            follows: parent.is_some_and(|p| p.0 == "FOLLOWS_FROM"),
        });
    }
    Ok(out)
}
