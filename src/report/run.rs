//! Output of `run`: the JSON machine contract, a table, CSV and Markdown.
//! Wire types are kept apart from the accumulators; everything iterates in file order.

use crate::format::human;
use serde::Serialize;

use super::export::{heading, Export, Header};
use super::grid::{self, Grid};
use crate::analysis::run::{availability, RunStats};
use crate::format::format_hours;
use crate::format::{availability_percent, thousands};
use crate::model::{JourneySize, Model, Target};
use crate::stats::{ci95_half_width, Moments, Summary};
use std::borrow::Cow;

/// What a rendered run is about.
pub struct RunReport<'a> {
    /// SHA-256 of the scenario file's text.
    pub sha256: &'a str,
    /// The base model or the variant that was run.
    pub model: &'a Model,
    pub variant: Option<&'a str>,
    pub seed: u64,
    pub stats: &'a RunStats,
}

/// The JSON document; `S` is the service list: a `Vec` in memory, or [`LazyServices`]
/// when streamed, so that a 100,000-service run never holds every entry at once.
#[derive(Serialize)]
pub struct RunJson<S> {
    #[serde(flatten)]
    pub header: Header,
    pub services: S,
    /// Left out when the scenario has no journeys.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub journeys: Vec<JourneyJson>,
    pub totals: TotalsJson,
    pub recovery_curve: Vec<CurvePoint>,
}

/// The service entries of a report, built one at a time as they are serialised.
pub struct LazyServices<'r>(&'r RunReport<'r>);

impl Serialize for LazyServices<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        serializer.collect_seq((0..r.model.services.len()).map(|i| r.service_json(i)))
    }
}

/// A service's entry; its text is borrowed from the model, so that writing an entry
/// allocates nothing but its list of causes.
#[derive(Serialize)]
pub struct ServiceJson<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub group: &'a str,
    pub users: u64,
    /// Mean share of the horizon up: `1 − mean downtime / horizon` (degraded counts as up).
    pub availability: Option<f64>,
    pub downtime_hours: Distribution,
    pub degraded_hours: MeanOnly,
    pub user_hours_lost: MeanErr,
    pub p_affected: f64,
    pub restored_at_hours: Restored,
    pub causes: Vec<Cause<'a>>,
}

/// A user journey: up while every service it needs is up.
#[derive(Serialize)]
pub struct JourneyJson {
    pub name: String,
    /// Its weight (or users) divided by the sum over every journey's.
    pub weight: f64,
    pub availability: Option<f64>,
    pub downtime_hours: Distribution,
    /// `users × lost_hours`; 0 for a journey given by weight.
    pub user_hours_lost: MeanErr,
    /// Σ lost share × hours, its lost share being `1 − Π(1 − lost_i)` over its needs.
    pub lost_hours: MeanErr,
    /// Null for a journey given by weight.
    pub users: Option<u64>,
    pub needs: Vec<String>,
}

#[derive(Serialize)]
pub struct Distribution {
    pub mean: Option<f64>,
    pub std_err: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

impl Distribution {
    pub fn of(s: &Summary) -> Self {
        let [p50, p90, p95, p99] = s.quantiles([0.5, 0.9, 0.95, 0.99]);
        Distribution {
            mean: s.mean(),
            std_err: s.std_err(),
            p50,
            p90,
            p95,
            p99,
            max: s.max(),
        }
    }
}

#[derive(Serialize)]
pub struct MeanOnly {
    pub mean: Option<f64>,
}

#[derive(Serialize)]
pub struct MeanErr {
    pub mean: Option<f64>,
    pub std_err: Option<f64>,
}

impl MeanErr {
    pub fn of(m: &Moments) -> Self {
        MeanErr {
            mean: m.mean(),
            std_err: m.std_err(),
        }
    }
}

/// Over the trials in which the service was down (null when it never was).
#[derive(Serialize)]
pub struct Restored {
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
}

#[derive(Serialize)]
pub struct Cause<'a> {
    /// A service id (borrowed), or a group of alternatives (`any of a, b`).
    pub cause: Cow<'a, str>,
    /// Mean hours per trial that this cause kept the service down.
    pub hours: f64,
}

