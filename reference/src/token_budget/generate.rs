//! Generated cases: budgets of small, typical and huge token counts whose limit often sits
//! exactly at (or one token beside) what they use, and a few `with…` steps. The hostile
//! profile puts negatives, floats, booleans, strings, nulls and integers beyond 2^64 in
//! the fields, and malformed steps.
//!
//! Boundaries tried: every count 0, 1, 2^31−1, 2^31, 2^32, 2^53−1 and 2^53 besides small,
//! typical and large ones; limits exactly at, one under and one over what a budget uses. The
//! optional `ragContextTokens` / `historyTokens` present, absent, and (hostile) `null`. The
//! hostile profile puts −1, −5000, floats, booleans, `null`, strings (ASCII and
//! non-ASCII digits), arrays, −(2^53+1) and integers beyond 2^64 in any field or step, adds a field
//! the contract does not define, leaves out a required one, and writes malformed steps.

use num_bigint::BigInt;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::rules::{integer, Budget, FIELDS};
use crate::contract::{GenSettings, Profile};
use crate::one_of;
use crate::strategy::{array, select, vec_of, Gen, Zip};

const MAX_STEPS: usize = 6;
/// The largest count of the normal profile: 2^53, the last integer every double holds.
const LARGEST: u64 = 1 << 53;

#[derive(Debug, Clone)]
enum Count {
    Zero,
    Small(u64),
    Typical(u64),
    Large(u64),
    /// 1, 2^31−1, 2^31, 2^32, 2^53−1.
    Boundary(u64),
}

impl Count {
    fn value(&self) -> Value {
        match self {
            Count::Zero => json!(0),
            Count::Small(n) | Count::Typical(n) | Count::Large(n) | Count::Boundary(n) => {
                json!(n)
            }
        }
    }
}

fn count() -> Gen<Count> {
    one_of![
        2 => Just(Count::Zero),
        3 => Gen::leaf(1u64..2_000).prop_map(Count::Small),
        4 => Gen::leaf(2_000u64..200_000).prop_map(Count::Typical),
        1 => one_of![
            (LARGEST - 10..=LARGEST),
            (1u64 << 40..LARGEST),
        ]
        .prop_map(Count::Large),
        1 => select(vec![1u64, (1 << 31) - 1, 1 << 31, 1 << 32, LARGEST - 1])
            .prop_map(Count::Boundary),
    ]
}

/// Where the limit sits.
#[derive(Debug, Clone)]
enum Limit {
    Count(Count),
    /// Exactly what the budget as constructed uses.
    ExactFit,
    /// One token less than that: over budget by one.
    OneOver,
    /// One token more.
    OneUnder,
    /// Exactly what the budget after the last step uses.
    FinalFit,
    /// Exactly what everything but history uses.
    HistoryFit,
}

/// Where `null` sits in [`hostile_values`].
const NULL_VALUE: usize = 9;

/// Values outside the schema of a count.
fn hostile_values() -> Vec<Value> {
    let literal = |text: &str| serde_json::from_str::<Value>(text).expect("valid literal");
    vec![
        json!(-1),
        json!(-5000),
        json!(2.5),
        json!(0.5),
        json!(1e-3),
        json!(true),
        json!(false),
        json!("100"),
        json!("\u{663}\u{660}"),
        Value::Null,
        json!([1]),
        literal("-9007199254740993"),
    ]
}

/// Counts only the hostile profile holds: integers beyond 2^53 and beyond 2^64.
fn huge_values() -> Vec<Value> {
    [
        "9007199254740993",
        "18446744073709551617",
        "1000000000000000000000000000000",
        "1180591620717411303425",
    ]
    .iter()
    .map(|t| serde_json::from_str::<Value>(t).expect("valid literal"))
    .collect()
}

#[derive(Debug, Clone)]
enum Field {
    Count(Count),
    Absent,
    Hostile(usize),
    Huge(usize),
}

#[derive(Debug, Clone)]
enum StepPlan {
    Rag(Field),
    History(Field),
    /// Not one of the two steps (hostile): an unknown name, or both at once.
    Malformed(bool),
}

#[derive(Debug, Clone)]
struct Plan {
    limit: Limit,
    /// reservedForOutput, systemPromptTokens, toolDefinitionsTokens, ragContextTokens,
    /// historyTokens (the last two may be absent).
    fields: [Field; 5],
    steps: Vec<StepPlan>,
    /// A hostile limit instead of the planned one.
    hostile_limit: Option<usize>,
    /// Hostile: a required field left out (by index), or an unknown field added.
    missing: Option<usize>,
    unknown_field: bool,
}

fn field(hostile: bool, may_be_absent: bool) -> Gen<Field> {
    let hostile_weight = u32::from(hostile);
    one_of![
        10 => count().prop_map(Field::Count),
        u32::from(may_be_absent) * (3 - u32::from(hostile)) => Just(Field::Absent),
        // Hostile: an optional field present as `null` (the contract has no null count).
        u32::from(may_be_absent && hostile) => Just(Field::Hostile(NULL_VALUE)),
        hostile_weight => Gen::leaf(0..hostile_values().len()).prop_map(Field::Hostile),
        hostile_weight => Gen::leaf(0..huge_values().len()).prop_map(Field::Huge),
    ]
}

