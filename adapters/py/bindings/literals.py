"""Writing JSON values as Python source, for the bindings' snippets."""

import json


class Literals:
    """Writes JSON values as Python literals (true/false/null as True/False/None; strings by
    repr, so non-printable characters are escaped). A value nested deeper than Python's parser
    accepts is written as JSON text for json.loads, and `uses_json` is set."""

    MAX_DEPTH = 90

    def __init__(self):
        self.uses_json = False

    def __call__(self, value):
        if _depth(value) > self.MAX_DEPTH:
            self.uses_json = True
            return f"json.loads({json.dumps(value, ensure_ascii=False)!r})"
        return _literal(value)


def _literal(value):
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)  # str, int, float, bool, None


def _depth(value):
    """How deeply `value` nests; iterative, so a deep value cannot exhaust the stack."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            pending.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest
