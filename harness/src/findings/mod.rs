//! Findings: what the judged cases add up to — per implementation, tallies and timings; per
//! pair of implementations, how often they agreed and where they parted ([`twins`]); per
//! cause, one failure group with a count and its smallest example; per golden vector, its
//! result.

mod merge;
mod side;
mod twins;

pub use side::{drift, Side};

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use reference::strategy::Tape;
use reference::{Contract, Expectation};
use serde_json::Value;

use crate::events::Event;
use crate::judge::{
    self, canonical, diff_text, rule_rank, Case, GroupKey, GroupKind, Judged, Timing, Variant,
    Verdict,
};
use crate::plan::{CaseLabel, Spelling};
use crate::report::{
    keep_lowest, ContractRecord, Example, Group, ImplTimings, IncidentRecord, PairAgreement,
    Percentiles, Tally, TimingViolation, VectorOutcome,
};
use crate::run::{FailureKind, Outcome};

/// One case and what each implementation did with it (`None`: not answered yet).
pub struct CaseRun {
    pub label: CaseLabel,
    /// Shared with the jobs that send it to each implementation.
    pub input: Arc<Value>,
    pub expectation: Expectation,
    pub outcomes: Vec<Option<Outcome>>,
    /// A guided case's draws: a shrink starts from them, as no seed and index name it.
    pub tape: Option<Arc<Tape>>,
}

impl CaseRun {
    /// Whether every implementation has answered.
    pub fn is_complete(&self) -> bool {
        self.outcomes.iter().all(Option::is_some)
    }

    fn case(&self, contract: &'static dyn Contract) -> Case<'_> {
        Case {
            contract,
            input: &self.input,
            expectation: &self.expectation,
        }
    }
}

/// Where a divergence group's shrinking starts: its smallest generated case.
#[derive(Debug, Clone)]
pub struct ShrinkSeed {
    pub bytes: usize,
    /// A generated case's index, or a guided case's number.
    pub case: u64,
    /// A guided case's draws (none for a generated case).
    pub tape: Option<Arc<Tape>>,
    /// What the implementation produced for it.
    pub output: Value,
}

/// Everything the run has found so far, across contracts.
#[derive(Default)]
pub struct Findings {
    pub groups: BTreeMap<GroupKey, Group>,
    pub shrink_seeds: HashMap<GroupKey, ShrinkSeed>,
    /// New failure groups not yet shown on the terminal.
    pub announcements: Vec<String>,
    pub contracts: Vec<ContractRecord>,
    pub incidents: Vec<IncidentRecord>,
    pub timings: BTreeMap<String, ImplTimings>,
    pub timing_violations: Vec<TimingViolation>,
    pub vectors: Vec<VectorOutcome>,
    /// Each judged case and new group as a stream event (`None`: the run does not stream).
    pub events: Option<Vec<Event>>,
}

/// Per-implementation measurements gathered while a contract runs.
#[derive(Default)]
struct Samples {
    elapsed_ms: Vec<f64>,
    timer_lag_ms: Vec<f64>,
}

/// How judged cases are spelled out for people.
#[derive(Clone, Copy)]
pub struct Judging<'a> {
    pub timing_slack_ms: u64,
    pub spelling: &'a dyn Spelling,
}

impl Judging<'_> {
    fn judge<'o>(&self, case: Case<'_>, implementation: &str, outcome: &'o Outcome) -> Judged<'o> {
        judge::judge(
            case,
            implementation,
            outcome,
            Timing::Judged {
                slack_ms: self.timing_slack_ms,
            },
        )
    }
}

/// The findings of one contract while its cases run.
pub struct ContractFindings<'a> {
    contract: &'static dyn Contract,
    impl_ids: Vec<String>,
    tallies: Vec<Tally>,
    samples: Vec<Samples>,
    agreement: Vec<PairAgreement>,
    judging: Judging<'a>,
    /// Slots whose next recorded case did not diverge again alone.
    flaky: Vec<bool>,
}

