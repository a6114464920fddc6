//! The `token-budget` rules and the evaluator: exact integers of any size (`BigInt`), the
//! four derived values, and immutable value semantics.

use std::str::FromStr;

use num_bigint::BigInt;
use serde_json::{json, Map, Number, Value};

use crate::contract::{Acceptable, Expectation, PathRule, Rule};

pub const TOTAL: &str = "TOKEN-TOTAL";
pub const REMAINING: &str = "TOKEN-REMAINING";
pub const HISTORY: &str = "TOKEN-HISTORY";
pub const OVER: &str = "TOKEN-OVER";
pub const IMMUTABLE: &str = "TOKEN-IMMUTABLE";
pub const INTEGERS: &str = "TOKEN-INTEGERS";

pub static RULES: &[Rule] = &[
    Rule { id: TOTAL, summary: "totalUsed is the sum of system, tools, rag, history and reservedForOutput", text: "totalUsed = system + tools + rag + history + reservedForOutput." },
    Rule { id: REMAINING, summary: "remaining is max(0, limit − totalUsed)", text: "remaining = max(0, limit − totalUsed)." },
    Rule { id: HISTORY, summary: "remainingForHistory is max(0, limit − everything used but history)", text: "remainingForHistory = max(0, limit − (system + tools + rag + reservedForOutput))." },
    Rule { id: OVER, summary: "overBudget is totalUsed > limit", text: "overBudget = totalUsed > limit." },
    Rule { id: IMMUTABLE, summary: "with… returns a new budget and never changes the original", text: "with… returns a new budget; the original never changes; assigning to a field fails." },
    Rule { id: INTEGERS, summary: "Every field is a non-negative integer, exact at any size; anything else is an error", text: "Every field is a non-negative integer; anything else is an error (fail closed — the upstream dataclass does not validate: finding it is the point). Integers are exact at any size the input holds (no overflow, no float rounding)." },
];

pub use crate::contract::RAISED;

/// The budget's fields in canonical JSON, required ones first.
pub const FIELDS: [&str; 6] = [
    "modelContextLimit",
    "reservedForOutput",
    "systemPromptTokens",
    "toolDefinitionsTokens",
    "ragContextTokens",
    "historyTokens",
];
const REQUIRED: usize = 4;

/// A non-negative JSON integer literal of any size (TOKEN-INTEGERS): never a float, a
/// boolean or a string, whatever it holds.
pub fn token_count(value: &Value) -> Option<BigInt> {
    let Value::Number(n) = value else {
        return None;
    };
    let text = n.as_str();
    if !crate::canonical::is_integer_literal(text) {
        return None;
    }
    // Nearly every count fits a machine word; only the rest pays for decimal parsing.
    if let Some(small) = n.as_u64() {
        return Some(BigInt::from(small));
    }
    let count = BigInt::from_str(text).ok()?;
    (count.sign() != num_bigint::Sign::Minus).then_some(count)
}

/// An exact integer as a JSON number (the same digits whichever way it is built).
pub fn integer(n: &BigInt) -> Value {
    match i128::try_from(n) {
        Ok(small) => Value::from(small),
        Err(_) => Number::from_str(&n.to_str_radix(10)).map_or(Value::Null, Value::Number),
    }
}

/// One budget: the six fields, in [`FIELDS`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget([BigInt; 6]);

impl Budget {
    /// The budget an input's `budget` object describes, if every field is a token count and
    /// no field is unknown.
    pub fn from_input(budget: &Value) -> Option<Budget> {
        let fields = budget.as_object()?;
        if fields.keys().any(|k| !FIELDS.contains(&k.as_str())) {
            return None;
        }
        let mut values: [BigInt; 6] = Default::default();
        for (i, name) in FIELDS.iter().enumerate() {
            values[i] = match fields.get(*name) {
                Some(value) => token_count(value)?,
                None if i >= REQUIRED => BigInt::ZERO,
                None => return None,
            };
        }
        Some(Budget(values))
    }

    fn limit(&self) -> &BigInt {
        &self.0[0]
    }

    /// system + tools + rag + reservedForOutput: everything but history.
    pub fn used_before_history(&self) -> BigInt {
        &self.0[2] + &self.0[3] + &self.0[4] + &self.0[1]
    }

    pub fn total_used(&self) -> BigInt {
        &self.0[2] + &self.0[3] + &self.0[4] + &self.0[5] + &self.0[1]
    }

    /// The three counts (totalUsed, remaining, remainingForHistory) as double arithmetic
    /// gives them, the same sums in the same order: what an implementation that adds with
    /// IEEE-754 doubles reports.
    fn counts_in_doubles(&self) -> [f64; 3] {
        let d: Vec<f64> = self
            .0
            .iter()
            .map(|n| n.to_string().parse::<f64>().unwrap_or(f64::NAN))
            .collect();
        let before_history = d[2] + d[3] + d[4] + d[1];
        let total = d[2] + d[3] + d[4] + d[5] + d[1];
        [
            total,
            (d[0] - total).max(0.0),
            (d[0] - before_history).max(0.0),
        ]
    }

