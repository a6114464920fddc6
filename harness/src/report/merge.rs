//! The shard runs of one run read back and combined into one run's report: `report merge
//! RUN…` over the `report.json` of the runs `--shard 1/N` … `--shard N/N` of the same
//! command. Only runs that together are one run combine: the same report schema, harness
//! version, seed, settings but the shard, and command, every shard exactly once, none
//! interrupted — anything else is refused, naming the runs that differ.
//!
//! What combines how:
//! - tallies, agreement, restarts and answered cases are summed; vector results, incidents
//!   and timing-rule violations are put together;
//! - coverage: a line or branch is reached when any shard reached it
//!   ([`combine_shards`]);
//! - groups with the same key are one group ([`Group::absorb`]: counts and variants summed,
//!   the lowest cases, vectors and corpus files kept, the smallest example);
//! - an implementation's status is the first shard's that is not `available`, with its
//!   reason and fix; its packages are every shard's;
//! - timings: the earliest start and the longest shard's wall time (shards run side by
//!   side); per implementation the samples are summed, `max` is the largest maximum (exact),
//!   `p99` the largest shard's p99 (an upper bound) and `p50` the shards' p50s weighted by
//!   their samples (an estimate): the samples themselves are not in the reports.
//!
//! The baselines and the verdict are the gate's business (the `gate` module), over the union.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::coverage::combine_shards;
use super::model::{
    ContractRecord, Group, ImplRecord, ImplStatus, ImplTimings, Percentiles, Report, Shard,
    Verdict, SCHEMA_VERSION,
};
use crate::errors::Error;
use crate::judge::{rule_rank, GroupKey};

/// One shard run's report, and the file it was read from.
pub struct ShardRun {
    pub path: PathBuf,
    pub report: Report,
}

impl ShardRun {
    /// Reads a run's `report.json`: exit 2 with its path when it cannot be read, is not a
    /// report, or is of another schema version.
    pub fn load(path: &Path) -> Result<ShardRun, Error> {
        let input_error = |message: String, hint: &str| Error::Input {
            path: path.to_owned(),
            message,
            hint: Some(hint.into()),
        };
        let where_ = "name a run folder under reports/, its report.json, or `latest`";
        let text = std::fs::read_to_string(path)
            .map_err(|e| input_error(format!("cannot read the report: {e}"), where_))?;
        // The version first: a report of another shape is refused by name, not by a field.
        let version: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            input_error(
                format!("line {}, column {}: {e}", e.line(), e.column()),
                where_,
            )
        })?;
        match version["schemaVersion"].as_u64() {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => {
                return Err(input_error(
                    format!(
                    "a report of schema version {v}; this harness reads version {SCHEMA_VERSION}"
                ),
                    "run that shard again with this harness",
                ))
            }
            None => {
                return Err(input_error(
                    "not a run report: no `schemaVersion`".into(),
                    where_,
                ))
            }
        }
        let report: Report = serde_json::from_str(&text)
            .map_err(|e| input_error(format!("not a run report: {e}"), where_))?;
        Ok(ShardRun {
            path: path.to_owned(),
            report,
        })
    }

    fn shard(&self) -> Option<Shard> {
        self.report.settings.shard
    }
}

/// The command of the whole run: a shard's rerun line without its `--shard K/N`.
fn whole_run_command(run: &Report) -> String {
    match run.settings.shard {
        Some(shard) => run
            .repro
            .replace(&format!(" --shard {}/{}", shard.index, shard.count), ""),
        None => run.repro.clone(),
    }
}

