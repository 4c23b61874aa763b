//! The command line: clap derive structs (doc comments are the help text), their mapping
//! to the application layer's checked options and calls ([`crate::app`]), and the choice
//! of where and in which format each result is written. No pipeline and no analysis is
//! sequenced here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::app::{self, options::Shard, options::Sim};
use crate::error::Error;
use crate::report;

/// Dependency blast-radius simulator: how far an outage spreads through services that
/// depend on each other, and how long it lasts.
#[derive(Debug, Parser)]
#[command(name = "blastradius", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and check a scenario file; print design warnings.
    Validate(ValidateArgs),
    /// Print the dependency graph as Graphviz DOT.
    Graph(GraphArgs),
    /// Monte Carlo run: per-service and total downtime, user-hours lost, blast radius.
    Run(RunArgs),
    /// The policy report: findings in plain words, tables, charts, the dependency graph,
    /// design comparison, assumptions and sources, as one HTML file (or Markdown).
    Report(ReportArgs),
    /// Write a synthetic scenario of a given size, for scale tests.
    Generate(GenerateArgs),
    /// Combine the partial results of `run --shard K/N` into the full result.
    Merge(MergeArgs),
    /// Deterministic blast matrix: each site and each service lost for the whole horizon,
    /// nothing recovering: what goes down, what degrades, how many users are affected.
    Whatif(WhatifArgs),
    /// Portals: for each service, its gateway reach (users of other services lost when it
    /// alone is lost for good), its isolated failure (it alone down for a while: own and
    /// spill-over user-hours, multiplier), and the loss attributable to it in the scenario
    /// (Monte Carlo).
    #[command(
        after_help = "Gateway reach and isolated failure are deterministic (one traversal \
        per service). The attribution's trials default to the scenario's `trials`, at most \
        2000 (each trial also plays one counterfactual per service that was down in it); \
        give --trials for more. --precision is not supported."
    )]
    Portal(PortalArgs),
    /// Base design vs each variant on common random numbers: difference in user-hours
    /// lost with a 95% interval, probability the variant is better, cost per user-hour
    /// saved.
    #[command(after_help = "--precision is not supported; give --trials.")]
    Compare(CompareArgs),
    /// Site importance on user-hours lost: achievement worth (site always down) and
    /// reduction worth (site never fails), on common random numbers.
    #[command(
        after_help = "Trials default to the scenario's `trials`, at most 2000 (each \
        trial also plays two counterfactuals per site, or per site given with --site, the \
        always-down one only in the first --achievement-trials); give --trials for more. \
        --precision is not supported."
    )]
    Importance(ImportanceArgs),
    /// Fit named parameters (`params`) to the scenario's `observed` restoration times,
    /// and predict each observed service with the parameters fitted without it
    /// (leave-one-out).
    #[command(
        after_help = "Each fitted parameter gets one scale factor on every duration of its \
        distribution (its shape is kept), chosen to minimise the squared log error between \
        each observed service's simulated median restored-at and its observed time, on \
        common random numbers. Trials (per evaluation) default to the scenario's `trials`, \
        at most 1000. --precision is not supported."
    )]
    Calibrate(CalibrateArgs),
    /// Risk per year: expected user-hours lost per year from each event's `per_year`,
    /// exceedance (F–N) curves, thresholds, tolerances and concentration (docs/risk.md).
    #[command(
        after_help = "Each top-level event with per_year is played on its own, forced to \
        happen, over the trials (default: the scenario's `trials`, at most 2000); background \
        hazards in a run of their own. Assumes incidents rare enough not to overlap. A \
        scenario with no per_year has nothing to annualise (exit 0). --precision is not \
        supported."
    )]
    Risk(AnalysisArgs),
    /// Write a first scenario from traces (Jaeger, Zipkin, OpenTelemetry servicegraph), a
    /// Backstage catalog and a Kubernetes cluster, merged by service name; defaults that no
    /// source gives are marked `// ASSUMPTION` (see docs/import.md).
    Import(ImportArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) to stdout.
    Completions(CompletionsArgs),
    /// Write the man page (roff) of blastradius.
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// The scenario file (RON).
    pub file: String,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Calibrate this variant of the scenario instead of the base design.
    #[arg(long)]
    pub variant: Option<String>,
    /// The parameters to fit, comma-separated (default: every parameter).
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    pub fit: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Also write the scenario with the fitted parameters in place (comments and layout
    /// kept) to this file, atomically.
    #[arg(long, value_name = "CALIBRATED.ron")]
    pub write: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The partial results, one per shard, in any order.
    #[arg(required = true)]
    pub parts: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Print nothing on stderr but errors (this command prints no progress; accepted like
    /// every command's --quiet).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML file (inline CSS and SVG, no scripts, nothing fetched).
    Html,
    /// Markdown, with the charts as SVG files in a directory `NAME-files/` beside it.
    Markdown,
}

/// `--lang`: the report's languages, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// English.
    En,
    /// Korean (한국어).
    Ko,
}

