//! The deterministic blast of a permanent loss: which services go down, and which degrade,
//! when some sites (and everything inside them) or some services are lost for good and
//! nothing recovers.
//!
//! This is the structural question behind `validate`'s single-point-of-failure warnings
//! and `whatif`'s blast matrix. It ignores time: every grace period has run out, every
//! restart is moot, and a standby whose failover could succeed is taken to have succeeded
//! (an optimistic reading of `ActiveStandby`'s `success` probability).

use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::{EdgeKind, Mode, Model, ServiceIdx, SiteIdx};

/// What a permanent loss does to each service, indexed like [`Model::services`].
#[derive(Debug, Clone, PartialEq)]
pub struct Blast {
    /// Down: its own replicas cannot meet its mode, or a hard dependency is down.
    pub down: Vec<bool>,
    /// Share of users lost by a service that is up but has partial dependencies down:
    /// `1 − Π(1 − share)` over those dependencies; 0 for an unaffected or down service.
    pub degraded: Vec<f64>,
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
/// remains). Outages then spread backwards along hard dependencies (`share` 1.0) to the
/// least fixed point: a service is down only if something it hard-depends on is down
/// for a reason that does not itself go through that service.
///
/// # Complexity
/// O(S + R + V + E), one pass over the site tree and one breadth-first traversal of the
/// reversed hard-dependency edges.
pub fn blast(model: &Model, lost_sites: &[bool], lost_services: &[bool]) -> Blast {
    let n = model.services.len();
    let site_lost = lost_subtrees(model, lost_sites);

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
    while let Some(b) = queue.pop() {
        for e in model
            .graph
            .edges_directed(Model::node(b), Direction::Incoming)
        {
            let a = e.source().index();
            if matches!(e.weight(), EdgeKind::Depends { share, .. } if *share >= 1.0) && !down[a] {
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
                .filter(|d| down[d.on])
                .map(|d| 1.0 - d.share)
                .product();
            1.0 - kept
        })
        .collect();
    Blast { down, degraded }
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
}
