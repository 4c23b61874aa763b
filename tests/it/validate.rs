//! Integration tests of `validate` and `graph`, through the built binary: a scenario file
//! in, an exit code and an expected message out. Each module says what it checks.

use std::path::PathBuf;
use std::process::Command;

use crate::util::{bin, scenarios_dir};

/// What one run of the binary did.
struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A scenario written to a fresh directory as `case.ron` (the name every message shows).
struct Case {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Case {
    fn new(bytes: &[u8]) -> Case {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("case.ron");
        std::fs::write(&path, bytes).expect("write the scenario");
        Case { _dir: dir, path }
    }
    fn path(&self) -> &str {
        self.path.to_str().expect("temporary paths are UTF-8")
    }
}

fn run(args: &[&str]) -> Output {
    let out = bin().args(args).output().expect("run blastradius");
    let o = Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !o.stderr.contains("panicked"),
        "blastradius panicked:\n{}",
        o.stderr
    );
    o
}

fn example() -> PathBuf {
    scenarios_dir().join("design-example.ron")
}

/// Invalid scenarios: exit code 2 and an error at the right place naming the field.
mod errors {
    use super::*;

    /// Checks that validating `text` fails with exit code 2 and that one error line reads
    /// `error: <file>:<at>: `<field>`: …` and contains every word of `words`.
    fn rejects(text: &str, at: &str, field: &str, words: &[&str]) {
        let case = Case::new(text.as_bytes());
        let out = run(&["validate", case.path()]);
        assert_eq!(out.code, 2, "exit code; stderr:\n{}", out.stderr);
        let prefix = if field.is_empty() {
            format!("error: {}:{at}: ", case.path())
        } else {
            format!("error: {}:{at}: `{field}`: ", case.path())
        };
        let line = out
            .stderr
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{}", out.stderr));
        for w in words {
            assert!(line.contains(w), "{w:?} missing from {line:?}");
        }
    }

    #[test]
    fn malformed_ron_points_after_the_item_missing_its_comma() {
        rejects(
            "Scenario(\n    name: \"t\",\n    horizon: \"10d\"\n    sites: [],\n    services: [],\n)\n",
            "3:19",
            "",
            &["syntax error", "expected a comma"],
        );
    }

    #[test]
    fn unterminated_list_is_a_syntax_error() {
        rejects(
            "Scenario(\n    name: \"t\",\n    horizon: \"10d\",\n    sites: [(id: \"a\")",
            "4:22",
            "sites",
            &["syntax error", "the file ends early"],
        );
    }

