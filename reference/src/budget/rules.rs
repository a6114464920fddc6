//! The `budget` rules and the evaluator that applies them, in the contract's order, in
//! virtual time.

use serde_json::{json, Map, Value};

use super::types::{resource_class_rank, BudgetInput, BudgetSpec, FallbackSpec, Script, Tags};
use crate::contract::{Acceptable, Expectation, PathRule, Rule};

pub const FALLBACK_RANK: &str = "BUDGET-FALLBACK-RANK";
pub const UNKNOWN_CLASS: &str = "BUDGET-UNKNOWN-CLASS";
pub const SCHEMA: &str = "BUDGET-SCHEMA";
pub const OK: &str = "BUDGET-OK";
pub const PRIMARY_ERROR: &str = "BUDGET-PRIMARY-ERROR";
pub const DEADLINE: &str = "BUDGET-DEADLINE";
pub const EXCEEDED: &str = "BUDGET-EXCEEDED";
pub const FALLBACK: &str = "BUDGET-FALLBACK";
pub const FALLBACK_FAILED: &str = "BUDGET-FALLBACK-FAILED";
pub const ONE_EVENT: &str = "BUDGET-ONE-EVENT";
pub const TAGS: &str = "BUDGET-TAGS";
pub const TIMING: &str = "BUDGET-TIMING";
pub const RACE: &str = "BUDGET-RACE";

pub static RULES: &[Rule] = &[
    Rule { id: FALLBACK_RANK, summary: "A fallback ranked above the primary is a config_error at once: nothing runs, no event", text: "With a fallback whose class ranks strictly above the primary's, the call fails at once with AegisConfigError (outcome config_error); no function runs, no event is emitted. Equal classes are allowed." },
    Rule { id: UNKNOWN_CLASS, summary: "A resource class outside the five is a config_error (AegisConfigError), fail-closed", text: "A resource class outside the five is a configuration error too (config_error, AegisConfigError), fail-closed, with or without a fallback. (The upstream implementations are known not to agree here: finding that is the point.)" },
    Rule { id: SCHEMA, summary: "An input that breaks the input schema is a config_error (AegisConfigError)", text: "An input that breaks the input schema (missing tags.op, a timeoutMs that is not a positive integer, a non-string tag value, …) is a configuration error: config_error, AegisConfigError. (The contract's hostile-input clause; it has no number of its own in the contract.)" },
    Rule { id: OK, summary: "A primary that returns before the deadline: outcome ok, its value unchanged, one event", text: "The primary settles with a value before the deadline: outcome ok, the value is returned unchanged, one event ok." },
    Rule { id: PRIMARY_ERROR, summary: "A primary that throws before the deadline: its error propagates unwrapped, no fallback", text: "The primary throws before the deadline (including sync_throw, and including errors it names AbortError/TimeoutError itself before the deadline): the original error propagates unwrapped, errorName is its name, the fallback is never called, one event primary_error." },
    Rule { id: DEADLINE, summary: "At the deadline the primary is aborted and the call settles; a late value is discarded", text: "When timeoutMs passes first, the primary's signal is aborted. The wrapper settles by the deadline even when the function ignores the signal (ignore_abort_resolve with delayMs > timeoutMs is not an ok): a late value is discarded." },
    Rule { id: EXCEEDED, summary: "Deadline passed without a fallback: BudgetExceededError and one budget_exceeded event", text: "Deadline passed, no fallback: BudgetExceededError, one event budget_exceeded." },
    Rule { id: FALLBACK, summary: "Deadline passed with a fallback: it runs with a fresh signal and its own deadline", text: "Deadline passed, fallback declared: the fallback runs with a fresh signal and its own deadline of the same timeoutMs, counted from its start. It returns in time: outcome fallback with its value, one event fallback carrying fallbackResourceClass." },
    Rule { id: FALLBACK_FAILED, summary: "A fallback that throws or times out: FallbackFailedError, one fallback_failed event", text: "The fallback throws or misses its own deadline: FallbackFailedError, originalErrorName AbortError, fallbackErrorName = the fallback's error name (AbortError when it timed out), one event fallback_failed." },
    Rule { id: ONE_EVENT, summary: "Exactly one observer event per completed call, echoing the input's timeout, tags, classes", text: "Exactly one observer event per completed call (none for config_error), its timeoutMs, tags and classes equal to the input's." },
    Rule { id: TAGS, summary: "The input tags are active inside primary and fallback; the previous tags return after", text: "Inside the primary and the fallback, the active tags equal the input tags; after the call completes, the tags that were active before it are active again." },
    Rule { id: TIMING, summary: "Elapsed time stays within timeoutMs (x2 with a fallback) plus the slack", text: "Measured elapsed time <= timeoutMs (x2 when a fallback ran) + a slack (default 200 ms, configurable)." },
    Rule { id: RACE, summary: "A scripted delay within the race band of a deadline may land on either side", text: "When a scripted delay lies within a guard band (default +-15 ms) of a deadline, both sides of the race are acceptable; the reference returns the set of acceptable outputs. Generators keep random cases outside the band by default; vectors and corpus cases may sit in it." },
];

