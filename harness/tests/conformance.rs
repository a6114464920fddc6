//! Golden vectors as test trials (libtest-mimic): one trial per vector and implementation,
//! named `vectors::<contract>::<impl>::<vector-id>`, plus
//! `vectors::<contract>::reference::<vector-id>` checking the reference still gives each
//! vector's expected output. A filter is a substring, so `budget::` alone would also pick
//! every `token-budget::` trial: `vectors::budget::` picks budget's alone, as the README
//! documents (a trial of this binary checks both).
//!
//!     cargo test --test conformance -- --list
//!     cargo test --test conformance -- vectors::budget::
//!     CONFORMANCE_IMPLS=py-mutant-late-value cargo test --test conformance
//!
//! `CONFORMANCE_IMPLS` (comma separated) picks the implementations; the default is the
//! bundled samples. Trials of an implementation that is unavailable are ignored, with the
//! reason, never failed and never passed.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use harness::judge::{canonical, diff_text, judge, Case, Timing, Verdict};
use harness::plan::{replay_runner, Impls, Placeholders};
use harness::progress::Progress;
use harness::replay::run_inputs;
use harness::run::Outcome;
use harness::vectors::{files_for, load, Vector};
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use reference::{Contract, GenSettings};

const DEFAULT_IMPLS: &str = "py-sample,ts-sample";

