"""Binding for contract `ledger`: drives a Python port of the @aegis-runtime/core ledger.

There is no published Python package: the implementation is the `aegis_runtime_ledger`
package in the directory `LEDGER_PY_SRC` names (our bundled port, adapters/samples/py).
See ../../PROTOCOL.md (section `ledger`) for the calls made and the canonical output.

A case is a script run on one fresh `MemoryLedger()` (`{"ops": [...]}`, output
`{"results": [...]}`) or one single call (`windowStart`, `sign`, `stringify`, output its
result alone). A result is `{"ok": value}` or `{"error": {"type", "message"}}` when the
implementation raised. `run` is a plain function: the port's methods are not coroutines, so
the adapter calls it inline. `snippet` writes the program reproducing a case.
"""

import math
import os
import re

from .literals import Literals
from .sources import error_json, import_from

_PACKAGE = "aegis_runtime_ledger"
_NAME = "aegis-runtime-ledger (python port)"

# The implementation, bound by load().
_MemoryLedger = None
_HmacSha256Signer = None
_window_start_ms = None
_stable_stringify = None


# The variable naming the folder the package under test is imported from.
SOURCE = "LEDGER_PY_SRC"


def load():
    global _MemoryLedger, _HmacSha256Signer, _window_start_ms, _stable_stringify
    source = os.environ.get("LEDGER_PY_SRC")
    if not source:
        raise ImportError(
            "no Python ledger to test: @aegis-runtime/core is TypeScript and has no Python package; "
            f"set LEDGER_PY_SRC to a directory containing {_PACKAGE}/ (a port, e.g. adapters/samples/py)"
        )
    port = import_from("LEDGER_PY_SRC", _PACKAGE)
    _MemoryLedger = port.MemoryLedger
    _HmacSha256Signer = port.HmacSha256Signer
    _window_start_ms = port.window_start_ms
    _stable_stringify = port.stable_stringify
    version = getattr(port, "__version__", None)
    return {"name": _NAME, "version": "unknown" if version is None else str(version)}


# ---------------------------------------------------------------------------------------------
# The input

_SCRIPT_OPS = ("reserve", "commit", "peek")
_SINGLE_OPS = ("windowStart", "sign", "stringify")
_AMOUNTS = frozenset(["estimatedUsd", "actualUsd", "windowLimitUsd", "runLimitUsd"])

# JSON cannot write these doubles, so the harness sends them as strings (amounts only).
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

# An even number of hex digits, nothing else (bytes.fromhex would also skip whitespace).
_HEX = re.compile("(?:[0-9A-Fa-f]{2})*")

# What commit is given for a handle that names no returned reservation.
_NO_SUCH_RESERVATION = "no-such-reservation"


def _amount(value):
    """An amount as the call gets it: one of the three strings as its double, else as it is."""
    if type(value) is str and value in _NON_FINITE:
        return _NON_FINITE[value]
    return value


def _args(op):
    """A reserve or peek op's fields, without `op`, as the args object."""
    return {key: _amount(value) if key in _AMOUNTS else value for key, value in op.items() if key != "op"}


def _checked(case):
    """The case, its shape checked before anything is called: an input the binding cannot
    translate is an adapterError. Returns ("script", ops) or ("single", case)."""
    if not isinstance(case, dict):
        raise TypeError(f"case input must be an object, not {type(case).__name__}")
    if "ops" not in case:  # one single call
        if case.get("op") not in _SINGLE_OPS:
            raise ValueError(f"unknown ledger call {case.get('op')!r} (expected one of {', '.join(_SINGLE_OPS)}, or a script)")
        return "single", case
    ops = case["ops"]
    if not isinstance(ops, list):
        raise TypeError(f"a script's `ops` must be an array, not {type(ops).__name__}")
    for index, op in enumerate(ops):
        if not isinstance(op, dict):
            raise TypeError(f"ops[{index}] must be an object, not {type(op).__name__}")
        if op.get("op") not in _SCRIPT_OPS:
            raise ValueError(f"ops[{index}]: unknown op {op.get('op')!r} (expected one of {', '.join(_SCRIPT_OPS)})")
    return "script", ops


def _handle_index(handle):
    """A commit's `reservation` as a list index, or None when it is not a non-negative JSON
    integer (a bool, a float such as 1.0 or a string names no reservation)."""
    if type(handle) is int and handle >= 0:
        return handle
    return None


def _secret(secret_hex):
    """The bytes of `secretHex`, or None when it is not an even number of hex digits."""
    if type(secret_hex) is not str or not _HEX.fullmatch(secret_hex):
        return None
    return bytes.fromhex(secret_hex)


