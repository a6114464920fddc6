//! One test per rule, then properties of the generator.

use proptest::strategy::ValueTree;
use serde_json::{json, Value};

use super::rules::*;
use super::Budget;
use crate::contract::{generate_case, Contract, GenSettings, Profile};

const BAND: u64 = 15;

fn case(primary: Value, fallback: Option<Value>) -> Value {
    let mut input = json!({
        "budget": { "timeoutMs": 100, "signalRespecting": true },
        "tags": { "component": "reeve", "op": "llm.call", "tenantId": "t-1" },
        "primaryResourceClass": "llm",
        "primary": primary,
    });
    if let Some(f) = fallback {
        input["fallback"] = json!({ "resourceClass": "io", "fn": f });
    }
    input
}

fn only_output(input: &Value) -> Value {
    let e = evaluate(input, BAND);
    assert_eq!(
        e.acceptable.len(),
        1,
        "expected one acceptable output, got {:#?}",
        e.acceptable
    );
    e.acceptable[0].output.clone()
}

fn cited(input: &Value, pointer: &str) -> Vec<&'static str> {
    evaluate(input, BAND).acceptable[0]
        .rules_for(pointer)
        .to_vec()
}

#[test]
fn fallback_rank_above_primary_is_config_error_with_no_event() {
    let mut input = case(
        json!({"kind": "resolve", "value": 1, "delayMs": 1}),
        Some(json!({"kind": "hang_until_abort"})),
    );
    input["primaryResourceClass"] = json!("io");
    input["fallback"]["resourceClass"] = json!("llm");
    let out = only_output(&input);
    assert_eq!(out, config_error_output());
    assert_eq!(out["events"], json!([]));
    assert_eq!(cited(&input, "/outcome"), [FALLBACK_RANK]);
    assert!(cited(&input, "/events").contains(&FALLBACK_RANK));
}

#[test]
fn equal_resource_classes_are_allowed() {
    let mut input = case(
        json!({"kind": "resolve", "value": 1, "delayMs": 1}),
        Some(json!({"kind": "hang_until_abort"})),
    );
    input["fallback"]["resourceClass"] = json!("llm");
    assert_eq!(only_output(&input)["outcome"], "ok");
}

#[test]
fn refusing_an_allowed_fallback_cites_the_rank_rule() {
    let mut input = case(
        json!({"kind": "resolve", "value": 1, "delayMs": 1}),
        Some(json!({"kind": "hang_until_abort"})),
    );
    input["fallback"]["resourceClass"] = json!("llm");
    let expected = &evaluate(&input, BAND).acceptable[0];
    assert_eq!(
        Budget.extra_citations(&input, expected, &config_error_output()),
        [FALLBACK_RANK]
    );
    assert!(Budget
        .extra_citations(&input, expected, &expected.output)
        .is_empty());
}

#[test]
fn unknown_class_is_config_error_with_or_without_fallback() {
    let mut without = case(json!({"kind": "resolve", "value": 1, "delayMs": 1}), None);
    without["primaryResourceClass"] = json!("gpu");
    assert_eq!(only_output(&without)["outcome"], "config_error");
    assert_eq!(cited(&without, "/outcome"), [UNKNOWN_CLASS]);

    let mut with = case(
        json!({"kind": "resolve", "value": 1, "delayMs": 1}),
        Some(json!({"kind": "hang_until_abort"})),
    );
    with["fallback"]["resourceClass"] = json!("LLM");
    assert_eq!(only_output(&with)["errorName"], "AegisConfigError");
    assert_eq!(cited(&with, "/outcome"), [UNKNOWN_CLASS]);
}

