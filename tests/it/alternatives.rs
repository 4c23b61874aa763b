//! Alternatives (`AnyOf`), events that hit `count` of several sites, and beta-factor common
//! causes, against closed forms. Deterministic cases assert to 1e-9 hours; stochastic
//! ones within 4 standard errors of the trial mean (a false alarm about once in 16,000
//! runs for each assertion), plus a stated bias bound where the closed form neglects
//! something. Each stochastic case plays 20,000 trials, so its standard error is below
//! 0.004 for a probability.

use blastradius::sim::{Compiled, Outcome, Trial};

use crate::util::{by_id, close, compile, idx, json, scenario_file};

/// Mean and standard error of each `fs[k](outcome)` over `n` trials of seed `seed`, from
/// one pass over the trials.
fn means(c: &Compiled, n: u64, seed: u64, fs: &[&dyn Fn(&Outcome) -> f64]) -> Vec<(f64, f64)> {
    let mut t = Trial::new(c);
    let mut sums = vec![(0.0, 0.0); fs.len()];
    for i in 0..n {
        t.run(seed, i);
        for (f, (s, s2)) in fs.iter().zip(sums.iter_mut()) {
            let x = f(&t.outcome);
            *s += x;
            *s2 += x * x;
        }
    }
    sums.iter()
        .map(|&(s, s2)| {
            let m = s / n as f64;
            let var = (s2 / n as f64 - m * m) * n as f64 / (n as f64 - 1.0);
            (m, (var.max(0.0) / n as f64).sqrt())
        })
        .collect()
}

/// Asserts that `got` (mean, standard error) is within 4 standard errors plus `bias` of
/// `want`.
fn near(what: &str, got: (f64, f64), want: f64, bias: f64) {
    let (m, se) = got;
    assert!(
        (m - want).abs() <= 4.0 * se + bias,
        "{what}: {m} ± {se} (4 SE + {bias}), expected {want}"
    );
}

const N: u64 = 20_000;

/// What trial 0 of seed 1 of the scenario `text` gives: for deterministic scenarios.
fn trial0(text: &str) -> Outcome {
    let c = compile(text);
    let mut t = Trial::new(&c);
    t.run(1, 0);
    t.outcome.clone()
}

/// The engine on alternatives, exactly where it is deterministic.
mod any_of {
    use super::*;

