//! Never-down counterfactuals, replayed from their base trial.
//!
//! `portal` asks, for every service `s` down in a trial, what the trial loses when `s` is
//! never down (`Overrides::never_down`), everything else drawn the same. Playing the whole
//! trial again costs `O(V)` per service and trial. Most of that trial is the same as the
//! base, and this module replays only what can differ, to the bit.
//!
//! # Why the replay is exact
//!
//! A trial has two layers. The *recovery* layer (replicas, tasks, crews, failover, rebuild,
//! hazards, fleets' instances) decides each service's own state; the *propagation* layer
//! (who is down through hard dependencies, grace, partial dependencies, substitutes,
//! accounting) follows from the own states. The recovery layer reads the propagation
//! layer in two places only: a task is blocked while a recovery need is down, and a task
//! in a recovery deadlock bypasses its needs. Random numbers are drawn per service by the
//! recovery layer alone, and `never_down` changes nothing there (the service still
//! restarts, fails over and holds crews).
//!
//! So when every need whose state the counterfactual could change keeps its base
//! trajectory, and no recovery deadlock can involve a changed service, the recovery layer
//! of the counterfactual is the base's, task for task, crews included. What changes is
//! the propagation among the services that observe `s`: the set `D` grown from `s` along
//! reversed `depends_on` (hard and partial) and substitute edges, through services that
//! were *affected* (down or degraded at some time) in the base trial. A service that was
//! never affected in the base is not affected in the counterfactual either (with own states
//! fixed, propagation is monotone: making `s` never down removes down states, never adds
//! them), so the change cannot travel through it; a service outside `D` observes nothing
//! that changes.
//!
//! The replay plays a small trial over `D` and the services `D` observes (the boundary):
//! each member of `D` gets its own state (and a fleet's lost share) set at the times the
//! base trial recorded them ([`super::trace`]); each boundary service, which has no
//! dependency of its own there, gets its down state at the times the base recorded. The
//! engine's own propagation and accounting do the rest, so the members' losses are those
//! of the full counterfactual. The total is re-summed in service order over the base's
//! non-zero losses with the members' replaced, the float sum the full trial makes.
//!
//! Falls back to the full re-simulation (the reference, [`NeverDown::full`]) when:
//! * `s` is a recovery need of some service: never down, it unblocks their tasks;
//! * a member of `D` is a recovery need and its replayed down-trajectory differs from
//!   the base's;
//! * a member of `D` lies on a cycle of "waits for" edges (recovery needs and hard
//!   dependencies), where a recovery deadlock can form. A deadlock cycle through a member
//!   contains only services that reach it, so one outside those cycles cannot change the
//!   deadlocks of the trial;
//! * the base trial had two instants at the same time (a zero-length state the replay
//!   cannot place).
//!
//! Crews need no check: the recovery layer, and so every task's hold on a crew, is the
//! base's whenever the replay is used.
//!
//! # Complexity
//! Per counterfactual: `O(|D| + boundary + their changes · log)` for the replay, plus
//! `O(non-zero base losses)` for the exact total; a service whose change reaches nobody
//! and that has no partial dependency and is not a fleet costs only the total. The base
//! trial records its changes in `O(changes)`, and indexes them by service in `O(V)`.

use super::compiled::{CFleet, CMode, CSub, Compiled, Csr, Edge, Overrides, ReverseEdge, NONE};
use super::outcome::Outcome;
use super::trace::{DownChange, OwnChange};
use super::trial::Trial;

/// Which services can take part in a recovery deadlock: those on a cycle of "waits for"
/// edges (recovery needs and hard dependencies). `O(V + E)`.
pub fn deadlock_capable(c: &Compiled) -> Vec<bool> {
    use petgraph::graph::DiGraph;
    let n = c.n_services();
    let mut g = DiGraph::<(), ()>::with_capacity(n, c.deps.items.len() + c.needs.items.len());
    for _ in 0..n {
        g.add_node(());
    }
    let mut capable = vec![false; n];
    let node = petgraph::graph::NodeIndex::new;
    for (s, itself) in capable.iter_mut().enumerate() {
        let hard = c.deps.row(s).iter().filter(|e| e.share >= 1.0).map(|e| e.on);
        for x in hard.chain(c.needs.row(s).iter().copied()) {
            g.add_edge(node(s), node(x as usize), ());
            *itself |= x as usize == s;
        }
    }
    for scc in petgraph::algo::tarjan_scc(&g) {
        if scc.len() > 1 {
            for v in scc {
                capable[v.index()] = true;
            }
        }
    }
    capable
}

