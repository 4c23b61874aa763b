//! One trial: an exact, event-driven simulation in continuous time on `[0, horizon]`.
//!
//! State changes only at events (a site going down or up, a hazard failure, a recovery
//! task finishing, a grace period running out, a deadlock bypass). Between two events
//! nothing changes, so every duration is exact: there is no time step.
//!
//! At each event time, every event due at that instant is applied first, then the state
//! is *settled* once:
//! 1. services whose replicas or own failures changed recompute their own state
//!    (`ActiveActive`, `ActiveStandby` with failover, rebuild);
//! 2. the set of services that are down is recomputed as the least fixed point of
//!    "own state down, or a hard dependency down past its grace" — equivalently the
//!    greatest fixed point of "up", so mutually dependent services that both run stay up;
//! 3. recovery tasks are re-assigned: a task progresses while its service's
//!    `recovery_needs` are up (or it bypassed them after a deadlock) and, with crews,
//!    while it holds one of the `crews` by priority;
//! 4. every service whose class (up, degraded by a share, down for a cause) changed has
//!    its time accounted.
//!
//! Settling once per instant means no zero-length flicker ever reaches the statistics.
//! Nothing here allocates once the [`Trial`] has been built: every list is reused.
//!
//! The trial orchestrates parts that each own their state: the event queue
//! ([`super::queue`]), site states and site-level events ([`super::sites`]), recovery
//! tasks and crews ([`super::tasks`]), the recovery-deadlock search
//! ([`super::deadlock`]) and time accounting ([`super::accounting`]). What stays here is
//! what ties them together: replicas, each service's own state, and propagation. Services
//! with several instances per replica (fleets) keep their instances in [`fleet`], used
//! only when the scenario has a fleet (`Compiled::has_fleet`); dependencies on
//! alternatives (`AnyOf`) are gates, nodes of the propagation whose rules are in
//! [`alternatives`], used only when the scenario has one (`Compiled::has_alt`).
//!
//! For counterfactuals, a trial keeps its own copy of the overrides
//! ([`Trial::overrides_mut`]), can record where its services' own and down states change
//! ([`Trial::record`], [`super::trace`]), and can replay own states set at given times
//! instead of playing recovery (`Trial::replay`, used by [`super::replay`]); the
//! propagation and accounting are the same code either way.

mod alternatives;
mod fleet;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_pcg::Pcg64Mcg;

use super::accounting::{Accounting, Class};
use super::compiled::{CMode, Compiled, Overrides, NONE};
use super::deadlock::{edge_active, Deadlocks, WaitFor};
use super::outcome::Outcome;
use super::queue::{Ev, EventQueue};
use super::sites::Sites;
use super::tasks::{Kind, Queue, Tasks};
use super::trace::{OwnChange, Recorder, Trace};
use fleet::Fleet;

/// Marks the rebuilt replica of a service in `serving`.
const REBUILT: u32 = u32::MAX - 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rep {
    Up,
    /// Its site (or an ancestor) is down.
    SiteDown,
    /// Its site is back; restart work is under way.
    Restarting,
    /// Lost to a destroying event, for the rest of the horizon.
    Destroyed,
    /// The rebuilt replica, before a rebuild has finished.
    NotBuilt,
}

/// Where a replica's state lives: an original replica (indexed like
/// `Compiled::replica_site`), or the rebuilt replica of a service (whose site is chosen
/// during the trial).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Slot {
    Replica(u32),
    Rebuilt(u32),
}

/// The reusable state of one worker: build once, then [`Trial::run`] any number of trials.
pub struct Trial<'c> {
    c: &'c Compiled,
    /// The counterfactual switches of this trial: the compiled ones, until an analysis
    /// changes them between trials ([`Trial::overrides_mut`]).
    overrides: Overrides,
    /// What the trial records for replayed counterfactuals (off unless asked).
    rec: Recorder,
    now: f64,
    queue: EventQueue,
    chacha: ChaCha8Rng,
    svc_rng: Vec<Pcg64Mcg>,
    svc_rng_gen: Vec<u64>,
    gen: u64,
    trial_key: u64,
    /// The services whose state the current trial may have changed, a bit each: what the
    /// next trial resets, instead of every service. Listed in increasing order into
    /// `trial_svcs` when the trial ends.
    seen: Vec<u64>,
    trial_svcs: Vec<u32>,
    sites: Sites,
    // Replicas.
    rep: Vec<Rep>,
    rep_task: Vec<u32>,
    // Services.
    own_down: Vec<bool>,
    hazard_down: Vec<u32>,
    serving: Vec<u32>,
    failover_task: Vec<u32>,
    failover_failed: Vec<bool>,
    rb_site: Vec<u32>,
    rb_rep: Vec<Rep>,
    rb_task: Vec<u32>,
    rebuild_task: Vec<u32>,
    /// The instances of fleet services (empty without fleets).
    fleet: Fleet,
    watch: Vec<u32>,
    watched: Vec<bool>,
    eff_down: Vec<bool>,
    down_since: Vec<f64>,
    up_since: Vec<f64>,
    n_down: u32,
    acct: Accounting,
    // Tasks.
    tasks: Tasks<'c>,
    /// First task of each service's list.
    svc_task: Vec<u32>,
    /// Live tasks of each service that have not bypassed their needs.
    svc_waiting: Vec<u32>,
    /// How many of each service's recovery needs are down now.
    needs_down: Vec<u32>,
    /// Services with a task blocked by a down need: the candidates of a deadlock.
    blocked_svcs: Vec<u32>,
    blocked_pos: Vec<u32>,
    // Work lists.
    dirty: Vec<u32>,
    is_dirty: Vec<bool>,
    touched: Vec<u32>,
    is_touched: Vec<bool>,
    seeds_down: Vec<u32>,
    seeds_up: Vec<u32>,
    region: Vec<u32>,
    mark: Vec<u64>,
    mark_gen: u64,
    in_down: Vec<bool>,
    /// Per gate, its members down during a region's recomputation (see [`alternatives`]).
    gate_cnt: Vec<u32>,
    stack: Vec<u32>,
    deadlocks: Deadlocks,
    /// Tasks found in a deadlock whose bypass time has already passed.
    bypass_now: Vec<u32>,
    /// Services whose down state changed at this instant, with their state before it.
    eff_changed: Vec<u32>,
    eff_was: Vec<u8>,
    /// Whether down-state changes are tracked for [`Trial::apply_need_changes`]: only
    /// when something reads them (recovery needs, substitutes, or the recorder).
    track_eff: bool,
    /// The results of the last trial run.
    pub outcome: Outcome,
}

