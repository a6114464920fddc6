//! The `migrate` rules and the evaluator that applies them.

use std::sync::OnceLock;

use serde_json::{json, Map, Value};

use crate::contract::{Acceptable, Expectation, PathRule, Rule};

pub const VERSIONS_RULE: &str = "MIG-VERSIONS";
pub const SOURCE: &str = "MIG-SOURCE";
pub const UNKNOWN: &str = "MIG-UNKNOWN";
pub const SAME: &str = "MIG-SAME";
pub const DOWNGRADE: &str = "MIG-DOWNGRADE";
pub const NOT_OBJECT: &str = "MIG-NOT-OBJECT";
pub const STEP_2_0_0: &str = "MIG-STEP-2.0.0";
pub const STEP_2_1_0: &str = "MIG-STEP-2.1.0";
pub const STEP_2_1_1: &str = "MIG-STEP-2.1.1";
pub const CHAIN: &str = "MIG-CHAIN";
/// The step rules as one family: each adds its keys only where absent.
pub const STEP_FAMILY: &str = "MIG-STEP-*";
pub const PATH: &str = "MIG-PATH";
pub const ORDER: &str = "MIG-ORDER";
pub const PURE: &str = "MIG-PURE";
pub const IDEMPOTENT: &str = "MIG-IDEMPOTENT";

pub static RULES: &[Rule] = &[
    Rule { id: VERSIONS_RULE, summary: "The known versions are 2.0.0, 2.1.0, 2.1.1 and 2.2.0 (current, the default target)", text: "Known versions, oldest first: 2.0.0, 2.1.0, 2.1.1, 2.2.0 (current, the default target)." },
    Rule { id: SOURCE, summary: "The source version is fromVersion when non-empty, else schema_version; neither: error", text: "The source version is fromVersion when given and non-empty, else the document's schema_version. Neither present: MigrationError." },
    Rule { id: UNKNOWN, summary: "A source or target outside the known versions is a MigrationError, never a copy", text: "A source or target outside the known versions is a MigrationError, also when source equals target, and also when the version is not a string. Fail closed: no silent copy." },
    Rule { id: SAME, summary: "Migrating to the document's own known version returns an unchanged deep copy", text: "Source equals a known target: a deep copy of the document, unchanged." },
    Rule { id: DOWNGRADE, summary: "A target older than the source is a MigrationError", text: "Target older than source: MigrationError." },
    Rule { id: NOT_OBJECT, summary: "data that is not an object is a MigrationError, never a crash of another type", text: "data that is not a JSON object: MigrationError (typed, never a crash of another type)." },
    Rule { id: STEP_2_0_0, summary: "2.0.0 → 2.1.0 adds its four keys only where absent and sets schema_version 2.1.0", text: "2.0.0 -> 2.1.0 adds, only where the key is absent (an existing key keeps its value, even null): memory_type \"episodic\", type_metadata {}, correlations [], triggers []; sets schema_version \"2.1.0\"." },
    Rule { id: STEP_2_1_0, summary: "2.1.0 → 2.1.1 adds trace_id where absent, drops _heartbeat_contaminated", text: "2.1.0 -> 2.1.1 adds trace_id: null where absent, removes the key _heartbeat_contaminated if present; sets schema_version \"2.1.1\"." },
    Rule { id: STEP_2_1_1, summary: "2.1.1 → 2.2.0 adds its fifteen keys only where absent and sets schema_version 2.2.0", text: "2.1.1 -> 2.2.0 adds where absent: escalated false, original_confidence null, escalation_reason null, sla_compliant true, sla_breaches [], sla_adjustments [], ab_variant null, explanation \"\", supports_streaming false, pattern_version \"\", audit_id \"\", user_id null, conversation_id null, agent_id null, strategy \"hybrid\"; sets schema_version \"2.2.0\"." },
    Rule { id: CHAIN, summary: "A migration across versions equals applying its steps one by one, in order", text: "A migration across several versions applies the steps in order; the result equals applying them one by one." },
    Rule { id: PATH, summary: "path returns [], a registered direct step, or the chain of adjacent steps", text: "path returns [] for equal versions; a single step [from, to] for the pairs registered directly (2.0.0->2.1.0, 2.1.0->2.1.1, 2.1.1->2.2.0, 2.1.0->2.2.0, 2.0.0->2.2.0); otherwise the chain of adjacent steps; unknown versions and downgrades are MigrationError." },
    Rule { id: ORDER, summary: "compare orders versions as MIG-VERSIONS lists them", text: "compare follows MIG-VERSIONS." },
    Rule { id: PURE, summary: "The input document is never modified; other keys and values pass through untouched", text: "The input document is never modified; other keys, nested values, key order and Unicode pass through untouched." },
    Rule { id: IDEMPOTENT, summary: "Migrating a current document to the current version changes nothing", text: "Migrating a current document to the current version changes nothing." },
];

