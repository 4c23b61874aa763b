//! Run planning: the options of a Monte Carlo run ([`RunOptions`]: trials, seed,
//! threads, adaptive precision, shard), which batches it plays, how its workers hold
//! their accumulators, and how big it is, known before it starts: service-trials,
//! expected events per trial, an estimate of its time and memory. Runs far beyond one
//! machine are refused up front (exit code 2) with a message that says how big they are
//! and how to shrink or shard them, rather than running for days or exhausting memory.
//!
//! The estimates are deliberately rough (within a small factor): they only have to tell
//! a run of hours from a run of months.

use crate::error::Error;
use crate::format::format_hours;

use super::batch::{shard_batches, BATCH};
use crate::model::{Event, Hazard, Model};

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub trials: u64,
    pub seed: u64,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Stop once the 95% interval of mean total user-hours lost is within ± this share
    /// of the mean (`trials` is then the maximum).
    pub precision: Option<f64>,
    /// Run only shard `k` of `n`: a contiguous range of batches (see [`shard_batches`]).
    pub shard: Option<(u64, u64)>,
}

impl RunOptions {
    /// The batches this run plays: every batch, or its shard's.
    pub fn batches(&self) -> std::ops::Range<u64> {
        let all = self.trials.div_ceil(BATCH);
        match self.shard {
            None => 0..all,
            Some((k, n)) => shard_batches(all, k, n),
        }
    }

    /// How many trials those batches hold (fewer when `precision` stops early).
    pub fn trials_played(&self) -> u64 {
        let r = self.batches();
        r.end.saturating_mul(BATCH).min(self.trials)
            - r.start.saturating_mul(BATCH).min(self.trials)
    }
}

/// From this many services on, the workers of a fixed run add their per-service values
/// into one shared set of accumulators instead of one set each (see `run::run_fixed`).
pub const SHARED_FROM_SERVICES: usize = 8_192;

/// How the workers of a fixed run hold their per-service accumulators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accumulators {
    /// One set per worker, merged at the end: no locking, the best scaling; memory is
    /// one set per worker.
    PerWorker,
    /// One set, split into chunks of `run::SHARED_CHUNK` services, each under a lock that a
    /// worker takes for the chunk's part of a trial; memory is one set whatever the
    /// number of workers.
    Shared,
}

impl Accumulators {
    /// [`Shared`](Self::Shared) when several workers run a graph of at least
    /// [`SHARED_FROM_SERVICES`] services, where a set per worker would cost hundreds of
    /// megabytes; otherwise [`PerWorker`](Self::PerWorker).
    pub fn for_run(services: usize, workers: usize) -> Self {
        if workers > 1 && services >= SHARED_FROM_SERVICES {
            Accumulators::Shared
        } else {
            Accumulators::PerWorker
        }
    }
}

/// How a run on `threads` workers holds its accumulators over `services` services, for
/// the memory estimate ([`RunSize`]): the same for fixed and adaptive runs.
pub fn accumulation(services: usize, threads: usize) -> Accumulation {
    if Accumulators::for_run(services, threads) == Accumulators::Shared {
        Accumulation::Sets(1)
    } else {
        Accumulation::Sets(threads.max(1))
    }
}

/// The largest run accepted, in service-trial equivalents (trials × (services + expected
/// events per trial)): 10^12 is about 3 days on 2 cores at [`SERVICE_TRIALS_PER_SECOND`].
/// Anything bigger should be sharded (`run --shard K/N`) or shrunk (`--precision`).
pub const MAX_SERVICE_TRIALS: f64 = 1e12;

/// The largest estimated memory accepted for a run: 16 GiB, two thirds of the 24 GiB
/// machines this project targets.
pub const MAX_MEMORY_BYTES: f64 = 16.0 * 1024.0 * 1024.0 * 1024.0;

/// Measured engine speed, per core (`cargo bench --bench engine` on the 1,000-service
/// synthetic scenario): used for the time estimate only.
pub const SERVICE_TRIALS_PER_SECOND: f64 = 2e6;

/// Engine floor on the time between two failures of a hazard (`sim::trial`), in hours.
const MIN_GAP_HOURS: f64 = 1e-9;