    #[test]
    fn unknown_field_suggests_the_right_one() {
        rejects(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a")],
    services: [(id: "s", replicas: ["a"], users: 3, depend_on: [])],
)"#,
            "5:53",
            "services[0].depend_on",
            &["unknown field `depend_on`", "did you mean `depends_on`?"],
        );
    }

    #[test]
    fn unknown_distribution_suggests_the_right_one() {
        rejects(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a")],
    services: [
        (
            id: "s",
            replicas: ["a"],
            restart: LogNormall(
                median: "1h",
                p95: "2h",
            ),
        ),
    ],
)"#,
            "9:22",
            "services[0].restart",
            &[
                "unknown distribution `LogNormall`",
                "did you mean `LogNormal`?",
            ],
        );
    }

    #[test]
    fn misspelt_dependency_field_is_named() {
        rejects(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a")],
    services: [(id: "s", replicas: ["a"]), (id: "u", replicas: ["a"], depends_on: [(on: "s", shar: 0.3)])],
)"#,
            "5:94",
            "services[1].depends_on[0]",
            &["unknown field `shar`", "did you mean `share`?"],
        );
    }

    #[test]
    fn missing_required_field_points_at_the_entry() {
        rejects(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [
        (id: "a"),
        (
            kind: Region,
        ),
    ],
    services: [],
)"#,
            "6:9",
            "sites[1]",
            &["missing required field `id`", "site"],
        );
    }

    #[test]
    fn missing_top_level_field() {
        rejects(
            "Scenario(\n    name: \"t\",\n    sites: [],\n    services: [],\n)\n",
            "1:1",
            "",
            &["missing required field `horizon`"],
        );
    }

    #[test]
    fn unknown_site_suggests_the_closest_id() {
        rejects(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "pangyo"), (id: "anyang")],
    services: [
        (id: "ops", replicas: ["pangyo", "anyan"]),
    ],
)"#,
            "6:42",
            "services[ops].replicas",
            &["unknown site \"anyan\"", "did you mean \"anyang\"?"],
        );
    }

    #[test]
    fn unknown_service_suggests_the_closest_id() {
        rejects(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a")],
    services: [
        (id: "ops-tools", replicas: ["a"]),
        (id: "acct", replicas: ["a"], depends_on: [(on: "ops-tool", share: 0.5)]),
    ],
)"#,
            "7:57",
            "services[acct].depends_on[0]",
            &[
                "unknown service \"ops-tool\"",
                "did you mean \"ops-tools\"?",
            ],
        );
    }

    #[test]
    fn unknown_recovery_need_suggests_the_closest_id() {
        rejects(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a")],
    services: [
        (id: "ops-tools", replicas: ["a"]),
        (id: "acct", replicas: ["a"], recovery_needs: ["ops-tool"]),
    ],
)"#,
            "7:56",
            "services[acct].recovery_needs",
            &[
                "unknown service \"ops-tool\"",
                "did you mean \"ops-tools\"?",
            ],
        );
    }

    #[test]
    fn duplicate_site_points_at_the_second() {
        rejects(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a"), (id: "b"), (id: "a")],
    services: [],
)"#,
            "4:40",
            "sites[a].id",
            &["duplicate site id \"a\""],
        );
    }

    #[test]
    fn duplicate_service_points_at_the_second() {
        rejects(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a")],
    services: [
        (id: "ops", replicas: ["a"]),
        (id: "web", replicas: ["a"]),
        (id: "ops", replicas: ["a"]),
    ],
)"#,
            "8:14",
            "services[ops].id",
            &["duplicate service id \"ops\""],
        );
    }

    /// A service `s` in site `a` whose field is given by `field_text`, on line 5.
    fn service_with(field_text: &str) -> String {
        format!(
            "Scenario(\n    name: \"t\",\n    horizon: \"10d\",\n    sites: [(id: \"a\"), (id: \"b\")],\n    services: [(id: \"s\", replicas: [\"a\"], {field_text})],\n)\n"
        )
    }
    /// Column of the first character of `field_text` in [`service_with`].
    const FIELD_COL: usize = 43;

    fn col(offset: usize) -> String {
        format!("5:{}", FIELD_COL + offset)
    }

    #[test]
    fn unknown_field_in_a_mode() {
        rejects(
            &service_with(r#"mode: ActiveStandby(failover: "1h", sucess: 0.5)"#),
            &col(36),
            "services[0].mode.ActiveStandby.sucess",
            &[
                "unknown field `sucess` in ActiveStandby",
                "did you mean `success`?",
            ],
        );
    }

    #[test]
    fn unknown_field_in_a_distribution() {
        rejects(
            &service_with(r#"restart: Exp(man: "1h")"#),
            &col(13),
            "services[0].restart",
            &["unknown field `man` in Exp", "did you mean `mean`?"],
        );
    }

    #[test]
    fn duration_with_a_word_unit() {
        rejects(
            &service_with(r#"restart: "5 hours""#),
            &col(9),
            "services[s].restart",
            &["unknown unit \"hours\"", "units are ms, s, m, h, d, w, y"],
        );
    }

    #[test]
    fn negative_duration() {
        rejects(
            &service_with(r#"restart: "-3h""#),
            &col(9),
            "services[s].restart",
            &["negative duration \"-3h\""],
        );
    }

    #[test]
    fn negative_mean_cannot_be_written() {
        rejects(
            &service_with(r#"hazards: [(mtbf: Exp(mean: "-3h"), repair: "1h")]"#),
            &col(27),
            "services[s].hazards[0].mtbf",
            &["negative duration \"-3h\""],
        );
    }

    #[test]
    fn duration_without_unit() {
        rejects(
            &service_with(r#"restart: "3""#),
            &col(9),
            "services[s].restart",
            &["\"3\" has no unit", "\"36h\""],
        );
    }

    #[test]
    fn duration_over_the_thousand_year_cap() {
        rejects(
            &service_with(r#"restart: "1001y""#),
            &col(9),
            "services[s].restart",
            &["1000-year limit"],
        );
    }

    #[test]
    fn exponential_with_zero_mean() {
        rejects(
            &service_with(r#"restart: Exp(mean: "0h")"#),
            &col(19),
            "services[s].restart",
            &["Exp mean must be greater than zero"],
        );
    }

    #[test]
    fn uniform_min_above_max() {
        rejects(
            &service_with(r#"restart: Uniform(min: "3h", max: "1h")"#),
            &col(22),
            "services[s].restart",
            &["Uniform min (3h) is greater than max (1h)"],
        );
    }

    #[test]
    fn triangular_out_of_order() {
        rejects(
            &service_with(r#"restart: Triangular(min: "1h", mode: "9h", max: "8h")"#),
            &col(25),
            "services[s].restart",
            &["Triangular needs min ≤ mode ≤ max", "mode 9h"],
        );
    }

    #[test]
    fn lognormal_p95_below_median() {
        rejects(
            &service_with(r#"restart: LogNormal(median: "10h", p95: "5h")"#),
            &col(39),
            "services[s].restart",
            &["LogNormal p95 (5h) is below its median (10h)"],
        );
    }

    #[test]
    fn weibull_shape_not_positive() {
        for shape in ["0.0", "-1.5"] {
            rejects(
                &service_with(&format!(r#"restart: Weibull(shape: {shape}, scale: "1h")"#)),
                &col(17),
                "services[s].restart.shape",
                &["Weibull shape must be in (0, 1000]"],
            );
        }
    }

    #[test]
    fn empty_empirical() {
        rejects(
            &service_with(r#"restart: Empirical([])"#),
            &col(0),
            "services[s].restart",
            &["Empirical needs at least one value"],
        );
    }

    #[test]
    fn failover_success_outside_zero_one() {
        rejects(
            &service_with(r#"mode: ActiveStandby(failover: "1h", success: 1.5)"#),
            &col(36),
            "services[s].mode.success",
            &["success must be in [0, 1], got 1.5"],
        );
    }

    #[test]
    fn share_zero() {
        rejects(
            &service_with(r#"depends_on: [(on: "t", share: 0.0)]), (id: "t", replicas: ["b"]"#),
            &col(23),
            "services[s].depends_on[0].share",
            &["share must be in (0, 1], got 0"],
        );
    }

    #[test]
    fn share_above_one() {
        rejects(
            &service_with(r#"depends_on: [(on: "t", share: 1.5)]), (id: "t", replicas: ["b"]"#),
            &col(23),
            "services[s].depends_on[0].share",
            &["share must be in (0, 1], got 1.5"],
        );
    }

    #[test]
    fn active_active_min_above_replicas() {
        rejects(
            &service_with(r#"mode: ActiveActive(min: 2)"#),
            &col(0),
            "services[s].mode",
            &["ActiveActive(min: 2) needs at least 2 replicas", "has 1"],
        );
    }

    #[test]
    fn service_without_replicas() {
        rejects(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a")],
    services: [
        (id: "s", users: 5, replicas: []),
    ],
)"#,
            "6:29",
            "services[s].replicas",
            &["has no replicas"],
        );
    }

    #[test]
    fn service_with_replicas_left_out() {
        rejects(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a")],
    services: [
        (id: "s", users: 5),
    ],
)"#,
            "6:14",
            "services[s].replicas",
            &["has no replicas"],
        );
    }

    #[test]
    fn probability_outside_zero_one() {
        rejects(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a")],
    services: [(id: "s", replicas: ["a"])],
    events: [
        (name: "fire", site: "a", lasts: "1h",
         then: [(name: "cut", site: "a", after: "1h", lasts: "2h", probability: 1.2)]),
    ],
)"#,
            "8:68",
            "events[fire].then[cut].probability",
            &["probability must be in [0, 1], got 1.2"],
        );
    }

    #[test]
    fn cycle_in_site_parents() {
        rejects(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [
        (id: "a", parent: "c"),
        (id: "b", parent: "a"),
        (id: "c", parent: "b"),
    ],
    services: [],
)"#,
            "5:19",
            "sites[a].parent",
            &["site parents form a cycle: a → c → b → a"],
        );
    }

    #[test]
    fn variant_naming_an_unknown_site() {
        rejects(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "pangyo"), (id: "anyang")],
    services: [(id: "ops", replicas: ["pangyo"])],
    variants: [
        (name: "two sites", services: [(id: "ops", replicas: ["pangyo", "anyng"])]),
    ],
)"#,
            "7:73",
            "variants[two sites].services[ops].replicas",
            &["unknown site \"anyng\"", "did you mean \"anyang\"?"],
        );
    }

    #[test]
    fn bad_service_id() {
        rejects(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a")],
    services: [(id: "Web Front", replicas: ["a"])],
)"#,
            "5:21",
            "services[Web Front].id",
            &["may only use a-z, 0-9 and . _ / -"],
        );
    }

    #[test]
    fn wrong_type() {
        rejects(
            &service_with(r#"users: "many""#),
            &col(7),
            "services[0].users",
            &["expected a whole number"],
        );
    }

    #[test]
    fn every_problem_is_reported_in_file_order() {
        let text = service_with(r#"restart: "3", hazards: [(mtbf: "-1h", repair: "5 hours")]"#);
        let case = Case::new(text.as_bytes());
        let out = run(&["validate", case.path()]);
        assert_eq!(out.code, 2);
        let places: Vec<&str> = out
            .stderr
            .lines()
            .map(|l| l.split(": `").next().unwrap_or(""))
            .collect();
        let p = case.path();
        assert_eq!(
            places,
            [
                format!("error: {p}:{}", col(9)),
                format!("error: {p}:{}", col(31)),
                format!("error: {p}:{}", col(46)),
            ]
        );
    }

    /// A scenario with services `s`, `t`, `u` in site `a`, sites `c` (with children `c1`,
    /// `c2`, `c3`), `d1` and `d2` (with hazards) and `d3` (without), and `extra` spliced
    /// in at the top level.
    fn with(services: &str, extra: &str) -> String {
        format!(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [
        (id: "a"), (id: "c"), (id: "c1", parent: "c"), (id: "c2", parent: "c"), (id: "c3", parent: "c"),
        (id: "d1", hazards: [(mtbf: "1y", repair: "4h")]),
        (id: "d2", hazards: [(mtbf: "2y", repair: "4h")]),
        (id: "d3"),
    ],
    services: [
        (id: "s", replicas: ["a"]), (id: "t", replicas: ["a"]),
        {services}
    ],
    {extra}
)"#
        )
    }

    /// Each case: a service line (or top-level text, for `top`), where the error is, its
    /// field and words it must contain.
    type Bad<'a> = (&'a str, &'a str, &'a str, &'a [&'a str]);

    fn rejects_all(cases: &[Bad], top: bool) {
        for &(text, at, field, words) in cases {
            let (services, extra) = if top { ("", text) } else { (text, "") };
            rejects(&with(services, extra), at, field, words);
        }
    }

    #[test]
    fn bad_alternatives_are_refused_where_they_are_written() {
        rejects_all(
            &[
                (
                    r#"(id: "u", replicas: ["a"], depends_on: [AnyOf([])]),"#,
                    "12:36",
                    "services[u].depends_on[0]",
                    &["AnyOf needs at least one alternative"],
                ),
                (
                    r#"(id: "u", replicas: ["a"], depends_on: [AnyOf(of: ["s", "t"], min: 3)]),"#,
                    "12:60",
                    "services[u].depends_on[0]",
                    &[
                        "min: 3",
                        "more alternatives than the 2 listed",
                        "from 1 to 2",
                    ],
                ),
                (
                    r#"(id: "u", replicas: ["a"], depends_on: [AnyOf(of: ["s", "t"], min: 0)]),"#,
                    "12:60",
                    "services[u].depends_on[0]",
                    &["AnyOf min must be at least 1"],
                ),
                (
                    r#"(id: "u", replicas: ["a"], depends_on: [AnyOf(["s", "tt"])]),"#,
                    "12:61",
                    "services[u].depends_on[0]",
                    &["unknown service \"tt\"", "did you mean \"t\"?"],
                ),
                (
                    r#"(id: "u", replicas: ["a"], depends_on: [AnyOf(["s", "u"])]),"#,
                    "12:61",
                    "services[u].depends_on[0]",
                    &["\"u\" depends on itself"],
                ),
                (
                    r#"(id: "u", replicas: ["a"], depends_on: [AnyOf(["t", "s", "t"])]),"#,
                    "12:56",
                    "services[u].depends_on[0]",
                    &["\"t\" is listed twice in AnyOf"],
                ),
                // RON cannot read a list and a named field in one pair of brackets.
                (
                    r#"(id: "u", replicas: ["a"], depends_on: [AnyOf(["s", "t"], min: 2)]),"#,
                    "12:67",
                    "services[2].depends_on[0].AnyOf",
                    &["AnyOf(of: [", "min: 2)"],
                ),
                (
                    r#"(id: "u", replicas: ["a"], depends_on: [AnyOff(["s", "t"])]),"#,
                    "12:49",
                    "services[2].depends_on[0]",
                    &["`AnyOff`", "did you mean `AnyOf`?"],
                ),
            ],
            false,
        );
    }

    #[test]
    fn bad_event_sites_and_counts_are_refused_where_they_are_written() {
        rejects_all(
            &[
                (
                    r#"events: [(name: "chaos", site: "c", count: 4, lasts: "1h")],"#,
                    "14:41",
                    "events[chaos].count",
                    &[
                        "count: 4 is more than the candidates",
                        "site \"c\" has 3 child sites",
                        "at most 3",
                    ],
                ),
                (
                    r#"events: [(name: "chaos", sites: ["c1", "c2"], count: 0, lasts: "1h")],"#,
                    "14:51",
                    "events[chaos].count",
                    &["count must be at least 1"],
                ),
                (
                    r#"events: [(name: "chaos", site: "a", count: 1, lasts: "1h")],"#,
                    "14:41",
                    "events[chaos].count",
                    &["site \"a\" has 0 child sites"],
                ),
                (
                    r#"events: [(name: "e", site: "a", sites: ["c1"], lasts: "1h")],"#,
                    "14:37",
                    "events[e].sites",
                    &["either `site`", "not both"],
                ),
                (
                    r#"events: [(name: "e", lasts: "1h")],"#,
                    "14:21",
                    "events[e]",
                    &["names no site"],
                ),
                (
                    r#"events: [(name: "e", sites: ["c1", "c22", "c1"], lasts: "1h")],"#,
                    "14:40",
                    "events[e].sites",
                    &["unknown site \"c22\"", "did you mean"],
                ),
            ],
            true,
        );
    }

    #[test]
    fn bad_common_causes_are_refused_where_they_are_written() {
        rejects_all(
            &[
                (
                    r#"common_cause: [(members: ["d1", "d2"], beta: 1.5)],"#,
                    "14:44",
                    "common_cause[0].beta",
                    &["beta must be in [0, 1], got 1.5"],
                ),
                (
                    r#"common_cause: [(members: ["d1", "d2"], beta: -0.1)],"#,
                    "14:44",
                    "common_cause[0].beta",
                    &["beta must be in [0, 1]"],
                ),
                (
                    r#"common_cause: [(members: ["d1", "d22"], beta: 0.1)],"#,
                    "14:37",
                    "common_cause[0].members",
                    &["unknown site \"d22\"", "did you mean \"d2\"?"],
                ),
                (
                    r#"common_cause: [(members: ["d1", "s"], beta: 0.1)],"#,
                    "14:37",
                    "common_cause[0].members",
                    &["\"s\" is a service", "members are sites"],
                ),
                (
                    r#"common_cause: [(members: ["d1", "d2", "d1"], beta: 0.1)],"#,
                    "14:31",
                    "common_cause[0].members",
                    &["site \"d1\" is listed twice"],
                ),
                (
                    r#"common_cause: [(members: ["d1", "d2"], beta: 0.1), (members: ["d2", "d1"], beta: 0.1)],"#,
                    "14:67",
                    "common_cause[1].members",
                    &["already a member of common_cause[0]"],
                ),
                (
                    r#"common_cause: [(members: ["d1", "d3"], beta: 0.1)],"#,
                    "14:37",
                    "common_cause[0].members",
                    &["site \"d3\" has no hazard"],
                ),
                (
                    r#"common_cause: [(members: ["d1"], beta: 0.1)],"#,
                    "14:21",
                    "common_cause[0].members",
                    &["at least two member sites"],
                ),
            ],
            true,
        );
    }

    #[test]
    fn a_common_cause_member_needs_one_exponential_hazard() {
        let text = with("", r#"common_cause: [(members: ["d1", "d2"], beta: 0.1)],"#).replace(
            r#"(mtbf: "2y", repair: "4h")"#,
            r#"(mtbf: Weibull(shape: 2, scale: "2y"), repair: "4h")"#,
        );
        rejects(
            &text,
            "14:37",
            "common_cause[0].members",
            &["site \"d2\"'s hazard has an mtbf that is not exponential"],
        );
        let text = with("", r#"common_cause: [(members: ["d1", "d2"], beta: 0.1)],"#).replace(
            r#"(mtbf: "2y", repair: "4h")"#,
            r#"(mtbf: "2y", repair: "4h"), (mtbf: "3y", repair: "1h")"#,
        );
        rejects(
            &text,
            "14:37",
            "common_cause[0].members",
            &["site \"d2\" has 2 hazards", "exactly one"],
        );
    }
}

/// Files that cannot be read as text at all.
mod files {
    use super::*;

    #[test]
    fn missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nowhere.ron");
        let out = run(&["validate", path.to_str().unwrap()]);
        assert_eq!(out.code, 2);
        assert!(
            out.stderr
                .starts_with(&format!("error: cannot read {}: ", path.display())),
            "{}",
            out.stderr
        );
    }

    #[test]
    fn non_utf8_bytes() {
        let case = Case::new(b"Scenario(\n    name: \"caf\xe9\",\n)\n");
        let out = run(&["validate", case.path()]);
        assert_eq!(out.code, 2);
        assert!(
            out.stderr.contains(&format!("{}:2:15: ", case.path())),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("not valid UTF-8"), "{}", out.stderr);
    }

    #[test]
    fn empty_file() {
        let case = Case::new(b"");
        let out = run(&["validate", case.path()]);
        assert_eq!(out.code, 2);
        assert!(out.stderr.contains("case.ron:1:1: "), "{}", out.stderr);
        assert!(out.stderr.contains("`Scenario`"), "{}", out.stderr);
    }
}

/// Valid scenarios and the design warnings they draw.
mod warnings {
    use super::*;

    /// Validates `text`, expecting success, and returns the warning lines.
    fn warnings_of(text: &str) -> (Case, Vec<String>) {
        let case = Case::new(text.as_bytes());
        let out = run(&["validate", case.path()]);
        assert_eq!(out.code, 0, "stderr:\n{}", out.stderr);
        assert!(out.stdout.contains(": ok: "), "{}", out.stdout);
        let lines = out
            .stderr
            .lines()
            .map(|l| {
                l.strip_prefix("warning: ")
                    .unwrap_or_else(|| panic!("not a warning: {l}"))
                    .replace(case.path(), "case.ron")
            })
            .collect();
        (case, lines)
    }

    #[test]
    fn design_example_is_valid() {
        let out = run(&["validate", example().to_str().unwrap()]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stdout
                .contains("ok: 4 sites, 6 services, 1 events, 1 variants; 5 warnings"),
            "{}",
            out.stdout
        );
    }

    #[test]
    fn quiet_prints_nothing() {
        let out = run(&["validate", "--quiet", example().to_str().unwrap()]);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", "")
        );
    }

    #[test]
    fn redundant_design_has_no_warnings() {
        let (_c, w) = warnings_of(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a"), (id: "b")],
    services: [
        (id: "tools", replicas: ["a", "b"]),
        (id: "web", users: 100, replicas: ["a", "b"], recovery_needs: ["tools"]),
    ],
)"#,
        );
        assert_eq!(w, Vec::<String>::new());
    }

    #[test]
    fn single_point_of_failure_counts_hard_dependents() {
        let (_c, w) = warnings_of(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [
        (id: "korea", kind: Region),
        (id: "pangyo", parent: "korea"),
        (id: "anyang", parent: "korea"),
    ],
    services: [
        (id: "db", replicas: ["pangyo"]),
        (id: "login", users: 1000, replicas: ["anyang"], depends_on: ["db"]),
        (id: "chat", users: 2500, replicas: ["pangyo", "anyang"], depends_on: ["login"]),
        (id: "maps", users: 7, replicas: ["anyang"], depends_on: [(on: "db", share: 0.5)]),
        (id: "pay", users: 9, replicas: ["pangyo", "anyang"], mode: ActiveActive(min: 2)),
    ],
)"#,
        );
        assert_eq!(
            w,
            [
                "case.ron:5:14: `sites[korea]`: single point of failure: losing site \"korea\" (with the sites inside it) takes down 4 services with users (3,516 users, counted per service): login, chat, maps, pay",
                "case.ron:6:14: `sites[pangyo]`: single point of failure: losing site \"pangyo\" takes down 3 services with users (3,509 users, counted per service): login, chat, pay",
                "case.ron:7:14: `sites[anyang]`: single point of failure: losing site \"anyang\" takes down 4 services with users (3,516 users, counted per service): login, chat, maps, pay",
            ]
        );
    }

    #[test]
    fn single_point_of_failure_names_the_services_it_leaves_unable_to_recover() {
        let (_c, w) = warnings_of(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a"), (id: "b")],
    services: [
        (id: "switch", replicas: ["a"]),
        (id: "web", users: 10, replicas: ["a", "b"], mode: ActiveStandby(failover: "1h", success: 1.0), recovery_needs: ["switch"]),
        (id: "mail", users: 5, replicas: ["b", "a"], mode: ActiveStandby(failover: "1h", success: 1.0), recovery_needs: ["switch"]),
    ],
)"#,
        );
        // web serves from a and its failover to b needs the switch, lost with a: down.
        // mail serves from b: up, but it can no longer fail over.
        assert_eq!(
            w,
            [
                "case.ron:4:18: `sites[a]`: single point of failure: losing site \"a\" takes down 1 service with users (10 users, counted per service): web; it leaves 1 service up but unable to recover: mail",
                "case.ron:7:122: `services[web].recovery_needs`: web's recovery needs switch, which runs only in a, where web runs too: losing a takes both the service and the tools to recover it",
                "case.ron:8:122: `services[mail].recovery_needs`: mail's recovery needs switch, which runs only in a, where mail runs too: losing a takes both the service and the tools to recover it",
            ]
        );
    }

    #[test]
    fn recovery_cycle_with_bootstrap() {
        let (_c, w) = warnings_of(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a"), (id: "b")],
    services: [
        (id: "dns", replicas: ["a", "b"], recovery_needs: ["deploy"]),
        (id: "deploy", replicas: ["a", "b"], depends_on: ["dns"]),
    ],
    recovery: (bootstrap: "12h"),
)"#,
        );
        assert_eq!(
            w,
            ["case.ron:6:60: `services[dns].recovery_needs`: recovery-dependency cycle: dns → deploy → dns; if these go down together they can only recover through recovery.bootstrap, which is set: 12h after they block"]
        );
    }

    #[test]
    fn recovery_cycle_without_bootstrap() {
        let (_c, w) = warnings_of(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a"), (id: "b")],
    services: [
        (id: "x", replicas: ["a", "b"], recovery_needs: ["y"]),
        (id: "y", replicas: ["a", "b"], recovery_needs: ["z"]),
        (id: "z", replicas: ["a", "b"], depends_on: ["x", (on: "y", share: 0.5)]),
    ],
)"#,
        );
        assert_eq!(
            w,
            ["case.ron:6:58: `services[x].recovery_needs`: recovery-dependency cycle: x → y → z → x; if these go down together they can only recover through recovery.bootstrap, which is not set: they would stay down to the horizon"]
        );
    }

    #[test]
    fn partial_dependencies_do_not_close_a_recovery_cycle() {
        let (_c, w) = warnings_of(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a"), (id: "b")],
    services: [
        (id: "x", replicas: ["a", "b"], recovery_needs: ["y"]),
        (id: "y", replicas: ["a", "b"], depends_on: [(on: "x", share: 0.9)]),
    ],
)"#,
        );
        assert_eq!(w, Vec::<String>::new());
    }

    #[test]
    fn kakao_pattern_in_the_same_site_or_inside_it() {
        let (_c, w) = warnings_of(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [
        (id: "pangyo"),
        (id: "pangyo/b3", parent: "pangyo", kind: Room),
        (id: "anyang"),
    ],
    services: [
        (id: "ops-tools", replicas: ["pangyo/b3"]),
        (id: "kakao-account", replicas: ["pangyo", "anyang"], mode: ActiveStandby(failover: "6h"), recovery_needs: ["ops-tools"]),
        (id: "naver", replicas: ["anyang"], recovery_needs: ["ops-tools"]),
    ],
)"#,
        );
        assert_eq!(
            w,
            ["case.ron:11:117: `services[kakao-account].recovery_needs`: kakao-account's recovery needs ops-tools, which runs only in pangyo/b3, where kakao-account runs too: losing pangyo takes both the service and the tools to recover it"]
        );
    }

    #[test]
    fn warnings_come_in_file_order() {
        let (_c, w) = warnings_of(
            r#"Scenario(
    name: "t",
    horizon: "10d",
    sites: [(id: "a")],
    services: [
        (id: "tools", replicas: ["a"], depends_on: ["app"]),
        (id: "app", users: 10, replicas: ["a"], recovery_needs: ["tools"]),
    ],
)"#,
        );
        let places: Vec<&str> = w.iter().map(|l| l.split(": `").next().unwrap()).collect();
        assert_eq!(places, ["case.ron:4:18", "case.ron:7:66", "case.ron:7:66"]);
        assert!(w[1].contains("recovery-dependency cycle: app → tools → app"));
        assert!(w[2].contains("app's recovery needs tools, which runs only in a"));
    }
}