/// The shard runs as one run, with id `run_id`; its groups carry no baseline marks and its
/// verdict is left for the gate to decide.
pub fn combine(mut runs: Vec<ShardRun>, run_id: String) -> Result<Report, Error> {
    check_one_run(&runs)?;
    runs.sort_by_key(|run| run.shard().map(|s| s.index));
    let mut runs = runs.into_iter().map(|run| run.report);
    let Some(mut merged) = runs.next() else {
        return Err(Error::usage("name the shard runs to merge", None));
    };
    merged.merged_from = vec![merged_id(&merged)];
    merged.run_id = run_id;
    merged.repro = whole_run_command(&merged);
    merged.settings.shard = None;
    merged.baseline = None;
    let mut coverage = vec![std::mem::take(&mut merged.coverage)];
    // Guidance needs the whole stream in one run (`--guided` takes no `--shard`).
    merged.guided = Vec::new();
    let mut groups = BTreeMap::new();
    add_groups(&mut groups, std::mem::take(&mut merged.groups))?;
    for run in runs {
        merged.merged_from.push(merged_id(&run));
        add_implementations(&mut merged.implementations, run.implementations);
        add_contracts(&mut merged.contracts, run.contracts);
        add_groups(&mut groups, run.groups)?;
        coverage.push(run.coverage);
        merged.incidents.extend(run.incidents);
        merged.vectors.extend(run.vectors);
        let (into, from) = (&mut merged.timings, run.timings);
        into.started_at = into.started_at.clone().min(from.started_at);
        into.wall_ms = into.wall_ms.max(from.wall_ms);
        into.timing_violations.extend(from.timing_violations);
        // Shards run side by side: a contract took as long as its longest shard.
        for (contract, ms) in from.contracts_ms {
            let longest = into.contracts_ms.entry(contract).or_default();
            *longest = (*longest).max(ms);
        }
        into.vectors.extend(from.vectors);
        for (key, timings) in from.implementations {
            let both = into.implementations.entry(key).or_default();
            *both = ImplTimings {
                elapsed_ms: combine_percentiles(&both.elapsed_ms, &timings.elapsed_ms),
                timer_lag_ms: combine_percentiles(&both.timer_lag_ms, &timings.timer_lag_ms),
            };
        }
    }
    merged.groups = groups.into_values().collect();
    merged.coverage = combine_shards(coverage);
    merged.vectors.sort_by(|a, b| {
        (&a.contract, &a.implementation, &a.id).cmp(&(&b.contract, &b.implementation, &b.id))
    });
    merged.timings.vectors.sort_by(|a, b| {
        (&a.contract, &a.implementation, &a.id).cmp(&(&b.contract, &b.implementation, &b.id))
    });
    merged.verdict = Verdict::Agreement;
    merged.exit_code = 0;
    Ok(merged)
}

/// `RUN_ID (shard K/N)`, as the merged report lists its parts.
fn merged_id(run: &Report) -> String {
    match run.settings.shard {
        Some(s) => format!("{} (shard {}/{})", run.run_id, s.index, s.count),
        None => run.run_id.clone(),
    }
}

/// Refuses runs that are not together one run, saying which differ and how.
fn check_one_run(runs: &[ShardRun]) -> Result<(), Error> {
    let Some(first) = runs.first() else {
        return Err(Error::usage(
            "name the shard runs to merge",
            Some("e.g. `report merge reports/RUN1 reports/RUN2 reports/RUN3`".into()),
        ));
    };
    let refuse = |what: String, other: &ShardRun, hint: &str| {
        Err(Error::usage(
            format!(
                "{what}: {} and {} are not shards of one run",
                first.path.display(),
                other.path.display()
            ),
            Some(hint.into()),
        ))
    };
    let same_command = "merge the runs of one command, run with --shard 1/N … N/N";
    if let Some(run) = runs.iter().find(|run| run.report.interrupted) {
        let by = run
            .report
            .interrupted_by
            .map(|s| format!(" by {}", s.name()));
        return Err(Error::Input {
            path: run.path.clone(),
            message: format!(
                "the run was interrupted{}: not all its cases ran",
                by.unwrap_or_default()
            ),
            hint: Some("run that shard again".into()),
        });
    }
    check_shards(runs)?;
    for run in runs {
        let (a, b) = (&first.report, &run.report);
        if a.harness_version != b.harness_version {
            return refuse(
                format!(
                    "harness {} and harness {}",
                    a.harness_version, b.harness_version
                ),
                run,
                "run every shard with the same harness version",
            );
        }
        if a.seed != b.seed {
            return refuse(
                format!("seed {} and seed {}", a.seed, b.seed),
                run,
                "run every shard with the same --seed",
            );
        }
        let differing = differing_settings(a, b);
        if !differing.is_empty() {
            return refuse(
                format!("different settings ({})", differing.join(", ")),
                run,
                same_command,
            );
        }
        let (command_a, command_b) = (whole_run_command(a), whole_run_command(b));
        if command_a != command_b {
            return refuse(
                format!("different commands (`{command_a}` and `{command_b}`)"),
                run,
                same_command,
            );
        }
    }
    Ok(())
}

/// The settings two runs differ in, but the shard, by their names in `report.json`.
fn differing_settings(a: &Report, b: &Report) -> Vec<String> {
    let fields = |report: &Report| {
        let mut settings = report.settings.clone();
        settings.shard = None;
        match serde_json::to_value(settings) {
            Ok(serde_json::Value::Object(fields)) => fields,
            _ => serde_json::Map::new(),
        }
    };
    let (a, b) = (fields(a), fields(b));
    let mut names: Vec<String> = a.keys().chain(b.keys()).cloned().collect();
    names.sort();
    names.dedup();
    names.retain(|name| a.get(name) != b.get(name));
    names
}

