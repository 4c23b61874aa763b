//! The Monte Carlo run: trials in fixed-size batches played by worker threads that add
//! every outcome straight into mergeable accumulators holding the whole run.
//!
//! Reproducibility (`docs/semantics.md`, "Reproducibility"): trial `i` draws only from
//! streams keyed by the scenario seed and `i` (see `sim::trial`), batches hold a fixed
//! number of trials ([`BATCH`]), an adaptive run decides after each whole batch, in
//! batch order, and the accumulators' getters depend only on the multiset of values. So
//! the result is a function of (scenario, seed, trials) alone, whatever the thread count.
//! Memory is bounded by the accumulators (quantile sketches of at most a fixed number of
//! buckets), not by the trial count.

use super::batch::{Order, BATCH};
use super::plan::{Accumulators, RunOptions};
use crate::error::Error;
use crate::model::Model;
use crate::sim::outcome::CURVE_POINTS;
use crate::sim::{Compiled, Trial};
use crate::stats::{ci95_half_width, Histogram, Moments, Summary, Total};

/// The fewest trials an adaptive run plays before it may stop.
pub const MIN_ADAPTIVE_TRIALS: u64 = 2 * BATCH;

/// Buckets of each per-service quantile sketch: 16 octaves below the largest value, a fixed
/// 2 KB per sketch once the service has been hit, so that memory does not grow with
/// trials (see `Summary::with_window`).
pub const SERVICE_SKETCH_BUCKETS: u32 = 1024;

/// Per-service accumulators.
#[derive(Debug, Clone, Default)]
pub struct ServiceStats {
    pub downtime: Summary,
    /// Only its mean is reported.
    pub degraded: Total,
    pub user_hours_lost: Moments,
    /// Over the trials in which the service was down at some time.
    pub restored_at: Summary,
    pub affected: u64,
    /// Sum over trials of the hours of each cause (own, then each hard dependency).
    pub causes: Vec<Total>,
    /// Trials in which the service was degraded but never fully down, by the largest
    /// share of its users lost at any moment, in whole percent: entry `k` counts trials
    /// whose peak lost share `x` has `⌊100·x⌋ = k` (entry 100 is a share of exactly 1). Empty
    /// until the first such trial. Used by the report to tell a service *error* (a small
    /// share of users) from a service *outage*; not part of the JSON output.
    pub degraded_share_pct: Histogram,
}

/// Per-journey accumulators.
#[derive(Debug, Clone, Default)]
pub struct JourneyStats {
    /// Hours down (some service it needs down) per trial.
    pub downtime: Summary,
    /// Σ lost share × hours per trial.
    pub lost_hours: Moments,
    /// `users × lost_hours` per trial (0 for a journey given by weight).
    pub user_hours_lost: Moments,
}

/// The mean share of the horizon up, from the mean hours down (of a service or a journey;
/// degraded counts as up).
pub fn availability(mean_downtime: Option<f64>, horizon: f64) -> Option<f64> {
    mean_downtime.map(|d| 1.0 - d / horizon)
}

/// Bins of [`ServiceStats::degraded_share_pct`]: 0 %, 1 %, …, 100 %.
pub const SHARE_BINS: usize = 101;

/// The percent bin of a lost share in `[0, 1]`. The small tolerance keeps shares that
/// are exactly a whole percent (0.29 is 28.999… × 100 in binary) in their own bin.
pub fn share_bin(share: f64) -> usize {
    ((share * 100.0 + 1e-9).floor().max(0.0) as usize).min(SHARE_BINS - 1)
}

impl ServiceStats {
    /// Trials in which the service was fully down at some time.
    pub fn down_trials(&self) -> u64 {
        self.restored_at.count()
    }

    /// Trials in which the service was degraded but never down, with a peak lost share
    /// (the largest share of its users lost at any moment) of at least `pct` percent.
    pub fn degraded_trials_at_least(&self, pct: usize) -> u64 {
        self.degraded_share_pct.iter().skip(pct).sum()
    }
}

