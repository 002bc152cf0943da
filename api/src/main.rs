//! The `openstaff` binary: parse the command line, run the chosen subcommand.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = openstaff::cli::Cli::parse();
    match openstaff::cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("openstaff: {err:#}");
            ExitCode::FAILURE
        }
    }
}
