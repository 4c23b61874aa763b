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

/// The record of one trial: changes in the order they settled.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    pub own: Vec<OwnChange>,
    pub down: Vec<DownChange>,
    /// Two instants at the same time happened.
    pub repeated_instant: bool,
}

/// The recorder a trial carries: off in a plain run.
#[derive(Debug, Default)]
pub(super) struct Recorder {
    pub(super) on: bool,
    pub(super) trace: Trace,
    last_instant: f64,
    /// The last own state recorded per service (down, share), to record changes only;
    /// reset through the changes themselves.
    last: Vec<(bool, f64)>,
}

impl Recorder {
    /// Turns recording on or off for a trial of `n_services` services.
    pub(super) fn enable(&mut self, on: bool, n_services: usize) {
        self.on = on;
        if on && self.last.len() != n_services {
            self.last = vec![(false, 0.0); n_services];
        }
    }

    /// The start of a trial.
    pub(super) fn reset(&mut self) {
        for ch in &self.trace.own {
            self.last[ch.service as usize] = (false, 0.0);
        }
        self.trace.own.clear();
        self.trace.down.clear();
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

    #[inline]
    pub(super) fn down(&mut self, at: f64, s: usize, down: bool) {
        self.trace.down.push(DownChange {
            at,
            service: s as u32,
            down,
        });
    }
}
