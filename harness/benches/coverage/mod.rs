//! Section `coverage`: what `verify --coverage` costs. Budget and migrate, 1000 generated
//! cases through both samples at once, timed without and with the flag, three runs each;
//! prints the median wall times and their ratio (target: at most 3× with coverage on).

use std::path::Path;
use std::time::Instant;

use super::{harness, RUNS};

const CASES: &str = "1000";

pub fn report(root: &Path, reports: &Path) {
    println!("\n--coverage, py-sample,ts-sample, {CASES} generated cases (median of {RUNS}):");
    println!(
        "  {:<10} {:>10} {:>10} {:>7}",
        "contract", "off s", "on s", "on/off"
    );
    for contract in ["budget", "migrate"] {
        // One run of `cases` cases with `seed`, and `extra`: its wall time in seconds.
        let timed = |cases: &str, seed: &str, extra: &[&str]| {
            let args = [
                "verify",
                "--impl",
                "py-sample,ts-sample",
                "--contract",
                contract,
                "--cases",
                cases,
                "--seed",
                seed,
                "--quiet",
            ];
            let started = Instant::now();
            let status = harness(root, reports, &[&args[..], extra].concat());
            assert!(
                status.success(),
                "{contract} {extra:?} seed {seed}: {status}"
            );
            started.elapsed().as_secs_f64()
        };
        let median = |extra: &[&str]| {
            let mut walls: Vec<f64> = (1..=RUNS)
                .map(|seed| timed(CASES, &seed.to_string(), extra))
                .collect();
            walls.sort_by(f64::total_cmp);
            walls[RUNS / 2]
        };
        // Warm the setups (the venv, npm ci) outside the timings.
        timed("1", "1", &["--coverage"]);
        let off = median(&[]);
        let on = median(&["--coverage"]);
        println!(
            "  {contract:<10} {off:>10.2} {on:>10.2} {:>6.2}× (target ≤ 3×)",
            on / off
        );
    }
}
