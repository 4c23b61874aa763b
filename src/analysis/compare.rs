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

use std::ops::ControlFlow;

use super::batch::{batch_trials, for_each_batch};
use super::plan::RunOptions;
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
    fn new(c: &Compiled) -> Self {
        Arm {
            total: Summary::new(),
            downtime: vec![Summary::new(); c.n_services()],
            journeys: vec![JourneyArm::default(); c.n_journeys()],
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
    fn new(base: &Compiled, variants: &[Compiled]) -> Self {
        Comparison {
            trials: 0,
            base: Arm::new(base),
            variants: variants
                .iter()
                .map(|v| Paired {
                    arm: Arm::new(v),
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

fn add_arm(arm: &mut Arm, t: &Trial) {
    let o = &t.outcome;
    arm.total.add(o.total_user_hours_lost);
    for (d, &h) in arm.downtime.iter_mut().zip(&o.downtime) {
        d.add(h);
    }
    for (j, a) in arm.journeys.iter_mut().enumerate() {
        a.downtime.add(o.journey_downtime[j]);
        a.user_hours_lost.add(o.journey_user_hours_lost[j]);
    }
}

/// Plays batch `b` of every arm, trial by trial.
pub fn compare_batch(
    base: &Compiled,
    variants: &[Compiled],
    seed: u64,
    b: u64,
    total: u64,
) -> Comparison {
    let mut acc = Comparison::new(base, variants);
    let mut tb = Trial::new(base);
    let mut tv: Vec<Trial> = variants.iter().map(Trial::new).collect();
    for i in batch_trials(b, total) {
        acc.trials += 1;
        tb.run(seed, i);
        add_arm(&mut acc.base, &tb);
        let lb = tb.outcome.total_user_hours_lost;
        for (p, t) in acc.variants.iter_mut().zip(&mut tv) {
            t.run(seed, i);
            add_arm(&mut p.arm, t);
            let lv = t.outcome.total_user_hours_lost;
            p.difference.add(lv - lb);
            if lv < lb {
                p.better += 1;
            } else if lv == lb {
                p.ties += 1;
            }
        }
    }
    acc
}

/// Compares `base` with each of `variants` on common random numbers.
pub fn compare(
    base: &Model,
    variants: &[&Model],
    opts: &RunOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Comparison, Error> {
    let cb = Compiled::new(base);
    let cv: Vec<Compiled> = variants.iter().map(|m| Compiled::new(m)).collect();
    let mut acc = Comparison::new(&cb, &cv);
    for_each_batch(
        opts.trials,
        opts.threads,
        |b| compare_batch(&cb, &cv, opts.seed, b, opts.trials),
        &mut |p: Comparison| {
            acc.merge(&p);
            progress(acc.trials, opts.trials);
            ControlFlow::Continue(())
        },
    )?;
    Ok(acc)
}
