//! Adapters as a run meets them: starting one (unless the run is interrupted first) and
//! recording what its hello says, and the incidents they leave, as the report shows them.

use tokio::sync::watch;

use super::RunState;
use crate::plan::{CaseLabel, ImplSpec, Plan};
use crate::report::{ImplRecord, ImplStatus, IncidentRecord};
use crate::run::{self, Incident, Session};
use reference::Contract;

/// Starts `spec`'s adapter for `contract` and records what its hello says; `None` when it
/// did not start or does not offer the contract (the record says why, with the fix).
pub(super) async fn start_adapter(
    spec: &ImplSpec,
    contract: &dyn Contract,
    record: &mut ImplRecord,
    state: &mut RunState,
    (plan, stop): (&Plan, &watch::Receiver<bool>),
) -> Option<Session> {
    let (mut session, hello) = match start_unless_stopped(spec, contract, plan, stop).await? {
        Ok(started) => started,
        Err(e) => {
            record.status = ImplStatus::FailedToStart;
            record.reason = Some(format!("{e} (argv: {})", spec.command.display()));
            return None;
        }
    };
    record.adapter = Some(hello.adapter.clone());
    if hello.contracts.iter().any(|c| c == contract.id()) {
        if let Some(package) = hello.implementations.get(contract.id()) {
            state
                .packages
                .insert((spec.id.clone(), contract.id().to_owned()), package.clone());
            record
                .packages
                .insert(contract.id().to_owned(), package.clone());
        }
        return Some(session);
    }
    record.status = ImplStatus::Unavailable;
    let reason = hello
        .unavailable
        .get(contract.id())
        .cloned()
        .unwrap_or_else(|| format!("the adapter does not offer contract `{}`", contract.id()));
    // An implementation may lack several contracts: say each, and each fix.
    let reason = format!("{}: {reason}", contract.id());
    record.reason = Some(match record.reason.take() {
        Some(earlier) => format!("{earlier}; {reason}"),
        None => reason,
    });
    if let Some(fix) = spec.fix.for_contract(contract.id()) {
        record.fix = Some(match record.fix.take() {
            Some(earlier) if earlier.lines().any(|l| l == fix) => earlier,
            Some(earlier) => format!("{earlier}\n{fix}"),
            None => fix,
        });
    }
    session.close().await;
    None
}

/// Starts `spec`'s adapter for `contract`, unless the run is interrupted first (a slow start
/// does not hold up Ctrl-C): `None` then, and the half-started adapter is stopped with its
/// group.
pub(super) async fn start_unless_stopped(
    spec: &ImplSpec,
    contract: &dyn Contract,
    plan: &Plan,
    stop: &watch::Receiver<bool>,
) -> Option<Result<(Session, run::protocol::Hello), run::StartError>> {
    let mut stop = stop.clone();
    tokio::select! {
        biased;
        Ok(_) = stop.wait_for(|stopped| *stopped) => None,
        started = run::start(&spec.command, Some(contract.id()), &plan.settings.runner) => Some(started),
    }
}

/// An adapter's incident as the report shows it: its cases named as the report names
/// cases (the first ten of those in flight).
pub(super) fn incident_record(
    contract: &str,
    implementation: &str,
    incident: Incident,
    label_of: &dyn Fn(u64) -> CaseLabel,
) -> IncidentRecord {
    IncidentRecord {
        contract: contract.into(),
        implementation: implementation.into(),
        kind: incident.kind,
        detail: incident.detail,
        line: incident.line,
        after_cases: incident.after_cases,
        in_flight: incident.in_flight.len() as u64,
        cases: incident
            .in_flight
            .iter()
            .take(10)
            .map(|&i| label_of(i))
            .collect(),
        stderr_tail: incident.stderr_tail,
        repeats: incident.repeats,
    }
}
