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

/// Checks that the parts belong to one run and together cover it exactly once, and
/// returns them in shard order.
pub fn check_parts(mut parts: Vec<(String, Partial)>) -> Result<Vec<(String, Partial)>, Error> {
    let Some((first_path, first)) = parts.first() else {
        return Err(Error::usage("merge needs at least one partial result"));
    };
    let (fp, f) = (first_path.clone(), first);
    let key = (
        f.scenario_sha256.clone(),
        f.variant.clone(),
        f.seed,
        f.trials,
        f.shards,
    );
    for (p, x) in &parts[1..] {
        let what = if x.scenario_sha256 != key.0 {
            Some(format!(
                "another scenario (sha256 {} vs {})",
                short(&x.scenario_sha256),
                short(&key.0)
            ))
        } else if x.variant != key.1 {
            Some(format!("another variant ({:?} vs {:?})", x.variant, key.1))
        } else if x.seed != key.2 {
            Some(format!("another seed ({} vs {})", x.seed, key.2))
        } else if x.trials != key.3 {
            Some(format!("another trial count ({} vs {})", x.trials, key.3))
        } else if x.shards != key.4 {
            Some(format!("another shard count (/{} vs /{})", x.shards, key.4))
        } else {
            None
        };
        if let Some(w) = what {
            return Err(Error::usage(format!(
                "{p} and {fp} are parts of different runs: {w}"
            )));
        }
    }
    parts.sort_by_key(|(_, x)| x.shard);
    let n = key.4;
    for w in parts.windows(2) {
        if w[0].1.shard == w[1].1.shard {
            return Err(Error::usage(format!(
                "{} and {} are both shard {}/{n}",
                w[0].0, w[1].0, w[0].1.shard
            )));
        }
    }
    let have: Vec<u64> = parts.iter().map(|(_, x)| x.shard).collect();
    let missing: Vec<String> = (0..n)
        .filter(|k| !have.contains(k))
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::usage(format!(
            "missing shards: {}",
            missing.join(", ")
        )));
    }
    Ok(parts)
}

fn short(h: &str) -> &str {
    &h[..h.len().min(12)]
}
