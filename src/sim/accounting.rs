//! Time accounting in one trial: each service's current class (up, degraded by a share,
//! down for a cause) and since when, turned into hours in the trial's [`Outcome`] each
//! time the class changes, plus the user-weighted availability curve and, when the
//! scenario has journeys, each journey's state, derived from the classes of the services
//! it needs.

use super::compiled::Compiled;
use super::outcome::{Outcome, CURVE_POINTS};

/// What a service is, for accounting, between two events.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Class {
    pub down: bool,
    /// While down: 0 for its own state, `k + 1` for its `k`-th hard dependency.
    pub cause: u32,
    /// While up: the share of its users lost to partial dependencies and, for a fleet,
    /// to its instances down.
    pub share: f64,
    /// While down: the share of its users served by substitutes.
    pub kept: f64,
}

impl Class {
    pub(super) const UP: Class = Class {
        down: false,
        cause: 0,
        share: 0.0,
        kept: 0.0,
    };

    /// The share of users this class loses: all of them when down.
    #[inline]
    fn lost(self) -> f64 {
        if self.down {
            1.0 - self.kept
        } else {
            self.share
        }
    }
}

pub(super) struct Accounting {
    class: Vec<Class>,
    since: Vec<f64>,
    /// Σ weight × lost share over services: what the curve subtracts from 1.
    lost_weight: f64,
    /// The next point of the curve to record, and its time (infinite once all are).
    next_grid: usize,
    next_grid_t: f64,
    /// Journeys (all empty without them).
    journeys: Journeys,
}

/// Each journey's state between two instants: down (some service it needs is down) and
/// the share of its users lost, `1 − Π(1 − lost_i)` over its needs, since when; and the
/// journeys one of whose needs changed class at this instant, re-derived once the
/// instant is settled (so a journey sees every need's new class together).
#[derive(Default)]
struct Journeys {
    down: Vec<bool>,
    lost: Vec<f64>,
    since: Vec<f64>,
    pending: Vec<u32>,
    is_pending: Vec<bool>,
}

impl Accounting {
    pub(super) fn new(c: &Compiled) -> Self {
        let n = c.n_services();
        Accounting {
            class: vec![Class::UP; n],
            since: vec![0.0; n],
            lost_weight: 0.0,
            next_grid: 0,
            next_grid_t: 0.0,
            journeys: Journeys {
                down: vec![false; c.n_journeys()],
                lost: vec![0.0; c.n_journeys()],
                since: vec![0.0; c.n_journeys()],
                pending: Vec::new(),
                is_pending: vec![false; c.n_journeys()],
            },
        }
    }

    /// Back to every service up since 0; `changed` holds every service whose class
    /// changed since the last reset.
    pub(super) fn reset(&mut self, changed: &[u32]) {
        for &s in changed {
            self.class[s as usize] = Class::UP;
            self.since[s as usize] = 0.0;
        }
        self.lost_weight = 0.0;
        self.next_grid = 0;
        self.next_grid_t = 0.0;
        let j = &mut self.journeys;
        j.down.fill(false);
        j.lost.fill(0.0);
        j.since.fill(0.0);
        j.pending.clear();
        j.is_pending.fill(false);
    }

    /// Records every curve point before time `t` (all that remain for `t = ∞`) with the
    /// availability that held until `t`. Called at every instant: when no point is due,
    /// it costs one comparison.
    #[inline(always)]
    pub(super) fn curve_before(&mut self, c: &Compiled, t: f64, o: &mut Outcome) {
        if t <= self.next_grid_t {
            return;
        }
        self.record_curve(c, t, o);
    }

    fn record_curve(&mut self, c: &Compiled, t: f64, o: &mut Outcome) {
        let h = c.horizon;
        let at = |k: usize| h * k as f64 / (CURVE_POINTS - 1) as f64;
        while self.next_grid < CURVE_POINTS {
            let g = at(self.next_grid);
            if g >= t && t.is_finite() {
                break;
            }
            let avail = (1.0 - self.lost_weight / c.total_weight).clamp(0.0, 1.0);
            o.curve[self.next_grid] = avail;
            self.next_grid += 1;
        }
        self.next_grid_t = if self.next_grid < CURVE_POINTS {
            at(self.next_grid)
        } else {
            f64::INFINITY
        };
    }