/// How a counterfactual was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// Its change reaches nobody: only the total was re-summed.
    Alone,
    /// Replayed over the services it can change.
    Replayed,
    /// The whole trial played again.
    Full,
}

/// One never-down counterfactual of the base trial.
#[derive(Debug, Clone, Copy)]
pub struct Counterfactual {
    /// Total user-hours lost with the service never down.
    pub total: f64,
    /// The service's own user-hours lost when it is never down.
    pub own: f64,
    pub path: Path,
}

/// The base trial's changes of one kind, grouped by service in time order.
#[derive(Debug)]
struct ByService<T> {
    offsets: Vec<u32>,
    items: Vec<T>,
}

impl<T> Default for ByService<T> {
    fn default() -> Self {
        ByService {
            offsets: Vec::new(),
            items: Vec::new(),
        }
    }
}

impl<T: Copy> ByService<T> {
    fn build(&mut self, n: usize, changes: &[T], service: impl Fn(&T) -> u32) {
        self.offsets.clear();
        self.offsets.resize(n + 2, 0);
        for ch in changes {
            self.offsets[service(ch) as usize + 2] += 1;
        }
        for i in 2..self.offsets.len() {
            self.offsets[i] += self.offsets[i - 1];
        }
        self.items.clear();
        if let Some(&first) = changes.first() {
            self.items.resize(changes.len(), first);
        }
        for ch in changes {
            let slot = &mut self.offsets[service(ch) as usize + 1];
            self.items[*slot as usize] = *ch;
            *slot += 1;
        }
    }

    fn row(&self, s: usize) -> &[T] {
        &self.items[self.offsets[s] as usize..self.offsets[s + 1] as usize]
    }
}

/// Plays base trials and their never-down counterfactuals: each replayed when that is
/// exact (see the module docs), else played in full.
pub struct NeverDown<'c> {
    c: &'c Compiled,
    capable: &'c [bool],
    base: Trial<'c>,
    full: Trial<'c>,
    /// The base trial's non-zero losses in service order, and their running sums
    /// (`sums[j]`: the first `j` of them added in order).
    nonzero: Vec<(u32, f64)>,
    sums: Vec<f64>,
    own: ByService<OwnChange>,
    down: ByService<DownChange>,
    /// Scratch, by service: the generation that last marked it, and its index in the
    /// replayed trial.
    mark: Vec<u32>,
    gen: u32,
    local: Vec<u32>,
    members: Vec<u32>,
    nodes: Vec<u32>,
    stack: Vec<u32>,
    changes: Vec<OwnChange>,
    /// The members' losses in the last replay, in service order.
    losses: Vec<(u32, f64)>,
}

impl<'c> NeverDown<'c> {
    /// `capable`: [`deadlock_capable`] of `c`.
    pub fn new(c: &'c Compiled, capable: &'c [bool]) -> Self {
        let n = c.n_services();
        let mut base = Trial::new(c);
        base.record(true);
        NeverDown {
            c,
            capable,
            base,
            full: Trial::new(c),
            nonzero: Vec::new(),
            sums: Vec::new(),
            own: ByService::default(),
            down: ByService::default(),
            mark: vec![0; n],
            gen: 0,
            local: vec![NONE; n],
            members: Vec::new(),
            nodes: Vec::new(),
            stack: Vec::new(),
            changes: Vec::new(),
            losses: Vec::new(),
        }
    }