impl<'a> ContractFindings<'a> {
    pub fn new(
        contract: &'static dyn Contract,
        impl_ids: Vec<String>,
        judging: Judging<'a>,
    ) -> Self {
        let mut agreement = Vec::new();
        for (a, first) in impl_ids.iter().enumerate() {
            for second in &impl_ids[a + 1..] {
                agreement.push(PairAgreement {
                    a: first.clone(),
                    b: second.clone(),
                    compared: 0,
                    identical: 0,
                });
            }
        }
        ContractFindings {
            contract,
            tallies: impl_ids
                .iter()
                .map(|id| Tally {
                    implementation: id.clone(),
                    ..Tally::default()
                })
                .collect(),
            samples: impl_ids.iter().map(|_| Samples::default()).collect(),
            flaky: vec![false; impl_ids.len()],
            agreement,
            impl_ids,
            judging,
        }
    }

    /// Judges `outcome` of the implementation in `slot` on `case`.
    pub fn judge<'o>(&self, case: &CaseRun, slot: usize, outcome: &'o Outcome) -> Judged<'o> {
        self.judging
            .judge(case.case(self.contract), &self.impl_ids[slot], outcome)
    }

    /// The group `slot`'s answer to `case` falls in, when that depends on time and so must
    /// repeat alone before it counts: a divergence or a late answer under a contract with a
    /// timing rule, or any divergence seen while the adapter's timers ran later than the
    /// race band (the machine's load, perhaps, not the implementation).
    pub fn time_dependent(
        &self,
        case: &CaseRun,
        slot: usize,
        outcome: &Outcome,
        race_band_ms: f64,
    ) -> Option<GroupKey> {
        let Outcome::Output {
            output,
            timer_lag_ms,
            ..
        } = outcome
        else {
            return None;
        };
        // The cheap tests first: most cases of most contracts are never judged twice.
        let timed = self
            .contract
            .timing_limit(&case.input, output, self.judging.timing_slack_ms)
            .is_some();
        let late = timer_lag_ms.is_some_and(|lag| lag > race_band_ms);
        if !(timed || late) {
            return None;
        }
        let judged = self.judge(case, slot, outcome);
        match judged.verdict {
            Verdict::Diverges(_) | Verdict::Late { .. } => judged.key,
            Verdict::Agrees | Verdict::NoOutput => None,
        }
    }

    /// Counts that the case in `slot` was re-run alone before being judged.
    pub fn note_rerun_alone(&mut self, slot: usize) {
        self.tallies[slot].rerun_alone += 1;
    }

    /// Counts that the case in `slot` did not diverge again alone: flaky, not a failure.
    pub fn note_flaky(&mut self, slot: usize) {
        self.tallies[slot].flaky += 1;
        self.flaky[slot] = true;
    }

    /// Counts the adapter restarts of the implementation in `slot`.
    pub fn note_restarts(&mut self, slot: usize, restarts: u32) {
        self.tallies[slot].restarts += restarts;
    }

    /// Judges one finished case for every implementation and records it.
    pub fn record(&mut self, case: &CaseRun, findings: &mut Findings) {
        let sides: Vec<Side> = case
            .outcomes
            .iter()
            .enumerate()
            .filter_map(|(slot, outcome)| {
                outcome.as_ref().map(|o| Side {
                    implementation: &self.impl_ids[slot],
                    outcome: o,
                    judged: self
                        .judging
                        .judge(case.case(self.contract), &self.impl_ids[slot], o),
                })
            })
            .collect();
        let mut pairs = self.agreement.iter_mut();
        for (a, first) in sides.iter().enumerate() {
            for second in &sides[a + 1..] {
                let Some(pair) = pairs.next() else { break };
                // Where the contract allows several outputs (a race within the guard band) and
                // both gave one of them, which one is the timers' doing: not compared, so the
                // counts are the same on every run of a seed.
                let raced = case.expectation.acceptable.len() > 1
                    && [first, second].iter().all(|s| s.accepted());
                if raced {
                    continue;
                }
                if let (Some(x), Some(y)) = (first.judged.canonical(), second.judged.canonical()) {
                    pair.compared += 1;
                    pair.identical += u64::from(x == y);
                }
            }
        }
        for slot in 0..sides.len() {
            let recorder = Recorder {
                contract: self.contract,
                judging: self.judging,
                case,
                sides: &sides,
                slot,
            };
            let flaky = std::mem::take(&mut self.flaky[slot]);
            if let Some(events) = &mut findings.events {
                let Side {
                    implementation,
                    outcome,
                    judged,
                } = &sides[slot];
                let at = (self.contract.id(), *implementation, &case.label);
                events.push(Event::case_finished(at, judged, outcome, flaky));
            }
            recorder.record(&mut self.tallies[slot], &mut self.samples[slot], findings);
        }
        self.record_twin_drift(case, &sides, findings);
    }

    /// Closes the contract: its tallies and timings go into `findings`.
    pub fn finish(self, findings: &mut Findings) {
        for (id, s) in self.impl_ids.iter().zip(self.samples) {
            findings.timings.insert(
                format!("{}/{id}", self.contract.id()),
                ImplTimings {
                    elapsed_ms: Percentiles::of(s.elapsed_ms),
                    timer_lag_ms: Percentiles::of(s.timer_lag_ms),
                },
            );
        }
        findings.contracts.push(ContractRecord {
            id: self.contract.id().into(),
            tallies: self.tallies,
            agreement: self.agreement,
        });
    }
}