/// `graph`: Graphviz DOT of sites, services and their edges.
mod graph {
    use super::*;

    fn dot(path: &str) -> String {
        let out = run(&["graph", path]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
    }

    #[test]
    fn svg_with_the_builtin_layout_draws_every_service() {
        let path = example();
        let path = path.to_str().unwrap();
        let out = run(&["graph", path, "--format", "svg", "--layout", "builtin"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let svg = out.stdout;
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
        for id in [
            "ops-tools",
            "object-storage",
            "push",
            "kakao-account",
            "kakaotalk",
            "kakao-t",
        ] {
            // Named services show "(id)" under the name; unnamed ones their id alone.
            assert!(
                svg.contains(&format!("({id})")) || svg.contains(&format!(">{id}<")),
                "{id} drawn"
            );
        }
        assert!(svg.contains("30%"), "partial share labelled");
    }

    /// The layout library writes its font classes in hash-map order; the picture must be
    /// the same bytes anyway. The Kakao graph has two classes, so six identical runs would
    /// pass by chance only once in 32 if that order leaked through.
    #[test]
    fn svg_is_the_same_bytes_every_time() {
        let path = scenarios_dir().join("kakao-1015.ron");
        let path = path.to_str().unwrap();
        let first = run(&["graph", path, "--format", "svg", "--layout", "builtin"]);
        assert_eq!(first.code, 0, "{}", first.stderr);
        for _ in 0..5 {
            let again = run(&["graph", path, "--format", "svg", "--layout", "builtin"]);
            assert_eq!(again.stdout, first.stdout);
        }
    }

    #[test]
    fn svg_escapes_scenario_text() {
        let text = r#"Scenario(name: "x", horizon: "1d", sites: [(id: "a")],
            services: [(id: "s", name: "<script>alert(1)</script> & co", users: 1, replicas: ["a"])])"#;
        let case = Case::new(text.as_bytes());
        let out = run(&[
            "graph",
            case.path(),
            "--format",
            "svg",
            "--layout",
            "builtin",
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(!out.stdout.contains("<script>"), "{}", out.stdout);
        assert!(out.stdout.contains("&lt;script&gt;"));
    }

    #[test]
    fn svg_with_graphviz_uses_dot_or_says_it_is_missing() {
        let path = example();
        let out = run(&[
            "graph",
            path.to_str().unwrap(),
            "--format",
            "svg",
            "--layout",
            "graphviz",
        ]);
        if blastradius::report::dot::graphviz().is_some() {
            assert_eq!(out.code, 0, "{}", out.stderr);
            assert!(out.stdout.contains("<svg"));
        } else {
            assert_eq!(out.code, 2);
            assert!(
                out.stderr.contains("Graphviz's `dot` is not on PATH"),
                "{}",
                out.stderr
            );
        }
    }

    #[test]
    fn clusters_follow_the_site_tree() {
        let g = dot(example().to_str().unwrap());
        let korea = g.find("subgraph cluster_0 {").expect("korea cluster");
        let pangyo = g.find("subgraph cluster_1 {").expect("pangyo cluster");
        let room = g.find("subgraph cluster_2 {").expect("room cluster");
        assert!(korea < pangyo && pangyo < room);
        assert!(g.contains("label=\"korea\\nregion\";"));
        assert!(g.contains("label=\"pangyo\\ndata center\";"));
        // Services sit in their first replica's cluster, others listed in the label.
        assert!(g.contains(
            "      s4 [label=\"KakaoTalk messaging\\n(kakaotalk)\\n47,000,000 users\\nalso in anyang\", tooltip=\"kakaotalk: replicas in pangyo, anyang\"];"
        ));
    }

    #[test]
    fn edge_styles() {
        let g = dot(example().to_str().unwrap());
        for edge in [
            "s4 -> s3 [style=solid];",
            "s4 -> s2 [style=dashed, label=\"30%\"];",
            "s4 -> s1 [style=solid, label=\"after 1h\"];",
            "s4 -> s0 [style=dotted, label=\"recovery\"];",
            "s5 -> s4 [style=dashed, label=\"40%\"];",
        ] {
            assert!(g.contains(edge), "{edge} missing from\n{g}");
        }
    }

    #[test]
    fn output_is_byte_identical_across_runs() {
        let p = example();
        assert_eq!(dot(p.to_str().unwrap()), dot(p.to_str().unwrap()));
    }

    #[test]
    fn strings_are_escaped() {
        let case = Case::new(
            br#"Scenario(
    name: "say \"hi\" \\ bye",
    horizon: "1d",
    sites: [(id: "a", name: "line\nbreak\ttab")],
    services: [(id: "s", name: "C:\\ops \"tools\"", users: 1, replicas: ["a"])],
)"#,
        );
        let g = dot(case.path());
        assert!(g.contains(r#"label="say \"hi\" \\ bye";"#), "{g}");
        assert!(
            g.contains(r#"label="line\nbreak tab\ndata center";"#),
            "{g}"
        );
        assert!(
            g.contains(r#"s0 [label="C:\\ops \"tools\"\n(s)\n1 user", "#),
            "{g}"
        );
    }

    #[test]
    fn graphviz_accepts_it_when_installed() {
        let Ok(mut child) = Command::new("dot")
            .arg("-Tsvg")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
        else {
            eprintln!("graphviz `dot` is not installed; skipping the parse check");
            return;
        };
        use std::io::Write;
        let g = dot(example().to_str().unwrap());
        child.stdin.take().unwrap().write_all(g.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success());
    }

    #[test]
    fn invalid_scenario_gives_exit_2() {
        let case = Case::new(b"Scenario(name: \"t\")");
        let out = run(&["graph", case.path()]);
        assert_eq!(out.code, 2);
        assert!(
            out.stderr.contains("missing required field"),
            "{}",
            out.stderr
        );
        assert_eq!(out.stdout, "");
    }
}
