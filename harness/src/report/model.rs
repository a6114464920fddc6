//! The run report's data: plain serde types that own everything the writers need, saved
//! as `report.json` (schema: `reports/report.schema.json`).
//!
//! Everything that depends on the clock (start time, wall time, timer lag, elapsed times)
//! lives under `timings`, so two runs with the same seed differ only there and in `runId`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use super::coverage::{CoverageRecord, CoverageStatus, Excerpt, FileCoverage, Reached};
pub use super::guided::GuidedRecord;
pub use super::timings::{ImplTimings, Percentiles, TimingViolation, Timings, VectorTiming};
pub use crate::baseline::{Mark, MarkStatus, Outcome as BaselineOutcome};
use crate::errors::{
    EXIT_AGREEMENT, EXIT_FINDINGS, EXIT_INFRASTRUCTURE, EXIT_INTERRUPTED, EXIT_NO_CASES,
};
pub use crate::interrupt::Interrupt;
pub use crate::judge::GroupKind;
use crate::judge::{Cause, GroupKey};
pub use crate::plan::{CaseLabel, Shard};
use crate::run::protocol::{AdapterInfo, Package};
pub use crate::run::IncidentKind;

/// Version of `report.json`'s shape (`reports/report.schema.json`); bumped on any change
/// that a reader could notice.
pub const SCHEMA_VERSION: u32 = 6;

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    pub baseline: Option<BaselineOutcome>,
    /// The run was stopped (Ctrl-C, SIGTERM, SIGHUP) before it finished: what it reports is
    /// partial.
    pub interrupted: bool,
    /// The signal that stopped it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted_by: Option<Interrupt>,
    /// The shard runs `report merge` combined into this one (`RUN_ID (shard K/N)`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// Line and branch coverage per implementation and contract (`verify --coverage`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<CoverageRecord>,
    /// What guidance did per contract (`verify --guided`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guided: Vec<GuidedRecord>,
    pub verdict: Verdict,
    pub exit_code: u8,
    pub timings: Timings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsRecord {
    pub cases: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only_case: Option<u64>,
    /// Golden vectors and corpus cases run before the generated cases.
    pub fixed_cases: u64,
    /// How many of the fixed cases are corpus cases (the rest are golden vectors).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub corpus_cases: u64,
    pub profile: String,
    /// The time zone (`TZ`) the adapters ran under: `--tz`, or the one the seed picked.
    pub time_zone: String,
    pub race_band_ms: u64,
    /// Re-runs alone a time-dependent divergence must repeat in before it counts.
    pub confirm_runs: u32,
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
    /// The one golden vector run (`--vector ID`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
}

/// One golden vector's result for one implementation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VectorOutcome {
    pub contract: String,
    pub implementation: String,
    pub id: String,
    /// `pass`, or the failing group's kind (`divergence`, `crash`, …).
    pub status: String,
    /// The rules it breaks, when it fails.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImplStatus {
    Available,
    Unavailable,
    FailedToStart,
    /// It used up its restarts (`--max-restarts`); the rest of its cases were not run.
    Broken,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImplRecord {
    pub id: String,
    pub language: String,
    pub description: String,
    pub status: ImplStatus,
    /// Named with `--impl` (not brought in by `all`): if it cannot run, the run fails.
    pub required: bool,
    /// Cases it answered, over every contract (an output or an adapter error).
    pub answered: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adapter: Option<AdapterInfo>,
    pub packages: BTreeMap<String, Package>,
}

impl ImplRecord {
    /// It broke down before answering a single case (or never started): whatever the
    /// report counts against it is its failure to run, not a finding.
    pub fn never_ran(&self) -> bool {
        self.status != ImplStatus::Available && self.answered == 0
    }

    /// Some contract of the run could not run on it: unavailable, not started, or broken
    /// down before answering a case.
    pub fn could_not_run(&self) -> bool {
        matches!(
            self.status,
            ImplStatus::Unavailable | ImplStatus::FailedToStart
        ) || self.never_ran()
    }