#[test]
fn schema_breaks_are_config_errors() {
    let base = case(json!({"kind": "resolve", "value": 1, "delayMs": 1}), None);
    type Breakage = Box<dyn Fn(&mut Value)>;
    let breaks: Vec<Breakage> = vec![
        Box::new(|v| {
            v["tags"].as_object_mut().unwrap().remove("op");
        }),
        Box::new(|v| v["budget"]["timeoutMs"] = json!(0)),
        Box::new(|v| v["budget"]["timeoutMs"] = json!(-5)),
        Box::new(|v| v["budget"]["timeoutMs"] = json!(12.5)),
        Box::new(|v| v["tags"]["tenantId"] = json!(7)),
        Box::new(|v| v["tags"]["component"] = json!(["x"])),
        Box::new(|v| v["budget"]["signalRespecting"] = json!("yes")),
        Box::new(|v| v["primaryResourceClass"] = json!(3)),
    ];
    for (i, breakage) in breaks.iter().enumerate() {
        let mut input = base.clone();
        breakage(&mut input);
        assert_eq!(only_output(&input), config_error_output(), "breakage #{i}");
        assert_eq!(cited(&input, "/outcome"), [SCHEMA], "breakage #{i}");
    }
}

#[test]
fn integral_float_timeout_is_an_integer() {
    let mut input = case(json!({"kind": "resolve", "value": 1, "delayMs": 1}), None);
    input["budget"]["timeoutMs"] = json!(100.0);
    assert_eq!(only_output(&input)["outcome"], "ok");
}

#[test]
fn ok_returns_value_unchanged_with_one_ok_event() {
    let value = json!({"nested": [1, 2.5, null, "ü"]});
    let input = case(
        json!({"kind": "resolve", "value": value, "delayMs": 10}),
        Some(json!({"kind": "hang_until_abort"})),
    );
    let out = only_output(&input);
    assert_eq!(out["outcome"], "ok");
    assert_eq!(out["value"], value);
    assert_eq!(
        out["events"],
        json!([{
            "outcome": "ok",
            "tags": {"component": "reeve", "op": "llm.call", "tenantId": "t-1"},
            "primaryResourceClass": "llm", "fallbackResourceClass": null, "timeoutMs": 100,
        }])
    );
    assert_eq!(out["tagsSeen"]["fallback"], Value::Null);
    assert_eq!(cited(&input, "/value"), [OK]);
}

#[test]
fn primary_error_propagates_unwrapped_and_fallback_never_runs() {
    for (name, primary) in [
        (
            "RateLimitError",
            json!({"kind": "reject", "errorName": "RateLimitError", "errorMessage": "m", "delayMs": 5}),
        ),
        (
            "TimeoutError",
            json!({"kind": "reject", "errorName": "TimeoutError", "errorMessage": "m", "delayMs": 5}),
        ),
        (
            "AbortError",
            json!({"kind": "sync_throw", "errorName": "AbortError", "errorMessage": "m"}),
        ),
    ] {
        let input = case(
            primary,
            Some(json!({"kind": "resolve", "value": "cached", "delayMs": 1})),
        );
        let out = only_output(&input);
        assert_eq!(out["outcome"], "primary_error");
        assert_eq!(out["errorName"], name);
        assert_eq!(out["events"][0]["outcome"], "primary_error");
        assert_eq!(out["tagsSeen"]["fallback"], Value::Null);
        assert_eq!(cited(&input, "/errorName"), [PRIMARY_ERROR]);
    }
}

#[test]
fn sync_throw_wins_even_against_a_one_ms_budget() {
    let mut input = case(
        json!({"kind": "sync_throw", "errorName": "TypeError", "errorMessage": ""}),
        None,
    );
    input["budget"]["timeoutMs"] = json!(1);
    assert_eq!(only_output(&input)["outcome"], "primary_error");
}

#[test]
fn deadline_discards_a_late_value_from_a_function_ignoring_the_signal() {
    let input = case(
        json!({"kind": "ignore_abort_resolve", "value": "late", "delayMs": 300}),
        None,
    );
    let out = only_output(&input);
    assert_eq!(out["outcome"], "budget_exceeded");
    assert_eq!(out["value"], Value::Null);
    assert_eq!(cited(&input, "/outcome"), [DEADLINE, EXCEEDED]);
}