/// Records one implementation's side of one case.
struct Recorder<'a> {
    contract: &'static dyn Contract,
    judging: Judging<'a>,
    case: &'a CaseRun,
    /// Every implementation's result for this case; `slot` is the one being recorded.
    sides: &'a [Side<'a>],
    slot: usize,
}

impl Recorder<'_> {
    fn side(&self) -> &Side<'_> {
        &self.sides[self.slot]
    }

    fn impl_id(&self) -> &str {
        self.side().implementation
    }

    fn others(&self) -> impl Iterator<Item = &Side<'_>> {
        self.sides
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i != self.slot)
            .map(|(_, s)| s)
    }

    fn record(&self, tally: &mut Tally, samples: &mut Samples, findings: &mut Findings) {
        let side = self.side();
        tally.cases += 1;
        if let Outcome::Output {
            elapsed_ms,
            timer_lag_ms,
            ..
        } = side.outcome
        {
            samples.elapsed_ms.extend(*elapsed_ms);
            samples.timer_lag_ms.extend(*timer_lag_ms);
        }
        // The example, and whether every other implementation gave this same output.
        let (example, shared) = match (&side.judged.verdict, side.outcome) {
            (Verdict::Diverges(d), Outcome::Output { output, .. }) => {
                tally.diverge += 1;
                let expected = &self.case.expectation.acceptable[d.closest].output;
                let compared = side.judged.comparable.as_deref().unwrap_or(output);
                let (drift, shared) = drift(self.sides, self.slot);
                let example = Example {
                    diff: Some(diff_text(expected, compared, "reference", self.impl_id())),
                    paths: d.paths.clone(),
                    expected: Some(expected.clone()),
                    actual: Some(self.contract.as_shown(output)),
                    others: self.others().map(|s| s.record(self.contract)).collect(),
                    drift,
                    ..self.example(None, None)
                };
                (example, shared)
            }
            (
                Verdict::Late {
                    rule,
                    elapsed_ms,
                    limit_ms,
                },
                Outcome::Output { output, .. },
            ) => {
                tally.timing += 1;
                findings.timing_violations.push(TimingViolation {
                    contract: self.contract.id().into(),
                    implementation: self.impl_id().into(),
                    case: self.case.label.clone(),
                    rule: (*rule).into(),
                    elapsed_ms: *elapsed_ms,
                    limit_ms: *limit_ms,
                });
                let detail = format!("took longer than the {limit_ms} ms the contract allows");
                let example = Example {
                    actual: Some(self.contract.as_shown(output)),
                    ..self.example(Some(detail), None)
                };
                (example, false)
            }
            (_, Outcome::AdapterError { message }) => {
                tally.adapter_error += 1;
                (self.example(Some(message.clone()), None), false)
            }
            (
                _,
                Outcome::Failed {
                    kind,
                    detail,
                    stderr_tail,
                },
            ) => {
                match kind {
                    FailureKind::Crash => tally.crash += 1,
                    FailureKind::Timeout => tally.timeout += 1,
                    FailureKind::Protocol => tally.protocol += 1,
                }
                (
                    self.example(Some(detail.clone()), Some(stderr_tail.clone())),
                    false,
                )
            }
            (_, Outcome::NotRun { reason }) => {
                tally.not_run += 1;
                (self.example(Some(reason.clone()), None), false)
            }
            (Verdict::Agrees | Verdict::NoOutput, Outcome::Output { .. }) => {
                tally.pass += 1;
                self.note_vector(findings, "pass", &[]);
                return;
            }
        };
        let Some(key) = side.judged.key.clone() else {
            return; // every failure has a group key
        };
        self.note_vector(findings, key.kind.as_str(), &side.judged.variant.rules);
        let group = findings.add(self.contract, key, &side.judged.variant, example, self.case);
        group.shared_with_all += u64::from(shared);
    }

    fn example(&self, detail: Option<String>, stderr_tail: Option<String>) -> Example {
        Example {
            detail,
            stderr_tail,
            ..example_of(
                self.case,
                self.contract,
                self.impl_id(),
                self.judging.spelling,
            )
        }
    }

    /// Records a golden vector's result (other cases are only counted).
    fn note_vector(&self, findings: &mut Findings, status: &str, rules: &[String]) {
        if let CaseLabel::Vector(id) = &self.case.label {
            findings.vectors.push(VectorOutcome {
                contract: self.contract.id().into(),
                implementation: self.impl_id().into(),
                id: id.clone(),
                status: status.into(),
                rules: rules.to_vec(),
            });
        }
    }
}

