//! Risk per year, behind `risk` and the report's "Risk per year" (docs/risk.md).
//!
//! Each top-level event with `per_year` is an independent yearly frequency. It is played
//! on its own, forced to happen (`EventFilter::Only`), its follow-ons at their own
//! probabilities, no other top-level event and no background hazard (`no_hazards`), over
//! the trials: one forced trial is one *incident*. Then, assuming incidents are rare
//! enough not to overlap:
//! * expected user-hours lost per year: `Σ_k per_year_k × E[loss | event k]`, plus the
//!   background hazards' own loss (a run with no events, its mean loss over the horizon
//!   scaled to a year: `× 8760 h / horizon`);
//! * exceedance (F–N) curves: the yearly frequency of incidents with at least `x` users
//!   affected, `x` user-hours lost, or `x` hours of one service down,
//!   `Σ_k per_year_k × P(X ≥ x | event k)`, on a log grid;
//! * thresholds and tolerances: `P(breach | event k)` and `Σ_k per_year_k × P(breach | k)`.
//!
//! Hazards enter the expected loss only: they are not incidents, so they are left out of
//! the curves, thresholds and tolerances. Values are counted in log bins (8 per
//! doubling) whose edges are the curves' grid points, so every point is an exact count;
//! the counts are folded in batch order, and the result is a function of (scenario, seed,
//! trials) alone.

use std::collections::BTreeMap;

use super::batch::{Order, BATCH};
use super::plan::RunOptions;
use super::whatif::{BlastRow, Lost};
use crate::error::Error;
use crate::model::{Event, Model, ServiceIdx, SiteIdx, SiteKind};
use crate::sim::{Compiled, EventFilter, Outcome, Trial};
use crate::stats::Moments;

/// Hours in a year (a year of 365 days, as durations count it).
pub const HOURS_PER_YEAR: f64 = 8760.0;
/// Log bins per doubling: grid points are `2^(j / BINS_PER_OCTAVE)`.
const BINS_PER_OCTAVE: f64 = 8.0;
/// Most points of the users and user-hours curves.
pub const CURVE_POINTS: usize = 50;
/// Most points of each service's downtime curve.
pub const DOWNTIME_POINTS: usize = 20;
/// How many sites, data centers and services the concentration names.
pub const CONCENTRATION_TOP: usize = 5;

/// The lower edge of log bin `j`.
pub fn edge(j: i32) -> f64 {
    (j as f64 / BINS_PER_OCTAVE).exp2()
}

/// The log bin of `x > 0`: the `j` with `edge(j) ≤ x < edge(j + 1)`, exactly (the first
/// guess from the logarithm is corrected against the edges themselves).
fn bin(x: f64) -> i32 {
    let mut j = (x.log2() * BINS_PER_OCTAVE).floor().clamp(-1e5, 1e5) as i32;
    while edge(j + 1) <= x {
        j += 1;
    }
    while edge(j) > x {
        j -= 1;
    }
    j
}

/// Counts of positive values by log bin; values ≤ 0 are not counted.
#[derive(Debug, Clone, Default)]
pub struct LogCounts {
    bins: BTreeMap<i32, u64>,
}

impl LogCounts {
    pub fn add(&mut self, x: f64) {
        if x > 0.0 && x.is_finite() {
            *self.bins.entry(bin(x)).or_default() += 1;
        }
    }
    pub fn merge(&mut self, o: &LogCounts) {
        for (&j, &n) in &o.bins {
            *self.bins.entry(j).or_default() += n;
        }
    }
    /// Values `≥ edge(j)`.
    pub fn at_least(&self, j: i32) -> u64 {
        self.bins.range(j..).map(|(_, &n)| n).sum()
    }
    fn span(&self) -> Option<(i32, i32)> {
        Some((*self.bins.keys().next()?, *self.bins.keys().next_back()?))
    }
}

/// What the trials of one forced event add up to.
#[derive(Debug, Clone)]
struct EventAcc {
    loss: Moments,
    users: LogCounts,
    user_hours: LogCounts,
    downtime: Vec<LogCounts>,
    thresholds: Vec<u64>,
    /// Per entry of [`Plan::tolerant`].
    tolerances: Vec<u64>,
}

/// The accumulators of the risk analysis: one set per annualised event, and the loss of
/// the hazard-only run.
#[derive(Debug, Clone)]
pub struct RiskAcc {
    pub trials: u64,
    events: Vec<EventAcc>,
    hazards: Moments,
}

