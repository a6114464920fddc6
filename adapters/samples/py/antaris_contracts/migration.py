"""The harness's own implementation of the antaris-contracts schema migrations.

Written against docs/contracts/migrate.md, which is stricter than the published package on
purpose: every version is checked before anything else happens (an unknown version is an
error even when source and target are equal), non-string versions are refused, and `data`
that is not a dict is refused with `MigrationError`, never another exception type.

Public names match the real package (`antaris_contracts.migration`), so the harness's one
`migrate` binding drives this sample and the published package alike:
`migrate`, `get_migration_path`, `SchemaVersion`, `MigrationError`.

Deliberately broken variants ("mutants") for the harness's self-tests are switched on with
`ANTARIS_SAMPLE_MUTANT`; each is one realistic mistake, marked `MUTANT:` where it lives.
"""

import copy
import os
from enum import Enum

MUTANTS = {
    "": "the correct sample",
    "overwrite": "a step assigns its defaults over keys the document already has",
    "mutates-input": "migrates the caller's dict in place instead of a copy",
    "shortcut-path": "reports a direct 2.0.0 -> 2.1.1 step that is not registered",
    "unknown-same-copy": "returns a copy for source == target before checking the version is known",
}
MUTANT = os.environ.get("ANTARIS_SAMPLE_MUTANT", "")
if MUTANT not in MUTANTS:
    _valid = ", ".join(name for name in sorted(MUTANTS) if name)
    raise ImportError(f"ANTARIS_SAMPLE_MUTANT={MUTANT!r} is not a known mutant (valid: {_valid}, or unset)")


class MigrationError(Exception):
    """A document cannot be migrated as asked (unknown version, downgrade, not a dict...)."""


class SchemaVersion(str, Enum):
    """The known schema versions. Members are declared oldest first; that order is the
    version order (MIG-VERSIONS)."""

    V2_0_0 = "2.0.0"
    V2_1_0 = "2.1.0"
    V2_1_1 = "2.1.1"
    V2_2_0 = "2.2.0"

    @classmethod
    def _missing_(cls, value):
        # Fail closed: looking up anything that is not a known version (another string, a
        # number, a list...) is a MigrationError rather than Enum's ValueError.
        raise MigrationError(f"unknown schema version {value!r}; known: {', '.join(m.value for m in cls)}")

    @classmethod
    def ordered(cls):
        """Every version, oldest first."""
        return list(cls)

    def __lt__(self, other):
        if not isinstance(other, SchemaVersion):
            return NotImplemented
        return _RANK[self] < _RANK[other]

    def __le__(self, other):
        if not isinstance(other, SchemaVersion):
            return NotImplemented
        return _RANK[self] <= _RANK[other]

    def __gt__(self, other):
        if not isinstance(other, SchemaVersion):
            return NotImplemented
        return _RANK[self] > _RANK[other]

    def __ge__(self, other):
        if not isinstance(other, SchemaVersion):
            return NotImplemented
        return _RANK[self] >= _RANK[other]


_ORDER = SchemaVersion.ordered()
_RANK = {version: rank for rank, version in enumerate(_ORDER)}
CURRENT = _ORDER[-1]


def _known(value, role):
    """The SchemaVersion named by `value`, or MigrationError (MIG-UNKNOWN)."""
    if not isinstance(value, str):
        raise MigrationError(f"{role} schema version must be a string, got {type(value).__name__} {value!r}")
    return SchemaVersion(value)  # an unknown string raises MigrationError (see _missing_)


# ── Steps ────────────────────────────────────────────────────────────────────────────────
# Each adjacent pair of versions has one step: keys it adds when absent (with their
# defaults), keys it removes, and the version it stamps.

class _Step:
    def __init__(self, source, target, adds=(), removes=()):
        self.source, self.target = source, target
        self.adds, self.removes = tuple(adds), tuple(removes)

    def apply(self, doc):
        """Applies this step to `doc`, a dict the caller owns."""
        for key, default in self.adds:
            if MUTANT == "overwrite":
                doc[key] = _clone(default)  # MUTANT: replaces values the document already has
            elif key not in doc:  # absent only: a key holding null keeps its null
                doc[key] = _clone(default)
        for key in self.removes:
            doc.pop(key, None)
        doc["schema_version"] = self.target.value


