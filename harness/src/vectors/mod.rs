//! Golden vectors: each contract's examples (and a seeded generated set) frozen on disk with
//! the reference's expected outputs, for review in pull requests and to run first.
//!
//! `vectors/<contract>.json` is built from the reference alone; `vectors/<contract>.<name>.json`
//! files hold imported cases (for example aegis's upstream vectors), whose inputs come from
//! the file. `regen` rewrites both from the reference, byte-stably and atomically; `check`
//! fails when a regen would change a byte.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use reference::{CaseGenerator, Contract, Expectation, GenSettings};
use serde::Deserialize;
use serde_json::Value;

use crate::errors::Error;
use crate::fsio::write_atomically;
use crate::judge::{canonical, canonical_pretty_at};

pub mod aegis;

/// The seeded cases frozen beside the examples.
pub const GENERATED_SEED: u64 = 1;
pub const GENERATED_COUNT: u64 = 12;

#[derive(Debug, Clone, PartialEq)]
pub struct Vector {
    pub id: String,
    pub description: String,
    pub rules: Vec<String>,
    pub input: Value,
    /// Acceptable outputs; more than one where the contract allows a race.
    pub acceptable: Vec<Value>,
    /// Where an imported vector came from.
    pub source: Option<String>,
    /// An imported vector's own expectation, kept for reviewers.
    pub upstream: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VectorFile {
    pub contract: String,
    pub race_band_ms: u64,
    pub vectors: Vec<Vector>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FileRepr {
    contract: String,
    #[serde(default)]
    about: Option<String>,
    race_band_ms: u64,
    vectors: Vec<VectorRepr>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VectorRepr {
    id: String,
    description: String,
    rules: Vec<String>,
    input: Value,
    #[serde(default)]
    expected: Option<Value>,
    #[serde(default)]
    acceptable: Option<Vec<Value>>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    upstream: Option<Value>,
}

/// The rules a vector exercises: those deciding its outputs, and the timing rule.
pub fn cited_rules(
    contract: &dyn Contract,
    input: &Value,
    expectation: &Expectation,
) -> Vec<String> {
    let mut rules: Vec<&'static str> = Vec::new();
    for acceptable in &expectation.acceptable {
        for rule in acceptable.all_rules() {
            if !rules.contains(&rule) {
                rules.push(rule);
            }
        }
    }
    if let Some(limit) = expectation
        .acceptable
        .first()
        .and_then(|a| contract.timing_limit(input, &a.output, 0))
    {
        if !rules.contains(&limit.rule) {
            rules.push(limit.rule);
        }
    }
    rules.sort_by_key(|id| contract.rules().iter().position(|r| r.id == *id));
    rules.into_iter().map(str::to_owned).collect()
}

/// A vector for `input`, with the reference's expectation.
pub fn vector(
    contract: &dyn Contract,
    settings: &GenSettings,
    id: String,
    description: String,
    input: Value,
) -> Vector {
    let expectation = contract.expect(&input, settings);
    Vector {
        id,
        description,
        rules: cited_rules(contract, &input, &expectation),
        acceptable: expectation
            .acceptable
            .into_iter()
            .map(|a| a.output)
            .collect(),
        input,
        source: None,
        upstream: None,
    }
}

/// The contract's own vectors: its examples, then the seeded generated set.
pub fn build(contract: &dyn Contract) -> VectorFile {
    let settings = GenSettings::default();
    let mut vectors: Vec<Vector> = contract
        .examples()
        .into_iter()
        .map(|e| {
            vector(
                contract,
                &settings,
                e.id.to_owned(),
                e.description.to_owned(),
                e.input,
            )
        })
        .collect();
    let generator = CaseGenerator::new(contract, &settings);
    for index in 0..GENERATED_COUNT {
        let input = generator.value(GENERATED_SEED, index);
        let description = format!("generated: case {index} of seed {GENERATED_SEED}");
        vectors.push(vector(
            contract,
            &settings,
            format!("generated-{index:03}"),
            description,
            input,
        ));
    }
    VectorFile {
        contract: contract.id().to_owned(),
        race_band_ms: settings.race_band_ms,
        vectors,
    }
}

/// Recomputes the expectations of an imported file's vectors from the reference.
pub fn refresh(contract: &dyn Contract, file: &VectorFile) -> VectorFile {
    let settings = GenSettings {
        race_band_ms: file.race_band_ms,
        ..GenSettings::default()
    };
    let vectors = file
        .vectors
        .iter()
        .map(|v| Vector {
            source: v.source.clone(),
            upstream: v.upstream.clone(),
            ..vector(
                contract,
                &settings,
                v.id.clone(),
                v.description.clone(),
                v.input.clone(),
            )
        })
        .collect();
    VectorFile {
        vectors,
        ..file.clone()
    }
}

fn json_string(s: &str) -> String {
    canonical(&Value::String(s.to_owned()))
}

/// The file's bytes: fixed key order for people, canonical JSON inside.
pub fn render(file: &VectorFile) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{{");
    let _ = writeln!(out, "  \"contract\": {},", json_string(&file.contract));
    let _ = writeln!(out, "  \"about\": \"Golden vectors: inputs with the reference's expected outputs. Written by `cargo run -- vectors regen`; do not edit by hand.\",");
    let _ = writeln!(out, "  \"raceBandMs\": {},", file.race_band_ms);
    let _ = writeln!(out, "  \"vectors\": [");
    for (i, v) in file.vectors.iter().enumerate() {
        let _ = writeln!(out, "    {{");
        let _ = writeln!(out, "      \"id\": {},", json_string(&v.id));
        let _ = writeln!(
            out,
            "      \"description\": {},",
            json_string(&v.description)
        );
        if let Some(source) = &v.source {
            let _ = writeln!(out, "      \"source\": {},", json_string(source));
        }
        let rules: Vec<String> = v.rules.iter().map(|r| json_string(r)).collect();
        let _ = writeln!(out, "      \"rules\": [{}],", rules.join(", "));
        let _ = writeln!(
            out,
            "      \"input\": {},",
            canonical_pretty_at(&v.input, 3)
        );
        if let Some(upstream) = &v.upstream {
            let _ = writeln!(
                out,
                "      \"upstream\": {},",
                canonical_pretty_at(upstream, 3)
            );
        }
        match v.acceptable.as_slice() {
            [only] => {
                let _ = writeln!(out, "      \"expected\": {}", canonical_pretty_at(only, 3));
            }
            many => {
                let _ = writeln!(
                    out,
                    "      \"acceptable\": {}",
                    canonical_pretty_at(&Value::Array(many.to_vec()), 3)
                );
            }
        }
        let _ = writeln!(
            out,
            "    }}{}",
            if i + 1 < file.vectors.len() { "," } else { "" }
        );
    }
    let _ = writeln!(out, "  ]");
    let _ = writeln!(out, "}}");
    out
}

/// The 1-based line of the `n`th (0-based) occurrence of `"id": "<id>"` in `text`.
fn line_of_id(text: &str, id: &str, n: usize) -> Option<usize> {
    let needle = format!("\"id\": {}", json_string(id));
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.contains(&needle))
        .nth(n)
        .map(|(i, _)| i + 1)
}

/// Parses a vectors file, naming the line of anything wrong.
pub fn parse(path: &Path, text: &str) -> Result<VectorFile, Error> {
    let input_error = |message: String| Error::Input {
        path: path.to_owned(),
        message,
        hint: Some(
            "restore it with `cargo run -- vectors regen` (or `git checkout` the file)".into(),
        ),
    };
    let repr: FileRepr = serde_json::from_str(text)
        .map_err(|e| input_error(format!("line {}, column {}: {e}", e.line(), e.column())))?;
    let _ = repr.about;
    if reference::contract(&repr.contract).is_none() {
        return Err(input_error(format!("unknown contract `{}`", repr.contract)));
    }
    let mut seen = HashSet::new();
    let mut vectors = Vec::new();
    for v in repr.vectors {
        let line = || line_of_id(text, &v.id, 0).map_or(String::new(), |l| format!("line {l}: "));
        if !seen.insert(v.id.clone()) {
            let at = line_of_id(text, &v.id, 1).map_or(String::new(), |l| format!("line {l}: "));
            return Err(input_error(format!("{at}duplicate vector id `{}`", v.id)));
        }
        let acceptable = match (v.expected, v.acceptable) {
            (Some(one), None) => vec![one],
            (None, Some(many)) if !many.is_empty() => many,
            (Some(_), Some(_)) => {
                return Err(input_error(format!(
                    "{}vector `{}` has both `expected` and `acceptable`",
                    line(),
                    v.id
                )))
            }
            _ => {
                return Err(input_error(format!(
                    "{}vector `{}` has no `expected` output",
                    line(),
                    v.id
                )))
            }
        };
        vectors.push(Vector {
            id: v.id,
            description: v.description,
            rules: v.rules,
            input: v.input,
            acceptable,
            source: v.source,
            upstream: v.upstream,
        });
    }
    Ok(VectorFile {
        contract: repr.contract,
        race_band_ms: repr.race_band_ms,
        vectors,
    })
}

pub fn load(path: &Path) -> Result<VectorFile, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Input {
        path: path.to_owned(),
        message: format!("cannot read: {e}"),
        hint: Some("write it with `cargo run -- vectors regen`".into()),
    })?;
    parse(path, &text)
}

/// The contract's own vectors file.
pub fn own_path(dir: &Path, contract: &str) -> PathBuf {
    dir.join(format!("{contract}.json"))
}

/// Every vectors file of a contract: its own first, then imported ones by name.
pub fn files_for(dir: &Path, contract: &str) -> Vec<PathBuf> {
    let mut imported: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                        n.starts_with(&format!("{contract}."))
                            && n.ends_with(".json")
                            && n != format!("{contract}.json")
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    imported.sort();
    let own = own_path(dir, contract);
    std::iter::once(own)
        .filter(|p| p.is_file())
        .chain(imported)
        .collect()
}

/// What a regen would write for one file.
fn regenerated(contract: &dyn Contract, path: &Path) -> Result<String, Error> {
    if path == own_path(path.parent().unwrap_or(Path::new(".")), contract.id()) {
        Ok(render(&build(contract)))
    } else {
        Ok(render(&refresh(contract, &load(path)?)))
    }
}

/// The files regen and check look at for `contract`: its own (even if missing) and imports.
fn targets(dir: &Path, contract: &dyn Contract) -> Vec<PathBuf> {
    let own = own_path(dir, contract.id());
    let mut files = files_for(dir, contract.id());
    if !files.contains(&own) {
        files.insert(0, own);
    }
    files
}

/// Rewrites every vectors file of `contracts`; returns the files that changed.
pub fn regen(dir: &Path, contracts: &[&'static dyn Contract]) -> Result<Vec<PathBuf>, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_owned(),
        source,
    })?;
    let mut changed = Vec::new();
    for contract in contracts {
        for path in targets(dir, *contract) {
            let text = regenerated(*contract, &path)?;
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                write_atomically(&path, text.as_bytes())?;
                changed.push(path);
            }
        }
    }
    Ok(changed)
}

