//! Planning a run: everything it needs loaded once, before any adapter starts — the
//! implementations config ([`impls`]), the selected implementations and contracts, the
//! golden vectors and corpus cases that run before generated ones, and the baselines.
//! The CLI resolves flags into [`VerifySettings`] without reading a file; [`Plan::load`]
//! reads them.

pub mod config;
pub mod impls;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reference::{Contract, GenSettings};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::baseline::Baseline;
use crate::corpus::CorpusCase;
use crate::data::DataDir;
use crate::errors::{contract_hint, Error};
use crate::progress::{MessageFormat, ProgressMode};
use crate::run::RunnerSettings;
pub use config::{Defaults, ProjectConfig};
pub use impls::{Fix, ImplSpec, Impls, Placeholders, ProfileName};

/// Which case of the run this is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CaseLabel {
    /// A golden vector, by id.
    Vector(String),
    /// A saved minimal case, by its corpus file (as shown to people).
    Corpus(String),
    /// Case N of the seed's generated stream.
    Generated(u64),
    /// Case N of a guided run's stream (`--guided`): the same run makes it again.
    Guided(u64),
}

/// How commands and paths are spelled for people to paste. The CLI knows the spelling;
/// the engine only asks for it.
pub trait Spelling: Send + Sync {
    /// The command that runs one case of `contract` alone against `implementation`.
    fn case(&self, implementation: &str, contract: &str, label: &CaseLabel) -> String;
    /// The command that replays a corpus file against an implementation.
    fn corpus(&self, path: &str, implementation: &str) -> String;
    /// The command that reproduces the whole run over these implementations and these
    /// contracts (none: every contract the implementations implement).
    fn run(&self, implementations: &[&str], contracts: &[&str]) -> String;
    /// `path` as shown to people (relative to the project when inside it).
    fn path(&self, path: &Path) -> String;
}

/// Shard `index` of `count` (1-based): the cases whose position in the stream is
/// `index - 1` modulo `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Whether the case at `position` of the stream (vectors, corpus, then generated) is
    /// this shard's.
    pub fn owns(&self, position: u64) -> bool {
        position % self.count == self.index - 1
    }
}

/// Limits on shrinking one divergence.
#[derive(Debug, Clone, Copy)]
pub struct ShrinkBounds {
    pub time: Duration,
    pub max_steps: u32,
}

/// Where a project's files are.
#[derive(Debug, Clone)]
pub struct Project {
    /// The folder paths are shown relative to: the checkout the data comes from, else the
    /// project config's folder, else the current directory.
    pub root: PathBuf,
    /// Where the adapters, the built-in implementations and the golden vectors are.
    pub data: DataDir,
    /// The project config (`conformance.toml`), when there is one.
    pub config: Option<ProjectConfig>,
    pub reports_dir: PathBuf,
    pub corpus_dir: PathBuf,
    pub vectors_dir: PathBuf,
}

impl Project {
    /// Every implementation the built-in config and the project config name (the data
    /// folder unpacked first when it is the embedded copy).
    pub fn impls(&self) -> Result<Impls, Error> {
        self.data.ready()?;
        Impls::load_with(
            &self.data.root.join("adapters/impls.toml"),
            self.config.as_ref().map(|c| &c.text),
            &Placeholders::for_root(&self.data.root),
        )
    }
}

/// The runner settings of commands that replay a few cases (`repro`, `corpus prune`).
pub fn replay_runner() -> RunnerSettings {
    RunnerSettings {
        window: None,
        ping_grace: Duration::from_secs(2),
        handshake_timeout: Duration::from_secs(60),
        max_restarts: RunnerSettings::MAX_RESTARTS,
        max_reply_bytes: RunnerSettings::MAX_REPLY_BYTES,
        coverage: false,
        guided: false,
    }
}

