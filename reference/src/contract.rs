//! What every contract provides: rules, a generator, an evaluator and a timing rule.

use std::borrow::Cow;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;

use crate::strategy::{Gen, Replay, Source, Stream, Tape, TapeTree};

/// A numbered rule of a contract, as reports cite it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    /// One line (at most about 90 characters) saying what the rule demands: what every
    /// report shows beside the id.
    pub summary: &'static str,
    /// The rule's full statement, as the contract document gives it.
    pub text: &'static str,
}

/// Which inputs the generator produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// Inputs inside the contract's input schema.
    Normal,
    /// About half the inputs break the input schema on purpose.
    Hostile,
}

/// Knobs that shape generated cases and the evaluation of timing races.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenSettings {
    pub profile: Profile,
    /// Scripted delays within this distance of a deadline may land on either side.
    pub race_band_ms: u64,
    /// No generated case may need more real time than this.
    pub max_case_ms: u64,
}

impl Default for GenSettings {
    fn default() -> Self {
        GenSettings {
            profile: Profile::Normal,
            race_band_ms: 15,
            max_case_ms: 1000,
        }
    }
}

/// Rule ids responsible for the part of an output under a JSON Pointer pattern.
///
/// A pattern is a JSON Pointer whose segments may be `*`; it matches that pointer and
/// everything below it.
/// Both parts borrow when they can: an evaluator that cites the same rules case after case
/// allocates nothing for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRule {
    pub pattern: Cow<'static, str>,
    pub rules: Cow<'static, [&'static str]>,
}

impl PathRule {
    pub fn new(
        pattern: impl Into<Cow<'static, str>>,
        rules: impl Into<Cow<'static, [&'static str]>>,
    ) -> Self {
        PathRule {
            pattern: pattern.into(),
            rules: rules.into(),
        }
    }

    fn matches(&self, pointer: &str) -> bool {
        let mut actual = pointer.split('/').skip(1);
        for want in self.pattern.split('/').skip(1) {
            match actual.next() {
                Some(seg) if want == "*" || want == seg => {}
                _ => return false,
            }
        }
        true
    }
}

/// One output the contract allows, with the rules that decided each part of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Acceptable {
    pub output: Value,
    /// Ordered most specific first; the first matching pattern names the rules.
    pub path_rules: Vec<PathRule>,
}

impl Acceptable {
    /// The rule ids that decided the value at `pointer` (a JSON Pointer into the output).
    pub fn rules_for(&self, pointer: &str) -> &[&'static str] {
        self.path_rules
            .iter()
            .find(|r| r.matches(pointer))
            .map(|r| &r.rules[..])
            .unwrap_or(&[])
    }

    /// Every rule id this output cites, deduplicated, in first-cited order.
    pub fn all_rules(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for id in self.path_rules.iter().flat_map(|r| r.rules.iter()) {
            if !out.contains(id) {
                out.push(id);
            }
        }
        out
    }
}

/// What the reference expects of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// Never empty. More than one member when the contract allows a race.
    pub acceptable: Vec<Acceptable>,
    /// The virtual time the slowest acceptable run takes, used to bound real runs.
    pub virtual_duration_ms: u64,
}

/// The most elapsed time a contract allows for one output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimingLimit {
    pub rule: &'static str,
    pub limit_ms: f64,
}

/// A hand-picked case: the contract's examples, frozen as golden vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Stable, unique within the contract; kebab-case.
    pub id: &'static str,
    /// One line saying what the case shows.
    pub description: &'static str,
    pub input: Value,
}

/// A behavioural contract with its reference implementation.
pub trait Contract: Sync {
    /// Stable id used on the command line, in the protocol and in reports.
    fn id(&self) -> &'static str;
    /// What the contract is about, in a few words ("the resource-budget wrapper").
    fn title(&self) -> &'static str;
    /// A short paragraph: the system under test, its API, and what a case is.
    fn about(&self) -> &'static str;
    /// The contract's rules, in the order the contract document lists them.
    fn rules(&self) -> &'static [Rule];
    /// The generator of case inputs.
    fn generator(&self, settings: &GenSettings) -> Gen<Value>;
    /// Hand-picked cases covering every rule and edge (race-band cases included).
    fn examples(&self) -> Vec<Example>;
    /// The set of acceptable outputs for `input` (which may break the input schema).
    fn expect(&self, input: &Value, settings: &GenSettings) -> Expectation;
    /// The contract's bound on elapsed time for this input and the output produced, if any.
    fn timing_limit(&self, input: &Value, output: &Value, slack_ms: u64) -> Option<TimingLimit>;

