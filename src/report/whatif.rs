//! Output of `whatif`: the deterministic blast matrix (JSON fields in docs/analyses.md).

use serde::Serialize;

use super::export::{heading, Export, Header};
use super::grid::{self, Grid};
use crate::analysis::whatif::{BlastRow, Lost};
use crate::format::human;
use crate::model::{Loaded, Model};

pub struct WhatIfReport<'a> {
    pub loaded: &'a Loaded,
    pub model: &'a Model,
    pub variant: Option<&'a str>,
    pub rows: &'a [BlastRow],
}

#[derive(Serialize)]
pub struct WhatIfJson {
    #[serde(flatten)]
    pub header: Header,
    pub total_users: u64,
    pub rows: Vec<RowJson>,
}

#[derive(Serialize)]
pub struct RowJson {
    pub lost: LostJson,
    pub users_affected: f64,
    pub services_down: usize,
    pub services_degraded: usize,
    pub down: Vec<String>,
    pub degraded: Vec<DegradedJson>,
    /// Services up with a recovery need down: they have lost a way to recover.
    pub services_recovery_lost: usize,
    pub recovery_lost: Vec<String>,
}

#[derive(Serialize)]
pub struct LostJson {
    /// `site` or `service`.
    pub kind: &'static str,
    pub id: String,
}

#[derive(Serialize)]
pub struct DegradedJson {
    pub id: String,
    pub share: f64,
}

/// At most this many ids are listed in a table cell.
const LIST_MAX: usize = 8;

impl WhatIfReport<'_> {
    fn lost(&self, l: Lost) -> LostJson {
        match l {
            Lost::Site(x) => LostJson {
                kind: "site",
                id: self.model.sites[x].id.clone(),
            },
            Lost::Service(x) => LostJson {
                kind: "service",
                id: self.model.services[x].id.clone(),
            },
        }
    }

    pub fn to_json(&self) -> WhatIfJson {
        let m = self.model;
        WhatIfJson {
            header: Header::of(m, &self.loaded.sha256, self.variant),
            total_users: m.services.iter().map(|s| s.users).sum(),
            rows: self
                .rows
                .iter()
                .map(|r| RowJson {
                    lost: self.lost(r.lost),
                    users_affected: r.users_affected,
                    services_down: r.down.len(),
                    services_degraded: r.degraded.len(),
                    down: r.down.iter().map(|&s| m.services[s].id.clone()).collect(),
                    degraded: r
                        .degraded
                        .iter()
                        .map(|&(s, share)| DegradedJson {
                            id: m.services[s].id.clone(),
                            share,
                        })
                        .collect(),
                    services_recovery_lost: r.recovery_lost.len(),
                    recovery_lost: r
                        .recovery_lost
                        .iter()
                        .map(|&s| m.services[s].id.clone())
                        .collect(),
                })
                .collect(),
        }
    }
}

impl Export for WhatIfReport<'_> {
    fn heading(&self) -> String {
        heading("What if", &self.model.name, self.variant)
    }

    fn lines(&self) -> Vec<String> {
        vec![
            "each site, and each service, lost for the whole horizon with nothing recovering"
                .into(),
        ]
    }

    fn notes(&self) -> Vec<String> {
        vec![
            "Users affected: users of the services down, plus the lost share of the users of \
              the degraded ones. A standby whose failover could succeed is taken to succeed; \
              one whose failover needs a service that is down cannot fail over. Cannot \
              recover: services still up but with a recovery need down."
                .into(),
        ]
    }

    fn grid(&self) -> Grid {
        fn list(items: Vec<String>) -> String {
            if items.is_empty() {
                return "-".into();
            }
            let more = items.len().saturating_sub(LIST_MAX);
            let mut s = items
                .into_iter()
                .take(LIST_MAX)
                .collect::<Vec<_>>()
                .join(", ");
            if more > 0 {
                s.push_str(&format!(" … and {more} more"));
            }
            s
        }
        let j = self.to_json();
        Grid {
            header: vec![
                "lost",
                "users affected",
                "down",
                "degraded",
                "services down",
                "services degraded",
                "cannot recover",
            ],
            rows: j
                .rows
                .into_iter()
                .map(|r| {
                    vec![
                        format!("{} {}", r.lost.kind, r.lost.id),
                        human(r.users_affected),
                        r.services_down.to_string(),
                        r.services_degraded.to_string(),
                        list(r.down),
                        list(
                            r.degraded
                                .into_iter()
                                .map(|d| format!("{} ({:.0}%)", d.id, 100.0 * d.share))
                                .collect(),
                        ),
                        list(r.recovery_lost),
                    ]
                })
                .collect(),
            right: vec![1, 2, 3],
        }
    }

    fn csv(&self) -> (&'static [&'static str], Vec<Vec<String>>) {
        let j = self.to_json();
        let records: Vec<Vec<String>> = j
            .rows
            .into_iter()
            .map(|r| {
                vec![
                    r.lost.kind.to_string(),
                    r.lost.id,
                    r.users_affected.to_string(),
                    r.services_down.to_string(),
                    r.services_degraded.to_string(),
                    r.down.join(" "),
                    r.degraded
                        .iter()
                        .map(|d| format!("{}:{}", d.id, d.share))
                        .collect::<Vec<_>>()
                        .join(" "),
                    r.services_recovery_lost.to_string(),
                    r.recovery_lost.join(" "),
                ]
            })
            .collect();
        (
            &[
                "lost_kind",
                "lost_id",
                "users_affected",
                "services_down",
                "services_degraded",
                "down",
                "degraded",
                "services_recovery_lost",
                "recovery_lost",
            ],
            records,
        )
    }

    fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        grid::write_json(out, &self.to_json())
    }
}
