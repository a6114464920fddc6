//! `harness rules`: the contracts' rules as the reference holds them — every contract's, one
//! contract's, or one rule with its full text — as text for people, JSON for tools, or the
//! Markdown of `docs/contracts/<contract>.md`, which is written from here so it cannot
//! drift from the rules the reports cite.

use std::fmt::Write as _;

use reference::{Contract, Rule};
use serde::Serialize;

use crate::errors::{known_contracts, Error};
use crate::suggest;

/// How `harness rules` prints what it selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulesFormat {
    Text,
    Json,
    Markdown,
}

/// Why a rules query names nothing.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("no contract `{given}`")]
    UnknownContract {
        given: String,
        /// "did you mean …?", when a contract id is close.
        suggestion: Option<String>,
    },
    #[error("contract `{contract}` has no rule `{given}`")]
    UnknownRule {
        contract: &'static str,
        given: String,
        /// "did you mean …?", when a rule id of the contract is close.
        suggestion: Option<String>,
    },
}

impl From<RulesError> for Error {
    fn from(error: RulesError) -> Error {
        let hint = match &error {
            RulesError::UnknownContract { suggestion, .. } => format!(
                "{}the contracts are {} (a rule id alone works too: `harness rules BUDGET-DEADLINE`)",
                did_you_mean(suggestion.as_deref()),
                known_contracts()
            ),
            RulesError::UnknownRule {
                contract,
                suggestion,
                ..
            } => format!(
                "{}`harness rules {contract}` lists its rules",
                did_you_mean(suggestion.as_deref())
            ),
        };
        Error::usage(error.to_string(), Some(hint))
    }
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map(|s| format!("{s} ")).unwrap_or_default()
}

/// What `harness rules` shows: the rules of some contracts, or a single rule.
pub struct RulesQuery {
    contracts: Vec<&'static dyn Contract>,
    rule: Option<&'static Rule>,
}

/// One rule as `--format json` lists it.
#[derive(Serialize)]
struct RuleEntry {
    contract: &'static str,
    id: &'static str,
    summary: &'static str,
    text: &'static str,
}

impl RulesQuery {
    /// Every contract's rules (no `contract`), one contract's, or one rule. `contract` may
    /// also be a rule id of any contract; ids are matched whatever their case.
    pub fn select(contract: Option<&str>, rule: Option<&str>) -> Result<RulesQuery, RulesError> {
        let Some(given) = contract else {
            return Ok(RulesQuery {
                contracts: reference::CONTRACTS.to_vec(),
                rule: None,
            });
        };
        let Some(found) = reference::contract(given) else {
            if rule.is_none() {
                if let Some((owner, rule)) = find_rule_anywhere(given) {
                    return Ok(RulesQuery {
                        contracts: vec![owner],
                        rule: Some(rule),
                    });
                }
            }
            let ids = reference::CONTRACTS.iter().map(|c| c.id());
            return Err(RulesError::UnknownContract {
                given: given.to_owned(),
                suggestion: suggest::did_you_mean(given, ids),
            });
        };
        let rule = match rule {
            None => None,
            Some(id) => Some(find_rule(found, id).ok_or_else(|| RulesError::UnknownRule {
                contract: found.id(),
                given: id.to_owned(),
                suggestion: suggest::did_you_mean(id, found.rules().iter().map(|r| r.id)),
            })?),
        };
        Ok(RulesQuery {
            contracts: vec![found],
            rule,
        })
    }

    pub fn render(&self, format: RulesFormat) -> String {
        match format {
            RulesFormat::Text => self.text(),
            RulesFormat::Json => self.json(),
            RulesFormat::Markdown => self
                .contracts
                .iter()
                .map(|c| contract_markdown(*c, self.rule))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// The selected rules, each with its contract.
    fn rules(&self) -> impl Iterator<Item = (&'static dyn Contract, &'static Rule)> + '_ {
        self.contracts.iter().flat_map(move |c| {
            let rules: &'static [Rule] = match self.rule {
                Some(rule) => std::slice::from_ref(rule),
                None => c.rules(),
            };
            rules.iter().map(move |r| (*c, r))
        })
    }

    /// All contracts: a line per rule. One contract: each rule's summary and its full
    /// text. One rule: its full text.
    fn text(&self) -> String {
        let mut out = String::new();
        let full = self.contracts.len() == 1;
        for contract in &self.contracts {
            if self.rule.is_none() {
                let _ = writeln!(
                    out,
                    "{} — {} ({} rules)",
                    contract.id(),
                    contract.title(),
                    contract.rules().len()
                );
            }
            let width = contract.rules().iter().map(|r| r.id.len()).max();
            for (_, rule) in self.rules().filter(|(c, _)| c.id() == contract.id()) {
                if self.rule.is_some() {
                    let _ = writeln!(out, "{} ({})\n  {}\n", rule.id, contract.id(), rule.summary);
                    let _ = writeln!(out, "{}", wrap(rule.text, 88, "  "));
                } else if full {
                    let _ = writeln!(out, "\n  {}  {}", rule.id, rule.summary);
                    let _ = writeln!(out, "{}", wrap(rule.text, 88, "      "));
                } else {
                    let _ = writeln!(
                        out,
                        "  {:<width$}  {}",
                        rule.id,
                        rule.summary,
                        width = width.unwrap_or(0)
                    );
                }
            }
            if !full {
                out.push('\n');
            }
        }
        if !full {
            let _ = writeln!(
                out,
                "`harness rules CONTRACT` shows each rule's full text; docs/contracts/ holds them too"
            );
        }
        out
    }