impl<'c> Trial<'c> {
    pub fn new(c: &'c Compiled) -> Self {
        let n = c.n_services();
        // Propagation's state covers the gates too (none without alternatives).
        let nn = c.n_nodes();
        let nr = c.replica_site.len();
        Trial {
            c,
            overrides: c.overrides.clone(),
            rec: Recorder::default(),
            now: 0.0,
            queue: EventQueue::new(c.horizon),
            chacha: ChaCha8Rng::seed_from_u64(0),
            svc_rng: vec![Pcg64Mcg::new(0); n],
            svc_rng_gen: vec![0; n],
            gen: 0,
            trial_key: 0,
            seen: vec![0; n.div_ceil(64)],
            trial_svcs: Vec::with_capacity(n),
            sites: Sites::new(c),
            rep: vec![Rep::Up; nr],
            rep_task: vec![NONE; nr],
            own_down: vec![false; n],
            hazard_down: vec![0; n],
            serving: c.svc_replicas.offsets[..n].to_vec(),
            failover_task: vec![NONE; n],
            failover_failed: vec![false; n],
            rb_site: vec![NONE; n],
            rb_rep: vec![Rep::NotBuilt; n],
            rb_task: vec![NONE; n],
            rebuild_task: vec![NONE; n],
            fleet: Fleet::new(c),
            watch: Vec::new(),
            watched: vec![false; n],
            eff_down: vec![false; nn],
            down_since: vec![0.0; nn],
            up_since: vec![f64::NAN; nn],
            n_down: 0,
            acct: Accounting::new(c),
            tasks: Tasks::new(c),
            svc_task: vec![NONE; n],
            svc_waiting: vec![0; n],
            needs_down: vec![0; n],
            blocked_svcs: Vec::new(),
            blocked_pos: vec![NONE; n],
            dirty: Vec::new(),
            is_dirty: vec![false; n],
            touched: Vec::new(),
            is_touched: vec![false; n],
            seeds_down: Vec::new(),
            seeds_up: Vec::new(),
            region: Vec::new(),
            mark: vec![0; nn],
            mark_gen: 0,
            in_down: vec![false; nn],
            gate_cnt: vec![0; nn - n],
            stack: Vec::new(),
            deadlocks: Deadlocks::new(c),
            bypass_now: Vec::new(),
            eff_changed: Vec::new(),
            eff_was: vec![0; n],
            track_eff: Self::tracks_eff(c, false),
            outcome: Outcome::new(c),
        }
    }

    /// Back to the state before any event. Only the services the last trial may have
    /// changed (`trial_svcs`) are reset, so a trial that touches few of many services
    /// costs little more than what it touches; in debug builds, every array is checked
    /// against its state before any trial.
    fn reset(&mut self, seed: u64, index: u64) {
        let c = self.c;
        self.now = 0.0;
        self.queue.clear();
        self.chacha = ChaCha8Rng::seed_from_u64(seed);
        self.chacha.set_stream(index);
        self.trial_key = splitmix(seed ^ splitmix(index.wrapping_add(0x9e37_79b9_7f4a_7c15)));
        self.sites.reset();
        let n = c.n_services();
        for &s in &self.trial_svcs {
            let s = s as usize;
            for r in c.svc_replicas.range(s) {
                self.rep[r] = Rep::Up;
                self.rep_task[r] = NONE;
            }
            self.own_down[s] = false;
            self.hazard_down[s] = 0;
            self.serving[s] = c.svc_replicas.offsets[s];
            self.failover_task[s] = NONE;
            self.failover_failed[s] = false;
            self.rb_site[s] = NONE;
            self.rb_rep[s] = Rep::NotBuilt;
            self.rb_task[s] = NONE;
            self.rebuild_task[s] = NONE;
            self.eff_down[s] = false;
            self.up_since[s] = f64::NAN;
            self.svc_task[s] = NONE;
            self.svc_waiting[s] = 0;
            self.needs_down[s] = 0;
        }
        // Gates (none without alternatives) are reset whole.
        self.eff_down[n..].fill(false);
        self.up_since[n..].fill(f64::NAN);
        self.acct.reset(&self.trial_svcs);
        self.outcome.reset(c, &self.trial_svcs);
        self.trial_svcs.clear();
        self.gen += 1;
        debug_assert!(self.seen.iter().all(|&w| w == 0));
        if c.has_fleet {
            self.fleet.reset(c);
        }
        for &s in &self.watch {
            self.watched[s as usize] = false;
        }
        self.watch.clear();
        self.n_down = 0;
        self.tasks.clear();
        for &s in &self.blocked_svcs {
            self.blocked_pos[s as usize] = NONE;
        }
        self.blocked_svcs.clear();
        self.deadlocks.reset();
        if self.rec.on {
            self.rec.reset();
        }
        #[cfg(debug_assertions)]
        self.check_reset();
    }

