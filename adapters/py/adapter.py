"""Harness adapter for Python implementations, protocol 1 (see ../PROTOCOL.md).

Stdlib only. One asyncio loop reads JSON Lines from stdin and runs every case as its own
task, so many cases are in flight at once and each has its own `contextvars` context.
Any exception while handling a case becomes an `adapterError` reply for that case only.
"""

import asyncio
import importlib
import json
import os
import platform
import sys
import traceback

PROTOCOL = 1

# Contract id -> binding module (under bindings/). A binding has `load()`, which imports
# the implementation and returns {"name", "version"} or raises, and `async run(input)`.
BINDINGS = {
    "budget": "bindings.budget",
}


def take_protocol_stream():
    """Keep a private copy of stdout for the protocol; send everything else to stderr.

    Implementations print (some log to stdout), so file descriptor 1 and `sys.stdout` are
    pointed at stderr before any implementation is imported.
    """
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "wb", buffering=1 << 16)


class Replies:
    """Writes protocol messages, flushing once per turn of the event loop."""

    def __init__(self, stream):
        self._stream = stream
        self._flush_scheduled = False

    def send(self, message):
        # Encode fully before writing, so a message that cannot be encoded never leaves
        # half a line on the stream.
        data = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        self._stream.write(data.encode("utf-8") + b"\n")
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self):
        self._flush_scheduled = False
        self._stream.flush()


def load_bindings():
    available, implementations, unavailable = {}, {}, {}
    for contract, module_name in BINDINGS.items():
        try:
            module = importlib.import_module(module_name)
            implementations[contract] = module.load()
            available[contract] = module
        except BaseException as err:  # an implementation that fails to import is unavailable
            unavailable[contract] = f"{type(err).__name__}: {err}"
    return available, implementations, unavailable


async def stdin_lines():
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        yield line


async def run_case(replies, bindings, message):
    case_id = message.get("id")
    try:
        binding = bindings.get(message.get("contract"))
        if binding is None:
            raise LookupError(f"contract {message.get('contract')!r} is not available in this adapter")
        result = await binding.run(message["input"])
        replies.send({"op": "result", "id": case_id, **result})
    except BaseException as err:
        replies.send({
            "op": "result",
            "id": case_id,
            "adapterError": {"message": f"{type(err).__name__}: {err}", "traceback": traceback.format_exc()},
        })


async def main():
    replies = Replies(take_protocol_stream())
    lines = stdin_lines()
    first = json.loads(await anext(lines))
    if first.get("op") != "hello":
        print(f"expected hello, got {first!r}", file=sys.stderr)
        return 2
    bindings, implementations, unavailable = load_bindings()
    replies.send({
        "op": "hello",
        "protocol": PROTOCOL,
        "impl": {"name": "python-adapter", "language": "python", "version": platform.python_version()},
        "contracts": sorted(bindings),
        "implementations": implementations,
        "unavailable": unavailable,
    })
    running = set()  # strong references, so pending case tasks are not garbage-collected
    async for line in lines:
        message = json.loads(line)
        op = message.get("op")
        if op == "run":
            task = asyncio.create_task(run_case(replies, bindings, message))
            running.add(task)
            task.add_done_callback(running.discard)
        elif op == "ping":
            replies.send({"op": "pong", "token": message.get("token")})
        elif op == "bye":
            break
        else:
            print(f"ignoring unknown op {op!r}", file=sys.stderr)
    replies.flush()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    exit_code = asyncio.new_event_loop().run_until_complete(main())
    sys.stderr.flush()
    # Exit at once: cases still pending (a hung implementation) must not hold the process.
    os._exit(exit_code)
