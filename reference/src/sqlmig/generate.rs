//! Generated cases: a migrations folder written in a small DDL grammar (so every expected
//! schema is computable) and a sequence of up to 30 operations.
//!
//! The generator works on a plan (files of statements, operations) and renders it to the
//! case's JSON at the end, so shrinking removes operations, files and statements and
//! simplifies each statement towards a plain `CREATE TABLE`.
//!
//! Boundaries tried: `rollback` with its target `null` or absent (every other rollback of the
//! most recent migration leaves it out: the default, the same call), a file's id and an id no
//! file has; the hostile profile adds targets outside the schema, which
//! name no applied migration (SQLMIG-ROLLBACK-MISSING: raise, change nothing): the numbers 0,
//! 1, −1, 2^31−1, 2^31, 2^32, 2^53−1, the empty string, a long string, non-ASCII text (an id in
//! full-width digits), `true`, `[]` and `{}`. Files: none, empty and comment-only files,
//! stray non-migration files.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use crate::contract::{GenSettings, Profile};
use crate::one_of;
use crate::strategy::{vec_of, weighted, Gen, Zip};

/// Longest operation sequence generated.
const MAX_OPS: usize = 30;
const TABLES: [&str; 5] = ["users", "orders", "items", "notes", "tags"];
const COLUMNS: [&str; 6] = ["name", "email", "total", "created_at", "note", "qty"];
const TYPES: [&str; 5] = ["TEXT", "INTEGER", "REAL", "BLOB", ""];
/// Statements that fail whatever the schema: a syntax error, a missing table, a typo.
const BROKEN: [&str; 4] = [
    "CREATE TABLE (id INTEGER)",
    "ALTER TABLE missing_table ADD COLUMN x TEXT",
    "CREATE TABL oops (id INTEGER)",
    "INSERT INTO nowhere VALUES (1)",
];

/// A statement after a file's own `CREATE TABLE`, on a table by index: the tables of the
/// files that sort before it (or its own), so most migrations succeed and some fail.
#[derive(Debug, Clone)]
enum Stmt {
    AddColumn {
        table: usize,
        column: usize,
        ty: usize,
    },
    CreateIndex {
        table: usize,
        column: usize,
    },
    CreateView {
        table: usize,
    },
    DropTable {
        table: usize,
    },
    Broken(usize),
}

/// The name of the table the file of rank `rank` (in byte order of ids) creates.
fn table_name(rank: usize) -> String {
    match TABLES.get(rank) {
        Some(name) => (*name).to_owned(),
        None => format!("t{rank}"),
    }
}

impl Stmt {
    /// The statement as SQL, in the file of rank `rank`.
    fn sql(&self, rank: usize) -> String {
        let table = |t: &usize| table_name(t % (rank + 1));
        match self {
            Stmt::AddColumn {
                table: t,
                column,
                ty,
            } => format!(
                "ALTER TABLE {} ADD COLUMN {} {}",
                table(t),
                COLUMNS[*column],
                TYPES[*ty]
            )
            .trim_end()
            .to_owned(),
            Stmt::CreateIndex { table: t, column } => format!(
                "CREATE INDEX idx_{n}_{c} ON {n}(id)",
                n = table(t),
                c = COLUMNS[*column]
            ),
            Stmt::CreateView { table: t } => {
                format!("CREATE VIEW v_{rank} AS SELECT id FROM {}", table(t))
            }
            Stmt::DropTable { table: t } => format!("DROP TABLE {}", table(t)),
            Stmt::Broken(n) => BROKEN[*n].to_owned(),
        }
    }

    /// The statement that undoes this one, where there is one.
    fn inverse(&self, rank: usize) -> Option<String> {
        let table = |t: &usize| table_name(t % (rank + 1));
        match self {
            Stmt::AddColumn {
                table: t, column, ..
            } => Some(format!(
                "ALTER TABLE {} DROP COLUMN {}",
                table(t),
                COLUMNS[*column]
            )),
            Stmt::CreateIndex { table: t, column } => {
                Some(format!("DROP INDEX idx_{}_{}", table(t), COLUMNS[*column]))
            }
            Stmt::CreateView { .. } => Some(format!("DROP VIEW v_{rank}")),
            Stmt::DropTable { table: t } => Some(format!(
                "CREATE TABLE {} (id INTEGER PRIMARY KEY)",
                table(t)
            )),
            Stmt::Broken(_) => None,
        }
    }
}

fn stmt() -> Gen<Stmt> {
    let table = 0..8usize;
    let column = 0..COLUMNS.len();
    one_of![
        4 => (table.clone(), column.clone(), 0..TYPES.len())
            .zip()
            .prop_map(|(table, column, ty)| Stmt::AddColumn { table, column, ty }),
        3 => (table.clone(), column).zip().prop_map(|(table, column)| Stmt::CreateIndex { table, column }),
        2 => Gen::leaf(table.clone()).prop_map(|table| Stmt::CreateView { table }),
        1 => Gen::leaf(table).prop_map(|table| Stmt::DropTable { table }),
        1 => Gen::leaf(0..BROKEN.len()).prop_map(Stmt::Broken),
    ]
}

