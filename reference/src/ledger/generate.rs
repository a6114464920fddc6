//! Generated cases: op scripts over a few tenants, runs and windows with amounts near their
//! limits, and single calls on hard instants, keys and numbers.
//!
//! Scripts are generated as plans and rendered against the reference ledger, so an estimate
//! can be "exactly what remains" or "one cent more" at that point of the script; shrinking
//! removes ops and moves every choice towards the first of its alternatives.
//!
//! Boundaries tried. Amounts and limits: 0, 1, fractions of a cent, 2^31−1, 2^31, 2^32 and
//! 2^53−1 (as doubles, exact); the hostile profile adds −1, −0.01, non-finite amounts, `null`,
//! strings and booleans. Ids: the usual tenants and runs, or the empty string, non-ASCII text
//! and 300-character ids. Window starts: 2023 instants, 0, 2^31−1, 2^31, 2^32 and 2^53−1
//! (`nowMs` is the start plus 5 ms, at most 2^53−1). `nowMs` of `windowStart`: calendar edges
//! (1970, leap days, month ends, the ends of a `Date`), 2^31−1, 2^31, 2^32 and, hostile,
//! ±(2^53−1), beyond a `Date`. The hostile profile also sets an op's id, window, start or
//! `nowMs` to `null` or leaves it out, leaves out a commit's `actualUsd`, and adds a field the
//! contract does not define (refused: fail closed, LEDGER-AMOUNTS).

use proptest::prelude::*;
use serde_json::{json, Map, Number, Value};

use super::rules::{Ledger, MAX_TIME_MS};
use crate::contract::{json as payload, GenSettings, Profile};
use crate::one_of;
use crate::strategy::{array, btree_map_of, vec_of, Gen, Zip};

/// Longest script generated (the contract: 1–50 ops).
const MAX_OPS: usize = 50;

/// ("acme", "eu:r1") and ("acme:eu", "r1") join with ':' to the same text: a ledger keying
/// buckets by joined strings mixes them (LEDGER-BUCKETS).
const TENANTS: [&str; 3] = ["acme", "acme:eu", "globex"];
const RUNS: [&str; 3] = ["r1", "eu:r1", "r2"];
const WINDOWS: [&str; 4] = ["minute", "hour", "day", "month"];
/// Two window starts a minute apart (2023-11-14T00:00Z and a minute later).
const STARTS: [i64; 2] = [1_699_920_000_000, 1_699_920_060_000];

/// Limits: zero, fractional cents, sums that drift in binary (0.1 + 0.2 > 0.3).
const LIMITS: [f64; 14] = [
    1.0,
    0.3,
    0.5,
    0.0,
    0.6,
    2.5,
    10.0,
    0.01,
    0.015,
    100.0,
    2_147_483_647.0,
    2_147_483_648.0,
    4_294_967_296.0,
    9_007_199_254_740_991.0,
];
/// Amounts that add up inexactly, cents, fractions of a cent.
const AMOUNTS: [f64; 18] = [
    0.1,
    0.2,
    0.3,
    0.0,
    0.5,
    0.6,
    0.7,
    1.0,
    0.01,
    0.005,
    0.015,
    0.07,
    2.5,
    0.0001,
    2_147_483_647.0,
    2_147_483_648.0,
    4_294_967_296.0,
    9_007_199_254_740_991.0,
];
/// The largest integer every double holds: no generated integer goes beyond it (I-JSON).
const MAX_SAFE: i64 = 9_007_199_254_740_991;
/// Other ids than [`TENANTS`] / [`RUNS`]: empty, non-ASCII, long.
fn odd_ids(prefix: &str) -> [String; 3] {
    [
        String::new(),
        format!("{prefix}-\u{e9}\u{79df}\u{1d11e}"),
        prefix.repeat(300),
    ]
}
/// Window starts (two per set, a script uses one set): a 2023 minute and the next, then the
/// integer boundaries.
const START_SETS: [[i64; 2]; 4] = [
    STARTS,
    [0, 4_294_967_296],
    [2_147_483_647, 2_147_483_648],
    [MAX_SAFE, 1],
];
/// Values outside the amount schema: negative, non-finite (as the protocol writes them),
/// not numbers.
fn hostile_amounts() -> Vec<Value> {
    vec![
        json!(-0.01),
        json!("NaN"),
        json!("Infinity"),
        json!("-Infinity"),
        json!(-1),
        Value::Null,
        json!("0.5"),
        json!(true),
    ]
}

