//! The timings of `index.html`: when the run started, its wall time, the adapters' time
//! zone, and per implementation how long cases took and how late timers fired.

use std::fmt::Write as _;

use super::code;
use crate::report::model::Report;

/// What the clock measured: never compared, shown so a slow or late implementation shows.
pub(super) fn timings(out: &mut String, r: &Report) {
    let t = &r.timings;
    out.push_str("<h2>Timings</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"note\" id=\"clock\">Started {} (UTC), wall time {} ms; the adapters ran in time zone {}. Measured, never compared: timer lag is how late the adapters' timers fired (load on the machine shows here first).</p>",
        code(&t.started_at),
        t.wall_ms,
        code(&r.settings.time_zone)
    );
    if !t.contracts_ms.is_empty() {
        let each: Vec<String> = t
            .contracts_ms
            .iter()
            .map(|(contract, ms)| format!("{} {ms} ms", code(contract)))
            .collect();
        let _ = writeln!(out, "<p>Wall time per contract: {}.</p>", each.join(" · "));
    }
    if !t.implementations.is_empty() {
        out.push_str("<table id=\"timings\">\n<thead><tr><th>contract/implementation</th><th class=\"num\">timed cases</th><th class=\"num\">elapsed p50</th><th class=\"num\">p99</th><th class=\"num\">max</th><th class=\"num\">timer lag p50</th><th class=\"num\">p99</th><th class=\"num\">max</th></tr></thead>\n<tbody>\n");
        for (key, it) in &t.implementations {
            let (e, l) = (&it.elapsed_ms, &it.timer_lag_ms);
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{} ms</td><td class=\"num\">{} ms</td><td class=\"num\">{} ms</td><td class=\"num\">{} ms</td><td class=\"num\">{} ms</td><td class=\"num\">{} ms</td></tr>",
                code(key),
                e.samples,
                e.p50,
                e.p99,
                e.max,
                l.p50,
                l.p99,
                l.max
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    if !t.timing_violations.is_empty() {
        out.push_str("<table id=\"late\">\n<thead><tr><th>contract</th><th>implementation</th><th>case</th><th>rule</th><th class=\"num\">took</th><th class=\"num\">allowed</th></tr></thead>\n<tbody>\n");
        for v in &t.timing_violations {
            let case = serde_json::to_string(&v.case).unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num fail\">{} ms</td><td class=\"num\">{} ms</td></tr>",
                code(&v.contract),
                code(&v.implementation),
                code(&case),
                code(&v.rule),
                v.elapsed_ms,
                v.limit_ms
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
}
