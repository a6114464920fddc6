//! One test per rule, then properties of the generator.

use std::collections::BTreeSet;

use proptest::strategy::ValueTree;
use serde_json::{json, Value};

use super::rules::*;
use super::Migrate;
use crate::contract::{generate_case, Contract, GenSettings, Profile};

fn out(input: Value) -> Value {
    let e = evaluate(&input);
    assert_eq!(e.acceptable.len(), 1);
    e.acceptable[0].output.clone()
}

fn cited(input: &Value, pointer: &str) -> Vec<&'static str> {
    evaluate(input).acceptable[0].rules_for(pointer).to_vec()
}

fn migrate(data: Value, from: Value, to: Value) -> Value {
    json!({ "op": "migrate", "data": data, "fromVersion": from, "toVersion": to })
}

fn is_error(v: &Value) -> bool {
    v["error"]["type"] == "MigrationError"
}

#[test]
fn versions_are_ordered_and_the_default_target_is_current() {
    assert_eq!(VERSIONS, ["2.0.0", "2.1.0", "2.1.1", "2.2.0"]);
    let result = out(migrate(
        json!({ "schema_version": "2.1.1" }),
        Value::Null,
        Value::Null,
    ));
    assert_eq!(result["ok"]["schema_version"], CURRENT);
}

#[test]
fn source_is_from_version_when_given_else_the_documents() {
    let doc = json!({ "schema_version": "2.1.1" });
    assert_eq!(
        out(migrate(doc.clone(), json!("2.0.0"), json!("2.1.0")))["ok"]["memory_type"],
        "episodic"
    );
    assert_eq!(
        out(migrate(doc.clone(), json!(""), json!("2.1.1")))["ok"],
        doc,
        "empty fromVersion falls back to the document"
    );
    for missing in [
        json!({}),
        json!({ "schema_version": null }),
        json!({ "schema_version": "" }),
    ] {
        let input = migrate(missing, Value::Null, Value::Null);
        assert!(is_error(&out(input.clone())));
        assert_eq!(cited(&input, "/error"), [SOURCE]);
    }
}

#[test]
fn unknown_and_non_string_versions_fail_closed_even_when_equal() {
    for (from, to) in [
        (json!("9.9.9"), json!("9.9.9")),
        (json!("2.2"), Value::Null),
        (json!("2.0.0"), json!("v2.2.0")),
        (json!(2.2), Value::Null),
        (json!([]), Value::Null),
        (json!("2.0.0"), json!(0)),
    ] {
        let input = migrate(
            json!({ "schema_version": "2.0.0" }),
            from.clone(),
            to.clone(),
        );
        assert!(is_error(&out(input.clone())), "{from} -> {to}");
        assert_eq!(cited(&input, "/error"), [UNKNOWN]);
    }
    let empty_target = migrate(json!({ "schema_version": "2.0.0" }), Value::Null, json!(""));
    assert!(
        is_error(&out(empty_target.clone())),
        "\"\" is an unknown target, not the default"
    );
    assert_eq!(cited(&empty_target, "/error"), [UNKNOWN]);
    let non_string_doc = migrate(json!({ "schema_version": 2 }), Value::Null, Value::Null);
    assert!(is_error(&out(non_string_doc)));
}

#[test]
fn same_version_is_an_unchanged_copy() {
    let doc = json!({ "schema_version": "2.1.0", "_heartbeat_contaminated": true, "x": [1, { "y": null }] });
    let input = migrate(doc.clone(), Value::Null, json!("2.1.0"));
    assert_eq!(
        out(input.clone()),
        json!({ "ok": doc, "inputUnchanged": true })
    );
    assert_eq!(cited(&input, "/ok/x"), [SAME, PURE]);
}

#[test]
fn downgrade_is_an_error() {
    let input = migrate(
        json!({ "schema_version": "2.2.0" }),
        Value::Null,
        json!("2.0.0"),
    );
    assert!(is_error(&out(input.clone())));
    assert_eq!(cited(&input, "/ok"), [DOWNGRADE]);
}

#[test]
fn non_object_data_is_a_migration_error() {
    for data in [json!([]), json!(null), json!("2.0.0"), json!(5)] {
        let input = migrate(data, json!("2.0.0"), json!("2.0.0"));
        assert_eq!(
            out(input.clone()),
            json!({ "error": { "type": "MigrationError" }, "inputUnchanged": true })
        );
        assert_eq!(cited(&input, "/error"), [NOT_OBJECT]);
    }
}

#[test]
fn step_2_0_0_adds_only_absent_keys() {
    let input = migrate(
        json!({ "schema_version": "2.0.0", "memory_type": null, "correlations": ["c"] }),
        Value::Null,
        json!("2.1.0"),
    );
    let ok = &out(input.clone())["ok"];
    assert_eq!(
        ok,
        &json!({ "schema_version": "2.1.0", "memory_type": null, "correlations": ["c"], "type_metadata": {}, "triggers": [] })
    );
    assert_eq!(cited(&input, "/ok/memory_type"), [STEP_2_0_0]);
}

#[test]
fn step_2_1_0_adds_trace_id_and_removes_the_heartbeat_artifact() {
    let input = migrate(
        json!({ "schema_version": "2.1.0", "_heartbeat_contaminated": {"at": 1} }),
        Value::Null,
        json!("2.1.1"),
    );
    assert_eq!(
        out(input.clone())["ok"],
        json!({ "schema_version": "2.1.1", "trace_id": null })
    );
    assert_eq!(cited(&input, "/ok/_heartbeat_contaminated"), [STEP_2_1_0]);
}

