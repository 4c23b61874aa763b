//! Output of `portal`: per service, gateway reach, isolated failure and the marginal
//! (attributable) loss in the scenario, with structural reach; sorted by isolated
//! spill-over unless `--sort` says otherwise (JSON fields in docs/analyses.md).

use serde::Serialize;

use super::export::{heading, Export, Header};
use super::grid::{self, Grid};
use super::run::MeanErr;
use crate::analysis::gateway::PortalMeasures;
use crate::analysis::portal::{ranking_by, PortalSort, PortalStats, Reach};
use crate::format::format_hours;
use crate::format::thousands;
use crate::model::{Loaded, Model};
use crate::stats::ci95_half_width;

pub struct PortalReport<'a> {
    pub loaded: &'a Loaded,
    pub model: &'a Model,
    pub variant: Option<&'a str>,
    pub seed: u64,
    pub reach: &'a [Reach],
    pub measures: &'a [PortalMeasures],
    pub sort: PortalSort,
    pub stats: &'a PortalStats,
}

/// Why the marginal measure reads low under a common cause, in one sentence.
pub const MARGINAL_EXPLAINED: &str = "The marginal (attributable) loss is what disappears \
    in this scenario if the service alone never goes down; when the services behind it \
    fail in the same event and stay down longer, keeping it up saves them nothing, so a \
    common cause hides a portal in this measure. Gateway reach and the isolated failure \
    take the service alone, and show it.";

#[derive(Serialize)]
pub struct PortalJson {
    #[serde(flatten)]
    pub header: Header,
    pub base: BaseJson,
    /// One plain sentence on what the multiplier means, with a number from this result.
    pub multiplier_explained: String,
    pub marginal_explained: &'static str,
    /// What the services are sorted by: "isolated", "gateway" or "marginal".
    pub sort: &'static str,
    pub services: Vec<ServicePortalJson>,
}

#[derive(Serialize)]
pub struct IsolatedJson {
    pub for_hours: f64,
    /// Where `for_hours` comes from.
    pub duration_from: &'static str,
    pub own_user_hours: f64,
    pub spill_over_user_hours: f64,
    pub multiplier: Option<f64>,
    /// Other services down at some time within `for_hours`.
    pub services_down: usize,
}

#[derive(Serialize)]
pub struct BaseJson {
    pub user_hours_lost: MeanErr,
}

#[derive(Serialize)]
pub struct ServicePortalJson {
    pub id: String,
    pub name: String,
    pub group: String,
    pub users: u64,
    pub direct_dependents: usize,
    pub transitive_dependents: usize,
    pub transitive_users: u64,
    /// Its users with no substitute: `users × (1 − Σ substitute shares)`.
    pub locked_in_users: f64,
    pub gateway_users: f64,
    pub gateway_share: Option<f64>,
    pub gateway_services_down: usize,
    pub gateway_services_degraded: usize,
    pub isolated: IsolatedJson,
    pub p_down: f64,
    pub attributable_user_hours: MeanErr,
    pub own_user_hours: MeanErr,
    pub spillover_user_hours: MeanErr,
    pub share_of_base: Option<f64>,
    pub portal_multiplier: Option<f64>,
    /// The journeys it takes down when lost for good (left out when the scenario has no
    /// journeys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journeys_down: Option<Vec<String>>,
}

