//! The conformance harness: the engine behind the `harness` binary.
//!
//! A case flows through the modules in this order: `reference` generates it and decides the
//! acceptable outputs; [`runner`] sends it to each implementation's adapter over the
//! [`protocol`]; [`compare`] judges the output; [`verify`] groups failures; [`report`]
//! writes them down. [`cli`] turns the command line into settings, and [`errors`] maps
//! every expected error to an exit code.

pub mod baseline;
pub mod cli;
pub mod compare;
pub mod corpus;
pub mod errors;
pub mod html;
pub mod impls;
pub mod junit;
pub mod protocol;
pub mod report;
pub mod rundiff;
pub mod runner;
pub mod setup;
pub mod shrink;
pub mod vectors;
pub mod verify;

use std::process::ExitCode;

use cli::{display_path, Cli, Command, CorpusTask, ReplaySettings, VectorsSettings, VectorsTask};
use errors::{EXIT_AGREEMENT, EXIT_FINDINGS};

/// Runs one parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Verify(args) => args.resolve().and_then(|settings| {
            let result = verify::verify(&settings)?;
            print!(
                "{}",
                result
                    .report
                    .terminal_summary(&result.report_dir, settings.colour)
            );
            Ok(result.exit_code())
        }),
        Command::Vectors(args) => args.resolve().and_then(|settings| run_vectors(&settings)),
        Command::Repro(args) => args
            .resolve()
            .and_then(|settings| run_replay(&settings, false)),
        Command::Corpus(args) => args.resolve().and_then(|task| match task {
            CorpusTask::List(cases, root) => {
                list_corpus(&cases, &root);
                Ok(EXIT_AGREEMENT)
            }
            CorpusTask::Prune(settings) => run_replay(&settings, true),
        }),
        Command::Report(args) => args.resolve().and_then(|settings| {
            let a = rundiff::RunGroups::load(&settings.a)?;
            let b = rundiff::RunGroups::load(&settings.b)?;
            let diff = rundiff::RunDiff::between(&a, &b);
            print!("{}", diff.render(&a, &b));
            Ok(if diff.is_empty() {
                EXIT_AGREEMENT
            } else {
                EXIT_FINDINGS
            })
        }),
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

fn list_corpus(cases: &[(std::path::PathBuf, corpus::CorpusCase)], root: &std::path::Path) {
    if cases.is_empty() {
        println!("the corpus is empty");
    }
    for (path, case) in cases {
        println!(
            "{}  {} · {} · {} · {} bytes · found {}",
            display_path(root, path),
            case.contract,
            case.implementation,
            case.rules.join(" "),
            compare::canonical(&case.input).len(),
            case.found
        );
    }
}

/// `repro` (one case, show the diff) and `corpus prune` (delete the cases that now pass).
fn run_replay(settings: &ReplaySettings, prune: bool) -> Result<u8, errors::Error> {
    let mut still_failing = 0;
    // Each case replays under the time zone it was found in (a local-time bug hides in
    // another): one adapter per contract and zone, contracts in their registered order.
    let mut batches: std::collections::BTreeMap<_, Vec<&(std::path::PathBuf, corpus::CorpusCase)>> =
        std::collections::BTreeMap::new();
    for case in &settings.cases {
        let Some(position) = reference::CONTRACTS
            .iter()
            .position(|c| c.id() == case.1.contract)
        else {
            continue;
        };
        batches
            .entry((position, case.1.time_zone.as_deref()))
            .or_default()
            .push(case);
    }
    for ((position, zone), cases) in batches {
        let contract = reference::CONTRACTS[position];
        let spec = match zone {
            Some(zone) => &settings.implementation.clone().in_time_zone(zone),
            None => &settings.implementation,
        };
        let inputs: Vec<serde_json::Value> = cases.iter().map(|(_, c)| c.input.clone()).collect();
        let replayed = verify::replay(spec, contract, &inputs, settings.runner).map_err(|e| {
            errors::Error::Infrastructure {
                message: format!(
                    "{} is unavailable for {}: {}",
                    spec.id,
                    contract.id(),
                    e.reason
                ),
                hint: e.fix,
            }
        })?;
        for ((path, case), result) in cases.into_iter().zip(replayed) {
            let shown = display_path(&settings.root, path);
            match (&result.divergence, prune) {
                (None, true) => {
                    std::fs::remove_file(path).map_err(|source| errors::Error::Write {
                        path: path.clone(),
                        source,
                    })?;
                    println!("pruned {shown}: {} now agrees with the reference", spec.id);
                }
                (None, false) => println!(
                    "{shown}: {} agrees with the reference now ({} was found on {})",
                    spec.id,
                    case.rules.join(" "),
                    case.found
                ),
                (Some(what), true) => {
                    still_failing += 1;
                    println!("kept {shown}: still {what}");
                }
                (Some(what), false) => {
                    still_failing += 1;
                    println!(
                        "{shown}: {} still diverges: {what}\n\n{}",
                        spec.id, result.detail
                    );
                }
            }
        }
    }
    if prune {
        return Ok(EXIT_AGREEMENT);
    }
    Ok(if still_failing > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_AGREEMENT
    })
}
