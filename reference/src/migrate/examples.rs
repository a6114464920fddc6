//! Hand-picked cases, frozen as golden vectors by `vectors regen`.
//!
//! Ids start with the operation (`migrate-`, `path-`, `compare-`); cases whose expected
//! output is a `MigrationError` end in `-fails`. Versions appear in ids with dashes
//! (`2-1-0` is `2.1.0`). The unit tests below hold every id to these conventions.

use serde_json::json;

use crate::contract::Example;

pub fn examples() -> Vec<Example> {
    let mut all = migrate_pairs();
    all.extend(migrate_edges());
    all.extend(path());
    all.extend(compare());
    all
}

/// `migrate` for every ordered pair of known versions, on documents shaped like each
/// antaris schema.
fn migrate_pairs() -> Vec<Example> {
    vec![
        // ---- Upgrades ----------------------------------------------------------------------
        Example {
            id: "migrate-2-0-0-to-2-1-0-memory-entry",
            description:
                "A 2.0.0 MemoryEntry gains memory_type, type_metadata, correlations and triggers.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.0.0",
                    "content": "prefers dark mode",
                    "source": "chat",
                    "line": 12,
                    "category": "preference",
                    "importance": 0.8,
                    "confidence": 0.95
                },
                "toVersion": "2.1.0"
            }),
        },
        Example {
            id: "migrate-2-0-0-to-2-1-1-route-decision",
            description:
                "A 2.0.0 RouteDecision taken two steps: the 2.0.0 defaults, then trace_id null.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.0.0",
                    "model": "claude-haiku",
                    "tier": "fast",
                    "confidence": 0.72,
                    "basis": "keyword",
                    "evidence": ["short query", "no code"]
                },
                "toVersion": "2.1.1"
            }),
        },
        Example {
            id: "migrate-2-0-0-to-2-2-0-guard-decision",
            description:
                "A 2.0.0 GuardDecision taken through the whole chain gains every step's defaults.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.0.0",
                    "action": "block",
                    "pattern": "ignore previous instructions",
                    "score": 0.97,
                    "reasons": ["prompt injection"]
                },
                "toVersion": "2.2.0"
            }),
        },
        Example {
            id: "migrate-2-1-0-to-2-1-1-telemetry-event",
            description: "A 2.1.0 TelemetryEvent gains trace_id null and nothing else.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.1.0",
                    "event_id": "ev-001",
                    "event_type": "route",
                    "timestamp": 1_732_406_400,
                    "payload": { "latency_ms": 42, "ok": true },
                    "performance": { "p50": 12.5, "p99": 88.25 }
                },
                "toVersion": "2.1.1"
            }),
        },
        Example {
            id: "migrate-2-1-0-to-2-2-0-context-packet",
            description: "A 2.1.0 ContextPacket gains trace_id, then the fifteen 2.2.0 defaults.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.1.0",
                    "query": "what did we decide?",
                    "items": [{ "id": "m-1", "score": 0.9 }, { "id": "m-2", "score": 0.4 }],
                    "budget_tokens": 2048
                },
                "toVersion": "2.2.0"
            }),
        },
        Example {
            id: "migrate-2-1-1-to-2-2-0-memory-entry",
            description:
                "A 2.1.1 MemoryEntry gains the fifteen 2.2.0 defaults, strategy hybrid among them.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.1.1",
                    "content": "meeting moved to friday",
                    "memory_type": "episodic",
                    "type_metadata": {},
                    "correlations": [],
                    "triggers": [],
                    "trace_id": null
                },
                "toVersion": "2.2.0"
            }),
        },
        // ---- Same version: an unchanged copy -------------------------------------------------
        Example {
            id: "migrate-2-0-0-to-2-0-0-unchanged-copy",
            description:
                "Migrating a 2.0.0 document to 2.0.0 returns it unchanged, with no defaults added.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.0.0", "content": "as is" },
                "toVersion": "2.0.0"
            }),
        },
        Example {
            id: "migrate-2-1-0-to-2-1-0-keeps-heartbeat-key",
            description: "Staying at 2.1.0 crosses no step, so _heartbeat_contaminated is kept.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.1.0",
                    "content": "as is",
                    "_heartbeat_contaminated": true
                },
                "toVersion": "2.1.0"
            }),
        },
        Example {
            id: "migrate-2-1-1-to-2-1-1-unchanged-copy",
            description:
                "Migrating a 2.1.1 document to 2.1.1 returns it unchanged, with no defaults added.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.1.1", "tier": "fast", "trace_id": "t-9" },
                "toVersion": "2.1.1"
            }),
        },
        Example {
            id: "migrate-2-2-0-to-2-2-0-idempotent",
            description:
                "A complete 2.2.0 document migrated to 2.2.0 comes back exactly as it was.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.2.0",
                    "content": "prefers dark mode",
                    "memory_type": "episodic",
                    "type_metadata": {},
                    "correlations": [],
                    "triggers": [],
                    "trace_id": null,
                    "escalated": false,
                    "original_confidence": null,
                    "escalation_reason": null,
                    "sla_compliant": true,
                    "sla_breaches": [],
                    "sla_adjustments": [],
                    "ab_variant": null,
                    "explanation": "",
                    "supports_streaming": false,
                    "pattern_version": "",
                    "audit_id": "",
                    "user_id": null,
                    "conversation_id": null,
                    "agent_id": null,
                    "strategy": "hybrid"
                },
                "toVersion": "2.2.0"
            }),
        },
        // ---- Downgrades ----------------------------------------------------------------------
        Example {
            id: "migrate-downgrade-2-1-0-to-2-0-0-fails",
            description: "Migrating 2.1.0 down to 2.0.0 is refused with MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.1.0", "content": "x" },
                "toVersion": "2.0.0"
            }),
        },
        Example {
            id: "migrate-downgrade-2-1-1-to-2-0-0-fails",
            description: "Migrating 2.1.1 down to 2.0.0 is refused with MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.1.1", "content": "x" },
                "toVersion": "2.0.0"
            }),
        },
        Example {
            id: "migrate-downgrade-2-1-1-to-2-1-0-fails",
            description: "Migrating 2.1.1 down one step to 2.1.0 is refused with MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.1.1", "content": "x" },
                "toVersion": "2.1.0"
            }),
        },
        Example {
            id: "migrate-downgrade-2-2-0-to-2-0-0-fails",
            description:
                "Migrating the current 2.2.0 down to 2.0.0 is refused with MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.2.0", "content": "x" },
                "toVersion": "2.0.0"
            }),
        },
        Example {
            id: "migrate-downgrade-2-2-0-to-2-1-0-fails",
            description: "Migrating 2.2.0 down to 2.1.0 is refused with MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.2.0", "content": "x" },
                "toVersion": "2.1.0"
            }),
        },
        Example {
            id: "migrate-downgrade-2-2-0-to-2-1-1-fails",
            description: "Migrating 2.2.0 down one step to 2.1.1 is refused with MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.2.0", "content": "x" },
                "toVersion": "2.1.1"
            }),
        },
    ]
}

