//! The policy report (`blastradius report`): plain-language findings, tables, charts, the
//! dependency graph, the scenario's assumptions and sources, and how to reproduce it, as
//! one self-contained HTML file or as Markdown with SVG images beside it.
//!
//! The report is first built as a [`doc::Doc`] of plain strings (every word from
//! [`i18n`]), then rendered by [`html`] or [`markdown`], which escape everything. Charts
//! are drawn by plotters ([`charts`]), the graph laid out by layout-rs ([`graph`]).

pub mod charts;
pub mod doc;
pub mod graph;
pub mod html;
pub mod i18n;
pub mod markdown;
mod risk;

use crate::analysis::policy::{Design, PolicyAnalyses, Portal, Severity, SingleLoss};
use crate::analysis::run::{availability, RunStats};
use crate::format::thousands;
use crate::model::{Loaded, Model, SiteKind};
use crate::stats::ci95_half_width;
use doc::{Block, Doc, Figure, Item, Section, Table};
pub use i18n::Lang;
use i18n::Words;

/// How many services the findings name, at most, in each list.
const TOP: usize = 5;
/// How many services the downtime chart shows, at most (those down longest).
const CHART_SERVICES: usize = 25;

/// What a policy report is made from.
pub struct PolicyReport<'a> {
    pub loaded: &'a Loaded,
    pub stats: &'a RunStats,
    pub seed: u64,
    pub analyses: &'a PolicyAnalyses,
    pub lang: Lang,
    /// A trial is a service *outage* for a service when it was fully down at some time,
    /// or degraded with a peak lost share (the largest share of its users lost at any
    /// moment) of at least this many percent.
    pub outage_threshold_pct: usize,
    /// The command line that reproduces the report.
    pub command: String,
}

