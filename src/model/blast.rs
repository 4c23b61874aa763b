//! The deterministic blast of a permanent loss: which services go down, and which degrade,
//! when some sites (and everything inside them) or some services are lost for good and
//! nothing recovers.
//!
//! This is the structural question behind `validate`'s single-point-of-failure warnings
//! and `whatif`'s blast matrix. It ignores time: every grace period has run out, every
//! restart is moot, and a standby whose failover could succeed is taken to have succeeded
//! (an optimistic reading of `ActiveStandby`'s `success` probability). A failover is a
//! recovery task, so it can only succeed while every `recovery_needs` of its service is
//! up: a standby whose serving replica is lost and one of whose needs is down cannot fail
//! over, and is down. Restart and rebuild play no part (nothing recovers), so failover is
//! the only recovery a lost need can block here; a service that stays up with a need
//! down has lost a way to recover, and is listed in [`Blast::recovery_lost`].

use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::{EdgeKind, Mode, Model, ServiceIdx, SiteIdx};

/// What a permanent loss does to each service, indexed like [`Model::services`].
#[derive(Debug, Clone, PartialEq)]
pub struct Blast {
    /// Down: its own replicas cannot meet its mode, or a hard dependency is down, or it is
    /// an `ActiveStandby` service whose first replica is lost and a recovery need of which
    /// is down (it cannot fail over).
    pub down: Vec<bool>,
    /// Share of users lost by a service that is up but has partial dependencies down:
    /// `1 − Π(1 − share)` over those dependencies; 0 for an unaffected or down service.
    pub degraded: Vec<f64>,
    /// Up, but with at least one of its `recovery_needs` down: it has lost a way to
    /// recover (a failover, restart or rebuild it would need later could not progress).
    pub recovery_lost: Vec<bool>,
}

impl Blast {
    /// Services that are down, in file order.
    pub fn down_services(&self) -> impl Iterator<Item = ServiceIdx> + '_ {
        self.down
            .iter()
            .enumerate()
            .filter(|(_, d)| **d)
            .map(|(i, _)| i)
    }

    /// Services that are up but have lost a way to recover, in file order.
    pub fn recovery_lost_services(&self) -> impl Iterator<Item = ServiceIdx> + '_ {
        self.recovery_lost
            .iter()
            .enumerate()
            .filter(|(_, d)| **d)
            .map(|(i, _)| i)
    }
}

/// Whether an edge `a → b` of [`Model::graph`] takes `a` down when `b` is down for good:
/// a hard dependency always; a recovery need when `a` is an `ActiveStandby` service whose
/// first (serving) replica is lost, since its only way back, failover, needs `b`.
/// An edge to one alternative of an `AnyOf` never does on its own: see [`spreads`].
pub fn edge_spreads(kind: &EdgeKind, standby_primary_lost: bool) -> bool {
    match *kind {
        EdgeKind::Depends { share, .. } => share >= 1.0,
        EdgeKind::Alternative { .. } => false,
        EdgeKind::Needs => standby_primary_lost,
    }
}

/// Like [`edge_spreads`], for a traversal that looks at each edge into `b` once, when `b`
/// goes down: an edge to an alternative counts `b` against its `AnyOf` in `alts`, and
/// spreads when that is the alternative that takes a hard `AnyOf` down.
pub fn spreads(
    model: &Model,
    alts: &mut AltCount,
    kind: &EdgeKind,
    standby_primary_lost: bool,
) -> bool {
    match *kind {
        EdgeKind::Alternative { share, group, .. } => alts.hit(model, group) && share >= 1.0,
        _ => edge_spreads(kind, standby_primary_lost),
    }
}

/// How many alternatives of each `AnyOf` dependency ([`Model::alternatives`]) are down,
/// counted by a traversal that marks services down one at a time, and reset in time
/// proportional to what it touched.
#[derive(Debug, Clone)]
pub struct AltCount {
    down: Vec<u32>,
    touched: Vec<usize>,
}

impl AltCount {
    pub fn new(model: &Model) -> Self {
        AltCount {
            down: vec![0; model.alternatives.len()],
            touched: Vec::new(),
        }
    }

    /// One more alternative of group `g` is down: whether that is the one that takes the
    /// group down (the count reaches [`super::AnyOf::fails_at`]).
    pub fn hit(&mut self, model: &Model, g: usize) -> bool {
        if self.down[g] == 0 {
            self.touched.push(g);
        }
        self.down[g] += 1;
        self.down[g] as usize == model.any_of(g).0.fails_at()
    }

    /// Back to nothing down.
    pub fn reset(&mut self) {
        for &g in &self.touched {
            self.down[g] = 0;
        }
        self.touched.clear();
    }
}

/// Whether `svc` is an `ActiveStandby` service whose first replica is in a lost site
/// (`site_lost` indexed like [`Model::sites`]).
pub fn standby_primary_lost(svc: &super::Service, site_lost: &[bool]) -> bool {
    matches!(svc.mode, Mode::ActiveStandby { .. })
        && svc.replicas.first().is_some_and(|&r| site_lost[r])
}

