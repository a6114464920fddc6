"""`stableStringify` of @aegis-runtime/core (utils/stableStringify.ts), in Python.

Canonical JSON as the TypeScript writes it (LEDGER-STRINGIFY): object keys sorted by UTF-16
code units at every depth, arrays in order, no whitespace, strings escaped as `JSON.stringify`
escapes them, numbers as JavaScript's `Number.prototype.toString` writes them.

Deliberately broken variants ("mutants") for the harness's self-tests are switched on with
`LEDGER_SAMPLE_MUTANT`; both are mistakes a Python port makes naturally, marked `MUTANT:`.
"""

import json
import math
import os
import re

MUTANTS = {
    "": "the correct sample",
    "code-point-keys": "sorts object keys by code point (Python's str order), not by UTF-16 code units",
    "repr-floats": "writes numbers as Python's json module does (1.0, 1e-07, 1e+20, ints as ints)",
    "reservation-subset": "a reservation holds only its id, tenantId, runId and estimatedUsd (an output a binding keeping estimatedUsd alone hid)",
}
MUTANT = os.environ.get("LEDGER_SAMPLE_MUTANT", "")
if MUTANT not in MUTANTS:
    _valid = ", ".join(name for name in sorted(MUTANTS) if name)
    raise ImportError(f"LEDGER_SAMPLE_MUTANT={MUTANT!r} is not a known mutant (valid: {_valid}, or unset)")


def stable_stringify(value):
    """`value` (JSON-shaped: dict, list, str, int, float, bool, None) as canonical JSON text."""
    return write_json(
        value,
        # MUTANT: code-point-keys sorts by code point, which differs from UTF-16 order only
        # between a non-BMP character and one in U+E000..U+FFFF.
        utf16_keys=MUTANT != "code-point-keys",
        # MUTANT: repr-floats writes numbers as json.dumps does.
        js_numbers=MUTANT != "repr-floats",
    )


class _Text(str):
    """A piece of output already written, told apart from a string value by its type."""


def write_json(value, utf16_keys=True, js_numbers=True):
    """The canonical JSON text of `value`. The correct form with the defaults; the ledger
    keys its buckets with it, so the mutants change only what stable_stringify writes.

    Iterative (a stack of what is left to write), so a deeply nested value cannot exhaust
    Python's recursion limit.
    """
    out = []
    pending = [value]  # values still to write, and pieces of text, the next one last
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is _Text:
            out.append(item)
        elif kind is dict:
            keys = sorted(item, key=_utf16_units) if utf16_keys else sorted(item)
            pieces = []
            for index, key in enumerate(keys):
                pieces.append(_Text(("," if index else "") + _quote(key) + ":"))
                pieces.append(item[key])
            out.append("{")
            pending.append(_Text("}"))
            pending.extend(reversed(pieces))
        elif kind is list:
            pieces = []
            for index, element in enumerate(item):
                if index:
                    pieces.append(_Text(","))
                pieces.append(element)
            out.append("[")
            pending.append(_Text("]"))
            pending.extend(reversed(pieces))
        else:
            out.append(_scalar(item, js_numbers))
    return "".join(out)


def _utf16_units(key):
    # Big-endian UTF-16 bytes compare as the sequence of code units. `surrogatepass` keeps a
    # lone surrogate as its own code unit, as a JavaScript string holds it.
    return key.encode("utf-16-be", "surrogatepass")


def _scalar(value, js_numbers):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    kind = type(value)
    if kind is str:
        return _quote(value)
    if kind is int or kind is float:
        if not js_numbers:
            return json.dumps(value)
        return _js_json_number(value)
    raise TypeError(f"cannot stringify a value of type {kind.__name__}")


def _js_json_number(value):
    """A number as JSON.stringify writes it: a double, written by Number.prototype.toString;
    NaN and the infinities as null."""
    try:
        number = float(value)  # a JSON integer is a double in JavaScript: 2**53 + 1 rounds
    except OverflowError:  # an integer beyond the largest double parses as Infinity in JavaScript
        return "null"
    if not math.isfinite(number):
        return "null"
    return js_number_to_string(number)


def js_number_to_string(number):
    """`number` (a float) as JavaScript's Number.prototype.toString writes it (ECMA-262
    Number::toString): the shortest digits that round-trip, in fixed notation when
    1e-7 <= |x| < 1e21, else as d.ddde±n."""
    if number != number:
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"  # -0 too
    sign = "-" if number < 0 else ""
    digits, point = _shortest_digits(abs(number))
    k = len(digits)
    if k <= point <= 21:  # an integer: the digits, then zeros
        return sign + digits + "0" * (point - k)
    if 0 < point <= 21:  # the point falls inside the digits
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:  # a small number: 0.000ddd
        return sign + "0." + "0" * -point + digits
    exponent = point - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return sign + mantissa + "e" + ("+" if exponent >= 0 else "-") + str(abs(exponent))


def _shortest_digits(number):
    """(digits, point) with `number` (finite, > 0) = 0.<digits> x 10**point, `digits` the
    shortest that round-trip, without leading or trailing zeros.

    Python's repr writes the shortest round-tripping digits, correctly rounded, as JavaScript
    chooses them; only the layout differs ('1e+21', '1.5e-07', '0.0001', '123.0').
    """
    mantissa, _, exponent = repr(number).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)
    significant = digits.lstrip("0")
    point -= len(digits) - len(significant)  # each leading zero moves the point left
    return significant.rstrip("0"), point


# What JSON.stringify escapes: '"', '\', the controls below U+0020, and lone surrogates (a
# surrogate pair from the input is one non-BMP character in a Python str, never matched here).
_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f\ud800-\udfff]')
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match):
    char = match.group()
    return _SHORT_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _quote(text):
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'
