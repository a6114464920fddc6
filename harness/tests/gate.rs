//! The CI gate and the reports people read: baselines (known, stale, new), junit.xml,
//! `report diff`, sharding, and a run interrupted with SIGINT. Every run here drives real
//! adapters, so they run one at a time.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{fixture_config, processes_with, repo_root, serial, Sandbox};

/// migrate only: no timers, so the groups found are the same on every run.
const MIGRATE: [&str; 9] = [
    "--contract",
    "migrate",
    "--cases",
    "200",
    "--seed",
    "5",
    "--shrink-time",
    "0",
    "--quiet",
];

fn verify(sandbox: &Sandbox, impls: &str, extra: &[&str]) -> common::Run {
    let mut args = vec!["verify", "--impl", impls];
    args.extend(MIGRATE);
    args.extend(extra);
    sandbox.run(&args)
}

#[test]
fn a_baseline_passes_known_groups_and_fails_on_stale_and_new_ones() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.toml");
    let baseline_arg = baseline.to_str().unwrap();

    // First adoption: write the mutant's groups; that run passes with them known.
    let adopted = verify(
        &sandbox,
        "py-sample,py-mutant-overwrite",
        &["--write-baseline", baseline_arg],
    );
    assert_eq!(adopted.code, 0, "{}\n{}", adopted.stdout, adopted.stderr);
    let written = std::fs::read_to_string(&baseline).unwrap();
    let entries = written.matches("[[group]]").count();
    assert!(entries >= 1, "{written}");
    assert!(
        written.contains("impl = \"py-mutant-overwrite\""),
        "{written}"
    );
    // Never overwritten: a second adoption onto the same file is refused before running.
    let again = verify(&sandbox, "py-sample", &["--write-baseline", baseline_arg]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("exists"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(&baseline).unwrap(), written);

    let known = verify(
        &sandbox,
        "py-sample,py-mutant-overwrite",
        &["--baseline", baseline_arg],
    );
    assert_eq!(known.code, 0, "{}\n{}", known.stdout, known.stderr);
    assert_eq!(known.report()["baseline"]["known"], entries);
    assert!(
        known.stdout.contains("known py-mutant-overwrite"),
        "{}",
        known.stdout
    );

    // The mutant leaves the run: its entries are out of scope — listed in every report,
    // never stale, never failing.
    let scoped = verify(&sandbox, "py-sample", &["--baseline", baseline_arg]);
    assert_eq!(scoped.code, 0, "{}\n{}", scoped.stdout, scoped.stderr);
    let outcome = &scoped.report()["baseline"];
    assert_eq!(outcome["stale"], serde_json::json!([]), "{outcome}");
    assert_eq!(
        outcome["outOfScope"].as_array().map(Vec::len),
        Some(entries)
    );
    let out_of_scope = "out of scope (its implementation or contract did not run here)";
    assert!(
        scoped
            .stdout
            .contains(&format!("{out_of_scope} · migrate · py-mutant-overwrite")),
        "{}",
        scoped.stdout
    );
    let dir_of = |run: &common::Run| run.report_dir.clone().unwrap();
    let file = |name: &str| std::fs::read_to_string(dir_of(&scoped).join(name)).unwrap();
    assert!(
        file("summary.md").contains(&format!("- {out_of_scope}: migrate · py-mutant-overwrite"))
    );
    assert!(file("index.html")
        .contains("out of scope: its implementation or contract did not run here"));
    let junit = file("junit.xml");
    assert!(
        junit.contains("baseline migrate · py-mutant-overwrite") && junit.contains("<skipped"),
        "{junit}"
    );
    check_junit_schema(&junit);

    // An entry of an implementation that ran but no longer diverges is stale and fails.
    let with_stale = dir.path().join("with-stale.toml");
    std::fs::write(
        &with_stale,
        format!("{written}\n[[group]]\ncontract = \"migrate\"\nimpl = \"py-sample\"\nrule = \"MIG-UNKNOWN\"\nplace = \"/error\"\nreason = \"fixed since\"\n"),
    )
    .unwrap();
    let stale = verify(
        &sandbox,
        "py-sample",
        &["--baseline", with_stale.to_str().unwrap()],
    );
    assert_eq!(stale.code, 1, "{}\n{}", stale.stdout, stale.stderr);
    assert_eq!(
        stale.report()["baseline"]["stale"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        stale.report()["baseline"]["outOfScope"]
            .as_array()
            .map(Vec::len),
        Some(entries)
    );
    assert!(
        stale
            .stdout
            .contains("stale: remove it from the baseline · migrate · py-sample · divergence · MIG-UNKNOWN at /error"),
        "{}",
        stale.stdout
    );

    // A second mutant joins: its group is new and fails the run.
    let new = verify(
        &sandbox,
        "py-sample,py-mutant-overwrite,py-mutant-shortcut-path",
        &["--baseline", baseline_arg],
    );
    assert_eq!(new.code, 1, "{}\n{}", new.stdout, new.stderr);
    assert!(
        new.groups()
            .iter()
            .any(|g| g["implementation"] == "py-mutant-shortcut-path"
                && g["kind"] == "divergence"
                && g["rules"] == serde_json::json!(["MIG-PATH"])
                && g["baseline"].is_null()),
        "{}",
        new.stdout
    );
    assert_eq!(new.report()["baseline"]["stale"], serde_json::json!([]));

    // Listed as known-flaky instead, the same groups never fail the run: the mutant's own
    // divergence and its twin drift from each implementation it joined.
    let new_groups: Vec<&serde_json::Value> = new
        .groups()
        .into_iter()
        .filter(|g| g["baseline"].is_null())
        .collect();
    assert!(
        new_groups.iter().all(|g| g["implementation"]
            .as_str()
            .unwrap_or_default()
            .contains("py-mutant-shortcut-path")),
        "{new_groups:?}"
    );
    let flaky = dir.path().join("flaky.toml");
    let entries: String = new_groups
        .iter()
        .map(|g| {
            format!(
                "[[group]]\ncontract = {}\nimpl = {}\nkind = {}\nrules = {}\npaths = {}\nreason = \"test\"\n",
                g["contract"], g["implementation"], g["kind"], g["rules"], g["paths"]
            )
        })
        .collect();
    std::fs::write(&flaky, entries).unwrap();
    let with_flaky = verify(
        &sandbox,
        "py-sample,py-mutant-overwrite,py-mutant-shortcut-path",
        &[
            "--baseline",
            baseline_arg,
            "--known-flaky",
            flaky.to_str().unwrap(),
        ],
    );
    assert_eq!(with_flaky.code, 0, "{}", with_flaky.stdout);
    assert_eq!(
        with_flaky.report()["baseline"]["flaky"].as_u64(),
        Some(new_groups.len() as u64)
    );

    // `report diff` between the known run and the run with the new mutant names it.
    let diff = sandbox.run(&[
        "report",
        "diff",
        known.report_dir.as_ref().unwrap().to_str().unwrap(),
        new.report_dir.as_ref().unwrap().to_str().unwrap(),
    ]);
    assert_eq!(diff.code, 1, "{}\n{}", diff.stdout, diff.stderr);
    assert!(
        diff.stdout
            .contains(&format!("appeared ({})", new_groups.len()))
            && diff
                .stdout
                .contains("migrate · py-mutant-shortcut-path · divergence · MIG-PATH"),
        "{}",
        diff.stdout
    );
    let same = sandbox.run(&[
        "report",
        "diff",
        known.report_dir.as_ref().unwrap().to_str().unwrap(),
        "latest",
    ]);
    assert_eq!(same.code, 1, "latest is the flaky run: {}", same.stdout);
}

#[test]
fn malformed_baselines_are_usage_errors_naming_path_and_line() {
    let _guard = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(
        &path,
        "[[group]]\ncontract = \"migrate\"\nimpl = \"py\"\nrules = [\"MIG-UNKNOWN\"]\npaths = [\"/error\"]\n",
    )
    .unwrap();
    let run = Sandbox::new().run(&[
        "verify",
        "--impl",
        "py-sample",
        "--baseline",
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("broken.toml")
            && run.stderr.contains("line 1")
            && run.stderr.contains("reason"),
        "{}",
        run.stderr
    );
    assert!(run.report.is_none(), "nothing ran");
}

/// The JUnit XML shape CI systems read (the Jenkins/Ant JUnit schema): `testsuites` holding
/// `testsuite`s with name and counts that match their `testcase`s, each case with a name and
/// classname, and failures with a message.
fn check_junit_schema(xml: &str) -> (usize, usize) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let (mut cases, mut failures) = (0usize, 0usize);
    let mut suite_counts: Option<(usize, usize, usize, usize)> = None; // declared tests, failures; seen
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(element) = start {
            let name = String::from_utf8(element.name().as_ref().to_vec()).unwrap();
            let attr = |key: &str| {
                element.try_get_attribute(key).unwrap().map(|a| {
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap()
                        .into_owned()
                })
            };
            let parent = stack.last().map(String::as_str);
            match name.as_str() {
                "testsuites" => assert_eq!(parent, None, "testsuites is the root"),
                "testsuite" => {
                    assert_eq!(parent, Some("testsuites"));
                    assert!(attr("name").is_some_and(|n| !n.is_empty()));
                    let count = |k: &str| {
                        attr(k)
                            .unwrap_or_else(|| panic!("testsuite needs `{k}`"))
                            .parse::<usize>()
                            .unwrap()
                    };
                    let _ = count("errors");
                    suite_counts = Some((count("tests"), count("failures"), 0, 0));
                }
                "testcase" => {
                    assert_eq!(parent, Some("testsuite"));
                    assert!(attr("name").is_some_and(|n| !n.is_empty()));
                    assert!(attr("classname").is_some_and(|n| !n.is_empty()));
                    cases += 1;
                    if let Some(c) = suite_counts.as_mut() {
                        c.2 += 1;
                    }
                }
                "failure" => {
                    assert_eq!(parent, Some("testcase"));
                    assert!(attr("message").is_some_and(|m| !m.is_empty()));
                    failures += 1;
                    if let Some(c) = suite_counts.as_mut() {
                        c.3 += 1;
                    }
                }
                "skipped" | "error" | "system-out" | "system-err" => {
                    assert_eq!(parent, Some("testcase"), "<{name}>")
                }
                "properties" => assert!(matches!(parent, Some("testsuite" | "testcase"))),
                "property" => {
                    assert_eq!(parent, Some("properties"));
                    assert!(attr("name").is_some() && attr("value").is_some());
                }
                other => panic!("element <{other}> is not in the JUnit schema"),
            }
            if !empty {
                stack.push(name);
            }
        }
        match event {
            Event::End(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                assert_eq!(stack.pop().as_deref(), Some(name.as_str()));
                if name == "testsuite" {
                    let (tests, declared_failures, seen, seen_failures) =
                        suite_counts.take().unwrap();
                    assert_eq!((tests, declared_failures), (seen, seen_failures));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (cases, failures)
}

#[test]
fn junit_xml_follows_the_junit_schema_with_a_case_per_group_and_vector() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    let run = verify(&sandbox, "py-mutant-shortcut-path", &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let dir = run.report_dir.as_ref().unwrap();
    let xml = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    let (cases, failures) = check_junit_schema(&xml);
    let report = run.report();
    let vectors = report["vectors"].as_array().unwrap().len();
    let groups = report["groups"].as_array().unwrap().len();
    assert!(vectors > 50, "every golden vector has a result");
    assert_eq!(cases, vectors + groups, "{xml}");
    assert!(failures >= groups && failures > 0);
    // A maintained parser reads it back too.
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("quick-junit reads it");
    assert_eq!(parsed.test_suites.len(), 1);
    // Times from the run's timings: the run's and the contract's.
    assert!(parsed.time.is_some_and(|t| !t.is_zero()), "{xml}");
    assert!(parsed.test_suites[0].time.is_some(), "{xml}");
    assert!(dir.join("index.html").is_file() && dir.join("summary.md").is_file());
}

/// Writes a config whose `recorded` implementation appends its cases to `record`.
fn recording_config(dir: &Path, record: &Path) -> PathBuf {
    let text = std::fs::read_to_string(fixture_config()).unwrap();
    let config = dir.join("impls.toml");
    std::fs::write(
        &config,
        text.replace(
            "\"RECORD_FILE\"",
            &format!("{:?}", record.to_str().unwrap()),
        ),
    )
    .unwrap();
    config
}

/// (adapter process id, case input) for every case recorded.
fn recorded(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(pid, case)| (pid.to_owned(), case.to_owned()))
        .collect()
}

fn recorded_cases(path: &Path) -> Vec<String> {
    recorded(path).into_iter().map(|(_, case)| case).collect()
}

#[test]
fn shards_are_disjoint_and_together_run_exactly_the_whole_stream() {
    let _guard = serial();
    let dir = tempfile::tempdir().unwrap();
    let run = |record: &str, shard: Option<&str>| -> Vec<String> {
        let path = dir.path().join(record);
        let config = recording_config(dir.path(), &path);
        let mut args = vec![
            "verify",
            "--config",
            config.to_str().unwrap(),
            "--impl",
            "recorded",
            "--contract",
            "migrate",
            "--cases",
            "300",
            "--seed",
            "9",
            "--quiet",
        ];
        if let Some(shard) = shard {
            args.extend(["--shard", shard]);
        }
        let result = Sandbox::new().run(&args);
        assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);
        if let Some(shard) = shard {
            assert_eq!(result.report()["settings"]["shard"]["count"], 3);
            assert!(
                result.stdout.contains(&format!("--shard {shard}")),
                "the rerun line keeps the shard"
            );
        }
        recorded_cases(&path)
    };
    let whole = run("whole.jsonl", None);
    let shards: Vec<Vec<String>> = ["1/3", "2/3", "3/3"]
        .iter()
        .enumerate()
        .map(|(n, s)| run(&format!("shard{n}.jsonl"), Some(s)))
        .collect();
    assert!(whole.len() > 300, "vectors and generated cases");
    let total: usize = shards.iter().map(Vec::len).sum();
    assert_eq!(total, whole.len(), "no case runs twice across shards");
    for shard in &shards {
        assert!(shard.len() >= whole.len() / 3, "shards are balanced");
    }
    let mut union: Vec<String> = shards.concat();
    union.sort();
    let mut expected = whole.clone();
    expected.sort();
    // Equal as multisets and equal in size: every case of the stream ran on exactly one shard.
    assert_eq!(
        union, expected,
        "together the shards run exactly the whole stream"
    );
}

#[test]
fn sigint_stops_adapters_and_leaves_a_complete_interrupted_report() {
    let _guard = serial();
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    // A marker on the adapter's command line, to find any adapter left behind.
    let marker = format!("interrupt-marker-{}", std::process::id());
    let config = dir.path().join("impls.toml");
    std::fs::write(
        &config,
        format!(
            "[impl.marked]\nlanguage = \"python\"\ncontracts = [\"budget\"]\nargv = [\"{{python}}\", \"{{root}}/adapters/py/adapter.py\", \"{marker}\"]\nenv = {{ AEGIS_PY_SRC = \"{{root}}/adapters/samples/py\", AEGIS_SAMPLE_MUTANT = \"\" }}\n"
        ),
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_harness"));
    command
        .args([
            "verify",
            "--impl",
            "marked",
            "--cases",
            "200000",
            "--seed",
            "4",
            "--no-corpus",
        ])
        .arg("--config")
        .arg(&config)
        .arg("--root")
        .arg(repo_root())
        .arg("--reports-dir")
        .arg(&reports)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::var_os("HOME").unwrap_or_default())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    // Wait until cases are flowing (plain progress lines go to stderr off a terminal).
    let started = Instant::now();
    while processes_with(&marker).is_empty() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(
        stdout.contains("interrupted: this partial report"),
        "{stdout}"
    );

    let run_dir = reports.join("latest");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("report.json")).unwrap())
            .expect("a complete, valid report.json");
    assert_eq!(report["interrupted"], true);
    assert_eq!(report["verdict"], "interrupted");
    assert_eq!(report["exitCode"], 130);
    let tally = &report["contracts"][0]["tallies"][0];
    let cases = tally["cases"].as_u64().unwrap();
    assert!(cases > 0 && cases < 200_000, "partial: {cases} cases");
    assert_eq!(
        tally["pass"], tally["cases"],
        "no case counted as failed by the interruption"
    );
    for file in ["summary.md", "junit.xml", "index.html"] {
        assert!(run_dir.join(file).is_file(), "{file}");
    }
    assert!(std::fs::read_to_string(run_dir.join("summary.md"))
        .unwrap()
        .contains("interrupted"));
    check_junit_schema(&std::fs::read_to_string(run_dir.join("junit.xml")).unwrap());
    let leftover = std::fs::read_dir(&run_dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .count();
    assert_eq!(leftover, 0, "no half-written file");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        processes_with(&marker),
        Vec::<(u32, String)>::new(),
        "adapters shut down"
    );
}

