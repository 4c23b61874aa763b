//! Design warnings of `validate`: things that are legal in a scenario but that a reviewer
//! should look at. Each points at the site or service it is about.
//!
//! 1. Single points of failure: a site whose permanent loss takes down services that have
//!    users (see [`super::blast`]).
//! 2. Recovery-dependency cycles: services whose recovery needs lead back to themselves
//!    through other needs or hard dependencies; if they all go down together, none can
//!    recover until `recovery.bootstrap` breaks the deadlock.
//! 3. The Kakao pattern: a service whose recovery need runs only where the service itself
//!    runs, so one loss takes both the service and the means to recover it (the 2022
//!    Pangyo fire, `shared/incidents.md`).

use petgraph::algo::tarjan_scc;
use petgraph::visit::EdgeFiltered;

use super::blast::lost_sites_blast;
use super::{EdgeKind, Loaded, Model, ServiceIdx};
use crate::error::Diagnostic;
use crate::scenario::duration::format_hours;
use crate::scenario::locate::{Anchor, Locator};

/// How many service ids a warning names before it says "and N more".
const NAMED: usize = 5;

/// The warnings about the base design, in file order.
pub fn warnings(l: &Loaded) -> Vec<Diagnostic> {
    warnings_in(&l.file, &l.text, &l.model)
}

/// The warnings about `m`, located in `text` (the scenario file `file`), in file order.
pub fn warnings_in(file: &str, text: &str, m: &Model) -> Vec<Diagnostic> {
    let loc = Locator::new(text);
    let mut out = Vec::new();
    single_points_of_failure(file, &loc, m, &mut out);
    recovery_cycles(file, &loc, m, &mut out);
    shared_recovery_sites(file, &loc, m, &mut out);
    // Stable: warnings at the same place keep the order of the kinds above.
    out.sort_by_key(|d| (d.line == 0, d.line, d.col));
    out
}

fn at(file: &str, loc: &Locator, anchors: &[Anchor], field: String, message: String) -> Diagnostic {
    let (line, col) = loc.locate(anchors);
    Diagnostic::at(file, line, col, &field, message)
}

fn single_points_of_failure(file: &str, loc: &Locator, m: &Model, out: &mut Vec<Diagnostic>) {
    let mut lost = vec![false; m.sites.len()];
    for (s, site) in m.sites.iter().enumerate() {
        lost[s] = true;
        let blast = lost_sites_blast(m, &lost);
        lost[s] = false;
        let hit: Vec<ServiceIdx> = blast
            .down_services()
            .filter(|&i| m.services[i].users > 0)
            .collect();
        if hit.is_empty() {
            continue;
        }
        let users: u64 = hit.iter().map(|&i| m.services[i].users).sum();
        let inside = if m.sites.iter().any(|x| x.parent == Some(s)) {
            " (with the sites inside it)"
        } else {
            ""
        };
        out.push(at(
            file,
            loc,
            &[Anchor::Field("sites"), Anchor::Id(&site.id)],
            format!("sites[{}]", site.id),
            format!(
                "single point of failure: losing site \"{}\"{inside} takes down {} service{} with users ({} users, counted per service): {}",
                site.id,
                hit.len(),
                if hit.len() == 1 { "" } else { "s" },
                thousands(users),
                name_some(m, &hit),
            ),
        ));
    }
}

fn recovery_cycles(file: &str, loc: &Locator, m: &Model, out: &mut Vec<Diagnostic>) {
    // A task blocked on a need waits for that need to be up; a service is up only while
    // its hard dependencies are. So both kinds of edge can close a deadlock, but only a
    // cycle with at least one need in it is about recovery.
    let blocking = EdgeFiltered::from_fn(&m.graph, |e| match *e.weight() {
        EdgeKind::Needs => true,
        EdgeKind::Depends { share, .. } => share >= 1.0,
    });
    let mut component = vec![usize::MAX; m.services.len()];
    let sccs = tarjan_scc(&blocking);
    for (c, scc) in sccs.iter().enumerate() {
        for n in scc {
            component[n.index()] = c;
        }
    }
    let mut reported = vec![false; sccs.len()];
    // File order: the first service (and its first need) that closes a cycle.
    for (u, svc) in m.services.iter().enumerate() {
        let c = component[u];
        if reported[c] || sccs[c].len() < 2 {
            continue;
        }
        let Some(&v) = svc.recovery_needs.iter().find(|&&v| component[v] == c) else {
            continue;
        };
        reported[c] = true;
        let mut cycle = vec![u];
        cycle.extend(path_within(m, &blocking, &component, v, u));
        let ids: Vec<&str> = cycle.iter().map(|&i| m.services[i].id.as_str()).collect();
        let bootstrap = match m.recovery.bootstrap {
            Some(h) => format!(
                "recovery.bootstrap, which is set: {} after they block",
                format_hours(h)
            ),
            None => {
                "recovery.bootstrap, which is not set: they would stay down to the horizon".into()
            }
        };
        let others = if sccs[c].len() > cycle.len() - 1 {
            format!(" ({} services in this cycle group)", sccs[c].len())
        } else {
            String::new()
        };
        out.push(at(
            file,
            loc,
            &[
                Anchor::Field("services"),
                Anchor::Id(&svc.id),
                Anchor::Field("recovery_needs"),
                Anchor::Str(&m.services[v].id),
            ],
            format!("services[{}].recovery_needs", svc.id),
            format!(
                "recovery-dependency cycle: {}{others}; if these go down together they can only recover through {bootstrap}",
                ids.join(" → ")
            ),
        ));
    }
}