    /// Plays base trial `index` of seed `seed` and records what its counterfactuals need.
    pub fn base(&mut self, seed: u64, index: u64) -> &Outcome {
        self.base.run(seed, index);
        let n = self.c.n_services();
        let o = &self.base.outcome;
        self.nonzero.clear();
        self.sums.clear();
        let mut total = 0.0;
        self.sums.push(total);
        for (s, &uh) in o.user_hours_lost.iter().enumerate() {
            if uh != 0.0 {
                self.nonzero.push((s as u32, uh));
                total += uh;
                self.sums.push(total);
            }
        }
        let trace = self.base.trace();
        self.own.build(n, &trace.own, |ch| ch.service);
        self.down.build(n, &trace.down, |ch| ch.service);
        &self.base.outcome
    }

    /// The base trial last played.
    pub fn outcome(&self) -> &Outcome {
        &self.base.outcome
    }

    /// The counterfactual of the base trial with service `s` never down.
    pub fn never_down(&mut self, s: usize, seed: u64, index: u64) -> Counterfactual {
        match self.replay(s) {
            Some(cf) => cf,
            None => self.full(s, seed, index),
        }
    }

    /// The same counterfactual played in full: the reference the replay is checked
    /// against. `seed` and `index` must be the base trial's.
    pub fn full(&mut self, s: usize, seed: u64, index: u64) -> Counterfactual {
        self.full.overrides_mut().never_down[s] = true;
        self.full.run(seed, index);
        self.full.overrides_mut().never_down[s] = false;
        let o = &self.full.outcome;
        Counterfactual {
            total: o.total_user_hours_lost,
            own: o.user_hours_lost[s],
            path: Path::Full,
        }
    }

    /// Service `x`'s loss in the counterfactual last computed by [`NeverDown::never_down`]
    /// (`path` is what it returned).
    pub fn loss(&self, path: Path, x: usize) -> f64 {
        match path {
            Path::Full => self.full.outcome.user_hours_lost[x],
            Path::Alone | Path::Replayed => {
                match self.losses.binary_search_by_key(&(x as u32), |l| l.0) {
                    Ok(i) => self.losses[i].1,
                    Err(_) => self.base.outcome.user_hours_lost[x],
                }
            }
        }
    }

    fn affected(&self, x: usize) -> bool {
        let o = &self.base.outcome;
        o.downtime[x] > 0.0 || o.degraded[x] > 0.0 || !o.restored_at[x].is_nan()
    }

    /// A fresh generation `g` for the marks: `g` marks the members, `g + 1` the services
    /// they observe.
    fn next_gen(&mut self) -> u32 {
        self.gen = self.gen.wrapping_add(2);
        if self.gen < 2 {
            self.mark.fill(0);
            self.gen = 2;
        }
        self.gen
    }

    /// The replayed counterfactual, or `None` when only the full one is exact.
    fn replay(&mut self, s: usize) -> Option<Counterfactual> {
        let c = self.c;
        if self.base.trace().repeated_instant || !c.needed_by.row(s).is_empty() {
            return None;
        }
        // The members: grown from `s` through affected services.
        let g = self.next_gen();
        self.members.clear();
        self.stack.clear();
        self.mark[s] = g;
        self.stack.push(s as u32);
        while let Some(x) = self.stack.pop() {
            let x = x as usize;
            if self.capable[x] {
                return None;
            }
            self.members.push(x as u32);
            for i in c.dependents.range(x) {
                let f = c.dependents.items[i].from as usize;
                if self.mark[f] != g && self.affected(f) {
                    self.mark[f] = g;
                    self.stack.push(f as u32);
                }
            }
            for &f in c.subbed_by.row(x) {
                let f = f as usize;
                if self.mark[f] != g && self.affected(f) {
                    self.mark[f] = g;
                    self.stack.push(f as u32);
                }
            }
        }
        self.losses.clear();
        let (total, own, path) = if self.members.len() == 1
            && c.fleet_of[s] == NONE
            && c.deps.row(s).iter().all(|e| e.share >= 1.0)
        {
            // Never down, never degraded: it loses nothing, and nobody else changes.
            self.losses.push((s as u32, 0.0));
            (self.total(), 0.0, Path::Alone)
        } else {
            self.members.sort_unstable();
            let sub = self.restricted(s, g);
            let mut t = Trial::new(&sub);
            let check = self
                .members
                .iter()
                .any(|&x| !c.needed_by.row(x as usize).is_empty());
            t.record(check);
            t.replay(&self.changes);
            if check && !self.same_needs(&sub, t.trace().down.as_slice()) {
                return None;
            }
            for &x in &self.members {
                let l = self.local[x as usize] as usize;
                self.losses.push((x, t.outcome.user_hours_lost[l]));
            }
            let own = t.outcome.user_hours_lost[self.local[s] as usize];
            (self.total(), own, Path::Replayed)
        };
        Some(Counterfactual { total, own, path })
    }

