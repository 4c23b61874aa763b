//! Property tests of the engine's invariants on generated small scenarios (proptest).
//!
//! Comparisons run the base and a changed scenario on the same (seed, trial index), so the
//! random numbers are paired, and assert trial by trial. Each property runs 64 cases
//! (debug builds stay fast);
//! `PROPTEST_CASES=1000 cargo test --release --test it invariants::` runs more.
//!
//! Two generators:
//! - [`any_scenario`]: everything the format allows at small size (site hazards, service
//!   hazards, both modes, random distributions, rebuild, crews, bootstrap), for the
//!   invariants that always hold: bounds, finiteness, thread-count independence, and a
//!   dependency written as alternatives of one (`AnyOf(["x"])`) playing as itself.
//! - [`monotone_scenario`]: the subset on which "making things better never makes the
//!   loss worse" is a theorem of the model, restricted for two kinds of reasons:
//!   * pairing: a service's random stream serves its restarts, failovers and hazards in
//!     the order they happen, and the trial stream serves events then site hazards; a
//!     change that skips a draw shifts every later draw, so the two runs would no longer
//!     see the same numbers. So service durations are fixed (a fixed value is the same
//!     wherever its stream stands), there are no hazards, and (b) removes the last event;
//!   * true non-monotonicity of the model (not engine bugs): a destroying event can
//!     shorten an outage, since it starts a `rebuild` elsewhere that may finish before
//!     the site would have come back (found by this test: a site down for 23 h, or
//!     destroyed at once and rebuilt in 6 h); with `crews`, helping one
//!     service can give it a crew that a bigger one was using; with `bootstrap`, a
//!     recovery need that comes up briefly ends a blocked episode and restarts its
//!     bootstrap clock; `ActiveStandby` has no automatic failback, so a failover that
//!     succeeds earlier can leave the service on a replica that fails later. So the
//!     monotone generator has no rebuild, no crews, no bootstrap and only `ActiveActive`
//!     services.

use blastradius::model::{load_str, Model};
use blastradius::sim::{Compiled, Trial};
use proptest::prelude::*;

const CASES: u32 = 64;

/// `PROPTEST_CASES` if set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
/// Trials compared per case.
const TRIALS: u64 = 12;

#[derive(Debug, Clone)]
struct Dep {
    on: usize,
    /// A second alternative: the dependency is `AnyOf([on, or])`.
    or: Option<usize>,
    share: f64,
    grace_h: f64,
}

#[derive(Debug, Clone)]
struct Svc {
    users: u64,
    replicas: Vec<usize>,
    /// `None`: ActiveActive(min); `Some`: ActiveStandby with this success.
    standby: Option<f64>,
    min: usize,
    restart: String,
    rebuild: Option<usize>,
    deps: Vec<Dep>,
    needs: Vec<usize>,
    hazard: Option<(String, String)>,
}

#[derive(Debug, Clone)]
struct Event {
    site: usize,
    at: String,
    lasts: String,
    probability: f64,
    destroys: bool,
    then: Vec<Event>,
}

#[derive(Debug, Clone)]
struct Gen {
    /// Parent of each site (an earlier site), or `None` for a root.
    sites: Vec<Option<usize>>,
    site_hazard: Vec<Option<(String, String)>>,
    services: Vec<Svc>,
    events: Vec<Event>,
    crews: Option<u64>,
    bootstrap: Option<String>,
    seed: u64,
    /// Write every dependency as alternatives of one (`AnyOf(["x"])`), which must play
    /// exactly as the dependency itself.
    any_of_one: bool,
}

