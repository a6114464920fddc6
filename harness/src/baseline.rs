//! Baselines: committed, human-edited lists of known divergence groups (`--baseline`) and of
//! known-flaky ones (`--known-flaky`).
//!
//! A run with a baseline fails on any group the baseline does not list *and* on any listed
//! entry that no longer diverges ("stale: remove it"), so the list can only shrink as bugs
//! get fixed and never rots. Only entries in the run's [`Scope`] can be stale: an entry for
//! an implementation or contract the run did not include (or whose cases did not all run)
//! is *out of scope*, listed and never failing. Flaky entries are reported when they show up
//! and never fail the run, and are never stale.
//!
//! Entries name a group by its cause, so a generator change that moves cases between
//! variants does not invalidate them. The file is TOML (or JSON with the same shape, by its
//! `.json` extension):
//!
//! ```toml
//! [[group]]
//! contract = "migrate"
//! impl = "py"
//! rule = "MIG-UNKNOWN"
//! place = "/error"
//! also = [{ rule = "MIG-UNKNOWN", place = "/ok" }]  # optional: causes merged into this one
//! reason = "antaris passes unknown versions equal to the target (reports/known/…)"
//! issue = "https://example.org/tracker/12"   # optional
//! kind = "divergence"                          # optional: crash, timeout, timing, …
//! ```
//!
//! Files written before groups were keyed by cause list `rules` and `paths` instead of
//! `rule` and `place`; they still load, read as the first rule and place in the contract's
//! order.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::errors::Error;
use crate::fsio::pretty_json;
use crate::judge::{filed_under, folded_places, Cause, GroupKey, GroupKind};

/// One known group, as written in a baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub contract: String,
    #[serde(rename = "impl")]
    pub implementation: String,
    #[serde(default = "divergence", skip_serializing_if = "is_divergence")]
    pub kind: GroupKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Other causes of the same bug: groups found under these are this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<Cause>,
    /// The older spelling of a cause (all its rules and paths), read and never written.
    #[serde(default, skip_serializing)]
    rules: Option<Vec<String>>,
    #[serde(default, skip_serializing)]
    paths: Option<Vec<String>>,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
}

fn divergence() -> GroupKind {
    GroupKind::Divergence
}

fn is_divergence(kind: &GroupKind) -> bool {
    *kind == GroupKind::Divergence
}

impl Entry {
    /// The group this entry lists.
    pub fn key(&self) -> GroupKey {
        GroupKey {
            contract: self.contract.clone(),
            implementation: self.implementation.clone(),
            kind: self.kind,
            cause: self.cause(),
        }
    }

    fn cause(&self) -> Cause {
        Cause {
            rule: self.rule.clone(),
            place: self.place.clone(),
        }
    }

    /// Whether this entry lists the group `key`: its cause or one of those it also covers.
    fn matches(&self, key: &GroupKey) -> bool {
        self.contract == key.contract
            && self.implementation == key.implementation
            && self.kind == key.kind
            && (self.cause() == key.cause || self.also.contains(&key.cause))
    }

    /// `contract · impl · kind · rule at place`, as summaries show it.
    pub fn describe(&self) -> String {
        self.key().describe()
    }

    /// The entry that lists a group found under `key` and, merged into it, `also`.
    pub fn of(key: &GroupKey, also: &[Cause], reason: &str) -> Entry {
        Entry {
            contract: key.contract.clone(),
            implementation: key.implementation.clone(),
            kind: key.kind,
            rule: key.cause.rule.clone(),
            place: key.cause.place.clone(),
            also: also.iter().filter(|c| **c != key.cause).cloned().collect(),
            rules: None,
            paths: None,
            reason: reason.to_owned(),
            issue: None,
        }
    }

