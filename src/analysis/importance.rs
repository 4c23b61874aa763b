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
//! intervals from their per-trial values. Cost: at most `1 + 2 × sites` trials per trial;
//! a site with none of its own events or hazard failures due in a trial is not played
//! never failing there (nothing would change), nor is a site no service reads played
//! always down.
//!
//! Unlike `portal`'s never-down counterfactuals (`sim::replay`), these change the recovery
//! of every service with a replica in the site (its replicas never come back, or never go
//! down), and with `recovery.crews` a recovery that starts or ends at another time can
//! change every later crew assignment, of any service. A site never failing is played in
//! full. A site always down is replayed over the services it can change
//! (`sim::replay::NeverDown::always_down`) where its services' own states follow exactly
//! from the base trial's record and the crews stay free enough; elsewhere it is played in
//! full. Either way the numbers are the full re-simulation's to the bit.
//!
//! The always-down arm is nearly all of the cost and usually the better-determined one: a
//! site lost for the whole horizon loses much the same in every trial, while a site never
//! failing changes something only in the trials where it fails. So it can be played in
//! the first `N` trials only (`importance --achievement-trials N`): its figures (loss if
//! always down, achievement, achievement worth over the base of those trials) are then
//! exactly those of a run of `N` trials, and the reduction arm keeps every trial.

use std::ops::ControlFlow;

use super::batch::{batch_trials, for_each_batch};
use super::plan::RunOptions;
use crate::error::Error;
use crate::model::{Model, SiteIdx};
use crate::sim::replay::{deadlock_capable, hits, Hits, NeverDown};
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
    /// The first trials that play each site always down: every trial, or fewer with
    /// `importance --achievement-trials` (the others play the base and the sites never
    /// failing only).
    pub achievement_trials: u64,
    /// The base over those trials: what the achievement worth divides by, so that the
    /// achievement figures are those of a run of only those trials.
    pub achievement_base: Moments,
    /// By site index; only those in `played` hold values.
    pub sites: Vec<SiteImportance>,
    /// The sites whose counterfactuals were played, in file order: every site, or those
    /// asked for (`importance --site`).
    pub played: Vec<SiteIdx>,
}

impl ImportanceStats {
    fn new(n_sites: usize, played: &[SiteIdx], achievement_trials: u64) -> Self {
        ImportanceStats {
            trials: 0,
            base: Moments::new(),
            achievement_trials,
            achievement_base: Moments::new(),
            sites: vec![SiteImportance::default(); n_sites],
            played: played.to_vec(),
        }
    }
    fn merge(&mut self, o: &ImportanceStats) {
        self.trials += o.trials;
        self.base.merge(&o.base);
        self.achievement_base.merge(&o.achievement_base);
        for (a, b) in self.sites.iter_mut().zip(&o.sites) {
            a.always_down.merge(&b.always_down);
            a.never_fails.merge(&b.never_fails);
            a.achievement.merge(&b.achievement);
            a.reduction.merge(&b.reduction);
        }
    }
    /// `mean(always down) / mean(base)` over the trials that played the site always
    /// down; `None` when the base loses nothing there.
    pub fn achievement_worth(&self, site: SiteIdx) -> Option<f64> {
        ratio(
            self.sites[site].always_down.mean()?,
            self.achievement_base.mean()?,
        )
    }

    /// Whether only the first [`ImportanceStats::achievement_trials`] trials played the
    /// sites always down.
    pub fn achievement_sampled(&self) -> bool {
        self.achievement_trials < self.trials
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

/// The two counterfactuals of a site.
#[derive(Debug, Clone, Copy)]
enum Arm {
    AlwaysDown,
    NeverFails,
}

/// Plays trial `i` of seed `seed` on `t` with `arm` switched on for `site` (the outcome
/// is left in `t`), and switches it off again.
fn play_arm(t: &mut Trial, seed: u64, i: u64, site: usize, arm: Arm) {
    let switch = |t: &mut Trial, on: bool| {
        let o = t.overrides_mut();
        match arm {
            Arm::AlwaysDown => o.site_always_down[site] = on,
            Arm::NeverFails => o.site_never_fails[site] = on,
        }
    };
    switch(t, true);
    t.run(seed, i);
    switch(t, false);
}

/// Sites whose being down for the whole horizon changes nothing: no replica lies in them
/// and no service rebuilds into them, so no service ever reads their state.
fn read_by_nobody(c: &Compiled) -> Vec<bool> {
    let rebuild_sites = &c.rebuild_to.items;
    (0..c.n_sites())
        .map(|site| {
            c.subtree_replicas(site).is_empty()
                && !rebuild_sites.iter().any(|&x| c.within(x, site as u32))
        })
        .collect()
}

/// Plays batch `b`: each base trial, then each site of `played` (site indices) always
/// down and never failing; a site's values do not depend on which others are played. A
/// counterfactual that provably changes nothing is not played: its loss is the base's, as
/// playing it would give to the bit (a site read by nobody, always down; a site with none
/// of its own events or hazard failures due in the trial, never failing). A site always
/// down is replayed over the services it can change when that is exact
/// (`sim::replay::NeverDown::always_down`); the rest are played in full on one trial whose
/// overrides change between them. `capable` is `sim::replay::deadlock_capable` of `c`.
/// Only trials below `achievement_trials` play the sites always down.
pub fn importance_batch(
    c: &Compiled,
    capable: &[bool],
    played: &[SiteIdx],
    seed: u64,
    b: u64,
    total: u64,
    achievement_trials: u64,
) -> ImportanceStats {
    let range = batch_trials(b, total);
    let mut stats = ImportanceStats::new(c.n_sites(), played, achievement_trials);
    stats.trials = range.end - range.start;
    let inert = read_by_nobody(c);
    let hits: Vec<Hits> = played.iter().map(|&site| hits(c, site)).collect();
    let mut cf = NeverDown::new(c, capable);
    cf.record_recovery();
    let mut t = Trial::new(c);
    let mut fails = vec![false; played.len()];
    for i in range {
        let base = cf.base(seed, i).total_user_hours_lost;
        stats.base.add(base);
        let achievement = i < achievement_trials;
        if achievement {
            stats.achievement_base.add(base);
        }
        for (f, &site) in fails.iter_mut().zip(played) {
            *f = cf.base_trial().site_failed(site);
        }
        for ((&site, hits), &fails) in played.iter().zip(&hits).zip(&fails) {
            if achievement {
                let l = if inert[site] {
                    base
                } else {
                    cf.always_down(site, hits).unwrap_or_else(|| {
                        play_arm(&mut t, seed, i, site, Arm::AlwaysDown);
                        t.outcome.total_user_hours_lost
                    })
                };
                let si = &mut stats.sites[site];
                si.always_down.add(l);
                si.achievement.add(l - base);
            }
            let l = if fails {
                play_arm(&mut t, seed, i, site, Arm::NeverFails);
                t.outcome.total_user_hours_lost
            } else {
                base
            };
            let si = &mut stats.sites[site];
            si.never_fails.add(l);
            si.reduction.add(base - l);
        }
    }
    stats
}

/// Runs the site importance analysis of `model` on the sites `played` (indices, in file
/// order, none twice; every site when `None`), each site played always down in the first
/// `achievement_trials` trials only (all of them when `None` or more than there are).
pub fn importance(
    model: &Model,
    opts: &RunOptions,
    played: Option<&[SiteIdx]>,
    achievement_trials: Option<u64>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ImportanceStats, Error> {
    let c = Compiled::new(model);
    let capable = deadlock_capable(&c);
    let all: Vec<SiteIdx> = (0..c.n_sites()).collect();
    let played = played.unwrap_or(&all);
    debug_assert!(played.windows(2).all(|w| w[0] < w[1]));
    let ach = achievement_trials.map_or(opts.trials, |n| n.min(opts.trials));
    let mut acc = ImportanceStats::new(c.n_sites(), played, ach);
    for_each_batch(
        opts.trials,
        opts.threads,
        |b| importance_batch(&c, &capable, played, opts.seed, b, opts.trials, ach),
        &mut |p: ImportanceStats| {
            acc.merge(&p);
            progress(acc.trials, opts.trials);
            ControlFlow::Continue(())
        },
    )?;
    Ok(acc)
}

/// The played sites' indices sorted by mean reduction (the loss that disappears if the
/// site never fails), largest first, then by mean achievement; ties in file order.
pub fn ranking(stats: &ImportanceStats) -> Vec<SiteIdx> {
    let mut order = stats.played.clone();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(t: &Trial) -> Vec<u64> {
        let o = &t.outcome;
        let mut v: Vec<u64> = o.user_hours_lost.iter().map(|x| x.to_bits()).collect();
        v.push(o.total_user_hours_lost.to_bits());
        v
    }

    /// A batch over some sites plays only those: the others hold no value at all, and
    /// each played site's accumulators are the full batch's to the bit.
    #[test]
    fn a_batch_over_some_sites_plays_only_those() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/design-example.ron");
        let m = crate::model::load(path).unwrap().model;
        let c = Compiled::new(&m);
        let capable = deadlock_capable(&c);
        let all: Vec<SiteIdx> = (0..c.n_sites()).collect();
        assert!(all.len() >= 3);
        let full = importance_batch(&c, &capable, &all, m.seed, 0, 60, 60);
        let some = [0, all.len() - 1];
        let part = importance_batch(&c, &capable, &some, m.seed, 0, 60, 60);
        assert_eq!(part.trials, 60);
        assert_eq!(part.base.sum().to_bits(), full.base.sum().to_bits());
        for site in all {
            let (p, f) = (&part.sites[site], &full.sites[site]);
            let arms = |x: &SiteImportance| {
                [&x.always_down, &x.never_fails, &x.achievement, &x.reduction]
                    .map(|m| (m.count(), m.sum().to_bits(), m.variance().map(f64::to_bits)))
            };
            if some.contains(&site) {
                assert_eq!(arms(p), arms(f), "site {site}");
                assert_eq!(p.always_down.count(), 60);
            } else {
                assert!(arms(p).iter().all(|a| a.0 == 0), "site {site} was played");
            }
        }
    }

    /// The counterfactuals `importance_batch` does not play change nothing: played, they
    /// give the base trial's losses to the bit. Every bundled scenario, and one with a
    /// site nobody reads.
    #[test]
    fn skipped_counterfactuals_are_the_base_to_the_bit() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
        let mut texts: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "ron"))
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        texts.push(
            r#"Scenario(name: "t", horizon: "2d",
                sites: [(id: "a", hazards: [(mtbf: "1d", repair: "3h")]), (id: "empty"),
                        (id: "spare", parent: "empty")],
                services: [
                    (id: "x", users: 10, replicas: ["a"]),
                    (id: "y", users: 5, replicas: ["a"], depends_on: ["x"]),
                ],
                events: [(name: "e", site: "empty", at: "1h", lasts: "5h")],
            )"#
            .into(),
        );
        // Sites failed only by an event's picks or a common cause's shocks (beta 1: the
        // members have no failures of their own).
        texts.push(
            r#"Scenario(name: "picks", horizon: "2d",
                sites: [(id: "cluster"), (id: "c1", parent: "cluster"),
                        (id: "c2", parent: "cluster"), (id: "c3", parent: "cluster"),
                        (id: "d1", hazards: [(mtbf: "1d", repair: "3h")]),
                        (id: "d2", hazards: [(mtbf: "2d", repair: "3h")])],
                services: [
                    (id: "x", users: 10, replicas: ["c1"]),
                    (id: "y", users: 5, replicas: ["c2"]),
                    (id: "z", users: 3, replicas: ["c3"]),
                    (id: "p", users: 7, replicas: ["d1"]),
                    (id: "q", users: 2, replicas: ["d2"]),
                ],
                events: [(name: "e", site: "cluster", count: 1, at: "1h", lasts: "5h")],
                common_cause: [(members: ["d1", "d2"], beta: 1.0)],
            )"#
            .into(),
        );
        let (mut never, mut always) = (0, 0);
        for text in &texts {
            let m = crate::model::load_str("s.ron", text).unwrap().model;
            let c = Compiled::new(&m);
            let inert = read_by_nobody(&c);
            let mut base = Trial::new(&c);
            let mut cf = Trial::new(&c);
            for i in 0..40 {
                base.run(m.seed, i);
                for (site, &inert) in inert.iter().enumerate() {
                    let skipped = [
                        (!base.site_failed(site), Arm::NeverFails, &mut never),
                        (inert, Arm::AlwaysDown, &mut always),
                    ];
                    for (skip, arm, count) in skipped {
                        if skip {
                            *count += 1;
                            play_arm(&mut cf, m.seed, i, site, arm);
                            assert_eq!(bits(&cf), bits(&base), "{arm:?}: site {site}, trial {i}");
                        }
                    }
                }
            }
        }
        assert!(
            never > 1000 && always >= 80,
            "{never} never-fails, {always} always-down"
        );
    }
}