impl Gen {
    fn to_ron(&self) -> String {
        let mut t = format!(
            "Scenario(name: \"generated\", horizon: \"10d\", seed: {}, sites: [\n",
            self.seed
        );
        for (i, p) in self.sites.iter().enumerate() {
            t.push_str(&format!("  (id: \"site{i}\""));
            if let Some(p) = p {
                t.push_str(&format!(", parent: \"site{p}\""));
            }
            if let Some((m, r)) = &self.site_hazard[i] {
                t.push_str(&format!(", hazards: [(mtbf: {m}, repair: {r})]"));
            }
            t.push_str("),\n");
        }
        t.push_str("], services: [\n");
        for (i, s) in self.services.iter().enumerate() {
            let replicas: Vec<String> = s.replicas.iter().map(|r| format!("\"site{r}\"")).collect();
            t.push_str(&format!(
                "  (id: \"svc{i}\", users: {}, replicas: [{}], restart: {}",
                s.users,
                replicas.join(", "),
                s.restart
            ));
            match s.standby {
                None => t.push_str(&format!(", mode: ActiveActive(min: {})", s.min)),
                Some(p) => t.push_str(&format!(
                    ", mode: ActiveStandby(failover: Exp(mean: \"2h\"), success: {p:?})"
                )),
            }
            if let Some(r) = s.rebuild {
                t.push_str(&format!(", rebuild: (to: [\"site{r}\"], takes: \"6h\")"));
            }
            let deps: Vec<String> = s
                .deps
                .iter()
                .map(|d| {
                    let on = match d.or {
                        Some(y) => format!("AnyOf([\"svc{}\", \"svc{y}\"])", d.on),
                        None if self.any_of_one => format!("AnyOf([\"svc{}\"])", d.on),
                        None => format!("\"svc{}\"", d.on),
                    };
                    format!(
                        "(on: {on}, share: {:?}, grace: \"{}h\")",
                        d.share, d.grace_h
                    )
                })
                .collect();
            t.push_str(&format!(", depends_on: [{}]", deps.join(", ")));
            let needs: Vec<String> = s.needs.iter().map(|n| format!("\"svc{n}\"")).collect();
            t.push_str(&format!(", recovery_needs: [{}]", needs.join(", ")));
            if let Some((m, r)) = &s.hazard {
                t.push_str(&format!(", hazards: [(mtbf: {m}, repair: {r})]"));
            }
            t.push_str("),\n");
        }
        t.push_str("], events: [\n");
        fn event(e: &Event, top: bool, t: &mut String) {
            t.push_str(&format!(
                "(name: \"e\", site: \"site{}\", {}: {}, lasts: {}, probability: {:?}, destroys: {}, then: [",
                e.site,
                if top { "at" } else { "after" },
                e.at,
                e.lasts,
                e.probability,
                e.destroys
            ));
            for f in &e.then {
                event(f, false, t);
                t.push_str(", ");
            }
            t.push_str("])");
        }
        for e in &self.events {
            event(e, true, &mut t);
            t.push_str(",\n");
        }
        t.push_str("], recovery: (");
        if let Some(c) = self.crews {
            t.push_str(&format!("crews: {c}, "));
        }
        if let Some(b) = &self.bootstrap {
            t.push_str(&format!("bootstrap: {b}"));
        }
        t.push_str("))\n");
        t
    }

    fn model(&self) -> Model {
        let text = self.to_ron();
        match load_str("generated.ron", &text) {
            Ok(l) => l.model,
            Err(e) => panic!("generated scenario is invalid: {e}\n{text}"),
        }
    }
}

/// Total user-hours lost of trials `0..TRIALS`.
fn totals(m: &Model) -> Vec<f64> {
    let c = Compiled::new(m);
    let mut t = Trial::new(&c);
    (0..TRIALS)
        .map(|i| {
            t.run(m.seed, i);
            t.outcome.total_user_hours_lost
        })
        .collect()
}

fn not_worse(base: &[f64], better: &[f64]) -> Result<(), TestCaseError> {
    for (i, (b, v)) in base.iter().zip(better).enumerate() {
        // Sums of the same durations in another order differ by rounding only.
        let tol = 1e-9 * b.abs().max(1.0);
        prop_assert!(*v <= b + tol, "trial {i}: {v} > {b}");
    }
    Ok(())
}

