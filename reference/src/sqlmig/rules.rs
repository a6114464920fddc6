//! The `sql-migrations` rules and the evaluator: the runner as a state machine over an
//! in-memory SQLite database, the one place the reference touches a database.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde_json::{json, Value};

use crate::contract::{Acceptable, Expectation, PathRule, Rule};

pub const ID: &str = "SQLMIG-ID";
pub const ORDER: &str = "SQLMIG-ORDER";
pub const RUN: &str = "SQLMIG-RUN";
pub const IDEMPOTENT: &str = "SQLMIG-IDEMPOTENT";
pub const MULTI: &str = "SQLMIG-MULTI";
pub const FAIL: &str = "SQLMIG-FAIL";
pub const ROLLBACK: &str = "SQLMIG-ROLLBACK";
pub const ROLLBACK_MISSING: &str = "SQLMIG-ROLLBACK-MISSING";
pub const EMPTY: &str = "SQLMIG-EMPTY";
pub const SCHEMA: &str = "SQLMIG-SCHEMA";

pub static RULES: &[Rule] = &[
    Rule { id: ID, summary: "A migration's id is its file name without .sql; .down.sql files are rollback scripts", text: "A migration's id is its file name without .sql; files ending .down.sql are the rollback script of the id before .down, never migrations themselves; other files are ignored." },
    Rule { id: ORDER, summary: "Migrations apply in byte order of id; current is the most recently applied id", text: "Migrations apply in ascending byte order of id; pending lists them in that order; current is the most recently applied id (the seed: \"the version identifier of the most recently applied migration\"), which is the greatest one unless a file with a smaller id was added later." },
    Rule { id: RUN, summary: "run applies every pending migration in order and returns exactly the ids it applied", text: "run applies every pending migration in order and returns exactly the ids it applied successfully." },
    Rule { id: IDEMPOTENT, summary: "run on an up-to-date database returns [] and changes nothing", text: "run on an up-to-date database returns [] and changes nothing." },
    Rule { id: MULTI, summary: "Every statement of a multi-statement migration file applies", text: "A file may hold several statements separated by ; (and comments); all of them apply, as in every mainstream migration tool." },
    Rule { id: FAIL, summary: "A failing migration is undone, stays pending, stops run and raises, the same way each time", text: "A migration whose SQL fails: its own partial effects are undone, it is not reported as applied and stays pending, later migrations are not attempted, and run raises (any error type counts as raised). Running again fails the same way, never with an error of the runner's own bookkeeping." },
    Rule { id: ROLLBACK, summary: "rollback undoes migrations newest first with their .down.sql and returns their ids", text: "rollback(null) undoes the most recent migration by executing its .down.sql and returns [id]; rollback(target) undoes every migration applied after target, newest first, leaving target applied (it becomes current), and returns those ids; target equal to current returns []. The schema after a rollback equals the schema before those migrations were applied." },
    Rule { id: ROLLBACK_MISSING, summary: "A rollback without a .down.sql or to an unapplied target raises and changes nothing", text: "A rollback that needs a migration with no .down.sql, or names a target that is not applied, raises and changes nothing (fail closed; never a silent [], never forgetting a migration while leaving its tables in place)." },
    Rule { id: EMPTY, summary: "With nothing applied, current is null and rollback(null) returns []", text: "Nothing applied: current is null, rollback(null) returns []." },
    Rule { id: SCHEMA, summary: "The schema left equals the applied migrations, in order, run on an empty database", text: "After every sequence of operations the user schema (sqlite_master rows not named sqlite_* and not the runner's tracking table, whitespace in sql collapsed, sorted by type and name) equals what the applied migrations, in order, give on an empty database." },
];

pub use crate::contract::RAISED;

/// A migration id and its rollback script (SQLMIG-ID).
#[derive(Debug, Clone, PartialEq, Eq)]
enum FileRole {
    Up(String),
    Down(String),
    Ignored,
}

fn role(name: &str) -> FileRole {
    if let Some(id) = name.strip_suffix(".down.sql") {
        FileRole::Down(id.to_owned())
    } else if let Some(id) = name.strip_suffix(".sql") {
        FileRole::Up(id.to_owned())
    } else {
        FileRole::Ignored
    }
}

/// How a runner behaves: as the contract says, or in one of the ways runners commonly get
/// it wrong, each breaking one rule. An output that is exactly one of these is filed under
/// that rule, whichever operation shows it first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runs {
    AsContracted,
    /// Digit runs of ids compared as numbers (`9_a` before `10_b`): SQLMIG-ORDER.
    NaturalOrder,
    /// Descending byte order: SQLMIG-ORDER.
    ReversedOrder,
    /// Each statement commits on its own, so a failing migration leaves the statements
    /// before the failing one: SQLMIG-FAIL.
    WithoutTransactions,
    /// Rollback forgets the record without running the `.down.sql`: SQLMIG-ROLLBACK.
    RollbackWithoutDown,
}

