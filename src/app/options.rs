//! The command line's values, checked once into types that cannot hold a bad one (as
//! ripgrep turns its raw flags into `HiArgs`): a trial count that cannot be zero, a
//! stopping rule, a shard whose index is below its count, a thread count of at least
//! one. Everything after this module takes them as given; only here are flags named in
//! error messages.

use std::num::{NonZeroU64, NonZeroUsize};

use crate::analysis::plan::RunOptions;
use crate::error::Error;
use crate::model::Model;

/// A number of trials: at least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trials(NonZeroU64);

impl Trials {
    pub fn new(n: u64) -> Result<Self, Error> {
        NonZeroU64::new(n)
            .map(Trials)
            .ok_or_else(|| Error::usage("--trials must be at least 1"))
    }

    pub fn get(self) -> u64 {
        self.0.get()
    }
}

/// When a Monte Carlo run stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    /// After the given number of trials.
    Fixed,
    /// At the first batch where the 95% interval of the mean total loss is within ± this
    /// share of the mean (a positive, finite number); the trial count is then a maximum.
    Adaptive(f64),
}

impl Stop {
    pub fn new(precision: Option<f64>) -> Result<Self, Error> {
        match precision {
            None => Ok(Stop::Fixed),
            Some(r) if r.is_finite() && r > 0.0 => Ok(Stop::Adaptive(r)),
            Some(r) => Err(Error::usage(format!(
                "--precision must be a positive number, got {r}"
            ))),
        }
    }

    fn precision(self) -> Option<f64> {
        match self {
            Stop::Fixed => None,
            Stop::Adaptive(r) => Some(r),
        }
    }
}

/// Shard `k` (from 0) of `n`: `k < n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    k: u64,
    n: u64,
}

impl Shard {
    pub fn new(k: u64, n: u64) -> Result<Self, String> {
        if n == 0 || k >= n {
            return Err(format!(
                "shard {k}/{n}: K counts from 0 and must be below N"
            ));
        }
        Ok(Shard { k, n })
    }

    /// `K/N`, as `--shard` takes it.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (k, n) = s.split_once('/').ok_or("expected K/N, such as 0/4")?;
        let k: u64 = k
            .trim()
            .parse()
            .map_err(|_| format!("bad shard index {k:?} in {s:?}"))?;
        let n: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("bad shard count {n:?} in {s:?}"))?;
        Shard::new(k, n)
    }

    pub fn k(self) -> u64 {
        self.k
    }

    pub fn n(self) -> u64 {
        self.n
    }
}

/// Worker threads: a count of at least one, or every core.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Threads(Option<NonZeroUsize>);

impl Threads {
    pub fn new(t: Option<usize>) -> Result<Self, Error> {
        match t {
            None => Ok(Threads(None)),
            Some(t) => NonZeroUsize::new(t)
                .map(|t| Threads(Some(t)))
                .ok_or_else(|| Error::usage("--threads must be at least 1")),
        }
    }

    /// The count asked for, or `None` for every core.
    pub fn get(self) -> Option<usize> {
        self.0.map(NonZeroUsize::get)
    }

    /// The count asked for, or the number of cores.
    pub fn resolve(self) -> usize {
        self.get()
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

/// The simulation flags of a command, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sim {
    /// `None`: the scenario's own `trials`.
    pub trials: Option<Trials>,
    /// `None`: the scenario's own `seed`.
    pub seed: Option<u64>,
    pub threads: Threads,
    pub stop: Stop,
}

/// Default cap on the trials of `portal` and `importance` (and the report's portal
/// analysis) when `--trials` is not given: each of their trials plays a counterfactual
/// per service or two per site.
pub const ANALYSIS_DEFAULT_TRIALS: u64 = 2000;

impl Sim {
    pub fn new(
        trials: Option<u64>,
        seed: Option<u64>,
        threads: Option<usize>,
        precision: Option<f64>,
    ) -> Result<Self, Error> {
        Ok(Sim {
            trials: trials.map(Trials::new).transpose()?,
            seed,
            threads: Threads::new(threads)?,
            stop: Stop::new(precision)?,
        })
    }

    /// The options of a run of `m`: the trials and seed given, else the scenario's.
    pub fn options(&self, m: &Model) -> RunOptions {
        RunOptions {
            trials: self.trials.map_or(m.trials, Trials::get),
            seed: self.seed.unwrap_or(m.seed),
            threads: self.threads.get(),
            precision: self.stop.precision(),
            shard: None,
        }
    }

    /// The options of an analysis that plays a fixed number of trials (`compare`,
    /// `portal`, `importance`); `--precision` is refused, naming the command.
    pub fn fixed(&self, m: &Model, command: &str) -> Result<RunOptions, Error> {
        if let Stop::Adaptive(_) = self.stop {
            return Err(Error::usage(format!(
                "--precision is not supported by `{command}`; give --trials instead"
            )));
        }
        Ok(self.options(m))
    }

    /// [`Sim::fixed`], with the scenario's trials capped at [`ANALYSIS_DEFAULT_TRIALS`]
    /// when `--trials` is not given.
    pub fn capped(&self, m: &Model, command: &str) -> Result<RunOptions, Error> {
        let mut opts = self.fixed(m, command)?;
        if self.trials.is_none() {
            opts.trials = opts.trials.min(ANALYSIS_DEFAULT_TRIALS);
        }
        Ok(opts)
    }

    /// A shard of a fixed run: `--precision` cannot be combined with it.
    pub fn with_shard(&self, shard: Option<Shard>) -> Result<(), Error> {
        if shard.is_some() && self.stop != Stop::Fixed {
            return Err(Error::usage(
                "--precision cannot be combined with --shard: each shard would stop on its own; run a fixed number of --trials",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_are_refused_with_the_flag_named() {
        assert!(Trials::new(0).unwrap_err().to_string().contains("--trials"));
        assert_eq!(Trials::new(7).unwrap().get(), 7);
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = Stop::new(Some(bad)).unwrap_err().to_string();
            assert!(e.contains("--precision"), "{e}");
        }
        assert_eq!(Stop::new(Some(0.01)).unwrap(), Stop::Adaptive(0.01));
        assert!(Threads::new(Some(0)).is_err());
        assert_eq!(Threads::new(Some(3)).unwrap().get(), Some(3));
        assert!(Shard::parse("2/2").is_err());
        assert!(Shard::parse("x/2").is_err());
        assert!(Shard::parse("1").is_err());
        let s = Shard::parse(" 1 / 4 ").unwrap();
        assert_eq!((s.k(), s.n()), (1, 4));
        let sim = Sim::new(None, None, None, Some(0.1)).unwrap();
        assert!(sim.with_shard(Some(s)).is_err());
        assert!(sim.with_shard(None).is_ok());
    }
}
