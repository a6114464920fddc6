//! Adapter processes: start, handshake, stream cases with many in flight, and survive
//! adapters that crash, hang or babble.
//!
//! No case is ever dropped or counted twice. A failure that names its case (a malformed
//! reply carrying the case's id, or a case that outlives its limit while the adapter still
//! answers pings) is recorded against that case. A failure that names no case (the process
//! died, wrote garbage, answered an id not in flight, or stopped answering altogether)
//! kills the adapter; the cases that were in flight are re-run in halves, each half alone,
//! until the one responsible fails alone and is recorded with the failure.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::time::{sleep_until, timeout, Instant};

use crate::protocol::{
    parse_reply, CaseReply, Hello, Reply, Request, SnippetReply, PROTOCOL_VERSION,
};

/// How to start one implementation's adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterCommand {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    pub cwd: PathBuf,
}

impl AdapterCommand {
    pub fn display(&self) -> String {
        self.argv.join(" ")
    }
}

/// One case to run.
#[derive(Debug, Clone)]
pub struct Job {
    pub index: u64,
    pub input: Arc<Value>,
    /// How long the case may take once sent, before the harness asks whether it hung.
    pub time_limit: Duration,
}

impl Job {
    /// How long a case may run before the harness asks whether it hung: twice the
    /// reference's virtual duration, the timing slack, and a second for the adapter's work.
    pub fn time_limit_for(expectation: &reference::Expectation, slack_ms: u64) -> Duration {
        Duration::from_millis(
            expectation
                .virtual_duration_ms
                .saturating_mul(2)
                .saturating_add(slack_ms)
                .saturating_add(1000),
        )
    }
}

/// Failures of a case that produced no output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    Crash,
    Timeout,
    Protocol,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Crash => "crash",
            FailureKind::Timeout => "timeout",
            FailureKind::Protocol => "protocol",
        }
    }
}

/// What running one case produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Output {
        output: Value,
        elapsed_ms: Option<f64>,
        timer_lag_ms: Option<f64>,
    },
    AdapterError {
        message: String,
    },
    Failed {
        kind: FailureKind,
        detail: String,
        stderr_tail: String,
    },
    NotRun {
        reason: String,
    },
}

#[derive(Debug, Clone)]
pub struct Done {
    /// Which implementation ran the case (the driver's slot).
    pub slot: usize,
    pub index: u64,
    pub outcome: Outcome,
}

/// Adapter misbehaviour that belongs to no case (for example garbage written while idle).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    pub kind: FailureKind,
    pub detail: String,
    pub stderr_tail: String,
}

#[derive(Debug, Default)]
pub struct RunSummary {
    pub restarts: u32,
    pub incidents: Vec<Incident>,
    /// Set when the adapter could not be restarted; the remaining cases are `NotRun`.
    pub fatal: Option<StartError>,
}

#[derive(Debug, Clone, Copy)]
pub struct RunnerSettings {
    /// Cases in flight at once (`None`: what the contract suggests).
    pub window: Option<usize>,
    /// How long a ping may go unanswered before the adapter counts as stuck.
    pub ping_grace: Duration,
    /// How long the adapter may take to start and answer `hello`.
    pub handshake_timeout: Duration,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StartError {
    #[error("could not start `{program}`: {error}")]
    Spawn { program: String, error: String },
    #[error(
        "the adapter exited before its hello ({status}); its stderr ends with:\n{stderr_tail}"
    )]
    Exited { status: String, stderr_tail: String },
    #[error(
        "the adapter did not answer hello within {seconds} s; its stderr ends with:\n{stderr_tail}"
    )]
    Silent { seconds: u64, stderr_tail: String },
    #[error("the adapter's hello is not protocol {PROTOCOL_VERSION}: {problem}")]
    Protocol { problem: String },
}

/// The last bytes an adapter wrote to stderr.
#[derive(Debug, Default)]
struct Tail {
    bytes: Vec<u8>,
}

impl Tail {
    const KEEP: usize = 8 * 1024;