impl PolicyReport<'_> {
    fn model(&self) -> &Model {
        &self.loaded.model
    }

    fn words(&self) -> &'static dyn Words {
        self.lang.words()
    }

    fn trials(&self) -> f64 {
        self.stats.trials.max(1) as f64
    }

    /// A service's name in the report's language (its `names`), else its `name`.
    fn service_label(&self, i: usize) -> String {
        self.model().services[i]
            .name_in(self.lang.code())
            .to_string()
    }

    /// A site's name in the report's language (its `names`), else its `name`.
    fn site_label(&self, i: usize) -> String {
        self.model().sites[i].name_in(self.lang.code()).to_string()
    }

    /// Services by mean user-hours lost (most first; ties, and services without users,
    /// by mean downtime, then file order).
    fn services_by_loss(&self) -> Vec<usize> {
        let st = self.stats;
        let mut order: Vec<usize> = (0..self.model().services.len()).collect();
        let key = |i: usize| {
            let s = &st.services[i];
            (
                s.user_hours_lost.mean().unwrap_or(0.0),
                s.downtime.mean().unwrap_or(0.0),
            )
        };
        // Each key once: a mean is an exact sum rounded, too dear to redo per comparison.
        let keys: Vec<(f64, f64)> = (0..order.len()).map(key).collect();
        order.sort_by(|&a, &b| {
            let (la, da) = keys[a];
            let (lb, db) = keys[b];
            lb.total_cmp(&la).then(db.total_cmp(&da)).then(a.cmp(&b))
        });
        order
    }

    /// The whole report as a document.
    pub fn document(&self) -> Doc {
        let w = self.words();
        let m = self.model();
        Doc {
            lang: self.lang.code(),
            title: w.title(m.name_in(self.lang.code())),
            subtitle: w.subtitle(self.stats.trials, self.seed, &w.hours(m.horizon)),
            sections: [self.findings(), self.tables(), self.charts()]
                .into_iter()
                .chain(self.risk())
                .chain([self.graph(), self.assumptions(), self.reproducibility()])
                .collect(),
        }
    }

    pub fn html(&self) -> String {
        html::render(&self.document())
    }

    /// The Markdown text, which links its images as `files_dir/NAME.svg`, and the images.
    pub fn markdown(&self, files_dir: &str) -> (String, Vec<(String, String)>) {
        let d = self.document();
        let text = markdown::render(&d, files_dir);
        let images = d
            .figures()
            .map(|f| (format!("{}.svg", f.name), f.svg.clone()))
            .collect();
        (text, images)
    }

    fn findings(&self) -> Section {
        let w = self.words();
        let m = self.model();
        let st = self.stats;
        let n = self.trials();
        let mut blocks = Vec::new();

        // A scenario that declares journeys is read through them first.
        if !m.journeys.is_empty() {
            blocks.extend(self.journey_findings());
            blocks.push(Block::Heading(w.services_findings_heading()));
        }

        let t = &st.total_user_hours_lost;
        let mean = t.mean().unwrap_or(0.0);
        let half = t.std_err().map(ci95_half_width).unwrap_or(0.0);
        let a = &st.services_affected;
        blocks.push(Block::Para(w.headline(
            st.trials,
            m.name_in(self.lang.code()),
            &w.number(mean),
            &w.number((mean - half).max(0.0)),
            &w.number(mean + half),
            &w.number(t.quantile(0.95).unwrap_or(0.0)),
            a.mean().unwrap_or(0.0),
            a.quantile(0.95).unwrap_or(0.0),
            m.services.len(),
        )));
        blocks.push(Block::Para(
            w.severity_definition(self.outage_threshold_pct),
        ));

        // With users in the scenario, the services that lose user-hours; else (a scenario
        // without users) those affected.
        let any_users = m.services.iter().any(|s| s.users > 0);
        let hit: Vec<Item> = self
            .services_by_loss()
            .into_iter()
            .filter(|&i| {
                let ss = &st.services[i];
                ss.affected > 0 && (!any_users || ss.user_hours_lost.mean().unwrap_or(0.0) > 0.0)
            })
            .take(TOP)
            .map(|i| {
                let ss = &st.services[i];
                let sev = Severity::of(ss, self.outage_threshold_pct);
                Item::lead(
                    self.service_label(i),
                    w.hit_service(
                        &w.number(m.services[i].users as f64),
                        &w.percent(sev.outage as f64 / n),
                        &w.percent(sev.error as f64 / n),
                        &w.hours(ss.downtime.mean().unwrap_or(0.0)),
                        &w.hours(ss.downtime.quantile(0.95).unwrap_or(0.0)),
                        &w.number(ss.user_hours_lost.mean().unwrap_or(0.0)),
                    ),
                )
            })
            .collect();
        blocks.push(Block::Heading(w.hit_heading()));
        if hit.is_empty() {
            blocks.push(Block::Para(w.nothing_hit()));
        } else {
            blocks.push(Block::List(hit));
        }

        if let Some(g) = &self.analyses.gateways {
            blocks.extend(self.gateway_findings(g));
        } else if let Some(portals) = &self.analyses.portals {
            blocks.push(Block::Heading(w.portals_heading()));
            if portals.is_empty() {
                blocks.push(Block::Para(w.no_portals()));
            } else {
                let items = portals
                    .iter()
                    .take(TOP)
                    .map(|p| Item::lead(self.service_label(p.service), self.portal_sentence(p)))
                    .collect();
                blocks.push(Block::List(items));
            }
        }

        if let Some(losses) = &self.analyses.single_losses {
            let mut worst: Vec<&SingleLoss> = losses
                .iter()
                .filter(|l| !l.down.is_empty() && m.sites[l.site].kind != SiteKind::Region)
                .collect();
            worst.sort_by_key(|l| {
                (
                    std::cmp::Reverse(l.users_down),
                    std::cmp::Reverse(l.down.len()),
                    l.site,
                )
            });
            if !worst.is_empty() {
                blocks.push(Block::Heading(w.losses_heading()));
                let items = worst
                    .iter()
                    .take(3)
                    .map(|l| {
                        let names: Vec<String> = l
                            .down
                            .iter()
                            .take(4)
                            .map(|&s| self.service_label(s))
                            .collect();
                        Item::lead(
                            self.site_label(l.site),
                            w.single_loss(
                                l.down.len(),
                                &w.number(l.users_down as f64),
                                l.degraded.len(),
                                l.recovery_lost.len(),
                                &names,
                                l.down.len() > names.len(),
                            ),
                        )
                    })
                    .collect();
                blocks.push(Block::List(items));
            }
        }

        if let Some(designs) = &self.analyses.designs {
            if !designs.is_empty() {
                blocks.push(Block::Heading(w.designs_heading()));
                blocks.push(Block::List(self.design_findings(designs)));
            }
        }

        if st.trials_with_deadlock > 0 {
            blocks.push(Block::Para(w.deadlocks(
                &w.percent(st.trials_with_deadlock as f64 / n),
                m.recovery.bootstrap.map(|b| w.hours(b)).as_deref(),
            )));
        }

        Section {
            id: "findings",
            heading: w.findings_heading(),
            blocks,
        }
    }

    /// The journeys: a sentence on the one that suffers most (lowest availability; ties by
    /// user-hours lost, then file order) and the journeys' weighted availability, and a
    /// table of every journey in file order.
    fn journey_findings(&self) -> Vec<Block> {
        let w = self.words();
        let m = self.model();
        let st = self.stats;
        let avail =
            |j: usize| availability(st.journeys[j].downtime.mean(), m.horizon).unwrap_or(1.0);
        let lost = |j: usize| st.journeys[j].user_hours_lost.mean().unwrap_or(0.0);
        let worst = (0..m.journeys.len())
            .min_by(|&a, &b| {
                avail(a)
                    .total_cmp(&avail(b))
                    .then(lost(b).total_cmp(&lost(a)))
                    .then(a.cmp(&b))
            })
            .unwrap_or(0);
        let with_users = m.journeys.iter().any(|j| j.users() > 0);
        let weighted = st.weighted_journey_availability(m).unwrap_or(1.0);
        let down = |j: usize| &st.journeys[j].downtime;
        let label = |j: usize| m.journeys[j].name_in(self.lang.code()).to_string();
        let sentence = w.journeys_sentence(
            m.journeys.len(),
            &label(worst),
            &w.availability(avail(worst)),
            &w.hours(down(worst).mean().unwrap_or(0.0)),
            &w.hours(down(worst).quantile(0.95).unwrap_or(0.0)),
            with_users.then(|| w.number(lost(worst))).as_deref(),
            &w.availability(weighted),
        );
        let shares = m.journey_shares();
        let rows = (0..m.journeys.len())
            .map(|j| {
                let mut row = vec![
                    label(j),
                    w.percent(shares[j]),
                    w.availability(avail(j)),
                    w.hours(down(j).mean().unwrap_or(0.0)),
                    w.hours(down(j).quantile(0.95).unwrap_or(0.0)),
                ];
                if with_users {
                    row.push(w.number(lost(j)));
                }
                row
            })
            .collect();
        let header = w.journeys_header(with_users);
        let mut numeric = vec![true; header.len()];
        numeric[0] = false;
        vec![
            Block::Heading(w.journeys_heading()),
            Block::Para(sentence),
            Block::Table(Table {
                header,
                numeric,
                rows,
            }),
        ]
    }

    /// Portals by gateway reach (user-facing services), how robust their order is, and
    /// the hidden single points (infrastructure without users of its own).
    fn gateway_findings(&self, g: &crate::analysis::gateway::Gateways) -> Vec<Block> {
        let w = self.words();
        let mut blocks = vec![Block::Heading(w.portals_heading())];
        if g.portals.is_empty() {
            blocks.push(Block::Para(w.no_portals()));
        } else {
            let items = g
                .portals
                .iter()
                .take(TOP)
                .map(|&s| {
                    let pm = &g.measures[s];
                    let svc = &self.model().services[s];
                    let lock = if svc.substitutes.is_empty() {
                        String::new()
                    } else {
                        let share = svc.locked_in_share();
                        w.lock_in(&w.number(svc.users as f64 * share), &w.percent(share))
                    };
                    Item::plain(
                        w.gateway_sentence(
                            &self.service_label(s),
                            &w.hours(pm.isolated.for_hours),
                            pm.isolated.services_down,
                            &w.number(pm.isolated.users_down),
                            pm.isolated.multiplier().map(|x| w.multiplier(x)).as_deref(),
                            pm.gateway.services_down,
                            &w.number(pm.gateway.users),
                            &w.percent(pm.gateway.share.unwrap_or(0.0)),
                        ) + &lock,
                    )
                })
                .collect();
            blocks.push(Block::List(items));
            let top = g.portals[0];
            let differs = |x: Option<usize>| x.filter(|&t| t != top).map(|t| self.service_label(t));
            blocks.push(Block::Para(w.gateway_robustness(
                &self.service_label(top),
                differs(g.top_at_half).as_deref(),
                differs(g.top_at_one_and_half).as_deref(),
            )));
            blocks.push(Block::Para(w.marginal_note()));
        }
        if !g.hidden.is_empty() {
            blocks.push(Block::Heading(w.hidden_heading()));
            let items = g
                .hidden
                .iter()
                .take(TOP)
                .map(|&s| {
                    let pm = &g.measures[s];
                    Item::lead(
                        self.service_label(s),
                        w.hidden_sentence(
                            pm.gateway.services_down,
                            &w.number(pm.gateway.users),
                            &w.number(pm.isolated.spill_over_user_hours),
                            &w.hours(pm.isolated.for_hours),
                        ),
                    )
                })
                .collect();
            blocks.push(Block::List(items));
        }
        blocks
    }

    fn portal_sentence(&self, p: &Portal) -> String {
        let w = self.words();
        let m = self.model();
        let mult = p.multiplier.map(|x| w.multiplier(x));
        let names: Vec<String> = p
            .reach
            .iter()
            .take(4)
            .map(|&s| self.service_label(s))
            .collect();
        let more = p.reach.len() > names.len();
        match p.attributed {
            Some(a) if m.services[p.service].users == 0 => {
                w.portal_no_users(&w.number(a.spill_user_hours), p.reach.len(), &names, more)
            }
            Some(a) => w.portal_attributed(
                &w.number(a.own_user_hours),
                &w.number(a.spill_user_hours),
                mult.as_deref(),
                p.reach.len(),
                &names,
                more,
            ),
            None => w.portal_structural(
                p.reach.len(),
                &w.number(p.reach_users as f64),
                &w.number(m.services[p.service].users as f64),
                mult.as_deref(),
                &names,
                more,
            ),
        }
    }

    fn currency(&self) -> String {
        self.model().currency.clone().unwrap_or_default()
    }

    fn design_findings(&self, designs: &[Design]) -> Vec<Item> {
        let w = self.words();
        let cur = self.currency();
        let mut items = Vec::new();
        let best_value = designs
            .iter()
            .filter(|d| d.cost_per_user_hour_saved.is_some() && d.saved_low > 0.0)
            .min_by(|a, b| {
                a.cost_per_user_hour_saved
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.cost_per_user_hour_saved.unwrap_or(f64::INFINITY))
            });
        if let Some(d) = best_value {
            items.push(Item::lead(
                w.best_value(),
                w.design_value(
                    &d.name,
                    &w.number(d.saved),
                    &w.number(d.saved_low),
                    &w.number(d.saved_high),
                    &w.money(d.cost.unwrap_or(0.0), &cur),
                    &w.money(d.cost_per_user_hour_saved.unwrap_or(0.0), &cur),
                ),
            ));
        }
        let most = designs
            .iter()
            .max_by(|a, b| a.saved.total_cmp(&b.saved).then(b.name.cmp(&a.name)));
        if let Some(d) = most {
            if best_value.map(|b| b.name != d.name).unwrap_or(true) {
                items.push(Item::lead(
                    w.most_saved(),
                    w.design_saves(
                        &d.name,
                        &w.number(d.saved),
                        &w.number(d.saved_low),
                        &w.number(d.saved_high),
                    ),
                ));
            }
        }
        for d in designs {
            if d.saved_high < 0.0 {
                items.push(Item::lead(
                    w.worse(),
                    w.design_worse(&d.name, &w.number(-d.saved)),
                ));
            } else if d.saved_low <= 0.0 {
                items.push(Item::lead(
                    w.unclear(),
                    w.design_unclear(&d.name, &w.number(d.saved_low), &w.number(d.saved_high)),
                ));
            }
        }
        items
    }

    fn tables(&self) -> Section {
        let w = self.words();
        let m = self.model();
        let st = self.stats;
        let n = self.trials();
        let mut blocks = vec![Block::Heading(w.services_table_heading())];
        let rows = self
            .services_by_loss()
            .into_iter()
            .map(|i| {
                let s = &m.services[i];
                let ss = &st.services[i];
                let sev = Severity::of(ss, self.outage_threshold_pct);
                vec![
                    self.service_label(i),
                    w.number(s.users as f64),
                    w.percent(ss.affected as f64 / n),
                    w.percent(sev.outage as f64 / n),
                    w.percent(sev.error as f64 / n),
                    w.hours(ss.downtime.mean().unwrap_or(0.0)),
                    w.hours(ss.downtime.quantile(0.95).unwrap_or(0.0)),
                    w.number(ss.user_hours_lost.mean().unwrap_or(0.0)),
                    ss.restored_at
                        .quantile(0.5)
                        .map_or_else(|| "–".to_string(), |h| w.hours(h)),
                ]
            })
            .collect();
        blocks.push(Block::Table(Table {
            header: w.services_header(self.outage_threshold_pct),
            numeric: vec![false, true, true, true, true, true, true, true, true],
            rows,
        }));

        if let Some(losses) = &self.analyses.single_losses {
            blocks.push(Block::Heading(w.losses_table_heading()));
            let mut harmful: Vec<&SingleLoss> = losses
                .iter()
                .filter(|l| !l.down.is_empty() || !l.degraded.is_empty())
                .collect();
            harmful.sort_by_key(|l| {
                (
                    std::cmp::Reverse(l.users_down),
                    std::cmp::Reverse(l.down.len()),
                    l.site,
                )
            });
            let rows = harmful
                .iter()
                .map(|l| {
                    let site = &m.sites[l.site];
                    vec![
                        self.site_label(l.site),
                        w.site_kind(site.kind),
                        thousands(l.down.len() as u64),
                        thousands(l.degraded.len() as u64),
                        w.number(l.users_down as f64),
                        join_names(l.down.iter().map(|&s| m.services[s].id.as_str()), 8),
                    ]
                })
                .collect();
            if !harmful.is_empty() {
                blocks.push(Block::Table(Table {
                    header: w.losses_header(),
                    numeric: vec![false, false, true, true, true, false],
                    rows,
                }));
            }
            let harmless: Vec<String> = losses
                .iter()
                .filter(|l| l.down.is_empty() && l.degraded.is_empty())
                .map(|l| self.site_label(l.site))
                .collect();
            if !harmless.is_empty() {
                blocks.push(Block::Para(w.harmless_sites(&harmless)));
            }
        }

        if let Some(portals) = &self.analyses.portals {
            blocks.push(Block::Heading(w.portals_table_heading()));
            let attributed = portals.iter().any(|p| p.attributed.is_some());
            let rows = portals
                .iter()
                .map(|p| {
                    let s = &m.services[p.service];
                    let mult = p.multiplier.map_or("–".to_string(), |x| w.multiplier(x));
                    match p.attributed {
                        Some(a) if attributed => vec![
                            self.service_label(p.service),
                            w.number(s.users as f64),
                            thousands(p.reach.len() as u64),
                            w.number(a.own_user_hours),
                            w.number(a.spill_user_hours),
                            mult,
                        ],
                        _ => vec![
                            self.service_label(p.service),
                            w.number(s.users as f64),
                            thousands(p.reach.len() as u64),
                            w.number(p.reach_users as f64),
                            mult,
                        ],
                    }
                })
                .collect();
            let header = w.portals_header(attributed);
            let mut numeric = vec![true; header.len()];
            numeric[0] = false;
            blocks.push(Block::Table(Table {
                header,
                numeric,
                rows,
            }));
            if let (true, Some(t)) = (attributed, self.analyses.portal_trials) {
                blocks.push(Block::Para(w.portal_note(t)));
            }
        }

        if let Some(designs) = &self.analyses.designs {
            blocks.push(Block::Heading(w.designs_table_heading()));
            let cur = self.currency();
            let base_loss = st.total_user_hours_lost.mean().unwrap_or(0.0);
            let mut rows = vec![vec![
                w.base_design(),
                "–".into(),
                w.number(base_loss),
                "–".into(),
                "–".into(),
                "–".into(),
            ]];
            for d in designs {
                rows.push(vec![
                    d.name.clone(),
                    d.cost.map_or("–".into(), |c| w.money(c, &cur)),
                    w.number(d.user_hours_lost),
                    w.interval(
                        &w.number(d.saved),
                        &w.number(d.saved_low),
                        &w.number(d.saved_high),
                    ),
                    d.p_better.map_or("–".into(), |p| w.percent(p)),
                    d.cost_per_user_hour_saved
                        .map_or("–".into(), |c| w.money(c, &cur)),
                ]);
            }
            blocks.push(Block::Table(Table {
                header: w.designs_header(),
                numeric: vec![false, true, true, true, true, true],
                rows,
            }));
            if designs.iter().any(|d| !d.paired) {
                blocks.push(Block::Para(w.unpaired_note()));
            }
        }

        Section {
            id: "tables",
            heading: w.tables_heading(),
            blocks,
        }
    }

    fn charts(&self) -> Section {
        let w = self.words();
        let m = self.model();
        let st = self.stats;
        let mut blocks = Vec::new();

        let downtime: Vec<f64> = (st.services.iter())
            .map(|s| s.downtime.mean().unwrap_or(0.0))
            .collect();
        let mut by_downtime: Vec<usize> = (0..m.services.len())
            .filter(|&i| downtime[i] > 0.0)
            .collect();
        by_downtime.sort_by(|&a, &b| downtime[b].total_cmp(&downtime[a]).then(a.cmp(&b)));
        let shown = by_downtime.len().min(CHART_SERVICES);
        let bars: Vec<charts::Bar> = by_downtime[..shown]
            .iter()
            .map(|&i| {
                let d = &st.services[i].downtime;
                charts::Bar {
                    label: charts::short(&self.service_label(i), 28),
                    mean: d.mean().unwrap_or(0.0),
                    low: d.quantile(0.05).unwrap_or(0.0),
                    mid: d.quantile(0.5).unwrap_or(0.0),
                    high: d.quantile(0.95).unwrap_or(0.0),
                }
            })
            .collect();
        if !bars.is_empty() {
            blocks.push(Block::Figure(Figure {
                name: "downtime",
                svg: charts::downtime(&bars, &w.axis_downtime()),
                caption: w.downtime_caption(shown, by_downtime.len()),
                natural_size: false,
            }));
        }

        let curve: Vec<charts::CurvePoint> = st
            .curve
            .iter()
            .enumerate()
            .map(|(k, s)| charts::CurvePoint {
                t: m.horizon * k as f64 / (st.curve.len() - 1).max(1) as f64,
                mean: s.mean().unwrap_or(1.0),
                low: s.quantile(0.05).unwrap_or(1.0),
                high: s.quantile(0.95).unwrap_or(1.0),
            })
            .collect();
        blocks.push(Block::Figure(Figure {
            name: "recovery",
            svg: charts::recovery(
                &curve,
                &w.axis_hours(),
                &w.axis_available(),
                &w.legend_mean(),
                &w.legend_band(),
            ),
            caption: w.recovery_caption(),
            natural_size: false,
        }));

        blocks.push(Block::Figure(Figure {
            name: "blast-radius",
            svg: charts::radius(
                &st.radius_histogram,
                st.trials,
                &w.axis_services_affected(),
                &w.axis_share_of_trials(),
            ),
            caption: w.radius_caption(m.services.len()),
            natural_size: false,
        }));

        if let Some(g) = &self.analyses.gateways {
            let shown = g.portals.len().min(CHART_SERVICES);
            if shown > 0 {
                let bars: Vec<charts::Bar> = g.portals[..shown]
                    .iter()
                    .map(|&s| {
                        let u = g.measures[s].gateway.users;
                        charts::Bar {
                            label: charts::short(&self.service_label(s), 28),
                            mean: u,
                            low: u,
                            mid: u,
                            high: u,
                        }
                    })
                    .collect();
                blocks.push(Block::Figure(Figure {
                    name: "gateway",
                    svg: charts::downtime(&bars, &w.axis_gateway()),
                    caption: w.gateway_caption(shown, g.portals.len()),
                    natural_size: false,
                }));
            }
        }

        blocks.extend(self.replay());

        if let Some(designs) = &self.analyses.designs {
            if !designs.is_empty() {
                let bars: Vec<charts::Bar> = designs
                    .iter()
                    .map(|d| charts::Bar {
                        label: charts::short(&d.name, 36),
                        mean: d.saved,
                        low: d.saved_low,
                        mid: d.saved,
                        high: d.saved_high,
                    })
                    .collect();
                blocks.push(Block::Figure(Figure {
                    name: "designs",
                    svg: charts::designs(&bars, &w.axis_saved()),
                    caption: w.designs_caption(),
                    natural_size: false,
                }));
            }
        }

        Section {
            id: "charts",
            heading: w.charts_heading(),
            blocks,
        }
    }

    /// The replay against reality, when the scenario has observed restoration times: one
    /// sentence with the errors (the leave-one-out one when the check was run) and a chart
    /// of each observed service's simulated restoration against the real time.
    fn replay(&self) -> Vec<Block> {
        let w = self.words();
        let m = self.model();
        let st = self.stats;
        if m.observed.is_empty() {
            return Vec::new();
        }
        let mut bars = Vec::new();
        let mut real = Vec::new();
        for o in &m.observed {
            let r = &st.services[o.service].restored_at;
            let mid = r.quantile(0.5).unwrap_or(0.0);
            bars.push(charts::Bar {
                label: charts::short(&self.service_label(o.service), 28),
                mean: mid,
                low: r.quantile(0.05).unwrap_or(0.0),
                mid,
                high: r.quantile(0.95).unwrap_or(0.0),
            });
            real.push(o.restored_at);
        }
        let file_pct = crate::analysis::calibrate::median_abs_pct(
            bars.iter().zip(&real).map(|(b, &r)| (b.mid, r)),
        );
        let pct = |x: f64| w.percent(x / 100.0);
        let check = self.analyses.replay.as_ref().map(|c| {
            (
                pct(c.fit_median_abs_pct()),
                pct(c.loo_median_abs_pct()),
                c.trials,
            )
        });
        vec![
            Block::Para(w.replay_sentence(
                m.observed.len(),
                &pct(file_pct),
                check.as_ref().map(|(f, l, t)| (f.as_str(), l.as_str(), *t)),
            )),
            Block::Figure(Figure {
                name: "replay",
                svg: charts::replay(&bars, &real, &w.axis_restored()),
                caption: w.replay_caption(),
                natural_size: false,
            }),
        ]
    }

    fn graph(&self) -> Section {
        let w = self.words();
        let m = self.model();
        let st = self.stats;
        let nodes: Vec<graph::NodeData> = m
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| graph::NodeData {
                label: self.service_label(i),
                users: s.users,
                downtime: st.services[i].downtime.mean().unwrap_or(0.0),
                loss: st.services[i].user_hours_lost.mean().unwrap_or(0.0),
            })
            .collect();
        let drawn = graph::draw(m, &nodes, graph::MAX_NODES);
        let mut blocks = Vec::new();
        match drawn {
            Some(g) => blocks.push(Block::Figure(Figure {
                name: "dependency-graph",
                svg: g.svg,
                caption: w.graph_caption(&w.hours(g.max_downtime), g.shown, m.services.len()),
                natural_size: true,
            })),
            None => blocks.push(Block::Para(w.graph_failed())),
        }
        Section {
            id: "graph",
            heading: w.graph_heading(),
            blocks,
        }
    }

    fn assumptions(&self) -> Section {
        let w = self.words();
        let m = self.model();
        let mut blocks = Vec::new();
        if !m.description.is_empty() {
            blocks.push(Block::Para(m.description.clone()));
        }
        let notes = header_comment(&self.loaded.text);
        if !notes.is_empty() {
            blocks.push(Block::Heading(w.notes_heading()));
            blocks.push(Block::Pre(notes));
        }

        blocks.push(Block::Heading(w.model_heading()));
        let mut items = vec![
            Item::lead(w.horizon(), w.hours(m.horizon)),
            Item::lead(
                w.recovery(),
                w.recovery_text(
                    m.recovery.crews,
                    m.recovery.order == crate::model::RecoveryOrder::ByUsers,
                    m.recovery.bootstrap.map(|b| w.hours(b)).as_deref(),
                ),
            ),
        ];
        for e in &m.events {
            push_event(w, m, e, &mut items, 0);
        }
        blocks.push(Block::List(items));

        let described: Vec<Item> = m
            .services
            .iter()
            .filter(|s| !s.description.is_empty())
            .map(|s| {
                Item::lead(
                    s.name_in(self.lang.code()).to_string(),
                    s.description.clone(),
                )
            })
            .collect();
        if !described.is_empty() {
            blocks.push(Block::Heading(w.services_described_heading()));
            blocks.push(Block::List(described));
        }
        if !self.loaded.variants.is_empty() {
            blocks.push(Block::Heading(w.variants_heading()));
            let cur = self.currency();
            let items = self
                .loaded
                .variants
                .iter()
                .map(|v| {
                    let mut text = v.description.clone();
                    if let Some(c) = v.cost {
                        if !text.is_empty() {
                            text.push(' ');
                        }
                        text.push_str(&w.cost_is(&w.money(c, &cur)));
                    }
                    Item::lead(v.name.clone(), text)
                })
                .collect();
            blocks.push(Block::List(items));
        }
        blocks.push(Block::Heading(w.sources_heading()));
        if m.sources.is_empty() {
            blocks.push(Block::Para(w.no_sources()));
        } else {
            blocks.push(Block::List(
                m.sources.iter().map(|s| Item::plain(s.clone())).collect(),
            ));
        }
        Section {
            id: "assumptions",
            heading: w.assumptions_heading(),
            blocks,
        }
    }

    fn reproducibility(&self) -> Section {
        let w = self.words();
        let m = self.model();
        let items = vec![
            Item::lead(w.version(), env!("CARGO_PKG_VERSION").to_string()),
            Item::lead(w.scenario_file(), self.loaded.file.clone()),
            Item::lead("SHA-256".to_string(), self.loaded.sha256.clone()),
            Item::lead(w.seed(), self.seed.to_string()),
            Item::lead(w.trials(), self.stats.trials.to_string()),
            Item::lead(w.horizon(), w.hours(m.horizon)),
            Item::lead(
                w.outage_threshold(),
                format!("{}%", self.outage_threshold_pct),
            ),
        ];
        Section {
            id: "reproducibility",
            heading: w.reproducibility_heading(),
            blocks: vec![
                Block::List(items),
                Block::Para(w.rerun()),
                Block::Pre(self.command.clone()),
            ],
        }
    }
}

