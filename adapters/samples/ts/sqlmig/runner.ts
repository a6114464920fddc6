/**
 * A small, correct TypeScript migration runner over SQLite, bundled with the harness: the model
 * of lexigram's `MigrationRunnerProtocol` that the `sql-migrations` binding drives (see
 * adapters/ts/bindings/sql_migrations.ts). Written against docs/contracts/sql-migrations.md.
 *
 *   createMigrationRunner({ sqlJs, migrationsDir, databaseFile }) -> a SqlMigrationRunner
 *     runner.runMigrations()          -> ids applied, in order ([] when up to date)
 *     runner.rollback(target = null)  -> ids rolled back, newest first
 *     runner.getCurrentVersion()      -> the most recently applied id, or null
 *     runner.getPendingMigrations()   -> ids not applied, in order
 *   MigrationError                    -> what a failing migration or rollback throws
 *
 * SQLite is sql.js (SQLite compiled to WebAssembly), handed in by the caller as the object
 * `initSqlJs()` resolves to, so this file imports nothing but Node built-ins. sql.js works in
 * memory: every operation opens the database file afresh (an empty database when there is no
 * file yet), works on it, writes it back with `export()` when it changed something, and closes
 * it, so the file is always the truth and nothing stays open between operations.
 *
 * The folder: `<id>.sql` is migration `<id>`, `<id>.down.sql` its rollback script, anything
 * else is ignored (SQLMIG-ID). Ids order by their UTF-8 bytes (SQLMIG-ORDER). Applied ids are
 * kept in the table `harness_sample_migrations`; their rowid keeps the order they were applied
 * in, which is what "most recent" and "applied after target" mean for a rollback. Each
 * migration is one transaction with its tracking row (SQLMIG-FAIL); a rollback checks every
 * script it needs first, then undoes everything in one transaction (SQLMIG-ROLLBACK-MISSING).
 *
 * Deliberately broken variants ("mutants") for the harness's self-tests are switched on with
 * `SQLMIG_SAMPLE_MUTANT`; each is one realistic mistake, marked `MUTANT:` where it lives.
 */

import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, readdirSync, writeSync } from "node:fs";
import path from "node:path";

export const VERSION = "0.1.0-sample";

/** The runner's own bookkeeping table (left out of the user schema). */
export const TRACKING_TABLE = "harness_sample_migrations";

export const MUTANTS: ReadonlyMap<string, string> = new Map([
  ["", "the correct sample"],
  ["pending-unsorted", "pending and run take the migrations in descending order instead of ascending byte order"],
  ["missing-down-silent", "a rollback without a .down.sql forgets the migration, leaves its tables and reports it rolled back"],
]);

const MUTANT = process.env.SQLMIG_SAMPLE_MUTANT ?? "";
if (!MUTANTS.has(MUTANT)) {
  const valid = [...MUTANTS.keys()].filter((name) => name !== "").join(", ");
  throw new Error(`SQLMIG_SAMPLE_MUTANT=${JSON.stringify(MUTANT)} is not a known mutant (valid: ${valid}, or unset)`);
}

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MigrationError";
  }
}

// ---------------------------------------------------------------------------------------------
// The part of sql.js this runner uses

export interface SqlJsDatabase {
  exec(sql: string): { columns: string[]; values: unknown[][] }[];
  run(sql: string, params?: unknown[]): unknown;
  export(): Uint8Array;
  close(): void;
}

/** What `initSqlJs()` resolves to. */
export interface SqlJs {
  Database: new (data?: ArrayLike<number> | Buffer | null) => SqlJsDatabase;
}

export interface RunnerOptions {
  /** The initialized sql.js module (`await initSqlJs()`). */
  sqlJs: SqlJs;
  /** The folder holding the migration files. */
  migrationsDir: string;
  /** The SQLite database file (created by the first operation that changes the database). */
  databaseFile: string;
}

// ---------------------------------------------------------------------------------------------
// Ids and their order

/** Ascending byte order of the UTF-8 encoding (not JavaScript's UTF-16 order). */
export function compareIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** The order migrations apply and are listed in. */
function inRunOrder(ids: Iterable<string>): string[] {
  const sorted = [...ids].sort(compareIds);
  if (MUTANT === "pending-unsorted") return sorted.reverse(); // MUTANT: not ascending byte order
  return sorted;
}

/** The migrations folder: migration id -> file, and id -> its rollback script. */
interface Folder {
  up: Map<string, string>;
  down: Map<string, string>;
}

function readFolder(dir: string): Folder {
  const up = new Map<string, string>();
  const down = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(dir, entry.name);
    if (entry.name.endsWith(".down.sql")) down.set(entry.name.slice(0, -".down.sql".length), file);
    else if (entry.name.endsWith(".sql")) up.set(entry.name.slice(0, -".sql".length), file);
    // anything else is not a migration (SQLMIG-ID)
  }
  return { up, down };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// The runner

export class SqlMigrationRunner {
  private readonly sqlJs: SqlJs;
  readonly migrationsDir: string;
  readonly databaseFile: string;

  constructor(options: RunnerOptions) {
    this.sqlJs = options.sqlJs;
    this.migrationsDir = options.migrationsDir;
    this.databaseFile = options.databaseFile;
  }

