//! The run report: one in-memory model, written as `report.json` and `summary.md` under
//! `reports/<run>/`, and shown on the terminal as a one-screen summary.
//!
//! Everything that depends on the clock (start time, wall time, timer lag, elapsed times)
//! lives under `timings`, so two runs with the same seed differ only there and in `runId`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::compare::canonical_pretty;
use crate::errors::Error;
use crate::protocol::{AdapterInfo, Package};
use crate::runner::Incident;

/// Version of `report.json`'s shape (`reports/report.schema.json`); bumped on any change
/// that a reader could notice.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub schema_version: u32,
    pub run_id: String,
    pub harness_version: String,
    /// The command that reproduces this whole run.
    pub repro: String,
    pub seed: u64,
    pub settings: SettingsRecord,
    pub implementations: Vec<ImplRecord>,
    pub contracts: Vec<ContractRecord>,
    pub groups: Vec<Group>,
    pub incidents: Vec<IncidentRecord>,
    /// Every golden vector's result, per implementation.
    pub vectors: Vec<VectorOutcome>,
    /// How the groups stand against `--baseline` and `--known-flaky`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::baseline::Outcome>,
    /// The run was stopped (Ctrl-C) before it finished: what it reports is partial.
    pub interrupted: bool,
    pub verdict: Verdict,
    pub exit_code: u8,
    pub timings: Timings,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsRecord {
    pub cases: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only_case: Option<u64>,
    /// Golden vectors and corpus cases run before the generated cases.
    pub fixed_cases: u64,
    pub profile: String,
    /// The time zone (`TZ`) the adapters ran under: `--tz`, or the one the seed picked.
    pub time_zone: String,
    pub race_band_ms: u64,
    pub timing_slack_ms: u64,
    pub max_case_ms: u64,
    /// `--window`, when given (else each contract's default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<usize>,
    /// Adapters run at once per implementation.
    pub jobs: usize,
    /// This run's part of the case stream (`--shard K/N`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
}

/// Shard `index` of `count` (1-based): the cases whose position in the stream is
/// `index - 1` modulo `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Whether the case at `position` of the stream (vectors, corpus, then generated) is
    /// this shard's.
    pub fn owns(&self, position: u64) -> bool {
        position % self.count == self.index - 1
    }
}

/// One golden vector's result for one implementation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VectorOutcome {
    pub contract: String,
    pub implementation: String,
    pub id: String,
    /// `pass`, or the failing group's kind (`divergence`, `crash`, …).
    pub status: String,
    /// The rules it breaks, when it fails.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImplStatus {
    Available,
    Unavailable,
    FailedToStart,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImplRecord {
    pub id: String,
    pub language: String,
    pub description: String,
    pub status: ImplStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adapter: Option<AdapterInfo>,
    pub packages: BTreeMap<String, Package>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractRecord {
    pub id: String,
    pub tallies: Vec<Tally>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub agreement: Vec<PairAgreement>,
}

/// What happened to one implementation's cases of one contract.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    pub implementation: String,
    pub cases: u64,
    pub pass: u64,
    pub diverge: u64,
    pub crash: u64,
    pub timeout: u64,
    pub protocol: u64,
    pub adapter_error: u64,
    pub not_run: u64,
    /// Cases whose output agreed but whose elapsed time broke the timing rule.
    pub timing: u64,
    pub restarts: u32,
    /// Cases that diverged while the adapter's timers ran later than the race band, and
    /// were re-run alone before being judged (their tally reflects the re-run).
    pub rerun_alone: u64,
}

impl Tally {
    pub fn failed(&self) -> u64 {
        self.diverge
            + self.crash
            + self.timeout
            + self.protocol
            + self.adapter_error
            + self.not_run
            + self.timing
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    Divergence,
    Timing,
    Crash,
    Timeout,
    Protocol,
    AdapterError,
    NotRun,
}

impl GroupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Divergence => "divergence",
            GroupKind::Timing => "timing",
            GroupKind::Crash => "crash",
            GroupKind::Timeout => "timeout",
            GroupKind::Protocol => "protocol",
            GroupKind::AdapterError => "adapter_error",
            GroupKind::NotRun => "not_run",
        }
    }
}

