//! `harness doctor`: where everything a run uses comes from and whether it is ready — the
//! data folder (a checkout or the embedded copy in the cache), the project config, Python
//! and Node, the adapters' set-ups (the managed venv, `node_modules`), and each
//! implementation, asked through its own adapter's hello whether it can run each of its
//! contracts, with the line that fixes it when not. It installs nothing: a set-up that has
//! not run yet is reported as such.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::data::{embedded_files, other_versions, DataDir};
use crate::errors::Error;
use crate::plan::{replay_runner, ImplSpec, Placeholders, Project};
use crate::run::setup::{SetupSpec, SetupState};

/// What `doctor` found.
pub struct Diagnosis {
    pub data: DataDir,
    /// Files of the embedded copy written by this call (0: they were in place).
    pub unpacked: usize,
    /// Data folders of other builds beside this one in the cache.
    pub other_versions: Vec<PathBuf>,
    pub config: Option<PathBuf>,
    pub reports_dir: PathBuf,
    pub corpus_dir: PathBuf,
    /// (program, its version line or why it was not found).
    pub tools: Vec<(String, Result<String, String>)>,
    pub setups: Vec<(SetupSpec, SetupState)>,
    pub impls: Vec<ImplHealth>,
    /// Built-in mutants, not started (they share their sample's adapter).
    pub mutants: usize,
}

/// One implementation: declared by the project or built in, and what its adapter said.
pub struct ImplHealth {
    pub spec: ImplSpec,
    pub own: bool,
    pub probe: Probe,
}

pub enum Probe {
    /// Its set-up (named) has not run, so its adapter was not asked: the first run that
    /// uses it sets it up.
    NotSetUp(String),
    /// Per contract, whether it can run.
    Asked(Vec<(String, Health)>),
}

pub enum Health {
    /// It runs, with this package and version when the adapter names one.
    Available(Option<String>),
    /// It does not: why, and the line that fixes it.
    Unavailable { reason: String, fix: Option<String> },
}

/// Looks at everything `project` would use.
pub fn diagnose(project: &Project) -> Result<Diagnosis, Error> {
    let unpacked = project.data.ready()?;
    let impls = project.impls()?;
    let placeholders = Placeholders::for_root(&project.data.root);
    let tools = [
        (placeholders.python.as_str(), "--version"),
        (placeholders.node.as_str(), "--version"),
        ("npm", "--version"),
    ]
    .iter()
    .map(|(program, flag)| (program.to_string(), version_of(program, flag)))
    .collect();
    let mut setups: Vec<(SetupSpec, SetupState)> = Vec::new();
    for setup in impls.impls.values().filter_map(|i| i.setup.as_ref()) {
        if !setups.iter().any(|(s, _)| s.name == setup.name) {
            setups.push((setup.clone(), setup.state()));
        }
    }
    // Yours first, then the built-in ones; mutants of the samples are only counted.
    let mut probed: Vec<(ImplSpec, bool)> = impls
        .impls
        .values()
        .filter(|i| impls.own.contains(&i.id))
        .map(|i| (i.clone(), true))
        .collect();
    probed.extend(
        impls
            .impls
            .values()
            .filter(|i| !impls.own.contains(&i.id) && !i.mutant)
            .map(|i| (i.clone(), false)),
    );
    let mutants = impls
        .impls
        .values()
        .filter(|i| !impls.own.contains(&i.id) && i.mutant)
        .count();
    let runtime = crate::run::runtime()?;
    let healths = runtime.block_on(futures_util::future::join_all(
        probed.iter().map(|(spec, _)| health(spec)),
    ));
    Ok(Diagnosis {
        other_versions: other_versions(&project.data),
        data: project.data.clone(),
        unpacked,
        config: project.config.as_ref().map(|c| c.path.clone()),
        reports_dir: project.reports_dir.clone(),
        corpus_dir: project.corpus_dir.clone(),
        tools,
        setups,
        impls: probed
            .into_iter()
            .zip(healths)
            .map(|((spec, own), probe)| ImplHealth { spec, own, probe })
            .collect(),
        mutants,
    })
}

