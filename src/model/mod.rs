//! The validated model: scenario text lowered into checked, index-based data with the
//! service dependency graph held in petgraph.
//!
//! Everything here has been checked: ids resolve, distributions have sane parameters,
//! probabilities are probabilities. Code downstream (`sim`, `analysis`) relies on it and
//! never re-checks. Every problem found while lowering is reported together, each with the
//! file, line, column and field it concerns.

pub mod blast;
pub mod diagnostics;
pub mod dist;
mod lower;
pub mod tree;

use petgraph::graph::{DiGraph, NodeIndex};
use sha2::{Digest, Sha256};

use crate::error::{Diagnostic, Error};
pub use crate::scenario::SiteKind;
use crate::scenario::{self, Scenario};
pub use dist::Dist;

pub type SiteIdx = usize;
pub type ServiceIdx = usize;

#[derive(Debug, Clone)]
pub struct Site {
    pub id: String,
    pub name: String,
    /// Display names per report language; `name` for the others.
    pub names: std::collections::BTreeMap<String, String>,
    pub kind: SiteKind,
    pub parent: Option<SiteIdx>,
    pub hazards: Vec<Hazard>,
}

#[derive(Debug, Clone)]
pub struct Hazard {
    /// Time to the next failure, from the start and from the end of each repair.
    pub mtbf: Dist,
    /// Recovery work (services) or elapsed time (sites) of one failure.
    pub repair: Dist,
}

#[derive(Debug, Clone)]
pub enum Mode {
    /// Up while at least `min` replicas are up.
    ActiveActive { min: usize },
    /// The first replica serves; failover to the next one that is up.
    ActiveStandby { failover: Dist, success: f64 },
}

#[derive(Debug, Clone)]
pub struct Dependency {
    pub on: Target,
    /// Share of users lost while `on` is down past `grace`; 1.0 is a hard dependency.
    pub share: f64,
    pub grace: f64,
}

/// What a dependency is on.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Service(ServiceIdx),
    /// Alternatives (`AnyOf`): down while fewer than `min` of them are up.
    AnyOf(AnyOf),
}

/// Alternatives: at least `min` of the services `of` (each listed once, `1 ≤ min ≤
/// of.len()`) must be up.
#[derive(Debug, Clone, PartialEq)]
pub struct AnyOf {
    pub of: Vec<ServiceIdx>,
    pub min: usize,
    /// Its index in [`Model::alternatives`].
    pub group: usize,
}

impl AnyOf {
    /// How many alternatives down take it down: `of.len() − min + 1`.
    pub fn fails_at(&self) -> usize {
        self.of.len() + 1 - self.min
    }

    /// Whether it is down when the services marked in `down` are.
    pub fn is_down(&self, down: &[bool]) -> bool {
        self.of.iter().filter(|&&x| down[x]).count() >= self.fails_at()
    }
}

impl Target {
    /// The one service it is on, unless it is on alternatives.
    pub fn service(&self) -> Option<ServiceIdx> {
        match self {
            Target::Service(x) => Some(*x),
            Target::AnyOf(_) => None,
        }
    }

    /// The services it names: one, or the alternatives.
    pub fn services(&self) -> &[ServiceIdx] {
        match self {
            Target::Service(x) => std::slice::from_ref(x),
            Target::AnyOf(a) => &a.of,
        }
    }

    /// Whether it is down when the services marked in `down` are.
    pub fn is_down(&self, down: &[bool]) -> bool {
        match self {
            Target::Service(x) => down[*x],
            Target::AnyOf(a) => a.is_down(down),
        }
    }

    /// How reports name it: the service id, or `any of a, b` (`2 of a, b, c`).
    pub fn label(&self, m: &Model) -> String {
        match self {
            Target::Service(x) => m.services[*x].id.clone(),
            Target::AnyOf(a) => {
                let ids: Vec<&str> = a.of.iter().map(|&x| m.services[x].id.as_str()).collect();
                if a.min == 1 {
                    format!("any of {}", ids.join(", "))
                } else {
                    format!("{} of {}", a.min, ids.join(", "))
                }
            }
        }
    }
}

