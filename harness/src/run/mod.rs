//! Running cases through adapter processes: set-up of their environments ([`setup`]), the
//! wire protocol ([`protocol`]), one adapter process ([`session`]) and the loop that streams
//! cases through it and survives adapters that crash, hang or babble ([`driver`]).
//!
//! No case is ever dropped or counted twice. A failure that names its case (a malformed
//! or oversized reply carrying the case's id, or a case that outlives its limit while the
//! adapter still answers pings) is recorded against that case. A failure that names no case
//! (the process died, wrote garbage, answered an id not in flight, or stopped answering
//! altogether) kills the adapter's process group; the cases that were in flight are re-run
//! in halves, each half alone, until the one responsible fails alone and is recorded with
//! the failure.
//!
//! Nothing an adapter does passes silently: every broken protocol rule, and every exit or
//! hang that no single case turns out to explain, is an [`Incident`]. An implementation
//! gets a budget of restarts per run; past it, it is marked broken and its remaining cases
//! are not run, so an adapter that dies on every case cannot stretch a run out.

pub mod driver;
mod lines;
pub mod protocol;
mod python;
pub mod session;
pub mod setup;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::errors::Error;
use protocol::PROTOCOL_VERSION;

pub use driver::{spawn_driver, Driver, Running};
pub use session::{snippets, start, start_for, Session, SnippetCase};

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
    /// With guidance: the branches the case reached, as the adapter named them.
    pub reached: Option<Vec<String>>,
}

/// What an adapter did that breaks the protocol, or that no single case explains. Each kind
/// is listed in `adapters/PROTOCOL.md`; any incident fails the run.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    /// A line that is not JSON (or not UTF-8).
    NotJson,
    /// JSON that breaks the protocol schema, or a message the harness did not ask for.
    InvalidMessage,
    /// A result for an id the harness never sent to that process.
    UnknownId,
    /// A second result for a case already answered.
    DuplicateReply,
    /// A line longer than `--max-reply-bytes`, read and discarded.
    ReplyTooLarge,
    /// Standard output closed while the process lived on.
    StdoutClosed,
    /// The process exited mid-run, and re-running its cases alone did not repeat it.
    Crash,
    /// The process exited right after its hello, before answering any case, and re-running
    /// its cases alone did not pin it on one.
    ExitAfterHello,
    /// The process stopped answering pings, and re-running its cases alone did not pin it
    /// on one.
    Unresponsive,
    /// The implementation used up its restarts (`--max-restarts`): marked broken, the rest
    /// of its cases not run.
    RestartBudget,
}

impl IncidentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::NotJson => "not_json",
            IncidentKind::InvalidMessage => "invalid_message",
            IncidentKind::UnknownId => "unknown_id",
            IncidentKind::DuplicateReply => "duplicate_reply",
            IncidentKind::ReplyTooLarge => "reply_too_large",
            IncidentKind::StdoutClosed => "stdout_closed",
            IncidentKind::Crash => "crash",
            IncidentKind::ExitAfterHello => "exit_after_hello",
            IncidentKind::Unresponsive => "unresponsive",
            IncidentKind::RestartBudget => "restart_budget",
        }
    }

    /// Whether the adapter broke the protocol itself: an incident even when a case is to
    /// blame. An exit or a hang is one only when no single case explains it.
    pub fn breaks_protocol(self) -> bool {
        !matches!(
            self,
            IncidentKind::Crash | IncidentKind::ExitAfterHello | IncidentKind::Unresponsive
        )
    }

    /// How a case this happened to, alone, is recorded.
    pub fn failure(self) -> FailureKind {
        match self {
            IncidentKind::Crash | IncidentKind::ExitAfterHello | IncidentKind::RestartBudget => {
                FailureKind::Crash
            }
            IncidentKind::Unresponsive => FailureKind::Timeout,
            _ => FailureKind::Protocol,
        }
    }
}

