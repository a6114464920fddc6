//! Shrinking a case known only by its tape (a guided case: no seed and index name it, so it
//! has no proptest value tree). Each candidate replays the smallest tape so far with some
//! words made smaller: an element of a collection removed, a whole part's or one draw's set
//! to their lowest (a range's low end, a union's first arm, a collection's shortest length)
//! or one draw's halved. Whatever the generator draws from them is the candidate, so every
//! candidate is a value it can produce. Draws near the top of the value (how many operations, which naming) are tried before the many
//! deep ones, so the first candidates remove the most.

use proptest::strategy::ValueTree;

use super::tape::Tape;

/// What a candidate does to the draw under the cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// The collection element it was made in removed (the length one less).
    DeleteElement,
    /// Every draw of the part one level out set to its lowest.
    LowestPart,
    LowestDraw,
    HalveDraw,
}

const STEPS: [Step; 4] = [
    Step::DeleteElement,
    Step::LowestPart,
    Step::LowestDraw,
    Step::HalveDraw,
];

/// A value tree over a case's tape; `replay` draws the case a tape gives, with its own tape.
pub struct TapeTree<V, F> {
    replay: F,
    /// The smallest case so far that still fails, and its tape.
    base: (V, Tape),
    current: (V, Tape),
    /// The draws of `base` in the order they are tried: shallow ones first.
    order: Vec<usize>,
    /// The next (draw in `order`, step) to try.
    cursor: (usize, usize),
    /// The (draw in `order`, step) `current` came from.
    tried: (usize, usize),
    /// Whether a candidate was taken since the pass over `order` began.
    taken_this_pass: bool,
}

impl<V: Clone + PartialEq + std::fmt::Debug, F: Fn(Tape) -> (V, Tape)> TapeTree<V, F> {
    /// A tree at the case `tape` replays to.
    pub fn new(tape: Tape, replay: F) -> Self {
        let base = replay(tape);
        let order = shallow_first(&base.1);
        TapeTree {
            replay,
            current: base.clone(),
            base,
            order,
            cursor: (0, 0),
            tried: (0, 0),
            taken_this_pass: false,
        }
    }

    /// Moves `current` to the next candidate that differs from `base`; false when a whole
    /// pass took nothing.
    fn next_candidate(&mut self) -> bool {
        loop {
            let (position, step) = self.cursor;
            self.tried = self.cursor;
            if position >= self.order.len() {
                if !std::mem::take(&mut self.taken_this_pass) {
                    self.current = self.base.clone();
                    return false;
                }
                self.cursor = (0, 0);
                continue;
            }
            self.cursor = if step + 1 < STEPS.len() {
                (position, step + 1)
            } else {
                (position + 1, 0)
            };
            let Some(tape) = self.smaller(self.order[position], STEPS[step]) else {
                continue;
            };
            let candidate = (self.replay)(tape);
            if candidate.0 != self.base.0 {
                self.current = candidate;
                return true;
            }
        }
    }

    /// The base tape with `step` done at `draw`, or `None` when that changes no word.
    fn smaller(&self, draw: usize, step: Step) -> Option<Tape> {
        let tape = &self.base.1;
        // A part's candidates come from its first draw only: the others would repeat them.
        let part = tape.part_around(draw, 1);
        let draws = match step {
            Step::DeleteElement if part.start == draw => return self.without_element(draw),
            Step::LowestPart if part.start == draw && part.len() > 1 => part,
            Step::DeleteElement | Step::LowestPart => return None,
            Step::LowestDraw | Step::HalveDraw => draw..draw + 1,
        };
        let mut smaller = tape.clone();
        let mut changed = false;
        for index in draws {
            let words = smaller.words_mut(index);
            let before = words.to_vec();
            match step {
                Step::HalveDraw => halve(words),
                // 1, not 0: a uniform draw maps it to its range's low end as 0 would, but 0
                // falls in the zone the widening-multiply sampler rejects, which would take
                // fresh words instead.
                _ => set_number(words, 1),
            }
            changed |= words != before.as_slice();
        }
        changed.then_some(smaller)
    }

    /// The base tape without the collection element `draw` was made in: the length draw
    /// gets the largest number (up to its own) that gives one element less.
    fn without_element(&self, draw: usize) -> Option<Tape> {
        let (mut without, length, left) = self.base.1.without_element(draw)?;
        let length_path = without.path(length).to_vec();
        // The elements a replay draws with `value` for the length. A value the sampler
        // rejects (one that starts a bucket of its widening multiply) would draw the length
        // from fresh words; the next value is in the same bucket and is taken.
        let mut count = |value: u64| {
            for next in value..value.saturating_add(4) {
                set_number(without.words_mut(length), next);
                let replayed = (self.replay)(without.clone()).1;
                if replayed.draw(length).len() == without.draw(length).len() {
                    return replayed.elements_beside(&length_path);
                }
            }
            usize::MAX
        };
        let (mut low, mut high) = (1, number(self.base.1.draw(length)));
        if count(low) > left {
            return None;
        }
        // The largest number whose replay has `left` elements at most: counts grow with it.
        while low < high {
            let middle = low + (high - low).div_ceil(2);
            if count(middle) <= left {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        (count(low) == left).then_some(without)
    }
}

impl<V, F> ValueTree for TapeTree<V, F>
where
    V: Clone + PartialEq + std::fmt::Debug,
    F: Fn(Tape) -> (V, Tape),
{
    type Value = V;

    fn current(&self) -> V {
        self.current.0.clone()
    }

    /// The current case still fails: it is the new smallest, and the same draw is tried
    /// again (a halved number may halve again).
    fn simplify(&mut self) -> bool {
        if self.current.1 != self.base.1 {
            self.base = self.current.clone();
            self.order = shallow_first(&self.base.1);
            self.taken_this_pass = true;
            self.cursor = (self.tried.0, 0);
        }
        self.next_candidate()
    }

    /// The current case no longer fails: the next candidate starts from the smallest again.
    fn complicate(&mut self) -> bool {
        self.next_candidate()
    }
}

/// `tape`'s draws, those made in fewer parts first, each depth in draw order.
fn shallow_first(tape: &Tape) -> Vec<usize> {
    let mut order: Vec<usize> = (0..tape.draws()).collect();
    order.sort_by_key(|&draw| (tape.depth(draw), draw));
    order
}

/// The number `words` make, least significant word first (the first two words).
fn number(words: &[u32]) -> u64 {
    let word = |at: usize| u64::from(words.get(at).copied().unwrap_or(0));
    word(0) | (word(1) << 32)
}

/// Sets `words` to the number `value`, least significant word first.
fn set_number(words: &mut [u32], value: u64) {
    for (at, word) in words.iter_mut().enumerate() {
        *word = match at {
            0 => value as u32,
            1 => (value >> 32) as u32,
            _ => 0,
        };
    }
}

/// Halves the number `words` make, least significant word first.
fn halve(words: &mut [u32]) {
    let mut carry = 0;
    for word in words.iter_mut().rev() {
        let low_bit = *word & 1;
        *word = (*word >> 1) | (carry << 31);
        carry = low_bit;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_shifts_across_words() {
        let mut words = [0b11, 0b101];
        halve(&mut words);
        assert_eq!(words, [(1 << 31) | 1, 0b10]);
        let mut zero = [0u32; 2];
        halve(&mut zero);
        assert_eq!(zero, [0, 0]);
    }
}