/// Everything a run accumulates. Merging is exact, in any order, so `run --shard` can
/// write a partial result (through its own wire type, `report::partial`) and `merge`
/// can combine them.
#[derive(Debug, Clone)]
pub struct RunStats {
    pub trials: u64,
    pub services: Vec<ServiceStats>,
    pub total_user_hours_lost: Summary,
    pub services_affected: Summary,
    pub peak_down: Summary,
    pub trials_with_deadlock: u64,
    pub curve: Vec<Summary>,
    /// Trials by blast radius: entry `k` counts the trials in which exactly `k` services
    /// were affected (trailing zero entries omitted). For the report's histogram; not part
    /// of the JSON output.
    pub radius_histogram: Vec<u64>,
    /// One per journey of the scenario, in file order (empty without journeys).
    pub journeys: Vec<JourneyStats>,
}

impl RunStats {
    /// Empty accumulators for a whole run: per-service sketches with a window of
    /// [`SERVICE_SKETCH_BUCKETS`].
    pub fn new(c: &Compiled) -> Self {
        RunStats {
            services: Self::new_services(c),
            ..Self::totals(c)
        }
    }

    /// Empty per-service accumulators of [`new`](Self::new).
    fn new_services(c: &Compiled) -> Vec<ServiceStats> {
        let buckets = SERVICE_SKETCH_BUCKETS;
        (0..c.n_services())
            .map(|s| ServiceStats {
                downtime: Summary::with_window(buckets),
                restored_at: Summary::with_window(buckets),
                causes: vec![Total::new(); (c.cause_offsets[s + 1] - c.cause_offsets[s]) as usize],
                ..Default::default()
            })
            .collect()
    }

    /// [`new`](Self::new) without the per-service accumulators (a worker's, when the
    /// workers share theirs).
    fn totals(c: &Compiled) -> Self {
        let buckets = SERVICE_SKETCH_BUCKETS;
        RunStats {
            trials: 0,
            services: Vec::new(),
            total_user_hours_lost: Summary::new(),
            services_affected: Summary::new(),
            peak_down: Summary::new(),
            trials_with_deadlock: 0,
            curve: vec![Summary::new(); CURVE_POINTS],
            radius_histogram: Vec::new(),
            journeys: (0..c.n_journeys())
                .map(|_| JourneyStats {
                    downtime: Summary::with_window(buckets),
                    ..Default::default()
                })
                .collect(),
        }
    }

    /// Adds one trial: its totals, and the values of the services it touched.
    fn add_trial(&mut self, c: &Compiled, t: &Trial, ones: &mut [u64]) {
        self.add_totals(t, ones);
        add_services(&mut self.services, 0, c, t);
    }

    /// Adds one trial's totals (not the per-service values: see [`add_services`]).
    ///
    /// Points of the recovery curve at exactly 1 (all users served: most points of most
    /// trials) are only counted, in `ones`, and added all at once by
    /// [`add_ones`](Self::add_ones), the same values in a few operations.
    fn add_totals(&mut self, t: &Trial, ones: &mut [u64]) {
        let o = &t.outcome;
        self.trials += 1;
        self.total_user_hours_lost.add(o.total_user_hours_lost);
        self.services_affected.add(o.services_affected as f64);
        self.peak_down.add(o.peak_down as f64);
        let k = o.services_affected as usize;
        if self.radius_histogram.len() <= k {
            self.radius_histogram.resize(k + 1, 0);
        }
        self.radius_histogram[k] += 1;
        if o.deadlock {
            self.trials_with_deadlock += 1;
        }
        for ((s, n), &v) in self.curve.iter_mut().zip(ones.iter_mut()).zip(&o.curve) {
            if v == 1.0 {
                *n += 1;
            } else {
                s.add(v);
            }
        }
        // A journey the trial left whole is skipped, its zeros counted at the end, as for
        // services.
        for (j, st) in self.journeys.iter_mut().enumerate() {
            let (d, l) = (o.journey_downtime[j], o.journey_lost_hours[j]);
            if d == 0.0 && l == 0.0 {
                continue;
            }
            st.downtime.add(d);
            st.lost_hours.add(l);
            st.user_hours_lost.add(o.journey_user_hours_lost[j]);
        }
    }

    /// Adds the points of the recovery curve counted by [`add_totals`](Self::add_totals).
    fn add_ones(&mut self, ones: &[u64]) {
        for (s, &n) in self.curve.iter_mut().zip(ones) {
            s.add_repeated(1.0, n);
        }
    }

