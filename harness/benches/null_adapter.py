"""An adapter that answers every case at once with the reference's own output, for the
benchmark of the harness's own cost per case (`cargo bench --bench verify -- ratios`).

    NULL_ADAPTER_CONTRACT=migrate NULL_ADAPTER_OUTPUTS=outputs.jsonl python3 null_adapter.py

Line N of the outputs file is the output of case id N (the harness numbers a process's cases
from 0 in stream order, so a run with no vectors and no corpus sends generated case N as id N).
Stdlib only; it speaks adapters/PROTOCOL.md, batches included.
"""

import json
import os
import sys


def main():
    contract = os.environ["NULL_ADAPTER_CONTRACT"]
    with open(os.environ["NULL_ADAPTER_OUTPUTS"], "rb") as f:
        outputs = [line.rstrip(b"\n") for line in f]
    out = os.fdopen(os.dup(1), "wb", buffering=1 << 16)
    for line in sys.stdin.buffer:
        message = json.loads(line)
        op = message.get("op")
        if op == "hello":
            hello = {
                "op": "hello",
                "protocol": 1,
                "impl": {"name": "null-adapter", "language": "python", "version": "1"},
                "contracts": [contract],
                "implementations": {contract: {"name": "reference-outputs", "version": "1"}},
            }
            if isinstance(message.get("batch"), dict):
                hello["batch"] = True
            out.write(json.dumps(hello).encode() + b"\n")
        elif op == "run":
            out.write(b'{"op":"result","id":%d,"output":%s}\n' % (message["id"], outputs[message["id"]]))
        elif op == "runs":
            results = [b'{"id":%d,"output":%s}' % (c["id"], outputs[c["id"]]) for c in message["cases"]]
            out.write(b'{"op":"results","results":[' + b",".join(results) + b"]}\n")
        elif op == "ping":
            out.write(b'{"op":"pong","token":%d}\n' % message["token"])
        elif op == "bye":
            break
        out.flush()
    out.flush()


if __name__ == "__main__":
    main()