impl Dependency {
    pub fn is_hard(&self) -> bool {
        self.share >= 1.0
    }
}

#[derive(Debug, Clone)]
pub struct Rebuild {
    pub to: Vec<SiteIdx>,
    pub takes: Dist,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub id: String,
    pub name: String,
    /// Display names per report language; `name` for the others.
    pub names: std::collections::BTreeMap<String, String>,
    pub group: String,
    pub description: String,
    pub users: u64,
    pub replicas: Vec<SiteIdx>,
    /// Instances per replica (`instances`, at least 1): a fleet of similar systems that
    /// restart and fail one by one (docs/semantics.md, "Fleets").
    pub instances: u32,
    pub mode: Mode,
    pub restart: Dist,
    pub rebuild: Option<Rebuild>,
    pub depends_on: Vec<Dependency>,
    pub recovery_needs: Vec<ServiceIdx>,
    pub hazards: Vec<Hazard>,
    /// Where users go when the service has been down a while.
    pub substitutes: Vec<Substitute>,
    /// Impact tolerance in hours (`risk`: how often downtime exceeds it).
    pub tolerance: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    /// The sites it may hit: the one `site` written, the children of `site` (with
    /// `count`), or the `sites` listed.
    pub sites: Vec<SiteIdx>,
    /// How many of `sites` it hits, picked uniformly at random without replacement in each
    /// trial; `None`: all of them.
    pub count: Option<usize>,
    /// The site written as `site` (the one hit, or the one whose children are picked from),
    /// for reports; `None` for a list of `sites`.
    pub site: Option<SiteIdx>,
    /// Start time: from 0 for top-level events, from the parent's start for follow-ons.
    pub start: Dist,
    pub probability: f64,
    pub lasts: Dist,
    pub destroys: bool,
    pub per_year: Option<f64>,
    pub then: Vec<Event>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryOrder {
    ByUsers,
    ByOrder,
}

#[derive(Debug, Clone)]
pub struct Recovery {
    /// At most this many recovery tasks progress at once; `None`: all of them.
    pub crews: Option<usize>,
    pub order: RecoveryOrder,
    /// Hours after which a task blocked in a recovery deadlock bypasses its needs.
    pub bootstrap: Option<f64>,
}

/// Users who switch away: once the service has been down for `after` hours, `share` of
/// its users use the substitute instead and lose nothing more while it is up.
#[derive(Debug, Clone, PartialEq)]
pub struct Substitute {
    pub to: SubstituteTo,
    pub share: f64,
    pub after: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SubstituteTo {
    /// A service of the scenario: the switched users lose nothing only while it is up.
    Service(ServiceIdx),
    /// An alternative outside the scenario, taken to be always up.
    Outside(String),
}

impl Service {
    /// The share of its users with no substitute at all: locked in.
    pub fn locked_in_share(&self) -> f64 {
        (1.0 - self.substitutes.iter().map(|s| s.share).sum::<f64>()).max(0.0)
    }
}

impl Model {
    /// The scenario's name in language `lang` (a code such as "ko"), else `name`.
    pub fn name_in(&self, lang: &str) -> &str {
        self.names.get(lang).map_or(&self.name, |n| n)
    }
}

impl Site {
    /// Its name in language `lang` (a code such as "ko"), else `name`.
    pub fn name_in(&self, lang: &str) -> &str {
        self.names.get(lang).map_or(&self.name, |n| n)
    }
}

impl Service {
    /// Its name in language `lang` (a code such as "ko"), else `name`.
    pub fn name_in(&self, lang: &str) -> &str {
        self.names.get(lang).map_or(&self.name, |n| n)
    }
}

/// A named parameter (`params`), as this model uses it.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    /// Its distribution as the model uses it: `params`' value times `factor` (or times a
    /// factor of [`Scales`] when `calibrate` lowers the scenario again).
    pub dist: Dist,
    /// As `params` gives it (before the `calibrated` factor).
    pub prior: Dist,
    /// The scenario's `calibrated` factor for it (1 when none).
    pub factor: f64,
    /// The services that use it directly (restart, failover, rebuild, hazards), in file
    /// order.
    pub services: Vec<ServiceIdx>,
    /// Whether a site hazard or an event uses it (those can touch every service).
    pub sites_or_events: bool,
}

impl Param {
    /// Whether anything in the model uses it.
    pub fn used(&self) -> bool {
        !self.services.is_empty() || self.sites_or_events
    }
}

/// One observed restoration (`observed`): what really happened, for a replay.
#[derive(Debug, Clone)]
pub struct Observation {
    pub service: ServiceIdx,
    /// Hours after the start of the horizon when the service was back.
    pub restored_at: f64,
    pub source: String,
}

/// An incident class (`thresholds`): breached by an incident in which every condition
/// given holds (at least one is): services with users down for at least `min_downtime`
/// hours (or affected at all, without it) whose users number at least `min_users` and
/// make at least `min_share` of all users.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub name: String,
    pub min_downtime: Option<f64>,
    pub min_users: Option<u64>,
    pub min_share: Option<f64>,
}

