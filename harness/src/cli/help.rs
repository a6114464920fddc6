//! The longer texts of `--help`: examples, exit codes, the environment the harness reads,
//! and help that is computed (the contracts' defaults) so that it cannot drift from the
//! code. The version carries the commit the binary was built from (build.rs).

use crate::errors::exit_codes_help;

/// `harness --version`: the package version and the commit, e.g. `0.1.0 (commit 1a2b3c4)`,
/// `0.1.0 (commit 1a2b3c4, modified)` for a build of changed sources, or
/// `0.1.0 (commit unknown)` for a build outside git.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("HARNESS_COMMIT"),
    ")"
);

/// Environment variables the harness reads, and what for.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "NO_COLOR",
        "set and not empty: no colour under --color auto",
    ),
    (
        "HARNESS_CACHE_DIR",
        "where the built-in data, venv and node_modules are unpacked (--cache-dir wins)",
    ),
    (
        "XDG_CACHE_HOME",
        "else $XDG_CACHE_HOME/conformance-harness (when absolute)",
    ),
    ("HOME", "else ~/.cache/conformance-harness"),
    ("PATH", "where python3, node and npm are found"),
];

/// The variables the adapters read an implementation's sources from, per contract: the
/// Python and the TypeScript one, as the `sources` of adapters/impls.toml name them (a test
/// keeps the two in step). The built-in `py` and `ts` need them; the samples set their own.
pub const SOURCES: &[(&str, &str, &str)] = &[
    ("budget", "AEGIS_PY_SRC", "AEGIS_TS_SRC"),
    ("migrate", "ANTARIS_PY_SRC", "ANTARIS_TS_SRC"),
    ("sql-migrations", "LEXIGRAM_SQL_PY_SRC", "SQLMIG_TS_SRC"),
    ("ledger", "LEDGER_PY_SRC", "AEGIS_RUNTIME_SRC"),
    ("token-budget", "TOKEN_BUDGET_PY_SRC", "TOKEN_BUDGET_TS_SRC"),
];

/// After `harness --help`: examples, exit codes, environment.
pub fn top_level() -> String {
    let mut text = examples(&[
        (
            "harness verify --impl py-sample --contract budget",
            "1000 generated cases of one contract, random seed (printed)",
        ),
        (
            "harness --root . verify --impl py-sample,ts-sample --seed 7",
            "both samples on one case stream, this checkout's data",
        ),
        (
            "harness repro corpus/budget/2e36042202.json",
            "replay a saved case and show its diff",
        ),
        (
            "harness report diff latest RUN",
            "what changed between two runs",
        ),
        (
            "harness doctor",
            "where everything comes from, and what is available",
        ),
        (
            "harness completions bash > ~/.local/share/bash-completion/completions/harness",
            "",
        ),
    ]);
    text.push_str("\nExit codes:\n");
    text.push_str(&exit_codes_help());
    text.push_str("\nEnvironment:\n");
    for (name, what) in ENVIRONMENT {
        text.push_str(&format!("  {name:<18} {what}\n"));
    }
    text.push_str(
        "  Where an implementation's sources are, per contract (Python, TypeScript); an\n  \
         unavailable implementation's fix line names the one it needs:\n",
    );
    for (contract, python, typescript) in SOURCES {
        text.push_str(&format!("    {contract:<16}{python}, {typescript}\n"));
    }
    text.push_str("\nEach command's --help says more; docs/config.md documents conformance.toml.");
    text
}

/// After `harness verify --help`.
pub fn verify() -> String {
    let mut text = examples(&[
        (
            "harness verify --impl py-sample --cases 200 --seed 7",
            "every contract the sample implements",
        ),
        (
            "harness verify --impl py-sample --seed 7 --case 89",
            "one case alone (what repro lines print)",
        ),
        (
            "harness verify --impl all --profile hostile",
            "inputs that break the schema",
        ),
        (
            "harness verify --write-baseline ci/baseline.toml",
            "adopt today's divergences as known",
        ),
        (
            "harness verify --baseline ci/baseline.toml --shard 2/4",
            "a CI gate, one machine's quarter",
        ),
    ]);
    text.push_str("\nExit codes:\n");
    text.push_str(&exit_codes_help());
    text.push_str("\nWhen a run has several of 1, 3 and 4, the lowest wins.");
    text
}

/// After `harness repro --help`.
pub fn repro() -> String {
    examples(&[
        (
            "harness repro corpus/budget/2e36042202.json",
            "against the implementation it was found in",
        ),
        (
            "harness repro corpus/budget/2e36042202.json --impl ts-sample",
            "against another one",
        ),
    ]) + "\nExits 1 when the case still diverges, 0 when it agrees now."
}

/// After `harness report diff --help`.
pub fn rules() -> String {
    examples(&[
        ("harness rules", "every contract's rules, a line each"),
        (
            "harness rules budget",
            "one contract's rules with their full text",
        ),
        ("harness rules BUDGET-DEADLINE", "one rule, by its id alone"),
        (
            "harness rules --format json",
            "all of them for tools: [{contract, id, summary, text}]",
        ),
    ]) + "\nExits 2 for an unknown contract or rule, naming the closest ids."
}

pub fn report_diff() -> String {
    examples(&[
        ("harness report diff reports/20260101T000000Z-s7 latest", ""),
        (
            "harness report diff RUN_A RUN_B --counts",
            "count changes fail too",
        ),
    ])
}

