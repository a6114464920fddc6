//! Minimizing findings once a contract's cases have run: each divergence group found on a
//! generated or guided case is shrunk through the implementation ([`shrink`]), re-run on the
//! other implementations so the side-by-side view matches, keyed again by its minimal case's
//! cause (groups that shrink to the same cause are one bug, and merge), saved to the corpus,
//! and given a paste-ready program by the implementation's adapter (its snippet).

mod program_check;
pub mod shrink;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use futures_util::StreamExt;
use reference::strategy::Tape;
use reference::{generate_case, CaseGenerator, Contract, Expectation};
use serde_json::Value;
use tokio::sync::watch;

use crate::corpus::CorpusCase;
use crate::events::{Event, GroupRef};
use crate::findings::{drift, Findings, ShrinkSeed, Side};
use crate::judge::{canonical, diff_text, judge, Case, GroupKey, GroupKind, Timing, Verdict};
use crate::plan::{ImplSpec, ShrinkBounds, VerifySettings};
use crate::progress::Progress;
use crate::report::{Example, Group, ProgramCheck, ShrinkRecord, Snippet};
use crate::run::protocol::Package;
use crate::run::{self, AdapterCommand, Job, Outcome, SnippetCase};
use shrink::{Probers, Shrinker, Shrunk};

/// The package each implementation runs for each contract, from its adapter's hello.
pub type Packages = HashMap<(String, String), Package>;

/// Groups shrunk at once, each through adapters of its own: most of a shrink is waiting
/// (timers, a process), so a few run side by side.
const SHRINKS_AT_ONCE: usize = 4;

/// How one contract's divergences are shrunk.
pub struct ShrinkJob<'a> {
    pub contract: &'static dyn Contract,
    pub specs: &'a [&'a ImplSpec],
    pub settings: &'a VerifySettings,
    pub bounds: ShrinkBounds,
    /// Groups not to shrink again: a baseline already lists them.
    pub known: &'a dyn Fn(&GroupKey) -> bool,
    pub progress: &'a Progress,
    pub stop: &'a watch::Receiver<bool>,
}

/// A finished shrink of one group: the minimal case, run on every implementation.
struct Minimal {
    key: GroupKey,
    seed: ShrinkSeed,
    shrunk: Shrunk,
    expectation: Expectation,
    outcomes: Vec<Outcome>,
    slot: usize,
}

