//! Runs the real `harness` binary in a scrubbed environment.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use serde_json::Value;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness/ sits in the repository")
        .to_owned()
}

/// The deep mutants of issue 22, whose bug needs three or four rare conditions of the input
/// at once, and a seed and its cases that meet them (one bug, one group): the generic mutant
/// runs use seed 3 and fewer cases.
pub const DEEP_MUTANTS: [(&str, &str, &str); 2] = [
    ("py-mutant-pg-timeout-as-deadline", "12", "300"),
    ("py-mutant-rollback-keeps-partial", "5", "600"),
];

/// The seed and cases a run of `mutant` needs to catch it: seed 3 and `usual` cases, or a
/// deep mutant's own.
pub fn run_to_catch(mutant: &str, usual: &'static str) -> (&'static str, &'static str) {
    DEEP_MUTANTS
        .iter()
        .find(|(id, _, _)| *id == mutant)
        .map_or(("3", usual), |(_, seed, cases)| (seed, cases))
}

pub fn fixture_config() -> PathBuf {
    repo_root().join("harness/tests/fixtures/impls.toml")
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// `report.json` of the run, when one was written, and its folder.
    pub report: Option<Value>,
    pub report_dir: Option<PathBuf>,
}

impl Run {
    pub fn report(&self) -> &Value {
        self.report.as_ref().unwrap_or_else(|| {
            panic!(
                "no report written\nstdout:\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// The tally of one implementation for one contract.
    pub fn tally(&self, contract: &str, implementation: &str) -> &Value {
        self.report()["contracts"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["id"] == contract))
            .and_then(|c| c["tallies"].as_array())
            .and_then(|ts| ts.iter().find(|t| t["implementation"] == implementation))
            .unwrap_or_else(|| panic!("no tally for {contract}/{implementation}: {}", self.stdout))
    }

    pub fn groups(&self) -> Vec<&Value> {
        self.report()["groups"]
            .as_array()
            .map(|g| g.iter().collect())
            .unwrap_or_default()
    }

    /// Asserts the run agreed with the reference (exit 0) and its first two implementations
    /// gave identical outputs on every case both ran; `what` names the run in a failure.
    pub fn assert_agreement(&self, what: &str) {
        assert_eq!(self.code, 0, "{what}: {}\n{}", self.stdout, self.stderr);
        let agreement = &self.report()["contracts"][0]["agreement"][0];
        assert_eq!(agreement["compared"], agreement["identical"], "{what}");
    }

    /// The first group whose rules include `rule`.
    pub fn group_citing(&self, rule: &str) -> &Value {
        self.groups()
            .into_iter()
            .find(|g| {
                g["rules"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|x| x == rule))
            })
            .unwrap_or_else(|| panic!("no group cites {rule}: {}", self.stdout))
    }
}

/// `harness verify --impl IMPLS --contract CONTRACT --quiet EXTRA…` in a fresh sandbox.
pub fn verify(contract: &str, impls: &str, extra: &[&str]) -> Run {
    let mut args = vec!["verify", "--impl", impls, "--contract", contract, "--quiet"];
    args.extend_from_slice(extra);
    Sandbox::new().run(&args)
}

/// Runs `harness ARGS…` with only PATH and HOME from the environment (Python and Node
/// need them to be found), against the repository root, with fresh temporary folders for
/// reports and the corpus.
pub fn harness(args: &[&str]) -> Run {
    Sandbox::new().run(args)
}

/// Temporary reports and corpus folders that several runs share.
pub struct Sandbox {
    reports: tempfile::TempDir,
    pub corpus: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            reports: tempfile::tempdir().expect("temporary directory"),
            corpus: tempfile::tempdir().expect("temporary directory"),
        }
    }

    /// Runs the binary with the sandbox's folders after `args`; `report` is the newest run's
    /// report.json.
    pub fn run(&self, args: &[&str]) -> Run {
        self.exec(self.command(args))
    }

    /// As [`Sandbox::run`], the sandbox's folders before `args` (and its command): the global
    /// flags' other place.
    pub fn run_globals_first(&self, args: &[&str]) -> Run {
        let mut command = self.bare_command();
        command.args(self.folders()).args(args);
        self.exec(command)
    }

    /// The binary's command line, not started: `args`, then the sandbox's folders, the
    /// repository as root, and only PATH and HOME from the environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = self.bare_command();
        command.args(args).args(self.folders());
        command
    }

    /// `--root`, `--reports-dir` and `--corpus-dir` of this sandbox.
    fn folders(&self) -> [std::ffi::OsString; 6] {
        [
            "--root".into(),
            repo_root().into(),
            "--reports-dir".into(),
            self.reports.path().into(),
            "--corpus-dir".into(),
            self.corpus.path().into(),
        ]
    }

    /// The binary, run from the repository with only PATH and HOME from the environment.
    fn bare_command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_harness"));
        command.env_clear().current_dir(repo_root());
        for keep in ["PATH", "HOME"] {
            if let Some(value) = std::env::var_os(keep) {
                command.env(keep, value);
            }
        }
        command
    }

    fn exec(&self, mut command: Command) -> Run {
        let before: Vec<PathBuf> = self.run_dirs();
        let output = command.output().expect("the harness binary runs");
        let report_dir = self
            .run_dirs()
            .into_iter()
            .find(|dir| !before.contains(dir));
        let report = report_dir
            .as_ref()
            .and_then(|dir| std::fs::read_to_string(dir.join("report.json")).ok())
            .and_then(|text| serde_json::from_str(&text).ok());
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            report,
            report_dir,
        }
    }

    /// The run folders, not `latest`: it moves to each new run.
    fn run_dirs(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.reports.path())
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|path| !path.ends_with("latest"))
                    .collect()
            })
            .unwrap_or_default()
    }
}

static SERIAL: Mutex<()> = Mutex::new(());

/// Held by every test of a binary that runs adapters with real timers, so they run one at a
/// time (a failed test's poisoned lock is taken over).
pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// (process id, command line) of every process whose command line contains `marker`.
pub fn processes_with(marker: &str) -> Vec<(u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let pid = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline.contains(marker).then_some((pid, cmdline))
        })
        .collect()
}
