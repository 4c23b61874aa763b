//! The analyses a policy report draws on beyond one Monte Carlo run: single losses
//! (what a permanent loss of each site takes down), portals (services whose loss takes
//! others down with them) and design comparisons (what each variant saves).
//!
//! [`PolicyAnalyses`] is the one shape the report reads; each part is optional, so a part
//! that was not computed is simply left out of the report. The functions here fill it
//! from what is cheap to compute: single losses and *structural* portals from the
//! deterministic blast of `model::blast`, and design comparisons from one run per
//! variant on the same seed. Richer sources (a Monte Carlo portal analysis, a paired
//! comparison) fill the same fields.

use crate::analysis::run::{run, RunOptions, RunStats};
use crate::error::Error;
use crate::model::blast::blast;
use crate::model::{Loaded, Model, ServiceIdx, SiteIdx};
use crate::stats::ci95_half_width;

/// Everything optional a policy report shows beside the run itself.
#[derive(Debug, Clone, Default)]
pub struct PolicyAnalyses {
    pub single_losses: Option<Vec<SingleLoss>>,
    pub portals: Option<Vec<Portal>>,
    pub designs: Option<Vec<Design>>,
}

/// What losing one site for good does, nothing recovering (`model::blast`).
#[derive(Debug, Clone, PartialEq)]
pub struct SingleLoss {
    pub site: SiteIdx,
    /// Services down, in file order.
    pub down: Vec<ServiceIdx>,
    /// Services up but degraded, with the share of their users they lose.
    pub degraded: Vec<(ServiceIdx, f64)>,
    /// Σ users of the services down (a person who uses two of them counts twice).
    pub users_down: u64,
}

/// A service whose loss takes others down with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Portal {
    pub service: ServiceIdx,
    /// Other services down when this one is lost for good.
    pub reach: Vec<ServiceIdx>,
    /// Σ users of the services in `reach`.
    pub reach_users: u64,
    /// Monte Carlo attribution, when a portal analysis was run: mean user-hours per trial
    /// lost by the service's own users, and lost elsewhere because it went down.
    pub attributed: Option<Attributed>,
    /// Loss through the service over its own loss: `(own + spill) / own` when
    /// attributed, else `(own users + reach users) / own users`. `None` when the
    /// denominator is zero.
    pub multiplier: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attributed {
    pub own_user_hours: f64,
    pub spill_user_hours: f64,
}

/// One design variant against the base design.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    pub name: String,
    pub description: String,
    pub cost: Option<f64>,
    /// Mean user-hours lost per trial with the variant.
    pub user_hours_lost: f64,
    /// Mean user-hours saved per trial against the base (negative: the variant loses more).
    pub saved: f64,
    /// 95% interval of `saved`.
    pub saved_low: f64,
    pub saved_high: f64,
    /// Probability that the variant loses fewer user-hours than the base in a trial, when
    /// the comparison was paired trial by trial.
    pub p_better: Option<f64>,
    /// `cost / saved` when both are positive.
    pub cost_per_user_hour_saved: Option<f64>,
    /// Whether the interval comes from paired trials (common random numbers) or, more
    /// conservatively, from two independent-looking means.
    pub paired: bool,
}

impl Design {
    pub fn cost_per_saved(cost: Option<f64>, saved: f64) -> Option<f64> {
        match cost {
            Some(c) if saved > 0.0 => Some(c / saved),
            _ => None,
        }
    }
}

/// Every site lost for good, one at a time, in file order.
///
/// # Complexity
/// O(S · (S + R + V + E)).
pub fn single_losses(m: &Model) -> Vec<SingleLoss> {
    let no_services = vec![false; m.services.len()];
    (0..m.sites.len())
        .map(|site| {
            let mut lost = vec![false; m.sites.len()];
            lost[site] = true;
            let b = blast(m, &lost, &no_services);
            let down: Vec<ServiceIdx> = b.down_services().collect();
            let users_down = down.iter().map(|&s| m.services[s].users).sum();
            let degraded = b
                .degraded
                .iter()
                .enumerate()
                .filter(|(_, x)| **x > 0.0)
                .map(|(i, x)| (i, *x))
                .collect();
            SingleLoss {
                site,
                down,
                degraded,
                users_down,
            }
        })
        .collect()
}

/// Above this many services, only the [`PORTAL_CANDIDATES`] services with the most direct
/// dependents are examined, so that the work stays near-linear on large graphs.
pub const PORTAL_FULL_SCAN: usize = 2000;
pub const PORTAL_CANDIDATES: usize = 200;

