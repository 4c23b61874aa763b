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
