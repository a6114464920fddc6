//! `reports/report.schema.json` describes every `report.json` the harness writes: real runs
//! (agreement, findings with a shrunk divergence and a baseline, stale baseline entries, a
//! crashing adapter, an unavailable implementation) validate against it, a report built
//! from the Rust model with every optional field filled validates too, and reports that
//! break it are refused. The runs drive real adapters, so they run one at a time.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use common::{fixture_config, repo_root, serial, Run, Sandbox};
use harness::baseline::{Entry, Mark, MarkStatus, Outcome};
use harness::judge::{Cause, GroupKey};
use harness::plan::CaseLabel;
use harness::report::{
    ContractRecord, CoverageRecord, CoverageStatus, Example, Excerpt, FileCoverage, Group,
    GroupKind, GuidedRecord, ImplRecord, ImplStatus, ImplTimings, IncidentKind, IncidentRecord,
    Interrupt, PairAgreement, Percentiles, ProgramCheck, ProgramResult, Reached, Report,
    RuleSummary, SettingsRecord, Shard, ShrinkRecord, SideRecord, Snippet, Tally, TimingViolation,
    Timings, VariantRecord, VectorOutcome, VectorTiming, Verdict, SCHEMA_VERSION,
};
use harness::run::protocol::{AdapterInfo, Package};
use harness::run::FailureKind;
use serde_json::{json, Value};

fn schema_path() -> PathBuf {
    repo_root().join("reports/report.schema.json")
}

fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = schema_path();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
    })
}

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        jsonschema::validator_for(schema())
            .unwrap_or_else(|e| panic!("{} does not compile: {e}", schema_path().display()))
    })
}

/// Every validation error, one a line, with the instance path it is at.
fn errors(report: &Value) -> Vec<String> {
    validator()
        .iter_errors(report)
        .map(|e| {
            format!(
                "at `{}`: {e} (schema: `{}`)",
                e.instance_path(),
                e.schema_path()
            )
        })
        .collect()
}

fn assert_valid(what: &str, report: &Value) {
    let errors = errors(report);
    assert!(
        errors.is_empty(),
        "{what}: breaks reports/report.schema.json in {} place(s):\n  {}",
        errors.len(),
        errors.join("\n  ")
    );
}

fn assert_invalid(what: &str, report: &Value) {
    assert!(
        !validator().is_valid(report),
        "the schema accepts a report with {what}"
    );
}

/// Runs the binary, checks its exit code and that it wrote a report, and validates it.
fn run_valid(sandbox: &Sandbox, what: &str, args: &[&str], code: i32) -> Run {
    let run = sandbox.run(args);
    assert_eq!(
        run.code, code,
        "{what}: exit code\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert_valid(what, run.report());
    run
}

#[test]
fn the_schema_is_a_valid_draft_2020_12_schema_for_this_schema_version() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    if let Err(e) = jsonschema::meta::validate(schema) {
        panic!(
            "the schema breaks the 2020-12 meta-schema at `{}`: {e}",
            e.instance_path()
        );
    }
    assert_eq!(
        schema["properties"]["schemaVersion"]["const"],
        json!(SCHEMA_VERSION),
        "the schema's schemaVersion must be the model's SCHEMA_VERSION"
    );
    validator();
}