/// `migrate` edges: default target, source selection, unknown and non-string versions,
/// non-object data, step keys already present, the heartbeat artifact, pass-through.
fn migrate_edges() -> Vec<Example> {
    vec![
        // ---- Default target (MIG-VERSIONS: 2.2.0 is current) --------------------------------
        Example {
            id: "migrate-default-target-when-null",
            description: "fromVersion and toVersion null: the document's 2.0.0 is migrated to the current 2.2.0.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.0.0", "content": "x" },
                "fromVersion": null,
                "toVersion": null
            }),
        },
        Example {
            id: "migrate-default-target-when-absent",
            description: "Without version arguments a 2.1.1 document is migrated to the current 2.2.0.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.1.1", "content": "x" }
            }),
        },
        Example {
            id: "migrate-idempotent-with-default-target",
            description: "A current document with non-default values is unchanged by a migration to the default target.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.2.0",
                    "model": "claude-sonnet",
                    "memory_type": "semantic",
                    "trace_id": "t-1",
                    "escalated": true,
                    "strategy": "dense",
                    "sla_breaches": ["p99"]
                }
            }),
        },
        Example {
            id: "migrate-current-document-missing-step-keys-unchanged",
            description: "A 2.2.0 document lacking the step keys is copied as is: no step runs, so nothing is added.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.2.0", "content": "bare" }
            }),
        },
        // ---- MIG-SOURCE -----------------------------------------------------------------------
        Example {
            id: "migrate-from-version-overrides-document",
            description: "fromVersion 2.0.0 wins over the document's 2.1.1: the 2.0.0 step runs and schema_version becomes 2.1.0.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.1.1", "content": "mislabelled" },
                "fromVersion": "2.0.0",
                "toVersion": "2.1.0"
            }),
        },
        Example {
            id: "migrate-from-version-equal-to-target-copies-unchanged",
            description: "fromVersion equal to the target copies the document unchanged, keeping its own schema_version 2.0.0.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.0.0", "content": "x" },
                "fromVersion": "2.2.0",
                "toVersion": "2.2.0"
            }),
        },
        Example {
            id: "migrate-from-version-without-schema-version",
            description: "A document without schema_version migrates from fromVersion 2.1.0 and gains schema_version 2.1.1.",
            input: json!({
                "op": "migrate",
                "data": { "content": "unlabelled" },
                "fromVersion": "2.1.0",
                "toVersion": "2.1.1"
            }),
        },
        Example {
            id: "migrate-from-version-overrides-non-string-schema-version",
            description: "A numeric schema_version is never read when fromVersion 2.1.1 is given; the result says 2.2.0.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": 2, "content": "x" },
                "fromVersion": "2.1.1"
            }),
        },
        Example {
            id: "migrate-empty-document-from-2-0-0",
            description: "An empty object migrated from 2.0.0 holds exactly the defaults of every step.",
            input: json!({
                "op": "migrate",
                "data": {},
                "fromVersion": "2.0.0",
                "toVersion": "2.2.0"
            }),
        },
        Example {
            id: "migrate-empty-from-version-falls-back-to-document",
            description: "fromVersion \"\" counts as not given: the document's 2.1.0 is the source.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.1.0", "content": "x" },
                "fromVersion": "",
                "toVersion": "2.1.1"
            }),
        },
        Example {
            id: "migrate-from-version-downgrade-fails",
            description: "fromVersion 2.2.0 with target 2.1.0 is a downgrade even though the document says 2.0.0.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.0.0", "content": "x" },
                "fromVersion": "2.2.0",
                "toVersion": "2.1.0"
            }),
        },
        Example {
            id: "migrate-missing-schema-version-fails",
            description: "No fromVersion and no schema_version: MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "content": "unlabelled" },
                "toVersion": "2.2.0"
            }),
        },
        Example {
            id: "migrate-null-schema-version-fails",
            description: "A null schema_version with no fromVersion leaves no source: MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": null, "content": "x" }
            }),
        },
        Example {
            id: "migrate-empty-schema-version-fails",
            description: "An empty schema_version with no fromVersion leaves no source: MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "", "content": "x" }
            }),
        },
        Example {
            id: "migrate-empty-from-version-and-schema-version-fails",
            description: "fromVersion \"\" and schema_version \"\" both count as absent: MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "", "content": "x" },
                "fromVersion": "",
                "toVersion": "2.2.0"
            }),
        },
        // ---- MIG-UNKNOWN ----------------------------------------------------------------------
        Example {
            id: "migrate-unknown-source-9-9-9-fails",
            description: "A document at the unknown version 9.9.9 is refused, not copied.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "9.9.9", "content": "x" }
            }),
        },
        Example {
            id: "migrate-unknown-source-equal-to-target-fails",
            description: "Unknown source equal to an unknown target (9.9.9 to 9.9.9) still fails closed.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "9.9.9", "content": "x" },
                "toVersion": "9.9.9"
            }),
        },
        Example {
            id: "migrate-unknown-target-2-2-fails",
            description: "The truncated target 2.2 is not 2.2.0: MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.0.0", "content": "x" },
                "toVersion": "2.2"
            }),
        },
        Example {
            id: "migrate-unknown-from-version-v-prefix-fails",
            description: "fromVersion v2.1.0 (with a v prefix) is unknown: MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.1.0", "content": "x" },
                "fromVersion": "v2.1.0"
            }),
        },
        Example {
            id: "migrate-unknown-target-trailing-space-fails",
            description: "A target of \"2.2.0 \" with a trailing space is unknown: MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.1.1", "content": "x" },
                "toVersion": "2.2.0 "
            }),
        },
        Example {
            id: "migrate-number-schema-version-fails",
            description: "A numeric schema_version (2.1) is not a version string: MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": 2.1, "content": "x" }
            }),
        },
        Example {
            id: "migrate-array-schema-version-fails",
            description: "An array schema_version is not a version string: MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": ["2.0.0"], "content": "x" }
            }),
        },
        Example {
            id: "migrate-number-from-version-fails",
            description: "A numeric fromVersion (2.2) is not a version string: MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.0.0", "content": "x" },
                "fromVersion": 2.2
            }),
        },
        Example {
            id: "migrate-boolean-from-version-fails",
            description: "A boolean fromVersion is not a version string: MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.0.0", "content": "x" },
                "fromVersion": true
            }),
        },
        Example {
            id: "migrate-array-target-fails",
            description: "A target given as an array holding 2.2.0 is not a version string: MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.0.0", "content": "x" },
                "toVersion": ["2.2.0"]
            }),
        },
        Example {
            id: "migrate-object-target-fails",
            description: "A target given as an object is not a version string: MigrationError.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.0.0", "content": "x" },
                "toVersion": { "version": "2.2.0" }
            }),
        },
        // ---- MIG-NOT-OBJECT -------------------------------------------------------------------
        Example {
            id: "migrate-array-data-fails",
            description: "An array holding a document is not a document: MigrationError, not another exception.",
            input: json!({
                "op": "migrate",
                "data": [{ "schema_version": "2.0.0" }],
                "fromVersion": "2.0.0"
            }),
        },
        Example {
            id: "migrate-string-data-fails",
            description: "A string as data is refused with MigrationError even though it looks like a version.",
            input: json!({ "op": "migrate", "data": "2.0.0", "fromVersion": "2.0.0" }),
        },
        Example {
            id: "migrate-number-data-fails",
            description: "A number as data is refused with MigrationError.",
            input: json!({ "op": "migrate", "data": 5, "fromVersion": "2.0.0" }),
        },
        Example {
            id: "migrate-null-data-fails",
            description: "null as data is refused with MigrationError.",
            input: json!({ "op": "migrate", "data": null, "fromVersion": "2.0.0" }),
        },
        Example {
            id: "migrate-boolean-data-fails",
            description: "A boolean as data is refused with MigrationError.",
            input: json!({ "op": "migrate", "data": true, "fromVersion": "2.0.0" }),
        },
        // ---- Step keys already present ----------------------------------------------------------
        Example {
            id: "migrate-step-2-0-0-keeps-present-keys",
            description: "At 2.0.0 to 2.1.0, existing memory_type, null type_metadata and correlations keep their values; only triggers is added.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.0.0",
                    "memory_type": "semantic",
                    "type_metadata": null,
                    "correlations": ["c-1"]
                },
                "toVersion": "2.1.0"
            }),
        },
        Example {
            id: "migrate-step-2-1-0-keeps-present-trace-id",
            description: "At 2.1.0 to 2.1.1 an existing trace_id keeps its value.",
            input: json!({
                "op": "migrate",
                "data": { "schema_version": "2.1.0", "trace_id": "trace-7f3a" },
                "toVersion": "2.1.1"
            }),
        },
        Example {
            id: "migrate-step-2-1-1-keeps-present-keys",
            description: "At 2.1.1 to 2.2.0 existing strategy, sla_compliant, user_id and null escalated and explanation are kept.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.1.1",
                    "strategy": "dense",
                    "sla_compliant": false,
                    "user_id": "u-1",
                    "escalated": null,
                    "explanation": null
                },
                "toVersion": "2.2.0"
            }),
        },
        Example {
            id: "migrate-chain-keeps-null-step-keys",
            description: "Across the whole chain, step keys present as null (memory_type, triggers, strategy, sla_breaches) stay null.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.0.0",
                    "memory_type": null,
                    "triggers": null,
                    "strategy": null,
                    "sla_breaches": null
                }
            }),
        },
        // ---- _heartbeat_contaminated -------------------------------------------------------
        Example {
            id: "migrate-heartbeat-key-removed-at-2-1-0-step",
            description: "The 2.1.0 to 2.1.1 step removes _heartbeat_contaminated.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.1.0",
                    "content": "x",
                    "_heartbeat_contaminated": true
                },
                "toVersion": "2.1.1"
            }),
        },
        Example {
            id: "migrate-heartbeat-key-with-null-value-removed",
            description: "_heartbeat_contaminated is removed by key, whatever its value, null included.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.1.0",
                    "content": "x",
                    "_heartbeat_contaminated": null
                },
                "toVersion": "2.1.1"
            }),
        },
        Example {
            id: "migrate-heartbeat-key-removed-across-chain",
            description: "A chain from 2.0.0 to the current version crosses the 2.1.0 step and drops _heartbeat_contaminated.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.0.0",
                    "content": "x",
                    "_heartbeat_contaminated": { "at": "2024-11-24T10:00:00Z", "beats": [1, 2] }
                }
            }),
        },
        Example {
            id: "migrate-heartbeat-key-kept-before-2-1-0-step",
            description: "2.0.0 to 2.1.0 stops before the removing step: _heartbeat_contaminated is kept.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.0.0",
                    "content": "x",
                    "_heartbeat_contaminated": true
                },
                "toVersion": "2.1.0"
            }),
        },
        Example {
            id: "migrate-heartbeat-key-kept-after-2-1-0-step",
            description: "2.1.1 to 2.2.0 starts after the removing step: _heartbeat_contaminated is kept.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.1.1",
                    "content": "x",
                    "_heartbeat_contaminated": true
                },
                "toVersion": "2.2.0"
            }),
        },
        // ---- MIG-PURE: everything else passes through ------------------------------------------
        Example {
            id: "migrate-nested-values-and-unicode-keys-pass-through",
            description: "Nested values, Unicode keys and strings, floats and large integers pass through the whole chain untouched.",
            input: json!({
                "op": "migrate",
                "data": {
                    "schema_version": "2.0.0",
                    "ünïcødé": "日本語 🎉",
                    "emoji 🎉": { "𝄞": ["clef", null, { "deep": [[], {}] }] },
                    "quotes \"and\" back\\slash": "tab\there",
                    "numbers": [9_007_199_254_740_991_i64, -0.5, 1e21, 0],
                    "nested": { "memory_type": "not a top-level key", "schema_version": "1.0.0" }
                }
            }),
        },
    ]
}

