//! Reading implementations configs: the built-in `adapters/impls.toml` and a project's
//! `conformance.toml` share one format. Their tables are merged by id (an id may be declared
//! once), `extends` chains are applied across both, and every entry becomes an [`ImplSpec`].
//! An entry with a `source` and no `argv` is run by its language's adapter
//! (`[language.NAME]`), whose binding for each contract reads the source from the variable
//! the language names. Every error names the file and the line of the entry.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{check_id, Fix, ImplSpec, Impls, Placeholders, ProfileName, ID_RULE};
use crate::errors::{contract_hint, Error};
use crate::plan::config::RawDefaults;
use crate::run::setup::{stamp_path, SetupSpec};
use crate::run::AdapterCommand;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::plan) struct ConfigFile {
    // Keys keep their place in the file, so an entry can be shown by its line.
    #[serde(rename = "impl", default)]
    impls: BTreeMap<Spanned<String>, RawImpl>,
    #[serde(default)]
    setup: BTreeMap<Spanned<String>, RawSetup>,
    #[serde(default)]
    language: BTreeMap<Spanned<String>, RawLanguage>,
    /// A project's run defaults (`crate::plan::config`).
    #[serde(default)]
    pub(in crate::plan) defaults: RawDefaults,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSetup {
    dir: String,
    steps: Vec<Vec<String>>,
    inputs: Vec<String>,
    #[serde(default)]
    creates: Vec<String>,
}

/// How an entry with a `source` is run: its language's adapter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLanguage {
    argv: Vec<String>,
    setup: Option<String>,
    /// By contract, the variable the adapter's binding reads the source from.
    sources: BTreeMap<String, String>,
    /// By contract, what that source must be (said when it is not).
    #[serde(default)]
    expects: BTreeMap<String, String>,
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
    /// Where the implementation's source is, relative to the file: one path for every
    /// contract, or a table by contract. Made absolute as the file is read.
    source: Option<Spanned<RawSource>>,
    /// The one line that makes the implementation available, shown when it is not: one
    /// line for every contract, or a table of lines by contract id.
    fix: Option<RawSource>,
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

/// A text for every contract, or a table of texts by contract id.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawSource {
    Every(String),
    ByContract(BTreeMap<String, String>),
}

impl RawSource {
    fn for_contract(&self, contract: &str) -> Option<&String> {
        match self {
            RawSource::Every(text) => Some(text),
            RawSource::ByContract(table) => table.get(contract),
        }
    }
}

/// One config file, read and parsed, with its text for line numbers.
#[derive(Debug, Clone)]
pub(in crate::plan) struct ConfigText {
    pub path: PathBuf,
    text: String,
    pub file: ConfigFile,
}

impl ConfigText {
    /// Reads and parses `path`; `hint` says what to do when it cannot be read.
    pub fn read(path: &Path, hint: &str) -> Result<ConfigText, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Input {
            path: path.to_owned(),
            message: format!("cannot read the config: {e}"),
            hint: Some(hint.to_owned()),
        })?;
        // toml's message names the line and column and shows the line.
        let file = toml::from_str(&text).map_err(|e| Error::Input {
            path: path.to_owned(),
            message: format!("malformed config: {e}"),
            hint: Some("docs/config.md describes every table and field".into()),
        })?;
        Ok(ConfigText {
            path: path.to_owned(),
            text,
            file,
        })
    }

    /// The line of the file at byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
            + 1
    }

    /// An error in this file at `line`.
    pub fn error(&self, line: usize, message: String, hint: Option<String>) -> Error {
        Error::Input {
            path: self.path.clone(),
            message: format!("line {line}: {message}"),
            hint,
        }
    }

    /// The folder relative paths in this file start from.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

/// An entry of one of the files, and where it is declared.
struct Declared<'f, T> {
    value: T,
    file: &'f ConfigText,
    line: usize,
}

impl<T> Declared<'_, T> {
    fn error(&self, message: String, hint: Option<String>) -> Error {
        self.file.error(self.line, message, hint)
    }
}