#[test]
fn exceeded_without_fallback() {
    let input = case(json!({"kind": "hang_until_abort"}), None);
    let out = only_output(&input);
    assert_eq!(out["outcome"], "budget_exceeded");
    assert_eq!(out["errorName"], "BudgetExceededError");
    assert_eq!(out["events"][0]["outcome"], "budget_exceeded");
    assert_eq!(out["events"][0]["fallbackResourceClass"], Value::Null);
}

#[test]
fn fallback_runs_with_its_own_deadline_counted_from_its_start() {
    // The fallback takes 80 ms of its own 100 ms: it finishes at 180 ms after the call
    // started, later than the primary's deadline, and must still count as in time.
    let input = case(
        json!({"kind": "hang_until_abort"}),
        Some(json!({"kind": "resolve", "value": "cached", "delayMs": 80})),
    );
    let e = evaluate(&input, BAND);
    let out = &e.acceptable[0].output;
    assert_eq!(e.acceptable.len(), 1);
    assert_eq!(out["outcome"], "fallback");
    assert_eq!(out["value"], "cached");
    assert_eq!(out["events"][0]["fallbackResourceClass"], "io");
    assert_eq!(out["tagsSeen"]["fallback"], out["tagsSeen"]["primary"]);
    assert_eq!(e.virtual_duration_ms, 180);
    assert_eq!(cited(&input, "/value"), [DEADLINE, FALLBACK]);
}

#[test]
fn fallback_failed_on_throw_or_on_its_own_deadline() {
    let thrown = case(
        json!({"kind": "hang_until_abort"}),
        Some(json!({"kind": "reject", "errorName": "IOError", "errorMessage": "x", "delayMs": 2})),
    );
    let out = only_output(&thrown);
    assert_eq!(out["outcome"], "fallback_failed");
    assert_eq!(out["errorName"], "FallbackFailedError");
    assert_eq!(out["originalErrorName"], "AbortError");
    assert_eq!(out["fallbackErrorName"], "IOError");

    let timed_out = case(
        json!({"kind": "resolve", "value": 1, "delayMs": 500}),
        Some(json!({"kind": "hang_until_abort"})),
    );
    let out = only_output(&timed_out);
    assert_eq!(out["fallbackErrorName"], "AbortError");
    assert_eq!(
        cited(&timed_out, "/fallbackErrorName"),
        [DEADLINE, FALLBACK_FAILED]
    );
}

#[test]
fn one_event_rule_covers_event_shape_but_not_its_outcome() {
    let input = case(json!({"kind": "hang_until_abort"}), None);
    assert_eq!(cited(&input, "/events"), [ONE_EVENT]);
    assert_eq!(cited(&input, "/events/0/tags/op"), [ONE_EVENT]);
    assert_eq!(cited(&input, "/events/0/outcome"), [DEADLINE, EXCEEDED]);
}

#[test]
fn tags_seen_inside_and_after() {
    let input = case(json!({"kind": "resolve", "value": 1, "delayMs": 1}), None);
    let out = only_output(&input);
    assert_eq!(out["tagsSeen"]["primary"], input["tags"]);
    assert_eq!(out["tagsAfter"], Value::Null);
    assert_eq!(cited(&input, "/tagsSeen/primary"), [TAGS]);
    assert_eq!(cited(&input, "/tagsAfter"), [TAGS]);
}

#[test]
fn timing_limit_doubles_when_a_fallback_ran() {
    let input = case(
        json!({"kind": "hang_until_abort"}),
        Some(json!({"kind": "resolve", "value": 1, "delayMs": 1})),
    );
    let fell_back = only_output(&input);
    assert_eq!(
        Budget
            .timing_limit(&input, &fell_back, 200)
            .unwrap()
            .limit_ms,
        400.0
    );
    let ok = case(json!({"kind": "resolve", "value": 1, "delayMs": 1}), None);
    let limit = Budget.timing_limit(&ok, &only_output(&ok), 200).unwrap();
    assert_eq!((limit.rule, limit.limit_ms), (TIMING, 300.0));
    let mut broken = ok.clone();
    broken["budget"]["timeoutMs"] = json!(-1);
    assert!(Budget
        .timing_limit(&broken, &config_error_output(), 200)
        .is_none());
}