/// The start of the first whole month a `Date` holds (-271821-05-01): the normal profile
/// stays after it, so every month it asks for has a start a `Date` can hold.
const FIRST_WHOLE_MONTH_MS: i64 = -8_639_999_049_600_000;

/// UTC instants on edges: 1970, month ends, leap days, centuries, the ends of `Date`.
const EDGES: [i64; 17] = [
    0,
    1_709_164_800_000,   // 2024-02-29
    1_709_251_200_000,   // 2024-03-01
    1_704_067_200_000,   // 2024-01-01
    951_782_400_000,     // 2000-02-29
    4_107_542_400_000,   // 2100-03-01 (2100 is no leap year)
    -2_203_891_200_000,  // 1900-03-01
    1_711_843_200_000,   // 2024-03-31
    1_717_200_000_000,   // 2024-06-01
    253_402_300_800_000, // 10000-01-01
    MAX_TIME_MS,
    FIRST_WHOLE_MONTH_MS,
    1_700_000_000_123,
    -1,
    2_147_483_647,
    2_147_483_648,
    4_294_967_296,
];

#[derive(Debug, Clone)]
enum Estimate {
    Pool(usize),
    /// Exactly what remains of the smaller budget.
    ExactFit,
    /// One cent more than what remains.
    CentOver,
    /// A tenth of a cent more than what remains.
    FractionOver,
    Hostile(usize),
}

#[derive(Debug, Clone)]
enum Actual {
    Zero,
    /// The reservation's own estimate (a zero adjustment).
    Estimated,
    Pool(usize),
    Hostile(usize),
}

#[derive(Debug, Clone)]
enum Target {
    /// The reservation of the `n`-th most recent reserve.
    Recent(usize),
    /// A handle past every reservation made.
    Beyond(usize),
}

#[derive(Debug, Clone)]
struct Place {
    tenant: usize,
    run: usize,
    window: usize,
    start: usize,
}

#[derive(Debug, Clone)]
enum Plan {
    Reserve {
        place: Place,
        estimate: Estimate,
        /// Other limits than the tenant's (index into LIMITS), as a policy change would.
        limits: Option<(usize, usize)>,
        hostile_limit: Option<usize>,
    },
    Commit {
        target: Target,
        actual: Actual,
    },
    Peek {
        place: Place,
    },
}

fn place() -> Gen<Place> {
    (
        one_of![3 => Just(0usize), 1 => 0..TENANTS.len()],
        one_of![3 => Just(0usize), 1 => 0..RUNS.len()],
        one_of![3 => Just(0usize), 1 => 0..WINDOWS.len()],
        one_of![4 => Just(0usize), 1 => Just(1usize)],
    )
        .zip()
        .prop_map(|(tenant, run, window, start)| Place {
            tenant,
            run,
            window,
            start,
        })
}

/// Estimates; `pool_weight` sets how often one comes from [`AMOUNTS`] rather than from
/// what remains.
fn estimate(hostile: bool, pool_weight: u32) -> Gen<Estimate> {
    one_of![
        pool_weight => (0..AMOUNTS.len()).prop_map(Estimate::Pool),
        2 => Just(Estimate::ExactFit),
        1 => Just(Estimate::CentOver),
        1 => Just(Estimate::FractionOver),
        u32::from(hostile) => (0..hostile_amounts().len()).prop_map(Estimate::Hostile),
    ]
}

/// Actual costs; `zero_weight` sets how often a call cost nothing (it failed, or was
/// cancelled) against 3 for a cost from [`AMOUNTS`].
fn actual(hostile: bool, zero_weight: u32) -> Gen<Actual> {
    one_of![
        zero_weight => Just(Actual::Zero),
        2 => Just(Actual::Estimated),
        3 => (0..AMOUNTS.len()).prop_map(Actual::Pool),
        u32::from(hostile) => (0..hostile_amounts().len()).prop_map(Actual::Hostile),
    ]
}

/// One op of any kind, aimed anywhere.
fn plan(hostile: bool) -> Gen<Plan> {
    let hostile_weight = u32::from(hostile);
    let target = one_of![
        6 => (0usize..4).prop_map(Target::Recent),
        1 => (0usize..3).prop_map(Target::Beyond),
    ];
    let limits = one_of![
        6 => Just(None),
        1 => (0..LIMITS.len(), 0..LIMITS.len()).prop_map(Some),
    ];
    let hostile_limit = one_of![
        8 => Just(None),
        hostile_weight => (0..hostile_amounts().len()).prop_map(Some),
    ];
    one_of![
        5 => (place(), estimate(hostile, 4), limits, hostile_limit).zip().prop_map(
            |(place, estimate, limits, hostile_limit)| Plan::Reserve {
                place,
                estimate,
                limits,
                hostile_limit,
            }
        ),
        4 => (target, actual(hostile, 3)).zip().prop_map(|(target, actual)| Plan::Commit { target, actual }),
        2 => place().prop_map(|place| Plan::Peek { place }),
    ]
}

