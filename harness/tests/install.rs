//! The harness as a user gets it: `cargo install --path harness --root TMP`, then run inside a
//! throwaway repository of the user's — its own copies of the Python and TypeScript budget
//! samples as if they were its packages, and a `conformance.toml` naming them — with no
//! checkout of the harness anywhere above it, and HOME (so the cache, the Node adapter's
//! node_modules and npm's own cache) inside the temporary folder. The gate is adopted
//! (`--write-baseline`), passes (`--baseline`), and fails naming the new group once the
//! user's Python package breaks a rule; `doctor` says the data came from the cache.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::{repo_root, serial};
use serde_json::Value;

/// The build's target folder and profile, so the install reuses what `cargo test` built.
fn target() -> (PathBuf, &'static str) {
    let profile_dir = Path::new(env!("CARGO_BIN_EXE_harness"))
        .parent()
        .expect("the binary sits in its profile's folder");
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("release") => "release",
        _ => "debug",
    };
    let target = profile_dir
        .parent()
        .expect("the profile's folder sits in the target folder");
    (target.to_owned(), profile)
}

/// `cargo install --path harness --root ROOT --locked`, on this build's target folder.
fn install(root: &Path) -> PathBuf {
    let (target, profile) = target();
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["install", "--locked", "--offline", "--quiet", "--path"])
        .arg(repo_root().join("harness"))
        .arg("--root")
        .arg(root)
        .env("CARGO_TARGET_DIR", &target);
    if profile == "debug" {
        command.arg("--debug");
    }
    let output = command.output().expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo install failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let binary = root.join("bin/harness");
    assert!(
        binary.is_file(),
        "cargo install put no harness in {}",
        root.display()
    );
    binary
}

