//! `verify`: the run itself. It walks each contract through the stages in order — start
//! the adapters ([`crate::run`]), stream generated and fixed cases through them, judge each
//! ([`crate::judge`]) into findings ([`crate::findings`]), re-run late-timer suspects alone,
//! shrink and save what diverged ([`crate::minimize`]) — then builds the report
//! ([`crate::report`]) and has the gate judge it ([`crate::gate`]); [`Report::save`] writes
//! it once the caller has shown its summary.

mod adapters;
mod coverage;
mod guided;
mod producer;
mod records;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use reference::Contract;
use tokio::sync::{mpsc, watch};

use crate::baseline::{Baseline, Entry};
use crate::errors::Error;
use crate::events::{Event, Selected, STREAM_VERSION};
use crate::findings::{CaseRun, ContractFindings, Findings, Judging};
use crate::interrupt::Interrupts;
use crate::judge::GroupKey;
use crate::minimize::{attach_snippets, shrink::Probers, Packages, ShrinkJob};
use crate::plan::{CaseLabel, ImplSpec, Plan};
use crate::progress::Progress;
use crate::report::{
    Group, GuidedRecord, ImplRecord, ImplStatus, Report, Timings, VectorTiming, Verdict,
    SCHEMA_VERSION,
};
use crate::run::{self, Done, Driver, Job, RestartBudget, Session};
use adapters::{incident_record, start_adapter, start_unless_stopped};
use producer::spawn_producer;
use records::{settings_record, vector_timings};

/// Runs the plan and builds its report; [`Report::save`] writes it.
pub fn verify(plan: &Plan) -> Result<Report, Error> {
    run::runtime()?.block_on(verify_async(plan))
}

/// What the run learns besides its findings.
#[derive(Default)]
struct RunState {
    findings: Findings,
    packages: Packages,
    /// Each implementation's restarts, shared by its adapters for the whole run.
    budgets: HashMap<String, Arc<RestartBudget>>,
    /// Implementations whose adapters broke down (used up their restarts, or could not be
    /// restarted), with why; the rest of their cases were not run.
    broken: BTreeMap<String, String>,
    /// Cases each implementation answered (an output or an adapter error).
    answered: HashMap<String, u64>,
    /// Each contract's wall time, and each golden vector's time per implementation.
    contracts_ms: BTreeMap<String, u64>,
    vector_timings: Vec<VectorTiming>,
    /// With `--coverage`: what each adapter process measured, by implementation and contract.
    coverage: BTreeMap<(String, String), Vec<run::protocol::CoverageReply>>,
    /// With `--guided`: what guidance did, per contract.
    guided: Vec<GuidedRecord>,
}

