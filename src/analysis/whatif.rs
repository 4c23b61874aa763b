//! The deterministic blast matrix behind `whatif`: every site, and every service, lost
//! for the whole horizon with nothing recovering; which services go down, which degrade,
//! and how many users are affected.
//!
//! The rules are those of [`crate::model::blast`] (a service's own state is down when its
//! mode cannot be met from the replicas outside the lost sites; outages spread backwards
//! along hard dependencies, and along recovery needs to the standby services whose first
//! replica is lost, which cannot fail over; partial dependencies degrade; services left
//! up with a recovery need down have lost a way to recover). `blast` itself looks at
//! every service and edge for each loss, which makes a matrix of `S + V` rows cost
//! `O((S + V) · (V + E))`. Here each row is one traversal that touches only what the loss
//! reaches: the replicas inside the lost site, the services that go down and the edges
//! into them, with scratch arrays reused between rows and cleared by the list of what
//! was touched. The tests check every row against `blast`.

use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::model::blast::{spreads, AltCount};
use crate::model::{EdgeKind, Mode, Model, ServiceIdx, SiteIdx};

/// What is lost for good in one row of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lost {
    /// A site, with every site inside it.
    Site(SiteIdx),
    /// A service, whatever its replicas.
    Service(ServiceIdx),
}

/// One row of the blast matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct BlastRow {
    pub lost: Lost,
    /// Services down, in file order.
    pub down: Vec<ServiceIdx>,
    /// Services up but degraded, in file order, with the share of their users they lose.
    pub degraded: Vec<(ServiceIdx, f64)>,
    /// Services up with at least one recovery need down, in file order: they have lost a
    /// way to recover.
    pub recovery_lost: Vec<ServiceIdx>,
    /// Users of the down services plus share-weighted users of the degraded ones.
    pub users_affected: f64,
}

/// Scratch state reused between rows; every array is indexed by service (or site) and
/// reset only where a row touched it.
struct Scratch {
    down: Vec<bool>,
    candidate: Vec<bool>,
    /// Services with a recovery need down in the current row (listed in `needy`).
    needy_mark: Vec<bool>,
    needy: Vec<ServiceIdx>,
    /// `ActiveStandby` services whose first replica is lost in the current row.
    primary_lost: Vec<bool>,
    /// Replicas of each service lost so far in the current row.
    lost_replicas: Vec<u32>,
    touched: Vec<ServiceIdx>,
    queue: Vec<ServiceIdx>,
    /// Alternatives down per `AnyOf` dependency in the current row.
    alts: AltCount,
}

/// Per site, the services with a replica in it or inside it (one entry per replica),
/// each with whether that replica is the service's first (its serving one).
fn subtree_replicas(model: &Model) -> Vec<Vec<(ServiceIdx, bool)>> {
    let mut per_site: Vec<Vec<(ServiceIdx, bool)>> = vec![Vec::new(); model.sites.len()];
    for (i, svc) in model.services.iter().enumerate() {
        for (k, &r) in svc.replicas.iter().enumerate() {
            let mut cur = Some(r);
            while let Some(x) = cur {
                per_site[x].push((i, k == 0));
                cur = model.sites[x].parent;
            }
        }
    }
    per_site
}

/// The blast matrix: one row per site (file order), then one per service (file order),
/// sorted by users affected, most first; ties keep that order.
///
/// # Complexity
/// `O(S·depth + R·depth)` to list the replicas under each site, then per row
/// `O(r + d + e + k log k)`: `r` replicas inside the lost site, `d` services down, `e`
/// edges into them and `k` services affected (down, degraded or left without a way to
/// recover).
pub fn whatif(model: &Model) -> Vec<BlastRow> {
    let n = model.services.len();
    let under = subtree_replicas(model);
    let mut sc = Scratch {
        down: vec![false; n],
        candidate: vec![false; n],
        needy_mark: vec![false; n],
        needy: Vec::new(),
        primary_lost: vec![false; n],
        lost_replicas: vec![0; n],
        touched: Vec::new(),
        queue: Vec::new(),
        alts: AltCount::new(model),
    };
    let mut rows = Vec::with_capacity(model.sites.len() + n);
    for (site, services) in under.iter().enumerate() {
        for &(s, first) in services {
            if sc.lost_replicas[s] == 0 {
                sc.touched.push(s);
            }
            sc.lost_replicas[s] += 1;
            if first && matches!(model.services[s].mode, Mode::ActiveStandby { .. }) {
                sc.primary_lost[s] = true;
            }
        }
        for k in 0..sc.touched.len() {
            let s = sc.touched[k];
            let svc = &model.services[s];
            let remaining = svc.replicas.len() - sc.lost_replicas[s] as usize;
            let own_down = match svc.mode {
                Mode::ActiveActive { min } => remaining < min,
                Mode::ActiveStandby { .. } => remaining == 0,
            };
            if own_down {
                sc.down[s] = true;
                sc.queue.push(s);
            }
        }
        for &s in &sc.touched {
            sc.lost_replicas[s] = 0;
        }
        sc.touched.clear();
        rows.push(spread(model, &mut sc, Lost::Site(site)));
        for &(s, _) in services {
            sc.primary_lost[s] = false;
        }
    }
    for s in 0..n {
        sc.down[s] = true;
        sc.queue.push(s);
        rows.push(spread(model, &mut sc, Lost::Service(s)));
    }
    // Stable: ties keep sites then services, each in file order.
    rows.sort_by(|a, b| b.users_affected.total_cmp(&a.users_affected));
    rows
}

