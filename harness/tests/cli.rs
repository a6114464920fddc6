//! Exit codes and messages for bad input and broken infrastructure (no timers involved).

mod common;

use common::{fixture_config, harness};

#[test]
fn unknown_implementation_is_a_usage_error() {
    let run = harness(&["verify", "--impl", "nope", "--cases", "1"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown implementation `nope`") && run.stderr.contains("py-sample"),
        "{}",
        run.stderr
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
    assert_eq!(harness(&["verify"]).code, 2, "--impl is required");
    let run = harness(&["verify", "--impl", "py-sample", "--contract", "nope"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown contract `nope`") && run.stderr.contains("budget"),
        "{}",
        run.stderr
    );
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
