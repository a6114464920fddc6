//! Guided generation (`verify --guided`): cases go out in rounds; each case's branches, as the
//! adapters report them, are judged new or not here (adapters may be restarted, or several
//! per implementation, so only the run knows what is new), and cases that reached new
//! branches join a pool whose members are mutated into later rounds beside fresh cases.
//!
//! A guided case is a walk through the contract generator's value tree, as the shrinker
//! walks it: a fresh case is case N of the seed's stream (the one an unguided run draws), a
//! mutated one starts from a pool member's case and takes a few more random steps (each a
//! `simplify` or a `complicate`), so it is always a value the generator can produce. Everything
//! is decided from the seed, the round and the reached branches, in case order, so the same
//! seed gives the same rounds however the adapters' timing falls.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::Rng;
use proptest::strategy::ValueTree;
use proptest::test_runner::{RngAlgorithm, TestRng};
use reference::CaseGenerator;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::plan::CaseLabel;
use crate::report::GuidedRecord;
use crate::run::Done;

/// Cases per round: the pool is updated between rounds.
pub(super) const ROUND: u64 = 64;
/// The longest walk a case takes from its stream case: longer ones are not mutated further
/// (replaying a walk costs its length).
const MAX_STEPS: usize = 64;

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

/// Where a guided case is in the generator's value tree: case `origin` of the seed's stream,
/// then `steps` (true: simplify, false: complicate).
#[derive(Clone)]
struct Walk {
    origin: u64,
    steps: Vec<bool>,
}

/// A case that reached something new, kept to be mutated.
struct Member {
    walk: Walk,
    /// How many implementations it reached new branches in: cases that show the twins going
    /// different new ways are picked more often than those new in one alone.
    implementations: u32,
}

/// One case of a round.
pub(super) struct GuidedCase {
    pub number: u64,
    walk: Walk,
    pub input: Value,
}

/// The producer's side: builds each round from the pool and learns from its results.
pub(super) struct Guide {
    generator: CaseGenerator,
    seed: u64,
    pool: Vec<Member>,
    /// (implementation slot, branch) pairs some case reached.
    seen: HashSet<(usize, String)>,
    pub record: GuidedRecord,
}

impl Guide {
    pub(super) fn new(generator: CaseGenerator, seed: u64, contract: &str) -> Guide {
        Guide {
            generator,
            seed,
            pool: Vec::new(),
            seen: HashSet::new(),
            record: GuidedRecord {
                contract: contract.to_owned(),
                ..GuidedRecord::default()
            },
        }
    }

    /// The cases numbered `numbers` of round `round`: a quarter fresh (all, while the pool is
    /// empty), the rest mutations of pool members.
    pub(super) fn round(&mut self, round: u64, numbers: std::ops::Range<u64>) -> Vec<GuidedCase> {
        let mut rng = round_rng(self.seed, round);
        let mut cases = Vec::new();
        for number in numbers {
            let parent = (!self.pool.is_empty() && number % 4 != 0)
                .then(|| self.pool[self.pick(&mut rng)].walk.clone())
                .filter(|walk| walk.steps.len() < MAX_STEPS);
            let walk = match parent {
                None => {
                    self.record.fresh += 1;
                    Walk {
                        origin: number,
                        steps: Vec::new(),
                    }
                }
                Some(parent) => {
                    self.record.mutated += 1;
                    let mut steps = parent.steps;
                    let more = 1 + rng.next_u32() % 8;
                    steps.extend((0..more).map(|_| rng.next_u32() % 2 == 0));
                    Walk {
                        origin: parent.origin,
                        steps,
                    }
                }
            };
            let mut tree = self.generator.tree(self.seed, walk.origin);
            for &simplify in &walk.steps {
                // A step the tree cannot take leaves it where it is.
                let _ = if simplify {
                    tree.simplify()
                } else {
                    tree.complicate()
                };
            }
            cases.push(GuidedCase {
                number,
                walk,
                input: tree.current(),
            });
        }
        cases
    }

    /// A pool member, weighted by the implementations it was new in, the later ones (which
    /// got further) twice as likely as the first.
    fn pick(&self, rng: &mut TestRng) -> usize {
        let weight = |(position, member): (usize, &Member)| {
            let later = if 2 * position >= self.pool.len() {
                2
            } else {
                1
            };
            u64::from(member.implementations) * later
        };
        let total: u64 = self.pool.iter().enumerate().map(weight).sum();
        let mut ticket = u64::from(rng.next_u32()) % total.max(1);
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
            self.record.branches = self.seen.len() as u64;
            if new_in > 0 {
                self.pool.push(Member {
                    walk: case.walk,
                    implementations: new_in,
                });
                self.record.pool = self.pool.len() as u64;
            }
        }
    }
}

/// The round's random stream, from the seed and the round alone.
fn round_rng(seed: u64, round: u64) -> TestRng {
    let mut hasher = Sha256::new();
    hasher.update(b"guided round");
    hasher.update(seed.to_le_bytes());
    hasher.update(round.to_le_bytes());
    let key: [u8; 32] = hasher.finalize().into();
    TestRng::from_seed(RngAlgorithm::ChaCha, &key)
}

impl Guide {
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
