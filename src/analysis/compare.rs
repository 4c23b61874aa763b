//! The paired design comparison behind `compare`: the base design and one or more
//! variants played on common random numbers.
//!
//! Trial `i` of every arm draws from the same streams (events from `(seed, i)`, each
//! service from `(seed, i, hash of its id)`), so the arms see the same fire, the same
//! failover draws for the services they share, and differ only where the designs differ.
//! Each worker plays the arms of trial `i` one after the other and accumulates the
//! per-trial difference `loss(variant) − loss(base)`. Its variance is
//! `var(a) + var(b) − 2 cov(a, b)`; the arms are strongly positively correlated (same
//! events), so the interval of the difference is much narrower than the one from two
//! independent runs, `√(se_a² + se_b²)`.
//!
//! Variants may add services, so arms have different service lists: totals are compared
//! directly, services only by id.

use super::batch::{Order, BATCH};
use super::plan::{Accumulators, RunOptions};
use super::run::{gather, Chunks, Sink, SERVICE_SKETCH_BUCKETS};
use crate::error::Error;
use crate::model::Model;
use crate::sim::{Compiled, Trial};
use crate::stats::{Moments, Summary};

/// What one arm (the base design or a variant) accumulates.
#[derive(Debug, Clone)]
pub struct Arm {
    /// Total user-hours lost per trial.
    pub total: Summary,
    /// Downtime hours per trial of each of the arm's services, in its file order.
    pub downtime: Vec<Summary>,
    /// Per journey (the same journeys in every arm), in file order.
    pub journeys: Vec<JourneyArm>,
}

/// What one arm accumulates for one journey.
#[derive(Debug, Clone, Default)]
pub struct JourneyArm {
    /// Hours down per trial.
    pub downtime: Summary,
    pub user_hours_lost: Moments,
}

impl Arm {
    /// An empty arm of `n` services, whose per-service sketches have the window of
    /// `run`'s ([`SERVICE_SKETCH_BUCKETS`]), and `journeys` journeys.
    fn new(n: usize, journeys: usize) -> Self {
        Arm {
            total: Summary::new(),
            downtime: vec![Summary::with_window(SERVICE_SKETCH_BUCKETS); n],
            journeys: vec![JourneyArm::default(); journeys],
        }
    }
    fn merge(&mut self, o: &Arm) {
        self.total.merge(&o.total);
        for (a, b) in self.downtime.iter_mut().zip(&o.downtime) {
            a.merge(b);
        }
        for (a, b) in self.journeys.iter_mut().zip(&o.journeys) {
            a.downtime.merge(&b.downtime);
            a.user_hours_lost.merge(&b.user_hours_lost);
        }
    }
    /// The service with the largest p95 downtime (first in file order on ties) and that
    /// p95; `None` for an arm without services.
    pub fn worst_p95(&self) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64)> = None;
        for (s, d) in self.downtime.iter().enumerate() {
            let p = d.quantile(0.95).unwrap_or(0.0);
            if best.is_none_or(|(_, b)| p > b) {
                best = Some((s, p));
            }
        }
        best
    }
}

/// One variant against the base.
#[derive(Debug, Clone)]
pub struct Paired {
    pub arm: Arm,
    /// `loss(variant) − loss(base)` per trial.
    pub difference: Moments,
    /// Trials in which the variant lost strictly fewer user-hours.
    pub better: u64,
    /// Trials in which both lost exactly the same.
    pub ties: u64,
}

#[derive(Debug, Clone)]
pub struct Comparison {
    pub trials: u64,
    pub base: Arm,
    /// In the order the variants were given.
    pub variants: Vec<Paired>,
}

impl Comparison {
    /// Empty totals and journeys for the base and each variant; the arms' per-service
    /// summaries are gathered from the workers at the end.
    fn new(base: &Compiled, variants: &[Compiled]) -> Self {
        Comparison {
            trials: 0,
            base: Arm::new(0, base.n_journeys()),
            variants: variants
                .iter()
                .map(|v| Paired {
                    arm: Arm::new(0, v.n_journeys()),
                    difference: Moments::new(),
                    better: 0,
                    ties: 0,
                })
                .collect(),
        }
    }
    fn merge(&mut self, o: &Comparison) {
        self.trials += o.trials;
        self.base.merge(&o.base);
        for (a, b) in self.variants.iter_mut().zip(&o.variants) {
            a.arm.merge(&b.arm);
            a.difference.merge(&b.difference);
            a.better += b.better;
            a.ties += b.ties;
        }
    }
}

/// Adds the non-zero downtimes of `t` to an arm's per-service summaries (the zeros are
/// counted at the end: [`count_zeros`]).
fn add_downtimes(sink: &mut Sink<Summary>, start: usize, busy: &mut Vec<usize>, t: &Trial) {
    let o = &t.outcome;
    sink.each(start, busy, &mut |chunk, first| {
        for (d, &h) in chunk.iter_mut().zip(&o.downtime[first..]) {
            if h != 0.0 {
                d.add(h);
            }
        }
    });
}

