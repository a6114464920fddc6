//! The case producer: the contract's fixed cases, then its generated ones, each recorded as
//! pending and dealt to every implementation's adapters.

use std::collections::HashMap;
use std::sync::mpsc as mpsc_std;
use std::sync::{Arc, Mutex};

use reference::{CaseGenerator, Contract};
use tokio::sync::mpsc::{self, PermitIterator};
use tokio::sync::watch;

use super::guided::{Guide, Reached};
use crate::findings::CaseRun;
use crate::plan::{CaseLabel, Plan};
use crate::report::GuidedRecord;
use crate::run::Job;

/// The producer's thread, seen from the run.
pub(super) struct Producer {
    /// Gives back the guidance's record, with `--guided`.
    pub handle: tokio::task::JoinHandle<Option<GuidedRecord>>,
    /// Cases judged and done with, sent back to be freed on the thread that allocated most
    /// of them: freeing another thread's memory costs the allocator more.
    pub spent: mpsc_std::Sender<Vec<CaseRun>>,
}

/// Generates the contract's cases on a blocking thread (generation is CPU work) and deals
/// each to every implementation's adapters, recording it as pending first. With `guide`
/// (`--guided`) the generated cases come in rounds steered by what earlier ones reached.
pub(super) fn spawn_producer(
    contract: &'static dyn Contract,
    fixed: Vec<(CaseLabel, serde_json::Value)>,
    plan: &Plan,
    pending: Arc<Mutex<HashMap<u64, CaseRun>>>,
    job_senders: Vec<Vec<mpsc::Sender<Job>>>,
    stop: &watch::Receiver<bool>,
    guide: Option<mpsc_std::Receiver<Reached>>,
) -> Producer {
    let settings = &plan.settings;
    let (spent, spent_rx) = mpsc_std::channel::<Vec<CaseRun>>();
    let generation = settings.generation.clone();
    let (seed, slack) = (settings.seed, settings.timing_slack_ms);
    let guided_cases = settings.cases;
    let indices: Box<dyn Iterator<Item = u64> + Send> =
        match (settings.only_case, plan.runs_vectors_only(), &guide) {
            (Some(case), _, _) => Box::new(std::iter::once(case)),
            (None, true, _) | (None, false, Some(_)) => Box::new(std::iter::empty()),
            (None, false, None) => Box::new(0..settings.cases),
        };
    let guided_cases = if plan.runs_vectors_only() {
        0
    } else {
        guided_cases
    };
    let slots = job_senders.len();
    let shard = settings.shard;
    let stop = stop.clone();
    let handle = tokio::task::spawn_blocking(move || {
        let generator = CaseGenerator::new(contract, &generation);
        let mut outlets: Vec<Vec<Outlet>> = job_senders
            .iter()
            .map(|senders| senders.iter().map(Outlet::new).collect())
            .collect();
        // Records case `index` as pending and sends it to every implementation; false when
        // some implementation's adapter is gone (that case never completes).
        let mut deal = |index: u64, label: CaseLabel, input: serde_json::Value, tape| {
            spent_rx.try_iter().for_each(drop);
            let expectation = contract.expect(&input, &generation);
            let time_limit = Job::time_limit_for(&expectation, slack);
            let input = Arc::new(input);
            if let Ok(mut map) = pending.lock() {
                map.insert(
                    index,
                    CaseRun {
                        label,
                        input: input.clone(),
                        expectation,
                        outcomes: vec![None; slots],
                        tape,
                    },
                );
            }
            let mut delivered = true;
            for outlets in &mut outlets {
                let slot = index as usize % outlets.len();
                delivered &= outlets[slot].send(Job {
                    index,
                    input: input.clone(),
                    time_limit,
                });
            }
            delivered
        };
        let fixed_count = fixed.len() as u64;
        let fixed = fixed.into_iter().map(|(label, input)| (label, Some(input)));
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
                (CaseLabel::Generated(case), None) => generator.value(seed, *case),
                (_, None) => continue,
            };
            deal(index, label, input, None);
        }
        let reached = guide?;
        let guide = Guide::new(contract, generator, seed);
        Some(guide.run(guided_cases, fixed_count, &reached, &stop, &mut deal))
    });
    Producer { handle, spent }
}

/// Jobs go out under permits reserved this many at a time: a producer that runs ahead of its
/// adapters then wakes once for this many cases taken, not once a case.
const PERMITS_AT_ONCE: usize = 32;

/// One driver's job channel, seen from the producer's blocking thread.
struct Outlet<'a> {
    sender: &'a mpsc::Sender<Job>,
    permits: Option<PermitIterator<'a, Job>>,
}

impl<'a> Outlet<'a> {
    fn new(sender: &'a mpsc::Sender<Job>) -> Self {
        Outlet {
            sender,
            permits: None,
        }
    }

    /// Sends `job`, waiting for room first; false when the driver is gone.
    fn send(&mut self, job: Job) -> bool {
        if let Some(permit) = self.permits.as_mut().and_then(Iterator::next) {
            permit.send(job);
            return true;
        }
        let room = self
            .sender
            .reserve_many(PERMITS_AT_ONCE.min(self.sender.max_capacity()));
        match tokio::runtime::Handle::current().block_on(room) {
            Ok(mut permits) => {
                if let Some(permit) = permits.next() {
                    permit.send(job);
                }
                self.permits = Some(permits);
                true
            }
            // A closed channel means that driver gave up; its cases are reported by it.
            Err(_) => {
                self.permits = None;
                false
            }
        }
    }
}