/// Why an input is a configuration error: the rules it breaks and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub rules: Vec<&'static str>,
    pub problems: Vec<String>,
}

/// Checks `input` against the input schema and the wrap-time rules.
pub fn validate(input: &Value) -> Result<BudgetInput, ConfigError> {
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    let mut schema = |msg: String| problems.push((SCHEMA, msg));

    let Some(obj) = input.as_object() else {
        schema("the input is not an object".into());
        return Err(collect(problems));
    };
    for key in obj.keys() {
        if ![
            "budget",
            "tags",
            "primaryResourceClass",
            "primary",
            "fallback",
        ]
        .contains(&key.as_str())
        {
            schema(format!("unknown field `{key}`"));
        }
    }
    let budget = parse_budget(obj.get("budget"), &mut schema);
    let tags = parse_tags(obj.get("tags"), &mut schema);
    let primary = parse_script(obj.get("primary"), "primary", &mut schema);
    let primary_class = match obj.get("primaryResourceClass") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => {
            schema("primaryResourceClass must be a string".into());
            None
        }
    };
    let fallback = match obj.get("fallback") {
        None => Ok(None),
        Some(Value::Object(f)) => {
            let class = match f.get("resourceClass") {
                Some(Value::String(s)) => Some(s.clone()),
                _ => {
                    schema("fallback.resourceClass must be a string".into());
                    None
                }
            };
            for key in f
                .keys()
                .filter(|k| !["resourceClass", "fn"].contains(&k.as_str()))
            {
                schema(format!("unknown field `fallback.{key}`"));
            }
            let script = parse_script(f.get("fn"), "fallback.fn", &mut schema);
            match (class, script) {
                (Some(resource_class), Some(script)) => Ok(Some(FallbackSpec {
                    resource_class,
                    script,
                })),
                _ => Err(()),
            }
        }
        Some(_) => {
            schema("fallback must be an object".into());
            Err(())
        }
    };

    let fallback_class = fallback
        .as_ref()
        .ok()
        .and_then(|f| f.as_ref())
        .map(|f| f.resource_class.as_str());
    let primary_rank = primary_class.as_deref().map(resource_class_rank);
    let fallback_rank = fallback_class.map(resource_class_rank);
    if let (Some(Some(p)), Some(Some(f))) = (primary_rank, fallback_rank) {
        if f > p {
            problems.push((
                FALLBACK_RANK,
                format!(
                    "fallback class `{}` ranks above primary class `{}`",
                    fallback_class.unwrap_or_default(),
                    primary_class.as_deref().unwrap_or_default()
                ),
            ));
        }
    }
    for (what, class, rank) in [
        (
            "primaryResourceClass",
            primary_class.as_deref(),
            primary_rank,
        ),
        ("fallback.resourceClass", fallback_class, fallback_rank),
    ] {
        if let (Some(class), Some(None)) = (class, rank) {
            problems.push((
                UNKNOWN_CLASS,
                format!("{what} `{class}` is not one of the five resource classes"),
            ));
        }
    }

    match (budget, tags, primary, primary_class, fallback) {
        (Some(budget), Some(tags), Some(primary), Some(primary_resource_class), Ok(fallback))
            if problems.is_empty() =>
        {
            Ok(BudgetInput {
                budget,
                tags,
                primary_resource_class,
                primary,
                fallback,
            })
        }
        _ => Err(collect(problems)),
    }
}