/// What a file holds.
#[derive(Debug, Clone, Copy)]
enum Body {
    /// Its own `CREATE TABLE` (with these many extra columns) and the statements after it.
    Table(usize),
    Empty,
    CommentOnly,
}

/// What a file's rollback script is.
#[derive(Debug, Clone, Copy)]
enum Down {
    /// The inverse of each statement, newest first.
    Inverse,
    Missing,
    /// A script that fails.
    Failing,
}

/// One migration file: statements, its rollback script, and how the text is laid out.
#[derive(Debug, Clone)]
struct FilePlan {
    body: Body,
    statements: Vec<Stmt>,
    down: Down,
    /// A first-line `-- name` comment, and comments between statements.
    commented: bool,
    trailing_semicolon: bool,
}

impl FilePlan {
    fn up_sql(&self, id: &str, rank: usize) -> String {
        let mut out = String::new();
        if self.commented {
            out.push_str(&format!("-- {id}\n"));
        }
        let columns = match self.body {
            Body::Empty => return out,
            Body::CommentOnly => return format!("-- {id}: nothing to do yet\n"),
            Body::Table(columns) => columns,
        };
        let mut defs = vec!["id INTEGER PRIMARY KEY".to_owned()];
        defs.extend(
            COLUMNS
                .iter()
                .zip(TYPES)
                .take(columns)
                .map(|(c, t)| format!("{c} {t}").trim_end().to_owned()),
        );
        let mut body = vec![format!(
            "CREATE TABLE {} ({})",
            table_name(rank),
            defs.join(", ")
        )];
        body.extend(self.statements.iter().map(|s| s.sql(rank)));
        let separator = if self.commented {
            ";\n-- next\n"
        } else {
            ";\n"
        };
        out.push_str(&body.join(separator));
        if self.trailing_semicolon {
            out.push(';');
        }
        out
    }

    fn down_sql(&self, rank: usize) -> Option<String> {
        match (self.down, self.body) {
            (Down::Missing, _) => None,
            (Down::Failing, _) => Some("DROP TABLE never_created;".into()),
            (Down::Inverse, Body::Table(_)) => {
                let mut script: String = self
                    .statements
                    .iter()
                    .rev()
                    .filter_map(|s| s.inverse(rank))
                    .map(|s| s + ";\n")
                    .collect();
                script.push_str(&format!("DROP TABLE {};\n", table_name(rank)));
                Some(script)
            }
            (Down::Inverse, _) => Some("-- nothing to undo\n".into()),
        }
    }
}

fn file_plan() -> Gen<FilePlan> {
    (
        one_of![
            8 => Gen::leaf(0usize..3).prop_map(Body::Table),
            1 => Just(Body::Empty),
            1 => Just(Body::CommentOnly),
        ],
        vec_of(stmt(), 0..3),
        one_of![6 => Just(Down::Inverse), 3 => Just(Down::Missing), 1 => Just(Down::Failing)],
        any::<bool>(),
        any::<bool>(),
    )
        .zip()
        .prop_map(
            |(body, statements, down, commented, trailing_semicolon)| FilePlan {
                body,
                statements,
                down,
                commented,
                trailing_semicolon,
            },
        )
}

/// How a case names its migrations: schemes where byte order and numeric order differ,
/// timestamps, dots and dashes.
#[derive(Debug, Clone, Copy)]
enum Naming {
    Padded,
    Unpadded,
    Timestamp,
    Dotted,
}

impl Naming {
    fn id(self, k: usize) -> String {
        let name = TABLES[k % TABLES.len()];
        match self {
            Naming::Padded => format!("{:04}_{name}", k + 1),
            // 9_a, 10_b, 100_c …: 10_b sorts before 9_a as bytes.
            Naming::Unpadded => {
                const NUMBERS: [u32; 7] = [9, 10, 100, 2, 11, 1, 20];
                format!(
                    "{}_{}",
                    NUMBERS[k % NUMBERS.len()],
                    (b'a' + k as u8) as char
                )
            }
            Naming::Timestamp => format!("2024{:02}{:02}120000_{name}", 1 + k % 12, 1 + k),
            Naming::Dotted => format!("{}.{}-{name}", 1 + k / 3, k % 3),
        }
    }
}

#[derive(Debug, Clone)]
enum OpPlan {
    Run,
    Pending,
    Current,
    /// `rollback` of the most recent migration: every other one (the 2nd, 4th, … of a case)
    /// leaves `target` out instead of `null` (the default; the same call, SQLMIG-ROLLBACK).
    RollbackLast,
    /// A target outside the schema (hostile), by index in [`odd_targets`].
    RollbackOdd(usize),
    /// A target by index: a file's id, or an id no file has.
    RollbackTo(usize),
    /// A new file; `early` when its id sorts before every other id, so it is applied after
    /// migrations with greater ids.
    AddFile {
        plan: FilePlan,
        early: bool,
    },
}

