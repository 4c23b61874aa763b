//! Design warnings of `validate`: things that are legal in a scenario but that a reviewer
//! should look at. Each points at the site or service it is about.
//!
//! 1. Single points of failure: a site whose permanent loss takes down services that have
//!    users (see [`super::blast`]), with the services it leaves up but unable to recover.
//! 2. Recovery-dependency cycles: services whose recovery needs lead back to themselves
//!    through other needs or hard dependencies; if they all go down together, none can
//!    recover until `recovery.bootstrap` breaks the deadlock.
//! 3. The Kakao pattern: a service whose recovery need runs only where the service itself
//!    runs, so one loss takes both the service and the means to recover it (the 2022
//!    Pangyo fire, fact K11 of `docs/incidents.md`).

use crate::format::thousands;
use petgraph::algo::tarjan_scc;
use petgraph::visit::EdgeFiltered;

use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::blast::{spreads, AltCount};
use super::tree::SiteTree;
use super::{EdgeKind, Loaded, Mode, Model, ServiceIdx};
use crate::error::Diagnostic;
use crate::format::format_hours;
use crate::scenario::locate::{Anchor, Locator};

/// How many service ids a warning names before it says "and N more".
const NAMED: usize = 5;

/// How many warnings of one kind are shown; the rest are counted in one last line. Each
/// warning is located by a search of the text, and a generated scenario can have a
/// hundred thousand single points of failure.
pub const MAX_WARNINGS_PER_KIND: usize = 50;

/// Steps a check may take before it stops and says so: the checks are linear in the
/// size of the scenario for ordinary files, but some hostile shapes (a hundred thousand
/// replicas under a hundred-thousand-level site chain) would take quadratic time.
const CHECK_BUDGET: u64 = 100_000_000;

/// Collects the warnings of one kind, up to [`MAX_WARNINGS_PER_KIND`].
struct Kind<'o> {
    out: &'o mut Vec<Diagnostic>,
    shown: usize,
    more: usize,
}

impl<'o> Kind<'o> {
    fn new(out: &'o mut Vec<Diagnostic>) -> Self {
        Kind {
            out,
            shown: 0,
            more: 0,
        }
    }
    /// Whether another warning would be shown; if not, it is counted.
    fn room(&mut self) -> bool {
        if self.shown < MAX_WARNINGS_PER_KIND {
            true
        } else {
            self.more += 1;
            false
        }
    }
    fn push(&mut self, d: Diagnostic) {
        self.shown += 1;
        self.out.push(d);
    }
    /// A note at the end: a check that stopped early.
    fn note(&mut self, file: &str, message: String) {
        self.out.push(Diagnostic::at(file, 0, 0, "", message));
    }
    fn finish(self, file: &str, what: &str) {
        if self.more > 0 {
            self.out.push(Diagnostic::at(
                file,
                0,
                0,
                "",
                format!("and {} more {what} not shown", self.more),
            ));
        }
    }
}

/// The warnings about the base design, in file order.
pub fn warnings(l: &Loaded) -> Vec<Diagnostic> {
    let mut out = warnings_in(&l.file, &l.text, &l.model);
    unused_params(l, &mut out);
    out.sort_by_key(|d| (d.line == 0, d.line, d.col));
    out
}

/// Named parameters that neither the base design nor any variant uses.
fn unused_params(l: &Loaded, out: &mut Vec<Diagnostic>) {
    let loc = Locator::new(&l.text);
    for (k, p) in l.model.params.iter().enumerate() {
        let used = p.used()
            || l.variants
                .iter()
                .any(|v| v.model.params.get(k).is_some_and(|q| q.used()));
        if !used {
            out.push(at(
                &l.file,
                &loc,
                &[Anchor::Field("params"), Anchor::Str(&p.name)],
                format!("params[{}]", p.name),
                format!(
                    "parameter \"{}\" is not used; use it as Param(\"{}\") or remove it",
                    p.name, p.name
                ),
            ));
        }
    }
}

/// The warnings about `m`, located in `text` (the scenario file `file`), in file order.
pub fn warnings_in(file: &str, text: &str, m: &Model) -> Vec<Diagnostic> {
    let loc = Locator::new(text);
    let tree = SiteTree::new(m);
    let mut out = Vec::new();
    single_points_of_failure(file, &loc, m, &tree, &mut out);
    recovery_cycles(file, &loc, m, &mut out);
    shared_recovery_sites(file, &loc, m, &tree, &mut out);
    // Stable: warnings at the same place keep the order of the kinds above.
    out.sort_by_key(|d| (d.line == 0, d.line, d.col));
    out
}

