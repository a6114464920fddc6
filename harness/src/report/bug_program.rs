//! The program a bug report carries: the file it is saved as beside the report, and the
//! section saying how to run it and what it prints.

use std::fmt::Write as _;

use super::model::{Group, Snippet};
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
