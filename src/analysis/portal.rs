//! Portals: services whose outage takes down what is reached through them.
//!
//! Two views per service:
//! * **structural reach** ([`reach`]): how many services depend on it directly, how many
//!   transitively (through any `depends_on` edge, hard or partial), and how many users
//!   those dependents have;
//! * **attributable loss** ([`portal`]): on common random numbers, per trial, the total
//!   user-hours lost in the base design minus those lost when this one service is never
//!   down (`Overrides::never_down`), everything else drawn identically. It splits into
//!   the service's **own** part (its own users' loss that disappears) and **spill-over**
//!   (the rest: loss of other services that disappears). The portal multiplier is
//!   `attributable / own`.
//!
//! Cost. A counterfactual per service and trial would be `V + 1` trials per trial. But a
//! service that is never down in a base trial changes nothing in that trial when it is
//! made never-down (the override only suppresses its outages, and random draws are
//! unaffected by overrides), so its attributable loss there is exactly 0 and the
//! counterfactual is skipped. Each base trial is played once, recording where each
//! service's own state and down state change; then the counterfactual of every service
//! that was down in it is computed by `sim::replay`: only the services its outage can
//! have reached (through services affected in the base trial, directly or through the
//! gates of alternatives) are played again, from the
//! recorded own states, and the total is summed again in the full trial's order, so every
//! number is the full re-simulation's to the bit. The full trial is played again where
//! that restriction would not be exact (the service, or one it reaches, is a recovery
//! need whose change could unblock a task; a service it reaches could be in a recovery
//! deadlock), which [`portal_batch_full`] does for every counterfactual: the reference the
//! tests check the replay against.
//!
//! On the generated 10,000-service graph with a data-center outage (about 860 services
//! down per trial), the attribution costs about 4× a `run` of the same trials, where the
//! full re-simulation cost 330× (README, Performance).

use std::ops::ControlFlow;

use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::batch::{batch_trials, for_each_batch};
use super::plan::RunOptions;
use crate::error::Error;
use crate::model::{Model, ServiceIdx};
use crate::sim::replay::{deadlock_capable, NeverDown};
use crate::sim::{Compiled, Outcome};
use crate::stats::{Moments, Summary};

/// Structural reach of one service.
#[derive(Debug, Clone, PartialEq)]
pub struct Reach {
    /// Services that list it in `depends_on`.
    pub direct_dependents: usize,
    /// Services that depend on it through a chain of `depends_on` edges (itself excluded).
    pub transitive_dependents: usize,
    /// Users of those transitive dependents.
    pub transitive_users: u64,
}

/// Structural reach of every service, in file order.
///
/// # Complexity
/// One traversal of the reversed `depends_on` edges per service: `O(V · (V + E))`.
pub fn reach(model: &Model) -> Vec<Reach> {
    let n = model.services.len();
    let mut seen = vec![usize::MAX; n];
    let mut stack = Vec::new();
    (0..n)
        .map(|s| {
            seen[s] = s;
            stack.push(s);
            let (mut count, mut users) = (0usize, 0u64);
            while let Some(b) = stack.pop() {
                for e in model
                    .graph
                    .edges_directed(Model::node(b), Direction::Incoming)
                {
                    let a = e.source().index();
                    if e.weight().is_dependency() && seen[a] != s {
                        seen[a] = s;
                        count += 1;
                        users += model.services[a].users;
                        stack.push(a);
                    }
                }
            }
            Reach {
                direct_dependents: model.dependents(s).len(),
                transitive_dependents: count,
                transitive_users: users,
            }
        })
        .collect()
}

/// Per-trial accumulators of one service's counterfactual (one value per trial, 0 in
/// trials where it was never down).
#[derive(Debug, Clone, Default)]
pub struct ServicePortal {
    /// Total loss(base) − total loss(this service never down).
    pub attributable: Moments,
    /// Its own loss(base) − its own loss(never down).
    pub own: Moments,
    /// `attributable − own`: loss of other services that disappears.
    pub spill: Moments,
    /// Trials in which it was down at some time in the base design.
    pub trials_down: u64,
    /// Its downtime in the trials in which it was down (for the isolated failure's
    /// default duration).
    pub downtime_when_down: Summary,
}

#[derive(Debug, Clone)]
pub struct PortalStats {
    pub trials: u64,
    /// Total user-hours lost per trial in the base design.
    pub base_total: Moments,
    pub services: Vec<ServicePortal>,
}

