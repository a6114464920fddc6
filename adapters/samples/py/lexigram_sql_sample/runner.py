"""The harness's own migration runner, written against docs/contracts/sql-migrations.md.

Stdlib only: `sqlite3` on a database file, migrations read from a folder of `.sql` files.

- A migration's id is its file name without `.sql`; `<id>.down.sql` is the rollback script of
  `<id>`, never a migration itself; other files are ignored (SQLMIG-ID).
- Ids are ordered by their bytes (SQLMIG-ORDER). Python compares `str` by code point, which is
  the same order as comparing the UTF-8 bytes, so `sorted` on the ids is that order.
- Each migration runs in one transaction with its tracking record: its statements and the
  insert into `harness_sample_migrations` commit together or not at all (SQLMIG-FAIL). The
  connection is opened with `isolation_level=None` so that Python's sqlite3 module never opens
  or commits a transaction by itself; `BEGIN` / `COMMIT` / `ROLLBACK` are issued here. A file
  is split into statements at each `;` that `sqlite3.complete_statement` says ends one (so a
  `;` inside a string, a comment or a trigger body does not split), and each statement is
  executed on its own inside that transaction. `executescript` is not used: it commits first.
- A rollback checks everything before it undoes anything (every migration it needs has a
  `.down.sql`, the target is applied), then runs the `.down.sql` scripts newest first and
  deletes their records in one transaction (SQLMIG-ROLLBACK, SQLMIG-ROLLBACK-MISSING).

Deliberately broken variants ("mutants") for the harness's self-tests are switched on with
`SQLMIG_SAMPLE_MUTANT`; each is one realistic mistake, marked `MUTANT:` where it lives.
"""

import os
import re
import sqlite3

MUTANTS = {
    "": "the correct sample",
    "numeric-order": "orders ids by their leading integer (9_a before 10_b), not by their bytes",
    "no-transaction": "applies a migration's statements one by one in autocommit mode, so a failing "
    "migration leaves the statements before the failing one in place",
    "rollback-forgets": "rollback deletes the tracking record but never runs the .down.sql",
    "rollback-default-all": "rollback() called without a target undoes every migration (rollback(None) still undoes "
    "the latest): a binding that always passed None hid it",
    "rollback-keeps-partial": "a rollback of four migrations or more with dotted ids that fails on a .down.sql after the "
    "newest one keeps what it undid before the failure (it commits instead of rolling back)",
}
MUTANT = os.environ.get("SQLMIG_SAMPLE_MUTANT", "")
if MUTANT not in MUTANTS:
    _valid = ", ".join(name for name in sorted(MUTANTS) if name)
    raise ImportError(f"SQLMIG_SAMPLE_MUTANT={MUTANT!r} is not a known mutant (valid: {_valid}, or unset)")

TRACKING_TABLE = "harness_sample_migrations"

_UP_SUFFIX = ".sql"
_DOWN_SUFFIX = ".down.sql"
_LEADING_INTEGER = re.compile(r"[0-9]+")
_DOTTED_ID = re.compile(r"[0-9]+\.[0-9]+-")


class MigrationError(Exception):
    """A migration or a rollback failed, or a rollback cannot be done as asked."""


def _order_key(version):
    if MUTANT == "numeric-order":
        # MUTANT: ids that start with a number are ordered by that number (9_a before 10_b),
        # the rest after them; the contract orders by bytes ("10_b" < "9_a").
        digits = _LEADING_INTEGER.match(version)
        return (0, int(digits.group()), version) if digits else (1, 0, version)
    return version


def split_statements(sql):
    """The statements of `sql`, in order, each with its terminating `;`. Text after the last
    complete statement (a statement without `;`, comments, or an unfinished statement that
    will fail) is the last item when it is not blank."""
    start = 0
    end = sql.find(";")
    while end != -1:
        chunk = sql[start : end + 1]
        if sqlite3.complete_statement(chunk):
            yield chunk
            start = end + 1
        end = sql.find(";", end + 1)
    tail = sql[start:]
    if tail.strip():
        yield tail


def _read(path):
    # newline="": the script's text exactly as written (no newline translation).
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


class SQLiteProvider:
    """One sqlite3 connection to a database file, opened on first use."""

    def __init__(self, database_path=":memory:"):
        self.database_path = os.fspath(database_path)
        self._connection = None

    def connection(self):
        if self._connection is None:
            # isolation_level=None: no implicit transactions; the manager issues BEGIN itself.
            self._connection = sqlite3.connect(self.database_path, isolation_level=None)
        return self._connection

    async def connect(self):
        self.connection()

    async def disconnect(self):
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