    /// Gives every per-service and per-journey accumulator the zeros of the trials that
    /// left its service or journey untouched (which [`add_services`] and
    /// [`RunStats::add_totals`] skip), so that each holds exactly `trials` values.
    /// Idempotent; called once a run's trials are all added.
    fn count_untouched(&mut self) {
        for st in &mut self.services {
            let missing = self.trials - st.downtime.count();
            st.downtime.add_zeros(missing);
            st.degraded.add_zeros(missing);
            st.user_hours_lost.add_zeros(missing);
        }
        for st in &mut self.journeys {
            let missing = self.trials - st.downtime.count();
            st.downtime.add_zeros(missing);
            st.lost_hours.add_zeros(missing);
            st.user_hours_lost.add_zeros(missing);
        }
    }

    pub fn merge(&mut self, other: &RunStats) {
        self.trials += other.trials;
        for (a, b) in self.services.iter_mut().zip(&other.services) {
            a.downtime.merge(&b.downtime);
            a.degraded.merge(&b.degraded);
            a.user_hours_lost.merge(&b.user_hours_lost);
            a.restored_at.merge(&b.restored_at);
            a.affected += b.affected;
            for (x, y) in a.causes.iter_mut().zip(&b.causes) {
                x.merge(y);
            }
            a.degraded_share_pct.merge(&b.degraded_share_pct);
        }
        add_counts(&mut self.radius_histogram, &other.radius_histogram);
        self.total_user_hours_lost
            .merge(&other.total_user_hours_lost);
        self.services_affected.merge(&other.services_affected);
        self.peak_down.merge(&other.peak_down);
        self.trials_with_deadlock += other.trials_with_deadlock;
        for (a, b) in self.curve.iter_mut().zip(&other.curve) {
            a.merge(b);
        }
        for (a, b) in self.journeys.iter_mut().zip(&other.journeys) {
            a.downtime.merge(&b.downtime);
            a.lost_hours.merge(&b.lost_hours);
            a.user_hours_lost.merge(&b.user_hours_lost);
        }
    }

    /// Whether the accumulators have the layout of [`RunStats::new`]'s: per-service
    /// sketches with its window, the others with none (a part written by this version,
    /// not damaged).
    pub fn has_run_layout(&self) -> bool {
        self.services.iter().all(|s| {
            s.downtime.window() == SERVICE_SKETCH_BUCKETS
                && s.restored_at.window() == SERVICE_SKETCH_BUCKETS
        }) && self
            .journeys
            .iter()
            .all(|j| j.downtime.window() == SERVICE_SKETCH_BUCKETS)
            && [
                &self.total_user_hours_lost,
                &self.services_affected,
                &self.peak_down,
            ]
            .into_iter()
            .chain(&self.curve)
            .all(|s| s.window() == 0)
            && self.curve.len() == CURVE_POINTS
    }

    /// The journeys' availability (see [`availability`]) weighted by their shares
    /// ([`Model::journey_shares`]); `None` without journeys.
    pub fn weighted_journey_availability(&self, m: &Model) -> Option<f64> {
        if m.journeys.is_empty() {
            return None;
        }
        m.journey_shares()
            .iter()
            .zip(&self.journeys)
            .map(|(share, j)| availability(j.downtime.mean(), m.horizon).map(|a| share * a))
            .sum()
    }

    /// Mean hours of cause `k` of service `s` per trial.
    pub fn cause_mean(&self, s: usize, k: usize) -> f64 {
        if self.trials == 0 {
            return 0.0;
        }
        self.services[s].causes[k].sum() / self.trials as f64
    }
}

/// Whether the 95% interval of the mean of `total` (the total user-hours lost of each
/// trial) is within ±`r` of the mean.
fn precise_enough(total: &Moments, r: f64) -> bool {
    match (total.mean(), total.std_err()) {
        (Some(m), Some(se)) => ci95_half_width(se) <= r * m.abs(),
        _ => false,
    }
}

