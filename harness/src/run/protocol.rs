//! The adapter protocol, version 1 (`adapters/PROTOCOL.md`): messages the harness sends and
//! the replies it accepts, each reply checked against `adapters/protocol.schema.json`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::IncidentKind;

mod plain_hello;

pub const PROTOCOL_VERSION: u64 = 1;

const SCHEMA_TEXT: &str = include_str!("../../../adapters/protocol.schema.json");

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        // The schema ships inside the binary; a unit test proves it parses and compiles.
        let schema: Value =
            serde_json::from_str(SCHEMA_TEXT).expect("protocol schema is valid JSON");
        jsonschema::validator_for(&schema).expect("protocol schema compiles")
    })
}

/// Messages from the harness to an adapter.
#[derive(Debug, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Request<'a> {
    Hello {
        protocol: u64,
        /// The contracts the harness will ask for: an adapter may load only their bindings
        /// (absent: every contract, as `doctor` asks).
        #[serde(skip_serializing_if = "Option::is_none")]
        contracts: Option<&'a [&'a str]>,
        /// Offers the batch messages (`runs`, `results`); absent, an adapter never sends them.
        #[serde(skip_serializing_if = "Option::is_none")]
        batch: Option<BatchOffer>,
        /// Offers coverage (`verify --coverage`); absent, an adapter measures nothing.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        coverage: bool,
        /// Offers guidance (`verify --guided`): each result then says what its case reached.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        guided: bool,
    },
    Run {
        id: u64,
        contract: &'a str,
        input: &'a Value,
    },
    /// Several cases in one message, to an adapter that accepted the batch offer.
    Runs {
        contract: &'a str,
        cases: &'a [BatchCase<'a>],
    },
    Ping {
        token: u64,
    },
    /// Optional: asks for a paste-ready program reproducing `input` with the real API, one
    /// that checks itself against `expected` (the outputs the contract accepts, in compared
    /// form) when given; `actual` is what the implementation did, for the report to show.
    Snippet {
        id: u64,
        contract: &'a str,
        input: &'a Value,
        #[serde(skip_serializing_if = "Option::is_none")]
        expected: Option<&'a [Value]>,
        #[serde(skip_serializing_if = "Option::is_none")]
        actual: Option<&'a Value>,
    },
    /// After the last case, to an adapter that accepted coverage: what `contract`'s
    /// implementation ran so far.
    Coverage {
        contract: &'a str,
    },
    Bye,
}

/// The batch offer in the harness's hello: results may come several to a message, each
/// message at most `max_bytes` long (a result longer than that alone comes as a `result`), so
/// a batch never runs into the reply limit that only one case's output should meet.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchOffer {
    pub max_bytes: usize,
}

/// One case of a `runs` message.
#[derive(Debug, Serialize)]
pub struct BatchCase<'a> {
    pub id: u64,
    pub input: &'a Value,
}

impl Request<'_> {
    /// One protocol line, newline included.
    #[cfg(test)]
    fn line(&self) -> String {
        let mut line = Vec::new();
        self.write_line(&mut line);
        // serde_json writes UTF-8.
        String::from_utf8(line).unwrap_or_default()
    }

    /// Appends one protocol line, newline included, to `out`.
    pub fn write_line(&self, out: &mut Vec<u8>) {
        // Serializing these types into memory cannot fail: every field is plain JSON.
        let _ = serde_json::to_writer(&mut *out, self);
        out.push(b'\n');
    }
}

/// Read strictly, as both the protocol and report schemas have it: no other members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdapterInfo {
    pub name: String,
    pub language: String,
    pub version: String,
}

/// Read strictly, as the protocol, report and corpus formats have it: no other members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub name: String,
    pub version: String,
}

/// An adapter's `hello`, read only in the shape the schema allows (no other members, at
/// any level), so the fast path can read a line straight into it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    /// Read only to require it: the schema's `"const": "hello"`.
    op: HelloOp,
    pub protocol: u64,
    #[serde(rename = "impl")]
    pub adapter: AdapterInfo,
    pub contracts: Vec<String>,
    pub implementations: BTreeMap<String, Package>,
    #[serde(default)]
    pub unavailable: BTreeMap<String, String>,
    /// Accepts the harness's batch offer: takes `runs`, may answer with `results`.
    #[serde(default)]
    pub batch: bool,
    /// Accepts the harness's coverage offer: answers `coverage` after the last case.
    #[serde(default)]
    pub coverage: bool,
    /// Accepts the harness's guidance offer: each result carries `reached`.
    #[serde(default)]
    pub guided: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
