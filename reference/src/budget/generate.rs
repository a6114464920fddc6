//! Case generation for `budget`.
//!
//! Cases are drawn as *plans* (which kind, which side of the deadline, where in that side)
//! and then realized against the drawn `timeoutMs`, so every case respects two limits by
//! construction: no scripted delay lies near a deadline (the race band, widened for
//! safety), and no case needs more than `max_case_ms` of real time. Shrinking a plan moves
//! towards early settling, small values and fewer optional fields.
//!
//! The whole `timeoutMs` range, 1 to 2^53−1, is drawn, with its boundaries weighted: 1, 2
//! and 3; 2^31−2, 2^31−1, 2^31 and 2^31+1 (the signed 32-bit limit: Node's `setTimeout`
//! fires at once past 2^31−1); 2^32−1, 2^32 and 2^32+1; 86,399,999, 86,400,000 and
//! 86,400,001 (a day, the longest budget upstream's vectors use); 2^53−2 and 2^53−1 (the
//! largest integer a double holds exactly). A deadline longer than a stage may take
//! (`max_case_ms / 2`) is only ever paired with functions that settle before it:
//! `resolve_now`, `reject_now`, `sync_throw`, or a delay inside the stage's time, so no case
//! needs more real time than `max_case_ms`. Optional fields (`tenantId`, `correlationId`,
//! `pgStatementTimeoutMs`, `fallback`) are present and absent; tag strings are empty,
//! long, non-ASCII and quoted.
//!
//! The hostile profile breaks about half the cases, once or twice each: `tags.op` or
//! `tags.component` missing; `timeoutMs` zero, negative, fractional (0.5, 1.5, 12.5,
//! 2^31−0.5, 2^52−0.5) or a string, with every kind of function, `resolve_now` included;
//! non-string tag values; `signalRespecting` not a boolean; a class that is not a string;
//! unknown keys in `tags`, `budget`, `fallback` and the top level; `null` for every
//! optional field (`tenantId`, `correlationId`, `pgStatementTimeoutMs`, `fallback`). The
//! reference answers `config_error` for each (BUDGET-SCHEMA).

use proptest::prelude::*;
use serde_json::Value;

use super::types::{BudgetInput, BudgetSpec, FallbackSpec, Script, Tags, RESOURCE_CLASSES};
use crate::contract::{json, GenSettings, Profile};
use crate::one_of;
use crate::strategy::{option_of, option_weighted, select, vec_of, Gen, Zip};

/// The longest budget upstream's vectors use (one day).
pub const DAY_MS: u64 = 86_400_000;

/// The longest budget the contract allows: the largest integer a double holds exactly.
pub const MAX_TIMEOUT_MS: u64 = (1 << 53) - 1;

/// The boundaries of the `timeoutMs` range, each with its neighbours inside the range.
pub const TIMEOUT_BOUNDARIES: [u64; 15] = [
    1,
    2,
    3,
    (1 << 31) - 2,
    (1 << 31) - 1,
    1 << 31,
    (1 << 31) + 1,
    (1 << 32) - 1,
    1 << 32,
    (1 << 32) + 1,
    DAY_MS - 1,
    DAY_MS,
    DAY_MS + 1,
    MAX_TIMEOUT_MS - 1,
    MAX_TIMEOUT_MS,
];

/// Generated delays keep at least this far from a deadline: four times the race band.
/// A loaded machine fires timers late, and Node orders two timers of different durations
/// that are both overdue by their lists, not their due times: when a burst of cases keeps
/// its event loop busy for tens of milliseconds, a wider gap keeps the expected side.
fn generation_margin_ms(settings: &GenSettings) -> u64 {
    (settings.race_band_ms * 4).max(20)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Resolve,
    Reject,
    HangUntilAbort,
    IgnoreAbortResolve,
    SyncThrow,
    ResolveNow,
    RejectNow,
}

/// A script before its delay is placed against a deadline.
#[derive(Debug, Clone)]
struct ScriptPlan {
    kind: Kind,
    late: bool,
    /// Where inside the chosen side the delay falls, in thousandths.
    position: u32,
    value: Value,
    error_name: String,
    error_message: String,
}

/// How the fallback's class relates to the primary's.
#[derive(Debug, Clone)]
enum FallbackClass {
    /// A known class no more expensive than the primary's (the usual, valid case).
    NotHigher(u32),
    /// Any known class, which may outrank the primary.
    Any(usize),
    Unknown(String),
}

fn kind() -> Gen<Kind> {
    one_of![
        4 => Just(Kind::Resolve),
        2 => Just(Kind::Reject),
        2 => Just(Kind::HangUntilAbort),
        2 => Just(Kind::IgnoreAbortResolve),
        1 => Just(Kind::SyncThrow),
        1 => Just(Kind::ResolveNow),
        1 => Just(Kind::RejectNow),
    ]
}

fn error_name() -> Gen<String> {
    one_of![
        3 => select(vec![
            "Error", "TypeError", "AbortError", "TimeoutError", "RateLimitError",
            "ValueError", "ConnectionError", "RuntimeError",
        ])
        .prop_map(str::to_owned),
        1 => json::regex("[A-Z][a-zA-Z]{0,12}Error"),
    ]
}

