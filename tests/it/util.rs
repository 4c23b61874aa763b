//! Helpers shared by the test modules: the built binary and its JSON output, the bundled
//! scenarios, a scenario written to a temporary file or compiled for the engine, the
//! comparison of exact results, and random small scenarios for property tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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

/// Every bundled scenario file (`scenarios/*.ron`), in name order.
pub fn bundled_scenarios() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    v.sort();
    v
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

/// A random small scenario with everything the engine has, for property tests: nested
/// sites with hazards, destroying events at fixed and at random times (so instants tie),
/// both modes, fleets, rebuilds, hard and partial dependencies with and without grace,
/// cycles of dependencies and of recovery needs, substitutes inside and outside the
/// scenario, hazards with fixed times, crews and bootstrap. The same seed gives the same
/// text.
fn pick<'a>(rng: &mut ChaCha8Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.random_range(0..xs.len())]
}

pub fn random_scenario(seed: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sites = ["a", "b", "c", "d"];
    let mut t = String::from("Scenario(name: \"random\", horizon: \"5d\", sites: [");
    t.push_str("(id: \"a\"), (id: \"b\"), (id: \"c\", parent: \"a\"), (id: \"d\", parent: \"b\"");
    if rng.random_bool(0.3) {
        t.push_str(", hazards: [(mtbf: Exp(mean: \"3d\"), repair: \"6h\")]");
    }
    t.push_str(")],\nservices: [\n");
    let n = rng.random_range(4..=8);
    for i in 0..n {
        let k = rng.random_range(1..=2);
        let mut reps: Vec<&str> = sites.to_vec();
        while reps.len() > k {
            reps.remove(rng.random_range(0..reps.len()));
        }
        let reps: Vec<String> = reps.iter().map(|r| format!("\"{r}\"")).collect();
        t.push_str(&format!(
            "  (id: \"s{i}\", users: {}, replicas: [{}], instances: {}, restart: {}",
            pick(&mut rng, &["0", "10", "250", "1000"]),
            reps.join(", "),
            pick(&mut rng, &["1", "1", "3", "5"]),
            pick(
                &mut rng,
                &["\"0h\"", "\"1h\"", "Exp(mean: \"2h\")", "\"30m\""]
            )
        ));
        if k > 1 && rng.random_bool(0.4) {
            t.push_str(&format!(
                ", mode: ActiveStandby(failover: {}, success: {})",
                pick(&mut rng, &["Exp(mean: \"1h\")", "\"20m\""]),
                pick(&mut rng, &["1.0", "0.5"])
            ));
        } else {
            t.push_str(&format!(
                ", mode: ActiveActive(min: {})",
                rng.random_range(1..=k)
            ));
        }
        if rng.random_bool(0.15) {
            t.push_str(&format!(
                ", rebuild: (to: [\"{}\"], takes: \"6h\")",
                pick(&mut rng, &sites)
            ));
        }
        let mut deps = Vec::new();
        for j in 0..n {
            if j != i && rng.random_bool(if j < i { 0.35 } else { 0.1 }) {
                deps.push(format!(
                    "(on: \"s{j}\", share: {}, grace: {})",
                    pick(&mut rng, &["1.0", "1.0", "0.3", "0.6"]),
                    pick(&mut rng, &["\"0h\"", "\"0h\"", "\"1h\"", "\"30m\""])
                ));
            }
        }
        t.push_str(&format!(", depends_on: [{}]", deps.join(", ")));
        let j = rng.random_range(0..n);
        if j != i && rng.random_bool(0.3) {
            t.push_str(&format!(", recovery_needs: [\"s{j}\"]"));
        }
        let j = rng.random_range(0..n);
        if rng.random_bool(0.3) {
            let to = if j != i && rng.random_bool(0.7) {
                format!("to: \"s{j}\"")
            } else {
                "outside: \"elsewhere\"".into()
            };
            t.push_str(&format!(
                ", substitutes: [({to}, share: {}, after: {})]",
                pick(&mut rng, &["0.2", "0.5", "1.0"]),
                pick(&mut rng, &["\"0h\"", "\"2h\"", "\"30m\""])
            ));
        }
        if rng.random_bool(0.4) {
            t.push_str(&format!(
                ", hazards: [(mtbf: {}, repair: {})]",
                pick(&mut rng, &["\"2d\"", "Exp(mean: \"2d\")"]),
                pick(&mut rng, &["Exp(mean: \"5h\")", "\"4h\""])
            ));
        }
        t.push_str("),\n");
    }
    t.push_str("],\nevents: [\n");
    for _ in 0..rng.random_range(1..=3) {
        t.push_str(&format!(
            "  (name: \"e\", site: \"{}\", at: {}, lasts: {}, probability: 0.8, destroys: {}),\n",
            pick(&mut rng, &sites),
            pick(&mut rng, &["\"1d\"", "Uniform(min: \"0h\", max: \"3d\")"]),
            pick(&mut rng, &["\"10h\"", "Exp(mean: \"10h\")"]),
            rng.random_bool(0.15)
        ));
    }
    t.push_str("],\nrecovery: (");
    t.push_str(pick(&mut rng, &["", "crews: 1, ", "crews: 2, "]));
    t.push_str(pick(&mut rng, &["", "bootstrap: \"4h\""]));
    t.push_str("))\n");
    t
}
