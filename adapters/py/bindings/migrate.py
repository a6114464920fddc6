"""Binding for contract `migrate`: drives `antaris_contracts.migration`.

The implementation is the `antaris_contracts` package found first on `ANTARIS_PY_SRC` (a
directory holding an `antaris_contracts/` package: a checkout's sources, or our bundled
sample), else the importable one (the published `antaris-contracts` distribution). See
../../PROTOCOL.md (section `migrate`) for the calls made and the canonical output.

`run` is a plain function: the adapter calls it inline, with no task per case. `snippet`
writes the program reproducing a case (the `snippet` op).
"""

import importlib.metadata
import json
import marshal
import os
from enum import Enum

from .literals import Literals
from .sources import error_json, import_from

# The implementation's API, bound by load().
_migrate = None
_get_migration_path = None
_SchemaVersion = None
_MigrationError = None  # not used to classify: an error is reported by its class name

# `data` as JSON text (key order included): what MIG-PURE compares. No circular check: the
# input comes from JSON, and a cycle an implementation leaves in it fails to encode, which
# counts as changed.
_json_text = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode

_DISTRIBUTION = "antaris-contracts"


# The variable naming the folder the package under test is imported from.
SOURCE = "ANTARIS_PY_SRC"


def load():
    global _migrate, _get_migration_path, _SchemaVersion, _MigrationError
    if os.environ.get("ANTARIS_PY_SRC"):
        package = import_from("ANTARIS_PY_SRC", "antaris_contracts")
    else:
        import antaris_contracts as package
    from antaris_contracts.migration import MigrationError, SchemaVersion, get_migration_path, migrate

    _migrate, _get_migration_path, _SchemaVersion, _MigrationError = migrate, get_migration_path, SchemaVersion, MigrationError
    return {"name": _DISTRIBUTION, "version": _version_of(package)}


def _version_of(package):
    """The installed distribution's version when the imported package is that distribution's
    files; else the package's `__version__`; else "unknown"."""
    try:
        distribution = importlib.metadata.distribution(_DISTRIBUTION)
        installed = distribution.locate_file("antaris_contracts/__init__.py")
        if os.path.exists(installed) and os.path.samefile(installed, package.__file__):
            return distribution.version
    except (importlib.metadata.PackageNotFoundError, OSError, TypeError):
        pass
    version = getattr(package, "__version__", None)
    return "unknown" if version is None else str(version)


# The exact types JSON holds as they are: the common case, told apart by one type lookup
# (an enum member or a tuple is never one of them).
_AS_IS = frozenset((str, int, float, bool, type(None)))


