//! One definition of each generator, drawn two ways.
//!
//! A [`Gen`] holds the proptest strategy the minimizer shrinks and a direct sampler that
//! makes exactly the draws that strategy's `new_tree` makes (proptest 1.12), in the same
//! order from the same runner, without building a value tree: a run needs only each
//! case's value, and building and reading a whole tree per case was most of the harness's
//! cost. Both sides are built from the same definition, so they cannot drift apart; the
//! unit test `samplers_draw_as_trees` compares them over every contract and setting.
//!
//! Leaves (ranges, `Just`, `select`, `any`, regexes, …) are sampled by proptest itself:
//! their trees are small and allocation-free, and their draws are proptest's by
//! construction. The combinators that allocate or fork are sampled here: unions (an arm
//! skipped before the picked one forks the runner's RNG, drawing a 32-byte seed), maps,
//! tuples, arrays, collections, options and recursion.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::ops::RangeInclusive;
use std::sync::Arc;

use proptest::collection::SizeRange;
use proptest::prelude::*;
use proptest::strategy::{float_to_weight, TupleUnion, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::{Map, Value};

mod regex;
mod stream;
mod tape;
mod tape_shrink;

pub use regex::regex;
use stream::{char_in, native_leaf, select_from, weighted_bool, Draw as Sampler};
pub use stream::{Source, Stream};
pub use tape::{Replay, Tape};
pub use tape_shrink::TapeTree;

/// A generator: a proptest strategy and a sampler drawing the same values.
pub struct Gen<T> {
    strategy: BoxedStrategy<T>,
    sampler: Sampler<T>,
    /// Every leaf is drawn here, so the sampler can draw from a [`Stream`]; otherwise it
    /// needs a runner for the leaves proptest draws.
    native: bool,
}

impl<T> Clone for Gen<T> {
    fn clone(&self) -> Self {
        Gen {
            strategy: self.strategy.clone(),
            sampler: Arc::clone(&self.sampler),
            native: self.native,
        }
    }
}

/// What a generator can be made of: a [`Gen`], or any proptest strategy (a leaf).
pub trait IntoGen {
    type Value: Debug + 'static;
    fn into_gen(self) -> Gen<Self::Value>;
}

impl<T: Debug + 'static> IntoGen for Gen<T> {
    type Value = T;
    fn into_gen(self) -> Gen<T> {
        self
    }
}

impl<S> IntoGen for S
where
    S: Strategy + Clone + 'static,
    S::Value: Clone + 'static,
{
    type Value = S::Value;
    fn into_gen(self) -> Gen<S::Value> {
        Gen::leaf(self)
    }
}

impl<T: Debug + Clone + 'static> Gen<T> {
    /// A proptest strategy as a generator: drawn here when it is one of the leaves
    /// [`native_leaf`] knows (`Just`, ranges, `any::<bool>()`), else by proptest itself,
    /// without boxing its tree.
    pub fn leaf<S>(strategy: S) -> Self
    where
        S: Strategy<Value = T> + Clone + 'static,
    {
        match native_leaf(&strategy) {
            Some(sampler) => Gen::native(strategy, sampler),
            None => Gen::proptest_leaf(strategy),
        }
    }

    /// A leaf drawn here by `sampler`, making the draws `strategy` makes.
    fn native(strategy: impl Strategy<Value = T> + 'static, sampler: Sampler<T>) -> Self {
        Gen {
            strategy: strategy.boxed(),
            sampler,
            native: true,
        }
    }
}