/// One incident of one adapter process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub kind: IncidentKind,
    pub detail: String,
    /// The offending line, cut to a readable size.
    pub line: Option<String>,
    pub stderr_tail: String,
    /// How many of the driver's cases had finished when it happened (no clock: reports
    /// of the same seed stay comparable).
    pub after_cases: u64,
    /// The cases in flight then (stream indices), all re-run.
    pub in_flight: Vec<u64>,
    /// Later incidents of the same kind folded into this one once a run has many.
    pub repeats: u64,
}

#[derive(Debug, Default)]
pub struct RunSummary {
    pub restarts: u32,
    pub incidents: Vec<Incident>,
    /// Cases the adapter answered (an output or an adapter error).
    pub answered: u64,
    /// Set when the adapter could not be restarted; the remaining cases are `NotRun`.
    pub fatal: Option<StartError>,
    /// Set when the implementation used up its restarts; the remaining cases are `NotRun`
    /// with this reason.
    pub broken: Option<String>,
    /// What the adapter measured, when coverage was asked for and it answered at the end
    /// (a process that was stopped or restarted takes its coverage with it).
    pub coverage: Option<protocol::CoverageReply>,
}

#[derive(Debug, Clone, Copy)]
pub struct RunnerSettings {
    /// Cases in flight at once (`None`: what the contract suggests).
    pub window: Option<usize>,
    /// How long a ping may go unanswered before the adapter counts as stuck.
    pub ping_grace: Duration,
    /// How long the adapter may take to start and answer `hello`.
    pub handshake_timeout: Duration,
    /// Restarts one implementation's adapters may need in a run before it counts as broken.
    pub max_restarts: u32,
    /// Longest line an adapter may write; a longer one is read and discarded.
    pub max_reply_bytes: usize,
    /// Offer coverage to the adapters and collect it at the end (`verify --coverage`).
    pub coverage: bool,
    /// Offer guidance: each result then says what its case reached (`verify --guided`).
    pub guided: bool,
}

impl RunnerSettings {
    /// `--max-restarts` when not given.
    pub const MAX_RESTARTS: u32 = 10;
    /// `--max-reply-bytes` when not given: 1 MiB.
    pub const MAX_REPLY_BYTES: usize = 1 << 20;

    /// These settings for adapters whose coverage no report shows (confirming, shrinking,
    /// writing bug programs): they are not asked to measure.
    pub fn without_coverage(self) -> RunnerSettings {
        RunnerSettings {
            coverage: false,
            guided: false,
            ..self
        }
    }
}

/// The restarts an implementation has left in a run, shared by all its adapter processes.
#[derive(Debug)]
pub struct RestartBudget {
    limit: u32,
    used: AtomicU32,
}

/// Whether a restart may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restart {
    Granted,
    /// Past the budget; `first` for the one request that crossed it (it reports it).
    Refused {
        first: bool,
    },
}

impl RestartBudget {
    pub fn new(limit: u32) -> Arc<RestartBudget> {
        Arc::new(RestartBudget {
            limit,
            used: AtomicU32::new(0),
        })
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Takes one restart.
    pub fn take(&self) -> Restart {
        let used = self.used.fetch_add(1, Ordering::Relaxed).saturating_add(1);
        if used <= self.limit {
            Restart::Granted
        } else {
            Restart::Refused {
                first: used == self.limit.saturating_add(1),
            }
        }
    }

    /// Whether the budget is used up: the implementation is broken for the rest of the run.
    pub fn spent(&self) -> bool {
        self.used.load(Ordering::Relaxed) > self.limit
    }
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
    /// It started, but does not offer the contract asked for (the adapter's reason).
    #[error("{reason}")]
    NotOffered { reason: String },
}

/// Why an implementation cannot run a contract's cases, and the line that fixes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Unavailable {
    pub reason: String,
    pub fix: Option<String>,
}

impl From<StartError> for Error {
    fn from(error: StartError) -> Self {
        Error::Infrastructure {
            message: error.to_string(),
            hint: None,
        }
    }
}

impl From<Unavailable> for Error {
    fn from(error: Unavailable) -> Self {
        Error::Infrastructure {
            message: error.reason,
            hint: error.fix,
        }
    }
}

/// The async runtime adapters run on (one per command: verify, repro, doctor).
pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Infrastructure {
            message: format!("cannot start the async runtime: {e}"),
            hint: None,
        })
}