/// After `harness completions --help`.
pub fn completions() -> String {
    examples(&[
        (
            "harness completions bash > ~/.local/share/bash-completion/completions/harness",
            "",
        ),
        (
            "harness completions zsh > ~/.zfunc/_harness",
            "with ~/.zfunc in $fpath",
        ),
        (
            "harness completions fish > ~/.config/fish/completions/harness.fish",
            "",
        ),
    ])
}

/// After `harness man --help`.
pub fn man() -> String {
    examples(&[
        ("harness man | man -l -", "read it now"),
        (
            "harness man --dir ~/.local/share/man/man1",
            "install a page per command",
        ),
    ])
}

/// `--window`'s help, its defaults read from the contracts themselves.
pub fn window() -> String {
    let mut by_window: Vec<(usize, Vec<&str>)> = Vec::new();
    for contract in reference::CONTRACTS {
        let window = contract.cases_in_flight();
        match by_window.iter_mut().find(|(w, _)| *w == window) {
            Some((_, ids)) => ids.push(contract.id()),
            None => by_window.push((window, vec![contract.id()])),
        }
    }
    let defaults: Vec<String> = by_window
        .iter()
        .map(|(window, ids)| format!("{window} for {}", ids.join(", ")))
        .collect();
    format!(
        "Cases in flight at once per adapter. Larger windows finish sooner but make the \
         event loop fire timers later (the summary shows how late) [default: per contract: {}]",
        defaults.join("; ")
    )
}

/// An "Examples:" section: each command, and what it does when that is worth saying.
fn examples(lines: &[(&str, &str)]) -> String {
    let mut text = String::from("Examples:\n");
    for (command, what) in lines {
        text.push_str(&format!("  {command}\n"));
        if !what.is_empty() {
            text.push_str(&format!("      {what}\n"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;
    use crate::cli::Cli;

    /// The value names of the scheme in `args.rs`'s header.
    const VALUE_NAMES: [&str; 17] = [
        "N",
        "MS",
        "SECS",
        "BYTES",
        "SEED",
        "ID",
        "ID[,ID…]",
        "FILE",
        "DIR",
        "RUN",
        "ZONE",
        "K/N",
        "PROFILE",
        "WHEN",
        "FORMAT",
        "SHELL",
        "COMMAND",
    ];

    /// Every command below `command`, itself included, with its path (`harness corpus prune`).
    fn commands(command: &clap::Command, path: String, all: &mut Vec<(String, clap::Command)>) {
        for sub in command.get_subcommands() {
            commands(sub, format!("{path} {}", sub.get_name()), all);
        }
        all.push((path, command.clone()));
    }

    #[test]
    fn every_command_and_argument_has_help_and_a_value_name_of_the_scheme() {
        let mut all = Vec::new();
        commands(&Cli::command(), "harness".into(), &mut all);
        assert!(all.len() > 10, "{}", all.len());
        for (path, command) in &all {
            if path != "harness" {
                assert!(command.get_about().is_some(), "`{path}` has no help text");
            }
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if ["help", "version"].contains(&id) {
                    continue;
                }
                assert!(
                    arg.get_help().is_some() || arg.get_long_help().is_some(),
                    "`{path}`'s argument {id} has no help text"
                );
                let names = arg
                    .get_value_names()
                    .filter(|_| arg.get_action().takes_values());
                for name in names.into_iter().flatten() {
                    assert!(
                        VALUE_NAMES.contains(&name.as_str()),
                        "`{path}`'s argument {id} takes <{name}>, outside the scheme {VALUE_NAMES:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_project_and_output_flags_are_declared_once_and_reach_every_command() {
        let cli = Cli::command();
        for flag in [
            "root",
            "config",
            "reports_dir",
            "corpus_dir",
            "cache_dir",
            "quiet",
            "color",
        ] {
            let arg = cli
                .get_arguments()
                .find(|a| a.get_id() == flag)
                .unwrap_or_else(|| panic!("--{flag} is not on the top level"));
            assert!(arg.is_global_set(), "--{flag} is not global");
        }
        for args in [
            vec!["harness", "--root", ".", "verify", "--impl", "x"],
            vec!["harness", "verify", "--impl", "x", "--root", "."],
            vec!["harness", "corpus", "list", "-q", "--color", "never"],
            vec![
                "harness", "-q", "--color", "always", "report", "diff", "a", "b",
            ],
        ] {
            Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        }
    }

    #[test]
    fn the_window_help_names_every_contract_with_its_default() {
        let help = window();
        for contract in reference::CONTRACTS {
            assert!(help.contains(contract.id()), "{help}");
        }
        assert!(help.contains("256 for budget"), "{help}");
    }

    #[test]
    fn the_help_names_every_source_variable_of_the_built_in_adapters() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../adapters/impls.toml");
        let config: toml::Table = std::fs::read_to_string(path)
            .expect("adapters/impls.toml")
            .parse()
            .expect("TOML");
        let sources = |language: &str| -> toml::Table {
            config["language"][language]["sources"]
                .as_table()
                .cloned()
                .unwrap_or_else(|| panic!("{language} has sources"))
        };
        let (python, typescript) = (sources("python"), sources("typescript"));
        assert_eq!(python.len(), SOURCES.len());
        assert_eq!(typescript.len(), SOURCES.len());
        for (contract, py, ts) in SOURCES {
            assert_eq!(python[*contract].as_str(), Some(*py), "{contract}");
            assert_eq!(typescript[*contract].as_str(), Some(*ts), "{contract}");
        }
        let help = top_level();
        for (name, _) in ENVIRONMENT {
            assert!(help.contains(name), "{name}");
        }
        for (_, py, ts) in SOURCES {
            assert!(help.contains(py) && help.contains(ts), "{help}");
        }
    }
}
