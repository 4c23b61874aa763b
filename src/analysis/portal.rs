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
//! full re-simulation cost 330× (docs/performance.md).

use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::batch::{batch_trials, Order, BATCH};
use super::plan::{Accumulators, RunOptions};
use super::run::{gather, Chunks, Sink, SERVICE_SKETCH_BUCKETS};
use crate::error::Error;
use crate::model::{Model, ServiceIdx};
use crate::sim::replay::{deadlock_capable, Counterfactual, NeverDown};
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

impl ServicePortal {
    /// Empty accumulators; the downtime sketch has the window of `run`'s per-service
    /// sketches ([`SERVICE_SKETCH_BUCKETS`]).
    fn new() -> Self {
        ServicePortal {
            downtime_when_down: Summary::with_window(SERVICE_SKETCH_BUCKETS),
            ..Default::default()
        }
    }

    /// Adds a trial in which the service was down for `downtime` hours, with the
    /// attributable and own losses of its counterfactual.
    fn add(&mut self, downtime: f64, attributable: f64, own: f64) {
        self.downtime_when_down.add(downtime);
        self.trials_down += 1;
        self.attributable.add(attributable);
        self.own.add(own);
        self.spill.add(attributable - own);
    }

    fn merge(&mut self, b: &ServicePortal) {
        self.attributable.merge(&b.attributable);
        self.own.merge(&b.own);
        self.spill.merge(&b.spill);
        self.trials_down += b.trials_down;
        self.downtime_when_down.merge(&b.downtime_when_down);
    }
}

impl PortalStats {
    fn new(n: usize) -> Self {
        PortalStats {
            trials: 0,
            base_total: Moments::new(),
            services: vec![ServicePortal::new(); n],
        }
    }

