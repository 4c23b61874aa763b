//! Site states in one trial: which sites are down (their own failures and those of an
//! ancestor), which were destroyed, and the site-level events and hazards that drive them.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::compiled::{Compiled, EventFilter, Overrides, NONE};
use super::queue::{Ev, EventQueue};

pub(super) struct Sites {
    /// How many of the site's own failures are in progress.
    own_down: Vec<u32>,
    /// How many failures of the site or one of its ancestors are in progress: the site is
    /// up when this is 0.
    cover: Vec<u32>,
    /// Lost to a destroying event (of the site or an ancestor) for the rest of the horizon.
    destroyed: Vec<bool>,
    /// Whether one of the site's own events (or an event's pick of it, or a common cause's
    /// shock) or hazard failures is due in this trial.
    fails: Vec<bool>,
    /// When each event of the scenario started in this trial; NaN if it did not happen.
    event_start: Vec<f64>,
    /// Scratch for an event's pick of sites.
    pick: Vec<u32>,
}

impl Sites {
    pub(super) fn new(c: &Compiled) -> Self {
        let ns = c.n_sites();
        Sites {
            own_down: vec![0; ns],
            cover: vec![0; ns],
            destroyed: vec![false; ns],
            fails: vec![false; ns],
            event_start: vec![f64::NAN; c.events.len()],
            pick: Vec::with_capacity(c.max_pick),
        }
    }

    pub(super) fn reset(&mut self) {
        self.own_down.fill(0);
        self.cover.fill(0);
        self.destroyed.fill(false);
        self.fails.fill(false);
    }

    #[inline]
    pub(super) fn up(&self, site: u32) -> bool {
        self.cover[site as usize] == 0
    }

    /// Whether one of the site's own events or hazard failures was due in this trial
    /// (before the horizon): without any, making it never fail changes nothing.
    pub(super) fn fails(&self, site: usize) -> bool {
        self.fails[site]
    }

    #[inline]
    pub(super) fn destroyed(&self, site: u32) -> bool {
        self.destroyed[site as usize]
    }

    /// One of the site's own failures begins (`delta = 1`) or ends (`-1`); the state of
    /// the site and of every site under it follows. A destroying failure marks the whole
    /// subtree destroyed.
    pub(super) fn change(&mut self, c: &Compiled, site: u32, delta: i32, destroy: bool) {
        let x = site as usize;
        let before = self.own_down[x];
        self.own_down[x] = (before as i32 + delta).max(0) as u32;
        let after = self.own_down[x];
        let subtree = &c.tour[c.site_enter[x] as usize..c.site_exit[x] as usize];
        if (before == 0) != (after == 0) {
            for &y in subtree {
                if after > 0 {
                    self.cover[y as usize] += 1;
                } else {
                    self.cover[y as usize] -= 1;
                }
            }
        }
        if destroy {
            for &y in subtree {
                self.destroyed[y as usize] = true;
            }
        }
    }

