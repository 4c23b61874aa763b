//! What a trial records, when asked, for the counterfactuals replayed from it
//! ([`super::replay`]): each service's state at the boundary between its own recovery
//! (replicas, tasks, crews) and the propagation that depends on it.
//!
//! Two kinds of changes, each at the instant it settles:
//! * **own**: the service's own state (down or not, as `update_own` leaves it) and, for a
//!   fleet, the share of its instances lost while up: everything the propagation and the
//!   accounting read from its recovery;
//! * **down**: whether the service is down (its own state or a hard dependency), as its
//!   dependents, its substitutes' users and the services that need it see it.
//!
//! A trial with two instants at the same time (an event due at the very time of the
//! instant that scheduled it) is marked: its zero-length states cannot be replayed from
//! times alone.

/// A change of a service's own state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OwnChange {
    pub at: f64,
    pub service: u32,
    pub down: bool,
    /// The share of a fleet's instances lost while it is up (0 for a single instance).
    pub share: f64,
}

/// A change of whether a service is down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DownChange {
    pub at: f64,
    pub service: u32,
    pub down: bool,
}

/// A change of how many of a service's original replicas are up (services of one
/// instance; recorded with [`Recorder::recovery`] on).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UpChange {
    pub at: f64,
    pub service: u32,
    pub up: u32,
}

/// The record of one trial: changes in the order they settled.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    pub own: Vec<OwnChange>,
    pub down: Vec<DownChange>,
    /// Two instants at the same time happened.
    pub repeated_instant: bool,
    /// With the recovery record on (`importance`'s always-down counterfactuals): the
    /// changes of each service's count of original replicas up, every site that one of
    /// its own failures took down (repeated for each failure), the live tasks, and the
    /// active–standby services that lost their serving replica.
    pub ups: Vec<UpChange>,
    pub sites_down: Vec<u32>,
    /// And the most recovery tasks live at once in each instant and until the next,
    /// where it changes: (instant, count).
    pub live_tasks: Vec<(f64, u32)>,
    /// Active–standby services found with their serving replica down (repeated).
    pub unserved: Vec<u32>,
}

/// The recorder a trial carries: off in a plain run.
#[derive(Debug, Default)]
pub(super) struct Recorder {
    pub(super) on: bool,
    /// Whether the recovery record (`Trace::ups`, `Trace::sites_down`) is kept too.
    pub(super) recovery: bool,
    pub(super) trace: Trace,
    last_instant: f64,
    /// The last own state recorded per service (down, share), to record changes only;
    /// reset through the changes themselves.
    last: Vec<(bool, f64)>,
    /// The last count of replicas up recorded per service; `u32::MAX`: none recorded yet
    /// in this trial (all of them up).
    last_up: Vec<u32>,
}

impl Recorder {
    /// Turns recording on or off for a trial of `n_services` services.
    pub(super) fn enable(&mut self, on: bool, n_services: usize) {
        self.on = on;
        if on && self.last.len() != n_services {
            self.last = vec![(false, 0.0); n_services];
            self.last_up = vec![u32::MAX; n_services];
        }
    }

    /// The start of a trial.
    pub(super) fn reset(&mut self) {
        for ch in &self.trace.own {
            self.last[ch.service as usize] = (false, 0.0);
        }
        self.trace.own.clear();
        self.trace.down.clear();
        for ch in &self.trace.ups {
            self.last_up[ch.service as usize] = u32::MAX;
        }
        self.trace.ups.clear();
        self.trace.sites_down.clear();
        self.trace.live_tasks.clear();
        self.trace.unserved.clear();
        self.trace.repeated_instant = false;
        self.last_instant = f64::NEG_INFINITY;
    }

    #[inline]
    pub(super) fn instant(&mut self, t: f64) {
        if t == self.last_instant {
            self.trace.repeated_instant = true;
        }
        self.last_instant = t;
    }

    #[inline]
    pub(super) fn own(&mut self, at: f64, s: usize, down: bool, share: f64) {
        if self.last[s] != (down, share) {
            self.last[s] = (down, share);
            self.trace.own.push(OwnChange {
                at,
                service: s as u32,
                down,
                share,
            });
        }
    }

    /// At most `live` recovery tasks in the instant at `at` and until the next (recovery
    /// record only).
    #[inline]
    pub(super) fn live_tasks(&mut self, at: f64, live: u32) {
        let last = self.trace.live_tasks.last().map_or(0, |x| x.1);
        if live != last {
            self.trace.live_tasks.push((at, live));
        }
    }

    /// Service `s` has `up` of its `all` original replicas up (recovery record only).
    #[inline]
    pub(super) fn up(&mut self, at: f64, s: usize, up: u32, all: u32) {
        let last = match self.last_up[s] {
            u32::MAX => all,
            x => x,
        };
        if up != last {
            self.last_up[s] = up;
            self.trace.ups.push(UpChange {
                at,
                service: s as u32,
                up,
            });
        }
    }

    #[inline]
    pub(super) fn down(&mut self, at: f64, s: usize, down: bool) {
        self.trace.down.push(DownChange {
            at,
            service: s as u32,
            down,
        });
    }
}