/// Which services go down (and degrade) when the sites marked in `lost` (indexed like
/// [`Model::sites`]) are lost for good, together with every site inside them.
///
/// # Complexity
/// O(S + R + V + E): S sites, R replicas in all, V services and E dependency edges.
pub fn lost_sites_blast(model: &Model, lost: &[bool]) -> Blast {
    blast(model, lost, &vec![false; model.services.len()])
}

/// Like [`lost_sites_blast`], with the services marked in `lost_services` (indexed like
/// [`Model::services`]) also down for good whatever their replicas.
///
/// A service's own state is down when its mode cannot be met from the replicas outside
/// the lost sites (`ActiveActive(min: k)`: fewer than k remain; `ActiveStandby`: none
/// remains). Outages then spread backwards along hard dependencies (`share` 1.0), and
/// along recovery needs to the `ActiveStandby` services whose first replica is lost (they
/// cannot fail over without the need), to the least fixed point: a service is down only
/// if something it hard-depends on, or its failover needs, is down for a reason that
/// does not itself go through that service. Services left up with a recovery need down
/// are marked in [`Blast::recovery_lost`].
///
/// # Complexity
/// O(S + R + V + E), one pass over the site tree and one breadth-first traversal of the
/// reversed hard-dependency and recovery-need edges.
pub fn blast(model: &Model, lost_sites: &[bool], lost_services: &[bool]) -> Blast {
    let n = model.services.len();
    let site_lost = lost_subtrees(model, lost_sites);

    let primary_lost: Vec<bool> = model
        .services
        .iter()
        .map(|svc| standby_primary_lost(svc, &site_lost))
        .collect();
    let mut down = vec![false; n];
    let mut queue: Vec<ServiceIdx> = Vec::new();
    for (i, svc) in model.services.iter().enumerate() {
        let remaining = svc.replicas.iter().filter(|&&r| !site_lost[r]).count();
        let own_down = lost_services.get(i).copied().unwrap_or(false)
            || match svc.mode {
                Mode::ActiveActive { min } => remaining < min,
                Mode::ActiveStandby { .. } => remaining == 0,
            };
        if own_down {
            down[i] = true;
            queue.push(i);
        }
    }
    // Every service enters the queue at most once, every edge is looked at once.
    let mut alts = AltCount::new(model);
    while let Some(b) = queue.pop() {
        for e in model
            .graph
            .edges_directed(Model::node(b), Direction::Incoming)
        {
            let a = e.source().index();
            if spreads(model, &mut alts, e.weight(), primary_lost[a]) && !down[a] {
                down[a] = true;
                queue.push(a);
            }
        }
    }

    let degraded = model
        .services
        .iter()
        .enumerate()
        .map(|(i, svc)| {
            if down[i] {
                return 0.0;
            }
            let kept: f64 = svc
                .depends_on
                .iter()
                .filter(|d| d.on.is_down(&down))
                .map(|d| 1.0 - d.share)
                .product();
            1.0 - kept
        })
        .collect();
    let recovery_lost = model
        .services
        .iter()
        .enumerate()
        .map(|(i, svc)| !down[i] && svc.recovery_needs.iter().any(|&r| down[r]))
        .collect();
    Blast {
        down,
        degraded,
        recovery_lost,
    }
}

