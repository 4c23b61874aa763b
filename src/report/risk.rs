//! Output of `risk`: expected loss per year, exceedance (F–N) curves, thresholds,
//! tolerances and concentration (JSON fields in docs/risk.md).

use serde::Serialize;

use super::export::{heading, Export, Header};
use super::grid::{self, Grid};
use crate::analysis::risk::{Breach, Concentrated, Estimate, Point, Rate, Risk};
use crate::format::{figure, format_hours};
use crate::model::{Loaded, Model};

/// The assumption every yearly figure rests on, in the output and in docs/risk.md.
pub const ASSUMPTION: &str = "Each event with per_year is an independent yearly frequency, played on its own; incidents are assumed rare enough not to overlap (no two in one horizon), so yearly figures add up over events. Background hazards add their own loss, from a run without events scaled to a year; they are not incidents and are left out of the curves, thresholds and tolerances.";

/// What concentration cannot say yet.
pub const NO_SUBSTITUTES: &str = "users_without_substitute: of the users of the services that go down, those whose service has no substitute to turn to (users × (1 − Σ substitute shares)); equal to users_down when the scenario declares no substitutes.";

pub struct RiskReport<'a> {
    pub loaded: &'a Loaded,
    pub model: &'a Model,
    pub variant: Option<&'a str>,
    pub seed: u64,
    pub risk: &'a Risk,
}

#[derive(Serialize)]
pub struct MeanErr {
    pub mean: f64,
    pub std_err: f64,
}

impl From<Estimate> for MeanErr {
    fn from(e: Estimate) -> Self {
        MeanErr {
            mean: e.mean,
            std_err: e.std_err,
        }
    }
}

#[derive(Serialize)]
pub struct RiskJson {
    #[serde(flatten)]
    pub header: Header,
    pub assumption: &'static str,
    pub annual: AnnualJson,
    pub exceedance: ExceedanceJson,
    pub thresholds: Vec<ThresholdJson>,
    pub tolerances: Vec<ToleranceJson>,
    pub concentration: ConcentrationJson,
}

#[derive(Serialize)]
pub struct AnnualJson {
    pub expected_user_hours_lost: MeanErr,
    pub by_event: Vec<EventJson>,
    pub hazards: Option<HazardsJson>,
    /// Top-level events without `per_year`, not annualised.
    pub left_out: Vec<String>,
}

#[derive(Serialize)]
pub struct EventJson {
    pub name: String,
    pub per_year: f64,
    pub user_hours_lost_given_event: MeanErr,
    pub user_hours_lost_per_year: MeanErr,
}

#[derive(Serialize)]
pub struct HazardsJson {
    pub user_hours_lost_per_horizon: MeanErr,
    pub user_hours_lost_per_year: MeanErr,
}

#[derive(Serialize)]
pub struct PointJson {
    pub at_least: f64,
    pub per_year: f64,
    pub per_year_low: f64,
    pub per_year_high: f64,
}

impl From<&Point> for PointJson {
    fn from(p: &Point) -> Self {
        PointJson {
            at_least: p.at_least,
            per_year: p.rate.per_year,
            per_year_low: p.rate.low,
            per_year_high: p.rate.high,
        }
    }
}

#[derive(Serialize)]
pub struct ExceedanceJson {
    pub users: Vec<PointJson>,
    pub user_hours: Vec<PointJson>,
    pub downtime_hours: Vec<DowntimeJson>,
}

#[derive(Serialize)]
pub struct DowntimeJson {
    pub service: String,
    pub points: Vec<PointJson>,
}

#[derive(Serialize)]
pub struct GivenJson {
    pub event: String,
    pub p: f64,
}

#[derive(Serialize)]
pub struct ThresholdJson {
    pub name: String,
    pub min_downtime_hours: Option<f64>,
    pub min_users: Option<u64>,
    pub min_share: Option<f64>,
    pub p_given_event: Vec<GivenJson>,
    pub per_year: f64,
    pub per_year_low: f64,
    pub per_year_high: f64,
}