    /// Draws this trial's site events, their follow-ons and the site hazards from the
    /// trial stream, in a fixed order, and queues the site changes they cause.
    pub(super) fn schedule(
        &mut self,
        c: &Compiled,
        overrides: &Overrides,
        rng: &mut ChaCha8Rng,
        queue: &mut EventQueue,
    ) {
        let horizon = c.horizon;
        let site_ev = |site: u32, delta: i32, destroy: bool| Ev::Site {
            site,
            delta,
            destroy,
        };
        // 1. Events and their follow-ons, in file order (pre-order).
        for i in 0..c.events.len() {
            let e = &c.events[i];
            self.event_start[i] = f64::NAN;
            let parent_start = if e.parent == NONE {
                0.0
            } else {
                self.event_start[e.parent as usize]
            };
            if parent_start.is_nan() {
                continue; // the parent did not happen
            }
            let u: f64 = rng.random();
            let happens = match overrides.events {
                EventFilter::All => u < e.probability,
                _ if e.parent != NONE => u < e.probability,
                EventFilter::Only(k) => k as usize == i,
                EventFilter::Off => false,
            };
            if !happens {
                continue;
            }
            let start = parent_start + c.dists[e.start as usize].sample(rng);
            let lasts = c.dists[e.lasts as usize].sample(rng);
            self.event_start[i] = start;
            if e.pick != NONE {
                self.pick_sites(c, e.pick, rng);
                for &site in &self.pick {
                    if start < horizon && !overrides.site_never_fails[site as usize] {
                        self.fails[site as usize] = true;
                        queue.push(start, site_ev(site, 1, e.destroys));
                        queue.push(start + lasts, site_ev(site, -1, false));
                    }
                }
                continue;
            }
            if overrides.site_never_fails[e.site as usize] {
                continue;
            }
            if start < horizon {
                self.fails[e.site as usize] = true;
                queue.push(start, site_ev(e.site, 1, e.destroys));
                queue.push(start + lasts, site_ev(e.site, -1, false));
            }
        }
        // 2. Site hazards: alternating renewal processes; a site's repair is elapsed time.
        // A site that never fails (a counterfactual) still draws its hazards, so the trial
        // stream stays paired with the base, but none of them is applied.
        for site in 0..c.n_sites() {
            let applied = !overrides.site_never_fails[site] && !overrides.no_hazards;
            for hi in c.site_hazards.range(site) {
                let h = c.site_hazards.items[hi];
                let mut t = c.dists[h.mtbf as usize].sample(rng);
                // One run per hazard: its changes are drawn in time order.
                queue.begin_run();
                while t < horizon {
                    let r = c.dists[h.repair as usize].sample(rng);
                    if applied {
                        self.fails[site] = true;
                        queue.push(t, site_ev(site as u32, 1, false));
                        queue.push(t + r, site_ev(site as u32, -1, false));
                    }
                    t += r + c.dists[h.mtbf as usize].sample(rng).max(1e-9);
                }
                queue.end_run();
            }
        }
        // 3. Common causes, in file order: shocks at the times of a Poisson process, each
        // taking every member down for a repair drawn for it, members in file order.
        // Drawn, like hazards, whether or not a counterfactual applies them.
        for cc in &c.common {
            let mut t = c.dists[cc.shock as usize].sample(rng);
            while t < horizon {
                for &(site, repair) in &cc.members {
                    let r = c.dists[repair as usize].sample(rng);
                    if !overrides.site_never_fails[site as usize] && !overrides.no_hazards {
                        self.fails[site as usize] = true;
                        queue.push(t, site_ev(site, 1, false));
                        queue.push(t + r, site_ev(site, -1, false));
                    }
                }
                t += c.dists[cc.shock as usize].sample(rng).max(1e-9);
            }
        }
        // 4. Counterfactual: sites down from the start, for the whole horizon.
        for site in 0..c.n_sites() {
            if overrides.site_always_down[site] {
                queue.push(0.0, site_ev(site as u32, 1, false));
            }
        }
    }

    /// Leaves in `self.pick` the sites pick `p` hits this time: all of them, or `count`
    /// of them drawn by a partial Fisher–Yates shuffle of the candidates in file order,
    /// one uniform `u` per pick: the `j`-th pick swaps position `j` with position
    /// `j + ⌊u × (n − j)⌋`, and the hit sites are the first `count`, in that order.
    fn pick_sites(&mut self, c: &Compiled, p: u32, rng: &mut ChaCha8Rng) {
        let pick = &c.picks[p as usize];
        self.pick.clear();
        self.pick.extend_from_slice(&pick.sites);
        if !pick.draw {
            return;
        }
        let n = self.pick.len();
        for j in 0..pick.count as usize {
            let u: f64 = rng.random();
            let k = j + ((u * (n - j) as f64) as usize).min(n - j - 1);
            self.pick.swap(j, k);
        }
        self.pick.truncate(pick.count as usize);
    }
}
