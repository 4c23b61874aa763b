//! Deterministic portal measures: what one service's failure does to the services reached
//! through it, with nothing else failing and nothing random.
//!
//! * **Gateway reach**: the service alone lost for good. A service that goes down counts
//!   all its users; one that is degraded counts its lost share. This is the blast of
//!   `whatif` for that one service.
//! * **Isolated failure**: the service alone down for a duration `D` from time 0, grace
//!   periods and shares applied as the engine applies them: a dependent goes down `grace`
//!   after what it depends on went down, and everything comes back at `D` (dependents
//!   are not down by their own state, so they need no recovery).
//!
//! Both come from one traversal per service: the earliest time each service goes down is
//! a shortest path from the failed service along reversed hard dependencies, weighted by
//! their graces (Dijkstra); partial dependencies on those services then degrade their
//! dependents from the time each edge becomes active. The traversal visits only what is
//! reached, with scratch arrays reset through the list of what was touched, so a service
//! with a small reach costs little however large the graph.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::model::blast::AltCount;
use crate::model::{EdgeKind, Model, ServiceIdx};

/// Where an isolated failure's duration comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationFrom {
    /// `--isolated-for`.
    Given,
    /// The service's median downtime in the scenario's trials in which it went down.
    Median,
    /// 1 hour: the service never went down in the scenario's trials.
    Default,
}

impl DurationFrom {
    pub fn describe(self) -> &'static str {
        match self {
            DurationFrom::Given => "--isolated-for",
            DurationFrom::Median => "median downtime in this scenario",
            DurationFrom::Default => "1 h (never down in this scenario)",
        }
    }
}

/// The three portal measures of one service besides the marginal one.
#[derive(Debug, Clone, PartialEq)]
pub struct PortalMeasures {
    pub gateway: Gateway,
    pub isolated: Isolated,
    pub duration_from: DurationFrom,
    /// The journeys it takes down when lost for good (gateway reach): those that need it
    /// or a service that goes down with it. Indices in file order.
    pub journeys_down: Vec<usize>,
}

/// Gateway reach and isolated failure of every service, in file order. The isolated
/// duration is `given`, else the service's median downtime when down in the scenario
/// (`median_downtime[s]`, see `PortalStats::median_downtimes`), else 1 hour.
pub fn all(
    model: &Model,
    given: Option<f64>,
    median_downtime: &[Option<f64>],
) -> Vec<PortalMeasures> {
    let mut ms = Measures::new(model);
    (0..model.services.len())
        .map(|s| {
            let (d, from) = match given {
                Some(d) => (d, DurationFrom::Given),
                None => match median_downtime
                    .get(s)
                    .copied()
                    .flatten()
                    .filter(|&d| d > 0.0)
                {
                    Some(d) => (d, DurationFrom::Median),
                    None => (1.0, DurationFrom::Default),
                },
            };
            let (gateway, isolated) = ms.of(s, d);
            PortalMeasures {
                gateway,
                isolated,
                duration_from: from,
                journeys_down: ms.journeys_down(),
            }
        })
        .collect()
}

/// Gateway reach of one service.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gateway {
    /// Users of other services lost when this one is lost for good: every user of a
    /// service that goes down, the lost share of the users of one that degrades.
    pub users: f64,
    /// `users` as a share of the users of all other services (`None` if they have none).
    pub share: Option<f64>,
    /// Other services that go down, and that degrade.
    pub services_down: usize,
    pub services_degraded: usize,
}

/// One service down alone for `for_hours`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Isolated {
    pub for_hours: f64,
    /// Its own users × `for_hours`.
    pub own_user_hours: f64,
    /// User-hours lost by other services (down, or degraded by their lost share).
    pub spill_over_user_hours: f64,
    /// Other services down at some time within `for_hours`, and their users.
    pub services_down: usize,
    pub users_down: f64,
}

impl Isolated {
    /// `(own + spill-over) / own`; `None` when its own users lose nothing.
    pub fn multiplier(&self) -> Option<f64> {
        (self.own_user_hours > 0.0)
            .then(|| (self.own_user_hours + self.spill_over_user_hours) / self.own_user_hours)
    }
}

#[derive(PartialEq)]
struct Due(f64, ServiceIdx);

impl Eq for Due {}

impl Ord for Due {
    fn cmp(&self, o: &Self) -> Ordering {
        // A min-heap on time, then on index for a fixed order.
        o.0.total_cmp(&self.0).then(o.1.cmp(&self.1))
    }
}

