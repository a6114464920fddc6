//! The chaos suite: adapters that misbehave in each way a careful tester tried (issue 18),
//! each a small proxy (`fixtures/misbehaving_adapter.py`) in front of the bundled Python
//! sample. Every misbehaviour must end in exit 1 (3 where nothing ran) with an incident
//! naming it, every case accounted for, and no process the adapter started left behind.
//! The runs drive real adapters with real timers, so they run one at a time.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{fixture_config, harness, processes_with, repo_root, serial, Run, Sandbox};
use serde_json::Value;

/// One misbehaving implementation, `chaos`, in a config of its own.
struct Chaos {
    dir: tempfile::TempDir,
    config: PathBuf,
    /// On the command line of the proxy, the adapter and any worker, to find leftovers.
    marker: String,
    sandbox: Sandbox,
}

impl Chaos {
    /// `behaviours` as `misbehaving_adapter.py` takes them (comma separated), in front of the
    /// budget sample.
    fn new(behaviours: &str) -> Chaos {
        Chaos::of(
            behaviours,
            "budget",
            "AEGIS_PY_SRC = \"{root}/adapters/samples/py\", AEGIS_SAMPLE_MUTANT = \"\"",
        )
    }

    /// `behaviours` in front of the Python sample of `contract`, which reads `env`.
    fn of(behaviours: &str, contract: &str, env: &str) -> Chaos {
        let dir = tempfile::tempdir().expect("temporary directory");
        let marker = format!(
            "chaos-marker-{}-{}",
            behaviours.replace(',', "-"),
            std::process::id()
        );
        let state = dir.path().join("misbehaved");
        let config = dir.path().join("impls.toml");
        std::fs::write(
            &config,
            format!(
                "[impl.chaos]\nlanguage = \"python\"\ncontracts = [{contract:?}]\nargv = [\"{{python}}\", \"{{root}}/harness/tests/fixtures/misbehaving_adapter.py\", {behaviours:?}, {state:?}, {marker:?}, \"{{python}}\", \"{{root}}/adapters/py/adapter.py\", {marker:?}]\nenv = {{ {env} }}\n",
                state = state.to_string_lossy(),
            ),
        )
        .expect("config written");
        Chaos {
            dir,
            config,
            marker,
            sandbox: Sandbox::new(),
        }
    }