/// What a gate does around calls: one to three reservations on one place, each committed
/// (in order or newest first) once its call is done, then often a look at the budget. Refunds
/// of amounts that do not add up exactly in binary are where spends drift below zero and the
/// clamp of LEDGER-COMMIT decides.
fn episode(hostile: bool) -> Gen<Vec<Plan>> {
    (
        place(),
        vec_of((estimate(hostile, 8), actual(hostile, 6)).zip(), 1..=3),
        any::<bool>(),
        one_of![1 => Just(false), 2 => Just(true)],
    )
        .zip()
        .prop_map(|(place, calls, newest_first, peek)| {
            let made = calls.len();
            let mut plans: Vec<Plan> = calls
                .iter()
                .map(|(estimate, _)| Plan::Reserve {
                    place: place.clone(),
                    estimate: estimate.clone(),
                    limits: None,
                    hostile_limit: None,
                })
                .collect();
            for (i, (_, actual)) in calls.into_iter().enumerate() {
                let back = if newest_first { i } else { made - 1 - i };
                plans.push(Plan::Commit {
                    target: Target::Recent(back),
                    actual,
                });
            }
            if peek {
                plans.push(Plan::Peek { place });
            }
            plans
        })
}

/// The tenant's limits: (window, run), by tenant index.
type TenantLimits = [(usize, usize); TENANTS.len()];