/// Every failing case with the same contract, implementation, kind, rules and differing
/// paths is one group: one entry with a count and its smallest example.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub contract: String,
    pub implementation: String,
    pub kind: GroupKind,
    pub rules: Vec<String>,
    pub paths: Vec<String>,
    pub count: u64,
    /// Cases where every other implementation gave this same output: a contract question
    /// (or a reference bug) rather than one implementation drifting.
    pub shared_with_all: u64,
    /// The lowest generated case indices in the group (at most ten).
    pub first_cases: Vec<u64>,
    /// The golden vectors in the group (at most ten, by id).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vectors: Vec<String>,
    /// The corpus cases in the group (at most ten, by file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corpus: Vec<String>,
    /// Listed in `--baseline` or `--known-flaky` (absent: a new group).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::baseline::Mark>,
    pub example: Example,
}

impl Group {
    /// Whether this group fails the run (it is not listed as known or flaky).
    pub fn is_new(&self) -> bool {
        self.baseline.is_none()
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Example {
    /// The generated case's index, or …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<u64>,
    /// … the golden vector's id, or …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
    /// … the corpus file it was replayed from, or saved to once shrunk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corpus: Option<String>,
    pub input: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// Where this example's output differs from the reference (the group's paths, unfolded).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stderr_tail: Option<String>,
    /// One command that runs this case alone.
    pub repro: String,
    /// What the other implementations did with the same case (multi-implementation runs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<SideRecord>,
    /// Which side drifted, judged from the other implementations' outputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drift: Option<String>,
    /// How the example was shrunk from the case first found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shrink: Option<ShrinkRecord>,
    /// A program reproducing the example with the implementation's real API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<Snippet>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Snippet {
    pub language: String,
    pub code: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShrinkRecord {
    pub from_bytes: usize,
    pub to_bytes: usize,
    /// Candidates tried, and how many still diverged the same way.
    pub steps: u32,
    pub accepted: u32,
    /// The bound that stopped the shrink early, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SideRecord {
    pub implementation: String,
    /// `agrees`, `diverges`, or the failure (`crash`, `timeout`, …).
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
}

/// How often two implementations gave canonically identical outputs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PairAgreement {
    pub a: String,
    pub b: String,
    /// Cases where both produced an output.
    pub compared: u64,
    pub identical: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentRecord {
    pub contract: String,
    pub implementation: String,
    #[serde(flatten)]
    pub incident: Incident,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Agreement,
    Findings,
    Infrastructure,
    Interrupted,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timings {
    pub started_at: String,
    pub wall_ms: u64,
    /// Per `contract/implementation`.
    pub implementations: BTreeMap<String, ImplTimings>,
    /// Measured elapsed times of cases that broke the timing rule, by group.
    pub timing_violations: Vec<TimingViolation>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImplTimings {
    pub elapsed_ms: Percentiles,
    pub timer_lag_ms: Percentiles,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Percentiles {
    pub samples: usize,
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Percentiles {
    pub fn of(mut values: Vec<f64>) -> Percentiles {
        if values.is_empty() {
            return Percentiles::default();
        }
        values.sort_by(f64::total_cmp);
        let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
        let round = |v: f64| (v * 100.0).round() / 100.0;
        Percentiles {
            samples: values.len(),
            p50: round(at(0.5)),
            p99: round(at(0.99)),
            max: round(at(1.0)),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimingViolation {
    pub contract: String,
    pub implementation: String,
    pub case: crate::verify::CaseLabel,
    pub rule: String,
    pub elapsed_ms: f64,
    pub limit_ms: f64,
}

/// Writes `contents` to `path` atomically: a temporary file beside it, then a rename.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let write_error = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
    std::fs::write(&temp, contents).map_err(write_error)?;
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        write_error(e)
    })
}

/// Creates a fresh directory for this run under `reports_dir`; never reuses one.
pub fn create_run_dir(reports_dir: &Path, run_id: &str) -> Result<(PathBuf, String), Error> {
    std::fs::create_dir_all(reports_dir).map_err(|source| Error::Write {
        path: reports_dir.to_owned(),
        source,
    })?;
    for attempt in 1u32.. {
        let id = if attempt == 1 {
            run_id.to_owned()
        } else {
            format!("{run_id}-{attempt}")
        };
        let dir = reports_dir.join(&id);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok((dir, id)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(Error::Write { path: dir, source }),
        }
    }
    unreachable!("the attempt counter is unbounded")
}

/// Points `reports_dir/latest` at the run folder `run_id` (a relative symbolic link,
/// replaced atomically). Where links cannot be made, `latest` is a file naming the run.
pub fn point_latest(reports_dir: &Path, run_id: &str) -> Result<(), Error> {
    let latest = reports_dir.join("latest");
    let write_error = |source| Error::Write {
        path: latest.clone(),
        source,
    };
    if latest.is_dir() && !latest.is_symlink() {
        // Someone's own folder named `latest`: never replaced.
        return Ok(());
    }
    #[cfg(unix)]
    {
        let temp = reports_dir.join(format!(".latest.tmp-{}", std::process::id()));
        let _ = std::fs::remove_file(&temp);
        std::os::unix::fs::symlink(run_id, &temp).map_err(write_error)?;
        std::fs::rename(&temp, &latest).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            write_error(e)
        })
    }
    #[cfg(not(unix))]
    {
        write_atomically(&latest, format!("{run_id}\n").as_bytes())
    }
}

/// The run folder `latest` points at, for commands that take a run.
pub fn resolve_latest(path: &Path) -> PathBuf {
    if path.is_file() && path.file_name().is_some_and(|n| n == "latest") {
        if let Ok(name) = std::fs::read_to_string(path) {
            return path.with_file_name(name.trim());
        }
    }
    path.to_owned()
}

impl Report {
    pub fn write(&self, dir: &Path) -> Result<(), Error> {
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        write_atomically(&dir.join("report.json"), json.as_bytes())?;
        write_atomically(&dir.join("summary.md"), self.markdown().as_bytes())?;
        write_atomically(&dir.join("index.html"), crate::html::page(self).as_bytes())?;
        write_atomically(&dir.join("junit.xml"), crate::junit::xml(self).as_bytes())?;
        let bugs: Vec<&Group> = self
            .groups
            .iter()
            .filter(|g| g.kind == GroupKind::Divergence)
            .collect();
        if !bugs.is_empty() {
            let bugs_dir = dir.join("bugs");
            std::fs::create_dir_all(&bugs_dir).map_err(|source| Error::Write {
                path: bugs_dir.clone(),
                source,
            })?;
            for group in bugs {
                write_atomically(
                    &bugs_dir.join(bug_file_name(group)),
                    self.bug_report(group).as_bytes(),
                )?;
            }
        }
        Ok(())
    }

    /// A paste-ready Markdown bug report for one divergence group, for the tracker of the
    /// implementation that diverged.
    pub fn bug_report(&self, g: &Group) -> String {
        let e = &g.example;
        let contract = reference::contract(&g.contract);
        let rule_text = |id: &str| {
            contract
                .and_then(|c| c.rule(id))
                .map(|r| r.text)
                .unwrap_or("")
        };
        let headline_rule = g
            .rules
            .first()
            .map(String::as_str)
            .unwrap_or("the contract");
        let first_sentence = rule_text(headline_rule)
            .split(". ")
            .next()
            .unwrap_or_default()
            .trim_end_matches('.');
        let implementation = self
            .implementations
            .iter()
            .find(|i| i.id == g.implementation);
        let package = implementation
            .and_then(|i| i.packages.get(&g.contract))
            .map(|p| format!("{} {}", p.name, p.version))
            .unwrap_or_else(|| "unknown package".into());
        let runtime = implementation
            .and_then(|i| i.adapter.as_ref())
            .map(|a| format!("{} {}", a.language, a.version))
            .unwrap_or_default();

        let mut md = String::new();
        let _ = writeln!(md, "# {package}: {first_sentence} ({headline_rule})\n");
        let _ = writeln!(md, "The conformance harness found that `{}` ({package}, {runtime}) diverges from the `{}` contract.", g.implementation, g.contract);
        let _ = writeln!(
            md,
            "It breaks {}.\n",
            g.rules
                .iter()
                .map(|r| format!("**{r}**"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(md, "## Smallest case that shows it\n");
        match &e.snippet {
            Some(snippet) => {
                let _ = writeln!(md, "{}\n", fenced(&snippet.language, &snippet.code));
            }
            None => {
                let _ = writeln!(
                    md,
                    "Input (as the harness sends it to the adapter):\n\n{}\n",
                    fenced("json", &canonical_pretty(&e.input))
                );
            }
        }
        if let Some(diff) = &e.diff {
            let _ = writeln!(
                md,
                "Expected by the contract (`-`) and what {} did (`+`):\n\n{}\n",
                g.implementation,
                fenced("diff", diff)
            );
        }
        if let Some(drift) = &e.drift {
            let _ = writeln!(md, "Other implementations on the same case: {drift}.\n");
        }
        let _ = writeln!(md, "## The rule\n");
        for rule in &g.rules {
            let _ = writeln!(md, "> **{rule}** — {}\n", rule_text(rule));
        }
        let _ = writeln!(md, "## Details\n");
        let found = match (e.case, &e.vector) {
            (Some(case), _) => format!("generated case {case} of seed {}", self.seed),
            (None, Some(vector)) => format!("golden vector `{vector}`"),
            _ => e.which(),
        };
        let _ = writeln!(
            md,
            "- Found in {found}; {} case(s) of this run diverge the same way.",
            g.count
        );
        if let Some(shrink) = &e.shrink {
            let _ = writeln!(
                md,
                "- Shrunk through the implementation from {} to {} bytes ({} steps).",
                shrink.from_bytes, shrink.to_bytes, shrink.steps
            );
        }
        let _ = writeln!(
            md,
            "- Differs at: {}.",
            e.paths
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(
            md,
            "- Harness {}; reproduce with `{}`.",
            self.harness_version, e.repro
        );
        if e.snippet.is_some() {
            let _ = writeln!(
                md,
                "\n<details><summary>Input as the harness sends it</summary>\n\n{}\n\n</details>",
                fenced("json", &canonical_pretty(&e.input))
            );
        }
        md
    }

    fn headline(&self) -> String {
        let contracts: Vec<&str> = self.contracts.iter().map(|c| c.id.as_str()).collect();
        let cases = match self.settings.only_case {
            Some(case) => format!("case {case}"),
            None => format!("{} cases", self.settings.cases),
        };
        format!(
            "verify · {} · seed {} · {cases} · {} profile · TZ {} · harness {}",
            contracts.join(", "),
            self.seed,
            self.settings.profile,
            self.settings.time_zone,
            self.harness_version
        )
    }

    /// The verdict sentence every summary ends with.
    pub fn verdict_line(&self) -> String {
        let known = self.groups.len() - self.new_groups().count();
        match self.verdict {
            Verdict::Agreement if known > 0 => format!(
                "agreement: every implementation matched the reference, but for {known} known group(s) (exit 0)"
            ),
            Verdict::Agreement => {
                "agreement: every implementation matched the reference (exit 0)".into()
            }
            Verdict::Findings => {
                let failing = self.new_groups().count() + self.incidents.len();
                let mut parts = Vec::new();
                if failing > 0 || self.baseline.is_none() {
                    parts.push(format!(
                        "{failing} {}group(s) of failing cases",
                        if self.baseline.is_some() { "new " } else { "" }
                    ));
                }
                if let Some(b) = self.baseline.as_ref().filter(|b| b.fails()) {
                    parts.push(format!(
                        "{} stale baseline entr{} (remove them)",
                        b.stale.len(),
                        if b.stale.len() == 1 { "y" } else { "ies" }
                    ));
                }
                format!("findings: {} (exit 1)", parts.join(", "))
            }
            Verdict::Infrastructure => {
                "infrastructure failure: see the implementations above (exit 3)".into()
            }
            Verdict::Interrupted => {
                "interrupted: this partial report judges only the cases that finished (exit 130)"
                    .into()
            }
        }
    }

    /// Groups that fail the run: those no baseline lists.
    pub fn new_groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.iter().filter(|g| g.is_new())
    }

    /// The one-screen terminal summary, in colour when `colour`.
    pub fn terminal_summary(&self, report_dir: &Path, colour: bool) -> String {
        let paint = Paint(colour);
        let mut out = String::new();
        let _ = writeln!(out, "\n{}\n", self.headline());
        for imp in self
            .implementations
            .iter()
            .filter(|i| i.status != ImplStatus::Available)
        {
            let _ = writeln!(
                out,
                "  {} is {}: {}",
                imp.id,
                imp.status_text(),
                imp.reason.as_deref().unwrap_or("")
            );
            for fix in imp.fix.iter().flat_map(|f| f.lines()) {
                let _ = writeln!(out, "    fix: {fix}");
            }
        }
        for contract in &self.contracts {
            let _ = writeln!(
                out,
                "  {:<28} {:>6} {:>7} {:>6} {:>7} {:>8} {:>9} {:>6} {:>7}",
                contract.id,
                "pass",
                "diverge",
                "crash",
                "timeout",
                "protocol",
                "adapt-err",
                "timing",
                "not-run"
            );
            for t in &contract.tallies {
                let _ = writeln!(
                    out,
                    "  {:<28} {:>6} {:>7} {:>6} {:>7} {:>8} {:>9} {:>6} {:>7}",
                    t.implementation,
                    t.pass,
                    t.diverge,
                    t.crash,
                    t.timeout,
                    t.protocol,
                    t.adapter_error,
                    t.timing,
                    t.not_run
                );
            }
            for t in contract.tallies.iter().filter(|t| t.rerun_alone > 0) {
                let _ = writeln!(out, "  {}: {} divergent case(s) ran with timers late by more than the race band; each was re-run alone before being judged", t.implementation, t.rerun_alone);
            }
            for pair in &contract.agreement {
                let _ = writeln!(
                    out,
                    "  {} and {} gave identical outputs on {}/{} cases",
                    pair.a, pair.b, pair.identical, pair.compared
                );
            }
        }
        if self
            .timings
            .implementations
            .values()
            .any(|t| t.timer_lag_ms.max > 0.0)
        {
            let _ = writeln!(
                out,
                "\n  timer lag (how late scripted timers fired; race band ±{} ms):",
                self.settings.race_band_ms
            );
            for (key, t) in self
                .timings
                .implementations
                .iter()
                .filter(|(_, t)| t.timer_lag_ms.max > 0.0)
            {
                let lag = &t.timer_lag_ms;
                let _ = writeln!(
                    out,
                    "    {key:<34} p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
                    lag.p50, lag.p99, lag.max
                );
            }
        }
        const SHOWN: usize = 6;
        if !self.groups.is_empty() {
            let _ = writeln!(out, "\n  {} failing group(s):", self.groups.len());
            // New groups first: they are what fails the run.
            let mut shown: Vec<&Group> = self.new_groups().collect();
            shown.extend(self.groups.iter().filter(|g| !g.is_new()));
            for (n, g) in shown.into_iter().take(SHOWN).enumerate() {
                let mark = match &g.baseline {
                    None if self.baseline.is_some() => paint.red("new "),
                    None => String::new(),
                    Some(m) if m.status == crate::baseline::MarkStatus::Known => {
                        paint.dim("known ")
                    }
                    Some(_) => paint.dim("flaky "),
                };
                let _ = writeln!(
                    out,
                    "  [{}] {mark}{} · {} · {} · {} case(s)",
                    n + 1,
                    g.implementation,
                    g.kind.as_str(),
                    g.rules.join(" "),
                    g.count
                );
                if !g.paths.is_empty() {
                    let _ = writeln!(out, "      differs at {}", abbreviate(&g.paths, 4));
                }
                if let Some(detail) = &g.example.detail {
                    let _ = writeln!(out, "      {}", detail.lines().next().unwrap_or_default());
                }
                if let Some(drift) = &g.example.drift {
                    let _ = writeln!(out, "      {drift}");
                }
                let _ = writeln!(out, "      repro: {}", g.example.repro);
            }
            if self.groups.len() > SHOWN {
                let _ = writeln!(
                    out,
                    "  … and {} more in the report",
                    self.groups.len() - SHOWN
                );
            }
            if let Some(g) = self.groups.iter().find(|g| g.example.diff.is_some()) {
                if g.example.others.is_empty() {
                    let _ = writeln!(
                        out,
                        "\n  first divergence (reference vs {}):",
                        g.implementation
                    );
                    for line in g.example.diff.iter().flat_map(|d| d.lines()).take(24) {
                        let _ = writeln!(out, "    {line}");
                    }
                } else {
                    let _ = writeln!(
                        out,
                        "\n  first divergence, side by side ({}):",
                        g.example.which()
                    );
                    let rows = side_by_side(g, 40);
                    let widths: Vec<usize> = (0..rows[0].len())
                        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
                        .collect();
                    for row in rows {
                        let cells: Vec<String> = row
                            .iter()
                            .zip(&widths)
                            .map(|(cell, w)| format!("{cell:<w$}"))
                            .collect();
                        let _ = writeln!(out, "    {}", cells.join(" │ ").trim_end());
                    }
                }
            }
        }
        if let Some(b) = &self.baseline {
            for entry in b.stale.iter().take(SHOWN) {
                let what = if b.stale_fails {
                    paint.red("stale: remove it from the baseline")
                } else {
                    "not seen in this partial run".into()
                };
                let _ = writeln!(out, "  {what} · {}", entry.describe());
            }
            if b.stale.len() > SHOWN {
                let _ = writeln!(out, "  … and {} more stale entries", b.stale.len() - SHOWN);
            }
        }
        for incident in self.incidents.iter().take(3) {
            let _ = writeln!(
                out,
                "  incident · {} · {}: {}",
                incident.implementation,
                incident.incident.kind.as_str(),
                incident.incident.detail
            );
        }
        let _ = writeln!(
            out,
            "\n  report: {} (also index.html, junit.xml, report.json)",
            report_dir.join("summary.md").display()
        );
        let _ = writeln!(out, "  rerun:  {}", self.repro);
        let verdict = self.verdict_line();
        let verdict = match self.verdict {
            Verdict::Agreement => paint.green(&verdict),
            Verdict::Findings => paint.red(&verdict),
            Verdict::Infrastructure | Verdict::Interrupted => paint.yellow(&verdict),
        };
        let _ = writeln!(out, "  {verdict}");
        out
    }

    /// `summary.md`, suitable for a CI job summary or a pull request comment.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Conformance run {}\n", self.run_id);
        let _ = writeln!(md, "{}\n", self.headline());
        let _ = writeln!(md, "**{}**\n", self.verdict_line());
        if self.interrupted {
            let _ = writeln!(md, "> The run was interrupted: tallies and groups cover only the cases that finished.\n");
        }
        let _ = writeln!(md, "Reproduce: `{}`\n", self.repro);
        if let Some(b) = &self.baseline {
            let _ = writeln!(
                md,
                "Baseline `{}`: {} known, {} flaky, {} new group(s), {} stale entr(ies){}.\n",
                b.baseline.as_deref().unwrap_or("(none)"),
                b.known,
                b.flaky,
                b.new,
                b.stale.len(),
                if b.stale_fails || b.stale.is_empty() {
                    ""
                } else {
                    " (not checked: partial run)"
                }
            );
            for entry in &b.stale {
                let _ = writeln!(md, "- stale, remove it: {}", md_cell(&entry.describe()));
            }
            if !b.stale.is_empty() {
                let _ = writeln!(md);
            }
        }
        let _ = writeln!(md, "## Implementations\n\n| id | language | status | packages |\n| --- | --- | --- | --- |");
        for imp in &self.implementations {
            let packages: Vec<String> = imp
                .packages
                .iter()
                .map(|(c, p)| format!("{c}: {} {}", p.name, p.version))
                .collect();
            let status = match (&imp.reason, &imp.fix) {
                (Some(reason), Some(fix)) => format!(
                    "{} — {} — fix: {}",
                    imp.status_text(),
                    md_cell(reason),
                    fix.lines()
                        .map(|line| format!("`{}`", md_cell(line)))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                (Some(reason), None) => format!("{} — {}", imp.status_text(), md_cell(reason)),
                _ => imp.status_text().to_owned(),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                imp.id,
                imp.language,
                status,
                md_cell(&packages.join(", "))
            );
        }
        for contract in &self.contracts {
            let _ = writeln!(md, "\n## Contract `{}`\n", contract.id);
            let _ = writeln!(md, "| implementation | cases | pass | diverge | crash | timeout | protocol | adapter error | timing | not run |");
            let _ = writeln!(
                md,
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
            );
            for t in &contract.tallies {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    t.implementation,
                    t.cases,
                    t.pass,
                    t.diverge,
                    t.crash,
                    t.timeout,
                    t.protocol,
                    t.adapter_error,
                    t.timing,
                    t.not_run
                );
            }
        }
        if !self.groups.is_empty() {
            let _ = writeln!(md, "\n## Failing groups\n");
        }
        for (n, g) in self.groups.iter().enumerate() {
            let mark = match &g.baseline {
                Some(m) => format!(
                    " · {} ({})",
                    match m.status {
                        crate::baseline::MarkStatus::Known => "known",
                        crate::baseline::MarkStatus::Flaky => "flaky",
                    },
                    md_cell(&m.reason)
                ),
                None if self.baseline.is_some() => " · **new**".into(),
                None => String::new(),
            };
            let _ = writeln!(
                md,
                "### {}. `{}` · {} · {}{mark}\n",
                n + 1,
                g.implementation,
                g.kind.as_str(),
                g.rules.join(", ")
            );
            let _ = writeln!(
                md,
                "- contract: `{}`; cases: {} (first: {})",
                g.contract,
                g.count,
                g.first_cases
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if !g.paths.is_empty() {
                let _ = writeln!(
                    md,
                    "- differs at: {}",
                    g.paths
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            if g.shared_with_all > 0 {
                let _ = writeln!(
                    md,
                    "- in {} of these cases every implementation gave this same output",
                    g.shared_with_all
                );
            }
            if let Some(drift) = &g.example.drift {
                let _ = writeln!(md, "- {drift}");
            }
            let _ = writeln!(md, "- reproduce: `{}`\n", g.example.repro);
            if let Some(detail) = &g.example.detail {
                let _ = writeln!(md, "{}\n", fenced("text", detail));
            }
            let _ = writeln!(
                md,
                "Smallest input ({}):\n\n{}\n",
                g.example.which(),
                fenced("json", &canonical_pretty(&g.example.input))
            );
            if !g.example.others.is_empty() {
                let rows = side_by_side(g, 80);
                let _ = writeln!(
                    md,
                    "| {} |\n|{}",
                    rows[0].join(" | "),
                    " --- |".repeat(rows[0].len())
                );
                for row in &rows[1..] {
                    let cells: Vec<String> = row.iter().map(|c| md_cell(c)).collect();
                    let _ = writeln!(md, "| {} |", cells.join(" | "));
                }
                let _ = writeln!(md);
            }
            if let Some(diff) = &g.example.diff {
                let _ = writeln!(
                    md,
                    "Expected (reference) vs actual:\n\n{}\n",
                    fenced("diff", diff)
                );
            }
            if let Some(tail) = g
                .example
                .stderr_tail
                .as_deref()
                .filter(|t| !t.trim().is_empty())
            {
                let _ = writeln!(md, "Adapter stderr (tail):\n\n{}\n", fenced("text", tail));
            }
        }
        if !self.incidents.is_empty() {
            let _ = writeln!(md, "\n## Adapter incidents (not tied to a case)\n");
            for i in &self.incidents {
                let _ = writeln!(
                    md,
                    "- `{}` ({}): {} — {}",
                    i.implementation,
                    i.contract,
                    i.incident.kind.as_str(),
                    md_cell(&i.incident.detail)
                );
            }
        }
        if !self.timings.implementations.is_empty() {
            let _ = writeln!(md, "\n## Timings\n\n| contract/implementation | elapsed p50 | elapsed p99 | timer lag p50 | timer lag p99 | timer lag max |\n| --- | ---: | ---: | ---: | ---: | ---: |");
            for (key, t) in &self.timings.implementations {
                let _ = writeln!(
                    md,
                    "| {key} | {} ms | {} ms | {} ms | {} ms | {} ms |",
                    t.elapsed_ms.p50,
                    t.elapsed_ms.p99,
                    t.timer_lag_ms.p50,
                    t.timer_lag_ms.p99,
                    t.timer_lag_ms.max
                );
            }
        }
        md
    }
}

impl Example {
    /// An example with nothing but its input and repro command.
    pub fn for_input(input: Value, repro: String) -> Example {
        Example {
            case: None,
            vector: None,
            corpus: None,
            input,
            expected: None,
            actual: None,
            diff: None,
            paths: Vec::new(),
            detail: None,
            stderr_tail: None,
            repro,
            others: Vec::new(),
            drift: None,
            shrink: None,
            snippet: None,
        }
    }

    /// "case 42" or "vector fallback-succeeds".
    pub fn which(&self) -> String {
        if let Some(path) = &self.corpus {
            if self.case.is_none() {
                return format!("corpus case {path}");
            }
        }
        match (&self.vector, self.case) {
            (Some(id), _) => format!("vector {id}"),
            (None, Some(case)) => format!("case {case}"),
            (None, None) => "case ?".into(),
        }
    }
}

impl ImplRecord {
    fn status_text(&self) -> &'static str {
        match self.status {
            ImplStatus::Available => "available",
            ImplStatus::Unavailable => "unavailable",
            ImplStatus::FailedToStart => "failed to start",
        }
    }
}

/// `bugs/<implementation>-<hash>.md`: one file per group, named after its example.
fn bug_file_name(group: &Group) -> String {
    format!(
        "{}-{}.md",
        group.implementation,
        crate::corpus::short_hash(&group.example.input, &group.implementation)
    )
}

/// Rows of `path | reference | this implementation | the others…` for a divergence's
/// differing paths (header first), each value as compact canonical JSON.
fn side_by_side(group: &Group, width: usize) -> Vec<Vec<String>> {
    let example = &group.example;
    let mut header = vec![
        "path".to_owned(),
        "reference".to_owned(),
        group.implementation.clone(),
    ];
    header.extend(example.others.iter().map(|o| o.implementation.clone()));
    let cell = |output: Option<&Value>, path: &str| -> String {
        let text = match output.map(|o| o.pointer(path)) {
            Some(Some(v)) => crate::compare::canonical(v),
            Some(None) => "(absent)".into(),
            None => "—".into(),
        };
        if text.chars().count() > width {
            format!("{}…", text.chars().take(width).collect::<String>())
        } else {
            text
        }
    };
    let mut rows = vec![header];
    for path in example.paths.iter().take(8) {
        let mut row = vec![
            if path.is_empty() {
                "(whole output)".into()
            } else {
                path.clone()
            },
            cell(example.expected.as_ref(), path),
            cell(example.actual.as_ref(), path),
        ];
        row.extend(example.others.iter().map(|o| match &o.output {
            Some(output) => cell(Some(output), path),
            None => o.status.clone(),
        }));
        rows.push(row);
    }
    rows
}

/// `items` joined by spaces, or `-` when there are none (rules, paths in one-line keys).
pub fn words_or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "-".to_owned()
    } else {
        items.join(" ")
    }
}

fn abbreviate(items: &[String], keep: usize) -> String {
    let mut shown = items
        .iter()
        .take(keep)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    if items.len() > keep {
        let _ = write!(shown, " (+{} more)", items.len() - keep);
    }
    shown
}

/// ANSI colour for the terminal summary, or plain text when off.
struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn red(&self, text: &str) -> String {
        self.wrap("1;31", text)
    }
    fn green(&self, text: &str) -> String {
        self.wrap("1;32", text)
    }
    fn yellow(&self, text: &str) -> String {
        self.wrap("1;33", text)
    }
    fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }
}

/// Text inside a Markdown table cell: no pipes or newlines to break the table.
fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A fenced code block whose fence is longer than any backtick run inside `body`.
fn fenced(lang: &str, body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{lang}\n{}\n{fence}", body.trim_end_matches('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_nearest_ranks() {
        let p = Percentiles::of((1..=100).map(f64::from).collect());
        assert_eq!((p.samples, p.p50, p.p99, p.max), (100, 51.0, 99.0, 100.0));
        assert_eq!(Percentiles::of(vec![]), Percentiles::default());
    }

    #[test]
    fn fences_outgrow_backticks_in_the_body() {
        assert_eq!(fenced("text", "a ``` b"), "````text\na ``` b\n````");
        assert_eq!(md_cell("a|b\nc"), "a\\|b c");
    }

    #[test]
    fn colour_is_only_added_when_asked_for() {
        assert_eq!(Paint(false).red("x"), "x");
        assert_eq!(Paint(true).red("x"), "\x1b[1;31mx\x1b[0m");
        assert_eq!(Paint(true).green("ok"), "\x1b[1;32mok\x1b[0m");
    }

    #[test]
    fn latest_points_at_the_newest_run_and_never_replaces_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        for run in ["a", "b"] {
            std::fs::create_dir(dir.path().join(run)).unwrap();
            point_latest(dir.path(), run).unwrap();
        }
        let latest = dir.path().join("latest");
        assert_eq!(std::fs::read_link(&latest).unwrap(), Path::new("b"));
        std::fs::remove_file(&latest).unwrap();
        std::fs::create_dir(&latest).unwrap();
        point_latest(dir.path(), "a").unwrap();
        assert!(
            latest.is_dir() && !latest.is_symlink(),
            "someone's own folder stays"
        );
    }

    #[test]
    fn run_dirs_are_never_reused_and_writes_are_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let (first, id1) = create_run_dir(dir.path(), "run").unwrap();
        let (second, id2) = create_run_dir(dir.path(), "run").unwrap();
        assert_ne!(first, second);
        assert_eq!((id1.as_str(), id2.as_str()), ("run", "run-2"));
        write_atomically(&first.join("x.json"), b"1").unwrap();
        write_atomically(&first.join("x.json"), b"2").unwrap();
        assert_eq!(std::fs::read(first.join("x.json")).unwrap(), b"2");
        assert_eq!(
            std::fs::read_dir(&first).unwrap().count(),
            1,
            "no temporary file left behind"
        );
    }
}