/// Everything `verify` was asked to do, resolved from the command line.
#[derive(Clone)]
pub struct VerifySettings {
    pub project: Project,
    /// `--impl`: ids from the config, or `all`.
    pub impl_ids: Vec<String>,
    /// `--contract`: only these contracts (empty: every contract the implementations
    /// implement).
    pub contracts: Vec<String>,
    pub cases: u64,
    pub seed: u64,
    /// The time zone (`TZ`) the adapters run under.
    pub time_zone: String,
    /// Run only this case of the seed's stream.
    pub only_case: Option<u64>,
    /// Run only this golden vector.
    pub vector: Option<String>,
    /// Run no generated cases.
    pub vectors_only: bool,
    /// Skip the golden vectors.
    pub no_vectors: bool,
    /// Replay the corpus first and save minimal divergences to it.
    pub use_corpus: bool,
    /// Shrink divergences within these bounds (`None`: report them as found).
    pub shrink: Option<ShrinkBounds>,
    pub generation: GenSettings,
    pub timing_slack_ms: u64,
    /// Re-runs alone a time-dependent divergence must repeat in before it counts (0: it
    /// counts as found).
    pub confirm_runs: u32,
    pub runner: RunnerSettings,
    /// How progress is shown on stderr.
    pub progress: ProgressMode,
    /// What stdout carries: the summary, or the run's events as JSON lines.
    pub message_format: MessageFormat,
    /// Adapters run at once per implementation (`--jobs`).
    pub jobs: usize,
    /// Only this part of the case stream (`--shard K/N`).
    pub shard: Option<Shard>,
    /// Known divergences (`--baseline`) and known-flaky ones (`--known-flaky`).
    pub baseline: Option<PathBuf>,
    pub known_flaky: Option<PathBuf>,
    /// Write this run's groups as a new baseline file (`--write-baseline`).
    pub write_baseline: Option<PathBuf>,
    pub spelling: Arc<dyn Spelling>,
}

/// A run ready to start: its settings and everything loaded for it.
pub struct Plan {
    pub settings: VerifySettings,
    /// The selected implementations, each set to run under the run's time zone.
    pub impls: Vec<ImplSpec>,
    pub contracts: Vec<&'static dyn Contract>,
    /// Cases run before generated ones, per contract: golden vectors, then the corpus.
    pub fixed: Vec<Vec<(CaseLabel, Value)>>,
    pub baseline: Option<Baseline>,
    pub known_flaky: Option<Baseline>,
    /// The run covers only part of the stream (a shard, one case, one vector), so a
    /// baseline entry that does not show up may simply not have been run.
    pub partial: bool,
}

fn unknown_contract(id: &str) -> Error {
    Error::usage(format!("unknown contract `{id}`"), Some(contract_hint(id)))
}

/// The contracts named by `--contract`, in the registry's order (every one when none is
/// named).
pub fn contracts_named(ids: &[String]) -> Result<Vec<&'static dyn Contract>, Error> {
    if let Some(unknown) = ids.iter().find(|id| reference::contract(id).is_none()) {
        return Err(unknown_contract(unknown));
    }
    Ok(reference::CONTRACTS
        .iter()
        .copied()
        .filter(|c| ids.is_empty() || ids.iter().any(|id| id == c.id()))
        .collect())
}

impl Plan {
    /// Reads the config, vectors, corpus and baselines the settings ask for.
    pub fn load(settings: VerifySettings) -> Result<Plan, Error> {
        let impls = settings.project.impls()?;
        let selected = impls.select(&settings.impl_ids)?;
        if selected.is_empty() {
            return Err(Error::usage(
                "no implementation selected",
                Some("name one with --impl ID".into()),
            ));
        }
        let contracts = select_contracts(&selected, &settings)?;
        let (baseline, known_flaky) = load_baselines(&settings)?;
        // Local-time bugs show up as drift only away from UTC (LEDGER-WINDOW).
        let selected: Vec<ImplSpec> = selected
            .into_iter()
            .map(|spec| spec.in_time_zone(&settings.time_zone))
            .map(|spec| match settings.runner.coverage {
                true => spec.measurable(&impls),
                false => spec,
            })
            .collect();
        let mut fixed = Vec::new();
        for contract in &contracts {
            fixed.push(fixed_cases(&settings, *contract)?);
        }
        Ok(Plan {
            partial: settings.shard.is_some()
                || settings.only_case.is_some()
                || settings.vector.is_some(),
            settings,
            impls: selected,
            contracts,
            fixed,
            baseline,
            known_flaky,
        })
    }

