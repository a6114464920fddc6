//! What each command does, once its arguments are resolved: the plan is loaded, the engine
//! runs, and what it returns is printed and turned into an exit code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory;

use super::args::{
    Cli, Command, CorpusAction, CorpusArgs, ImportFormat, ManArgs, MessageFormatArg, OutputArgs,
    ProjectArgs, VectorsAction, VectorsArgs, VerifyArgs,
};
use super::repro::display_path;
use super::resolve::ReportSettings;
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

/// `print!` that never panics: when the reader has gone away (`harness … | head`) the rest
/// of the output is dropped and the command still finishes (its report is still written).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// `println!` as [`out!`] does it.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Runs one parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let colour = cli.output.colour().stdout;
    let result = match &cli.command {
        Command::Verify(args) => run_verify(args, &cli.project, &cli.output),
        Command::Vectors(args) => cli.project.resolve().and_then(|p| run_vectors(args, p)),
        Command::Repro(args) => cli.project.resolve().and_then(|project| {
            let plan = ReplayPlan::one(&project, &args.file, args.implementation.as_deref())?;
            run_replay(&project, &plan, false)
        }),
        Command::Corpus(args) => cli.project.resolve().and_then(|p| run_corpus(args, &p)),
        Command::Doctor => cli.project.resolve().and_then(|project| {
            out!("{}", crate::doctor::diagnose(&project)?.render());
            Ok(EXIT_AGREEMENT)
        }),
        Command::Report(args) => args
            .resolve(&cli.project)
            .and_then(|settings| run_report(settings, colour)),
        Command::Completions(args) => write_completions(args.shell),
        Command::Man(args) => write_man(args),
        Command::Rules(args) => args.resolve().map(|(query, format)| {
            out!("{}", query.render(format));
            EXIT_AGREEMENT
        }),
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
fn run_verify(args: &VerifyArgs, project: &ProjectArgs, output: &OutputArgs) -> Result<u8, Error> {
    let streams = matches!(args.message_format, MessageFormatArg::Json);
    let colour = output.colour();
    let result = args.resolve(project, output).and_then(|settings| {
        let format = settings.message_format;
        let plan = Plan::load(settings)?;
        let report = verify(&plan)?;
        let colour = match format {
            MessageFormat::Human => colour.stdout,
            MessageFormat::Json => colour.stderr,
        };
        show_and_save(report, &plan.settings.project.reports_dir, colour, format)
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
    colour: bool,
    format: MessageFormat,
) -> Result<u8, Error> {
    let human = |text: String| match format {
        MessageFormat::Human => out!("{text}"),
        MessageFormat::Json => eprint!("{text}"),
    };
    // The summary first: what a run found reaches the console even when its report cannot
    // be written (a full disk). It names the files of the run folder, made for it first.
    let dir = report.make_run_dir(reports_dir);
    let shown_dir = dir
        .as_ref()
        .ok()
        .map(|d| display_path(&std::env::current_dir().unwrap_or_default(), d));
    human(report.terminal_summary(colour, shown_dir.as_deref()));
    let dir = dir?;
    report.save(&dir, reports_dir)?;
    human(Report::saved_line(&dir));
    if format == MessageFormat::Json {
        Event::run_finished(&report, Some(dir.display().to_string())).write();
    }
    Ok(report.exit_code)
}

/// `harness man`: the top page on stdout, or every command's page into `--dir`.
fn write_man(args: &ManArgs) -> Result<u8, Error> {
    let command = Cli::command();
    let Some(dir) = &args.dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut page)
            .map_err(|e| printing("the manual page", &e))?;
        return print_bytes(&page, "the manual page");
    };
    std::fs::create_dir_all(dir)
        .and_then(|()| clap_mangen::generate_to(command, dir))
        .map_err(|e| Error::Infrastructure {
            message: format!(
                "could not write the manual pages into {}: {e}",
                dir.display()
            ),
            hint: Some("name a folder you can write to with --dir".into()),
        })?;
    outln!(
        "wrote the manual pages (harness.1, harness-verify.1, …) into {}",
        dir.display()
    );
    Ok(EXIT_AGREEMENT)
}

/// `harness completions SHELL`: the script on stdout.
fn write_completions(shell: clap_complete::Shell) -> Result<u8, Error> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "harness", &mut script);
    print_bytes(&script, "the completion script")
}

/// Writes `bytes` to stdout. A reader that went away (`| head`) took what it wanted, as
/// with [`out!`]; any other failure is an error that says what was cut short.
fn print_bytes(bytes: &[u8], what: &str) -> Result<u8, Error> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(printing(what, &e)),
        _ => Ok(EXIT_AGREEMENT),
    }
}

