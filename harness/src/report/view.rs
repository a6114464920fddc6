//! What every writer shows the same way — the headline, the verdict sentence, status
//! words, the side-by-side rows of a divergence — so the terminal, `summary.md`,
//! `index.html` and JUnit cannot drift apart.

use std::borrow::Cow;

use serde_json::Value;

use super::model::{
    CaseLabel, Group, GroupKind, ImplRecord, ImplStatus, IncidentRecord, Report, Tally, Verdict,
};
use crate::fsio::file_name_part;
use crate::judge::{canonical, words_or_dash};
use crate::run::protocol::cut;

/// Longest text from an adapter (an output, a diff, a stderr tail) a report shows in one
/// place; the rest is cut with a marker saying how much was left out.
pub const SHOWN_CHARS: usize = 64 * 1024;

impl Report {
    /// One line naming the run: contracts, seed, cases, profile, time zone, harness.
    pub fn headline(&self) -> String {
        let contracts: Vec<&str> = self.contracts.iter().map(|c| c.id.as_str()).collect();
        let ran = match contracts.as_slice() {
            [] => "no contract ran".to_owned(),
            ids => ids.join(", "),
        };
        // The tallies count golden vectors and corpus cases besides the generated ones:
        // the headline names both, so its numbers add up to theirs.
        let per = if contracts.len() > 1 {
            " per contract"
        } else {
            ""
        };
        let fixed = self.fixed_words();
        let cases = match (self.settings.only_case, fixed) {
            (Some(case), None) => format!("case {case}"),
            (Some(case), Some(fixed)) => format!("case {case} + {fixed}"),
            (None, None) => format!("{} generated cases{per}", self.settings.cases),
            (None, Some(fixed)) => format!(
                "{} generated{per} + {fixed}{}",
                self.settings.cases,
                if per.is_empty() { "" } else { " in all" }
            ),
        };
        let mut parts = vec![
            format!("verify · {ran}"),
            format!("seed {}", self.seed),
            cases,
        ];
        if let Some(shard) = self.settings.shard {
            parts.push(format!("shard {}/{}", shard.index, shard.count));
        }
        if !self.merged_from.is_empty() {
            parts.push(format!("merged from {} shard runs", self.merged_from.len()));
        }
        parts.push(format!("{} profile", self.settings.profile));
        parts.push(format!("TZ {}", self.settings.time_zone));
        parts.push(format!("harness {}", self.harness_version));
        parts.join(" · ")
    }

    /// "107 golden vectors", "3 corpus cases" or "107 golden vectors + 3 corpus cases": the
    /// cases run before the generated ones, by what they are (none: `None`).
    fn fixed_words(&self) -> Option<String> {
        let corpus = self.settings.corpus_cases;
        let vectors = self.settings.fixed_cases.saturating_sub(corpus);
        let counted = |n: u64, noun: &str| match n {
            1 => format!("1 {noun}"),
            n => format!("{n} {noun}s"),
        };
        match (vectors, corpus) {
            (0, 0) => None,
            (vectors, 0) => Some(counted(vectors, "golden vector")),
            (0, corpus) => Some(counted(corpus, "corpus case")),
            (vectors, corpus) => Some(format!(
                "{} + {}",
                counted(vectors, "golden vector"),
                counted(corpus, "corpus case")
            )),
        }
    }

    /// The verdict sentence every summary ends with; it names the implementations that
    /// could not run whatever the verdict, so neither hides the other.
    pub fn verdict_line(&self) -> String {
        let line = self.verdict_words();
        match (self.could_not_run_words(), self.verdict) {
            (Some(words), Verdict::Infrastructure) => {
                format!("infrastructure failure: {words} (exit 3)")
            }
            (Some(words), _) => format!("{line} · {words}"),
            (None, _) => line,
        }
    }

    /// "could not run: ts (unavailable, required), py (unavailable, not required)", when any
    /// implementation could not.
    pub fn could_not_run_words(&self) -> Option<String> {
        let names: Vec<String> = self
            .implementations
            .iter()
            .filter(|i| i.could_not_run())
            .map(|i| {
                let why = match (i.required, i.fails_run()) {
                    (true, _) => "required",
                    (false, true) => "its adapter failed",
                    (false, false) => "not required",
                };
                format!("{} ({}, {why})", i.id, i.status_text())
            })
            .collect();
        (!names.is_empty()).then(|| format!("could not run: {}", names.join(", ")))
    }