/// Memory model (bytes): the validated and compiled model per service, per replica level
/// (a replica is listed under its site and every ancestor) and per edge; trial buffers per
/// service and thread; then the accumulators ([`Accumulation`]). A whole-run set costs a
/// little per service and, for a service that can be hit, its two windowed quantile
/// sketches (at most 1 KB each while no bucket holds 256 values: see
/// `analysis::run::SERVICE_SKETCH_BUCKETS`) and the boxed parts of its sums; an adaptive
/// run holds what a fixed one does. Checked
/// against `/usr/bin/time -v` on `generate --services 100000 --sites 40 --seed 3`, 2
/// threads, one shared set (docs/performance.md).
const BYTES_PER_SERVICE: f64 = 1_200.0;
const BYTES_PER_REPLICA_LEVEL: f64 = 8.0;
const BYTES_PER_EDGE: f64 = 200.0;
const BYTES_PER_SERVICE_THREAD: f64 = 200.0;
const BYTES_PER_SERVICE_SET: f64 = 400.0;
const BYTES_PER_AFFECTED_SERVICE_SET: f64 = 5_000.0;
/// Per instance copy of a fleet (`instances` above 1, per replica) and thread: its state,
/// and at worst a live restart task with its crew-queue entry and its completion event.
const BYTES_PER_INSTANCE_THREAD: f64 = 150.0;

/// An analysis that plays each of its trials several times, for its size
/// ([`RunSize::analysis`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Analysis {
    /// The base trial and the counterfactual of each service down in it
    /// ([`PORTAL_PLAYS_PER_TRIAL`]).
    Portal,
    /// The base trial, and each of this many sites (`None`: every site) never failing
    /// and always down, the last in only the first this many trials (`None`: all): an
    /// upper bound, since sites that provably change nothing are skipped.
    Importance(Option<usize>, Option<u64>),
    /// Once per event with `per_year`, and once more with the hazards alone.
    Risk,
}

impl Analysis {
    /// How many times the analysis plays each of `trials` trials of `m`, on average, and
    /// what the plays are.
    fn plays(self, m: &Model, trials: u64) -> (f64, &'static str) {
        match self {
            Analysis::Portal => (
                PORTAL_PLAYS_PER_TRIAL,
                "the base trial and each down service's counterfactual",
            ),
            Analysis::Importance(sites, achievement) => {
                let sites = sites.unwrap_or(m.sites.len()) as f64;
                match achievement.filter(|&n| n < trials) {
                    None => (1.0 + 2.0 * sites, "each site always down and never failing"),
                    Some(n) => (
                        1.0 + sites * (1.0 + n as f64 / trials as f64),
                        "each site never failing, and always down in the first trials",
                    ),
                }
            }
            Analysis::Risk => {
                let hazards = m.sites.iter().any(|s| !s.hazards.is_empty())
                    || m.services.iter().any(|s| !s.hazards.is_empty());
                let events = m.events.iter().filter(|e| e.per_year.is_some()).count();
                (
                    (events + hazards as usize) as f64,
                    "once per event with `per_year`, and once for the hazards alone",
                )
            }
        }
    }
}

