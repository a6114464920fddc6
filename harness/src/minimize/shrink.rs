//! Shrinking through the implementation: a divergence found on a generated case is made as
//! small as it can be while the *implementation* still diverges, walking the generator's
//! value tree (simplify / complicate). A simpler case may show the bug at another place or
//! under another rule (a wrong order seen by `pending` rather than by `rollback`): the shrink
//! follows it, once the new cause repeats on a second run, so that groups of one bug arrive
//! at one minimal case and merge.

use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::strategy::ValueTree;
use reference::{Contract, GenSettings};
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::judge::{canonical, judge, Case, GroupKey, Timing};
use crate::plan::{ImplSpec, ShrinkBounds};
use crate::run::{self, Done, Job, Outcome, RunSummary, RunnerSettings, StartError};

/// One implementation's adapter, answering one case at a time.
pub struct Prober {
    jobs: mpsc::Sender<Job>,
    done: mpsc::Receiver<Done>,
    driver: JoinHandle<RunSummary>,
    next: u64,
}

impl Prober {
    pub async fn start(
        spec: &ImplSpec,
        contract: &'static dyn Contract,
        runner: RunnerSettings,
    ) -> Result<Prober, StartError> {
        let session = run::start_for(&spec.command, contract.id(), &runner).await?;
        let running = run::spawn_driver(&spec.command, contract.id(), runner, session, 1);
        Ok(Prober {
            jobs: running.jobs,
            done: running.done,
            driver: running.driver,
            next: 0,
        })
    }

    /// Runs one case and waits for what it produced.
    pub async fn run(&mut self, input: &Value, time_limit: Duration) -> Outcome {
        let index = self.next;
        self.next += 1;
        let job = Job {
            index,
            input: Arc::new(input.clone()),
            time_limit,
        };
        if self.jobs.send(job).await.is_ok() {
            while let Some(done) = self.done.recv().await {
                if done.index == index {
                    return done.outcome;
                }
            }
        }
        Outcome::NotRun {
            reason: "the adapter runner stopped".into(),
        }
    }

    pub async fn close(self) {
        drop(self.jobs);
        let _ = self.driver.await;
    }

    /// Stops at once: the driver is dropped and its adapter killed with its session.
    pub fn abort(self) {
        self.driver.abort();
    }
}

/// One prober per implementation slot, started on first use and kept for the run.
pub struct Probers<'a> {
    specs: &'a [&'a ImplSpec],
    contract: &'static dyn Contract,
    runner: RunnerSettings,
    started: std::collections::HashMap<usize, Prober>,
}

impl<'a> Probers<'a> {
    pub fn new(
        specs: &'a [&'a ImplSpec],
        contract: &'static dyn Contract,
        runner: RunnerSettings,
    ) -> Self {
        Probers {
            specs,
            contract,
            runner,
            started: std::collections::HashMap::new(),
        }
    }

    /// The prober of `slot`, starting its adapter if need be.
    pub async fn get(&mut self, slot: usize) -> Result<&mut Prober, StartError> {
        use std::collections::hash_map::Entry;
        match self.started.entry(slot) {
            Entry::Occupied(prober) => Ok(prober.into_mut()),
            Entry::Vacant(place) => {
                let prober = Prober::start(self.specs[slot], self.contract, self.runner).await?;
                Ok(place.insert(prober))
            }
        }
    }

    pub async fn close(self) {
        for (_, prober) in self.started {
            prober.close().await;
        }
    }

    /// Stops every adapter at once (an interrupted run waits for none of them).
    pub fn abort(self) {
        for (_, prober) in self.started {
            prober.abort();
        }
    }
}

/// The smallest case found that still diverges the same way.
#[derive(Debug, Clone)]
pub struct Shrunk {
    pub input: Value,
    /// What the implementation produced for `input`.
    pub output: Value,
    /// Candidates tried, and how many of them still diverged the same way.
    pub steps: u32,
    pub accepted: u32,
    /// Set when a bound stopped the shrink before it was done.
    pub stopped_by: Option<String>,
}

/// Candidates in a row that may fail to find a case no larger than the best before a shrink
/// stops: past this the tree's remaining search rarely pays for the adapter time it costs.
const STALE_STEPS: u32 = 100;

