//! What each command does, once its arguments are resolved: the plan is loaded, the engine
//! runs, and what it returns is printed and turned into an exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::args::{
    Command, CorpusAction, CorpusArgs, ImportFormat, MessageFormatArg, VectorsAction, VectorsArgs,
    VerifyArgs,
};
use super::repro::display_path;
use super::resolve::{Output, ReportSettings};
use crate::baseline::Baseline;
use crate::corpus::CorpusCase;
use crate::data::Origin;
use crate::errors::{Error, EXIT_AGREEMENT, EXIT_FINDINGS};
use crate::events::Event;
use crate::judge::canonical;
use crate::plan::{corpus_cases, Plan, Project, ReplayPlan};
use crate::progress::{MessageFormat, Progress};
use crate::replay::replay_all;
use crate::report::diff::{RunDiff, RunGroups};
use crate::report::merge::ShardRun;
use crate::report::Report;
use crate::verify::verify;

/// Runs one parsed command line and returns the process exit code.
pub fn run(cli: super::Cli) -> ExitCode {
    let result = match cli.command {
        Command::Verify(args) => run_verify(&args),
        Command::Vectors(args) => run_vectors(&args),
        Command::Repro(args) => args.project.resolve().and_then(|project| {
            let plan = ReplayPlan::one(&project, &args.file, args.implementation.as_deref())?;
            run_replay(&project, &plan, false)
        }),
        Command::Corpus(args) => run_corpus(&args),
        Command::Doctor(args) => args.project.resolve().and_then(|project| {
            print!("{}", crate::doctor::diagnose(&project)?.render());
            Ok(EXIT_AGREEMENT)
        }),
        Command::Report(args) => args.resolve().and_then(run_report),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error}");
            if let Some(hint) = error.hint() {
                eprintln!("  hint: {hint}");
            }
            ExitCode::from(error.exit_code())
        }
    }
}

/// `verify`; with `--message-format json` its last line on stdout is the run's end, or the
/// error that stopped it.
fn run_verify(args: &VerifyArgs) -> Result<u8, Error> {
    let streams = matches!(args.message_format, MessageFormatArg::Json);
    let result = args.resolve().and_then(|settings| {
        let format = settings.message_format;
        let plan = Plan::load(settings)?;
        let report = verify(&plan)?;
        show_and_save(report, &plan.settings.project.reports_dir, format)
    });
    if let (Err(error), true) = (&result, streams) {
        let event = Event::Error {
            exit_code: error.exit_code(),
            message: error.to_string(),
            hint: error.hint(),
        };
        event.write();
    }
    result
}

/// Prints a finished run's summary, then writes its report; the run's exit code. With
/// `format` json the summary goes to stderr and the run's last event to stdout.
fn show_and_save(
    mut report: Report,
    reports_dir: &Path,
    format: MessageFormat,
) -> Result<u8, Error> {
    let human = |text: String| match format {
        MessageFormat::Human => print!("{text}"),
        MessageFormat::Json => eprint!("{text}"),
    };
    // The summary first: what a run found reaches the console even when its report cannot
    // be written (a full disk).
    human(report.terminal_summary(Output::detect().colour));
    let dir = report.save(reports_dir)?;
    human(Report::saved_line(&dir));
    if format == MessageFormat::Json {
        Event::run_finished(&report, Some(dir.display().to_string())).write();
    }
    Ok(report.exit_code)
}

fn run_report(settings: ReportSettings) -> Result<u8, Error> {
    match settings {
        ReportSettings::Diff { a, b, counts } => {
            let a = RunGroups::load(&a)?;
            let b = RunGroups::load(&b)?;
            let diff = RunDiff::between(&a, &b);
            print!("{}", diff.render(&a, &b, counts));
            Ok(if diff.fails(counts) {
                EXIT_FINDINGS
            } else {
                EXIT_AGREEMENT
            })
        }
        ReportSettings::Merge {
            runs,
            baseline,
            known_flaky,
            reports_dir,
        } => {
            let runs = runs
                .iter()
                .map(|path| ShardRun::load(path))
                .collect::<Result<Vec<_>, _>>()?;
            let load = |path: &Option<PathBuf>| path.as_deref().map(Baseline::load).transpose();
            let (baseline, known_flaky) = (load(&baseline)?, load(&known_flaky)?);
            let report = crate::gate::merge(runs, baseline.as_ref(), known_flaky.as_ref())?;
            show_and_save(report, &reports_dir, MessageFormat::Human)
        }
    }
}

fn run_vectors(args: &VectorsArgs) -> Result<u8, Error> {
    let project = args.project.resolve()?;
    let writes = !matches!(args.action, VectorsAction::Check(_));
    if writes && args.vectors_dir.is_none() && project.data.origin == Origin::Embedded {
        // The embedded copy is rewritten from the binary on every use.
        return Err(Error::usage(
            "vectors regen and import write a checkout's vectors/, and there is none here",
            Some("run it inside a checkout of the harness (or with --root), or name a folder with --vectors-dir".into()),
        ));
    }
    project.data.ready()?;
    let dir = args.vectors_dir.clone().unwrap_or(project.vectors_dir);
    match &args.action {
        VectorsAction::Regen(filter) => {
            let changed = crate::vectors::regen(&dir, &filter.resolve()?)?;
            if changed.is_empty() {
                println!("vectors are up to date ({})", dir.display());
            }
            for path in changed {
                println!("rewrote {}", path.display());
            }
            Ok(EXIT_AGREEMENT)
        }
        VectorsAction::Check(filter) => {
            let drifts = crate::vectors::check(&dir, &filter.resolve()?)?;
            if drifts.is_empty() {
                println!("vectors match the reference ({})", dir.display());
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
        VectorsAction::Import(import) => match import.format {
            ImportFormat::Aegis => {
                let (out, count, disagreements) =
                    crate::vectors::aegis::import(&import.file, &dir)?;
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
        },
    }
}

fn run_corpus(args: &CorpusArgs) -> Result<u8, Error> {
    let project = args.project.resolve()?;
    match &args.action {
        CorpusAction::List(filter) => {
            list_corpus(&corpus_cases(&project, &filter.resolve()?)?, &project);
            Ok(EXIT_AGREEMENT)
        }
        CorpusAction::Prune {
            implementation,
            filter,
        } => {
            let plan = ReplayPlan::found_in(&project, implementation, &filter.resolve()?)?;
            run_replay(&project, &plan, true)
        }
    }
}

fn list_corpus(cases: &[(PathBuf, CorpusCase)], project: &Project) {
    if cases.is_empty() {
        println!("the corpus is empty");
    }
    for (path, case) in cases {
        println!(
            "{}  {} · {} · {} · {} bytes · found {}",
            display_path(&project.root, path),
            case.contract,
            case.implementation,
            case.rules.join(" "),
            canonical(&case.input).len(),
            case.found
        );
    }
}

/// `repro` (one case, show the diff) and `corpus prune` (delete the cases that now pass).
fn run_replay(project: &Project, plan: &ReplayPlan, prune: bool) -> Result<u8, Error> {
    let spec = &plan.implementation;
    let mut still_failing = 0;
    for ((path, case), result) in replay_all(spec, &plan.cases, &Progress::messages_only())? {
        let shown = display_path(&project.root, path);
        match (&result.divergence, prune) {
            (None, true) => {
                std::fs::remove_file(path).map_err(|source| Error::Write {
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
    Ok(if still_failing > 0 && !prune {
        EXIT_FINDINGS
    } else {
        EXIT_AGREEMENT
    })
}