    /// Reads an entry in the older spelling as its cause: the first of its rules and of its
    /// paths in `contract`'s order. True when the entry was in the older spelling.
    fn read_older_spelling(&mut self, contract: &dyn reference::Contract) -> Result<bool, String> {
        if self.rules.is_none() && self.paths.is_none() {
            return Ok(false);
        }
        if self.rule.is_some() || self.place.is_some() {
            return Err(
                "give `rule` and `place`, or the older `rules` and `paths`, not both".into(),
            );
        }
        let mut rules = self.rules.take().unwrap_or_default();
        rules.sort_by_key(|id| crate::judge::rule_rank(contract)(id));
        self.rule = rules.first().map(|rule| filed_under(contract, rule));
        self.place = folded_places(contract, &self.paths.take().unwrap_or_default())
            .into_iter()
            .next();
        Ok(true)
    }
}

impl Baseline {
    /// Whether an entry lists the group `key`.
    pub fn lists(&self, key: &GroupKey) -> bool {
        self.entry_for(std::slice::from_ref(key)).is_some()
    }

    /// The entry that lists a group found under any of `keys` (its own and its variants').
    pub fn entry_for(&self, keys: &[GroupKey]) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| keys.iter().any(|k| e.matches(k)))
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    group: Vec<Entry>,
}

/// A loaded baseline file.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

impl Baseline {
    /// Reads and checks a baseline file: exit 2 with its path and line when malformed.
    pub fn load(path: &Path) -> Result<Baseline, Error> {
        let input_error = |message: String| {
            Error::Input {
            path: path.to_owned(),
            message,
            hint: Some(
                "each [[group]] needs contract, impl, rule, place and a non-empty reason (see docs/ci.md)"
                    .into(),
            ),
        }
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| input_error(format!("cannot read the baseline: {e}")))?;
        let mut file: File = if is_json(path) {
            serde_json::from_str(&text).map_err(|e| {
                input_error(format!("line {}, column {}: {e}", e.line(), e.column()))
            })?
        } else {
            toml::from_str(&text).map_err(|e| input_error(toml_message(&text, &e)))?
        };
        let mut duplicates = Vec::new();
        for n in 0..file.group.len() {
            let at = entry_line(&text, n, is_json(path));
            let entry = &mut file.group[n];
            if entry.reason.trim().is_empty() {
                return Err(input_error(format!(
                    "{at}: group {} ({}) has an empty reason; say why it is accepted",
                    n + 1,
                    entry.describe()
                )));
            }
            let Some(contract) = reference::contract(&entry.contract) else {
                return Err(input_error(format!(
                    "{at}: group {} names unknown contract `{}` (known: {})",
                    n + 1,
                    entry.contract,
                    crate::errors::known_contracts()
                )));
            };
            let older = entry
                .read_older_spelling(contract)
                .map_err(|message| input_error(format!("{at}: group {}: {message}", n + 1)))?;
            let entry = &file.group[n];
            if let Some(first) = file.group[..n].iter().position(|e| e.matches(&entry.key())) {
                if older {
                    // Groups the older spelling listed apart may be one cause now.
                    duplicates.push(n);
                    continue;
                }
                return Err(input_error(format!(
                    "{at}: group {} lists the same divergence as group {} ({})",
                    n + 1,
                    first + 1,
                    entry.describe()
                )));
            }
        }
        let entries = file
            .group
            .into_iter()
            .enumerate()
            .filter(|(n, _)| !duplicates.contains(n))
            .map(|(_, entry)| entry)
            .collect();
        Ok(Baseline {
            path: path.to_owned(),
            entries,
        })
    }

    /// Writes `entries` as a new baseline file; never replaces an existing one.
    pub fn write_new(path: &Path, entries: Vec<Entry>) -> Result<(), Error> {
        let file = File { group: entries };
        let text = if is_json(path) {
            pretty_json(&file, path)?
        } else {
            let body = toml::to_string(&file).map_err(|e| Error::Write {
                path: path.to_owned(),
                source: std::io::Error::other(e),
            })?;
            format!("# Known divergences: `verify --baseline` passes while these diverge and fails\n# on any other group, or once one of these stops diverging (then remove it).\n# Give each a real reason, and an issue link where there is one.\n\n{body}")
        };
        let write_error = |source| Error::Write {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(write_error)?;
        }
        // `create_new`: a baseline someone already wrote is never overwritten.
        use std::io::Write as _;
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(write_error)?;
        out.write_all(text.as_bytes()).map_err(write_error)
    }
}