async fn verify_async(plan: &Plan) -> Result<Report, Error> {
    let settings = &plan.settings;
    let total = plan
        .fixed
        .iter()
        .zip(&plan.contracts)
        .map(|(fixed, c)| plan.impls_for(*c).count() as u64 * plan.stream_len(fixed.len() as u64))
        .sum::<u64>();
    let progress = Progress::with_format(total, settings.progress, settings.message_format);
    let mut setups: Vec<&crate::run::setup::SetupSpec> =
        plan.impls.iter().filter_map(|i| i.setup.as_ref()).collect();
    setups.dedup_by_key(|s| s.name.clone());
    for setup in setups {
        setup.ensure(&progress)?;
    }
    let started = Instant::now();
    let started_at = time::OffsetDateTime::now_utc();
    let run_id = Report::run_id(started_at, settings.seed);
    let interrupts = Interrupts::watch(progress.clone());
    let stop = interrupts.stop();
    progress.emit(|| Event::RunStarted {
        stream_version: STREAM_VERSION,
        run_id: run_id.clone(),
        harness_version: env!("CARGO_PKG_VERSION").into(),
        seed: settings.seed,
        settings: settings_record(plan),
        implementations: plan
            .impls
            .iter()
            .map(|i| Selected {
                id: i.id.clone(),
                language: i.language.clone(),
            })
            .collect(),
        contracts: plan.contracts.iter().map(|c| c.id().to_owned()).collect(),
        planned_cases: total,
    });

    let mut state = RunState::default();
    state.findings.events = progress.streams().then(Vec::new);
    let mut records: BTreeMap<String, ImplRecord> = plan
        .impls
        .iter()
        .map(|i| {
            let record = ImplRecord {
                id: i.id.clone(),
                language: i.language.clone(),
                description: i.description.clone(),
                status: ImplStatus::Available,
                required: plan.requires(&i.id),
                answered: 0,
                reason: None,
                fix: None,
                adapter: None,
                packages: BTreeMap::new(),
            };
            (i.id.clone(), record)
        })
        .collect();

    for (position, contract) in plan.contracts.iter().enumerate() {
        if *stop.borrow() {
            break;
        }
        let mut active = Vec::new();
        for spec in plan.impls_for(*contract) {
            let record = records
                .get_mut(&spec.id)
                .expect("every selected impl has a record");
            let started = start_adapter(spec, *contract, record, &mut state, (plan, stop)).await;
            if let Some(session) = started {
                active.push((spec, session));
            }
        }
        if active.is_empty() {
            continue;
        }
        let fixed = plan.fixed.get(position).cloned().unwrap_or_default();
        run_contract(*contract, active, fixed, plan, &mut state, &progress, stop).await;
    }
    progress.finish();
    let interrupted = *stop.borrow();
    for (id, reason) in &state.broken {
        if let Some(record) = records.get_mut(id) {
            record.status = ImplStatus::Broken;
            record.reason = Some(format!("{reason}; the rest of its cases were not run"));
        }
    }
    for (id, answered) in &state.answered {
        if let Some(record) = records.get_mut(id) {
            record.answered = *answered;
        }
    }

    let findings = &mut state.findings;
    let groups = findings.take_groups();
    // Results arrive in completion order; the report lists them in a stable one.
    findings.vectors.sort_by(|a, b| {
        (&a.contract, &a.implementation, &a.id).cmp(&(&b.contract, &b.implementation, &b.id))
    });
    state.vector_timings.sort_by(|a, b| {
        (&a.contract, &a.implementation, &a.id).cmp(&(&b.contract, &b.implementation, &b.id))
    });
    let written = match &settings.write_baseline {
        Some(path) if !interrupted => Some(adopt(path, &groups, &run_id, &progress)?),
        _ => None,
    };
    let impl_ids: Vec<&str> = plan.impls.iter().map(|i| i.id.as_str()).collect();
    // The rerun names the contracts when the run was limited to some, or covers just one.
    let contract_ids: Vec<&str> = match plan.contracts.as_slice() {
        many if settings.contracts.is_empty() && many.len() > 1 => Vec::new(),
        some => some.iter().map(|c| c.id()).collect(),
    };
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        run_id,
        harness_version: env!("CARGO_PKG_VERSION").into(),
        repro: settings.spelling.run(&impl_ids, &contract_ids),
        seed: settings.seed,
        settings: settings_record(plan),
        implementations: records.into_values().collect(),
        contracts: std::mem::take(&mut findings.contracts),
        groups,
        incidents: std::mem::take(&mut findings.incidents),
        vectors: std::mem::take(&mut findings.vectors),
        // The gate decides these below.
        baseline: None,
        interrupted,
        interrupted_by: interrupts.signal().filter(|_| interrupted),
        merged_from: Vec::new(),
        coverage: coverage::records(std::mem::take(&mut state.coverage), &settings.project.root),
        guided: std::mem::take(&mut state.guided),
        verdict: Verdict::Agreement,
        exit_code: 0,
        timings: Timings {
            started_at: started_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            wall_ms: started.elapsed().as_millis() as u64,
            implementations: std::mem::take(&mut findings.timings),
            timing_violations: std::mem::take(&mut findings.timing_violations),
            contracts_ms: std::mem::take(&mut state.contracts_ms),
            vectors: std::mem::take(&mut state.vector_timings),
        },
    };
    crate::gate::judge(
        &mut report,
        written.as_ref().or(plan.baseline.as_ref()),
        plan.known_flaky.as_ref(),
        !plan.partial && !interrupted,
    );
    Ok(report)
}

