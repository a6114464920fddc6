//! The implementations config: which implementations exist, which contracts each
//! implements, and how to start its adapter. The harness's own (`adapters/impls.toml` in its
//! data folder) and a project's (`conformance.toml`) share one format; [`load`] reads and
//! merges them.

mod load;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::errors::Error;
use crate::run::setup::SetupSpec;
use crate::run::AdapterCommand;
pub(super) use load::ConfigText;

/// A generation profile, by its name on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileName {
    Normal,
    Hostile,
}

impl ProfileName {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileName::Normal => "normal",
            ProfileName::Hostile => "hostile",
        }
    }
}

/// The line that makes an implementation available, by contract.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fix {
    every: Option<String>,
    by_contract: BTreeMap<String, String>,
}

impl Fix {
    /// The line for `contract`.
    pub fn for_contract(&self, contract: &str) -> Option<String> {
        self.by_contract
            .get(contract)
            .or(self.every.as_ref())
            .cloned()
    }
}

/// One implementation, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImplSpec {
    pub id: String,
    pub language: String,
    pub description: String,
    pub contracts: Vec<String>,
    pub command: AdapterCommand,
    pub fix: Fix,
    pub mutant: bool,
    /// What a mutant is built to break: rules, and the profile whose inputs show it.
    pub breaks: Vec<String>,
    pub breaks_in: ProfileName,
    pub setup: Option<SetupSpec>,
}

impl ImplSpec {
    /// This implementation with its adapter running under time zone `zone` (its `TZ`).
    pub fn in_time_zone(mut self, zone: &str) -> ImplSpec {
        self.command.env.retain(|(key, _)| key != "TZ");
        self.command.env.push(("TZ".into(), zone.to_owned()));
        self
    }

    /// This implementation as `--coverage` runs it: one whose adapter starts on a plain
    /// interpreter (no setup) borrows the interpreter and setup of an implementation of
    /// `impls` that runs the same adapter through a setup (the managed venv, which has the
    /// measuring package); without one it is left as it is, and says coverage is unavailable.
    pub fn measurable(mut self, impls: &Impls) -> ImplSpec {
        if self.setup.is_some() {
            return self;
        }
        let same_adapter = |other: &&ImplSpec| {
            other.language == self.language
                && other.setup.is_some()
                && other.command.argv.get(1..) == self.command.argv.get(1..)
        };
        if let Some(donor) = impls.impls.values().find(same_adapter) {
            if let (Some(interpreter), Some(first)) =
                (donor.command.argv.first(), self.command.argv.first_mut())
            {
                first.clone_from(interpreter);
                self.setup.clone_from(&donor.setup);
            }
        }
        self
    }
}

/// Every implementation the configs name, by id.
#[derive(Debug, Clone)]
pub struct Impls {
    /// The built-in config.
    pub path: PathBuf,
    /// The project config, when there is one.
    pub project: Option<PathBuf>,
    pub impls: BTreeMap<String, ImplSpec>,
    /// The ids the project config declares.
    pub own: BTreeSet<String>,
}

/// Values for the placeholders an argv or env value may use.
pub struct Placeholders {
    pub root: PathBuf,
    pub python: String,
    pub node: String,
}

impl Placeholders {
    /// The placeholders of a project at `root`, with the interpreters found on PATH.
    pub fn for_root(root: &Path) -> Placeholders {
        Placeholders {
            root: root.to_owned(),
            python: "python3".into(),
            node: "node".into(),
        }
    }

    fn expand(&self, text: &str) -> String {
        text.replace("{root}", &self.root.to_string_lossy())
            .replace("{python}", &self.python)
            .replace("{node}", &self.node)
    }
}

impl Impls {
    /// The built-in config at `path` alone.
    pub fn load(path: &Path, placeholders: &Placeholders) -> Result<Impls, Error> {
        Impls::load_with(path, None, placeholders)
    }

    /// The implementations named by `--impl`. `all` is every one that is not a mutant: of
    /// the project config when it declares any, else of the harness's own.
    pub fn select(&self, names: &[String]) -> Result<Vec<ImplSpec>, Error> {
        let mut chosen: Vec<ImplSpec> = Vec::new();
        for name in names {
            if let Err(problem) = check_id(name) {
                return Err(Error::usage(
                    format!("--impl {name:?}: {problem}"),
                    Some(format!("{ID_RULE}; {}", self.known())),
                ));
            }
            let add: Vec<&ImplSpec> = if name == "all" {
                let own = |i: &&ImplSpec| self.own.is_empty() || self.own.contains(&i.id);
                self.impls
                    .values()
                    .filter(|i| !i.mutant)
                    .filter(own)
                    .collect()
            } else {
                vec![self.impls.get(name).ok_or_else(|| {
                    Error::usage(
                        format!("unknown implementation `{name}`"),
                        Some(self.known_near(name)),
                    )
                })?]
            };
            for spec in add {
                if !chosen.iter().any(|c| c.id == spec.id) {
                    chosen.push(spec.clone());
                }
            }
        }
        Ok(chosen)
    }

    /// Where the implementations come from and how to list them; every id is not listed,
    /// as there are dozens.
    fn known(&self) -> String {
        let from = match &self.project {
            Some(project) => format!("{} and {}", self.path.display(), project.display()),
            None => self.path.display().to_string(),
        };
        format!(
            "`harness doctor` lists the {} known implementations (from {from})",
            self.impls.len()
        )
    }

    /// [`Impls::known`], after the ids closest to `name` when any is close.
    pub fn known_near(&self, name: &str) -> String {
        let ids = self.impls.keys().map(String::as_str);
        match crate::suggest::did_you_mean(name, ids) {
            Some(suggestion) => format!("{suggestion} {}", self.known()),
            None => self.known(),
        }
    }
}

/// What an implementation or setup id may be, said where one is refused.
const ID_RULE: &str =
    "an id starts with an ASCII letter or digit and has only letters, digits, `-`, `_` and `.`";

/// Checks an implementation or setup id against [`ID_RULE`]. Ids become file names (bug
/// reports, setup stamps) and words of the commands the harness prints, so anything that
/// could leave a folder (`/`, `..`), hide a file (a leading `.`), read as a flag (a leading
/// `-`) or need quoting is refused, whether it comes from a config or the command line.
fn check_id(id: &str) -> Result<(), String> {
    let mut chars = id.chars();
    match chars.next() {
        None => return Err("an id cannot be empty".into()),
        Some(first) if !first.is_ascii_alphanumeric() => {
            return Err(format!("an id cannot start with {first:?}"))
        }
        Some(_) => {}
    }
    match chars.find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        Some(bad) => Err(format!("an id cannot contain {bad:?}")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
