//! The Monte Carlo run: trials in fixed-size batches on a rayon pool, each batch's
//! outcomes streamed into mergeable accumulators, batches folded in batch order.
//!
//! Reproducibility (`docs/semantics.md`, "Reproducibility"): trial `i` draws only from
//! streams keyed by the scenario seed and `i` (see `sim::trial`), batches hold a fixed
//! number of trials ([`BATCH`]) and are folded in order, and the accumulators' getters
//! depend only on the multiset of values. So the result is a function of (scenario, seed,
//! trials) alone, whatever the thread count. Memory is bounded by the accumulators
//! (quantile sketches with a fixed maximum size) and a window of batches in flight, not by
//! the trial count.

use std::ops::ControlFlow;

use super::batch::{batch_trials, for_each_batch_in, BATCH};
use super::plan::{Accumulators, RunOptions};
use crate::error::Error;
use crate::model::Model;
use crate::sim::outcome::CURVE_POINTS;
use crate::sim::{Compiled, Trial};
use crate::stats::{ci95_half_width, Moments, Summary, Total};

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
    pub degraded_share_pct: Vec<u64>,
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
        Self::with_sketch_window(c, SERVICE_SKETCH_BUCKETS)
    }

    /// Empty accumulators whose per-service sketches have a window of `buckets` (0: none,
    /// for the result of one batch: it sees few values, so unbounded sketches stay small,
    /// and it is merged into a windowed whole).
    fn with_sketch_window(c: &Compiled, buckets: u32) -> Self {
        let services = (0..c.n_services())
            .map(|s| ServiceStats {
                downtime: Summary::with_window(buckets),
                restored_at: Summary::with_window(buckets),
                causes: vec![Total::new(); (c.cause_offsets[s + 1] - c.cause_offsets[s]) as usize],
                ..Default::default()
            })
            .collect();
        RunStats {
            trials: 0,
            services,
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
    fn add_trial(&mut self, c: &Compiled, t: &Trial) {
        self.add_totals(t);
        add_services(&mut self.services, 0, c, t);
    }

    /// Adds one trial's totals (not the per-service values: see [`add_services`]).
    fn add_totals(&mut self, t: &Trial) {
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
        for (k, v) in o.curve.iter().enumerate() {
            self.curve[k].add(*v);
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
            add_counts(&mut a.degraded_share_pct, &b.degraded_share_pct);
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

    /// Whether the 95% interval of mean total user-hours lost is within ±`r` of the mean.
    pub fn precise_enough(&self, r: f64) -> bool {
        let t = &self.total_user_hours_lost;
        match (t.mean(), t.std_err()) {
            (Some(m), Some(se)) => ci95_half_width(se) <= r * m.abs(),
            _ => false,
        }
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
    for (st, s) in services.iter_mut().zip(first..) {
        let (d, g) = (o.downtime[s], o.degraded[s]);
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
                st.degraded_share_pct = vec![0; SHARE_BINS];
            }
            st.degraded_share_pct[share_bin(o.peak_lost_share[s])] += 1;
        }
        let base = c.cause_offsets[s] as usize;
        for (k, m) in st.causes.iter_mut().enumerate() {
            let h = o.cause_hours[base + k];
            if h > 0.0 {
                m.add(h);
            }
        }
    }
}

/// Plays the trials of batch `b` (trial indices `b·BATCH ..`), at most `total` in all.
/// Its per-service sketches have no window (few values: they stay small); merge it into
/// [`RunStats::new`]'s accumulators, which do.
pub fn run_batch(c: &Compiled, seed: u64, b: u64, total: u64) -> RunStats {
    let mut stats = RunStats::with_sketch_window(c, 0);
    let mut trial = Trial::new(c);
    for i in batch_trials(b, total) {
        trial.run(seed, i);
        stats.add_trial(c, &trial);
    }
    stats.count_untouched();
    stats
}

/// Runs the Monte Carlo simulation of `model`. `progress(done, total)` is called after
/// each batch is folded, from the calling thread.
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
    let range = opts.batches();
    let c = Compiled::new(model);
    let expected = opts.trials_played();
    let Some(r) = opts.precision else {
        return run_fixed(&c, opts, range, expected, progress);
    };
    // Adaptive: the stop decision is taken after each batch, in batch order, so batches
    // are folded one by one.
    let mut acc = RunStats::new(&c);
    for_each_batch_in(
        range,
        opts.trials,
        opts.threads,
        |b| run_batch(&c, opts.seed, b, opts.trials),
        &mut |p: RunStats| {
            acc.merge(&p);
            progress(acc.trials, expected);
            if acc.trials >= MIN_ADAPTIVE_TRIALS && acc.precise_enough(r) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )?;
    Ok(acc)
}

/// Services per lock of the shared accumulators: a few hundred locks on a
/// 100,000-service graph, each taken once per trial.
const SHARED_CHUNK: usize = 256;

/// Adds trial `t`'s per-service values to the shared accumulators, chunk by chunk,
/// starting at chunk `start`; a chunk another worker holds is skipped and done last,
/// so two workers rarely wait for each other.
fn add_shared(
    chunks: &[std::sync::Mutex<Vec<ServiceStats>>],
    start: usize,
    c: &Compiled,
    t: &Trial,
    busy: &mut Vec<usize>,
) {
    use std::sync::{PoisonError, TryLockError};
    busy.clear();
    let n = chunks.len();
    for k in (start..n).chain(0..start) {
        match chunks[k].try_lock() {
            Ok(mut g) => add_services(&mut g, k * SHARED_CHUNK, c, t),
            Err(TryLockError::WouldBlock) => busy.push(k),
            Err(TryLockError::Poisoned(e)) => {
                add_services(&mut e.into_inner(), k * SHARED_CHUNK, c, t)
            }
        }
    }
    for &k in busy.iter() {
        let mut g = chunks[k].lock().unwrap_or_else(PoisonError::into_inner);
        add_services(&mut g, k * SHARED_CHUNK, c, t);
    }
}

/// A run of a fixed number of trials: each worker takes the next batch as it becomes
/// free and adds its trials to accumulators that hold many batches, one set per worker
/// or one shared set ([`Accumulators::for_run`]), merged at the end. Which worker plays
/// which batch, and in which order values reach an accumulator, varies from run to run,
/// but the accumulators' results depend only on the multiset of values added, so the
/// output does not. Memory does not grow with the number of trials.
///
/// Why a second driver beside [`for_each_batch_in`](super::batch::for_each_batch_in):
/// the batch driver builds, and then merges, one set of accumulators per batch of 128
/// trials, in batch order; here each worker adds straight into a set that holds the
/// whole run. Measured on `generate --services 1000 --sites 8 --seed 7`, 20,480 trials on
/// 2 threads, three alternating runs: 2.0–2.5 s and 19 MB peak here, 2.9–3.0 s and
/// 36 MB through the batch driver (the same trials, as an adaptive run that never stops).
/// Adaptive runs need the batch order to decide where to stop; fixed runs do not.
fn run_fixed(
    c: &Compiled,
    opts: &RunOptions,
    range: std::ops::Range<u64>,
    expected: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RunStats, Error> {
    let workers = match opts.threads {
        Some(0) => return Err(Error::usage("a run needs at least one worker thread")),
        Some(t) => t,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let workers = workers.min((range.end - range.start).max(1) as usize);
    run_fixed_with(
        c,
        opts,
        range,
        expected,
        workers,
        Accumulators::for_run(c.n_services(), workers),
        progress,
    )
}

/// [`run_fixed`] with the worker count and accumulator layout given.
pub(crate) fn run_fixed_with(
    c: &Compiled,
    opts: &RunOptions,
    range: std::ops::Range<u64>,
    expected: u64,
    workers: usize,
    layout: Accumulators,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<RunStats, Error> {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Mutex;
    let next = AtomicU64::new(range.start);
    let done = AtomicU64::new(0);
    let shared: Vec<Mutex<Vec<ServiceStats>>> = match layout {
        Accumulators::PerWorker => Vec::new(),
        Accumulators::Shared => {
            let mut services = RunStats::new(c).services.into_iter();
            let mut chunks = Vec::new();
            loop {
                let chunk: Vec<ServiceStats> = services.by_ref().take(SHARED_CHUNK).collect();
                if chunk.is_empty() {
                    break;
                }
                chunks.push(Mutex::new(chunk));
            }
            chunks
        }
    };
    // Each worker holds a sender of a channel that carries nothing and drops it when it
    // ends, so the calling thread, which reports progress meanwhile, wakes as soon as the
    // last worker is done, not at its next progress tick (up to 50 ms: a sixth of a short
    // run, and most of what kept two threads from doubling one's speed).
    let (finished, results) = std::sync::mpsc::channel::<()>();
    let parts: Vec<RunStats> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (next, done, shared) = (&next, &done, &shared);
                let finished = finished.clone();
                scope.spawn(move || {
                    // Dropped when the worker ends, normally or not.
                    let _finished = finished;
                    let mut acc = RunStats::new(c);
                    if layout == Accumulators::Shared {
                        acc.services = Vec::new();
                    }
                    let start = shared.len() * w / workers;
                    let mut busy = Vec::new();
                    let mut trial = Trial::new(c);
                    loop {
                        let b = next.fetch_add(1, Ordering::Relaxed);
                        if b >= range.end {
                            break;
                        }
                        let trials = batch_trials(b, opts.trials);
                        let n = trials.end - trials.start;
                        for i in trials {
                            trial.run(opts.seed, i);
                            match layout {
                                Accumulators::PerWorker => acc.add_trial(c, &trial),
                                Accumulators::Shared => {
                                    acc.add_totals(&trial);
                                    add_shared(shared, start, c, &trial, &mut busy);
                                }
                            }
                        }
                        done.fetch_add(n, Ordering::Relaxed);
                    }
                    acc
                })
            })
            .collect();
        drop(finished);
        // Returns `Disconnected` once every worker has ended.
        while results.recv_timeout(std::time::Duration::from_millis(50))
            != Err(std::sync::mpsc::RecvTimeoutError::Disconnected)
        {
            progress(done.load(Ordering::Relaxed), expected);
        }
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    progress(done.load(Ordering::Relaxed), expected);
    let mut parts = parts.into_iter();
    let mut acc = parts.next().unwrap_or_else(|| RunStats::new(c));
    for p in parts {
        acc.merge(&p);
    }
    if layout == Accumulators::Shared {
        acc.services = shared
            .into_iter()
            .flat_map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
            .collect();
    }
    acc.count_untouched();
    Ok(acc)
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
        let bytes = |workers, layout| {
            let st = run_fixed_with(
                &c,
                &opts,
                opts.batches(),
                300,
                workers,
                layout,
                &mut |_, _| {},
            )
            .unwrap();
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
        let one = bytes(1, Accumulators::PerWorker);
        for workers in [1, 2, 3] {
            assert_eq!(
                bytes(workers, Accumulators::Shared),
                one,
                "{workers} workers"
            );
            assert_eq!(
                bytes(workers, Accumulators::PerWorker),
                one,
                "{workers} workers"
            );
        }
        // And the adaptive path's batch-by-batch accumulation agrees too.
        let mut acc = RunStats::new(&c);
        for b in opts.batches() {
            acc.merge(&run_batch(&c, opts.seed, b, opts.trials));
        }
        assert_eq!(fingerprint(&acc), one);
    }

    #[test]
    fn large_graphs_on_several_workers_share_accumulators() {
        assert_eq!(Accumulators::for_run(100_000, 2), Accumulators::Shared);
        assert_eq!(Accumulators::for_run(100_000, 1), Accumulators::PerWorker);
        assert_eq!(Accumulators::for_run(1_000, 8), Accumulators::PerWorker);
    }
}
