//! The dependency graph as Graphviz DOT.

use crate::model::Model;

pub fn render(m: &Model) -> String {
    let mut s = String::from("digraph blastradius {\n");
    for (i, svc) in m.services.iter().enumerate() {
        s.push_str(&format!("  s{i} [label=\"{}\"];\n", svc.id));
    }
    s.push_str("}\n");
    s
}
