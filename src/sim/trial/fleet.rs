//! Fleets in one trial: the instances of services with `instances: N` above 1
//! (`docs/semantics.md`, "Fleets").
//!
//! Each replica slot of a fleet (its replicas in file order, then its rebuilt replica if it
//! has a rebuild) holds N instances. An instance is *ready* once it has finished its own
//! restart since its site came back, and *up* while it is ready and not failed by a
//! hazard. A hazard failure belongs to instance `i` of the service, whatever replica
//! serves, so it takes instance `i` down in every slot. Each slot counts its ready and its
//! up instances as they change, so that the replica's state (up while one instance is
//! ready) and the share the service loses (over the serving replica, or the best one)
//! cost O(replicas) to read, never O(instances).
//!
//! Each instance's restart and each instance's repair is a recovery task of its own,
//! scheduled with every other task (crews, `recovery_needs`, deadlocks).
//!
//! The single-instance engine never comes here: every hook in `trial.rs` is behind
//! `Compiled::has_fleet` and the service's `Compiled::fleet_of`.

use super::{Rep, Slot, Trial, REBUILT};
use crate::sim::compiled::{CFleet, CMode, Compiled, NONE};
use crate::sim::queue::Ev;
use crate::sim::tasks::Kind;

/// In [`Fleet::inst`]: the instance has finished restarting.
const READY: u32 = u32::MAX - 1;

/// The state of every fleet's instances, in the layout of [`CFleet`].
pub(super) struct Fleet {
    /// Per replica slot: instances ready.
    ready: Vec<u32>,
    /// Per replica slot: instances ready and not failed by a hazard.
    up: Vec<u32>,
    /// Per instance slot: `READY`, its restart task, or `NONE` (its site is down, it was
    /// destroyed, or it is the rebuilt replica, not built).
    inst: Vec<u32>,
    /// Per instance of a fleet: its hazard failures under way.
    failures: Vec<u32>,
    /// Per fleet: the share of its instances down where it serves, while it is up.
    share: Vec<f64>,
}

impl Fleet {
    pub(super) fn new(c: &Compiled) -> Self {
        Fleet {
            ready: vec![0; c.n_fleet_slots],
            up: vec![0; c.n_fleet_slots],
            inst: vec![NONE; c.n_fleet_insts],
            failures: vec![0; c.n_fleet_hz],
            share: vec![0.0; c.fleets.len()],
        }
    }

    /// The start of a trial: every site is up, so every instance of an original replica
    /// is up; the rebuilt replica is not built.
    pub(super) fn reset(&mut self, c: &Compiled) {
        for fl in &c.fleets {
            let n = fl.instances;
            for k in 0..fl.slots {
                let built = k < fl.replicas;
                let x = (fl.slot_base + k) as usize;
                self.ready[x] = if built { n } else { 0 };
                self.up[x] = self.ready[x];
                let base = (fl.inst_base + k * n) as usize;
                self.inst[base..base + n as usize].fill(if built { READY } else { NONE });
            }
        }
        self.failures.fill(0);
        self.share.fill(0.0);
    }

    /// The share of its instances fleet service `s` loses while it is up.
    #[inline]
    pub(super) fn share(&self, c: &Compiled, s: usize) -> f64 {
        self.share[c.fleet_of[s] as usize]
    }

    /// Sets that share (a replayed counterfactual, [`crate::sim::replay`]).
    pub(super) fn set_share(&mut self, c: &Compiled, s: usize, share: f64) {
        self.share[c.fleet_of[s] as usize] = share;
    }
}

