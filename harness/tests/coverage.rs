//! `verify --coverage`: both adapters measure the samples' own files, a line the generator
//! cannot reach is listed as never reached and a line every case runs as hit, in both
//! languages; an adapter without the protocol's coverage option still runs, and the report
//! says its coverage is unavailable.

mod common;

use common::{repo_root, serial, Sandbox};
use serde_json::Value;

/// The 1-based number of the one line of `file` (from the repository root) holding `text`.
fn line_of(file: &str, text: &str) -> u64 {
    let source = std::fs::read_to_string(repo_root().join(file)).expect("sample source");
    let found: Vec<u64> = (1..)
        .zip(source.lines())
        .filter(|(_, line)| line.contains(text))
        .map(|(n, _)| n)
        .collect();
    assert_eq!(found.len(), 1, "{text:?} in {file}: lines {found:?}");
    found[0]
}

/// The coverage record of `implementation` for `contract`.
fn record<'a>(report: &'a Value, implementation: &str, contract: &str) -> &'a Value {
    report["coverage"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|r| r["implementation"] == implementation && r["contract"] == contract)
        })
        .unwrap_or_else(|| panic!("no coverage for {implementation}/{contract}: {report}"))
}

/// Whether `line` of `file` was reached, per the record: Some(false) when listed as never
/// reached, Some(true) when counted but not missed; panics when the file is not measured.
fn reached(record: &Value, file: &str, line: u64) -> bool {
    let measured = record["files"]
        .as_array()
        .and_then(|files| files.iter().find(|f| f["path"] == file))
        .unwrap_or_else(|| panic!("{file} not measured: {record}"));
    let missed = measured["missed"].as_array().expect("missed lines");
    !missed.iter().any(|m| m.as_u64() == Some(line))
}

#[test]
fn both_samples_report_unreachable_lines_as_missed_and_common_lines_as_hit() {
    let _guard = serial();
    let sandbox = Sandbox::new(); // its folders hold the run's files until the test ends
    let run = sandbox.run(&[
        "verify",
        "--impl",
        "py-sample,ts-sample",
        "--contract",
        "token-budget",
        "--cases",
        "200",
        "--seed",
        "3",
        "--coverage",
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = run.report();

    let py_file = "adapters/samples/py/token_budget_sample/__init__.py";
    let py = record(report, "py-sample", "token-budget");
    assert_eq!(py["status"], "measured", "{py}");
    // Only a mutant takes this branch: the bundled sample never does.
    let mutant_only = line_of(py_file, "is_int = isinstance(value, int)  # MUTANT");
    assert!(!reached(py, py_file, mutant_only), "{py}");
    // Every case builds a budget.
    let every_case = line_of(py_file, "if MUTANT == \"null-as-default\":");
    assert!(reached(py, py_file, every_case), "{py}");

    let ts_file = "adapters/samples/ts/token-budget/budget.ts";
    let ts = record(report, "ts-sample", "token-budget");
    assert_eq!(ts["status"], "measured", "{ts}");
    // The normal profile always gives the fields as an object.
    let never = line_of(ts_file, "TokenBudget: the fields must be an object");
    assert!(!reached(ts, ts_file, never), "{ts}");
    let every_case = line_of(
        ts_file,
        "if (MUTANT !== \"mutating-with\") Object.freeze(this);",
    );
    assert!(reached(ts, ts_file, every_case), "{ts}");

    // The adapters' own files, the standard library and node_modules are not measured.
    for r in [py, ts] {
        for file in r["files"].as_array().expect("files") {
            let path = file["path"].as_str().unwrap_or_default();
            assert!(path.starts_with("adapters/samples/"), "{path}");
        }
    }
    assert!(
        run.stdout.contains("ts-sample · token-budget: lines "),
        "{}",
        run.stdout
    );
    let dir = run.report_dir.as_ref().expect("run folder");
    let summary = std::fs::read_to_string(dir.join("summary.md")).expect("summary.md");
    assert!(summary.contains("## Coverage"), "{summary}");
    assert!(summary.contains(&format!("`{py_file}`")), "{summary}");
    let page = std::fs::read_to_string(dir.join("index.html")).expect("index.html");
    assert!(page.contains("<h2 id=\"coverage\">Coverage</h2>"));
    // The unreached TypeScript line is shown in its source, escaped.
    assert!(
        page.contains("TokenBudget: the fields must be an object, got ${shown(fields)}"),
        "the never-reached line is not shown"
    );
}

#[test]
fn an_adapter_without_the_coverage_option_runs_and_is_reported_unavailable() {
    let _guard = serial();
    // The sample's adapter behind a proxy that hides the offer from it.
    let run = Sandbox::new().run(&[
        "--config",
        &common::fixture_config().to_string_lossy(),
        "verify",
        "--impl",
        "no-coverage",
        "--contract",
        "migrate",
        "--cases",
        "20",
        "--seed",
        "1",
        "--coverage",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let r = record(run.report(), "no-coverage", "migrate");
    assert_eq!(r["status"], "unavailable", "{r}");
    assert!(r["reason"]
        .as_str()
        .unwrap_or_default()
        .contains("coverage"));
    assert!(
        run.stdout
            .contains("no-coverage · migrate: coverage unavailable"),
        "{}",
        run.stdout
    );
}

#[test]
fn shards_coverage_merges_into_the_coverage_of_the_whole_run() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    let verify = |extra: &[&str]| {
        let run = [
            "verify",
            "--impl",
            "py-sample,ts-sample",
            "--contract",
            "migrate",
            "--cases",
            "120",
            "--seed",
            "5",
            "--coverage",
            "--quiet",
        ];
        let run = sandbox.run(&[&run[..], extra].concat());
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        run
    };
    let whole = verify(&[]);
    let shards = [verify(&["--shard", "1/2"]), verify(&["--shard", "2/2"])];
    let dirs: Vec<String> = shards
        .iter()
        .map(|run| {
            run.report_dir
                .as_ref()
                .expect("a run folder")
                .display()
                .to_string()
        })
        .collect();
    let merged = sandbox.run(&["report", "merge", &dirs[0], &dirs[1]]);
    assert_eq!(merged.code, 0, "{}\n{}", merged.stdout, merged.stderr);
    let (merged, whole) = (merged.report(), whole.report());
    // Each shard alone reached less than the whole run: the merge has something to join.
    let py = |report: &Value| record(report, "py-sample", "migrate")["lines"]["hit"].clone();
    assert!(
        shards.iter().any(|s| py(s.report()) != py(whole)),
        "a shard reached what the whole run reached: nothing was joined"
    );
    // Python's lines and arcs are known ahead of the run: the join is exact.
    assert_eq!(
        record(merged, "py-sample", "migrate"),
        record(whole, "py-sample", "migrate")
    );
    // TypeScript's lines are too; its branches are V8's blocks, which only a run names.
    let ts_lines = |report: &Value| {
        let ts = record(report, "ts-sample", "migrate");
        let files = ts["files"].as_array().expect("files").iter();
        let files: Vec<Value> = files
            .map(|f| serde_json::json!([f["path"], f["lines"], f["missed"], f["excerpts"]]))
            .collect();
        (ts["lines"].clone(), files)
    };
    assert_eq!(ts_lines(merged), ts_lines(whole));
}
