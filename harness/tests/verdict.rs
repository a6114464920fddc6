//! How a run's verdict and exit code are decided when more than one thing went wrong
//! (`harness/src/gate.rs`): findings are never hidden behind an implementation that could
//! not run, one named with `--impl` that cannot run still fails the run, one that `all`
//! brought in and is unavailable is only listed, and a run that executed no case exits 4.
//! The runs drive real adapters with real timers, so they run one at a time.

mod common;

use common::{serial, Run, Sandbox};
use serde_json::Value;

/// `verify --seed 4 --shrink-time 0 --quiet ARGS…` in `sandbox`, which keeps its reports.
fn verify(sandbox: &Sandbox, args: &[&str]) -> Run {
    let mut all = vec!["verify", "--seed", "4", "--shrink-time", "0", "--quiet"];
    all.extend(args);
    sandbox.run(&all)
}

fn implementation<'a>(run: &'a Run, id: &str) -> &'a Value {
    run.report()["implementations"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["id"] == id))
        .unwrap_or_else(|| panic!("no implementation {id}: {}", run.stdout))
}

fn file(run: &Run, name: &str) -> String {
    std::fs::read_to_string(run.report_dir.as_ref().expect("a run folder").join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn findings_are_never_hidden_behind_an_unavailable_implementation() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    // `py` (the real aegis) is unavailable without AEGIS_PY_SRC, which the sandbox never
    // sets; the mutant beside it runs and diverges.
    let run = verify(
        &sandbox,
        &[
            "--impl",
            "py,py-mutant-late-value",
            "--contract",
            "budget",
            "--cases",
            "60",
        ],
    );
    assert_eq!(run.code, 1, "findings win: {}\n{}", run.stdout, run.stderr);
    let report = run.report();
    assert_eq!(report["verdict"], "findings");
    let py = implementation(&run, "py");
    assert_eq!(py["status"], "unavailable");
    assert_eq!(py["required"], true);
    assert!(py["fix"]
        .as_str()
        .is_some_and(|f| f.contains("AEGIS_PY_SRC")));
    assert!(
        run.groups()
            .iter()
            .any(|g| g["implementation"] == "py-mutant-late-value" && g["kind"] == "divergence"),
        "the mutant's finding: {}",
        run.stdout
    );
    // Every report shows both: the finding and what could not run, with its fix.
    for shown in [&run.stdout, &file(&run, "summary.md")] {
        assert!(
            shown.contains("py-mutant-late-value")
                && shown.contains("could not run: py (unavailable, required)")
                && shown.contains("AEGIS_PY_SRC"),
            "{shown}"
        );
    }
    let html = file(&run, "index.html");
    assert!(html.contains("could not run: py") && html.contains("AEGIS_PY_SRC"));
    let junit = file(&run, "junit.xml");
    assert!(
        junit.contains("implementation py") && junit.contains("py-mutant-late-value"),
        "{junit}"
    );

    // Without findings, the required implementation that could not run fails the run.
    let alone = verify(
        &sandbox,
        &[
            "--impl",
            "py,py-sample",
            "--contract",
            "budget",
            "--cases",
            "20",
        ],
    );
    assert_eq!(alone.code, 3, "{}\n{}", alone.stdout, alone.stderr);
    assert_eq!(alone.report()["verdict"], "infrastructure");
    assert!(alone.tally("budget", "py-sample")["pass"].as_u64() > Some(0));
}

#[test]
fn all_takes_only_available_implementations_and_lists_the_others() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    let budget = verify(
        &sandbox,
        &["--impl", "all", "--contract", "budget", "--cases", "20"],
    );
    assert_eq!(budget.code, 0, "{}\n{}", budget.stdout, budget.stderr);
    // The real aegis, in Python and TypeScript, is unavailable without its checkout (the
    // sandbox never points at one); the samples run.
    for id in ["py", "ts"] {
        let record = implementation(&budget, id);
        assert_eq!(record["status"], "unavailable", "{record}");
        assert_eq!(record["required"], false, "{record}");
    }
    assert!(
        budget
            .stdout
            .contains("not required (`--impl all` takes it only where it is available)")
            && budget.stdout.contains("fix: export AEGIS_PY_SRC="),
        "{}",
        budget.stdout
    );
    assert!(
        budget.report()["verdict"] == "agreement",
        "{}",
        budget.report()["verdict"]
    );
    assert_eq!(implementation(&budget, "py-sample")["required"], false);
    assert!(budget.tally("budget", "py-sample")["pass"].as_u64() > Some(0));
    assert!(file(&budget, "junit.xml").contains("implementation ts"));
}

#[test]
fn a_run_that_executes_no_case_exits_4() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    // Generated migrate cases only, through the Python sample.
    let generated = |extra: &[&str]| {
        let base = ["--impl", "py-sample", "--contract", "migrate"];
        verify(
            &sandbox,
            &[&base[..], &["--no-vectors", "--no-corpus"], extra].concat(),
        )
    };
    let zero = generated(&["--cases", "0"]);
    assert_eq!(zero.code, 4, "{}\n{}", zero.stdout, zero.stderr);
    assert_eq!(zero.report()["verdict"], "no_cases");
    assert_eq!(zero.report()["exitCode"], 4);
    assert!(zero.stdout.contains("no cases run"), "{}", zero.stdout);

    // A shard the stream leaves empty: one case, two shards.
    let empty_shard = generated(&["--cases", "1", "--shard", "2/2"]);
    assert_eq!(empty_shard.code, 4, "{}", empty_shard.stdout);
    let full_shard = generated(&["--cases", "1", "--shard", "1/2"]);
    assert_eq!(full_shard.code, 0, "{}", full_shard.stdout);

    // Vectors only, from a folder without vectors.
    let empty = tempfile::tempdir().unwrap();
    let vectors = verify(
        &sandbox,
        &[
            "--impl",
            "py-sample",
            "--contract",
            "migrate,token-budget",
            "--vectors-only",
            "--no-corpus",
            "--vectors-dir",
            empty.path().to_str().unwrap(),
        ],
    );
    assert_eq!(vectors.code, 4, "{}", vectors.stdout);
    let contracts: Vec<&Value> = vectors.report()["contracts"]
        .as_array()
        .map(|c| c.iter().map(|c| &c["id"]).collect())
        .unwrap_or_default();
    assert_eq!(
        contracts,
        ["migrate", "token-budget"],
        "--contract takes a list"
    );
}
