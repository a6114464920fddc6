//! Where a sampler draws from, and the leaves drawn without proptest.
//!
//! A case's stream is proptest's `TestRng` for the ChaCha algorithm: a `ChaCha20Rng` from
//! the case's seed. Held directly, a skipped union arm (proptest forks the runner for it,
//! drawing a 32-word seed nobody reads) becomes a jump in the stream, so the ChaCha blocks
//! holding only skipped words are never computed. A generator can use the stream when
//! every leaf in it is drawn here with the same `rand` calls proptest's leaf makes.

use std::any::Any;
use std::borrow::Cow;
use std::convert::Infallible;
use std::ops::{Range, RangeInclusive};

use chacha20::ChaCha20Rng;

use super::tape::Replay;
use proptest::test_runner::TestRunner;
use rand::distr::{Distribution, Uniform};
use rand::{Rng, RngExt, SeedableRng, TryRng};

/// What one skipped arm costs: the `[u8; 32]` seed of the forked runner, which `rand`
/// draws as one `next_u32` per byte.
const FORK_SEED_WORDS: u128 = 32;
/// Words in the ChaCha buffer (four 16-word blocks computed at once).
const BUFFER_WORDS: u128 = 64;
const BLOCK_WORDS: u128 = 16;

/// The case's ChaCha stream, with skipped arms owed until the next draw.
pub struct Stream {
    rng: ChaCha20Rng,
    /// Words skipped and not yet stepped over.
    owed: u128,
    /// Where the buffer holding the current position starts (a block boundary): buffers
    /// follow each other from there until the next jump.
    buffer_start: u128,
}

impl Stream {
    /// The stream `TestRng::from_seed(RngAlgorithm::ChaCha, &seed)` draws from.
    pub fn new(seed: [u8; 32]) -> Self {
        Stream {
            rng: ChaCha20Rng::from_seed(seed),
            owed: 0,
            buffer_start: 0,
        }
    }

    pub(crate) fn skip_arm(&mut self) {
        self.owed += FORK_SEED_WORDS;
    }

    /// The generator, past every skipped word: stepped over inside the current buffer,
    /// jumped over (no block computed for them) beyond it.
    pub(crate) fn rng(&mut self) -> &mut ChaCha20Rng {
        if self.owed > 0 {
            let position = self.rng.get_word_pos();
            let used = (position - self.buffer_start) % BUFFER_WORDS;
            let left = if used == 0 { 0 } else { BUFFER_WORDS - used };
            if self.owed <= left {
                let mut skipped = [0u8; (BUFFER_WORDS * 4) as usize];
                self.rng
                    .fill_bytes(&mut skipped[..(self.owed * 4) as usize]);
            } else {
                let target = position + self.owed;
                self.rng.set_word_pos(target);
                self.buffer_start = target - target % BLOCK_WORDS;
            }
            self.owed = 0;
        }
        &mut self.rng
    }
}

