//! Lowering: scenario shapes → validated model, collecting every problem with its place.

use std::collections::{HashMap, HashSet};

use petgraph::graph::DiGraph;

use super::*;
use crate::scenario::duration::parse_hours;
use crate::scenario::locate::{Anchor, Locator};
use crate::scenario::{
    AnyOfSpec, DepSpec, DistSpec, EventSpec, HazardSpec, ModeSpec, OrderSpec, RecoverySpec,
    ServiceSpec, TaggedDist, TargetSpec, VariantSpec,
};

/// Which part of the file a problem belongs to, for its field path and its position.
#[derive(Clone, Copy)]
enum Owner<'a> {
    Top,
    Site(&'a str),
    Service(&'a str),
    /// The chain of event names, outermost first, is kept in `Ctx::event_path`.
    Event,
    Recovery,
    /// A named parameter's definition.
    Param(&'a str),
    /// The observation of a service's restoration.
    Observed(&'a str),
    /// An incident class of `thresholds`, by name.
    Threshold(&'a str),
    /// Entry `i` of `common_cause`, located by its `i`-th `members:`.
    CommonCause(usize),
    /// A user journey of `journeys`, by name.
    Journey(&'a str),
}

/// A named parameter while lowering: its distribution (`None` if it is invalid) and what
/// uses it.
struct ParamSlot<'a> {
    name: &'a str,
    /// As `params` gives it.
    prior: Option<Dist>,
    /// The scenario's `calibrated` factor for it (1 when none, or when the variant gives
    /// the parameter a value of its own).
    factor: f64,
    services: Vec<String>,
    sites_or_events: bool,
}

struct Ctx<'a> {
    file: &'a str,
    loc: &'a Locator<'a>,
    variant: Option<&'a str>,
    variant_sites: HashSet<&'a str>,
    variant_services: HashSet<&'a str>,
    /// How many sites the variant adds (they come last in the applied scenario).
    variant_sites_len: usize,
    event_path: Vec<&'a str>,
    /// The named parameters the variant gives other values.
    variant_params: HashSet<&'a str>,
    params: Vec<ParamSlot<'a>>,
    param_ix: HashMap<&'a str, usize>,
    /// Scale factors applied to named parameters (`calibrate`).
    scales: Option<&'a Scales>,
    diags: &'a mut Vec<Diagnostic>,
    /// Problems found but not reported, past [`MAX_DIAGNOSTICS`].
    suppressed: &'a mut usize,
    failed: bool,
}

/// The most problems reported for one file. Each is located by a search of the text, so a
/// hostile file with a million bad references would otherwise take quadratic time; past
/// this many, problems are only counted (`load_str` says how many more there were).
pub const MAX_DIAGNOSTICS: usize = 100;

impl<'a> Ctx<'a> {
    /// Reports a problem at `field` (a path below the owner) near the literal `value`.
    fn err(&mut self, owner: Owner<'_>, field: &str, value: Option<&str>, message: String) {
        self.err_nth(owner, 0, field, value, message);
    }

    /// Like [`Ctx::err`], for the `nth` (0-based) site or service written with the owner's
    /// id: the second of two duplicates is the one to point at.
    fn err_nth(
        &mut self,
        owner: Owner<'_>,
        nth: usize,
        field: &str,
        value: Option<&str>,
        message: String,
    ) {
        self.failed = true;
        let from_variant = match owner {
            Owner::Site(id) => self.variant_sites.contains(id),
            Owner::Service(id) => self.variant_services.contains(id),
            Owner::Param(name) => self.variant_params.contains(name),
            _ => false,
        };
        // In a variant, problems of base entities were already reported with the base.
        if self.variant.is_some() && !from_variant {
            return;
        }
        if self.diags.len() >= MAX_DIAGNOSTICS {
            *self.suppressed += 1;
            return;
        }
        let mut anchors: Vec<Anchor> = Vec::new();
        let mut path = String::new();
        if let (Some(v), true) = (self.variant, from_variant) {
            anchors.push(Anchor::Field("variants"));
            anchors.push(Anchor::Name(v));
            path.push_str(&format!("variants[{v}]."));
        }
        match owner {
            Owner::Top => {}
            Owner::Site(id) => {
                anchors.push(Anchor::Field("sites"));
                anchors.push(Anchor::NthId(id, nth));
                path.push_str(&format!("sites[{id}]"));
            }
            Owner::Service(id) => {
                anchors.push(Anchor::Field("services"));
                anchors.push(Anchor::NthId(id, nth));
                path.push_str(&format!("services[{id}]"));
            }
            Owner::Event => {
                anchors.push(Anchor::Field("events"));
                path.push_str("events");
                for (i, n) in self.event_path.iter().enumerate() {
                    if i > 0 {
                        anchors.push(Anchor::Field("then"));
                        path.push_str(".then");
                    }
                    anchors.push(Anchor::Name(n));
                    path.push_str(&format!("[{n}]"));
                }
            }
            Owner::Recovery => {
                anchors.push(Anchor::Field("recovery"));
                path.push_str("recovery");
            }
            Owner::Param(name) => {
                anchors.push(Anchor::Field("params"));
                anchors.push(Anchor::Str(name));
                path.push_str(&format!("params[{name}]"));
            }
            Owner::Observed(service) => {
                anchors.push(Anchor::Field("observed"));
                anchors.push(Anchor::NthKeyed("service", service, nth));
                path.push_str(&format!("observed[{service}]"));
            }
            Owner::Threshold(name) => {
                anchors.push(Anchor::Field("thresholds"));
                anchors.push(Anchor::NthKeyed("name", name, nth));
                path.push_str(&format!("thresholds[{name}]"));
            }
            Owner::CommonCause(i) => {
                anchors.push(Anchor::Field("common_cause"));
                anchors.push(Anchor::NthField("members", i));
                path.push_str(&format!("common_cause[{i}]"));
            }
            Owner::Journey(name) => {
                anchors.push(Anchor::Field("journeys"));
                anchors.push(Anchor::NthKeyed("name", name, nth));
                path.push_str(&format!("journeys[{name}]"));
            }
        }
        let mut fields: Vec<&str> = field.split('.').filter(|f| !f.is_empty()).collect();
        if matches!(owner, Owner::Site(_) | Owner::Service(_)) && fields.first() == Some(&"id") {
            // The owner's anchor already stands on its `id: "x"`.
            fields.remove(0);
        }
        if matches!(owner, Owner::Observed(_)) && fields.first() == Some(&"service") {
            // The owner's anchor already stands on the observation's service id.
            fields.remove(0);
        }
        for f in &fields {
            let name = f.split('[').next().unwrap_or(f);
            anchors.push(Anchor::Field(name));
        }
        if !field.is_empty() {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(field);
        }
        if let Some(v) = value {
            anchors.push(Anchor::Str(v));
        }
        let (line, col) = self.loc.locate(&anchors);
        self.diags
            .push(Diagnostic::at(self.file, line, col, &path, message));
    }

    /// Whether a problem of `owner` would only be counted, not reported: then it is
    /// counted here, and the caller may skip building an expensive message (a suggestion
    /// among a million ids).
    fn only_counted(&mut self, owner: Owner<'_>) -> bool {
        let from_variant = match owner {
            Owner::Site(id) => self.variant_sites.contains(id),
            Owner::Service(id) => self.variant_services.contains(id),
            Owner::Param(name) => self.variant_params.contains(name),
            _ => false,
        };
        if self.diags.len() < MAX_DIAGNOSTICS {
            return false;
        }
        self.failed = true;
        if self.variant.is_none() || from_variant {
            *self.suppressed += 1;
        }
        true
    }

    fn hours(&mut self, owner: Owner<'_>, field: &str, text: &str) -> Option<f64> {
        match parse_hours(text) {
            Ok(h) => Some(h),
            Err(m) => {
                self.err(owner, field, Some(text), m);
                None
            }
        }
    }

    fn dist(&mut self, owner: Owner<'_>, field: &str, spec: &DistSpec) -> Option<Dist> {
        match spec {
            DistSpec::Fixed(t) => self.hours(owner, field, t).map(Dist::Fixed),
            DistSpec::Tagged(t) => match t {
                TaggedDist::Exp { mean } => {
                    let m = self.hours(owner, field, mean)?;
                    if m <= 0.0 {
                        self.err(
                            owner,
                            field,
                            Some(mean),
                            "Exp mean must be greater than zero".into(),
                        );
                        return None;
                    }
                    Some(Dist::Exp { mean: m })
                }
                TaggedDist::Uniform { min, max } => {
                    let (a, b) = (self.hours(owner, field, min), self.hours(owner, field, max));
                    let (a, b) = (a?, b?);
                    if a > b {
                        self.err(
                            owner,
                            field,
                            Some(min),
                            format!("Uniform min ({min}) is greater than max ({max})"),
                        );
                        return None;
                    }
                    Some(Dist::Uniform { min: a, max: b })
                }
                TaggedDist::Triangular { min, mode, max } => {
                    let (a, c, b) = (
                        self.hours(owner, field, min),
                        self.hours(owner, field, mode),
                        self.hours(owner, field, max),
                    );
                    let (a, c, b) = (a?, c?, b?);
                    if !(a <= c && c <= b) {
                        self.err(owner, field, Some(min), format!(
                            "Triangular needs min ≤ mode ≤ max, got min {min}, mode {mode}, max {max}"
                        ));
                        return None;
                    }
                    Some(Dist::Triangular {
                        min: a,
                        mode: c,
                        max: b,
                    })
                }
                TaggedDist::LogNormal { median, p95 } => {
                    let (m, p) = (
                        self.hours(owner, field, median),
                        self.hours(owner, field, p95),
                    );
                    let (m, p) = (m?, p?);
                    if m <= 0.0 {
                        self.err(
                            owner,
                            field,
                            Some(median),
                            "LogNormal median must be greater than zero".into(),
                        );
                        return None;
                    }
                    if p < m {
                        self.err(owner, field, Some(p95), format!(
                            "LogNormal p95 ({p95}) is below its median ({median}); the 95th percentile must be at least the median"
                        ));
                        return None;
                    }
                    Some(Dist::log_normal(m, p))
                }
                TaggedDist::Weibull { shape, scale } => {
                    let s = self.hours(owner, field, scale)?;
                    if !shape.is_finite() || *shape <= 0.0 || *shape > 1000.0 {
                        self.err(
                            owner,
                            &format!("{field}.shape"),
                            None,
                            format!("Weibull shape must be in (0, 1000], got {shape}"),
                        );
                        return None;
                    }
                    if s <= 0.0 {
                        self.err(
                            owner,
                            field,
                            Some(scale),
                            "Weibull scale must be greater than zero".into(),
                        );
                        return None;
                    }
                    Some(Dist::Weibull {
                        shape: *shape,
                        scale: s,
                    })
                }
                TaggedDist::Empirical(values) => {
                    if values.is_empty() {
                        self.err(
                            owner,
                            field,
                            None,
                            "Empirical needs at least one value".into(),
                        );
                        return None;
                    }
                    let mut out = Vec::with_capacity(values.len());
                    for v in values {
                        out.push(self.hours(owner, field, v));
                    }
                    out.into_iter()
                        .collect::<Option<Vec<f64>>>()
                        .map(Dist::Empirical)
                }
                TaggedDist::Param(name) => self.param(owner, field, name),
            },
        }
    }

    /// `Param("name")` used at `field` of `owner`: the parameter's distribution, scaled if
    /// a scale is given for it; the use is recorded.
    fn param(&mut self, owner: Owner<'_>, field: &str, name: &str) -> Option<Dist> {
        if let Owner::Param(_) = owner {
            self.err(
                owner,
                field,
                Some(name),
                format!("a parameter cannot be another parameter (`Param(\"{name}\")`); give it a distribution"),
            );
            return None;
        }
        let Some(&k) = self.param_ix.get(name) else {
            if self.only_counted(owner) {
                return None;
            }
            let mut msg = format!("unknown parameter \"{name}\"");
            match crate::error::suggest(name, self.params.iter().map(|p| p.name)) {
                Some(sug) => msg.push_str(&format!("; did you mean \"{sug}\"?")),
                None if self.params.is_empty() => {
                    msg.push_str("; the scenario declares no `params`")
                }
                None => msg.push_str("; parameters are declared under `params`"),
            }
            self.err(owner, field, Some(name), msg);
            return None;
        };
        let slot = &mut self.params[k];
        match owner {
            Owner::Service(id) => {
                // Services are lowered in file order, each once: a repeat is the same one.
                if slot.services.last().map(String::as_str) != Some(id) {
                    slot.services.push(id.to_string());
                }
            }
            _ => slot.sites_or_events = true,
        }
        let prior = slot.prior.clone()?;
        let factor = match self.scales.and_then(|sc| sc.get(name)) {
            Some(&k) => k,
            None => slot.factor,
        };
        Some(if factor == 1.0 {
            prior
        } else {
            prior.scaled(factor)
        })
    }

    fn fraction(
        &mut self,
        owner: Owner<'_>,
        field: &str,
        x: f64,
        lo_open: bool,
        what: &str,
    ) -> Option<f64> {
        let ok = x.is_finite() && x <= 1.0 && if lo_open { x > 0.0 } else { x >= 0.0 };
        if ok {
            Some(x)
        } else {
            let range = if lo_open { "(0, 1]" } else { "[0, 1]" };
            self.err(
                owner,
                field,
                None,
                format!("{what} must be in {range}, got {x}"),
            );
            None
        }
    }

    /// Display names per language: a language code of 2 or 3 lowercase letters, and a
    /// name that is not empty.
    fn names(
        &mut self,
        owner: Owner<'_>,
        names: &std::collections::BTreeMap<String, String>,
    ) -> std::collections::BTreeMap<String, String> {
        for (lang, name) in names {
            let code_ok =
                (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_lowercase());
            if !code_ok {
                self.err(
                    owner,
                    "names",
                    Some(lang),
                    format!(
                        "\"{}\" is not a language code; use a code of 2 or 3 lowercase letters such as \"ko\" or \"en\"",
                        lang.escape_debug()
                    ),
                );
            } else if name.trim().is_empty() {
                self.err(
                    owner,
                    "names",
                    Some(lang),
                    format!("the name for \"{lang}\" is empty"),
                );
            }
        }
        names.clone()
    }

    fn hazards(&mut self, owner: Owner<'_>, specs: &[HazardSpec]) -> Vec<Hazard> {
        let mut out = Vec::new();
        for (i, h) in specs.iter().enumerate() {
            let f = format!("hazards[{i}]");
            // A bare duration for `mtbf` means exponential with that mean.
            let mtbf = match &h.mtbf {
                DistSpec::Fixed(t) => self
                    .hours(owner, &format!("{f}.mtbf"), t)
                    .map(|m| Dist::Exp { mean: m }),
                other => self.dist(owner, &format!("{f}.mtbf"), other),
            };
            let repair = self.dist(owner, &format!("{f}.repair"), &h.repair);
            if let Some(m) = &mtbf {
                if m.mean() <= 0.0 {
                    self.err(
                        owner,
                        &format!("{f}.mtbf"),
                        None,
                        "mtbf must be greater than zero".into(),
                    );
                    continue;
                }
            }
            if let (Some(mtbf), Some(repair)) = (mtbf, repair) {
                out.push(Hazard { mtbf, repair });
            }
        }
        out
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._/-".contains(&b))
}

/// Lowers `s` (the base, or the base with variant `variant` applied) into a model.
/// Problems are appended to `diags`; `None` when there were any.
#[allow(clippy::too_many_arguments)]
pub(super) fn lower<'a>(
    s: &'a Scenario,
    variant: Option<&'a VariantSpec>,
    scales: Option<&'a Scales>,
    file: &'a str,
    loc: &'a Locator<'a>,
    diags: &'a mut Vec<Diagnostic>,
    suppressed: &'a mut usize,
) -> Option<Model> {
    let mut cx = Ctx {
        file,
        loc,
        variant: variant.map(|v| v.name.as_str()),
        variant_sites: variant
            .iter()
            .flat_map(|v| v.sites.iter().map(|x| x.id.as_str()))
            .collect(),
        variant_services: variant
            .iter()
            .flat_map(|v| v.services.iter().map(|x| x.id.as_str()))
            .collect(),
        variant_sites_len: variant.map_or(0, |v| v.sites.len()),
        event_path: Vec::new(),
        variant_params: variant
            .iter()
            .flat_map(|v| v.params.keys().map(String::as_str))
            .collect(),
        params: Vec::new(),
        param_ix: HashMap::new(),
        scales,
        diags,
        suppressed,
        failed: false,
    };

    let horizon = lower_top(&mut cx, s);
    lower_params(&mut cx, s);
    let (sites, site_ix) = lower_sites(&mut cx, s);
    if cx.failed {
        // Later checks walk the site tree; stop here rather than report noise.
        return None;
    }
    let (mut services, svc_ix) = lower_services(&mut cx, s, &site_ix);
    let alternatives = number_alternatives(&mut services);
    let children = children_of(&sites);
    let mut events = Vec::new();
    for e in &s.events {
        if let Some(ev) = lower_event(&mut cx, e, true, &site_ix, &children) {
            events.push(ev);
        }
    }
    let common_causes = lower_common_causes(&mut cx, s, &sites, &site_ix, &svc_ix);
    let recovery = lower_recovery(&mut cx, &s.recovery);
    let observed = lower_observed(&mut cx, s, &svc_ix, horizon);
    let thresholds = lower_thresholds(&mut cx, s);
    let journeys = lower_journeys(&mut cx, s, &svc_ix);
    if cx.failed {
        return None;
    }
    let params = cx
        .params
        .drain(..)
        .map(|p| Param {
            name: p.name.to_string(),
            dist: {
                let prior = p
                    .prior
                    .clone()
                    .expect("no diagnostics means every parameter lowered");
                let f = scales
                    .and_then(|sc| sc.get(p.name))
                    .copied()
                    .unwrap_or(p.factor);
                if f == 1.0 {
                    prior
                } else {
                    prior.scaled(f)
                }
            },
            prior: p
                .prior
                .expect("no diagnostics means every parameter lowered"),
            factor: p.factor,
            services: p
                .services
                .iter()
                .filter_map(|id| svc_ix.ix.get(id.as_str()).copied())
                .collect(),
            sites_or_events: p.sites_or_events,
        })
        .collect();

    let graph = dependency_graph(&services);
    Some(Model {
        name: s.name.clone(),
        names: cx.names(Owner::Top, &s.names),
        description: s.description.clone(),
        sources: s.sources.clone(),
        currency: s.currency.clone(),
        horizon,
        trials: s.trials.unwrap_or(DEFAULT_TRIALS),
        seed: s.seed.unwrap_or(0),
        sites,
        services,
        events,
        recovery,
        graph,
        params,
        observed,
        thresholds,
        alternatives,
        common_causes,
        journeys,
    })
}

/// Gives each dependency on alternatives its index ([`AnyOf::group`]) and lists them.
fn number_alternatives(services: &mut [Service]) -> Vec<(ServiceIdx, usize)> {
    let mut out = Vec::new();
    for (i, svc) in services.iter_mut().enumerate() {
        for (k, d) in svc.depends_on.iter_mut().enumerate() {
            if let Target::AnyOf(a) = &mut d.on {
                a.group = out.len();
                out.push((i, k));
            }
        }
    }
    out
}

/// The children of each site, in file order.
fn children_of(sites: &[Site]) -> Vec<Vec<SiteIdx>> {
    let mut children = vec![Vec::new(); sites.len()];
    for (i, site) in sites.iter().enumerate() {
        if let Some(p) = site.parent {
            children[p].push(i);
        }
    }
    children
}

/// Common causes: at least two known sites, each listed once in all, each with exactly
/// one hazard whose `mtbf` is exponential; `beta` in [0, 1].
fn lower_common_causes(
    cx: &mut Ctx<'_>,
    s: &Scenario,
    sites: &[Site],
    site_ix: &Index,
    svc_ix: &Index,
) -> Vec<CommonCause> {
    let mut out = Vec::new();
    // Per site: the common cause that lists it (1-based), 0 for none.
    let mut member_of = vec![0usize; sites.len()];
    for (i, cc) in s.common_cause.iter().enumerate() {
        let owner = Owner::CommonCause(i);
        let beta = cx.fraction(owner, "beta", cc.beta, false, "beta");
        if cc.members.len() < 2 {
            cx.err(
                owner,
                "members",
                None,
                format!(
                    "a common cause needs at least two member sites, got {}",
                    cc.members.len()
                ),
            );
        }
        let mut members = Vec::new();
        let mut ok = true;
        for id in &cc.members {
            let x = match site_ix.ix.get(id.as_str()) {
                Some(&x) => x,
                None if svc_ix.ix.contains_key(id.as_str()) => {
                    cx.err(
                        owner,
                        "members",
                        Some(id),
                        format!("\"{id}\" is a service; common-cause members are sites, whose hazards they share"),
                    );
                    ok = false;
                    continue;
                }
                None => {
                    ok &= site_ix.find(cx, owner, "members", id).is_some();
                    continue;
                }
            };
            if member_of[x] == i + 1 {
                cx.err(
                    owner,
                    "members",
                    Some(id),
                    format!("site \"{id}\" is listed twice in this common cause"),
                );
                ok = false;
                continue;
            }
            if member_of[x] != 0 {
                cx.err(
                    owner,
                    "members",
                    Some(id),
                    format!(
                        "site \"{id}\" is already a member of common_cause[{}]; a site may share its failures in one common cause only",
                        member_of[x] - 1
                    ),
                );
                ok = false;
                continue;
            }
            member_of[x] = i + 1;
            let hazards = &sites[x].hazards;
            let exp = match hazards.as_slice() {
                [] => Err(format!(
                    "site \"{id}\" has no hazard; a common cause shares part of its members' hazard failures, so give it one: hazards: [(mtbf: \"5y\", repair: \"4h\")]"
                )),
                [h] => match h.mtbf {
                    Dist::Exp { .. } => Ok(1.0 / h.mtbf.mean()),
                    _ => Err(format!(
                        "site \"{id}\"'s hazard has an mtbf that is not exponential; a common cause splits a constant failure rate, so write mtbf as a bare duration or Exp(mean: ..)"
                    )),
                },
                _ => Err(format!(
                    "site \"{id}\" has {} hazards; a common-cause member has exactly one, whose failures it shares",
                    hazards.len()
                )),
            };
            match exp {
                Ok(rate) => members.push((x, rate)),
                Err(msg) => {
                    cx.err(owner, "members", Some(id), msg);
                    ok = false;
                }
            }
        }
        if let (Some(beta), true, true) = (beta, ok, members.len() >= 2) {
            let min_rate = members.iter().map(|m| m.1).fold(f64::INFINITY, f64::min);
            out.push(CommonCause {
                members: members.iter().map(|m| m.0).collect(),
                beta,
                rate: beta * min_rate,
            });
        }
    }
    out
}

/// User journeys: a unique, non-empty name; known services, each needed once, at least
/// one; exactly one of a weight (finite, > 0) or users (≥ 1), the same one for every
/// journey, so that their weights add up to something.
fn lower_journeys(cx: &mut Ctx<'_>, s: &Scenario, services: &Index) -> Vec<Journey> {
    let mut out: Vec<Journey> = Vec::new();
    let mut seen_names: HashMap<&str, usize> = HashMap::new();
    // The first journey's way of giving its size: the others must give theirs the same way.
    let mut first: Option<(&str, &str)> = None;
    for j in &s.journeys {
        let seen = seen_names.entry(j.name.as_str()).or_insert(0);
        let nth = *seen;
        *seen += 1;
        let owner = Owner::Journey(&j.name);
        if nth > 0 {
            cx.err_nth(
                owner,
                nth,
                "",
                None,
                format!(
                    "journey \"{}\" is declared twice; each journey needs its own name",
                    j.name
                ),
            );
            continue;
        }
        if j.name.trim().is_empty() {
            cx.err(owner, "", None, "a journey needs a name".into());
        }
        let display_names = cx.names(owner, &j.names);
        if j.needs.is_empty() {
            cx.err(
                owner,
                "needs",
                None,
                format!(
                    "journey \"{}\" needs no service; list the services it goes through, such as needs: [\"frontend\", \"checkout\"]",
                    j.name
                ),
            );
        }
        let mut needs = Vec::with_capacity(j.needs.len());
        // A set beside the list: validation stays linear in the size of the file.
        let mut needed = HashSet::with_capacity(j.needs.len());
        for id in &j.needs {
            let Some(i) = services.find(cx, owner, "needs", id) else {
                continue;
            };
            if !needed.insert(i) {
                cx.err(
                    owner,
                    "needs",
                    Some(id),
                    format!("journey \"{}\" needs \"{id}\" twice", j.name),
                );
                continue;
            }
            needs.push(i);
        }
        let size = match (j.weight, j.users) {
            (Some(_), Some(_)) => {
                cx.err(
                    owner,
                    "users",
                    None,
                    format!(
                        "journey \"{}\" gives both a weight and users; give one of them",
                        j.name
                    ),
                );
                None
            }
            (None, None) => {
                cx.err(
                    owner,
                    "",
                    None,
                    format!(
                        "journey \"{}\" gives neither a weight nor users; give one of them, such as weight: 0.6 or users: 1000000",
                        j.name
                    ),
                );
                None
            }
            (Some(w), None) if !(w.is_finite() && w > 0.0) => {
                cx.err(
                    owner,
                    "weight",
                    None,
                    format!(
                        "a journey's weight must be a finite number greater than zero, got {w}"
                    ),
                );
                None
            }
            (Some(w), None) => Some(JourneySize::Weight(w)),
            (None, Some(0)) => {
                cx.err(
                    owner,
                    "users",
                    None,
                    "a journey's users must be at least 1".into(),
                );
                None
            }
            (None, Some(u)) => Some(JourneySize::Users(u)),
        };
        if j.weight.is_some() != j.users.is_some() {
            let kind = if j.users.is_some() { "users" } else { "weight" };
            match first {
                None => first = Some((j.name.as_str(), kind)),
                Some((other, k)) if k != kind => {
                    let (given, not) = if kind == "users" {
                        ("users", "a weight")
                    } else {
                        ("a weight", "users")
                    };
                    cx.err(
                        owner,
                        kind,
                        None,
                        format!(
                            "journey \"{}\" gives {given} but journey \"{other}\" gives {not}; give every journey a weight, or every journey users",
                            j.name
                        ),
                    );
                    continue;
                }
                Some(_) => {}
            }
        }
        if let Some(size) = size {
            out.push(Journey {
                name: j.name.clone(),
                names: display_names,
                needs,
                size,
            });
        }
    }
    let total: f64 = out.iter().map(Journey::raw_weight).sum();
    if !total.is_finite() {
        cx.err(
            Owner::Top,
            "journeys",
            None,
            "the journeys' weights add up to more than the largest number; use smaller weights"
                .into(),
        );
    }
    out
}

/// Incident classes: a name, unique, and at least one condition, each in range.
fn lower_thresholds(cx: &mut Ctx<'_>, s: &Scenario) -> Vec<Threshold> {
    let mut out: Vec<Threshold> = Vec::new();
    for (i, t) in s.thresholds.iter().enumerate() {
        let owner = Owner::Threshold(&t.name);
        let nth = s.thresholds[..i]
            .iter()
            .filter(|x| x.name == t.name)
            .count();
        if nth > 0 {
            cx.err_nth(
                owner,
                nth,
                "name",
                None,
                format!("threshold \"{}\" is declared twice", t.name),
            );
        }
        if t.min_downtime.is_none() && t.min_users.is_none() && t.min_share.is_none() {
            cx.err_nth(
                owner,
                nth,
                "",
                None,
                format!(
                    "threshold \"{}\" has no condition; give at least one of min_downtime, min_users, min_share",
                    t.name
                ),
            );
            continue;
        }
        let min_downtime = match &t.min_downtime {
            Some(d) => match cx.hours(owner, "min_downtime", d) {
                Some(h) => Some(h),
                None => continue,
            },
            None => None,
        };
        let min_share = match t.min_share {
            Some(x) => match cx.fraction(owner, "min_share", x, true, "min_share") {
                Some(x) => Some(x),
                None => continue,
            },
            None => None,
        };
        out.push(Threshold {
            name: t.name.clone(),
            min_downtime,
            min_users: t.min_users,
            min_share,
        });
    }
    out
}

/// Named parameters: each a distribution (no parameter of parameters). Names follow the
/// id rules, so they read the same in a file and on the command line.
fn lower_params<'a>(cx: &mut Ctx<'a>, s: &'a Scenario) {
    for (name, spec) in &s.params {
        let owner = Owner::Param(name);
        if !valid_id(name) {
            cx.err(
                owner,
                "",
                None,
                format!(
                    "parameter name \"{}\" may only use a-z, 0-9 and . _ / -",
                    name.escape_debug()
                ),
            );
        }
        let prior = cx.dist(owner, "", spec);
        let factor = if cx.variant_params.contains(name.as_str()) {
            1.0
        } else {
            s.calibrated.get(name).copied().unwrap_or(1.0)
        };
        cx.param_ix.insert(name, cx.params.len());
        cx.params.push(ParamSlot {
            name,
            prior,
            factor,
            services: Vec::new(),
            sites_or_events: false,
        });
    }
    for (name, &f) in &s.calibrated {
        if !s.params.contains_key(name) {
            let mut msg = format!("unknown parameter \"{name}\"");
            if let Some(sug) = crate::error::suggest(name, s.params.keys().map(String::as_str)) {
                msg.push_str(&format!("; did you mean \"{sug}\"?"));
            }
            cx.err(Owner::Top, "calibrated", Some(name), msg);
        } else if !(f.is_finite() && f > 0.0 && f <= 1e6) {
            cx.err(
                Owner::Top,
                "calibrated",
                Some(name),
                format!("a calibrated factor must be a number in (0, 1000000], got {f}"),
            );
        }
    }
}

/// Observations: a known service, each once, restored at a time in `(0, horizon]`.
fn lower_observed(
    cx: &mut Ctx<'_>,
    s: &Scenario,
    services: &Index,
    horizon: f64,
) -> Vec<Observation> {
    let mut out: Vec<Observation> = Vec::new();
    for o in &s.observed {
        let owner = Owner::Observed(&o.service);
        let service = services.find(cx, owner, "service", &o.service);
        let Some(hours) = cx.hours(owner, "restored_at", &o.restored_at) else {
            continue;
        };
        if hours <= 0.0 || hours > horizon {
            cx.err(
                owner,
                "restored_at",
                Some(&o.restored_at),
                format!(
                    "restored_at must be after the start and within the horizon ({}), got {}",
                    crate::format::format_hours(horizon),
                    o.restored_at
                ),
            );
            continue;
        }
        let Some(service) = service else { continue };
        if out.iter().any(|x| x.service == service) {
            let nth = s
                .observed
                .iter()
                .take_while(|x| !std::ptr::eq(*x, o))
                .filter(|x| x.service == o.service)
                .count();
            cx.err_nth(
                owner,
                nth,
                "service",
                None,
                format!(
                    "\"{}\" is observed twice; give one restoration time per service",
                    o.service
                ),
            );
            continue;
        }
        out.push(Observation {
            service,
            restored_at: hours,
            source: o.source.clone(),
        });
    }
    out
}

/// The top level: checks `trials` and returns the horizon (1 hour when unreadable).
fn lower_top(cx: &mut Ctx<'_>, s: &Scenario) -> f64 {
    let horizon = cx.hours(Owner::Top, "horizon", &s.horizon).unwrap_or(1.0);
    if horizon <= 0.0 {
        cx.err(
            Owner::Top,
            "horizon",
            Some(&s.horizon),
            "horizon must be greater than zero".into(),
        );
    }
    if s.trials == Some(0) {
        cx.err(
            Owner::Top,
            "trials",
            None,
            "trials must be at least 1".into(),
        );
    }
    horizon
}

/// The ids of the sites or services, for looking references up.
struct Index<'s> {
    /// The first entity written with each id.
    ix: HashMap<&'s str, usize>,
    /// Every id in file order, for suggestions.
    ids: Vec<&'s str>,
    /// "site" or "service", for messages.
    noun: &'static str,
}

impl Index<'_> {
    /// The index of the entity with `id`; an unknown id is reported at `field` of `owner`,
    /// with a suggestion.
    fn find(&self, cx: &mut Ctx, owner: Owner, field: &str, id: &str) -> Option<usize> {
        match self.ix.get(id) {
            Some(&i) => Some(i),
            None => {
                if cx.only_counted(owner) {
                    return None;
                }
                let noun = self.noun;
                let mut msg = format!("unknown {noun} \"{id}\"");
                match crate::error::suggest(id, self.ids.iter().copied()) {
                    Some(sug) => msg.push_str(&format!("; did you mean \"{sug}\"?")),
                    None => msg.push_str(&format!("; {noun}s are declared under `{noun}s`")),
                }
                cx.err(owner, field, Some(id), msg);
                None
            }
        }
    }
}