/// What is played: the annualised events and what each trial is checked against.
struct Plan {
    /// Per annualised event: its index in `Compiled::events`.
    compiled: Vec<u32>,
    /// Services with a tolerance, in file order, with it.
    tolerant: Vec<(ServiceIdx, f64)>,
    hazards: bool,
    total_users: f64,
}

impl RiskAcc {
    fn new(p: &Plan, m: &Model) -> Self {
        let e = EventAcc {
            loss: Moments::new(),
            users: LogCounts::default(),
            user_hours: LogCounts::default(),
            downtime: vec![LogCounts::default(); m.services.len()],
            thresholds: vec![0; m.thresholds.len()],
            tolerances: vec![0; p.tolerant.len()],
        };
        RiskAcc {
            trials: 0,
            events: vec![e; p.compiled.len()],
            hazards: Moments::new(),
        }
    }
    fn merge(&mut self, o: &RiskAcc) {
        self.trials += o.trials;
        self.hazards.merge(&o.hazards);
        for (a, b) in self.events.iter_mut().zip(&o.events) {
            a.loss.merge(&b.loss);
            a.users.merge(&b.users);
            a.user_hours.merge(&b.user_hours);
            for (x, y) in a.downtime.iter_mut().zip(&b.downtime) {
                x.merge(y);
            }
            for (x, y) in a.thresholds.iter_mut().zip(&b.thresholds) {
                *x += y;
            }
            for (x, y) in a.tolerances.iter_mut().zip(&b.tolerances) {
                *x += y;
            }
        }
    }
}

/// Users affected in an incident: users of the services down, plus `share × users` of
/// those degraded, at their worst moment.
pub fn users_affected(m: &Model, o: &Outcome) -> f64 {
    m.services
        .iter()
        .zip(&o.peak_lost_share)
        .map(|(s, &p)| s.users as f64 * p)
        .sum()
}

/// Whether an incident breaches `t`: the services with users that were down for at least
/// `min_downtime` (affected at all, weighted by the share lost, without it) are not
/// none, and their users are at least `min_users` and `min_share` of all users.
pub fn breaches(m: &Model, t: &crate::model::Threshold, o: &Outcome, total_users: f64) -> bool {
    let mut any = false;
    let mut users = 0.0;
    for (s, svc) in m.services.iter().enumerate() {
        if svc.users == 0 {
            continue;
        }
        let hit = match t.min_downtime {
            Some(d) => o.downtime[s] > 0.0 && o.downtime[s] >= d,
            None => o.peak_lost_share[s] > 0.0,
        };
        if hit {
            any = true;
            users += svc.users as f64
                * if t.min_downtime.is_some() {
                    1.0
                } else {
                    o.peak_lost_share[s]
                };
        }
    }
    any && t.min_users.is_none_or(|n| users >= n as f64)
        && t.min_share
            .is_none_or(|x| total_users > 0.0 && users / total_users >= x)
}

/// Adds the trials `range` to `acc`: each annualised event forced on its own, then, when
/// the model has hazards, the hazards alone. `cf` is the worker's copy of the compiled
/// model, whose overrides are set here for each.
fn add_trials(
    acc: &mut RiskAcc,
    cf: &mut Compiled,
    m: &Model,
    p: &Plan,
    seed: u64,
    range: std::ops::Range<u64>,
) {
    acc.trials += range.end - range.start;
    cf.overrides.no_hazards = true;
    for (k, &ci) in p.compiled.iter().enumerate() {
        cf.overrides.events = EventFilter::Only(ci);
        let e = &mut acc.events[k];
        let mut t = Trial::new(cf);
        for i in range.clone() {
            t.run(seed, i);
            let o = &t.outcome;
            e.loss.add(o.total_user_hours_lost);
            e.user_hours.add(o.total_user_hours_lost);
            e.users.add(users_affected(m, o));
            for (s, &d) in o.downtime.iter().enumerate() {
                if d > 0.0 {
                    e.downtime[s].add(d);
                }
            }
            for (x, th) in e.thresholds.iter_mut().zip(&m.thresholds) {
                *x += breaches(m, th, o, p.total_users) as u64;
            }
            for (x, &(s, tol)) in e.tolerances.iter_mut().zip(&p.tolerant) {
                *x += (o.downtime[s] > tol) as u64;
            }
        }
    }
    if p.hazards {
        cf.overrides.events = EventFilter::Off;
        cf.overrides.no_hazards = false;
        let mut t = Trial::new(cf);
        for i in range {
            t.run(seed, i);
            acc.hazards.add(t.outcome.total_user_hours_lost);
        }
    }
}