    /// Every per-service array as [`Trial::new`] left it (debug builds: the check that
    /// `trial_svcs` holds every service a trial changes).
    #[cfg(debug_assertions)]
    fn check_reset(&self) {
        let c = self.c;
        let n = c.n_services();
        assert!(self.rep.iter().all(|&r| r == Rep::Up));
        assert!(self.rep_task.iter().all(|&t| t == NONE));
        assert!(self.own_down.iter().all(|&d| !d));
        assert!(self.hazard_down.iter().all(|&h| h == 0));
        assert!((0..n).all(|s| self.serving[s] == c.svc_replicas.offsets[s]));
        assert!(self.failover_task.iter().all(|&t| t == NONE));
        assert!(self.failover_failed.iter().all(|&f| !f));
        assert!(self.rb_site.iter().all(|&x| x == NONE));
        assert!(self.rb_rep.iter().all(|&r| r == Rep::NotBuilt));
        assert!(self.rb_task.iter().all(|&t| t == NONE));
        assert!(self.rebuild_task.iter().all(|&t| t == NONE));
        assert!(self.eff_down.iter().all(|&d| !d));
        assert!(self.up_since.iter().all(|x| x.is_nan()));
        assert!(self.svc_task.iter().all(|&t| t == NONE));
        assert!(self.svc_waiting.iter().all(|&w| w == 0));
        assert!(self.needs_down.iter().all(|&k| k == 0));
        assert!(self.blocked_pos.iter().all(|&p| p == NONE));
        self.acct.check_reset();
        self.outcome.check_reset(c);
    }

    /// Service `s`'s state may change in this trial: the next trial resets it.
    #[inline(always)]
    fn see(&mut self, s: usize) {
        self.seen[s >> 6] |= 1 << (s & 63);
    }

    /// Lists the services seen in this trial into `trial_svcs`, in increasing order, and
    /// clears their bits.
    fn list_seen(&mut self) {
        for (w, bits) in self.seen.iter_mut().enumerate() {
            let mut b = std::mem::take(bits);
            while b != 0 {
                self.trial_svcs.push((w * 64) as u32 + b.trailing_zeros());
                b &= b - 1;
            }
        }
    }

    /// The counterfactual switches the next trials play with.
    pub fn overrides_mut(&mut self) -> &mut Overrides {
        &mut self.overrides
    }

    /// Whether the next trials record their [`Trace`].
    pub fn record(&mut self, on: bool) {
        self.rec.enable(on, self.c.n_services());
        self.track_eff = Self::tracks_eff(self.c, on);
    }

    /// Whether anything reads the down-state changes of an instant: a recovery need
    /// (its tasks block and unblock, and deadlocks are searched from it), a substitute
    /// (its users switch) or the recorder. Without any, [`Trial::apply_need_changes`]
    /// has nothing to do, and the changes are not kept.
    fn tracks_eff(c: &Compiled, recording: bool) -> bool {
        recording || c.has_subs || !c.needed_by.items.is_empty()
    }

    /// Whether the next trials recorded with [`Trial::record`] also record their
    /// replicas up per service and the sites taken down ([`Trace::ups`],
    /// [`Trace::sites_down`]).
    pub fn record_recovery(&mut self, on: bool) {
        self.rec.recovery = on;
    }

    /// What the last trial played with [`Trial::record`] on recorded.
    pub fn trace(&self) -> &Trace {
        &self.rec.trace
    }

    /// Whether one of site `site`'s own events (an event's pick of it and a common cause's
    /// shock included) or hazard failures was due in the last trial (before the horizon).
    pub fn site_failed(&self, site: usize) -> bool {
        self.sites.fails(site)
    }

    #[inline]
    fn push(&mut self, t: f64, ev: Ev) {
        self.queue.push(t, ev);
    }

    /// The random stream of service `s` in this trial: a portable generator keyed by the
    /// scenario seed, the trial and the service id, so that draws stay paired between a
    /// base design and its variants (common random numbers).
    fn rng(&mut self, s: usize) -> &mut Pcg64Mcg {
        if self.svc_rng_gen[s] != self.gen {
            self.svc_rng_gen[s] = self.gen;
            self.svc_rng[s] = self.stream(s);
        }
        &mut self.svc_rng[s]
    }

    /// Service `s`'s random stream as it starts in the trial last played (or being
    /// played).
    #[inline]
    pub(super) fn stream(&self, s: usize) -> Pcg64Mcg {
        let k = splitmix(self.trial_key ^ self.c.svc_key[s]);
        let k2 = splitmix(k ^ 0xd1b5_4a32_d192_ed03);
        // `Pcg64Mcg::new` makes the state odd itself, as an MCG needs.
        Pcg64Mcg::new(((k as u128) << 64) | k2 as u128)
    }

    fn draw(&mut self, s: usize, dist: u32) -> f64 {
        let c = self.c;
        c.dists[dist as usize].sample(self.rng(s))
    }

    /// Plays trial number `index` of a run with master seed `seed`; results are left in
    /// [`Trial::outcome`]. The result depends on `(seed, index)` and the scenario alone.
    pub fn run(&mut self, seed: u64, index: u64) {
        self.reset(seed, index);
        let c = self.c;
        // 1. Site events, their follow-ons and site hazards, from the trial stream.
        self.sites
            .schedule(c, &self.overrides, &mut self.chacha, &mut self.queue);
        // 2. Service hazards: the first failure of each; later ones follow each repair.
        for s in 0..c.n_services() {
            for hi in c.svc_hazards.range(s) {
                let h = c.svc_hazards.items[hi];
                let t = self.draw(s, h.mtbf);
                if self.overrides.no_hazards {
                    continue; // drawn, so the service's stream stays where it was
                }
                self.push(
                    t,
                    Ev::Hazard {
                        service: s as u32,
                        hazard: hi as u32,
                        instance: 0,
                    },
                );
            }
        }
        if c.has_fleet {
            // The other instances of fleets.
            self.schedule_fleet_hazards();
        }
        // 3. The event loop.
        self.play();
    }

    /// Plays a replayed counterfactual ([`super::replay`]): no site, hazard or recovery of
    /// its own, only the own states of its services set at the given times, and the
    /// propagation, substitutes and accounting that follow. The changes may come in any
    /// order; those due at one instant are all applied before it settles, in the order
    /// given. Given in time order, they enter the queue as one run (a heap entry at a
    /// time instead of one each); in any other order, one by one, the same events in the
    /// same order either way ([`EventQueue::end_run`]).
    pub(super) fn replay(&mut self, changes: &[OwnChange]) {
        self.reset(0, 0);
        self.queue.begin_run();
        for ch in changes {
            self.push(
                ch.at,
                Ev::Own {
                    service: ch.service,
                    down: ch.down,
                    share: ch.share,
                },
            );
        }
        self.queue.end_run();
        self.play();
    }