#[test]
fn sigint_while_shrinking_stops_at_once_and_keeps_the_best_case_so_far() {
    let _guard = serial();
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    let marker = format!("shrink-interrupt-marker-{}", std::process::id());
    let config = dir.path().join("impls.toml");
    std::fs::write(
        &config,
        format!(
            "[impl.late]\nlanguage = \"python\"\ncontracts = [\"budget\"]\nargv = [\"{{python}}\", \"{{root}}/adapters/py/adapter.py\", \"{marker}\"]\nenv = {{ AEGIS_PY_SRC = \"{{root}}/adapters/samples/py\", AEGIS_SAMPLE_MUTANT = \"late-value\" }}\n"
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "verify",
            "--impl",
            "late",
            "--cases",
            "300",
            "--seed",
            "3",
            "--no-corpus",
            "--no-vectors",
            "--shrink-time",
            "120",
        ])
        .arg("--config")
        .arg(&config)
        .arg("--root")
        .arg(repo_root())
        .arg("--reports-dir")
        .arg(&reports)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::var_os("HOME").unwrap_or_default())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read stderr as it comes; interrupt once a shrink has started.
    let stderr = child.stderr.take().unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines_tx.send(line);
        }
    });
    let mut seen = String::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(60)) {
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("shrinking ") {
            break;
        }
    }
    assert!(seen.contains("shrinking "), "no shrink started:\n{seen}");
    std::thread::sleep(Duration::from_millis(500));
    let interrupted = Instant::now();
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    // Timing is a benchmark's business, not an assertion; shown for whoever reads the log.
    println!("exited {:?} after the interrupt", interrupted.elapsed());
    let _ = reader.join();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(130), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("latest/report.json")).unwrap())
            .expect("a complete report.json");
    assert_eq!(report["interrupted"], true);
    let groups = report["groups"].as_array().expect("groups");
    assert!(!groups.is_empty(), "the findings are kept");
    let shrinks: Vec<&serde_json::Value> = groups
        .iter()
        .filter_map(|g| {
            g["example"]["shrink"]
                .as_object()
                .map(|_| &g["example"]["shrink"])
        })
        .collect();
    assert!(
        shrinks.iter().any(|s| s["stoppedBy"]
            .as_str()
            .unwrap_or_default()
            .contains("interrupt")),
        "the shrink under way keeps its best case: {shrinks:?}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        processes_with(&marker),
        Vec::<(u32, String)>::new(),
        "no adapter left behind"
    );
}

