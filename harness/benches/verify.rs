//! Wall-clock figures for whole `verify` runs (a benchmark, never a timed test).
//!
//! `cargo bench` runs 1000 budget cases through each bundled sample and through both at
//! once, three times each, and prints the best and median wall time (target: ≤ 3 s wall
//! on a 2-core machine); the same for 5000 ledger and 20,000 token-budget cases, the sizes
//! of their acceptance runs. Then it puts migrate cases/s through the Python adapter and the
//! real antaris-contracts beside the same calls made in-process in Python (targets:
//! ≥ 20,000 cases/s, and ≥ 50 % of in-process speed), with one and two adapter processes,
//! and beside the adapter's own per-case code run in-process with no pipe: the most any
//! harness could get through that adapter.
//!
//! Last, shrinking's share of a run with findings: the two-mutant budget run of issue 17
//! with `--shrink-time 0`, with default shrinking, and again with a baseline that lists its
//! groups (targets: at most 4× and 1.5× the first).
//!
//! First of all (section `ratios`, see `ratios/mod.rs`): the harness's own CPU per case, with an
//! adapter that answers at once and through `py-sample`, and the end-to-end rates of migrate
//! and token-budget beside the same calls made in-process, each as a ratio.
//!
//! Then (section `coverage`, see `coverage/mod.rs`) what `verify --coverage` costs on budget
//! and migrate.
//!
//! Last (section `guided`, see `guided/mod.rs`): cases to the first finding of mutants with
//! and without `verify --guided`.
//!
//! `cargo bench --bench verify -- shrink` (or `ratios`, `wall`, `migrate`, `sql`, `coverage`,
//! `guided`) runs one section.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Instant;

use proptest::strategy::ValueTree;

mod coverage;
mod guided;
mod ratios;

const RUNS: usize = 3;
/// Each contract timed as whole runs, with its number of generated cases.
const WALL_TIMED: [(&str, u64); 3] = [("budget", 1000), ("ledger", 5000), ("token-budget", 20_000)];
const MIGRATE_CASES: u64 = 20_000;
const SQL_CASES: usize = 300;
const SQL_OPS: usize = 10;

fn harness(root: &Path, reports: &Path, args: &[&str]) -> ExitStatus {
    // Figures for finding and comparing cases only: no shrinking, nothing saved.
    harness_with(root, reports, &[args, &["--shrink-time", "0"]].concat())
}

/// The harness with `args` as given (and no corpus), its output discarded.
fn harness_with(root: &Path, reports: &Path, args: &[&str]) -> ExitStatus {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .arg("--root")
        .arg(root)
        .arg("--reports-dir")
        .arg(reports)
        .arg("--no-corpus")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the harness binary runs")
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness/ sits in the repository");
    let reports = std::env::temp_dir().join(format!("harness-bench-{}", std::process::id()));
    // `cargo bench` passes `--bench`; any other argument names the sections to run.
    let chosen: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let runs = |section: &str| chosen.is_empty() || chosen.iter().any(|c| c == section);
    if runs("wall") {
        for (contract, cases) in WALL_TIMED {
            wall_times(root, &reports, contract, cases);
        }
    }
    if runs("ratios") {
        ratios::report(root, &reports);
    }
    if runs("migrate") {
        migrate_throughput(root, &reports);
    }
    if runs("sql") {
        sql_throughput(root, &reports);
    }
    if runs("shrink") {
        shrink_share(root, &reports);
    }
    if runs("coverage") {
        coverage::report(root, &reports);
    }
    if runs("guided") {
        guided::report(root, &reports);
    }
    let _ = std::fs::remove_dir_all(&reports);
}