    /// How many cases an adapter should have in flight at once by default. Cases that mostly
    /// wait (timers) gain from many; cases that are CPU or disk work only queue, and a queued
    /// case spends its time limit waiting.
    fn cases_in_flight(&self) -> usize {
        256
    }

    /// The part of an output that is compared: parts the contract records but never diffs
    /// (error messages, say) removed. The whole output by default. Borrowed when nothing is
    /// removed: nearly every case, and a copy of every output would cost more than judging it.
    fn comparable<'a>(&self, output: &'a Value) -> Cow<'a, Value> {
        Cow::Borrowed(output)
    }

    /// An output as reports show it: what the implementation returned, less what it
    /// measured rather than decided (elapsed times), so a seed's report is the same on every
    /// run. The whole output by default.
    fn as_shown(&self, output: &Value) -> Value {
        output.clone()
    }

    /// The form of a differing path used to group divergences: payload-specific parts (array
    /// indices, keys inside free-form values) folded so one bug makes one group.
    fn group_path(&self, pointer: &str) -> String {
        fold_indices(pointer)
    }

    /// The states of the contract's model `input` passes through, named, for `verify
    /// --guided`: a case that reaches a state no earlier case reached is kept and mutated, as
    /// one that reaches a new branch of an implementation is, so a state the contract reaches
    /// only through several choices at once is built up a choice at a time even where no
    /// implementation's code tells it from the states before it. None by default.
    fn model_states(&self, _input: &Value) -> Vec<String> {
        Vec::new()
    }

    /// The name a cause under `rule` is filed under: the rule itself, or the family of rules
    /// that state one clause for several parts of the output (one rule per migration step,
    /// each adding its keys "only where absent"), so one bug in the shared clause is one
    /// group whichever part a case reaches. The rule itself by default.
    fn cause_rule(&self, rule: &'static str) -> &'static str {
        rule
    }

    /// Member names of the output, at any depth, in the order the contract decides them:
    /// where two outputs part first is the differing path whose members come first here
    /// (members not listed come after, by name). Empty by default.
    fn output_order(&self) -> &'static [&'static str] {
        &[]
    }

    /// The differing paths that decide a divergence's group and the rules it cites: all of
    /// them by default. A contract whose output is a sequence of steps keeps the first step
    /// that differs, since what differs after it follows from it.
    fn decisive_paths(&self, paths: &[String]) -> Vec<String> {
        paths.to_vec()
    }

    /// Rules an output breaks beyond those its differing parts name: for example the rule
    /// that *allowed* an input an implementation refused. Empty by default.
    fn extra_citations(
        &self,
        _input: &Value,
        _expected: &Acceptable,
        _actual: &Value,
    ) -> Vec<&'static str> {
        Vec::new()
    }

    fn rule(&self, id: &str) -> Option<&'static Rule> {
        self.rules().iter().find(|r| r.id == id)
    }
}

/// A JSON Pointer with its array indices replaced by `*`.
pub fn fold_indices(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|seg| {
            if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Orders two JSON Pointers into an output by where they lie in it, segment by segment:
/// member names by their place in `order` (unlisted ones after, by name), array indices by
/// number; a pointer comes before the pointers below it.
pub fn place_order(order: &[&str], a: &str, b: &str) -> std::cmp::Ordering {
    let rank = |segment: &str| {
        order
            .iter()
            .position(|m| *m == segment)
            .unwrap_or(order.len())
    };
    let mut xs = a.split('/').skip(1);
    let mut ys = b.split('/').skip(1);
    loop {
        let (x, y) = match (xs.next(), ys.next()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => (x, y),
        };
        let by_place = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(m), Ok(n)) => m.cmp(&n),
            _ => rank(x).cmp(&rank(y)),
        };
        let order = by_place.then_with(|| x.cmp(y));
        if order.is_ne() {
            return order;
        }
    }
}

