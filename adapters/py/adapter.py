"""Harness adapter for Python implementations, protocol 1 (see ../PROTOCOL.md), batches included.

Stdlib only, with orjson where it is installed to read and write JSON faster (codec.py). It
reads JSON Lines from stdin. A binding's `run` is either a coroutine function, and then every
case runs as its own task on an asyncio loop (many cases in flight at once, each with its own
`contextvars` context), or a plain function, and then the case is called inline in the read
loop and answered at once, with no task and no per-case scheduling (for calls that return
promptly: while one runs, nothing else is read, so a call that hangs goes unanswered, pings
included, and the harness treats the adapter as stuck). The hello names the contracts to load;
when none of them is a coroutine function, a plain blocking loop reads the rest and asyncio is
never imported (its imports are a third of the adapter's start-up). Any exception while
handling a case becomes an `adapterError` reply for that case only. The optional `snippet` op
is answered inline too; a failure there is a `"code": null` reply, never an adapterError.
"""

import importlib
import inspect
import json
import os
import platform
import re
import sys
import traceback

from codec import decode, encode

PROTOCOL = 1

# Contract id -> binding module (under bindings/). A binding has `load()`, which imports
# the implementation and returns {"name", "version"} or raises, and `run(input)`, a coroutine
# function or a plain function, which returns {"output", ...} (see PROTOCOL.md, `result`);
# optionally `snippet(input)`, which returns a program reproducing the case (a str) or None.
BINDINGS = {
    "budget": "bindings.budget",
    "migrate": "bindings.migrate",
    "sql-migrations": "bindings.sql_migrations",
    "ledger": "bindings.ledger",
    "token-budget": "bindings.token_budget",
}


# A run message the adapter cannot parse (nesting beyond the parser's limit) still names its
# case in its head: the harness writes `{"op":"run","id":N,"contract":...,"input":...}`.
_HEAD_ID = re.compile(rb'"id"\s*:\s*(\d+)')


def take_protocol_stream():
    """Keep a private copy of stdout for the protocol; send everything else to stderr.

    Implementations print (some log to stdout), so file descriptor 1 and `sys.stdout` are
    pointed at stderr before any implementation is imported.
    """
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "wb", buffering=1 << 16)


def log(message):
    print(f"[py-adapter] {message}", file=sys.stderr)


class Replies:
    """Writes protocol messages into a buffer that is flushed once per turn of the loop (the
    asyncio loop's, once `loop` is set; else the blocking loop flushes after each read).

    Once the harness's batch offer is accepted (`batch_bytes` set), the results of one turn
    go out together in `results` messages of at most `batch_bytes` each; a result longer than
    that alone goes as a `result` message.
    """

    def __init__(self, stream):
        self._stream = stream
        self._write = stream.write
        self.loop = None
        self._flush_scheduled = False
        self.batch_bytes = None
        self._results = []  # encoded results (bytes, no `op`) waiting for the flush
        self._results_size = 0

    def _schedule(self):
        if not self._flush_scheduled and self.loop is not None:
            self._flush_scheduled = True
            self.loop.call_soon(self.flush)

    def send(self, message):
        # Encode fully before writing, so a message that cannot be encoded never leaves
        # half a line on the stream (the caller turns the exception into an adapterError).
        self._write(encode(message) + b"\n")
        self._schedule()

    def result(self, case_id, fields):
        """The result of one case: `fields` holds its `output` or `adapterError` (and times).
        Raises, writing nothing, when it cannot be encoded."""
        if self.batch_bytes is None:
            self.send({"op": "result", "id": case_id, **fields})
        else:
            self._add_encoded(encode({"id": case_id, **fields}))

    def _add_encoded(self, encoded):
        """One result, encoded (a JSON object without `op`), once batches are accepted."""
        limit = self.batch_bytes
        if len(encoded) > limit:
            self._write(b'{"op":"result",' + encoded[1:] + b"\n")
        else:
            if self._results_size + len(encoded) > limit:
                self._write_results()
            self._results.append(encoded)
            self._results_size += len(encoded) + 1
        self._schedule()

    def encoded_results(self, encoded):
        """Several results, each encoded as `_add_encoded` takes it: added all at once when
        they fit the `results` message being gathered."""
        size = sum(map(len, encoded)) + len(encoded)
        if self._results_size + size <= self.batch_bytes:
            self._results += encoded
            self._results_size += size
            self._schedule()
            return
        for one in encoded:
            self._add_encoded(one)

    def _write_results(self):
        self._write(b'{"op":"results","results":[' + b",".join(self._results) + b"]}\n")
        self._results = []
        self._results_size = 0

    def flush(self):
        self._flush_scheduled = False
        if self._results:
            self._write_results()
        self._stream.flush()


