//! Every word of the policy report, in one place per language: [`Words`] has one method
//! per message, implemented by [`En`] and [`Ko`]. Numbers, hours, percentages and money
//! are formatted here too, since each language writes them its own way (47 million /
//! 4,700만).
//!
//! Vocabulary (`docs/incidents.md` V1): a *service error* (서비스 오류) is a problem for
//! a small share of a service's users; a *service outage* (서비스 장애) is a problem for
//! most or all of them.

use crate::format::format_hours;
use crate::format::thousands;
use crate::model::SiteKind;

/// A count that may be a mean, as people read it: one decimal below 100 (3.4 of 6
/// services), whole above, with thousands separators from 1,000 on (12,368 of 100,000).
fn count(x: f64) -> String {
    // Chosen on the figure as printed: 99.96 is "100", 999.6 is "1,000".
    let whole = x.round();
    if whole >= 1000.0 {
        thousands(whole as u64)
    } else if (x * 10.0).round() >= 1000.0 {
        format!("{whole:.0}")
    } else {
        format!("{x:.1}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Korean (한국어).
    Ko,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }
    pub fn words(self) -> &'static dyn Words {
        match self {
            Lang::En => &En,
            Lang::Ko => &Ko,
        }
    }
}

/// The messages of the report. Arguments are already formatted (by the same language's
/// `number`, `hours`, `percent`, `money`) unless they are counts.
pub trait Words: Sync + RiskWords {
    // Formatting.
    /// The language code names are looked up with (`names: {"ko": …}`).
    fn lang_code(&self) -> &'static str;
    fn number(&self, x: f64) -> String;
    fn hours(&self, h: f64) -> String;
    fn money(&self, x: f64, currency: &str) -> String;
    fn percent(&self, share: f64) -> String {
        percent(share)
    }
    fn multiplier(&self, x: f64) -> String {
        if (x * 10.0).round() >= 10_000.0 {
            // Past a thousand (as printed) a decimal says nothing: 4,678,332×, not
            // 4678331.8×.
            return format!("{}×", count(x));
        }
        let digits = if x < 10.0 { 2 } else { 1 };
        format!("{}×", trim_zeros(&format!("{x:.digits$}")))
    }
    fn interval(&self, mid: &str, low: &str, high: &str) -> String {
        format!("{mid} ({low} – {high})")
    }

    // Title.
    fn title(&self, scenario: &str) -> String;
    fn subtitle(&self, trials: u64, seed: u64, horizon: &str) -> String;

    // Findings.
    fn findings_heading(&self) -> String;
    #[allow(clippy::too_many_arguments)]
    fn headline(
        &self,
        trials: u64,
        scenario: &str,
        mean: &str,
        low: &str,
        high: &str,
        p95: &str,
        affected_mean: f64,
        affected_p95: f64,
        services: usize,
    ) -> String;
    fn severity_definition(&self, pct: usize) -> String;
    fn hit_heading(&self) -> String;
    fn nothing_hit(&self) -> String;
    fn hit_service(
        &self,
        users: &str,
        p_outage: &str,
        p_error: &str,
        mean_down: &str,
        p95_down: &str,
        user_hours: &str,
    ) -> String;
    fn portals_heading(&self) -> String;
    fn no_portals(&self) -> String;
    /// "If NAME alone is down for D, N other services and M of their users go down with
    /// it", then what losing it for good reaches.
    #[allow(clippy::too_many_arguments)]
    fn gateway_sentence(
        &self,
        name: &str,
        duration: &str,
        down: usize,
        users_down: &str,
        multiplier: Option<&str>,
        forever_down: usize,
        forever_users: &str,
        forever_share: &str,
    ) -> String;
    /// Whether the top portal stays on top with every partial share halved and
    /// increased by half (`others`: the top portal in each case when it differs).
    fn gateway_robustness(
        &self,
        top: &str,
        half: Option<&str>,
        one_and_half: Option<&str>,
    ) -> String;
    fn marginal_note(&self) -> String;
    /// Lock-in: how many of its users have no substitute to turn to.
    fn lock_in(&self, locked: &str, share: &str) -> String;
    fn hidden_heading(&self) -> String;
    fn hidden_sentence(
        &self,
        forever_down: usize,
        forever_users: &str,
        isolated: &str,
        duration: &str,
    ) -> String;
    fn axis_gateway(&self) -> String;
    fn gateway_caption(&self, shown: usize, total: usize) -> String;
    fn portal_attributed(
        &self,
        own: &str,
        spill: &str,
        multiplier: Option<&str>,
        count: usize,
        names: &[String],
        more: bool,
    ) -> String;
    fn portal_note(&self, trials: u64) -> String;
    /// A portal without users of its own (a tool or a shared component).
    fn portal_no_users(&self, spill: &str, count: usize, names: &[String], more: bool) -> String;
    fn portal_structural(
        &self,
        count: usize,
        reach_users: &str,
        own_users: &str,
        multiplier: Option<&str>,
        names: &[String],
        more: bool,
    ) -> String;
    fn losses_heading(&self) -> String;
    /// `unrecoverable`: services left up with a recovery need down.
    fn single_loss(
        &self,
        down: usize,
        users: &str,
        degraded: usize,
        unrecoverable: usize,
        names: &[String],
        more: bool,
    ) -> String;
    fn designs_heading(&self) -> String;
    fn best_value(&self) -> String;
    fn design_value(
        &self,
        name: &str,
        saved: &str,
        low: &str,
        high: &str,
        cost: &str,
        per: &str,
    ) -> String;
    fn most_saved(&self) -> String;
    fn design_saves(&self, name: &str, saved: &str, low: &str, high: &str) -> String;
    fn worse(&self) -> String;
    fn design_worse(&self, name: &str, extra: &str) -> String;
    fn unclear(&self) -> String;
    fn design_unclear(&self, name: &str, low: &str, high: &str) -> String;
    fn deadlocks(&self, share: &str, bootstrap: Option<&str>) -> String;
    /// A share of time available, precise enough to tell 99.9 % from 99.99 %.
    fn availability(&self, share: f64) -> String {
        crate::format::availability_percent(share)
    }
    fn journeys_heading(&self) -> String;
    /// What the journeys come to: the one that suffers most (its availability, mean and
    /// p95 downtime, and user-hours lost when journeys have users) and the journeys'
    /// availability weighted by their weights.
    #[allow(clippy::too_many_arguments)]
    fn journeys_sentence(
        &self,
        count: usize,
        worst: &str,
        availability: &str,
        mean_down: &str,
        p95_down: &str,
        user_hours: Option<&str>,
        weighted: &str,
    ) -> String;
    /// The columns of the journeys table; user-hours only when the journeys have users.
    fn journeys_header(&self, with_users: bool) -> Vec<String>;
    /// The heading of the findings about services, after the journeys.
    fn services_findings_heading(&self) -> String;

    // Tables.
    fn tables_heading(&self) -> String;
    fn services_table_heading(&self) -> String;
    fn services_header(&self, pct: usize) -> Vec<String>;
    fn losses_table_heading(&self) -> String;
    fn losses_header(&self) -> Vec<String>;
    fn site_kind(&self, k: SiteKind) -> String;
    fn harmless_sites(&self, sites: &[String]) -> String;
    fn portals_table_heading(&self) -> String;
    fn portals_header(&self, attributed: bool) -> Vec<String>;
    fn designs_table_heading(&self) -> String;
    fn designs_header(&self) -> Vec<String>;
    fn base_design(&self) -> String;
    fn unpaired_note(&self) -> String;

    // Charts.
    fn charts_heading(&self) -> String;
    fn axis_downtime(&self) -> String;
    fn downtime_caption(&self, shown: usize, total: usize) -> String;
    fn axis_hours(&self) -> String;
    fn axis_available(&self) -> String;
    fn recovery_caption(&self) -> String;
    fn legend_mean(&self) -> String;
    fn legend_band(&self) -> String;
    fn axis_services_affected(&self) -> String;
    fn axis_share_of_trials(&self) -> String;
    fn radius_caption(&self, services: usize) -> String;
    fn axis_saved(&self) -> String;
    fn designs_caption(&self) -> String;
    fn axis_restored(&self) -> String;
    fn replay_caption(&self) -> String;
    /// The replay against the real times: `file_pct` the median error of the scenario as
    /// written; with a leave-one-out check, `fit_pct` (fitted to every observation) and
    /// `loo_pct` (each service predicted from the others) over `trials` trials.
    fn replay_sentence(
        &self,
        observed: usize,
        file_pct: &str,
        check: Option<(&str, &str, u64)>,
    ) -> String;

    // Graph.
    fn graph_heading(&self) -> String;
    fn graph_caption(&self, max_downtime: &str, shown: usize, total: usize) -> String;
    fn graph_failed(&self) -> String;

