//! `harness rules`, and the contract pages written from it: every rule of every contract is
//! listed with its text, docs/contracts/ is what the command writes today, and every rule
//! id and contract page the repository cites exists.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{harness, repo_root};
use serde_json::Value;

/// Every rule as `harness rules --format json` lists it.
fn listed_rules() -> Vec<Value> {
    let run = harness(&["rules", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rules: Value = serde_json::from_str(&run.stdout).expect("rules --format json is JSON");
    rules.as_array().expect("an array of rules").clone()
}

#[test]
fn json_lists_every_rule_of_every_contract_with_its_summary_and_text() {
    let listed = listed_rules();
    let expected: Vec<(&str, &str, &str, &str)> = reference::CONTRACTS
        .iter()
        .flat_map(|c| c.rules().iter().map(|r| (c.id(), r.id, r.summary, r.text)))
        .collect();
    let got: Vec<(&str, &str, &str, &str)> = listed
        .iter()
        .map(|r| {
            let field = |name: &str| r[name].as_str().expect("string fields");
            (
                field("contract"),
                field("id"),
                field("summary"),
                field("text"),
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert!(listed
        .iter()
        .all(|r| r.as_object().is_some_and(|o| o.len() == 4)));
}

#[test]
fn rules_budget_lists_every_budget_rule_with_its_summary_and_full_text() {
    let run = harness(&["rules", "budget"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let budget = reference::contract("budget").expect("budget is registered");
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let shown = words(&run.stdout);
    for rule in budget.rules() {
        assert!(
            shown.contains(rule.id),
            "{} missing:\n{}",
            rule.id,
            run.stdout
        );
        assert!(shown.contains(&words(rule.summary)), "{} summary", rule.id);
        assert!(shown.contains(&words(rule.text)), "{} full text", rule.id);
    }
    assert!(!run.stdout.contains("MIG-"), "only budget's rules");
}

#[test]
fn every_contract_lists_a_line_per_rule_and_one_rule_shows_its_full_text() {
    let all = harness(&["rules"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    for contract in reference::CONTRACTS {
        for rule in contract.rules() {
            let line = all
                .stdout
                .lines()
                .find(|l| l.split_whitespace().next() == Some(rule.id))
                .unwrap_or_else(|| panic!("no line for {}:\n{}", rule.id, all.stdout));
            assert!(line.ends_with(rule.summary), "{line}");
        }
    }
    for args in [
        &["rules", "migrate", "mig-step-2.1.0"][..],
        &["rules", "MIG-STEP-2.1.0"][..],
    ] {
        let one = harness(args);
        assert_eq!(one.code, 0, "{args:?}: {}", one.stderr);
        assert!(
            one.stdout.starts_with("MIG-STEP-2.1.0 (migrate)"),
            "{}",
            one.stdout
        );
        assert!(
            one.stdout.contains("_heartbeat_contaminated"),
            "{}",
            one.stdout
        );
        assert!(!one.stdout.contains("MIG-STEP-2.1.1"), "one rule only");
    }
}

#[test]
fn an_unknown_contract_or_rule_is_a_usage_error_naming_the_closest_id() {
    let contract = harness(&["rules", "ledgr"]);
    assert_eq!(contract.code, 2, "{}", contract.stdout);
    assert!(
        contract.stderr.contains("no contract `ledgr`"),
        "{}",
        contract.stderr
    );
    assert!(
        contract.stderr.contains("did you mean `ledger`?"),
        "{}",
        contract.stderr
    );
    let rule = harness(&["rules", "sql-migrations", "SQLMIG-ROLBACK"]);
    assert_eq!(rule.code, 2, "{}", rule.stdout);
    assert!(
        rule.stderr.contains("did you mean `SQLMIG-ROLLBACK`?"),
        "{}",
        rule.stderr
    );
    assert!(!rule.stderr.contains("panicked"), "{}", rule.stderr);
}

#[test]
fn docs_contracts_are_what_harness_rules_writes_and_hold_every_rule() {
    let docs = repo_root().join("docs/contracts");
    for contract in reference::CONTRACTS {
        let id = contract.id();
        let path = docs.join(format!("{id}.md"));
        let written = std::fs::read_to_string(&path).unwrap_or_default();
        let run = harness(&["rules", id, "--format", "markdown"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            written == run.stdout,
            "{} is not what the reference's rules give: rewrite it with \
             `cargo run -- rules {id} --format markdown > docs/contracts/{id}.md`",
            path.display()
        );
        for rule in contract.rules() {
            assert!(
                written.contains(&format!("**{}**", rule.id)),
                "{} does not list {}",
                path.display(),
                rule.id
            );
        }
    }
    let pages: BTreeSet<String> = std::fs::read_dir(&docs)
        .expect("docs/contracts/ exists")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    let expected: BTreeSet<String> = reference::CONTRACTS
        .iter()
        .map(|c| format!("{}.md", c.id()))
        .collect();
    assert_eq!(pages, expected, "one page per contract, no other");
}

/// The files that cite rules and contract pages: docs/, the adapters (protocol, bindings,
/// samples, the implementations file), README.md and reports/README.md.
fn citing_files() -> Vec<PathBuf> {
    let root = repo_root();
    let mut files = vec![root.join("README.md"), root.join("reports/README.md")];
    for dir in ["docs", "adapters"] {
        collect(&root.join(dir), &mut files);
    }
    files
}

fn collect(dir: &Path, into: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name();
        if name == "node_modules" || name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(&path, into);
        } else if ["md", "py", "ts", "toml", "json", "rs"]
            .iter()
            .any(|ext| path.extension().is_some_and(|e| e == *ext))
        {
            into.push(path);
        }
    }
}

const RULE_PREFIXES: [&str; 5] = ["BUDGET-", "MIG-", "SQLMIG-", "LEDGER-", "TOKEN-"];

/// The rule ids `text` cites: a prefix at the start of a word, then capitals, digits, dots,
/// and dashes, less a sentence's final dot; or a family such as `MIG-STEP-*`.
fn cited_rule_ids(text: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for (at, _) in text.char_indices() {
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-') {
            continue;
        }
        let Some(prefix) = RULE_PREFIXES.iter().find(|p| text[at..].starts_with(**p)) else {
            continue;
        };
        let after = &text[at + prefix.len()..];
        let rest: String = after
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || ".-".contains(*c))
            .collect();
        if rest.ends_with('-') && after[rest.len()..].starts_with('*') {
            ids.push(format!("{prefix}{rest}*"));
            continue;
        }
        let rest = rest.trim_end_matches(['.', '-']);
        if !rest.is_empty() {
            ids.push(format!("{prefix}{rest}"));
        }
    }
    ids
}

#[test]
fn every_rule_id_the_repository_cites_exists() {
    let known: Vec<&str> = reference::CONTRACTS
        .iter()
        .flat_map(|c| c.rules().iter().map(|r| r.id))
        .collect();
    let exists = |id: &str| match id.strip_suffix('*') {
        Some(family) => known.iter().any(|k| k.starts_with(family)),
        None => known.contains(&id),
    };
    let mut unknown = Vec::new();
    let mut cited = 0;
    for path in citing_files() {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for id in cited_rule_ids(&text) {
            cited += 1;
            if !exists(&id) {
                unknown.push(format!("{}: {id}", path.display()));
            }
        }
    }
    assert!(cited > 50, "the walk found only {cited} citations");
    assert!(
        unknown.is_empty(),
        "cited rules that no contract has:\n{}",
        unknown.join("\n")
    );
}

#[test]
fn the_citation_scanner_reads_ids_families_and_sentence_ends() {
    assert_eq!(
        cited_rule_ids(
            "breaks MIG-STEP-2.1.0. Also `SQLMIG-FAIL`, MIG-STEP-* and TOKEN-…; **LEDGER-FIT**"
        ),
        ["MIG-STEP-2.1.0", "SQLMIG-FAIL", "MIG-STEP-*", "LEDGER-FIT"]
    );
    assert!(cited_rule_ids("X-BUDGET-OK NOMIG-X").is_empty());
}

/// Every file of the repository is walked, this one too.
#[test]
fn every_contract_page_the_repository_cites_is_in_docs_contracts() {
    let root = repo_root();
    let mut wrong = Vec::new();
    let mut cited = 0;
    let mut files = Vec::new();
    collect(&root, &mut files);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (at, _) in text.match_indices("contracts/") {
            let name: String = text[at + "contracts/".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '-' || *c == '.')
                .collect();
            let Some(page) = name.strip_suffix(".md").or(name.strip_suffix(".md.")) else {
                continue;
            };
            cited += 1;
            let in_docs = text[..at].ends_with("docs/");
            if !in_docs || !root.join(format!("docs/contracts/{page}.md")).is_file() {
                wrong.push(format!("{}: contracts/{page}.md", path.display()));
            }
        }
    }
    assert!(cited >= 10, "the walk found only {cited} citations");
    assert!(
        wrong.is_empty(),
        "cite contract pages as docs/contracts/NAME.md (an existing page):\n{}",
        wrong.join("\n")
    );
}
