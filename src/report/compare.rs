//! Output of `compare`: base vs each variant on common random numbers (JSON fields in
//! docs/analyses.md).

use serde::Serialize;

use super::export::{Export, Header};
use super::grid::{self, Grid};
use crate::analysis::compare::{Arm, Comparison};
use crate::analysis::run::availability;
use crate::format::{availability_percent, format_hours};
use crate::model::{Loaded, Model, Variant};
use crate::stats::ci95_half_width;

/// Each service's index by its id: the services of a base and a variant are matched by
/// id, and a linear search per service would make that quadratic in their number.
fn ids(m: &Model) -> std::collections::HashMap<&str, usize> {
    m.services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect()
}

pub struct CompareReport<'a> {
    pub loaded: &'a Loaded,
    pub seed: u64,
    /// The variants compared, in the order of `stats.variants`.
    pub variants: &'a [&'a Variant],
    pub stats: &'a Comparison,
}

#[derive(Serialize)]
pub struct CompareJson {
    #[serde(flatten)]
    pub header: Header,
    pub currency: Option<String>,
    pub base: ArmJson,
    pub variants: Vec<VariantJson>,
}

#[derive(Serialize)]
pub struct ArmJson {
    pub user_hours_lost: Loss,
    pub worst_service: Option<Worst>,
}

#[derive(Serialize)]
pub struct Loss {
    pub mean: Option<f64>,
    pub std_err: Option<f64>,
    pub p95: Option<f64>,
}

#[derive(Serialize)]
pub struct Worst {
    pub id: String,
    pub downtime_p95_hours: f64,
}

#[derive(Serialize)]
pub struct VariantJson {
    pub name: String,
    pub description: String,
    pub cost: Option<f64>,
    pub user_hours_lost: Loss,
    pub worst_service: Option<Worst>,
    pub difference: Difference,
    pub p_variant_better: f64,
    pub p_tie: f64,
    pub p_variant_worse: f64,
    pub mean_user_hours_saved: Option<f64>,
    pub cost_per_user_hour_saved: Option<f64>,
    pub services: Vec<ServicePair>,
    /// Left out when the scenario has no journeys.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub journeys: Vec<JourneyPair>,
}

/// One journey in the base and in the variant.
#[derive(Serialize)]
pub struct JourneyPair {
    pub name: String,
    pub availability_base: Option<f64>,
    pub availability_variant: Option<f64>,
    pub downtime_mean_base: Option<f64>,
    pub downtime_mean_variant: Option<f64>,
    pub downtime_p95_base: Option<f64>,
    pub downtime_p95_variant: Option<f64>,
    pub user_hours_lost_base: Option<f64>,
    pub user_hours_lost_variant: Option<f64>,
}

/// `variant − base` per trial: negative means the variant loses less.
#[derive(Serialize)]
pub struct Difference {
    pub mean: Option<f64>,
    pub std_err: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
}

/// One service matched by id; `None` where the arm has no service of that id.
#[derive(Serialize)]
pub struct ServicePair {
    pub id: String,
    pub downtime_mean_base: Option<f64>,
    pub downtime_mean_variant: Option<f64>,
    pub downtime_p95_base: Option<f64>,
    pub downtime_p95_variant: Option<f64>,
}

fn arm_json(model: &Model, arm: &Arm) -> ArmJson {
    ArmJson {
        user_hours_lost: Loss {
            mean: arm.total.mean(),
            std_err: arm.total.std_err(),
            p95: arm.total.quantile(0.95),
        },
        worst_service: arm.worst_p95().map(|(s, p)| Worst {
            id: model.services[s].id.clone(),
            downtime_p95_hours: p,
        }),
    }
}

