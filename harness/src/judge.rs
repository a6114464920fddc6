//! Judging: the one function from a case and what an implementation did with it to a
//! verdict, the output's canonical form, and the typed key of the group it belongs to.
//! `verify`, shrinking, `repro` and the conformance test all judge through [`judge`].
//!
//! Outputs are compared as canonical bytes (RFC 8785, the JSON Canonicalization Scheme), so
//! key order and `1.0` versus `1` never count as drift. Divergences are described by the
//! JSON Pointers of the parts that differ and a line diff of pretty-printed canonical JSON.

use std::borrow::Cow;
use std::cell::OnceCell;

use reference::canonical::{self, Numbers};
use reference::{Acceptable, Contract, Expectation};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::run::{FailureKind, Outcome};

/// The canonical form of `value` outputs are compared by: RFC 8785, except that integer
/// literals beyond 2^53 keep their exact digits (an integer of any size must compare exactly).
pub fn canonical(value: &Value) -> String {
    canonical::to_string(value, Numbers::ExactIntegers)
}

/// Canonical form with RFC 8785 ordering and number formatting, indented for people.
pub fn canonical_pretty(value: &Value) -> String {
    canonical_pretty_at(value, 0)
}

/// [`canonical_pretty`] for a value that starts `depth` levels deep in a larger document.
pub fn canonical_pretty_at(value: &Value, depth: usize) -> String {
    canonical::to_string_indented(value, Numbers::ExactIntegers, 2, depth)
}

/// Escapes one JSON Pointer segment (RFC 6901).
fn pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The JSON Pointers of the parts where `actual` differs from `expected`, in canonical
/// order. Arrays of different lengths are reported as the array itself.
pub fn differing_paths(expected: &Value, actual: &Value) -> Vec<String> {
    let mut paths = Vec::new();
    collect_differences(expected, actual, String::new(), &mut paths);
    paths
}

fn collect_differences(expected: &Value, actual: &Value, at: String, paths: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let mut keys: Vec<&String> = e
                .keys()
                .chain(a.keys().filter(|k| !e.contains_key(*k)))
                .collect();
            keys.sort_by(|x, y| canonical::utf16_order(x, y));
            for key in keys {
                let below = format!("{at}/{}", pointer_segment(key));
                match (e.get(key), a.get(key)) {
                    (Some(ev), Some(av)) => collect_differences(ev, av, below, paths),
                    _ => paths.push(below),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                collect_differences(ev, av, format!("{at}/{i}"), paths);
            }
        }
        _ => {
            if canonical(expected) != canonical(actual) {
                paths.push(at);
            }
        }
    }
}

/// What kind of failure a group collects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// The implementations disagree with each other on a case, whatever the reference says.
    TwinDrift,
    Divergence,
    Timing,
    Crash,
    Timeout,
    Protocol,
    AdapterError,
    NotRun,
}

impl GroupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::TwinDrift => "twin_drift",
            GroupKind::Divergence => "divergence",
            GroupKind::Timing => "timing",
            GroupKind::Crash => "crash",
            GroupKind::Timeout => "timeout",
            GroupKind::Protocol => "protocol",
            GroupKind::AdapterError => "adapter_error",
            GroupKind::NotRun => "not_run",
        }
    }
}

/// Which group a failing case belongs to: one per cause, as people file bugs. A cause is
/// the contract, the implementation, the kind of failure, the rule broken (the first, in the
/// contract's order, of those the failure cites) and the place the outputs first part (the
/// earliest differing member in the contract's output order, folded by the contract).
/// Ordered field by field, which is the order reports list groups in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKey {
    pub contract: String,
    pub implementation: String,
    pub kind: GroupKind,
    pub cause: Cause,
}

/// The rule a failure breaks and where the outputs first part (`None`: no rule is cited, or
/// there is no output to compare).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Cause {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

