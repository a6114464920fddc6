//! The `ledger` rules and the evaluator: the memory ledger over doubles, windows in UTC,
//! the canonical stringify and HMAC-SHA256 signatures.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Number, Value};
use sha2::Sha256;

use crate::canonical::{self, Numbers};
use crate::contract::{Acceptable, Expectation, PathRule, Rule};

pub const FIT: &str = "LEDGER-FIT";
pub const DENY: &str = "LEDGER-DENY";
pub const COMMIT: &str = "LEDGER-COMMIT";
pub const UNKNOWN: &str = "LEDGER-UNKNOWN";
pub const BUCKETS: &str = "LEDGER-BUCKETS";
pub const AMOUNTS: &str = "LEDGER-AMOUNTS";
pub const WINDOW: &str = "LEDGER-WINDOW";
pub const STRINGIFY: &str = "LEDGER-STRINGIFY";
pub const SIGN: &str = "LEDGER-SIGN";

pub static RULES: &[Rule] = &[
    Rule { id: FIT, summary: "A reservation is granted only if it fits both the window and the run budget", text: "A reservation is granted only when estimatedUsd fits both the remaining window budget and the remaining run budget (remaining = max(0, limit − spend)); granting adds estimatedUsd to both spends at once." },
    Rule { id: DENY, summary: "A denied reservation carries estimatedUsd 0, changes nothing and cannot be committed", text: "A denied reservation carries estimatedUsd: 0, changes nothing, and cannot be committed (committing it is an unknown-reservation error)." },
    Rule { id: COMMIT, summary: "Commit moves both spends by actual − estimated, clamped at 0; a second commit does nothing", text: "Commit applies actualUsd − estimatedUsd to both spends, each clamped at 0. Committing the same reservation again changes nothing." },
    Rule { id: UNKNOWN, summary: "Committing a handle that names no granted reservation is an error", text: "Commit of a handle that names no granted reservation is an error." },
    Rule { id: BUCKETS, summary: "Spend is kept per tenant, window and window start, and per tenant and run", text: "Window spend is kept per (tenantId, window, windowStartMs), run spend per (tenantId, runId); separate tenants never share spend." },
    Rule { id: AMOUNTS, summary: "A negative, NaN or infinite amount or limit is an error (fail closed)", text: "A negative, NaN or infinite amount or limit is an error; fail closed. (The upstream ledger does not check this: finding it is the point.)" },
    Rule { id: WINDOW, summary: "windowStart floors nowMs to the start of its minute, hour, day or month in UTC", text: "windowStart floors nowMs to the start of its minute, hour, day or month in UTC. The harness runs adapters under a time zone chosen per run (TZ), so an implementation that uses local time shows up as drift." },
    Rule { id: STRINGIFY, summary: "Canonical JSON: keys sorted by UTF-16 code units, JSON.stringify numbers, no whitespace", text: "Canonical JSON: object keys sorted by UTF-16 code units at every depth, arrays in order, numbers and strings as JSON.stringify writes them, no whitespace." },
    Rule { id: SIGN, summary: "The signature is unpadded base64url of HMAC-SHA256 over the canonical JSON", text: "signature = base64url (no padding) of HMAC-SHA256(secret, stringify(payload))." },
];

pub use crate::contract::RAISED;

/// The latest instant a JavaScript `Date` can hold, in ms either side of 1970.
pub const MAX_TIME_MS: i64 = 8_640_000_000_000_000;

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// An amount or limit as the binding passes it: a JSON number, or one of the strings JSON
/// cannot write as a number. `None` for anything else.
fn amount_value(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// A usable amount: finite and not negative (LEDGER-AMOUNTS). `-0` is zero.
fn amount(value: Option<&Value>) -> Option<f64> {
    amount_value(value).filter(|f| f.is_finite() && *f >= 0.0)
}

/// `Math.max(0, x)` for the non-NaN values the ledger meets.
fn at_least_zero(x: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        0.0
    }
}

/// A double in an output: a JSON number, or the string the protocol writes a non-finite
/// one as.
fn number(f: f64) -> Value {
    match Number::from_f64(f) {
        Some(n) => Value::Number(n),
        None if f.is_nan() => json!("NaN"),
        None if f > 0.0 => json!("Infinity"),
        None => json!("-Infinity"),
    }
}

/// `windowStartMs(nowMs, window)`: the start of the UTC minute, hour, day or month holding
/// `now_ms`, or `None` for a window that is not one of those, or a start before the first
/// instant a `Date` holds (the month of -8.64e15 began earlier: JavaScript makes it NaN)
/// (LEDGER-WINDOW).
pub fn window_start_ms(now_ms: i64, window: &str) -> Option<i64> {
    let floor = |unit: i64| now_ms.div_euclid(unit) * unit;
    match window {
        "minute" => Some(floor(MINUTE_MS)),
        "hour" => Some(floor(HOUR_MS)),
        "day" => Some(floor(DAY_MS)),
        "month" => {
            let (year, month, _) = civil_from_days(now_ms.div_euclid(DAY_MS));
            Some(days_from_civil(year, month, 1) * DAY_MS).filter(|start| *start >= -MAX_TIME_MS)
        }
        _ => None,
    }
}