/// A file whose bytes differ from what regen would write, with the diff.
pub struct Drift {
    pub path: PathBuf,
    pub diff: String,
}

/// Compares every vectors file with what regen would write.
pub fn check(dir: &Path, contracts: &[&'static dyn Contract]) -> Result<Vec<Drift>, Error> {
    let mut drifts = Vec::new();
    for contract in contracts {
        for path in targets(dir, *contract) {
            let expected = regenerated(*contract, &path)?;
            let actual = std::fs::read_to_string(&path).unwrap_or_default();
            if actual != expected {
                let diff = similar::TextDiff::from_lines(&actual, &expected)
                    .unified_diff()
                    .context_radius(3)
                    .header(
                        &format!("{} (on disk)", path.display()),
                        &format!("{} (regenerated)", path.display()),
                    )
                    .to_string();
                drifts.push(Drift { path, diff });
            }
        }
    }
    Ok(drifts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering_is_byte_stable_and_parses_back() {
        for contract in reference::CONTRACTS {
            let file = build(*contract);
            let text = render(&file);
            assert_eq!(text, render(&build(*contract)));
            // Numbers come back in their canonical form (1.0 reads back as 1), so compare text.
            let parsed = parse(Path::new("v.json"), &text).unwrap();
            assert_eq!(render(&parsed), text);
        }
    }

    #[test]
    fn malformed_files_name_the_line_and_the_problem() {
        let text = render(&build(reference::contract("budget").unwrap()));
        let bad_json = text.replacen("\"vectors\": [", "\"vectors\": [,", 1);
        let err = parse(Path::new("v.json"), &bad_json)
            .unwrap_err()
            .to_string();
        assert!(err.contains("v.json") && err.contains("line 5"), "{err}");

        let unknown_field = text.replacen(
            "\"description\":",
            "\"colour\": 1,\n      \"description\":",
            1,
        );
        let err = parse(Path::new("v.json"), &unknown_field)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown field `colour`") && err.contains("line 8"),
            "{err}"
        );

        let file = build(reference::contract("budget").unwrap());
        let first = &file.vectors[0].id;
        let second = &file.vectors[1].id;
        let duplicate = text.replacen(
            &format!("\"id\": \"{second}\""),
            &format!("\"id\": \"{first}\""),
            1,
        );
        let err = parse(Path::new("v.json"), &duplicate)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("duplicate vector id `{first}`")) && err.contains("line "),
            "{err}"
        );

        let missing = text.replacen("      \"expected\":", "      \"unexpected\":", 1);
        let err = parse(Path::new("v.json"), &missing)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `unexpected`"), "{err}");
    }

    #[test]
    fn regen_then_check_then_drift() {
        let dir = tempfile::tempdir().unwrap();
        let contracts: Vec<&'static dyn Contract> = reference::CONTRACTS.to_vec();
        assert!(
            check(dir.path(), &contracts).unwrap().len() >= 2,
            "missing files drift"
        );
        assert_eq!(
            regen(dir.path(), &contracts).unwrap().len(),
            contracts.len()
        );
        assert!(check(dir.path(), &contracts).unwrap().is_empty());
        assert!(
            regen(dir.path(), &contracts).unwrap().is_empty(),
            "a second regen changes nothing"
        );
        let path = own_path(dir.path(), "migrate");
        let original = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, original.replacen("\"2.1.0\"", "\"2.1.9\"", 1)).unwrap();
        let drifts = check(dir.path(), &contracts).unwrap();
        assert_eq!(drifts.len(), 1);
        assert!(
            drifts[0].diff.contains("-") && drifts[0].diff.contains("2.1.9"),
            "{}",
            drifts[0].diff
        );
        regen(dir.path(), &contracts).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            original,
            "regen restores the file byte for byte"
        );
    }
}