/// Wall time of the two-mutant budget run without shrinking, with default shrinking, and
/// with a baseline listing its groups (nothing shrunk again).
fn shrink_share(root: &Path, reports: &Path) {
    let run = [
        "verify",
        "--impl",
        "py-mutant-late-value,ts-mutant-equal-class-rejected",
        "--contract",
        "budget",
        "--cases",
        "1000",
        "--seed",
        "3",
    ];
    let baseline = reports.join("shrink-bench-baseline.toml");
    let _ = std::fs::remove_file(&baseline);
    let baseline_arg = baseline.to_string_lossy().into_owned();
    let timed = |extra: &[&str]| {
        let started = Instant::now();
        let status = harness_with(root, reports, &[&run[..], extra].concat());
        (started.elapsed().as_secs_f64(), status.code())
    };
    // Warm the adapters' setup (venv, npm ci) outside the timings.
    timed(&["--shrink-time", "0"]);
    let (without, _) = timed(&["--shrink-time", "0"]);
    let (default, code) = timed(&["--write-baseline", &baseline_arg]);
    assert_eq!(code, Some(0), "the run adopts its groups as a baseline");
    let (known, code) = timed(&["--baseline", &baseline_arg]);
    assert_eq!(code, Some(0), "every group is known");
    println!("\nshrinking, budget, two mutants, 1000 cases (seed 3):");
    println!("  --shrink-time 0           {without:>7.2} s");
    println!(
        "  default shrinking         {default:>7.2} s  {:>5.1}× (target ≤ 4×)",
        default / without
    );
    println!(
        "  baseline lists the groups {known:>7.2} s  {:>5.1}× (target ≤ 1.5×)",
        known / without
    );
}

fn wall_times(root: &Path, reports: &Path, contract: &str, cases: u64) {
    println!("{contract}, {cases} generated cases:");
    println!(
        "  {:<24} {:>8} {:>8} {:>10}",
        "implementations", "best s", "median s", "cases/s"
    );
    for impls in ["py-sample", "ts-sample", "py-sample,ts-sample"] {
        let mut walls = Vec::new();
        for run in 0..RUNS {
            let seed = (run + 1).to_string();
            let started = Instant::now();
            let status = harness(
                root,
                reports,
                &[
                    "verify",
                    "--impl",
                    impls,
                    "--contract",
                    contract,
                    "--cases",
                    &cases.to_string(),
                    "--seed",
                    &seed,
                    "--quiet",
                ],
            );
            assert!(
                status.success(),
                "{contract}: {impls} run {run} failed: {status}"
            );
            walls.push(started.elapsed().as_secs_f64());
        }
        walls.sort_by(f64::total_cmp);
        println!(
            "  {impls:<24} {:>8.2} {:>8.2} {:>10.0}",
            walls[0],
            walls[RUNS / 2],
            cases as f64 / walls[RUNS / 2]
        );
    }
}

fn migrate_throughput(root: &Path, reports: &Path) {
    // The first run installs the managed venv, so the timed runs find it ready.
    harness(
        root,
        reports,
        &[
            "verify",
            "--impl",
            "py",
            "--contract",
            "migrate",
            "--cases",
            "1",
            "--quiet",
        ],
    );
    let contract = reference::contract("migrate").expect("migrate is registered");
    std::fs::create_dir_all(reports).expect("temporary reports folder");
    let cases_file = reports.join("migrate-cases.jsonl");
    let mut file =
        std::io::BufWriter::new(std::fs::File::create(&cases_file).expect("temporary cases file"));
    for index in 0..MIGRATE_CASES {
        let input =
            reference::generate_case(contract, &reference::GenSettings::default(), 1, index)
                .current();
        writeln!(file, "{input}").expect("write a case");
    }
    drop(file);
    let rates = python_rates(
        Command::new(root.join(".harness/venv/bin/python"))
            .arg(root.join("harness/benches/migrate_inprocess.py"))
            .arg(&cases_file)
            .arg(root.join("adapters/py")),
    );
    let (in_process, adapter_code) = (
        rates.first().copied().unwrap_or(0.0),
        rates.get(1).copied().unwrap_or(0.0),
    );
    println!("\nmigrate, {MIGRATE_CASES} generated cases (seed 1):");
    println!("  in-process Python, antaris-contracts called directly {in_process:>9.0} cases/s");
    println!(
        "  the adapter's own per-case code, in-process, no pipe  {adapter_code:>9.0} cases/s  (ceiling through one adapter: {:.0} %)",
        100.0 * adapter_code / in_process.max(1.0)
    );
    for (implementation, jobs) in [("py", "1"), ("py", "2"), ("py-sample", "1")] {
        let started = Instant::now();
        harness(
            root,
            reports,
            &[
                "verify",
                "--impl",
                implementation,
                "--contract",
                "migrate",
                "--cases",
                &MIGRATE_CASES.to_string(),
                "--seed",
                "1",
                "--jobs",
                jobs,
                "--quiet",
            ],
        );
        let rate = MIGRATE_CASES as f64 / started.elapsed().as_secs_f64();
        let ratio = if implementation == "py" {
            format!(
                "  ({:.0} % of in-process)",
                100.0 * rate / in_process.max(1.0)
            )
        } else {
            String::new()
        };
        println!(
            "  verify --impl {implementation:<10} --jobs {jobs} (end to end) {rate:>9.0} cases/s{ratio}"
        );
    }
}

