//! Time accounting in one trial: each service's current class (up, degraded by a share,
//! down for a cause) and since when, turned into hours in the trial's [`Outcome`] each
//! time the class changes, plus the user-weighted availability curve.

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
    /// The next point of the curve to record.
    next_grid: usize,
}

impl Accounting {
    pub(super) fn new(c: &Compiled) -> Self {
        let n = c.n_services();
        Accounting {
            class: vec![Class::UP; n],
            since: vec![0.0; n],
            lost_weight: 0.0,
            next_grid: 0,
        }
    }

    pub(super) fn reset(&mut self) {
        self.class.fill(Class::UP);
        self.since.fill(0.0);
        self.lost_weight = 0.0;
        self.next_grid = 0;
    }

    /// Records every curve point before time `t` (all that remain for `t = ∞`) with the
    /// availability that held until `t`.
    pub(super) fn curve_before(&mut self, c: &Compiled, t: f64, o: &mut Outcome) {
        let h = c.horizon;
        while self.next_grid < CURVE_POINTS {
            let g = h * self.next_grid as f64 / (CURVE_POINTS - 1) as f64;
            if g >= t && t.is_finite() {
                break;
            }
            let avail = (1.0 - self.lost_weight / c.total_weight).clamp(0.0, 1.0);
            o.curve[self.next_grid] = avail;
            self.next_grid += 1;
        }
    }

    /// Service `s` is in class `new` from `now` on. Always inlined: `Trial::settle` comes
    /// in two versions (with and without fleets), and a call here costs 1 % (callgrind).
    #[inline(always)]
    pub(super) fn set(&mut self, c: &Compiled, s: usize, new: Class, now: f64, o: &mut Outcome) {
        let old = self.class[s];
        if new == old {
            return;
        }
        self.close(c, s, now, o);
        self.lost_weight += c.weight[s] * (new.lost() - old.lost());
        if old.down && !new.down {
            o.restored_at[s] = now;
        }
        let peak = &mut o.peak_lost_share[s];
        *peak = peak.max(new.lost());
        self.class[s] = new;
    }

    /// The horizon: every class still open is closed there; a service still down is
    /// restored no earlier than the horizon.
    pub(super) fn finish(&mut self, c: &Compiled, o: &mut Outcome) {
        self.curve_before(c, f64::INFINITY, o);
        for s in 0..c.n_services() {
            self.close(c, s, c.horizon, o);
            if self.class[s].down {
                o.restored_at[s] = c.horizon;
            }
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