fn fixed_duration() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"0h\"".to_string()),
        Just("\"30m\"".to_string()),
        Just("\"3h\"".to_string()),
        Just("\"1d\"".to_string()),
    ]
}

fn random_duration() -> impl Strategy<Value = String> {
    prop_oneof![
        fixed_duration(),
        Just("Exp(mean: \"5h\")".to_string()),
        Just("Uniform(min: \"1h\", max: \"2d\")".to_string()),
        Just("Triangular(min: \"0h\", mode: \"2h\", max: \"1d\")".to_string()),
        Just("LogNormal(median: \"4h\", p95: \"40h\")".to_string()),
        Just("Weibull(shape: 0.7, scale: \"10h\")".to_string()),
        Just("Empirical([\"0h\", \"3h\", \"5d\"])".to_string()),
    ]
}

fn sites() -> impl Strategy<Value = Vec<Option<usize>>> {
    // A forest: each site's parent, if any, is an earlier site.
    (1usize..=5).prop_flat_map(|n| {
        (0..n)
            .map(|i| {
                if i == 0 {
                    Just(None).boxed()
                } else {
                    prop_oneof![Just(None), (0..i).prop_map(Some)].boxed()
                }
            })
            .collect::<Vec<_>>()
    })
}

fn event(n_sites: usize, durations: BoxedStrategy<String>) -> impl Strategy<Value = Event> {
    let leaf = (
        0..n_sites,
        durations.clone(),
        durations.clone(),
        prop_oneof![Just(1.0), Just(0.5), Just(0.0)],
        proptest::bool::weighted(0.2),
    )
        .prop_map(|(site, at, lasts, probability, destroys)| Event {
            site,
            at,
            lasts,
            probability,
            destroys,
            then: Vec::new(),
        });
    leaf.prop_recursive(2, 4, 2, move |inner| {
        (
            0..n_sites,
            durations.clone(),
            durations.clone(),
            prop_oneof![Just(1.0), Just(0.5)],
            proptest::bool::weighted(0.2),
            proptest::collection::vec(inner, 0..=2),
        )
            .prop_map(|(site, at, lasts, probability, destroys, then)| Event {
                site,
                at,
                lasts,
                probability,
                destroys,
                then,
            })
    })
}

