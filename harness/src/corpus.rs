//! The corpus: minimal divergences saved as `corpus/<contract>/<short-hash>.json`, one case
//! a file, replayed by every `verify` before generated cases and by `repro` one at a time.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::errors::Error;
use crate::fsio::{pretty_json, write_atomically};
use crate::judge::canonical;
use crate::run::protocol::Package;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CorpusCase {
    pub contract: String,
    /// The implementation it was found in, and that implementation's package.
    pub implementation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
    pub rules: Vec<String>,
    pub paths: Vec<String>,
    pub input: Value,
    /// The reference's expected output (the closest acceptable one) and what came instead.
    pub expected: Value,
    pub actual: Value,
    /// The generated case it was shrunk from: case `case` of the stream of `seed`, or, when
    /// `guided`, the group's first guided case in the guided run of `seed` (no stream's).
    pub seed: u64,
    pub case: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub guided: bool,
    /// The time zone (`TZ`) the adapter ran under; replays run under it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// UTC date it was found.
    pub found: String,
    pub harness_version: String,
}

impl CorpusCase {
    /// Short content hash naming the file: the input and the implementation.
    pub fn short_hash(&self) -> String {
        short_hash(&self.input, &self.implementation)
    }

    fn size(&self) -> usize {
        canonical(&self.input).len()
    }

    fn same_divergence(&self, other: &CorpusCase) -> bool {
        (
            &self.contract,
            &self.implementation,
            &self.rules,
            &self.paths,
        ) == (
            &other.contract,
            &other.implementation,
            &other.rules,
            &other.paths,
        )
    }
}

/// Ten hex digits naming one case of one implementation (corpus files, bug reports).
pub fn short_hash(input: &Value, implementation: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(canonical(input).as_bytes());
    hasher.update([0]);
    hasher.update(implementation.as_bytes());
    format!("{:x}", hasher.finalize())[..10].to_owned()
}

pub fn load(path: &Path) -> Result<CorpusCase, Error> {
    let input_error = |message: String| Error::Input {
        path: path.to_owned(),
        message,
        hint: Some("fix or delete the corpus file".into()),
    };
    let text =
        std::fs::read_to_string(path).map_err(|e| input_error(format!("cannot read: {e}")))?;
    serde_json::from_str(&text)
        .map_err(|e| input_error(format!("line {}, column {}: {e}", e.line(), e.column())))
}

/// Every corpus case of `contract`, by file name.
pub fn load_contract(dir: &Path, contract: &str) -> Result<Vec<(PathBuf, CorpusCase)>, Error> {
    let folder = dir.join(contract);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| load(&p).map(|c| (p, c)))
        .collect()
}

/// What `save` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// Written as a new file.
    New(PathBuf),
    /// A case of the same divergence, no larger, is already there; nothing written.
    Kept(PathBuf),
    /// Written, and the larger case of the same divergence removed.
    Replaced { new: PathBuf, old: PathBuf },
}

impl Saved {
    pub fn path(&self) -> &Path {
        match self {
            Saved::New(p) | Saved::Kept(p) | Saved::Replaced { new: p, .. } => p,
        }
    }
}

/// Saves `case` unless the corpus already holds the same divergence at no larger size.
/// Never overwrites a case with a larger one.
pub fn save(dir: &Path, case: &CorpusCase) -> Result<Saved, Error> {
    let existing = load_contract(dir, &case.contract)?;
    let mut replaced = None;
    for (path, old) in &existing {
        if old.same_divergence(case) {
            if old.size() <= case.size() {
                return Ok(Saved::Kept(path.clone()));
            }
            replaced = Some(path.clone());
        }
    }
    let folder = dir.join(&case.contract);
    std::fs::create_dir_all(&folder).map_err(|source| Error::Write {
        path: folder.clone(),
        source,
    })?;
    let path = folder.join(format!("{}.json", case.short_hash()));
    write_atomically(&path, pretty_json(case, &path)?.as_bytes())?;
    Ok(match replaced {
        Some(old) if old != path => {
            std::fs::remove_file(&old).map_err(|source| Error::Write {
                path: old.clone(),
                source,
            })?;
            Saved::Replaced { new: path, old }
        }
        _ => Saved::New(path),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn case(input: Value) -> CorpusCase {
        CorpusCase {
            contract: "budget".into(),
            implementation: "py-x".into(),
            package: None,
            rules: vec!["BUDGET-TAGS".into()],
            paths: vec!["/tagsAfter".into()],
            input,
            expected: json!({}),
            actual: json!({}),
            seed: 1,
            case: 2,
            guided: false,
            time_zone: None,
            found: "2026-11-24".into(),
            harness_version: "0".into(),
        }
    }

    #[test]
    fn keeps_the_smallest_case_of_each_divergence() {
        let dir = tempfile::tempdir().unwrap();
        let big = save(dir.path(), &case(json!({"a": "long value"}))).unwrap();
        assert!(matches!(big, Saved::New(_)));
        let bigger = save(dir.path(), &case(json!({"a": "an even longer value"}))).unwrap();
        assert_eq!(
            bigger,
            Saved::Kept(big.path().to_owned()),
            "never replaced by a larger case"
        );
        let small = save(dir.path(), &case(json!({"a": 1}))).unwrap();
        assert!(matches!(&small, Saved::Replaced { old, .. } if old == big.path()));
        let all = load_contract(dir.path(), "budget").unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].1.input, json!({"a": 1}));
        let mut other = case(json!({"a": "long value"}));
        other.rules = vec!["BUDGET-OK".into()];
        assert!(
            matches!(save(dir.path(), &other).unwrap(), Saved::New(_)),
            "another divergence is another case"
        );
    }

    #[test]
    fn a_malformed_corpus_file_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("budget")).unwrap();
        std::fs::write(dir.path().join("budget/x.json"), "{\n  \"contract\": 3\n}").unwrap();
        let err = load_contract(dir.path(), "budget").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.to_string().contains("x.json") && err.to_string().contains("line 2"),
            "{err}"
        );
    }
}
