//! Never-down counterfactuals, replayed from their base trial.
//!
//! `portal` asks, for every service `s` down in a trial, what the trial loses when `s` is
//! never down (`Overrides::never_down`), everything else drawn the same. Playing the whole
//! trial again costs `O(V)` per service and trial, `O(V²)` per trial in a large outage.
//! Most of that trial is the base again; this module replays only what can differ, and
//! gets the full trial's numbers to the bit.
//!
//! # Why the replay is exact
//!
//! A trial has two layers. The *recovery* layer (replicas, tasks, crews, failover,
//! rebuild, hazards, fleets' instances) decides each service's own state; the
//! *propagation* layer (who is down through hard dependencies and graces, partial
//! dependencies, substitutes, accounting) follows from the own states. The recovery layer
//! reads the propagation layer in two places only: a task is blocked while one of its
//! service's recovery needs is down, and a task in a recovery deadlock bypasses its needs.
//! Random numbers are drawn per service, by the recovery layer alone; `never_down` changes
//! nothing there (the service still restarts, fails over and holds crews).
//!
//! So when no need can change state and no deadlock can change (the checks below), the
//! counterfactual's recovery layer is the base's, task for task, every hold on a crew
//! included, and only the propagation can differ. With own states fixed, propagation is
//! monotone: making `s` never down removes down states and never adds any. A service
//! never down or degraded in the base trial (not *affected*) is therefore never down or
//! degraded in the counterfactual, and a change cannot travel through it. The services
//! that can change, the *members*, are those grown from `s` along reversed `depends_on`
//! edges (hard and partial) and substitute edges through affected services; a service
//! outside them observes only services that do not change.
//!
//! The replay is a small trial over the members and the services they observe that were
//! down at some time in the base (observing a service that is never down changes
//! nothing, so those edges are left out, and a substitute never down serves like one
//! outside the scenario). Each member gets its own state (and a fleet's lost share) set
//! at the times the base recorded ([`super::trace`]); each observed service, which has no
//! dependency of its own there, gets its down state at the times the base recorded. The
//! engine's own propagation and accounting do the rest. Within one instant, what the
//! engine computes for a service does not depend on the order in which the changes of
//! different services are applied, so a trial holding fewer services computes the same
//! bits for the ones it holds. The total is summed again in service order over the base's
//! non-zero losses, the members' in place of theirs: the additions the full trial makes.
//!
//! Counterfactuals whose members do not overlap and do not observe each other's members
//! cannot interact, so they share one replayed trial (a *layer*, each with its service
//! never down): a base trial's hundreds of counterfactuals take a few replays.
//!
//! The full re-simulation (the reference, [`NeverDown::full`]) is played instead when:
//! * `s` is a recovery need of some service: never down, it unblocks their tasks;
//! * a member is a recovery need and its replayed down-trajectory is not the base's;
//! * a member lies on a cycle of "waits for" edges (recovery needs and hard
//!   dependencies; [`deadlock_capable`]). A deadlock cycle contains only services on such
//!   a cycle, so with no member on one, every cycle, and every deadlock found, is the
//!   base's, and a member's wait-for edges close none;
//! * the base trial had two instants at the same time (a zero-length state the replay
//!   could not place at its own instant).
//!
//! # Alternatives
//! A dependency on alternatives (`AnyOf`) is a gate, a node of the propagation down while
//! enough of its members are. A member observes its gates' members: the services a
//! change reaches include the dependents of the gates of a changed service, and the
//! replayed trial holds the gates its members depend on, with those of their members
//! that were ever down in the base (one never down counts for nothing in either trial).
//! [`deadlock_capable`] counts a gate as waiting for its members.
//!
//! # Always-down sites
//! `importance` asks what a trial loses with a site down for the whole horizon
//! (`Overrides::site_always_down`). That changes the recovery of the services with a
//! replica in the site, so [`NeverDown::always_down`] computes their own states from the
//! base's record (with [`NeverDown::record_recovery`]: each service's count of original
//! replicas up, the sites taken down, the live tasks, the active–standby services found
//! with their serving replica down) where they follow from it exactly, and replays the
//! services that observe a changed one, through any service (being down more can reach
//! services never affected in the base). It holds when the site's replicas were up all
//! along in the base (no site above, in or under it went down), and then, for each
//! service with a replica there:
//! * active–active (`min`): down when the base has it down or fewer than `min` of its
//!   other replicas up; no task or draw of its changes;
//! * active–standby serving from elsewhere, never found with its serving replica down in
//!   the base: unchanged;
//! * active–standby serving from the site, with nothing of its own changing in the base
//!   (replicas up, no failure): it fails over at 0 to the next replica outside the site,
//!   the work and outcome drawn first from its stream after its hazards' first failures,
//!   as the engine draws them; the failover's needs must be up until it is done and
//!   untouched by the change, and, with crews, the live tasks plus the failovers still
//!   running must never outnumber the crews, so that every task runs as it did in the
//!   base (ties are broken by creation order, which the failovers keep among the base's
//!   tasks);
//! * anything else (fleets, rebuilds, a rebuild into the site): the full trial.
//!
//! The checks on needs, deadlocks and instants are those above. Otherwise the full trial
//! is played. `tests/it/replay.rs` checks every replayed one to the bit.
//!
//! # Complexity
//! Per base trial: `O(V + changes)` to index the record. Per counterfactual: its members,
//! their edges and their recorded changes (`· log` in the replay's event queue), plus
//! `O(non-zero base losses)` for the exact total. A service whose change reaches nobody,
//! with no partial dependency and not a fleet, costs only the total. An always-down
//! counterfactual: its site's services and their recorded changes, then as above.
//!
//! The totals are the one part that grows as counterfactuals × losses: each is a chain of
//! additions from its first changed service to the last loss. A base trial's never-down
//! totals are re-summed together ([`Sweep`]): one pass over the base's losses adds each to
//! every chain running there, independent sums the compiler turns into vector additions,
//! with the same additions per total in the same order (on the 10,000-service generated
//! graph, the totals took 11 % of `portal`'s time one at a time, 7 % together).

use super::compiled::{CFleet, CMode, CSub, Compiled, Csr, Edge, Overrides, ReverseEdge, NONE};
use super::outcome::Outcome;
use super::trace::{DownChange, OwnChange, UpChange};
use super::trial::Trial;

