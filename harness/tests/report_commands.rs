//! `report diff` and `report merge` on real runs: which differences fail a diff (exit 1)
//! with and without `--counts`, and three shards of one run merged into the run they
//! split — the same groups and tallies, the baseline judged over all of them, stale entries
//! included — or refused when they are not one run. The runs drive real adapters with real
//! timers, so they run one at a time.

mod common;

use std::path::{Path, PathBuf};

use common::{repo_root, serial, Run, Sandbox};
use serde_json::{json, Value};

fn run_dir(run: &Run) -> String {
    run.report_dir
        .as_ref()
        .unwrap_or_else(|| panic!("no run folder:\n{}\n{}", run.stdout, run.stderr))
        .to_string_lossy()
        .into_owned()
}

/// A copy of `run`'s report.json with `change` made to it, in `dir`.
fn edited(run: &Run, dir: &Path, name: &str, change: impl Fn(&mut Value)) -> PathBuf {
    let mut report = run.report().clone();
    change(&mut report);
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    path
}

#[test]
fn report_diff_fails_on_other_groups_or_rules_and_on_counts_only_when_asked() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    let migrate = |impls: &str| {
        sandbox.run(&[
            "verify",
            "--impl",
            impls,
            "--contract",
            "migrate",
            "--cases",
            "100",
            "--seed",
            "5",
            "--shrink-time",
            "0",
            "--no-corpus",
            "--quiet",
        ])
    };
    let first = migrate("py-sample,py-mutant-overwrite");
    assert_eq!(first.code, 1, "{}", first.stdout);
    let again = migrate("py-sample,py-mutant-overwrite");
    let diff = |a: &str, b: &str, extra: &[&str]| {
        sandbox.run(&[&["report", "diff", a, b][..], extra].concat())
    };
    let (a, b) = (run_dir(&first), run_dir(&again));
    let same = diff(&a, &b, &[]);
    assert_eq!(same.code, 0, "{}\n{}", same.stdout, same.stderr);
    assert!(
        same.stdout.contains("the runs found the same groups"),
        "{}",
        same.stdout
    );

    // Only a count changed: the same bugs, so a pass unless --counts asks for more.
    let dir = tempfile::tempdir().unwrap();
    let counted = edited(&again, dir.path(), "counts.json", |r| {
        let count = r["groups"][0]["count"].as_u64().unwrap();
        r["groups"][0]["count"] = json!(count + 7);
    });
    let counted = counted.to_str().unwrap();
    let without = diff(&a, counted, &[]);
    assert_eq!(without.code, 0, "{}\n{}", without.stdout, without.stderr);
    assert!(
        without.stdout.contains("cases ") && without.stdout.contains("--counts"),
        "{}",
        without.stdout
    );
    let with = diff(&a, counted, &["--counts"]);
    assert_eq!(with.code, 1, "{}", with.stdout);

    // A group that breaks other rules now is a change either way.
    let ruled = edited(&again, dir.path(), "rules.json", |r| {
        r["groups"][0]["rules"] = json!(["MIG-PURE"]);
    });
    let ruled = diff(&a, ruled.to_str().unwrap(), &[]);
    assert_eq!(ruled.code, 1, "{}", ruled.stdout);
    assert!(ruled.stdout.contains("rules "), "{}", ruled.stdout);

    // Groups that appear (another mutant) or disappear (the mutant gone) fail.
    let more = migrate("py-sample,py-mutant-overwrite,py-mutant-shortcut-path");
    assert_eq!(diff(&a, &run_dir(&more), &[]).code, 1);
    let fewer = migrate("py-sample");
    let gone = diff(&a, &run_dir(&fewer), &[]);
    assert_eq!(gone.code, 1, "{}", gone.stdout);
    assert!(gone.stdout.contains("disappeared"), "{}", gone.stdout);
}

/// The budget run of the merge test, with seed `seed`: two implementations that drift
/// apart, 300 cases.
fn budget_with_seed(sandbox: &Sandbox, seed: &str, extra: &[&str]) -> Run {
    let run = [
        "verify",
        "--impl",
        "py-sample,py-mutant-late-value",
        "--contract",
        "budget",
        "--cases",
        "300",
        "--seed",
        seed,
        "--shrink-time",
        "0",
        "--no-corpus",
        "--quiet",
    ];
    sandbox.run(&[&run[..], extra].concat())
}

fn budget(sandbox: &Sandbox, extra: &[&str]) -> Run {
    budget_with_seed(sandbox, "4", extra)
}

/// Each group's key and count, sorted.
fn groups(run: &Value) -> Vec<(String, u64)> {
    let mut groups: Vec<(String, u64)> = run["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let key = ["contract", "implementation", "kind", "rule", "place"]
                .map(|k| g[k].as_str().unwrap_or("-").to_owned())
                .join(" · ");
            (key, g["count"].as_u64().unwrap())
        })
        .collect();
    groups.sort();
    groups
}