    fn verdict_words(&self) -> String {
        let known = self.groups.len() - self.new_groups().count();
        match self.verdict {
            Verdict::Agreement if known > 0 => format!(
                "agreement: every implementation matched the reference, but for {known} known group(s) (exit 0)"
            ),
            Verdict::Agreement => {
                "agreement: every implementation matched the reference (exit 0)".into()
            }
            Verdict::Findings => {
                let failing = self.new_groups().count();
                let mut parts = Vec::new();
                if failing > 0 || (self.baseline.is_none() && self.incidents.is_empty()) {
                    parts.push(format!(
                        "{failing} {}group(s) of failing cases",
                        if self.baseline.is_some() { "new " } else { "" }
                    ));
                }
                if !self.incidents.is_empty() {
                    parts.push(format!("{} adapter incident(s)", self.incidents.len()));
                }
                if let Some(b) = self.baseline.as_ref().filter(|b| b.fails()) {
                    parts.push(format!(
                        "{} stale baseline entr{} (remove them)",
                        b.stale.len(),
                        if b.stale.len() == 1 { "y" } else { "ies" }
                    ));
                }
                format!("findings: {} (exit 1)", parts.join(", "))
            }
            Verdict::Infrastructure => {
                "infrastructure failure: see the implementations above (exit 3)".into()
            }
            Verdict::NoCases => {
                "no cases run: not a single case was executed; check --cases, --shard, --vectors-only and the implementations above (exit 4)".into()
            }
            Verdict::Interrupted => format!(
                "interrupted: this partial report judges only the cases that finished ({}exit {})",
                self.interrupted_by
                    .map(|s| format!("{}, ", s.name()))
                    .unwrap_or_default(),
                self.exit_code
            ),
        }
    }

    /// Twin drift in one line, when there is any: for users with twins it is the headline.
    pub fn twin_drift_line(&self) -> Option<String> {
        let twins: Vec<&Group> = self
            .groups
            .iter()
            .filter(|g| g.kind == GroupKind::TwinDrift)
            .collect();
        if twins.is_empty() {
            return None;
        }
        let cases: u64 = twins.iter().map(|g| g.count).sum();
        Some(format!(
            "twin drift: the implementations disagree with each other on {cases} case(s), in {} group(s) (listed first)",
            twins.len()
        ))
    }

    /// Groups that fail the run: those no baseline lists.
    pub fn new_groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.iter().filter(|g| g.is_new())
    }
}

impl Tally {
    /// Each way a case can end, in the order every writer shows them, with its count.
    pub fn outcomes(&self) -> [(&'static str, u64); 8] {
        [
            ("pass", self.pass),
            ("diverge", self.diverge),
            ("crash", self.crash),
            ("timeout", self.timeout),
            ("protocol", self.protocol),
            ("adapter error", self.adapter_error),
            ("timing", self.timing),
            ("not run", self.not_run),
        ]
    }
}

impl Tally {
    /// What confirming time-dependent divergences did, when it did anything: how many were
    /// re-run alone and how many of them were flaky.
    pub fn confirmation_line(&self) -> Option<String> {
        (self.rerun_alone > 0).then(|| {
            format!(
                "{}: {} time-dependent divergent case(s) re-run alone to confirm; {} flaky (did not repeat, not counted as failures)",
                self.implementation, self.rerun_alone, self.flaky
            )
        })
    }
}

impl ImplRecord {
    /// Why an implementation that could not run does not fail the run, when it does not.
    pub fn not_required_note(&self) -> Option<&'static str> {
        (self.could_not_run() && !self.fails_run()).then_some(
            "not required (`--impl all` takes it only where it is available), so it fails nothing",
        )
    }

    /// `available`, `unavailable` or `failed to start`.
    pub fn status_text(&self) -> &'static str {
        match self.status {
            ImplStatus::Available => "available",
            ImplStatus::Unavailable => "unavailable",
            ImplStatus::FailedToStart => "failed to start",
            ImplStatus::Broken => "broken",
        }
    }
}

/// One line per variant of a group with more than one, the most frequent first:
/// `12 × RULE RULE at /path /path`. Empty for a group of one shape.
pub fn variant_lines(group: &Group) -> Vec<String> {
    if group.variants.len() < 2 {
        return Vec::new();
    }
    group
        .variants
        .iter()
        .map(|v| {
            format!(
                "{} × {} at {}",
                v.count,
                words_or_dash(&v.rules),
                words_or_dash(&v.paths)
            )
        })
        .collect()
}

