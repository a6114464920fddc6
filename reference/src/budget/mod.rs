//! Contract `budget`: the aegis resource-budget wrapper (`withResourceBudget` /
//! `with_resource_budget`), run under a deadline with an optional cheaper fallback.

pub mod examples;
pub mod generate;
pub mod rules;
pub mod types;

use std::borrow::Cow;

use serde_json::Value;

use crate::contract::{Acceptable, Contract, Example, Expectation, GenSettings, Rule, TimingLimit};
use crate::strategy::Gen;

/// The `budget` contract.
pub struct Budget;

impl Contract for Budget {
    fn id(&self) -> &'static str {
        "budget"
    }

    fn title(&self) -> &'static str {
        "the resource-budget wrapper"
    }

    fn about(&self) -> &'static str {
        "aegis's `withResourceBudget` (TypeScript) and `with_resource_budget` (Python) run an async call under a deadline, switch to a cheaper fallback when the deadline passes if one is declared, report exactly one structured event per completed call, and expose the caller's tags to everything running inside the call. A case is one call with scripted primary and fallback functions; resource classes, cheapest first, are mem-sample, cpu, io, pg and llm."
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

    fn as_shown(&self, output: &Value) -> Value {
        // An event's `elapsedMs` is the adapter's measure: it goes to the timings, not into
        // the outputs a report shows (they must be the same on every run of a seed).
        let mut output = output.clone();
        if let Some(events) = output.get_mut("events").and_then(Value::as_array_mut) {
            for event in events.iter_mut().filter_map(Value::as_object_mut) {
                event.remove("elapsedMs");
            }
        }
        output
    }

    fn comparable<'a>(&self, output: &'a Value) -> Cow<'a, Value> {
        // Bindings report the implementation's events and tags as it holds them; the
        // normalisation the contract allows lives here, and only here:
        // - an event's `elapsedMs` is measured, not decided (BUDGET-TIMING judges the
        //   adapter's own measure), and error messages (`errorMessage`,
        //   `fallbackErrorMessage`) are never compared: they are removed;
        // - absent and `null` are one ("absent fields may be omitted instead of null"): an
        //   event without `fallbackResourceClass` has it `null`, and a tag holding `null`
        //   (Python's `None`, which is how a dataclass holds an absent tag) is left out, in
        //   the events' tags, `tagsSeen` and `tagsAfter` alike.
        // Every other key is kept, so an event or a tag set with keys the contract does not
        // name still differs.
        let mut output = output.clone();
        if let Some(events) = output.get_mut("events").and_then(Value::as_array_mut) {
            for event in events.iter_mut().filter_map(Value::as_object_mut) {
                for key in ["elapsedMs", "errorMessage", "fallbackErrorMessage"] {
                    event.remove(key);
                }
                event.entry("fallbackResourceClass").or_insert(Value::Null);
                if let Some(tags) = event.get_mut("tags") {
                    drop_null_members(tags);
                }
            }
        }
        for pointer in ["/tagsSeen/primary", "/tagsSeen/fallback", "/tagsAfter"] {
            if let Some(tags) = output.pointer_mut(pointer) {
                drop_null_members(tags);
            }
        }
        Cow::Owned(output)
    }

    fn output_order(&self) -> &'static [&'static str] {
        // The outcome decides everything after it: what was returned or thrown, then the
        // events and tags that follow from it.
        &[
            "outcome",
            "value",
            "errorName",
            "originalErrorName",
            "fallbackErrorName",
            "events",
            "tagsSeen",
            "tagsAfter",
        ]
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

/// Removes the members of `value` (when it is an object) that hold `null`.
fn drop_null_members(value: &mut Value) {
    if let Some(object) = value.as_object_mut() {
        object.retain(|_, v| !v.is_null());
    }
}

#[cfg(test)]
mod tests;
