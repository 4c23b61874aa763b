//! The site tree in a form that answers "is site `a` inside site `b`?" in constant time,
//! for checks that would otherwise walk parent chains (a 100,000-level tree makes such
//! walks quadratic).

use super::{Model, SiteIdx};

/// An Euler tour of the site forest: site `a` lies inside site `b` (or is `b`) exactly
/// when `enter[b] <= enter[a] < exit[b]`.
#[derive(Debug, Clone)]
pub struct SiteTree {
    pub enter: Vec<usize>,
    pub exit: Vec<usize>,
    /// Sites in tour order: `order[enter[s]] == s`; the subtree of `s` is
    /// `order[enter[s]..exit[s]]`.
    pub order: Vec<SiteIdx>,
    /// Depth of each site: 0 for a root.
    pub depth: Vec<usize>,
}

impl SiteTree {
    /// # Complexity
    /// O(S) time and memory, without recursion (no stack overflow on deep trees).
    pub fn new(m: &Model) -> Self {
        let n = m.sites.len();
        // Children in file order, CSR-style.
        let mut count = vec![0usize; n + 1];
        for s in &m.sites {
            if let Some(p) = s.parent {
                count[p + 1] += 1;
            }
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let mut fill = count.clone();
        let mut children = vec![0usize; count[n]];
        for (i, s) in m.sites.iter().enumerate() {
            if let Some(p) = s.parent {
                children[fill[p]] = i;
                fill[p] += 1;
            }
        }
        let mut enter = vec![0; n];
        let mut exit = vec![0; n];
        let mut depth = vec![0; n];
        let mut order = Vec::with_capacity(n);
        // (site, next child position)
        let mut stack: Vec<(SiteIdx, usize)> = Vec::new();
        for root in (0..n).filter(|&i| m.sites[i].parent.is_none()) {
            enter[root] = order.len();
            order.push(root);
            stack.push((root, count[root]));
            while let Some(top) = stack.last_mut() {
                let (s, next) = *top;
                if next < count[s + 1] {
                    top.1 += 1;
                    let c = children[next];
                    enter[c] = order.len();
                    depth[c] = depth[s] + 1;
                    order.push(c);
                    stack.push((c, count[c]));
                } else {
                    exit[s] = order.len();
                    stack.pop();
                }
            }
        }
        SiteTree {
            enter,
            exit,
            order,
            depth,
        }
    }

    /// Whether `site` is `ancestor` or lies inside it.
    #[inline]
    pub fn within(&self, site: SiteIdx, ancestor: SiteIdx) -> bool {
        self.enter[ancestor] <= self.enter[site] && self.enter[site] < self.exit[ancestor]
    }

    /// Whether `site` has sites inside it.
    pub fn has_children(&self, site: SiteIdx) -> bool {
        self.exit[site] > self.enter[site] + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_matches_parent_walks() {
        let m = crate::model::load_str(
            "t.ron",
            r#"Scenario(name: "t", horizon: "1d",
                sites: [(id: "a/b", parent: "a"), (id: "a"), (id: "c"), (id: "a/b/x", parent: "a/b"), (id: "a/y", parent: "a")],
                services: [(id: "s", replicas: ["c"])])"#,
        )
        .unwrap()
        .model;
        let t = SiteTree::new(&m);
        for a in 0..m.sites.len() {
            for b in 0..m.sites.len() {
                assert_eq!(t.within(a, b), m.site_within(a, b), "{a} in {b}");
            }
        }
        assert_eq!(t.depth, [1, 0, 0, 2, 1]);
        assert!(t.has_children(1) && !t.has_children(2));
    }
}
