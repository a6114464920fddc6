//! Case generation for `migrate`: documents shaped like each antaris schema at every
//! version, with keys a step would add already present (with other values, or null),
//! versions valid, unknown, malformed and non-string, and every pair of versions.
//!
//! Boundaries tried. Versions: the four known ones; unknown strings (empty, `2.2`, `v2.2.0`,
//! a trailing space, a 400-character one, full-width digits, a zero-width space); numbers 0,
//! 1, −1, 2.2, 2^31−1, 2^31, 2^32, 2^53−1; `null`, booleans, arrays and objects; `fromVersion`
//! and `toVersion` present, absent and `null`, and (hostile) `compare` / `path` with `a`, `b`,
//! `fromVersion` or `toVersion` absent. Documents: each antaris schema's fields present or
//! absent, step keys already present (often `null`), numbers 0, 1, −1, 2^31−1, 2^31, 2^32,
//! 2^53−1 and fractions, strings empty, long and non-ASCII, keys of any text. The hostile
//! profile adds `data` that is not an object.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::rules::{step_keys, VERSIONS};
use crate::contract::{json as any_json, GenSettings, Profile};
use crate::one_of;
use crate::strategy::{json_object, option_weighted, select, sequence, vec_of, weighted, Gen, Zip};

/// A version argument or `schema_version` value.
fn version() -> Gen<Value> {
    one_of![
        8 => select(VERSIONS.to_vec()).prop_map(Value::from),
        1 => select(vec!["9.9.9", "2.2", "v2.2.0", "", "2.0", "2.2.0 ", "1.0.0", "3.0.0", "2.1.1-rc1"]).prop_map(Value::from),
        1 => select(vec![json!(2.2), json!(2), Value::Null, json!([]), json!(["2.2.0"]), json!({"v": "2.2.0"}), json!(true), json!(0)]),
        1 => one_of![
            select(vec![0i64, 1, -1, 2_147_483_647, 2_147_483_648, 4_294_967_296, 9_007_199_254_740_991]).prop_map(Value::from),
            Just(Value::from("2.2.0.".repeat(80))),
            Just(Value::from("\u{ff12}.\u{ff12}.\u{ff10}")),
            Just(Value::from("2.2.0\u{200b}")),
        ],
    ]
}

/// An optional version argument: mostly absent or null, which means "not given".
fn optional_version(absent_weight: u32) -> Gen<Option<Value>> {
    one_of![
        absent_weight => Just(None),
        1 => Just(Some(Value::Null)),
        6 => version().prop_map(Some),
    ]
}

fn text() -> Gen<Value> {
    one_of![
        8 => any_json::string().prop_map(Value::from),
        1 => select(vec![String::new(), "\u{e9}t\u{e9} \u{1f600} \u{5c0f}\u{8aaa}".to_owned(), "x".repeat(2_000)]).prop_map(Value::from),
    ]
}

fn number() -> Gen<Value> {
    one_of![
        4 => Gen::leaf(0u32..100_000).prop_map(Value::from),
        4 => Gen::leaf(0.0f64..1.0).prop_map(Value::from),
        1 => select(vec![0i64, 1, -1, 2_147_483_647, 2_147_483_648, 4_294_967_296, 9_007_199_254_740_991]).prop_map(Value::from),
    ]
}

fn strings() -> Gen<Value> {
    vec_of(any_json::string(), 0..4).prop_map(|v| json!(v))
}

/// The fields of one antaris state schema, before versioning.
fn schema_fields() -> Gen<Map<String, Value>> {
    let entries = |fields: Vec<(&'static str, Gen<Value>)>| {
        let fields = fields
            .into_iter()
            .map(|(name, strategy)| option_weighted(0.85, strategy).prop_map(move |v| (name, v)))
            .collect::<Vec<_>>();
        sequence(fields).prop_map(|pairs| {
            pairs
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
                .collect::<Map<_, _>>()
        })
    };
    one_of![
        // MemoryEntry
        entries(vec![
            ("content", text()),
            ("source", text()),
            ("line", number()),
            ("category", text()),
            ("importance", number()),
            ("confidence", number())
        ]),
        // RouteDecision
        entries(vec![
            ("model", text()),
            ("tier", text()),
            ("confidence", number()),
            ("basis", text()),
            ("evidence", strings()),
            ("payload", any_json::value())
        ]),
        // GuardDecision
        entries(vec![
            ("action", text()),
            ("pattern", text()),
            ("score", number()),
            ("reasons", strings())
        ]),
        // TelemetryEvent
        entries(vec![
            ("event_id", text()),
            ("event_type", text()),
            ("timestamp", number()),
            ("payload", any_json::value()),
            ("performance", any_json::value())
        ]),
        // ContextPacket
        entries(vec![
            ("query", text()),
            (
                "items",
                vec_of(any_json::value(), 0..4).prop_map(Value::Array)
            ),
            ("budget_tokens", number())
        ]),
        // Anything else
        json_object(any_json::string(), any_json::value(), 0..6),
    ]
}