impl<T: Debug + 'static> Gen<T> {
    /// A leaf proptest draws itself (from a runner), without boxing its tree.
    fn proptest_leaf<S>(strategy: S) -> Self
    where
        S: Strategy<Value = T> + Clone + 'static,
    {
        Gen {
            strategy: strategy.clone().boxed(),
            sampler: Arc::new(move |source| match source {
                Source::Runner(runner) => strategy
                    .new_tree(runner)
                    .expect("generators do not reject")
                    .current(),
                Source::Stream(_) | Source::Replay(_) => {
                    unreachable!("a leaf proptest draws is not native")
                }
            }),
            native: false,
        }
    }

    /// The proptest strategy, for value trees that shrink.
    pub fn strategy(&self) -> BoxedStrategy<T> {
        self.strategy.clone()
    }

    /// The value `self.strategy().new_tree(runner)?.current()` would be, drawn the same way.
    pub fn sample(&self, runner: &mut TestRunner) -> T {
        self.draw(&mut Source::Runner(runner))
    }

    /// The value drawn from `source`, which is a [`Stream`] only if [`Gen::is_native`].
    pub fn draw(&self, source: &mut Source) -> T {
        (self.sampler)(source)
    }

    /// [`Gen::draw`] as one part of a composite value, for a replay to align by.
    fn draw_part(&self, source: &mut Source) -> T {
        source.part(|source| self.draw(source))
    }

    /// Whether every leaf is drawn here, so a [`Stream`] can be drawn from.
    pub fn is_native(&self) -> bool {
        self.native
    }

    pub fn prop_map<U: Debug + 'static>(self, map: impl Fn(T) -> U + 'static) -> Gen<U> {
        let map = Arc::new(map);
        let for_strategy = Arc::clone(&map);
        let sampler = self.sampler;
        Gen {
            strategy: self.strategy.prop_map(move |v| for_strategy(v)).boxed(),
            sampler: Arc::new(move |source| map(sampler(source))),
            native: self.native,
        }
    }

    /// proptest's `prop_recursive`: up to `depth` levels, each a union of the level below
    /// (`weight_leaf`) and `recurse` of it (`weight_branch`).
    pub fn prop_recursive(
        self,
        depth: u32,
        desired_size: u32,
        expected_branch_size: u32,
        recurse: impl Fn(Gen<T>) -> Gen<T> + 'static,
    ) -> Gen<T> {
        let recurse = Arc::new(recurse);
        let for_strategy = Arc::clone(&recurse);
        let strategy = self
            .strategy
            .clone()
            .prop_recursive(depth, desired_size, expected_branch_size, move |inner| {
                for_strategy(Gen::proptest_leaf(inner)).strategy
            })
            .boxed();
        // The levels proptest builds for every value, built once: the same branch
        // probabilities, the innermost level first.
        let mut probabilities = Vec::new();
        let mut k2 = u64::from(expected_branch_size) * 2;
        for _ in 0..depth {
            probabilities.push(f64::from(desired_size) / k2 as f64);
            k2 = k2.saturating_mul(u64::from(expected_branch_size) * 2);
        }
        let mut level = self;
        while let Some(probability) = probabilities.pop() {
            let (weight_branch, weight_leaf) = float_to_weight(probability.min(0.9));
            let branch = recurse(level.clone());
            level = one_of(vec![(weight_leaf, level), (weight_branch, branch)]);
        }
        Gen {
            strategy,
            sampler: level.sampler,
            native: level.native,
        }
    }
}

/// proptest's `prop_oneof!`: arm `i` is picked with probability `weight_i / Σ weights`.
pub fn one_of<T: Debug + 'static>(arms: Vec<(u32, Gen<T>)>) -> Gen<T> {
    if arms.len() == 1 {
        // `prop_oneof!` of one arm is that arm: nothing is drawn for the choice.
        return arms[0].1.clone();
    }
    let total: u64 = arms.iter().map(|(w, _)| u64::from(*w)).sum();
    assert!(total > 0, "a union needs an arm of positive weight");
    let strategy = union_strategy(
        arms.iter()
            .map(|(w, arm)| (*w, arm.strategy.clone()))
            .collect(),
    );
    let native = arms.iter().all(|(_, arm)| arm.native);
    let sampler = move |source: &mut Source| {
        let drawn = source.uniform_incl(0, total - 1);
        let mut reached = 0u64;
        let pick = arms
            .iter()
            .take_while(|(w, _)| {
                reached += u64::from(*w);
                reached <= drawn
            })
            .count();
        for _ in 0..pick {
            source.skip_arm();
        }
        arms[pick].1.draw_part(source)
    };
    Gen {
        strategy,
        sampler: Arc::new(sampler),
        native,
    }
}

/// The strategy `prop_oneof!` builds for these arms (it has no form for a list).
fn union_strategy<T: Debug + 'static>(arms: Vec<(u32, BoxedStrategy<T>)>) -> BoxedStrategy<T> {
    let count = arms.len();
    let mut arms = arms.into_iter().map(|(w, s)| (w, Arc::new(s)));
    let mut next = || arms.next().expect("counted");
    match count {
        2 => TupleUnion::new((next(), next())).boxed(),
        3 => TupleUnion::new((next(), next(), next())).boxed(),
        4 => TupleUnion::new((next(), next(), next(), next())).boxed(),
        5 => TupleUnion::new((next(), next(), next(), next(), next())).boxed(),
        6 => TupleUnion::new((next(), next(), next(), next(), next(), next())).boxed(),
        7 => TupleUnion::new((next(), next(), next(), next(), next(), next(), next())).boxed(),
        n => panic!("a union of {n} arms: prop_oneof! arms go up to 7 here"),
    }
}