impl From<LangArg> for report::policy::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::En => report::policy::Lang::En,
            LangArg::Ko => report::policy::Lang::Ko,
        }
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The scenario file (RON).
    pub file: String,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
    /// Where to write (default: report.html, or report.md for Markdown). `-` is standard
    /// output, for HTML only. Files are replaced atomically.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Language of the report.
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    pub lang: LangArg,
    /// A simulated incident is a service *outage* for a service when the service was fully
    /// down at some time, or degraded with at least this share of its users lost at its
    /// worst moment; otherwise (affected, fewer users) a service *error*.
    #[arg(long, value_name = "PERCENT", default_value = "50", value_parser = parse_percent)]
    pub outage_threshold: u8,
}

/// `50` or `50%` → 50, within 1..=100.
fn parse_percent(s: &str) -> Result<u8, String> {
    let t = s.trim();
    let t = t.strip_suffix('%').unwrap_or(t).trim();
    match t.parse::<u8>() {
        Ok(p) if (1..=100).contains(&p) => Ok(p),
        _ => Err(format!(
            "expected a whole percentage from 1 to 100 (such as 50 or 50%), got \"{s}\""
        )),
    }
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of services.
    #[arg(long, default_value_t = 1000)]
    pub services: usize,
    /// Number of data centers (each with 3 rooms; 4 per region).
    #[arg(long, default_value_t = 8)]
    pub sites: usize,
    /// Seed of the generator; the same seed gives the same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write; `-` is standard output.
    #[arg(long, short, default_value = "-")]
    pub out: PathBuf,
    /// Print nothing on stderr but errors (this command prints no progress; accepted like
    /// every command's --quiet).
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Markdown,
}

impl From<Format> for report::export::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Table => report::export::Format::Table,
            Format::Json => report::export::Format::Json,
            Format::Csv => report::export::Format::Csv,
            Format::Markdown => report::export::Format::Markdown,
        }
    }
}

/// Where and how a command writes its result.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Where to write; `-` is standard output. Files are replaced atomically.
    #[arg(long, short, default_value = "-")]
    pub out: PathBuf,
}

/// Options shared by every command that simulates.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Number of trials (default: the scenario's `trials`, else 10000).
    #[arg(long)]
    pub trials: Option<u64>,
    /// Master random seed (default: the scenario's `seed`, else 0).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Stop once the 95% interval of mean total user-hours lost is within ±R of the mean
    /// (e.g. 0.01); `--trials` is then the maximum.
    #[arg(long, value_name = "R")]
    pub precision: Option<f64>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (RON).
    pub file: String,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Run this variant of the scenario instead of the base design.
    #[arg(long)]
    pub variant: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Run only shard K of N (K from 0) and write a partial result for `merge`
    /// (e.g. `--shard $JOB_COMPLETION_INDEX/8`).
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
}