/// The contract rule that names a group in titles: its cause's rule, or for a family of
/// rules (`MIG-STEP-*`) the first rule of the group that belongs to it.
pub fn headline_rule(group: &Group) -> Option<&str> {
    let cause = group.cause.rule.as_deref()?;
    let contract = reference::contract(&group.contract);
    if contract.is_some_and(|c| c.rule(cause).is_some()) {
        return Some(cause);
    }
    group
        .rules
        .iter()
        .find(|r| contract.is_some_and(|c| crate::judge::filed_under(c, r) == cause))
        .map(String::as_str)
        .or(Some(cause))
}

impl IncidentRecord {
    /// One line: who, what, and when ("py · crash: the adapter exited (…) · after 12
    /// case(s), 20 in flight re-run").
    pub fn describe(&self) -> String {
        let mut line = format!(
            "{} · {}: {}",
            self.implementation,
            self.kind.as_str(),
            cut(self.detail.lines().next().unwrap_or_default(), 300)
        );
        line.push_str(&format!(" · {}", self.when()));
        if self.repeats > 0 {
            line.push_str(&format!(" · and {} more like it", self.repeats));
        }
        line
    }

    /// When it happened, and what it did to the cases in flight.
    pub fn when(&self) -> String {
        let cases: Vec<String> = self.cases.iter().map(case_name).collect();
        match self.in_flight {
            0 => format!("after {} case(s), none in flight", self.after_cases),
            n => format!(
                "after {} case(s), with {n} in flight ({}{})",
                self.after_cases,
                cases.join(", "),
                if n > self.cases.len() as u64 {
                    ", …"
                } else {
                    ""
                }
            ),
        }
    }
}

/// "case 42", "vector fallback-succeeds" or "corpus case corpus/budget/1ddc.json".
pub fn case_name(label: &CaseLabel) -> String {
    match label {
        CaseLabel::Generated(case) => format!("case {case}"),
        CaseLabel::Guided(case) => format!("guided case {case}"),
        CaseLabel::Vector(id) => format!("vector {id}"),
        CaseLabel::Corpus(path) => format!("corpus case {path}"),
    }
}

/// `bugs/<implementation>-<hash>.md`: one file per group, named after its example, and
/// never outside `bugs/` whatever the implementation is called.
pub fn bug_file_name(group: &Group) -> String {
    group_file_name(group, "md")
}

/// `<implementation>-<hash>.<extension>`: the name of a group's own file in one of the run
/// folder's subfolders, safe as one path segment.
fn group_file_name(group: &Group, extension: &str) -> String {
    file_name_part(&format!(
        "{}-{}.{extension}",
        group.implementation,
        crate::corpus::short_hash(&group.example.input, &group.implementation)
    ))
}

/// Where in the run folder the whole of a group's example diff is written: `diffs/….diff`.
pub fn diff_file(group: &Group) -> String {
    format!("diffs/{}", group_file_name(group, "diff"))
}

/// Where in the run folder a group's smallest input is written whole: `inputs/….json`.
pub fn input_file(group: &Group) -> String {
    format!("inputs/{}", group_file_name(group, "json"))
}

/// Whether `c` would act on a terminal, or break an XML 1.0 document, instead of showing:
/// control characters other than tab and newline (an adapter's colours, cursor moves,
/// bells, NULs; a carriage return ending a CRLF line is dropped instead) and the two
/// noncharacters XML forbids.
fn is_unprintable(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{fffe}' | '\u{ffff}')
}

/// `text` with every unprintable character written out as an escape (`\x1b`,
/// `\u{fffe}`), so what an adapter wrote shows as what it is in every report, and a
/// stray escape sequence can neither restyle the terminal nor make `junit.xml` invalid.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unprintable) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if !is_unprintable(c) => out.push(c),
            '\r' if chars.peek() == Some(&'\n') => {}
            c if u32::from(c) <= 0xff => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    Cow::Owned(out)
}

