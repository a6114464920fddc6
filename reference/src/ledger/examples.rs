//! Hand-picked cases, frozen as golden vectors by `vectors regen`.
//!
//! Ids name the behaviour shown; cases whose point is a raised error end in `-fails`.

use serde_json::{json, Value};

use crate::contract::Example;

fn example(id: &'static str, description: &'static str, input: Value) -> Example {
    Example {
        id,
        description,
        input,
    }
}

/// A reserve on tenant `t`, run `r1`, the minute window at 0, with the given limits.
fn reserve(window_limit: Value, run_limit: Value, estimated: Value) -> Value {
    reserve_at("t", "r1", "minute", 0, window_limit, run_limit, estimated)
}

fn reserve_at(
    tenant: &str,
    run: &str,
    window: &str,
    start: i64,
    window_limit: Value,
    run_limit: Value,
    estimated: Value,
) -> Value {
    json!({ "op": "reserve", "tenantId": tenant, "runId": run, "window": window,
            "windowStartMs": start, "windowLimitUsd": window_limit, "runLimitUsd": run_limit,
            "estimatedUsd": estimated, "nowMs": start + 5 })
}

fn commit(handle: Value, actual: Value) -> Value {
    json!({ "op": "commit", "reservation": handle, "actualUsd": actual })
}

fn peek(window_limit: Value, run_limit: Value) -> Value {
    peek_at("t", "r1", "minute", 0, window_limit, run_limit)
}

fn peek_at(
    tenant: &str,
    run: &str,
    window: &str,
    start: i64,
    window_limit: Value,
    run_limit: Value,
) -> Value {
    json!({ "op": "peek", "tenantId": tenant, "runId": run, "window": window,
            "windowStartMs": start, "windowLimitUsd": window_limit, "runLimitUsd": run_limit })
}

fn script(ops: Vec<Value>) -> Value {
    json!({ "ops": ops })
}

fn window_start(now_ms: Value, window: &str) -> Value {
    json!({ "op": "windowStart", "nowMs": now_ms, "window": window })
}

fn sign(secret_hex: &str, payload: Value) -> Value {
    json!({ "op": "sign", "keyId": "k1", "secretHex": secret_hex, "payload": payload })
}

fn stringify(value: Value) -> Value {
    json!({ "op": "stringify", "value": value })
}

fn literal(text: &str) -> Value {
    serde_json::from_str(text).expect("examples hold valid JSON")
}

