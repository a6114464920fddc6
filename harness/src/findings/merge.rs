//! How groups merge once a contract's cases are in: a group that rests on another (it cites
//! that group's rule at the same place) joins it. (Groups one baseline entry lists merge in
//! the gate, which applies the baselines.)

use reference::Contract;

use super::Findings;
use crate::judge::{self, rule_rank, GroupKey, GroupKind};
use crate::report::Group;

impl Findings {
    /// Files a divergence group under another group of the same implementation that it rests
    /// on: one at the same place whose cause rule it cites too (a wrong signature citing the
    /// stringify rule, where a wrong stringify is a group of its own). When two such groups
    /// cite each other's rule, the smaller joins the larger. What a group cites is every
    /// rule its cases broke, so this runs once the contract's cases are all in.
    pub fn merge_dependent(&mut self, contract: &dyn Contract) {
        let rank = rule_rank(contract);
        let cites = |group: &Group, rule: &Option<String>| {
            rule.as_ref().is_some_and(|rule| {
                group
                    .rules
                    .iter()
                    .any(|r| judge::filed_under(contract, r) == *rule)
            })
        };
        loop {
            let candidates: Vec<&GroupKey> = self
                .groups
                .keys()
                .filter(|k| k.contract == contract.id() && k.kind == GroupKind::Divergence)
                .collect();
            let rests_on = |a: &GroupKey, b: &GroupKey| {
                if a.implementation != b.implementation
                    || a.cause.place != b.cause.place
                    || a.cause.rule == b.cause.rule
                {
                    return false;
                }
                let (ga, gb) = (&self.groups[a], &self.groups[b]);
                match (cites(ga, &b.cause.rule), cites(gb, &a.cause.rule)) {
                    (true, false) => true,
                    (true, true) => (gb.count, a) > (ga.count, b),
                    _ => false,
                }
            };
            let pair = candidates.iter().find_map(|a| {
                candidates
                    .iter()
                    .find(|b| rests_on(a, b))
                    .map(|b| ((*a).clone(), (*b).clone()))
            });
            let Some((from, into)) = pair else {
                break;
            };
            if let Some(group) = self.groups.remove(&from) {
                if let Some(target) = self.groups.get_mut(&into) {
                    target.absorb(group, &rank);
                }
            }
        }
    }
}
