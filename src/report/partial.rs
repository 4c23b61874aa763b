//! The partial result of `run --shard K/N` and `merge`, which combines the parts.
//!
//! A part carries the scenario text itself (so `merge` needs no other file and can check
//! that every part ran the same scenario), the run's parameters, and the accumulators of
//! its batches. Accumulators merge exactly and in any order, so merging all parts gives
//! the same bytes as one unsharded run.

use serde::{Deserialize, Serialize};

use crate::analysis::run::RunStats;
use crate::error::Error;

pub const FORMAT: &str = "blastradius-partial-run";
pub const FORMAT_VERSION: u32 = 2;

#[derive(Debug, Serialize, Deserialize)]
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

impl Partial {
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        self.write_json(&mut out).expect("writing to memory");
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }

    /// Streams [`to_json`](Self::to_json)'s bytes to `out`.
    pub fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer(&mut *out, self)?;
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
        serde_json::from_str(text)
            .map_err(|e| Error::usage(format!("{path}: damaged partial result: {e}")))
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
