//! Contract `budget`: the aegis resource-budget wrapper (`withResourceBudget` /
//! `with_resource_budget`), run under a deadline with an optional cheaper fallback.

pub mod examples;
pub mod generate;
pub mod rules;
pub mod types;

use proptest::strategy::BoxedStrategy;
use serde_json::Value;

use crate::contract::{Acceptable, Contract, Example, Expectation, GenSettings, Rule, TimingLimit};

/// The `budget` contract.
pub struct Budget;

impl Contract for Budget {
    fn id(&self) -> &'static str {
        "budget"
    }

    fn rules(&self) -> &'static [Rule] {
        rules::RULES
    }

    fn examples(&self) -> Vec<Example> {
        examples::examples()
    }

    fn strategy(&self, settings: &GenSettings) -> BoxedStrategy<Value> {
        generate::strategy(settings)
    }

    fn expect(&self, input: &Value, settings: &GenSettings) -> Expectation {
        rules::evaluate(input, settings.race_band_ms)
    }

    fn extra_citations(
        &self,
        input: &Value,
        expected: &Acceptable,
        actual: &Value,
    ) -> Vec<&'static str> {
        // Refusing a valid input breaks the rule that allows it: equal or cheaper fallback
        // classes (FALLBACK-RANK), or an input inside the schema.
        let refused =
            actual["outcome"] == "config_error" && expected.output["outcome"] != "config_error";
        match (refused, input.get("fallback").is_some()) {
            (false, _) => Vec::new(),
            (true, true) => vec![rules::FALLBACK_RANK],
            (true, false) => vec![rules::SCHEMA],
        }
    }

    fn group_path(&self, pointer: &str) -> String {
        // The value is the case's own payload: where inside it the difference lies says
        // nothing about the bug.
        if pointer == "/value" || pointer.starts_with("/value/") {
            return "/value".into();
        }
        crate::contract::fold_indices(pointer)
    }

    fn timing_limit(&self, input: &Value, output: &Value, slack_ms: u64) -> Option<TimingLimit> {
        let valid = rules::validate(input).ok()?;
        let fallback_ran = matches!(
            output["outcome"].as_str(),
            Some("fallback" | "fallback_failed")
        ) || !output["tagsSeen"]["fallback"].is_null();
        let stages = if fallback_ran { 2 } else { 1 };
        Some(TimingLimit {
            rule: rules::TIMING,
            limit_ms: valid
                .budget
                .timeout_ms
                .saturating_mul(stages)
                .saturating_add(slack_ms) as f64,
        })
    }
}

#[cfg(test)]
mod tests;
