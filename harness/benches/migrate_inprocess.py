"""Times the `migrate` contract's calls made directly in Python, with no adapter.

    python migrate_inprocess.py CASES.jsonl

Each line is a case input as the harness sends it. Prints cases per second for the same
calls the adapter binding makes (migrate / get_migration_path / SchemaVersion comparison),
so `cargo bench` can put the adapter's throughput beside it.
"""

import json
import sys
import time

from antaris_contracts.migration import SchemaVersion, get_migration_path, migrate


def call(case):
    op = case["op"]
    if op == "migrate":
        if case.get("toVersion") is None:
            return migrate(case["data"], from_version=case.get("fromVersion"))
        return migrate(case["data"], from_version=case.get("fromVersion"), to_version=case["toVersion"])
    if op == "path":
        return get_migration_path(case["fromVersion"], case["toVersion"])
    a, b = SchemaVersion(case["a"]), SchemaVersion(case["b"])
    return a < b, a <= b


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = [json.loads(line) for line in f]
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for case in cases:
            try:
                call(case)
            except Exception:
                pass
        best = max(best, len(cases) / (time.perf_counter() - start))
    print(f"{best:.0f}")


if __name__ == "__main__":
    main()
