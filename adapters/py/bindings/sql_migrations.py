"""Binding for contract `sql-migrations`: drives a MigrationRunnerProtocol implementation
against a real SQLite database file.

The implementation is lexigram-sql (`MigrationRunnerAdapter` over `SimpleMigrationManager`
with a `SQLiteProvider`), imported from the installed distribution; or, when
`LEXIGRAM_SQL_PY_SRC` names a directory holding `lexigram_sql_sample/`, our bundled sample,
which has the same class names and constructor signatures.

Per case: a fresh folder under `HARNESS_SCRATCH` (the harness creates and removes that
directory; the system temp directory when unset), the case's `files` written into
`<case>/migrations/`, the database `<case>/db.sqlite`, one runner built for this case alone,
the `ops` performed in order, the provider closed, the schema read from the file with
Python's own sqlite3, and the folder removed, whatever happened. `run` is a coroutine
function: every case is its own task, so cases run concurrently, each with its own runner.

Output: `{"results": [one per op], "schema": [...]}`; a result is `{"ok": value}` or
`{"error": {"type", "message"}}` when the method raised (the message is for the report, never
diffed). `snippet` writes the program reproducing a case with the real package's API.
"""

import importlib.metadata
import os
import re
import shutil
import sqlite3
import sys
import tempfile
from enum import Enum

from .literals import Literals
from .sources import error_json, import_from

_DISTRIBUTION = "lexigram-sql"
_SAMPLE = "lexigram_sql_sample"

# The implementation, bound by load(): the three classes and the runner's own tracking
# table(s), which are not part of the user schema.
_SQLiteProvider = None
_SimpleMigrationManager = None
_MigrationRunnerAdapter = None
_tracking_tables = frozenset()

# lexigram-sql's SimpleMigrationManager records migrations in `__migrations` (its
# `migration_table`; the primary key's index is `sqlite_autoindex___migrations_1`).
_REAL_TRACKING_TABLES = ("__migrations",)


# The variable naming the folder the package under test is imported from.
SOURCE = "LEXIGRAM_SQL_PY_SRC"