fn collect(mut problems: Vec<(&'static str, String)>) -> ConfigError {
    // Cite rules in the contract's order.
    let order = |id: &str| RULES.iter().position(|r| r.id == id).unwrap_or(usize::MAX);
    problems.sort_by_key(|(id, _)| order(id));
    let mut rules: Vec<&'static str> = problems.iter().map(|(id, _)| *id).collect();
    rules.dedup();
    ConfigError {
        rules,
        problems: problems.into_iter().map(|(_, m)| m).collect(),
    }
}

/// A whole number ≥ 1 (`5.0` counts: JSON does not tell it from `5`).
fn positive_integer(v: &Value) -> Option<u64> {
    if let Some(u) = v.as_u64() {
        return (u >= 1).then_some(u);
    }
    let f = v.as_f64()?;
    (f >= 1.0 && f.fract() == 0.0 && f <= u64::MAX as f64).then_some(f as u64)
}

fn parse_budget(v: Option<&Value>, schema: &mut impl FnMut(String)) -> Option<BudgetSpec> {
    let Some(Value::Object(b)) = v else {
        schema("budget must be an object".into());
        return None;
    };
    for key in b.keys().filter(|k| {
        !["timeoutMs", "signalRespecting", "pgStatementTimeoutMs"].contains(&k.as_str())
    }) {
        schema(format!("unknown field `budget.{key}`"));
    }
    let timeout_ms = b.get("timeoutMs").and_then(positive_integer);
    if timeout_ms.is_none() {
        schema("budget.timeoutMs must be a positive integer".into());
    }
    let signal_respecting = b.get("signalRespecting").and_then(Value::as_bool);
    if signal_respecting.is_none() {
        schema("budget.signalRespecting must be a boolean".into());
    }
    let pg_statement_timeout_ms = match b.get("pgStatementTimeoutMs") {
        None => Some(None),
        Some(v) => positive_integer(v).map(Some),
    };
    if pg_statement_timeout_ms.is_none() {
        schema("budget.pgStatementTimeoutMs must be a positive integer when present".into());
    }
    Some(BudgetSpec {
        timeout_ms: timeout_ms?,
        signal_respecting: signal_respecting?,
        pg_statement_timeout_ms: pg_statement_timeout_ms?,
    })
}

fn parse_tags(v: Option<&Value>, schema: &mut impl FnMut(String)) -> Option<Tags> {
    let Some(Value::Object(t)) = v else {
        schema("tags must be an object".into());
        return None;
    };
    for key in t
        .keys()
        .filter(|k| !["component", "op", "tenantId", "correlationId"].contains(&k.as_str()))
    {
        schema(format!("unknown field `tags.{key}`"));
    }
    let mut required = |key: &str| match t.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            schema(format!("tags.{key} must be a string"));
            None
        }
        None => {
            schema(format!("tags.{key} is missing"));
            None
        }
    };
    let component = required("component");
    let op = required("op");
    let mut optional = |key: &str| match t.get(key) {
        None => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => {
            schema(format!("tags.{key} must be a string when present"));
            None
        }
    };
    let tenant_id = optional("tenantId");
    let correlation_id = optional("correlationId");
    Some(Tags {
        component: component?,
        op: op?,
        tenant_id: tenant_id?,
        correlation_id: correlation_id?,
    })
}

fn parse_script(v: Option<&Value>, what: &str, schema: &mut impl FnMut(String)) -> Option<Script> {
    match v.map(|v| serde_json::from_value::<Script>(v.clone())) {
        Some(Ok(script)) => Some(script),
        Some(Err(e)) => {
            schema(format!("{what} is not a valid script: {e}"));
            None
        }
        None => {
            schema(format!("{what} is missing"));
            None
        }
    }
}

/// How one scripted function ends relative to its own deadline.
#[derive(Debug, Clone, PartialEq)]
enum Settle {
    Value(Value),
    Error(String),
    Deadline,
}

