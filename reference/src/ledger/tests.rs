//! One test per rule of the `ledger` contract, on the reference ledger, plus the published
//! HMAC-SHA256 vectors and the generator's coverage.

use std::collections::BTreeSet;

use proptest::strategy::ValueTree;
use serde_json::{json, Value};

use super::rules::{
    self, expected_output, hex_bytes, hmac_sha256, sign, stringify, window_start_ms,
};
use crate::contract::{generate_case, CaseGenerator, Contract, GenSettings, Profile};

const RAISED: &str = rules::RAISED;

fn reserve(
    tenant: &str,
    run: &str,
    window_limit: Value,
    run_limit: Value,
    estimated: Value,
) -> Value {
    json!({ "op": "reserve", "tenantId": tenant, "runId": run, "window": "minute", "windowStartMs": 0,
            "windowLimitUsd": window_limit, "runLimitUsd": run_limit, "estimatedUsd": estimated, "nowMs": 5 })
}

fn peek(tenant: &str, run: &str, window_limit: Value, run_limit: Value) -> Value {
    json!({ "op": "peek", "tenantId": tenant, "runId": run, "window": "minute", "windowStartMs": 0,
            "windowLimitUsd": window_limit, "runLimitUsd": run_limit })
}

fn commit(handle: Value, actual: Value) -> Value {
    json!({ "op": "commit", "reservation": handle, "actualUsd": actual })
}

fn results(ops: Vec<Value>) -> Vec<Value> {
    expected_output(&json!({ "ops": ops }))["results"]
        .as_array()
        .cloned()
        .unwrap()
}

fn snapshot(window_spend: f64, run_spend: f64, window_limit: f64, run_limit: f64) -> Value {
    json!({ "windowSpendUsd": window_spend, "runSpendUsd": run_spend, "windowLimitUsd": window_limit,
            "runLimitUsd": run_limit, "remainingWindowUsd": (window_limit - window_spend).max(0.0),
            "remainingRunUsd": (run_limit - run_spend).max(0.0) })
}

fn canonical(value: &Value) -> String {
    crate::canonical::to_string(value, crate::canonical::Numbers::ExactIntegers)
}

fn assert_same(actual: &Value, expected: &Value) {
    assert_eq!(canonical(actual), canonical(expected));
}

#[test]
fn fit_grants_what_fits_both_budgets_and_adds_it_to_both() {
    let r = results(vec![
        reserve("t", "r1", json!(1.0), json!(0.5), json!(0.2)),
        reserve("t", "r1", json!(1.0), json!(0.5), json!(0.3)),
    ]);
    assert_same(&r[0]["ok"]["reservation"]["estimatedUsd"], &json!(0.2));
    assert_same(&r[0]["ok"]["snapshot"], &snapshot(0.2, 0.2, 1.0, 0.5));
    // 0.2 + 0.3 = 0.5 exactly: the exact fit is granted.
    assert_same(&r[1]["ok"]["snapshot"], &snapshot(0.5, 0.5, 1.0, 0.5));
}

#[test]
fn deny_carries_zero_changes_nothing_and_cannot_be_committed() {
    let r = results(vec![
        reserve("t", "r1", json!(1.0), json!(0.5), json!(0.51)),
        commit(json!(0), json!(0.1)),
        peek("t", "r1", json!(1.0), json!(0.5)),
    ]);
    assert_same(&r[0]["ok"]["reservation"]["estimatedUsd"], &json!(0));
    assert_same(&r[0]["ok"]["snapshot"], &snapshot(0.0, 0.0, 1.0, 0.5));
    assert_eq!(r[1], json!({"error": RAISED}));
    assert_same(&r[2]["ok"], &snapshot(0.0, 0.0, 1.0, 0.5));
}

#[test]
fn drift_is_the_drift_of_doubles() {
    let r = results(vec![
        reserve("t", "r1", json!(0.3), json!(1.0), json!(0.1)),
        reserve("t", "r1", json!(0.3), json!(1.0), json!(0.2)),
        reserve("t", "r1", json!(0.3), json!(1.0), json!(0)),
    ]);
    // 0.1 + 0.2 = 0.30000000000000004 > 0.3: the second reserve is denied.
    assert_same(&r[1]["ok"]["reservation"]["estimatedUsd"], &json!(0));
    assert_same(&r[2]["ok"]["snapshot"]["windowSpendUsd"], &json!(0.1));
}