    /// `a` is down 0–10 h, `b` 5–15 h and `c` the whole time; `x` needs any one of `a`
    /// and `b`, `y` two of `a`, `b`, `c`, `z` any one of `a` and `b` after a 2-hour grace,
    /// `w` loses 40 % while `a` and `b` are both down, `v` needs `x`. Sites `s1` and `s2`
    /// (of `a` and `b`) are inside `r`.
    const TIMELINE: &str = r#"Scenario(
        name: "alternatives", horizon: "100h",
        sites: [(id: "r", kind: Region), (id: "s1", parent: "r"), (id: "s2", parent: "r"), (id: "s3"), (id: "s4")],
        services: [
            (id: "a", users: 1, replicas: ["s1"]),
            (id: "b", users: 1, replicas: ["s2"]),
            (id: "c", users: 1, replicas: ["s4"]),
            (id: "x", users: 10, replicas: ["s3"], depends_on: [AnyOf(["a", "b"])]),
            (id: "y", users: 10, replicas: ["s3"], depends_on: [AnyOf(of: ["a", "b", "c"], min: 2)]),
            (id: "z", users: 10, replicas: ["s3"], depends_on: [(on: AnyOf(["a", "b"]), grace: "2h")]),
            (id: "w", users: 10, replicas: ["s3"], depends_on: [(on: AnyOf(["b", "a"]), share: 0.4)]),
            (id: "v", users: 10, replicas: ["s3"], depends_on: ["x"]),
        ],
        events: [
            (name: "one", site: "s1", at: "0h", lasts: "10h"),
            (name: "two", site: "s2", at: "5h", lasts: "10h"),
            (name: "three", site: "s4", at: "0h", lasts: "100h"),
        ],
    )"#;

    #[test]
    fn a_dependency_on_alternatives_is_down_only_while_too_few_are_up() {
        let o = &trial0(TIMELINE);
        let s = |id| idx(TIMELINE, id);
        // Any one of a, b: both are down only from 5 to 10 h.
        assert!(close(o.downtime[s("x")], 5.0), "{}", o.downtime[s("x")]);
        assert!(close(o.restored_at[s("x")], 10.0));
        // 2 of a, b, c with c down: down whenever a or b is, 0–15 h.
        assert!(close(o.downtime[s("y")], 15.0), "{}", o.downtime[s("y")]);
        // After a 2-hour grace on the group, which went down at 5 h: 7–10 h.
        assert!(close(o.downtime[s("z")], 3.0), "{}", o.downtime[s("z")]);
        // Partial: up, degraded by 40 % for 5 h.
        assert_eq!(o.downtime[s("w")], 0.0);
        assert!(close(o.degraded[s("w")], 5.0));
        assert!(close(o.user_hours_lost[s("w")], 10.0 * 0.4 * 5.0));
        // Through x, like any hard dependency.
        assert!(close(o.downtime[s("v")], 5.0));
        // The cause of x's downtime is its dependency on the group (cause slot 1).
        let slot = compile(TIMELINE).cause_offsets[s("x")] as usize + 1;
        assert!(close(o.cause_hours[slot], 5.0));
    }

    #[test]
    fn run_names_the_group_as_the_cause() {
        let (_dir, path) = scenario_file(TIMELINE);
        let v = json(&["run", &path, "--trials", "3", "--format", "json"]);
        let causes = &by_id(&v, "y")["causes"];
        assert_eq!(causes[1]["cause"], "2 of a, b, c", "{causes}");
        assert_eq!(by_id(&v, "x")["causes"][1]["cause"], "any of a, b");
        assert!(close(
            by_id(&v, "y")["causes"][1]["hours"].as_f64().unwrap(),
            15.0
        ));
    }

    /// `p` and `q` can each use the other or `r`; `r` is down the whole time and `p`'s
    /// site from 10 to 20 h.
    const CYCLE: &str = r#"Scenario(
        name: "cycle of alternatives", horizon: "50h",
        sites: [(id: "s1"), (id: "s2"), (id: "s3")],
        services: [
            (id: "r", replicas: ["s3"]),
            (id: "p", users: 1, replicas: ["s1"], depends_on: [AnyOf(["q", "r"])]),
            (id: "q", users: 1, replicas: ["s2"], depends_on: [AnyOf(["p", "r"])]),
        ],
        events: [
            (name: "r down", site: "s3", at: "0h", lasts: "50h"),
            (name: "p down", site: "s1", at: "10h", lasts: "10h"),
        ],
    )"#;

    #[test]
    fn a_cycle_of_alternatives_with_nothing_else_failing_is_up() {
        let o = &trial0(CYCLE);
        // r down does not take p and q down: each has the other. When p's site fails, q
        // has neither; when it is back, both are up again (the least fixed point).
        for id in ["p", "q"] {
            let s = idx(CYCLE, id);
            assert!(close(o.downtime[s], 10.0), "{id}: {}", o.downtime[s]);
            assert!(close(o.restored_at[s], 20.0), "{id}: {}", o.restored_at[s]);
        }
    }

    #[test]
    fn whatif_loses_a_group_only_with_enough_of_its_alternatives() {
        let (_dir, path) = scenario_file(TIMELINE);
        let v = json(&["whatif", &path, "--format", "json"]);
        let rows = v["rows"].as_array().expect("rows");
        let row = |kind: &str, id: &str| {
            rows.iter()
                .find(|r| r["lost"]["kind"] == kind && r["lost"]["id"] == id)
                .unwrap_or_else(|| panic!("no row {kind} {id} in {v}"))
        };
        // Losing s1 takes down a alone: x, z and w have b, y has b and c.
        assert_eq!(row("site", "s1")["down"], serde_json::json!(["a"]));
        assert_eq!(row("site", "s1")["degraded"], serde_json::json!([]));
        // Losing r (s1 and s2) takes both a and b: every group on them is down.
        assert_eq!(
            row("site", "r")["down"],
            serde_json::json!(["a", "b", "x", "y", "z", "v"])
        );
        assert_eq!(row("site", "r")["degraded"][0]["id"], "w", "{v}");
        // Losing c leaves a and b, 2 of 3: y stays up.
        assert_eq!(row("service", "c")["down"], serde_json::json!(["c"]));
    }

    /// Alternatives each down with probability `P`, over the same 10 hours.
    fn independent(p: f64) -> String {
        format!(
            r#"Scenario(
            name: "independent alternatives", horizon: "100h",
            sites: [(id: "s1"), (id: "s2"), (id: "s3"), (id: "s4")],
            services: [
                (id: "a", replicas: ["s1"]), (id: "b", replicas: ["s2"]), (id: "c", replicas: ["s3"]),
                (id: "one-of-two", users: 1, replicas: ["s4"], depends_on: [AnyOf(["a", "b"])]),
                (id: "two-of-three", users: 1, replicas: ["s4"],
                 depends_on: [AnyOf(of: ["a", "b", "c"], min: 2)]),
            ],
            events: [
                (name: "e1", site: "s1", probability: {p}, at: "10h", lasts: "10h"),
                (name: "e2", site: "s2", probability: {p}, at: "10h", lasts: "10h"),
                (name: "e3", site: "s3", probability: {p}, at: "10h", lasts: "10h"),
            ],
        )"#
        )
    }

    #[test]
    fn any_of_two_independent_alternatives_is_down_with_the_product_of_their_chances() {
        let p: f64 = 0.4;
        let text = independent(p);
        let c = compile(&text);
        let (s1, s2) = (idx(&text, "one-of-two"), idx(&text, "two-of-three"));
        // Down exactly 10 h in the trials where enough are down, never otherwise.
        let m = means(
            &c,
            N,
            11,
            &[&|o| o.downtime[s1] / 10.0, &|o| o.downtime[s2] / 10.0],
        );
        near("P(any of two down)", m[0], p * p, 0.0);
        near(
            "P(2 of 3 down)",
            m[1],
            3.0 * p * p * (1.0 - p) + p * p * p,
            0.0,
        );
    }
}

