//! One adapter process: start it in its own process group, complete the `hello` exchange,
//! and carry protocol lines both ways without ever blocking on a stuck adapter.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::time::{timeout, Instant};

use super::protocol::{parse_reply, Hello, Reply, Request, SnippetReply, PROTOCOL_VERSION};
use super::{AdapterCommand, StartError};

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
    Garbage(String),
    Closed,
    WriteFailed(String),
}

/// A running adapter process.
pub struct Session {
    child: Child,
    writer: mpsc::UnboundedSender<String>,
    pub(super) events: mpsc::UnboundedReceiver<Event>,
    stderr: Arc<Mutex<Tail>>,
    /// The adapter's scratch folder (`HARNESS_SCRATCH`), for the files its cases need (a
    /// migrations folder, a database). Owned here so it is removed with the session,
    /// whether the adapter exited, crashed or was killed.
    _scratch: tempfile::TempDir,
}

impl Session {
    pub(super) fn send(&self, request: &Request) {
        // A closed writer means the process is gone; the reader reports that as `Closed`.
        let _ = self.writer.send(request.line());
    }

    pub(super) fn stderr_tail(&self) -> String {
        self.stderr.lock().map(|t| t.text()).unwrap_or_default()
    }

    pub(super) async fn exit_status(&mut self) -> String {
        match timeout(Duration::from_millis(500), self.child.wait()).await {
            Ok(Ok(status)) => status.to_string(),
            Ok(Err(e)) => format!("exit status unknown: {e}"),
            Err(_) => "still running".into(),
        }
    }

    pub(super) async fn kill(&mut self) {
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

/// Starts the adapter and checks it offers `contract`.
pub async fn start_for(
    command: &AdapterCommand,
    contract: &str,
    handshake_timeout: Duration,
) -> Result<Session, StartError> {
    let (mut session, hello) = start(command, handshake_timeout).await?;
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
