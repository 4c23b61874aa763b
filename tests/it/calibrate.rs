//! Named parameters, observations and `calibrate`, through the built binary. The closed
//! forms use fixed durations, so every simulated restoration time is exact and a fitted
//! factor can be checked against the one value that makes the error zero.

use crate::util::{bin, by_id as service, json, scenario_file, stdout};

/// A site down from 0 to 10 h; `a` and `b` restart with `Param("restart")` (2 h as
/// written) when it is back, `c` with `Param("slow")`; `b` also needs `a`.
const FIXED: &str = r#"(
  name: "fixed",
  horizon: "100h",
  trials: 64,
  params: {
    // restart after power: fitted below
    "restart": "2h",
    "slow": "5h",
  },
  sites: [(id: "dc")],
  services: [
    (id: "a", users: 10, replicas: ["dc"], restart: Param("restart")),
    (id: "b", users: 10, replicas: ["dc"], restart: Param("restart"), depends_on: ["a"]),
    (id: "c", users: 10, replicas: ["dc"], restart: Param("slow")),
  ],
  events: [(name: "power", site: "dc", at: "0h", lasts: "10h")],
  observed: [
    (service: "a", restored_at: "14h", source: "log"),
    (service: "b", restored_at: "14h", source: "log"),
  ],
)"#;

/// [`FIXED`] without its observations.
fn unobserved() -> String {
    let head = FIXED.split("  observed: [").next().unwrap();
    format!("{head})")
}