/// The proleptic Gregorian date of a day number (days since 1970-01-01).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Howard Hinnant's algorithm: eras of 400 years, each 146097 days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // March = 0
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The day number (days since 1970-01-01) of a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let shifted_month = i64::from((month + 9) % 12); // March = 0
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `stableStringify(value)` (LEDGER-STRINGIFY): numbers as the doubles `JSON.parse` makes.
pub fn stringify(value: &Value) -> String {
    canonical::to_string(value, Numbers::JavaScript)
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The signature of `payload` under `secret` (LEDGER-SIGN).
pub fn sign(secret: &[u8], payload: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(hmac_sha256(secret, stringify(payload).as_bytes()))
}

/// The bytes of a hex string: an even number of hex digits, either case.
pub fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).ok())
        .collect()
}

/// What a `reserve` op left behind, by handle.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Handle {
    Granted(usize),
    Denied,
    Failed,
}

#[derive(Debug, Clone)]
struct Reservation {
    window_key: String,
    run_key: String,
    estimated: f64,
    committed: bool,
}

/// One fresh `MemoryLedger`.
#[derive(Debug, Default)]
pub(super) struct Ledger {
    window_spend: BTreeMap<String, f64>,
    run_spend: BTreeMap<String, f64>,
    reservations: Vec<Reservation>,
    handles: Vec<Handle>,
    /// Buckets a commit's clamp at 0 has shaped (LEDGER-COMMIT decides their spend).
    clamped: BTreeSet<String>,
}

/// One op's outcome and the rules that decided it.
pub(super) struct Outcome {
    result: Value,
    rules: Vec<&'static str>,
}

impl Outcome {
    fn ok(value: Value, rules: Vec<&'static str>) -> Self {
        Outcome {
            result: json!({ "ok": value }),
            rules,
        }
    }

    fn raised(rules: Vec<&'static str>) -> Self {
        Outcome {
            result: json!({ "error": RAISED }),
            rules,
        }
    }
}

/// Bucket keys: the JSON text of the key's parts, so no two different keys meet (ids may
/// hold any separator).
fn key(parts: &[Option<&Value>]) -> String {
    let parts: Vec<Value> = parts
        .iter()
        .map(|p| p.cloned().unwrap_or(Value::Null))
        .collect();
    stringify(&Value::Array(parts))
}

impl Ledger {
    fn keys(op: &Value) -> (String, String) {
        let window = key(&[
            op.get("tenantId"),
            op.get("window"),
            op.get("windowStartMs"),
        ]);
        let run = key(&[op.get("tenantId"), op.get("runId")]);
        (window, run)
    }

    fn spends(&self, window_key: &str, run_key: &str) -> (f64, f64) {
        (
            self.window_spend.get(window_key).copied().unwrap_or(0.0),
            self.run_spend.get(run_key).copied().unwrap_or(0.0),
        )
    }

    /// Rules that shaped a snapshot besides the op's own: other buckets in play, a clamp.
    fn snapshot_rules(
        &self,
        window_key: &str,
        run_key: &str,
        own: &[&'static str],
    ) -> Vec<&'static str> {
        let mut rules = Vec::new();
        if self.clamped.contains(window_key) || self.clamped.contains(run_key) {
            rules.push(COMMIT);
        }
        rules.extend_from_slice(own);
        if (self.window_spend.len() > 1 || self.run_spend.len() > 1) && !rules.contains(&BUCKETS) {
            rules.push(BUCKETS);
        }
        rules
    }

    /// The most a `reserve` with `op`'s buckets and limits can be granted: the smaller
    /// remaining budget (0 when a limit is not a usable amount).
    pub(super) fn fitting_estimate(&self, op: &Value) -> f64 {
        let (window_key, run_key) = Self::keys(op);
        let (window_spend, run_spend) = self.spends(&window_key, &run_key);
        let remaining =
            |limit: Option<f64>, spend: f64| limit.map_or(0.0, |l| at_least_zero(l - spend));
        remaining(amount(op.get("windowLimitUsd")), window_spend)
            .min(remaining(amount(op.get("runLimitUsd")), run_spend))
    }

    /// The estimate of the reservation `reserve` op number `handle` was granted, if it was.
    pub(super) fn granted_estimate(&self, handle: usize) -> Option<f64> {
        match self.handles.get(handle) {
            Some(Handle::Granted(index)) => Some(self.reservations[*index].estimated),
            _ => None,
        }
    }

