"""A small, correct Python implementation of the antaris-contracts migration API, bundled
with the harness (see migration.py).

Only the part the harness binds to is here: `antaris_contracts.migration`, with the same names
as the published package. Mutants: `ANTARIS_SAMPLE_MUTANT` (see migration.MUTANTS).
"""

__version__ = "0.1.0-sample"

from antaris_contracts.migration import (  # noqa: E402 (the version is set first, as upstream does)
    MUTANTS,
    MigrationError,
    SchemaVersion,
    get_migration_path,
    migrate,
)

__all__ = ["MUTANTS", "MigrationError", "SchemaVersion", "get_migration_path", "migrate", "__version__"]
