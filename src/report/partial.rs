//! The partial result of `run --shard K/N` and `merge`, which combines the parts.
//!
//! A part carries the scenario text itself (so `merge` needs no other file and can check
//! that every part ran the same scenario), the run's parameters, and the accumulators of
//! its batches. Accumulators merge exactly and in any order, so merging all parts gives
//! the same bytes as one unsharded run.

use serde::{Deserialize, Serialize};

use crate::analysis::run::{JourneyStats, RunStats, ServiceStats};
use crate::error::Error;
use crate::stats::{Histogram, Moments, Summary, Total};

pub const FORMAT: &str = "blastradius-partial-run";
/// 3: per-journey accumulators (`journeys`).
pub const FORMAT_VERSION: u32 = 3;

/// A partial result in memory: the run's parameters and its accumulators.
#[derive(Debug)]
pub struct Partial {
    pub format: String,
    pub format_version: u32,
    pub blastradius_version: String,
    pub scenario_file: String,
    pub scenario_sha256: String,
    pub scenario_text: String,
    pub variant: Option<String>,
    pub seed: u64,
    /// Trials of the whole run, not of this part.
    pub trials: u64,
    pub shard: u64,
    pub shards: u64,
    pub stats: RunStats,
}

/// The file format of a partial result (version [`FORMAT_VERSION`]), apart from the
/// accumulators' in-memory layout: text `T` and accumulators `S` are borrowed when
/// writing (`&str`, [`StatsWire`]`<&…>`), so nothing is copied, and owned when reading.
#[derive(Serialize, Deserialize)]
struct PartialWire<T, S> {
    format: T,
    format_version: u32,
    blastradius_version: T,
    scenario_file: T,
    scenario_sha256: T,
    scenario_text: T,
    variant: Option<T>,
    seed: u64,
    trials: u64,
    shard: u64,
    shards: u64,
    stats: S,
}

/// [`RunStats`] as written in a partial result. Field names and order are the format;
/// a change to `RunStats` needs a change here (and a new [`FORMAT_VERSION`] if the
/// file changes), not a silent change of the file.
#[derive(Serialize, Deserialize)]
struct StatsWire<Sv, Su, Cv, Jv> {
    trials: u64,
    services: Vec<Sv>,
    total_user_hours_lost: Su,
    services_affected: Su,
    peak_down: Su,
    trials_with_deadlock: u64,
    curve: Vec<Su>,
    radius_histogram: Cv,
    journeys: Vec<Jv>,
}

/// [`JourneyStats`] as written in a partial result.
#[derive(Serialize, Deserialize)]
struct JourneyWire<Su, Mo> {
    downtime: Su,
    lost_hours: Mo,
    user_hours_lost: Mo,
}

type JourneyOut<'a> = JourneyWire<&'a Summary, &'a Moments>;
type JourneyIn = JourneyWire<Summary, Moments>;

impl<'a> From<&'a JourneyStats> for JourneyOut<'a> {
    fn from(j: &'a JourneyStats) -> Self {
        JourneyWire {
            downtime: &j.downtime,
            lost_hours: &j.lost_hours,
            user_hours_lost: &j.user_hours_lost,
        }
    }
}

impl From<JourneyIn> for JourneyStats {
    fn from(w: JourneyIn) -> Self {
        JourneyStats {
            downtime: w.downtime,
            lost_hours: w.lost_hours,
            user_hours_lost: w.user_hours_lost,
        }
    }
}

/// [`ServiceStats`] as written in a partial result.
#[derive(Serialize, Deserialize)]
struct ServiceWire<Su, To, Mo, Tv, Cv> {
    downtime: Su,
    degraded: To,
    user_hours_lost: Mo,
    restored_at: Su,
    affected: u64,
    causes: Tv,
    degraded_share_pct: Cv,
}

type ServiceOut<'a> = ServiceWire<&'a Summary, &'a Total, &'a Moments, &'a [Total], &'a Histogram>;
type ServiceIn = ServiceWire<Summary, Total, Moments, Vec<Total>, Histogram>;

impl<'a> From<&'a ServiceStats> for ServiceOut<'a> {
    fn from(s: &'a ServiceStats) -> Self {
        ServiceWire {
            downtime: &s.downtime,
            degraded: &s.degraded,
            user_hours_lost: &s.user_hours_lost,
            restored_at: &s.restored_at,
            affected: s.affected,
            causes: &s.causes,
            degraded_share_pct: &s.degraded_share_pct,
        }
    }
}

impl From<ServiceIn> for ServiceStats {
    fn from(w: ServiceIn) -> Self {
        ServiceStats {
            downtime: w.downtime,
            degraded: w.degraded,
            user_hours_lost: w.user_hours_lost,
            restored_at: w.restored_at,
            affected: w.affected,
            causes: w.causes,
            degraded_share_pct: w.degraded_share_pct,
        }
    }
}

type StatsOut<'a> = StatsWire<ServiceOut<'a>, &'a Summary, &'a [u64], JourneyOut<'a>>;
type StatsIn = StatsWire<ServiceIn, Summary, Vec<u64>, JourneyIn>;

impl<'a> From<&'a RunStats> for StatsOut<'a> {
    fn from(st: &'a RunStats) -> Self {
        StatsWire {
            trials: st.trials,
            services: st.services.iter().map(ServiceWire::from).collect(),
            total_user_hours_lost: &st.total_user_hours_lost,
            services_affected: &st.services_affected,
            peak_down: &st.peak_down,
            trials_with_deadlock: st.trials_with_deadlock,
            curve: st.curve.iter().collect(),
            radius_histogram: &st.radius_histogram,
            journeys: st.journeys.iter().map(JourneyWire::from).collect(),
        }
    }
}

