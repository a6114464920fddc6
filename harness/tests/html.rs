//! `index.html` as a browser sees it: a real diverging run's page, and a page whose
//! implementation output tries to run a script, loaded in headless Chromium.
//!
//! Skipped (with a line saying so) where Chromium is not installed.

mod common;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use harness::judge::{Cause, GroupKey, Variant};
use harness::report::{
    ContractRecord, Example, Group, GroupKind, ImplRecord, ImplStatus, Report, SettingsRecord,
    Tally, Timings, Verdict,
};
use harness::run::protocol::{AdapterInfo, Package};
use serde_json::json;

/// How long one Chromium invocation may take before it is killed.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

const HOSTILE: &str = "<script>document.title='pwned'</script>";

/// `chromium` (Debian) or `chromium-browser` (Ubuntu) on PATH, or /usr/bin/chromium.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .chain([PathBuf::from("/usr/bin/chromium")])
        .find(|candidate| candidate.is_file())
}

/// Runs headless Chromium on `page` with `args`, in a throwaway profile and HOME, and
/// returns what it printed on stdout. Kills it (and its helpers) after [`BROWSER_TIMEOUT`].
fn browse(browser: &Path, scratch: &Path, args: &[String], page: &Path) -> String {
    let profile = tempfile::tempdir_in(scratch).expect("profile directory");
    let stdout_path = profile.path().join("stdout.txt");
    let stderr_path = profile.path().join("stderr.txt");
    let mut command = Command::new(browser);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("data").display()
        ))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .env("HOME", profile.path())
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_path).expect("stdout file"))
        .stderr(File::create(&stderr_path).expect("stderr file"));
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().expect("chromium starts");
    let deadline = Instant::now() + BROWSER_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for chromium") {
            break status;
        }
        if Instant::now() > deadline {
            // The whole process group: Chromium's helpers too.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish within {BROWSER_TIMEOUT:?} ({args:?}); stderr:\n{}",
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        status.success(),
        "chromium failed ({status}, {args:?}); stderr:\n{}",
        std::fs::read_to_string(&stderr_path).unwrap_or_default()
    );
    std::fs::read_to_string(&stdout_path).expect("chromium's output")
}

/// The text of the dumped DOM's `<title>`.
fn title(dom: &str) -> &str {
    let start = dom
        .find("<title>")
        .map(|i| i + "<title>".len())
        .unwrap_or(0);
    let end = dom[start..]
        .find("</title>")
        .map(|i| start + i)
        .unwrap_or(start);
    &dom[start..end]
}

/// A report whose implementation's output, input, detail, path and description each try
/// to inject markup.
fn hostile_report() -> Report {
    let mut example = Example::for_input(
        json!({"op": "migrate", "data": {"schema_version": HOSTILE}}),
        "cargo run --release -- verify --impl evil --seed 1 --case 0".into(),
    );
    example.case = Some(0);
    example.expected = Some(json!({"ok": "fine"}));
    example.actual = Some(json!({ "ok": HOSTILE }));
    example.paths = vec!["/ok".into()];
    example.detail = Some(format!("detail {HOSTILE}"));
    Report {
        schema_version: harness::report::SCHEMA_VERSION,
        run_id: "hostile-fixture".into(),
        harness_version: "0.1.0".into(),
        repro: "cargo run --release -- verify --impl evil --seed 1".into(),
        seed: 1,
        settings: SettingsRecord {
            cases: 1,
            only_case: None,
            fixed_cases: 0,
            profile: "normal".into(),
            time_zone: "UTC".into(),
            race_band_ms: 15,
            confirm_runs: 2,
            timing_slack_ms: 40,
            max_case_ms: 5000,
            window: Some(1),
            jobs: 1,
            shard: None,
            vector: None,
        },
        implementations: vec![ImplRecord {
            id: "evil".into(),
            language: "python".into(),
            description: HOSTILE.into(),
            status: ImplStatus::Available,
            required: true,
            answered: 0,
            reason: None,
            fix: None,
            adapter: Some(AdapterInfo {
                name: "python-adapter".into(),
                language: "python".into(),
                version: "3.11".into(),
            }),
            packages: BTreeMap::from([(
                "migrate".to_owned(),
                Package {
                    name: "antaris-contracts".into(),
                    version: "0".into(),
                },
            )]),
        }],
        contracts: vec![ContractRecord {
            id: "migrate".into(),
            tallies: vec![Tally {
                implementation: "evil".into(),
                cases: 1,
                diverge: 1,
                ..Tally::default()
            }],
            agreement: vec![],
        }],
        groups: vec![{
            let variant = Variant {
                rules: vec!["MIG-PURE".into()],
                paths: vec![format!("/ok/{HOSTILE}")],
            };
            let key = GroupKey {
                contract: "migrate".into(),
                implementation: "evil".into(),
                kind: GroupKind::Divergence,
                cause: Cause::of(&variant),
            };
            let mut group = Group::new(&key, example);
            group.count_variant(&key.cause, &variant, 1, &|_| 0);
            group.first_cases = vec![0];
            group
        }],
        incidents: vec![],
        vectors: vec![],
        baseline: None,
        interrupted: false,
        interrupted_by: None,
        merged_from: Vec::new(),
        verdict: Verdict::Findings,
        exit_code: 1,
        timings: Timings::default(),
    }
}

