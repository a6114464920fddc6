//! One test per rule of the `sql-migrations` contract, on the reference runner.

use proptest::strategy::ValueTree;
use serde_json::{json, Value};

use super::rules::{self, expected_output, statement_count};
use crate::contract::{generate_case, Contract, GenSettings};

fn case(files: Value, ops: Value) -> Value {
    json!({ "files": files, "ops": ops })
}

fn results(files: Value, ops: Value) -> Vec<Value> {
    expected_output(&case(files, ops))["results"]
        .as_array()
        .cloned()
        .unwrap()
}

fn schema_names(files: Value, ops: Value) -> Vec<String> {
    expected_output(&case(files, ops))["schema"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["name"].as_str().unwrap().to_owned())
        .collect()
}

fn three() -> Value {
    json!({
        "0001_users.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY);",
        "0001_users.down.sql": "DROP TABLE users;",
        "0002_email.sql": "ALTER TABLE users ADD COLUMN email TEXT;",
        "0002_email.down.sql": "ALTER TABLE users DROP COLUMN email;",
        "0003_orders.sql": "CREATE TABLE orders (id INTEGER PRIMARY KEY);",
        "0003_orders.down.sql": "DROP TABLE orders;",
    })
}

const RAISED: &str = rules::RAISED;

#[test]
fn ids_are_file_names_without_sql_and_down_and_other_files_are_not_migrations() {
    let files = json!({ "a.sql": "", "a.down.sql": "", "b.down.sql": "", "notes.txt": "" });
    assert_eq!(
        results(files, json!([{ "op": "pending" }])),
        [json!({ "ok": ["a"] })]
    );
}

#[test]
fn order_is_byte_order_and_current_is_the_greatest() {
    let files = json!({ "9_a.sql": "", "10_b.sql": "", "B.sql": "", "a.sql": "" });
    let r = results(
        files,
        json!([{ "op": "pending" }, { "op": "run" }, { "op": "current" }]),
    );
    assert_eq!(r[0], json!({ "ok": ["10_b", "9_a", "B", "a"] }));
    assert_eq!(r[1], r[0]);
    assert_eq!(r[2], json!({ "ok": "a" }));
}

#[test]
fn a_file_added_with_a_smaller_id_is_applied_last_and_becomes_current() {
    let files = json!({ "2.sql": "", "2.down.sql": "", "3.sql": "", "3.down.sql": "" });
    let ops = json!([
        { "op": "run" },
        { "op": "addFile", "name": "1.sql", "sql": "" },
        { "op": "addFile", "name": "1.down.sql", "sql": "" },
        { "op": "run" },
        { "op": "current" },
        { "op": "rollback", "target": "3" },
        { "op": "current" },
        { "op": "rollback", "target": null },
    ]);
    let r = results(files, ops);
    assert_eq!(r[3], json!({ "ok": ["1"] }));
    assert_eq!(
        r[4],
        json!({ "ok": "1" }),
        "the most recently applied (the seed)"
    );
    assert_eq!(r[5], json!({ "ok": ["1"] }), "applied after the target");
    assert_eq!(r[6], json!({ "ok": "3" }), "the target becomes current");
    assert_eq!(r[7], json!({ "ok": ["3"] }));
}

#[test]
fn run_returns_what_it_applied_and_is_idempotent() {
    let r = results(three(), json!([{ "op": "run" }, { "op": "run" }]));
    assert_eq!(
        r[0],
        json!({ "ok": ["0001_users", "0002_email", "0003_orders"] })
    );
    assert_eq!(r[1], json!({ "ok": [] }));
    assert_eq!(
        schema_names(three(), json!([{ "op": "run" }, { "op": "run" }])),
        ["orders", "users"]
    );
}

#[test]
fn every_statement_of_a_file_applies() {
    let files = json!({ "1.sql": "-- two\nCREATE TABLE a (id INTEGER);\n-- x\nCREATE TABLE b (id INTEGER); -- end" });
    assert_eq!(schema_names(files, json!([{ "op": "run" }])), ["a", "b"]);
    assert_eq!(statement_count("-- only a comment\n;;"), 0);
    assert_eq!(
        statement_count("CREATE TABLE t (x TEXT DEFAULT 'a;b'); SELECT 1"),
        2
    );
}

#[test]
fn a_failing_migration_is_undone_stays_pending_and_stops_the_run() {
    let files = json!({
        "1.sql": "CREATE TABLE a (id INTEGER);",
        "2.sql": "CREATE TABLE b (id INTEGER); ALTER TABLE missing ADD COLUMN x;",
        "3.sql": "CREATE TABLE c (id INTEGER);",
    });
    let ops = json!([{ "op": "run" }, { "op": "run" }, { "op": "current" }, { "op": "pending" }]);
    let r = results(files.clone(), ops.clone());
    assert_eq!(r[0], json!({ "error": RAISED }));
    assert_eq!(r[1], json!({ "error": RAISED }), "fails the same way again");
    assert_eq!(r[2], json!({ "ok": "1" }));
    assert_eq!(r[3], json!({ "ok": ["2", "3"] }));
    assert_eq!(
        schema_names(files, ops),
        ["a"],
        "2's first statement is undone"
    );
}

