//! Guided generation (`verify --guided`): cases go out in rounds; each case's branches, as the
//! adapters report them, are judged new or not here (adapters may be restarted, or several
//! per implementation, so only the run knows what is new), and cases that reached new
//! branches, or a state of the contract's model no earlier case reached (the reference names
//! them: `Contract::model_states`), join a pool whose members are mutated into later rounds
//! beside fresh cases.
//!
//! A guided case is a sequence of draws from the contract's generator (its tape): a fresh case
//! is case N of the seed's stream (the one an unguided run draws), a mutated one replays a pool
//! member's tape with a few draws redrawn, or splices two members' tapes (choice-sequence
//! mutation), so it is always a value the generator can produce, and a member that met one
//! rare condition keeps it while a redraw elsewhere meets the next. Everything
//! is decided from the seed, the round and the reached branches, in case order, so the same
//! seed gives the same rounds however the adapters' timing falls.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use proptest::prelude::Rng;
use proptest::test_runner::{RngAlgorithm, TestRng};
use reference::strategy::{Replay, Stream, Tape};
use reference::{CaseGenerator, Contract};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::plan::CaseLabel;
use crate::report::GuidedRecord;
use crate::run::Done;

/// Cases per round: the pool is updated between rounds.
pub(super) const ROUND: u64 = 64;

/// Each complete case's branches, per implementation slot, from where results are recorded
/// to the producer.
pub(super) type Reached = (u64, Vec<Vec<String>>);

/// The recording side: gathers each case's branches from its results and hands them to the
/// producer once the case is complete.
pub(super) struct Feedback {
    partial: HashMap<u64, Vec<Vec<String>>>,
    slots: usize,
    to_producer: mpsc::Sender<Reached>,
}

impl Feedback {
    pub(super) fn new(slots: usize) -> (Feedback, mpsc::Receiver<Reached>) {
        let (to_producer, from_recorder) = mpsc::channel();
        let feedback = Feedback {
            partial: HashMap::new(),
            slots,
            to_producer,
        };
        (feedback, from_recorder)
    }

    /// Keeps the branches `done`'s case reached in its implementation.
    pub(super) fn arrived(&mut self, done: &mut Done) {
        if let Some(reached) = done.reached.take() {
            let slots = self.slots;
            let by_slot = self
                .partial
                .entry(done.index)
                .or_insert_with(|| vec![Vec::new(); slots]);
            if let Some(branches) = by_slot.get_mut(done.slot) {
                *branches = reached;
            }
        }
    }

    /// Case `index` has every implementation's result.
    pub(super) fn completed(&mut self, index: u64) {
        let by_slot = self
            .partial
            .remove(&index)
            .unwrap_or_else(|| vec![Vec::new(); self.slots]);
        // The producer may be done already; then nothing waits for this.
        let _ = self.to_producer.send((index, by_slot));
    }
}

/// A case that reached something new, kept to be mutated.
struct Member {
    tape: Arc<Tape>,
    /// How many implementations it reached new branches in (the model counting as one more
    /// where it reached a new state): cases that show the twins going
    /// different new ways are picked more often than those new in one alone.
    implementations: u32,
}

/// One case of a round, with its draws when the generator records them.
pub(super) struct GuidedCase {
    pub number: u64,
    tape: Option<Arc<Tape>>,
    pub input: Value,
}

/// The producer's side: builds each round from the pool and learns from its results.
pub(super) struct Guide {
    contract: &'static dyn Contract,
    generator: CaseGenerator,
    seed: u64,
    pool: Vec<Member>,
    /// (implementation slot, branch) pairs some case reached.
    seen: HashSet<(usize, String)>,
    /// States of the contract's model some case reached (`Contract::model_states`).
    states: HashSet<String>,
    pub record: GuidedRecord,
}

impl Guide {
    pub(super) fn new(
        contract: &'static dyn Contract,
        generator: CaseGenerator,
        seed: u64,
    ) -> Guide {
        Guide {
            contract,
            generator,
            seed,
            pool: Vec::new(),
            seen: HashSet::new(),
            states: HashSet::new(),
            record: GuidedRecord {
                contract: contract.id().to_owned(),
                ..GuidedRecord::default()
            },
        }
    }

