//! The coverage section of a report (`verify --coverage`): per implementation and contract,
//! the lines and branches of the implementation's own files that the run reached, and the
//! lines it never reached with a little of the source around them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::run::protocol::CoverageReply;

/// Lines of source shown around each never-reached stretch.
const CONTEXT_LINES: u32 = 2;

/// How many of something were reached, out of how many.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reached {
    pub hit: u64,
    pub total: u64,
}

impl Reached {
    /// `hit/total (P %)`, or `none` when there is nothing to count.
    pub fn describe(self) -> String {
        match self.total {
            0 => "none".into(),
            total => format!(
                "{}/{} ({:.1} %)",
                self.hit,
                total,
                self.hit as f64 * 100.0 / total as f64
            ),
        }
    }

    fn add(&mut self, other: Reached) {
        self.hit += other.hit;
        self.total += other.total;
    }
}

/// A stretch of source around lines never reached: the text of lines `first_line…`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Excerpt {
    pub first_line: u32,
    pub lines: Vec<String>,
}

/// One file of an implementation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileCoverage {
    /// Relative to the data folder (or the project) when inside it, else absolute.
    pub path: String,
    pub lines: Reached,
    pub branches: Reached,
    /// The executable lines no case reached.
    pub missed: Vec<u32>,
    /// The branches some case reached, and those none reached, as the adapter names them
    /// (`"from>to"` in Python): `report merge` joins shards by them as a run joins its
    /// adapter processes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hit_branches: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missed_branches: Vec<String>,
    /// The never-reached lines with their context (empty when the file cannot be read).
    pub excerpts: Vec<Excerpt>,
}

/// Whether coverage was measured for one implementation and contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageStatus {
    Measured,
    Unavailable,
}

/// Coverage of one implementation for one contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoverageRecord {
    pub implementation: String,
    pub contract: String,
    pub status: CoverageStatus,
    /// Why it is unavailable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub lines: Reached,
    pub branches: Reached,
    pub files: Vec<FileCoverage>,
}

impl CoverageRecord {
    /// No coverage for `implementation` on `contract`, and why.
    pub fn unavailable(implementation: &str, contract: &str, reason: String) -> CoverageRecord {
        CoverageRecord {
            implementation: implementation.into(),
            contract: contract.into(),
            status: CoverageStatus::Unavailable,
            reason: Some(reason),
            lines: Reached::default(),
            branches: Reached::default(),
            files: Vec::new(),
        }
    }

    /// What the adapter processes of one implementation measured on one contract, together:
    /// a line or branch counts as reached when any process reached it. `shown` gives a
    /// file's path as the report shows it, and `source` its text when it can be read.
    pub fn measured(
        implementation: &str,
        contract: &str,
        replies: &[CoverageReply],
        shown: impl Fn(&str) -> String,
        source: impl Fn(&str) -> Option<String>,
    ) -> CoverageRecord {
        #[derive(Default)]
        struct Sets<'a> {
            lines_hit: BTreeSet<u32>,
            lines: BTreeSet<u32>,
            branches_hit: BTreeSet<&'a str>,
            branches: BTreeSet<&'a str>,
        }
        let mut by_file: BTreeMap<&str, Sets> = BTreeMap::new();
        for file in replies.iter().flat_map(|r| &r.files) {
            let sets = by_file.entry(file.path.as_str()).or_default();
            sets.lines_hit.extend(&file.lines_hit);
            sets.lines
                .extend(file.lines_hit.iter().chain(&file.lines_missed));
            sets.branches_hit
                .extend(file.branches_hit.iter().map(String::as_str));
            sets.branches.extend(
                file.branches_hit
                    .iter()
                    .chain(&file.branches_missed)
                    .map(String::as_str),
            );
        }
        let mut record = CoverageRecord {
            implementation: implementation.into(),
            contract: contract.into(),
            status: CoverageStatus::Measured,
            reason: None,
            lines: Reached::default(),
            branches: Reached::default(),
            files: Vec::new(),
        };
        for (path, sets) in by_file {
            let missed: Vec<u32> = sets.lines.difference(&sets.lines_hit).copied().collect();
            let text = source(path);
            let lines: Vec<&str> = text
                .as_deref()
                .map_or_else(Vec::new, |t| t.lines().collect());
            let file = FileCoverage {
                path: shown(path),
                lines: Reached {
                    hit: sets.lines_hit.len() as u64,
                    total: sets.lines.len() as u64,
                },
                branches: Reached {
                    hit: sets.branches_hit.len() as u64,
                    total: sets.branches.len() as u64,
                },
                excerpts: excerpts(|n| lines.get(n as usize - 1).copied(), &missed),
                missed,
                hit_branches: sets.branches_hit.iter().map(|b| (*b).to_owned()).collect(),
                missed_branches: sets
                    .branches
                    .difference(&sets.branches_hit)
                    .map(|b| (*b).to_owned())
                    .collect(),
            };
            record.lines.add(file.lines);
            record.branches.add(file.branches);
            record.files.push(file);
        }
        record.files.sort_by(|a, b| a.path.cmp(&b.path));
        record
    }
}

