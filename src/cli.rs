//! The command line: clap derive structs (doc comments are the help text) and the
//! dispatch from a parsed command to the library. Nothing here knows output formats.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::Error;
use crate::model;
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
    /// Portals: structural reach of each service and the Monte Carlo loss attributable to
    /// it (own users and spill-over), with its portal multiplier.
    #[command(
        after_help = "Trials default to the scenario's `trials`, at most 2000 (each \
        trial also plays one counterfactual per service that was down in it); give --trials \
        for more. --precision is not supported."
    )]
    Portal(AnalysisArgs),
    /// Base design vs each variant on common random numbers: difference in user-hours
    /// lost with a 95% interval, probability the variant is better, cost per user-hour
    /// saved.
    #[command(after_help = "--precision is not supported; give --trials.")]
    Compare(CompareArgs),
    /// Site importance on user-hours lost: achievement worth (site always down) and
    /// reduction worth (site never fails), on common random numbers.
    #[command(
        after_help = "Trials default to the scenario's `trials`, at most 2000 (each \
        trial also plays two counterfactuals per site); give --trials for more. \
        --precision is not supported."
    )]
    Importance(AnalysisArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The partial results, one per shard, in any order.
    #[arg(required = true)]
    pub parts: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `K/N`: shard K (from 0) of N.
fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let (k, n) = s.split_once('/').ok_or("expected K/N, such as 0/4")?;
    let k: u64 = k
        .trim()
        .parse()
        .map_err(|_| format!("bad shard index {k:?} in {s:?}"))?;
    let n: u64 = n
        .trim()
        .parse()
        .map_err(|_| format!("bad shard count {n:?} in {s:?}"))?;
    if n == 0 || k >= n {
        return Err(format!(
            "shard {k}/{n}: K counts from 0 and must be below N"
        ));
    }
    Ok((k, n))
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Markdown,
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
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
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
}

/// `portal` and `importance`: one counterfactual per service (or two per site) for every
/// trial, so `--trials` defaults to the scenario's `trials` capped at
/// [`ANALYSIS_DEFAULT_TRIALS`].
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

/// Default cap on the trials of `portal` and `importance` when `--trials` is not given.
pub const ANALYSIS_DEFAULT_TRIALS: u64 = 2000;

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
    /// The built-in layout (layout-rs): services and their dependencies, without site
    /// boxes or recovery needs.
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
    }
}

