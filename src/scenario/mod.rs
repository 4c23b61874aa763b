//! The scenario file format only: serde shapes of the format `docs/scenario-format.md`
//! describes, as written in RON.
//!
//! Nothing here is validated beyond what serde checks (field names, types). Durations and
//! distributions stay as written, strings included, so that the model layer can check them
//! with the context a good error message needs (which service, which field).
//! See `docs/scenario-format.md` for the user-facing reference.

pub mod duration;
pub mod generate;
pub mod locate;
pub mod rewrite;

pub use locate::Locator;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Error};

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    /// The name per report language (`{"ko": "…"}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    pub horizon: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    pub sites: Vec<SiteSpec>,
    pub services: Vec<ServiceSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventSpec>,
    #[serde(default)]
    pub recovery: RecoverySpec,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<VariantSpec>,
    /// Named distributions, used anywhere a distribution is accepted as `Param("name")`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, DistSpec>,
    /// What really happened, for replays of real incidents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observed: Vec<ObservedSpec>,
    /// Factors found by `calibrate`: each multiplies every duration of the named
    /// parameter's distribution as `params` gives it (the value set before fitting).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub calibrated: BTreeMap<String, f64>,
    /// Incident classes to report (`risk`): each breached when every condition given holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<ThresholdSpec>,
    /// Beta-factor common causes: sites whose hazards share part of their failures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub common_cause: Vec<CommonCauseSpec>,
    /// What people do with the services (`home timeline`), each needing some of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub journeys: Vec<JourneySpec>,
}

/// `(members: ["dc1", "dc2"], beta: 0.05)`: a share `beta` of the members' hazard
/// failures hits them all at once (docs/semantics.md, "Common causes").
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CommonCauseSpec {
    pub members: Vec<String>,
    pub beta: f64,
}

/// A user journey: `name`, the services it `needs` (all of them up for the journey to
/// be up), and exactly one of `weight` (a relative share of the journeys' traffic) or
/// `users` (people who make it).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JourneySpec {
    pub name: String,
    /// Display names per report language (`{"ko": "홈 타임라인"}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<u64>,
    pub needs: Vec<String>,
}

/// An incident class (a reporting line): `name` and at least one condition.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdSpec {
    pub name: String,
    /// Users of services down for at least this long (a plain duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_downtime: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_users: Option<u64>,
    /// Those users as a share of all users, in (0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_share: Option<f64>,
}

/// One observed restoration: `service` was back at `restored_at` after the incident began.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedSpec {
    pub service: String,
    pub restored_at: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default = "default_site_kind")]
    pub kind: SiteKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Display names per report language (`{"ko": "판교 데이터센터"}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hazards: Vec<HazardSpec>,
}

fn default_site_kind() -> SiteKind {
    SiteKind::DataCenter
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Display names per report language (`{"ko": "카카오톡"}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default)]
    pub users: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<String>,
    /// How many similar systems each replica holds (a fleet); 1 when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ModeSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<DistSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebuild: Option<RebuildSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<DepSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recovery_needs: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hazards: Vec<HazardSpec>,
    /// Impact tolerance (recovery-time objective): a plain duration (`risk`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<String>,
    /// Where users go when the service has been down a while.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub substitutes: Vec<SubstituteSpec>,
}

/// `(to: "id", share: 0.3, after: "2h")`: a service of the scenario; or
/// `(outside: "LINE", share: 0.3, after: "2h")`: an alternative outside it, always up.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SubstituteSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside: Option<String>,
    pub share: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
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

/// `"x"` is short for `(on: "x")`; `AnyOf([..])` for `(on: AnyOf([..]))`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    untagged,
    expecting = "expected a service id such as \"kakao-account\", AnyOf([\"a\", \"b\"]), AnyOf(of: [\"a\", \"b\", \"c\"], min: 2) or (on: \"id\", share: 0.3, grace: \"1h\")"
)]
pub enum DepSpec {
    Id(String),
    AnyOf(AnyOfSpec),
    Full(DepFull),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DepFull {
    pub on: OnSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace: Option<String>,
}

/// What a dependency is on: one service, or alternatives.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    untagged,
    expecting = "expected a service id such as \"kakao-account\" or AnyOf([\"a\", \"b\"])"
)]
pub enum OnSpec {
    Id(String),
    AnyOf(AnyOfSpec),
}

