//! Backstage software catalog files (`catalog-info.yaml`): YAML, several entities per file
//! separated by `---`. Components and Resources become services; a System names the
//! group of the components that list it in `spec.system`. Dependencies come from
//! `spec.dependsOn` (a Component or a Resource) and from `spec.consumesApis`, each API
//! resolved to the components that list it in `spec.providesApis`. Other kinds (API,
//! Group, User, Domain, Location, Template) are read only for what they name.
//!
//! Catalogs hold neither users nor placement; these annotations give them:
//! `blastradius/users` (people who rely on the component, a whole number),
//! `blastradius/sites` (comma-separated site ids, where its replicas run) and
//! `blastradius/restart` (a duration, as in the scenario format).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Diagnostic, Error};

/// The annotation names.
pub const USERS: &str = "blastradius/users";
pub const SITES: &str = "blastradius/sites";
pub const RESTART: &str = "blastradius/restart";

/// A Component or Resource of the catalog.
#[derive(Debug, Clone)]
pub struct Entity {
    /// `Component` or `Resource`.
    pub kind: String,
    pub name: String,
    pub title: Option<String>,
    pub description: String,
    pub system: Option<String>,
    pub owner: Option<String>,
    pub users: Option<u64>,
    pub sites: Vec<String>,
    pub restart: Option<String>,
    /// (name of the entity depended on, how: `dependsOn` or `consumesApis api:x`).
    pub deps: Vec<(String, String)>,
    pub file: String,
}