def adapter_error(err):
    return {"adapterError": {"message": f"{type(err).__name__}: {err}", "traceback": traceback.format_exc()}}


def load_bindings(wanted):
    """Imports the bindings of the `wanted` contracts (None: every one); returns (bindings,
    implementations, unavailable)."""
    available, implementations, unavailable = {}, {}, {}
    for contract, module_name in BINDINGS.items():
        if wanted is not None and contract not in wanted:
            continue
        try:
            module = importlib.import_module(module_name)
            implementations[contract] = module.load()
            available[contract] = module
        except BaseException as err:  # an implementation that fails to import is unavailable
            unavailable[contract] = f"{type(err).__name__}: {err}"
    return available, implementations, unavailable


async def run_case(replies, binding, case_id, case_input):
    """One case of an asynchronous binding, as its own task."""
    try:
        replies.result(case_id, await binding.run(case_input))
    except BaseException as err:
        replies.result(case_id, adapter_error(err))


class Adapter:
    """Reads stdin as it arrives, splits it into lines and handles each one at once. Its
    `data_received` and `eof_received` are fed by the blocking loop, or by asyncio as the
    protocol of the stdin pipe (duck-typed: asyncio is not imported to subclass its Protocol)."""

    def __init__(self, replies):
        self.replies = replies
        self.status = None  # the exit status, once finished
        self.finished = None  # when asyncio serves: the future it waits on, done at finish
        self.greeted = False
        self.pieces = []  # the start of a line whose end has not arrived yet
        self.sync_runs = {}  # contract -> plain `run` function, called inline
        self.async_bindings = {}  # contract -> binding module whose `run` is a coroutine function
        self.bindings = {}  # contract -> binding module (every available one), for `snippet`
        self.running = set()  # strong references, so pending case tasks are not garbage-collected
        self.coverage = None  # the coverage probe, when the harness asked for coverage
        self.guided = False  # each result carries the arcs its case reached (`guided` offer)

    # -- transport callbacks

    def connection_made(self, transport):
        pass

    def data_received(self, data):
        if self.status is not None:
            return
        if b"\n" not in data:
            self.pieces.append(data)
            return
        if self.pieces:
            self.pieces.append(data)
            data = b"".join(self.pieces)
            self.pieces = []
        complete, _, tail = data.rpartition(b"\n")
        if tail:
            self.pieces.append(tail)
        try:
            lines = complete.decode("utf-8").split("\n")
        except UnicodeDecodeError:  # each line fails (or not) on its own
            lines = complete.split(b"\n")
        on_line = self.on_line
        try:
            for line in lines:
                on_line(line)
                if self.status is not None:
                    return
        except BaseException:  # a bug of the adapter itself (cases have their own handler)
            log(f"adapter failure:\n{traceback.format_exc()}")
            self.finish(1)

    def eof_received(self):
        if self.pieces and self.status is None:
            line, self.pieces = b"".join(self.pieces), []
            self.on_line(line)
        # The harness is gone: like `bye`, pending cases are dropped.
        self.finish(0)
        return False

    def connection_lost(self, exc):
        self.finish(0)

    def finish(self, status):
        if self.status is None:
            self.status = status
            if self.finished is not None:
                self.finished.set_result(status)

    # -- messages

    def on_line(self, line):
        if not line.strip():
            return
        try:
            message = decode(line) if type(line) is str else json.loads(line)
        except Exception as err:
            self.unparseable(line, err)
            return
        if type(message) is not dict:
            log(f"ignoring a line that is not a JSON object: {line[:200]!r}")
            if not self.greeted:
                self.finish(2)
            return
        op = message.get("op")
        if not self.greeted:
            self.greet(message)
        elif op == "run":
            self.run(message.get("contract"), message.get("id"), message)
        elif op == "runs":
            self.runs(message)
        elif op == "snippet":
            self.snippet(message)
        elif op == "coverage" and self.coverage is not None:
            self.replies.send(self.coverage.report(message.get("contract")))
        elif op == "ping":
            self.replies.send({"op": "pong", "token": message.get("token")})
        elif op == "bye":
            self.finish(0)
        else:
            log(f"ignoring unknown op {op!r}")

    def greet(self, message):
        if message.get("op") != "hello":
            log(f"expected hello, got {message!r}")
            self.finish(2)
            return
        self.greeted = True
        offer = message.get("batch")
        batch = type(offer) is dict and type(offer.get("maxBytes")) is int
        if batch:
            self.replies.batch_bytes = offer["maxBytes"]
        if message.get("coverage") is True:  # before any implementation is imported
            import coverage_probe

            self.coverage = coverage_probe.start(log)
        # The contracts the harness will ask for: loading the others (a real package's
        # imports can take most of a second) would be start-up time spent for nothing.
        wanted = message.get("contracts")
        if type(wanted) is list:
            wanted = {contract for contract in wanted if type(contract) is str}
        else:
            wanted = None
        bindings, implementations, unavailable = load_bindings(wanted)
        self.bindings = bindings
        for contract, module in bindings.items():
            if inspect.iscoroutinefunction(module.run):
                self.async_bindings[contract] = module
            else:
                self.sync_runs[contract] = module.run
        # Per-case arcs need a tracer of their own, which coverage's would displace.
        if message.get("guided") is True and self.coverage is None:
            self.guide(bindings)
        self.replies.send({
            "op": "hello",
            "protocol": PROTOCOL,
            "impl": {"name": "python-adapter", "language": "python", "version": platform.python_version()},
            "contracts": sorted(bindings),
            "implementations": implementations,
            "unavailable": unavailable,
            **({"batch": True} if batch else {}),
            **({"coverage": True} if self.coverage is not None else {}),
            **({"guided": True} if self.guided else {}),
        })

    def guide(self, bindings):
        """Wraps each binding's `run` so its results carry the arcs their case reached."""
        import guide_probe

        if guide_probe.start() is None:
            return
        self.guided = True
        for contract, run in self.sync_runs.items():
            self.sync_runs[contract] = guide_probe.guided_sync(run)
        for contract, module in self.async_bindings.items():
            self.async_bindings[contract] = guide_probe.GuidedAsync(module)

    def run(self, contract, case_id, case):
        """One case: `case` holds its `input` (a `run` message, or one case of `runs`)."""
        try:
            run = self.sync_runs.get(contract)
            if run is not None:
                self.replies.result(case_id, run(case["input"]))
                return
            binding = self.async_bindings.get(contract)
            if binding is None:
                raise LookupError(f"contract {contract!r} is not available in this adapter")
            # The loop the replies flush on is the one asyncio serves with.
            task = self.replies.loop.create_task(run_case(self.replies, binding, case_id, case["input"]))
            self.running.add(task)
            task.add_done_callback(self.running.discard)
        except BaseException as err:
            self.replies.result(case_id, adapter_error(err))

    def runs(self, message):
        """Several cases in one message, each started in turn as if it came alone. A plain
        binding's cases are run in one tight loop and answered together: each result is
        encoded at once (`encode` below), as `result` would, so what a later case's call does
        to an earlier case's output can never show in that output."""
        contract = message.get("contract")
        cases = message.get("cases") or ()
        run = self.sync_runs.get(contract)
        if run is None or self.replies.batch_bytes is None:
            for case in cases:
                self.run(contract, case.get("id") if type(case) is dict else None, case)
                if self.status is not None:
                    return
            return
        encoded = []
        append = encoded.append
        try:
            for case in cases:
                case_id = case.get("id") if type(case) is dict else None
                try:
                    append(encode({"id": case_id, **run(case["input"])}))
                except BaseException as err:
                    append(encode({"id": case_id, **adapter_error(err)}))
        finally:  # an error reply that cannot be encoded stops the adapter: what was answered goes out
            self.replies.encoded_results(encoded)

    def snippet(self, message):
        """The `snippet` op: the program reproducing one case, checking itself against the
        `expected` outputs when the request has them, or null when the binding cannot write
        one. Never an adapterError: a failure is logged and answered with null."""
        case_id = message.get("id")
        reply = {"op": "snippet", "id": case_id, "language": "python", "code": None}
        try:
            binding = self.bindings.get(message.get("contract"))
            write = getattr(binding, "snippet", None)
            code = None if write is None else write(message.get("input"))
            if code is not None and type(code) is not str:
                raise TypeError(f"snippet() returned {type(code).__name__}, not str or None")
            if code is not None:
                from bindings import check

                expected = message.get("expected")
                reply["source"] = binding.SOURCE
                reply["code"], shown_expected, shown_actual = check.program(
                    code, binding.SOURCE, expected if type(expected) is list else None, message.get("actual")
                )
                if shown_expected is not None:
                    reply["expected"] = shown_expected
                if shown_actual is not None:
                    reply["actual"] = shown_actual
        except BaseException:
            log(f"cannot write a snippet (id {case_id!r}, contract {message.get('contract')!r}):\n{traceback.format_exc()}")
            reply = {"op": "snippet", "id": case_id, "language": "python", "code": None}
        try:
            self.replies.send(reply)
        except BaseException:  # a code string that cannot be encoded (a lone surrogate)
            log(f"cannot send the snippet (id {case_id!r}):\n{traceback.format_exc()}")
            self.replies.send({"op": "snippet", "id": case_id, "language": "python", "code": None})

    def unparseable(self, line, err):
        """A line json cannot read: fail that case alone when the line names it, else stop."""
        if type(line) is str:
            line = line.encode("utf-8", "surrogatepass")
        head = line.split(b'"input"', 1)[0]
        ids = _HEAD_ID.findall(head)
        if self.greeted and b'"run"' in head and len(ids) == 1:
            self.replies.result(int(ids[0]), {
                "adapterError": {"message": f"cannot parse the run message: {type(err).__name__}: {err}"},
            })
            return
        log(f"cannot parse a line ({type(err).__name__}: {err}): {line[:200]!r}")
        self.finish(1)


