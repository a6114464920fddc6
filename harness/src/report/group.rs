//! Counting a group's cases by variant, and taking in another group of the same cause.

use super::model::{Group, RuleSummary, VariantRecord};
use crate::judge::{Cause, Variant};

impl Group {
    /// Counts `count` more cases of `variant` (found under `cause`), keeping the rules in the
    /// contract's order (`rank`) and the variants most frequent first.
    pub fn count_variant(
        &mut self,
        cause: &Cause,
        variant: &Variant,
        count: u64,
        rank: &dyn Fn(&str) -> usize,
    ) {
        self.count += count;
        for rule in &variant.rules {
            if !self.rules.contains(rule) {
                self.rules.push(rule.clone());
            }
        }
        self.rules.sort_by_key(|r| rank(r));
        self.rule_summaries = RuleSummary::of(&self.contract, &self.rules);
        for path in &variant.paths {
            if !self.paths.contains(path) {
                self.paths.push(path.clone());
            }
        }
        match self
            .variants
            .iter_mut()
            .find(|v| v.cause == *cause && v.rules == variant.rules && v.paths == variant.paths)
        {
            Some(known) => known.count += count,
            None => self.variants.push(VariantRecord {
                cause: cause.clone(),
                rules: variant.rules.clone(),
                paths: variant.paths.clone(),
                count,
            }),
        }
        self.variants.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| (&a.cause, &a.rules, &a.paths).cmp(&(&b.cause, &b.rules, &b.paths)))
        });
    }

    /// Takes in `other`, a group of the same cause: counts, variants, case lists, and its
    /// example when smaller.
    pub fn absorb(&mut self, other: Group, rank: &dyn Fn(&str) -> usize) {
        self.shared_with_all += other.shared_with_all;
        for v in other.variants {
            let variant = Variant {
                rules: v.rules,
                paths: v.paths,
            };
            self.count_variant(&v.cause, &variant, v.count, rank);
        }
        for case in other.first_cases {
            keep_lowest(&mut self.first_cases, case);
        }
        for case in other.guided_cases {
            keep_lowest(&mut self.guided_cases, case);
        }
        for id in other.vectors {
            keep_lowest(&mut self.vectors, id);
        }
        for path in other.corpus {
            keep_lowest(&mut self.corpus, path);
        }
        if other.example.size() < self.example.size() {
            self.example = other.example;
        }
    }
}

/// Inserts `item` into the sorted `list`, keeping only the ten lowest.
pub fn keep_lowest<T: Ord>(list: &mut Vec<T>, item: T) {
    const KEEP: usize = 10;
    let at = list.partition_point(|x| *x < item);
    if at < KEEP && !list.contains(&item) {
        list.insert(at, item);
        list.truncate(KEEP);
    }
}