impl CompareReport<'_> {
    pub fn to_json(&self) -> CompareJson {
        let base_model = &self.loaded.model;
        let st = self.stats;
        let n = st.trials.max(1) as f64;
        let base = arm_json(base_model, &st.base);
        let base_ids = ids(base_model);
        let variants = self
            .variants
            .iter()
            .zip(&st.variants)
            .map(|(v, p)| {
                let arm = arm_json(&v.model, &p.arm);
                let d = &p.difference;
                let half = d.std_err().map(ci95_half_width);
                let saved = d.mean().map(|x| -x);
                let cost_per =
                    saved.and_then(|s| crate::analysis::policy::Design::cost_per_saved(v.cost, s));
                // Base services in base order, then those the variant adds.
                let variant_ids = ids(&v.model);
                let mut services: Vec<ServicePair> = base_model
                    .services
                    .iter()
                    .enumerate()
                    .map(|(i, svc)| {
                        let j = variant_ids.get(svc.id.as_str()).copied();
                        ServicePair {
                            id: svc.id.clone(),
                            downtime_mean_base: st.base.downtime[i].mean(),
                            downtime_mean_variant: j.and_then(|j| p.arm.downtime[j].mean()),
                            downtime_p95_base: st.base.downtime[i].quantile(0.95),
                            downtime_p95_variant: j.and_then(|j| p.arm.downtime[j].quantile(0.95)),
                        }
                    })
                    .collect();
                for (j, svc) in v.model.services.iter().enumerate() {
                    if !base_ids.contains_key(svc.id.as_str()) {
                        services.push(ServicePair {
                            id: svc.id.clone(),
                            downtime_mean_base: None,
                            downtime_mean_variant: p.arm.downtime[j].mean(),
                            downtime_p95_base: None,
                            downtime_p95_variant: p.arm.downtime[j].quantile(0.95),
                        });
                    }
                }
                let journeys = base_model
                    .journeys
                    .iter()
                    .zip(st.base.journeys.iter().zip(&p.arm.journeys))
                    .map(|(j, (b, x))| JourneyPair {
                        name: j.name.clone(),
                        availability_base: availability(b.downtime.mean(), base_model.horizon),
                        availability_variant: availability(x.downtime.mean(), v.model.horizon),
                        downtime_mean_base: b.downtime.mean(),
                        downtime_mean_variant: x.downtime.mean(),
                        downtime_p95_base: b.downtime.quantile(0.95),
                        downtime_p95_variant: x.downtime.quantile(0.95),
                        user_hours_lost_base: b.user_hours_lost.mean(),
                        user_hours_lost_variant: x.user_hours_lost.mean(),
                    })
                    .collect();
                VariantJson {
                    name: v.name.clone(),
                    description: v.description.clone(),
                    cost: v.cost,
                    user_hours_lost: arm.user_hours_lost,
                    worst_service: arm.worst_service,
                    difference: Difference {
                        mean: d.mean(),
                        std_err: d.std_err(),
                        ci95_low: d.mean().zip(half).map(|(m, h)| m - h),
                        ci95_high: d.mean().zip(half).map(|(m, h)| m + h),
                    },
                    p_variant_better: p.better as f64 / n,
                    p_tie: p.ties as f64 / n,
                    p_variant_worse: (st.trials - p.better - p.ties) as f64 / n,
                    mean_user_hours_saved: saved,
                    cost_per_user_hour_saved: cost_per,
                    services,
                    journeys,
                }
            })
            .collect();
        CompareJson {
            header: Header::played(base_model, &self.loaded.sha256, None, st.trials, self.seed),
            currency: base_model.currency.clone(),
            base,
            variants,
        }
    }
}

