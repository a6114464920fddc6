//! Guided mode's record and replay of a case's draws (choice-sequence mutation).
//!
//! Every primitive draw a native generator makes (a leaf's value, a union's arm, a
//! collection's length) is one call into its [`Source`](super::Source). A [`Tape`] keeps,
//! per draw, the words that draw consumed and where in the value it was made: its path of
//! parts (a tuple's field, a collection's element, a union's arm, each numbered in turn
//! within the part around it). A [`Replay`] draws a case again from a parent's tape, giving
//! each draw the words the parent's draw at the same path took, except the draws chosen to
//! change, which take words from a fresh stream (as does any draw the parent did not make,
//! or that needs more words than it recorded). Aligning by path rather than by draw number
//! means a redraw that changes how many draws one part makes (a longer string, another
//! arm) leaves every later part as it was. Any words are valid input for any draw, so a
//! replayed case is always a value the generator can produce.

use std::collections::HashMap;
use std::convert::Infallible;
use std::ops::Range;

use rand::{Rng, TryRng};

use super::stream::Stream;

/// The words each draw of one case consumed, in draw order, with where each was made.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tape {
    words: Vec<u32>,
    /// Where each draw's words end in `words`.
    ends: Vec<usize>,
    /// Each draw's path: the number of the part it was made in at each level, outermost
    /// first, then its own number within that part.
    paths: Vec<Box<[u32]>>,
    /// The draws that chose among alternatives (an arm, a length, a bool, one of a list),
    /// as opposed to drawing a value (a number in a range, a character).
    choices: Vec<usize>,
}

impl Tape {
    /// How many draws the case made.
    pub fn draws(&self) -> usize {
        self.ends.len()
    }

    /// Where draw `index`'s words lie in `words` (nowhere past the last draw).
    fn span(&self, index: usize) -> Range<usize> {
        let Some(&end) = self.ends.get(index) else {
            return 0..0;
        };
        index.checked_sub(1).map_or(0, |before| self.ends[before])..end
    }

    /// Draw `index`'s words (none past the last draw).
    pub(crate) fn draw(&self, index: usize) -> &[u32] {
        &self.words[self.span(index)]
    }

    /// Draw `index`'s words, to change in place (none past the last draw).
    pub(crate) fn words_mut(&mut self, index: usize) -> &mut [u32] {
        let span = self.span(index);
        &mut self.words[span]
    }

    /// How many parts draw `index` was made inside (0 past the last draw).
    pub fn depth(&self, index: usize) -> usize {
        self.paths.get(index).map_or(0, |path| path.len())
    }

    /// The draws that chose among alternatives, in draw order.
    pub fn choices(&self) -> &[usize] {
        &self.choices
    }

    /// The draws of the part `levels` levels out from draw `index` (the whole case at most;
    /// the draw alone at 0): a part's draws follow each other on the tape.
    pub fn part_around(&self, index: usize, levels: usize) -> Range<usize> {
        let Some(prefix) = self.part_path(index, levels) else {
            return index..index;
        };
        let inside = |at: &usize| self.paths[*at].starts_with(prefix);
        let start = (0..index).rev().take_while(inside).last().unwrap_or(index);
        let end = (index..self.draws())
            .take_while(inside)
            .last()
            .unwrap_or(index);
        start..end + 1
    }

    /// The path of the part `levels` levels out from draw `index`: every draw of that part
    /// has it as a prefix.
    fn part_path(&self, index: usize, levels: usize) -> Option<&[u32]> {
        let path = self.paths.get(index)?;
        Some(&path[..path.len().saturating_sub(levels)])
    }

    fn push(&mut self, words: &[u32], path: &[u32], choice: bool) {
        if choice {
            self.choices.push(self.draws());
        }
        self.words.extend_from_slice(words);
        self.ends.push(self.words.len());
        self.paths.push(path.into());
    }

    fn is_choice(&self, index: usize) -> bool {
        self.choices.binary_search(&index).is_ok()
    }

    /// Appends `from`'s draw `index`, as it was made there.
    fn copy_draw(&mut self, from: &Tape, index: usize) {
        self.push(from.draw(index), &from.paths[index], from.is_choice(index));
    }

