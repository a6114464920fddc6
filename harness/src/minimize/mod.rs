//! Minimizing findings once a contract's cases have run: each divergence group found on a
//! generated case is shrunk through the implementation ([`shrink`]), re-run on the other
//! implementations so the side-by-side view matches, saved to the corpus, and given a
//! paste-ready program by the implementation's adapter (its snippet).

pub mod shrink;

use std::collections::HashMap;

use reference::{generate_case, Contract};
use serde_json::Value;

use crate::corpus::CorpusCase;
use crate::findings::{drift, Findings, Side};
use crate::judge::{canonical, diff_text, judge, Case, GroupKey, GroupKind, Timing, Verdict};
use crate::plan::{ImplSpec, ShrinkBounds, VerifySettings};
use crate::progress::Progress;
use crate::report::{Group, ShrinkRecord, Snippet};
use crate::run::protocol::Package;
use crate::run::{self, Job, Outcome};
use shrink::{Probers, Shrinker};

/// The package each implementation runs for each contract, from its adapter's hello.
pub type Packages = HashMap<(String, String), Package>;

/// Shrinks every divergence group of `contract` found on a generated case, through the
/// implementation that diverged, and re-runs the minimal case on the others.
pub async fn shrink_groups(
    contract: &'static dyn Contract,
    specs: &[&ImplSpec],
    settings: &VerifySettings,
    bounds: ShrinkBounds,
    findings: &mut Findings,
    packages: &Packages,
    progress: &Progress,
) {
    let shrinker = Shrinker {
        contract,
        generation: &settings.generation,
        slack_ms: settings.timing_slack_ms,
        bounds,
    };
    let mut probers = Probers::new(specs, contract, settings.runner);
    let targets: Vec<GroupKey> = findings
        .groups
        .keys()
        .filter(|key| {
            key.contract == contract.id()
                && key.kind == GroupKind::Divergence
                && findings.shrink_seeds.contains_key(*key)
        })
        .cloned()
        .collect();
    for key in targets {
        let Some(seed) = findings.shrink_seeds.get(&key).cloned() else {
            continue;
        };
        let Some(slot) = specs.iter().position(|s| s.id == key.implementation) else {
            continue;
        };
        progress.say(&format!(
            "shrinking {} · {} · {} (case {}, {} bytes)…",
            contract.id(),
            key.implementation,
            key.rules.join(" "),
            seed.case,
            seed.bytes
        ));
        let prober = match probers.get(slot).await {
            Ok(prober) => prober,
            Err(reason) => {
                progress.say(&format!("  cannot shrink: {reason}"));
                continue;
            }
        };
        let tree = generate_case(contract, &settings.generation, settings.seed, seed.case);
        let shrunk = shrinker.shrink(prober, tree, &key, seed.output).await;
        // Run the minimal case on every implementation, so the side-by-side view matches it.
        let expectation = contract.expect(&shrunk.input, &settings.generation);
        let limit = Job::time_limit_for(&expectation, settings.timing_slack_ms);
        let mut outcomes = Vec::new();
        for other in 0..specs.len() {
            if other == slot {
                outcomes.push(Outcome::Output {
                    output: shrunk.output.clone(),
                    elapsed_ms: None,
                    timer_lag_ms: None,
                });
                continue;
            }
            outcomes.push(match probers.get(other).await {
                Ok(p) => p.run(&shrunk.input, limit).await,
                Err(_) => Outcome::NotRun {
                    reason: "could not start the adapter again".into(),
                },
            });
        }
        let case = Case {
            contract,
            input: &shrunk.input,
            expectation: &expectation,
        };
        let sides: Vec<Side> = specs
            .iter()
            .zip(&outcomes)
            .map(|(spec, outcome)| Side {
                implementation: &spec.id,
                outcome,
                judged: judge(case, &spec.id, outcome, Timing::Ignored),
            })
            .collect();
        let Verdict::Diverges(d) = &sides[slot].judged.verdict else {
            continue;
        };
        let (drift, _) = drift(&sides, slot);
        let package = packages
            .get(&(specs[slot].id.clone(), contract.id().to_owned()))
            .cloned();
        let Some(group) = findings.groups.get_mut(&key) else {
            continue;
        };
        let expected = expectation.acceptable[d.closest].output.clone();
        let compared = sides[slot].judged.comparable.clone().unwrap_or(Value::Null);
        let example = &mut group.example;
        example.diff = Some(diff_text(
            &expected,
            &compared,
            "reference",
            &group.implementation,
        ));
        example.paths = d.paths.clone();
        example.expected = Some(expected);
        example.actual = Some(shrunk.output.clone());
        example.others = sides
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != slot)
            .map(|(_, s)| s.record())
            .collect();
        example.drift = drift;
        example.shrink = Some(ShrinkRecord {
            from_bytes: seed.bytes,
            to_bytes: canonical(&shrunk.input).len(),
            steps: shrunk.steps,
            accepted: shrunk.accepted,
            stopped_by: shrunk.stopped_by.clone(),
        });
        example.input = shrunk.input;
        example.case = Some(seed.case);
        example.vector = None;
        example.corpus = None;
        example.detail = None;
        if settings.use_corpus {
            save_to_corpus(settings, group, seed.case, package, progress);
        }
        progress.say(&format!(
            "  shrunk to {} bytes in {} steps{}",
            group.example.shrink.as_ref().map_or(0, |s| s.to_bytes),
            shrunk.steps,
            shrunk
                .stopped_by
                .map(|b| format!(" (stopped by {b}; keeping the best so far)"))
                .unwrap_or_default()
        ));
    }
    probers.close().await;
}