impl Runs {
    /// The ways of getting the contract wrong, with the rule each breaks, most telling first.
    pub const DEVIATIONS: [(Runs, &'static str); 4] = [
        (Runs::RollbackWithoutDown, ROLLBACK),
        (Runs::WithoutTransactions, FAIL),
        (Runs::NaturalOrder, ORDER),
        (Runs::ReversedOrder, ORDER),
    ];

    fn sort(self, ids: &mut [String]) {
        match self {
            Runs::NaturalOrder => ids.sort_by(|a, b| natural_order(a, b)),
            Runs::ReversedOrder => ids.sort_by(|a, b| b.cmp(a)),
            _ => ids.sort(),
        }
    }
}

/// Compares two ids with their runs of ASCII digits as numbers, the rest byte by byte.
fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(p), Some(q)) if p.is_ascii_digit() && q.is_ascii_digit() => {
                let digits = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
                let (m, n) = (digits(x), digits(y));
                let trim = |s: &[u8]| {
                    let zeros = s.iter().take_while(|c| **c == b'0').count();
                    s[zeros..].to_vec()
                };
                let (u, v) = (trim(&x[..m]), trim(&y[..n]));
                let by_value = u.len().cmp(&v.len()).then_with(|| u.cmp(&v));
                if by_value.is_ne() {
                    return by_value;
                }
                (x, y) = (&x[m..], &y[n..]);
            }
            (Some(p), Some(q)) => {
                if p != q {
                    return p.cmp(q);
                }
                (x, y) = (&x[1..], &y[1..]);
            }
        }
    }
}

/// The runner's state: the migrations folder, what is applied (in the order it was
/// applied), and the database.
struct Runner {
    runs: Runs,
    files: BTreeMap<String, String>,
    applied: Vec<String>,
    db: Connection,
    /// Whether a run failed, a rollback undid something, or a multi-statement file applied:
    /// the rules that shaped the final schema besides SQLMIG-SCHEMA.
    failed: bool,
    rolled_back: bool,
    multi: bool,
    /// Each multi-step operation as it went, when asked for (`model_states`): how many
    /// migrations it took on (in powers of two) and how it ended, in the order they ran.
    states: Option<Vec<String>>,
}

/// One operation's outcome: what it returned, or that it raised.
type OpResult = Result<Value, ()>;

impl Runner {
    /// Notes a state of the model, when states are asked for.
    fn note(&mut self, state: impl FnOnce() -> String) {
        if let Some(states) = &mut self.states {
            states.push(state());
        }
    }

    fn up(&self) -> BTreeMap<String, String> {
        // BTreeMap<String, _> iterates in byte order of the id (SQLMIG-ORDER).
        self.files
            .iter()
            .filter_map(|(name, sql)| match role(name) {
                FileRole::Up(id) => Some((id, sql.clone())),
                _ => None,
            })
            .collect()
    }

    fn down(&self, id: &str) -> Option<&String> {
        self.files.get(&format!("{id}.down.sql"))
    }

    fn pending(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .up()
            .into_keys()
            .filter(|id| !self.applied.contains(id))
            .collect();
        self.runs.sort(&mut ids);
        ids
    }

    /// Runs `sql` all or nothing: a savepoint around it, rolled back on any error.
    fn atomically(&self, scripts: &[&str]) -> Result<(), ()> {
        if self.runs == Runs::WithoutTransactions {
            // Statement by statement, each kept: a failure leaves what ran before it.
            return scripts
                .iter()
                .try_for_each(|sql| self.db.execute_batch(sql).map_err(|_| ()));
        }
        self.db.execute_batch("SAVEPOINT step").map_err(|_| ())?;
        for sql in scripts {
            if self.db.execute_batch(sql).is_err() {
                let _ = self.db.execute_batch("ROLLBACK TO step; RELEASE step");
                return Err(());
            }
        }
        self.db.execute_batch("RELEASE step").map_err(|_| ())
    }

    fn run(&mut self) -> OpResult {
        let mut applied = Vec::new();
        let up = self.up();
        let pending = self.pending();
        let took_on = size_class(pending.len());
        for id in pending {
            let sql = &up[&id];
            if self.atomically(&[sql]).is_err() {
                self.failed = true;
                let after = size_class(applied.len());
                self.note(|| format!("run of {took_on}: a migration failed after {after}"));
                return Err(());
            }
            self.multi |= statement_count(sql) > 1;
            self.applied.push(id.clone());
            applied.push(id);
        }
        self.note(|| format!("run of {took_on}: applied"));
        Ok(json!(applied))
    }