/// The rates (cases/s, one a line) an in-process Python script prints; 0 for a missing one.
fn python_rates(script: &mut Command) -> Vec<f64> {
    let output = script.output().expect("python runs the in-process script");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l.trim().parse().unwrap_or(0.0))
        .collect()
}

/// sql-migrations: the same 10-operation cases through `py-sample` and the real `py`, beside
/// the same cases run in-process by a Python script calling each package directly (target
/// through `py`: ≥ 50 % of in-process speed). The cases reach the harness as a corpus, so
/// exactly these run.
fn sql_throughput(root: &Path, reports: &Path) {
    let contract = reference::contract("sql-migrations").expect("sql-migrations is registered");
    let settings = reference::GenSettings::default();
    let corpus = reports.join("sql-corpus");
    let folder = corpus.join("sql-migrations");
    std::fs::create_dir_all(&folder).expect("temporary corpus folder");
    let cases_file = reports.join("sql-cases.jsonl");
    let mut lines =
        std::io::BufWriter::new(std::fs::File::create(&cases_file).expect("temporary cases file"));
    let mut written = 0;
    for index in 0.. {
        if written == SQL_CASES {
            break;
        }
        let mut input = reference::generate_case(contract, &settings, 1, index).current();
        let Some(ops) = input["ops"]
            .as_array_mut()
            .filter(|ops| ops.len() >= SQL_OPS)
        else {
            continue;
        };
        ops.truncate(SQL_OPS);
        let expected = contract.expect(&input, &settings).acceptable[0]
            .output
            .clone();
        let case = harness::corpus::CorpusCase {
            contract: "sql-migrations".into(),
            implementation: "bench".into(),
            package: None,
            rules: vec![],
            paths: vec![],
            input: input.clone(),
            actual: expected.clone(),
            expected,
            seed: 1,
            case: index,
            guided: false,
            time_zone: None,
            found: "bench".into(),
            harness_version: env!("CARGO_PKG_VERSION").into(),
        };
        let text = serde_json::to_string(&case).expect("a corpus case serializes");
        std::fs::write(folder.join(format!("{written:04}.json")), text).expect("write a case");
        writeln!(lines, "{input}").expect("write a case");
        written += 1;
    }
    drop(lines);
    println!("\nsql-migrations, {SQL_CASES} cases of {SQL_OPS} operations (seed 1):");
    for (implementation, sample) in [("py", None), ("py-sample", Some("adapters/samples/py"))] {
        let python = if sample.is_some() {
            "python3".into()
        } else {
            root.join(".harness/venv/bin/python")
        };
        let mut script = Command::new(python);
        script
            .arg(root.join("harness/benches/sql_inprocess.py"))
            .arg(&cases_file);
        if let Some(dir) = sample {
            script.arg("--sample").arg(root.join(dir));
        }
        let output = script.output().expect("python runs the in-process script");
        let in_process: f64 = String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap_or(0.0);
        let started = Instant::now();
        Command::new(env!("CARGO_BIN_EXE_harness"))
            .args([
                "verify",
                "--impl",
                implementation,
                "--contract",
                "sql-migrations",
            ])
            .args([
                "--no-vectors",
                "--cases",
                "0",
                "--shrink-time",
                "0",
                "--quiet",
            ])
            .arg("--root")
            .arg(root)
            .arg("--reports-dir")
            .arg(reports)
            .arg("--corpus-dir")
            .arg(&corpus)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("the harness binary runs");
        let rate = SQL_CASES as f64 / started.elapsed().as_secs_f64();
        println!(
            "  {implementation:<10} in-process {in_process:>7.0} cases/s · through the adapter {rate:>7.0} cases/s ({:.0} %)",
            100.0 * rate / in_process.max(1e-9)
        );
    }
}