type Results = HashMap<(String, &'static str), Result<Vec<Outcome>, String>>;

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness/ sits in the repository")
        .to_owned();
    let impls = Impls::load(
        &root.join("adapters/impls.toml"),
        &Placeholders::for_root(&root),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let wanted: Vec<String> = std::env::var("CONFORMANCE_IMPLS")
        .unwrap_or_else(|_| DEFAULT_IMPLS.into())
        .split(',')
        .map(str::to_owned)
        .collect();
    let selected = impls
        .select(&wanted)
        .unwrap_or_else(|e| panic!("CONFORMANCE_IMPLS: {e}"));

    let mut vectors: Vec<(&'static dyn Contract, Vec<Vector>)> = Vec::new();
    for contract in reference::CONTRACTS {
        let mut all = Vec::new();
        for path in files_for(&root.join("vectors"), contract.id()) {
            all.extend(load(&path).unwrap_or_else(|e| panic!("{e}")).vectors);
        }
        vectors.push((*contract, all));
    }

    // Names first, so filters decide which implementations need to run at all.
    let mut planned: Vec<(String, &'static dyn Contract, Option<String>, usize)> = Vec::new();
    for (contract, list) in &vectors {
        for (i, v) in list.iter().enumerate() {
            planned.push((
                format!("{}reference::{}", filter(*contract), v.id),
                *contract,
                None,
                i,
            ));
        }
        for spec in selected
            .iter()
            .filter(|s| s.contracts.iter().any(|c| c == contract.id()))
        {
            for (i, v) in list.iter().enumerate() {
                planned.push((
                    format!("{}{}::{}", filter(*contract), spec.id, v.id),
                    *contract,
                    Some(spec.id.clone()),
                    i,
                ));
            }
        }
    }
    let mut results: Results = HashMap::new();
    if !args.list {
        let runner = replay_runner();
        for spec in &selected {
            for (contract, list) in &vectors {
                let wanted = planned.iter().any(|(name, c, id, _)| {
                    c.id() == contract.id()
                        && id.as_deref() == Some(&spec.id)
                        && !args.is_filtered_out(&Trial::test(name.clone(), || Ok(())))
                });
                if wanted {
                    let inputs: Vec<_> = list.iter().map(|v| v.input.clone()).collect();
                    let progress = Progress::messages_only();
                    let outcome = run_inputs(spec, *contract, &inputs, runner, &progress).map_err(
                        |e| match e.fix {
                            Some(fix) => {
                                format!("{} is unavailable: {} (fix: {fix})", spec.id, e.reason)
                            }
                            None => format!("{} is unavailable: {}", spec.id, e.reason),
                        },
                    );
                    results.insert((spec.id.clone(), contract.id()), outcome);
                }
            }
        }
    }
    let results = Arc::new(results);
    let vectors = Arc::new(vectors);
    let names: Vec<(String, &'static str)> = planned
        .iter()
        .map(|(name, contract, _, _)| (name.clone(), contract.id()))
        .collect();
    let filters_check = Trial::test("trial_names::each_contract_filter_selects_it_alone", {
        move || each_filter_selects_its_contract_alone(&names, &root)
    });
    let trials = std::iter::once(filters_check)
        .chain(planned.into_iter().map(|(name, contract, impl_id, i)| {
            let (results, vectors) = (results.clone(), vectors.clone());
            Trial::ignorable_test(name, move || {
                let list = &vectors
                    .iter()
                    .find(|(c, _)| c.id() == contract.id())
                    .expect("planned from this list")
                    .1;
                let vector = &list[i];
                match impl_id {
                    None => check_reference(contract, vector).map(|()| Completion::Completed),
                    Some(id) => match results.get(&(id.clone(), contract.id())) {
                        Some(Ok(outcomes)) => check_outcome(contract, vector, &id, &outcomes[i])
                            .map(|()| Completion::Completed),
                        Some(Err(reason)) => Ok(Completion::ignored_with(reason)),
                        None => Ok(Completion::ignored_with("not run")),
                    },
                }
            })
        }))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

/// The filter that selects one contract's trials, and the start of each of their names.
fn filter(contract: &dyn Contract) -> String {
    format!("vectors::{}::", contract.id())
}

/// Every contract's filter, matched as libtest matches it (a substring), picks exactly that
/// contract's trials; and the README documents it in that form.
fn each_filter_selects_its_contract_alone(
    names: &[(String, &'static str)],
    root: &Path,
) -> Result<(), Failed> {
    for contract in reference::CONTRACTS {
        let wanted = filter(*contract);
        let wrong: Vec<&str> = names
            .iter()
            .filter(|(name, of)| name.contains(&wanted) != (*of == contract.id()))
            .map(|(name, _)| name.as_str())
            .take(3)
            .collect();
        if !wrong.is_empty() {
            return Err(format!("the filter {wanted} gets these wrong: {wrong:?}").into());
        }
    }
    let readme = std::fs::read_to_string(root.join("README.md")).map_err(|e| e.to_string())?;
    let documented = format!(
        "cargo test --test conformance -- {}",
        filter(reference::CONTRACTS[0])
    );
    if !readme.contains(&documented) {
        return Err(format!("README.md does not show `{documented}`").into());
    }
    Ok(())
}

fn canonical_set(outputs: &[serde_json::Value]) -> Vec<String> {
    let mut set: Vec<String> = outputs.iter().map(canonical).collect();
    set.sort();
    set
}

fn check_reference(contract: &dyn Contract, vector: &Vector) -> Result<(), Failed> {
    let settings = GenSettings::default();
    let ours: Vec<serde_json::Value> = contract
        .expect(&vector.input, &settings)
        .acceptable
        .into_iter()
        .map(|a| a.output)
        .collect();
    if canonical_set(&ours) == canonical_set(&vector.acceptable) {
        return Ok(());
    }
    let diff = diff_text(
        &serde_json::Value::Array(vector.acceptable.clone()),
        &serde_json::Value::Array(ours),
        "vector",
        "reference",
    );
    Err(format!("the reference no longer gives this vector's expected output (review, then `cargo run -- vectors regen`):\n{diff}").into())
}

fn check_outcome(
    contract: &'static dyn Contract,
    vector: &Vector,
    impl_id: &str,
    outcome: &Outcome,
) -> Result<(), Failed> {
    if let Outcome::Failed {
        kind,
        detail,
        stderr_tail,
    } = outcome
    {
        return Err(format!("{}: {detail}\nstderr:\n{stderr_tail}", kind.as_str()).into());
    }
    match outcome {
        Outcome::AdapterError { message } => return Err(format!("adapter error: {message}").into()),
        Outcome::NotRun { reason } => return Err(format!("not run: {reason}").into()),
        _ => {}
    }
    let expectation = contract.expect(&vector.input, &GenSettings::default());
    let case = Case {
        contract,
        input: &vector.input,
        expectation: &expectation,
    };
    let judged = judge(case, impl_id, outcome, Timing::Ignored);
    let actual = judged.canonical().unwrap_or_default().to_owned();
    let comparable = judged.comparable.unwrap_or_default();
    if vector.acceptable.iter().any(|e| canonical(e) == actual) {
        return Ok(());
    }
    let rules = match (&judged.verdict, &judged.key) {
        (Verdict::Diverges(_), Some(_)) => judged.variant.rules.join(", "),
        _ => "the reference accepts it, but the vector does not: regenerate the vectors".into(),
    };
    let diff = diff_text(&vector.acceptable[0], &comparable, "expected", impl_id);
    Err(format!("{impl_id} breaks {rules}\n{diff}").into())
}