/// Rollback targets outside the schema: not strings, or strings no id is.
fn odd_targets() -> Vec<Value> {
    vec![
        json!(0),
        json!(1),
        json!(-1),
        json!(2_147_483_647_i64),
        json!(2_147_483_648_i64),
        json!(4_294_967_296_i64),
        json!(9_007_199_254_740_991_i64),
        json!(""),
        json!("0001_".repeat(200)),
        json!("\u{ff10}\u{ff10}\u{ff10}\u{ff11}_users"),
        json!(true),
        json!([]),
        json!({}),
    ]
}

fn op_plan(hostile: bool) -> Gen<OpPlan> {
    // Shrinking moves a choice towards the first alternative: `Run` first; the hostile targets
    // last (weight 0 in the normal profile, whose cases stay as they were).
    one_of![
        5 => Just(OpPlan::Run),
        2 => Just(OpPlan::Pending),
        2 => Just(OpPlan::Current),
        2 => Just(OpPlan::RollbackLast),
        2 => Gen::leaf(0usize..8).prop_map(OpPlan::RollbackTo),
        1 => (file_plan(), weighted(0.3))
            .zip()
            .prop_map(|(plan, early)| OpPlan::AddFile { plan, early }),
        u32::from(hostile) => Gen::leaf(0..odd_targets().len()).prop_map(OpPlan::RollbackOdd),
    ]
}

#[derive(Debug, Clone)]
struct CasePlan {
    naming: Naming,
    files: Vec<FilePlan>,
    /// A file the runner must ignore (neither `.sql` nor `.down.sql`).
    stray: bool,
    ops: Vec<OpPlan>,
}

impl CasePlan {
    fn render(&self) -> Value {
        let mut files = Map::new();
        let ids: Vec<String> = (0..self.files.len()).map(|k| self.naming.id(k)).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        for (id, plan) in ids.iter().zip(&self.files) {
            let rank = sorted.binary_search(id).unwrap_or(0);
            files.insert(format!("{id}.sql"), json!(plan.up_sql(id, rank)));
            if let Some(down) = plan.down_sql(rank) {
                files.insert(format!("{id}.down.sql"), json!(down));
            }
        }
        if self.stray {
            files.insert("README.md".into(), json!("Migrations for the app."));
        }
        let mut added = 0;
        let mut latest = 0;
        let ops: Vec<Value> = self
            .ops
            .iter()
            .flat_map(|op| match op {
                OpPlan::Run => vec![json!({ "op": "run" })],
                OpPlan::Pending => vec![json!({ "op": "pending" })],
                OpPlan::Current => vec![json!({ "op": "current" })],
                OpPlan::RollbackLast => {
                    latest += 1;
                    if latest % 2 == 0 {
                        vec![json!({ "op": "rollback" })]
                    } else {
                        vec![json!({ "op": "rollback", "target": null })]
                    }
                }
                OpPlan::RollbackOdd(i) => {
                    vec![json!({ "op": "rollback", "target": odd_targets()[*i].clone() })]
                }
                OpPlan::RollbackTo(k) => {
                    let target = ids.get(*k).cloned().unwrap_or_else(|| "0000_unknown".into());
                    vec![json!({ "op": "rollback", "target": target })]
                }
                OpPlan::AddFile { plan, early } => {
                    // Ids start with a digit: `z…` sorts after all of them, `0000_early…`
                    // before all of them (then it is applied after greater ids).
                    let id = if *early {
                        format!("0000_early{added:02}")
                    } else {
                        format!("z{added:02}_late")
                    };
                    let rank = ids.len() + added;
                    added += 1;
                    let mut ops = Vec::new();
                    if let Some(down) = plan.down_sql(rank) {
                        ops.push(json!({ "op": "addFile", "name": format!("{id}.down.sql"), "sql": down }));
                    }
                    ops.push(json!({ "op": "addFile", "name": format!("{id}.sql"), "sql": plan.up_sql(&id, rank) }));
                    ops
                }
            })
            .take(MAX_OPS)
            .collect();
        json!({ "files": files, "ops": ops })
    }
}

/// The generator of case inputs.
pub fn generator(settings: &GenSettings) -> Gen<Value> {
    let hostile = settings.profile == Profile::Hostile;
    let naming = one_of![
        Just(Naming::Padded),
        Just(Naming::Unpadded),
        Just(Naming::Timestamp),
        Just(Naming::Dotted),
    ];
    (
        naming,
        vec_of(file_plan(), 0..7),
        weighted(0.2),
        vec_of(op_plan(hostile), 1..=MAX_OPS),
    )
        .zip()
        .prop_map(|(naming, files, stray, ops)| {
            CasePlan {
                naming,
                files,
                stray,
                ops,
            }
            .render()
        })
}
