//! `verify`: generate cases, run them through every selected implementation at once, judge
//! each output against the reference, group the failures, and report.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use proptest::strategy::ValueTree;
use reference::{generate_case, CaseGenerator, Contract, Expectation, GenSettings, Profile};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::baseline::{Baseline, Entry};
use crate::compare::{canonical, diff_text, judge, Verdict as Judgement};
use crate::corpus::CorpusCase;
use crate::errors::{Error, EXIT_AGREEMENT, EXIT_FINDINGS, EXIT_INFRASTRUCTURE, EXIT_INTERRUPTED};
use crate::impls::ImplSpec;
use crate::report::{
    create_run_dir, ContractRecord, Example, Group, GroupKind, ImplRecord, ImplStatus, ImplTimings,
    IncidentRecord, PairAgreement, Percentiles, Report, SettingsRecord, Shard, ShrinkRecord,
    SideRecord, Tally, TimingViolation, Timings, VectorOutcome, Verdict, SCHEMA_VERSION,
};
use crate::runner::{self, Done, Driver, FailureKind, Job, Outcome, RunnerSettings};
use crate::shrink::{Key, Probers, ShrinkBounds, Shrinker};

/// Everything `verify` needs, resolved from the command line.
#[derive(Clone)]
pub struct VerifySettings {
    pub impls: Vec<ImplSpec>,
    pub contracts: Vec<&'static dyn Contract>,
    pub cases: u64,
    pub seed: u64,
    /// The time zone (`TZ`) the adapters run under.
    pub time_zone: String,
    /// Run only this case of the seed's stream.
    pub only_case: Option<u64>,
    /// Cases run before generated ones, per contract: golden vectors, then the corpus.
    pub fixed: Vec<Vec<(CaseLabel, Value)>>,
    /// Where minimal divergences are saved and replayed from (`None`: do not save).
    pub corpus_dir: Option<PathBuf>,
    /// The repository root, for paths shown in repro commands.
    pub root: PathBuf,
    /// Run no generated cases.
    pub vectors_only: bool,
    /// Shrink divergences within these bounds (`None`: report them as found).
    pub shrink: Option<ShrinkBounds>,
    pub generation: GenSettings,
    pub timing_slack_ms: u64,
    pub runner: RunnerSettings,
    pub reports_dir: PathBuf,
    /// How progress is shown on stderr.
    pub progress: ProgressMode,
    /// Colour in the terminal summary (stdout is a terminal and NO_COLOR is unset).
    pub colour: bool,
    /// Adapters run at once per implementation (`--jobs`).
    pub jobs: usize,
    /// Only this part of the case stream (`--shard K/N`).
    pub shard: Option<Shard>,
    /// Known divergences (`--baseline`) and known-flaky ones (`--known-flaky`).
    pub baseline: Option<Baseline>,
    pub known_flaky: Option<Baseline>,
    /// Write this run's groups as a new baseline file (`--write-baseline`).
    pub write_baseline: Option<PathBuf>,
    /// The run covers only part of the stream (a shard, one case, one vector), so a
    /// baseline entry that does not show up may simply not have been run.
    pub partial: bool,
    /// The command line that reproduces this run, and the flags that shape its cases.
    pub repro: Repro,
}

/// How to spell a reproducing command.
#[derive(Debug, Clone)]
pub struct Repro {
    /// e.g. `cargo run --release --`
    pub program: String,
    /// Flags besides --impl/--contract/--cases/--seed/--case that change the cases.
    pub case_flags: Vec<String>,
    /// Flags of the whole run only (shard, baseline).
    pub run_flags: Vec<String>,
}

impl Repro {
    fn case(&self, impl_id: &str, contract: &str, seed: u64, label: &CaseLabel) -> String {
        let which = match label {
            CaseLabel::Vector(id) => format!("--vector {id}"),
            CaseLabel::Generated(case) => format!("--seed {seed} --case {case}"),
            CaseLabel::Corpus(path) => return self.corpus(path, impl_id),
        };
        let mut parts = vec![
            self.program.clone(),
            "verify".into(),
            format!("--impl {impl_id}"),
            format!("--contract {contract}"),
            which,
        ];
        parts.extend(self.case_flags.iter().cloned());
        parts.join(" ")
    }

    /// The one command that replays a corpus case against an implementation.
    pub fn corpus(&self, path: &str, impl_id: &str) -> String {
        format!("{} repro {path} --impl {impl_id}", self.program)
    }

    fn run(&self, settings: &VerifySettings) -> String {
        let impls: Vec<&str> = settings.impls.iter().map(|i| i.id.as_str()).collect();
        let mut parts = vec![
            self.program.clone(),
            "verify".into(),
            format!("--impl {}", impls.join(",")),
        ];
        if let [contract] = settings.contracts.as_slice() {
            parts.push(format!("--contract {}", contract.id()));
        }
        match (settings.only_case, settings.vectors_only) {
            (Some(case), _) => parts.push(format!("--case {case}")),
            (None, true) => parts.push("--vectors-only".into()),
            (None, false) => parts.push(format!("--cases {}", settings.cases)),
        }
        parts.push(format!("--seed {}", settings.seed));
        parts.extend(self.case_flags.iter().cloned());
        parts.extend(self.run_flags.iter().cloned());
        parts.join(" ")
    }
}

/// Which case of the run this is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CaseLabel {
    /// A golden vector, by id.
    Vector(String),
    /// A saved minimal case, by its corpus file (relative to the repository root).
    Corpus(String),
    /// Case N of the seed's generated stream.
    Generated(u64),
}

/// One case, shared by every implementation's runner.
struct CaseData {
    label: CaseLabel,
    input: Value,
    expectation: Expectation,
    /// Slots not yet answered; the case is judged when the last one arrives.
    outcomes: Vec<Option<Outcome>>,
}

/// The result of a finished run.
pub struct RunResult {
    pub report: Report,
    pub report_dir: PathBuf,
}

impl RunResult {
    pub fn exit_code(&self) -> u8 {
        self.report.exit_code
    }
}

