//! `verify --message-format json`: the run as it goes, one JSON object a line on stdout, for
//! tools that follow a run live (the shape: `reports/stream.schema.json`). Each event is a
//! tagged object; its `type` says which. Events are only built when the stream is on
//! ([`crate::progress::Progress::emit`] takes a closure), so a human run pays nothing.
//!
//! Apart from timings (`elapsedMs`), a seed gives the same events every time; cases finish
//! in the order the implementations answer them, so their lines may come in another order.

use serde::Serialize;

use crate::interrupt::Interrupt;
use crate::judge::{GroupKey, GroupKind, Judged, Variant, Verdict as CaseVerdict};
use crate::plan::CaseLabel;
use crate::progress::write_json_line;
use crate::report::{Report, SettingsRecord, Verdict};
use crate::run::{FailureKind, Outcome};

/// The stream's version: its shape changes only with it.
pub const STREAM_VERSION: u32 = 1;

/// One line of the stream.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Before the first case: what the run will do.
    #[serde(rename_all = "camelCase")]
    RunStarted {
        stream_version: u32,
        run_id: String,
        harness_version: String,
        seed: u64,
        settings: SettingsRecord,
        implementations: Vec<Selected>,
        contracts: Vec<String>,
        /// Cases the run means to run, over every implementation.
        planned_cases: u64,
    },
    /// One implementation's answer to one case, judged.
    #[serde(rename_all = "camelCase")]
    CaseFinished {
        contract: String,
        implementation: String,
        case: CaseLabel,
        status: CaseStatus,
        /// The failure group the case falls in (none when it agrees).
        #[serde(skip_serializing_if = "Option::is_none")]
        group: Option<GroupRef>,
        /// The rules the case breaks.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        rules: Vec<String>,
        /// How long the implementation took, as its adapter measured (a timing: never
        /// compared).
        #[serde(skip_serializing_if = "Option::is_none")]
        elapsed_ms: Option<f64>,
    },
    /// A failure group seen for the first time in this run.
    #[serde(rename_all = "camelCase")]
    GroupFound {
        group: GroupRef,
        /// Every rule the first case breaks.
        rules: Vec<String>,
        case: CaseLabel,
    },
    /// A divergence group's case shrunk through its implementation.
    #[serde(rename_all = "camelCase")]
    GroupShrunk {
        group: GroupRef,
        /// The generated case shrinking started from.
        case: u64,
        from_bytes: usize,
        to_bytes: usize,
        steps: u32,
        /// What ended the shrink early (its time, its steps, an interrupt), if anything did.
        #[serde(skip_serializing_if = "Option::is_none")]
        stopped_by: Option<String>,
    },
    /// The last line of a run: its verdict, exit code and report folder.
    #[serde(rename_all = "camelCase")]
    RunFinished {
        run_id: String,
        verdict: Verdict,
        exit_code: u8,
        interrupted: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        interrupted_by: Option<Interrupt>,
        groups: usize,
        incidents: usize,
        /// The run's report folder; none when it could not be written.
        report: Option<String>,
    },
    /// The last line of a run that stopped on an error (bad input, an implementation that
    /// cannot run, a report that cannot be written).
    #[serde(rename_all = "camelCase")]
    Error {
        exit_code: u8,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        hint: Option<String>,
    },
}

/// An implementation the run selected.
#[derive(Debug, Clone, Serialize)]
pub struct Selected {
    pub id: String,
    pub language: String,
}

/// What one implementation did with one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Agree,
    Diverge,
    /// An acceptable output that came later than the contract's timing rule allows.
    Late,
    /// It diverged, but not again when re-run alone: judged by the re-run, never failing.
    Flaky,
    Crash,
    Timeout,
    Protocol,
    AdapterError,
    NotRun,
}

impl CaseStatus {
    pub fn of(verdict: &CaseVerdict, outcome: &Outcome) -> CaseStatus {
        match (verdict, outcome) {
            (CaseVerdict::Agrees, _) => CaseStatus::Agree,
            (CaseVerdict::Diverges(_), _) => CaseStatus::Diverge,
            (CaseVerdict::Late { .. }, _) => CaseStatus::Late,
            (CaseVerdict::NoOutput, Outcome::Failed { kind, .. }) => match kind {
                FailureKind::Crash => CaseStatus::Crash,
                FailureKind::Timeout => CaseStatus::Timeout,
                FailureKind::Protocol => CaseStatus::Protocol,
            },
            (CaseVerdict::NoOutput, Outcome::AdapterError { .. }) => CaseStatus::AdapterError,
            (CaseVerdict::NoOutput, _) => CaseStatus::NotRun,
        }
    }
}