impl PartialOrd for Due {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Reusable scratch space for [`Measures::of`].
pub struct Measures<'m> {
    model: &'m Model,
    /// Earliest time each service goes down (∞: never), for the services touched.
    down_at: Vec<f64>,
    touched: Vec<ServiceIdx>,
    heap: BinaryHeap<Due>,
    /// Per degraded candidate: (activation time, share) of its active partial edges.
    partial: Vec<Vec<(f64, f64)>>,
    partial_touched: Vec<ServiceIdx>,
    /// Alternatives down per `AnyOf` dependency, and the dependencies on alternatives that
    /// went down with when.
    alts: AltCount,
    alts_down: Vec<(usize, f64)>,
    /// Users of all services.
    total_users: f64,
    /// For each service, the journeys that need it.
    journeys_of: Vec<Vec<usize>>,
}

impl<'m> Measures<'m> {
    pub fn new(model: &'m Model) -> Self {
        let n = model.services.len();
        Measures {
            model,
            down_at: vec![f64::INFINITY; n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
            partial: vec![Vec::new(); n],
            partial_touched: Vec::new(),
            alts: AltCount::new(model),
            alts_down: Vec::new(),
            total_users: model.services.iter().map(|s| s.users as f64).sum(),
            journeys_of: {
                let mut of = vec![Vec::new(); n];
                for (j, journey) in model.journeys.iter().enumerate() {
                    for &x in &journey.needs {
                        of[x].push(j);
                    }
                }
                of
            },
        }
    }

    /// The journeys that need a service the last [`Measures::of`] took down for good
    /// (the failed service included), in file order.
    pub fn journeys_down(&self) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .touched
            .iter()
            .flat_map(|&x| self.journeys_of[x].iter().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Gateway reach of service `s`, and its isolated failure for `for_hours`.
    pub fn of(&mut self, s: ServiceIdx, for_hours: f64) -> (Gateway, Isolated) {
        let m = self.model;
        for &x in &self.touched {
            self.down_at[x] = f64::INFINITY;
        }
        self.touched.clear();
        for &x in &self.partial_touched {
            self.partial[x].clear();
        }
        self.partial_touched.clear();
        self.alts.reset();
        self.alts_down.clear();

        // Earliest down times along reversed hard dependencies. A service is final when it
        // is popped, in time order, so an `AnyOf` goes down when the alternative that
        // leaves fewer than `min` up is popped.
        self.down_at[s] = 0.0;
        self.touched.push(s);
        self.heap.push(Due(0.0, s));
        while let Some(Due(t, b)) = self.heap.pop() {
            if t > self.down_at[b] {
                continue;
            }
            for e in m.graph.edges_directed(Model::node(b), Direction::Incoming) {
                let (share, grace) = match *e.weight() {
                    EdgeKind::Depends { share, grace } => (share, grace),
                    EdgeKind::Alternative {
                        share,
                        grace,
                        group,
                    } => {
                        if !self.alts.hit(m, group) {
                            continue;
                        }
                        self.alts_down.push((group, t));
                        (share, grace)
                    }
                    EdgeKind::Needs => continue,
                };
                if share < 1.0 {
                    continue;
                }
                let a = e.source().index();
                let at = t + grace.max(0.0);
                if at < self.down_at[a] {
                    if self.down_at[a].is_infinite() {
                        self.touched.push(a);
                    }
                    self.down_at[a] = at;
                    self.heap.push(Due(at, a));
                }
            }
        }
        // Partial dependencies on what goes down, active from its final down time plus
        // their grace.
        for &b in &self.touched {
            let t = self.down_at[b];
            for e in m.graph.edges_directed(Model::node(b), Direction::Incoming) {
                if let EdgeKind::Depends { share, grace } = *e.weight() {
                    if share < 1.0 {
                        let a = e.source().index();
                        if self.partial[a].is_empty() {
                            self.partial_touched.push(a);
                        }
                        self.partial[a].push((t + grace.max(0.0), share));
                    }
                }
            }
        }
        for &(g, t) in &self.alts_down {
            let (_, d) = m.any_of(g);
            if d.share < 1.0 {
                let a = m.alternatives[g].0;
                if self.partial[a].is_empty() {
                    self.partial_touched.push(a);
                }
                self.partial[a].push((t + d.grace.max(0.0), d.share));
            }
        }

        let users = |x: ServiceIdx| m.services[x].users as f64;
        let mut g_users = 0.0;
        let (mut g_down, mut g_degraded) = (0, 0);
        let mut spill = 0.0;
        let mut i_down = 0;
        let mut i_users = 0.0;
        for &x in &self.touched {
            if x == s {
                continue;
            }
            g_users += users(x);
            g_down += 1;
            let t = self.down_at[x];
            if t < for_hours {
                spill += users(x) * (for_hours - t);
                i_down += 1;
                i_users += users(x);
            }
        }
        for &y in &self.partial_touched {
            if y == s {
                continue;
            }
            let edges = &mut self.partial[y];
            if edges.is_empty() {
                continue;
            }
            edges.sort_by(|a, b| a.0.total_cmp(&b.0));
            let down = self.down_at[y];
            if down.is_infinite() {
                // Lost for good: every partial edge is active in the end.
                let keep: f64 = edges.iter().map(|&(_, sh)| 1.0 - sh).product();
                g_users += users(y) * (1.0 - keep);
                g_degraded += 1;
            }
            // Isolated: the lost share steps up at each activation while `y` is up.
            let end = down.min(for_hours);
            let mut keep = 1.0;
            for (k, &(at, sh)) in edges.iter().enumerate() {
                if at >= end {
                    break;
                }
                keep *= 1.0 - sh;
                let next = edges.get(k + 1).map_or(end, |e| e.0.min(end));
                spill += users(y) * (1.0 - keep) * (next - at);
            }
        }
        let others = self.total_users - users(s);
        (
            Gateway {
                users: g_users,
                share: (others > 0.0).then(|| g_users / others),
                services_down: g_down,
                services_degraded: g_degraded,
            },
            Isolated {
                for_hours,
                own_user_hours: users(s) * for_hours,
                spill_over_user_hours: spill,
                services_down: i_down,
                users_down: i_users,
            },
        )
    }
}

/// The report's view of portals by gateway reach.
#[derive(Debug, Clone)]
pub struct Gateways {
    /// Every service's measures, in file order.
    pub measures: Vec<PortalMeasures>,
    /// Services with users of their own that take others with them, by gateway users
    /// (largest first; ties by isolated spill-over, then file order).
    pub portals: Vec<ServiceIdx>,
    /// Services without users of their own that take others with them: hidden single
    /// points, in the same order.
    pub hidden: Vec<ServiceIdx>,
    /// The top portal with every partial share × 0.5 and × 1.5 (capped below 1, so a
    /// partial dependency stays partial): how robust the ranking is.
    pub top_at_half: Option<ServiceIdx>,
    pub top_at_one_and_half: Option<ServiceIdx>,
}

/// Services that take others with them, by gateway users.
fn ranked(model: &Model, measures: &[PortalMeasures], with_users: bool) -> Vec<ServiceIdx> {
    let mut v: Vec<ServiceIdx> = (0..model.services.len())
        .filter(|&s| (model.services[s].users > 0) == with_users && measures[s].gateway.users > 0.0)
        .collect();
    v.sort_by(|&a, &b| {
        let (ma, mb) = (&measures[a], &measures[b]);
        mb.gateway
            .users
            .total_cmp(&ma.gateway.users)
            .then(
                mb.isolated
                    .spill_over_user_hours
                    .total_cmp(&ma.isolated.spill_over_user_hours),
            )
            .then(a.cmp(&b))
    });
    v
}

/// `model` with every partial share multiplied by `k` (capped at 0.99).
fn shares_scaled(model: &Model, k: f64) -> Model {
    let mut m = model.clone();
    for w in m.graph.edge_weights_mut() {
        if let EdgeKind::Depends { share, .. } | EdgeKind::Alternative { share, .. } = w {
            if *share < 1.0 {
                *share = (*share * k).min(0.99);
            }
        }
    }
    for svc in &mut m.services {
        for d in &mut svc.depends_on {
            if d.share < 1.0 {
                d.share = (d.share * k).min(0.99);
            }
        }
    }
    m
}

/// The report's portal view: [`all`], ranked, with the robustness check.
pub fn gateways(model: &Model, measures: Vec<PortalMeasures>) -> Gateways {
    let portals = ranked(model, &measures, true);
    let hidden = ranked(model, &measures, false);
    let top_with = |k: f64| {
        let m = shares_scaled(model, k);
        // Gateway reach does not depend on the isolated duration.
        let scaled = all(&m, Some(1.0), &[]);
        ranked(&m, &scaled, true).first().copied()
    };
    Gateways {
        top_at_half: top_with(0.5),
        top_at_one_and_half: top_with(1.5),
        measures,
        portals,
        hidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> Model {
        crate::model::load_str("t.ron", text).unwrap().model
    }

    /// a ← b (hard, grace 1 h) ← c (hard, grace 2 h); d partially on b (0.5, grace 0)
    /// and on c (0.2, grace 1 h); e on a with share 0.3 and grace 10 h (past D).
    const CHAIN: &str = r#"Scenario(name: "t", horizon: "1d", sites: [(id: "x")],
        services: [
            (id: "a", users: 100, replicas: ["x"]),
            (id: "b", users: 10, replicas: ["x"], depends_on: [(on: "a", grace: "1h")]),
            (id: "c", users: 1000, replicas: ["x"], depends_on: [(on: "b", grace: "2h")]),
            (id: "d", users: 50, replicas: ["x"],
             depends_on: [(on: "b", share: 0.5), (on: "c", share: 0.2, grace: "1h")]),
            (id: "e", users: 7, replicas: ["x"], depends_on: [(on: "a", share: 0.3, grace: "10h")]),
        ])"#;

    #[test]
    fn isolated_failure_follows_graces_and_shares_exactly() {
        let m = model(CHAIN);
        let mut ms = Measures::new(&m);
        let (g, i) = ms.of(0, 5.0);
        // b down from 1 h, c from 3 h; d loses 0.5 from 1 h, 1 − 0.5 × 0.8 = 0.6 from 4 h;
        // e's edge activates at 10 h, after a is back.
        let want = 10.0 * 4.0 + 1000.0 * 2.0 + 50.0 * (0.5 * 3.0 + 0.6 * 1.0);
        assert!((i.spill_over_user_hours - want).abs() < 1e-9, "{i:?}");
        assert_eq!(i.own_user_hours, 500.0);
        assert_eq!(i.services_down, 2);
        assert!((i.multiplier().unwrap() - (500.0 + want) / 500.0).abs() < 1e-12);
        // Lost for good: b, c down (1,010 users), d loses 0.6, e loses 0.3.
        assert!(
            (g.users - (1010.0 + 50.0 * 0.6 + 7.0 * 0.3)).abs() < 1e-9,
            "{g:?}"
        );
        assert_eq!((g.services_down, g.services_degraded), (2, 2));
        assert!((g.share.unwrap() - g.users / 1067.0).abs() < 1e-12);
        // Shorter than the first grace: nobody else is down; d loses nothing either.
        let (_, short) = ms.of(0, 0.5);
        assert_eq!(short.spill_over_user_hours, 0.0);
        // The scratch space is reset between services: c reaches only d.
        let (gc, ic) = ms.of(2, 5.0);
        assert_eq!((gc.services_down, gc.services_degraded), (0, 1));
        assert!((ic.spill_over_user_hours - 50.0 * 0.2 * 4.0).abs() < 1e-9);
        assert!((gc.users - 50.0 * 0.2).abs() < 1e-12);
    }

    #[test]
    fn the_earliest_path_sets_the_time_and_a_hard_cycle_goes_down_together() {
        // d hard-depends on a through b (grace 5 h) and through c (grace 1 h + 1 h).
        let m = model(
            r#"Scenario(name: "t", horizon: "1d", sites: [(id: "x")],
            services: [
                (id: "a", users: 0, replicas: ["x"]),
                (id: "b", users: 0, replicas: ["x"], depends_on: [(on: "a", grace: "5h")]),
                (id: "c", users: 0, replicas: ["x"], depends_on: [(on: "a", grace: "1h")]),
                (id: "d", users: 1, replicas: ["x"], depends_on: [(on: "b"), (on: "c", grace: "1h")]),
                (id: "p", users: 3, replicas: ["x"], depends_on: ["q", "a"]),
                (id: "q", users: 4, replicas: ["x"], depends_on: ["p"]),
            ])"#,
        );
        let mut ms = Measures::new(&m);
        let (g, i) = ms.of(0, 10.0);
        // d down from min(5, 2) = 2 h; p and q (a cycle through a) from 0.
        assert!((i.spill_over_user_hours - (8.0 + 3.0 * 10.0 + 4.0 * 10.0)).abs() < 1e-9);
        assert_eq!(g.users, 8.0);
        assert_eq!(i.multiplier(), None, "a has no users of its own");
    }
}
