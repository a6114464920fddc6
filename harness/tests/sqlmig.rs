//! The `sql-migrations` contract end to end: the samples agree, the real lexigram-sql is
//! driven, and no temporary folder or database outlives a run, a crash or a Ctrl-C. Its
//! mutants are caught, and shrink to a few operations, in `mutants.rs`.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{processes_with, repo_root, serial, Sandbox};
use serde_json::Value;

#[test]
fn python_and_typescript_samples_agree_with_the_reference() {
    let _guard = serial();
    let run = Sandbox::new().run(&[
        "verify",
        "--impl",
        "py-sample,ts-sample",
        "--contract",
        "sql-migrations",
        "--cases",
        "300",
        "--seed",
        "2",
        "--quiet",
    ]);
    run.assert_agreement("sql-migrations samples");
    assert!(run.tally("sql-migrations", "ts-sample")["pass"].as_u64() > Some(300));
}

#[test]
fn the_real_lexigram_sql_is_driven_from_the_managed_venv() {
    let _guard = serial();
    let run = Sandbox::new().run(&[
        "verify",
        "--impl",
        "py",
        "--contract",
        "sql-migrations",
        "--cases",
        "150",
        "--seed",
        "1",
        "--shrink-time",
        "0",
        "--quiet",
    ]);
    // The real package is available (never replaced by a sample) and runs every case.
    assert_ne!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let report = run.report();
    let py = report["implementations"]
        .as_array()
        .and_then(|i| i.iter().find(|i| i["id"] == "py"))
        .unwrap();
    assert_eq!(py["packages"]["sql-migrations"]["name"], "lexigram-sql");
    assert!(!py["packages"]["sql-migrations"]["version"]
        .as_str()
        .unwrap_or("sample")
        .contains("sample"));
    let tally = run.tally("sql-migrations", "py");
    assert_eq!(tally["crash"], 0);
    assert_eq!(tally["adapterError"], 0, "{}", run.stdout);
    assert_eq!(tally["timeout"], 0, "{}", run.stdout);
    assert!(tally["cases"].as_u64() > Some(150));
}

/// Entries left under `dir`.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Starts `verify` of a marked py-sample with TMPDIR pointing at `tmp`.
fn start_marked(dir: &Path, tmp: &Path, marker: &str, cases: &str) -> std::process::Child {
    let config = dir.join("impls.toml");
    std::fs::write(
        &config,
        format!(
            "[impl.marked]\nlanguage = \"python\"\ncontracts = [\"sql-migrations\"]\nargv = [\"{{python}}\", \"{{root}}/adapters/py/adapter.py\", \"{marker}\"]\nenv = {{ LEXIGRAM_SQL_PY_SRC = \"{{root}}/adapters/samples/py\", SQLMIG_SAMPLE_MUTANT = \"\" }}\n"
        ),
    )
    .unwrap();
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "verify",
            "--impl",
            "marked",
            "--cases",
            cases,
            "--seed",
            "3",
            "--no-corpus",
            "--quiet",
        ])
        .arg("--config")
        .arg(&config)
        .arg("--root")
        .arg(repo_root())
        .arg("--reports-dir")
        .arg(dir.join("reports"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::var_os("HOME").unwrap_or_default())
        .env("TMPDIR", tmp)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for_adapter(marker: &str) -> u32 {
    let started = Instant::now();
    loop {
        if let Some((pid, _)) = processes_with(marker).first() {
            return *pid;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the adapter never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn no_temporary_folder_outlives_a_run_a_crash_or_ctrl_c() {
    let _guard = serial();
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let marker = format!("sqlmig-marker-{}", std::process::id());

    // A crash: the adapter is killed mid-run; the harness restarts it and goes on.
    let child = start_marked(dir.path(), &tmp, &marker, "400");
    let adapter = wait_for_adapter(&marker);
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!leftovers(&tmp).is_empty(), "cases use the scratch folder");
    Command::new("kill")
        .args(["-KILL", &adapter.to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("reports/latest/report.json")).unwrap(),
    )
    .unwrap();
    assert!(
        report["contracts"][0]["tallies"][0]["restarts"].as_u64() >= Some(1),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(leftovers(&tmp), Vec::<String>::new(), "after a crash");

    // Ctrl-C in the middle of a run.
    let child = start_marked(dir.path(), &tmp, &marker, "100000");
    wait_for_adapter(&marker);
    std::thread::sleep(Duration::from_millis(1500));
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(leftovers(&tmp), Vec::<String>::new(), "after Ctrl-C");
    assert!(processes_with(&marker).is_empty(), "the adapter is gone");
}
