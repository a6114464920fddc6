//! Command line: clap types, and their resolution into validated settings. The engine
//! never sees clap types.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use reference::{Contract, GenSettings, Profile};

use crate::baseline::Baseline;
use crate::errors::Error;
use crate::impls::{known_contracts, Impls, Placeholders};
use crate::report::Shard;
use crate::runner::RunnerSettings;
use crate::shrink::ShrinkBounds;
use crate::verify::{CaseLabel, ProgressMode, Repro, VerifySettings};
use serde_json::Value;

#[derive(Debug, Parser)]
#[command(
    name = "harness",
    version,
    about = "Differential conformance harness: runs real implementations against the Rust reference of each contract"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// `verify` has many flags; the enum is built once per process, so its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate cases, run them through implementations, diff against the reference.
    Verify(VerifyArgs),
    /// Golden vectors: regenerate them from the reference, check them, import upstream ones.
    Vectors(VectorsArgs),
    /// Run one saved corpus case against an implementation and show the diff.
    Repro(ReproArgs),
    /// The corpus of minimal divergences: list it, or prune cases that now pass.
    Corpus(CorpusArgs),
    /// Run reports: compare two runs.
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub action: ReportAction,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Subcommand)]
pub enum ReportAction {
    /// Show the failure groups that appeared, disappeared or changed from RUN_A to RUN_B
    /// (exit 1 when any did). A run is a folder under reports/, its report.json, a run
    /// id, or `latest`.
    Diff { run_a: PathBuf, run_b: PathBuf },
}

/// A resolved `report diff`: the two report.json files.
pub struct ReportDiffSettings {
    pub a: PathBuf,
    pub b: PathBuf,
}

impl ReportArgs {
    pub fn resolve(self) -> Result<ReportDiffSettings, Error> {
        let root = find_root(self.project.root.as_deref())?;
        let reports = self
            .project
            .reports_dir
            .clone()
            .unwrap_or_else(|| root.join("reports"));
        match self.action {
            ReportAction::Diff { run_a, run_b } => Ok(ReportDiffSettings {
                a: crate::rundiff::locate(&run_a, &reports),
                b: crate::rundiff::locate(&run_b, &reports),
            }),
        }
    }
}

#[derive(Debug, Args)]
pub struct ReproArgs {
    /// A corpus file (corpus/<contract>/<hash>.json).
    pub file: PathBuf,
    /// The implementation to run it against [default: the one it was found in].
    #[arg(long = "impl", value_name = "ID")]
    pub implementation: Option<String>,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Args)]
pub struct CorpusArgs {
    #[command(subcommand)]
    pub action: CorpusAction,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Subcommand)]
pub enum CorpusAction {
    /// List the saved cases.
    List(ContractFilter),
    /// Re-run the cases found in one implementation and delete those that now pass.
    Prune {
        #[arg(long = "impl", value_name = "ID")]
        implementation: String,
        #[command(flatten)]
        filter: ContractFilter,
    },
}

/// A resolved `repro` or `corpus prune`: the cases and who runs them.
pub struct ReplaySettings {
    pub root: PathBuf,
    pub cases: Vec<(PathBuf, crate::corpus::CorpusCase)>,
    pub implementation: crate::impls::ImplSpec,
    pub runner: RunnerSettings,
}

fn default_runner() -> RunnerSettings {
    RunnerSettings {
        window: None,
        ping_grace: Duration::from_secs(2),
        handshake_timeout: Duration::from_secs(60),
    }
}

impl ProjectArgs {
    fn load_impls(&self) -> Result<(PathBuf, Impls), Error> {
        let root = find_root(self.root.as_deref())?;
        let config = self
            .config
            .clone()
            .unwrap_or_else(|| root.join("adapters/impls.toml"));
        let placeholders = Placeholders {
            root: root.clone(),
            python: "python3".into(),
            node: "node".into(),
        };
        let impls = Impls::load(&config, &placeholders)?;
        Ok((root, impls))
    }