# ---------------------------------------------------------------------------------------------
# The output


def _number(value):
    """A number for the output: a non-finite float as the string JSON cannot do without."""
    if type(value) is float and not math.isfinite(value):
        if value != value:
            return "NaN"
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _json(value):
    """What the implementation returned, as JSON, by one uniform mapping that never drops, adds
    or coerces a field: non-finite floats as their strings, tuples as lists, containers element
    by element, anything else as it is."""
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(item) for item in value]
    return _number(value)


def _reserved(returned):
    """(the reservation's id, the output): what `reserve` returned, every field of it, but the
    reservation's random id (`reservationId`), which the output never holds (handles stand for
    it). Anything else it returned is reported as it is (and names no reservation)."""
    if not isinstance(returned, dict) or not isinstance(returned.get("reservation"), dict):
        return None, _json(returned)
    reservation = {key: value for key, value in returned["reservation"].items() if key != "reservationId"}
    return returned["reservation"].get("reservationId"), _json({**returned, "reservation": reservation})


# ---------------------------------------------------------------------------------------------
# One case


def run(case):
    kind, body = _checked(case)
    if kind == "single":
        return {"output": _call(body)}
    ledger = _MemoryLedger()
    handles = []  # reserve number -> the reservation id it returned (None when it raised)
    return {"output": {"results": [_perform(ledger, handles, op) for op in body]}}


def _perform(ledger, handles, op):
    kind = op["op"]
    if kind == "reserve":
        try:
            returned = ledger.reserve(_args(op))
        except Exception as err:
            handles.append(None)
            return {"error": error_json(err)}
        reservation_id, output = _reserved(returned)
        handles.append(reservation_id)
        return {"ok": output}
    if kind == "commit":
        index = _handle_index(op.get("reservation"))
        known = index is not None and index < len(handles) and handles[index] is not None
        # Every field as given (an absent actualUsd stays absent, unknown fields stay), the
        # handle `reservation` in the place of the id it names.
        args = {key: _amount(value) if key in _AMOUNTS else value for key, value in op.items() if key not in ("op", "reservation")}
        args["reservationId"] = handles[index] if known else _NO_SUCH_RESERVATION
        try:
            returned = ledger.commit(args)
        except Exception as err:
            return {"error": error_json(err)}
        return {"ok": _json(returned)}  # what it returned (None: null), never assumed
    # peek
    try:
        snapshot = ledger.peek(_args(op))
    except Exception as err:
        return {"error": error_json(err)}
    return {"ok": _json(snapshot)}


def _call(case):
    op = case["op"]
    if op == "sign":
        secret = _secret(case.get("secretHex"))
        if secret is None:  # the call is not made
            return {"error": error_json(ValueError(f"secretHex must be an even number of hex digits, got {case.get('secretHex')!r}"))}
    try:
        if op == "windowStart":
            value = _json(_window_start_ms(case.get("nowMs"), case.get("window")))
        elif op == "sign":
            value = _json(_HmacSha256Signer(case.get("keyId"), secret).sign(case.get("payload")))
        else:  # stringify
            value = _json(_stable_stringify(case.get("value")))
    except Exception as err:
        return {"error": error_json(err)}
    return {"ok": value}


# ---------------------------------------------------------------------------------------------
# Snippets (the `snippet` op of ../../PROTOCOL.md): a paste-ready program reproducing one case
# with the port's API, making exactly the calls `run` makes.

_IMPORT = [
    "# aegis_runtime_ledger is a Python port of @aegis-runtime/core (the harness bundles one in adapters/samples/py).",
    "import math",
    "",
    "from aegis_runtime_ledger import HmacSha256Signer, MemoryLedger, stable_stringify, window_start_ms",
    "",
    "",
    "def plain(value):",
    '    """A returned value as JSON: a tuple as a list, a double JSON cannot write as its name."""',
    "    if isinstance(value, dict):",
    "        return {key: plain(item) for key, item in value.items()}",
    "    if isinstance(value, (list, tuple)):",
    "        return [plain(item) for item in value]",
    "    if type(value) is float and not math.isfinite(value):",
    '        return "NaN" if value != value else "Infinity" if value > 0 else "-Infinity"',
    "    return value",
]

# An error is recorded only as raised: its type and message are not compared.
_RAISED = ["except Exception as err:", '    print("raised:", type(err).__name__, err)', '    actual = {"error": "raised"}']