    /// How many generated cases run per contract.
    pub fn generated_count(&self) -> u64 {
        match (self.settings.only_case, self.runs_vectors_only()) {
            (Some(_), _) => 1,
            (None, true) => 0,
            (None, false) => self.settings.cases,
        }
    }

    /// Whether the run takes golden vectors only (`--vectors-only`, `--vector`).
    pub fn runs_vectors_only(&self) -> bool {
        self.settings.vectors_only || self.settings.vector.is_some()
    }

    /// How many cases of a contract's stream (`fixed` vectors and corpus cases, then the
    /// generated ones) this run takes: all of them, or its shard's share.
    pub fn stream_len(&self, fixed: u64) -> u64 {
        let whole = fixed + self.generated_count();
        match self.settings.shard {
            None => whole,
            // Positions index-1, index-1+count, … below `whole`.
            Some(shard) => (whole + shard.count - shard.index) / shard.count,
        }
    }

    /// Whether the run requires implementation `id`: named with `--impl` rather than
    /// brought in by `all`, so that its being unavailable fails the run.
    pub fn requires(&self, id: &str) -> bool {
        self.settings.impl_ids.iter().any(|named| named == id)
    }

    /// The implementations that implement `contract`.
    pub fn impls_for(&self, contract: &dyn Contract) -> impl Iterator<Item = &ImplSpec> {
        let id = contract.id();
        self.impls
            .iter()
            .filter(move |i| i.contracts.iter().any(|c| c == id))
    }
}

/// The contracts a run covers: those named with `--contract`, or every contract one of the
/// selected implementations implements. Each implementation runs the ones it implements;
/// a named contract no selected implementation implements, and an implementation named
/// with `--impl` that implements none of them, are usage errors (the run would quietly
/// leave them out).
fn select_contracts(
    selected: &[ImplSpec],
    settings: &VerifySettings,
) -> Result<Vec<&'static dyn Contract>, Error> {
    let implements = |spec: &ImplSpec, contract: &dyn Contract| {
        spec.contracts.iter().any(|id| id == contract.id())
    };
    let named = contracts_named(&settings.contracts)?;
    for contract in &named {
        if !settings.contracts.is_empty() && !selected.iter().any(|s| implements(s, *contract)) {
            return Err(Error::usage(
                format!(
                    "no selected implementation implements contract `{}`",
                    contract.id()
                ),
                Some(implemented_by(selected)),
            ));
        }
    }
    for spec in selected
        .iter()
        .filter(|s| settings.impl_ids.contains(&s.id))
    {
        if !named.iter().any(|c| implements(spec, *c)) {
            return Err(Error::usage(
                format!(
                    "implementation `{}` implements none of the contracts {}",
                    spec.id,
                    settings.contracts.join(", ")
                ),
                Some(implemented_by(std::slice::from_ref(spec))),
            ));
        }
    }
    Ok(named
        .into_iter()
        .filter(|c| selected.iter().any(|s| implements(s, *c)))
        .collect())
}