    fn corpus_dir(&self, root: &Path) -> PathBuf {
        self.corpus_dir
            .clone()
            .unwrap_or_else(|| root.join("corpus"))
    }
}

fn one_impl(impls: &Impls, id: &str) -> Result<crate::impls::ImplSpec, Error> {
    impls.select(&[id.to_owned()]).map(|mut v| v.remove(0))
}

impl ReproArgs {
    pub fn resolve(self) -> Result<ReplaySettings, Error> {
        let (root, impls) = self.project.load_impls()?;
        let case = crate::corpus::load(&self.file)?;
        let id = self
            .implementation
            .clone()
            .unwrap_or_else(|| case.implementation.clone());
        let implementation = one_impl(&impls, &id)?;
        if !implementation.contracts.contains(&case.contract) {
            return Err(Error::usage(
                format!(
                    "implementation `{id}` does not implement contract `{}`",
                    case.contract
                ),
                None,
            ));
        }
        Ok(ReplaySettings {
            root,
            cases: vec![(self.file, case)],
            implementation,
            runner: default_runner(),
        })
    }
}

pub enum CorpusTask {
    List(Vec<(PathBuf, crate::corpus::CorpusCase)>, PathBuf),
    Prune(Box<ReplaySettings>),
}

impl CorpusArgs {
    pub fn resolve(self) -> Result<CorpusTask, Error> {
        let (root, impls) = self.project.load_impls()?;
        let dir = self.project.corpus_dir(&root);
        let load = |filter: &ContractFilter| -> Result<Vec<_>, Error> {
            let mut all = Vec::new();
            for contract in contracts_named(filter)? {
                all.extend(crate::corpus::load_contract(&dir, contract.id())?);
            }
            Ok(all)
        };
        match self.action {
            CorpusAction::List(filter) => Ok(CorpusTask::List(load(&filter)?, root)),
            CorpusAction::Prune {
                implementation,
                filter,
            } => {
                let spec = one_impl(&impls, &implementation)?;
                let cases = load(&filter)?
                    .into_iter()
                    .filter(|(_, c)| c.implementation == implementation)
                    .collect();
                Ok(CorpusTask::Prune(Box::new(ReplaySettings {
                    root,
                    cases,
                    implementation: spec,
                    runner: default_runner(),
                })))
            }
        }
    }
}

#[derive(Debug, Args)]
pub struct VectorsArgs {
    #[command(subcommand)]
    pub action: VectorsAction,
    /// The golden vectors folder [default: ROOT/vectors].
    #[arg(long, value_name = "DIR", global = true)]
    pub vectors_dir: Option<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Subcommand)]
