"""The harness's Python port of the @aegis-runtime/core ledger (docs/contracts/ledger.md), which
must agree with the TypeScript to the byte. There is no published Python package; the
`ledger` binding loads this one from `LEDGER_PY_SRC`.

The TypeScript names, in Python spelling: `MemoryLedger` (reserve / commit / peek, each
taking one dict with the TypeScript's camelCase keys), `window_start_ms(now_ms, window)`,
`HmacSha256Signer(key_id, secret).sign(payload)` and `stable_stringify(value)`.
Mutants: `LEDGER_SAMPLE_MUTANT` (see stringify.MUTANTS).
"""

from aegis_runtime_ledger.ledger import LedgerError, MemoryLedger
from aegis_runtime_ledger.signer import HmacSha256Signer
from aegis_runtime_ledger.stringify import MUTANT, MUTANTS, js_number_to_string, stable_stringify
from aegis_runtime_ledger.window import window_start_ms

__version__ = "0.0.0-sample"

__all__ = [
    "MUTANT",
    "MUTANTS",
    "HmacSha256Signer",
    "LedgerError",
    "MemoryLedger",
    "js_number_to_string",
    "stable_stringify",
    "window_start_ms",
    "__version__",
]