impl Cause {
    /// The cause of a failure that cites `rules` (in the contract's order) at `paths` (the
    /// first place first).
    pub fn of(variant: &Variant) -> Cause {
        Cause {
            rule: variant.rules.first().cloned(),
            place: variant.paths.first().cloned(),
        }
    }

    /// `rule at place`, as one-line keys show it.
    pub fn describe(&self) -> String {
        let place = match self.place.as_deref() {
            Some("") => "the whole output",
            Some(place) => place,
            None => "-",
        };
        format!("{} at {place}", self.rule.as_deref().unwrap_or("-"))
    }
}

/// What one failing case shows beyond its cause: every rule it breaks (in the contract's
/// order) and every place its output differs (folded, the first place first). A group lists
/// its variants with counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Variant {
    pub rules: Vec<String>,
    pub paths: Vec<String>,
}

impl GroupKey {
    /// `contract · impl · kind · rule at place`, as summaries and baselines show it.
    pub fn describe(&self) -> String {
        format!(
            "{} · {} · {} · {}",
            self.contract,
            self.implementation,
            self.kind.as_str(),
            self.cause.describe()
        )
    }
}

/// `items` joined by spaces, or `-` when there are none (rules, paths in one-line keys).
pub fn words_or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "-".to_owned()
    } else {
        items.join(" ")
    }
}

/// One case as the reference sees it.
#[derive(Clone, Copy)]
pub struct Case<'a> {
    pub contract: &'static dyn Contract,
    pub input: &'a Value,
    pub expectation: &'a Expectation,
}

/// Whether the contract's timing rule is judged (with this slack, in ms) or left out
/// (shrinking and replays judge outputs only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    Judged { slack_ms: u64 },
    Ignored,
}

/// How one implementation did on one case.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// An acceptable output, in time.
    Agrees,
    /// An output equal to no acceptable one; described against the closest.
    Diverges(Divergence),
    /// An acceptable output that took longer than the contract's timing rule allows.
    Late {
        rule: &'static str,
        elapsed_ms: f64,
        limit_ms: f64,
    },
    /// No output at all: the adapter crashed, hung, broke the protocol, reported an error of
    /// its own, or the case did not run.
    NoOutput,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Divergence {
    /// Index of the closest acceptable output in the expectation.
    pub closest: usize,
    /// Where the actual output differs from the closest acceptable one.
    pub paths: Vec<String>,
    /// The rules that decided those parts, deduplicated, in first-cited order.
    pub rules: Vec<&'static str>,
}

/// A judged case for one implementation.
#[derive(Debug, Clone)]
pub struct Judged<'a> {
    pub verdict: Verdict,
    /// The group a failure belongs to (`None` when the case agrees).
    pub key: Option<GroupKey>,
    /// What the failure shows beyond its cause (empty when the case agrees).
    pub variant: Variant,
    /// The compared part of the output, when there is an output (borrowed from it when the
    /// contract removes nothing).
    pub comparable: Option<Cow<'a, Value>>,
    /// Its canonical form, written when first asked for: most cases never need it.
    canonical: OnceCell<String>,
}

impl Judged<'_> {
    /// The canonical form of the compared output (`None`: there is no output).
    pub fn canonical(&self) -> Option<&str> {
        let comparable = self.comparable.as_ref()?;
        Some(self.canonical.get_or_init(|| canonical(comparable)))
    }

    pub fn diverges(&self) -> bool {
        matches!(self.verdict, Verdict::Diverges(_))
    }
}