/// Sites: ids, kinds, parents, hazards, then parent cycles. Returns the sites and the
/// index of their ids.
fn lower_sites<'s>(cx: &mut Ctx<'_>, s: &'s Scenario) -> (Vec<Site>, Index<'s>) {
    let mut site_ix: HashMap<&str, SiteIdx> = HashMap::new();
    for (i, site) in s.sites.iter().enumerate() {
        if !valid_id(&site.id) {
            cx.err(
                Owner::Site(&site.id),
                "id",
                None,
                format!(
                    "site id \"{}\" may only use a-z, 0-9 and . _ / -",
                    site.id.escape_debug()
                ),
            );
        }
        if site_ix.contains_key(site.id.as_str()) {
            if cx.only_counted(Owner::Site(&site.id)) {
                continue;
            }
            // The locator counts from the start of the list the site was written in: the
            // base `sites`, or the variant's own `sites` (appended after the base ones).
            let from = if cx.variant.is_some() {
                (s.sites.len() - cx.variant_sites_len).min(i)
            } else {
                0
            };
            let nth = s.sites[from..i].iter().filter(|x| x.id == site.id).count();
            cx.err_nth(
                Owner::Site(&site.id),
                nth,
                "id",
                None,
                format!(
                    "duplicate site id \"{}\"; each site needs its own id",
                    site.id
                ),
            );
        } else {
            site_ix.insert(&site.id, i);
        }
    }
    let index = Index {
        ix: site_ix,
        ids: s.sites.iter().map(|x| x.id.as_str()).collect(),
        noun: "site",
    };
    let mut sites = Vec::with_capacity(s.sites.len());
    for site in &s.sites {
        let owner = Owner::Site(&site.id);
        let parent = match &site.parent {
            Some(p) => index.find(cx, owner, "parent", p),
            None => None,
        };
        let hazards = cx.hazards(owner, &site.hazards);
        sites.push(Site {
            id: site.id.clone(),
            name: site.name.clone().unwrap_or_else(|| site.id.clone()),
            names: cx.names(Owner::Site(&site.id), &site.names),
            kind: site.kind,
            parent,
            hazards,
        });
    }
    check_parent_cycles(cx, &sites);
    (sites, index)
}