/// A user journey (`journeys`): up while every service it needs is up.
#[derive(Debug, Clone, PartialEq)]
pub struct Journey {
    pub name: String,
    /// Display names per report language; `name` for the others.
    pub names: std::collections::BTreeMap<String, String>,
    /// The services it needs, in the order written, each once.
    pub needs: Vec<ServiceIdx>,
    pub size: JourneySize,
}

/// How much a journey counts: a relative `weight`, or the `users` who make it. Every
/// journey of a scenario is given the same way (lowering checks it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JourneySize {
    Weight(f64),
    Users(u64),
}

impl Journey {
    /// Its weight as written: the weight, or the number of users.
    pub fn raw_weight(&self) -> f64 {
        match self.size {
            JourneySize::Weight(w) => w,
            JourneySize::Users(u) => u as f64,
        }
    }

    /// The people who make it: 0 for a journey given by weight.
    pub fn users(&self) -> u64 {
        match self.size {
            JourneySize::Weight(_) => 0,
            JourneySize::Users(u) => u,
        }
    }

    /// Its name in language `lang` (a code such as "ko"), else `name`.
    pub fn name_in(&self, lang: &str) -> &str {
        self.names.get(lang).map_or(&self.name, |n| n)
    }
}

/// Scale factors for named parameters: every duration of a scaled parameter's
/// distribution (as `params` gives it) is multiplied by its factor, its shape kept, in
/// place of the scenario's `calibrated` factor. Used by `calibrate`.
pub type Scales = std::collections::BTreeMap<String, f64>;

/// Beta-factor common cause (`common_cause`): a shared failure process that hits every
/// member site at once (docs/semantics.md, "Common causes").
#[derive(Debug, Clone, PartialEq)]
pub struct CommonCause {
    /// Sites, each with exactly one hazard with an exponential `mtbf`, each in one common
    /// cause at most.
    pub members: Vec<SiteIdx>,
    pub beta: f64,
    /// Failures per hour of the shared process: `beta` × the smallest member rate.
    pub rate: f64,
}

impl Model {
    /// The rate of the independent failures of site `x`'s hazard `h` (per hour): its
    /// rate less the shared rate of its common cause, if it is a member of one.
    pub fn independent_rate(&self, x: SiteIdx, h: usize) -> Option<f64> {
        let cc = self.common_causes.iter().find(|c| c.members.contains(&x))?;
        let total = 1.0 / self.sites[x].hazards[h].mtbf.mean();
        Some((total - cc.rate).max(0.0))
    }
}

