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
    /// Write a synthetic scenario of a given size, for scale tests.
    Generate(GenerateArgs),
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Where to write; `-` is standard output. Files are replaced atomically.
    #[arg(long, short, default_value = "-")]
    pub out: PathBuf,
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
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The scenario file (RON).
    pub file: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
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
        Command::Generate(a) => generate(a),
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
    let m = match &a.variant {
        Some(v) => &loaded.variant(v)?.model,
        None => &loaded.model,
    };
    let text = match a.format {
        GraphFormat::Dot => report::dot::render(m),
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

fn sim_options(a: &SimArgs, m: &model::Model) -> crate::analysis::run::RunOptions {
    crate::analysis::run::RunOptions {
        trials: a.trials.unwrap_or(m.trials),
        seed: a.seed.unwrap_or(m.seed),
        threads: a.threads,
        precision: a.precision,
    }
}

fn run(a: RunArgs) -> Result<(), Error> {
    let loaded = model::load(&a.file)?;
    let (m, variant) = match &a.variant {
        Some(v) => (&loaded.variant(v)?.model, Some(v.as_str())),
        None => (&loaded.model, None),
    };
    let opts = sim_options(&a.sim, m);
    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    model::size::RunSize::of(m, opts.trials, threads).check()?;
    let mut progress = Progress::new(a.sim.quiet, opts.trials);
    let stats = crate::analysis::run::run(m, &opts, &mut |done, _| progress.update(done, "run"))?;
    progress.finish();
    let rep = report::run::RunReport {
        loaded: &loaded,
        model: m,
        variant,
        seed: opts.seed,
        stats: &stats,
    };
    let text = match a.format {
        Format::Table => rep.table(),
        Format::Json => rep.json(),
        Format::Csv => rep.csv(),
        Format::Markdown => rep.markdown(),
    };
    report::output::write(&a.out, text.as_bytes())
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