    /// The event loop, from the queued events to the horizon, and the trial's outcome.
    fn play(&mut self) {
        let c = self.c;
        let horizon = c.horizon;
        loop {
            // Completions of the tasks started at the last instant join the queue.
            self.tasks.flush_started(&mut self.queue);
            let Some(t) = self.queue.peek_time() else {
                break;
            };
            if t >= horizon {
                break;
            }
            self.acct.curve_before(c, t, &mut self.outcome);
            if self.rec.on {
                self.rec.instant(t);
            }
            self.now = t;
            while let Some(ev) = self.queue.pop_due(t) {
                self.apply(ev);
            }
            if c.general {
                self.settle_fleet();
            } else {
                self.settle::<false>();
            }
            if self.rec.on && self.rec.recovery {
                self.rec.live_tasks(t, self.tasks.take_peak() as u32);
            }
        }
        self.now = horizon;
        // In service order: the total is summed in it.
        self.list_seen();
        self.acct.finish(c, &self.trial_svcs, &mut self.outcome);
        self.outcome.finish(c, &self.trial_svcs);
    }

    fn mark_dirty(&mut self, s: u32) {
        if !self.is_dirty[s as usize] {
            self.see(s as usize);
            self.is_dirty[s as usize] = true;
            self.dirty.push(s);
        }
    }

    fn touch(&mut self, s: u32) {
        if !self.is_touched[s as usize] {
            self.is_touched[s as usize] = true;
            self.touched.push(s);
        }
    }

    fn watch(&mut self, s: u32) {
        if !self.watched[s as usize] {
            self.watched[s as usize] = true;
            self.watch.push(s);
        }
    }

    #[inline]
    fn within(&self, site: u32, ancestor: u32) -> bool {
        self.c.within(site, ancestor)
    }

    // ----- tasks -------------------------------------------------------------------

    fn new_task(&mut self, service: u32, kind: Kind, work: f64) -> u32 {
        self.see(service as usize);
        let next = self.svc_task[service as usize];
        let id = self.tasks.alloc(service, kind, work, self.now, next);
        let s = service as usize;
        if next != NONE {
            self.tasks[next as usize].prev = id;
        }
        self.svc_task[s] = id;
        self.svc_waiting[s] += 1;
        if self.needs_down[s] > 0 {
            self.tasks[id as usize].blocked_since = self.now;
            self.refresh_blocked(s);
            self.deadlocks.candidate(service);
        } else {
            self.make_runnable(id);
        }
        id
    }

    #[inline]
    fn make_runnable(&mut self, id: u32) {
        self.tasks.make_runnable(id, &mut self.queue, self.now);
    }

    #[inline]
    fn make_unrunnable(&mut self, id: u32) {
        self.tasks.make_unrunnable(id, &mut self.queue, self.now);
    }

    fn drop_task(&mut self, id: u32) {
        self.make_unrunnable(id);
        let t = self.tasks[id as usize];
        let s = t.service as usize;
        if t.prev != NONE {
            self.tasks[t.prev as usize].next = t.next;
        } else {
            self.svc_task[s] = t.next;
        }
        if t.next != NONE {
            self.tasks[t.next as usize].prev = t.prev;
        }
        if !t.bypass {
            self.svc_waiting[s] -= 1;
        }
        self.tasks.release(id);
        self.refresh_blocked(s);
    }

    /// Keeps `blocked_svcs` equal to the services that have a task waiting on down needs.
    fn refresh_blocked(&mut self, s: usize) {
        let should = self.needs_down[s] > 0 && self.svc_waiting[s] > 0;
        let is = self.blocked_pos[s] != NONE;
        if should && !is {
            self.blocked_pos[s] = self.blocked_svcs.len() as u32;
            self.blocked_svcs.push(s as u32);
            self.deadlocks.candidate(s as u32);
        } else if !should && is {
            let pos = self.blocked_pos[s] as usize;
            self.blocked_svcs.swap_remove(pos);
            if pos < self.blocked_svcs.len() {
                self.blocked_pos[self.blocked_svcs[pos] as usize] = pos as u32;
            }
            self.blocked_pos[s] = NONE;
        }
    }

    /// Recovery need `n` went down (`+1`) or came back (`-1`): the services that need it
    /// block or unblock their tasks.
    fn need_changed(&mut self, n: usize, down: bool) {
        let c = self.c;
        for &s in c.needed_by.row(n) {
            let s = s as usize;
            self.see(s);
            let before = self.needs_down[s];
            self.needs_down[s] = if down { before + 1 } else { before - 1 };
            let after = self.needs_down[s];
            if (before == 0) == (after == 0) {
                continue;
            }
            let mut id = self.svc_task[s];
            while id != NONE {
                let t = self.tasks[id as usize];
                if after > 0 {
                    if t.blocked_since.is_nan() {
                        self.tasks[id as usize].blocked_since = self.now;
                    }
                    if !t.bypass {
                        self.make_unrunnable(id);
                    }
                } else {
                    let task = &mut self.tasks[id as usize];
                    task.blocked_since = f64::NAN;
                    task.cycle_found = false;
                    if !t.bypass {
                        self.make_runnable(id);
                    }
                }
                id = t.next;
            }
            self.refresh_blocked(s);
        }
    }

    #[inline]
    fn note_eff_change(&mut self, s: usize) {
        if self.track_eff && self.eff_was[s] == 0 {
            self.eff_was[s] = 1 + self.eff_down[s] as u8;
            self.eff_changed.push(s as u32);
        }
    }

    /// After propagation: recovery needs that really changed state (not a same-instant
    /// flicker) block or unblock the tasks that need them.
    // Inlined into both versions of `settle`, as into the one there was before fleets.
    #[inline(always)]
    fn apply_need_changes(&mut self) {
        for i in 0..self.eff_changed.len() {
            let s = self.eff_changed[i] as usize;
            let was_down = self.eff_was[s] == 2;
            self.eff_was[s] = 0;
            let now_down = self.eff_down[s];
            if was_down != now_down {
                if self.rec.on {
                    self.rec.down(self.now, s, now_down);
                }
                // Services using it as a substitute keep or lose their switched users.
                if self.c.has_subs {
                    for &y in self.c.subbed_by.row(s) {
                        self.touch(y);
                    }
                }
                if now_down && !self.blocked_svcs.is_empty() {
                    self.deadlocks.candidate(s as u32);
                }
                if !self.c.needed_by.row(s).is_empty() {
                    self.need_changed(s, now_down);
                }
            }
        }
        self.eff_changed.clear();
    }