/// Adds the totals and journeys of `t` to an arm.
fn add_arm_totals(arm: &mut Arm, t: &Trial) {
    let o = &t.outcome;
    arm.total.add(o.total_user_hours_lost);
    for (j, a) in arm.journeys.iter_mut().enumerate() {
        a.downtime.add(o.journey_downtime[j]);
        a.user_hours_lost.add(o.journey_user_hours_lost[j]);
    }
}

/// Gives each summary the zeros of the trials it was not given a value in.
fn count_zeros(downtime: &mut [Summary], trials: u64) {
    for d in downtime {
        d.add_zeros(trials - d.count());
    }
}

/// A worker of [`compare`]: its totals, its trials, and where it adds each arm's
/// per-service downtimes.
struct Worker<'a> {
    acc: Comparison,
    tb: Trial<'a>,
    tv: Vec<Trial<'a>>,
    /// Base first, then each variant.
    sinks: Vec<Sink<'a, Summary>>,
    start: usize,
    busy: Vec<usize>,
}

/// Compares `base` with each of `variants` on common random numbers. Workers add every
/// trial straight into accumulators that hold the whole run, in the layout `run` uses
/// (`analysis::plan::Accumulators`): one set per worker, or, on large graphs, one set
/// shared in chunks.
pub fn compare(
    base: &Model,
    variants: &[&Model],
    opts: &RunOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Comparison, Error> {
    let batches = 0..opts.trials.div_ceil(BATCH);
    let workers = super::batch::workers(opts.trials, opts.threads, &batches)?;
    let cb = Compiled::new(base);
    let cv: Vec<Compiled> = variants.iter().map(|m| Compiled::new(m)).collect();
    let arms: Vec<&Compiled> = std::iter::once(&cb).chain(&cv).collect();
    let services: usize = arms.iter().map(|c| c.n_services()).sum();
    let layout = Accumulators::for_run(services, workers);
    let shared: Vec<Chunks<Summary>> = arms
        .iter()
        .map(|c| match layout {
            Accumulators::PerWorker => Chunks::new(Vec::new()),
            Accumulators::Shared => Chunks::new(Arm::new(c.n_services(), 0).downtime),
        })
        .collect();
    let init = |w: usize| Worker {
        acc: Comparison::new(&cb, &cv),
        tb: Trial::new(&cb),
        tv: cv.iter().map(Trial::new).collect(),
        sinks: arms
            .iter()
            .zip(&shared)
            .map(|(c, s)| Sink::new(layout, s, || Arm::new(c.n_services(), 0).downtime))
            .collect(),
        start: shared[0].start(w, workers),
        busy: Vec::new(),
    };
    let play = |w: &mut Worker, trials: std::ops::Range<u64>| {
        for i in trials {
            w.acc.trials += 1;
            w.tb.run(opts.seed, i);
            let lb = w.tb.outcome.total_user_hours_lost;
            add_arm_totals(&mut w.acc.base, &w.tb);
            let (base_sink, variant_sinks) = w.sinks.split_at_mut(1);
            add_downtimes(&mut base_sink[0], w.start, &mut w.busy, &w.tb);
            for ((p, t), sink) in w.acc.variants.iter_mut().zip(&mut w.tv).zip(variant_sinks) {
                t.run(opts.seed, i);
                let lv = t.outcome.total_user_hours_lost;
                add_arm_totals(&mut p.arm, t);
                add_downtimes(sink, w.start, &mut w.busy, t);
                p.difference.add(lv - lb);
                if lv < lb {
                    p.better += 1;
                } else if lv == lb {
                    p.ties += 1;
                }
            }
        }
    };
    let states = super::batch::play(
        batches,
        opts.trials,
        workers,
        Order::Any,
        &init,
        &play,
        &mut |done| progress(done, opts.trials),
    );
    let mut acc = Comparison::new(&cb, &cv);
    let mut own: Vec<Vec<Vec<Summary>>> = vec![Vec::new(); arms.len()];
    for w in states {
        acc.merge(&w.acc);
        for (k, sink) in w.sinks.into_iter().enumerate() {
            own[k].push(sink.into_own());
        }
    }
    let mut sets = shared
        .into_iter()
        .zip(own)
        .map(|(s, o)| gather(layout, s, o, Summary::merge));
    acc.base.downtime = sets.next().unwrap_or_default();
    for (p, set) in acc.variants.iter_mut().zip(sets) {
        p.arm.downtime = set;
    }
    count_zeros(&mut acc.base.downtime, acc.trials);
    for p in &mut acc.variants {
        count_zeros(&mut p.arm.downtime, acc.trials);
    }
    Ok(acc)
}