/// Events that hit `count` of several sites.
mod count {
    use super::*;

    /// A cluster of five nodes, each with one service; the chaos event takes down `K`.
    fn chaos(k: usize) -> String {
        format!(
            r#"Scenario(
            name: "chaos", horizon: "10h",
            sites: [
                (id: "cluster", kind: Zone),
                (id: "n1", parent: "cluster"), (id: "n2", parent: "cluster"),
                (id: "n3", parent: "cluster"), (id: "n4", parent: "cluster"),
                (id: "n5", parent: "cluster"),
            ],
            services: [
                (id: "s1", users: 1, replicas: ["n1"]), (id: "s2", users: 1, replicas: ["n2"]),
                (id: "s3", users: 1, replicas: ["n3"]), (id: "s4", users: 1, replicas: ["n4"]),
                (id: "s5", users: 1, replicas: ["n5"]),
            ],
            events: [(name: "chaos", site: "cluster", count: {k}, at: "1h", lasts: "2h")],
        )"#
        )
    }

    #[test]
    fn exactly_k_members_go_down_in_every_trial_each_with_frequency_k_over_n() {
        let (k, n) = (2usize, 5usize);
        let text = chaos(k);
        let c = compile(&text);
        let mut t = Trial::new(&c);
        for i in 0..2000 {
            t.run(5, i);
            assert_eq!(t.outcome.services_affected as usize, k, "trial {i}");
            assert_eq!(t.outcome.peak_down as usize, k, "trial {i}");
            let hours: f64 = t.outcome.downtime.iter().sum();
            assert!(close(hours, 2.0 * k as f64), "trial {i}: {hours}");
        }
        let hit = |id: &str| {
            let s = idx(&text, id);
            move |o: &Outcome| (o.downtime[s] > 0.0) as u8 as f64
        };
        let (h1, h3, h5) = (hit("s1"), hit("s3"), hit("s5"));
        let m = means(&c, N, 5, &[&h1, &h3, &h5]);
        for (id, got) in ["s1", "s3", "s5"].iter().zip(m) {
            near(id, got, k as f64 / n as f64, 0.0);
        }
    }

    #[test]
    fn a_list_of_sites_without_count_goes_down_whole_and_with_count_in_part() {
        let text = r#"Scenario(
            name: "storm", horizon: "10h",
            sites: [(id: "a"), (id: "b"), (id: "c")],
            services: [
                (id: "sa", users: 1, replicas: ["a"]), (id: "sb", users: 1, replicas: ["b"]),
                (id: "sc", users: 1, replicas: ["c"]),
            ],
            events: [
                (name: "grid", sites: ["a", "c"], at: "1h", lasts: "3h"),
                (name: "storm", sites: ["a", "b", "c"], count: 1, at: "5h", lasts: "1h"),
            ],
        )"#;
        let c = compile(text);
        let mut t = Trial::new(&c);
        let mut storm_hits = [0u32; 3];
        for i in 0..3000 {
            t.run(9, i);
            let d = &t.outcome.downtime;
            // a and c: 3 h of grid cut each; the storm adds 1 h to one of the three.
            let extra: Vec<f64> = vec![d[0] - 3.0, d[1], d[2] - 3.0];
            assert!(close(extra.iter().sum(), 1.0), "trial {i}: {d:?}");
            for (k, e) in extra.iter().enumerate() {
                if close(*e, 1.0) {
                    storm_hits[k] += 1;
                }
            }
        }
        // Each of the three about a third of the time: 1,000 ± 4 × 25.8.
        for h in storm_hits {
            assert!(
                (h as f64 - 1000.0).abs() < 4.0 * (3000.0f64 * (1.0 / 3.0) * (2.0 / 3.0)).sqrt()
            );
        }
    }

    #[test]
    fn sites_given_one_by_one_or_as_a_list_of_one_play_the_same() {
        // The same scenario with `site: "a"` and with `sites: ["a"]`: the same numbers.
        let one = |target: &str| {
            format!(
                r#"Scenario(
                name: "one site", horizon: "100h", seed: 4,
                sites: [(id: "a", hazards: [(mtbf: "50h", repair: "5h")]), (id: "b")],
                services: [
                    (id: "x", users: 10, replicas: ["a"], restart: Exp(mean: "1h")),
                    (id: "y", users: 10, replicas: ["b"], depends_on: ["x"]),
                ],
                events: [(name: "cut", {target}, probability: 0.5, at: Exp(mean: "20h"), lasts: "10h")],
            )"#
            )
        };
        let (_d1, p1) = scenario_file(&one(r#"site: "a""#));
        let (_d2, p2) = scenario_file(&one(r#"sites: ["a"]"#));
        let a = json(&["run", &p1, "--trials", "300", "--format", "json"]);
        let b = json(&["run", &p2, "--trials", "300", "--format", "json"]);
        assert_eq!(a["services"], b["services"]);
        assert_eq!(a["totals"], b["totals"]);
    }
}

/// Beta-factor common causes.
mod beta {
    use super::*;

    /// Two data centers whose hazards fail at rates `l1` and `l2` per hour, 1-second
    /// repairs, over 100 hours; `a` runs in dc1, `b` in dc2, `both` needs any one of them
    /// (down only when both are), `either` needs both.
    fn pair(mtbf1: &str, mtbf2: &str, beta: f64) -> String {
        format!(
            r#"Scenario(
            name: "common cause", horizon: "100h",
            sites: [
                (id: "dc1", hazards: [(mtbf: "{mtbf1}", repair: "1s")]),
                (id: "dc2", hazards: [(mtbf: "{mtbf2}", repair: "1s")]),
                (id: "safe"),
            ],
            services: [
                (id: "a", users: 1, replicas: ["dc1"]),
                (id: "b", users: 1, replicas: ["dc2"]),
                (id: "both", users: 1, replicas: ["safe"], depends_on: [AnyOf(["a", "b"])]),
                (id: "either", users: 1, replicas: ["safe"], depends_on: ["a", "b"]),
            ],
            common_cause: [(members: ["dc1", "dc2"], beta: {beta})],
        )"#
        )
    }

    /// One second, in hours: each failure's downtime.
    const R: f64 = 1.0 / 3600.0;
    const H: f64 = 100.0;

    #[test]
    fn shared_failures_come_at_beta_lambda_and_each_member_keeps_its_rate() {
        let (l, beta) = (0.01, 0.3);
        let text = pair("100h", "100h", beta);
        let c = compile(&text);
        let s = |id| idx(&text, id);
        let (a, both, either) = (s("a"), s("both"), s("either"));
        // Failures counted by downtime / R. Two failures of one site within a second of
        // each other would merge: about (λH)² × R / H ≈ 3e-6 per trial, well below the
        // standard errors (≈ 0.007 for a Poisson count of mean 1 over 20,000 trials).
        let bias = 1e-4;
        let m = means(
            &c,
            N,
            21,
            &[
                &|o| o.downtime[a] / R,
                &|o| o.downtime[both] / R,
                &|o| o.downtime[either] / R,
                &|o| (o.downtime[a] > 0.0) as u8 as f64,
                &|o| (o.downtime[both] > 0.0) as u8 as f64,
            ],
        );
        // Each member fails at λ: λH = 1 failure in 100 h on average.
        near("failures of dc1", m[0], l * H, bias);
        // Both together at βλ: the shared failures only.
        near("failures of both", m[1], beta * l * H, bias);
        // Either: each independent failure of each, and each shared one once:
        // (1 − β)λ + (1 − β)λ + βλ = (2 − β)λ.
        near("failures of either", m[2], (2.0 - beta) * l * H, bias);
        // The first failure of a member is exponential at λ: P(affected) = 1 − e^(−λH).
        near("P(dc1 fails)", m[3], 1.0 - (-l * H).exp(), 0.0);
        near(
            "P(both fail together)",
            m[4],
            1.0 - (-beta * l * H).exp(),
            bias,
        );
    }

    #[test]
    fn with_different_rates_the_shared_rate_is_beta_times_the_smallest() {
        let (l1, l2, beta) = (0.01, 0.02, 0.5);
        let text = pair("100h", "50h", beta);
        let c = compile(&text);
        let s = |id| idx(&text, id);
        let bias = 1e-4;
        let (a, b, both) = (s("a"), s("b"), s("both"));
        let m = means(
            &c,
            N,
            22,
            &[&|o| o.downtime[a] / R, &|o| o.downtime[b] / R, &|o| {
                o.downtime[both] / R
            }],
        );
        // Each member keeps its own rate; the shared failures come at β × min λ.
        near("failures of dc1", m[0], l1 * H, bias);
        near("failures of dc2", m[1], l2 * H, bias);
        near("failures of both", m[2], beta * l1.min(l2) * H, bias);
    }

    #[test]
    fn beta_zero_plays_as_without_a_common_cause() {
        let with = pair("100h", "100h", 0.0);
        let without = with.replace(
            &format!(
                r#"common_cause: [(members: ["dc1", "dc2"], beta: {})],"#,
                0.0
            ),
            "",
        );
        assert_ne!(with, without);
        let (_d1, p1) = scenario_file(&with);
        let (_d2, p2) = scenario_file(&without);
        let a = json(&["run", &p1, "--trials", "500", "--format", "json"]);
        let b = json(&["run", &p2, "--trials", "500", "--format", "json"]);
        assert_eq!(a["services"], b["services"]);
        assert_eq!(a["totals"], b["totals"]);
    }
}

/// Recovery deadlocks through alternatives.
mod deadlock {
    use super::*;

    /// `app` needs any one of `ops` and `backup`; restarting `ops` needs `app`, and so,
    /// with `NEEDS`, does restarting `backup`. Site s1 (ops) is down 0–10 h, s2 (backup)
    /// 0–20 h; a task in a deadlock bypasses its needs 1 hour after it formed.
    fn scenario(backup_needs_app: bool) -> String {
        let needs = if backup_needs_app {
            r#", recovery_needs: ["app"]"#
        } else {
            ""
        };
        format!(
            r#"Scenario(
            name: "deadlock through alternatives", horizon: "100h",
            sites: [(id: "s1"), (id: "s2"), (id: "s3")],
            services: [
                (id: "ops", replicas: ["s1"], restart: "1h", recovery_needs: ["app"]),
                (id: "backup", replicas: ["s2"], restart: "1h"{needs}),
                (id: "app", users: 1, replicas: ["s3"], depends_on: [AnyOf(["ops", "backup"])]),
            ],
            events: [
                (name: "one", site: "s1", at: "0h", lasts: "10h"),
                (name: "two", site: "s2", at: "0h", lasts: "20h"),
            ],
            recovery: (bootstrap: "1h"),
        )"#
        )
    }

    /// Whether trial 0 has a deadlock, and how long `app` is down.
    fn play(backup_needs_app: bool) -> (bool, f64) {
        let text = scenario(backup_needs_app);
        let o = trial0(&text);
        (o.deadlock, o.downtime[idx(&text, "app")])
    }

    #[test]
    fn a_cycle_through_one_alternative_is_no_deadlock_while_another_will_return() {
        // ops waits for app, app for the pair, the pair for ops or backup; backup waits
        // for its site only, so nothing is deadlocked: backup restarts 20–21 h, app is up
        // at 21 h, then ops restarts.
        let (deadlock, down) = play(false);
        assert!(!deadlock);
        assert!(close(down, 21.0), "{down}");
    }

    #[test]
    fn a_cycle_through_every_alternative_is_a_deadlock() {
        // From 20 h both restarts wait for app, which waits for them: a deadlock, broken
        // 1 hour later; the restarts take 21–22 h.
        let (deadlock, down) = play(true);
        assert!(deadlock);
        assert!(close(down, 22.0), "{down}");
    }
}

