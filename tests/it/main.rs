//! The integration tests, one binary: a module per area (`tests/alloc.rs`, which installs
//! a counting global allocator, stays a binary of its own). Run one area with
//! `cargo test --test it engine::`.

mod alternatives;
mod analyses;
mod calibrate;
mod deathstarbench;
mod engine;
mod fleet;
mod hostile;
mod import;
mod invariants;
mod journeys;
mod portal;
mod replay;
mod report;
mod risk;
mod run;
mod scenarios;
mod shard;
mod util;
mod validate;