/// Writes `groups` as a new baseline (`--write-baseline`) and returns it, to apply at once.
fn adopt(
    path: &Path,
    groups: &[Group],
    run_id: &str,
    progress: &Progress,
) -> Result<Baseline, Error> {
    let reason = format!("adopted from run {run_id}: replace with why this is accepted");
    let entries: Vec<Entry> = groups
        .iter()
        .map(|g| {
            let also: Vec<_> = g.causes().cloned().collect();
            Entry::of(&g.key(), &also, &reason)
        })
        .collect();
    Baseline::write_new(path, entries.clone())?;
    progress.say(&format!(
        "wrote {} known group(s) to {}: give each a reason, then commit it",
        entries.len(),
        path.display()
    ));
    Ok(Baseline {
        path: path.to_owned(),
        entries,
    })
}

/// Results the run takes off its channel at once.
const DONE_AT_ONCE: usize = 256;

/// Runs one contract's fixed and generated cases through its active adapters, then
/// re-runs the suspects, shrinks the divergences and asks for snippets.
async fn run_contract(
    contract: &'static dyn Contract,
    active: Vec<(&ImplSpec, Session)>,
    fixed: Vec<(CaseLabel, serde_json::Value)>,
    plan: &Plan,
    state: &mut RunState,
    progress: &Progress,
    stop: &watch::Receiver<bool>,
) {
    let settings = &plan.settings;
    let started = Instant::now();
    let pending: Arc<Mutex<HashMap<u64, CaseRun>>> = Arc::new(Mutex::new(HashMap::new()));
    let (done_tx, mut done_rx) = mpsc::channel::<Done>(1024);
    // Per implementation, one job channel per adapter process (`--jobs`); the producer
    // deals cases to them in turn.
    let mut job_senders: Vec<Vec<mpsc::Sender<Job>>> = Vec::new();
    let mut drivers: Vec<(usize, tokio::task::JoinHandle<run::RunSummary>)> = Vec::new();
    let impl_ids: Vec<String> = active.iter().map(|(spec, _)| spec.id.clone()).collect();
    let unguided: Vec<String> = active
        .iter()
        .filter(|(_, session)| !session.guided)
        .map(|(spec, _)| spec.id.clone())
        .collect();
    let specs: Vec<&ImplSpec> = active.iter().map(|(spec, _)| *spec).collect();
    for (slot, (spec, first)) in active.into_iter().enumerate() {
        let budget = state
            .budgets
            .entry(spec.id.clone())
            .or_insert_with(|| RestartBudget::new(settings.runner.max_restarts))
            .clone();
        let mut sessions = vec![first];
        for _ in 1..settings.jobs {
            match start_unless_stopped(spec, contract, plan, stop).await {
                None => break,
                Some(Ok((session, _))) => sessions.push(session),
                Some(Err(e)) => progress.say(&format!(
                    "{}: could not start another adapter ({e}); going on with {}",
                    spec.id,
                    sessions.len()
                )),
            }
        }
        let mut senders = Vec::new();
        for session in sessions {
            let (job_tx, job_rx) = mpsc::channel::<Job>(256);
            senders.push(job_tx);
            let driver = Driver::new(
                spec.command.clone(),
                contract.id(),
                settings.runner,
                session,
                (slot, done_tx.clone()),
            )
            .stopping_on(stop.clone())
            .sharing_restarts(budget.clone());
            drivers.push((slot, tokio::spawn(driver.run(job_rx))));
        }
        job_senders.push(senders);
    }
    drop(done_tx);
    let fixed_labels: Vec<CaseLabel> = fixed.iter().map(|(label, _)| label.clone()).collect();
    let label_of = |index: u64| match usize::try_from(index)
        .ok()
        .and_then(|i| fixed_labels.get(i))
    {
        Some(label) => label.clone(),
        None if settings.runner.guided => CaseLabel::Guided(index - fixed_labels.len() as u64),
        None => CaseLabel::Generated(
            settings
                .only_case
                .unwrap_or(index - fixed_labels.len() as u64),
        ),
    };
    let (mut feedback, reached) = settings
        .runner
        .guided
        .then(|| guided::Feedback::new(specs.len()))
        .unzip();
    let producer = spawn_producer(
        contract,
        fixed,
        plan,
        pending.clone(),
        job_senders,
        stop,
        reached,
    );

    let judging = Judging {
        timing_slack_ms: settings.timing_slack_ms,
        spelling: settings.spelling.as_ref(),
    };
    let mut found = ContractFindings::new(contract, impl_ids, judging);
    // Time-dependent divergences wait until the stream is done, then must repeat alone.
    let mut held: Vec<(CaseRun, Vec<usize>)> = Vec::new();
    let race_band_ms = settings.generation.race_band_ms as f64;
    // Results are taken as they come, many at a time: one wake-up and one lock for all.
    let mut arrived = Vec::new();
    let mut spent = Vec::new();
    while done_rx.recv_many(&mut arrived, DONE_AT_ONCE).await > 0 {
        let finished: Vec<CaseRun> = {
            let Ok(mut map) = pending.lock() else { break };
            arrived
                .drain(..)
                .filter_map(|mut done| {
                    progress.inc();
                    let case = map.get_mut(&done.index)?;
                    if let Some(feedback) = &mut feedback {
                        feedback.arrived(&mut done);
                    }
                    case.outcomes[done.slot] = Some(done.outcome);
                    if case.is_complete() {
                        if let Some(feedback) = &mut feedback {
                            feedback.completed(done.index);
                        }
                        map.remove(&done.index)
                    } else {
                        None
                    }
                })
                .collect()
        };
        for case in finished {
            state
                .vector_timings
                .extend(vector_timings(contract, &case, &specs));
            let suspect: Vec<usize> = (0..case.outcomes.len())
                .filter(|&slot| {
                    settings.confirm_runs > 0
                        && case.outcomes[slot].as_ref().is_some_and(|o| {
                            found.time_dependent(&case, slot, o, race_band_ms).is_some()
                        })
                })
                .collect();
            if !suspect.is_empty() {
                held.push((case, suspect));
                continue;
            }
            found.record(&case, &mut state.findings);
            say_findings(&mut state.findings, progress);
            spent.push(case);
        }
        if !spent.is_empty() {
            // Once the producer is done, they are freed here (the send fails and drops them).
            let _ = producer.spent.send(std::mem::take(&mut spent));
        }
    }
    let interrupted = *stop.borrow();
    if interrupted {
        held.clear(); // a partial report judges what finished; nothing more is run
    }
    if !held.is_empty() {
        confirm(
            &mut found,
            held,
            &specs,
            contract,
            settings,
            race_band_ms,
            state,
            stop,
        )
        .await;
        say_findings(&mut state.findings, progress);
    }
    if let Ok(Some(mut record)) = producer.handle.await {
        record.unguided = unguided;
        progress.say(&format!("guided {}", record.describe()));
        state.guided.push(record);
    }
    for (slot, driver) in drivers {
        let Ok(mut summary) = driver.await else {
            continue;
        };
        found.note_restarts(slot, summary.restarts);
        let implementation = &specs[slot].id;
        if settings.runner.coverage {
            let key = (implementation.clone(), contract.id().to_owned());
            let measured = state.coverage.entry(key).or_default();
            measured.extend(summary.coverage.take());
        }
        *state.answered.entry(implementation.clone()).or_default() += summary.answered;
        let broke = match (&summary.fatal, summary.broken) {
            (Some(fatal), _) => Some(format!("its adapter could not be restarted: {fatal}")),
            (None, Some(_)) => Some(format!(
                "its adapters needed more than {} restarts (--max-restarts)",
                settings.runner.max_restarts
            )),
            (None, None) => None,
        };
        if let Some(reason) = broke {
            state.broken.entry(implementation.clone()).or_insert(reason);
        }
        let records = summary
            .incidents
            .into_iter()
            .map(|incident| incident_record(contract.id(), implementation, incident, &label_of));
        state.findings.incidents.extend(records);
    }
    found.finish(&mut state.findings);
    if let (Some(bounds), false) = (settings.shrink, interrupted) {
        // A group the baseline already lists is not shrunk again on every gate run.
        let known = |key: &GroupKey| plan.baseline.as_ref().is_some_and(|b| b.lists(key));
        let job = ShrinkJob {
            contract,
            specs: &specs,
            settings,
            bounds,
            known: &known,
            progress,
            stop,
        };
        job.run(&mut state.findings, &state.packages).await;
        progress.cases();
    }
    state.findings.merge_dependent(contract);
    if !*stop.borrow() {
        attach_snippets(contract, &specs, settings, &mut state.findings).await;
    }
    let wall_ms = started.elapsed().as_millis() as u64;
    state.contracts_ms.insert(contract.id().into(), wall_ms);
}

