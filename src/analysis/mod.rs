//! Turning trials into answers: the Monte Carlo run itself ([`run`]); later the blast
//! matrix, portals and design comparison.

pub mod run;
