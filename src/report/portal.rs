//! Output of `portal`: structural reach and attributable loss per service, sorted by
//! attributable loss (JSON fields in docs/analyses.md).

use serde::Serialize;

use super::export::{heading, Export, Header};
use super::grid::{self, Grid};
use super::run::MeanErr;
use crate::analysis::portal::{ranking, PortalStats, Reach};
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
    pub stats: &'a PortalStats,
}

#[derive(Serialize)]
pub struct PortalJson {
    #[serde(flatten)]
    pub header: Header,
    pub base: BaseJson,
    /// One plain sentence on what the multiplier means, with a number from this result.
    pub multiplier_explained: String,
    pub services: Vec<ServicePortalJson>,
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
    pub p_down: f64,
    pub attributable_user_hours: MeanErr,
    pub own_user_hours: MeanErr,
    pub spillover_user_hours: MeanErr,
    pub share_of_base: Option<f64>,
    pub portal_multiplier: Option<f64>,
}

impl PortalReport<'_> {
    pub fn to_json(&self) -> PortalJson {
        let m = self.model;
        let st = self.stats;
        let n = st.trials.max(1) as f64;
        let base_mean = st.base_total.mean();
        let services: Vec<ServicePortalJson> = ranking(st)
            .into_iter()
            .map(|s| {
                let svc = &m.services[s];
                let sp = &st.services[s];
                let r = &self.reach[s];
                let a = sp.attributable.mean();
                ServicePortalJson {
                    id: svc.id.clone(),
                    name: svc.name.clone(),
                    group: svc.group.clone(),
                    users: svc.users,
                    direct_dependents: r.direct_dependents,
                    transitive_dependents: r.transitive_dependents,
                    transitive_users: r.transitive_users,
                    p_down: sp.trials_down as f64 / n,
                    attributable_user_hours: MeanErr::of(&sp.attributable),
                    own_user_hours: MeanErr::of(&sp.own),
                    spillover_user_hours: MeanErr::of(&sp.spill),
                    share_of_base: match (a, base_mean) {
                        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
                        _ => None,
                    },
                    portal_multiplier: crate::analysis::portal::multiplier(a, sp.own.mean()),
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
        let mut lines = vec![format!(
            "{} trials, seed {}, horizon {}; each service's counterfactual (never down) on the same random numbers",
            st.trials,
            self.seed,
            format_hours(self.model.horizon)
        )];
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
        Grid {
            header: vec![
                "service",
                "users",
                "dependents",
                "transitive",
                "users reached",
                "P(down)",
                "attributable",
                "own",
                "spill-over",
                "multiplier",
            ],
            rows: j
                .services
                .iter()
                .map(|s| {
                    vec![
                        s.id.clone(),
                        thousands(s.users),
                        s.direct_dependents.to_string(),
                        s.transitive_dependents.to_string(),
                        thousands(s.transitive_users),
                        format!("{:.1}%", 100.0 * s.p_down),
                        mean(&s.attributable_user_hours),
                        mean(&s.own_user_hours),
                        mean(&s.spillover_user_hours),
                        s.portal_multiplier
                            .map_or("-".into(), |m| format!("{m:.2}")),
                    ]
                })
                .collect(),
            right: (1..10).collect(),
        }
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