#[derive(Debug, Args)]
pub struct WhatifArgs {
    /// The scenario file (RON).
    pub file: String,
    /// Use this variant of the scenario instead of the base design.
    #[arg(long)]
    pub variant: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Print nothing on stderr but errors (this command prints no progress; accepted like
    /// every command's --quiet).
    #[arg(long, short)]
    pub quiet: bool,
}

/// `portal` and `importance`: one counterfactual per service (or two per site) for every
/// trial, so `--trials` defaults to the scenario's `trials` capped at
/// [`app::options::ANALYSIS_DEFAULT_TRIALS`].
#[derive(Debug, Args)]
pub struct AnalysisArgs {
    /// The scenario file (RON).
    pub file: String,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Use this variant of the scenario instead of the base design.
    #[arg(long)]
    pub variant: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ImportanceArgs {
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// Play only this site's counterfactuals (its id; repeat for more sites). Each trial
    /// then costs up to 1 + 2 × (sites given) plays instead of 1 + 2 × (all sites), and
    /// each given site's figures are the ones a run over every site gives.
    #[arg(long = "site", value_name = "ID")]
    pub sites: Vec<String>,
    /// Play the sites always down in only the first N trials (all trials by default):
    /// nearly all of the cost is that arm, which usually needs fewer trials than the
    /// never-failing one. The loss if always down, the achievement and its worth are
    /// then those of a run of N trials; the base and the reduction use every trial.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub achievement_trials: Option<u64>,
}

#[derive(Debug, Args)]
pub struct PortalArgs {
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// How long the isolated failure lasts, for every service (a duration such as "10h";
    /// default: each service's median downtime when it goes down in the scenario, or 1 h
    /// if it never does).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub isolated_for: Option<f64>,
    /// What to sort the services by.
    #[arg(long, value_enum, default_value_t = PortalSortArg::Isolated)]
    pub sort: PortalSortArg,
}

/// `portal --sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PortalSortArg {
    /// Spill-over user-hours of the isolated failure.
    Isolated,
    /// Users of other services reached when the service alone is lost for good.
    Gateway,
    /// Loss attributable to the service in the scenario (Monte Carlo).
    Marginal,
}

impl From<PortalSortArg> for crate::analysis::portal::PortalSort {
    fn from(s: PortalSortArg) -> Self {
        use crate::analysis::portal::PortalSort as P;
        match s {
            PortalSortArg::Isolated => P::Isolated,
            PortalSortArg::Gateway => P::Gateway,
            PortalSortArg::Marginal => P::Marginal,
        }
    }
}

/// A duration flag, in hours: the scenario format's durations, more than zero.
fn parse_duration(s: &str) -> Result<f64, String> {
    let h = crate::scenario::duration::parse_hours(s)?;
    if h > 0.0 {
        Ok(h)
    } else {
        Err("the duration must be more than zero".into())
    }
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The scenario file (RON).
    pub file: String,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Compare only this variant (default: every variant).
    #[arg(long)]
    pub variant: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The scenario file (RON).
    pub file: String,
    /// Print nothing on success; errors still go to stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Svg,
}

/// Who lays out `graph --format svg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphLayout {
    /// Graphviz's `dot` when it is on PATH, else the built-in layout.
    Auto,
    /// Graphviz's `dot` (sites drawn as nested boxes); an error if it is missing.
    Graphviz,
    /// The built-in layout: services and their dependencies in boxes for their data
    /// center and room (layout-rs inside each box), without recovery needs.
    Builtin,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The scenario file (RON).
    pub file: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Layout engine for `--format svg`.
    #[arg(long, value_enum, default_value_t = GraphLayout::Auto)]
    pub layout: GraphLayout,
    /// Use this variant of the scenario instead of the base design.
    #[arg(long)]
    pub variant: Option<String>,
    /// Where to write; `-` is standard output.
    #[arg(long, short, default_value = "-")]
    pub out: PathBuf,
    /// Print nothing on stderr but errors (this command prints no progress; accepted like
    /// every command's --quiet).
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs one parsed command. Output goes to the command's `--out`; messages to stderr.
pub fn execute(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Validate(a) => validate(a),
        Command::Graph(a) => graph(a),
        Command::Run(a) => run(a),
        Command::Report(a) => report_cmd(a),
        Command::Generate(a) => generate(a),
        Command::Merge(a) => merge(a),
        Command::Whatif(a) => whatif(a),
        Command::Portal(a) => portal(a),
        Command::Compare(a) => compare(a),
        Command::Importance(a) => importance(a),
        Command::Calibrate(a) => calibrate(a),
        Command::Risk(a) => risk(a),
        Command::Import(a) => import(a),
        Command::Completions(a) => completions(a),
        Command::Man(a) => man(a),
    }
}