pub fn examples() -> Vec<Example> {
    vec![
        // Reservations (LEDGER-FIT, LEDGER-DENY).
        example("reserve-fits-both-budgets", "A reservation inside both budgets is granted and added to both spends", script(vec![reserve(json!(1.0), json!(0.5), json!(0.2))])),
        example("reserve-exact-fit-granted", "An estimate equal to what remains fits", script(vec![reserve(json!(1.0), json!(0.5), json!(0.5))])),
        example("reserve-one-cent-over-denied", "One cent over the run budget is denied with estimatedUsd 0", script(vec![reserve(json!(1.0), json!(0.5), json!(0.51))])),
        example("reserve-window-budget-denies", "The window budget alone can deny", script(vec![reserve(json!(0.3), json!(5.0), json!(0.31))])),
        example("reserve-zero-limits-deny-anything-positive", "Zero limits deny any positive estimate", script(vec![reserve(json!(0), json!(0), json!(0.01))])),
        example("reserve-zero-estimate-fits-zero-limits", "A zero estimate fits zero limits", script(vec![reserve(json!(0), json!(0), json!(0))])),
        example("reserve-drift-denies-exact-decimal-fit", "0.1 + 0.2 exceeds 0.3 in doubles, so a third reserve of 0 fits but 0.3 total does not", script(vec![reserve(json!(0.3), json!(1.0), json!(0.1)), reserve(json!(0.3), json!(1.0), json!(0.2)), peek(json!(0.3), json!(1.0))])),
        example("reserve-fills-then-denies", "Reservations fill the budget, then the next one is denied", script(vec![reserve(json!(1.0), json!(1.0), json!(0.6)), reserve(json!(1.0), json!(1.0), json!(0.4)), reserve(json!(1.0), json!(1.0), json!(0.01))])),
        example("reserve-fractional-cents", "Fractions of a cent add exactly as doubles do", script(vec![reserve(json!(0.015), json!(1.0), json!(0.005)), reserve(json!(0.015), json!(1.0), json!(0.005)), reserve(json!(0.015), json!(1.0), json!(0.005)), reserve(json!(0.015), json!(1.0), json!(0.0001))])),
        example("denied-reservation-changes-nothing", "A denied reservation leaves both spends as they were", script(vec![reserve(json!(1.0), json!(1.0), json!(0.7)), reserve(json!(1.0), json!(1.0), json!(0.7)), peek(json!(1.0), json!(1.0))])),
        example("denied-reservation-cannot-be-committed-fails", "Committing a denied reservation is an unknown-reservation error", script(vec![reserve(json!(0.1), json!(0.1), json!(0.2)), commit(json!(0), json!(0.1)), peek(json!(0.1), json!(0.1))])),
        example("limits-change-between-reserves", "Each reserve is judged against the limits it carries", script(vec![reserve(json!(1.0), json!(1.0), json!(0.5)), reserve(json!(0.6), json!(1.0), json!(0.2)), reserve(json!(2.0), json!(2.0), json!(0.2))])),
        example("spend-above-limit-leaves-zero-remaining", "Spend above a lowered limit gives remaining 0, never negative", script(vec![reserve(json!(1.0), json!(1.0), json!(0.9)), peek(json!(0.5), json!(0.5))])),
        // Commits (LEDGER-COMMIT, LEDGER-UNKNOWN).
        example("commit-lower-actual-refunds", "Committing less than estimated gives the difference back to both spends", script(vec![reserve(json!(1.0), json!(0.5), json!(0.2)), commit(json!(0), json!(0.15)), peek(json!(1.0), json!(0.5))])),
        example("commit-higher-actual-charges", "Committing more than estimated adds the difference, past the limit if need be", script(vec![reserve(json!(1.0), json!(0.5), json!(0.4)), commit(json!(0), json!(0.9)), peek(json!(1.0), json!(0.5)), reserve(json!(1.0), json!(0.5), json!(0))])),
        example("commit-same-actual-changes-nothing", "Committing exactly the estimate leaves the spends", script(vec![reserve(json!(1.0), json!(1.0), json!(0.3)), commit(json!(0), json!(0.3)), peek(json!(1.0), json!(1.0))])),
        example("commit-twice-changes-nothing", "A second commit of the same reservation changes nothing", script(vec![reserve(json!(1.0), json!(1.0), json!(0.5)), commit(json!(0), json!(0.1)), commit(json!(0), json!(0.0)), peek(json!(1.0), json!(1.0))])),
        example("commit-clamps-drift-at-zero", "0.3 + 0.6 − 0.3 − 0.6 is below zero in doubles; the spend clamps at 0", script(vec![reserve(json!(1.0), json!(1.0), json!(0.3)), reserve(json!(1.0), json!(1.0), json!(0.6)), commit(json!(0), json!(0)), commit(json!(1), json!(0)), peek(json!(1.0), json!(1.0))])),
        example("commit-unknown-handle-fails", "A handle past every reservation is an error", script(vec![reserve(json!(1.0), json!(1.0), json!(0.5)), commit(json!(3), json!(0.1))])),
        example("commit-before-any-reserve-fails", "Committing on a fresh ledger is an error", script(vec![commit(json!(0), json!(0.1))])),
        example("commit-non-integer-handle-fails", "A handle that is not an index names no reservation", script(vec![reserve(json!(1.0), json!(1.0), json!(0.5)), commit(json!("0"), json!(0.1))])),
        example("commit-out-of-order", "Reservations commit in any order, each against its own estimate", script(vec![reserve(json!(1.0), json!(1.0), json!(0.2)), reserve(json!(1.0), json!(1.0), json!(0.3)), commit(json!(1), json!(0.1)), commit(json!(0), json!(0.25)), peek(json!(1.0), json!(1.0))])),
        // Buckets (LEDGER-BUCKETS).
        example("tenants-never-share-spend", "Another tenant's spend does not count against this one", script(vec![reserve_at("acme", "r1", "minute", 0, json!(1.0), json!(1.0), json!(0.9)), reserve_at("globex", "r1", "minute", 0, json!(1.0), json!(1.0), json!(0.9))])),
        example("joined-ids-stay-apart", "acme/eu:r1 and acme:eu/r1 are different buckets even if joined with ':' they read the same", script(vec![reserve_at("acme", "eu:r1", "minute", 0, json!(1.0), json!(1.0), json!(0.9)), reserve_at("acme:eu", "r1", "minute", 0, json!(1.0), json!(1.0), json!(0.9))])),
        example("runs-share-the-window", "Two runs of one tenant share its window spend but not their run spend", script(vec![reserve_at("t", "r1", "hour", 0, json!(1.0), json!(0.6), json!(0.5)), reserve_at("t", "r2", "hour", 0, json!(1.0), json!(0.6), json!(0.5)), reserve_at("t", "r3", "hour", 0, json!(1.0), json!(0.6), json!(0.5))])),
        example("window-starts-are-separate-buckets", "A new window start begins with zero window spend, the run spend carries over", script(vec![reserve_at("t", "r1", "minute", 0, json!(0.5), json!(1.0), json!(0.5)), reserve_at("t", "r1", "minute", 60000, json!(0.5), json!(1.0), json!(0.5)), reserve_at("t", "r1", "minute", 120000, json!(0.5), json!(1.0), json!(0.5))])),
        example("window-kinds-are-separate-buckets", "The minute and hour windows of one start keep their own spend", script(vec![reserve_at("t", "r1", "minute", 0, json!(0.5), json!(5.0), json!(0.5)), reserve_at("t", "r1", "hour", 0, json!(0.5), json!(5.0), json!(0.5)), peek_at("t", "r1", "day", 0, json!(0.5), json!(5.0))])),
        example("commit-applies-to-its-own-buckets", "A commit refunds the buckets its reservation was taken from", script(vec![reserve_at("a", "r1", "minute", 0, json!(1.0), json!(1.0), json!(0.5)), reserve_at("b", "r1", "minute", 0, json!(1.0), json!(1.0), json!(0.5)), commit(json!(0), json!(0)), peek_at("a", "r1", "minute", 0, json!(1.0), json!(1.0)), peek_at("b", "r1", "minute", 0, json!(1.0), json!(1.0))])),
        example("peek-fresh-bucket-is-zero", "Peeking a bucket nobody used shows zero spend", script(vec![peek(json!(2.5), json!(1.0))])),
        // Amounts (LEDGER-AMOUNTS).
        example("negative-estimate-fails", "A negative estimate is an error, not a credit", script(vec![reserve(json!(1.0), json!(1.0), json!(-0.5)), peek(json!(1.0), json!(1.0))])),
        example("nan-estimate-fails", "A NaN estimate is an error (NaN compares false with everything)", script(vec![reserve(json!(1.0), json!(1.0), json!("NaN")), peek(json!(1.0), json!(1.0))])),
        example("infinite-limit-fails", "An infinite limit is an error", script(vec![reserve(json!("Infinity"), json!(1.0), json!(0.5))])),
        example("negative-limit-fails", "A negative run limit is an error", script(vec![reserve(json!(1.0), json!(-1), json!(0))])),
        example("negative-actual-fails", "A negative actual cost is an error and leaves the reservation committable", script(vec![reserve(json!(1.0), json!(1.0), json!(0.5)), commit(json!(0), json!(-0.1)), commit(json!(0), json!(0.1)), peek(json!(1.0), json!(1.0))])),
        example("minus-infinity-actual-fails", "An actual cost of -Infinity is an error", script(vec![reserve(json!(1.0), json!(1.0), json!(0.5)), commit(json!(0), json!("-Infinity"))])),
        example("string-amount-fails", "An amount that is not a number is an error", script(vec![reserve(json!(1.0), json!(1.0), json!("0.5"))])),
        example("peek-nan-limit-fails", "Peeking with a NaN limit is an error", script(vec![peek(json!("NaN"), json!(1.0))])),
        example("negative-zero-amount-is-zero", "-0 is a usable zero amount", script(vec![reserve(json!(1.0), json!(1.0), literal("-0.0")), commit(json!(0), literal("-0.0"))])),
        // Windows (LEDGER-WINDOW).
        example("window-minute", "The minute holding an instant", window_start(json!(1_700_000_000_123i64), "minute")),
        example("window-hour", "The hour holding an instant", window_start(json!(1_700_000_000_123i64), "hour")),
        example("window-day-utc", "The UTC day holding an instant, whatever the local zone", window_start(json!(1_700_000_000_123i64), "day")),
        example("window-month-utc", "The UTC month holding an instant", window_start(json!(1_700_000_000_123i64), "month")),
        example("window-leap-day-month", "29 February 2024 belongs to February", window_start(json!(1_709_251_199_999i64), "month")),
        example("window-leap-day-day", "The last millisecond of 29 February 2024 is in that day", window_start(json!(1_709_251_199_999i64), "day")),
        example("window-month-end-year-end", "The last millisecond of 2023 is in December 2023", window_start(json!(1_704_067_199_999i64), "month")),
        example("window-before-1970-floors-down", "One millisecond before 1970 floors to the minute before", window_start(json!(-1), "minute")),
        example("window-before-1970-month", "One millisecond before 1970 is in December 1969", window_start(json!(-1), "month")),
        example("window-epoch", "1970-01-01T00:00Z starts its own month", window_start(json!(0), "month")),
        example("window-far-future-month", "The last instant a Date holds (year 275760) floors to its month", window_start(json!(8_640_000_000_000_000i64), "month")),
        example("window-far-past-day", "The first instant a Date holds (year -271821) floors to its day", window_start(json!(-8_640_000_000_000_000i64), "day")),
        example("window-1900-not-leap", "1900 is not a leap year: 1 March 1900 starts March", window_start(json!(-2_203_891_200_000i64), "month")),
        example("window-unknown-kind-fails", "A window that is not minute, hour, day or month is an error", window_start(json!(0), "week")),
        example("window-fractional-instant-fails", "A fractional instant is an error", window_start(json!(1.5), "minute")),
        // Canonical JSON (LEDGER-STRINGIFY).
        example("stringify-sorts-keys-at-every-depth", "Keys sort at every depth; arrays keep their order", stringify(json!({"b": {"d": 1, "c": [3, 1, 2]}, "a": null}))),
        example("stringify-utf16-key-order", "A key with U+FB01 sorts after one with U+1F600 (UTF-16 units, not code points)", stringify(json!({"\u{fb01}": 1, "😀": 2, "\u{e000}": 3, "𝄞": 4, "z": 5}))),
        example("stringify-javascript-numbers", "Numbers as JavaScript prints them: 1e+21, 100000000000000000000, 5e-7, 0.30000000000000004, -0 as 0", stringify(json!([1e21, 1e20, 5e-7, 1e-7, 0.1 + 0.2, 1.0, literal("-0"), literal("-0.0"), 0.000001, 123e-20, 5e-324]))),
        example("stringify-integers-beyond-2-53-as-doubles", "9007199254740993 is the double 9007199254740992", stringify(literal("[9007199254740993, 1180591620717411303425]"))),
        example("stringify-escapes-as-json-stringify", "Quotes, backslashes and control characters escaped; other characters written as they are", stringify(json!({"s": "\"\\\u{1}\u{8}\t\n\u{c}\r\u{1f}\u{7f}é\u{2028}😀"}))),
        example("stringify-proto-key-is-a-key", "A __proto__ key is a key like any other: kept, sorted, signed", stringify(literal(r#"{"b": 2, "__proto__": {"a": 1}, "10": 3}"#))),
        example("stringify-scalars", "A bare string, number, true and null", stringify(json!(["x", 2.5, true, null, {}, []]))),
        // Signatures (LEDGER-SIGN).
        example("sign-rfc4231-case-2-key", "Signature under RFC 4231 test case 2's key (\"Jefe\")", sign("4a656665", json!({"b": 1, "a": [0.1, "x"]}))),
        example("sign-rfc4231-case-1-key", "Signature under RFC 4231 test case 1's key (20 × 0x0b)", sign(&"0b".repeat(20), json!("Hi There"))),
        example("sign-rfc4231-long-key", "A key longer than the SHA-256 block is hashed first (RFC 4231 case 6's key)", sign(&"aa".repeat(131), json!({"msg": "Test Using Larger Than Block-Size Key - Hash Key First"}))),
        example("sign-empty-secret", "An empty secret still signs", sign("", json!({"a": 1}))),
        example("sign-uppercase-hex", "Hex digits in either case name the same secret", sign("4A656665", json!({"b": 1, "a": [0.1, "x"]}))),
        example("sign-canonical-payload", "The signature covers the canonical form: key order and number spelling do not matter", sign("00ff", json!({"z": 1.0, "a": {"😀": 1e21, "\u{fb01}": -0.0}}))),
        example("sign-odd-hex-fails", "A secret that is not whole bytes of hex is an error", sign("abc", json!({"a": 1}))),
        example("sign-non-hex-fails", "A secret with a non-hex digit is an error", sign("zz", json!({"a": 1}))),
    ]
}