#[derive(Serialize)]
pub struct TotalsJson {
    pub user_hours_lost: TotalLoss,
    pub services_affected: Radius,
    pub peak_services_down: Radius,
    pub deadlocks: Deadlocks,
}

#[derive(Serialize)]
pub struct TotalLoss {
    pub mean: Option<f64>,
    pub std_err: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
}

#[derive(Serialize)]
pub struct Radius {
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub max: Option<f64>,
}

impl Radius {
    fn of(s: &Summary) -> Self {
        let [p50, p95] = s.quantiles([0.5, 0.95]);
        Radius {
            mean: s.mean(),
            p50,
            p95,
            max: s.max(),
        }
    }
}

#[derive(Serialize)]
pub struct Deadlocks {
    pub trials_with_deadlock: u64,
}

#[derive(Serialize)]
pub struct CurvePoint {
    pub t_hours: f64,
    pub available_mean: Option<f64>,
    pub p05: Option<f64>,
    pub p95: Option<f64>,
}

impl RunReport<'_> {
    /// The entry of service `i`.
    fn service_json(&self, i: usize) -> ServiceJson<'_> {
        let m = self.model;
        let st = self.stats;
        let n = st.trials.max(1) as f64;
        let svc = &m.services[i];
        let ss = &st.services[i];
        let mut causes = Vec::with_capacity(ss.causes.len());
        causes.push(Cause {
            cause: Cow::Borrowed("own"),
            hours: st.cause_mean(i, 0),
        });
        for (k, d) in (1..).zip(svc.depends_on.iter().filter(|d| d.is_hard())) {
            causes.push(Cause {
                cause: match &d.on {
                    Target::Service(x) => Cow::Borrowed(m.services[*x].id.as_str()),
                    other => Cow::Owned(other.label(m)),
                },
                hours: st.cause_mean(i, k),
            });
        }
        ServiceJson {
            id: &svc.id,
            name: &svc.name,
            group: &svc.group,
            users: svc.users,
            availability: availability(ss.downtime.mean(), m.horizon),
            downtime_hours: Distribution::of(&ss.downtime),
            degraded_hours: MeanOnly {
                mean: ss.degraded.mean(),
            },
            user_hours_lost: MeanErr::of(&ss.user_hours_lost),
            p_affected: ss.affected as f64 / n,
            restored_at_hours: {
                let [p50, p95] = ss.restored_at.quantiles([0.5, 0.95]);
                Restored {
                    mean: ss.restored_at.mean(),
                    p50,
                    p95,
                }
            },
            causes,
        }
    }

    pub fn to_json(&self) -> RunJson<Vec<ServiceJson<'_>>> {
        self.json_with(
            (0..self.model.services.len())
                .map(|i| self.service_json(i))
                .collect(),
        )
    }

    /// The entries of the journeys, in file order.
    fn journeys_json(&self) -> Vec<JourneyJson> {
        let m = self.model;
        m.journeys
            .iter()
            .zip(&self.stats.journeys)
            .zip(m.journey_shares())
            .map(|((journey, st), share)| JourneyJson {
                name: journey.name.clone(),
                weight: share,
                availability: availability(st.downtime.mean(), m.horizon),
                downtime_hours: Distribution::of(&st.downtime),
                user_hours_lost: MeanErr::of(&st.user_hours_lost),
                lost_hours: MeanErr::of(&st.lost_hours),
                users: match journey.size {
                    JourneySize::Users(u) => Some(u),
                    JourneySize::Weight(_) => None,
                },
                needs: journey
                    .needs
                    .iter()
                    .map(|&s| m.services[s].id.clone())
                    .collect(),
            })
            .collect()
    }

    /// The document around `services`.
    fn json_with<S>(&self, services: S) -> RunJson<S> {
        let m = self.model;
        let st = self.stats;
        let t = &st.total_user_hours_lost;
        let curve = st
            .curve
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let [p05, p95] = s.quantiles([0.05, 0.95]);
                CurvePoint {
                    t_hours: m.horizon * k as f64 / (st.curve.len() - 1) as f64,
                    available_mean: s.mean(),
                    p05,
                    p95,
                }
            })
            .collect();
        RunJson {
            header: Header::played(m, self.sha256, self.variant, st.trials, self.seed),
            services,
            journeys: self.journeys_json(),
            totals: TotalsJson {
                user_hours_lost: {
                    let [p50, p95, p99] = t.quantiles([0.5, 0.95, 0.99]);
                    TotalLoss {
                        mean: t.mean(),
                        std_err: t.std_err(),
                        p50,
                        p95,
                        p99,
                    }
                },
                services_affected: Radius::of(&st.services_affected),
                peak_services_down: Radius::of(&st.peak_down),
                deadlocks: Deadlocks {
                    trials_with_deadlock: st.trials_with_deadlock,
                },
            },
            recovery_curve: curve,
        }
    }
}

