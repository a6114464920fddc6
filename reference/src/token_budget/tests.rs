//! One test per rule of the `token-budget` contract, on the reference, plus the
//! generator's coverage.

use proptest::strategy::ValueTree;
use serde_json::{json, Value};

use super::rules::{self, expected_output, token_count};
use crate::contract::{generate_case, CaseGenerator, GenSettings, Profile};

const RAISED: &str = rules::RAISED;

fn canonical(value: &Value) -> String {
    crate::canonical::to_string(value, crate::canonical::Numbers::ExactIntegers)
}

fn literal(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn states(input: Value) -> Vec<String> {
    let out = expected_output(&input);
    out["ok"]["states"]
        .as_array()
        .unwrap_or_else(|| panic!("{out}"))
        .iter()
        .map(canonical)
        .collect()
}

fn budget(limit: u64, reserved: u64, system: u64, tools: u64, rag: u64, history: u64) -> Value {
    json!({ "modelContextLimit": limit, "reservedForOutput": reserved, "systemPromptTokens": system,
            "toolDefinitionsTokens": tools, "ragContextTokens": rag, "historyTokens": history })
}

#[test]
fn total_remaining_history_and_over_follow_their_formulas() {
    let s = states(json!({ "budget": budget(1000, 400, 300, 200, 50, 60), "steps": [] }));
    // total 1010 > 1000: over by 10, remaining clamps at 0, history room 1000 − 950.
    assert_eq!(
        s[0],
        r#"{"overBudget":true,"remaining":0,"remainingForHistory":50,"totalUsed":1010}"#
    );
    let s = states(json!({ "budget": budget(1000, 400, 300, 200, 50, 50), "steps": [] }));
    assert_eq!(
        s[0],
        r#"{"overBudget":false,"remaining":0,"remainingForHistory":50,"totalUsed":1000}"#
    );
    let s = states(json!({ "budget": budget(100, 400, 0, 0, 0, 0), "steps": [] }));
    assert_eq!(
        s[0],
        r#"{"overBudget":true,"remaining":0,"remainingForHistory":0,"totalUsed":400}"#
    );
}

#[test]
fn steps_replace_one_count_each_on_the_previous_budget() {
    let s = states(json!({ "budget": budget(8192, 1024, 300, 200, 0, 0),
                           "steps": [{"withRag": 300}, {"withHistory": 1200}, {"withRag": 0}] }));
    let totals: Vec<Value> = s
        .iter()
        .map(|t| serde_json::from_str::<Value>(t).unwrap()["totalUsed"].clone())
        .collect();
    assert_eq!(totals, [json!(1524), json!(1824), json!(3024), json!(2724)]);
    let out =
        expected_output(&json!({ "budget": budget(1, 0, 0, 0, 0, 0), "steps": [{"withRag": 1}] }));
    assert_eq!(
        out["ok"]["immutable"],
        json!({"newObject": true, "originalUnchanged": true, "assignmentFails": true})
    );
}

#[test]
fn integers_are_exact_beyond_doubles_and_64_bits() {
    let input = literal(
        r#"{"budget": {"modelContextLimit": 18446744073709551617, "reservedForOutput": 18446744073709551615,
        "systemPromptTokens": 18446744073709551615, "toolDefinitionsTokens": 9007199254740993}, "steps": [{"withRag": 1}]}"#,
    );
    let s = states(input);
    assert_eq!(
        s[0],
        r#"{"overBudget":true,"remaining":0,"remainingForHistory":0,"totalUsed":36902495346673844223}"#
    );
    assert!(
        s[1].contains(r#""totalUsed":36902495346673844224"#),
        "{}",
        s[1]
    );
    let s = states(
        json!({ "budget": budget(9_007_199_254_740_992, 9_007_199_254_740_991, 1, 0, 0, 0), "steps": [] }),
    );
    assert!(
        s[0].contains(r#""overBudget":false"#) && s[0].contains(r#""totalUsed":9007199254740992"#)
    );
}

#[test]
fn counts_read_and_print_the_same_digits_on_either_side_of_every_word_size() {
    for text in [
        "0",
        "9007199254740993",
        "18446744073709551615",
        "18446744073709551616",
        "170141183460469231731687303715884105727",
        "170141183460469231731687303715884105728",
        "-1",
        "-170141183460469231731687303715884105729",
    ] {
        let exact: num_bigint::BigInt = text.parse().unwrap();
        assert_eq!(rules::integer(&exact), literal(text), "{text}");
        assert_eq!(rules::integer(&exact).to_string(), text);
        let count = (!text.starts_with('-')).then_some(exact);
        assert_eq!(token_count(&literal(text)), count, "{text}");
    }
}

#[test]
fn anything_but_a_non_negative_integer_literal_fails() {
    for bad in [
        json!(-1),
        json!(2.5),
        json!(1.0),
        json!(true),
        json!(false),
        json!("1"),
        Value::Null,
        json!([1]),
        json!({}),
        literal("-9007199254740993"),
        literal("1e3"),
    ] {
        assert_eq!(token_count(&bad), None, "{bad}");
        for field in ["modelContextLimit", "historyTokens"] {
            let mut b = budget(8192, 1, 1, 1, 0, 0);
            b[field] = bad.clone();
            assert_eq!(
                expected_output(&json!({ "budget": b, "steps": [] })),
                json!({"error": RAISED}),
                "{field}: {bad}"
            );
        }
        let input = json!({ "budget": budget(8192, 1, 1, 1, 0, 0), "steps": [{"withRag": bad}] });
        assert_eq!(expected_output(&input), json!({"error": RAISED}));
    }
    assert_eq!(token_count(&literal("-0")), Some(0.into()));
    for budget in [
        json!({"reservedForOutput": 1, "systemPromptTokens": 1, "toolDefinitionsTokens": 1}),
        json!({"modelContextLimit": 1, "reservedForOutput": 1, "systemPromptTokens": 1, "toolDefinitionsTokens": 1, "x": 1}),
        json!([]),
    ] {
        assert_eq!(
            expected_output(&json!({ "budget": budget, "steps": [] })),
            json!({"error": RAISED})
        );
    }
    for step in [
        json!({"withTools": 1}),
        json!({"withRag": 1, "withHistory": 1}),
        json!({}),
        json!(5),
    ] {
        let input = json!({ "budget": budget(8192, 1, 1, 1, 0, 0), "steps": [step] });
        assert_eq!(expected_output(&input), json!({"error": RAISED}));
    }
}

#[test]
fn immutability_is_cited_for_the_immutable_part_and_exactness_beyond_2_53() {
    use crate::contract::Contract;
    let small = super::TokenBudget.expect(
        &json!({ "budget": budget(10, 1, 1, 1, 0, 0), "steps": [] }),
        &GenSettings::default(),
    );
    let acceptable = &small.acceptable[0];
    assert_eq!(
        acceptable.rules_for("/ok/immutable/newObject"),
        [rules::IMMUTABLE]
    );
    assert_eq!(
        acceptable.rules_for("/ok/states/0/totalUsed"),
        [rules::TOTAL]
    );
    assert_eq!(acceptable.rules_for("/ok"), [rules::INTEGERS]);
    // A count rounded to a double, or a float count, also breaks TOKEN-INTEGERS; a wrong
    // exact count does not.
    let input = json!({ "budget": budget(1 << 60, (1 << 60) + 1, 1, 0, 0, 0), "steps": [] });
    let big = super::TokenBudget.expect(&input, &GenSettings::default());
    let expected = &big.acceptable[0];
    let with_total = |total: Value| {
        let mut actual = expected.output.clone();
        actual["ok"]["states"][0]["totalUsed"] = total;
        super::TokenBudget.extra_citations(&input, expected, &actual)
    };
    // The exact total is 2^60 + 2; 2^60 is the same double.
    assert_eq!(with_total(json!(1u64 << 60)), [rules::INTEGERS]);
    assert_eq!(with_total(json!(1.5)), [rules::INTEGERS]);
    assert!(with_total(json!(7)).is_empty());
}

#[test]
fn generated_cases_hit_exact_fits_large_counts_and_steps() {
    let generator = CaseGenerator::new(&super::TokenBudget, &GenSettings::default());
    let (mut fits, mut over_by_one, mut beyond, mut with_steps) = (0, 0, 0, 0);
    for index in 0..500 {
        let input = generator.tree(4, index).current();
        let out = expected_output(&input);
        let states = out["ok"]["states"]
            .as_array()
            .unwrap_or_else(|| panic!("normal profile: {input}"));
        let first = &states[0];
        fits += usize::from(first["totalUsed"] == input["budget"]["modelContextLimit"]);
        over_by_one +=
            usize::from(first["overBudget"] == json!(true) && first["remaining"] == json!(0));
        beyond += usize::from(
            canonical(&out)
                .split(|c: char| !c.is_ascii_digit())
                .any(|d| d.len() >= 16),
        );
        with_steps += usize::from(states.len() > 1);
    }
    assert!(
        fits > 50 && over_by_one > 50 && beyond > 25 && with_steps > 300,
        "fits {fits}, over {over_by_one}, beyond {beyond}, steps {with_steps}"
    );
}

#[test]
fn hostile_cases_break_the_schema_about_half_the_time() {
    let settings = GenSettings {
        profile: Profile::Hostile,
        ..GenSettings::default()
    };
    let errors = (0..400)
        .filter(|&i| {
            expected_output(&generate_case(&super::TokenBudget, &settings, 9, i).current())
                == json!({"error": RAISED})
        })
        .count();
    assert!((100..=300).contains(&errors), "{errors}");
}
