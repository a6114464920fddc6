//! The driver: streams one contract's cases through one adapter with many in flight, pings
//! an adapter that may be stuck, and restarts a dead one within the implementation's
//! restart budget, re-running its suspects in halves (`failures`). What breaks the
//! protocol, and any failure no single case explains, is recorded as an incident.

mod clock;
mod failures;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio::time::{sleep_until, Instant};

use super::protocol::{excerpt, parse_reply, BatchCase, CaseReply, Reply, Request, Violation};
use super::session::{Event, Session};
use super::{
    AdapterCommand, Done, FailureKind, Incident, IncidentKind, Job, Outcome, RestartBudget,
    RunSummary, RunnerSettings,
};

/// Incidents a driver keeps one by one; past this many, each further one is counted on the
/// first of its kind (`repeats`), so a report stays small whatever an adapter does.
const MAX_INCIDENTS: usize = 20;

/// Inputs nesting deeper than this go alone in a `run` message, never in a batch.
const BATCH_DEPTH: usize = 32;

/// Whether `value` nests at most `depth` arrays and objects deep.
fn nests_within(value: &serde_json::Value, depth: usize) -> bool {
    use serde_json::Value;
    match value {
        Value::Array(items) => depth > 0 && items.iter().all(|v| nests_within(v, depth - 1)),
        Value::Object(members) => depth > 0 && members.values().all(|v| nests_within(v, depth - 1)),
        _ => true,
    }
}

/// A driver on its own task, for callers that feed cases one by one or in a batch.
pub struct Running {
    pub jobs: mpsc::Sender<Job>,
    pub done: mpsc::Receiver<Done>,
    pub driver: tokio::task::JoinHandle<RunSummary>,
}

/// Spawns a driver for a started session, with channels of `capacity`.
pub fn spawn_driver(
    command: &AdapterCommand,
    contract: &'static str,
    settings: RunnerSettings,
    session: Session,
    capacity: usize,
) -> Running {
    let (jobs, job_rx) = mpsc::channel(capacity);
    let (done_tx, done) = mpsc::channel(capacity);
    let driver = tokio::spawn(
        Driver::new(command.clone(), contract, settings, session, (0, done_tx)).run(job_rx),
    );
    Running { jobs, done, driver }
}

struct InFlight {
    job: Job,
    deadline: Instant,
}

struct PendingPing {
    token: u64,
    deadline: Instant,
    /// Cases past their limit, waiting to learn whether the adapter is alive.
    overdue: Vec<Job>,
}

/// Runs every job from `jobs` through the adapter, reporting each exactly once on `done`.
pub struct Driver {
    command: AdapterCommand,
    contract: &'static str,
    settings: RunnerSettings,
    slot: usize,
    done: mpsc::Sender<Done>,
    session: Session,
    next_id: u64,
    /// The first id sent to the current process: a result for an earlier id, or one not
    /// sent yet, answers something it was never asked.
    session_first_id: u64,
    /// Cases sent to the current process, and how many of them it answered.
    session_sent: u64,
    session_answered: u64,
    next_token: u64,
    /// Cases sent and not answered, in the order sent (ids grow): an adapter takes them in
    /// that order, so only the oldest one is surely running.
    in_flight: BTreeMap<u64, InFlight>,
    /// Ids given up on (timed out or malformed); a late answer to one is ignored.
    abandoned: HashSet<u64>,
    /// Suspect cases waiting to be re-run, each group alone; the last is run next.
    suspects: Vec<Vec<Job>>,
    running_suspects: bool,
    ping: Option<PendingPing>,
    /// Failures that named no case, waiting for their cases to be re-run: each is an
    /// incident unless one of its cases then fails alone.
    unexplained: Vec<Incident>,
    /// Cases reported so far (what an incident's "when" counts).
    reported: u64,
    /// The last failure that cost a restart, for the incident that ends the budget.
    last_failure: String,
    summary: RunSummary,
    /// Cases in flight at once.
    window: usize,
    /// What a case took in the last write, on average: the next write's buffer is sized by it.
    bytes_per_case: usize,
    /// The implementation's restarts, shared with its other adapters.
    budget: Arc<RestartBudget>,
    /// Becomes true when the run is interrupted: stop at once and shut the adapter down.
    stop: Option<watch::Receiver<bool>>,
    /// The run was interrupted while a new adapter started: nothing more is reported.
    interrupted: bool,
}

