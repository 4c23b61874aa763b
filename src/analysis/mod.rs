//! Turning trials into answers: the Monte Carlo run itself ([`run`]) and what the policy
//! report draws on besides ([`policy`]: single losses, portals, design comparisons);
//! later the blast matrix, portals and design comparison as commands of their own.

pub mod policy;
pub mod run;