#[derive(Serialize)]
pub struct ToleranceJson {
    pub service: String,
    pub tolerance_hours: f64,
    pub p_given_event: Vec<GivenJson>,
    pub per_year: f64,
    pub per_year_low: f64,
    pub per_year_high: f64,
}

#[derive(Serialize)]
pub struct ConcentrationJson {
    pub total_users: u64,
    pub sites: Vec<ConcentratedJson>,
    pub data_centers: Vec<ConcentratedJson>,
    pub services: Vec<ConcentratedJson>,
    pub substitutes: &'static str,
}

#[derive(Serialize)]
pub struct ConcentratedJson {
    pub id: String,
    pub users_down: u64,
    pub share: f64,
    pub users_without_substitute: f64,
}

/// A yearly frequency as people read it: two significant digits.
pub fn sig(x: f64) -> String {
    if x <= 0.0 {
        return "0".into();
    }
    let digits = (1 - x.log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}

/// `0.0089 per year (95% interval 0.0086 – 0.0092; once every 112 years)`.
fn interval(r: &Rate) -> String {
    let every = if r.per_year > 0.0 && r.per_year < 1.0 {
        format!("; once every {} years", figure(1.0 / r.per_year))
    } else {
        String::new()
    };
    format!(
        "{} per year (95% interval {} – {}{every})",
        sig(r.per_year),
        sig(r.low),
        sig(r.high)
    )
}

impl RiskReport<'_> {
    fn given(&self, b: &Breach) -> Vec<GivenJson> {
        self.risk
            .events
            .iter()
            .zip(&b.p_given_event)
            .map(|(e, &p)| GivenJson {
                event: e.name.clone(),
                p,
            })
            .collect()
    }

    fn concentrated(&self, v: &[Concentrated<usize>], site: bool) -> Vec<ConcentratedJson> {
        v.iter()
            .map(|c| ConcentratedJson {
                id: if site {
                    self.model.sites[c.lost].id.clone()
                } else {
                    self.model.services[c.lost].id.clone()
                },
                users_down: c.users_down,
                share: c.share,
                users_without_substitute: c.users_without_substitute,
            })
            .collect()
    }

    pub fn to_json(&self) -> RiskJson {
        let m = self.model;
        let r = self.risk;
        let c = &r.concentration;
        RiskJson {
            header: Header::played(m, &self.loaded.sha256, self.variant, r.trials, self.seed),
            assumption: ASSUMPTION,
            annual: AnnualJson {
                expected_user_hours_lost: r.annual.into(),
                by_event: r
                    .events
                    .iter()
                    .map(|e| EventJson {
                        name: e.name.clone(),
                        per_year: e.per_year,
                        user_hours_lost_given_event: e.loss_given_event.into(),
                        user_hours_lost_per_year: e.loss_per_year.into(),
                    })
                    .collect(),
                hazards: r.hazards.map(|(h, y)| HazardsJson {
                    user_hours_lost_per_horizon: h.into(),
                    user_hours_lost_per_year: y.into(),
                }),
                left_out: r.left_out.clone(),
            },
            exceedance: ExceedanceJson {
                users: r.users.iter().map(PointJson::from).collect(),
                user_hours: r.user_hours.iter().map(PointJson::from).collect(),
                downtime_hours: r
                    .downtime
                    .iter()
                    .map(|(s, pts)| DowntimeJson {
                        service: m.services[*s].id.clone(),
                        points: pts.iter().map(PointJson::from).collect(),
                    })
                    .collect(),
            },
            thresholds: m
                .thresholds
                .iter()
                .zip(&r.thresholds)
                .map(|(t, b)| ThresholdJson {
                    name: t.name.clone(),
                    min_downtime_hours: t.min_downtime,
                    min_users: t.min_users,
                    min_share: t.min_share,
                    p_given_event: self.given(b),
                    per_year: b.rate.per_year,
                    per_year_low: b.rate.low,
                    per_year_high: b.rate.high,
                })
                .collect(),
            tolerances: r
                .tolerances
                .iter()
                .map(|(s, tol, b)| ToleranceJson {
                    service: m.services[*s].id.clone(),
                    tolerance_hours: *tol,
                    p_given_event: self.given(b),
                    per_year: b.rate.per_year,
                    per_year_low: b.rate.low,
                    per_year_high: b.rate.high,
                })
                .collect(),
            concentration: ConcentrationJson {
                total_users: c.total_users,
                sites: self.concentrated(&c.sites, true),
                data_centers: self.concentrated(&c.data_centers, true),
                services: self.concentrated(&c.services, false),
                substitutes: NO_SUBSTITUTES,
            },
        }
    }

    fn given_text(&self, b: &Breach) -> String {
        self.risk
            .events
            .iter()
            .zip(&b.p_given_event)
            .map(|(e, p)| format!("{:.3} given {}", p, e.name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn conc_line(&self, what: &str, v: &[Concentrated<usize>], site: bool) -> Option<String> {
        if v.is_empty() {
            return None;
        }
        let items: Vec<String> = self
            .concentrated(v, site)
            .iter()
            .map(|c| format!("{} {:.1}%", c.id, 100.0 * c.share))
            .collect();
        Some(format!(
            "Share of all users whose services go down if one {what} is lost for good: {}",
            items.join(", ")
        ))
    }
}

/// Every `k`-th point of a curve and its last, for a short text.
fn sampled(points: &[Point], k: usize) -> Vec<&Point> {
    let mut v: Vec<&Point> = points.iter().step_by(k.max(1)).collect();
    if let Some(last) = points.last() {
        if !std::ptr::eq(*v.last().unwrap_or(&last), last) {
            v.push(last);
        }
    }
    v
}

impl Export for RiskReport<'_> {
    fn heading(&self) -> String {
        heading("Risk per year", &self.model.name, self.variant)
    }

    fn lines(&self) -> Vec<String> {
        let r = self.risk;
        let mut v = vec![
            format!(
                "{} trials per event, seed {}, horizon {}; each event with per_year forced on its own (follow-ons at their probabilities, no other event, no hazards)",
                r.trials,
                self.seed,
                format_hours(self.model.horizon)
            ),
            format!(
                "expected user-hours lost per year: {} ± {} (95% interval)",
                figure(r.annual.mean),
                figure(1.96 * r.annual.std_err)
            ),
        ];
        if let Some((h, y)) = r.hazards {
            v.push(format!(
                "background hazards: {} user-hours per horizon, {} ± {} per year",
                figure(h.mean),
                figure(y.mean),
                figure(1.96 * y.std_err)
            ));
        }
        if !r.left_out.is_empty() {
            v.push(format!("left out (no per_year): {}", r.left_out.join(", ")));
        }
        v.push(ASSUMPTION.into());
        v
    }

    fn notes(&self) -> Vec<String> {
        let r = self.risk;
        let m = self.model;
        let mut v = Vec::new();
        if !r.users.is_empty() {
            let pts: Vec<String> = sampled(&r.users, r.users.len().div_ceil(8))
                .into_iter()
                .map(|p| format!("≥ {}: {}", figure(p.at_least), sig(p.rate.per_year)))
                .collect();
            v.push(format!(
                "Incidents per year with at least N users affected (F–N): {}",
                pts.join("; ")
            ));
        }
        for (t, b) in m.thresholds.iter().zip(&r.thresholds) {
            v.push(format!(
                "Threshold \"{}\": {}; P(breach | event): {}",
                t.name,
                interval(&b.rate),
                self.given_text(b)
            ));
        }
        for (s, tol, b) in &r.tolerances {
            v.push(format!(
                "Tolerance of {} ({}): downtime beyond it {}; P(downtime > tolerance | event): {}",
                m.services[*s].id,
                format_hours(*tol),
                interval(&b.rate),
                self.given_text(b)
            ));
        }
        let c = &r.concentration;
        v.extend(self.conc_line("site", &c.sites, true));
        v.extend(self.conc_line("data center", &c.data_centers, true));
        v.extend(self.conc_line("service", &c.services, false));
        v.push(NO_SUBSTITUTES.into());
        v
    }

    fn grid(&self) -> Grid {
        Grid {
            header: vec![
                "event",
                "per year",
                "user-hours lost given event (95% interval)",
                "user-hours lost per year",
            ],
            rows: self
                .risk
                .events
                .iter()
                .map(|e| {
                    vec![
                        e.name.clone(),
                        sig(e.per_year),
                        format!(
                            "{} ± {}",
                            figure(e.loss_given_event.mean),
                            figure(1.96 * e.loss_given_event.std_err)
                        ),
                        figure(e.loss_per_year.mean),
                    ]
                })
                .collect(),
            right: vec![1, 2, 3],
        }
    }

    fn csv(&self) -> (&'static [&'static str], Vec<Vec<String>>) {
        let j = self.to_json();
        let n = |x: f64| x.to_string();
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut row = |kind: &str,
                       name: &str,
                       at: Option<f64>,
                       rate: [Option<f64>; 3],
                       me: Option<&MeanErr>| {
            rows.push(vec![
                kind.to_string(),
                name.to_string(),
                crate::format::num(at),
                crate::format::num(rate[0]),
                crate::format::num(rate[1]),
                crate::format::num(rate[2]),
                me.map_or(String::new(), |x| n(x.mean)),
                me.map_or(String::new(), |x| n(x.std_err)),
            ]);
        };
        row(
            "expected_loss",
            "total",
            None,
            [None; 3],
            Some(&j.annual.expected_user_hours_lost),
        );
        for e in &j.annual.by_event {
            row(
                "expected_loss",
                &e.name,
                None,
                [None; 3],
                Some(&e.user_hours_lost_per_year),
            );
        }
        if let Some(h) = &j.annual.hazards {
            row(
                "expected_loss",
                "hazards",
                None,
                [None; 3],
                Some(&h.user_hours_lost_per_year),
            );
        }
        for e in &j.annual.by_event {
            row(
                "event",
                &e.name,
                None,
                [Some(e.per_year), None, None],
                Some(&e.user_hours_lost_given_event),
            );
        }
        for t in &j.thresholds {
            row(
                "threshold",
                &t.name,
                None,
                [
                    Some(t.per_year),
                    Some(t.per_year_low),
                    Some(t.per_year_high),
                ],
                None,
            );
        }
        for t in &j.tolerances {
            row(
                "tolerance",
                &t.service,
                Some(t.tolerance_hours),
                [
                    Some(t.per_year),
                    Some(t.per_year_low),
                    Some(t.per_year_high),
                ],
                None,
            );
        }
        let mut curve = |kind: &str, name: &str, pts: &[PointJson]| {
            for p in pts {
                row(
                    kind,
                    name,
                    Some(p.at_least),
                    [
                        Some(p.per_year),
                        Some(p.per_year_low),
                        Some(p.per_year_high),
                    ],
                    None,
                );
            }
        };
        curve("users", "", &j.exceedance.users);
        curve("user_hours", "", &j.exceedance.user_hours);
        for d in &j.exceedance.downtime_hours {
            curve("downtime_hours", &d.service, &d.points);
        }
        for (kind, list) in [
            ("concentration_site", &j.concentration.sites),
            ("concentration_data_center", &j.concentration.data_centers),
            ("concentration_service", &j.concentration.services),
        ] {
            for c in list {
                row(
                    kind,
                    &c.id,
                    Some(c.users_down as f64),
                    [None; 3],
                    Some(&MeanErr {
                        mean: c.share,
                        std_err: 0.0,
                    }),
                );
            }
        }
        (
            &[
                "kind",
                "name",
                "at_least",
                "per_year",
                "per_year_low",
                "per_year_high",
                "mean",
                "std_err",
            ],
            rows,
        )
    }

    fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        grid::write_json(out, &self.to_json())
    }
}