/// Saves a shrunk group's example to the corpus and points its repro command there.
fn save_to_corpus(
    settings: &VerifySettings,
    group: &mut Group,
    case: u64,
    package: Option<Package>,
    progress: &Progress,
) {
    let (Some(expected), Some(actual)) =
        (group.example.expected.clone(), group.example.actual.clone())
    else {
        return;
    };
    let entry = CorpusCase {
        contract: group.contract.clone(),
        implementation: group.implementation.clone(),
        package,
        rules: group.rules.clone(),
        paths: group.paths.clone(),
        input: group.example.input.clone(),
        expected,
        actual,
        seed: settings.seed,
        case,
        time_zone: Some(settings.time_zone.clone()),
        found: time::OffsetDateTime::now_utc().date().to_string(),
        harness_version: env!("CARGO_PKG_VERSION").into(),
    };
    match crate::corpus::save(&settings.project.corpus_dir, &entry) {
        Ok(saved) => {
            let shown = settings.spelling.path(saved.path());
            group.example.repro = settings.spelling.corpus(&shown, &group.implementation);
            group.example.corpus = Some(shown);
        }
        Err(e) => progress.say(&format!("  could not save to the corpus: {e}")),
    }
}

/// Asks each implementation's adapter for a program reproducing its divergences' examples,
/// for the bug reports.
pub async fn attach_snippets(
    contract: &'static dyn Contract,
    specs: &[&ImplSpec],
    settings: &VerifySettings,
    findings: &mut Findings,
) {
    for spec in specs {
        let keys: Vec<GroupKey> = findings
            .groups
            .keys()
            .filter(|key| {
                key.contract == contract.id()
                    && key.implementation == spec.id
                    && key.kind == GroupKind::Divergence
            })
            .cloned()
            .collect();
        if keys.is_empty() {
            continue;
        }
        let inputs: Vec<Value> = keys
            .iter()
            .filter_map(|k| findings.groups.get(k))
            .map(|g| g.example.input.clone())
            .collect();
        let snippets = run::snippets(
            &spec.command,
            contract.id(),
            &inputs,
            settings.runner.handshake_timeout,
        )
        .await;
        for (key, snippet) in keys.iter().zip(snippets) {
            if let (Some(group), Some(snippet)) = (findings.groups.get_mut(key), snippet) {
                group.example.snippet = snippet.code.map(|code| Snippet {
                    language: snippet.language,
                    code,
                });
            }
        }
    }
}