fn script_plan() -> Gen<ScriptPlan> {
    (
        kind(),
        any::<bool>(),
        0u32..=1000,
        json::value(),
        error_name(),
        json::string(),
    )
        .zip()
        .prop_map(
            |(kind, late, position, value, error_name, error_message)| ScriptPlan {
                kind,
                late,
                position,
                value,
                error_name,
                error_message,
            },
        )
}

fn unknown_class() -> Gen<String> {
    select(vec!["gpu", "LLM", "disk", "", "io ", "network", "mem"]).prop_map(str::to_owned)
}

fn class_name() -> Gen<String> {
    one_of![
        6 => select(RESOURCE_CLASSES.to_vec()).prop_map(str::to_owned),
        1 => unknown_class(),
    ]
}

fn fallback_class() -> Gen<FallbackClass> {
    one_of![
        7 => Gen::leaf(0u32..=1000).prop_map(FallbackClass::NotHigher),
        2 => Gen::leaf(0..RESOURCE_CLASSES.len()).prop_map(FallbackClass::Any),
        1 => unknown_class().prop_map(FallbackClass::Unknown),
    ]
}

fn timeout_ms(stage_cap: u64) -> Gen<u64> {
    one_of![
        3 => 1u64..=40,
        5 => 41u64..=stage_cap.max(41),
        2 => (stage_cap + 1)..=DAY_MS,
        1 => (DAY_MS + 1)..=MAX_TIMEOUT_MS,
        3 => select(TIMEOUT_BOUNDARIES.to_vec()),
    ]
}

/// A tag value: the shared strings (empty, quoted, escaped, non-ASCII), and long ones.
fn tag_string() -> Gen<String> {
    one_of![
        6 => json::string(),
        1 => json::regex("[a-z0-9 \"'é日🎉\\\\-]{200,600}"),
    ]
}

fn tags() -> Gen<Tags> {
    (
        tag_string(),
        tag_string(),
        option_of(tag_string()),
        option_of(tag_string()),
    )
        .zip()
        .prop_map(|(component, op, tenant_id, correlation_id)| Tags {
            component,
            op,
            tenant_id,
            correlation_id,
        })
}

/// Places a plan's delay against `deadline` so that it settles clearly before or after it.
fn realize(plan: ScriptPlan, deadline: u64, margin: u64, stage_cap: u64) -> Script {
    // Before the deadline: [0, deadline - margin), and no later than the stage may take.
    let early = (deadline > margin).then(|| (0, (deadline - margin - 1).min(stage_cap)));
    // After it: only when reaching the deadline fits the stage; a short tail past it.
    let late =
        (deadline <= stage_cap).then(|| (deadline + margin + 1, deadline + margin + 1 + 200));
    let place = |(lo, hi): (u64, u64)| lo + (hi - lo) * u64::from(plan.position) / 1000;
    let kind = match plan.kind {
        Kind::HangUntilAbort if late.is_none() => Kind::Resolve,
        k => k,
    };
    let delay_ms = match (plan.late, early, late) {
        (true, _, Some(window)) | (false, None, Some(window)) => place(window),
        (_, Some(window), _) => place(window),
        // Unreachable for deadlines >= 1: one of the two windows always exists.
        (_, None, None) => 0,
    };
    match kind {
        Kind::Resolve => Script::Resolve {
            value: plan.value,
            delay_ms,
        },
        Kind::Reject => Script::Reject {
            error_name: plan.error_name,
            error_message: plan.error_message,
            delay_ms,
        },
        Kind::HangUntilAbort => Script::HangUntilAbort,
        Kind::IgnoreAbortResolve => Script::IgnoreAbortResolve {
            value: plan.value,
            delay_ms,
        },
        Kind::SyncThrow => Script::SyncThrow {
            error_name: plan.error_name,
            error_message: plan.error_message,
        },
        Kind::ResolveNow => Script::ResolveNow { value: plan.value },
        Kind::RejectNow => Script::RejectNow {
            error_name: plan.error_name,
            error_message: plan.error_message,
        },
    }
}

/// Inputs inside the schema.
pub fn valid_input(settings: &GenSettings) -> Gen<BudgetInput> {
    let margin = generation_margin_ms(settings);
    // Each stage (primary, then fallback) may take at most half the case's real time.
    let stage_cap = settings.max_case_ms / 2;
    (
        timeout_ms(stage_cap),
        any::<bool>(),
        option_weighted(0.1, 1u64..=60_000),
        tags(),
        class_name(),
        script_plan(),
        option_weighted(0.6, (fallback_class(), script_plan()).zip()),
    )
        .zip()
        .prop_map(
            move |(timeout_ms, signal_respecting, pg, tags, primary_class, primary, fallback)| {
                let primary_rank = super::types::resource_class_rank(&primary_class);
                let fallback = fallback.map(|(class, plan)| FallbackSpec {
                    resource_class: match class {
                        FallbackClass::NotHigher(position) => {
                            let top = primary_rank.unwrap_or(RESOURCE_CLASSES.len() - 1);
                            RESOURCE_CLASSES[top * position as usize / 1000].to_owned()
                        }
                        FallbackClass::Any(i) => RESOURCE_CLASSES[i].to_owned(),
                        FallbackClass::Unknown(name) => name,
                    },
                    script: realize(plan, timeout_ms, margin, stage_cap),
                });
                BudgetInput {
                    budget: BudgetSpec {
                        timeout_ms,
                        signal_respecting,
                        pg_statement_timeout_ms: pg,
                    },
                    tags,
                    primary_resource_class: primary_class,
                    primary: realize(primary, timeout_ms, margin, stage_cap),
                    fallback,
                }
            },
        )
}