#[test]
fn commit_applies_the_difference_clamped_at_zero_and_only_once() {
    let r = results(vec![
        reserve("t", "r1", json!(1.0), json!(1.0), json!(0.3)),
        reserve("t", "r1", json!(1.0), json!(1.0), json!(0.6)),
        commit(json!(0), json!(0)),
        commit(json!(1), json!(0)),
        commit(json!(1), json!(0.5)),
        peek("t", "r1", json!(1.0), json!(1.0)),
    ]);
    assert_eq!(r[2], json!({"ok": null}));
    // 0.3 + 0.6 − 0.3 − 0.6 is −1.1e-16 in doubles; the clamp makes it 0. The second
    // commit of handle 1 changes nothing.
    assert_same(&r[5]["ok"], &snapshot(0.0, 0.0, 1.0, 1.0));
    let refund = results(vec![
        reserve("t", "r1", json!(1.0), json!(0.5), json!(0.2)),
        commit(json!(0), json!(0.15)),
        peek("t", "r1", json!(1.0), json!(0.5)),
    ]);
    let spend = 0.2 + (0.15 - 0.2);
    assert_same(&refund[2]["ok"], &snapshot(spend, spend, 1.0, 0.5));
}

#[test]
fn unknown_handles_are_errors() {
    let r = results(vec![
        commit(json!(0), json!(0.1)),
        reserve("t", "r1", json!(1.0), json!(1.0), json!(0.5)),
        commit(json!(7), json!(0.1)),
        commit(json!(-1), json!(0.1)),
        commit(json!("0"), json!(0.1)),
        commit(json!(0.0), json!(0.1)),
    ]);
    for n in [0, 2, 3, 4, 5] {
        assert_eq!(r[n], json!({"error": RAISED}), "op {n}");
    }
}

#[test]
fn buckets_separate_tenants_runs_and_windows_without_colliding() {
    let r = results(vec![
        reserve("acme", "eu:r1", json!(1.0), json!(1.0), json!(0.9)),
        reserve("acme:eu", "r1", json!(1.0), json!(1.0), json!(0.9)),
        reserve("acme", "r2", json!(1.0), json!(1.0), json!(0.05)),
        peek("acme", "r2", json!(1.0), json!(1.0)),
    ]);
    assert_same(&r[1]["ok"]["reservation"]["estimatedUsd"], &json!(0.9));
    // Same tenant and window, another run: the window spend is shared, the run's is not.
    assert_same(&r[3]["ok"], &snapshot(0.9 + 0.05, 0.05, 1.0, 1.0));
}

#[test]
fn amounts_that_are_negative_nan_infinite_or_not_numbers_fail_and_change_nothing() {
    for bad in [
        json!(-0.01),
        json!("NaN"),
        json!("Infinity"),
        json!("-Infinity"),
        json!("1"),
        Value::Null,
        json!(true),
    ] {
        let r = results(vec![
            reserve("t", "r1", json!(1.0), json!(1.0), bad.clone()),
            reserve("t", "r1", bad.clone(), json!(1.0), json!(0.1)),
            reserve("t", "r1", json!(1.0), json!(1.0), json!(0.5)),
            commit(json!(2), bad.clone()),
            peek("t", "r1", json!(1.0), bad.clone()),
            peek("t", "r1", json!(1.0), json!(1.0)),
        ]);
        for n in [0, 1, 3, 4] {
            assert_eq!(r[n], json!({"error": RAISED}), "{bad} at op {n}");
        }
        assert_same(&r[5]["ok"], &snapshot(0.5, 0.5, 1.0, 1.0));
    }
    // A failed reserve still takes a handle, one that names nothing.
    let r = results(vec![
        reserve("t", "r1", json!(1.0), json!(1.0), json!(-1)),
        commit(json!(0), json!(0)),
    ]);
    assert_eq!(r[1], json!({"error": RAISED}));
}