/// One way a stage can end, and the virtual time it takes.
#[derive(Debug, Clone, PartialEq)]
struct Branch {
    settle: Settle,
    at_ms: u64,
}

/// The ways `script` can end against a deadline `deadline_ms` after it starts: one, or
/// two when its delay lies within `band_ms` of the deadline (BUDGET-RACE).
fn race(script: &Script, deadline_ms: u64, band_ms: u64) -> Vec<Branch> {
    let deadline = Branch {
        settle: Settle::Deadline,
        at_ms: deadline_ms,
    };
    let (settle, delay) = match script {
        // Settled before any timer can fire, whatever the deadline: no race, no time.
        Script::SyncThrow { error_name, .. } | Script::RejectNow { error_name, .. } => {
            return vec![Branch {
                settle: Settle::Error(error_name.clone()),
                at_ms: 0,
            }]
        }
        Script::ResolveNow { value } => {
            return vec![Branch {
                settle: Settle::Value(value.clone()),
                at_ms: 0,
            }]
        }
        Script::HangUntilAbort => return vec![deadline],
        Script::Resolve { value, delay_ms } | Script::IgnoreAbortResolve { value, delay_ms } => {
            (Settle::Value(value.clone()), *delay_ms)
        }
        Script::Reject {
            error_name,
            delay_ms,
            ..
        } => (Settle::Error(error_name.clone()), *delay_ms),
    };
    let settled = Branch {
        settle,
        at_ms: delay,
    };
    if delay.abs_diff(deadline_ms) <= band_ms {
        vec![settled, deadline]
    } else if delay < deadline_ms {
        vec![settled]
    } else {
        vec![deadline]
    }
}

/// A completed call as the contract describes it.
#[derive(Debug, Clone, Default)]
struct Completed {
    outcome: &'static str,
    value: Value,
    error_name: Option<String>,
    original_error_name: Option<String>,
    fallback_error_name: Option<String>,
    fallback_ran: bool,
    decided_by: Vec<&'static str>,
    duration_ms: u64,
}

/// Every way the call can complete: one per combination of race branches.
fn completions(input: &BudgetInput, band_ms: u64) -> Vec<Completed> {
    let timeout = input.budget.timeout_ms;
    let primary = race(&input.primary, timeout, band_ms);
    let primary_raced = primary.len() > 1;
    let mut out = Vec::new();
    for p in primary {
        let mut decided_by = match (&p.settle, &input.fallback) {
            (Settle::Value(_), _) => vec![OK],
            (Settle::Error(_), _) => vec![PRIMARY_ERROR],
            (Settle::Deadline, None) => vec![DEADLINE, EXCEEDED],
            (Settle::Deadline, Some(_)) => vec![DEADLINE],
        };
        if primary_raced {
            decided_by.push(RACE);
        }
        let base = Completed {
            decided_by,
            duration_ms: p.at_ms,
            ..Completed::default()
        };
        match (p.settle, &input.fallback) {
            (Settle::Value(value), _) => out.push(Completed {
                outcome: "ok",
                value,
                ..base
            }),
            (Settle::Error(name), _) => out.push(Completed {
                outcome: "primary_error",
                error_name: Some(name),
                ..base
            }),
            (Settle::Deadline, None) => out.push(Completed {
                outcome: "budget_exceeded",
                error_name: Some("BudgetExceededError".into()),
                ..base
            }),
            (Settle::Deadline, Some(fallback)) => {
                let branches = race(&fallback.script, timeout, band_ms);
                let fallback_raced = branches.len() > 1;
                for f in branches {
                    let mut c = Completed {
                        fallback_ran: true,
                        duration_ms: p.at_ms + f.at_ms,
                        ..base.clone()
                    };
                    let fallback_error = match f.settle {
                        Settle::Value(value) => {
                            c.outcome = "fallback";
                            c.value = value;
                            c.decided_by.insert(1, FALLBACK);
                            None
                        }
                        Settle::Error(name) => Some(name),
                        Settle::Deadline => Some("AbortError".to_owned()),
                    };
                    if let Some(name) = fallback_error {
                        c.outcome = "fallback_failed";
                        c.error_name = Some("FallbackFailedError".into());
                        c.original_error_name = Some("AbortError".into());
                        c.fallback_error_name = Some(name);
                        c.decided_by.insert(1, FALLBACK_FAILED);
                    }
                    if fallback_raced && !c.decided_by.contains(&RACE) {
                        c.decided_by.push(RACE);
                    }
                    out.push(c);
                }
            }
        }
    }
    out
}