/// What the edges of [`Model::graph`] mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EdgeKind {
    /// `depends_on` on one service, with its share and grace.
    Depends { share: f64, grace: f64 },
    /// `depends_on` on alternatives: an edge to each, with the share and grace of the
    /// dependency, which is [`Model::alternatives`]`[group]`.
    Alternative {
        share: f64,
        grace: f64,
        group: usize,
    },
    /// `recovery_needs`.
    Needs,
}

impl EdgeKind {
    /// Whether it is a `depends_on` edge (on one service or on an alternative).
    pub fn is_dependency(&self) -> bool {
        !matches!(self, EdgeKind::Needs)
    }
}

impl Model {
    /// The alternatives of group `g` (see [`Model::alternatives`]) and their dependency.
    pub fn any_of(&self, g: usize) -> (&AnyOf, &Dependency) {
        let (s, k) = self.alternatives[g];
        let d = &self.services[s].depends_on[k];
        match &d.on {
            Target::AnyOf(a) => (a, d),
            Target::Service(_) => unreachable!("alternatives index AnyOf dependencies"),
        }
    }
}

/// A validated scenario, or one of its variants applied to it.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    /// The scenario's name per report language; `name` for the others.
    pub names: std::collections::BTreeMap<String, String>,
    pub description: String,
    pub sources: Vec<String>,
    pub currency: Option<String>,
    pub horizon: f64,
    pub trials: u64,
    pub seed: u64,
    pub sites: Vec<Site>,
    pub services: Vec<Service>,
    pub events: Vec<Event>,
    pub recovery: Recovery,
    /// Node `i` is service `i`; an edge `a → b` says `a` depends on or needs `b`.
    pub graph: DiGraph<ServiceIdx, EdgeKind>,
    /// Named parameters, by name.
    pub params: Vec<Param>,
    pub observed: Vec<Observation>,
    /// Incident classes to report (`risk`).
    pub thresholds: Vec<Threshold>,
    /// The dependencies on alternatives (`AnyOf`), as (service, index in its
    /// `depends_on`); [`AnyOf::group`] indexes this.
    pub alternatives: Vec<(ServiceIdx, usize)>,
    pub common_causes: Vec<CommonCause>,
    /// User journeys, in file order (the same in every variant).
    pub journeys: Vec<Journey>,
}

/// At most this many (variants × (sites + services + events)): every variant is
/// validated as the whole scenario it makes, so a file with a hundred thousand variants of
/// a hundred-thousand-service scenario would otherwise take hours to validate.
pub const MAX_VARIANT_WORK: usize = 100_000_000;

/// The most instances one service may have (`instances`).
pub const MAX_INSTANCES: u64 = 1_000_000;

/// The most instance copies (instances × replica slots, a rebuilt replica counting as
/// one) all fleets of one model may hold together: the engine keeps a state for each, in
/// every worker.
pub const MAX_FLEET_COPIES: u64 = 100_000_000;

/// Default number of trials when neither the file nor the command line gives one.
pub const DEFAULT_TRIALS: u64 = 10_000;

impl Model {
    pub fn site_index(&self, id: &str) -> Option<SiteIdx> {
        self.sites.iter().position(|s| s.id == id)
    }
    pub fn service_index(&self, id: &str) -> Option<ServiceIdx> {
        self.services.iter().position(|s| s.id == id)
    }
    pub fn node(i: ServiceIdx) -> NodeIndex {
        NodeIndex::new(i)
    }
    /// Whether `site` is `ancestor` or lies inside it.
    pub fn site_within(&self, site: SiteIdx, ancestor: SiteIdx) -> bool {
        let mut s = Some(site);
        // The parent chain is acyclic (validated), so this ends.
        while let Some(x) = s {
            if x == ancestor {
                return true;
            }
            s = self.sites[x].parent;
        }
        false
    }
    /// Each journey's weight divided by the sum of every journey's: its share in the
    /// journeys' weighted availability. In file order.
    pub fn journey_shares(&self) -> Vec<f64> {
        let total: f64 = self.journeys.iter().map(Journey::raw_weight).sum();
        self.journeys
            .iter()
            .map(|j| j.raw_weight() / total)
            .collect()
    }

