//! Strings the harness does not control — implementation ids in a config or on the command
//! line, paths given on the command line, text an adapter sends — never reach a file name,
//! a pasted shell command or a Markdown report as anything but what they are.

mod common;

use std::path::Path;
use std::process::Command;

use common::{fixture_config, harness, serial, Sandbox};

/// An implementation of the budget contract: the bundled Python sample, built as the
/// `tags-leak` mutant so a short run diverges.
fn sample_impl(id: &str, argv_prefix: &str) -> String {
    format!(
        "[impl.{id}]\nlanguage = \"python\"\ncontracts = [\"budget\"]\n\
         argv = [{argv_prefix}\"{{python}}\", \"{{root}}/adapters/py/adapter.py\"]\n\
         env = {{ AEGIS_PY_SRC = \"{{root}}/adapters/samples/py\", AEGIS_SAMPLE_MUTANT = \"tags-leak\" }}\n"
    )
}

fn write_config(dir: &Path, text: &str) -> String {
    let path = dir.join("impls.toml");
    std::fs::write(&path, text).expect("config written");
    path.to_str().expect("a UTF-8 temporary path").to_owned()
}

#[test]
fn an_id_that_could_leave_the_run_folder_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "{}\n{}",
            sample_impl("ok", ""),
            sample_impl("\"../../x\"", "")
        ),
    );
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["verify", "--config", &config, "--impl", "all"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(&format!("{config}: line 7: [impl.\"../../x\"]")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: rename it") && run.stderr.contains("letters, digits"),
        "{}",
        run.stderr
    );
    assert!(run.report_dir.is_none(), "nothing was written");
}

#[test]
fn an_id_on_the_command_line_follows_the_same_rule() {
    let config = fixture_config();
    for id in ["../../x", ".hidden", "a b"] {
        let run = harness(&[
            "verify",
            "--config",
            &config.to_string_lossy(),
            "--impl",
            id,
        ]);
        assert_eq!(run.code, 2, "{id}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("--impl {id:?}"))
                && run.stderr.contains("letters, digits"),
            "{}",
            run.stderr
        );
    }
}

/// The argv sh passes to `cargo` when it runs `line`, a command starting `cargo …`.
fn argv_through_sh(line: &str) -> Vec<String> {
    let output = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("cargo() {{ printf '%s\\0' \"$@\"; }}\n{line}"))
        .env_clear()
        // Were a word to escape its quotes, what it runs runs out of harm's way.
        .current_dir(std::env::temp_dir())
        .output()
        .expect("/bin/sh runs");
    assert!(output.status.success(), "sh could not run {line}");
    String::from_utf8(output.stdout)
        .expect("UTF-8 words")
        .split_terminator('\0')
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_rerun_line_pasted_into_sh_runs_the_same_command_whatever_the_config_path() {
    let _guard = serial();
    let dir = tempfile::tempdir().unwrap();
    let awkward = dir.path().join("it's a dir; touch pwned $HOME `id`");
    std::fs::create_dir(&awkward).unwrap();
    let config = write_config(&awkward, &sample_impl("sample", ""));
    let args = [
        "verify",
        "--config",
        &config,
        "--impl",
        "sample",
        "--no-vectors",
        "--no-corpus",
        "--cases",
        "20",
        "--seed",
        "4",
        "--shrink-time",
        "0",
        "--quiet",
    ];
    let sandbox = Sandbox::new();
    let first = sandbox.run(&args);
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    let line = first.report()["repro"].as_str().expect("a rerun line");
    assert!(
        first.stdout.contains(&format!("rerun:  {line}")),
        "{}",
        first.stdout
    );
    let argv = argv_through_sh(line);
    assert_eq!(argv[..3], ["run", "--release", "--"], "{line}");
    let at = argv.iter().position(|w| w == "--config").expect(line);
    assert_eq!(argv[at + 1], config, "{line}");

    // What the line runs is the run again: same cases, same findings (shrinking, which
    // changes neither, is left out to save time).
    let words: Vec<&str> = argv[3..].iter().map(String::as_str).collect();
    let again = sandbox.run(&[&words[..], &["--shrink-time", "0", "--quiet"]].concat());
    assert_eq!(again.code, first.code, "{}\n{}", again.stdout, again.stderr);
    assert_eq!(again.report()["repro"], first.report()["repro"]);
    assert_eq!(
        again.tally("budget", "sample"),
        first.tally("budget", "sample")
    );

    // So does the repro line of a failing group.
    let repro = first.groups()[0]["example"]["repro"]
        .as_str()
        .expect("a repro line")
        .to_owned();
    let argv = argv_through_sh(&repro);
    let at = argv.iter().position(|w| w == "--config").expect(&repro);
    assert_eq!(argv[at + 1], config, "{repro}");
    assert!(
        !awkward.join("pwned").exists() && !std::env::temp_dir().join("pwned").exists(),
        "no word ran as a command"
    );
}

