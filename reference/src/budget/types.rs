//! Typed case input of the `budget` contract, in its canonical camelCase JSON form.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The five resource classes, cheapest first; the index is the rank.
pub const RESOURCE_CLASSES: [&str; 5] = ["mem-sample", "cpu", "io", "pg", "llm"];

/// Rank of a known resource class (`None` for an unknown one).
pub fn resource_class_rank(class: &str) -> Option<usize> {
    RESOURCE_CLASSES.iter().position(|c| *c == class)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BudgetInput {
    pub budget: BudgetSpec,
    pub tags: Tags,
    pub primary_resource_class: String,
    pub primary: Script,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<FallbackSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BudgetSpec {
    pub timeout_ms: u64,
    pub signal_respecting: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pg_statement_timeout_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tags {
    pub component: String,
    pub op: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FallbackSpec {
    pub resource_class: String,
    #[serde(rename = "fn")]
    pub script: Script,
}

/// The scenario language: what a scripted primary or fallback function does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Script {
    /// Returns `value` after `delay_ms`; rejects with `AbortError` if aborted first.
    Resolve { value: Value, delay_ms: u64 },
    /// Throws `error_name` after `delay_ms`; rejects with `AbortError` if aborted first.
    Reject {
        error_name: String,
        error_message: String,
        #[serde(default)]
        delay_ms: u64,
    },
    /// Never settles on its own; rejects with `AbortError` when aborted.
    HangUntilAbort,
    /// Ignores the abort signal and returns `value` after `delay_ms`.
    IgnoreAbortResolve { value: Value, delay_ms: u64 },
    /// Throws synchronously when called, before any await.
    SyncThrow {
        error_name: String,
        error_message: String,
    },
    /// An async function returning `value` without awaiting anything: it settles in the
    /// same turn, before any timer can fire, so it beats every deadline (even 1 ms).
    ResolveNow { value: Value },
    /// An async function throwing `error_name` at once, without awaiting: its promise or
    /// coroutine rejects before any timer can fire.
    RejectNow {
        error_name: String,
        error_message: String,
    },
}

impl Script {
    /// The scripted delay, for kinds that have one.
    pub fn delay_ms(&self) -> Option<u64> {
        match self {
            Script::Resolve { delay_ms, .. }
            | Script::Reject { delay_ms, .. }
            | Script::IgnoreAbortResolve { delay_ms, .. } => Some(*delay_ms),
            Script::HangUntilAbort
            | Script::SyncThrow { .. }
            | Script::ResolveNow { .. }
            | Script::RejectNow { .. } => None,
        }
    }
}
