"""The adapter's JSON codec: the stdlib's, with orjson as a faster path where it is present.

PROTOCOL.md's bytes are the stdlib's: `json` with `ensure_ascii=False`, compact separators,
no NaN (`allow_nan=False`), so a reply is what the plain interpreter (`py-sample`) writes.
orjson (pinned in the managed venv; absent on a plain interpreter) is used only where it
provably gives the same result, and the stdlib decides everything else:

- `decode`: orjson reads a line unless it refuses it (a lone surrogate escape, NaN, a number
  beyond a double, bad JSON: the stdlib then reads it, or raises as it always did) or the
  line holds 19 digits in a row, not after a point (orjson reads an integer beyond 64 bits
  as a float; the stdlib keeps it exact).
- `encode`: orjson writes a message made of exact built-in types alone (what `marshal`
  accepts: never an enum member, a subclass or any other object orjson would write and the
  stdlib refuse), with string keys (orjson refuses others), integers within 64 bits and no
  depth beyond its limit (it refuses those too), unless a float could be written otherwise:
  orjson writes a NaN or an infinity as null (the stdlib refuses it) and a float below 1e-4
  as `0.00001` or `1e-7` where Python writes `1e-05` and `1e-07`; every other float and every
  string is written alike (checked by harness/tests/py_codec.rs). Such a message goes to the stdlib.
"""

import json
import json.scanner
import marshal
import re

try:
    import orjson
except ImportError:  # the plain interpreter: the stdlib alone
    orjson = None


def _stdlib_encoder():
    """The stdlib's encoding of a message as text: compact, UTF-8, no NaN.

    `json.dumps` with options builds a new encoder per call, and `JSONEncoder.encode` builds
    its C encoder per call too; at tens of thousands of replies a second both show, so the C
    encoder (`json.encoder.c_make_encoder`, what `encode` uses inside) is built once here.
    `JSONEncoder.encode` is used when it is missing or encodes a probe differently. No circular
    check (a third of the cost): a reply with a cycle still fails to encode (RecursionError),
    which becomes that case's adapterError like any other encoding failure.
    """
    standard = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return standard.encode
    try:
        chunks = make(None, standard.default, json.encoder.encode_basestring, None, ":", ",", False, False, False)

        def encode(message):
            return "".join(chunks(message, 0))

        probe = {"op": "result", "id": 7, "output": {"ok": ["é\n\u2028", 1.5, -0.0, 10**20, None, True, {"k": []}]}}
        if encode(probe) == standard.encode(probe):
            return encode
    except Exception:
        pass
    return standard.encode


_stdlib_text = _stdlib_encoder()


def stdlib_encode(message):
    """`message` as one protocol line's bytes (no newline), by the stdlib. Raises when it cannot
    be encoded (a NaN, a lone surrogate, an object JSON does not hold)."""
    return _stdlib_text(message).encode("utf-8")


# The scanner under `json.loads`, without its per-call decoding and whitespace regexes.
_scan = json.scanner.make_scanner(json.JSONDecoder())


def stdlib_decode(line):
    """One protocol line (str) as JSON, by the stdlib; raises like `json.loads` on anything else."""
    try:
        value, end = _scan(line, 0)
    except StopIteration:  # leading whitespace, or not JSON: the full decoder decides
        return json.loads(line)
    if end != len(line) and line[end:].strip():
        return json.loads(line)  # raises "Extra data"
    return value


# Each digit as `0`, any other byte as a space: a line holding `_LONG_DIGITS` then holds 19
# digits in a row, enough for an integer beyond 64 bits (2**63 has 19). A long fraction is a
# false alarm (the stdlib reads it: slower, never different). `bytes.translate` and `in` scan
# a line many times faster than a regex does.
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_DIGITS = b"0" * 19
# A NaN or an infinity in `marshal` format 2: type code `g`, then the double little-endian,
# whose top 12 bits (the sign and an all-ones exponent) end it.
_NON_FINITE = re.compile(rb"g[\x00-\xff]{6}[\xf0-\xff][\x7f\xff]")
_MARSHAL_FORMAT = 2


def _hybrid_decode(line):
    if _LONG_DIGITS not in line.encode("utf-8", "surrogatepass").translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            pass
    return stdlib_decode(line)


def _hybrid_encode(message):
    try:
        exact = marshal.dumps(message, _MARSHAL_FORMAT)
        encoded = orjson.dumps(message)
    except (ValueError, TypeError):  # orjson.JSONEncodeError is a TypeError
        return stdlib_encode(message)
    if _NON_FINITE.search(exact) is None and not _small_float(encoded):
        return encoded
    return stdlib_encode(message)


def _small_float(encoded):
    """Whether orjson's bytes may hold a float below 1e-4, which it writes as `0.00001` or
    `1e-7` where Python writes `1e-05` and `1e-07` (in a string too: a false alarm, and the
    stdlib writes the message, slower, never different)."""
    if b"0.0000" in encoded:
        return True
    if b"e-" not in encoded:  # the common case, decided at C speed
        return False
    at = encoded.find(b"e-", 1)
    while at > 0:
        if 0x30 <= encoded[at - 1] <= 0x39:  # a digit
            return True
        at = encoded.find(b"e-", at + 2)
    return False


if orjson is None:
    decode, encode = stdlib_decode, stdlib_encode
else:
    decode, encode = _hybrid_decode, _hybrid_encode