#[test]
fn windows_floor_in_utc_on_every_edge() {
    const DAY: i64 = 86_400_000;
    assert_eq!(
        window_start_ms(1_700_000_000_123, "minute"),
        Some(1_699_999_980_000)
    );
    assert_eq!(
        window_start_ms(1_700_000_000_123, "hour"),
        Some(1_699_999_200_000)
    );
    assert_eq!(
        window_start_ms(1_700_000_000_123, "day"),
        Some(1_699_920_000_000)
    );
    assert_eq!(
        window_start_ms(1_700_000_000_123, "month"),
        Some(1_698_796_800_000)
    ); // 2023-11-01
    assert_eq!(
        window_start_ms(1_709_251_199_999, "month"),
        Some(1_706_745_600_000)
    ); // 2024-02-01
    assert_eq!(
        window_start_ms(1_709_251_200_000, "month"),
        Some(1_709_251_200_000)
    ); // 2024-03-01
    assert_eq!(window_start_ms(-1, "minute"), Some(-60_000));
    assert_eq!(window_start_ms(-1, "month"), Some(-31 * DAY)); // 1969-12-01
    assert_eq!(
        window_start_ms(-2_203_891_200_000, "month"),
        Some(-2_203_891_200_000)
    ); // 1900-03-01
    assert_eq!(
        window_start_ms(-2_203_891_200_001, "month"),
        Some(-2_203_891_200_000 - 28 * DAY)
    );
    // 275760-09-13 is the last day a Date holds; its month began on 275760-09-01.
    assert_eq!(
        window_start_ms(rules::MAX_TIME_MS, "month"),
        Some(rules::MAX_TIME_MS - 12 * DAY)
    );
    assert_eq!(window_start_ms(0, "week"), None);
    // The first instant a Date holds is 13 September -271821; its month began before it.
    assert_eq!(window_start_ms(-rules::MAX_TIME_MS, "month"), None);
    assert_eq!(
        window_start_ms(-rules::MAX_TIME_MS, "day"),
        Some(-rules::MAX_TIME_MS)
    );
    assert_eq!(
        rules::civil_from_days(-8_639_999_049_600_000 / DAY),
        (-271_821, 5, 1)
    );
    for days in [-2_932_897i64, -719_468, -1, 0, 59, 11_016, 2_932_896] {
        let (y, m, d) = rules::civil_from_days(days);
        assert_eq!(rules::days_from_civil(y, m, d), days, "{y}-{m}-{d}");
    }
    for bad in [
        json!(1.5),
        json!("0"),
        json!(rules::MAX_TIME_MS + 1),
        Value::Null,
    ] {
        let out = expected_output(&json!({"op": "windowStart", "nowMs": bad, "window": "day"}));
        assert_eq!(out, json!({"error": RAISED}));
    }
}

#[test]
fn stringify_is_canonical_with_utf16_order_and_javascript_numbers() {
    let v: Value = serde_json::from_str(
        r#"{"ﬁ": 1, "😀": [1e21, 1e20, 5e-7, 1.0, -0, -0.0, 9007199254740993], "a": {"c": "\u0001", "b": null}}"#,
    )
    .unwrap();
    assert_eq!(
        stringify(&v),
        r#"{"a":{"b":null,"c":"\u0001"},"😀":[1e+21,100000000000000000000,5e-7,1,0,0,9007199254740992],"ﬁ":1}"#
    );
    assert_eq!(stringify(&json!(0.1 + 0.2)), "0.30000000000000004");
}