fn at(file: &str, loc: &Locator, anchors: &[Anchor], field: String, message: String) -> Diagnostic {
    let (line, col) = loc.locate(anchors);
    Diagnostic::at(file, line, col, &field, message)
}

/// Sites whose permanent loss (with everything inside) takes down services with users:
/// the deterministic blast of [`super::blast::lost_sites_blast`], for every site at once.
/// The warning also names the services the loss leaves up but unable to recover (a
/// recovery need down), as [`super::blast::Blast::recovery_lost`] does.
///
/// # Complexity
/// O(R log R + Σ over sites of (replicas inside it + the outage it causes)): the replicas
/// inside a site are one contiguous run of the replicas sorted by Euler-tour position, so
/// a site with nothing inside costs nothing, and a 100,000-level chain with one replica at
/// the bottom costs 100,000 steps rather than 10^10. Bounded by [`CHECK_BUDGET`].
fn single_points_of_failure(
    file: &str,
    loc: &Locator,
    m: &Model,
    tree: &SiteTree,
    out: &mut Vec<Diagnostic>,
) {
    let n = m.services.len();
    // (Euler-tour position of the replica's site, service, whether it is the service's
    // first replica).
    let mut reps: Vec<(usize, ServiceIdx, bool)> = m
        .services
        .iter()
        .enumerate()
        .flat_map(|(i, svc)| {
            svc.replicas
                .iter()
                .enumerate()
                .map(move |(k, &r)| (tree.enter[r], i, k == 0))
        })
        .collect();
    reps.sort_unstable();
    // Per service, stamped with the site being looked at (site index + 1).
    let mut lost_stamp = vec![0usize; n];
    let mut lost = vec![0usize; n];
    let mut down_stamp = vec![0usize; n];
    // An `ActiveStandby` service whose first replica is inside the site.
    let mut primary_stamp = vec![0usize; n];
    // A service with a recovery need down (whether or not it is down itself).
    let mut needy_stamp = vec![0usize; n];
    let mut needy: Vec<ServiceIdx> = Vec::new();
    let mut touched: Vec<ServiceIdx> = Vec::new();
    let mut queue: Vec<ServiceIdx> = Vec::new();
    let mut budget = CHECK_BUDGET;
    let mut kind = Kind::new(out);
    let mut alts = AltCount::new(m);
    for (s, site) in m.sites.iter().enumerate() {
        let stamp = s + 1;
        alts.reset();
        let lo = reps.partition_point(|r| r.0 < tree.enter[s]);
        let hi = reps.partition_point(|r| r.0 < tree.exit[s]);
        if lo == hi {
            continue;
        }
        let cost = (hi - lo) as u64;
        if cost > budget {
            kind.note(
                file,
                format!(
                    "the single-point-of-failure check stopped at site \"{}\" ({} of {} sites): the scenario is too large for it",
                    site.id,
                    s + 1,
                    m.sites.len()
                ),
            );
            break;
        }
        budget -= cost;
        touched.clear();
        for &(_, svc, first) in &reps[lo..hi] {
            if lost_stamp[svc] != stamp {
                lost_stamp[svc] = stamp;
                lost[svc] = 0;
                touched.push(svc);
            }
            lost[svc] += 1;
            if first && matches!(m.services[svc].mode, Mode::ActiveStandby { .. }) {
                primary_stamp[svc] = stamp;
            }
        }
        queue.clear();
        for &svc in &touched {
            let remaining = m.services[svc].replicas.len() - lost[svc];
            let own_down = match m.services[svc].mode {
                Mode::ActiveActive { min } => remaining < min,
                Mode::ActiveStandby { .. } => remaining == 0,
            };
            if own_down {
                down_stamp[svc] = stamp;
                queue.push(svc);
            }
        }
        // Outages spread backwards along hard dependencies, and along recovery needs to
        // the standbys whose first replica is inside the site (they cannot fail over).
        let mut hit: Vec<ServiceIdx> = Vec::new();
        needy.clear();
        while let Some(b) = queue.pop() {
            if m.services[b].users > 0 {
                hit.push(b);
            }
            for e in m.graph.edges_directed(Model::node(b), Direction::Incoming) {
                budget = budget.saturating_sub(1);
                let a = e.source().index();
                if spreads(m, &mut alts, e.weight(), primary_stamp[a] == stamp) {
                    if down_stamp[a] != stamp {
                        down_stamp[a] = stamp;
                        queue.push(a);
                    }
                } else if matches!(e.weight(), EdgeKind::Needs) && needy_stamp[a] != stamp {
                    needy_stamp[a] = stamp;
                    needy.push(a);
                }
            }
        }
        if hit.is_empty() || !kind.room() {
            continue;
        }
        hit.sort_unstable();
        let mut unrecoverable: Vec<ServiceIdx> = needy
            .iter()
            .copied()
            .filter(|&a| down_stamp[a] != stamp)
            .collect();
        unrecoverable.sort_unstable();
        let unrecoverable = if unrecoverable.is_empty() {
            String::new()
        } else {
            format!(
                "; it leaves {} service{} up but unable to recover: {}",
                unrecoverable.len(),
                if unrecoverable.len() == 1 { "" } else { "s" },
                name_some(m, &unrecoverable),
            )
        };
        let users: u128 = hit.iter().map(|&i| u128::from(m.services[i].users)).sum();
        let inside = if tree.has_children(s) {
            " (with the sites inside it)"
        } else {
            ""
        };
        kind.push(at(
            file,
            loc,
            &[Anchor::Field("sites"), Anchor::Id(&site.id)],
            format!("sites[{}]", site.id),
            format!(
                "single point of failure: losing site \"{}\"{inside} takes down {} service{} with users ({} users, counted per service): {}{unrecoverable}",
                site.id,
                hit.len(),
                if hit.len() == 1 { "" } else { "s" },
                thousands(users),
                name_some(m, &hit),
            ),
        ));
    }
    kind.finish(file, "single points of failure");
}