    // Assumptions and sources.
    fn assumptions_heading(&self) -> String;
    fn notes_heading(&self) -> String;
    fn model_heading(&self) -> String;
    fn horizon(&self) -> String;
    fn recovery(&self) -> String;
    fn recovery_text(
        &self,
        crews: Option<usize>,
        by_users: bool,
        bootstrap: Option<&str>,
    ) -> String;
    fn event_text(&self, site: &str, probability: &str, destroys: bool) -> String;
    /// The sites an event hits when it is not one site: `count` of the `names` (the
    /// children of `within`, when it picks among a site's children), or all of them
    /// (`count` is `None`).
    fn event_sites(&self, count: Option<usize>, names: &[&str], within: Option<&str>) -> String;
    fn services_described_heading(&self) -> String;
    fn variants_heading(&self) -> String;
    fn cost_is(&self, cost: &str) -> String;
    fn sources_heading(&self) -> String;
    fn no_sources(&self) -> String;

    // Reproducibility.
    fn reproducibility_heading(&self) -> String;
    fn version(&self) -> String;
    fn scenario_file(&self) -> String;
    fn seed(&self) -> String;
    fn trials(&self) -> String;
    fn outage_threshold(&self) -> String;
    fn rerun(&self) -> String;
}

/// `0.123` → `12%`; shares that round to 0 or 100 but are not say so (`<1%`, `>99%`).
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p > 0.0 && p < 0.5 {
        "<1%".into()
    } else if p > 99.5 && p < 100.0 {
        ">99%".into()
    } else {
        format!("{p:.0}%")
    }
}

/// The Korean subject particle after `word`: 이 after a final consonant, else 가.
fn subject_particle(word: &str) -> &'static str {
    match word.chars().last() {
        Some(c) if ('가'..='힣').contains(&c) && !(c as u32 - '가' as u32).is_multiple_of(28) => {
            "이"
        }
        _ => "가",
    }
}

/// `"12.50"` → `"12.5"`, `"3.0"` → `"3"`.
fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// Three significant digits, trailing zeros trimmed: 1.234 → 1.23, 47.0 → 47, 123.4 → 123.
fn sig3(v: f64) -> String {
    let a = v.abs();
    if a.round() >= 1000.0 {
        // A whole number of four digits or more, with separators: "1,050억".
        let sign = if v < 0.0 { "-" } else { "" };
        return format!("{sign}{}", thousands(a.round() as u64));
    }
    let s = if a < 10.0 {
        format!("{v:.2}")
    } else if a < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    };
    trim_zeros(&s)
}

fn with_sign(x: f64, body: String) -> String {
    if x < 0.0 {
        format!("−{body}")
    } else {
        body
    }
}

fn small(a: f64) -> String {
    if a >= 10.0 {
        thousands(a.round() as u64)
    } else if a == 0.0 {
        "0".into()
    } else {
        sig3(a)
    }
}

fn list(names: &[String], more: bool, and: &str) -> String {
    let mut s = names.join("; ");
    if more {
        s.push_str(and);
    }
    s
}

pub struct En;

