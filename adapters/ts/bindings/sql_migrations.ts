/**
 * Binding for contract `sql-migrations`: drives a migration runner after lexigram's
 * `MigrationRunnerProtocol` over a real SQLite database file.
 *
 * There is no published TypeScript runner: the implementation is the module whose file
 * `SQLMIG_TS_SRC` names. It must export (the bundled sample, adapters/samples/ts/sqlmig/runner.ts,
 * is the model):
 *   createMigrationRunner({ sqlJs, migrationsDir, databaseFile })   a runner with the async methods
 *     runMigrations(), rollback(target?), getCurrentVersion(), getPendingMigrations()
 * and may export `TRACKING_TABLE`, the name of its bookkeeping table (left out of the schema;
 * `harness_sample_migrations` when it does not say). `sqlJs` is sql.js (SQLite compiled to
 * WebAssembly, a dependency of this adapter), initialized once per process by load(), its wasm
 * read from this adapter's node_modules.
 *
 * One case: a fresh folder under `HARNESS_SCRATCH` (the harness creates and removes that
 * directory; the system temp directory without it) holding `migrations/` (the case's `files`)
 * and `db.sqlite`; the ops in order, each result `{"ok": value}` or `{"error": {type, message}}`
 * when the method threw (`addFile` writes one more file and is `{"ok": null}`); then the user
 * schema, read from the database file opened anew: the rows of `sqlite_master` not named
 * `sqlite_*` nor the tracking table, `{type, name, tblName, sql}` with whitespace runs in `sql`
 * collapsed, sorted by (type, name). The case folder is removed whatever happened. A file name
 * that is not `[0-9A-Za-z._-]+` (or is `.` or `..`) is an input the binding cannot translate: an
 * adapterError. `snippet` writes the program reproducing a case (the `snippet` op).
 */

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { isFile, packageVersion, jsLiteral, errorType, errorMessage, importExports } from "./common.ts";

const DEFAULT_TRACKING_TABLE = "harness_sample_migrations";

/** The part of sql.js the binding uses (and hands to the runner). */
interface SqlJsDatabase {
  exec(sql: string): { columns: string[]; values: unknown[][] }[];
  close(): void;
}

interface SqlJs {
  Database: new (data?: ArrayLike<number> | Buffer | null) => SqlJsDatabase;
}

type InitSqlJs = (config?: { locateFile?: (file: string, prefix: string) => string }) => Promise<SqlJs>;

interface Runner {
  runMigrations(): Promise<unknown>;
  rollback(target?: unknown): Promise<unknown>;
  getCurrentVersion(): Promise<unknown>;
  getPendingMigrations(): Promise<unknown>;
}

const METHODS = ["runMigrations", "rollback", "getCurrentVersion", "getPendingMigrations"] as const;

interface Implementation {
  createMigrationRunner: (options: { sqlJs: SqlJs; migrationsDir: string; databaseFile: string }) => Runner;
  trackingTable: string;
}

let sqlJs: SqlJs | undefined; // sql.js, initialized by load()
let implementation: Implementation | undefined; // bound by load()

// ---------------------------------------------------------------------------------------------
// Loading SQLite and the implementation

/**
 * sql.js, initialized once per process. Its module and its wasm are resolved from this file
 * (adapters/ts/node_modules/sql.js/dist/), never from the working directory.
 */
async function initSqlite(): Promise<SqlJs> {
  if (sqlJs !== undefined) return sqlJs;
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve("sql.js/dist/sql-wasm.wasm"));
  const initSqlJs = require("sql.js") as InitSqlJs;
  sqlJs = await initSqlJs({ locateFile: (file) => path.join(dist, file) });
  return sqlJs;
}

/** The runner module named by `SQLMIG_TS_SRC`. */
function locateEntry(source: string | undefined = process.env.SQLMIG_TS_SRC): string {
  if (source === undefined || source === "") {
    throw new Error(
      "SQLMIG_TS_SRC is not set: point it at a migration runner module's file (there is no published TypeScript runner; the bundled sample is adapters/samples/ts/sqlmig/runner.ts)",
    );
  }
  const entry = path.resolve(source);
  if (!isFile(entry)) throw new Error(`SQLMIG_TS_SRC=${source}: ${entry} is not a file (point it at the runner module's file)`);
  return entry;
}

