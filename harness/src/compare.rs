//! Canonical JSON (RFC 8785, the JSON Canonicalization Scheme) and the comparison of
//! outputs against the reference's acceptable set.
//!
//! Outputs are compared as canonical bytes, so key order and `1.0` versus `1` never count
//! as drift. Divergences are described by the JSON Pointers of the parts that differ and a
//! line diff of pretty-printed canonical JSON.

use reference::canonical::{self, Numbers};
use reference::{Acceptable, Expectation};
use serde_json::Value;

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

/// How an output relates to the acceptable set.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Canonically equal to one acceptable output.
    Agrees,
    /// Equal to none; described against the closest acceptable output.
    Diverges(Divergence),
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

/// Compares one actual output with the reference's expectation.
pub fn judge(expectation: &Expectation, actual: &Value) -> Verdict {
    let actual_canonical = canonical(actual);
    if expectation
        .acceptable
        .iter()
        .any(|a| canonical(&a.output) == actual_canonical)
    {
        return Verdict::Agrees;
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
    Verdict::Diverges(Divergence {
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

/// How a divergence is grouped: the rules it breaks, in the contract's order, and its
/// differing paths folded by the contract (one bug, one group, whatever the payload).
pub fn group_key(
    contract: &dyn reference::Contract,
    input: &Value,
    expectation: &Expectation,
    divergence: &Divergence,
    actual: &Value,
) -> (Vec<String>, Vec<String>) {
    let decisive = contract.decisive_paths(&divergence.paths);
    let mut rules = match expectation.acceptable.get(divergence.closest) {
        Some(closest) if decisive != divergence.paths => rules_for_paths(closest, &decisive),
        _ => divergence.rules.clone(),
    };
    if let Some(closest) = expectation.acceptable.get(divergence.closest) {
        for extra in contract.extra_citations(input, closest, actual) {
            if !rules.contains(&extra) {
                rules.push(extra);
            }
        }
    }
    rules.sort_by_key(|id| contract.rules().iter().position(|r| r.id == *id));
    let mut paths: Vec<String> = decisive.iter().map(|p| contract.group_path(p)).collect();
    paths.sort();
    paths.dedup();
    (rules.into_iter().map(str::to_owned).collect(), paths)
}

/// A unified line diff of two values' pretty canonical forms.
pub fn diff_text(
    expected: &Value,
    actual: &Value,
    expected_label: &str,
    actual_label: &str,
) -> String {
    let expected = canonical_pretty(expected) + "\n";
    let actual = canonical_pretty(actual) + "\n";
    similar::TextDiff::from_lines(&expected, &actual)
        .unified_diff()
        .context_radius(3)
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
        assert_eq!(
            judge(
                &expectation(),
                &json!({"events": [{"outcome": "fallback"}], "outcome": "fallback"})
            ),
            Verdict::Agrees
        );
    }

    #[test]
    fn divergence_is_described_against_the_closest_acceptable_output() {
        let Verdict::Diverges(d) = judge(
            &expectation(),
            &json!({"outcome": "fallback", "events": []}),
        ) else {
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
}