/// Judges what `implementation` did with `case`.
pub fn judge<'o>(
    case: Case<'_>,
    implementation: &str,
    outcome: &'o Outcome,
    timing: Timing,
) -> Judged<'o> {
    let key = |kind: GroupKind, variant: &Variant| GroupKey {
        contract: case.contract.id().to_owned(),
        implementation: implementation.to_owned(),
        kind,
        cause: Cause::of(variant),
    };
    let (output, elapsed_ms) = match outcome {
        Outcome::Output {
            output, elapsed_ms, ..
        } => (output, *elapsed_ms),
        failed => {
            let kind = match failed {
                Outcome::Failed { kind, .. } => match kind {
                    FailureKind::Crash => GroupKind::Crash,
                    FailureKind::Timeout => GroupKind::Timeout,
                    FailureKind::Protocol => GroupKind::Protocol,
                },
                Outcome::AdapterError { .. } => GroupKind::AdapterError,
                _ => GroupKind::NotRun,
            };
            return Judged {
                verdict: Verdict::NoOutput,
                key: Some(key(kind, &Variant::default())),
                variant: Variant::default(),
                comparable: None,
                canonical: OnceCell::new(),
            };
        }
    };
    let comparable = case.contract.comparable(output);
    let canonical_form = OnceCell::new();
    let (verdict, group, variant) = match compare(case.expectation, &comparable, &canonical_form) {
        Some(divergence) => {
            let (variant, rule) = variant_of(case, &divergence, output);
            let group = GroupKey {
                cause: Cause {
                    rule,
                    ..Cause::of(&variant)
                },
                ..key(GroupKind::Divergence, &variant)
            };
            (Verdict::Diverges(divergence), Some(group), variant)
        }
        None => {
            let limit = match timing {
                Timing::Judged { slack_ms } => {
                    case.contract.timing_limit(case.input, output, slack_ms)
                }
                Timing::Ignored => None,
            };
            match (limit, elapsed_ms) {
                (Some(limit), Some(elapsed_ms)) if elapsed_ms > limit.limit_ms => {
                    let variant = Variant {
                        rules: vec![limit.rule.into()],
                        paths: vec![],
                    };
                    (
                        Verdict::Late {
                            rule: limit.rule,
                            elapsed_ms,
                            limit_ms: limit.limit_ms,
                        },
                        Some(key(GroupKind::Timing, &variant)),
                        variant,
                    )
                }
                _ => (Verdict::Agrees, None, Variant::default()),
            }
        }
    };
    Judged {
        verdict,
        key: group,
        variant,
        comparable: Some(comparable),
        canonical: canonical_form,
    }
}

/// Compares one output with the reference's acceptable set: `None` when it equals one of
/// them. The output's canonical form is written into `actual_canonical` only when needed.
fn compare(
    expectation: &Expectation,
    actual: &Value,
    actual_canonical: &OnceCell<String>,
) -> Option<Divergence> {
    // Equal trees have equal canonical forms (maps compare without order, numbers by their
    // digits), so the usual agreeing case needs no canonical form at all.
    if expectation.acceptable.iter().any(|a| a.output == *actual) {
        return None;
    }
    let actual_canonical = actual_canonical.get_or_init(|| canonical(actual));
    if expectation
        .acceptable
        .iter()
        .any(|a| canonical(&a.output) == *actual_canonical)
    {
        return None;
    }
    let (closest, paths) = expectation
        .acceptable
        .iter()
        .map(|a| differing_paths(&a.output, actual))
        .enumerate()
        .min_by_key(|(_, paths)| paths.len())
        .unwrap_or((0, vec![String::new()]));
    let rules = expectation
        .acceptable
        .get(closest)
        .map(|a| rules_for_paths(a, &paths))
        .unwrap_or_default();
    Some(Divergence {
        closest,
        paths,
        rules,
    })
}

fn rules_for_paths(acceptable: &Acceptable, paths: &[String]) -> Vec<&'static str> {
    let mut rules: Vec<&'static str> = Vec::new();
    for path in paths {
        for rule in acceptable.rules_for(path) {
            if !rules.contains(rule) {
                rules.push(rule);
            }
        }
    }
    if rules.is_empty() {
        rules = acceptable.all_rules();
    }
    rules
}

