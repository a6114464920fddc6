//! Hand-picked cases, frozen as golden vectors by `vectors regen`.
//!
//! Ids name the behaviour shown; cases whose point is a raised error end in `-fails`.

use serde_json::{json, Value};

use crate::contract::Example;

const USERS: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)";
const DROP_USERS: &str = "DROP TABLE users;";
const EMAIL: &str = "ALTER TABLE users ADD COLUMN email TEXT;";
const DROP_EMAIL: &str = "ALTER TABLE users DROP COLUMN email;";
const ORDERS: &str = "CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL);";
const DROP_ORDERS: &str = "DROP TABLE orders;";
const BROKEN: &str = "ALTER TABLE missing_table ADD COLUMN x TEXT;";

fn case(files: &[(&str, &str)], ops: Value) -> Value {
    let files: serde_json::Map<String, Value> = files
        .iter()
        .map(|(name, sql)| ((*name).to_owned(), json!(sql)))
        .collect();
    json!({ "files": files, "ops": ops })
}

fn example(id: &'static str, description: &'static str, input: Value) -> Example {
    Example {
        id,
        description,
        input,
    }
}

/// Three migrations with rollback scripts: users, its email column, orders.
fn three() -> Vec<(&'static str, &'static str)> {
    vec![
        ("0001_users.sql", USERS),
        ("0001_users.down.sql", DROP_USERS),
        ("0002_email.sql", EMAIL),
        ("0002_email.down.sql", DROP_EMAIL),
        ("0003_orders.sql", ORDERS),
        ("0003_orders.down.sql", DROP_ORDERS),
    ]
}