/// How a run holds its accumulators, for the memory estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accumulation {
    /// This many whole-run sets (one per worker, or one shared by all), for fixed and
    /// adaptive runs alike.
    Sets(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunSize {
    pub trials: u64,
    pub threads: usize,
    pub services: usize,
    /// trials × services.
    pub service_trials: f64,
    /// Expected site and hazard events of one trial (site outages, failures, repairs).
    pub events_per_trial: f64,
    /// services + replica levels + events + instance copies of fleets: the engine work of
    /// one trial, in units of about one service's worth.
    pub work_per_trial: f64,
    /// trials × work per trial: what [`MAX_SERVICE_TRIALS`] bounds.
    pub work: f64,
    pub seconds: f64,
    pub memory_bytes: f64,
    /// How many times each trial is played, on average over the parts of an analysis
    /// (1 for `run`; see [`played`](Self::played)), and what the plays are.
    pub plays_per_trial: f64,
    pub plays: &'static str,
}

/// About how many trials `portal` plays per trial of its own: the base trial, and each
/// service down in it replayed over what it can change (`sim::replay`). Measured at 3.2–5.1×
/// `run` on the generated 1,000- and 10,000-service graphs over the releases, 4.1× at both
/// on 2026-12-01 (docs/performance.md); a
/// trial with many services down costs more, so this is an estimate, like the rest.
pub const PORTAL_PLAYS_PER_TRIAL: f64 = 4.0;

impl RunSize {
    /// The size of `trials` trials of `m` on `threads` worker threads, its accumulators
    /// held as `acc` says.
    ///
    /// # Complexity
    /// O(sites + services + replicas + edges + events); not in the instances of fleets.
    pub fn of(m: &Model, trials: u64, threads: usize, acc: Accumulation) -> RunSize {
        let threads = threads.max(1);
        let h = m.horizon;
        let mut events = 0.0;
        fn event_count(e: &Event, p: f64, out: &mut f64) {
            let p = p * e.probability;
            *out += 2.0 * p;
            for f in &e.then {
                event_count(f, p, out);
            }
        }
        for e in &m.events {
            event_count(e, 1.0, &mut events);
        }
        let hazard = |hz: &Hazard| -> f64 {
            let cycle =
                finite_or_max(hz.mtbf.mean()).max(MIN_GAP_HOURS) + finite_or_max(hz.repair.mean());
            // An alternating renewal process: about horizon / cycle failures, each with its
            // repair; at least the first draw.
            2.0 * (h / cycle) + 1.0
        };
        let depth = depths(m);
        let mut replica_levels = 0.0;
        let mut edges = 0.0;
        // Instance copies of fleets: each is reset every trial and restarts on its own.
        let mut copies = 0.0;
        for s in &m.sites {
            events += s.hazards.iter().map(hazard).sum::<f64>();
        }
        for s in &m.services {
            // Each instance of a fleet fails and is repaired on its own.
            events += s.instances as f64 * s.hazards.iter().map(hazard).sum::<f64>();
            if s.instances > 1 {
                copies +=
                    s.instances as f64 * (s.replicas.len() + s.rebuild.is_some() as usize) as f64;
            }
            replica_levels += s
                .replicas
                .iter()
                .map(|&r| depth[r] as f64 + 1.0)
                .sum::<f64>();
            edges += (s.depends_on.len() + s.recovery_needs.len()) as f64;
        }
        let n = m.services.len() as f64;
        let work_per_trial = n + replica_levels + events + copies;
        let work = trials as f64 * work_per_trial;
        let affected = can_be_hit(m) as f64;
        let Accumulation::Sets(sets) = acc;
        let sets = sets.max(1) as f64;
        let memory_bytes = n * BYTES_PER_SERVICE
            + replica_levels * BYTES_PER_REPLICA_LEVEL
            + edges * BYTES_PER_EDGE
            + n * threads as f64 * BYTES_PER_SERVICE_THREAD
            + copies * threads as f64 * BYTES_PER_INSTANCE_THREAD
            + sets * (n * BYTES_PER_SERVICE_SET + affected * BYTES_PER_AFFECTED_SERVICE_SET);
        RunSize {
            trials,
            threads,
            services: m.services.len(),
            service_trials: trials as f64 * n,
            events_per_trial: events,
            work_per_trial,
            work,
            seconds: work / (SERVICE_TRIALS_PER_SECOND * threads as f64),
            memory_bytes,
            plays_per_trial: 1.0,
            plays: "",
        }
    }

    /// [`RunSize::of`] with the accumulators a run of `m` on `threads` workers holds
    /// ([`accumulation`]).
    pub fn run(m: &Model, trials: u64, threads: usize) -> RunSize {
        RunSize::of(m, trials, threads, accumulation(m.services.len(), threads))
    }

    /// The size of `analysis` of `m` over `trials` trials on `threads` workers.
    pub fn analysis(m: &Model, trials: u64, threads: usize, analysis: Analysis) -> RunSize {
        let (plays, what) = analysis.plays(m, trials);
        RunSize::run(m, trials, threads).played(plays, what)
    }

    /// This size with each trial played `plays` times, for an analysis that plays a trial
    /// once per arm, counterfactual or forced event (`what`, for the message). The memory
    /// stays that of one play: an analysis holds one trial's buffers per worker.
    pub fn played(mut self, plays: f64, what: &'static str) -> RunSize {
        self.work *= plays;
        self.seconds *= plays;
        self.plays_per_trial = plays;
        self.plays = what;
        self
    }

    /// The size of two analyses done one after the other, or of two arms played side by
    /// side, whose accumulators are held together: their work and memory add up. The
    /// larger trials and services stand for both, and the plays per trial are what makes
    /// up the total work.
    pub fn and(self, o: RunSize) -> RunSize {
        let trials = self.trials.max(o.trials);
        let services = self.services.max(o.services);
        let work_per_trial = self.work_per_trial.max(o.work_per_trial);
        let work = self.work + o.work;
        let one_play = trials as f64 * work_per_trial;
        RunSize {
            trials,
            threads: self.threads.max(o.threads),
            services,
            service_trials: trials as f64 * services as f64,
            events_per_trial: self.events_per_trial.max(o.events_per_trial),
            work_per_trial,
            work,
            seconds: self.seconds + o.seconds,
            memory_bytes: self.memory_bytes + o.memory_bytes,
            plays_per_trial: if one_play > 0.0 { work / one_play } else { 1.0 },
            plays: if self.plays.is_empty() {
                o.plays
            } else {
                self.plays
            },
        }
    }

    /// Refuses a run beyond [`MAX_SERVICE_TRIALS`] or [`MAX_MEMORY_BYTES`], saying how big
    /// it is, then `how_to_shrink` (the caller's advice, in its own terms: flags on the
    /// command line).
    pub fn check(&self, how_to_shrink: &str) -> Result<(), Error> {
        let too_long = self.work > MAX_SERVICE_TRIALS;
        let too_big = self.memory_bytes > MAX_MEMORY_BYTES;
        if !too_long && !too_big {
            return Ok(());
        }
        let mut msg = format!(
            "this run is too big for one machine: {} trials × {} services = {} service-trials",
            group(self.trials as f64),
            group(self.services as f64),
            sci(self.service_trials),
        );
        if self.plays_per_trial > 1.0 {
            msg.push_str(&format!(
                ", each trial played about {} times ({})",
                sci(self.plays_per_trial),
                self.plays
            ));
        }
        if self.events_per_trial >= 1.0 {
            msg.push_str(&format!(
                ", with about {} site and hazard events per trial",
                sci(self.events_per_trial)
            ));
        }
        msg.push_str(&format!(
            ": about {} on {} core{} at ~{} service-trials per second per core, and about {} of memory.",
            duration(self.seconds),
            self.threads,
            if self.threads == 1 { "" } else { "s" },
            sci(SERVICE_TRIALS_PER_SECOND),
            bytes(self.memory_bytes),
        ));
        if too_long {
            msg.push_str(&format!(
                " The limit is {} service-trials (including events).",
                sci(MAX_SERVICE_TRIALS)
            ));
        }
        if too_big {
            msg.push_str(&format!(
                " The limit is {} of memory.",
                bytes(MAX_MEMORY_BYTES)
            ));
        }
        if self.events_per_trial > 1e6 {
            msg.push_str(
                " Most of the work is hazard failures: check that no `mtbf` is far shorter than the horizon.",
            );
        }
        msg.push(' ');
        msg.push_str(how_to_shrink);
        Err(Error::usage(msg))
    }
}

fn finite_or_max(x: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        f64::MAX
    }
}