    fn rollback(&mut self, target: &Value) -> OpResult {
        let undo: Vec<String> = match target {
            Value::Null => match self.applied.last() {
                None => return Ok(json!([])),
                Some(last) => vec![last.clone()],
            },
            Value::String(target) => match self.applied.iter().position(|id| id == target) {
                Some(at) => self.applied[at + 1..].iter().rev().cloned().collect(),
                None => {
                    self.note(|| "rollback: the target is not applied".into());
                    return Err(());
                }
            },
            _ => return Err(()),
        };
        let took_on = size_class(undo.len());
        // Check everything first: a missing script changes nothing (SQLMIG-ROLLBACK-MISSING).
        let Some(scripts) = undo
            .iter()
            .map(|id| self.down(id).map(String::as_str))
            .collect::<Option<Vec<&str>>>()
        else {
            self.note(|| format!("rollback of {took_on}: a .down.sql is missing"));
            return Err(());
        };
        if self.runs != Runs::RollbackWithoutDown && self.atomically(&scripts).is_err() {
            self.note(|| format!("rollback of {took_on}: a .down.sql failed"));
            return Err(());
        }
        self.note(|| format!("rollback of {took_on}: undone"));
        self.rolled_back |= !undo.is_empty();
        self.applied.truncate(self.applied.len() - undo.len());
        Ok(json!(undo))
    }

    /// The most recently applied id: what the seed promises (the contract's "greatest
    /// applied id" is the same thing until a file with a smaller id is added later).
    fn current(&self) -> Value {
        self.applied.last().map_or(Value::Null, |id| json!(id))
    }

    fn schema(&self) -> Vec<Value> {
        let mut rows = Vec::new();
        if let Ok(mut statement) = self
            .db
            .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master")
        {
            let found = statement.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                ))
            });
            if let Ok(found) = found {
                rows.extend(found.flatten());
            }
        }
        rows.retain(|(_, name, _, _)| !name.starts_with("sqlite_"));
        rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        rows.into_iter()
            .map(|(kind, name, table, sql)| {
                json!({
                    "type": kind,
                    "name": name,
                    "tblName": table,
                    "sql": sql.map(|s| collapse_whitespace(&s)),
                })
            })
            .collect()
    }
}

/// Every run of whitespace as one space, trimmed at both ends (how `schema` shows `sql`).
pub fn collapse_whitespace(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Statements in a script that do something (comments and empty statements left out).
pub fn statement_count(sql: &str) -> usize {
    let mut count = 0;
    let mut rest = sql;
    while let Some(tail) = next_statement(rest) {
        count += 1;
        rest = tail;
    }
    count
}

/// The text after the next non-empty statement of `sql`, or `None` when there is none.
fn next_statement(sql: &str) -> Option<&str> {
    let mut chars = sql.char_indices().peekable();
    let mut seen_code = false;
    while let Some((i, c)) = chars.next() {
        match c {
            '-' if chars.peek().map(|(_, c)| *c) == Some('-') => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '\'' | '"' => {
                seen_code = true;
                for (_, q) in chars.by_ref() {
                    if q == c {
                        break;
                    }
                }
            }
            ';' if seen_code => return Some(&sql[i + 1..]),
            ';' => {}
            c if c.is_whitespace() => {}
            _ => seen_code = true,
        }
    }
    seen_code.then_some("")
}

/// How many of something, in powers of two: "none", "1", "2", "3–4", "5–8" and so on.
fn size_class(count: usize) -> String {
    match count {
        0 => "none".into(),
        1 | 2 => count.to_string(),
        _ => format!(
            "{}–{}",
            count.next_power_of_two() / 2 + 1,
            count.next_power_of_two()
        ),
    }
}

/// The states of the model `input` passes through (see `Contract::model_states`): each run
/// and rollback, by how many migrations it took on and how it ended.
pub fn model_states(input: &Value) -> Vec<String> {
    run_ops(input, Runs::AsContracted, Some(Vec::new()))
        .and_then(|(runner, _)| runner.states)
        .unwrap_or_default()
}

/// Evaluates one case: the expected results of its operations and the final schema.
pub fn evaluate(input: &Value) -> Expectation {
    let output = run_case(input, Runs::AsContracted);
    let results = output["results"].as_array().cloned().unwrap_or_default();
    let mut path_rules = Vec::new();
    let mut applied_any = false;
    let ops = input["ops"].as_array().cloned().unwrap_or_default();
    for (n, (op, result)) in ops.iter().zip(&results).enumerate() {
        let raised = result.get("error").is_some();
        let rules: Vec<&'static str> = match op["op"].as_str() {
            Some("run") if raised => vec![FAIL, RUN],
            Some("run") if result["ok"] == json!([]) && applied_any => vec![IDEMPOTENT, RUN],
            Some("run") => vec![RUN, ORDER],
            Some("rollback") if raised => vec![ROLLBACK_MISSING],
            Some("rollback") if result["ok"] == json!([]) && op["target"].is_null() => {
                vec![EMPTY, ROLLBACK]
            }
            Some("rollback") => vec![ROLLBACK],
            Some("current") if result["ok"].is_null() => vec![EMPTY, ORDER],
            Some("current") => vec![ORDER],
            Some("pending") => vec![ORDER, ID],
            _ => vec![ID],
        };
        applied_any |= matches!(op["op"].as_str(), Some("run")) && !raised;
        path_rules.push(PathRule::new(format!("/results/{n}"), rules));
    }
    // Besides SQLMIG-SCHEMA, the one rule most likely behind a wrong schema: a failed
    // migration's leftovers, else a rollback's, else a multi-statement file's (one extra rule,
    // so one bug makes one group whatever else the case did).
    let mut schema_rules = vec![SCHEMA];
    schema_rules.extend(
        [
            (output["failed"] == true, FAIL),
            (output["rolledBack"] == true, ROLLBACK),
            (output["multi"] == true, MULTI),
        ]
        .into_iter()
        .find_map(|(shaped, rule)| shaped.then_some(rule)),
    );
    path_rules.push(PathRule::new("/schema", schema_rules));
    path_rules.push(PathRule::new("", vec![ID]));
    Expectation {
        acceptable: vec![Acceptable {
            output: json!({ "results": results, "schema": output["schema"] }),
            path_rules,
        }],
        // No virtual time; a real database does real work, about this much per operation at
        // most, which bounds how long a case may take before it counts as hung.
        virtual_duration_ms: 50 * ops.len() as u64,
    }
}

