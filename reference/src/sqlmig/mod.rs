//! Contract `sql-migrations`: a migration runner over a real SQLite database (lexigram's
//! `MigrationRunnerProtocol`: run, rollback to a target, current version, pending list).
//!
//! A case is a migrations folder and a sequence of operations; the truth is what each
//! operation returned and the user schema the runner left in the database.

pub mod examples;
pub mod generate;
pub mod rules;

use std::borrow::Cow;

use serde_json::Value;

use crate::contract::{Contract, Example, Expectation, GenSettings, Rule, TimingLimit};
use crate::strategy::Gen;

/// The `sql-migrations` contract.
pub struct SqlMigrations;

impl Contract for SqlMigrations {
    fn id(&self) -> &'static str {
        "sql-migrations"
    }

    fn title(&self) -> &'static str {
        "a database migration runner"
    }

    fn about(&self) -> &'static str {
        "lexigram's `MigrationRunnerProtocol` (`run_migrations`, `rollback`, `get_current_version`, `get_pending_migrations`; the real `lexigram-sql` over a SQLite file) applies versioned SQL migration files in order and rolls them back. A case is a migrations folder and up to 30 operations; the truth is what each operation returned and the user schema left in the database."
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

    fn model_states(&self, input: &Value) -> Vec<String> {
        rules::model_states(input)
    }

    fn cases_in_flight(&self) -> usize {
        // Each case is a real database on disk: work, not waiting.
        8
    }

    fn comparable<'a>(&self, output: &'a Value) -> Cow<'a, Value> {
        // An error counts as raised whatever its type; its type and message are reported,
        // never compared (SQLMIG-FAIL).
        crate::contract::errors_as_raised(output, Some("results"))
    }

    fn output_order(&self) -> &'static [&'static str] {
        // Each operation's result, in order, then the schema they leave.
        &["results", "schema"]
    }

    fn group_path(&self, pointer: &str) -> String {
        // Which operation or which schema row differs is payload: one bug, one group.
        match pointer.split('/').nth(1) {
            Some("results") => "/results/*".into(),
            Some("schema") => "/schema".into(),
            _ => crate::contract::fold_indices(pointer),
        }
    }

    fn extra_citations(
        &self,
        input: &Value,
        _expected: &crate::contract::Acceptable,
        actual: &Value,
    ) -> Vec<&'static str> {
        // An output that is exactly what a common deviation gives (another order, no
        // transaction, a rollback that skips the .down.sql) breaks that deviation's rule,
        // whichever operation shows it first.
        rules::deviation(input, &self.comparable(actual))
            .into_iter()
            .collect()
    }

    fn decisive_paths(&self, paths: &[String]) -> Vec<String> {
        // The first operation whose result differs; the schema only when every result agrees.
        crate::contract::first_step_paths(paths, "results")
    }

    fn timing_limit(&self, _input: &Value, _output: &Value, _slack_ms: u64) -> Option<TimingLimit> {
        None
    }
}

#[cfg(test)]
mod tests;
