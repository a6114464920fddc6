//! End-to-end tests of `verify` against the bundled samples, mutants and misbehaving
//! adapters. They use real timers, so they run one at a time.

mod common;

use common::{fixture_config, harness, serial, Run, Sandbox};
use proptest::strategy::ValueTree;
use reference::{generate_case, GenSettings};
use serde_json::Value;

fn without_timings(mut report: Value) -> Value {
    let object = report.as_object_mut().expect("report is an object");
    object.remove("timings");
    object.remove("runId");
    report
}

#[test]
fn samples_agree_and_same_seed_gives_the_same_report() {
    let _guard = serial();
    // 400 cases all in flight at once, each lasting up to a second: hundreds overlap, so
    // any event attributed to the wrong case would show up as a divergence.
    let args = [
        "verify",
        "--no-vectors",
        "--impl",
        "py-sample,ts-sample",
        "--contract",
        "budget",
        "--cases",
        "400",
        "--window",
        "400",
        "--seed",
        "11",
        "--quiet",
    ];
    let first = harness(&args);
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    assert_eq!(first.tally("budget", "py-sample")["pass"], 400);
    assert_eq!(first.tally("budget", "ts-sample")["pass"], 400);
    let agreement = &first.report()["contracts"][0]["agreement"][0];
    assert_eq!(
        (
            agreement["compared"].as_u64(),
            agreement["identical"].as_u64()
        ),
        (Some(400), Some(400))
    );
    assert!(
        first.stdout.contains("seed 11") && first.stdout.contains("rerun:"),
        "{}",
        first.stdout
    );
    let second = harness(&args);
    assert_eq!(
        without_timings(first.report().clone()),
        without_timings(second.report().clone())
    );
}

#[test]
fn a_seeds_findings_are_the_same_report_on_every_run() {
    let _guard = serial();
    // Budget outputs carry measured elapsed times: they must stay out of what is reported.
    let args = [
        "verify",
        "--impl",
        "py-mutant-late-value,ts-sample",
        "--contract",
        "budget",
        "--cases",
        "150",
        "--seed",
        "5",
        "--shrink-time",
        "0",
        "--quiet",
    ];
    let first = harness(&args);
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    assert!(first.groups().len() >= 2, "a divergence and a twin drift");
    let second = harness(&args);
    assert_eq!(
        without_timings(first.report().clone()),
        without_timings(second.report().clone())
    );
}