impl PortalStats {
    fn new(n: usize) -> Self {
        PortalStats {
            trials: 0,
            base_total: Moments::new(),
            services: vec![ServicePortal::default(); n],
        }
    }

    /// Each service's median downtime over the trials in which it went down (`None` if
    /// it never did): the default duration of its isolated failure.
    pub fn median_downtimes(&self) -> Vec<Option<f64>> {
        self.services
            .iter()
            .map(|s| s.downtime_when_down.quantile(0.5))
            .collect()
    }

    fn merge(&mut self, o: &PortalStats) {
        self.trials += o.trials;
        self.base_total.merge(&o.base_total);
        for (a, b) in self.services.iter_mut().zip(&o.services) {
            a.attributable.merge(&b.attributable);
            a.own.merge(&b.own);
            a.spill.merge(&b.spill);
            a.trials_down += b.trials_down;
            a.downtime_when_down.merge(&b.downtime_when_down);
        }
    }
}

/// Whether service `s` was down at any instant of the trial.
pub(crate) fn was_down(o: &Outcome, s: usize) -> bool {
    o.downtime[s] > 0.0 || !o.restored_at[s].is_nan()
}

/// Plays batch `b`: each base trial, then the counterfactual of each service that was down
/// in it, replayed over what it can change when that is exact (`sim::replay`), else
/// played in full. `capable` is `sim::replay::deadlock_capable` of `c`.
pub fn portal_batch(c: &Compiled, capable: &[bool], seed: u64, b: u64, total: u64) -> PortalStats {
    play_batch(c, capable, seed, b, total, Counterfactuals::Replayed)
}

