//! The bindings are transparent (adapters/PROTOCOL.md, "Bindings are transparent"): a binding
//! passes the case input to the implementation exactly as given and reports what the
//! implementation produced exactly. Each language's adapter is driven directly over its
//! JSON-lines protocol with a *recording* `token-budget` implementation
//! (harness/tests/fixtures/recording/): its constructor keeps what it received and its
//! properties return raw values, so the reply shows both directions unchanged. The same
//! direct drive checks that an adapter told its contracts in the hello loads only theirs.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{repo_root, serial};
use serde_json::{json, Value};

/// The case: every field odd in some way — `null`s, a field the contract does not define,
/// a name that is no identifier, an integer beyond 2^64, values out of range — and steps
/// with a `null` and a string.
fn case() -> Value {
    serde_json::from_str(
        r#"{"budget": {"modelContextLimit": 8192, "reservedForOutput": null, "ragContextTokens": null,
                       "extraTokens": 18446744073709551617, "weird key": [null, {"a": null}],
                       "systemPromptTokens": -1, "toolDefinitionsTokens": 2.5},
            "steps": [{"withRag": null}, {"withHistory": "x"}]}"#,
    )
    .expect("valid case")
}

/// Starts the adapter `command` names, from the repository, talking over pipes.
fn spawn(mut command: Command) -> Child {
    command
        .current_dir(repo_root())
        .env("HARNESS_SCRATCH", std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the adapter starts")
}

/// Sends `hello`, one `run` of `input` and `bye` to the adapter started by `command`, and
/// returns the `result` reply.
fn run_once(command: Command, input: &Value) -> Value {
    let mut child = spawn(command);
    let mut stdin = child.stdin.take().expect("stdin");
    let run = json!({ "op": "run", "id": 1, "contract": "token-budget", "input": input });
    writeln!(stdin, "{}\n{run}", json!({ "op": "hello", "protocol": 1 })).expect("write");
    stdin.flush().expect("flush");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut reply = None;
    for line in lines.by_ref() {
        let message: Value = serde_json::from_str(&line.expect("a line")).expect("a JSON line");
        match message["op"].as_str() {
            Some("hello") => assert!(
                message["contracts"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| c == "token-budget")),
                "the recording implementation did not load: {message}"
            ),
            Some("result") => {
                reply = Some(message);
                break;
            }
            _ => {}
        }
    }
    writeln!(stdin, "{}", json!({ "op": "bye" })).ok();
    drop(stdin);
    let _ = child.wait();
    reply.expect("a result reply")
}

/// `program` with only PATH and HOME from the environment (the adapter needs them).
fn scrubbed(program: &str) -> Command {
    let mut command = Command::new(program);
    command.env_clear();
    for keep in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(keep) {
            command.env(keep, value);
        }
    }
    command
}

fn fixture(path: &str) -> String {
    repo_root()
        .join("harness/tests/fixtures/recording")
        .join(path)
        .to_string_lossy()
        .into_owned()
}

fn python(input: &Value) -> Value {
    run_once(python_adapter(), input)
}

fn python_adapter() -> Command {
    let mut command = scrubbed("python3");
    command
        .arg(repo_root().join("adapters/py/adapter.py"))
        .env("TOKEN_BUDGET_PY_SRC", fixture("py"));
    command
}

fn typescript(input: &Value) -> Value {
    run_once(typescript_adapter(), input)
}

fn typescript_adapter() -> Command {
    let root = repo_root();
    let loader = root.join("adapters/ts/node_modules/tsx/dist/loader.mjs");
    assert!(
        Path::new(&loader).exists(),
        "the Node adapter is not installed (npm ci in adapters/ts)"
    );
    let mut command = scrubbed("node");
    command
        .arg("--import")
        .arg(loader)
        .arg(root.join("adapters/ts/adapter.ts"))
        .env("TOKEN_BUDGET_TS_SRC", fixture("ts/budget.ts"));
    command
}

fn states(reply: &Value) -> &Vec<Value> {
    reply["output"]["ok"]["states"]
        .as_array()
        .unwrap_or_else(|| panic!("no states in {reply}"))
}