  /** Applies every pending migration in order; the ids applied. Throws on the first that fails. */
  async runMigrations(): Promise<string[]> {
    const folder = readFolder(this.migrationsDir);
    return this.session((db, changed) => {
      const applied = new Set(appliedIds(db));
      const done: string[] = [];
      for (const id of inRunOrder([...folder.up.keys()].filter((id) => !applied.has(id)))) {
        const sql = readFileSync(folder.up.get(id)!, "utf8");
        transaction(db, `migration ${JSON.stringify(id)} failed`, () => {
          db.exec(sql);
          db.run(`INSERT INTO ${TRACKING_TABLE} (id) VALUES (?)`, [id]);
        });
        changed(); // those applied before a failure stay applied
        done.push(id);
      }
      return done;
    });
  }

  /**
   * `null`: undoes the most recently applied migration (`[]` when none is). A target: undoes
   * every migration applied after it, newest first. Fails closed: an unapplied target or a
   * missing `.down.sql` throws before anything is undone.
   */
  async rollback(target: string | null = null): Promise<string[]> {
    if (target !== null && typeof target !== "string") {
      throw new TypeError(`rollback target must be a migration id or null, not ${typeof target}`);
    }
    const folder = readFolder(this.migrationsDir);
    return this.session((db, changed) => {
      const applied = appliedIds(db);
      let undo: string[];
      if (target === null) {
        if (applied.length === 0) return [];
        undo = [applied[applied.length - 1]];
      } else {
        const at = applied.indexOf(target);
        if (at === -1) throw new MigrationError(`cannot roll back to ${JSON.stringify(target)}: it is not applied`);
        undo = applied.slice(at + 1).reverse();
      }
      if (undo.length === 0) return [];
      const missing = undo.filter((id) => !folder.down.has(id));
      if (missing.length > 0 && MUTANT !== "missing-down-silent") {
        // MUTANT missing-down-silent: goes on, forgetting those migrations without undoing them
        throw new MigrationError(`cannot roll back ${missing.map((id) => JSON.stringify(id)).join(", ")}: no .down.sql`);
      }
      const scripts = undo.map((id) => {
        const file = folder.down.get(id);
        return { id, sql: file === undefined ? null : readFileSync(file, "utf8") };
      });
      transaction(db, `rollback of ${undo.map((id) => JSON.stringify(id)).join(", ")} failed`, () => {
        for (const { id, sql } of scripts) {
          if (sql !== null) db.exec(sql);
          db.run(`DELETE FROM ${TRACKING_TABLE} WHERE id = ?`, [id]);
        }
      });
      changed();
      return undo;
    });
  }

  /** The greatest applied id (byte order), or null when nothing is applied. */
  async getCurrentVersion(): Promise<string | null> {
    return this.session((db) => {
      const applied = appliedIds(db); // in the order applied
      return applied.length === 0 ? null : applied[applied.length - 1];
    });
  }

  /** The ids on disk that are not applied, in the order `runMigrations` would apply them. */
  async getPendingMigrations(): Promise<string[]> {
    const folder = readFolder(this.migrationsDir);
    return this.session((db) => {
      const applied = new Set(appliedIds(db));
      return inRunOrder([...folder.up.keys()].filter((id) => !applied.has(id)));
    });
  }

  /**
   * Opens the database file (empty when there is none yet), runs `work` on it, writes it back
   * when `work` said it changed something (also when `work` then threw), and closes it.
   */
  private session<T>(work: (db: SqlJsDatabase, changed: () => void) => T): T {
    const db = new this.sqlJs.Database(existsSync(this.databaseFile) ? readFileSync(this.databaseFile) : undefined);
    let dirty = false;
    try {
      db.exec(`CREATE TABLE IF NOT EXISTS ${TRACKING_TABLE} (id TEXT PRIMARY KEY)`);
      return work(db, () => {
        dirty = true;
      });
    } finally {
      try {
        if (dirty) overwrite(this.databaseFile, db.export());
      } finally {
        db.close();
      }
    }
  }
}

export function createMigrationRunner(options: RunnerOptions): SqlMigrationRunner {
  return new SqlMigrationRunner(options);
}

/**
 * Writes `bytes` over `file` in place. Not `writeFileSync`: truncating a file to nothing and
 * writing it again makes ext4 (auto_da_alloc) flush it to disk on close, some milliseconds each
 * time; a database is never empty, so shrinking it to its new length never truncates to zero.
 */
function overwrite(file: string, bytes: Uint8Array): void {
  const fd = openSync(file, existsSync(file) ? "r+" : "w");
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at, at);
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}

/** The applied ids, in the order they were applied. */
function appliedIds(db: SqlJsDatabase): string[] {
  const [table] = db.exec(`SELECT id FROM ${TRACKING_TABLE} ORDER BY rowid`);
  return table === undefined ? [] : table.values.map(([id]) => String(id));
}

/** Runs `work` in one transaction: committed whole, or rolled back and a MigrationError thrown. */
function transaction(db: SqlJsDatabase, what: string, work: () => void): void {
  db.exec("BEGIN");
  try {
    work();
    db.exec("COMMIT");
  } catch (error) {
    try {
      db.exec("ROLLBACK");
    } catch {
      // SQLite already ended the transaction itself
    }
    throw new MigrationError(`${what}: ${describe(error)}`, { cause: error });
  }
}
