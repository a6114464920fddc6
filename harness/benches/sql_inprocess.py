"""Times the `sql-migrations` contract's cases run directly in Python, with no adapter.

    python sql_inprocess.py CASES.jsonl [--sample DIR]

Each line is a case input as the harness sends it (`{"files": {...}, "ops": [...]}`). Every
case is run to the end, one after the other, with the calls the adapter binding makes and
the same file handling: a fresh folder under HARNESS_SCRATCH (or a temporary directory made
and removed here), the files written into `<case>/migrations/`, a runner over
`<case>/db.sqlite` built for this case, the ops in order, the provider closed, the schema read
back with sqlite3, the folder removed. Prints one number: cases per second.

The real lexigram-sql is used (it must be importable: the harness's `.harness/venv`), or the
bundled sample with `--sample DIR` (DIR holds `lexigram_sql_sample/`). Implementations log to
stdout; stdout is pointed at stderr before they are imported, as the adapter does, so the
number is the only thing on stdout. For the real package the logged tracebacks are rendered
plainly, as the binding has them (see plain_tracebacks).
"""

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time

# The binding's own schema reader and logging set-up, so both sides do the same work.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "adapters", "py"))
from bindings.sql_migrations import plain_tracebacks, read_schema  # noqa: E402


def take_stdout():
    """A private copy of stdout for the result; fd 1 and sys.stdout go to stderr."""
    private = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(private, "w")


def implementation(sample_dir):
    """(SQLiteProvider, SimpleMigrationManager, MigrationRunnerAdapter, tracking tables)."""
    if sample_dir:
        sys.path.insert(0, os.path.abspath(sample_dir))
        import lexigram_sql_sample as sample

        return sample.SQLiteProvider, sample.SimpleMigrationManager, sample.MigrationRunnerAdapter, {sample.TRACKING_TABLE}
    from lexigram.sql.migrations.manager import SimpleMigrationManager
    from lexigram.sql.migrations.runner import MigrationRunnerAdapter
    from lexigram.sql.providers.sqlite_provider import SQLiteProvider

    plain_tracebacks()
    return SQLiteProvider, SimpleMigrationManager, MigrationRunnerAdapter, {"__migrations"}


def write(folder, name, sql):
    with open(os.path.join(folder, name), "w", encoding="utf-8", newline="") as f:
        f.write(sql)


async def run_case(classes, root, case):
    SQLiteProvider, SimpleMigrationManager, MigrationRunnerAdapter, tracking = classes
    folder = tempfile.mkdtemp(prefix="sqlmig-", dir=root)
    try:
        migrations = os.path.join(folder, "migrations")
        os.mkdir(migrations)
        for name, sql in case["files"].items():
            write(migrations, name, sql)
        db_path = os.path.join(folder, "db.sqlite")
        provider = SQLiteProvider(db_path)
        results = []
        try:
            await provider.connect()
            runner = MigrationRunnerAdapter(SimpleMigrationManager(provider=provider, migrations_dir=migrations))
            for op in case["ops"]:
                kind = op["op"]
                if kind == "addFile":
                    write(migrations, op["name"], op["sql"])
                    results.append(None)
                    continue
                try:
                    if kind == "run":
                        results.append(await runner.run_migrations())
                    elif kind == "rollback":
                        results.append(await runner.rollback(op.get("target")))
                    elif kind == "current":
                        results.append(await runner.get_current_version())
                    else:
                        results.append(await runner.get_pending_migrations())
                except Exception as err:
                    results.append(type(err).__name__)
        finally:
            await provider.disconnect()
        return results, read_schema(db_path, tracking)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def run_all(classes, root, cases):
    for case in cases:
        await run_case(classes, root, case)


def main():
    parser = argparse.ArgumentParser(description="sql-migrations cases/s, in-process")
    parser.add_argument("cases", help="JSON Lines file, one case input a line")
    parser.add_argument("--sample", metavar="DIR", help="use the bundled sample in DIR (holds lexigram_sql_sample/)")
    args = parser.parse_args()
    out = take_stdout()
    with open(args.cases, encoding="utf-8") as f:
        cases = [json.loads(line) for line in f if line.strip()]
    if not cases:
        parser.error(f"{args.cases} holds no case")
    classes = implementation(args.sample)
    own_root = None
    root = os.environ.get("HARNESS_SCRATCH")
    if not root:
        root = own_root = tempfile.mkdtemp(prefix="sql-inprocess-")
    try:
        start = time.perf_counter()
        asyncio.run(run_all(classes, root, cases))
        elapsed = time.perf_counter() - start
    finally:
        if own_root:
            shutil.rmtree(own_root, ignore_errors=True)
    print(f"{len(cases) / elapsed:.1f}", file=out)
    out.flush()


if __name__ == "__main__":
    main()
