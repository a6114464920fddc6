//! The gate: a finished run judged as a CI job reads it. Its groups are matched against the
//! baselines over what the run covered (its [`Scope`]), and one rule decides its verdict and
//! exit code, the first that applies winning:
//!
//! 1. *interrupted* (130, 143, 129): the report is partial and says so;
//! 2. *findings* (1): a new group, an adapter incident or a stale baseline entry of an
//!    implementation that ran — never hidden behind one that could not run;
//! 3. *infrastructure* (3): an implementation could not run and that fails the run (see
//!    [`ImplRecord::fails_run`]: it was named with `--impl`, or its adapter failed to start or
//!    broke down before answering a case); an implementation that `--impl all` brought in and
//!    that is only *unavailable* is listed with its fix and fails nothing;
//! 4. *no cases* (4): not a single case ran;
//! 5. *agreement* (0).
//!
//! `verify` judges its own run with [`judge`]; `report merge` judges the union of its shard
//! runs with it too, so a sharded gate notices a fixed bug as an unsharded one does.

use std::collections::HashMap;

use crate::baseline::{apply, Baseline, Scope};
use crate::errors::Error;
use crate::findings::Findings;
use crate::judge::rule_rank;
use crate::report::merge::ShardRun;
use crate::report::{Group, ImplRecord, Report, Verdict};

/// Applies the baselines to `report`'s groups (a baseline entry's causes merged into one
/// group first), then decides its verdict and exit code. Stale entries fail the run only
/// when `stale_fails` (a run of every case: not one shard, one case or one vector).
pub fn judge(
    report: &mut Report,
    baseline: Option<&Baseline>,
    known_flaky: Option<&Baseline>,
    stale_fails: bool,
) {
    if let Some(baseline) = baseline {
        report.groups = merge_listed(std::mem::take(&mut report.groups), baseline);
    }
    let keys: Vec<_> = report.groups.iter().map(Group::keys).collect();
    let scope = scope(report);
    let (marks, outcome) = apply(&keys, baseline, known_flaky, &scope, stale_fails);
    for (group, mark) in report.groups.iter_mut().zip(marks) {
        group.baseline = mark;
    }
    report.baseline = (baseline.is_some() || known_flaky.is_some()).then_some(outcome);
    report.verdict = verdict(report);
    report.exit_code = match (report.verdict, report.interrupted_by) {
        (Verdict::Interrupted, Some(signal)) => signal.exit_code(),
        (verdict, _) => verdict.exit_code(),
    };
}

/// Merges the groups one baseline entry lists (a cause and the causes merged into it when it
/// was written) into one, under the entry's cause: a known bug stays one group when its
/// groups are not shrunk (and merged) again. Keeps the order of first appearance.
fn merge_listed(groups: Vec<Group>, baseline: &Baseline) -> Vec<Group> {
    let mut merged: Vec<Group> = Vec::new();
    let mut by_entry: HashMap<usize, usize> = HashMap::new();
    for mut group in groups {
        let Some(entry) = baseline.entry_for(&group.keys()) else {
            merged.push(group);
            continue;
        };
        let listed = baseline.entries[entry].key();
        if let Some(&at) = by_entry.get(&entry) {
            match reference::contract(&group.contract) {
                Some(contract) => merged[at].absorb(group, &rule_rank(contract)),
                None => merged.push(group),
            }
            continue;
        }
        group.cause = listed.cause;
        by_entry.insert(entry, merged.len());
        merged.push(group);
    }
    merged
}

/// What the run covered: each contract on each implementation that ran at least one case
/// of it and every case it was dealt (a run that did not run them cannot tell a fixed bug).
fn scope(report: &Report) -> Scope {
    Scope::new(report.contracts.iter().flat_map(|contract| {
        contract
            .tallies
            .iter()
            .filter(|t| t.cases > 0 && t.not_run == 0)
            .map(|t| (contract.id.clone(), t.implementation.clone()))
    }))
}

/// The verdict, by the rule in the module's documentation.
fn verdict(report: &Report) -> Verdict {
    if report.interrupted {
        return Verdict::Interrupted;
    }
    // What is counted against an implementation that never answered a case (its cases not
    // run, its restart budget) is its failure to run, decided below.
    let never_ran: Vec<&str> = report
        .implementations
        .iter()
        .filter(|i| i.never_ran())
        .map(|i| i.id.as_str())
        .collect();
    let ran = |implementation: &str| implementation.split('+').all(|id| !never_ran.contains(&id));
    let findings = report
        .groups
        .iter()
        .any(|g| g.is_new() && ran(&g.implementation))
        || report.incidents.iter().any(|i| ran(&i.implementation))
        || report.baseline.as_ref().is_some_and(|b| b.fails());
    if findings {
        return Verdict::Findings;
    }
    if report.implementations.iter().any(ImplRecord::fails_run) {
        return Verdict::Infrastructure;
    }
    let executed: u64 = report
        .contracts
        .iter()
        .flat_map(|c| &c.tallies)
        .map(|t| t.cases.saturating_sub(t.not_run))
        .sum();
    if executed == 0 {
        return Verdict::NoCases;
    }
    Verdict::Agreement
}

/// `report merge`: the shard runs combined into one run ([`crate::report::merge`]) and
/// judged as one, stale entries included. Groups that rest on another found by a different
/// shard join it, as they would have in one run.
pub fn merge(
    runs: Vec<ShardRun>,
    baseline: Option<&Baseline>,
    known_flaky: Option<&Baseline>,
) -> Result<Report, Error> {
    let seed = runs.first().map_or(0, |run| run.report.seed);
    let run_id = format!(
        "{}-merged",
        Report::run_id(time::OffsetDateTime::now_utc(), seed)
    );
    let mut report = crate::report::merge::combine(runs, run_id)?;
    let mut findings = Findings::default();
    for group in std::mem::take(&mut report.groups) {
        findings.groups.insert(group.key(), group);
    }
    for contract in report
        .contracts
        .iter()
        .filter_map(|c| reference::contract(&c.id))
    {
        findings.merge_dependent(contract);
    }
    report.groups = findings.take_groups();
    // One case or one vector, sharded, is still not every case.
    let whole = report.settings.only_case.is_none() && report.settings.vector.is_none();
    judge(&mut report, baseline, known_flaky, whole);
    Ok(report)
}
