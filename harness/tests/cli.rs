//! Exit codes and messages for bad input and broken infrastructure, and the command line's
//! conventions: global flags, colour, help, completions, the man page, the version (no
//! timers involved).

mod common;

use common::{fixture_config, harness, Sandbox};

#[test]
fn an_unknown_implementation_is_answered_with_the_closest_and_how_to_list_them() {
    let run = harness(&["verify", "--impl", "py-sampel", "--cases", "1"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown implementation `py-sampel`")
            && run.stderr.contains("did you mean `py-sample`?")
            && run.stderr.contains("`harness doctor` lists the"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("py-mutant"),
        "not every id: {}",
        run.stderr
    );
    let far = harness(&["verify", "--impl", "nope", "--cases", "1"]);
    assert_eq!(far.code, 2);
    assert!(
        far.stderr.contains("unknown implementation `nope`")
            && !far.stderr.contains("did you mean")
            && far.stderr.contains("`harness doctor` lists the"),
        "{}",
        far.stderr
    );
    let vector = harness(&[
        "verify",
        "--impl",
        "py-sample",
        "--contract",
        "budget",
        "--vector",
        "ok-resolve-immediatly",
    ]);
    assert_eq!(vector.code, 2);
    assert!(
        vector
            .stderr
            .contains("did you mean `ok-resolve-immediately`?"),
        "{}",
        vector.stderr
    );
    let repro = harness(&["corpus", "prune", "--impl", "ts-sampel"]);
    assert_eq!(repro.code, 2);
    assert!(
        repro.stderr.contains("did you mean `ts-sample`?"),
        "{}",
        repro.stderr
    );
}

#[test]
fn bad_flags_and_values_are_usage_errors() {
    assert_eq!(
        harness(&["verify", "--impl", "py-sample", "--frobnicate"]).code,
        2
    );
    assert_eq!(
        harness(&["verify", "--impl", "py-sample", "--cases", "many"]).code,
        2
    );
    assert_eq!(
        harness(&["verify", "--impl", "py-sample", "--color", "sometimes"]).code,
        2
    );
    assert_eq!(harness(&["verify"]).code, 2, "--impl is required");
    let run = harness(&["verify", "--impl", "py-sample", "--contract", "budgte"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown contract `budgte`")
            && run.stderr.contains("did you mean `budget`?")
            && run.stderr.contains("known contracts: budget"),
        "{}",
        run.stderr
    );
}

/// A quick run with no timers: migrate cases through the Python sample.
const QUICK: [&str; 9] = [
    "verify",
    "--impl",
    "py-sample",
    "--contract",
    "migrate",
    "--cases",
    "20",
    "--seed",
    "3",
];

#[test]
fn the_global_flags_go_before_or_after_the_command() {
    // `harness --root . --reports-dir D --corpus-dir C -q --color never verify …`
    let mut first = vec!["-q", "--color", "never"];
    first.extend(QUICK);
    let run = Sandbox::new().run_globals_first(&first);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    run.report();
    assert!(!run.stderr.contains("progress:"), "-q: {}", run.stderr);
    assert!(!run.stdout.contains('\x1b'), "never: {}", run.stdout);
    // … and after it, where --color always colours even a pipe.
    let mut after = QUICK.to_vec();
    after.extend(["--color", "always", "--quiet"]);
    let run = harness(&after);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("\x1b[1;32m"), "always: {}", run.stdout);
    // Under auto a pipe gets no colour.
    let run = harness(&QUICK);
    assert!(
        !run.stdout.contains('\x1b'),
        "auto into a pipe: {}",
        run.stdout
    );
    // The per-command copies are gone, not their behaviour: -q still parses after `corpus list`.
    assert_eq!(harness(&["corpus", "list", "-q"]).code, 0);
}

#[test]
fn the_headline_adds_up_to_the_tallies_and_plain_progress_reaches_100_percent() {
    let run = harness(&QUICK);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let fixed = run.report()["settings"]["fixedCases"]
        .as_u64()
        .expect("fixedCases");
    assert!(fixed > 0, "the migrate vectors run first");
    assert!(
        run.stdout
            .contains(&format!("· 20 generated + {fixed} golden vectors ·")),
        "{}",
        run.stdout
    );
    assert_eq!(run.tally("migrate", "py-sample")["pass"], 20 + fixed);
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("progress:"))
        .collect();
    assert_eq!(lines.len(), 10, "{}", run.stderr);
    let total = 20 + fixed;
    assert!(
        lines[9].starts_with(&format!("progress: {total}/{total} cases (100%)")),
        "{}",
        run.stderr
    );
}

#[test]
fn corpus_prune_says_what_it_pruned_and_kept() {
    let sandbox = Sandbox::new();
    let found = sandbox.run(&[
        "verify",
        "--impl",
        "py-mutant-shortcut-path",
        "--contract",
        "migrate",
        "--cases",
        "100",
        "--seed",
        "1",
        "--no-vectors",
        "--shrink-time",
        "5",
        "-q",
    ]);
    assert_eq!(found.code, 1, "{}\n{}", found.stdout, found.stderr);
    let saved = std::fs::read_dir(sandbox.corpus.path().join("migrate"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert!(saved > 0, "the mutant's finding is saved: {}", found.stdout);
    let kept = sandbox.run(&["corpus", "prune", "--impl", "py-mutant-shortcut-path"]);
    assert_eq!(kept.code, 0, "{}\n{}", kept.stdout, kept.stderr);
    assert!(
        kept.stdout.contains(&format!(
            "re-ran {saved} case(s) found in py-mutant-shortcut-path: pruned 0, kept {saved}"
        )),
        "{}",
        kept.stdout
    );
    let none = sandbox.run(&["corpus", "prune", "--impl", "py-sample"]);
    assert_eq!(none.code, 0);
    assert!(
        none.stdout
            .contains("no saved case was found in py-sample: nothing to prune"),
        "{}",
        none.stdout
    );
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let run = harness(&["--version"]);
    assert_eq!(run.code, 0);
    let line = run.stdout.trim();
    let commit = line
        .strip_prefix(&format!("harness {} (commit ", env!("CARGO_PKG_VERSION")))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{line}"));
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(common::repo_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    match head {
        // Built in this checkout: its HEAD, perhaps with changes.
        Some(head) => assert!(
            commit == head || commit == format!("{head}, modified"),
            "{line} (HEAD {head})"
        ),
        None => assert_eq!(commit, "unknown", "{line}"),
    }
}

#[test]
fn completions_for_every_shell_and_a_bash_script_bash_accepts() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = harness(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(
            // Fish spells a flag `-l impl`; the others `--impl`.
            ["verify", "doctor", "impl", "reports-dir"]
                .iter()
                .all(|word| run.stdout.contains(word)),
            "{shell}: {}",
            run.stdout
        );
    }
    let script = harness(&["completions", "bash"]).stdout;
    assert!(script.contains("complete -F _harness"), "{script}");
    let checked = std::process::Command::new("bash")
        .args(["-n", "-c", &script])
        .env_clear()
        .output()
        .expect("bash runs");
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    assert_eq!(harness(&["completions", "tcsh"]).code, 2);
}

#[test]
fn a_reader_that_goes_away_ends_the_output_not_the_command() {
    // `harness rules | head -1`: the pipe is closed before the harness writes to it.
    for args in [
        &["rules"][..],
        &["completions", "bash"],
        &["rules", "--format", "json"],
    ] {
        let mut child = Sandbox::new()
            .command(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the harness starts");
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("the harness finishes");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[test]
fn the_man_page_prints_as_roff_or_is_written_per_command() {
    let run = harness(&["man"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(".TH harness 1"), "{}", run.stdout);
    for section in [
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH SUBCOMMANDS",
        "Exit codes:",
    ] {
        assert!(run.stdout.contains(section), "{section}: {}", run.stdout);
    }
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let run = harness(&["man", "--dir", &pages.to_string_lossy()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for page in ["harness.1", "harness-verify.1", "harness-corpus-prune.1"] {
        let text =
            std::fs::read_to_string(pages.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page}");
    }
}

#[test]
fn help_shows_examples_exit_codes_and_environment() {
    let run = harness(&["--help"]);
    assert_eq!(run.code, 0);
    for part in [
        "Examples:",
        "harness --root . verify",
        "Exit codes:",
        "130, 143, 129",
        "Environment:",
        "NO_COLOR",
        "HARNESS_CACHE_DIR",
        "AEGIS_PY_SRC",
        "--color <WHEN>",
    ] {
        assert!(run.stdout.contains(part), "{part}: {}", run.stdout);
    }
    let verify = harness(&["verify", "--help"]);
    for part in [
        "--cases <N>",
        "--timing-slack-ms <MS>",
        "--shrink-time <SECS>",
        "Exit codes:",
    ] {
        assert!(verify.stdout.contains(part), "{part}: {}", verify.stdout);
    }
}

#[test]
fn malformed_config_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("impls.toml");
    std::fs::write(
        &config,
        "[impl.x]\nlanguage = \"python\"\ncontracts = [\"budget\"\n",
    )
    .unwrap();
    let run = harness(&[
        "verify",
        "--config",
        &config.to_string_lossy(),
        "--impl",
        "x",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("impls.toml") && run.stderr.contains("line 3"),
        "{}",
        run.stderr
    );
    assert!(
        run.report.is_none(),
        "no report for a run that never started"
    );
}

#[test]
fn unavailable_implementations_are_reported_with_their_fix_and_never_substituted() {
    for (id, fix) in [
        ("py", "fix: export AEGIS_PY_SRC="),
        ("ts", "fix: export AEGIS_TS_SRC="),
    ] {
        let run = harness(&[
            "verify",
            "--impl",
            id,
            "--contract",
            "budget",
            "--cases",
            "5",
            "--quiet",
        ]);
        assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains(&format!("{id} is unavailable")) && run.stdout.contains(fix),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("verify · no contract ran · seed"),
            "{}",
            run.stdout
        );
        let report = run.report();
        assert_eq!(report["verdict"], "infrastructure");
        assert_eq!(
            report["contracts"].as_array().map(Vec::len),
            Some(0),
            "nothing ran in its place"
        );
    }
}

#[test]
fn adapters_that_cannot_start_or_speak_another_protocol_are_infrastructure_failures() {
    let config = fixture_config();
    let config = config.to_string_lossy();
    let wrong = harness(&[
        "verify",
        "--config",
        &config,
        "--impl",
        "wrong-protocol",
        "--cases",
        "1",
        "--quiet",
    ]);
    assert_eq!(wrong.code, 3);
    assert!(wrong.stdout.contains("protocol 99"), "{}", wrong.stdout);
    let missing = harness(&[
        "verify",
        "--config",
        &config,
        "--impl",
        "missing-program",
        "--cases",
        "1",
        "--quiet",
    ]);
    assert_eq!(missing.code, 3);
    assert!(
        missing
            .stdout
            .contains("could not start `/nonexistent/interpreter`"),
        "{}",
        missing.stdout
    );
}