/// `general`: everything; otherwise the monotone subset (see the module docs).
fn scenario(general: bool) -> impl Strategy<Value = Gen> {
    sites().prop_flat_map(move |sites| {
        let ns = sites.len();
        let durations = if general {
            random_duration().boxed()
        } else {
            fixed_duration().boxed()
        };
        let event_durations = random_duration().boxed();
        let hazard = move || {
            if general {
                proptest::option::weighted(
                    0.3,
                    (
                        prop_oneof![
                            Just("\"3d\"".to_string()),
                            Just("Exp(mean: \"1d\")".to_string())
                        ],
                        random_duration(),
                    ),
                )
                .boxed()
            } else {
                Just(None).boxed()
            }
        };
        let service = move |n_services: usize| {
            (
                0u64..1000,
                proptest::sample::subsequence((0..ns).collect::<Vec<_>>(), 1..=ns.min(3)),
                if general {
                    proptest::option::weighted(0.3, prop_oneof![Just(1.0), Just(0.5), Just(0.0)])
                        .boxed()
                } else {
                    Just(None).boxed()
                },
                1usize..=3,
                durations.clone(),
                if general {
                    proptest::option::weighted(0.3, 0..ns).boxed()
                } else {
                    Just(None).boxed()
                },
                proptest::collection::vec(
                    (
                        0..n_services,
                        prop_oneof![Just(1.0), Just(0.3), Just(0.7)],
                        prop_oneof![Just(0.0), Just(0.5), Just(2.0)],
                    ),
                    0..=2,
                ),
                proptest::collection::vec(0..n_services, 0..=1),
                hazard(),
            )
        };
        (1usize..=5).prop_flat_map(move |n_services| {
            (
                Just(sites.clone()),
                proptest::collection::vec(hazard(), ns),
                proptest::collection::vec(service(n_services), n_services),
                proptest::collection::vec(event(ns, event_durations.clone()), 0..=3),
                if general {
                    proptest::option::weighted(0.3, 1u64..=2).boxed()
                } else {
                    Just(None).boxed()
                },
                if general {
                    proptest::option::weighted(0.3, fixed_duration()).boxed()
                } else {
                    Just(None).boxed()
                },
                0u64..1000,
            )
                .prop_map(
                    |(sites, site_hazard, raw, events, crews, bootstrap, seed)| {
                        let services = raw
                            .into_iter()
                            .enumerate()
                            .map(
                                |(
                                    i,
                                    (
                                        users,
                                        replicas,
                                        standby,
                                        min,
                                        restart,
                                        rebuild,
                                        deps,
                                        needs,
                                        hazard,
                                    ),
                                )| {
                                    let mut seen = vec![i];
                                    let deps = deps
                                        .into_iter()
                                        .filter(|d| {
                                            let fresh = !seen.contains(&d.0);
                                            seen.push(d.0);
                                            fresh
                                        })
                                        .map(|(on, share, grace_h)| Dep {
                                            on,
                                            or: None,
                                            share,
                                            grace_h,
                                        })
                                        .collect();
                                    Svc {
                                        users,
                                        min: min.min(replicas.len()),
                                        replicas,
                                        standby,
                                        restart,
                                        rebuild,
                                        deps,
                                        needs: needs.into_iter().filter(|&n| n != i).collect(),
                                        hazard,
                                    }
                                },
                            )
                            .collect();
                        Gen {
                            sites,
                            site_hazard,
                            services,
                            events,
                            crews,
                            bootstrap,
                            seed,
                            any_of_one: false,
                        }
                    },
                )
        })
    })
}

fn any_scenario() -> impl Strategy<Value = Gen> {
    scenario(true)
}