/// Reports each cycle of site parents, at the first site of the cycle's walk.
fn check_parent_cycles(cx: &mut Ctx<'_>, sites: &[Site]) {
    // Parent cycles, in linear time: walk up from each site in file order until a site
    // already settled (or a root); a site met twice on the same walk closes a cycle. Each
    // site is walked over once, so a 100,000-level tree costs 100,000 steps, not 10^10.
    const UNSEEN: usize = usize::MAX;
    const SETTLED: usize = usize::MAX - 1;
    // Per site: UNSEEN, SETTLED, or its position on the current walk.
    let mut state = vec![UNSEEN; sites.len()];
    let mut walk: Vec<usize> = Vec::new();
    for start in 0..sites.len() {
        walk.clear();
        let mut cur = Some(start);
        while let Some(x) = cur {
            match state[x] {
                SETTLED => break,
                UNSEEN => {
                    state[x] = walk.len();
                    walk.push(x);
                    cur = sites[x].parent;
                }
                pos => {
                    let names: Vec<&str> =
                        walk[pos..].iter().map(|&y| sites[y].id.as_str()).collect();
                    cx.err(
                        Owner::Site(&sites[start].id),
                        "parent",
                        None,
                        format!(
                            "site parents form a cycle: {} → {}",
                            names.join(" → "),
                            names[0]
                        ),
                    );
                    break;
                }
            }
        }
        for &x in &walk {
            state[x] = SETTLED;
        }
    }
}