    fn push(&mut self, chunk: &[u8]) {
        self.bytes.extend_from_slice(chunk);
        if self.bytes.len() > 2 * Self::KEEP {
            self.bytes.drain(..self.bytes.len() - Self::KEEP);
        }
    }

    fn text(&self) -> String {
        let start = self.bytes.len().saturating_sub(Self::KEEP);
        String::from_utf8_lossy(&self.bytes[start..]).into_owned()
    }
}

enum Event {
    Line(String),
    Garbage(String),
    Closed,
    WriteFailed(String),
}

/// A running adapter process.
pub struct Session {
    child: Child,
    writer: mpsc::UnboundedSender<String>,
    events: mpsc::UnboundedReceiver<Event>,
    stderr: Arc<Mutex<Tail>>,
    /// The adapter's scratch folder (`HARNESS_SCRATCH`), for the files its cases need (a
    /// migrations folder, a database). Owned here so it is removed with the session,
    /// whether the adapter exited, crashed or was killed.
    _scratch: tempfile::TempDir,
}

impl Session {
    fn send(&self, request: &Request) {
        // A closed writer means the process is gone; the reader reports that as `Closed`.
        let _ = self.writer.send(request.line());
    }

    fn stderr_tail(&self) -> String {
        self.stderr.lock().map(|t| t.text()).unwrap_or_default()
    }

    async fn exit_status(&mut self) -> String {
        match timeout(Duration::from_millis(500), self.child.wait()).await {
            Ok(Ok(status)) => status.to_string(),
            Ok(Err(e)) => format!("exit status unknown: {e}"),
            Err(_) => "still running".into(),
        }
    }

    async fn kill(&mut self) {
        let _ = self.child.start_kill();
        let _ = timeout(Duration::from_secs(5), self.child.wait()).await;
    }

    /// Asks the adapter to exit, and makes sure it does.
    pub async fn close(&mut self) {
        self.send(&Request::Bye);
        if timeout(Duration::from_secs(2), self.child.wait())
            .await
            .is_err()
        {
            self.kill().await;
        }
    }
}