impl PortalReport<'_> {
    pub fn to_json(&self) -> PortalJson {
        let m = self.model;
        let st = self.stats;
        let n = st.trials.max(1) as f64;
        let base_mean = st.base_total.mean();
        let services: Vec<ServicePortalJson> = ranking_by(st, self.measures, self.sort)
            .into_iter()
            .map(|s| {
                let svc = &m.services[s];
                let sp = &st.services[s];
                let r = &self.reach[s];
                let pm = &self.measures[s];
                let a = sp.attributable.mean();
                ServicePortalJson {
                    id: svc.id.clone(),
                    name: svc.name.clone(),
                    group: svc.group.clone(),
                    users: svc.users,
                    direct_dependents: r.direct_dependents,
                    transitive_dependents: r.transitive_dependents,
                    transitive_users: r.transitive_users,
                    locked_in_users: svc.users as f64 * svc.locked_in_share(),
                    gateway_users: pm.gateway.users,
                    gateway_share: pm.gateway.share,
                    gateway_services_down: pm.gateway.services_down,
                    gateway_services_degraded: pm.gateway.services_degraded,
                    isolated: IsolatedJson {
                        for_hours: pm.isolated.for_hours,
                        duration_from: pm.duration_from.describe(),
                        own_user_hours: pm.isolated.own_user_hours,
                        spill_over_user_hours: pm.isolated.spill_over_user_hours,
                        multiplier: pm.isolated.multiplier(),
                        services_down: pm.isolated.services_down,
                    },
                    p_down: sp.trials_down as f64 / n,
                    attributable_user_hours: MeanErr::of(&sp.attributable),
                    own_user_hours: MeanErr::of(&sp.own),
                    spillover_user_hours: MeanErr::of(&sp.spill),
                    share_of_base: match (a, base_mean) {
                        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
                        _ => None,
                    },
                    portal_multiplier: crate::analysis::portal::multiplier(a, sp.own.mean()),
                    journeys_down: (!m.journeys.is_empty()).then(|| {
                        pm.journeys_down
                            .iter()
                            .map(|&j| m.journeys[j].name.clone())
                            .collect()
                    }),
                }
            })
            .collect();
        let multiplier_explained = explain(&services);
        PortalJson {
            header: Header::played(m, &self.loaded.sha256, self.variant, st.trials, self.seed),
            base: BaseJson {
                user_hours_lost: MeanErr::of(&st.base_total),
            },
            multiplier_explained,
            marginal_explained: MARGINAL_EXPLAINED,
            sort: match self.sort {
                PortalSort::Isolated => "isolated",
                PortalSort::Gateway => "gateway",
                PortalSort::Marginal => "marginal",
            },
            services,
        }
    }
}

