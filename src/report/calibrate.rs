//! Output of `calibrate`: the fitted scale factors, each observed service's simulated
//! restoration against the real one, and the leave-one-out prediction error (JSON fields
//! in docs/analyses.md).

use serde::Serialize;

use super::export::{heading, Export, Header};
use super::grid::{self, Grid};
use crate::analysis::calibrate::Calibration;
use crate::format::{format_hours, num};
use crate::model::{Loaded, Model};

pub struct CalibrateReport<'a> {
    pub loaded: &'a Loaded,
    pub model: &'a Model,
    pub variant: Option<&'a str>,
    pub cal: &'a Calibration,
}

#[derive(Serialize)]
pub struct CalibrateJson {
    #[serde(flatten)]
    pub header: Header,
    pub params: Vec<ParamJson>,
    pub services: Vec<ServiceJson>,
    pub error: ErrorJson,
    /// Parameters not fitted because no observed service depends on them.
    pub not_fitted: Vec<String>,
    /// Evaluations of the objective (each `trials` trials) over the fit and every
    /// leave-one-out refit.
    pub evaluations: u64,
}

#[derive(Serialize)]
pub struct ParamJson {
    pub name: String,
    /// The fitted factor on every duration of the parameter's distribution as `params`
    /// gives it.
    pub scale: f64,
    /// The median of the fitted distribution, in hours.
    pub median_hours: f64,
    /// The median as `params` gives it (factor 1).
    pub prior_median_hours: f64,
    /// The scenario's own `calibrated` factor (1 when none), and the median with it.
    pub file_scale: f64,
    pub file_median_hours: f64,
}

#[derive(Serialize)]
pub struct ServiceJson {
    pub id: String,
    pub observed_hours: f64,
    /// Median simulated restored-at with the parameters as `params` gives them.
    pub prior_hours: f64,
    /// Median simulated restored-at with the scenario's own `calibrated` factors.
    pub file_hours: f64,
    /// Median simulated restored-at with the fitted factors (calibrated).
    pub fitted_hours: f64,
    pub fitted_p5_hours: f64,
    pub fitted_p95_hours: f64,
    /// Median simulated restored-at with the factors fitted without this service
    /// (predicted).
    pub loo_hours: f64,
    /// Parameters that kept their file value in the leave-one-out fit (no other observed
    /// service depends on them).
    pub loo_unfitted: Vec<String>,
    /// Share of trials in which the service was down.
    pub down_share: f64,
    pub source: String,
}

#[derive(Serialize)]
pub struct ErrorJson {
    /// Median over observed services of |fitted − observed| / observed, in percent.
    pub fit_median_abs_pct: f64,
    /// Median over observed services of |leave-one-out − observed| / observed, in %.
    pub loo_median_abs_pct: f64,
    /// The same with the scenario as written (its `calibrated` factors applied).
    pub file_median_abs_pct: f64,
    /// The same with the parameters as `params` gives them, before any fitting.
    pub prior_median_abs_pct: f64,
}

impl CalibrateReport<'_> {
    pub fn to_json(&self) -> CalibrateJson {
        let m = self.model;
        let c = self.cal;
        CalibrateJson {
            header: Header::played(m, &self.loaded.sha256, self.variant, c.trials, c.seed),
            params: c
                .params
                .iter()
                .zip(&c.scales)
                .map(|(&p, &k)| {
                    let q = &m.params[p];
                    ParamJson {
                        name: q.name.clone(),
                        scale: k,
                        median_hours: q.prior.scaled(k).quantile(0.5),
                        prior_median_hours: q.prior.quantile(0.5),
                        file_scale: q.factor,
                        file_median_hours: q.dist.quantile(0.5),
                    }
                })
                .collect(),
            services: c
                .services
                .iter()
                .map(|s| ServiceJson {
                    id: m.services[s.service].id.clone(),
                    observed_hours: s.observed_hours,
                    prior_hours: s.prior_hours,
                    file_hours: s.file_hours,
                    fitted_hours: s.fitted_hours,
                    fitted_p5_hours: s.fitted_p5,
                    fitted_p95_hours: s.fitted_p95,
                    loo_hours: s.loo_hours,
                    loo_unfitted: s
                        .loo_unfitted
                        .iter()
                        .map(|&p| m.params[p].name.clone())
                        .collect(),
                    down_share: s.down_share,
                    source: m
                        .observed
                        .iter()
                        .find(|o| o.service == s.service)
                        .map_or(String::new(), |o| o.source.clone()),
                })
                .collect(),
            error: ErrorJson {
                fit_median_abs_pct: c.fit_median_abs_pct(),
                loo_median_abs_pct: c.loo_median_abs_pct(),
                file_median_abs_pct: c.file_median_abs_pct(),
                prior_median_abs_pct: c.prior_median_abs_pct(),
            },
            not_fitted: c
                .skipped
                .iter()
                .map(|&p| m.params[p].name.clone())
                .collect(),
            evaluations: c.evaluations,
        }
    }
}