impl CoverageRecord {
    /// One line for the terminal: what was reached, or why nothing was measured.
    pub fn describe(&self) -> String {
        match &self.reason {
            Some(reason) => format!(
                "{} · {}: coverage unavailable ({reason})",
                self.implementation, self.contract
            ),
            None => format!(
                "{} · {}: lines {}, branches {}",
                self.implementation,
                self.contract,
                self.lines.describe(),
                self.branches.describe()
            ),
        }
    }
}

/// Sorted line numbers as ranges: `3–5, 9`; `—` when there are none.
pub fn line_ranges(lines: &[u32]) -> String {
    let mut spans: Vec<(u32, u32)> = Vec::new();
    for &line in lines {
        match spans.last_mut() {
            Some(span) if line == span.1 + 1 => span.1 = line,
            _ => spans.push((line, line)),
        }
    }
    if spans.is_empty() {
        return "—".into();
    }
    spans
        .iter()
        .map(|&(a, b)| match a == b {
            true => a.to_string(),
            false => format!("{a}–{b}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The stretches of source around the `missed` lines (sorted, 1-based), each with
/// [`CONTEXT_LINES`] lines either side as far as `line` knows them (`None` past the end
/// of the file, or for a line nobody kept); stretches that touch are joined.
fn excerpts<'t>(line: impl Fn(u32) -> Option<&'t str>, missed: &[u32]) -> Vec<Excerpt> {
    let mut spans: Vec<(u32, u32)> = Vec::new();
    for &at in missed.iter().filter(|&&n| n >= 1 && line(n).is_some()) {
        let mut start = at;
        while start > 1 && at - start < CONTEXT_LINES && line(start - 1).is_some() {
            start -= 1;
        }
        let mut end = at;
        while end - at < CONTEXT_LINES && line(end + 1).is_some() {
            end += 1;
        }
        match spans.last_mut() {
            Some(span) if start <= span.1 + 1 => span.1 = span.1.max(end),
            _ => spans.push((start, end)),
        }
    }
    spans
        .into_iter()
        .map(|(start, end)| Excerpt {
            first_line: start,
            lines: (start..=end)
                .map(|n| line(n).unwrap_or_default().to_owned())
                .collect(),
        })
        .collect()
}

/// Shard runs' coverage as one run's: per implementation and contract, a line or branch
/// counts as reached when any shard reached it. A record some shard could not measure is
/// unavailable in the whole run too, with that shard's reason, as the whole is unknown.
pub fn combine_shards(shards: Vec<Vec<CoverageRecord>>) -> Vec<CoverageRecord> {
    let mut by_key: BTreeMap<(String, String), Vec<CoverageRecord>> = BTreeMap::new();
    for record in shards.into_iter().flatten() {
        let key = (record.implementation.clone(), record.contract.clone());
        by_key.entry(key).or_default().push(record);
    }
    by_key
        .into_iter()
        .map(|((implementation, contract), records)| {
            if let Some(reason) = records.iter().find_map(|r| r.reason.clone()) {
                return CoverageRecord::unavailable(&implementation, &contract, reason);
            }
            let mut by_path: BTreeMap<String, Vec<FileCoverage>> = BTreeMap::new();
            for file in records.into_iter().flat_map(|r| r.files) {
                by_path.entry(file.path.clone()).or_default().push(file);
            }
            let mut record = CoverageRecord {
                implementation,
                contract,
                status: CoverageStatus::Measured,
                reason: None,
                lines: Reached::default(),
                branches: Reached::default(),
                files: Vec::new(),
            };
            for (path, files) in by_path {
                let file = combine_file(path, files);
                record.lines.add(file.lines);
                record.branches.add(file.branches);
                record.files.push(file);
            }
            record
        })
        .collect()
}

/// One file as several shards measured it: a line is missed only where every shard that
/// loaded the file missed it (every shard knows the same lines of a file), a branch is hit
/// when any shard hit it; the excerpts are rebuilt from the source lines the shards kept.
fn combine_file(path: String, files: Vec<FileCoverage>) -> FileCoverage {
    let line_total = files.iter().map(|f| f.lines.total).max().unwrap_or(0);
    let mut missed: Option<BTreeSet<u32>> = None;
    let mut known: BTreeMap<u32, String> = BTreeMap::new();
    let (mut hit_branches, mut branches) = (BTreeSet::new(), BTreeSet::new());
    for file in files {
        let lines = BTreeSet::from_iter(file.missed);
        missed = Some(match missed {
            Some(all) => all.intersection(&lines).copied().collect(),
            None => lines,
        });
        for excerpt in file.excerpts {
            for (n, text) in (excerpt.first_line..).zip(excerpt.lines) {
                known.entry(n).or_insert(text);
            }
        }
        branches.extend(file.missed_branches);
        branches.extend(file.hit_branches.iter().cloned());
        hit_branches.extend(file.hit_branches);
    }
    let missed: Vec<u32> = missed.unwrap_or_default().into_iter().collect();
    FileCoverage {
        path,
        lines: Reached {
            hit: line_total - missed.len() as u64,
            total: line_total,
        },
        branches: Reached {
            hit: hit_branches.len() as u64,
            total: branches.len() as u64,
        },
        excerpts: excerpts(|n| known.get(&n).map(String::as_str), &missed),
        missed,
        missed_branches: branches.difference(&hit_branches).cloned().collect(),
        hit_branches: hit_branches.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::protocol::FileCoverage as Measured;

    fn reply(hit: &[u32], missed: &[u32], branches: (&[&str], &[&str])) -> CoverageReply {
        CoverageReply {
            contract: "migrate".into(),
            files: vec![Measured {
                path: "/src/m.py".into(),
                lines_hit: hit.to_vec(),
                lines_missed: missed.to_vec(),
                branches_hit: branches.0.iter().map(|b| (*b).to_owned()).collect(),
                branches_missed: branches.1.iter().map(|b| (*b).to_owned()).collect(),
            }],
        }
    }

    #[test]
    fn processes_are_merged_a_line_reached_by_any_counts() {
        let first = reply(&[1, 2], &[5, 9], (&["1>2"], &["1>5", "8>9"]));
        let second = reply(&[1, 5], &[2, 9], (&["1>5"], &["1>2", "8>9"]));
        let text = (1..=12)
            .map(|n| format!("line {n}"))
            .collect::<Vec<_>>()
            .join("\n");
        let record = CoverageRecord::measured(
            "py",
            "migrate",
            &[first, second],
            |p| p.trim_start_matches('/').into(),
            |_| Some(text.clone()),
        );
        let file = &record.files[0];
        assert_eq!(file.path, "src/m.py");
        assert_eq!(file.missed, vec![9]);
        assert_eq!(file.lines, Reached { hit: 3, total: 4 });
        assert_eq!(file.branches, Reached { hit: 2, total: 3 });
        assert_eq!(record.lines, file.lines);
        assert_eq!(
            file.excerpts,
            vec![Excerpt {
                first_line: 7,
                lines: (7..=11).map(|n| format!("line {n}")).collect()
            }]
        );
    }

    #[test]
    fn excerpts_that_touch_are_joined_and_stay_inside_the_file() {
        let text: Vec<&str> = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj".lines().collect();
        let line = |n: u32| text.get(n as usize - 1).copied();
        let got = excerpts(line, &[1, 5, 10, 40]);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].first_line, 1);
        assert_eq!(got[0].lines.len(), 10);
        assert_eq!(excerpts(line, &[1, 9]).len(), 2);
    }

    #[test]
    fn shards_combine_into_the_coverage_of_the_whole_run() {
        let text = (1..=12)
            .map(|n| format!("line {n}"))
            .collect::<Vec<_>>()
            .join("\n");
        let measure = |replies: &[CoverageReply]| {
            CoverageRecord::measured(
                "py",
                "migrate",
                replies,
                |p| p.into(),
                |_| Some(text.clone()),
            )
        };
        let first = reply(&[1, 2], &[5, 9, 12], (&["1>2"], &["1>5", "8>9"]));
        let second = reply(&[1, 5], &[2, 9, 12], (&["1>5"], &["1>2", "8>9"]));
        let whole = measure(&[first.clone(), second.clone()]);
        let shards = vec![vec![measure(&[first])], vec![measure(&[second])]];
        assert_eq!(combine_shards(shards), vec![whole.clone()]);
        assert_eq!(whole.files[0].missed, [9, 12]);
        assert_eq!(whole.files[0].missed_branches, ["8>9"]);

        let unavailable = CoverageRecord::unavailable("py", "migrate", "no coverage".into());
        let combined = combine_shards(vec![vec![whole], vec![unavailable.clone()]]);
        assert_eq!(combined, vec![unavailable]);
    }

    #[test]
    fn missed_lines_read_as_ranges() {
        assert_eq!(line_ranges(&[3, 4, 5, 9, 11, 12]), "3–5, 9, 11–12");
        assert_eq!(line_ranges(&[]), "—");
    }

    #[test]
    fn tallies_say_what_share_was_reached() {
        assert_eq!(Reached { hit: 1, total: 4 }.describe(), "1/4 (25.0 %)");
        assert_eq!(Reached::default().describe(), "none");
    }
}
