//! Output of `importance`: achievement and reduction worth of each site on user-hours
//! lost (JSON fields in docs/analyses.md).

use serde::Serialize;

use super::export::{heading, Export, Header};
use super::grid::{self, Grid};
use super::run::MeanErr;
use crate::analysis::importance::{ranking, ImportanceStats};
use crate::format::format_hours;
use crate::model::{Loaded, Model};

pub struct ImportanceReport<'a> {
    pub loaded: &'a Loaded,
    pub model: &'a Model,
    pub variant: Option<&'a str>,
    pub seed: u64,
    pub stats: &'a ImportanceStats,
}

#[derive(Serialize)]
pub struct ImportanceJson {
    #[serde(flatten)]
    pub header: Header,
    /// The first trials that played the sites always down, when fewer than all
    /// (`--achievement-trials`); absent when every trial did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub achievement_trials: Option<u64>,
    pub base: BaseJson,
    pub sites: Vec<SiteJson>,
}

#[derive(Serialize)]
pub struct BaseJson {
    pub user_hours_lost: MeanErr,
    /// The base over the trials that played the sites always down, when fewer than all
    /// (`--achievement-trials`): what the achievement worth divides by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub achievement_user_hours_lost: Option<MeanErr>,
}

#[derive(Serialize)]
pub struct SiteJson {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub always_down_user_hours: MeanErr,
    pub never_fails_user_hours: MeanErr,
    pub achievement: MeanErr,
    pub reduction: MeanErr,
    pub achievement_worth: Option<f64>,
    pub reduction_worth: Option<f64>,
}

impl ImportanceReport<'_> {
    pub fn to_json(&self) -> ImportanceJson {
        let m = self.model;
        let st = self.stats;
        ImportanceJson {
            header: Header::played(m, &self.loaded.sha256, self.variant, st.trials, self.seed),
            achievement_trials: st.achievement_sampled().then_some(st.achievement_trials),
            base: BaseJson {
                user_hours_lost: MeanErr::of(&st.base),
                achievement_user_hours_lost: (st.achievement_sampled())
                    .then(|| MeanErr::of(&st.achievement_base)),
            },
            sites: ranking(st)
                .into_iter()
                .map(|k| {
                    let site = &m.sites[k];
                    let si = &st.sites[k];
                    SiteJson {
                        id: site.id.clone(),
                        name: site.name.clone(),
                        kind: format!("{:?}", site.kind),
                        always_down_user_hours: MeanErr::of(&si.always_down),
                        never_fails_user_hours: MeanErr::of(&si.never_fails),
                        achievement: MeanErr::of(&si.achievement),
                        reduction: MeanErr::of(&si.reduction),
                        achievement_worth: st.achievement_worth(k),
                        reduction_worth: st.reduction_worth(k),
                    }
                })
                .collect(),
        }
    }
}

impl Export for ImportanceReport<'_> {
    fn heading(&self) -> String {
        heading("Site importance", &self.model.name, self.variant)
    }

    fn lines(&self) -> Vec<String> {
        let st = self.stats;
        let n = self.model.sites.len();
        let which = if st.played.len() == n {
            "each site".to_string()
        } else {
            let ids: Vec<&str> = (st.played.iter())
                .map(|&k| self.model.sites[k].id.as_str())
                .collect();
            format!("{} of the {n} sites ({})", ids.len(), ids.join(", "))
        };
        let arms = if st.achievement_sampled() {
            format!(
                "{which} never failing in every trial and always down in the first {}",
                st.achievement_trials
            )
        } else {
            format!("{which} always down and never failing")
        };
        vec![
            format!(
                "{} trials, seed {}, horizon {}; {arms}, on the same random numbers",
                st.trials,
                self.seed,
                format_hours(self.model.horizon)
            ),
            format!(
                "user-hours lost per trial in the base design: mean {}{}",
                st.base.mean().map_or("-".into(), crate::format::figure),
                if st.achievement_sampled() {
                    format!(
                        "; over the first {}, which the achievement worth divides by: {}",
                        st.achievement_trials,
                        (st.achievement_base.mean()).map_or("-".into(), crate::format::figure)
                    )
                } else {
                    String::new()
                }
            ),
        ]
    }

    fn notes(&self) -> Vec<String> {
        let st = self.stats;
        let over = if st.achievement_sampled() {
            format!(" (both over the first {} trials)", st.achievement_trials)
        } else {
            String::new()
        };
        vec![format!(
            "Achievement worth = loss with the site down for the whole horizon / base \
             loss{over} (- when the base loses nothing). Reduction worth = base loss / loss \
             with the site's own events and hazards removed (- when that leaves no loss at \
             all: the site's failures cause all of it, so the worth is unbounded)."
        )]
    }

    fn grid(&self) -> Grid {
        let j = self.to_json();
        let ratio = |x: Option<f64>| x.map_or("-".into(), |r| format!("{r:.3}"));
        let mean = |x: &MeanErr| x.mean.map_or("-".into(), crate::format::figure);
        // The difference itself, paired trial by trial: a reduction worth that rounds to
        // 1.000 can still be millions of user-hours.
        let saved = |x: &MeanErr| match (x.mean, x.std_err) {
            (Some(m), Some(se)) => format!(
                "{} ± {}",
                crate::format::figure(m),
                crate::format::figure(1.96 * se)
            ),
            (Some(m), None) => crate::format::figure(m),
            _ => "-".into(),
        };
        Grid {
            header: vec![
                "site",
                "kind",
                "loss if always down",
                "loss if never fails",
                "saved if never fails (95% interval)",
                "achievement worth",
                "reduction worth",
            ],
            rows: j
                .sites
                .iter()
                .map(|s| {
                    vec![
                        s.id.clone(),
                        s.kind.clone(),
                        mean(&s.always_down_user_hours),
                        mean(&s.never_fails_user_hours),
                        saved(&s.reduction),
                        ratio(s.achievement_worth),
                        ratio(s.reduction_worth),
                    ]
                })
                .collect(),
            right: vec![2, 3, 4, 5, 6],
        }
    }

    fn csv(&self) -> (&'static [&'static str], Vec<Vec<String>>) {
        let j = self.to_json();
        let records: Vec<Vec<String>> = j
            .sites
            .iter()
            .map(|s| {
                vec![
                    s.id.clone(),
                    s.name.clone(),
                    s.kind.clone(),
                    crate::format::num(s.always_down_user_hours.mean),
                    crate::format::num(s.never_fails_user_hours.mean),
                    crate::format::num(s.achievement.mean),
                    crate::format::num(s.achievement.std_err),
                    crate::format::num(s.reduction.mean),
                    crate::format::num(s.reduction.std_err),
                    crate::format::num(s.achievement_worth),
                    crate::format::num(s.reduction_worth),
                ]
            })
            .collect();
        (
            &[
                "id",
                "name",
                "kind",
                "always_down_mean",
                "never_fails_mean",
                "achievement_mean",
                "achievement_std_err",
                "reduction_mean",
                "reduction_std_err",
                "achievement_worth",
                "reduction_worth",
            ],
            records,
        )
    }

    fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        grid::write_json(out, &self.to_json())
    }
}