#[test]
fn step_2_1_1_adds_fifteen_defaults() {
    let input = migrate(
        json!({ "schema_version": "2.1.1", "strategy": "dense" }),
        Value::Null,
        Value::Null,
    );
    let ok = out(input.clone())["ok"].clone();
    assert_eq!(ok.as_object().unwrap().len(), 16);
    assert_eq!(ok["strategy"], "dense");
    assert_eq!(ok["sla_compliant"], true);
    assert_eq!(ok["explanation"], "");
    assert_eq!(cited(&input, "/ok/agent_id"), [STEP_2_1_1]);
}

#[test]
fn chain_equals_steps_one_by_one() {
    let doc = json!({ "schema_version": "2.0.0", "_heartbeat_contaminated": 1, "keep": "ü" });
    let whole = out(migrate(doc.clone(), Value::Null, Value::Null))["ok"].clone();
    let mut stepwise = doc;
    for to in ["2.1.0", "2.1.1", "2.2.0"] {
        stepwise = out(migrate(stepwise, Value::Null, json!(to)))["ok"].clone();
    }
    assert_eq!(whole, stepwise);
    let input = migrate(
        json!({ "schema_version": "2.0.0" }),
        Value::Null,
        Value::Null,
    );
    assert_eq!(
        cited(&input, ""),
        [CHAIN, STEP_2_0_0, STEP_2_1_0, STEP_2_1_1]
    );
    assert_eq!(cited(&input, "/ok/keep"), [PURE]);
}

#[test]
fn path_uses_direct_pairs_then_adjacent_steps() {
    let path =
        |from: &str, to: &str| out(json!({ "op": "path", "fromVersion": from, "toVersion": to }));
    assert_eq!(path("2.1.0", "2.1.0"), json!({ "ok": [] }));
    assert_eq!(
        path("2.0.0", "2.2.0"),
        json!({ "ok": [["2.0.0", "2.2.0"]] })
    );
    assert_eq!(
        path("2.0.0", "2.1.1"),
        json!({ "ok": [["2.0.0", "2.1.0"], ["2.1.0", "2.1.1"]] })
    );
    assert!(is_error(&path("2.2.0", "2.1.0")));
    assert!(is_error(&path("9.9.9", "9.9.9")));
    assert_eq!(
        cited(
            &json!({ "op": "path", "fromVersion": "2.0.0", "toVersion": "2.1.1" }),
            "/ok"
        ),
        [PATH]
    );
}

#[test]
fn compare_follows_the_version_order() {
    let compare = |a: &str, b: &str| out(json!({ "op": "compare", "a": a, "b": b }));
    assert_eq!(
        compare("2.1.0", "2.2.0"),
        json!({ "ok": { "lt": true, "le": true } })
    );
    assert_eq!(
        compare("2.1.1", "2.1.1"),
        json!({ "ok": { "lt": false, "le": true } })
    );
    assert_eq!(
        compare("2.2.0", "2.0.0"),
        json!({ "ok": { "lt": false, "le": false } })
    );
    assert!(is_error(&compare("2.2", "2.0.0")));
    assert_eq!(
        cited(
            &json!({ "op": "compare", "a": "2.0.0", "b": "2.2.0" }),
            "/ok/lt"
        ),
        [ORDER, VERSIONS_RULE]
    );
}

#[test]
fn purity_is_reported_and_cited() {
    let input = migrate(
        json!({ "schema_version": "2.0.0" }),
        Value::Null,
        Value::Null,
    );
    assert_eq!(out(input.clone())["inputUnchanged"], true);
    assert_eq!(cited(&input, "/inputUnchanged"), [PURE]);
}

#[test]
fn idempotent_on_current_documents() {
    let doc = out(migrate(
        json!({ "schema_version": "2.0.0", "a": 1 }),
        Value::Null,
        Value::Null,
    ))["ok"]
        .clone();
    let input = migrate(doc.clone(), Value::Null, Value::Null);
    assert_eq!(out(input.clone())["ok"], doc);
    assert!(cited(&input, "").contains(&IDEMPOTENT));
}

#[test]
fn messages_are_not_compared() {
    let output = json!({ "error": { "type": "MigrationError", "message": "Downgrade not supported" }, "inputUnchanged": true });
    assert_eq!(
        *Migrate.comparable(&output),
        json!({ "error": { "type": "MigrationError" }, "inputUnchanged": true })
    );
}

#[test]
fn generator_covers_ops_versions_and_every_rule() {
    let settings = GenSettings::default();
    let mut rules = BTreeSet::new();
    let mut pairs = BTreeSet::new();
    for i in 0..4000 {
        let input = generate_case(&Migrate, &settings, 5, i).current();
        assert_eq!(
            input,
            generate_case(&Migrate, &settings, 5, i).current(),
            "deterministic"
        );
        assert!(
            input["op"] != "migrate" || input["data"].is_object(),
            "normal profile keeps data an object"
        );
        rules.extend(evaluate(&input).acceptable[0].all_rules());
        if let (Some(f), Some(t)) = (input["fromVersion"].as_str(), input["toVersion"].as_str()) {
            pairs.insert((f.to_owned(), t.to_owned()));
        }
    }
    let all: BTreeSet<&str> = RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| *id != NOT_OBJECT)
        .collect();
    assert_eq!(rules, all, "rules exercised by 4000 normal cases");
    assert!(
        pairs.len() >= 16,
        "every pair of known versions in both directions: {pairs:?}"
    );
    let hostile = GenSettings {
        profile: Profile::Hostile,
        ..GenSettings::default()
    };
    let non_objects = (0..400).filter(|&i| {
        let input = generate_case(&Migrate, &hostile, 5, i).current();
        input["op"] == "migrate" && !input["data"].is_object()
    });
    assert!(non_objects.count() > 50);
}
