//! Resolution: clap arguments become validated settings — paths decided, defaults filled
//! in, flags checked — before any work starts. The one file read here is the project config,
//! whose `[defaults]` are settings that flags override; the plan loads everything else.
//!
//! Where the harness's data comes from, first match wins: `--root DIR` (a checkout of the
//! harness), the nearest checkout around the current directory, else the copy built into
//! the binary, unpacked in the cache (`--cache-dir`, `$HARNESS_CACHE_DIR`,
//! `$XDG_CACHE_HOME/conformance-harness`, `~/.cache/conformance-harness`). The project
//! config: `--config FILE`, else the nearest `conformance.toml` around the current
//! directory.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reference::{Contract, GenSettings, Profile};

use super::args::{
    ColorChoice, ContractFilter, MessageFormatArg, OutputArgs, ProfileArg, ProjectArgs,
    ReportAction, ReportArgs, RulesArgs, RulesFormatArg, VerifyArgs,
};
use super::repro::{display_path, words, Repro};
use crate::data::{is_checkout, DataDir, Origin};
use crate::errors::Error;
use crate::plan::{
    contracts_named, ProfileName, Project, ProjectConfig, Shard, ShrinkBounds, VerifySettings,
};
use crate::progress::{MessageFormat, ProgressMode};
use crate::rules::{RulesFormat, RulesQuery};
use crate::run::RunnerSettings;

/// Where colour goes: the summary on stdout, the progress bar on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour {
    pub stdout: bool,
    pub stderr: bool,
}

impl OutputArgs {
    /// `--color` decided for each stream, from whether it is a terminal and NO_COLOR.
    pub fn colour(&self) -> Colour {
        let no_color = std::env::var_os("NO_COLOR");
        Colour {
            stdout: wants_colour(
                self.color,
                std::io::stdout().is_terminal(),
                no_color.as_deref(),
            ),
            stderr: wants_colour(
                self.color,
                std::io::stderr().is_terminal(),
                no_color.as_deref(),
            ),
        }
    }

    /// How a run shows its progress on stderr.
    fn progress(&self) -> ProgressMode {
        match (self.quiet, std::io::stderr().is_terminal()) {
            (true, _) => ProgressMode::Hidden,
            (false, true) => ProgressMode::Bar {
                colour: self.colour().stderr,
            },
            (false, false) => ProgressMode::Lines,
        }
    }
}

/// Whether a stream gets colour: `always` and `never` say so; `auto` colours a terminal
/// unless NO_COLOR is set to something (no-color.org: an empty NO_COLOR does not count).
fn wants_colour(choice: ColorChoice, terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && no_color.is_none_or(|v| v.is_empty()),
    }
}

impl ProjectArgs {
    /// Where the project's files are, where the harness's data comes from, and the project
    /// config, read.
    pub fn resolve(&self) -> Result<Project, Error> {
        let cwd = std::env::current_dir()
            .map_err(|e| Error::usage(format!("cannot read the current directory: {e}"), None))?;
        let data = self.data_dir(&cwd)?;
        let config_path = match &self.config {
            Some(path) => Some(absolute(path, "--config")?),
            None => ProjectConfig::find(&cwd),
        };
        let config = config_path
            .as_deref()
            .map(ProjectConfig::load)
            .transpose()?;
        let root = match (data.origin, &config) {
            (Origin::Embedded, Some(config)) => config.dir().to_owned(),
            (Origin::Embedded, None) => cwd,
            (Origin::RootFlag | Origin::CheckoutAbove, _) => data.root.clone(),
        };
        let defaults = config.as_ref().map(|c| &c.defaults);
        let default_dir = |flag: &Option<PathBuf>, field: Option<&PathBuf>, name: &str| {
            flag.clone()
                .or_else(|| field.cloned())
                .unwrap_or_else(|| root.join(name))
        };
        Ok(Project {
            reports_dir: default_dir(
                &self.reports_dir,
                defaults.and_then(|d| d.reports.as_ref()),
                "reports",
            ),
            corpus_dir: default_dir(
                &self.corpus_dir,
                defaults.and_then(|d| d.corpus.as_ref()),
                "corpus",
            ),
            vectors_dir: data.root.join("vectors"),
            root,
            data,
            config,
        })
    }

