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

/// Up to this many services to search from, one search each ([`Deadlocks::in_cycle`]);
/// beyond, one pass over the strongly connected components of what they reach
/// ([`Deadlocks::mark_cycles`]). A search is cheaper than the pass for one root, and
/// stops at the first way back; many roots make searches quadratic. (Callgrind,
/// `scenarios/meta-2021.ron`, a deadlock in every trial: components for every search
/// cost 3× the searches.)
const FEW_ROOTS: usize = 4;

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
    /// Strongly connected components of the wait-for graph ([`Deadlocks::mark_cycles`]):
    /// each node's discovery index and low link in the search of generation `scc_gen`
    /// (`scc_seen`), whether it is on the component stack, and the generation in which it
    /// was found to lie on a cycle (`cyclic`).
    scc_gen: u32,
    scc_seen: Vec<u32>,
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
    cyclic: Vec<u32>,
    scc_stack: Vec<u32>,
    /// The depth-first search's frames (node, next successor, end of its successors in
    /// `succ`) and the successors of the nodes on it, one range per frame.
    frames: Vec<(u32, u32, u32)>,
    succ: Vec<u32>,
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
            // Sized at the first search: most trials never search.
            scc_gen: 0,
            scc_seen: Vec::new(),
            index: Vec::new(),
            low: Vec::new(),
            on_stack: Vec::new(),
            cyclic: Vec::new(),
            scc_stack: Vec::new(),
            frames: Vec::new(),
            succ: Vec::new(),
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
        let candidates = std::mem::take(&mut self.candidates);
        let mut members = std::mem::take(&mut self.members);
        self.on_cycles(w, &candidates, false, true, &mut members);
        let found = !members.is_empty();
        members.clear();
        self.candidates = candidates;
        self.candidates.clear();
        if found {
            // With alternatives, a cycle through one alternative is no deadlock while
            // enough of the others will return: keep to the nodes that will not.
            let stuck_only = w.c.has_alt;
            if stuck_only {
                self.settle_stuck(w);
            }
            self.on_cycles(w, w.blocked, stuck_only, false, &mut members);
        }
        self.members = members;
        &self.members
    }

    /// Pushes to `out`, in their order, those of `roots` that lie on a cycle of waits
    /// (with `first`, only the first such): one search from each while they are few (a
    /// search stops at the first way back, [`Deadlocks::in_cycle`]), one pass over the
    /// strongly connected components of what they reach ([`Deadlocks::mark_cycles`])
    /// when they are many. Debug builds check the components against the searches.
    fn on_cycles(
        &mut self,
        w: &WaitFor,
        roots: &[u32],
        stuck_only: bool,
        first: bool,
        out: &mut Vec<u32>,
    ) {
        if roots.len() <= FEW_ROOTS {
            keep(roots, first, out, |u| {
                self.in_cycle(w, u as usize, stuck_only)
            });
            return;
        }
        let g = self.mark_cycles(w, roots, stuck_only);
        #[cfg(debug_assertions)]
        let from = out.len();
        keep(roots, first, out, |u| self.cyclic[u as usize] == g);
        #[cfg(debug_assertions)]
        {
            let mut reference = Vec::new();
            keep(roots, first, &mut reference, |u| {
                self.in_cycle(w, u as usize, stuck_only)
            });
            assert_eq!(
                out[from..],
                reference[..],
                "on cycles: components, searches"
            );
        }
    }

    /// Finds the strongly connected components of the wait-for graph among the nodes
    /// `roots` reach (with `stuck_only`, through nodes [`Deadlocks::settle_stuck`] left
    /// stuck only, and from stuck roots only), by Tarjan's algorithm without recursion,
    /// and marks in `cyclic` with the returned generation every node that lies on a
    /// cycle: a component of two nodes or more, or one that waits for itself. A node
    /// lies on a cycle exactly when following its waits leads back to it
    /// ([`Deadlocks::in_cycle`]), so this answers that question for every root at once.
    ///
    /// # Complexity
    /// O(R + E) for the R nodes reached and the E waits among them, where a search per
    /// root costs O(roots × (R + E)): a recovery cycle through 10,000 services, every one
    /// of them blocked, took 0.5 s a trial with one search per blocked service.
    fn mark_cycles(&mut self, w: &WaitFor, roots: &[u32], stuck_only: bool) -> u32 {
        let nodes = w.c.n_nodes();
        if self.scc_seen.len() < nodes {
            self.scc_seen.resize(nodes, 0);
            self.index.resize(nodes, 0);
            self.low.resize(nodes, 0);
            self.on_stack.resize(nodes, false);
            self.cyclic.resize(nodes, 0);
        }
        if self.scc_gen == u32::MAX {
            // Generations wrapped: start the marks afresh rather than meet an old one.
            self.scc_seen.fill(0);
            self.cyclic.fill(0);
            self.scc_gen = 0;
        }
        self.scc_gen += 1;
        let g = self.scc_gen;
        let mut next = 0u32;
        for &root in roots {
            let root = root as usize;
            if self.scc_seen[root] == g || (stuck_only && self.live[root]) {
                continue;
            }
            self.open(w, root, g, &mut next, stuck_only);
            while let Some(&(v, i, end)) = self.frames.last() {
                let v = v as usize;
                if i < end {
                    self.frames.last_mut().expect("a frame").1 += 1;
                    let x = self.succ[i as usize] as usize;
                    if self.scc_seen[x] != g {
                        self.open(w, x, g, &mut next, stuck_only);
                    } else if self.on_stack[x] {
                        self.low[v] = self.low[v].min(self.index[x]);
                        if x == v {
                            // Waits for itself: a cycle of one.
                            self.cyclic[v] = g;
                        }
                    }
                    continue;
                }
                // Every successor of `v` done.
                self.frames.pop();
                let start = self.frames.last().map_or(0, |f| f.2 as usize);
                self.succ.truncate(start);
                if let Some(&(parent, _, _)) = self.frames.last() {
                    let p = parent as usize;
                    self.low[p] = self.low[p].min(self.low[v]);
                }
                if self.low[v] == self.index[v] {
                    // `v` roots a component: everything above it on the stack.
                    let at = (self.scc_stack.iter().rposition(|&y| y as usize == v))
                        .expect("a component's root is on the stack");
                    let big = self.scc_stack.len() - at > 1;
                    for k in at..self.scc_stack.len() {
                        let y = self.scc_stack[k] as usize;
                        self.on_stack[y] = false;
                        if big {
                            self.cyclic[y] = g;
                        }
                    }
                    self.scc_stack.truncate(at);
                }
            }
        }
        g
    }

    /// Enters node `x` in the search of generation `g`: numbers it, puts it on the
    /// component stack, and lists its waits (with `stuck_only`, those still stuck).
    fn open(&mut self, w: &WaitFor, x: usize, g: u32, next: &mut u32, stuck_only: bool) {
        self.scc_seen[x] = g;
        self.index[x] = *next;
        self.low[x] = *next;
        *next += 1;
        self.on_stack[x] = true;
        self.scc_stack.push(x as u32);
        let start = self.succ.len();
        w.push_waits(x, &mut self.succ);
        if stuck_only {
            let mut k = start;
            for j in start..self.succ.len() {
                if !self.live[self.succ[j] as usize] {
                    self.succ[k] = self.succ[j];
                    k += 1;
                }
            }
            self.succ.truncate(k);
        }
        self.frames
            .push((x as u32, start as u32, self.succ.len() as u32));
    }

    /// Marks in `live` which of the nodes the blocked services wait for (directly or not)
    /// will come back without a cycle being broken, as a least fixed point: a service that
    /// waits for nobody will; one that waits will once everything it waits for has; a
    /// gate will once fewer than `fails_at` of its members are down for good. The others
    /// are stuck: a cycle among them is a deadlock.
    ///
    /// # Complexity
    /// O(R + E) for the R nodes reached and the E waits among them: each node counts the
    /// waits it still needs to come back, and a node that comes back counts down the
    /// nodes waiting for it (a worklist). Only when a cycle was found, with alternatives.
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
        // The nodes reached, and each one's waits (`waits[offsets[k]..offsets[k + 1]]`
        // for `reach[k]`), with duplicates as `push_waits` gives them.
        let mut waits = Vec::new();
        let mut offsets = vec![0u32];
        while let Some(x) = self.stack.pop() {
            self.reach.push(x);
            self.live[x as usize] = false;
            let from = waits.len();
            w.push_waits(x as usize, &mut waits);
            for &y in &waits[from..] {
                if self.mark[y as usize] != g {
                    self.mark[y as usize] = g;
                    self.stack.push(y);
                }
            }
            offsets.push(waits.len() as u32);
        }
        // Each node's place in `reach`, and who waits for it (by place).
        let r = self.reach.len();
        let mut place = std::collections::HashMap::with_capacity(r);
        for (k, &x) in self.reach.iter().enumerate() {
            place.insert(x, k as u32);
        }
        let mut waiting_start = vec![0u32; r + 1];
        for &y in &waits {
            waiting_start[place[&y] as usize + 1] += 1;
        }
        for k in 0..r {
            waiting_start[k + 1] += waiting_start[k];
        }
        let mut fill = waiting_start.clone();
        let mut waiting = vec![0u32; waits.len()];
        for k in 0..r {
            for &y in &waits[offsets[k] as usize..offsets[k + 1] as usize] {
                let slot = &mut fill[place[&y] as usize];
                waiting[*slot as usize] = k as u32;
                *slot += 1;
            }
        }
        // How many more of its waits must come back before each node does: all of them
        // for a service, enough that fewer than `fails_at` stay down for a gate.
        let mut need: Vec<i64> = (0..r)
            .map(|k| {
                let len = i64::from(offsets[k + 1] - offsets[k]);
                let x = self.reach[k] as usize;
                if x >= n {
                    len - i64::from(c.gate_fails_at[x - n]) + 1
                } else {
                    len
                }
            })
            .collect();
        let mut work: Vec<u32> = (0..r as u32).filter(|&k| need[k as usize] <= 0).collect();
        while let Some(k) = work.pop() {
            let x = self.reach[k as usize] as usize;
            self.live[x] = true;
            let (a, b) = (waiting_start[k as usize], waiting_start[k as usize + 1]);
            for &p in &waiting[a as usize..b as usize] {
                let p = p as usize;
                need[p] -= 1;
                if need[p] == 0 {
                    work.push(p as u32);
                }
            }
        }
        #[cfg(debug_assertions)]
        {
            let fast: Vec<bool> = self.reach.iter().map(|&x| self.live[x as usize]).collect();
            self.settle_stuck_by_passes(w);
            let reference: Vec<bool> = self.reach.iter().map(|&x| self.live[x as usize]).collect();
            assert_eq!(fast, reference, "stuck nodes: worklist against passes");
        }
    }

    /// [`Deadlocks::settle_stuck`] by its definition over the nodes it reached (`reach`),
    /// a pass over them per node that comes back (O(R × (R + E))): the reference debug
    /// builds check it against.
    #[cfg(debug_assertions)]
    fn settle_stuck_by_passes(&mut self, w: &WaitFor) {
        let c = w.c;
        let n = c.n_services();
        // The nodes reached are those `settle_stuck` reached (`reach`).
        for &x in &self.reach {
            self.live[x as usize] = false;
        }
        let mut waits = Vec::new();
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
    /// `stuck_only`, through nodes that [`Deadlocks::settle_stuck`] left stuck only. The
    /// definition [`Deadlocks::mark_cycles`] computes for many nodes at once; debug
    /// builds check the two against each other whenever the components are used.
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

/// Pushes to `out`, in their order, the `roots` for which `on` holds; with `first`, only
/// the first of them (`on` is not asked about the rest).
fn keep(roots: &[u32], first: bool, out: &mut Vec<u32>, mut on: impl FnMut(u32) -> bool) {
    for &u in roots {
        if on(u) {
            out.push(u);
            if first {
                return;
            }
        }
    }
}
