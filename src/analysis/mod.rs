//! Turning trials into answers: the Monte Carlo run itself ([`run`], with the batch
//! driver every Monte Carlo analysis shares), the deterministic blast matrix
//! ([`whatif`]), portals ([`portal`]), the paired design comparison ([`compare`]) and
//! site importance measures ([`importance`]).

pub mod compare;
pub mod importance;
pub mod portal;
pub mod run;
pub mod whatif;