fn f(x: f64) -> Value {
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// The script's ops, rendered against the reference ledger so estimates can depend on what
/// remains at that point.
fn render(tenant_limits: &TenantLimits, plans: &[Plan], look: &Look, tweaks: &[Tweak]) -> Value {
    let mut ledger = Ledger::default();
    let mut ops = Vec::with_capacity(plans.len());
    let (odd_tenants, odd_runs) = (odd_ids("t"), odd_ids("r"));
    let starts = START_SETS[look.starts];
    let place_fields = |place: &Place, op: &str, limits: (usize, usize)| {
        let mut fields = Map::new();
        fields.insert("op".into(), json!(op));
        if look.odd_ids {
            fields.insert("tenantId".into(), json!(odd_tenants[place.tenant]));
            fields.insert("runId".into(), json!(odd_runs[place.run]));
        } else {
            fields.insert("tenantId".into(), json!(TENANTS[place.tenant]));
            fields.insert("runId".into(), json!(RUNS[place.run]));
        }
        fields.insert("window".into(), json!(WINDOWS[place.window]));
        fields.insert("windowStartMs".into(), json!(starts[place.start]));
        fields.insert("windowLimitUsd".into(), f(LIMITS[limits.0]));
        fields.insert("runLimitUsd".into(), f(LIMITS[limits.1]));
        fields
    };
    for plan in plans {
        let op = match plan {
            Plan::Reserve {
                place,
                estimate,
                limits,
                hostile_limit,
            } => {
                let limits = limits.unwrap_or(tenant_limits[place.tenant]);
                let mut fields = place_fields(place, "reserve", limits);
                if let Some(h) = hostile_limit {
                    let which = if h % 2 == 0 {
                        "windowLimitUsd"
                    } else {
                        "runLimitUsd"
                    };
                    fields.insert(which.into(), hostile_amounts()[*h].clone());
                }
                let fitting = || ledger.fitting_estimate(&Value::Object(fields.clone()));
                let estimated = match estimate {
                    Estimate::Pool(i) => f(AMOUNTS[*i]),
                    Estimate::ExactFit => f(fitting()),
                    Estimate::CentOver => f(fitting() + 0.01),
                    Estimate::FractionOver => f(fitting() + 0.001),
                    Estimate::Hostile(i) => hostile_amounts()[*i].clone(),
                };
                fields.insert("estimatedUsd".into(), estimated);
                fields.insert(
                    "nowMs".into(),
                    json!(starts[place.start].saturating_add(5).min(MAX_SAFE)),
                );
                Value::Object(fields)
            }
            Plan::Commit { target, actual } => {
                let made = ledger.reserves();
                let handle = match target {
                    Target::Recent(n) if *n < made => made - 1 - n,
                    Target::Recent(_) => made.saturating_sub(1),
                    Target::Beyond(n) => made + n,
                };
                let actual = match actual {
                    Actual::Zero => json!(0),
                    Actual::Estimated => f(ledger.granted_estimate(handle).unwrap_or(0.1)),
                    Actual::Pool(i) => f(AMOUNTS[*i]),
                    Actual::Hostile(i) => hostile_amounts()[*i].clone(),
                };
                json!({ "op": "commit", "reservation": handle, "actualUsd": actual })
            }
            Plan::Peek { place } => {
                let mut fields = place_fields(place, "peek", tenant_limits[place.tenant]);
                fields.remove("nowMs");
                Value::Object(fields)
            }
        };
        let op = match tweaks.get(ops.len()) {
            Some(tweak) => tweak.apply(op),
            None => op,
        };
        ledger.apply(&op);
        ops.push(op);
    }
    json!({ "ops": ops })
}

/// How a script's ids and window starts look.
#[derive(Debug, Clone)]
struct Look {
    /// [`odd_ids`] instead of [`TENANTS`] / [`RUNS`].
    odd_ids: bool,
    /// Index into [`START_SETS`].
    starts: usize,
}

fn look() -> Gen<Look> {
    (
        prop::bool::weighted(0.2),
        one_of![4 => Just(0usize), 1 => 1..START_SETS.len()],
    )
        .zip()
        .prop_map(|(odd_ids, starts)| Look { odd_ids, starts })
}

/// Fields a hostile tweak sets to `null` or leaves out.
const TWEAKED: [&str; 6] = [
    "tenantId",
    "runId",
    "window",
    "windowStartMs",
    "nowMs",
    "actualUsd",
];

/// A change the hostile profile makes to one op after it is planned.
#[derive(Debug, Clone)]
enum Tweak {
    None,
    /// A field of [`TWEAKED`] the op holds, set to `null`.
    Null(usize),
    /// A field of [`TWEAKED`] the op holds, left out.
    Absent(usize),
    /// A field the contract does not define.
    Unknown,
}

impl Tweak {
    fn apply(&self, mut op: Value) -> Value {
        let Some(fields) = op.as_object_mut() else {
            return op;
        };
        match self {
            Tweak::None => {}
            Tweak::Null(i) => {
                if let Some(value) = fields.get_mut(TWEAKED[*i]) {
                    *value = Value::Null;
                }
            }
            Tweak::Absent(i) => {
                fields.remove(TWEAKED[*i]);
            }
            Tweak::Unknown => {
                fields.insert("note".into(), json!("retry"));
            }
        }
        op
    }
}

fn tweak(hostile: bool) -> Gen<Tweak> {
    let hostile_weight = u32::from(hostile);
    one_of![
        30 => Just(Tweak::None),
        hostile_weight => (0..TWEAKED.len()).prop_map(Tweak::Null),
        hostile_weight => (0..TWEAKED.len()).prop_map(Tweak::Absent),
        hostile_weight => Just(Tweak::Unknown),
    ]
}

fn script(hostile: bool) -> Gen<Value> {
    // Mostly room for several reservations; sometimes a budget one reserve fills.
    let one = || one_of![2 => prop::sample::select(vec![0usize, 5, 6, 9]), 1 => 0..LIMITS.len()];
    let limit = || (one(), one()).zip();
    let part = one_of![
        2 => episode(hostile),
        1 => plan(hostile).prop_map(|p| vec![p]),
    ];
    (
        array([limit(), limit(), limit()]),
        vec_of(part, 1..=MAX_OPS / 3),
        look(),
        vec_of(tweak(hostile), MAX_OPS),
    )
        .zip()
        .prop_map(|(tenant_limits, parts, look, tweaks)| {
            let mut plans: Vec<Plan> = parts.into_iter().flatten().collect();
            plans.truncate(MAX_OPS);
            render(&tenant_limits, &plans, &look, &tweaks)
        })
}

fn now_ms(hostile: bool) -> Gen<Value> {
    let near_edge = (
        prop::sample::select(EDGES.to_vec()),
        one_of![
            Just(0i64),
            Just(-1i64),
            Just(1i64),
            Just(-60_000i64),
            Just(3_600_000i64),
            -40 * 86_400_000i64..40 * 86_400_000i64,
        ],
    )
        .zip()
        .prop_map(|(edge, delta)| json!((edge + delta).clamp(FIRST_WHOLE_MONTH_MS, MAX_TIME_MS)));
    let hostile_weight = u32::from(hostile);
    one_of![
        4 => near_edge,
        2 => (FIRST_WHOLE_MONTH_MS..=MAX_TIME_MS).prop_map(|ms| json!(ms)),
        hostile_weight => prop::sample::select(vec![
            json!(1.5), json!("1700000000000"), json!(MAX_TIME_MS + 1), Value::Null, json!(-MAX_TIME_MS - 1), json!(-MAX_TIME_MS),
            json!(MAX_SAFE), json!(-MAX_SAFE),
        ]),
    ]
}

fn window_start(hostile: bool) -> Gen<Value> {
    let hostile_weight = u32::from(hostile);
    let window = one_of![
        8 => prop::sample::select(WINDOWS.to_vec()).prop_map(|w| json!(w)),
        hostile_weight => prop::sample::select(vec![json!("week"), json!(""), json!("Day"), json!(5), Value::Null]),
    ];
    (now_ms(hostile), window)
        .zip()
        .prop_map(|(now, window)| json!({ "op": "windowStart", "nowMs": now, "window": window }))
}

/// Keys whose orders differ: by UTF-16 unit U+FB01, U+FF5E and U+E000 sort after U+1F600
/// and U+1D11E (surrogates 0xD8xx), by code point before them. JavaScript objects list
/// integer-like keys ("10", "9") first whatever the insertion order, and an assignment to
/// `__proto__` sets the prototype instead of a key.
const KEYS: [&str; 15] = [
    "a",
    "b",
    "",
    "Z",
    "é",
    "\u{fb01}",
    "\u{ff5e}",
    "\u{e000}",
    "😀",
    "𝄞",
    "a\u{0}b",
    "\"",
    "10",
    "9",
    "__proto__",
];

/// Numbers JavaScript prints in its own way: exponents from 1e21 and below 1e-6, integral
/// doubles without a fraction, `-0`, drift, integers beyond 2^53.
fn hard_number() -> Gen<Value> {
    let literal = |text: &str| serde_json::from_str::<Value>(text).expect("valid literal");
    one_of![
        3 => prop::sample::select(vec![
            0.1, 1e21, 1e20, 5e-7, 1e-7, 1.5e-7, 0.000001, 1.0, 2.0, 2.5, -0.0, 1e300, -1.5,
            0.1 + 0.2, 123e-20, 5e-324, f64::MAX, 1_234_567_890_123_456_800_000.0,
        ])
        .prop_map(f),
        1 => prop::sample::select(vec!["-0", "9007199254740993", "100", "0", "-7"]).prop_map(literal),
        2 => payload::float().prop_map(f),
    ]
}

fn payload_value() -> Gen<Value> {
    let key = one_of![
        4 => prop::sample::select(KEYS.to_vec()).prop_map(str::to_owned),
        1 => payload::string(),
    ];
    let leaf = one_of![
        4 => hard_number(),
        2 => payload::string().prop_map(Value::String),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
    ];
    leaf.prop_recursive(3, 24, 6, move |inner| {
        one_of![
            1 => vec_of(inner.clone(), 0..4).prop_map(Value::Array),
            3 => btree_map_of(key.clone(), inner, 1..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn secret_hex(hostile: bool) -> Gen<Value> {
    let hostile_weight = u32::from(hostile);
    let rfc_4231_keys = vec![
        "0b".repeat(20),
        "4a656665".to_owned(),
        "aa".repeat(20),
        "0102030405060708090a0b0c0d0e0f10111213141516171819".to_owned(),
        "aa".repeat(131),
    ];
    one_of![
        2 => prop::sample::select(rfc_4231_keys).prop_map(Value::String),
        3 => (vec_of(any::<u8>(), 0..80), any::<bool>()).zip().prop_map(|(bytes, upper)| {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            json!(if upper { hex.to_uppercase() } else { hex })
        }),
        hostile_weight => prop::sample::select(vec![json!("abc"), json!("zz"), json!("0x00"), Value::Null, json!(12)]),
    ]
}

pub fn generator(settings: &GenSettings) -> Gen<Value> {
    let hostile = settings.profile == Profile::Hostile;
    one_of![
        6 => script(hostile),
        2 => window_start(hostile),
        2 => (payload_value(), secret_hex(hostile)).zip().prop_map(|(payload, secret)| {
            json!({ "op": "sign", "keyId": "k1", "secretHex": secret, "payload": payload })
        }),
        2 => payload_value().prop_map(|value| json!({ "op": "stringify", "value": value })),
    ]
}