/// Every Component and Resource of the catalog files, with their dependencies resolved,
/// and the systems' titles.
#[derive(Debug, Default)]
pub struct Catalog {
    pub entities: Vec<Entity>,
    pub systems: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Raw {
    kind: String,
    metadata: Metadata,
    spec: Spec,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metadata {
    name: String,
    title: Option<String>,
    description: Option<String>,
    annotations: BTreeMap<String, serde_yaml_ng::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Spec {
    system: Option<String>,
    owner: Option<String>,
    depends_on: Vec<String>,
    provides_apis: Vec<String>,
    consumes_apis: Vec<String>,
}

/// An entity of one file, before its references are resolved.
struct Read {
    raw: Raw,
    file: usize,
    /// The line of its `name:`.
    line: usize,
}

/// Reads catalog files `(path, text)` and resolves every reference among them.
pub fn parse(files: &[(String, String)]) -> Result<Catalog, Error> {
    let mut read = Vec::new();
    for (fi, (file, text)) in files.iter().enumerate() {
        for doc in serde_yaml_ng::Deserializer::from_str(text) {
            let value = serde_yaml_ng::Value::deserialize(doc).map_err(|e| yaml_error(file, &e))?;
            if value.is_null() {
                continue;
            }
            let raw: Raw = serde_yaml_ng::from_value(value).map_err(|e| yaml_error(file, &e))?;
            if raw.metadata.name.is_empty() {
                return Err(invalid(
                    file,
                    0,
                    format!(
                        "a catalog entity of kind `{}` has no metadata.name",
                        raw.kind
                    ),
                ));
            }
            let from = read
                .iter()
                .rev()
                .find(|r: &&Read| r.file == fi)
                .map_or(0, |r| r.line);
            let line = name_line(text, &raw.metadata.name, from);
            read.push(Read {
                raw,
                file: fi,
                line,
            });
        }
    }
    let service_kind =
        |k: &str| k.eq_ignore_ascii_case("component") || k.eq_ignore_ascii_case("resource");
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    let mut providers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut systems = BTreeMap::new();
    for (i, r) in read.iter().enumerate() {
        let name = r.raw.metadata.name.to_lowercase();
        if service_kind(&r.raw.kind) {
            by_name.entry(name).or_insert(i);
            for api in &r.raw.spec.provides_apis {
                providers
                    .entry(entity_ref(api).1.to_lowercase())
                    .or_default()
                    .push(r.raw.metadata.name.clone());
            }
        } else if r.raw.kind.eq_ignore_ascii_case("system") {
            let title = r
                .raw
                .metadata
                .title
                .clone()
                .unwrap_or_else(|| r.raw.metadata.name.clone());
            systems.insert(name, title);
        }
    }
    let mut entities = Vec::new();
    for r in read.iter().filter(|r| service_kind(&r.raw.kind)) {
        let (file, text) = &files[r.file];
        let at = |needle: &str| line_of(text, needle, r.line);
        let mut deps = Vec::new();
        for d in &r.raw.spec.depends_on {
            let (kind, name) = entity_ref(d);
            match kind.as_deref() {
                None | Some("component") | Some("resource") => {}
                Some("api") => {
                    deps.extend(provided(&providers, name, d, file, at(d))?);
                    continue;
                }
                Some(k) => {
                    return Err(invalid(
                        file,
                        at(d),
                        format!(
                            "`{}` depends on `{d}`, a {k}: only Components and Resources (and APIs, through their providers) are services",
                            r.raw.metadata.name
                        ),
                    ))
                }
            }
            let Some(&j) = by_name.get(&name.to_lowercase()) else {
                let known: Vec<&str> = by_name.keys().map(String::as_str).collect();
                let mut msg = format!(
                    "`{}` depends on `{d}`, which is not a Component or Resource in the catalog files",
                    r.raw.metadata.name
                );
                if let Some(s) = crate::error::suggest(&name.to_lowercase(), known) {
                    msg.push_str(&format!("; did you mean `{s}`?"));
                }
                return Err(invalid(file, at(d), msg));
            };
            deps.push((read[j].raw.metadata.name.clone(), "dependsOn".to_string()));
        }
        for api in &r.raw.spec.consumes_apis {
            let name = entity_ref(api).1;
            deps.extend(provided(&providers, name, api, file, at(api))?);
        }
        let m = &r.raw.metadata;
        let ann = |key: &str| -> Option<(String, usize)> {
            m.annotations.get(key).map(|v| {
                let s = match v {
                    serde_yaml_ng::Value::String(s) => s.clone(),
                    serde_yaml_ng::Value::Number(n) => n.to_string(),
                    other => format!("{other:?}"),
                };
                (s, at(key))
            })
        };
        let users = match ann(USERS) {
            None => None,
            Some((s, line)) => {
                let digits: String = s
                    .chars()
                    .filter(|c| !matches!(c, '_' | ',' | ' '))
                    .collect();
                Some(digits.parse::<u64>().map_err(|_| {
                    invalid(
                        file,
                        line,
                        format!("annotation {USERS} of `{}`: expected a whole number of users, got \"{s}\"", m.name),
                    )
                })?)
            }
        };
        let sites = match ann(SITES) {
            None => Vec::new(),
            Some((s, line)) => {
                let mut v: Vec<String> = s
                    .split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(super::id_of)
                    .collect();
                v.dedup();
                if v.is_empty() {
                    return Err(invalid(
                        file,
                        line,
                        format!("annotation {SITES} of `{}`: expected comma-separated site ids, got \"{s}\"", m.name),
                    ));
                }
                v
            }
        };
        let restart = match ann(RESTART) {
            None => None,
            Some((s, line)) => {
                crate::scenario::duration::parse_hours(&s).map_err(|e| {
                    invalid(
                        file,
                        line,
                        format!("annotation {RESTART} of `{}`: {e}", m.name),
                    )
                })?;
                Some(s.trim().to_string())
            }
        };
        entities.push(Entity {
            kind: if r.raw.kind.eq_ignore_ascii_case("resource") {
                "Resource".into()
            } else {
                "Component".into()
            },
            name: m.name.clone(),
            title: m.title.clone(),
            description: m.description.clone().unwrap_or_default().trim().to_string(),
            system: r
                .raw
                .spec
                .system
                .as_deref()
                .map(|s| entity_ref(s).1.to_lowercase()),
            owner: r.raw.spec.owner.clone(),
            users,
            sites,
            restart,
            deps,
            file: file.clone(),
        });
    }
    Ok(Catalog { entities, systems })
}

/// The components that provide API `name`, as dependencies.
fn provided(
    providers: &BTreeMap<String, Vec<String>>,
    name: &str,
    written: &str,
    file: &str,
    line: usize,
) -> Result<Vec<(String, String)>, Error> {
    match providers.get(&name.to_lowercase()) {
        Some(p) => Ok(p
            .iter()
            .map(|c| (c.clone(), format!("consumesApis {written}")))
            .collect()),
        None => Err(invalid(
            file,
            line,
            format!("API `{written}` is consumed, but no Component in the catalog files lists it in providesApis"),
        )),
    }
}

/// `[kind:][namespace/]name` → (lowercase kind, name).
pub fn entity_ref(r: &str) -> (Option<String>, &str) {
    let r = r.trim();
    let (kind, rest) = match r.split_once(':') {
        Some((k, rest)) if !k.contains('/') => (Some(k.to_ascii_lowercase()), rest),
        _ => (None, r),
    };
    let name = rest.rsplit_once('/').map_or(rest, |(_, n)| n);
    (kind, name)
}

/// The line (1-based) of `name: NAME` at or after line `from`, else of the first mention.
fn name_line(text: &str, name: &str, from: usize) -> usize {
    for (i, l) in text.lines().enumerate().skip(from) {
        let t = l.trim();
        if let Some(v) = t.strip_prefix("name:") {
            if v.trim().trim_matches(|c| c == '"' || c == '\'') == name {
                return i + 1;
            }
        }
    }
    line_of(text, name, 0)
}

/// The first line (1-based) at or after line `from` that contains `needle`; 0 if none.
fn line_of(text: &str, needle: &str, from: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| l.contains(needle))
        .map_or(0, |(i, _)| i + 1)
}

fn yaml_error(file: &str, e: &serde_yaml_ng::Error) -> Error {
    let (line, col) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
    let mut msg = e.to_string();
    // The message repeats the position the diagnostic already shows.
    if let Some(i) = msg.find(" at line ") {
        msg.truncate(i);
    }
    Error::invalid(vec![Diagnostic::at(
        file,
        line,
        col,
        "",
        format!("not a valid Backstage catalog file: {msg}"),
    )])
}

fn invalid(file: &str, line: usize, msg: String) -> Error {
    Error::invalid(vec![Diagnostic::at(
        file,
        line,
        usize::from(line > 0),
        "",
        msg,
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs() {
        assert_eq!(
            entity_ref("component:default/cart"),
            (Some("component".into()), "cart")
        );
        assert_eq!(entity_ref("Resource:db"), (Some("resource".into()), "db"));
        assert_eq!(entity_ref("cart"), (None, "cart"));
    }

    #[test]
    fn apis_resolve_to_providers_and_unknown_deps_are_located() {
        let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: web\n  annotations:\n    blastradius/users: \"1_000\"\nspec:\n  consumesApis: [cart-api]\n  dependsOn: ['resource:db']\n---\nkind: Component\nmetadata: {name: cart}\nspec: {providesApis: [cart-api]}\n---\nkind: Resource\nmetadata: {name: db}\n";
        let c = parse(&[("c.yaml".into(), text.into())]).unwrap();
        assert_eq!(c.entities[0].users, Some(1000));
        let deps: Vec<&str> = c.entities[0].deps.iter().map(|d| d.0.as_str()).collect();
        assert_eq!(deps, ["db", "cart"]);
        let bad = text.replace("resource:db", "resource:dbb");
        let err = parse(&[("c.yaml".into(), bad)]).unwrap_err();
        assert!(err.to_string().contains("c.yaml:9:1: "), "{err}");
        assert!(err.to_string().contains("did you mean `db`"), "{err}");
    }
}
