//! One export path for every analysis result: each result type implements [`Export`]
//! (its heading, summary lines, grid and any further grids, notes, CSV rows and JSON),
//! and [`render`] and [`write`] turn any of them into a table, Markdown, CSV or JSON.
//! Every JSON document starts with the same [`Header`], built in one place.

use std::io;
use std::path::Path;

use serde::Serialize;

use super::grid::{self, Grid};
use crate::error::Error;
use crate::model::Model;

/// The output formats of the analysis commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
    Markdown,
}

/// The scenario a result is about.
#[derive(Serialize)]
pub struct ScenarioJson {
    pub name: String,
    pub sha256: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

/// The trials a Monte Carlo result played.
#[derive(Serialize)]
pub struct RunInfo {
    pub trials: u64,
    pub seed: u64,
    pub horizon_hours: f64,
    pub version: &'static str,
}

/// The header of every result's JSON: the scenario (name, SHA-256 of its file, the
/// variant if one was chosen) and, for Monte Carlo results, the run (trials, seed,
/// horizon, version). Flattened into each document, so it reads
/// `{"scenario": …, "run": …, …}`.
#[derive(Serialize)]
pub struct Header {
    pub scenario: ScenarioJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<RunInfo>,
}

impl Header {
    /// A deterministic result (no trials) about `model`.
    pub fn of(model: &Model, sha256: &str, variant: Option<&str>) -> Header {
        Header {
            scenario: ScenarioJson {
                name: model.name.clone(),
                sha256: sha256.to_string(),
                variant: variant.map(str::to_string),
            },
            run: None,
        }
    }

    /// A Monte Carlo result: `trials` trials of `model` with master seed `seed`.
    pub fn played(
        model: &Model,
        sha256: &str,
        variant: Option<&str>,
        trials: u64,
        seed: u64,
    ) -> Header {
        Header {
            run: Some(RunInfo {
                trials,
                seed,
                horizon_hours: model.horizon,
                version: env!("CARGO_PKG_VERSION"),
            }),
            ..Header::of(model, sha256, variant)
        }
    }

    /// The run part; every Monte Carlo result has one.
    pub fn run(&self) -> &RunInfo {
        self.run.as_ref().expect("a Monte Carlo result's header")
    }
}

/// The heading of a result about scenario `name`: `"TITLE: NAME"` (or `"NAME"` for an
/// empty title), then `" — variant: V"` when a variant was chosen.
pub fn heading(title: &str, name: &str, variant: Option<&str>) -> String {
    let mut h = if title.is_empty() {
        name.to_string()
    } else {
        format!("{title}: {name}")
    };
    if let Some(v) = variant {
        h.push_str(&format!(" — variant: {v}"));
    }
    h
}

/// What a result shows, whatever the format.
pub trait Export {
    /// The title line of the table and Markdown.
    fn heading(&self) -> String;
    /// Summary lines under the heading.
    fn lines(&self) -> Vec<String>;
    /// The table itself.
    fn grid(&self) -> Grid;
    /// Further tables after it, each with its title (`run`'s journeys).
    fn more_grids(&self) -> Vec<(String, Grid)> {
        Vec::new()
    }
    /// Notes under the table.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
    /// The CSV header and records (raw numbers, one line per row).
    fn csv(&self) -> (&'static [&'static str], Vec<Vec<String>>);
    /// The JSON document, pretty-printed with a final newline, written to `out` (a result
    /// may stream it rather than hold it whole).
    fn write_json(&self, out: &mut dyn io::Write) -> io::Result<()>;
}

/// `result` as text in `format`.
pub fn render(result: &dyn Export, format: Format) -> String {
    match format {
        Format::Table => grid::text_block(
            &result.heading(),
            &result.lines(),
            &result.grid(),
            &result.more_grids(),
            &result.notes(),
        ),
        Format::Markdown => grid::markdown_block(
            &result.heading(),
            &result.lines(),
            &result.grid(),
            &result.more_grids(),
            &result.notes(),
        ),
        Format::Csv => {
            let (header, records) = result.csv();
            grid::csv(header, &records)
        }
        Format::Json => {
            let mut out = Vec::new();
            result.write_json(&mut out).expect("writing to memory");
            String::from_utf8(out).expect("serde_json writes UTF-8")
        }
    }
}

/// Writes `result` in `format` to `out` (`-` is standard output), atomically; JSON is
/// streamed, never held whole.
pub fn write(result: &dyn Export, format: Format, out: &Path) -> Result<(), Error> {
    match format {
        Format::Json => super::output::write_with(out, &mut |w| result.write_json(w)),
        _ => super::output::write(out, render(result, format).as_bytes()),
    }
}