    /// Whether every member that some service needs went down and up at the same times
    /// in the replay (`down`, indexed in the restricted trial) as in the base.
    fn same_needs(&self, sub: &Compiled, down: &[DownChange]) -> bool {
        let c = self.c;
        let mut replayed = ByService::default();
        replayed.build(sub.n_services(), down, |ch| ch.service);
        self.members.iter().all(|&x| {
            let x = x as usize;
            if c.needed_by.row(x).is_empty() {
                return true;
            }
            let base = self.down.row(x);
            let again = replayed.row(self.local[x] as usize);
            base.len() == again.len()
                && base
                    .iter()
                    .zip(again)
                    .all(|(a, b)| a.at == b.at && a.down == b.down)
        })
    }

    /// The total with the members' losses (`self.losses`, in service order) in place of
    /// the base's: the same additions in the same order as `Outcome::finish`, zeros left
    /// out (adding a zero to a sum of losses changes no bit of it).
    fn total(&self) -> f64 {
        let Some(&(first, _)) = self.losses.first() else {
            return *self.sums.last().unwrap_or(&0.0);
        };
        let mut j = self.nonzero.partition_point(|&(x, _)| x < first);
        let mut total = self.sums[j];
        let mut i = 0;
        while j < self.nonzero.len() || i < self.losses.len() {
            let nx = self.nonzero.get(j).map_or(u32::MAX, |v| v.0);
            let lx = self.losses.get(i).map_or(u32::MAX, |v| v.0);
            let uh = if lx <= nx {
                i += 1;
                if lx == nx {
                    j += 1;
                }
                self.losses[i - 1].1
            } else {
                j += 1;
                self.nonzero[j - 1].1
            };
            if uh != 0.0 {
                total += uh;
            }
        }
        total
    }

