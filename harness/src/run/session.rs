//! One adapter process: start it in its own process group, complete the `hello` exchange,
//! carry protocol lines both ways without ever blocking on a stuck adapter or holding more
//! of a line than the reply limit, and stop the whole group when it is done.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::time::{timeout, Instant};

use super::lines::{next_line, Line};
use super::protocol::{
    excerpt, parse_reply, size, BatchOffer, Hello, Reply, Request, SnippetReply, PROTOCOL_VERSION,
};
use super::{AdapterCommand, RunnerSettings, StartError};

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

pub(super) enum Event {
    Line(String),
    /// A line that is not UTF-8 (shown lossily).
    Garbage(String),
    /// A line over the reply limit: its head (lossily) and its length.
    TooLong {
        head: String,
        bytes: u64,
    },
    Closed,
    WriteFailed(String),
}

/// Events read ahead of the driver. Bounded, so an adapter that writes faster than the
/// harness judges waits on its pipe instead of filling the harness's memory.
const EVENTS_AHEAD: usize = 16;

/// How long an adapter's process group has to exit after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(1);

/// A running adapter process.
pub struct Session {
    child: Child,
    /// The adapter's process group (its pid: it leads a group of its own).
    group: Option<i32>,
    /// Set once the group has been stopped, so dropping the session signals no one.
    stopped: bool,
    writer: mpsc::UnboundedSender<Vec<u8>>,
    pub(super) events: mpsc::Receiver<Event>,
    stderr: Arc<Mutex<Tail>>,
    /// The adapter accepted the batch offer: it takes `runs` and may answer with `results`.
    pub(super) batch: bool,
    /// The adapter accepted the coverage offer: it answers `coverage` after the last case.
    pub(super) coverage: bool,
    /// The adapter accepted the guidance offer: its results say what each case reached.
    pub guided: bool,
    /// The adapter's scratch folder (`HARNESS_SCRATCH`), for the files its cases need (a
    /// migrations folder, a database). Owned here so it is removed with the session,
    /// whether the adapter exited, crashed or was killed.
    _scratch: tempfile::TempDir,
}

impl Session {
    pub(super) fn send(&self, request: &Request) {
        let mut line = Vec::new();
        request.write_line(&mut line);
        self.send_lines(line);
    }

    /// Sends whole protocol lines, written in one go.
    pub(super) fn send_lines(&self, lines: Vec<u8>) {
        // A closed writer means the process is gone; the reader reports that as `Closed`.
        let _ = self.writer.send(lines);
    }

    pub(super) fn stderr_tail(&self) -> String {
        self.stderr.lock().map(|t| t.text()).unwrap_or_default()
    }

    /// How the adapter exited, once it has (`None` while it still runs): whether it
    /// exited with status 0, and its status in words.
    pub(super) async fn exit_status(&mut self) -> Option<(bool, String)> {
        match timeout(Duration::from_millis(500), self.child.wait()).await {
            Ok(Ok(status)) => Some((status.success(), status.to_string())),
            Ok(Err(e)) => Some((false, format!("exit status unknown: {e}"))),
            Err(_) => None,
        }
    }

    /// Stops the adapter and everything it started: SIGTERM to its process group, SIGKILL
    /// to whatever is left after a short grace.
    pub(super) async fn kill(&mut self) {
        self.stopped = true;
        let Some(group) = self.group else {
            let _ = self.child.start_kill();
            let _ = timeout(Duration::from_secs(5), self.child.wait()).await;
            return;
        };
        if signal_group(group, libc::SIGTERM) {
            let deadline = Instant::now() + STOP_GRACE;
            let _ = tokio::time::timeout_at(deadline, self.child.wait()).await;
            // The adapter is reaped; what it started may still be winding down.
            while group_alive(group) && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            signal_group(group, libc::SIGKILL);
        }
        let _ = self.child.start_kill();
        let _ = timeout(Duration::from_secs(5), self.child.wait()).await;
    }