pub fn verify(settings: &VerifySettings) -> Result<RunResult, Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Infrastructure {
            message: format!("cannot start the async runtime: {e}"),
            hint: None,
        })?;
    runtime.block_on(verify_async(settings))
}

async fn verify_async(settings: &VerifySettings) -> Result<RunResult, Error> {
    let mut setups: Vec<&crate::setup::SetupSpec> = settings
        .impls
        .iter()
        .filter_map(|i| i.setup.as_ref())
        .collect();
    setups.dedup_by_key(|s| s.name.clone());
    for setup in setups {
        setup.ensure()?;
    }
    let started = Instant::now();
    let started_at = time::OffsetDateTime::now_utc();
    let run_id = format!(
        "{}-s{}",
        started_at
            .format(time::macros::format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .unwrap_or_default(),
        settings.seed
    );
    let (report_dir, run_id) = create_run_dir(&settings.reports_dir, &run_id)?;
    let stop = watch_for_interrupt();

    let mut state = RunState::default();
    let mut records: BTreeMap<String, ImplRecord> = settings
        .impls
        .iter()
        .map(|i| {
            let record = ImplRecord {
                id: i.id.clone(),
                language: i.language.clone(),
                description: i.description.clone(),
                status: ImplStatus::Available,
                reason: None,
                fix: None,
                adapter: None,
                packages: BTreeMap::new(),
            };
            (i.id.clone(), record)
        })
        .collect();
    let total = settings
        .fixed
        .iter()
        .zip(&settings.contracts)
        .map(|(fixed, c)| {
            let impls = settings
                .impls
                .iter()
                .filter(|i| i.contracts.iter().any(|id| id == c.id()))
                .count() as u64;
            impls * settings.stream_len(fixed.len() as u64)
        })
        .sum::<u64>();
    let progress = Progress::new(total, settings.progress);

    for contract in &settings.contracts {
        if *stop.borrow() {
            break;
        }
        let claimed: Vec<&ImplSpec> = settings
            .impls
            .iter()
            .filter(|i| i.contracts.iter().any(|id| id == contract.id()))
            .collect();
        let mut active = Vec::new();
        for spec in claimed {
            let record = records
                .get_mut(&spec.id)
                .expect("every selected impl has a record");
            match runner::start(&spec.command, settings.runner.handshake_timeout).await {
                Err(e) => {
                    record.status = ImplStatus::FailedToStart;
                    record.reason = Some(format!("{e} (argv: {})", spec.command.display()));
                }
                Ok((mut session, hello)) => {
                    record.adapter = Some(hello.adapter.clone());
                    if hello.contracts.iter().any(|c| c == contract.id()) {
                        if let Some(package) = hello.implementations.get(contract.id()) {
                            state.packages.insert(
                                (spec.id.clone(), contract.id().to_owned()),
                                package.clone(),
                            );
                            record
                                .packages
                                .insert(contract.id().to_owned(), package.clone());
                        }
                        active.push((spec, session));
                    } else {
                        record.status = ImplStatus::Unavailable;
                        let reason = hello
                            .unavailable
                            .get(contract.id())
                            .cloned()
                            .unwrap_or_else(|| {
                                format!("the adapter does not offer contract `{}`", contract.id())
                            });
                        // An implementation may lack several contracts: say each, and each fix.
                        let reason = format!("{}: {reason}", contract.id());
                        record.reason = Some(match record.reason.take() {
                            Some(earlier) => format!("{earlier}; {reason}"),
                            None => reason,
                        });
                        if let Some(fix) = spec.fix.for_contract(contract.id()) {
                            record.fix = Some(match record.fix.take() {
                                Some(earlier) if earlier.lines().any(|l| l == fix) => earlier,
                                Some(earlier) => format!("{earlier}\n{fix}"),
                                None => fix,
                            });
                        }
                        session.close().await;
                    }
                }
            }
        }
        if active.is_empty() {
            continue;
        }
        run_contract(*contract, active, settings, &mut state, &progress, &stop).await;
    }
    progress.finish();
    let interrupted = *stop.borrow();

    let mut groups: Vec<Group> = std::mem::take(&mut state.groups).into_values().collect();
    groups.sort_by(|a, b| {
        (&a.contract, &a.implementation, a.kind, &a.rules, &a.paths).cmp(&(
            &b.contract,
            &b.implementation,
            b.kind,
            &b.rules,
            &b.paths,
        ))
    });
    // Results arrive in completion order; the report lists them in a stable one.
    state.vectors.sort_by(|a, b| {
        (&a.contract, &a.implementation, &a.id).cmp(&(&b.contract, &b.implementation, &b.id))
    });
    let written = match &settings.write_baseline {
        Some(path) if !interrupted => Some(adopt(path, &groups, &run_id)?),
        _ => None,
    };
    let baseline = written.as_ref().or(settings.baseline.as_ref());
    let baseline_outcome = (baseline.is_some() || settings.known_flaky.is_some()).then(|| {
        crate::baseline::apply(
            &mut groups,
            baseline,
            settings.known_flaky.as_ref(),
            !settings.partial && !interrupted,
        )
    });
    let infrastructure = records.values().any(|r| r.status != ImplStatus::Available) || state.fatal;
    let findings = groups.iter().any(Group::is_new)
        || !state.incidents.is_empty()
        || baseline_outcome.as_ref().is_some_and(|b| b.fails());
    let (verdict, exit_code) = match (interrupted, infrastructure, findings) {
        (true, _, _) => (Verdict::Interrupted, EXIT_INTERRUPTED),
        (false, true, _) => (Verdict::Infrastructure, EXIT_INFRASTRUCTURE),
        (false, false, true) => (Verdict::Findings, EXIT_FINDINGS),
        (false, false, false) => (Verdict::Agreement, EXIT_AGREEMENT),
    };
    let report = Report {
        schema_version: SCHEMA_VERSION,
        run_id,
        harness_version: env!("CARGO_PKG_VERSION").into(),
        repro: settings.repro.run(settings),
        seed: settings.seed,
        settings: SettingsRecord {
            cases: settings.generated_count(),
            only_case: settings.only_case,
            fixed_cases: settings.fixed.iter().map(|v| v.len() as u64).sum(),
            profile: match settings.generation.profile {
                Profile::Normal => "normal".into(),
                Profile::Hostile => "hostile".into(),
            },
            time_zone: settings.time_zone.clone(),
            race_band_ms: settings.generation.race_band_ms,
            timing_slack_ms: settings.timing_slack_ms,
            max_case_ms: settings.generation.max_case_ms,
            window: settings.runner.window,
            jobs: settings.jobs,
            shard: settings.shard,
        },
        implementations: records.into_values().collect(),
        contracts: state.contracts,
        groups,
        incidents: state.incidents,
        vectors: state.vectors,
        baseline: baseline_outcome,
        interrupted,
        verdict,
        exit_code,
        timings: Timings {
            started_at: started_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            wall_ms: started.elapsed().as_millis() as u64,
            implementations: state.timings,
            timing_violations: state.timing_violations,
        },
    };
    report.write(&report_dir)?;
    crate::report::point_latest(&settings.reports_dir, &report.run_id)?;
    Ok(RunResult { report, report_dir })
}

/// Writes `groups` as a new baseline (`--write-baseline`) and returns it, to apply at once.
fn adopt(path: &Path, groups: &[Group], run_id: &str) -> Result<Baseline, Error> {
    let reason = format!("adopted from run {run_id}: replace with why this is accepted");
    let entries: Vec<Entry> = groups.iter().map(|g| Entry::of(g, &reason)).collect();
    Baseline::write_new(path, entries.clone())?;
    eprintln!(
        "wrote {} known group(s) to {}: give each a reason, then commit it",
        entries.len(),
        path.display()
    );
    Ok(Baseline {
        path: path.to_owned(),
        entries,
    })
}

/// Becomes true on the first Ctrl-C: the run stops taking cases, shuts its adapters down
/// and writes a partial report. A second Ctrl-C exits at once.
fn watch_for_interrupt() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return; // no signal handling here: Ctrl-C keeps its default effect
        }
        eprintln!("\ninterrupted: stopping the adapters and writing a partial report (Ctrl-C again to quit at once)");
        let _ = tx.send(true);
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
    });
    rx
}