/// Each contract of `spec`, as its adapter's hello tells it.
async fn health(spec: &ImplSpec) -> Probe {
    let each = |health: &dyn Fn(&str) -> Health| {
        Probe::Asked(
            spec.contracts
                .iter()
                .map(|c| (c.clone(), health(c)))
                .collect(),
        )
    };
    if let Some(setup) = &spec.setup {
        if setup.state() != SetupState::Ready {
            return Probe::NotSetUp(setup.name.clone());
        }
    }
    let (mut session, hello) = match crate::run::start(&spec.command, None, &replay_runner()).await
    {
        Ok(started) => started,
        Err(e) => {
            let reason = format!("its adapter does not start: {e}");
            return each(&|c| Health::Unavailable {
                reason: reason.clone(),
                fix: spec.fix.for_contract(c),
            });
        }
    };
    session.close().await;
    each(&|c| {
        if hello.contracts.iter().any(|offered| offered == c) {
            Health::Available(
                hello
                    .implementations
                    .get(c)
                    .map(|p| format!("{} {}", p.name, p.version)),
            )
        } else {
            Health::Unavailable {
                reason: hello
                    .unavailable
                    .get(c)
                    .cloned()
                    .unwrap_or_else(|| format!("the adapter does not offer contract `{c}`")),
                fix: spec.fix.for_contract(c),
            }
        }
    })
}

/// The first line `program flag` prints, or why it could not run.
fn version_of(program: &str, flag: &str) -> Result<String, String> {
    let output = Command::new(program)
        .arg(flag)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("not found ({e})"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().next().unwrap_or("").trim().to_owned();
    match (output.status.success(), line.is_empty()) {
        (true, false) => Ok(format!("{line}{}", located(program))),
        _ => Err(format!("`{program} {flag}` failed ({})", output.status)),
    }
}

/// ` (PATH)` of a program found on PATH.
fn located(program: &str) -> String {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .map(|p| format!(" ({})", p.display()))
        .unwrap_or_default()
}

impl Diagnosis {
    /// The diagnosis as the terminal shows it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "harness {}", env!("CARGO_PKG_VERSION"));
        let _ = writeln!(out, "\ndata folder     {}", self.data.root.display());
        let _ = writeln!(out, "                {}", self.data.describe());
        if self.data.origin == crate::data::Origin::Embedded {
            let _ = writeln!(
                out,
                "                {} files, {} now",
                embedded_files(),
                match self.unpacked {
                    0 => "all in place".to_owned(),
                    n => format!("{n} written"),
                }
            );
            for other in &self.other_versions {
                let _ = writeln!(
                    out,
                    "                another build's folder, unused: {}",
                    other.display()
                );
            }
        }
        let config = self.config.as_deref().map_or_else(
            || "none (no conformance.toml here or above; see docs/config.md)".to_owned(),
            |p| p.display().to_string(),
        );
        let _ = writeln!(out, "project config  {config}");
        let _ = writeln!(out, "reports         {}", self.reports_dir.display());
        let _ = writeln!(out, "corpus          {}", self.corpus_dir.display());
        out.push('\n');
        for (program, found) in &self.tools {
            let shown = found.as_ref().unwrap_or_else(|why| why);
            let _ = writeln!(out, "{program:<15} {shown}");
        }
        out.push('\n');
        for (setup, state) in &self.setups {
            let state = match state {
                SetupState::Ready => "ready".to_owned(),
                SetupState::NotYet => "not yet: the first run that needs it sets it up".into(),
                SetupState::Stale => "out of date: the next run that needs it redoes it".into(),
                SetupState::Broken(why) => format!("broken: {why}"),
            };
            let _ = writeln!(out, "setup {:<9} {state}", setup.name);
            let _ = writeln!(out, "                {}", setup.describe());
        }
        out.push_str("\nimplementations\n");
        for health in &self.impls {
            render_impl(&mut out, health, &self.data.root);
        }
        if self.mutants > 0 {
            let _ = writeln!(
                out,
                "  and {} mutants of the samples (deliberately broken; `harness verify --impl ID`)",
                self.mutants
            );
        }
        out
    }
}

fn render_impl(out: &mut String, health: &ImplHealth, data: &Path) {
    let spec = &health.spec;
    let whose = if health.own { "yours" } else { "built in" };
    let _ = writeln!(out, "  {} ({}, {whose})", spec.id, spec.language);
    let contracts = match &health.probe {
        Probe::Asked(contracts) => contracts,
        Probe::NotSetUp(setup) => {
            let _ = writeln!(
                out,
                "    {}: set up on first use (setup {setup}, in {})",
                spec.contracts.join(", "),
                data.display()
            );
            return;
        }
    };
    for (contract, state) in contracts {
        match state {
            Health::Available(package) => {
                let package = package
                    .as_deref()
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default();
                let _ = writeln!(out, "    {contract}: available{package}");
            }
            Health::Unavailable { reason, fix } => {
                let reason = reason.lines().next().unwrap_or_default();
                let _ = writeln!(out, "    {contract}: unavailable: {reason}");
                if let Some(fix) = fix {
                    let _ = writeln!(out, "      fix: {fix}");
                }
            }
        }
    }
}