/// "`py` implements: budget, migrate; …", for hints.
fn implemented_by(specs: &[ImplSpec]) -> String {
    specs
        .iter()
        .map(|s| format!("`{}` implements: {}", s.id, s.contracts.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

fn load_baselines(
    settings: &VerifySettings,
) -> Result<(Option<Baseline>, Option<Baseline>), Error> {
    if let Some(path) = &settings.write_baseline {
        if path.exists() {
            return Err(Error::usage(
                format!("--write-baseline {}: the file exists", path.display()),
                Some("pass a new path, or edit the existing baseline by hand".into()),
            ));
        }
    }
    let load = |path: &Option<PathBuf>| path.as_deref().map(Baseline::load).transpose();
    Ok((load(&settings.baseline)?, load(&settings.known_flaky)?))
}

/// The golden vectors, then the corpus cases, of `contract` that the run takes.
fn fixed_cases(
    settings: &VerifySettings,
    contract: &dyn Contract,
) -> Result<Vec<(CaseLabel, Value)>, Error> {
    let project = &settings.project;
    let mut cases = Vec::new();
    if settings.only_case.is_none() && !settings.no_vectors {
        for path in crate::vectors::files_for(&project.vectors_dir, contract.id()) {
            let file = crate::vectors::load(&path)?;
            cases.extend(
                file.vectors
                    .into_iter()
                    .map(|v| (CaseLabel::Vector(v.id), v.input)),
            );
        }
    }
    if let Some(id) = &settings.vector {
        let ids: Vec<String> = cases
            .iter()
            .filter_map(|(label, _)| match label {
                CaseLabel::Vector(vector) => Some(vector.clone()),
                _ => None,
            })
            .collect();
        cases.retain(|(label, _)| *label == CaseLabel::Vector(id.clone()));
        if cases.is_empty() {
            let near = crate::suggest::did_you_mean(id, ids.iter().map(String::as_str))
                .map(|s| format!("{s} "))
                .unwrap_or_default();
            return Err(Error::usage(
                format!(
                    "no golden vector `{id}` for contract `{}` in {}",
                    contract.id(),
                    project.vectors_dir.display()
                ),
                Some(format!("{near}vector ids are listed in the vectors files; `cargo run -- vectors regen` writes them")),
            ));
        }
    } else if settings.only_case.is_none() && settings.use_corpus {
        for (path, case) in crate::corpus::load_contract(&project.corpus_dir, contract.id())? {
            cases.push((CaseLabel::Corpus(settings.spelling.path(&path)), case.input));
        }
    }
    Ok(cases)
}

/// A `repro` or `corpus prune`: saved cases and the implementation that replays them.
pub struct ReplayPlan {
    pub cases: Vec<(PathBuf, CorpusCase)>,
    pub implementation: ImplSpec,
}

impl ReplayPlan {
    /// `repro FILE [--impl ID]`: one corpus case, against the implementation it was found
    /// in unless another is named.
    pub fn one(
        project: &Project,
        file: &Path,
        implementation: Option<&str>,
    ) -> Result<ReplayPlan, Error> {
        let impls = project.impls()?;
        let case = crate::corpus::load(file)?;
        let id = implementation.unwrap_or(&case.implementation).to_owned();
        let spec = one_impl(&impls, &id)?;
        if !spec.contracts.contains(&case.contract) {
            return Err(Error::usage(
                format!(
                    "implementation `{id}` does not implement contract `{}`",
                    case.contract
                ),
                None,
            ));
        }
        Ok(ReplayPlan {
            cases: vec![(file.to_owned(), case)],
            implementation: spec,
        })
    }

    /// `corpus prune --impl ID`: every corpus case of `contracts` found in that
    /// implementation.
    pub fn found_in(
        project: &Project,
        implementation: &str,
        contracts: &[&'static dyn Contract],
    ) -> Result<ReplayPlan, Error> {
        let spec = one_impl(&project.impls()?, implementation)?;
        let cases = corpus_cases(project, contracts)?
            .into_iter()
            .filter(|(_, c)| c.implementation == implementation)
            .collect();
        Ok(ReplayPlan {
            cases,
            implementation: spec,
        })
    }
}

/// Every saved corpus case of `contracts`, by file.
pub fn corpus_cases(
    project: &Project,
    contracts: &[&'static dyn Contract],
) -> Result<Vec<(PathBuf, CorpusCase)>, Error> {
    let mut all = Vec::new();
    for contract in contracts {
        all.extend(crate::corpus::load_contract(
            &project.corpus_dir,
            contract.id(),
        )?);
    }
    Ok(all)
}

fn one_impl(impls: &Impls, id: &str) -> Result<ImplSpec, Error> {
    impls.select(&[id.to_owned()]).map(|mut v| v.remove(0))
}