/// `path` (get_migration_path) for every ordered pair, and unknown versions.
fn path() -> Vec<Example> {
    vec![
        // ---- Equal versions: no steps -----------------------------------------------------------
        Example {
            id: "path-2-0-0-to-2-0-0-empty",
            description: "The path from 2.0.0 to itself is empty.",
            input: json!({ "op": "path", "fromVersion": "2.0.0", "toVersion": "2.0.0" }),
        },
        Example {
            id: "path-2-1-0-to-2-1-0-empty",
            description: "The path from 2.1.0 to itself is empty.",
            input: json!({ "op": "path", "fromVersion": "2.1.0", "toVersion": "2.1.0" }),
        },
        Example {
            id: "path-2-1-1-to-2-1-1-empty",
            description: "The path from 2.1.1 to itself is empty.",
            input: json!({ "op": "path", "fromVersion": "2.1.1", "toVersion": "2.1.1" }),
        },
        Example {
            id: "path-2-2-0-to-2-2-0-empty",
            description: "The path from the current 2.2.0 to itself is empty.",
            input: json!({ "op": "path", "fromVersion": "2.2.0", "toVersion": "2.2.0" }),
        },
        // ---- Upgrades: five registered direct pairs, one chain ------------------------------------
        Example {
            id: "path-2-0-0-to-2-1-0-direct",
            description: "2.0.0 to 2.1.0 is a registered pair: one step.",
            input: json!({ "op": "path", "fromVersion": "2.0.0", "toVersion": "2.1.0" }),
        },
        Example {
            id: "path-2-1-0-to-2-1-1-direct",
            description: "2.1.0 to 2.1.1 is a registered pair: one step.",
            input: json!({ "op": "path", "fromVersion": "2.1.0", "toVersion": "2.1.1" }),
        },
        Example {
            id: "path-2-1-1-to-2-2-0-direct",
            description: "2.1.1 to 2.2.0 is a registered pair: one step.",
            input: json!({ "op": "path", "fromVersion": "2.1.1", "toVersion": "2.2.0" }),
        },
        Example {
            id: "path-2-1-0-to-2-2-0-direct",
            description:
                "2.1.0 to 2.2.0 is registered directly: one step, not the two adjacent ones.",
            input: json!({ "op": "path", "fromVersion": "2.1.0", "toVersion": "2.2.0" }),
        },
        Example {
            id: "path-2-0-0-to-2-2-0-direct",
            description:
                "2.0.0 to 2.2.0 is registered directly: one step, not the three adjacent ones.",
            input: json!({ "op": "path", "fromVersion": "2.0.0", "toVersion": "2.2.0" }),
        },
        Example {
            id: "path-2-0-0-to-2-1-1-chain",
            description: "2.0.0 to 2.1.1 is not registered: the chain of two adjacent steps.",
            input: json!({ "op": "path", "fromVersion": "2.0.0", "toVersion": "2.1.1" }),
        },
        // ---- Downgrades -------------------------------------------------------------------------
        Example {
            id: "path-downgrade-2-1-0-to-2-0-0-fails",
            description: "A path from 2.1.0 down to 2.0.0 is refused with MigrationError.",
            input: json!({ "op": "path", "fromVersion": "2.1.0", "toVersion": "2.0.0" }),
        },
        Example {
            id: "path-downgrade-2-1-1-to-2-0-0-fails",
            description: "A path from 2.1.1 down to 2.0.0 is refused with MigrationError.",
            input: json!({ "op": "path", "fromVersion": "2.1.1", "toVersion": "2.0.0" }),
        },
        Example {
            id: "path-downgrade-2-1-1-to-2-1-0-fails",
            description: "A path from 2.1.1 down to 2.1.0 is refused with MigrationError.",
            input: json!({ "op": "path", "fromVersion": "2.1.1", "toVersion": "2.1.0" }),
        },
        Example {
            id: "path-downgrade-2-2-0-to-2-0-0-fails",
            description:
                "A path from 2.2.0 down to 2.0.0 (the reverse of a registered pair) is refused.",
            input: json!({ "op": "path", "fromVersion": "2.2.0", "toVersion": "2.0.0" }),
        },
        Example {
            id: "path-downgrade-2-2-0-to-2-1-0-fails",
            description:
                "A path from 2.2.0 down to 2.1.0 (the reverse of a registered pair) is refused.",
            input: json!({ "op": "path", "fromVersion": "2.2.0", "toVersion": "2.1.0" }),
        },
        Example {
            id: "path-downgrade-2-2-0-to-2-1-1-fails",
            description: "A path from 2.2.0 down to 2.1.1 is refused with MigrationError.",
            input: json!({ "op": "path", "fromVersion": "2.2.0", "toVersion": "2.1.1" }),
        },
        // ---- Unknown and non-string versions ------------------------------------------------------
        Example {
            id: "path-unknown-equal-versions-fails",
            description: "9.9.9 to 9.9.9 is not an empty path: unknown versions fail closed.",
            input: json!({ "op": "path", "fromVersion": "9.9.9", "toVersion": "9.9.9" }),
        },
        Example {
            id: "path-unknown-target-2-2-fails",
            description: "2.0.0 to the truncated 2.2 is refused with MigrationError.",
            input: json!({ "op": "path", "fromVersion": "2.0.0", "toVersion": "2.2" }),
        },
        Example {
            id: "path-unknown-source-v-prefix-fails",
            description: "v2.0.0 (with a v prefix) to 2.2.0 is refused with MigrationError.",
            input: json!({ "op": "path", "fromVersion": "v2.0.0", "toVersion": "2.2.0" }),
        },
        Example {
            id: "path-empty-source-fails",
            description: "An empty source version is unknown to path: MigrationError.",
            input: json!({ "op": "path", "fromVersion": "", "toVersion": "2.2.0" }),
        },
        Example {
            id: "path-null-source-fails",
            description: "A null source version is not a version: MigrationError.",
            input: json!({ "op": "path", "fromVersion": null, "toVersion": "2.2.0" }),
        },
        Example {
            id: "path-number-target-fails",
            description: "A numeric target (2.2) is not a version string: MigrationError.",
            input: json!({ "op": "path", "fromVersion": "2.0.0", "toVersion": 2.2 }),
        },
        Example {
            id: "path-array-source-fails",
            description: "An array source holding 2.0.0 is not a version string: MigrationError.",
            input: json!({ "op": "path", "fromVersion": ["2.0.0"], "toVersion": "2.2.0" }),
        },
        Example {
            id: "path-object-target-fails",
            description: "An object target is not a version string: MigrationError.",
            input: json!({ "op": "path", "fromVersion": "2.0.0", "toVersion": { "version": "2.2.0" } }),
        },
        Example {
            id: "path-boolean-target-fails",
            description: "A boolean target is not a version string: MigrationError.",
            input: json!({ "op": "path", "fromVersion": "2.0.0", "toVersion": false }),
        },
    ]
}

