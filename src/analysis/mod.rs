//! Turning trials into answers: the Monte Carlo run itself ([`run`], with the batch
//! driver every Monte Carlo analysis shares), the deterministic blast matrix
//! ([`whatif`]), portals ([`portal`]), the paired design comparison ([`compare`]), site
//! importance measures ([`importance`]), and what the policy report gathers from them
//! ([`policy`]).

pub mod compare;
pub mod importance;
pub mod policy;
pub mod portal;
pub mod run;
pub mod whatif;