/// A mean with its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub std_err: f64,
}

impl Estimate {
    fn of(m: &Moments) -> Self {
        Estimate {
            mean: m.mean().unwrap_or(0.0),
            std_err: m.std_err().unwrap_or(0.0),
        }
    }
    fn scaled(self, k: f64) -> Self {
        Estimate {
            mean: self.mean * k,
            std_err: self.std_err * k,
        }
    }
}

/// A yearly frequency with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_year: f64,
    pub low: f64,
    pub high: f64,
}

/// `Σ_k w_k × count_k / n` with a 95% interval: each `P_k` with the Agresti–Coull
/// variance `p̃(1 − p̃)/(n + 4)`, `p̃ = (count + 2)/(n + 4)` (never zero, so a count of 0 or
/// `n` still gets an interval), added over the independent events.
fn rate(weights: &[f64], counts: impl Iterator<Item = u64>, n: u64) -> Rate {
    let nf = n.max(1) as f64;
    let mut f = 0.0;
    let mut var = 0.0;
    for (&w, c) in weights.iter().zip(counts) {
        f += w * c as f64 / nf;
        let pt = (c as f64 + 2.0) / (nf + 4.0);
        var += w * w * pt * (1.0 - pt) / (nf + 4.0);
    }
    let half = 1.96 * var.sqrt();
    Rate {
        per_year: f,
        low: (f - half).max(0.0),
        high: f + half,
    }
}

/// One point of an exceedance curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub at_least: f64,
    pub rate: Rate,
}

/// One annualised event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRisk {
    pub name: String,
    pub per_year: f64,
    /// User-hours lost in one incident.
    pub loss_given_event: Estimate,
    /// `per_year × loss_given_event`.
    pub loss_per_year: Estimate,
}

/// An incident class or a tolerance: how likely each event breaches it, and how often per
/// year.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    /// Per annualised event, in order.
    pub p_given_event: Vec<f64>,
    pub rate: Rate,
}

/// One entry of a concentration list: what is lost, and the users of the services that go
/// down with it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Concentrated<T> {
    pub lost: T,
    pub users_down: u64,
    pub share: f64,
    /// Of `users_down`, those with no substitute to turn to: Σ users × (1 − Σ substitute
    /// shares) over the services that go down.
    pub users_without_substitute: f64,
}

/// How much of the population hangs on one site, data center or service lost for good
/// (`whatif`'s rows), the largest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Concentration {
    /// Σ users over every service (a person who uses two services counts twice).
    pub total_users: u64,
    pub sites: Vec<Concentrated<SiteIdx>>,
    pub data_centers: Vec<Concentrated<SiteIdx>>,
    pub services: Vec<Concentrated<ServiceIdx>>,
}

/// The risk analysis's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Risk {
    /// Trials per event (0 when nothing was annualised).
    pub trials: u64,
    pub horizon: f64,
    /// The annualised events (top-level, with `per_year`), in file order; empty when the
    /// scenario has nothing to annualise.
    pub events: Vec<EventRisk>,
    /// Top-level events without `per_year`, left out.
    pub left_out: Vec<String>,
    /// The hazard-only run: user-hours lost over the horizon and per year; `None` when the
    /// scenario has no hazards.
    pub hazards: Option<(Estimate, Estimate)>,
    /// Events and hazards together, per year.
    pub annual: Estimate,
    pub users: Vec<Point>,
    pub user_hours: Vec<Point>,
    /// Services that went down in some incident, in file order, with their curve.
    pub downtime: Vec<(ServiceIdx, Vec<Point>)>,
    /// Per `Model::thresholds`.
    pub thresholds: Vec<Breach>,
    /// Services with a tolerance, in file order.
    pub tolerances: Vec<(ServiceIdx, f64, Breach)>,
    pub concentration: Concentration,
}

impl Risk {
    /// Whether anything was annualised.
    pub fn annualised(&self) -> bool {
        !self.events.is_empty()
    }
}