    /// Asks the adapter to exit, and makes sure it, and anything it started, does.
    pub async fn close(&mut self) {
        self.send(&Request::Bye);
        let _ = timeout(Duration::from_secs(2), self.child.wait()).await;
        self.kill().await;
    }
}

impl Drop for Session {
    /// A session dropped without [`Session::close`] (an aborted task, an interrupted
    /// start) still takes its whole process group with it.
    fn drop(&mut self) {
        if let (Some(group), false) = (self.group, self.stopped) {
            signal_group(group, libc::SIGKILL);
        }
    }
}

/// Sends `signal` to every process of `group`; false when none is left.
pub(crate) fn signal_group(group: i32, signal: libc::c_int) -> bool {
    // SAFETY: kill(2) with a negative pid signals a process group; it has no memory
    // effects, and a group that is gone only yields ESRCH.
    unsafe { libc::kill(-group, signal) == 0 }
}

/// Whether any live process of `group` is left. Zombies do not count: where nothing reaps
/// orphans (a container whose first process does not), they stay in the group for good.
fn group_alive(group: i32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return signal_group(group, 0);
    };
    entries.filter_map(Result::ok).any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // `pid (command) state ppid pgrp …`; the command may hold spaces and parentheses.
        let mut fields = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1).and_then(|p| p.parse::<i32>().ok());
        pgrp == Some(group) && state != Some("Z")
    })
}

