//! The groups' filter: radio buttons by implementation, contract and kind that hide the
//! groups (and their rows in the overview table) that do not match, with CSS alone — no
//! script, so the page's CSP can forbid every script.
//!
//! Each distinct value gets an index; a group carries one class per dimension (`fi-2`,
//! `fc-0`, `fk-1`) and each radio button an id of the same name with an `f-` prefix. The
//! rules name only these indices, never a value from the report, so no implementation id
//! ever reaches the stylesheet.

use std::fmt::Write as _;

use super::{code, escape};
use crate::report::model::{Group, Report};

/// One way to filter: the radio buttons' name, their legend, and each group's value.
struct Dimension {
    name: &'static str,
    legend: &'static str,
    value: fn(&Group) -> &str,
}

const DIMENSIONS: [Dimension; 3] = [
    Dimension {
        name: "fi",
        legend: "implementation",
        value: |g| &g.implementation,
    },
    Dimension {
        name: "fc",
        legend: "contract",
        value: |g| &g.contract,
    },
    Dimension {
        name: "fk",
        legend: "kind",
        value: |g| g.kind.as_str(),
    },
];

/// The distinct values of each dimension, in the order the groups list them.
pub(super) struct Filter {
    values: [Vec<String>; 3],
}

impl Filter {
    pub(super) fn of(r: &Report) -> Filter {
        let values = DIMENSIONS.map(|d| {
            let mut seen: Vec<String> = Vec::new();
            for value in r.groups.iter().map(d.value) {
                if !seen.iter().any(|v| v == value) {
                    seen.push(value.to_owned());
                }
            }
            seen
        });
        Filter { values }
    }

    /// The dimensions worth filtering by: those with two values or more.
    fn useful(&self) -> impl Iterator<Item = (usize, &Vec<String>)> {
        self.values.iter().enumerate().filter(|(_, v)| v.len() > 1)
    }

    /// The classes that place `g` in every dimension, e.g. `fi-0 fc-1 fk-0`.
    pub(super) fn classes(&self, g: &Group) -> String {
        DIMENSIONS
            .iter()
            .zip(&self.values)
            .map(|(d, values)| {
                let index = values.iter().position(|v| v == (d.value)(g)).unwrap_or(0);
                format!("{}-{index}", d.name)
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The style rules that hide what a checked button excludes.
    pub(super) fn style(&self) -> String {
        let mut css = String::new();
        for (d, values) in self.useful() {
            let name = DIMENSIONS[d].name;
            for index in 0..values.len() {
                let _ = writeln!(
                    css,
                    "main:has(#f-{name}-{index}:checked) .filtered:not(.{name}-{index}) {{ display: none; }}"
                );
            }
        }
        css
    }

    /// The form of radio buttons; nothing when no dimension has two values.
    pub(super) fn form(&self, out: &mut String) {
        if self.useful().next().is_none() {
            return;
        }
        out.push_str(
            "<form class=\"filter\" id=\"filter\" aria-label=\"show only some groups\">\n",
        );
        for (d, values) in self.useful() {
            let Dimension { name, legend, .. } = DIMENSIONS[d];
            let _ = write!(
                out,
                "<fieldset><legend>{legend}</legend><label><input type=\"radio\" name=\"{name}\" id=\"f-{name}-all\" checked> all</label>"
            );
            for (index, value) in values.iter().enumerate() {
                let shown = match d {
                    2 => escape(value),
                    _ => code(value),
                };
                let _ = write!(
                    out,
                    "<label><input type=\"radio\" name=\"{name}\" id=\"f-{name}-{index}\"> {shown}</label>"
                );
            }
            out.push_str("</fieldset>\n");
        }
        out.push_str("</form>\n");
    }
}
