//! Every bundled mutant's bug reports carry programs that check themselves: run as the report
//! says (from its folder, with the command it prints), each exits 1 printing "BUG PRESENT"
//! against the mutant, and exits 0 printing "fixed" against the correct sample of its language
//! (the same program, the sample's variables set instead of the mutant's).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use common::{repo_root, run_to_catch, serial, Sandbox};
use harness::plan::{ImplSpec, Impls, Placeholders};
use harness::shell::shell_quote;
use serde_json::Value;

/// Mutant runs at once: a run is mostly waiting on adapters, and CI has two cores.
const AT_ONCE: usize = 3;

fn implementations() -> Impls {
    let root = repo_root();
    Impls::load(
        &root.join("adapters/impls.toml"),
        &Placeholders::for_root(&root),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The program's exit code and output, run by `sh -c line` in `dir` with only PATH and HOME
/// from the environment.
fn sh(line: &str, dir: &Path) -> (i32, String) {
    let mut command = Command::new("sh");
    command.arg("-c").arg(line).current_dir(dir).env_clear();
    for keep in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(keep) {
            command.env(keep, value);
        }
    }
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("sh runs");
    let text = format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    );
    (status.code().unwrap_or(-1), text)
}

/// The command a bug report documents: the first line of the `sh` block after "Run it from
/// this folder".
fn documented_command(report: &str) -> Option<String> {
    let after = report.split("Run it from this folder").nth(1)?;
    let block = after.split("```sh\n").nth(1)?;
    block.lines().next().map(str::to_owned)
}

/// The same program run against `sample`: the documented variables with the sample's in their
/// place (its source variables, its mutant switches off), the documented interpreter.
fn sample_command(snippet: &Value, sample: &ImplSpec, file: &str) -> String {
    let mut env: BTreeMap<String, String> = snippet["env"]
        .as_object()
        .map(|vars| {
            vars.iter()
                .map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    env.extend(sample.command.env.iter().cloned());
    let mut words: Vec<String> = env
        .iter()
        .map(|(key, value)| format!("{key}={}", shell_quote(value)))
        .collect();
    let runner = snippet["runner"].as_array().cloned().unwrap_or_default();
    words.extend(
        runner
            .iter()
            .filter_map(Value::as_str)
            .map(|w| shell_quote(w).into_owned()),
    );
    words.push(shell_quote(file).into_owned());
    words.join(" ")
}

/// What is wrong with `mutant`'s bug programs, if anything.
fn check(mutant: &ImplSpec, impls: &Impls) -> Result<usize, String> {
    let id = &mutant.id;
    let [contract] = mutant.contracts.as_slice() else {
        return Err(format!("{id}: a mutant implements one contract"));
    };
    let (seed, cases) = run_to_catch(id, "300");
    let sandbox = Sandbox::new();
    let run = sandbox.run(&[
        "verify",
        "--impl",
        id,
        "--contract",
        contract,
        "--quiet",
        "--cases",
        cases,
        "--seed",
        seed,
        "--no-corpus",
        "--profile",
        mutant.breaks_in.as_str(),
    ]);
    if run.code != 1 {
        return Err(format!(
            "{id}: exit {}, not caught\n{}",
            run.code, run.stdout
        ));
    }
    let sample_id = match mutant.language.as_str() {
        "python" => "py-sample",
        _ => "ts-sample",
    };
    let sample = &impls.impls[sample_id];
    let bugs: PathBuf = run
        .report_dir
        .clone()
        .expect("a report folder")
        .join("bugs");
    let mut checked = 0;
    for group in run.groups() {
        if group["kind"] != "divergence" {
            continue;
        }
        let snippet = &group["example"]["snippet"];
        if snippet.is_null() {
            return Err(format!("{id}: no program for {}", group["rule"]));
        }
        let report_name = std::fs::read_dir(&bugs)
            .map_err(|e| format!("{id}: {e}"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| {
                p.extension().is_some_and(|x| x == "md")
                    && std::fs::read_to_string(p).is_ok_and(|text| {
                        text.contains(snippet["code"].as_str().unwrap_or("\u{0}"))
                    })
            })
            .ok_or_else(|| format!("{id}: no bug report holds the program"))?;
        if snippet["checked"]["result"] != "shows_bug" {
            return Err(format!(
                "{id}: the harness's own run of the program did not show the bug: {}",
                snippet["checked"]
            ));
        }
        let report = std::fs::read_to_string(&report_name).map_err(|e| e.to_string())?;
        if !report.contains("Checked: the harness ran it") {
            return Err(format!("{id}: the report does not say its program was run"));
        }
        let line = documented_command(&report)
            .ok_or_else(|| format!("{id}: the report says not how to run its program"))?;
        let file = line.rsplit(' ').next().unwrap_or_default().to_owned();
        // As the harness does: a program whose bug needs a race may print `fixed` a time or
        // two first (its report says how many runs it took), so it gets three runs.
        let (mut code, mut output) = sh(&line, &bugs);
        for _ in 1..3 {
            if code != 0 {
                break;
            }
            (code, output) = sh(&line, &bugs);
        }
        if code != 1 || !output.contains("BUG PRESENT") {
            return Err(format!(
                "{id}: `{line}` exited {code} against the mutant, not 1 with BUG PRESENT:\n{output}"
            ));
        }
        let line = sample_command(snippet, sample, &file);
        let (code, output) = sh(&line, &bugs);
        if code != 0 || !output.contains("fixed") || output.contains("BUG PRESENT") {
            return Err(format!(
                "{id}: `{line}` exited {code} against {sample_id}, not 0 with fixed:\n{output}"
            ));
        }
        checked += 1;
    }
    if checked == 0 {
        return Err(format!("{id}: no bug report"));
    }
    Ok(checked)
}

#[test]
fn every_mutants_bug_program_finds_the_bug_and_passes_on_the_correct_sample() {
    let _guard = serial();
    let impls = implementations();
    let mutants: Vec<&ImplSpec> = impls.impls.values().filter(|i| i.mutant).collect();
    assert!(mutants.len() >= 30, "only {} mutants found", mutants.len());
    for language in ["python", "typescript"] {
        assert!(
            mutants.iter().any(|m| m.language == language),
            "no {language} mutant"
        );
    }
    let queue = Mutex::new(mutants.clone());
    let failures = Mutex::new(Vec::new());
    let programs = Mutex::new(0);
    std::thread::scope(|scope| {
        for _ in 0..AT_ONCE {
            scope.spawn(|| loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop();
                let Some(mutant) = next else { break };
                match check(mutant, &impls) {
                    Ok(n) => *programs.lock().unwrap_or_else(|p| p.into_inner()) += n,
                    Err(why) => failures.lock().unwrap_or_else(|p| p.into_inner()).push(why),
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap_or_else(|p| p.into_inner());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let programs = programs.into_inner().unwrap_or_else(|p| p.into_inner());
    assert!(programs >= mutants.len(), "{programs} programs checked");
}