pub fn examples() -> Vec<Example> {
    let run = json!({ "op": "run" });
    let pending = json!({ "op": "pending" });
    let current = json!({ "op": "current" });
    let back = json!({ "op": "rollback", "target": null });
    let back_to = |target: &str| json!({ "op": "rollback", "target": target });
    let add = |name: &str, sql: &str| json!({ "op": "addFile", "name": name, "sql": sql });
    vec![
        // ---- Ids and files (SQLMIG-ID) --------------------------------------------------------
        example("contract-example", "The contract's own example: pending, run, current, a file added, run, two rollbacks.", case(
            &[("0001_users.sql", "-- create users\nCREATE TABLE users (id INTEGER PRIMARY KEY);"), ("0001_users.down.sql", DROP_USERS), ("0002_email.sql", EMAIL)],
            json!([pending, run, current, add("0003_idx.sql", "CREATE INDEX i ON users(email);"), run, back, back_to("0001_users")]))),
        example("id-is-file-name-without-sql", "An id is the file name without .sql.", case(&[("0001_users.sql", USERS)], json!([pending, run, current]))),
        example("down-files-are-not-migrations", "A .down.sql file is a rollback script, never a pending migration.", case(&three(), json!([pending]))),
        example("down-file-alone-is-not-a-migration", "A .down.sql with no matching migration is not a migration.", case(&[("0005_x.down.sql", DROP_USERS)], json!([pending, run, current]))),
        example("other-files-are-ignored", "Files not ending in .sql are ignored.", case(&[("README.md", "# migrations"), ("0001_users.sql", USERS), ("0002_notes.txt", "CREATE TABLE notes (id INTEGER);")], json!([pending, run]))),
        example("ids-with-dots-and-dashes", "Ids may hold dots and dashes.", case(&[("1.0-init.sql", USERS), ("1.1-email.sql", EMAIL)], json!([pending, run, current]))),
        // ---- Order (SQLMIG-ORDER) -------------------------------------------------------------
        example("byte-order-not-numeric-order", "10_b sorts before 9_a as bytes.", case(&[("9_a.sql", "CREATE TABLE a (id INTEGER);"), ("10_b.sql", "CREATE TABLE b (id INTEGER);")], json!([pending, run, current]))),
        example("byte-order-decides-what-runs-first", "10_b runs before 9_a, so 9_a may depend on 10_b's table.", case(&[("9_a.sql", "ALTER TABLE b ADD COLUMN note TEXT;"), ("10_b.sql", "CREATE TABLE b (id INTEGER);")], json!([run]))),
        example("byte-order-runs-10-y-first-fails", "As bytes 10_y sorts before 1_x, so it runs first and fails without 1_x's table.", case(&[("1_x.sql", "CREATE TABLE x (id INTEGER);"), ("10_y.sql", "CREATE INDEX i ON x(id);")], json!([run, current, pending]))),
        example("timestamp-ids", "Timestamp-style ids sort by time.", case(&[("20240102120000_email.sql", EMAIL), ("20240101120000_users.sql", USERS)], json!([pending, run, current]))),
        example("uppercase-before-lowercase", "Uppercase letters sort before lowercase ones as bytes.", case(&[("a_users.sql", USERS), ("B_orders.sql", ORDERS)], json!([pending, run]))),
        example("pending-after-partial-run", "Pending lists what is left, in order.", case(&three(), json!([run, back, pending]))),
        example("current-is-greatest-applied", "current is the greatest applied id.", case(&three(), json!([run, current]))),
        example("current-is-most-recent-after-early-file", "A file with a smaller id added later is applied last and becomes current (the seed's most recently applied).", case(&three(), json!([run, add("0000_seed.sql", "CREATE TABLE tags (id INTEGER PRIMARY KEY);"), add("0000_seed.down.sql", "DROP TABLE tags;"), run, current, back, current, back_to("0001_users"), current]))),
        // ---- Run (SQLMIG-RUN, SQLMIG-IDEMPOTENT) ----------------------------------------------
        example("run-applies-all-in-order", "run applies every pending migration and returns their ids in order.", case(&three(), json!([run]))),
        example("run-with-nothing-returns-empty", "run with no migration files returns [].", case(&[], json!([run, current, pending]))),
        example("run-twice-is-idempotent", "run on an up-to-date database returns [] and changes nothing.", case(&three(), json!([run, run]))),
        example("run-three-times", "Every later run is a no-op.", case(&three(), json!([run, run, run, current]))),
        example("run-after-added-file", "A file added after a run is pending and the next run applies only it.", case(&three(), json!([run, add("0004_tags.sql", "CREATE TABLE tags (id INTEGER PRIMARY KEY);"), pending, run, run]))),
        example("empty-file-is-applied", "An empty file is a migration that changes nothing.", case(&[("0001_empty.sql", ""), ("0002_users.sql", USERS)], json!([run, current]))),
        example("comment-only-file-is-applied", "A file holding only comments is a migration that changes nothing.", case(&[("0001_note.sql", "-- nothing to do yet\n-- really"), ("0002_users.sql", USERS)], json!([run, pending]))),
        // ---- Several statements (SQLMIG-MULTI) ------------------------------------------------
        example("multi-statement-file", "Every statement of a file applies.", case(&[("0001_init.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY);\nCREATE TABLE orders (id INTEGER PRIMARY KEY);\nCREATE INDEX idx_orders ON orders(id);")], json!([run]))),
        example("multi-statement-with-comments", "Comments between statements do not stop the rest.", case(&[("0001_init.sql", "-- users\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n-- and orders\nCREATE TABLE orders (id INTEGER PRIMARY KEY); -- done")], json!([run]))),
        example("multi-statement-without-final-semicolon", "The last statement needs no semicolon.", case(&[("0001_init.sql", "CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER)")], json!([run]))),
        example("multi-statement-view", "Tables, an index and a view from one file.", case(&[("0001_init.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nCREATE INDEX idx_users_name ON users(name);\nCREATE VIEW v_users AS SELECT id FROM users;")], json!([run]))),
        example("semicolon-inside-a-string", "A semicolon inside a string literal does not split the statement.", case(&[("0001_init.sql", "CREATE TABLE t (id INTEGER, note TEXT DEFAULT 'a;b');\nCREATE TABLE u (id INTEGER);")], json!([run]))),
        // ---- Failures (SQLMIG-FAIL) -----------------------------------------------------------
        example("failing-first-migration-fails", "The first migration fails: nothing applies and run raises.", case(&[("0001_bad.sql", BROKEN), ("0002_users.sql", USERS)], json!([run, current, pending]))),
        example("failing-middle-migration-fails", "A failing middle migration keeps the ones before it and stops.", case(&[("0001_users.sql", USERS), ("0002_bad.sql", BROKEN), ("0003_orders.sql", ORDERS)], json!([run, current, pending]))),
        example("failing-last-migration-fails", "A failing last migration leaves the earlier ones applied.", case(&[("0001_users.sql", USERS), ("0002_orders.sql", ORDERS), ("0003_bad.sql", "CREATE TABL oops (id INTEGER);")], json!([run, current]))),
        example("failing-statement-undoes-its-file-fails", "The statements before the failing one in the same file are undone.", case(&[("0001_users.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY);\nCREATE TABLE orders (id INTEGER);\nCREATE TABLE users (id INTEGER);")], json!([run, pending]))),
        example("duplicate-column-fails", "Adding a column twice fails.", case(&[("0001_users.sql", USERS), ("0002_name.sql", "ALTER TABLE users ADD COLUMN name TEXT;")], json!([run, current]))),
        example("syntax-error-fails", "A syntax error fails the migration.", case(&[("0001_bad.sql", "CREATE TABLE (id INTEGER);")], json!([run]))),
        example("failing-again-fails-the-same-way", "Running again without a fix fails the same way.", case(&[("0001_users.sql", USERS), ("0002_bad.sql", BROKEN)], json!([run, run, run, current]))),
        example("failing-then-fixed-by-new-file", "A failure stays pending; files after it never run.", case(&[("0001_bad.sql", BROKEN)], json!([run, add("0002_users.sql", USERS), run, pending]))),
        // ---- Rollback (SQLMIG-ROLLBACK) -------------------------------------------------------
        example("rollback-most-recent", "rollback(null) undoes the most recent migration.", case(&three(), json!([run, back, current, pending]))),
        example("rollback-twice", "Two rollbacks undo the two most recent migrations.", case(&three(), json!([run, back, back, current]))),
        example("rollback-all-one-by-one", "Rolling back every migration leaves an empty schema.", case(&three(), json!([run, back, back, back, current, back]))),
        example("rollback-to-target", "rollback(target) undoes everything after target, newest first.", case(&three(), json!([run, back_to("0001_users"), current, pending]))),
        example("rollback-to-current-is-empty", "rollback to the current id returns [].", case(&three(), json!([run, back_to("0003_orders"), current]))),
        example("rollback-then-run-again", "A rolled-back migration applies again.", case(&three(), json!([run, back_to("0001_users"), run, current]))),
        example("rollback-restores-column", "Undoing an added column restores the table.", case(&three(), json!([run, back_to("0001_users")]))),
        example("rollback-multi-statement-down", "A down script with several statements runs whole.", case(&[("0001_init.sql", "CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);"), ("0001_init.down.sql", "DROP TABLE b;\nDROP TABLE a;")], json!([run, back, current]))),
        // ---- Rollback that cannot happen (SQLMIG-ROLLBACK-MISSING) ----------------------------
        example("rollback-without-down-fails", "No .down.sql: rollback raises and changes nothing.", case(&[("0001_users.sql", USERS)], json!([run, back, current]))),
        example("rollback-to-target-needs-missing-down-fails", "One migration in the way has no .down.sql: nothing is undone.", case(&[("0001_users.sql", USERS), ("0001_users.down.sql", DROP_USERS), ("0002_email.sql", EMAIL), ("0003_orders.sql", ORDERS), ("0003_orders.down.sql", DROP_ORDERS)], json!([run, back_to("0001_users"), current]))),
        example("rollback-to-unknown-target-fails", "A target no file has raises.", case(&three(), json!([run, back_to("0009_nope"), current]))),
        example("rollback-to-unapplied-target-fails", "A target that exists but is not applied raises.", case(&three(), json!([run, back, back_to("0003_orders"), current]))),
        example("rollback-to-target-before-anything-fails", "A target when nothing is applied raises.", case(&three(), json!([back_to("0001_users"), current]))),
        example("rollback-failing-down-fails", "A down script that fails undoes nothing.", case(&[("0001_users.sql", USERS), ("0001_users.down.sql", "DROP TABLE never_created;")], json!([run, back, current]))),
        // ---- Nothing applied (SQLMIG-EMPTY) ---------------------------------------------------
        example("empty-current-is-null", "Nothing applied: current is null.", case(&three(), json!([current]))),
        example("empty-rollback-returns-empty", "Nothing applied: rollback(null) returns [].", case(&three(), json!([back, current, pending]))),
        example("empty-after-rolling-everything-back", "After undoing everything, current is null again.", case(&[("0001_users.sql", USERS), ("0001_users.down.sql", DROP_USERS)], json!([run, back, current, back]))),
        // ---- The schema left behind (SQLMIG-SCHEMA) -------------------------------------------
        example("schema-of-tables-indexes-and-views", "The schema lists tables, indexes and views, sorted by type and name.", case(&[("0001_users.sql", USERS), ("0002_idx.sql", "CREATE INDEX idx_users_name ON users(name);"), ("0003_view.sql", "CREATE VIEW v_users AS SELECT id FROM users;")], json!([run]))),
        example("schema-whitespace-collapsed", "Whitespace runs in the stored SQL are collapsed.", case(&[("0001_users.sql", "CREATE   TABLE users (\n    id INTEGER PRIMARY KEY,\n\tname TEXT\n);")], json!([run]))),
        example("schema-after-drop", "A dropped table leaves the schema.", case(&[("0001_users.sql", USERS), ("0002_orders.sql", ORDERS), ("0003_drop.sql", "DROP TABLE users;")], json!([run]))),
        example("schema-excludes-autoindexes", "SQLite's own sqlite_autoindex rows are not part of the schema.", case(&[("0001_users.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE);")], json!([run]))),
        example("schema-long-sequence", "A long sequence of runs, rollbacks and added files.", case(&three(), json!([run, back, run, back_to("0001_users"), add("0004_tags.sql", "CREATE TABLE tags (id INTEGER PRIMARY KEY);"), add("0004_tags.down.sql", "DROP TABLE tags;"), run, pending, back, back, current, run, run, current]))),
    ]
}