#[test]
fn an_agreement_run_validates_and_broken_reports_do_not() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    let run = run_valid(
        &sandbox,
        "agreement run",
        &[
            "verify",
            "--impl",
            "py-sample",
            "--contract",
            "migrate",
            "--cases",
            "100",
            "--seed",
            "1",
            "--quiet",
        ],
        0,
    );
    let report = run.report();
    assert_eq!(report["verdict"], "agreement");

    // The schema is not vacuous: each of these breaks it.
    let broken = |what: &str, change: &dyn Fn(&mut Value)| {
        let mut copy = report.clone();
        change(&mut copy);
        assert_invalid(what, &copy);
    };
    broken("no `groups`", &|r| {
        r.as_object_mut().unwrap().remove("groups");
    });
    broken("verdict \"maybe\"", &|r| r["verdict"] = json!("maybe"));
    broken("an unknown top-level field", &|r| {
        r["surprise"] = json!(true);
    });
    broken("schemaVersion 2 (the shape before incidents)", &|r| {
        r["schemaVersion"] = json!(2)
    });
    broken("a negative seed", &|r| r["seed"] = json!(-1));
    broken("an unknown field in a tally", &|r| {
        r["contracts"][0]["tallies"][0]["extra"] = json!(0);
    });
    broken("a tally without `pass`", &|r| {
        r["contracts"][0]["tallies"][0]
            .as_object_mut()
            .unwrap()
            .remove("pass");
    });
    broken("an unknown implementation status", &|r| {
        r["implementations"][0]["status"] = json!("sleepy");
    });
    broken("a group of an unknown kind", &|r| {
        let mut group = serde_json::to_value(sample_group(GroupKind::Crash)).unwrap();
        group["kind"] = json!("adapter-error");
        r["groups"] = json!([group]);
    });
    broken(
        "an implementation's timings under a key without `/`",
        &|r| {
            let timings = r["timings"]["implementations"]["migrate/py-sample"].take();
            assert!(timings.is_object(), "the run has migrate/py-sample timings");
            r["timings"]["implementations"] = json!({ "py-sample": timings });
        },
    );
}

#[test]
fn findings_with_a_shrunk_divergence_and_a_baseline_validate() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("b.toml");
    let baseline = baseline.to_str().unwrap();
    let run = |what: &str, impls: &str, extra: &[&str], code: i32| {
        let mut args = vec![
            "verify",
            "--impl",
            impls,
            "--contract",
            "migrate",
            "--cases",
            "200",
            "--seed",
            "5",
            "--quiet",
            "--shrink-time",
            "2",
        ];
        args.extend(extra);
        run_valid(&sandbox, what, &args, code)
    };

    // Its groups are adopted as known, so the run passes.
    let adopted = run(
        "findings run writing a baseline",
        "py-sample,py-mutant-overwrite",
        &["--write-baseline", baseline],
        0,
    );
    let groups = adopted.groups();
    assert!(!groups.is_empty(), "{}", adopted.stdout);
    assert!(
        groups
            .iter()
            .any(|g| g["kind"] == "divergence" && g["example"]["shrink"].is_object()),
        "a shrunk divergence: {groups:?}"
    );
    assert!(
        groups.iter().any(|g| g["example"]["others"].is_array()),
        "{groups:?}"
    );
    let migrate = reference::contract("migrate").unwrap();
    for g in &groups {
        // Every rule a group breaks comes with the contract's one line for it, in order.
        let expected: Vec<Value> = g["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| {
                let rule = migrate.rule(id.as_str().unwrap()).unwrap();
                json!({"id": rule.id, "summary": rule.summary})
            })
            .collect();
        assert_eq!(g["ruleSummaries"], json!(expected), "{g}");
    }

    let known = run(
        "findings run against its baseline",
        "py-sample,py-mutant-overwrite",
        &["--baseline", baseline],
        0,
    );
    assert!(
        known
            .groups()
            .iter()
            .all(|g| g["baseline"]["status"] == "known"),
        "{:?}",
        known.groups()
    );
    assert!(
        known.report()["baseline"]["known"].as_u64() >= Some(1),
        "{}",
        known.report()["baseline"]
    );

    // The mutant's entries are out of scope once it leaves the run; an entry of the
    // sample, which ran, is stale.
    let with_stale = dir.path().join("stale.toml");
    let text = std::fs::read_to_string(baseline).unwrap();
    std::fs::write(
        &with_stale,
        format!("{text}\n[[group]]\ncontract = \"migrate\"\nimpl = \"py-sample\"\nrule = \"MIG-UNKNOWN\"\nplace = \"/error\"\nreason = \"fixed since\"\n"),
    )
    .unwrap();
    let stale = run(
        "run with stale and out-of-scope baseline entries",
        "py-sample",
        &["--baseline", with_stale.to_str().unwrap()],
        1,
    );
    assert!(
        stale.report()["baseline"]["outOfScope"]
            .as_array()
            .is_some_and(|s| !s.is_empty()),
        "{}",
        stale.report()["baseline"]
    );
    assert_eq!(stale.report()["verdict"], "findings");
    assert!(
        stale.report()["baseline"]["stale"]
            .as_array()
            .is_some_and(|s| !s.is_empty()),
        "{}",
        stale.report()["baseline"]
    );
}

