//! Turning trials into answers: run planning ([`plan`]: options, sizing), the batch
//! driver every Monte Carlo analysis shares ([`batch`]), the Monte Carlo run itself
//! ([`run`]), the deterministic blast matrix
//! ([`whatif`]), portals ([`portal`]), the paired design comparison ([`compare`]), site
//! importance measures ([`importance`]), the fit of named parameters to observed times
//! with leave-one-out predictions ([`calibrate`]), and what the policy report gathers
//! from them ([`policy`]).

pub mod batch;
pub mod calibrate;
pub mod compare;
pub mod gateway;
pub mod importance;
pub mod plan;
pub mod policy;
pub mod portal;
pub mod risk;
pub mod run;
pub mod whatif;