    /// Services that list `i` in `depends_on` (any share), in file order.
    pub fn dependents(&self, i: ServiceIdx) -> Vec<ServiceIdx> {
        let mut v: Vec<ServiceIdx> = self
            .graph
            .edges_directed(Self::node(i), petgraph::Direction::Incoming)
            .filter(|e| e.weight().is_dependency())
            .map(|e| petgraph::visit::EdgeRef::source(&e).index())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// A scenario file read, parsed and validated, with every variant validated too.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The path as given (for messages and reports).
    pub file: String,
    pub sha256: String,
    /// The text as read, for locating what warnings are about.
    pub text: String,
    /// The parsed scenario, kept only when it declares `params`: calibration lowers it
    /// again with scaled parameters ([`scaled`]). Nothing else reads it once the models
    /// are built, and on 100,000 services it is about 120 MB.
    pub scenario: Option<Scenario>,
    pub model: Model,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    pub description: String,
    pub cost: Option<f64>,
    pub model: Model,
}

impl Loaded {
    /// The model of `variant`, or the base model for `None`.
    pub fn model_of(&self, variant: Option<&str>) -> Result<&Model, Error> {
        match variant {
            Some(v) => Ok(&self.variant(v)?.model),
            None => Ok(&self.model),
        }
    }

    pub fn variant(&self, name: &str) -> Result<&Variant, Error> {
        self.variants
            .iter()
            .find(|v| v.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
                let mut msg = format!("no variant named \"{name}\" in {}", self.file);
                if let Some(s) = crate::error::suggest(name, names.iter().copied()) {
                    msg.push_str(&format!("; did you mean \"{s}\"?"));
                } else if names.is_empty() {
                    msg.push_str("; the scenario has no variants");
                } else {
                    msg.push_str(&format!("; variants: {}", names.join(", ")));
                }
                Error::usage(msg)
            })
    }

    /// Warnings about the design (single points of failure and the like), base first.
    pub fn warnings(&self) -> Vec<Diagnostic> {
        diagnostics::warnings(self)
    }
}

/// Reads, parses and validates a scenario file.
pub fn load(path: &str) -> Result<Loaded, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::read(path, e))?;
    if meta.len() > scenario::MAX_FILE_BYTES as u64 {
        return Err(Error::invalid(vec![Diagnostic::at(
            path,
            0,
            0,
            "",
            format!(
                "the file is {} MiB; scenario files are limited to {} MiB",
                meta.len() / (1024 * 1024),
                scenario::MAX_FILE_BYTES / (1024 * 1024)
            ),
        )]));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::read(path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let (line, col) = crate::scenario::Locator::new(
            std::str::from_utf8(&e.as_bytes()[..e.utf8_error().valid_up_to()]).unwrap_or(""),
        )
        .line_col(e.utf8_error().valid_up_to());
        Error::invalid(vec![Diagnostic::at(
            path,
            line,
            col,
            "",
            "the file is not valid UTF-8".into(),
        )])
    })?;
    load_str(path, &text)
}