/// The paths under the first differing element of the array at `/list`: for an output
/// that is a sequence of steps, what differs after the first differing step follows from it.
/// All paths when none is under `/list`.
pub fn first_step_paths(paths: &[String], list: &str) -> Vec<String> {
    let step = |p: &String| {
        let mut segments = p.split('/').skip(1);
        match (segments.next(), segments.next()) {
            (Some(name), Some(n)) if name == list => n.parse::<usize>().ok(),
            _ => None,
        }
    };
    match paths.iter().filter_map(step).min() {
        Some(first) => paths
            .iter()
            .filter(|p| step(p) == Some(first))
            .cloned()
            .collect(),
        None => paths.to_vec(),
    }
}

/// What a raised error looks like once compared, in contracts whose errors count as raised
/// whatever their type and message.
pub const RAISED: &str = "raised";

/// Replaces the value of the `error` member of `output`, and of each element of its array
/// `list` if given, with [`RAISED`].
pub fn errors_as_raised<'a>(output: &'a Value, list: Option<&str>) -> Cow<'a, Value> {
    let already_raised = |result: &Value| {
        result
            .get("error")
            .is_none_or(|e| e.as_str() == Some(RAISED))
    };
    let listed = list
        .and_then(|list| output.get(list))
        .and_then(Value::as_array);
    if already_raised(output) && listed.into_iter().flatten().all(already_raised) {
        return Cow::Borrowed(output);
    }
    let mut output = output.clone();
    let mut mark = |result: &mut Value| {
        if let Some(error) = result.get_mut("error") {
            *error = Value::from(RAISED);
        }
    };
    if let Some(results) = list
        .and_then(|list| output.get_mut(list))
        .and_then(Value::as_array_mut)
    {
        results.iter_mut().for_each(&mut mark);
    }
    mark(&mut output);
    Cow::Owned(output)
}

/// The generator of one contract's cases, built once and asked for each case.
pub struct CaseGenerator {
    generator: Gen<Value>,
    /// The runner's settings, taken once: proptest's default carries a boxed failure store
    /// that every runner, and every runner a union forks while generating, would clone.
    /// Generating never persists failures, so none is kept.
    config: Config,
}

impl CaseGenerator {
    pub fn new(contract: &dyn Contract, settings: &GenSettings) -> Self {
        CaseGenerator {
            generator: contract.generator(settings),
            config: Config {
                failure_persistence: None,
                ..Config::default()
            },
        }
    }

    /// The value tree for case `index` of the stream named by `seed`.
    ///
    /// Every case has its own ChaCha stream derived from `(seed, index)`, so a case can be
    /// regenerated alone, shards can pick cases without generating the others, and the same
    /// seed yields the same bytes on every machine.
    pub fn tree(&self, seed: u64, index: u64) -> Box<dyn ValueTree<Value = Value>> {
        // Our strategies never reject values, so tree creation cannot fail; a strategy that
        // starts filtering would be a programming error caught by the unit tests.
        self.generator
            .strategy()
            .new_tree(&mut self.runner(seed, index))
            .expect("contract strategies do not reject")
    }

    /// The input of case `index` of the stream named by `seed`: the value
    /// `tree(seed, index)` starts at, drawn without building the tree (nor a runner, when
    /// every leaf of the generator is drawn by the sampler itself).
    pub fn value(&self, seed: u64, index: u64) -> Value {
        if self.generator.is_native() {
            let mut stream = Stream::new(case_seed(seed, index));
            self.generator.draw(&mut Source::Stream(&mut stream))
        } else {
            self.generator.sample(&mut self.runner(seed, index))
        }
    }

    /// Case `index` of stream `seed` (the value [`CaseGenerator::value`] draws) with its
    /// tape, for guided mode; `None` unless every leaf of the generator is drawn natively.
    pub fn recorded(&self, seed: u64, index: u64) -> Option<(Value, Tape)> {
        let fresh = Stream::new(case_seed(seed, index));
        self.replayed(Replay::new(Tape::default(), Vec::new(), fresh))
    }

    /// The case `replay` draws, with its own tape; `None` unless the generator is native.
    pub fn replayed(&self, mut replay: Replay) -> Option<(Value, Tape)> {
        if !self.generator.is_native() {
            return None;
        }
        let value = self.generator.draw(&mut Source::Replay(&mut replay));
        Some((value, replay.into_tape()))
    }