def _plain(value):
    """What the implementation returned, as JSON, by one uniform mapping that never drops,
    adds or coerces a field: a tuple is a list, an enum member (SchemaVersion is a str enum)
    its value, containers element by element; anything else as it is."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is dict:
        return {key: item if type(item) in _AS_IS else _plain(item) for key, item in value.items()}
    if kind is list:
        return [item if type(item) in _AS_IS else _plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _versions(case):
    """The version keywords of a `migrate` call, from the case as given: `fromVersion` when
    present (null as None), `toVersion` when present and not null (null or absent: the
    default target, no argument)."""
    kwargs = {}
    if "fromVersion" in case:
        kwargs["from_version"] = case["fromVersion"]
    if case.get("toVersion") is not None:
        kwargs["to_version"] = case["toVersion"]
    return kwargs


def run(case):
    op = case["op"]
    if op == "migrate":
        return _run_migrate(case)
    if op == "path":
        return _run_path(case)
    if op == "compare":
        return _run_compare(case)
    raise ValueError(f"unknown migrate op {op!r}")


def _run_migrate(case):
    data = case.get("data")
    before = _snapshot(data)  # an input that cannot be serialized is the adapter's failure
    try:
        # The version keywords as `_versions` gives them, without building a dict per case.
        to_version = case.get("toVersion")
        if "fromVersion" in case:
            if to_version is None:
                result = _migrate(data, from_version=case["fromVersion"])
            else:
                result = _migrate(data, from_version=case["fromVersion"], to_version=to_version)
        elif to_version is None:
            result = _migrate(data)
        else:
            result = _migrate(data, to_version=to_version)
    except Exception as err:
        return {"output": {"error": error_json(err), "inputUnchanged": _unchanged(data, before)}}
    return {"output": {"ok": _as_json(result), "inputUnchanged": _unchanged(data, before)}}


def _as_json(value):
    """`_plain(value)`, without its walk when `value` is made of exact built-in types alone
    (what `marshal` writes; it refuses an enum member or any other object): then the mapping
    changes nothing but tuples, which JSON writes as arrays anyway. The value itself is
    reported, not a copy: the adapter encodes it before any other call of the implementation."""
    try:
        marshal.dumps(value, _MARSHAL_FORMAT)
    except ValueError:
        return _plain(value)
    return value


# MIG-PURE, fast. The rule is "`data` serializes to the same JSON text after the call as
# before". Encoding JSON twice per case costs more than many implementations' whole call, so
# the snapshot is `marshal` format 2: exact types, insertion order, no back-references (so the
# bytes do not depend on reference counts), about three times faster. Equal bytes mean equal
# JSON text; different bytes (or a value marshal refuses) are settled by the rule itself,
# comparing the JSON text of `data` with that of the snapshot loaded back.
_MARSHAL_FORMAT = 2


def _snapshot(data):
    try:
        return marshal.dumps(data, _MARSHAL_FORMAT)
    except ValueError:
        return _json_text(data)  # fails too: the adapter cannot take this input


def _unchanged(data, before):
    try:
        if type(before) is bytes:
            try:
                if marshal.dumps(data, _MARSHAL_FORMAT) == before:
                    return True
            except ValueError:
                pass
            before = _json_text(marshal.loads(before))
        return _json_text(data) == before
    except Exception:  # the implementation left something unserializable in it: changed
        return False


def _run_path(case):
    try:
        steps = _get_migration_path(case.get("fromVersion"), case.get("toVersion"))
    except Exception as err:
        return {"output": {"error": error_json(err)}}
    return {"output": {"ok": _as_json(steps)}}  # whatever it returned, steps of any length included


def _run_compare(case):
    a, b = case.get("a"), case.get("b")  # absent: None, as for the other versions
    try:
        x = _SchemaVersion(a)
        y = _SchemaVersion(b)
        lt = x < y
        le = x <= y
    except Exception as err:
        return {"output": {"error": error_json(err)}}
    return {"output": {"ok": {"lt": lt, "le": le}}}


# ---------------------------------------------------------------------------------------------
# Snippets (the `snippet` op of ../../PROTOCOL.md): a paste-ready program that reproduces one
# case with the real `antaris_contracts.migration` API, making exactly the call `run` makes.

_IMPORT = "from antaris_contracts.migration import migrate, get_migration_path, SchemaVersion, MigrationError"

# What the program records, as `run` reports it (an error by its type: messages are not
# compared), in `actual`.
_RECORDING = [
    "def plain(value):",
    '    """What the call returned, as JSON: an enum member (SchemaVersion) as its value, a tuple as a list."""',
    "    if isinstance(value, Enum):",
    "        return value.value",
    "    if isinstance(value, (list, tuple)):",
    "        return [plain(item) for item in value]",
    "    if isinstance(value, dict):",
    "        return {key: plain(item) for key, item in value.items()}",
    "    return value",
    "",
    "",
    "def text(value):",
    '    """JSON text, key order included; None when the value cannot be written."""',
    "    try:",
    "        return json.dumps(value, ensure_ascii=False)",
    "    except Exception:",
    "        return None",
    "",
    "",
]


_RAISED = [
    "except Exception as err:",
    '    print("raised:", type(err).__name__, err)',
    '    actual = {"error": {"type": type(err).__name__}}',
]


def snippet(case):
    """The program reproducing `case`, or None when it cannot be written (an input `run`
    cannot translate either)."""
    if not isinstance(case, dict):
        return None
    op = case.get("op")
    lit = Literals()
    if op == "migrate":
        call = "migrate(data" + "".join(f", {name}={lit(value)}" for name, value in _versions(case).items())
        look = "the migrated document or the exception, and whether `data` was modified (MIG-PURE)"
        body = [
            f"data = {lit(case.get('data'))}",
            "before = text(data)",
            "try:",
            f"    result = {call})",
            '    print("returned:", repr(result))',
            '    actual = {"ok": plain(result)}',
            *_RAISED,
            "actual[\"inputUnchanged\"] = before is not None and text(data) == before  # key order included",
            'print("input unchanged:", actual["inputUnchanged"])',
        ]
    elif op == "path":
        look = "the steps returned ([] for equal versions) or the exception"
        body = [
            "try:",
            f"    steps = get_migration_path({lit(case.get('fromVersion'))}, {lit(case.get('toVersion'))})",
            '    print("returned:", steps)',
            '    actual = {"ok": plain(steps)}',
            *_RAISED,
        ]
    elif op == "compare":
        look = "the two comparisons (version order: 2.0.0, 2.1.0, 2.1.1, 2.2.0) or the exception"
        body = [
            "try:",
            f"    a = SchemaVersion({lit(case.get('a'))})",
            f"    b = SchemaVersion({lit(case.get('b'))})",
            '    print("a < b:", a < b, "| a <= b:", a <= b)',
            '    actual = {"ok": {"lt": a < b, "le": a <= b}}',
            *_RAISED,
        ]
    else:
        return None
    head = [
        "# Reproduces a divergence found by the conformance harness: contract migrate",
        f"# Look at: {look}.",
        "import json",
        "from enum import Enum",
        "",
        _IMPORT,
        "",
        "",
        *_RECORDING,
    ]
    code = "\n".join(head + body) + "\n"
    compile(code, "<snippet>", "exec")  # a program that does not compile is never handed out
    return code
