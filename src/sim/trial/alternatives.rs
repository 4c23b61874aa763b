//! Dependencies on alternatives (`AnyOf`) in the propagation of "who is down":
//! [`Trial::propagate`]`::<true>` calls these, only when the scenario has one
//! (`Compiled::has_alt`), so a scenario without alternatives runs the propagation it
//! always did (`propagate::<false>`, where every call here compiles away).
//!
//! Each `AnyOf` dependency is a *gate*, a node of its own after the services
//! (`Compiled::n_services() + g`), with the state a service has for propagation (down,
//! down since, up since): a gate is down while at least `fails_at` of its members
//! (`of.len() − min + 1`) are down, and a service's edge to a gate works like an edge to
//! a service (share, grace, grace timers, causes). The down set is the least fixed point
//! of "own state down, or a hard edge to a node down past its grace, or (a gate) enough
//! members down", which is monotone, so the two phases of the propagation carry over:
//! services and gates that may come up are recomputed as a least fixed point over the
//! region reachable from them, counting for each gate its members down outside the region
//! and those found down inside it (`gate_cnt`); then outages spread forward, a gate going
//! down when a member going down brings its count to `fails_at`. A cycle of alternatives
//! with nothing else failing is therefore up.
//!
//! # Complexity
//! As without gates, plus, per gate in a recomputed region, one pass over its members,
//! and per member going down, one pass over the members of each of its gates.

use super::Trial;

impl Trial<'_> {
    /// How many members of gate `k` (an index among the gates) satisfy `down`.
    fn members(&self, k: usize, down: impl Fn(usize) -> bool) -> u32 {
        let row = self.c.gate_members.row(k);
        row.iter().filter(|&&m| down(m as usize)).count() as u32
    }

    /// Whether gate node `x` has at least `fails_at` members down.
    fn gate_failed(&self, x: usize) -> bool {
        let k = x - self.c.n_services();
        self.members(k, |m| self.eff_down[m]) >= self.c.gate_fails_at[k]
    }

    /// Gate node `x` goes down at this instant (continuing an outage that ended at this
    /// very instant, like a service).
    fn gate_down(&mut self, x: usize) {
        self.eff_down[x] = true;
        if self.up_since[x] != self.now {
            self.down_since[x] = self.now;
        }
    }

    /// Phase A, building the region: the down gates of service `x` join it (mark `g`).
    pub(super) fn region_gates(&mut self, x: usize, g: u64) {
        for &gt in self.c.gates_of.row(x) {
            if self.eff_down[gt as usize] && self.mark[gt as usize] != g {
                self.mark[gt as usize] = g;
                self.stack.push(gt);
            }
        }
    }

    /// Phase A, seeding the region's down set: whether gate node `x` is down on its
    /// members outside the region alone (those inside start up); they are counted in
    /// `gate_cnt`.
    pub(super) fn gate_held(&mut self, x: usize, g: u64) -> bool {
        let k = x - self.c.n_services();
        let held = self.members(k, |m| self.mark[m] != g && self.eff_down[m]);
        self.gate_cnt[k] = held;
        held >= self.c.gate_fails_at[k]
    }

    /// Phase A, the fixed point: service `x` of the region is down, one more member down
    /// for each of its gates in the region; a gate that reaches `fails_at` is down too.
    pub(super) fn region_member_down(&mut self, x: usize, g: u64) {
        let c = self.c;
        for &gt in c.gates_of.row(x) {
            let gt = gt as usize;
            if self.mark[gt] == g && !self.in_down[gt] {
                let k = gt - c.n_services();
                self.gate_cnt[k] += 1;
                if self.gate_cnt[k] >= c.gate_fails_at[k] {
                    self.in_down[gt] = true;
                    self.stack.push(gt as u32);
                }
            }
        }
    }

    /// Phase B: service `x` went down; each of its gates with enough members down now
    /// goes down too, and is pushed to spread to its dependents.
    pub(super) fn gates_follow(&mut self, x: usize) {
        for &gt in self.c.gates_of.row(x) {
            let gt = gt as usize;
            if !self.eff_down[gt] && self.gate_failed(gt) {
                self.gate_down(gt);
                self.stack.push(gt as u32);
            }
        }
    }
}