/// How many services can be down or degraded at all: those with a replica in a site that
/// an event or a hazard can take down (or inside one), those with hazards, and whatever
/// depends on them. Linear time.
fn can_be_hit(m: &Model) -> usize {
    let mut site_fails = vec![false; m.sites.len()];
    fn mark(e: &Event, out: &mut [bool]) {
        for &x in &e.sites {
            out[x] = true;
        }
        for f in &e.then {
            mark(f, out);
        }
    }
    for e in &m.events {
        mark(e, &mut site_fails);
    }
    for (i, s) in m.sites.iter().enumerate() {
        if !s.hazards.is_empty() {
            site_fails[i] = true;
        }
    }
    // Inherit from ancestors, memoised: each site is decided once.
    let mut decided = vec![false; m.sites.len()];
    let mut chain = Vec::new();
    for start in 0..m.sites.len() {
        let mut cur = Some(start);
        let mut verdict = false;
        while let Some(x) = cur {
            if decided[x] || site_fails[x] {
                verdict = site_fails[x];
                break;
            }
            chain.push(x);
            cur = m.sites[x].parent;
        }
        for &x in &chain {
            site_fails[x] = verdict;
            decided[x] = true;
        }
        chain.clear();
    }
    let mut hit = vec![false; m.services.len()];
    let mut queue = Vec::new();
    for (i, s) in m.services.iter().enumerate() {
        if !s.hazards.is_empty() || s.replicas.iter().any(|&r| site_fails[r]) {
            hit[i] = true;
            queue.push(i);
        }
    }
    while let Some(b) = queue.pop() {
        for e in m
            .graph
            .edges_directed(Model::node(b), petgraph::Direction::Incoming)
        {
            let a = petgraph::visit::EdgeRef::source(&e).index();
            if e.weight().is_dependency() && !hit[a] {
                hit[a] = true;
                queue.push(a);
            }
        }
    }
    hit.iter().filter(|&&h| h).count()
}