#[test]
fn race_band_accepts_both_sides() {
    let input = case(
        json!({"kind": "resolve", "value": "v", "delayMs": 95}),
        Some(json!({"kind": "resolve", "value": "fb", "delayMs": 100})),
    );
    let e = evaluate(&input, BAND);
    let outcomes: Vec<&str> = e
        .acceptable
        .iter()
        .map(|a| a.output["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["ok", "fallback", "fallback_failed"]);
    assert!(e.acceptable.iter().all(|a| a.all_rules().contains(&RACE)));
    // Just outside the band there is one answer again.
    let clear = case(
        json!({"kind": "resolve", "value": "v", "delayMs": 84}),
        None,
    );
    assert_eq!(evaluate(&clear, BAND).acceptable.len(), 1);
}

#[test]
fn every_rule_is_listed_once_in_contract_order() {
    let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique);
    assert_eq!(ids.first(), Some(&FALLBACK_RANK));
}

fn generated(settings: &GenSettings, seed: u64, n: u64) -> Vec<Value> {
    (0..n)
        .map(|i| generate_case(&Budget, settings, seed, i).current())
        .collect()
}

#[test]
fn generation_is_deterministic_per_seed_and_index() {
    let settings = GenSettings::default();
    assert_eq!(generated(&settings, 7, 50), generated(&settings, 7, 50));
    assert_ne!(generated(&settings, 7, 50), generated(&settings, 8, 50));
}

#[test]
fn generated_cases_are_valid_outside_the_band_and_fit_the_case_time() {
    let settings = GenSettings::default();
    let mut outcomes = std::collections::BTreeSet::new();
    let mut kinds = std::collections::BTreeSet::new();
    for input in generated(&settings, 1, 3000) {
        let e = evaluate(&input, settings.race_band_ms);
        assert_eq!(
            e.acceptable.len(),
            1,
            "random case inside the race band: {input}"
        );
        assert!(
            e.virtual_duration_ms <= settings.max_case_ms,
            "case too slow: {input}"
        );
        let timeout = input["budget"]["timeoutMs"].as_u64().unwrap();
        if timeout > settings.max_case_ms {
            assert_ne!(
                input["primary"]["kind"], "hang_until_abort",
                "huge budget paired with a hang: {input}"
            );
        }
        outcomes.insert(
            e.acceptable[0].output["outcome"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        kinds.insert(input["primary"]["kind"].as_str().unwrap().to_owned());
        if let Some(kind) = input["fallback"]["fn"]["kind"].as_str() {
            kinds.insert(format!("fallback:{kind}"));
        }
    }
    assert_eq!(outcomes.len(), 6, "outcomes covered: {outcomes:?}");
    assert_eq!(kinds.len(), 14, "kinds covered: {kinds:?}");
}

#[test]
fn generated_budgets_reach_every_boundary_and_pair_long_ones_with_prompt_functions() {
    use super::generate::{MAX_TIMEOUT_MS, TIMEOUT_BOUNDARIES};
    let settings = GenSettings::default();
    let stage_cap = settings.max_case_ms / 2;
    let mut seen = std::collections::BTreeSet::new();
    let mut optional = std::collections::BTreeSet::new();
    for input in generated(&settings, 2, 3000) {
        let timeout = input["budget"]["timeoutMs"].as_u64().unwrap();
        assert!((1..=MAX_TIMEOUT_MS).contains(&timeout), "{input}");
        seen.insert(timeout);
        if timeout > stage_cap {
            for script in [&input["primary"], &input["fallback"]["fn"]] {
                let prompt = match script["kind"].as_str() {
                    None | Some("resolve_now" | "reject_now" | "sync_throw") => true,
                    Some("hang_until_abort") => false,
                    Some(_) => script["delayMs"].as_u64().unwrap_or(0) <= stage_cap,
                };
                assert!(prompt, "a long budget with a slow function: {input}");
            }
        }
        for (pointer, name) in [
            ("/tags/tenantId", "tenantId"),
            ("/tags/correlationId", "correlationId"),
            ("/budget/pgStatementTimeoutMs", "pgStatementTimeoutMs"),
            ("/fallback", "fallback"),
        ] {
            let present = input.pointer(pointer).is_some();
            optional.insert(format!("{name}:{present}"));
        }
    }
    let missing: Vec<u64> = TIMEOUT_BOUNDARIES
        .iter()
        .copied()
        .filter(|b| !seen.contains(b))
        .collect();
    assert!(missing.is_empty(), "boundaries never drawn: {missing:?}");
    assert_eq!(optional.len(), 8, "optional fields: {optional:?}");
}

#[test]
fn hostile_profile_adds_unknown_keys_nulls_and_fractional_budgets() {
    let settings = GenSettings {
        profile: Profile::Hostile,
        ..GenSettings::default()
    };
    let mut found = std::collections::BTreeSet::new();
    for input in generated(&settings, 4, 2000) {
        let broken = validate(&input).is_err();
        let timeout = &input["budget"]["timeoutMs"];
        if timeout.as_f64().is_some_and(|t| t.fract() != 0.0) {
            assert!(broken, "{input}");
            found.insert(format!("fractional:{}", input["primary"]["kind"]));
        }
        for (at, known) in [
            (
                "",
                &[
                    "budget",
                    "tags",
                    "primaryResourceClass",
                    "primary",
                    "fallback",
                ][..],
            ),
            (
                "/budget",
                &["timeoutMs", "signalRespecting", "pgStatementTimeoutMs"][..],
            ),
            (
                "/tags",
                &["component", "op", "tenantId", "correlationId"][..],
            ),
        ] {
            let Some(object) = input.pointer(at).and_then(Value::as_object) else {
                continue;
            };
            if object.keys().any(|k| !known.contains(&k.as_str())) {
                assert!(broken, "{input}");
                found.insert(format!("unknown:{at}"));
            }
        }
        for pointer in [
            "/tags/tenantId",
            "/tags/correlationId",
            "/budget/pgStatementTimeoutMs",
            "/fallback",
        ] {
            if input.pointer(pointer) == Some(&Value::Null) {
                assert!(broken, "{input}");
                assert_eq!(only_output(&input), config_error_output());
                found.insert(format!("null:{pointer}"));
            }
        }
    }
    for expected in [
        "fractional:\"resolve_now\"",
        "fractional:\"reject_now\"",
        "unknown:",
        "unknown:/budget",
        "unknown:/tags",
        "null:/tags/tenantId",
        "null:/tags/correlationId",
        "null:/budget/pgStatementTimeoutMs",
        "null:/fallback",
    ] {
        assert!(
            found.contains(expected),
            "never generated {expected}: {found:?}"
        );
    }
}

#[test]
fn resolve_now_beats_every_deadline_in_no_time() {
    for timeout in [1u64, 2, 100, (1 << 31) - 1, 1 << 31, 1 << 32, (1 << 53) - 1] {
        let mut input = case(
            json!({"kind": "resolve_now", "value": {"v": [1, 2]}}),
            Some(json!({"kind": "hang_until_abort"})),
        );
        input["budget"]["timeoutMs"] = json!(timeout);
        let e = evaluate(&input, BAND);
        assert_eq!(
            e.acceptable.len(),
            1,
            "no race for resolve_now at {timeout}"
        );
        assert_eq!(e.virtual_duration_ms, 0);
        let out = &e.acceptable[0].output;
        assert_eq!(out["outcome"], "ok");
        assert_eq!(out["value"], json!({"v": [1, 2]}));
        assert_eq!(out["events"][0]["timeoutMs"], json!(timeout));
        assert_eq!(out["tagsSeen"]["fallback"], Value::Null);
        assert_eq!(cited(&input, "/outcome"), [OK]);
    }
}

#[test]
fn reject_now_is_a_primary_error_even_with_a_one_ms_budget() {
    let mut input = case(
        json!({"kind": "reject_now", "errorName": "AbortError", "errorMessage": "mine"}),
        Some(json!({"kind": "resolve_now", "value": "unused"})),
    );
    input["budget"]["timeoutMs"] = json!(1);
    let e = evaluate(&input, BAND);
    assert_eq!(e.virtual_duration_ms, 0);
    let out = only_output(&input);
    assert_eq!(out["outcome"], "primary_error");
    assert_eq!(out["errorName"], "AbortError");
    assert_eq!(out["tagsSeen"]["fallback"], Value::Null);
    assert_eq!(out["events"][0]["outcome"], "primary_error");
    assert_eq!(cited(&input, "/outcome"), [PRIMARY_ERROR]);
}

#[test]
fn prompt_fallbacks_decide_by_fallback_and_fallback_failed() {
    let used = case(
        json!({"kind": "hang_until_abort"}),
        Some(json!({"kind": "resolve_now", "value": "cached"})),
    );
    let out = only_output(&used);
    assert_eq!(out["outcome"], "fallback");
    assert_eq!(out["value"], "cached");
    assert_eq!(out["events"][0]["fallbackResourceClass"], "io");
    assert_eq!(evaluate(&used, BAND).virtual_duration_ms, 100);
    assert!(cited(&used, "/outcome").contains(&FALLBACK));

    let failed = case(
        json!({"kind": "hang_until_abort"}),
        Some(json!({"kind": "reject_now", "errorName": "TypeError", "errorMessage": "x"})),
    );
    let out = only_output(&failed);
    assert_eq!(out["outcome"], "fallback_failed");
    assert_eq!(out["originalErrorName"], "AbortError");
    assert_eq!(out["fallbackErrorName"], "TypeError");
    assert!(cited(&failed, "/outcome").contains(&FALLBACK_FAILED));
}

#[test]
fn unknown_keys_nulls_and_fractions_break_the_schema() {
    let base = case(json!({"kind": "resolve_now", "value": 1}), None);
    let breaks: [(&str, Value); 8] = [
        ("/extra", json!(1)),
        ("/budget/extra", json!("x")),
        ("/tags/extra", Value::Null),
        ("/tags/tenantId", Value::Null),
        ("/tags/correlationId", Value::Null),
        ("/budget/pgStatementTimeoutMs", Value::Null),
        ("/fallback", Value::Null),
        ("/budget/timeoutMs", json!(2_147_483_647.5)),
    ];
    for (pointer, value) in breaks {
        let mut input = base.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let target = if parent.is_empty() {
            &mut input
        } else {
            input.pointer_mut(parent).unwrap()
        };
        target[key] = value;
        assert_eq!(only_output(&input), config_error_output(), "{pointer}");
        assert_eq!(cited(&input, "/outcome"), [SCHEMA], "{pointer}");
    }
}

#[test]
fn hostile_profile_breaks_the_schema_about_half_the_time() {
    let settings = GenSettings {
        profile: Profile::Hostile,
        ..GenSettings::default()
    };
    let schema_breaks = generated(&settings, 3, 400)
        .iter()
        .filter(|input| validate(input).is_err_and(|e| e.rules.contains(&SCHEMA)))
        .count();
    assert!(
        (120..=280).contains(&schema_breaks),
        "{schema_breaks} of 400"
    );
}

#[test]
fn comparison_drops_timing_and_messages_and_treats_null_tags_as_absent() {
    let input = case(json!({"kind": "resolve_now", "value": 1}), None);
    let expected = only_output(&input);
    let mut reported = expected.clone();
    let event = reported["events"][0].as_object_mut().unwrap();
    event.remove("fallbackResourceClass");
    event.insert("elapsedMs".into(), json!(0.4));
    event.insert("errorMessage".into(), Value::Null);
    event.insert("fallbackErrorMessage".into(), json!("x"));
    event.get_mut("tags").unwrap()["correlationId"] = Value::Null;
    reported["tagsSeen"]["primary"]["correlationId"] = Value::Null;
    assert_eq!(*Budget.comparable(&reported), expected);
    // A key the contract does not name still differs.
    reported["events"][0]["tags"]["extra"] = json!("x");
    assert_ne!(*Budget.comparable(&reported), expected);
    assert_eq!(*Budget.comparable(&expected), expected);
}
