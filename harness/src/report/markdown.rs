//! `summary.md` (for a CI job summary or a pull request comment) and the paste-ready bug
//! reports under `bugs/`.

use std::fmt::Write as _;

use super::bug_program::{check_warning, program_file_name, run_section};
use super::model::{Group, MarkStatus, Report, Tally};
use super::titles;
use super::view::{
    bounded_lines, diff_file, headline_rule, input_file, printable, side_by_side, variant_lines,
    SHOWN_CHARS,
};
use crate::judge::canonical_pretty;
use crate::run::protocol::cut;

impl Report {
    /// `summary.md`, suitable for a CI job summary or a pull request comment.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Conformance run {}\n", self.run_id);
        let _ = writeln!(md, "{}\n", self.headline());
        let _ = writeln!(md, "**{}**\n", self.verdict_line());
        if let Some(line) = self.twin_drift_line() {
            let _ = writeln!(md, "**{line}**\n");
        }
        if self.interrupted {
            let _ = writeln!(md, "> The run was interrupted: tallies and groups cover only the cases that finished.\n");
        }
        let _ = writeln!(md, "Reproduce: {}\n", md_code(&self.repro));
        if let Some(b) = &self.baseline {
            let _ = writeln!(
                md,
                "Baseline {}: {} known, {} flaky, {} new group(s), {} stale entr(ies){}, {} out of scope.\n",
                md_code(b.baseline.as_deref().unwrap_or("(none)")),
                b.known,
                b.flaky,
                b.new,
                b.stale.len(),
                if b.stale_fails || b.stale.is_empty() {
                    ""
                } else {
                    " (not checked: partial run)"
                },
                b.out_of_scope.len()
            );
            for entry in &b.stale {
                let _ = writeln!(md, "- stale, remove it: {}", md_cell(&entry.describe()));
            }
            for entry in &b.out_of_scope {
                let _ = writeln!(
                    md,
                    "- out of scope (its implementation or contract did not run here): {}",
                    md_cell(&entry.describe())
                );
            }
            if !b.stale.is_empty() || !b.out_of_scope.is_empty() {
                let _ = writeln!(md);
            }
        }
        let _ = writeln!(md, "## Implementations\n\n| id | language | status | packages |\n| --- | --- | --- | --- |");
        for imp in &self.implementations {
            let packages: Vec<String> = imp
                .packages
                .iter()
                .map(|(c, p)| format!("{c}: {} {}", p.name, p.version))
                .collect();
            let status = match (&imp.reason, &imp.fix) {
                (Some(reason), Some(fix)) => format!(
                    "{} — {} — fix: {}",
                    imp.status_text(),
                    md_cell(reason),
                    fix.lines()
                        // A table splits at a `|` even inside code.
                        .map(|line| md_code(line).replace('|', "\\|"))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                (Some(reason), None) => format!("{} — {}", imp.status_text(), md_cell(reason)),
                _ => imp.status_text().to_owned(),
            };
            let status = match imp.not_required_note() {
                Some(note) => format!("{status} — {}", md_cell(note)),
                None => status,
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                md_cell(&imp.id),
                md_cell(&imp.language),
                status,
                md_cell(&packages.join(", "))
            );
        }
        for contract in &self.contracts {
            let _ = writeln!(md, "\n## Contract `{}`\n", contract.id);
            let words = Tally::default().outcomes().map(|(word, _)| word);
            let _ = writeln!(
                md,
                "| implementation | cases | {} |\n| --- | ---: |{}",
                words.join(" | "),
                " ---: |".repeat(words.len())
            );
            for t in &contract.tallies {
                let counts = t.outcomes().map(|(_, n)| n.to_string());
                let _ = writeln!(
                    md,
                    "| {} | {} | {} |",
                    md_cell(&t.implementation),
                    t.cases,
                    counts.join(" | ")
                );
            }
            for line in contract.tallies.iter().filter_map(Tally::confirmation_line) {
                let _ = writeln!(md, "\n{}", md_cell(&line));
            }
        }
        if !self.groups.is_empty() {
            let _ = writeln!(md, "\n## Failing groups\n");
        }
        for (n, g) in self.groups.iter().enumerate() {
            let mark = match &g.baseline {
                Some(m) => format!(
                    " · {} ({})",
                    match m.status {
                        MarkStatus::Known => "known",
                        MarkStatus::Flaky => "flaky",
                    },
                    md_cell(&m.reason)
                ),
                None if self.baseline.is_some() => " · **new**".into(),
                None => String::new(),
            };
            let _ = writeln!(
                md,
                "### {}. {} · {} · {}{mark}\n",
                n + 1,
                md_code(&g.implementation),
                g.kind.as_str(),
                md_cell(&g.cause.describe())
            );
            let _ = writeln!(
                md,
                "- contract: {}; cases: {} (first: {})",
                md_code(&g.contract),
                g.count,
                g.first_cases
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if !g.rules.is_empty() {
                let _ = writeln!(md, "- breaks:");
                for id in &g.rules {
                    match g.rule_summaries.iter().find(|r| &r.id == id) {
                        Some(rule) => {
                            let _ =
                                writeln!(md, "  - {} — {}", md_code(id), md_cell(&rule.summary));
                        }
                        None => {
                            let _ = writeln!(md, "  - {}", md_code(id));
                        }
                    }
                }
            }
            if !g.paths.is_empty() {
                let _ = writeln!(
                    md,
                    "- differs at: {}",
                    g.paths
                        .iter()
                        .map(|p| md_code(p))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let variants = variant_lines(g);
            if !variants.is_empty() {
                let _ = writeln!(md, "- variants:");
                for line in variants {
                    let _ = writeln!(md, "  - {}", md_cell(&line));
                }
            }
            if g.shared_with_all > 0 {
                let _ = writeln!(
                    md,
                    "- in {} of these cases every implementation gave this same output",
                    g.shared_with_all
                );
            }
            if let Some(drift) = &g.example.drift {
                let _ = writeln!(md, "- {}", md_cell(drift));
            }
            let check = g.example.snippet.as_ref().and_then(|s| s.checked.as_ref());
            if let Some(warning) = check.and_then(check_warning) {
                let _ = writeln!(md, "- **{warning}**");
            }
            let _ = writeln!(md, "- reproduce: {}\n", md_code(&g.example.repro));
            if let Some(detail) = &g.example.detail {
                let _ = writeln!(md, "{}\n", fenced("text", detail));
            }
            let input = canonical_pretty(&g.example.input);
            let input = bounded_lines(
                &input,
                MD_INPUT_LINES,
                &format!("whole input in {}", input_file(g)),
            );
            let _ = writeln!(
                md,
                "Smallest input ({}):\n\n{}\n",
                g.example.which(),
                fenced("json", &input.join("\n"))
            );
            if !g.example.others.is_empty() {
                let rows = side_by_side(g, 80);
                let line = |row: &[String]| {
                    let cells: Vec<String> = row.iter().map(|c| md_cell(c)).collect();
                    format!("| {} |", cells.join(" | "))
                };
                let _ = writeln!(
                    md,
                    "{}\n|{}",
                    line(&rows[0]),
                    " --- |".repeat(rows[0].len())
                );
                for row in &rows[1..] {
                    let _ = writeln!(md, "{}", line(row));
                }
                let _ = writeln!(md);
            }
            if let Some(diff) = &g.example.diff {
                let diff = bounded_lines(
                    diff,
                    MD_DIFF_LINES,
                    &format!("full diff in {}", diff_file(g)),
                );
                let _ = writeln!(
                    md,
                    "Expected (reference) vs actual:\n\n{}\n",
                    fenced("diff", &diff.join("\n"))
                );
            }
            if let Some(tail) = g
                .example
                .stderr_tail
                .as_deref()
                .filter(|t| !t.trim().is_empty())
            {
                let _ = writeln!(md, "Adapter stderr (tail):\n\n{}\n", fenced("text", tail));
            }
        }
        if !self.incidents.is_empty() {
            let _ = writeln!(
                md,
                "\n## Adapter incidents\n\nEach one fails the run: an adapter broke the protocol, or failed in a way no single case explains (`adapters/PROTOCOL.md` lists the kinds).\n"
            );
            for (n, i) in self.incidents.iter().enumerate() {
                let _ = writeln!(
                    md,
                    "### {}. {} · `{}` ({})\n\n{}\n\n- when: {}",
                    n + 1,
                    i.kind.as_str(),
                    i.implementation,
                    i.contract,
                    md_cell(&i.detail),
                    i.when()
                );
                if i.repeats > 0 {
                    let _ = writeln!(md, "- and {} more like it", i.repeats);
                }
                let _ = writeln!(md);
                if let Some(line) = &i.line {
                    let _ = writeln!(md, "The line it wrote:\n\n{}\n", fenced("text", line));
                }
                if !i.stderr_tail.trim().is_empty() {
                    let _ = writeln!(
                        md,
                        "Adapter stderr (tail):\n\n{}\n",
                        fenced("text", &i.stderr_tail)
                    );
                }
            }
        }
        if !self.coverage.is_empty() {
            let _ = writeln!(md, "\n## Coverage\n\nLines and branches of each implementation's own files that the cases reached (`index.html` shows the lines never reached in their source).\n\n| implementation | contract | file | lines | branches | never reached |\n| --- | --- | --- | ---: | ---: | --- |");
            for c in &self.coverage {
                let (implementation, contract) = (md_code(&c.implementation), md_code(&c.contract));
                if let Some(reason) = &c.reason {
                    let _ = writeln!(
                        md,
                        "| {implementation} | {contract} | unavailable: {} | | | |",
                        md_cell(reason)
                    );
                    continue;
                }
                let _ = writeln!(
                    md,
                    "| {implementation} | {contract} | all | {} | {} | |",
                    c.lines.describe(),
                    c.branches.describe()
                );
                for f in &c.files {
                    let _ = writeln!(
                        md,
                        "| {implementation} | {contract} | {} | {} | {} | {} |",
                        md_code(&f.path),
                        f.lines.describe(),
                        f.branches.describe(),
                        super::coverage::line_ranges(&f.missed)
                    );
                }
            }
        }
        if !self.timings.implementations.is_empty() {
            let _ = writeln!(md, "\n## Timings\n\n| contract/implementation | elapsed p50 | elapsed p99 | timer lag p50 | timer lag p99 | timer lag max |\n| --- | ---: | ---: | ---: | ---: | ---: |");
            for (key, t) in &self.timings.implementations {
                let _ = writeln!(
                    md,
                    "| {key} | {} ms | {} ms | {} ms | {} ms | {} ms |",
                    t.elapsed_ms.p50,
                    t.elapsed_ms.p99,
                    t.timer_lag_ms.p50,
                    t.timer_lag_ms.p99,
                    t.timer_lag_ms.max
                );
            }
        }
        md
    }

    /// implementation that diverged.
    pub fn bug_report(&self, g: &Group) -> String {
        let e = &g.example;
        let contract = reference::contract(&g.contract);
        let rule_text = |id: &str| {
            contract
                .and_then(|c| c.rule(id))
                .map(|r| r.text)
                .unwrap_or("")
        };
        let implementation = self
            .implementations
            .iter()
            .find(|i| i.id == g.implementation);
        let package = implementation
            .and_then(|i| i.packages.get(&g.contract))
            .map(|p| md_cell(&format!("{} {}", p.name, p.version)))
            .unwrap_or_else(|| "unknown package".into());
        let runtime = implementation
            .and_then(|i| i.adapter.as_ref())
            .map(|a| md_cell(&format!("{} {}", a.language, a.version)))
            .unwrap_or_default();

        let language = implementation
            .and_then(|i| i.adapter.as_ref())
            .map(|a| a.language.as_str())
            .or(e.snippet.as_ref().map(|s| s.language.as_str()))
            .unwrap_or_default();
        let rule = headline_rule(g).unwrap_or("the contract");
        let title = titles::title(&g.contract, rule, language).unwrap_or_else(|| {
            let first_sentence = rule_text(rule).split(". ").next().unwrap_or_default();
            format!(
                "{} ({rule})",
                cut(first_sentence.trim_end_matches('.'), 120)
            )
        });
        let mut md = String::new();
        let _ = writeln!(md, "# {package}: {title}\n");
        let _ = writeln!(
            md,
            "The conformance harness found that {} ({package}, {runtime}) diverges from the {} contract.",
            md_code(&g.implementation),
            md_code(&g.contract)
        );
        let _ = writeln!(
            md,
            "It breaks {}.\n",
            g.rules
                .iter()
                .map(|r| format!("**{}**", md_cell(r)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(md, "## Smallest case that shows it\n");
        match &e.snippet {
            Some(snippet) => {
                let _ = writeln!(md, "{}\n", fenced(&snippet.language, &snippet.code));
                if let Some(file) = program_file_name(g) {
                    md.push_str(&run_section(snippet, &file, fenced));
                }
            }
            None => {
                let _ = writeln!(
                    md,
                    "Input (as the harness sends it to the adapter):\n\n{}\n",
                    fenced("json", &canonical_pretty(&e.input))
                );
            }
        }
        if let Some(diff) = &e.diff {
            let printed = e.snippet.as_ref().is_some_and(|s| s.expected.is_some());
            let block = fenced("diff", diff);
            let _ = if printed {
                // The program already shows both sides as it prints them; the harness's form
                // stays at hand for whoever compares it with report.json.
                writeln!(
                    md,
                    "<details><summary>The same difference as the harness compares it (canonical JSON, `-` expected, `+` {})</summary>\n\n{block}\n\n</details>\n",
                    md_cell(&g.implementation),
                )
            } else {
                writeln!(
                    md,
                    "Expected by the contract (`-`) and what {} did (`+`):\n\n{block}\n",
                    md_cell(&g.implementation),
                )
            };
        }
        if let Some(drift) = &e.drift {
            let _ = writeln!(
                md,
                "Other implementations on the same case: {}.\n",
                md_cell(drift)
            );
        }
        let _ = writeln!(md, "## The rule\n");
        for rule in &g.rules {
            let _ = writeln!(md, "> **{rule}** — {}\n", rule_text(rule));
        }
        let variants = variant_lines(g);
        if !variants.is_empty() {
            let _ = writeln!(
                md,
                "## Variants\n\nThe same cause showed in {} shapes (cases × rules at places):\n",
                variants.len()
            );
            for line in variants {
                let _ = writeln!(md, "- {}", md_cell(&line));
            }
            let _ = writeln!(md);
        }
        let _ = writeln!(md, "## Details\n");
        let found = match (e.case, &e.vector) {
            (Some(case), _) => format!("generated case {case} of seed {}", self.seed),
            (None, Some(vector)) => format!("golden vector {}", md_code(vector)),
            _ => md_cell(&e.which()),
        };
        let _ = writeln!(
            md,
            "- Found in {found}; {} case(s) of this run diverge the same way.",
            g.count
        );
        if let Some(shrink) = &e.shrink {
            let _ = writeln!(
                md,
                "- Shrunk through the implementation from {} to {} bytes ({} steps).",
                shrink.from_bytes, shrink.to_bytes, shrink.steps
            );
        }
        let _ = writeln!(
            md,
            "- Differs at: {}.",
            e.paths
                .iter()
                .map(|p| md_code(p))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(
            md,
            "- Harness {}; reproduce with {}.",
            self.harness_version,
            md_code(&e.repro)
        );
        if e.snippet.is_some() {
            let _ = writeln!(
                md,
                "\n<details><summary>Input as the harness sends it</summary>\n\n{}\n\n</details>",
                fenced("json", &canonical_pretty(&e.input))
            );
        }
        md
    }
}

/// Most lines of a group's input, and of its diff, `summary.md` shows; the report folder
/// has them whole.
const MD_INPUT_LINES: usize = 120;
const MD_DIFF_LINES: usize = 200;

/// Text from outside — an adapter (versions, messages, outputs), a config, a baseline — in
/// a line of Markdown or a table cell, shown as written: one line (control characters,
/// line breaks included, become spaces), and every character Markdown or a GFM table
/// reads as markup (emphasis, code, links, raw HTML, entities, pipes) escaped with a
/// backslash, so no HTML passes through and no table breaks.
fn md_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_control() => out.push(' '),
            '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '<' | '>' | '&' | '!' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` as inline code: one line, between backtick runs longer than any inside it. Inside
/// code nothing is markup, so nothing else is escaped — but a table still splits at `|`.
fn md_code(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    // Markdown drops one space inside each end of a code span that has one at both ends,
    // which is what lets a span start or end with a backtick; padding makes that exact.
    // (An empty text is padded too: a span of two spaces reads as blank code, where bare
    // backticks would show as backticks.)
    let pad = text.starts_with('`')
        || text.ends_with('`')
        || (text.starts_with(' ') && text.ends_with(' ') && text.trim() != "")
        || text.is_empty();
    let pad = if pad { " " } else { "" };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// A fenced code block whose fence is longer than any backtick run inside `body`, under an
/// info string kept to the characters a language name has (it may come from an adapter),
/// the body cut to a readable size.
fn fenced(lang: &str, body: &str) -> String {
    let body = cut(body, SHOWN_CHARS);
    let body = printable(&body);
    let fence = "`".repeat(longest_backtick_run(&body).max(2) + 1);
    let lang: String = lang
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '_' | '.' | '#'))
        .collect();
    format!("{fence}{lang}\n{}\n{fence}", body.trim_end_matches('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_backticks_in_the_body() {
        assert_eq!(fenced("text", "a ``` b"), "````text\na ``` b\n````");
        assert_eq!(fenced("py`\nthon <>", "x"), "```python\nx\n```");
    }

    #[test]
    fn outside_text_shows_as_written_and_never_as_markup() {
        assert_eq!(md_cell("a|b\nc\r\td"), "a\\|b c  d");
        assert_eq!(
            md_cell("1.0<script>alert(1)</script>"),
            "1.0\\<script\\>alert(1)\\</script\\>"
        );
        assert_eq!(
            md_cell("**x** `y` [l](u) &lt; ~z~ \\"),
            "\\*\\*x\\*\\* \\`y\\` \\[l\\](u) \\&lt; \\~z\\~ \\\\"
        );
        // Left alone: characters that are markup only at the start of a line, which
        // outside text never is.
        assert_eq!(md_cell("2.0.1-rc+build (x) - y"), "2.0.1-rc+build (x) - y");
    }

    #[test]
    fn code_spans_outgrow_backticks_and_stay_on_one_line() {
        assert_eq!(md_code("cargo run -- verify"), "`cargo run -- verify`");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_code("`x``"), "``` `x`` ```");
        assert_eq!(md_code(" x "), "`  x  `");
        assert_eq!(md_code("<b>|\n"), "`<b>| `");
        assert_eq!(md_code(""), "`  `");
    }
}
