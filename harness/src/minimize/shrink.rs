//! Shrinking through the implementation: a divergence found on a generated case is made as
//! small as it can be while the *implementation* still diverges the same way (the same
//! group key), walking the generator's value tree (simplify / complicate).

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

/// Candidates in a row that may fail to find a smaller case before a shrink stops: past
/// this the tree's remaining search rarely pays for the adapter time it costs.
const STALE_STEPS: u32 = 100;

pub struct Shrinker<'a> {
    pub contract: &'static dyn Contract,
    pub generation: &'a GenSettings,
    pub slack_ms: u64,
    pub bounds: ShrinkBounds,
}

impl Shrinker<'_> {
    /// The implementation's output for `candidate`, if it diverges in the group `key`.
    async fn diverges_the_same_way(
        &self,
        prober: &mut Prober,
        candidate: &Value,
        key: &GroupKey,
    ) -> Option<Value> {
        let expectation = self.contract.expect(candidate, self.generation);
        let outcome = prober
            .run(candidate, Job::time_limit_for(&expectation, self.slack_ms))
            .await;
        let case = Case {
            contract: self.contract,
            input: candidate,
            expectation: &expectation,
        };
        // A crash or a hang is another bug, not this one: its key differs.
        let judged = judge(case, &key.implementation, &outcome, Timing::Ignored);
        match outcome {
            Outcome::Output { output, .. } if judged.key.as_ref() == Some(key) => Some(output),
            _ => None,
        }
    }

    /// Shrinks `tree` (whose current value diverged with `key`, producing `output`), until
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
                    "{STALE_STEPS} candidates in a row without a smaller case"
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
            let verdict = tokio::select! {
                verdict = self.diverges_the_same_way(prober, &candidate, key) => verdict,
                Ok(_) = stop.wait_for(|stopped| *stopped) => continue,
            };
            match verdict {
                Some(output) => {
                    best.accepted += 1;
                    // "Simpler" in the tree's order is not always fewer bytes: report the
                    // smallest case seen, never one larger than the case first found.
                    let (size, best_size) =
                        (canonical(&candidate).len(), canonical(&best.input).len());
                    if size < best_size {
                        since_smaller = 0;
                    }
                    if size <= best_size {
                        best.input = candidate;
                        best.output = output;
                    }
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