/// The outputs of the deterministic analyses with alternatives.
mod analyses {
    use super::*;

    const TWO_LOGINS: &str = r#"Scenario(
        name: "two logins", horizon: "10d",
        sites: [(id: "dc1"), (id: "dc2")],
        services: [
            (id: "login-kakao", users: 5, replicas: ["dc1"]),
            (id: "login-email", users: 5, replicas: ["dc2"]),
            (id: "app", users: 1000, replicas: ["dc1", "dc2"],
             depends_on: [AnyOf(["login-kakao", "login-email"])]),
        ],
    )"#;

    #[test]
    fn two_alternatives_are_not_a_single_point_of_failure() {
        let (_dir, path) = scenario_file(TWO_LOGINS);
        let out = crate::util::bin()
            .args(["validate", &path])
            .output()
            .expect("runs");
        assert!(out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        // Each site takes down its own login (5 users), never the app.
        assert!(err.contains("single point of failure"), "{err}");
        assert!(!err.contains("app"), "{err}");
    }

    #[test]
    fn portal_gateway_reach_needs_every_alternative_lost() {
        let (_dir, path) = scenario_file(TWO_LOGINS);
        let v = json(&["portal", &path, "--format", "json", "--trials", "10"]);
        for id in ["login-kakao", "login-email"] {
            let p = by_id(&v, id);
            assert_eq!(p["gateway_users"], 0.0, "{p}");
            // Still reached through the AnyOf that lists it.
            assert_eq!(p["transitive_dependents"], 1, "{p}");
        }
    }

    /// `core` down 0–5 h takes `a` down after a 1-hour grace and `b` after 2 hours;
    /// `x` needs any one of them, with a 30-minute grace on the pair.
    const STAGGERED: &str = r#"Scenario(
        name: "staggered", horizon: "20h",
        sites: [(id: "dc1"), (id: "dc2")],
        services: [
            (id: "core", users: 1, replicas: ["dc1"]),
            (id: "a", users: 10, replicas: ["dc2"], depends_on: [(on: "core", grace: "1h")]),
            (id: "b", users: 100, replicas: ["dc2"], depends_on: [(on: "core", grace: "2h")]),
            (id: "x", users: 1000, replicas: ["dc2"], depends_on: [(on: AnyOf(["a", "b"]), grace: "30m")]),
        ],
        events: [(name: "cut", site: "dc1", at: "0h", lasts: "5h")],
    )"#;

    #[test]
    fn the_isolated_failure_through_alternatives_is_what_the_engine_computes() {
        // The pair goes down with b at 2 h, x at 2.5 h; all back at 5 h.
        let (a, b, x) = (4.0, 3.0, 2.5);
        let (_dir, path) = scenario_file(STAGGERED);
        let run = json(&["run", &path, "--trials", "2", "--format", "json"]);
        for (id, hours) in [("a", a), ("b", b), ("x", x)] {
            let got = by_id(&run, id)["downtime_hours"]["mean"].as_f64().unwrap();
            assert!(close(got, hours), "{id}: {got}");
        }
        let v = json(&[
            "portal",
            &path,
            "--format",
            "json",
            "--trials",
            "2",
            "--isolated-for",
            "5h",
        ]);
        let iso = &by_id(&v, "core")["isolated"];
        let spill = iso["spill_over_user_hours"].as_f64().unwrap();
        assert!(close(spill, 10.0 * a + 100.0 * b + 1000.0 * x), "{iso}");
        assert_eq!(iso["services_down"], 3, "{iso}");
        // Lost for good, core takes all three.
        assert_eq!(by_id(&v, "core")["gateway_users"], 1110.0);
    }

    #[test]
    fn graph_draws_a_diamond_to_each_alternative() {
        let (_dir, path) = scenario_file(TWO_LOGINS);
        let dot = crate::util::stdout(&["graph", &path]);
        assert!(dot.contains("a0 [shape=diamond"), "{dot}");
        assert!(dot.contains("s2 -> a0 [style=solid]"), "{dot}");
        assert!(
            dot.contains("a0 -> s0 ") && dot.contains("a0 -> s1 "),
            "{dot}"
        );
    }
}
