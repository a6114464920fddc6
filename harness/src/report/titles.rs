//! Bug report titles: one line naming the symptom a broken rule shows, written per rule
//! (a rule's text says what must hold, not what went wrong, and can run to 400 characters),
//! with the API under test named as the implementation's language spells it.

/// The title of a bug report whose cause is `rule` of `contract`, for an implementation in
/// `language` (`python`, `typescript`, …); `None` for a rule the table does not know.
pub fn title(contract: &str, rule: &str, language: &str) -> Option<String> {
    let (api, symptom) = TITLES
        .iter()
        .find(|t| t.contract == contract && t.rule == rule)
        .map(|t| (t.api, t.symptom))?;
    let api = match api {
        Api::Code(name) if language == "python" => format!("`{}`", python_name(name)),
        Api::Code(name) => format!("`{name}`"),
        Api::PerLanguage { python, .. } if language == "python" => format!("`{python}`"),
        Api::PerLanguage { typescript, .. } => format!("`{typescript}`"),
        Api::Prose(words) => words.to_owned(),
    };
    Some(format!("{api} {symptom} ({rule})"))
}

/// What a title's subject is.
#[derive(Clone, Copy)]
enum Api {
    /// A name as TypeScript spells it; Python spells its lower-case segments in snake_case
    /// (`withResourceBudget` → `with_resource_budget`, `TokenBudget.totalUsed` →
    /// `TokenBudget.total_used`).
    Code(&'static str),
    /// Names that differ by more than spelling.
    PerLanguage {
        typescript: &'static str,
        python: &'static str,
    },
    /// Words, for an API with no one name.
    Prose(&'static str),
}

struct Title {
    contract: &'static str,
    rule: &'static str,
    api: Api,
    symptom: &'static str,
}

const fn t(contract: &'static str, rule: &'static str, api: Api, symptom: &'static str) -> Title {
    Title {
        contract,
        rule,
        api,
        symptom,
    }
}

const WRAP: Api = Api::Code("withResourceBudget");
const MIGRATE: Api = Api::Code("migrate");
const RUNNER: Api = Api::Prose("The migration runner");
const LEDGER: Api = Api::Code("MemoryLedger");

/// One line per rule, by contract, in the contracts' order.
const TITLES: &[Title] = &[
    t("budget", "BUDGET-FALLBACK-RANK", WRAP, "ranks the fallback's class wrongly: only a class strictly above the primary's is a configuration error"),
    t("budget", "BUDGET-UNKNOWN-CLASS", WRAP, "runs a call whose resource class is unknown instead of refusing it"),
    t("budget", "BUDGET-SCHEMA", WRAP, "accepts arguments that break the input schema instead of raising AegisConfigError"),
    t("budget", "BUDGET-OK", WRAP, "does not return the value of a primary that settles before the deadline"),
    t("budget", "BUDGET-PRIMARY-ERROR", WRAP, "does not let the primary's own error through unchanged"),
    t("budget", "BUDGET-DEADLINE", WRAP, "returns a value that arrived after the deadline"),
    t("budget", "BUDGET-EXCEEDED", WRAP, "does not raise BudgetExceededError when the deadline passes without a fallback"),
    t("budget", "BUDGET-FALLBACK", WRAP, "runs the fallback wrongly: it needs a fresh signal and its own deadline, counted from its start"),
    t("budget", "BUDGET-FALLBACK-FAILED", WRAP, "does not raise FallbackFailedError with both causes when the fallback fails"),
    t("budget", "BUDGET-ONE-EVENT", WRAP, "emits the wrong observer events: exactly one per call, with the input's tags and classes"),
    t("budget", "BUDGET-TAGS", WRAP, "leaves the wrong tags active inside or after the call"),
    t("budget", "BUDGET-TIMING", WRAP, "takes longer than its budget allows"),
    t("budget", "BUDGET-RACE", WRAP, "settles a race at the deadline in neither acceptable way"),
    t("ledger", "LEDGER-FIT", Api::Code("MemoryLedger.reserve"), "returns a wrong grant or reservation"),
    t("ledger", "LEDGER-DENY", LEDGER, "lets a denied reservation charge spend or be committed"),
    t("ledger", "LEDGER-COMMIT", Api::Code("MemoryLedger.commit"), "applies the wrong spend: actualUsd − estimatedUsd, each spend clamped at 0"),
    t("ledger", "LEDGER-UNKNOWN", Api::Code("MemoryLedger.commit"), "accepts a handle that names no granted reservation"),
    t("ledger", "LEDGER-BUCKETS", LEDGER, "shares spend between separate windows, runs or tenants"),
    t("ledger", "LEDGER-AMOUNTS", LEDGER, "accepts a negative, NaN or infinite amount or limit"),
    t("ledger", "LEDGER-WINDOW", Api::Code("windowStartMs"), "returns a window start that is not the start of the minute, hour, day or month in UTC"),
    t("ledger", "LEDGER-STRINGIFY", Api::Code("stableStringify"), "writes JSON that is not canonical (keys by UTF-16 units, numbers as JSON.stringify writes them)"),
    t("ledger", "LEDGER-SIGN", Api::Code("HmacSha256Signer.sign"), "returns a wrong signature"),
    t("migrate", "MIG-VERSIONS", MIGRATE, "does not know the contract's versions"),
    t("migrate", "MIG-SOURCE", MIGRATE, "migrates from the wrong source version"),
    t("migrate", "MIG-UNKNOWN", MIGRATE, "accepts an unknown version instead of raising MigrationError"),
    t("migrate", "MIG-SAME", MIGRATE, "changes a document whose source and target versions are the same"),
    t("migrate", "MIG-DOWNGRADE", MIGRATE, "performs a downgrade instead of raising MigrationError"),
    t("migrate", "MIG-NOT-OBJECT", MIGRATE, "refuses data that is not an object with an error other than MigrationError"),
    t("migrate", "MIG-STEP-2.0.0", MIGRATE, "gets the 2.0.0 → 2.1.0 step's keys wrong: defaults go only where a key is absent"),
    t("migrate", "MIG-STEP-2.1.0", MIGRATE, "gets the 2.1.0 → 2.1.1 step's keys wrong: trace_id where absent, _heartbeat_contaminated removed"),
    t("migrate", "MIG-STEP-2.1.1", MIGRATE, "gets the 2.1.1 → 2.2.0 step's keys wrong: defaults go only where a key is absent"),
    t("migrate", "MIG-STEP-*", MIGRATE, "gets a migration step's keys wrong: defaults go only where a key is absent"),
    t("migrate", "MIG-CHAIN", MIGRATE, "across several versions differs from applying the steps one by one"),
    t("migrate", "MIG-PATH", Api::Code("getMigrationPath"), "returns the wrong steps"),
    t("migrate", "MIG-ORDER", Api::PerLanguage { typescript: "compareVersions", python: "SchemaVersion" }, "orders versions differently from the contract (2.0.0, 2.1.0, 2.1.1, 2.2.0)"),
    t("migrate", "MIG-PURE", MIGRATE, "modifies the caller's document"),
    t("migrate", "MIG-IDEMPOTENT", MIGRATE, "changes a document that is already at the current version"),
    t("sql-migrations", "SQLMIG-ID", RUNNER, "reads migration ids from file names wrongly (a .down.sql file is a rollback, other files are ignored)"),
    t("sql-migrations", "SQLMIG-ORDER", RUNNER, "applies or lists migrations out of the byte order of their ids"),
    t("sql-migrations", "SQLMIG-RUN", RUNNER, "does not return exactly the ids a run applied"),
    t("sql-migrations", "SQLMIG-IDEMPOTENT", RUNNER, "changes something when run on an up-to-date database"),
    t("sql-migrations", "SQLMIG-MULTI", RUNNER, "applies only part of a migration file's statements"),
    t("sql-migrations", "SQLMIG-FAIL", RUNNER, "keeps a failed migration's partial effects, or goes on past it"),
    t("sql-migrations", "SQLMIG-ROLLBACK", RUNNER, "rolls back the wrong migrations"),
    t("sql-migrations", "SQLMIG-ROLLBACK-MISSING", RUNNER, "forgets a migration it cannot roll back instead of raising"),
    t("sql-migrations", "SQLMIG-EMPTY", RUNNER, "reports a current migration, or rolls something back, on an empty database"),
    t("sql-migrations", "SQLMIG-SCHEMA", RUNNER, "leaves a schema other than the applied migrations make"),
    t("token-budget", "TOKEN-TOTAL", Api::Code("TokenBudget.totalUsed"), "is not the sum of the counts"),
    t("token-budget", "TOKEN-REMAINING", Api::Code("TokenBudget.remaining"), "is not max(0, limit − totalUsed)"),
    t("token-budget", "TOKEN-HISTORY", Api::Code("TokenBudget.remainingForHistory"), "counts the wrong parts: it leaves the history out"),
    t("token-budget", "TOKEN-OVER", Api::Code("TokenBudget.overBudget"), "is wrong at or near the limit: over means strictly above it"),
    t("token-budget", "TOKEN-IMMUTABLE", Api::Code("TokenBudget"), "changes when its with… methods are called"),
    t("token-budget", "TOKEN-INTEGERS", Api::Code("TokenBudget"), "takes a count that is not an exact non-negative integer"),
];

/// `name` as Python spells it: each dot-separated part that starts in lower case in
/// snake_case; class names (upper case first) as they are.
fn python_name(name: &str) -> String {
    name.split('.')
        .map(|part| {
            if part.starts_with(|c: char| c.is_ascii_lowercase()) {
                part.chars().fold(String::new(), |mut out, c| {
                    if c.is_ascii_uppercase() {
                        out.push('_');
                    }
                    out.push(c.to_ascii_lowercase());
                    out
                })
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_of_every_contract_and_every_family_has_a_title() {
        for contract in reference::CONTRACTS {
            for rule in contract.rules() {
                for id in [rule.id, contract.cause_rule(rule.id)] {
                    for language in ["python", "typescript"] {
                        let title = title(contract.id(), id, language);
                        assert!(
                            title.is_some(),
                            "no title for {} {id} ({language})",
                            contract.id()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_table_names_only_rules_that_exist() {
        for entry in TITLES {
            let contract = reference::contract(entry.contract)
                .unwrap_or_else(|| panic!("no contract {}", entry.contract));
            let known = contract
                .rules()
                .iter()
                .any(|r| r.id == entry.rule || contract.cause_rule(r.id) == entry.rule);
            assert!(known, "{} has no rule {}", entry.contract, entry.rule);
        }
    }

    #[test]
    fn titles_name_the_symptom_in_one_short_line_as_the_language_spells_the_api() {
        assert_eq!(
            title("budget", "BUDGET-DEADLINE", "typescript").as_deref(),
            Some("`withResourceBudget` returns a value that arrived after the deadline (BUDGET-DEADLINE)")
        );
        assert_eq!(
            title("token-budget", "TOKEN-HISTORY", "python").as_deref(),
            Some("`TokenBudget.remaining_for_history` counts the wrong parts: it leaves the history out (TOKEN-HISTORY)")
        );
        for entry in TITLES {
            let line = title(entry.contract, entry.rule, "python").unwrap_or_default();
            assert!(
                line.chars().count() <= 160 && !line.contains('\n'),
                "{line}"
            );
        }
    }
}