/// Known versions, oldest first (MIG-VERSIONS).
pub const VERSIONS: [&str; 4] = ["2.0.0", "2.1.0", "2.1.1", "2.2.0"];
pub const CURRENT: &str = "2.2.0";

/// Pairs `get_migration_path` answers with one direct step (MIG-PATH).
pub const DIRECT_PAIRS: [(&str, &str); 5] = [
    ("2.0.0", "2.1.0"),
    ("2.1.0", "2.1.1"),
    ("2.1.1", "2.2.0"),
    ("2.1.0", "2.2.0"),
    ("2.0.0", "2.2.0"),
];

/// One step of the chain: from `VERSIONS[i]` to `VERSIONS[i + 1]`.
pub struct Step {
    pub rule: &'static str,
    /// Keys added where absent, with their defaults (as JSON text).
    pub adds: &'static [(&'static str, &'static str)],
    pub removes: &'static [&'static str],
}

pub const STEPS: [Step; 3] = [
    Step {
        rule: STEP_2_0_0,
        adds: &[
            ("memory_type", "\"episodic\""),
            ("type_metadata", "{}"),
            ("correlations", "[]"),
            ("triggers", "[]"),
        ],
        removes: &[],
    },
    Step {
        rule: STEP_2_1_0,
        adds: &[("trace_id", "null")],
        removes: &["_heartbeat_contaminated"],
    },
    Step {
        rule: STEP_2_1_1,
        adds: &[
            ("escalated", "false"),
            ("original_confidence", "null"),
            ("escalation_reason", "null"),
            ("sla_compliant", "true"),
            ("sla_breaches", "[]"),
            ("sla_adjustments", "[]"),
            ("ab_variant", "null"),
            ("explanation", "\"\""),
            ("supports_streaming", "false"),
            ("pattern_version", "\"\""),
            ("audit_id", "\"\""),
            ("user_id", "null"),
            ("conversation_id", "null"),
            ("agent_id", "null"),
            ("strategy", "\"hybrid\""),
        ],
        removes: &[],
    },
];

/// Every key some step adds or removes (for generators that want to pre-fill them).
pub fn step_keys() -> impl Iterator<Item = &'static str> {
    STEPS.iter().flat_map(|s| {
        s.adds
            .iter()
            .map(|(k, _)| *k)
            .chain(s.removes.iter().copied())
    })
}

/// Index of a known version given as a JSON value (`None` for anything else).
pub fn version_index(v: &Value) -> Option<usize> {
    v.as_str()
        .and_then(|s| VERSIONS.iter().position(|known| *known == s))
}

/// A version argument as the caller gave it: null, absent and "" count as not given.
fn given(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null() && v.as_str() != Some(""))
}