/// Keys a step would add or remove, already present with some value (often null).
fn prefilled() -> Gen<Vec<(&'static str, Value)>> {
    let keys: Vec<&'static str> = step_keys().collect();
    let value = one_of![2 => Just(Value::Null), 1 => any_json::value(), 1 => Just(json!("kept"))];
    vec_of((select(keys), value).zip(), 0..3)
}

/// A state document at some version (or none, or a broken one).
fn document() -> Gen<Value> {
    (
        schema_fields(),
        optional_version(1),
        prefilled(),
        option_weighted(0.25, any_json::value()),
        option_weighted(0.1, any_json::value()),
    )
        .zip()
        .prop_map(|(mut doc, schema_version, prefilled, heartbeat, extra)| {
            for (key, value) in prefilled {
                doc.insert(key.to_owned(), value);
            }
            if let Some(v) = heartbeat {
                doc.insert("_heartbeat_contaminated".into(), v);
            }
            if let Some(v) = extra {
                doc.insert(
                    "nested".into(),
                    json!({ "deeper": [v, { "ünïcødé": "𝄞" }] }),
                );
            }
            if let Some(v) = schema_version {
                doc.insert("schema_version".into(), v);
            }
            Value::Object(doc)
        })
}

fn non_object() -> Gen<Value> {
    one_of![
        Just(Value::Null),
        Just(json!(5)),
        Just(json!("2.0.0")),
        Just(json!([])),
        Just(json!([{ "schema_version": "2.0.0" }])),
        Just(json!(true)),
    ]
}

fn migrate_case(data: Gen<Value>) -> Gen<Value> {
    (
        data,
        optional_version(5),
        optional_version(4),
        weighted(0.15),
    )
        .zip()
        .prop_map(|(data, from, to, same)| {
            // `same`: the target is the source (MIG-SAME, or MIG-UNKNOWN for an unknown one).
            let source = match &from {
                Some(v) if !v.is_null() && v.as_str() != Some("") => Some(v.clone()),
                _ => data.get("schema_version").cloned(),
            };
            let to = match (same, source) {
                (true, Some(source)) if !source.is_null() => Some(source),
                _ => to,
            };
            let mut case = json!({ "op": "migrate", "data": data });
            if let Some(from) = from {
                case["fromVersion"] = from;
            }
            if let Some(to) = to {
                case["toVersion"] = to;
            }
            case
        })
}

/// The generator of case inputs.
pub fn generator(settings: &GenSettings) -> Gen<Value> {
    let data = match settings.profile {
        Profile::Normal => document(),
        Profile::Hostile => one_of![1 => document(), 1 => non_object()],
    };
    let hostile_weight = u32::from(settings.profile == Profile::Hostile);
    // Hostile: one argument of `path` / `compare` left out (absent: None / undefined).
    let left_out =
        || one_of![8 => Just(None), hostile_weight => Gen::leaf(0..2usize).prop_map(Some)];
    // Often the same value on both sides: MIG-UNKNOWN holds also when source equals target.
    let same = || weighted(0.25);
    let call = |op: &str,
                names: [&str; 2],
                values: (Value, Value),
                same: bool,
                left_out: Option<usize>| {
        let second = if same { values.0.clone() } else { values.1 };
        let mut case = json!({ "op": op, names[0]: values.0, names[1]: second });
        if let (Some(i), Some(fields)) = (left_out, case.as_object_mut()) {
            fields.remove(names[i]);
        }
        case
    };
    one_of![
        6 => migrate_case(data),
        2 => (version(), version(), same(), left_out()).zip().prop_map(move |(from, to, same, out)| call("path", ["fromVersion", "toVersion"], (from, to), same, out)),
        1 => (version(), version(), same(), left_out()).zip().prop_map(move |(a, b, same, out)| call("compare", ["a", "b"], (a, b), same, out)),
    ]
}