    /// Every trial in which a service was not down contributes an exact 0 (the
    /// accumulators are order-independent), counted once all trials are in.
    fn count_zeros(&mut self) {
        for sp in &mut self.services {
            let zeros = self.trials - sp.trials_down;
            sp.attributable.add_zeros(zeros);
            sp.own.add_zeros(zeros);
            sp.spill.add_zeros(zeros);
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
}

/// Whether service `s` was down at any instant of the trial.
pub(crate) fn was_down(o: &Outcome, s: usize) -> bool {
    o.downtime[s] > 0.0 || !o.restored_at[s].is_nan()
}

/// Plays batch `b`: each base trial, then the counterfactual of each service that was down
/// in it, replayed over what it can change when that is exact (`sim::replay`), else
/// played in full. `capable` is `sim::replay::deadlock_capable` of `c`.
pub fn portal_batch(c: &Compiled, capable: &[bool], seed: u64, b: u64, total: u64) -> PortalStats {
    batch_stats(c, capable, seed, b, total, Counterfactuals::Replayed)
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
    batch_stats(c, capable, seed, b, total, Counterfactuals::Full)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Counterfactuals {
    Replayed,
    Full,
}

/// The accumulators of batch `b` alone.
fn batch_stats(
    c: &Compiled,
    capable: &[bool],
    seed: u64,
    b: u64,
    total: u64,
    how: Counterfactuals,
) -> PortalStats {
    let shared = Chunks::new(Vec::new());
    let mut w = Worker::new(
        c,
        capable,
        how,
        Sink::Own(PortalStats::new(c.n_services()).services),
    );
    w.play(seed, batch_trials(b, total));
    let mut stats = PortalStats {
        trials: w.trials,
        base_total: w.base_total,
        services: gather(
            Accumulators::PerWorker,
            shared,
            [w.sink.into_own()],
            ServicePortal::merge,
        ),
    };
    stats.count_zeros();
    stats
}

/// A worker of [`portal`]: its replay (kept from batch to batch), how it plays the
/// counterfactuals, its totals, scratch space, and where it adds each service's values.
struct Worker<'c> {
    cf: Box<NeverDown<'c>>,
    how: Counterfactuals,
    trials: u64,
    base_total: Moments,
    sink: Sink<'c, ServicePortal>,
    /// The services down in the base trial, with their own loss and downtime there.
    down: Vec<u32>,
    own_base: Vec<f64>,
    downtimes: Vec<f64>,
    full: Vec<Counterfactual>,
}

impl<'c> Worker<'c> {
    fn new(
        c: &'c Compiled,
        capable: &'c [bool],
        how: Counterfactuals,
        sink: Sink<'c, ServicePortal>,
    ) -> Self {
        Worker {
            cf: Box::new(NeverDown::new(c, capable)),
            how,
            trials: 0,
            base_total: Moments::new(),
            sink,
            down: Vec::new(),
            own_base: Vec::new(),
            downtimes: Vec::new(),
            full: Vec::new(),
        }
    }

    /// Plays the trials `range`: each base trial, then the counterfactual of each service
    /// that was down in it.
    fn play(&mut self, seed: u64, range: std::ops::Range<u64>) {
        for i in range {
            self.trials += 1;
            let o = self.cf.base(seed, i);
            let base_total = o.total_user_hours_lost;
            self.base_total.add(base_total);
            self.down.clear();
            self.down
                .extend((0..o.downtime.len() as u32).filter(|&s| was_down(o, s as usize)));
            self.own_base.clear();
            self.own_base
                .extend(self.down.iter().map(|&s| o.user_hours_lost[s as usize]));
            self.downtimes.clear();
            self.downtimes
                .extend(self.down.iter().map(|&s| o.downtime[s as usize]));
            let xs = match self.how {
                Counterfactuals::Replayed => self.cf.never_down(&self.down, seed, i),
                Counterfactuals::Full => {
                    self.full.clear();
                    for &s in &self.down {
                        self.full.push(self.cf.full(s as usize, seed, i));
                    }
                    &self.full[..]
                }
            };
            for (((&s, x), &own_base), &downtime) in self
                .down
                .iter()
                .zip(xs)
                .zip(&self.own_base)
                .zip(&self.downtimes)
            {
                let attributable = base_total - x.total;
                self.sink.one(s as usize, |sp| {
                    sp.add(downtime, attributable, own_base - x.own)
                });
            }
        }
    }
}

/// Runs the portal analysis of `model`. `progress(done, total)` is called from the
/// calling thread while the trials are played. Workers add every trial straight into
/// accumulators that hold the whole run, in the layout `run` uses
/// (`analysis::plan::Accumulators`): one set per worker, or, on large graphs, one set
/// shared in chunks.
pub fn portal(
    model: &Model,
    opts: &RunOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<PortalStats, Error> {
    let batches = 0..opts.trials.div_ceil(BATCH);
    let workers = super::batch::workers(opts.trials, opts.threads, &batches)?;
    let c = Compiled::new(model);
    let capable = deadlock_capable(&c);
    let n = c.n_services();
    let layout = Accumulators::for_run(n, workers);
    let shared = Chunks::new(match layout {
        Accumulators::PerWorker => Vec::new(),
        Accumulators::Shared => PortalStats::new(n).services,
    });
    let init = |_: usize| {
        let sink = Sink::new(layout, &shared, || PortalStats::new(n).services);
        Worker::new(&c, &capable, Counterfactuals::Replayed, sink)
    };
    let play = |w: &mut Worker, trials: std::ops::Range<u64>| w.play(opts.seed, trials);
    let states = super::batch::play(
        batches,
        opts.trials,
        workers,
        Order::Any,
        &init,
        &play,
        &mut |done| progress(done, opts.trials),
    );
    let mut acc = PortalStats::new(0);
    let mut own = Vec::new();
    for w in states {
        acc.trials += w.trials;
        acc.base_total.merge(&w.base_total);
        own.push(w.sink.into_own());
    }
    acc.services = gather(layout, shared, own, ServicePortal::merge);
    acc.count_zeros();
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
    // Each key once: a mean is an exact sum rounded, too dear to redo per comparison.
    let keys: Vec<[f64; 3]> = (0..stats.services.len()).map(key).collect();
    let mut order: Vec<ServiceIdx> = (0..stats.services.len()).collect();
    order.sort_by(|&a, &b| {
        let (ka, kb) = (keys[a], keys[b]);
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
    let keys: Vec<f64> = (stats.services.iter())
        .map(|s| s.attributable.mean().unwrap_or(0.0))
        .collect();
    order.sort_by(|&a, &b| keys[b].total_cmp(&keys[a]));
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
