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
                excerpts: source(path).map_or_else(Vec::new, |text| excerpts(&text, &missed)),
                missed,
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

/// The stretches of `text` around the `missed` lines (sorted, 1-based), each with
/// [`CONTEXT_LINES`] lines either side; stretches that touch are joined.
fn excerpts(text: &str, missed: &[u32]) -> Vec<Excerpt> {
    let lines: Vec<&str> = text.lines().collect();
    let last = lines.len() as u32;
    let mut spans: Vec<(u32, u32)> = Vec::new();
    for &line in missed.iter().filter(|&&l| l >= 1 && l <= last) {
        let (start, end) = (
            line.saturating_sub(CONTEXT_LINES).max(1),
            (line + CONTEXT_LINES).min(last),
        );
        match spans.last_mut() {
            Some(span) if start <= span.1 + 1 => span.1 = span.1.max(end),
            _ => spans.push((start, end)),
        }
    }
    spans
        .into_iter()
        .map(|(start, end)| Excerpt {
            first_line: start,
            lines: lines[(start - 1) as usize..end as usize]
                .iter()
                .map(|l| (*l).to_owned())
                .collect(),
        })
        .collect()
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
        let text = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj";
        let got = excerpts(text, &[1, 5, 10, 40]);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].first_line, 1);
        assert_eq!(got[0].lines.len(), 10);
        assert_eq!(excerpts(text, &[1, 9]).len(), 2);
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
