//! The report's "Risk per year" section (`analysis::risk`): the expected loss per year,
//! the F–N chart on log–log axes, the threshold and tolerance tables, and concentration.
//! A scenario without `per_year` gets one line saying so (and its concentration, which
//! needs no frequency).

use super::doc::{Block, Figure, Item, Section, Table};
use super::{charts, PolicyReport};
use crate::analysis::risk::{Breach, Concentrated, Rate};
use crate::report::risk::sig;

impl PolicyReport<'_> {
    /// The section, when the risk analysis was run.
    pub(super) fn risk(&self) -> Option<Section> {
        let r = self.analyses.risk.as_ref()?;
        let w = self.words();
        let m = self.model();
        let mut blocks = Vec::new();
        if !r.annualised() {
            blocks.push(Block::Para(w.risk_nothing()));
        } else {
            let half = 1.96 * r.annual.std_err;
            blocks.push(Block::Para(w.risk_expected(
                &w.number(r.annual.mean),
                &w.number((r.annual.mean - half).max(0.0)),
                &w.number(r.annual.mean + half),
                r.trials,
            )));
            let mut items: Vec<Item> = r
                .events
                .iter()
                .map(|e| {
                    Item::lead(
                        e.name.clone(),
                        w.risk_event(
                            &sig(e.per_year),
                            &w.number(e.loss_given_event.mean),
                            &w.number(e.loss_per_year.mean),
                        ),
                    )
                })
                .collect();
            if let Some((_, y)) = r.hazards {
                items.push(Item::lead(
                    w.risk_hazards_lead(),
                    w.risk_hazards(&w.number(y.mean)),
                ));
            }
            blocks.push(Block::List(items));
            if !r.left_out.is_empty() {
                blocks.push(Block::Para(w.risk_left_out(&r.left_out)));
            }
            blocks.push(Block::Para(w.risk_assumption()));
            let points: Vec<charts::FnPoint> = r
                .users
                .iter()
                .map(|p| charts::FnPoint {
                    x: p.at_least,
                    f: p.rate.per_year,
                    low: p.rate.low,
                    high: p.rate.high,
                })
                .collect();
            if !points.is_empty() {
                blocks.push(Block::Figure(Figure {
                    name: "f-n",
                    svg: charts::exceedance(
                        &points,
                        &w.axis_users_at_least(),
                        &w.axis_per_year(),
                        &w.legend_interval(),
                    ),
                    caption: w.fn_caption(),
                    natural_size: false,
                }));
            }
            let chance = |b: &Breach| -> String {
                if r.events.len() == 1 {
                    w.percent(b.p_given_event[0])
                } else {
                    r.events
                        .iter()
                        .zip(&b.p_given_event)
                        .map(|(e, &p)| format!("{}: {}", e.name, w.percent(p)))
                        .collect::<Vec<_>>()
                        .join("; ")
                }
            };
            let per_year =
                |x: &Rate| format!("{} ({} – {})", sig(x.per_year), sig(x.low), sig(x.high));
            let every = |x: &Rate| {
                if x.per_year > 0.0 {
                    w.once_every(&w.number(1.0 / x.per_year))
                } else {
                    "–".into()
                }
            };
            if !m.thresholds.is_empty() {
                blocks.push(Block::Heading(w.thresholds_heading()));
                let rows = m
                    .thresholds
                    .iter()
                    .zip(&r.thresholds)
                    .map(|(t, b)| {
                        vec![
                            t.name.clone(),
                            w.threshold_conditions(
                                t.min_downtime.map(|d| w.hours(d)).as_deref(),
                                t.min_users.map(|u| w.number(u as f64)).as_deref(),
                                t.min_share.map(|s| w.percent(s)).as_deref(),
                            ),
                            chance(b),
                            per_year(&b.rate),
                            every(&b.rate),
                        ]
                    })
                    .collect();
                blocks.push(Block::Table(Table {
                    header: w.thresholds_header(),
                    numeric: vec![false, false, true, true, true],
                    rows,
                }));
                blocks.push(Block::Para(w.thresholds_note()));
            }
            if !r.tolerances.is_empty() {
                blocks.push(Block::Heading(w.tolerances_heading()));
                let rows = r
                    .tolerances
                    .iter()
                    .map(|(s, tol, b)| {
                        vec![
                            self.service_label(*s),
                            w.hours(*tol),
                            chance(b),
                            per_year(&b.rate),
                            every(&b.rate),
                        ]
                    })
                    .collect();
                blocks.push(Block::Table(Table {
                    header: w.tolerances_header(),
                    numeric: vec![false, true, true, true, true],
                    rows,
                }));
            }
        }
        let c = &r.concentration;
        let line = |v: &[Concentrated<usize>], site: bool| -> String {
            v.iter()
                .map(|x| {
                    let name = if site {
                        self.site_label(x.lost)
                    } else {
                        self.service_label(x.lost)
                    };
                    format!("{name} {}", w.percent(x.share))
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let items: Vec<Item> = [
            (&c.sites, true),
            (&c.data_centers, true),
            (&c.services, false),
        ]
        .into_iter()
        .enumerate()
        .filter(|(_, (v, _))| !v.is_empty())
        .map(|(k, (v, site))| Item::lead(w.concentration_lead(k), line(v, site)))
        .collect();
        if !items.is_empty() {
            blocks.push(Block::Heading(w.concentration_heading()));
            blocks.push(Block::List(items));
            blocks.push(Block::Para(w.concentration_note()));
        }
        Some(Section {
            id: "risk",
            heading: w.risk_heading(),
            blocks,
        })
    }
}