/// [`portal_batch`] with every counterfactual played in full: the reference the replay is
/// checked against (the tests), and the cost the replay saves.
#[doc(hidden)]
pub fn portal_batch_full(
    c: &Compiled,
    capable: &[bool],
    seed: u64,
    b: u64,
    total: u64,
) -> PortalStats {
    play_batch(c, capable, seed, b, total, Counterfactuals::Full)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Counterfactuals {
    Replayed,
    Full,
}

fn play_batch(
    c: &Compiled,
    capable: &[bool],
    seed: u64,
    b: u64,
    total: u64,
    how: Counterfactuals,
) -> PortalStats {
    let n = c.n_services();
    let range = batch_trials(b, total);
    let len = range.end - range.start;
    let mut stats = PortalStats::new(n);
    stats.trials = len;
    let mut cf = NeverDown::new(c, capable);
    let mut down: Vec<u32> = Vec::new();
    let mut full = Vec::new();
    for i in range {
        let o = cf.base(seed, i);
        let base_total = o.total_user_hours_lost;
        stats.base_total.add(base_total);
        down.clear();
        down.extend((0..n as u32).filter(|&s| was_down(o, s as usize)));
        for &s in &down {
            let s = s as usize;
            let sp = &mut stats.services[s];
            sp.downtime_when_down.add(o.downtime[s]);
            sp.trials_down += 1;
        }
        let own_base: Vec<f64> = down
            .iter()
            .map(|&s| o.user_hours_lost[s as usize])
            .collect();
        let xs = match how {
            Counterfactuals::Replayed => cf.never_down(&down, seed, i),
            Counterfactuals::Full => {
                full.clear();
                for &s in &down {
                    full.push(cf.full(s as usize, seed, i));
                }
                &full[..]
            }
        };
        for ((&s, x), own_base) in down.iter().zip(xs).zip(own_base) {
            let attributable = base_total - x.total;
            let own = own_base - x.own;
            let sp = &mut stats.services[s as usize];
            sp.attributable.add(attributable);
            sp.own.add(own);
            sp.spill.add(attributable - own);
        }
    }
    // Every other trial contributes an exact 0 (the accumulators are order-independent).
    for sp in &mut stats.services {
        let zeros = len - sp.trials_down;
        sp.attributable.add_zeros(zeros);
        sp.own.add_zeros(zeros);
        sp.spill.add_zeros(zeros);
    }
    stats
}

/// Runs the portal analysis of `model`. `progress(done, total)` is called after each
/// batch is folded.
pub fn portal(
    model: &Model,
    opts: &RunOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<PortalStats, Error> {
    let c = Compiled::new(model);
    let capable = deadlock_capable(&c);
    let mut acc = PortalStats::new(c.n_services());
    for_each_batch(
        opts.trials,
        opts.threads,
        |b| portal_batch(&c, &capable, opts.seed, b, opts.trials),
        &mut |p: PortalStats| {
            acc.merge(&p);
            progress(acc.trials, opts.trials);
            ControlFlow::Continue(())
        },
    )?;
    Ok(acc)
}

/// The portal multiplier, `attributable / own`: how much loss goes through a service
/// for each user-hour its own users lose. `None` when its own loss is not positive.
pub fn multiplier(attributable: Option<f64>, own: Option<f64>) -> Option<f64> {
    match (attributable, own) {
        (Some(a), Some(o)) if o > 0.0 => Some(a / o),
        _ => None,
    }
}

/// What `portal` sorts its services by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortalSort {
    /// Spill-over user-hours of the isolated failure (the default).
    Isolated,
    /// Users reached by losing the service alone for good.
    Gateway,
    /// Mean attributable loss in the scenario.
    Marginal,
}

/// Service indices sorted by `sort`, largest first; ties by the other two measures, then
/// file order.
pub fn ranking_by(
    stats: &PortalStats,
    measures: &[super::gateway::PortalMeasures],
    sort: PortalSort,
) -> Vec<ServiceIdx> {
    let iso = |s: usize| measures[s].isolated.spill_over_user_hours;
    let gate = |s: usize| measures[s].gateway.users;
    let marg = |s: usize| stats.services[s].attributable.mean().unwrap_or(0.0);
    let key = |s: usize| match sort {
        PortalSort::Isolated => [iso(s), gate(s), marg(s)],
        PortalSort::Gateway => [gate(s), iso(s), marg(s)],
        PortalSort::Marginal => [marg(s), iso(s), gate(s)],
    };
    let mut order: Vec<ServiceIdx> = (0..stats.services.len()).collect();
    order.sort_by(|&a, &b| {
        let (ka, kb) = (key(a), key(b));
        kb[0]
            .total_cmp(&ka[0])
            .then(kb[1].total_cmp(&ka[1]))
            .then(kb[2].total_cmp(&ka[2]))
            .then(a.cmp(&b))
    });
    order
}

/// Service indices sorted by mean attributable loss, largest first; ties in file order.
pub fn ranking(stats: &PortalStats) -> Vec<ServiceIdx> {
    let mut order: Vec<ServiceIdx> = (0..stats.services.len()).collect();
    let key = |s: usize| stats.services[s].attributable.mean().unwrap_or(0.0);
    order.sort_by(|&a, &b| key(b).total_cmp(&key(a)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Trial;

    /// The skip is exact: in every trial where a service was never down, making it
    /// never-down gives the same outcome, to the bit.
    #[test]
    fn services_not_down_in_a_trial_change_nothing_when_made_never_down() {
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/design-example.ron");
        let m = crate::model::load(example).unwrap().model;
        let c = Compiled::new(&m);
        let mut base = Trial::new(&c);
        let mut skipped = 0;
        for s in 0..c.n_services() {
            let mut cf = c.clone();
            cf.overrides.never_down[s] = true;
            let mut t = Trial::new(&cf);
            for i in 0..300 {
                base.run(5, i);
                if was_down(&base.outcome, s) {
                    continue;
                }
                skipped += 1;
                t.run(5, i);
                assert_eq!(base.outcome.user_hours_lost, t.outcome.user_hours_lost);
                assert_eq!(base.outcome.degraded, t.outcome.degraded);
            }
        }
        assert!(skipped > 100, "the check ran on {skipped} trials");
    }

    #[test]
    fn reach_counts_dependents_through_any_edge_once() {
        let text = r#"Scenario(name: "t", horizon: "1d", sites: [(id: "a")],
            services: [
                (id: "root", users: 1, replicas: ["a"]),
                (id: "mid", users: 10, replicas: ["a"], depends_on: ["root"]),
                (id: "leaf", users: 100, replicas: ["a"], depends_on: [(on: "mid", share: 0.5), "root"]),
                (id: "x", users: 1000, replicas: ["a"], depends_on: ["y"]),
                (id: "y", users: 1000, replicas: ["a"], depends_on: ["x"]),
            ],
        )"#;
        let m = crate::model::load_str("t.ron", text).unwrap().model;
        let r = reach(&m);
        assert_eq!(
            r[0],
            Reach {
                direct_dependents: 2,
                transitive_dependents: 2,
                transitive_users: 110
            }
        );
        assert_eq!(r[1].transitive_users, 100);
        assert_eq!(r[2].transitive_dependents, 0);
        // A cycle: each reaches the other, never itself.
        assert_eq!(r[3].transitive_dependents, 1);
        assert_eq!(r[3].transitive_users, 1000);
    }
}