#[test]
fn python_binding_passes_input_and_reports_output_unchanged() {
    let _serial = serial();
    let reply = python(&case());
    let states = states(&reply);
    // Every field, every null, the unknown ones under their snake_case names: nothing dropped
    // or coerced; the integer beyond 2^64 exact.
    let expected: Value = serde_json::from_str(
        r#"{"model_context_limit": 8192, "reserved_for_output": null, "rag_context_tokens": null,
            "extra_tokens": 18446744073709551617, "weird key": [null, {"a": null}],
            "system_prompt_tokens": -1, "tool_definitions_tokens": 2.5}"#,
    )
    .expect("valid");
    assert_eq!(states[0]["totalUsed"], expected, "{reply}");
    assert_eq!(states[1]["totalUsed"], json!({ "with_rag_tokens": null }));
    assert_eq!(
        states[2]["totalUsed"],
        json!({ "with_history_tokens": "x" })
    );
    // Raw results as produced (a tuple is an array), nothing added or dropped.
    let remaining =
        json!({ "raw": [1, null, "\u{e9}\u{1d11e}", { "nested": null }], "tuple": [1, 2] });
    let big: Value = serde_json::from_str("18446744073709551617").expect("valid");
    for state in states {
        assert_eq!(state["remaining"], remaining, "{reply}");
        assert_eq!(state["remainingForHistory"], big, "{reply}");
        assert_eq!(state["overBudget"], Value::Null, "{reply}");
        assert_eq!(state.as_object().map(|o| o.len()), Some(4), "{reply}");
    }
}

#[test]
fn typescript_binding_passes_input_and_reports_output_unchanged() {
    let _serial = serial();
    let input = case();
    let reply = typescript(&input);
    let states = states(&reply);
    // The constructor got the budget object exactly as sent: every key, every null, the
    // unknown ones, the integer beyond 2^64 exact (a BigInt).
    assert_eq!(states[0]["totalUsed"], input["budget"], "{reply}");
    assert_eq!(states[1]["totalUsed"], json!({ "withRagTokens": null }));
    assert_eq!(states[2]["totalUsed"], json!({ "withHistoryTokens": "x" }));
    let remaining =
        json!({ "raw": [1, null, "\u{e9}\u{1d11e}", { "nested": null }], "extra": "field" });
    let big: Value = serde_json::from_str("18446744073709551617").expect("valid");
    for state in states {
        assert_eq!(state["remaining"], remaining, "{reply}");
        assert_eq!(state["remainingForHistory"], big, "{reply}");
        assert_eq!(state["overBudget"], Value::Null, "{reply}");
    }
}

#[test]
fn an_input_the_call_cannot_take_is_the_implementations_answer() {
    let _serial = serial();
    // A budget that is not an object: no call can be built, and that is an error result,
    // never an adapterError.
    for reply in [
        python(&json!({ "budget": 5 })),
        typescript(&json!({ "budget": 5 })),
    ] {
        assert!(reply.get("adapterError").is_none(), "{reply}");
        assert!(reply["output"]["error"]["type"].is_string(), "{reply}");
    }
}

/// The adapter's hello in answer to the harness's `hello`, naming `contracts` when given.
fn hello_of(command: Command, contracts: Option<&[&str]>) -> Value {
    let mut child = spawn(command);
    let mut stdin = child.stdin.take().expect("stdin");
    let mut hello = json!({ "op": "hello", "protocol": 1 });
    if let Some(contracts) = contracts {
        hello["contracts"] = json!(contracts);
    }
    writeln!(stdin, "{hello}").expect("write");
    stdin.flush().expect("flush");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let line = lines.next().expect("a hello").expect("a line");
    writeln!(stdin, "{}", json!({ "op": "bye" })).ok();
    drop(stdin);
    let _ = child.wait();
    serde_json::from_str(&line).expect("a JSON line")
}

#[test]
fn an_adapter_told_its_contracts_loads_only_their_bindings() {
    let _serial = serial();
    for adapter in [python_adapter, typescript_adapter] {
        // Told nothing, it loads every binding: the contracts whose implementation this
        // scrubbed environment lacks are unavailable.
        let every = hello_of(adapter(), None);
        let unavailable = every["unavailable"].as_object().map_or(0, |u| u.len());
        assert!(unavailable > 0, "{every}");
        // Told its contract, it loads that binding alone.
        let one = hello_of(adapter(), Some(&["token-budget"]));
        assert_eq!(one["contracts"], json!(["token-budget"]), "{one}");
        assert_eq!(one["unavailable"], json!({}), "{one}");
        let implementations = one["implementations"].as_object();
        assert_eq!(implementations.map(|i| i.len()), Some(1), "{one}");
    }
}
