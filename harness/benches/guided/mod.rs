//! Section `guided`: what `verify --guided` buys. For each mutant below, over ten seeds, the
//! number of cases to its first finding with `--guided` and without (the lowest case of any
//! group in report.json: `guidedCases` or `firstCases`); prints both medians and their ratio
//! (target, for mutants whose bug needs several rare conditions at once: guided at most a
//! fifth of unguided). A seed that finds nothing within the mutant's cap counts as the cap
//! (marked). The cap lies well above the unguided median, so that the ratio compares the
//! medians themselves, not one of them cut short; seeds run a few at a time, each in its own
//! reports folder, since budget's cases mostly wait on their timers.

use std::path::Path;

use super::harness;

/// (implementation, contract, cases at most) measured: the deep mutants of issue 22, whose bug
/// needs three (sql-migrations) or four (budget) rare conditions of the input at once.
const MUTANTS: [(&str, &str, u64); 2] = [
    ("py-mutant-pg-timeout-as-deadline", "budget", 15_000),
    ("py-mutant-rollback-keeps-partial", "sql-migrations", 15_000),
];
const SEEDS: u64 = 10;
/// Runs at once.
const AT_ONCE: u64 = 4;

pub fn report(root: &Path, reports: &Path) {
    println!(
        "\n--guided: cases to the first finding, median over {SEEDS} seeds (at most the cap):"
    );
    println!(
        "  {:<34} {:>6} {:>9} {:>9} {:>7}",
        "mutant", "cap", "unguided", "guided", "g/u"
    );
    for (mutant, contract, cases_cap) in MUTANTS {
        let first = |seed: u64, guided: bool| {
            let (seed, cases) = (seed.to_string(), cases_cap.to_string());
            let mut args = vec![
                "verify",
                "--impl",
                mutant,
                "--contract",
                contract,
                "--cases",
                &cases,
                "--seed",
                &seed,
                "--no-vectors",
                "--quiet",
            ];
            if guided {
                args.push("--guided");
            }
            let reports = reports.join(format!("guided-{seed}-{guided}"));
            harness(root, &reports, &args);
            first_finding(&reports.join("latest").join("report.json"))
        };
        let seeds = |guided: bool| -> Vec<Option<u64>> {
            let mut found = Vec::new();
            for start in (1..=SEEDS).step_by(AT_ONCE as usize) {
                std::thread::scope(|scope| {
                    let runs: Vec<_> = (start..(start + AT_ONCE).min(SEEDS + 1))
                        .map(|seed| scope.spawn(move || first(seed, guided)))
                        .collect();
                    found.extend(
                        runs.into_iter()
                            .map(|run| run.join().expect("a run of the harness")),
                    );
                });
            }
            found
        };
        let (unguided, guided) = (seeds(false), seeds(true));
        let missed = |all: &[Option<u64>]| all.iter().filter(|f| f.is_none()).count();
        let (missed_unguided, missed_guided) = (missed(&unguided), missed(&guided));
        let median = |all: &[Option<u64>]| {
            let mut counts: Vec<u64> = all.iter().map(|f| f.map_or(cases_cap, |c| c + 1)).collect();
            counts.sort_unstable();
            counts[counts.len() / 2]
        };
        let (u, g) = (median(&unguided), median(&guided));
        println!(
            "  {:<34} {:>6} {:>9} {:>9} {:>7.2}   (no finding: {missed_unguided} unguided, {missed_guided} guided)",
            mutant,
            cases_cap,
            u,
            g,
            g as f64 / u.max(1) as f64
        );
    }
}

/// The lowest case of any divergence group of the report at `path`, generated or guided:
/// the deep mutants' bug is a divergence, and a timeout on a loaded machine is no finding.
fn first_finding(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let report: serde_json::Value = serde_json::from_str(&text).ok()?;
    report["groups"]
        .as_array()?
        .iter()
        .filter(|group| group["kind"] == "divergence")
        .flat_map(|group| ["firstCases", "guidedCases"].map(|field| group[field].clone()))
        .filter_map(|cases| {
            cases
                .as_array()
                .and_then(|c| c.first())
                .and_then(|c| c.as_u64())
        })
        .min()
}
