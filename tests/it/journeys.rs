//! User journeys (`journeys`): their errors at file:line:col, the engine's journey
//! accounting against closed forms (union of outages, `1 − Π(1 − lost)` for degraded
//! needs, weights normalised), a journey of one service against that service's own
//! figures on stochastic scenarios, and `run`'s output byte-identical across thread
//! counts and shards.

use crate::util::{bin, by_id, close, json, scenario, scenario_file, stdout};

/// `text` (a whole scenario ending in `)`) with `journeys` added at the top level.
pub fn with_journeys(text: &str, journeys: &str) -> String {
    let end = text.rfind(')').expect("a scenario ends with `)`");
    let head = text[..end].trim_end();
    let comma = if head.ends_with(',') { "" } else { "," };
    format!("{head}{comma}\n    journeys: [{journeys}],\n)\n")
}

/// The journey named `name` in `run`'s JSON.
fn journey<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["journeys"]
        .as_array()
        .expect("a journeys list")
        .iter()
        .find(|j| j["name"] == name)
        .unwrap_or_else(|| panic!("no journey {name} in {v}"))
}

fn f(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

mod errors {
    use super::*;

    /// Two services, and `journeys` as given.
    fn case(journeys: &str) -> String {
        format!(
            r#"Scenario(
    name: "j",
    horizon: "10h",
    sites: [(id: "a")],
    services: [
        (id: "nginx", replicas: ["a"]),
        (id: "home-timeline", replicas: ["a"]),
    ],
    journeys: [
{journeys}
    ],
)
"#
        )
    }

    /// Validating `text` fails with exit code 2 and an error at `line:col` (in the file)
    /// about `field`, containing every one of `words`.
    fn rejects(text: &str, at: &str, field: &str, words: &[&str]) {
        let (_dir, path) = scenario_file(text);
        let out = bin().args(["validate", &path]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        let prefix = format!("error: {path}:{at}: `{field}`: ");
        let line = err
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{err}"));
        for w in words {
            assert!(line.contains(w), "{w:?} missing from {line:?}");
        }
    }

    #[test]
    fn an_unknown_service_suggests_the_closest_id() {
        rejects(
            &case(r#"        (name: "home", weight: 1.0, needs: ["nginx", "home-timelin"]),"#),
            "10:54",
            "journeys[home].needs",
            &[
                "unknown service \"home-timelin\"",
                "did you mean \"home-timeline\"?",
            ],
        );
    }

    #[test]
    fn a_journey_needs_at_least_one_service() {
        rejects(
            &case(r#"        (name: "home", weight: 1.0, needs: []),"#),
            "10:37",
            "journeys[home].needs",
            &["needs no service"],
        );
    }

    #[test]
    fn a_service_needed_twice() {
        rejects(
            &case(r#"        (name: "home", weight: 1.0, needs: ["nginx", "nginx"]),"#),
            "10:45",
            "journeys[home].needs",
            &["needs \"nginx\" twice"],
        );
    }

    #[test]
    fn weights_must_be_finite_and_positive() {
        for (w, shown) in [
            ("-0.5", "-0.5"),
            ("0.0", "0"),
            ("inf", "inf"),
            ("NaN", "NaN"),
        ] {
            rejects(
                &case(&format!(
                    r#"        (name: "home", weight: {w}, needs: ["nginx"]),"#
                )),
                "10:24",
                "journeys[home].weight",
                &[
                    "weight must be a finite number greater than zero",
                    &format!("got {shown}"),
                ],
            );
        }
    }

    #[test]
    fn users_must_be_at_least_one_and_not_negative() {
        rejects(
            &case(r#"        (name: "home", users: 0, needs: ["nginx"]),"#),
            "10:24",
            "journeys[home].users",
            &["at least 1"],
        );
        // A negative count is not a whole number ≥ 0: the parser says so, at the value.
        let (_dir, path) = scenario_file(&case(
            r#"        (name: "home", users: -3, needs: ["nginx"]),"#,
        ));
        let out = bin().args(["validate", &path]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("{path}:10:32")) && err.contains("journeys[0].users"),
            "{err}"
        );
    }

    #[test]
    fn both_a_weight_and_users() {
        rejects(
            &case(r#"        (name: "home", weight: 0.6, users: 5, needs: ["nginx"]),"#),
            "10:37",
            "journeys[home].users",
            &["gives both a weight and users"],
        );
    }

    #[test]
    fn neither_a_weight_nor_users() {
        rejects(
            &case(r#"        (name: "home", needs: ["nginx"]),"#),
            "10:16",
            "journeys[home]",
            &["gives neither a weight nor users"],
        );
    }

    #[test]
    fn weights_and_users_are_not_mixed() {
        rejects(
            &case(
                r#"        (name: "home", weight: 0.6, needs: ["nginx"]),
        (name: "post", users: 5, needs: ["nginx"]),"#,
            ),
            "11:24",
            "journeys[post].users",
            &[
                "journey \"post\" gives users but journey \"home\" gives a weight",
                "every journey a weight, or every journey users",
            ],
        );
    }

    #[test]
    fn a_duplicate_name_points_at_the_second() {
        rejects(
            &case(
                r#"        (name: "home", weight: 0.6, needs: ["nginx"]),
        (name: "home", weight: 0.4, needs: ["home-timeline"]),"#,
            ),
            "11:16",
            "journeys[home]",
            &["journey \"home\" is declared twice"],
        );
    }

    #[test]
    fn an_unknown_field_suggests_the_right_one() {
        let (_dir, path) = scenario_file(&case(
            r#"        (name: "home", weight: 0.6, need: ["nginx"]),"#,
        ));
        let out = bin().args(["validate", &path]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("unknown field `need` in a journey; did you mean `needs`?"),
            "{err}"
        );
    }

    #[test]
    fn a_valid_file_says_how_many_journeys_it_has() {
        let (_dir, path) = scenario_file(&case(
            r#"        (name: "home", weight: 0.6, needs: ["nginx", "home-timeline"]),
        (name: "post", weight: 0.4, needs: ["nginx"]),"#,
        ));
        let out = stdout(&["validate", &path]);
        assert!(
            out.contains("ok: 1 sites, 2 services, 0 events, 0 variants, 2 journeys;"),
            "{out}"
        );
    }
}

/// Closed forms: fixed outages, so every trial is the same and the figures are exact up
/// to the rounding of sums.
mod closed_forms {
    use super::*;

    /// `x` in site `a`, down 10 h to 15 h; `y` in site `b`, down 12 h to 22 h; `p` and `q`
    /// (in `c` and `d`) are partial dependencies of `z` (share 0.3, down 30 h to 40 h)
    /// and `w` (share 0.5, down 35 h to 50 h), both in `e`, which never fails; `front`
    /// hard-depends on `x`.
    const TWO_SITES: &str = r#"Scenario(
    name: "two sites",
    horizon: "100h",
    sites: [(id: "a"), (id: "b"), (id: "c"), (id: "d"), (id: "e")],
    services: [
        (id: "x", users: 10, replicas: ["a"]),
        (id: "y", users: 20, replicas: ["b"]),
        (id: "p", replicas: ["c"]),
        (id: "q", replicas: ["d"]),
        (id: "z", users: 30, replicas: ["e"], depends_on: [(on: "p", share: 0.3)]),
        (id: "w", users: 40, replicas: ["e"], depends_on: [(on: "q", share: 0.5)]),
        (id: "front", users: 50, replicas: ["b"], depends_on: ["x"]),
    ],
    events: [
        (name: "cut a", site: "a", at: "10h", lasts: "5h"),
        (name: "cut b", site: "b", at: "12h", lasts: "10h"),
        (name: "cut c", site: "c", at: "30h", lasts: "10h"),
        (name: "cut d", site: "d", at: "35h", lasts: "15h"),
    ],
)
"#;

    fn run_json(journeys: &str) -> serde_json::Value {
        let (_dir, path) = scenario_file(&with_journeys(TWO_SITES, journeys));
        json(&["run", &path, "--trials", "130", "--format", "json"])
    }

    /// A journey needing two services on independent sites is down for the union of
    /// their outages: [10, 15] ∪ [12, 22] = 12 h, not 5 + 10; one needing a service and
    /// what it hard-depends on, for the union again (`front` is down 10 h to 22 h).
    /// Weights are divided by their sum, and the weighted availability is Σ weight ×
    /// availability.
    #[test]
    fn a_journey_is_down_for_the_union_of_its_needs_outages() {
        let v = run_json(
            r#"(name: "both", weight: 3.0, needs: ["x", "y"]),
               (name: "x only", weight: 1.0, needs: ["x"]),
               (name: "chain", weight: 4.0, needs: ["front", "x"])"#,
        );
        let both = journey(&v, "both");
        for k in ["mean", "p50", "p95", "max"] {
            assert!(close(f(&both["downtime_hours"][k]), 12.0), "{k}: {both}");
        }
        assert!(close(f(&both["availability"]), 0.88));
        // Share-hours lost: all of it while down, nothing degrades it otherwise.
        assert!(close(f(&both["lost_hours"]["mean"]), 12.0));
        // Given by weight: no users, no user-hours.
        assert!(both["users"].is_null());
        assert_eq!(f(&both["user_hours_lost"]["mean"]), 0.0);
        assert_eq!(both["needs"], serde_json::json!(["x", "y"]));
        assert!(close(
            f(&journey(&v, "x only")["downtime_hours"]["mean"]),
            5.0
        ));
        assert!(close(
            f(&journey(&v, "chain")["downtime_hours"]["mean"]),
            12.0
        ));
        // Weights 3, 1, 4 → 3/8, 1/8, 4/8.
        assert_eq!(f(&both["weight"]), 0.375);
        assert_eq!(f(&journey(&v, "x only")["weight"]), 0.125);
        assert_eq!(f(&journey(&v, "chain")["weight"]), 0.5);
        // Services' availability is 1 − mean downtime / horizon, as the journeys'.
        assert!(close(f(&by_id(&v, "x")["availability"]), 0.95));
        assert!(close(f(&by_id(&v, "y")["availability"]), 0.90));
        assert!(
            close(f(&by_id(&v, "z")["availability"]), 1.0),
            "degraded is up"
        );
        // The table gives the weighted availability: 3/8 × 0.88 + 1/8 × 0.95 + 4/8 × 0.88.
        let (_dir, path) = scenario_file(&with_journeys(
            TWO_SITES,
            r#"(name: "both", weight: 3.0, needs: ["x", "y"]),
               (name: "x only", weight: 1.0, needs: ["x"]),
               (name: "chain", weight: 4.0, needs: ["front", "x"])"#,
        ));
        let table = stdout(&["run", &path, "--trials", "10"]);
        assert!(
            table.contains("journeys: 3, availability weighted by journey weight 88.88%"),
            "{table}"
        );
    }

    /// A journey's lost share is `1 − Π(1 − lost_i)` over its needs: `z` loses 0.3 from
    /// 30 h to 40 h, `w` 0.5 from 35 h to 50 h; together 0.3 × 5 + (1 − 0.7 × 0.5) × 5 +
    /// 0.5 × 10 = 9.75 share-hours, × 1,000 users = 9,750 user-hours. Never down: its
    /// availability is 1 and its downtime 0. With users, weights are users / Σ users.
    #[test]
    fn degraded_needs_combine_as_independent_losses() {
        let v = run_json(
            r#"(name: "degraded", users: 1000, needs: ["z", "w"]),
               (name: "z only", users: 3000, needs: ["z"])"#,
        );
        let d = journey(&v, "degraded");
        assert_eq!(f(&d["downtime_hours"]["max"]), 0.0);
        assert_eq!(f(&d["availability"]), 1.0);
        assert!(close(f(&d["lost_hours"]["mean"]), 9.75), "{d}");
        assert!(
            (f(&d["user_hours_lost"]["mean"]) - 9_750.0).abs() < 1e-6,
            "{d}"
        );
        assert_eq!(d["users"], 1000);
        assert_eq!(f(&d["weight"]), 0.25);
        // One need: exactly that service's share, × the journey's users.
        let z = journey(&v, "z only");
        assert!(close(f(&z["lost_hours"]["mean"]), 3.0));
        assert!((f(&z["user_hours_lost"]["mean"]) - 9_000.0).abs() < 1e-6);
        let zs = by_id(&v, "z");
        assert!(close(
            f(&z["lost_hours"]["mean"]),
            f(&zs["user_hours_lost"]["mean"]) / 30.0
        ));
    }

    /// A scenario without journeys has no `journeys` key, and its CSV keeps its columns.
    #[test]
    fn without_journeys_nothing_is_added_but_availability() {
        let (_dir, path) = scenario_file(TWO_SITES);
        let v = json(&["run", &path, "--trials", "10", "--format", "json"]);
        assert!(v.get("journeys").is_none());
        assert!(v["services"][0].get("availability").is_some());
        let csv = stdout(&["run", &path, "--trials", "10", "--format", "csv"]);
        assert!(
            csv.starts_with("id,name,group,users,downtime_mean,"),
            "{csv}"
        );
        assert!(csv.lines().next().unwrap().ends_with(",restored_at_p95"));
        let table = stdout(&["run", &path, "--trials", "10"]);
        assert!(!table.contains("Journeys") && !table.contains("journeys:"));
    }

    /// With journeys, CSV gains a line per journey and the columns `record` and
    /// `availability`; Markdown a "Journeys" table.
    #[test]
    fn csv_and_markdown_show_the_journeys() {
        let (_dir, path) = scenario_file(&with_journeys(
            TWO_SITES,
            r#"(name: "both", users: 7, needs: ["x", "y"])"#,
        ));
        let csv = stdout(&["run", &path, "--trials", "10", "--format", "csv"]);
        let mut lines = csv.lines();
        assert!(lines
            .next()
            .unwrap()
            .ends_with(",restored_at_p95,record,availability"));
        assert!(csv.contains("\nx,x,,10,5,"), "{csv}");
        let last = csv.lines().last().unwrap();
        assert!(last.starts_with("both,both,,7,12,0,12,"), "{last}");
        assert!(last.ends_with(",journey,0.88"), "{last}");
        let md = stdout(&["run", &path, "--trials", "10", "--format", "markdown"]);
        assert!(md.contains("## Journeys\n\n| journey | weight | users | availability |"));
        assert!(
            md.contains("| both | 100.0% | 7 | 88.00% | 12h | 12h | 84 |"),
            "{md}"
        );
    }
}

/// On stochastic scenarios: a journey of one service is that service, and the output is
/// the same bytes for any thread count and for merged shards.
mod stochastic {
    use super::*;

    /// One journey per service of the Kakao replay (hazards, substitutes, partial
    /// dependencies, deadlocks), each with as many users as the service.
    fn one_per_service(path: &str) -> String {
        let text = std::fs::read_to_string(path).unwrap();
        let loaded = blastradius::model::load_str("k.ron", &text).unwrap();
        let journeys: Vec<String> = loaded
            .model
            .services
            .iter()
            .filter(|s| s.users > 0)
            .map(|s| {
                format!(
                    r#"(name: "{0}", users: {1}, needs: ["{0}"])"#,
                    s.id, s.users
                )
            })
            .collect();
        with_journeys(&text, &journeys.join(", "))
    }

    /// Per trial, a journey needing one service is down exactly when the service is and
    /// loses its share, substitutes included: the same downtime summary, and user-hours
    /// equal to the service's (the same users) up to the rounding of a product.
    #[test]
    fn a_journey_of_one_service_is_that_service() {
        let (_dir, path) = scenario_file(&one_per_service(&scenario("kakao-1015.ron")));
        let v = json(&["run", &path, "--trials", "300", "--format", "json"]);
        let mut checked = 0;
        for j in v["journeys"].as_array().unwrap() {
            let s = by_id(&v, j["name"].as_str().unwrap());
            assert_eq!(j["downtime_hours"], s["downtime_hours"], "{}", j["name"]);
            assert_eq!(j["availability"], s["availability"]);
            let (a, b) = (
                f(&j["user_hours_lost"]["mean"]),
                f(&s["user_hours_lost"]["mean"]),
            );
            assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} vs {b}");
            checked += 1;
        }
        assert!(checked > 20, "{checked} journeys");
    }

    /// The same bytes for 1, 2 and 3 threads.
    #[test]
    fn json_is_the_same_for_any_thread_count() {
        let (_dir, path) = scenario_file(&with_journeys(
            &std::fs::read_to_string(scenario("kakao-1015.ron")).unwrap(),
            r#"(name: "send a message", users: 47000000, needs: ["kakao-account", "kakaotalk-text"]),
               (name: "pay", users: 21000000, needs: ["kakao-account", "kakaopay"])"#,
        ));
        let one = stdout(&[
            "run",
            &path,
            "--trials",
            "300",
            "--threads",
            "1",
            "--format",
            "json",
        ]);
        assert!(one.contains("\"journeys\""));
        for t in ["2", "3"] {
            let other = stdout(&[
                "run",
                &path,
                "--trials",
                "300",
                "--threads",
                t,
                "--format",
                "json",
            ]);
            assert_eq!(one, other, "{t} threads");
        }
    }
}

/// `compare` and `portal` with journeys.
mod analyses {
    use super::*;

    /// `x` (site a, down 10 h to 15 h) and `y` (site b, down 12 h to 22 h); the variant
    /// puts `x` in both sites, down only while both are (12 h to 15 h). `front`
    /// hard-depends on `y`; `side` depends on `y` partially.
    pub const DESIGNS: &str = r#"Scenario(
    name: "designs",
    horizon: "100h",
    sites: [(id: "a"), (id: "b"), (id: "c")],
    services: [
        (id: "x", users: 10, replicas: ["a"]),
        (id: "y", users: 20, replicas: ["b"]),
        (id: "front", users: 5, replicas: ["c"], depends_on: ["y"]),
        (id: "side", users: 5, replicas: ["c"], depends_on: [(on: "y", share: 0.5)]),
    ],
    events: [
        (name: "cut a", site: "a", at: "10h", lasts: "5h"),
        (name: "cut b", site: "b", at: "12h", lasts: "10h"),
    ],
    variants: [(name: "x in two sites", services: [(id: "x", users: 10, replicas: ["a", "b"])])],
    journeys: [
        (name: "both", users: 100, needs: ["x", "y"]),
        (name: "only x", users: 300, needs: ["x"]),
        (name: "front", users: 50, needs: ["front"]),
        (name: "side", users: 50, needs: ["side"]),
    ],
)
"#;

    /// Each journey in the base and the variant, paired by name: `both` is down 12 h in
    /// the base (the union of 10–15 and 12–22) and 10 h with `x` in two sites; `only x`
    /// 5 h and 3 h.
    #[test]
    fn compare_gives_each_journey_in_both_designs() {
        let (_dir, path) = scenario_file(DESIGNS);
        let v = json(&["compare", &path, "--trials", "130", "--format", "json"]);
        let js = v["variants"][0]["journeys"].as_array().unwrap();
        let names: Vec<&str> = js.iter().map(|j| j["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["both", "only x", "front", "side"]);
        let both = &js[0];
        assert!(close(f(&both["downtime_mean_base"]), 12.0));
        assert!(close(f(&both["downtime_mean_variant"]), 10.0));
        assert!(close(f(&both["availability_base"]), 0.88));
        assert!(close(f(&both["availability_variant"]), 0.90));
        assert!((f(&both["user_hours_lost_base"]) - 1_200.0).abs() < 1e-6);
        assert!((f(&both["user_hours_lost_variant"]) - 1_000.0).abs() < 1e-6);
        assert!(close(f(&js[1]["downtime_p95_variant"]), 3.0));
        let table = stdout(&["compare", &path, "--trials", "10"]);
        assert!(table.contains("Journeys"), "{table}");
        assert!(
            table.lines().any(|l| l.contains("x in two sites")
                && l.contains("only x")
                && l.contains("97.00%")
                && l.contains("3h")),
            "{table}"
        );
        // Without journeys, compare's JSON has no `journeys` key.
        let plain = json(&[
            "compare",
            &crate::util::example(),
            "--trials",
            "20",
            "--format",
            "json",
        ]);
        assert!(plain["variants"][0].get("journeys").is_none());
    }

    /// A service takes down the journeys that need it or a service that goes down with it
    /// (hard dependents, as in gateway reach), not those it only degrades.
    #[test]
    fn portal_lists_the_journeys_each_service_takes_down() {
        let (_dir, path) = scenario_file(DESIGNS);
        let v = json(&["portal", &path, "--trials", "20", "--format", "json"]);
        let down = |id: &str| by_id(&v, id)["journeys_down"].clone();
        assert_eq!(down("x"), serde_json::json!(["both", "only x"]));
        assert_eq!(down("y"), serde_json::json!(["both", "front"]));
        assert_eq!(down("front"), serde_json::json!(["front"]));
        assert_eq!(down("side"), serde_json::json!(["side"]));
        let table = stdout(&["portal", &path, "--trials", "20"]);
        assert!(
            table
                .lines()
                .any(|l| l.contains(" y ") && l.contains("2 of 4") && l.contains("both, front")),
            "{table}"
        );
        let plain = json(&[
            "portal",
            &crate::util::example(),
            "--trials",
            "20",
            "--format",
            "json",
        ]);
        assert!(plain["services"][0].get("journeys_down").is_none());
    }
}

/// The policy report leads with the journeys when the scenario declares them.
mod report {
    use super::*;

    fn markdown(text: &str, lang: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let s = dir.path().join("s.ron");
        std::fs::write(&s, text).unwrap();
        let out = dir.path().join("r.md");
        stdout(&[
            "report",
            &s.to_string_lossy(),
            "--trials",
            "50",
            "--lang",
            lang,
            "--format",
            "markdown",
            "--out",
            &out.to_string_lossy(),
            "--quiet",
        ]);
        std::fs::read_to_string(out).unwrap()
    }

    /// `x` down 10–15 h, `y` 12–22 h (the designs' base): "both" is available 88 %,
    /// "only x" 95 %; weighted by users (100 and 300), 0.25 × 0.88 + 0.75 × 0.95 = 93.25 %.
    fn text() -> String {
        let base = super::analyses::DESIGNS
            .split("    variants:")
            .next()
            .unwrap()
            .to_string()
            + ")";
        with_journeys(
            &base,
            r#"(name: "both", names: {"ko": "둘 다"}, users: 100, needs: ["x", "y"]),
               (name: "only x", users: 300, needs: ["x"])"#,
        )
    }

    #[test]
    fn in_english() {
        let md = markdown(&text(), "en");
        let findings = md.split("## Findings\n\n").nth(1).unwrap();
        assert!(findings.starts_with("### User journeys\n\n"), "{findings}");
        assert!(findings.contains(
            "Of the 2 user journeys, “both” suffers most: it is available 88.00% of the \
             time; it is down 12h on average and 12h in the worst 5% of runs, losing 1,200 \
             user-hours per run. Weighted by how much each journey counts, the journeys are \
             available 93.25% of the time."
        ));
        assert!(findings.contains(
            "| Journey | Weight | Available | Down (mean) | Down (worst 5%) | User-hours lost |"
        ));
        assert!(findings.contains("| only x | 75% | 95.00% | 5h | 5h | 1,500 |"));
        // Then the services, under a heading of their own.
        let services = findings.find("### All services").unwrap();
        assert!(services < findings.find("### The services hit hardest").unwrap());
    }

    #[test]
    fn in_korean() {
        let md = markdown(&text(), "ko");
        let findings = md.split("## 주요 결과\n\n").nth(1).unwrap();
        assert!(findings.starts_with("### 사용자 여정\n\n"), "{findings}");
        assert!(findings.contains(
            "사용자 여정 2개 중 가장 큰 피해를 입는 「둘 다」은(는) 전체 시간의 88.00% 동안 \
             이용할 수 있고, 평균 12시간, 가장 나쁜 5%의 경우 12시간 동안 중단됩니다. 한 \
             번에 1,200 사용자·시간이 손실됩니다."
        ));
        assert!(findings.contains("전체 시간의 93.25% 동안 이용할 수 있습니다"));
        assert!(findings.contains(
            "| 여정 | 비중 | 이용 가능 | 중단 (평균) | 중단 (최악 5%) | 사용자·시간 손실 |"
        ));
        assert!(findings.contains("| 둘 다 | 25% | 88.00% | 12시간 | 12시간 | 1,200 |"));
        assert!(findings.contains("### 전체 서비스"));
    }

    /// Journeys given by weight have no user-hours column, and a report of a scenario
    /// without journeys has no journeys section (its outline is the snapshot of
    /// `report::structure`).
    #[test]
    fn by_weight_and_without_journeys() {
        let by_weight = text()
            .replace("users: 100, needs", "weight: 0.6, needs")
            .replace("users: 300, needs", "weight: 0.4, needs");
        let md = markdown(&by_weight, "en");
        assert!(md.contains("| Journey | Weight | Available | Down (mean) | Down (worst 5%) |\n"));
        assert!(md.contains("of runs. Weighted by"), "no user-hours: {md}");
        let plain = text().split("    journeys: [").next().unwrap().to_string() + ")\n";
        let md = markdown(&plain, "en");
        assert!(!md.contains("User journeys") && !md.contains("All services"));
    }
}