/// How progress is shown on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A live bar with cases/s and ETA (stderr is a terminal).
    Bar,
    /// A plain line at every tenth of the run (logs, CI).
    Lines,
    /// Nothing (`--quiet`).
    Hidden,
}

/// The run's progress: a bar on a terminal, plain lines elsewhere.
struct Progress {
    bar: ProgressBar,
    mode: ProgressMode,
    total: u64,
    done: std::sync::atomic::AtomicU64,
    started: Instant,
}

impl Progress {
    fn new(total: u64, mode: ProgressMode) -> Progress {
        let bar = if mode == ProgressMode::Bar {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} cases · {per_sec} · eta {eta}",
            ) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress {
            bar,
            mode,
            total,
            done: 0.into(),
            started: Instant::now(),
        }
    }

    fn inc(&self) {
        self.bar.inc(1);
        let done = self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let tenth = (self.total / 10).max(1);
        if self.mode == ProgressMode::Lines && done % tenth == 0 && done < self.total {
            let elapsed = self.started.elapsed().as_secs_f64().max(1e-3);
            let rate = done as f64 / elapsed;
            let eta = (self.total - done) as f64 / rate.max(1e-9);
            eprintln!(
                "progress: {done}/{} cases ({}%) · {rate:.0} cases/s · eta {eta:.0} s",
                self.total,
                done * 100 / self.total.max(1)
            );
        }
    }

    /// Prints `line` without tearing the bar.
    fn say(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[derive(Default)]
struct RunState {
    /// Per divergence group: the smallest generated case (bytes, index, output).
    shrink_seeds: HashMap<String, (usize, u64, Value)>,
    /// New failure groups not yet shown on the terminal.
    announcements: Vec<String>,
    /// The package each implementation runs for each contract, from its adapter's hello.
    packages: HashMap<(String, String), crate::protocol::Package>,
    contracts: Vec<ContractRecord>,
    groups: BTreeMap<String, Group>,
    incidents: Vec<IncidentRecord>,
    timings: BTreeMap<String, ImplTimings>,
    timing_violations: Vec<TimingViolation>,
    vectors: Vec<VectorOutcome>,
    fatal: bool,
}

/// Per-implementation measurements gathered while a contract runs.
#[derive(Default)]
struct Samples {
    elapsed_ms: Vec<f64>,
    timer_lag_ms: Vec<f64>,
}

async fn run_contract(
    contract: &'static dyn Contract,
    active: Vec<(&ImplSpec, runner::Session)>,
    settings: &VerifySettings,
    state: &mut RunState,
    progress: &Progress,
    stop: &tokio::sync::watch::Receiver<bool>,
) {
    let pending: Arc<Mutex<HashMap<u64, CaseData>>> = Arc::new(Mutex::new(HashMap::new()));
    let (done_tx, mut done_rx) = mpsc::channel::<Done>(1024);
    // Per implementation, one job channel per adapter process (`--jobs`); the producer
    // deals cases to them in turn.
    let mut job_senders: Vec<Vec<mpsc::Sender<Job>>> = Vec::new();
    let mut drivers: Vec<(usize, tokio::task::JoinHandle<runner::RunSummary>)> = Vec::new();
    let impl_ids: Vec<String> = active.iter().map(|(spec, _)| spec.id.clone()).collect();
    let specs: Vec<&ImplSpec> = active.iter().map(|(spec, _)| *spec).collect();
    for (slot, (spec, first)) in active.into_iter().enumerate() {
        let mut sessions = vec![first];
        for _ in 1..settings.jobs {
            match runner::start(&spec.command, settings.runner.handshake_timeout).await {
                Ok((session, _)) => sessions.push(session),
                Err(e) => progress.say(&format!(
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
            .stopping_on(stop.clone());
            drivers.push((slot, tokio::spawn(driver.run(job_rx))));
        }
        job_senders.push(senders);
    }
    drop(done_tx);

    let producer = {
        let pending = pending.clone();
        let generation = settings.generation.clone();
        let (seed, slack) = (settings.seed, settings.timing_slack_ms);
        let indices: Box<dyn Iterator<Item = u64> + Send> =
            match (settings.only_case, settings.vectors_only) {
                (Some(case), _) => Box::new(std::iter::once(case)),
                (None, true) => Box::new(std::iter::empty()),
                (None, false) => Box::new(0..settings.cases),
            };
        let position = settings
            .contracts
            .iter()
            .position(|c| c.id() == contract.id())
            .unwrap_or(0);
        let fixed_cases = settings.fixed.get(position).cloned().unwrap_or_default();
        let slots = impl_ids.len();
        let shard = settings.shard;
        let stop = stop.clone();
        // Generation is CPU work: it runs on a blocking thread, feeding the runners.
        tokio::task::spawn_blocking(move || {
            let generator = CaseGenerator::new(contract, &generation);
            let fixed = fixed_cases
                .into_iter()
                .map(|(label, input)| (label, Some(input)));
            let generated = indices.map(|index| (CaseLabel::Generated(index), None));
            let stream = (0u64..)
                .zip(fixed.chain(generated))
                .filter(|(position, _)| shard.is_none_or(|s| s.owns(*position)));
            for (index, (label, given)) in stream {
                if *stop.borrow() {
                    break;
                }
                let input = match (&label, given) {
                    (_, Some(input)) => input,
                    (CaseLabel::Generated(case), None) => generator.tree(seed, *case).current(),
                    (_, None) => continue,
                };
                let expectation = contract.expect(&input, &generation);
                let time_limit = Job::time_limit_for(&expectation, slack);
                let shared_input = Arc::new(input.clone());
                if let Ok(mut map) = pending.lock() {
                    map.insert(
                        index,
                        CaseData {
                            label,
                            input,
                            expectation,
                            outcomes: vec![None; slots],
                        },
                    );
                }
                for senders in &job_senders {
                    let tx = &senders[index as usize % senders.len()];
                    // A closed channel means that driver gave up; its cases are reported by it.
                    let _ = tx.blocking_send(Job {
                        index,
                        input: shared_input.clone(),
                        time_limit,
                    });
                }
            }
        })
    };

    let mut tallies: Vec<Tally> = impl_ids
        .iter()
        .map(|id| Tally {
            implementation: id.clone(),
            ..Tally::default()
        })
        .collect();
    let mut samples: Vec<Samples> = impl_ids.iter().map(|_| Samples::default()).collect();
    let mut agreement: Vec<PairAgreement> = Vec::new();
    let mut held: Vec<(CaseData, Vec<usize>)> = Vec::new();
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
    while let Some(done) = done_rx.recv().await {
        progress.inc();
        let finished = {
            let Ok(mut map) = pending.lock() else { break };
            let complete = map.get_mut(&done.index).map(|case| {
                case.outcomes[done.slot] = Some(done.outcome);
                case.outcomes.iter().all(Option::is_some)
            });
            if complete == Some(true) {
                map.remove(&done.index)
            } else {
                None
            }
        };
        let Some(case) = finished else { continue };
        // A divergence seen while the adapter's timers fired later than the race band may be
        // the machine's load, not the implementation: it is re-run alone before it counts.
        let late = |o: &Option<Outcome>| matches!(o, Some(Outcome::Output { timer_lag_ms: Some(lag), .. }) if *lag > settings.generation.race_band_ms as f64);
        let suspect: Vec<usize> = (0..case.outcomes.len())
            .filter(|&slot| {
                late(&case.outcomes[slot])
                    && case.outcomes[slot].as_ref().is_some_and(|o| {
                        matches!(
                            Side::new(contract, "", o, &case.expectation).judgement,
                            Some(Judgement::Diverges(_))
                        )
                    })
            })
            .collect();
        if !suspect.is_empty() {
            held.push((case, suspect));
            continue;
        }
        record_case(
            contract,
            settings,
            &impl_ids,
            &case,
            &mut agreement,
            &mut tallies,
            &mut samples,
            state,
        );
        for line in state.announcements.drain(..) {
            progress.say(&line);
        }
    }
    let interrupted = *stop.borrow();
    if interrupted {
        held.clear(); // a partial report judges what finished; nothing more is run
    }
    if !held.is_empty() {
        let mut probers = Probers::new(&specs, contract, settings.runner);
        for (mut case, suspect) in held {
            for slot in suspect {
                tallies[slot].rerun_alone += 1;
                if let Ok(prober) = probers.get(slot).await {
                    case.outcomes[slot] = Some(
                        prober
                            .run(
                                &case.input,
                                Job::time_limit_for(&case.expectation, settings.timing_slack_ms),
                            )
                            .await,
                    );
                }
            }
            record_case(
                contract,
                settings,
                &impl_ids,
                &case,
                &mut agreement,
                &mut tallies,
                &mut samples,
                state,
            );
        }
        probers.close().await;
        for line in state.announcements.drain(..) {
            eprintln!("{line}");
        }
    }
    let _ = producer.await;
    for (slot, driver) in drivers {
        let Ok(summary) = driver.await else { continue };
        tallies[slot].restarts += summary.restarts;
        state.fatal |= summary.fatal.is_some();
        state.incidents.extend(
            summary
                .incidents
                .into_iter()
                .map(|incident| IncidentRecord {
                    contract: contract.id().into(),
                    implementation: impl_ids[slot].clone(),
                    incident,
                }),
        );
    }
    for (slot, s) in samples.into_iter().enumerate() {
        state.timings.insert(
            format!("{}/{}", contract.id(), impl_ids[slot]),
            ImplTimings {
                elapsed_ms: Percentiles::of(s.elapsed_ms),
                timer_lag_ms: Percentiles::of(s.timer_lag_ms),
            },
        );
    }
    if let (Some(bounds), false) = (settings.shrink, interrupted) {
        shrink_groups(contract, &specs, settings, bounds, state).await;
    }
    if !interrupted {
        attach_snippets(contract, &specs, settings, state).await;
    }
    state.contracts.push(ContractRecord {
        id: contract.id().into(),
        tallies,
        agreement,
    });
}

/// What one implementation did with a case, as the comparison needs it.
struct Side<'a> {
    implementation: &'a str,
    outcome: &'a Outcome,
    /// The compared part of the output, and its canonical form, when there is an output.
    comparable: Option<Value>,
    canonical: Option<String>,
    /// The output judged against the reference, when there is one.
    judgement: Option<Judgement>,
}

impl<'a> Side<'a> {
    fn new(
        contract: &dyn Contract,
        implementation: &'a str,
        outcome: &'a Outcome,
        expectation: &Expectation,
    ) -> Self {
        let comparable = match outcome {
            Outcome::Output { output, .. } => Some(contract.comparable(output)),
            _ => None,
        };
        let judgement = comparable.as_ref().map(|o| judge(expectation, o));
        Side {
            implementation,
            outcome,
            canonical: comparable.as_ref().map(canonical),
            comparable,
            judgement,
        }
    }

    fn status(&self) -> &'static str {
        match (&self.judgement, self.outcome) {
            (Some(Judgement::Agrees), _) => "agrees",
            (Some(Judgement::Diverges(_)), _) => "diverges",
            (None, Outcome::Failed { kind, .. }) => kind.as_str(),
            (None, Outcome::AdapterError { .. }) => "adapter_error",
            (None, _) => "not_run",
        }
    }

    fn record(&self) -> SideRecord {
        let output = match self.outcome {
            Outcome::Output { output, .. } => Some(output.clone()),
            _ => None,
        };
        SideRecord {
            implementation: self.implementation.into(),
            status: self.status().into(),
            output,
        }
    }
}

struct JudgeContext<'a> {
    contract: &'static dyn Contract,
    settings: &'a VerifySettings,
    case: &'a CaseData,
    /// Every implementation's result for this case; `slot` is the one being recorded.
    sides: &'a [Side<'a>],
    slot: usize,
}

