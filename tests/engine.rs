//! The engine against closed forms (issue: Monte Carlo engine). Each case is a small
//! scenario whose answer is known exactly; deterministic cases assert to 1e-9 hours,
//! stochastic ones within 4 standard errors of the trial mean (a false alarm about once in
//! 16,000 runs for each assertion) plus any stated bias bound.

use blastradius::model::load_str;
use blastradius::sim::{Compiled, Trial};

fn compile(text: &str) -> Compiled {
    let loaded = load_str("test.ron", text).unwrap_or_else(|e| panic!("{e}"));
    Compiled::new(&loaded.model)
}

fn idx(text: &str, id: &str) -> usize {
    load_str("test.ron", text)
        .unwrap()
        .model
        .service_index(id)
        .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Mean and standard error of `f(outcome)` over `n` trials.
fn mean_se(
    c: &Compiled,
    n: u64,
    seed: u64,
    f: impl Fn(&blastradius::sim::Outcome) -> f64,
) -> (f64, f64) {
    let mut t = Trial::new(c);
    let (mut s, mut s2) = (0.0, 0.0);
    for i in 0..n {
        t.run(seed, i);
        let x = f(&t.outcome);
        s += x;
        s2 += x * x;
    }
    let m = s / n as f64;
    let var = (s2 / n as f64 - m * m) * n as f64 / (n as f64 - 1.0);
    (m, (var.max(0.0) / n as f64).sqrt())
}

mod deterministic {
    use super::*;

    const FIRE: &str = r#"Scenario(
        name: "fire", horizon: "100h",
        sites: [(id: "a", kind: DataCenter), (id: "b", kind: DataCenter)],
        services: [
            (id: "db", users: 10, replicas: ["a"]),
            (id: "app", users: 100, replicas: ["b"], depends_on: ["db"]),
            (id: "web", users: 1000, replicas: ["b"], depends_on: ["app"]),
            (id: "replicated", users: 5, replicas: ["a", "b"]),
        ],
        events: [(name: "fire", site: "a", at: "2h", lasts: "10h")],
    )"#;

    #[test]
    fn fixed_fire_gives_exact_downtime_to_dependents_and_none_to_replicated() {
        let c = compile(FIRE);
        let mut t = Trial::new(&c);
        t.run(1, 0);
        let o = &t.outcome;
        for id in ["db", "app", "web"] {
            let s = idx(FIRE, id);
            assert!(close(o.downtime[s], 10.0), "{id}: {}", o.downtime[s]);
            assert!(close(o.restored_at[s], 12.0));
        }
        let r = idx(FIRE, "replicated");
        assert_eq!(o.downtime[r], 0.0);
        assert!(o.restored_at[r].is_nan());
        assert!(close(
            o.total_user_hours_lost,
            10.0 * (10.0 + 100.0 + 1000.0)
        ));
        assert_eq!(o.services_affected, 3);
        assert_eq!(o.peak_down, 3);
        // Causes: db its own failure, app through db, web through app.
        assert!(close(
            o.cause_hours[c.cause_offsets[idx(FIRE, "db")] as usize],
            10.0
        ));
        assert!(close(
            o.cause_hours[c.cause_offsets[idx(FIRE, "app")] as usize + 1],
            10.0
        ));
        assert!(close(
            o.cause_hours[c.cause_offsets[idx(FIRE, "web")] as usize + 1],
            10.0
        ));
    }

    fn grace_case(lasts: &str) -> (f64, f64) {
        let text = format!(
            r#"Scenario(name: "grace", horizon: "100h",
            sites: [(id: "a"), (id: "b")],
            services: [
                (id: "store", replicas: ["a"]),
                (id: "app", users: 1, replicas: ["b"], depends_on: [(on: "store", grace: "1h")]),
            ],
            events: [(name: "cut", site: "a", at: "5h", lasts: "{lasts}")])"#
        );
        let c = compile(&text);
        let mut t = Trial::new(&c);
        t.run(1, 0);
        let app = idx(&text, "app");
        (t.outcome.downtime[app], t.outcome.restored_at[app])
    }

    #[test]
    fn grace_hides_a_short_outage_and_shortens_a_long_one_by_exactly_the_grace() {
        let (d, r) = grace_case("45m");
        assert_eq!(d, 0.0);
        assert!(r.is_nan());
        let (d, r) = grace_case("6h");
        assert!(close(d, 5.0), "{d}");
        assert!(close(r, 11.0));
        // Exactly the grace: "longer than grace" is never reached.
        let (d, _) = grace_case("1h");
        assert!(close(d, 0.0), "{d}");
    }

    #[test]
    fn partial_shares_combine_as_one_minus_product() {
        let text = r#"Scenario(name: "partial", horizon: "100h",
            sites: [(id: "a"), (id: "b"), (id: "c")],
            services: [
                (id: "push", replicas: ["a"]),
                (id: "media", replicas: ["b"]),
                (id: "chat", users: 1000, replicas: ["c"],
                 depends_on: [(on: "push", share: 0.3), (on: "media", share: 0.5)]),
            ],
            events: [
                (name: "a out", site: "a", at: "0h", lasts: "10h"),
                (name: "b out", site: "b", at: "4h", lasts: "10h"),
            ])"#;
        let c = compile(text);
        let mut t = Trial::new(&c);
        t.run(1, 0);
        let chat = idx(text, "chat");
        let o = &t.outcome;
        // 0-4h: 0.3 lost; 4-10h: 1-(0.7*0.5)=0.65; 10-14h: 0.5.
        let lost = 4.0 * 0.3 + 6.0 * 0.65 + 4.0 * 0.5;
        assert_eq!(o.downtime[chat], 0.0);
        assert!(close(o.degraded[chat], 14.0));
        // Its worst moment: both partial dependencies down, 4-10h.
        assert!(close(o.peak_lost_share[chat], 0.65));
        assert_eq!(o.peak_lost_share[idx(text, "push")], 1.0);
        assert!(
            close(o.user_hours_lost[chat], 1000.0 * lost),
            "{}",
            o.user_hours_lost[chat]
        );
    }

    #[test]
    fn standby_failover_with_fixed_delay() {
        let text = r#"Scenario(name: "failover", horizon: "100h",
            sites: [(id: "main"), (id: "standby")],
            services: [
                (id: "login", users: 10, replicas: ["main", "standby"],
                 mode: ActiveStandby(failover: "2h", success: 1.0)),
            ],
            events: [(name: "out", site: "main", at: "1h", lasts: "30h")])"#;
        let c = compile(text);
        let mut t = Trial::new(&c);
        t.run(1, 0);
        assert!(close(t.outcome.downtime[0], 2.0));
        assert!(close(t.outcome.restored_at[0], 3.0));
        // A failover that always fails: down until the main site returns.
        let failing = text.replace("success: 1.0", "success: 0.0");
        let c = compile(&failing);
        let mut t = Trial::new(&c);
        t.run(1, 0);
        assert!(close(t.outcome.downtime[0], 30.0));
    }

    #[test]
    fn crews_restore_by_users() {
        let text = r#"Scenario(name: "crews", horizon: "100h",
            sites: [(id: "dc")],
            services: [
                (id: "small", users: 1, replicas: ["dc"], restart: "1h"),
                (id: "big", users: 100, replicas: ["dc"], restart: "1h"),
                (id: "mid", users: 10, replicas: ["dc"], restart: "1h"),
            ],
            events: [(name: "out", site: "dc", at: "0h", lasts: "10h")],
            recovery: (crews: 1, order: ByUsers))"#;
        let c = compile(text);
        let mut t = Trial::new(&c);
        t.run(1, 0);
        let r = |id| t.outcome.restored_at[idx(text, id)];
        assert!(close(r("big"), 11.0));
        assert!(close(r("mid"), 12.0));
        assert!(close(r("small"), 13.0));
        let by_order = text.replace("ByUsers", "ByOrder");
        let c = compile(&by_order);
        let mut t = Trial::new(&c);
        t.run(1, 0);
        let r = |id| t.outcome.restored_at[idx(&by_order, id)];
        assert!(close(r("small"), 11.0));
        assert!(close(r("big"), 12.0));
        assert!(close(r("mid"), 13.0));
    }

    fn deadlock_case(bootstrap: &str) -> (f64, f64, bool) {
        let text = format!(
            r#"Scenario(name: "deadlock", horizon: "100h",
            sites: [(id: "dc")],
            services: [
                (id: "dns", users: 1, replicas: ["dc"], restart: "1h", recovery_needs: ["tools"]),
                (id: "tools", users: 1, replicas: ["dc"], restart: "1h", recovery_needs: ["dns"]),
            ],
            events: [(name: "out", site: "dc", at: "0h", lasts: "10h")],
            recovery: ({bootstrap}))"#
        );
        let c = compile(&text);
        let mut t = Trial::new(&c);
        t.run(1, 0);
        (
            t.outcome.restored_at[0],
            t.outcome.restored_at[1],
            t.outcome.deadlock,
        )
    }

    #[test]
    fn recovery_deadlock_released_exactly_after_bootstrap() {
        // Blocked at 10h when the site returns, which is when the cycle forms: both bypass
        // at 10 + 12 = 22h; 1h restart.
        let (a, b, dl) = deadlock_case("bootstrap: \"12h\"");
        assert!(close(a, 23.0) && close(b, 23.0), "{a} {b}");
        assert!(dl);
        // Without bootstrap they stay down to the horizon.
        let (a, b, dl) = deadlock_case("");
        assert!(close(a, 100.0) && close(b, 100.0), "{a} {b}");
        assert!(dl);
    }

    /// `dns` and `tools` each need the other to restart, in two sites. `first` goes down
    /// 0–10 h, `second` 5–20 h: `first`'s service is blocked from 10 h (its need is
    /// down with its site, which waits for nobody: no deadlock yet); the cycle forms at
    /// 20 h when `second`'s service comes back to a blocked restart of its own.
    fn late_cycle_case(first: &str, second: &str) -> (f64, f64) {
        let text = format!(
            r#"Scenario(name: "late cycle", horizon: "100h",
            sites: [(id: "a"), (id: "b")],
            services: [
                (id: "dns", users: 1, replicas: ["a"], restart: "1h", recovery_needs: ["tools"]),
                (id: "tools", users: 1, replicas: ["b"], restart: "1h", recovery_needs: ["dns"]),
            ],
            events: [
                (name: "one", site: "{first}", at: "0h", lasts: "10h"),
                (name: "two", site: "{second}", at: "5h", lasts: "15h"),
            ],
            recovery: (bootstrap: "12h"))"#
        );
        let c = compile(&text);
        let mut t = Trial::new(&c);
        t.run(1, 0);
        assert!(t.outcome.deadlock);
        (t.outcome.restored_at[0], t.outcome.restored_at[1])
    }

    /// The bootstrap clock starts when the wait cycle forms (20 h), not when the first
    /// task became blocked (10 h): both bypass at 20 + 12 = 32 h and restart in 1 h. A
    /// clock started at the first block would restore the early one at 10 + 12 + 1 = 23 h
    /// and the other at 24 h. Both orders of the two outages give the same times.
    #[test]
    fn bootstrap_clock_starts_when_the_cycle_forms() {
        let (dns, tools) = late_cycle_case("a", "b");
        assert!(close(dns, 33.0) && close(tools, 33.0), "{dns} {tools}");
        let (dns, tools) = late_cycle_case("b", "a");
        assert!(close(dns, 33.0) && close(tools, 33.0), "{dns} {tools}");
    }

    #[test]
    fn dependency_cycle_of_running_services_stays_up() {
        let text = r#"Scenario(name: "cycle", horizon: "100h",
            sites: [(id: "a"), (id: "b")],
            services: [
                (id: "x", users: 1, replicas: ["a"], depends_on: ["y"]),
                (id: "y", users: 1, replicas: ["b"], depends_on: ["x"]),
            ],
            events: [(name: "out", site: "a", at: "1h", lasts: "2h")])"#;
        let c = compile(text);
        let mut t = Trial::new(&c);
        t.run(1, 0);
        assert!(close(t.outcome.downtime[0], 2.0));
        assert!(close(t.outcome.downtime[1], 2.0));
        assert!(close(t.outcome.restored_at[1], 3.0));
    }

    #[test]
    fn destroyed_site_is_rebuilt_elsewhere() {
        let text = r#"Scenario(name: "rebuild", horizon: "100h",
            sites: [(id: "a"), (id: "b")],
            services: [
                (id: "store", users: 1, replicas: ["a"],
                 rebuild: (to: ["a", "b"], takes: "20h")),
            ],
            events: [(name: "fire", site: "a", at: "0h", lasts: "50h", destroys: true)])"#;
        let c = compile(text);
        let mut t = Trial::new(&c);
        t.run(1, 0);
        // "a" is destroyed, so the rebuild goes to "b" at once and takes 20h.
        assert!(
            close(t.outcome.downtime[0], 20.0),
            "{}",
            t.outcome.downtime[0]
        );
    }
}