/// Parses and validates scenario text; `file` names it in messages.
pub fn load_str(file: &str, text: &str) -> Result<Loaded, Error> {
    // A UTF-8 byte order mark, as some Windows editors write, is not part of the text.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let scenario = scenario::parse(file, text)?;
    let sha256 = format!("{:x}", Sha256::digest(text.as_bytes()));
    let locator = scenario::Locator::new(text);
    let mut diags = Vec::new();
    let mut suppressed = 0;
    let model = lower::lower(
        &scenario,
        None,
        None,
        file,
        &locator,
        &mut diags,
        &mut suppressed,
    );
    let entities = scenario.sites.len() + scenario.services.len() + scenario.events.len();
    if scenario.variants.len().saturating_mul(entities.max(1)) > MAX_VARIANT_WORK {
        let (line, col) = locator.locate(&[scenario::locate::Anchor::Field("variants")]);
        diags.push(Diagnostic::at(
            file,
            line,
            col,
            "variants",
            format!(
                "{} variants of a scenario with {} sites, services and events: each variant is checked as a whole scenario, and {} × {} is more than the {} checks allowed; put the variants in several files",
                scenario.variants.len(),
                entities,
                scenario.variants.len(),
                entities,
                MAX_VARIANT_WORK
            ),
        ));
        return Err(Error::invalid(diags));
    }
    let mut variants = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for v in &scenario.variants {
        if !seen.insert(v.name.as_str()) {
            let (line, col) = locator.locate(&[
                scenario::locate::Anchor::Field("variants"),
                scenario::locate::Anchor::Name(&v.name),
            ]);
            diags.push(Diagnostic::at(
                file,
                line,
                col,
                &format!("variants[{}]", v.name),
                format!("duplicate variant name \"{}\"", v.name),
            ));
            continue;
        }
        for name in v.params.keys() {
            if !scenario.params.contains_key(name) {
                let (line, col) = locator.locate(&[
                    scenario::locate::Anchor::Field("variants"),
                    scenario::locate::Anchor::Name(&v.name),
                    scenario::locate::Anchor::Field("params"),
                    scenario::locate::Anchor::Str(name),
                ]);
                let mut msg = format!("unknown parameter \"{name}\"");
                match crate::error::suggest(name, scenario.params.keys().map(String::as_str)) {
                    Some(s) => msg.push_str(&format!("; did you mean \"{s}\"?")),
                    None => msg.push_str(
                        "; a variant can only give new values to parameters the scenario declares in `params`",
                    ),
                }
                diags.push(Diagnostic::at(
                    file,
                    line,
                    col,
                    &format!("variants[{}].params[{name}]", v.name),
                    msg,
                ));
            }
        }
        let applied = apply_variant(&scenario, v);
        if let Some(m) = lower::lower(
            &applied,
            Some(v),
            None,
            file,
            &locator,
            &mut diags,
            &mut suppressed,
        ) {
            variants.push(Variant {
                name: v.name.clone(),
                description: v.description.clone(),
                cost: v.cost,
                model: m,
            });
        }
        if let Some(c) = v.cost {
            if !c.is_finite() || c < 0.0 {
                let (line, col) = locator.locate(&[
                    scenario::locate::Anchor::Field("variants"),
                    scenario::locate::Anchor::Name(&v.name),
                    scenario::locate::Anchor::Field("cost"),
                ]);
                diags.push(Diagnostic::at(
                    file,
                    line,
                    col,
                    &format!("variants[{}].cost", v.name),
                    format!("cost must be a finite number ≥ 0, got {c}"),
                ));
            }
        }
    }
    if !diags.is_empty() {
        diags.sort_by_key(|d| (d.line == 0, d.line, d.col));
        diags.dedup();
        if suppressed > 0 {
            diags.push(Diagnostic::at(
                file,
                0,
                0,
                "",
                format!(
                    "and {suppressed} more problem{} not shown (only the first {} are reported)",
                    if suppressed == 1 { "" } else { "s" },
                    lower::MAX_DIAGNOSTICS
                ),
            ));
        }
        return Err(Error::invalid(diags));
    }
    Ok(Loaded {
        file: file.to_string(),
        sha256,
        text: text.to_string(),
        scenario: (!scenario.params.is_empty()).then_some(scenario),
        model: model.expect("no diagnostics means the model was built"),
        variants,
    })
}