fn limit() -> Gen<Limit> {
    one_of![
        3 => count().prop_map(Limit::Count),
        2 => Just(Limit::ExactFit),
        2 => Just(Limit::OneOver),
        1 => Just(Limit::OneUnder),
        2 => Just(Limit::FinalFit),
        1 => Just(Limit::HistoryFit),
    ]
}

fn step(hostile: bool) -> Gen<StepPlan> {
    let hostile_weight = u32::from(hostile);
    one_of![
        5 => field(hostile, false).prop_map(StepPlan::Rag),
        5 => field(hostile, false).prop_map(StepPlan::History),
        hostile_weight => Gen::leaf(any::<bool>()).prop_map(StepPlan::Malformed),
    ]
}

fn plan(hostile: bool) -> Gen<Plan> {
    let hostile_weight = u32::from(hostile);
    let rare = |options: usize| one_of![12 => Just(None), hostile_weight => Gen::leaf(0..options).prop_map(Some)];
    (
        limit(),
        array([
            field(hostile, false),
            field(hostile, false),
            field(hostile, false),
            field(hostile, true),
            field(hostile, true),
        ]),
        vec_of(step(hostile), 0..=MAX_STEPS),
        rare(hostile_values().len()),
        rare(3),
        one_of![12 => Just(false), hostile_weight => Just(true)],
    )
        .zip()
        .prop_map(
            |(limit, fields, steps, hostile_limit, missing, unknown_field)| Plan {
                limit,
                fields,
                steps,
                hostile_limit,
                missing,
                unknown_field,
            },
        )
}

fn field_value(field: &Field) -> Option<Value> {
    match field {
        Field::Count(count) => Some(count.value()),
        Field::Absent => None,
        Field::Hostile(i) => Some(hostile_values()[*i].clone()),
        Field::Huge(i) => Some(huge_values()[*i].clone()),
    }
}

/// What a budget whose limit is 0 uses, as an exact integer, as constructed and after the
/// well-formed `steps`; `None` when a value is not a count (the limit then does not matter).
fn used(budget: &Map<String, Value>, steps: &[Value]) -> Option<(BigInt, BigInt, BigInt)> {
    let mut fields = budget.clone();
    fields.insert(FIELDS[0].into(), json!(0));
    let initial = Budget::from_input(&Value::Object(fields))?;
    let mut last = initial.clone();
    for step in steps {
        last = last.with(step)?;
    }
    Some((
        initial.total_used(),
        last.total_used(),
        initial.used_before_history(),
    ))
}

fn render(plan: &Plan) -> Value {
    let mut budget = Map::new();
    for (i, field) in plan.fields.iter().enumerate() {
        if let Some(value) = field_value(field) {
            budget.insert(FIELDS[i + 1].into(), value);
        }
    }
    let mut steps = Vec::with_capacity(plan.steps.len());
    // The well-formed steps, which the limit may be fitted to.
    let mut counted = Vec::new();
    for step in &plan.steps {
        let (name, field) = match step {
            StepPlan::Rag(field) => ("withRag", field),
            StepPlan::History(field) => ("withHistory", field),
            StepPlan::Malformed(both) => {
                steps.push(if *both {
                    json!({ "withRag": 1, "withHistory": 1 })
                } else {
                    json!({ "withTools": 1 })
                });
                continue;
            }
        };
        let count = field_value(field).unwrap_or(json!(0));
        let step = Value::Object(Map::from_iter([(name.to_owned(), count)]));
        counted.push(step.clone());
        steps.push(step);
    }
    let limit = match (&plan.limit, used(&budget, &counted)) {
        (Limit::Count(count), _) => count.value(),
        (Limit::ExactFit, Some((initial, _, _))) => integer(&initial),
        (Limit::OneOver, Some((initial, _, _))) => {
            integer(&(initial - BigInt::from(1)).max(BigInt::ZERO))
        }
        (Limit::OneUnder, Some((initial, _, _))) => integer(&(initial + BigInt::from(1))),
        (Limit::FinalFit, Some((_, last, _))) => integer(&last),
        (Limit::HistoryFit, Some((_, _, before_history))) => integer(&before_history),
        (_, None) => json!(8192),
    };
    let limit = match plan.hostile_limit {
        Some(i) => hostile_values()[i].clone(),
        None => limit,
    };
    budget.insert(FIELDS[0].into(), limit);
    if let Some(i) = plan.missing {
        budget.remove(FIELDS[i]);
    }
    if plan.unknown_field {
        budget.insert("extraTokens".into(), json!(1));
    }
    // Built directly: `json!` would copy the budget through its serializer, which parses
    // every count's digits back from text.
    Value::Object(Map::from_iter([
        ("budget".to_owned(), Value::Object(budget)),
        ("steps".to_owned(), Value::Array(steps)),
    ]))
}

pub fn generator(settings: &GenSettings) -> Gen<Value> {
    let hostile = settings.profile == Profile::Hostile;
    plan(hostile).prop_map(|plan| render(&plan))
}

#[cfg(test)]
mod checks {
    #[test]
    fn null_value_names_null() {
        assert!(super::hostile_values()[super::NULL_VALUE].is_null());
    }
}