/// What the evaluator needs of a step on every case, worked out once: the defaults it adds
/// (parsed), the pattern of each key it adds or removes, and its rule.
struct StepTable {
    defaults: Vec<(&'static str, Value)>,
    patterns: Vec<String>,
    rule: [&'static str; 1],
}

fn step_tables() -> &'static [StepTable] {
    static TABLES: OnceLock<Vec<StepTable>> = OnceLock::new();
    TABLES.get_or_init(|| {
        STEPS
            .iter()
            .map(|step| StepTable {
                defaults: step
                    .adds
                    .iter()
                    .map(|(key, default)| {
                        (*key, serde_json::from_str(default).unwrap_or(Value::Null))
                    })
                    .collect(),
                patterns: step
                    .adds
                    .iter()
                    .map(|(k, _)| *k)
                    .chain(step.removes.iter().copied())
                    .map(|key| format!("/ok/{}", escape(key)))
                    .collect(),
                rule: [step.rule],
            })
            .collect()
    })
}

/// Applies step `i` to `doc`.
fn apply_step(doc: &mut Map<String, Value>, i: usize) {
    for (key, default) in &step_tables()[i].defaults {
        if !doc.contains_key(*key) {
            doc.insert((*key).to_owned(), default.clone());
        }
    }
    for key in STEPS[i].removes {
        doc.remove(*key);
    }
    doc.insert("schema_version".into(), VERSIONS[i + 1].into());
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// `{"ok": doc, "inputUnchanged": true}`, built directly: `json!` would copy `doc` through
/// the serializer.
fn unchanged_ok(doc: Map<String, Value>) -> Value {
    let mut out = Map::new();
    out.insert("ok".into(), Value::Object(doc));
    out.insert("inputUnchanged".into(), Value::Bool(true));
    Value::Object(out)
}

fn error(with_input_flag: bool) -> Value {
    let mut out = json!({ "error": { "type": "MigrationError" } });
    if with_input_flag {
        out["inputUnchanged"] = Value::Bool(true);
    }
    out
}

fn only(output: Value, path_rules: Vec<PathRule>) -> Expectation {
    Expectation {
        acceptable: vec![Acceptable { output, path_rules }],
        virtual_duration_ms: 0,
    }
}

fn failure(with_input_flag: bool, decided: Vec<&'static str>) -> Expectation {
    only(
        error(with_input_flag),
        vec![
            PathRule::new("/inputUnchanged", &[PURE][..]),
            PathRule::new("", decided),
        ],
    )
}

/// Decides the expected output of one operation.
pub fn evaluate(input: &Value) -> Expectation {
    match input.get("op").and_then(Value::as_str) {
        Some("migrate") => evaluate_migrate(input),
        Some("path") => evaluate_path(
            input.get("fromVersion").unwrap_or(&Value::Null),
            input.get("toVersion").unwrap_or(&Value::Null),
        ),
        Some("compare") => evaluate_compare(
            input.get("a").unwrap_or(&Value::Null),
            input.get("b").unwrap_or(&Value::Null),
        ),
        _ => only(json!({ "error": { "type": "InvalidOperation" } }), vec![]),
    }
}

fn evaluate_migrate(input: &Value) -> Expectation {
    let Some(doc) = input.get("data").and_then(Value::as_object) else {
        return failure(true, vec![NOT_OBJECT]);
    };
    let Some(source) = given(input.get("fromVersion")).or_else(|| given(doc.get("schema_version")))
    else {
        return failure(true, vec![SOURCE]);
    };
    // Only null (or no argument) means the default target; "" is an unknown version.
    let target = input
        .get("toVersion")
        .filter(|v| !v.is_null())
        .cloned()
        .unwrap_or_else(|| Value::from(CURRENT));
    let (Some(from), Some(to)) = (version_index(source), version_index(&target)) else {
        return failure(true, vec![UNKNOWN]);
    };
    if from == to {
        let mut decided = vec![SAME];
        if VERSIONS[to] == CURRENT {
            decided.push(IDEMPOTENT);
        }
        return only(
            unchanged_ok(doc.clone()),
            vec![
                PathRule::new("/inputUnchanged", &[PURE][..]),
                PathRule::new("/ok/*", [decided.clone(), vec![PURE]].concat()),
                PathRule::new("", decided),
            ],
        );
    }
    if to < from {
        return failure(true, vec![DOWNGRADE]);
    }
    let mut migrated = doc.clone();
    let mut path_rules = vec![
        PathRule::new("/inputUnchanged", &[PURE][..]),
        PathRule::new("/ok/schema_version", vec![CHAIN, STEPS[to - 1].rule]),
    ];
    let mut decided = vec![CHAIN];
    for (i, step) in step_tables().iter().enumerate().take(to).skip(from) {
        apply_step(&mut migrated, i);
        decided.extend(step.rule);
        let rule = &step.rule[..];
        path_rules.extend(
            step.patterns
                .iter()
                .map(|p| PathRule::new(p.as_str(), rule)),
        );
    }
    // Keys no step touches pass through untouched.
    path_rules.push(PathRule::new("/ok/*", &[PURE][..]));
    path_rules.push(PathRule::new("", decided));
    only(unchanged_ok(migrated), path_rules)
}

fn evaluate_path(from: &Value, to: &Value) -> Expectation {
    let (Some(f), Some(t)) = (version_index(from), version_index(to)) else {
        return failure(false, vec![UNKNOWN, PATH]);
    };
    let steps: Vec<Value> = if f == t {
        vec![]
    } else if DIRECT_PAIRS.contains(&(VERSIONS[f], VERSIONS[t])) {
        vec![json!([VERSIONS[f], VERSIONS[t]])]
    } else if t < f {
        return failure(false, vec![DOWNGRADE, PATH]);
    } else {
        (f..t)
            .map(|i| json!([VERSIONS[i], VERSIONS[i + 1]]))
            .collect()
    };
    only(json!({ "ok": steps }), vec![PathRule::new("", &[PATH][..])])
}

fn evaluate_compare(a: &Value, b: &Value) -> Expectation {
    let (Some(a), Some(b)) = (version_index(a), version_index(b)) else {
        return failure(false, vec![UNKNOWN, ORDER]);
    };
    only(
        json!({ "ok": { "lt": a < b, "le": a <= b } }),
        vec![PathRule::new("", &[ORDER, VERSIONS_RULE][..])],
    )
}