/// A variant's services replace the base services with the same id (or are added); its
/// sites are added.
pub fn apply_variant(base: &Scenario, v: &scenario::VariantSpec) -> Scenario {
    let mut s = base.clone();
    s.variants.clear();
    // By id, so that a variant replacing a million services takes linear time.
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, svc) in s.services.iter().enumerate() {
        index.entry(svc.id.clone()).or_insert(i);
    }
    for svc in &v.services {
        match index.get(&svc.id) {
            Some(&i) => s.services[i] = svc.clone(),
            None => {
                index.insert(svc.id.clone(), s.services.len());
                s.services.push(svc.clone());
            }
        }
    }
    s.sites.extend(v.sites.iter().cloned());
    for (name, d) in &v.params {
        s.params.insert(name.clone(), d.clone());
    }
    s
}

/// The model of `variant` (the base for `None`) with named parameters scaled by
/// `scales`: the scenario lowered again, so every use of a parameter takes the scaled
/// distribution. A scale for a name the scenario does not declare is a usage error.
pub fn scaled(loaded: &Loaded, variant: Option<&str>, scales: &Scales) -> Result<Model, Error> {
    // Kept whenever the scenario declares parameters; otherwise parsed again (only a
    // caller with nothing to scale gets here, and the parse gives the same scenario).
    let parsed;
    let scenario = match loaded.scenario.as_ref() {
        Some(s) => s,
        None => {
            parsed = scenario::parse(&loaded.file, &loaded.text)?;
            &parsed
        }
    };
    let declared: Vec<&str> = scenario.params.keys().map(String::as_str).collect();
    for name in scales.keys() {
        if !scenario.params.contains_key(name) {
            return Err(unknown_param(&declared, name));
        }
    }
    let spec = match variant {
        Some(v) => {
            loaded.variant(v)?;
            scenario.variants.iter().find(|x| x.name == v)
        }
        None => None,
    };
    let applied = spec.map(|v| apply_variant(scenario, v));
    let s = applied.as_ref().unwrap_or(scenario);
    let locator = scenario::Locator::new(&loaded.text);
    let mut diags = Vec::new();
    let mut suppressed = 0;
    lower::lower(
        s,
        spec,
        Some(scales),
        &loaded.file,
        &locator,
        &mut diags,
        &mut suppressed,
    )
    .ok_or_else(|| Error::invalid(diags))
}

/// "unknown parameter", with a suggestion among the scenario's `declared` parameters.
pub fn unknown_param(declared: &[&str], name: &str) -> Error {
    let mut msg = format!("unknown parameter \"{name}\"");
    match crate::error::suggest(name, declared.iter().copied()) {
        Some(x) => msg.push_str(&format!("; did you mean \"{x}\"?")),
        None if declared.is_empty() => msg.push_str("; the scenario declares no `params`"),
        None => msg.push_str(&format!("; parameters: {}", declared.join(", "))),
    }
    Error::usage(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scenario without `params` is not kept once lowered; `scaled` parses it again,
    /// so it lowers the same services, and a name to scale is an unknown parameter.
    #[test]
    fn scaled_without_params_parses_the_text_again() {
        let text = r#"Scenario(name: "t", horizon: "1d", sites: [(id: "a")],
            services: [(id: "x", users: 3, replicas: ["a"]), (id: "y", replicas: ["a"])])"#;
        let loaded = load_str("t.ron", text).unwrap();
        assert!(loaded.scenario.is_none());
        let m = scaled(&loaded, None, &Scales::new()).unwrap();
        let ids = |m: &Model| m.services.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&m), ids(&loaded.model));
        let err = scaled(&loaded, None, &Scales::from([("k".to_string(), 2.0)])).unwrap_err();
        assert!(err.to_string().contains("declares no `params`"), "{err}");
        let with = text.replace("sites:", r#"params: {"r": "1h"}, sites:"#);
        assert!(load_str("t.ron", &with).unwrap().scenario.is_some());
    }
}