/// Alternatives: at least `min` (default 1) of the services `of` must be up. Written
/// `AnyOf(["a", "b"])`, or `AnyOf(of: ["a", "b", "c"], min: 2)` with a `min`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(from = "AnyOfForm", into = "AnyOfForm")]
pub struct AnyOfSpec {
    pub of: Vec<String>,
    pub min: Option<u64>,
}

/// The two ways to write [`AnyOfSpec`].
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
enum AnyOfForm {
    Short(AnyOfShort),
    Long(AnyOfLong),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
enum AnyOfShort {
    AnyOf(Vec<String>),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
enum AnyOfLong {
    AnyOf {
        of: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<u64>,
    },
}

impl From<AnyOfForm> for AnyOfSpec {
    fn from(f: AnyOfForm) -> Self {
        match f {
            AnyOfForm::Short(AnyOfShort::AnyOf(of)) => AnyOfSpec { of, min: None },
            AnyOfForm::Long(AnyOfLong::AnyOf { of, min }) => AnyOfSpec { of, min },
        }
    }
}

impl From<AnyOfSpec> for AnyOfForm {
    fn from(a: AnyOfSpec) -> Self {
        match a.min {
            None => AnyOfForm::Short(AnyOfShort::AnyOf(a.of)),
            min => AnyOfForm::Long(AnyOfLong::AnyOf { of: a.of, min }),
        }
    }
}

/// What a dependency is on, however it is written.
#[derive(Debug, Clone, Copy)]
pub enum TargetSpec<'a> {
    Id(&'a str),
    AnyOf(&'a AnyOfSpec),
}

impl DepSpec {
    /// What the dependency is on.
    pub fn target(&self) -> TargetSpec<'_> {
        match self {
            DepSpec::Id(id)
            | DepSpec::Full(DepFull {
                on: OnSpec::Id(id), ..
            }) => TargetSpec::Id(id),
            DepSpec::AnyOf(a)
            | DepSpec::Full(DepFull {
                on: OnSpec::AnyOf(a),
                ..
            }) => TargetSpec::AnyOf(a),
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
    expecting = "expected a duration such as \"4h\" or a distribution: Exp(mean: ..), Uniform(min: .., max: ..), Triangular(min: .., mode: .., max: ..), LogNormal(median: .., p95: ..), Weibull(shape: .., scale: ..), Empirical([..]), Param(\"name\")"
)]
pub enum DistSpec {
    Fixed(String),
    Tagged(TaggedDist),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
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
    /// A named parameter of the scenario (`params`).
    Param(String),
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
    /// The site that goes down; with `count`, the site whose children it picks from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Several sites instead of `site`: all of them, or `count` of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<String>,
    /// How many of the candidates it hits, picked at random without replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DistSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<DistSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    pub lasts: DistSpec,
    #[serde(default)]
    pub destroys: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_year: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crews: Option<u64>,
    #[serde(default)]
    pub order: OrderSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<SiteSpec>,
    /// Named parameters this variant gives other values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, DistSpec>,
}

/// The largest scenario file accepted, in bytes. Larger files are refused before parsing.
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;

/// Parses RON text into a [`Scenario`]. `file` is only used in error messages.
///
/// A valid file is parsed once, plainly; only a file with an error is parsed a second
/// time, tracking the path of fields to the error (`serde_path_to_error`, which costs a
/// string per field read: a fifth of the time of loading a large scenario). The wrapper
/// changes no outcome, so both parses fail on the same input, at the same place.
pub fn parse(file: &str, text: &str) -> Result<Scenario, Error> {
    let options = ron_options();
    if let Ok(mut de) = ron::Deserializer::from_str_with_options(text, &options) {
        if let Ok(scenario) = Scenario::deserialize(&mut de) {
            if de.end().is_ok() {
                return Ok(scenario);
            }
        }
    }
    parse_tracked(file, text)
}

/// [`parse`], tracking the path of fields for the message of an error.
fn parse_tracked(file: &str, text: &str) -> Result<Scenario, Error> {
    let options = ron_options();
    let mut de = match ron::Deserializer::from_str_with_options(text, &options) {
        Ok(de) => de,
        Err(e) => return Err(ron_error(file, text, e.code, e.span, "")),
    };
    let result: Result<Scenario, serde_path_to_error::Error<ron::Error>> =
        serde_path_to_error::deserialize(&mut de);
    match result {
        Ok(scenario) => {
            if let Err(e) = de.end() {
                let pos = de.span_error(e).span.start;
                // Point at the extra text itself, not at the end of the scenario before it.
                let locator = Locator::new(text);
                let (line, col) = match locator.offset(pos.line, pos.col) {
                    Some(at) => {
                        let rest = &text[at..];
                        locator.line_col(at + (rest.len() - rest.trim_start().len()))
                    }
                    None => (pos.line, pos.col),
                };
                return Err(Error::invalid(vec![Diagnostic::at(
                    file,
                    line,
                    col,
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
            Err(ron_error(file, text, spanned.code, spanned.span, &path))
        }
    }
}

fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .with_recursion_limit(128)
}

/// The longest field path shown in a parse error, in characters.
const MAX_FIELD_PATH: usize = 80;

/// What the two shorthand-accepting shapes say when a value fits neither of their forms.
const DIST_EXPECTING: &str = "expected a duration such as \"4h\" or a distribution";
const DEP_EXPECTING: &str = "expected a service id such as";

fn ron_error(
    file: &str,
    text: &str,
    code: ron::Error,
    span: ron::error::Span,
    path: &str,
) -> Error {
    let pos = span.start;
    // serde_path_to_error writes `.` for the root and `?` where it lost track.
    let field = if path == "." || path == "?" { "" } else { path };
    // Deeply nested input gives paths like `restart[0][0][0]…` 128 levels deep.
    let short;
    let field = if field.chars().count() > MAX_FIELD_PATH {
        short = format!(
            "{}…",
            field.chars().take(MAX_FIELD_PATH).collect::<String>()
        );
        short.as_str()
    } else {
        field
    };
    let locator = Locator::new(text);
    let (mut line, mut col) = (pos.line, pos.col);
    let mut message = describe_ron_error(&code);
    let at_value_end = matches!(code, ron::Error::MissingStructField { .. })
        || matches!(&code, ron::Error::Message(m)
            if m.starts_with(DIST_EXPECTING) || m.starts_with(DEP_EXPECTING));
    let ends_early = locator
        .offset(span.end.line, span.end.col)
        .is_some_and(|end| text[end..].trim().is_empty() && !text.trim().is_empty());
    if let Some(at) = locator.offset(pos.line, pos.col) {
        if ends_early {
            // Whatever the parser expected, the real problem is that the text stops.
            message =
                "syntax error: the file ends early; a bracket `(` or `[` is not closed".into();
            (line, col) = locator.line_col(text.trim_end().len());
        } else if let (ron::Error::ExpectedComma, Some(min)) = (&code, any_of_min(text, at)) {
            message = "`AnyOf` with a `min` is written with the alternatives under `of`: AnyOf(of: [\"a\", \"b\", \"c\"], min: 2)".into();
            (line, col) = locator.line_col(min);
        } else if let ron::Error::ExpectedComma = code {
            // The comma is missing after the previous item, not before the next one.
            let before = text[..at].trim_end();
            if !before.is_empty() {
                (line, col) = locator.line_col(before.len());
            }
        } else if text[at..].starts_with(char::is_whitespace) {
            // Some errors are reported at the space before the value they are about.
            let value = at + (text[at..].len() - text[at..].trim_start().len());
            (line, col) = locator.line_col(value);
        }
    }
    if let (true, Some(end)) = (at_value_end, locator.offset(pos.line, pos.col)) {
        // Point at the start of the value rather than at its closing bracket.
        let start = locator.value_start(end);
        (line, col) = locator.line_col(start);
        // A value that fits neither the shorthand nor the long form: parse it again as the
        // long form alone, whose error says what is wrong with it (a misspelt field or
        // distribution name) instead of listing the forms.
        if let ron::Error::Message(m) = &code {
            let value = text.get(start..=end).unwrap_or("");
            let inner = if m.starts_with(DIST_EXPECTING)
                && value.starts_with(|c: char| c.is_ascii_uppercase())
            {
                ron_options().from_str::<TaggedDist>(value).err()
            } else if m.starts_with(DEP_EXPECTING) && value.starts_with('(') {
                ron_options().from_str::<DepFull>(value).err()
            } else if m.starts_with(DEP_EXPECTING)
                && value.starts_with(|c: char| c.is_ascii_uppercase())
            {
                // The long form names the variant and its fields, so its error does too.
                ron_options().from_str::<AnyOfLong>(value).err()
            } else {
                None
            };
            if let Some(e) = inner {
                message = describe_ron_error(&e.code);
                let p = e.span.start;
                (line, col) = if p.line <= 1 {
                    (line, col + p.col.saturating_sub(1))
                } else {
                    (line + p.line - 1, p.col)
                };
            }
        }
    }
    Error::invalid(vec![Diagnostic::at(file, line, col, field, message)])
}

/// Where the `min` of `AnyOf([..], min: k)` is, when the parser stopped at it (at its
/// colon): a form RON cannot read, a list and a named field in one pair of brackets.
fn any_of_min(text: &str, at: usize) -> Option<usize> {
    let head = text[..at].trim_end();
    let k = head.strip_suffix("min")?.len();
    let before = text[..k].trim_end().strip_suffix(',')?;
    // The nearest `AnyOf(` before it, with only the list between.
    let open = before.rfind("AnyOf")?;
    let between = before[open + "AnyOf".len()..].trim_start();
    (between.starts_with("([") && !between.contains(')') && text[at..].starts_with(':'))
        .then_some(k)
}

/// The words a person uses for the serde shapes that RON error messages name.
fn shape_name(rust_name: &str) -> &str {
    match rust_name {
        "Scenario" => "the scenario",
        "SiteSpec" => "a site",
        "ServiceSpec" => "a service",
        "EventSpec" => "an event",
        "HazardSpec" => "a hazard",
        "RebuildSpec" => "rebuild",
        "DepFull" => "a dependency",
        "RecoverySpec" => "recovery",
        "VariantSpec" => "a variant",
        "SiteKind" => "site kind",
        "ModeSpec" => "mode",
        "OrderSpec" => "recovery order",
        "TaggedDist" => "distribution",
        "ObservedSpec" => "an observation",
        "SubstituteSpec" => "a substitute",
        "CommonCauseSpec" => "a common cause",
        "AnyOfLong" => "AnyOf",
        "JourneySpec" => "a journey",
        other => other,
    }
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
                msg.push_str(&format!(" in {}", shape_name(o)));
            }
            if let Some(s) = crate::error::suggest(found, expected.iter().copied()) {
                msg.push_str(&format!("; did you mean `{s}`?"));
            }
            msg.push_str(&format!("; expected one of: {}", expected.join(", ")));
            msg
        }
        E::MissingStructField { field, outer } => match outer {
            Some(o) => format!("missing required field `{field}` in {}", shape_name(o)),
            None => format!("missing required field `{field}`"),
        },
        E::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => {
            let mut msg = match outer.as_deref() {
                Some("TaggedDist") => format!("unknown distribution `{found}`"),
                Some(o) => format!("unknown variant `{found}` of {}", shape_name(o)),
                None => format!("unknown variant `{found}`"),
            };
            if let Some(s) = crate::error::suggest(found, expected.iter().copied()) {
                msg.push_str(&format!("; did you mean `{s}`?"));
            }
            msg.push_str(&format!("; expected one of: {}", expected.join(", ")));
            msg
        }
        E::DuplicateStructField { field, .. } => format!("field `{field}` is given twice"),
        E::Message(m) if m.starts_with("expected ") => m.clone(),
        E::ExpectedInteger => "expected a whole number".into(),
        E::IntegerOutOfBounds => "number out of range: expected a whole number ≥ 0".into(),
        E::ExpectedFloat => "expected a number".into(),
        E::ExpectedString => "expected a string in double quotes".into(),
        E::ExpectedStringEnd => "unterminated string: expected a closing `\"`".into(),
        E::ExpectedBoolean => "expected `true` or `false`".into(),
        E::ExpectedArray => "expected a list in square brackets `[...]`".into(),
        E::ExpectedComma => "syntax error: expected a comma `,` between items".into(),
        E::Eof => "syntax error: the file ends early (a bracket or string is not closed)".into(),
        E::ExceededRecursionLimit => "the scenario is nested too deeply".into(),
        other => format!("syntax error: {}", lowercase_first(&other.to_string())),
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}