/// The grid of bins covering every count (at most `max` points, the lowest and highest
/// bins always in), or none.
fn grid(all: &[&LogCounts], max: usize) -> Vec<i32> {
    let Some((lo, hi)) = all
        .iter()
        .filter_map(|c| c.span())
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
    else {
        return Vec::new();
    };
    let span = (hi - lo) as usize;
    let step = span.div_ceil(max.saturating_sub(1).max(1)).max(1);
    let mut g: Vec<i32> = (0..=span / step).map(|m| lo + (m * step) as i32).collect();
    if *g.last().expect("one point at least") != hi {
        g.push(hi);
    }
    g
}

fn curve(weights: &[f64], counts: &[&LogCounts], n: u64, max: usize) -> Vec<Point> {
    grid(counts, max)
        .into_iter()
        .map(|j| Point {
            at_least: edge(j),
            rate: rate(weights, counts.iter().map(|c| c.at_least(j)), n),
        })
        .collect()
}

/// The top-level events with `per_year`: (index in the model, index in
/// `Compiled::events`, which lists events and their follow-ons in pre-order).
fn annualised(m: &Model) -> Vec<(usize, u32)> {
    fn size(e: &Event) -> u32 {
        1 + e.then.iter().map(size).sum::<u32>()
    }
    let mut out = Vec::new();
    let mut at = 0u32;
    for (k, e) in m.events.iter().enumerate() {
        if e.per_year.is_some() {
            out.push((k, at));
        }
        at += size(e);
    }
    out
}

/// Whether the model has anything to annualise.
pub fn has_per_year(m: &Model) -> bool {
    m.events.iter().any(|e| e.per_year.is_some())
}

/// The concentration of users on single losses, from the `whatif` matrix.
pub fn concentration(m: &Model, rows: &[BlastRow]) -> Concentration {
    let total: u64 = m.services.iter().map(|s| s.users).sum();
    let mut sites = Vec::new();
    let mut services = Vec::new();
    for r in rows {
        let users_down: u64 = r.down.iter().map(|&s| m.services[s].users).sum();
        let users_without_substitute: f64 = r
            .down
            .iter()
            .map(|&s| m.services[s].users as f64 * m.services[s].locked_in_share())
            .sum();
        let share = if total > 0 {
            users_down as f64 / total as f64
        } else {
            0.0
        };
        match r.lost {
            Lost::Site(x) => sites.push(Concentrated {
                lost: x,
                users_down,
                share,
                users_without_substitute,
            }),
            Lost::Service(x) => services.push(Concentrated {
                lost: x,
                users_down,
                share,
                users_without_substitute,
            }),
        }
    }
    fn top<T: Copy + Ord>(mut v: Vec<Concentrated<T>>) -> Vec<Concentrated<T>> {
        v.retain(|c| c.users_down > 0);
        v.sort_by(|a, b| b.users_down.cmp(&a.users_down).then(a.lost.cmp(&b.lost)));
        v.truncate(CONCENTRATION_TOP);
        v
    }
    let data_centers = sites
        .iter()
        .copied()
        .filter(|c| m.sites[c.lost].kind == SiteKind::DataCenter)
        .collect();
    Concentration {
        total_users: total,
        sites: top(sites),
        data_centers: top(data_centers),
        services: top(services),
    }
}

