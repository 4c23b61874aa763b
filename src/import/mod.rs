//! `blastradius import`: a first scenario from what teams already hold. Traces record who
//! calls whom (Jaeger, Zipkin, the OpenTelemetry collector's servicegraph connector), a
//! service catalog who depends on whom and who owns what (Backstage), the cluster where
//! each replica runs and in which zone (Kubernetes). Each source has a module that reads
//! its file into plain values; this one merges them by service id and writes the scenario
//! as RON text with a comment on every value: the source file it comes from, or
//! `ASSUMPTION` for a default that no source gives. The text is checked by loading it
//! (`model::load_str`) before it is returned. See `docs/import.md`.

pub mod backstage;
pub mod jaeger;
pub mod kubernetes;
pub mod otel;
pub mod traces;
pub mod zipkin;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Deserialize;

use crate::error::{Diagnostic, Error};
use crate::scenario::SiteKind;

/// The marker of a value no source gives.
pub const MARK: &str = "ASSUMPTION";
/// The site of services that no source places.
pub const UNPLACED: &str = "unplaced";
/// Defaults, written with the marker.
pub const DEFAULT_HORIZON: &str = "7d";
pub const DEFAULT_RESTART: &str = "0h";
/// The share of a messaging edge's consumer lost while its producer is down: the
/// servicegraph connector says an edge is asynchronous but not how much of it matters.
pub const MESSAGING_SHARE: f64 = 0.5;

/// The sources to read (file paths as given) and how to read them.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub jaeger: Option<String>,
    pub zipkin: Option<String>,
    pub otel_servicegraph: Option<String>,
    pub backstage: Vec<String>,
    pub kubernetes: Option<String>,
    /// An edge carrying less than this fraction of its parent's calls is partial.
    pub soft_below: Option<f64>,
    /// The scenario's name (default: made from the sources).
    pub name: Option<String>,
}

/// The scenario text, checked, and a summary of what was read and what is assumed.
pub struct Imported {
    pub text: String,
    pub summary: Vec<String>,
}

/// One edge of a trace source: `parent` called `child` `calls` times.
#[derive(Debug, Clone, PartialEq)]
pub struct CallEdge {
    pub parent: String,
    pub child: String,
    pub calls: f64,
    /// An asynchronous edge (a producer and its consumer).
    pub messaging: bool,
}

/// What a trace source gives: call edges and, from traces (not from dependency links),
/// the front end's entry operations.
#[derive(Debug, Default)]
pub struct TraceRead {
    pub edges: Vec<CallEdge>,
    /// Per (root service, root operation), as the source names them.
    pub entries: BTreeMap<(String, String), traces::Entry>,
    /// Every service the traces name (a trace of one span gives no edge).
    pub services: BTreeSet<String>,
}

/// Call edges from calls counted per (parent, child): (calls, every call asynchronous).
fn call_edges(calls: BTreeMap<(String, String), (f64, bool)>) -> Vec<CallEdge> {
    calls
        .into_iter()
        .map(|((parent, child), (calls, messaging))| CallEdge {
            parent,
            child,
            calls,
            messaging,
        })
        .collect()
}

/// A service name from a source → a scenario id: lowercase, every character other than
/// `a-z`, `0-9`, `.`, `_`, `/` and `-` replaced by `-`.
pub fn id_of(name: &str) -> String {
    let id: String = name
        .trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '/' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if id.is_empty() {
        "-".into()
    } else {
        id
    }
}

/// The lines of a scenario text marked as assumed: (1-based line, the line trimmed).
pub fn assumptions(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            l.split_once("//")
                .is_some_and(|(_, c)| c.contains(&format!("{MARK}:")))
        })
        .map(|(i, l)| (i + 1, l.trim().to_string()))
        .collect()
}

fn invalid(file: &str, line: usize, msg: &str) -> Error {
    Error::invalid(vec![Diagnostic::at(
        file,
        line,
        usize::from(line > 0),
        "",
        msg.to_string(),
    )])
}

