//! Contract `token-budget`: lexigram-contracts' immutable `TokenBudget` (the remaining
//! context window of an LLM request), with exact integers of any size.
//!
//! A case is a budget and the `with…` steps applied to it; the truth is the four derived
//! values after each step and whether the budgets behaved as values.

pub mod examples;
pub mod generate;
pub mod rules;

use std::borrow::Cow;

use serde_json::Value;

use crate::contract::{Contract, Example, Expectation, GenSettings, Rule, TimingLimit};
use crate::strategy::Gen;

/// The `token-budget` contract.
pub struct TokenBudget;

impl Contract for TokenBudget {
    fn id(&self) -> &'static str {
        "token-budget"
    }

    fn title(&self) -> &'static str {
        "immutable LLM token budget"
    }

    fn about(&self) -> &'static str {
        "lexigram-contracts' frozen `TokenBudget` dataclass (`lexigram.contracts.ai.llm.types`) holds a model's context limit and the tokens its system prompt, tools, RAG context, history and output take; pipeline stages read what remains and never change it. A case is a budget and a list of `with…` steps; integers compare exactly at any size."
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
        crate::contract::errors_as_raised(output, None)
    }

    fn output_order(&self) -> &'static [&'static str] {
        // A state's total decides what remains of it, for everything and for history.
        &[
            "error",
            "ok",
            "states",
            "totalUsed",
            "remaining",
            "remainingForHistory",
            "overBudget",
            "immutable",
        ]
    }

    fn group_path(&self, pointer: &str) -> String {
        // The three counts are one place: they are sums and differences of the same fields,
        // so one arithmetic bug shows in whichever the case's numbers reach (the rules still
        // name the count).
        let folded = crate::contract::fold_indices(pointer);
        match folded.strip_prefix("/ok/states/*/") {
            Some("totalUsed" | "remaining" | "remainingForHistory") => {
                "/ok/states/*/<count>".into()
            }
            _ => folded,
        }
    }

    fn decisive_paths(&self, paths: &[String]) -> Vec<String> {
        // The first budget whose values differ: the steps after it start from it.
        let states: Vec<String> = paths
            .iter()
            .filter_map(|p| p.strip_prefix("/ok"))
            .map(str::to_owned)
            .collect();
        if states.len() < paths.len() {
            return paths.to_vec();
        }
        crate::contract::first_step_paths(&states, "states")
            .into_iter()
            .map(|p| format!("/ok{p}"))
            .collect()
    }

    fn extra_citations(
        &self,
        input: &Value,
        expected: &crate::contract::Acceptable,
        actual: &Value,
    ) -> Vec<&'static str> {
        // A wrong count that is a float, the right count rounded to a double, or counts that
        // double arithmetic gives.
        if rules::rounded(&expected.output, actual) || rules::computed_in_doubles(input, actual) {
            vec![rules::INTEGERS]
        } else {
            Vec::new()
        }
    }

    fn timing_limit(&self, _input: &Value, _output: &Value, _slack_ms: u64) -> Option<TimingLimit> {
        None
    }
}

#[cfg(test)]
mod tests;
