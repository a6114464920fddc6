//! Resolution: clap arguments become validated settings — paths decided, defaults filled
//! in, flags checked — before any work starts. Nothing here reads a file's contents; the
//! plan loads them.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reference::{Contract, GenSettings, Profile};

use super::args::{ContractFilter, ProfileArg, ProjectArgs, ReportAction, ReportArgs, VerifyArgs};
use super::repro::{display_path, words, Repro};
use crate::errors::Error;
use crate::plan::{contracts_named, Project, Shard, ShrinkBounds, VerifySettings};
use crate::progress::ProgressMode;
use crate::run::RunnerSettings;

/// How the terminal summary is shown.
pub struct Output {
    /// Colour (stdout is a terminal and NO_COLOR is unset).
    pub colour: bool,
}

impl Output {
    pub fn detect() -> Output {
        Output {
            colour: std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
}

impl ProjectArgs {
    /// Where the project's files are: `--root` and the other path flags, or their
    /// defaults under the root.
    pub fn resolve(&self) -> Result<Project, Error> {
        let root = find_root(self.root.as_deref())?;
        Ok(Project {
            config: self
                .config
                .clone()
                .unwrap_or_else(|| root.join("adapters/impls.toml")),
            reports_dir: self
                .reports_dir
                .clone()
                .unwrap_or_else(|| root.join("reports")),
            corpus_dir: self
                .corpus_dir
                .clone()
                .unwrap_or_else(|| root.join("corpus")),
            vectors_dir: root.join("vectors"),
            root,
        })
    }
}

impl ContractFilter {
    pub fn resolve(&self) -> Result<Vec<&'static dyn Contract>, Error> {
        contracts_named(&self.contracts)
    }
}

/// A resolved `report` command.
pub enum ReportSettings {
    /// `report diff`: the two report.json files, and whether count changes fail.
    Diff {
        a: PathBuf,
        b: PathBuf,
        counts: bool,
    },
    /// `report merge`: the shard runs' report.json files, the baselines, and where the
    /// merged run goes.
    Merge {
        runs: Vec<PathBuf>,
        baseline: Option<PathBuf>,
        known_flaky: Option<PathBuf>,
        reports_dir: PathBuf,
    },
}

impl ReportArgs {
    pub fn resolve(&self) -> Result<ReportSettings, Error> {
        let project = self.project.resolve()?;
        let locate = |run: &Path| crate::report::diff::locate(run, &project.reports_dir);
        Ok(match &self.action {
            ReportAction::Diff {
                run_a,
                run_b,
                counts,
            } => ReportSettings::Diff {
                a: locate(run_a),
                b: locate(run_b),
                counts: *counts,
            },
            ReportAction::Merge(merge) => ReportSettings::Merge {
                runs: merge.runs.iter().map(|run| locate(run)).collect(),
                baseline: merge.baseline.clone(),
                known_flaky: merge.known_flaky.clone(),
                reports_dir: project.reports_dir,
            },
        })
    }
}

impl VerifyArgs {
    pub fn resolve(&self) -> Result<VerifySettings, Error> {
        let mut project = self.project.resolve()?;
        if let Some(dir) = &self.vectors_dir {
            project.vectors_dir = dir.clone();
        }
        if self.max_case_ms < 200 {
            return Err(Error::usage(
                format!("--max-case-ms {} is too small", self.max_case_ms),
                Some("use 200 ms or more".into()),
            ));
        }
        if self.window == Some(0) {
            return Err(Error::usage("--window must be at least 1", None));
        }
        if self.jobs == 0 {
            return Err(Error::usage("--jobs must be at least 1", None));
        }
        if self.max_reply_bytes < MIN_REPLY_BYTES {
            return Err(Error::usage(
                format!("--max-reply-bytes {} is too small", self.max_reply_bytes),
                Some(format!(
                    "use {MIN_REPLY_BYTES} bytes or more: a hello alone takes a few hundred"
                )),
            ));
        }
        if self.vector.is_some() && self.contracts.len() != 1 {
            return Err(Error::usage(
                "--vector needs exactly one --contract: vector ids are per contract",
                Some("name the vector's contract alone, e.g. --contract budget --vector ID".into()),
            ));
        }
        let shard = self.shard.as_deref().map(parse_shard).transpose()?;
        let profile = match self.profile {
            ProfileArg::Normal => Profile::Normal,
            ProfileArg::Hostile => Profile::Hostile,
        };
        let generation = GenSettings {
            profile,
            race_band_ms: self.race_band_ms,
            max_case_ms: self.max_case_ms,
        };
        let seed = self.seed.unwrap_or_else(random_seed);
        let time_zone = match &self.tz {
            Some(zone) => {
                check_time_zone(zone)?;
                zone.clone()
            }
            None => default_time_zone(seed).to_owned(),
        };
        let vectors_only = self.vectors_only || self.vector.is_some();
        let repro = self.repro(&project.root, seed, &generation, vectors_only);
        Ok(VerifySettings {
            project,
            impl_ids: self.impls.clone(),
            contracts: self.contracts.clone(),
            cases: self.cases,
            seed,
            time_zone,
            only_case: self.case,
            vector: self.vector.clone(),
            vectors_only: self.vectors_only,
            no_vectors: self.no_vectors,
            use_corpus: !self.no_corpus,
            shrink: (self.shrink_time > 0).then(|| ShrinkBounds {
                time: Duration::from_secs(self.shrink_time),
                max_steps: 2000,
            }),
            generation,
            timing_slack_ms: self.timing_slack_ms,
            confirm_runs: self.confirm_runs,
            runner: RunnerSettings {
                window: self.window,
                ping_grace: Duration::from_millis(self.ping_grace_ms),
                handshake_timeout: Duration::from_secs(60),
                max_restarts: self.max_restarts,
                max_reply_bytes: self.max_reply_bytes,
            },
            progress: match (self.project.quiet, std::io::stderr().is_terminal()) {
                (true, _) => ProgressMode::Hidden,
                (false, true) => ProgressMode::Bar,
                (false, false) => ProgressMode::Lines,
            },
            jobs: self.jobs,
            shard,
            baseline: self.gate.baseline.clone(),
            known_flaky: self.gate.known_flaky.clone(),
            write_baseline: self.gate.write_baseline.clone(),
            spelling: Arc::new(repro),
        })
    }