/// Parses JSON, an error naming the line and column.
fn json(file: &str, text: &str, what: &str) -> Result<serde_json::Value, Error> {
    serde_json::from_str(text).map_err(|e| {
        let mut msg = e.to_string();
        if let Some(i) = msg.find(" at line ") {
            msg.truncate(i);
        }
        Error::invalid(vec![Diagnostic::at(
            file,
            e.line(),
            e.column(),
            "",
            format!("not valid {what}: {msg}"),
        )])
    })
}

/// A dependency link of Jaeger or Zipkin.
#[derive(Deserialize)]
struct Link {
    parent: String,
    child: String,
    #[serde(default, rename = "callCount", alias = "call_count")]
    calls: Option<Count>,
}

/// A count as a number, or as a string (protobuf's JSON mapping of 64-bit integers).
#[derive(Deserialize)]
#[serde(untagged)]
enum Count {
    N(f64),
    S(String),
}

/// The links of `array` (at `field` of the document).
fn links(file: &str, field: &str, array: &serde_json::Value) -> Result<Vec<CallEdge>, Error> {
    let serde_json::Value::Array(items) = array else {
        return Err(invalid(
            file,
            0,
            &format!("`{field}` must be an array of dependency links"),
        ));
    };
    let mut out = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let at = if field.is_empty() {
            format!("[{i}]")
        } else {
            format!("{field}[{i}]")
        };
        let l: Link = serde_json::from_value(it.clone()).map_err(|e| {
            invalid(
                file,
                0,
                &format!("`{at}`: expected {{\"parent\", \"child\", \"callCount\"}}: {e}"),
            )
        })?;
        let calls = match &l.calls {
            None => 0.0,
            Some(Count::N(n)) => *n,
            Some(Count::S(s)) => s.trim().parse().unwrap_or(f64::NAN),
        };
        if !(calls.is_finite() && calls >= 0.0) {
            return Err(invalid(
                file,
                0,
                &format!("`{at}.callCount` must be a number ≥ 0"),
            ));
        }
        for (what, name) in [("parent", &l.parent), ("child", &l.child)] {
            if name.trim().is_empty() {
                return Err(invalid(
                    file,
                    0,
                    &format!("`{at}.{what}` is an empty service name"),
                ));
            }
        }
        out.push(CallEdge {
            parent: l.parent,
            child: l.child,
            calls,
            messaging: false,
        });
    }
    Ok(out)
}

/// A trace source's parser: (file, text) → its call edges and entry operations.
type TraceParser = fn(&str, &str) -> Result<TraceRead, Error>;

/// Reads one input file.
fn read(path: &str) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::read(path, e))?;
    String::from_utf8(bytes).map_err(|_| invalid(path, 0, "the file is not valid UTF-8"))
}

/// What one source says about one dependency.
#[derive(Debug, Clone)]
enum Reading {
    Hard(String),
    /// share, note, whether the share is assumed
    Partial(f64, String, bool),
}

#[derive(Default)]
struct Svc {
    raw_names: BTreeSet<String>,
    title: Option<String>,
    group: Option<(String, String)>,
    description: String,
    owner: Option<String>,
    users: Option<(u64, String)>,
    restart: Option<(String, String)>,
    /// Site ids (from the cluster), or names (from an annotation), and the note.
    replicas: Option<(Vec<String>, String, bool)>,
    min: Option<(u64, String)>,
    /// Why a source that knows the service does not place it.
    unplaced_why: Option<String>,
    deps: BTreeMap<String, Vec<Reading>>,
}

/// A journey to write: an entry operation of the traces.
#[derive(Default)]
struct JourneyOut {
    /// The id of the service of its root span.
    root: String,
    traces: u64,
    /// Ids of every service its traces touch.
    needs: BTreeSet<String>,
    /// Where its traces come from, per file.
    notes: Vec<String>,
}

struct SiteOut {
    id: String,
    parent: Option<String>,
    kind: SiteKind,
    name: Option<String>,
    note: String,
}

