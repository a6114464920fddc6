"""Line and branch coverage of the packages under test, for `verify --coverage` (see
../PROTOCOL.md, "coverage").

Started from the adapter's hello, before any binding imports its implementation, and only when
the harness offers coverage: without the offer nothing here is imported and no case pays for
it. Only the package under test of each contract is measured (its folder, from the binding's
source variable or the interpreter's path); the adapter, the standard library and every other
installed package are left out.
"""

import json
import os
import sys
import tempfile

# Contract id -> (the binding's source variable, the package there, the package installed).
# The installed one is a folder path under the interpreter's path (a namespace package's part).
PACKAGES = {
    "budget": ("AEGIS_PY_SRC", "aegis", "aegis"),
    "migrate": ("ANTARIS_PY_SRC", "antaris_contracts", "antaris_contracts"),
    "sql-migrations": ("LEXIGRAM_SQL_PY_SRC", "lexigram_sql_sample", "lexigram/sql"),
    "ledger": ("LEDGER_PY_SRC", "aegis_runtime_ledger", None),
    "token-budget": ("TOKEN_BUDGET_PY_SRC", "token_budget_sample", "lexigram/contracts"),
}


def package_folder(contract):
    """The folder of the package under test for `contract`, or None when it is not found."""
    variable, in_source, installed = PACKAGES[contract]
    source = os.environ.get(variable)
    if source:
        folder = os.path.join(source, in_source)
        return os.path.realpath(folder) if os.path.isdir(folder) else None
    if installed is None:
        return None
    for entry in sys.path:
        folder = os.path.join(entry or ".", *installed.split("/"))
        if os.path.isdir(folder):
            return os.path.realpath(folder)
    return None


class Probe:
    """A running measurement: `report(contract)` answers the harness's `coverage` op."""

    def __init__(self, measurement, folders):
        self._measurement = measurement
        self._folders = folders

    def report(self, contract):
        """{"op": "coverage", "contract", "files": [...]}: per file of `contract`'s package
        that ran at all, its executable lines hit and missed and its branches (arcs, as
        "from>to") hit and missed."""
        folder = self._folders.get(contract)
        files = []
        if folder is not None:
            self._measurement.stop()
            with tempfile.TemporaryDirectory(dir=os.environ.get("HARNESS_SCRATCH")) as scratch:
                out = os.path.join(scratch, "coverage.json")
                self._measurement.json_report(
                    outfile=out, include=[os.path.join(folder, "*")], show_contexts=False, ignore_errors=True
                )
                with open(out, encoding="utf-8") as handle:
                    measured = json.load(handle)
            self._measurement.start()
            for path, data in sorted(measured.get("files", {}).items()):
                files.append({
                    "path": os.path.realpath(path),
                    "linesHit": data.get("executed_lines", []),
                    "linesMissed": data.get("missing_lines", []),
                    "branchesHit": [f"{a}>{b}" for a, b in data.get("executed_branches", [])],
                    "branchesMissed": [f"{a}>{b}" for a, b in data.get("missing_branches", [])],
                })
        return {"op": "coverage", "contract": contract, "files": files}


def start(log):
    """Starts measuring every known contract's package, or returns None (saying why on
    stderr) when the `coverage` package is not importable."""
    try:
        import coverage
    except ImportError as err:
        log(f"coverage unavailable: {err} (run with the managed venv's interpreter)")
        return None
    folders = {contract: package_folder(contract) for contract in PACKAGES}
    include = [os.path.join(folder, "*") for folder in folders.values() if folder is not None]
    if not include:
        return Probe(None, {})
    measurement = coverage.Coverage(branch=True, data_file=None, include=include, config_file=False)
    measurement.start()
    return Probe(measurement, folders)