enum HelloOp {
    #[serde(rename = "hello")]
    Hello,
}

/// What one adapter process measured of one file of the implementation under test.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileCoverage {
    /// The file's absolute path.
    pub path: String,
    pub lines_hit: Vec<u32>,
    pub lines_missed: Vec<u32>,
    /// Branches by an id of the adapter's own (an arc, a block's arm).
    pub branches_hit: Vec<String>,
    pub branches_missed: Vec<String>,
}

/// The `coverage` reply: every file of the contract's implementation that ran.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CoverageReply {
    pub contract: String,
    pub files: Vec<FileCoverage>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AdapterError {
    pub message: String,
    #[serde(default)]
    pub traceback: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseReply {
    pub id: u64,
    #[serde(default)]
    pub output: Option<Value>,
    #[serde(default)]
    pub elapsed_ms: Option<f64>,
    #[serde(default)]
    pub timer_lag_ms: Option<f64>,
    #[serde(default)]
    pub adapter_error: Option<AdapterError>,
    /// With guidance: the branches of the implementation this case reached, by ids of the
    /// adapter's own (an arc "file:from>to", a block).
    #[serde(default)]
    pub reached: Option<Vec<String>>,
}

/// One message from an adapter, by its `op`.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Hello(Hello),
    Result(CaseReply),
    /// A `results` message: each result read on its own, so one that breaks the protocol
    /// fails its case alone.
    Results(Vec<Result<CaseReply, Violation>>),
    Pong {
        token: u64,
    },
    Snippet(SnippetReply),
    Coverage(CoverageReply),
}

/// A program in the implementation's language that reproduces one case.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct SnippetReply {
    pub id: u64,
    pub language: String,
    pub code: Option<String>,
    /// What the contract expects and what the implementation did, as the program prints
    /// them (present when the request carried `expected` and `actual`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// The environment variable the program reads the package's location from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A line that is not a valid reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// What is wrong with it (the line itself not included: see [`excerpt`]).
    pub problem: String,
    /// `NotJson` or `InvalidMessage`.
    pub kind: IncidentKind,
    /// The case the line answers, when it is recognisably a result for one.
    pub id: Option<u64>,
}

/// Longest excerpt of an offending line kept in reports.
const EXCERPT_CHARS: usize = 200;

pub fn excerpt(line: &str) -> String {
    excerpt_of(line, line.len() as u64)
}

/// The start of a line of `total` bytes that begins with `head`, and how much more of it
/// there was.
pub fn excerpt_of(head: &str, total: u64) -> String {
    let shown = match head.char_indices().nth(EXCERPT_CHARS) {
        Some((at, _)) => &head[..at],
        None => head,
    };
    match total.saturating_sub(shown.len() as u64) {
        0 => shown.to_owned(),
        rest => format!("{shown}{}", more_marker(rest)),
    }
}

/// `text` cut to its first `keep` characters, followed by how much was left out
/// ("… 99.9 MB more"): text from adapters is shown at a readable size, never whole.
pub fn cut(text: &str, keep: usize) -> Cow<'_, str> {
    match text.char_indices().nth(keep) {
        None => Cow::Borrowed(text),
        Some((at, _)) => Cow::Owned(format!(
            "{}{}",
            &text[..at],
            more_marker((text.len() - at) as u64)
        )),
    }
}

/// The marker that ends a shortened text: "… 12 bytes more", "… 99.9 MB more".
pub fn more_marker(bytes: u64) -> String {
    format!("… {} more", size(bytes))
}

