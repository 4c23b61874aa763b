//! A Kubernetes cluster as `kubectl get nodes,pods,deployments,statefulsets,poddisruptionbudgets -o json`
//! prints it: a `List` of items (ReplicaSets may be in it too).
//!
//! - Sites: region → zone → node, from the nodes' `topology.kubernetes.io/region` and
//!   `topology.kubernetes.io/zone` labels (or the older `failure-domain.beta.kubernetes.io/*`).
//!   A node without them goes under `no-region` / `no-zone`.
//! - Services: each Deployment and StatefulSet. Its replicas are the nodes its pods run on
//!   (each node once), found through the pods' owner references: a pod of a Deployment is
//!   owned by a ReplicaSet named `<deployment>-<pod-template-hash>`. Pods of other owners
//!   (DaemonSets, Jobs) and pods not yet on a node, or finished, are left out.
//! - Mode: `ActiveActive(min: k)`, k from the PodDisruptionBudget whose selector matches
//!   the workload's pod labels (`minAvailable`, or the pods less `maxUnavailable`;
//!   percentages rounded up, as Kubernetes does), else 1; at most the number of nodes.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;
use crate::scenario::SiteKind;

#[derive(Debug)]
pub struct Site {
    pub id: String,
    pub parent: Option<String>,
    pub kind: SiteKind,
    /// The name in the cluster (the label's value or the node's name).
    pub name: String,
    /// Where it comes from, for the comment.
    pub note: String,
    /// Made up because a label is missing.
    pub assumed: bool,
}

#[derive(Debug)]
pub struct Workload {
    pub name: String,
    /// `Deployment` or `StatefulSet`.
    pub kind: String,
    /// The sites of the nodes its pods run on, sorted, each once.
    pub nodes: Vec<String>,
    pub pods: usize,
    pub min: u64,
    /// How `min` was found.
    pub min_note: String,
}