impl Trial<'_> {
    /// The first failure of each hazard of each instance of each fleet but instance 0,
    /// which drew with the single-instance services: instance by instance, each hazard in
    /// turn, from the service's stream. A fleet thus draws instance-major, and its
    /// instance 0 draws exactly as the service would alone.
    #[inline(never)]
    pub(super) fn schedule_fleet_hazards(&mut self) {
        let c = self.c;
        for fl in &c.fleets {
            let s = fl.service as usize;
            for instance in 1..fl.instances {
                for hi in c.svc_hazards.range(s) {
                    let h = c.svc_hazards.items[hi];
                    let t = self.draw(s, h.mtbf);
                    self.push(
                        t,
                        Ev::Hazard {
                            service: s as u32,
                            hazard: hi as u32,
                            instance,
                        },
                    );
                }
            }
        }
    }

    /// The fleet of service `s`, and the slot number of `slot` in it.
    fn fleet_slot(&self, slot: Slot, s: usize) -> (CFleet, u32) {
        let c = self.c;
        let fl = c.fleets[c.fleet_of[s] as usize];
        let k = match slot {
            Slot::Replica(r) => r - c.svc_replicas.offsets[s],
            Slot::Rebuilt(_) => fl.replicas,
        };
        (fl, k)
    }

    /// Every instance of fleet service `s`'s `slot` stops (its site went down, or it was
    /// destroyed): unfinished restarts are dropped.
    #[inline(never)]
    pub(super) fn fleet_stop(&mut self, slot: Slot, s: usize) {
        let (fl, k) = self.fleet_slot(slot, s);
        let base = (fl.inst_base + k * fl.instances) as usize;
        for g in base..base + fl.instances as usize {
            let t = self.fleet.inst[g];
            if t != READY && t != NONE {
                self.drop_task(t);
            }
            self.fleet.inst[g] = NONE;
        }
        let x = (fl.slot_base + k) as usize;
        self.fleet.ready[x] = 0;
        self.fleet.up[x] = 0;
    }

    /// A fleet's replica follows its site (as `refresh_slot` does for one instance):
    /// every instance stops with it; once it is back, each instance draws its own restart,
    /// in instance order, and restarts on its own. Returns whether the replica's state
    /// changed.
    #[inline(never)]
    pub(super) fn fleet_refresh(&mut self, slot: Slot, s: usize, site_up: bool) -> bool {
        match (*self.slot_rep(slot), site_up) {
            (Rep::Up | Rep::Restarting, false) => {
                self.fleet_stop(slot, s);
                *self.slot_rep(slot) = Rep::SiteDown;
            }
            (Rep::SiteDown, true) => {
                let c = self.c;
                let (fl, k) = self.fleet_slot(slot, s);
                let base = fl.inst_base + k * fl.instances;
                let x = (fl.slot_base + k) as usize;
                for i in 0..fl.instances {
                    let g = base + i;
                    let work = self.draw(s, c.restart[s]);
                    if work > 0.0 {
                        let task = self.new_task(s as u32, Kind::RestartInstance { inst: g }, work);
                        self.fleet.inst[g as usize] = task;
                    } else {
                        self.fleet.inst[g as usize] = READY;
                        self.fleet.ready[x] += 1;
                        if self.fleet.failures[(fl.hz_base + i) as usize] == 0 {
                            self.fleet.up[x] += 1;
                        }
                    }
                }
                *self.slot_rep(slot) = if self.fleet.ready[x] > 0 {
                    Rep::Up
                } else {
                    Rep::Restarting
                };
            }
            _ => return false,
        }
        true
    }

    /// Instance slot `g` of fleet service `s` has finished restarting: its replica is up.
    #[inline(never)]
    pub(super) fn instance_restarted(&mut self, s: usize, g: u32) {
        let c = self.c;
        let fl = c.fleets[c.fleet_of[s] as usize];
        let off = g - fl.inst_base;
        let (k, i) = (off / fl.instances, off % fl.instances);
        let x = (fl.slot_base + k) as usize;
        self.fleet.inst[g as usize] = READY;
        self.fleet.ready[x] += 1;
        if self.fleet.failures[(fl.hz_base + i) as usize] == 0 {
            self.fleet.up[x] += 1;
        }
        let slot = if k < fl.replicas {
            Slot::Replica(c.svc_replicas.offsets[s] + k)
        } else {
            Slot::Rebuilt(s as u32)
        };
        *self.slot_rep(slot) = Rep::Up;
    }

    /// The rebuilt replica of fleet service `s` is built: its instances are ready
    /// together.
    #[inline(never)]
    pub(super) fn fleet_rebuilt(&mut self, s: usize) {
        let c = self.c;
        let fl = c.fleets[c.fleet_of[s] as usize];
        let k = fl.replicas;
        let base = (fl.inst_base + k * fl.instances) as usize;
        self.fleet.inst[base..base + fl.instances as usize].fill(READY);
        let hz = fl.hz_base as usize..(fl.hz_base + fl.instances) as usize;
        let up = self.fleet.failures[hz].iter().filter(|&&f| f == 0).count();
        let x = (fl.slot_base + k) as usize;
        self.fleet.ready[x] = fl.instances;
        self.fleet.up[x] = up as u32;
    }

    /// A hazard failure of instance `i` of fleet service `s` begins (`fail`) or is
    /// repaired: the instance goes down, or comes back, in every replica where it is
    /// ready.
    #[inline(never)]
    pub(super) fn fleet_failure(&mut self, s: usize, i: u32, fail: bool) {
        let c = self.c;
        let fl = c.fleets[c.fleet_of[s] as usize];
        let h = (fl.hz_base + i) as usize;
        let before = self.fleet.failures[h];
        let after = if fail { before + 1 } else { before - 1 };
        self.fleet.failures[h] = after;
        if (before == 0) == (after == 0) {
            return;
        }
        for k in 0..fl.slots {
            if self.fleet.inst[(fl.inst_base + k * fl.instances + i) as usize] == READY {
                let x = (fl.slot_base + k) as usize;
                if fail {
                    self.fleet.up[x] -= 1;
                } else {
                    self.fleet.up[x] += 1;
                }
            }
        }
    }

    /// Whether fleet service `s`, whose mode says up or not (`mode_up`), has no instance
    /// up where it serves: the serving replica (`ActiveStandby`), the rebuilt replica
    /// once there is one, else the replica with the most instances up (`ActiveActive`).
    /// Sets the share of its instances it loses while up.
    #[inline(never)]
    pub(super) fn fleet_serves_none(&mut self, s: usize, mode_up: bool) -> bool {
        let c = self.c;
        let f = c.fleet_of[s] as usize;
        let fl = c.fleets[f];
        let mut best = 0;
        if mode_up {
            let up = &self.fleet.up[fl.slot_base as usize..(fl.slot_base + fl.slots) as usize];
            best = match c.mode[s] {
                CMode::ActiveStandby { .. } => {
                    let serving = self.serving[s];
                    if serving == REBUILT {
                        up[fl.replicas as usize]
                    } else {
                        up[(serving - c.svc_replicas.offsets[s]) as usize]
                    }
                }
                CMode::ActiveActive { .. } => {
                    if self.rb_site[s] != NONE {
                        up[fl.replicas as usize]
                    } else {
                        up[..fl.replicas as usize]
                            .iter()
                            .copied()
                            .max()
                            .unwrap_or(0)
                    }
                }
            };
        }
        self.fleet.share[f] = if best > 0 {
            (fl.instances - best) as f64 / fl.instances as f64
        } else {
            0.0
        };
        best == 0
    }
}
