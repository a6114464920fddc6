//! Hand-picked cases, frozen as golden vectors by `vectors regen`.
//!
//! Ids name the behaviour shown; cases whose point is a raised error end in `-fails`.

use serde_json::{json, Value};

use crate::contract::Example;

fn example(id: &'static str, description: &'static str, input: Value) -> Example {
    Example {
        id,
        description,
        input,
    }
}

/// A budget with the four required fields, rag and history left to their defaults.
fn budget(limit: Value, reserved: Value, system: Value, tools: Value) -> Value {
    json!({ "modelContextLimit": limit, "reservedForOutput": reserved,
            "systemPromptTokens": system, "toolDefinitionsTokens": tools })
}

fn full(limit: u64, reserved: u64, system: u64, tools: u64, rag: u64, history: u64) -> Value {
    json!({ "modelContextLimit": limit, "reservedForOutput": reserved, "systemPromptTokens": system,
            "toolDefinitionsTokens": tools, "ragContextTokens": rag, "historyTokens": history })
}

fn case(budget: Value, steps: Vec<Value>) -> Value {
    json!({ "budget": budget, "steps": steps })
}

fn with_budget_field(name: &str, value: Value) -> Value {
    let mut b = full(8192, 1024, 300, 200, 0, 0);
    b[name] = value;
    case(b, vec![])
}

fn literal(text: &str) -> Value {
    serde_json::from_str(text).expect("examples hold valid JSON")
}