impl Driver {
    pub fn new(
        command: AdapterCommand,
        contract: &'static str,
        settings: RunnerSettings,
        session: Session,
        (slot, done): (usize, mpsc::Sender<Done>),
    ) -> Self {
        Driver {
            command,
            contract,
            settings,
            slot,
            done,
            session,
            next_id: 0,
            session_first_id: 0,
            session_sent: 0,
            session_answered: 0,
            next_token: 0,
            in_flight: BTreeMap::new(),
            abandoned: HashSet::new(),
            suspects: Vec::new(),
            running_suspects: false,
            ping: None,
            unexplained: Vec::new(),
            reported: 0,
            last_failure: String::new(),
            summary: RunSummary::default(),
            window: settings.window.unwrap_or_else(|| {
                reference::contract(contract).map_or(256, |c| c.cases_in_flight())
            }),
            bytes_per_case: 256,
            budget: RestartBudget::new(settings.max_restarts),
            stop: None,
            interrupted: false,
        }
    }

    /// Stops (closing the adapter, reporting nothing more) once `stop` turns true.
    pub fn stopping_on(mut self, stop: watch::Receiver<bool>) -> Self {
        self.stop = Some(stop);
        self
    }

    /// Draws restarts from `budget`, which the implementation's other adapters share.
    pub fn sharing_restarts(mut self, budget: Arc<RestartBudget>) -> Self {
        self.budget = budget;
        self
    }