#[test]
fn a_repro_command_reruns_exactly_that_case() {
    let _guard = serial();
    // Without shrinking, a group's example is a generated case as it was found.
    let whole = harness(&[
        "verify",
        "--no-vectors",
        "--impl",
        "py-mutant-late-value",
        "--cases",
        "200",
        "--seed",
        "7",
        "--shrink-time",
        "0",
        "--quiet",
    ]);
    let group = whole.groups()[0].clone();
    let case = group["example"]["case"]
        .as_u64()
        .expect("example case index");
    let alone = harness(&[
        "verify",
        "--no-vectors",
        "--impl",
        "py-mutant-late-value",
        "--seed",
        "7",
        "--case",
        &case.to_string(),
        "--shrink-time",
        "0",
        "--quiet",
    ]);
    assert_eq!(alone.code, 1);
    assert_eq!(alone.groups().len(), 1);
    assert_eq!(
        alone.groups()[0]["example"]["input"],
        group["example"]["input"]
    );
    // The same cause; the run's group lists every rule its cases broke, the case alone its own.
    let one = &alone.groups()[0];
    assert_eq!(
        (&one["rule"], &one["place"]),
        (&group["rule"], &group["place"])
    );
    let all = group["rules"].as_array().unwrap();
    assert!(
        one["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| all.contains(r)),
        "{one} vs {group}"
    );
}

#[test]
fn a_three_way_run_shows_both_sides_and_names_the_one_that_drifted() {
    let _guard = serial();
    let run = harness(&[
        "verify",
        "--no-vectors",
        "--impl",
        "py-mutant-late-value,ts-sample",
        "--cases",
        "200",
        "--seed",
        "7",
        "--quiet",
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(run.tally("budget", "ts-sample")["pass"], 200);
    // The twins part, and that comes first; the mutant's own divergence follows.
    let groups = run.groups();
    assert_eq!(groups[0]["kind"], "twin_drift", "{groups:?}");
    assert_eq!(
        groups[0]["implementation"],
        "py-mutant-late-value+ts-sample"
    );
    let group = groups
        .into_iter()
        .find(|g| g["kind"] == "divergence")
        .expect("the mutant's divergence")
        .clone();
    assert_eq!(group["implementation"], "py-mutant-late-value");
    assert_eq!(
        group["example"]["drift"],
        "py-mutant-late-value drifted: ts-sample agree(s) with the reference"
    );
    assert_eq!(group["example"]["others"][0]["implementation"], "ts-sample");
    assert_eq!(group["example"]["others"][0]["status"], "agrees");
    assert!(
        run.stdout.contains("side by side") && run.stdout.contains("│ ts-sample"),
        "{}",
        run.stdout
    );
}

#[test]
fn twins_that_break_a_rule_differently_are_twin_drift_shown_first_everywhere() {
    let _guard = serial();
    // Both mutants break BUDGET-ONE-EVENT, one with a second event, one without the tenant.
    let sandbox = Sandbox::new();
    let run = sandbox.run(&[
        "verify",
        "--no-vectors",
        "--impl",
        "ts-mutant-double-event,ts-mutant-tenant-dropped",
        "--contract",
        "budget",
        "--cases",
        "300",
        "--seed",
        "1",
        "--shrink-time",
        "0",
        "--quiet",
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let groups = run.groups();
    assert_eq!(groups[0]["kind"], "twin_drift", "{groups:?}");
    let twin = groups
        .iter()
        .find(|g| {
            g["kind"] == "twin_drift" && g["rules"] == serde_json::json!(["BUDGET-ONE-EVENT"])
        })
        .unwrap_or_else(|| panic!("no twin drift citing BUDGET-ONE-EVENT: {groups:?}"));
    assert_eq!(
        twin["implementation"],
        "ts-mutant-double-event+ts-mutant-tenant-dropped"
    );
    let repro = twin["example"]["repro"].as_str().unwrap_or_default();
    assert!(
        repro.contains("--impl ts-mutant-double-event,ts-mutant-tenant-dropped"),
        "{repro}"
    );
    assert!(run.stdout.contains("\n  twin drift: "), "{}", run.stdout);
    let first_group = run.stdout.lines().find(|l| l.starts_with("  [1] "));
    assert!(
        first_group.is_some_and(|l| l.contains("twin_drift")),
        "{}",
        run.stdout
    );
    let dir = run.report_dir.as_ref().expect("a run folder");
    let summary = std::fs::read_to_string(dir.join("summary.md"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let headline = summary.find("twin drift: ").expect("a twin-drift line");
    assert!(
        headline < summary.find("## Implementations").unwrap_or(0),
        "{summary}"
    );
    let junit = std::fs::read_to_string(dir.join("junit.xml")).expect("junit.xml");
    let first_case = junit.find("<testcase").expect("test cases");
    assert!(
        junit[first_case..].starts_with("<testcase name=\"twin_drift"),
        "{}",
        &junit[first_case..first_case + 200]
    );
    let html = std::fs::read_to_string(dir.join("index.html")).expect("index.html");
    assert!(html.contains("twin drift: the implementations disagree"));
}

#[test]
fn correct_samples_whose_event_loops_stall_raise_no_false_alarm() {
    let _guard = serial();
    // Stalls of up to 100 ms make timers late at random; whatever diverges because of them
    // must not repeat alone, so it is flaky, never a failure.
    let run = harness(&[
        "verify",
        "--no-vectors",
        "--impl",
        "py-sample-jitter,ts-sample-jitter",
        "--contract",
        "budget",
        "--cases",
        "1500",
        "--seed",
        "1",
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let tally = run.tally("budget", "py-sample-jitter");
    assert!(
        tally["flaky"].as_u64() <= tally["rerunAlone"].as_u64(),
        "{tally}"
    );
    assert!(
        run.report()["timings"]["implementations"]["budget/py-sample-jitter"]["timerLagMs"]["max"]
            .as_f64()
            > Some(15.0),
        "the stalls happened: {}",
        run.stdout
    );
}

#[test]
fn a_divergence_every_implementation_shares_is_flagged_as_a_contract_question() {
    let _guard = serial();
    // Both samples leave tags behind only in their mutants; two Python processes running
    // the same mutant stand in for two ports sharing one misreading of the contract.
    let config = fixture_config();
    let run = harness(&[
        "verify",
        "--no-vectors",
        "--config",
        &config.to_string_lossy(),
        "--impl",
        "tags-leak-a,tags-leak-b",
        "--cases",
        "30",
        "--seed",
        "2",
        "--quiet",
    ]);
    assert_eq!(run.code, 1);
    for group in run.groups() {
        // The same wrong output everywhere is no twin drift.
        assert_eq!(group["kind"], "divergence", "{group}");
        assert_eq!(group["sharedWithAll"], group["count"], "{group}");
        assert!(
            group["example"]["drift"]
                .as_str()
                .unwrap_or_default()
                .contains("contract question"),
            "{group}"
        );
    }
}

/// The cases of seed `seed` on which the chaos proxy misbehaves (timeoutMs % 5 == 0).
fn triggered(seed: u64, cases: u64) -> Vec<u64> {
    let budget = reference::contract("budget").expect("budget contract");
    (0..cases)
        .filter(|&i| {
            generate_case(budget, &GenSettings::default(), seed, i).current()["budget"]["timeoutMs"]
                .as_u64()
                .unwrap_or(1)
                % 5
                == 0
        })
        .collect()
}

fn chaos(implementation: &str, seed: u64, cases: u64) -> (Run, Vec<u64>) {
    let config = fixture_config();
    let config = config.to_string_lossy();
    let run = harness(&[
        "verify",
        "--no-vectors",
        "--config",
        &config,
        "--impl",
        implementation,
        "--cases",
        &cases.to_string(),
        "--seed",
        &seed.to_string(),
        "--ping-grace-ms",
        "500",
        // These runs are about pinning each failure on its case, which takes a restart or
        // more per failing case; the restart budget has tests of its own (chaos.rs).
        "--max-restarts",
        "100",
        "--quiet",
    ]);
    let expected = triggered(seed, cases);
    assert!(
        !expected.is_empty() && expected.len() < cases as usize,
        "seed {seed} should trigger some but not all cases: {expected:?}"
    );
    (run, expected)
}

/// Every case accounted for: the triggered ones with `status`, all others passed.
fn assert_accounted(run: &Run, implementation: &str, status: &str, cases: u64, expected: &[u64]) {
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let tally = run.tally("budget", implementation);
    assert_eq!(tally["cases"], cases, "{tally}");
    assert_eq!(tally[status], expected.len(), "{tally}");
    assert_eq!(tally["pass"], cases - expected.len() as u64, "{tally}");
    let groups = run.groups();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0]["kind"], status);
    let first: Vec<u64> = groups[0]["firstCases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(first, expected.iter().copied().take(10).collect::<Vec<_>>());
}

#[test]
fn an_adapter_that_crashes_on_some_cases() {
    let _guard = serial();
    for implementation in ["chaos-crash", "ts-chaos-crash"] {
        let (run, expected) = chaos(implementation, 3, 20);
        assert_accounted(&run, implementation, "crash", 20, &expected);
        let example = &run.groups()[0]["example"];
        assert!(
            example["stderrTail"]
                .as_str()
                .unwrap_or_default()
                .contains("chaos: crashing"),
            "{example}"
        );
        assert!(
            example["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("exited"),
            "{example}"
        );
    }
}

#[test]
fn an_adapter_that_never_answers_some_cases() {
    let _guard = serial();
    for implementation in ["chaos-hang", "ts-chaos-hang"] {
        let (run, expected) = chaos(implementation, 3, 40);
        assert_accounted(&run, implementation, "timeout", 40, &expected);
        assert_eq!(
            run.tally("budget", implementation)["restarts"],
            0,
            "a live adapter is not restarted"
        );
    }
}

#[test]
fn an_adapter_whose_loop_gets_stuck() {
    let _guard = serial();
    let (run, expected) = chaos("chaos-stuck", 4, 6);
    assert_accounted(&run, "chaos-stuck", "timeout", 6, &expected);
    assert!(
        run.tally("budget", "chaos-stuck")["restarts"].as_u64() >= Some(1),
        "a stuck adapter is killed and restarted"
    );
}

#[test]
fn an_adapter_that_prints_garbage() {
    let _guard = serial();
    for implementation in ["chaos-garbage", "ts-chaos-garbage"] {
        let (run, expected) = chaos(implementation, 3, 20);
        assert_accounted(&run, implementation, "protocol", 20, &expected);
        assert!(run.groups()[0]["example"]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("not a valid message"));
    }
}

#[test]
fn an_adapter_that_answers_an_unknown_id() {
    let _guard = serial();
    let (run, expected) = chaos("chaos-unknown-id", 3, 20);
    assert_accounted(&run, "chaos-unknown-id", "protocol", 20, &expected);
    assert!(run.groups()[0]["example"]["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("not in flight"));
}

#[test]
fn migrate_samples_agree() {
    let _guard = serial();
    let samples = harness(&[
        "verify",
        "--no-vectors",
        "--impl",
        "py-sample,ts-sample",
        "--contract",
        "migrate",
        "--cases",
        "2000",
        "--seed",
        "5",
        "--quiet",
    ]);
    assert_eq!(samples.code, 0, "{}\n{}", samples.stdout, samples.stderr);
}

#[test]
fn divergences_shrink_to_what_the_bug_needs_and_land_in_the_corpus() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    let run = sandbox.run(&[
        "verify",
        "--no-vectors",
        "--impl",
        "ts-mutant-tenant-dropped",
        "--contract",
        "budget",
        "--cases",
        "200",
        "--seed",
        "7",
        "--quiet",
    ]);
    assert_eq!(run.code, 1);
    let group = &run.groups()[0];
    let input = &group["example"]["input"];
    let tags: Vec<&str> = input["tags"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tags,
        ["component", "op", "tenantId"],
        "only the optional tag the bug needs: {input}"
    );
    assert!(
        input.get("fallback").is_none() && input["budget"].get("pgStatementTimeoutMs").is_none(),
        "{input}"
    );
    assert!(
        group["example"]["shrink"]["toBytes"].as_u64()
            <= group["example"]["shrink"]["fromBytes"].as_u64()
    );
    let repro = group["example"]["repro"].as_str().unwrap();
    assert!(
        repro.contains(" repro ") && repro.contains("--impl ts-mutant-tenant-dropped"),
        "{repro}"
    );
    // A paste-ready bug report, with the case as TypeScript using the real API.
    let bugs: Vec<_> = std::fs::read_dir(run.report_dir.as_ref().unwrap().join("bugs"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .collect();
    assert_eq!(bugs.len(), 1);
    let report = std::fs::read_to_string(bugs[0].path()).unwrap();
    assert!(
        report.starts_with("# aegis 0.1.0-sample: ") && report.contains("(BUDGET-ONE-EVENT)"),
        "{report}"
    );
    assert!(
        report.contains("withResourceBudget(") && report.contains("> **BUDGET-ONE-EVENT** —"),
        "{report}"
    );
    assert!(report.contains(repro), "{report}");

    // The same groups come back on a second run, found first in the corpus.
    let again = sandbox.run(&[
        "verify",
        "--no-vectors",
        "--impl",
        "ts-mutant-tenant-dropped",
        "--contract",
        "budget",
        "--cases",
        "50",
        "--seed",
        "8",
        "--quiet",
    ]);
    assert_eq!(again.code, 1);
    let key = |g: &Value| (g["rules"].clone(), g["paths"].clone());
    assert_eq!(
        again.groups().iter().map(|g| key(g)).collect::<Vec<_>>(),
        run.groups().iter().map(|g| key(g)).collect::<Vec<_>>()
    );
    assert!(
        !again.groups()[0]["corpus"].as_array().unwrap().is_empty(),
        "replayed from the corpus"
    );

    // A migrate mutant that overwrites step keys shrinks to a document with one such key.
    let overwrite = sandbox.run(&[
        "verify",
        "--no-vectors",
        "--impl",
        "py-mutant-overwrite",
        "--contract",
        "migrate",
        "--cases",
        "200",
        "--seed",
        "7",
        "--quiet",
    ]);
    let groups = overwrite.groups();
    let [single] = groups.as_slice() else {
        panic!("one bug, one group: {groups:?}");
    };
    let data = single["example"]["input"]["data"].as_object().unwrap();
    let step_keys = data.keys().filter(|k| *k != "schema_version").count();
    assert_eq!(step_keys, 1, "{data:?}");
}

#[test]
fn repro_replays_one_corpus_case() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    let found = sandbox.run(&[
        "verify",
        "--no-vectors",
        "--impl",
        "py-mutant-tags-leak",
        "--contract",
        "budget",
        "--cases",
        "30",
        "--seed",
        "3",
        "--quiet",
    ]);
    assert_eq!(found.code, 1);
    let file = found.groups()[0]["example"]["corpus"]
        .as_str()
        .expect("saved to the corpus")
        .to_owned();
    let path = sandbox.corpus.path().join(
        file.strip_prefix(&format!("{}/", sandbox.corpus.path().display()))
            .unwrap_or(&file),
    );
    let path = path.to_string_lossy();
    let still = sandbox.run(&["repro", &path]);
    assert_eq!(still.code, 1, "{}", still.stdout);
    assert!(
        still.stdout.contains("still diverges: BUDGET-TAGS")
            && still.stdout.contains("+  \"tagsAfter\": {"),
        "{}",
        still.stdout
    );
    let fixed = sandbox.run(&["repro", &path, "--impl", "py-sample"]);
    assert_eq!(fixed.code, 0, "{}", fixed.stdout);
    assert!(fixed.stdout.contains("agrees with the reference now"));
}

#[test]
fn the_real_antaris_package_diverges_in_its_known_ways() {
    let _guard = serial();
    // Installs the managed venv (pinned, hashed) on first use.
    let run = harness(&[
        "verify",
        "--no-vectors",
        "--impl",
        "py",
        "--contract",
        "migrate",
        "--cases",
        "500",
        "--seed",
        "1",
        "--shrink-time",
        "0",
        "--quiet",
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let packages = &run.report()["implementations"][0]["packages"]["migrate"];
    assert_eq!(
        (packages["name"].as_str(), packages["version"].as_str()),
        (Some("antaris-contracts"), Some("4.9.20"))
    );
    let groups = run.groups();
    assert!(
        groups.iter().any(|g| g["rules"][0] == "MIG-UNKNOWN"),
        "{}",
        run.stdout
    );
    let total: u64 = groups.iter().map(|g| g["count"].as_u64().unwrap()).sum();
    assert_eq!(
        total,
        run.tally("migrate", "py")["diverge"].as_u64().unwrap(),
        "every divergent case is in exactly one group"
    );
    assert!(
        groups.len() < 12 && groups.iter().any(|g| g["count"].as_u64() >= Some(10)),
        "grouped, not listed: {}",
        run.stdout
    );
}