/// A user's repository: its own copies of the budget samples and a conformance.toml.
fn user_repository(dir: &Path) {
    let samples = repo_root().join("adapters/samples");
    let package = dir.join("py/src/aegis");
    std::fs::create_dir_all(&package).unwrap();
    std::fs::copy(
        samples.join("py/aegis/__init__.py"),
        package.join("__init__.py"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("ts/src")).unwrap();
    std::fs::copy(
        samples.join("ts/aegis/index.ts"),
        dir.join("ts/src/index.ts"),
    )
    .unwrap();
    std::fs::write(
        dir.join("conformance.toml"),
        r#"# Our twins of the budget wrapper, gated against the harness's reference.
[defaults]
contracts = ["budget"]
cases = 300
seed = 3
reports = "out/reports"
corpus = "out/corpus"

[impl.our-py]
language = "python"
contracts = ["budget"]
source = "py/src"

[impl.our-ts]
language = "typescript"
contracts = ["budget"]
source = "ts"
"#,
    )
    .unwrap();
}

struct Installed {
    binary: PathBuf,
    home: PathBuf,
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Installed {
    /// Runs the installed harness in `cwd` with PATH alone from the environment (Python,
    /// Node and npm) and HOME in the temporary folder.
    fn run(&self, cwd: &Path, args: &[&str]) -> Outcome {
        let output = Command::new(&self.binary)
            .args(args)
            .current_dir(cwd)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .output()
            .expect("the installed harness runs");
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// The newest run's report.json under `reports`.
fn latest_report(reports: &Path) -> Value {
    let latest = std::fs::read_to_string(reports.join("latest"))
        .map(|name| reports.join(name.trim()))
        .unwrap_or_else(|_| reports.join("latest"));
    let text = std::fs::read_to_string(latest.join("report.json")).expect("a report.json");
    serde_json::from_str(&text).expect("report.json parses")
}

#[test]
fn an_installed_harness_gates_a_users_repository_from_its_cache() {
    let _guard = serial();
    let tmp = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let binary = install(&tmp.path().join("install"));
    eprintln!("cargo install: {:.1} s", started.elapsed().as_secs_f64());
    let installed = Installed {
        binary,
        home: tmp.path().join("home"),
    };
    std::fs::create_dir_all(&installed.home).unwrap();
    let repo = tmp.path().join("repo");
    user_repository(&repo);
    for dir in repo.ancestors() {
        assert!(
            !dir.join("adapters/impls.toml").exists(),
            "{} looks like a harness checkout: the test needs none above the repository",
            dir.display()
        );
    }
    // From a folder inside the repository: the config is found by walking up.
    let inside = repo.join("py");
    let baseline = repo.join("conformance/baseline.toml");
    let baseline_arg = baseline.to_str().unwrap();

    let started = Instant::now();
    let adopt = installed.run(
        &inside,
        &["verify", "--write-baseline", baseline_arg, "--quiet"],
    );
    eprintln!(
        "first run (cache unpacked, npm ci): {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(adopt.code, 0, "{}\n{}", adopt.stdout, adopt.stderr);
    assert!(baseline.is_file(), "the baseline was written");
    let report = latest_report(&repo.join("out/reports"));
    let tallied: Vec<&str> = report["contracts"][0]["tallies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["implementation"].as_str())
        .collect();
    assert_eq!(
        tallied,
        ["our-py", "our-ts"],
        "the config's implementations ran"
    );
    assert!(
        adopt.stdout.contains("rerun:  harness verify"),
        "repro lines name the installed binary: {}",
        adopt.stdout
    );

    let started = Instant::now();
    let gate = installed.run(&inside, &["verify", "--baseline", baseline_arg, "--quiet"]);
    eprintln!("gate: {:.1} s", started.elapsed().as_secs_f64());
    assert_eq!(gate.code, 0, "{}\n{}", gate.stdout, gate.stderr);

    // A known group of a contract this run leaves out is out of scope: listed, never stale.
    let scoped_baseline = repo.join("conformance/scoped.toml");
    std::fs::write(
        &scoped_baseline,
        "[[group]]\ncontract = \"ledger\"\nimpl = \"our-ts\"\nrule = \"LEDGER-FIT\"\nplace = \"/results/*/ok\"\nreason = \"a contract this repository gates elsewhere\"\n",
    )
    .unwrap();
    let scoped = installed.run(
        &inside,
        &[
            "verify",
            "--baseline",
            scoped_baseline.to_str().unwrap(),
            "--quiet",
        ],
    );
    assert_eq!(scoped.code, 0, "{}\n{}", scoped.stdout, scoped.stderr);
    assert!(
        scoped.stdout.contains("out of scope"),
        "the ledger entry is listed as out of scope: {}",
        scoped.stdout
    );

    // The user's Python package breaks BUDGET-DEADLINE: a value that arrives after the
    // deadline is taken.
    let source = repo.join("py/src/aegis/__init__.py");
    let text = std::fs::read_to_string(&source).unwrap();
    let switch = r#"MUTANT = os.environ.get("AEGIS_SAMPLE_MUTANT", "")"#;
    assert!(
        text.contains(switch),
        "the sample still has its mutant switch"
    );
    std::fs::write(&source, text.replace(switch, r#"MUTANT = "late-value""#)).unwrap();
    let broken = installed.run(
        &inside,
        &[
            "verify",
            "--baseline",
            baseline_arg,
            "--shrink-time",
            "5",
            "--quiet",
        ],
    );
    assert_eq!(broken.code, 1, "{}\n{}", broken.stdout, broken.stderr);
    let report = latest_report(&repo.join("out/reports"));
    let groups = report["groups"].as_array().unwrap();
    let group = groups
        .iter()
        .find(|g| g["implementation"] == "our-py")
        .unwrap_or_else(|| panic!("no group of our-py: {}", broken.stdout));
    assert!(
        group["rules"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x == "BUDGET-DEADLINE")),
        "{group}"
    );
    assert!(
        broken.stdout.contains("our-py") && broken.stdout.contains("BUDGET-DEADLINE"),
        "the summary names the new group: {}",
        broken.stdout
    );

    let doctor = installed.run(&inside, &["doctor"]);
    assert_eq!(doctor.code, 0, "{}\n{}", doctor.stdout, doctor.stderr);
    let cache = installed.home.join(".cache/conformance-harness");
    let data_line = doctor
        .stdout
        .lines()
        .find(|l| l.starts_with("data folder"))
        .unwrap_or_else(|| panic!("{}", doctor.stdout));
    assert!(
        data_line.contains(&cache.display().to_string()),
        "the data folder is the cache: {}",
        doctor.stdout
    );
    assert!(
        doctor.stdout.contains("embedded in this binary")
            && !doctor.stdout.contains(&repo_root().display().to_string()),
        "nothing comes from the checkout the binary was built in: {}",
        doctor.stdout
    );
    assert!(
        doctor.stdout.contains(&format!(
            "project config  {}",
            repo.join("conformance.toml").display()
        )),
        "{}",
        doctor.stdout
    );
    assert!(
        doctor
            .stdout
            .contains("our-ts (typescript, yours)\n    budget: available"),
        "{}",
        doctor.stdout
    );
    let data = cache
        .read_dir()
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .next()
        .expect("one data folder in the cache");
    assert!(
        data.join("adapters/ts/node_modules/tsx").is_dir(),
        "node_modules lives in the cache"
    );
}

/// The harness under test (not installed) in `cwd`, outside any checkout, with HOME (and so
/// the cache) in `home`.
fn outside(cwd: &Path, home: &Path, args: &[&str]) -> Outcome {
    Installed {
        binary: PathBuf::from(env!("CARGO_BIN_EXE_harness")),
        home: home.to_owned(),
    }
    .run(cwd, args)
}

#[test]
fn flags_win_over_the_configs_defaults_and_a_bad_config_names_its_line() {
    let _guard = serial();
    let tmp = tempfile::tempdir().unwrap();
    let (repo, home) = (tmp.path().join("repo"), tmp.path().join("home"));
    user_repository(&repo);
    std::fs::create_dir_all(&home).unwrap();
    let config = repo.join("conformance.toml");
    // Python alone: no npm needed.
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("[impl.our-ts]", "[impl.our-ts]\nmutant = true"),
    )
    .unwrap();

    let run = outside(
        &repo,
        &home,
        &[
            "verify",
            "--cases",
            "7",
            "--seed",
            "11",
            "--no-vectors",
            "--quiet",
        ],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = latest_report(&repo.join("out/reports"));
    assert_eq!(report["seed"], 11, "--seed wins over the config's");
    let tally = &report["contracts"][0]["tallies"][0];
    assert_eq!(
        tally["implementation"], "our-py",
        "mutants stay out of the default"
    );
    assert_eq!(tally["pass"], 7, "--cases wins over the config's: {tally}");

    std::fs::write(&config, "[defaults]\ncases = 5\ncase = 3\n").unwrap();
    let run = outside(&repo.join("py"), &home, &["verify"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&config.display().to_string())
            && run.stderr.contains("line 3")
            && run.stderr.contains("unknown field `case`")
            && run.stderr.contains("hint: docs/config.md"),
        "{}",
        run.stderr
    );

    let run = outside(
        tmp.path(),
        &home,
        &[
            "verify",
            "--impl",
            "py-sample",
            "--root",
            tmp.path().to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("not a checkout of the harness"),
        "{}",
        run.stderr
    );

    let run = outside(tmp.path(), &home, &["vectors", "regen"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--vectors-dir"),
        "the cached copy is never rewritten: {}",
        run.stderr
    );
}
