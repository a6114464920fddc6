//! `verify --guided`: the same seed makes the same rounds and the same report, the guided
//! split is reported, both bundled adapters guide (alone and together), and an adapter
//! without the protocol's `guided` option still runs its cases while the summary says
//! guidance is unavailable for it.

mod common;

use common::Sandbox;
use serde_json::Value;

/// A guided run's report, with what differs between two runs of one seed (the run's id,
/// its timings, the folder it was written to) taken out.
fn guided_report(impls: &str, contract: &str) -> (Value, String) {
    guided_report_with(&[], impls, contract)
}

/// As [`guided_report`], `flags` (global ones, such as `--config`) after the run's own.
fn guided_report_with(flags: &[&str], impls: &str, contract: &str) -> (Value, String) {
    // One run at a time: cases have real time limits, and a loaded machine misses them.
    let _guard = common::serial();
    let sandbox = Sandbox::new();
    let mut args = vec![
        "verify",
        "--impl",
        impls,
        "--contract",
        contract,
        "--guided",
        "--cases",
        "192",
        "--seed",
        "5",
        "--no-vectors",
        "--no-corpus",
        "--quiet",
    ];
    args.extend_from_slice(flags);
    let run = sandbox.run(&args);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let mut report = run.report().clone();
    for volatile in ["runId", "timings"] {
        report[volatile] = Value::Null;
    }
    (report, run.stdout)
}

#[test]
fn a_seed_gives_the_same_rounds_and_the_same_report() {
    let (first, stdout) = guided_report("py-sample", "sql-migrations");
    let (second, _) = guided_report("py-sample", "sql-migrations");
    assert_eq!(first, second);
    let guided = &first["guided"][0];
    assert_eq!(guided["contract"], "sql-migrations", "{first}");
    let (fresh, mutated) = (guided["fresh"].as_u64(), guided["mutated"].as_u64());
    assert_eq!(
        fresh.zip(mutated).map(|(f, m)| f + m),
        Some(192),
        "{guided}"
    );
    // The first round is all fresh; later ones mutate what reached something new.
    assert!(
        mutated > Some(0) && guided["pool"].as_u64() > Some(0),
        "{guided}"
    );
    assert!(guided["branches"].as_u64() > Some(10), "{guided}");
    // Runs and rollbacks of several sizes and endings: the reference's model states.
    assert!(guided["states"].as_u64() > Some(5), "{guided}");
    assert_eq!(guided["unguided"], serde_json::json!([]), "{guided}");
    assert!(stdout.contains("guided generation:"), "{stdout}");
    assert!(stdout.contains(" model states reached"), "{stdout}");
    assert!(first["repro"]
        .as_str()
        .is_some_and(|r| r.contains("--guided")));
}

#[test]
fn an_adapter_without_the_guided_option_runs_and_steers_nothing() {
    // The Python sample's adapter behind a proxy that hides the offer from it.
    let config = common::fixture_config();
    let (report, stdout) = guided_report_with(
        &["--config", &config.to_string_lossy()],
        "py-sample,no-coverage",
        "migrate",
    );
    let guided = &report["guided"][0];
    assert_eq!(
        guided["unguided"],
        serde_json::json!(["no-coverage"]),
        "{guided}"
    );
    assert!(guided["pool"].as_u64() > Some(0), "{guided}");
    let answered = |id: &str| {
        report["implementations"]
            .as_array()
            .and_then(|all| all.iter().find(|i| i["id"] == id))
            .map(|i| i["answered"].clone())
    };
    assert_eq!(answered("no-coverage"), Some(Value::from(192)), "{report}");
    assert!(
        stdout.contains("guidance unavailable for no-coverage"),
        "{stdout}"
    );
}

#[test]
fn the_typescript_adapter_guides_and_a_seed_gives_the_same_report() {
    // sql-migrations: the TypeScript binding is asynchronous, so its cases run one at a time.
    let (first, stdout) = guided_report("ts-sample", "sql-migrations");
    let (second, _) = guided_report("ts-sample", "sql-migrations");
    assert_eq!(first, second);
    let guided = &first["guided"][0];
    assert_eq!(guided["unguided"], serde_json::json!([]), "{guided}");
    assert!(guided["branches"].as_u64() > Some(10), "{guided}");
    assert!(
        guided["mutated"].as_u64() > Some(0) && guided["pool"].as_u64() > Some(0),
        "{guided}"
    );
    assert!(!stdout.contains("guidance unavailable"), "{stdout}");
}

#[test]
fn python_and_typescript_guide_one_run_together() {
    let (python, _) = guided_report("py-sample", "migrate");
    let (both, stdout) = guided_report("py-sample,ts-sample", "migrate");
    let guided = &both["guided"][0];
    assert_eq!(guided["unguided"], serde_json::json!([]), "{guided}");
    assert!(!stdout.contains("guidance unavailable"), "{stdout}");
    // The TypeScript sample's blocks are branch pairs of their own.
    let branches = |report: &Value| report["guided"][0]["branches"].as_u64();
    assert!(branches(&both) > branches(&python), "{guided}");
    for id in ["py-sample", "ts-sample"] {
        let answered = both["implementations"]
            .as_array()
            .and_then(|all| all.iter().find(|i| i["id"] == id))
            .map(|i| i["answered"].clone());
        assert_eq!(answered, Some(Value::from(192)), "{id}: {both}");
    }
}