/// Depth of every site (0 for a root), in linear time.
fn depths(m: &Model) -> Vec<usize> {
    const UNKNOWN: usize = usize::MAX;
    let mut depth = vec![UNKNOWN; m.sites.len()];
    let mut chain = Vec::new();
    for start in 0..m.sites.len() {
        let mut cur = Some(start);
        let mut base = 0;
        while let Some(x) = cur {
            if depth[x] != UNKNOWN {
                base = depth[x] + 1;
                break;
            }
            chain.push(x);
            cur = m.sites[x].parent;
        }
        // `chain` runs from `start` up to the first known site (or a root).
        for (k, &x) in chain.iter().rev().enumerate() {
            depth[x] = base + k;
        }
        chain.clear();
    }
    depth
}

/// `1234567` → `1,234,567` (numbers beyond 10^15 in scientific notation).
fn group(x: f64) -> String {
    if x >= 1e15 {
        return sci(x);
    }
    crate::format::thousands(x as u64)
}

fn sci(x: f64) -> String {
    if x < 1e6 {
        return group(x.round());
    }
    format!("{x:.1e}")
}

fn bytes(b: f64) -> String {
    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
    if b >= 1024.0 * GIB {
        format!("{:.1} TiB", b / (1024.0 * GIB))
    } else if b >= GIB {
        format!("{:.1} GiB", b / GIB)
    } else {
        format!("{:.0} MiB", (b / (1024.0 * 1024.0)).max(1.0))
    }
}