/// Stamps for the "listed twice" checks, so that they take linear time even for a
/// service with a million replicas or dependencies: `x[i] == si + 1` when item `i` was
/// already listed by service `si`.
struct Stamps {
    replica: Vec<usize>,
    dep: Vec<usize>,
    need: Vec<usize>,
}

/// Services: ids first (so that dependencies may point forward), then each service.
/// The services, and the index of their ids.
fn lower_services<'s>(
    cx: &mut Ctx<'_>,
    s: &'s Scenario,
    sites: &Index,
) -> (Vec<Service>, Index<'s>) {
    let svc_ix = service_index(cx, s);
    let mut stamps = Stamps {
        replica: vec![0usize; s.sites.len()],
        dep: vec![0usize; s.services.len()],
        need: vec![0usize; s.services.len()],
    };
    let mut services = Vec::with_capacity(s.services.len());
    let mut copies: u64 = 0;
    for (si, svc) in s.services.iter().enumerate() {
        let service = lower_service(cx, si, svc, sites, &svc_ix, &mut stamps);
        if service.instances > 1 {
            let slots = service.replicas.len() as u64 + service.rebuild.is_some() as u64;
            let before = copies;
            copies = copies.saturating_add(slots.saturating_mul(service.instances as u64));
            if before <= MAX_FLEET_COPIES && copies > MAX_FLEET_COPIES {
                cx.err(
                    Owner::Service(&svc.id),
                    "instances",
                    None,
                    format!(
                        "the fleets up to \"{}\" hold {} instance copies in all (instances × replicas, summed over services); at most {} are supported",
                        svc.id,
                        crate::format::thousands(copies),
                        crate::format::thousands(MAX_FLEET_COPIES)
                    ),
                );
            }
        }
        services.push(service);
    }
    (services, svc_ix)
}

