//! The analyses a policy report draws on beyond one Monte Carlo run: single losses
//! (what a permanent loss of each site takes down), portals (services whose loss takes
//! others down with them) and design comparisons (what each variant saves).
//!
//! [`PolicyAnalyses`] is the one shape the report reads; each part is optional, so a part
//! that was not computed is simply left out of the report. The functions here fill it
//! from the analyses of their own commands: [`whatif`](super::whatif) for single losses
//! and what a portal takes down, [`portal`](super::portal) for attributable loss, and
//! [`compare`](super::compare) for the paired design comparison.

use crate::analysis::compare::Comparison;
use crate::analysis::portal::{ranking, PortalStats};
use crate::analysis::run::ServiceStats;
use crate::analysis::whatif::{BlastRow, Lost};
use crate::model::{Loaded, Model, ServiceIdx, SiteIdx};
use crate::stats::ci95_half_width;

/// Everything optional a policy report shows beside the run itself.
#[derive(Debug, Clone, Default)]
pub struct PolicyAnalyses {
    pub single_losses: Option<Vec<SingleLoss>>,
    pub portals: Option<Vec<Portal>>,
    /// Trials of the portal analysis, when it was run.
    pub portal_trials: Option<u64>,
    pub designs: Option<Vec<Design>>,
    /// Portals by gateway reach, with the isolated failure and the robustness check.
    pub gateways: Option<crate::analysis::gateway::Gateways>,
    /// The leave-one-out check of a replay (`calibrate` on the scenario as written), when
    /// it has observed times and parameters they depend on.
    pub replay: Option<crate::analysis::calibrate::Calibration>,
    /// Risk per year (`analysis::risk`): always computed by the report, annualised when
    /// an event has `per_year`.
    pub risk: Option<crate::analysis::risk::Risk>,
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
    /// Services up with a recovery need down, in file order: they cannot recover that way.
    pub recovery_lost: Vec<ServiceIdx>,
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

/// How often a service's incident is an outage (most users lose it) or an error (a
/// small share do), in trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Severity {
    pub outage: u64,
    pub error: u64,
}

impl Severity {
    /// Per trial: an outage if the service was fully down at some time, or degraded (and
    /// never down) with a peak lost share of at least `pct` percent; an
    /// error if it was affected otherwise.
    pub fn of(ss: &ServiceStats, pct: usize) -> Self {
        let outage = ss.down_trials() + ss.degraded_trials_at_least(pct);
        Severity {
            outage,
            error: ss.affected.saturating_sub(outage),
        }
    }
}

/// Every site lost for good, one at a time (the site rows of the `whatif` matrix), in
/// the matrix's order: most users affected first.
pub fn single_losses(m: &Model, rows: &[BlastRow]) -> Vec<SingleLoss> {
    rows.iter()
        .filter_map(|r| match r.lost {
            Lost::Site(site) => Some(SingleLoss {
                site,
                users_down: r.down.iter().map(|&s| m.services[s].users).sum(),
                down: r.down.clone(),
                degraded: r.degraded.clone(),
                recovery_lost: r.recovery_lost.clone(),
            }),
            Lost::Service(_) => None,
        })
        .collect()
}

/// Portals from the Monte Carlo portal analysis: services whose outages cost other
/// services a material share of user-hours (mean spill-over at least
/// [`MATERIAL_SPILL`] of the mean total loss), by spill-over, most first. `rows` (the
/// `whatif` matrix) gives what each one takes down when lost for good.
pub fn portals(m: &Model, stats: &PortalStats, rows: &[BlastRow]) -> Vec<Portal> {
    let mut reach: Vec<Vec<ServiceIdx>> = vec![Vec::new(); m.services.len()];
    for r in rows {
        if let Lost::Service(s) = r.lost {
            reach[s] = r.down.iter().copied().filter(|&x| x != s).collect();
        }
    }
    let floor = MATERIAL_SPILL * stats.base_total.mean().unwrap_or(0.0);
    let spill = |s: usize| stats.services[s].spill.mean().unwrap_or(0.0);
    let mut order: Vec<ServiceIdx> = ranking(stats)
        .into_iter()
        .filter(|&s| spill(s) > 0.0 && spill(s) >= floor)
        .collect();
    order.sort_by(|&a, &b| spill(b).total_cmp(&spill(a)).then(a.cmp(&b)));
    order
        .into_iter()
        .map(|s| {
            let sp = &stats.services[s];
            let own = sp.own.mean().unwrap_or(0.0);
            let spill = sp.spill.mean().unwrap_or(0.0);
            let attributable = sp.attributable.mean().unwrap_or(0.0);
            let reach = std::mem::take(&mut reach[s]);
            Portal {
                service: s,
                reach_users: reach.iter().map(|&x| m.services[x].users).sum(),
                reach,
                attributed: Some(Attributed {
                    own_user_hours: own,
                    spill_user_hours: spill,
                }),
                multiplier: super::portal::multiplier(Some(attributable), Some(own)),
            }
        })
        .collect()
}

/// The smallest mean spill-over, as a share of the mean total loss, that makes a service
/// a portal in the report.
pub const MATERIAL_SPILL: f64 = 0.001;

/// Designs from the paired comparison of the base with every variant of `loaded`, in the
/// order of `loaded.variants`.
pub fn designs(loaded: &Loaded, c: &Comparison) -> Vec<Design> {
    let n = c.trials.max(1) as f64;
    loaded
        .variants
        .iter()
        .zip(&c.variants)
        .map(|(v, p)| {
            // The comparison accumulates loss(variant) − loss(base); saved is its negation.
            let d = p.difference.mean().unwrap_or(0.0);
            let half = p.difference.std_err().map(ci95_half_width).unwrap_or(0.0);
            let saved = -d;
            Design {
                name: v.name.clone(),
                description: v.description.clone(),
                cost: v.cost,
                user_hours_lost: p.arm.total.mean().unwrap_or(0.0),
                saved,
                saved_low: saved - half,
                saved_high: saved + half,
                p_better: Some(p.better as f64 / n),
                cost_per_user_hour_saved: Design::cost_per_saved(v.cost, saved),
                paired: true,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn severity_splits_affected_trials_at_the_threshold() {
        let mut ss = ServiceStats {
            affected: 10,
            ..Default::default()
        };
        for _ in 0..3 {
            ss.restored_at.add(5.0);
        }
        let mut bins = [0; super::super::run::SHARE_BINS];
        (bins[30], bins[50], bins[100]) = (4, 2, 1);
        ss.degraded_share_pct = crate::stats::Histogram::from(&bins[..]);
        assert_eq!(
            Severity::of(&ss, 50),
            Severity {
                outage: 6,
                error: 4
            }
        );
        assert_eq!(
            Severity::of(&ss, 30),
            Severity {
                outage: 10,
                error: 0
            }
        );
        assert_eq!(super::super::run::share_bin(0.29), 29);
        assert_eq!(super::super::run::share_bin(1.0), 100);
    }

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
    fn single_losses_are_the_site_rows_of_the_blast_matrix() {
        let m = crate::model::load_str("t.ron", TEXT).unwrap().model;
        let rows = crate::analysis::whatif::whatif(&m);
        let mut l = single_losses(&m, &rows);
        l.sort_by_key(|x| x.site);
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
}