impl JudgeContext<'_> {
    fn impl_id(&self) -> &str {
        self.sides[self.slot].implementation
    }

    fn others(&self) -> impl Iterator<Item = &Side<'_>> {
        self.sides
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i != self.slot)
            .map(|(_, s)| s)
    }

    /// Which side drifted, when other implementations ran the same case; and whether every
    /// other implementation gave this very output.
    fn drift(&self) -> (Option<String>, bool) {
        drift(self.sides, self.slot)
    }

    fn record(&self, tally: &mut Tally, samples: &mut Samples, state: &mut RunState) {
        let side = &self.sides[self.slot];
        tally.cases += 1;
        match side.outcome {
            Outcome::Output {
                output,
                elapsed_ms,
                timer_lag_ms,
            } => {
                samples.elapsed_ms.extend(*elapsed_ms);
                samples.timer_lag_ms.extend(*timer_lag_ms);
                match &side.judgement {
                    Some(Judgement::Diverges(d)) => {
                        tally.diverge += 1;
                        let expected = &self.case.expectation.acceptable[d.closest].output;
                        let compared = side.comparable.as_ref().unwrap_or(output);
                        let (drift, shared) = self.drift();
                        let example = Example {
                            diff: Some(diff_text(expected, compared, "reference", self.impl_id())),
                            paths: d.paths.clone(),
                            expected: Some(expected.clone()),
                            actual: Some(output.clone()),
                            others: self.others().map(Side::record).collect(),
                            drift,
                            ..self.example(None, None)
                        };
                        let (rules, paths) = crate::compare::group_key(
                            self.contract,
                            &self.case.input,
                            &self.case.expectation,
                            d,
                            output,
                        );
                        let group = self.add(state, GroupKind::Divergence, rules, paths, example);
                        group.shared_with_all += u64::from(shared);
                    }
                    _ => {
                        let limit = self.contract.timing_limit(
                            &self.case.input,
                            output,
                            self.settings.timing_slack_ms,
                        );
                        match (limit, elapsed_ms) {
                            (Some(limit), Some(elapsed)) if *elapsed > limit.limit_ms => {
                                tally.timing += 1;
                                state.timing_violations.push(TimingViolation {
                                    contract: self.contract.id().into(),
                                    implementation: self.impl_id().into(),
                                    case: self.case.label.clone(),
                                    rule: limit.rule.into(),
                                    elapsed_ms: *elapsed,
                                    limit_ms: limit.limit_ms,
                                });
                                let detail = format!(
                                    "took longer than the {} ms the contract allows",
                                    limit.limit_ms
                                );
                                let example = Example {
                                    actual: Some(output.clone()),
                                    ..self.example(Some(detail), None)
                                };
                                self.add(
                                    state,
                                    GroupKind::Timing,
                                    vec![limit.rule.into()],
                                    vec![],
                                    example,
                                );
                            }
                            _ => {
                                tally.pass += 1;
                                self.note_vector(state, "pass", &[]);
                            }
                        }
                    }
                }
            }
            Outcome::AdapterError { message } => {
                tally.adapter_error += 1;
                self.add(
                    state,
                    GroupKind::AdapterError,
                    vec![],
                    vec![],
                    self.example(Some(message.clone()), None),
                );
            }
            Outcome::Failed {
                kind,
                detail,
                stderr_tail,
            } => {
                let group_kind = match kind {
                    FailureKind::Crash => {
                        tally.crash += 1;
                        GroupKind::Crash
                    }
                    FailureKind::Timeout => {
                        tally.timeout += 1;
                        GroupKind::Timeout
                    }
                    FailureKind::Protocol => {
                        tally.protocol += 1;
                        GroupKind::Protocol
                    }
                };
                self.add(
                    state,
                    group_kind,
                    vec![],
                    vec![],
                    self.example(Some(detail.clone()), Some(stderr_tail.clone())),
                );
            }
            Outcome::NotRun { reason } => {
                tally.not_run += 1;
                self.add(
                    state,
                    GroupKind::NotRun,
                    vec![],
                    vec![],
                    self.example(Some(reason.clone()), None),
                );
            }
        }
    }

    fn example(&self, detail: Option<String>, stderr_tail: Option<String>) -> Example {
        let (case, vector, corpus) = match &self.case.label {
            CaseLabel::Generated(case) => (Some(*case), None, None),
            CaseLabel::Vector(id) => (None, Some(id.clone()), None),
            CaseLabel::Corpus(path) => (None, None, Some(path.clone())),
        };
        let repro = self.settings.repro.case(
            self.impl_id(),
            self.contract.id(),
            self.settings.seed,
            &self.case.label,
        );
        Example {
            case,
            vector,
            corpus,
            detail,
            stderr_tail,
            ..Example::for_input(self.case.input.clone(), repro)
        }
    }

    /// Records a golden vector's result (other cases are only counted).
    fn note_vector(&self, state: &mut RunState, status: &str, rules: &[String]) {
        if let CaseLabel::Vector(id) = &self.case.label {
            state.vectors.push(VectorOutcome {
                contract: self.contract.id().into(),
                implementation: self.impl_id().into(),
                id: id.clone(),
                status: status.into(),
                rules: rules.to_vec(),
            });
        }
    }

    /// Adds a failing case to its group, keeping the group's smallest example.
    fn add<'s>(
        &self,
        state: &'s mut RunState,
        kind: GroupKind,
        rules: Vec<String>,
        paths: Vec<String>,
        example: Example,
    ) -> &'s mut Group {
        let key = format!(
            "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
            self.contract.id(),
            self.impl_id(),
            kind.as_str(),
            rules.join(","),
            paths.join(",")
        );
        let size = |e: &Example| (canonical(&e.input).len(), e.vector.clone(), e.case);
        if !state.groups.contains_key(&key) {
            // Say so as soon as a new kind of failure shows up, before any shrinking.
            state.announcements.push(format!(
                "found: {} · {} · {} · {} on {}",
                self.contract.id(),
                self.impl_id(),
                kind.as_str(),
                crate::report::words_or_dash(&rules),
                example.which()
            ));
        }
        state.groups.entry(key.clone()).or_insert_with(|| Group {
            contract: self.contract.id().into(),
            implementation: self.impl_id().into(),
            kind,
            rules,
            paths,
            count: 0,
            shared_with_all: 0,
            first_cases: Vec::new(),
            vectors: Vec::new(),
            corpus: Vec::new(),
            baseline: None,
            example: example.clone(),
        });
        if let (CaseLabel::Generated(case), Some(actual)) = (&self.case.label, &example.actual) {
            // The smallest generated case is where shrinking starts (vectors have no tree).
            let bytes = canonical(&example.input).len();
            let seed =
                state
                    .shrink_seeds
                    .entry(key.clone())
                    .or_insert((bytes, *case, actual.clone()));
            if (bytes, *case) < (seed.0, seed.1) {
                *seed = (bytes, *case, actual.clone());
            }
        }
        let status = kind.as_str();
        let rules = state.groups[&key].rules.clone();
        self.note_vector(state, status, &rules);
        let group = state.groups.get_mut(&key).expect("inserted above");
        group.count += 1;
        if size(&example) < size(&group.example) {
            group.example = example;
        }
        match &self.case.label {
            CaseLabel::Generated(case) => keep_lowest(&mut group.first_cases, *case),
            CaseLabel::Vector(id) => keep_lowest(&mut group.vectors, id.clone()),
            CaseLabel::Corpus(path) => keep_lowest(&mut group.corpus, path.clone()),
        }
        group
    }
}

