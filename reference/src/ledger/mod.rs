//! Contract `ledger`: @aegis-runtime/core's spend ledger (reserve, commit, peek over
//! doubles), its UTC windows, and its receipts' canonical JSON and HMAC-SHA256 signatures.
//!
//! A case is a script of ledger operations on one fresh ledger, or one single call; the
//! truth is each operation's result, amounts compared as exact doubles.

pub mod examples;
pub mod generate;
pub mod rules;

use std::borrow::Cow;

use serde_json::Value;

use crate::contract::{Contract, Example, Expectation, GenSettings, Rule, TimingLimit};
use crate::strategy::Gen;

/// The `ledger` contract.
pub struct Ledger;

impl Contract for Ledger {
    fn id(&self) -> &'static str {
        "ledger"
    }

    fn title(&self) -> &'static str {
        "spend budgets with reservations, windows and signed receipts"
    }

    fn about(&self) -> &'static str {
        "@aegis-runtime/core's `MemoryLedger` reserves an estimated USD cost before a call, reconciles the actual cost after it, and enforces a per-run and a per-window limit; its receipts are signed with HMAC-SHA256 over a canonical JSON form. A case is a script of up to 50 reserve, commit and peek operations on a fresh ledger, or one `windowStart`, `sign` or `stringify` call; amounts compare as exact doubles."
    }

    fn rules(&self) -> &'static [Rule] {
        rules::RULES
    }

    fn examples(&self) -> Vec<Example> {
        examples::examples()
    }

    fn generator(&self, settings: &GenSettings) -> Gen<Value> {
        generate::generator(settings)
    }

    fn expect(&self, input: &Value, _settings: &GenSettings) -> Expectation {
        rules::evaluate(input)
    }

    fn comparable<'a>(&self, output: &'a Value) -> Cow<'a, Value> {
        // An error counts as raised whatever its type; type and message are only reported.
        crate::contract::errors_as_raised(output, Some("results"))
    }

    fn output_order(&self) -> &'static [&'static str] {
        &["results", "error", "ok"]
    }

    fn group_path(&self, pointer: &str) -> String {
        // Which amount of a result differs follows from one wrong spend: the op's result, not
        // the field, names the group.
        let folded = crate::contract::fold_indices(pointer);
        match folded.strip_prefix("/results/*/ok/") {
            Some(_) => "/results/*/ok".into(),
            None => folded,
        }
    }

    fn decisive_paths(&self, paths: &[String]) -> Vec<String> {
        // The first operation whose result differs: later ones inherit its spend.
        crate::contract::first_step_paths(paths, "results")
    }

    fn timing_limit(&self, _input: &Value, _output: &Value, _slack_ms: u64) -> Option<TimingLimit> {
        None
    }
}

#[cfg(test)]
mod tests;