pub enum VectorsAction {
    /// Rewrite the vectors files from the reference (byte-stable, atomic).
    Regen(ContractFilter),
    /// Fail (exit 1) with a diff when a regen would change any byte.
    Check(ContractFilter),
    /// Convert another project's golden vectors to ours, reporting disagreements.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ContractFilter {
    /// Only this contract [default: all].
    #[arg(long, value_name = "ID")]
    pub contract: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportFormat {
    /// aegis's `vectors/budget-cases.json`.
    Aegis,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[arg(long, value_enum)]
    pub format: ImportFormat,
    /// The file to import.
    pub file: PathBuf,
}

/// What a `vectors` command does, resolved.
pub struct VectorsSettings {
    pub dir: PathBuf,
    pub action: VectorsTask,
}

pub enum VectorsTask {
    Regen(Vec<&'static dyn Contract>),
    Check(Vec<&'static dyn Contract>),
    ImportAegis(PathBuf),
}

fn contracts_named(filter: &ContractFilter) -> Result<Vec<&'static dyn Contract>, Error> {
    match &filter.contract {
        None => Ok(reference::CONTRACTS.to_vec()),
        Some(id) => reference::contract(id).map(|c| vec![c]).ok_or_else(|| {
            Error::usage(
                format!("unknown contract `{id}`"),
                Some(format!("known contracts: {}", known_contracts())),
            )
        }),
    }
}

impl VectorsArgs {
    pub fn resolve(self) -> Result<VectorsSettings, Error> {
        let root = find_root(self.project.root.as_deref())?;
        let dir = self.vectors_dir.unwrap_or_else(|| root.join("vectors"));
        let action = match self.action {
            VectorsAction::Regen(filter) => VectorsTask::Regen(contracts_named(&filter)?),
            VectorsAction::Check(filter) => VectorsTask::Check(contracts_named(&filter)?),
            VectorsAction::Import(args) => match args.format {
                ImportFormat::Aegis => VectorsTask::ImportAegis(args.file),
            },
        };
        Ok(VectorsSettings { dir, action })
    }
}

/// Where the project lives and where reports go.
#[derive(Debug, Args)]
pub struct ProjectArgs {
    /// The repository root (found by walking up from the current directory by default).
    #[arg(long, value_name = "DIR", global = true)]
    pub root: Option<PathBuf>,
    /// The implementations config [default: ROOT/adapters/impls.toml].
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Where run reports are written [default: ROOT/reports].
    #[arg(long, value_name = "DIR", global = true)]
    pub reports_dir: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// The corpus of minimal divergences [default: ROOT/corpus].
    #[arg(long, value_name = "DIR", global = true)]
    pub corpus_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProfileArg {
    Normal,
    Hostile,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Implementations to verify: ids from the config, comma separated, or `all`.
    #[arg(
        long = "impl",
        value_name = "ID[,ID…]",
        value_delimiter = ',',
        required = true
    )]
    pub impls: Vec<String>,
    /// Only this contract [default: every contract the implementations implement].
    #[arg(long, value_name = "ID")]
    pub contract: Option<String>,
    /// How many generated cases.
    #[arg(long, default_value_t = 1000)]
    pub cases: u64,
    /// Seed of the case stream [default: random, always printed].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Run only case N of the seed's stream (what repro commands use); no vectors.
    #[arg(long, value_name = "N", conflicts_with_all = ["vector", "vectors_only"])]
    pub case: Option<u64>,
    /// Run only the golden vectors, no generated cases.
    #[arg(long, conflicts_with = "no_vectors")]
    pub vectors_only: bool,
    /// Skip the golden vectors: generated cases (and the corpus) only.
    #[arg(long)]
    pub no_vectors: bool,
    /// Run only this golden vector (by id).
    #[arg(long, value_name = "ID", requires = "contract")]
    pub vector: Option<String>,
    /// The golden vectors folder [default: ROOT/vectors].
    #[arg(long, value_name = "DIR")]
    pub vectors_dir: Option<PathBuf>,
    /// Neither replay the corpus nor save new cases to it.
    #[arg(long)]
    pub no_corpus: bool,
    /// Which inputs to generate: inside the schema, or about half breaking it.
    #[arg(long, value_enum, default_value = "normal")]
    pub profile: ProfileArg,
    /// Time zone the adapters run under (their TZ), e.g. UTC or Pacific/Kiritimati
    /// [default: one of a fixed list of zones away from UTC, picked by the seed]
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Allowance added to the contract's timing bound, in ms.
    #[arg(long, default_value_t = 200)]
    pub timing_slack_ms: u64,
    /// Scripted delays this close to a deadline may land on either side, in ms.
    #[arg(long, default_value_t = 15)]
    pub race_band_ms: u64,
    /// Most real time one generated case may need, in ms.
    #[arg(long, default_value_t = 1000)]
    pub max_case_ms: u64,
    /// Cases in flight at once per implementation. Larger windows finish sooner but make
    /// the event loop fire timers later (the summary shows how late).
    /// [default: per contract: 256 for budget and migrate, 8 for sql-migrations]
    #[arg(long, value_name = "N")]
    pub window: Option<usize>,
    /// Longest time spent shrinking one divergence, in seconds (0: do not shrink).
    #[arg(long, default_value_t = 30)]
    pub shrink_time: u64,
    /// How long an adapter may leave a ping unanswered before it counts as stuck, in ms.
    #[arg(long, default_value_t = 2000)]
    pub ping_grace_ms: u64,
    /// Adapter processes run at once per implementation.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub jobs: usize,
    /// Run only part K of N of the case stream, so N machines together run exactly the
    /// cases of one unsharded run.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub project: ProjectArgs,
}

/// Known divergences: what a CI gate accepts.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// Known divergence groups (TOML, or JSON by extension): the run fails on any other
    /// group, and on any listed group that no longer diverges.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Known-flaky groups: reported when they show up, never failing the run.
    #[arg(long, value_name = "FILE")]
    pub known_flaky: Option<PathBuf>,
    /// Write this run's groups to FILE as a new baseline (never overwrites a file).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
}

