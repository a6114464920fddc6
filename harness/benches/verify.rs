//! Wall-clock figures for whole `verify` runs (a benchmark, never a timed test).
//!
//! `cargo bench` runs 1000 budget cases through each bundled sample and through both at
//! once, three times each, and prints the best and median wall time. Targets (from the
//! issues): ≤ 3 s wall for 1000 budget cases, on a 2-core machine.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const RUNS: usize = 3;
const CASES: &str = "1000";

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness/ sits in the repository");
    let reports = std::env::temp_dir().join(format!("harness-bench-{}", std::process::id()));
    println!(
        "{:<24} {:>8} {:>8} {:>10}",
        "implementations", "best s", "median s", "cases/s"
    );
    for impls in ["py-sample", "ts-sample", "py-sample,ts-sample"] {
        let mut walls = Vec::new();
        for run in 0..RUNS {
            let started = Instant::now();
            let status = Command::new(env!("CARGO_BIN_EXE_harness"))
                .args([
                    "verify",
                    "--impl",
                    impls,
                    "--contract",
                    "budget",
                    "--cases",
                    CASES,
                    "--seed",
                    &(run + 1).to_string(),
                    "--quiet",
                ])
                .arg("--root")
                .arg(root)
                .arg("--reports-dir")
                .arg(&reports)
                .stdout(std::process::Stdio::null())
                .status()
                .expect("the harness binary runs");
            assert!(status.success(), "{impls} run {run} failed: {status}");
            walls.push(started.elapsed().as_secs_f64());
        }
        walls.sort_by(f64::total_cmp);
        let cases: f64 = CASES.parse().unwrap_or(1000.0);
        println!(
            "{impls:<24} {:>8.2} {:>8.2} {:>10.0}",
            walls[0],
            walls[RUNS / 2],
            cases / walls[RUNS / 2]
        );
    }
    let _ = std::fs::remove_dir_all(&reports);
}