    pub(super) fn reserves(&self) -> usize {
        self.handles.len()
    }

    pub(super) fn apply(&mut self, op: &Value) -> Outcome {
        // An args object holding a field the contract does not define is refused before
        // anything else (fail closed, LEDGER-AMOUNTS): a refused reserve still takes a handle.
        if let Some(fields) = op
            .get("op")
            .and_then(Value::as_str)
            .and_then(defined_fields)
        {
            let defined = |key: &String| key == "op" || fields.contains(&key.as_str());
            if !op.as_object().is_some_and(|o| o.keys().all(defined)) {
                if op["op"] == "reserve" {
                    self.handles.push(Handle::Failed);
                }
                return Outcome::raised(vec![AMOUNTS]);
            }
        }
        match op.get("op").and_then(Value::as_str) {
            Some("reserve") => self.reserve(op),
            Some("commit") => self.commit(op),
            Some("peek") => self.peek(op),
            _ => Outcome::raised(Vec::new()),
        }
    }

    fn reserve(&mut self, op: &Value) -> Outcome {
        let limits = (
            amount(op.get("windowLimitUsd")),
            amount(op.get("runLimitUsd")),
        );
        let (Some(window_limit), Some(run_limit), Some(estimated)) =
            (limits.0, limits.1, amount(op.get("estimatedUsd")))
        else {
            self.handles.push(Handle::Failed);
            return Outcome::raised(vec![AMOUNTS]);
        };
        let (window_key, run_key) = Self::keys(op);
        let (window_spend, run_spend) = self.spends(&window_key, &run_key);
        let fits = estimated <= at_least_zero(window_limit - window_spend)
            && estimated <= at_least_zero(run_limit - run_spend);
        if !fits {
            self.handles.push(Handle::Denied);
            let rules = self.snapshot_rules(&window_key, &run_key, &[DENY, FIT]);
            let snapshot = snapshot(window_spend, run_spend, window_limit, run_limit);
            return Outcome::ok(
                json!({ "reservation": reservation(op, 0.0), "snapshot": snapshot }),
                rules,
            );
        }
        let (window_spend, run_spend) = (window_spend + estimated, run_spend + estimated);
        self.window_spend.insert(window_key.clone(), window_spend);
        self.run_spend.insert(run_key.clone(), run_spend);
        self.handles.push(Handle::Granted(self.reservations.len()));
        let rules = self.snapshot_rules(&window_key, &run_key, &[FIT]);
        self.reservations.push(Reservation {
            window_key,
            run_key,
            estimated,
            committed: false,
        });
        let snapshot = snapshot(window_spend, run_spend, window_limit, run_limit);
        Outcome::ok(
            json!({ "reservation": reservation(op, estimated), "snapshot": snapshot }),
            rules,
        )
    }

    fn commit(&mut self, op: &Value) -> Outcome {
        let Some(actual) = amount(op.get("actualUsd")) else {
            return Outcome::raised(vec![AMOUNTS]);
        };
        let handle = op
            .get("reservation")
            .and_then(Value::as_u64)
            .and_then(|h| usize::try_from(h).ok())
            .and_then(|h| self.handles.get(h).copied());
        let index = match handle {
            Some(Handle::Granted(index)) => index,
            Some(Handle::Denied) => return Outcome::raised(vec![DENY, UNKNOWN]),
            Some(Handle::Failed) | None => return Outcome::raised(vec![UNKNOWN]),
        };
        let reservation = &mut self.reservations[index];
        if reservation.committed {
            return Outcome::ok(Value::Null, vec![COMMIT]);
        }
        reservation.committed = true;
        let delta = actual - reservation.estimated;
        let (window_key, run_key) = (reservation.window_key.clone(), reservation.run_key.clone());
        for (spends, key) in [
            (&mut self.window_spend, window_key),
            (&mut self.run_spend, run_key),
        ] {
            let spend = spends.get(&key).copied().unwrap_or(0.0) + delta;
            if spend < 0.0 {
                self.clamped.insert(key.clone());
            }
            spends.insert(key, at_least_zero(spend));
        }
        Outcome::ok(Value::Null, vec![COMMIT])
    }

    fn peek(&self, op: &Value) -> Outcome {
        let (Some(window_limit), Some(run_limit)) = (
            amount(op.get("windowLimitUsd")),
            amount(op.get("runLimitUsd")),
        ) else {
            return Outcome::raised(vec![AMOUNTS]);
        };
        let (window_key, run_key) = Self::keys(op);
        let (window_spend, run_spend) = self.spends(&window_key, &run_key);
        Outcome::ok(
            snapshot(window_spend, run_spend, window_limit, run_limit),
            self.snapshot_rules(&window_key, &run_key, &[BUCKETS]),
        )
    }
}