/// A failure group as the report names it: contract, implementation, kind, and the cause
/// (the rule broken and where the outputs first part).
#[derive(Debug, Clone, Serialize)]
pub struct GroupRef {
    pub contract: String,
    pub implementation: String,
    pub kind: GroupKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

impl From<&GroupKey> for GroupRef {
    fn from(key: &GroupKey) -> GroupRef {
        GroupRef {
            contract: key.contract.clone(),
            implementation: key.implementation.clone(),
            kind: key.kind,
            rule: key.cause.rule.clone(),
            place: key.cause.place.clone(),
        }
    }
}

impl Event {
    /// What `implementation` did with `case` of `contract`, judged; `flaky` when it
    /// diverged but not again alone (`judged` is then its re-run's).
    pub fn case_finished(
        (contract, implementation, case): (&str, &str, &CaseLabel),
        judged: &Judged,
        outcome: &Outcome,
        flaky: bool,
    ) -> Event {
        Event::CaseFinished {
            contract: contract.into(),
            implementation: implementation.into(),
            case: case.clone(),
            // A re-run that diverged another way is that divergence.
            status: match flaky && !judged.diverges() {
                true => CaseStatus::Flaky,
                false => CaseStatus::of(&judged.verdict, outcome),
            },
            group: judged.key.as_ref().map(GroupRef::from),
            rules: judged.variant.rules.clone(),
            elapsed_ms: match outcome {
                Outcome::Output { elapsed_ms, .. } => *elapsed_ms,
                _ => None,
            },
        }
    }

    /// A failure group seen for the first time, on `case`.
    pub fn group_found(key: &GroupKey, variant: &Variant, case: &CaseLabel) -> Event {
        Event::GroupFound {
            group: GroupRef::from(key),
            rules: variant.rules.clone(),
            case: case.clone(),
        }
    }

    /// The finished run, saved to `report_dir` (none: it could not be written).
    pub fn run_finished(report: &Report, report_dir: Option<String>) -> Event {
        Event::RunFinished {
            run_id: report.run_id.clone(),
            verdict: report.verdict,
            exit_code: report.exit_code,
            interrupted: report.interrupted,
            interrupted_by: report.interrupted_by,
            groups: report.groups.len(),
            incidents: report.incidents.len(),
            report: report_dir,
        }
    }

    /// Writes the event as one line on stdout (for the lines written once the run's
    /// progress is gone).
    pub fn write(&self) {
        write_json_line(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::Cause;

    #[test]
    fn events_are_tagged_objects_with_camel_case_fields() {
        let key = GroupKey {
            contract: "budget".into(),
            implementation: "py-sample".into(),
            kind: GroupKind::Divergence,
            cause: Cause {
                rule: Some("BUDGET-DEADLINE".into()),
                place: Some("/value".into()),
            },
        };
        let event = Event::CaseFinished {
            contract: "budget".into(),
            implementation: "py-sample".into(),
            case: CaseLabel::Generated(7),
            status: CaseStatus::Diverge,
            group: Some(GroupRef::from(&key)),
            rules: vec!["BUDGET-DEADLINE".into()],
            elapsed_ms: Some(1.5),
        };
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], "case_finished");
        assert_eq!(value["case"], serde_json::json!({"generated": 7}));
        assert_eq!(value["status"], "diverge");
        assert_eq!(value["group"]["kind"], "divergence");
        assert_eq!(value["group"]["rule"], "BUDGET-DEADLINE");
        assert_eq!(value["elapsedMs"], 1.5);
    }

    #[test]
    fn a_status_says_what_the_implementation_did() {
        let failed = |kind| Outcome::Failed {
            kind,
            detail: String::new(),
            stderr_tail: String::new(),
        };
        let no_output = CaseVerdict::NoOutput;
        assert_eq!(
            CaseStatus::of(&no_output, &failed(FailureKind::Timeout)),
            CaseStatus::Timeout
        );
        let error = Outcome::AdapterError {
            message: "boom".into(),
        };
        assert_eq!(CaseStatus::of(&no_output, &error), CaseStatus::AdapterError);
        let not_run = Outcome::NotRun {
            reason: "stopped".into(),
        };
        assert_eq!(CaseStatus::of(&no_output, &not_run), CaseStatus::NotRun);
        let late = CaseVerdict::Late {
            rule: "BUDGET-TIMING",
            elapsed_ms: 900.0,
            limit_ms: 300.0,
        };
        assert_eq!(CaseStatus::of(&late, &error), CaseStatus::Late);
    }
}
