//! The flat arrays the hot loop reads, compiled once from a validated [`Model`].
//!
//! Adjacency is stored CSR-style (`offsets[i]..offsets[i + 1]` into one flat array), so a
//! trial walks contiguous memory and allocates nothing.

use crate::model::{Dist, Mode, Model, RecoveryOrder, Target};

pub const NONE: u32 = u32::MAX;

/// A compressed sparse row list: the items of row `i` are `items[offsets[i]..offsets[i+1]]`.
#[derive(Debug, Clone, Default)]
pub struct Csr<T> {
    pub offsets: Vec<u32>,
    pub items: Vec<T>,
}

impl<T> Csr<T> {
    pub fn from_rows(rows: impl IntoIterator<Item = Vec<T>>) -> Self {
        let mut offsets = vec![0u32];
        let mut items = Vec::new();
        for r in rows {
            items.extend(r);
            offsets.push(items.len() as u32);
        }
        Csr { offsets, items }
    }
    #[inline]
    pub fn row(&self, i: usize) -> &[T] {
        &self.items[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
    #[inline]
    pub fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.offsets[i] as usize..self.offsets[i + 1] as usize
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Edge {
    /// The node depended on: a service, or (from `n_services()` on) a gate, the
    /// alternatives of an `AnyOf` dependency.
    pub on: u32,
    pub share: f64,
    pub grace: f64,
}

/// A hard dependency (share 1) as [`DepKinds`] keeps it: its cause number among its
/// service's causes (`hard_rank + 1`) in place of the share.
#[derive(Debug, Clone, Copy)]
pub struct HardEdge {
    pub on: u32,
    pub cause: u32,
    pub grace: f64,
}

/// Each service's dependencies split by kind, each row in the order of `deps.row(s)`:
/// the hard ones and the partial ones. Where only one kind matters, a trial scans that
/// kind alone instead of every dependency (about 30 % of a generated graph's
/// dependencies are partial).
#[derive(Debug, Clone)]
pub struct DepKinds {
    pub hard: Csr<HardEdge>,
    pub partial: Csr<Edge>,
}

impl DepKinds {
    /// The split of `deps`, row by row; `hard_rank` is parallel to `deps.items`. One
    /// pass, no allocation per row: the replay builds one for each restricted model.
    pub fn of(deps: &Csr<Edge>, hard_rank: &[u32]) -> Self {
        let rows = deps.offsets.len().saturating_sub(1);
        let mut hard = Csr {
            offsets: Vec::with_capacity(rows + 1),
            items: Vec::new(),
        };
        let mut partial = Csr {
            offsets: Vec::with_capacity(rows + 1),
            items: Vec::new(),
        };
        hard.offsets.push(0);
        partial.offsets.push(0);
        for s in 0..rows {
            for ei in deps.range(s) {
                let e = deps.items[ei];
                if e.share >= 1.0 {
                    hard.items.push(HardEdge {
                        on: e.on,
                        cause: hard_rank[ei] + 1,
                        grace: e.grace,
                    });
                } else {
                    partial.items.push(e);
                }
            }
            hard.offsets.push(hard.items.len() as u32);
            partial.offsets.push(partial.items.len() as u32);
        }
        DepKinds { hard, partial }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ReverseEdge {
    /// The dependent service.
    pub from: u32,
    /// Index of the edge in `deps.items`.
    pub edge: u32,
}

#[derive(Debug, Clone, Copy)]
pub enum CMode {
    ActiveActive { min: u32 },
    ActiveStandby { failover: u32, success: f64 },
}

#[derive(Debug, Clone, Copy)]
pub struct CHazard {
    pub mtbf: u32,
    pub repair: u32,
}

/// A service with more than one instance per replica (a fleet): where its state lives in
/// the trial's fleet arrays. Its replica slots are its replicas in file order, then,
/// when it has a rebuild, the rebuilt replica; instance `i` of slot `k` is instance slot
/// `inst_base + k × instances + i`.
#[derive(Debug, Clone, Copy)]
pub struct CFleet {
    pub service: u32,
    pub instances: u32,
    /// Its replicas in the file; its slots are these, plus one with a rebuild.
    pub replicas: u32,
    pub slots: u32,
    /// Its first replica slot.
    pub slot_base: u32,
    /// Its first instance slot.
    pub inst_base: u32,
    /// Its first instance in the per-instance hazard state (one per instance, whatever
    /// replica serves).
    pub hz_base: u32,
}

#[derive(Debug, Clone)]
pub struct CEvent {
    /// The site it hits, when it hits one site (`pick` is `NONE`).
    pub site: u32,
    /// Index in [`Compiled::picks`] of the sites it hits otherwise, or `NONE`.
    pub pick: u32,
    /// Index of the parent event in `events`, or `NONE` for a top-level event.
    pub parent: u32,
    pub start: u32,
    pub probability: f64,
    pub lasts: u32,
    pub destroys: bool,
}

#[derive(Debug, Clone)]
pub struct Compiled {
    pub horizon: f64,
    pub dists: Vec<Dist>,
    // Sites.
    /// Euler tour of the site tree: the sites inside site `s` (itself included) are
    /// `tour[site_enter[s]..site_exit[s]]`.
    pub site_enter: Vec<u32>,
    pub site_exit: Vec<u32>,
    pub tour: Vec<u32>,
    pub site_hazards: Csr<CHazard>,
    /// Replicas ordered by the tour position of their site; the replicas of the sites at
    /// tour positions `p..q` are `tour_replicas[tour_replica_start[p]..tour_replica_start[q]]`,
    /// so a subtree's replicas are one contiguous slice (see [`Compiled::subtree_replicas`]).
    pub tour_replicas: Vec<u32>,
    pub tour_replica_start: Vec<u32>,
    // Replicas: service `s` owns replicas `svc_replicas.range(s)`, in file order.
    pub replica_site: Vec<u32>,
    pub replica_service: Vec<u32>,
    pub svc_replicas: Csr<u32>,
    // Services.
    pub users: Vec<f64>,
    /// Weight in the recovery curve: users, or 1 for every service when nobody has users.
    pub weight: Vec<f64>,
    pub total_weight: f64,
    pub mode: Vec<CMode>,
    pub restart: Vec<u32>,
    /// Rebuild distribution, or `NONE`.
    pub rebuild_takes: Vec<u32>,
    pub rebuild_to: Csr<u32>,
    pub deps: Csr<Edge>,
    /// `deps` split into hard and partial dependencies.
    pub dep_kinds: DepKinds,
    /// For each node (services, then gates), the edges that point at it.
    pub dependents: Csr<ReverseEdge>,
    /// Gates: node `n_services() + g` is the alternatives of the `AnyOf` dependency `g`
    /// (`Model::alternatives`), down while at least `gate_fails_at[g]` of its members
    /// (`gate_members.row(g)`) are down.
    pub gate_members: Csr<u32>,
    pub gate_fails_at: Vec<u32>,
    /// For each service, the gates it is a member of (as node indices).
    pub gates_of: Csr<u32>,
    /// Whether there is any gate: the engine takes its general path only then.
    pub has_alt: bool,
    /// Whether `settle` takes its general version (fleets or alternatives).
    pub general: bool,
    /// Position of each hard dependency among its service's hard dependencies (cause index
    /// − 1), or `NONE` for partial ones. Parallel to `deps.items`.
    pub hard_rank: Vec<u32>,
    /// Cause slots of each service: 0 is "own", then one per hard dependency.
    pub cause_offsets: Vec<u32>,
    pub needs: Csr<u32>,
    /// For each service, the services whose recovery needs it.
    pub needed_by: Csr<u32>,
    pub svc_hazards: Csr<CHazard>,
    /// For each service, its index in `fleets`, or `NONE` for a single instance.
    pub fleet_of: Vec<u32>,
    pub fleets: Vec<CFleet>,
    /// Whether any service is a fleet: the single-instance engine checks only this.
    pub has_fleet: bool,
    /// Sizes of the trial's fleet arrays: replica slots, instance slots, instances.
    pub n_fleet_slots: usize,
    pub n_fleet_insts: usize,
    pub n_fleet_hz: usize,
    /// Crew priority: lower is served first.
    pub priority: Vec<u32>,
    /// Stable per-service key (hash of the id) for per-service random streams, so a
    /// service draws the same numbers in the base and in a variant.
    pub svc_key: Vec<u64>,
    pub events: Vec<CEvent>,
    pub picks: Vec<CPick>,
    /// The most sites of one pick.
    pub max_pick: usize,
    pub common: Vec<CCommon>,
    pub crews: Option<usize>,
    pub bootstrap: Option<f64>,
    pub has_partial: bool,
    /// Substitutes of each service.
    pub subs: Csr<CSub>,
    /// For each service, the services that have it as a substitute.
    pub subbed_by: Csr<u32>,
    pub has_subs: bool,
    /// The services each journey needs, in the order written.
    pub journey_needs: Csr<u32>,
    /// For each service, the journeys that need it.
    pub journeys_of: Csr<u32>,
    /// Each journey's users (0 for a journey given by weight).
    pub journey_users: Vec<f64>,
    /// Whether the scenario has journeys: accounting checks only this.
    pub has_journeys: bool,
    /// Counterfactuals for the analyses (all false in a plain run). Random numbers are
    /// drawn exactly as without them, so a counterfactual run stays paired with the base.
    /// A trial starts from these and keeps its own copy, which an analysis may change
    /// between trials (`Trial::overrides_mut`).
    pub overrides: Overrides,
}

/// The sites an event hits when it is not one site: `count` of `sites`, picked uniformly
/// at random without replacement in each trial, or all of them (`draw` false).
#[derive(Debug, Clone)]
pub struct CPick {
    pub sites: Vec<u32>,
    pub count: u32,
    pub draw: bool,
}

/// A beta-factor common cause: shared failures at the times of a Poisson process (`shock`,
/// exponential times between them) that take every member site down, each for a draw of
/// its own hazard's `repair`.
#[derive(Debug, Clone)]
pub struct CCommon {
    pub shock: u32,
    /// (site, repair distribution) of each member.
    pub members: Vec<(u32, u32)>,
}

/// A substitute: users who switch to `to` (a service, or `NONE` for an alternative
/// outside the scenario, always up) once the service has been down `after` hours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CSub {
    pub to: u32,
    pub share: f64,
    pub after: f64,
}

/// What-if switches applied inside the trial, for importance measures and portals.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Services that are never down (own state, dependencies, everything).
    pub never_down: Vec<bool>,
    /// Sites down for the whole horizon.
    pub site_always_down: Vec<bool>,
    /// Sites whose own events and hazards never happen (their ancestors still fail).
    pub site_never_fails: Vec<bool>,
    /// Which top-level events are played (`risk`: one forced at a time, or none).
    pub events: EventFilter,
    /// Site and service hazards are drawn as usual but never applied (`risk`'s per-event
    /// runs, which count each event's loss on its own).
    pub no_hazards: bool,
}

/// Which top-level events a trial plays. Each event still draws its uniform whatever the
/// filter, so a trial in which the filter changes nothing draws exactly as a plain one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EventFilter {
    /// Each with its probability (a plain run).
    #[default]
    All,
    /// Only this one (an index into [`Compiled::events`] of a top-level event), as if its
    /// probability were 1; its follow-ons at their own probabilities.
    Only(u32),
    /// None of them (`risk`'s hazard-only run).
    Off,
}

impl Overrides {
    pub fn none(n_services: usize, n_sites: usize) -> Self {
        Overrides {
            never_down: vec![false; n_services],
            site_always_down: vec![false; n_sites],
            site_never_fails: vec![false; n_sites],
            events: EventFilter::All,
            no_hazards: false,
        }
    }
}

/// FNV-1a, 64 bit: a fixed, portable hash for stream keys.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Compiled {
    pub fn new(m: &Model) -> Compiled {
        let mut dists: Vec<Dist> = Vec::new();
        // Identical distributions share one slot ([`Dist::key`]).
        let mut seen: std::collections::HashMap<(u8, Vec<u64>), u32> =
            std::collections::HashMap::new();
        let mut add = |d: &Dist| -> u32 {
            *seen.entry(d.key()).or_insert_with(|| {
                dists.push(d.clone());
                (dists.len() - 1) as u32
            })
        };
        // A common cause's members fail on their own at their rate less the shared one.
        let site_hazards = Csr::from_rows(m.sites.iter().enumerate().map(|(x, s)| {
            s.hazards
                .iter()
                .enumerate()
                .map(|(k, h)| CHazard {
                    mtbf: match m.independent_rate(x, k) {
                        Some(r) if r > 0.0 => add(&Dist::Exp { mean: 1.0 / r }),
                        Some(_) => add(&Dist::Fixed(f64::INFINITY)),
                        None => add(&h.mtbf),
                    },
                    repair: add(&h.repair),
                })
                .collect()
        }));
        let common = m
            .common_causes
            .iter()
            .filter(|cc| cc.rate > 0.0)
            .map(|cc| CCommon {
                shock: add(&Dist::Exp {
                    mean: 1.0 / cc.rate,
                }),
                members: cc
                    .members
                    .iter()
                    .map(|&x| (x as u32, add(&m.sites[x].hazards[0].repair)))
                    .collect(),
            })
            .collect();
        let mut replica_site = Vec::new();
        let mut replica_service = Vec::new();
        let mut rows = Vec::new();
        for (i, s) in m.services.iter().enumerate() {
            let mut row = Vec::new();
            for &site in &s.replicas {
                row.push(replica_site.len() as u32);
                replica_site.push(site as u32);
                replica_service.push(i as u32);
            }
            rows.push(row);
        }
        let svc_replicas = Csr::from_rows(rows);
        // Replicas grouped by the tour position of their site: every subtree is then one
        // contiguous slice, in O(replicas) memory whatever the depth of the tree.
        let tree = crate::model::tree::SiteTree::new(m);
        let ns = m.sites.len();
        let mut tour_replica_start = vec![0u32; ns + 1];
        for &site in &replica_site {
            tour_replica_start[tree.enter[site as usize] + 1] += 1;
        }
        for p in 0..ns {
            tour_replica_start[p + 1] += tour_replica_start[p];
        }
        let mut fill = tour_replica_start.clone();
        let mut tour_replicas = vec![0u32; replica_site.len()];
        for (r, &site) in replica_site.iter().enumerate() {
            let p = tree.enter[site as usize];
            tour_replicas[fill[p] as usize] = r as u32;
            fill[p] += 1;
        }
        let site_enter = tree.enter.iter().map(|&e| e as u32).collect();
        let site_exit = tree.exit.iter().map(|&e| e as u32).collect();
        let tour = tree.order.iter().map(|&s| s as u32).collect();

        let users: Vec<f64> = m.services.iter().map(|s| s.users as f64).collect();
        let total_users: f64 = users.iter().sum();
        let weight: Vec<f64> = if total_users > 0.0 {
            users.clone()
        } else {
            vec![1.0; users.len()]
        };
        let total_weight = weight.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        let mode = m
            .services
            .iter()
            .map(|s| match &s.mode {
                Mode::ActiveActive { min } => CMode::ActiveActive { min: *min as u32 },
                Mode::ActiveStandby { failover, success } => CMode::ActiveStandby {
                    failover: add(failover),
                    success: *success,
                },
            })
            .collect();
        let restart = m.services.iter().map(|s| add(&s.restart)).collect();
        let rebuild_takes = m
            .services
            .iter()
            .map(|s| s.rebuild.as_ref().map_or(NONE, |r| add(&r.takes)))
            .collect();
        let rebuild_to = Csr::from_rows(m.services.iter().map(|s| {
            s.rebuild
                .as_ref()
                .map_or(Vec::new(), |r| r.to.iter().map(|&x| x as u32).collect())
        }));
        let n = m.services.len();
        let deps = Csr::from_rows(m.services.iter().map(|s| {
            s.depends_on
                .iter()
                .map(|d| Edge {
                    on: match &d.on {
                        Target::Service(x) => *x as u32,
                        Target::AnyOf(a) => (n + a.group) as u32,
                    },
                    share: d.share,
                    grace: d.grace,
                })
                .collect()
        }));
        let n_gates = m.alternatives.len();
        let gate_members = Csr::from_rows((0..n_gates).map(|g| {
            m.any_of(g)
                .0
                .of
                .iter()
                .map(|&x| x as u32)
                .collect::<Vec<_>>()
        }));
        let gate_fails_at = (0..n_gates)
            .map(|g| m.any_of(g).0.fails_at() as u32)
            .collect();
        let mut go: Vec<Vec<u32>> = vec![Vec::new(); n];
        for g in 0..n_gates {
            for &x in gate_members.row(g) {
                go[x as usize].push((n + g) as u32);
            }
        }
        let gates_of = Csr::from_rows(go);
        let mut hard_rank = Vec::with_capacity(deps.items.len());
        let mut cause_offsets = vec![0u32];
        for s in 0..m.services.len() {
            let mut k = 0;
            for e in deps.row(s) {
                if e.share >= 1.0 {
                    hard_rank.push(k);
                    k += 1;
                } else {
                    hard_rank.push(NONE);
                }
            }
            let last = *cause_offsets.last().unwrap_or(&0);
            cause_offsets.push(last + 1 + k);
        }
        let mut rev: Vec<Vec<ReverseEdge>> = vec![Vec::new(); n + n_gates];
        for s in 0..m.services.len() {
            for ei in deps.range(s) {
                rev[deps.items[ei].on as usize].push(ReverseEdge {
                    from: s as u32,
                    edge: ei as u32,
                });
            }
        }
        let dependents = Csr::from_rows(rev);
        let needs = Csr::from_rows(
            m.services
                .iter()
                .map(|s| s.recovery_needs.iter().map(|&x| x as u32).collect()),
        );
        let mut nb: Vec<Vec<u32>> = vec![Vec::new(); m.services.len()];
        for (s, svc) in m.services.iter().enumerate() {
            for &n in &svc.recovery_needs {
                nb[n].push(s as u32);
            }
        }
        let needed_by = Csr::from_rows(nb);
        let svc_hazards = Csr::from_rows(m.services.iter().map(|s| {
            s.hazards
                .iter()
                .map(|h| CHazard {
                    mtbf: add(&h.mtbf),
                    repair: add(&h.repair),
                })
                .collect()
        }));
        // Fleets. Validation bounds the instance copies (`model::MAX_FLEET_COPIES`), so
        // every index fits in a u32.
        let mut fleet_of = vec![NONE; m.services.len()];
        let mut fleets = Vec::new();
        let (mut n_slots, mut n_insts, mut n_hz) = (0usize, 0usize, 0usize);
        for (i, s) in m.services.iter().enumerate() {
            if s.instances <= 1 {
                continue;
            }
            let n = s.instances as usize;
            let slots = s.replicas.len() + s.rebuild.is_some() as usize;
            fleet_of[i] = fleets.len() as u32;
            fleets.push(CFleet {
                service: i as u32,
                instances: s.instances,
                replicas: s.replicas.len() as u32,
                slots: slots as u32,
                slot_base: n_slots as u32,
                inst_base: n_insts as u32,
                hz_base: n_hz as u32,
            });
            n_slots += slots;
            n_insts += slots * n;
            n_hz += n;
        }
        let mut order: Vec<usize> = (0..m.services.len()).collect();
        if m.recovery.order == RecoveryOrder::ByUsers {
            // Most users first; ties in file order (the sort is stable).
            order.sort_by(|&a, &b| m.services[b].users.cmp(&m.services[a].users));
        }
        let mut priority = vec![0u32; m.services.len()];
        for (rank, &s) in order.iter().enumerate() {
            priority[s] = rank as u32;
        }
        let svc_key = m.services.iter().map(|s| fnv1a(s.id.as_bytes())).collect();
        let mut events = Vec::new();
        let mut picks = Vec::new();
        fn flatten(
            e: &crate::model::Event,
            parent: u32,
            out: &mut Vec<CEvent>,
            picks: &mut Vec<CPick>,
            add: &mut dyn FnMut(&Dist) -> u32,
        ) {
            let me = out.len() as u32;
            let (site, pick) = match (e.site, e.count) {
                (Some(x), None) => (x as u32, NONE),
                (_, count) => {
                    picks.push(CPick {
                        sites: e.sites.iter().map(|&x| x as u32).collect(),
                        count: count.unwrap_or(e.sites.len()) as u32,
                        draw: count.is_some(),
                    });
                    (NONE, (picks.len() - 1) as u32)
                }
            };
            out.push(CEvent {
                site,
                pick,
                parent,
                start: add(&e.start),
                probability: e.probability,
                lasts: add(&e.lasts),
                destroys: e.destroys,
            });
            for f in &e.then {
                flatten(f, me, out, picks, add);
            }
        }
        for e in &m.events {
            flatten(e, NONE, &mut events, &mut picks, &mut add);
        }
        let max_pick = picks.iter().map(|p| p.sites.len()).max().unwrap_or(0);
        let has_partial = deps.items.iter().any(|e| e.share < 1.0);
        let subs = Csr::from_rows(m.services.iter().map(|s| {
            s.substitutes
                .iter()
                .map(|x| CSub {
                    to: match x.to {
                        crate::model::SubstituteTo::Service(i) => i as u32,
                        crate::model::SubstituteTo::Outside(_) => NONE,
                    },
                    share: x.share,
                    after: x.after,
                })
                .collect::<Vec<_>>()
        }));
        let mut sb: Vec<Vec<u32>> = vec![Vec::new(); m.services.len()];
        for (i, s) in m.services.iter().enumerate() {
            for x in &s.substitutes {
                if let crate::model::SubstituteTo::Service(t) = x.to {
                    sb[t].push(i as u32);
                }
            }
        }
        let subbed_by = Csr::from_rows(sb);
        let has_subs = !subs.items.is_empty();
        let journey_needs = Csr::from_rows(
            m.journeys
                .iter()
                .map(|j| j.needs.iter().map(|&x| x as u32).collect()),
        );
        let mut jo: Vec<Vec<u32>> = vec![Vec::new(); m.services.len()];
        for (j, journey) in m.journeys.iter().enumerate() {
            for &s in &journey.needs {
                jo[s].push(j as u32);
            }
        }
        let journeys_of = Csr::from_rows(jo);
        Compiled {
            horizon: m.horizon,
            dists,
            site_enter,
            site_exit,
            tour,
            site_hazards,
            tour_replicas,
            tour_replica_start,
            replica_site,
            replica_service,
            svc_replicas,
            users,
            weight,
            total_weight,
            mode,
            restart,
            rebuild_takes,
            rebuild_to,
            dep_kinds: DepKinds::of(&deps, &hard_rank),
            deps,
            dependents,
            gate_members,
            gate_fails_at,
            gates_of,
            has_alt: n_gates > 0,
            general: n_gates > 0 || !fleets.is_empty(),
            hard_rank,
            cause_offsets,
            needs,
            needed_by,
            svc_hazards,
            has_fleet: !fleets.is_empty(),
            fleet_of,
            fleets,
            n_fleet_slots: n_slots,
            n_fleet_insts: n_insts,
            n_fleet_hz: n_hz,
            priority,
            svc_key,
            events,
            picks,
            max_pick,
            common,
            crews: m.recovery.crews,
            bootstrap: m.recovery.bootstrap,
            has_partial,
            subs,
            subbed_by,
            has_subs,
            has_journeys: !m.journeys.is_empty(),
            journey_needs,
            journeys_of,
            journey_users: m.journeys.iter().map(|j| j.users() as f64).collect(),
            overrides: Overrides::none(m.services.len(), m.sites.len()),
        }
    }

    /// Replicas whose site is `site` or lies inside it.
    #[inline]
    pub fn subtree_replicas(&self, site: usize) -> &[u32] {
        let lo = self.tour_replica_start[self.site_enter[site] as usize] as usize;
        let hi = self.tour_replica_start[self.site_exit[site] as usize] as usize;
        &self.tour_replicas[lo..hi]
    }

    /// Whether `site` is `ancestor` or lies inside it. O(1).
    #[inline]
    pub fn within(&self, site: u32, ancestor: u32) -> bool {
        let e = self.site_enter[site as usize];
        self.site_enter[ancestor as usize] <= e && e < self.site_exit[ancestor as usize]
    }

    /// Instances per replica of service `s` (1 unless it is a fleet).
    #[inline]
    pub fn instances(&self, s: usize) -> u32 {
        match self.fleet_of[s] {
            NONE => 1,
            f => self.fleets[f as usize].instances,
        }
    }

    pub fn n_services(&self) -> usize {
        self.users.len()
    }
    /// Services and gates: the nodes of the "who is down" propagation.
    pub fn n_nodes(&self) -> usize {
        self.users.len() + self.gate_fails_at.len()
    }
    pub fn n_sites(&self) -> usize {
        self.site_enter.len()
    }
    pub fn n_journeys(&self) -> usize {
        self.journey_needs.offsets.len() - 1
    }
    pub fn n_causes(&self) -> usize {
        *self.cause_offsets.last().unwrap_or(&0) as usize
    }
}