    /// It could not run and that fails the run: it was required, or its adapter failed
    /// (only an *unavailable* implementation that `all` brought in is a mere note).
    pub fn fails_run(&self) -> bool {
        self.could_not_run() && (self.required || self.status != ImplStatus::Unavailable)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractRecord {
    pub id: String,
    pub tallies: Vec<Tally>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agreement: Vec<PairAgreement>,
}

/// What happened to one implementation's cases of one contract.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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
    /// Cases whose divergence depended on time, re-run alone to confirm it before it
    /// counted.
    pub rerun_alone: u64,
    /// Of those, cases whose divergence did not repeat alone: judged by their re-runs,
    /// never counted as failures.
    pub flaky: u64,
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

/// Every failing case with the same cause (contract, implementation, kind, the rule broken
/// and where the outputs first part) is one group: one entry with a count, its variants and
/// its smallest example.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub contract: String,
    pub implementation: String,
    pub kind: GroupKind,
    /// The rule broken and the place the outputs first part.
    #[serde(flatten)]
    pub cause: Cause,
    /// Every rule the group's cases break, in the contract's order.
    pub rules: Vec<String>,
    /// Each of `rules` the contract states, with its one-line summary: what the rule demands.
    #[serde(default)]
    pub rule_summaries: Vec<RuleSummary>,
    /// Every place the group's outputs differ, folded.
    pub paths: Vec<String>,
    pub count: u64,
    /// The shapes the cause took: other rule combinations and path sets, with counts, the
    /// most frequent first.
    pub variants: Vec<VariantRecord>,
    /// Cases where every other implementation gave this same output: a contract question
    /// (or a reference bug) rather than one implementation drifting.
    pub shared_with_all: u64,
    /// The lowest generated case indices in the group (at most ten).
    pub first_cases: Vec<u64>,
    /// The lowest guided case numbers in the group (`--guided`; at most ten).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guided_cases: Vec<u64>,
    /// The golden vectors in the group (at most ten, by id).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vectors: Vec<String>,
    /// The corpus cases in the group (at most ten, by file).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corpus: Vec<String>,
    /// Listed in `--baseline` or `--known-flaky` (absent: a new group).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Mark>,
    pub example: Example,
}

/// A rule a group breaks, with the contract's one line saying what it demands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSummary {
    pub id: String,
    pub summary: String,
}

impl RuleSummary {
    /// Each of `rules` that `contract` states, with its summary, in the order given.
    pub fn of(contract: &str, rules: &[String]) -> Vec<RuleSummary> {
        let Some(contract) = reference::contract(contract) else {
            return Vec::new();
        };
        rules
            .iter()
            .filter_map(|id| contract.rule(id))
            .map(|rule| RuleSummary {
                id: rule.id.to_owned(),
                summary: rule.summary.to_owned(),
            })
            .collect()
    }
}

/// One shape of a group's cause: the cause it was first found under (before shrinking
/// merged groups that shrank to the same), its rules and paths, and how many cases showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantRecord {
    #[serde(flatten)]
    pub cause: Cause,
    pub rules: Vec<String>,
    pub paths: Vec<String>,
    pub count: u64,
}

impl Group {
    /// An empty group for `key`, with `example` as its smallest case so far.
    pub fn new(key: &GroupKey, example: Example) -> Group {
        Group {
            contract: key.contract.clone(),
            implementation: key.implementation.clone(),
            kind: key.kind,
            cause: key.cause.clone(),
            rules: Vec::new(),
            rule_summaries: Vec::new(),
            paths: Vec::new(),
            count: 0,
            variants: Vec::new(),
            shared_with_all: 0,
            first_cases: Vec::new(),
            guided_cases: Vec::new(),
            vectors: Vec::new(),
            corpus: Vec::new(),
            baseline: None,
            example,
        }
    }

    /// Whether this group fails the run (it is not listed as known or flaky).
    pub fn is_new(&self) -> bool {
        self.baseline.is_none()
    }