fn printing(what: &str, error: &std::io::Error) -> Error {
    Error::Infrastructure {
        message: format!("could not print {what}: {error}"),
        hint: None,
    }
}

fn run_report(settings: ReportSettings, colour: bool) -> Result<u8, Error> {
    match settings {
        ReportSettings::Diff { a, b, counts } => {
            let a = RunGroups::load(&a)?;
            let b = RunGroups::load(&b)?;
            let diff = RunDiff::between(&a, &b);
            out!("{}", diff.render(&a, &b, counts));
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
            show_and_save(report, &reports_dir, colour, MessageFormat::Human)
        }
    }
}

fn run_vectors(args: &VectorsArgs, project: Project) -> Result<u8, Error> {
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
                outln!("vectors are up to date ({})", dir.display());
            }
            for path in changed {
                outln!("rewrote {}", path.display());
            }
            Ok(EXIT_AGREEMENT)
        }
        VectorsAction::Check(filter) => {
            let drifts = crate::vectors::check(&dir, &filter.resolve()?)?;
            if drifts.is_empty() {
                outln!("vectors match the reference ({})", dir.display());
                return Ok(EXIT_AGREEMENT);
            }
            for drift in &drifts {
                outln!(
                    "{} differs from what the reference gives:\n{}",
                    drift.path.display(),
                    drift.diff
                );
            }
            outln!("{} vectors file(s) out of date: review the diff, then run `cargo run -- vectors regen`", drifts.len());
            Ok(EXIT_FINDINGS)
        }
        VectorsAction::Import(import) => match import.format {
            ImportFormat::Aegis => {
                let (out, count, disagreements) =
                    crate::vectors::aegis::import(&import.file, &dir)?;
                outln!("imported {count} aegis vector(s) into {}", out.display());
                for d in &disagreements {
                    outln!(
                        "  upstream case `{}` disagrees with the reference ({}):",
                        d.id,
                        d.rules.join(", ")
                    );
                    for field in &d.fields {
                        outln!("    {field}");
                    }
                }
                if disagreements.is_empty() {
                    return Ok(EXIT_AGREEMENT);
                }
                outln!("{} upstream vector(s) disagree; the imported file keeps the reference's expectation and the upstream one beside it", disagreements.len());
                Ok(EXIT_FINDINGS)
            }
        },
    }
}

fn run_corpus(args: &CorpusArgs, project: &Project) -> Result<u8, Error> {
    match &args.action {
        CorpusAction::List(filter) => {
            list_corpus(&corpus_cases(project, &filter.resolve()?)?, project);
            Ok(EXIT_AGREEMENT)
        }
        CorpusAction::Prune {
            implementation,
            filter,
        } => {
            let plan = ReplayPlan::found_in(project, implementation, &filter.resolve()?)?;
            run_replay(project, &plan, true)
        }
    }
}

fn list_corpus(cases: &[(PathBuf, CorpusCase)], project: &Project) {
    if cases.is_empty() {
        outln!("the corpus is empty");
    }
    for (path, case) in cases {
        outln!(
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
                outln!("pruned {shown}: {} now agrees with the reference", spec.id);
            }
            (None, false) => outln!(
                "{shown}: {} agrees with the reference now ({} was found on {})",
                spec.id,
                case.rules.join(" "),
                case.found
            ),
            (Some(what), true) => {
                still_failing += 1;
                outln!("kept {shown}: still {what}");
            }
            (Some(what), false) => {
                still_failing += 1;
                out!(
                    "{}",
                    super::repro::still_failing(&shown, &spec.id, case, what, &result)
                );
            }
        }
    }
    if prune {
        outln!(
            "{}",
            prune_summary(&spec.id, plan.cases.len(), still_failing)
        );
    }
    Ok(if still_failing > 0 && !prune {
        EXIT_FINDINGS
    } else {
        EXIT_AGREEMENT
    })
}

/// The last line of `corpus prune`: what it re-ran, pruned and kept.
fn prune_summary(implementation: &str, replayed: usize, kept: usize) -> String {
    if replayed == 0 {
        return format!(
            "no saved case was found in {implementation}: nothing to prune (`harness corpus list` shows where each case was found)"
        );
    }
    format!(
        "re-ran {replayed} case(s) found in {implementation}: pruned {}, kept {kept} that still fail",
        replayed - kept
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_says_what_it_did_even_when_there_was_nothing_to_do() {
        assert_eq!(
            prune_summary("py-sample", 3, 1),
            "re-ran 3 case(s) found in py-sample: pruned 2, kept 1 that still fail"
        );
        assert!(
            prune_summary("py-sample", 0, 0).starts_with("no saved case was found in py-sample")
        );
    }
}
