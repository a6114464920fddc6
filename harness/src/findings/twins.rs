//! Twin drift: where two implementations part on a case, whatever the reference says.

use super::{example_of, CaseRun, ContractFindings, Findings, Side};
use crate::judge::{diff_text, differing_paths, GroupKey, GroupKind, Verdict};
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
                if let Some((key, example)) = self.twin_drift(case, [first, second]) {
                    findings.add(key, example, &case.label);
                }
            }
        }
    }

    /// The twin-drift group and example of one pair of sides, when they part.
    fn twin_drift(&self, case: &CaseRun, pair: [&Side; 2]) -> Option<(GroupKey, Example)> {
        let [first, second] = pair;
        // Outputs the reference accepts may still differ where the contract allows several
        // (a race within the guard band): that is no drift.
        let accepted =
            |s: &Side| matches!(s.judged.verdict, Verdict::Agrees | Verdict::Late { .. });
        if first.observed() == second.observed() || (accepted(first) && accepted(second)) {
            return None;
        }
        let contract = self.contract;
        let (paths, raw_paths, diff) = match (&first.judged.comparable, &second.judged.comparable) {
            (Some(x), Some(y)) => {
                let differing = differing_paths(x, y);
                let mut folded: Vec<String> = contract
                    .decisive_paths(&differing)
                    .iter()
                    .map(|p| contract.group_path(p))
                    .collect();
                folded.sort();
                folded.dedup();
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
            .filter_map(|s| s.judged.key.as_ref())
            .flat_map(|k| k.rules.iter().cloned())
            .collect();
        rules.sort_by_key(|id| contract.rules().iter().position(|r| r.id == id.as_str()));
        rules.dedup();
        let key = GroupKey {
            contract: contract.id().to_owned(),
            implementation: format!("{}+{}", first.implementation, second.implementation),
            kind: GroupKind::TwinDrift,
            rules,
            paths,
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
            others: pair.iter().map(|s| s.record()).collect(),
            ..example_of(case, contract, &ids, self.judging.spelling)
        };
        Some((key, example))
    }
}