    /// Resolves when the run is interrupted; never, without a stop signal.
    async fn stopped(stop: &mut Option<watch::Receiver<bool>>) {
        match stop {
            Some(rx) => {
                // A dropped sender means the run is over without an interruption.
                if rx.wait_for(|stopped| *stopped).await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
            None => std::future::pending().await,
        }
    }

    pub async fn run(mut self, mut jobs: mpsc::Receiver<Job>) -> RunSummary {
        let mut fresh_open = true;
        loop {
            if self.budget.spent() {
                // This adapter, or another of the implementation's, used up the restarts.
                self.summary.broken = Some(self.broken_reason());
                break;
            }
            if self.in_flight.is_empty() && self.ping.is_none() {
                self.running_suspects = false;
                if let Some(group) = self.suspects.pop() {
                    self.running_suspects = true;
                    for job in group {
                        self.send(job);
                    }
                } else {
                    // Every suspect has re-run: what none of them explained is an incident.
                    self.settle();
                    if !fresh_open {
                        break;
                    }
                }
            }
            let can_take = fresh_open
                && !self.running_suspects
                && self.suspects.is_empty()
                && self.in_flight.len() < self.window;
            let wake = self.next_wake();
            let interrupted = tokio::select! {
                biased;
                _ = Self::stopped(&mut self.stop) => true,
                event = self.session.events.recv() => {
                    let event = event.unwrap_or(Event::Closed);
                    if !self.handle(event).await {
                        break;
                    }
                    false
                }
                job = jobs.recv(), if can_take => {
                    match job {
                        Some(job) => {
                            // Whatever else is queued goes in the same write: one wake-up
                            // and one pipe write for many cases, none of them held back.
                            let mut batch = vec![job];
                            while self.in_flight.len() + batch.len() < self.window {
                                match jobs.try_recv() {
                                    Ok(job) => batch.push(job),
                                    Err(mpsc::error::TryRecvError::Empty) => break,
                                    Err(mpsc::error::TryRecvError::Disconnected) => {
                                        fresh_open = false;
                                        break;
                                    }
                                }
                            }
                            self.send_all(batch);
                        }
                        None => fresh_open = false,
                    }
                    false
                }
                _ = sleep_until(wake.unwrap_or_else(Instant::now)), if wake.is_some() => {
                    if !self.handle_clock().await {
                        break;
                    }
                    false
                }
            };
            if interrupted {
                self.interrupted = true;
                break;
            }
        }
        if self.summary.broken.is_some() {
            // Failures still being narrowed down when the restarts ran out: the budget's
            // incident names the last of them, and their cases are reported not run.
            self.unexplained.clear();
        }
        self.settle();
        if self.interrupted {
            // Cases in flight are left unjudged: the partial report counts what finished.
            self.session.close().await;
            return self.summary;
        }
        let gone = match (&self.summary.fatal, &self.summary.broken) {
            (Some(fatal), _) => Some(format!("adapter could not be restarted: {fatal}")),
            (None, Some(broken)) => Some(broken.clone()),
            (None, None) => None,
        };
        if let Some(reason) = gone {
            // Whatever the adapter could not run is still accounted for.
            let leftovers: Vec<Job> = std::mem::take(&mut self.in_flight)
                .into_values()
                .map(|f| f.job)
                .chain(self.suspects.drain(..).flatten())
                .chain(self.ping.take().into_iter().flat_map(|p| p.overdue))
                .collect();
            self.session.close().await;
            for job in leftovers {
                self.report(
                    job.index,
                    Outcome::NotRun {
                        reason: reason.clone(),
                    },
                )
                .await;
            }
            while let Some(job) = jobs.recv().await {
                self.report(
                    job.index,
                    Outcome::NotRun {
                        reason: reason.clone(),
                    },
                )
                .await;
            }
        } else {
            self.finish().await;
        }
        self.summary
    }

    fn send(&mut self, job: Job) {
        self.send_all(vec![job]);
    }

    /// Sends `jobs` in one write, in order: as one `runs` message to an adapter that takes
    /// them, but for a case whose input nests deep, which goes alone in a `run` message (a
    /// JSON parser with a depth limit then fails that case only, as it would without batches).
    fn send_all(&mut self, jobs: Vec<Job>) {
        // Sized by the cases sent so far, so the buffer is seldom grown (and copied) on the way.
        let mut lines = Vec::with_capacity(jobs.len() * self.bytes_per_case);
        let now = Instant::now();
        let mut batch = Vec::with_capacity(jobs.len());
        for job in &jobs {
            let id = self.next_id;
            self.next_id += 1;
            self.session_sent += 1;
            if self.session.batch && jobs.len() > 1 && nests_within(&job.input, BATCH_DEPTH) {
                batch.push(BatchCase {
                    id,
                    input: &job.input,
                });
            } else {
                Request::Run {
                    id,
                    contract: self.contract,
                    input: &job.input,
                }
                .write_line(&mut lines);
            }
        }
        match batch.as_slice() {
            [] => {}
            [one] => Request::Run {
                id: one.id,
                contract: self.contract,
                input: one.input,
            }
            .write_line(&mut lines),
            cases => Request::Runs {
                contract: self.contract,
                cases,
            }
            .write_line(&mut lines),
        }
        drop(batch);
        // Capped: one huge input must not make every later buffer huge.
        self.bytes_per_case = (lines.len() / jobs.len().max(1)).clamp(64, 4096);
        let first_id = self.next_id - jobs.len() as u64;
        for (id, job) in (first_id..).zip(jobs) {
            let deadline = now + job.time_limit;
            self.in_flight.insert(id, InFlight { job, deadline });
        }
        self.session.send_lines(lines);
    }

    async fn report(&mut self, index: u64, outcome: Outcome) {
        self.report_reached(index, outcome, None).await;
    }

    /// Reports a case's outcome with the branches it reached (with guidance).
    async fn report_reached(&mut self, index: u64, outcome: Outcome, reached: Option<Vec<String>>) {
        self.reported += 1;
        if matches!(
            outcome,
            Outcome::Output { .. } | Outcome::AdapterError { .. }
        ) {
            self.summary.answered += 1;
            self.session_answered += 1;
        }
        // The receiver lives as long as the run; a closed channel means the run is over.
        let _ = self
            .done
            .send(Done {
                slot: self.slot,
                index,
                outcome,
                reached,
            })
            .await;
    }

    /// Handles one event from the adapter; false when the run must stop.
    async fn handle(&mut self, event: Event) -> bool {
        match event {
            Event::Line(line) => match parse_reply(&line) {
                Ok(Reply::Result(reply)) => self.on_result(reply, &line).await,
                Ok(Reply::Results(replies)) => {
                    let restarts = self.summary.restarts;
                    for reply in replies {
                        let going_on = match reply {
                            Ok(reply) => self.on_result(reply, &line).await,
                            Err(violation) => self.on_violation(violation, &line).await,
                        };
                        if !going_on {
                            return false;
                        }
                        if self.summary.restarts != restarts {
                            // The rest answer a process that is gone; its cases run again.
                            break;
                        }
                    }
                    true
                }
                Ok(Reply::Pong { token }) => {
                    self.on_pong(token).await;
                    true
                }
                Ok(Reply::Hello(_) | Reply::Snippet(_) | Reply::Coverage(_)) => {
                    self.fail_session(
                        IncidentKind::InvalidMessage,
                        "the adapter wrote a message it was not asked for in the middle of the run"
                            .into(),
                        Some(excerpt(&line)),
                    )
                    .await
                }
                Err(violation) => self.on_violation(violation, &line).await,
            },
            Event::Garbage(line) => {
                self.fail_session(
                    IncidentKind::NotJson,
                    "the adapter wrote a line that is not UTF-8".into(),
                    Some(excerpt(&line)),
                )
                .await
            }
            Event::TooLong { head, bytes } => self.on_too_long(&head, bytes).await,
            Event::Closed => {
                let (kind, detail) = match self.exited().await {
                    Some(exit) => exit,
                    None => (
                        IncidentKind::StdoutClosed,
                        "the adapter closed its standard output but kept running".into(),
                    ),
                };
                self.fail_session(kind, detail, None).await
            }
            Event::WriteFailed(error) => {
                let (kind, detail) = match self.exited().await {
                    Some(exit) => exit,
                    None => (
                        IncidentKind::Crash,
                        format!("the adapter stopped reading its input ({error})"),
                    ),
                };
                self.fail_session(kind, detail, None).await
            }
        }
    }

    /// A reply that breaks the protocol: its case fails when it names one in flight; else
    /// the adapter does. False when the run must stop.
    async fn on_violation(&mut self, violation: Violation, line: &str) -> bool {
        match violation
            .id
            .and_then(|id| self.take_in_flight(id).map(|f| (id, f)))
        {
            Some((id, flight)) => {
                let detail = format!("its reply breaks the protocol: {}", violation.problem);
                let case_detail = format!("{detail}: {}", excerpt(line));
                self.fail_case(
                    id,
                    flight.job.index,
                    violation.kind,
                    detail,
                    Some(excerpt(line)),
                    case_detail,
                )
                .await
            }
            None => {
                self.fail_session(
                    violation.kind,
                    format!(
                        "the adapter wrote a line that is not a valid message: {}",
                        violation.problem
                    ),
                    Some(excerpt(line)),
                )
                .await
            }
        }
    }

    async fn on_pong(&mut self, token: u64) {
        if self.ping.as_ref().is_none_or(|p| p.token != token) {
            return;
        }
        let overdue = self.ping.take().map(|p| p.overdue).unwrap_or_default();
        let stderr_tail = self.session.stderr_tail();
        for job in overdue {
            let detail = format!(
                "no result within {} ms (the adapter still answered a ping)",
                job.time_limit.as_millis()
            );
            self.report(
                job.index,
                Outcome::Failed {
                    kind: FailureKind::Timeout,
                    detail,
                    stderr_tail: stderr_tail.clone(),
                },
            )
            .await;
        }
    }

    async fn on_result(&mut self, reply: CaseReply, line: &str) -> bool {
        let Some(flight) = self.take_in_flight(reply.id) else {
            if self.abandoned.remove(&reply.id) {
                return true; // a late answer for a case already recorded
            }
            let (kind, detail) = self.stray_result(reply.id);
            return self.fail_session(kind, detail, Some(excerpt(line))).await;
        };
        let outcome = match (reply.output, reply.adapter_error) {
            (Some(output), None) => Outcome::Output {
                output,
                elapsed_ms: reply.elapsed_ms,
                timer_lag_ms: reply.timer_lag_ms,
            },
            (_, Some(error)) => Outcome::AdapterError {
                message: error.message,
            },
            // The schema requires exactly one of the two.
            (None, None) => Outcome::AdapterError {
                message: "reply has neither output nor adapterError".into(),
            },
        };
        self.report_reached(flight.job.index, outcome, reply.reached)
            .await;
        true
    }
}