/// Reads every source of `o`, merges them and writes the scenario text.
pub fn import(o: &Options) -> Result<Imported, Error> {
    let mut files = Vec::new();
    let mut svcs: BTreeMap<String, Svc> = BTreeMap::new();
    let mut sites: Vec<SiteOut> = Vec::new();
    let mut summary = Vec::new();

    // The catalog first: its names and titles are the ones people use.
    if !o.backstage.is_empty() {
        let texts: Vec<(String, String)> = o
            .backstage
            .iter()
            .map(|f| Ok((f.clone(), read(f)?)))
            .collect::<Result<_, Error>>()?;
        let cat = backstage::parse(&texts)?;
        for f in &o.backstage {
            files.push(format!("Backstage catalog: {f}"));
        }
        for e in &cat.entities {
            let s = svcs.entry(id_of(&e.name)).or_default();
            let src = format!("Backstage {}", e.file);
            s.raw_names.insert(e.name.clone());
            if e.title.is_some() {
                s.title = e.title.clone();
            }
            if let Some(sys) = &e.system {
                let title = cat.systems.get(sys).cloned().unwrap_or_else(|| sys.clone());
                s.group = Some((title, format!("{src}: spec.system")));
            }
            if !e.description.is_empty() {
                s.description = e.description.clone();
            }
            s.owner = e.owner.clone().or(s.owner.take());
            if let Some(u) = e.users {
                s.users = Some((u, format!("{src}: {}", backstage::USERS)));
            }
            if let Some(r) = &e.restart {
                s.restart = Some((r.clone(), format!("{src}: {}", backstage::RESTART)));
            }
            if !e.sites.is_empty() {
                s.replicas = Some((
                    e.sites.clone(),
                    format!("{src}: {}", backstage::SITES),
                    false,
                ));
            }
            for (on, how) in &e.deps {
                let on = id_of(on);
                if on != id_of(&e.name) {
                    s.deps
                        .entry(on)
                        .or_default()
                        .push(Reading::Hard(format!("{src}: {how}")));
                }
            }
            for (on, _) in &e.deps {
                svcs.entry(id_of(on))
                    .or_default()
                    .raw_names
                    .insert(on.clone());
            }
        }
        summary.push(format!(
            "Backstage: {} components and resources from {} file(s)",
            cat.entities.len(),
            o.backstage.len()
        ));
    }

    if let Some(f) = &o.kubernetes {
        let c = kubernetes::parse(f, &read(f)?)?;
        files.push(format!("Kubernetes: {f}"));
        let src = format!("Kubernetes {f}");
        for s in &c.sites {
            sites.push(SiteOut {
                id: s.id.clone(),
                parent: s.parent.clone(),
                kind: s.kind,
                name: Some(s.name.clone()),
                note: if s.assumed {
                    format!("{MARK}: {src}: a node has no {} label", s.note)
                } else {
                    format!("{src}: {}", s.note)
                },
            });
        }
        for w in &c.workloads {
            let s = svcs.entry(id_of(&w.name)).or_default();
            s.raw_names.insert(w.name.clone());
            if w.nodes.is_empty() {
                s.unplaced_why = Some(format!(
                    "{src}: {} {} has no running pod on a node",
                    w.kind, w.name
                ));
                continue;
            }
            s.replicas = Some((
                w.nodes.clone(),
                format!("{src}: {} pod(s) of {} {}", w.pods, w.kind, w.name),
                true,
            ));
            s.min = Some((w.min, format!("{src}: {}", w.min_note)));
        }
        let mut line = format!(
            "Kubernetes: {} workloads on {} nodes",
            c.workloads.len(),
            c.sites.iter().filter(|s| s.kind == SiteKind::Room).count()
        );
        if c.skipped_pods > 0 {
            line.push_str(&format!(
                "; {} pod(s) left out (not owned by a Deployment or StatefulSet in the file, not on a node, or finished)",
                c.skipped_pods
            ));
        }
        summary.push(line);
    }

    let sources: [(&str, &Option<String>, TraceParser); 3] = [
        ("Jaeger", &o.jaeger, jaeger::parse),
        ("Zipkin", &o.zipkin, zipkin::parse),
        (
            "OpenTelemetry servicegraph",
            &o.otel_servicegraph,
            |f, t| {
                Ok(TraceRead {
                    edges: otel::parse(f, t)?,
                    ..Default::default()
                })
            },
        ),
    ];
    let mut journeys: BTreeMap<String, JourneyOut> = BTreeMap::new();
    for (kind, file, parse) in sources {
        let Some(f) = file else { continue };
        let got = parse(f, &read(f)?)?;
        let edges = got.edges;
        let src = format!("{} {f}", kind.split(' ').next().unwrap_or(kind));
        let traces: u64 = got.entries.values().map(|e| e.traces).sum();
        let from_traces = !got.services.is_empty();
        if from_traces {
            files.push(format!("{kind} traces: {f}"));
        } else {
            files.push(format!("{kind} dependencies: {f}"));
        }
        for name in &got.services {
            svcs.entry(id_of(name))
                .or_default()
                .raw_names
                .insert(name.clone());
        }
        for ((service, operation), e) in &got.entries {
            let j = journeys
                .entry(format!("{service}: {operation}"))
                .or_default();
            j.root = id_of(service);
            j.traces += e.traces;
            j.needs.extend(e.services.iter().map(|x| id_of(x)));
            j.notes
                .push(format!("{src}: {} of {traces} traces", e.traces));
        }
        // Calls per (parent, child) and per parent, by id.
        let mut by_edge: BTreeMap<(String, String), (f64, bool)> = BTreeMap::new();
        let mut out_calls: BTreeMap<String, f64> = BTreeMap::new();
        for e in &edges {
            let (p, c) = (id_of(&e.parent), id_of(&e.child));
            svcs.entry(p.clone())
                .or_default()
                .raw_names
                .insert(e.parent.clone());
            svcs.entry(c.clone())
                .or_default()
                .raw_names
                .insert(e.child.clone());
            if p == c {
                continue;
            }
            *out_calls.entry(p.clone()).or_default() += e.calls;
            let x = by_edge.entry((p, c)).or_insert((0.0, true));
            x.0 += e.calls;
            x.1 &= e.messaging;
        }
        for ((p, c), (calls, messaging)) in &by_edge {
            let total = out_calls[p];
            let frac = if total > 0.0 { calls / total } else { 1.0 };
            let reading = if *messaging {
                Reading::Partial(
                    MESSAGING_SHARE,
                    format!(
                        "{src}: {}, {} calls; {MARK}: share {MESSAGING_SHARE} not in the sources",
                        if from_traces {
                            "asynchronous calls (FOLLOWS_FROM, or producer to consumer)"
                        } else {
                            "messaging_system edge"
                        },
                        count(*calls)
                    ),
                    true,
                )
            } else if o.soft_below.is_some_and(|f| frac < f) {
                let share = ((frac * 1000.0).round() / 1000.0).max(0.001);
                Reading::Partial(
                    share,
                    format!(
                        "{src}: {} calls, {} of {p}'s calls (--soft-below {})",
                        count(*calls),
                        percent(frac),
                        o.soft_below.unwrap_or(0.0)
                    ),
                    false,
                )
            } else {
                Reading::Hard(format!("{src}: {} calls", count(*calls)))
            };
            svcs.get_mut(p)
                .expect("added above")
                .deps
                .entry(c.clone())
                .or_default()
                .push(reading);
        }
        if from_traces {
            summary.push(format!(
                "{kind}: {} call edges from {traces} traces; {} entry operations written as journeys",
                by_edge.len(),
                got.entries.len()
            ));
        } else {
            summary.push(format!("{kind}: {} call edges", by_edge.len()));
        }
    }

    if files.is_empty() {
        return Err(Error::usage(
            "import needs at least one source: --jaeger, --zipkin, --otel-servicegraph, --backstage or --kubernetes",
        ));
    }
    if svcs.is_empty() {
        return Err(Error::usage("the sources name no service"));
    }

    // Sites named by annotations: a cluster site with that id, or whose last part is that
    // name (a zone or a node), else a new site.
    let mut counts = Counts::default();
    for (id, s) in svcs.iter_mut() {
        let Some((names, note, false)) = &s.replicas else {
            continue;
        };
        let mut resolved: Vec<String> = Vec::new();
        for n in names {
            let found = if sites.iter().any(|x| &x.id == n) {
                Some(n.clone())
            } else {
                let m: Vec<&SiteOut> = sites
                    .iter()
                    .filter(|x| x.id.rsplit('/').next() == Some(n.as_str()))
                    .collect();
                (m.len() == 1).then(|| m[0].id.clone())
            };
            let site = found.unwrap_or_else(|| {
                sites.push(SiteOut {
                    id: n.clone(),
                    parent: None,
                    kind: SiteKind::DataCenter,
                    name: None,
                    note: format!("{MARK}: named by {note} of {id}; its kind and parent are not in the sources"),
                });
                counts.sites += 1;
                n.clone()
            });
            if !resolved.contains(&site) {
                resolved.push(site);
            }
        }
        let note = note.clone();
        s.replicas = Some((resolved, note, true));
    }
    if svcs.values().any(|s| s.replicas.is_none()) {
        sites.push(SiteOut {
            id: UNPLACED.into(),
            parent: None,
            kind: SiteKind::DataCenter,
            name: Some("Not placed by any source".into()),
            note: format!("{MARK}: the services no source places run here"),
        });
        counts.sites += 1;
    }
    sites.sort_by(|a, b| a.id.cmp(&b.id));
    sites.dedup_by(|a, b| a.id == b.id);

    let text = render(o, &files, &sites, &svcs, &journeys, &mut counts);
    let loaded = crate::model::load_str("the imported scenario", &text).map_err(|e| {
        Error::runtime(format!(
            "the imported scenario does not validate, so nothing was written (a bug in import):\n{e}"
        ))
    })?;
    let deps: usize = svcs.values().map(|s| s.deps.len()).sum();
    summary.insert(
        0,
        format!(
            "imported {} services, {} sites and {deps} dependencies ({} partial)",
            loaded.model.services.len(),
            loaded.model.sites.len(),
            counts.partial
        ),
    );
    summary.push(counts.describe());
    Ok(Imported { text, summary })
}

