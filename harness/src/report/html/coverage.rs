//! The coverage section of `index.html` (`verify --coverage`): per implementation and
//! contract, lines and branches reached per file, and the source around every line no case
//! reached, escaped, with those lines marked.

use std::fmt::Write as _;

use super::{code, escape};
use crate::report::model::{CoverageRecord, CoverageStatus, FileCoverage, Report};

pub(super) fn coverage(out: &mut String, r: &Report) {
    if r.coverage.is_empty() {
        return;
    }
    out.push_str("<h2 id=\"coverage\">Coverage</h2>\n<p class=\"note\">Lines and branches of each implementation's own files that the run's cases reached; below each file, the lines no case reached (marked ✗), with the source around them.</p>\n");
    for record in &r.coverage {
        section(out, record);
    }
}

fn section(out: &mut String, record: &CoverageRecord) {
    let _ = writeln!(
        out,
        "<h3>{} · {}</h3>",
        code(&record.implementation),
        code(&record.contract)
    );
    if record.status == CoverageStatus::Unavailable {
        let _ = writeln!(
            out,
            "<p class=\"note\">Coverage unavailable: {}.</p>",
            escape(record.reason.as_deref().unwrap_or_default())
        );
        return;
    }
    let _ = writeln!(
        out,
        "<p>Lines {}, branches {}.</p>",
        escape(&record.lines.describe()),
        escape(&record.branches.describe())
    );
    out.push_str("<table class=\"coverage\">\n<thead><tr><th>file</th><th class=\"num\">lines</th><th class=\"num\">branches</th><th class=\"num\">never reached</th></tr></thead>\n<tbody>\n");
    for file in &record.files {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            code(&file.path),
            escape(&file.lines.describe()),
            escape(&file.branches.describe()),
            file.missed.len()
        );
    }
    out.push_str("</tbody>\n</table>\n");
    for file in record.files.iter().filter(|f| !f.excerpts.is_empty()) {
        unreached(out, file);
    }
}

/// The file's never-reached lines in their context, folded.
fn unreached(out: &mut String, file: &FileCoverage) {
    let _ = writeln!(
        out,
        "<details class=\"unreached\"><summary>{} — {} line(s) never reached</summary>",
        code(&file.path),
        file.missed.len()
    );
    for excerpt in &file.excerpts {
        out.push_str("<pre>");
        for (number, text) in (excerpt.first_line..).zip(&excerpt.lines) {
            let missed = file.missed.binary_search(&number).is_ok();
            let _ = writeln!(
                out,
                "{}{number:>5} {} {}{}",
                if missed { "<mark>" } else { "" },
                if missed { "✗" } else { " " },
                escape(text),
                if missed { "</mark>" } else { "" },
            );
        }
        out.push_str("</pre>\n");
    }
    out.push_str("</details>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::{Excerpt, Reached};

    #[test]
    fn never_reached_source_is_escaped_and_marked() {
        let record = CoverageRecord {
            implementation: "py<x>".into(),
            contract: "budget".into(),
            status: CoverageStatus::Measured,
            reason: None,
            lines: Reached { hit: 1, total: 2 },
            branches: Reached::default(),
            files: vec![FileCoverage {
                path: "src/a&b.py".into(),
                lines: Reached { hit: 1, total: 2 },
                branches: Reached::default(),
                missed: vec![4],
                hit_branches: Vec::new(),
                missed_branches: Vec::new(),
                excerpts: vec![Excerpt {
                    first_line: 3,
                    lines: vec!["if a < b:".into(), "    raise X('<script>')".into()],
                }],
            }],
        };
        let mut out = String::new();
        section(&mut out, &record);
        assert!(out.contains("<code>py&lt;x&gt;</code>"), "{out}");
        assert!(out.contains("<code>src/a&amp;b.py</code>"), "{out}");
        assert!(out.contains("    3   if a &lt; b:\n"), "{out}");
        assert!(
            out.contains("<mark>    4 ✗     raise X(&#39;&lt;script&gt;&#39;)</mark>"),
            "{out}"
        );
        assert!(!out.contains("<script>"));
        assert!(out.contains("1/2 (50.0 %)"));
    }

    #[test]
    fn an_unavailable_record_says_why() {
        let record = CoverageRecord::unavailable("ts-x", "ledger", "no <option>".into());
        let mut out = String::new();
        section(&mut out, &record);
        assert!(
            out.contains("Coverage unavailable: no &lt;option&gt;."),
            "{out}"
        );
    }
}
