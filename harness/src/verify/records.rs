//! What a run records beside its cases' outcomes: its settings, as its report and its
//! stream give them, and how long each implementation took on each golden vector.

use reference::{Contract, Profile};

use crate::findings::CaseRun;
use crate::plan::{CaseLabel, ImplSpec, Plan};
use crate::report::{SettingsRecord, VectorTiming};
use crate::run::Outcome;

/// The run's settings as its report and its stream record them.
pub(super) fn settings_record(plan: &Plan) -> SettingsRecord {
    let settings = &plan.settings;
    SettingsRecord {
        cases: plan.generated_count(),
        only_case: settings.only_case,
        fixed_cases: plan.fixed.iter().map(|v| v.len() as u64).sum(),
        corpus_cases: plan
            .fixed
            .iter()
            .flatten()
            .filter(|(label, _)| matches!(label, CaseLabel::Corpus(_)))
            .count() as u64,
        profile: match settings.generation.profile {
            Profile::Normal => "normal".into(),
            Profile::Hostile => "hostile".into(),
        },
        time_zone: settings.time_zone.clone(),
        race_band_ms: settings.generation.race_band_ms,
        confirm_runs: settings.confirm_runs,
        timing_slack_ms: settings.timing_slack_ms,
        max_case_ms: settings.generation.max_case_ms,
        window: settings.runner.window,
        jobs: settings.jobs,
        shard: settings.shard,
        vector: settings.vector.clone(),
    }
}

/// How long each implementation took on `case`, when it is a golden vector.
pub(super) fn vector_timings(
    contract: &dyn Contract,
    case: &CaseRun,
    specs: &[&ImplSpec],
) -> Vec<VectorTiming> {
    let CaseLabel::Vector(id) = &case.label else {
        return Vec::new();
    };
    let elapsed = case.outcomes.iter().map(|outcome| match outcome {
        Some(Outcome::Output { elapsed_ms, .. }) => *elapsed_ms,
        _ => None,
    });
    specs
        .iter()
        .zip(elapsed)
        .filter_map(|(spec, elapsed_ms)| {
            Some(VectorTiming {
                contract: contract.id().into(),
                implementation: spec.id.clone(),
                id: id.clone(),
                elapsed_ms: elapsed_ms?,
            })
        })
        .collect()
}