/// How many values were written with the marker.
#[derive(Default)]
struct Counts {
    users: usize,
    restart: usize,
    placement: usize,
    mode: usize,
    shares: usize,
    sites: usize,
    partial: usize,
}

impl Counts {
    fn describe(&self) -> String {
        let mut parts = vec!["the horizon".to_string(), "1 event".to_string()];
        for (n, what) in [
            (self.users, "users"),
            (self.restart, "restart times"),
            (self.placement, "placements (site `unplaced`)"),
            (self.mode, "modes"),
            (self.shares, "messaging shares"),
            (self.sites, "sites"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        format!(
            "assumed, marked `// {MARK}` in the file (`blastradius validate` lists them): {}",
            parts.join(", ")
        )
    }
}

fn count(x: f64) -> String {
    crate::format::thousands(x.round() as u64)
}

fn percent(f: f64) -> String {
    let p = f * 100.0;
    if p >= 1.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.2}%")
    }
}

/// A RON string literal.
fn lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for a `//` comment: one line.
fn note(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn kind_name(k: SiteKind) -> &'static str {
    match k {
        SiteKind::Region => "Region",
        SiteKind::DataCenter => "DataCenter",
        SiteKind::Building => "Building",
        SiteKind::Room => "Room",
        SiteKind::Zone => "Zone",
    }
}