impl From<StatsIn> for RunStats {
    fn from(w: StatsIn) -> Self {
        RunStats {
            trials: w.trials,
            services: w.services.into_iter().map(ServiceStats::from).collect(),
            total_user_hours_lost: w.total_user_hours_lost,
            services_affected: w.services_affected,
            peak_down: w.peak_down,
            trials_with_deadlock: w.trials_with_deadlock,
            curve: w.curve,
            radius_histogram: w.radius_histogram,
            journeys: w.journeys.into_iter().map(JourneyStats::from).collect(),
        }
    }
}

impl Partial {
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        self.write_json(&mut out).expect("writing to memory");
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }

    /// Streams [`to_json`](Self::to_json)'s bytes to `out`.
    pub fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let wire = PartialWire {
            format: self.format.as_str(),
            format_version: self.format_version,
            blastradius_version: self.blastradius_version.as_str(),
            scenario_file: self.scenario_file.as_str(),
            scenario_sha256: self.scenario_sha256.as_str(),
            scenario_text: self.scenario_text.as_str(),
            variant: self.variant.as_deref(),
            seed: self.seed,
            trials: self.trials,
            shard: self.shard,
            shards: self.shards,
            stats: StatsWire::from(&self.stats),
        };
        serde_json::to_writer(&mut *out, &wire)?;
        out.write_all(b"\n")
    }

    pub fn from_json(path: &str, text: &str) -> Result<Partial, Error> {
        #[derive(Deserialize)]
        struct Head {
            format: Option<String>,
            format_version: Option<u32>,
        }
        let head: Head = serde_json::from_str(text).map_err(|e| {
            Error::usage(format!(
                "{path} is not a partial result of `run --shard`: {e}"
            ))
        })?;
        if head.format.as_deref() != Some(FORMAT) {
            return Err(Error::usage(format!(
                "{path} is not a partial result of `run --shard` (it has no \"format\": \"{FORMAT}\")"
            )));
        }
        if head.format_version != Some(FORMAT_VERSION) {
            return Err(Error::usage(format!(
                "{path} is a partial result of format version {:?}; this blastradius reads version {FORMAT_VERSION}",
                head.format_version
            )));
        }
        let w: PartialWire<String, StatsIn> = serde_json::from_str(text)
            .map_err(|e| Error::usage(format!("{path}: damaged partial result: {e}")))?;
        Ok(Partial {
            format: w.format,
            format_version: w.format_version,
            blastradius_version: w.blastradius_version,
            scenario_file: w.scenario_file,
            scenario_sha256: w.scenario_sha256,
            scenario_text: w.scenario_text,
            variant: w.variant,
            seed: w.seed,
            trials: w.trials,
            shard: w.shard,
            shards: w.shards,
            stats: RunStats::from(w.stats),
        })
    }
}

/// What identifies a part (all but its accumulators and scenario text), with its path.
#[derive(Debug, Clone)]
pub struct PartHead {
    pub path: String,
    pub scenario_sha256: String,
    pub variant: Option<String>,
    pub seed: u64,
    pub trials: u64,
    pub shard: u64,
    pub shards: u64,
}

impl Partial {
    pub fn head(&self, path: &str) -> PartHead {
        PartHead {
            path: path.to_string(),
            scenario_sha256: self.scenario_sha256.clone(),
            variant: self.variant.clone(),
            seed: self.seed,
            trials: self.trials,
            shard: self.shard,
            shards: self.shards,
        }
    }
}

/// Checks that part `x` belongs to the same run as part `first`.
pub fn check_same_run(first: &PartHead, x: &PartHead) -> Result<(), Error> {
    let what = if x.scenario_sha256 != first.scenario_sha256 {
        Some(format!(
            "another scenario (sha256 {} vs {})",
            short(&x.scenario_sha256),
            short(&first.scenario_sha256)
        ))
    } else if x.variant != first.variant {
        Some(format!(
            "another variant ({:?} vs {:?})",
            x.variant, first.variant
        ))
    } else if x.seed != first.seed {
        Some(format!("another seed ({} vs {})", x.seed, first.seed))
    } else if x.trials != first.trials {
        Some(format!(
            "another trial count ({} vs {})",
            x.trials, first.trials
        ))
    } else if x.shards != first.shards {
        Some(format!(
            "another shard count (/{} vs /{})",
            x.shards, first.shards
        ))
    } else {
        None
    };
    match what {
        Some(w) => Err(Error::usage(format!(
            "{} and {} are parts of different runs: {w}",
            x.path, first.path
        ))),
        None => Ok(()),
    }
}

/// Checks that the parts of one run (see [`check_same_run`]) cover it exactly once.
pub fn check_coverage(mut heads: Vec<PartHead>) -> Result<(), Error> {
    let Some(n) = heads.first().map(|h| h.shards) else {
        return Err(Error::usage("merge needs at least one partial result"));
    };
    heads.sort_by_key(|h| h.shard);
    for w in heads.windows(2) {
        if w[0].shard == w[1].shard {
            return Err(Error::usage(format!(
                "{} and {} are both shard {}/{n}",
                w[0].path, w[1].path, w[0].shard
            )));
        }
    }
    let missing: Vec<String> = (0..n)
        .filter(|k| !heads.iter().any(|h| h.shard == *k))
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::usage(format!(
            "missing shards: {}",
            missing.join(", ")
        )));
    }
    Ok(())
}

fn short(h: &str) -> &str {
    &h[..h.len().min(12)]
}
