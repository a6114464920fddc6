//! The Python adapter's JSON codec (adapters/py/codec.py): in the managed venv orjson reads
//! and writes what it provably reads and writes as the stdlib does, and the stdlib does the
//! rest; on a plain interpreter the stdlib does it all. Both give the protocol's bytes.

mod common;

use std::process::Command;

use common::{repo_root, serial, verify};

/// Runs the codec's checks (fixtures/py_codec_check.py) on `python` in `mode`.
fn check_codec(python: &std::path::Path, mode: &str) {
    let root = repo_root();
    let mut command = Command::new(python);
    command
        .arg(root.join("harness/tests/fixtures/py_codec_check.py"))
        .arg(root.join("adapters/py"))
        .arg(mode)
        .env_clear();
    for keep in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(keep) {
            command.env(keep, value);
        }
    }
    let output = command.output().expect("the Python interpreter runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.starts_with("ok "),
        "{mode} on {}:\n{stdout}\n{}",
        python.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_managed_venv_reads_and_writes_with_orjson_exactly_as_the_stdlib_does() {
    let _guard = serial();
    // The run builds the managed venv when it is missing, and drives the real package
    // through the hybrid codec end to end.
    let run = verify(
        "migrate",
        "py",
        &["--cases", "300", "--seed", "5", "--shrink-time", "0"],
    );
    assert!(
        run.code == 0 || run.code == 1,
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    let tally = run.tally("migrate", "py");
    assert_eq!(tally["adapterError"], 0, "{}", run.stdout);
    assert_eq!(tally["protocol"], 0, "{}", run.stdout);
    check_codec(&repo_root().join(".harness/venv/bin/python"), "hybrid");
}

#[test]
fn a_plain_interpreter_reads_and_writes_with_the_stdlib_alone() {
    check_codec(std::path::Path::new("python3"), "stdlib");
}