/// Which services can take part in a recovery deadlock: those on a cycle of "waits for"
/// edges (recovery needs and hard dependencies). `O(V + E)`.
pub fn deadlock_capable(c: &Compiled) -> Vec<bool> {
    use petgraph::graph::DiGraph;
    let n = c.n_services();
    let nn = c.n_nodes();
    let mut g = DiGraph::<(), ()>::with_capacity(nn, c.deps.items.len() + c.needs.items.len());
    for _ in 0..nn {
        g.add_node(());
    }
    let mut capable = vec![false; n];
    let node = petgraph::graph::NodeIndex::new;
    for (s, itself) in capable.iter_mut().enumerate() {
        let hard = c
            .deps
            .row(s)
            .iter()
            .filter(|e| e.share >= 1.0)
            .map(|e| e.on);
        for x in hard.chain(c.needs.row(s).iter().copied()) {
            g.add_edge(node(s), node(x as usize), ());
            *itself |= x as usize == s;
        }
    }
    // A gate waits for its members.
    for k in 0..nn - n {
        for &y in c.gate_members.row(k) {
            g.add_edge(node(n + k), node(y as usize), ());
        }
    }
    for scc in petgraph::algo::tarjan_scc(&g) {
        if scc.len() > 1 {
            for v in scc.into_iter().filter(|v| v.index() < n) {
                capable[v.index()] = true;
            }
        }
    }
    capable
}

/// A service with original replicas in a site, as the site's always-down counterfactual
/// ([`NeverDown::always_down`]) sees it.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub service: u32,
    /// How many of its original replicas lie in the site.
    pub replicas: u32,
    /// Whether its first replica (the one an active–standby service serves from at the
    /// start) lies in the site.
    pub first: bool,
}

/// What a site's always-down counterfactual changes first.
#[derive(Debug, Clone)]
pub struct Hits {
    /// The services with an original replica in the site or inside it, in service order.
    pub services: Vec<Hit>,
    /// Whether some service may rebuild its replica into the site or inside it.
    pub rebuilds_into: bool,
}

/// What the always-down counterfactual of `site` changes first.
pub fn hits(c: &Compiled, site: usize) -> Hits {
    let mut hits: Vec<Hit> = Vec::new();
    let mut reps: Vec<u32> = c.subtree_replicas(site).to_vec();
    reps.sort_unstable();
    for r in reps {
        let s = c.replica_service[r as usize];
        let first = c.svc_replicas.offsets[s as usize] == r;
        match hits.last_mut() {
            Some(h) if h.service == s => {
                h.replicas += 1;
                h.first |= first;
            }
            _ => hits.push(Hit {
                service: s,
                replicas: 1,
                first,
            }),
        }
    }
    Hits {
        services: hits,
        rebuilds_into: (c.rebuild_to.items.iter()).any(|&x| c.within(x, site as u32)),
    }
}

/// The services that observe service `x`: its dependents, directly or through the gates
/// of alternatives it is a member of (a service may come twice), and the users of it as
/// a substitute.
fn observers(c: &Compiled, x: usize) -> impl Iterator<Item = u32> + '_ {
    let through_gates = c
        .gates_of
        .row(x)
        .iter()
        .flat_map(|&gt| c.dependents.row(gt as usize));
    let dependents = c.dependents.row(x).iter().chain(through_gates);
    dependents
        .map(|re| re.from)
        .chain(c.subbed_by.row(x).iter().copied())
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

/// One counterfactual of the current base trial, as planned.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// The service never down.
    s: u32,
    path: Path,
    /// Its members, then the services they observe, in `NeverDown::sets`, each in service
    /// order; its members' losses in `NeverDown::losses`.
    members: (u32, u32),
    boundary: (u32, u32),
    losses: (u32, u32),
    /// The replayed trial it shares with others whose members observe none of its.
    layer: u32,
}

/// Replayed trials one base trial's counterfactuals are packed into: one per bit.
const LAYERS: u32 = 64;