impl GateArgs {
    fn resolve(&self) -> Result<(Option<Baseline>, Option<Baseline>), Error> {
        if let Some(path) = &self.write_baseline {
            if path.exists() {
                return Err(Error::usage(
                    format!("--write-baseline {}: the file exists", path.display()),
                    Some("pass a new path, or edit the existing baseline by hand".into()),
                ));
            }
        }
        let load = |path: &Option<PathBuf>| path.as_deref().map(Baseline::load).transpose();
        Ok((load(&self.baseline)?, load(&self.known_flaky)?))
    }
}

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

impl VerifyArgs {
    pub fn resolve(self) -> Result<VerifySettings, Error> {
        let (root, impls) = self.project.load_impls()?;
        let selected = impls.select(&self.impls)?;
        if selected.is_empty() {
            return Err(Error::usage(
                "no implementation selected",
                Some("name one with --impl ID".into()),
            ));
        }
        let contracts: Vec<&'static dyn Contract> = match &self.contract {
            Some(id) => {
                let contract = reference::contract(id).ok_or_else(|| {
                    Error::usage(
                        format!("unknown contract `{id}`"),
                        Some(format!("known contracts: {}", known_contracts())),
                    )
                })?;
                for spec in &selected {
                    if !spec.contracts.iter().any(|c| c == id) {
                        return Err(Error::usage(
                            format!(
                                "implementation `{}` does not implement contract `{id}`",
                                spec.id
                            ),
                            Some(format!(
                                "`{}` implements: {}",
                                spec.id,
                                spec.contracts.join(", ")
                            )),
                        ));
                    }
                }
                vec![contract]
            }
            None => reference::CONTRACTS
                .iter()
                .copied()
                .filter(|c| {
                    selected
                        .iter()
                        .any(|s| s.contracts.iter().any(|id| id == c.id()))
                })
                .collect(),
        };
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
        let shard = self.shard.as_deref().map(parse_shard).transpose()?;
        let (baseline, known_flaky) = self.gate.resolve()?;
        let profile = match self.profile {
            ProfileArg::Normal => Profile::Normal,
            ProfileArg::Hostile => Profile::Hostile,
        };
        let generation = GenSettings {
            profile,
            race_band_ms: self.race_band_ms,
            max_case_ms: self.max_case_ms,
        };
        let defaults = GenSettings::default();
        let mut case_flags = Vec::new();
        if profile == Profile::Hostile {
            case_flags.push("--profile hostile".to_owned());
        }
        if generation.race_band_ms != defaults.race_band_ms {
            case_flags.push(format!("--race-band-ms {}", generation.race_band_ms));
        }
        if generation.max_case_ms != defaults.max_case_ms {
            case_flags.push(format!("--max-case-ms {}", generation.max_case_ms));
        }
        if self.timing_slack_ms != 200 {
            case_flags.push(format!("--timing-slack-ms {}", self.timing_slack_ms));
        }
        // Flags of the whole run that a one-case repro does not need go to `run_flags`.
        let shown = |path: &Path| {
            display_path(
                &root,
                &std::path::absolute(path).unwrap_or(path.to_path_buf()),
            )
        };
        if let Some(config) = &self.project.config {
            // Implementation ids come from this file: a repro without it would not find them.
            case_flags.push(format!("--config {}", shown(config)));
        }
        let mut run_flags = Vec::new();
        if self.no_vectors {
            run_flags.push("--no-vectors".to_owned());
        }
        if self.no_corpus {
            run_flags.push("--no-corpus".to_owned());
        }
        if let Some(shard) = &self.shard {
            run_flags.push(format!("--shard {shard}"));
        }
        if let Some(path) = &self.gate.baseline {
            run_flags.push(format!("--baseline {}", shown(path)));
        }
        if let Some(path) = &self.gate.known_flaky {
            run_flags.push(format!("--known-flaky {}", shown(path)));
        }
        let seed = self.seed.unwrap_or_else(random_seed);
        let time_zone = match &self.tz {
            Some(zone) => {
                check_time_zone(zone)?;
                // The default depends on the seed alone; a chosen zone must travel with
                // every repro.
                case_flags.push(format!("--tz {zone}"));
                zone.clone()
            }
            None => default_time_zone(seed).to_owned(),
        };
        // Local-time bugs show up as drift only away from UTC (LEDGER-WINDOW).
        let selected: Vec<_> = selected
            .into_iter()
            .map(|spec| spec.in_time_zone(&time_zone))
            .collect();
        let vectors_dir = self
            .vectors_dir
            .clone()
            .unwrap_or_else(|| root.join("vectors"));
        let corpus_dir = self.project.corpus_dir(&root);
        let mut fixed = Vec::new();
        for contract in &contracts {
            let mut cases: Vec<(CaseLabel, Value)> = Vec::new();
            if self.case.is_none() && !self.no_vectors {
                for path in crate::vectors::files_for(&vectors_dir, contract.id()) {
                    let file = crate::vectors::load(&path)?;
                    cases.extend(
                        file.vectors
                            .into_iter()
                            .map(|v| (CaseLabel::Vector(v.id), v.input)),
                    );
                }
            }
            if let Some(id) = &self.vector {
                cases.retain(|(label, _)| *label == CaseLabel::Vector(id.clone()));
                if cases.is_empty() {
                    return Err(Error::usage(
                        format!("no golden vector `{id}` for contract `{}` in {}", contract.id(), vectors_dir.display()),
                        Some("vector ids are listed in the vectors files; `cargo run -- vectors regen` writes them".into()),
                    ));
                }
            } else if self.case.is_none() && !self.no_corpus {
                for (path, case) in crate::corpus::load_contract(&corpus_dir, contract.id())? {
                    cases.push((CaseLabel::Corpus(display_path(&root, &path)), case.input));
                }
            }
            fixed.push(cases);
        }
        Ok(VerifySettings {
            impls: selected,
            contracts,
            cases: self.cases,
            seed,
            time_zone,
            only_case: self.case,
            fixed,
            corpus_dir: (!self.no_corpus).then_some(corpus_dir),
            root: root.clone(),
            vectors_only: self.vectors_only || self.vector.is_some(),
            shrink: (self.shrink_time > 0).then(|| ShrinkBounds {
                time: Duration::from_secs(self.shrink_time),
                max_steps: 2000,
            }),
            generation,
            timing_slack_ms: self.timing_slack_ms,
            runner: RunnerSettings {
                window: self.window,
                ping_grace: Duration::from_millis(self.ping_grace_ms),
                handshake_timeout: Duration::from_secs(60),
            },
            reports_dir: self
                .project
                .reports_dir
                .clone()
                .unwrap_or_else(|| root.join("reports")),
            progress: match (self.project.quiet, std::io::stderr().is_terminal()) {
                (true, _) => ProgressMode::Hidden,
                (false, true) => ProgressMode::Bar,
                (false, false) => ProgressMode::Lines,
            },
            colour: std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            jobs: self.jobs,
            partial: shard.is_some() || self.case.is_some() || self.vector.is_some(),
            shard,
            baseline,
            known_flaky,
            write_baseline: self.gate.write_baseline.clone(),
            repro: Repro {
                program: "cargo run --release --".into(),
                case_flags,
                run_flags,
            },
        })
    }
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

/// `path` relative to `root` when it lies inside it (for commands people copy).
pub fn display_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}