#[test]
fn jobs_spread_cases_over_several_adapters_with_the_same_results() {
    let _guard = serial();
    let dir = tempfile::tempdir().unwrap();
    let run = |jobs: &str| {
        let path = dir.path().join(format!("jobs{jobs}.jsonl"));
        let config = recording_config(dir.path(), &path);
        let result = Sandbox::new().run(&[
            "verify",
            "--config",
            config.to_str().unwrap(),
            "--impl",
            "recorded",
            "--contract",
            "migrate",
            "--cases",
            "400",
            "--seed",
            "12",
            "--jobs",
            jobs,
            "--quiet",
        ]);
        assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);
        let mut report = result.report().clone();
        for volatile in ["runId", "timings", "settings"] {
            report.as_object_mut().unwrap().remove(volatile);
        }
        (report, recorded(&path))
    };
    let (one, one_cases) = run("1");
    let (three, three_cases) = run("3");
    assert_eq!(
        one, three,
        "the same cases give the same report, however many adapters"
    );
    let adapters: std::collections::BTreeSet<&String> =
        three_cases.iter().map(|(pid, _)| pid).collect();
    assert_eq!(
        adapters.len(),
        3,
        "three adapter processes shared the cases"
    );
    let mut a: Vec<&String> = one_cases.iter().map(|(_, c)| c).collect();
    let mut b: Vec<&String> = three_cases.iter().map(|(_, c)| c).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "each case ran once");
}
