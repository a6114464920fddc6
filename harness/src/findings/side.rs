//! One implementation's side of a case, judged, and how it stands beside the others' sides.

use reference::Contract;

use crate::judge::{Judged, Verdict};
use crate::report::SideRecord;
use crate::run::Outcome;

/// What one implementation did with a case, judged.
pub struct Side<'a> {
    pub implementation: &'a str,
    pub outcome: &'a Outcome,
    pub judged: Judged<'a>,
}

impl Side<'_> {
    /// Whether the reference accepts what this side did (in time or late).
    pub(super) fn accepted(&self) -> bool {
        matches!(self.judged.verdict, Verdict::Agrees | Verdict::Late { .. })
    }

    /// What this side did, as twins are compared: its canonical output, or its failure.
    pub(super) fn observed(&self) -> &str {
        self.judged.canonical().unwrap_or(self.status())
    }

    pub(super) fn status(&self) -> &'static str {
        match (&self.judged.verdict, self.outcome) {
            (Verdict::Diverges(_), _) => "diverges",
            (Verdict::Agrees | Verdict::Late { .. }, _) => "agrees",
            (Verdict::NoOutput, Outcome::Failed { kind, .. }) => kind.as_str(),
            (Verdict::NoOutput, Outcome::AdapterError { .. }) => "adapter_error",
            (Verdict::NoOutput, _) => "not_run",
        }
    }

    /// The side as the report shows it beside another implementation's example.
    pub fn record(&self, contract: &dyn Contract) -> SideRecord {
        let output = match self.outcome {
            Outcome::Output { output, .. } => Some(contract.as_shown(output)),
            _ => None,
        };
        SideRecord {
            implementation: self.implementation.into(),
            status: self.status().into(),
            output,
        }
    }
}

/// Which side drifted, when other implementations ran the same case; and whether every
/// other implementation gave this very output.
pub fn drift(sides: &[Side], slot: usize) -> (Option<String>, bool) {
    let me = &sides[slot];
    let others: Vec<&Side> = sides
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != slot)
        .map(|(_, s)| s)
        .collect();
    if others.is_empty() {
        return (None, false);
    }
    if others
        .iter()
        .all(|o| o.judged.canonical().is_some() && o.judged.canonical() == me.judged.canonical())
    {
        return (Some("every implementation gives this same output: a contract question (or a reference bug), not a port drift".into()), true);
    }
    let with_reference: Vec<&str> = others
        .iter()
        .filter(|o| matches!(o.judged.verdict, Verdict::Agrees | Verdict::Late { .. }))
        .map(|o| o.implementation)
        .collect();
    let text = if with_reference.is_empty() {
        "the implementations disagree with the reference and with each other".to_owned()
    } else {
        format!(
            "{} drifted: {} agree(s) with the reference",
            me.implementation,
            with_reference.join(", ")
        )
    };
    (Some(text), false)
}