impl ShrinkJob<'_> {
    /// Shrinks every divergence group of the contract found on a generated or guided case,
    /// through the implementation that diverged, and re-runs each minimal case on the others.
    /// Groups the baseline lists or a corpus case already shows are left as they are; Ctrl-C
    /// stops at once, keeping the best case of each group so far.
    pub async fn run(&self, findings: &mut Findings, packages: &Packages) {
        let targets: Vec<(GroupKey, ShrinkSeed)> = findings
            .groups
            .iter()
            .filter(|(key, group)| {
                key.contract == self.contract.id()
                    && key.kind == GroupKind::Divergence
                    && group.corpus.is_empty()
                    && !(self.known)(key)
            })
            .filter_map(|(key, _)| {
                let seed = findings.shrink_seeds.get(key)?;
                Some((key.clone(), seed.clone()))
            })
            .collect();
        let total = targets.len();
        let mut done = 0;
        let mut minimal = futures_util::stream::iter(targets)
            .map(|(key, seed)| self.shrink_one(key, seed))
            .buffer_unordered(SHRINKS_AT_ONCE);
        let mut finished = Vec::new();
        while let Some(found) = minimal.next().await {
            done += 1;
            self.progress
                .phase(&format!("shrinking: {done}/{total} group(s) done"));
            finished.extend(found);
        }
        // Shrinks finish in any order; merging in key order keeps the report deterministic.
        finished.sort_by(|a, b| a.key.cmp(&b.key));
        let shrunk: Vec<Group> = finished
            .into_iter()
            .filter_map(|found| self.take_minimal(found, findings))
            .collect();
        let rank = crate::judge::rule_rank(self.contract);
        let mut merged = Vec::new();
        for group in shrunk {
            let key = group.key();
            match findings.groups.get_mut(&key) {
                Some(same) => same.absorb(group, &rank),
                None => {
                    findings.groups.insert(key.clone(), group);
                }
            }
            if !merged.contains(&key) {
                merged.push(key);
            }
        }
        for key in merged {
            let Some(group) = findings.groups.get_mut(&key) else {
                continue;
            };
            let package = packages
                .get(&(group.implementation.clone(), self.contract.id().to_owned()))
                .cloned();
            if self.settings.use_corpus && group.example.shrink.is_some() {
                save_to_corpus(self.settings, group, package, self.progress);
            }
        }
    }

    /// Shrinks one group through adapters of its own.
    async fn shrink_one(&self, key: GroupKey, seed: ShrinkSeed) -> Option<Minimal> {
        let contract = self.contract;
        let settings = self.settings;
        let slot = self.specs.iter().position(|s| s.id == key.implementation)?;
        if *self.stop.borrow() {
            return None;
        }
        // A guided case has no seed and index: its tape is replayed smaller instead.
        let (tree, which) = match &seed.tape {
            Some(tape) => {
                let generator = CaseGenerator::new(contract, &settings.generation);
                let tree = generator.tape_tree(Tape::clone(tape))?;
                (tree, format!("guided case {}", seed.case))
            }
            None => (
                generate_case(contract, &settings.generation, settings.seed, seed.case),
                format!("case {}", seed.case),
            ),
        };
        self.progress.say(&format!(
            "shrinking {} · {} · {} ({which}, {} bytes)…",
            contract.id(),
            key.implementation,
            key.cause.describe(),
            seed.bytes
        ));
        let mut probers = Probers::new(self.specs, contract, settings.runner.without_coverage());
        let prober = match probers.get(slot).await {
            Ok(prober) => prober,
            Err(reason) => {
                self.progress.say(&format!("  cannot shrink: {reason}"));
                return None;
            }
        };
        let shrinker = Shrinker {
            contract,
            generation: &settings.generation,
            slack_ms: settings.timing_slack_ms,
            bounds: self.bounds,
        };
        let mut stop = self.stop.clone();
        let shrunk = shrinker
            .shrink(prober, tree, &key, seed.output.clone(), &mut stop)
            .await;
        // Run the minimal case on every implementation, so the side-by-side view matches it.
        let expectation = contract.expect(&shrunk.input, &settings.generation);
        let limit = Job::time_limit_for(&expectation, settings.timing_slack_ms);
        let mut outcomes = Vec::new();
        for other in 0..self.specs.len() {
            if other == slot {
                outcomes.push(Outcome::Output {
                    output: shrunk.output.clone(),
                    elapsed_ms: None,
                    timer_lag_ms: None,
                });
                continue;
            }
            if *self.stop.borrow() {
                outcomes.push(Outcome::NotRun {
                    reason: "the run was interrupted".into(),
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
        if *self.stop.borrow() {
            probers.abort();
        } else {
            probers.close().await;
        }
        self.progress.emit(|| Event::GroupShrunk {
            group: GroupRef::from(&key),
            case: seed.case,
            from_bytes: seed.bytes,
            to_bytes: canonical(&shrunk.input).len(),
            steps: shrunk.steps,
            stopped_by: shrunk.stopped_by.clone(),
        });
        self.progress.say(&format!(
            "  shrunk {} · {} to {} bytes in {} steps{}",
            key.implementation,
            key.cause.describe(),
            canonical(&shrunk.input).len(),
            shrunk.steps,
            shrunk
                .stopped_by
                .as_ref()
                .map(|b| format!(" (stopped by {b}; keeping the best so far)"))
                .unwrap_or_default()
        ));
        Some(Minimal {
            key,
            seed,
            shrunk,
            expectation,
            outcomes,
            slot,
        })
    }

    /// Takes a shrunk group out of `findings` with its minimal case as its example, keyed by
    /// that case's cause (to be put back, merged with any group of the same cause).
    fn take_minimal(&self, found: Minimal, findings: &mut Findings) -> Option<Group> {
        let Minimal {
            key,
            seed,
            shrunk,
            expectation,
            outcomes,
            slot,
        } = found;
        let case = Case {
            contract: self.contract,
            input: &shrunk.input,
            expectation: &expectation,
        };
        let sides: Vec<Side> = self
            .specs
            .iter()
            .zip(&outcomes)
            .map(|(spec, outcome)| Side {
                implementation: &spec.id,
                outcome,
                judged: judge(case, &spec.id, outcome, Timing::Ignored),
            })
            .collect();
        let (Verdict::Diverges(d), Some(cause)) = (
            &sides[slot].judged.verdict,
            sides[slot].judged.key.as_ref().map(|k| k.cause.clone()),
        ) else {
            return None;
        };
        let (drift, _) = drift(&sides, slot);
        let mut group = findings.groups.remove(&key)?;
        group.cause = cause;
        let expected = expectation.acceptable[d.closest].output.clone();
        let compared = sides[slot]
            .judged
            .comparable
            .as_deref()
            .map_or(Value::Null, Value::clone);
        let example = &mut group.example;
        example.diff = Some(diff_text(
            &expected,
            &compared,
            "reference",
            &group.implementation,
        ));
        example.paths = d.paths.clone();
        example.expected = Some(expected);
        example.actual = Some(self.contract.as_shown(&shrunk.output));
        example.others = sides
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != slot)
            .map(|(_, s)| s.record(self.contract))
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
        // A guided case's number names no case of the seed's stream.
        example.case = seed.tape.is_none().then_some(seed.case);
        example.vector = None;
        example.corpus = None;
        example.detail = None;
        Some(group)
    }
}

/// Saves a shrunk group's example to the corpus and points its repro command there.
fn save_to_corpus(
    settings: &VerifySettings,
    group: &mut Group,
    package: Option<Package>,
    progress: &Progress,
) {
    // A shrunk guided example names no case of the seed's stream: its group's guided cases
    // say where it came from.
    let origin = match (group.example.case, group.guided_cases.first()) {
        (Some(case), _) => Some((case, false)),
        (None, Some(&number)) => Some((number, true)),
        (None, None) => None,
    };
    let (Some(expected), Some(actual), Some((case, guided))) = (
        group.example.expected.clone(),
        group.example.actual.clone(),
        origin,
    ) else {
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
        guided,
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
        let cases: Vec<SnippetCase> = keys
            .iter()
            .filter_map(|k| findings.groups.get(k))
            .map(|g| snippet_case(contract, settings, &g.example))
            .collect();
        let snippets = run::snippets(
            &spec.command,
            contract.id(),
            &cases,
            &settings.runner.without_coverage(),
        )
        .await;
        let (runner, env) = program_command(&spec.command, &spec.language);
        for (key, snippet) in keys.iter().zip(snippets) {
            if let (Some(group), Some(snippet)) = (findings.groups.get_mut(key), snippet) {
                group.example.snippet = snippet.code.map(|code| Snippet {
                    language: snippet.language,
                    code,
                    expected: snippet.expected,
                    actual: snippet.actual,
                    env: env.clone(),
                    runner: runner.clone(),
                    source: snippet.source,
                    checked: None,
                });
            }
        }
        check_programs(&keys, settings, findings).await;
    }
}

/// Runs the bug programs of the groups `keys` once each, a few at a time, and keeps what
/// each did with its snippet. A program may wait on the implementation's own timers, so it
/// gets three times a case's longest time, and never less than half a minute.
async fn check_programs(keys: &[GroupKey], settings: &VerifySettings, findings: &mut Findings) {
    const PROGRAMS_AT_ONCE: usize = 4;
    let limit = Duration::from_millis(settings.generation.max_case_ms.saturating_mul(3))
        .max(Duration::from_secs(30));
    let programs: Vec<(GroupKey, Snippet, String)> = keys
        .iter()
        .filter_map(|key| {
            let group = findings.groups.get(key)?;
            let snippet = group.example.snippet.clone()?;
            let file = crate::report::program_file_name(group)?;
            Some((key.clone(), snippet, file))
        })
        .collect();
    let checked: Vec<(GroupKey, ProgramCheck)> = futures_util::stream::iter(programs)
        .map(|(key, snippet, file)| async move {
            (key, program_check::check(&snippet, &file, limit).await)
        })
        .buffered(PROGRAMS_AT_ONCE)
        .collect()
        .await;
    for (key, check) in checked {
        if let Some(snippet) = findings
            .groups
            .get_mut(&key)
            .and_then(|g| g.example.snippet.as_mut())
        {
            snippet.checked = Some(check);
        }
    }
}

/// What a bug program checks against: every output the contract accepts for the example's
/// input, and what the implementation did, both as compared (what the contract leaves
/// undecided removed).
fn snippet_case(
    contract: &'static dyn Contract,
    settings: &VerifySettings,
    example: &Example,
) -> SnippetCase {
    let expectation = contract.expect(&example.input, &settings.generation);
    SnippetCase {
        input: example.input.clone(),
        expected: expectation
            .acceptable
            .iter()
            .map(|a| contract.comparable(&a.output).into_owned())
            .collect(),
        actual: example
            .actual
            .as_ref()
            .map(|a| contract.comparable(a).into_owned()),
    }
}

/// The command a bug program runs with: the implementation's variables and the interpreter
/// (with its options) its adapter runs on, when the argv is the bundled adapter's alone
/// (`PYTHON adapter.py`, `NODE --import …/tsx/dist/loader.mjs adapter.ts`); else the language's
/// usual command (a wrapper around the adapter is no interpreter for the program). With the
/// bundled TypeScript adapter, `NODE_PATH` names its packages, where a program finds sql.js as
/// the adapter does.
fn program_command(
    command: &AdapterCommand,
    language: &str,
) -> (Vec<String>, BTreeMap<String, String>) {
    let mut env: BTreeMap<String, String> = command.env.iter().cloned().collect();
    let argv: Vec<&str> = command.argv.iter().map(String::as_str).collect();
    let runner = match argv.as_slice() {
        [python, adapter] if adapter.ends_with("adapters/py/adapter.py") => {
            vec![python.to_string()]
        }
        [node, "--import", loader, adapter]
            if adapter.ends_with("adapters/ts/adapter.ts")
                && loader.ends_with("tsx/dist/loader.mjs") =>
        {
            if let Some(dir) = std::path::Path::new(adapter).parent() {
                let packages = dir.join("node_modules").to_string_lossy().into_owned();
                env.entry("NODE_PATH".into()).or_insert(packages);
            }
            vec![node.to_string(), "--import".into(), loader.to_string()]
        }
        _ if language == "python" => vec!["python3".into()],
        _ => vec!["npx".into(), "tsx".into()],
    };
    (runner, env)
}