    /// The data folder: `--root`, else a checkout around `cwd`, else the embedded copy's
    /// folder in the cache. Never the tree the binary was built in, unless it is one of
    /// those.
    fn data_dir(&self, cwd: &Path) -> Result<DataDir, Error> {
        if let Some(root) = &self.root {
            let root = absolute(root, "--root")?;
            if !is_checkout(&root) {
                return Err(Error::usage(
                    format!("--root {}: not a checkout of the harness (no adapters/impls.toml and harness/Cargo.toml)", root.display()),
                    Some("name the repository's top folder, or leave --root out to use the adapters built into this binary".into()),
                ));
            }
            return Ok(DataDir::checkout(root, Origin::RootFlag));
        }
        if let Some(checkout) = cwd.ancestors().find(|dir| is_checkout(dir)) {
            return Ok(DataDir::checkout(
                checkout.to_owned(),
                Origin::CheckoutAbove,
            ));
        }
        Ok(DataDir::embedded(&self.cache_dir()?))
    }

    /// Where the embedded data is unpacked: `--cache-dir`, `$HARNESS_CACHE_DIR`,
    /// `$XDG_CACHE_HOME/conformance-harness`, `~/.cache/conformance-harness`.
    fn cache_dir(&self) -> Result<PathBuf, Error> {
        if let Some(dir) = &self.cache_dir {
            return absolute(dir, "--cache-dir");
        }
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(dir) = var("HARNESS_CACHE_DIR") {
            return absolute(&dir, "HARNESS_CACHE_DIR");
        }
        // The XDG spec ignores a relative XDG_CACHE_HOME.
        if let Some(cache) = var("XDG_CACHE_HOME").filter(|p| p.is_absolute()) {
            return Ok(cache.join(CACHE_NAME));
        }
        if let Some(home) = var("HOME").filter(|p| p.is_absolute()) {
            return Ok(home.join(".cache").join(CACHE_NAME));
        }
        Err(Error::usage(
            "no cache folder to unpack the harness's data into: HOME is not set",
            Some("set HARNESS_CACHE_DIR (or pass --cache-dir) to a writable folder".into()),
        ))
    }
}

/// The harness's folder in the user's cache.
const CACHE_NAME: &str = "conformance-harness";