    /// Task `id` bypasses its service's needs (a recovery deadlock was broken).
    fn bypass(&mut self, id: u32) {
        let t = self.tasks[id as usize];
        if !t.alive || t.bypass {
            return;
        }
        self.tasks[id as usize].bypass = true;
        self.svc_waiting[t.service as usize] -= 1;
        if t.queue == Queue::Out {
            self.make_runnable(id);
        }
        self.refresh_blocked(t.service as usize);
    }

    // ----- applying events ----------------------------------------------------------

    fn apply(&mut self, ev: Ev) {
        let c = self.c;
        match ev {
            Ev::Site {
                site,
                delta,
                destroy,
            } => {
                self.sites.change(c, site, delta, destroy);
                if self.rec.on && self.rec.recovery && delta > 0 {
                    self.rec.trace.sites_down.push(site);
                }
                // The replicas follow, by a loop in two versions: without fleets, it checks
                // for them once per event, not per replica.
                if c.has_fleet {
                    self.replicas_follow::<true>(site, destroy);
                } else {
                    self.replicas_follow::<false>(site, destroy);
                }
            }
            Ev::Hazard {
                service,
                hazard,
                instance,
            } => {
                let s = service as usize;
                let h = c.svc_hazards.items[hazard as usize];
                let work = self.draw(s, h.repair);
                if c.has_fleet && c.fleet_of[s] != NONE {
                    self.fleet_failure(s, instance, true);
                } else {
                    self.hazard_down[s] += 1;
                }
                if work > 0.0 {
                    self.new_task(service, Kind::Repair { hazard, instance }, work);
                } else {
                    self.repair_done(service, hazard, instance);
                }
                self.mark_dirty(service);
            }
            Ev::TaskDone { task, version } => {
                let t = self.tasks[task as usize];
                if t.version != version || !t.running {
                    return;
                }
                self.drop_task(task);
                let s = t.service;
                match t.kind {
                    Kind::Restart { slot } => {
                        *self.slot_task(slot) = NONE;
                        *self.slot_rep(slot) = Rep::Up;
                    }
                    Kind::RestartInstance { inst } => self.instance_restarted(s as usize, inst),
                    Kind::Failover { target, success } => {
                        self.failover_task[s as usize] = NONE;
                        if success {
                            self.serving[s as usize] = target;
                        } else {
                            self.failover_failed[s as usize] = true;
                        }
                    }
                    Kind::Rebuild { site } => {
                        self.rebuild_task[s as usize] = NONE;
                        self.rb_site[s as usize] = site;
                        self.rb_rep[s as usize] = Rep::Up;
                        self.serving[s as usize] = REBUILT;
                        if c.has_fleet && c.fleet_of[s as usize] != NONE {
                            self.fleet_rebuilt(s as usize);
                        }
                    }
                    Kind::Repair { hazard, instance } => self.repair_done(s, hazard, instance),
                }
                self.mark_dirty(s);
            }
            Ev::Grace {
                service,
                edge,
                since,
            } => {
                let d = c.deps.items[edge as usize].on as usize;
                if self.eff_down[d] && self.down_since[d] == since {
                    if c.deps.items[edge as usize].share >= 1.0 {
                        if !self.eff_down[service as usize] {
                            self.seeds_down.push(service);
                        } else if !self.blocked_svcs.is_empty() {
                            // The service was down already: its new wait-for edge to `d`
                            // may close a cycle (going down, it would be searched from).
                            self.deadlocks.candidate(service);
                        }
                    }
                    self.touch(service);
                }
            }
            Ev::Substitute { service, since } => {
                let s = service as usize;
                if self.eff_down[s] && self.down_since[s] == since {
                    self.touch(service);
                }
            }
            Ev::Own {
                service,
                down,
                share,
            } => {
                let s = service as usize;
                if c.has_fleet && c.fleet_of[s] != NONE {
                    self.fleet.set_share(c, s, share);
                }
                self.set_own(s, down);
            }
            Ev::Bypass { task, since } => {
                // Still the same blocked episode of a live task?
                let t = self.tasks[task as usize];
                if t.alive && t.blocked_since == since && !t.bypass {
                    self.bypass(task);
                }
            }
        }
    }

    /// The replicas in `site` and under it follow its state (a change at this instant);
    /// each whose state changes dirties its service. `FLEET`: whether the scenario has a
    /// fleet.
    fn replicas_follow<const FLEET: bool>(&mut self, site: u32, destroy: bool) {
        let c = self.c;
        for &r in c.subtree_replicas(site as usize) {
            let changed = if destroy {
                self.destroy_slot::<FLEET>(Slot::Replica(r))
            } else {
                self.refresh_slot::<FLEET>(Slot::Replica(r))
            };
            if changed {
                self.mark_dirty(c.replica_service[r as usize]);
            }
        }
        // Rebuilt replicas live in sites chosen during the trial.
        for i in 0..self.watch.len() {
            let s = self.watch[i];
            let rs = self.rb_site[s as usize];
            if rs != NONE && self.within(rs, site) {
                if destroy {
                    self.destroy_slot::<FLEET>(Slot::Rebuilt(s));
                } else {
                    self.refresh_slot::<FLEET>(Slot::Rebuilt(s));
                }
            }
            self.mark_dirty(s);
        }
    }

    fn repair_done(&mut self, s: u32, hazard: u32, instance: u32) {
        let c = self.c;
        let h = c.svc_hazards.items[hazard as usize];
        if c.has_fleet && c.fleet_of[s as usize] != NONE {
            self.fleet_failure(s as usize, instance, false);
        } else {
            self.hazard_down[s as usize] -= 1;
        }
        let next = self.now + self.draw(s as usize, h.mtbf).max(1e-9);
        self.push(
            next,
            Ev::Hazard {
                service: s,
                hazard,
                instance,
            },
        );
    }

