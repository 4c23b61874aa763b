//! blastradius: a dependency blast-radius simulator.
//!
//! Data flows through the modules in this order: [`scenario`] (the file format) →
//! [`model`] (validated, petgraph) → [`sim`] (one trial, no I/O) → [`stats`] (streaming,
//! mergeable accumulators) → [`analysis`] → [`report`] (every output format); [`format`] writes numbers and
//! durations the way every output shows them.

pub mod analysis;
pub mod app;
pub mod cli;
pub mod error;
pub mod format;
pub mod import;
pub mod model;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod stats;

pub use error::{Diagnostic, Error};
