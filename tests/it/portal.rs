//! `portal`'s deterministic measures (gateway reach, isolated failure), checked against
//! the engine: the isolated failure is what `run` computes when the service alone goes
//! down, so the two must agree to rounding.

use crate::util::{by_id, json, scenario_file, stdout};

/// `a` alone in site `s1`, which is down from 0 to 5 h; everything else in `s2`. Hard
/// chains with graces, partial edges, a partial edge whose grace outlasts the outage, and
/// a hard cycle through `a`.
const CHAIN: &str = r#"Scenario(name: "chain", horizon: "1d", trials: 4,
    sites: [(id: "s1"), (id: "s2")],
    services: [
        (id: "a", users: 100, replicas: ["s1"]),
        (id: "b", users: 10, replicas: ["s2"], depends_on: [(on: "a", grace: "1h")]),
        (id: "c", users: 1000, replicas: ["s2"], depends_on: [(on: "b", grace: "2h")]),
        (id: "d", users: 50, replicas: ["s2"],
         depends_on: [(on: "b", share: 0.5), (on: "c", share: 0.2, grace: "1h")]),
        (id: "e", users: 7, replicas: ["s2"], depends_on: [(on: "a", share: 0.3, grace: "10h")]),
        (id: "p", users: 3, replicas: ["s2"], depends_on: ["q", (on: "a", grace: "30m")]),
        (id: "q", users: 4, replicas: ["s2"], depends_on: ["p"]),
        (id: "z", users: 9, replicas: ["s2"]),
    ],
    events: [(name: "a's site", site: "s1", at: "0h", lasts: "5h")],
)"#;