/// The stream a sampler draws from: a proptest runner (any leaf strategy can draw from
/// it), the case's own [`Stream`] (for generators whose every leaf is drawn here), or a
/// [`Replay`] of a recorded case (guided mode, native generators too).
pub enum Source<'a> {
    Runner(&'a mut TestRunner),
    Stream(&'a mut Stream),
    Replay(&'a mut Replay),
}

impl Source<'_> {
    /// Consumes what proptest draws when it defers an arm it did not pick.
    pub(crate) fn skip_arm(&mut self) {
        match self {
            // 128 bytes take the same 32 words from the ChaCha stream as 32 `next_u32`.
            Source::Runner(runner) => {
                let mut fork_seed_words = [0u8; (FORK_SEED_WORDS * 4) as usize];
                runner.rng().fill_bytes(&mut fork_seed_words);
            }
            Source::Stream(stream) => stream.skip_arm(),
            Source::Replay(replay) => replay.skip_arm(),
        }
    }

    /// Runs `draw`, one part of a composite value (a tuple's field, a collection's element, a
    /// union's arm): a replay aligns each part's draws with the parent's same part.
    #[inline]
    pub(crate) fn part<T>(&mut self, draw: impl FnOnce(&mut Self) -> T) -> T {
        if let Source::Replay(replay) = self {
            replay.enter();
        }
        let value = draw(self);
        if let Source::Replay(replay) = self {
            replay.leave();
        }
        value
    }

    /// A uniform draw from `low..=high`, as `proptest::num::sample_uniform_incl` makes it.
    pub(crate) fn uniform_incl<X: rand::distr::uniform::SampleUniform>(
        &mut self,
        low: X,
        high: X,
    ) -> X {
        let uniform = Uniform::new_inclusive(low, high).expect("a valid range");
        match self {
            Source::Runner(runner) => uniform.sample(runner.rng()),
            Source::Stream(stream) => uniform.sample(stream.rng()),
            Source::Replay(replay) => replay.draw(true, |rng| uniform.sample(rng)),
        }
    }

    /// A character from `ranges`, drawn as a `proptest::char` strategy over them with the
    /// default biases draws it.
    pub(crate) fn char_in(&mut self, ranges: &[RangeInclusive<char>]) -> char {
        use proptest::char::{select_char, DEFAULT_PREFERRED_RANGES, DEFAULT_SPECIAL_CHARS};
        self.with_rng(|rng| {
            select_char(
                &mut &mut *rng,
                DEFAULT_SPECIAL_CHARS,
                DEFAULT_PREFERRED_RANGES,
                ranges,
            )
        })
    }

    /// Runs `draw`, a value's draw, on the generator underneath.
    fn with_rng<T>(&mut self, draw: impl FnOnce(&mut dyn TryRng<Error = Infallible>) -> T) -> T {
        self.draw_as(false, draw)
    }

    /// Runs `draw`, a choice among a few alternatives (a bool, one of a list), on the
    /// generator underneath.
    fn choose_with_rng<T>(
        &mut self,
        draw: impl FnOnce(&mut dyn TryRng<Error = Infallible>) -> T,
    ) -> T {
        self.draw_as(true, draw)
    }

    /// Runs `draw`; a replay records whether it was a `choice` (guided mutation redraws
    /// choices more often than values: they are what steers a case into rare branches).
    fn draw_as<T>(
        &mut self,
        choice: bool,
        draw: impl FnOnce(&mut dyn TryRng<Error = Infallible>) -> T,
    ) -> T {
        match self {
            Source::Runner(runner) => draw(runner.rng()),
            Source::Stream(stream) => draw(stream.rng()),
            Source::Replay(replay) => replay.draw(choice, draw),
        }
    }
}

/// A sampler drawing from either source.
pub(crate) type Draw<T> = std::sync::Arc<dyn Fn(&mut Source) -> T>;

fn draw<T: 'static>(sampler: impl Fn(&mut Source) -> T + 'static) -> Draw<T> {
    std::sync::Arc::new(sampler)
}