/// Inserts `item` into the sorted `list`, keeping only the ten lowest.
fn keep_lowest<T: Ord>(list: &mut Vec<T>, item: T) {
    const KEEP: usize = 10;
    let at = list.partition_point(|x| *x < item);
    if at < KEEP {
        list.insert(at, item);
        list.truncate(KEEP);
    }
}

impl VerifySettings {
    /// How many generated cases run per contract.
    fn generated_count(&self) -> u64 {
        match (self.only_case, self.vectors_only) {
            (Some(_), _) => 1,
            (None, true) => 0,
            (None, false) => self.cases,
        }
    }

    /// How many cases of a contract's stream (`fixed` vectors and corpus cases, then the
    /// generated ones) this run takes: all of them, or its shard's share.
    fn stream_len(&self, fixed: u64) -> u64 {
        let whole = fixed + self.generated_count();
        match self.shard {
            None => whole,
            // Positions index-1, index-1+count, … below `whole`.
            Some(shard) => (whole + shard.count - shard.index) / shard.count,
        }
    }
}

/// Why an implementation could not run a contract's cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRunnable {
    pub reason: String,
    pub fix: Option<String>,
}

/// Runs `inputs` of `contract` through one implementation's adapter and returns what each
/// produced, in order. The engine under `verify`, for callers that judge cases themselves
/// (the conformance test target).
pub fn run_inputs(
    spec: &ImplSpec,
    contract: &'static dyn Contract,
    inputs: &[Value],
    runner: RunnerSettings,
) -> Result<Vec<Outcome>, NotRunnable> {
    let not_runnable = |reason: String| NotRunnable {
        reason,
        fix: spec.fix.for_contract(contract.id()),
    };
    if let Some(setup) = &spec.setup {
        setup.ensure().map_err(|e| not_runnable(e.to_string()))?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| not_runnable(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let session = runner::start_for(&spec.command, contract.id(), runner.handshake_timeout)
            .await
            .map_err(not_runnable)?;
        let runner::Running {
            jobs: job_tx,
            done: mut done_rx,
            driver,
        } = runner::spawn_driver(&spec.command, contract.id(), runner, session, 256);
        let settings = GenSettings::default();
        let jobs: Vec<Job> = inputs
            .iter()
            .enumerate()
            .map(|(i, input)| Job {
                index: i as u64,
                input: Arc::new(input.clone()),
                time_limit: Job::time_limit_for(&contract.expect(input, &settings), 200),
            })
            .collect();
        tokio::spawn(async move {
            for job in jobs {
                let _ = job_tx.send(job).await;
            }
        });
        let mut outcomes: Vec<Option<Outcome>> = vec![None; inputs.len()];
        while let Some(done) = done_rx.recv().await {
            if let Some(slot) = outcomes.get_mut(done.index as usize) {
                *slot = Some(done.outcome);
            }
        }
        let _ = driver.await;
        Ok(outcomes
            .into_iter()
            .map(|o| {
                o.unwrap_or(Outcome::NotRun {
                    reason: "no result".into(),
                })
            })
            .collect())
    })
}

