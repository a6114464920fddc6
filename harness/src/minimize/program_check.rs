//! Each bug program run once, as its report tells a reader to run it, before the report
//! says what it shows: a program that does not show the bug when run alone (the divergence
//! needs state or timing it does not recreate, or the adapter's snippet is wrong) would
//! otherwise be pasted into a bug tracker as proof.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use crate::report::{ProgramCheck, ProgramResult, Snippet};
use crate::run::session::signal_group;

/// Whatever else a program prints, these words are its verdict (see the bug report's "How
/// to run it"): `BUG PRESENT` with exit 1, `fixed` with exit 0.
const SHOWS_BUG: &str = "BUG PRESENT";
const FIXED: &str = "fixed";

/// Runs a program that printed `fixed` up to this many times: a bug that needs a race
/// to go one way may not show on every run, and a report that says so beats one that
/// calls a working program useless.
const RUNS_WHILE_FIXED: u32 = 3;

/// Runs `snippet`'s program saved as `file` in a scratch folder, with the command and
/// variables its report gives, for at most `limit` a run; again while it prints `fixed`, up
/// to [`RUNS_WHILE_FIXED`] runs.
pub async fn check(snippet: &Snippet, file: &str, limit: Duration) -> ProgramCheck {
    let failed = ProgramCheck {
        result: ProgramResult::Failed,
        exit_code: None,
        runs: 1,
    };
    let Some((program, args)) = snippet.runner.split_first() else {
        return failed;
    };
    let Ok(folder) = tempfile::Builder::new()
        .prefix("harness-bug-program-")
        .tempdir()
    else {
        return failed;
    };
    if std::fs::write(folder.path().join(file), &snippet.code).is_err() {
        return failed;
    }
    let mut runs = 0;
    loop {
        runs += 1;
        let (result, exit_code) = run(program, args, snippet, file, folder.path(), limit)
            .await
            .unwrap_or((ProgramResult::Failed, None));
        if result != ProgramResult::Fixed || runs == RUNS_WHILE_FIXED {
            return ProgramCheck {
                result,
                exit_code,
                runs,
            };
        }
    }
}

/// One run of the program: what it showed and its exit code; `None` when it could not be
/// started or waited for.
async fn run(
    program: &str,
    args: &[String],
    snippet: &Snippet,
    file: &str,
    folder: &Path,
    limit: Duration,
) -> Option<(ProgramResult, Option<i32>)> {
    let child = Command::new(program)
        .args(args)
        .arg(file)
        .envs(&snippet.env)
        .current_dir(folder)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own group, so a program that outlives its limit goes with all it started.
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .ok()?;
    let group = child.id().and_then(|pid| i32::try_from(pid).ok());
    let Ok(finished) = tokio::time::timeout(limit, child.wait_with_output()).await else {
        if let Some(group) = group {
            signal_group(group, libc::SIGKILL);
        }
        return Some((ProgramResult::TimedOut, None));
    };
    let output = finished.ok()?;
    let printed = [output.stdout.as_slice(), output.stderr.as_slice()]
        .map(String::from_utf8_lossy)
        .concat();
    let exit_code = output.status.code();
    let result = match exit_code {
        Some(1) if printed.contains(SHOWS_BUG) => ProgramResult::ShowsBug,
        Some(0) if printed.contains(FIXED) && !printed.contains(SHOWS_BUG) => ProgramResult::Fixed,
        _ => ProgramResult::Failed,
    };
    Some((result, exit_code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(code: &str) -> Snippet {
        Snippet {
            language: "sh".into(),
            code: code.into(),
            runner: vec!["sh".into()],
            env: [("SHOWN".to_owned(), "BUG PRESENT".to_owned())].into(),
            ..Snippet::default()
        }
    }

    async fn result(code: &str, limit_ms: u64) -> ProgramCheck {
        check(&shell(code), "bug.sh", Duration::from_millis(limit_ms)).await
    }

    #[tokio::test]
    async fn a_program_is_read_by_its_exit_code_and_its_words() {
        let shows = result("echo \"$SHOWN\" >&2; exit 1", 10_000).await;
        assert_eq!(shows.result, ProgramResult::ShowsBug);
        assert_eq!(shows.exit_code, Some(1));
        assert_eq!(shows.runs, 1);
        let fixed = result("echo fixed", 10_000).await;
        assert_eq!(
            (fixed.result, fixed.runs),
            (ProgramResult::Fixed, RUNS_WHILE_FIXED)
        );
        // A race that goes the bug's way on the second run only.
        let marks = tempfile::tempdir().expect("a scratch folder");
        let mut second = shell(
            "if [ -e \"$MARK\" ]; then echo \"$SHOWN\"; exit 1; fi; touch \"$MARK\"; echo fixed",
        );
        let mark = marks.path().join("ran").display().to_string();
        second.env.insert("MARK".into(), mark);
        let raced = check(&second, "bug.sh", Duration::from_secs(10)).await;
        assert_eq!((raced.result, raced.runs), (ProgramResult::ShowsBug, 2));
        let crashed = result("echo 'Traceback: fixed'; exit 2", 10_000).await;
        assert_eq!(crashed.result, ProgramResult::Failed);
        assert_eq!(crashed.exit_code, Some(2));
        // Exit 1 without the words is a program that failed, not one that shows the bug.
        assert_eq!(result("exit 1", 10_000).await.result, ProgramResult::Failed);
        let hung = result("sleep 30", 200).await;
        assert_eq!(hung.result, ProgramResult::TimedOut);
    }

    #[tokio::test]
    async fn a_program_without_a_command_failed() {
        let mut snippet = shell("exit 0");
        snippet.runner.clear();
        let checked = check(&snippet, "bug.sh", Duration::from_secs(5)).await;
        assert_eq!(checked.result, ProgramResult::Failed);
    }
}
