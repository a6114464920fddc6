//! Shrinking through the implementation: a divergence found on a generated case is made as
//! small as it can be while the *implementation* still diverges the same way (same rules,
//! same differing paths), walking the generator's value tree (simplify / complicate).

use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::strategy::ValueTree;
use reference::{Contract, GenSettings};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::compare::{canonical, group_key, judge, Verdict};
use crate::impls::ImplSpec;
use crate::runner::{self, Done, Job, Outcome, RunSummary, RunnerSettings};

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
    ) -> Result<Prober, String> {
        let session =
            runner::start_for(&spec.command, contract.id(), runner.handshake_timeout).await?;
        let running = runner::spawn_driver(&spec.command, contract.id(), runner, session, 1);
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
    pub async fn get(&mut self, slot: usize) -> Result<&mut Prober, String> {
        if !self.started.contains_key(&slot) {
            let prober = Prober::start(self.specs[slot], self.contract, self.runner).await?;
            self.started.insert(slot, prober);
        }
        self.started
            .get_mut(&slot)
            .ok_or_else(|| "no such implementation".to_owned())
    }

    pub async fn close(self) {
        for (_, prober) in self.started {
            prober.close().await;
        }
    }
}

/// Limits on one shrink.
#[derive(Debug, Clone, Copy)]
pub struct ShrinkBounds {
    pub time: Duration,
    pub max_steps: u32,
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

/// The grouping key a divergence must keep while shrinking.
pub type Key = (Vec<String>, Vec<String>);

pub struct Shrinker<'a> {
    pub contract: &'static dyn Contract,
    pub generation: &'a GenSettings,
    pub slack_ms: u64,
    pub bounds: ShrinkBounds,
}

impl Shrinker<'_> {
    /// The implementation's output for `candidate`, if it diverges with exactly `key`.
    async fn diverges_the_same_way(
        &self,
        prober: &mut Prober,
        candidate: &Value,
        key: &Key,
    ) -> Option<Value> {
        let expectation = self.contract.expect(candidate, self.generation);
        let Outcome::Output { output, .. } = prober
            .run(candidate, Job::time_limit_for(&expectation, self.slack_ms))
            .await
        else {
            return None; // a crash or a hang is another bug, not this one
        };
        match judge(&expectation, &self.contract.comparable(&output)) {
            Verdict::Diverges(d) => {
                (group_key(self.contract, candidate, &expectation, &d, &output) == *key)
                    .then_some(output)
            }
            Verdict::Agrees => None,
        }
    }

    /// Shrinks `tree` (whose current value diverged with `key`, producing `output`).
    pub async fn shrink(
        &self,
        prober: &mut Prober,
        mut tree: Box<dyn ValueTree<Value = Value>>,
        key: &Key,
        output: Value,
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
        loop {
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
            let candidate = tree.current();
            match self.diverges_the_same_way(prober, &candidate, key).await {
                Some(output) => {
                    best.accepted += 1;
                    // "Simpler" in the tree's order is not always fewer bytes: report the
                    // smallest case seen, never one larger than the case first found.
                    if canonical(&candidate).len() <= canonical(&best.input).len() {
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