#[test]
fn hmac_sha256_matches_rfc_4231() {
    // RFC 4231 §4.2–4.8, the HMAC-SHA-256 lines (test case 5 truncates to 128 bits).
    let cases: [(Vec<u8>, Vec<u8>, &str); 7] = [
        (vec![0x0b; 20], b"Hi There".to_vec(), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (b"Jefe".to_vec(), b"what do ya want for nothing?".to_vec(), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (vec![0xaa; 20], vec![0xdd; 50], "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ((1..=25).collect(), vec![0xcd; 50], "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (vec![0x0c; 20], b"Test With Truncation".to_vec(), "a3b6167473100ee06e0c796c2955552b"),
        (vec![0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (vec![0xaa; 131], b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".to_vec(), "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ];
    for (key, data, digest) in cases {
        let hex: String = hmac_sha256(&key, &data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(hex.starts_with(digest), "{hex} for {digest}");
    }
}

#[test]
fn sign_is_base64url_of_the_hmac_of_the_canonical_form() {
    // RFC 4231 case 2's key over `{"a":[0.1,"x"],"b":1}`; base64url, no padding.
    let payload = json!({"b": 1, "a": [0.1, "x"]});
    let signature = sign(b"Jefe", &payload);
    assert_eq!(signature.len(), 43);
    assert!(!signature.contains(['=', '+', '/']));
    assert_eq!(
        signature,
        sign(b"Jefe", &json!({"a": [0.1, "x"], "b": 1.0}))
    );
    let out = expected_output(
        &json!({"op": "sign", "keyId": "k", "secretHex": "4A656665", "payload": payload}),
    );
    assert_eq!(out, json!({"ok": signature}));
    assert_eq!(hex_bytes("00ff"), Some(vec![0, 255]));
    for bad in ["abc", "zz", "0x00", "+1", " 1"] {
        assert_eq!(hex_bytes(bad), None, "{bad}");
    }
}

#[test]
fn every_example_follows_the_input_schema_of_its_kind() {
    for example in super::examples::examples() {
        let input = &example.input;
        let kind = input.get("op").and_then(Value::as_str);
        assert!(
            input.get("ops").is_some_and(Value::is_array)
                || matches!(kind, Some("windowStart" | "sign" | "stringify")),
            "{}",
            example.id
        );
    }
}

#[test]
fn generated_cases_cover_every_kind_and_script_length() {
    let generator = CaseGenerator::new(&super::Ledger, &GenSettings::default());
    let mut kinds = BTreeSet::new();
    let mut ops_kinds = BTreeSet::new();
    let (mut denied, mut exact_fits, mut longest, mut reserves) = (0, 0, 0, 0);
    for index in 0..600 {
        let input = generator.tree(11, index).current();
        let expectation = super::Ledger.expect(&input, &GenSettings::default());
        let output = &expectation.acceptable[0].output;
        match input.get("ops").and_then(Value::as_array) {
            Some(ops) => {
                kinds.insert("script".to_owned());
                assert!((1..=50).contains(&ops.len()));
                longest = longest.max(ops.len());
                for (op, result) in ops.iter().zip(output["results"].as_array().unwrap()) {
                    ops_kinds.insert(op["op"].as_str().unwrap().to_owned());
                    let number = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
                    let reservation = &result["ok"]["reservation"];
                    if op["op"] == "reserve"
                        && number(&reservation["estimatedUsd"]) == 0.0
                        && number(&op["estimatedUsd"]) != 0.0
                    {
                        denied += 1;
                    }
                    let remaining = &result["ok"]["snapshot"];
                    let left = number(&remaining["remainingRunUsd"])
                        .min(number(&remaining["remainingWindowUsd"]));
                    if op["op"] == "reserve"
                        && number(&reservation["estimatedUsd"]) > 0.0
                        && left == 0.0
                    {
                        exact_fits += 1;
                    }
                    reserves += usize::from(op["op"] == "reserve");
                    assert!(
                        !op["estimatedUsd"].is_string(),
                        "normal profile: no hostile amounts"
                    );
                }
            }
            None => {
                kinds.insert(input["op"].as_str().unwrap().to_owned());
                assert_ne!(output, &json!({"error": RAISED}), "normal profile: {input}");
            }
        }
    }
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    assert_eq!(ops_kinds.len(), 3, "{ops_kinds:?}");
    // Both outcomes common; budgets filled to the last cent often.
    assert!(
        denied * 5 > reserves && denied * 5 < reserves * 4 && exact_fits * 20 > reserves,
        "{reserves} reserves: denied {denied}, exact fits {exact_fits}"
    );
    assert!(longest > 40);
}

#[test]
fn hostile_cases_hold_bad_amounts() {
    let settings = GenSettings {
        profile: Profile::Hostile,
        ..GenSettings::default()
    };
    let errors = (0..300)
        .filter(|&i| {
            let input = generate_case(&super::Ledger, &settings, 5, i).current();
            rules::expected_output(&input).to_string().contains(RAISED)
        })
        .count();
    assert!(errors > 60, "{errors}");
}

#[test]
fn generation_is_deterministic() {
    let settings = GenSettings::default();
    for index in [0, 1, 99] {
        assert_eq!(
            generate_case(&super::Ledger, &settings, 3, index).current(),
            generate_case(&super::Ledger, &settings, 3, index).current()
        );
    }
}

#[test]
fn groups_fold_to_the_result_that_differs() {
    let ledger = &super::Ledger;
    assert_eq!(
        ledger.group_path("/results/3/ok/snapshot/runSpendUsd"),
        "/results/*/ok"
    );
    assert_eq!(
        ledger.group_path("/results/0/ok/reservation/estimatedUsd"),
        "/results/*/ok"
    );
    assert_eq!(ledger.group_path("/results/2/error"), "/results/*/error");
    assert_eq!(ledger.group_path("/ok"), "/ok");
    let paths = [
        "/results/4/ok/a".to_owned(),
        "/results/2/ok/b".to_owned(),
        "/results/2/error".to_owned(),
    ];
    assert_eq!(
        ledger.decisive_paths(&paths),
        ["/results/2/ok/b", "/results/2/error"]
    );
}
