//! Twin drift: where two implementations part on a case, whatever the reference says.

use super::{example_of, CaseRun, ContractFindings, Findings, Side};
use crate::judge::{
    diff_text, differing_paths, folded_places, Cause, GroupKey, GroupKind, Variant,
};
use crate::report::Example;

impl ContractFindings<'_> {
    /// When two implementations did not do the same with the case, that is twin drift: a
    /// group of its own for that pair, keyed by where they part, whether or not one of them
    /// matches the reference. (Both breaking a rule the same way is a contract question.)
    /// Pairs keep a group's key stable when implementations join or leave a run.
    pub(super) fn record_twin_drift(
        &self,
        case: &CaseRun,
        sides: &[Side],
        findings: &mut Findings,
    ) {
        for (a, first) in sides.iter().enumerate() {
            for second in &sides[a + 1..] {
                if let Some((key, variant, example)) = self.twin_drift(case, [first, second]) {
                    findings.add(self.contract, key, &variant, example, case);
                }
            }
        }
    }

    /// The twin-drift group and example of one pair of sides, when they part.
    fn twin_drift(&self, case: &CaseRun, pair: [&Side; 2]) -> Option<(GroupKey, Variant, Example)> {
        let [first, second] = pair;
        // Outputs the reference accepts may still differ where the contract allows several
        // (a race within the guard band): that is no drift.
        if (first.accepted() && second.accepted()) || first.observed() == second.observed() {
            return None;
        }
        let contract = self.contract;
        let (paths, raw_paths, diff) = match (&first.judged.comparable, &second.judged.comparable) {
            (Some(x), Some(y)) => {
                let differing = differing_paths(x, y);
                let folded = folded_places(contract, &contract.decisive_paths(&differing));
                let diff = diff_text(x, y, first.implementation, second.implementation);
                (folded, differing, Some(diff))
            }
            _ => {
                // One side has no output: they part at what each did.
                let parts = pair
                    .iter()
                    .filter(|s| s.judged.comparable.is_none())
                    .map(|s| format!("<{}>", s.status()))
                    .collect();
                (parts, Vec::new(), None)
            }
        };
        // The rules the parting sides break, as the reference judged each of them.
        let mut rules: Vec<String> = pair
            .iter()
            .flat_map(|s| s.judged.variant.rules.iter().cloned())
            .collect();
        rules.sort_by_key(|id| crate::judge::rule_rank(contract)(id));
        rules.dedup();
        let variant = Variant { rules, paths };
        // Filed under the rule the first side that breaks one is filed under.
        let rule = pair
            .iter()
            .find_map(|s| s.judged.key.as_ref().and_then(|k| k.cause.rule.clone()));
        let key = GroupKey {
            contract: contract.id().to_owned(),
            implementation: format!("{}+{}", first.implementation, second.implementation),
            kind: GroupKind::TwinDrift,
            cause: Cause {
                rule: rule.or_else(|| variant.rules.first().cloned()),
                ..Cause::of(&variant)
            },
        };
        let ids = format!("{},{}", first.implementation, second.implementation);
        let example = Example {
            detail: Some(format!(
                "the implementations disagree with each other: {} {}, {} {}",
                first.implementation,
                first.status(),
                second.implementation,
                second.status()
            )),
            diff,
            paths: raw_paths,
            expected: case
                .expectation
                .acceptable
                .first()
                .map(|a| a.output.clone()),
            others: pair.iter().map(|s| s.record(contract)).collect(),
            ..example_of(case, contract, &ids, self.judging.spelling)
        };
        Some((key, variant, example))
    }
}