    fn args(&self, cases: u64) -> Vec<String> {
        [
            "verify",
            "--impl",
            "chaos",
            "--cases",
            &cases.to_string(),
            "--seed",
            "3",
            "--no-vectors",
            "--no-corpus",
            "--shrink-time",
            "0",
            "--config",
            &self.config.to_string_lossy(),
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// A run of `cases` budget cases, with `extra` flags.
    fn verify(&self, cases: u64, extra: &[&str]) -> Run {
        let mut args = self.args(cases);
        args.extend(["--ping-grace-ms", "500", "--quiet"].map(str::to_owned));
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.sandbox.run(&args)
    }

    /// The harness started on its own, its reports going to `reports`.
    fn spawn(&self, cases: u64, reports: &Path, extra: &[&str]) -> Child {
        Command::new(env!("CARGO_BIN_EXE_harness"))
            .args(self.args(cases))
            .args(extra)
            .arg("--root")
            .arg(repo_root())
            .arg("--reports-dir")
            .arg(reports)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::var_os("HOME").unwrap_or_default())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the harness binary starts")
    }

    /// Waits until the adapter runs and has misbehaved (when its misbehaviour is a one-time
    /// one), or `limit` passes.
    fn wait_until_running(&self, misbehaved: bool, limit: Duration) {
        let started = Instant::now();
        while started.elapsed() < limit {
            let running = !processes_with(&self.marker).is_empty();
            if running && (!misbehaved || self.dir.path().join("misbehaved").exists()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the chaos adapter did not get going within {limit:?}");
    }

    /// Processes of this adapter still alive a moment after the run.
    fn leftovers(&self) -> Vec<(u32, String)> {
        let started = Instant::now();
        loop {
            let left = processes_with(&self.marker);
            if left.is_empty() || started.elapsed() > Duration::from_secs(3) {
                return left;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn incidents(run: &Run) -> Vec<&Value> {
    run.report()["incidents"]
        .as_array()
        .map(|i| i.iter().collect())
        .unwrap_or_default()
}

/// The run's first incident of `kind`.
fn incident<'a>(run: &'a Run, kind: &str) -> &'a Value {
    incidents(run)
        .into_iter()
        .find(|i| i["kind"] == kind)
        .unwrap_or_else(|| {
            panic!(
                "no {kind} incident\nstdout:\n{}\nstderr:\n{}",
                run.stdout, run.stderr
            )
        })
}

/// A misbehaviour that did not recur: exit 1, one incident of `kind` shown in every
/// writer, and every case re-run and passed.
fn assert_one_time_incident(run: &Run, kind: &str, cases: u64) -> Value {
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let found = incident(run, kind).clone();
    assert_eq!(run.report()["verdict"], "findings");
    let tally = run.tally("budget", "chaos");
    assert_eq!(tally["cases"], cases, "{tally}");
    assert_eq!(
        tally["pass"], cases,
        "every case re-ran and passed: {tally}"
    );
    assert!(run.groups().is_empty(), "{:?}", run.groups());
    assert!(
        run.stdout.contains(&format!("chaos · {kind}")),
        "terminal summary: {}",
        run.stdout
    );
    let dir = run.report_dir.as_ref().expect("a run folder");
    for file in ["summary.md", "index.html", "junit.xml"] {
        let text = std::fs::read_to_string(dir.join(file)).expect(file);
        assert!(text.contains(kind), "{file} names the incident");
    }
    found
}

#[test]
fn a_line_that_is_not_json() {
    let _guard = serial();
    let chaos = Chaos::new("not-json");
    let run = chaos.verify(20, &[]);
    let found = assert_one_time_incident(&run, "not_json", 20);
    assert!(
        found["line"]
            .as_str()
            .unwrap_or_default()
            .contains("this is not a protocol message"),
        "{found}"
    );
    assert!(found["inFlight"].as_u64() > Some(0), "{found}");
    assert!(
        found["stderrTail"]
            .as_str()
            .unwrap_or_default()
            .contains("chaos: misbehaving"),
        "{found}"
    );
    // What the adapter wrote is kept whole in report.json, and shown written out elsewhere:
    // its escape sequences neither reach the terminal nor make junit.xml invalid XML.
    let line = found["line"].as_str().unwrap_or_default();
    assert!(line.contains("\u{1b}[2J\u{1b}[31m\u{0}\u{7}"), "{found}");
    let dir = run.report_dir.as_ref().expect("a run folder");
    let mut shown = vec![("terminal", run.stdout.clone())];
    for file in ["summary.md", "index.html", "junit.xml"] {
        shown.push((file, std::fs::read_to_string(dir.join(file)).expect(file)));
    }
    for (writer, text) in &shown {
        let raw: Vec<char> = text
            .chars()
            .filter(|c| c.is_control() && !matches!(c, '\n' | '\t'))
            .collect();
        assert!(raw.is_empty(), "{writer} shows {raw:?} raw");
    }
    let junit = &shown[3].1;
    assert!(junit.contains("\\x1b[2J\\x1b[31m\\x00\\x07"), "{junit}");
    assert!(
        junit.contains("clearing \\x1b[2J"),
        "the stderr tail: {junit}"
    );
}

#[test]
fn a_reply_with_an_unknown_id() {
    let _guard = serial();
    let chaos = Chaos::new("unknown-id");
    let run = chaos.verify(20, &[]);
    let found = assert_one_time_incident(&run, "unknown_id", 20);
    assert!(
        found["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("987654321"),
        "{found}"
    );
}

#[test]
fn a_case_answered_twice() {
    let _guard = serial();
    let chaos = Chaos::new("duplicate");
    let run = chaos.verify(20, &[]);
    assert_one_time_incident(&run, "duplicate_reply", 20);
}

#[test]
fn stdout_closed_while_the_adapter_lives_on() {
    let _guard = serial();
    let chaos = Chaos::new("close-stdout");
    let run = chaos.verify(20, &[]);
    assert_one_time_incident(&run, "stdout_closed", 20);
    assert_eq!(chaos.leftovers(), Vec::<(u32, String)>::new());
}

/// 80 migrate cases (a 1 s limit each) that leave at once and whose replies come back 30 ms
/// apart (`behaviours` says what else): the last is answered 2.4 s after it was sent, yet
/// 30 ms after its turn came. Timing each case from when it was sent would call half of them
/// timeouts.
fn slow_migrate_run(behaviours: &str) -> (Chaos, Run) {
    let chaos = Chaos::of(
        behaviours,
        "migrate",
        "ANTARIS_PY_SRC = \"{root}/adapters/samples/py\", ANTARIS_SAMPLE_MUTANT = \"\"",
    );
    let run = chaos.verify(80, &["--timing-slack-ms", "0"]);
    (chaos, run)
}

#[test]
fn cases_queued_behind_slow_answers_are_timed_from_their_turn_not_from_sending() {
    let _guard = serial();
    let (_chaos, run) = slow_migrate_run("slow-answers");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(incidents(&run).is_empty(), "{:?}", incidents(&run));
    let tally = run.tally("migrate", "chaos");
    assert_eq!(tally["pass"], tally["cases"], "{tally}");
}

#[test]
fn cases_queued_behind_slow_broken_replies_are_timed_from_their_turn_too() {
    let _guard = serial();
    // Every reply breaks the protocol while naming its case: such a reply also ends its
    // case's turn, so each case fails as a protocol failure, none as a timeout.
    let (chaos, run) = slow_migrate_run("slow-invalid");
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let tally = run.tally("migrate", "chaos");
    assert_eq!(tally["protocol"], tally["cases"], "{tally}");
    // A case given up on as late whose broken reply then comes is no case in flight: the
    // adapter would be restarted for it, and its cases re-run.
    assert_eq!(
        (&tally["timeout"], &tally["restarts"]),
        (&0.into(), &0.into()),
        "{tally}"
    );
    assert_eq!(chaos.leftovers(), Vec::<(u32, String)>::new());
}

#[test]
fn a_crash_that_does_not_recur() {
    let _guard = serial();
    let chaos = Chaos::new("crash");
    let run = chaos.verify(20, &[]);
    let found = assert_one_time_incident(&run, "crash", 20);
    assert!(
        found["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("exited"),
        "{found}"
    );
}

#[test]
fn an_adapter_that_exits_right_after_its_hello() {
    let _guard = serial();
    let chaos = Chaos::new("exit-after-hello");
    let run = chaos.verify(20, &[]);
    assert_eq!(run.code, 3, "nothing ran: {}\n{}", run.stdout, run.stderr);
    let report = run.report();
    assert_eq!(report["verdict"], "infrastructure");
    assert_eq!(report["implementations"][0]["status"], "broken");
    let budget = incident(&run, "restart_budget");
    assert!(
        budget["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("right after its hello"),
        "{budget}"
    );
    let tally = run.tally("budget", "chaos");
    assert_eq!(tally["cases"], 20);
    assert_eq!(tally["pass"], 0);
    assert_eq!(tally["restarts"], 10);
    assert!(tally["notRun"].as_u64() > Some(0), "{tally}");
    assert!(run.stdout.contains("chaos is broken"), "{}", run.stdout);
    assert_eq!(chaos.leftovers(), Vec::<(u32, String)>::new());
}

#[test]
fn an_adapter_that_crashes_on_every_case_ends_promptly() {
    let _guard = serial();
    let chaos = Chaos::new("crash-always");
    let started = Instant::now();
    let run = chaos.verify(300, &[]);
    // Speed is a benchmark's business, not an assertion; shown for whoever reads the log.
    println!(
        "300 cases with a crash on every one took {:?}",
        started.elapsed()
    );
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let tally = run.tally("budget", "chaos");
    assert_eq!(tally["cases"], 300, "{tally}");
    assert_eq!(tally["restarts"], 10, "the default budget: {tally}");
    assert_eq!(
        tally["crash"].as_u64().unwrap_or(0) + tally["notRun"].as_u64().unwrap_or(0),
        300,
        "{tally}"
    );
    assert!(tally["notRun"].as_u64() > Some(200), "{tally}");
    assert_eq!(run.report()["implementations"][0]["status"], "broken");
    let not_run = run
        .groups()
        .into_iter()
        .find(|g| g["kind"] == "not_run")
        .expect("a not_run group");
    assert!(
        not_run["example"]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("--max-restarts"),
        "{not_run}"
    );
    incident(&run, "restart_budget");

    let smaller = chaos.verify(300, &["--max-restarts", "3"]);
    assert_eq!(smaller.code, 3);
    assert_eq!(smaller.tally("budget", "chaos")["restarts"], 3);
}

#[test]
fn a_broken_implementation_that_answered_cases_fails_with_exit_1() {
    let _guard = serial();
    let config = fixture_config();
    let run = harness(&[
        "verify",
        "--no-vectors",
        "--config",
        &config.to_string_lossy(),
        "--impl",
        "chaos-crash",
        "--cases",
        "40",
        "--seed",
        "3",
        "--max-restarts",
        "2",
        // One case at a time: each crash is pinned on its case at once, between answers.
        "--window",
        "1",
        "--ping-grace-ms",
        "500",
        "--quiet",
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let tally = run.tally("budget", "chaos-crash");
    assert!(tally["pass"].as_u64() > Some(0), "{tally}");
    assert!(tally["notRun"].as_u64() > Some(0), "{tally}");
    assert_eq!(tally["restarts"], 2);
    assert_eq!(run.report()["implementations"][0]["status"], "broken");
    incident(&run, "restart_budget");
}

#[test]
fn a_100_mb_reply_is_read_and_discarded_and_reports_stay_small() {
    let _guard = serial();
    let chaos = Chaos::new("huge");
    let run = chaos.verify(20, &[]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let found = incident(&run, "reply_too_large");
    assert_eq!(found["inFlight"], 1, "the case it answered: {found}");
    assert!(
        found["line"]
            .as_str()
            .unwrap_or_default()
            .ends_with("100.0 MB more"),
        "{found}"
    );
    let tally = run.tally("budget", "chaos");
    assert_eq!(tally["protocol"], 1, "{tally}");
    assert_eq!(tally["pass"], 19, "{tally}");
    assert_eq!(tally["restarts"], 0, "the adapter carries on: {tally}");
    let dir = run.report_dir.as_ref().expect("a run folder");
    let size = folder_size(dir.parent().expect("the reports folder"));
    assert!(size < 20_000_000, "reports take {size} bytes");
}

#[test]
fn a_worker_the_adapter_started_does_not_outlive_it() {
    let _guard = serial();
    let chaos = Chaos::new("worker,crash");
    let run = chaos.verify(20, &[]);
    assert_one_time_incident(&run, "crash", 20);
    assert_eq!(
        chaos.leftovers(),
        Vec::<(u32, String)>::new(),
        "the adapter's process group is stopped, its worker with it"
    );
}

#[test]
fn sigterm_and_sighup_stop_the_run_with_an_interrupted_report_and_no_adapter_left() {
    let _guard = serial();
    for (signal, name, code, behaviours) in [
        ("-TERM", "SIGTERM", 143, "worker,deaf"),
        ("-HUP", "SIGHUP", 129, "worker"),
    ] {
        let chaos = Chaos::new(behaviours);
        let reports = chaos.dir.path().join("reports");
        // A deaf adapter is not given up on before the signal comes.
        let child = chaos.spawn(5000, &reports, &["--ping-grace-ms", "60000"]);
        chaos.wait_until_running(behaviours.contains("deaf"), Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(500));
        let sent = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let output = child.wait_with_output().expect("the harness exits");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{stdout}\n{stderr}");
        assert!(
            stdout.contains(&format!("finished ({name}, exit {code})")),
            "{stdout}"
        );
        let report: Value = serde_json::from_str(
            &std::fs::read_to_string(reports.join("latest/report.json"))
                .expect("a report is written"),
        )
        .expect("a complete report.json");
        assert_eq!(report["interrupted"], true);
        assert_eq!(report["interruptedBy"], name);
        assert_eq!(report["exitCode"], code);
        assert_eq!(
            chaos.leftovers(),
            Vec::<(u32, String)>::new(),
            "{name}: no adapter, and nothing an adapter started, is left"
        );
    }
}

#[test]
fn ctrl_c_does_not_wait_for_a_slow_hello() {
    let _guard = serial();
    let chaos = Chaos::new("slow-hello");
    let reports = chaos.dir.path().join("reports");
    let child = chaos.spawn(20, &reports, &[]);
    chaos.wait_until_running(false, Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(500));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let output = child.wait_with_output().expect("the harness exits");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(130), "{stdout}");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(reports.join("latest/report.json")).expect("a report"),
    )
    .expect("a complete report.json");
    // Had the run waited out the handshake, the adapter would have failed to start.
    let implementation = &report["implementations"][0];
    assert_eq!(implementation["status"], "available", "{implementation}");
    assert!(implementation.get("adapter").is_none(), "{implementation}");
    assert_eq!(report["interruptedBy"], "SIGINT");
    assert_eq!(chaos.leftovers(), Vec::<(u32, String)>::new());
}

#[test]
fn kill_9_leaves_no_empty_run_folder() {
    let _guard = serial();
    let chaos = Chaos::new("worker");
    let reports = chaos.dir.path().join("reports");
    let mut child = chaos.spawn(200_000, &reports, &[]);
    chaos.wait_until_running(false, Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(500));
    child.kill().expect("SIGKILL sent");
    let _ = child.wait();
    let entries: Vec<PathBuf> = std::fs::read_dir(&reports)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    // Nothing can stop what a killed harness had started: the adapter sees its input end
    // and exits; its worker is this test's to stop.
    for (pid, _) in chaos.leftovers() {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    assert_eq!(
        entries,
        Vec::<PathBuf>::new(),
        "no run folder is made early"
    );
}

#[test]
fn a_full_disk_still_shows_the_summary_and_leaves_no_temporary_file() {
    use std::os::unix::process::CommandExt;
    let _guard = serial();
    let chaos = Chaos::new("none");
    let reports = chaos.dir.path().join("reports");
    let mut command = Command::new(env!("CARGO_BIN_EXE_harness"));
    command
        .args(chaos.args(5))
        .arg("--quiet")
        .arg("--root")
        .arg(repo_root())
        .arg("--reports-dir")
        .arg(&reports)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::var_os("HOME").unwrap_or_default());
    // A disk that fills up: no file may grow past 512 bytes, and a write past it fails
    // (EFBIG) instead of killing the process.
    // SAFETY: between fork and exec only async-signal-safe calls (signal, setrlimit).
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 512,
                rlim_max: 512,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command.output().expect("the harness runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("agreement: every implementation matched"),
        "the findings reach the console first: {stdout}"
    );
    assert!(stderr.contains("could not write"), "{stderr}");
    let mut left = Vec::new();
    let mut folders = vec![reports.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path.clone());
            }
            left.push(path);
        }
    }
    assert!(
        left.iter().all(|p| !p.to_string_lossy().contains(".tmp-")),
        "no temporary file: {left:?}"
    );
    assert!(left.is_empty(), "no empty run folder either: {left:?}");
}

#[test]
fn reply_limits_below_a_hello_are_refused() {
    let run = harness(&["verify", "--impl", "py", "--max-reply-bytes", "10"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--max-reply-bytes"), "{}", run.stderr);
}

fn folder_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            match entry.metadata() {
                Ok(meta) if meta.is_dir() => folders.push(entry.path()),
                Ok(meta) => total += meta.len(),
                Err(_) => {}
            }
        }
    }
    total
}