impl Findings {
    /// Adds a failing case to its group, keeping the group's smallest example.
    fn add(
        &mut self,
        contract: &dyn Contract,
        key: GroupKey,
        variant: &Variant,
        example: Example,
        case: &CaseRun,
    ) -> &mut Group {
        let label = &case.label;
        if !self.groups.contains_key(&key) {
            // Say so as soon as a new kind of failure shows up, before any shrinking.
            self.announcements.push(format!(
                "found: {} · {} · {} · {} on {}",
                key.contract,
                key.implementation,
                key.kind.as_str(),
                key.cause.describe(),
                crate::report::view::case_name(label)
            ));
            if let Some(events) = &mut self.events {
                events.push(Event::group_found(&key, variant, label));
            }
        }
        // The smallest generated or guided case is where shrinking starts (vectors and
        // corpus cases have no tree; a guided case's is its tape's).
        let shrinkable = match (label, &case.tape) {
            (CaseLabel::Generated(index), _) => Some(*index),
            (CaseLabel::Guided(number), Some(_)) => Some(*number),
            _ => None,
        };
        if let (Some(index), Some(actual), GroupKind::Divergence) =
            (shrinkable, &example.actual, key.kind)
        {
            let bytes = canonical(&example.input).len();
            let smaller = self
                .shrink_seeds
                .get(&key)
                .is_none_or(|seed| (bytes, index) < (seed.bytes, seed.case));
            if smaller {
                let seed = ShrinkSeed {
                    bytes,
                    case: index,
                    tape: case.tape.clone(),
                    output: actual.clone(),
                };
                self.shrink_seeds.insert(key.clone(), seed);
            }
        }
        let cause = key.cause.clone();
        let group = self
            .groups
            .entry(key)
            .or_insert_with_key(|key| Group::new(key, example.clone()));
        group.count_variant(&cause, variant, 1, &rule_rank(contract));
        if example.size() < group.example.size() {
            group.example = example;
        }
        match label {
            CaseLabel::Generated(case) => keep_lowest(&mut group.first_cases, *case),
            CaseLabel::Vector(id) => keep_lowest(&mut group.vectors, id.clone()),
            CaseLabel::Guided(case) => keep_lowest(&mut group.guided_cases, *case),
            CaseLabel::Corpus(path) => keep_lowest(&mut group.corpus, path.clone()),
        }
        group
    }
}

impl Findings {
    /// The groups, in report order: by key (contract, implementation, kind, cause), but
    /// twin drift first — for users with twins it is the headline.
    pub fn take_groups(&mut self) -> Vec<Group> {
        let mut groups: Vec<Group> = std::mem::take(&mut self.groups).into_values().collect();
        groups.sort_by_key(|g| g.kind != GroupKind::TwinDrift);
        groups
    }
}

/// A case's example with its input, labels and the command that runs it alone against
/// `implementation` (one id, or several comma separated).
fn example_of(
    case: &CaseRun,
    contract: &dyn Contract,
    implementation: &str,
    spelling: &dyn Spelling,
) -> Example {
    let (index, vector, corpus) = match &case.label {
        CaseLabel::Generated(index) => (Some(*index), None, None),
        CaseLabel::Guided(_) => (None, None, None),
        CaseLabel::Vector(id) => (None, Some(id.clone()), None),
        CaseLabel::Corpus(path) => (None, None, Some(path.clone())),
    };
    let repro = spelling.case(implementation, contract.id(), &case.label);
    Example {
        case: index,
        vector,
        corpus,
        ..Example::for_input(Value::clone(&case.input), repro)
    }
}