/// Starts the adapter and completes the `hello` exchange.
pub async fn start(
    command: &AdapterCommand,
    handshake_timeout: Duration,
) -> Result<(Session, Hello), StartError> {
    let (program, args) = command
        .argv
        .split_first()
        .ok_or_else(|| StartError::Spawn {
            program: String::new(),
            error: "the argv list is empty".into(),
        })?;
    let scratch = tempfile::Builder::new()
        .prefix("harness-scratch-")
        .tempdir()
        .map_err(|e| StartError::Spawn {
            program: program.clone(),
            error: format!("cannot create a scratch folder: {e}"),
        })?;
    let mut child = Command::new(program)
        .args(args)
        .envs(command.env.iter().map(|(k, v)| (k, v)))
        .env("HARNESS_SCRATCH", scratch.path())
        .current_dir(&command.cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group: a Ctrl-C at the terminal reaches the harness alone, which
        // then shuts its adapters down in order (an orphaned adapter exits at end of input).
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| StartError::Spawn {
            program: program.clone(),
            error: e.to_string(),
        })?;

    let (event_tx, events) = mpsc::unbounded_channel();
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut stdin = child.stdin.take().expect("stdin is piped");

    let reader_tx = event_tx.clone();
    tokio::spawn(async move {
        let mut reader = BufReader::new(stdout);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf).await {
                Ok(0) | Err(_) => {
                    let _ = reader_tx.send(Event::Closed);
                    break;
                }
                Ok(_) => {
                    let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
                    let event = match std::str::from_utf8(line) {
                        Ok(text) => Event::Line(text.to_owned()),
                        Err(_) => Event::Garbage(String::from_utf8_lossy(line).into_owned()),
                    };
                    if reader_tx.send(event).is_err() {
                        break;
                    }
                }
            }
        }
    });

    let tail = Arc::new(Mutex::new(Tail::default()));
    let stderr_tail = tail.clone();
    tokio::spawn(async move {
        let mut stderr = stderr;
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stderr.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            if let Ok(mut t) = stderr_tail.lock() {
                t.push(&chunk[..n]);
            }
        }
    });

    // Writes go through their own task so a stuck adapter that stops reading can never
    // block the harness's event loop.
    let (writer, mut lines) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        while let Some(first) = lines.recv().await {
            let mut batch = first;
            while let Ok(more) = lines.try_recv() {
                batch.push_str(&more);
            }
            if let Err(e) = async {
                stdin.write_all(batch.as_bytes()).await?;
                stdin.flush().await
            }
            .await
            {
                let _ = event_tx.send(Event::WriteFailed(e.to_string()));
                break;
            }
        }
    });

    let mut session = Session {
        child,
        writer,
        events,
        stderr: tail,
        _scratch: scratch,
    };
    session.send(&Request::Hello {
        protocol: PROTOCOL_VERSION,
    });
    let first = timeout(handshake_timeout, session.events.recv()).await;
    let line = match first {
        Err(_) => {
            let stderr_tail = session.stderr_tail();
            session.kill().await;
            return Err(StartError::Silent {
                seconds: handshake_timeout.as_secs(),
                stderr_tail,
            });
        }
        Ok(Some(Event::Line(line))) => line,
        Ok(Some(Event::Garbage(line))) => {
            session.kill().await;
            return Err(StartError::Protocol {
                problem: format!("not UTF-8: {line}"),
            });
        }
        Ok(_) => {
            // Give the stderr reader a moment to collect the last words.
            let status = session.exit_status().await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            return Err(StartError::Exited {
                status,
                stderr_tail: session.stderr_tail(),
            });
        }
    };
    match parse_reply(&line) {
        Ok(Reply::Hello(hello)) if hello.protocol == PROTOCOL_VERSION => Ok((session, hello)),
        Ok(Reply::Hello(hello)) => {
            session.kill().await;
            Err(StartError::Protocol {
                problem: format!("it speaks protocol {}", hello.protocol),
            })
        }
        Ok(_) => {
            session.kill().await;
            Err(StartError::Protocol {
                problem: format!("its first line is not a hello: {line}"),
            })
        }
        Err(v) => {
            session.kill().await;
            Err(StartError::Protocol { problem: v.problem })
        }
    }
}

/// Starts the adapter and checks it offers `contract`: the reason when it does not.
pub async fn start_for(
    command: &AdapterCommand,
    contract: &str,
    handshake_timeout: Duration,
) -> Result<Session, String> {
    let (mut session, hello) = start(command, handshake_timeout)
        .await
        .map_err(|e| e.to_string())?;
    if hello.contracts.iter().any(|c| c == contract) {
        return Ok(session);
    }
    session.close().await;
    Err(hello
        .unavailable
        .get(contract)
        .cloned()
        .unwrap_or_else(|| format!("the adapter does not offer contract `{contract}`")))
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

/// Asks a fresh adapter for paste-ready programs reproducing `inputs` (the optional
/// `snippet` operation). `None` where the adapter wrote none, or did not answer in time.
pub async fn snippets(
    command: &AdapterCommand,
    contract: &str,
    inputs: &[Value],
    handshake_timeout: Duration,
) -> Vec<Option<SnippetReply>> {
    let mut out: Vec<Option<SnippetReply>> = vec![None; inputs.len()];
    let Ok((mut session, _)) = start(command, handshake_timeout).await else {
        return out;
    };
    for (id, input) in (0u64..).zip(inputs) {
        session.send(&Request::Snippet {
            id,
            contract,
            input,
        });
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut missing = inputs.len();
    while missing > 0 {
        let Ok(Some(Event::Line(line))) =
            tokio::time::timeout_at(deadline, session.events.recv()).await
        else {
            break;
        };
        if let Ok(Reply::Snippet(reply)) = parse_reply(&line) {
            if let Some(slot) = usize::try_from(reply.id).ok().and_then(|i| out.get_mut(i)) {
                missing -= usize::from(slot.is_none());
                *slot = Some(reply);
            }
        }
    }
    session.close().await;
    out
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
                            crate::protocol::excerpt(&line)
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
                        crate::protocol::excerpt(&line)
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
                        crate::protocol::excerpt(line)
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