fn monotone_scenario() -> impl Strategy<Value = Gen> {
    scenario(false)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(CASES), ..ProptestConfig::default() })]

    /// (a) A replica in a new top-level site that nothing ever hits, added to an
    /// `ActiveActive(min: 1)` service, never increases a trial's loss.
    #[test]
    fn a_replica_in_an_untouched_site_never_hurts(g in monotone_scenario(), pick in any::<prop::sample::Index>()) {
        let mut v = g.clone();
        let s = pick.index(v.services.len());
        v.sites.push(None);
        v.site_hazard.push(None);
        let new_site = v.sites.len() - 1;
        v.services[s].replicas.push(new_site);
        v.services[s].min = 1;
        // The base must have `min: 1` too, for the comparison to be about the replica.
        let mut b = g.clone();
        b.services[s].min = 1;
        let base_min1 = totals(&b.model());
        not_worse(&base_min1, &totals(&v.model()))?;
    }

    /// (b) Removing an event (the last one, so the others keep their random numbers)
    /// never increases a trial's loss.
    #[test]
    fn removing_an_event_never_hurts(g in monotone_scenario()) {
        prop_assume!(!g.events.is_empty());
        let mut v = g.clone();
        v.events.pop();
        not_worse(&totals(&g.model()), &totals(&v.model()))?;
    }

    /// (c) Raising a grace never increases a trial's loss.
    #[test]
    fn raising_a_grace_never_hurts(g in monotone_scenario(), pick in any::<prop::sample::Index>(), more in prop_oneof![Just(0.25), Just(1.0), Just(24.0)]) {
        let edges: Vec<(usize, usize)> = g.services.iter().enumerate()
            .flat_map(|(s, svc)| (0..svc.deps.len()).map(move |d| (s, d))).collect();
        prop_assume!(!edges.is_empty());
        let (s, d) = edges[pick.index(edges.len())];
        let mut v = g.clone();
        v.services[s].deps[d].grace_h += more;
        not_worse(&totals(&g.model()), &totals(&v.model()))?;
    }

    /// (d) Lowering a share never increases a trial's loss.
    #[test]
    fn lowering_a_share_never_hurts(g in monotone_scenario(), pick in any::<prop::sample::Index>(), factor in prop_oneof![Just(0.5), Just(0.1)]) {
        let edges: Vec<(usize, usize)> = g.services.iter().enumerate()
            .flat_map(|(s, svc)| (0..svc.deps.len()).map(move |d| (s, d))).collect();
        prop_assume!(!edges.is_empty());
        let (s, d) = edges[pick.index(edges.len())];
        let mut v = g.clone();
        v.services[s].deps[d].share *= factor;
        not_worse(&totals(&g.model()), &totals(&v.model()))?;
    }

    /// (h) Giving a dependency a second alternative never increases a trial's loss: the
    /// service is down (or degraded) through it only while both are down, from when the
    /// second of them went down.
    #[test]
    fn an_alternative_never_hurts(g in monotone_scenario(), pick in any::<prop::sample::Index>(), other in any::<prop::sample::Index>()) {
        let edges: Vec<(usize, usize)> = g.services.iter().enumerate()
            .flat_map(|(s, svc)| (0..svc.deps.len()).map(move |d| (s, d))).collect();
        prop_assume!(!edges.is_empty());
        let (s, d) = edges[pick.index(edges.len())];
        let on = g.services[s].deps[d].on;
        let candidates: Vec<usize> = (0..g.services.len()).filter(|&y| y != s && y != on).collect();
        prop_assume!(!candidates.is_empty());
        let mut v = g.clone();
        v.services[s].deps[d].or = Some(candidates[other.index(candidates.len())]);
        not_worse(&totals(&g.model()), &totals(&v.model()))?;
    }

    /// (g) A dependency on alternatives of one service plays exactly as the dependency on
    /// that service: every figure of every trial is the same, to the bit (the recovery
    /// curve up to rounding). The engine
    /// propagates the first through a gate, in its general version (`trial/alternatives.rs`,
    /// `settle` with per-service fleet checks), and the second without.
    #[test]
    fn alternatives_of_one_play_as_the_dependency_itself(g in any_scenario()) {
        let m = g.model();
        let alt = Gen { any_of_one: true, ..g.clone() }.model();
        prop_assume!(!alt.alternatives.is_empty());
        let (c, ca) = (Compiled::new(&m), Compiled::new(&alt));
        let (mut t, mut ta) = (Trial::new(&c), Trial::new(&ca));
        for i in 0..TRIALS {
            t.run(m.seed, i);
            ta.run(m.seed, i);
            let (o, oa) = (&t.outcome, &ta.outcome);
            prop_assert_eq!(o.total_user_hours_lost.to_bits(), oa.total_user_hours_lost.to_bits(), "trial {}", i);
            for s in 0..c.n_services() {
                prop_assert_eq!(o.downtime[s].to_bits(), oa.downtime[s].to_bits(), "trial {} svc{}", i, s);
                prop_assert_eq!(o.degraded[s].to_bits(), oa.degraded[s].to_bits(), "trial {} svc{}", i, s);
                prop_assert_eq!(o.user_hours_lost[s].to_bits(), oa.user_hours_lost[s].to_bits(), "trial {} svc{}", i, s);
                prop_assert_eq!(o.restored_at[s].to_bits(), oa.restored_at[s].to_bits(), "trial {} svc{}", i, s);
            }
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&o.cause_hours), bits(&oa.cause_hours), "trial {}", i);
            // The curve is 1 − a running sum of weight × lost share, added in the order
            // the services are settled, which the gate changes: equal up to rounding.
            for (k, (x, y)) in o.curve.iter().zip(&oa.curve).enumerate() {
                prop_assert!((x - y).abs() <= 1e-12, "trial {} point {}: {} vs {}", i, k, x, y);
            }
            prop_assert_eq!((o.services_affected, o.peak_down, o.deadlock), (oa.services_affected, oa.peak_down, oa.deadlock), "trial {}", i);
        }
    }

    /// (e) Every service's downtime and degraded time lie within the horizon, and so does
    /// their sum; (f) no outcome field is NaN or infinite (except `restored_at`, which is
    /// NaN exactly when the service was never down, by definition).
    #[test]
    fn outcomes_are_bounded_and_finite(g in any_scenario()) {
        let m = g.model();
        let c = Compiled::new(&m);
        let mut t = Trial::new(&c);
        let h = m.horizon;
        let tol = 1e-9 * h;
        for i in 0..TRIALS {
            t.run(m.seed, i);
            let o = &t.outcome;
            prop_assert!(o.total_user_hours_lost.is_finite() && o.total_user_hours_lost >= 0.0);
            for s in 0..c.n_services() {
                let (d, g) = (o.downtime[s], o.degraded[s]);
                prop_assert!((0.0..=h + tol).contains(&d), "trial {i} svc{s}: downtime {d}");
                prop_assert!((0.0..=h + tol).contains(&g), "trial {i} svc{s}: degraded {g}");
                prop_assert!(d + g <= h + tol, "trial {i} svc{s}: {d} + {g} > {h}");
                prop_assert!(o.lost_share_hours[s].is_finite() && o.lost_share_hours[s] <= g + tol);
                prop_assert!(o.user_hours_lost[s].is_finite() && o.user_hours_lost[s] >= 0.0);
                let r = o.restored_at[s];
                prop_assert_eq!(r.is_nan(), d == 0.0, "trial {} svc{}: restored_at {} with downtime {}", i, s, r, d);
                prop_assert!(r.is_nan() || (0.0..=h).contains(&r));
            }
            let causes: f64 = o.cause_hours.iter().sum();
            let down: f64 = o.downtime.iter().sum();
            prop_assert!((causes - down).abs() <= tol * (1.0 + c.n_services() as f64));
            prop_assert!(o.curve.iter().all(|a| (0.0..=1.0).contains(a)));
            prop_assert!(o.peak_down as usize <= c.n_services());
            prop_assert!(o.services_affected as usize <= c.n_services());
        }
    }
}

