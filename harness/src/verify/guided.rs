//! Guided generation (`verify --guided`): cases go out in rounds; each case's branches, as the
//! adapters report them, are judged new or not here (adapters may be restarted, or several
//! per implementation, so only the run knows what is new), and cases that reached new
//! branches join a pool whose members are mutated into later rounds beside fresh cases.
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
use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::Rng;
use proptest::test_runner::{RngAlgorithm, TestRng};
use reference::strategy::{Replay, Stream, Tape};
use reference::CaseGenerator;
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
    tape: Tape,
    /// How many implementations it reached new branches in: cases that show the twins going
    /// different new ways are picked more often than those new in one alone.
    implementations: u32,
    /// How many members it descends from: a deep lineage has met one more condition at each
    /// step, so it is the likeliest to meet the next one (AFL-style energy).
    depth: u32,
    /// A digest of the branches it reached, to tell whether a child reached the same.
    reached: u64,
    /// Its choices whose redraw alone changed the branches a child reached: they hold the
    /// conditions this member met (or shift the draws after them), so mutations leave them
    /// be and redraw the others, where the next condition is (AFL's effector map, learned
    /// from the mutations themselves).
    effectors: HashSet<usize>,
}

/// Where a mutated case comes from.
#[derive(Clone, Copy)]
struct Origin {
    /// The parent's place in the pool, and its depth.
    parent: usize,
    depth: u32,
    /// The one choice redrawn, when that is the whole mutation.
    choice: Option<usize>,
}

/// One case of a round, with its draws when the generator records them.
pub(super) struct GuidedCase {
    pub number: u64,
    tape: Option<Tape>,
    /// None for a fresh case.
    origin: Option<Origin>,
    pub input: Value,
}

/// How often fresh and mutated cases reached something new, which decides the split of the
/// next round: whichever finds more gets more of it, and neither less than a quarter.
#[derive(Default)]
struct Yield {
    fresh: (u64, u64),
    mutated: (u64, u64),
}

impl Yield {
    fn count(&mut self, mutated: bool, new: bool) {
        let (found, tried) = if mutated {
            &mut self.mutated
        } else {
            &mut self.fresh
        };
        *found += u64::from(new);
        *tried += 1;
    }

    /// Of every 64 cases of the next round, how many are mutated: 16 to 48, by each
    /// source's rate of finding something new (counted with one find and one miss more, so
    /// a source tried little is not written off).
    fn mutated_of_64(&self) -> u64 {
        let rate = |(found, tried): (u64, u64)| (found + 1) as f64 / (tried + 2) as f64;
        let (fresh, mutated) = (rate(self.fresh), rate(self.mutated));
        ((64.0 * mutated / (fresh + mutated)).round() as u64).clamp(16, 48)
    }
}

/// The producer's side: builds each round from the pool and learns from its results.
pub(super) struct Guide {
    generator: CaseGenerator,
    seed: u64,
    pool: Vec<Member>,
    /// (implementation slot, branch) pairs some case reached.
    seen: HashSet<(usize, String)>,
    found: Yield,
    pub record: GuidedRecord,
}

impl Guide {
    pub(super) fn new(generator: CaseGenerator, seed: u64, contract: &str) -> Guide {
        Guide {
            generator,
            seed,
            pool: Vec::new(),
            seen: HashSet::new(),
            found: Yield::default(),
            record: GuidedRecord {
                contract: contract.to_owned(),
                ..GuidedRecord::default()
            },
        }
    }