    fn slot_rep(&mut self, slot: Slot) -> &mut Rep {
        match slot {
            Slot::Replica(r) => &mut self.rep[r as usize],
            Slot::Rebuilt(s) => &mut self.rb_rep[s as usize],
        }
    }

    fn slot_task(&mut self, slot: Slot) -> &mut u32 {
        match slot {
            Slot::Replica(r) => &mut self.rep_task[r as usize],
            Slot::Rebuilt(s) => &mut self.rb_task[s as usize],
        }
    }

    /// A destroying event: the replica is lost for good, its restart abandoned.
    /// Returns whether anything changed.
    fn destroy_slot<const FLEET: bool>(&mut self, slot: Slot) -> bool {
        if *self.slot_rep(slot) == Rep::Destroyed {
            return false;
        }
        if FLEET {
            let s = match slot {
                Slot::Replica(r) => self.c.replica_service[r as usize],
                Slot::Rebuilt(s) => s,
            };
            if self.c.fleet_of[s as usize] != NONE {
                self.fleet_stop(slot, s as usize);
                *self.slot_rep(slot) = Rep::Destroyed;
                return true;
            }
        }
        let task = *self.slot_task(slot);
        if task != NONE {
            self.drop_task(task);
            *self.slot_task(slot) = NONE;
        }
        *self.slot_rep(slot) = Rep::Destroyed;
        true
    }

    /// A replica follows its site: down with it, then restart work once it is back.
    /// Returns whether its state changed.
    fn refresh_slot<const FLEET: bool>(&mut self, slot: Slot) -> bool {
        let c = self.c;
        let (site, s) = match slot {
            Slot::Replica(r) => (c.replica_site[r as usize], c.replica_service[r as usize]),
            Slot::Rebuilt(s) => (self.rb_site[s as usize], s),
        };
        let up = self.sites.up(site);
        if FLEET && c.fleet_of[s as usize] != NONE {
            return self.fleet_refresh(slot, s as usize, up);
        }
        match (*self.slot_rep(slot), up) {
            (Rep::Up, false) => *self.slot_rep(slot) = Rep::SiteDown,
            (Rep::Restarting, false) => {
                let task = *self.slot_task(slot);
                self.drop_task(task);
                *self.slot_task(slot) = NONE;
                *self.slot_rep(slot) = Rep::SiteDown;
            }
            (Rep::SiteDown, true) => {
                let work = self.draw(s as usize, c.restart[s as usize]);
                if work > 0.0 {
                    *self.slot_rep(slot) = Rep::Restarting;
                    let task = self.new_task(s, Kind::Restart { slot }, work);
                    *self.slot_task(slot) = task;
                } else {
                    *self.slot_rep(slot) = Rep::Up;
                }
            }
            _ => return false,
        }
        true
    }

    fn replica_up(&self, s: usize, r: u32) -> bool {
        if r == REBUILT {
            self.rb_rep[s] == Rep::Up
        } else {
            self.rep[r as usize] == Rep::Up
        }
    }

    // ----- settling -------------------------------------------------------------------

    /// A service's own state from its mode, replicas, own failures and rebuild.
    fn update_own<const FLEET: bool>(&mut self, s: usize) {
        let c = self.c;
        let reps = c.svc_replicas.range(s);
        // Rebuild once every original replica is lost to a destroying event.
        if c.rebuild_takes[s] != NONE
            && self.rb_site[s] == NONE
            && reps.clone().all(|r| self.rep[r] == Rep::Destroyed)
        {
            self.watch(s as u32);
            let t = self.rebuild_task[s];
            if t != NONE {
                if let Kind::Rebuild { site } = self.tasks[t as usize].kind {
                    if !self.sites.up(site) {
                        self.drop_task(t);
                        self.rebuild_task[s] = NONE;
                    }
                }
            }
            if self.rebuild_task[s] == NONE {
                let target = c
                    .rebuild_to
                    .row(s)
                    .iter()
                    .copied()
                    .find(|&x| self.sites.up(x) && !self.sites.destroyed(x));
                if let Some(site) = target {
                    let work = self.draw(s, c.rebuild_takes[s]);
                    if work > 0.0 {
                        self.rebuild_task[s] =
                            self.new_task(s as u32, Kind::Rebuild { site }, work);
                    } else {
                        self.rb_site[s] = site;
                        self.rb_rep[s] = Rep::Up;
                        self.serving[s] = REBUILT;
                        if FLEET && c.fleet_of[s] != NONE {
                            self.fleet_rebuilt(s);
                        }
                    }
                }
            }
        }
        let mode_up = match c.mode[s] {
            CMode::ActiveActive { min } => {
                if self.rb_site[s] != NONE {
                    self.rb_rep[s] == Rep::Up
                } else {
                    let up = reps.clone().filter(|&r| self.rep[r] == Rep::Up).count();
                    up >= min as usize
                }
            }
            CMode::ActiveStandby { failover, success } => {
                let serving = self.serving[s];
                if self.replica_up(s, serving) {
                    if self.failover_task[s] != NONE {
                        self.drop_task(self.failover_task[s]);
                        self.failover_task[s] = NONE;
                    }
                    self.failover_failed[s] = false;
                    true
                } else {
                    if self.rec.on && self.rec.recovery {
                        self.rec.trace.unserved.push(s as u32);
                    }
                    let ft = self.failover_task[s];
                    if ft != NONE {
                        if let Kind::Failover { target, .. } = self.tasks[ft as usize].kind {
                            if self.rep[target as usize] != Rep::Up {
                                self.drop_task(ft);
                                self.failover_task[s] = NONE;
                            }
                        }
                    }
                    let mut up = false;
                    if self.failover_task[s] == NONE && !self.failover_failed[s] {
                        // The next replica after the serving one, in file order, that is up.
                        let n = reps.len();
                        let start = if serving == REBUILT {
                            0
                        } else {
                            serving as usize - reps.start + 1
                        };
                        let target = (0..n)
                            .map(|k| reps.start + (start + k) % n)
                            .find(|&r| r as u32 != serving && self.rep[r] == Rep::Up);
                        if let Some(target) = target {
                            let work = self.draw(s, failover);
                            let ok = self.rng(s).random::<f64>() < success;
                            let target = target as u32;
                            if work > 0.0 {
                                self.failover_task[s] = self.new_task(
                                    s as u32,
                                    Kind::Failover {
                                        target,
                                        success: ok,
                                    },
                                    work,
                                );
                            } else if ok {
                                self.serving[s] = target;
                                up = true;
                            } else {
                                self.failover_failed[s] = true;
                            }
                        }
                    }
                    up
                }
            }
        };
        // A fleet is down when no instance is up where it serves (all of them failed by
        // hazards, say); otherwise it loses the share of its instances that are down.
        let failed = if FLEET && c.fleet_of[s] != NONE {
            self.fleet_serves_none(s, mode_up)
        } else {
            self.hazard_down[s] > 0
        };
        self.set_own(s, !mode_up || failed);
        if self.rec.on {
            let share = if FLEET && c.fleet_of[s] != NONE {
                self.fleet.share(c, s)
            } else {
                0.0
            };
            self.rec.own(self.now, s, self.own_down[s], share);
            if self.rec.recovery && !(FLEET && c.fleet_of[s] != NONE) {
                let up = reps.clone().filter(|&r| self.rep[r] == Rep::Up).count();
                self.rec.up(self.now, s, up as u32, reps.len() as u32);
            }
        }
    }

