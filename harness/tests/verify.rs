//! End-to-end tests of `verify` against the bundled samples, mutants and misbehaving
//! adapters. They use real timers, so they run one at a time.

mod common;

use std::sync::Mutex;

use common::{fixture_config, harness, Run};
use proptest::strategy::ValueTree;
use reference::{generate_case, GenSettings};
use serde_json::Value;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

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
        "--impl",
        "py-sample,ts-sample",
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
fn each_mutant_is_caught_within_200_cases_citing_its_rule() {
    let _guard = serial();
    for (mutant, rule) in [
        ("py-mutant-late-value", "BUDGET-DEADLINE"),
        ("py-mutant-fallback-clock", "BUDGET-FALLBACK"),
        ("py-mutant-tags-leak", "BUDGET-TAGS"),
        ("py-mutant-unknown-class-open", "BUDGET-UNKNOWN-CLASS"),
        ("ts-mutant-double-event", "BUDGET-ONE-EVENT"),
        ("ts-mutant-equal-class-rejected", "BUDGET-FALLBACK-RANK"),
        ("ts-mutant-tenant-dropped", "BUDGET-ONE-EVENT"),
        ("ts-mutant-stale-signal", "BUDGET-FALLBACK"),
    ] {
        let run = harness(&[
            "verify", "--impl", mutant, "--cases", "200", "--seed", "7", "--quiet",
        ]);
        assert_eq!(run.code, 1, "{mutant} not caught:\n{}", run.stdout);
        let groups = run.groups();
        assert!(
            groups.iter().all(|g| g["kind"] == "divergence"),
            "{mutant}: {groups:?}"
        );
        let cites = |g: &&Value| {
            g["rules"]
                .as_array()
                .is_some_and(|rules| rules.iter().any(|r| r == rule))
        };
        assert!(
            groups.iter().any(cites),
            "{mutant} should cite {rule}: {}",
            run.stdout
        );
        let repro = groups[0]["example"]["repro"].as_str().unwrap_or_default();
        assert!(
            repro.contains(&format!("--impl {mutant}")) && repro.contains("--seed 7 --case"),
            "{repro}"
        );
    }
}

#[test]
fn a_repro_command_reruns_exactly_that_case() {
    let _guard = serial();
    let whole = harness(&[
        "verify",
        "--impl",
        "py-mutant-late-value",
        "--cases",
        "200",
        "--seed",
        "7",
        "--quiet",
    ]);
    let group = whole.groups()[0].clone();
    let case = group["example"]["case"]
        .as_u64()
        .expect("example case index");
    let alone = harness(&[
        "verify",
        "--impl",
        "py-mutant-late-value",
        "--seed",
        "7",
        "--case",
        &case.to_string(),
        "--quiet",
    ]);
    assert_eq!(alone.code, 1);
    assert_eq!(alone.groups().len(), 1);
    assert_eq!(
        alone.groups()[0]["example"]["input"],
        group["example"]["input"]
    );
    assert_eq!(alone.groups()[0]["rules"], group["rules"]);
}

#[test]
fn a_three_way_run_shows_both_sides_and_names_the_one_that_drifted() {
    let _guard = serial();
    let run = harness(&[
        "verify",
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
    let group = run.groups()[0].clone();
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
fn a_divergence_every_implementation_shares_is_flagged_as_a_contract_question() {
    let _guard = serial();
    // Both samples leave tags behind only in their mutants; two Python processes running
    // the same mutant stand in for two ports sharing one misreading of the contract.
    let config = fixture_config();
    let run = harness(&[
        "verify",
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
    let (run, expected) = chaos("chaos-unknown-id", 3, 40);
    assert_accounted(&run, "chaos-unknown-id", "protocol", 40, &expected);
    assert!(run.groups()[0]["example"]["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("not in flight"));
}
