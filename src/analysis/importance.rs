//! Site importance measures on user-hours lost, behind `importance`.
//!
//! The risk achievement worth (RAW) and risk reduction worth (RRW) of probabilistic risk
//! assessment (as in SCRAM or BlockSim, where the metric is a failure probability), here
//! on the expected user-hours lost per trial `L`:
//! * achievement worth `RAW = L(site always down) / L(base)`: how much worse things get
//!   if the site is lost for the whole horizon (what protecting it is worth);
//! * reduction worth `RRW = L(base) / L(site never fails)`: how much better they get if
//!   the site's own events and hazards never happened (what hardening it is worth).
//!
//! Both counterfactuals use `Overrides` (`site_always_down`, `site_never_fails`), which
//! keep every random draw as in the base design, so the three arms of trial `i` are paired
//! and the differences `L(always) − L(base)` and `L(base) − L(never)` come with
//! intervals from their per-trial values. Cost: `1 + 2 × sites` trials per trial.

use super::batch::{Order, BATCH};
use super::plan::RunOptions;
use crate::error::Error;
use crate::model::{Model, SiteIdx};
use crate::sim::{Compiled, Trial};
use crate::stats::Moments;

/// Per-trial accumulators of one site's two counterfactuals.
#[derive(Debug, Clone, Default)]
pub struct SiteImportance {
    /// Total loss with the site down for the whole horizon.
    pub always_down: Moments,
    /// Total loss with the site's own events and hazards removed.
    pub never_fails: Moments,
    /// `loss(always down) − loss(base)`.
    pub achievement: Moments,
    /// `loss(base) − loss(never fails)`.
    pub reduction: Moments,
}

#[derive(Debug, Clone)]
pub struct ImportanceStats {
    pub trials: u64,
    pub base: Moments,
    pub sites: Vec<SiteImportance>,
}

impl ImportanceStats {
    fn new(n_sites: usize) -> Self {
        ImportanceStats {
            trials: 0,
            base: Moments::new(),
            sites: vec![SiteImportance::default(); n_sites],
        }
    }
    fn merge(&mut self, o: &ImportanceStats) {
        self.trials += o.trials;
        self.base.merge(&o.base);
        for (a, b) in self.sites.iter_mut().zip(&o.sites) {
            a.always_down.merge(&b.always_down);
            a.never_fails.merge(&b.never_fails);
            a.achievement.merge(&b.achievement);
            a.reduction.merge(&b.reduction);
        }
    }
    /// `mean(always down) / mean(base)`; `None` when the base loses nothing.
    pub fn achievement_worth(&self, site: SiteIdx) -> Option<f64> {
        ratio(self.sites[site].always_down.mean()?, self.base.mean()?)
    }
    /// `mean(base) / mean(never fails)`; `None` when the site never failing leaves no
    /// loss at all (the worth is unbounded, or 0/0 when the base loses nothing either).
    pub fn reduction_worth(&self, site: SiteIdx) -> Option<f64> {
        ratio(self.base.mean()?, self.sites[site].never_fails.mean()?)
    }
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b != 0.0).then(|| a / b)
}

/// A worker of [`importance`]: its accumulators (one set per worker: there are few
/// sites), the compiled model and a copy of it for the counterfactuals, and the base
/// losses of the batch it plays.
struct Worker<'c> {
    acc: ImportanceStats,
    c: &'c Compiled,
    cf: Compiled,
    losses: Vec<f64>,
}

impl Worker<'_> {
    /// Plays the batch of trials `range`: the base trials, then each site always down and
    /// never failing.
    fn play(&mut self, seed: u64, range: std::ops::Range<u64>) {
        let stats = &mut self.acc;
        stats.trials += range.end - range.start;
        self.losses.clear();
        // One trial's buffers at a time: the base's are freed before the arms'.
        let losses = &mut self.losses;
        play_arm(self.c, seed, range.clone(), |_, l| {
            losses.push(l);
            stats.base.add(l);
        });
        let base = &self.losses;
        let cf = &mut self.cf;
        for site in 0..stats.sites.len() {
            let si = &mut stats.sites[site];
            cf.overrides.site_always_down[site] = true;
            play_arm(cf, seed, range.clone(), |k, l| {
                si.always_down.add(l);
                si.achievement.add(l - base[k]);
            });
            cf.overrides.site_always_down[site] = false;
            cf.overrides.site_never_fails[site] = true;
            play_arm(cf, seed, range.clone(), |k, l| {
                si.never_fails.add(l);
                si.reduction.add(base[k] - l);
            });
            cf.overrides.site_never_fails[site] = false;
        }
    }
}

/// Plays the trials `range` on `c`, handing `add` each trial's offset in the range and
/// its total loss.
fn play_arm(c: &Compiled, seed: u64, range: std::ops::Range<u64>, mut add: impl FnMut(usize, f64)) {
    let mut t = Trial::new(c);
    for (k, i) in range.enumerate() {
        t.run(seed, i);
        add(k, t.outcome.total_user_hours_lost);
    }
}

/// Runs the site importance analysis of `model`. Workers add every trial straight into
/// accumulators that hold the whole run (`run`'s driver: `analysis::batch::play`), one
/// set per worker, merged at the end.
pub fn importance(
    model: &Model,
    opts: &RunOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportanceStats, Error> {
    let batches = 0..opts.trials.div_ceil(BATCH);
    let workers = super::batch::workers(opts.trials, opts.threads, &batches)?;
    let c = Compiled::new(model);
    let init = |_: usize| Worker {
        acc: ImportanceStats::new(c.n_sites()),
        c: &c,
        cf: c.clone(),
        losses: Vec::new(),
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
    let mut acc = ImportanceStats::new(c.n_sites());
    for w in states {
        acc.merge(&w.acc);
    }
    Ok(acc)
}

/// Site indices sorted by mean reduction (the loss that disappears if the site never
/// fails), largest first, then by mean achievement; ties in file order.
pub fn ranking(stats: &ImportanceStats) -> Vec<SiteIdx> {
    let mut order: Vec<SiteIdx> = (0..stats.sites.len()).collect();
    let key = |s: usize| {
        let x = &stats.sites[s];
        (
            x.reduction.mean().unwrap_or(0.0),
            x.achievement.mean().unwrap_or(0.0),
        )
    };
    order.sort_by(|&a, &b| {
        let (ka, kb) = (key(a), key(b));
        kb.0.total_cmp(&ka.0).then(kb.1.total_cmp(&ka.1))
    });
    order
}