fn duration(seconds: f64) -> String {
    let hours = seconds / 3600.0;
    if hours >= 24.0 * 365.0 * 1000.0 {
        return format!("{:.1e} years", hours / (24.0 * 365.0));
    }
    if hours >= 24.0 * 365.0 {
        return format!("{:.0} years", hours / (24.0 * 365.0));
    }
    if hours < 1.0 {
        return format!("{:.0} minutes", (seconds / 60.0).ceil());
    }
    format_hours(hours)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> Model {
        crate::model::load_str("t.ron", text).unwrap().model
    }

    /// An analysis's size is its trials' work times its plays per trial, and two sizes
    /// together add their work, time and memory, with plays per trial that make up the
    /// total over the larger trials.
    #[test]
    fn analyses_multiply_and_add_the_work_of_a_run() {
        let m = model(
            r#"Scenario(name: "t", horizon: "1d", trials: 10,
                sites: [(id: "a"), (id: "b")],
                services: [(id: "x", replicas: ["a"]), (id: "y", replicas: ["b"])],
                events: [(name: "f", site: "a", lasts: "2h", per_year: 0.5)])"#,
        );
        let one = RunSize::of(&m, 100, 1, Accumulation::Sets(1));
        let imp = RunSize::analysis(&m, 100, 1, Analysis::Importance(None, None));
        assert_eq!(imp.plays_per_trial, 5.0);
        assert_eq!(imp.work, 5.0 * one.work);
        assert_eq!(imp.memory_bytes, one.memory_bytes);
        let one_site = RunSize::analysis(&m, 100, 1, Analysis::Importance(Some(1), None));
        assert_eq!(one_site.plays_per_trial, 3.0);
        assert_eq!(one_site.work, 3.0 * one.work);
        // Always down in a quarter of the trials: 1 + 2 × (1 + 0.25); at or above the
        // trials, as without.
        let sampled = RunSize::analysis(&m, 100, 1, Analysis::Importance(None, Some(25)));
        assert_eq!(sampled.plays_per_trial, 3.5);
        assert_eq!(sampled.work, 3.5 * one.work);
        let all = RunSize::analysis(&m, 100, 1, Analysis::Importance(None, Some(100)));
        assert_eq!(all.plays_per_trial, 5.0);
        let risk = RunSize::analysis(&m, 100, 1, Analysis::Risk);
        assert_eq!(
            risk.plays_per_trial, 1.0,
            "one event with per_year, no hazards"
        );
        let few = RunSize::of(&m, 50, 1, Accumulation::Sets(1));
        let both = imp.clone().and(few.clone());
        assert_eq!(both.trials, 100);
        assert_eq!(both.work, imp.work + few.work);
        assert_eq!(both.memory_bytes, imp.memory_bytes + few.memory_bytes);
        assert!(
            (both.plays_per_trial - 5.5).abs() < 1e-12,
            "{}",
            both.plays_per_trial
        );
        assert_eq!(
            both.work,
            both.trials as f64 * both.work_per_trial * both.plays_per_trial
        );
    }

    #[test]
    fn small_runs_pass_and_huge_ones_are_refused_with_their_size() {
        let m = model(
            r#"Scenario(name: "t", horizon: "10d",
                sites: [(id: "r"), (id: "a", parent: "r")],
                services: [(id: "x", replicas: ["a"]), (id: "y", replicas: ["a"], depends_on: ["x"])])"#,
        );
        let ok = RunSize::of(&m, 10_000, 2, Accumulation::Sets(2));
        assert_eq!(ok.service_trials, 20_000.0);
        // Two services, two replicas two levels deep, no events.
        assert_eq!(ok.work_per_trial, 2.0 + 4.0);
        assert!(ok.check("Shrink it.").is_ok());
        let huge = RunSize::of(&m, u64::MAX, 2, Accumulation::Sets(2));
        let e = huge.check("Shrink it.").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let text = e.to_string();
        assert!(text.contains("service-trials"), "{text}");
        assert!(text.ends_with(" Shrink it."), "{text}");
    }

    #[test]
    fn frequent_hazards_count_as_work() {
        // A failure every millisecond for a thousand years: a small file, an endless run.
        let m = model(
            r#"Scenario(name: "t", horizon: "1000y",
                sites: [(id: "a", hazards: [(mtbf: "1ms", repair: "0h")])],
                services: [(id: "x", replicas: ["a"])])"#,
        );
        let s = RunSize::of(&m, 1, 1, Accumulation::Sets(1));
        assert!(s.events_per_trial > 1e13, "{s:?}");
        let text = s.check("").unwrap_err().to_string();
        assert!(text.contains("mtbf"), "{text}");
    }

    #[test]
    fn fleets_count_their_instances_as_work_and_memory() {
        let fleet = |n: u32| {
            model(&format!(
                r#"Scenario(name: "t", horizon: "1y",
                    sites: [(id: "a"), (id: "b")],
                    services: [(id: "x", replicas: ["a", "b"], instances: {n},
                                hazards: [(mtbf: "1y", repair: "1h")])])"#
            ))
        };
        let (one, many) = (fleet(1), fleet(1_000_000));
        let a = RunSize::of(&one, 1, 2, Accumulation::Sets(2));
        let b = RunSize::of(&many, 1, 2, Accumulation::Sets(2));
        // Each instance fails on its own, and 2 × 10^6 instance copies are reset and
        // restarted in each trial, held by each of the 2 workers.
        assert!((b.events_per_trial / a.events_per_trial - 1e6).abs() < 1e-6);
        assert!(b.work_per_trial > a.work_per_trial + 2e6);
        assert!(b.memory_bytes > a.memory_bytes + 2.0 * 2e6 * 100.0);
        // A single instance adds nothing.
        let plain = model(
            r#"Scenario(name: "t", horizon: "1y", sites: [(id: "a"), (id: "b")],
                services: [(id: "x", replicas: ["a", "b"], hazards: [(mtbf: "1y", repair: "1h")])])"#,
        );
        assert_eq!(RunSize::of(&plain, 1, 2, Accumulation::Sets(2)), a);
    }

    #[test]
    fn services_nothing_can_hit_cost_little_memory() {
        let m = model(
            r#"Scenario(name: "t", horizon: "1d",
                sites: [(id: "r"), (id: "a", parent: "r"), (id: "b")],
                services: [(id: "x", replicas: ["a"]), (id: "y", replicas: ["b"], depends_on: [(on: "x", share: 0.5)]), (id: "z", replicas: ["b"])],
                events: [(name: "e", site: "r", lasts: "1h")])"#,
        );
        // x is inside r, y depends on x, z is out of reach.
        assert_eq!(can_be_hit(&m), 2);
    }

    #[test]
    fn depth_is_linear_and_right() {
        let m = model(
            r#"Scenario(name: "t", horizon: "1d",
                sites: [(id: "c", parent: "b"), (id: "b", parent: "a"), (id: "a"), (id: "d", parent: "a")],
                services: [(id: "x", replicas: ["c"])])"#,
        );
        assert_eq!(depths(&m), [2, 1, 0, 1]);
    }
}