fn validate(a: ValidateArgs) -> Result<(), Error> {
    let loaded = model::load(&a.file)?;
    let warnings = loaded.warnings();
    if !a.quiet {
        for w in &warnings {
            eprintln!("warning: {w}");
        }
        let m = &loaded.model;
        println!(
            "{}: ok: {} sites, {} services, {} events, {} variants; {} warning{}",
            a.file,
            m.sites.len(),
            m.services.len(),
            m.events.len(),
            loaded.variants.len(),
            warnings.len(),
            if warnings.len() == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

fn graph(a: GraphArgs) -> Result<(), Error> {
    let loaded = model::load(&a.file)?;
    let m = loaded.model_of(a.variant.as_deref())?;
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
    fn new(quiet: bool, total: u64) -> Self {
        use std::io::IsTerminal;
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total),
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
    fn update(&mut self, done: u64, msg: &str) {
        if self.enabled && !self.shown && self.started.elapsed().as_secs_f64() > 1.0 {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.shown = true;
        }
        if self.shown {
            self.bar.set_message(msg.to_string());
        }
        self.bar.set_position(done);
    }
    fn finish(self) {
        self.bar.finish_and_clear();
    }
}

fn sim_options(a: &SimArgs, m: &model::Model) -> crate::analysis::plan::RunOptions {
    crate::analysis::plan::RunOptions {
        trials: a.trials.unwrap_or(m.trials),
        seed: a.seed.unwrap_or(m.seed),
        threads: a.threads,
        precision: a.precision,
        shard: None,
    }
}

fn run(a: RunArgs) -> Result<(), Error> {
    if a.shard.is_some() && a.output.format != Format::Table && a.output.format != Format::Json {
        return Err(Error::usage(
            "--shard writes a partial result (JSON) for `merge`; leave out --format",
        ));
    }
    let loaded = model::load(&a.file)?;
    if let Some(v) = &a.variant {
        loaded.variant(v)?;
    }
    // Keep only what the run and its output need: on a 100,000-service scenario the
    // parsed file and the other variants are hundreds of megabytes.
    let model::Loaded {
        file,
        sha256,
        text,
        model,
        variants,
        scenario,
    } = loaded;
    drop(scenario);
    let text = if a.shard.is_some() {
        text
    } else {
        String::new()
    };
    let m = match &a.variant {
        Some(v) => variants
            .into_iter()
            .find(|x| &x.name == v)
            .map_or(model, |x| x.model),
        None => model,
    };
    let mut opts = sim_options(&a.sim, &m);
    opts.shard = a.shard;
    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // A shard is sized by its own trials.
    let acc = crate::analysis::plan::accumulation(&opts, m.services.len(), threads);
    crate::analysis::plan::RunSize::of(&m, opts.trials_played(), threads, acc).check()?;
    let mut progress = Progress::new(a.sim.quiet, opts.trials);
    let stats = crate::analysis::run::run(&m, &opts, &mut |done, total| {
        progress.bar.set_length(total);
        progress.update(done, "run")
    })?;
    progress.finish();
    if let Some((k, n)) = a.shard {
        let part = report::partial::Partial {
            format: report::partial::FORMAT.into(),
            format_version: report::partial::FORMAT_VERSION,
            blastradius_version: env!("CARGO_PKG_VERSION").into(),
            scenario_file: file,
            scenario_sha256: sha256,
            scenario_text: text,
            variant: a.variant.clone(),
            seed: opts.seed,
            trials: opts.trials,
            shard: k,
            shards: n,
            stats,
        };
        return report::output::write_with(&a.output.out, &mut |w| part.write_json(w));
    }
    render_run(
        &sha256,
        &m,
        a.variant.as_deref(),
        opts.seed,
        &stats,
        a.output.format,
        &a.output.out,
    )
}

fn render_run(
    sha256: &str,
    m: &model::Model,
    variant: Option<&str>,
    seed: u64,
    stats: &crate::analysis::run::RunStats,
    format: Format,
    out: &std::path::Path,
) -> Result<(), Error> {
    let rep = report::run::RunReport {
        sha256,
        model: m,
        variant,
        seed,
        stats,
    };
    let text = match format {
        // Streamed: the JSON of a large run is never held in memory whole.
        Format::Json => return report::output::write_with(out, &mut |w| rep.write_json(w)),
        Format::Table => rep.table(),
        Format::Csv => rep.csv(),
        Format::Markdown => rep.markdown(),
    };
    report::output::write(out, text.as_bytes())
}

fn merge(a: MergeArgs) -> Result<(), Error> {
    use crate::analysis::run::RunStats;
    use report::partial::{check_coverage, check_same_run, Partial};
    // One part in memory at a time: each is checked against the first and merged, then
    // let go, so merging many parts of a large graph needs about one part's memory.
    let mut heads = Vec::new();
    let mut run: Option<(model::Loaded, RunStats)> = None;
    for p in &a.parts {
        let part = {
            let text = std::fs::read_to_string(p).map_err(|e| Error::read(p, e))?;
            Partial::from_json(p, &text)?
        };
        let head = part.head(p);
        if let Some(first) = heads.first() {
            check_same_run(first, &head)?;
        }
        let (loaded, stats) = match &mut run {
            Some(r) => r,
            None => {
                let loaded = model::load_str(&part.scenario_file, &part.scenario_text)?;
                let m = loaded.model_of(part.variant.as_deref())?;
                let stats = RunStats::new(&crate::sim::Compiled::new(m));
                run.insert((loaded, stats))
            }
        };
        let m = loaded.model_of(part.variant.as_deref())?;
        if part.stats.services.len() != m.services.len() || !part.stats.has_run_layout() {
            return Err(Error::usage(format!(
                "{p}: a partial result that does not match its scenario's services"
            )));
        }
        stats.merge(&part.stats);
        heads.push(head);
    }
    let first = heads.first().cloned();
    check_coverage(heads)?;
    let (Some(first), Some((loaded, stats))) = (first, run) else {
        return Err(Error::usage("merge needs at least one partial result"));
    };
    if stats.trials != first.trials {
        return Err(Error::usage(format!(
            "the parts hold {} trials, but the run had {}",
            stats.trials, first.trials
        )));
    }
    let m = loaded.model_of(first.variant.as_deref())?;
    render_run(
        &loaded.sha256,
        m,
        first.variant.as_deref(),
        first.seed,
        &stats,
        a.output.format,
        &a.output.out,
    )
}

fn report_cmd(a: ReportArgs) -> Result<(), Error> {
    use crate::analysis::policy;
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
    let loaded = model::load(&a.file)?;
    let m = &loaded.model;
    let opts = sim_options(&a.sim, m);
    let mut progress = Progress::new(a.sim.quiet, opts.trials);
    let stats = crate::analysis::run::run(m, &opts, &mut |done, _| progress.update(done, "base"))?;
    progress.finish();
    // The other analyses play exactly the trials the run played (an adaptive run's
    // count too), so the report is a function of the command line it prints.
    let fixed = crate::analysis::plan::RunOptions {
        trials: stats.trials,
        precision: None,
        ..opts.clone()
    };
    let rows = crate::analysis::whatif::whatif(m);
    // Attribution replays each service's outage trials without it: the costliest part,
    // capped like `portal`'s default.
    let portal_opts = crate::analysis::plan::RunOptions {
        trials: fixed.trials.min(ANALYSIS_DEFAULT_TRIALS),
        ..fixed.clone()
    };
    let mut progress = Progress::new(a.sim.quiet, portal_opts.trials);
    let portal_stats = crate::analysis::portal::portal(m, &portal_opts, &mut |done, _| {
        progress.update(done, "portal")
    })?;
    progress.finish();
    let designs = if loaded.variants.is_empty() {
        None
    } else {
        let variants: Vec<&model::Model> = loaded.variants.iter().map(|v| &v.model).collect();
        let mut progress = Progress::new(a.sim.quiet, fixed.trials);
        let c = crate::analysis::compare::compare(m, &variants, &fixed, &mut |done, _| {
            progress.update(done, "compare")
        })?;
        progress.finish();
        Some(policy::designs(&loaded, &c))
    };
    let analyses = policy::PolicyAnalyses {
        single_losses: Some(policy::single_losses(m, &rows)),
        portals: Some(policy::portals(m, &portal_stats, &rows)),
        portal_trials: Some(portal_stats.trials),
        designs,
    };
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
        &stats.trials.to_string(),
        "--seed",
        &opts.seed.to_string(),
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
        loaded: &loaded,
        stats: &stats,
        seed: opts.seed,
        analyses: &analyses,
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

/// Renders a report in the chosen format.
macro_rules! render {
    ($rep:expr, $format:expr) => {
        match $format {
            Format::Table => $rep.table(),
            Format::Json => $rep.json(),
            Format::Csv => $rep.csv(),
            Format::Markdown => $rep.markdown(),
        }
    };
}

/// The base model, or the variant named by `--variant`.
fn pick<'a>(
    loaded: &'a model::Loaded,
    variant: &'a Option<String>,
) -> Result<(&'a model::Model, Option<&'a str>), Error> {
    Ok((loaded.model_of(variant.as_deref())?, variant.as_deref()))
}

fn whatif(a: WhatifArgs) -> Result<(), Error> {
    let loaded = model::load(&a.file)?;
    let (m, variant) = pick(&loaded, &a.variant)?;
    let rows = crate::analysis::whatif::whatif(m);
    let rep = report::whatif::WhatIfReport {
        loaded: &loaded,
        model: m,
        variant,
        rows: &rows,
    };
    report::output::write(&a.output.out, render!(rep, a.output.format).as_bytes())
}

/// Options of `portal` and `importance`: `--trials` defaults to the scenario's, capped.
fn analysis_options(a: &SimArgs, m: &model::Model) -> crate::analysis::plan::RunOptions {
    let mut opts = sim_options(a, m);
    if a.trials.is_none() {
        opts.trials = opts.trials.min(ANALYSIS_DEFAULT_TRIALS);
    }
    opts
}

fn portal(a: AnalysisArgs) -> Result<(), Error> {
    let loaded = model::load(&a.file)?;
    let (m, variant) = pick(&loaded, &a.variant)?;
    let opts = analysis_options(&a.sim, m);
    let mut progress = Progress::new(a.sim.quiet, opts.trials);
    let stats =
        crate::analysis::portal::portal(m, &opts, &mut |done, _| progress.update(done, "portal"))?;
    progress.finish();
    let reach = crate::analysis::portal::reach(m);
    let rep = report::portal::PortalReport {
        loaded: &loaded,
        model: m,
        variant,
        seed: opts.seed,
        reach: &reach,
        stats: &stats,
    };
    report::output::write(&a.output.out, render!(rep, a.output.format).as_bytes())
}

fn importance(a: AnalysisArgs) -> Result<(), Error> {
    let loaded = model::load(&a.file)?;
    let (m, variant) = pick(&loaded, &a.variant)?;
    let opts = analysis_options(&a.sim, m);
    let mut progress = Progress::new(a.sim.quiet, opts.trials);
    let stats = crate::analysis::importance::importance(m, &opts, &mut |done, _| {
        progress.update(done, "importance")
    })?;
    progress.finish();
    let rep = report::importance::ImportanceReport {
        loaded: &loaded,
        model: m,
        variant,
        seed: opts.seed,
        stats: &stats,
    };
    report::output::write(&a.output.out, render!(rep, a.output.format).as_bytes())
}

fn compare(a: CompareArgs) -> Result<(), Error> {
    let loaded = model::load(&a.file)?;
    let variants: Vec<&model::Variant> = match &a.variant {
        Some(v) => vec![loaded.variant(v)?],
        None => loaded.variants.iter().collect(),
    };
    if variants.is_empty() {
        return Err(Error::usage(format!(
            "{} has no variants to compare with the base design",
            a.file
        )));
    }
    let opts = sim_options(&a.sim, &loaded.model);
    let models: Vec<&model::Model> = variants.iter().map(|v| &v.model).collect();
    let mut progress = Progress::new(a.sim.quiet, opts.trials);
    let stats =
        crate::analysis::compare::compare(&loaded.model, &models, &opts, &mut |done, _| {
            progress.update(done, "compare")
        })?;
    progress.finish();
    let rep = report::compare::CompareReport {
        loaded: &loaded,
        seed: opts.seed,
        variants: &variants,
        stats: &stats,
    };
    report::output::write(&a.output.out, render!(rep, a.output.format).as_bytes())
}
