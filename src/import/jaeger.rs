//! Jaeger's dependency links: the `/api/dependencies` answer of the query service
//! (`{"data": [{"parent", "child", "callCount"}]}`) and the form of the gRPC/HTTP API
//! (`{"dependencies": [...]}`, possibly inside `{"result": ...}`, with `callCount` as a
//! string, as protobuf's JSON mapping writes 64-bit numbers). A bare array is accepted too.

use super::{links, CallEdge};
use crate::error::Error;

pub fn parse(file: &str, text: &str) -> Result<Vec<CallEdge>, Error> {
    let v = super::json(file, text, "Jaeger dependencies JSON")?;
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
            "expected Jaeger dependencies: {\"data\": [{\"parent\", \"child\", \"callCount\"}]} (the /api/dependencies answer) or {\"dependencies\": [...]}",
        ));
    };
    links(file, field, array)
}