/// The simulation flags, checked once.
fn sim(a: &SimArgs) -> Result<Sim, Error> {
    Sim::new(a.trials, a.seed, a.threads, a.precision)
}

fn validate(a: ValidateArgs) -> Result<(), Error> {
    let v = app::validate(&a.file)?;
    if !a.quiet {
        for w in &v.warnings {
            eprintln!("warning: {w}");
        }
        let m = &v.loaded.model;
        // Journeys are named only when there are some, so the line of a scenario without
        // them reads as it always did.
        let journeys = match m.journeys.len() {
            0 => String::new(),
            n => format!(", {n} journeys"),
        };
        println!(
            "{}: ok: {} sites, {} services, {} events, {} variants{journeys}; {} warning{}",
            a.file,
            m.sites.len(),
            m.services.len(),
            m.events.len(),
            v.loaded.variants.len(),
            v.warnings.len(),
            if v.warnings.len() == 1 { "" } else { "s" }
        );
        print_assumptions(&a.file, &v.loaded.text);
    }
    Ok(())
}

fn graph(a: GraphArgs) -> Result<(), Error> {
    let chosen = app::Chosen::load(&a.file, a.variant)?;
    let m = chosen.model();
    let text = match a.format {
        GraphFormat::Dot => report::dot::render(m),
        GraphFormat::Svg => {
            let graphviz = match a.layout {
                GraphLayout::Builtin => None,
                GraphLayout::Auto => report::dot::graphviz(),
                GraphLayout::Graphviz => Some(report::dot::graphviz().ok_or_else(|| {
                    Error::usage("--layout graphviz: Graphviz's `dot` is not on PATH (or use --layout builtin)")
                })?),
            };
            report::dot::render_svg(m, graphviz.as_deref())?
        }
    };
    report::output::write(&a.out, text.as_bytes())
}

/// A progress bar on stderr, drawn only on a terminal, only when not `--quiet`, and only
/// once the work has taken more than a second (so quick runs print nothing extra).
struct Progress {
    bar: indicatif::ProgressBar,
    started: std::time::Instant,
    shown: bool,
    enabled: bool,
}