#[test]
fn the_isolated_failure_is_what_the_engine_computes_for_that_outage() {
    let (_d, f) = scenario_file(CHAIN);
    let run = json(&["run", &f, "--format", "json", "-q"]);
    let engine_spill: f64 = run["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["id"] != "a")
        .map(|s| s["user_hours_lost"]["mean"].as_f64().unwrap())
        .sum();
    let p = json(&[
        "portal",
        &f,
        "--format",
        "json",
        "-q",
        "--isolated-for",
        "5h",
    ]);
    let a = by_id(&p, "a");
    let iso = &a["isolated"];
    assert_eq!(iso["for_hours"].as_f64().unwrap(), 5.0);
    assert_eq!(iso["duration_from"], "--isolated-for");
    assert_eq!(iso["own_user_hours"].as_f64().unwrap(), 500.0);
    let spill = iso["spill_over_user_hours"].as_f64().unwrap();
    assert!(
        (spill - engine_spill).abs() < 1e-6,
        "portal {spill} vs engine {engine_spill}"
    );
    // By hand: b 4 h, c 2 h, d 0.5 × 3 h + 0.6 × 1 h, p and q 4.5 h; e not yet (10 h grace).
    let want = 10.0 * 4.0 + 1000.0 * 2.0 + 50.0 * 2.1 + 7.0 * 4.5;
    assert!((spill - want).abs() < 1e-9, "{spill} vs {want}");
    assert_eq!(iso["services_down"], 4);
    // Without --isolated-for, the duration is a's median downtime in the scenario: 5 h.
    let p = json(&["portal", &f, "--format", "json", "-q"]);
    let iso = &by_id(&p, "a")["isolated"];
    assert_eq!(iso["for_hours"].as_f64().unwrap(), 5.0);
    assert_eq!(iso["duration_from"], "median downtime in this scenario");
    assert_eq!(
        by_id(&p, "z")["isolated"]["duration_from"],
        "1 h (never down in this scenario)"
    );
    // Sorted by isolated spill-over: a first.
    assert_eq!(p["services"][0]["id"], "a");
    assert_eq!(p["sort"], "isolated");
}

#[test]
fn gateway_reach_is_the_blast_of_losing_the_service_alone_for_good() {
    let (_d, f) = scenario_file(CHAIN);
    let p = json(&["portal", &f, "--format", "json", "-q", "--sort", "gateway"]);
    let a = by_id(&p, "a");
    // b, c, p, q down (1,017 users); d loses 0.6 of 50, e 0.3 of 7.
    let want = 1017.0 + 30.0 + 2.1;
    assert!(
        (a["gateway_users"].as_f64().unwrap() - want).abs() < 1e-9,
        "{a}"
    );
    assert_eq!(a["gateway_services_down"], 4);
    assert_eq!(a["gateway_services_degraded"], 2);
    let others = 10.0 + 1000.0 + 50.0 + 7.0 + 3.0 + 4.0 + 9.0;
    assert!((a["gateway_share"].as_f64().unwrap() - want / others).abs() < 1e-12);
    // The same as whatif's row for losing `a`.
    let w = json(&["whatif", &f, "--format", "json"]);
    let row = w["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["lost"]["kind"] == "service" && r["lost"]["id"] == "a")
        .unwrap_or_else(|| panic!("no whatif row for a: {w}"));
    assert_eq!(
        row["services_down"], 5,
        "a and the four it takes down: {row}"
    );
    assert_eq!(row["services_degraded"], 2);
    let affected = row["users_affected"].as_f64().unwrap();
    assert!(
        (affected - 100.0 - want).abs() < 1e-9,
        "whatif {affected} = a's 100 + {want}"
    );
    assert_eq!(p["sort"], "gateway");
    assert_eq!(p["services"][0]["id"], "a");
}

#[test]
fn bad_isolated_durations_are_refused() {
    let (_d, f) = scenario_file(CHAIN);
    for bad in ["0h", "-1h", "ten hours"] {
        let out = crate::util::bin()
            .args(["portal", &f, &format!("--isolated-for={bad}")])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--isolated-for"), "{err}");
    }
}

/// The report leads its portal finding with user-facing portals by gateway reach, puts
/// infrastructure without users in its own finding, says whether the ranking survives
/// shares × 0.5 and × 1.5, and names services in the report's language.
#[test]
fn the_report_tells_the_portal_story_in_both_languages() {
    let text = r#"Scenario(name: "portal story", names: {"ko": "관문 이야기"}, horizon: "1d", trials: 8,
        sites: [(id: "s1", names: {"ko": "판교"}), (id: "s2")],
        services: [
            (id: "tools", users: 0, replicas: ["s1"]),
            (id: "talk", name: "KakaoTalk", names: {"ko": "카카오톡"}, users: 100, replicas: ["s1"],
             depends_on: [(on: "tools", share: 0.5)]),
            (id: "gift", users: 40, replicas: ["s2"], depends_on: ["talk"]),
            (id: "pay", users: 30, replicas: ["s2"], depends_on: [(on: "talk", share: 0.4)]),
        ],
        events: [(name: "fire", site: "s1", at: "0h", lasts: "6h")],
    )"#;
    let (d, f) = scenario_file(text);
    let en = d.path().join("en.md");
    stdout(&[
        "report",
        &f,
        "-q",
        "--format",
        "markdown",
        "--out",
        en.to_str().unwrap(),
    ]);
    let en = std::fs::read_to_string(en).unwrap();
    // talk is down 6 h in the scenario (no restart): its isolated failure lasts 6 h, takes
    // gift (40 users) down and degrades pay by 0.4: in all (600 + 240 + 72) / 600 = 1.52×.
    assert!(
        en.contains("If KakaoTalk alone is down for 6h, 1 other service and 40 of their users go down with it: in all, 1.52× the loss of its own users."),
        "{en}"
    );
    assert!(en.contains("Lost for good, it would cost 52 users of other services their service, 74% of them (1 service down)."), "{en}");
    assert!(en.contains("KakaoTalk stays the top portal"), "{en}");
    assert!(en.contains("### Hidden single points"), "{en}");
    assert!(en.contains("**tools**"), "{en}");
    assert!(en.contains("![gateway]"), "gateway chart");
    let ko = d.path().join("ko.md");
    stdout(&[
        "report",
        &f,
        "-q",
        "--lang",
        "ko",
        "--format",
        "markdown",
        "--out",
        ko.to_str().unwrap(),
    ]);
    let ko = std::fs::read_to_string(ko).unwrap();
    assert!(ko.contains("카카오톡만 6시간 멈추면"), "{ko}");
    assert!(
        ko.starts_with("# 장애 파급 범위 보고서: 관문 이야기\n"),
        "{ko}"
    );
    assert!(
        en.starts_with("# Blast-radius report: portal story\n"),
        "{en}"
    );
    assert!(
        !ko.contains("KakaoTalk"),
        "the Korean report uses the Korean name: {ko}"
    );
    assert!(ko.contains("판교"), "site names too");
}

#[test]
fn names_need_a_language_code_and_a_name() {
    for (bad, want) in [
        (
            r#"names: {"korean": "카카오톡"}"#,
            r#""korean" is not a language code"#,
        ),
        (r#"names: {"ko": " "}"#, r#"the name for "ko" is empty"#),
    ] {
        let text = format!(
            r#"Scenario(name: "n", horizon: "1d", sites: [(id: "s")],
            services: [(id: "talk", {bad}, replicas: ["s"])])"#
        );
        let (_d, f) = scenario_file(&text);
        let out = crate::util::bin().args(["validate", &f]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(":2:45: `services[talk].names`"), "{err}");
        assert!(err.contains(want), "{err}");
    }
}

/// Substitutes, in closed form. `talk` (100 users) is down from 0 to 10 h with its site.
/// 30 % of its users switch to an outside messenger after 2 h; 50 % to `mail` after 1 h,
/// but `mail` is itself down until 5 h, so they switch only then.
#[test]
fn substitutes_take_their_share_of_users_after_their_delay_while_they_are_up() {
    let text = r#"Scenario(name: "subs", horizon: "1d", trials: 3,
        sites: [(id: "s1"), (id: "s2")],
        services: [
            (id: "talk", users: 100, replicas: ["s1"],
             substitutes: [(outside: "LINE", share: 0.3, after: "2h"), (to: "mail", share: 0.2, after: "1h")]),
            (id: "mail", users: 10, replicas: ["s2"]),
        ],
        events: [
            (name: "fire", site: "s1", at: "0h", lasts: "10h"),
            (name: "mail outage", site: "s2", at: "0h", lasts: "5h"),
        ],
    )"#;
    let (_d, f) = scenario_file(text);
    let v = json(&["run", &f, "--format", "json", "-q"]);
    let talk = by_id(&v, "talk");
    // Down 10 h; kept: 0.3 × 8 h (LINE from 2 h) + 0.2 × 5 h (mail from 5 h).
    assert_eq!(talk["downtime_hours"]["mean"].as_f64().unwrap(), 10.0);
    let uh = talk["user_hours_lost"]["mean"].as_f64().unwrap();
    assert!((uh - 100.0 * (10.0 - 2.4 - 1.0)).abs() < 1e-9, "{uh}");
    assert_eq!(
        by_id(&v, "mail")["user_hours_lost"]["mean"]
            .as_f64()
            .unwrap(),
        50.0
    );
    // The recovery curve counts the switched users as served: at 8 h (grid point 1/3 of
    // 24 h), talk loses 0.5 of 100 and mail nothing, out of 110 users.
    let curve = v["recovery_curve"].as_array().unwrap();
    let at = |k: usize| {
        let p = &curve[k];
        (
            p["t_hours"].as_f64().unwrap(),
            p["available_mean"].as_f64().unwrap(),
        )
    };
    let (t, a) = at(30);
    assert!((t - 7.2).abs() < 1e-9, "{t}");
    assert!((a - (1.0 - 50.0 / 110.0)).abs() < 1e-9, "{a}");
    // At 2.4 h: LINE has taken its 30 %, mail is still down (10 users lost).
    let (t, a) = at(10);
    assert!((t - 2.4).abs() < 1e-9);
    assert!((a - (1.0 - 80.0 / 110.0)).abs() < 1e-9, "{a}");
    // Lock-in: half of talk's users have no substitute.
    let p = json(&["portal", &f, "--format", "json", "-q"]);
    assert_eq!(by_id(&p, "talk")["locked_in_users"].as_f64().unwrap(), 50.0);
    assert_eq!(by_id(&p, "mail")["locked_in_users"].as_f64().unwrap(), 10.0);
}