    /// The value tree of the case `tape` draws (a guided case, which no seed and index
    /// name): candidates replay it with words made smaller; `None` unless the generator is
    /// native.
    pub fn tape_tree(&self, tape: Tape) -> Option<Box<dyn ValueTree<Value = Value>>> {
        if !self.generator.is_native() {
            return None;
        }
        let generator = self.generator.clone();
        let replay = move |tape: Tape| {
            // Words a candidate needs beyond its parent's (a longer arm) come from one
            // fixed stream, so a shrink is the same every time.
            let mut replay = Replay::new(tape, Vec::new(), Stream::new([0; 32]));
            let value = generator.draw(&mut Source::Replay(&mut replay));
            (value, replay.into_tape())
        };
        Some(Box::new(TapeTree::new(tape, replay)))
    }

    fn runner(&self, seed: u64, index: u64) -> TestRunner {
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &case_seed(seed, index));
        TestRunner::new_with_rng(self.config.clone(), rng)
    }
}

/// The value tree for case `index` of the stream named by `seed` (for a single case; use a
/// [`CaseGenerator`] for many).
pub fn generate_case(
    contract: &dyn Contract,
    settings: &GenSettings,
    seed: u64,
    index: u64,
) -> Box<dyn ValueTree<Value = Value>> {
    CaseGenerator::new(contract, settings).tree(seed, index)
}

/// 32 seed bytes for case `index` of stream `seed` (SplitMix64 expansion).
fn case_seed(seed: u64, index: u64) -> [u8; 32] {
    let mut state = seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes());
    }
    out
}

/// Strategies shared by contracts for JSON payloads inside I-JSON (RFC 7493).
pub mod json {
    use proptest::prelude::*;
    use serde_json::{Number, Value};

    use crate::one_of;
    use crate::strategy::{any_char, finite_float, json_object, select, vec_of, Gen};

    /// Largest integer every JSON library keeps exactly.
    pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

    /// Strings people write, strings with quotes and escapes, and arbitrary Unicode.
    pub fn string() -> Gen<String> {
        // The empty string first: shrinking moves towards the first alternative.
        one_of![
            1 => Just(String::new()),
            4 => regex("[a-z][a-z0-9._-]{0,10}"),
            1 => select(vec![
                "\"quoted\"", "back\\slash", "tab\there", "line\nbreak", "ünïcødé",
                "日本語", "emoji 🎉", "𝄞 clef", "\u{0}nul", "\u{7f}\u{80}", "'single'",
            ])
            .prop_map(str::to_owned),
            2 => vec_of(any_char(), 0..8).prop_map(String::from_iter),
        ]
    }

    /// Strings matching `pattern`. A `&str` used as a strategy compiles its regex on every
    /// new value; this compiles it once, when the strategy is built.
    pub fn regex(pattern: &str) -> Gen<String> {
        crate::strategy::regex(pattern).expect("the generators' patterns are valid regexes")
    }

    /// Finite doubles of every shape (JSON has no NaN or infinity).
    pub fn float() -> Gen<f64> {
        one_of![
            3 => finite_float(),
            1 => select(vec![0.1, 0.5, -1.5, 1e21, 1e-7, 123456.789]),
        ]
    }