impl Export for CompareReport<'_> {
    fn heading(&self) -> String {
        format!("Compare: {}", self.loaded.model.name)
    }

    fn lines(&self) -> Vec<String> {
        let j = &self.to_json();
        let mut lines = vec![format!(
            "{} trials, seed {}, horizon {}; every design on the same random numbers",
            j.header.run().trials,
            j.header.run().seed,
            format_hours(j.header.run().horizon_hours)
        )];
        for v in &j.variants {
            if let (Some(m), Some(lo), Some(hi)) = (
                v.difference.mean,
                v.difference.ci95_low,
                v.difference.ci95_high,
            ) {
                let verb = if m <= 0.0 { "saves" } else { "adds" };
                lines.push(format!(
                    "{}: {verb} {} user-hours per trial (95% interval {} to {} for variant − base); better in {:.1}% of trials, tied in {:.1}%",
                    v.name,
                    crate::format::figure(m.abs()),
                    crate::format::figure(lo),
                    crate::format::figure(hi),
                    100.0 * v.p_variant_better,
                    100.0 * v.p_tie
                ));
            }
        }
        lines
    }

    fn notes(&self) -> Vec<String> {
        vec![
            "Δ is variant − base (negative: the variant loses fewer user-hours). Cost per \
              user-hour saved is the variant's cost divided by the mean user-hours saved per \
              trial; - when there is no cost or no saving."
                .into(),
        ]
    }

    fn grid(&self) -> Grid {
        let j = &self.to_json();
        let cur = j.currency.clone().unwrap_or_default();
        let worst = |w: &Option<Worst>| {
            w.as_ref().map_or("-".into(), |w| {
                format!("{} {}", w.id, format_hours(w.downtime_p95_hours))
            })
        };
        let mut rows = vec![vec![
            "base".to_string(),
            j.base
                .user_hours_lost
                .mean
                .map_or("-".into(), crate::format::figure),
            "-".into(),
            "-".into(),
            "-".into(),
            worst(&j.base.worst_service),
            "-".into(),
        ]];
        for v in &j.variants {
            let d = &v.difference;
            rows.push(vec![
                v.name.clone(),
                v.user_hours_lost
                    .mean
                    .map_or("-".into(), crate::format::figure),
                d.mean.map_or("-".into(), crate::format::figure),
                match (d.ci95_low, d.ci95_high) {
                    (Some(lo), Some(hi)) => format!(
                        "{} … {}",
                        crate::format::figure(lo),
                        crate::format::figure(hi)
                    ),
                    _ => "-".into(),
                },
                format!("{:.1}%", 100.0 * v.p_variant_better),
                worst(&v.worst_service),
                v.cost_per_user_hour_saved.map_or("-".into(), |c| {
                    format!("{} {cur}", crate::format::figure(c))
                        .trim()
                        .to_string()
                }),
            ]);
        }
        Grid {
            header: vec![
                "design",
                "user-hours lost",
                "Δ mean",
                "Δ 95% interval",
                "P(better)",
                "worst p95 downtime",
                "cost per user-hour saved",
            ],
            rows,
            right: vec![1, 2, 3, 4, 6],
        }
    }

    /// The journeys in each design, when the scenario has some.
    fn more_grids(&self) -> Vec<(String, Grid)> {
        let j = &self.to_json();
        let Some(first) = j.variants.first().filter(|v| !v.journeys.is_empty()) else {
            return Vec::new();
        };
        // A journey given by weight has no users: its user-hours are shown as `-`.
        let journeys = &self.loaded.model.journeys;
        let cells = |design: &str, k: usize, a: Option<f64>, d: Option<f64>, u: Option<f64>| {
            vec![
                design.to_string(),
                journeys[k].name.clone(),
                a.map_or("-".into(), availability_percent),
                d.map_or("-".into(), format_hours),
                u.filter(|_| journeys[k].users() > 0)
                    .map_or("-".into(), crate::format::figure),
            ]
        };
        let mut rows: Vec<Vec<String>> = first
            .journeys
            .iter()
            .enumerate()
            .map(|(k, x)| {
                cells(
                    "base",
                    k,
                    x.availability_base,
                    x.downtime_mean_base,
                    x.user_hours_lost_base,
                )
            })
            .collect();
        for v in &j.variants {
            rows.extend(v.journeys.iter().enumerate().map(|(k, x)| {
                cells(
                    &v.name,
                    k,
                    x.availability_variant,
                    x.downtime_mean_variant,
                    x.user_hours_lost_variant,
                )
            }));
        }
        vec![(
            "Journeys".into(),
            Grid {
                header: vec![
                    "design",
                    "journey",
                    "availability",
                    "downtime mean",
                    "user-hours lost",
                ],
                rows,
                right: vec![2, 3, 4],
            },
        )]
    }

    fn csv(&self) -> (&'static [&'static str], Vec<Vec<String>>) {
        let j = self.to_json();
        let arm = |name: &str, a: &Loss, w: &Option<Worst>| {
            vec![
                name.to_string(),
                crate::format::num(a.mean),
                crate::format::num(a.std_err),
                crate::format::num(a.p95),
                w.as_ref().map_or(String::new(), |w| w.id.clone()),
                crate::format::num(w.as_ref().map(|w| w.downtime_p95_hours)),
            ]
        };
        let mut records = vec![{
            let mut r = arm("base", &j.base.user_hours_lost, &j.base.worst_service);
            r.extend(std::iter::repeat_n(String::new(), 8));
            r
        }];
        for v in &j.variants {
            let mut r = arm(&v.name, &v.user_hours_lost, &v.worst_service);
            r.extend([
                crate::format::num(v.cost),
                crate::format::num(v.difference.mean),
                crate::format::num(v.difference.std_err),
                crate::format::num(v.difference.ci95_low),
                crate::format::num(v.difference.ci95_high),
                v.p_variant_better.to_string(),
                v.p_tie.to_string(),
                crate::format::num(v.cost_per_user_hour_saved),
            ]);
            records.push(r);
        }
        (
            &[
                "design",
                "user_hours_lost_mean",
                "user_hours_lost_std_err",
                "user_hours_lost_p95",
                "worst_service",
                "worst_service_downtime_p95",
                "cost",
                "difference_mean",
                "difference_std_err",
                "difference_ci95_low",
                "difference_ci95_high",
                "p_variant_better",
                "p_tie",
                "cost_per_user_hour_saved",
            ],
            records,
        )
    }

    fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        grid::write_json(out, &self.to_json())
    }
}