mod steady_state {
    //! Alternating renewal processes with exponential times: a component is down a
    //! long-run fraction U = MTTR / (MTBF + MTTR). Over a horizon H starting from "all up"
    //! the expected down fraction is below U by at most U·τ/H with τ = 1/(λ + μ), the
    //! relaxation time; that bias bound is added to the 4-standard-error tolerance.
    use super::*;

    const MTBF: f64 = 100.0;
    const MTTR: f64 = 10.0;
    const H: f64 = 20_000.0;
    const N: u64 = 200;

    fn u() -> f64 {
        MTTR / (MTBF + MTTR)
    }

    fn bias() -> f64 {
        u() * (1.0 / (1.0 / MTBF + 1.0 / MTTR)) / H
    }

    fn sites(n: usize) -> String {
        (0..n)
            .map(|i| {
                format!(
                    r#"(id: "s{i}", hazards: [(mtbf: "{MTBF}h", repair: Exp(mean: "{MTTR}h"))])"#
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn check(name: &str, text: &str, service: &str, expected: f64) {
        let c = compile(text);
        let s = idx(text, service);
        let (m, se) = mean_se(&c, N, 42, |o| o.downtime[s] / H);
        let tol = 4.0 * se + bias();
        eprintln!("{name}: mean {m:.6} expected {expected:.6} se {se:.6}");
        assert!(
            (m - expected).abs() <= tol,
            "{name}: mean {m} vs {expected} (tolerance {tol})"
        );
    }

    #[test]
    fn service_hazard_unavailability_is_mttr_over_mtbf_plus_mttr() {
        let text = format!(
            r#"Scenario(name: "hazard", horizon: "{H}h", sites: [(id: "a")],
            services: [(id: "x", users: 1, replicas: ["a"],
                        hazards: [(mtbf: "{MTBF}h", repair: Exp(mean: "{MTTR}h"))])])"#
        );
        check("service hazard", &text, "x", u());
    }

    #[test]
    fn series_chain() {
        let text = format!(
            r#"Scenario(name: "chain", horizon: "{H}h", sites: [{}],
            services: [
                (id: "c", replicas: ["s2"]),
                (id: "b", replicas: ["s1"], depends_on: ["c"]),
                (id: "a", users: 1, replicas: ["s0"], depends_on: ["b"]),
            ])"#,
            sites(3)
        );
        check("series", &text, "a", 1.0 - (1.0 - u()).powi(3));
    }

    #[test]
    fn one_of_two_active_active() {
        let text = format!(
            r#"Scenario(name: "1oo2", horizon: "{H}h", sites: [{}],
            services: [(id: "x", users: 1, replicas: ["s0", "s1"])])"#,
            sites(2)
        );
        check("1-of-2", &text, "x", u() * u());
    }

    #[test]
    fn two_of_three_active_active() {
        let text = format!(
            r#"Scenario(name: "2oo3", horizon: "{H}h", sites: [{}],
            services: [(id: "x", users: 1, replicas: ["s0", "s1", "s2"], mode: ActiveActive(min: 2))])"#,
            sites(3)
        );
        let u = u();
        check("2-of-3", &text, "x", 3.0 * u * u * (1.0 - u) + u * u * u);
    }