fn render(
    o: &Options,
    files: &[String],
    sites: &[SiteOut],
    svcs: &BTreeMap<String, Svc>,
    journeys: &BTreeMap<String, JourneyOut>,
    counts: &mut Counts,
) -> String {
    let default =
        |what: &str, id: &str| format!("{MARK}: default {what} of {id}, not in the sources");
    let mut t = String::new();
    t.push_str("// Written by `blastradius import` from:\n");
    for f in files {
        let _ = writeln!(t, "//   {}", note(f));
    }
    let _ = writeln!(
        t,
        "// Each value names its source file; a comment starting with {MARK} marks a default that\n// no source gives: check it and remove the marker. `blastradius validate` lists those left."
    );
    t.push_str("Scenario(\n");
    let name = o.name.clone().unwrap_or_else(|| {
        let names: Vec<&str> = files
            .iter()
            .map(|f| f.rsplit([':', '/']).next().unwrap_or(f).trim())
            .collect();
        format!("Imported from {}", names.join(", "))
    });
    let _ = writeln!(t, "    name: {},", lit(&name));
    let _ = writeln!(
        t,
        "    description: {},",
        lit("Written by `blastradius import`: each value's comment names the file it comes from, or marks it as an assumption.")
    );
    let _ = writeln!(
        t,
        "    sources: [{}],",
        files.iter().map(|f| lit(f)).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(
        t,
        "    horizon: {}, // {MARK}: default, not in the sources",
        lit(DEFAULT_HORIZON)
    );
    t.push_str("    seed: 0,\n    sites: [\n");
    for s in sites {
        let _ = write!(t, "        (id: {}", lit(&s.id));
        if let Some(p) = &s.parent {
            let _ = write!(t, ", parent: {}", lit(p));
        }
        let _ = write!(t, ", kind: {}", kind_name(s.kind));
        if let Some(n) = s.name.as_ref().filter(|n| **n != s.id) {
            let _ = write!(t, ", name: {}", lit(n));
        }
        let _ = writeln!(t, "), // {}", note(&s.note));
    }
    t.push_str("    ],\n    services: [\n");
    // Services per zone, for the default event.
    let mut hosted: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, s) in svcs {
        t.push_str("        (\n");
        let _ = write!(t, "            id: {}", lit(id));
        let display = s
            .title
            .clone()
            .or_else(|| s.raw_names.iter().find(|n| *n != id).cloned());
        if let Some(n) = display {
            let _ = write!(t, ", name: {}", lit(&n));
        }
        t.push_str(",\n");
        if let Some((g, src)) = &s.group {
            let _ = writeln!(t, "            group: {}, // {}", lit(g), note(src));
        }
        if !s.description.is_empty() {
            let _ = writeln!(t, "            description: {},", lit(&s.description));
        }
        if let Some(owner) = &s.owner {
            let _ = writeln!(t, "            // owner: {}", note(owner));
        }
        match &s.users {
            Some((u, src)) => {
                let _ = writeln!(t, "            users: {u}, // {}", note(src));
            }
            None => {
                counts.users += 1;
                let _ = writeln!(t, "            users: 0, // {}", default("users", id));
            }
        }
        let (replicas, mode): (Vec<String>, String) = match &s.replicas {
            Some((r, src, _)) => {
                let _ = writeln!(
                    t,
                    "            replicas: [{}], // {}",
                    r.iter().map(|x| lit(x)).collect::<Vec<_>>().join(", "),
                    note(src)
                );
                let mode = match &s.min {
                    Some((k, src)) => format!("ActiveActive(min: {k}), // {}", note(src)),
                    None => {
                        counts.mode += 1;
                        format!("ActiveActive(min: 1), // {}", default("mode", id))
                    }
                };
                (r.clone(), mode)
            }
            None => {
                counts.placement += 1;
                let _ = writeln!(
                    t,
                    "            replicas: [{}], // {MARK}: no source places {id}{}",
                    lit(UNPLACED),
                    s.unplaced_why
                        .as_deref()
                        .map_or(String::new(), |w| format!(" ({})", note(w)))
                );
                (vec![UNPLACED.into()], "ActiveActive(min: 1),".into())
            }
        };
        // Count each service once per zone (or root site) it has a replica in.
        let mut zones: BTreeSet<&str> = BTreeSet::new();
        for r in &replicas {
            let z = sites
                .iter()
                .find(|x| x.kind == SiteKind::Zone && r.starts_with(&format!("{}/", x.id)))
                .map(|x| x.id.as_str())
                .unwrap_or_else(|| {
                    sites
                        .iter()
                        .find(|x| &x.id == r)
                        .map_or(UNPLACED, |x| x.id.as_str())
                });
            zones.insert(z);
        }
        for z in zones {
            *hosted.entry(z).or_default() += 1;
        }
        let _ = writeln!(t, "            mode: {mode}");
        match &s.restart {
            Some((r, src)) => {
                let _ = writeln!(t, "            restart: {}, // {}", lit(r), note(src));
            }
            None => {
                counts.restart += 1;
                let _ = writeln!(
                    t,
                    "            restart: {}, // {}",
                    lit(DEFAULT_RESTART),
                    default("restart", id)
                );
            }
        }
        if !s.deps.is_empty() {
            t.push_str("            depends_on: [\n");
            for (on, readings) in &s.deps {
                let hard: Vec<&String> = readings
                    .iter()
                    .filter_map(|r| match r {
                        Reading::Hard(n) => Some(n),
                        _ => None,
                    })
                    .collect();
                if !hard.is_empty() {
                    let notes: Vec<String> = hard.iter().map(|n| note(n)).collect();
                    let _ = writeln!(t, "                {}, // {}", lit(on), notes.join("; "));
                } else {
                    let (mut share, mut notes, mut assumed) = (0.0f64, Vec::new(), true);
                    for r in readings {
                        if let Reading::Partial(s, n, a) = r {
                            share = share.max(*s);
                            notes.push(note(n));
                            assumed &= *a;
                        }
                    }
                    counts.partial += 1;
                    if assumed {
                        counts.shares += 1;
                    }
                    let _ = writeln!(
                        t,
                        "                (on: {}, share: {share}), // {}",
                        lit(on),
                        notes.join("; ")
                    );
                }
            }
            t.push_str("            ],\n");
        }
        t.push_str("        ),\n");
    }
    t.push_str("    ],\n");
    render_journeys(&mut t, journeys);
    // The default event: the zone (else the site) that hosts the most services is lost
    // for a few hours at the start.
    let (site, _) = hosted
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(s, n)| (s.to_string(), *n))
        .unwrap_or_else(|| (UNPLACED.into(), 0));
    let is_zone = sites
        .iter()
        .any(|x| x.id == site && x.kind == SiteKind::Zone);
    let label = sites
        .iter()
        .find(|x| x.id == site)
        .and_then(|x| x.name.clone())
        .unwrap_or_else(|| site.clone());
    let _ = writeln!(
        t,
        "    events: [\n        // {MARK}: default event, not in the sources: the {} hosting the most services is lost\n        // at the start for a log-normal time (median 4 h, 95% within 24 h). Replace it with the\n        // failures to study.",
        if is_zone { "zone" } else { "site" }
    );
    let _ =
        writeln!(
        t,
        "        (name: {}, site: {}, at: \"0h\", lasts: LogNormal(median: \"4h\", p95: \"24h\")),",
        lit(&format!("Loss of {} {label}", if is_zone { "zone" } else { "site" })),
        lit(&site)
    );
    t.push_str("    ],\n)\n");
    t
}

