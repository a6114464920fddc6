//! The implementations config (`adapters/impls.toml`): which implementations exist, which
//! contracts each implements, and how to start its adapter.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::errors::{known_contracts, Error};
use crate::run::setup::{stamp_path, SetupSpec};
use crate::run::AdapterCommand;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    // Keys keep their place in the file, so a bad id can be shown by its line.
    #[serde(rename = "impl", default)]
    impls: BTreeMap<Spanned<String>, RawImpl>,
    #[serde(default)]
    setup: BTreeMap<Spanned<String>, RawSetup>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSetup {
    dir: String,
    steps: Vec<Vec<String>>,
    inputs: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImpl {
    /// Another entry whose fields this one starts from (its env is merged, not replaced).
    extends: Option<String>,
    language: Option<String>,
    description: Option<String>,
    contracts: Option<Vec<String>>,
    argv: Option<Vec<String>>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    /// The one line that makes the implementation available, shown when it is not: one
    /// line for every contract, or a table of lines by contract id.
    fix: Option<RawFix>,
    /// A deliberately broken variant, left out of `--impl all`.
    #[serde(default)]
    mutant: bool,
    /// The rules a mutant is built to break.
    #[serde(default)]
    breaks: Vec<String>,
    /// The profile whose inputs show the mutant's bug (`normal` when absent).
    #[serde(rename = "breaks-in")]
    breaks_in: Option<ProfileName>,
    /// The `[setup.NAME]` the adapter needs before it can start.
    setup: Option<String>,
}

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

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawFix {
    Every(String),
    ByContract(BTreeMap<String, String>),
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
}

/// Every implementation the config names, by id.
#[derive(Debug, Clone)]
pub struct Impls {
    pub path: PathBuf,
    pub impls: BTreeMap<String, ImplSpec>,
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
    pub fn load(path: &Path, placeholders: &Placeholders) -> Result<Impls, Error> {
        let input_error = |message: String, hint: Option<String>| Error::Input {
            path: path.to_owned(),
            message,
            hint,
        };
        let text = std::fs::read_to_string(path).map_err(|e| {
            input_error(
                format!("cannot read the implementations config: {e}"),
                Some("pass --config PATH, or run from the repository root".into()),
            )
        })?;
        let file: ConfigFile = toml::from_str(&text)
            .map_err(|e| input_error(format!("malformed config: {e}"), None))?;
        let names =
            (file.impls.keys().map(|k| ("impl", k))).chain(file.setup.keys().map(|k| ("setup", k)));
        for (table, name) in names {
            if let Err(problem) = check_id(name.as_ref()) {
                let line = text[..name.span().start.min(text.len())]
                    .matches('\n')
                    .count()
                    + 1;
                return Err(input_error(
                    format!("line {line}: [{table}.{:?}]: {problem}", name.as_ref()),
                    Some(format!("rename it: {ID_RULE}")),
                ));
            }
        }
        let (raw_impls, setups) = (unspanned(file.impls), unspanned(file.setup));
        let mut impls = BTreeMap::new();
        for id in raw_impls.keys() {
            let raw = flatten(&raw_impls, id).map_err(|m| input_error(m, None))?;
            let missing = |field: &str| {
                input_error(
                    format!("[impl.{id}] has no `{field}`"),
                    Some(format!("add `{field} = …` to [impl.{id}]")),
                )
            };
            let argv: Vec<String> = raw
                .argv
                .ok_or_else(|| missing("argv"))?
                .iter()
                .map(|a| placeholders.expand(a))
                .collect();
            if argv.is_empty() {
                return Err(input_error(format!("[impl.{id}] has an empty argv"), None));
            }
            let contracts = raw.contracts.ok_or_else(|| missing("contracts"))?;
            for contract in &contracts {
                if reference::contract(contract).is_none() {
                    return Err(input_error(
                        format!("[impl.{id}] names unknown contract `{contract}`"),
                        Some(format!("known contracts: {}", known_contracts())),
                    ));
                }
            }
            for rule in &raw.breaks {
                let known = contracts
                    .iter()
                    .filter_map(|c| reference::contract(c))
                    .any(|c| c.rule(rule).is_some());
                if !known {
                    return Err(input_error(
                        format!("[impl.{id}] breaks `{rule}`, which no contract it implements has"),
                        Some(format!(
                            "its contracts' rules: {}",
                            contracts
                                .iter()
                                .filter_map(|c| reference::contract(c))
                                .flat_map(|c| c.rules().iter().map(|r| r.id))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    ));
                }
            }
            if !raw.mutant && (!raw.breaks.is_empty() || raw.breaks_in.is_some()) {
                return Err(input_error(
                    format!("[impl.{id}] has `breaks` but is not a mutant"),
                    Some(format!("add `mutant = true` to [impl.{id}]")),
                ));
            }
            let spec = ImplSpec {
                id: id.clone(),
                language: raw.language.ok_or_else(|| missing("language"))?,
                description: raw.description.unwrap_or_default(),
                contracts,
                command: AdapterCommand {
                    argv,
                    env: raw
                        .env
                        .iter()
                        .map(|(k, v)| (k.clone(), placeholders.expand(v)))
                        .collect(),
                    cwd: placeholders.root.clone(),
                },
                fix: match raw.fix {
                    None => Fix::default(),
                    Some(RawFix::Every(line)) => Fix {
                        every: Some(placeholders.expand(&line)),
                        by_contract: BTreeMap::new(),
                    },
                    Some(RawFix::ByContract(lines)) => Fix {
                        every: None,
                        by_contract: lines
                            .iter()
                            .map(|(contract, line)| (contract.clone(), placeholders.expand(line)))
                            .collect(),
                    },
                },
                mutant: raw.mutant,
                breaks: raw.breaks.clone(),
                breaks_in: raw.breaks_in.unwrap_or(ProfileName::Normal),
                setup: match &raw.setup {
                    None => None,
                    Some(name) => {
                        let setup = setups.get(name).ok_or_else(|| {
                            input_error(
                                format!("[impl.{id}] names unknown setup `{name}`"),
                                Some(format!("declare it as [setup.{name}]")),
                            )
                        })?;
                        Some(SetupSpec {
                            name: name.clone(),
                            dir: PathBuf::from(placeholders.expand(&setup.dir)),
                            steps: setup
                                .steps
                                .iter()
                                .map(|step| step.iter().map(|a| placeholders.expand(a)).collect())
                                .collect(),
                            inputs: setup
                                .inputs
                                .iter()
                                .map(|i| PathBuf::from(placeholders.expand(i)))
                                .collect(),
                            stamp: stamp_path(&placeholders.root, name),
                        })
                    }
                },
            };
            impls.insert(id.clone(), spec);
        }
        Ok(Impls {
            path: path.to_owned(),
            impls,
        })
    }

    /// The implementations named by `--impl` (`all` = every one that is not a mutant).
    pub fn select(&self, names: &[String]) -> Result<Vec<ImplSpec>, Error> {
        let mut chosen: Vec<ImplSpec> = Vec::new();
        for name in names {
            if let Err(problem) = check_id(name) {
                return Err(Error::usage(
                    format!("--impl {name:?}: {problem}"),
                    Some(format!(
                        "{ID_RULE}; known implementations (from {}): {}",
                        self.path.display(),
                        self.impls.keys().cloned().collect::<Vec<_>>().join(", ")
                    )),
                ));
            }
            let add: Vec<&ImplSpec> = if name == "all" {
                self.impls.values().filter(|i| !i.mutant).collect()
            } else {
                vec![self.impls.get(name).ok_or_else(|| {
                    Error::usage(
                        format!("unknown implementation `{name}`"),
                        Some(format!(
                            "known implementations (from {}): {}",
                            self.path.display(),
                            self.impls.keys().cloned().collect::<Vec<_>>().join(", ")
                        )),
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

/// A table of the config by id, once its ids are checked.
fn unspanned<T>(table: BTreeMap<Spanned<String>, T>) -> BTreeMap<String, T> {
    table
        .into_iter()
        .map(|(k, v)| (k.into_inner(), v))
        .collect()
}

/// Applies `extends` chains: fields of the entry win over those it extends.
fn flatten(all: &BTreeMap<String, RawImpl>, id: &str) -> Result<RawImpl, String> {
    let mut chain = vec![id.to_owned()];
    let mut raw = all[id].clone();
    while let Some(parent_id) = raw.extends.take() {
        if chain.contains(&parent_id) {
            return Err(format!(
                "[impl.{id}] extends itself through {}",
                chain.join(" -> ")
            ));
        }
        let parent = all.get(&parent_id).ok_or_else(|| {
            format!(
                "[impl.{}] extends unknown implementation `{parent_id}`",
                chain.last().map(String::as_str).unwrap_or(id)
            )
        })?;
        chain.push(parent_id);
        let mut env = parent.env.clone();
        env.extend(std::mem::take(&mut raw.env));
        raw = RawImpl {
            extends: parent.extends.clone(),
            language: raw.language.or_else(|| parent.language.clone()),
            description: raw.description.or_else(|| parent.description.clone()),
            contracts: raw.contracts.or_else(|| parent.contracts.clone()),
            argv: raw.argv.or_else(|| parent.argv.clone()),
            env,
            fix: raw.fix.or_else(|| parent.fix.clone()),
            mutant: raw.mutant,
            breaks: raw.breaks,
            breaks_in: raw.breaks_in,
            setup: raw.setup.or_else(|| parent.setup.clone()),
        };
    }
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders() -> Placeholders {
        Placeholders {
            root: PathBuf::from("/repo"),
            python: "python3".into(),
            node: "node".into(),
        }
    }

    fn load(text: &str) -> Result<Impls, Error> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("impls.toml");
        std::fs::write(&path, text).unwrap();
        Impls::load(&path, &placeholders())
    }

    #[test]
    fn extends_merges_env_and_expands_placeholders() {
        let impls = load(
            r#"
            [impl.base]
            language = "python"
            contracts = ["budget"]
            argv = ["{python}", "{root}/adapters/py/adapter.py"]
            env = { A = "{root}/a", B = "b" }
            [impl.child]
            extends = "base"
            mutant = true
            env = { B = "override" }
            "#,
        )
        .unwrap();
        let child = &impls.impls["child"];
        assert_eq!(
            child.command.argv,
            ["python3", "/repo/adapters/py/adapter.py"]
        );
        assert_eq!(
            child.command.env,
            [
                ("A".to_owned(), "/repo/a".to_owned()),
                ("B".to_owned(), "override".to_owned())
            ]
        );
        assert!(child.mutant && !impls.impls["base"].mutant);
        let all: Vec<String> = impls
            .select(&["all".into()])
            .unwrap()
            .into_iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(all, ["base"]);
    }

    #[test]
    fn malformed_configs_name_the_file_and_the_problem() {
        let err = load("[impl.x]\nlanguage = \"python\"\ncontracts = [\"budget\"]\nargv = [\n")
            .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.to_string().contains("impls.toml") && err.to_string().contains("line"),
            "{err}"
        );
        let err = load("[impl.x]\nlanguage = \"python\"\ncontracts = [\"nope\"]\nargv = [\"a\"]\n")
            .unwrap_err();
        assert!(err.to_string().contains("unknown contract `nope`"), "{err}");
        let err = load("[impl.x]\nextends = \"y\"\n[impl.y]\nextends = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("extends itself"), "{err}");
        let err = load("[impl.x]\nlanguage = \"python\"\ncontracts = [\"budget\"]\n").unwrap_err();
        assert!(err.to_string().contains("has no `argv`"), "{err}");
        let err =
            load("[impl.x]\nlanguage = \"python\"\ncontracts = []\nargv = [\"a\"]\ncolour = 1\n")
                .unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }

    #[test]
    fn breaks_must_name_rules_of_a_mutants_own_contracts() {
        let base = "[impl.m]\nlanguage = \"python\"\ncontracts = [\"migrate\"]\nargv = [\"a\"]\n";
        let ok = load(&format!(
            "{base}mutant = true\nbreaks = [\"MIG-PATH\"]\nbreaks-in = \"hostile\"\n"
        ))
        .unwrap();
        assert_eq!(ok.impls["m"].breaks, ["MIG-PATH"]);
        assert_eq!(ok.impls["m"].breaks_in, ProfileName::Hostile);
        let err = load(&format!("{base}mutant = true\nbreaks = [\"BUDGET-OK\"]\n")).unwrap_err();
        assert!(err.to_string().contains("breaks `BUDGET-OK`"), "{err}");
        assert!(err.hint().unwrap().contains("MIG-PATH"));
        let err = load(&format!("{base}breaks = [\"MIG-PATH\"]\n")).unwrap_err();
        assert!(err.to_string().contains("not a mutant"), "{err}");
    }

    #[test]
    fn ids_that_could_leave_a_folder_or_need_quoting_are_refused() {
        for good in ["py", "py-sample", "ts_2.0", "3rd"] {
            assert_eq!(check_id(good), Ok(()), "{good}");
        }
        for bad in [
            "", ".", "..", "../../x", "a/b", "a\\b", ".hidden", "-x", "a b", "a;b", "é",
        ] {
            assert!(check_id(bad).is_err(), "{bad:?} is refused");
        }
    }

    #[test]
    fn a_bad_id_in_a_config_names_its_line_and_the_rule() {
        let body = "language = \"python\"\ncontracts = [\"budget\"]\nargv = [\"a\"]\n";
        let err = load(&format!("[impl.ok]\n{body}\n[impl.\"../../x\"]\n{body}")).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let message = err.to_string();
        assert!(
            message.contains("impls.toml: line 6:") && message.contains("\"../../x\""),
            "{message}"
        );
        assert!(err.hint().unwrap().contains("letters, digits"), "{err:?}");
        let err = load(&format!("[impl.ok]\n{body}setup = \"a/b\"\n[setup.\"a/b\"]\ndir = \"d\"\nsteps = []\ninputs = []\n"))
            .unwrap_err();
        assert!(err.to_string().contains("line 6: [setup.\"a/b\"]"), "{err}");
    }

    #[test]
    fn a_bad_id_on_the_command_line_is_a_usage_error() {
        let impls =
            load("[impl.a]\nlanguage = \"python\"\ncontracts = [\"budget\"]\nargv = [\"x\"]\n")
                .unwrap();
        let err = impls.select(&["../../x".into()]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--impl \"../../x\""), "{err}");
        assert!(err.hint().unwrap().contains("letters, digits"), "{err:?}");
    }

    #[test]
    fn unknown_impl_is_a_usage_error_listing_the_known_ones() {
        let impls =
            load("[impl.a]\nlanguage = \"python\"\ncontracts = [\"budget\"]\nargv = [\"x\"]\n")
                .unwrap();
        let err = impls.select(&["b".into()]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.hint().unwrap().contains("a"));
    }
}