/// Adds the counts of `b` to `a` entry by entry, growing `a` as needed.
fn add_counts(a: &mut Vec<u64>, b: &[u64]) {
    if a.len() < b.len() {
        a.resize(b.len(), 0);
    }
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// Adds trial `t`'s values of services `first ..` to their accumulators `services`. A
/// service the trial left untouched (never down nor degraded: every value 0) is skipped;
/// [`RunStats::count_untouched`] counts its zeros at the end. On a large graph most
/// services are untouched in most trials, so this keeps the cost per trial near the
/// number of services hit.
fn add_services(services: &mut [ServiceStats], first: usize, c: &Compiled, t: &Trial) {
    let o = &t.outcome;
    let end = first + services.len();
    let (down, degraded) = (&o.downtime[first..end], &o.degraded[first..end]);
    for (((st, s), &d), &g) in services.iter_mut().zip(first..).zip(down).zip(degraded) {
        if d == 0.0 && g == 0.0 {
            continue;
        }
        st.downtime.add(d);
        st.degraded.add(g);
        st.user_hours_lost.add(o.user_hours_lost[s]);
        st.affected += 1;
        if d > 0.0 {
            st.restored_at.add(o.restored_at[s]);
        } else {
            if st.degraded_share_pct.is_empty() {
                st.degraded_share_pct = Histogram::with_bins(SHARE_BINS);
            }
            st.degraded_share_pct.add(share_bin(o.peak_lost_share[s]));
        }
        let base = c.cause_offsets[s] as usize;
        let hours = &o.cause_hours[base..base + st.causes.len()];
        for (m, &h) in st.causes.iter_mut().zip(hours) {
            if h > 0.0 {
                m.add(h);
            }
        }
    }
}

/// Runs the Monte Carlo simulation of `model`. `progress(done, total)` is called from the
/// calling thread while the trials are played.
///
/// Workers add every trial straight into accumulators that hold the whole run, one set
/// per worker or one set shared in chunks ([`Accumulators::for_run`]), merged at the end.
/// A fixed-size run lets each worker take the next batch as it becomes free; an adaptive
/// one (`precision`) plays one batch at a time, its trials shared by the workers, and
/// decides after each batch, in batch order, whether to stop there. Which worker adds
/// what, and in which order, varies from run to run, but the accumulators' results
/// depend only on the multiset of values added, so the output does not. Memory does not
/// grow with the number of trials, and an adaptive run holds what a fixed one does.
///
/// Why not the batch driver ([`for_each_batch`](super::batch::for_each_batch)): it builds,
/// and then merges, one set of accumulators per batch of 128 trials, several batches in
/// flight per worker. Measured before this driver on `generate --services 1000 --sites 8
/// --seed 7`, 20,480 trials on 2 threads, three alternating runs: 2.0–2.5 s and 19 MB
/// peak here, 2.9–3.0 s and 36 MB through the batch driver; on 100,000 services each
/// batch's set costs tens of megabytes.
pub fn run(
    model: &Model,
    opts: &RunOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RunStats, Error> {
    if opts.trials == 0 {
        return Err(Error::usage("a run needs at least one trial"));
    }
    if let Some(r) = opts.precision {
        if !(r.is_finite() && r > 0.0) {
            return Err(Error::usage(format!(
                "the precision of an adaptive run must be a positive number, got {r}"
            )));
        }
    }
    if let Some((k, n)) = opts.shard {
        if n == 0 || k >= n {
            return Err(Error::usage(format!(
                "shard {k} of {n}: the index must be below the count, counting from 0"
            )));
        }
        if opts.precision.is_some() {
            return Err(Error::usage(
                "an adaptive run cannot be sharded: each shard would stop on its own",
            ));
        }
    }
    let workers = super::batch::workers(opts.trials, opts.threads, &opts.batches())?;
    let c = Compiled::new(model);
    Ok(run_with(
        &c,
        opts,
        workers,
        Accumulators::for_run(c.n_services(), workers),
        progress,
    ))
}

/// Services per lock of the shared accumulators: a few hundred locks on a
/// 100,000-service graph, each taken once per trial.
const SHARED_CHUNK: usize = 256;

/// Accumulators split into chunks of [`SHARED_CHUNK`] services, each under its own lock,
/// that several workers add to (the [`Accumulators::Shared`] layout).
pub(crate) struct Chunks<T>(Vec<std::sync::Mutex<Vec<T>>>);

impl<T> Chunks<T> {
    /// `items` in chunks.
    pub(crate) fn new(items: Vec<T>) -> Self {
        let mut items = items.into_iter();
        let mut chunks = Vec::new();
        loop {
            let chunk: Vec<T> = items.by_ref().take(SHARED_CHUNK).collect();
            if chunk.is_empty() {
                break Chunks(chunks);
            }
            chunks.push(std::sync::Mutex::new(chunk));
        }
    }

    /// The chunk where worker `w` of `workers` starts, so that workers start apart.
    pub(crate) fn start(&self, w: usize, workers: usize) -> usize {
        self.0.len() * w / workers.max(1)
    }

    /// Calls `add(chunk, index of its first item)` on every chunk, starting at chunk
    /// `start`; a chunk another worker holds is skipped and done last, so two workers
    /// rarely wait for each other. `busy` is scratch space.
    pub(crate) fn each(
        &self,
        start: usize,
        busy: &mut Vec<usize>,
        add: &mut dyn FnMut(&mut [T], usize),
    ) {
        use std::sync::{PoisonError, TryLockError};
        busy.clear();
        let n = self.0.len();
        let start = start.min(n);
        for k in (start..n).chain(0..start) {
            match self.0[k].try_lock() {
                Ok(mut g) => add(&mut g, k * SHARED_CHUNK),
                Err(TryLockError::WouldBlock) => busy.push(k),
                Err(TryLockError::Poisoned(e)) => add(&mut e.into_inner(), k * SHARED_CHUNK),
            }
        }
        for &k in busy.iter() {
            let mut g = self.0[k].lock().unwrap_or_else(PoisonError::into_inner);
            add(&mut g, k * SHARED_CHUNK);
        }
    }

    /// Calls `add` on the item `i` alone, under its chunk's lock.
    pub(crate) fn one(&self, i: usize, add: impl FnOnce(&mut T)) {
        let mut g = self.0[i / SHARED_CHUNK]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        add(&mut g[i % SHARED_CHUNK]);
    }

    /// The items, in order.
    pub(crate) fn into_inner(self) -> Vec<T> {
        self.0
            .into_iter()
            .flat_map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
            .collect()
    }
}

/// Where a worker adds its per-service values: a set of its own (merged with the other
/// workers' at the end), or the set all workers share.
pub(crate) enum Sink<'a, T> {
    Own(Vec<T>),
    Shared(&'a Chunks<T>),
}

impl<'a, T> Sink<'a, T> {
    /// A worker's sink: `own()` in the per-worker layout, `shared` otherwise.
    pub(crate) fn new(
        layout: Accumulators,
        shared: &'a Chunks<T>,
        own: impl FnOnce() -> Vec<T>,
    ) -> Self {
        match layout {
            Accumulators::PerWorker => Sink::Own(own()),
            Accumulators::Shared => Sink::Shared(shared),
        }
    }

    /// [`Chunks::each`], or `add` on the whole set of its own.
    pub(crate) fn each(
        &mut self,
        start: usize,
        busy: &mut Vec<usize>,
        add: &mut dyn FnMut(&mut [T], usize),
    ) {
        match self {
            Sink::Own(v) => add(v, 0),
            Sink::Shared(c) => c.each(start, busy, add),
        }
    }

    /// [`Chunks::one`], or `add` on item `i` of its own.
    pub(crate) fn one(&mut self, i: usize, add: impl FnOnce(&mut T)) {
        match self {
            Sink::Own(v) => add(&mut v[i]),
            Sink::Shared(c) => c.one(i, add),
        }
    }

    /// The set of its own (empty for a shared sink).
    pub(crate) fn into_own(self) -> Vec<T> {
        match self {
            Sink::Own(v) => v,
            Sink::Shared(_) => Vec::new(),
        }
    }
}

/// The whole set from the workers' sinks: the shared one, or the workers' own sets
/// merged item by item with `merge`.
pub(crate) fn gather<T>(
    layout: Accumulators,
    shared: Chunks<T>,
    own: impl IntoIterator<Item = Vec<T>>,
    merge: impl Fn(&mut T, &T),
) -> Vec<T> {
    if layout == Accumulators::Shared {
        return shared.into_inner();
    }
    let mut sets = own.into_iter();
    let mut all = sets.next().unwrap_or_default();
    for set in sets {
        for (a, b) in all.iter_mut().zip(&set) {
            merge(a, b);
        }
    }
    all
}

/// A worker's state in [`run_with`].
struct Worker<'c> {
    /// Its totals and, in the per-worker layout, its per-service accumulators.
    acc: RunStats,
    trial: Trial<'c>,
    /// The first chunk it adds to in the shared layout, and scratch space.
    start: usize,
    busy: Vec<usize>,
    /// Points of the recovery curve at 1, counted (see [`RunStats::add_totals`]).
    ones: Vec<u64>,
}

/// [`run`] on `workers` workers with the accumulator layout given.
pub(crate) fn run_with(
    c: &Compiled,
    opts: &RunOptions,
    workers: usize,
    layout: Accumulators,
    progress: &mut dyn FnMut(u64, u64),
) -> RunStats {
    let expected = opts.trials_played();
    let shared = match layout {
        Accumulators::PerWorker => Chunks::new(Vec::new()),
        Accumulators::Shared => Chunks::new(RunStats::new_services(c)),
    };
    // An adaptive run's stopping rule reads the total loss of every trial played so far.
    let decision = std::sync::Mutex::new(Moments::new());
    let stop = |played: u64| {
        let r = opts.precision.unwrap_or(f64::INFINITY);
        let m = decision.lock().unwrap_or_else(|e| e.into_inner());
        played >= MIN_ADAPTIVE_TRIALS && precise_enough(&m, r)
    };
    let order = match opts.precision {
        None => Order::Any,
        Some(_) => Order::Batches(&stop),
    };
    let init = |w: usize| {
        let acc = match layout {
            Accumulators::PerWorker => RunStats::new(c),
            Accumulators::Shared => RunStats::totals(c),
        };
        Worker {
            acc,
            trial: Trial::new(c),
            start: shared.start(w, workers),
            busy: Vec::new(),
            ones: vec![0; CURVE_POINTS],
        }
    };
    let play = |w: &mut Worker, trials: std::ops::Range<u64>| {
        for i in trials {
            w.trial.run(opts.seed, i);
            let t = &w.trial;
            if opts.precision.is_some() {
                decision
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .add(t.outcome.total_user_hours_lost);
            }
            match layout {
                Accumulators::PerWorker => w.acc.add_trial(c, t, &mut w.ones),
                Accumulators::Shared => {
                    w.acc.add_totals(t, &mut w.ones);
                    shared.each(w.start, &mut w.busy, &mut |chunk, first| {
                        add_services(chunk, first, c, t)
                    });
                }
            }
        }
    };
    let states = super::batch::play(
        opts.batches(),
        opts.trials,
        workers,
        order,
        &init,
        &play,
        &mut |done| progress(done, expected),
    );
    let mut parts = states.into_iter().map(|mut w| {
        w.acc.add_ones(&w.ones);
        w.acc
    });
    let mut acc = parts.next().unwrap_or_else(|| RunStats::new(c));
    for p in parts {
        acc.merge(&p);
    }
    if layout == Accumulators::Shared {
        acc.services = shared.into_inner();
    }
    acc.count_untouched();
    acc
}

#[cfg(test)]
mod tests {
    /// Every accumulator of `st`, serialised: equal exactly when every getter is.
    fn fingerprint(st: &RunStats) -> String {
        let services: Vec<_> = st
            .services
            .iter()
            .map(|s| {
                (
                    &s.downtime,
                    &s.degraded,
                    &s.user_hours_lost,
                    &s.restored_at,
                    s.affected,
                    &s.causes,
                    &s.degraded_share_pct,
                )
            })
            .collect();
        serde_json::to_string(&(
            st.trials,
            services,
            &st.total_user_hours_lost,
            &st.services_affected,
            &st.peak_down,
            st.trials_with_deadlock,
            &st.curve,
            &st.radius_histogram,
            st.journeys
                .iter()
                .map(|j| (&j.downtime, &j.lost_hours, &j.user_hours_lost))
                .collect::<Vec<_>>(),
        ))
        .unwrap()
    }

    use super::*;

    /// A generated graph of 700 services: three chunks of the shared layout.
    fn model() -> Model {
        use crate::scenario::generate::{generate, to_ron, GenerateOptions};
        let text = to_ron(&generate(GenerateOptions {
            services: 700,
            sites: 6,
            seed: 2,
        }));
        crate::model::load_str("generated.ron", &text)
            .unwrap()
            .model
    }

    /// The shared layout gives the same accumulators, byte for byte once serialised, as
    /// one set per worker, for any number of workers; and the untouched services' zeros
    /// are all counted.
    #[test]
    fn shared_accumulators_equal_per_worker_ones() {
        let m = model();
        let c = Compiled::new(&m);
        let opts = RunOptions {
            trials: 300,
            seed: 5,
            ..Default::default()
        };
        let bytes = |opts: &RunOptions, workers, layout| {
            let st = run_with(&c, opts, workers, layout, &mut |_, _| {});
            assert_eq!(st.trials, 300);
            // Some services were hit in some trials only: their zeros were counted apart.
            assert!(st
                .services
                .iter()
                .any(|s| s.affected > 0 && s.affected < 300));
            for s in &st.services {
                assert_eq!(
                    (
                        s.downtime.count(),
                        s.degraded.count(),
                        s.user_hours_lost.count()
                    ),
                    (300, 300, 300)
                );
            }
            fingerprint(&st)
        };
        let one = bytes(&opts, 1, Accumulators::PerWorker);
        // An adaptive run that never stops early: batch by batch, trial by trial.
        let adaptive = RunOptions {
            precision: Some(1e-12),
            ..opts.clone()
        };
        for workers in [1, 2, 3] {
            for layout in [Accumulators::Shared, Accumulators::PerWorker] {
                assert_eq!(bytes(&opts, workers, layout), one, "{workers} {layout:?}");
                assert_eq!(
                    bytes(&adaptive, workers, layout),
                    one,
                    "adaptive, {workers} {layout:?}"
                );
            }
        }
    }

    /// An adaptive run stops at the first batch boundary, from the second on, where the
    /// interval of the mean total loss is narrow enough, as worked out here trial by
    /// trial; with what a fixed run of that many trials accumulates, on any number of
    /// workers.
    #[test]
    fn adaptive_runs_stop_where_the_rule_says_whatever_the_workers() {
        let m = model();
        let c = Compiled::new(&m);
        let (seed, r) = (5, 0.1);
        let mut t = Trial::new(&c);
        let mut total = Moments::new();
        let mut expected = None;
        for i in 0..40 * BATCH {
            t.run(seed, i);
            total.add(t.outcome.total_user_hours_lost);
            let played = i + 1;
            if played % BATCH == 0 && played >= MIN_ADAPTIVE_TRIALS && precise_enough(&total, r) {
                expected = Some(played);
                break;
            }
        }
        let expected = expected.expect("the rule stops within 40 batches");
        assert!(
            expected > MIN_ADAPTIVE_TRIALS,
            "stops at {expected}: pick a smaller r"
        );
        let fixed = RunOptions {
            trials: expected,
            seed,
            ..Default::default()
        };
        let want = fingerprint(&run_with(
            &c,
            &fixed,
            1,
            Accumulators::PerWorker,
            &mut |_, _| {},
        ));
        let adaptive = RunOptions {
            trials: 40 * BATCH,
            seed,
            precision: Some(r),
            ..Default::default()
        };
        for workers in [1, 3] {
            for layout in [Accumulators::Shared, Accumulators::PerWorker] {
                let st = run_with(&c, &adaptive, workers, layout, &mut |_, _| {});
                assert_eq!(st.trials, expected, "{workers} {layout:?}");
                assert_eq!(fingerprint(&st), want, "{workers} {layout:?}");
            }
        }
    }

    #[test]
    fn large_graphs_on_several_workers_share_accumulators() {
        assert_eq!(Accumulators::for_run(100_000, 2), Accumulators::Shared);
        assert_eq!(Accumulators::for_run(100_000, 1), Accumulators::PerWorker);
        assert_eq!(Accumulators::for_run(1_000, 8), Accumulators::PerWorker);
    }
}