impl Words for En {
    fn lang_code(&self) -> &'static str {
        "en"
    }
    fn number(&self, x: f64) -> String {
        let a = x.abs();
        let body = if a >= 1e9 {
            format!("{} billion", sig3(a / 1e9))
        } else if a >= 1e6 {
            format!("{} million", sig3(a / 1e6))
        } else {
            small(a)
        };
        with_sign(x, body)
    }
    fn hours(&self, h: f64) -> String {
        format_hours(h)
    }
    fn money(&self, x: f64, currency: &str) -> String {
        format!("{} {currency}", self.number(x))
            .trim_end()
            .to_string()
    }

    fn title(&self, scenario: &str) -> String {
        format!("Blast-radius report: {scenario}")
    }
    fn subtitle(&self, trials: u64, seed: u64, horizon: &str) -> String {
        format!(
            "{} simulated runs (seed {seed}) over a horizon of {horizon}",
            thousands(trials)
        )
    }

    fn findings_heading(&self) -> String {
        "Findings".into()
    }
    fn headline(
        &self,
        trials: u64,
        scenario: &str,
        mean: &str,
        low: &str,
        high: &str,
        p95: &str,
        affected_mean: f64,
        affected_p95: f64,
        services: usize,
    ) -> String {
        format!(
            "Across {} simulated runs of “{scenario}”, {mean} user-hours of service are lost \
             on average (95% interval {low} to {high}); in the worst 5% of runs, more than \
             {p95}. A run affects {} of the {} services on average, and {} or more in \
             the worst 5%.",
            thousands(trials),
            count(affected_mean),
            thousands(services as u64),
            thousands(affected_p95.round() as u64),
        )
    }
    fn severity_definition(&self, pct: usize) -> String {
        format!(
            "Words used below. A service outage means most users lose the service: in that \
             run it was fully down at some time, or it was degraded and, at its worst moment, \
             lost at least {pct}% of its users. A service error means it was \
             affected but for fewer than {pct}% of its users: people can retry or work \
             around it. Shares are of the simulated runs."
        )
    }
    fn hit_heading(&self) -> String {
        "The services hit hardest".into()
    }
    fn nothing_hit(&self) -> String {
        "No service was affected in any run.".into()
    }
    fn hit_service(
        &self,
        users: &str,
        p_outage: &str,
        p_error: &str,
        mean_down: &str,
        p95_down: &str,
        user_hours: &str,
    ) -> String {
        format!(
            "{users} users. A service outage in {p_outage} of runs and a service error in \
             {p_error}. Down {mean_down} on average, {p95_down} in the worst 5% of runs; \
             {user_hours} user-hours lost per run."
        )
    }
    fn portals_heading(&self) -> String {
        "Portals: services that take others down with them".into()
    }
    fn no_portals(&self) -> String {
        "No service takes another one down with it.".into()
    }
    fn gateway_sentence(
        &self,
        name: &str,
        duration: &str,
        down: usize,
        users_down: &str,
        multiplier: Option<&str>,
        forever_down: usize,
        forever_users: &str,
        forever_share: &str,
    ) -> String {
        let down_n = thousands(down as u64);
        let mult = multiplier
            .map(|m| format!(": in all, {m} the loss of its own users"))
            .unwrap_or_default();
        let alone = if down > 0 {
            format!(
                "If {name} alone is down for {duration}, {down_n} other service{} and \
                 {users_down} of their users go down with it{mult}.",
                if down == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "If {name} alone is down for {duration}, no other service goes down with it, \
                 but others lose part of their users{mult}."
            )
        };
        let forever = match forever_down {
            0 => String::new(),
            1 => " (1 service down)".into(),
            k => format!(" ({} services down)", thousands(k as u64)),
        };
        format!(
            "{alone} Lost for good, it would cost {forever_users} users of other services \
             their service, {forever_share} of them{forever}."
        )
    }
    fn gateway_robustness(
        &self,
        top: &str,
        half: Option<&str>,
        one_and_half: Option<&str>,
    ) -> String {
        match (half, one_and_half) {
            (None, None) => format!(
                "The ranking is robust to the assumed shares: with every partial dependency's \
                 share halved, or increased by half, {top} stays the top portal."
            ),
            _ => format!(
                "The ranking depends on the assumed shares: with every partial share halved the \
                 top portal is {}, with every share increased by half it is {}.",
                half.unwrap_or(top),
                one_and_half.unwrap_or(top)
            ),
        }
    }
    fn lock_in(&self, locked: &str, share: &str) -> String {
        format!(" {locked} of its users ({share}) have no substitute to turn to.")
    }
    fn marginal_note(&self) -> String {
        "Ranked by gateway reach: the service alone taken out. In this scenario's own \
         incident the services behind a portal often fail in the same event, so the loss \
         attributable to the portal alone (the portal table below) reads lower: a common \
         cause hides a portal there, not here."
            .into()
    }
    fn hidden_heading(&self) -> String {
        "Hidden single points: infrastructure with no users of its own".into()
    }
    fn hidden_sentence(
        &self,
        forever_down: usize,
        forever_users: &str,
        isolated: &str,
        duration: &str,
    ) -> String {
        let forever = match forever_down {
            0 => String::new(),
            1 => " (1 service down)".into(),
            k => format!(" ({} services down)", thousands(k as u64)),
        };
        format!(
            "No user sees it, but lost for good it would cost {forever_users} users of other \
             services their service{forever}; down alone for {duration}, it costs them \
             {isolated} user-hours."
        )
    }
    fn axis_gateway(&self) -> String {
        "users of other services lost with it (lost for good)".into()
    }
    fn gateway_caption(&self, shown: usize, total: usize) -> String {
        let total_n = thousands(total as u64);
        let which = if shown < total {
            format!(
                "The {shown} services with users of their own that reach the most (of {total_n})"
            )
        } else {
            "Every service with users of its own that takes others with it".into()
        };
        format!(
            "{which}: gateway reach, the users of other services that lose them when the \
             service alone is lost for good (a degraded service counts its lost share)."
        )
    }
    fn portal_attributed(
        &self,
        own: &str,
        spill: &str,
        multiplier: Option<&str>,
        count: usize,
        names: &[String],
        more: bool,
    ) -> String {
        let count_n = thousands(count as u64);
        let m = multiplier.map_or(String::new(), |m| {
            format!(" Portal multiplier {m}: the loss through it is {m} its own users' loss.")
        });
        let reach = if count > 0 {
            format!(
                " Lost for good, it takes down {count_n} other service{} ({}).",
                if count == 1 { "" } else { "s" },
                list(names, more, " and more")
            )
        } else {
            String::new()
        };
        format!(
            "When it goes down, its own users lose {own} user-hours per run and {spill} more \
             are lost in services reached through it.{m}{reach}"
        )
    }
    fn portal_no_users(&self, spill: &str, count: usize, names: &[String], more: bool) -> String {
        let count_n = thousands(count as u64);
        let reach = if count > 0 {
            format!(
                " Lost for good, it takes down {count_n} service{} ({}).",
                if count == 1 { "" } else { "s" },
                list(names, more, " and more")
            )
        } else {
            String::new()
        };
        format!(
            "No users of its own, but when it goes down {spill} user-hours per run are lost in \
             the services that rely on it.{reach}"
        )
    }
    fn portal_note(&self, trials: u64) -> String {
        format!(
            "Attributable loss: the user-hours per run that disappear when the service never \
             goes down, on the same random numbers ({} runs), split into its own users' and \
             other services' (spill-over). Portal multiplier = attributable / own.",
            thousands(trials)
        )
    }
    fn portal_structural(
        &self,
        count: usize,
        reach_users: &str,
        own_users: &str,
        multiplier: Option<&str>,
        names: &[String],
        more: bool,
    ) -> String {
        let count_n = thousands(count as u64);
        let m = multiplier.map_or(String::new(), |m| {
            format!(" Everything reached through it has {m} the users it has itself.")
        });
        format!(
            "Losing it takes down {count_n} other service{s} with {reach_users} users in all \
             ({}); it has {own_users} users of its own.{m}",
            list(names, more, " and more"),
            s = if count == 1 { "" } else { "s" }
        )
    }
    fn losses_heading(&self) -> String {
        "The single losses that hurt most".into()
    }
    fn single_loss(
        &self,
        down: usize,
        users: &str,
        degraded: usize,
        unrecoverable: usize,
        names: &[String],
        more: bool,
    ) -> String {
        let down_n = thousands(down as u64);
        let degraded_n = thousands(degraded as u64);
        let unrecoverable_n = thousands(unrecoverable as u64);
        let d = if degraded > 0 {
            format!(" and degrades {degraded_n} more")
        } else {
            String::new()
        };
        let r = if unrecoverable > 0 {
            format!(
                " It leaves {unrecoverable_n} service{} unable to recover.",
                if unrecoverable == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        format!(
            "Lost for good, it takes down {down_n} service{s} with {users} users ({}){d}.{r}",
            list(names, more, " and more"),
            s = if down == 1 { "" } else { "s" }
        )
    }
    fn designs_heading(&self) -> String {
        "Design changes".into()
    }
    fn best_value(&self) -> String {
        "Best value for money".into()
    }
    fn design_value(
        &self,
        name: &str,
        saved: &str,
        low: &str,
        high: &str,
        cost: &str,
        per: &str,
    ) -> String {
        format!(
            "“{name}” saves {saved} user-hours per run (95% interval {low} to {high}) for \
             {cost}: {per} per user-hour saved."
        )
    }
    fn most_saved(&self) -> String {
        "Saves the most".into()
    }
    fn design_saves(&self, name: &str, saved: &str, low: &str, high: &str) -> String {
        format!("“{name}” saves {saved} user-hours per run (95% interval {low} to {high}).")
    }
    fn worse(&self) -> String {
        "Worse than today".into()
    }
    fn design_worse(&self, name: &str, extra: &str) -> String {
        format!("“{name}” loses {extra} more user-hours per run than the base design.")
    }
    fn unclear(&self) -> String {
        "No clear gain".into()
    }
    fn design_unclear(&self, name: &str, low: &str, high: &str) -> String {
        format!("“{name}”: the 95% interval of user-hours saved, {low} to {high}, includes zero.")
    }
    fn journeys_heading(&self) -> String {
        "User journeys".into()
    }
    fn journeys_sentence(
        &self,
        count: usize,
        worst: &str,
        availability: &str,
        mean_down: &str,
        p95_down: &str,
        user_hours: Option<&str>,
        weighted: &str,
    ) -> String {
        let lead = if count == 1 {
            format!("The scenario's one user journey, “{worst}”,")
        } else {
            format!("Of the {count} user journeys, “{worst}” suffers most: it")
        };
        let lost = user_hours.map_or(String::new(), |u| {
            format!(", losing {u} user-hours per run")
        });
        let overall = if count == 1 {
            String::new()
        } else {
            format!(
                " Weighted by how much each journey counts, the journeys are available \
                 {weighted} of the time."
            )
        };
        format!(
            "{lead} is available {availability} of the time; it is down {mean_down} on \
             average and {p95_down} in the worst 5% of runs{lost}.{overall} A journey is down \
             while any service it needs is down."
        )
    }
    fn journeys_header(&self, with_users: bool) -> Vec<String> {
        let mut h: Vec<String> = [
            "Journey",
            "Weight",
            "Available",
            "Down (mean)",
            "Down (worst 5%)",
        ]
        .map(String::from)
        .into();
        if with_users {
            h.push("User-hours lost".into());
        }
        h
    }
    fn services_findings_heading(&self) -> String {
        "All services".into()
    }
    fn deadlocks(&self, share: &str, bootstrap: Option<&str>) -> String {
        match bootstrap {
            Some(b) => format!(
                "Recovery deadlocked in {share} of runs: recovery tools waited on each other \
                 until people broke the cycle by hand, {b} later."
            ),
            None => format!(
                "Recovery deadlocked in {share} of runs: recovery tools waited on each other \
                 and, with no manual bootstrap in the scenario, stayed down to the end."
            ),
        }
    }

    fn tables_heading(&self) -> String {
        "Tables".into()
    }
    fn services_table_heading(&self) -> String {
        "Services, by user-hours lost".into()
    }
    fn services_header(&self, pct: usize) -> Vec<String> {
        vec![
            "service".into(),
            "users".into(),
            "P(affected)".into(),
            format!("P(outage, ≥{pct}%)"),
            format!("P(error, <{pct}%)"),
            "downtime mean".into(),
            "downtime p95".into(),
            "user-hours lost".into(),
            "restored (median)".into(),
        ]
    }
    fn losses_table_heading(&self) -> String {
        "Single losses: each site lost for good, nothing recovering".into()
    }
    fn losses_header(&self) -> Vec<String> {
        vec![
            "site".into(),
            "kind".into(),
            "services down".into(),
            "degraded".into(),
            "users of services down".into(),
            "services down".into(),
        ]
    }
    fn site_kind(&self, k: SiteKind) -> String {
        match k {
            SiteKind::Region => "region",
            SiteKind::DataCenter => "data center",
            SiteKind::Building => "building",
            SiteKind::Room => "room",
            SiteKind::Zone => "zone",
        }
        .into()
    }
    fn harmless_sites(&self, sites: &[String]) -> String {
        format!(
            "Losing any one of these takes no service down: {}.",
            sites.join("; ")
        )
    }
    fn portals_table_heading(&self) -> String {
        "Portals".into()
    }
    fn portals_header(&self, attributed: bool) -> Vec<String> {
        if attributed {
            vec![
                "service".into(),
                "users".into(),
                "services taken down".into(),
                "own user-hours lost".into(),
                "spill-over user-hours".into(),
                "portal multiplier".into(),
            ]
        } else {
            vec![
                "service".into(),
                "users".into(),
                "services taken down".into(),
                "their users".into(),
                "users reached / own".into(),
            ]
        }
    }
    fn designs_table_heading(&self) -> String {
        "Designs compared".into()
    }
    fn designs_header(&self) -> Vec<String> {
        vec![
            "design".into(),
            "cost".into(),
            "user-hours lost".into(),
            "saved (95% interval)".into(),
            "P(better)".into(),
            "cost per user-hour saved".into(),
        ]
    }
    fn base_design(&self) -> String {
        "Base design (as the scenario stands)".into()
    }
    fn unpaired_note(&self) -> String {
        "Each design was run on the same random numbers as the base; the intervals treat the \
         two means as independent, so they are wider than a paired comparison's."
            .into()
    }

    fn charts_heading(&self) -> String {
        "Charts".into()
    }
    fn axis_downtime(&self) -> String {
        "hours down per run".into()
    }
    fn downtime_caption(&self, shown: usize, total: usize) -> String {
        let total_n = thousands(total as u64);
        let which = if shown < total {
            format!("The {shown} services down longest (of {total_n} ever down)")
        } else {
            "Every service that was ever down".into()
        };
        format!(
            "{which}: mean hours down per run (bar), median (dot), and the 5th to 95th \
             percentile of runs (whisker)."
        )
    }
    fn axis_hours(&self) -> String {
        "hours since the start".into()
    }
    fn axis_available(&self) -> String {
        "share of service available (%)".into()
    }
    fn recovery_caption(&self) -> String {
        "Recovery curve: the share of service available over time, weighted by users. The \
         line is the mean over runs, the band runs from the 5th to the 95th percentile."
            .into()
    }
    fn legend_mean(&self) -> String {
        "mean".into()
    }
    fn legend_band(&self) -> String {
        "5th–95th percentile".into()
    }
    fn axis_services_affected(&self) -> String {
        "services affected in a run".into()
    }
    fn axis_share_of_trials(&self) -> String {
        "share of runs (%)".into()
    }
    fn radius_caption(&self, services: usize) -> String {
        let services_n = thousands(services as u64);
        format!(
            "Blast radius: how many of the {services_n} services a run affects (down or \
             degraded at some time), as a share of runs."
        )
    }
    fn axis_saved(&self) -> String {
        "user-hours saved per run against the base design".into()
    }
    fn designs_caption(&self) -> String {
        "Design comparison: user-hours saved per run by each variant, with its 95% interval. \
         Right of zero is better than the base design."
            .into()
    }
    fn axis_restored(&self) -> String {
        "hours from the start until restored".into()
    }
    fn replay_caption(&self) -> String {
        "The replay against reality: for each service with an observed restoration time, \
         when the simulation restored it (median: bar and dot; 5th to 95th percentile of the \
         runs in which it went down: whisker), and when it was really restored (red cross)."
            .into()
    }
    fn replay_sentence(
        &self,
        observed: usize,
        file_pct: &str,
        check: Option<(&str, &str, u64)>,
    ) -> String {
        match check {
            Some((fit, loo, trials)) => format!(
                "Against the {observed} real restoration times, the simulated medians are off \
                 by {file_pct} (median error) as the scenario is written. Fitted to all of \
                 them, the error is {fit} (calibrated); predicting each service from \
                 parameters fitted to the others only, it is {loo} (predicted, leave-one-out, \
                 {trials} runs per fit). The predicted figure is the one that says how far \
                 the model can be trusted for what it was not tuned to."
            ),
            None => format!(
                "Against the {observed} real restoration times, the simulated medians are off \
                 by {file_pct} (median error). The scenario has no named parameters these \
                 services depend on, so nothing was fitted and no leave-one-out prediction \
                 was made."
            ),
        }
    }

    fn graph_heading(&self) -> String {
        "Dependency graph".into()
    }
    fn graph_caption(&self, max_downtime: &str, shown: usize, total: usize) -> String {
        let total_n = thousands(total as u64);
        let which = if shown < total {
            format!(
                " Only the {shown} services with the most user-hours lost (of {total_n}) are drawn."
            )
        } else {
            String::new()
        };
        format!(
            "Each service is an ellipse sized by its users and coloured by its mean downtime \
             per run, from white (never down) through yellow to red ({max_downtime}). \
             Arrows point from a service to what it relies on: solid for a hard dependency, \
             dashed (with the share of users lost) for a partial one. Recovery needs are not \
             drawn; `blastradius graph` writes every edge as DOT.{which}"
        )
    }
    fn graph_failed(&self) -> String {
        "The dependency graph could not be laid out; `blastradius graph` writes it as DOT.".into()
    }

    fn assumptions_heading(&self) -> String {
        "Assumptions and sources".into()
    }
    fn notes_heading(&self) -> String {
        "Modelling notes from the scenario file".into()
    }
    fn model_heading(&self) -> String {
        "What the scenario plays".into()
    }
    fn horizon(&self) -> String {
        "Horizon".into()
    }
    fn recovery(&self) -> String {
        "Recovery".into()
    }
    fn recovery_text(
        &self,
        crews: Option<usize>,
        by_users: bool,
        bootstrap: Option<&str>,
    ) -> String {
        let crews = match crews {
            Some(c) => format!(
                "{c} recovery task{} at a time, {}",
                if c == 1 { "" } else { "s" },
                if by_users {
                    "services with the most users first"
                } else {
                    "in the order of the file"
                }
            ),
            None => "every recovery task at once".into(),
        };
        let boot = match bootstrap {
            Some(b) => format!("; a recovery deadlock is broken by hand after {b}"),
            None => "; a recovery deadlock is never broken".into(),
        };
        format!("{crews}{boot}.")
    }
    fn event_text(&self, site: &str, probability: &str, destroys: bool) -> String {
        format!(
            "hits {site} with probability {probability}{}.",
            if destroys {
                ", destroying what runs there"
            } else {
                ""
            }
        )
    }
    fn event_sites(&self, count: Option<usize>, names: &[&str], within: Option<&str>) -> String {
        match (count, within) {
            (Some(k), Some(w)) => {
                format!("{k} of the {} sites in {w}, picked at random", names.len())
            }
            (Some(k), None) => format!("{k} of {}, picked at random", names.join(", ")),
            (None, _) => names.join(", "),
        }
    }
    fn services_described_heading(&self) -> String {
        "Services".into()
    }
    fn variants_heading(&self) -> String {
        "Design variants".into()
    }
    fn cost_is(&self, cost: &str) -> String {
        format!("Cost: {cost}.")
    }
    fn sources_heading(&self) -> String {
        "Sources".into()
    }
    fn no_sources(&self) -> String {
        "The scenario file cites no sources.".into()
    }

    fn reproducibility_heading(&self) -> String {
        "Reproducibility".into()
    }
    fn version(&self) -> String {
        "blastradius version".into()
    }
    fn scenario_file(&self) -> String {
        "Scenario file".into()
    }
    fn seed(&self) -> String {
        "Seed".into()
    }
    fn trials(&self) -> String {
        "Trials".into()
    }
    fn outage_threshold(&self) -> String {
        "Outage threshold".into()
    }
    fn rerun(&self) -> String {
        "The same scenario file, seed and number of trials give the same numbers on any \
         machine and any number of threads. To rerun:"
            .into()
    }
}

pub struct Ko;

impl Ko {
    fn won(currency: &str) -> &str {
        if currency == "KRW" {
            "원"
        } else {
            currency
        }
    }
}

impl Words for Ko {
    fn lang_code(&self) -> &'static str {
        "ko"
    }
    fn number(&self, x: f64) -> String {
        let a = x.abs();
        let body = if a >= 1e12 {
            format!("{}조", sig3(a / 1e12))
        } else if a >= 1e8 {
            format!("{}억", sig3(a / 1e8))
        } else if a >= 1e4 {
            format!("{}만", thousands((a / 1e4).round() as u64))
        } else {
            small(a)
        };
        with_sign(x, body)
    }
    fn hours(&self, h: f64) -> String {
        if !h.is_finite() {
            return "-".into();
        }
        if h < 1.0 / 60.0 {
            return format!("{:.0}초", h * 3600.0);
        }
        if h < 1.0 {
            return format!("{:.0}분", h * 60.0);
        }
        if h < 48.0 {
            let whole = h.floor();
            let m = ((h - whole) * 60.0).round();
            if (1.0..60.0).contains(&m) {
                return format!("{whole:.0}시간 {m:.0}분");
            }
            return format!("{:.0}시간", h.round());
        }
        let d = (h / 24.0).floor();
        let rest = (h - d * 24.0).round();
        if (1.0..24.0).contains(&rest) {
            format!("{d:.0}일 {rest:.0}시간")
        } else {
            format!("{:.0}일", (h / 24.0).round())
        }
    }
    fn money(&self, x: f64, currency: &str) -> String {
        format!("{} {}", self.number(x), Ko::won(currency))
            .trim_end()
            .to_string()
    }

    fn title(&self, scenario: &str) -> String {
        format!("장애 파급 범위 보고서: {scenario}")
    }
    fn subtitle(&self, trials: u64, seed: u64, horizon: &str) -> String {
        format!(
            "모의실험 {}회 (시드 {seed}), 분석 기간 {horizon}",
            thousands(trials)
        )
    }

    fn findings_heading(&self) -> String {
        "주요 결과".into()
    }
    fn headline(
        &self,
        trials: u64,
        scenario: &str,
        mean: &str,
        low: &str,
        high: &str,
        p95: &str,
        affected_mean: f64,
        affected_p95: f64,
        services: usize,
    ) -> String {
        format!(
            "「{scenario}」을(를) {}회 모의실험한 결과, 한 번에 평균 {mean} 사용자·시간의 \
             서비스가 중단되었습니다(95% 구간 {low}~{high}). 가장 나쁜 5%의 경우에는 {p95} \
             사용자·시간을 넘습니다. 한 번의 사고로 서비스 {}개 중 평균 {}개가 영향을 \
             받고, 가장 나쁜 5%의 경우 {}개 이상이 영향을 받습니다.",
            thousands(trials),
            thousands(services as u64),
            count(affected_mean),
            thousands(affected_p95.round() as u64),
        )
    }
    fn severity_definition(&self, pct: usize) -> String {
        format!(
            "용어: 서비스 장애는 사용자 대부분이 서비스를 쓸 수 없는 경우입니다. 해당 \
             모의실험에서 서비스가 한때 완전히 멈췄거나, 기능이 저하되어 가장 심할 때 {pct}% \
             이상의 사용자가 서비스를 잃은 경우를 말합니다. 서비스 오류는 영향을 받았지만 \
             서비스를 잃은 사용자가 {pct}% 미만인 경우로, 사용자가 다시 시도하거나 우회할 \
             수 있습니다. 비율은 전체 모의실험 중의 비율입니다."
        )
    }
    fn hit_heading(&self) -> String {
        "가장 큰 피해를 입는 서비스".into()
    }
    fn nothing_hit(&self) -> String {
        "어떤 모의실험에서도 영향을 받은 서비스가 없습니다.".into()
    }
    fn hit_service(
        &self,
        users: &str,
        p_outage: &str,
        p_error: &str,
        mean_down: &str,
        p95_down: &str,
        user_hours: &str,
    ) -> String {
        format!(
            "사용자 {users}명. 모의실험의 {p_outage}에서 서비스 장애, {p_error}에서 서비스 \
             오류. 평균 {mean_down} 중단, 가장 나쁜 5%에서는 {p95_down}. 한 번에 \
             {user_hours} 사용자·시간 손실."
        )
    }
    fn portals_heading(&self) -> String {
        "관문 서비스: 멈추면 다른 서비스까지 함께 멈추는 서비스".into()
    }
    fn no_portals(&self) -> String {
        "다른 서비스를 함께 멈추게 하는 서비스는 없습니다.".into()
    }
    fn gateway_sentence(
        &self,
        name: &str,
        duration: &str,
        down: usize,
        users_down: &str,
        multiplier: Option<&str>,
        forever_down: usize,
        forever_users: &str,
        forever_share: &str,
    ) -> String {
        let down_n = thousands(down as u64);
        let forever_down_n = thousands(forever_down as u64);
        let mult = multiplier
            .map(|m| format!(" 모두 합친 손실은 자기 이용자 손실의 {m}입니다."))
            .unwrap_or_default();
        let alone = if down > 0 {
            format!(
                "{name}만 {duration} 멈추면 다른 서비스 {down_n}개와 그 이용자 {users_down}명이 \
                 함께 멈춥니다.{mult}"
            )
        } else {
            format!(
                "{name}만 {duration} 멈추면 함께 멈추는 다른 서비스는 없지만, 다른 서비스들이 \
                 이용자 일부를 잃습니다.{mult}"
            )
        };
        let forever = if forever_down > 0 {
            format!(" (서비스 {forever_down_n}개 중단)")
        } else {
            String::new()
        };
        format!(
            "{alone} 아예 잃으면 다른 서비스 이용자 {forever_users}명({forever_share})이 함께 \
             서비스를 잃습니다{forever}."
        )
    }
    fn gateway_robustness(
        &self,
        top: &str,
        half: Option<&str>,
        one_and_half: Option<&str>,
    ) -> String {
        match (half, one_and_half) {
            (None, None) => format!(
                "이 순위는 가정한 비율에 흔들리지 않습니다. 부분 의존의 비율을 모두 절반으로 \
                 줄이거나 1.5배로 늘려도 {top}이(가) 가장 큰 관문입니다."
            ),
            _ => format!(
                "이 순위는 가정한 비율에 달려 있습니다. 부분 의존의 비율을 모두 절반으로 \
                 줄이면 가장 큰 관문은 {}, 1.5배로 늘리면 {}입니다.",
                half.unwrap_or(top),
                one_and_half.unwrap_or(top)
            ),
        }
    }
    fn lock_in(&self, locked: &str, share: &str) -> String {
        format!(" 이용자 중 {locked}명({share})은 옮겨 갈 대안이 없습니다.")
    }
    fn marginal_note(&self) -> String {
        "관문 도달 범위(그 서비스만 멈춘 경우)로 순위를 매겼습니다. 이 시나리오의 사고에서는 \
         관문 뒤의 서비스들도 같은 사고로 멈추고 더 오래 멈춰 있는 일이 많아, 관문 하나에만 \
         돌릴 수 있는 손실(아래 관문 표)은 더 작게 나옵니다. 공통 원인은 그 지표에서 관문을 \
         가리지만, 이 지표에서는 가리지 못합니다."
            .into()
    }
    fn hidden_heading(&self) -> String {
        "숨은 단일 장애점: 자기 이용자가 없는 기반 시설".into()
    }
    fn hidden_sentence(
        &self,
        forever_down: usize,
        forever_users: &str,
        isolated: &str,
        duration: &str,
    ) -> String {
        let forever_down_n = thousands(forever_down as u64);
        let forever = if forever_down > 0 {
            format!(" (서비스 {forever_down_n}개 중단)")
        } else {
            String::new()
        };
        format!(
            "이용자에게 보이지 않지만, 아예 잃으면 다른 서비스 이용자 {forever_users}명이 \
             서비스를 잃습니다{forever}. 혼자 {duration} 멈추면 다른 서비스가 {isolated} \
             사용자·시간을 잃습니다."
        )
    }
    fn axis_gateway(&self) -> String {
        "함께 서비스를 잃는 다른 서비스 이용자 수 (아예 잃을 때)".into()
    }
    fn gateway_caption(&self, shown: usize, total: usize) -> String {
        let total_n = thousands(total as u64);
        let which = if shown < total {
            format!("자기 이용자가 있고 도달 범위가 가장 큰 서비스 {shown}개 ({total_n}개 중)")
        } else {
            "자기 이용자가 있고 다른 서비스를 함께 멈추게 하는 모든 서비스".into()
        };
        format!(
            "{which}: 관문 도달 범위, 그 서비스만 아예 잃을 때 함께 서비스를 잃는 다른 \
             서비스의 이용자 수(기능이 저하된 서비스는 잃은 비율만큼)."
        )
    }
    fn portal_attributed(
        &self,
        own: &str,
        spill: &str,
        multiplier: Option<&str>,
        count: usize,
        names: &[String],
        more: bool,
    ) -> String {
        let count_n = thousands(count as u64);
        let m = multiplier.map_or(String::new(), |m| {
            format!(" 관문 배수 {m}: 이 서비스를 통한 손실이 자체 사용자 손실의 {m}입니다.")
        });
        let reach = if count > 0 {
            format!(
                " 완전히 잃으면 다른 서비스 {count_n}개가 함께 멈춥니다({}).",
                list(names, more, " 등")
            )
        } else {
            String::new()
        };
        format!(
            "이 서비스가 멈추면 자체 사용자가 한 번에 {own} 사용자·시간을 잃고, 이 서비스를 \
             거쳐 쓰는 다른 서비스에서 {spill} 사용자·시간을 더 잃습니다.{m}{reach}"
        )
    }
    fn portal_no_users(&self, spill: &str, count: usize, names: &[String], more: bool) -> String {
        let count_n = thousands(count as u64);
        let reach = if count > 0 {
            format!(
                " 완전히 잃으면 서비스 {count_n}개가 함께 멈춥니다({}).",
                list(names, more, " 등")
            )
        } else {
            String::new()
        };
        format!(
            "자체 사용자는 없지만, 이 서비스가 멈추면 이 서비스에 기대는 서비스에서 한 번에 \
             {spill} 사용자·시간을 잃습니다.{reach}"
        )
    }
    fn portal_note(&self, trials: u64) -> String {
        format!(
            "귀속 손실: 같은 난수({}회)에서 해당 서비스가 전혀 멈추지 않았다면 사라지는 한 번당 \
             사용자·시간으로, 자체 사용자의 손실과 다른 서비스의 손실(파급)로 나눕니다. \
             관문 배수 = 귀속 손실 / 자체 손실.",
            thousands(trials)
        )
    }
    fn portal_structural(
        &self,
        count: usize,
        reach_users: &str,
        own_users: &str,
        multiplier: Option<&str>,
        names: &[String],
        more: bool,
    ) -> String {
        let count_n = thousands(count as u64);
        let m = multiplier.map_or(String::new(), |m| {
            format!(" 함께 멈추는 서비스까지 합친 사용자는 자체 사용자의 {m}입니다.")
        });
        format!(
            "이 서비스를 잃으면 다른 서비스 {count_n}개(사용자 합계 {reach_users}명)가 함께 \
             멈춥니다({}). 자체 사용자는 {own_users}명입니다.{m}",
            list(names, more, " 등")
        )
    }
    fn losses_heading(&self) -> String {
        "가장 치명적인 단일 손실".into()
    }
    fn single_loss(
        &self,
        down: usize,
        users: &str,
        degraded: usize,
        unrecoverable: usize,
        names: &[String],
        more: bool,
    ) -> String {
        let down_n = thousands(down as u64);
        let degraded_n = thousands(degraded as u64);
        let unrecoverable_n = thousands(unrecoverable as u64);
        let d = if degraded > 0 {
            format!(", 서비스 {degraded_n}개의 기능이 저하됩니다")
        } else {
            String::new()
        };
        let r = if unrecoverable > 0 {
            format!(" 서비스 {unrecoverable_n}개는 복구할 수단을 잃습니다.")
        } else {
            String::new()
        };
        format!(
            "완전히 잃으면 서비스 {down_n}개(사용자 {users}명)가 멈추고({}){d}.{r}",
            list(names, more, " 등")
        )
    }
    fn designs_heading(&self) -> String {
        "설계 변경".into()
    }
    fn best_value(&self) -> String {
        "비용 대비 가장 효과적".into()
    }
    fn design_value(
        &self,
        name: &str,
        saved: &str,
        low: &str,
        high: &str,
        cost: &str,
        per: &str,
    ) -> String {
        format!(
            "「{name}」: 비용 {cost}으로 한 번에 {saved} 사용자·시간을 줄입니다(95% 구간 \
             {low}~{high}). 줄인 사용자·시간당 {per}."
        )
    }
    fn most_saved(&self) -> String {
        "가장 많이 줄임".into()
    }
    fn design_saves(&self, name: &str, saved: &str, low: &str, high: &str) -> String {
        format!("「{name}」: 한 번에 {saved} 사용자·시간을 줄입니다(95% 구간 {low}~{high}).")
    }
    fn worse(&self) -> String {
        "현재보다 나쁨".into()
    }
    fn design_worse(&self, name: &str, extra: &str) -> String {
        format!("「{name}」: 현재 설계보다 한 번에 {extra} 사용자·시간을 더 잃습니다.")
    }
    fn unclear(&self) -> String {
        "효과 불분명".into()
    }
    fn design_unclear(&self, name: &str, low: &str, high: &str) -> String {
        format!("「{name}」: 줄이는 사용자·시간의 95% 구간({low}~{high})에 0이 포함됩니다.")
    }
    fn journeys_heading(&self) -> String {
        "사용자 여정".into()
    }
    fn journeys_sentence(
        &self,
        count: usize,
        worst: &str,
        availability: &str,
        mean_down: &str,
        p95_down: &str,
        user_hours: Option<&str>,
        weighted: &str,
    ) -> String {
        let lead = if count == 1 {
            format!("사용자 여정 「{worst}」은(는)")
        } else {
            format!("사용자 여정 {count}개 중 가장 큰 피해를 입는 「{worst}」은(는)")
        };
        let lost = user_hours.map_or(String::new(), |u| {
            format!(" 한 번에 {u} 사용자·시간이 손실됩니다.")
        });
        let overall = if count == 1 {
            String::new()
        } else {
            format!(" 여정마다 비중을 두어 가중하면 여정은 전체 시간의 {weighted} 동안 이용할 수 있습니다.")
        };
        format!(
            "{lead} 전체 시간의 {availability} 동안 이용할 수 있고, 평균 {mean_down}, 가장 \
             나쁜 5%의 경우 {p95_down} 동안 중단됩니다.{lost}{overall} 여정은 필요한 서비스 \
             중 하나라도 멈추면 중단됩니다."
        )
    }
    fn journeys_header(&self, with_users: bool) -> Vec<String> {
        let mut h: Vec<String> = ["여정", "비중", "이용 가능", "중단 (평균)", "중단 (최악 5%)"]
            .map(String::from)
            .into();
        if with_users {
            h.push("사용자·시간 손실".into());
        }
        h
    }
    fn services_findings_heading(&self) -> String {
        "전체 서비스".into()
    }
    fn deadlocks(&self, share: &str, bootstrap: Option<&str>) -> String {
        match bootstrap {
            Some(b) => format!(
                "모의실험의 {share}에서 복구 교착이 일어났습니다. 복구 도구들이 서로를 \
                 기다리다가 {b} 뒤에 사람이 직접 순환을 끊었습니다."
            ),
            None => format!(
                "모의실험의 {share}에서 복구 교착이 일어났습니다. 복구 도구들이 서로를 \
                 기다렸고, 시나리오에 수동 복구 절차가 없어 끝까지 멈춰 있었습니다."
            ),
        }
    }

    fn tables_heading(&self) -> String {
        "표".into()
    }
    fn services_table_heading(&self) -> String {
        "서비스별 손실 (사용자·시간 순)".into()
    }
    fn services_header(&self, pct: usize) -> Vec<String> {
        vec![
            "서비스".into(),
            "사용자".into(),
            "영향 확률".into(),
            format!("장애 확률 (≥{pct}%)"),
            format!("오류 확률 (<{pct}%)"),
            "평균 중단".into(),
            "중단 p95".into(),
            "손실 사용자·시간".into(),
            "복구 시점 (중앙값)".into(),
        ]
    }
    fn losses_table_heading(&self) -> String {
        "단일 손실: 각 장소를 완전히 잃고 아무것도 복구되지 않을 때".into()
    }
    fn losses_header(&self) -> Vec<String> {
        vec![
            "장소".into(),
            "종류".into(),
            "멈추는 서비스 수".into(),
            "기능 저하".into(),
            "멈추는 서비스의 사용자".into(),
            "멈추는 서비스".into(),
        ]
    }
    fn site_kind(&self, k: SiteKind) -> String {
        match k {
            SiteKind::Region => "지역",
            SiteKind::DataCenter => "데이터센터",
            SiteKind::Building => "건물",
            SiteKind::Room => "전산실",
            SiteKind::Zone => "구역",
        }
        .into()
    }
    fn harmless_sites(&self, sites: &[String]) -> String {
        format!(
            "다음 장소는 하나를 잃어도 멈추는 서비스가 없습니다: {}.",
            sites.join("; ")
        )
    }
    fn portals_table_heading(&self) -> String {
        "관문 서비스".into()
    }
    fn portals_header(&self, attributed: bool) -> Vec<String> {
        if attributed {
            vec![
                "서비스".into(),
                "사용자".into(),
                "함께 멈추는 서비스 수".into(),
                "자체 손실 사용자·시간".into(),
                "파급 손실 사용자·시간".into(),
                "관문 배수".into(),
            ]
        } else {
            vec![
                "서비스".into(),
                "사용자".into(),
                "함께 멈추는 서비스 수".into(),
                "그 사용자".into(),
                "도달 사용자 / 자체 사용자".into(),
            ]
        }
    }
    fn designs_table_heading(&self) -> String {
        "설계 비교".into()
    }
    fn designs_header(&self) -> Vec<String> {
        vec![
            "설계".into(),
            "비용".into(),
            "손실 사용자·시간".into(),
            "절감 (95% 구간)".into(),
            "개선 확률".into(),
            "절감 사용자·시간당 비용".into(),
        ]
    }
    fn base_design(&self) -> String {
        "현재 설계 (시나리오 그대로)".into()
    }
    fn unpaired_note(&self) -> String {
        "각 설계는 현재 설계와 같은 난수로 실행했습니다. 구간은 두 평균을 독립으로 보고 \
         계산했으므로, 짝지은 비교의 구간보다 넓습니다."
            .into()
    }

    fn charts_heading(&self) -> String {
        "그래프".into()
    }
    fn axis_downtime(&self) -> String {
        "한 번의 사고당 중단 시간 (시간)".into()
    }
    fn downtime_caption(&self, shown: usize, total: usize) -> String {
        let total_n = thousands(total as u64);
        let which = if shown < total {
            format!("가장 오래 멈춘 서비스 {shown}개 (한 번이라도 멈춘 {total_n}개 중)")
        } else {
            "한 번이라도 멈춘 모든 서비스".into()
        };
        format!("{which}: 한 번당 평균 중단 시간(막대), 중앙값(점), 모의실험의 5~95 백분위(수염).")
    }
    fn axis_hours(&self) -> String {
        "사고 후 경과 시간 (시간)".into()
    }
    fn axis_available(&self) -> String {
        "이용 가능한 서비스 비율 (%)".into()
    }
    fn recovery_caption(&self) -> String {
        "복구 곡선: 시간에 따라 이용 가능한 서비스의 비율(사용자 수 가중). 선은 \
         모의실험 평균, 띠는 5~95 백분위입니다."
            .into()
    }
    fn legend_mean(&self) -> String {
        "평균".into()
    }
    fn legend_band(&self) -> String {
        "5~95 백분위".into()
    }
    fn axis_services_affected(&self) -> String {
        "한 번의 사고로 영향을 받은 서비스 수".into()
    }
    fn axis_share_of_trials(&self) -> String {
        "모의실험 비율 (%)".into()
    }
    fn radius_caption(&self, services: usize) -> String {
        let services_n = thousands(services as u64);
        format!(
            "파급 범위: 한 번의 사고로 서비스 {services_n}개 중 몇 개가 영향을 받는지(한때 \
             멈추거나 기능이 저하됨)를 모의실험 비율로 나타냅니다."
        )
    }
    fn axis_saved(&self) -> String {
        "현재 설계 대비 한 번당 절감 사용자·시간".into()
    }
    fn designs_caption(&self) -> String {
        "설계 비교: 각 대안이 한 번에 줄이는 사용자·시간과 95% 구간. 0보다 오른쪽이면 \
         현재 설계보다 낫습니다."
            .into()
    }
    fn axis_restored(&self) -> String {
        "복구까지 걸린 시간 (시간)".into()
    }
    fn replay_caption(&self) -> String {
        "재현과 실제: 실제 복구 시각이 알려진 서비스마다, 모의실험에서 복구된 시각(중앙값: \
         막대와 점, 그 서비스가 멈춘 모의실험의 5~95 백분위: 수염)과 실제 복구 시각(빨간 \
         ×표)."
            .into()
    }
    fn replay_sentence(
        &self,
        observed: usize,
        file_pct: &str,
        check: Option<(&str, &str, u64)>,
    ) -> String {
        match check {
            Some((fit, loo, trials)) => format!(
                "실제 복구 시각 {observed}개와 비교하면, 시나리오 그대로의 모의실험 중앙값은 \
                 {file_pct}(오차의 중앙값) 어긋납니다. 모든 실제 시각에 맞춘(보정) 오차는 \
                 {fit}, 각 서비스를 빼고 나머지에 맞춘 매개변수로 그 서비스를 예측한(예측, \
                 하나씩 빼기 검증, 맞춤마다 {trials}회) 오차는 {loo}입니다. 모델이 맞추지 \
                 않은 것을 얼마나 믿을 수 있는지는 예측 오차가 말해 줍니다."
            ),
            None => format!(
                "실제 복구 시각 {observed}개와 비교하면, 모의실험 중앙값은 {file_pct}(오차의 \
                 중앙값) 어긋납니다. 이 서비스들이 쓰는 이름 붙은 매개변수가 시나리오에 없어 \
                 맞춤과 하나씩 빼기 예측은 하지 않았습니다."
            ),
        }
    }

    fn graph_heading(&self) -> String {
        "의존 관계도".into()
    }
    fn graph_caption(&self, max_downtime: &str, shown: usize, total: usize) -> String {
        let total_n = thousands(total as u64);
        let which = if shown < total {
            format!(" 손실 사용자·시간이 가장 큰 서비스 {shown}개만 그렸습니다(전체 {total_n}개).")
        } else {
            String::new()
        };
        format!(
            "타원 하나가 서비스 하나이며, 크기는 사용자 수, 색은 한 번당 평균 중단 시간을 \
             나타냅니다(흰색: 멈춘 적 없음, 노란색에서 빨간색: {max_downtime}). \
             화살표는 서비스에서 그 서비스가 의존하는 대상으로 향합니다. 실선은 필수 의존, \
             점선(잃는 사용자 비율 표시)은 부분 의존입니다. 복구에 필요한 서비스는 그리지 \
             않았으며, `blastradius graph`가 모든 관계를 DOT 형식으로 씁니다.{which}"
        )
    }
    fn graph_failed(&self) -> String {
        "의존 관계도를 배치하지 못했습니다. `blastradius graph`로 DOT 형식을 얻을 수 있습니다."
            .into()
    }

    fn assumptions_heading(&self) -> String {
        "가정과 출처".into()
    }
    fn notes_heading(&self) -> String {
        "시나리오 파일의 모델링 메모".into()
    }
    fn model_heading(&self) -> String {
        "시나리오 내용".into()
    }
    fn horizon(&self) -> String {
        "분석 기간".into()
    }
    fn recovery(&self) -> String {
        "복구".into()
    }
    fn recovery_text(
        &self,
        crews: Option<usize>,
        by_users: bool,
        bootstrap: Option<&str>,
    ) -> String {
        let crews = match crews {
            Some(c) => format!(
                "복구 작업은 한 번에 {c}개, {}",
                if by_users {
                    "사용자가 많은 서비스부터"
                } else {
                    "파일에 적힌 순서대로"
                }
            ),
            None => "모든 복구 작업을 동시에 진행".into(),
        };
        let boot = match bootstrap {
            Some(b) => format!("; 복구 교착은 {b} 뒤 수동으로 해소"),
            None => "; 복구 교착은 해소되지 않음".into(),
        };
        format!("{crews}{boot}.")
    }
    fn event_text(&self, site: &str, probability: &str, destroys: bool) -> String {
        format!(
            "{site}에 확률 {probability}로 발생{}.",
            if destroys {
                ", 그곳의 설비를 파괴"
            } else {
                ""
            }
        )
    }
    fn event_sites(&self, count: Option<usize>, names: &[&str], within: Option<&str>) -> String {
        match (count, within) {
            (Some(k), Some(w)) => format!("{w} 안의 사이트 {}곳 중 무작위로 {k}곳", names.len()),
            (Some(k), None) => format!("{} 중 무작위로 {k}곳", names.join(", ")),
            (None, _) => names.join(", "),
        }
    }
    fn services_described_heading(&self) -> String {
        "서비스".into()
    }
    fn variants_heading(&self) -> String {
        "설계 대안".into()
    }
    fn cost_is(&self, cost: &str) -> String {
        format!("비용: {cost}.")
    }
    fn sources_heading(&self) -> String {
        "출처".into()
    }
    fn no_sources(&self) -> String {
        "시나리오 파일에 출처가 없습니다.".into()
    }

    fn reproducibility_heading(&self) -> String {
        "재현 정보".into()
    }
    fn version(&self) -> String {
        "blastradius 버전".into()
    }
    fn scenario_file(&self) -> String {
        "시나리오 파일".into()
    }
    fn seed(&self) -> String {
        "시드".into()
    }
    fn trials(&self) -> String {
        "모의실험 횟수".into()
    }
    fn outage_threshold(&self) -> String {
        "장애 기준".into()
    }
    fn rerun(&self) -> String {
        "같은 시나리오 파일, 시드, 횟수로 실행하면 어떤 컴퓨터에서든, 스레드 수와 관계없이 \
         같은 숫자가 나옵니다. 다시 실행하려면:"
            .into()
    }
}

