//! Recovery deadlocks in one trial: services whose blocked recovery tasks wait on each
//! other in a cycle, so that none can ever progress without someone breaking the cycle by
//! hand (`docs/semantics.md`, "Recovery deadlocks").
//!
//! This part owns only the search: the candidates to search from, and its scratch space.
//! What a found cycle does to tasks (marking them, scheduling the bypass) is the trial's.

use super::compiled::Compiled;

/// Whether an edge to a service with this grace is active now: the service down
/// (`down`, since `since`) for longer than the grace. The comparison uses the same
/// expression as the grace timer's due time, so the edge is active exactly when its
/// timer fires.
#[inline]
pub(super) fn edge_active(down: bool, since: f64, now: f64, grace: f64) -> bool {
    down && (grace <= 0.0 || now >= since + grace)
}

/// The trial's state that "waits for" edges are read from, borrowed for one search.
pub(super) struct WaitFor<'a> {
    pub c: &'a Compiled,
    pub now: f64,
    /// Down, own state or through dependencies.
    pub eff_down: &'a [bool],
    pub down_since: &'a [f64],
    /// Own state down.
    pub own_down: &'a [bool],
    /// The services with a task waiting on down recovery needs.
    pub blocked: &'a [u32],
    /// Each service's place in `blocked`, `NONE` if not there.
    pub blocked_pos: &'a [u32],
}

impl WaitFor<'_> {
    /// Pushes the services `x` waits for. A service whose own state is down while its
    /// recovery tasks are blocked waits for its down recovery needs; a service down
    /// through a hard dependency waits for that dependency. A service whose tasks
    /// progress, or that waits for its site, waits for nobody. A gate (the alternatives
    /// of an `AnyOf`) waits for its members that are down: for enough of them to return.
    fn push_waits(&self, x: usize, stack: &mut Vec<u32>) {
        let c = self.c;
        if !self.eff_down[x] {
            return;
        }
        let n = c.n_services();
        if x >= n {
            for &m in c.gate_members.row(x - n) {
                if self.eff_down[m as usize] {
                    stack.push(m);
                }
            }
            return;
        }
        if self.own_down[x] && self.blocked_pos[x] != super::compiled::NONE {
            for &n in c.needs.row(x) {
                if self.eff_down[n as usize] {
                    stack.push(n);
                }
            }
        }
        for e in c.deps.row(x) {
            let d = e.on as usize;
            if e.share >= 1.0
                && edge_active(self.eff_down[d], self.down_since[d], self.now, e.grace)
            {
                stack.push(e.on);
            }
        }
    }
}

pub(super) struct Deadlocks {
    /// Services whose wait-for edges changed at this instant: a new recovery deadlock
    /// would have to pass through one of them.
    candidates: Vec<u32>,
    mark: Vec<u64>,
    mark_gen: u64,
    stack: Vec<u32>,
    /// The members of the cycles found by the last search.
    members: Vec<u32>,
    /// With alternatives: the nodes the blocked services wait for, directly or not, and
    /// which of them will come back without anyone breaking a cycle (see
    /// [`Deadlocks::settle_stuck`]).
    reach: Vec<u32>,
    live: Vec<bool>,
}

impl Deadlocks {
    pub(super) fn new(c: &Compiled) -> Self {
        Deadlocks {
            candidates: Vec::new(),
            mark: vec![0; c.n_nodes()],
            mark_gen: 0,
            stack: Vec::new(),
            members: Vec::new(),
            reach: Vec::new(),
            live: vec![false; if c.has_alt { c.n_nodes() } else { 0 }],
        }
    }

    pub(super) fn reset(&mut self) {
        self.candidates.clear();
    }

    /// Service `s`'s wait-for edges changed: search from it at the end of this instant.
    #[inline]
    pub(super) fn candidate(&mut self, s: u32) {
        self.candidates.push(s);
    }

    /// Whether no service is a candidate at this instant: nothing to search.
    #[inline]
    pub(super) fn idle(&self) -> bool {
        self.candidates.is_empty()
    }

    /// Searches from this instant's candidates. When one of them closes a cycle, every
    /// blocked service is checked, and the members of every cycle are returned (none
    /// otherwise). Finding every member before anyone bypasses matters: bypassing
    /// changes who is blocked, which must not hide the rest of a cycle.
    pub(super) fn search(&mut self, w: &WaitFor) -> &[u32] {
        self.members.clear();
        if w.blocked.is_empty() {
            self.candidates.clear();
            return &self.members;
        }
        let mut found = false;
        while let Some(u) = self.candidates.pop() {
            if !found && self.in_cycle(w, u as usize, false) {
                found = true;
            }
        }
        if found {
            // With alternatives, a cycle through one alternative is no deadlock while
            // enough of the others will return: keep to the nodes that will not.
            let stuck_only = w.c.has_alt;
            if stuck_only {
                self.settle_stuck(w);
            }
            for &s in w.blocked {
                if self.in_cycle(w, s as usize, stuck_only) {
                    self.members.push(s);
                }
            }
        }
        &self.members
    }

    /// Marks in `live` which of the nodes the blocked services wait for (directly or not)
    /// will come back without a cycle being broken, as a least fixed point: a service that
    /// waits for nobody will; one that waits will once everything it waits for has; a
    /// gate will once fewer than `fails_at` of its members are down for good. The others
    /// are stuck: a cycle among them is a deadlock.
    ///
    /// # Complexity
    /// O(R × (R + E)) at worst for the R nodes reached and the E waits among them, one
    /// pass per node that comes back; only when a cycle was found, with alternatives.
    fn settle_stuck(&mut self, w: &WaitFor) {
        let c = w.c;
        let n = c.n_services();
        self.mark_gen += 1;
        let g = self.mark_gen;
        self.reach.clear();
        self.stack.clear();
        for &s in w.blocked {
            if self.mark[s as usize] != g {
                self.mark[s as usize] = g;
                self.stack.push(s);
            }
        }
        let mut waits = Vec::new();
        while let Some(x) = self.stack.pop() {
            self.reach.push(x);
            self.live[x as usize] = false;
            waits.clear();
            w.push_waits(x as usize, &mut waits);
            for &y in &waits {
                if self.mark[y as usize] != g {
                    self.mark[y as usize] = g;
                    self.stack.push(y);
                }
            }
        }
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..self.reach.len() {
                let x = self.reach[i] as usize;
                if self.live[x] {
                    continue;
                }
                waits.clear();
                w.push_waits(x, &mut waits);
                let live = if x >= n {
                    let stuck = waits.iter().filter(|&&m| !self.live[m as usize]).count();
                    stuck < c.gate_fails_at[x - n] as usize
                } else {
                    waits.iter().all(|&y| self.live[y as usize])
                };
                if live {
                    self.live[x] = true;
                    changed = true;
                }
            }
        }
    }

    /// Whether following "waits for" edges from service `s` leads back to `s`; with
    /// `stuck_only`, through nodes that [`Deadlocks::settle_stuck`] left stuck only.
    fn in_cycle(&mut self, w: &WaitFor, s: usize, stuck_only: bool) -> bool {
        if stuck_only && self.live[s] {
            return false;
        }
        self.mark_gen += 1;
        let g = self.mark_gen;
        self.stack.clear();
        w.push_waits(s, &mut self.stack);
        while let Some(x) = self.stack.pop() {
            let x = x as usize;
            if stuck_only && self.live[x] {
                continue;
            }
            if x == s {
                return true;
            }
            if self.mark[x] == g {
                continue;
            }
            self.mark[x] = g;
            w.push_waits(x, &mut self.stack);
        }
        false
    }
}
