//! `index.html`: one run report as a single self-contained page (inline CSS, no scripts —
//! its Content-Security-Policy forbids them — nothing fetched from anywhere), to open from a
//! CI artifact or a local `reports/<run>/`.
//!
//! Every string that comes from an implementation, a case, a file or the command line goes
//! through [`escape`] on its way into the page: the only unescaped text is the page's own
//! markup. The page depends on nothing but the report and where its corpus files were found
//! ([`Links`]), so the same report gives the same page.

mod coverage;
mod filter;
mod groups;
mod timings;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::model::{ImplRecord, ImplStatus, Report, Tally, Verdict};
use super::view::{printable, SHOWN_CHARS};
use crate::run::protocol::cut;

/// The page's stylesheet, inlined so the page stays one self-contained file.
const STYLE: &str = include_str!("style.css");

/// No script, no request, no plugin, no form submission: only the page's own inline style
/// and inline images.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'";

/// Where the corpus files a report names are, as links from its run folder.
#[derive(Debug, Default)]
pub struct Links {
    /// Corpus path as the report shows it → href relative to the run folder.
    corpus: BTreeMap<String, String>,
}

impl Links {
    /// Finds each corpus file `report` names from the run folder `dir`: the report shows
    /// them relative to the project, which in the usual layout holds the reports folder, so
    /// each folder above `dir` is tried. A file not found gets no link.
    pub fn find(report: &Report, dir: &Path) -> Links {
        let named = report
            .groups
            .iter()
            .flat_map(|g| g.corpus.iter().chain(&g.example.corpus));
        let mut corpus = BTreeMap::new();
        for shown in named {
            let path = Path::new(shown);
            let href = if path.is_absolute() {
                path.is_file().then(|| url_path(shown))
            } else {
                dir.ancestors()
                    .enumerate()
                    .skip(1)
                    .find(|(_, above)| above.join(path).is_file())
                    .map(|(depth, _)| format!("{}{}", "../".repeat(depth), url_path(shown)))
            };
            if let Some(href) = href {
                corpus.insert(shown.clone(), href);
            }
        }
        Links { corpus }
    }

    /// The corpus file `shown`, linked when it was found.
    fn corpus_file(&self, shown: &str) -> String {
        match self.corpus.get(shown) {
            Some(href) => format!(
                "<a class=\"corpus\" href=\"{}\">{}</a>",
                escape(href),
                code(shown)
            ),
            None => code(shown),
        }
    }
}

/// `path` as a URL path: every byte but letters, digits, `/` and `-._~` percent-encoded.
fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'/' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(byte))
            }
            other => {
                let _ = write!(out, "%{other:02X}");
            }
        }
    }
    out
}

/// The report as one HTML5 page, without links to corpus files.
pub fn page(report: &Report) -> String {
    page_with(report, &Links::default())
}

/// The report as one HTML5 page, linking the corpus files `links` found.
pub fn page_with(report: &Report, links: &Links) -> String {
    let filter = filter::Filter::of(report);
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        out,
        "<title>Conformance run {}</title>",
        escape(&report.run_id)
    );
    let _ = writeln!(
        out,
        "<style>{STYLE}{}</style>\n</head>\n<body>\n<main>",
        filter.style()
    );
    header(&mut out, report);
    matrix(&mut out, report);
    incidents(&mut out, report);
    groups::groups(&mut out, report, &filter, links);
    vectors(&mut out, report);
    coverage::coverage(&mut out, report);
    timings::timings(&mut out, report);
    let _ = writeln!(
        out,
        "<footer>report schema {} · harness {} · started {} (UTC) · wall time {} ms · exit code {}</footer>",
        report.schema_version,
        escape(&report.harness_version),
        escape(&report.timings.started_at),
        report.timings.wall_ms,
        report.exit_code
    );
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// `text` safe to place in an element's content or a quoted attribute.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in printable(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `<code>text</code>`, escaped.
pub(super) fn code(text: &str) -> String {
    format!("<code>{}</code>", escape(text))
}