/// Spreads the outages seeded in `sc.down`/`sc.queue` along hard dependencies and along
/// the recovery needs of standbys whose first replica is lost (`sc.primary_lost`),
/// collects the degraded dependents and those left without a way to recover, and resets
/// the scratch arrays it touched (except `sc.primary_lost`, which the caller set).
fn spread(model: &Model, sc: &mut Scratch, lost: Lost) -> BlastRow {
    let mut down: Vec<ServiceIdx> = sc.queue.clone();
    while let Some(b) = sc.queue.pop() {
        for e in model
            .graph
            .edges_directed(Model::node(b), Direction::Incoming)
        {
            let a = e.source().index();
            if spreads(model, &mut sc.alts, e.weight(), sc.primary_lost[a]) {
                if !sc.down[a] {
                    sc.down[a] = true;
                    sc.queue.push(a);
                    down.push(a);
                }
            } else {
                match e.weight() {
                    EdgeKind::Depends { .. } | EdgeKind::Alternative { .. } => {
                        if !sc.candidate[a] {
                            sc.candidate[a] = true;
                            sc.touched.push(a);
                        }
                    }
                    EdgeKind::Needs => {
                        if !sc.needy_mark[a] {
                            sc.needy_mark[a] = true;
                            sc.needy.push(a);
                        }
                    }
                }
            }
        }
    }
    let mut recovery_lost: Vec<ServiceIdx> = Vec::new();
    for &a in &sc.needy {
        sc.needy_mark[a] = false;
        if !sc.down[a] {
            recovery_lost.push(a);
        }
    }
    sc.needy.clear();
    let mut degraded: Vec<(ServiceIdx, f64)> = Vec::new();
    for &a in &sc.touched {
        sc.candidate[a] = false;
        if sc.down[a] {
            continue;
        }
        let kept: f64 = model.services[a]
            .depends_on
            .iter()
            .filter(|d| d.on.is_down(&sc.down))
            .map(|d| 1.0 - d.share)
            .product();
        if kept < 1.0 {
            degraded.push((a, 1.0 - kept));
        }
    }
    sc.touched.clear();
    for &s in &down {
        sc.down[s] = false;
    }
    sc.alts.reset();
    down.sort_unstable();
    degraded.sort_unstable_by_key(|d| d.0);
    recovery_lost.sort_unstable();
    let users = |s: ServiceIdx| model.services[s].users as f64;
    // Folded from +0.0: an empty `sum` of floats is −0.0.
    let users_affected = down.iter().fold(0.0, |acc, &s| acc + users(s))
        + degraded
            .iter()
            .fold(0.0, |acc, &(s, share)| acc + share * users(s));
    BlastRow {
        lost,
        down,
        degraded,
        recovery_lost,
        users_affected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::blast::blast;

    fn check_against_blast(m: &Model) {
        let rows = whatif(m);
        assert_eq!(rows.len(), m.sites.len() + m.services.len());
        for r in &rows {
            let mut sites = vec![false; m.sites.len()];
            let mut services = vec![false; m.services.len()];
            match r.lost {
                Lost::Site(x) => sites[x] = true,
                Lost::Service(x) => services[x] = true,
            }
            let b = blast(m, &sites, &services);
            let down: Vec<ServiceIdx> = b.down_services().collect();
            assert_eq!(r.down, down, "{:?}", r.lost);
            let degraded: Vec<(ServiceIdx, f64)> = b
                .degraded
                .iter()
                .enumerate()
                .filter(|(_, d)| **d > 0.0)
                .map(|(i, d)| (i, *d))
                .collect();
            assert_eq!(r.degraded, degraded, "{:?}", r.lost);
            let recovery_lost: Vec<ServiceIdx> = b.recovery_lost_services().collect();
            assert_eq!(r.recovery_lost, recovery_lost, "{:?}", r.lost);
        }
        assert!(rows
            .windows(2)
            .all(|w| w[0].users_affected >= w[1].users_affected));
    }

    #[test]
    fn every_row_agrees_with_model_blast() {
        let text = r#"Scenario(name: "t", horizon: "1d",
            sites: [(id: "r"), (id: "a", parent: "r"), (id: "a/room", parent: "a"), (id: "b", parent: "r")],
            services: [
                (id: "tools", replicas: ["a/room"]),
                (id: "db", users: 3, replicas: ["a", "b"], mode: ActiveActive(min: 2)),
                (id: "web", users: 10, replicas: ["a", "b"], depends_on: ["db", (on: "cdn", share: 0.25)]),
                (id: "cdn", replicas: ["b"]),
                (id: "x", replicas: ["b"], depends_on: ["y", (on: "cdn", share: 0.5)]),
                (id: "y", replicas: ["b", "a"], mode: ActiveStandby(failover: "1h", success: 0.5), depends_on: ["x"]),
            ],
        )"#;
        check_against_blast(&crate::model::load_str("t.ron", text).unwrap().model);
        // Standbys whose failover needs a service lost with their primary, a standby
        // serving outside the loss, an ActiveActive service with a need, a need reached
        // through a hard dependency, and a cycle of standbys each needing the other to
        // fail over (up: least fixed point) beside one whose need is lost too.
        let needs = r#"Scenario(name: "t", horizon: "1d",
            sites: [(id: "r"), (id: "a", parent: "r"), (id: "a/room", parent: "a"), (id: "b", parent: "r"), (id: "c", parent: "r")],
            services: [
                (id: "switch", replicas: ["a/room"]),
                (id: "tools", replicas: ["b", "c"], depends_on: ["switch"]),
                (id: "web", users: 10, replicas: ["a", "b"], mode: ActiveStandby(failover: "1h", success: 1.0), recovery_needs: ["switch"]),
                (id: "app", users: 5, replicas: ["b"], depends_on: ["web", (on: "mail", share: 0.5)]),
                (id: "mail", users: 3, replicas: ["b", "a"], mode: ActiveStandby(failover: "1h", success: 1.0), recovery_needs: ["switch", "tools"]),
                (id: "batch", replicas: ["a", "c"], recovery_needs: ["tools"]),
                (id: "x", replicas: ["c", "b"], mode: ActiveStandby(failover: "1h", success: 1.0), recovery_needs: ["y"]),
                (id: "y", replicas: ["c", "a"], mode: ActiveStandby(failover: "1h", success: 1.0), recovery_needs: ["x"]),
                (id: "z", users: 7, replicas: ["c", "b"], mode: ActiveStandby(failover: "1h", success: 1.0), recovery_needs: ["x", "web"], depends_on: [(on: "y", share: 0.25)]),
                (id: "db", replicas: ["a/room", "c"], mode: ActiveStandby(failover: "1h", success: 1.0), recovery_needs: ["tools"]),
            ],
        )"#;
        let m = crate::model::load_str("t.ron", needs).unwrap().model;
        check_against_blast(&m);
        let rows = whatif(&m);
        let row = |l: Lost| rows.iter().find(|r| r.lost == l).unwrap();
        let site = |id: &str| Lost::Site(m.site_index(id).unwrap());
        let ids = |v: &[ServiceIdx]| -> Vec<String> {
            v.iter().map(|&s| m.services[s].id.clone()).collect()
        };
        // a: the switch, tools through it, web (cannot fail over to b) and app; db serves
        // from a/room and its failover needs tools: down too. mail serves from b, batch
        // runs on in c and z needs web: up, unable to recover.
        let r = row(site("a"));
        assert_eq!(ids(&r.down), ["switch", "tools", "web", "app", "db"]);
        assert_eq!(ids(&r.recovery_lost), ["mail", "batch", "z"]);
        // a/room: web's primary is in a, outside the room: up, unable to recover.
        let r = row(site("a/room"));
        assert_eq!(ids(&r.down), ["switch", "tools", "db"]);
        assert_eq!(ids(&r.recovery_lost), ["web", "mail", "batch"]);
        // c: x, y, z and db lose their serving replica, but nothing they need is down:
        // they fail over (x and y each through the other).
        let r = row(site("c"));
        assert!(r.down.is_empty() && r.recovery_lost.is_empty(), "{r:?}");
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/design-example.ron");
        check_against_blast(&crate::model::load(example).unwrap().model);
    }

    #[test]
    fn every_row_agrees_with_model_blast_on_a_synthetic_graph() {
        use crate::scenario::generate::{generate, GenerateOptions};
        let sc = generate(GenerateOptions {
            services: 300,
            sites: 6,
            seed: 7,
        });
        let text = crate::scenario::generate::to_ron(&sc);
        check_against_blast(&crate::model::load_str("gen.ron", &text).unwrap().model);
    }
}