    #[test]
    fn shared_site_is_a_common_cause() {
        let text = format!(
            r#"Scenario(name: "common", horizon: "{H}h", sites: [{}],
            services: [(id: "x", users: 1, replicas: ["s0"]), (id: "y", users: 1, replicas: ["s0"])])"#,
            sites(1)
        );
        let c = compile(&text);
        let mut t = Trial::new(&c);
        for i in 0..20 {
            t.run(3, i);
            // Exactly together, in every trial.
            assert_eq!(t.outcome.downtime[0], t.outcome.downtime[1]);
            assert_eq!(t.outcome.services_affected, 2);
        }
        check("common cause", &text, "y", u());
    }
}

mod overrides {
    //! Counterfactual switches used by the analyses, on the fixed-fire scenario.
    use super::*;

    const FIRE: &str = r#"Scenario(
        name: "fire", horizon: "100h",
        sites: [(id: "a"), (id: "b"), (id: "b/room", parent: "b")],
        services: [
            (id: "db", users: 10, replicas: ["a"]),
            (id: "app", users: 100, replicas: ["b/room"], depends_on: ["db"]),
        ],
        events: [(name: "fire", site: "a", at: "2h", lasts: "10h")],
    )"#;

    #[test]
    fn a_service_that_never_goes_down_shields_its_dependents() {
        let mut c = compile(FIRE);
        c.overrides.never_down[0] = true;
        let mut t = Trial::new(&c);
        t.run(1, 0);
        assert_eq!(t.outcome.downtime, vec![0.0, 0.0]);
    }

    #[test]
    fn a_site_that_never_fails_and_one_always_down() {
        let mut c = compile(FIRE);
        c.overrides.site_never_fails[0] = true;
        let mut t = Trial::new(&c);
        t.run(1, 0);
        assert_eq!(t.outcome.total_user_hours_lost, 0.0);
        let mut c = compile(FIRE);
        c.overrides.site_always_down[1] = true; // "b", the parent of app's room
        let mut t = Trial::new(&c);
        t.run(1, 0);
        assert!(close(t.outcome.downtime[1], 100.0));
        assert!(close(t.outcome.downtime[0], 10.0));
    }

    /// A site that never fails loses its background hazards too, not only its events,
    /// and the other sites' hazards are drawn exactly as in the base (paired trials):
    /// with `a` never failing, `x` (in `a`) is never down and `y` (in `b`) is down for
    /// the same hours as in the base, trial by trial.
    #[test]
    fn a_site_that_never_fails_has_no_hazards_and_the_rest_stay_paired() {
        let text = r#"Scenario(name: "hazards", horizon: "1000h",
            sites: [
                (id: "a", hazards: [(mtbf: Exp(mean: "50h"), repair: Exp(mean: "5h"))]),
                (id: "b", hazards: [(mtbf: Exp(mean: "80h"), repair: Exp(mean: "8h"))]),
            ],
            services: [
                (id: "x", users: 10, replicas: ["a"]),
                (id: "y", users: 10, replicas: ["b"]),
            ])"#;
        let base = compile(text);
        let mut never = compile(text);
        never.overrides.site_never_fails[0] = true;
        let (mut tb, mut tn) = (Trial::new(&base), Trial::new(&never));
        let mut base_x = 0.0;
        for i in 0..50 {
            tb.run(3, i);
            tn.run(3, i);
            base_x += tb.outcome.downtime[0];
            assert_eq!(tn.outcome.downtime[0], 0.0, "trial {i}");
            assert_eq!(tn.outcome.downtime[1], tb.outcome.downtime[1], "trial {i}");
        }
        // The base does lose x to its hazard (about 1000 / 55 failures of 5 h per trial).
        assert!(base_x > 0.0);
    }
}