/// `prop_oneof!` over generators and leaf strategies: `one_of![w => a, w => b]` or
/// `one_of![a, b]` (weight 1 each).
#[macro_export]
macro_rules! one_of {
    ($($weight:expr => $arm:expr),+ $(,)?) => {
        $crate::strategy::one_of(vec![
            $(($weight, $crate::strategy::IntoGen::into_gen($arm))),+
        ])
    };
    ($($arm:expr),+ $(,)?) => {
        $crate::one_of![$(1 => $arm),+]
    };
}

/// `proptest::collection::vec`: a length drawn from `size`, then each element in turn.
pub fn vec_of<T: Debug + 'static>(
    element: impl IntoGen<Value = T>,
    size: impl Into<SizeRange>,
) -> Gen<Vec<T>> {
    let element = element.into_gen();
    let size = size.into();
    let (start, end) = size.start_end_incl();
    Gen {
        strategy: proptest::collection::vec(element.strategy.clone(), size).boxed(),
        native: element.native,
        sampler: Arc::new(move |source| {
            let len = source.uniform_incl(start, end);
            (0..len).map(|_| element.draw_part(source)).collect()
        }),
    }
}

/// `proptest::collection::btree_map`: `size` key–value pairs drawn in turn, a later key
/// replacing an earlier equal one; redrawn while too few keys are distinct.
pub fn btree_map_of<K: Debug + Ord + 'static, V: Debug + 'static>(
    key: impl IntoGen<Value = K>,
    value: impl IntoGen<Value = V>,
    size: impl Into<SizeRange>,
) -> Gen<BTreeMap<K, V>> {
    let (key, value, size) = (key.into_gen(), value.into_gen(), size.into());
    let (start, end) = size.start_end_incl();
    let strategy =
        proptest::collection::btree_map(key.strategy.clone(), value.strategy.clone(), size).boxed();
    Gen {
        strategy,
        native: key.native && value.native,
        sampler: Arc::new(move |source| {
            draw_map(source, (&key, &value), (start, end), BTreeMap::len)
        }),
    }
}

/// What proptest's `btree_map` draws: a length in `start..=end`, then that many key–value
/// pairs in turn into `M`, a later key replacing an earlier equal one; drawn again while
/// fewer than `start` keys are distinct.
fn draw_map<K: Debug + 'static, V: Debug + 'static, M: FromIterator<(K, V)>>(
    source: &mut Source,
    (key, value): (&Gen<K>, &Gen<V>),
    (start, end): (usize, usize),
    len: fn(&M) -> usize,
) -> M {
    loop {
        let count = source.uniform_incl(start, end);
        let map: M = (0..count)
            .map(|_| source.part(|source| (key.draw_part(source), value.draw_part(source))))
            .collect();
        if len(&map) >= start {
            return map;
        }
    }
}

/// [`btree_map_of`] as a JSON object: the same draws, collected straight into the object
/// (a later key replacing an earlier equal one, as in the map).
pub fn json_object(
    key: Gen<String>,
    value: Gen<Value>,
    size: impl Into<SizeRange>,
) -> Gen<Map<String, Value>> {
    let size = size.into();
    let (start, end) = size.start_end_incl();
    let strategy =
        proptest::collection::btree_map(key.strategy.clone(), value.strategy.clone(), size)
            .prop_map(|map| map.into_iter().collect::<Map<_, _>>())
            .boxed();
    Gen {
        strategy,
        native: key.native && value.native,
        sampler: Arc::new(move |source| draw_map(source, (&key, &value), (start, end), Map::len)),
    }
}

/// `proptest::option::weighted`: a union of `None` and `Some`.
pub fn option_weighted<T: Debug + 'static>(
    probability_of_some: f64,
    inner: impl IntoGen<Value = T>,
) -> Gen<Option<T>> {
    let inner = inner.into_gen();
    let (weight_some, weight_none) = float_to_weight(probability_of_some);
    let strategy = proptest::option::weighted(probability_of_some, inner.strategy.clone()).boxed();
    let native = inner.native;
    let sampler = move |source: &mut Source| {
        let drawn = source.uniform_incl(0, u64::from(weight_none) + u64::from(weight_some) - 1);
        if drawn < u64::from(weight_none) {
            None
        } else {
            source.skip_arm();
            Some(inner.draw_part(source))
        }
    };
    Gen {
        strategy,
        sampler: Arc::new(sampler),
        native,
    }
}