fn recovery_cycles(file: &str, loc: &Locator, m: &Model, out: &mut Vec<Diagnostic>) {
    // A task blocked on a need waits for that need to be up; a service is up only while
    // its hard dependencies are. So both kinds of edge can close a deadlock, but only a
    // cycle with at least one need in it is about recovery. An alternative blocks only
    // when every alternative must be up (`min` is their number): otherwise another one
    // can serve.
    let blocking = EdgeFiltered::from_fn(&m.graph, |e| match *e.weight() {
        EdgeKind::Needs => true,
        EdgeKind::Depends { share, .. } => share >= 1.0,
        EdgeKind::Alternative { share, group, .. } => {
            let (a, _) = m.any_of(group);
            share >= 1.0 && a.min == a.of.len()
        }
    });
    let mut component = vec![usize::MAX; m.services.len()];
    let sccs = tarjan_scc(&blocking);
    for (c, scc) in sccs.iter().enumerate() {
        for n in scc {
            component[n.index()] = c;
        }
    }
    let mut reported = vec![false; sccs.len()];
    let mut kind = Kind::new(out);
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
        if !kind.room() {
            continue;
        }
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
        kind.push(at(
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
    kind.finish(file, "recovery-dependency cycles");
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

fn shared_recovery_sites(
    file: &str,
    loc: &Locator,
    m: &Model,
    tree: &SiteTree,
    out: &mut Vec<Diagnostic>,
) {
    let mut budget = CHECK_BUDGET;
    let mut kind = Kind::new(out);
    'services: for svc in &m.services {
        for &n in &svc.recovery_needs {
            let need = &m.services[n];
            let cost = (svc.replicas.len() * need.replicas.len()) as u64;
            if cost > budget {
                kind.note(
                    file,
                    format!(
                        "the check of recovery needs in the service's own site stopped at service \"{}\": the scenario is too large for it",
                        svc.id
                    ),
                );
                break 'services;
            }
            budget -= cost;
            // One site of the service that every site of the need equals, lies inside, or
            // contains: losing the larger of the two takes the service's replica there and
            // every replica of the need. A need as redundant as the service (both in `a`
            // and `b`) has no such site and is not flagged.
            let shared = svc.replicas.iter().find_map(|&q| {
                let mut larger = q;
                for &r in &need.replicas {
                    if tree.within(r, q) {
                        continue;
                    }
                    if !tree.within(q, r) {
                        return None;
                    }
                    // Sites containing q are nested in one another: keep the largest.
                    if tree.within(larger, r) {
                        larger = r;
                    }
                }
                Some(larger)
            });
            let Some(shared) = shared else { continue };
            if !kind.room() {
                continue;
            }
            let need_sites: Vec<&str> = need
                .replicas
                .iter()
                .map(|&r| m.sites[r].id.as_str())
                .collect();
            kind.push(at(
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
    kind.finish(file, "services whose recovery needs share their site");
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

#[cfg(test)]
mod tests {}
