//! `risk`: expected loss per year against closed forms (fixed durations make every forced
//! incident the same, so the figures are exact), follow-ons at their probabilities within
//! stated tolerances, thresholds, tolerances, exceedance curves at their grid points,
//! hazards scaled to a year, thread-count independence, and bad input.

use serde_json::Value;

use crate::util::{bin, example, scenario_file, stdout};

fn risk(path: &str, extra: &[&str]) -> Value {
    let mut args = vec!["risk", path, "--format", "json", "--quiet"];
    args.extend_from_slice(extra);
    serde_json::from_str(&stdout(&args)).expect("json")
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Two sites, two services: `s` (10 users) in `a`, `t` (100 users) in `b`. Event A takes
/// `a` down 5 h (once in 10 years), event B takes `b` down 2 h (0.3 a year). Both have
/// probability 1, so a plain run plays both; a forced run plays one.
const TWO_EVENTS: &str = r#"Scenario(name: "two", horizon: "1d", trials: 300, seed: 7,
    sites: [(id: "a"), (id: "b")],
    services: [
        (id: "s", users: 10, replicas: ["a"], tolerance: "4h"),
        (id: "t", users: 100, replicas: ["b"], tolerance: "2h"),
    ],
    events: [
        (name: "A", site: "a", lasts: "5h", per_year: 0.1),
        (name: "B", site: "b", lasts: "2h", per_year: 0.3),
    ],
    thresholds: [
        (name: "4h", min_downtime: "4h"),
        (name: "6h", min_downtime: "6h"),
        (name: "10 users", min_users: 10),
        (name: "11 users for 3h", min_downtime: "3h", min_users: 11),
        (name: "9% of users", min_share: 0.09),
        (name: "91% of users", min_share: 0.91),
    ],
)"#;

#[test]
fn one_event_gives_per_year_times_its_exact_loss() {
    let text = r#"Scenario(name: "one", horizon: "1d", trials: 200,
        sites: [(id: "a")],
        services: [(id: "s", users: 10, replicas: ["a"])],
        events: [(name: "fire", site: "a", at: "1h", lasts: "5h", per_year: 0.1)],
    )"#;
    let (_d, p) = scenario_file(text);
    let v = risk(&p, &[]);
    let a = &v["annual"];
    // 10 users × 5 hours in every forced trial.
    assert_eq!(
        f(&a["by_event"][0]["user_hours_lost_given_event"]["mean"]),
        50.0
    );
    assert_eq!(
        f(&a["by_event"][0]["user_hours_lost_given_event"]["std_err"]),
        0.0
    );
    assert_eq!(f(&a["expected_user_hours_lost"]["mean"]), 0.1 * 50.0);
    assert_eq!(f(&a["expected_user_hours_lost"]["std_err"]), 0.0);
    assert!(a["hazards"].is_null(), "no hazards in the scenario");
    assert!(v["assumption"].as_str().unwrap().contains("not to overlap"));
    assert_eq!(v["run"]["trials"], 200);
}

#[test]
fn two_events_add_up_and_each_is_played_alone() {
    let (_d, p) = scenario_file(TWO_EVENTS);
    let v = risk(&p, &[]);
    let ev = &v["annual"]["by_event"];
    // Alone: A costs 10 × 5 = 50, B 100 × 2 = 200 (not 250: the other event is not played).
    assert_eq!(f(&ev[0]["user_hours_lost_given_event"]["mean"]), 50.0);
    assert_eq!(f(&ev[1]["user_hours_lost_given_event"]["mean"]), 200.0);
    assert_eq!(f(&ev[0]["per_year"]), 0.1);
    assert_eq!(
        f(&v["annual"]["expected_user_hours_lost"]["mean"]),
        0.1 * 50.0 + 0.3 * 200.0
    );
}

