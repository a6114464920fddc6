//! The run's stop switch. The first SIGINT (Ctrl-C), SIGTERM (a CI job cancelled) or
//! SIGHUP (the terminal went away) asks the run to stop taking cases, shut its adapters
//! down and write a partial report that names the signal; a second one exits at once.

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::watch;

use crate::errors::{EXIT_HANGUP, EXIT_INTERRUPTED, EXIT_TERMINATED};
use crate::progress::Progress;

/// A signal that stopped a run early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Interrupt {
    Sigint,
    Sigterm,
    Sighup,
}

impl Interrupt {
    /// What shells report for a command the signal stopped: 128 + its number.
    pub fn exit_code(self) -> u8 {
        match self {
            Interrupt::Sigint => EXIT_INTERRUPTED,
            Interrupt::Sigterm => EXIT_TERMINATED,
            Interrupt::Sighup => EXIT_HANGUP,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Interrupt::Sigint => "SIGINT",
            Interrupt::Sigterm => "SIGTERM",
            Interrupt::Sighup => "SIGHUP",
        }
    }
}

/// Whether, and by which signal, the run was asked to stop.
pub struct Interrupts {
    stop: watch::Receiver<bool>,
    by: Arc<OnceLock<Interrupt>>,
}

impl Interrupts {
    /// Starts listening (inside the run's async runtime); `progress` tells the user.
    pub fn watch(progress: Progress) -> Interrupts {
        let (tx, stop) = watch::channel(false);
        let by = Arc::new(OnceLock::new());
        let first_by = by.clone();
        tokio::spawn(async move {
            let mut term = signal(SignalKind::terminate()).ok();
            let mut hup = signal(SignalKind::hangup()).ok();
            let Some(first) = next(&mut term, &mut hup).await else {
                return; // no signal handling here: the signals keep their default effect
            };
            let _ = first_by.set(first);
            progress.say(&format!(
                "\ninterrupted ({}): stopping the adapters and writing a partial report (Ctrl-C again to quit at once)",
                first.name()
            ));
            let _ = tx.send(true);
            if let Some(second) = next(&mut term, &mut hup).await {
                std::process::exit(i32::from(second.exit_code()));
            }
        });
        Interrupts { stop, by }
    }

    /// Turns true on the first signal.
    pub fn stop(&self) -> &watch::Receiver<bool> {
        &self.stop
    }

    /// The signal that stopped the run, if one did.
    pub fn signal(&self) -> Option<Interrupt> {
        self.by.get().copied()
    }
}

/// The next of the three signals; `None` when none can be listened for.
async fn next(term: &mut Option<Signal>, hup: &mut Option<Signal>) -> Option<Interrupt> {
    async fn recv(signal: &mut Option<Signal>) -> Option<()> {
        match signal {
            Some(signal) => signal.recv().await,
            None => std::future::pending().await,
        }
    }
    tokio::select! {
        Ok(()) = tokio::signal::ctrl_c() => Some(Interrupt::Sigint),
        Some(()) = recv(term) => Some(Interrupt::Sigterm),
        Some(()) = recv(hup) => Some(Interrupt::Sighup),
        else => None,
    }
}