/// Checks the service ids (valid, not duplicated) and indexes them.
fn service_index<'s>(cx: &mut Ctx<'_>, s: &'s Scenario) -> Index<'s> {
    let mut svc_ix: HashMap<&str, ServiceIdx> = HashMap::new();
    for (i, svc) in s.services.iter().enumerate() {
        if !valid_id(&svc.id) {
            cx.err(
                Owner::Service(&svc.id),
                "id",
                None,
                format!(
                    "service id \"{}\" may only use a-z, 0-9 and . _ / -",
                    svc.id.escape_debug()
                ),
            );
        }
        if svc_ix.contains_key(svc.id.as_str()) {
            if cx.only_counted(Owner::Service(&svc.id)) {
                continue;
            }
            // A variant's services replace base ones by id, so duplicates are in the base.
            let nth = s.services[..i].iter().filter(|x| x.id == svc.id).count();
            cx.err_nth(
                Owner::Service(&svc.id),
                nth,
                "id",
                None,
                format!(
                    "duplicate service id \"{}\"; each service needs its own id",
                    svc.id
                ),
            );
        } else {
            svc_ix.insert(&svc.id, i);
        }
    }
    Index {
        ix: svc_ix,
        ids: s.services.iter().map(|x| x.id.as_str()).collect(),
        noun: "service",
    }
}