#[test]
fn thresholds_are_breached_exactly_when_every_condition_holds() {
    let (_d, p) = scenario_file(TWO_EVENTS);
    let v = risk(&p, &[]);
    let th = v["thresholds"].as_array().unwrap();
    let get = |name: &str| th.iter().find(|t| t["name"] == name).unwrap();
    // (P given A, P given B): A is 10 users down 5 h, B 100 users down 2 h; 110 users.
    let expect = [
        ("4h", 1.0, 0.0),
        ("6h", 0.0, 0.0),
        ("10 users", 1.0, 1.0),
        ("11 users for 3h", 0.0, 0.0),
        ("9% of users", 1.0, 1.0),
        ("91% of users", 0.0, 0.0),
    ];
    for (name, pa, pb) in expect {
        let t = get(name);
        assert_eq!(f(&t["p_given_event"][0]["p"]), pa, "{name} given A");
        assert_eq!(f(&t["p_given_event"][1]["p"]), pb, "{name} given B");
        assert_eq!(t["p_given_event"][0]["event"], "A");
        assert!(
            (f(&t["per_year"]) - (0.1 * pa + 0.3 * pb)).abs() < 1e-12,
            "{name}: {}",
            t["per_year"]
        );
        assert!(f(&t["per_year_low"]) <= f(&t["per_year"]));
        assert!(f(&t["per_year_high"]) >= f(&t["per_year"]));
    }
    assert_eq!(get("4h")["min_downtime_hours"], 4.0);
    assert!(get("4h")["min_users"].is_null());
}

#[test]
fn a_tolerance_is_breached_by_a_longer_outage_only() {
    let (_d, p) = scenario_file(TWO_EVENTS);
    let v = risk(&p, &[]);
    let tol = v["tolerances"].as_array().unwrap();
    // s: down 5 h given A, tolerance 4 h: breached, 0.1 a year.
    assert_eq!(tol[0]["service"], "s");
    assert_eq!(f(&tol[0]["tolerance_hours"]), 4.0);
    assert_eq!(f(&tol[0]["p_given_event"][0]["p"]), 1.0);
    assert_eq!(f(&tol[0]["per_year"]), 0.1);
    // t: down exactly 2 h given B, tolerance 2 h: not beyond it.
    assert_eq!(f(&tol[1]["p_given_event"][1]["p"]), 0.0);
    assert_eq!(f(&tol[1]["per_year"]), 0.0);
}

#[test]
fn exceedance_at_each_grid_point_is_the_sum_of_the_frequencies_that_reach_it() {
    let (_d, p) = scenario_file(TWO_EVENTS);
    let v = risk(&p, &[]);
    let ex = &v["exceedance"];
    // Deterministic incidents: A affects 10 users and loses 50 user-hours, B 100 and 200.
    let check = |curve: &Value, a: f64, b: f64| {
        let pts = curve.as_array().unwrap();
        assert!(!pts.is_empty() && pts.len() <= 50);
        // The grid covers the range: from at or below the smallest value to at or below
        // the largest, within one bin (2^(1/8)).
        let first = f(&pts[0]["at_least"]);
        let last = f(&pts[pts.len() - 1]["at_least"]);
        assert!(first <= a && first > a / 1.0905, "{first}");
        assert!(last <= b && last > b / 1.0905, "{last}");
        for q in pts {
            let x = f(&q["at_least"]);
            let want = 0.1 * (a >= x) as u8 as f64 + 0.3 * (b >= x) as u8 as f64;
            assert!((f(&q["per_year"]) - want).abs() < 1e-12, "at {x}: {q}");
        }
    };
    check(&ex["users"], 10.0, 100.0);
    check(&ex["user_hours"], 50.0, 200.0);
    // Downtime: only the services that went down, each with its own curve.
    let d = ex["downtime_hours"].as_array().unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(d[0]["service"], "s");
    for q in d[0]["points"].as_array().unwrap() {
        let x = f(&q["at_least"]);
        assert!((f(&q["per_year"]) - 0.1 * (5.0 >= x) as u8 as f64).abs() < 1e-12);
    }
}