/// The journeys: each entry operation of the traces, needing its root span's service
/// first, then every other service its traces touch; weighted by its share of the traces
/// (to 4 decimals, at least 0.0001); most traces first.
fn render_journeys(t: &mut String, journeys: &BTreeMap<String, JourneyOut>) {
    if journeys.is_empty() {
        return;
    }
    let total: u64 = journeys.values().map(|j| j.traces).sum();
    let mut order: Vec<(&String, &JourneyOut)> = journeys.iter().collect();
    order.sort_by(|a, b| b.1.traces.cmp(&a.1.traces).then(a.0.cmp(b.0)));
    t.push_str(
        "    // Each operation that starts a trace (its root span) is a journey, needing every service\n    // its traces touch, weighted by its share of the traces.\n    journeys: [\n",
    );
    for (name, j) in order {
        let share = j.traces as f64 / total as f64;
        let weight = ((share * 1e4).round() / 1e4).max(1e-4);
        let needs: Vec<String> = std::iter::once(&j.root)
            .chain(j.needs.iter().filter(|x| **x != j.root))
            .map(|x| lit(x))
            .collect();
        let _ = writeln!(
            t,
            "        (name: {}, weight: {weight}, needs: [{}]), // {}",
            lit(name),
            needs.join(", "),
            note(&j.notes.join("; "))
        );
    }
    t.push_str("    ],\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(id_of("Front End"), "front-end");
        assert_eq!(id_of("redis:6379"), "redis-6379");
        assert_eq!(id_of("compose-post-service"), "compose-post-service");
        assert_eq!(id_of("Ünïcode"), "-n-code");
    }

    #[test]
    fn literals_and_assumption_lines() {
        assert_eq!(lit("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        let text = "x: 1, // ASSUMPTION: y\n// ASSUMPTION: in a comment\ny: \"ASSUMPTION:\",\n// an ASSUMPTION\n";
        assert_eq!(
            assumptions(text).iter().map(|a| a.0).collect::<Vec<_>>(),
            [1, 2]
        );
    }
}