/// Every shard of one count exactly once.
fn check_shards(runs: &[ShardRun]) -> Result<(), Error> {
    let mut seen: BTreeMap<u64, &ShardRun> = BTreeMap::new();
    let mut count = None;
    for run in runs {
        let Some(shard) = run.shard() else {
            return Err(Error::Input {
                path: run.path.clone(),
                message: "not a shard run: it was run without --shard".into(),
                hint: Some("merge the runs of one command run with --shard 1/N … N/N".into()),
            });
        };
        if count.is_some_and(|n| n != shard.count) {
            return Err(Error::usage(
                format!(
                    "{} is shard {}/{}, the others are of {}",
                    run.path.display(),
                    shard.index,
                    shard.count,
                    count.unwrap_or_default()
                ),
                Some("merge the shards of one split".into()),
            ));
        }
        count = Some(shard.count);
        if let Some(other) = seen.insert(shard.index, run) {
            return Err(Error::usage(
                format!(
                    "shard {}/{} is given twice: {} and {}",
                    shard.index,
                    shard.count,
                    other.path.display(),
                    run.path.display()
                ),
                Some("give each shard's run once".into()),
            ));
        }
    }
    let count = count.unwrap_or_default();
    let missing: Vec<String> = (1..=count)
        .filter(|k| !seen.contains_key(k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::usage(
            format!("shard(s) {} missing", missing.join(", ")),
            Some(
                "merge every shard of the run: the merged run judges the whole case stream".into(),
            ),
        ));
    }
    Ok(())
}

/// Takes in another shard's records of the same implementations.
fn add_implementations(into: &mut Vec<ImplRecord>, from: Vec<ImplRecord>) {
    for record in from {
        let Some(known) = into.iter_mut().find(|r| r.id == record.id) else {
            into.push(record);
            continue;
        };
        known.answered += record.answered;
        if known.status == ImplStatus::Available && record.status != ImplStatus::Available {
            known.status = record.status;
            known.reason = record.reason;
            known.fix = record.fix;
        }
        if known.adapter.is_none() {
            known.adapter = record.adapter;
        }
        known.packages.extend(record.packages);
    }
}

/// Sums another shard's tallies and agreement into the same contracts'.
fn add_contracts(into: &mut Vec<ContractRecord>, from: Vec<ContractRecord>) {
    for contract in from {
        let Some(known) = into.iter_mut().find(|c| c.id == contract.id) else {
            into.push(contract);
            continue;
        };
        for tally in contract.tallies {
            let Some(t) = known
                .tallies
                .iter_mut()
                .find(|t| t.implementation == tally.implementation)
            else {
                known.tallies.push(tally);
                continue;
            };
            t.cases += tally.cases;
            t.pass += tally.pass;
            t.diverge += tally.diverge;
            t.crash += tally.crash;
            t.timeout += tally.timeout;
            t.protocol += tally.protocol;
            t.adapter_error += tally.adapter_error;
            t.not_run += tally.not_run;
            t.timing += tally.timing;
            t.restarts += tally.restarts;
            t.rerun_alone += tally.rerun_alone;
            t.flaky += tally.flaky;
        }
        for pair in contract.agreement {
            match known
                .agreement
                .iter_mut()
                .find(|p| p.a == pair.a && p.b == pair.b)
            {
                Some(p) => {
                    p.compared += pair.compared;
                    p.identical += pair.identical;
                }
                None => known.agreement.push(pair),
            }
        }
    }
}

/// Files each group under its key, one group per key, its baseline mark cleared.
fn add_groups(into: &mut BTreeMap<GroupKey, Group>, from: Vec<Group>) -> Result<(), Error> {
    for mut group in from {
        group.baseline = None;
        let Some(contract) = reference::contract(&group.contract) else {
            return Err(Error::usage(
                format!(
                    "a group of unknown contract `{}` ({})",
                    group.contract,
                    group.key().describe()
                ),
                Some(format!(
                    "known contracts: {}",
                    crate::errors::known_contracts()
                )),
            ));
        };
        match into.get_mut(&group.key()) {
            Some(known) => known.absorb(group, &rule_rank(contract)),
            None => {
                into.insert(group.key(), group);
            }
        }
    }
    Ok(())
}

/// Two shards' percentiles as one: samples summed, the largest maximum, the largest p99
/// (an upper bound) and the p50s weighted by samples (an estimate).
fn combine_percentiles(a: &Percentiles, b: &Percentiles) -> Percentiles {
    let samples = a.samples + b.samples;
    if samples == 0 {
        return Percentiles::default();
    }
    let weighted = (a.p50 * a.samples as f64 + b.p50 * b.samples as f64) / samples as f64;
    Percentiles {
        samples,
        p50: (weighted * 100.0).round() / 100.0,
        p99: a.p99.max(b.p99),
        max: a.max.max(b.max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_combine_exactly_where_they_can_and_say_so_where_not() {
        let a = Percentiles::of(vec![1.0, 2.0, 3.0]);
        let b = Percentiles::of(vec![10.0]);
        let both = combine_percentiles(&a, &b);
        assert_eq!((both.samples, both.max, both.p99), (4, 10.0, 10.0));
        assert_eq!(both.p50, 4.0, "(2·3 + 10·1) / 4");
        assert_eq!(
            combine_percentiles(&Percentiles::default(), &a),
            a,
            "an empty side changes nothing"
        );
    }
}
