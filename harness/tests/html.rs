//! `index.html` as a browser sees it: a real run's page (two mutants: twin drift and a
//! divergence each) and a page whose implementation output tries to run a script, loaded in
//! headless Chromium — the DOM, the groups' filter working with CSS alone, the links to bug
//! reports and corpus files, and a screenshot that is not blank.
//!
//! In CI (`CI` set) Chromium is required: the test fails without it (`.ci/run` installs
//! it). Elsewhere it is skipped with a line saying so.

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
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--disable-extensions",
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

/// The browser to run, or `None` to skip (never in CI: there, a missing Chromium fails).
fn browser_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "Chromium is not installed and CI is set: the browser test must run in CI (.ci/run installs it with `apt-get install -y chromium`)"
        );
        println!("skipping the browser test: Chromium not found (apt-get install chromium)");
    }
    found
}

/// What `chromium --version` prints (its first line).
fn version(browser: &Path) -> String {
    let output = Command::new(browser)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .expect("chromium --version runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    assert!(
        output.status.success() && line.contains("Chromium"),
        "chromium --version: {text}"
    );
    line.trim().to_owned()
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
            corpus_cases: 0,
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
        coverage: Vec::new(),
        guided: Vec::new(),
        verdict: Verdict::Findings,
        exit_code: 1,
        timings: Timings::default(),
    }
}

/// The decoded screenshot's pixels as RGB triples.
fn pixels(png_bytes: &[u8]) -> Vec<[u8; 3]> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buffer = vec![0; reader.output_buffer_size().expect("a frame size")];
    let frame = reader.next_frame(&mut buffer).expect("a PNG frame");
    let channels = match frame.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    buffer[..frame.buffer_size()]
        .chunks_exact(channels)
        .map(|p| match channels {
            1 | 2 => [p[0]; 3],
            _ => [p[0], p[1], p[2]],
        })
        .collect()
}

/// Asserts the screenshot shows a page, not an empty or one-colour window: many colours,
/// and no single colour covering nearly all of it.
fn assert_not_blank(png_bytes: &[u8]) {
    let pixels = pixels(png_bytes);
    assert!(pixels.len() > 100_000, "{} pixels", pixels.len());
    let mut counts: BTreeMap<[u8; 3], usize> = BTreeMap::new();
    for p in &pixels {
        *counts.entry(*p).or_default() += 1;
    }
    let commonest = counts.values().max().copied().unwrap_or(0);
    assert!(
        counts.len() >= 32,
        "only {} distinct colours: a blank page?",
        counts.len()
    );
    assert!(
        commonest * 100 < pixels.len() * 97,
        "one colour covers {commonest} of {} pixels: a blank page?",
        pixels.len()
    );
}

/// The page with a test script (and without the CSP that would stop it) that checks each of
/// the filter's buttons in turn, the others at "all", and records how many groups stay
/// shown, as a JSON attribute of `<body>` in the dumped DOM.
fn with_filter_probe(html: &str) -> String {
    let start = html
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .expect("the page has a CSP");
    let end = start + html[start..].find('>').expect("the CSP tag ends") + 1;
    let probe = "<script>\
        const shown = () => [...document.querySelectorAll('section.group')]\
            .filter(s => getComputedStyle(s).display !== 'none').length;\
        const counts = { none: shown() };\
        const buttons = [...document.querySelectorAll('form.filter input[type=radio]')];\
        for (const button of buttons) {\
            buttons.filter(b => b.id.endsWith('-all')).forEach(b => { b.checked = true; });\
            button.checked = true; counts[button.id] = shown();\
        }\
        document.body.setAttribute('data-shown', JSON.stringify(counts));\
        </script>";
    format!("{}{}", &html[..start], &html[end..]).replace("</body>", &format!("{probe}</body>"))
}

