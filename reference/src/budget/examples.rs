//! Hand-picked cases, frozen as golden vectors by `vectors regen`.
//!
//! Ids name the expected outcome first, so a reviewer can check a case at a glance (the
//! unit tests below hold every id to its prefix):
//! `ok-`, `primary-error-`, `budget-exceeded-`, `fallback-used-`, `fallback-failed-`,
//! `config-error-`, and `race-` for cases whose scripted delay lies in the race band, where
//! more than one output is acceptable (BUDGET-RACE).
//!
//! Unless a case says otherwise the budget is 100 ms, the primary class `llm` and the
//! fallback class `io`. Every case needs well under a second of real time: the slowest
//! scripted delay is 300 ms and no `hang_until_abort` faces a long budget (budgets up to
//! 2^53-1 ms only meet functions that settle within a few milliseconds).

use serde_json::json;

use crate::contract::Example;

pub fn examples() -> Vec<Example> {
    vec![
        // ---- BUDGET-OK -------------------------------------------------------------------
        Example {
            id: "ok-resolve-before-deadline",
            description: "A primary resolving at 10 ms of a 100 ms budget returns its value with one ok event.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "done", "delayMs": 10 }
            }),
        },
        Example {
            id: "ok-resolve-immediately",
            description: "A primary resolving with no delay at all is ok.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": 1, "delayMs": 0 }
            }),
        },
        Example {
            id: "ok-resolve-leaves-fallback-unused",
            description: "A declared fallback never runs when the primary resolves in time; the event has no fallback class.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "fresh", "delayMs": 10 },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "cached", "delayMs": 1 }
                }
            }),
        },
        Example {
            id: "ok-ignore-abort-resolve-before-deadline",
            description: "A primary that ignores the signal but resolves before the deadline is an ordinary ok.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": false },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "ignore_abort_resolve", "value": "stubborn", "delayMs": 20 }
            }),
        },
        Example {
            id: "ok-ignore-abort-resolve-leaves-fallback-unused",
            description: "A signal-ignoring primary that resolves in time never starts its hanging fallback.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "ignore_abort_resolve", "value": "stubborn", "delayMs": 20 },
                "fallback": { "resourceClass": "io", "fn": { "kind": "hang_until_abort" } }
            }),
        },
        Example {
            id: "ok-value-null",
            description: "A null value is returned as null, not mistaken for a missing result.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": null, "delayMs": 5 }
            }),
        },
        Example {
            id: "ok-value-false",
            description: "A falsy boolean value is returned unchanged.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": false, "delayMs": 5 }
            }),
        },
        Example {
            id: "ok-value-empty-containers",
            description: "Empty arrays, objects and strings inside the value are returned unchanged.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": {
                    "kind": "resolve",
                    "value": { "list": [], "map": {}, "text": "" },
                    "delayMs": 5
                }
            }),
        },
        Example {
            id: "ok-value-nested-objects-and-arrays",
            description: "A value nested several levels deep comes back unchanged.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": {
                    "kind": "resolve",
                    "value": {
                        "choices": [{ "text": "hi", "scores": [1, 2.5, null] }, []],
                        "usage": { "tokens": { "in": 12, "out": 3 } }
                    },
                    "delayMs": 5
                }
            }),
        },
        Example {
            id: "ok-value-floats",
            description: "Floats of every shape (fractions, negatives, huge and tiny exponents) come back unchanged.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": {
                    "kind": "resolve",
                    "value": [0.1, -1.5, 123456.789, 1e21, 1e-7],
                    "delayMs": 5
                }
            }),
        },
        Example {
            id: "ok-value-largest-safe-integers",
            description: "Integers at the edge of the exactly-representable range (plus and minus 2^53 - 1) keep every digit.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": {
                    "kind": "resolve",
                    "value": [9_007_199_254_740_991_i64, -9_007_199_254_740_991_i64, 0],
                    "delayMs": 5
                }
            }),
        },
        Example {
            id: "ok-value-unicode-and-escapes",
            description: "A string value with non-ASCII text, an astral character, quotes and escapes comes back unchanged.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": {
                    "kind": "resolve",
                    "value": "日本語 ünïcødé 🎉 𝄞 \"quoted\" back\\slash\ttab\nline",
                    "delayMs": 5
                }
            }),
        },
        Example {
            id: "ok-day-long-budget-prompt-primary",
            description: "The largest budget the contract names (86,400,000 ms) with a primary that resolves at once.",
            input: json!({
                "budget": { "timeoutMs": 86_400_000, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "quick", "delayMs": 5 }
            }),
        },
        Example {
            id: "ok-day-long-budget-with-fallback-declared",
            description: "A day-long budget with a fallback declared: the prompt primary wins and the fallback never runs.",
            input: json!({
                "budget": { "timeoutMs": 86_400_000, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "quick", "delayMs": 1 },
                "fallback": {
                    "resourceClass": "cpu",
                    "fn": { "kind": "resolve", "value": "cached", "delayMs": 1 }
                }
            }),
        },
        Example {
            id: "ok-pg-statement-timeout-present",
            description: "An optional pgStatementTimeoutMs is accepted and changes nothing for a pg primary that resolves in time.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true, "pgStatementTimeoutMs": 50 },
                "tags": { "component": "ledger", "op": "pg.query" },
                "primaryResourceClass": "pg",
                "primary": { "kind": "resolve", "value": [{ "id": 1 }], "delayMs": 10 }
            }),
        },
        Example {
            id: "ok-signal-respecting-false",
            description: "signalRespecting false is a valid budget; a primary resolving in time is ok.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": false },
                "tags": { "component": "scan", "op": "cpu.hash" },
                "primaryResourceClass": "cpu",
                "primary": { "kind": "resolve", "value": "digest", "delayMs": 10 }
            }),
        },
        Example {
            id: "ok-tags-with-tenant-and-correlation-ids",
            description: "Both optional tags are echoed in the event and seen inside the primary.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": {
                    "component": "reeve",
                    "op": "llm.call",
                    "tenantId": "t-1",
                    "correlationId": "req-42"
                },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "done", "delayMs": 5 }
            }),
        },
        Example {
            id: "ok-tags-with-correlation-id-only",
            description: "A correlationId without a tenantId: the absent tag stays absent.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call", "correlationId": "req-42" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "done", "delayMs": 5 }
            }),
        },
        Example {
            id: "ok-tags-unicode-quotes-and-empty-strings",
            description: "Tag strings that are empty or hold Unicode, quotes and backslashes are echoed byte for byte.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": {
                    "component": "",
                    "op": "日本語 \"op\"",
                    "tenantId": "ünïcødé 🎉",
                    "correlationId": "'single' back\\slash"
                },
                "primaryResourceClass": "mem-sample",
                "primary": { "kind": "resolve", "value": "done", "delayMs": 5 }
            }),
        },
        // ---- BUDGET-PRIMARY-ERROR ----------------------------------------------------------
        Example {
            id: "primary-error-reject-before-deadline",
            description: "A primary throwing before the deadline propagates its own error name, unwrapped.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": {
                    "kind": "reject",
                    "errorName": "RateLimitError",
                    "errorMessage": "slow down",
                    "delayMs": 5
                }
            }),
        },
        Example {
            id: "primary-error-reject-skips-fallback",
            description: "A primary error is not a timeout: the declared fallback is never called.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": {
                    "kind": "reject",
                    "errorName": "RateLimitError",
                    "errorMessage": "slow down",
                    "delayMs": 5
                },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "cached", "delayMs": 1 }
                }
            }),
        },
        Example {
            id: "primary-error-reject-without-delay-field",
            description: "A reject script without delayMs (the upstream vector form) throws at once.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "reject", "errorName": "Error", "errorMessage": "boom" }
            }),
        },
        Example {
            id: "primary-error-sync-throw",
            description: "A primary throwing synchronously, before any await, propagates its error unwrapped.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "sync_throw", "errorName": "TypeError", "errorMessage": "bad arg" }
            }),
        },
        Example {
            id: "primary-error-sync-throw-skips-fallback",
            description: "A synchronous throw with a fallback declared: the fallback is never called.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "sync_throw", "errorName": "TypeError", "errorMessage": "bad arg" },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "cached", "delayMs": 1 }
                }
            }),
        },
        Example {
            id: "primary-error-self-named-abort-error",
            description: "An error the primary itself names AbortError before the deadline is a primary error, not a timeout.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": {
                    "kind": "reject",
                    "errorName": "AbortError",
                    "errorMessage": "upstream aborted",
                    "delayMs": 5
                },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "cached", "delayMs": 1 }
                }
            }),
        },
        Example {
            id: "primary-error-self-named-timeout-error",
            description: "An error the primary itself names TimeoutError before the deadline is a primary error, not a timeout.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": {
                    "kind": "reject",
                    "errorName": "TimeoutError",
                    "errorMessage": "socket timed out",
                    "delayMs": 5
                },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "cached", "delayMs": 1 }
                }
            }),
        },
        Example {
            id: "primary-error-sync-throw-named-abort-error",
            description: "A synchronous throw named AbortError is still the primary's own error.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "sync_throw", "errorName": "AbortError", "errorMessage": "" },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "cached", "delayMs": 1 }
                }
            }),
        },
        Example {
            id: "primary-error-sync-throw-one-ms-budget",
            description: "A synchronous throw wins even against a 1 ms budget.",
            input: json!({
                "budget": { "timeoutMs": 1, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "sync_throw", "errorName": "ValueError", "errorMessage": "no" }
            }),
        },
        Example {
            id: "primary-error-day-long-budget",
            description: "A prompt rejection under the 86,400,000 ms budget propagates at once.",
            input: json!({
                "budget": { "timeoutMs": 86_400_000, "signalRespecting": true },
                "tags": { "component": "ledger", "op": "pg.query" },
                "primaryResourceClass": "pg",
                "primary": {
                    "kind": "reject",
                    "errorName": "ConnectionError",
                    "errorMessage": "refused",
                    "delayMs": 3
                }
            }),
        },
        Example {
            id: "primary-error-unicode-message",
            description: "An error message with Unicode and quotes does not change the outcome (messages are not compared).",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": {
                    "kind": "reject",
                    "errorName": "ValueError",
                    "errorMessage": "ünïcødé \"quoted\" 🎉",
                    "delayMs": 5
                }
            }),
        },
        // ---- BUDGET-DEADLINE / BUDGET-EXCEEDED ------------------------------------------------
        Example {
            id: "budget-exceeded-hang-until-abort",
            description: "A primary that only settles when aborted, with no fallback, ends in BudgetExceededError.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" }
            }),
        },
        Example {
            id: "budget-exceeded-late-resolve",
            description: "A primary that would resolve at 300 ms is aborted at the 100 ms deadline: BudgetExceededError.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "too late", "delayMs": 300 }
            }),
        },
        Example {
            id: "budget-exceeded-late-reject",
            description: "A primary that would throw at 300 ms is aborted first: the outcome is the budget, not its error.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": {
                    "kind": "reject",
                    "errorName": "RateLimitError",
                    "errorMessage": "too late",
                    "delayMs": 300
                }
            }),
        },
        Example {
            id: "budget-exceeded-ignore-abort-late-value-discarded",
            description: "A primary ignoring the signal and resolving at 300 ms: the wrapper settles at 100 ms and discards the late value.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": false },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "ignore_abort_resolve", "value": "discarded", "delayMs": 300 }
            }),
        },
        Example {
            id: "budget-exceeded-one-ms-budget",
            description: "A 1 ms budget against a hanging primary is exceeded.",
            input: json!({
                "budget": { "timeoutMs": 1, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" }
            }),
        },
        Example {
            id: "budget-exceeded-signal-respecting-false",
            description: "signalRespecting false does not stop the deadline: a hanging primary is still aborted and exceeded.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": false, "pgStatementTimeoutMs": 80 },
                "tags": { "component": "ledger", "op": "pg.query", "tenantId": "t-1" },
                "primaryResourceClass": "pg",
                "primary": { "kind": "hang_until_abort" }
            }),
        },
        // ---- BUDGET-FALLBACK ---------------------------------------------------------------
        Example {
            id: "fallback-used-after-hang",
            description: "The primary hangs past the deadline and the fallback returns in time: outcome fallback with its value.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call", "tenantId": "t-1" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "cached", "delayMs": 3 }
                }
            }),
        },
        Example {
            id: "fallback-used-after-late-resolve",
            description: "A primary that would resolve after the deadline is abandoned for the fallback's value.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "too late", "delayMs": 300 },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "cached", "delayMs": 3 }
                }
            }),
        },
        Example {
            id: "fallback-used-after-late-reject",
            description: "A primary that would throw after the deadline is abandoned for the fallback's value.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": {
                    "kind": "reject",
                    "errorName": "RateLimitError",
                    "errorMessage": "too late",
                    "delayMs": 300
                },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "cached", "delayMs": 3 }
                }
            }),
        },
        Example {
            id: "fallback-used-after-ignore-abort-primary",
            description: "A signal-ignoring primary resolving at 300 ms is discarded; the fallback's value is returned.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": false },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "ignore_abort_resolve", "value": "discarded", "delayMs": 300 },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "cached", "delayMs": 3 }
                }
            }),
        },
        Example {
            id: "fallback-used-ignore-abort-fallback-in-time",
            description: "A signal-ignoring fallback that resolves within its own deadline is a successful fallback.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "ignore_abort_resolve", "value": "stubborn cache", "delayMs": 10 }
                }
            }),
        },
        Example {
            id: "fallback-used-finishing-after-primary-deadline",
            description: "The fallback takes 80 of its own 100 ms, ending 180 ms into the call: its deadline counts from its start.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "slow cache", "delayMs": 80 }
                }
            }),
        },
        Example {
            id: "fallback-used-equal-classes",
            description: "A fallback of the same class as the primary is allowed.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" },
                "fallback": {
                    "resourceClass": "llm",
                    "fn": { "kind": "resolve", "value": "smaller model", "delayMs": 5 }
                }
            }),
        },
        Example {
            id: "fallback-used-cheapest-class",
            description: "A fallback of the cheapest class (mem-sample) under the dearest primary (llm) is allowed.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" },
                "fallback": {
                    "resourceClass": "mem-sample",
                    "fn": { "kind": "resolve", "value": "sampled", "delayMs": 2 }
                }
            }),
        },
        Example {
            id: "fallback-used-pg-to-cpu-nested-value",
            description: "A pg primary falls back to a cpu function whose nested value is returned unchanged.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "ledger", "op": "pg.query", "correlationId": "req-7" },
                "primaryResourceClass": "pg",
                "primary": { "kind": "hang_until_abort" },
                "fallback": {
                    "resourceClass": "cpu",
                    "fn": {
                        "kind": "resolve",
                        "value": { "source": "estimate", "rows": [[1, "a"], [2, "b"]], "ratio": 0.75 },
                        "delayMs": 5
                    }
                }
            }),
        },
        // ---- BUDGET-FALLBACK-FAILED --------------------------------------------------------
        Example {
            id: "fallback-failed-by-reject",
            description: "The fallback throws: FallbackFailedError with AbortError as the original and the fallback's own name.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" },
                "fallback": {
                    "resourceClass": "io",
                    "fn": {
                        "kind": "reject",
                        "errorName": "IOError",
                        "errorMessage": "cache miss",
                        "delayMs": 5
                    }
                }
            }),
        },
        Example {
            id: "fallback-failed-by-sync-throw",
            description: "The fallback throws synchronously when called: FallbackFailedError naming that error.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "sync_throw", "errorName": "KeyError", "errorMessage": "no entry" }
                }
            }),
        },
        Example {
            id: "fallback-failed-by-own-deadline-hang",
            description: "Both sides hang: the fallback misses its own deadline and fallbackErrorName is AbortError.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" },
                "fallback": { "resourceClass": "io", "fn": { "kind": "hang_until_abort" } }
            }),
        },
        Example {
            id: "fallback-failed-by-own-deadline-late-resolve",
            description: "A fallback that would resolve at 300 ms misses its own 100 ms deadline: fallbackErrorName AbortError.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "too late", "delayMs": 300 },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "also too late", "delayMs": 300 }
                }
            }),
        },
        Example {
            id: "fallback-failed-by-own-deadline-late-reject",
            description: "A fallback that would throw at 300 ms is aborted first: fallbackErrorName is AbortError, not its own name.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" },
                "fallback": {
                    "resourceClass": "io",
                    "fn": {
                        "kind": "reject",
                        "errorName": "IOError",
                        "errorMessage": "too late",
                        "delayMs": 300
                    }
                }
            }),
        },
        Example {
            id: "fallback-failed-by-own-deadline-ignore-abort",
            description: "A signal-ignoring fallback resolving at 300 ms misses its deadline; its late value is discarded.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": false },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "ignore_abort_resolve", "value": "discarded", "delayMs": 300 },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "ignore_abort_resolve", "value": "discarded too", "delayMs": 300 }
                }
            }),
        },
        // ---- BUDGET-FALLBACK-RANK / BUDGET-UNKNOWN-CLASS -------------------------------------
        Example {
            id: "config-error-fallback-outranks-primary",
            description: "An llm fallback under an io primary ranks higher: AegisConfigError, nothing runs, no event.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "io.read" },
                "primaryResourceClass": "io",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 },
                "fallback": {
                    "resourceClass": "llm",
                    "fn": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
                }
            }),
        },
        Example {
            id: "config-error-fallback-one-rank-above",
            description: "A cpu fallback under a mem-sample primary is one rank too high: AegisConfigError.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "probe", "op": "mem.sample" },
                "primaryResourceClass": "mem-sample",
                "primary": { "kind": "hang_until_abort" },
                "fallback": {
                    "resourceClass": "cpu",
                    "fn": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
                }
            }),
        },
        Example {
            id: "config-error-unknown-primary-class",
            description: "An unknown primary class (gpu) without a fallback is refused, fail-closed.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "gpu",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
            }),
        },
        Example {
            id: "config-error-unknown-primary-class-with-fallback",
            description: "An unknown primary class (disk) with a known fallback class is refused too.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "disk.read" },
                "primaryResourceClass": "disk",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
                }
            }),
        },
        Example {
            id: "config-error-unknown-fallback-class",
            description: "Class names are case-sensitive: an LLM fallback under an llm primary is an unknown class.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 },
                "fallback": {
                    "resourceClass": "LLM",
                    "fn": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
                }
            }),
        },
        Example {
            id: "config-error-empty-class-name",
            description: "An empty primary class name is an unknown class.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
            }),
        },
        // ---- Input schema breaks (BUDGET-SCHEMA) ---------------------------------------------
        Example {
            id: "config-error-missing-op-tag",
            description: "Tags without op break the input schema: AegisConfigError.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
            }),
        },
        Example {
            id: "config-error-zero-timeout",
            description: "A timeoutMs of 0 is not a positive integer: AegisConfigError.",
            input: json!({
                "budget": { "timeoutMs": 0, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
            }),
        },
        Example {
            id: "config-error-negative-timeout",
            description: "A negative timeoutMs is refused.",
            input: json!({
                "budget": { "timeoutMs": -5, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
            }),
        },
        Example {
            id: "config-error-fractional-timeout",
            description: "A fractional timeoutMs (12.5) is refused.",
            input: json!({
                "budget": { "timeoutMs": 12.5, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
            }),
        },
        Example {
            id: "config-error-non-string-tenant-id",
            description: "A numeric tenantId is not a string tag value: AegisConfigError.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call", "tenantId": 7 },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
            }),
        },
        Example {
            id: "config-error-non-string-component",
            description: "An array as the component tag is refused.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": ["reeve"], "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
            }),
        },
        Example {
            id: "config-error-null-op-tag",
            description: "A null op tag is not a string: AegisConfigError (even with a fallback declared).",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": null },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
                }
            }),
        },
        Example {
            id: "config-error-signal-respecting-string",
            description: "signalRespecting given as the string \"yes\" is not a boolean: AegisConfigError.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": "yes" },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
            }),
        },
        Example {
            id: "config-error-signal-respecting-number",
            description: "signalRespecting given as 1 is not a boolean: AegisConfigError.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": 1 },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
            }),
        },
        // ---- Functions that settle in the same turn: resolve_now / reject_now ----------------
        Example {
            id: "ok-resolve-now",
            description: "An async primary that returns without awaiting settles before any timer: ok with its value.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve_now", "value": { "cached": true } }
            }),
        },
        Example {
            id: "ok-resolve-now-one-ms-budget",
            description: "resolve_now beats even a 1 ms deadline; the declared fallback never runs.",
            input: json!({
                "budget": { "timeoutMs": 1, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call", "tenantId": "t-1" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve_now", "value": "instant" },
                "fallback": { "resourceClass": "io", "fn": { "kind": "hang_until_abort" } }
            }),
        },
        Example {
            id: "primary-error-reject-now",
            description: "An async primary that throws without awaiting: its error propagates unwrapped.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "reject_now", "errorName": "RateLimitError", "errorMessage": "429" }
            }),
        },
        Example {
            id: "primary-error-reject-now-one-ms-budget-skips-fallback",
            description: "reject_now beats a 1 ms deadline: primary_error, and the fallback is never called.",
            input: json!({
                "budget": { "timeoutMs": 1, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "reject_now", "errorName": "TimeoutError", "errorMessage": "self-named" },
                "fallback": { "resourceClass": "io", "fn": { "kind": "resolve_now", "value": "never returned" } }
            }),
        },
        Example {
            id: "fallback-used-resolve-now-fallback",
            description: "After the primary's deadline, a fallback that returns without awaiting is used.",
            input: json!({
                "budget": { "timeoutMs": 30, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" },
                "fallback": { "resourceClass": "io", "fn": { "kind": "resolve_now", "value": "cached" } }
            }),
        },
        Example {
            id: "fallback-failed-reject-now-fallback",
            description: "After the primary's deadline, a fallback that throws without awaiting fails the call.",
            input: json!({
                "budget": { "timeoutMs": 30, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "reject_now", "errorName": "ConnectionError", "errorMessage": "refused" }
                }
            }),
        },
        // ---- Budgets at the limits of timers and doubles ---------------------------------
        Example {
            id: "ok-budget-2pow31-minus-1",
            description: "A budget of 2^31-1 ms (the longest a Node timer takes in one go) with a primary resolving at 10 ms.",
            input: json!({
                "budget": { "timeoutMs": 2_147_483_647u64, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "in time", "delayMs": 10 }
            }),
        },
        Example {
            id: "ok-budget-2pow31-resolve-after-10ms",
            description: "A budget of 2^31 ms: a timer armed with it as it is fires at once; the primary resolving at 10 ms is still ok.",
            input: json!({
                "budget": { "timeoutMs": 2_147_483_648u64, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "in time", "delayMs": 10 },
                "fallback": { "resourceClass": "io", "fn": { "kind": "resolve_now", "value": "never returned" } }
            }),
        },
        Example {
            id: "primary-error-budget-2pow32-reject-after-5ms",
            description: "A budget of 2^32 ms with a primary rejecting at 5 ms: primary_error, not a deadline.",
            input: json!({
                "budget": { "timeoutMs": 4_294_967_296u64, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "reject", "errorName": "Error", "errorMessage": "boom", "delayMs": 5 }
            }),
        },
        Example {
            id: "ok-budget-2pow53-minus-1-resolve-now",
            description: "The longest budget allowed, 2^53-1 ms, with a primary that returns without awaiting.",
            input: json!({
                "budget": { "timeoutMs": 9_007_199_254_740_991u64, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call", "correlationId": "c-1" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve_now", "value": 9_007_199_254_740_991u64 }
            }),
        },
        Example {
            id: "ok-budget-2pow53-minus-1-resolve-after-5ms",
            description: "A 2^53-1 ms budget with a primary resolving at 5 ms and a fallback declared: ok, one event carrying the whole timeoutMs.",
            input: json!({
                "budget": { "timeoutMs": 9_007_199_254_740_991u64, "signalRespecting": false },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "pg",
                "primary": { "kind": "resolve", "value": "in time", "delayMs": 5 },
                "fallback": { "resourceClass": "cpu", "fn": { "kind": "hang_until_abort" } }
            }),
        },
        Example {
            id: "primary-error-budget-2pow53-minus-1-sync-throw",
            description: "A 2^53-1 ms budget with a primary that throws synchronously.",
            input: json!({
                "budget": { "timeoutMs": 9_007_199_254_740_991u64, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "sync_throw", "errorName": "TypeError", "errorMessage": "bad" }
            }),
        },
        // ---- More input schema breaks: unknown keys, nulls, fractions ---------------------
        Example {
            id: "config-error-unknown-tag-key",
            description: "A tag the schema does not know is refused: AegisConfigError.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call", "region": "eu" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve_now", "value": "never returned" }
            }),
        },
        Example {
            id: "config-error-unknown-budget-key",
            description: "An unknown key in budget is refused.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true, "maxRetries": 3 },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
            }),
        },
        Example {
            id: "config-error-unknown-top-level-key",
            description: "An unknown key beside budget and tags is refused.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "priority": "high",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
            }),
        },
        Example {
            id: "config-error-null-tenant-id",
            description: "A null tenantId is not a string: an optional tag is a string or absent.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call", "tenantId": null },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
            }),
        },
        Example {
            id: "config-error-null-pg-statement-timeout",
            description: "A null pgStatementTimeoutMs is refused: it is a positive integer or absent.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true, "pgStatementTimeoutMs": null },
                "tags": { "component": "ledger", "op": "pg.query" },
                "primaryResourceClass": "pg",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 }
            }),
        },
        Example {
            id: "config-error-null-fallback",
            description: "A null fallback is refused: a fallback is an object or absent.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "never returned", "delayMs": 1 },
                "fallback": null
            }),
        },
        Example {
            id: "config-error-fractional-timeout-resolve-now",
            description: "A fractional timeoutMs (1.5) is refused even when the primary would settle at once.",
            input: json!({
                "budget": { "timeoutMs": 1.5, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve_now", "value": "never returned" }
            }),
        },
        // ---- BUDGET-RACE: delays within 15 ms of a deadline -----------------------------------
        Example {
            id: "race-resolve-at-deadline",
            description: "A primary resolving exactly at the deadline (100 of 100 ms) may be ok or budget_exceeded.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "photo finish", "delayMs": 100 }
            }),
        },
        Example {
            id: "race-reject-at-deadline",
            description: "A primary throwing exactly at the deadline may be a primary_error or budget_exceeded.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": {
                    "kind": "reject",
                    "errorName": "RateLimitError",
                    "errorMessage": "photo finish",
                    "delayMs": 100
                }
            }),
        },
        Example {
            id: "race-ignore-abort-just-after-deadline",
            description: "A signal-ignoring primary resolving 10 ms after the deadline may be ok or budget_exceeded.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": false },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "ignore_abort_resolve", "value": "photo finish", "delayMs": 110 }
            }),
        },
        Example {
            id: "race-primary-just-before-deadline-with-fallback",
            description: "A primary resolving 10 ms before the deadline may win (ok) or lose to the fallback.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "fresh", "delayMs": 90 },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "cached", "delayMs": 5 }
                }
            }),
        },
        Example {
            id: "race-fallback-resolve-at-its-deadline",
            description: "A fallback resolving exactly at its own deadline may give fallback or fallback_failed.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "photo finish", "delayMs": 100 }
                }
            }),
        },
        Example {
            id: "race-fallback-reject-at-its-deadline",
            description: "A fallback throwing at its own deadline fails either way; fallbackErrorName is its name or AbortError.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" },
                "fallback": {
                    "resourceClass": "io",
                    "fn": {
                        "kind": "reject",
                        "errorName": "IOError",
                        "errorMessage": "photo finish",
                        "delayMs": 100
                    }
                }
            }),
        },
        Example {
            id: "race-fallback-ignore-abort-just-before-deadline",
            description: "A signal-ignoring fallback resolving 12 ms before its deadline may give fallback or fallback_failed.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": false },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "hang_until_abort" },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "ignore_abort_resolve", "value": "photo finish", "delayMs": 88 }
                }
            }),
        },
        Example {
            id: "race-on-both-sides",
            description: "Primary and fallback both near their deadlines: ok, fallback and fallback_failed are all acceptable.",
            input: json!({
                "budget": { "timeoutMs": 100, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "fresh", "delayMs": 95 },
                "fallback": {
                    "resourceClass": "io",
                    "fn": { "kind": "resolve", "value": "cached", "delayMs": 100 }
                }
            }),
        },
        Example {
            id: "race-one-ms-budget-immediate-resolve",
            description: "Under a 1 ms budget even an immediate resolve is in the band: ok or budget_exceeded.",
            input: json!({
                "budget": { "timeoutMs": 1, "signalRespecting": true },
                "tags": { "component": "reeve", "op": "llm.call" },
                "primaryResourceClass": "llm",
                "primary": { "kind": "resolve", "value": "instant", "delayMs": 0 }
            }),
        },
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::examples;

    use crate::budget::Budget;
    use crate::contract::{Contract, GenSettings};

    #[test]
    fn ids_name_the_expected_outcome() {
        let settings = GenSettings::default();
        let prefixes = [
            ("ok-", "ok"),
            ("primary-error-", "primary_error"),
            ("budget-exceeded-", "budget_exceeded"),
            ("fallback-used-", "fallback"),
            ("fallback-failed-", "fallback_failed"),
            ("config-error-", "config_error"),
        ];
        for example in examples() {
            let expectation = Budget.expect(&example.input, &settings);
            if example.id.starts_with("race-") {
                assert!(
                    expectation.acceptable.len() > 1,
                    "{} is not in the race band",
                    example.id
                );
                continue;
            }
            let (_, outcome) = prefixes
                .iter()
                .find(|(prefix, _)| example.id.starts_with(prefix))
                .unwrap_or_else(|| panic!("{} has no outcome prefix", example.id));
            assert_eq!(
                expectation.acceptable.len(),
                1,
                "{} unexpectedly races",
                example.id
            );
            assert_eq!(
                expectation.acceptable[0].output["outcome"], *outcome,
                "{}",
                example.id
            );
        }
    }

    #[test]
    fn at_least_three_examples_sit_in_the_race_band() {
        let settings = GenSettings::default();
        let racing = examples()
            .iter()
            .filter(|e| Budget.expect(&e.input, &settings).acceptable.len() > 1)
            .count();
        assert!(racing >= 3, "only {racing} race-band examples");
    }

    #[test]
    fn every_example_fits_the_case_time() {
        let settings = GenSettings::default();
        for example in examples() {
            let expectation = Budget.expect(&example.input, &settings);
            assert!(
                expectation.virtual_duration_ms <= settings.max_case_ms,
                "{} takes {} ms of virtual time",
                example.id,
                expectation.virtual_duration_ms
            );
        }
    }

    #[test]
    fn every_script_kind_appears_on_both_sides() {
        let mut kinds = BTreeSet::new();
        for example in examples() {
            let input = &example.input;
            let with_fallback = input.get("fallback").is_some();
            if let Some(kind) = input["primary"]["kind"].as_str() {
                kinds.insert(format!("primary:{kind}:fallback={with_fallback}"));
            }
            if let Some(kind) = input["fallback"]["fn"]["kind"].as_str() {
                kinds.insert(format!("fallback:{kind}"));
            }
        }
        // Seven kinds as the primary with and without a fallback, seven as the fallback.
        assert_eq!(kinds.len(), 21, "{kinds:#?}");
    }
}