#[test]
fn a_follow_on_happens_at_its_probability_and_the_forced_event_always() {
    // The top-level event's own probability (0.5) is replaced by 1 when forced; its
    // follow-on keeps 0.3. E[loss | event] = 10 × 1 h + 0.3 × (100 × 10 h) = 310.
    let text = r#"Scenario(name: "then", horizon: "1d", trials: 4000, seed: 3,
        sites: [(id: "a"), (id: "b")],
        services: [
            (id: "s", users: 10, replicas: ["a"]),
            (id: "t", users: 100, replicas: ["b"]),
        ],
        events: [(name: "A", site: "a", lasts: "1h", probability: 0.5, per_year: 0.2,
            then: [(name: "B", site: "b", after: "0h", lasts: "10h", probability: 0.3)])],
    )"#;
    let (_d, p) = scenario_file(text);
    // The scenario's trials are capped at 2000 unless --trials says otherwise.
    assert_eq!(risk(&p, &[])["run"]["trials"], 2000);
    let v = risk(&p, &["--trials", "4000"]);
    let given = &v["annual"]["by_event"][0]["user_hours_lost_given_event"];
    let (mean, se) = (f(&given["mean"]), f(&given["std_err"]));
    // The standard error of a 0.3 Bernoulli times 1000 over 4000 trials is
    // 1000 × √(0.21 / 4000) ≈ 7.25; the reported one must be within 10% of it (its own
    // relative error is about 1/√(2n) ≈ 1%), and the mean within 4 of them (a false
    // failure about once in 16,000 runs; the seed is fixed, so the test is deterministic).
    let want_se = 1000.0 * (0.21f64 / 4000.0).sqrt();
    assert!((se - want_se).abs() < 0.1 * want_se, "se {se} vs {want_se}");
    assert!((mean - 310.0).abs() < 4.0 * want_se, "mean {mean}");
    let annual = f(&v["annual"]["expected_user_hours_lost"]["mean"]);
    assert!((annual - 0.2 * mean).abs() < 1e-9);
    // The users curve: 10 users in every incident, 110 in the 30% with the follow-on.
    let pts = v["exceedance"]["users"].as_array().unwrap();
    let top = f(&pts[pts.len() - 1]["per_year"]);
    assert!(
        (top / 0.2 - 0.3).abs() < 4.0 * (0.21f64 / 4000.0).sqrt(),
        "{top}"
    );
    assert_eq!(f(&pts[0]["per_year"]), 0.2);
}

#[test]
fn hazards_add_a_run_without_events_scaled_to_a_year_and_stay_out_of_incidents() {
    // Site a fails every 10 h (a fixed Uniform, not the exponential a bare mtbf means)
    // for 2 h: down 10–12 h and 22–24 h of the day, 4 h; s has 10 users: 40 user-hours a
    // day, 40 × 365 a year. The event hits site b, where nobody is, so it costs nothing:
    // in its forced run the hazards of a are off.
    let text = r#"Scenario(name: "hz", horizon: "1d", trials: 50,
        sites: [(id: "a", hazards: [(mtbf: Uniform(min: "10h", max: "10h"), repair: "2h")]), (id: "b")],
        services: [(id: "s", users: 10, replicas: ["a"])],
        events: [(name: "B", site: "b", lasts: "3h", per_year: 1.0)],
    )"#;
    let (_d, p) = scenario_file(text);
    let v = risk(&p, &[]);
    let h = &v["annual"]["hazards"];
    assert_eq!(f(&h["user_hours_lost_per_horizon"]["mean"]), 40.0);
    assert_eq!(
        f(&h["user_hours_lost_per_year"]["mean"]),
        40.0 * 8760.0 / 24.0
    );
    assert_eq!(
        f(&v["annual"]["by_event"][0]["user_hours_lost_given_event"]["mean"]),
        0.0
    );
    assert_eq!(
        f(&v["annual"]["expected_user_hours_lost"]["mean"]),
        40.0 * 365.0
    );
    assert!(v["exceedance"]["users"].as_array().unwrap().is_empty());
}

