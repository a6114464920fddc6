"""A small, correct migration runner written against docs/contracts/sql-migrations.md, bundled
with the harness (see runner.py).

Same class names and constructor signatures as the published lexigram-sql, so the harness's
one `sql-migrations` binding drives this sample and the real package alike:
`SQLiteProvider(path)`, `SimpleMigrationManager(provider=..., migrations_dir=...)`,
`MigrationRunnerAdapter(manager)`. Mutants: `SQLMIG_SAMPLE_MUTANT` (see runner.MUTANTS).
"""

from lexigram_sql_sample.runner import (
    MUTANT,
    MUTANTS,
    TRACKING_TABLE,
    MigrationError,
    MigrationRunnerAdapter,
    SimpleMigrationManager,
    SQLiteProvider,
)

__version__ = "0.1.0-sample" + (f"+{MUTANT}" if MUTANT else "")

__all__ = [
    "MUTANT",
    "MUTANTS",
    "TRACKING_TABLE",
    "MigrationError",
    "MigrationRunnerAdapter",
    "SQLiteProvider",
    "SimpleMigrationManager",
    "__version__",
]
