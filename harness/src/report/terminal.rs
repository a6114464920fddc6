//! The one-screen summary printed at the end of `verify` (the CLI prints it, before the
//! report files are written, and then where they went).

use std::fmt::Write as _;
use std::path::Path;

use super::bug_program::check_warning;
use super::model::{Group, ImplStatus, MarkStatus, Report, Tally, Verdict};
use super::view::{bounded_lines, diff_file, input_file, printable, side_by_side};

impl Report {
    /// The one-screen terminal summary, in colour when `colour`; `run_dir` is the run folder
    /// the report is written to (as shown to people), where shortened inputs and diffs are
    /// whole.
    pub fn terminal_summary(&self, colour: bool, run_dir: Option<&str>) -> String {
        let paint = Paint(colour);
        let mut out = String::new();
        let _ = writeln!(out, "\n{}\n", self.headline());
        if let Some(line) = self.twin_drift_line() {
            let _ = writeln!(out, "  {}\n", paint.red(&line));
        }
        for imp in self
            .implementations
            .iter()
            .filter(|i| i.status != ImplStatus::Available)
        {
            let _ = writeln!(
                out,
                "  {} is {}: {}",
                imp.id,
                imp.status_text(),
                imp.reason.as_deref().unwrap_or("")
            );
            if let Some(note) = imp.not_required_note() {
                let _ = writeln!(out, "    {note}");
            }
            for fix in imp.fix.iter().flat_map(|f| f.lines()) {
                let _ = writeln!(out, "    fix: {fix}");
            }
        }
        for contract in &self.contracts {
            let columns = Tally::default().outcomes().map(|(word, _)| word);
            let _ = write!(out, "  {:<28}", contract.id);
            for word in columns {
                let _ = write!(out, " {word:>7}");
            }
            let _ = writeln!(out);
            for t in &contract.tallies {
                let _ = write!(out, "  {:<28}", t.implementation);
                for ((_, count), word) in t.outcomes().iter().zip(columns) {
                    let _ = write!(out, " {count:>width$}", width = word.len().max(7));
                }
                let _ = writeln!(out);
            }
            for line in contract.tallies.iter().filter_map(Tally::confirmation_line) {
                let _ = writeln!(out, "  {line}");
            }
            for pair in &contract.agreement {
                let _ = writeln!(
                    out,
                    "  {} and {} gave identical outputs on {}/{} cases",
                    pair.a, pair.b, pair.identical, pair.compared
                );
            }
        }
        if self
            .timings
            .implementations
            .values()
            .any(|t| t.timer_lag_ms.max > 0.0)
        {
            let _ = writeln!(
                out,
                "\n  timer lag (how late scripted timers fired; race band ±{} ms):",
                self.settings.race_band_ms
            );
            for (key, t) in self
                .timings
                .implementations
                .iter()
                .filter(|(_, t)| t.timer_lag_ms.max > 0.0)
            {
                let lag = &t.timer_lag_ms;
                let _ = writeln!(
                    out,
                    "    {key:<34} p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
                    lag.p50, lag.p99, lag.max
                );
            }
        }
        const SHOWN: usize = 6;
        if !self.groups.is_empty() {
            let _ = writeln!(out, "\n  {} failing group(s):", self.groups.len());
            // New groups first: they are what fails the run.
            let mut shown: Vec<&Group> = self.new_groups().collect();
            shown.extend(self.groups.iter().filter(|g| !g.is_new()));
            for (n, g) in shown.into_iter().take(SHOWN).enumerate() {
                let mark = match &g.baseline {
                    None if self.baseline.is_some() => paint.red("new "),
                    None => String::new(),
                    Some(m) if m.status == MarkStatus::Known => paint.dim("known "),
                    Some(_) => paint.dim("flaky "),
                };
                let _ = writeln!(
                    out,
                    "  [{}] {mark}{} · {} · {} · {} case(s)",
                    n + 1,
                    g.implementation,
                    g.kind.as_str(),
                    printable(&g.cause.describe()),
                    g.count
                );
                for line in rule_lines(g) {
                    let _ = writeln!(out, "      {line}");
                }
                if g.paths.len() > 1 {
                    let _ = writeln!(out, "      differs at {}", abbreviate(&g.paths, 4));
                }
                if g.variants.len() > 1 {
                    let _ = writeln!(
                        out,
                        "      {} variants (report.json lists them)",
                        g.variants.len()
                    );
                }
                if let Some(detail) = &g.example.detail {
                    let first = detail.lines().next().unwrap_or_default();
                    let _ = writeln!(out, "      {}", printable(first));
                }
                if let Some(drift) = &g.example.drift {
                    let _ = writeln!(out, "      {}", printable(drift));
                }
                let check = g.example.snippet.as_ref().and_then(|s| s.checked.as_ref());
                if let Some(warning) = check.and_then(check_warning) {
                    let _ = writeln!(out, "      {}", paint.red(warning));
                }
                let _ = writeln!(out, "      repro: {}", g.example.repro);
                if g.is_new() {
                    out.push_str(&example_lines(g, run_dir));
                }
            }
            if self.groups.len() > SHOWN {
                let _ = writeln!(
                    out,
                    "  … and {} more in the report",
                    self.groups.len() - SHOWN
                );
            }
        }
        if let Some(b) = &self.baseline {
            for entry in b.stale.iter().take(SHOWN) {
                let what = if b.stale_fails {
                    paint.red("stale: remove it from the baseline")
                } else {
                    "not seen in this partial run".into()
                };
                let _ = writeln!(out, "  {what} · {}", entry.describe());
            }
            if b.stale.len() > SHOWN {
                let _ = writeln!(out, "  … and {} more stale entries", b.stale.len() - SHOWN);
            }
            for entry in b.out_of_scope.iter().take(SHOWN) {
                let _ = writeln!(
                    out,
                    "  out of scope (its implementation or contract did not run here) · {}",
                    entry.describe()
                );
            }
            if b.out_of_scope.len() > SHOWN {
                let _ = writeln!(
                    out,
                    "  … and {} more out-of-scope entries",
                    b.out_of_scope.len() - SHOWN
                );
            }
        }
        if !self.incidents.is_empty() {
            let _ = writeln!(
                out,
                "\n  {} adapter incident(s):",
                paint.red(&self.incidents.len().to_string())
            );
        }
        for incident in self.incidents.iter().take(SHOWN) {
            let _ = writeln!(out, "  incident · {}", printable(&incident.describe()));
        }
        if self.incidents.len() > SHOWN {
            let _ = writeln!(
                out,
                "  … and {} more in the report",
                self.incidents.len() - SHOWN
            );
        }
        if !self.coverage.is_empty() {
            let _ = writeln!(
                out,
                "\n  coverage (summary.md and index.html list the lines never reached):"
            );
            for record in &self.coverage {
                let _ = writeln!(out, "  {}", record.describe());
            }
        }
        if !self.guided.is_empty() {
            let _ = writeln!(out, "\n  guided generation:");
            for record in &self.guided {
                let _ = writeln!(out, "  {}", record.describe());
            }
        }
        let _ = writeln!(out, "\n  rerun:  {}", self.repro);
        let verdict = self.verdict_line();
        let verdict = match self.verdict {
            Verdict::Agreement => paint.green(&verdict),
            Verdict::Findings => paint.red(&verdict),
            Verdict::Infrastructure | Verdict::NoCases | Verdict::Interrupted => {
                paint.yellow(&verdict)
            }
        };
        let _ = writeln!(out, "  {verdict}");
        out
    }