/// Each tally's case outcomes. Not `rerunAlone`: each run confirms a time-dependent group
/// by re-running its first case alone, so shards together re-run more than one run does.
fn tallies(run: &Value) -> Vec<Value> {
    run["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["tallies"].as_array().unwrap())
        .map(|t| {
            let mut t = t.clone();
            t.as_object_mut().unwrap().remove("rerunAlone");
            t
        })
        .collect()
}

#[test]
fn three_shards_merge_into_the_run_they_split_and_gate_on_stale_entries() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("known.toml");
    let baseline_arg = baseline.to_str().unwrap();

    // The unsharded run adopts its groups as the baseline.
    let whole = budget(&sandbox, &["--write-baseline", baseline_arg]);
    assert_eq!(whole.code, 0, "{}\n{}", whole.stdout, whole.stderr);
    assert!(
        !whole.groups().is_empty(),
        "the mutant drifts: {}",
        whole.stdout
    );
    // The same baseline with an entry of the sample, which never diverges: stale.
    let with_stale = dir.path().join("with-stale.toml");
    std::fs::write(
        &with_stale,
        format!(
            "{}\n[[group]]\ncontract = \"budget\"\nimpl = \"py-sample\"\nrule = \"BUDGET-TAGS\"\nplace = \"/tagsAfter\"\nreason = \"fixed since\"\n",
            std::fs::read_to_string(&baseline).unwrap()
        ),
    )
    .unwrap();
    let with_stale_arg = with_stale.to_str().unwrap();

    // Each shard alone passes: a missing group may be another shard's.
    let shards: Vec<Run> = ["1/3", "2/3", "3/3"]
        .iter()
        .map(|shard| budget(&sandbox, &["--shard", shard, "--baseline", with_stale_arg]))
        .collect();
    for shard in &shards {
        assert_eq!(shard.code, 0, "{}\n{}", shard.stdout, shard.stderr);
        assert_eq!(shard.report()["baseline"]["staleFails"], false);
    }
    let dirs: Vec<String> = shards.iter().map(run_dir).collect();
    let merge = |extra: &[&str]| {
        let runs: Vec<&str> = dirs.iter().map(String::as_str).collect();
        sandbox.run(&[&["report", "merge"][..], &runs, extra].concat())
    };

    let merged = merge(&["--baseline", baseline_arg]);
    assert_eq!(merged.code, 0, "{}\n{}", merged.stdout, merged.stderr);
    let (report, expected) = (merged.report(), whole.report());
    assert_eq!(
        groups(report),
        groups(expected),
        "the same groups and counts"
    );
    assert_eq!(tallies(report), tallies(expected), "the same tallies");
    assert_eq!(report["vectors"], expected["vectors"]);
    assert_eq!(report["baseline"]["known"], expected["baseline"]["known"]);
    assert_eq!(report["verdict"], "agreement");
    assert!(
        report["settings"].get("shard").is_none(),
        "{}",
        report["settings"]
    );
    assert_eq!(report["mergedFrom"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        report["repro"].as_str().map(|r| r.contains("--shard")),
        Some(false)
    );
    assert_eq!(report["settings"], expected["settings"]);
    let folder = merged.report_dir.clone().unwrap();
    for file in ["summary.md", "junit.xml", "index.html", "report.json"] {
        assert!(folder.join(file).is_file(), "{file}");
    }
    assert!(
        folder.join("bugs").is_dir(),
        "a bug report per divergence group"
    );
    assert!(
        merged.stdout.contains("merged from 3 shard runs"),
        "{}",
        merged.stdout
    );
    let schema = std::fs::read_to_string(repo_root().join("reports/report.schema.json"));
    let schema: Value = serde_json::from_str(&schema.unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "the merged report follows the schema: {errors:?}"
    );

    // Over the union, the sample's entry is stale: the merged gate fails.
    let stale = merge(&["--baseline", with_stale_arg]);
    assert_eq!(stale.code, 1, "{}\n{}", stale.stdout, stale.stderr);
    assert_eq!(stale.report()["baseline"]["staleFails"], true);
    assert_eq!(
        stale.report()["baseline"]["stale"][0]["impl"],
        "py-sample",
        "{}",
        stale.report()["baseline"]
    );
    assert!(
        stale
            .stdout
            .contains("stale: remove it from the baseline · budget · py-sample"),
        "{}",
        stale.stdout
    );

    // Runs that are not one run are refused, saying which and why.
    let refused = |run: &Run, says: &str| {
        assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(says), "{says}: {}", run.stderr);
        assert!(run.report.is_none(), "nothing written");
    };
    refused(
        &sandbox.run(&["report", "merge", &dirs[0], &dirs[1]]),
        "shard(s) 3/3 missing",
    );
    refused(
        &sandbox.run(&["report", "merge", &dirs[0], &dirs[1], &dirs[1], &dirs[2]]),
        "shard 2/3 is given twice",
    );
    let other_seed = budget_with_seed(
        &sandbox,
        "5",
        &["--shard", "3/3", "--baseline", with_stale_arg],
    );
    refused(
        &sandbox.run(&["report", "merge", &dirs[0], &dirs[1], &run_dir(&other_seed)]),
        "seed 4 and seed 5",
    );
    let other_settings = budget(
        &sandbox,
        &[
            "--shard",
            "3/3",
            "--baseline",
            with_stale_arg,
            "--timing-slack-ms",
            "300",
        ],
    );
    refused(
        &sandbox.run(&[
            "report",
            "merge",
            &dirs[0],
            &dirs[1],
            &run_dir(&other_settings),
        ]),
        "different settings (timingSlackMs)",
    );
    refused(
        &sandbox.run(&["report", "merge", &dirs[0], &dirs[1], &run_dir(&whole)]),
        "not a shard run",
    );
    let older = edited(&shards[2], dir.path(), "older.json", |r| {
        r["schemaVersion"] = json!(3);
    });
    refused(
        &sandbox.run(&[
            "report",
            "merge",
            &dirs[0],
            &dirs[1],
            older.to_str().unwrap(),
        ]),
        "schema version 3",
    );
}