    /// The cases numbered `numbers` of round `round`: a quarter fresh (all, while the pool is
    /// empty), the rest mutations of pool members.
    pub(super) fn round(&mut self, round: u64, numbers: std::ops::Range<u64>) -> Vec<GuidedCase> {
        let key_of_round = key(b"guided round", self.seed, round);
        let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key_of_round);
        let mut cases = Vec::new();
        for number in numbers {
            let mutation = (!self.pool.is_empty() && number % 4 != 0)
                .then(|| self.mutation(&mut rng))
                .and_then(|(parent, redrawn)| {
                    let fresh = Stream::new(key(b"guided mutation", self.seed, number));
                    self.generator.replayed(Replay::new(parent, redrawn, fresh))
                });
            let (input, tape) = match mutation {
                Some((input, tape)) => {
                    self.record.mutated += 1;
                    (input, Some(Arc::new(tape)))
                }
                None => {
                    self.record.fresh += 1;
                    match self.generator.recorded(self.seed, number) {
                        Some((input, tape)) => (input, Some(Arc::new(tape))),
                        None => (self.generator.value(self.seed, number), None),
                    }
                }
            };
            cases.push(GuidedCase {
                number,
                tape,
                input,
            });
        }
        cases
    }

    /// A parent tape and the draws to redraw in it: 1–4 draws (mostly choices: an arm, a
    /// length, one of a list), a run of up to 8 or the whole part 1–3 levels around a draw
    /// (a field, an element), each choice with the same small chance, or none in a splice of
    /// two members (one's draws up to a point, the other's after it).
    fn mutation(&self, rng: &mut TestRng) -> (Tape, Vec<Range<usize>>) {
        let parent: &Tape = &self.pool[self.pick(rng)].tape;
        let draws = parent.draws().max(1);
        let anywhere = |rng: &mut TestRng| rng.next_u32() as usize % draws;
        match rng.next_u32() % 4 {
            0 => {
                let count = 1 + rng.next_u32() % 4;
                let choices = parent.choices();
                let redrawn = (0..count)
                    .map(|_| {
                        let at = match (rng.next_u32() % 4, choices.len()) {
                            (0, _) | (_, 0) => anywhere(rng),
                            (_, count) => choices[rng.next_u32() as usize % count],
                        };
                        at..at + 1
                    })
                    .collect();
                (parent.clone(), redrawn)
            }
            1 => {
                let at = anywhere(rng);
                let redrawn = if rng.next_u32() % 2 == 0 {
                    at..at + 1 + rng.next_u32() as usize % 8
                } else {
                    parent.part_around(at, 1 + rng.next_u32() as usize % 3)
                };
                (parent.clone(), std::iter::once(redrawn).collect())
            }
            2 => {
                // Every choice at once, each with a chance of 1 in 2 to 16: a parent that met
                // some rare conditions keeps them while another choice is drawn anew, however
                // many choices the case makes (a budget case makes about 46).
                let odds = 2 << (rng.next_u32() % 4);
                let redrawn = parent
                    .choices()
                    .iter()
                    .filter(|_| rng.next_u32() % odds == 0)
                    .map(|&at| at..at + 1)
                    .collect();
                (parent.clone(), redrawn)
            }
            _ => {
                let other = &self.pool[self.pick(rng)].tape;
                (parent.splice(anywhere(rng), other), Vec::new())
            }
        }
    }

    /// A pool member: half the time the newest (the one that got furthest), else weighted
    /// by the implementations it was new in and by how recently it joined.
    fn pick(&self, rng: &mut TestRng) -> usize {
        if rng.next_u32() % 2 == 0 {
            return self.pool.len().saturating_sub(1);
        }
        let weight = |(position, member): (usize, &Member)| {
            u64::from(member.implementations) * (position as u64 + 1)
        };
        let total: u64 = self.pool.iter().enumerate().map(weight).sum();
        let mut ticket = rng.next_u64() % total.max(1);
        for (position, member) in self.pool.iter().enumerate() {
            let w = weight((position, member));
            if ticket < w {
                return position;
            }
            ticket -= w;
        }
        self.pool.len() - 1
    }

    /// Learns from one round's cases (in number order) and what each reached.
    pub(super) fn learn(
        &mut self,
        cases: Vec<GuidedCase>,
        reached: &mut HashMap<u64, Vec<Vec<String>>>,
    ) {
        for case in cases {
            let Some(by_slot) = reached.remove(&case.number) else {
                continue;
            };
            let mut new_in = 0;
            for (slot, branches) in by_slot.into_iter().enumerate() {
                let mut new = false;
                for branch in branches {
                    new |= self.seen.insert((slot, branch));
                }
                new_in += u32::from(new);
            }
            let mut new_state = false;
            for state in self.contract.model_states(&case.input) {
                new_state |= self.states.insert(state);
            }
            new_in += u32::from(new_state);
            if let (true, Some(tape)) = (new_in > 0, case.tape) {
                self.pool.push(Member {
                    tape,
                    implementations: new_in,
                });
            }
        }
        self.record.branches = self.seen.len() as u64;
        self.record.states = self.states.len() as u64;
        self.record.pool = self.pool.len() as u64;
    }

    /// Deals `cases` guided cases in rounds through `deal` (stream positions from
    /// `first_index` on), waiting after each round for every case's branches from `reached`
    /// before building the next; returns what the guidance did.
    pub(super) fn run(
        mut self,
        cases: u64,
        first_index: u64,
        reached: &mpsc::Receiver<Reached>,
        stop: &watch::Receiver<bool>,
        deal: &mut impl FnMut(u64, CaseLabel, Value, Option<Arc<Tape>>) -> bool,
    ) -> GuidedRecord {
        let mut arrived: HashMap<u64, Vec<Vec<String>>> = HashMap::new();
        for (round, start) in (0..cases).step_by(ROUND as usize).enumerate() {
            if *stop.borrow() {
                break;
            }
            let round_cases = self.round(round as u64, start..(start + ROUND).min(cases));
            let mut waiting = HashSet::new();
            for case in &round_cases {
                let label = CaseLabel::Guided(case.number);
                let (index, input) = (first_index + case.number, case.input.clone());
                if deal(index, label, input, case.tape.clone()) {
                    waiting.insert(case.number);
                }
            }
            while !waiting.is_empty() && !*stop.borrow() {
                match reached.recv_timeout(Duration::from_millis(50)) {
                    Ok((index, by_slot)) => {
                        let number = index.wrapping_sub(first_index);
                        if waiting.remove(&number) {
                            arrived.insert(number, by_slot);
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
            self.learn(round_cases, &mut arrived);
        }
        self.record
    }
}

/// 32 bytes for `purpose`, from the seed and `at` (a round, or a case number) alone.
fn key(purpose: &[u8], seed: u64, at: u64) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(purpose);
    hasher.update(seed.to_le_bytes());
    hasher.update(at.to_le_bytes());
    hasher.finalize().into()
}