/// `path` made absolute against the current directory; `what` names where it came from.
fn absolute(path: &Path, what: &str) -> Result<PathBuf, Error> {
    std::path::absolute(path)
        .map_err(|e| Error::usage(format!("{what} {}: {e}", path.display()), None))
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
    pub fn resolve(&self, project: &ProjectArgs) -> Result<ReportSettings, Error> {
        let project = project.resolve()?;
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
    pub fn resolve(
        &self,
        project_args: &ProjectArgs,
        output: &OutputArgs,
    ) -> Result<VerifySettings, Error> {
        let mut project = project_args.resolve()?;
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
        // Flags first, then the project config's defaults, then the harness's.
        let defaults = project
            .config
            .as_ref()
            .map(|c| c.defaults.clone())
            .unwrap_or_default();
        let impl_ids = if !self.impls.is_empty() {
            self.impls.clone()
        } else if !defaults.impls.is_empty() {
            defaults.impls
        } else if project.config.is_some() {
            vec!["all".to_owned()]
        } else {
            return Err(Error::usage(
                "no implementation to verify",
                Some("name one with --impl ID (`harness doctor` lists them), or declare yours in a conformance.toml (docs/config.md)".into()),
            ));
        };
        let contracts = if self.contracts.is_empty() {
            defaults.contracts
        } else {
            self.contracts.clone()
        };
        let cases = self.cases.or(defaults.cases).unwrap_or(DEFAULT_CASES);
        let profile = match self.profile.map(ProfileArg::name).or(defaults.profile) {
            Some(ProfileName::Hostile) => Profile::Hostile,
            Some(ProfileName::Normal) | None => Profile::Normal,
        };
        // A run that writes a new baseline is judged against none.
        let baseline = match &self.gate.write_baseline {
            Some(_) => None,
            None => self.gate.baseline.clone().or(defaults.baseline),
        };
        let generation = GenSettings {
            profile,
            race_band_ms: self.race_band_ms,
            max_case_ms: self.max_case_ms,
        };
        let seed = self.seed.or(defaults.seed).unwrap_or_else(random_seed);
        let time_zone = match &self.tz {
            Some(zone) => {
                check_time_zone(zone)?;
                zone.clone()
            }
            None => default_time_zone(seed).to_owned(),
        };
        let vectors_only = self.vectors_only || self.vector.is_some();
        let mut repro = self.repro(
            (&project, project_args),
            (seed, cases),
            &generation,
            baseline.as_deref(),
            vectors_only,
        );
        if self.guided {
            repro.guided_impls = impl_ids.clone();
        }
        Ok(VerifySettings {
            project,
            impl_ids,
            contracts,
            cases,
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
                coverage: self.coverage,
                guided: self.guided,
            },
            progress: output.progress(),
            message_format: match self.message_format {
                MessageFormatArg::Human => MessageFormat::Human,
                MessageFormatArg::Json => MessageFormat::Json,
            },
            jobs: self.jobs,
            shard,
            baseline,
            known_flaky: self.gate.known_flaky.clone(),
            write_baseline: self.gate.write_baseline.clone(),
            spelling: Arc::new(repro),
        })
    }

    /// How this run's commands are spelled: the flags that shape its cases travel with
    /// every repro; those of the whole run only with the rerun line.
    fn repro(
        &self,
        (project, project_args): (&Project, &ProjectArgs),
        (seed, cases): (u64, u64),
        generation: &GenSettings,
        baseline: Option<&Path>,
        vectors_only: bool,
    ) -> Repro {
        let root = &project.root;
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
        if let Some(config) = &project_args.config {
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
        if self.coverage {
            run_flags.push("--coverage".to_owned());
        }
        if self.guided {
            run_flags.push("--guided".to_owned());
        }
        if let Some(shard) = &self.shard {
            run_flags.extend(words(["--shard", shard]));
        }
        if let Some(path) = baseline {
            run_flags.extend(words(["--baseline", &shown(path)]));
        }
        if let Some(path) = &self.gate.known_flaky {
            run_flags.extend(words(["--known-flaky", &shown(path)]));
        }
        // In a checkout the harness is run through cargo; elsewhere it is the installed binary.
        let program = match project.data.origin {
            Origin::RootFlag | Origin::CheckoutAbove => words(["cargo", "run", "--release", "--"]),
            Origin::Embedded => words(["harness"]),
        };
        Repro {
            program,
            root: root.to_owned(),
            seed,
            stream: match (self.case, vectors_only) {
                (Some(case), _) => words(["--case", &case.to_string()]),
                (None, true) => words(["--vectors-only"]),
                (None, false) => words(["--cases", &cases.to_string()]),
            },
            project_flags,
            case_flags,
            run_flags,
            guided_impls: Vec::new(),
        }
    }
}

/// Generated cases per contract when neither `--cases` nor the project config says.
const DEFAULT_CASES: u64 = 1000;

impl ProfileArg {
    fn name(self) -> ProfileName {
        match self {
            ProfileArg::Normal => ProfileName::Normal,
            ProfileArg::Hostile => ProfileName::Hostile,
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

impl RulesArgs {
    /// The rules asked for (an unknown contract or rule is a usage error naming the closest
    /// id), and how to print them.
    pub fn resolve(&self) -> Result<(RulesQuery, RulesFormat), Error> {
        let query = RulesQuery::select(self.contract.as_deref(), self.rule.as_deref())?;
        let format = match self.format {
            RulesFormatArg::Text => RulesFormat::Text,
            RulesFormatArg::Json => RulesFormat::Json,
            RulesFormatArg::Markdown => RulesFormat::Markdown,
        };
        Ok((query, format))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn auto_colours_a_terminal_unless_no_color_is_set_to_something() {
        let auto = |terminal, no_color: Option<&str>| {
            wants_colour(ColorChoice::Auto, terminal, no_color.map(OsStr::new))
        };
        assert!(auto(true, None));
        assert!(auto(true, Some("")), "an empty NO_COLOR does not count");
        assert!(!auto(true, Some("1")));
        assert!(!auto(false, None), "a pipe or file gets no colour");
    }

    #[test]
    fn always_and_never_win_over_the_terminal_and_no_color() {
        for (terminal, no_color) in [(true, None), (false, Some(OsStr::new("1")))] {
            assert!(wants_colour(ColorChoice::Always, terminal, no_color));
            assert!(!wants_colour(ColorChoice::Never, terminal, no_color));
        }
    }
}