    /// Service `s`'s own state is `own` (unless it is never down) from this instant on.
    // Inlined into `update_own`, where it was written before replays shared it.
    #[inline(always)]
    fn set_own(&mut self, s: usize, own: bool) {
        let own = own && !self.overrides.never_down[s];
        if own != self.own_down[s] {
            self.see(s);
            self.own_down[s] = own;
            if own {
                if !self.eff_down[s] {
                    self.seeds_down.push(s as u32);
                }
                // A blocked service whose own state goes down now waits for its down
                // needs: a new wait-for edge, which may close a cycle even when the
                // service was already down through a dependency.
                if self.blocked_pos[s] != NONE {
                    self.deadlocks.candidate(s as u32);
                }
            } else if self.eff_down[s] {
                self.seeds_up.push(s as u32);
            }
            self.touch(s as u32);
        } else if self.c.has_fleet && self.c.fleet_of[s] != NONE {
            // A fleet's lost share may change with its own state unchanged. Any other
            // service keeps its class: what it is read from did not change.
            self.touch(s as u32);
        }
    }

    /// Whether an edge to `d` with this grace is active now (see [`edge_active`]).
    #[inline]
    fn edge_active(&self, d: usize, grace: f64) -> bool {
        edge_active(self.eff_down[d], self.down_since[d], self.now, grace)
    }

    fn set_down(&mut self, s: usize) -> bool {
        if self.overrides.never_down[s] {
            return false;
        }
        self.see(s);
        self.note_eff_change(s);
        self.eff_down[s] = true;
        // Down again at the very instant it came up: the outage is continuous.
        if self.up_since[s] != self.now {
            self.down_since[s] = self.now;
            if self.c.has_subs {
                for x in self.c.subs.row(s) {
                    if x.after > 0.0 {
                        self.queue.push(
                            self.now + x.after,
                            Ev::Substitute {
                                service: s as u32,
                                since: self.now,
                            },
                        );
                    }
                }
            }
        }
        self.n_down += 1;
        true
    }

