//! `report diff RUN_A RUN_B`: which failure groups appeared, disappeared or changed
//! between two runs' `report.json`. What fails (exit 1) is a change in *which* bugs there
//! are: a group that appeared, disappeared or changed its rules; case counts, examples and
//! baseline marks are shown but fail only when asked (`--counts` for counts), since the
//! same bugs hit by another number of cases are the same bugs.
//!
//! Reports are read as plain JSON, so a report written by another harness version still
//! compares as long as its groups keep their key fields.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::errors::Error;
use crate::judge::{words_or_dash, Cause};

/// One run's groups by key, and where the report was read from.
pub struct RunGroups {
    pub path: PathBuf,
    pub run_id: String,
    groups: BTreeMap<String, Value>,
}

/// The `report.json` of a run given as a run folder, a `report.json` file, `latest`, or a
/// run id under `reports_dir`.
pub fn locate(arg: &Path, reports_dir: &Path) -> PathBuf {
    let candidates = [arg.to_owned(), reports_dir.join(arg)];
    for candidate in candidates {
        let candidate = crate::fsio::resolve_latest(&candidate);
        if candidate.is_dir() {
            return candidate.join("report.json");
        }
        if candidate.is_file() {
            return candidate;
        }
    }
    arg.to_owned()
}

impl RunGroups {
    pub fn load(path: &Path) -> Result<RunGroups, Error> {
        let input_error = |message: String| Error::Input {
            path: path.to_owned(),
            message,
            hint: Some("name a run folder under reports/, its report.json, or `latest`".into()),
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| input_error(format!("cannot read the report: {e}")))?;
        let report: Value = serde_json::from_str(&text)
            .map_err(|e| input_error(format!("line {}, column {}: {e}", e.line(), e.column())))?;
        let groups = report
            .get("groups")
            .and_then(Value::as_array)
            .ok_or_else(|| input_error("not a run report: it has no `groups` list".into()))?;
        Ok(RunGroups {
            path: path.to_owned(),
            run_id: report["runId"].as_str().unwrap_or("?").to_owned(),
            groups: groups.iter().map(|g| (key(g), g.clone())).collect(),
        })
    }
}

/// `contract · impl · kind · rule at place`: the grouping key, as people read it. A report
/// from before groups were keyed by cause (no `rule`, no `place`) is read as the first of its
/// rules and paths.
fn key(group: &Value) -> String {
    let first = |one: &str, list: &str| {
        group[one]
            .as_str()
            .or_else(|| group[list].get(0).and_then(Value::as_str))
            .map(str::to_owned)
    };
    let cause = Cause {
        rule: first("rule", "rules"),
        place: first("place", "paths"),
    };
    format!(
        "{} · {} · {} · {}",
        group["contract"].as_str().unwrap_or("?"),
        group["implementation"].as_str().unwrap_or("?"),
        group["kind"].as_str().unwrap_or("?"),
        cause.describe()
    )
}

/// What differs between two runs.
pub struct RunDiff {
    pub appeared: Vec<String>,
    pub disappeared: Vec<String>,
    pub changed: Vec<Change>,
    pub unchanged: usize,
}

/// A group both runs have, changed.
pub struct Change {
    pub key: String,
    /// What changed, for people.
    pub what: Vec<String>,
    /// Its `rules` list changed: the cause broke other rules.
    pub rules: bool,
    /// Its case count changed.
    pub count: bool,
}