/// Structural portals: each service lost for good, alone; those whose loss takes down
/// at least one other service, by the users reached (most first, then file order).
///
/// # Complexity
/// O(C · (S + R + V + E)) for C candidate services (all of them up to
/// [`PORTAL_FULL_SCAN`], else [`PORTAL_CANDIDATES`]).
pub fn structural_portals(m: &Model) -> Vec<Portal> {
    let n = m.services.len();
    let mut candidates: Vec<ServiceIdx> = (0..n).filter(|&s| !m.dependents(s).is_empty()).collect();
    if n > PORTAL_FULL_SCAN {
        candidates.sort_by_key(|&s| (std::cmp::Reverse(m.dependents(s).len()), s));
        candidates.truncate(PORTAL_CANDIDATES);
        candidates.sort_unstable();
    }
    let no_sites = vec![false; m.sites.len()];
    let mut out: Vec<Portal> = candidates
        .into_iter()
        .filter_map(|s| {
            let mut lost = vec![false; n];
            lost[s] = true;
            let b = blast(m, &no_sites, &lost);
            let reach: Vec<ServiceIdx> = b.down_services().filter(|&x| x != s).collect();
            if reach.is_empty() {
                return None;
            }
            let reach_users: u64 = reach.iter().map(|&x| m.services[x].users).sum();
            let own = m.services[s].users;
            Some(Portal {
                service: s,
                multiplier: (own > 0).then(|| (own + reach_users) as f64 / own as f64),
                reach,
                reach_users,
                attributed: None,
            })
        })
        .collect();
    out.sort_by_key(|p| (std::cmp::Reverse(p.reach_users), p.service));
    out
}

/// Each variant run on the same seed and trials as the base. Services draw from streams
/// keyed by their id, so base and variant share their random numbers; the interval here
/// nevertheless treats the two means as independent, which overstates its width (a
/// paired comparison is narrower).
pub fn designs_by_runs(
    loaded: &Loaded,
    base: &RunStats,
    opts: &RunOptions,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<Vec<Design>, Error> {
    let b = &base.total_user_hours_lost;
    let (b_mean, b_se) = (b.mean().unwrap_or(0.0), b.std_err().unwrap_or(0.0));
    // Exactly the base's trial count, so the comparison is like for like.
    let opts = RunOptions {
        trials: base.trials,
        precision: None,
        ..opts.clone()
    };
    let mut out = Vec::new();
    for v in &loaded.variants {
        let st = run(&v.model, &opts, &mut |done, total| {
            progress(&v.name, done, total)
        })?;
        let t = &st.total_user_hours_lost;
        let (mean, se) = (t.mean().unwrap_or(0.0), t.std_err().unwrap_or(0.0));
        let saved = b_mean - mean;
        let half = ci95_half_width((b_se * b_se + se * se).sqrt());
        out.push(Design {
            name: v.name.clone(),
            description: v.description.clone(),
            cost: v.cost,
            user_hours_lost: mean,
            saved,
            saved_low: saved - half,
            saved_high: saved + half,
            p_better: None,
            cost_per_user_hour_saved: Design::cost_per_saved(v.cost, saved),
            paired: false,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"Scenario(name: "t", horizon: "1d",
        sites: [(id: "r"), (id: "a", parent: "r"), (id: "b", parent: "r")],
        services: [
            (id: "login", users: 10, replicas: ["a"]),
            (id: "chat", users: 100, replicas: ["a", "b"], depends_on: ["login"]),
            (id: "maps", users: 50, replicas: ["b"], depends_on: [(on: "chat", share: 0.5)]),
        ],
    )"#;

    #[test]
    fn single_losses_follow_the_site_tree_and_hard_dependencies() {
        let m = crate::model::load_str("t.ron", TEXT).unwrap().model;
        let l = single_losses(&m);
        assert_eq!(l.len(), 3);
        // Losing the region takes everything.
        assert_eq!(l[0].down, [0, 1, 2]);
        // Losing a: login, then chat through it; maps degraded by half.
        assert_eq!(l[1].down, [0, 1]);
        assert_eq!(l[1].users_down, 110);
        assert_eq!(l[1].degraded, [(2, 0.5)]);
        // Losing b: maps only (chat still has a).
        assert_eq!(l[2].down, [2]);
    }

    #[test]
    fn portals_are_services_that_take_others_down() {
        let m = crate::model::load_str("t.ron", TEXT).unwrap().model;
        let p = structural_portals(&m);
        // chat only degrades maps: not a portal. login takes chat down.
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].service, 0);
        assert_eq!(p[0].reach, [1]);
        assert_eq!(p[0].reach_users, 100);
        assert_eq!(p[0].multiplier, Some(11.0));
    }
}