#[test]
fn rollbacks_undo_the_most_recent_or_down_to_a_target() {
    let ops = json!([
        { "op": "run" },
        { "op": "rollback", "target": null },
        { "op": "run" },
        { "op": "rollback", "target": "0001_users" },
        { "op": "rollback", "target": "0001_users" },
        { "op": "current" },
    ]);
    let r = results(three(), ops.clone());
    assert_eq!(r[1], json!({ "ok": ["0003_orders"] }));
    assert_eq!(r[2], json!({ "ok": ["0003_orders"] }));
    assert_eq!(r[3], json!({ "ok": ["0003_orders", "0002_email"] }));
    assert_eq!(r[4], json!({ "ok": [] }), "target equal to current");
    assert_eq!(r[5], json!({ "ok": "0001_users" }));
    let schema = expected_output(&case(three(), ops))["schema"].clone();
    let only_users = expected_output(&case(
        json!({ "0001_users.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY);" }),
        json!([{ "op": "run" }]),
    ))["schema"]
        .clone();
    assert_eq!(schema, only_users, "the schema before those migrations");
}

#[test]
fn rollbacks_that_cannot_happen_raise_and_change_nothing() {
    let mut files = three();
    files.as_object_mut().unwrap().remove("0002_email.down.sql");
    let ops = json!([
        { "op": "run" },
        { "op": "rollback", "target": "0001_users" },
        { "op": "rollback", "target": "0009_unknown" },
        { "op": "current" },
    ]);
    let r = results(files.clone(), ops.clone());
    assert_eq!(r[1], json!({ "error": RAISED }));
    assert_eq!(r[2], json!({ "error": RAISED }));
    assert_eq!(
        r[3],
        json!({ "ok": "0003_orders" }),
        "0003 was not undone either"
    );
    assert_eq!(schema_names(files, ops), ["orders", "users"]);
}

#[test]
fn model_states_name_each_run_and_rollback_by_size_and_ending() {
    let mut files = three();
    let entries = files.as_object_mut().unwrap();
    entries.insert(
        "0004_tags.sql".into(),
        json!("CREATE TABLE tags (id INTEGER);"),
    );
    entries.insert(
        "0004_tags.down.sql".into(),
        json!("DROP TABLE never_created;"),
    );
    let ops = json!([
        { "op": "run" },
        { "op": "rollback", "target": "0001_users" },
        { "op": "rollback", "target": "0009_unknown" },
        { "op": "current" },
        { "op": "addFile", "name": "0005_x.sql", "sql": "CREATE TABLE x (id INTEGER);" },
        { "op": "run" },
        { "op": "rollback", "target": "0003_orders" },
    ]);
    assert_eq!(
        rules::model_states(&case(files, ops)),
        [
            "run of 3–4: applied",
            "rollback of 3–4: a .down.sql failed",
            "rollback: the target is not applied",
            "run of 1: applied",
            "rollback of 2: a .down.sql is missing",
        ]
    );
}

#[test]
fn nothing_applied_means_null_current_and_empty_rollback() {
    let r = results(
        three(),
        json!([{ "op": "current" }, { "op": "rollback", "target": null }]),
    );
    assert_eq!(r, [json!({ "ok": null }), json!({ "ok": [] })]);
}

#[test]
fn the_schema_excludes_sqlite_rows_collapses_whitespace_and_sorts() {
    let files = json!({ "1.sql": "CREATE   TABLE b (\n id INTEGER PRIMARY KEY,\n e TEXT UNIQUE);\nCREATE INDEX a ON b(e);" });
    let schema = expected_output(&case(files, json!([{ "op": "run" }])))["schema"].clone();
    assert_eq!(
        schema,
        json!([
            { "type": "index", "name": "a", "tblName": "b", "sql": "CREATE INDEX a ON b(e)" },
            { "type": "table", "name": "b", "tblName": "b", "sql": "CREATE TABLE b ( id INTEGER PRIMARY KEY, e TEXT UNIQUE)" },
        ])
    );
}

#[test]
fn errors_compare_as_raised_whatever_their_type_and_message() {
    let contract = super::SqlMigrations;
    let actual = json!({ "results": [{ "error": { "type": "OperationalError", "message": "no such table" } }], "schema": [] });
    assert_eq!(
        *contract.comparable(&actual),
        json!({ "results": [{ "error": RAISED }], "schema": [] })
    );
    assert_eq!(contract.group_path("/results/3/ok/1"), "/results/*");
    assert_eq!(contract.group_path("/schema/2/sql"), "/schema");
}

#[test]
fn generated_cases_mix_successes_failures_and_rollbacks_within_30_ops() {
    let contract = super::SqlMigrations;
    let settings = GenSettings::default();
    let (mut raised, mut rolled, mut ran) = (0, 0, 0);
    for index in 0..300 {
        let input = generate_case(&contract, &settings, 7, index).current();
        let ops = input["ops"].as_array().unwrap();
        assert!(!ops.is_empty() && ops.len() <= 30, "{} ops", ops.len());
        for name in input["files"].as_object().unwrap().keys() {
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
                "{name}"
            );
        }
        let output = expected_output(&input);
        for (op, result) in ops.iter().zip(output["results"].as_array().unwrap()) {
            match (op["op"].as_str(), result.get("error").is_some()) {
                (Some("run"), true) => raised += 1,
                (Some("run"), false) if result["ok"].as_array().is_some_and(|a| !a.is_empty()) => {
                    ran += 1
                }
                (Some("rollback"), false)
                    if result["ok"].as_array().is_some_and(|a| !a.is_empty()) =>
                {
                    rolled += 1
                }
                _ => {}
            }
        }
    }
    assert!(
        raised > 30 && rolled > 30 && ran > 100,
        "raised {raised}, rolled back {rolled}, ran {ran}"
    );
}