impl Export for PortalReport<'_> {
    fn heading(&self) -> String {
        heading("Portals", &self.model.name, self.variant)
    }

    fn lines(&self) -> Vec<String> {
        let st = self.stats;
        let mut lines = vec![
            "gateway reach: the service alone lost for good; isolated: the service alone down \
             for the time shown, nothing else failing (both deterministic)"
                .to_string(),
            format!(
                "marginal: {} trials, seed {}, horizon {}; each service's counterfactual (never down) on the same random numbers",
                st.trials,
                self.seed,
                format_hours(self.model.horizon)
            ),
        ];
        if let (Some(m), Some(se)) = (st.base_total.mean(), st.base_total.std_err()) {
            lines.push(format!(
                "user-hours lost per trial in the base design: mean {} (95% interval ± {})",
                crate::format::figure(m),
                crate::format::figure(ci95_half_width(se))
            ));
        }
        lines
    }

    fn notes(&self) -> Vec<String> {
        let j = &self.to_json();
        vec![
            j.multiplier_explained.clone(),
            MARGINAL_EXPLAINED.into(),
            "Isolated for: the service's median downtime when it goes down in the scenario \
             (or 1 h if it never does, or --isolated-for). Isolated ×: (own + spill-over) / \
             own for that failure. Gateway users: users of services that go down, plus the \
             lost share of those that degrade, when the service alone is lost for good."
                .into(),
            "Attributable: the loss per trial that disappears if the service is never down \
             (own users + spill-over). A multiplier shown as - means its own users lose nothing \
             (for example it has no users): every user-hour attributable to it is spill-over. \
             Attributable losses overlap between services and do not add up to the total."
                .into(),
        ]
    }

    fn grid(&self) -> Grid {
        let j = &self.to_json();
        let mean = |x: &MeanErr| x.mean.map_or("-".into(), crate::format::figure);
        let times = |m: Option<f64>| m.map_or("-".into(), |m| format!("{m:.2}"));
        Grid {
            header: vec![
                "service",
                "users",
                "gateway users",
                "gateway share",
                "isolated for",
                "isolated spill-over",
                "isolated ×",
                "P(down)",
                "marginal attributable",
                "marginal ×",
            ],
            rows: j
                .services
                .iter()
                .map(|s| {
                    vec![
                        s.id.clone(),
                        thousands(s.users),
                        crate::format::figure(s.gateway_users),
                        s.gateway_share
                            .map_or("-".into(), |x| format!("{:.1}%", 100.0 * x)),
                        format_hours(s.isolated.for_hours),
                        crate::format::figure(s.isolated.spill_over_user_hours),
                        times(s.isolated.multiplier),
                        format!("{:.1}%", 100.0 * s.p_down),
                        mean(&s.attributable_user_hours),
                        times(s.portal_multiplier),
                    ]
                })
                .collect(),
            right: (1..10).collect(),
        }
    }

    /// With journeys: the journeys each service takes down when lost for good, for the
    /// services that take any down, in the order of the main table.
    fn more_grids(&self) -> Vec<(String, Grid)> {
        let m = self.model;
        if m.journeys.is_empty() {
            return Vec::new();
        }
        let shares = m.journey_shares();
        let rows = ranking_by(self.stats, self.measures, self.sort)
            .into_iter()
            .filter(|&s| !self.measures[s].journeys_down.is_empty())
            .map(|s| {
                let down = &self.measures[s].journeys_down;
                let share: f64 = down.iter().map(|&j| shares[j]).sum();
                vec![
                    m.services[s].id.clone(),
                    format!("{} of {}", down.len(), m.journeys.len()),
                    format!("{:.1}%", 100.0 * share),
                    down.iter()
                        .map(|&j| m.journeys[j].name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
            .collect();
        vec![(
            "Journeys each service takes down when lost for good".into(),
            Grid {
                header: vec!["service", "journeys down", "their weight", "journeys"],
                rows,
                right: vec![1, 2],
            },
        )]
    }

    fn csv(&self) -> (&'static [&'static str], Vec<Vec<String>>) {
        let j = self.to_json();
        let records: Vec<Vec<String>> = j
            .services
            .iter()
            .map(|s| {
                vec![
                    s.id.clone(),
                    s.name.clone(),
                    s.group.clone(),
                    s.users.to_string(),
                    s.direct_dependents.to_string(),
                    s.transitive_dependents.to_string(),
                    s.transitive_users.to_string(),
                    s.p_down.to_string(),
                    crate::format::num(s.attributable_user_hours.mean),
                    crate::format::num(s.attributable_user_hours.std_err),
                    crate::format::num(s.own_user_hours.mean),
                    crate::format::num(s.spillover_user_hours.mean),
                    crate::format::num(s.share_of_base),
                    crate::format::num(s.portal_multiplier),
                    s.gateway_users.to_string(),
                    crate::format::num(s.gateway_share),
                    s.isolated.for_hours.to_string(),
                    s.isolated.duration_from.to_string(),
                    s.isolated.own_user_hours.to_string(),
                    s.isolated.spill_over_user_hours.to_string(),
                    crate::format::num(s.isolated.multiplier),
                    s.locked_in_users.to_string(),
                ]
            })
            .collect();
        (
            &[
                "id",
                "name",
                "group",
                "users",
                "direct_dependents",
                "transitive_dependents",
                "transitive_users",
                "p_down",
                "attributable_mean",
                "attributable_std_err",
                "own_mean",
                "spillover_mean",
                "share_of_base",
                "portal_multiplier",
                "gateway_users",
                "gateway_share",
                "isolated_for_hours",
                "isolated_duration_from",
                "isolated_own_user_hours",
                "isolated_spill_over_user_hours",
                "isolated_multiplier",
                "locked_in_users",
            ],
            records,
        )
    }

    fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        grid::write_json(out, &self.to_json())
    }
}

/// The sentence on the multiplier, with the figure of the first (largest attributable
/// loss) service that has one above 1, else in general terms.
fn explain(services: &[ServicePortalJson]) -> String {
    match services
        .iter()
        .find_map(|s| s.portal_multiplier.filter(|m| *m > 1.0).map(|m| (s, m)))
    {
        Some((s, m)) => format!(
            "A portal multiplier of {m:.2} means that every user-hour {}'s own users lose \
             comes with {:.2} more lost by users of services reached through it.",
            s.id,
            m - 1.0
        ),
        None => "A portal multiplier of M means that every user-hour a service's own users \
                 lose comes with M − 1 more lost by users of services reached through it."
            .into(),
    }
}
