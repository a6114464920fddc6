//! The conformance harness: the engine behind the `harness` binary.
//!
//! A case flows through the modules in this order: `reference` generates it and decides the
//! acceptable outputs; [`runner`] sends it to each implementation's adapter over the
//! [`protocol`]; [`compare`] judges the output; [`verify`] groups failures; [`report`]
//! writes them down. [`cli`] turns the command line into settings, and [`errors`] maps
//! every expected error to an exit code.

pub mod cli;
pub mod compare;
pub mod errors;
pub mod impls;
pub mod protocol;
pub mod report;
pub mod runner;
pub mod setup;
pub mod verify;

use std::process::ExitCode;

use cli::{Cli, Command};

/// Runs one parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Verify(args) => args.resolve().and_then(|settings| {
            let result = verify::verify(&settings)?;
            print!("{}", result.report.terminal_summary(&result.report_dir));
            Ok(result.exit_code())
        }),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => error.report(),
    }
}