#[test]
fn bad_substitutes_are_refused_where_they_are_written() {
    for (sub, want) in [
        (
            r#"(outside: "LINE", share: 0.0)"#,
            "a substitute's share must be in (0, 1], got 0",
        ),
        (
            r#"(outside: "LINE", share: 1.5)"#,
            "a substitute's share must be in (0, 1], got 1.5",
        ),
        (
            r#"(to: "line", share: 0.3)"#,
            r#"unknown service "line"; an alternative outside the scenario is written `outside: "line"`"#,
        ),
        (
            r#"(to: "mial", share: 0.3)"#,
            r#"unknown service "mial"; did you mean "mail"?"#,
        ),
        (
            r#"(outside: "LINE", share: 0.3, after: "-2h")"#,
            "negative duration",
        ),
        (
            r#"(to: "mail", outside: "LINE", share: 0.3)"#,
            "exactly one of",
        ),
        (
            r#"(outside: "A", share: 0.6), (outside: "B", share: 0.6)"#,
            "add up to 1.2",
        ),
    ] {
        let text = format!(
            r#"Scenario(name: "subs", horizon: "1d", sites: [(id: "s")],
            services: [(id: "mail", replicas: ["s"]),
            (id: "talk", replicas: ["s"], substitutes: [{sub}])])"#
        );
        let (_d, f) = scenario_file(&text);
        let out = crate::util::bin().args(["validate", &f]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{sub}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(":3:"), "on the service's line: {err}");
        assert!(err.contains("`services[talk].substitutes"), "{err}");
        assert!(err.contains(want), "{sub}: {err}");
    }
}