    fn json(&self) -> String {
        let entries: Vec<RuleEntry> = self
            .rules()
            .map(|(c, r)| RuleEntry {
                contract: c.id(),
                id: r.id,
                summary: r.summary,
                text: r.text,
            })
            .collect();
        // Plain strings and arrays: serializing them cannot fail.
        serde_json::to_string_pretty(&entries).unwrap_or_default() + "\n"
    }
}

/// `docs/contracts/<contract>.md`: the contract's title, what it is about, and every rule
/// (or only `rule`) with its one-line summary and its full text.
fn contract_markdown(contract: &dyn Contract, rule: Option<&Rule>) -> String {
    let id = contract.id();
    let mut md = String::new();
    let _ = writeln!(md, "# Contract `{id}` — {}\n", contract.title());
    let _ = writeln!(md, "{}\n", wrap(contract.about(), 96, ""));
    let note = format!(
        "Every rule has an id that reports cite; the Rust reference (`reference/`) decides each \
         case by these rules. This file is written from the reference by `harness rules {id} \
         --format markdown`: change the rules there, then rewrite it with `cargo run -- rules {id} \
         --format markdown > docs/contracts/{id}.md` (`harness rules {id}` prints them in a \
         terminal)."
    );
    let _ = writeln!(md, "{}\n", wrap(&note, 96, ""));
    let _ = writeln!(md, "## Rules\n");
    let rules: &[Rule] = match rule {
        Some(rule) => std::slice::from_ref(rule),
        None => contract.rules(),
    };
    for rule in rules {
        let _ = writeln!(md, "- **{}** — {}\n", rule.id, rule.summary);
        let _ = writeln!(md, "{}\n", wrap(rule.text, 96, "  "));
    }
    md.truncate(md.trim_end().len());
    md.push('\n');
    md
}

fn find_rule(contract: &dyn Contract, id: &str) -> Option<&'static Rule> {
    contract
        .rules()
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id))
}

fn find_rule_anywhere(id: &str) -> Option<(&'static dyn Contract, &'static Rule)> {
    reference::CONTRACTS
        .iter()
        .find_map(|c| find_rule(*c, id).map(|r| (*c, r)))
}

/// `text` in lines of at most `width` characters (a longer word stays whole), each after
/// `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty()
            && indent.len() + line.chars().count() + 1 + word.chars().count() > width
        {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
        .iter()
        .map(|l| format!("{indent}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contract_a_rule_or_a_rule_alone_selects_what_it_names() {
        let all = RulesQuery::select(None, None).unwrap();
        let total: usize = reference::CONTRACTS.iter().map(|c| c.rules().len()).sum();
        assert_eq!(all.rules().count(), total);
        let budget = RulesQuery::select(Some("budget"), None).unwrap();
        assert!(budget.rules().all(|(c, _)| c.id() == "budget"));
        let one = RulesQuery::select(Some("budget"), Some("budget-deadline")).unwrap();
        assert_eq!(one.rule.map(|r| r.id), Some("BUDGET-DEADLINE"));
        let alone = RulesQuery::select(Some("MIG-STEP-2.1.0"), None).unwrap();
        assert_eq!(alone.contracts[0].id(), "migrate");
        assert_eq!(alone.rule.map(|r| r.id), Some("MIG-STEP-2.1.0"));
    }

    #[test]
    fn unknown_names_suggest_the_closest_id() {
        match RulesQuery::select(Some("budgte"), None) {
            Err(RulesError::UnknownContract { suggestion, .. }) => {
                assert_eq!(suggestion.as_deref(), Some("did you mean `budget`?"))
            }
            _ => panic!("budgte is no contract"),
        }
        match RulesQuery::select(Some("budget"), Some("BUDGET-DEADLNE")) {
            Err(RulesError::UnknownRule { suggestion, .. }) => {
                assert_eq!(
                    suggestion.as_deref(),
                    Some("did you mean `BUDGET-DEADLINE`?")
                )
            }
            _ => panic!("BUDGET-DEADLNE is no rule"),
        }
    }

    #[test]
    fn wrapped_lines_keep_to_the_width_and_every_word() {
        let text = "one two three four five six seven eight nine ten";
        let wrapped = wrap(text, 16, "  ");
        assert!(
            wrapped.lines().all(|l| l.chars().count() <= 16),
            "{wrapped}"
        );
        assert_eq!(
            wrapped.split_whitespace().collect::<Vec<_>>().join(" "),
            text
        );
    }

    #[test]
    fn json_lists_every_selected_rule_with_its_contract_summary_and_text() {
        let json: serde_json::Value =
            serde_json::from_str(&RulesQuery::select(Some("ledger"), None).unwrap().json())
                .unwrap();
        let entries = json.as_array().unwrap();
        assert_eq!(
            entries.len(),
            reference::contract("ledger").unwrap().rules().len()
        );
        assert_eq!(entries[0]["contract"], "ledger");
        assert_eq!(entries[0]["id"], "LEDGER-FIT");
        assert!(entries[0]["summary"]
            .as_str()
            .is_some_and(|s| !s.is_empty()));
        assert!(entries[0]["text"].as_str().is_some_and(|s| s.len() > 40));
    }
}