/// The sampler of a proptest leaf whose draws are made here, if `strategy` is one:
/// `Just`, integer and float ranges (drawn with `Uniform` as proptest's ranges are), and
/// `any::<bool>()`.
pub(crate) fn native_leaf<S: Any + Clone, T: std::fmt::Debug + Clone + 'static>(
    strategy: &S,
) -> Option<Draw<T>> {
    let strategy = strategy as &dyn Any;
    if let Some(just) = strategy.downcast_ref::<proptest::strategy::Just<T>>() {
        let value = just.0.clone();
        return Some(draw(move |_| value.clone()));
    }
    if strategy.is::<proptest::bool::Any>() {
        return retyped(draw(|source| {
            source.choose_with_rng(|rng| rng.random::<bool>())
        }));
    }
    macro_rules! ranges {
        ($($typ:ty),+) => {$(
            if let Some(range) = strategy.downcast_ref::<Range<$typ>>() {
                let uniform = Uniform::new(range.start, range.end).expect("a valid range");
                return retyped(draw(move |source| source.with_rng(|rng| uniform.sample(rng))));
            }
            if let Some(range) = strategy.downcast_ref::<RangeInclusive<$typ>>() {
                let uniform = Uniform::new_inclusive(*range.start(), *range.end())
                    .expect("a valid range");
                return retyped(draw(move |source| source.with_rng(|rng| uniform.sample(rng))));
            }
        )+};
    }
    ranges!(u8, u16, u32, u64, i32, i64);
    if let Some(range) = strategy.downcast_ref::<Range<f64>>() {
        let (low, high) = (range.start, range.end);
        let whole = Intervals::split(low, high);
        return retyped(draw(move |source| {
            source.with_rng(|rng| whole.sample(rng, low, high))
        }));
    }
    // proptest draws a usize in u64, so that it is the same on every platform.
    if let Some(range) = strategy.downcast_ref::<Range<usize>>() {
        let uniform = Uniform::new(range.start as u64, range.end as u64).expect("a valid range");
        return retyped(draw(move |source| {
            source.with_rng(|rng| uniform.sample(rng)) as usize
        }));
    }
    None
}

/// How proptest draws from a float range `low..high`: it cuts the range into equal
/// intervals (the spacing of floats at its larger end), picks one, cuts that again, until
/// one interval is left, then takes either of its ends.
#[derive(Clone, Copy)]
struct Intervals {
    start: f64,
    step: f64,
    count: u64,
}

impl Intervals {
    fn split(low: f64, high: f64) -> Intervals {
        let (min_abs, max_abs) = (low.abs().min(high.abs()), low.abs().max(high.abs()));
        let gap = max_abs - next_down(max_abs);
        let (start, step) = if low.abs() < high.abs() {
            (high, -gap)
        } else {
            (low, gap)
        };
        let (min_gaps, max_gaps) = (min_abs / gap, max_abs / gap);
        let count = if low.signum() == high.signum() {
            max_gaps as u64 - min_gaps.floor() as u64
        } else if min_gaps == 0.0 && min_abs > 0.0 {
            max_gaps as u64 + 1
        } else {
            max_gaps as u64 + min_gaps.ceil() as u64
        };
        Intervals { start, step, count }
    }

    /// Interval `index`, low end first.
    fn get(&self, index: u64) -> [f64; 2] {
        let x = ((index / 2) as f64)
            .mul_add(2.0 * self.step, (index % 2) as f64 * self.step + self.start);
        let y = x + self.step;
        if self.step > 0.0 {
            [x, y]
        } else {
            [y, x]
        }
    }

    fn sample(&self, rng: &mut dyn TryRng<Error = Infallible>, low: f64, high: f64) -> f64 {
        use rand::seq::IndexedRandom;
        let mut intervals = *self;
        while intervals.count > 1 {
            let [a, b] = intervals.get(rng.random_range(0..intervals.count));
            intervals = Intervals::split(a, b);
        }
        let ends = intervals.get(0);
        let result = ends.choose(rng).expect("two ends").clamp(low, high);
        if result == high {
            next_down(high)
        } else {
            result
        }
    }
}

/// The float below `a` (`-0.0` counting as `0.0`).
fn next_down(a: f64) -> f64 {
    if a == 0.0 {
        -f64::from_bits(1)
    } else if a < 0.0 {
        f64::from_bits(a.to_bits() + 1)
    } else {
        f64::from_bits(a.to_bits() - 1)
    }
}

/// A sampler of `U` as a sampler of `T`, when they are the same type.
fn retyped<U: 'static, T: 'static>(sampler: Draw<U>) -> Option<Draw<T>> {
    (Box::new(sampler) as Box<dyn Any>)
        .downcast::<Draw<T>>()
        .ok()
        .map(|sampler| *sampler)
}

