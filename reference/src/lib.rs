//! Reference implementations of the behavioural contracts the harness referees.
//!
//! Pure library: no I/O, no processes and no wall clock. Time is virtual — a case's
//! scripted delays are numbers the evaluator compares, never timers it waits on.
//! Each contract is one module implementing [`Contract`]; the harness registers them in
//! [`CONTRACTS`] and never needs contract-specific code beyond that.

pub mod budget;
pub mod canonical;
pub mod contract;
pub mod ledger;
pub mod migrate;
pub mod sqlmig;
pub mod strategy;
pub mod token_budget;

pub use contract::{
    fold_indices, generate_case, place_order, Acceptable, CaseGenerator, Contract, Example,
    Expectation, GenSettings, PathRule, Profile, Rule, TimingLimit,
};

/// Every contract the harness knows, in the order reports list them.
pub static CONTRACTS: &[&dyn Contract] = &[
    &budget::Budget,
    &migrate::Migrate,
    &sqlmig::SqlMigrations,
    &ledger::Ledger,
    &token_budget::TokenBudget,
];

/// Looks a contract up by its id (`budget`, …).
pub fn contract(id: &str) -> Option<&'static dyn Contract> {
    CONTRACTS.iter().copied().find(|c| c.id() == id)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The rule ids an example cites: every acceptable output's rules, plus the timing rule
    /// when the contract bounds the elapsed time of its first acceptable output.
    fn cited(contract: &dyn Contract, example: &Example) -> BTreeSet<&'static str> {
        let expectation = contract.expect(&example.input, &GenSettings::default());
        let mut rules: BTreeSet<&'static str> = expectation
            .acceptable
            .iter()
            .flat_map(|a| a.all_rules())
            .collect();
        rules.extend(
            contract
                .timing_limit(&example.input, &expectation.acceptable[0].output, 200)
                .map(|l| l.rule),
        );
        rules
    }

    #[test]
    fn every_contract_has_a_title_and_about_and_every_rule_a_summary_and_a_full_text() {
        for contract in CONTRACTS {
            assert!(
                !contract.title().is_empty() && !contract.title().contains('\n'),
                "{}: a title of a few words",
                contract.id()
            );
            assert!(
                contract.about().len() > 100 && !contract.about().contains('\n'),
                "{}: a paragraph about the system under test",
                contract.id()
            );
            let mut ids = BTreeSet::new();
            for rule in contract.rules() {
                assert!(
                    ids.insert(rule.id),
                    "{}: duplicate rule {}",
                    contract.id(),
                    rule.id
                );
                let summary = rule.summary;
                assert!(
                    !summary.trim().is_empty()
                        && !summary.contains('\n')
                        && summary.chars().count() <= 90,
                    "{}: the summary must be one line of at most 90 characters: {summary:?}",
                    rule.id
                );
                assert!(
                    !summary.ends_with('.'),
                    "{}: a summary is a line, not a sentence with a full stop",
                    rule.id
                );
                assert!(
                    rule.text.len() > summary.len() / 2 && !rule.text.contains('\n'),
                    "{}: the full text is missing or not one paragraph",
                    rule.id
                );
            }
        }
    }

    #[test]
    fn every_contract_has_at_least_45_well_formed_examples_citing_every_rule() {
        for contract in CONTRACTS {
            let examples = contract.examples();
            assert!(
                examples.len() >= 45,
                "{}: only {} examples",
                contract.id(),
                examples.len()
            );
            let mut seen = BTreeSet::new();
            for example in &examples {
                let kebab = example.id.split('-').all(|part| {
                    !part.is_empty()
                        && part
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                });
                assert!(kebab, "not kebab-case: {}", example.id);
                assert!(seen.insert(example.id), "duplicate id: {}", example.id);
                assert!(
                    !example.id.starts_with("generated-"),
                    "{} collides with the generated vectors' ids",
                    example.id
                );
                assert!(
                    !example.description.trim().is_empty() && !example.description.contains('\n'),
                    "description of {} must be one line",
                    example.id
                );
            }
            let all_cited: BTreeSet<&str> =
                examples.iter().flat_map(|e| cited(*contract, e)).collect();
            for rule in contract.rules() {
                assert!(
                    all_cited.contains(rule.id),
                    "{}: no example cites {}",
                    contract.id(),
                    rule.id
                );
            }
        }
    }
}