/// Starts the adapter and completes the `hello` exchange. With a `contract`, the adapter is
/// told it will run that one only, so it need not load (import, compile) the others.
pub async fn start(
    command: &AdapterCommand,
    contract: Option<&str>,
    runner: &RunnerSettings,
) -> Result<(Session, Hello), StartError> {
    let handshake_timeout = runner.handshake_timeout;
    let limit = runner.max_reply_bytes;
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
    let mut child = Command::new(super::python::program_to_start(program, command).await)
        .args(args)
        .envs(command.env.iter().map(|(k, v)| (k, v)))
        .env("HARNESS_SCRATCH", scratch.path())
        .current_dir(&command.cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group: a Ctrl-C at the terminal reaches the harness alone, which
        // then shuts its adapters down in order, and stopping the group stops whatever the
        // adapter started too (an orphaned adapter exits at end of input).
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| StartError::Spawn {
            program: program.clone(),
            error: e.to_string(),
        })?;

    let group = child.id().and_then(|pid| i32::try_from(pid).ok());
    let (event_tx, events) = mpsc::channel(EVENTS_AHEAD);
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut stdin = child.stdin.take().expect("stdin is piped");

    let reader_tx = event_tx.clone();
    tokio::spawn(async move {
        let mut reader = BufReader::with_capacity(64 * 1024, stdout);
        loop {
            let event = match next_line(&mut reader, limit).await {
                Ok(None) | Err(_) => Event::Closed,
                Ok(Some(Line::Whole(line))) => match String::from_utf8(line) {
                    Ok(text) => Event::Line(text),
                    Err(e) => Event::Garbage(String::from_utf8_lossy(e.as_bytes()).into_owned()),
                },
                Ok(Some(Line::TooLong { head, bytes })) => Event::TooLong {
                    head: String::from_utf8_lossy(&head).into_owned(),
                    bytes,
                },
            };
            let closed = matches!(event, Event::Closed);
            if reader_tx.send(event).await.is_err() || closed {
                break;
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
    let (writer, mut lines) = mpsc::unbounded_channel::<Vec<u8>>();
    tokio::spawn(async move {
        while let Some(first) = lines.recv().await {
            let mut batch = first;
            while let Ok(more) = lines.try_recv() {
                batch.extend_from_slice(&more);
            }
            if let Err(e) = async {
                stdin.write_all(&batch).await?;
                stdin.flush().await
            }
            .await
            {
                let _ = event_tx.send(Event::WriteFailed(e.to_string())).await;
                break;
            }
        }
    });

    let mut session = Session {
        child,
        group,
        stopped: false,
        writer,
        events,
        stderr: tail,
        batch: false,
        coverage: false,
        guided: false,
        _scratch: scratch,
    };
    session.send(&Request::Hello {
        protocol: PROTOCOL_VERSION,
        contracts: contract.as_ref().map(std::slice::from_ref),
        // Half the reply limit: a message of results never comes near it.
        batch: Some(BatchOffer {
            max_bytes: limit / 2,
        }),
        coverage: runner.coverage,
        guided: runner.guided,
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
                problem: format!("not UTF-8: {}", excerpt(&line)),
            });
        }
        Ok(Some(Event::TooLong { head, bytes })) => {
            session.kill().await;
            return Err(StartError::Protocol {
                problem: format!(
                    "its hello is a line of {}, over the limit: {}",
                    size(bytes),
                    excerpt(&head)
                ),
            });
        }
        Ok(_) => {
            let status = session.exit_status().await.map_or_else(
                || "it closed its output but still runs".into(),
                |(_, status)| status,
            );
            session.kill().await;
            // Give the stderr reader a moment to collect the last words.
            tokio::time::sleep(Duration::from_millis(50)).await;
            return Err(StartError::Exited {
                status,
                stderr_tail: session.stderr_tail(),
            });
        }
    };
    match parse_reply(&line) {
        Ok(Reply::Hello(hello)) if hello.protocol == PROTOCOL_VERSION => {
            session.batch = hello.batch;
            session.coverage = runner.coverage && hello.coverage;
            session.guided = runner.guided && hello.guided;
            Ok((session, hello))
        }
        Ok(Reply::Hello(hello)) => {
            session.kill().await;
            Err(StartError::Protocol {
                problem: format!("it speaks protocol {}", hello.protocol),
            })
        }
        Ok(_) => {
            session.kill().await;
            Err(StartError::Protocol {
                problem: format!("its first line is not a hello: {}", excerpt(&line)),
            })
        }
        Err(v) => {
            session.kill().await;
            Err(StartError::Protocol {
                problem: format!("{}: {}", v.problem, excerpt(&line)),
            })
        }
    }
}

/// Starts the adapter and checks it offers `contract`.
pub async fn start_for(
    command: &AdapterCommand,
    contract: &str,
    runner: &RunnerSettings,
) -> Result<Session, StartError> {
    let (mut session, hello) = start(command, Some(contract), runner).await?;
    if hello.contracts.iter().any(|c| c == contract) {
        return Ok(session);
    }
    session.close().await;
    Err(StartError::NotOffered {
        reason: hello
            .unavailable
            .get(contract)
            .cloned()
            .unwrap_or_else(|| format!("the adapter does not offer contract `{contract}`")),
    })
}

/// One case a bug program is wanted for: its input, the outputs the contract accepts and
/// what the implementation did (both in compared form), so the program can check itself.
#[derive(Debug, Clone)]
pub struct SnippetCase {
    pub input: Value,
    pub expected: Vec<Value>,
    pub actual: Option<Value>,
}

/// Asks a fresh adapter for paste-ready programs reproducing `cases` (the optional
/// `snippet` operation). `None` where the adapter wrote none, or did not answer in time.
pub async fn snippets(
    command: &AdapterCommand,
    contract: &str,
    cases: &[SnippetCase],
    runner: &RunnerSettings,
) -> Vec<Option<SnippetReply>> {
    let mut out: Vec<Option<SnippetReply>> = vec![None; cases.len()];
    let Ok((mut session, _)) = start(command, Some(contract), runner).await else {
        return out;
    };
    for (id, case) in (0u64..).zip(cases) {
        session.send(&Request::Snippet {
            id,
            contract,
            input: &case.input,
            expected: Some(&case.expected),
            actual: case.actual.as_ref(),
        });
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut missing = cases.len();
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
