//! Fleets (`instances: N`, docs/semantics.md "Fleets"): the engine against closed forms,
//! validation of the field, and `instances: 1` being the single-instance engine exactly.
//! Deterministic cases assert to 1e-9 hours (exact up to rounding: every time in them is
//! a sum of a few durations written in the scenario); the stochastic one within 4
//! standard errors of the trial mean (a false alarm about once in 16,000 runs).

use blastradius::model::load_str;
use blastradius::sim::{Compiled, Outcome, Trial};

use crate::util::{bin, bundled_scenarios, close, compile, idx, scenario_file, stdout};

/// Plays trial 0 of seed 1 of `text`; every case below is deterministic.
fn play(text: &str) -> Outcome {
    let c = compile(text);
    let mut t = Trial::new(&c);
    t.run(1, 0);
    t.outcome.clone()
}

mod closed_forms {
    use super::*;

    /// N instances, each with one exponential hazard (mtbf M, repair R), nothing else:
    /// the share of the fleet down at time t is the chance that one alternating renewal
    /// process that starts up is down then, q (1 − e^(−λt)) with q = R / (M + R) and
    /// λ = 1/M + 1/R; over [0, H] its mean is q (1 − (1 − e^(−λH)) / (λH)). That share is
    /// lost while the service is up, and all of it while every instance is down (the
    /// service is then down), so (downtime + lost-share hours) / H estimates it.
    #[test]
    fn independent_instances_lose_their_mean_unavailability() {
        let text = r#"Scenario(name: "fleet", horizon: "1000h",
            sites: [(id: "a")],
            services: [(id: "web", users: 1000, replicas: ["a"], instances: 10,
                        hazards: [(mtbf: "90h", repair: Exp(mean: "10h"))])])"#;
        let c = compile(text);
        let (m, r, h, users) = (90.0_f64, 10.0_f64, 1000.0_f64, 1000.0_f64);
        let q = r / (m + r);
        let lambda = 1.0 / m + 1.0 / r;
        let expected = q * (1.0 - (1.0 - (-lambda * h).exp()) / (lambda * h));
        let n = 400u64;
        let mut t = Trial::new(&c);
        let (mut sum, mut sum2, mut uh) = (0.0, 0.0, 0.0);
        for i in 0..n {
            t.run(7, i);
            let o = &t.outcome;
            let x = (o.downtime[0] + o.lost_share_hours[0]) / h;
            sum += x;
            sum2 += x * x;
            uh += o.user_hours_lost[0];
            // User-hours are the lost share's hours times the users, trial by trial.
            assert!((o.user_hours_lost[0] - users * h * x).abs() < 1e-6 * users * h);
        }
        let mean = sum / n as f64;
        let se = ((sum2 / n as f64 - mean * mean) / (n as f64 - 1.0)).sqrt();
        // The standard error must be small enough for the test to mean something: well
        // under the 10 % a wrong model (say, the fleet down as a whole) would be off by.
        assert!(se < 0.01 * expected, "se {se} for {expected}");
        assert!(
            (mean - expected).abs() < 4.0 * se,
            "mean lost share {mean} vs {expected} ± {se}"
        );
        let uh_mean = uh / n as f64;
        assert!(
            (uh_mean - users * h * expected).abs() < 4.0 * users * h * se,
            "user-hours {uh_mean} vs {}",
            users * h * expected
        );
    }

    /// A site down from 0 to T, N instances with restart `Fixed(r)`, `crews: 1` (and
    /// `crews` left out below): the crew restarts one instance at a time, in instance
    /// order, so instance k is up at T + k r.
    fn restarts(crews: &str, mode: &str) -> String {
        format!(
            r#"Scenario(name: "crew", horizon: "100h",
            sites: [(id: "a"), (id: "b")],
            services: [
                (id: "web", users: 1000, replicas: ["a"], instances: 4, restart: "2h"{mode}),
                (id: "front", users: 10, replicas: ["b"], depends_on: ["web"]),
            ],
            events: [(name: "cut", site: "a", at: "0h", lasts: "10h")],
            {crews})"#
        )
    }

    #[test]
    fn one_crew_restores_the_instances_one_by_one() {
        let text = restarts("recovery: (crews: 1)", "");
        let o = play(&text);
        let (web, front) = (idx(&text, "web"), idx(&text, "front"));
        let (t, r, n) = (10.0, 2.0, 4.0);
        // Down until its first instance is up; then degraded by (N − k) / N on
        // [T + k r, T + (k + 1) r) for k = 1 … N − 1.
        assert!(close(o.downtime[web], t + r), "{}", o.downtime[web]);
        assert!(close(o.degraded[web], (n - 1.0) * r), "{}", o.degraded[web]);
        let lost: f64 = (1..4).map(|k| (n - k as f64) / n * r).sum();
        assert!(close(lost, 3.0));
        assert!(close(o.lost_share_hours[web], lost));
        assert!(close(o.user_hours_lost[web], 1000.0 * (t + r + lost)));
        // Restored when the full outage ended, not when the last instance came back.
        assert!(close(o.restored_at[web], t + r));
        assert_eq!(o.peak_lost_share[web], 1.0);
        // Only the full outage propagates.
        assert!(close(o.downtime[front], t + r));
        assert_eq!(o.degraded[front], 0.0);
        assert_eq!(o.services_affected, 2);
        assert!(close(
            o.total_user_hours_lost,
            1000.0 * (t + r + lost) + 10.0 * (t + r)
        ));
    }

    #[test]
    fn without_crews_every_instance_restarts_at_once() {
        let text = restarts("", "");
        let o = play(&text);
        let web = idx(&text, "web");
        assert!(close(o.downtime[web], 12.0));
        assert_eq!(o.degraded[web], 0.0);
        assert_eq!(o.lost_share_hours[web], 0.0);
        assert!(close(o.user_hours_lost[web], 12_000.0));
        assert!(close(o.restored_at[web], 12.0));
    }

    /// The site goes down again while the crew restarts the instances: the restart under
    /// way is dropped and, once the site is back, all four restart anew.
    #[test]
    fn a_site_outage_during_the_restarts_starts_them_over() {
        let text = restarts("recovery: (crews: 1)", "").replace(
            r#"lasts: "10h")],"#,
            r#"lasts: "10h"), (name: "again", site: "a", at: "13h", lasts: "5h")],"#,
        );
        let o = play(&text);
        let web = idx(&text, "web");
        // Down 0-12 h, 3/4 lost 12-13 h, down 13-20 h, then 3/4, 2/4, 1/4 for 2 h each.
        assert!(close(o.downtime[web], 12.0 + 7.0), "{}", o.downtime[web]);
        assert!(close(o.degraded[web], 1.0 + 6.0), "{}", o.degraded[web]);
        assert!(close(o.lost_share_hours[web], 0.75 + 3.0));
        assert!(close(o.restored_at[web], 20.0));
    }

    /// A fleet whose restarts need a tool that runs only while the fleet does: a
    /// recovery deadlock, broken `bootstrap` after it forms; then one crew restarts the
    /// instances in turn. Without `bootstrap`, both stay down to the horizon.
    #[test]
    fn a_fleet_in_a_recovery_deadlock_waits_for_the_bootstrap() {
        let text = r#"Scenario(name: "dl", horizon: "100h",
            sites: [(id: "a")],
            services: [
                (id: "web", users: 1, replicas: ["a"], instances: 4, restart: "2h",
                 recovery_needs: ["tools"]),
                (id: "tools", replicas: ["a"], depends_on: ["web"]),
            ],
            events: [(name: "cut", site: "a", at: "0h", lasts: "10h")],
            recovery: (crews: 1, bootstrap: "3h"))"#;
        let o = play(text);
        let (web, tools) = (idx(text, "web"), idx(text, "tools"));
        assert!(o.deadlock);
        // Cycle at 10 h, bypass at 13 h, instances up at 15, 17, 19 and 21 h.
        assert!(close(o.downtime[web], 15.0), "{}", o.downtime[web]);
        assert!(close(o.degraded[web], 6.0), "{}", o.degraded[web]);
        assert!(close(o.lost_share_hours[web], 3.0));
        assert!(close(o.downtime[tools], 15.0));
        let o = play(&text.replace(r#", bootstrap: "3h""#, ""));
        assert!(o.deadlock);
        assert!(close(o.downtime[web], 100.0));
        assert!(close(o.downtime[tools], 100.0));
    }

    /// The serving replica of a standby that never fails over (`success: 0.0`) restarts
    /// its instances one by one: the share is over the serving replica, whatever the
    /// standby holds.
    #[test]
    fn a_standby_loses_the_share_of_its_serving_replica() {
        let text = restarts(
            "recovery: (crews: 1)",
            r#", replicas: ["a", "b"], mode: ActiveStandby(failover: "0h", success: 0.0)"#,
        )
        .replace(r#"replicas: ["a"], "#, "");
        let o = play(&text);
        let web = idx(&text, "web");
        assert!(close(o.downtime[web], 12.0), "{}", o.downtime[web]);
        assert!(close(o.degraded[web], 6.0));
        assert!(close(o.lost_share_hours[web], 3.0));
    }

    /// ActiveActive fleets in two sites: while one site is lost and then restarts its
    /// instances one by one, the other replica, whole, serves everyone.
    #[test]
    fn active_active_is_served_by_its_best_replica() {
        let text = restarts("recovery: (crews: 1)", r#", replicas: ["a", "b"]"#)
            .replace(r#"replicas: ["a"], "#, "");
        let o = play(&text);
        let web = idx(&text, "web");
        assert_eq!(o.downtime[web], 0.0);
        assert_eq!(o.degraded[web], 0.0);
        assert_eq!(o.user_hours_lost[web], 0.0);
        // Lost for good: the same.
        let lost = text.replace(r#"lasts: "10h")"#, r#"lasts: "10h", destroys: true)"#);
        let o = play(&lost);
        assert_eq!(o.downtime[web] + o.degraded[web], 0.0);
        // `min: 2` still counts whole replicas: down until one instance of the lost
        // replica is back, then up and served by the whole one.
        let min2 = text.replace(r#"["a", "b"]"#, r#"["a", "b"], mode: ActiveActive(min: 2)"#);
        let o = play(&min2);
        assert!(close(o.downtime[web], 12.0), "{}", o.downtime[web]);
        assert_eq!(o.degraded[web], 0.0);
    }

    /// Every instance fails at 10 h (a fixed time to failure) and one crew repairs them
    /// in turn, 5 h each: down while all are failed, then degraded by the share still
    /// failed. The next failures come 10 h after each repair, past the horizon.
    #[test]
    fn hazards_fail_instances_and_a_crew_repairs_them_in_turn() {
        let text = r#"Scenario(name: "hz", horizon: "22h",
            sites: [(id: "a"), (id: "b")],
            services: [
                (id: "web", users: 30, replicas: ["a"], instances: 3,
                 hazards: [(mtbf: Uniform(min: "10h", max: "10h"), repair: "5h")]),
                (id: "front", replicas: ["b"], depends_on: ["web"]),
            ],
            recovery: (crews: 1))"#;
        let o = play(text);
        let (web, front) = (idx(text, "web"), idx(text, "front"));
        // Down 10-15 h; 2/3 lost 15-20 h, 1/3 lost 20-22 h.
        assert!(close(o.downtime[web], 5.0), "{}", o.downtime[web]);
        assert!(close(o.degraded[web], 7.0), "{}", o.degraded[web]);
        assert!(close(o.lost_share_hours[web], 5.0 * 2.0 / 3.0 + 2.0 / 3.0));
        assert!(close(o.restored_at[web], 15.0));
        assert!(close(o.downtime[front], 5.0));
        assert!(close(o.user_hours_lost[web], 30.0 * (5.0 + 4.0)));
    }

    /// A fleet rebuilt after its only site is destroyed comes up whole; when the rebuilt
    /// replica's site later goes down, its instances restart one by one like any
    /// replica's.
    #[test]
    fn a_rebuilt_fleet_comes_up_whole_then_restarts_like_any_replica() {
        let text = r#"Scenario(name: "rb", horizon: "100h",
            sites: [(id: "a"), (id: "b")],
            services: [(id: "web", users: 1, replicas: ["a"], instances: 4, restart: "2h",
                        rebuild: (to: ["b"], takes: "5h"))],
            events: [
                (name: "fire", site: "a", at: "0h", lasts: "90h", destroys: true),
                (name: "cut", site: "b", at: "20h", lasts: "10h"),
            ],
            recovery: (crews: 1))"#;
        let o = play(text);
        // Down 0-5 h (rebuild), 20-32 h (site b, then the first restart); degraded 32-38 h.
        assert!(close(o.downtime[0], 5.0 + 12.0), "{}", o.downtime[0]);
        assert!(close(o.degraded[0], 6.0), "{}", o.degraded[0]);
        assert!(close(o.lost_share_hours[0], 3.0));
        assert!(close(o.restored_at[0], 32.0));
    }

    /// A hazard failure takes its instance down in whichever replica serves: two whole
    /// ActiveActive replicas do not hide it.
    #[test]
    fn a_hazard_failure_is_the_instance_in_every_replica() {
        let text = r#"Scenario(name: "hz2", horizon: "12h",
            sites: [(id: "a"), (id: "b")],
            services: [(id: "web", users: 1, replicas: ["a", "b"], instances: 2,
                        hazards: [(mtbf: Uniform(min: "10h", max: "10h"), repair: "5h")])],
            recovery: (crews: 1))"#;
        let o = play(text);
        // Both instances fail at 10 h: down to the horizon, the crew's first repair
        // ending at 15 h.
        assert!(close(o.downtime[0], 2.0), "{}", o.downtime[0]);
        assert_eq!(o.degraded[0], 0.0);
    }
}

/// `instances: 1` is the single-instance engine: the same draws in the same order, so
/// the same outcome to the bit.
mod single_instance {
    use super::*;

    /// `text` with `instances: Some(1)` written into every service, base and variants,
    /// and the same scenario without it, both written by the same RON serializer.
    fn with_and_without(text: &str) -> (String, String) {
        let scenario =
            blastradius::scenario::parse("s.ron", text).unwrap_or_else(|e| panic!("{e}"));
        let without = ron::to_string(&scenario).unwrap();
        let mut with = scenario.clone();
        for s in with.services.iter_mut() {
            s.instances = Some(1);
        }
        for v in with.variants.iter_mut() {
            for s in v.services.iter_mut() {
                s.instances = Some(1);
            }
        }
        (ron::to_string(&with).unwrap(), without)
    }

    fn bits(o: &Outcome) -> Vec<u64> {
        let mut v: Vec<u64> = Vec::new();
        for x in [
            &o.downtime,
            &o.degraded,
            &o.lost_share_hours,
            &o.peak_lost_share,
            &o.user_hours_lost,
            &o.restored_at,
            &o.cause_hours,
            &o.curve,
        ] {
            v.extend(x.iter().map(|f| f.to_bits()));
        }
        v.push(o.total_user_hours_lost.to_bits());
        v.extend([
            o.services_affected as u64,
            o.peak_down as u64,
            o.deadlock as u64,
        ]);
        v
    }

    #[test]
    fn every_bundled_scenario_plays_bit_for_bit_the_same() {
        let mut checked = 0;
        for f in bundled_scenarios() {
            let text = std::fs::read_to_string(&f).unwrap();
            // A scenario with fleets of its own (nirs-2025) is not a single-instance one.
            if text.contains("instances:") {
                continue;
            }
            checked += 1;
            let (with, without) = with_and_without(&text);
            assert!(with.contains("instances:"), "{f:?}");
            let (a, b) = (
                load_str("a.ron", &with).unwrap(),
                load_str("b.ron", &without).unwrap(),
            );
            let models = std::iter::once((&a.model, &b.model)).chain(
                a.variants
                    .iter()
                    .map(|v| &v.model)
                    .zip(b.variants.iter().map(|v| &v.model)),
            );
            for (ma, mb) in models {
                let (ca, cb) = (Compiled::new(ma), Compiled::new(mb));
                assert!(!ca.has_fleet);
                assert!((0..ca.n_services()).all(|s| ca.instances(s) == 1));
                let (mut ta, mut tb) = (Trial::new(&ca), Trial::new(&cb));
                for i in 0..60 {
                    ta.run(ma.seed, i);
                    tb.run(mb.seed, i);
                    assert_eq!(bits(&ta.outcome), bits(&tb.outcome), "{f:?} trial {i}");
                }
            }
        }
        assert!(checked >= 3, "{checked} single-instance scenarios checked");
    }

    /// Through the command line: `run` writes the same JSON but for the file's hash.
    #[test]
    fn run_json_is_the_same_but_for_the_hash() {
        let text = std::fs::read_to_string(crate::util::example()).unwrap();
        let (with, without) = with_and_without(&text);
        let (_d1, a) = scenario_file(&with);
        let (_d2, b) = scenario_file(&without);
        let args = [
            "--trials",
            "200",
            "--threads",
            "2",
            "-q",
            "--format",
            "json",
        ];
        let ja = stdout(&[&["run", &a][..], &args].concat());
        let jb = stdout(&[&["run", &b][..], &args].concat());
        let strip = |j: &str| {
            let mut v: serde_json::Value = serde_json::from_str(j).unwrap();
            v["scenario"]["sha256"] = serde_json::Value::Null;
            v
        };
        assert_ne!(ja, jb);
        assert_eq!(strip(&ja), strip(&jb));
    }
}

/// Fleets on the command line: results independent of the thread count, and `whatif`
/// (permanent losses) unchanged by instances.
mod commands {
    use super::*;

    const FLEET: &str = r#"Scenario(name: "fleet", horizon: "30d", seed: 3,
        sites: [(id: "a"), (id: "b")],
        services: [
            (id: "web", users: 1000, replicas: ["a", "b"], instances: 50,
             restart: Exp(mean: "1h"),
             hazards: [(mtbf: "20d", repair: Exp(mean: "6h"))]),
            (id: "db", users: 10, replicas: ["a"], instances: 3, restart: "30m",
             mode: ActiveActive(min: 1)),
            (id: "app", users: 100, replicas: ["b"], depends_on: ["web", (on: "db", share: 0.5)]),
        ],
        events: [(name: "cut", site: "a", at: Uniform(min: "0h", max: "20d"), lasts: "12h")],
        recovery: (crews: 3))"#;

    #[test]
    fn run_is_the_same_on_one_and_two_threads() {
        let (_d, f) = scenario_file(FLEET);
        let one = stdout(&[
            "run",
            &f,
            "--trials",
            "300",
            "--threads",
            "1",
            "-q",
            "--format",
            "json",
        ]);
        let two = stdout(&[
            "run",
            &f,
            "--trials",
            "300",
            "--threads",
            "2",
            "-q",
            "--format",
            "json",
        ]);
        assert_eq!(one, two);
        let v: serde_json::Value = serde_json::from_str(&one).unwrap();
        let web = &v["services"][0];
        assert_eq!(web["id"], "web");
        // Degraded by instance failures and restarts, hardly ever down.
        assert!(
            web["degraded_hours"]["mean"].as_f64().unwrap() > 1.0,
            "{web}"
        );
    }

    #[test]
    fn whatif_does_not_depend_on_instances() {
        let single = FLEET
            .replace("instances: 50,", "")
            .replace("instances: 3,", "");
        let (_d1, a) = scenario_file(FLEET);
        let (_d2, b) = scenario_file(&single);
        let strip = |f: &str| {
            let mut v: serde_json::Value =
                serde_json::from_str(&stdout(&["whatif", f, "--format", "json"])).unwrap();
            v["scenario"]["sha256"] = serde_json::Value::Null;
            v
        };
        assert_eq!(strip(&a), strip(&b));
    }
}

/// `instances` out of range: exit code 2 and a message at its line and column.
mod validation {
    use super::*;

    fn rejects(text: &str, at: &str, field: &str, words: &[&str]) {
        let (_d, f) = scenario_file(text);
        let out = bin().args(["validate", &f]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        let prefix = format!("error: {f}:{at}: `{field}`: ");
        let line = stderr
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{stderr}"));
        for w in words {
            assert!(line.contains(w), "{w:?} missing from {line:?}");
        }
    }

    #[test]
    fn zero_instances_is_an_error_at_the_field() {
        rejects(
            "Scenario(name: \"x\", horizon: \"1d\",\n  sites: [(id: \"a\")],\n  services: [\n    (id: \"ok\", replicas: [\"a\"]),\n    (id: \"web\", replicas: [\"a\"],\n     instances: 0),\n  ])\n",
            "6:6",
            "services[web].instances",
            &["at least 1"],
        );
    }

    #[test]
    fn too_many_instances_is_an_error_with_the_bound() {
        rejects(
            "Scenario(name: \"x\", horizon: \"1d\", sites: [(id: \"a\")],\n  services: [(id: \"web\", replicas: [\"a\"], instances: 1000001)])\n",
            "2:43",
            "services[web].instances",
            &["at most 1,000,000", "1,000,001"],
        );
    }

    #[test]
    fn too_many_instance_copies_in_all_is_an_error_at_the_service_past_the_bound() {
        // 100 services of 1,000,000 instances are 10^8 copies, the most allowed; the
        // 101st is one too many.
        let mut text = String::from(
            "Scenario(name: \"x\", horizon: \"1d\", sites: [(id: \"a\")],\n  services: [\n",
        );
        for i in 0..101 {
            text.push_str(&format!(
                "    (id: \"s{i}\", replicas: [\"a\"], instances: 1000000),\n"
            ));
        }
        text.push_str("  ])\n");
        rejects(
            &text,
            "103:35",
            "services[s100].instances",
            &["100,000,000"],
        );
    }

    #[test]
    fn a_negative_or_fractional_count_is_a_parse_error_on_its_line() {
        // A fractional count gets RON's own message, as for `users: 2.5`; it is still
        // located on its line.
        for (v, words) in [("-1", &["instances", "whole number"][..]), ("2.5", &[][..])] {
            let text = format!(
                "Scenario(name: \"x\", horizon: \"1d\", sites: [(id: \"a\")],\n  services: [(id: \"web\", replicas: [\"a\"], instances: {v})])\n"
            );
            let (_d, f) = scenario_file(&text);
            let out = bin().args(["validate", &f]).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{stderr}");
            assert!(stderr.starts_with(&format!("error: {f}:2:")), "{stderr}");
            for w in words {
                assert!(stderr.contains(w), "{w:?} missing from {stderr}");
            }
        }
    }
}

/// Random small scenarios with fleets and everything else the format has
/// (`util::random_scenario`): the engine never panics (an instance count that went below
/// zero would, in this debug build), and every outcome stays within its bounds.
mod random {
    use super::*;
    use crate::util::random_scenario;

    #[test]
    fn outcomes_are_bounded_and_finite() {
        let mut fleets = 0;
        for seed in 0..150 {
            let text = random_scenario(seed);
            let loaded = load_str("r.ron", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            let c = Compiled::new(&loaded.model);
            fleets += c.has_fleet as u32;
            let mut t = Trial::new(&c);
            let h = c.horizon;
            let tol = 1e-9 * h;
            for i in 0..12 {
                t.run(seed, i);
                let o = &t.outcome;
                for s in 0..c.n_services() {
                    let (d, g) = (o.downtime[s], o.degraded[s]);
                    let at = || format!("seed {seed} trial {i} s{s}:\n{text}");
                    assert!(
                        (0.0..=h + tol).contains(&d) && (0.0..=h + tol).contains(&g),
                        "{}",
                        at()
                    );
                    assert!(d + g <= h + tol, "{}", at());
                    assert!(o.lost_share_hours[s] <= g + tol, "{}", at());
                    assert!((0.0..=1.0).contains(&o.peak_lost_share[s]), "{}", at());
                    assert_eq!(o.restored_at[s].is_nan(), d == 0.0, "{}", at());
                    assert!(o.user_hours_lost[s].is_finite(), "{}", at());
                }
                let causes: f64 = o.cause_hours.iter().sum();
                let down: f64 = o.downtime.iter().sum();
                assert!((causes - down).abs() <= tol * 10.0);
                assert!(o.curve.iter().all(|a| (0.0..=1.0).contains(a)));
            }
        }
        assert!(fleets > 100, "{fleets} of 150 scenarios have a fleet");
    }
}
