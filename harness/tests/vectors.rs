//! `vectors` commands against the real binary (no timers involved).

mod common;

use common::{harness, repo_root};

fn vectors_dir_args(dir: &std::path::Path) -> Vec<String> {
    vec!["--vectors-dir".into(), dir.to_string_lossy().into_owned()]
}

fn run(args: &[&str], extra: &[String]) -> common::Run {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(extra.iter().map(String::as_str));
    harness(&all)
}

#[test]
fn committed_vectors_match_the_reference() {
    let run = harness(&["vectors", "check"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn an_edited_expectation_fails_check_with_a_diff_and_regen_restores_it() {
    let dir = tempfile::tempdir().unwrap();
    let extra = vectors_dir_args(dir.path());
    assert_eq!(run(&["vectors", "regen"], &extra).code, 0);
    let path = dir.path().join("budget.json");
    let original = std::fs::read_to_string(&path).unwrap();
    let edited = original.replacen("\"outcome\": \"ok\"", "\"outcome\": \"fallback\"", 1);
    assert_ne!(edited, original);
    std::fs::write(&path, &edited).unwrap();

    let check = run(&["vectors", "check"], &extra);
    assert_eq!(check.code, 1);
    let removed = check
        .stdout
        .lines()
        .any(|l| l.starts_with('-') && l.contains("\"outcome\": \"fallback\""));
    let added = check
        .stdout
        .lines()
        .any(|l| l.starts_with('+') && l.contains("\"outcome\": \"ok\""));
    assert!(removed && added, "{}", check.stdout);
    assert!(check.stdout.contains("vectors regen"), "{}", check.stdout);

    assert_eq!(run(&["vectors", "regen"], &extra).code, 0);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        original,
        "restored byte for byte"
    );
}

#[test]
fn a_malformed_vectors_file_is_an_input_error_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let extra = vectors_dir_args(dir.path());
    assert_eq!(
        run(&["vectors", "regen", "--contract", "migrate"], &extra).code,
        0
    );
    let path = dir.path().join("migrate.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\"rules\":", "\"rulez\":", 1)).unwrap();
    let verify = run(
        &[
            "verify",
            "--impl",
            "py-sample",
            "--contract",
            "migrate",
            "--vectors-only",
        ],
        &extra,
    );
    assert_eq!(verify.code, 2, "{}", verify.stderr);
    assert!(
        verify.stderr.contains("migrate.json")
            && verify.stderr.contains("line 9")
            && verify.stderr.contains("rulez"),
        "{}",
        verify.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text.replacen("\"rules\":", "\"rulez\":", 1),
        "the file is left as it was"
    );
}

#[test]
fn importing_aegis_vectors_flags_the_upstream_case_that_disagrees() {
    let dir = tempfile::tempdir().unwrap();
    let extra = vectors_dir_args(dir.path());
    let fixture = repo_root().join("harness/tests/fixtures/aegis-budget-cases.json");
    let import = run(
        &[
            "vectors",
            "import",
            "--format",
            "aegis",
            &fixture.to_string_lossy(),
        ],
        &extra,
    );
    assert_eq!(import.code, 1, "{}\n{}", import.stdout, import.stderr);
    assert!(
        import.stdout.contains("imported 6 aegis vector(s)"),
        "{}",
        import.stdout
    );
    assert!(import.stdout.contains("upstream case `late-value-accepted` disagrees with the reference (BUDGET-DEADLINE, BUDGET-EXCEEDED, BUDGET-TIMING)"), "{}", import.stdout);
    assert!(
        import
            .stdout
            .contains("outcome: upstream \"ok\", reference \"budget_exceeded\""),
        "{}",
        import.stdout
    );
    assert_eq!(
        import.stdout.matches("disagrees").count(),
        1,
        "{}",
        import.stdout
    );

    let written = std::fs::read_to_string(dir.path().join("budget.aegis.json")).unwrap();
    assert!(
        written.contains("\"id\": \"aegis-late-value-accepted\"")
            && written.contains("\"upstream\":"),
        "{written}"
    );
    // The imported file is regenerated like the others, and runs first in verify.
    assert_eq!(
        run(&["vectors", "regen", "--contract", "migrate"], &extra).code,
        0
    );
    assert_eq!(
        run(&["vectors", "check", "--contract", "budget"], &extra).code,
        1,
        "budget.json not written yet"
    );
}