/// `proptest::option::of`: `Some` half the time.
pub fn option_of<T: Debug + 'static>(inner: impl IntoGen<Value = T>) -> Gen<Option<T>> {
    option_weighted(0.5, inner)
}

/// `proptest::sample::select`: one of `values`, uniformly.
pub fn select<T: Debug + Clone + 'static>(values: Vec<T>) -> Gen<T> {
    Gen::native(
        proptest::sample::select(values.clone()),
        select_from(values),
    )
}

/// `proptest::bool::weighted`: `true` with `probability`.
pub fn weighted(probability: f64) -> Gen<bool> {
    Gen::native(
        proptest::bool::weighted(probability),
        weighted_bool(probability),
    )
}

/// `any::<char>()`: any character, with proptest's biases towards special and ASCII ones.
pub fn any_char() -> Gen<char> {
    const WHOLE_RANGE: &[RangeInclusive<char>] = &['\0'..=char::MAX];
    Gen::native(any::<char>(), char_in(Cow::Borrowed(WHOLE_RANGE)))
}

/// Finite doubles of every class: `POSITIVE | NEGATIVE | NORMAL | ZERO | SUBNORMAL`.
pub fn finite_float() -> Gen<f64> {
    use proptest::num::f64::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
    Gen::native(
        POSITIVE | NEGATIVE | NORMAL | ZERO | SUBNORMAL,
        stream::finite_float(),
    )
}

/// A fixed list of generators drawn in turn (proptest's `Vec` of strategies).
pub fn sequence<T: Debug + 'static>(items: Vec<Gen<T>>) -> Gen<Vec<T>> {
    let strategy = items
        .iter()
        .map(|g| g.strategy.clone())
        .collect::<Vec<_>>()
        .boxed();
    Gen {
        strategy,
        native: items.iter().all(|g| g.native),
        sampler: Arc::new(move |source| items.iter().map(|g| g.draw_part(source)).collect()),
    }
}

/// An array of generators drawn in turn (proptest's `[S; N]`).
pub fn array<T: Debug + 'static, const N: usize>(items: [Gen<T>; N]) -> Gen<[T; N]> {
    let strategy = items.clone().map(|g| g.strategy).boxed();
    Gen {
        strategy,
        native: items.iter().all(|g| g.native),
        sampler: Arc::new(move |source| std::array::from_fn(|i| items[i].draw_part(source))),
    }
}

/// Tuples of generators (or leaf strategies) drawn in turn, as proptest draws tuples.
pub trait Zip {
    type Value: Debug + 'static;
    fn zip(self) -> Gen<Self::Value>;
}

macro_rules! zip_tuple {
    ($($name:ident $index:tt),+) => {
        impl<$($name: IntoGen),+> Zip for ($($name,)+) {
            type Value = ($($name::Value,)+);
            fn zip(self) -> Gen<Self::Value> {
                let gens = ($(self.$index.into_gen(),)+);
                let strategy = ($(gens.$index.strategy.clone(),)+).boxed();
                Gen {
                    strategy,
                    native: true $(&& gens.$index.native)+,
                    sampler: Arc::new(move |source| ($(gens.$index.draw_part(source),)+)),
                }
            }
        }
    };
}

zip_tuple!(A 0, B 1);
zip_tuple!(A 0, B 1, C 2);
zip_tuple!(A 0, B 1, C 2, D 3);
zip_tuple!(A 0, B 1, C 2, D 3, E 4);
zip_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
zip_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);

#[cfg(test)]
mod tests {
    use super::*;