/// One way to break the input schema.
#[derive(Debug, Clone)]
enum Breakage {
    RemoveTag(&'static str),
    TimeoutMs(Value),
    TagValue(&'static str, Value),
    SignalRespecting(Value),
    PrimaryClass(Value),
    /// A key the schema does not know, in the object named (the top level when empty; the
    /// top level too when `fallback` is named but the case has none).
    UnknownKey(&'static str, &'static str, Value),
    /// `null` for an optional field, at its JSON Pointer.
    Null(&'static str),
}

/// Keys no part of the input has, as users misspell or invent them. None of them turns into
/// a known field's snake_case name, so a binding can pass every one to the implementation.
const UNKNOWN_KEYS: [&str; 8] = [
    "extra",
    "retries",
    "maxRetries",
    "priority",
    "timeout",
    "ünïcode",
    "with space",
    "",
];

fn breakage() -> Gen<Breakage> {
    let non_string = one_of![
        Just(Value::from(5)),
        Just(Value::Bool(true)),
        Just(Value::Array(vec![])),
        Just(serde_json::json!({"nested": "x"})),
    ];
    one_of![
        select(vec!["op", "component"]).prop_map(Breakage::RemoveTag),
        select(vec![
            Value::from(0),
            Value::from(-5),
            Value::from(12.5),
            Value::from(-0.5),
            Value::from(0.5),
            Value::from(1.5),
            Value::from(2_147_483_647.5),
            Value::from(4_503_599_627_370_495.5),
            Value::from("100")
        ])
        .prop_map(Breakage::TimeoutMs),
        (
            select(vec!["component", "op", "tenantId", "correlationId"]),
            non_string.clone()
        )
            .zip()
            .prop_map(|(k, v)| Breakage::TagValue(k, v)),
        select(vec![Value::from("yes"), Value::from(1)]).prop_map(Breakage::SignalRespecting),
        non_string.prop_map(Breakage::PrimaryClass),
        (
            select(vec!["", "budget", "tags", "fallback"]),
            select(UNKNOWN_KEYS.to_vec()),
            select(vec![
                Value::Null,
                Value::from("x"),
                Value::from(1),
                Value::Bool(true),
                serde_json::json!({}),
            ]),
        )
            .zip()
            .prop_map(|(at, key, value)| Breakage::UnknownKey(at, key, value)),
        select(vec![
            "/tags/tenantId",
            "/tags/correlationId",
            "/budget/pgStatementTimeoutMs",
            "/fallback",
        ])
        .prop_map(Breakage::Null),
    ]
}

fn apply(mut input: Value, breakage: &Breakage) -> Value {
    match breakage {
        Breakage::RemoveTag(key) => {
            input["tags"].as_object_mut().map(|t| t.remove(*key));
        }
        Breakage::TimeoutMs(v) => input["budget"]["timeoutMs"] = v.clone(),
        Breakage::TagValue(key, v) => input["tags"][*key] = v.clone(),
        Breakage::SignalRespecting(v) => input["budget"]["signalRespecting"] = v.clone(),
        Breakage::PrimaryClass(v) => input["primaryResourceClass"] = v.clone(),
        Breakage::UnknownKey(at, key, v) => {
            let target = match input.get_mut(*at).filter(|t| t.is_object()) {
                Some(target) => target,
                None => &mut input,
            };
            if let Some(target) = target.as_object_mut() {
                target.insert((*key).to_owned(), v.clone());
            }
        }
        Breakage::Null(pointer) => {
            let (parent, key) = pointer.rsplit_once('/').unwrap_or_default();
            let parent = if parent.is_empty() {
                Some(&mut input)
            } else {
                input.pointer_mut(parent)
            };
            if let Some(object) = parent.and_then(Value::as_object_mut) {
                object.insert(key.to_owned(), Value::Null);
            }
        }
    }
    input
}

/// The generator of case inputs as canonical JSON.
pub fn generator(settings: &GenSettings) -> Gen<Value> {
    let valid =
        valid_input(settings).prop_map(|input| serde_json::to_value(input).unwrap_or(Value::Null));
    match settings.profile {
        Profile::Normal => valid,
        Profile::Hostile => one_of![
            1 => valid.clone(),
            1 => (valid, vec_of(breakage(), 1..=2))
                .zip()
                .prop_map(|(input, breakages)| breakages.iter().fold(input, apply)),
        ],
    }
}
