//! The conformance harness: the engine behind the `harness` binary.
//!
//! A case flows through the modules in this order: `reference` generates it and decides the
//! acceptable outputs; [`runner`] sends it to each implementation's adapter over the
//! [`protocol`]; [`compare`] judges the output; [`verify`] groups failures; [`report`]
//! writes them down. [`cli`] turns the command line into settings, and [`errors`] maps
//! every expected error to an exit code.

pub mod cli;
pub mod compare;
pub mod corpus;
pub mod errors;
pub mod impls;
pub mod protocol;
pub mod report;
pub mod runner;
pub mod setup;
pub mod shrink;
pub mod vectors;
pub mod verify;

use std::process::ExitCode;

use cli::{Cli, Command, VectorsSettings, VectorsTask};
use errors::{EXIT_AGREEMENT, EXIT_FINDINGS};

/// Runs one parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Verify(args) => args.resolve().and_then(|settings| {
            let result = verify::verify(&settings)?;
            print!("{}", result.report.terminal_summary(&result.report_dir));
            Ok(result.exit_code())
        }),
        Command::Vectors(args) => args.resolve().and_then(|settings| run_vectors(&settings)),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => error.report(),
    }
}

fn run_vectors(settings: &VectorsSettings) -> Result<u8, errors::Error> {
    match &settings.action {
        VectorsTask::Regen(contracts) => {
            let changed = vectors::regen(&settings.dir, contracts)?;
            if changed.is_empty() {
                println!("vectors are up to date ({})", settings.dir.display());
            }
            for path in changed {
                println!("rewrote {}", path.display());
            }
            Ok(EXIT_AGREEMENT)
        }
        VectorsTask::Check(contracts) => {
            let drifts = vectors::check(&settings.dir, contracts)?;
            if drifts.is_empty() {
                println!("vectors match the reference ({})", settings.dir.display());
                return Ok(EXIT_AGREEMENT);
            }
            for drift in &drifts {
                println!(
                    "{} differs from what the reference gives:\n{}",
                    drift.path.display(),
                    drift.diff
                );
            }
            println!("{} vectors file(s) out of date: review the diff, then run `cargo run -- vectors regen`", drifts.len());
            Ok(EXIT_FINDINGS)
        }
        VectorsTask::ImportAegis(file) => {
            let (out, count, disagreements) = vectors::aegis::import(file, &settings.dir)?;
            println!("imported {count} aegis vector(s) into {}", out.display());
            for d in &disagreements {
                println!(
                    "  upstream case `{}` disagrees with the reference ({}):",
                    d.id,
                    d.rules.join(", ")
                );
                for field in &d.fields {
                    println!("    {field}");
                }
            }
            if disagreements.is_empty() {
                return Ok(EXIT_AGREEMENT);
            }
            println!("{} upstream vector(s) disagree; the imported file keeps the reference's expectation and the upstream one beside it", disagreements.len());
            Ok(EXIT_FINDINGS)
        }
    }
}