/// A size in bytes for people: "512 bytes", "1.0 kB", "99.9 MB" (powers of 1000).
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// The id of the result a line over the size limit answers, found in its head: such a
/// line is never parsed whole, so its `"id":N` is looked for as text.
pub fn result_id_in_head(head: &str) -> Option<u64> {
    let compact: String = head.chars().filter(|c| !c.is_whitespace()).collect();
    if !compact.contains(r#""op":"result""#) {
        return None;
    }
    let digits = compact.split_once(r#""id":"#)?.1;
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// Parses and validates one line an adapter wrote.
pub fn parse_reply(line: &str) -> Result<Reply, Violation> {
    if let Some(reply) = plain_result(line) {
        return Ok(Reply::Result(reply));
    }
    if let Some(replies) = plain_results(line) {
        return Ok(Reply::Results(replies));
    }
    if let Some(hello) = plain_hello::plain_hello(line) {
        return Ok(Reply::Hello(hello));
    }
    checked_reply(line)
}

/// A present member, `null` included: `#[serde(default)]` leaves it `None` only when absent.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    member: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(member).map(Some)
}

/// A `result` message as the schema has it, read straight from the line; without its `op`,
/// one result of a `results` message.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WireAnswer {
    #[serde(default)]
    op: Option<ResultOp>,
    id: u64,
    #[serde(default, deserialize_with = "present")]
    output: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    elapsed_ms: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    timer_lag_ms: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    adapter_error: Option<WireAdapterError>,
    #[serde(default, deserialize_with = "present")]
    reached: Option<Vec<String>>,
}

#[derive(Deserialize)]
enum ResultOp {
    #[serde(rename = "result")]
    Result,
}

/// A `results` message as the schema has it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireResults {
    op: ResultsOp,
    results: Vec<WireAnswer>,
}

#[derive(Deserialize)]
enum ResultsOp {
    #[serde(rename = "results")]
    Results,
}

#[derive(Deserialize)]
struct WireAdapterError {
    message: String,
    #[serde(default, deserialize_with = "present")]
    traceback: Option<String>,
}

/// The fast path for the message nearly every line is: a `result` read into its typed form
/// with no intermediate tree and no schema walk. It accepts only what the schema accepts (no
/// other members, exactly one of `output` and `adapterError`, a non-negative `elapsedMs`);
/// anything else, well-formed or not, is `None` and goes the checked way, which says what
/// is wrong.
fn plain_result(line: &str) -> Option<CaseReply> {
    let wire: WireAnswer = serde_json::from_str(line).ok()?;
    wire.op.as_ref()?;
    wire.reply()
}

/// [`plain_result`] for a `results` message whose every result is plain.
fn plain_results(line: &str) -> Option<Vec<Result<CaseReply, Violation>>> {
    let wire: WireResults = serde_json::from_str(line).ok()?;
    let ResultsOp::Results = wire.op;
    wire.results
        .into_iter()
        .map(|answer| {
            answer
                .op
                .is_none()
                .then(|| answer.reply().map(Ok))
                .flatten()
        })
        .collect()
}

impl WireAnswer {
    /// The reply, when it has a shape the schema allows (see [`plain_result`]).
    fn reply(self) -> Option<CaseReply> {
        if self.output.is_some() == self.adapter_error.is_some()
            || self.elapsed_ms.is_some_and(|ms| ms < 0.0 || ms.is_nan())
        {
            return None;
        }
        Some(CaseReply {
            id: self.id,
            // As the checked path reads it: an `output` of `null` counts as none.
            output: self.output.filter(|output| !output.is_null()),
            elapsed_ms: self.elapsed_ms,
            timer_lag_ms: self.timer_lag_ms,
            adapter_error: self.adapter_error.map(|e| AdapterError {
                message: e.message,
                traceback: e.traceback,
            }),
            reached: self.reached,
        })
    }
}

/// Any line, parsed as JSON and checked against the protocol schema.
fn checked_reply(line: &str) -> Result<Reply, Violation> {
    let value: Value = serde_json::from_str(line).map_err(|e| Violation {
        problem: format!("not JSON ({e})"),
        kind: IncidentKind::NotJson,
        id: None,
    })?;
    if value.get("op") == Some(&Value::from("results")) {
        return checked_results(value);
    }
    checked_message(value)
}

