//! Every mutant in `adapters/impls.toml` is caught, as one bug: run alone with default
//! settings, it fails the run with exactly one group (one cause), citing each rule its
//! `breaks` names, with a small example whose repro command names the mutant. A new mutant
//! needs no new test, only its `breaks`.

mod common;

use common::{repo_root, run_to_catch, serial, verify, DEEP_MUTANTS};
use harness::plan::{ImplSpec, Impls, Placeholders};
use serde_json::Value;

fn mutants() -> Vec<ImplSpec> {
    let root = repo_root();
    let impls = Impls::load(
        &root.join("adapters/impls.toml"),
        &Placeholders::for_root(&root),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    impls.impls.into_values().filter(|i| i.mutant).collect()
}

/// Why the shrunk input of `contract` is not as small as the bug needs, if it is not.
fn too_large(contract: &str, input: &Value) -> Option<String> {
    let count = |field: &str| {
        let value = &input[field];
        value
            .as_array()
            .map(Vec::len)
            .or_else(|| value.as_object().map(|o| o.len()))
            .unwrap_or(0)
    };
    let limits: &[(&str, usize)] = match contract {
        // Files count `.sql` and `.down.sql` apart: six are three migrations.
        "sql-migrations" => &[("ops", 4), ("files", 6)],
        "ledger" => &[("ops", 6)],
        "token-budget" => &[("steps", 1)],
        _ => &[],
    };
    limits
        .iter()
        .find(|(field, most)| count(field) > *most)
        .map(|(field, most)| format!("{} {field}, more than {most}", count(field)))
}

/// What is wrong with `mutant`'s run, if anything.
fn check(mutant: &ImplSpec) -> Result<(), String> {
    let [contract] = mutant.contracts.as_slice() else {
        return Err(format!("{}: a mutant implements one contract", mutant.id));
    };
    if mutant.breaks.is_empty() {
        return Err(format!("{}: `breaks` names no rule", mutant.id));
    }
    // The acceptance run of issue 17: golden vectors and 1,000 generated cases (more for a
    // deep mutant), default shrinking, in the profile the mutant is caught in.
    let (seed, cases) = run_to_catch(&mutant.id, "1000");
    let run = verify(
        contract,
        &mutant.id,
        &[
            "--cases",
            cases,
            "--seed",
            seed,
            "--no-corpus",
            "--profile",
            mutant.breaks_in.as_str(),
        ],
    );
    let id = &mutant.id;
    if run.code != 1 {
        return Err(format!(
            "{id}: exit {}, not caught\n{}",
            run.code, run.stdout
        ));
    }
    let groups = run.groups();
    let [group] = groups.as_slice() else {
        let causes: Vec<String> = groups
            .iter()
            .map(|g| format!("{} {} at {}", g["kind"], g["rule"], g["place"]))
            .collect();
        return Err(format!(
            "{id}: one bug, {} groups: {}",
            groups.len(),
            causes.join("; ")
        ));
    };
    if group["kind"] != "divergence" {
        return Err(format!("{id}: the group is not a divergence: {group}"));
    }
    for rule in &mutant.breaks {
        if !group["rules"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x == rule))
        {
            return Err(format!("{id}: the group does not cite {rule}: {group}"));
        }
    }
    let example = &group["example"];
    // A deep mutant's smallest example is as large as its conditions need (the partial
    // rollback needs five migrations), so the size limit is for the others.
    let deep = DEEP_MUTANTS.iter().any(|(deep, _, _)| deep == id);
    if let Some(why) = too_large(contract, &example["input"]).filter(|_| !deep) {
        return Err(format!("{id}: shrunk to {why}: {}", example["input"]));
    }
    let repro = example["repro"].as_str().unwrap_or_default();
    if !repro.contains(&format!("--impl {id}")) {
        return Err(format!("{id}: the repro does not name the mutant: {repro}"));
    }
    Ok(())
}

#[test]
fn every_mutant_is_caught_as_one_group_citing_the_rules_it_breaks() {
    let _guard = serial();
    let mutants = mutants();
    assert!(mutants.len() >= 30, "only {} mutants found", mutants.len());
    let failures: Vec<String> = mutants.iter().filter_map(|m| check(m).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
