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
    /// progress, or that waits for its site, waits for nobody.
    fn push_waits(&self, x: usize, stack: &mut Vec<u32>) {
        let c = self.c;
        if !self.eff_down[x] {
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
}

impl Deadlocks {
    pub(super) fn new(c: &Compiled) -> Self {
        Deadlocks {
            candidates: Vec::new(),
            mark: vec![0; c.n_services()],
            mark_gen: 0,
            stack: Vec::new(),
            members: Vec::new(),
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
            if !found && self.in_cycle(w, u as usize) {
                found = true;
            }
        }
        if found {
            for &s in w.blocked {
                if self.in_cycle(w, s as usize) {
                    self.members.push(s);
                }
            }
        }
        &self.members
    }

    /// Whether following "waits for" edges from service `s` leads back to `s`.
    fn in_cycle(&mut self, w: &WaitFor, s: usize) -> bool {
        self.mark_gen += 1;
        let g = self.mark_gen;
        self.stack.clear();
        w.push_waits(s, &mut self.stack);
        while let Some(x) = self.stack.pop() {
            let x = x as usize;
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