/// A version no report may show as markup: raw HTML, a table's pipe, code, emphasis, a
/// heading on a line of its own.
const HOSTILE_VERSION: &str = "9<script>alert(1)</script> | `x` **b**\n# h";
/// It as Markdown shows it: every markup character escaped, on one line.
const ESCAPED_VERSION: &str = r"9\<script\>alert(1)\</script\> \| \`x\` \*\*b\*\* \# h";

#[test]
fn a_version_an_adapter_reports_is_escaped_in_summary_and_bug_reports() {
    let _guard = serial();
    let dir = tempfile::tempdir().unwrap();
    let proxy = format!(
        "\"{{python}}\", \"{{root}}/harness/tests/fixtures/version_proxy.py\", {}, ",
        serde_json::to_string(HOSTILE_VERSION).unwrap()
    );
    let config = write_config(dir.path(), &sample_impl("hostile", &proxy));
    // The sandbox owns the reports folder: it must outlive the reading of the reports.
    let sandbox = Sandbox::new();
    let run = sandbox.run(&[
        "verify",
        "--config",
        &config,
        "--impl",
        "hostile",
        "--no-vectors",
        "--cases",
        "20",
        "--seed",
        "4",
        "--shrink-time",
        "0",
        "--quiet",
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let record = &run.report()["implementations"][0];
    assert_eq!(
        record["packages"]["budget"]["version"], HOSTILE_VERSION,
        "report.json keeps the version exactly"
    );
    let report_dir = run.report_dir.as_ref().expect("a run folder");

    let summary = std::fs::read_to_string(report_dir.join("summary.md")).unwrap();
    // Escaped, `<script>` becomes `\<script\>`: the raw tag appears nowhere.
    assert!(!summary.contains("<script>"), "{summary}");
    let row = summary
        .lines()
        .find(|l| l.starts_with("| hostile |"))
        .unwrap_or_else(|| panic!("no implementations row: {summary}"));
    assert!(row.contains(ESCAPED_VERSION), "{row}");
    let cells = row.replace(r"\|", "").matches('|').count();
    assert_eq!(cells, 5, "the row keeps its four cells: {row}");

    // The reports, not the programs saved beside them.
    let bugs: Vec<_> = std::fs::read_dir(report_dir.join("bugs"))
        .expect("a bug report folder")
        .map(|e| e.unwrap().path())
        .filter(|path| path.extension().is_some_and(|x| x == "md"))
        .collect();
    assert!(!bugs.is_empty());
    for bug in bugs {
        let text = std::fs::read_to_string(&bug).unwrap();
        let title = text.lines().next().unwrap_or_default();
        assert!(
            title.starts_with(&format!("# aegis {ESCAPED_VERSION}: ")),
            "{title}"
        );
        assert!(!text.contains("<script>"), "{text}");
    }
    let page = std::fs::read_to_string(report_dir.join("index.html")).unwrap();
    assert!(
        !page.contains("<script>alert(1)"),
        "and the page escapes it"
    );
}