/// The entries of one table of every file, by id: each id checked and declared once.
fn merge<'f, T: Clone>(
    files: &[&'f ConfigText],
    kind: &str,
    table: impl Fn(&ConfigFile) -> &BTreeMap<Spanned<String>, T>,
) -> Result<BTreeMap<String, Declared<'f, T>>, Error> {
    let mut merged: BTreeMap<String, Declared<'f, T>> = BTreeMap::new();
    for file in files {
        for (name, value) in table(&file.file) {
            let line = file.line(name.span().start);
            let id = name.get_ref();
            check_id(id).map_err(|problem| {
                file.error(
                    line,
                    format!("[{kind}.{id:?}]: {problem}"),
                    Some(format!("rename it: {ID_RULE}")),
                )
            })?;
            if let Some(first) = merged.get(id) {
                return Err(file.error(
                    line,
                    format!(
                        "[{kind}.{id}] is declared already, in {} (line {})",
                        first.file.path.display(),
                        first.line
                    ),
                    Some(format!("give [{kind}.{id}] another id")),
                ));
            }
            let value = value.clone();
            merged.insert(id.clone(), Declared { value, file, line });
        }
    }
    Ok(merged)
}

impl Impls {
    /// The built-in config at `builtin`, with a project's own entries when there is one.
    pub(in crate::plan) fn load_with(
        builtin: &Path,
        project: Option<&ConfigText>,
        placeholders: &Placeholders,
    ) -> Result<Impls, Error> {
        let builtin = ConfigText::read(
            builtin,
            "the harness's own config is missing: `harness doctor` shows where it reads it from",
        )?;
        let files: Vec<&ConfigText> = std::iter::once(&builtin).chain(project).collect();
        let mut raws = merge(&files, "impl", |f| &f.impls)?;
        let setups = merge(&files, "setup", |f| &f.setup)?;
        let languages = merge(&files, "language", |f| &f.language)?;
        for raw in raws.values_mut() {
            absolute_source(raw)?;
        }
        let plain: BTreeMap<String, RawImpl> = raws
            .iter()
            .map(|(id, d)| (id.clone(), d.value.clone()))
            .collect();
        let mut impls = BTreeMap::new();
        for (id, declared) in &raws {
            let raw = flatten(&plain, id).map_err(|m| declared.error(m, None))?;
            let spec = build(id, raw, declared, &setups, &languages, placeholders)?;
            impls.insert(id.clone(), spec);
        }
        let own: BTreeSet<String> = raws
            .iter()
            .filter(|(_, d)| project.is_some_and(|p| std::ptr::eq(d.file, p)))
            .map(|(id, _)| id.clone())
            .collect();
        if let Some(project) = project {
            for name in &project.file.defaults.impls {
                if name.get_ref() != "all" && !impls.contains_key(name.get_ref()) {
                    return Err(project.error(
                        project.line(name.span().start),
                        format!(
                            "[defaults] impls names unknown implementation `{}`",
                            name.get_ref()
                        ),
                        Some(format!(
                            "declare it as [impl.{}], or name a known one{}",
                            name.get_ref(),
                            crate::suggest::did_you_mean(
                                name.get_ref(),
                                impls.keys().map(String::as_str)
                            )
                            .map(|s| format!(": {s}"))
                            .unwrap_or_default()
                        )),
                    ));
                }
            }
        }
        Ok(Impls {
            path: builtin.path.clone(),
            project: project.map(|p| p.path.clone()),
            impls,
            own,
        })
    }
}

/// Makes an entry's `source` paths absolute (relative paths start from its file's folder)
/// and checks that they exist.
fn absolute_source(raw: &mut Declared<'_, RawImpl>) -> Result<(), Error> {
    let Some(source) = &raw.value.source else {
        return Ok(());
    };
    let line = raw.file.line(source.span().start);
    let dir = raw.file.dir();
    let absolute = |text: &String| -> Result<String, Error> {
        let path = std::path::absolute(dir.join(text)).unwrap_or_else(|_| dir.join(text));
        if !path.exists() {
            return Err(raw.file.error(
                line,
                format!("source {text:?}: {} does not exist", path.display()),
                Some(format!(
                    "a source is relative to the folder of {}; point it at your implementation (docs/config.md says what each contract's binding expects)",
                    raw.file.path.display()
                )),
            ));
        }
        Ok(path.to_string_lossy().into_owned())
    };
    let resolved = match source.get_ref() {
        RawSource::Every(text) => RawSource::Every(absolute(text)?),
        RawSource::ByContract(table) => RawSource::ByContract(
            table
                .iter()
                .map(|(contract, text)| Ok((contract.clone(), absolute(text)?)))
                .collect::<Result<_, Error>>()?,
        ),
    };
    let span = source.span();
    raw.value.source = Some(Spanned::new(span, resolved));
    Ok(())
}