pub struct Shrinker<'a> {
    pub contract: &'static dyn Contract,
    pub generation: &'a GenSettings,
    pub slack_ms: u64,
    pub bounds: ShrinkBounds,
}

impl Shrinker<'_> {
    /// The implementation's output for `candidate` and the group it falls in, if it diverges.
    async fn diverges(
        &self,
        prober: &mut Prober,
        candidate: &Value,
        implementation: &str,
    ) -> Option<(Value, GroupKey)> {
        let expectation = self.contract.expect(candidate, self.generation);
        let outcome = prober
            .run(candidate, Job::time_limit_for(&expectation, self.slack_ms))
            .await;
        let case = Case {
            contract: self.contract,
            input: candidate,
            expectation: &expectation,
        };
        // A crash or a hang is another bug, not this one: only divergences count.
        let judged = judge(case, implementation, &outcome, Timing::Ignored);
        let (diverges, key) = (judged.diverges(), judged.key);
        match (outcome, key) {
            (Outcome::Output { output, .. }, Some(key)) if diverges => Some((output, key)),
            _ => None,
        }
    }

    /// Whether `candidate` still shows the bug of a shrink now at `key`: it diverges under the
    /// same cause, or under another one twice in a row (a timer's stall is not a new cause).
    async fn still_diverges(
        &self,
        prober: &mut Prober,
        candidate: &Value,
        key: &GroupKey,
    ) -> Option<(Value, GroupKey)> {
        let (output, found) = self
            .diverges(prober, candidate, &key.implementation)
            .await?;
        if found == *key {
            return Some((output, found));
        }
        let (_, again) = self
            .diverges(prober, candidate, &key.implementation)
            .await?;
        (again == found).then_some((output, found))
    }

    /// Shrinks `tree` (whose current value diverged in group `key`, producing `output`), until
    /// the tree is done, a bound is reached, no candidate got smaller for a while, or `stop`
    /// turns true (Ctrl-C: the best case so far is kept).
    pub async fn shrink(
        &self,
        prober: &mut Prober,
        mut tree: Box<dyn ValueTree<Value = Value>>,
        key: &GroupKey,
        output: Value,
        stop: &mut watch::Receiver<bool>,
    ) -> Shrunk {
        let started = Instant::now();
        let mut at = key.clone();
        let mut best = Shrunk {
            input: tree.current(),
            output,
            steps: 0,
            accepted: 0,
            stopped_by: None,
        };
        if !tree.simplify() {
            return best;
        }
        let mut since_smaller = 0u32;
        loop {
            if *stop.borrow() {
                best.stopped_by = Some("an interrupt (Ctrl-C)".into());
                break;
            }
            if since_smaller >= STALE_STEPS {
                best.stopped_by = Some(format!(
                    "{STALE_STEPS} candidates in a row without a case as small"
                ));
                break;
            }
            if best.steps >= self.bounds.max_steps {
                best.stopped_by = Some(format!("the cap of {} steps", self.bounds.max_steps));
                break;
            }
            if started.elapsed() >= self.bounds.time {
                best.stopped_by = Some(format!(
                    "the {} s shrink time (--shrink-time)",
                    self.bounds.time.as_secs()
                ));
                break;
            }
            best.steps += 1;
            since_smaller += 1;
            let candidate = tree.current();
            // "Simpler" in the tree's order is not always fewer bytes, and a shrink that may
            // follow the bug to another cause would wander into larger cases: a candidate
            // larger than the best so far is not taken (the tree backs off), whatever it does.
            let verdict = if canonical(&candidate).len() > canonical(&best.input).len() {
                None
            } else {
                tokio::select! {
                    verdict = self.still_diverges(prober, &candidate, &at) => verdict,
                    Ok(_) = stop.wait_for(|stopped| *stopped) => continue,
                }
            };
            match verdict {
                Some((output, key)) => {
                    // No larger: progress in the tree's order (a number halved, an
                    // alternative moved earlier) even when the bytes stay the same.
                    best.accepted += 1;
                    since_smaller = 0;
                    at = key;
                    best.input = candidate;
                    best.output = output;
                    if !tree.simplify() {
                        break;
                    }
                }
                None => {
                    if !tree.complicate() {
                        break;
                    }
                }
            }
        }
        best
    }
}
