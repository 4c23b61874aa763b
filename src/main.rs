use clap::Parser;

fn main() {
    let cli = blastradius::cli::Cli::parse();
    if let Err(e) = blastradius::cli::execute(cli) {
        eprintln!("{e}");
        std::process::exit(e.exit_code());
    }
}