class SimpleMigrationManager:
    """Applies and rolls back the `.sql` files of one folder, recording applied ids in
    `harness_sample_migrations(id TEXT PRIMARY KEY)`."""

    def __init__(self, provider=None, migrations_dir=None):
        if provider is None:
            raise TypeError("SimpleMigrationManager needs a provider")
        self.provider = provider
        self.migrations_dir = os.fspath(migrations_dir or "migrations")
        self.migration_table = TRACKING_TABLE

    # -- the folder

    def scan(self):
        """({id: path of <id>.sql}, {id: path of <id>.down.sql}) of the migrations folder."""
        ups, downs = {}, {}
        if not os.path.isdir(self.migrations_dir):
            return ups, downs
        with os.scandir(self.migrations_dir) as entries:
            for entry in entries:
                if not entry.is_file():
                    continue
                name = entry.name
                if name.endswith(_DOWN_SUFFIX):
                    downs[name[: -len(_DOWN_SUFFIX)]] = entry.path
                elif name.endswith(_UP_SUFFIX):
                    ups[name[: -len(_UP_SUFFIX)]] = entry.path
        return ups, downs

    @staticmethod
    def ordered(versions):
        return sorted(versions, key=_order_key)

    # -- the tracking table

    def _connection(self):
        connection = self.provider.connection()
        connection.execute(f"CREATE TABLE IF NOT EXISTS {TRACKING_TABLE} (id TEXT PRIMARY KEY)")
        return connection

    def applied(self):
        """The applied ids, in the order they were applied (rowid grows with each insert):
        what "most recent" and "applied after target" mean."""
        rows = self._connection().execute(f"SELECT id FROM {TRACKING_TABLE} ORDER BY rowid").fetchall()
        return [row[0] for row in rows]

    # -- operations

    def pending(self):
        ups, _ = self.scan()
        applied = set(self.applied())
        return [version for version in self.ordered(ups) if version not in applied]

    def current(self):
        applied = self.applied()
        return applied[-1] if applied else None

    def run(self):
        ups, _ = self.scan()
        applied = set(self.applied())
        done = []
        for version in self.ordered(ups):
            if version not in applied:
                self._apply(version, _read(ups[version]))
                done.append(version)
        return done

    def _apply(self, version, sql):
        connection = self._connection()
        if MUTANT == "no-transaction":
            # MUTANT: no transaction around the migration: every statement commits on its own,
            # so when a later one fails the earlier ones stay in the database.
            try:
                for statement in split_statements(sql):
                    connection.execute(statement)
                connection.execute(f"INSERT INTO {TRACKING_TABLE} (id) VALUES (?)", (version,))
            except Exception as err:
                raise MigrationError(f"migration {version} failed: {err}") from err
            return
        connection.execute("BEGIN")
        try:
            for statement in split_statements(sql):
                connection.execute(statement)
            connection.execute(f"INSERT INTO {TRACKING_TABLE} (id) VALUES (?)", (version,))
            connection.execute("COMMIT")
        except Exception as err:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise MigrationError(f"migration {version} failed: {err}") from err

    def rollback(self, target=None, everything=False):
        _, downs = self.scan()
        applied = self.applied()
        if everything:
            undo = list(reversed(applied))
        elif target is None:
            undo = applied[-1:]  # the most recent one; none when nothing is applied
        else:
            if target not in applied:
                raise MigrationError(f"rollback target {target!r} is not an applied migration")
            undo = list(reversed(applied[applied.index(target) + 1 :]))
        if not undo:
            return []
        missing = [version for version in undo if version not in downs]
        if missing:
            raise MigrationError(f"cannot roll back {', '.join(missing)}: no .down.sql (nothing was rolled back)")
        scripts = [(version, _read(downs[version])) for version in undo]
        connection = self._connection()
        connection.execute("BEGIN")
        try:
            for version, sql in scripts:
                # MUTANT (rollback-forgets): the .down.sql is skipped; only the record goes and
                # the migration's tables stay.
                if MUTANT != "rollback-forgets":
                    for statement in split_statements(sql):
                        connection.execute(statement)
                connection.execute(f"DELETE FROM {TRACKING_TABLE} WHERE id = ?", (version,))
            connection.execute("COMMIT")
        except Exception as err:
            if MUTANT == "rollback-keeps-partial":
                # MUTANT: a rollback that undoes four migrations or more and fails past the
                # newest one, of dotted ids ("1.2-name"), commits the undos before the failure
                # instead of rolling them back: three independent rare choices, nested so that
                # partial progress shows as coverage.
                if len(scripts) > 3:
                    if version != scripts[0][0]:
                        if _DOTTED_ID.match(version):
                            connection.execute("COMMIT")
                            raise MigrationError(f"rollback of {version} failed: {err}") from err
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise MigrationError(f"rollback of {version} failed (nothing was rolled back): {err}") from err
        return undo


_NO_TARGET = object()


class MigrationRunnerAdapter:
    """The MigrationRunnerProtocol over a SimpleMigrationManager."""

    def __init__(self, manager):
        self._manager = manager

    async def run_migrations(self):
        return self._manager.run()

    async def rollback(self, target=_NO_TARGET):
        if target is _NO_TARGET:  # called without a target: the default, the latest migration
            if MUTANT == "rollback-default-all":
                return self._manager.rollback(None, everything=True)  # MUTANT: no target read as "all"
            target = None
        return self._manager.rollback(target)

    async def get_current_version(self):
        return self._manager.current()

    async def get_pending_migrations(self):
        return self._manager.pending()