/// `compare` (SchemaVersion `<` and `<=`) for equal, lower, higher and unknown versions.
fn compare() -> Vec<Example> {
    vec![
        Example {
            id: "compare-lower-2-0-0-and-2-1-0",
            description: "2.0.0 is below 2.1.0: lt and le are true.",
            input: json!({ "op": "compare", "a": "2.0.0", "b": "2.1.0" }),
        },
        Example {
            id: "compare-lower-2-1-0-and-2-1-1",
            description: "2.1.0 is below 2.1.1 (a patch step): lt and le are true.",
            input: json!({ "op": "compare", "a": "2.1.0", "b": "2.1.1" }),
        },
        Example {
            id: "compare-lower-2-0-0-and-2-2-0",
            description: "The oldest version is below the current one.",
            input: json!({ "op": "compare", "a": "2.0.0", "b": "2.2.0" }),
        },
        Example {
            id: "compare-equal-2-1-1",
            description: "A version equals itself: lt is false, le is true.",
            input: json!({ "op": "compare", "a": "2.1.1", "b": "2.1.1" }),
        },
        Example {
            id: "compare-equal-2-2-0",
            description: "The current version equals itself: lt is false, le is true.",
            input: json!({ "op": "compare", "a": "2.2.0", "b": "2.2.0" }),
        },
        Example {
            id: "compare-higher-2-2-0-and-2-1-1",
            description: "2.2.0 is above 2.1.1: lt and le are false.",
            input: json!({ "op": "compare", "a": "2.2.0", "b": "2.1.1" }),
        },
        Example {
            id: "compare-higher-2-1-0-and-2-0-0",
            description: "2.1.0 is above 2.0.0: lt and le are false.",
            input: json!({ "op": "compare", "a": "2.1.0", "b": "2.0.0" }),
        },
        Example {
            id: "compare-unknown-9-9-9-fails",
            description:
                "Comparing with the unknown 9.9.9 is a MigrationError, not an ordering guess.",
            input: json!({ "op": "compare", "a": "9.9.9", "b": "2.2.0" }),
        },
        Example {
            id: "compare-unknown-2-2-fails",
            description: "The truncated 2.2 is not a known version: MigrationError.",
            input: json!({ "op": "compare", "a": "2.1.0", "b": "2.2" }),
        },
        Example {
            id: "compare-number-fails",
            description: "A numeric version (2.2) cannot be compared: MigrationError.",
            input: json!({ "op": "compare", "a": 2.2, "b": "2.2.0" }),
        },
        Example {
            id: "compare-null-fails",
            description: "A null version cannot be compared: MigrationError.",
            input: json!({ "op": "compare", "a": "2.0.0", "b": null }),
        },
        Example {
            id: "compare-array-fails",
            description: "An array version cannot be compared: MigrationError.",
            input: json!({ "op": "compare", "a": ["2.0.0"], "b": "2.1.0" }),
        },
        Example {
            id: "compare-boolean-fails",
            description: "A boolean version cannot be compared: MigrationError.",
            input: json!({ "op": "compare", "a": "2.1.0", "b": true }),
        },
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::examples;
    use crate::contract::{Contract, Example, GenSettings};
    use crate::migrate::rules::{CURRENT, VERSIONS};
    use crate::migrate::Migrate;

    fn expected_output(example: &Example) -> Value {
        let expectation = Migrate.expect(&example.input, &GenSettings::default());
        assert_eq!(expectation.acceptable.len(), 1, "{}", example.id);
        expectation.acceptable[0].output.clone()
    }

    /// A version argument as the contract reads it: null, absent and "" are not given.
    fn given(v: Option<&Value>) -> Option<&Value> {
        v.filter(|v| !v.is_null() && v.as_str() != Some(""))
    }

    #[test]
    fn ids_name_the_operation_and_failures_end_in_fails() {
        for example in examples() {
            let op = example.input["op"].as_str().unwrap_or_default();
            assert!(
                example.id.starts_with(&format!("{op}-")),
                "{} does not start with its op `{op}`",
                example.id
            );
            let output = expected_output(&example);
            assert_eq!(
                output.get("error").is_some(),
                example.id.ends_with("-fails"),
                "{}: expected {output}",
                example.id
            );
            if let Some(error) = output.get("error") {
                assert_eq!(error["type"], "MigrationError", "{}", example.id);
            }
        }
    }

    #[test]
    fn every_ordered_pair_of_known_versions_is_covered_for_migrate_and_path() {
        let mut migrate_pairs = BTreeSet::new();
        let mut path_pairs = BTreeSet::new();
        for example in examples() {
            let input = &example.input;
            match input["op"].as_str() {
                Some("migrate") => {
                    let source = given(input.get("fromVersion"))
                        .or_else(|| given(input["data"].get("schema_version")));
                    let target = given(input.get("toVersion"))
                        .cloned()
                        .unwrap_or_else(|| Value::from(CURRENT));
                    if let (Some(Value::String(s)), Value::String(t)) = (source, target) {
                        migrate_pairs.insert((s.clone(), t));
                    }
                }
                Some("path") => {
                    if let (Some(s), Some(t)) =
                        (input["fromVersion"].as_str(), input["toVersion"].as_str())
                    {
                        path_pairs.insert((s.to_owned(), t.to_owned()));
                    }
                }
                _ => {}
            }
        }
        for from in VERSIONS {
            for to in VERSIONS {
                let pair = (from.to_owned(), to.to_owned());
                assert!(migrate_pairs.contains(&pair), "no migrate {from} -> {to}");
                assert!(path_pairs.contains(&pair), "no path {from} -> {to}");
            }
        }
    }

    #[test]
    fn every_operation_has_successes_and_failures() {
        for op in ["migrate", "path", "compare"] {
            let outputs: Vec<Value> = examples()
                .iter()
                .filter(|e| e.input["op"] == op)
                .map(expected_output)
                .collect();
            assert!(outputs.iter().any(|o| o.get("ok").is_some()), "{op}");
            assert!(outputs.iter().any(|o| o.get("error").is_some()), "{op}");
        }
    }
}
