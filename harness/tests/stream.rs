//! `verify --message-format json`: stdout carries only JSON lines, each valid against
//! `reports/stream.schema.json`, for a clean run, a run with findings (a mutant), a run
//! stopped by SIGTERM mid-run and a run refused for bad input; the events agree with the
//! report the run wrote, and a seed gives the same events apart from timings. junit.xml's
//! `time` attributes are checked here too, on the run whose adapter times its cases.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use common::{repo_root, serial, Run, Sandbox};
use serde_json::{json, Value};

fn schema_path() -> PathBuf {
    repo_root().join("reports/stream.schema.json")
}

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = schema_path();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let schema: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        jsonschema::validator_for(&schema)
            .unwrap_or_else(|e| panic!("{} does not compile: {e}", path.display()))
    })
}

/// Every line of `stdout` as an event, each checked to be JSON and valid against the schema.
fn events(stdout: &str, stderr: &str) -> Vec<Value> {
    assert!(!stdout.is_empty(), "no events on stdout; stderr:\n{stderr}");
    stdout
        .lines()
        .enumerate()
        .map(|(number, line)| {
            let event: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("stdout line {} is not JSON ({e}): {line}", number + 1));
            let errors: Vec<String> = validator()
                .iter_errors(&event)
                .map(|e| format!("at `{}`: {e}", e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "stdout line {} breaks reports/stream.schema.json:\n  {}\n{line}",
                number + 1,
                errors.join("\n  ")
            );
            event
        })
        .collect()
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

/// The checks every finished run's stream passes: it opens with `run_started` for the
/// seed, ends with `run_finished` naming the exit code and the report folder, and has one
/// `case_finished` per case the report's tallies count, with the same statuses.
fn assert_matches_report(run: &Run, events: &[Value], seed: u64) {
    let first = &events[0];
    assert_eq!(first["type"], "run_started", "{first}");
    assert_eq!(first["seed"], seed);
    let last = events.last().expect("events");
    assert_eq!(last["type"], "run_finished", "{last}");
    assert_eq!(last["exitCode"], run.code, "{last}");
    let report = run.report();
    assert_eq!(last["verdict"], report["verdict"]);
    assert_eq!(last["runId"], report["runId"]);
    let folder = run.report_dir.as_ref().expect("a report folder");
    assert_eq!(last["report"], folder.display().to_string());
    assert_eq!(of_type(events, "run_started").len(), 1);
    assert_eq!(of_type(events, "run_finished").len(), 1);

    let mut statuses: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for event in of_type(events, "case_finished") {
        let key = (
            event["contract"].as_str().unwrap_or_default().to_owned(),
            event["implementation"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            event["status"].as_str().unwrap_or_default().to_owned(),
        );
        *statuses.entry(key).or_default() += 1;
    }
    let count = |contract: &str, implementation: &str, status: &str| {
        let key = (contract.into(), implementation.into(), status.into());
        statuses.get(&key).copied().unwrap_or(0)
    };
    for contract in report["contracts"].as_array().expect("contracts") {
        let id = contract["id"].as_str().expect("contract id");
        for tally in contract["tallies"].as_array().expect("tallies") {
            let implementation = tally["implementation"].as_str().expect("implementation");
            let streamed: u64 = statuses
                .iter()
                .filter(|((c, i, _), _)| c == id && i == implementation)
                .map(|(_, n)| n)
                .sum();
            assert_eq!(tally["cases"], streamed, "{id}/{implementation}: {tally}");
            assert_eq!(tally["diverge"], count(id, implementation, "diverge"));
            assert_eq!(tally["crash"], count(id, implementation, "crash"));
            assert_eq!(tally["timeout"], count(id, implementation, "timeout"));
        }
    }
    assert!(
        run.stderr.contains("report: "),
        "the human summary goes to stderr: {}",
        run.stderr
    );
}

/// The events with what the clock decides taken out (timings, the run id, the report
/// folder), sorted: cases finish in the order the implementations answer them.
fn without_timings(events: &[Value]) -> Vec<String> {
    let mut shown: Vec<String> = events
        .iter()
        .map(|event| {
            let mut event = event.clone();
            if let Some(fields) = event.as_object_mut() {
                for timed in ["elapsedMs", "runId", "report"] {
                    fields.remove(timed);
                }
            }
            event.to_string()
        })
        .collect();
    shown.sort();
    shown
}

#[test]
fn a_clean_run_streams_valid_events_and_the_same_ones_for_the_same_seed() {
    let _guard = serial();
    let args = [
        "verify",
        "--impl",
        "py-sample",
        "--contract",
        "migrate",
        "--cases",
        "40",
        "--seed",
        "5",
        "--message-format",
        "json",
    ];
    let sandbox = Sandbox::new();
    let run = sandbox.run(&args);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let first = events(&run.stdout, &run.stderr);
    assert_matches_report(&run, &first, 5);
    assert!(of_type(&first, "case_finished")
        .iter()
        .all(|e| e["status"] == "agree"));
    assert!(of_type(&first, "group_found").is_empty());
    assert_eq!(first.last().expect("events")["verdict"], "agreement");

    let again = sandbox.run(&args);
    let second = events(&again.stdout, &again.stderr);
    assert_eq!(without_timings(&first), without_timings(&second));
}

#[test]
fn a_run_with_findings_streams_each_group_found_and_shrunk() {
    let _guard = serial();
    let sandbox = Sandbox::new(); // owns the report folder the checks read
    let run = sandbox.run(&[
        "verify",
        "--impl",
        "py-mutant-late-value",
        "--contract",
        "budget",
        "--cases",
        "40",
        "--seed",
        "7",
        "--no-corpus",
        "--shrink-time",
        "3",
        "--message-format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let events = events(&run.stdout, &run.stderr);
    assert_matches_report(&run, &events, 7);
    let found = of_type(&events, "group_found");
    assert!(!found.is_empty(), "{}", run.stdout);
    for group in &found {
        // Each group is announced before any of its cases' later events, by the case that
        // found it, whose own event names the same group.
        let named = of_type(&events, "case_finished")
            .into_iter()
            .any(|case| case["group"] == group["group"] && case["case"] == group["case"]);
        assert!(named, "no case event names {group}");
    }
    let diverging = of_type(&events, "case_finished")
        .into_iter()
        .find(|e| e["status"] == "diverge")
        .expect("a diverging case");
    assert_eq!(diverging["group"]["kind"], "divergence", "{diverging}");
    assert!(diverging["rules"].as_array().is_some_and(|r| !r.is_empty()));
    let shrunk = of_type(&events, "group_shrunk");
    assert!(
        !shrunk.is_empty(),
        "the divergence is shrunk: {}",
        run.stdout
    );
    for event in shrunk {
        assert!(
            event["toBytes"].as_u64() <= event["fromBytes"].as_u64(),
            "{event}"
        );
    }
    assert_eq!(events.last().expect("events")["groups"], run.groups().len());

    // The budget adapter times each case: junit.xml carries the run's, the contract's and
    // each answered golden vector's time.
    let folder = run.report_dir.as_ref().expect("a report folder");
    let xml = std::fs::read_to_string(folder.join("junit.xml")).expect("junit.xml");
    let junit = quick_junit::Report::deserialize_from_str(&xml).expect("junit.xml reads");
    assert!(junit.time.is_some_and(|t| !t.is_zero()), "{xml}");
    let suite = &junit.test_suites[0];
    assert!(suite.time.is_some_and(|t| !t.is_zero()), "{xml}");
    let passed_vectors: Vec<_> = suite
        .test_cases
        .iter()
        .filter(|c| c.name.as_str().starts_with("vector "))
        .filter(|c| c.status == quick_junit::TestCaseStatus::success())
        .collect();
    assert!(passed_vectors.len() > 20, "{xml}");
    for case in passed_vectors {
        assert!(case.time.is_some(), "{:?} has no time", case.name);
    }
}

#[test]
fn an_interrupted_run_streams_cases_as_they_finish_and_ends_with_its_partial_report() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    let stderr_file = tempfile::NamedTempFile::new().expect("a file for stderr");
    let mut child = sandbox
        .command(&[
            "verify",
            "--impl",
            "py-sample",
            "--contract",
            "migrate",
            "--cases",
            "1000000",
            "--seed",
            "9",
            "--quiet",
            "--message-format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(stderr_file.reopen().expect("stderr file"))
        .spawn()
        .expect("the harness starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    // Cases are streamed while the run goes on: twenty of them arrive before the signal.
    let mut lines = Vec::new();
    while lines
        .iter()
        .filter(|l: &&String| l.contains("case_finished"))
        .count()
        < 20
    {
        let mut line = String::new();
        let read = stdout.read_line(&mut line).expect("stdout readable");
        assert!(read > 0, "the run ended before twenty cases: {lines:?}");
        lines.push(line);
    }
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("the rest of stdout");
    let status = child.wait().expect("the harness exits");
    let stderr = std::fs::read_to_string(stderr_file.path()).unwrap_or_default();
    assert_eq!(status.code(), Some(143), "{stderr}");
    let all = lines.concat() + &rest;
    let events = events(&all, &stderr);
    let last = events.last().expect("events");
    assert_eq!(last["type"], "run_finished", "{last}");
    assert_eq!(last["interrupted"], true);
    assert_eq!(last["interruptedBy"], "SIGTERM");
    assert_eq!(last["verdict"], "interrupted");
    assert_eq!(last["exitCode"], 143);
    let folder = PathBuf::from(last["report"].as_str().expect("a report folder"));
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(folder.join("report.json")).expect("the partial report"),
    )
    .expect("report.json");
    assert_eq!(report["interrupted"], true);
    let tally = &report["contracts"][0]["tallies"][0];
    assert_eq!(
        tally["cases"],
        of_type(&events, "case_finished").len(),
        "every case the report counts was streamed"
    );
}

#[test]
fn a_refused_run_says_why_in_one_error_line() {
    let run = Sandbox::new().run(&[
        "verify",
        "--impl",
        "no-such-implementation",
        "--message-format",
        "json",
    ]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    let events = events(&run.stdout, &run.stderr);
    assert_eq!(events.len(), 1, "{}", run.stdout);
    assert_eq!(events[0]["type"], "error");
    assert_eq!(events[0]["exitCode"], 2);
    assert!(
        events[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no-such-implementation")),
        "{}",
        events[0]
    );
}

#[test]
fn the_schema_refuses_events_it_does_not_describe() {
    let valid = json!({
        "type": "case_finished",
        "contract": "budget",
        "implementation": "py-sample",
        "case": {"generated": 3},
        "status": "agree",
    });
    assert!(validator().is_valid(&valid));
    let mut unknown_status = valid.clone();
    unknown_status["status"] = json!("fine");
    let mut no_case = valid.clone();
    no_case.as_object_mut().map(|o| o.remove("case"));
    let mut extra = valid.clone();
    extra["surprise"] = json!(1);
    for (what, event) in [
        ("an unknown status", unknown_status),
        ("no case", no_case),
        ("a field it does not list", extra),
        ("an unknown type", json!({"type": "case_started"})),
        (
            "a finished run without its report",
            json!({"type": "run_finished", "runId": "x", "verdict": "agreement", "exitCode": 0,
                   "interrupted": false, "groups": 0, "incidents": 0}),
        ),
    ] {
        assert!(!validator().is_valid(&event), "the schema accepts {what}");
    }
}