/// Each item as `<code>`, comma-separated; "—" when there are none.
pub(super) fn code_list(items: &[String]) -> String {
    if items.is_empty() {
        return "—".into();
    }
    items
        .iter()
        .map(|item| code(item))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn labelled_pre(out: &mut String, label: &str, body: &str) {
    let _ = writeln!(
        out,
        "<div class=\"label\">{}</div>\n<pre>{}</pre>",
        escape(label),
        escape(&cut(body, SHOWN_CHARS))
    );
}

fn header(out: &mut String, r: &Report) {
    out.push_str("<header>\n");
    let _ = writeln!(out, "<h1>Conformance run {}</h1>", code(&r.run_id));
    let _ = writeln!(out, "<p class=\"headline\">{}</p>", escape(&r.headline()));
    let _ = writeln!(
        out,
        "<p class=\"sub\" id=\"zone\">time zone (TZ) of the adapters: {} · started {} (UTC) · <a href=\"#clock\">timings</a></p>",
        code(&r.settings.time_zone),
        code(&r.timings.started_at)
    );
    let class = match r.verdict {
        Verdict::Agreement => "ok",
        Verdict::Findings => "fail",
        Verdict::Infrastructure | Verdict::NoCases | Verdict::Interrupted => "warn",
    };
    let _ = writeln!(
        out,
        "<div class=\"verdict {class}\">{}</div>",
        escape(&r.verdict_line())
    );
    if let Some(line) = r.twin_drift_line() {
        let _ = writeln!(out, "<div class=\"verdict fail\">{}</div>", escape(&line));
    }
    if r.interrupted {
        out.push_str("<div class=\"banner\">interrupted — partial report: the run was stopped before it finished, so the tallies and groups below cover only the cases that finished.</div>\n");
    }
    labelled_pre(out, "reproduce this run", &r.repro);
    if let Some(b) = &r.baseline {
        let mut files = Vec::new();
        if let Some(path) = &b.baseline {
            files.push(format!("baseline {}", code(path)));
        }
        if let Some(path) = &b.known_flaky {
            files.push(format!("known-flaky list {}", code(path)));
        }
        let _ = writeln!(
            out,
            "<div class=\"label\">baseline</div>\n<p>{}: {} known, {} flaky, {} new group(s), {} stale entr(ies){}, {} out of scope.</p>",
            if files.is_empty() { "baselines".to_owned() } else { files.join(", ") },
            b.known,
            b.flaky,
            b.new,
            b.stale.len(),
            if b.stale_fails || b.stale.is_empty() { "" } else { " (not checked: partial run)" },
            b.out_of_scope.len()
        );
        if !b.stale.is_empty() {
            out.push_str("<ul class=\"stale\">\n");
            for entry in &b.stale {
                let (class, what) = if b.stale_fails {
                    ("fail", "stale: remove it from the baseline")
                } else {
                    ("warn", "not seen in this partial run")
                };
                let _ = writeln!(
                    out,
                    "<li><span class=\"{class}\">{what}</span> {} — {}</li>",
                    code(&entry.describe()),
                    escape(&entry.reason)
                );
            }
            out.push_str("</ul>\n");
        }
        if !b.out_of_scope.is_empty() {
            out.push_str("<ul class=\"stale\">\n");
            for entry in &b.out_of_scope {
                let _ = writeln!(
                    out,
                    "<li><span class=\"none\">out of scope: its implementation or contract did not run here</span> {} — {}</li>",
                    code(&entry.describe()),
                    escape(&entry.reason)
                );
            }
            out.push_str("</ul>\n");
        }
    }
    out.push_str("</header>\n");
}

fn matrix(out: &mut String, r: &Report) {
    out.push_str("<h2>Implementations × contracts</h2>\n");
    let mut ids: Vec<&str> = r.implementations.iter().map(|i| i.id.as_str()).collect();
    for t in r.contracts.iter().flat_map(|c| &c.tallies) {
        if !ids.contains(&t.implementation.as_str()) {
            ids.push(&t.implementation);
        }
    }
    out.push_str("<table id=\"matrix\">\n<thead><tr><th>implementation</th><th>status</th>");
    for c in &r.contracts {
        let _ = write!(out, "<th>{}</th>", code(&c.id));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for id in ids {
        let record = r.implementations.iter().find(|i| i.id == id);
        let _ = write!(out, "<tr><th scope=\"row\">{}", code(id));
        if let Some(i) = record {
            let _ = write!(
                out,
                "<div class=\"sub\">{}{}{}</div>",
                escape(&i.language),
                if i.description.is_empty() { "" } else { " · " },
                escape(&i.description)
            );
        }
        out.push_str("</th>");
        match record {
            Some(i) => status_cell(out, i),
            None => out.push_str("<td class=\"none\">—</td>"),
        }
        for c in &r.contracts {
            match c.tallies.iter().find(|t| t.implementation == id) {
                Some(t) => {
                    let package = record
                        .and_then(|i| i.packages.get(&c.id))
                        .map(|p| format!("{} {}", p.name, p.version));
                    tally_cell(out, t, package.as_deref());
                }
                None => out.push_str("<td class=\"none\">—</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    for c in &r.contracts {
        for pair in &c.agreement {
            let _ = writeln!(
                out,
                "<p class=\"note\">{}: {} and {} gave identical outputs on {}/{} cases.</p>",
                code(&c.id),
                code(&pair.a),
                code(&pair.b),
                pair.identical,
                pair.compared
            );
        }
        for line in c.tallies.iter().filter_map(Tally::confirmation_line) {
            let _ = writeln!(
                out,
                "<p class=\"note\">{}: {}.</p>",
                code(&c.id),
                escape(&line)
            );
        }
    }
}

fn status_cell(out: &mut String, i: &ImplRecord) {
    let (class, status) = match i.status {
        ImplStatus::Available => ("ok", "available"),
        ImplStatus::Unavailable => ("fail", "unavailable"),
        ImplStatus::FailedToStart => ("fail", "failed to start"),
        ImplStatus::Broken => ("fail", "broken"),
    };
    let _ = write!(out, "<td class=\"{class}\">{status}");
    if let Some(adapter) = &i.adapter {
        let _ = write!(
            out,
            "<div class=\"sub\">{} {}</div>",
            escape(&adapter.language),
            escape(&adapter.version)
        );
    }
    if let Some(reason) = &i.reason {
        let _ = write!(out, "<div class=\"sub\">{}</div>", escape(reason));
    }
    if let Some(note) = i.not_required_note() {
        let _ = write!(out, "<div class=\"sub\">{}</div>", escape(note));
    }
    for fix in i.fix.iter().flat_map(|f| f.lines()) {
        let _ = write!(out, "<div class=\"sub\">fix: {}</div>", code(fix));
    }
    out.push_str("</td>");
}

fn tally_cell(out: &mut String, t: &Tally, package: Option<&str>) {
    let class = if t.failed() > 0 { "fail" } else { "ok" };
    let _ = write!(
        out,
        "<td class=\"{class}\"><span class=\"count\">{}/{}</span> pass",
        t.pass, t.cases
    );
    let failures: Vec<String> = t.outcomes()[1..]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| format!("{n} {what}"))
        .collect();
    if !failures.is_empty() {
        let _ = write!(out, "<div>{}</div>", failures.join(", "));
    }
    if t.restarts > 0 {
        let _ = write!(
            out,
            "<div class=\"sub\">{} adapter restart(s)</div>",
            t.restarts
        );
    }
    if let Some(package) = package {
        let _ = write!(out, "<div class=\"sub\">{}</div>", escape(package));
    }
    out.push_str("</td>");
}

fn incidents(out: &mut String, r: &Report) {
    if r.incidents.is_empty() {
        return;
    }
    out.push_str("<h2>Adapter incidents</h2>\n<p class=\"note\">Each one fails the run: an adapter broke the protocol, or failed in a way no single case explains (<code>adapters/PROTOCOL.md</code> lists the kinds).</p>\n<table>\n<thead><tr><th>contract</th><th>implementation</th><th>kind</th><th>what happened</th><th>when</th></tr></thead>\n<tbody>\n");
    for i in &r.incidents {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"fail\">{}</td><td>{}",
            code(&i.contract),
            code(&i.implementation),
            escape(i.kind.as_str()),
            escape(&i.detail)
        );
        if let Some(line) = &i.line {
            let _ = write!(
                out,
                "<details><summary>the line it wrote</summary><pre>{}</pre></details>",
                escape(line)
            );
        }
        if !i.stderr_tail.trim().is_empty() {
            let _ = write!(
                out,
                "<details><summary>adapter stderr (tail)</summary><pre>{}</pre></details>",
                escape(&cut(&i.stderr_tail, SHOWN_CHARS))
            );
        }
        let _ = write!(out, "</td><td>{}", escape(&i.when()));
        if i.repeats > 0 {
            let _ = write!(
                out,
                "<div class=\"sub\">and {} more like it</div>",
                i.repeats
            );
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn vectors(out: &mut String, r: &Report) {
    out.push_str("<h2>Golden vectors</h2>\n");
    if r.vectors.is_empty() {
        out.push_str("<p class=\"note\">No golden vectors ran.</p>\n");
        return;
    }
    let failing: Vec<_> = r.vectors.iter().filter(|v| v.status != "pass").collect();
    let passing = r.vectors.len() - failing.len();
    let _ = writeln!(
        out,
        "<p><span class=\"ok\">&nbsp;{passing} passing&nbsp;</span> · <span class=\"{}\">&nbsp;{} failing&nbsp;</span></p>",
        if failing.is_empty() { "ok" } else { "fail" },
        failing.len()
    );
    if failing.is_empty() {
        return;
    }
    out.push_str("<table id=\"vectors\">\n<thead><tr><th>contract</th><th>implementation</th><th>vector</th><th>result</th><th>rules</th></tr></thead>\n<tbody>\n");
    for v in failing {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"fail\">{}</td><td>{}</td></tr>",
            code(&v.contract),
            code(&v.implementation),
            code(&v.id),
            escape(&v.status),
            code_list(&v.rules)
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::groups::{diff_table, CONTEXT};
    use super::*;
    use crate::baseline::{Entry, Mark, Outcome};
    use crate::judge::GroupKey;
    use crate::report::{
        ContractRecord, GroupKind, SettingsRecord, Snippet, Timings, VectorOutcome,
    };
    use crate::report::{Example, Group, MarkStatus};
    use crate::run::protocol::{AdapterInfo, Package};

    const HOSTILE: &str = "<script>alert(1)</script>";

    fn tally(implementation: &str, pass: u64, diverge: u64) -> Tally {
        Tally {
            implementation: implementation.into(),
            cases: pass + diverge,
            pass,
            diverge,
            ..Tally::default()
        }
    }

    /// A report with one of everything a writer shows, hostile text included.
    pub(crate) fn sample_report() -> Report {
        let mut example = Example::for_input(
            json!({"op": "migrate", "data": {"schema_version": "2.0.0", "note": HOSTILE}}),
            "cargo run --release -- verify --impl py-x --seed 3 --case 7".into(),
        );
        example.case = Some(7);
        example.expected = Some(json!({"ok": {"a": 1, "b": [1, 2, 3], "c": "same", "d": null}}));
        example.actual = Some(json!({"ok": {"a": HOSTILE, "b": [1, 2, 3], "c": "same"}}));
        example.paths = vec!["/ok/a".into(), "/ok/d".into()];
        example.snippet = Some(Snippet {
            language: "python".into(),
            code: format!("print('{HOSTILE}')"),
            ..Snippet::default()
        });
        let mut crash = Example::for_input(json!({"op": "path"}), "repro crash".into());
        crash.detail = Some(format!("adapter exited: {HOSTILE}"));
        crash.stderr_tail = Some("Traceback: <img src=x onerror=alert(2)>".into());
        let group = |kind, rules: &[&str], example| {
            let variant = crate::judge::Variant {
                rules: rules.iter().map(|r| r.to_string()).collect(),
                paths: vec!["/ok/<MIG-STEP-* key>".into()],
            };
            let key = GroupKey {
                contract: "migrate".into(),
                implementation: "py-x".into(),
                kind,
                cause: crate::judge::Cause::of(&variant),
            };
            let mut group = Group::new(&key, example);
            group.count_variant(&key.cause, &variant, 3, &|_| 0);
            group.first_cases = vec![7, 9];
            group
        };
        let mut known = group(GroupKind::Crash, &["MIG-PURE"], crash);
        known.baseline = Some(Mark {
            status: MarkStatus::Known,
            reason: "crashes on \"path\" & friends".into(),
            issue: None,
        });
        Report {
            schema_version: crate::report::SCHEMA_VERSION,
            run_id: "20260101T000000Z-s3".into(),
            harness_version: "0.1.0".into(),
            repro: "cargo run --release -- verify --impl py-x --seed 3".into(),
            seed: 3,
            settings: SettingsRecord {
                cases: 200,
                only_case: None,
                fixed_cases: 4,
                corpus_cases: 0,
                profile: "normal".into(),
                time_zone: "UTC".into(),
                race_band_ms: 15,
                confirm_runs: 2,
                timing_slack_ms: 40,
                max_case_ms: 5000,
                window: Some(64),
                jobs: 1,
                shard: None,
                vector: None,
            },
            implementations: vec![
                ImplRecord {
                    id: "py-x".into(),
                    language: "python".into(),
                    description: "a Python sample".into(),
                    status: ImplStatus::Available,
                    required: true,
                    answered: 0,
                    reason: None,
                    fix: None,
                    adapter: Some(AdapterInfo {
                        name: "python-adapter".into(),
                        language: "python".into(),
                        version: "3.11.7".into(),
                    }),
                    packages: BTreeMap::from([(
                        "migrate".to_owned(),
                        Package {
                            name: "antaris-contracts".into(),
                            version: "0.1.0-sample".into(),
                        },
                    )]),
                },
                ImplRecord {
                    id: "ts-y".into(),
                    language: "typescript".into(),
                    description: String::new(),
                    status: ImplStatus::Unavailable,
                    required: true,
                    answered: 0,
                    reason: Some("AEGIS_TS_SRC is not set <here>".into()),
                    fix: Some("export AEGIS_TS_SRC=/path/to/aegis".into()),
                    adapter: None,
                    packages: BTreeMap::new(),
                },
            ],
            contracts: vec![
                ContractRecord {
                    id: "migrate".into(),
                    tallies: vec![tally("py-x", 197, 3)],
                    agreement: vec![],
                },
                ContractRecord {
                    id: "budget".into(),
                    tallies: vec![tally("py-x", 50, 0)],
                    agreement: vec![],
                },
            ],
            groups: vec![
                group(GroupKind::Divergence, &["MIG-STEP-2.0.0"], example),
                known,
            ],
            incidents: vec![],
            vectors: vec![
                VectorOutcome {
                    contract: "migrate".into(),
                    implementation: "py-x".into(),
                    id: "keeps-<present>-keys".into(),
                    status: "divergence".into(),
                    rules: vec!["MIG-STEP-2.0.0".into()],
                },
                VectorOutcome {
                    contract: "migrate".into(),
                    implementation: "py-x".into(),
                    id: "passes-quietly".into(),
                    status: "pass".into(),
                    rules: vec![],
                },
            ],
            baseline: Some(Outcome {
                baseline: Some("ci/baseline.toml".into()),
                known_flaky: None,
                known: 1,
                flaky: 0,
                new: 1,
                stale: vec![Entry::of(
                    &GroupKey {
                        contract: "migrate".into(),
                        implementation: "py-x".into(),
                        kind: GroupKind::Divergence,
                        cause: crate::judge::Cause {
                            rule: Some("MIG-UNKNOWN".into()),
                            place: Some("/error".into()),
                        },
                    },
                    &[],
                    "fixed <upstream>",
                )],
                out_of_scope: Vec::new(),
                stale_fails: true,
            }),
            interrupted: false,
            interrupted_by: None,
            merged_from: Vec::new(),
            coverage: Vec::new(),
            guided: Vec::new(),
            verdict: Verdict::Findings,
            exit_code: 1,
            timings: Timings::default(),
        }
    }

    #[test]
    fn escape_covers_the_five_special_characters() {
        assert_eq!(escape(r#"a&b<c>d"e'f"#), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
        assert_eq!(escape("plain — text"), "plain — text");
    }

    #[test]
    fn data_from_implementations_and_inputs_is_escaped() {
        let html = page(&sample_report());
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
        assert!(!html.contains("<img"), "stderr tail is escaped");
        assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
        assert!(
            html.contains("/ok/&lt;MIG-STEP-* key&gt;"),
            "paths are escaped"
        );
        assert!(
            html.contains("AEGIS_TS_SRC is not set &lt;here&gt;"),
            "reasons are escaped"
        );
        assert!(
            html.contains("keeps-&lt;present&gt;-keys"),
            "vector ids are escaped"
        );
        assert!(html.contains("crashes on &quot;path&quot; &amp; friends"));
        assert!(
            html.contains("print(&#39;&lt;script&gt;"),
            "snippet code is escaped"
        );
    }

    #[test]
    fn the_page_references_nothing_on_the_network() {
        let html = page(&sample_report());
        assert!(!html.contains("http://") && !html.contains("https://"));
        for tag in [
            "<link", "<img", "<iframe", "<object", "<embed", "url(", "@import",
        ] {
            assert!(!html.contains(tag), "{tag} in the page");
        }
        assert!(html.starts_with("<!DOCTYPE html>"));
    }

    #[test]
    fn the_matrix_has_a_cell_per_implementation_and_contract() {
        let html = page(&sample_report());
        let start = html.find("<table id=\"matrix\">").expect("matrix");
        let matrix = &html[start..start + html[start..].find("</table>").unwrap()];
        assert_eq!(matrix.matches("<tr><th scope=\"row\">").count(), 2);
        assert!(matrix.contains(
            "<td class=\"fail\"><span class=\"count\">197/200</span> pass<div>3 diverge</div>"
        ));
        assert!(matrix.contains("<td class=\"ok\"><span class=\"count\">50/50</span> pass"));
        assert_eq!(
            matrix.matches("<td class=\"none\">—</td>").count(),
            2,
            "ts-y ran neither contract"
        );
        assert!(
            matrix.contains("unavailable")
                && matrix.contains("fix: <code>export AEGIS_TS_SRC=/path/to/aegis</code>")
        );
    }

    #[test]
    fn groups_show_rules_marks_and_an_aligned_diff() {
        let html = page(&sample_report());
        assert_eq!(html.matches("<section class=\"group ").count(), 2);
        assert!(
            html.contains("<a href=\"#group-2\">2</a>"),
            "the overview links each group"
        );
        // Each group folds; the first is open.
        assert!(html.contains("<section class=\"group filtered fi-0 fc-0 fk-1\" id=\"group-2\">\n<details><summary><h3>2. "));
        assert_eq!(html.matches("<details open><summary><h3>").count(), 1);
        // The divergence links its bug report; the crash has none.
        assert_eq!(
            html.matches("<a class=\"bug\" href=\"bugs/py-x-").count(),
            1
        );
        assert!(html.contains("<span class=\"badge new\">new</span>"));
        assert!(html.contains("<span class=\"badge known\">known</span>"));
        let rule = reference::contract("migrate")
            .and_then(|c| c.rule("MIG-STEP-2.0.0"))
            .unwrap();
        assert!(html.contains(&escape(rule.text)), "rule text is cited");
        let start = html.find("<table class=\"diff\">").expect("a diff table");
        let diff = &html[start..start + html[start..].find("</table>").unwrap()];
        assert!(diff.contains("<th>reference</th>") && diff.contains("<th>py-x</th>"));
        // `"a": 1` became the hostile string: one paired row; `"d": null` was dropped.
        assert!(diff.contains("<tr class=\"del ins\"><td class=\"ln\">3</td><td class=\"del\">    &quot;a&quot;: 1,</td>"));
        assert!(diff.contains("<td class=\"ins\">    &quot;a&quot;: &quot;&lt;script&gt;"));
        assert!(diff.contains("<tr class=\"eq\"><td class=\"ln\">1</td><td>{</td><td class=\"ln\">1</td><td>{</td></tr>"));
        assert!(diff.contains("<td class=\"del\">    &quot;d&quot;: null</td><td class=\"ln\"></td><td class=\"gap\"></td>"));
        // The crash group has no outputs: its detail and stderr are shown instead.
        assert_eq!(html.matches("<table class=\"diff\">").count(), 1);
        assert!(html.contains("<pre>adapter exited: &lt;script&gt;"));
        assert!(html.contains("<details><summary>python program that reproduces it</summary>"));
    }

    #[test]
    fn groups_filter_by_kind_with_css_alone() {
        let html = page(&sample_report());
        // One implementation and one contract: only the kind is worth a filter.
        assert!(html.contains("<form class=\"filter\""));
        assert!(html.contains("<input type=\"radio\" name=\"fk\" id=\"f-fk-all\" checked>"));
        assert!(html.contains("<input type=\"radio\" name=\"fk\" id=\"f-fk-1\">"));
        assert!(!html.contains("name=\"fi\"") && !html.contains("name=\"fc\""));
        assert!(html.contains("main:has(#f-fk-1:checked) .filtered:not(.fk-1) { display: none; }"));
        assert_eq!(
            html.matches("<tr class=\"filtered fi-0 fc-0 fk-").count(),
            2
        );
        // Scripts are forbidden outright, and none is there.
        assert!(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline';"));
        assert!(!html.contains("<script"));
        // A second implementation adds its dimension; its id, however hostile, stays text
        // and never reaches the style rules.
        let mut report = sample_report();
        report.groups[1].implementation = HOSTILE.into();
        let html = page(&report);
        assert!(html.contains("id=\"f-fi-1\"> <code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"));
        assert!(html.contains("main:has(#f-fi-1:checked) .filtered:not(.fi-1)"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn the_page_shows_the_time_zone_and_the_timings() {
        let mut report = sample_report();
        report.timings.started_at = "2026-01-02T03:04:05Z".into();
        report.timings.contracts_ms = [("migrate".to_owned(), 4321)].into();
        report.timings.implementations = [(
            "migrate/py-x".to_owned(),
            crate::report::ImplTimings {
                elapsed_ms: crate::report::Percentiles::of(vec![1.0, 2.0, 9.5]),
                timer_lag_ms: crate::report::Percentiles::of(vec![0.5, 7.25]),
            },
        )]
        .into();
        let html = page(&report);
        let zone = &report.settings.time_zone;
        assert!(html.contains(&format!(
            "time zone (TZ) of the adapters: <code>{zone}</code>"
        )));
        assert!(html.contains("started <code>2026-01-02T03:04:05Z</code> (UTC)"));
        assert!(html.contains("<code>migrate</code> 4321 ms"));
        let start = html
            .find("<table id=\"timings\">")
            .expect("a timings table");
        let table = &html[start..start + html[start..].find("</table>").unwrap()];
        assert!(table.contains("<code>migrate/py-x</code>"), "{table}");
        assert!(
            table.contains("9.5 ms") && table.contains("7.25 ms"),
            "{table}"
        );
    }

    #[test]
    fn corpus_files_are_linked_from_the_run_folder_when_found() {
        let project = tempfile::tempdir().unwrap();
        let run_dir = project.path().join("reports/20260101T000000Z-s1");
        std::fs::create_dir_all(&run_dir).unwrap();
        std::fs::create_dir_all(project.path().join("corpus/migrate")).unwrap();
        std::fs::write(project.path().join("corpus/migrate/a b.json"), "{}").unwrap();
        let mut report = sample_report();
        report.groups[0].corpus = vec!["corpus/migrate/a b.json".into(), "corpus/gone.json".into()];
        let html = page_with(&report, &Links::find(&report, &run_dir));
        assert!(html.contains(
            "<a class=\"corpus\" href=\"../../corpus/migrate/a%20b.json\"><code>corpus/migrate/a b.json</code></a>"
        ));
        assert!(html.contains("<code>corpus/gone.json</code>"));
        assert!(!html.contains("href=\"../../corpus/gone.json\""));
    }

    #[test]
    fn long_unchanged_runs_fold() {
        let left: String = (0..40).map(|i| format!("line {i}\n")).collect();
        let right = left.replace("line 20\n", "changed\n");
        let mut out = String::new();
        diff_table(&mut out, &left, &right, "impl");
        assert_eq!(out.matches("<tr class=\"skip\">").count(), 2, "{out}");
        assert!(out.contains("⋯ 15 unchanged line(s)") && out.contains("⋯ 14 unchanged line(s)"));
        assert_eq!(out.matches("<tr class=\"eq\">").count(), 2 * CONTEXT);
    }

    #[test]
    fn header_shows_verdict_baseline_and_interruption() {
        let mut report = sample_report();
        let html = page(&report);
        assert!(html.contains(&escape(&report.verdict_line())));
        assert!(html.contains("<div class=\"verdict fail\">"));
        assert!(!html.contains("interrupted — partial report"));
        assert!(html.contains("stale: remove it from the baseline</span> <code>migrate · py-x · divergence · MIG-UNKNOWN at /error</code> — fixed &lt;upstream&gt;"));
        assert!(html.contains("1 passing") && html.contains("1 failing"));
        assert!(html.contains("cargo run --release -- verify --impl py-x --seed 3</pre>"));
        report.interrupted = true;
        report.verdict = Verdict::Interrupted;
        let html = page(&report);
        assert!(html.contains("<div class=\"banner\">interrupted — partial report"));
        assert_eq!(html, page(&report), "the same report gives the same page");
    }
}
