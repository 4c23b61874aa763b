//! Helpers shared by the test modules: the built binary and its JSON output, the bundled
//! scenarios, a scenario written to a temporary file or compiled for the engine, and the
//! comparison of exact results.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The built `blastradius` binary, ready for arguments.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_blastradius"))
}

/// Runs the binary with `args`, asserts that it succeeded and returns its stdout.
pub fn stdout(args: &[&str]) -> String {
    let out = bin().args(args).output().expect("the binary runs");
    assert!(
        out.status.success(),
        "blastradius {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The bundled scenario library, `scenarios/`.
pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// The path of the bundled scenario `name` (`scenarios/<name>`).
pub fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The path of the format's example, `scenarios/design-example.ron`.
pub fn example() -> String {
    scenario("design-example.ron")
}

/// Writes `text` to a scenario file in a fresh temporary directory.
pub fn scenario_file(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s.ron");
    std::fs::write(&path, text).expect("write scenario");
    let p = path.to_string_lossy().into_owned();
    (dir, p)
}

/// Equal to 1e-9 (hours, for durations): exact up to rounding.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Runs the binary with `args` (which must ask for JSON), asserts that it succeeded and
/// returns the parsed output.
pub fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&stdout(args)).expect("JSON output")
}

/// The entry of `services` with this `id` in a command's JSON.
pub fn by_id<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["services"]
        .as_array()
        .expect("a services list")
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no service {id} in {v}"))
}

/// The scenario `text`, validated and compiled for the engine.
pub fn compile(text: &str) -> blastradius::sim::Compiled {
    let loaded = blastradius::model::load_str("test.ron", text).unwrap_or_else(|e| panic!("{e}"));
    blastradius::sim::Compiled::new(&loaded.model)
}

/// The index of service `id` in the scenario `text`.
pub fn idx(text: &str, id: &str) -> usize {
    blastradius::model::load_str("test.ron", text)
        .unwrap()
        .model
        .service_index(id)
        .unwrap()
}