/// The words of the report's "Risk per year" section (`analysis::risk`), in both
/// languages. Numbers come formatted by the same language's [`Words`] methods.
pub trait RiskWords {
    fn risk_heading(&self) -> String;
    /// The one line of a scenario without `per_year`.
    fn risk_nothing(&self) -> String;
    fn risk_expected(&self, mean: &str, low: &str, high: &str, trials: u64) -> String;
    fn risk_event(&self, per_year: &str, given: &str, per_year_loss: &str) -> String;
    fn risk_hazards_lead(&self) -> String;
    fn risk_hazards(&self, per_year_loss: &str) -> String;
    fn risk_left_out(&self, names: &[String]) -> String;
    fn risk_assumption(&self) -> String;
    fn axis_users_at_least(&self) -> String;
    fn axis_per_year(&self) -> String;
    fn legend_interval(&self) -> String;
    fn fn_caption(&self) -> String;
    fn thresholds_heading(&self) -> String;
    fn thresholds_header(&self) -> Vec<String>;
    fn threshold_conditions(
        &self,
        downtime: Option<&str>,
        users: Option<&str>,
        share: Option<&str>,
    ) -> String;
    fn thresholds_note(&self) -> String;
    fn tolerances_heading(&self) -> String;
    fn tolerances_header(&self) -> Vec<String>;
    fn once_every(&self, years: &str) -> String;
    fn concentration_heading(&self) -> String;
    /// 0: one site, 1: one data center, 2: one service.
    fn concentration_lead(&self, kind: usize) -> String;
    fn concentration_note(&self) -> String;
}