/// The service `svc`, number `si` in the file.
fn lower_service(
    cx: &mut Ctx<'_>,
    si: ServiceIdx,
    svc: &ServiceSpec,
    sites: &Index,
    svc_ix: &Index,
    stamps: &mut Stamps,
) -> Service {
    let owner = Owner::Service(&svc.id);
    if svc.replicas.is_empty() {
        cx.err(
            owner,
            "replicas",
            None,
            format!(
                "service \"{}\" has no replicas; list at least one site it runs in",
                svc.id
            ),
        );
    }
    let mut replicas = Vec::new();
    for r in &svc.replicas {
        if let Some(i) = sites.find(cx, owner, "replicas", r) {
            if stamps.replica[i] == si + 1 {
                cx.err(
                    owner,
                    "replicas",
                    Some(r),
                    format!("site \"{r}\" is listed twice in replicas"),
                );
            }
            stamps.replica[i] = si + 1;
            replicas.push(i);
        }
    }
    let instances = lower_instances(cx, svc);
    let mode = lower_mode(cx, svc);
    let restart = match &svc.restart {
        Some(d) => cx.dist(owner, "restart", d).unwrap_or(Dist::zero()),
        None => Dist::zero(),
    };
    let rebuild = match &svc.rebuild {
        None => None,
        Some(rb) => {
            if rb.to.is_empty() {
                cx.err(
                    owner,
                    "rebuild.to",
                    None,
                    "rebuild needs at least one site in `to`".into(),
                );
            }
            let to: Vec<SiteIdx> = rb
                .to
                .iter()
                .filter_map(|t| sites.find(cx, owner, "rebuild.to", t))
                .collect();
            let takes = cx
                .dist(owner, "rebuild.takes", &rb.takes)
                .unwrap_or(Dist::zero());
            Some(Rebuild { to, takes })
        }
    };
    let depends_on = lower_depends_on(cx, si, svc, svc_ix, &mut stamps.dep);
    let mut recovery_needs = Vec::new();
    for n in &svc.recovery_needs {
        if let Some(i) = svc_ix.find(cx, owner, "recovery_needs", n) {
            if i == si {
                cx.err(
                    owner,
                    "recovery_needs",
                    Some(n),
                    format!("\"{}\" lists itself in recovery_needs", svc.id),
                );
            } else if stamps.need[i] != si + 1 {
                stamps.need[i] = si + 1;
                recovery_needs.push(i);
            }
        }
    }
    let hazards = cx.hazards(owner, &svc.hazards);
    let substitutes = lower_substitutes(cx, si, svc, svc_ix);
    let tolerance = svc
        .tolerance
        .as_ref()
        .and_then(|t| cx.hours(owner, "tolerance", t));
    Service {
        id: svc.id.clone(),
        name: svc.name.clone().unwrap_or_else(|| svc.id.clone()),
        names: cx.names(owner, &svc.names),
        group: svc.group.clone(),
        description: svc.description.clone(),
        users: svc.users,
        replicas,
        instances,
        mode,
        restart,
        rebuild,
        depends_on,
        recovery_needs,
        hazards,
        substitutes,
        tolerance,
    }
}