    /// The four derived values, as the output reports them.
    pub fn state(&self) -> Value {
        let zero = BigInt::ZERO;
        let total = self.total_used();
        let remaining = (self.limit() - &total).max(zero.clone());
        let for_history = (self.limit() - self.used_before_history()).max(zero);
        // Built directly: `json!` would copy each count through its serializer, which
        // parses a number's digits back from text.
        let over = total > *self.limit();
        let counts = [
            ("totalUsed", integer(&total)),
            ("remaining", integer(&remaining)),
            ("remainingForHistory", integer(&for_history)),
            ("overBudget", Value::Bool(over)),
        ];
        Value::Object(counts.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The budget a `{"withRag": n}` or `{"withHistory": n}` step returns.
    pub fn with(&self, step: &Value) -> Option<Budget> {
        let step = step.as_object().filter(|s| s.len() == 1)?;
        let (name, value) = step.iter().next()?;
        let field = match name.as_str() {
            "withRag" => 4,
            "withHistory" => 5,
            _ => return None,
        };
        let mut next = self.clone();
        next.0[field] = token_count(value)?;
        Some(next)
    }
}

/// Whether every count of `actual`'s states is what double arithmetic gives for the case's
/// budgets (TOKEN-INTEGERS: no float rounding), whichever count shows it first.
pub fn computed_in_doubles(input: &Value, actual: &Value) -> bool {
    let Some(mut budget) = input.get("budget").and_then(Budget::from_input) else {
        return false;
    };
    let mut budgets = vec![budget.clone()];
    for step in input["steps"].as_array().into_iter().flatten() {
        let Some(next) = budget.with(step) else {
            return false;
        };
        budgets.push(next.clone());
        budget = next;
    }
    let Some(states) = actual["ok"]["states"].as_array() else {
        return false;
    };
    let names = ["totalUsed", "remaining", "remainingForHistory"];
    // Some count must be wrong: counts that agree are no rounding, whatever else differs.
    let exact = |b: &Budget| b.state();
    let some_count_differs = budgets
        .iter()
        .zip(states)
        .any(|(b, state)| names.iter().any(|name| state[*name] != exact(b)[*name]));
    some_count_differs
        && states.len() == budgets.len()
        && budgets.iter().zip(states).all(|(b, state)| {
            let doubles = b.counts_in_doubles();
            names
                .iter()
                .zip(doubles)
                .all(|(name, d)| state[*name].as_f64() == Some(d))
        })
}

/// The reference's output for a case.
pub fn expected_output(input: &Value) -> Value {
    let raised = json!({ "error": RAISED });
    let Some(budget) = input.get("budget").and_then(Budget::from_input) else {
        return raised;
    };
    let steps = match input.get("steps") {
        None => &Vec::new(),
        Some(Value::Array(steps)) => steps,
        Some(_) => return raised,
    };
    let mut states = vec![budget.state()];
    let mut current = budget;
    for step in steps {
        let Some(next) = current.with(step) else {
            return raised;
        };
        states.push(next.state());
        current = next;
    }
    let immutable =
        json!({ "newObject": true, "originalUnchanged": true, "assignmentFails": true });
    let ok = Map::from_iter([
        ("states".to_owned(), Value::Array(states)),
        ("immutable".to_owned(), immutable),
    ]);
    Value::Object(Map::from_iter([("ok".to_owned(), Value::Object(ok))]))
}

pub fn evaluate(input: &Value) -> Expectation {
    let path_rules = vec![
        PathRule::new("/ok/states/*/totalUsed", &[TOTAL][..]),
        PathRule::new("/ok/states/*/remaining", &[REMAINING][..]),
        PathRule::new("/ok/states/*/remainingForHistory", &[HISTORY][..]),
        PathRule::new("/ok/states/*/overBudget", &[OVER][..]),
        PathRule::new("/ok/states", &[IMMUTABLE][..]),
        PathRule::new("/ok/immutable", &[IMMUTABLE][..]),
        PathRule::new("", &[INTEGERS][..]),
    ];
    Expectation {
        acceptable: vec![Acceptable {
            output: expected_output(input),
            path_rules,
        }],
        virtual_duration_ms: 0,
    }
}

/// Whether `actual` got an integer the way doubles get it: a count that is not an integer
/// literal, or one beyond 2^53 that differs from the exact one yet is the same double
/// (TOKEN-INTEGERS: no float rounding).
pub fn rounded(expected: &Value, actual: &Value) -> bool {
    let counts = ["totalUsed", "remaining", "remainingForHistory"];
    let states = |v: &Value| v["ok"]["states"].as_array().cloned().unwrap_or_default();
    states(expected).iter().zip(states(actual)).any(|(e, a)| {
        counts.iter().any(|field| match (&e[*field], &a[*field]) {
            (Value::Number(e), Value::Number(a)) if e != a => {
                !crate::canonical::is_integer_literal(a.as_str()) || e.as_f64() == a.as_f64()
            }
            _ => false,
        })
    })
}