/// Which side drifted, when other implementations ran the same case; and whether every
/// other implementation gave this very output.
fn drift(sides: &[Side], slot: usize) -> (Option<String>, bool) {
    let me = &sides[slot];
    let others: Vec<&Side> = sides
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != slot)
        .map(|(_, s)| s)
        .collect();
    if others.is_empty() {
        return (None, false);
    }
    if others
        .iter()
        .all(|o| o.canonical.is_some() && o.canonical == me.canonical)
    {
        return (Some("every implementation gives this same output: a contract question (or a reference bug), not a port drift".into()), true);
    }
    let with_reference: Vec<&str> = others
        .iter()
        .filter(|o| matches!(o.judgement, Some(Judgement::Agrees)))
        .map(|o| o.implementation)
        .collect();
    let text = if with_reference.is_empty() {
        "the implementations disagree with the reference and with each other".to_owned()
    } else {
        format!(
            "{} drifted: {} agree(s) with the reference",
            me.implementation,
            with_reference.join(", ")
        )
    };
    (Some(text), false)
}

/// Shrinks every divergence group of `contract` found on a generated case, through the
/// implementation that diverged, and re-runs the minimal case on the others.
async fn shrink_groups(
    contract: &'static dyn Contract,
    specs: &[&ImplSpec],
    settings: &VerifySettings,
    bounds: ShrinkBounds,
    state: &mut RunState,
) {
    let shrinker = Shrinker {
        contract,
        generation: &settings.generation,
        slack_ms: settings.timing_slack_ms,
        bounds,
    };
    let mut probers = Probers::new(specs, contract, settings.runner);
    let targets: Vec<String> = state
        .groups
        .iter()
        .filter(|(key, g)| {
            g.contract == contract.id()
                && g.kind == GroupKind::Divergence
                && state.shrink_seeds.contains_key(*key)
        })
        .map(|(key, _)| key.clone())
        .collect();
    for key in targets {
        let (Some(group), Some((original_size, case, actual))) = (
            state.groups.get(&key),
            state.shrink_seeds.get(&key).cloned(),
        ) else {
            continue;
        };
        let Some(slot) = specs.iter().position(|s| s.id == group.implementation) else {
            continue;
        };
        let grouping: Key = (group.rules.clone(), group.paths.clone());
        eprintln!(
            "shrinking {} · {} · {} (case {case}, {original_size} bytes)…",
            contract.id(),
            group.implementation,
            group.rules.join(" ")
        );
        let prober = match probers.get(slot).await {
            Ok(prober) => prober,
            Err(reason) => {
                eprintln!("  cannot shrink: {reason}");
                continue;
            }
        };
        let tree = generate_case(contract, &settings.generation, settings.seed, case);
        let shrunk = shrinker.shrink(prober, tree, &grouping, actual).await;
        // Run the minimal case on every implementation, so the side-by-side view matches it.
        let expectation = contract.expect(&shrunk.input, &settings.generation);
        let limit = Job::time_limit_for(&expectation, settings.timing_slack_ms);
        let mut outcomes = Vec::new();
        for other in 0..specs.len() {
            if other == slot {
                outcomes.push(Outcome::Output {
                    output: shrunk.output.clone(),
                    elapsed_ms: None,
                    timer_lag_ms: None,
                });
                continue;
            }
            outcomes.push(match probers.get(other).await {
                Ok(p) => p.run(&shrunk.input, limit).await,
                Err(_) => Outcome::NotRun {
                    reason: "could not start the adapter again".into(),
                },
            });
        }
        let sides: Vec<Side> = specs
            .iter()
            .zip(&outcomes)
            .map(|(spec, o)| Side::new(contract, &spec.id, o, &expectation))
            .collect();
        let Some(Judgement::Diverges(d)) = &sides[slot].judgement else {
            continue;
        };
        let (drift, _) = drift(&sides, slot);
        let package = state
            .packages
            .get(&(specs[slot].id.clone(), contract.id().to_owned()))
            .cloned();
        let Some(group) = state.groups.get_mut(&key) else {
            continue;
        };
        let expected = expectation.acceptable[d.closest].output.clone();
        let compared = sides[slot].comparable.clone().unwrap_or(Value::Null);
        group.example.diff = Some(diff_text(
            &expected,
            &compared,
            "reference",
            &group.implementation,
        ));
        group.example.paths = d.paths.clone();
        group.example.expected = Some(expected);
        group.example.actual = Some(shrunk.output.clone());
        group.example.others = sides
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != slot)
            .map(|(_, s)| s.record())
            .collect();
        group.example.drift = drift;
        group.example.shrink = Some(ShrinkRecord {
            from_bytes: original_size,
            to_bytes: canonical(&shrunk.input).len(),
            steps: shrunk.steps,
            accepted: shrunk.accepted,
            stopped_by: shrunk.stopped_by.clone(),
        });
        group.example.input = shrunk.input;
        group.example.case = Some(case);
        group.example.vector = None;
        group.example.corpus = None;
        group.example.detail = None;
        if let Some(dir) = &settings.corpus_dir {
            save_to_corpus(dir, settings, group, case, package);
        }
        eprintln!(
            "  shrunk to {} bytes in {} steps{}",
            group.example.shrink.as_ref().map_or(0, |s| s.to_bytes),
            shrunk.steps,
            shrunk
                .stopped_by
                .map(|b| format!(" (stopped by {b}; keeping the best so far)"))
                .unwrap_or_default()
        );
    }
    probers.close().await;
}