mod common_random_numbers {
    //! A variant that only rewrites a duration in another form with the same values
    //! must not move any random draw.
    use super::*;

    /// `x` restarts after each outage of its site (a fixed event, then site hazards), and
    /// has a hazard of its own drawn from its stream after each restart. The variant
    /// writes the restart `"1h"` as `Uniform(min: "1h", max: "1h")`: every trial must
    /// give byte-identical per-service figures. (With a fixed value that drew no random
    /// number, the hazard draws after the first restart would shift and differ.)
    #[test]
    fn a_fixed_duration_and_its_uniform_twin_give_identical_trials() {
        let text = r#"Scenario(name: "crn", horizon: "2000h",
            sites: [(id: "a", hazards: [(mtbf: Exp(mean: "200h"), repair: Exp(mean: "3h"))])],
            services: [
                (id: "x", users: 10, replicas: ["a"], restart: "1h",
                 hazards: [(mtbf: Exp(mean: "100h"), repair: LogNormal(median: "2h", p95: "6h"))]),
                (id: "y", users: 5, replicas: ["a"], depends_on: [(on: "x", share: 0.5)]),
            ],
            events: [(name: "cut", site: "a", at: "5h", lasts: "3h")],
            variants: [(name: "same restart, other form", services: [
                (id: "x", users: 10, replicas: ["a"], restart: Uniform(min: "1h", max: "1h"),
                 hazards: [(mtbf: Exp(mean: "100h"), repair: LogNormal(median: "2h", p95: "6h"))]),
            ])],
        )"#;
        let loaded = load_str("crn.ron", text).unwrap_or_else(|e| panic!("{e}"));
        let base = Compiled::new(&loaded.model);
        let variant = Compiled::new(&loaded.variants[0].model);
        let (mut tb, mut tv) = (Trial::new(&base), Trial::new(&variant));
        let mut restarts_seen = 0.0;
        for i in 0..200 {
            tb.run(9, i);
            tv.run(9, i);
            let (b, v) = (&tb.outcome, &tv.outcome);
            for s in 0..2 {
                assert_eq!(b.downtime[s].to_bits(), v.downtime[s].to_bits(), "trial {i}");
                assert_eq!(b.degraded[s].to_bits(), v.degraded[s].to_bits(), "trial {i}");
                assert_eq!(b.user_hours_lost[s].to_bits(), v.user_hours_lost[s].to_bits());
                assert_eq!(b.restored_at[s].to_bits(), v.restored_at[s].to_bits());
            }
            restarts_seen += b.downtime[0];
        }
        assert!(restarts_seen > 0.0);
    }
}
