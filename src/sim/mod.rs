//! The Monte Carlo engine: one trial at a time, no I/O, cannot fail on a validated model.
//!
//! [`compiled`] turns the petgraph model into flat arrays once; [`trial`] plays one trial
//! exactly in continuous time, with its event queue in `queue` and its recovery tasks and
//! crews in `tasks`; [`outcome`] is what a trial yields.

pub mod compiled;
pub mod outcome;
mod queue;
mod tasks;
pub mod trial;

pub use compiled::Compiled;
pub use outcome::Outcome;
pub use trial::Trial;