/// Whether a run of `mutant` on `seed` with `cases` cases finds the deep mutant's bug (a
/// divergence: the mutant has no other), guided or not.
fn catches(deep: &DeepMutantSeed, guided: bool) -> bool {
    let (mutant, contract, seed, cases) = *deep;
    let mut args = vec![
        "verify",
        "--impl",
        mutant,
        "--contract",
        contract,
        "--cases",
        cases,
        "--seed",
        seed,
        "--no-vectors",
        "--no-corpus",
        "--shrink-time",
        "0",
        "--quiet",
    ];
    if guided {
        args.push("--guided");
    }
    let run = Sandbox::new().run(&args);
    assert!(run.code <= 1, "{}\n{}", run.stdout, run.stderr);
    run.groups()
        .iter()
        .any(|group| group["kind"] == "divergence")
}

/// Guidance pays: for a deep mutant (issue 22: a bug behind three or four rare conditions,
/// nested so partial progress shows as coverage), a guided run finds it within a case count
/// where an unguided run of the same seed does not.
#[test]
fn guidance_finds_the_deep_mutants_where_unguided_runs_do_not() {
    // Budget's cases run on real timers.
    let _serial = common::serial();
    for deep in &DEEP_MUTANT_SEEDS {
        let (mutant, _, seed, cases) = deep;
        assert!(
            catches(deep, true),
            "{mutant} seed {seed}, {cases} cases: the guided run missed it"
        );
        assert!(
            !catches(deep, false),
            "{mutant} seed {seed}, {cases} cases: the unguided run found it too"
        );
    }
}

/// (mutant, contract, seed, cases).
type DeepMutantSeed = (&'static str, &'static str, &'static str, &'static str);

/// Seeds and case counts where the guided run finds the deep mutant and the unguided one does
/// not, each with a margin on both sides (measured in session 8: budget seed 5 guided at case
/// 296, unguided at 10,491; in session 10: sql-migrations seed 1 guided at 600, unguided at
/// 3,835).
const DEEP_MUTANT_SEEDS: [DeepMutantSeed; 2] = [
    ("py-mutant-pg-timeout-as-deadline", "budget", "5", "2000"),
    (
        "py-mutant-rollback-keeps-partial",
        "sql-migrations",
        "1",
        "1000",
    ),
];

/// A guided finding is shrunk as a generated one is, from its tape (no seed and index name
/// it): the report's example is smaller, still shows the bug, names no stream case, and is
/// saved to the corpus as a guided one.
#[test]
fn a_guided_finding_is_shrunk_from_its_tape() {
    let _serial = common::serial();
    let sandbox = Sandbox::new();
    let run = sandbox.run(&[
        "verify",
        "--impl",
        "py-mutant-rollback-keeps-partial",
        "--contract",
        "sql-migrations",
        "--guided",
        "--cases",
        GUIDED_FINDING[1],
        "--seed",
        GUIDED_FINDING[0],
        "--no-vectors",
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let groups = run.groups();
    let group = groups
        .iter()
        .find(|group| group["kind"] == "divergence")
        .unwrap_or_else(|| panic!("no divergence: {}", run.stdout));
    let example = &group["example"];
    let bytes = |field: &str| example["shrink"][field].as_u64();
    assert!(
        bytes("toBytes") < bytes("fromBytes"),
        "not shrunk: {example}"
    );
    assert_eq!(example.get("case"), None, "{example}");
    assert!(group["guidedCases"][0].is_u64(), "{group}");
    // The bug needs four dotted ids or more, undone by one rollback.
    let files = example["input"]["files"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let dotted = files
        .keys()
        .filter_map(|name| name.strip_suffix(".sql"))
        .filter(|id| !id.ends_with(".down") && id.contains('.'))
        .count();
    assert!(dotted >= 2, "{example}");
    assert!(run.stderr.contains("(guided case "), "{}", run.stderr);
    let saved = std::fs::read_dir(sandbox.corpus.path().join("sql-migrations"))
        .expect("a corpus folder for the contract")
        .filter_map(Result::ok)
        .map(|entry| std::fs::read_to_string(entry.path()).expect("readable"))
        .map(|text| serde_json::from_str::<Value>(&text).expect("JSON"))
        .collect::<Vec<_>>();
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(saved[0]["input"], example["input"]);
    assert_eq!(saved[0]["guided"], true, "{}", saved[0]);
    assert_eq!(saved[0]["case"], group["guidedCases"][0], "{}", saved[0]);
}

/// Seed and cases enough for its guided run to find sql-migrations' deep mutant (seed 8: at
/// case 223).
const GUIDED_FINDING: [&str; 2] = ["8", "320"];