    /// This tape without the element draw `at` was made in, when that is an element of a
    /// collection (a part numbered 1 or more beside a length draw numbered 0): the elements
    /// after it move up one place, so a replay gives them the words they had. Returns the
    /// new tape, the collection's length draw in it and how many elements are left, which
    /// the length draw must be made to give.
    pub(crate) fn without_element(&self, at: usize) -> Option<(Tape, usize, usize)> {
        let element = self.part_path(at, 1)?;
        let (&place, collection) = element.split_last()?;
        let length_path: Vec<u32> = collection.iter().copied().chain([0]).collect();
        let length = self.paths.iter().position(|path| **path == *length_path)?;
        if place == 0 || !self.is_choice(length) {
            return None;
        }
        let mut without = Tape::default();
        let mut new_length = None;
        for index in 0..self.draws() {
            let path = &self.paths[index];
            if path.starts_with(element) {
                continue;
            }
            let mut path = path.clone();
            if place_in(&path, collection).is_some_and(|later| later > place) {
                path[collection.len()] -= 1;
            }
            if index == length {
                new_length = Some(without.draws());
            }
            without.push(self.draw(index), &path, self.is_choice(index));
        }
        let left = self.elements_beside(&length_path).saturating_sub(1);
        Some((without, new_length?, left))
    }

    /// How many elements the collection whose length draw is at `length_path` has on this tape
    /// (those that made a draw).
    pub(crate) fn elements_beside(&self, length_path: &[u32]) -> usize {
        let Some((_, collection)) = length_path.split_last() else {
            return 0;
        };
        let mut places: Vec<u32> = self
            .paths
            .iter()
            .filter_map(|path| place_in(path, collection))
            .filter(|&place| place > 0)
            .collect();
        places.dedup();
        places.len()
    }

    /// The path of draw `index`.
    pub(crate) fn path(&self, index: usize) -> &[u32] {
        self.paths.get(index).map_or(&[], |path| path)
    }

    /// This tape's draws before `at`, then `other`'s from `at` on.
    pub fn splice(&self, at: usize, other: &Tape) -> Tape {
        let mut spliced = Tape::default();
        let at = at.min(self.draws());
        for index in 0..at {
            spliced.copy_draw(self, index);
        }
        for index in at..other.draws() {
            spliced.copy_draw(other, index);
        }
        spliced
    }
}

/// The place within `collection` of the part a draw at `path` was made in, when it was
/// made inside `collection` (0 for the collection's length draw, its elements from 1).
fn place_in(path: &[u32], collection: &[u32]) -> Option<u32> {
    path.strip_prefix(collection)?.first().copied()
}

/// A case drawn again from a parent's tape, recording its own.
pub struct Replay {
    parent: Tape,
    /// The parent's draw at each path (the first, where a spliced tape has two).
    by_path: HashMap<Box<[u32]>, usize>,
    /// The parent's draws that take fresh words instead of their recorded ones.
    redrawn: Vec<Range<usize>>,
    fresh: Stream,
    tape: Tape,
    /// The number of the next part or draw at each level, outermost first.
    position: Vec<u32>,
    /// The parent's words for the current draw (none if it is redrawn or the parent made
    /// no draw at its path).
    recorded: Range<usize>,
    /// The current draw's words so far.
    taken: Vec<u32>,
}

impl Replay {
    /// Replays `parent` with its draws in `redrawn` (and whatever outruns the parent's
    /// words) drawn from `fresh`. An empty parent draws the case `fresh` draws, word for word.
    pub fn new(parent: Tape, redrawn: Vec<Range<usize>>, fresh: Stream) -> Self {
        let mut by_path = HashMap::with_capacity(parent.draws());
        for (index, path) in parent.paths.iter().enumerate() {
            by_path.entry(path.clone()).or_insert(index);
        }
        Replay {
            parent,
            by_path,
            redrawn,
            fresh,
            tape: Tape::default(),
            position: vec![0],
            recorded: 0..0,
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

    /// The next draws make up one part, until [`Replay::leave`].
    pub(crate) fn enter(&mut self) {
        self.position.push(0);
    }

    /// The current part is drawn.
    pub(crate) fn leave(&mut self) {
        self.position.pop();
        self.step();
    }

    fn step(&mut self) {
        if let Some(last) = self.position.last_mut() {
            *last += 1;
        }
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
        self.recorded = match self.by_path.get(self.position.as_slice()) {
            Some(&index) if !self.redrawn.iter().any(|range| range.contains(&index)) => {
                self.parent.span(index)
            }
            _ => 0..0,
        };
        self.taken.clear();
        let value = draw(self);
        self.tape.push(&self.taken, &self.position, choice);
        self.step();
        value
    }

    /// The parent's words the current draw has not taken yet.
    fn recorded(&self) -> &[u32] {
        let start = (self.recorded.start + self.taken.len()).min(self.recorded.end);
        &self.parent.words[start..self.recorded.end]
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
