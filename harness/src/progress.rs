//! The one channel through which the engine tells the user what it is doing while a run is
//! live: a bar on a terminal, a plain line at every tenth elsewhere, nothing with `--quiet`;
//! and messages that never tear the bar. No stage writes to stderr any other way.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar while cases run, and while a later phase (shrinking) runs; in colour and plain.
const CASES: [&str; 2] = [
    "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} cases · {per_sec} · eta {eta}",
    "{spinner:.green} [{elapsed_precise}] {bar:40.cyan/blue} {pos}/{len} cases · {per_sec} · eta {eta}",
];
const PHASE: [&str; 2] = [
    "{spinner} [{elapsed_precise}] {msg}",
    "{spinner:.green} [{elapsed_precise}] {msg}",
];

/// How progress is shown on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A live bar with cases/s and ETA (stderr is a terminal), in colour when `colour`.
    Bar { colour: bool },
    /// A plain line at every tenth of the run (logs, CI).
    Lines,
    /// No progress, only messages (`--quiet`).
    Hidden,
}

/// The run's progress; clones share one bar and one count.
#[derive(Clone)]
pub struct Progress {
    inner: Arc<Inner>,
}

struct Inner {
    bar: ProgressBar,
    mode: ProgressMode,
    total: AtomicU64,
    done: AtomicU64,
    started: Instant,
}

impl Progress {
    /// Progress of a run of `total` cases, shown as `mode` says.
    pub fn new(total: u64, mode: ProgressMode) -> Progress {
        let bar = if let ProgressMode::Bar { colour } = mode {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(CASES[usize::from(colour)]) {
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
        if inner.mode == ProgressMode::Lines && crosses_a_tenth(done, total) {
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
        if let Ok(style) = ProgressStyle::with_template(PHASE[self.colour()]) {
            self.inner.bar.set_style(style);
        }
        self.inner.bar.set_message(message.to_owned());
    }

    /// Back to counting cases after a phase.
    pub fn cases(&self) {
        if let Ok(style) = ProgressStyle::with_template(CASES[self.colour()]) {
            self.inner.bar.set_style(style);
        }
    }

    /// Prints `line` on stderr without tearing the bar.
    pub fn say(&self, line: &str) {
        self.inner.bar.suspend(|| eprintln!("{line}"));
    }

    /// Which of a template's two forms the bar takes: 1 in colour, 0 plain.
    fn colour(&self) -> usize {
        usize::from(self.inner.mode == ProgressMode::Bar { colour: true })
    }

    /// Clears the bar; messages still print.
    pub fn finish(&self) {
        self.inner.bar.finish_and_clear();
    }
}

/// Whether the `done`th of `total` cases is the first at or past a tenth of the run, the
/// last case included: the plain lines go 10 %, 20 %, … 100 % whatever `total` divides by
/// (cases counted at every multiple of `total / 10` stopped at 99 % when ten did not
/// divide it).
fn crosses_a_tenth(done: u64, total: u64) -> bool {
    done > 0 && done <= total && (done * 10 / total) > ((done - 1) * 10 / total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenths(total: u64) -> Vec<u64> {
        (1..=total)
            .filter(|&done| crosses_a_tenth(done, total))
            .map(|done| done * 100 / total)
            .collect()
    }

    #[test]
    fn plain_lines_come_at_every_tenth_and_the_last_says_100_percent() {
        let every_tenth: Vec<u64> = (1..=10).map(|t| t * 10).collect();
        for total in [100, 1000, 1087, 1106, 4999] {
            assert_eq!(tenths(total), every_tenth, "{total} cases");
        }
        for total in 1..100 {
            let shown = tenths(total);
            assert_eq!(
                shown.len() as u64,
                total.min(10),
                "{total} cases: {shown:?}"
            );
            assert_eq!(shown.last(), Some(&100), "{total} cases: {shown:?}");
        }
        assert_eq!(
            tenths(3),
            [33, 66, 100],
            "fewer cases than tenths: one line each"
        );
        assert!(!crosses_a_tenth(0, 0) && !crosses_a_tenth(5, 4));
    }
}
