"""Times one contract's binding called directly in Python, with no harness and no pipe.

    python binding_inprocess.py CONTRACT CASES.jsonl ADAPTER_DIR

Each line of CASES.jsonl is a case input as the harness sends it. Prints two rates, in cases
per second: the binding's `run` called on each input (the implementation's calls and the
output built from them: what the adapter cannot do without); then the adapter's whole
per-case work in this process (parse the run message, run the binding, encode the reply),
which bounds what any harness can get through that adapter.
"""

import importlib
import os
import sys
import time


def best_rate(count, work):
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        work()
        best = max(best, count / (time.perf_counter() - start))
    return best


def main():
    contract, cases_file, adapter_dir = sys.argv[1:4]
    sys.path.insert(0, os.path.abspath(adapter_dir))
    import adapter  # the adapter's bindings, and its own decoder and encoder
    from codec import decode, encode

    binding = importlib.import_module(adapter.BINDINGS[contract])
    binding.load()
    with open(cases_file, encoding="utf-8") as f:
        inputs = [decode(line) for line in f]
    lines = [encode({"op": "run", "id": i, "contract": contract, "input": c}).decode("utf-8") for i, c in enumerate(inputs)]

    def direct():
        for case_input in inputs:
            binding.run(case_input)

    def through_adapter_code():
        for line in lines:
            message = decode(line)
            reply = {"id": message["id"], **binding.run(message["input"])}
            encode(reply)

    print(f"{best_rate(len(inputs), direct):.0f}")
    print(f"{best_rate(len(inputs), through_adapter_code):.0f}")


if __name__ == "__main__":
    main()
