//! The Monte Carlo engine: one trial at a time, no I/O, cannot fail on a validated model.
//!
//! [`compiled`] turns the petgraph model into flat arrays once; [`trial`] plays one trial
//! exactly in continuous time, orchestrating parts that each own their state: the event
//! queue (`queue`), site states (`sites`), recovery tasks and crews (`tasks`), the
//! recovery-deadlock search (`deadlock`) and time accounting (`accounting`); [`outcome`]
//! is what a trial yields. [`trace`] is what a trial records when asked, and [`replay`]
//! plays never-down counterfactuals from that record over only what they can change.

mod accounting;
pub mod compiled;
mod deadlock;
pub mod outcome;
mod queue;
pub mod replay;
mod sites;
mod tasks;
pub mod trace;
pub mod trial;

pub use compiled::{Compiled, EventFilter};
pub use outcome::Outcome;
pub use trial::Trial;