/// toml's message, which already names the line and column; the first line of it suffices.
fn toml_message(text: &str, error: &toml::de::Error) -> String {
    let line = error
        .span()
        .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
    match line {
        Some(line) => format!("line {line}: {}", error.message()),
        None => error.message().to_owned(),
    }
}

/// "line N" of the n-th entry (0-based), found by its header; "group n+1" when unknown.
fn entry_line(text: &str, n: usize, json: bool) -> String {
    let header = |line: &str| {
        let line = line.trim();
        if json {
            line.starts_with('{') && !line.contains("\"group\"")
        } else {
            line.starts_with("[[group]]")
        }
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| header(line))
        .nth(n)
        .map(|(i, _)| format!("line {}", i + 1))
        .unwrap_or_else(|| format!("group {}", n + 1))
}

/// What a run covered: the contracts each implementation ran every case of. Only a
/// baseline entry inside it can be found stale.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    ran: BTreeSet<(String, String)>,
}

impl Scope {
    /// The scope of a run in which each `(contract, implementation)` ran all its cases.
    pub fn new(ran: impl IntoIterator<Item = (String, String)>) -> Scope {
        Scope {
            ran: ran.into_iter().collect(),
        }
    }

    /// Whether the run could have seen `entry`'s group: its contract ran on its
    /// implementation, or on both sides of a twin pair (`A+B`; ids never hold a `+`).
    pub fn covers(&self, entry: &Entry) -> bool {
        entry
            .implementation
            .split('+')
            .all(|id| self.ran.contains(&(entry.contract.clone(), id.to_owned())))
    }
}

/// How a group stands against the baselines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mark {
    pub status: MarkStatus,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkStatus {
    /// Listed in `--baseline`: reported, does not fail the run.
    Known,
    /// Listed in `--known-flaky`: reported, never fails the run.
    Flaky,
}

/// What applying the baselines to a run's groups found.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Outcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_flaky: Option<String>,
    /// Groups listed in the baseline / the flaky list, and groups listed in neither.
    pub known: u64,
    pub flaky: u64,
    pub new: u64,
    /// Baseline entries in the run's scope that did not diverge in this run.
    pub stale: Vec<Entry>,
    /// Baseline entries for an implementation or contract the run did not include (or did
    /// not run every case of): it cannot tell whether they still diverge.
    #[serde(default)]
    pub out_of_scope: Vec<Entry>,
    /// False when the run cannot tell (one shard, one case): stale entries are then only
    /// reported.
    pub stale_fails: bool,
}

impl Outcome {
    /// Whether the baselines turn this run into a failure by themselves.
    pub fn fails(&self) -> bool {
        self.stale_fails && !self.stale.is_empty()
    }
}