impl RunDiff {
    pub fn between(a: &RunGroups, b: &RunGroups) -> RunDiff {
        let mut diff = RunDiff {
            appeared: b
                .groups
                .keys()
                .filter(|k| !a.groups.contains_key(*k))
                .cloned()
                .collect(),
            disappeared: a
                .groups
                .keys()
                .filter(|k| !b.groups.contains_key(*k))
                .cloned()
                .collect(),
            changed: Vec::new(),
            unchanged: 0,
        };
        for (k, before) in &a.groups {
            let Some(after) = b.groups.get(k) else {
                continue;
            };
            let mut what = Vec::new();
            let rules = |g: &Value| {
                let list: Vec<String> = g["rules"]
                    .as_array()
                    .map(|r| {
                        r.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                words_or_dash(&list)
            };
            let rules_changed = rules(before) != rules(after);
            if rules_changed {
                what.push(format!("rules {} → {}", rules(before), rules(after)));
            }
            let count = |g: &Value| g["count"].as_u64().unwrap_or(0);
            let count_changed = count(before) != count(after);
            if count_changed {
                what.push(format!("cases {} → {}", count(before), count(after)));
            }
            let status = |g: &Value| g["baseline"]["status"].as_str().unwrap_or("new").to_owned();
            if status(before) != status(after) {
                what.push(format!("{} → {}", status(before), status(after)));
            }
            if before["example"]["input"] != after["example"]["input"] {
                what.push("smallest example changed".into());
            }
            if before["example"]["actual"] != after["example"]["actual"] {
                what.push("the implementation's output changed".into());
            }
            if what.is_empty() {
                diff.unchanged += 1;
            } else {
                diff.changed.push(Change {
                    key: k.clone(),
                    what,
                    rules: rules_changed,
                    count: count_changed,
                });
            }
        }
        diff
    }

    pub fn is_empty(&self) -> bool {
        self.appeared.is_empty() && self.disappeared.is_empty() && self.changed.is_empty()
    }

    /// Whether the runs found different bugs: a group appeared, disappeared or changed its
    /// rules — or, with `counts`, changed its case count.
    pub fn fails(&self, counts: bool) -> bool {
        !self.appeared.is_empty()
            || !self.disappeared.is_empty()
            || self.changed.iter().any(|c| c.rules || (counts && c.count))
    }

    pub fn render(&self, a: &RunGroups, b: &RunGroups, counts: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "groups from {} ({}) to {} ({}):",
            a.run_id,
            a.path.display(),
            b.run_id,
            b.path.display()
        );
        for (title, keys) in [
            ("appeared", &self.appeared),
            ("disappeared", &self.disappeared),
        ] {
            if !keys.is_empty() {
                let _ = writeln!(out, "  {title} ({}):", keys.len());
                for k in keys {
                    let _ = writeln!(out, "    {k}");
                }
            }
        }
        if !self.changed.is_empty() {
            let _ = writeln!(out, "  changed ({}):", self.changed.len());
            for change in &self.changed {
                let _ = writeln!(out, "    {}: {}", change.key, change.what.join("; "));
            }
        }
        let _ = writeln!(
            out,
            "  {} group(s) unchanged{}",
            self.unchanged,
            if self.is_empty() {
                "; the runs found the same groups"
            } else {
                ""
            }
        );
        if !self.is_empty() && !self.fails(counts) {
            let _ = writeln!(
                out,
                "  the same groups with the same rules: exit 0{}",
                if counts {
                    ""
                } else {
                    " (--counts also fails on changed case counts)"
                }
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(groups: Value) -> RunGroups {
        RunGroups {
            path: "r.json".into(),
            run_id: "r".into(),
            groups: groups
                .as_array()
                .unwrap()
                .iter()
                .map(|g| (key(g), g.clone()))
                .collect(),
        }
    }

    fn group(rule: &str, count: u64) -> Value {
        json!({"contract": "migrate", "implementation": "py", "kind": "divergence",
               "rule": rule, "place": "/ok", "rules": [rule, "Z"], "paths": ["/ok", "/x"],
               "count": count, "example": {"input": {}}})
    }

    #[test]
    fn groups_appear_disappear_and_change() {
        let a = run(json!([group("A", 1), group("B", 2), group("C", 3)]));
        let b = run(json!([group("B", 5), group("C", 3), group("D", 1)]));
        let diff = RunDiff::between(&a, &b);
        assert_eq!(diff.appeared, ["migrate · py · divergence · D at /ok"]);
        assert_eq!(diff.disappeared, ["migrate · py · divergence · A at /ok"]);
        assert_eq!(diff.changed.len(), 1);
        assert_eq!(diff.changed[0].what, ["cases 2 → 5"]);
        assert_eq!(diff.unchanged, 1);
        assert!(diff.fails(false) && diff.fails(true));
        assert!(RunDiff::between(&a, &a).is_empty());
        assert!(!RunDiff::between(&a, &a).fails(true));
        assert!(diff.render(&a, &b, false).contains("appeared (1)"));
    }

    #[test]
    fn only_a_change_of_rules_fails_unless_counts_are_asked_for() {
        let a = run(json!([group("A", 1), group("B", 2)]));
        let counts = run(json!([group("A", 4), group("B", 2)]));
        let diff = RunDiff::between(&a, &counts);
        assert_eq!(diff.changed[0].what, ["cases 1 → 4"]);
        assert!(!diff.fails(false), "a count alone is the same bug");
        assert!(diff.fails(true), "--counts");
        assert!(diff
            .render(&a, &counts, false)
            .contains("--counts also fails"));

        let mut changed = group("B", 2);
        changed["rules"] = json!(["B", "Y"]);
        let rules = run(json!([group("A", 1), changed]));
        let diff = RunDiff::between(&a, &rules);
        assert_eq!(diff.changed[0].what, ["rules B Z → B Y"]);
        assert!(diff.fails(false));
    }

    #[test]
    fn a_report_from_before_causes_reads_as_its_first_rule_and_path() {
        let older = json!({"contract": "migrate", "implementation": "py", "kind": "divergence",
                           "rules": ["A", "B"], "paths": ["/ok", "/x"], "count": 1});
        assert_eq!(key(&older), "migrate · py · divergence · A at /ok");
    }
}
