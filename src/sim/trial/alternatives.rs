//! "Who is down" with dependencies on alternatives (`AnyOf`): the general version of
//! [`Trial::propagate`], used only when the scenario has one (`Compiled::has_alt`), so a
//! scenario without alternatives runs the propagation it always did.
//!
//! Each `AnyOf` dependency is a *gate*, a node of its own after the services
//! (`Compiled::n_services() + g`), with the state a service has for propagation (down,
//! down since, up since): a gate is down while at least `fails_at` of its members
//! (`of.len() − min + 1`) are down, and a service's edge to a gate works like an edge to
//! a service (share, grace, grace timers, causes). The down set is the least fixed point
//! of "own state down, or a hard edge to a node down past its grace, or (a gate) enough
//! members down", which is monotone, so the two phases of [`Trial::propagate`] carry
//! over: services and gates that may come up are recomputed as a least fixed point over
//! the region reachable from them, counting for each gate its members down outside the
//! region and those found down inside it (`gate_cnt`); then outages spread forward,
//! a gate going down when a member going down brings its count to `fails_at`. A cycle of
//! alternatives with nothing else failing is therefore up.
//!
//! # Complexity
//! As [`Trial::propagate`], plus, per gate in a recomputed region, one pass over its
//! members, and per member going down, one pass over the members of each of its gates.

use super::Trial;
use crate::sim::queue::Ev;

impl Trial<'_> {
    /// Whether gate node `x` has at least `fails_at` members down.
    fn gate_failed(&self, x: usize) -> bool {
        let c = self.c;
        let k = x - c.n_services();
        let down = c
            .gate_members
            .row(k)
            .iter()
            .filter(|&&m| self.eff_down[m as usize])
            .count();
        down >= c.gate_fails_at[k] as usize
    }

    /// Gate node `x` goes down at this instant (continuing an outage that ended at this
    /// very instant, like a service).
    fn gate_down(&mut self, x: usize) {
        self.eff_down[x] = true;
        if self.up_since[x] != self.now {
            self.down_since[x] = self.now;
        }
    }

    /// [`Trial::propagate`] with gates (see the module docs).
    pub(super) fn propagate_alt(&mut self) {
        let c = self.c;
        let n = c.n_services();
        // Phase A: services and gates that may come up.
        if !self.seeds_up.is_empty() {
            self.mark_gen += 1;
            let g = self.mark_gen;
            self.region.clear();
            self.stack.clear();
            for i in 0..self.seeds_up.len() {
                let s = self.seeds_up[i];
                if self.eff_down[s as usize] && self.mark[s as usize] != g {
                    self.mark[s as usize] = g;
                    self.stack.push(s);
                }
            }
            while let Some(x) = self.stack.pop() {
                self.region.push(x);
                for i in c.dependents.range(x as usize) {
                    let re = c.dependents.items[i];
                    let f = re.from as usize;
                    if c.deps.items[re.edge as usize].share >= 1.0
                        && self.eff_down[f]
                        && self.mark[f] != g
                    {
                        self.mark[f] = g;
                        self.stack.push(f as u32);
                    }
                }
                if (x as usize) < n {
                    for &gt in c.gates_of.row(x as usize) {
                        if self.eff_down[gt as usize] && self.mark[gt as usize] != g {
                            self.mark[gt as usize] = g;
                            self.stack.push(gt);
                        }
                    }
                }
            }
            // Seeds of the region's down set: everything outside the region is held.
            for i in 0..self.region.len() {
                let x = self.region[i] as usize;
                let down = if x < n {
                    self.own_down[x]
                        || c.deps.row(x).iter().any(|e| {
                            e.share >= 1.0
                                && self.mark[e.on as usize] != g
                                && self.edge_active(e.on as usize, e.grace)
                        })
                } else {
                    let k = x - n;
                    let held = c
                        .gate_members
                        .row(k)
                        .iter()
                        .filter(|&&m| self.mark[m as usize] != g && self.eff_down[m as usize])
                        .count() as u32;
                    self.gate_cnt[k] = held;
                    held >= c.gate_fails_at[k]
                };
                self.in_down[x] = down;
                if down {
                    self.stack.push(x as u32);
                }
            }
            while let Some(x) = self.stack.pop() {
                let x = x as usize;
                for i in c.dependents.range(x) {
                    let re = c.dependents.items[i];
                    let f = re.from as usize;
                    let e = c.deps.items[re.edge as usize];
                    if e.share >= 1.0
                        && self.mark[f] == g
                        && !self.in_down[f]
                        && (e.grace <= 0.0 || self.now >= self.down_since[x] + e.grace)
                    {
                        self.in_down[f] = true;
                        self.stack.push(f as u32);
                    }
                }
                if x < n {
                    for &gt in c.gates_of.row(x) {
                        let gt = gt as usize;
                        if self.mark[gt] == g && !self.in_down[gt] {
                            let k = gt - n;
                            self.gate_cnt[k] += 1;
                            if self.gate_cnt[k] >= c.gate_fails_at[k] {
                                self.in_down[gt] = true;
                                self.stack.push(gt as u32);
                            }
                        }
                    }
                }
            }
            for i in 0..self.region.len() {
                let x = self.region[i] as usize;
                if !self.in_down[x] {
                    if x < n {
                        self.note_eff_change(x);
                        self.n_down -= 1;
                    }
                    self.eff_down[x] = false;
                    self.up_since[x] = self.now;
                    for j in c.dependents.range(x) {
                        let f = c.dependents.items[j].from;
                        self.touch(f);
                    }
                }
                self.in_down[x] = false;
                if x < n {
                    self.touch(x as u32);
                }
            }
            self.seeds_up.clear();
        }
        // Phase B: services and gates going down, and everything that hard-depends on
        // them with no grace; graced dependents get a timer.
        self.stack.clear();
        for i in 0..self.seeds_down.len() {
            let s = self.seeds_down[i] as usize;
            if self.eff_down[s] {
                continue;
            }
            let cause = self.own_down[s]
                || c.deps
                    .row(s)
                    .iter()
                    .any(|e| e.share >= 1.0 && self.edge_active(e.on as usize, e.grace));
            if cause && self.set_down(s) {
                self.stack.push(s as u32);
            }
        }
        self.seeds_down.clear();
        while let Some(x) = self.stack.pop() {
            let x = x as usize;
            if x < n {
                self.touch(x as u32);
            }
            for i in c.dependents.range(x) {
                let re = c.dependents.items[i];
                let f = re.from as usize;
                let e = c.deps.items[re.edge as usize];
                self.touch(f as u32);
                let due = self.down_since[x] + e.grace;
                if e.grace > 0.0 && self.now < due {
                    self.push(
                        due,
                        Ev::Grace {
                            service: f as u32,
                            edge: re.edge,
                            since: self.down_since[x],
                        },
                    );
                } else if e.share >= 1.0 && !self.eff_down[f] && self.set_down(f) {
                    self.stack.push(f as u32);
                }
            }
            if x < n {
                for &gt in c.gates_of.row(x) {
                    let gt = gt as usize;
                    if !self.eff_down[gt] && self.gate_failed(gt) {
                        self.gate_down(gt);
                        self.stack.push(gt as u32);
                    }
                }
            }
        }
    }
}
