//! Replaying saved cases (`repro`, `corpus prune`): each corpus case runs through one
//! implementation, under the time zone it was found in, and is judged against the
//! reference as it is today.

use std::collections::BTreeMap;
use std::path::PathBuf;

use std::sync::Arc;

use reference::{Contract, GenSettings};
use serde_json::Value;

use crate::corpus::CorpusCase;
use crate::judge::{diff_text, judge, Case, Timing, Verdict};
use crate::plan::{replay_runner, ImplSpec};
use crate::progress::Progress;
use crate::run::{self, Job, Outcome, RunnerSettings, Running, Unavailable};

/// What replaying one corpus case showed.
pub struct Replayed {
    /// `None` when the implementation now agrees with the reference.
    pub divergence: Option<String>,
    /// The diff, or the failure, to show.
    pub detail: String,
    /// For a divergence: the output the reference expects (the acceptable one closest to
    /// the actual) and what the implementation returned, as reports show it.
    pub outputs: Option<(Value, Value)>,
}

/// A saved case: its file and what it holds.
pub type SavedCase = (PathBuf, CorpusCase);

/// Replays every case through `spec`: one adapter per contract and time zone (a local-time
/// bug hides in another zone), contracts in their registered order. Returns each case with
/// what its replay showed, in that order.
pub fn replay_all<'c>(
    spec: &ImplSpec,
    cases: &'c [SavedCase],
    progress: &Progress,
) -> Result<Vec<(&'c SavedCase, Replayed)>, Unavailable> {
    let mut batches: BTreeMap<_, Vec<&SavedCase>> = BTreeMap::new();
    for case in cases {
        let Some(position) = reference::CONTRACTS
            .iter()
            .position(|c| c.id() == case.1.contract)
        else {
            continue;
        };
        batches
            .entry((position, case.1.time_zone.as_deref()))
            .or_default()
            .push(case);
    }
    let mut replayed = Vec::new();
    for ((position, zone), batch) in batches {
        let contract = reference::CONTRACTS[position];
        let spec = match zone {
            Some(zone) => &spec.clone().in_time_zone(zone),
            None => spec,
        };
        let inputs: Vec<Value> = batch.iter().map(|(_, c)| c.input.clone()).collect();
        let results = replay(spec, contract, &inputs, progress).map_err(|e| Unavailable {
            reason: format!(
                "{} is unavailable for {}: {}",
                spec.id,
                contract.id(),
                e.reason
            ),
            fix: e.fix,
        })?;
        replayed.extend(batch.into_iter().zip(results));
    }
    Ok(replayed)
}

/// Runs `cases` of `contract` through one implementation and judges each.
pub fn replay(
    spec: &ImplSpec,
    contract: &'static dyn Contract,
    cases: &[Value],
    progress: &Progress,
) -> Result<Vec<Replayed>, Unavailable> {
    let outcomes = run_inputs(spec, contract, cases, replay_runner(), progress)?;
    let settings = GenSettings::default();
    Ok(cases
        .iter()
        .zip(outcomes)
        .map(|(input, outcome)| {
            let expectation = contract.expect(input, &settings);
            let case = Case {
                contract,
                input,
                expectation: &expectation,
            };
            let judged = judge(case, &spec.id, &outcome, Timing::Ignored);
            let failed = |divergence: &str, detail: String| Replayed {
                divergence: Some(divergence.to_owned()),
                detail,
                outputs: None,
            };
            match (&judged.verdict, &outcome) {
                (Verdict::Diverges(d), _) => {
                    let expected = &expectation.acceptable[d.closest].output;
                    let actual = match &outcome {
                        Outcome::Output { output, .. } => contract.as_shown(output),
                        _ => Value::Null,
                    };
                    Replayed {
                        divergence: Some(judged.variant.rules.join(" ")),
                        detail: diff_text(
                            expected,
                            judged.comparable.as_deref().unwrap_or(&Value::Null),
                            "reference",
                            &spec.id,
                        ),
                        outputs: Some((expected.clone(), actual)),
                    }
                }
                (_, Outcome::AdapterError { message }) => failed("adapter error", message.clone()),
                (
                    _,
                    Outcome::Failed {
                        kind,
                        detail,
                        stderr_tail,
                    },
                ) => failed(kind.as_str(), format!("{detail}\nstderr:\n{stderr_tail}")),
                (_, Outcome::NotRun { reason }) => failed("not run", reason.clone()),
                (_, Outcome::Output { .. }) => Replayed {
                    divergence: None,
                    detail: String::new(),
                    outputs: None,
                },
            }
        })
        .collect())
}

/// Runs `inputs` of `contract` through one implementation's adapter and returns what each
/// produced, in order: the run stage alone, for callers that judge the cases themselves
/// (`repro`, `corpus prune`, the conformance test target).
pub fn run_inputs(
    spec: &ImplSpec,
    contract: &'static dyn Contract,
    inputs: &[Value],
    runner: RunnerSettings,
    progress: &Progress,
) -> Result<Vec<Outcome>, Unavailable> {
    let unavailable = |reason: String| Unavailable {
        reason,
        fix: spec.fix.for_contract(contract.id()),
    };
    if let Some(setup) = &spec.setup {
        setup
            .ensure(progress)
            .map_err(|e| unavailable(e.to_string()))?;
    }
    let runtime = run::runtime().map_err(|e| unavailable(e.to_string()))?;
    runtime.block_on(async {
        let session = run::start_for(&spec.command, contract.id(), &runner)
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        let Running {
            jobs: job_tx,
            done: mut done_rx,
            driver,
        } = run::spawn_driver(&spec.command, contract.id(), runner, session, 256);
        let settings = GenSettings::default();
        let jobs: Vec<Job> = inputs
            .iter()
            .enumerate()
            .map(|(i, input)| Job {
                index: i as u64,
                input: Arc::new(input.clone()),
                time_limit: Job::time_limit_for(&contract.expect(input, &settings), 200),
            })
            .collect();
        tokio::spawn(async move {
            for job in jobs {
                let _ = job_tx.send(job).await;
            }
        });
        let mut outcomes: Vec<Option<Outcome>> = vec![None; inputs.len()];
        while let Some(done) = done_rx.recv().await {
            if let Some(slot) = outcomes.get_mut(done.index as usize) {
                *slot = Some(done.outcome);
            }
        }
        let _ = driver.await;
        Ok(outcomes
            .into_iter()
            .map(|o| {
                o.unwrap_or(Outcome::NotRun {
                    reason: "no result".into(),
                })
            })
            .collect())
    })
}