/// The built-in layout draws services inside boxes for their data center and room: a
/// titled box per data center and per room below it, every service drawn once, each
/// room's laid-out services inside its box, and a dependency between boxes as an arrow.
#[test]
fn the_builtin_graph_draws_services_in_their_data_center_and_room() {
    let text = r#"Scenario(name: "boxes", horizon: "1d",
        sites: [
            (id: "kr", kind: Region),
            (id: "dc1", name: "Pangyo & co", parent: "kr", kind: DataCenter),
            (id: "dc1/z1", name: "Zone 1", parent: "dc1", kind: Zone),
            (id: "dc1/z2", name: "Zone 2", parent: "dc1", kind: Zone),
            (id: "dc2", name: "Anyang", parent: "kr", kind: DataCenter),
        ],
        services: [
            (id: "a", replicas: ["dc1/z1"]),
            (id: "b", replicas: ["dc1/z1"], depends_on: ["a"]),
            (id: "c", replicas: ["dc1/z2"], depends_on: ["a"]),
            (id: "d", replicas: ["dc2"], depends_on: [(on: "c", share: 0.5)]),
        ],
    )"#;
    let (d, f) = scenario_file(text);
    let out = d.path().join("g.svg");
    stdout(&[
        "graph",
        &f,
        "--format",
        "svg",
        "--layout",
        "builtin",
        "--out",
        out.to_str().unwrap(),
    ]);
    let svg = std::fs::read_to_string(out).unwrap();
    for title in ["Pangyo &amp; co", "Zone 1", "Zone 2", "Anyang"] {
        assert!(svg.contains(&format!(">{title}</text>")), "{title}: {svg}");
    }
    assert_eq!(
        svg.matches("<rect").count(),
        4,
        "two data centers and two zones: {svg}"
    );
    assert_eq!(svg.matches("<ellipse").count(), 4, "{svg}");
    // Each room's layout (a nested <svg x y width height>) lies inside a drawn box, and
    // no two overlap.
    let num = |s: &str, key: &str| -> f64 {
        let at = s.find(&format!(" {key}=\"")).unwrap() + key.len() + 3;
        s[at..at + s[at..].find('"').unwrap()].parse().unwrap()
    };
    let boxes: Vec<[f64; 4]> = svg
        .match_indices("<rect")
        .map(|(k, _)| {
            let r = &svg[k..k + svg[k..].find("/>").unwrap()];
            [num(r, "x"), num(r, "y"), num(r, "width"), num(r, "height")]
        })
        .collect();
    let rooms: Vec<[f64; 4]> = svg
        .match_indices("<svg x=")
        .map(|(k, _)| {
            let h = &svg[k..k + svg[k..].find('>').unwrap()];
            [num(h, "x"), num(h, "y"), num(h, "width"), num(h, "height")]
        })
        .collect();
    let inside = |a: &[f64; 4], b: &[f64; 4]| {
        a[0] >= b[0]
            && a[1] >= b[1]
            && a[0] + a[2] <= b[0] + b[2] + 0.5
            && a[1] + a[3] <= b[1] + b[3] + 0.5
    };
    for r in &rooms {
        assert!(
            boxes.iter().any(|b| inside(r, b)),
            "{r:?} in no box: {boxes:?}"
        );
    }
    for (i, a) in rooms.iter().enumerate() {
        for b in &rooms[i + 1..] {
            let apart = a[0] + a[2] <= b[0]
                || b[0] + b[2] <= a[0]
                || a[1] + a[3] <= b[1]
                || b[1] + b[3] <= a[1];
            assert!(apart, "{a:?} overlaps {b:?}");
        }
    }
    let nested = rooms.len();
    assert_eq!(nested, 3, "three rooms: zone 1, zone 2, and Anyang itself");
    // Dependencies between boxes (c → a, d → c) are arrows; d's is partial, dashed, 50 %.
    assert_eq!(
        svg.matches("marker-end=\"url(#dep-arrow)\"").count(),
        2,
        "{svg}"
    );
    assert!(svg.contains("stroke-dasharray=\"5,4\" marker-end"), "{svg}");
    assert!(svg.contains(">50%</text>"), "{svg}");
}