    /// Recomputes which services are down after own states changed (see module docs).
    /// `ALT`: whether the scenario has alternatives, whose gates ([`alternatives`]) are
    /// nodes of the propagation too; without, every gate branch compiles away.
    // Inlined into both versions of `settle`, as into the one there was before fleets.
    #[inline(always)]
    fn propagate<const ALT: bool>(&mut self) {
        let c = self.c;
        let n = c.n_services();
        // Phase A: services (and gates) that may come up. The region is every down node
        // reachable from the seeds through hard dependencies (and gate memberships);
        // within it, the down set is rebuilt as a least fixed point with everything
        // outside held as it is.
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
                if ALT && (x as usize) < n {
                    self.region_gates(x as usize, g);
                }
            }
            // Seeds of the region's down set.
            for i in 0..self.region.len() {
                let s = self.region[i] as usize;
                let down = if ALT && s >= n {
                    self.gate_held(s, g)
                } else {
                    let mut down = self.own_down[s];
                    if !down {
                        for e in c.dep_kinds.hard.row(s) {
                            if self.mark[e.on as usize] != g
                                && self.edge_active(e.on as usize, e.grace)
                            {
                                down = true;
                                break;
                            }
                        }
                    }
                    down
                };
                self.in_down[s] = down;
                if down {
                    self.stack.push(s as u32);
                }
            }
            while let Some(x) = self.stack.pop() {
                for i in c.dependents.range(x as usize) {
                    let re = c.dependents.items[i];
                    let f = re.from as usize;
                    let e = c.deps.items[re.edge as usize];
                    if e.share >= 1.0
                        && self.mark[f] == g
                        && !self.in_down[f]
                        && (e.grace <= 0.0 || self.now >= self.down_since[x as usize] + e.grace)
                    {
                        self.in_down[f] = true;
                        self.stack.push(f as u32);
                    }
                }
                if ALT && (x as usize) < n {
                    self.region_member_down(x as usize, g);
                }
            }
            for i in 0..self.region.len() {
                let s = self.region[i] as usize;
                let service = !ALT || s < n;
                if !self.in_down[s] {
                    if service {
                        self.note_eff_change(s);
                    }
                    self.eff_down[s] = false;
                    self.up_since[s] = self.now;
                    if service {
                        self.n_down -= 1;
                    }
                    for j in c.dependents.range(s) {
                        let f = c.dependents.items[j].from;
                        self.touch(f);
                    }
                }
                self.in_down[s] = false;
                if service {
                    self.touch(s as u32);
                }
            }
            self.seeds_up.clear();
        }
        // Phase B: services going down, and everything that hard-depends on them with no
        // grace; graced dependents get a timer. (With alternatives, gates go down when
        // enough of their members do.)
        self.stack.clear();
        for i in 0..self.seeds_down.len() {
            let s = self.seeds_down[i] as usize;
            if self.eff_down[s] {
                continue;
            }
            let cause = self.own_down[s]
                || c.dep_kinds
                    .hard
                    .row(s)
                    .iter()
                    .any(|e| self.edge_active(e.on as usize, e.grace));
            if cause && self.set_down(s) {
                self.stack.push(s as u32);
            }
        }
        self.seeds_down.clear();
        while let Some(x) = self.stack.pop() {
            let x = x as usize;
            if !ALT || x < n {
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
            if ALT && x < n {
                self.gates_follow(x);
            }
        }
    }

    /// [`Trial::settle`] in a scenario with fleets or alternatives.
    #[inline(never)]
    fn settle_fleet(&mut self) {
        self.settle::<true>();
    }

    /// Settles the state at this instant (see the module docs). It comes in two versions,
    /// so that a scenario without fleets or alternatives (`FLEET` false) checks for them
    /// once per instant, not per service. Its parts are inlined in both, as they were when there
    /// was one version (a call to each costs about 1 %, callgrind).
    #[inline(never)]
    fn settle<const FLEET: bool>(&mut self) {
        let c = self.c;
        // 1. Own states. Updating one service never dirties another, so one pass suffices.
        let mut i = 0;
        while i < self.dirty.len() {
            let s = self.dirty[i] as usize;
            self.is_dirty[s] = false;
            self.update_own::<FLEET>(s);
            i += 1;
        }
        self.dirty.clear();
        // 2. Who is down.
        if FLEET && c.has_alt {
            self.propagate::<true>();
        } else {
            self.propagate::<false>();
        }
        // 3. Recovery tasks: block and unblock on needs, then look for new deadlocks.
        self.apply_need_changes();
        self.detect_deadlocks();
        // 4. Accounting for every service whose class may have changed.
        let mut i = 0;
        while i < self.touched.len() {
            let s = self.touched[i] as usize;
            self.is_touched[s] = false;
            let new = self.current_class::<FLEET>(s);
            if self.acct.set(c, s, new, self.now, &mut self.outcome) {
                self.see(s);
            }
            i += 1;
        }
        self.touched.clear();
        self.acct.settle_journeys(c, self.now, &mut self.outcome);
        if self.n_down > self.outcome.peak_down {
            self.outcome.peak_down = self.n_down;
        }
    }

    fn current_class<const FLEET: bool>(&mut self, s: usize) -> Class {
        let c = self.c;
        if self.eff_down[s] {
            let mut cause = 0;
            if !self.own_down[s] {
                for e in c.dep_kinds.hard.row(s) {
                    if self.edge_active(e.on as usize, e.grace) {
                        cause = e.cause;
                        break;
                    }
                }
            }
            let mut kept = 0.0;
            if c.has_subs {
                for x in c.subs.row(s) {
                    let active = self.now >= self.down_since[s] + x.after
                        && (x.to == NONE || !self.eff_down[x.to as usize]);
                    if active {
                        kept += x.share;
                    }
                }
            }
            return Class {
                down: true,
                cause,
                share: 0.0,
                kept: kept.min(1.0),
            };
        }
        let mut keep = 1.0;
        if FLEET && c.fleet_of[s] != NONE {
            keep = 1.0 - self.fleet.share(c, s);
        }
        if c.has_partial {
            for e in c.dep_kinds.partial.row(s) {
                if self.edge_active(e.on as usize, e.grace) {
                    keep *= 1.0 - e.share;
                }
            }
        }
        Class {
            down: false,
            cause: 0,
            share: 1.0 - keep,
            kept: 0.0,
        }
    }

    /// Looks for recovery deadlocks: blocked tasks that wait on each other in a cycle.
    /// A new cycle must pass through a service whose wait-for edges changed at this
    /// instant, so only those are searched from; when one closes a cycle, every blocked
    /// service is checked, every task in a cycle is marked, and each bypasses its needs
    /// `bootstrap` hours after the cycle formed (this instant), if it is still blocked
    /// in the same episode then.
    // Inlined into both versions of `settle`, as into the one there was before fleets.
    #[inline(always)]
    fn detect_deadlocks(&mut self) {
        if self.deadlocks.idle() {
            return;
        }
        let c = self.c;
        let w = WaitFor {
            c,
            now: self.now,
            eff_down: &self.eff_down,
            down_since: &self.down_since,
            own_down: &self.own_down,
            blocked: &self.blocked_svcs,
            blocked_pos: &self.blocked_pos,
        };
        let members = self.deadlocks.search(&w);
        if members.is_empty() {
            return;
        }
        let mut now_bypass = std::mem::take(&mut self.bypass_now);
        now_bypass.clear();
        for &s in members {
            let s = s as usize;
            let mut id = self.svc_task[s];
            while id != NONE {
                let t = self.tasks[id as usize];
                if !t.bypass && !t.cycle_found && !t.blocked_since.is_nan() {
                    self.outcome.deadlock = true;
                    self.tasks[id as usize].cycle_found = true;
                    if let Some(b) = c.bootstrap {
                        // The clock starts now, when the cycle formed: `bootstrap` is the
                        // time people take to break a deadlock by hand once it exists,
                        // whatever the task waited before (for its site, say).
                        let at = self.now + b;
                        if at <= self.now {
                            now_bypass.push(id);
                        } else {
                            self.queue.push(
                                at,
                                Ev::Bypass {
                                    task: id,
                                    since: t.blocked_since,
                                },
                            );
                        }
                    }
                }
                id = t.next;
            }
        }
        for &id in &now_bypass {
            self.bypass(id);
        }
        self.bypass_now = now_bypass;
    }
}

/// SplitMix64's finaliser: spreads seeds so nearby inputs give unrelated streams.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