proptest! {
    // Each case runs 300 trials twice: fewer cases.
    #![proptest_config(ProptestConfig { cases: cases(16), ..ProptestConfig::default() })]

    /// (g) The JSON of `run` is byte-identical on 1 and 3 threads, and (f) holds no NaN
    /// nor infinity.
    #[test]
    fn json_does_not_depend_on_threads(g in any_scenario()) {
        use blastradius::analysis::plan::RunOptions;
use blastradius::analysis::run::run;
        let text = g.to_ron();
        let loaded = load_str("generated.ron", &text).unwrap();
        let json = |threads| {
            let opts = RunOptions { trials: 300, seed: g.seed, threads: Some(threads), precision: None, shard: None };
            let stats = run(&loaded.model, &opts, &mut |_, _| {}).unwrap();
            let rep = blastradius::report::run::RunReport {
                sha256: &loaded.sha256,
                model: &loaded.model,
                variant: None,
                seed: g.seed,
                stats: &stats,
            };
            blastradius::report::export::render(&rep, blastradius::report::export::Format::Json)
        };
        let one = json(1);
        prop_assert_eq!(&one, &json(3));
        let v: serde_json::Value = serde_json::from_str(&one).unwrap();
        fn finite(v: &serde_json::Value) -> bool {
            match v {
                serde_json::Value::Number(n) => n.as_f64().is_some_and(f64::is_finite),
                serde_json::Value::Array(a) => a.iter().all(finite),
                serde_json::Value::Object(o) => o.values().all(finite),
                _ => true,
            }
        }
        prop_assert!(finite(&v));
        prop_assert!(!one.contains("NaN") && !one.contains("inf"));
    }
}