/// What a divergence shows (the rules it breaks, in the contract's order, and its differing
/// paths folded by the contract, the first place first) and the rule it is filed under: a
/// rule the contract adds beyond the differing parts (the rule that allowed a refused input,
/// the order that explains a whole output) or else the first rule the reference cites for
/// the first place.
fn variant_of(
    case: Case<'_>,
    divergence: &Divergence,
    actual: &Value,
) -> (Variant, Option<String>) {
    let contract = case.contract;
    let mut decisive = contract.decisive_paths(&divergence.paths);
    let closest = case.expectation.acceptable.get(divergence.closest);
    let mut rules = match closest {
        Some(closest) if decisive != divergence.paths => rules_for_paths(closest, &decisive),
        _ => divergence.rules.clone(),
    };
    let order = contract.output_order();
    decisive.sort_by(|a, b| reference::place_order(order, a, b));
    let extras = closest.map_or_else(Vec::new, |c| {
        contract.extra_citations(case.input, c, actual)
    });
    let first_cited = closest
        .zip(decisive.first())
        .and_then(|(c, first)| c.rules_for(first).first().copied());
    let primary = extras.first().copied().or(first_cited);
    for extra in extras {
        if !rules.contains(&extra) {
            rules.push(extra);
        }
    }
    rules.sort_by_key(|id| contract.rules().iter().position(|r| r.id == *id));
    let primary = primary
        .or(rules.first().copied())
        .map(|rule| contract.cause_rule(rule).to_owned());
    let variant = Variant {
        rules: rules.into_iter().map(str::to_owned).collect(),
        paths: folded_places(contract, &decisive),
    };
    (variant, primary)
}

/// A rule's place in `contract`'s order (rules it does not know last).
pub fn rule_rank(contract: &dyn Contract) -> impl Fn(&str) -> usize + '_ {
    move |id| {
        let rules = contract.rules();
        rules.iter().position(|r| r.id == id).unwrap_or(rules.len())
    }
}

/// The name a cause under `rule` is filed under in `contract` (its family's, if any).
pub fn filed_under(contract: &dyn Contract, rule: &str) -> String {
    contract
        .rules()
        .iter()
        .find(|r| r.id == rule)
        .map_or(rule, |r| contract.cause_rule(r.id))
        .to_owned()
}

/// `paths` in the contract's output order, folded by the contract, each place once: the
/// first is where the outputs first part.
pub fn folded_places(contract: &dyn Contract, paths: &[String]) -> Vec<String> {
    let mut ordered: Vec<&String> = paths.iter().collect();
    let order = contract.output_order();
    ordered.sort_by(|a, b| reference::place_order(order, a, b));
    let mut places: Vec<String> = Vec::new();
    for path in ordered {
        let place = contract.group_path(path);
        if !places.contains(&place) {
            places.push(place);
        }
    }
    places
}

/// Outputs of at most this many pretty lines are diffed whole.
const WHOLE_DIFF_LINES: usize = 80;