/// The first `keep` lines of `text`, and when there are more, a last line saying how many
/// were left out and where the whole text is (`whole_in`). A cut never ends on a diff's
/// hunk header (`@@ … @@`), which shows nothing of its own.
pub fn bounded_lines(text: &str, keep: usize, whole_in: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= keep {
        return lines.into_iter().map(str::to_owned).collect();
    }
    let mut shown = keep;
    while shown > 0 && lines[shown - 1].starts_with("@@") {
        shown -= 1;
    }
    let mut out: Vec<String> = lines[..shown].iter().map(|l| l.to_string()).collect();
    let more = lines.len() - shown;
    out.push(format!(
        "… {more} more line{} ({whole_in})",
        if more == 1 { "" } else { "s" }
    ));
    out
}

/// Rows of `path | reference | this implementation | the others…` for a divergence's
/// differing paths (header first), each value as compact canonical JSON.
pub fn side_by_side(group: &Group, width: usize) -> Vec<Vec<String>> {
    let example = &group.example;
    // Twin drift has no one implementation of its own: every side is among the others.
    let own = group.kind != GroupKind::TwinDrift;
    let mut header = vec!["path".to_owned(), "reference".to_owned()];
    if own {
        header.push(group.implementation.clone());
    }
    header.extend(example.others.iter().map(|o| o.implementation.clone()));
    let cell = |output: Option<&Value>, path: &str| -> String {
        let text = match output.map(|o| o.pointer(path)) {
            Some(Some(v)) => canonical(v),
            Some(None) => "(absent)".into(),
            None => "—".into(),
        };
        if text.chars().count() > width {
            format!("{}…", text.chars().take(width).collect::<String>())
        } else {
            text
        }
    };
    let mut rows = vec![header];
    for path in example.paths.iter().take(8) {
        let mut row = vec![
            if path.is_empty() {
                "(whole output)".into()
            } else {
                path.clone()
            },
            cell(example.expected.as_ref(), path),
        ];
        if own {
            row.push(cell(example.actual.as_ref(), path));
        }
        row.extend(example.others.iter().map(|o| match &o.output {
            Some(output) => cell(Some(output), path),
            None => o.status.clone(),
        }));
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::html::tests::sample_report;

    #[test]
    fn unprintable_characters_are_written_out_and_the_rest_is_kept() {
        assert!(matches!(printable("plain\ttext\nnext"), Cow::Borrowed(_)));
        assert_eq!(printable("crlf\r\nline\r\n"), "crlf\nline\n");
        assert_eq!(
            printable("\u{1b}[31mred\u{1b}[0m\r\u{0}\u{7f}\u{85}é\u{ffff}"),
            "\\x1b[31mred\\x1b[0m\\x0d\\x00\\x7f\\x85é\\u{ffff}"
        );
    }

    #[test]
    fn the_headline_names_the_fixed_cases_by_what_they_are() {
        let mut report = sample_report();
        let headline = |report: &Report| report.headline();
        assert!(
            headline(&report).contains("· 200 generated per contract + 4 golden vectors in all ·")
        );
        report.settings.corpus_cases = 1;
        assert!(headline(&report)
            .contains("· 200 generated per contract + 3 golden vectors + 1 corpus case in all ·"));
        report.settings.corpus_cases = 4;
        assert!(
            headline(&report).contains("· 200 generated per contract + 4 corpus cases in all ·")
        );
        report.settings.fixed_cases = 0;
        report.settings.corpus_cases = 0;
        assert!(headline(&report).contains("· 200 generated cases per contract ·"));
        report.settings.only_case = Some(9);
        report.settings.fixed_cases = 1;
        assert!(headline(&report).contains("· case 9 + 1 golden vector ·"));
    }

    #[test]
    fn bounded_text_is_whole_up_to_the_limit_then_says_how_much_more_and_where() {
        let text = "a\nb\nc";
        assert_eq!(bounded_lines(text, 3, "x"), ["a", "b", "c"]);
        assert_eq!(
            bounded_lines(text, 2, "whole in f"),
            ["a", "b", "… 1 more line (whole in f)"]
        );
        let diff = "--- r\n+++ i\n@@ -1 +1 @@\n-a\n+b\n@@ -9 +9 @@\n-c\n+d";
        assert_eq!(
            bounded_lines(diff, 6, "f"),
            [
                "--- r",
                "+++ i",
                "@@ -1 +1 @@",
                "-a",
                "+b",
                "… 3 more lines (f)"
            ],
            "a hunk header is never the last line shown"
        );
    }
}
