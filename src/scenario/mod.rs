//! The scenario file format only: serde shapes of DESIGN.md §2, as written in RON.
//!
//! Nothing here is validated beyond what serde checks (field names, types). Durations and
//! distributions stay as written, strings included, so that the model layer can check them
//! with the context a good error message needs (which service, which field).
//! See `docs/scenario-format.md` for the user-facing reference.

pub mod duration;
pub mod locate;

pub use locate::Locator;

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Error};

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub sources: Vec<String>,
    pub horizon: String,
    #[serde(default)]
    pub trials: Option<u64>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub currency: Option<String>,
    pub sites: Vec<SiteSpec>,
    pub services: Vec<ServiceSpec>,
    #[serde(default)]
    pub events: Vec<EventSpec>,
    #[serde(default)]
    pub recovery: RecoverySpec,
    #[serde(default)]
    pub variants: Vec<VariantSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum SiteKind {
    Region,
    DataCenter,
    Building,
    Room,
    Zone,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteSpec {
    pub id: String,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default = "default_site_kind")]
    pub kind: SiteKind,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub hazards: Vec<HazardSpec>,
}

fn default_site_kind() -> SiteKind {
    SiteKind::DataCenter
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub users: u64,
    #[serde(default)]
    pub replicas: Vec<String>,
    #[serde(default)]
    pub mode: Option<ModeSpec>,
    #[serde(default)]
    pub restart: Option<DistSpec>,
    #[serde(default)]
    pub rebuild: Option<RebuildSpec>,
    #[serde(default)]
    pub depends_on: Vec<DepSpec>,
    #[serde(default)]
    pub recovery_needs: Vec<String>,
    #[serde(default)]
    pub hazards: Vec<HazardSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub enum ModeSpec {
    ActiveActive {
        #[serde(default = "one")]
        min: u64,
    },
    ActiveStandby {
        failover: DistSpec,
        #[serde(default = "one_f")]
        success: f64,
    },
}

fn one() -> u64 {
    1
}
fn one_f() -> f64 {
    1.0
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RebuildSpec {
    pub to: Vec<String>,
    pub takes: DistSpec,
}

/// `"x"` is short for `(on: "x")`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    untagged,
    expecting = "expected a service id such as \"kakao-account\" or (on: \"id\", share: 0.3, grace: \"1h\")"
)]
pub enum DepSpec {
    Id(String),
    Full(DepFull),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DepFull {
    pub on: String,
    #[serde(default)]
    pub share: Option<f64>,
    #[serde(default)]
    pub grace: Option<String>,
}

impl DepSpec {
    pub fn on(&self) -> &str {
        match self {
            DepSpec::Id(id) => id,
            DepSpec::Full(d) => &d.on,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HazardSpec {
    pub mtbf: DistSpec,
    pub repair: DistSpec,
}

/// A duration or a distribution of durations, as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    untagged,
    expecting = "expected a duration such as \"4h\" or a distribution: Exp(mean: ..), Uniform(min: .., max: ..), Triangular(min: .., mode: .., max: ..), LogNormal(median: .., p95: ..), Weibull(shape: .., scale: ..), Empirical([..])"
)]
pub enum DistSpec {
    Fixed(String),
    Tagged(TaggedDist),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub enum TaggedDist {
    Exp {
        mean: String,
    },
    Uniform {
        min: String,
        max: String,
    },
    Triangular {
        min: String,
        mode: String,
        max: String,
    },
    LogNormal {
        median: String,
        p95: String,
    },
    Weibull {
        shape: f64,
        scale: String,
    },
    Empirical(Vec<String>),
}

impl DistSpec {
    pub fn fixed(text: &str) -> DistSpec {
        DistSpec::Fixed(text.to_string())
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    pub name: String,
    pub site: String,
    #[serde(default)]
    pub at: Option<DistSpec>,
    #[serde(default)]
    pub after: Option<DistSpec>,
    #[serde(default)]
    pub probability: Option<f64>,
    pub lasts: DistSpec,
    #[serde(default)]
    pub destroys: bool,
    #[serde(default)]
    pub per_year: Option<f64>,
    #[serde(default)]
    pub then: Vec<EventSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
pub enum OrderSpec {
    #[default]
    ByUsers,
    ByOrder,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecoverySpec {
    #[serde(default)]
    pub crews: Option<u64>,
    #[serde(default)]
    pub order: OrderSpec,
    #[serde(default)]
    pub bootstrap: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    pub name: String,
    #[serde(default)]
    pub cost: Option<f64>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub services: Vec<ServiceSpec>,
    #[serde(default)]
    pub sites: Vec<SiteSpec>,
}

/// The largest scenario file accepted, in bytes. Larger files are refused before parsing.
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;

/// Parses RON text into a [`Scenario`]. `file` is only used in error messages.
pub fn parse(file: &str, text: &str) -> Result<Scenario, Error> {
    let options = ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .with_recursion_limit(128);
    let mut de = match ron::Deserializer::from_str_with_options(text, &options) {
        Ok(de) => de,
        Err(e) => return Err(ron_error(file, text, e.code, e.span.start, "")),
    };
    let result: Result<Scenario, serde_path_to_error::Error<ron::Error>> =
        serde_path_to_error::deserialize(&mut de);
    match result {
        Ok(scenario) => {
            if let Err(e) = de.end() {
                let pos = de.span_error(e).span.start;
                return Err(Error::invalid(vec![Diagnostic::at(
                    file,
                    pos.line,
                    pos.col,
                    "",
                    "unexpected text after the end of the scenario".into(),
                )]));
            }
            Ok(scenario)
        }
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let spanned = de.span_error(inner);
            Err(ron_error(
                file,
                text,
                spanned.code,
                spanned.span.start,
                &path,
            ))
        }
    }
}

fn ron_error(
    file: &str,
    _text: &str,
    code: ron::Error,
    pos: ron::error::Position,
    path: &str,
) -> Error {
    let field = if path == "." { "" } else { path };
    let message = describe_ron_error(&code);
    Error::invalid(vec![Diagnostic::at(
        file, pos.line, pos.col, field, message,
    )])
}

fn describe_ron_error(code: &ron::Error) -> String {
    use ron::Error as E;
    match code {
        E::NoSuchStructField {
            expected,
            found,
            outer,
        } => {
            let mut msg = format!("unknown field `{found}`");
            if let Some(o) = outer {
                msg.push_str(&format!(" in {o}"));
            }
            if let Some(s) = crate::error::suggest(found, expected.iter().copied()) {
                msg.push_str(&format!("; did you mean `{s}`?"));
            }
            msg.push_str(&format!("; expected one of: {}", expected.join(", ")));
            msg
        }
        E::MissingStructField { field, outer } => match outer {
            Some(o) => format!("missing required field `{field}` in {o}"),
            None => format!("missing required field `{field}`"),
        },
        E::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => {
            let mut msg = format!("unknown variant `{found}`");
            if let Some(o) = outer {
                msg.push_str(&format!(" of {o}"));
            }
            if let Some(s) = crate::error::suggest(found, expected.iter().copied()) {
                msg.push_str(&format!("; did you mean `{s}`?"));
            }
            msg.push_str(&format!("; expected one of: {}", expected.join(", ")));
            msg
        }
        E::DuplicateStructField { field, .. } => format!("field `{field}` is given twice"),
        E::Message(m) if m.starts_with("expected ") => m.clone(),
        other => format!("malformed scenario: {other}"),
    }
}