#[test]
fn a_crashing_adapter_validates() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    let config = fixture_config();
    let run = run_valid(
        &sandbox,
        "chaos-crash run",
        &[
            "verify",
            "--config",
            config.to_str().unwrap(),
            "--impl",
            "chaos-crash",
            "--contract",
            "budget",
            "--cases",
            "30",
            "--seed",
            "2",
            "--quiet",
            "--no-vectors",
        ],
        1,
    );
    let groups = run.groups();
    assert!(
        groups
            .iter()
            .any(|g| g["kind"] == "crash" || g["kind"] == "timeout"),
        "a crash or timeout group: {groups:?}"
    );
}

#[test]
fn an_unavailable_implementation_still_writes_a_valid_report() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    let run = run_valid(
        &sandbox,
        "unavailable implementation",
        &[
            "verify",
            "--impl",
            "py",
            "--contract",
            "budget",
            "--cases",
            "5",
            "--quiet",
        ],
        3,
    );
    let report = run.report();
    assert_eq!(report["verdict"], "infrastructure");
    assert_eq!(report["implementations"][0]["status"], "unavailable");
}

/// The parts of the model the runs above rarely or never write (incidents, timing
/// violations, every case label, shards, flaky marks, non-divergence baseline entries…),
/// serialized from the Rust types themselves.
#[test]
fn a_report_with_every_optional_field_validates() {
    let full = serde_json::to_value(full_report()).unwrap();
    assert_valid("report built from the model", &full);
    // With every optional field filled, the model writes exactly the fields the schema lists.
    for (def, instance) in [
        ("settings", &full["settings"]),
        ("group", &full["groups"][0]),
        ("example", &full["groups"][0]["example"]),
        ("side", &full["groups"][0]["example"]["others"][0]),
        ("shrink", &full["groups"][0]["example"]["shrink"]),
        ("mark", &full["groups"][0]["baseline"]),
        ("baselineOutcome", &full["baseline"]),
        ("baselineEntry", &full["baseline"]["stale"][0]),
        ("contract", &full["contracts"][0]),
        ("vectorOutcome", &full["vectors"][0]),
        ("incident", &full["incidents"][0]),
        ("timings", &full["timings"]),
        ("vectorTiming", &full["timings"]["vectors"][0]),
        ("coverage", &full["coverage"][1]),
        ("coverageFile", &full["coverage"][0]["files"][0]),
    ] {
        assert_same_fields(def, instance);
    }
    assert_same_fields("", &full);
    // `report merge` reads reports back: every field survives the round trip.
    let back: Report =
        serde_json::from_value(full.clone()).expect("the model reads its own report");
    assert_eq!(serde_json::to_value(&back).unwrap(), full);
    let mut minimal = full_report();
    minimal.baseline = None;
    minimal.settings.only_case = None;
    minimal.settings.shard = None;
    minimal.settings.vector = None;
    minimal.merged_from = Vec::new();
    minimal.coverage = Vec::new();
    minimal.groups = vec![Group {
        vectors: Vec::new(),
        corpus: Vec::new(),
        baseline: None,
        ..sample_group(GroupKind::Divergence)
    }];
    minimal.groups[0].example = Example::for_input(json!(null), "repro".into());
    minimal.contracts[0].agreement = Vec::new();
    minimal.vectors[0].rules = Vec::new();
    let minimal = serde_json::to_value(&minimal).unwrap();
    assert_valid("sparse report built from the model", &minimal);
    let back: Report = serde_json::from_value(minimal.clone()).expect("a sparse report reads back");
    assert_eq!(serde_json::to_value(&back).unwrap(), minimal);

    // A baseline entry names its kind only when it is not a divergence.
    assert!(full["baseline"]["stale"][1].get("kind").is_none());
    let mut entry = full["baseline"]["stale"][0].clone();
    assert_eq!(entry["kind"], "timing");
    entry["kind"] = json!("divergence");
    let mut broken = full.clone();
    broken["baseline"]["stale"][0] = entry;
    assert_invalid("a baseline entry of kind \"divergence\"", &broken);
    let mut broken = full.clone();
    broken["timings"]["timingViolations"][0]["case"] = json!({"generated": 1, "vector": "x"});
    assert_invalid("a case label with two tags", &broken);
}