/// `|a − b| / b` as a signed percentage: `+12%`.
fn pct(a: f64, b: f64) -> String {
    if a.is_finite() && b > 0.0 {
        format!("{:+.1}%", (a - b) / b * 100.0)
    } else {
        "-".into()
    }
}

impl Export for CalibrateReport<'_> {
    fn heading(&self) -> String {
        heading("Calibration", &self.model.name, self.variant)
    }

    fn lines(&self) -> Vec<String> {
        let j = self.to_json();
        let c = self.cal;
        let mut out = vec![
            format!(
                "{} parameter{} fitted to {} observed restoration time{}: {} evaluations of {} trials each, seed {}, horizon {}",
                j.params.len(),
                if j.params.len() == 1 { "" } else { "s" },
                j.services.len(),
                if j.services.len() == 1 { "" } else { "s" },
                c.evaluations,
                c.trials,
                c.seed,
                format_hours(self.model.horizon)
            ),
            format!(
                "median error: {:.1}% before fitting (`params` as written); {:.1}% with the scenario's own `calibrated` factors; {:.1}% calibrated (fitted to every observation); {:.1}% predicted (each service left out of the fit)",
                j.error.prior_median_abs_pct,
                j.error.file_median_abs_pct,
                j.error.fit_median_abs_pct,
                j.error.loo_median_abs_pct
            ),
        ];
        for p in &j.params {
            out.push(format!(
                "{}: × {:.3} (median {} → {})",
                p.name,
                p.scale,
                format_hours(p.prior_median_hours),
                format_hours(p.median_hours)
            ));
        }
        out
    }

    fn notes(&self) -> Vec<String> {
        let mut notes = vec![
            "Restored at: the median over the trials in which the service was down. \
             Calibrated: with the factors fitted to every observation, this one included. \
             Predicted: with the factors fitted to the other observations only, so the \
             service's own time was not used to set them."
                .to_string(),
        ];
        let j = self.to_json();
        if !j.not_fitted.is_empty() {
            notes.push(format!(
                "Not fitted (no observed service depends on them): {}.",
                j.not_fitted.join(", ")
            ));
        }
        for s in &j.services {
            if !s.loo_unfitted.is_empty() {
                notes.push(format!(
                    "{}: no other observed service depends on {}, so its prediction uses the value before fitting there.",
                    s.id,
                    s.loo_unfitted.join(", ")
                ));
            }
        }
        notes
    }

    fn grid(&self) -> Grid {
        let j = self.to_json();
        let h = |x: f64| format_hours(x);
        Grid {
            header: vec![
                "service",
                "observed",
                "before fitting",
                "calibrated (5–95%)",
                "error",
                "predicted",
                "error",
            ],
            rows: j
                .services
                .iter()
                .map(|s| {
                    vec![
                        s.id.clone(),
                        h(s.observed_hours),
                        h(s.prior_hours),
                        format!(
                            "{} ({}–{})",
                            h(s.fitted_hours),
                            h(s.fitted_p5_hours),
                            h(s.fitted_p95_hours)
                        ),
                        pct(s.fitted_hours, s.observed_hours),
                        h(s.loo_hours),
                        pct(s.loo_hours, s.observed_hours),
                    ]
                })
                .collect(),
            right: vec![1, 2, 3, 4, 5, 6],
        }
    }

    fn csv(&self) -> (&'static [&'static str], Vec<Vec<String>>) {
        let j = self.to_json();
        let records = j
            .services
            .iter()
            .map(|s| {
                vec![
                    s.id.clone(),
                    num(Some(s.observed_hours)),
                    num(Some(s.prior_hours)),
                    num(Some(s.file_hours)),
                    num(Some(s.fitted_hours)),
                    num(Some(s.fitted_p5_hours)),
                    num(Some(s.fitted_p95_hours)),
                    num(Some(s.loo_hours)),
                ]
            })
            .collect();
        (
            &[
                "id",
                "observed_hours",
                "prior_hours",
                "file_hours",
                "fitted_hours",
                "fitted_p5_hours",
                "fitted_p95_hours",
                "loo_hours",
            ],
            records,
        )
    }

    fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        grid::write_json(out, &self.to_json())
    }
}