/// One entry, its `extends` applied, as the spec the engine runs.
fn build(
    id: &str,
    raw: RawImpl,
    declared: &Declared<'_, RawImpl>,
    setups: &BTreeMap<String, Declared<'_, RawSetup>>,
    languages: &BTreeMap<String, Declared<'_, RawLanguage>>,
    placeholders: &Placeholders,
) -> Result<ImplSpec, Error> {
    let missing = |field: &str| {
        declared.error(
            format!("[impl.{id}] has no `{field}`"),
            Some(format!("add `{field} = …` to [impl.{id}]")),
        )
    };
    let language = raw.language.clone().ok_or_else(|| missing("language"))?;
    let adapter = languages.get(&language).map(|d| &d.value);
    // An entry without an argv is run by its language's adapter, and set up as it is.
    let (argv, setup) = match (raw.argv, adapter) {
        (Some(argv), _) => (argv, raw.setup),
        (None, Some(adapter)) => (adapter.argv.clone(), raw.setup.or(adapter.setup.clone())),
        (None, None) => {
            return Err(declared.error(
                format!(
                    "[impl.{id}] has no `argv`, and language `{language}` has no built-in adapter"
                ),
                Some(format!(
                    "add `argv = …` to [impl.{id}], or use a language with an adapter: {}",
                    languages.keys().cloned().collect::<Vec<_>>().join(", ")
                )),
            ))
        }
    };
    let argv: Vec<String> = argv.iter().map(|a| placeholders.expand(a)).collect();
    if argv.is_empty() {
        return Err(declared.error(format!("[impl.{id}] has an empty argv"), None));
    }
    let contracts = raw.contracts.ok_or_else(|| missing("contracts"))?;
    check_contracts(id, &contracts, &raw.breaks, declared)?;
    if !raw.mutant && (!raw.breaks.is_empty() || raw.breaks_in.is_some()) {
        return Err(declared.error(
            format!("[impl.{id}] has `breaks` but is not a mutant"),
            Some(format!("add `mutant = true` to [impl.{id}]")),
        ));
    }
    let mut env: Vec<(String, String)> = raw
        .env
        .iter()
        .map(|(k, v)| (k.clone(), placeholders.expand(v)))
        .collect();
    let mut fix = match raw.fix {
        None => Fix::default(),
        Some(RawSource::Every(line)) => Fix {
            every: Some(placeholders.expand(&line)),
            by_contract: BTreeMap::new(),
        },
        Some(RawSource::ByContract(lines)) => Fix {
            every: None,
            by_contract: lines
                .iter()
                .map(|(contract, line)| (contract.clone(), placeholders.expand(line)))
                .collect(),
        },
    };
    if let Some(source) = &raw.source {
        let adapter = adapter.ok_or_else(|| {
            declared.error(
                format!("[impl.{id}] has a `source`, but language `{language}` has no built-in adapter to run it"),
                Some(format!("use one of: {}", languages.keys().cloned().collect::<Vec<_>>().join(", "))),
            )
        })?;
        let vars = source_vars(
            (id, &language),
            &contracts,
            source.get_ref(),
            adapter,
            declared,
        )?;
        for var in vars {
            env.retain(|(key, _)| *key != var.variable);
            env.push((var.variable, var.path));
            // The adapter says what is wrong with the source; the fix is where to change it.
            if fix.every.is_none() && !fix.by_contract.contains_key(&var.contract) {
                let line = format!(
                    "edit `source` of [impl.{id}] in {}: it must be {}",
                    declared.file.path.display(),
                    var.expects
                );
                fix.by_contract.insert(var.contract, line);
            }
        }
    }
    Ok(ImplSpec {
        id: id.to_owned(),
        language,
        description: raw.description.unwrap_or_default(),
        contracts,
        command: AdapterCommand {
            argv,
            env,
            cwd: placeholders.root.clone(),
        },
        fix,
        mutant: raw.mutant,
        breaks: raw.breaks,
        breaks_in: raw.breaks_in.unwrap_or(ProfileName::Normal),
        setup: setup
            .map(|name| setup_spec(id, &name, declared, setups, placeholders))
            .transpose()?,
    })
}

