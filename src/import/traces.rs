//! Traces themselves (Jaeger's `/api/traces` answer, Zipkin v2's `/api/v2/traces`), as
//! opposed to the dependency links the query services aggregate from them. A trace gives
//! the same call edges as the links (a span whose parent span is in another service is a
//! call from that service), and one thing the links lose: where the request came in. Its
//! root span's service and operation (`nginx-web-server` `/home-timeline/read`) is the
//! front end's entry operation, and the services its spans touch are what that request
//! needed; `import` writes each entry operation as a journey.
//!
//! Each source's module turns its spans into [`Span`]s with a unique key per span and the
//! key of its parent; [`read`] does the rest for both.

use std::collections::{BTreeMap, BTreeSet};

use super::TraceRead;

/// One span of a trace, as the sources' modules give it.
#[derive(Debug, Clone)]
pub struct Span {
    /// Unique within its trace.
    pub key: String,
    /// The key of its parent span, if it names one.
    pub parent: Option<String>,
    pub service: String,
    pub operation: String,
    /// Start time, in the source's unit; only compared within one trace.
    pub start: f64,
    /// An asynchronous call (Jaeger `FOLLOWS_FROM`, Zipkin producer → consumer): the
    /// parent does not wait for it.
    pub follows: bool,
}

/// Entry operations of a set of traces: per (root service, root operation), the number of
/// traces and the services (as the sources name them) that those traces touch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    pub traces: u64,
    pub services: BTreeSet<String>,
}

/// Call edges and entry operations of `traces`, each a list of its spans.
pub fn read(traces: &[Vec<Span>]) -> TraceRead {
    let mut calls: BTreeMap<(String, String), (f64, bool)> = BTreeMap::new();
    let mut entries: BTreeMap<(String, String), Entry> = BTreeMap::new();
    for spans in traces {
        let by_key: BTreeMap<&str, &Span> = spans.iter().map(|s| (s.key.as_str(), s)).collect();
        let mut root: Option<&Span> = None;
        for s in spans {
            match s.parent.as_deref().and_then(|p| by_key.get(p)) {
                Some(p) if p.service != s.service => {
                    let e = calls
                        .entry((p.service.clone(), s.service.clone()))
                        .or_insert((0.0, true));
                    e.0 += 1.0;
                    e.1 &= s.follows;
                }
                Some(_) => {}
                // No parent in the trace: a root (a trace cut short may have several; the
                // first to start is where the request came in).
                None => {
                    let earlier = root.is_none_or(|r| {
                        s.start.total_cmp(&r.start).then(s.key.cmp(&r.key)).is_lt()
                    });
                    if earlier {
                        root = Some(s);
                    }
                }
            }
        }
        let Some(root) = root else { continue };
        let e = entries
            .entry((root.service.clone(), root.operation.clone()))
            .or_default();
        e.traces += 1;
        e.services.extend(spans.iter().map(|s| s.service.clone()));
    }
    TraceRead {
        edges: super::call_edges(calls),
        entries,
        services: traces.iter().flatten().map(|s| s.service.clone()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(key: &str, parent: Option<&str>, service: &str, op: &str, start: f64) -> Span {
        Span {
            key: key.into(),
            parent: parent.map(Into::into),
            service: service.into(),
            operation: op.into(),
            start,
            follows: false,
        }
    }

    /// Calls between services are counted per span; calls within a service are not
    /// edges; the root is the span without a parent in the trace, the first to start when
    /// a cut trace has several.
    #[test]
    fn edges_and_entries() {
        let t1 = vec![
            span("1", None, "web", "GET /home", 0.0),
            span("2", Some("1"), "web", "render", 1.0),
            span("3", Some("2"), "timeline", "read", 2.0),
            span("4", Some("3"), "cache", "get", 3.0),
            span("5", Some("3"), "cache", "get", 4.0),
        ];
        let t2 = vec![
            // Its parent is missing: a second root, starting later.
            span("9", Some("missing"), "cache", "get", 5.0),
            span("8", None, "web", "GET /home", 1.0),
        ];
        let r = read(&[t1, t2]);
        let edges: Vec<(&str, &str, f64)> = r
            .edges
            .iter()
            .map(|e| (e.parent.as_str(), e.child.as_str(), e.calls))
            .collect();
        assert_eq!(
            edges,
            [("timeline", "cache", 2.0), ("web", "timeline", 1.0)]
        );
        let home = &r.entries[&("web".to_string(), "GET /home".to_string())];
        assert_eq!(home.traces, 2);
        assert_eq!(
            home.services.iter().collect::<Vec<_>>(),
            ["cache", "timeline", "web"]
        );
        assert_eq!(r.entries.len(), 1);
    }
}