/// `proptest::bool::weighted(probability)`'s draw.
pub(crate) fn weighted_bool(probability: f64) -> Draw<bool> {
    draw(move |source| source.choose_with_rng(|rng| rng.random_bool(probability)))
}

/// `proptest::sample::select(values)`'s draw: an index in `0..len`, drawn in u64.
pub(crate) fn select_from<T: Clone + 'static>(values: Vec<T>) -> Draw<T> {
    let uniform = Uniform::new(0, values.len() as u64).expect("values to select from");
    draw(move |source| values[source.choose_with_rng(|rng| uniform.sample(rng)) as usize].clone())
}

/// The draw of a `proptest::char` strategy over `ranges` with the default biases
/// (`char::any()` and `char::ranges`).
pub(crate) fn char_in(ranges: Cow<'static, [RangeInclusive<char>]>) -> Draw<char> {
    draw(move |source| source.char_in(&ranges))
}

/// The draw of `POSITIVE | NEGATIVE | NORMAL | ZERO | SUBNORMAL` (proptest's `f64::Any`
/// for those classes): a class by weight (normal 20, subnormal 3, zero 4; an arm skipped
/// before the picked one forks), then 64 random bits shaped to it.
pub(crate) fn finite_float() -> Draw<f64> {
    const SIGN: u64 = 0x8000_0000_0000_0000;
    const EXP: u64 = 0x7FF0_0000_0000_0000;
    const EXP_ZERO: u64 = 0x3FF0_0000_0000_0000;
    const MANTISSA: u64 = 0x000F_FFFF_FFFF_FFFF;
    // (weight, class mask, edge exponents allowed, zero mantissa allowed)
    const CLASSES: [(u64, u64, bool, bool); 3] = [
        (20, EXP | MANTISSA, false, true),
        (3, MANTISSA, true, false),
        (4, 0, true, true),
    ];
    draw(|source| {
        let drawn = source.uniform_incl(0u64, 26);
        let mut reached = 0;
        let mut class = CLASSES[0];
        for (i, candidate) in CLASSES.iter().enumerate() {
            reached += candidate.0;
            if drawn < reached {
                class = *candidate;
                break;
            }
            if i + 1 < CLASSES.len() {
                source.skip_arm();
            }
        }
        let (_, class_mask, edge_exponent, zero_mantissa) = class;
        let mut bits = source.with_rng(|rng| rng.random::<u64>()) & (SIGN | class_mask);
        let exponent = bits & EXP;
        if !edge_exponent && (exponent == 0 || exponent == EXP) {
            bits = (bits & !EXP) | EXP_ZERO;
        }
        if !zero_mantissa && bits & MANTISSA == 0 {
            bits |= 1;
        }
        f64::from_bits(bits)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::test_runner::{RngAlgorithm, TestRng};

    /// Skipped arms, stepped over inside a buffer or jumped over past it, leave the stream
    /// where proptest's forks leave its runner, whatever was drawn in between.
    #[test]
    fn skips_land_where_forks_do() {
        for pattern in 0u32..512 {
            let seed = [pattern as u8; 32];
            let mut proptest_rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
            let mut stream = Stream::new(seed);
            for step in 0..12 {
                let skips = (pattern >> (step % 8)) % 4;
                for _ in 0..skips {
                    for _ in 0..FORK_SEED_WORDS {
                        proptest_rng.next_u32();
                    }
                    stream.skip_arm();
                }
                let words = (pattern + step) % 3;
                for _ in 0..words {
                    assert_eq!(
                        proptest_rng.next_u32(),
                        stream.rng().next_u32(),
                        "{pattern}"
                    );
                }
                assert_eq!(
                    proptest_rng.next_u64(),
                    stream.rng().next_u64(),
                    "{pattern}"
                );
            }
        }
    }
}