    /// `generator` draws what its strategy's tree starts at, from a runner and from the
    /// case's own stream, and leaves both where the tree leaves its runner.
    pub(super) fn assert_draws_as_tree<T: Debug + PartialEq + 'static>(
        generator: &Gen<T>,
        name: &str,
    ) {
        use proptest::test_runner::{Config, RngAlgorithm, TestRng};
        for seed in 0..=255u8 {
            let runner = || {
                let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]);
                TestRunner::new_with_rng(Config::default(), rng)
            };
            let (mut by_tree, mut by_sampler) = (runner(), runner());
            let expected = generator
                .strategy()
                .new_tree(&mut by_tree)
                .expect("no rejection")
                .current();
            let after = by_tree.rng().next_u64();
            assert_eq!(
                expected,
                generator.sample(&mut by_sampler),
                "{name} seed {seed}"
            );
            assert_eq!(after, by_sampler.rng().next_u64(), "{name} seed {seed}");
            if generator.is_native() {
                let mut stream = Stream::new([seed; 32]);
                let drawn = generator.draw(&mut Source::Stream(&mut stream));
                assert_eq!(expected, drawn, "{name} seed {seed} (stream)");
                assert_eq!(
                    after,
                    stream.rng().next_u64(),
                    "{name} seed {seed} (stream)"
                );
            }
        }
    }

    /// A redraw that changes how many draws one part makes (a vector's length) leaves the
    /// parts after it as they were: a replay aligns draws by their place in the value, not
    /// by their number.
    #[test]
    fn replays_keep_the_parts_after_a_redrawn_one() {
        let generator = (
            vec_of(0u32..1000, 0..8usize),
            0u32..1_000_000,
            regex("[a-z]{1,9}").expect("valid"),
        )
            .zip();
        let mut lengths_changed = 0;
        for seed in 0..=255u8 {
            let mut record = Replay::new(Tape::default(), Vec::new(), Stream::new([seed; 32]));
            let (items, number, word) = generator.draw(&mut Source::Replay(&mut record));
            let tape = record.into_tape();
            // Draw 0 is the vector's length; then its elements, each a part of the vector.
            assert_eq!(tape.part_around(0, 0), 0..1, "seed {seed}");
            assert_eq!(tape.part_around(0, 1), 0..1 + items.len(), "seed {seed}");
            if !items.is_empty() {
                assert_eq!(tape.part_around(1, 1), 1..2, "seed {seed}");
                assert_eq!(tape.part_around(1, 2), 0..1 + items.len(), "seed {seed}");
            }
            assert_eq!(tape.part_around(0, 9), 0..tape.draws(), "seed {seed}");
            let mut replay = Replay::new(
                tape,
                std::iter::once(0..1).collect(),
                Stream::new([!seed; 32]),
            );
            let (new_items, new_number, new_word) =
                generator.draw(&mut Source::Replay(&mut replay));
            assert_eq!((number, &word), (new_number, &new_word), "seed {seed}");
            let shared = items.len().min(new_items.len());
            assert_eq!(items[..shared], new_items[..shared], "seed {seed}");
            lengths_changed += usize::from(items.len() != new_items.len());
        }
        assert!(
            lengths_changed > 100,
            "{lengths_changed} of 256 lengths changed"
        );
    }

    /// The leaves drawn here make the draws proptest's own leaves make.
    #[test]
    fn native_leaves_draw_as_trees() {
        assert_draws_as_tree(&select(vec!["a", "b", "c"]), "select");
        assert_draws_as_tree(&weighted(0.15), "weighted");
        assert_draws_as_tree(&any_char(), "any char");
        assert_draws_as_tree(&finite_float().prop_map(f64::to_bits), "finite float");
        assert_draws_as_tree(&Gen::leaf(any::<bool>()), "bool");
        assert_draws_as_tree(&Gen::leaf(0u32..100_000), "u32");
        assert_draws_as_tree(&Gen::leaf(0..2usize), "usize");
        assert_draws_as_tree(&Gen::leaf(-1000i64..1000), "i64");
        assert_draws_as_tree(&Gen::leaf(-7i64..=7), "i64 inclusive");
        for (low, high) in [
            (0.0, 1.0),
            (-3.5, 1e6),
            (-2.0, -0.25),
            (-1.0, 0.0),
            (1e-300, 2e-300),
        ] {
            assert_draws_as_tree(&Gen::leaf(low..high).prop_map(f64::to_bits), "f64");
        }
        assert_draws_as_tree(&Gen::leaf(Just(5u8)), "just");
        assert_draws_as_tree(
            &one_of![2 => Gen::leaf(Just(1u8)), 1 => Gen::leaf(0u8..9), 3 => Gen::leaf(Just(9u8))],
            "union",
        );
        for generator in [&select(vec![1]), &Gen::leaf(Just(1)), &Gen::leaf(0..3)] {
            assert!(generator.is_native());
        }
    }
}
