//! `vectors import --format aegis`: aegis's own golden vectors (`vectors/budget-cases.json`
//! of an aegis checkout), converted to our format, with every upstream expectation that
//! disagrees with the reference reported rather than silently rewritten.

use std::path::{Path, PathBuf};

use reference::{Acceptable, Contract, GenSettings};
use serde::Deserialize;
use serde_json::Value;

use super::{render, vector, VectorFile};
use crate::errors::Error;
use crate::fsio::write_atomically;

#[derive(Deserialize)]
struct UpstreamFile {
    #[serde(rename = "$schema_version")]
    schema_version: String,
    cases: Vec<UpstreamCase>,
}

#[derive(Deserialize)]
struct UpstreamCase {
    id: String,
    #[serde(default)]
    description: String,
    input: Value,
    expected: Value,
}

/// An upstream vector whose expectation the reference does not share.
#[derive(Debug, Clone, PartialEq)]
pub struct Disagreement {
    pub id: String,
    pub fields: Vec<String>,
    pub rules: Vec<String>,
}

/// The upstream fields that differ from one acceptable output, with the pointer of our
/// output that decides each.
fn differing_fields(upstream: &Value, input: &Value, ours: &Value) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for field in [
        "outcome",
        "value",
        "errorName",
        "originalErrorName",
        "fallbackErrorName",
    ] {
        if let Some(theirs) = upstream.get(field) {
            if crate::judge::canonical(theirs) != crate::judge::canonical(&ours[field]) {
                fields.push((
                    format!("{field}: upstream {theirs}, reference {}", ours[field]),
                    format!("/{field}"),
                ));
            }
        }
    }
    if let Some(tags) = upstream.get("tags") {
        let (our_tags, pointer) = match ours["events"].get(0) {
            Some(event) => (&event["tags"], "/events/0/tags"),
            None => (&input["tags"], "/tagsSeen"),
        };
        if crate::judge::canonical(tags) != crate::judge::canonical(our_tags) {
            fields.push((
                format!("tags: upstream {tags}, reference {our_tags}"),
                pointer.to_owned(),
            ));
        }
    }
    if upstream.get("withinBudget") == Some(&Value::Bool(false)) {
        fields.push((
            "withinBudget: upstream false, but the contract bounds every call".into(),
            "timing".into(),
        ));
    }
    fields
}

fn disagreement(
    contract: &dyn Contract,
    id: &str,
    upstream: &Value,
    input: &Value,
    acceptable: &[Acceptable],
) -> Option<Disagreement> {
    let mut closest: Option<Vec<(String, String)>> = None;
    let mut closest_at = 0;
    for (i, a) in acceptable.iter().enumerate() {
        let fields = differing_fields(upstream, input, &a.output);
        if fields.is_empty() {
            return None;
        }
        if closest.as_ref().is_none_or(|c| fields.len() < c.len()) {
            closest = Some(fields);
            closest_at = i;
        }
    }
    let fields = closest?;
    let mut rules: Vec<&'static str> = Vec::new();
    for (_, pointer) in &fields {
        let cited: Vec<&'static str> = match pointer.as_str() {
            "timing" => contract
                .timing_limit(input, &acceptable[closest_at].output, 0)
                .map(|l| vec![l.rule])
                .unwrap_or_default(),
            p => acceptable[closest_at].rules_for(p).to_vec(),
        };
        for rule in cited {
            if !rules.contains(&rule) {
                rules.push(rule);
            }
        }
    }
    Some(Disagreement {
        id: id.to_owned(),
        fields: fields.into_iter().map(|(f, _)| f).collect(),
        rules: rules.into_iter().map(str::to_owned).collect(),
    })
}

/// Converts `upstream` into `vectors/budget.aegis.json` under `dir`.
pub fn import(upstream: &Path, dir: &Path) -> Result<(PathBuf, usize, Vec<Disagreement>), Error> {
    let input_error = |message: String| Error::Input {
        path: upstream.to_owned(),
        message,
        hint: Some("point at an aegis checkout's vectors/budget-cases.json".into()),
    };
    let text =
        std::fs::read_to_string(upstream).map_err(|e| input_error(format!("cannot read: {e}")))?;
    let file: UpstreamFile = serde_json::from_str(&text).map_err(|e| {
        input_error(format!(
            "line {}, column {}: not an aegis vectors file: {e}",
            e.line(),
            e.column()
        ))
    })?;
    if !file.schema_version.starts_with("1.") {
        return Err(input_error(format!(
            "unsupported $schema_version {} (this importer reads 1.x)",
            file.schema_version
        )));
    }
    let contract = reference::contract("budget").expect("budget is registered");
    let settings = GenSettings::default();
    let mut vectors = Vec::new();
    let mut disagreements = Vec::new();
    for case in file.cases {
        let id = format!("aegis-{}", case.id);
        let acceptable = contract.expect(&case.input, &settings).acceptable;
        if let Some(d) = disagreement(contract, &case.id, &case.expected, &case.input, &acceptable)
        {
            disagreements.push(d);
        }
        let mut v = vector(contract, &settings, id, case.description, case.input);
        v.source = Some(format!("aegis vectors/budget-cases.json, case {}", case.id));
        v.upstream = Some(case.expected);
        vectors.push(v);
    }
    let count = vectors.len();
    let out = dir.join("budget.aegis.json");
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_owned(),
        source,
    })?;
    write_atomically(
        &out,
        render(&VectorFile {
            contract: "budget".into(),
            race_band_ms: settings.race_band_ms,
            vectors,
        })
        .as_bytes(),
    )?;
    Ok((out, count, disagreements))
}