/// Marks every group (by its keys: its own and its variants') known, flaky or new (`None`),
/// and lists the baseline entries not seen: stale when `scope` covers them, else out of
/// scope.
pub fn apply(
    groups: &[Vec<GroupKey>],
    baseline: Option<&Baseline>,
    flaky: Option<&Baseline>,
    scope: &Scope,
    stale_fails: bool,
) -> (Vec<Option<Mark>>, Outcome) {
    let mut outcome = Outcome {
        baseline: baseline.map(|b| b.path.display().to_string()),
        known_flaky: flaky.map(|b| b.path.display().to_string()),
        stale_fails,
        ..Outcome::default()
    };
    let mut seen = vec![false; baseline.map_or(0, |b| b.entries.len())];
    let mark = |status: MarkStatus, entry: &Entry| {
        Some(Mark {
            status,
            reason: entry.reason.clone(),
            issue: entry.issue.clone(),
        })
    };
    let marks = groups
        .iter()
        .map(|group| {
            let known = baseline.and_then(|b| b.entry_for(group));
            if let (Some(at), Some(b)) = (known, baseline) {
                seen[at] = true;
                outcome.known += 1;
                return mark(MarkStatus::Known, &b.entries[at]);
            }
            if let Some(entry) = flaky.and_then(|f| f.entry_for(group).map(|at| &f.entries[at])) {
                outcome.flaky += 1;
                return mark(MarkStatus::Flaky, entry);
            }
            outcome.new += 1;
            None
        })
        .collect();
    if let Some(b) = baseline {
        let unseen = b.entries.iter().zip(&seen).filter(|(_, seen)| !**seen);
        (outcome.stale, outcome.out_of_scope) = unseen
            .map(|(e, _)| e.clone())
            .partition(|e| scope.covers(e));
    }
    (marks, outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(implementation: &str, rule: &str, place: &str) -> GroupKey {
        GroupKey {
            contract: "migrate".into(),
            implementation: implementation.into(),
            kind: GroupKind::Divergence,
            cause: Cause {
                rule: Some(rule.into()),
                place: Some(place.into()),
            },
        }
    }

    /// A run of migrate on the implementations these tests name.
    fn everything() -> Scope {
        Scope::new(["py", "py-sample"].map(|id| ("migrate".to_owned(), id.to_owned())))
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    const ONE: &str = r#"
[[group]]
contract = "migrate"
impl = "py"
rule = "MIG-UNKNOWN"
place = "/error"
reason = "antaris passes unknown versions"
"#;

    #[test]
    fn known_groups_pass_new_ones_do_not_and_missing_ones_are_stale() {
        let dir = tempfile::tempdir().unwrap();
        let baseline = Baseline::load(&write(dir.path(), "b.toml", ONE)).unwrap();
        let groups = vec![vec![group("py", "MIG-UNKNOWN", "/error")]];
        let (marks, outcome) = apply(&groups, Some(&baseline), None, &everything(), true);
        assert_eq!((outcome.known, outcome.new, outcome.fails()), (1, 0, false));
        assert_eq!(marks[0].as_ref().unwrap().status, MarkStatus::Known);

        let other = vec![vec![group("py", "MIG-PURE", "/inputUnchanged")]];
        let (marks, outcome) = apply(&other, Some(&baseline), None, &everything(), true);
        assert_eq!((outcome.known, outcome.new), (0, 1));
        assert!(marks[0].is_none());
        assert_eq!(outcome.stale.len(), 1, "the listed group did not show up");
        assert!(outcome.fails());
        assert!(!apply(&other, Some(&baseline), None, &everything(), false)
            .1
            .fails());
    }

    #[test]
    fn entries_the_run_did_not_cover_are_out_of_scope_never_stale() {
        let dir = tempfile::tempdir().unwrap();
        let twins = ONE.replace("\"py\"", "\"py+py-sample\"");
        let text = format!("{ONE}{}", twins);
        let baseline = Baseline::load(&write(dir.path(), "b.toml", &text)).unwrap();
        let other = vec![vec![group("py", "MIG-PURE", "/inputUnchanged")]];
        // Only py ran: its entry is stale, the pair's is out of scope.
        let py_only = Scope::new([("migrate".to_owned(), "py".to_owned())]);
        let (_, outcome) = apply(&other, Some(&baseline), None, &py_only, true);
        assert_eq!(outcome.stale.len(), 1);
        assert_eq!(outcome.stale[0].implementation, "py");
        assert_eq!(outcome.out_of_scope.len(), 1);
        assert_eq!(outcome.out_of_scope[0].implementation, "py+py-sample");
        // Another contract ran: both are out of scope and nothing fails.
        let budget = Scope::new([("budget".to_owned(), "py".to_owned())]);
        let (_, outcome) = apply(&other, Some(&baseline), None, &budget, true);
        assert_eq!((outcome.stale.len(), outcome.out_of_scope.len()), (0, 2));
        assert!(!outcome.fails());
        // Both sides ran: the pair's entry is stale too.
        let (_, outcome) = apply(&other, Some(&baseline), None, &everything(), true);
        assert_eq!((outcome.stale.len(), outcome.out_of_scope.len()), (2, 0));
    }

    #[test]
    fn flaky_groups_never_fail_and_are_never_stale() {
        let dir = tempfile::tempdir().unwrap();
        let flaky = Baseline::load(&write(dir.path(), "f.toml", ONE)).unwrap();
        let groups = vec![vec![group("py", "MIG-UNKNOWN", "/error")]];
        let (_, outcome) = apply(&groups, None, Some(&flaky), &everything(), true);
        assert_eq!((outcome.flaky, outcome.new, outcome.fails()), (1, 0, false));
        let (_, outcome) = apply(&[], None, Some(&flaky), &everything(), true);
        assert!(outcome.stale.is_empty());
    }

    #[test]
    fn an_entry_lists_its_cause_and_the_causes_merged_into_it() {
        let also = [group("py", "MIG-PATH", "/ok").cause];
        let entry = Entry::of(&group("py", "MIG-UNKNOWN", "/error"), &also, "r");
        assert!(entry.matches(&group("py", "MIG-UNKNOWN", "/error")));
        assert!(entry.matches(&group("py", "MIG-PATH", "/ok")));
        assert!(!entry.matches(&group("py", "MIG-PATH", "/error")));
        assert!(!entry.matches(&group("py-sample", "MIG-UNKNOWN", "/error")));
    }

    #[test]
    fn the_older_rules_and_paths_spelling_reads_as_its_cause() {
        let dir = tempfile::tempdir().unwrap();
        let older = ONE.replace(
            "rule = \"MIG-UNKNOWN\"\nplace = \"/error\"",
            "rules = [\"MIG-PATH\", \"MIG-UNKNOWN\"]\npaths = [\"/ok\", \"/error\"]",
        );
        let baseline = Baseline::load(&write(dir.path(), "older.toml", &older)).unwrap();
        assert!(baseline.lists(&group("py", "MIG-UNKNOWN", "/error")));
        let both = older.replace("reason", "rule = \"MIG-PATH\"\nreason");
        let err = Baseline::load(&write(dir.path(), "both.toml", &both)).unwrap_err();
        assert!(err.to_string().contains("not both"), "{err}");
    }

    #[test]
    fn malformed_baselines_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                "missing.toml",
                ONE.replace("reason = \"antaris passes unknown versions\"\n", ""),
                "reason",
            ),
            (
                "empty.toml",
                ONE.replace("antaris passes unknown versions", " "),
                "line 2",
            ),
            ("unknown.toml", ONE.replace("place", "plaec"), "line "),
            (
                "contract.toml",
                ONE.replace("\"migrate\"", "\"migrat\""),
                "unknown contract",
            ),
            (
                "dup.toml",
                format!("{ONE}{ONE}"),
                "line 9: group 2 lists the same divergence as group 1",
            ),
            (
                "bad.json",
                "{\"group\": [ {\"contract\": 1} ]}".into(),
                "line 1",
            ),
        ];
        for (name, text, expected) in cases {
            let err = Baseline::load(&write(dir.path(), name, &text)).unwrap_err();
            let shown = err.to_string();
            assert_eq!(err.exit_code(), crate::errors::EXIT_USAGE, "{shown}");
            assert!(
                shown.contains(name) && shown.contains(expected),
                "{name}: {shown}"
            );
        }
    }

    #[test]
    fn written_baselines_load_back_and_are_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let groups = [
            vec![group("py", "MIG-UNKNOWN", "/error")],
            vec![group("py", "MIG-PURE", "/inputUnchanged")],
        ];
        for name in ["w.toml", "w.json"] {
            let path = dir.path().join(name);
            let entries = groups
                .iter()
                .map(|g| Entry::of(&g[0], &[], "adopted"))
                .collect();
            Baseline::write_new(&path, entries).unwrap();
            let loaded = Baseline::load(&path).unwrap();
            assert_eq!(loaded.entries.len(), 2);
            assert_eq!(
                apply(&groups, Some(&loaded), None, &everything(), true)
                    .1
                    .known,
                2
            );
            let before = std::fs::read(&path).unwrap();
            assert!(Baseline::write_new(&path, vec![]).is_err());
            assert_eq!(std::fs::read(&path).unwrap(), before);
        }
    }
}