    /// The key this group collects its cases by.
    pub fn key(&self) -> GroupKey {
        GroupKey {
            contract: self.contract.clone(),
            implementation: self.implementation.clone(),
            kind: self.kind,
            cause: self.cause.clone(),
        }
    }

    /// Every cause the group was found under: its own and its variants'.
    pub fn causes(&self) -> impl Iterator<Item = &Cause> {
        std::iter::once(&self.cause).chain(self.variants.iter().map(|v| &v.cause))
    }

    /// The group's key under each cause it was found under (a baseline may list any).
    pub fn keys(&self) -> Vec<GroupKey> {
        self.causes()
            .map(|cause| GroupKey {
                cause: cause.clone(),
                ..self.key()
            })
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stderr_tail: Option<String>,
    /// One command that runs this case alone.
    pub repro: String,
    /// What the other implementations did with the same case (multi-implementation runs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Snippet {
    pub language: String,
    pub code: String,
    /// What the contract expects and what the implementation did, as the program prints
    /// them (its last lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// How the program runs: the variables the implementation runs with, and the command
    /// before the program's file (the interpreter its adapter runs on).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runner: Vec<String>,
    /// The variable naming where the package under test is, when the program reads one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What the program did when the harness ran it once, as its report says to run it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked: Option<ProgramCheck>,
}

/// A bug program's run by the harness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramCheck {
    pub result: ProgramResult,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// How many times it ran: a program printing `fixed` runs again, a few times, in case
    /// the bug needs a race to go its way.
    pub runs: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgramResult {
    /// Exit 1, printing `BUG PRESENT`: the program shows the bug.
    ShowsBug,
    /// Exit 0, printing `fixed`: run alone, the program does not show the bug.
    Fixed,
    /// Anything else: it could not start, crashed, or printed neither verdict.
    Failed,
    TimedOut,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SideRecord {
    pub implementation: String,
    /// `agrees`, `diverges`, or the failure (`crash`, `timeout`, …).
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
}

/// How often two implementations gave canonically identical outputs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairAgreement {
    pub a: String,
    pub b: String,
    /// Cases where both produced an output, less races: cases where the contract allows
    /// several outputs and both gave an allowed one (which one is up to the timers).
    pub compared: u64,
    pub identical: u64,
}

/// An adapter's incident: a broken protocol rule, or a failure no single case explains.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentRecord {
    pub contract: String,
    pub implementation: String,
    pub kind: IncidentKind,
    pub detail: String,
    /// The offending line, cut to a readable size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    /// How many of the adapter's cases had finished when it happened.
    pub after_cases: u64,
    /// How many cases were in flight (all re-run), and the first of them.
    pub in_flight: u64,
    pub cases: Vec<CaseLabel>,
    pub stderr_tail: String,
    /// Later incidents of the same kind counted here rather than listed.
    pub repeats: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Agreement,
    Findings,
    Infrastructure,
    /// Not a single case ran.
    NoCases,
    Interrupted,
}

impl Verdict {
    /// The exit code a run with this verdict ends with (recorded in the report).
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Agreement => EXIT_AGREEMENT,
            Verdict::Findings => EXIT_FINDINGS,
            Verdict::Infrastructure => EXIT_INFRASTRUCTURE,
            Verdict::NoCases => EXIT_NO_CASES,
            Verdict::Interrupted => EXIT_INTERRUPTED,
        }
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

    /// How big the example is, for keeping a group's smallest: its canonical input's length,
    /// then its labels.
    pub fn size(&self) -> (usize, Option<String>, Option<u64>) {
        (
            crate::judge::canonical(&self.input).len(),
            self.vector.clone(),
            self.case,
        )
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
            // Only a guided case has neither: no seed and index name it.
            (None, None) => "a guided case".into(),
        }
    }
}

/// For counts a report leaves out when nothing was counted.
fn is_zero(count: &u64) -> bool {
    *count == 0
}