impl RiskWords for En {
    fn risk_heading(&self) -> String {
        "Risk per year".into()
    }
    fn risk_nothing(&self) -> String {
        "No event of this scenario has a yearly frequency (per_year), so there is nothing to annualise.".into()
    }
    fn risk_expected(&self, mean: &str, low: &str, high: &str, trials: u64) -> String {
        format!(
            "Expected loss: {mean} user-hours per year (95% interval {low} – {high}), \
             from {} trials of each event with a yearly frequency, forced to happen.",
            thousands(trials)
        )
    }
    fn risk_event(&self, per_year: &str, given: &str, per_year_loss: &str) -> String {
        format!(
            "{per_year} times a year; {given} user-hours lost each time; {per_year_loss} per year."
        )
    }
    fn risk_hazards_lead(&self) -> String {
        "Background hazards".into()
    }
    fn risk_hazards(&self, per_year_loss: &str) -> String {
        format!("{per_year_loss} user-hours per year (a run without events, scaled to a year).")
    }
    fn risk_left_out(&self, names: &[String]) -> String {
        format!(
            "Left out, having no yearly frequency: {}.",
            list(names, false, "and")
        )
    }
    fn risk_assumption(&self) -> String {
        "Assumption: each event is independent and incidents are rare enough not to overlap, \
         so yearly figures add up over events. Background hazards count in the expected loss \
         only, not in the curve or the tables below."
            .into()
    }
    fn axis_users_at_least(&self) -> String {
        "users affected, at least (N)".into()
    }
    fn axis_per_year(&self) -> String {
        "incidents per year (F)".into()
    }
    fn legend_interval(&self) -> String {
        "95% interval".into()
    }
    fn fn_caption(&self) -> String {
        "F–N curve (societal risk): how many incidents a year affect at least N users, on \
         log–log axes, with its 95% interval."
            .into()
    }
    fn thresholds_heading(&self) -> String {
        "Incident classes (thresholds)".into()
    }
    fn thresholds_header(&self) -> Vec<String> {
        vec![
            "Threshold".into(),
            "Breached when".into(),
            "Chance per incident".into(),
            "Per year (95% interval)".into(),
            "Once every".into(),
        ]
    }
    fn threshold_conditions(
        &self,
        downtime: Option<&str>,
        users: Option<&str>,
        share: Option<&str>,
    ) -> String {
        let mut parts = Vec::new();
        if let Some(u) = users {
            parts.push(format!("at least {u} users"));
        }
        if let Some(s) = share {
            parts.push(format!("at least {s} of all users"));
        }
        let who = if parts.is_empty() {
            "users".to_string()
        } else {
            parts.join(" and ")
        };
        match downtime {
            Some(d) => format!("{who} without service for {d} or more"),
            None => format!("{who} affected"),
        }
    }
    fn thresholds_note(&self) -> String {
        "Thresholds are examples from public rules to check against the rule's current \
         text, not built-in law (docs/risk.md)."
            .into()
    }
    fn tolerances_heading(&self) -> String {
        "Impact tolerances".into()
    }
    fn tolerances_header(&self) -> Vec<String> {
        vec![
            "Service".into(),
            "Tolerance".into(),
            "Chance per incident of a longer outage".into(),
            "Per year (95% interval)".into(),
            "Once every".into(),
        ]
    }
    fn once_every(&self, years: &str) -> String {
        format!("{years} years")
    }
    fn concentration_heading(&self) -> String {
        "Concentration: how much hangs on one place".into()
    }
    fn concentration_lead(&self, kind: usize) -> String {
        ["One site lost", "One data center lost", "One service lost"][kind.min(2)].into()
    }
    fn concentration_note(&self) -> String {
        "Share of all users whose services go down when it is lost for good (whatif). \
         Substitutes are not modelled: every user of a service that goes down counts as \
         without it."
            .into()
    }
}