/// How many groups each filter button leaves shown, from the probe's attribute.
fn shown_counts(dom: &str) -> BTreeMap<String, u64> {
    let start = dom.find("data-shown=\"").expect("the probe ran") + "data-shown=\"".len();
    let end = start + dom[start..].find('"').expect("the attribute ends");
    let json = dom[start..end].replace("&quot;", "\"");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

#[test]
fn report_pages_render_in_chromium_and_escape_implementation_output() {
    // A real run with findings of two kinds: two migrate mutants that break different
    // rules (a divergence each, and the twin drift between them). The sandbox owns the
    // reports and corpus folders: it must outlive the page's use.
    let sandbox = common::Sandbox::new();
    let run = sandbox.run(&[
        "verify",
        "--impl",
        "py-mutant-overwrite,py-mutant-shortcut-path",
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
    assert!(!html.contains("<script"));

    let scratch = tempfile::tempdir().expect("scratch directory");
    let hostile = scratch.path().join("index.html");
    let hostile_html = harness::report::html::page(&hostile_report());
    std::fs::write(&hostile, &hostile_html).expect("hostile page written");
    assert!(!hostile_html.contains("<script"));

    let Some(browser) = browser_or_skip() else {
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
    let groups = run.groups();
    assert!(groups.len() >= 3, "{}", run.stdout);
    assert_eq!(dom.matches("<section class=\"group ").count(), groups.len());
    // Every group folds; the first one is open.
    assert_eq!(dom.matches("<details open=\"\"><summary><h3>").count(), 1);
    assert_eq!(
        dom.matches("<details><summary><h3>").count(),
        groups.len() - 1
    );
    assert!(dom.contains("time zone (TZ) of the adapters: <code>"));
    assert!(dom.contains("<table id=\"timings\">"), "timings are shown");
    // Each divergence links its bug report, and the shrunk one its corpus file: the links
    // lead to files that are there.
    let hrefs = |class: &str| -> Vec<String> {
        let marker = format!("<a class=\"{class}\" href=\"");
        dom.match_indices(&marker)
            .map(|(at, _)| {
                let start = at + marker.len();
                dom[start..start + dom[start..].find('"').unwrap()].replace("&amp;", "&")
            })
            .collect()
    };
    let divergences = groups.iter().filter(|g| g["kind"] == "divergence").count();
    let bug_links = hrefs("bug");
    assert_eq!(bug_links.len(), divergences, "{bug_links:?}");
    for href in &bug_links {
        assert!(report_dir.join(href).is_file(), "{href} is not a file");
    }
    let corpus_links = hrefs("corpus");
    assert!(!corpus_links.is_empty(), "a corpus file is linked");
    for href in &corpus_links {
        let path = if href.starts_with('/') {
            PathBuf::from(href)
        } else {
            report_dir.join(href)
        };
        assert!(path.is_file(), "{href} is not a file");
    }

    // The filter works with CSS alone: each button leaves only its own groups shown.
    let probed = scratch.path().join("probed.html");
    std::fs::write(&probed, with_filter_probe(&html)).expect("probe page written");
    let counts = shown_counts(&browse(&browser, scratch.path(), &dump, &probed));
    assert_eq!(counts["none"], groups.len() as u64, "{counts:?}");
    // The filter numbers implementations in the order the groups list them.
    let mut implementations: Vec<&str> = Vec::new();
    for id in groups.iter().filter_map(|g| g["implementation"].as_str()) {
        if !implementations.contains(&id) {
            implementations.push(id);
        }
    }
    for (index, id) in implementations.iter().enumerate() {
        let expected = groups.iter().filter(|g| g["implementation"] == *id).count();
        assert_eq!(
            counts[&format!("f-fi-{index}")],
            expected as u64,
            "only {id}'s groups: {counts:?}"
        );
    }
    assert_eq!(counts["f-fi-all"], groups.len() as u64, "{counts:?}");
    // Each kind's button shows its groups: together, each group once.
    let kinds: Vec<u64> = counts
        .iter()
        .filter(|(id, _)| id.starts_with("f-fk-") && *id != "f-fk-all")
        .map(|(_, shown)| *shown)
        .collect();
    assert!(kinds.len() >= 2, "twin drift and divergence: {counts:?}");
    assert!(kinds.iter().all(|&shown| shown > 0), "{counts:?}");
    assert_eq!(kinds.iter().sum::<u64>(), groups.len() as u64, "{counts:?}");

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
    assert_not_blank(&bytes);
    println!(
        "ran Chromium: {} ({}); screenshot of the report checked ({} bytes)",
        browser.display(),
        version(&browser),
        bytes.len()
    );
}
