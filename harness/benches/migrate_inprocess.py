"""Times the `migrate` contract's calls made directly in Python, with no adapter.

    python migrate_inprocess.py CASES.jsonl ADAPTER_DIR

Each line is a case input as the harness sends it. Prints two rates, in cases per second:
the same calls the adapter binding makes (migrate / get_migration_path / SchemaVersion
comparison) made directly; then the adapter's own per-case work done in this process with no
harness and no pipe (parse the run message, run the binding with its MIG-PURE snapshot, encode
the reply), which bounds what any harness can get through that adapter.
"""

import json
import os
import sys

from antaris_contracts.migration import SchemaVersion, get_migration_path, migrate
from binding_inprocess import best_rate  # beside this script


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

    def direct():
        for case in cases:
            try:
                call(case)
            except Exception:
                pass

    sys.path.insert(0, os.path.abspath(sys.argv[2]))
    import adapter  # the adapter's bindings, and its own decoder and encoder
    from codec import decode, encode
    from bindings import migrate as binding

    binding.load()
    lines = [encode({"op": "run", "id": i, "contract": "migrate", "input": c}).decode("utf-8") for i, c in enumerate(cases)]

    def through_adapter_code():
        for line in lines:
            message = decode(line)
            reply = {"op": "result", "id": message["id"], **binding.run(message["input"])}
            encode(reply) + b"\n"

    print(f"{best_rate(len(cases), direct):.0f}")
    print(f"{best_rate(len(cases), through_adapter_code):.0f}")


if __name__ == "__main__":
    main()