/// Runs the risk analysis of `model` (`opts.trials` forced trials per annualised event,
/// and as many hazard-only trials when the model has hazards). Nothing is played when no
/// event has `per_year`.
pub fn risk(
    m: &Model,
    opts: &RunOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Risk, Error> {
    let rows = super::whatif::whatif(m);
    let concentration = concentration(m, &rows);
    let chosen = annualised(m);
    let left_out = m
        .events
        .iter()
        .filter(|e| e.per_year.is_none())
        .map(|e| e.name.clone())
        .collect();
    let plan = Plan {
        compiled: chosen.iter().map(|&(_, c)| c).collect(),
        tolerant: m
            .services
            .iter()
            .enumerate()
            .filter_map(|(s, x)| Some((s, x.tolerance?)))
            .collect(),
        hazards: m.sites.iter().any(|s| !s.hazards.is_empty())
            || m.services.iter().any(|s| !s.hazards.is_empty()),
        total_users: concentration.total_users as f64,
    };
    let mut acc = RiskAcc::new(&plan, m);
    if !chosen.is_empty() {
        // Each worker adds its trials into one accumulator of its own, with its own copy
        // of the compiled model; the accumulators' results depend only on the multiset of
        // values added (exact sums, counts), so which worker played which trial does not
        // show in the output.
        let c = Compiled::new(m);
        let batches = 0..opts.trials.div_ceil(BATCH);
        let workers = super::batch::workers(opts.trials, opts.threads, &batches)?;
        let init = |_: usize| (RiskAcc::new(&plan, m), c.clone());
        let play = |w: &mut (RiskAcc, Compiled), trials: std::ops::Range<u64>| {
            add_trials(&mut w.0, &mut w.1, m, &plan, opts.seed, trials)
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
        for (w, _) in &states {
            acc.merge(w);
        }
    }
    let weights: Vec<f64> = chosen
        .iter()
        .map(|&(k, _)| m.events[k].per_year.unwrap_or(0.0))
        .collect();
    let n = acc.trials;
    let events: Vec<EventRisk> = chosen
        .iter()
        .zip(&acc.events)
        .zip(&weights)
        .map(|((&(k, _), e), &w)| {
            let given = Estimate::of(&e.loss);
            EventRisk {
                name: m.events[k].name.clone(),
                per_year: w,
                loss_given_event: given,
                loss_per_year: given.scaled(w),
            }
        })
        .collect();
    let hazards = (plan.hazards && n > 0).then(|| {
        let h = Estimate::of(&acc.hazards);
        (h, h.scaled(HOURS_PER_YEAR / m.horizon))
    });
    let mut annual = Estimate {
        mean: 0.0,
        std_err: 0.0,
    };
    let mut var = 0.0;
    for part in events
        .iter()
        .map(|e| e.loss_per_year)
        .chain(hazards.map(|h| h.1))
    {
        annual.mean += part.mean;
        var += part.std_err * part.std_err;
    }
    annual.std_err = var.sqrt();
    let all = |f: &dyn Fn(&EventAcc) -> &LogCounts| -> Vec<&LogCounts> {
        acc.events.iter().map(f).collect::<Vec<_>>()
    };
    let users = curve(&weights, &all(&|e| &e.users), n, CURVE_POINTS);
    let user_hours = curve(&weights, &all(&|e| &e.user_hours), n, CURVE_POINTS);
    let downtime = (0..m.services.len())
        .filter_map(|s| {
            let counts: Vec<&LogCounts> = acc.events.iter().map(|e| &e.downtime[s]).collect();
            let c = curve(&weights, &counts, n, DOWNTIME_POINTS);
            (!c.is_empty()).then_some((s, c))
        })
        .collect();
    let breach = |count: &dyn Fn(&EventAcc) -> u64| Breach {
        p_given_event: acc
            .events
            .iter()
            .map(|e| count(e) as f64 / n.max(1) as f64)
            .collect(),
        rate: rate(&weights, acc.events.iter().map(count), n),
    };
    let thresholds = (0..m.thresholds.len())
        .map(|t| breach(&|e| e.thresholds[t]))
        .collect();
    let tolerances = plan
        .tolerant
        .iter()
        .enumerate()
        .map(|(i, &(s, tol))| (s, tol, breach(&|e| e.tolerances[i])))
        .collect();
    Ok(Risk {
        trials: n,
        horizon: m.horizon,
        events,
        left_out,
        hazards,
        annual,
        users,
        user_hours,
        downtime,
        thresholds,
        tolerances,
        concentration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_exact_at_their_edges() {
        for j in -40..200 {
            assert_eq!(bin(edge(j)), j);
            assert_eq!(bin(edge(j) * (1.0 - 1e-15)), j - 1);
        }
        let mut c = LogCounts::default();
        for x in [0.0, 1.0, 3.0, 1000.0, 1e9] {
            c.add(x);
        }
        assert_eq!(c.at_least(bin(1.0)), 4);
        assert_eq!(c.at_least(bin(3.0) + 1), 2);
    }

    #[test]
    fn grids_cover_the_range_with_few_points() {
        let mut c = LogCounts::default();
        c.add(1.0);
        c.add(1e10);
        let g = grid(&[&c], 50);
        assert!(g.len() <= 50);
        assert_eq!(g[0], bin(1.0));
        assert_eq!(*g.last().unwrap(), bin(1e10));
    }

    #[test]
    fn rates_add_up_over_events() {
        let r = rate(&[0.1, 0.2], [50u64, 100].into_iter(), 100);
        assert!((r.per_year - 0.25).abs() < 1e-12);
        assert!(r.low < 0.25 && r.high > 0.25);
    }
}