    /// Where the report went, once it is written.
    pub fn saved_line(report_dir: &Path) -> String {
        format!(
            "  report: {} (also index.html, junit.xml, report.json)\n",
            report_dir.join("summary.md").display()
        )
    }
}

/// Most rules a group line lists with their summaries.
const SHOWN_RULES: usize = 4;
/// Most lines of a group's input, and of its diff, the summary shows.
const INPUT_LINES: usize = 16;
const DIFF_LINES: usize = 40;

/// `RULE  what it demands`, a line per rule the group breaks (the first few).
fn rule_lines(g: &Group) -> Vec<String> {
    let width = g
        .rule_summaries
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<String> = g
        .rule_summaries
        .iter()
        .take(SHOWN_RULES)
        .map(|r| format!("{:<width$}  {}", r.id, r.summary))
        .collect();
    // Rules the contract does not state (none today) still show, by id.
    let unstated: Vec<String> = g
        .rules
        .iter()
        .filter(|id| !g.rule_summaries.iter().any(|r| &r.id == *id))
        .cloned()
        .collect();
    if !unstated.is_empty() {
        lines.push(format!("breaks {}", unstated.join(" ")));
    }
    if g.rule_summaries.len() > SHOWN_RULES {
        lines.push(format!(
            "… and {} more rules (`harness rules {}` states them)",
            g.rule_summaries.len() - SHOWN_RULES,
            g.contract
        ));
    }
    lines
}

/// A new group's smallest input (pretty) and its diff, each cut to a few lines with the
/// file that has it whole; for a group seen by several implementations, the differing
/// places side by side.
fn example_lines(g: &Group, run_dir: Option<&str>) -> String {
    let mut out = String::new();
    let whole = |what: &str, file: String| match run_dir {
        Some(dir) => format!("{what} in {dir}/{file}"),
        None => format!("{what} in {file} of the report folder"),
    };
    let _ = writeln!(out, "      input ({}):", g.example.which());
    let input = crate::judge::canonical_pretty(&g.example.input);
    for line in bounded_lines(&input, INPUT_LINES, &whole("whole input", input_file(g))) {
        let _ = writeln!(out, "        {line}");
    }
    if !g.example.others.is_empty() {
        let _ = writeln!(out, "      side by side:");
        let rows = side_by_side(g, 40);
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect();
            let _ = writeln!(out, "        {}", cells.join(" │ ").trim_end());
        }
    }
    if let Some(diff) = &g.example.diff {
        let _ = writeln!(out, "      diff:");
        for line in bounded_lines(diff, DIFF_LINES, &whole("full diff", diff_file(g))) {
            let _ = writeln!(out, "        {line}");
        }
    }
    out
}