/// Shows the groups found since the last call, and streams the cases judged and the groups
/// found.
fn say_findings(findings: &mut Findings, progress: &Progress) {
    for line in findings.announcements.drain(..) {
        progress.say(&line);
    }
    for event in findings
        .events
        .iter_mut()
        .flat_map(|events| events.drain(..))
    {
        progress.emit(|| event);
    }
}

/// Re-runs each held case's time-dependent sides alone, `--confirm-runs` times, before
/// recording it: a divergence that repeats every time counts (and confirms its group, whose
/// later cases then count as they are); one that does not is flaky and judged by its re-run.
#[allow(clippy::too_many_arguments)]
async fn confirm(
    found: &mut ContractFindings<'_>,
    mut held: Vec<(CaseRun, Vec<usize>)>,
    specs: &[&ImplSpec],
    contract: &'static dyn Contract,
    settings: &crate::plan::VerifySettings,
    race_band_ms: f64,
    state: &mut RunState,
    stop: &watch::Receiver<bool>,
) {
    // Completion order is the machine's; the stream's order is the seed's.
    held.sort_by(|a, b| a.0.label.cmp(&b.0.label));
    let mut confirmed: HashSet<GroupKey> = HashSet::new();
    let mut probers = Probers::new(specs, contract, settings.runner.without_coverage());
    let limit_for =
        |case: &CaseRun| Job::time_limit_for(&case.expectation, settings.timing_slack_ms);
    for (mut case, suspect) in held {
        for slot in suspect {
            let Some(outcome) = case.outcomes[slot].clone() else {
                continue;
            };
            let Some(key) = found.time_dependent(&case, slot, &outcome, race_band_ms) else {
                continue;
            };
            if confirmed.contains(&key) || *stop.borrow() {
                continue;
            }
            found.note_rerun_alone(slot);
            let Ok(prober) = probers.get(slot).await else {
                continue;
            };
            let mut differing = None;
            for _ in 0..settings.confirm_runs {
                let rerun = prober.run(&case.input, limit_for(&case)).await;
                if found.judge(&case, slot, &rerun).key.as_ref() != Some(&key) {
                    differing = Some(rerun);
                    break;
                }
            }
            match differing {
                None => {
                    confirmed.insert(key);
                }
                Some(rerun) => {
                    found.note_flaky(slot);
                    case.outcomes[slot] = Some(rerun);
                }
            }
        }
        found.record(&case, &mut state.findings);
    }
    if *stop.borrow() {
        probers.abort();
    } else {
        probers.close().await;
    }
}