    /// The restricted model of the members (`self.members`, sorted) and the services they
    /// observe, in service order, with `s` never down; fills `self.local` and
    /// `self.changes` (the recorded changes to replay, in time order).
    fn restricted(&mut self, s: usize, g: u32) -> Compiled {
        let c = self.c;
        // Nodes: the members (marked `g`) and the services they observe (marked `g + 1`),
        // in service order.
        self.nodes.clear();
        self.nodes.extend_from_slice(&self.members);
        for i in 0..self.members.len() {
            let x = self.members[i] as usize;
            for e in c.deps.row(x) {
                self.boundary(e.on, g);
            }
            for sub in c.subs.row(x) {
                if sub.to != NONE {
                    self.boundary(sub.to, g);
                }
            }
        }
        self.nodes.sort_unstable();
        for (l, &x) in self.nodes.iter().enumerate() {
            self.local[x as usize] = l as u32;
        }
        let m = self.nodes.len();
        let is_member = |x: u32, mark: &[u32]| mark[x as usize] == g;
        let mut deps_rows = Vec::with_capacity(m);
        let mut hard_rank = Vec::new();
        let mut cause_offsets = vec![0u32];
        let mut subs_rows = Vec::with_capacity(m);
        let mut fleet_of = vec![NONE; m];
        let mut fleets = Vec::new();
        self.changes.clear();
        for (l, &x) in self.nodes.iter().enumerate() {
            let xi = x as usize;
            let last = *cause_offsets.last().unwrap_or(&0);
            if is_member(x, &self.mark) {
                let row: Vec<Edge> = c
                    .deps
                    .row(xi)
                    .iter()
                    .map(|e| Edge {
                        on: self.local[e.on as usize],
                        ..*e
                    })
                    .collect();
                hard_rank.extend_from_slice(&c.hard_rank[c.deps.range(xi)]);
                cause_offsets.push(last + c.cause_offsets[xi + 1] - c.cause_offsets[xi]);
                deps_rows.push(row);
                subs_rows.push(
                    c.subs
                        .row(xi)
                        .iter()
                        .map(|sub| CSub {
                            to: if sub.to == NONE {
                                NONE
                            } else {
                                self.local[sub.to as usize]
                            },
                            ..*sub
                        })
                        .collect::<Vec<_>>(),
                );
                if c.fleet_of[xi] != NONE {
                    fleet_of[l] = fleets.len() as u32;
                    fleets.push(CFleet {
                        service: l as u32,
                        instances: c.instances(xi),
                        replicas: 0,
                        slots: 0,
                        slot_base: 0,
                        inst_base: 0,
                        hz_base: 0,
                    });
                }
                self.changes
                    .extend(self.own.row(xi).iter().map(|ch| OwnChange {
                        service: l as u32,
                        ..*ch
                    }));
            } else {
                cause_offsets.push(last + 1);
                deps_rows.push(Vec::new());
                subs_rows.push(Vec::new());
                self.changes
                    .extend(self.down.row(xi).iter().map(|ch| OwnChange {
                        at: ch.at,
                        service: l as u32,
                        down: ch.down,
                        share: 0.0,
                    }));
            }
        }
        // Stable: a service's changes keep their order (at most one per instant anyway).
        self.changes.sort_by(|a, b| a.at.total_cmp(&b.at));
        let deps = Csr::from_rows(deps_rows);
        let mut rev: Vec<Vec<ReverseEdge>> = vec![Vec::new(); m];
        for l in 0..m {
            for ei in deps.range(l) {
                rev[deps.items[ei].on as usize].push(ReverseEdge {
                    from: l as u32,
                    edge: ei as u32,
                });
            }
        }
        let subs = Csr::from_rows(subs_rows);
        let mut sb: Vec<Vec<u32>> = vec![Vec::new(); m];
        for l in 0..m {
            for sub in subs.row(l) {
                if sub.to != NONE {
                    sb[sub.to as usize].push(l as u32);
                }
            }
        }
        fn empty<T>(m: usize) -> Csr<T> {
            Csr::from_rows((0..m).map(|_| Vec::new()))
        }
        let mut overrides = Overrides::none(m, 0);
        overrides.never_down[self.local[s] as usize] = true;
        Compiled {
            horizon: c.horizon,
            dists: Vec::new(),
            site_enter: Vec::new(),
            site_exit: Vec::new(),
            tour: Vec::new(),
            site_hazards: Csr::from_rows(std::iter::empty::<Vec<_>>()),
            tour_replicas: Vec::new(),
            tour_replica_start: vec![0],
            replica_site: Vec::new(),
            replica_service: Vec::new(),
            svc_replicas: empty(m),
            users: self.nodes.iter().map(|&x| c.users[x as usize]).collect(),
            weight: self.nodes.iter().map(|&x| c.weight[x as usize]).collect(),
            total_weight: c.total_weight,
            mode: vec![CMode::ActiveActive { min: 1 }; m],
            restart: vec![NONE; m],
            rebuild_takes: vec![NONE; m],
            rebuild_to: empty(m),
            deps,
            dependents: Csr::from_rows(rev),
            hard_rank,
            cause_offsets,
            needs: empty(m),
            needed_by: empty(m),
            svc_hazards: empty(m),
            has_fleet: c.has_fleet,
            fleet_of,
            fleets,
            n_fleet_slots: 0,
            n_fleet_insts: 0,
            n_fleet_hz: 0,
            priority: vec![0; m],
            svc_key: vec![0; m],
            events: Vec::new(),
            crews: None,
            bootstrap: None,
            has_partial: c.has_partial,
            subs,
            subbed_by: Csr::from_rows(sb),
            has_subs: c.has_subs,
            overrides,
        }
    }

    /// Adds service `x` to the nodes if it is neither a member nor already there.
    fn boundary(&mut self, x: u32, g: u32) {
        let m = &mut self.mark[x as usize];
        if *m != g && *m != g + 1 {
            *m = g + 1;
            self.nodes.push(x);
        }
    }
}