/// Per site: whether it or one of its ancestors is marked in `lost`.
fn lost_subtrees(model: &Model, lost: &[bool]) -> Vec<bool> {
    let s = model.sites.len();
    // None: not decided yet. Each site is decided once; a walk up stops at the first
    // decided ancestor, so the whole pass is linear.
    let mut memo: Vec<Option<bool>> = vec![None; s];
    let mut chain: Vec<SiteIdx> = Vec::new();
    for start in 0..s {
        let mut cur = Some(start);
        let verdict = loop {
            match cur {
                None => break false,
                Some(x) => {
                    if let Some(v) = memo[x] {
                        break v;
                    }
                    if lost.get(x).copied().unwrap_or(false) {
                        break true;
                    }
                    chain.push(x);
                    cur = model.sites[x].parent;
                }
            }
        };
        for x in chain.drain(..) {
            memo[x] = Some(verdict);
        }
        memo[start].get_or_insert(verdict);
    }
    memo.into_iter().map(|v| v.unwrap_or(false)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> Model {
        crate::model::load_str("t.ron", text).unwrap().model
    }

    const TEXT: &str = r#"Scenario(name: "t", horizon: "1d",
        sites: [(id: "r"), (id: "a", parent: "r"), (id: "a/room", parent: "a"), (id: "b", parent: "r")],
        services: [
            (id: "tools", replicas: ["a/room"]),
            (id: "db", replicas: ["a", "b"], mode: ActiveActive(min: 2)),
            (id: "web", replicas: ["a", "b"], depends_on: ["db", (on: "cdn", share: 0.25)]),
            (id: "cdn", replicas: ["b"]),
            (id: "x", replicas: ["b"], depends_on: ["y"]),
            (id: "y", replicas: ["b"], depends_on: ["x"]),
        ],
    )"#;

    #[test]
    fn losing_a_site_takes_its_subtree_and_spreads_along_hard_dependencies() {
        let m = model(TEXT);
        let lose = |id: &str| {
            let mut v = vec![false; m.sites.len()];
            v[m.site_index(id).unwrap()] = true;
            lost_sites_blast(&m, &v)
        };
        // a: tools (inside a), db (needs both), web (hard on db).
        assert_eq!(lose("a").down, [true, true, true, false, false, false]);
        assert_eq!(
            lose("a/room").down,
            [true, false, false, false, false, false]
        );
        // b: db, web through db, cdn, and the x ⇄ y cycle (both lose their only replica).
        let b = lose("b");
        assert_eq!(b.down, [false, true, true, true, true, true]);
        assert_eq!(b.degraded, [0.0; 6]);
        let none = lost_sites_blast(&m, &vec![false; m.sites.len()]);
        assert!(none.down.iter().all(|d| !d));
    }

    #[test]
    fn partial_dependencies_degrade() {
        let m = model(TEXT);
        let mut lost = vec![false; m.services.len()];
        lost[m.service_index("cdn").unwrap()] = true;
        let r = blast(&m, &vec![false; m.sites.len()], &lost);
        assert_eq!(r.down, [false, false, false, true, false, false]);
        assert_eq!(r.degraded[2], 0.25);
        // A dependency cycle with both sides running stays up (least fixed point).
        assert!(!r.down[4] && !r.down[5]);
    }

    const FAILOVER: &str = r#"Scenario(name: "t", horizon: "1d",
        sites: [(id: "a"), (id: "b")],
        services: [
            (id: "switch", replicas: ["a"]),
            (id: "web", users: 10, replicas: ["a", "b"], mode: ActiveStandby(failover: "1h", success: 1.0), recovery_needs: ["switch"]),
            (id: "app", users: 5, replicas: ["b"], depends_on: ["web"]),
            (id: "mail", replicas: ["b", "a"], mode: ActiveStandby(failover: "1h", success: 1.0), recovery_needs: ["switch"]),
            (id: "batch", replicas: ["a", "b"], recovery_needs: ["switch"]),
            (id: "x", replicas: ["a", "b"], mode: ActiveStandby(failover: "1h", success: 1.0), recovery_needs: ["y"]),
            (id: "y", replicas: ["a", "b"], mode: ActiveStandby(failover: "1h", success: 1.0), recovery_needs: ["x"]),
        ],
    )"#;

    fn lose_site(m: &Model, id: &str) -> Blast {
        let mut v = vec![false; m.sites.len()];
        v[m.site_index(id).unwrap()] = true;
        lost_sites_blast(m, &v)
    }

    #[test]
    fn a_standby_cannot_fail_over_when_its_failover_needs_a_service_lost_with_its_primary() {
        let m = model(FAILOVER);
        let r = lose_site(&m, "a");
        // switch burns with a; web served from a and its failover to b needs the switch:
        // down, and app with it. mail serves from b: up, but it can no longer recover.
        // batch (ActiveActive) runs on in b without recovering. x and y each need the
        // other to fail over, and neither is down for any other reason: both up.
        assert_eq!(r.down, [true, true, true, false, false, false, false]);
        assert_eq!(
            r.recovery_lost,
            [false, false, false, true, true, false, false]
        );
        // Losing b: app loses its only replica; web's primary is up, and the switch too.
        let r = lose_site(&m, "b");
        assert_eq!(r.down, [false, false, true, false, false, false, false]);
        assert!(r.recovery_lost.iter().all(|x| !x));
    }

    #[test]
    fn a_lost_need_alone_takes_nothing_down_but_leaves_its_services_unable_to_recover() {
        let m = model(FAILOVER);
        let mut lost = vec![false; m.services.len()];
        lost[m.service_index("switch").unwrap()] = true;
        let r = blast(&m, &vec![false; m.sites.len()], &lost);
        assert_eq!(r.down, [true, false, false, false, false, false, false]);
        assert_eq!(r.recovery_lost_services().collect::<Vec<_>>(), [1, 3, 4]);
        // x lost for good: y, served from a that is not lost, stays up without recovery.
        let mut lost = vec![false; m.services.len()];
        lost[m.service_index("x").unwrap()] = true;
        let r = blast(&m, &vec![false; m.sites.len()], &lost);
        assert_eq!(r.down_services().collect::<Vec<_>>(), [5]);
        assert_eq!(r.recovery_lost_services().collect::<Vec<_>>(), [6]);
    }
}