impl RiskWords for Ko {
    fn risk_heading(&self) -> String {
        "연간 위험".into()
    }
    fn risk_nothing(&self) -> String {
        "이 시나리오의 사건에는 연간 빈도(per_year)가 없어 연간 위험을 계산하지 않았습니다.".into()
    }
    fn risk_expected(&self, mean: &str, low: &str, high: &str, trials: u64) -> String {
        format!(
            "기대 손실: 연간 {mean} 사용자·시간 (95% 구간 {low} – {high}). 연간 빈도가 있는 \
             사건마다 그 사건이 일어난다고 두고 {}회 시행한 결과입니다.",
            thousands(trials)
        )
    }
    fn risk_event(&self, per_year: &str, given: &str, per_year_loss: &str) -> String {
        format!("연 {per_year}회, 한 번에 {given} 사용자·시간 손실, 연간 {per_year_loss}.")
    }
    fn risk_hazards_lead(&self) -> String {
        "상시 고장".into()
    }
    fn risk_hazards(&self, per_year_loss: &str) -> String {
        format!("연간 {per_year_loss} 사용자·시간 (사건 없이 시행해 1년으로 환산).")
    }
    fn risk_left_out(&self, names: &[String]) -> String {
        format!("연간 빈도가 없어 제외: {}.", list(names, false, "및"))
    }
    fn risk_assumption(&self) -> String {
        "가정: 사건은 서로 독립이고 드물어서 겹치지 않으므로 연간 수치를 사건별로 더합니다. \
         상시 고장은 기대 손실에만 넣고, 아래 곡선과 표에는 넣지 않습니다."
            .into()
    }
    fn axis_users_at_least(&self) -> String {
        "영향받은 사용자 수 (N 이상)".into()
    }
    fn axis_per_year(&self) -> String {
        "연간 사고 횟수 (F)".into()
    }
    fn legend_interval(&self) -> String {
        "95% 구간".into()
    }
    fn fn_caption(&self) -> String {
        "F–N 곡선(사회적 위험): 사용자 N명 이상에게 영향을 주는 사고가 1년에 몇 번 \
         일어나는지, 로그–로그 축과 95% 구간."
            .into()
    }
    fn thresholds_heading(&self) -> String {
        "사고 등급 (기준)".into()
    }
    fn thresholds_header(&self) -> Vec<String> {
        vec![
            "기준".into(),
            "해당 조건".into(),
            "사고 1건당 확률".into(),
            "연간 (95% 구간)".into(),
            "주기".into(),
        ]
    }
    fn threshold_conditions(
        &self,
        downtime: Option<&str>,
        users: Option<&str>,
        share: Option<&str>,
    ) -> String {
        let mut parts = Vec::new();
        if let Some(u) = users {
            parts.push(format!("사용자 {u}명 이상"));
        }
        if let Some(s) = share {
            parts.push(format!("전체 사용자의 {s} 이상"));
        }
        let who = if parts.is_empty() {
            "사용자".to_string()
        } else {
            parts.join(", ")
        };
        let ga = subject_particle(&who);
        match downtime {
            Some(d) => format!("{who}{ga} {d} 이상 서비스를 못 씀"),
            None => format!("{who}{ga} 영향을 받음"),
        }
    }
    fn thresholds_note(&self) -> String {
        "기준은 공개된 규정에서 가져온 예시이며, 쓰기 전에 현행 조문과 대조해야 합니다. \
         법령을 내장한 것이 아닙니다 (docs/risk.md)."
            .into()
    }
    fn tolerances_heading(&self) -> String {
        "영향 허용 한도".into()
    }
    fn tolerances_header(&self) -> Vec<String> {
        vec![
            "서비스".into(),
            "허용 한도".into(),
            "사고 1건당 한도 초과 확률".into(),
            "연간 (95% 구간)".into(),
            "주기".into(),
        ]
    }
    fn once_every(&self, years: &str) -> String {
        format!("{years}년에 한 번")
    }
    fn concentration_heading(&self) -> String {
        "집중도: 한곳에 얼마나 걸려 있나".into()
    }
    fn concentration_lead(&self, kind: usize) -> String {
        [
            "사이트 하나를 잃으면",
            "데이터센터 하나를 잃으면",
            "서비스 하나를 잃으면",
        ][kind.min(2)]
        .into()
    }
    fn concentration_note(&self) -> String {
        "영구히 잃었을 때 서비스가 멈추는 사용자가 전체 사용자에서 차지하는 비율입니다 \
         (whatif). 대체 서비스는 모델에 없으므로, 멈춘 서비스의 사용자는 모두 대안이 없는 \
         것으로 셉니다."
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_multipliers_read_as_people_write_them() {
        assert_eq!(count(3.44), "3.4");
        assert_eq!(count(123.6), "124");
        assert_eq!(count(12367.7), "12,368");
        assert_eq!(count(99.96), "100");
        assert_eq!(count(99.94), "99.9");
        assert_eq!(count(999.6), "1,000");
        assert_eq!(En.multiplier(999.96), "1,000×");
        assert_eq!(En.multiplier(999.94), "999.9×");
        assert_eq!(Ko.number(1.0498e11), "1,050억");
        assert_eq!(Ko.number(9.99e10), "999억");
        assert_eq!(En.number(1.2e12), "1,200 billion");
        assert_eq!(En.multiplier(4.567), "4.57×");
        assert_eq!(En.multiplier(144107.3), "144,107×");
        let h = En.headline(1000, "s", "1", "0", "2", "3", 12367.7, 47359.0, 100000);
        assert!(
            h.contains("affects 12,368 of the 100,000 services on average, and 47,359 or more"),
            "{h}"
        );
        let h = Ko.headline(1000, "s", "1", "0", "2", "3", 3.42, 5.0, 6);
        assert!(
            h.contains("서비스 6개 중 평균 3.4개") && h.contains("5개 이상"),
            "{h}"
        );
    }

    #[test]
    fn the_subject_particle_follows_the_last_syllable() {
        assert_eq!(subject_particle("사용자"), "가");
        assert_eq!(subject_particle("사용자 100만명 이상"), "이");
    }

    #[test]
    fn numbers_in_each_language() {
        assert_eq!(En.number(47_000_000.0), "47 million");
        assert_eq!(En.number(1_234_000_000.0), "1.23 billion");
        assert_eq!(En.number(12_345.0), "12,345");
        assert_eq!(En.number(-2.5), "−2.5");
        assert_eq!(Ko.number(47_000_000.0), "4,700만");
        assert_eq!(Ko.number(1_234_000_000.0), "12.3억");
        assert_eq!(Ko.money(3.0e10, "KRW"), "300억 원");
        assert_eq!(En.money(3.0e10, "KRW"), "30 billion KRW");
        assert_eq!(Ko.hours(36.5), "36시간 30분");
        assert_eq!(Ko.hours(60.0), "2일 12시간");
        assert_eq!(percent(0.001), "<1%");
        assert_eq!(percent(0.999), ">99%");
        assert_eq!(percent(0.5), "50%");
        assert_eq!(En.multiplier(11.0), "11×");
    }
}
