//! Running cases through adapter processes: set-up of their environments ([`setup`]), the
//! wire protocol ([`protocol`]), one adapter process ([`session`]) and the loop that streams
//! cases through it and survives adapters that crash, hang or babble ([`driver`]).
//!
//! No case is ever dropped or counted twice. A failure that names its case (a malformed
//! reply carrying the case's id, or a case that outlives its limit while the adapter still
//! answers pings) is recorded against that case. A failure that names no case (the process
//! died, wrote garbage, answered an id not in flight, or stopped answering altogether)
//! kills the adapter; the cases that were in flight are re-run in halves, each half alone,
//! until the one responsible fails alone and is recorded with the failure.

pub mod driver;
pub mod protocol;
pub mod session;
pub mod setup;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::errors::Error;
use protocol::PROTOCOL_VERSION;

pub use driver::{spawn_driver, Driver, Running};
pub use session::{snippets, start, start_for, Session};

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