#[test]
fn report_pages_render_in_chromium_and_escape_implementation_output() {
    // A real run that diverges: the migrate mutant that overwrites present keys.
    // The sandbox owns the reports folder: it must outlive the page's use.
    let sandbox = common::Sandbox::new();
    let run = sandbox.run(&[
        "verify",
        "--impl",
        "py-mutant-overwrite",
        "--contract",
        "migrate",
        "--cases",
        "200",
        "--seed",
        "3",
        "--quiet",
        "--shrink-time",
        "5",
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report_dir = run
        .report_dir
        .as_deref()
        .and_then(|dir| dir.canonicalize().ok())
        .expect("a report folder");
    let index = report_dir.join("index.html");
    let html = std::fs::read_to_string(&index).unwrap_or_else(|e| {
        panic!(
            "index.html in {}: {e}\n{}\n{}",
            report_dir.display(),
            run.stdout,
            run.stderr
        )
    });
    assert!(html.contains("<table id=\"matrix\">"));
    assert!(!html.contains("http://") && !html.contains("https://"));

    let scratch = tempfile::tempdir().expect("scratch directory");
    let hostile = scratch.path().join("index.html");
    let hostile_html = harness::report::html::page(&hostile_report());
    std::fs::write(&hostile, &hostile_html).expect("hostile page written");
    assert!(!hostile_html.contains("<script"));

    let Some(browser) = chromium() else {
        println!("skipping: chromium not found (apt-get install chromium)");
        return;
    };
    let dump = ["--dump-dom".to_owned()];

    let dom = browse(&browser, scratch.path(), &dump, &index);
    let matrix = dom.find("id=\"matrix\"").expect("the matrix table");
    let matrix = &dom[matrix..matrix + dom[matrix..].find("</table>").unwrap()];
    assert!(
        matrix.contains("py-mutant-overwrite") && matrix.contains("migrate"),
        "{matrix}"
    );
    assert!(
        matrix.contains("class=\"fail\""),
        "the mutant fails: {matrix}"
    );
    let diff = dom.find("class=\"diff\"").expect("a side-by-side diff");
    let diff = &dom[diff..diff + dom[diff..].find("</table>").unwrap()];
    assert!(diff.contains("<td class=\"del\">"), "{diff}");
    assert!(diff.contains("<td class=\"ins\">"), "{diff}");
    assert_eq!(
        dom.matches("<section class=\"group\"").count(),
        run.groups().len()
    );

    let dom = browse(&browser, scratch.path(), &dump, &hostile);
    assert_ne!(title(&dom), "pwned", "a script from the output ran");
    assert_eq!(title(&dom), "Conformance run hostile-fixture");
    assert!(!dom.contains("<script"), "no script element in the DOM");
    assert!(
        dom.contains("&lt;script&gt;document.title"),
        "the output shows as text: {dom}"
    );

    let shot = scratch.path().join("shot.png");
    let args = [
        format!("--screenshot={}", shot.display()),
        "--window-size=1280,2000".to_owned(),
    ];
    browse(&browser, scratch.path(), &args, &index);
    let bytes = std::fs::read(&shot).expect("a screenshot");
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
    assert!(bytes.len() > 10 * 1024, "{} bytes", bytes.len());
    let _ = std::fs::write("/tmp/harness-report-screenshot.png", &bytes);
}