/// The rule broken by the first common deviation ([`Runs::DEVIATIONS`]) whose output for
/// `input` is exactly `actual` (compared form), if any.
pub fn deviation(input: &Value, actual: &Value) -> Option<&'static str> {
    Runs::DEVIATIONS.into_iter().find_map(|(runs, rule)| {
        let output = run_case(input, runs);
        (output["results"] == actual["results"] && output["schema"] == actual["schema"])
            .then_some(rule)
    })
}

/// Runs the case on a runner that `runs` as given: `{results, schema}` plus what shaped the
/// schema (`failed`, `rolledBack`, `multi`).
fn run_case(input: &Value, runs: Runs) -> Value {
    let Some((runner, results)) = run_ops(input, runs, None) else {
        // No SQLite at all: nothing can be expected of the case.
        return json!({ "results": [], "schema": [] });
    };
    json!({
        "results": results,
        "schema": runner.schema(),
        "failed": runner.failed,
        "rolledBack": runner.rolled_back,
        "multi": runner.multi,
    })
}

/// Runs the case's operations on a runner that `runs` as given, noting the model's states
/// in `states` when given: the runner after them and each operation's result (`{ok}` or
/// `{error}`); None when there is no SQLite.
fn run_ops(input: &Value, runs: Runs, states: Option<Vec<String>>) -> Option<(Runner, Vec<Value>)> {
    let db = Connection::open_in_memory().ok()?;
    let files = input["files"]
        .as_object()
        .map(|f| {
            f.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let mut runner = Runner {
        runs,
        files,
        applied: Vec::new(),
        db,
        failed: false,
        rolled_back: false,
        multi: false,
        states,
    };
    let mut results = Vec::new();
    for op in input["ops"].as_array().into_iter().flatten() {
        let result = match op["op"].as_str() {
            Some("run") => runner.run(),
            Some("rollback") => runner.rollback(op.get("target").unwrap_or(&Value::Null)),
            Some("current") => Ok(runner.current()),
            Some("pending") => Ok(json!(runner.pending())),
            Some("addFile") => {
                if let (Some(name), Some(sql)) = (op["name"].as_str(), op["sql"].as_str()) {
                    runner.files.insert(name.to_owned(), sql.to_owned());
                }
                Ok(Value::Null)
            }
            _ => Err(()),
        };
        results.push(match result {
            Ok(value) => json!({ "ok": value }),
            Err(()) => json!({ "error": RAISED }),
        });
    }
    Some((runner, results))
}

#[cfg(test)]
pub(super) fn expected_output(input: &Value) -> Value {
    let mut expectation = evaluate(input);
    expectation.acceptable.remove(0).output
}