export async function load(): Promise<{ name: string; version: string }> {
  const entry = locateEntry();
  const module = await importExports(entry, "createMigrationRunner");
  if (typeof module.createMigrationRunner !== "function") throw new Error(`${entry} does not export createMigrationRunner`);
  const trackingTable = module.TRACKING_TABLE ?? DEFAULT_TRACKING_TABLE;
  if (typeof trackingTable !== "string") throw new Error(`${entry} exports a TRACKING_TABLE that is not a string`);
  await initSqlite();
  implementation = { createMigrationRunner: module.createMigrationRunner as Implementation["createMigrationRunner"], trackingTable };
  return { name: "lexigram-sql", version: packageVersion(entry) };
}

// ---------------------------------------------------------------------------------------------
// The case input

type Op =
  | { op: "run" }
  | { op: "rollback"; hasTarget: boolean; target: unknown }
  | { op: "current" }
  | { op: "pending" }
  | { op: "addFile"; name: string; sql: string };

interface Case {
  files: [string, string][];
  ops: Op[];
}

const FILE_NAME = /^[0-9A-Za-z._-]+$/;

/** A file name that stays inside the migrations folder, or a TypeError. */
function fileName(name: unknown, where: string): string {
  if (typeof name !== "string" || !FILE_NAME.test(name) || name === "." || name === "..") {
    throw new TypeError(`${where}: ${JSON.stringify(name)} is not a migration file name ([0-9A-Za-z._-]+, not . or ..)`);
  }
  return name;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The case, checked whole before anything is written (so a bad op late in the list runs nothing). */
function parseCase(input: unknown): Case {
  if (!isObject(input)) throw new TypeError("the case input is not an object");
  if (!isObject(input.files)) throw new TypeError("the case input's files is not an object");
  if (!Array.isArray(input.ops)) throw new TypeError("the case input's ops is not an array");
  const files: [string, string][] = Object.entries(input.files).map(([name, sql]) => {
    if (typeof sql !== "string") throw new TypeError(`files[${JSON.stringify(name)}] is not a string`);
    return [fileName(name, "files"), sql];
  });
  const ops = input.ops.map((op: unknown, n: number): Op => {
    if (!isObject(op)) throw new TypeError(`ops[${n}] is not an object`);
    switch (op.op) {
      case "run":
      case "current":
      case "pending":
        return { op: op.op };
      case "rollback":
        // The target as given (a non-string one is the runner's to refuse); absent: the default.
        return { op: "rollback", hasTarget: Object.prototype.hasOwnProperty.call(op, "target"), target: op.target };
      case "addFile":
        if (typeof op.sql !== "string") throw new TypeError(`ops[${n}].sql is not a string`);
        return { op: "addFile", name: fileName(op.name, `ops[${n}].name`), sql: op.sql };
      default:
        throw new TypeError(`ops[${n}]: unknown sql-migrations op ${JSON.stringify(op.op)}`);
    }
  });
  return { files, ops };
}

// ---------------------------------------------------------------------------------------------
// Running one case


/** Where case folders go: `HARNESS_SCRATCH`, or the system temp directory without it. */
function scratchDir(): string {
  const scratch = process.env.HARNESS_SCRATCH;
  return scratch !== undefined && scratch !== "" ? scratch : os.tmpdir();
}

export interface RunResult {
  output: { results: unknown[]; schema: SchemaRow[] };
}

export async function run(input: unknown): Promise<RunResult> {
  const impl = implementation;
  const sqlite = sqlJs;
  if (impl === undefined || sqlite === undefined) throw new Error("the sql-migrations binding is not loaded");
  const c = parseCase(input);
  const caseDir = mkdtempSync(path.join(scratchDir(), "sqlmig-ts-"));
  try {
    const migrationsDir = path.join(caseDir, "migrations");
    const databaseFile = path.join(caseDir, "db.sqlite");
    mkdirSync(migrationsDir);
    for (const [name, sql] of c.files) writeFileSync(path.join(migrationsDir, name), sql);
    const runner = impl.createMigrationRunner({ sqlJs: sqlite, migrationsDir, databaseFile });
    const missing = METHODS.filter((method) => typeof (runner as unknown as Record<string, unknown>)?.[method] !== "function");
    if (missing.length > 0) throw new TypeError(`createMigrationRunner returned a runner without ${missing.join(", ")}`);
    const results: unknown[] = [];
    for (const op of c.ops) {
      if (op.op === "addFile") {
        writeFileSync(path.join(migrationsDir, op.name), op.sql);
        results.push({ ok: null });
        continue;
      }
      try {
        results.push({ ok: await call(runner, op) });
      } catch (error) {
        results.push({ error: { type: errorType(error), message: errorMessage(error) } });
      }
    }
    return { output: { results, schema: readSchema(sqlite, databaseFile, impl.trackingTable) } };
  } finally {
    rmSync(caseDir, { recursive: true, force: true });
  }
}

function call(runner: Runner, op: Exclude<Op, { op: "addFile" }>): Promise<unknown> {
  switch (op.op) {
    case "run":
      return runner.runMigrations();
    case "rollback":
      return op.hasTarget ? runner.rollback(op.target) : runner.rollback();
    case "current":
      return runner.getCurrentVersion();
    case "pending":
      return runner.getPendingMigrations();
  }
}

interface SchemaRow {
  type: unknown;
  name: unknown;
  tblName: unknown;
  sql: unknown;
}

/** Byte order of the UTF-8 encoding (the reference's order for strings). */
function compareBytes(a: unknown, b: unknown): number {
  return Buffer.compare(Buffer.from(String(a), "utf8"), Buffer.from(String(b), "utf8"));
}

/** Every run of whitespace as one space, trimmed at both ends (Unicode White_Space, as Rust's). */
function collapseWhitespace(sql: string): string {
  return sql
    .split(/\p{White_Space}+/u)
    .filter((word) => word !== "")
    .join(" ");
}

/** The user schema, straight from the database file (opened anew); `[]` when there is no file. */
function readSchema(sqlite: SqlJs, databaseFile: string, trackingTable: string): SchemaRow[] {
  if (!existsSync(databaseFile)) return [];
  const db = new sqlite.Database(readFileSync(databaseFile));
  let rows: unknown[][];
  try {
    rows = db.exec("SELECT type, name, tbl_name, sql FROM sqlite_master")[0]?.values ?? [];
  } finally {
    db.close();
  }
  return rows
    .filter(([, name]) => !String(name).startsWith("sqlite_") && name !== trackingTable)
    .map(([type, name, tblName, sql]) => ({ type, name, tblName, sql: typeof sql === "string" ? collapseWhitespace(sql) : sql }))
    .sort((a, b) => compareBytes(a.type, b.type) || compareBytes(a.name, b.name));
}

// ---------------------------------------------------------------------------------------------
// Snippets (the `snippet` op of ../../PROTOCOL.md): a paste-ready program that reproduces one
// case with the sample runner's API, performing exactly the operations `run` performs.

/** The program reproducing `input`, or null when `run` could not translate it either. */
export function snippet(input: unknown): string | null {
  let c: Case;
  try {
    c = parseCase(input);
  } catch {
    return null;
  }
  const steps = c.ops.map((op) => {
    switch (op.op) {
      case "run":
        return step("runMigrations()");
      case "rollback":
        if (!op.hasTarget) return step("rollback()");
        return step(`rollback(${typeof op.target === "string" || op.target === null ? jsLiteral(op.target) : `${jsLiteral(op.target)} as any`})`);
      case "current":
        return step("getCurrentVersion()");
      case "pending":
        return step("getPendingMigrations()");
      case "addFile":
        return `  addFile(${jsLiteral(op.name)}, ${jsLiteral(op.sql)});`;
    }
  });
  return [
    "// Reproduces a divergence found by the conformance harness: contract sql-migrations",
    "// Look at: what each operation returned or threw, and the schema left in the database file.",
    "// Needs sql.js: the runner's own, else one on NODE_PATH (npm install sql.js).",
    'import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";',
    'import { createRequire } from "node:module";',
    'import os from "node:os";',
    "",
    "const { createMigrationRunner } = implementation;",
    "const trackingTable = implementation.TRACKING_TABLE ?? " + jsLiteral(DEFAULT_TRACKING_TABLE) + ";",
    "let initSqlJs: any;",
    "try {",
    '  initSqlJs = createRequire(entry)("sql.js");',
    "} catch {",
    '  initSqlJs = createRequire(import.meta.url)("sql.js");',
    "}",
    "",
    `const files: Record<string, string> = ${jsLiteral(Object.fromEntries(c.files))};`,
    "",
    "/** The user schema, straight from the database file: sqlite_* and the runner's table left out,",
    " * whitespace in sql collapsed, sorted by type and name (UTF-8 byte order). */",
    "function schema(SQL: any, databaseFile: string): unknown[] {",
    "  if (!existsSync(databaseFile)) return [];",
    "  const db = new SQL.Database(readFileSync(databaseFile));",
    '  const rows: any[][] = db.exec("SELECT type, name, tbl_name, sql FROM sqlite_master")[0]?.values ?? [];',
    "  db.close();",
    '  const bytes = (a: unknown, b: unknown): number => Buffer.compare(Buffer.from(String(a), "utf8"), Buffer.from(String(b), "utf8"));',
    "  return rows",
    '    .filter(([, name]) => !String(name).startsWith("sqlite_") && name !== trackingTable)',
    "    .map(([type, name, tblName, sql]) => ({",
    "      type, name, tblName,",
    '      sql: typeof sql === "string" ? sql.split(/\\p{White_Space}+/u).filter((word) => word !== "").join(" ") : sql,',
    "    }))",
    "    .sort((a, b) => bytes(a.type, b.type) || bytes(a.name, b.name));",
    "}",
    "",
    "async function main(): Promise<unknown> {",
    '  const dir = mkdtempSync(path.join(os.tmpdir(), "sqlmig-"));',
    '  const migrationsDir = path.join(dir, "migrations");',
    '  const databaseFile = path.join(dir, "db.sqlite");',
    "  mkdirSync(migrationsDir);",
    "  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(migrationsDir, name), sql);",
    "  // What each operation returned (as JSON holds it) or that it threw: its type and message are not compared.",
    "  const results: unknown[] = [];",
    "  const addFile = (name: string, sql: string): void => {",
    "    writeFileSync(path.join(migrationsDir, name), sql);",
    '    console.log(`addFile(${JSON.stringify(name)})`);',
    "    results.push({ ok: null });",
    "  };",
    "  const SQL = await initSqlJs();",
    "  const runner = createMigrationRunner({ sqlJs: SQL, migrationsDir, databaseFile });",
    "  const show = async (label: string, call: () => Promise<unknown>): Promise<void> => {",
    "    try {",
    "      const value = await call();",
    '      console.log(`${label} returned:`, JSON.stringify(value));',
    "      results.push(JSON.parse(JSON.stringify({ ok: value })));",
    "    } catch (error) {",
    "      const err = error as Error;",
    '      console.log(`${label} threw:`, err?.name, "|", err?.message);',
    '      results.push({ error: "raised" });',
    "    }",
    "  };",
    "",
    ...steps,
    "",
    "  const found = schema(SQL, databaseFile);",
    '  console.log("schema:", JSON.stringify(found));',
    "  rmSync(dir, { recursive: true, force: true });",
    "  return { results, schema: found };",
    "}",
    "",
    "const actual = await main();",
  ].join("\n");
}

/** Where a bug program imports the runner module from. */
export const programSource = { variable: "SQLMIG_TS_SRC", entries: [], exports: "createMigrationRunner" };

/** One awaited call of the runner, printed with what it returned or threw. */
function step(callText: string): string {
  return `  await show(${jsLiteral(callText)}, () => runner.${callText});`;
}
