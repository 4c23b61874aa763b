//! Zipkin v2's dependency links, the `/api/v2/dependencies` answer: an array of
//! `{"parent", "child", "callCount", "errorCount"}` (`errorCount` is not used).

use super::{links, CallEdge};
use crate::error::Error;

pub fn parse(file: &str, text: &str) -> Result<Vec<CallEdge>, Error> {
    let v = super::json(file, text, "Zipkin dependencies JSON")?;
    if !v.is_array() {
        return Err(super::invalid(
            file,
            1,
            "expected Zipkin v2 dependencies: an array of {\"parent\", \"child\", \"callCount\"} (the /api/v2/dependencies answer)",
        ));
    }
    links(file, "", &v)
}