#[test]
fn risk_json_is_byte_identical_for_1_and_2_threads() {
    let e = example();
    let one = stdout(&[
        "risk",
        &e,
        "--trials",
        "300",
        "--threads",
        "1",
        "--format",
        "json",
        "-q",
    ]);
    let two = stdout(&[
        "risk",
        &e,
        "--trials",
        "300",
        "--threads",
        "2",
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(one, two);
}

#[test]
fn every_format_renders() {
    let (_d, p) = scenario_file(TWO_EVENTS);
    for fmt in ["table", "markdown", "csv"] {
        let out = stdout(&["risk", &p, "--format", fmt, "-q"]);
        assert!(out.contains("A"), "{fmt}: {out}");
    }
    let csv = stdout(&["risk", &p, "--format", "csv", "-q"]);
    assert!(csv.starts_with("kind,name,at_least,per_year"), "{csv}");
    assert!(csv.contains("threshold,4h,,0.1,"), "{csv}");
    let table = stdout(&["risk", &p, "-q"]);
    assert!(table.contains("not to overlap"), "{table}");
    assert!(table.contains("users_without_substitute"), "{table}");
}

#[test]
fn a_scenario_without_per_year_has_nothing_to_annualise() {
    let text = r#"Scenario(name: "none", horizon: "1d",
        sites: [(id: "a")],
        services: [(id: "s", users: 10, replicas: ["a"])],
        events: [(name: "fire", site: "a", lasts: "5h")],
    )"#;
    let (_d, p) = scenario_file(text);
    let out = bin().args(["risk", &p, "-q"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nothing to annualise"), "{err}");
}

/// `risk` on `text` fails with exit code 2 and a message at `line:col` containing `what`.
fn bad(text: &str, line_col: &str, what: &str) {
    let (_d, p) = scenario_file(text);
    let out = bin().args(["risk", &p, "-q"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("s.ron:{line_col}")), "{err}");
    assert!(err.contains(what), "{err}");
}

#[test]
fn bad_input_is_an_error_at_its_place() {
    let head = "Scenario(name: \"x\", horizon: \"1d\",\n    sites: [(id: \"a\")],\n";
    bad(
        &format!(
            "{head}    services: [(id: \"s\", replicas: [\"a\"])],\n    events: [(name: \"e\", site: \"a\", lasts: \"1h\",\n        per_year: -0.5)],\n)"
        ),
        "5:9",
        "per_year must be a finite number ≥ 0, got -0.5",
    );
    bad(
        &format!(
            "{head}    services: [(id: \"s\", replicas: [\"a\"])],\n    events: [(name: \"e\", site: \"a\", lasts: \"1h\",\n        per_year: inf)],\n)"
        ),
        "5:9",
        "got inf",
    );
    bad(
        &format!(
            "{head}    services: [(id: \"s\", replicas: [\"a\"])],\n    events: [(name: \"e\", site: \"a\", lasts: \"1h\", per_year: 0.1,\n        then: [(name: \"f\", site: \"a\", lasts: \"1h\",\n            per_year: 0.2)])],\n)"
        ),
        "6:13",
        "per_year is the yearly frequency of a top-level event",
    );
    bad(
        &format!(
            "{head}    services: [(id: \"s\", replicas: [\"a\"])],\n    thresholds: [\n        (name: \"nothing\")],\n)"
        ),
        "5:16",
        "has no condition",
    );
    bad(
        &format!(
            "{head}    services: [(id: \"s\", replicas: [\"a\"],\n        tolerance: \"4 hours\")],\n)"
        ),
        "4:20",
        "tolerance",
    );
    bad(
        &format!(
            "{head}    services: [(id: \"s\", replicas: [\"a\"],\n        tolerance: Exp(mean: \"4h\"))],\n)"
        ),
        "4:20",
        "tolerance",
    );
    bad(
        &format!(
            "{head}    services: [(id: \"s\", replicas: [\"a\"])],\n    thresholds: [(name: \"x\", min_users: 1),\n        (name: \"y\", min_share: 1.5)],\n)"
        ),
        "5:21",
        "min_share must be in (0, 1]",
    );
}

mod report {
    use super::*;

    fn section(html: &str) -> &str {
        let start = html.find("<section id=\"risk\">").expect("a risk section");
        &html[start..start + html[start..].find("</section>").unwrap()]
    }

    fn html(path: &str, lang: &str) -> String {
        stdout(&[
            "report", path, "--trials", "64", "--lang", lang, "--out", "-", "-q",
        ])
    }

    #[test]
    fn the_section_has_the_loss_the_chart_the_tables_and_concentration_in_both_languages() {
        let (_d, p) = scenario_file(TWO_EVENTS);
        let en = html(&p, "en");
        let s = section(&en);
        assert!(s.contains("Risk per year"));
        assert!(s.contains("Expected loss: 65 user-hours per year"), "{s}");
        assert!(s.contains("<figure id=\"fig-f-n\">"));
        assert!(s.contains("Incident classes (thresholds)"));
        assert!(s.contains("Impact tolerances"));
        assert!(s.contains("One data center lost") || s.contains("One site lost"));
        let ko = html(&p, "ko");
        let s = section(&ko);
        assert!(s.contains("연간 위험"));
        assert!(s.contains("기대 손실: 연간 65 사용자·시간"), "{s}");
        assert!(s.contains("사고 등급 (기준)"));
        assert!(s.contains("영향 허용 한도"));
    }

    #[test]
    fn a_scenario_without_per_year_gets_one_line_saying_so() {
        let text = r#"Scenario(name: "none", horizon: "1d",
            sites: [(id: "a")],
            services: [(id: "s", users: 10, replicas: ["a"])],
            events: [(name: "fire", site: "a", lasts: "5h")],
        )"#;
        let (_d, p) = scenario_file(text);
        let en = html(&p, "en");
        let s = section(&en);
        assert!(s.contains("nothing to annualise"), "{s}");
        assert!(!s.contains("<figure"));
        let ko = html(&p, "ko");
        assert!(section(&ko).contains("연간 위험을 계산하지 않았습니다"));
    }
}
