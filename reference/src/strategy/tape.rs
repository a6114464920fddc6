//! Guided mode's record and replay of a case's draws (choice-sequence mutation).
//!
//! Every primitive draw a native generator makes (a leaf's value, a union's arm, a
//! collection's length) is one call into its [`Source`](super::Source). A [`Tape`] keeps,
//! per draw, the words that draw consumed; a [`Replay`] draws a case again from a parent's
//! tape, giving each draw its recorded words except the draws chosen to change, which take
//! words from a fresh stream (as does any draw that needs more words than it recorded, after a
//! rejection or once an arm pick changed the structure). Any words are valid input for any
//! draw, so a replayed case is always a value the generator can produce.

use std::convert::Infallible;
use std::ops::Range;

use rand::{Rng, TryRng};

use super::stream::Stream;

/// The words each draw of one case consumed, in draw order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tape {
    words: Vec<u32>,
    /// Where each draw's words end in `words`.
    ends: Vec<usize>,
    /// The draws that chose among alternatives (an arm, a length, a bool, one of a list),
    /// as opposed to drawing a value (a number in a range, a character).
    choices: Vec<usize>,
}

impl Tape {
    /// How many draws the case made.
    pub fn draws(&self) -> usize {
        self.ends.len()
    }

    fn draw(&self, index: usize) -> &[u32] {
        let Some(&end) = self.ends.get(index) else {
            return &[];
        };
        let start = index.checked_sub(1).map_or(0, |before| self.ends[before]);
        &self.words[start..end]
    }

    /// The draws that chose among alternatives, in draw order.
    pub fn choices(&self) -> &[usize] {
        &self.choices
    }

    fn push(&mut self, words: &[u32], choice: bool) {
        if choice {
            self.choices.push(self.draws());
        }
        self.words.extend_from_slice(words);
        self.ends.push(self.words.len());
    }

    fn is_choice(&self, index: usize) -> bool {
        self.choices.binary_search(&index).is_ok()
    }

    /// This tape's draws before `at`, then `other`'s from `at` on.
    pub fn splice(&self, at: usize, other: &Tape) -> Tape {
        let mut spliced = Tape::default();
        let at = at.min(self.draws());
        for index in 0..at {
            spliced.push(self.draw(index), self.is_choice(index));
        }
        for index in at..other.draws() {
            spliced.push(other.draw(index), other.is_choice(index));
        }
        spliced
    }
}

/// A case drawn again from a parent's tape, recording its own.
pub struct Replay {
    parent: Tape,
    /// The draws that take fresh words instead of their recorded ones.
    redrawn: Vec<Range<usize>>,
    fresh: Stream,
    tape: Tape,
    /// The current draw's words so far.
    taken: Vec<u32>,
}

impl Replay {
    /// Replays `parent` with the draws in `redrawn` (and whatever outruns the parent's words)
    /// drawn from `fresh`. An empty parent draws the case `fresh` draws, word for word.
    pub fn new(parent: Tape, redrawn: Vec<Range<usize>>, fresh: Stream) -> Self {
        Replay {
            parent,
            redrawn,
            fresh,
            tape: Tape::default(),
            taken: Vec::new(),
        }
    }

    /// The tape of everything drawn so far.
    pub fn into_tape(self) -> Tape {
        self.tape
    }

    pub(crate) fn skip_arm(&mut self) {
        self.fresh.skip_arm();
    }

    /// Runs one draw on the replayed words and records what it took. Out of line and cold:
    /// only guided mode replays, and the stream's draws beside it stay inlined.
    #[cold]
    #[inline(never)]
    pub(crate) fn draw<T>(
        &mut self,
        choice: bool,
        draw: impl FnOnce(&mut dyn TryRng<Error = Infallible>) -> T,
    ) -> T {
        self.taken.clear();
        let value = draw(self);
        self.tape.push(&self.taken, choice);
        value
    }

    /// The parent's words the current draw has not taken yet (none if it is redrawn).
    fn recorded(&self) -> &[u32] {
        let index = self.tape.draws();
        if self.redrawn.iter().any(|range| range.contains(&index)) {
            return &[];
        }
        self.parent
            .draw(index)
            .get(self.taken.len()..)
            .unwrap_or(&[])
    }
}

impl TryRng for Replay {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let word = match self.recorded().first() {
            Some(&word) => word,
            None => self.fresh.rng().next_u32(),
        };
        self.taken.push(word);
        Ok(word)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        // Taken whole from the stream when nothing is recorded, so that a fresh case draws
        // exactly what the stream alone draws.
        if self.recorded().is_empty() {
            let value = self.fresh.rng().next_u64();
            self.taken.extend([value as u32, (value >> 32) as u32]);
            return Ok(value);
        }
        let low = self.try_next_u32()?;
        let high = self.try_next_u32()?;
        Ok(u64::from(low) | (u64::from(high) << 32))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let word = self.try_next_u32()?.to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}