fn push_event(
    w: &dyn Words,
    m: &Model,
    e: &crate::model::Event,
    items: &mut Vec<Item>,
    depth: usize,
) {
    let lang = w.lang_code();
    let site = match (e.site, e.count) {
        (Some(x), None) => m.sites[x].name_in(lang).to_string(),
        (within, count) => {
            let names: Vec<&str> = e.sites.iter().map(|&x| m.sites[x].name_in(lang)).collect();
            w.event_sites(count, &names, within.map(|x| m.sites[x].name_in(lang)))
        }
    };
    items.push(Item::lead(
        format!("{}{}", "↳ ".repeat(depth), e.name),
        w.event_text(&site, &w.percent(e.probability), e.destroys),
    ));
    for f in &e.then {
        push_event(w, m, f, items, depth + 1);
    }
}

/// Up to `max` names joined by commas, with "…" when there are more.
fn join_names<'a>(names: impl Iterator<Item = &'a str>, max: usize) -> String {
    let all: Vec<&str> = names.collect();
    let mut s = all[..all.len().min(max)].join(", ");
    if all.len() > max {
        s.push_str(", …");
    }
    s
}

/// The comment lines at the top of a scenario file, before `Scenario(`, without their
/// `//`: where the scenario library states which numbers are facts and which are
/// modelling assumptions.
pub fn header_comment(text: &str) -> String {
    let mut lines = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("//") {
            lines.push(rest.strip_prefix(' ').unwrap_or(rest).trim_end());
        } else if t.is_empty() {
            if !lines.is_empty() {
                lines.push("");
            }
        } else {
            break;
        }
    }
    while lines.last() == Some(&"") {
        lines.pop();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_comment_stops_at_the_scenario() {
        let t = "// A\n//  b\n\n// c\nScenario( // not this\n";
        assert_eq!(header_comment(t), "A\n b\n\nc");
        assert_eq!(header_comment("Scenario()"), "");
    }
}
