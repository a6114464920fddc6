//! Contract `migrate`: versioned state-schema migrations (antaris-contracts' `migrate`,
//! `get_migration_path`, `SchemaVersion`, `MigrationError`).

pub mod examples;
pub mod generate;
pub mod rules;

use std::borrow::Cow;

use serde_json::Value;

use crate::contract::{Contract, Example, Expectation, GenSettings, Rule, TimingLimit};
use crate::strategy::Gen;

/// The `migrate` contract.
pub struct Migrate;

impl Contract for Migrate {
    fn id(&self) -> &'static str {
        "migrate"
    }

    fn title(&self) -> &'static str {
        "versioned state-schema migrations"
    }

    fn about(&self) -> &'static str {
        "antaris-contracts (`antaris_contracts.migration`: `migrate`, `get_migration_path`, `SchemaVersion`, `MigrationError`; PyPI 4.9.20) upgrades persisted state documents along a chain of schema versions, refusing unknown versions and downgrades instead of guessing. A case is one `migrate`, `path` or `compare` call; a failure compares by its error type only."
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
        // Error messages are recorded in reports but not compared: errors match by type.
        let error = output.get("error").and_then(Value::as_object);
        if !error.is_some_and(|e| e.contains_key("message")) {
            return Cow::Borrowed(output);
        }
        let mut output = output.clone();
        if let Some(error) = output.get_mut("error").and_then(Value::as_object_mut) {
            error.remove("message");
        }
        Cow::Owned(output)
    }

    fn output_order(&self) -> &'static [&'static str] {
        // Whether a call fails comes before what it returns; purity is checked last.
        &["error", "ok", "inputUnchanged"]
    }

    fn cause_rule(&self, rule: &'static str) -> &'static str {
        if rules::STEPS.iter().any(|step| step.rule == rule) {
            rules::STEP_FAMILY
        } else {
            rule
        }
    }

    fn group_path(&self, pointer: &str) -> String {
        // A key a step owns folds to the steps' family (one bug in how steps add their keys,
        // one group, whichever step and key a case reaches; the rules name the step); any
        // other key of the document is payload.
        let mut segments = pointer.split('/').skip(1);
        match (segments.next(), segments.next()) {
            (Some("ok"), Some("schema_version")) => "/ok/schema_version".into(),
            // Already folded (a path a baseline or report once wrote): the steps' family.
            (Some("ok"), Some(key)) if key.starts_with("<MIG-STEP-") && key.ends_with(" key>") => {
                format!("/ok/<{} key>", rules::STEP_FAMILY)
            }
            (Some("ok"), Some(key)) => match rules::STEPS
                .iter()
                .find(|s| s.adds.iter().any(|(k, _)| *k == key) || s.removes.contains(&key))
            {
                Some(_) => format!("/ok/<{} key>", rules::STEP_FAMILY),
                None => "/ok/*".into(),
            },
            _ => crate::contract::fold_indices(pointer),
        }
    }

    fn timing_limit(&self, _input: &Value, _output: &Value, _slack_ms: u64) -> Option<TimingLimit> {
        None
    }
}

#[cfg(test)]
mod tests;