/// Runs the binary expecting exit code 2; returns stderr.
fn refused(args: &[&str]) -> String {
    let out = bin().args(args).output().expect("runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn a_fixed_restart_is_fitted_exactly_and_each_service_is_predicted_from_the_other() {
    let (_d, f) = scenario_file(FIXED);
    let v = json(&["calibrate", &f, "--format", "json", "-q"]);
    // Restored at 10 h + 2 h × k: the error is zero at k = 2 only. The search doubles
    // its first step from 1, so it lands on 2 exactly.
    let p = &v["params"][0];
    assert_eq!(p["name"], "restart");
    assert!((p["scale"].as_f64().unwrap() - 2.0).abs() < 1e-9, "{v}");
    assert!((p["median_hours"].as_f64().unwrap() - 4.0).abs() < 1e-9);
    assert_eq!(p["file_median_hours"].as_f64().unwrap(), 2.0);
    // `slow` is used only by `c`, which nobody observes: not fitted, and said so.
    assert_eq!(v["not_fitted"], serde_json::json!(["slow"]));
    for id in ["a", "b"] {
        let s = service(&v, id);
        assert_eq!(s["observed_hours"].as_f64().unwrap(), 14.0);
        assert_eq!(s["file_hours"].as_f64().unwrap(), 12.0);
        assert!((s["fitted_hours"].as_f64().unwrap() - 14.0).abs() < 1e-9);
        // Left out, the other service (same parameter) still fixes it at 2.
        assert!(
            (s["loo_hours"].as_f64().unwrap() - 14.0).abs() < 1e-9,
            "{s}"
        );
        assert_eq!(s["down_share"].as_f64().unwrap(), 1.0);
    }
    assert!(v["error"]["fit_median_abs_pct"].as_f64().unwrap() < 1e-6);
    assert!(v["error"]["loo_median_abs_pct"].as_f64().unwrap() < 1e-6);
    // 2 h against 4 h: 12 h against 14 h is 14.3 % off.
    let file = v["error"]["file_median_abs_pct"].as_f64().unwrap();
    assert!((file - 200.0 / 14.0).abs() < 1e-9, "{file}");
}

#[test]
fn a_parameter_only_the_left_out_service_depends_on_keeps_its_file_value() {
    // `c` observed alone on `slow`: fitted with everything, unfitted when left out.
    let text = FIXED.replace(
        r#"(service: "b", restored_at: "14h", source: "log"),"#,
        r#"(service: "b", restored_at: "14h", source: "log"), (service: "c", restored_at: "20h"),"#,
    );
    let (_d, f) = scenario_file(&text);
    let v = json(&["calibrate", &f, "--format", "json", "-q"]);
    let c = service(&v, "c");
    assert!(
        (c["fitted_hours"].as_f64().unwrap() - 20.0).abs() < 0.05,
        "{c}"
    );
    assert_eq!(
        c["loo_hours"].as_f64().unwrap(),
        15.0,
        "file value 5 h after 10 h"
    );
    assert_eq!(c["loo_unfitted"], serde_json::json!(["slow"]));
    let table = stdout(&["calibrate", &f, "-q"]);
    assert!(
        table.contains("c: no other observed service depends on slow"),
        "{table}"
    );
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let text = FIXED.replace(r#""2h","#, r#"LogNormal(median: "2h", p95: "6h"),"#);
    let (_d, f) = scenario_file(&text);
    let one = stdout(&["calibrate", &f, "--format", "json", "-q", "--threads", "1"]);
    let two = stdout(&["calibrate", &f, "--format", "json", "-q", "--threads", "2"]);
    assert_eq!(one, two);
}

#[test]
fn write_records_the_fitted_factors_and_keeps_the_rest() {
    let (d, f) = scenario_file(FIXED);
    let out = d.path().join("calibrated.ron");
    let out = out.to_str().unwrap();
    stdout(&["calibrate", &f, "-q", "--write", out]);
    let text = std::fs::read_to_string(out).unwrap();
    // `params` keep their values; the factor goes into `calibrated`, after `params`.
    let line = r#"  calibrated: {"restart": 2.0}, // written by `blastradius calibrate --write`"#;
    assert!(text.contains(line), "{text}");
    assert_eq!(text.replace(&format!("{line}\n"), ""), FIXED);
    // The written file runs with the fitted values: a is back at 14 h.
    let run = json(&["run", out, "--format", "json", "-q"]);
    let a = service(&run, "a");
    assert!(
        (a["restored_at_hours"]["mean"].as_f64().unwrap() - 14.0).abs() < 1e-9,
        "{a}"
    );
    // Calibrating it again starts from `params` as written, not from the factor, and
    // finds the same factor; the file's own factor is reported beside it.
    let v = json(&["calibrate", out, "--format", "json", "-q"]);
    let p = &v["params"][0];
    assert!((p["scale"].as_f64().unwrap() - 2.0).abs() < 1e-9, "{v}");
    assert_eq!(p["file_scale"].as_f64().unwrap(), 2.0);
    assert_eq!(p["prior_median_hours"].as_f64().unwrap(), 2.0);
    assert_eq!(p["file_median_hours"].as_f64().unwrap(), 4.0);
    let s = service(&v, "a");
    assert_eq!(s["prior_hours"].as_f64().unwrap(), 12.0);
    assert!((s["file_hours"].as_f64().unwrap() - 14.0).abs() < 1e-9);
    assert!(v["error"]["file_median_abs_pct"].as_f64().unwrap() < 1e-6);
    // Written again: the map is replaced, not repeated.
    stdout(&["calibrate", out, "-q", "--write", out]);
    let again = std::fs::read_to_string(out).unwrap();
    assert_eq!(again, text);
    // --write with a variant is refused before anything runs.
    let err = refused(&["calibrate", &f, "--variant", "x", "--write", out]);
    assert!(err.contains("variant"), "{err}");
}

#[test]
fn calibrated_factors_are_checked() {
    let bad = FIXED.replace(
        "  sites: [",
        "  calibrated: {\"restrat\": 1.5, \"slow\": -1.0},\n  sites: [",
    );
    let (_d, f) = scenario_file(&bad);
    let err = refused(&["validate", &f]);
    assert!(
        err.contains(r#"`calibrated`: unknown parameter "restrat"; did you mean "restart"?"#),
        "{err}"
    );
    assert!(
        err.contains("a calibrated factor must be a number in (0, 1000000], got -1"),
        "{err}"
    );
}

#[test]
fn bad_requests_are_refused_with_a_reason() {
    let (_d, f) = scenario_file(FIXED);
    let err = refused(&["calibrate", &f, "--fit", "restrat"]);
    assert!(
        err.contains(r#"unknown parameter "restrat"; did you mean "restart"?"#),
        "{err}"
    );
    let err = refused(&["calibrate", &f, "--fit", "slow"]);
    assert!(
        err.contains(r#"no observed service depends on parameter "slow""#),
        "{err}"
    );
    let err = refused(&["calibrate", &f, "--precision", "0.1"]);
    assert!(err.contains("--precision"), "{err}");
    let (_d3, f3) = scenario_file(&unobserved());
    let err = refused(&["calibrate", &f3]);
    assert!(err.contains("no `observed` restoration times"), "{err}");
    // A service never down cannot be compared.
    let never = FIXED.replace(
        r#"(service: "b", restored_at: "14h", source: "log"),"#,
        r#"(service: "b", restored_at: "14h", source: "log"), (service: "c", restored_at: "20h"),"#,
    );
    let never = never.replace(
        r#"(id: "c", users: 10, replicas: ["dc"]"#,
        r#"(id: "c", users: 10, replicas: ["dc2"]"#,
    );
    let never = never.replace(
        r#"sites: [(id: "dc")]"#,
        r#"sites: [(id: "dc"), (id: "dc2")]"#,
    );
    let (_d4, f4) = scenario_file(&never);
    let err = refused(&["calibrate", &f4]);
    assert!(
        err.contains(r#"observed service "c" is never down"#),
        "{err}"
    );
}

/// `validate`: a use of an unknown parameter, a variant overriding one, an observation
/// of an unknown service, twice, or outside the horizon: errors at their place.
#[test]
fn params_and_observations_are_checked_where_they_are_written() {
    let bad = FIXED
        .replace(r#"restart: Param("slow")"#, r#"restart: Param("slwo")"#)
        .replace(
            r#"(service: "b", restored_at: "14h", source: "log"),"#,
            r#"(service: "b", restored_at: "14h", source: "log"), (service: "zz", restored_at: "1h"), (service: "a", restored_at: "2h"), (service: "b", restored_at: "200h"),"#,
        )
        .replace(
            "  observed: [",
            r#"  variants: [(name: "v", params: {"restrat": "1h"})],
  observed: ["#,
        );
    let (_d, f) = scenario_file(&bad);
    let err = refused(&["validate", &f]);
    for want in [
        r#":14:59: `services[c].restart`: unknown parameter "slwo"; did you mean "slow"?"#,
        r#":20:66: `observed[zz].service`: unknown service "zz""#,
        r#":20:102: `observed[a].service`: "a" is observed twice"#,
        r#":20:155: `observed[b].restored_at`: restored_at must be after the start and within the horizon"#,
        r#":17:35: `variants[v].params[restrat]`: unknown parameter "restrat"; did you mean "restart"?"#,
    ] {
        assert!(err.contains(want), "missing {want} in:\n{err}");
    }
    // A parameter of a parameter, and an unused one (a warning, not an error).
    let nested = FIXED.replace(
        r#""slow": "5h","#,
        r#""slow": Param("restart"), "spare": "1h","#,
    );
    let (_d, f) = scenario_file(&nested);
    let err = refused(&["validate", &f]);
    assert!(
        err.contains("a parameter cannot be another parameter"),
        "{err}"
    );
    let unused = FIXED.replace(r#""slow": "5h","#, r#""slow": "5h", "spare": "1h","#);
    let (_d, f) = scenario_file(&unused);
    let out = bin().args(["validate", &f]).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(r#"`params[spare]`: parameter "spare" is not used"#),
        "{err}"
    );
}

/// A variant's parameter values are the ones its model uses: with restarts of 1 h instead
/// of 2 h, `a` is down exactly 11 h instead of 12 h in every trial.
#[test]
fn a_variant_overrides_a_parameter() {
    let text = FIXED.replace(
        "  observed: [",
        r#"  variants: [(name: "fast", params: {"restart": "1h"})],
  observed: ["#,
    );
    let (_d, f) = scenario_file(&text);
    let down = |extra: &[&str]| {
        let mut args = vec!["run", f.as_str(), "--format", "json", "-q"];
        args.extend_from_slice(extra);
        let v = json(&args);
        service(&v, "a")["downtime_hours"]["mean"].as_f64().unwrap()
    };
    assert!((down(&[]) - 12.0).abs() < 1e-9);
    assert!((down(&["--variant", "fast"]) - 11.0).abs() < 1e-9);
}

/// The report of a scenario with observations shows the replay against reality, with
/// the leave-one-out sentence, in both languages.
#[test]
fn the_report_shows_the_replay_against_reality() {
    let (d, f) = scenario_file(FIXED);
    let html = d.path().join("r.html");
    stdout(&["report", &f, "-q", "--out", html.to_str().unwrap()]);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("Against the 2 real restoration times"),
        "replay sentence"
    );
    assert!(
        page.contains("it is 0% (predicted, leave-one-out"),
        "LOO figure"
    );
    assert!(page.contains("The replay against reality"), "chart caption");
    let md = d.path().join("r.md");
    stdout(&[
        "report",
        &f,
        "-q",
        "--lang",
        "ko",
        "--format",
        "markdown",
        "--out",
        md.to_str().unwrap(),
    ]);
    let page = std::fs::read_to_string(&md).unwrap();
    assert!(page.contains("실제 복구 시각 2개와 비교하면"), "{page}");
    assert!(d.path().join("r-files/replay.svg").exists());
    // Without observations, no replay section.
    let (d2, f2) = scenario_file(&unobserved());
    let html2 = d2.path().join("r.html");
    stdout(&["report", &f2, "-q", "--out", html2.to_str().unwrap()]);
    assert!(!std::fs::read_to_string(&html2)
        .unwrap()
        .contains("real restoration times"));
}