/// Saves a shrunk group's example to the corpus and points its repro command there.
fn save_to_corpus(
    dir: &Path,
    settings: &VerifySettings,
    group: &mut Group,
    case: u64,
    package: Option<crate::protocol::Package>,
) {
    let (Some(expected), Some(actual)) =
        (group.example.expected.clone(), group.example.actual.clone())
    else {
        return;
    };
    let entry = CorpusCase {
        contract: group.contract.clone(),
        implementation: group.implementation.clone(),
        package,
        rules: group.rules.clone(),
        paths: group.paths.clone(),
        input: group.example.input.clone(),
        expected,
        actual,
        seed: settings.seed,
        case,
        time_zone: Some(settings.time_zone.clone()),
        found: time::OffsetDateTime::now_utc().date().to_string(),
        harness_version: env!("CARGO_PKG_VERSION").into(),
    };
    match crate::corpus::save(dir, &entry) {
        Ok(saved) => {
            let shown = crate::cli::display_path(&settings.root, saved.path());
            group.example.repro = settings.repro.corpus(&shown, &group.implementation);
            group.example.corpus = Some(shown);
        }
        Err(e) => eprintln!("  could not save to the corpus: {e}"),
    }
}

/// What replaying one corpus case showed.
pub struct Replayed {
    /// `None` when the implementation now agrees with the reference.
    pub divergence: Option<String>,
    /// The diff, or the failure, to show.
    pub detail: String,
}