_READ_SIZE = 1 << 16


def read_stdin():
    """The next bytes of stdin, as they arrive; b"" at its end (or when it broke, which is
    taken the same way)."""
    try:
        return os.read(0, _READ_SIZE)
    except OSError:
        return b""


def read_hello(adapter):
    """Reads stdin line by line until the hello is handled (it loads the bindings, which
    decide the loop that serves the rest); returns what was read after it."""
    received = b""
    while not adapter.greeted and adapter.status is None:
        if b"\n" not in received:
            data = read_stdin()
            if not data:
                adapter.data_received(received)
                adapter.eof_received()
                break
            received += data
            continue
        line, _, received = received.partition(b"\n")
        adapter.data_received(line + b"\n")
    adapter.replies.flush()
    return received


def serve_blocking(adapter, received):
    """Plain bindings only: handle every complete line read, flush the replies, read on, until
    finished."""
    while True:
        if received:
            adapter.data_received(received)
            adapter.replies.flush()
        if adapter.status is not None:
            return
        received = read_stdin()
        if not received:
            adapter.eof_received()
            return


async def serve_async(adapter, received):
    """An asynchronous binding: asyncio reads stdin and runs its cases as tasks."""
    import asyncio

    loop = adapter.replies.loop = asyncio.get_running_loop()
    adapter.finished = loop.create_future()
    if received:
        adapter.data_received(received)
    if adapter.status is None:
        await loop.connect_read_pipe(lambda: adapter, sys.stdin)
        await adapter.finished


def main():
    replies = Replies(take_protocol_stream())
    adapter = Adapter(replies)
    received = read_hello(adapter)
    if adapter.status is None:
        if adapter.async_bindings:
            import asyncio

            asyncio.new_event_loop().run_until_complete(serve_async(adapter, received))
        else:
            serve_blocking(adapter, received)
    replies.flush()
    return adapter.status


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    exit_code = main()
    sys.stderr.flush()
    # Exit at once: cases still pending (a hung implementation) must not hold the process.
    os._exit(exit_code)
