//! The one channel through which the engine tells the user what it is doing while a run is
//! live: a bar on a terminal, a plain line at every tenth elsewhere, nothing with `--quiet`;
//! and messages that never tear the bar. No stage writes to stderr any other way. With
//! `--message-format json` it also carries the run's events, one JSON line each on stdout.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

/// The bar while cases run, and while a later phase (shrinking) runs.
const CASES: &str =
    "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} cases · {per_sec} · eta {eta}";
const PHASE: &str = "{spinner} [{elapsed_precise}] {msg}";

/// How progress is shown on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A live bar with cases/s and ETA (stderr is a terminal).
    Bar,
    /// A plain line at every tenth of the run (logs, CI).
    Lines,
    /// No progress, only messages (`--quiet`).
    Hidden,
}

/// What `verify` writes on stdout: its summary for people, or a JSON line per event (the
/// summary then goes to stderr).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MessageFormat {
    #[default]
    Human,
    Json,
}

/// The run's progress; clones share one bar and one count.
#[derive(Clone)]
pub struct Progress {
    inner: Arc<Inner>,
}

struct Inner {
    bar: ProgressBar,
    mode: ProgressMode,
    format: MessageFormat,
    total: AtomicU64,
    done: AtomicU64,
    started: Instant,
}

impl Progress {
    /// Progress of a run of `total` cases, shown as `mode` says, without events.
    pub fn new(total: u64, mode: ProgressMode) -> Progress {
        Progress::with_format(total, mode, MessageFormat::Human)
    }

    /// Progress of a run of `total` cases that also writes its events in `format`.
    pub fn with_format(total: u64, mode: ProgressMode, format: MessageFormat) -> Progress {
        let bar = if mode == ProgressMode::Bar {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(CASES) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress {
            inner: Arc::new(Inner {
                bar,
                mode,
                format,
                total: total.into(),
                done: 0.into(),
                started: Instant::now(),
            }),
        }
    }

    /// Messages only, no count (commands that run a few cases, such as `repro`).
    pub fn messages_only() -> Progress {
        Progress::new(0, ProgressMode::Hidden)
    }

    /// Counts one finished case.
    pub fn inc(&self) {
        let inner = &self.inner;
        inner.bar.inc(1);
        let done = inner.done.fetch_add(1, Ordering::Relaxed) + 1;
        let total = inner.total.load(Ordering::Relaxed);
        let tenth = (total / 10).max(1);
        if inner.mode == ProgressMode::Lines && done % tenth == 0 && done < total {
            let elapsed = inner.started.elapsed().as_secs_f64().max(1e-3);
            let rate = done as f64 / elapsed;
            let eta = (total - done) as f64 / rate.max(1e-9);
            eprintln!(
                "progress: {done}/{total} cases ({}%) · {rate:.0} cases/s · eta {eta:.0} s",
                done * 100 / total.max(1)
            );
        }
    }

    /// Shows what the run does now that is not running cases (e.g. "shrinking: 2/5 groups
    /// done"), until [`Progress::cases`] turns the bar back to counting cases.
    pub fn phase(&self, message: &str) {
        if let Ok(style) = ProgressStyle::with_template(PHASE) {
            self.inner.bar.set_style(style);
        }
        self.inner.bar.set_message(message.to_owned());
    }

    /// Back to counting cases after a phase.
    pub fn cases(&self) {
        if let Ok(style) = ProgressStyle::with_template(CASES) {
            self.inner.bar.set_style(style);
        }
    }

    /// Whether the run writes events (`--message-format json`).
    pub fn streams(&self) -> bool {
        self.inner.format == MessageFormat::Json
    }

    /// Writes the event `make` builds as one JSON line on stdout, when the run streams; it
    /// is not built otherwise.
    pub fn emit<E: Serialize>(&self, make: impl FnOnce() -> E) {
        if self.streams() {
            write_json_line(&make());
        }
    }

    /// Prints `line` on stderr without tearing the bar.
    pub fn say(&self, line: &str) {
        self.inner.bar.suspend(|| eprintln!("{line}"));
    }

    /// Clears the bar; messages still print.
    pub fn finish(&self) {
        self.inner.bar.finish_and_clear();
    }
}

/// Writes `value` as one line on stdout. A closed stdout (the reader went away) is ignored:
/// the run and its report go on.
pub fn write_json_line(value: &impl Serialize) {
    let Ok(line) = serde_json::to_string(value) else {
        return;
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
