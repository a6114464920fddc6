//! What a finding shows, through the real binary: each group's rules with their one-line
//! text, its smallest input and its diff, in the terminal and in summary.md — whole up to a
//! size, then "… N more lines" naming a file of the run folder that holds it whole — and
//! `repro` printing the input, the expected and actual outputs and the diff. The runs drive
//! a real adapter, so they take the serial lock.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{serial, Sandbox};
use serde_json::Value;

/// The contents of every file in `dir`.
fn contents(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect()
}

/// The file each "… N more lines (… in FILE)" line names, and that it holds.
fn cut_markers(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("… "))
        .filter(|l| l.contains(" more line"))
        .filter_map(|l| l.rsplit_once(" in ").map(|(_, file)| file))
        .map(|file| file.trim_end_matches(')').to_owned())
        .collect()
}

#[test]
fn a_finding_shows_rules_input_and_diff_and_the_run_folder_holds_them_whole() {
    let _guard = serial();
    let sandbox = Sandbox::new();
    let run = sandbox.run(&[
        "verify",
        "--impl",
        "py-mutant-overwrite",
        "--contract",
        "migrate",
        "--cases",
        "200",
        "--seed",
        "5",
        "--shrink-time",
        "2",
        "--quiet",
    ]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let shown = format!("{}{}", run.stdout, run.stderr);
    let dir = run.report_dir.clone().expect("a run folder");
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    // summary.md escapes Markdown's characters in outside text; compare without them.
    let summary_plain = summary.replace('\\', "");
    let groups = run.groups();
    assert!(!groups.is_empty(), "{shown}");
    let inputs: Vec<Value> = contents(&dir.join("inputs"))
        .iter()
        .map(|text| serde_json::from_str(text).expect("inputs/ holds JSON"))
        .collect();
    let diffs = contents(&dir.join("diffs"));
    for g in &groups {
        let summaries = g["ruleSummaries"].as_array().expect("ruleSummaries");
        assert_eq!(summaries.len(), g["rules"].as_array().unwrap().len(), "{g}");
        for rule in summaries {
            let (id, line) = (
                rule["id"].as_str().unwrap(),
                rule["summary"].as_str().unwrap(),
            );
            assert!(!line.is_empty(), "{id}");
            assert!(
                summary_plain.contains(&format!("`{id}` — {line}")),
                "summary.md lacks {id}'s line:\n{summary}"
            );
        }
        let first = &summaries[0];
        assert!(
            shown.lines().any(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                words.first() == first["id"].as_str().as_ref()
                    && l.trim_end().ends_with(first["summary"].as_str().unwrap())
            }),
            "the terminal shows the first rule with its line: {shown}"
        );
        assert!(inputs.contains(&g["example"]["input"]), "inputs/ has {g}");
        let diff = g["example"]["diff"]
            .as_str()
            .expect("a divergence has a diff");
        assert!(diffs.contains(diff), "diffs/ has the whole diff of {g}");
    }
    assert!(
        shown.contains("      input (") && shown.contains("      diff:"),
        "{shown}"
    );
    assert!(summary.contains("Smallest input") && summary.contains("```diff"));
    for file in cut_markers(&shown) {
        assert!(Path::new(&file).is_file(), "{file} is named but missing");
    }
    for file in cut_markers(&summary) {
        assert!(dir.join(&file).is_file(), "{file} is named but missing");
    }

    // The saved case, replayed: what it breaks, and every part whole.
    let saved = groups[0]["example"]["corpus"]
        .as_str()
        .expect("saved to the corpus");
    let repro = sandbox.run(&["repro", saved]);
    assert_eq!(repro.code, 1, "{}\n{}", repro.stdout, repro.stderr);
    for part in [
        "\ninput:\n",
        "\nexpected (reference):\n",
        "\nactual (py-mutant-overwrite):\n",
        "\ndiff (reference vs py-mutant-overwrite):\n",
    ] {
        assert!(
            repro.stdout.contains(part),
            "{part:?} missing:\n{}",
            repro.stdout
        );
    }
    let (_, broken) = repro
        .stdout
        .lines()
        .next()
        .unwrap()
        .rsplit_once(": ")
        .unwrap();
    let migrate = reference::contract("migrate").unwrap();
    for id in broken.split(' ') {
        let rule = migrate
            .rule(id)
            .unwrap_or_else(|| panic!("{id} is a migrate rule"));
        let line = format!("  {id}  {}", rule.summary);
        assert!(repro.stdout.contains(&line), "{line}:\n{}", repro.stdout);
    }
    let input = serde_json::to_string_pretty(&groups[0]["example"]["input"]).unwrap();
    let first_key = input.lines().nth(1).unwrap().trim();
    assert!(repro.stdout.contains(first_key), "{}", repro.stdout);
}