/// The shortest path `from → … → to` over the edges of `g` inside one strongly connected
/// component (breadth-first, neighbours in edge order, so the answer is stable).
fn path_within<G>(
    m: &Model,
    g: G,
    component: &[usize],
    from: ServiceIdx,
    to: ServiceIdx,
) -> Vec<ServiceIdx>
where
    G: petgraph::visit::IntoNeighbors<NodeId = petgraph::graph::NodeIndex>,
{
    let n = m.services.len();
    let mut prev = vec![usize::MAX; n];
    let mut seen = vec![false; n];
    let mut queue = std::collections::VecDeque::from([from]);
    seen[from] = true;
    while let Some(x) = queue.pop_front() {
        if x == to {
            break;
        }
        let mut next: Vec<ServiceIdx> = g
            .neighbors(Model::node(x))
            .map(|y| y.index())
            .filter(|&y| component[y] == component[from])
            .collect();
        // petgraph lists a node's edges newest first; the file lists them oldest first.
        next.reverse();
        for y in next {
            if !seen[y] {
                seen[y] = true;
                prev[y] = x;
                queue.push_back(y);
            }
        }
    }
    let mut path = vec![to];
    let mut x = to;
    // `to` is reachable from `from`: both lie in one strongly connected component.
    while x != from && prev[x] != usize::MAX {
        x = prev[x];
        path.push(x);
    }
    path.reverse();
    path
}

fn shared_recovery_sites(file: &str, loc: &Locator, m: &Model, out: &mut Vec<Diagnostic>) {
    for svc in &m.services {
        for &n in &svc.recovery_needs {
            let need = &m.services[n];
            // One site of the service that every site of the need equals, lies inside, or
            // contains: losing the larger of the two takes the service's replica there and
            // every replica of the need. A need as redundant as the service (both in `a`
            // and `b`) has no such site and is not flagged.
            let shared = svc.replicas.iter().find_map(|&q| {
                let mut larger = q;
                for &r in &need.replicas {
                    if m.site_within(r, q) {
                        continue;
                    }
                    if !m.site_within(q, r) {
                        return None;
                    }
                    // Sites containing q are nested in one another: keep the largest.
                    if m.site_within(larger, r) {
                        larger = r;
                    }
                }
                Some(larger)
            });
            let Some(shared) = shared else { continue };
            let need_sites: Vec<&str> = need
                .replicas
                .iter()
                .map(|&r| m.sites[r].id.as_str())
                .collect();
            out.push(at(
                file,
                loc,
                &[
                    Anchor::Field("services"),
                    Anchor::Id(&svc.id),
                    Anchor::Field("recovery_needs"),
                    Anchor::Str(&need.id),
                ],
                format!("services[{}].recovery_needs", svc.id),
                format!(
                    "{}'s recovery needs {}, which runs only in {}, where {} runs too: losing {} takes both the service and the tools to recover it",
                    svc.id,
                    need.id,
                    and_list(&need_sites),
                    svc.id,
                    m.sites[shared].id,
                ),
            ));
        }
    }
}

/// The first few service ids, then how many more.
fn name_some(m: &Model, ids: &[ServiceIdx]) -> String {
    let named: Vec<&str> = ids
        .iter()
        .take(NAMED)
        .map(|&i| m.services[i].id.as_str())
        .collect();
    let mut text = named.join(", ");
    let more = ids.len().saturating_sub(NAMED);
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `47000000` → `47,000,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1000), "1,000");
        assert_eq!(super::thousands(47_000_000), "47,000,000");
    }
}