pub fn examples() -> Vec<Example> {
    vec![
        // Derived values (TOKEN-TOTAL, TOKEN-REMAINING, TOKEN-HISTORY, TOKEN-OVER).
        example(
            "defaults-rag-and-history-zero",
            "Without rag and history the budget counts them as 0",
            case(
                budget(json!(8192), json!(1024), json!(300), json!(200)),
                vec![],
            ),
        ),
        example(
            "typical-request",
            "A typical request: system prompt, tools, RAG and history",
            case(full(128_000, 4096, 1200, 800, 6000, 20_000), vec![]),
        ),
        example(
            "all-zero",
            "An all-zero budget uses nothing and is not over",
            case(full(0, 0, 0, 0, 0, 0), vec![]),
        ),
        example(
            "zero-limit-over",
            "A zero limit with any use is over budget, remaining 0",
            case(full(0, 1, 0, 0, 0, 0), vec![]),
        ),
        example(
            "exact-fit-not-over",
            "totalUsed equal to the limit is not over budget",
            case(full(1000, 400, 300, 200, 50, 50), vec![]),
        ),
        example(
            "one-over",
            "One token over the limit is over budget; remaining stays 0",
            case(full(1000, 400, 300, 200, 50, 51), vec![]),
        ),
        example(
            "one-under",
            "One token under leaves exactly 1",
            case(full(1000, 400, 300, 200, 50, 49), vec![]),
        ),
        example(
            "history-excluded-from-history-room",
            "remainingForHistory ignores the history already counted",
            case(full(1000, 100, 100, 100, 100, 900), vec![]),
        ),
        example(
            "history-room-exact-fit",
            "Everything but history fills the limit: no room for history",
            case(full(1000, 400, 300, 200, 100, 0), vec![]),
        ),
        example(
            "history-room-clamps-at-zero",
            "Everything but history over the limit: remainingForHistory clamps at 0",
            case(full(100, 400, 300, 200, 100, 0), vec![]),
        ),
        example(
            "reserved-output-counts",
            "Tokens reserved for output count as used",
            case(full(5000, 4999, 0, 0, 0, 0), vec![]),
        ),
        example(
            "large-context-window",
            "A million-token context window",
            case(
                full(1_000_000, 32_768, 12_000, 40_000, 250_000, 600_000),
                vec![],
            ),
        ),
        example(
            "max-safe-integer-fields",
            "Fields at 2^53 − 1 add up exactly, past what a double holds",
            case(
                full(
                    9_007_199_254_740_991,
                    9_007_199_254_740_991,
                    9_007_199_254_740_991,
                    1,
                    1,
                    1,
                ),
                vec![],
            ),
        ),
        example(
            "sum-past-2-53-exact",
            "2^53 + 1 as a total is exact, not rounded to 2^53",
            case(
                full(9_007_199_254_740_992, 9_007_199_254_740_992, 1, 0, 0, 0),
                vec![],
            ),
        ),
        example(
            "limit-2-53-exact-fit",
            "A limit of 2^53 met exactly by odd parts",
            case(
                full(
                    9_007_199_254_740_992,
                    4_503_599_627_370_495,
                    4_503_599_627_370_495,
                    1,
                    1,
                    0,
                ),
                vec![],
            ),
        ),
        example(
            "u64-fields-sum-exact",
            "Fields near 2^64 sum beyond 64 bits without overflow",
            case(
                literal(
                    r#"{"modelContextLimit": 18446744073709551615, "reservedForOutput": 18446744073709551615, "systemPromptTokens": 18446744073709551615, "toolDefinitionsTokens": 1, "ragContextTokens": 0, "historyTokens": 0}"#,
                ),
                vec![],
            ),
        ),
        example(
            "beyond-2-64-limit",
            "A limit of 10^30 is exact",
            case(
                literal(
                    r#"{"modelContextLimit": 1000000000000000000000000000000, "reservedForOutput": 1, "systemPromptTokens": 2, "toolDefinitionsTokens": 3}"#,
                ),
                vec![json!({"withRag": 4})],
            ),
        ),
        example(
            "beyond-2-64-step",
            "A step of 2^70 + 1 tokens stays exact",
            case(
                full(1000, 1, 1, 1, 0, 0),
                vec![literal(r#"{"withHistory": 1180591620717411303425}"#)],
            ),
        ),
        // Steps and immutability (TOKEN-IMMUTABLE).
        example(
            "with-rag",
            "with_rag_tokens returns a budget with the new RAG count",
            case(
                full(8192, 1024, 300, 200, 0, 0),
                vec![json!({"withRag": 300})],
            ),
        ),
        example(
            "with-history",
            "with_history_tokens returns a budget with the new history count",
            case(
                full(8192, 1024, 300, 200, 0, 0),
                vec![json!({"withHistory": 1200})],
            ),
        ),
        example(
            "with-rag-then-history",
            "Steps chain: each applies to the budget the previous one returned",
            case(
                full(8192, 1024, 300, 200, 0, 0),
                vec![json!({"withRag": 300}), json!({"withHistory": 1200})],
            ),
        ),
        example(
            "with-replaces-not-adds",
            "A step replaces the count, it does not add to it",
            case(
                full(8192, 1024, 300, 200, 500, 500),
                vec![json!({"withRag": 100}), json!({"withRag": 50})],
            ),
        ),
        example(
            "with-zero",
            "Steps may set a count back to 0",
            case(
                full(8192, 1024, 300, 200, 500, 500),
                vec![json!({"withRag": 0}), json!({"withHistory": 0})],
            ),
        ),
        example(
            "with-pushes-over-budget",
            "A history step can push the budget over",
            case(
                full(8192, 1024, 300, 200, 0, 0),
                vec![json!({"withHistory": 6668}), json!({"withHistory": 6669})],
            ),
        ),
        example(
            "with-rag-shrinks-history-room",
            "A RAG step shrinks the room for history",
            case(
                full(4096, 1024, 300, 200, 0, 0),
                vec![json!({"withRag": 2000}), json!({"withRag": 3000})],
            ),
        ),
        example(
            "with-many-steps",
            "Six steps alternate and leave the original untouched",
            case(
                full(32_000, 2000, 500, 500, 0, 0),
                vec![
                    json!({"withRag": 1000}),
                    json!({"withHistory": 2000}),
                    json!({"withRag": 3000}),
                    json!({"withHistory": 4000}),
                    json!({"withRag": 0}),
                    json!({"withHistory": 25_000}),
                ],
            ),
        ),
        example(
            "no-steps-still-immutable",
            "Without steps the budget is still frozen",
            case(full(100, 10, 10, 10, 10, 10), vec![]),
        ),
        // Integers (TOKEN-INTEGERS).
        example(
            "negative-limit-fails",
            "A negative limit is an error",
            with_budget_field("modelContextLimit", json!(-1)),
        ),
        example(
            "negative-history-fails",
            "A negative history count is an error, not a credit",
            with_budget_field("historyTokens", json!(-500)),
        ),
        example(
            "negative-beyond-2-53-fails",
            "A negative huge count is an error",
            with_budget_field("systemPromptTokens", literal("-9007199254740993")),
        ),
        example(
            "float-count-fails",
            "A fractional count is an error",
            with_budget_field("toolDefinitionsTokens", json!(2.5)),
        ),
        example(
            "small-float-fails",
            "0.001 tokens is an error",
            with_budget_field("ragContextTokens", json!(1e-3)),
        ),
        example(
            "true-count-fails",
            "true is not the integer 1",
            with_budget_field("reservedForOutput", json!(true)),
        ),
        example(
            "false-count-fails",
            "false is not the integer 0",
            with_budget_field("historyTokens", json!(false)),
        ),
        example(
            "string-count-fails",
            "A numeric string is an error",
            with_budget_field("systemPromptTokens", json!("100")),
        ),
        example(
            "null-count-fails",
            "null is not a count, not even for a defaulted field",
            with_budget_field("ragContextTokens", Value::Null),
        ),
        example(
            "array-count-fails",
            "An array is not a count",
            with_budget_field("modelContextLimit", json!([8192])),
        ),
        example(
            "missing-limit-fails",
            "The limit is required",
            case(
                json!({"reservedForOutput": 1, "systemPromptTokens": 1, "toolDefinitionsTokens": 1}),
                vec![],
            ),
        ),
        example(
            "missing-tools-fails",
            "toolDefinitionsTokens is required",
            case(
                json!({"modelContextLimit": 10, "reservedForOutput": 1, "systemPromptTokens": 1}),
                vec![],
            ),
        ),
        example(
            "unknown-field-fails",
            "An unknown field is an error",
            case(
                json!({"modelContextLimit": 10, "reservedForOutput": 1, "systemPromptTokens": 1, "toolDefinitionsTokens": 1, "extraTokens": 1}),
                vec![],
            ),
        ),
        example(
            "negative-step-fails",
            "A negative step value is an error",
            case(
                full(8192, 1024, 300, 200, 0, 0),
                vec![json!({"withRag": 300}), json!({"withHistory": -1})],
            ),
        ),
        example(
            "float-step-fails",
            "A fractional step value is an error",
            case(
                full(8192, 1024, 300, 200, 0, 0),
                vec![json!({"withRag": 0.5})],
            ),
        ),
        example(
            "bool-step-fails",
            "A boolean step value is an error",
            case(
                full(8192, 1024, 300, 200, 0, 0),
                vec![json!({"withHistory": true})],
            ),
        ),
        example(
            "string-step-fails",
            "A string step value is an error",
            case(
                full(8192, 1024, 300, 200, 0, 0),
                vec![json!({"withRag": "300"})],
            ),
        ),
        example(
            "unknown-step-fails",
            "A step that is neither withRag nor withHistory is an error",
            case(
                full(8192, 1024, 300, 200, 0, 0),
                vec![json!({"withTools": 1})],
            ),
        ),
        example(
            "double-step-fails",
            "A step naming both counts at once is an error",
            case(
                full(8192, 1024, 300, 200, 0, 0),
                vec![json!({"withRag": 1, "withHistory": 1})],
            ),
        ),
        example(
            "negative-zero-is-zero",
            "-0 is the integer 0",
            with_budget_field("ragContextTokens", literal("-0")),
        ),
    ]
}