/// The fields `instance` has are exactly those `$defs/<def>` lists (the top level for "").
fn assert_same_fields(def: &str, instance: &Value) {
    let shape = if def.is_empty() {
        schema()
    } else {
        &schema()["$defs"][def]
    };
    let listed: Vec<&String> = shape["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("$defs/{def} has properties"))
        .keys()
        .collect();
    let written: Vec<&String> = instance
        .as_object()
        .unwrap_or_else(|| panic!("{def} is an object: {instance}"))
        .keys()
        .collect();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    let mut written_sorted = written.clone();
    written_sorted.sort();
    assert_eq!(
        listed_sorted, written_sorted,
        "the schema's `{def}` fields vs those the model writes with every field filled"
    );
}

/// Every variant of the model's enums, serialized, is one the schema lists; a new variant
/// fails to compile here until it is added.
#[test]
fn every_enum_variant_of_the_model_is_in_the_schema() {
    let group_kinds = [
        GroupKind::TwinDrift,
        GroupKind::Divergence,
        GroupKind::Timing,
        GroupKind::Crash,
        GroupKind::Timeout,
        GroupKind::Protocol,
        GroupKind::AdapterError,
        GroupKind::NotRun,
    ];
    for kind in group_kinds {
        match kind {
            GroupKind::TwinDrift
            | GroupKind::Divergence
            | GroupKind::Timing
            | GroupKind::Crash
            | GroupKind::Timeout
            | GroupKind::Protocol
            | GroupKind::AdapterError
            | GroupKind::NotRun => {}
        }
    }
    let verdicts = [
        Verdict::Agreement,
        Verdict::Findings,
        Verdict::Infrastructure,
        Verdict::NoCases,
        Verdict::Interrupted,
    ];
    for verdict in verdicts {
        match verdict {
            Verdict::Agreement
            | Verdict::Findings
            | Verdict::Infrastructure
            | Verdict::NoCases
            | Verdict::Interrupted => {}
        }
    }
    let statuses = [
        ImplStatus::Available,
        ImplStatus::Unavailable,
        ImplStatus::FailedToStart,
        ImplStatus::Broken,
    ];
    for status in statuses {
        match status {
            ImplStatus::Available
            | ImplStatus::Unavailable
            | ImplStatus::FailedToStart
            | ImplStatus::Broken => {}
        }
    }
    let incident_kinds = [
        IncidentKind::NotJson,
        IncidentKind::InvalidMessage,
        IncidentKind::UnknownId,
        IncidentKind::DuplicateReply,
        IncidentKind::ReplyTooLarge,
        IncidentKind::StdoutClosed,
        IncidentKind::Crash,
        IncidentKind::ExitAfterHello,
        IncidentKind::Unresponsive,
        IncidentKind::RestartBudget,
    ];
    for kind in incident_kinds {
        match kind {
            IncidentKind::NotJson
            | IncidentKind::InvalidMessage
            | IncidentKind::UnknownId
            | IncidentKind::DuplicateReply
            | IncidentKind::ReplyTooLarge
            | IncidentKind::StdoutClosed
            | IncidentKind::Crash
            | IncidentKind::ExitAfterHello
            | IncidentKind::Unresponsive
            | IncidentKind::RestartBudget => {}
        }
    }
    let interrupts = [Interrupt::Sigint, Interrupt::Sigterm, Interrupt::Sighup];
    for interrupt in interrupts {
        match interrupt {
            Interrupt::Sigint | Interrupt::Sigterm | Interrupt::Sighup => {}
        }
    }
    let failures = [
        FailureKind::Crash,
        FailureKind::Timeout,
        FailureKind::Protocol,
    ];
    for failure in failures {
        match failure {
            FailureKind::Crash | FailureKind::Timeout | FailureKind::Protocol => {}
        }
    }
    for mark in [MarkStatus::Known, MarkStatus::Flaky] {
        match mark {
            MarkStatus::Known | MarkStatus::Flaky => {}
        }
    }

    for kind in group_kinds {
        let mut report = full_report();
        report.groups = vec![sample_group(kind)];
        // A vector's status is the group kind's `as_str` spelling (twin drift is between
        // implementations, never one implementation's result on a vector).
        if kind != GroupKind::TwinDrift {
            report.vectors[0].status = kind.as_str().into();
        }
        assert_valid(
            &format!("group kind {kind:?}"),
            &serde_json::to_value(&report).unwrap(),
        );
    }
    for verdict in verdicts {
        let report = Report {
            verdict,
            ..full_report()
        };
        assert_valid(
            &format!("verdict {verdict:?}"),
            &serde_json::to_value(&report).unwrap(),
        );
    }
    for status in statuses {
        let mut report = full_report();
        report.implementations[0].status = status;
        assert_valid(
            &format!("implementation status {status:?}"),
            &serde_json::to_value(&report).unwrap(),
        );
    }
    // Another implementation's status: its judgement, or its failure's `as_str` spelling.
    let sides = failures.map(FailureKind::as_str);
    for status in ["agrees", "diverges", "adapter_error", "not_run"]
        .into_iter()
        .chain(sides)
    {
        let mut report = full_report();
        report.groups[0].example.others[0].status = status.into();
        assert_valid(
            &format!("other implementation's status {status}"),
            &serde_json::to_value(&report).unwrap(),
        );
    }
    for kind in incident_kinds {
        let mut report = full_report();
        report.incidents[0].kind = kind;
        assert_valid(
            &format!("incident kind {kind:?}"),
            &serde_json::to_value(&report).unwrap(),
        );
    }
    for interrupt in interrupts {
        let mut report = full_report();
        report.interrupted_by = Some(interrupt);
        assert_valid(
            &format!("interrupted by {interrupt:?}"),
            &serde_json::to_value(&report).unwrap(),
        );
    }
    for status in [MarkStatus::Known, MarkStatus::Flaky] {
        let mut report = full_report();
        report.groups[0].baseline.as_mut().unwrap().status = status;
        assert_valid(
            &format!("mark status {status:?}"),
            &serde_json::to_value(&report).unwrap(),
        );
    }
}

fn cause(rule: &str, place: &str) -> Cause {
    Cause {
        rule: Some(rule.into()),
        place: Some(place.into()),
    }
}

fn sample_group(kind: GroupKind) -> Group {
    Group {
        contract: "budget".into(),
        implementation: "py-x".into(),
        kind,
        cause: cause("BUDGET-DEADLINE", "/outcome"),
        rules: vec!["BUDGET-DEADLINE".into(), "BUDGET-EXCEEDED".into()],
        rule_summaries: RuleSummary::of(
            "budget",
            &["BUDGET-DEADLINE".into(), "BUDGET-EXCEEDED".into()],
        ),
        paths: vec!["/outcome".into(), "/value".into()],
        count: 3,
        variants: vec![
            VariantRecord {
                cause: cause("BUDGET-DEADLINE", "/outcome"),
                rules: vec!["BUDGET-DEADLINE".into()],
                paths: vec!["/outcome".into()],
                count: 2,
            },
            VariantRecord {
                cause: Cause::default(),
                rules: vec!["BUDGET-EXCEEDED".into()],
                paths: vec!["/value".into()],
                count: 1,
            },
        ],
        shared_with_all: 1,
        first_cases: vec![4, 9],
        guided_cases: vec![3],
        vectors: vec!["deadline-wins".into()],
        corpus: vec!["corpus/budget/1ddc00c504.json".into()],
        baseline: Some(Mark {
            status: MarkStatus::Flaky,
            reason: "timers on shared CI runners".into(),
            issue: Some("https://example.org/tracker/1".into()),
        }),
        example: Example {
            case: Some(4),
            vector: Some("deadline-wins".into()),
            corpus: Some("corpus/budget/1ddc00c504.json".into()),
            input: json!({"budget": {"timeoutMs": 10}}),
            expected: Some(json!({"value": 1})),
            actual: Some(json!([1, "two", null])),
            diff: Some("-1\n+2\n".into()),
            paths: vec!["/value".into()],
            detail: Some("the adapter exited".into()),
            stderr_tail: Some("Traceback…\n".into()),
            repro: "cargo run --release -- verify --impl py-x --seed 3 --case 4".into(),
            others: vec![SideRecord {
                implementation: "ts-x".into(),
                status: "agrees".into(),
                output: Some(json!("anything")),
            }],
            drift: Some("py-x drifted".into()),
            shrink: Some(ShrinkRecord {
                from_bytes: 300,
                to_bytes: 40,
                steps: 20,
                accepted: 7,
                stopped_by: Some("the cap of 20 steps".into()),
            }),
            snippet: Some(Snippet {
                language: "python".into(),
                code: "print(1)\n".into(),
                expected: Some("{'ok': 1}".into()),
                actual: Some("{'ok': 2}".into()),
                env: [("AEGIS_PY_SRC".to_owned(), "/src".to_owned())].into(),
                runner: vec!["python3".into()],
                source: Some("AEGIS_PY_SRC".into()),
                checked: Some(ProgramCheck {
                    result: ProgramResult::Fixed,
                    exit_code: Some(0),
                    runs: 3,
                }),
            }),
        },
    }
}

fn full_report() -> Report {
    let percentiles = Percentiles::of(vec![1.0, 2.5, 40.0]);
    Report {
        schema_version: SCHEMA_VERSION,
        run_id: "20260101T000000Z-s3".into(),
        harness_version: "0.1.0".into(),
        repro: "cargo run --release -- verify --impl py-x --seed 3".into(),
        seed: 3,
        settings: SettingsRecord {
            cases: 10,
            only_case: Some(4),
            fixed_cases: 2,
            corpus_cases: 1,
            profile: "hostile".into(),
            time_zone: "Asia/Kolkata".into(),
            race_band_ms: 15,
            confirm_runs: 2,
            timing_slack_ms: 200,
            max_case_ms: 1000,
            window: Some(8),
            jobs: 2,
            shard: Some(Shard { index: 1, count: 2 }),
            vector: Some("deadline-wins".into()),
        },
        implementations: vec![
            ImplRecord {
                id: "py-x".into(),
                language: "python".into(),
                description: "a sample".into(),
                status: ImplStatus::Available,
                required: true,
                answered: 12,
                reason: None,
                fix: None,
                adapter: Some(AdapterInfo {
                    name: "python-adapter".into(),
                    language: "python".into(),
                    version: "3.11.7".into(),
                }),
                packages: [(
                    "budget".to_owned(),
                    Package {
                        name: "aegis".into(),
                        version: "1.0.0".into(),
                    },
                )]
                .into(),
            },
            ImplRecord {
                id: "ts-x".into(),
                language: "typescript".into(),
                description: "another".into(),
                status: ImplStatus::FailedToStart,
                required: true,
                answered: 0,
                reason: Some("exited before its hello".into()),
                fix: Some("npm ci".into()),
                adapter: None,
                packages: Default::default(),
            },
        ],
        contracts: vec![ContractRecord {
            id: "budget".into(),
            tallies: vec![Tally {
                implementation: "py-x".into(),
                cases: 12,
                pass: 9,
                diverge: 1,
                crash: 1,
                timeout: 0,
                protocol: 0,
                adapter_error: 0,
                not_run: 0,
                timing: 1,
                restarts: 1,
                rerun_alone: 2,
                flaky: 1,
            }],
            agreement: vec![PairAgreement {
                a: "py-x".into(),
                b: "ts-x".into(),
                compared: 11,
                identical: 10,
            }],
        }],
        groups: vec![sample_group(GroupKind::Divergence)],
        incidents: vec![IncidentRecord {
            contract: "budget".into(),
            implementation: "py-x".into(),
            kind: IncidentKind::NotJson,
            detail: "the adapter wrote a line that is not a valid message: not JSON".into(),
            line: Some("chaos: not a protocol message".into()),
            after_cases: 12,
            in_flight: 20,
            cases: vec![CaseLabel::Generated(3), CaseLabel::Vector("v".into())],
            stderr_tail: String::new(),
            repeats: 2,
        }],
        vectors: vec![VectorOutcome {
            contract: "budget".into(),
            implementation: "py-x".into(),
            id: "deadline-wins".into(),
            status: "divergence".into(),
            rules: vec!["BUDGET-DEADLINE".into()],
        }],
        baseline: Some(Outcome {
            baseline: Some("reports/baselines/ci.toml".into()),
            known_flaky: Some("reports/baselines/flaky.toml".into()),
            known: 0,
            flaky: 1,
            new: 0,
            stale: vec![
                {
                    let mut entry = Entry::of(
                        &GroupKey {
                            contract: "budget".into(),
                            implementation: "py-x".into(),
                            kind: GroupKind::Timing,
                            cause: cause("BUDGET-TIMING", "/outcome"),
                        },
                        &[cause("BUDGET-OK", "/outcome")],
                        "slow runner",
                    );
                    entry.issue = Some("https://example.org/tracker/2".into());
                    entry
                },
                Entry::of(
                    &GroupKey {
                        contract: "budget".into(),
                        implementation: "py-x".into(),
                        kind: GroupKind::Divergence,
                        cause: cause("BUDGET-TAGS", "/events/*/tags"),
                    },
                    &[cause("BUDGET-ONE-EVENT", "/events")],
                    "known",
                ),
            ],
            out_of_scope: vec![Entry::of(
                &GroupKey {
                    contract: "ledger".into(),
                    implementation: "py-x+ts-x".into(),
                    kind: GroupKind::TwinDrift,
                    cause: cause("LEDGER-WINDOW", "/result"),
                },
                &[],
                "a contract this run left out",
            )],
            stale_fails: true,
        }),
        interrupted: true,
        interrupted_by: Some(Interrupt::Sigterm),
        merged_from: vec!["20260101T000000Z-s3 (shard 1/2)".into()],
        coverage: vec![
            CoverageRecord {
                implementation: "py-x".into(),
                contract: "budget".into(),
                status: CoverageStatus::Measured,
                reason: None,
                lines: Reached { hit: 3, total: 4 },
                branches: Reached { hit: 1, total: 2 },
                files: vec![FileCoverage {
                    path: "src/aegis/__init__.py".into(),
                    lines: Reached { hit: 3, total: 4 },
                    branches: Reached { hit: 1, total: 2 },
                    missed: vec![7],
                    hit_branches: vec!["5>6".into()],
                    missed_branches: vec!["6>7".into()],
                    excerpts: vec![Excerpt {
                        first_line: 5,
                        lines: vec!["a".into(), "b".into(), "<never>".into()],
                    }],
                }],
            },
            CoverageRecord::unavailable("ts-x", "budget", "no coverage option".into()),
        ],
        guided: vec![GuidedRecord {
            contract: "budget".into(),
            fresh: 16,
            mutated: 48,
            pool: 5,
            branches: 120,
            states: 7,
            unguided: vec!["ts-x".into()],
        }],
        verdict: Verdict::Interrupted,
        exit_code: 1,
        timings: Timings {
            started_at: "2026-01-01T00:00:00.123Z".into(),
            wall_ms: 1234,
            implementations: [(
                "budget/py-x".to_owned(),
                ImplTimings {
                    elapsed_ms: percentiles.clone(),
                    timer_lag_ms: Percentiles::default(),
                },
            )]
            .into(),
            timing_violations: [
                CaseLabel::Generated(4),
                CaseLabel::Vector("deadline-wins".into()),
                CaseLabel::Corpus("corpus/budget/1ddc00c504.json".into()),
            ]
            .into_iter()
            .map(|case| TimingViolation {
                contract: "budget".into(),
                implementation: "py-x".into(),
                case,
                rule: "BUDGET-DEADLINE".into(),
                elapsed_ms: 412.5,
                limit_ms: 210.0,
            })
            .collect(),
            contracts_ms: [("budget".to_owned(), 1200)].into(),
            vectors: vec![VectorTiming {
                contract: "budget".into(),
                implementation: "py-x".into(),
                id: "deadline-wins".into(),
                elapsed_ms: 3.25,
            }],
        },
    }
}