/// Substitutes: a known service (not itself) or an outside name, a share in (0, 1], the
/// shares adding up to at most 1, and a duration `after` (0 when left out).
fn lower_substitutes(
    cx: &mut Ctx<'_>,
    si: ServiceIdx,
    svc: &ServiceSpec,
    svc_ix: &Index,
) -> Vec<Substitute> {
    let owner = Owner::Service(&svc.id);
    let mut out = Vec::new();
    let mut total = 0.0;
    for (k, sub) in svc.substitutes.iter().enumerate() {
        let f = format!("substitutes[{k}]");
        let to = match (&sub.to, &sub.outside) {
            (Some(id), None) => match svc_ix.ix.get(id.as_str()) {
                Some(&i) if i == si => {
                    cx.err(
                        owner,
                        &format!("{f}.to"),
                        Some(id),
                        format!("\"{id}\" cannot be its own substitute"),
                    );
                    None
                }
                Some(&i) => Some(SubstituteTo::Service(i)),
                None => {
                    let mut msg = format!("unknown service \"{id}\"");
                    match crate::error::suggest(id, svc_ix.ids.iter().copied()) {
                        Some(s) => msg.push_str(&format!("; did you mean \"{s}\"?")),
                        None => msg.push_str(&format!(
                            "; an alternative outside the scenario is written `outside: \"{id}\"`"
                        )),
                    }
                    cx.err(owner, &format!("{f}.to"), Some(id), msg);
                    None
                }
            },
            (None, Some(name)) if !name.trim().is_empty() => {
                Some(SubstituteTo::Outside(name.clone()))
            }
            _ => {
                cx.err(
                    owner,
                    &f,
                    None,
                    "a substitute needs exactly one of `to: \"service id\"` or `outside: \"name\"` (a non-empty name)".into(),
                );
                None
            }
        };
        let share = sub.share;
        let share_ok = share.is_finite() && share > 0.0 && share <= 1.0;
        if !share_ok {
            cx.err(
                owner,
                &format!("{f}.share"),
                None,
                format!("a substitute's share must be in (0, 1], got {share}"),
            );
        }
        let after = match &sub.after {
            Some(t) => cx.hours(owner, &format!("{f}.after"), t),
            None => Some(0.0),
        };
        if let (Some(to), true, Some(after)) = (to, share_ok, after) {
            total += share;
            out.push(Substitute { to, share, after });
        }
    }
    if total > 1.0 + 1e-9 {
        cx.err(
            owner,
            "substitutes",
            None,
            format!("the substitutes' shares add up to {total}, more than all the users"),
        );
    }
    out
}

/// The redundancy mode of `svc` (ActiveActive with `min: 1` when left out).
fn lower_mode(cx: &mut Ctx<'_>, svc: &ServiceSpec) -> Mode {
    let owner = Owner::Service(&svc.id);
    match &svc.mode {
        None => Mode::ActiveActive { min: 1 },
        Some(ModeSpec::ActiveActive { min }) => {
            if *min == 0 {
                cx.err(
                    owner,
                    "mode",
                    None,
                    "ActiveActive min must be at least 1".into(),
                );
            } else if *min as usize > svc.replicas.len() && !svc.replicas.is_empty() {
                cx.err(
                    owner,
                    "mode",
                    None,
                    format!(
                        "ActiveActive(min: {min}) needs at least {min} replicas, but \"{}\" has {}",
                        svc.id,
                        svc.replicas.len()
                    ),
                );
            }
            Mode::ActiveActive {
                min: (*min as usize).max(1),
            }
        }
        Some(ModeSpec::ActiveStandby { failover, success }) => {
            let f = cx
                .dist(owner, "mode.failover", failover)
                .unwrap_or(Dist::zero());
            let p = cx
                .fraction(owner, "mode.success", *success, false, "success")
                .unwrap_or(1.0);
            Mode::ActiveStandby {
                failover: f,
                success: p,
            }
        }
    }
}

/// The number of instances per replica of `svc` (1 when left out, or when wrong).
fn lower_instances(cx: &mut Ctx<'_>, svc: &ServiceSpec) -> u32 {
    match svc.instances {
        None => 1,
        Some(0) => {
            cx.err(
                Owner::Service(&svc.id),
                "instances",
                None,
                "instances must be at least 1 (leave it out for a single instance)".into(),
            );
            1
        }
        Some(n) if n > MAX_INSTANCES => {
            cx.err(
                Owner::Service(&svc.id),
                "instances",
                None,
                format!(
                    "instances must be at most {}, got {}; model a larger fleet as several services",
                    crate::format::thousands(MAX_INSTANCES),
                    crate::format::thousands(n)
                ),
            );
            1
        }
        // At most MAX_INSTANCES, so it fits.
        Some(n) => n as u32,
    }
}

/// The dependencies of `svc`, number `si`; `dep_mark` is its stamp of [`Stamps`].
fn lower_depends_on(
    cx: &mut Ctx<'_>,
    si: ServiceIdx,
    svc: &ServiceSpec,
    svc_ix: &Index,
    dep_mark: &mut [usize],
) -> Vec<Dependency> {
    let owner = Owner::Service(&svc.id);
    let mut depends_on: Vec<Dependency> = Vec::new();
    for (di, d) in svc.depends_on.iter().enumerate() {
        let field = format!("depends_on[{di}]");
        let on = match d.target() {
            TargetSpec::Id(id) => {
                let Some(on) = svc_ix.find(cx, owner, &field, id) else {
                    continue;
                };
                if on == si {
                    cx.err(
                        owner,
                        &field,
                        Some(id),
                        format!("\"{}\" depends on itself", svc.id),
                    );
                    continue;
                }
                if dep_mark[on] == si + 1 {
                    cx.err(
                        owner,
                        &field,
                        Some(id),
                        format!("\"{id}\" is listed twice in depends_on"),
                    );
                    continue;
                }
                dep_mark[on] = si + 1;
                Target::Service(on)
            }
            TargetSpec::AnyOf(a) => match lower_any_of(cx, si, svc, svc_ix, &field, a) {
                Some(a) => Target::AnyOf(a),
                None => continue,
            },
        };
        let (share, grace) = match d {
            DepSpec::Id(_) | DepSpec::AnyOf(_) => (1.0, 0.0),
            DepSpec::Full(f) => {
                let share = match f.share {
                    None => 1.0,
                    Some(x) => cx
                        .fraction(owner, &format!("{field}.share"), x, true, "share")
                        .unwrap_or(1.0),
                };
                let grace = match &f.grace {
                    None => 0.0,
                    Some(g) => cx.hours(owner, &format!("{field}.grace"), g).unwrap_or(0.0),
                };
                (share, grace)
            }
        };
        depends_on.push(Dependency { on, share, grace });
    }
    depends_on
}

/// Alternatives of service `si` at `field`: at least one, each a known service other
/// than `si`, listed once, and `1 ≤ min ≤` their number.
fn lower_any_of(
    cx: &mut Ctx<'_>,
    si: ServiceIdx,
    svc: &ServiceSpec,
    svc_ix: &Index,
    field: &str,
    a: &AnyOfSpec,
) -> Option<AnyOf> {
    let owner = Owner::Service(&svc.id);
    if a.of.is_empty() {
        cx.err(
            owner,
            field,
            None,
            "AnyOf needs at least one alternative: AnyOf([\"a\", \"b\"])".into(),
        );
        return None;
    }
    let mut of: Vec<ServiceIdx> = Vec::with_capacity(a.of.len());
    let mut seen: HashSet<ServiceIdx> = HashSet::with_capacity(a.of.len());
    let mut ok = true;
    for id in &a.of {
        let Some(x) = svc_ix.find(cx, owner, field, id) else {
            ok = false;
            continue;
        };
        if x == si {
            cx.err(
                owner,
                field,
                Some(id),
                format!(
                    "\"{}\" depends on itself (as one of its alternatives)",
                    svc.id
                ),
            );
            ok = false;
        } else if !seen.insert(x) {
            cx.err(
                owner,
                field,
                Some(id),
                format!("\"{id}\" is listed twice in AnyOf"),
            );
            ok = false;
        }
        of.push(x);
    }
    let n = a.of.len();
    let min = a.min.unwrap_or(1);
    if min == 0 || min > n as u64 {
        let why = if min == 0 {
            "min must be at least 1".to_string()
        } else {
            format!(
                "min: {min} asks for more alternatives than the {n} listed; min must be from 1 to {n}"
            )
        };
        cx.err(owner, field, Some(&a.of[0]), format!("AnyOf {why}"));
        return None;
    }
    ok.then_some(AnyOf {
        of,
        min: min as usize,
        group: 0,
    })
}

