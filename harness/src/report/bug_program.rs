//! The program a bug report carries: the file it is saved as beside the report, and the
//! section saying how to run it and what it prints.

use std::fmt::Write as _;

use super::model::{Group, ProgramCheck, ProgramResult, Snippet};
use super::view::bug_file_name;
use crate::shell::shell_quote;

/// The file a group's program is saved as in `bugs/`, beside its report: the report's name
/// with the language's extension (`.mts` for TypeScript: always an ES module, so the
/// program's top-level `await import(…)` runs wherever it is saved).
pub fn program_file_name(group: &Group) -> Option<String> {
    let snippet = group.example.snippet.as_ref()?;
    let extension = match snippet.language.as_str() {
        "python" => "py",
        "typescript" => "mts",
        "javascript" => "mjs",
        _ => "txt",
    };
    let report = bug_file_name(group);
    let stem = report.strip_suffix(".md").unwrap_or(&report);
    Some(format!("{stem}.{extension}"))
}

/// The command that runs the program saved as `file`, from the report's folder: the
/// variables the implementation ran with, then its adapter's interpreter.
pub fn run_command(snippet: &Snippet, file: &str) -> String {
    let assignments = snippet
        .env
        .iter()
        .map(|(key, value)| format!("{key}={}", shell_quote(value)));
    let words = snippet
        .runner
        .iter()
        .map(|w| shell_quote(w).into_owned())
        .chain([shell_quote(file).into_owned()]);
    assignments.chain(words).collect::<Vec<_>>().join(" ")
}

/// "How to run it" for a report's program: the file, the command, the variable naming the
/// package, and what the exit codes mean.
pub fn run_section(snippet: &Snippet, file: &str, fenced: impl Fn(&str, &str) -> String) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "The program is saved beside this report as `{file}`. Run it from this folder:\n\n{}\n",
        fenced("sh", &run_command(snippet, file))
    );
    if let Some(variable) = &snippet.source {
        let set = if snippet.env.contains_key(variable) {
            "as above".to_owned()
        } else {
            format!("set it to your checkout (`{variable}=/path/to/…`)")
        };
        let _ = writeln!(
            md,
            "`{variable}` names where the package under test is ({set}); the program imports it from there.",
        );
    }
    let _ = writeln!(
        md,
        "It checks itself: it prints what the contract expects and what the implementation did, \
         then exits 1 printing `BUG PRESENT` while the bug is there, and 0 printing `fixed` once it is gone.\n"
    );
    if let Some(checked) = &snippet.checked {
        let _ = writeln!(md, "{}\n", check_sentence(checked));
    }
    if let (Some(expected), Some(actual)) = (&snippet.expected, &snippet.actual) {
        let _ = writeln!(
            md,
            "Expected by the contract, as the program prints it:\n\n{}\n\nWhat the implementation did:\n\n{}\n",
            fenced("text", expected),
            fenced("text", actual)
        );
    }
    md
}

/// What the harness saw when it ran the program, for its bug report.
pub fn check_sentence(checked: &ProgramCheck) -> String {
    match checked.result {
        ProgramResult::ShowsBug if checked.runs == 1 => {
            "Checked: the harness ran it once, as above, and it exited 1 printing `BUG PRESENT`."
                .into()
        }
        ProgramResult::ShowsBug => format!(
            "Checked: the harness ran it, as above, and it printed `fixed` {} time(s) before it \
             exited 1 printing `BUG PRESENT`: the bug depends on timing, so run it a few times.",
            checked.runs - 1
        ),
        ProgramResult::Fixed => format!(
            "**Run alone, this program does not show the bug**: the harness ran it {} times, \
             as above, and each time it exited 0 printing `fixed`. The divergence may need \
             state or timing the program does not recreate; the repro command above replays \
             the case through the adapter.",
            checked.runs
        ),
        ProgramResult::Failed => format!(
            "**This program failed when the harness ran it** ({}), printing neither verdict: \
             run it to see why before pasting it anywhere.",
            checked
                .exit_code
                .map_or("killed by a signal".to_owned(), |code| format!(
                    "exit {code}"
                ))
        ),
        ProgramResult::TimedOut => "**This program did not finish** when the harness ran it: \
            it was stopped at its time limit."
            .into(),
    }
}

/// The line a summary gives a group whose program did not show its bug (none when it did).
pub fn check_warning(checked: &ProgramCheck) -> Option<&'static str> {
    match checked.result {
        ProgramResult::ShowsBug => None,
        ProgramResult::Fixed => Some("bug program: run alone, it does not show the bug"),
        ProgramResult::Failed => Some("bug program: it failed when run (see its report)"),
        ProgramResult::TimedOut => Some("bug program: it did not finish when run"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_sets_the_variables_then_runs_the_interpreter_on_the_file() {
        let snippet = Snippet {
            language: "python".into(),
            env: [
                ("AEGIS_PY_SRC".to_owned(), "/src dir".to_owned()),
                ("TZ".to_owned(), "UTC".to_owned()),
            ]
            .into(),
            runner: vec!["/usr/bin/python3".into()],
            ..Snippet::default()
        };
        assert_eq!(
            run_command(&snippet, "py-x-1.py"),
            "AEGIS_PY_SRC='/src dir' TZ=UTC /usr/bin/python3 py-x-1.py"
        );
    }
}