    /// The cases numbered `numbers` of round `round`: fresh ones (all, while the pool is
    /// empty) and mutations of pool members, split by what each found so far.
    pub(super) fn round(&mut self, round: u64, numbers: std::ops::Range<u64>) -> Vec<GuidedCase> {
        let key_of_round = key(b"guided round", self.seed, round);
        let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key_of_round);
        let mutated_of_64 = self.found.mutated_of_64();
        let mut cases = Vec::new();
        for number in numbers {
            let mutation = (!self.pool.is_empty() && rng.next_u64() % ROUND < mutated_of_64)
                .then(|| self.mutation(&mut rng))
                .and_then(|(parent, redrawn, origin)| {
                    let fresh = Stream::new(key(b"guided mutation", self.seed, number));
                    let replayed = self.generator.replayed(Replay::new(parent, redrawn, fresh));
                    replayed.map(|(input, tape)| (input, tape, origin))
                });
            let (input, tape, origin) = match mutation {
                Some((input, tape, origin)) => {
                    self.record.mutated += 1;
                    (input, Some(tape), Some(origin))
                }
                None => {
                    self.record.fresh += 1;
                    match self.generator.recorded(self.seed, number) {
                        Some((input, tape)) => (input, Some(tape), None),
                        None => (self.generator.value(self.seed, number), None, None),
                    }
                }
            };
            cases.push(GuidedCase {
                number,
                tape,
                origin,
                input,
            });
        }
        cases
    }

    /// A parent tape, the draws to redraw in it, and where it comes from: one choice (an
    /// arm, a length, one of a list; seldom one of the parent's effectors) half the time,
    /// since one condition more is one choice more; else 2–4 draws (mostly choices), a span
    /// of up to 8, or none in a splice of two members (one's draws up to a point, the
    /// other's after it).
    fn mutation(&self, rng: &mut TestRng) -> (Tape, Vec<Range<usize>>, Origin) {
        let picked = self.pick(rng);
        let member = &self.pool[picked];
        let (parent, depth) = (&member.tape, member.depth);
        let origin = Origin {
            parent: picked,
            depth,
            choice: None,
        };
        let draws = parent.draws().max(1);
        let anywhere = |rng: &mut TestRng| rng.next_u32() as usize % draws;
        match rng.next_u32() % 6 {
            0..=2 if !parent.choices().is_empty() => {
                let choices = parent.choices();
                let others: Vec<usize> = choices
                    .iter()
                    .copied()
                    .filter(|at| !member.effectors.contains(at))
                    .collect();
                let from = match others.is_empty() || rng.next_u32() % 8 == 0 {
                    true => choices,
                    false => &others,
                };
                let at = from[rng.next_u32() as usize % from.len()];
                let origin = Origin {
                    choice: Some(at),
                    ..origin
                };
                (
                    parent.clone(),
                    std::iter::once(at..at + 1).collect(),
                    origin,
                )
            }
            0..=3 => {
                let count = 2 + rng.next_u32() % 3;
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
                (parent.clone(), redrawn, origin)
            }
            4 => {
                let at = anywhere(rng);
                let length = 1 + rng.next_u32() as usize % 8;
                (
                    parent.clone(),
                    std::iter::once(at..at + length).collect(),
                    origin,
                )
            }
            _ => {
                let other = &self.pool[self.pick(rng)];
                let spliced = parent.splice(anywhere(rng), &other.tape);
                let depth = depth.max(other.depth);
                (spliced, Vec::new(), Origin { depth, ..origin })
            }
        }
    }

    /// A pool member: half the time the deepest (the newest of those), else weighted by
    /// its depth, the implementations it was new in, and how recently it joined.
    fn pick(&self, rng: &mut TestRng) -> usize {
        if rng.next_u32() % 2 == 0 {
            let deepest = self
                .pool
                .iter()
                .enumerate()
                .max_by_key(|(position, member)| (member.depth, *position));
            return deepest.map_or(0, |(position, _)| position);
        }
        let weight = |(position, member): (usize, &Member)| {
            let depth = u64::from(member.depth) + 1;
            u64::from(member.implementations) * depth * depth * (position as u64 + 1)
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
            let reached = digest(&by_slot);
            let mut new_in = 0;
            for (slot, branches) in by_slot.into_iter().enumerate() {
                let mut new = false;
                for branch in branches {
                    new |= self.seen.insert((slot, branch));
                }
                new_in += u32::from(new);
            }
            self.found.count(case.origin.is_some(), new_in > 0);
            if let Some(Origin {
                parent,
                choice: Some(choice),
                ..
            }) = case.origin
            {
                if let Some(parent) = self.pool.get_mut(parent) {
                    if parent.reached != reached {
                        parent.effectors.insert(choice);
                    }
                }
            }
            if let (true, Some(tape)) = (new_in > 0, case.tape) {
                self.pool.push(Member {
                    tape,
                    implementations: new_in,
                    depth: case.origin.map_or(0, |origin| origin.depth + 1),
                    reached,
                    effectors: HashSet::new(),
                });
            }
        }
        self.record.branches = self.seen.len() as u64;
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
        deal: &mut impl FnMut(u64, CaseLabel, Value) -> bool,
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
                if deal(first_index + case.number, label, case.input.clone()) {
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

/// A digest of the branches one case reached in each implementation (`by_slot` lists each
/// implementation's in the order its adapter sent them, which is sorted).
fn digest(by_slot: &[Vec<String>]) -> u64 {
    let mut hasher = Sha256::new();
    for branches in by_slot {
        for branch in branches {
            hasher.update(branch.as_bytes());
            hasher.update([0]);
        }
        hasher.update([1]);
    }
    let bytes: [u8; 32] = hasher.finalize().into();
    u64::from_le_bytes([
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
    ])
}

/// 32 bytes for `purpose`, from the seed and `at` (a round, or a case number) alone.
fn key(purpose: &[u8], seed: u64, at: u64) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(purpose);
    hasher.update(seed.to_le_bytes());
    hasher.update(at.to_le_bytes());
    hasher.finalize().into()
}