#[derive(Debug)]
pub struct Cluster {
    pub sites: Vec<Site>,
    pub workloads: Vec<Workload>,
    /// Pods left out: other owners, not on a node, or finished.
    pub skipped_pods: usize,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Meta {
    name: String,
    namespace: String,
    labels: BTreeMap<String, String>,
    owner_references: Vec<Owner>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Owner {
    kind: String,
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Item {
    kind: String,
    metadata: Meta,
    spec: Value,
    status: Value,
}

const REGION: [&str; 2] = [
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/region",
];
const ZONE: [&str; 2] = [
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
];

pub fn parse(file: &str, text: &str) -> Result<Cluster, Error> {
    let v = super::json(file, text, "Kubernetes JSON")?;
    let items = match v.get("items") {
        Some(Value::Array(a)) => a.clone(),
        _ if v.get("kind").is_some() => vec![v.clone()],
        _ => {
            return Err(super::invalid(
                file,
                1,
                "expected the JSON List that `kubectl get nodes,pods,deployments,statefulsets,poddisruptionbudgets -o json` prints",
            ))
        }
    };
    let mut parsed = Vec::new();
    for (i, it) in items.into_iter().enumerate() {
        let item: Item = serde_json::from_value(it).map_err(|e| {
            super::invalid(
                file,
                0,
                &format!("items[{i}]: not a Kubernetes object: {e}"),
            )
        })?;
        parsed.push(item);
    }
    let of = |k: &'static str| parsed.iter().filter(move |i| i.kind == k);

    // Sites.
    let mut sites: BTreeMap<String, Site> = BTreeMap::new();
    let mut node_site: BTreeMap<String, String> = BTreeMap::new();
    for n in of("Node") {
        let label = |keys: [&str; 2]| keys.iter().find_map(|k| n.metadata.labels.get(*k)).cloned();
        let (region, zone) = (label(REGION), label(ZONE));
        let r = region
            .as_deref()
            .map_or("no-region".to_string(), super::id_of);
        let z = format!(
            "{r}/{}",
            zone.as_deref().map_or("no-zone".to_string(), super::id_of)
        );
        let id = format!("{z}/{}", super::id_of(&n.metadata.name));
        sites.entry(r.clone()).or_insert_with(|| Site {
            id: r.clone(),
            parent: None,
            kind: SiteKind::Region,
            name: region.clone().unwrap_or_else(|| "no region label".into()),
            note: "region".into(),
            assumed: region.is_none(),
        });
        sites.entry(z.clone()).or_insert_with(|| Site {
            id: z.clone(),
            parent: Some(r.clone()),
            kind: SiteKind::Zone,
            name: zone.clone().unwrap_or_else(|| "no zone label".into()),
            note: "zone".into(),
            assumed: zone.is_none(),
        });
        sites.insert(
            id.clone(),
            Site {
                id: id.clone(),
                parent: Some(z),
                kind: SiteKind::Room,
                name: n.metadata.name.clone(),
                note: "node".into(),
                assumed: false,
            },
        );
        node_site.insert(n.metadata.name.clone(), id);
    }

    // Workloads, and the ReplicaSets' owners when the list has them.
    let mut workloads: BTreeMap<(String, String), (String, &Item)> = BTreeMap::new();
    for w in of("Deployment").chain(of("StatefulSet")) {
        workloads.insert(
            (w.metadata.namespace.clone(), w.metadata.name.clone()),
            (w.kind.clone(), w),
        );
    }
    let rs_owner: BTreeMap<(String, String), String> = of("ReplicaSet")
        .filter_map(|rs| {
            rs.metadata
                .owner_references
                .iter()
                .find(|o| o.kind == "Deployment")
                .map(|o| {
                    (
                        (rs.metadata.namespace.clone(), rs.metadata.name.clone()),
                        o.name.clone(),
                    )
                })
        })
        .collect();

    // Pods → (workload → nodes, pod count).
    let mut placed: BTreeMap<(String, String), (BTreeSet<String>, usize)> = BTreeMap::new();
    let mut skipped = 0;
    for p in of("Pod") {
        let ns = &p.metadata.namespace;
        let owner = p
            .metadata
            .owner_references
            .iter()
            .find_map(|o| match o.kind.as_str() {
                "StatefulSet" | "Deployment" => Some(o.name.clone()),
                "ReplicaSet" => rs_owner
                    .get(&(ns.clone(), o.name.clone()))
                    .cloned()
                    .or_else(|| {
                        let hash = p.metadata.labels.get("pod-template-hash")?;
                        o.name.strip_suffix(&format!("-{hash}")).map(str::to_string)
                    }),
                _ => None,
            });
        let key = owner.map(|o| (ns.clone(), o));
        let phase = p.status.get("phase").and_then(Value::as_str).unwrap_or("");
        let node = p.spec.get("nodeName").and_then(Value::as_str);
        let site = match node {
            None => None,
            Some(node) => match node_site.get(node) {
                Some(site) => Some(site),
                None => {
                    let line = text
                        .lines()
                        .position(|l| {
                            l.contains("\"nodeName\"") && l.contains(&format!("\"{node}\""))
                        })
                        .map_or(0, |i| i + 1);
                    return Err(super::invalid(
                        file,
                        line,
                        &format!(
                            "pod `{}` runs on node `{node}`, which is not in the file (list the nodes too: kubectl get nodes,pods,...)",
                            p.metadata.name
                        ),
                    ));
                }
            },
        };
        let (Some(key), Some(site)) = (key.filter(|k| workloads.contains_key(k)), site) else {
            skipped += 1;
            continue;
        };
        if matches!(phase, "Succeeded" | "Failed") {
            skipped += 1;
            continue;
        }
        let e = placed.entry(key).or_default();
        e.0.insert(site.clone());
        e.1 += 1;
    }

    let pdbs: Vec<&Item> = of("PodDisruptionBudget").collect();
    let mut out = Vec::new();
    for (key, (kind, w)) in &workloads {
        let (nodes, pods) = placed.remove(key).unwrap_or_default();
        let nodes: Vec<String> = nodes.into_iter().collect();
        let labels: BTreeMap<String, String> = w
            .spec
            .pointer("/template/metadata/labels")
            .and_then(|l| serde_json::from_value(l.clone()).ok())
            .unwrap_or_default();
        let pdb = pdbs.iter().find(|b| {
            b.metadata.namespace == key.0
                && b.spec
                    .pointer("/selector/matchLabels")
                    .and_then(Value::as_object)
                    .is_some_and(|m| {
                        !m.is_empty()
                            && m.iter()
                                .all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str())
                    })
        });
        let (mut min, mut note) = (1u64, "no PodDisruptionBudget: k = 1".to_string());
        if let Some(b) = pdb {
            let n = pods as u64;
            let count = |v: &Value| -> Option<u64> {
                match v {
                    Value::Number(x) => x.as_u64(),
                    Value::String(s) => {
                        let p: f64 = s.trim().strip_suffix('%')?.trim().parse().ok()?;
                        Some((p / 100.0 * n as f64).ceil() as u64)
                    }
                    _ => None,
                }
            };
            let bad = || {
                super::invalid(
                    file,
                    0,
                    &format!(
                        "PodDisruptionBudget `{}`: minAvailable or maxUnavailable must be a number or a percentage",
                        b.metadata.name
                    ),
                )
            };
            if let Some(v) = b.spec.get("minAvailable") {
                min = count(v).ok_or_else(bad)?;
                note = format!("PodDisruptionBudget {} minAvailable {v}", b.metadata.name);
            } else if let Some(v) = b.spec.get("maxUnavailable") {
                min = n.saturating_sub(count(v).ok_or_else(bad)?);
                note = format!(
                    "PodDisruptionBudget {} maxUnavailable {v} of {n} pods",
                    b.metadata.name
                );
            }
            let k = min.clamp(1, nodes.len().max(1) as u64);
            if k != min {
                note.push_str(&format!(", k = {k} for {} node(s)", nodes.len()));
                min = k;
            }
        }
        out.push(Workload {
            name: key.1.clone(),
            kind: kind.clone(),
            nodes,
            pods,
            min,
            min_note: note,
        });
    }
    Ok(Cluster {
        sites: sites.into_values().collect(),
        workloads: out,
        skipped_pods: skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_through_replica_sets_and_pdbs() {
        let text = r#"{"kind": "List", "items": [
  {"kind": "Node", "metadata": {"name": "n1", "labels": {"topology.kubernetes.io/region": "r", "topology.kubernetes.io/zone": "r-a"}}},
  {"kind": "Node", "metadata": {"name": "n2", "labels": {"topology.kubernetes.io/region": "r", "topology.kubernetes.io/zone": "r-b"}}},
  {"kind": "Deployment", "metadata": {"name": "web", "namespace": "d"}, "spec": {"template": {"metadata": {"labels": {"app": "web"}}}}},
  {"kind": "Pod", "metadata": {"name": "web-5d8f-a", "namespace": "d", "labels": {"app": "web", "pod-template-hash": "5d8f"}, "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d8f"}]}, "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}},
  {"kind": "Pod", "metadata": {"name": "web-5d8f-b", "namespace": "d", "labels": {"app": "web", "pod-template-hash": "5d8f"}, "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d8f"}]}, "spec": {"nodeName": "n2"}, "status": {"phase": "Running"}},
  {"kind": "PodDisruptionBudget", "metadata": {"name": "web", "namespace": "d"}, "spec": {"minAvailable": "50%", "selector": {"matchLabels": {"app": "web"}}}}
]}"#;
        let c = parse("k.json", text).unwrap();
        assert_eq!(c.sites.len(), 5);
        let w = &c.workloads[0];
        assert_eq!(w.nodes, ["r/r-a/n1", "r/r-b/n2"]);
        assert_eq!((w.pods, w.min), (2, 1));
        let bad = text.replace("\"nodeName\": \"n2\"", "\"nodeName\": \"n9\"");
        let err = parse("k.json", &bad).unwrap_err().to_string();
        assert!(
            err.contains("k.json:6:1: ") && err.contains("`n9`"),
            "{err}"
        );
    }
}