_SCRIPT_HELPERS = '''\
ledger = MemoryLedger()
ids = []  # the reservation id each reserve returned, in order (None when it raised)
results = []  # what each operation returned (a reservation without its random id) or that it raised


def call(label, method, args):
    try:
        returned = method(args)
    except Exception as err:
        print(f"{label}: raised {type(err).__name__}: {err}")
        results.append({"error": "raised"})
        return None
    print(f"{label}: returned {returned!r}")
    shown = returned
    if method == ledger.reserve and isinstance(returned, dict) and isinstance(returned.get("reservation"), dict):
        shown = {**returned, "reservation": {k: v for k, v in returned["reservation"].items() if k != "reservationId"}}
    results.append({"ok": plain(shown)})
    return returned


def reservation_id(handle):
    """The id reserve number `handle` returned; the harness passes this one for any other."""
    if handle < len(ids) and ids[handle] is not None:
        return ids[handle]
    return "no-such-reservation"

'''

# The doubles JSON cannot write, as Python expressions.
_NON_FINITE_SOURCE = {"NaN": 'float("nan")', "Infinity": 'float("inf")', "-Infinity": 'float("-inf")'}


def _value_source(key, value, lit):
    """A field's value as Python source: an amount given as one of the three strings is that double."""
    if key in _AMOUNTS and type(value) is str and value in _NON_FINITE_SOURCE:
        return _NON_FINITE_SOURCE[value]
    return lit(value)


def _args_source(fields, lit):
    """An args dict as Python source, amounts translated as `run` translates them."""
    return "{" + ", ".join(f"{lit(key)}: {_value_source(key, value, lit)}" for key, value in fields.items()) + "}"


def snippet(case):
    """The program reproducing `case`, or None when it cannot be written (an input `run`
    cannot translate either, or a `sign` whose secretHex the binding refuses: no call)."""
    try:
        kind, body = _checked(case)
    except (TypeError, ValueError):
        return None
    lit = Literals()
    if kind == "script":
        look = "what each operation returned or raised, in order (commit returns None)"
        lines = [_SCRIPT_HELPERS]
        for index, op in enumerate(body):
            label = lit(f"{index}: {op['op']}")
            if op["op"] == "reserve":
                lines.append(f"returned = call({label}, ledger.reserve, {_args_source({k: v for k, v in op.items() if k != 'op'}, lit)})")
                lines.append(
                    'ids.append(returned["reservation"].get("reservationId") if isinstance(returned, dict) '
                    'and isinstance(returned.get("reservation"), dict) else None)'
                )
            elif op["op"] == "commit":
                handle = _handle_index(op.get("reservation"))
                reservation = lit(_NO_SUCH_RESERVATION) if handle is None else f"reservation_id({handle})"
                fields = _args_source({k: v for k, v in op.items() if k not in ("op", "reservation")}, lit)
                lines.append(f"call({label}, ledger.commit, {{**{fields}, 'reservationId': {reservation}}})")
            else:  # peek
                lines.append(f"call({label}, ledger.peek, {_args_source({k: v for k, v in op.items() if k != 'op'}, lit)})")
        lines.append('actual = {"results": results}')
    elif body["op"] == "windowStart":
        look = "the start of the UTC window (in ms) or the exception"
        lines = [
            "try:",
            f"    start = window_start_ms({lit(body.get('nowMs'))}, {lit(body.get('window'))})",
            "    print(start)",
            '    actual = {"ok": plain(start)}',
            *_RAISED,
        ]
    elif body["op"] == "sign":
        secret_hex = body.get("secretHex")
        if _secret(secret_hex) is None:
            return None
        look = "the canonical text signed and the signature (base64url, no padding)"
        lines = [
            f"payload = {lit(body.get('payload'))}",
            "try:",
            '    print("canonical:", stable_stringify(payload))',
            f"    signer = HmacSha256Signer({lit(body.get('keyId'))}, bytes.fromhex({lit(secret_hex)}))",
            "    signature = signer.sign(payload)",
            '    print("signature:", signature)',
            '    actual = {"ok": plain(signature)}',
            *_RAISED,
        ]
    else:  # stringify
        look = "the canonical JSON text (keys in UTF-16 order, numbers as JavaScript writes them)"
        lines = [
            "try:",
            f"    text = stable_stringify({lit(body.get('value'))})",
            "    print(text)",
            '    actual = {"ok": plain(text)}',
            *_RAISED,
        ]
    head = [
        "# Reproduces a divergence found by the conformance harness: contract ledger",
        f"# Look at: {look}.",
        *(["import json", ""] if lit.uses_json else []),
        *_IMPORT,
        "",
        "",
    ]
    code = "\n".join(head + lines) + "\n"
    compile(code, "<snippet>", "exec")  # a program that does not compile is never handed out
    return code
