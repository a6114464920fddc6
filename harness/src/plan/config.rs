//! The project config: `conformance.toml` in the user's repository, found by walking up from
//! the current directory (`--config FILE` names another). It declares the user's own
//! implementations in the format of the built-in `adapters/impls.toml` — usually a
//! `language`, its `contracts` and a `source` relative to the file, which the language's
//! adapter runs — and a run's `[defaults]`, which flags given on the command line override.
//! docs/config.md documents every field.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::impls::{ConfigText, ProfileName};
use crate::errors::{contract_hint, Error};

/// The project config's file name.
pub const FILE_NAME: &str = "conformance.toml";

/// `[defaults]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDefaults {
    #[serde(default)]
    pub impls: Vec<Spanned<String>>,
    #[serde(default)]
    contracts: Vec<Spanned<String>>,
    cases: Option<u64>,
    seed: Option<u64>,
    profile: Option<ProfileName>,
    baseline: Option<String>,
    reports: Option<String>,
    corpus: Option<String>,
}

/// A run's defaults from the project config, its paths made absolute (relative ones start
/// from the config file's folder).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Defaults {
    /// `--impl` (empty: every implementation the config declares).
    pub impls: Vec<String>,
    /// `--contract` (empty: every contract of the implementations).
    pub contracts: Vec<String>,
    pub cases: Option<u64>,
    pub seed: Option<u64>,
    pub profile: Option<ProfileName>,
    pub baseline: Option<PathBuf>,
    pub reports: Option<PathBuf>,
    pub corpus: Option<PathBuf>,
}

/// A project config, read.
#[derive(Debug, Clone)]
pub struct ProjectConfig {
    pub path: PathBuf,
    pub defaults: Defaults,
    /// Its implementations, merged with the built-in ones when they are loaded.
    pub(super) text: ConfigText,
}

impl ProjectConfig {
    /// The nearest `conformance.toml` in `dir` or a folder above it.
    pub fn find(dir: &Path) -> Option<PathBuf> {
        dir.ancestors()
            .map(|d| d.join(FILE_NAME))
            .find(|p| p.is_file())
    }

    /// Reads the config at `path` (absolute) and checks its defaults.
    pub fn load(path: &Path) -> Result<ProjectConfig, Error> {
        let text = ConfigText::read(
            path,
            "pass --config with an existing file, or remove the flag to use the conformance.toml found above the current directory",
        )?;
        let raw = &text.file.defaults;
        for contract in &raw.contracts {
            if reference::contract(contract.get_ref()).is_none() {
                return Err(text.error(
                    text.line(contract.span().start),
                    format!(
                        "[defaults] contracts names unknown contract `{}`",
                        contract.get_ref()
                    ),
                    Some(contract_hint(contract.get_ref())),
                ));
            }
        }
        let dir = text.dir();
        let path_of = |field: &Option<String>| field.as_ref().map(|p| dir.join(p));
        let defaults = Defaults {
            impls: raw.impls.iter().map(|i| i.get_ref().clone()).collect(),
            contracts: raw.contracts.iter().map(|c| c.get_ref().clone()).collect(),
            cases: raw.cases,
            seed: raw.seed,
            profile: raw.profile,
            baseline: path_of(&raw.baseline),
            reports: path_of(&raw.reports),
            corpus: path_of(&raw.corpus),
        };
        Ok(ProjectConfig {
            path: path.to_owned(),
            defaults,
            text,
        })
    }

    /// The folder the config is in.
    pub fn dir(&self) -> &Path {
        self.text.dir()
    }
}
