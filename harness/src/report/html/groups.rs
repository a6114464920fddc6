//! The failing groups of `index.html`: one collapsible section per group (`<details>`, the
//! first open) with its facts, links to its bug report and corpus file, rules, minimal
//! input, outputs side by side and a side-by-side diff; a filter above them.

use std::fmt::Write as _;

use serde_json::Value;

use super::filter::Filter;
use super::{code, code_list, escape, labelled_pre, Links};
use crate::judge::{canonical, canonical_pretty};
use crate::report::bug_program::check_warning;
use crate::report::model::{Example, Group, GroupKind, MarkStatus, Report};
use crate::report::view::{bug_file_name, SHOWN_CHARS};
use crate::run::protocol::cut;

/// Unchanged lines kept next to a change in a side-by-side diff; longer unchanged runs fold
/// into one "unchanged lines" row.
pub(super) const CONTEXT: usize = 5;

pub(super) fn groups(out: &mut String, r: &Report, filter: &Filter, links: &Links) {
    if r.groups.is_empty() {
        out.push_str("<h2>Failing groups</h2>\n<p class=\"note\">No case failed.</p>\n");
        return;
    }
    let _ = writeln!(out, "<h2>Failing groups ({})</h2>", r.groups.len());
    filter.form(out);
    out.push_str("<table id=\"groups\">\n<thead><tr><th class=\"num\">#</th><th>implementation</th><th>contract</th><th>kind</th><th>cause</th><th class=\"num\">cases</th>");
    let marks = r.baseline.is_some() || r.groups.iter().any(|g| g.baseline.is_some());
    if marks {
        out.push_str("<th>baseline</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (n, g) in r.groups.iter().enumerate() {
        let _ = write!(
            out,
            "<tr class=\"filtered {}\"><td class=\"num\"><a href=\"#group-{n}\">{n}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>",
            filter.classes(g),
            code(&g.implementation),
            code(&g.contract),
            escape(g.kind.as_str()),
            escape(&g.cause.describe()),
            g.count,
            n = n + 1,
        );
        if marks {
            let _ = write!(out, "<td>{}</td>", mark_badge(r, g));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    for (n, g) in r.groups.iter().enumerate() {
        let _ = writeln!(
            out,
            "<section class=\"group filtered {}\" id=\"group-{}\">",
            filter.classes(g),
            n + 1
        );
        // The first group open, the rest folded: a long page reads from the overview above.
        out.push_str(if n == 0 {
            "<details open>"
        } else {
            "<details>"
        });
        group(out, r, n + 1, g, links);
        out.push_str("</details>\n</section>\n");
    }
}

/// "known", "flaky" or (when a baseline was given) "new", as a badge; empty otherwise.
fn mark_badge(r: &Report, g: &Group) -> &'static str {
    match &g.baseline {
        Some(m) if m.status == MarkStatus::Known => "<span class=\"badge known\">known</span>",
        Some(_) => "<span class=\"badge flaky\">flaky</span>",
        None if r.baseline.is_some() => "<span class=\"badge new\">new</span>",
        None => "",
    }
}

fn group(out: &mut String, r: &Report, n: usize, g: &Group, links: &Links) {
    let e = &g.example;
    let badge = mark_badge(r, g);
    let _ = writeln!(
        out,
        "<summary><h3>{n}. {} · {} · {}{badge}</h3></summary>",
        code(&g.implementation),
        escape(g.kind.as_str()),
        escape(&g.cause.describe())
    );
    out.push_str("<dl class=\"facts\">\n");
    let fact = |out: &mut String, term: &str, html: &str| {
        let _ = writeln!(out, "<dt>{term}</dt><dd>{html}</dd>");
    };
    fact(out, "contract", &code(&g.contract));
    fact(out, "implementation", &code(&g.implementation));
    fact(out, "kind", &escape(g.kind.as_str()));
    let mut cases = format!("{} case(s)", g.count);
    if !g.first_cases.is_empty() {
        let first: Vec<String> = g.first_cases.iter().map(u64::to_string).collect();
        let _ = write!(cases, " (first generated: {})", first.join(", "));
    }
    fact(out, "cases", &cases);
    if !g.vectors.is_empty() {
        fact(out, "vectors", &code_list(&g.vectors));
    }
    if !g.corpus.is_empty() {
        let files: Vec<String> = g.corpus.iter().map(|p| links.corpus_file(p)).collect();
        fact(out, "corpus", &files.join(", "));
    }
    if let Some(saved) = e.corpus.as_ref().filter(|p| !g.corpus.contains(p)) {
        fact(out, "corpus file", &links.corpus_file(saved));
    }
    if g.kind == GroupKind::Divergence {
        let file = bug_file_name(g);
        let href = super::url_path(&format!("bugs/{file}"));
        let _ = writeln!(
            out,
            "<dt>bug report</dt><dd><a class=\"bug\" href=\"{}\">{}</a></dd>",
            escape(&href),
            code(&format!("bugs/{file}"))
        );
    }
    fact(out, "breaks", &code_list(&g.rules));
    fact(out, "differs at", &code_list(&g.paths));
    let variants = super::super::view::variant_lines(g);
    if !variants.is_empty() {
        let items: String = variants
            .iter()
            .map(|line| format!("<li>{}</li>", escape(line)))
            .collect();
        fact(
            out,
            "variants",
            &format!("<ul class=\"variants\">{items}</ul>"),
        );
    }
    if !e.paths.is_empty() && e.paths != g.paths {
        fact(out, "this example at", &code_list(&e.paths));
    }
    match &g.baseline {
        Some(m) => {
            let mut text = format!(
                "{} — {}",
                match m.status {
                    MarkStatus::Known => "known",
                    MarkStatus::Flaky => "flaky",
                },
                escape(&m.reason)
            );
            if let Some(issue) = &m.issue {
                let _ = write!(text, " (issue: {})", code(issue));
            }
            fact(out, "baseline", &text);
        }
        None if r.baseline.is_some() => {
            fact(out, "baseline", "new: not listed in the baseline");
        }
        None => {}
    }
    if let Some(drift) = &e.drift {
        fact(out, "drift", &escape(drift));
    }
    if g.shared_with_all > 0 {
        fact(
            out,
            "shared",
            &format!(
                "in {} of these cases every implementation gave this same output",
                g.shared_with_all
            ),
        );
    }
    let mut example = escape(&e.which());
    if let Some(s) = &e.shrink {
        let _ = write!(
            example,
            ", shrunk through the implementation from {} to {} bytes ({} steps, {} kept)",
            s.from_bytes, s.to_bytes, s.steps, s.accepted
        );
        if let Some(by) = &s.stopped_by {
            let _ = write!(example, ", stopped by {}", escape(by));
        }
    }
    fact(out, "example", &example);
    out.push_str("</dl>\n");

    if !g.rules.is_empty() {
        out.push_str("<div class=\"label\">rules broken</div>\n<ul class=\"rules\">\n");
        for id in &g.rules {
            let text = reference::contract(&g.contract)
                .and_then(|c| c.rule(id))
                .map(|rule| rule.text)
                .unwrap_or("(no such rule in the reference)");
            let _ = writeln!(out, "<li>{} {}</li>", code(id), escape(text));
        }
        out.push_str("</ul>\n");
    }
    labelled_pre(out, "reproduce", &e.repro);
    labelled_pre(
        out,
        &format!("smallest input ({})", e.which()),
        &canonical_pretty(&e.input),
    );
    outputs(out, g, e);
    if !e.others.is_empty() {
        out.push_str("<div class=\"label\">other implementations on this case</div>\n<table>\n<thead><tr><th>implementation</th><th>status</th><th>output</th></tr></thead>\n<tbody>\n");
        for side in &e.others {
            let output = side
                .output
                .as_ref()
                .map(|o| {
                    format!(
                        "<details><summary>{}</summary><pre>{}</pre></details>",
                        escape(&abbreviated(o)),
                        escape(&cut(&canonical_pretty(o), SHOWN_CHARS))
                    )
                })
                .unwrap_or_else(|| "—".into());
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{output}</td></tr>",
                code(&side.implementation),
                escape(&side.status)
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    if let Some(snippet) = &e.snippet {
        let _ = writeln!(
            out,
            "<details><summary>{} program that reproduces it</summary><pre>{}</pre></details>",
            escape(&snippet.language),
            escape(&snippet.code)
        );
        if let Some(warning) = snippet.checked.as_ref().and_then(check_warning) {
            let _ = writeln!(out, "<p class=\"fail\">{}</p>", escape(warning));
        }
    }
}

/// A one-line preview of an output: its compact canonical form, cut at 100 characters.
fn abbreviated(value: &Value) -> String {
    let text = canonical(value);
    if text.chars().count() > 100 {
        format!("{}…", text.chars().take(100).collect::<String>())
    } else {
        text
    }
}

/// The reference's output beside the implementation's, or what was recorded instead.
fn outputs(out: &mut String, g: &Group, e: &Example) {
    let stderr = e.stderr_tail.as_deref().filter(|t| !t.trim().is_empty());
    if let (Some(expected), Some(actual)) = (&e.expected, &e.actual) {
        let _ = writeln!(
            out,
            "<div class=\"label\">output: reference vs {}</div>",
            escape(&g.implementation)
        );
        diff_table(
            out,
            &cut(&canonical_pretty(expected), SHOWN_CHARS),
            &cut(&canonical_pretty(actual), SHOWN_CHARS),
            &g.implementation,
        );
        if let Some(detail) = &e.detail {
            labelled_pre(out, "detail", detail);
        }
        if let Some(tail) = stderr {
            let _ = writeln!(
                out,
                "<details><summary>adapter stderr (tail)</summary><pre>{}</pre></details>",
                escape(&cut(tail, SHOWN_CHARS))
            );
        }
        return;
    }
    if let Some(expected) = &e.expected {
        labelled_pre(
            out,
            "expected by the reference",
            &canonical_pretty(expected),
        );
    }
    if let Some(actual) = &e.actual {
        labelled_pre(
            out,
            &format!("output of {}", g.implementation),
            &canonical_pretty(actual),
        );
    }
    if let Some(detail) = &e.detail {
        labelled_pre(out, "detail", detail);
    }
    if let Some(tail) = stderr {
        labelled_pre(out, "adapter stderr (tail)", tail);
    }
    if e.expected.is_none() && e.actual.is_none() && e.detail.is_none() && stderr.is_none() {
        out.push_str(
            "<p class=\"note\">No output, detail or stderr was recorded for this case.</p>\n",
        );
    }
}

/// One row of a side-by-side diff: line numbers are 1-based.
enum Row<'a> {
    Same(usize, usize, &'a str),
    Change(Option<(usize, &'a str)>, Option<(usize, &'a str)>),
    Folded(usize),
}

/// `left` (the reference) and `right` (the implementation) aligned line by line.
pub(super) fn diff_table(out: &mut String, left: &str, right: &str, right_name: &str) {
    let old: Vec<&str> = left.lines().collect();
    let new: Vec<&str> = right.lines().collect();
    let old_line = |i: usize| (i + 1, old.get(i).copied().unwrap_or(""));
    let new_line = |i: usize| (i + 1, new.get(i).copied().unwrap_or(""));
    let diff = similar::TextDiff::from_lines(left, right);
    let ops = diff.ops();
    let all_equal = ops.iter().all(|op| op.tag() == similar::DiffTag::Equal);
    let mut rows = Vec::new();
    for (k, op) in ops.iter().enumerate() {
        let (tag, o, n) = op.as_tag_tuple();
        match tag {
            similar::DiffTag::Equal => {
                let len = o.len();
                let head = if k == 0 { 0 } else { CONTEXT };
                let tail = if k + 1 == ops.len() { 0 } else { CONTEXT };
                let same =
                    |x: usize| Row::Same(o.start + x + 1, n.start + x + 1, old_line(o.start + x).1);
                if all_equal || len <= head + tail + 1 {
                    rows.extend((0..len).map(same));
                } else {
                    rows.extend((0..head).map(same));
                    rows.push(Row::Folded(len - head - tail));
                    rows.extend((len - tail..len).map(same));
                }
            }
            similar::DiffTag::Delete => {
                rows.extend(o.map(|i| Row::Change(Some(old_line(i)), None)));
            }
            similar::DiffTag::Insert => {
                rows.extend(n.map(|j| Row::Change(None, Some(new_line(j)))));
            }
            similar::DiffTag::Replace => {
                for x in 0..o.len().max(n.len()) {
                    let l = (o.start + x < o.end).then(|| old_line(o.start + x));
                    let r = (n.start + x < n.end).then(|| new_line(n.start + x));
                    rows.push(Row::Change(l, r));
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "<table class=\"diff\">\n<thead><tr><th class=\"ln\"></th><th>reference</th><th class=\"ln\"></th><th>{}</th></tr></thead>\n<tbody>",
        escape(right_name)
    );
    let side = |out: &mut String, cell: Option<(usize, &str)>, class: &str| match cell {
        Some((number, text)) => {
            let _ = write!(
                out,
                "<td class=\"ln\">{number}</td><td class=\"{class}\">{}</td>",
                escape(text)
            );
        }
        None => out.push_str("<td class=\"ln\"></td><td class=\"gap\"></td>"),
    };
    for row in rows {
        match row {
            Row::Same(l, r, text) => {
                let text = escape(text);
                let _ = writeln!(
                    out,
                    "<tr class=\"eq\"><td class=\"ln\">{l}</td><td>{text}</td><td class=\"ln\">{r}</td><td>{text}</td></tr>"
                );
            }
            Row::Change(l, r) => {
                let class = match (&l, &r) {
                    (Some(_), Some(_)) => "del ins",
                    (Some(_), None) => "del",
                    _ => "ins",
                };
                let _ = write!(out, "<tr class=\"{class}\">");
                side(out, l, "del");
                side(out, r, "ins");
                out.push_str("</tr>\n");
            }
            Row::Folded(count) => {
                let _ = writeln!(
                    out,
                    "<tr class=\"skip\"><td colspan=\"4\">⋯ {count} unchanged line(s)</td></tr>"
                );
            }
        }
    }
    out.push_str("</tbody>\n</table>\n");
}