fn tags_json(tags: &Tags) -> Value {
    serde_json::to_value(tags).unwrap_or(Value::Null)
}

/// The canonical output of a call that completed as `c`.
fn completed_output(input: &BudgetInput, c: &Completed) -> Value {
    let tags = tags_json(&input.tags);
    let fallback_class = match (&input.fallback, c.fallback_ran) {
        (Some(f), true) => Value::String(f.resource_class.clone()),
        _ => Value::Null,
    };
    let mut event = Map::new();
    event.insert("outcome".into(), c.outcome.into());
    event.insert("tags".into(), tags.clone());
    event.insert(
        "primaryResourceClass".into(),
        input.primary_resource_class.clone().into(),
    );
    event.insert("fallbackResourceClass".into(), fallback_class);
    event.insert("timeoutMs".into(), input.budget.timeout_ms.into());
    json!({
        "outcome": c.outcome,
        "value": c.value,
        "errorName": c.error_name,
        "originalErrorName": c.original_error_name,
        "fallbackErrorName": c.fallback_error_name,
        "events": [Value::Object(event)],
        "tagsSeen": { "primary": tags, "fallback": if c.fallback_ran { tags_json(&input.tags) } else { Value::Null } },
        "tagsAfter": null,
    })
}

/// The canonical output of a call refused at wrap time.
pub fn config_error_output() -> Value {
    json!({
        "outcome": "config_error",
        "value": null,
        "errorName": "AegisConfigError",
        "originalErrorName": null,
        "fallbackErrorName": null,
        "events": [],
        "tagsSeen": { "primary": null, "fallback": null },
        "tagsAfter": null,
    })
}

/// Decides the acceptable outputs of one case.
pub fn evaluate(input: &Value, band_ms: u64) -> Expectation {
    let valid = match validate(input) {
        Ok(valid) => valid,
        Err(e) => {
            let decided = e.rules;
            return Expectation {
                acceptable: vec![Acceptable {
                    output: config_error_output(),
                    // No function runs and no event is emitted: those parts are decided by
                    // the same rules as the outcome.
                    path_rules: vec![
                        PathRule::new("/events", [decided.clone(), vec![ONE_EVENT]].concat()),
                        PathRule::new("/tagsSeen", [decided.clone(), vec![TAGS]].concat()),
                        PathRule::new("/tagsAfter", vec![TAGS]),
                        PathRule::new("", decided),
                    ],
                }],
                virtual_duration_ms: 0,
            };
        }
    };
    let mut acceptable: Vec<Acceptable> = Vec::new();
    let mut duration = 0;
    for c in completions(&valid, band_ms) {
        duration = duration.max(c.duration_ms);
        let output = completed_output(&valid, &c);
        if acceptable.iter().any(|a| a.output == output) {
            continue;
        }
        acceptable.push(Acceptable {
            output,
            // Whether the fallback ran is the decision's; what the event and the fallback
            // saw once it ran is ONE-EVENT's and TAGS'.
            path_rules: vec![
                PathRule::new("/events/*/outcome", c.decided_by.clone()),
                PathRule::new(
                    "/events/*/fallbackResourceClass",
                    [c.decided_by.clone(), vec![ONE_EVENT]].concat(),
                ),
                PathRule::new("/events", vec![ONE_EVENT]),
                PathRule::new(
                    "/tagsSeen/fallback",
                    [c.decided_by.clone(), vec![TAGS]].concat(),
                ),
                PathRule::new("/tagsSeen", vec![TAGS]),
                PathRule::new("/tagsAfter", vec![TAGS]),
                PathRule::new("", c.decided_by),
            ],
        });
    }
    Expectation {
        acceptable,
        virtual_duration_ms: duration,
    }
}