/// One variable an entry with a `source` sets for its adapter's binding of `contract`.
struct SourceVar {
    contract: String,
    variable: String,
    path: String,
    /// What the binding expects the path to be.
    expects: String,
}

/// The variables an entry with a `source` sets: one per contract, the one its adapter's
/// binding for that contract reads.
fn source_vars(
    (id, language): (&str, &str),
    contracts: &[String],
    source: &RawSource,
    adapter: &RawLanguage,
    declared: &Declared<'_, RawImpl>,
) -> Result<Vec<SourceVar>, Error> {
    if let RawSource::ByContract(table) = source {
        if let Some(extra) = table.keys().find(|c| !contracts.contains(c)) {
            return Err(declared.error(
                format!("[impl.{id}] has a source for `{extra}`, which is not in its contracts"),
                Some(format!(
                    "add `{extra}` to its contracts, or remove that source"
                )),
            ));
        }
    }
    contracts
        .iter()
        .map(|contract| {
            let variable = adapter.sources.get(contract).ok_or_else(|| {
                declared.error(
                    format!("the {language} adapter has no binding for contract `{contract}`"),
                    Some(format!(
                        "its bindings: {}",
                        adapter
                            .sources
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                )
            })?;
            let path = source.for_contract(contract).ok_or_else(|| {
                declared.error(
                    format!("[impl.{id}] has no source for contract `{contract}`"),
                    Some(format!("add `{contract} = \"PATH\"` to its `source` table")),
                )
            })?;
            Ok(SourceVar {
                contract: contract.clone(),
                variable: variable.clone(),
                path: path.clone(),
                expects: adapter
                    .expects
                    .get(contract)
                    .cloned()
                    .unwrap_or_else(|| format!("what {variable} expects (docs/config.md)")),
            })
        })
        .collect()
}

fn check_contracts(
    id: &str,
    contracts: &[String],
    breaks: &[String],
    declared: &Declared<'_, RawImpl>,
) -> Result<(), Error> {
    for contract in contracts {
        if reference::contract(contract).is_none() {
            return Err(declared.error(
                format!("[impl.{id}] names unknown contract `{contract}`"),
                Some(contract_hint(contract)),
            ));
        }
    }
    let implemented = || contracts.iter().filter_map(|c| reference::contract(c));
    for rule in breaks {
        if !implemented().any(|c| c.rule(rule).is_some()) {
            return Err(declared.error(
                format!("[impl.{id}] breaks `{rule}`, which no contract it implements has"),
                Some(format!(
                    "its contracts' rules: {}",
                    implemented()
                        .flat_map(|c| c.rules().iter().map(|r| r.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            ));
        }
    }
    Ok(())
}

fn setup_spec(
    id: &str,
    name: &str,
    declared: &Declared<'_, RawImpl>,
    setups: &BTreeMap<String, Declared<'_, RawSetup>>,
    placeholders: &Placeholders,
) -> Result<SetupSpec, Error> {
    let setup = &setups
        .get(name)
        .ok_or_else(|| {
            declared.error(
                format!("[impl.{id}] names unknown setup `{name}`"),
                Some(format!("declare it as [setup.{name}]")),
            )
        })?
        .value;
    Ok(SetupSpec {
        name: name.to_owned(),
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
        creates: setup
            .creates
            .iter()
            .map(|c| PathBuf::from(placeholders.expand(c)))
            .collect(),
        stamp: stamp_path(&placeholders.root, name),
    })
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
            source: raw.source.or_else(|| parent.source.clone()),
            fix: raw.fix.or_else(|| parent.fix.clone()),
            mutant: raw.mutant,
            breaks: raw.breaks,
            breaks_in: raw.breaks_in,
            setup: raw.setup.or_else(|| parent.setup.clone()),
        };
    }
    Ok(raw)
}