    /// Service `s` is in class `new` from `now` on; returns whether that is a change.
    /// Always inlined: `Trial::settle` comes in two versions (with and without fleets),
    /// and a call here costs 1 % (callgrind).
    #[inline(always)]
    pub(super) fn set(
        &mut self,
        c: &Compiled,
        s: usize,
        new: Class,
        now: f64,
        o: &mut Outcome,
    ) -> bool {
        let old = self.class[s];
        if new == old {
            return false;
        }
        self.close(c, s, now, o);
        self.lost_weight += c.weight[s] * (new.lost() - old.lost());
        if old.down && !new.down {
            o.restored_at[s] = now;
        }
        let peak = &mut o.peak_lost_share[s];
        *peak = peak.max(new.lost());
        self.class[s] = new;
        if c.has_journeys {
            self.journeys.touched(c, s);
        }
        true
    }

    /// Re-derives the state of every journey one of whose needs changed class at `now`
    /// (called once the instant is settled), accounting the time of those whose state
    /// changed.
    #[inline(always)]
    pub(super) fn settle_journeys(&mut self, c: &Compiled, now: f64, o: &mut Outcome) {
        if !self.journeys.pending.is_empty() {
            self.journeys.settle(c, &self.class, now, o);
        }
    }

    /// Whether every service is up since 0, as after [`Accounting::reset`] (debug builds).
    #[cfg(debug_assertions)]
    pub(super) fn check_reset(&self) {
        assert!(self.class.iter().all(|&cl| cl == Class::UP));
        assert!(self.since.iter().all(|&t| t == 0.0));
    }

    /// The horizon: every class still open is closed there; a service still down is
    /// restored no earlier than the horizon. `changed` holds every service whose class
    /// changed in the trial: the others were up and whole throughout, with nothing to
    /// close.
    pub(super) fn finish(&mut self, c: &Compiled, changed: &[u32], o: &mut Outcome) {
        self.curve_before(c, f64::INFINITY, o);
        for &s in changed {
            let s = s as usize;
            self.close(c, s, c.horizon, o);
            if self.class[s].down {
                o.restored_at[s] = c.horizon;
            }
        }
        for j in 0..c.n_journeys() {
            self.journeys.close(j, c.horizon, o);
        }
    }

    /// Adds the time since service `s`'s class began to the trial's tallies.
    #[inline]
    fn close(&mut self, c: &Compiled, s: usize, now: f64, o: &mut Outcome) {
        let cl = self.class[s];
        let dt = now - self.since[s];
        self.since[s] = now;
        if dt <= 0.0 {
            return;
        }
        if cl.down {
            o.downtime[s] += dt;
            o.cause_hours[c.cause_offsets[s] as usize + cl.cause as usize] += dt;
            if cl.kept > 0.0 {
                o.substituted_hours[s] += cl.kept * dt;
            }
        } else if cl.share > 0.0 {
            o.degraded[s] += dt;
            o.lost_share_hours[s] += cl.share * dt;
        }
    }
}

impl Journeys {
    /// Service `s` changed class: the journeys that need it are re-derived at the end of
    /// the instant.
    fn touched(&mut self, c: &Compiled, s: usize) {
        for &j in c.journeys_of.row(s) {
            if !self.is_pending[j as usize] {
                self.is_pending[j as usize] = true;
                self.pending.push(j);
            }
        }
    }

    fn settle(&mut self, c: &Compiled, class: &[Class], now: f64, o: &mut Outcome) {
        for i in 0..self.pending.len() {
            let j = self.pending[i] as usize;
            self.is_pending[j] = false;
            let mut down = false;
            // 1 − Π(1 − lost_i), accumulated as a + b − ab so that one need's share is
            // taken exactly as the service's own accounting takes it.
            let mut lost: f64 = 0.0;
            for &s in c.journey_needs.row(j) {
                let cl = class[s as usize];
                down |= cl.down;
                let l = cl.lost();
                lost = if l >= 1.0 { 1.0 } else { lost + l - lost * l };
            }
            let lost = lost.min(1.0);
            if down != self.down[j] || lost != self.lost[j] {
                self.close(j, now, o);
                self.down[j] = down;
                self.lost[j] = lost;
            }
        }
        self.pending.clear();
    }

    /// Adds the time since journey `j`'s state began to the trial's tallies.
    fn close(&mut self, j: usize, now: f64, o: &mut Outcome) {
        let dt = now - self.since[j];
        self.since[j] = now;
        if dt <= 0.0 {
            return;
        }
        if self.down[j] {
            o.journey_downtime[j] += dt;
        }
        if self.lost[j] > 0.0 {
            o.journey_lost_hours[j] += self.lost[j] * dt;
        }
    }
}