_STEPS = (
    _Step(SchemaVersion.V2_0_0, SchemaVersion.V2_1_0, adds=(  # MIG-STEP-2.0.0
        ("memory_type", "episodic"),
        ("type_metadata", {}),
        ("correlations", []),
        ("triggers", []),
    )),
    _Step(SchemaVersion.V2_1_0, SchemaVersion.V2_1_1,  # MIG-STEP-2.1.0
          adds=(("trace_id", None),),
          removes=("_heartbeat_contaminated",)),
    _Step(SchemaVersion.V2_1_1, SchemaVersion.V2_2_0, adds=(  # MIG-STEP-2.1.1
        ("escalated", False),
        ("original_confidence", None),
        ("escalation_reason", None),
        ("sla_compliant", True),
        ("sla_breaches", []),
        ("sla_adjustments", []),
        ("ab_variant", None),
        ("explanation", ""),
        ("supports_streaming", False),
        ("pattern_version", ""),
        ("audit_id", ""),
        ("user_id", None),
        ("conversation_id", None),
        ("agent_id", None),
        ("strategy", "hybrid"),
    )),
)

# Pairs registered as a single step (MIG-PATH). The two long ones are implemented by running
# the adjacent steps in order, so they report as one step but migrate like the chain.
_DIRECT = {(step.source, step.target) for step in _STEPS} | {
    (SchemaVersion.V2_1_0, SchemaVersion.V2_2_0),
    (SchemaVersion.V2_0_0, SchemaVersion.V2_2_0),
}
if MUTANT == "shortcut-path":
    # MUTANT: a 2.0.0 -> 2.1.1 shortcut is listed as registered, though nothing implements it.
    _DIRECT.add((SchemaVersion.V2_0_0, SchemaVersion.V2_1_1))


# ── Copying ──────────────────────────────────────────────────────────────────────────────

_IMMUTABLE = (str, int, float, bool, type(None))


def _clone(value):
    """A deep copy of a JSON-shaped value.

    Iterative, so a deeply nested document cannot exhaust Python's recursion limit. Values
    that are not dicts, lists or JSON scalars fall back to `copy.deepcopy`.
    """
    kind = type(value)
    if kind is dict:
        root = {}
    elif kind is list:
        root = []
    elif isinstance(value, _IMMUTABLE):
        return value
    else:
        return copy.deepcopy(value)
    pending = [(value, root)]
    while pending:
        source, target = pending.pop()
        if type(source) is dict:
            for key, item in source.items():
                kind = type(item)
                if kind is dict or kind is list:
                    fresh = kind()
                    pending.append((item, fresh))
                    target[key] = fresh
                elif isinstance(item, _IMMUTABLE):
                    target[key] = item
                else:
                    target[key] = copy.deepcopy(item)
        else:
            for item in source:
                kind = type(item)
                if kind is dict or kind is list:
                    fresh = kind()
                    pending.append((item, fresh))
                    target.append(fresh)
                elif isinstance(item, _IMMUTABLE):
                    target.append(item)
                else:
                    target.append(copy.deepcopy(item))
    return root


# ── Public API ───────────────────────────────────────────────────────────────────────────

def _given(version):
    """Whether a from_version argument counts as given (MIG-SOURCE): not None, not ""."""
    return version is not None and not (isinstance(version, str) and version == "")


def migrate(data, from_version=None, to_version=CURRENT.value):
    """Returns a migrated copy of `data`; `data` itself is never modified (MIG-PURE).

    The source version is `from_version` when it is given (not None, not ""), else
    `data["schema_version"]` (MIG-SOURCE). Raises MigrationError for data that is not a
    dict, a missing source, an unknown or non-string version, and a downgrade.
    """
    if not isinstance(data, dict):
        raise MigrationError(f"data must be a dict (a JSON object), got {type(data).__name__}")
    if _given(from_version):
        declared = from_version
    else:
        declared = data.get("schema_version")
        if declared is None or declared == "":
            raise MigrationError("cannot tell the source version: no from_version and no schema_version in data")

    if MUTANT == "unknown-same-copy" and declared == to_version:
        return _clone(data)  # MUTANT: short-cut before the versions are checked

    source = _known(declared, "source")
    target = _known(to_version, "target")
    if target < source:
        raise MigrationError(f"downgrade from {source.value} to {target.value} is not supported")

    if MUTANT == "mutates-input":
        doc = data  # MUTANT: works on the caller's dict
    else:
        doc = _clone(data)
    for step in _STEPS[_RANK[source]:_RANK[target]]:  # MIG-CHAIN: adjacent steps, in order
        step.apply(doc)
    return doc


def get_migration_path(from_version, to_version):
    """The (from, to) steps that migrating from_version to to_version applies (MIG-PATH)."""
    if MUTANT == "unknown-same-copy" and from_version == to_version:
        return []  # MUTANT: short-cut before the versions are checked
    source = _known(from_version, "source")
    target = _known(to_version, "target")
    if target < source:
        raise MigrationError(f"downgrade from {source.value} to {target.value} is not supported")
    if source is target:
        return []
    if (source, target) in _DIRECT:
        return [(source.value, target.value)]
    return [(step.source.value, step.target.value) for step in _STEPS[_RANK[source]:_RANK[target]]]
