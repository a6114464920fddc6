//! The driver: streams one contract's cases through one adapter with many in flight, pings
//! an adapter that may be stuck, and restarts a dead one, re-running its suspects in halves.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};

use super::protocol::{self, parse_reply, CaseReply, Reply, Request};
use super::session::{start, Event, Session};
use super::{
    AdapterCommand, Done, FailureKind, Incident, Job, Outcome, RunSummary, RunnerSettings,
};

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
    in_flight: HashMap<u64, InFlight>,
    /// Ids given up on (timed out or malformed); a late answer to one is ignored.
    abandoned: HashSet<u64>,
    /// Suspect cases waiting to be re-run, each group alone; the last is run next.
    suspects: Vec<Vec<Job>>,
    running_suspects: bool,
    ping: Option<PendingPing>,
    summary: RunSummary,
    /// Cases in flight at once.
    window: usize,
    /// Becomes true when the run is interrupted: stop at once and shut the adapter down.
    stop: Option<tokio::sync::watch::Receiver<bool>>,
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
            in_flight: HashMap::new(),
            abandoned: HashSet::new(),
            suspects: Vec::new(),
            running_suspects: false,
            ping: None,
            summary: RunSummary::default(),
            window: settings.window.unwrap_or_else(|| {
                reference::contract(contract).map_or(256, |c| c.cases_in_flight())
            }),
            stop: None,
        }
    }

    /// Stops (closing the adapter, reporting nothing more) once `stop` turns true.
    pub fn stopping_on(mut self, stop: tokio::sync::watch::Receiver<bool>) -> Self {
        self.stop = Some(stop);
        self
    }

    /// Resolves when the run is interrupted; never, without a stop signal.
    async fn stopped(stop: &mut Option<tokio::sync::watch::Receiver<bool>>) {
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
        let mut stop = self.stop.take();
        loop {
            if self.in_flight.is_empty() && self.ping.is_none() {
                self.running_suspects = false;
                if let Some(group) = self.suspects.pop() {
                    self.running_suspects = true;
                    for job in group {
                        self.send(job);
                    }
                } else if !fresh_open {
                    break;
                }
            }
            let can_take = fresh_open
                && !self.running_suspects
                && self.suspects.is_empty()
                && self.in_flight.len() < self.window;
            let wake = self.next_wake();
            let interrupted = tokio::select! {
                biased;
                _ = Self::stopped(&mut stop) => true,
                event = self.session.events.recv() => {
                    let event = event.unwrap_or(Event::Closed);
                    if !self.handle(event).await {
                        break;
                    }
                    false
                }
                job = jobs.recv(), if can_take => {
                    match job {
                        Some(job) => self.send(job),
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
                // Cases in flight are left unjudged: the partial report counts what finished.
                self.session.close().await;
                return self.summary;
            }
        }
        if self.summary.fatal.is_some() {
            // Whatever the dead adapter could not run is still accounted for.
            let reason = format!(
                "adapter could not be restarted: {}",
                self.summary
                    .fatal
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            );
            let leftovers: Vec<Job> = self
                .in_flight
                .drain()
                .map(|(_, f)| f.job)
                .chain(self.suspects.drain(..).flatten())
                .chain(self.ping.take().into_iter().flat_map(|p| p.overdue))
                .collect();
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
            self.session.close().await;
        }
        self.summary
    }

    fn send(&mut self, job: Job) {
        let id = self.next_id;
        self.next_id += 1;
        self.session.send(&Request::Run {
            id,
            contract: self.contract,
            input: &job.input,
        });
        let deadline = Instant::now() + job.time_limit;
        self.in_flight.insert(id, InFlight { job, deadline });
    }

    fn next_wake(&self) -> Option<Instant> {
        let case = self.in_flight.values().map(|f| f.deadline).min();
        let ping = self.ping.as_ref().map(|p| p.deadline);
        case.into_iter().chain(ping).min()
    }

    async fn report(&self, index: u64, outcome: Outcome) {
        // The receiver lives as long as the run; a closed channel means the run is over.
        let _ = self
            .done
            .send(Done {
                slot: self.slot,
                index,
                outcome,
            })
            .await;
    }

    /// Handles one event from the adapter; false when the run must stop.
    async fn handle(&mut self, event: Event) -> bool {
        match event {
            Event::Line(line) => match parse_reply(&line) {
                Ok(Reply::Result(reply)) => self.on_result(reply, &line).await,
                Ok(Reply::Pong { token }) => {
                    if self.ping.as_ref().is_some_and(|p| p.token == token) {
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
                    true
                }
                Ok(Reply::Hello(_) | Reply::Snippet(_)) => {
                    self.fail_session(
                        FailureKind::Protocol,
                        format!(
                            "an unasked-for message in the middle of the run: {}",
                            protocol::excerpt(&line)
                        ),
                    )
                    .await
                }
                Err(violation) => match violation
                    .id
                    .and_then(|id| self.in_flight.remove(&id).map(|f| (id, f)))
                {
                    Some((id, flight)) => {
                        self.abandoned.insert(id);
                        let stderr_tail = self.session.stderr_tail();
                        self.report(
                            flight.job.index,
                            Outcome::Failed {
                                kind: FailureKind::Protocol,
                                detail: violation.problem,
                                stderr_tail,
                            },
                        )
                        .await;
                        true
                    }
                    None => {
                        self.fail_session(
                            FailureKind::Protocol,
                            format!(
                                "the adapter wrote a line that is not a valid message: {}",
                                violation.problem
                            ),
                        )
                        .await
                    }
                },
            },
            Event::Garbage(line) => {
                self.fail_session(
                    FailureKind::Protocol,
                    format!(
                        "the adapter wrote a line that is not UTF-8: {}",
                        protocol::excerpt(&line)
                    ),
                )
                .await
            }
            Event::Closed => {
                let status = self.session.exit_status().await;
                // Let the stderr reader catch the adapter's last words.
                tokio::time::sleep(Duration::from_millis(50)).await;
                self.fail_session(FailureKind::Crash, format!("the adapter exited ({status})"))
                    .await
            }
            Event::WriteFailed(error) => {
                self.fail_session(
                    FailureKind::Crash,
                    format!("the adapter stopped reading its input ({error})"),
                )
                .await
            }
        }
    }

    async fn on_result(&mut self, reply: CaseReply, line: &str) -> bool {
        let Some(flight) = self.in_flight.remove(&reply.id) else {
            if self.abandoned.remove(&reply.id) {
                return true; // a late answer for a case already recorded
            }
            return self
                .fail_session(
                    FailureKind::Protocol,
                    format!(
                        "answered id {} which is not in flight: {}",
                        reply.id,
                        protocol::excerpt(line)
                    ),
                )
                .await;
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
        self.report(flight.job.index, outcome).await;
        true
    }

    /// Handles expired case limits and pings; false when the run must stop.
    async fn handle_clock(&mut self) -> bool {
        let now = Instant::now();
        if let Some(ping) = &self.ping {
            if ping.deadline <= now {
                let detail = format!(
                    "the adapter stopped answering (no pong within {} ms)",
                    self.settings.ping_grace.as_millis()
                );
                return self.fail_session(FailureKind::Timeout, detail).await;
            }
        }
        let expired: Vec<u64> = self
            .in_flight
            .iter()
            .filter(|(_, f)| f.deadline <= now)
            .map(|(id, _)| *id)
            .collect();
        if expired.is_empty() {
            return true;
        }
        let mut overdue = Vec::new();
        for id in expired {
            if let Some(flight) = self.in_flight.remove(&id) {
                self.abandoned.insert(id);
                overdue.push(flight.job);
            }
        }
        match &mut self.ping {
            Some(ping) => ping.overdue.extend(overdue),
            None => {
                let token = self.next_id;
                self.next_id += 1;
                self.session.send(&Request::Ping { token });
                self.ping = Some(PendingPing {
                    token,
                    deadline: now + self.settings.ping_grace,
                    overdue,
                });
            }
        }
        true
    }

    /// Kills the adapter after a failure no single case can be blamed for, sets the cases
    /// in flight aside to be re-run in halves, and starts a new adapter.
    async fn fail_session(&mut self, kind: FailureKind, detail: String) -> bool {
        let stderr_tail = self.session.stderr_tail();
        self.session.kill().await;
        let mut suspects: Vec<Job> = self
            .in_flight
            .drain()
            .map(|(_, f)| f.job)
            .chain(self.ping.take().into_iter().flat_map(|p| p.overdue))
            .collect();
        suspects.sort_by_key(|j| j.index);
        self.abandoned.clear();
        self.running_suspects = false;
        match suspects.len() {
            0 => self.summary.incidents.push(Incident {
                kind,
                detail,
                stderr_tail,
            }),
            1 => {
                let job = suspects.remove(0);
                self.report(
                    job.index,
                    Outcome::Failed {
                        kind,
                        detail,
                        stderr_tail,
                    },
                )
                .await;
            }
            n => {
                let second = suspects.split_off(n / 2);
                self.suspects.push(second);
                self.suspects.push(suspects);
            }
        }
        match start(&self.command, self.settings.handshake_timeout).await {
            Ok((session, _hello)) => {
                self.session = session;
                self.summary.restarts += 1;
                true
            }
            Err(e) => {
                self.summary.fatal = Some(e);
                false
            }
        }
    }
}