/// A unified line diff of two values' pretty canonical forms: every line of both when they
/// are short (a diff that starts or stops inside an object reads as a fragment), else the
/// changed lines with three lines around each.
pub fn diff_text(
    expected: &Value,
    actual: &Value,
    expected_label: &str,
    actual_label: &str,
) -> String {
    let expected = canonical_pretty(expected) + "\n";
    let actual = canonical_pretty(actual) + "\n";
    let longest = expected.lines().count().max(actual.lines().count());
    let radius = if longest <= WHOLE_DIFF_LINES {
        longest
    } else {
        3
    };
    similar::TextDiff::from_lines(&expected, &actual)
        .unified_diff()
        .context_radius(radius)
        .header(expected_label, actual_label)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reference::PathRule;
    use serde_json::json;

    #[test]
    #[allow(clippy::excessive_precision)] // the RFC's own input literal, kept verbatim
    fn canonical_matches_the_rfc_8785_number_examples() {
        for (input, expected) in [
            (333333333.33333329, "333333333.3333333"),
            (1e30, "1e+30"),
            (4.50, "4.5"),
            (2e-3, "0.002"),
            (0.000000000000000000000000001, "1e-27"),
        ] {
            assert_eq!(canonical(&json!(input)), expected);
        }
        assert_eq!(canonical(&json!(9007199254740991i64)), "9007199254740991");
        // Integers beyond 2^53 compare exactly; doubles there still as JavaScript prints them.
        let big: Value =
            serde_json::from_str("[18446744073709551617, 1.8446744073709552e19]").unwrap();
        assert_eq!(
            canonical(&big),
            "[18446744073709551617,18446744073709552000]"
        );
    }

    #[test]
    fn differing_paths_name_each_difference() {
        let expected =
            json!({"outcome": "ok", "events": [{"tags": {"a/b": 1, "op": "x"}}], "list": [1, 2]});
        let actual =
            json!({"outcome": "ok", "events": [{"tags": {"a/b": 2}}], "list": [1], "extra": true});
        assert_eq!(
            differing_paths(&expected, &actual),
            [
                "/events/0/tags/a~1b",
                "/events/0/tags/op",
                "/extra",
                "/list"
            ]
        );
        assert!(differing_paths(&json!({"x": 1.0}), &json!({"x": 1})).is_empty());
    }

    fn expectation() -> Expectation {
        let acceptable = |outcome: &str, rule: &'static str| Acceptable {
            output: json!({"outcome": outcome, "events": [{"outcome": outcome}]}),
            path_rules: vec![
                PathRule::new("/events", vec!["R-EVENT"]),
                PathRule::new("", vec![rule]),
            ],
        };
        Expectation {
            acceptable: vec![
                acceptable("ok", "R-OK"),
                acceptable("fallback", "R-FALLBACK"),
            ],
            virtual_duration_ms: 0,
        }
    }

    #[test]
    fn any_acceptable_output_agrees() {
        let actual = json!({"events": [{"outcome": "fallback"}], "outcome": "fallback"});
        assert_eq!(compare(&expectation(), &actual, &OnceCell::new()), None);
        // Trees that differ only where canonical forms do not: still the same output.
        let mut written_otherwise = expectation();
        written_otherwise.acceptable[0].output =
            serde_json::from_str(r#"{"outcome": "ok", "events": [{"outcome": "ok"}], "n": 1.0}"#)
                .unwrap();
        let actual: Value =
            serde_json::from_str(r#"{"n": 1, "events": [{"outcome": "ok"}], "outcome": "ok"}"#)
                .unwrap();
        assert_ne!(written_otherwise.acceptable[0].output, actual);
        assert_eq!(compare(&written_otherwise, &actual, &OnceCell::new()), None);
    }

    #[test]
    fn divergence_is_described_against_the_closest_acceptable_output() {
        let actual = json!({"outcome": "fallback", "events": []});
        let Some(d) = compare(&expectation(), &actual, &OnceCell::new()) else {
            panic!("should diverge");
        };
        assert_eq!(d.closest, 1);
        assert_eq!(d.paths, ["/events"]);
        assert_eq!(d.rules, ["R-EVENT"]);
        let text = diff_text(&json!({"a": 1}), &json!({"a": 2}), "expected", "actual");
        assert!(
            text.contains("-  \"a\": 1") && text.contains("+  \"a\": 2"),
            "{text}"
        );
    }

    #[test]
    fn short_outputs_diff_whole_and_long_ones_around_the_change() {
        let short = |last: u32| json!({"a": 1, "b": [1, 2, 3, 4, 5, 6, 7, 8], "z": last});
        let text = diff_text(&short(1), &short(2), "reference", "impl");
        assert_eq!(text.matches("@@").count(), 2, "one hunk: {text}");
        assert!(text.contains(" {\n") && text.ends_with(" }\n"), "{text}");
        let long = |last: u32| json!({"a": (0..100).collect::<Vec<_>>(), "z": last});
        let text = diff_text(&long(1), &long(2), "reference", "impl");
        assert!(text.lines().count() < 15, "{text}");
    }
}