impl Progress {
    fn new(quiet: bool) -> Self {
        use std::io::IsTerminal;
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(0),
            indicatif::ProgressDrawTarget::hidden(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {pos}/{len} trials, {per_sec}, eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Progress {
            bar,
            started: std::time::Instant::now(),
            shown: false,
            enabled: !quiet && std::io::stderr().is_terminal(),
        }
    }
    fn update(&mut self, label: &str, done: u64, total: u64) {
        if self.enabled && !self.shown && self.started.elapsed().as_secs_f64() > 1.0 {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.shown = true;
        }
        if self.shown {
            self.bar.set_message(label.to_string());
        }
        self.bar.set_length(total);
        self.bar.set_position(done);
    }
    fn finish(self) {
        self.bar.finish_and_clear();
    }
}

fn run(a: RunArgs) -> Result<(), Error> {
    if a.shard.is_some() && a.output.format != Format::Table && a.output.format != Format::Json {
        return Err(Error::usage(
            "--shard writes a partial result (JSON) for `merge`; leave out --format",
        ));
    }
    let req = app::RunRequest {
        file: a.file,
        variant: a.variant,
        sim: sim(&a.sim)?,
        shard: a.shard,
    };
    let mut progress = Progress::new(a.sim.quiet);
    let result = app::run(req, &mut |l, d, t| progress.update(l, d, t))?;
    progress.finish();
    match result {
        app::RunResult::Part(part) => {
            report::output::write_with(&a.output.out, &mut |w| part.write_json(w))
        }
        app::RunResult::Whole(o) => render_run(&o, a.output.format, &a.output.out),
    }
}

fn render_run(o: &app::RunOutput, format: Format, out: &std::path::Path) -> Result<(), Error> {
    let rep = report::run::RunReport {
        sha256: &o.sha256,
        model: &o.model,
        variant: o.variant.as_deref(),
        seed: o.seed,
        stats: &o.stats,
    };
    report::export::write(&rep, format.into(), out)
}

fn merge(a: MergeArgs) -> Result<(), Error> {
    let o = app::merge(&a.parts)?;
    render_run(&o, a.output.format, &a.output.out)
}

fn report_cmd(a: ReportArgs) -> Result<(), Error> {
    let out = a.out.clone().unwrap_or_else(|| {
        PathBuf::from(match a.format {
            ReportFormat::Html => "report.html",
            ReportFormat::Markdown => "report.md",
        })
    });
    if a.format == ReportFormat::Markdown && out.as_os_str() == "-" {
        return Err(Error::usage(
            "--format markdown writes its images beside the Markdown file: give --out FILE.md",
        ));
    }
    let sim = sim(&a.sim)?;
    let mut progress = Progress::new(a.sim.quiet);
    let p = app::policy(&a.file, &sim, &mut |l, d, t| progress.update(l, d, t))?;
    progress.finish();
    let format = match a.format {
        ReportFormat::Html => "html",
        ReportFormat::Markdown => "markdown",
    };
    let lang = report::policy::Lang::from(a.lang);
    let command = shell_words(&[
        "blastradius",
        "report",
        &a.file,
        "--trials",
        &p.stats.trials.to_string(),
        "--seed",
        &p.seed.to_string(),
        "--lang",
        lang.code(),
        "--outage-threshold",
        &a.outage_threshold.to_string(),
        "--format",
        format,
        "--out",
        &out.to_string_lossy(),
    ]);
    let rep = report::policy::PolicyReport {
        loaded: &p.loaded,
        stats: &p.stats,
        seed: p.seed,
        analyses: &p.analyses,
        lang,
        outage_threshold_pct: a.outage_threshold as usize,
        command,
    };
    match a.format {
        ReportFormat::Html => report::output::write(&out, rep.html().as_bytes()),
        ReportFormat::Markdown => {
            let dir = images_dir(&out);
            let dir_name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let (text, images) = rep.markdown(&dir_name);
            report::output::write_files(&dir, &images)?;
            report::output::write(&out, text.as_bytes())
        }
    }
}

/// `report.md` → `report-files/` in the same directory.
pub fn images_dir(md: &std::path::Path) -> PathBuf {
    let stem = md
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    md.with_file_name(format!("{stem}-files"))
}

/// Words joined into a POSIX shell command line, quoted where needed.
fn shell_words(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| {
            let plain = !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
            if plain {
                w.to_string()
            } else {
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn generate(a: GenerateArgs) -> Result<(), Error> {
    use crate::scenario::generate::{generate, to_ron, GenerateOptions};
    if a.services == 0 {
        return Err(Error::usage("--services must be at least 1"));
    }
    if a.services > 10_000_000 || a.sites > 1_000_000 {
        return Err(Error::usage(
            "generate is limited to 10,000,000 services and 1,000,000 data centers",
        ));
    }
    let s = generate(GenerateOptions {
        services: a.services,
        sites: a.sites,
        seed: a.seed,
    });
    report::output::write(&a.out, to_ron(&s).as_bytes())
}

fn whatif(a: WhatifArgs) -> Result<(), Error> {
    let chosen = app::Chosen::load(&a.file, a.variant)?;
    let rows = app::whatif(&chosen);
    let rep = report::whatif::WhatIfReport {
        loaded: &chosen.loaded,
        model: chosen.model(),
        variant: chosen.variant(),
        rows: &rows,
    };
    report::export::write(&rep, a.output.format.into(), &a.output.out)
}

fn portal(p: PortalArgs) -> Result<(), Error> {
    let a = p.analysis;
    let sim = sim(&a.sim)?;
    let chosen = app::Chosen::load(&a.file, a.variant)?;
    let mut progress = Progress::new(a.sim.quiet);
    let r = app::portal(&chosen, &sim, p.isolated_for, &mut |l, d, t| {
        progress.update(l, d, t)
    })?;
    progress.finish();
    let rep = report::portal::PortalReport {
        loaded: &chosen.loaded,
        model: chosen.model(),
        variant: chosen.variant(),
        seed: r.played.seed,
        reach: &r.reach,
        measures: &r.measures,
        sort: p.sort.into(),
        stats: &r.played.stats,
    };
    report::export::write(&rep, a.output.format.into(), &a.output.out)
}

fn importance(i: ImportanceArgs) -> Result<(), Error> {
    let a = i.analysis;
    let sim = sim(&a.sim)?;
    let chosen = app::Chosen::load(&a.file, a.variant)?;
    let mut progress = Progress::new(a.sim.quiet);
    let played = app::importance(
        &chosen,
        &sim,
        &i.sites,
        i.achievement_trials,
        &mut |l, d, t| progress.update(l, d, t),
    )?;
    progress.finish();
    let rep = report::importance::ImportanceReport {
        loaded: &chosen.loaded,
        model: chosen.model(),
        variant: chosen.variant(),
        seed: played.seed,
        stats: &played.stats,
    };
    report::export::write(&rep, a.output.format.into(), &a.output.out)
}

fn risk(a: AnalysisArgs) -> Result<(), Error> {
    let sim = sim(&a.sim)?;
    let chosen = app::Chosen::load(&a.file, a.variant)?;
    let mut progress = Progress::new(a.sim.quiet);
    let played = app::risk(&chosen, &sim, &mut |l, d, t| progress.update(l, d, t))?;
    progress.finish();
    if !played.stats.annualised() {
        eprintln!("{}: no event has per_year: nothing to annualise", a.file);
        return Ok(());
    }
    let rep = report::risk::RiskReport {
        loaded: &chosen.loaded,
        model: chosen.model(),
        variant: chosen.variant(),
        seed: played.seed,
        risk: &played.stats,
    };
    report::export::write(&rep, a.output.format.into(), &a.output.out)
}

fn compare(a: CompareArgs) -> Result<(), Error> {
    let sim = sim(&a.sim)?;
    let loaded = crate::model::load(&a.file)?;
    let mut progress = Progress::new(a.sim.quiet);
    let (variants, played) = app::compare(&loaded, a.variant.as_deref(), &sim, &mut |l, d, t| {
        progress.update(l, d, t)
    })?;
    progress.finish();
    let rep = report::compare::CompareReport {
        loaded: &loaded,
        seed: played.seed,
        variants: &variants,
        stats: &played.stats,
    };
    report::export::write(&rep, a.output.format.into(), &a.output.out)
}

fn calibrate(a: CalibrateArgs) -> Result<(), Error> {
    let sim = sim(&a.sim)?;
    let chosen = app::Chosen::load(&a.file, a.variant)?;
    if a.write.is_some() && chosen.variant().is_some() {
        return Err(Error::usage(
            "--write writes the base design's parameters; leave out --variant",
        ));
    }
    let mut progress = Progress::new(a.sim.quiet);
    let fit: Vec<String> = a.fit.iter().map(|f| f.trim().to_string()).collect();
    let cal = app::calibrate(&chosen, &sim, fit, &mut |l, d, t| progress.update(l, d, t))?;
    progress.finish();
    if let Some(path) = &a.write {
        let text = app::calibrated_text(&chosen, &cal)?;
        report::output::write(path, text.as_bytes())?;
    }
    let rep = report::calibrate::CalibrateReport {
        loaded: &chosen.loaded,
        model: chosen.model(),
        variant: chosen.variant(),
        cal: &cal,
    };
    report::export::write(&rep, a.output.format.into(), &a.output.out)
}

/// `validate`: the values marked `// ASSUMPTION` (as `import` writes them), the first
/// [`SHOWN_ASSUMPTIONS`] in full.
fn print_assumptions(file: &str, text: &str) {
    let marked = crate::import::assumptions(text);
    if marked.is_empty() {
        return;
    }
    eprintln!(
        "note: {} line{} marked {} (values no source gave): check them",
        marked.len(),
        if marked.len() == 1 { "" } else { "s" },
        crate::import::MARK
    );
    for (line, t) in marked.iter().take(SHOWN_ASSUMPTIONS) {
        let t: String = t.chars().take(160).collect();
        eprintln!("note: {file}:{line}: {t}");
    }
    if marked.len() > SHOWN_ASSUMPTIONS {
        eprintln!(
            "note: … and {} more (grep -n {} {file})",
            marked.len() - SHOWN_ASSUMPTIONS,
            crate::import::MARK
        );
    }
}

const SHOWN_ASSUMPTIONS: usize = 40;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Jaeger dependencies JSON (`/api/dependencies`, or the v3 API's
    /// `{"dependencies": [...]}`), or traces (`/api/traces`), whose entry operations
    /// become journeys.
    #[arg(long, value_name = "FILE")]
    pub jaeger: Option<String>,
    /// Zipkin v2 dependencies JSON (`/api/v2/dependencies`), or traces
    /// (`/api/v2/traces`), whose entry operations become journeys.
    #[arg(long, value_name = "FILE")]
    pub zipkin: Option<String>,
    /// OpenTelemetry collector servicegraph metrics, Prometheus text
    /// (`traces_service_graph_request_total`).
    #[arg(long, value_name = "FILE")]
    pub otel_servicegraph: Option<String>,
    /// Backstage catalog YAML files (Component, Resource, System, API).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub backstage: Vec<String>,
    /// `kubectl get nodes,pods,deployments,statefulsets,poddisruptionbudgets -o json`.
    #[arg(long, value_name = "FILE")]
    pub kubernetes: Option<String>,
    /// A traced edge carrying less than this fraction of its parent's calls becomes a
    /// partial dependency with that fraction as its share (default: every edge is hard).
    #[arg(long, value_name = "F", value_parser = parse_fraction)]
    pub soft_below: Option<f64>,
    /// The scenario's name (default: made from the source files).
    #[arg(long)]
    pub name: Option<String>,
    /// Where to write the scenario; `-` is standard output. Files are replaced atomically,
    /// and nothing is written unless the whole import succeeds.
    #[arg(long, short, default_value = "-")]
    pub out: PathBuf,
    /// No summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--soft-below`: a fraction in (0, 1].
fn parse_fraction(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if f > 0.0 && f <= 1.0 => Ok(f),
        _ => Err(format!(
            "expected a fraction above 0 and at most 1, such as 0.05; got \"{s}\""
        )),
    }
}

fn import(a: ImportArgs) -> Result<(), Error> {
    let opts = crate::import::Options {
        jaeger: a.jaeger,
        zipkin: a.zipkin,
        otel_servicegraph: a.otel_servicegraph,
        backstage: a.backstage,
        kubernetes: a.kubernetes,
        soft_below: a.soft_below,
        name: a.name,
    };
    let imported = app::import(&opts)?;
    report::output::write(&a.out, imported.text.as_bytes())?;
    if !a.quiet {
        for l in &imported.summary {
            eprintln!("{l}");
        }
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
    /// Where to write; `-` is standard output.
    #[arg(long, short, default_value = "-")]
    pub out: PathBuf,
}

fn completions(a: CompletionsArgs) -> Result<(), Error> {
    use clap::CommandFactory;
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut Cli::command(), "blastradius", &mut buf);
    report::output::write(&a.out, &buf)
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Where to write `blastradius.1`; `-` is standard output.
    #[arg(long, short, default_value = "-")]
    pub out: PathBuf,
    /// Also write a page per command (`blastradius-run.1`, ...) into this directory.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

fn man(a: ManArgs) -> Result<(), Error> {
    use clap::CommandFactory;
    let cmd = Cli::command();
    if let Some(dir) = &a.dir {
        std::fs::create_dir_all(dir)
            .and_then(|_| clap_mangen::generate_to(cmd.clone(), dir))
            .map_err(|e| {
                Error::runtime(format!(
                    "cannot write the man pages to {}: {e}",
                    dir.display()
                ))
            })?;
    }
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut buf)
        .map_err(|e| Error::runtime(format!("cannot render the man page: {e}")))?;
    report::output::write(&a.out, &buf)
}