impl Export for RunReport<'_> {
    /// Streams the JSON document to `out`, one service entry at a time.
    fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        grid::write_json(out, &self.json_with(LazyServices(self)))
    }

    fn heading(&self) -> String {
        heading("", &self.model.name, self.variant)
    }

    fn lines(&self) -> Vec<String> {
        let st = self.stats;
        let t = &st.total_user_hours_lost;
        let mut lines = vec![format!(
            "{} trials, seed {}, horizon {}",
            st.trials,
            self.seed,
            format_hours(self.model.horizon)
        )];
        if let Some(mean) = t.mean() {
            let half = t.std_err().map(ci95_half_width).unwrap_or(0.0);
            lines.push(format!(
                "user-hours lost per trial: mean {} (95% interval ± {}), p95 {}",
                human(mean),
                human(half),
                human(t.quantile(0.95).unwrap_or(0.0))
            ));
        }
        let a = &st.services_affected;
        lines.push(format!(
            "services affected (blast radius): mean {:.1}, p95 {:.0}, max {:.0} of {}",
            a.mean().unwrap_or(0.0),
            a.quantile(0.95).unwrap_or(0.0),
            a.max().unwrap_or(0.0),
            self.model.services.len()
        ));
        if st.trials_with_deadlock > 0 {
            lines.push(format!(
                "recovery deadlocks in {} of {} trials",
                st.trials_with_deadlock, st.trials
            ));
        }
        if let Some(a) = st.weighted_journey_availability(self.model) {
            lines.push(format!(
                "journeys: {}, availability weighted by journey weight {}",
                self.model.journeys.len(),
                availability_percent(a)
            ));
        }
        lines
    }

    /// The journeys, when the scenario has some.
    fn more_grids(&self) -> Vec<(String, Grid)> {
        let journeys = self.journeys_json();
        if journeys.is_empty() {
            return Vec::new();
        }
        let rows = journeys
            .iter()
            .map(|j| {
                vec![
                    j.name.clone(),
                    format!("{:.1}%", 100.0 * j.weight),
                    j.users.map_or("-".into(), thousands),
                    j.availability.map_or("-".into(), availability_percent),
                    hours(j.downtime_hours.mean),
                    hours(j.downtime_hours.p95),
                    match j.users {
                        Some(_) => j.user_hours_lost.mean.map_or("-".into(), human),
                        None => "-".into(),
                    },
                ]
            })
            .collect();
        vec![(
            "Journeys".into(),
            Grid {
                header: vec![
                    "journey",
                    "weight",
                    "users",
                    "availability",
                    "downtime mean",
                    "downtime p95",
                    "user-hours lost",
                ],
                rows,
                right: (1..7).collect(),
            },
        )]
    }

    /// The per-service table shared by the terminal and Markdown renderings.
    fn grid(&self) -> Grid {
        // The services alone: the journeys have a grid of their own.
        let services: Vec<ServiceJson> = (0..self.model.services.len())
            .map(|i| self.service_json(i))
            .collect();
        let rows = services
            .iter()
            .map(|s| {
                let top = s
                    .causes
                    .iter()
                    .filter(|c| c.hours > 0.0)
                    .max_by(|a, b| a.hours.total_cmp(&b.hours))
                    .map_or("-".to_string(), |c| c.cause.to_string());
                vec![
                    s.id.to_string(),
                    thousands(s.users),
                    format!("{:.1}%", 100.0 * s.p_affected),
                    hours(s.downtime_hours.mean),
                    hours(s.downtime_hours.p95),
                    s.user_hours_lost.mean.map_or("-".into(), human),
                    hours(s.restored_at_hours.p50),
                    top,
                ]
            })
            .collect();
        Grid {
            header: vec![
                "service",
                "users",
                "P(affected)",
                "downtime mean",
                "downtime p95",
                "user-hours lost",
                "restored p50",
                "main cause",
            ],
            rows,
            right: (1..7).collect(),
        }
    }

    /// One line per service; with journeys, one more per journey, and two more columns:
    /// `record` (`service` or `journey`) and `availability`.
    fn csv(&self) -> (&'static [&'static str], Vec<Vec<String>>) {
        let j = self.to_json();
        let with_journeys = !j.journeys.is_empty();
        let mut records: Vec<Vec<String>> = j
            .services
            .iter()
            .map(|s| {
                let d = &s.downtime_hours;
                let mut r = vec![
                    s.id.to_string(),
                    s.name.to_string(),
                    s.group.to_string(),
                    s.users.to_string(),
                    crate::format::num(d.mean),
                    crate::format::num(d.std_err),
                    crate::format::num(d.p50),
                    crate::format::num(d.p90),
                    crate::format::num(d.p95),
                    crate::format::num(d.p99),
                    crate::format::num(d.max),
                    crate::format::num(s.degraded_hours.mean),
                    crate::format::num(s.user_hours_lost.mean),
                    crate::format::num(s.user_hours_lost.std_err),
                    s.p_affected.to_string(),
                    crate::format::num(s.restored_at_hours.mean),
                    crate::format::num(s.restored_at_hours.p50),
                    crate::format::num(s.restored_at_hours.p95),
                ];
                if with_journeys {
                    r.extend(["service".into(), crate::format::num(s.availability)]);
                }
                r
            })
            .collect();
        for x in &j.journeys {
            let d = &x.downtime_hours;
            let mut r = vec![
                x.name.clone(),
                x.name.clone(),
                String::new(),
                x.users.map_or(String::new(), |u| u.to_string()),
            ];
            r.extend(
                [d.mean, d.std_err, d.p50, d.p90, d.p95, d.p99, d.max].map(crate::format::num),
            );
            r.extend([
                String::new(),
                crate::format::num(x.user_hours_lost.mean),
                crate::format::num(x.user_hours_lost.std_err),
            ]);
            r.extend(std::iter::repeat_n(String::new(), 4));
            r.extend(["journey".into(), crate::format::num(x.availability)]);
            records.push(r);
        }
        let header: &'static [&'static str] = if with_journeys {
            &CSV_HEADER_JOURNEYS
        } else {
            &CSV_HEADER[..]
        };
        (header, records)
    }
}

/// The CSV columns of `run`.
const CSV_HEADER: [&str; 18] = [
    "id",
    "name",
    "group",
    "users",
    "downtime_mean",
    "downtime_std_err",
    "downtime_p50",
    "downtime_p90",
    "downtime_p95",
    "downtime_p99",
    "downtime_max",
    "degraded_mean",
    "user_hours_lost_mean",
    "user_hours_lost_std_err",
    "p_affected",
    "restored_at_mean",
    "restored_at_p50",
    "restored_at_p95",
];

/// The CSV columns of `run` for a scenario with journeys.
const CSV_HEADER_JOURNEYS: [&str; 20] = {
    let mut h = [""; 20];
    let mut i = 0;
    while i < CSV_HEADER.len() {
        h[i] = CSV_HEADER[i];
        i += 1;
    }
    h[18] = "record";
    h[19] = "availability";
    h
};

fn hours(x: Option<f64>) -> String {
    x.map_or("-".into(), format_hours)
}