/// Runs saved corpus cases through one implementation and judges each against the
/// reference as it is today.
pub fn replay(
    spec: &ImplSpec,
    contract: &'static dyn Contract,
    cases: &[Value],
    runner: RunnerSettings,
) -> Result<Vec<Replayed>, NotRunnable> {
    let outcomes = run_inputs(spec, contract, cases, runner)?;
    let settings = GenSettings::default();
    Ok(cases
        .iter()
        .zip(outcomes)
        .map(|(input, outcome)| {
            let expectation = contract.expect(input, &settings);
            let output = match &outcome {
                Outcome::Output { output, .. } => output,
                Outcome::AdapterError { message } => {
                    return Replayed {
                        divergence: Some("adapter error".into()),
                        detail: message.clone(),
                    }
                }
                Outcome::Failed {
                    kind,
                    detail,
                    stderr_tail,
                } => {
                    return Replayed {
                        divergence: Some(kind.as_str().into()),
                        detail: format!("{detail}\nstderr:\n{stderr_tail}"),
                    }
                }
                Outcome::NotRun { reason } => {
                    return Replayed {
                        divergence: Some("not run".into()),
                        detail: reason.clone(),
                    }
                }
            };
            let comparable = contract.comparable(output);
            match judge(&expectation, &comparable) {
                Judgement::Agrees => Replayed {
                    divergence: None,
                    detail: String::new(),
                },
                Judgement::Diverges(d) => {
                    let (rules, _) =
                        crate::compare::group_key(contract, input, &expectation, &d, output);
                    let expected = &expectation.acceptable[d.closest].output;
                    Replayed {
                        divergence: Some(rules.join(" ")),
                        detail: diff_text(expected, &comparable, "reference", &spec.id),
                    }
                }
            }
        })
        .collect())
}

/// Asks each implementation's adapter for a program reproducing its divergences' examples,
/// for the bug reports.
async fn attach_snippets(
    contract: &'static dyn Contract,
    specs: &[&ImplSpec],
    settings: &VerifySettings,
    state: &mut RunState,
) {
    for spec in specs {
        let keys: Vec<String> = state
            .groups
            .iter()
            .filter(|(_, g)| {
                g.contract == contract.id()
                    && g.implementation == spec.id
                    && g.kind == GroupKind::Divergence
            })
            .map(|(key, _)| key.clone())
            .collect();
        if keys.is_empty() {
            continue;
        }
        let inputs: Vec<Value> = keys
            .iter()
            .filter_map(|k| state.groups.get(k))
            .map(|g| g.example.input.clone())
            .collect();
        let snippets = runner::snippets(
            &spec.command,
            contract.id(),
            &inputs,
            settings.runner.handshake_timeout,
        )
        .await;
        for (key, snippet) in keys.iter().zip(snippets) {
            if let (Some(group), Some(snippet)) = (state.groups.get_mut(key), snippet) {
                group.example.snippet = snippet.code.map(|code| crate::report::Snippet {
                    language: snippet.language,
                    code,
                });
            }
        }
    }
}

/// Judges one finished case for every implementation and records it.
#[allow(clippy::too_many_arguments)]
fn record_case(
    contract: &'static dyn Contract,
    settings: &VerifySettings,
    impl_ids: &[String],
    case: &CaseData,
    agreement: &mut [PairAgreement],
    tallies: &mut [Tally],
    samples: &mut [Samples],
    state: &mut RunState,
) {
    let sides: Vec<Side> = case
        .outcomes
        .iter()
        .zip(impl_ids)
        .filter_map(|(outcome, id)| {
            outcome
                .as_ref()
                .map(|o| Side::new(contract, id, o, &case.expectation))
        })
        .collect();
    let mut pairs = agreement.iter_mut();
    for (a, first) in sides.iter().enumerate() {
        for second in &sides[a + 1..] {
            let Some(pair) = pairs.next() else { break };
            if let (Some(x), Some(y)) = (&first.canonical, &second.canonical) {
                pair.compared += 1;
                pair.identical += u64::from(x == y);
            }
        }
    }
    for slot in 0..sides.len() {
        let judged = JudgeContext {
            contract,
            settings,
            case,
            sides: &sides,
            slot,
        };
        judged.record(&mut tallies[slot], &mut samples[slot], state);
    }
}
