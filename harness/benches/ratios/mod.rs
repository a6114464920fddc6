//! Section `ratios`: what the harness itself costs per case, and how close real runs come to
//! the implementation's own speed.
//!
//! 1. The harness's own CPU per case (utime+stime from /proc, sampled until it exits: robust
//!    to a loaded machine, unlike wall time), for 20,000 migrate cases of seed 7: through an
//!    adapter that answers every case at once with the reference's output (`null_adapter.py`),
//!    and through `py-sample` (target ≤ 10 µs), with the adapters' CPU beside it.
//! 2. The adapters' own per-case cost in-process (their parse, binding and encode with no
//!    pipe), migrate and token-budget.
//! 3. For migrate (100,000 cases, target ≥ 50 %) and token-budget (20,000 cases), the rate of
//!    `verify --impl py` end to end beside the same calls made in-process, as a ratio.
//!
//! Every figure is the median of `RUNS` runs: a single run proved noisy (19.5 µs one run
//! against 13–14 µs in others on the same build).

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::strategy::ValueTree;

const SEED: u64 = 7;
const OWN_COST_CASES: u64 = 20_000;
/// Runs behind each printed figure (its median).
const RUNS: usize = 3;

/// The median over `runs` of the figure `field` takes from each run (the upper middle one of
/// an even count; 0 when there is none).
fn median_by<T>(runs: &[T], field: impl Fn(&T) -> f64) -> f64 {
    let mut values: Vec<f64> = runs.iter().map(field).collect();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// What one harness run used.
struct Usage {
    wall: f64,
    harness_cpu: f64,
    adapters_cpu: f64,
    exit: i32,
}

/// Utime+stime of a live process, in seconds.
fn cpu_of(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let utime: f64 = fields.nth(11)?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    // SAFETY: sysconf has no memory effects.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Some((utime + stime) / ticks)
}

/// [`measure`] `RUNS` times: each figure the median of its runs, the exit code the last
/// run's (a run whose exit differs says so on the bench's output).
fn measure_median(root: &Path, reports: &Path, args: &[&str]) -> Usage {
    let runs: Vec<Usage> = (0..RUNS).map(|_| measure(root, reports, args)).collect();
    let exits: Vec<i32> = runs.iter().map(|u| u.exit).collect();
    if exits.iter().any(|&e| e != exits[0]) {
        println!("    (exit codes differ between runs: {exits:?})");
    }
    Usage {
        wall: median_by(&runs, |u| u.wall),
        harness_cpu: median_by(&runs, |u| u.harness_cpu),
        adapters_cpu: median_by(&runs, |u| u.adapters_cpu),
        exit: exits[RUNS - 1],
    }
}

/// Runs the harness with `args`: its own CPU sampled from /proc until it exits, and its
/// adapters' from the usage wait4 reports for it and the children it reaped.
// The child is reaped by wait4 below (which also reports its usage), not `Child::wait`.
#[allow(clippy::zombie_processes)]
fn measure(root: &Path, reports: &Path, args: &[&str]) -> Usage {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .arg("--root")
        .arg(root)
        .arg("--reports-dir")
        .arg(reports)
        .args(["--no-corpus", "--shrink-time", "0", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the harness binary runs");
    let pid = child.id();
    let mut own = 0.0;
    loop {
        own = cpu_of(pid).unwrap_or(own);
        let mut status = 0;
        // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let reaped = unsafe { libc::wait4(pid as i32, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid as i32 {
            let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
            let total = seconds(usage.ru_utime) + seconds(usage.ru_stime);
            return Usage {
                wall: started.elapsed().as_secs_f64(),
                harness_cpu: own,
                adapters_cpu: (total - own).max(0.0),
                exit: libc::WEXITSTATUS(status),
            };
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The inputs of generated cases `0..count` of `SEED`, one JSON line each.
fn write_cases(contract: &dyn reference::Contract, count: u64, path: &Path) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("cases file"));
    let settings = reference::GenSettings::default();
    let generator = reference::CaseGenerator::new(contract, &settings);
    for index in 0..count {
        writeln!(file, "{}", generator.tree(SEED, index).current()).expect("write a case");
    }
}

pub fn report(root: &Path, reports: &Path) {
    std::fs::create_dir_all(reports).expect("temporary reports folder");
    // The first run installs the managed venv, so the timed runs find it ready.
    measure(root, reports, &["verify", "--impl", "py", "--cases", "1"]);
    println!("ratios (seed {SEED}):");
    own_cost(root, reports);
    for (contract, cases) in [("migrate", 100_000), ("token-budget", 20_000)] {
        end_to_end(root, reports, contract, cases);
    }
}

/// The harness's own CPU per case: with an adapter that answers at once, and with py-sample.
fn own_cost(root: &Path, reports: &Path) {
    let migrate = reference::contract("migrate").expect("migrate is registered");
    let settings = reference::GenSettings::default();
    let generator = reference::CaseGenerator::new(migrate, &settings);
    let outputs = reports.join("null-outputs.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&outputs).expect("outputs"));
    for index in 0..OWN_COST_CASES {
        let input = generator.tree(SEED, index).current();
        let output = &migrate.expect(&input, &settings).acceptable[0].output;
        writeln!(file, "{output}").expect("write an output");
    }
    drop(file);
    let config = reports.join("null.toml");
    let adapter = root.join("harness/benches/null_adapter.py");
    let text = format!(
        "[impl.null]\nlanguage = \"python\"\ncontracts = [\"migrate\"]\nargv = [\"{{python}}\", {adapter:?}]\nenv = {{ NULL_ADAPTER_CONTRACT = \"migrate\", NULL_ADAPTER_OUTPUTS = {outputs:?} }}\n",
        adapter = adapter.display().to_string(),
        outputs = outputs.display().to_string(),
    );
    std::fs::write(&config, text).expect("write the config");
    let cases = OWN_COST_CASES.to_string();
    let per_case = |seconds: f64| 1e6 * seconds / OWN_COST_CASES as f64;
    println!("  the harness's own CPU per case, migrate, {OWN_COST_CASES} cases (target ≤ 10 µs):");
    for (label, implementation, extra) in [
        (
            "an adapter answering at once",
            "null",
            vec![
                "--config",
                config.to_str().expect("UTF-8 path"),
                "--no-vectors",
            ],
        ),
        ("py-sample", "py-sample", vec![]),
    ] {
        let mut args = vec!["verify", "--impl", implementation, "--contract", "migrate"];
        args.extend(["--cases", &cases, "--seed", "7"]);
        args.extend(extra);
        let usage = measure_median(root, reports, &args);
        println!(
            "    {label:<30} harness {:>6.1} µs ({:>4.1}× the target) · adapter {:>6.1} µs · {:>7.0} cases/s wall · exit {}",
            per_case(usage.harness_cpu),
            per_case(usage.harness_cpu) / 10.0,
            per_case(usage.adapters_cpu),
            OWN_COST_CASES as f64 / usage.wall,
            usage.exit
        );
    }
}

/// `verify --impl py` end to end beside the same cases run in-process.
fn end_to_end(root: &Path, reports: &Path, contract_id: &str, cases: u64) {
    let contract = reference::contract(contract_id).expect("registered contract");
    let cases_file = reports.join(format!("{contract_id}-cases.jsonl"));
    write_cases(contract, cases, &cases_file);
    let python = root.join(".harness/venv/bin/python");
    let script = match contract_id {
        // The package's own functions, called as the binding calls them.
        "migrate" => "harness/benches/migrate_inprocess.py",
        _ => "harness/benches/binding_inprocess.py",
    };
    let mut command = Command::new(python);
    command.arg(root.join(script));
    if contract_id != "migrate" {
        command.arg(contract_id);
    }
    command.arg(&cases_file).arg(root.join("adapters/py"));
    let rates: Vec<Vec<f64>> = (0..RUNS)
        .map(|_| super::python_rates(&mut command))
        .collect();
    let rate_at = |line: usize| median_by(&rates, |r| r.get(line).copied().unwrap_or(0.0)).max(1.0);
    let in_process = rate_at(0);
    let adapter_code = rate_at(1);
    let count = cases.to_string();
    let seed = SEED.to_string();
    let mut args = vec!["verify", "--impl", "py", "--contract", contract_id];
    args.extend(["--cases", &count, "--seed", &seed]);
    let usage = measure_median(root, reports, &args);
    let rate = cases as f64 / usage.wall;
    println!("  {contract_id}, {cases} cases through py (the real package):");
    println!("    in-process calls                  {in_process:>9.0} cases/s");
    println!(
        "    the adapter's own per-case code   {adapter_code:>9.0} cases/s  ({:.1} µs a case; {:.0} % of in-process)",
        1e6 / adapter_code,
        100.0 * adapter_code / in_process
    );
    println!(
        "    verify end to end                 {rate:>9.0} cases/s  ({:.0} % of in-process; harness {:.1} µs, adapter {:.1} µs CPU a case; exit {})",
        100.0 * rate / in_process,
        1e6 * usage.harness_cpu / cases as f64,
        1e6 * usage.adapters_cpu / cases as f64,
        usage.exit
    );
}