/// The fields the contract defines for a script op (besides `op`).
pub fn defined_fields(op: &str) -> Option<&'static [&'static str]> {
    const PEEK: [&str; 6] = [
        "tenantId",
        "runId",
        "window",
        "windowStartMs",
        "windowLimitUsd",
        "runLimitUsd",
    ];
    const RESERVE: [&str; 8] = [
        "tenantId",
        "runId",
        "window",
        "windowStartMs",
        "windowLimitUsd",
        "runLimitUsd",
        "estimatedUsd",
        "nowMs",
    ];
    match op {
        "reserve" => Some(&RESERVE),
        "peek" => Some(&PEEK),
        "commit" => Some(&["reservation", "actualUsd"]),
        _ => None,
    }
}

/// The reservation `reserve` returns, without its random id: the args it was made for, as
/// given (a field the op does not hold is absent), the amount charged (0 when denied), and
/// `createdAtMs`, the op's `nowMs`.
fn reservation(op: &Value, charged: f64) -> Value {
    let mut fields = serde_json::Map::new();
    for (field, from) in [
        ("tenantId", "tenantId"),
        ("runId", "runId"),
        ("window", "window"),
        ("windowStartMs", "windowStartMs"),
    ] {
        if let Some(value) = op.get(from) {
            fields.insert(field.into(), value.clone());
        }
    }
    fields.insert("estimatedUsd".into(), number(charged));
    if let Some(now) = op.get("nowMs") {
        fields.insert("createdAtMs".into(), now.clone());
    }
    Value::Object(fields)
}

fn snapshot(window_spend: f64, run_spend: f64, window_limit: f64, run_limit: f64) -> Value {
    json!({
        "windowSpendUsd": number(window_spend),
        "runSpendUsd": number(run_spend),
        "windowLimitUsd": number(window_limit),
        "runLimitUsd": number(run_limit),
        "remainingWindowUsd": number(at_least_zero(window_limit - window_spend)),
        "remainingRunUsd": number(at_least_zero(run_limit - run_spend)),
    })
}

/// A single call: `windowStart`, `sign` or `stringify`.
fn single(op: &Value) -> Outcome {
    match op.get("op").and_then(Value::as_str) {
        Some("windowStart") => {
            let now = op
                .get("nowMs")
                .and_then(Value::as_f64)
                .filter(|f| f.fract() == 0.0 && f.abs() <= MAX_TIME_MS as f64);
            let window = op.get("window").and_then(Value::as_str);
            match (now, window) {
                (Some(now), Some(window)) => match window_start_ms(now as i64, window) {
                    Some(start) => Outcome::ok(json!(start), vec![WINDOW]),
                    None => Outcome::raised(vec![WINDOW]),
                },
                _ => Outcome::raised(vec![WINDOW]),
            }
        }
        Some("sign") => {
            let secret = op
                .get("secretHex")
                .and_then(Value::as_str)
                .and_then(hex_bytes);
            match (secret, op.get("payload")) {
                (Some(secret), Some(payload)) => {
                    Outcome::ok(json!(sign(&secret, payload)), vec![SIGN, STRINGIFY])
                }
                _ => Outcome::raised(vec![SIGN]),
            }
        }
        Some("stringify") => match op.get("value") {
            Some(value) => Outcome::ok(json!(stringify(value)), vec![STRINGIFY]),
            None => Outcome::raised(vec![STRINGIFY]),
        },
        _ => Outcome::raised(Vec::new()),
    }
}

/// The reference's output for a case, with the rules behind each part.
fn run_case(input: &Value) -> (Value, Vec<PathRule>) {
    let Some(ops) = input.get("ops").and_then(Value::as_array) else {
        let outcome = single(input);
        return (outcome.result, vec![PathRule::new("", outcome.rules)]);
    };
    let mut ledger = Ledger::default();
    let mut results = Vec::with_capacity(ops.len());
    let mut path_rules = Vec::with_capacity(ops.len() + 1);
    for (n, op) in ops.iter().enumerate() {
        let outcome = ledger.apply(op);
        results.push(outcome.result);
        path_rules.push(PathRule::new(format!("/results/{n}"), outcome.rules));
    }
    path_rules.push(PathRule::new("", vec![FIT]));
    (json!({ "results": results }), path_rules)
}

/// The reference's output for a case (errors as [`RAISED`]).
pub fn expected_output(input: &Value) -> Value {
    run_case(input).0
}

pub fn evaluate(input: &Value) -> Expectation {
    let (output, path_rules) = run_case(input);
    Expectation {
        acceptable: vec![Acceptable { output, path_rules }],
        virtual_duration_ms: 0,
    }
}