    /// Any JSON value inside I-JSON, nested a few levels deep.
    pub fn value() -> Gen<Value> {
        let leaf = one_of![
            Just(Value::Null),
            Gen::leaf(any::<bool>()).prop_map(Value::Bool),
            Gen::leaf(-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).prop_map(|i| Value::Number(i.into())),
            Gen::leaf(-1000i64..1000).prop_map(|i| Value::Number(i.into())),
            float().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
            string().prop_map(Value::String),
        ];
        // proptest rebuilds the recursive levels for every new value, so the key strategy is
        // built once here and shared.
        let key = string();
        leaf.prop_recursive(3, 16, 4, move |inner| {
            one_of![
                vec_of(inner.clone(), 0..4).prop_map(Value::Array),
                json_object(key.clone(), inner, 0..4).prop_map(Value::Object),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_rule_patterns_match_prefixes_and_wildcards() {
        let rule = PathRule::new("/events/*/outcome", vec!["R"]);
        assert!(rule.matches("/events/0/outcome"));
        assert!(rule.matches("/events/12/outcome/deeper"));
        assert!(!rule.matches("/events/0/tags"));
        assert!(!rule.matches("/events"));
        assert!(PathRule::new("", vec![]).matches("/anything"));
    }

    #[test]
    fn first_matching_path_rule_wins() {
        let acceptable = Acceptable {
            output: Value::Null,
            path_rules: vec![
                PathRule::new("/events/*/outcome", vec!["A"]),
                PathRule::new("/events", vec!["B"]),
            ],
        };
        assert_eq!(acceptable.rules_for("/events/0/outcome"), ["A"]);
        assert_eq!(acceptable.rules_for("/events/0/tags"), ["B"]);
        assert_eq!(acceptable.rules_for("/value"), [] as [&str; 0]);
        assert_eq!(acceptable.all_rules(), ["A", "B"]);
    }

    #[test]
    fn places_order_by_member_then_index_then_depth() {
        let order = ["outcome", "value", "events"];
        let mut paths = vec![
            "/zz",
            "/events/10/a",
            "/events/2/b",
            "/value",
            "/events",
            "/outcome",
        ];
        paths.sort_by(|a, b| place_order(&order, a, b));
        assert_eq!(
            paths,
            [
                "/outcome",
                "/value",
                "/events",
                "/events/2/b",
                "/events/10/a",
                "/zz"
            ]
        );
    }

    #[test]
    fn indices_fold_to_wildcards() {
        assert_eq!(fold_indices("/events/0/tags/12a"), "/events/*/tags/12a");
        assert_eq!(fold_indices(""), "");
    }

    /// The fast path draws what the tree path draws: the same value, byte for byte, and the
    /// runner's stream left at the same place, for every contract and setting.
    #[test]
    fn samplers_draw_as_trees() {
        use proptest::prelude::Rng;
        let variants = [
            (Profile::Normal, 15, 1000),
            (Profile::Hostile, 15, 1000),
            (Profile::Normal, 0, 200),
            (Profile::Hostile, 50, 5000),
        ];
        for contract in crate::CONTRACTS {
            for (variant, (profile, race_band_ms, max_case_ms)) in variants.into_iter().enumerate()
            {
                let settings = GenSettings {
                    profile,
                    race_band_ms,
                    max_case_ms,
                };
                let generator = CaseGenerator::new(*contract, &settings);
                let strategy = generator.generator.strategy();
                // The two profiles at the default settings most; the others more briefly.
                let (seeds, indices) = if variant < 2 { (20, 60) } else { (4, 30) };
                for seed in 0..seeds {
                    for index in 0..indices {
                        let mut by_tree = generator.runner(seed, index);
                        let expected = strategy
                            .new_tree(&mut by_tree)
                            .expect("no rejection")
                            .current();
                        let after = by_tree.rng().next_u64();
                        let at = format!("{} {settings:?} seed {seed} case {index}", contract.id());
                        // From a runner, as every generator can be drawn.
                        let mut by_sampler = generator.runner(seed, index);
                        let sampled = generator.generator.sample(&mut by_sampler);
                        assert_eq!(expected.to_string(), sampled.to_string(), "{at}");
                        assert_eq!(
                            after,
                            by_sampler.rng().next_u64(),
                            "{at}: the sampler drew a different amount"
                        );
                        // From the case's own stream, as `value` draws a native generator.
                        if generator.generator.is_native() {
                            let mut stream = Stream::new(case_seed(seed, index));
                            let sampled =
                                generator.generator.draw(&mut Source::Stream(&mut stream));
                            assert_eq!(expected.to_string(), sampled.to_string(), "{at} (stream)");
                            assert_eq!(
                                after,
                                stream.rng().next_u64(),
                                "{at}: the stream sampler drew a different amount"
                            );
                            // Recorded for guided mode: the same case, and replayed
                            // unchanged from its tape, the same case again.
                            let (recorded, tape) = generator.recorded(seed, index).expect("native");
                            assert_eq!(expected, recorded, "{at} (recorded)");
                            let unchanged =
                                Replay::new(tape.clone(), Vec::new(), Stream::new([0; 32]));
                            let (replayed, again) = generator.replayed(unchanged).expect("native");
                            assert_eq!((expected, tape), (replayed, again), "{at} (replayed)");
                        }
                    }
                }
            }
        }
    }

    /// The generators the benchmarks run (migrate, token-budget) are drawn from the case's
    /// own stream, not through a runner: every leaf in them is one the sampler draws itself.
    #[test]
    fn benchmarked_generators_draw_from_their_own_stream() {
        let contracts: [&dyn Contract; 4] = [
            &crate::migrate::Migrate,
            &crate::token_budget::TokenBudget,
            &crate::budget::Budget,
            &crate::sqlmig::SqlMigrations,
        ];
        for contract in contracts {
            for profile in [Profile::Normal, Profile::Hostile] {
                let settings = GenSettings {
                    profile,
                    ..GenSettings::default()
                };
                let generator = CaseGenerator::new(contract, &settings);
                assert!(
                    generator.generator.is_native(),
                    "{} {profile:?}",
                    contract.id()
                );
            }
        }
    }

    /// A replay that redraws draw `i` keeps every draw before it as it was, and draws the
    /// same case for the same fresh words.
    #[test]
    fn replays_change_only_from_the_redrawn_draw() {
        for contract in crate::CONTRACTS {
            let generator = CaseGenerator::new(*contract, &GenSettings::default());
            for index in 0..40 {
                let Some((_, tape)) = generator.recorded(5, index) else {
                    continue;
                };
                let at = (index as usize * 7) % tape.draws().max(1);
                let mutate = || {
                    let fresh = Stream::new(case_seed(9, index));
                    generator.replayed(Replay::new(
                        tape.clone(),
                        std::iter::once(at..at + 1).collect(),
                        fresh,
                    ))
                };
                let (value, mutated) = mutate().expect("native");
                assert_eq!(
                    tape.splice(at, &mutated),
                    mutated,
                    "{} case {index}",
                    contract.id()
                );
                assert_eq!(
                    Some((value, mutated)),
                    mutate(),
                    "{} case {index}",
                    contract.id()
                );
            }
        }
    }

    /// A guided case's tape shrinks, through candidates the generator draws, to a small case
    /// that still has what the test asks of it (a rollback among its operations): the
    /// rollback alone.
    #[test]
    fn a_tape_tree_shrinks_to_a_small_case_that_still_fails() {
        let generator = CaseGenerator::new(&crate::sqlmig::SqlMigrations, &GenSettings::default());
        let ops = |value: &Value| value["ops"].as_array().cloned().unwrap_or_default();
        let fails = |value: &Value| ops(value).iter().any(|op| op["op"] == "rollback");
        let size = |value: &Value| value.to_string().len();
        let mut shrunk = 0;
        for index in 0..40 {
            let (start, tape) = generator.recorded(3, index).expect("native");
            if !fails(&start) {
                continue;
            }
            let mut tree = generator.tape_tree(tape).expect("native");
            assert_eq!(tree.current(), start, "case {index}");
            let mut best = start.clone();
            let mut more = tree.simplify();
            let mut steps = 0;
            while more {
                steps += 1;
                assert!(steps < 5_000, "case {index}: the shrink does not end");
                let candidate = tree.current();
                more = if fails(&candidate) && size(&candidate) <= size(&best) {
                    best = candidate;
                    tree.simplify()
                } else {
                    tree.complicate()
                };
            }
            assert!(fails(&best), "case {index}: {best}");
            // Elements are deleted from anywhere (the rollback was often last of many), and
            // the files go with them.
            assert_eq!(ops(&best).len(), 1, "case {index}: {best}");
            let files = best["files"].as_object().cloned().unwrap_or_default();
            assert!(
                files.keys().all(|name| name == "README.md"),
                "case {index}: {best}"
            );
            assert!(size(&best) < size(&start), "case {index}: {best}");
            shrunk += 1;
        }
        assert!(shrunk >= 10, "{shrunk} cases with a rollback");
    }

    #[test]
    fn case_seeds_differ_by_seed_and_index() {
        assert_ne!(case_seed(1, 0), case_seed(1, 1));
        assert_ne!(case_seed(1, 0), case_seed(2, 0));
        assert_eq!(case_seed(7, 3), case_seed(7, 3));
    }
}