/// The `recovery` section.
fn lower_recovery(cx: &mut Ctx<'_>, r: &RecoverySpec) -> Recovery {
    let crews = match r.crews {
        Some(0) => {
            cx.err(
                Owner::Recovery,
                "crews",
                None,
                "crews must be at least 1 (leave it out for unlimited)".into(),
            );
            None
        }
        Some(n) => Some(n.min(usize::MAX as u64) as usize),
        None => None,
    };
    let bootstrap = r
        .bootstrap
        .as_ref()
        .and_then(|b| cx.hours(Owner::Recovery, "bootstrap", b));
    Recovery {
        crews,
        order: match r.order {
            OrderSpec::ByUsers => RecoveryOrder::ByUsers,
            OrderSpec::ByOrder => RecoveryOrder::ByOrder,
        },
        bootstrap,
    }
}

/// The graph of services: an edge from each service to each it depends on or needs for
/// its recovery.
fn dependency_graph(services: &[Service]) -> DiGraph<ServiceIdx, EdgeKind> {
    let mut graph = DiGraph::with_capacity(services.len(), 0);
    for i in 0..services.len() {
        graph.add_node(i);
    }
    for (i, svc) in services.iter().enumerate() {
        for d in &svc.depends_on {
            match &d.on {
                Target::Service(x) => {
                    graph.add_edge(
                        Model::node(i),
                        Model::node(*x),
                        EdgeKind::Depends {
                            share: d.share,
                            grace: d.grace,
                        },
                    );
                }
                Target::AnyOf(a) => {
                    for &x in &a.of {
                        graph.add_edge(
                            Model::node(i),
                            Model::node(x),
                            EdgeKind::Alternative {
                                share: d.share,
                                grace: d.grace,
                                group: a.group,
                            },
                        );
                    }
                }
            }
        }
        for &n in &svc.recovery_needs {
            graph.add_edge(Model::node(i), Model::node(n), EdgeKind::Needs);
        }
    }
    graph
}

fn lower_event<'a>(
    cx: &mut Ctx<'a>,
    e: &'a EventSpec,
    top: bool,
    sites: &Index,
    children: &[Vec<SiteIdx>],
) -> Option<Event> {
    cx.event_path.push(&e.name);
    let owner = Owner::Event;
    let target = lower_event_sites(cx, e, sites, children);
    let start = match (top, &e.at, &e.after) {
        (true, _, Some(_)) => {
            cx.err(
                owner,
                "after",
                None,
                "`after` is for follow-on events under `then`; a top-level event starts `at`"
                    .into(),
            );
            None
        }
        (false, Some(_), _) => {
            cx.err(
                owner,
                "at",
                None,
                "a follow-on event starts `after` its parent's start, not `at`".into(),
            );
            None
        }
        (true, Some(d), None) => cx.dist(owner, "at", d),
        (false, None, Some(d)) => cx.dist(owner, "after", d),
        (_, None, None) => Some(Dist::zero()),
    };
    let probability = cx
        .fraction(
            owner,
            "probability",
            e.probability.unwrap_or(1.0),
            false,
            "probability",
        )
        .unwrap_or(1.0);
    let lasts = cx.dist(owner, "lasts", &e.lasts);
    if let Some(p) = e.per_year {
        if !top {
            cx.err(
                owner,
                "per_year",
                None,
                format!(
                    "per_year is the yearly frequency of a top-level event; a follow-on happens {} of the times its parent does (its probability), so give per_year on the top-level event",
                    e.probability.unwrap_or(1.0)
                ),
            );
        } else if !p.is_finite() || p < 0.0 {
            cx.err(
                owner,
                "per_year",
                None,
                format!("per_year must be a finite number ≥ 0, got {p}"),
            );
        }
    }
    let mut then = Vec::new();
    for f in &e.then {
        if let Some(ev) = lower_event(cx, f, false, sites, children) {
            then.push(ev);
        }
    }
    cx.event_path.pop();
    let (site, sites, count) = target?;
    Some(Event {
        name: e.name.clone(),
        site,
        sites,
        count,
        start: start?,
        probability,
        lasts: lasts?,
        destroys: e.destroys,
        per_year: e.per_year,
        then,
    })
}

/// Which sites event `e` may hit: `(site, candidates, count)` as [`Event`] keeps them.
/// `site` alone is hit whole; `site` with `count` picks among its children; `sites`
/// lists the candidates (all hit without `count`).
#[allow(clippy::type_complexity)]
fn lower_event_sites(
    cx: &mut Ctx<'_>,
    e: &EventSpec,
    sites: &Index,
    children: &[Vec<SiteIdx>],
) -> Option<(Option<SiteIdx>, Vec<SiteIdx>, Option<usize>)> {
    let owner = Owner::Event;
    let (site, candidates, what) = match (&e.site, e.sites.is_empty()) {
        (Some(_), false) => {
            cx.err(
                owner,
                "sites",
                None,
                "give either `site` (one site, or with `count` the site whose children are picked from) or `sites` (a list), not both".into(),
            );
            return None;
        }
        (None, true) => {
            cx.err(
                owner,
                "",
                None,
                format!(
                    "event \"{}\" names no site; give `site: \"id\"` or `sites: [\"a\", \"b\"]`",
                    e.name
                ),
            );
            return None;
        }
        (Some(id), true) => {
            let x = sites.find(cx, owner, "site", id)?;
            match e.count {
                None => (Some(x), vec![x], String::new()),
                Some(_) => (
                    Some(x),
                    children[x].clone(),
                    format!(
                        "site \"{id}\" has {} child site{}",
                        children[x].len(),
                        if children[x].len() == 1 { "" } else { "s" }
                    ),
                ),
            }
        }
        (None, false) => {
            let mut list = Vec::with_capacity(e.sites.len());
            let mut seen: HashSet<SiteIdx> = HashSet::with_capacity(e.sites.len());
            let mut ok = true;
            for id in &e.sites {
                match sites.find(cx, owner, "sites", id) {
                    Some(x) if !seen.insert(x) => {
                        cx.err(
                            owner,
                            "sites",
                            Some(id),
                            format!("site \"{id}\" is listed twice in sites"),
                        );
                        ok = false;
                    }
                    Some(x) => list.push(x),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
            let n = list.len();
            (None, list, format!("`sites` lists {n}"))
        }
    };
    let count = match e.count {
        None => None,
        Some(k) if k == 0 || k > candidates.len() as u64 => {
            let why = if k == 0 {
                "count must be at least 1 (leave it out to hit every site)".to_string()
            } else {
                format!(
                    "count: {k} is more than the candidates: {what}; count must be at most {}",
                    candidates.len()
                )
            };
            cx.err(owner, "count", None, why);
            return None;
        }
        Some(k) => Some(k as usize),
    };
    Some((site, candidates, count))
}
