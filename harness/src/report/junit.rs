//! `junit.xml`: the run report as JUnit XML for CI systems that show test results.
//!
//! One `<testsuite>` per contract; in it one `<testcase>` per twin-drift group first, then
//! one per golden vector and implementation, one per other failure group (a failure when new, skipped when a baseline lists
//! it), one failing case per adapter incident, and one per stale baseline entry. Then, when
//! there are any, a suite `implementations` with one case per implementation that could not
//! run (a failure when that fails the run, skipped when it is not required), and a suite
//! `baseline` with one skipped case per entry out of the run's scope.
//!
//! `time` attributes come from the run's timings: the run's wall time on `testsuites`, each
//! contract's on its suite, and each golden vector's elapsed time (as its adapter measured
//! it) on its case; a case nothing was timed for has none.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::model::{Group, GroupKind, ImplRecord, IncidentRecord, MarkStatus, Report};
use super::view::{printable, SHOWN_CHARS};
use crate::errors::Error;
use crate::run::protocol::cut;

/// The report as JUnit XML, for the file at `path`.
pub fn xml(report: &Report, path: &Path) -> Result<String, Error> {
    let mut junit = quick_junit::Report::new(format!("conformance {}", report.run_id));
    junit.set_time(Duration::from_millis(report.timings.wall_ms));
    let vector_ms: HashMap<(&str, &str, &str), f64> = report
        .timings
        .vectors
        .iter()
        .map(|t| {
            (
                (
                    t.contract.as_str(),
                    t.implementation.as_str(),
                    t.id.as_str(),
                ),
                t.elapsed_ms,
            )
        })
        .collect();
    for contract in &report.contracts {
        let mut suite = TestSuite::new(contract.id.as_str());
        if let Some(ms) = report.timings.contracts_ms.get(&contract.id) {
            suite.set_time(Duration::from_millis(*ms));
        }
        suite.add_property(Property::new("seed", report.seed.to_string()));
        suite.add_property(Property::new("repro", report.repro.as_str()));
        if report.interrupted {
            suite.add_property(Property::new("interrupted", "true"));
        }
        let (twins, groups): (Vec<&Group>, Vec<&Group>) = report
            .groups
            .iter()
            .filter(|g| g.contract == contract.id)
            .partition(|g| g.kind == GroupKind::TwinDrift);
        // Twin drift first: for users with twins it is the headline.
        for group in twins {
            suite.add_test_case(group_case(group));
        }
        for vector in report.vectors.iter().filter(|v| v.contract == contract.id) {
            let status = if vector.status == "pass" {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(format!("{} {}", vector.status, vector.rules.join(" ")));
                status.set_type(vector.status.as_str());
                status
            };
            let mut case = TestCase::new(format!("vector {}", vector.id), status);
            case.set_classname(format!("{}.{}", contract.id, vector.implementation));
            let key = (contract.id.as_str(), vector.implementation.as_str());
            if let Some(ms) = vector_ms.get(&(key.0, key.1, vector.id.as_str())) {
                case.set_time(Duration::from_secs_f64(ms.max(0.0) / 1000.0));
            }
            suite.add_test_case(case);
        }
        for group in groups {
            suite.add_test_case(group_case(group));
        }
        for incident in report
            .incidents
            .iter()
            .filter(|i| i.contract == contract.id)
        {
            suite.add_test_case(incident_case(incident));
        }
        let stale = report.baseline.iter().filter(|b| b.stale_fails);
        for entry in stale.flat_map(|b| &b.stale) {
            if entry.contract != contract.id {
                continue;
            }
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message("stale baseline entry: it no longer diverges; remove it");
            status.set_type("stale");
            let mut case = TestCase::new(format!("baseline {}", entry.describe()), status);
            case.set_classname(format!("{}.{}", contract.id, entry.implementation));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    let missing: Vec<&ImplRecord> = report
        .implementations
        .iter()
        .filter(|i| i.could_not_run())
        .collect();
    if !missing.is_empty() {
        let mut suite = TestSuite::new("implementations");
        for imp in missing {
            let mut status = if imp.fails_run() {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_type(imp.status_text());
                status
            } else {
                TestCaseStatus::skipped()
            };
            let note = imp.not_required_note().map(|n| format!(" ({n})"));
            status.set_message(shown(&format!(
                "{}: {}{}",
                imp.status_text(),
                imp.reason.as_deref().unwrap_or("no reason given"),
                note.unwrap_or_default()
            )));
            if let Some(fix) = &imp.fix {
                status.set_description(format!("fix: {fix}"));
            }
            let mut case = TestCase::new(format!("implementation {}", imp.id), status);
            case.set_classname(format!("implementations.{}", imp.id));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    let out_of_scope = report.baseline.iter().flat_map(|b| &b.out_of_scope);
    let mut suite = TestSuite::new("baseline");
    for entry in out_of_scope {
        let mut status = TestCaseStatus::skipped();
        status.set_message(
            "out of scope: its implementation or contract did not run here, so whether it still diverges is unknown",
        );
        let mut case = TestCase::new(format!("baseline {}", entry.describe()), status);
        case.set_classname(format!("{}.{}", entry.contract, entry.implementation));
        suite.add_test_case(case);
    }
    if !suite.test_cases.is_empty() {
        junit.add_test_suite(suite);
    }
    junit.to_string().map_err(|e| Error::Write {
        path: path.to_owned(),
        source: std::io::Error::other(e),
    })
}

fn group_case(group: &Group) -> TestCase {
    let name = format!("{} {}", group.kind.as_str(), group.cause.describe());
    let example = &group.example;
    let status = match &group.baseline {
        Some(mark) => {
            let mut status = TestCaseStatus::skipped();
            let what = match mark.status {
                MarkStatus::Known => "known divergence",
                MarkStatus::Flaky => "known flaky",
            };
            status.set_message(format!("{what}: {}", mark.reason));
            status
        }
        None => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(format!(
                "{} case(s) {} on {}; reproduce: {}",
                group.count,
                group.kind.as_str(),
                example.which(),
                example.repro
            ));
            status.set_type(group.kind.as_str());
            let mut description = String::new();
            for text in [&example.drift, &example.diff, &example.detail]
                .into_iter()
                .flatten()
            {
                description.push_str(text);
                description.push('\n');
            }
            status.set_description(shown(&description));
            status
        }
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(format!("{}.{}", group.contract, group.implementation));
    if let Some(tail) = example.stderr_tail.as_deref().filter(|t| !t.is_empty()) {
        case.set_system_err(shown(tail));
    }
    case
}

/// Text that came from an adapter, as a report shows it: cut to [`SHOWN_CHARS`], with its
/// control characters written out (quick-junit would drop them without a trace).
fn shown(text: &str) -> String {
    printable(&cut(text, SHOWN_CHARS)).into_owned()
}

/// An adapter incident: always a failure.
fn incident_case(incident: &IncidentRecord) -> TestCase {
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status.set_message(shown(&incident.describe()));
    status.set_type("incident");
    let mut description = format!("{}\n{}\n", incident.detail, incident.when());
    if let Some(line) = &incident.line {
        description.push_str(&format!("the line it wrote: {line}\n"));
    }
    status.set_description(shown(&description));
    let mut case = TestCase::new(format!("incident {}", incident.kind.as_str()), status);
    case.set_classname(format!("{}.{}", incident.contract, incident.implementation));
    if !incident.stderr_tail.is_empty() {
        case.set_system_err(shown(&incident.stderr_tail));
    }
    case
}