/// Plays base trials and their never-down counterfactuals: each replayed when that is
/// exact (see the module docs), else played in full.
///
/// Counterfactuals whose members neither overlap nor observe each other's members do not
/// interact, so they share one replayed trial (a *layer*), with every one of their
/// services never down: a base trial's hundreds of counterfactuals take a few replays.
pub struct NeverDown<'c> {
    c: &'c Compiled,
    capable: &'c [bool],
    base: Trial<'c>,
    full: Trial<'c>,
    /// The services with a non-zero loss in the base trial, in service order, their
    /// losses, and the running sums (`sums[j]`: the first `j` losses added in order).
    nonzero: Vec<u32>,
    values: Vec<f64>,
    sums: Vec<f64>,
    own: ByService<OwnChange>,
    down: ByService<DownChange>,
    /// Per service: whether it was down or degraded at some time in the base trial; for
    /// those, the affected services that observe it (dependents and substitutes' users).
    affected: Vec<bool>,
    watchers: ByService<(u32, u32)>,
    pairs: Vec<(u32, u32)>,
    plans: Vec<Plan>,
    sets: Vec<u32>,
    /// The members' losses, per plan in service order.
    losses: Vec<(u32, f64)>,
    results: Vec<Counterfactual>,
    /// Scratch for the totals of [`NeverDown::never_down`]: every plan's (service, plan,
    /// loss), the totals by plan, and the sweep that re-sums them.
    events: Vec<(u32, u32, f64)>,
    bucket: Vec<u32>,
    totals: Vec<f64>,
    sweep: Sweep,
    /// Scratch, by service: the generation that last marked it, its index in a replayed
    /// trial, and the layers where it is a member and where it is observed.
    mark: Vec<u32>,
    gen: u32,
    local: Vec<u32>,
    in_layer: Vec<(u64, u64)>,
    layered: Vec<u32>,
    stack: Vec<u32>,
    nodes: Vec<u32>,
    changes: Vec<OwnChange>,
    /// The replayed plans, by layer: (layer, plan).
    order: Vec<(u32, u32)>,
    /// With the recovery record on: each service's count of original replicas up.
    ups: ByService<UpChange>,
    /// An always-down counterfactual's own states of the services it changes (those
    /// marked `swap_gen` in `swap_mark`, at `swap_range` in `swapped`), replayed in place
    /// of the base's.
    swapped: Vec<OwnChange>,
    swap_mark: Vec<u32>,
    swap_range: Vec<(u32, u32)>,
    swap_gen: u32,
    /// Per service, whether the base found it (active–standby) with its serving replica
    /// down; the services marked.
    unserved: Vec<bool>,
    unserved_list: Vec<u32>,
    /// Scratch for a replayed trial's gates: the gates (as nodes), and each gate's node
    /// there (`NONE` when not in it).
    gates: Vec<u32>,
    gate_local: Vec<u32>,
    /// An always-down counterfactual's failover tasks: (work, service).
    extra: Vec<(f64, u32)>,
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
            values: Vec::new(),
            sums: Vec::new(),
            own: ByService::default(),
            down: ByService::default(),
            affected: vec![false; n],
            watchers: ByService::default(),
            pairs: Vec::new(),
            plans: Vec::new(),
            sets: Vec::new(),
            losses: Vec::new(),
            results: Vec::new(),
            events: Vec::new(),
            bucket: Vec::new(),
            totals: Vec::new(),
            sweep: Sweep::default(),
            mark: vec![0; n],
            gen: 0,
            local: vec![NONE; n],
            in_layer: vec![(0, 0); n],
            layered: Vec::new(),
            stack: Vec::new(),
            nodes: Vec::new(),
            changes: Vec::new(),
            order: Vec::new(),
            ups: ByService::default(),
            swapped: Vec::new(),
            swap_mark: vec![0; n],
            swap_range: vec![(0, 0); n],
            swap_gen: 0,
            extra: Vec::new(),
            gates: Vec::new(),
            gate_local: vec![NONE; c.n_nodes() - n],
            unserved: vec![false; n],
            unserved_list: Vec::new(),
        }
    }

    /// Records what [`NeverDown::always_down`] reads in every base trial from now on.
    pub fn record_recovery(&mut self) {
        self.base.record_recovery(true);
    }

    /// The base trial last played.
    pub fn base_trial(&self) -> &Trial<'c> {
        &self.base
    }

    /// Plays base trial `index` of seed `seed` and records what its counterfactuals need.
    pub fn base(&mut self, seed: u64, index: u64) -> &Outcome {
        self.base.run(seed, index);
        let n = self.c.n_services();
        let o = &self.base.outcome;
        self.nonzero.clear();
        self.values.clear();
        self.sums.clear();
        let mut total = 0.0;
        self.sums.push(total);
        for (s, &uh) in o.user_hours_lost.iter().enumerate() {
            if uh != 0.0 {
                self.nonzero.push(s as u32);
                self.values.push(uh);
                total += uh;
                self.sums.push(total);
            }
        }
        let trace = self.base.trace();
        self.own.build(n, &trace.own, |ch| ch.service);
        self.down.build(n, &trace.down, |ch| ch.service);
        self.ups.build(n, &trace.ups, |ch| ch.service);
        for s in self.unserved_list.drain(..) {
            self.unserved[s as usize] = false;
        }
        for &s in &trace.unserved {
            if !self.unserved[s as usize] {
                self.unserved[s as usize] = true;
                self.unserved_list.push(s);
            }
        }
        let c = self.c;
        let o = &self.base.outcome;
        for (x, a) in self.affected.iter_mut().enumerate() {
            *a = o.downtime[x] > 0.0 || o.degraded[x] > 0.0 || !o.restored_at[x].is_nan();
        }
        let affected = &self.affected;
        let mut pairs = std::mem::take(&mut self.pairs);
        pairs.clear();
        for x in (0..n).filter(|&x| affected[x]) {
            for f in observers(c, x) {
                if affected[f as usize] {
                    pairs.push((x as u32, f));
                }
            }
        }
        self.watchers.build(n, &pairs, |p| p.0);
        self.pairs = pairs;
        self.plans.clear();
        &self.base.outcome
    }

    /// The base trial last played.
    pub fn outcome(&self) -> &Outcome {
        &self.base.outcome
    }

    /// The counterfactuals of the base trial (`seed`, `index`: the base's) with each of
    /// `services` never down, one at a time, in that order.
    pub fn never_down(&mut self, services: &[u32], seed: u64, index: u64) -> &[Counterfactual] {
        self.next_swap();
        self.sets.clear();
        self.losses.clear();
        self.plans.clear();
        for &s in services {
            let plan = self.plan(s as usize);
            self.plans.push(plan);
        }
        for &x in &self.layered {
            self.in_layer[x as usize] = (0, 0);
        }
        self.layered.clear();
        // The replayed plans by layer.
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        order.extend(
            (self.plans.iter().enumerate())
                .filter(|(_, p)| p.path == Path::Replayed)
                .map(|(k, p)| (p.layer, k as u32)),
        );
        order.sort_unstable();
        let mut layer = Vec::new();
        for group in order.chunk_by(|a, b| a.0 == b.0) {
            layer.clear();
            layer.extend(group.iter().map(|x| x.1));
            self.replay_layer(&layer);
        }
        self.order = order;
        // Every total re-summed at once: the replayed and alone plans' losses by service
        // (a counting sort; within a service, by plan).
        let mut events = std::mem::take(&mut self.events);
        let at = &mut self.bucket;
        at.clear();
        at.resize(self.c.n_services() + 1, 0);
        let replaced = || {
            (self.plans.iter().enumerate())
                .filter(|(_, p)| p.path != Path::Full)
                .flat_map(|(k, p)| {
                    let losses = &self.losses[p.losses.0 as usize..p.losses.1 as usize];
                    losses.iter().map(move |&(x, uh)| (x, k as u32, uh))
                })
        };
        for (x, _, _) in replaced() {
            at[x as usize + 1] += 1;
        }
        for i in 1..at.len() {
            at[i] += at[i - 1];
        }
        events.clear();
        events.resize(at[at.len() - 1] as usize, (0, 0, 0.0));
        for e in replaced() {
            let slot = &mut at[e.0 as usize];
            events[*slot as usize] = e;
            *slot += 1;
        }
        let mut totals = std::mem::take(&mut self.totals);
        totals.clear();
        totals.resize(self.plans.len(), *self.sums.last().unwrap_or(&0.0));
        let (nonzero, values, sums) = (&self.nonzero, &self.values, &self.sums);
        self.sweep
            .totals(nonzero, values, sums, &events, &mut totals);
        self.events = events;
        self.results.clear();
        for (k, &total) in totals.iter().enumerate() {
            let p = self.plans[k];
            let cf = match p.path {
                Path::Full => self.full(p.s as usize, seed, index),
                Path::Alone | Path::Replayed => {
                    let own = self.losses[p.losses.0 as usize..p.losses.1 as usize]
                        .iter()
                        .find(|l| l.0 == p.s)
                        .map_or(0.0, |l| l.1);
                    Counterfactual {
                        total,
                        own,
                        path: p.path,
                    }
                }
            };
            self.results.push(cf);
        }
        self.totals = totals;
        &self.results
    }

    /// A counterfactual played in full: the reference the replay is checked against.
    /// `seed` and `index` must be the base trial's.
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

    /// Service `x`'s loss in the last counterfactual played by [`NeverDown::full`].
    pub fn full_loss(&self, x: usize) -> f64 {
        self.full.outcome.user_hours_lost[x]
    }

    /// Service `x`'s loss in counterfactual `k` of the last [`NeverDown::never_down`], if
    /// it was replayed (or alone); a full one is not kept.
    pub fn loss(&self, k: usize, x: usize) -> Option<f64> {
        let p = self.plans[k];
        if p.path == Path::Full {
            return None;
        }
        let losses = &self.losses[p.losses.0 as usize..p.losses.1 as usize];
        Some(match losses.binary_search_by_key(&(x as u32), |l| l.0) {
            Ok(i) => losses[i].1,
            Err(_) => self.base.outcome.user_hours_lost[x],
        })
    }

    /// The total of the base trial's always-down counterfactual of `site` (`hits`: [`hits`]
    /// of the site), replayed over the services it can change, or `None` where that would
    /// not be exact (see the module docs): the caller plays it in full. Needs the
    /// recovery record ([`NeverDown::record_recovery`]).
    pub fn always_down(&mut self, site: usize, hits: &Hits) -> Option<f64> {
        let c = self.c;
        let trace = self.base.trace();
        let site = site as u32;
        // The site's replicas must be up all along in the base.
        if hits.rebuilds_into
            || trace.repeated_instant
            || (trace.sites_down.iter()).any(|&y| c.within(y, site) || c.within(site, y))
        {
            return None;
        }
        self.next_swap();
        self.swapped.clear();
        self.extra.clear();
        self.sets.clear();
        self.losses.clear();
        self.plans.clear();
        let g = self.next_gen();
        self.stack.clear();
        for h in &hits.services {
            let s = h.service as usize;
            if c.fleet_of[s] != NONE || c.rebuild_takes[s] != NONE {
                return None;
            }
            match c.mode[s] {
                CMode::ActiveStandby { failover, success } => {
                    // Serving all along from a replica outside the site: unchanged.
                    if !h.first {
                        if self.unserved[s] {
                            return None;
                        }
                    } else {
                        let until = self.fail_over(s, site, failover, success)?;
                        if until > 0.0 {
                            self.swap_down(s, until);
                            self.mark[s] = g;
                            self.stack.push(s as u32);
                        }
                    }
                }
                CMode::ActiveActive { min } => {
                    if self.swap_own(s, min, h.replicas) {
                        self.mark[s] = g;
                        self.stack.push(s as u32);
                    }
                }
            }
        }
        if !self.extra.is_empty() && !self.crews_free() {
            return None;
        }
        if self.stack.is_empty() {
            // No own state changes, so nothing does.
            return Some(*self.sums.last().unwrap_or(&0.0));
        }
        // Members: everything that observes a changed service, through any service.
        while let Some(x) = self.stack.pop() {
            let x = x as usize;
            if self.capable[x] {
                return None;
            }
            self.sets.push(x as u32);
            for f in observers(c, x) {
                if self.mark[f as usize] != g {
                    self.mark[f as usize] = g;
                    self.stack.push(f);
                }
            }
        }
        let mid = self.sets.len();
        // The failovers' needs must be the base's.
        let needs = self
            .extra
            .iter()
            .flat_map(|&(_, s)| c.needs.row(s as usize));
        if needs.clone().any(|&y| self.mark[y as usize] == g) {
            return None;
        }
        self.sets.sort_unstable();
        let end = self.boundary(0, mid, g);
        self.plans.push(Plan {
            s: NONE,
            path: Path::Replayed,
            members: (0, mid as u32),
            boundary: (mid as u32, end as u32),
            losses: (0, 0),
            layer: 0,
        });
        self.replay_layer(&[0]);
        let p = self.plans[0];
        (p.path == Path::Replayed).then(|| self.total(p.losses))
    }

    /// An active–standby service `s` whose serving replica lies in `site`, always down, and
    /// whose other replicas were up all along in the base: it fails over at 0 to the next
    /// replica outside the site, drawing the failover first from its stream (after its
    /// hazards' first failures, drawn when the trial starts). Returns until when it is
    /// down (infinity: for good; 0: never), or `None` where its failover could wait for a
    /// need, or where the base changed it otherwise (its stream would differ). A failover
    /// task is kept in `extra` for [`NeverDown::crews_free`].
    fn fail_over(&mut self, s: usize, site: u32, failover: u32, success: f64) -> Option<f64> {
        let c = self.c;
        if !self.own.row(s).is_empty() || !self.ups.row(s).is_empty() {
            return None;
        }
        let reps = c.svc_replicas.range(s);
        let first = reps.start;
        let target = (1..reps.len())
            .map(|k| first + k)
            .find(|&r| !c.within(c.replica_site[r], site));
        if target.is_none() {
            return Some(f64::INFINITY);
        }
        let mut rng = self.base.stream(s);
        for hz in c.svc_hazards.row(s) {
            c.dists[hz.mtbf as usize].sample(&mut rng);
        }
        let work = c.dists[failover as usize].sample(&mut rng);
        let ok = rand::Rng::random::<f64>(&mut rng) < success;
        if work > 0.0 {
            // Never blocked: every need up until it is done.
            let blocked = |y: &u32| {
                self.down
                    .row(*y as usize)
                    .first()
                    .is_some_and(|d| d.at <= work)
            };
            if c.needs.row(s).iter().any(blocked) {
                return None;
            }
            self.extra.push((work, s as u32));
        }
        Some(match (ok, work > 0.0) {
            (true, true) => work,
            (true, false) => 0.0,
            (false, _) => f64::INFINITY,
        })
    }

    /// Service `s` down from 0 until `until` (infinity: for good), into `swapped`.
    fn swap_down(&mut self, s: usize, until: f64) {
        let from = self.swapped.len() as u32;
        let change = |at: f64, down: bool| OwnChange {
            at,
            service: s as u32,
            down,
            share: 0.0,
        };
        self.swapped.push(change(0.0, true));
        if until < self.c.horizon {
            self.swapped.push(change(until, false));
        }
        self.swap_mark[s] = self.swap_gen;
        self.swap_range[s] = (from, self.swapped.len() as u32);
    }

    /// Whether the failover tasks in `extra`, running from 0, never make the live tasks
    /// outnumber the crews, even for a moment within an instant: then every runnable task
    /// holds a crew from when it becomes runnable, in the counterfactual as in the base,
    /// none is ever stopped, and the base's tasks run as they did.
    fn crews_free(&mut self) -> bool {
        let Some(crews) = self.c.crews else {
            return true;
        };
        self.extra.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let extra = &self.extra;
        // Those done at an instant count in it.
        let alive = |t: f64| extra.len() - extra.partition_point(|x| x.0 < t);
        let last = extra.last().map_or(0.0, |x| x.0);
        // Up to the instant the last failover ends, that one included: events of the base
        // due then come out of the queue before the failover's completion (pushed when
        // the trial started, they are numbered before it), and may start tasks while it
        // still holds its crew.
        extra.len() <= crews
            && (self.base.trace().live_tasks.iter())
                .take_while(|x| x.0 <= last)
                .all(|&(t, live)| live as usize + alive(t) <= crews)
    }

    /// Service `s`'s own states with `k` more of its replicas down all along (active–active
    /// with `min`), into `swapped`: its base own state, or fewer than `min` of the others
    /// up. Returns whether they differ from the base's (else nothing is kept).
    fn swap_own(&mut self, s: usize, min: u32, k: u32) -> bool {
        let own = self.own.row(s);
        let ups = self.ups.row(s);
        let from = self.swapped.len();
        let (mut i, mut j) = (0, 0);
        let (mut base, mut up) = (false, self.c.svc_replicas.row(s).len() as u32);
        let (mut cf, mut differs) = (false, false);
        // The counterfactual's site goes down at 0, an instant of its own.
        let mut t = 0.0;
        loop {
            while i < own.len() && own[i].at == t {
                base = own[i].down;
                i += 1;
            }
            while j < ups.len() && ups[j].at == t {
                up = ups[j].up;
                j += 1;
            }
            let now = base || up < min + k;
            differs |= now != base;
            if now != cf {
                cf = now;
                self.swapped.push(OwnChange {
                    at: t,
                    service: s as u32,
                    down: now,
                    share: 0.0,
                });
            }
            t = match (own.get(i), ups.get(j)) {
                (Some(a), Some(b)) => a.at.min(b.at),
                (Some(a), None) => a.at,
                (None, Some(b)) => b.at,
                (None, None) => break,
            };
        }
        if differs {
            self.swap_mark[s] = self.swap_gen;
            self.swap_range[s] = (from as u32, self.swapped.len() as u32);
        } else {
            self.swapped.truncate(from);
        }
        differs
    }

    /// A fresh generation for `swap_mark`.
    fn next_swap(&mut self) {
        self.swap_gen = self.swap_gen.wrapping_add(1);
        if self.swap_gen == 0 {
            self.swap_mark.fill(0);
            self.swap_gen = 1;
        }
    }

    /// A fresh generation `g` for the marks: `g` marks members, `g + 1` observed services.
    fn next_gen(&mut self) -> u32 {
        self.gen = self.gen.wrapping_add(2);
        if self.gen < 2 {
            self.mark.fill(0);
            self.gen = 2;
        }
        self.gen
    }

    /// How the counterfactual of `s` will be computed: its members (grown from `s`
    /// through affected services) and what they observe, and the layer it is replayed in.
    fn plan(&mut self, s: usize) -> Plan {
        let c = self.c;
        let mut plan = Plan {
            s: s as u32,
            path: Path::Full,
            members: (0, 0),
            boundary: (0, 0),
            losses: (0, 0),
            layer: NONE,
        };
        if self.base.trace().repeated_instant || !c.needed_by.row(s).is_empty() {
            return plan;
        }
        let g = self.next_gen();
        let start = self.sets.len();
        self.stack.clear();
        self.mark[s] = g;
        self.stack.push(s as u32);
        while let Some(x) = self.stack.pop() {
            let x = x as usize;
            if self.capable[x] {
                self.sets.truncate(start);
                return plan;
            }
            self.sets.push(x as u32);
            for &(_, f) in self.watchers.row(x) {
                if self.mark[f as usize] != g {
                    self.mark[f as usize] = g;
                    self.stack.push(f);
                }
            }
        }
        let mid = self.sets.len();
        plan.members = (start as u32, mid as u32);
        self.sets[start..mid].sort_unstable();
        if mid - start == 1 && c.fleet_of[s] == NONE && c.deps.row(s).iter().all(|e| e.share >= 1.0)
        {
            // Never down, never degraded: it loses nothing, and nobody else changes.
            plan.path = Path::Alone;
            plan.losses = (self.losses.len() as u32, self.losses.len() as u32 + 1);
            self.losses.push((s as u32, 0.0));
            return plan;
        }
        let end = self.boundary(start, mid, g);
        plan.boundary = (mid as u32, end as u32);
        // The first layer where none of its members is used and none of what it observes
        // is a member.
        let mut taken = 0u64;
        for &x in &self.sets[start..mid] {
            let (m, o) = self.in_layer[x as usize];
            taken |= m | o;
        }
        for &x in &self.sets[mid..end] {
            taken |= self.in_layer[x as usize].0;
        }
        let layer = (!taken).trailing_zeros();
        plan.path = Path::Replayed;
        if layer < LAYERS {
            plan.layer = layer;
            let bit = 1u64 << layer;
            for i in start..end {
                let x = self.sets[i] as usize;
                if self.in_layer[x] == (0, 0) {
                    self.layered.push(x as u32);
                }
                if i < mid {
                    self.in_layer[x].0 |= bit;
                } else {
                    self.in_layer[x].1 |= bit;
                }
            }
        } else {
            // Every layer is taken: a replayed trial of its own, after them.
            plan.layer = LAYERS + self.plans.len() as u32;
        }
        plan
    }

    /// Adds to `sets`, after the members `sets[start..mid]` (marked `g`), the services they
    /// observe that were ever down in the base, in service order; returns where they end.
    fn boundary(&mut self, start: usize, mid: usize, g: u32) -> usize {
        let c = self.c;
        for i in start..mid {
            let x = self.sets[i] as usize;
            for e in c.deps.row(x) {
                self.observe_node(e.on, g);
            }
            for sub in c.subs.row(x) {
                if sub.to != NONE {
                    self.observe(sub.to, g);
                }
            }
        }
        let end = self.sets.len();
        self.sets[mid..end].sort_unstable();
        end
    }

    /// Adds node `x` (a service, or a gate's members), observed by a member, to the set
    /// being planned, as [`NeverDown::observe`] does.
    fn observe_node(&mut self, x: u32, g: u32) {
        let c = self.c;
        let n = c.n_services();
        if (x as usize) < n {
            self.observe(x, g);
        } else {
            // A gate: its members, each once.
            for &y in c.gate_members.row(x as usize - n) {
                self.observe(y, g);
            }
        }
    }

    /// Adds service `x`, observed by a member, to the set being planned (once), if it was
    /// ever down in the base trial: one never down is never down in the counterfactual
    /// either, and observing it changes nothing.
    fn observe(&mut self, x: u32, g: u32) {
        let m = &mut self.mark[x as usize];
        if *m != g && *m != g + 1 && !self.down.row(x as usize).is_empty() {
            *m = g + 1;
            self.sets.push(x);
        }
    }

    /// Replays the counterfactuals `layer` (indices of plans) together; those whose check
    /// fails are played in full afterwards.
    fn replay_layer(&mut self, layer: &[u32]) {
        let c = self.c;
        let sub = self.restricted(layer);
        let check = layer.iter().any(|&k| {
            let p = self.plans[k as usize];
            self.sets[p.members.0 as usize..p.members.1 as usize]
                .iter()
                .any(|&x| !c.needed_by.row(x as usize).is_empty())
        });
        let mut t = Trial::new(&sub);
        t.record(check);
        t.replay(&self.changes);
        let mut replayed = ByService::default();
        if check {
            replayed.build(sub.n_services(), &t.trace().down, |ch| ch.service);
        }
        for &k in layer {
            let k = k as usize;
            let p = self.plans[k];
            let members = p.members.0 as usize..p.members.1 as usize;
            if check && !self.same_needs(&self.sets[members.clone()], &replayed) {
                self.plans[k].path = Path::Full;
                continue;
            }
            let from = self.losses.len() as u32;
            for i in members {
                let x = self.sets[i];
                let l = self.local[x as usize] as usize;
                self.losses.push((x, t.outcome.user_hours_lost[l]));
            }
            self.plans[k].losses = (from, self.losses.len() as u32);
        }
    }

    /// Whether every one of `members` that some service needs went down and up at the same
    /// times in the replay (`replayed`, by local index) as in the base.
    fn same_needs(&self, members: &[u32], replayed: &ByService<DownChange>) -> bool {
        members.iter().all(|&x| {
            let x = x as usize;
            if self.c.needed_by.row(x).is_empty() {
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

    /// The total with the members' losses (`losses`, in service order) in place of the
    /// base's ([`total_of`]).
    fn total(&self, losses: (u32, u32)) -> f64 {
        let losses = &self.losses[losses.0 as usize..losses.1 as usize];
        total_of(&self.nonzero, &self.values, &self.sums, losses)
    }

    /// The restricted model of `layer` (indices of plans): their members and the services
    /// they observe, in service order, each counterfactual's service never down. Fills
    /// `self.local` and `self.changes` (the recorded changes to replay, sorted by time,
    /// ties service by service).
    fn restricted(&mut self, layer: &[u32]) -> Compiled {
        let c = self.c;
        // Nodes: members marked `g`, observed services `g + 1`.
        let g = self.next_gen();
        self.nodes.clear();
        for &k in layer {
            let p = self.plans[k as usize];
            for &x in &self.sets[p.members.0 as usize..p.members.1 as usize] {
                self.mark[x as usize] = g;
                self.nodes.push(x);
            }
        }
        for &k in layer {
            let p = self.plans[k as usize];
            for &x in &self.sets[p.boundary.0 as usize..p.boundary.1 as usize] {
                let m = &mut self.mark[x as usize];
                if *m != g && *m != g + 1 {
                    *m = g + 1;
                    self.nodes.push(x);
                }
            }
        }
        self.nodes.sort_unstable();
        for (l, &x) in self.nodes.iter().enumerate() {
            self.local[x as usize] = l as u32;
        }
        let m = self.nodes.len();
        let n = c.n_services();
        // Gates the members depend on, numbered after the services.
        let mut gates = std::mem::take(&mut self.gates);
        gates.clear();
        for &x in &self.nodes {
            if self.mark[x as usize] == g {
                for e in c.deps.row(x as usize) {
                    let k = e.on as usize;
                    if k >= n && self.gate_local[k - n] == NONE {
                        self.gate_local[k - n] = (m + gates.len()) as u32;
                        gates.push(e.on);
                    }
                }
            }
        }
        let member = |x: u32| self.mark[x as usize] == g;
        let node = |x: u32| self.mark[x as usize] == g || self.mark[x as usize] == g + 1;
        // Dependencies and substitutes: the members' own, none for observed services.
        let mut deps = Csr {
            offsets: vec![0u32],
            items: Vec::new(),
        };
        let mut subs = Csr {
            offsets: vec![0u32],
            items: Vec::new(),
        };
        let mut hard_rank = Vec::new();
        let mut cause_offsets = vec![0u32];
        let mut fleet_of = vec![NONE; m];
        let mut fleets = Vec::new();
        let mut changes = std::mem::take(&mut self.changes);
        changes.clear();
        for (l, &x) in self.nodes.iter().enumerate() {
            let xi = x as usize;
            let causes = if member(x) {
                // An edge to a service that is never down is never active: left out,
                // with the ranks of the others kept.
                for ei in c.deps.range(xi) {
                    let e = c.deps.items[ei];
                    let on = if e.on as usize >= n {
                        self.gate_local[e.on as usize - n]
                    } else if node(e.on) {
                        self.local[e.on as usize]
                    } else {
                        continue;
                    };
                    deps.items.push(Edge { on, ..e });
                    hard_rank.push(c.hard_rank[ei]);
                }
                // A substitute that is never down serves like one outside the scenario.
                subs.items.extend(c.subs.row(xi).iter().map(|sub| CSub {
                    to: if sub.to != NONE && node(sub.to) {
                        self.local[sub.to as usize]
                    } else {
                        NONE
                    },
                    ..*sub
                }));
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
                let own = if self.swap_mark[xi] == self.swap_gen {
                    let (a, b) = self.swap_range[xi];
                    &self.swapped[a as usize..b as usize]
                } else {
                    self.own.row(xi)
                };
                changes.extend(own.iter().map(|ch| OwnChange {
                    service: l as u32,
                    ..*ch
                }));
                c.cause_offsets[xi + 1] - c.cause_offsets[xi]
            } else {
                changes.extend(self.down.row(xi).iter().map(|ch| OwnChange {
                    at: ch.at,
                    service: l as u32,
                    down: ch.down,
                    share: 0.0,
                }));
                1
            };
            deps.offsets.push(deps.items.len() as u32);
            subs.offsets.push(subs.items.len() as u32);
            let last = *cause_offsets.last().unwrap_or(&0);
            cause_offsets.push(last + causes);
        }
        // In time order (ties in service order, as listed), so that the replay queues
        // them as one run ([`Trial::replay`]).
        changes.sort_by(|a, b| a.at.total_cmp(&b.at));
        self.changes = changes;
        let nn = m + gates.len();
        let dependents = reverse(m, nn, &deps, |l, ei, e: &Edge| {
            (e.on, ReverseEdge { from: l, edge: ei })
        });
        let subbed_by = reverse(m, m, &subs, |l, _, sub: &CSub| (sub.to, l));
        // A gate's members that are not here were never down in the base, nor are they
        // in the counterfactual: they count for nothing.
        let gate_members = Csr {
            offsets: std::iter::once(0)
                .chain(gates.iter().scan(0u32, |len, &k| {
                    let row = c.gate_members.row(k as usize - n);
                    *len += row.iter().filter(|&&y| node(y)).count() as u32;
                    Some(*len)
                }))
                .collect(),
            items: (gates.iter())
                .flat_map(|&k| c.gate_members.row(k as usize - n))
                .filter(|&&y| node(y))
                .map(|&y| self.local[y as usize])
                .collect::<Vec<u32>>(),
        };
        let gate_fails_at = (gates.iter())
            .map(|&k| c.gate_fails_at[k as usize - n])
            .collect::<Vec<u32>>();
        let gates_of = reverse(gates.len(), m, &gate_members, |k, _, &y| {
            (y, (m as u32) + k)
        });
        for &k in &gates {
            self.gate_local[k as usize - n] = NONE;
        }
        let has_alt = !gates.is_empty();
        self.gates = gates;
        let mut overrides = Overrides::none(m, 0);
        for &k in layer {
            let s = self.plans[k as usize].s;
            if s != NONE {
                overrides.never_down[self.local[s as usize] as usize] = true;
            }
        }
        let empty = || Csr {
            offsets: vec![0u32; m + 1],
            items: Vec::new(),
        };
        Compiled {
            horizon: c.horizon,
            dists: Vec::new(),
            site_enter: Vec::new(),
            site_exit: Vec::new(),
            tour: Vec::new(),
            site_hazards: Csr {
                offsets: vec![0],
                items: Vec::new(),
            },
            tour_replicas: Vec::new(),
            tour_replica_start: vec![0],
            replica_site: Vec::new(),
            replica_service: Vec::new(),
            svc_replicas: empty(),
            users: self.nodes.iter().map(|&x| c.users[x as usize]).collect(),
            weight: self.nodes.iter().map(|&x| c.weight[x as usize]).collect(),
            total_weight: c.total_weight,
            mode: vec![CMode::ActiveActive { min: 1 }; m],
            restart: vec![NONE; m],
            rebuild_takes: vec![NONE; m],
            rebuild_to: empty(),
            dep_kinds: super::compiled::DepKinds::of(&deps, &hard_rank),
            deps,
            dependents,
            hard_rank,
            cause_offsets,
            needs: empty(),
            needed_by: empty(),
            svc_hazards: Csr {
                offsets: vec![0u32; m + 1],
                items: Vec::new(),
            },
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
            subbed_by,
            has_subs: c.has_subs,
            // Journeys do not enter the totals the replay computes.
            gate_members,
            gate_fails_at,
            gates_of,
            has_alt,
            general: c.has_fleet || has_alt,
            picks: Vec::new(),
            max_pick: 0,
            common: Vec::new(),
            journey_needs: Csr {
                offsets: vec![0],
                items: Vec::new(),
            },
            journeys_of: empty(),
            journey_users: Vec::new(),
            has_journeys: false,
            overrides,
        }
    }
}

/// A base trial's total with some services' losses replaced: the base's non-zero losses
/// `values` of the services `nonzero` (in service order, `sums[j]` the first `j` added in
/// order), with `losses` (service, loss; in service order) in place of those services'.
/// The same additions in the same order as `Outcome::finish`, zeros left out (adding a
/// zero to a sum of losses changes no bit of it).
fn total_of(nonzero: &[u32], values: &[f64], sums: &[f64], losses: &[(u32, f64)]) -> f64 {
    let Some(&(first, _)) = losses.first() else {
        return *sums.last().unwrap_or(&0.0);
    };
    let mut j = nonzero.partition_point(|&x| x < first);
    let mut total = sums[j];
    for &(x, uh) in losses {
        let next = j + nonzero[j..].partition_point(|&y| y < x);
        for &v in &values[j..next] {
            total += v;
        }
        j = next + (nonzero.get(next) == Some(&x)) as usize;
        if uh != 0.0 {
            total += uh;
        }
    }
    for &v in &values[j..] {
        total += v;
    }
    total
}

/// Many [`total_of`]s of one base trial in one sweep of its losses.
///
/// Each total is a chain of additions in service order, from its first replaced service
/// on; one after another, the chains cost the sum of their lengths, and each addition
/// waits for the one before. The sweep walks the base's losses once and adds each to
/// every chain running there (a loop over independent sums, which the compiler turns
/// into vector additions), the replaced services handled where they fall. Every chain
/// makes exactly the additions of its [`total_of`], in the same order, so each total is
/// the same to the bit.
#[derive(Default)]
struct Sweep {
    /// The running totals, and which slot each counterfactual has (`NONE`: not started).
    acc: Vec<f64>,
    slot: Vec<u32>,
    /// At one service: (slot, its total before the service, its loss there).
    here: Vec<(u32, f64, f64)>,
}

impl Sweep {
    /// Into `out[k]`, the total of counterfactual `k` for every `k` in `events` (service,
    /// counterfactual, loss; sorted by service, in any order within one): [`total_of`]
    /// with its losses. The others are left as they are.
    fn totals(
        &mut self,
        nonzero: &[u32],
        values: &[f64],
        sums: &[f64],
        events: &[(u32, u32, f64)],
        out: &mut [f64],
    ) {
        self.acc.clear();
        self.slot.clear();
        self.slot.resize(out.len(), NONE);
        let add_all = |acc: &mut [f64], vs: &[f64]| {
            for &v in vs {
                for a in acc.iter_mut() {
                    *a += v;
                }
            }
        };
        let mut j = 0;
        for group in events.chunk_by(|a, b| a.0 == b.0) {
            let x = group[0].0;
            // The base's losses before `x`, to every chain started.
            let next = j + nonzero[j..].partition_point(|&y| y < x);
            add_all(&mut self.acc, &values[j..next]);
            j = next;
            // Chains replacing `x`: each starts here if it has not (from the base's sum
            // before `x`), and takes its own loss at `x` in place of the base's.
            self.here.clear();
            for &(_, k, uh) in group {
                let k = k as usize;
                if self.slot[k] == NONE {
                    self.slot[k] = self.acc.len() as u32;
                    self.acc.push(sums[j]);
                }
                let slot = self.slot[k];
                self.here.push((slot, self.acc[slot as usize], uh));
            }
            if nonzero.get(j) == Some(&x) {
                add_all(&mut self.acc, &values[j..j + 1]);
                j += 1;
            }
            for &(slot, before, uh) in &self.here {
                self.acc[slot as usize] = if uh != 0.0 { before + uh } else { before };
            }
        }
        add_all(&mut self.acc, &values[j..]);
        for (k, &slot) in self.slot.iter().enumerate() {
            if slot != NONE {
                out[k] = self.acc[slot as usize];
            }
        }
    }
}

/// The reverse of `rows` (`m` rows) into `out` rows: for each item `e` of row `l` (at
/// index `ei`), the entry `to(l, ei, e) = (row, item)` in the result, rows in order, then
/// items in order.
fn reverse<T, U: Copy>(
    m: usize,
    out: usize,
    rows: &Csr<T>,
    to: impl Fn(u32, u32, &T) -> (u32, U),
) -> Csr<U> {
    let mut offsets = vec![0u32; out + 2];
    let mut any = None;
    for l in 0..m {
        for ei in rows.range(l) {
            let (r, u) = to(l as u32, ei as u32, &rows.items[ei]);
            if r != NONE {
                offsets[r as usize + 2] += 1;
                any = Some(u);
            }
        }
    }
    let Some(fill) = any else {
        offsets.truncate(out + 1);
        return Csr {
            offsets,
            items: Vec::new(),
        };
    };
    for i in 2..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    let mut items = vec![fill; offsets[out + 1] as usize];
    for l in 0..m {
        for ei in rows.range(l) {
            let (r, u) = to(l as u32, ei as u32, &rows.items[ei]);
            if r != NONE {
                let slot = &mut offsets[r as usize + 1];
                items[*slot as usize] = u;
                *slot += 1;
            }
        }
    }
    offsets.truncate(out + 1);
    Csr { offsets, items }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sweep gives every total of `total_of` to the bit, on random base losses (some
    /// zero, of mixed magnitudes, so that the order of additions matters) and random
    /// replacements (zeros, services the base did not lose, shared services).
    #[test]
    fn sweep_matches_one_total_at_a_time() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut sweep = Sweep::default();
        let mut differing = 0;
        for round in 0..300 {
            let n = 1 + (next() % 60) as u32;
            let value = |next: &mut dyn FnMut() -> u64| {
                if next().is_multiple_of(4) {
                    0.0
                } else {
                    (next() % 1_000_000) as f64 / 7.0 * 10f64.powi((next() % 9) as i32 - 4)
                }
            };
            let (mut nonzero, mut values, mut sums) = (Vec::new(), Vec::new(), vec![0.0]);
            for x in 0..n {
                let v = value(&mut next);
                if v != 0.0 {
                    nonzero.push(x);
                    values.push(v);
                    sums.push(sums.last().unwrap() + v);
                }
            }
            let k = (next() % 12) as usize;
            let mut plans = Vec::new();
            let mut events = Vec::new();
            for p in 0..k {
                let mut losses = Vec::new();
                for x in 0..n {
                    if next().is_multiple_of(5) {
                        losses.push((x, value(&mut next)));
                    }
                }
                events.extend(losses.iter().map(|&(x, uh)| (x, p as u32, uh)));
                plans.push(losses);
            }
            // Within a service, in any order.
            events.sort_unstable_by_key(|e| (e.0, u32::MAX - e.1));
            let base = *sums.last().unwrap();
            let mut out = vec![base; k];
            sweep.totals(&nonzero, &values, &sums, &events, &mut out);
            for (p, losses) in plans.iter().enumerate() {
                let one = total_of(&nonzero, &values, &sums, losses);
                assert_eq!(out[p].to_bits(), one.to_bits(), "round {round}, plan {p}");
                differing += (one != base) as u32;
            }
        }
        // The replacements did change totals (the comparison was not of base totals).
        assert!(differing > 500, "{differing}");
    }
}