    /// How this run's commands are spelled: the flags that shape its cases travel with
    /// every repro; those of the whole run only with the rerun line.
    fn repro(&self, root: &Path, seed: u64, generation: &GenSettings, vectors_only: bool) -> Repro {
        let defaults = GenSettings::default();
        let mut case_flags = Vec::new();
        if generation.profile == Profile::Hostile {
            case_flags.extend(words(["--profile", "hostile"]));
        }
        if generation.race_band_ms != defaults.race_band_ms {
            case_flags.extend(words([
                "--race-band-ms",
                &generation.race_band_ms.to_string(),
            ]));
        }
        if generation.max_case_ms != defaults.max_case_ms {
            case_flags.extend(words([
                "--max-case-ms",
                &generation.max_case_ms.to_string(),
            ]));
        }
        if self.timing_slack_ms != 200 {
            case_flags.extend(words([
                "--timing-slack-ms",
                &self.timing_slack_ms.to_string(),
            ]));
        }
        if self.confirm_runs != 2 {
            case_flags.extend(words(["--confirm-runs", &self.confirm_runs.to_string()]));
        }
        if let Some(zone) = &self.tz {
            // The default depends on the seed alone; a chosen zone must travel with
            // every repro.
            case_flags.extend(words(["--tz", zone]));
        }
        let shown = |path: &Path| {
            display_path(
                root,
                &std::path::absolute(path).unwrap_or(path.to_path_buf()),
            )
        };
        let mut project_flags = Vec::new();
        if let Some(config) = &self.project.config {
            // Implementation ids come from this file: a repro without it would not find them.
            project_flags.extend(words(["--config", &shown(config)]));
        }
        let mut run_flags = Vec::new();
        if self.no_vectors {
            run_flags.push("--no-vectors".to_owned());
        }
        if self.no_corpus {
            run_flags.push("--no-corpus".to_owned());
        }
        if let Some(shard) = &self.shard {
            run_flags.extend(words(["--shard", shard]));
        }
        if let Some(path) = &self.gate.baseline {
            run_flags.extend(words(["--baseline", &shown(path)]));
        }
        if let Some(path) = &self.gate.known_flaky {
            run_flags.extend(words(["--known-flaky", &shown(path)]));
        }
        Repro {
            program: words(["cargo", "run", "--release", "--"]),
            root: root.to_owned(),
            seed,
            stream: match (self.case, vectors_only) {
                (Some(case), _) => words(["--case", &case.to_string()]),
                (None, true) => words(["--vectors-only"]),
                (None, false) => words(["--cases", &self.cases.to_string()]),
            },
            project_flags,
            case_flags,
            run_flags,
        }
    }
}

/// The smallest `--max-reply-bytes`.
const MIN_REPLY_BYTES: usize = 1024;

/// `K/N` with 1 ≤ K ≤ N.
fn parse_shard(text: &str) -> Result<Shard, Error> {
    let bad = || {
        Error::usage(
            format!("--shard {text}: expected K/N with 1 ≤ K ≤ N, e.g. --shard 2/4"),
            None,
        )
    };
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (index, count) = (
        k.trim().parse::<u64>().map_err(|_| bad())?,
        n.trim().parse::<u64>().map_err(|_| bad())?,
    );
    if index == 0 || index > count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

/// The repository root: `--root`, else the nearest ancestor of the current directory with
/// `adapters/impls.toml`, else the checkout this binary was built from.
fn find_root(explicit: Option<&Path>) -> Result<PathBuf, Error> {
    if let Some(root) = explicit {
        return std::path::absolute(root)
            .map_err(|e| Error::usage(format!("--root {}: {e}", root.display()), None));
    }
    let cwd = std::env::current_dir()
        .map_err(|e| Error::usage(format!("cannot read the current directory: {e}"), None))?;
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf);
    Ok(cwd
        .ancestors()
        .find(|dir| dir.join("adapters/impls.toml").is_file())
        .map(Path::to_path_buf)
        .or(built_from)
        .unwrap_or(cwd))
}

/// Zones a run picks from by seed when `--tz` is not given: none of them is UTC at any time
/// of year, and between them they cover whole, half and quarter hour offsets either side.
pub const DEFAULT_TIME_ZONES: [&str; 10] = [
    "Pacific/Kiritimati",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "Pacific/Chatham",
    "Asia/Kathmandu",
    "Pacific/Pago_Pago",
    "America/Sao_Paulo",
    "Asia/Tokyo",
];

/// The time zone a run with `seed` uses by default.
pub fn default_time_zone(seed: u64) -> &'static str {
    DEFAULT_TIME_ZONES[(seed % DEFAULT_TIME_ZONES.len() as u64) as usize]
}

/// Where the system's zone files live; a zone must be one of them (an unknown `TZ` makes
/// Python and Node fall back to UTC without a word).
const ZONEINFO: &str = "/usr/share/zoneinfo";

fn check_time_zone(zone: &str) -> Result<(), Error> {
    let well_formed = !zone.is_empty()
        && !zone.starts_with('/')
        && zone
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && zone
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b));
    let known =
        zone == "UTC" || !Path::new(ZONEINFO).is_dir() || Path::new(ZONEINFO).join(zone).is_file();
    if well_formed && known {
        return Ok(());
    }
    Err(Error::usage(
        format!("--tz {zone}: not a time zone this machine knows"),
        Some(format!(
            "use an IANA zone name such as UTC, Europe/Berlin or Pacific/Kiritimati (the names under {ZONEINFO})"
        )),
    ))
}

/// A fresh seed small enough to type back.
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish() % 1_000_000
}
