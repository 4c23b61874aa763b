//! The deterministic blast matrix behind `whatif`: every site, and every service, lost
//! for the whole horizon with nothing recovering; which services go down, which degrade,
//! and how many users are affected.
//!
//! The rules are those of [`crate::model::blast`] (a service's own state is down when its
//! mode cannot be met from the replicas outside the lost sites; outages spread backwards
//! along hard dependencies; partial dependencies degrade). `blast` itself looks at every
//! service and edge for each loss, which makes a matrix of `S + V` rows cost
//! `O((S + V) · (V + E))`. Here each row is one traversal that touches only what the loss
//! reaches: the replicas inside the lost site, the services that go down and the edges
//! into them, with scratch arrays reused between rows and cleared by the list of what
//! was touched. The tests check every row against `blast`.

use petgraph::visit::EdgeRef;
use petgraph::Direction;

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
    /// Users of the down services plus share-weighted users of the degraded ones.
    pub users_affected: f64,
}

/// Scratch state reused between rows; every array is indexed by service (or site) and
/// reset only where a row touched it.
struct Scratch {
    down: Vec<bool>,
    candidate: Vec<bool>,
    /// Replicas of each service lost so far in the current row.
    lost_replicas: Vec<u32>,
    touched: Vec<ServiceIdx>,
    queue: Vec<ServiceIdx>,
}

/// Per site, the services with a replica in it or inside it (one entry per replica).
fn subtree_replicas(model: &Model) -> Vec<Vec<ServiceIdx>> {
    let mut per_site: Vec<Vec<ServiceIdx>> = vec![Vec::new(); model.sites.len()];
    for (i, svc) in model.services.iter().enumerate() {
        for &r in &svc.replicas {
            let mut cur = Some(r);
            while let Some(x) = cur {
                per_site[x].push(i);
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
/// edges into them and `k` services affected.
pub fn whatif(model: &Model) -> Vec<BlastRow> {
    let n = model.services.len();
    let under = subtree_replicas(model);
    let mut sc = Scratch {
        down: vec![false; n],
        candidate: vec![false; n],
        lost_replicas: vec![0; n],
        touched: Vec::new(),
        queue: Vec::new(),
    };
    let mut rows = Vec::with_capacity(model.sites.len() + n);
    for (site, services) in under.iter().enumerate() {
        for &s in services {
            if sc.lost_replicas[s] == 0 {
                sc.touched.push(s);
            }
            sc.lost_replicas[s] += 1;
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

/// Spreads the outages seeded in `sc.down`/`sc.queue` along hard dependencies, collects
/// the degraded dependents, and resets the scratch arrays it touched.
fn spread(model: &Model, sc: &mut Scratch, lost: Lost) -> BlastRow {
    let mut down: Vec<ServiceIdx> = sc.queue.clone();
    while let Some(b) = sc.queue.pop() {
        for e in model
            .graph
            .edges_directed(Model::node(b), Direction::Incoming)
        {
            let a = e.source().index();
            if let EdgeKind::Depends { share, .. } = e.weight() {
                if *share >= 1.0 {
                    if !sc.down[a] {
                        sc.down[a] = true;
                        sc.queue.push(a);
                        down.push(a);
                    }
                } else if !sc.candidate[a] {
                    sc.candidate[a] = true;
                    sc.touched.push(a);
                }
            }
        }
    }
    let mut degraded: Vec<(ServiceIdx, f64)> = Vec::new();
    for &a in &sc.touched {
        sc.candidate[a] = false;
        if sc.down[a] {
            continue;
        }
        let kept: f64 = model.services[a]
            .depends_on
            .iter()
            .filter(|d| sc.down[d.on])
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
    down.sort_unstable();
    degraded.sort_unstable_by_key(|d| d.0);
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