def load():
    global _SQLiteProvider, _SimpleMigrationManager, _MigrationRunnerAdapter, _tracking_tables
    if os.environ.get("LEXIGRAM_SQL_PY_SRC"):
        sample = import_from("LEXIGRAM_SQL_PY_SRC", _SAMPLE)
        _SQLiteProvider = sample.SQLiteProvider
        _SimpleMigrationManager = sample.SimpleMigrationManager
        _MigrationRunnerAdapter = sample.MigrationRunnerAdapter
        _tracking_tables = frozenset([sample.TRACKING_TABLE])
        return {"name": _DISTRIBUTION, "version": str(sample.__version__)}
    try:
        from lexigram.sql.migrations.manager import SimpleMigrationManager
        from lexigram.sql.migrations.runner import MigrationRunnerAdapter
        from lexigram.sql.providers.sqlite_provider import SQLiteProvider
    except ImportError as err:
        raise ImportError(
            f"lexigram-sql is not importable ({err}); install it with "
            "`pip install --require-hashes --no-deps -r adapters/py/requirements.txt` "
            f"(the harness's managed venv has it), or set LEXIGRAM_SQL_PY_SRC to a directory containing {_SAMPLE}/"
        ) from err
    _SQLiteProvider, _SimpleMigrationManager, _MigrationRunnerAdapter = SQLiteProvider, SimpleMigrationManager, MigrationRunnerAdapter
    _tracking_tables = frozenset(_REAL_TRACKING_TABLES)
    plain_tracebacks()
    try:
        version = importlib.metadata.version(_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return {"name": _DISTRIBUTION, "version": version}


def plain_tracebacks():
    """Keep lexigram's log lines, but with plain tracebacks.

    lexigram-sql logs every failing statement with `logger.exception`, through structlog,
    which lexigram leaves unconfigured until an application calls its `configure_logging`.
    Unconfigured structlog renders each traceback with rich, local variables included: about
    0.7 s of CPU per failing migration, which alone pushes most cases past the harness's
    time limit. The same console renderer with `plain_traceback` logs the same lines at a
    fraction of the cost. Logging only: nothing the contract compares changes.
    """
    try:
        import structlog

        if structlog.is_configured():
            return  # someone chose a configuration: leave it
        renderer = structlog.dev.ConsoleRenderer
        processors = [
            renderer(exception_formatter=structlog.dev.plain_traceback) if isinstance(step, renderer) else step
            for step in structlog.get_config()["processors"]
        ]
        structlog.configure(processors=processors)
    except Exception as err:  # an older or newer structlog: rich tracebacks, slower, still correct
        print(f"[sql-migrations] leaving structlog as it is ({type(err).__name__}: {err})", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# The input

_OPS = ("run", "rollback", "current", "pending", "addFile")


def _check_name(name):
    """A file name to write into the migrations folder: one plain name, never a path."""
    if type(name) is not str:
        raise TypeError(f"file name must be a string, not {type(name).__name__}")
    if name in ("", ".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise ValueError(f"refusing file name {name!r}: not a plain file name")
    return name


def _check_sql(name, sql):
    if type(sql) is not str:
        raise TypeError(f"the SQL of {name!r} must be a string, not {type(sql).__name__}")
    return sql


def _checked(case):
    """(files, ops) of a case, every name and op checked before anything is written: an input
    the binding cannot translate is an adapterError, never a partial run."""
    if not isinstance(case, dict):
        raise TypeError(f"case input must be an object, not {type(case).__name__}")
    files, ops = case.get("files"), case.get("ops")
    if not isinstance(files, dict):
        raise TypeError(f"`files` must be an object, not {type(files).__name__}")
    if not isinstance(ops, list):
        raise TypeError(f"`ops` must be an array, not {type(ops).__name__}")
    for name, sql in files.items():
        _check_sql(_check_name(name), sql)
    for index, op in enumerate(ops):
        if not isinstance(op, dict):
            raise TypeError(f"ops[{index}] must be an object, not {type(op).__name__}")
        kind = op.get("op")
        if kind not in _OPS:
            raise ValueError(f"ops[{index}]: unknown op {kind!r} (expected one of {', '.join(_OPS)})")
        if kind == "addFile":
            _check_sql(_check_name(op.get("name")), op.get("sql"))
    return files, ops


def _write(folder, name, sql):
    # newline="": the text exactly as given, no newline translation.
    with open(os.path.join(folder, name), "w", encoding="utf-8", newline="") as f:
        f.write(sql)


# ---------------------------------------------------------------------------------------------
# One case


def _scratch_root():
    return os.environ.get("HARNESS_SCRATCH") or tempfile.gettempdir()


async def run(case):
    files, ops = _checked(case)
    folder = tempfile.mkdtemp(prefix="sqlmig-", dir=_scratch_root())
    try:
        migrations = os.path.join(folder, "migrations")
        os.mkdir(migrations)
        for name, sql in files.items():
            _write(migrations, name, sql)
        db_path = os.path.join(folder, "db.sqlite")
        provider = _SQLiteProvider(db_path)
        try:
            await provider.connect()
            manager = _SimpleMigrationManager(provider=provider, migrations_dir=migrations)
            runner = _MigrationRunnerAdapter(manager)
            results = [await _perform(runner, migrations, op) for op in ops]
        finally:
            await provider.disconnect()
        tracking = _tracking_tables | _own_table(manager)
        schema = read_schema(db_path, tracking)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"output": {"results": results, "schema": schema}}


def _own_table(manager):
    table = getattr(manager, "migration_table", None)
    return frozenset([table]) if type(table) is str else frozenset()


async def _perform(runner, migrations, op):
    kind = op["op"]
    if kind == "addFile":  # the binding's own step: a failure here is an adapterError
        _write(migrations, op["name"], op["sql"])
        return {"ok": None}
    try:
        if kind == "run":
            value = await runner.run_migrations()
        elif kind == "rollback":
            # The target as given (null as None, any JSON type as it is); absent: no argument.
            value = await (runner.rollback(op["target"]) if "target" in op else runner.rollback())
        elif kind == "current":
            value = await runner.get_current_version()
        else:  # pending
            value = await runner.get_pending_migrations()
    except Exception as err:
        return {"error": error_json(err)}
    return {"ok": _plain(value)}


def _plain(value):
    """A returned value as JSON: a tuple is a list, an enum member its value; anything else
    as it is (a value JSON cannot hold fails to encode: the adapter's failure, reported)."""
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    return value


# Every run of whitespace as one space, trimmed: whitespace as Unicode's White_Space property
# (what the reference's `str::split_whitespace` uses; `str.split()` would also split at
# U+001C..U+001F, which are not whitespace there).
_WHITESPACE = re.compile("[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")


def collapse_whitespace(sql):
    return _WHITESPACE.sub(" ", sql).strip(" ")


def read_schema(db_path, tracking_tables):
    """The user schema in the database file: `sqlite_master` rows not named `sqlite_*` and not
    a tracking table, sorted by (type, name); `[]` when the file does not exist."""
    if not os.path.exists(db_path):
        return []
    connection = sqlite3.connect(db_path)
    try:
        rows = connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    finally:
        connection.close()
    schema = [
        {"type": kind, "name": name, "tblName": table, "sql": None if sql is None else collapse_whitespace(sql)}
        for kind, name, table, sql in rows
        if not (type(name) is str and name.startswith("sqlite_")) and name not in tracking_tables
    ]
    schema.sort(key=lambda row: (row["type"], row["name"]))
    return schema


# ---------------------------------------------------------------------------------------------
# Snippets (the `snippet` op of ../../PROTOCOL.md): a paste-ready asyncio program reproducing
# one case with the real lexigram-sql API, making exactly the calls `run` makes.

_HEAD = '''\
import asyncio
import re
import shutil
import sqlite3
import tempfile
from enum import Enum

if os.environ.get("LEXIGRAM_SQL_PY_SRC"):  # a folder holding a port such as the bundled sample
    from lexigram_sql_sample import MigrationRunnerAdapter, SimpleMigrationManager, SQLiteProvider, TRACKING_TABLE

    TRACKING_TABLES = {TRACKING_TABLE}
else:
    from lexigram.sql.migrations.manager import SimpleMigrationManager
    from lexigram.sql.migrations.runner import MigrationRunnerAdapter
    from lexigram.sql.providers.sqlite_provider import SQLiteProvider

    TRACKING_TABLES = {"__migrations"}
'''

_HELPERS = '''\



def write(folder, name, sql):
    with open(os.path.join(folder, name), "w", encoding="utf-8", newline="") as f:
        f.write(sql)


def plain(value):
    """A returned value as JSON: a tuple as a list, an enum member as its value."""
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    return value


async def step(label, call):
    """What one operation returned, printed and recorded (an error only as raised: its type
    and message are not compared)."""
    try:
        value = await call
        print(f"{label}: returned {value!r}")
        return {"ok": plain(value)}
    except Exception as err:
        print(f"{label}: raised {type(err).__name__}: {err}")
        return {"error": "raised"}


# Whitespace as Unicode's White_Space property, every run as one space.
WHITESPACE = re.compile("[\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+")


def schema(db_path, tracking_tables):
    """The user schema: sqlite_master rows but sqlite_* and the runner's tracking table,
    whitespace in sql collapsed, sorted by type and name."""
    if not os.path.exists(db_path):
        return []
    connection = sqlite3.connect(db_path)
    rows = connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    connection.close()
    found = [
        {"type": kind, "name": name, "tblName": table, "sql": None if sql is None else WHITESPACE.sub(" ", sql).strip(" ")}
        for kind, name, table, sql in rows
        if not (type(name) is str and name.startswith("sqlite_")) and name not in tracking_tables
    ]
    found.sort(key=lambda row: (row["type"], row["name"]))
    print("schema:", found)
    return found


async def main():
    folder = tempfile.mkdtemp()
    migrations = os.path.join(folder, "migrations")
    os.mkdir(migrations)
    for name, sql in FILES.items():
        write(migrations, name, sql)
    db_path = os.path.join(folder, "db.sqlite")
    provider = SQLiteProvider(db_path)
    await provider.connect()
    manager = SimpleMigrationManager(provider=provider, migrations_dir=migrations)
    runner = MigrationRunnerAdapter(manager)
    results = []
    try:
'''

_TAIL = '''\
    finally:
        await provider.disconnect()
    own = getattr(manager, "migration_table", None)
    found = schema(db_path, TRACKING_TABLES | ({own} if type(own) is str else set()))
    shutil.rmtree(folder)
    return {"results": results, "schema": found}


actual = asyncio.run(main())
'''


def snippet(case):
    """The program reproducing `case`, or None when it cannot be written (an input `run`
    cannot translate either)."""
    try:
        files, ops = _checked(case)
    except (TypeError, ValueError):
        return None
    lit = Literals()
    body = []
    for index, op in enumerate(ops):
        kind = op["op"]
        if kind == "run":
            body.append(f'results.append(await step("{index}: run", runner.run_migrations()))')
        elif kind == "rollback":
            target = lit(op["target"]) if "target" in op else ""
            body.append(f'results.append(await step({lit(f"{index}: rollback({target})")}, runner.rollback({target})))')
        elif kind == "current":
            body.append(f'results.append(await step("{index}: current", runner.get_current_version()))')
        elif kind == "pending":
            body.append(f'results.append(await step("{index}: pending", runner.get_pending_migrations()))')
        else:  # addFile
            body.append(f"write(migrations, {lit(op['name'])}, {lit(op['sql'])})")
            body.append(f"print({lit(f'{index}: addFile ' + op['name'])})")
            body.append('results.append({"ok": None})')
    if not body:
        body.append("pass")
    head = [
        "# Reproduces a divergence found by the conformance harness: contract sql-migrations",
        "# Look at: what each operation returned or raised (in order), and the schema left in the database.",
        *(["import json"] if lit.uses_json else []),
        _HEAD,
        f"FILES = {lit(files)}",
    ]
    code = "\n".join(head) + _HELPERS + "".join(f"        {line}\n" for line in body) + _TAIL
    compile(code, "<snippet>", "exec")  # a program that does not compile is never handed out
    return code