/// A `results` message, each result checked as the `result` message it stands for.
fn checked_results(value: Value) -> Result<Reply, Violation> {
    let shape = |problem: &str| Violation {
        problem: format!("breaks the protocol schema: a `results` message {problem}"),
        kind: IncidentKind::InvalidMessage,
        id: None,
    };
    let Value::Object(mut message) = value else {
        return Err(shape("must be an object"));
    };
    if message.len() != 2 {
        return Err(shape("has exactly the members `op` and `results`"));
    }
    let Some(Value::Array(results)) = message.remove("results") else {
        return Err(shape("holds its results in an array, `results`"));
    };
    let replies = results
        .into_iter()
        .map(|result| {
            let Value::Object(mut fields) = result else {
                return Err(shape("holds objects only"));
            };
            if fields.contains_key("op") {
                return Err(Violation {
                    id: fields.get("id").and_then(Value::as_u64),
                    ..shape("holds results without an `op`")
                });
            }
            fields.insert("op".into(), Value::from("result"));
            match checked_message(Value::Object(fields))? {
                Reply::Result(reply) => Ok(reply),
                _ => Err(shape("holds results only")),
            }
        })
        .collect();
    Ok(Reply::Results(replies))
}

/// One message (not `results`) checked against the protocol schema.
fn checked_message(value: Value) -> Result<Reply, Violation> {
    let id = (value.get("op") == Some(&Value::from("result")))
        .then(|| value.get("id").and_then(Value::as_u64))
        .flatten();
    if let Some(error) = validator().iter_errors(&value).next() {
        return Err(Violation {
            problem: format!(
                "breaks the protocol schema at `{}`: {}",
                error.instance_path(),
                cut(&error.to_string(), EXCERPT_CHARS)
            ),
            kind: IncidentKind::InvalidMessage,
            id,
        });
    }
    // Each op's fields straight from the value: serde's buffering of an internally tagged
    // enum cannot hold integers beyond 64 bits, which outputs may (TOKEN-INTEGERS).
    #[derive(Deserialize)]
    struct Pong {
        token: u64,
    }
    let op = value.get("op").and_then(Value::as_str).unwrap_or_default();
    let reply = match op {
        "hello" => serde_json::from_value(value).map(Reply::Hello),
        "result" => serde_json::from_value(value).map(Reply::Result),
        "pong" => serde_json::from_value(value).map(|p: Pong| Reply::Pong { token: p.token }),
        "snippet" => serde_json::from_value(value).map(Reply::Snippet),
        "coverage" => serde_json::from_value(value).map(Reply::Coverage),
        other => Err(serde::de::Error::custom(format!("unknown op `{other}`"))),
    };
    reply.map_err(|e| Violation {
        problem: format!("unreadable reply ({e})"),
        kind: IncidentKind::InvalidMessage,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_serialize_as_the_protocol_says() {
        let input = json!({"a": 1});
        assert_eq!(
            Request::Hello {
                protocol: 1,
                contracts: None,
                batch: None,
                coverage: false,
                guided: false
            }
            .line(),
            "{\"op\":\"hello\",\"protocol\":1}\n"
        );
        assert_eq!(
            Request::Hello {
                protocol: 1,
                contracts: Some(&["migrate"]),
                batch: Some(BatchOffer { max_bytes: 4096 }),
                coverage: true,
                guided: true
            }
            .line(),
            "{\"op\":\"hello\",\"protocol\":1,\"contracts\":[\"migrate\"],\"batch\":{\"maxBytes\":4096},\"coverage\":true,\"guided\":true}\n"
        );
        let cases = [BatchCase {
            id: 4,
            input: &input,
        }];
        assert_eq!(
            Request::Runs {
                contract: "migrate",
                cases: &cases
            }
            .line(),
            "{\"op\":\"runs\",\"contract\":\"migrate\",\"cases\":[{\"id\":4,\"input\":{\"a\":1}}]}\n"
        );
        assert_eq!(
            Request::Run {
                id: 3,
                contract: "budget",
                input: &input
            }
            .line(),
            "{\"op\":\"run\",\"id\":3,\"contract\":\"budget\",\"input\":{\"a\":1}}\n"
        );
        assert_eq!(
            Request::Ping { token: 2 }.line(),
            "{\"op\":\"ping\",\"token\":2}\n"
        );
        assert_eq!(Request::Bye.line(), "{\"op\":\"bye\"}\n");
        let expected = [json!({"ok": 1}), json!({"ok": 2})];
        assert_eq!(
            Request::Snippet {
                id: 0,
                contract: "migrate",
                input: &input,
                expected: Some(&expected),
                actual: Some(&json!({"ok": 3})),
            }
            .line(),
            "{\"op\":\"snippet\",\"id\":0,\"contract\":\"migrate\",\"input\":{\"a\":1},\"expected\":[{\"ok\":1},{\"ok\":2}],\"actual\":{\"ok\":3}}\n"
        );
    }

    #[test]
    fn a_snippet_reply_may_carry_the_texts_the_program_prints_and_its_source_variable() {
        let reply = r#"{"op":"snippet","id":0,"language":"python","code":"print(1)","expected":"expected: 1","actual":"actual: 2","source":"AEGIS_PY_SRC"}"#;
        let Ok(Reply::Snippet(snippet)) = parse_reply(reply) else {
            panic!("not a snippet reply: {reply}");
        };
        assert_eq!(snippet.expected.as_deref(), Some("expected: 1"));
        assert_eq!(snippet.actual.as_deref(), Some("actual: 2"));
        assert_eq!(snippet.source.as_deref(), Some("AEGIS_PY_SRC"));
        let not_a_variable = reply.replace("AEGIS_PY_SRC", "A B");
        assert!(parse_reply(&not_a_variable).is_err());
    }

    #[test]
    fn valid_replies_parse() {
        let hello = r#"{"op":"hello","protocol":1,"impl":{"name":"a","language":"python","version":"3"},"contracts":["budget"],"implementations":{"budget":{"name":"aegis","version":"1"}}}"#;
        assert!(matches!(parse_reply(hello), Ok(Reply::Hello(h)) if h.contracts == ["budget"]));
        let result =
            r#"{"op":"result","id":4,"output":{"x":null},"elapsedMs":1.5,"timerLagMs":-0.1}"#;
        assert!(
            matches!(parse_reply(result), Ok(Reply::Result(r)) if r.id == 4 && r.elapsed_ms == Some(1.5))
        );
        let error = r#"{"op":"result","id":5,"adapterError":{"message":"boom"}}"#;
        assert!(matches!(parse_reply(error), Ok(Reply::Result(r)) if r.adapter_error.is_some()));
        assert_eq!(
            parse_reply(r#"{"op":"pong","token":1}"#),
            Ok(Reply::Pong { token: 1 })
        );
    }

    #[test]
    fn the_fast_path_reads_results_as_the_schema_checked_path_does() {
        for line in [
            r#"{"op":"result","id":4,"output":{"x":null,"n":[1,2.50,18446744073709551617]},"elapsedMs":1.5,"timerLagMs":-0.1}"#,
            r#"{"id":0,"output":"text","op":"result"}"#,
            r#"{"op":"result","id":5,"adapterError":{"message":"boom","traceback":"t","extra":1}}"#,
            r#"{"op":"result","id":6,"output":null}"#,
            r#"{"op":"result","id":7,"elapsedMs":0}"#,
            r#"{"op":"result","id":8,"output":1,"elapsedMs":-1}"#,
            r#"{"op":"result","id":9,"output":1,"elapsedMs":null}"#,
            r#"{"op":"result","id":9,"output":1,"extra":true}"#,
            r#"{"op":"result","id":9,"output":1,"adapterError":{"message":"x"}}"#,
            r#"{"op":"result","id":9,"adapterError":{"message":"x","traceback":null}}"#,
            r#"{"op":"result","id":9,"output":1,"output":2}"#,
            r#"{"op":"result","id":-1,"output":1}"#,
            r#"{"op":"pong","token":1}"#,
            r#"{"op":"results","results":[{"op":"result","id":1,"output":1}]}"#,
            r#"{"op":"results","results":[{"id":1,"output":1}]}"#,
        ] {
            assert_eq!(
                parse_reply(line),
                checked_reply(line),
                "the fast path must not change how {line} reads"
            );
        }
        assert!(plain_result(r#"{"op":"result","id":4,"output":{"x":[1]}}"#).is_some());
    }

    #[test]
    fn results_are_read_one_by_one_and_a_bad_one_fails_alone() {
        let fine = r#"{"op":"results","results":[{"id":1,"output":{"a":1},"elapsedMs":0.5},{"id":2,"adapterError":{"message":"m"}}]}"#;
        let checked = checked_reply(fine);
        assert_eq!(parse_reply(fine), checked, "both paths read it alike");
        let Ok(Reply::Results(replies)) = checked else {
            panic!("a results message: {checked:?}");
        };
        assert_eq!(replies.len(), 2);
        assert!(matches!(&replies[0], Ok(r) if r.id == 1 && r.elapsed_ms == Some(0.5)));
        assert!(matches!(&replies[1], Ok(r) if r.adapter_error.is_some()));

        let one_bad = r#"{"op":"results","results":[{"id":1,"output":1},{"id":2,"output":1,"extra":0},{"id":3}]}"#;
        let Ok(Reply::Results(replies)) = parse_reply(one_bad) else {
            panic!("still a results message");
        };
        assert!(replies[0].is_ok());
        for (bad, id) in replies[1..].iter().zip([2, 3]) {
            let violation = bad.as_ref().unwrap_err();
            assert_eq!(
                (violation.id, violation.kind),
                (Some(id), IncidentKind::InvalidMessage)
            );
        }
        for broken in [
            r#"{"op":"results","results":{}}"#,
            r#"{"op":"results","results":[],"more":1}"#,
            r#"{"op":"results"}"#,
        ] {
            let violation = parse_reply(broken).unwrap_err();
            assert_eq!(
                (violation.id, violation.kind),
                (None, IncidentKind::InvalidMessage)
            );
        }
        assert!(validator()
            .validate(&serde_json::from_str(fine).unwrap())
            .is_ok());
    }

    #[test]
    fn invalid_replies_are_violations_attributed_when_possible() {
        let garbage = parse_reply("hello world").unwrap_err();
        assert_eq!((garbage.id, garbage.kind), (None, IncidentKind::NotJson));
        assert!(garbage.problem.starts_with("not JSON"));
        let both =
            parse_reply(r#"{"op":"result","id":9,"output":1,"adapterError":{"message":"x"}}"#)
                .unwrap_err();
        assert_eq!(
            (both.id, both.kind),
            (Some(9), IncidentKind::InvalidMessage)
        );
        let neither = parse_reply(r#"{"op":"result","id":9}"#).unwrap_err();
        assert_eq!(neither.id, Some(9));
        assert!(parse_reply(r#"{"op":"result","id":-1,"output":1}"#).is_err());
        assert!(parse_reply(r#"{"op":"shout"}"#).is_err());
        assert!(parse_reply(r#"{"op":"pong","token":1,"extra":true}"#).is_err());
    }

    #[test]
    fn long_text_is_cut_with_what_was_left_out() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("ééééé", 2), "éé… 6 bytes more");
        let long = "x".repeat(100_000_200);
        assert_eq!(
            cut(&long, 200),
            format!("{}… 100.0 MB more", "x".repeat(200))
        );
        assert_eq!(
            excerpt_of("abc", 100_000_003),
            "abc… 100.0 MB more",
            "the head of a line too long to keep says how long it was"
        );
        assert_eq!(size(999), "999 bytes");
        assert_eq!(size(1_048_576), "1.0 MB");
        assert_eq!(size(99_900_000), "99.9 MB");
        assert_eq!(size(999_999_999), "1.0 GB");
    }

    #[test]
    fn the_id_of_an_oversized_result_is_read_from_its_head() {
        assert_eq!(
            result_id_in_head(r#"{"op": "result", "id": 42, "output": {"x": "aaaa"#),
            Some(42)
        );
        assert_eq!(
            result_id_in_head(r#"{"id":7,"op":"result","output":"#),
            Some(7)
        );
        assert_eq!(result_id_in_head(r#"{"op":"pong","token":3"#), None);
        assert_eq!(result_id_in_head("xxxxxxxx"), None);
    }
}