fn abbreviate(items: &[String], keep: usize) -> String {
    let mut shown = items
        .iter()
        .take(keep)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    if items.len() > keep {
        let _ = write!(shown, " (+{} more)", items.len() - keep);
    }
    shown
}

/// ANSI colour for the terminal summary, or plain text when off.
struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn red(&self, text: &str) -> String {
        self.wrap("1;31", text)
    }
    fn green(&self, text: &str) -> String {
        self.wrap("1;32", text)
    }
    fn yellow(&self, text: &str) -> String {
        self.wrap("1;33", text)
    }
    fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::{diff_text, Cause, GroupKey, GroupKind, Variant};
    use crate::report::Example;
    use serde_json::json;

    /// A budget divergence whose input and diff are long: a value of 100 numbers.
    fn long_group(rules: &[&str]) -> Group {
        let value: Vec<u32> = (0..100).collect();
        let input = json!({"primary": {"kind": "resolve", "value": value, "delayMs": 1}});
        let mut example = Example::for_input(input, "repro".into());
        example.diff = Some(diff_text(
            &json!({"outcome": "ok", "value": value}),
            &json!({"outcome": "ok", "value": (500..600).collect::<Vec<u32>>()}),
            "reference",
            "py-x",
        ));
        let variant = Variant {
            rules: rules.iter().map(|r| r.to_string()).collect(),
            paths: vec!["/value".into()],
        };
        let key = GroupKey {
            contract: "budget".into(),
            implementation: "py-x".into(),
            kind: GroupKind::Divergence,
            cause: Cause::of(&variant),
        };
        let mut group = Group::new(&key, example);
        group.count_variant(&key.cause, &variant, 1, &|_| 0);
        group
    }

    #[test]
    fn a_long_input_and_diff_are_cut_with_the_files_that_hold_them_whole() {
        let group = long_group(&["BUDGET-OK"]);
        let shown = example_lines(&group, Some("reports/r1"));
        let input_more = format!("(whole input in reports/r1/{})", input_file(&group));
        let diff_more = format!("(full diff in reports/r1/{})", diff_file(&group));
        let input_lines = crate::judge::canonical_pretty(&group.example.input)
            .lines()
            .count();
        assert!(
            shown.contains(&format!(
                "… {} more lines {input_more}",
                input_lines - INPUT_LINES
            )),
            "{shown}"
        );
        let diff = group.example.diff.as_deref().unwrap();
        let marker = shown
            .lines()
            .find(|l| l.ends_with(&diff_more))
            .unwrap_or_else(|| panic!("no diff marker: {shown}"));
        let more: usize = marker.trim().split(' ').nth(1).unwrap().parse().unwrap();
        let shown_diff = shown.split("      diff:\n").nth(1).unwrap();
        // Every line of the diff is shown or counted, and none is a bare hunk header last.
        assert_eq!(shown_diff.lines().count() - 1 + more, diff.lines().count());
        let last = shown_diff.lines().rev().nth(1).unwrap();
        assert!(!last.trim_start().starts_with("@@"), "{shown_diff}");
        assert!(example_lines(&group, None).contains(&format!(
            "(full diff in {} of the report folder)",
            diff_file(&group)
        )));
    }

    #[test]
    fn each_rule_shows_with_its_summary_and_the_rest_are_counted() {
        let group = long_group(&["BUDGET-OK"]);
        let ok = reference::contract("budget")
            .unwrap()
            .rule("BUDGET-OK")
            .unwrap();
        assert_eq!(rule_lines(&group), [format!("BUDGET-OK  {}", ok.summary)]);
        let many = long_group(&[
            "BUDGET-OK",
            "BUDGET-DEADLINE",
            "BUDGET-EXCEEDED",
            "BUDGET-FALLBACK",
            "BUDGET-TAGS",
            "BUDGET-ONE-EVENT",
        ]);
        let lines = rule_lines(&many);
        assert_eq!(lines.len(), SHOWN_RULES + 1, "{lines:?}");
        assert_eq!(
            lines[SHOWN_RULES],
            "… and 2 more rules (`harness rules budget` states them)"
        );
    }

    #[test]
    fn colour_is_only_added_when_asked_for() {
        assert_eq!(Paint(false).red("x"), "x");
        assert_eq!(Paint(true).red("x"), "\x1b[1;31mx\x1b[0m");
        assert_eq!(Paint(true).green("ok"), "\x1b[1;32mok\x1b[0m");
    }
}
